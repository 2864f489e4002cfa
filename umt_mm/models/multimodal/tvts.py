"""TVTSv2 (seed 004): video-text contrast plus transcript sorting.

A video of ``K`` consecutive ASR segments (or ``K`` concatenated captioned
clips) is encoded once, with 50% random tube masking; its ``K`` segment
texts are shown in shuffled order. A disposable joint-attention head sees
the kept video tokens and the (stop-gradient) text ``[CLS]`` features and
classifies, for every shown text, which of the ``K`` temporal positions it
came from. Details read in TencentARC/TVTS ``v2/model/sort_transformer.py``
(``SortTransformer``: type embeddings, blocks, LayerNorm, a ``K``-way linear
head on each text token), ``v2/model/model_dist_TVTSv2_ViT_B_16.py``
(projected text features ``.detach()``-ed into the head, VTC text feature =
mean over the ``K`` segments) and ``v2/trainer/trainer.py``
(``NormSoftmaxLoss`` at 0.05 + ``2 * CrossEntropy`` of the order).
"""
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from ...registry import MODELS
from ..layers import Block
from .losses import vtc_loss
from .umt_stage2 import UMTStage2

DEFAULT_TVTS_WEIGHTS = dict(vtc=1.0, ts=2.0)


def transcript_sort_loss(logits: torch.Tensor,
                         labels: torch.Tensor) -> torch.Tensor:
    """Cross entropy of per-position order classification.

    Args:
        logits (Tensor): ``(B, K, K)``: for each of the ``K`` shown texts,
            scores of the ``K`` temporal positions.
        labels (Tensor): ``(B, K)`` true temporal position of each shown
            text (a permutation of ``0..K-1`` per row).

    Returns:
        Tensor: mean cross entropy over the ``B * K`` texts.
    """
    return F.cross_entropy(logits.float().flatten(0, 1),
                           labels.long().flatten())


