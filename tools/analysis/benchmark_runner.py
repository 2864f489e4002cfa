#!/usr/bin/env python
"""The runner's own per-iteration overhead (hooks, logging, preprocessor)
as a ratio to the bare train step, on CPU with the tiny demo model::

    python tools/analysis/benchmark_runner.py --iters 40 --batch 4
"""
import argparse
import sys

from umt_mm.benchmark import save_json
from umt_mm.benchmark.runner import runner_overhead


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--config', default='configs/umt/stage1_demo.py')
    p.add_argument('--iters', type=int, default=40)
    p.add_argument('--batch', type=int, default=4)
    p.add_argument('--warmup', type=int, default=5)
    p.add_argument('--log-interval', type=int, default=10)
    p.add_argument('--json', help='also write the result to this file')
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    r = runner_overhead(a.config, a.iters, a.batch, a.warmup,
                        a.log_interval)
    print(f"runner overhead: {r['config']} batch {r['batch']}, "
          f"{r['iters']} iterations, {r['threads']} thread(s)")
    print(f"  runner iteration {r['runner_ms']:.2f} ms = step "
          f"{r['step_ms']:.2f} ms + the runner's own work {r['own_ms']:.2f} "
          f"ms (medians, paired per iteration): overhead "
          f"{100 * r['overhead']:.1f}% (target < 5%); data preprocessor "
          f"alone {r['preprocessor_ms']:.2f} ms")
    print(f"  separate loops: bare step {r['bare_ms']:.2f} ms, runner "
          f"iteration / bare step - 1 = {100 * r['overhead_vs_bare']:.1f}%")
    save_json(a.json, r)
    return 0


if __name__ == '__main__':
    sys.exit(main())
