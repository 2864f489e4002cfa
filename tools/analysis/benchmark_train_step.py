#!/usr/bin/env python
"""Stage-1 training-step throughput on synthetic batches.

Teacher forward + semantic masking + student forward/backward + AdamW, with
``torch.cuda.synchronize()`` around every step; the FLOP count is analytic
(``umt_mm.benchmark.flops``)::

    python tools/analysis/benchmark_train_step.py --model b --batch 64 \
        --dtype bf16 --teacher-dtype bf16 --steps 30
"""
import argparse
import sys

from umt_mm.benchmark import save_json
from umt_mm.benchmark.train_step import (DTYPES, PRESET_CONFIGS,
                                         measure_train_step)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--model', choices=sorted(PRESET_CONFIGS), default='b')
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--dtype', choices=sorted(DTYPES), default='bf16',
                   help='autocast dtype of the step (fp32: no autocast)')
    p.add_argument('--teacher-dtype', choices=['bf16', 'fp16'],
                   help='hold the teacher weights in this dtype')
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--warmup', type=int, default=5)
    p.add_argument('--device', choices=['cuda', 'cpu'])
    p.add_argument('--compile', action='store_true',
                   help='torch.compile the student blocks')
    p.add_argument('--cp-layers', type=int, default=0,
                   help='activation checkpointing of the first N blocks')
    p.add_argument('--threads', type=int, default=0,
                   help='torch CPU threads (0: default)')
    p.add_argument('--json', help='also write the result to this file')
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    r = measure_train_step(a.model, a.batch, a.dtype, a.teacher_dtype,
                           a.cp_layers, a.compile, a.steps, a.warmup,
                           a.device, a.threads)
    print(f"train-step model={r['model']} batch={r['batch']} "
          f"dtype={r['dtype']} teacher_dtype={r['teacher_dtype']} "
          f"cp_layers={r['cp_layers']} compile={r['compile']} "
          f"device={r['device']} ({r['device_name']}) "
          f"threads={r['threads']}")
    print(f"  steps timed: {r['steps']} after {r['warmup']} warm-up; "
          f"step ms median {r['step_ms']:.1f} (min {r['step_ms_min']:.1f}, "
          f"max {r['step_ms_max']:.1f})")
    print(f"  throughput: {r['clips_per_s']:.2f} clips/s")
    if 'peak_mem_gib' in r:
        print('  peak GPU memory (max_memory_allocated): '
              f"{r['peak_mem_gib']:.2f} GiB")
    else:
        print('  process max RSS delta (CPU, not GPU memory): '
              f"{r['rss_delta_mib']:.0f} MiB")
    g = r['gflop_parts']
    print(f"  analytic GFLOP/clip: total {r['gflop_per_clip']:.1f} (teacher "
          f"{g['teacher']:.1f}, student fwd+bwd {g['student']:.1f}, "
          f"decoders {g['decoder']:.1f}; {r['kept_tokens']} kept tokens)")
    print(f"  achieved: {r['tflops']:.4g} TFLOP/s")
    print(f"  last loss: {r['last_loss']:.4f}")
    save_json(a.json, r)
    return 0


if __name__ == '__main__':
    sys.exit(main())
