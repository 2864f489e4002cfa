# VideoMAE ViT-L/16: the official K400 script trains a 12-block 512-wide
# decoder (UMT's run_mae_pretraining.py defaults to 4 blocks).
_base_ = ['./videomae_vitb.py']
model = dict(
    backbone=dict(arch='l'),
    heads=dict(
        pix=dict(
            in_channels=1024, embed_dims=512, num_heads=8, num_layers=12)))
