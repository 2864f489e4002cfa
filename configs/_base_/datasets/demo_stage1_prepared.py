# demo_stage1.py from frame shards of the demo videos:
#   python tools/data/prepare_frame_shards.py data/demo data/demo_frames \
#       --list data/demo/train_list.txt
_base_ = ['./demo_stage1.py']

prepared_root = 'data/demo_frames'
train_dataloader = dict(
    dataset=dict(
        type='PreparedVideoDataset',
        prepared_root=prepared_root,
        data_prefix=dict(video=prepared_root)))
