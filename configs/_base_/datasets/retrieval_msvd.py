# Zero-shot retrieval test set: MSVD (a list of captions per video; each caption is a query).
# Same pipeline and loop as retrieval_msrvtt.py; only the data differ.
_base_ = ['./retrieval_msrvtt.py']
test_dataloader = dict(
    dataset=dict(
        ann_file='data/anno_downstream/msvd_ret_test.json',
        data_prefix=dict(video='data/msvd/videos')))
