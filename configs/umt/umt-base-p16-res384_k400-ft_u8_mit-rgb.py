# UMT-B on Moments in Time V1 at 8x384^2 (alias: ft_mit_vitb_384; paper
# Table 10: fine-tuned from the Kinetics-400 model). The 224-px backbone is
# adapted to 384 px: the fixed 8x14x14 table is interpolated to 8x24x24
# (learnable, official), a learned one is resized on load; the K400
# classifier is not reused (num_classes differs: the backbone is loaded
# through init_cfg umt://).
_base_ = [
    '../_base_/models/umt_cls_vitb_k400-init.py',
    '../_base_/datasets/mit_ft_384.py',
    '../_base_/schedules/umt_ft_mit_384.py', '../_base_/ft_runtime.py'
]
model = dict(
    backbone=dict(
        img_size=384, pos_embed='learnable', pretrain_grid=(8, 14, 14),
        with_cp=True, num_cp_layers=8),
    **_base_.label_model)
train_dataloader = dict(batch_size=16)
official_recipe = dict(gpus=16, script='single_modality/exp/finetuning/'
                       'mitv1/b16_ptk710_ftk710_ftk400_ftmitv1_f8_res384.sh')
