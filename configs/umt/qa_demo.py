# The embedded QA demo: the stage-2 demo model (stage2_demo.py) fine-tuned
# for video QA on the synthetic videos (questions about shape, colour and
# motion direction, 11 answers), tested on the held-out videos:
#   python tools/train.py configs/umt/qa_demo.py --work-dir work_dirs/qa \
#       --cfg-options model.pretrained=work_dirs/stage2_demo/epoch_48.pth
#   python tools/test.py configs/umt/qa_demo.py work_dirs/qa/epoch_12.pth
# The decoder's cross-attention keys/values start fresh (MiniLM is 384
# wide, the demo vision tokens 64: the stage-2 ones do not fit).
_base_ = [
    '../_base_/models/umt_qa_vitb.py', '../_base_/datasets/demo_qa.py',
    '../_base_/schedules/video_language_ft.py', '../_base_/default_runtime.py'
]
tiny = dict(_delete_=True, embed_dims=64, num_layers=4, num_heads=4)
model = dict(
    vision_encoder=dict(arch=tiny, img_size=64, num_frames=4,
                        drop_path_rate=0.0, with_cp=False),
    text_encoder=dict(pretrained='minilm-l6', fusion_layer=3, with_cp=False),
    text_decoder=dict(pretrained='minilm-l6', num_layers=3),
    tokenizer='minilm-l6',
    answer_list=_base_.answer_list,
    pretrained='work_dirs/stage2_demo/epoch_48.pth')
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.02),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
# tested once after training (tools/test.py), no validation loop
train_cfg = dict(max_epochs=12, val_interval=100)
val_dataloader = None
val_cfg = None
val_evaluator = None
default_hooks = dict(logger=dict(interval=4), checkpoint=dict(interval=12))
randomness = dict(seed=0)
