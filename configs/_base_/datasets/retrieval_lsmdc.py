# Zero-shot retrieval test set: LSMDC 1k test. The pipeline of
# retrieval_msrvtt.py with the official text length of ret_lsmdc/b16.py
# (the L config sets l16.py's 96).
_base_ = ['./retrieval_msrvtt.py']
max_txt_len = 64
test_dataloader = dict(
    dataset=dict(
        ann_file='data/anno_downstream/lsmdc_ret_test_1000.json',
        data_prefix=dict(video='data/lsmdc/videos'),
        pipeline=[
            dict(t, max_length=max_txt_len) if t.type == 'TokenizeText'
            else t for t in _base_.test_pipeline]))
