# Kinetics-710 stage 1 from frame shards (tools/data/prepare_frame_shards.py)
# instead of the videos: same list file, same pipeline (its decoding steps
# are swapped by PreparedVideoDataset), same sampling, crop, flip, resize.
# Switch a stage-1 config to it by replacing '../_base_/datasets/
# k710_stage1.py' with this piece. Loader sized for ~16 CPU cores per GPU.
_base_ = ['./k710_stage1.py']

prepared_root = 'data/k710/frames'
train_dataloader = dict(
    num_workers=14,  # 16 cores: 14 loaders + the main process + pinning
    prefetch_factor=4,
    pin_memory=True,
    persistent_workers=True,
    dataset=dict(
        type='PreparedVideoDataset',
        prepared_root=prepared_root,
        data_prefix=dict(video=prepared_root)))
