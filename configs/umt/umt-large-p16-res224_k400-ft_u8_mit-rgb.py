# UMT-L on Moments in Time V1 at 8x224^2 (alias: ft_mit_vitl), fine-tuned
# from the Kinetics-400 model (see the UMT-B config): 20 epochs, layer
# decay 0.85.
_base_ = [
    '../_base_/models/umt_cls_vitl_k400-init.py',
    '../_base_/datasets/mit_ft.py', '../_base_/schedules/umt_ft_mit.py',
    '../_base_/ft_runtime.py'
]
model = _base_.label_model
official_recipe = dict(gpus=16, script='single_modality/exp/finetuning/'
                       'mitv1/l16_ptk710_ftk710_ftk400_ftmitv1_f8_res224.sh')
train_cfg = dict(max_epochs=20)
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.85))
