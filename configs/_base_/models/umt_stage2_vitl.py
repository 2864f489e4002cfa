# UMT stage 2, ViT-L/16 student, CLIP-ViT-L/14@196 teacher, BERT-large
# (cross-attention from layer 19 of 24), contrastive width 768 (official
# embed_dim of every l16 config, so official L checkpoints load).
_base_ = ['./umt_stage2_vitb.py']
model = dict(
    vision_encoder=dict(arch='l', drop_path_rate=0.2),
    text_encoder=dict(pretrained='checkpoints/bert-large-uncased',
                      fusion_layer=19),
    teacher=dict(arch='l14', input_resolution=196),
    distill_head=dict(in_channels=1024, out_channels=768),
    embed_dim=768)
