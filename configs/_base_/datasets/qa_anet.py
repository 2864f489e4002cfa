# Video QA on ActivityNet-QA (as qa_msrvtt.py; only the data differ).
_base_ = ['./qa_msrvtt.py']
answer_list = 'data/anno_downstream/anet_qa_answer_list.json'
train_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/anet_qa_train.json',
    data_prefix=dict(video='data/activitynet/videos')))
val_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/anet_qa_test.json',
    data_prefix=dict(video='data/activitynet/videos'),
    answer_list=answer_list))
test_dataloader = val_dataloader
