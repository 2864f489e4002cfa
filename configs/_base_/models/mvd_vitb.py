# MVD (masked video distillation, seed 003) of a ViT-B/16 student from
# ViT-B teachers: VideoMAE's student and tube masking 90% (videomae_vitb.py)
# with other targets -- a frozen image MAE ViT on the front frame of every
# 2x16x16 tubelet and a frozen VideoMAE ViT on the clip -- each predicted by
# a 2-block decoder of the student's width with mask tokens, smooth-L1 on
# the masked tokens, loss = 1 * L_img + 1 * L_vid
# (ruiwang2021/mvd, scripts/mvd_vit_base_from_vit_base_teacher_epoch_400).
# Student and decoders use MVD's fixed 3-D sine-cosine tables.
# Set the teachers' checkpoints with model.targets.{img,vid}.pretrained.
_base_ = ['./videomae_vitb.py']
decoder = dict(
    type='MaskedTokenPredHead',
    in_channels=768,
    embed_dims=768,
    num_layers=2,
    num_heads=12,
    out_channels=768,
    drop_path_rate=0.1,
    proj_bias=True,
    pos_embed='sincos3d',
    loss=dict(type='mmdet.SmoothL1Loss', beta=1.0),
    loss_weight=1.0)
model = dict(
    backbone=dict(drop_path_rate=0.1, pos_embed='sincos3d'),
    targets=dict(
        _delete_=True,
        img=dict(
            type='FeatureTeacher',
            encoder=dict(type='MAEViT', arch='b', img_size=224),
            frame_stride=2,  # the student's tubelet size
            pretrained=None,  # official mae_pretrain_vit_base.pth
            layout='mae'),
        vid=dict(
            type='FeatureTeacher',
            encoder=dict(
                type='UMTViT',
                arch='b',
                img_size=224,
                num_frames=16,
                tubelet_size=2,
                final_norm=False),  # MVD regresses the pre-norm tokens
            pretrained=None,  # official VideoMAE K400 pre-training file
            layout='videomae',
            prefix='backbone.',
            allow_unexpected=('norm.*', ))),
    heads=dict(_delete_=True, img=decoder, vid=decoder))
