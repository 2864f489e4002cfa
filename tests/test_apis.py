"""umt_mm.apis: the model zoo by name, weights in every layout, feature
extraction, annotation lists, mask drawing and the TensorBoard backend (tiny
demo models, CPU)."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch

FT_DEMO = 'configs/umt/finetune_demo.py'
STAGE1_DEMO = 'configs/umt/stage1_demo.py'
K400_B = 'umt-base-p16-res224_k710-pre_u8_k400-rgb'
#: a zoo config shrunk to the demo size (same keys, tiny shapes)
TINY_K400 = {
    'model.backbone.arch': dict(_delete_=True, embed_dims=64, num_layers=2,
                                num_heads=4),
    'model.backbone.img_size': 64,
    'model.cls_head.in_channels': 64,
    'model.cls_head.channel_map': None,
}


@pytest.fixture(scope='module')
def tiny_cls(repo_root, tmp_path_factory):
    """(config, umt_mm checkpoint, state dict) of a random demo recognizer."""
    from umt_mm.apis import get_model
    cfg = osp.join(repo_root, FT_DEMO)
    model = get_model(cfg, pretrained=False, device='cpu')
    state = {k: v.clone() for k, v in model.state_dict().items()}
    path = str(tmp_path_factory.mktemp('ckpt') / 'cls.pth')
    torch.save(dict(state_dict=state, meta=dict(epoch=1)), path)
    return cfg, path, state


@pytest.fixture()
def videos(demo_data, tmp_path):
    """Two demo videos and one that is not a video."""
    folder = tmp_path / 'videos'
    (folder / 'sub').mkdir(parents=True)
    shutil.copy(osp.join(demo_data, 'videos', 'val_0000.mp4'), folder)
    shutil.copy(osp.join(demo_data, 'videos', 'val_0001.mp4'),
                folder / 'sub')
    (folder / 'broken.mp4').write_bytes(b'not a video')
    return str(folder)


def to_official_finetune(state):
    out = {}
    for key, value in state.items():
        if key.startswith('backbone.'):
            out[key[len('backbone.'):]] = value
        elif key.startswith('cls_head.fc_norm.'):
            out['fc_norm.' + key.rsplit('.', 1)[1]] = value
        elif key.startswith('cls_head.fc_cls.'):
            out['head.' + key.rsplit('.', 1)[1]] = value
    return out


def to_mmaction_umt(state):
    return {k.replace('cls_head.fc_norm.', 'backbone.fc_norm.'): v
            for k, v in state.items()}


def assert_same(model, state):
    own = model.state_dict()
    assert set(own) == set(state)
    for key, value in state.items():
        assert torch.equal(own[key], value), key


# ----------------------------------------------------------------- model zoo
def test_metafile_entries(repo_root):
    from umt_mm.apis.model_zoo import load_model_index
    from umt_mm.checkpoint import LAYOUTS
    models = load_model_index()
    assert len(models) >= 30
    files = [m.file for m in models.values()]
    assert len(set(files)) == len(files)
    for info in models.values():
        assert osp.isfile(info.config), (info.name, info.config)
        assert info.layout in LAYOUTS, (info.name, info.layout)
        assert info.weights.startswith('https://huggingface.co/')
        assert info.release_url.endswith('/' + info.file)
        for result in info.results:
            assert all(isinstance(v, (int, float)) and 0 < v <= 100
                       for v in result['Metrics'].values())
    # one checked against the official model zoo / the paper's table
    k400 = models['umt-large-p16-res224_k710-pre_u16_k400-rgb']
    assert k400.file == 'l16_ptk710_ftk710_ftk400_f16_res224.pth'
    assert k400.results[0]['Metrics'] == {'Top 1 Accuracy': 90.6,
                                          'Top 5 Accuracy': 98.7}


def test_list_models_and_names():
    from umt_mm.apis import get_model_info, list_models
    k400 = list_models('k400')
    assert K400_B in k400 and all('k400' in n for n in k400)
    assert list_models('*ava22') == ['umt-base-p16-res224_k710-ft_ava22',
                                     'umt-large-p16-res224_k710-ft_ava22']
    assert list_models('ft_k400_vitb') == [K400_B]  # alias
    assert list_models('no-such-model') == []
    assert get_model_info('ft_k400_vitb').name == K400_B
    with pytest.raises(ValueError, match="unknown UMT model 'umt-b-k400'.*"
                       'did you mean'):
        get_model_info('umt-b-k400')


def test_missing_zoo_file_says_where(tmp_path, monkeypatch):
    from umt_mm.apis import get_model
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('UMT_MM_CHECKPOINTS', str(tmp_path))
    monkeypatch.setenv('HF_HOME', str(tmp_path / 'hf'))
    with pytest.raises(FileNotFoundError) as err:
        get_model('ft_k400_vitb')
    msg = str(err.value)
    assert 'b16_ptk710_ftk710_ftk400_f8_res224.pth' in msg
    assert 'https://huggingface.co/OpenGVLab/UMT' in msg
    assert 'checkpoints/b16_ptk710_ftk710_ftk400_f8_res224.pth' in msg


def test_get_model_every_layout(tiny_cls, tmp_path):
    """umt_mm, official (DDP-wrapped), mmaction2 and safetensors files load
    to the same weights."""
    from safetensors.torch import save_file

    from umt_mm.apis import get_model
    cfg, path, state = tiny_cls
    official = tmp_path / 'official.pth'
    torch.save({'model': {'module.' + k: v for k, v in
                          to_official_finetune(state).items()}}, official)
    mmaction = tmp_path / 'mmaction.pth'
    torch.save({'state_dict': to_mmaction_umt(state)}, mmaction)
    hf_dir = tmp_path / 'hf'
    hf_dir.mkdir()
    save_file({k: v.contiguous() for k, v in state.items()},
              str(hf_dir / 'model.safetensors'))
    for ckpt in (path, official, mmaction, hf_dir):
        model = get_model(cfg, str(ckpt), device='cpu')
        assert not model.training
        assert_same(model, state)


def test_get_model_zoo_name_from_folder(tiny_cls, tmp_path):
    """A zoo name finds its release file name inside a folder (a clone of
    the Hugging Face repository); the wrong shapes are refused."""
    from umt_mm.apis import get_model, get_model_info
    _, _, state = tiny_cls
    info = get_model_info(K400_B)
    model = get_model(K400_B, pretrained=False, device='cpu',
                      cfg_options=dict(TINY_K400, **{
                          'model.cls_head.num_classes': 4}))
    small = model.state_dict()
    nested = tmp_path / 'UMT' / 'single_modality'
    nested.mkdir(parents=True)
    torch.save({'model': to_official_finetune(small)}, nested / info.file)
    loaded = get_model(K400_B, str(tmp_path / 'UMT'), device='cpu',
                       cfg_options=dict(TINY_K400, **{
                           'model.cls_head.num_classes': 4}))
    assert_same(loaded, small)
    assert loaded.zoo_info.name == K400_B
    wide = dict(TINY_K400, **{'model.cls_head.num_classes': 4,
                              'model.backbone.arch': dict(
                                  _delete_=True, embed_dims=32, num_layers=2,
                                  num_heads=4),
                              'model.cls_head.in_channels': 32})
    with pytest.raises(ValueError, match='shape'):
        get_model(K400_B, str(tmp_path / 'UMT'), device='cpu',
                  cfg_options=wide)


# ---------------------------------------------------------- feature extraction
def test_extract_features_resume_and_failures(tiny_cls, videos, tmp_path):
    from umt_mm.apis.features import FeatureExtractor, extract_features
    cfg, ckpt, _ = tiny_cls
    out = str(tmp_path / 'feats')
    opts = dict(num_clips=2, crops='center', features=('clip', 'frames'),
                fmt='pt')
    summary = extract_features(cfg, ckpt, videos, out, **opts)
    assert (summary['total'], summary['done'], summary['skipped']) == \
        (3, 2, 0)
    assert [osp.basename(p) for p, _ in summary['failed']] == ['broken.mp4']
    with open(osp.join(out, 'failures.txt')) as f:
        assert 'broken.mp4' in f.read()
    feats = torch.load(osp.join(out, 'sub', 'val_0001.pt'))
    assert feats['clip'].shape == (64, )
    assert feats['frames'].shape == (2, 8, 64)  # 2 clips x 8 frames
    # the same numbers as the in-memory API
    extractor = FeatureExtractor.from_config(
        cfg, ckpt, device='cpu', features=('clip', ), num_clips=2,
        crops='center')
    direct = extractor(osp.join(videos, 'sub', 'val_0001.mp4'))['clip']
    np.testing.assert_allclose(feats['clip'].numpy(), direct, atol=1e-6)
    # rerun: finished videos are skipped, the bad one is tried again
    again = extract_features(cfg, ckpt, videos, out, **opts)
    assert (again['done'], again['skipped'], len(again['failed'])) == \
        (0, 2, 1)
    with pytest.raises(ValueError, match='other settings'):
        extract_features(cfg, ckpt, videos, out, num_clips=1,
                         features=('clip', 'frames'), fmt='pt')
    foreign = tmp_path / 'foreign'
    foreign.mkdir()
    (foreign / 'notes.txt').write_text('mine')
    with pytest.raises(FileExistsError, match='not a feature folder'):
        extract_features(cfg, ckpt, videos, str(foreign))
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(ValueError, match='holds no videos'):
        extract_features(cfg, ckpt, str(empty), out)


def test_sampling_pipeline_options():
    from umt_mm.apis.features import sampling_pipeline
    base = [dict(type='DecordInit'),
            dict(type='UniformSample', clip_len=8, num_clips=4,
                 test_mode=True),
            dict(type='ThreeCrop', crop_size=64)]
    out = sampling_pipeline(base, num_clips=1, clip_len=16, crops='center')
    assert out[1]['num_clips'] == 1 and out[1]['clip_len'] == 16
    assert out[2]['type'] == 'CenterCrop'
    assert base[1]['num_clips'] == 4  # the config is not changed
    with pytest.raises(ValueError, match='crops'):
        sampling_pipeline(base, crops='five')
    # stage-2 pipelines: the caption transforms are dropped
    text = base + [dict(type='TokenizeText', tokenizer='minilm-l6'),
                   dict(type='PackActionInputs',
                        algorithm_keys=('input_ids', ))]
    out = sampling_pipeline(text)
    assert [t['type'] for t in out][-2:] == ['ThreeCrop', 'PackActionInputs']
    assert 'algorithm_keys' not in out[-1]


# ------------------------------------------------------------ annotation lists
def test_build_file_list_tree_and_csv(demo_data, tmp_path):
    from umt_mm.apis.file_list import build_file_list
    root = tmp_path / 'my_videos'
    src = osp.join(demo_data, 'videos')
    for cls, ids in (('jump', range(0, 4)), ('run', range(4, 8))):
        (root / cls).mkdir(parents=True)
        for i in ids:
            shutil.copy(osp.join(src, f'val_{i:04d}.mp4'), root / cls)
    (root / 'run' / 'cut.mp4').write_bytes(b'\x00' * 64)
    (root / 'notes').mkdir()  # a class folder without videos is ignored
    res = build_file_list(str(root), val_ratio=0.25)
    assert res['classes'] == ['jump', 'run']
    assert (res['train'], res['val']) == (6, 2)
    assert [p for p, _ in res['bad']] == [osp.join('run', 'cut.mp4')]
    with open(root / 'train_list.txt') as f:
        train = [line.split() for line in f]
    with open(root / 'val_list.txt') as f:
        val = [line.split() for line in f]
    assert not {p for p, _ in train} & {p for p, _ in val}
    for path, label in train + val:
        assert osp.isfile(root / path)
        assert int(label) == ['jump', 'run'].index(path.split(os.sep)[0])
    assert sorted(int(y) for _, y in val) == [0, 1]  # one val video a class
    with pytest.raises(FileExistsError, match='--overwrite'):
        build_file_list(str(root))
    # a CSV of path,label with a header, written elsewhere
    csv_file = tmp_path / 'list.csv'
    csv_file.write_text('path,label\njump/val_0000.mp4,jump\n'
                        'run/val_0004.mp4,run\nrun/missing.mp4,run\n')
    out = tmp_path / 'lists'
    res = build_file_list(str(root), csv_file=str(csv_file),
                          out_dir=str(out), val_ratio=0.0)
    assert res['train'] == 2 and res['val'] == 0
    assert res['bad'] == [('run/missing.mp4', 'file not found')]
    empty = tmp_path / 'empty'
    (empty / 'cls').mkdir(parents=True)
    with pytest.raises(ValueError, match='holds no videos'):
        build_file_list(str(empty))


# --------------------------------------------------------------------- masks
@pytest.fixture(scope='module')
def stage1_model(repo_root):
    from umt_mm.apis import get_model
    return get_model(osp.join(repo_root, STAGE1_DEMO), pretrained=False,
                     device='cpu')


def test_mask_panels(stage1_model, demo_data):
    from umt_mm.apis.mask_vis import load_clip, mask_panels, render_grid
    frames, clip = load_clip(stage1_model,
                             osp.join(demo_data, 'videos', 'val_0002.mp4'))
    assert frames.shape == (8, 64, 64, 3) and frames.dtype == np.uint8
    state = torch.get_rng_state()
    panels = mask_panels(stage1_model, clip, mask_ratio=0.75, seed=3)
    assert torch.equal(state, torch.get_rng_state())  # training RNG intact
    t, h, w = panels['grid']
    L = h * w
    attention = panels['attention']  # the class token's own share dropped
    assert attention.shape == (t, L) and (attention > 0).all()
    assert (attention.sum(1) <= 1 + 1e-5).all()
    kept = {k: (~m).sum(1) for k, m in panels['masks'].items()}
    assert kept['semantic'].tolist() == [L - int(L * 0.75)] * t
    assert kept['tube'].tolist() == [L - int(L * 0.75)] * t
    tube = panels['masks']['tube']
    assert (tube == tube[:1]).all()  # the same spatial mask every frame
    assert int(kept['random'].sum()) == t * L - int(t * L * 0.75)
    again = mask_panels(stage1_model, clip, mask_ratio=0.75, seed=3)
    for name, mask in panels['masks'].items():
        assert torch.equal(mask, again['masks'][name])
    grid = render_grid(frames, panels)
    assert grid.shape[0] == 5 * 64 and grid.dtype == np.uint8
    # a masked token of the random row (row 4) is darkened by 0.2
    y, x = panels['masks']['random'][0].view(h, w).nonzero()[0].tolist()
    left = grid.shape[1] - t * 64  # after the label column
    cell = grid[4 * 64 + y * 16:4 * 64 + (y + 1) * 16,
                left + x * 16:left + (x + 1) * 16]
    src = frames[0, y * 16:(y + 1) * 16, x * 16:(x + 1) * 16]
    np.testing.assert_allclose(cell, src * 0.2, atol=1)


def test_mask_vis_needs_a_teacher(tiny_cls, demo_data, tmp_path):
    from umt_mm.apis.mask_vis import visualize_masks
    cfg, ckpt, _ = tiny_cls
    with pytest.raises(ValueError, match='no CLIP teacher'):
        visualize_masks(cfg, ckpt, osp.join(demo_data, 'videos',
                                            'val_0000.mp4'), str(tmp_path))


# ------------------------------------------------------------ vis backends
def test_optional_tensorboard_backend(tmp_path, monkeypatch):
    from mmengine.logging import MMLogger

    from umt_mm.engine import vis_backends
    on = vis_backends.OptionalTensorboardVisBackend(str(tmp_path / 'on'))
    on.add_scalar('loss', 1.0, step=1)
    on.close()
    if vis_backends.tensorboard_available():
        assert any(f.startswith('events.out.tfevents')
                   for f in os.listdir(tmp_path / 'on'))
    monkeypatch.setattr(vis_backends, 'tensorboard_available',
                        lambda: False)
    logger = MMLogger.get_current_instance()
    messages = []
    monkeypatch.setattr(logger, 'warning', messages.append)
    off = vis_backends.OptionalTensorboardVisBackend(str(tmp_path / 'off'))
    off.add_scalar('loss', 1.0, step=1)
    off.add_image('img', np.zeros((4, 4, 3), np.uint8))
    off.close()
    assert len(messages) == 1 and 'pip install tensorboard' in messages[0]
    assert not osp.exists(tmp_path / 'off') or not os.listdir(
        tmp_path / 'off')


def test_progress_bar_hook(capsys):
    from types import SimpleNamespace

    from umt_mm.engine.progress_hook import ProgressBarHook
    hook = ProgressBarHook()
    runner = SimpleNamespace(test_loop=SimpleNamespace(dataloader=[0] * 3),
                             val_loop=SimpleNamespace(dataloader=[0] * 2))
    hook.before_test_epoch(runner)
    for i in range(3):
        hook.after_test_iter(runner, i)
    hook.after_test_epoch(runner)
    assert 'test: 100%' in capsys.readouterr().err.replace('\r', '\n')
    only_val = ProgressBarHook(phases=('val', ))
    only_val.before_test_epoch(runner)
    only_val.after_test_iter(runner, 0)
    only_val.after_test_epoch(runner)
    assert capsys.readouterr().err == ''
    with pytest.raises(ValueError, match='phases'):
        ProgressBarHook(phases=('train', ))


def test_mask_vis_teacher_only(stage1_model, demo_data, tmp_path):
    """CKPT 'none': the drawing comes from model.teacher.pretrained alone."""
    import cv2

    from umt_mm.apis.mask_vis import (load_clip, mask_panels, render_grid,
                                      visualize_masks)
    teacher = tmp_path / 'teacher.pth'
    torch.save(stage1_model.teacher.state_dict(), teacher)
    video = osp.join(demo_data, 'videos', 'val_0003.mp4')
    png, = visualize_masks(
        osp.join(osp.dirname(osp.dirname(__file__)), STAGE1_DEMO), None,
        video, str(tmp_path / 'out'), animation='none',
        cfg_options={'model.teacher.pretrained': str(teacher)})
    frames, clip = load_clip(stage1_model, video)
    expected = render_grid(frames, mask_panels(stage1_model, clip, seed=0))
    np.testing.assert_array_equal(cv2.imread(png)[..., ::-1], expected)
