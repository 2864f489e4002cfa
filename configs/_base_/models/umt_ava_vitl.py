# UMT-L/16 + the AVA RoI head of umt_ava_vitb.py.
_base_ = ['./umt_ava_vitb.py']

model = dict(
    backbone=dict(arch='l', drop_path_rate=0.4),
    roi_head=dict(bbox_head=dict(in_channels=1024)))
