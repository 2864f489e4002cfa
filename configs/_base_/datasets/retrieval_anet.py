# Zero-shot retrieval test set: ActivityNet Captions paragraph-to-video
# (val1): retrieval_msrvtt.py on paragraphs (a video's sentences joined)
# with the official text length of ret_anet/b16.py.
_base_ = ['./retrieval_msrvtt.py']
ann_file = 'data/anno_downstream/anet_ret_val_1.json'
video_root = 'data/activitynet/videos'
max_txt_len = 150  # official max_txt_l (ret_anet/b16.py)
test_pipeline = [
    dict(t, max_length=max_txt_len) if t.type == 'TokenizeText' else t
    for t in _base_.test_pipeline
]
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file,
        data_prefix=dict(video=video_root),
        paragraph=True,
        pipeline=test_pipeline))
