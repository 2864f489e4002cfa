"""Action recognition with UMT: head, recipe parts, loaders, converters,
and a short fine-tune / test / infer run through the real tools."""
import json
import os.path as osp

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from official_ref import np_sinusoid_table
from official_ref_cls import (RefFinetuneViT, RefMMActionUMT,
                              ref_interpolated_table)

import umt_mm  # noqa: F401

init_default_scope('mmaction')
from mmaction.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402

from umt_mm.checkpoint import convert_layout, extract_student  # noqa

TINY = dict(embed_dims=32, num_layers=2, num_heads=2)


def build_recognizer(num_classes=5, img_size=32, num_frames=2, **backbone):
    cfg = dict(
        type='Recognizer3D',
        backbone=dict(type='UMTViT', arch=TINY, img_size=img_size,
                      num_frames=num_frames, final_norm=False, **backbone),
        cls_head=dict(type='UMTClsHead', num_classes=num_classes,
                      in_channels=32, average_clips='prob'),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCTHW'))
    model = MODELS.build(cfg)
    model.init_weights()
    return model.eval()


def logits(model, x):
    with torch.no_grad():
        return model.cls_head(model.backbone(x))


def test_head_shapes_and_pooling():
    model = build_recognizer()
    x = torch.randn(3, 3, 2, 32, 32)
    tokens = model.backbone(x)
    assert tokens.shape == (3, 8, 32)
    out = model.cls_head(tokens)
    assert out.shape == (3, 5)
    fmap = tokens.transpose(1, 2).reshape(3, 32, 2, 2, 2)
    assert torch.allclose(model.cls_head(fmap), out, atol=1e-6)
    with pytest.raises(ValueError, match='expects'):
        model.cls_head(torch.randn(2, 3, 4, 5))


def test_multi_view_prob_averaging():
    model = build_recognizer()
    views = torch.randn(2, 6, 3, 2, 32, 32)  # 2 videos x (2 clips x 3 crops)
    samples = [ActionDataSample().set_gt_label(0) for _ in range(2)]
    with torch.no_grad():
        preds = model(views, samples, mode='predict')
        per_view = logits(model, views.flatten(0, 1)).view(2, 6, 5)
    expected = per_view.softmax(-1).mean(1)
    got = torch.stack([p.pred_score for p in preds])
    assert torch.allclose(got, expected, atol=1e-6)


def test_soft_label_loss_with_smoothing():
    head = MODELS.build(dict(type='UMTClsHead', num_classes=4,
                             in_channels=8, label_smooth_eps=0.1))
    scores = torch.randn(2, 4)
    soft = torch.tensor([[0.7, 0.3, 0., 0.], [0., 0., 0.5, 0.5]])
    samples = [ActionDataSample().set_gt_label(s) for s in soft]
    loss = head.loss_by_feat(scores, samples)['loss_cls']
    target = 0.9 * soft + 0.1 / 4
    expected = -(target * scores.log_softmax(-1)).sum(-1).mean()
    assert torch.allclose(loss, expected, atol=1e-6)


def test_layer_decay_param_groups():
    model = build_recognizer(pos_embed='learnable')
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='RecognizerLayerDecayOptimWrapperConstructor',
        optim_wrapper_cfg=dict(
            type='OptimWrapper',
            optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.05)),
        paramwise_cfg=dict(layer_decay_rate=0.75, flat_decay_mult=0.0,
                           custom_keys={'.pos_embed': dict(decay_mult=0.)})))
    groups = constructor(model).optimizer.param_groups
    by_name = {g['param_name']: g for g in groups}
    L = 2
    expect_id = {'backbone.pos_embed': 0,
                 'backbone.patch_embed.proj.weight': 0,
                 'backbone.blocks.0.attn.qkv.weight': 1,
                 'backbone.blocks.1.mlp.fc2.weight': 2,
                 'cls_head.fc_norm.weight': L + 1,
                 'cls_head.fc_cls.weight': L + 1}
    for name, layer_id in expect_id.items():
        g = by_name[name]
        assert g['layer_id'] == layer_id, name
        assert g['lr'] == pytest.approx(0.75**(L + 1 - layer_id)), name
    # no weight decay on 1-D parameters and pos_embed, 0.05 on matrices
    assert by_name['backbone.pos_embed']['weight_decay'] == 0
    assert by_name['backbone.blocks.0.attn.q_bias']['weight_decay'] == 0
    assert by_name['cls_head.fc_cls.bias']['weight_decay'] == 0
    assert by_name['backbone.blocks.0.attn.qkv.weight']['weight_decay'] == \
        pytest.approx(0.05)
    assert len(by_name) == len(list(model.parameters()))


