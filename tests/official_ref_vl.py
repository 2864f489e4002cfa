"""Restatements of the official fine-tuned video-language models (from the
release's models/umt.py, umt_qa.py and tasks/retrieval_mc.py), built with
transformers' BERT layers (the release's xbert is a fork of them) and the
ViT restatement of official_ref.py, in the official module names."""
import copy

import numpy as np
import torch
import torch.nn.functional as F
from official_ref import RefEncoder
from torch import nn
from transformers import BertConfig, BertLMHeadModel, BertModel
from transformers.models.bert.modeling_bert import BertLayer


def ref_tile(x, dim, n_tile):
    """Official ``models.utils.tile``: repeat every row ``n_tile`` times."""
    init_dim = x.size(dim)
    repeat_idx = [1] * x.dim()
    repeat_idx[dim] = n_tile
    x = x.repeat(*repeat_idx)
    order = torch.LongTensor(np.concatenate(
        [init_dim * np.arange(n_tile) + i for i in range(init_dim)]))
    return torch.index_select(x, dim, order)


def ext_mask(mask):
    return (1.0 - mask[:, None, None, :].float()) * -10000.0


class RefTextEncoder(nn.Module):
    """Head-less xbert ``BertModel`` with cross-attention from
    ``fusion_layer`` (keys/values of ``encoder_width``)."""

    def __init__(self, bert_cfg, fusion_layer, encoder_width):
        super().__init__()
        base = BertModel(BertConfig(**bert_cfg), add_pooling_layer=False)
        self.embeddings = base.embeddings
        self.encoder = base.encoder
        cfg = BertConfig(**bert_cfg, is_decoder=True, add_cross_attention=True)
        for i in range(fusion_layer, cfg.num_hidden_layers):
            layer = BertLayer(cfg)
            width = cfg.hidden_size
            layer.crossattention.self.key = nn.Linear(encoder_width, width)
            layer.crossattention.self.value = nn.Linear(encoder_width, width)
            self.encoder.layer[i] = layer
        self.fusion_layer = fusion_layer
        for p in self.parameters():
            p.data.normal_(0, 0.1)

    def forward(self, ids, mask, vision=None, mode='multi_modal'):
        h = self.embeddings(input_ids=ids)
        m = ext_mask(mask)
        layers = self.encoder.layer
        if mode == 'text':
            layers = layers[:self.fusion_layer]
        vmask = None if vision is None else ext_mask(
            torch.ones(vision.shape[:2]))
        for i, layer in enumerate(layers):
            if i < self.fusion_layer:
                h = layer(h, m)[0]
            else:
                h = layer(h, m, None, vision, vmask)[0]
        return h


class RefVision(nn.Module):
    """``PretrainVisionTransformer`` of fine-tuning (no UTA decoders)."""

    def __init__(self, dim, frames, patches, with_pool_norm):
        super().__init__()
        self.encoder = RefEncoder(dim, 2, 2, frames * patches, 1, 16)
        if with_pool_norm:
            self.pool_norm = nn.LayerNorm(dim, eps=1e-6)
        for p in self.parameters():
            if p.dim() == 1:
                p.data.add_(torch.randn_like(p) * 0.1)

    def forward(self, x, keep_temporal=True):
        x_vis = self.encoder.forward_features(x)[0]
        if not hasattr(self, 'pool_norm'):
            return x_vis, None
        B, _, C = x_vis.shape
        T = x.shape[2]
        if keep_temporal:
            return x_vis, self.pool_norm(x_vis.view(B, T, -1, C).mean(2))
        return x_vis, self.pool_norm(x_vis.mean(1, keepdim=True))


