# Kinetics-710 (K400+K600+K700 train classes, 710 labels in the order of
# configs/umt/k710_channel_map/label_map_k710.txt; videos de-duplicated
# against the K400/600/700 validation sets). Lists: "path label" per line.
_base_ = ['./video_ft_u8.py']
data_root = 'data/kinetics710/videos'
train_dataloader = dict(dataset=dict(
    ann_file='data/kinetics710/k710_train_list_videos.txt',
    data_prefix=dict(video=data_root)))
val_dataloader = dict(dataset=dict(
    ann_file='data/kinetics710/k710_val_list_videos.txt',
    data_prefix=dict(video=data_root)))
test_dataloader = dict(dataset=dict(
    ann_file='data/kinetics710/k710_val_list_videos.txt',
    data_prefix=dict(video=data_root)))
