# Kinetics-400 with the mmaction2 data layout (tools/data/kinetics).
_base_ = ['./video_ft_u8.py']
train_dataloader = dict(dataset=dict(
    ann_file='data/kinetics400/kinetics400_train_list_videos.txt',
    data_prefix=dict(video='data/kinetics400/videos_train')))
val_dataloader = dict(dataset=dict(
    ann_file='data/kinetics400/kinetics400_val_list_videos.txt',
    data_prefix=dict(video='data/kinetics400/videos_val')))
test_dataloader = dict(dataset=dict(
    ann_file='data/kinetics400/kinetics400_val_list_videos.txt',
    data_prefix=dict(video='data/kinetics400/videos_val')))
