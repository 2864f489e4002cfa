# Zero-shot retrieval test set: LSMDC 1k test.
# Same pipeline and loop as retrieval_msrvtt.py; only the data differ.
_base_ = ['./retrieval_msrvtt.py']
test_dataloader = dict(
    dataset=dict(
        ann_file='data/anno_downstream/lsmdc_ret_test_1000.json',
        data_prefix=dict(video='data/lsmdc/videos')))
