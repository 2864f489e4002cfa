"""Shared helpers of the benchmark and check tools (``tools/analysis``).

* :mod:`.flops`: analytic FLOP count of a stage-1 step;
* :mod:`.videos`: Kinetics-like synthetic H.264 clips;
* :mod:`.train_step`: stage-1 train-step timing on synthetic batches;
* :mod:`.data`: loader throughput (official-style, pipeline, prepared);
* :mod:`.inference`: student forward throughput, multi-view scaling;
* :mod:`.runner`: per-iteration overhead of the mmengine runner;
* :mod:`.gpu_check`: all of the above on a GPU, one JSON.
"""
from .flops import flops_of_model, stage1_flops, vit_block_flops
from .videos import generate_videos, make_kinetics_like


def save_json(path, result: dict) -> None:
    """Write a tool's result to ``path`` (atomically); no-op for None."""
    if path:
        from umt_mm.datasets.frame_shards import write_json_atomic
        write_json_atomic(path, result)


__all__ = [
    'vit_block_flops', 'stage1_flops', 'flops_of_model',
    'make_kinetics_like', 'generate_videos', 'save_json'
]
