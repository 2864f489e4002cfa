# Zero-shot retrieval test set: DiDeMo paragraph-to-video (sentences
# joined). The pipeline of retrieval_anet.py on the first 30 s of each video
# (official trimmed30) with the official text length (ret_didemo/b16.py).
_base_ = ['./retrieval_anet.py']
max_txt_len = 64
test_dataloader = dict(
    dataset=dict(
        ann_file='data/anno_downstream/didemo_ret_test.json',
        data_prefix=dict(video='data/didemo/videos'),
        pipeline=_base_.test_pipeline[:1] + [
            dict(type='TrimVideo', max_seconds=30)
        ] + [
            dict(t, max_length=max_txt_len) if t.type == 'TokenizeText'
            else t for t in _base_.test_pipeline[1:]]))
