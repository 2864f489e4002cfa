"""Video QA accuracy and multiple-choice accuracy (official protocols).

* :class:`VideoQAMetric`: exact-match accuracy of the predicted answer
  (official ``eval_simple_qa_acc``; a list of ground-truth answers counts a
  prediction in the list as correct), optionally per question type and
  with the majority-answer baselines of the training annotation.
* :class:`UMTMultipleChoiceMetric`: every candidate caption of a video is
  scored ``0.7 * P(match)`` (VTM head, softmax over its two classes) ``+
  0.3 * softmax over the candidates of the frame-averaged contrastive
  similarity / temperature``, the official ``retrieval_mc`` score; the best
  candidate is the prediction. Needs the model:
  ``custom_hooks = [dict(type='RetrievalRerankHook')]``.
"""
from collections import Counter
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from ..registry import METRICS


def _gt_matches(pred: str, gt) -> bool:
    return pred in gt if isinstance(gt, (list, tuple)) else pred == gt


@METRICS.register_module()
class VideoQAMetric(BaseMetric):
    """Accuracy (percent) of ``pred_answer`` against ``gt_answer``.

    Args:
        type_key (str, optional): A data-sample field naming the question
            type; adds ``acc_<type>`` per type. Defaults to None.
        baseline_ann_file (str, optional): The training annotation file;
            adds the accuracy of answering its most frequent answer to
            every question (``majority_acc``) and, with ``type_key``, its
            most frequent answer of the question's type
            (``type_majority_acc``; the annotation's ``type`` field).
            Defaults to None.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Defaults to ``'qa'``.
    """

    default_prefix = 'qa'

    def __init__(self,
                 type_key: Optional[str] = None,
                 baseline_ann_file: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.type_key = type_key
        self.baseline_ann_file = baseline_ann_file

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        for ds in data_samples:
            self.results.append(dict(
                question_id=ds['question_id'], gt=ds['gt_answer'],
                correct=_gt_matches(ds['pred_answer'], ds['gt_answer']),
                type=ds.get(self.type_key) if self.type_key else None))

    def _baselines(self, rows: List[Dict]) -> Dict[str, float]:
        from ..datasets.caption_dataset import load_json_list
        train = load_json_list(self.baseline_ann_file)

        def top(entries):
            counts = Counter(a for e in entries for a in (
                [e['answer']] if isinstance(e['answer'], str)
                else e['answer']))
            return counts.most_common(1)[0][0]

        overall = top(train)
        out = {'majority_acc': 100.0 * float(np.mean(
            [_gt_matches(overall, r['gt']) for r in rows]))}
        if self.type_key:
            per_type = {t: top([e for e in train if e.get('type') == t])
                        for t in {e.get('type') for e in train}}
            out['type_majority_acc'] = 100.0 * float(np.mean([
                _gt_matches(per_type.get(r['type'], overall), r['gt'])
                for r in rows]))
        return out

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        # one result per question (the last batch may repeat samples)
        by_id = {r['question_id']: r for r in results}
        rows = list(by_id.values())
        out = {'acc': 100.0 * float(np.mean([r['correct'] for r in rows]))}
        if self.type_key:
            for t in sorted({r['type'] for r in rows}):
                hits = [r['correct'] for r in rows if r['type'] == t]
                out[f'acc_{t}'] = 100.0 * float(np.mean(hits))
        if self.baseline_ann_file:
            out.update(self._baselines(rows))
        return out


def mc_scores(itm_logits: torch.Tensor, sim: torch.Tensor,
              temp: float) -> torch.Tensor:
    """Official multiple-choice score of ``n`` candidates.

    Args:
        itm_logits (Tensor): ``(n, 2)`` VTM logits.
        sim (Tensor): ``(n,)`` frame-averaged cosine similarities.
        temp (float): The contrastive temperature.
    """
    return 0.7 * itm_logits.float().softmax(-1)[:, 1] + \
        0.3 * (sim.float() / temp).softmax(-1)


@METRICS.register_module()
class UMTMultipleChoiceMetric(BaseMetric):
    """Multiple-choice accuracy (percent) with a stage-2 model.

    Each sample holds the outputs of :meth:`UMTStage2.predict` for a video
    and its candidate captions, and ``answer`` (the correct index).

    Args:
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Defaults to ``'mc'``.
    """

    default_prefix = 'mc'

    def __init__(self,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.model = None

    def set_model(self, model) -> None:
        """The stage-2 model whose VTM head scores (set by the hook)."""
        self.model = model

    @torch.no_grad()
    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        if self.model is None:
            raise RuntimeError(
                'UMTMultipleChoiceMetric needs the model: add '
                "dict(type='RetrievalRerankHook') to custom_hooks")
        model = self.model
        for ds in data_samples:
            text_feat = ds['text_feat']  # (n, D), l2-normalised
            n = text_feat.shape[0]
            vtok = ds['vision_tokens'].unsqueeze(0).expand(n, -1, -1)
            logits = model.vtm_logits(vtok, ds['text_tokens'],
                                      ds['text_mask'])
            sim = (ds['vision_feat'] @ text_feat.t()).mean(0)  # (n,)
            scores = mc_scores(logits, sim, float(model.temp)).cpu()
            self.results.append(dict(
                video_idx=int(ds['video_idx']),
                pred=int(scores.argmax()), answer=int(ds['answer'])))

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        rows = list({r['video_idx']: r for r in results}.values())
        hits = [r['pred'] == r['answer'] for r in rows]
        return {'acc': 100.0 * float(np.mean(hits))}
