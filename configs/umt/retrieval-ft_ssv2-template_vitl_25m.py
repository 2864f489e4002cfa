# SSv2-template retrieval fine-tuning of UMT-L stage 2 (25M corpus). The
# release has no exp/finetuning script for it; its configs/ret_ssv2_template.py
# sets lr 1e-4, 10 epochs, no warm-up (from ret_msrvtt.py), 22 tokens; drop
# path as SSv2-label.
#   tools/dist_train.sh configs/umt/retrieval-ft_ssv2-template_vitl_25m.py 8
_base_ = [
    '../_base_/models/umt_retrieval-ft_vitl.py',
    '../_base_/datasets/retrieval-ft_ssv2-template.py',
    '../_base_/schedules/video_language_ft_no-warmup.py',
    '../_base_/default_runtime.py'
]
# a stage-2 checkpoint (umt_mm, or the converted official l16_25m.pth)
load_from = 'work_dirs/stage2_vitl_25m/epoch_10.pth'
model = dict(vision_encoder=dict(drop_path_rate=0.2))
optim_wrapper = dict(optimizer=dict(lr=1e-4))
train_cfg = dict(max_epochs=10)
