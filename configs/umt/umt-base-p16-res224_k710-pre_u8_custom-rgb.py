# UMT-B/16 fine-tuned on your own videos (docs/custom_data.md): the K400
# recipe with a new classifier on the K710 model's student.
#   python tools/data/build_file_list.py data/my_videos
#   python tools/train.py \
#       configs/umt/umt-base-p16-res224_k710-pre_u8_custom-rgb.py
_base_ = ['./umt-base-p16-res224_k710-pre_u8_k400-rgb.py']
data_root = 'data/my_videos'  # ROOT given to build_file_list.py
num_classes = 10  # lines of data_root/label_map.txt
k710_model = 'checkpoints/b16_ptk710_ftk710_f8_res224.pth'  # zoo file
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained',
                                checkpoint='umt://' + k710_model)),
    cls_head=dict(num_classes=num_classes, channel_map=None),
    data_preprocessor=dict(blending=dict(augments=[
        dict(type='MixupBlending', alpha=0.8, num_classes=num_classes),
        dict(type='CutmixBlending', alpha=1.0, num_classes=num_classes)
    ])))
load_from = None
train_dataloader = dict(dataset=dict(ann_file=data_root + '/train_list.txt',
                                     data_prefix=dict(video=data_root)))
val_dataloader = dict(dataset=dict(ann_file=data_root + '/val_list.txt',
                                   data_prefix=dict(video=data_root)))
test_dataloader = val_dataloader
