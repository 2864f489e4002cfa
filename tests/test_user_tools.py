"""The user tools as users run them, on the demo data: annotation lists for
a folder of videos (and the custom-data config reading them), feature
extraction in two processes with a bad video and a resume, errors for an
unknown model name, and the mask drawings of a stage-1 run (the training
hook with the local and TensorBoard backends, then
tools/visualize_masks.py on its checkpoint)."""
import glob
import os
import os.path as osp
import shutil

import numpy as np
import pytest

CUSTOM = 'configs/umt/umt-base-p16-res224_k710-pre_u8_custom-rgb.py'


def class_tree(demo_data, root):
    """ROOT/<class>/<video> from the demo videos, plus a broken file."""
    labels = {}
    with open(osp.join(demo_data, 'train_list.txt')) as f:
        for line in f:
            path, label = line.split()
            labels[path] = int(label)
    with open(osp.join(demo_data, 'classes.txt')) as f:
        names = [n.strip().replace(' ', '_') for n in f if n.strip()]
    for path, label in labels.items():
        folder = osp.join(root, names[label])
        os.makedirs(folder, exist_ok=True)
        shutil.copy(osp.join(demo_data, path), folder)
    with open(osp.join(root, names[0], 'truncated.mp4'), 'wb') as f:
        f.write(b'\x00\x00\x00\x18ftypmp42')
    return sorted(names), len(labels)


def test_build_file_list_tool_and_custom_config(run_tool, demo_data,
                                                tmp_path, repo_root):
    root = str(tmp_path / 'my_videos')
    names, count = class_tree(demo_data, root)
    res = run_tool('tools/data/build_file_list.py', root,
                   '--val-ratio', '0.25').check()
    assert f'{len(names)} classes' in res.stdout
    skipped = [line for line in res.stdout.splitlines()
               if 'skipped' in line]
    assert len(skipped) == 1 and 'truncated.mp4' in skipped[0]
    assert f'{count - count // 4} train / {count // 4} val' in res.stdout
    with open(osp.join(root, 'label_map.txt')) as f:
        assert [n.strip() for n in f] == names
    with open(osp.join(root, 'bad_videos.txt')) as f:
        assert 'truncated.mp4' in f.read()
    again = run_tool('tools/data/build_file_list.py', root)
    assert again.returncode != 0 and '--overwrite' in again.output

    # the ~10-line custom config reads these lists as they are
    from mmengine.config import Config

    from umt_mm.apis import get_model
    from umt_mm.registry import DATASETS
    cfg = Config.fromfile(osp.join(repo_root, CUSTOM))
    assert cfg.model.cls_head.num_classes == cfg.num_classes
    assert cfg.load_from is None
    for split, loader in (('train', cfg.train_dataloader),
                          ('val', cfg.val_dataloader),
                          ('val', cfg.test_dataloader)):
        dataset_cfg = loader.dataset
        dataset_cfg.ann_file = osp.join(root, f'{split}_list.txt')
        dataset_cfg.data_prefix = dict(video=root)
        dataset = DATASETS.build(dataset_cfg)
        sample = dataset[0]
        if isinstance(sample, list):  # RepeatAugDataset: two augmentations
            sample = sample[0]
        assert 0 <= sample['data_samples'].gt_label.item() < len(names)
    val = dataset  # the test pipeline: 4 clips x 3 crops of 224 px
    assert tuple(val[0]['inputs'].shape) == (12, 3, 8, 224, 224)
    model = get_model(osp.join(repo_root, CUSTOM), pretrained=False,
                      device='cpu', cfg_options={'num_classes': len(names),
                                                 'model.cls_head.num_classes':
                                                 len(names)})
    assert model.cls_head.fc_cls.out_features == len(names)


