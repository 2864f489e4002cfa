"""umt_mm.benchmark and tools/analysis/benchmark_*.py: FLOP formula,
fast-path numerics, GPU batch augmentation, CLI runs."""
import json
import random

import numpy as np
import pytest
import torch

from umt_mm import benchmark
from umt_mm.benchmark.train_step import build_stage1


def test_block_flops_by_hand():
    # qkv 3d^2 + proj d^2 + mlp 8d^2 = 12 d^2 MACs/token, QK^T + AV 2N^2d
    n, d = 197, 768
    assert benchmark.vit_block_flops(n, d) == 2 * (12 * n * d * d +
                                                   2 * n * n * d)


def test_stage1_flops_vitb_near_issue_figure():
    f = benchmark.stage1_flops()  # ViT-B/CLIP-B, 8x224, mask .8, 6 layers
    assert f['kept_tokens'] == 8 * (196 - int(196 * 0.8)) == 320
    # the issue quotes ~471 GFLOP per clip
    assert f['total'] == pytest.approx(471, rel=0.01)
    # teacher forward on all 8 x 197 tokens dominates
    teacher_blocks = 8 * 12 * benchmark.vit_block_flops(197, 768) / 1e9
    assert teacher_blocks < f['teacher'] < teacher_blocks * 1.05
    student_blocks = 3 * 12 * benchmark.vit_block_flops(320, 768) / 1e9
    assert student_blocks < f['student'] < student_blocks * 1.03
    assert f['total'] == pytest.approx(
        f['teacher'] + f['student'] + f['decoder'])
    # less masking -> more student work
    assert benchmark.stage1_flops(mask_ratio=0.5)['student'] > f['student']


def test_flops_of_built_model_match_formula():
    model, _ = build_stage1('tiny')
    f = benchmark.flops_of_model(model)
    # demo: 4x4 student tokens per frame (64 px / 16), 8 frames, mask .8,
    # teacher 48 px / patch 12, width 64, 4 layers, out 32, 2 aligned
    ref = benchmark.stage1_flops(
        student_width=64, student_layers=4, teacher_width=64,
        teacher_layers=4, teacher_patch=12, teacher_res=48, teacher_out=32,
        num_aligned=2, img_size=64)
    assert f == ref


def _loss(model, video, seed, autocast):
    torch.manual_seed(seed)
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast):
        return model.loss(video)['loss_align'].float()


@pytest.mark.parametrize('masker', ['RandomMasker', 'AttentionMasker'])
def test_fast_path_loss_matches_fp32(masker):
    """bf16 autocast + bf16 teacher weights vs plain fp32 (same weights)."""
    from mmaction.registry import MODELS
    ref, cfg = build_stage1('tiny')
    cfg.model.masker = dict(type=masker, mask_ratio=0.8)
    ref = MODELS.build(cfg.model)
    ref.init_weights()
    cfg.model.teacher.weights_dtype = 'bfloat16'
    fast = MODELS.build(cfg.model)
    fast.load_state_dict(ref.state_dict())
    assert fast.teacher.conv1.weight.dtype == torch.bfloat16
    assert fast.teacher.ln_pre.weight.dtype == torch.float32
    ref.train(), fast.train()
    torch.manual_seed(1)
    video = torch.randn(4, 3, 8, 64, 64)
    # teacher outputs agree to bf16 precision
    t_ref, a_ref = ref.teacher_targets(video)
    t_fast, a_fast = fast.teacher_targets(video)
    assert t_fast.dtype == torch.bfloat16
    cos = torch.nn.functional.cosine_similarity(t_ref, t_fast.float(), -1)
    assert cos.min() > 0.99
    torch.testing.assert_close(a_fast.float(), a_ref, atol=2e-2, rtol=5e-2)
    if masker == 'RandomMasker':
        # the same mask for both paths: compare the whole loss
        l_ref = _loss(ref, video, 0, autocast=False)
        l_fast = _loss(fast, video, 0, autocast=True)
        torch.testing.assert_close(l_fast, l_ref, atol=2e-2, rtol=2e-2)
        l_ref.backward()
    else:
        # semantic sampling draws from slightly different probabilities,
        # so compare with the mask fixed from the fp32 attention
        torch.manual_seed(0)
        mask = ref.make_mask(video, a_ref)
        K, B, _, D = t_ref.shape
        tgt_ref = t_ref[:, ~mask].view(K, B, -1, D)
        tgt_fast = t_fast[:, ~mask].view(K, B, -1, D)
        l_ref = ref.head.loss(ref.backbone(video, mask), tgt_ref,
                              mask)['loss_align']
        with torch.autocast('cpu', dtype=torch.bfloat16):
            l_fast = fast.head.loss(fast.backbone(video, mask), tgt_fast,
                                    mask)['loss_align']
        torch.testing.assert_close(l_fast.float(), l_ref, atol=2e-2,
                                   rtol=2e-2)


