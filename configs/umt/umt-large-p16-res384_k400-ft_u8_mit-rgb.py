# UMT-L on Moments in Time V1 at 8x384^2 (alias: ft_mit_vitl_384; paper
# Table 10: fine-tuned from the Kinetics-400 model; see the UMT-B config):
# batch 8, 18 checkpointed blocks, layer decay 0.85, 6 clips x 3 crops at
# test (official test_num_segment 6).
_base_ = [
    '../_base_/models/umt_cls_vitl_k400-init.py',
    '../_base_/datasets/mit_ft_384.py',
    '../_base_/schedules/umt_ft_mit_384.py', '../_base_/ft_runtime.py'
]
model = dict(
    backbone=dict(
        img_size=384, pos_embed='learnable', pretrain_grid=(8, 14, 14),
        with_cp=True, num_cp_layers=18),
    **_base_.label_model)
train_dataloader = dict(batch_size=8)
test_dataloader = dict(dataset=dict(pipeline=[
    dict(t, num_clips=6) if t.type == 'UniformSample' else t
    for t in _base_.test_dataloader.dataset.pipeline]))
official_recipe = dict(gpus=16, script='single_modality/exp/finetuning/'
                       'mitv1/l16_ptk710_ftk710_ftk400_ftmitv1_f8_res384.sh')
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.85))
