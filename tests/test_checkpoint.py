"""umt_mm.checkpoint: safe reader, layout registry, strict weight loading,
and the build-time teacher/student agreement checks."""
import os.path as osp
import pickle
import subprocess
import sys

import pytest
import torch
from mmengine.registry import init_default_scope

import umt_mm  # noqa: F401
from umt_mm.checkpoint import (LAYOUTS, CheckpointMismatchError, detect_layout,
                               load_weights, read_state_dict, register_layout,
                               save_checkpoint_atomic, unwrap_state_dict)
from umt_mm.registry import MODELS

init_default_scope('mmaction')
REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY = dict(embed_dims=32, num_layers=2, num_heads=2)
SMALL = dict(embed_dims=16, num_layers=2, num_heads=2)
CLIP_ARCH = dict(patch_size=16, width=16, layers=2, heads=2, output_dim=8)


def vit(arch=TINY, **kwargs):
    return MODELS.build(dict(type='UMTViT', arch=arch, img_size=32,
                             num_frames=2, **kwargs))


def recognizer(arch=TINY, num_classes=3, init_cfg=None):
    return MODELS.build(dict(
        type='Recognizer3D',
        backbone=dict(type='UMTViT', arch=arch, img_size=32, num_frames=2,
                      final_norm=False, init_cfg=init_cfg),
        cls_head=dict(type='UMTClsHead', num_classes=num_classes,
                      in_channels=arch['embed_dims'])))


def stage1_file(tmp_path, arch=TINY, name='stage1.pth'):
    """A umt_mm stage-1 style checkpoint (``backbone.*`` + ``head.*``)."""
    student = vit(arch, return_layers=1)
    head = MODELS.build(dict(type='UMTDistillHead', in_channels=32,
                             out_channels=8, num_layers=1))
    state = {f'backbone.{k}': v for k, v in student.state_dict().items()}
    state.update({f'head.{k}': v for k, v in head.state_dict().items()})
    path = str(tmp_path / name)
    save_checkpoint_atomic(dict(state_dict=state, meta=dict(epoch=1)), path)
    return path, student


# ---------------------------------------------------------------- reader
def test_unwrap_order():
    sd = {'w': torch.ones(1)}
    other = {'v': torch.zeros(1)}
    assert unwrap_state_dict({'model': {'module': sd}}) == sd
    assert unwrap_state_dict({'state_dict': sd, 'model': other}) == sd
    assert unwrap_state_dict({'model': sd, 'module': other}) == sd
    assert unwrap_state_dict({'module': sd, 'ema': other}) == sd
    assert unwrap_state_dict({'ema': sd, 'epoch': 3}) == sd
    assert unwrap_state_dict(sd) == sd
    with pytest.raises(ValueError, match='no state dict of tensors'):
        unwrap_state_dict({'optimizer': {'lr': 0.1}}, 'x.pth')


class _Payload:
    def __reduce__(self):
        return (open, ('/tmp/umt_mm_pwned', 'w'))


def test_reader_refuses_pickled_code(tmp_path):
    path = tmp_path / 'evil.pth'
    with open(path, 'wb') as f:
        pickle.dump({'state_dict': {'w': _Payload()}}, f)
    with pytest.raises(pickle.UnpicklingError):
        read_state_dict(str(path))
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        read_state_dict(str(tmp_path / 'nope.pth'))


def test_reader_reads_mmengine_checkpoint(tmp_path):
    """The allow-listed types of mmengine checkpoints (message hub with
    HistoryBuffer, numpy scalars) load under weights_only."""
    import numpy as np
    from mmengine.logging import HistoryBuffer
    buf = HistoryBuffer()
    buf.update(1.5)
    path = str(tmp_path / 'epoch_1.pth')
    torch.save(dict(meta=dict(epoch=1, seed=np.int64(3)),
                    state_dict={'w': torch.ones(2)},
                    message_hub=dict(log_scalars={'loss': buf})), path)
    assert torch.equal(read_state_dict(path)['w'], torch.ones(2))


