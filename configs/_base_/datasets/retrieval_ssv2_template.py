# Zero-shot retrieval test set: SSv2-template (one text per distinct template).
# Same pipeline and loop as retrieval_msrvtt.py; only the data differ.
_base_ = ['./retrieval_msrvtt.py']
test_dataloader = dict(
    dataset=dict(
        ann_file='data/anno_downstream/ssv2_ret_template.json',
        data_prefix=dict(video='data/ssv2/videos'),
        dedup_texts=True))
