# UMT-B on Moments in Time V1 at 8x224^2 (alias: ft_mit_vitb), fine-tuned
# from the Kinetics-400 model (its K400 classifier is not reused: num_classes
# differs, so the backbone is loaded through init_cfg umt://).
_base_ = [
    '../_base_/models/umt_cls_vitb_k400-init.py',
    '../_base_/datasets/mit_ft.py', '../_base_/schedules/umt_ft_mit.py',
    '../_base_/ft_runtime.py'
]
model = _base_.label_model
official_recipe = dict(gpus=16, script='single_modality/exp/finetuning/'
                       'mitv1/b16_ptk710_ftk710_ftk400_ftmitv1_f8_res224.sh')
