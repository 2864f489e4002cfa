# Kinetics-700 with the mmaction2 data layout (tools/data/kinetics).
_base_ = ['./video_ft_u8.py']
train_dataloader = dict(dataset=dict(
    ann_file='data/kinetics700/kinetics700_train_list_videos.txt',
    data_prefix=dict(video='data/kinetics700/videos_train')))
val_dataloader = dict(dataset=dict(
    ann_file='data/kinetics700/kinetics700_val_list_videos.txt',
    data_prefix=dict(video='data/kinetics700/videos_val')))
test_dataloader = dict(dataset=dict(
    ann_file='data/kinetics700/kinetics700_val_list_videos.txt',
    data_prefix=dict(video='data/kinetics700/videos_val')))
