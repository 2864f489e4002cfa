# UMT-L/16 action recognizer: umt_cls_vitb.py with the ViT-L student.
_base_ = ['./umt_cls_vitb.py']
model = dict(backbone=dict(arch='l'), cls_head=dict(in_channels=1024))
