# UMT-B stage 2 on the 25M corpus: 4 frames, batch 128/GPU on 16
# GPUs (official), AdamW lr 1e-4, wd 0.02, cosine 10 epochs (1 warm-up), bf16.
#   tools/dist_train.sh configs/umt/stage2_vitb_25m.py 8
_base_ = [
    '../_base_/models/umt_stage2_vitb.py',
    '../_base_/datasets/caption_pretrain.py',
    '../_base_/datasets/caption_corpora.py',
    '../_base_/schedules/stage2_10e.py', '../_base_/default_runtime.py'
]
# the keys to set: stage-1 checkpoint, CLIP teacher, BERT directory
stage1_checkpoint = 'work_dirs/stage1_vitb/epoch_201.pth'
teacher_checkpoint = 'checkpoints/clip/ViT-B-16.pt'
text_model = 'checkpoints/bert-base-uncased'
model = dict(
    vision_pretrained=stage1_checkpoint,
    teacher=dict(pretrained=teacher_checkpoint),
    text_encoder=dict(pretrained=text_model))
train_dataloader = dict(dataset=dict(ann_files={{_base_.corpora_25m}}))
official_recipe = dict(
    gpus=16, script='multi_modality/exp/pretraining/b16_25m.py')