def test_compile_option_falls_back_or_matches():
    """``compile_blocks`` gives the eager result (compiled or fallen back)."""
    from umt_mm.models import UMTViT
    torch.manual_seed(0)
    eager = UMTViT(arch=dict(embed_dims=32, num_layers=2, num_heads=2),
                   img_size=32, num_frames=2, return_layers=1)
    eager.init_weights()
    comp = UMTViT(arch=dict(embed_dims=32, num_layers=2, num_heads=2),
                  img_size=32, num_frames=2, return_layers=1,
                  compile_blocks=True)
    comp.load_state_dict(eager.state_dict())
    assert not any('_orig_mod' in k for k in comp.state_dict())
    x = torch.randn(1, 3, 2, 32, 32)
    # a compiled block that fails when called, as a broken toolchain does
    comp.__dict__['_compiled_blocks'] = [_raise] + list(comp.blocks[1:])
    out = comp(x)
    assert comp.compile_blocks is False  # fell back to eager
    torch.testing.assert_close(out, eager(x))


def _raise(*args, **kwargs):
    raise RuntimeError('simulated compiler failure')


def test_cli_train_step_tiny_cpu(run_tool, tmp_path):
    res = run_tool('tools/analysis/benchmark_train_step.py', '--model',
                   'tiny', '--device', 'cpu', '--batch', '2', '--steps', '2',
                   '--warmup', '1', '--dtype', 'bf16', '--teacher-dtype',
                   'bf16', '--json', str(tmp_path / 'r.json'),
                   timeout=120).check()
    out = res.stdout
    assert 'clips/s' in out and 'step ms median' in out
    assert 'process max RSS delta (CPU, not GPU memory)' in out
    assert 'TFLOP/s' in out and 'last loss' in out
    r = json.loads((tmp_path / 'r.json').read_text())
    assert r['steps'] == 2 and r['clips_per_s'] == pytest.approx(
        2e3 / r['step_ms'])


@pytest.mark.slow
def test_cli_data_tiny(run_tool, tmp_path):
    # two workers forked after the tool converted the one shard itself
    # (resizing to short side 256 with OpenCV): they used to hang on
    # OpenCV's inherited thread pool
    res = run_tool('tools/analysis/benchmark_data.py', '--config',
                   'configs/umt/stage1_demo.py', '--num-videos', '2',
                   '--seconds', '1', '--clips', '2', '--workers', '2',
                   '--short-side', '256', '--work-dir', str(tmp_path),
                   '--json', str(tmp_path / 'r.json'), timeout=180).check()
    out = res.stdout
    r = json.loads((tmp_path / 'r.json').read_text())
    assert set(r['methods']) == {'official', 'source', 'source_fast',
                                 'prepared', 'prepared_gpu_aug'}
    assert out.count('clips/s per core (CPU time') == 5
    assert r['ratios']['official'] == r['wall_ratios']['official'] == 1.0
    for m in r['methods'].values():  # CPU time of the one busy thread
        assert m['per_core'] > 0 and m['cpu_ms_median'] > 0
    s = r['storage']
    # sources and shards were read once before timing
    assert r['conditions']['page_cache_bytes'] > s['source_bytes'] + \
        s['prepared_bytes']
    assert s['multiplier'] == pytest.approx(
        s['prepared_bytes'] / s['source_bytes'], rel=1e-3)
    assert 'storage x' in out