def test_extract_features_tool(run_tool, demo_data, tmp_path, repo_root):
    from umt_mm.apis import get_model
    ckpt = str(tmp_path / 'cls.pth')
    import torch
    model = get_model(osp.join(repo_root, 'configs/umt/finetune_demo.py'),
                      pretrained=False, device='cpu')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    videos = tmp_path / 'list.txt'
    with open(osp.join(demo_data, 'val_list.txt')) as f:
        lines = f.readlines()[:3]
    videos.write_text(''.join(lines) + 'videos/missing.mp4 0\n')
    out = tmp_path / 'feats'
    args = ['configs/umt/finetune_demo.py', ckpt, '--videos', videos,
            '--root', demo_data, '--out', out, '--num-clips', '1',
            '--features', 'clip', 'tokens', '--workers', '2']
    res = run_tool('tools/extract_features.py', *args, timeout=400)
    assert res.returncode == 1, res.output[-3000:]
    assert '4 videos: 3 extracted, 0 already done, 1 failed' in res.stdout
    assert 'missing.mp4' in (out / 'failures.txt').read_text()
    feat = np.load(out / 'videos' / 'val_0000.npy')
    tokens = np.load(out / 'videos' / 'val_0000_tokens.npy')
    assert feat.shape == (64, ) and tokens.shape == (3, 128, 64)  # 3 crops
    res = run_tool('tools/extract_features.py', *args[:-2], timeout=400)
    assert '0 extracted, 3 already done, 1 failed' in res.stdout


def test_unknown_model_name_tool(run_tool, demo_data, tmp_path):
    res = run_tool('tools/extract_features.py', 'umt-base-k4OO', 'x.pth',
                   '--videos', osp.join(demo_data, 'videos'), '--out',
                   tmp_path / 'out')
    assert res.returncode != 0
    assert "unknown UMT model 'umt-base-k4OO'" in res.output


def test_mask_vis_hook_and_tool(run_tool, demo_data, tmp_path, repo_root):
    """One stage-1 epoch with MaskVisualizationHook and both backends, then
    tools/visualize_masks.py on the checkpoint it wrote."""
    cfg = tmp_path / 'stage1_masks.py'
    cfg.write_text(
        f"_base_ = ['{osp.join(repo_root, 'configs/umt/stage1_demo.py')}']\n"
        "custom_hooks = [dict(type='MaskVisualizationHook', interval=1)]\n"
        "visualizer = dict(vis_backends=[dict(type='LocalVisBackend'), "
        "dict(type='OptionalTensorboardVisBackend')])\n")
    work_dir = tmp_path / 'work'
    run_tool('tools/train.py', cfg, '--work-dir', work_dir, '--cfg-options',
             f'train_dataloader.dataset.data_prefix.video={demo_data}',
             f'train_dataloader.dataset.ann_file={demo_data}/train_list.txt',
             'train_cfg.max_epochs=1', 'train_dataloader.num_workers=1',
             timeout=400).check()
    images = glob.glob(str(work_dir / '*' / 'vis_data' / 'vis_image' /
                           'umt_masks_*.png'))
    assert len(images) == 2  # 16 videos / batch 8, one drawing per step
    import cv2
    grid = cv2.imread(images[0])
    assert grid.shape[0] == 5 * 64  # video, attention, 3 maskers
    from umt_mm.engine.vis_backends import tensorboard_available
    if tensorboard_available():
        assert glob.glob(str(work_dir / '*' / 'vis_data' /
                             'events.out.tfevents*'))
    ckpt = str(work_dir / 'epoch_1.pth')
    video = osp.join(demo_data, 'videos', 'val_0001.mp4')
    out = tmp_path / 'vis'
    res = run_tool('tools/visualize_masks.py', 'configs/umt/stage1_demo.py',
                   ckpt, video, '--out', out, '--animation', 'mp4').check()
    png, mp4 = out / 'val_0001_masks.png', out / 'val_0001_masks.mp4'
    assert png.is_file() and mp4.stat().st_size > 0
    cap = cv2.VideoCapture(str(mp4))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 8  # one per frame
    again = run_tool('tools/visualize_masks.py',
                     'configs/umt/stage1_demo.py', ckpt, video, '--out', out)
    assert again.returncode != 0 and '--overwrite' in again.output
    bad = tmp_path / 'bad.mp4'
    bad.write_bytes(b'nothing')
    res = run_tool('tools/visualize_masks.py', 'configs/umt/stage1_demo.py',
                   ckpt, bad, '--out', out)
    assert res.returncode != 0 and 'cannot decode' in res.output


@pytest.fixture(autouse=True)
def _one_thread(monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