# -------------------------------------------------------------- registry
def test_registry_rejects_duplicates_and_ambiguity():
    with pytest.raises(KeyError, match='stage1'):
        register_layout('stage1', lambda s: False, dict)
    state = {'clip_decoder.0.head.weight': torch.zeros(1),
             'encoder.blocks.0.x': torch.zeros(1)}
    assert detect_layout(state) == 'stage1'
    register_layout('_test_twin', lambda s: 'encoder.blocks.0.x' in s, dict)
    try:
        with pytest.raises(ValueError, match='several layouts'):
            detect_layout(state)
    finally:
        LAYOUTS.pop('_test_twin')


# ---------------------------------------------------- shape mismatches
def test_umt_scheme_into_smaller_config_is_refused(tmp_path):
    path, _ = stage1_file(tmp_path)
    model = recognizer(SMALL, init_cfg=dict(type='Pretrained',
                                            checkpoint='umt://' + path))
    with pytest.raises(CheckpointMismatchError) as err:
        model.init_weights()
    msg = str(err.value)
    assert path in msg and 'shape mismatches' in msg
    assert 'blocks.0.attn.qkv.weight checkpoint (96, 32) vs model ' \
        '(48, 16)' in msg


def test_umt_scheme_loads_and_allows_only_norm_missing(tmp_path):
    path, student = stage1_file(tmp_path)
    model = vit(init_cfg=dict(type='Pretrained', checkpoint='umt://' + path))
    model.init_weights()  # final norm: fresh (allowed missing)
    for key, value in student.state_dict().items():
        if not key.startswith('norm.'):
            assert torch.equal(model.state_dict()[key], value), key
    deeper = vit(dict(TINY, num_layers=3),
                 init_cfg=dict(type='Pretrained', checkpoint='umt://' + path))
    with pytest.raises(CheckpointMismatchError, match=r'missing keys \(\d+\)'
                       r': blocks\.2\.'):
        deeper.init_weights()


def test_prefix_init_cfg_refuses_shapes(tmp_path):
    """The AVA route: a recognizer checkpoint with ``prefix='backbone.'``."""
    src = recognizer()
    path = str(tmp_path / 'cls.pth')
    save_checkpoint_atomic(dict(state_dict=src.state_dict()), path)
    det = MODELS.build(dict(type='UMTViTDet', arch=TINY, img_size=32,
                            num_frames=2,
                            init_cfg=dict(type='Pretrained', checkpoint=path,
                                          prefix='backbone.')))
    det.init_weights()
    assert torch.equal(det.blocks[1].mlp.fc2.weight,
                       src.backbone.blocks[1].mlp.fc2.weight)
    small = MODELS.build(dict(type='UMTViTDet', arch=SMALL, img_size=32,
                              num_frames=2,
                              init_cfg=dict(type='Pretrained',
                                            checkpoint=path,
                                            prefix='backbone.')))
    with pytest.raises(CheckpointMismatchError, match='shape mismatches'):
        small.init_weights()


def test_prefix_init_cfg_converts_an_official_file(tmp_path):
    """An official fine-tuned classifier with ``prefix='backbone.'``: the
    layout is converted first, then the prefix applies."""
    sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
    from official_ref_cls import RefFinetuneViT
    ref = RefFinetuneViT(num_classes=3)
    path = str(tmp_path / 'official.pth')
    torch.save({'model': ref.state_dict()}, path)
    det = MODELS.build(dict(type='UMTViTDet', arch=TINY, img_size=32,
                            num_frames=2,
                            init_cfg=dict(type='Pretrained', checkpoint=path,
                                          prefix='backbone.')))
    det.init_weights()
    assert torch.equal(det.blocks[0].attn.qkv.weight,
                       ref.state_dict()['blocks.0.attn.qkv.weight'])


def test_teacher_refuses_shapes_with_file_and_shapes(tmp_path):
    small = MODELS.build(dict(type='CLIPTeacher', arch=CLIP_ARCH,
                              input_resolution=32, return_layers=1))
    path = str(tmp_path / 'clip.pth')
    torch.save({'visual.' + k: v for k, v in small.state_dict().items()},
               path)
    big = MODELS.build(dict(type='CLIPTeacher',
                            arch=dict(CLIP_ARCH, width=32),
                            input_resolution=32, return_layers=1,
                            pretrained=path))
    with pytest.raises(CheckpointMismatchError) as err:
        big.init_weights()
    assert path in str(err.value)
    assert 'conv1.weight checkpoint (16, 3, 16, 16) vs model ' \
        '(32, 3, 16, 16)' in str(err.value)


