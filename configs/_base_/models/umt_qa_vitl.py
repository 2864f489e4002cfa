# UMT-L video QA: ViT-L/16, BERT-large (cross-attention from layer 19 of
# 24), a 5-layer answer decoder (see the ViT-B variant).
_base_ = ['./umt_qa_vitb.py']
text_model = 'checkpoints/bert-large-uncased'
model = dict(
    vision_encoder=dict(arch='l', drop_path_rate=0.4),
    text_encoder=dict(pretrained=text_model, fusion_layer=19),
    text_decoder=dict(pretrained=text_model, num_layers=5),
    tokenizer=text_model)
