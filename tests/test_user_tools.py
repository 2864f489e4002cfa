"""The user tools as users run them, on the demo data: annotation lists for
a folder of videos (and the custom-data config reading them), feature
extraction in two processes with a bad video and a resume, errors for an
unknown model name, and the mask drawings of the shared stage-1 run
(conftest's ``stage1_run`` trains with the hook and the local and
TensorBoard backends), then tools/visualize_masks.py on its checkpoint."""
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
    # a second run refuses to overwrite the lists (in-process: the same
    # main() the subprocess ran)
    from tools.data import build_file_list
    with pytest.raises(SystemExit, match='--overwrite'):
        build_file_list.main([root])

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


def test_extract_features_tool(run_tool, demo_data, tmp_path, repo_root,
                               capsys):
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
    args = [osp.join(repo_root, 'configs/umt/finetune_demo.py'), ckpt,
            '--videos', videos,
            '--root', demo_data, '--out', out, '--num-clips', '1',
            '--features', 'clip', 'tokens', '--workers', '2']
    res = run_tool('tools/extract_features.py', *args, timeout=400)
    assert res.returncode == 1, res.output[-3000:]
    assert '4 videos: 3 extracted, 0 already done, 1 failed' in res.stdout
    assert 'missing.mp4' in (out / 'failures.txt').read_text()
    feat = np.load(out / 'videos' / 'val_0000.npy')
    tokens = np.load(out / 'videos' / 'val_0000_tokens.npy')
    assert feat.shape == (64, ) and tokens.shape == (3, 128, 64)  # 3 crops
    # the resume, in one process (in-process: the tool's main())
    from tools import extract_features
    with pytest.raises(SystemExit) as exit_info:
        extract_features.main([str(a) for a in args[:-2]])
    assert exit_info.value.code == 1
    assert '0 extracted, 3 already done, 1 failed' in capsys.readouterr().out
    # an unknown model name is an error naming it
    with pytest.raises(SystemExit, match="unknown UMT model 'umt-base-k4OO'"):
        extract_features.main(['umt-base-k4OO', 'x.pth', '--videos',
                               osp.join(demo_data, 'videos'), '--out',
                               str(tmp_path / 'out')])


def test_mask_vis_hook_and_tool(stage1_run, run_tool, demo_data, tmp_path,
                                repo_root):
    """The shared stage-1 run's MaskVisualizationHook drawings (every 5
    iterations, both backends), then tools/visualize_masks.py on its
    checkpoint."""
    work_dir = stage1_run.work_dir
    images = glob.glob(osp.join(work_dir, '*', 'vis_data', 'vis_image',
                                'umt_masks_*.png'))
    # iteration 1, then every 5th of the 10 (16 videos / batch 8 x 5)
    assert sorted(osp.basename(p) for p in images) == [
        'umt_masks_1.png', 'umt_masks_10.png', 'umt_masks_5.png']
    import cv2
    grid = cv2.imread(images[0])
    assert grid.shape[0] == 5 * 64  # video, attention, 3 maskers
    from umt_mm.engine.vis_backends import tensorboard_available
    if tensorboard_available():
        assert glob.glob(osp.join(work_dir, '*', 'vis_data',
                                  'events.out.tfevents*'))
    ckpt = stage1_run.checkpoint()
    video = osp.join(demo_data, 'videos', 'val_0001.mp4')
    out = tmp_path / 'vis'
    run_tool('tools/visualize_masks.py', 'configs/umt/stage1_demo.py', ckpt,
             video, '--out', out, '--animation', 'mp4').check()
    png, mp4 = out / 'val_0001_masks.png', out / 'val_0001_masks.mp4'
    assert png.is_file() and mp4.stat().st_size > 0
    cap = cv2.VideoCapture(str(mp4))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 8  # one per frame
    # refusals, in-process (the main() the subprocess ran)
    from tools import visualize_masks
    stage1 = osp.join(repo_root, 'configs/umt/stage1_demo.py')
    with pytest.raises(SystemExit, match='--overwrite'):
        visualize_masks.main([stage1, ckpt, video, '--out', str(out)])
    bad = tmp_path / 'bad.mp4'
    bad.write_bytes(b'nothing')
    with pytest.raises(SystemExit, match='cannot decode'):
        visualize_masks.main([stage1, ckpt, str(bad), '--out', str(out)])


@pytest.fixture(autouse=True)
def _one_thread(monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