@MODELS.register_module()
class TranscriptSortHead(BaseModule):
    """Joint attention over video tokens and text features, ``K``-way head.

    Args:
        embed_dims (int): Width of both inputs (the contrastive space).
        num_segments (int): ``K``, the number of texts to sort.
            Defaults to 4.
        depth (int): Joint-attention blocks (:class:`Block`). Defaults to 2
            (official ``SortTransformer``).
        num_heads (int): Attention heads. Defaults to 8.
        mlp_ratio (float): MLP width ratio. Defaults to 4.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 embed_dims: int,
                 num_segments: int = 4,
                 depth: int = 2,
                 num_heads: int = 8,
                 mlp_ratio: float = 4.,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_segments = num_segments
        # 0: video token, 1: text token (no position embedding: the head is
        # equivariant to the order in which the texts are shown)
        self.type_embed = nn.Parameter(torch.zeros(2, embed_dims))
        self.blocks = nn.ModuleList(
            Block(embed_dims, num_heads, mlp_ratio) for _ in range(depth))
        self.norm = nn.LayerNorm(embed_dims, eps=1e-6)
        self.fc = nn.Linear(embed_dims, num_segments)

    def forward(self, video: torch.Tensor,
                text: torch.Tensor) -> torch.Tensor:
        """``(B, N, D)`` video tokens, ``(B, K, D)`` texts -> ``(B, K, K)``
        order logits of the texts."""
        n = video.shape[1]
        x = torch.cat([video + self.type_embed[0],
                       text.to(video.dtype) + self.type_embed[1]], dim=1)
        for blk in self.blocks:
            x = blk(x)
        return self.fc(self.norm(x[:, n:]))


@MODELS.register_module()
class TVTSv2Pretrain(UMTStage2):
    """TVTSv2 pre-training: ``w_vtc * VTC + w_ts * TS``.

    The stage-2 model with only its VTC part (``encode_vision`` /
    ``encode_text``, projections, retrieval :meth:`predict`), a fixed
    temperature and a :class:`TranscriptSortHead`. Every training sample
    holds ``K`` texts (``input_ids`` ``(K, L)``) and ``order_labels``
    ``(K,)``; its VTC text feature is the mean of the ``K`` projected text
    features (official). VTC is the official ``NormSoftmaxLoss``: the *sum*
    of the two directions, i.e. twice :func:`vtc_loss`.

    Args:
        vision_encoder (dict): :class:`UMTViT` config (all ``K`` segments'
            frames as one clip).
        text_encoder (dict): :class:`UMTTextEncoder` config; TVTSv2 uses
            every layer as text-only (``fusion_layer`` = depth) and
            ``freeze_layers`` = three quarters of them.
        sort_head (dict): :class:`TranscriptSortHead` config
            (``embed_dims`` is set to ``embed_dim``).
        video_masker (dict): Defaults to 50% ``TubeMasker``.
        embed_dim (int): Contrastive width. Defaults to 512.
        temp (float): Fixed VTC temperature. Defaults to 0.05.
        loss_weights (dict): ``vtc`` and ``ts``. Defaults to 1 and 2.
        zero_shot (dict, optional): Zero-shot classification in
            :meth:`predict`: ``classes`` (names, or a text file of one name
            a line), ``template`` (default ``'a person {}'``, the paper's),
            ``tokenizer`` (default ``'minilm-l6'``), ``max_length``
            (default 32). Every sample gets ``pred_score``, the softmax over
            the classes of the prompt cosine / ``temp`` (mean over views),
            for mmaction2's ``AccMetric``. None keeps the retrieval
            :meth:`UMTStage2.predict`.
        **kwargs: Other :class:`UMTStage2` arguments (``text_pooling``,
            ``vision_pretrained``, ``data_preprocessor``, ``init_cfg``).
    """

    def __init__(self,
                 vision_encoder: Dict,
                 text_encoder: Dict,
                 sort_head: Dict,
                 video_masker: Optional[Dict] = None,
                 embed_dim: int = 512,
                 temp: float = 0.05,
                 loss_weights: Optional[Dict] = None,
                 zero_shot: Optional[Dict] = None,
                 **kwargs) -> None:
        if video_masker is None:
            video_masker = dict(type='TubeMasker', mask_ratio=0.5)
        super().__init__(
            vision_encoder, text_encoder, video_masker=video_masker,
            embed_dim=embed_dim, temp=temp,
            loss_weights=dict(vtc=1.0, vtm=0.0, mlm=0.0, uta=0.0), **kwargs)
        unknown = set(loss_weights or {}) - set(DEFAULT_TVTS_WEIGHTS)
        if unknown:
            raise ValueError(f'unknown loss weights {sorted(unknown)}; '
                             f'TVTSv2Pretrain has {DEFAULT_TVTS_WEIGHTS}')
        # the stage-2 weights (vtm, mlm, uta are 0) plus ``ts``
        self.loss_weights.update(DEFAULT_TVTS_WEIGHTS, **(loss_weights or {}))
        self.temp.requires_grad_(False)
        del self.itm_head  # no matching loss
        self.sort_head = MODELS.build(dict(sort_head, embed_dims=embed_dim))
        self.zero_shot = dict(zero_shot) if zero_shot else None
        if self.zero_shot:
            self.zero_shot['prompts'] = self._prompts(self.zero_shot)

    @staticmethod
    def _prompts(cfg: Dict) -> List[str]:
        classes = cfg.get('classes')
        if isinstance(classes, str):
            with open(classes, encoding='utf-8') as f:
                classes = [line.strip() for line in f if line.strip()]
        if not classes:
            raise ValueError('model.zero_shot.classes: no class names')
        template = cfg.get('template', 'a person {}')
        return [template.format(name) for name in classes]

    @torch.no_grad()
    def prompt_features(self) -> torch.Tensor:
        """l2-normalised projected features of the class prompts ``(C, D)``.
        """
        from ...datasets.transforms.text import TokenizeText
        cfg = self.zero_shot
        tok = TokenizeText(cfg.get('tokenizer', 'minilm-l6'),
                           cfg.get('max_length', 32))
        enc = tok(dict(text=cfg['prompts']))
        ids, mask = (torch.as_tensor(enc[k], device=self.temp.device)
                     for k in ('input_ids', 'attention_mask'))
        return F.normalize(self.encode_text(ids, mask)[1], dim=-1)

    def predict(self, inputs: torch.Tensor, data_samples: List) -> List:
        """Zero-shot class scores (``zero_shot`` set) or the retrieval
        features of :meth:`UMTStage2.predict`."""
        if self.zero_shot is None:
            return super().predict(inputs, data_samples)
        B = inputs.shape[0]
        _, vfeat = self.vision_features(self._video(inputs))
        sim = vfeat.mean(1) @ self.prompt_features().t() / self.temp
        scores = sim.softmax(-1).view(B, -1, sim.shape[-1]).mean(1)
        for ds, score in zip(data_samples, scores):
            ds.set_field(score.detach(), 'pred_score')
        return data_samples

    def order_labels(self, data_samples: List) -> torch.Tensor:
        """``(B, K)`` temporal position of each shown text."""
        return torch.stack([
            torch.as_tensor(ds.order_labels, device=self.temp.device)
            for ds in data_samples]).long()

    def loss(self, inputs: torch.Tensor,
             data_samples: List) -> Dict[str, torch.Tensor]:
        """VTC of (video, mean of its ``K`` texts) and transcript sorting."""
        video = self._video(inputs)
        mask, _ = self.mask_and_targets(video)
        tokens, _ = self.encode_vision(video, mask)
        vision_feat = self.vision_proj(self.pool_vision(tokens))
        ids, text_mask = self.text_inputs(data_samples)
        B, K = video.shape[0], self.sort_head.num_segments
        if ids.shape[0] != B * K:
            raise ValueError(f'TVTSv2 samples need {K} texts each '
                             f'(sort_head.num_segments), got {ids.shape[0]} '
                             f'for {B} videos')
        _, text_feat = self.encode_text(ids, text_mask)
        text_feat = text_feat.view(B, K, -1)
        idx = torch.as_tensor([int(ds.source_idx) for ds in data_samples],
                              device=ids.device)
        w = self.loss_weights
        losses = {}
        if w['vtc']:
            losses['loss_vtc'] = w['vtc'] * 2 * vtc_loss(
                vision_feat, text_feat.mean(1), idx, self.temp)
        if w['ts']:
            # stop-gradient: sorting trains the video side and the head only
            logits = self.sort_head(self.vision_proj(tokens),
                                    text_feat.detach())
            losses['loss_ts'] = w['ts'] * transcript_sort_loss(
                logits, self.order_labels(data_samples))
        if not losses:
            raise ValueError('every TVTSv2 loss weight is 0')
        return losses
