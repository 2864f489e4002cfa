# UMT-L stage 2 on the 17M corpus: 4 frames, batch 128/GPU on 32
# GPUs (official), AdamW lr 1e-4, wd 0.02, cosine 10 epochs (1 warm-up), bf16.
#   tools/dist_train.sh configs/umt/stage2_vitl_17m.py 8
# stage2_vitl_5m.py (the keys to set are there) on the 17M corpus
_base_ = ['./stage2_vitl_5m.py']
train_dataloader = dict(dataset=dict(ann_files={{_base_.corpora_17m}}))
official_recipe = dict(
    gpus=32, script='multi_modality/exp/pretraining/l16_17m.py')
