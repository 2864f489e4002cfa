# UMT-L/16 action recognizer: umt_cls_vitb.py with the ViT-L student.
_base_ = ['./umt_cls_vitb.py']
# official ViT-L fine-tuning: drop path 0.2, activation checkpointing of the
# first 12 blocks (--use_checkpoint --checkpoint_num 12)
model = dict(
    backbone=dict(arch='l', drop_path_rate=0.2, with_cp=True,
                  num_cp_layers=12),
    cls_head=dict(in_channels=1024))
