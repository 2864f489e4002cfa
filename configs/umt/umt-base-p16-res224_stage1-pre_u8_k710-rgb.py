# UMT-B intermediate fine-tuning on Kinetics-710 from the stage-1 student
# (alias: ft_k710_vitb). Set the stage-1 checkpoint (umt_mm, or official
# encoder.* / stage-2 vision_encoder.* — only the student is loaded):
#   --cfg-options model.backbone.init_cfg.checkpoint=umt://PATH
# The schedule is umt_ft_adamw.py's default (35 epochs, 2 warm-up, 2e-4).
_base_ = [
    '../_base_/models/umt_cls_vitb_stage1-init.py',
    '../_base_/datasets/kinetics710_ft.py',
    '../_base_/schedules/umt_ft_adamw.py', '../_base_/ft_runtime.py'
]
model = _base_.label_model
official_recipe = dict(
    gpus=16, script='single_modality/exp/finetuning/'
    'k710/b16_ptk710_ftk710_f8_res224.sh')