def test_cli_test_tiny_cpu(run_tool):
    res = run_tool('tools/analysis/benchmark_test.py', '--model', 'tiny',
                   '--device', 'cpu', '--batch', '2', '--steps', '2',
                   '--procs', '1', timeout=120).check()
    assert 'clips/s' in res.stdout


def test_cli_runner_overhead(run_tool, tmp_path):
    res = run_tool('tools/analysis/benchmark_runner.py', '--iters', '4',
                   '--warmup', '1', '--batch', '1', '--log-interval', '2',
                   '--json', str(tmp_path / 'r.json'), timeout=120).check()
    r = json.loads((tmp_path / 'r.json').read_text())
    assert r['iters'] == 4 and r['bare_ms'] > 0 and r['runner_ms'] > 0
    # the step timed inside each iteration is part of it
    assert 0 < r['step_ms'] < r['runner_ms'] and r['own_ms'] > 0
    assert r['overhead'] == pytest.approx(r['own_ms'] / r['step_ms'])
    assert r['overhead_vs_bare'] == pytest.approx(
        r['runner_ms'] / r['bare_ms'] - 1)
    assert "the runner's own work" in res.stdout
    assert 'separate loops' in res.stdout


def test_batch_aug_preprocessor_matches_cpu_pipeline():
    """Crop on CPU + resize/flip in the preprocessor = the CPU pipeline."""
    from mmaction.registry import MODELS, TRANSFORMS
    from mmengine.dataset import Compose, pseudo_collate
    from mmengine.registry import init_default_scope

    from umt_mm.datasets.prepared_dataset import cpu_part_of_pipeline
    init_default_scope('mmaction')
    pipeline = [
        dict(type='MultiScaleCrop', input_size=32,
             scales=(1, .875, .75, .66), random_crop=False,
             max_wh_scale_gap=1),
        dict(type='Resize', scale=(32, 32), keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]
    norm = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                format_shape='NCTHW')
    cpu_pre = MODELS.build(dict(type='ActionDataPreprocessor', **norm))
    gpu_pre = MODELS.build(dict(type='BatchAugPreprocessor', size=32,
                                **norm))
    rng = np.random.default_rng(0)
    imgs = [rng.integers(0, 256, (48, 80, 3), dtype=np.uint8)
            for _ in range(4)]

    def run(steps, seed):
        np.random.seed(seed)
        random.seed(seed)
        out = Compose([TRANSFORMS.build(t) for t in steps])(
            dict(imgs=list(imgs), img_shape=(48, 80), original_shape=(48, 80),
                 num_clips=1, clip_len=4, modality='RGB'))
        return out

    seeds = range(6)
    ref = [run(pipeline, s) for s in seeds]
    got = [run(cpu_part_of_pipeline(pipeline), s) for s in seeds]
    flips = [g['data_samples'].metainfo['flip'] for g in got]
    assert any(flips) and not all(flips)
    assert {tuple(g['inputs'].shape[-2:]) for g in got} != {(32, 32)}
    a = cpu_pre(pseudo_collate(ref), True)['inputs']
    b = gpu_pre(pseudo_collate(got), True)['inputs']
    assert a.shape == b.shape == (6, 1, 3, 4, 32, 32)
    # cv2's bilinear works in fixed point: within 1 grey level of torch's
    diff = ((a - b) * torch.tensor(norm['std']).view(1, 1, 3, 1, 1, 1)).abs()
    assert diff.max() <= 1.01 and diff.mean() < 0.15


