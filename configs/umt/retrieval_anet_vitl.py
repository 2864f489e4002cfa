# Zero-shot anet retrieval with a UMT-L stage-2 checkpoint (t2v / v2t
# R@1/5/10, mean / median rank, VTM re-ranking of the top 128):
#   python tools/convert/official_umt.py l16_25m.pth ckpt.pth   (official)
#   tools/dist_test.sh configs/umt/retrieval_anet_vitl.py ckpt.pth 8
_base_ = [
    '../_base_/models/umt_stage2_retrieval_vitl.py',
    '../_base_/datasets/retrieval_anet.py', '../_base_/default_runtime.py'
]
# the official ret_anet/l16.py names LSMDC's test file (a copy slip of
# ret_lsmdc/l16.py); everything else equals ret_anet/b16.py, used here
official_recipe = dict(script='multi_modality/exp/zero_shot/ret_anet/l16.py')
