# UMT-B on Kinetics-600 from the Kinetics-710 fine-tuned model (alias:
# ft_k600_vitb; paper Table 8 / 9).
_base_ = [
    '../_base_/models/umt_cls_vitb.py', '../_base_/datasets/kinetics600_ft.py',
    '../_base_/schedules/umt_ft_kinetics_vitb.py', '../_base_/ft_runtime.py'
]
model = _base_.label_model
load_from = 'work_dirs/umt-base-p16-res224_stage1-pre_u8_k710-rgb/best.pth'
official_recipe = dict(gpus=16, script='single_modality/exp/finetuning/'
                       'k600/b16_ptk710_ftk710_ftk600_f8_res224.sh')
