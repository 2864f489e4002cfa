# UMT-L retrieval fine-tuning model (see the ViT-B variant).
_base_ = ['./umt_stage2_retrieval_vitl.py']
model = dict(
    vision_encoder=dict(num_frames=12, drop_path_rate=0.3,
                        with_cp=True),
    text_encoder=dict(with_cp=True, with_mlm_head=False),
    loss_weights=dict(vtc=1.0, vtm=1.0, mlm=0.0, uta=0.0),
    keep_temporal=True)
