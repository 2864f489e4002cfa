#!/usr/bin/env python
"""Inference throughput of the stage-1 student; multi-view scaling (CPU).

    python tools/analysis/benchmark_test.py --model b --batch 32 --dtype bf16
"""
import argparse
import sys

from umt_mm.benchmark.inference import measure_inference, multi_view_scaling
from umt_mm.benchmark.train_step import DTYPES, PRESET_CONFIGS


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--model', choices=sorted(PRESET_CONFIGS), default='b')
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--dtype', choices=sorted(DTYPES), default='fp32')
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--device', choices=['cuda', 'cpu'])
    p.add_argument('--threads', type=int, default=0)
    p.add_argument('--procs', type=int, default=2,
                   help='CPU only: also compare 1 vs N processes')
    p.add_argument('--views', type=int, default=32)
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    r = measure_inference(a.model, a.batch, a.dtype, a.steps, a.warmup,
                          a.device, a.threads)
    print(f"test model={r['model']} (student backbone, {r['frames']}x"
          f"{r['size']}^2, all tokens) batch={r['batch']} dtype={r['dtype']} "
          f"device={r['device']} ({r['device_name']})")
    print(f"  forward ms median {r['forward_ms']:.1f} over {r['steps']}; "
          f"throughput {r['clips_per_s']:.2f} clips/s")
    if r['device'] == 'cpu' and a.procs > 1:
        rates = multi_view_scaling(a.model, a.views, a.batch, a.procs)
        base = rates[1]
        print(f'multi-view scaling: {a.views} views, batch {a.batch}, '
              '1 thread per process, timed part started together')
        for n, rate in rates.items():
            print(f'  {n} process(es): {rate:.2f} views/s, '
                  f'x{rate / base:.2f}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