def _stage2(**kwargs):
    bert = dict(vocab_size=120, hidden_size=32, num_hidden_layers=2,
                num_attention_heads=2, intermediate_size=64,
                max_position_embeddings=40)
    cfg = dict(
        type='UMTStage2',
        vision_encoder=dict(type='UMTViT', arch=TINY, img_size=32,
                            num_frames=2, return_layers=1),
        text_encoder=dict(type='UMTTextEncoder', pretrained=None,
                          bert_cfg=bert, fusion_layer=1),
        teacher=dict(type='CLIPTeacher', arch=CLIP_ARCH,
                     input_resolution=32, return_layers=1),
        distill_head=dict(type='UMTDistillHead', in_channels=32,
                          out_channels=8, num_layers=1),
        video_masker=dict(type='AttentionMasker', mask_ratio=0.5),
        embed_dim=8, special_token_ids=dict(pad=0, cls=1, mask=3))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_stage2_vision_init_loads_and_refuses(tmp_path):
    path, student = stage1_file(tmp_path)
    model = _stage2(vision_pretrained=path)
    model.init_weights()
    for key, value in student.state_dict().items():
        assert torch.equal(model.vision_encoder.state_dict()[key], value)
    assert torch.equal(model.distill_head.clip_decoder[0].head.weight,
                       torch.load(path)['state_dict'][
                           'head.clip_decoder.0.head.weight'])
    narrow, _ = stage1_file(tmp_path, SMALL, 'narrow.pth')
    with pytest.raises(CheckpointMismatchError, match='shape mismatches: '
                       r'patch_embed\.proj\.weight checkpoint \(16, '):
        _stage2(vision_pretrained=narrow).init_weights()
    deeper, _ = stage1_file(tmp_path, dict(TINY, num_layers=3), 'l3.pth')
    model = _stage2(vision_pretrained=deeper)
    with pytest.raises(CheckpointMismatchError, match=r'unexpected keys '
                       r'\(\d+\): blocks\.2\.'):
        model.init_weights()


# ------------------------------------------------------ whole models
def test_whole_model_load_shapes_and_allow_lists(tmp_path):
    src = recognizer(num_classes=3)
    path = str(tmp_path / 'rec.pth')
    save_checkpoint_atomic(dict(state_dict=src.state_dict(),
                                meta=dict(epoch=2)), path)
    report = load_weights(recognizer(num_classes=3), path)
    assert report.layout == 'umt_mm' and report.meta == dict(epoch=2)
    assert not report.missing and not report.unexpected
    # a smaller model: every mismatching key with both shapes and the file
    with pytest.raises(CheckpointMismatchError) as err:
        load_weights(recognizer(SMALL, num_classes=3), path)
    msg = str(err.value)
    assert path in msg and 'Recognizer3D' in msg
    assert 'backbone.patch_embed.proj.weight checkpoint (32, 3, 1, 16, 16)' \
        ' vs model (16, 3, 1, 16, 16)' in msg
    # a head that is meant to be new: missing only with the allow-list
    backbone_only = {k: v for k, v in src.state_dict().items()
                     if k.startswith('backbone.')}
    with pytest.raises(CheckpointMismatchError, match=r'missing keys \(4\): '
                       r'cls_head\.fc_cls\.bias, cls_head\.fc_cls\.weight'):
        load_weights(recognizer(), backbone_only)
    report = load_weights(recognizer(), backbone_only,
                          allow_missing=('cls_head.*', ))
    assert report.missing == ['cls_head.fc_cls.bias', 'cls_head.fc_cls.weight',
                              'cls_head.fc_norm.bias',
                              'cls_head.fc_norm.weight']
    extra = dict(src.state_dict(), **{'aux.weight': torch.zeros(1)})
    with pytest.raises(CheckpointMismatchError, match='aux.weight'):
        load_weights(recognizer(), extra)
    assert load_weights(recognizer(), extra, allow_unexpected=('aux.*', )
                        ).unexpected == ['aux.weight']
    # strict=False (explicit) only warns about keys; shapes still refuse
    load_weights(recognizer(), backbone_only, strict=False)
    with pytest.raises(CheckpointMismatchError, match='shape'):
        load_weights(recognizer(SMALL), backbone_only, strict=False)


