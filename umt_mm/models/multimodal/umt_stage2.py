"""UMT stage 2: multimodal pre-training (VTC, VTM, MLM, UTA) and retrieval."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn

from ...registry import MODELS
from ..algorithms.token_alignment import check_alignment, mask_and_targets
from ..data_preprocessors import VIDEO_PREPROCESSOR
from .losses import (frame_mean_sim, mask_tokens, sample_hard_negatives,
                     vtc_loss)

DEFAULT_LOSS_WEIGHTS = dict(vtc=1.0, vtm=1.0, mlm=1.0, uta=1.0)
#: default data preprocessor of the video-language models: ImageNet
#: statistics, NCTHW
#: ids of BERT's uncased WordPiece vocabulary (BERT-base/large, MiniLM)
BERT_SPECIAL_IDS = dict(pad=0, cls=101, mask=103)


def _as_tensor(value, device) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.to(device)
    return torch.as_tensor(np.asarray(value), device=device)


@MODELS.register_module()
class UMTStage2(BaseModel):
    """UMT stage-2 video-language model.

    Vision: a stage-1 :class:`UMTViT` (``vision_encoder``); videos are masked
    by ``video_masker`` (80% semantic), images (1-frame inputs) by
    ``image_masker`` (50%), with the frozen :class:`CLIPTeacher` giving the
    attention for semantic masking and the UTA targets. The pooled vision
    feature is ``vision_layernorm`` of the mean of the kept tokens (per frame
    at test time when ``keep_temporal``).

    Text: :class:`UMTTextEncoder` (BERT, cross-attention from
    ``fusion_layer``). Heads: ``vision_proj`` / ``text_proj`` to
    ``embed_dim``, learnable temperature ``temp``, binary ``itm_head`` on the
    fused ``[CLS]``, the BERT MLM head and the UTA ``distill_head``.

    Args:
        vision_encoder (dict): :class:`UMTViT` config; ``return_layers`` = the
            number of UTA-aligned layers (0 when UTA is off).
        text_encoder (dict): :class:`UMTTextEncoder` config.
        teacher (dict, optional): :class:`CLIPTeacher` config.
        distill_head (dict, optional): :class:`UMTDistillHead` config.
        video_masker (dict, optional): Masker of multi-frame inputs.
        image_masker (dict, optional): Masker of 1-frame inputs.
        embed_dim (int): Contrastive embedding width. Defaults to 512.
        temp (float): Initial temperature. Defaults to 0.07.
        temp_range (tuple): Clamp of the temperature before every training
            step. Defaults to (0.001, 0.5).
        loss_weights (dict): Weights of ``vtc``, ``vtm``, ``mlm``, ``uta``;
            0 disables a loss (and skips its computation).
        mlm_prob (float): MLM masking probability. Defaults to 0.5.
        special_token_ids (dict): ``pad``, ``cls`` (never masked by MLM)
            and ``mask`` ids of the tokenizer. Defaults to BERT uncased.
        keep_temporal (bool): Per-frame pooled features in :meth:`predict`
            and, for unmasked training inputs (fine-tuning), in VTC and the
            VTM negative sampling (similarity = mean over frames). Defaults
            to False.
        text_pooling (str): Text feature for VTC and of the fused states for
            VTM: ``'cls'`` (the
            ``[CLS]`` state, official with BERT) or ``'mean'`` (masked mean
            of the token states, for sentence encoders trained with mean
            pooling such as the shipped MiniLM, whose ``[CLS]`` state is
            nearly the same for every caption). Defaults to 'cls'.
        vision_pretrained (str, optional): A stage-1 checkpoint (umt_mm
            ``UMTPretrain`` or the official layout): shorthand for the
            ``Pretrained`` init_cfg of the vision encoder (``backbone.*``)
            and of the UTA head (``head.*``), loaded by :meth:`init_weights`
            through :func:`umt_mm.checkpoint.load_weights` (shapes must
            fit). Defaults to None.
        data_preprocessor (dict, optional): Defaults to
            ``VideoDataPreprocessor`` with ImageNet statistics, NCTHW.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 vision_encoder: Dict,
                 text_encoder: Dict,
                 teacher: Optional[Dict] = None,
                 distill_head: Optional[Dict] = None,
                 video_masker: Optional[Dict] = None,
                 image_masker: Optional[Dict] = None,
                 embed_dim: int = 512,
                 temp: float = 0.07,
                 temp_range: Sequence[float] = (0.001, 0.5),
                 loss_weights: Optional[Dict] = None,
                 mlm_prob: float = 0.5,
                 special_token_ids: Optional[Dict] = None,
                 keep_temporal: bool = False,
                 text_pooling: str = 'cls',
                 vision_pretrained: Optional[str] = None,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(VIDEO_PREPROCESSOR)
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        weights = dict(DEFAULT_LOSS_WEIGHTS)
        unknown = set(loss_weights or {}) - set(weights)
        if unknown:
            raise ValueError(f'unknown loss weights {sorted(unknown)}')
        weights.update(loss_weights or {})
        self.loss_weights = weights
        self.vision_encoder = MODELS.build(vision_encoder)
        self.text_encoder = MODELS.build(
            dict(text_encoder, encoder_width=self.vision_encoder.embed_dims))
        self.teacher = MODELS.build(teacher) if teacher else None
        self.distill_head = MODELS.build(distill_head) \
            if distill_head else None
        self.video_masker = MODELS.build(video_masker) \
            if video_masker else None
        self.image_masker = MODELS.build(image_masker) \
            if image_masker else None
        vision_width = self.vision_encoder.embed_dims
        text_width = self.text_encoder.width
        # the official ``vision_encoder.pool_norm`` (eps 1e-6)
        self.vision_layernorm = nn.LayerNorm(vision_width, eps=1e-6)
        self.vision_proj = nn.Linear(vision_width, embed_dim)
        self.text_proj = nn.Linear(text_width, embed_dim)
        self.itm_head = nn.Linear(text_width, 2)
        self.temp = nn.Parameter(torch.tensor(float(temp)))
        self.temp_range = tuple(temp_range)
        self.mlm_prob = mlm_prob
        self.special_ids = dict(BERT_SPECIAL_IDS, **(special_token_ids or {}))
        self.keep_temporal = keep_temporal
        if text_pooling not in ('cls', 'mean'):
            raise ValueError(f"text_pooling must be 'cls' or 'mean', got "
                             f'{text_pooling!r}')
        self.text_pooling = text_pooling
        self.vision_pretrained = vision_pretrained
        # parts a pre-training checkpoint holds that this model leaves out
        # (e.g. zero-shot retrieval): expected unexpected keys on loading
        self.ckpt_allow_unexpected = tuple(
            f'{name}.*' for name in ('teacher', 'distill_head')
            if getattr(self, name) is None)
        if getattr(self.text_encoder, 'cls', True) is None:
            self.ckpt_allow_unexpected += ('text_encoder.cls.*', )
        if vision_pretrained:
            self._pretrained_init_cfgs(vision_pretrained)
        self._check()

    def _check(self) -> None:
        uta = bool(self.loss_weights['uta'])
        if uta:
            if self.teacher is None or self.distill_head is None:
                raise ValueError('UTA (loss_weights.uta > 0) needs a teacher '
                                 'and a distill_head')
            if not self.vision_encoder.return_layers:
                raise ValueError('UTA needs vision_encoder.return_layers > 0')
        names = ('vision_encoder', 'teacher', 'distill_head')
        for masker in (self.video_masker, self.image_masker):
            check_alignment(self.vision_encoder, self.teacher,
                            self.distill_head if uta else None, masker, names)

    # ------------------------------------------------------------------ init
    def _pretrained_init_cfgs(self, path: str) -> None:
        """``vision_pretrained`` as the ``Pretrained`` init_cfg of the parts:
        ``backbone.*`` into the vision encoder, ``head.*`` into the UTA
        head (official ``encoder.*`` / ``clip_decoder.*`` are converted)."""
        parts = [(self.vision_encoder, 'backbone.')]
        if self.distill_head is not None:
            parts.append((self.distill_head, 'head.'))
        for part, prefix in parts:
            if part.init_cfg:
                raise ValueError(
                    f'set either vision_pretrained or the init_cfg of '
                    f'{type(part).__name__}, not both ({part.init_cfg})')
            part.init_cfg = dict(type='Pretrained', checkpoint=path,
                                 prefix=prefix)

    def train(self, mode: bool = True) -> 'UMTStage2':
        super().train(mode)
        if self.teacher is not None:
            self.teacher.eval()
        return self

    # ---------------------------------------------------------------- vision
    @staticmethod
    def _video(inputs: torch.Tensor) -> torch.Tensor:
        return inputs.flatten(0, 1) if inputs.dim() == 6 else inputs

    def encode_vision(self, video: torch.Tensor,
                      mask: Optional[torch.Tensor] = None
                      ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """``(B, C, T, H, W)`` -> kept tokens ``(B, n, C)`` and UTA layers.

        Images and shorter clips use the leading rows of the position table
        (:meth:`UMTViT.fit_pos_embed`).

        Returns:
            tuple: the final-norm tokens and the ``(K, B, n, C)`` aligned
            layers (None when ``return_layers`` is 0).
        """
        out = self.vision_encoder.forward_features(video, mask)
        return out.tokens, out.layers

    def pool_vision(self, tokens: torch.Tensor,
                    num_frames: int = 1) -> torch.Tensor:
        """LayerNorm of the token mean: ``(B, C)``, or ``(B, T, C)`` per
        frame when ``num_frames`` > 1."""
        if num_frames > 1:
            B, N, C = tokens.shape
            return self.vision_layernorm(
                tokens.view(B, num_frames, N // num_frames, C).mean(2))
        return self.vision_layernorm(tokens.mean(1))

    def mask_and_targets(self, video: torch.Tensor
                         ) -> Tuple[Optional[torch.Tensor],
                                    Optional[torch.Tensor]]:
        """Student mask ``(B, T*L)`` and the UTA targets at kept tokens."""
        bb = self.vision_encoder
        T = video.shape[2]
        grid = (T // bb.tubelet_size, ) + tuple(bb.grid[1:])
        return mask_and_targets(
            video, grid, self.teacher,
            self.image_masker if T == 1 else self.video_masker,
            with_targets=bool(self.loss_weights['uta']))

    # ------------------------------------------------------------------ text
    def text_inputs(self, data_samples: List, key: str = 'input_ids'
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Stack the tokenised captions of a batch (rows concatenated)."""
        device = self.temp.device
        ids = [_as_tensor(ds.get(key), device) for ds in data_samples]
        masks = [_as_tensor(ds.get('attention_mask'), device)
                 for ds in data_samples]
        ids = torch.cat([i.view(-1, i.shape[-1]) for i in ids]).long()
        masks = torch.cat([m.view(-1, m.shape[-1]) for m in masks]).long()
        return ids, masks

    def encode_text(self, ids: torch.Tensor, mask: torch.Tensor
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Text-only hidden states ``(B, L, H)`` and projected ``[CLS]``."""
        hidden = self.text_encoder.encode_text(ids, mask)
        return hidden, self.text_proj(self.pool_text(hidden, mask))

    def pool_text(self, hidden: torch.Tensor,
                  mask: torch.Tensor) -> torch.Tensor:
        """``[CLS]`` state or masked token mean (``text_pooling``)."""
        if self.text_pooling == 'cls':
            return hidden[:, 0]
        weights = mask.to(hidden.dtype).unsqueeze(-1)
        return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)

    # ---------------------------------------------------------------- losses
    def vtm_loss(self, vision_tokens: torch.Tensor, text_hidden: torch.Tensor,
                 text_mask: torch.Tensor, vision_feat: torch.Tensor,
                 text_feat: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        """Binary matching on positives and contrastive hard negatives."""
        with torch.no_grad():
            sim = frame_mean_sim(F.normalize(vision_feat.float(), dim=-1),
                                 F.normalize(text_feat.float(), dim=-1))
            sim = sim / self.temp
        v_rows, neg_t, t_rows, neg_v = sample_hard_negatives(sim, idx)
        vision = torch.cat(
            [vision_tokens, vision_tokens[v_rows], vision_tokens[neg_v]])
        text = torch.cat([text_hidden, text_hidden[neg_t],
                          text_hidden[t_rows]])
        mask = torch.cat([text_mask, text_mask[neg_t], text_mask[t_rows]])
        fused = self.text_encoder.fuse(text, mask, vision)
        logits = self.itm_head(self.pool_text(fused, mask)).float()
        labels = torch.zeros(logits.shape[0], dtype=torch.long,
                             device=logits.device)
        labels[:vision_tokens.shape[0]] = 1
        return F.cross_entropy(logits, labels)

    def mask_text(self, ids: torch.Tensor
                  ) -> Tuple[torch.Tensor, torch.Tensor]:
        """MLM inputs and labels: ``mlm_prob`` of the tokens, 80/10/10; as
        the official ``MLMLoss``, [PAD] and [CLS] are never chosen ([SEP]
        may be)."""
        sp = self.special_ids
        return mask_tokens(ids, self.text_encoder.vocab_size, sp['mask'],
                           (sp['pad'], sp['cls']), self.mlm_prob)

    def mlm_loss(self, ids: torch.Tensor, text_mask: torch.Tensor,
                 vision_tokens: torch.Tensor) -> torch.Tensor:
        """Masked language modelling conditioned on the (masked) video."""
        masked, labels = self.mask_text(ids)
        hidden = self.text_encoder.encode_text(masked, text_mask)
        fused = self.text_encoder.fuse(hidden, text_mask, vision_tokens)
        logits = self.text_encoder.mlm_logits(fused)
        if not (labels != -100).any():
            return logits.sum() * 0.
        return F.cross_entropy(logits.float().flatten(0, 1),
                               labels.flatten(), ignore_index=-100)

    def loss(self, inputs: torch.Tensor,
             data_samples: List) -> Dict[str, torch.Tensor]:
        """All enabled stage-2 losses of one (single-media-type) batch."""
        with torch.no_grad():
            self.temp.clamp_(*self.temp_range)
        w = self.loss_weights
        video = self._video(inputs)
        mask, targets = self.mask_and_targets(video)
        tokens, aligned = self.encode_vision(video, mask)
        # per-frame features only without masking (official fine-tuning)
        frames = video.shape[2] if self.keep_temporal and mask is None \
            else 1
        vision_feat = self.vision_proj(self.pool_vision(tokens, frames))
        ids, text_mask = self.text_inputs(data_samples)
        if ids.shape[0] != video.shape[0]:
            raise ValueError('training samples need exactly one caption each')
        idx = torch.as_tensor([int(ds.source_idx) for ds in data_samples],
                              device=ids.device)
        text_hidden, text_feat = self.encode_text(ids, text_mask)
        losses = {}
        if w['uta']:
            uta = self.distill_head.loss(aligned, targets, mask)['loss_align']
            losses['loss_uta'] = w['uta'] * uta
        if w['vtc']:
            losses['loss_vtc'] = w['vtc'] * vtc_loss(
                vision_feat, text_feat, idx, self.temp)
        if w['vtm']:
            losses['loss_vtm'] = w['vtm'] * self.vtm_loss(
                tokens, text_hidden, text_mask, vision_feat, text_feat, idx)
        if w['mlm']:
            losses['loss_mlm'] = w['mlm'] * self.mlm_loss(
                ids, text_mask, tokens)
        if not losses:
            raise ValueError('every stage-2 loss weight is 0')
        return losses

    # ------------------------------------------------------------- inference
    def vision_features(self, video: torch.Tensor
                        ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Unmasked tokens ``(B, N, C)`` and l2-normalised projected pooled
        features ``(B, T', D)`` (``T'`` = frames when ``keep_temporal``)."""
        tokens, _ = self.encode_vision(video)
        frames = video.shape[2] if self.keep_temporal else 1
        pooled = self.pool_vision(tokens, frames)
        if pooled.dim() == 2:
            pooled = pooled.unsqueeze(1)
        return tokens, F.normalize(self.vision_proj(pooled), dim=-1)

    def vtm_logits(self, vision_tokens: torch.Tensor,
                   text_hidden: torch.Tensor,
                   text_mask: torch.Tensor) -> torch.Tensor:
        """VTM logits (no match, match) of aligned vision/text rows
        ``(M, 2)``."""
        fused = self.text_encoder.fuse(text_hidden, text_mask, vision_tokens)
        return self.itm_head(self.pool_text(fused, text_mask)).float()

    def vtm_scores(self, vision_tokens: torch.Tensor,
                   text_hidden: torch.Tensor,
                   text_mask: torch.Tensor) -> torch.Tensor:
        """Matching logit (class 1) of aligned vision/text rows ``(M,)``."""
        return self.vtm_logits(vision_tokens, text_hidden, text_mask)[:, 1]

    def predict(self, inputs: torch.Tensor, data_samples: List) -> List:
        """Retrieval features of every video and of its captions.

        Sets on each data sample: ``vision_feat`` ``(T', D)``,
        ``vision_tokens`` ``(N, C)``, ``text_feat`` ``(n, D)``,
        ``text_tokens`` ``(n, L, H)`` and ``text_mask`` ``(n, L)`` (the
        inputs of VTM re-ranking), all detached.
        """
        video = self._video(inputs)
        tokens, vfeat = self.vision_features(video)
        ids, mask = self.text_inputs(data_samples)
        hidden, tfeat = self.encode_text(ids, mask)
        tfeat = F.normalize(tfeat, dim=-1)
        start = 0
        for i, ds in enumerate(data_samples):
            n = int(np.prod(np.shape(ds.get('input_ids'))[:-1]))
            sl = slice(start, start + n)
            start += n
            ds.set_field(vfeat[i].detach(), 'vision_feat')
            ds.set_field(tokens[i].detach(), 'vision_tokens')
            ds.set_field(tfeat[sl].detach(), 'text_feat')
            ds.set_field(hidden[sl].detach(), 'text_tokens')
            ds.set_field(mask[sl].detach(), 'text_mask')
        return data_samples

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'tensor') -> Union[Dict, List, torch.Tensor]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.vision_features(self._video(inputs))[1]
        raise RuntimeError(f'invalid mode "{mode}"; UMTStage2 supports '
                           '"loss", "predict" and "tensor"')
