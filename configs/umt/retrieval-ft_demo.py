# Retrieval fine-tuning on the synthetic captions, as the official
# fine-tuning does it at scale: the stage-2 demo model without teacher or
# masking, VTC + VTM with hard negatives (MLM / UTA off), per-frame pooled
# features, validation (retrieval with VTM re-ranking) after every epoch:
#   python tools/train.py configs/umt/retrieval-ft_demo.py \
#       --cfg-options load_from=work_dirs/stage2_demo/epoch_48.pth
_base_ = ['./stage2_demo.py']
model = dict(
    vision_encoder=dict(return_layers=0),
    text_encoder=dict(with_mlm_head=False),
    teacher=None,
    distill_head=None,
    video_masker=None,
    image_masker=None,
    keep_temporal=True,
    loss_weights=dict(vtc=1.0, vtm=1.0, mlm=0.0, uta=0.0))
train_dataloader = dict(
    batch_sampler=None,
    drop_last=True,
    dataset=dict(
        _delete_=True,
        type='RetrievalTrainDataset',
        ann_file=f'{_base_.data_root}/captions_train.json',
        data_prefix=dict(video=_base_.data_root),
        match_by='caption',  # template captions: one identity per caption
        pipeline=_base_.train_pipeline))
val_dataloader = _base_.test_dataloader
val_evaluator = _base_.test_evaluator
val_cfg = dict(type='ValLoop')
train_cfg = dict(max_epochs=4, val_interval=1)