def test_stage1_file_as_whole_recognizer_names_keys(tmp_path):
    """No layout matches a stage-1 umt_mm file for a recognizer: the key
    comparison says what is missing and unexpected."""
    path, _ = stage1_file(tmp_path)
    with pytest.raises(CheckpointMismatchError) as err:
        load_weights(recognizer(), path)
    msg = str(err.value)
    assert 'missing keys (4): cls_head.fc_cls.bias' in msg
    assert 'unexpected keys' in msg and 'head.clip_decoder.0' in msg


def test_model_declared_allow_list():
    """A stage-2 pre-training checkpoint into a retrieval model built
    without teacher and UTA head: those keys are expected, no others."""
    state = _stage2().state_dict()
    retrieval = _stage2(teacher=None, distill_head=None, video_masker=None,
                        loss_weights=dict(uta=0.0))
    report = load_weights(retrieval, state)
    assert report.unexpected and all(
        k.startswith(('teacher.', 'distill_head.')) for k in report.unexpected)
    state['itm_head.extra'] = torch.zeros(1)
    with pytest.raises(CheckpointMismatchError, match='itm_head.extra'):
        load_weights(retrieval, state)


def test_whole_model_converts_a_registered_layout(tmp_path):
    """An official stage-1 file into UMTPretrain: the teacher is expected
    missing (layout allow-list), nothing else."""
    algo = _stage1_algorithm()
    official = {'encoder.' + k[len('backbone.'):]: v
                for k, v in algo.state_dict().items()
                if k.startswith('backbone.')}
    official.update({'clip_decoder.' + k[len('head.clip_decoder.'):]: v
                     for k, v in algo.state_dict().items()
                     if k.startswith('head.')})
    report = load_weights(_stage1_algorithm(), {'model': official})
    assert report.layout == 'stage1'
    assert report.missing and all(k.startswith('teacher.')
                                  for k in report.missing)


def test_auto_detects_mmaction_umt_and_strips_ddp_prefix():
    """A projects/umt recognizer (umt_mm names but backbone.fc_norm) is
    converted, not taken as umt_mm names missing cls_head.fc_norm; a DDP
    ``module.`` prefix on every key is dropped by the reader."""
    src = recognizer()
    mmaction = {k.replace('cls_head.fc_norm.', 'backbone.fc_norm.'): v
                for k, v in src.state_dict().items()}
    for state in (mmaction, {'module.' + k: v for k, v in mmaction.items()}):
        dst = recognizer()
        report = load_weights(dst, {'state_dict': state})
        assert report.layout == 'mmaction_umt'
        assert report.missing == [] and report.unexpected == []
        for key, value in src.state_dict().items():
            assert torch.equal(dst.state_dict()[key], value), key


def _stage1_algorithm(teacher_res=32, teacher_layers=1, head_layers=1,
                      student_layers=1):
    return MODELS.build(dict(
        type='UMTPretrain',
        backbone=dict(type='UMTViT', arch=TINY, img_size=32, num_frames=2,
                      return_layers=student_layers),
        teacher=dict(type='CLIPTeacher', arch=CLIP_ARCH,
                     input_resolution=teacher_res,
                     return_layers=teacher_layers),
        masker=dict(type='TubeMasker', mask_ratio=0.5),
        head=dict(type='UMTDistillHead', in_channels=32, out_channels=8,
                  num_layers=head_layers)))


