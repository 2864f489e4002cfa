# UMT-L intermediate fine-tuning on Kinetics-710 from the stage-1 student
# (alias: ft_k710_vitl): lr 1e-4, 20 epochs, layer decay 0.85. Set the
# stage-1 checkpoint (umt_mm, or official encoder.* / stage-2
# vision_encoder.* — only the student is loaded):
#   --cfg-options model.backbone.init_cfg.checkpoint=umt://PATH
_base_ = [
    '../_base_/models/umt_cls_vitl_stage1-init.py',
    '../_base_/datasets/kinetics710_ft.py',
    '../_base_/schedules/umt_ft_adamw.py', '../_base_/ft_runtime.py'
]
model = _base_.label_model
official_recipe = dict(
    gpus=16, script='single_modality/exp/finetuning/'
    'k710/l16_ptk710_ftk710_f8_res224.sh')
train_cfg = dict(max_epochs=20)
optim_wrapper = dict(optimizer=dict(lr=1e-4),
                     paramwise_cfg=dict(layer_decay_rate=0.85))
