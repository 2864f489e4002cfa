# Kinetics-710 stage 1 from frame shards (tools/data/prepare_frame_shards.py)
# instead of the videos: same list file, same pipeline (its decoding steps
# are swapped by PreparedVideoDataset), same sampling, crop, flip, resize.
# Switch a stage-1 config to it by replacing '../_base_/datasets/
# k710_stage1.py' with this piece. The loader settings of k710_stage1.py
# (14 workers, pinned memory: ~16 cores per GPU) apply; a deeper prefetch
# here (set num_workers > 0 with it: torch rejects prefetch_factor without
# workers).
_base_ = ['./k710_stage1.py']

prepared_root = 'data/k710/frames'
train_dataloader = dict(
    prefetch_factor=4,
    dataset=dict(
        type='PreparedVideoDataset',
        prepared_root=prepared_root,
        data_prefix=dict(video=prepared_root)))