def test_convert_tool_checks_against_config(tmp_path):
    """tools/convert/official_umt.py --config (its main(), in-process; the
    tool runs as a subprocess in test_recognition)."""
    sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
    from official_ref_cls import RefFinetuneViT

    from tools.convert import official_umt
    src, dst = str(tmp_path / 'official.pth'), str(tmp_path / 'umt.pth')
    torch.save({'module': RefFinetuneViT(num_classes=3).state_dict()}, src)
    config = tmp_path / 'cfg.py'
    for dims in (16, 32):
        config.write_text(
            "custom_imports = dict(imports=['umt_mm'])\n"
            'model = ' + repr(dict(
                type='Recognizer3D',
                backbone=dict(type='UMTViT', arch=dict(TINY, embed_dims=dims),
                              img_size=32, num_frames=2, final_norm=False),
                cls_head=dict(type='UMTClsHead', num_classes=3,
                              in_channels=dims))) + '\n')
        args = [src, dst, '--config', str(config)]
        if dims == 16:  # refused, nothing written
            with pytest.raises(CheckpointMismatchError,
                               match='shape mismatches') as err:
                official_umt.main(args)
            assert src in str(err.value) and not osp.exists(dst)
    official_umt.main(args)
    assert osp.isfile(dst)


def test_infer_tool_refuses_other_shapes(tmp_path, demo_data):
    """A 32-wide recognizer checkpoint into the 64-wide demo config
    (tools/infer.py's main(), in-process; the tool runs as a subprocess in
    test_recognition)."""
    from tools import infer
    path = str(tmp_path / 'narrow.pth')
    save_checkpoint_atomic(dict(state_dict=recognizer(num_classes=4)
                                .state_dict()), path)
    with open(osp.join(demo_data, 'val_list.txt')) as f:
        video = f.readline().split()[0]
    with pytest.raises(CheckpointMismatchError,
                       match='shape mismatches') as err:
        infer.main([osp.join(demo_data, video),
                    osp.join(REPO, 'configs/umt/finetune_demo.py'), path,
                    '--device', 'cpu'])
    assert path in str(err.value)


# -------------------------------------------------- build-time checks
def test_grid_and_layer_mismatch_fail_at_build():
    with pytest.raises(ValueError) as err:
        _stage1_algorithm(teacher_res=48)
    msg = str(err.value)
    assert 'input_resolution=48' in msg and '3x3' in msg
    assert 'img_size=32' in msg and '2x2' in msg
    with pytest.raises(ValueError, match=r'teacher\.return_layers=1 but '
                       r'backbone\.return_layers=2'):
        _stage1_algorithm(student_layers=2, head_layers=2)
    with pytest.raises(ValueError, match=r'head\.num_layers=2 but '
                       r'backbone\.return_layers=1'):
        _stage1_algorithm(head_layers=2)
    with pytest.raises(ValueError, match=r'teacher input_resolution=48'):
        _stage2(teacher=dict(type='CLIPTeacher', arch=CLIP_ARCH,
                             input_resolution=48, return_layers=1))


def test_forward_features_returns_tokens_and_layers():
    model = vit(return_layers=2).eval()
    x = torch.randn(2, 3, 2, 32, 32)
    out = model.forward_features(x)
    assert out.tokens.shape == (2, 8, 32) and out.grid == (2, 2, 2)
    assert torch.equal(out.layers, model(x))
    assert torch.equal(out.layers[-1], out.tokens)  # last layer, normed
    image = model.forward_features(torch.randn(2, 3, 1, 32, 32))
    assert image.tokens.shape == (2, 4, 32)  # first-frame table rows


# ------------------------------------------------------------- imports
def test_checkpoint_needs_no_models():
    """umt_mm.checkpoint imports and works with umt_mm.models blocked."""
    code = f'''
import importlib.abc, sys, types
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == 'umt_mm.models' or name.startswith('umt_mm.models.'):
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, Block())
pkg = types.ModuleType('umt_mm')
pkg.__path__ = [{osp.join(REPO, 'umt_mm')!r}]
sys.modules['umt_mm'] = pkg
import torch
from umt_mm.checkpoint import convert_layout, load_weights, LAYOUTS
assert 'stage1' in LAYOUTS and 'umt_mm.models' not in sys.modules
state = {{'encoder.blocks.0.w': torch.ones(1),
          'clip_decoder.0.head.weight': torch.ones(1)}}
assert convert_layout(state)[0] == 'stage1'
print('ok')
'''
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, cwd=REPO)
    assert out.returncode == 0 and out.stdout.strip() == 'ok', out.stderr