@pytest.mark.slow
def test_gpu_check_tiny_cpu(run_tool, tmp_path):
    """tools/analysis/gpu_check.sh in its CPU mode writes every part."""
    out = tmp_path / 'check.json'
    run_tool('tools/analysis/gpu_check.sh', str(out), '--tiny',
             timeout=300).check()
    r = json.loads(out.read_text())
    steps = r['train_step']['tiny']
    assert set(steps) == {'off', 'teacher_bf16', 'cp4'}
    assert all(s['clips_per_s'] > 0 for s in steps.values())
    assert steps['teacher_bf16']['teacher_dtype'] == 'bf16'
    assert set(r['data']['methods']) >= {'official', 'jpeg:q90',
                                         'shards-h264:g4:s256'}
    assert r['data']['conditions']['content'] == 'natural'
    assert r['runner']['iters'] == 2 and r['runner']['clips_per_s'] > 0
    assert 0 <= r['runner']['data_wait_fraction'] < 1
    assert r['strategies']['umt-large_stage1_fsdp.py'] == 'FSDPStrategy'
    assert r['checks'] == {}  # no GPU figures to judge on a CPU


def test_natural_clip_from_shipped_photos(tmp_path):
    """Animated photographs: decodable, 568x320 at 30 fps, x264 defaults,
    moving (camera/objects) and different per seed."""
    import decord

    from umt_mm.benchmark.videos import make_natural_clip, natural_photos
    assert len(natural_photos()) == 3
    paths = [str(tmp_path / f'{s}.mp4') for s in (0, 1)]
    for seed, path in enumerate(paths):
        make_natural_clip(path, seed, seconds=0.5)
    vr = decord.VideoReader(paths[0], num_threads=1)
    frames = vr.get_batch([0, 14]).asnumpy().astype(float)
    assert len(vr) == 15 and frames.shape[1:] == (320, 568, 3)
    assert vr.get_avg_fps() == pytest.approx(30)
    assert np.abs(frames[0] - frames[1]).mean() > 1  # it moves
    assert frames[0].std() > 20  # textured, not flat
    other = decord.VideoReader(paths[1], num_threads=1)[0].asnumpy()
    assert np.abs(frames[0] - other).mean() > 10  # another scene


def test_parse_format():
    from umt_mm.benchmark.data import format_spec, parse_format
    assert parse_format('jpeg:q80:s256:444') == dict(
        kind='shards', codec='jpeg', quality=80, short_side=256,
        subsampling='444')
    assert parse_format('h264:g4:fastdecode') == dict(
        kind='h264', gop=4, short_side=0, crf=23, tune='fastdecode')
    assert parse_format('h264:g1:s256:c20')['crf'] == 20
    assert parse_format('shards-h264:g2:s256') == dict(
        kind='shards', codec='h264', quality=23, short_side=256,
        subsampling='420', gop=2)
    assert parse_format(format_spec('jpeg', 75, 256)) == parse_format(
        'jpeg:q75:s256')
    with pytest.raises(ValueError, match="unknown option 'x3'"):
        parse_format('jpeg:x3')
    with pytest.raises(ValueError, match="kind 'vp9'"):
        parse_format('vp9:g4')


@pytest.mark.slow
def test_cli_data_formats_natural(run_tool, tmp_path):
    """--content natural --formats: every candidate timed, with its
    storage and PSNR; the H.264 re-encode keeps the frame count."""
    res = run_tool('tools/analysis/benchmark_data.py', '--config',
                   'configs/umt/stage1_demo.py', '--num-videos', '2',
                   '--seconds', '0.5', '--clips', '2', '--content',
                   'natural', '--formats', 'jpeg:q80', 'png',
                   'h264:g4:fastdecode', '--psnr-seeds', '1', '--work-dir',
                   str(tmp_path), '--json', str(tmp_path / 'r.json'),
                   timeout=240).check()
    r = json.loads((tmp_path / 'r.json').read_text())
    assert set(r['methods']) == {'official', 'source', 'source_fast',
                                 'jpeg:q80', 'png',
                                 'h264:g4:fastdecode'}
    f = r['formats']
    assert f['png']['psnr'] == float('inf')  # lossless: same input
    assert 30 < f['jpeg:q80']['psnr'] < 60
    assert 30 < f['h264:g4:fastdecode']['psnr'] < 60
    assert f['png']['multiplier'] > f['jpeg:q80']['multiplier']
    assert r['conditions']['content'] == 'natural'
    assert r['conditions']['source_kbps'] > 0
    assert res.stdout.count('clips/s per core') == 6
    assert 'PSNR' in res.stdout
