# MVD ViT-L/16 student from ViT-L teachers: 4-block 512-wide decoders with
# 8 heads predicting 1024-d teacher features
# (scripts/mvd_vit_large_from_vit_large_teacher_epoch_400).
_base_ = ['./mvd_vitb.py']
decoder = dict(
    in_channels=1024,
    embed_dims=512,
    num_layers=4,
    num_heads=8,
    out_channels=1024)
model = dict(
    backbone=dict(arch='l'),
    targets=dict(
        img=dict(encoder=dict(arch='l')), vid=dict(encoder=dict(arch='l'))),
    heads=dict(img=decoder, vid=decoder))
