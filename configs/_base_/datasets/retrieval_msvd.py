# Zero-shot retrieval test set: MSVD (a list of captions per video; each
# caption is a query). The pipeline of retrieval_msrvtt.py with the official
# text length (ret_msvd/b16.py max_txt_l).
_base_ = ['./retrieval_msrvtt.py']
max_txt_len = 64
test_dataloader = dict(
    dataset=dict(
        ann_file='data/anno_downstream/msvd_ret_test.json',
        data_prefix=dict(video='data/msvd/videos'),
        pipeline=[
            dict(t, max_length=max_txt_len) if t.type == 'TokenizeText'
            else t for t in _base_.test_pipeline]))