@pytest.mark.parametrize('num_frames,img_size', [(16, 224), (8, 384)])
def test_pos_embed_adaptation_matches_official(num_frames, img_size):
    backbone = MODELS.build(dict(
        type='UMTViT', arch=TINY, img_size=img_size, num_frames=num_frames,
        pos_embed='learnable', pretrain_grid=(8, 14, 14), final_norm=False))
    grid = (num_frames, img_size // 16, img_size // 16)
    ref = ref_interpolated_table(32, (8, 14, 14), grid)
    assert torch.allclose(backbone.pos_embed.data, ref, atol=1e-5)


def _student_state(dim=32, depth=2):
    ref = build_recognizer(pos_embed='learnable')
    return {k[len('backbone.'):]: v.clone()
            for k, v in ref.state_dict().items() if k.startswith('backbone.')}


@pytest.mark.parametrize('layout', ['umt_stage1', 'official_stage1',
                                    'official_stage2', 'umt_stage2',
                                    'recognizer'])
def test_umt_loader_keeps_student_only(tmp_path, layout):
    student = _student_state()
    student.pop('pos_embed')
    extra = {'norm.weight': torch.ones(32), 'norm.bias': torch.zeros(32)}
    if layout == 'umt_stage1':
        state = {f'backbone.{k}': v for k, v in {**student, **extra}.items()}
        state.update({'teacher.conv1.weight': torch.randn(4, 3, 1, 4, 4),
                      'head.clip_decoder.0.head.weight': torch.randn(4, 32)})
    elif layout == 'official_stage1':
        state = {f'encoder.{k}': v for k, v in {**student, **extra}.items()}
        state['encoder.pos_embed'] = np_sinusoid_table(8, 32)  # fixed table
        state['clip_decoder.0.head.weight'] = torch.randn(4, 32)
        state['clip_pos_embed'] = np_sinusoid_table(8, 32)
    elif layout in ('official_stage2', 'umt_stage2'):
        # official: the ViT is wrapped as vision_encoder.encoder
        root = 'vision_encoder.encoder.' if layout == 'official_stage2' \
            else 'vision_encoder.'
        state = {f'{root}{k}': v for k, v in {**student, **extra}.items()}
        head = 'vision_encoder.' if layout == 'official_stage2' \
            else 'distill_head.'
        state[head + 'clip_decoder.0.head.weight'] = torch.randn(4, 8)
        state['vision_encoder.pool_norm.weight' if layout == 'official_stage2'
              else 'vision_layernorm.weight'] = torch.ones(32)
        state['text_encoder.bert.embeddings.word_embeddings.weight'] = \
            torch.randn(10, 8)
        state['vision_proj.weight'] = torch.randn(8, 32)
    else:
        state = {f'backbone.{k}': v for k, v in student.items()}
        state['cls_head.fc_cls.weight'] = torch.randn(7, 32)
    path = str(tmp_path / 'ckpt.pth')
    torch.save({'model': state}, path)
    kept = extract_student(torch.load(path)['model'])
    assert set(kept) == set(student)
    model = build_recognizer(init_cfg=dict(type='Pretrained',
                                           checkpoint='umt://' + path))
    for key, value in student.items():
        assert torch.equal(model.backbone.state_dict()[key], value), key
    # the fixed table is the backbone's own, the head stays freshly initialised
    assert torch.allclose(model.backbone.pos_embed, np_sinusoid_table(8, 32))


def test_umt_loader_error_without_student(tmp_path):
    path = str(tmp_path / 'bad.pth')
    torch.save({'model': {'foo.weight': torch.zeros(2)}}, path)
    with pytest.raises(ValueError, match='no UMT student found'):
        build_recognizer(init_cfg=dict(type='Pretrained',
                                       checkpoint='umt://' + path))


def _round_trip(ref, state, model):
    layout, converted = convert_layout(state)
    missing, unexpected = model.load_state_dict(converted, strict=False)
    assert not unexpected and not missing, (missing, unexpected)
    x = torch.randn(2, 3, 2, 32, 32)
    ref.eval()
    with torch.no_grad():
        expected = ref(x)
    assert torch.allclose(logits(model, x), expected, atol=1e-5)
    return layout


@pytest.mark.parametrize('learnable', [False, True])
def test_convert_official_finetune_same_logits(learnable):
    pre = (1, 2, 2) if learnable else None
    ref = RefFinetuneViT(pretrain_grid=pre)
    model = build_recognizer(
        **(dict(pos_embed='learnable', pretrain_grid=pre) if learnable
           else {}))
    assert _round_trip(ref, ref.state_dict(), model) == 'finetune'


@pytest.mark.parametrize('learnable', [False, True])
def test_convert_mmaction_umt_same_logits(learnable):
    pre = (1, 2, 2) if learnable else None
    ref = RefMMActionUMT(pretrain_grid=pre)
    model = build_recognizer(
        **(dict(pos_embed='learnable', pretrain_grid=pre) if learnable
           else {}))
    assert _round_trip(ref, ref.state_dict(), model) == 'mmaction_umt'


def test_convert_tool_and_class_errors(tmp_path, run_tool):
    ref = RefFinetuneViT(num_classes=5)
    src, dst = str(tmp_path / 'official.pth'), str(tmp_path / 'umt.pth')
    torch.save({'module': ref.state_dict()}, src)
    out = run_tool('tools/convert/official_umt.py', src, dst).check()
    assert 'finetune' in out.stdout
    model = build_recognizer()
    load_checkpoint(model, dst, map_location='cpu', strict=True)
    x = torch.randn(1, 3, 2, 32, 32)
    with torch.no_grad():
        assert torch.allclose(logits(model, x), ref.eval()(x), atol=1e-5)
    # wrong class count: names the key and both sizes
    with pytest.raises(ValueError, match=r'cls_head\.fc_cls\.weight has 5 '
                       r'classes.*num_classes=7'):
        load_checkpoint(build_recognizer(num_classes=7), dst)
    # a larger head mapped onto a subset with channel_map
    cmap = tmp_path / 'map.json'
    cmap.write_text(json.dumps([4, 0, 2]))
    sub = MODELS.build(dict(
        type='Recognizer3D',
        backbone=dict(type='UMTViT', arch=TINY, img_size=32, num_frames=2,
                      final_norm=False),
        cls_head=dict(type='UMTClsHead', num_classes=3, in_channels=32,
                      channel_map=str(cmap))))
    load_checkpoint(sub, dst)
    assert torch.equal(sub.cls_head.fc_cls.weight,
                       ref.head.weight.data[[4, 0, 2]])
    # wrong layout
    with pytest.raises(ValueError, match='unrecognised checkpoint layout'):
        convert_layout({'foo.weight': torch.zeros(1)})
    bad = ref.state_dict()
    bad['blocks.0.gamma_1'] = torch.ones(32)
    with pytest.raises(ValueError, match='gamma_1'):
        convert_layout(bad, 'finetune')


def test_channel_maps_shipped(repo_root):
    folder = osp.join(repo_root, 'configs/umt/k710_channel_map')
    with open(osp.join(folder, 'label_map_k710.txt')) as f:
        k710 = [line.strip() for line in f if line.strip()]
    assert len(k710) == len(set(k710)) == 710
    for n in (400, 600, 700):
        with open(osp.join(folder, f'map_k{n}.json')) as f:
            rows = json.load(f)
        assert len(rows) == len(set(rows)) == n and max(rows) < 710
    with open(osp.join(folder, 'map_k400.json')) as f:
        rows = json.load(f)
    # Kinetics-400 label 0 is 'abseiling', label 399 'zumba'
    assert k710[rows[0]] == 'abseiling' and k710[rows[399]] == 'zumba'


def test_finetune_test_infer_tools(tmp_path, demo_data, run_tool,
                                   stage1_run):
    """tools/train.py -> tools/test.py (--dump, 12 views) -> tools/infer.py
    on the demo data, initialised from the shared stage-1 run's student."""
    ckpt = stage1_run.checkpoint()
    work = str(tmp_path / 'work')
    train_list = osp.join(demo_data, 'train_list.txt')
    val_list = osp.join(demo_data, 'val_list.txt')
    opts = [
        '--cfg-options', f'model.backbone.init_cfg.checkpoint=umt://{ckpt}',
        'train_cfg.max_epochs=1',
        f'train_dataloader.dataset.ann_file={train_list}',
        f'train_dataloader.dataset.data_prefix.video={demo_data}',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        f'test_dataloader.dataset.ann_file={val_list}',
        f'test_dataloader.dataset.data_prefix.video={demo_data}',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'default_hooks.checkpoint.interval=1']
    res = run_tool('tools/train.py', 'configs/umt/finetune_demo.py',
                   '--work-dir', work, *opts, timeout=240).check()
    assert 'UMT init from' in res.output and 'loaded 54 tensors' in res.output
    ckpt_ft = osp.join(work, 'epoch_1.pth')
    assert osp.isfile(ckpt_ft)
    dump = str(tmp_path / 'scores.pkl')
    res = run_tool('tools/test.py', 'configs/umt/finetune_demo.py', ckpt_ft,
                   '--work-dir', work, '--dump', dump, *opts,
                   timeout=240).check()
    assert 'acc/top1' in res.stdout and osp.isfile(dump)
    import pickle
    with open(dump, 'rb') as f:
        scores = pickle.load(f)
    assert len(scores) == 8 and scores[0]['pred_score'].shape == (4, )
    video = osp.join(demo_data, 'videos', 'val_0000.mp4')
    res = run_tool('tools/infer.py', video, 'configs/umt/finetune_demo.py',
                   ckpt_ft, '--label-map',
                   osp.join(demo_data, 'classes.txt'), '--device', 'cpu',
                   timeout=120).check()
    lines = [ln for ln in res.stdout.splitlines() if ln[:2] in
             ('1.', '2.', '3.', '4.')]
    assert len(lines) == 4 and 'moving' in lines[0]
