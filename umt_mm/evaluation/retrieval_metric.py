"""Zero-shot video-text retrieval metric of UMT (t2v and v2t).

The model's ``predict`` returns, per video, its pooled features and tokens
and the features of its captions (:meth:`UMTStage2.predict`). The metric
gathers them from every rank (``BaseMetric.collect_results``), computes the
dual-encoder similarity of all video-text pairs, then, as the official
evaluation, re-ranks the top ``k`` candidates of every query with the VTM
head (``k`` = ``rerank_k``, at most the gallery size). Ground truth is a
text x video matrix, so multi-caption videos (MSVD) and texts shared by many
videos (SSv2 labels) are handled in both directions: the rank of a query is
the rank of its best-ranked correct item.

The re-ranking needs the model; :class:`RetrievalRerankHook` hands it to the
metric before the val / test loop (add it to ``custom_hooks``).
"""
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.model import is_model_wrapper
from mmengine.utils import ProgressBar

from ..registry import HOOKS, METRICS


def ranks_from_scores(scores: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """1-based rank of the best-ranked correct item of every query.

    Args:
        scores (ndarray): ``(Q, G)`` query-to-gallery scores.
        gt (ndarray): ``(Q, G)`` bool, True where the item is correct; every
            query needs at least one.

    Items are ordered by decreasing score; ties keep gallery order (stable).
    """
    scores = np.asarray(scores, dtype=np.float64)
    gt = np.asarray(gt, dtype=bool)
    if scores.shape != gt.shape:
        raise ValueError(f'scores {scores.shape} and gt {gt.shape} differ')
    if not gt.any(axis=1).all():
        raise ValueError('every query needs at least one correct item')
    q, g = scores.shape
    order = np.argsort(-scores, axis=1, kind='stable')
    position = np.empty_like(order)
    position[np.arange(q)[:, None], order] = np.arange(g)[None]
    return np.where(gt, position, g).min(axis=1) + 1


def recall_metrics(ranks: np.ndarray, prefix: str,
                   ks: Sequence[int] = (1, 5, 10)) -> Dict[str, float]:
    """R@k (percent), mean and median rank of 1-based ``ranks``."""
    ranks = np.asarray(ranks, dtype=np.float64)
    out = {f'{prefix}R{k}': float(100.0 * (ranks <= k).mean()) for k in ks}
    out[f'{prefix}MeanR'] = float(ranks.mean())
    out[f'{prefix}MedR'] = float(np.median(ranks))
    return out


def rerank_topk(sim: torch.Tensor, k: int,
                score_fn: Callable[[int, torch.Tensor], torch.Tensor],
                progress: bool = False) -> torch.Tensor:
    """Replace the top-``k`` scores of every row by ``score_fn``.

    ``score_fn(row, candidates)`` returns the re-ranking scores of the
    candidate columns. Items outside the top ``k`` keep their order, below
    every re-ranked item (``sim - 1e4``).
    """
    k = min(k, sim.shape[1])
    out = sim.float() - 1e4
    bar = ProgressBar(sim.shape[0]) if progress else None
    for row in range(sim.shape[0]):
        top = sim[row].topk(k).indices
        out[row, top] = score_fn(row, top).float().cpu()
        if bar is not None:
            bar.update()
    return out


@METRICS.register_module()
class UMTRetrievalMetric(BaseMetric):
    """Text-to-video and video-to-text R@1/5/10, mean and median rank.

    Args:
        rerank_k (int): VTM re-ranking of the top-k of every query (official
            128); 0 reports the dual-encoder ranking only. With re-ranking,
            the dual-encoder numbers are also reported under ``dual_*``.
        rerank_batch (int): Pairs per VTM forward. Defaults to 128.
        collect_device (str): ``'cpu'`` or ``'gpu'`` (result gathering).
        prefix (str, optional): Metric name prefix. Defaults to
            ``'retrieval'``.
    """

    default_prefix = 'retrieval'

    def __init__(self,
                 rerank_k: int = 128,
                 rerank_batch: int = 128,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.rerank_k = rerank_k
        self.rerank_batch = rerank_batch
        self.model = None

    def set_model(self, model) -> None:
        """The model whose ``vtm_scores`` re-ranks (set by the hook)."""
        self.model = model

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        keep_tokens = self.rerank_k > 0

        def cpu(x, half=False):
            x = torch.as_tensor(x).detach().cpu()
            return x.half() if half and x.is_floating_point() else x

        for ds in data_samples:
            res = dict(video_idx=int(ds['video_idx']),
                       text_ids=[int(t) for t in ds['text_ids']],
                       vision_feat=cpu(ds['vision_feat']).float(),
                       text_feat=cpu(ds['text_feat']).float())
            if keep_tokens:
                res.update(vision_tokens=cpu(ds['vision_tokens'], True),
                           text_tokens=cpu(ds['text_tokens'], True),
                           text_mask=cpu(ds['text_mask']))
            self.results.append(res)

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        logger = MMLogger.get_current_instance()
        videos = {r['video_idx']: r for r in results}
        videos = [videos[i] for i in sorted(videos)]
        texts: Dict[int, tuple] = {}
        for v, r in enumerate(videos):
            for j, tid in enumerate(r['text_ids']):
                texts.setdefault(tid, (v, r, j))
        text_ids = sorted(texts)
        gt = np.zeros((len(text_ids), len(videos)), dtype=bool)
        row_of = {tid: i for i, tid in enumerate(text_ids)}
        for v, r in enumerate(videos):
            for tid in r['text_ids']:
                gt[row_of[tid], v] = True
        vfeat = torch.stack([r['vision_feat'] for r in videos])  # V, F, D
        tfeat = torch.stack(
            [texts[t][1]['text_feat'][texts[t][2]] for t in text_ids])
        sim_v2t = torch.einsum('vfd,td->vtf', vfeat, tfeat).mean(-1)
        logger.info(f'Retrieval: {len(videos)} videos, {len(text_ids)} '
                    f'texts, re-ranking top {self.rerank_k}')
        metrics = self._rank_metrics(sim_v2t.numpy(), gt, '')
        if self.rerank_k > 0:
            if self.model is None:
                raise RuntimeError(
                    'rerank_k > 0 needs the model: add '
                    "dict(type='RetrievalRerankHook') to custom_hooks, or "
                    'set rerank_k=0 for dual-encoder retrieval')
            dual = {f'dual_{k}': v for k, v in metrics.items()}
            v2t, t2v = self._rerank(videos, texts, text_ids, sim_v2t)
            metrics = self._rank_metrics(v2t, gt, '', t2v=t2v)
            metrics.update(dual)
        return metrics

    @staticmethod
    def _rank_metrics(sim_v2t: np.ndarray, gt: np.ndarray, prefix: str,
                      t2v: Optional[np.ndarray] = None) -> Dict[str, float]:
        t2v = sim_v2t.T if t2v is None else t2v
        out = recall_metrics(ranks_from_scores(t2v, gt), f'{prefix}t2v_')
        out.update(recall_metrics(ranks_from_scores(sim_v2t, gt.T),
                                  f'{prefix}v2t_'))
        out[f'{prefix}mean_R1'] = (out[f'{prefix}t2v_R1'] +
                                   out[f'{prefix}v2t_R1']) / 2
        return out

    @torch.no_grad()
    def _rerank(self, videos, texts, text_ids, sim_v2t):
        model = self.model
        was_training = model.training
        model.eval()
        device = next(model.parameters()).device
        vtok = [r['vision_tokens'] for r in videos]
        ttok = [texts[t][1]['text_tokens'][texts[t][2]] for t in text_ids]
        tmask = [texts[t][1]['text_mask'][texts[t][2]] for t in text_ids]

        def scores(pairs):
            out = []
            for s in range(0, len(pairs), self.rerank_batch):
                chunk = pairs[s:s + self.rerank_batch]
                v = torch.stack([vtok[a] for a, _ in chunk]).to(device)
                t = torch.stack([ttok[b] for _, b in chunk]).to(device)
                m = torch.stack([tmask[b] for _, b in chunk]).to(device)
                out.append(model.vtm_scores(v.float(), t.float(), m))
            return torch.cat(out)

        try:
            v2t = rerank_topk(
                sim_v2t, self.rerank_k,
                lambda v, top: scores([(v, int(t)) for t in top]), True)
            t2v = rerank_topk(
                sim_v2t.t().contiguous(), self.rerank_k,
                lambda t, top: scores([(int(v), t) for v in top]), True)
        finally:
            model.train(was_training)
        return v2t.numpy(), t2v.numpy()


@HOOKS.register_module()
class RetrievalRerankHook(Hook):
    """Give the model to every metric of the val/test loops that has
    ``set_model`` (:class:`UMTRetrievalMetric`: VTM re-ranking needs the
    cross-modal encoder; the multiple-choice metric scores with it)."""

    priority = 'LOW'

    @staticmethod
    def _attach(runner, loop) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        for metric in loop.evaluator.metrics:
            if hasattr(metric, 'set_model'):
                metric.set_model(model)

    def before_val(self, runner) -> None:
        self._attach(runner, runner.val_loop)

    def before_test(self, runner) -> None:
        self._attach(runner, runner.test_loop)
