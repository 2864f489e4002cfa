# Multiple choice on the synthetic held-out captions with the stage-2 demo
# model (zero-shot): each video's caption among 4 others of the demo's
# caption space (mc_val.json of tools/make_demo_data.py); official score
# 0.7 VTM match probability + 0.3 contrastive softmax; chance 20%.
#   python tools/test.py configs/umt/mc_demo.py work_dirs/s2/epoch_48.pth
_base_ = ['./stage2_demo.py']
test_dataloader = dict(dataset=dict(
    _delete_=True,
    type='MultipleChoiceDataset',
    ann_file=f'{_base_.data_root}/mc_val.json',
    data_prefix=dict(video=_base_.data_root),
    pipeline=_base_.test_pipeline[:-1] + [
        dict(type='PackActionInputs',
             algorithm_keys=('input_ids', 'attention_mask', 'answer',
                             'video_idx'))
    ]))
test_evaluator = dict(_delete_=True, type='UMTMultipleChoiceMetric')
