"""UMT video question answering (the official ``UMT_QA`` design).

Vision: the stage-1/2 :class:`UMTViT` (all tokens, no pooling). Question:
:class:`UMTTextEncoder` without MLM head, its layers from ``fusion_layer``
attending to the vision tokens. Answer: :class:`UMTAnswerDecoder`, a causal
BERT whose every layer cross-attends to the question states; it is trained
by teacher-forced generation of ``answer + [SEP]`` (the loss of a question
is the weighted sum over its distinct answers of the summed token negative
log-likelihoods, divided by the batch size, as the official ``UMT_QA``).
At test time the answer list is ranked: the ``k_test`` answers whose first
token is most likely are re-scored by the full sequence likelihood and the
best one is the prediction.

Initialisation from a stage-2 checkpoint (``pretrained``): the decoder
takes the embeddings, the cross-modal layers ``fusion_layer..`` and the MLM
head of the stage-2 text encoder (the official ``setup_model`` copy).
"""
import json
import os
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel, BaseModule
from torch import nn

from ...registry import MODELS
from ..data_preprocessors import VIDEO_PREPROCESSOR
from .text_encoder import DEFAULT_TEXT_MODEL, resolve_text_model_dir
from .umt_stage2 import _as_tensor


@MODELS.register_module()
class UMTAnswerDecoder(BaseModule):
    """Causal BERT answer decoder with cross-attention in every layer.

    Parameter names are those of transformers' ``BertLMHeadModel``
    (``bert.*``, ``cls.predictions.{bias,transform.*}``), the official
    ``text_decoder`` layout; the output projection is tied to the word
    embeddings and applied functionally (registered once).

    Args:
        pretrained (str, optional): A transformers BERT directory or
            ``'minilm-l6'``; its first ``num_layers`` layers initialise the
            decoder (the cross-attention starts from BERT init). None builds
            a random BERT from ``bert_cfg``.
        num_layers (int): Decoder layers (the text encoder's layers after
            ``fusion_layer``: 3 for BERT-base / MiniLM-L6 at 9 / 3).
        bert_cfg (dict, optional): ``BertConfig`` overrides (all fields when
            ``pretrained`` is None).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 pretrained: Optional[str] = DEFAULT_TEXT_MODEL,
                 num_layers: int = 3,
                 bert_cfg: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        from transformers import BertConfig, BertLMHeadModel
        extra = dict(bert_cfg or {}, num_hidden_layers=num_layers,
                     is_decoder=True, add_cross_attention=True)
        if pretrained is not None:
            path = resolve_text_model_dir(pretrained)
            os.environ.setdefault('HF_HUB_OFFLINE', '1')
            config = BertConfig.from_pretrained(path, local_files_only=True,
                                                **extra)
            model = BertLMHeadModel.from_pretrained(
                path, config=config, local_files_only=True)
        else:
            if not bert_cfg:
                raise ValueError('UMTAnswerDecoder needs pretrained or '
                                 'bert_cfg')
            model = BertLMHeadModel(BertConfig(**extra))
        self.config = model.config
        self.bert = model.bert
        self.cls = model.cls
        self.cls.predictions.decoder = nn.Identity()

    def init_weights(self) -> None:
        """Weights come from ``pretrained`` / BERT init in ``__init__``."""

    def logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
               states: torch.Tensor,
               states_mask: torch.Tensor) -> torch.Tensor:
        """Next-token logits ``(B, L, vocab)`` under the causal mask."""
        hidden = self.bert(
            input_ids=input_ids, attention_mask=attention_mask,
            encoder_hidden_states=states,
            encoder_attention_mask=states_mask).last_hidden_state
        head = self.cls.predictions
        return F.linear(head.transform(hidden),
                        self.bert.embeddings.word_embeddings.weight,
                        head.bias)

    def sequence_nll(self, input_ids: torch.Tensor,
                     attention_mask: torch.Tensor, states: torch.Tensor,
                     states_mask: torch.Tensor,
                     pad_id: int = 0) -> torch.Tensor:
        """Summed negative log-likelihood of tokens ``1..`` of every row
        (token 0 is the start token; padding ignored): ``(B,)``."""
        logits = self.logits(input_ids, attention_mask, states, states_mask)
        labels = input_ids[:, 1:].masked_fill(input_ids[:, 1:] == pad_id,
                                              -100)
        nll = F.cross_entropy(logits[:, :-1].float().flatten(0, 1),
                              labels.flatten(), reduction='none')
        return nll.view(input_ids.shape[0], -1).sum(1)


def load_answer_list(path: str) -> List[str]:
    """The official answer list: a JSON list of strings."""
    with open(path, encoding='utf-8') as f:
        answers = json.load(f)
    if not isinstance(answers, list) or not answers or not all(
            isinstance(a, str) for a in answers):
        raise ValueError(f'{path}: an answer list must be a non-empty JSON '
                         'list of strings')
    return answers


@MODELS.register_module()
class UMTQA(BaseModel):
    """UMT open-ended video QA by answer generation and answer-list ranking.

    Args:
        vision_encoder (dict): :class:`UMTViT` config.
        text_encoder (dict): :class:`UMTTextEncoder` config (the question
            encoder; its MLM head is not built).
        text_decoder (dict): :class:`UMTAnswerDecoder` config.
        answer_list (str, optional): JSON answer list ranked by
            :meth:`predict`. Needed for testing.
        tokenizer (str): Tokenizer of the answers (directory or
            ``'minilm-l6'``). Defaults to 'minilm-l6'.
        max_answer_len (int): Answer token length. Defaults to 5.
        eos (str): Appended to every answer. Defaults to '[SEP]'.
        k_test (int): Answers re-scored per question. Defaults to 128.
        pretrained (str, optional): A stage-2 checkpoint (umt_mm or official
            layout) loaded by :meth:`init_weights` (vision encoder, question
            encoder, decoder from the cross-modal layers).
        data_preprocessor (dict, optional): Defaults to
            ``VideoDataPreprocessor`` with ImageNet statistics, NCTHW.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 vision_encoder: Dict,
                 text_encoder: Dict,
                 text_decoder: Dict,
                 answer_list: Optional[str] = None,
                 tokenizer: str = DEFAULT_TEXT_MODEL,
                 max_answer_len: int = 5,
                 eos: str = '[SEP]',
                 k_test: int = 128,
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(VIDEO_PREPROCESSOR)
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.vision_encoder = MODELS.build(vision_encoder)
        if self.vision_encoder.return_layers or \
                self.vision_encoder.out_type != 'tokens':
            raise ValueError("UMTQA needs vision_encoder.return_layers=0 and "
                             "out_type='tokens'")
        self.text_encoder = MODELS.build(
            dict(text_encoder, encoder_width=self.vision_encoder.embed_dims,
                 with_mlm_head=False))
        self.text_decoder = MODELS.build(text_decoder)
        self.answer_list_file = answer_list
        self.tokenizer_path = tokenizer
        self.max_answer_len = max_answer_len
        self.eos = eos
        self.k_test = k_test
        self.pretrained = pretrained
        self._tokenizer = None
        self._answers: Optional[Tuple[List[str], torch.Tensor,
                                      torch.Tensor]] = None

    # ------------------------------------------------------------------ init
    def init_weights(self) -> None:
        super().init_weights()
        if self.pretrained:
            self.load_stage2(self.pretrained)

    def load_stage2(self, path: str) -> None:
        """Initialise from a umt_mm stage-2 checkpoint (see the module
        docstring). Tensors whose shape differs (the decoder's
        cross-attention when the vision and text widths differ, as in the
        demo) keep their initialisation, with a warning."""
        from ...checkpoint import load_weights, read_state_dict
        from ...checkpoint.layouts.video_language import stage2_to_qa
        state, layers = stage2_to_qa(read_state_dict(path),
                                     self.text_encoder.fusion_layer)
        decoder_layers = len(self.text_decoder.bert.encoder.layer)
        if layers != decoder_layers:
            raise ValueError(f'{path}: {layers} cross-modal text layers for '
                             f'a {decoder_layers}-layer answer decoder '
                             '(model.text_decoder.num_layers)')
        load_weights(self, state, layout='umt_mm', strict_shapes=False,
                     source=path)

    # ------------------------------------------------------------------ text
    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from transformers import AutoTokenizer
            self._tokenizer = AutoTokenizer.from_pretrained(
                resolve_text_model_dir(self.tokenizer_path),
                local_files_only=True)
        return self._tokenizer

    def tokenize_answers(self, answers: Sequence[str]
                         ) -> Tuple[torch.Tensor, torch.Tensor]:
        """``[CLS] answer [SEP] [SEP]`` ids and mask, ``max_answer_len``."""
        enc = self.tokenizer([f'{a} {self.eos}' for a in answers],
                             padding='max_length', truncation=True,
                             max_length=self.max_answer_len,
                             return_tensors='pt')
        device = self.text_encoder.bert.embeddings.word_embeddings.weight
        return (enc['input_ids'].to(device.device),
                enc['attention_mask'].to(device.device))

    def answer_table(self) -> Tuple[List[str], torch.Tensor, torch.Tensor]:
        """The answer list and its tokens (loaded once)."""
        if self._answers is None:
            if not self.answer_list_file:
                raise ValueError('UMTQA.predict needs model.answer_list (the '
                                 'JSON answer list of the test set)')
            answers = load_answer_list(self.answer_list_file)
            self._answers = (answers, ) + self.tokenize_answers(answers)
        return self._answers

    def question_states(self, inputs: torch.Tensor, data_samples: List
                        ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Question tokens fused with the video tokens ``(B, Lq, H)`` and
        the question mask."""
        video = inputs.flatten(0, 1) if inputs.dim() == 6 else inputs
        vision = self.vision_encoder(video)  # final-norm tokens (B, N, C)
        device = vision.device
        ids = torch.stack([_as_tensor(ds.input_ids, device)
                           for ds in data_samples]).long()
        mask = torch.stack([_as_tensor(ds.attention_mask, device)
                            for ds in data_samples]).long()
        hidden = self.text_encoder.encode_text(ids, mask)
        return self.text_encoder.fuse(hidden, mask, vision), mask

    # ---------------------------------------------------------------- losses
    def loss(self, inputs: torch.Tensor,
             data_samples: List) -> Dict[str, torch.Tensor]:
        """Teacher-forced answer generation (official weighting)."""
        states, qmask = self.question_states(inputs, data_samples)
        answers, weights, rows = [], [], []
        for i, ds in enumerate(data_samples):
            answers += list(ds.answers)
            weights += [float(w) for w in ds.answer_weights]
            rows += [i] * len(ds.answers)
        ids, amask = self.tokenize_answers(answers)
        rows = torch.as_tensor(rows, device=states.device)
        nll = self.text_decoder.sequence_nll(
            ids, amask, states[rows], qmask[rows],
            self.tokenizer.pad_token_id)
        weights = torch.as_tensor(weights, device=nll.device)
        return dict(loss_answer=(weights * nll).sum() / len(data_samples))

    # ------------------------------------------------------------- inference
    @torch.no_grad()
    def rank_answers(self, states: torch.Tensor, qmask: torch.Tensor,
                     answer_ids: torch.Tensor, answer_mask: torch.Tensor,
                     k: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """Top ``k`` answers of every question, best first.

        The ``k`` answers with the most likely first token are re-scored by
        first-token probability x the likelihood of the rest of the
        sequence (official ``rank_answer``).

        Returns:
            tuple: answer indices ``(B, k)`` and their probabilities
            (softmax over the ``k`` re-scored sequences).
        """
        B = states.shape[0]
        k = min(k, answer_ids.shape[0])
        start = answer_ids[:1, :1].expand(B, 1)
        first = self.text_decoder.logits(
            start, torch.ones_like(start), states, qmask)[:, 0]
        first = first.float().softmax(-1)[:, answer_ids[:, 1]]
        top_p, top_ids = first.topk(k, dim=1)
        ids = answer_ids[top_ids.flatten()]
        mask = answer_mask[top_ids.flatten()]
        rep = torch.arange(B, device=states.device).repeat_interleave(k)
        nll = self.text_decoder.sequence_nll(
            ids, mask, states[rep], qmask[rep], self.tokenizer.pad_token_id)
        # the first answer token counts twice, as in the official ranking
        score = (top_p.log() - nll.view(B, k)).softmax(-1)
        probs, order = score.topk(k, dim=1)
        return top_ids.gather(1, order), probs

    def predict(self, inputs: torch.Tensor, data_samples: List) -> List:
        """Sets ``pred_answer`` (str) and ``pred_score`` on every sample."""
        answers, answer_ids, answer_mask = self.answer_table()
        states, qmask = self.question_states(inputs, data_samples)
        top_ids, probs = self.rank_answers(states, qmask, answer_ids,
                                           answer_mask, self.k_test)
        for ds, ids, p in zip(data_samples, top_ids, probs):
            ds.set_field(answers[int(ids[0])], 'pred_answer')
            ds.set_field(float(p[0]), 'pred_score')
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
            return self.question_states(inputs, data_samples)[0]
        raise RuntimeError(f'invalid mode "{mode}"; UMTQA supports "loss", '
                           '"predict" and "tensor"')


__all__ = ['UMTQA', 'UMTAnswerDecoder', 'load_answer_list']
