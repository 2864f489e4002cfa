# Zero-shot retrieval test set: SSv2-label (one text per distinct label; all
# its videos are correct).
# Same pipeline and loop as retrieval_msrvtt.py; only the data differ.
_base_ = ['./retrieval_msrvtt.py']
test_dataloader = dict(
    dataset=dict(
        ann_file='data/anno_downstream/ssv2_ret_label_val_small.json',
        data_prefix=dict(video='data/ssv2/videos'),
        dedup_texts=True))
