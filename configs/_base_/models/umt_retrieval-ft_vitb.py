# UMT-B retrieval fine-tuning model (official exp/finetuning/ret_*): the
# stage-2 model at 12 frames without teacher or masking, VTC + VTM with hard
# negatives (MLM and UTA weight 0), per-frame pooled features (keep_temporal)
# in training and test, no MLM head (as the official fine-tuned encoder).
# Start from a stage-2 checkpoint with ``load_from`` (umt_mm or converted).
_base_ = ['./umt_stage2_retrieval_vitb.py']
model = dict(
    vision_encoder=dict(num_frames=12, drop_path_rate=0.2,
                        with_cp=True),
    text_encoder=dict(with_cp=True, with_mlm_head=False),
    loss_weights=dict(vtc=1.0, vtm=1.0, mlm=0.0, uta=0.0),
    keep_temporal=True)
