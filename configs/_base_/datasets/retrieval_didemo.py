# Zero-shot retrieval test set: DiDeMo paragraph-to-video (sentences joined).
# Same pipeline and loop as retrieval_anet.py; only the data differ.
_base_ = ['./retrieval_anet.py']
test_dataloader = dict(
    dataset=dict(
        ann_file='data/anno_downstream/didemo_ret_test.json',
        data_prefix=dict(video='data/didemo/videos')))
