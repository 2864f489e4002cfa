#!/usr/bin/env python
"""Data-loading throughput per CPU core, one run on the same source files.

Official-style loader (decord ``get_batch``, as the official
``kinetics_sparse.py``), the config's pipeline on the source files (decord
and fast decode), on frame shards of the same files, and on the shards with
resize/flip left to the GPU preprocessor; clips per CPU second of a
worker (1 thread each: clips/s per core) and wall clips/s, ratios to the
official loader, storage multiplier of the shards::

    python tools/analysis/benchmark_data.py --config \
        configs/umt/stage1_vitb.py --num-videos 8 --clips 48 --workers 1

``--content natural`` generates clips from real photographs (hand-held
camera, moving objects; umt_mm.benchmark.videos); ``--formats`` times
candidate prepared formats side by side, each with its storage multiplier
and PSNR (docs/benchmark.md)::

    python tools/analysis/benchmark_data.py --content natural --formats \
        jpeg:q90 jpeg:q80:s256 h264:g4 h264:g4:fastdecode
"""
import argparse
import sys

from umt_mm.benchmark import save_json
from umt_mm.benchmark.data import data_benchmark

LABELS = {
    'official': 'official-style (decord get_batch)',
    'source': 'config pipeline, source (decord)',
    'source_fast': 'config pipeline, source (fast decode)',
    'prepared': 'config pipeline, frame shards',
    'prepared_gpu_aug': 'frame shards, resize/flip on GPU',
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--config', default='configs/umt/stage1_vitb.py')
    p.add_argument('--videos', help='directory of videos (else generated)')
    p.add_argument('--num-videos', type=int, default=8)
    p.add_argument('--seconds', type=float, default=10.,
                   help='length of generated clips')
    p.add_argument('--work-dir', help='keep generated clips and shards '
                   'here (reused)')
    p.add_argument('--workers', type=int, default=1,
                   help='worker processes, timed together (one per core)')
    p.add_argument('--clips', type=int, default=32,
                   help='clips per method in total')
    p.add_argument('--threads', type=int, default=1,
                   help='decoder threads per worker')
    p.add_argument('--codec', default='jpeg', choices=['jpeg', 'webp', 'png'])
    p.add_argument('--quality', type=int, default=90)
    p.add_argument('--short-side', type=int, default=0)
    p.add_argument('--subsampling', default='420',
                   choices=['420', '422', '444'],
                   help='JPEG chroma subsampling of the shards')
    p.add_argument('--content', default='synthetic',
                   choices=['synthetic', 'natural'],
                   help='generated clips: random texture or animated '
                   'photographs')
    p.add_argument('--formats', nargs='+', metavar='SPEC',
                   help='candidate formats to time instead of the one '
                   'shard format, e.g. jpeg:q80:s256 jpeg:q90:444 h264:g4 '
                   'h264:g4:fastdecode h264:g1')
    p.add_argument('--psnr-seeds', type=int, default=2,
                   help='samples per file for the PSNR (0: skip)')
    p.add_argument('--json', help='also write the result to this file')
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    r = data_benchmark(a.config, a.videos, a.num_videos, a.seconds,
                       a.work_dir, a.workers, a.clips, a.threads, a.codec,
                       a.quality, a.short_side, a.content, a.formats,
                       a.subsampling, a.psnr_seeds)
    c = r['conditions']
    print(f"data benchmark: {c['files']} files ({c['content'] or 'given'}, "
          f"{c['source_kbps']:.0f} kbit/s), {c['clips']} clips per method, "
          f"{c['workers']} worker(s) x {c['threads']} thread, "
          f"{c['cpu_count']} CPU cores, load average "
          f"{c['load_avg'][0]:.2f}; methods interleaved per file")
    for name, m in r['methods'].items():
        fmt = r['formats'].get(name)
        extra = f"  storage x{fmt['multiplier']}" if fmt else ''
        if fmt and fmt['psnr'] is not None:
            extra += f", PSNR {fmt['psnr']:.1f} dB"
        print(f"  {LABELS.get(name, name):38s} {m['per_core']:7.2f} "
              f"clips/s per core (CPU time; wall {m['per_worker']:.1f} per "
              f"worker, {m['total']:.1f} all; {m['n']} clips)  "
              f"x{r['ratios'][name]:.2f} vs official{extra}")
    s = r['storage']
    if not a.formats:
        print(f"frame shards ({s['codec']} q{s['quality']}, short side "
              f"{s['short_side'] or 'kept'}): "
              f"{s['prepared_bytes'] / 2**20:.1f} MiB vs "
              f"{s['source_bytes'] / 2**20:.1f} MiB source, storage "
              f"x{s['multiplier']}")
    save_json(a.json, r)
    return 0


if __name__ == '__main__':
    sys.exit(main())