class RefUMTQA(nn.Module):
    """Official ``UMT_QA`` (training loss and ``rank_answer``)."""

    def __init__(self, bert_cfg, fusion_layer, dim=16, frames=2, patches=4,
                 pad_id=0):
        super().__init__()
        self.vision_encoder = RefVision(dim, frames, patches, False)
        self.text_encoder = RefTextEncoder(bert_cfg, fusion_layer, dim)
        cfg = BertConfig(**dict(bert_cfg, num_hidden_layers=bert_cfg[
            'num_hidden_layers'] - fusion_layer), is_decoder=True,
            add_cross_attention=True)
        self.text_decoder = BertLMHeadModel(cfg)
        for p in self.text_decoder.parameters():
            p.data.normal_(0, 0.1)
        self.pad_id = pad_id

    def _decoder_loss(self, ids, mask, states, atts):
        """xbert ``BertLMHeadModel`` loss with ``reduction='none'``."""
        targets = ids.masked_fill(ids == self.pad_id, -100)
        logits = self.text_decoder(
            input_ids=ids, attention_mask=mask, encoder_hidden_states=states,
            encoder_attention_mask=atts).logits
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]),
                               targets[:, 1:].reshape(-1), reduction='none')
        return loss.view(ids.shape[0], -1).sum(1)

    def question(self, video, q_ids, q_mask):
        image_embeds, _ = self.vision_encoder(video)
        return self.text_encoder(q_ids, q_mask, image_embeds)

    def train_loss(self, video, q_ids, q_mask, a_ids, a_mask, k, weights):
        q = self.question(video, q_ids, q_mask)
        states, atts = [], []
        for b, n in enumerate(k):
            states += [q[b]] * n
            atts += [q_mask[b]] * n
        loss = self._decoder_loss(a_ids, a_mask, torch.stack(states),
                                  torch.stack(atts))
        return (weights * loss).sum() / video.shape[0]

    def rank_answer(self, video, q_ids, q_mask, answer_ids, answer_atts, k):
        question_states = self.question(video, q_ids, q_mask)
        question_atts = q_mask
        num_ques = question_states.size(0)
        start_ids = answer_ids[0, 0].repeat(num_ques, 1)
        logits = self.text_decoder(
            input_ids=start_ids, encoder_hidden_states=question_states,
            encoder_attention_mask=question_atts).logits[:, 0, :]
        prob_first_token = F.softmax(logits, dim=1).index_select(
            dim=1, index=answer_ids[:, 1])
        topk_probs, topk_ids = prob_first_token.topk(k, dim=1)
        input_ids = torch.cat([answer_ids.index_select(0, t)
                               for t in topk_ids])
        input_atts = torch.cat([answer_atts.index_select(0, t)
                                for t in topk_ids])
        answer_loss = self._decoder_loss(
            input_ids, input_atts, ref_tile(question_states, 0, k),
            ref_tile(question_atts, 0, k)).view(input_ids.size(0), -1)
        log_probs = torch.cat([topk_probs.view(-1, 1).log(), -answer_loss],
                              dim=1)
        log_probs_sum = log_probs.sum(1).view(num_ques, k)
        topk_probs = F.softmax(log_probs_sum, dim=-1)
        topk_probs, rerank_id = topk_probs.topk(k, dim=1)
        return torch.gather(topk_ids, 1, rerank_id), topk_probs


class RefUMTRetrieval(nn.Module):
    """Official fine-tuned ``UMT`` (``is_pretrain=False``): test-time
    features, VTM logits and the multiple-choice score of retrieval_mc."""

    def __init__(self, bert_cfg, fusion_layer, dim=16, frames=2, patches=4,
                 embed_dim=8):
        super().__init__()
        width = bert_cfg['hidden_size']
        self.vision_encoder = RefVision(dim, frames, patches, True)
        self.text_encoder = RefTextEncoder(bert_cfg, fusion_layer, dim)
        self.vision_proj = nn.Linear(dim, embed_dim)
        self.text_proj = nn.Linear(width, embed_dim)
        self.itm_head = nn.Linear(width, 2)
        self.temp = nn.Parameter(torch.tensor(0.07))

    def features(self, video, ids, mask):
        vision_embeds, pooled = self.vision_encoder(video)
        text_embeds = self.text_encoder(ids, mask, mode='text')
        return vision_embeds, pooled, text_embeds, text_embeds[:, 0]

    def fuse_cls(self, text_embeds, mask, vision_embeds):
        """``mode='fusion'``: the layers from ``fusion_layer``."""
        enc = self.text_encoder
        h = text_embeds
        vmask = ext_mask(torch.ones(vision_embeds.shape[:2]))
        for layer in enc.encoder.layer[enc.fusion_layer:]:
            h = layer(h, ext_mask(mask), None, vision_embeds, vmask)[0]
        return h[:, 0]

    def mc_score(self, video, ids, mask):
        """One video ``(1, C, T, H, W)``, ``n`` candidates: retrieval_mc."""
        n = ids.shape[0]
        vis, pooled, text, pooled_text = self.features(video, ids, mask)
        image_feat = F.normalize(self.vision_proj(pooled), dim=-1)
        text_feat = F.normalize(self.text_proj(pooled_text[None]), dim=-1)
        sim = torch.matmul(image_feat, text_feat.transpose(1, 2))
        sim = F.softmax(sim.mean(1) / self.temp, dim=1).flatten()
        cls = self.fuse_cls(text, mask, ref_tile(vis, 0, n))
        score = F.softmax(self.itm_head(cls), dim=1)[:, 1]
        return score * 0.7 + sim * 0.3


TINY_VISION = dict(type='UMTViT',
                   arch=dict(embed_dims=16, num_layers=2, num_heads=2),
                   img_size=32, num_frames=2)


def tiny_stage2(bert_cfg, with_mlm_head=False, **kwargs):
    """A tiny fine-tuning ``UMTStage2`` matching :class:`RefUMTRetrieval`
    (cross-attention from layer 2, no teacher, per-frame features)."""
    from umt_mm.registry import MODELS
    cfg = dict(
        type='UMTStage2', vision_encoder=TINY_VISION,
        text_encoder=dict(type='UMTTextEncoder', pretrained=None,
                          bert_cfg=bert_cfg, fusion_layer=2,
                          with_mlm_head=with_mlm_head),
        embed_dim=8, keep_temporal=True,
        loss_weights=dict(vtc=1.0, vtm=1.0, mlm=0.0, uta=0.0))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def official_state(ref):
    """The state dict as the official model saves it (tied decoder copies
    included, as ``BertLMHeadModel.state_dict`` does)."""
    return copy.deepcopy(ref.state_dict())
