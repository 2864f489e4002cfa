# UMT-B video QA (official UMT_QA): ViT-B/16 at 12 frames, BERT-base
# question encoder (cross-attention from layer 9), 3-layer BERT answer
# decoder initialised from the cross-modal layers of the stage-2 model
# (``model.pretrained``, e.g. 'checkpoints/umt/b16_25m.pth' converted),
# answers ranked from the answer list (k = 128).
text_model = 'checkpoints/bert-base-uncased'
model = dict(
    type='UMTQA',
    data_preprocessor=dict(
        type='VideoDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'),
    vision_encoder=dict(
        type='UMTViT', arch='b', img_size=224, num_frames=12,
        tubelet_size=1, drop_path_rate=0.2, return_layers=0, with_cp=True),
    text_encoder=dict(
        type='UMTTextEncoder', pretrained=text_model, fusion_layer=9,
        with_cp=True),
    text_decoder=dict(
        type='UMTAnswerDecoder', pretrained=text_model, num_layers=3),
    tokenizer=text_model,
    max_answer_len=5,
    eos='[SEP]',
    k_test=128,
    pretrained=None)
