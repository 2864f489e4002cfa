# Zero-shot ssv2_template retrieval with a UMT-B stage-2 checkpoint
# (t2v / v2t R@1/5/10, mean / median rank, VTM re-ranking of the top 128):
#   python tools/convert/official_umt.py b16_25m.pth ckpt.pth   (official)
#   tools/dist_test.sh configs/umt/retrieval_ssv2_template_vitb.py ckpt.pth 8
_base_ = [
    '../_base_/models/umt_stage2_retrieval_vitb.py',
    '../_base_/datasets/retrieval_ssv2_template.py',
    '../_base_/default_runtime.py'
]
