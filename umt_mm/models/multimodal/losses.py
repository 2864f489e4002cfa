"""Losses of UMT stage 2: VTC, VTM (hard negatives), MLM masking.

Everything here is a plain function so that each piece can be unit-tested
against hand-computed values.
"""
from typing import Iterable, List, Optional, Sequence, Tuple

import torch
import torch.distributed as dist
import torch.nn.functional as F


def _world() -> Tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def gather_sizes(n: int, device: torch.device) -> List[int]:
    """The local batch size of every rank (``[n]`` without a process
    group)."""
    _, world = _world()
    if world == 1:
        return [n]
    size = torch.tensor([n], device=device)
    out = [torch.empty_like(size) for _ in range(world)]
    dist.all_gather(out, size)
    return [int(s) for s in out]


def _gather_rows(x: torch.Tensor, sizes: Sequence[int]) -> torch.Tensor:
    """``all_gather`` of ``x`` along dim 0 where rank ``r`` holds
    ``sizes[r]`` rows: every piece is padded to the largest, then trimmed."""
    longest = max(sizes)
    x = x.contiguous()
    if x.shape[0] < longest:
        x = torch.cat([x, x.new_zeros((longest - x.shape[0], ) +
                                      x.shape[1:])])
    out = [torch.empty_like(x) for _ in sizes]
    dist.all_gather(out, x)
    return torch.cat([o[:n] for o, n in zip(out, sizes)], dim=0)


class _AllGatherWithGrad(torch.autograd.Function):
    """``all_gather`` whose backward sums the gradients of every rank.

    Each rank computes a loss over the gathered batch; the gradient of the
    sum of those losses with respect to this rank's slice is the all-reduced
    (summed) incoming gradient restricted to the slice.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, sizes: Sequence[int]) -> torch.Tensor:
        rank, _ = _world()
        ctx.start, ctx.size = sum(sizes[:rank]), x.shape[0]
        return _gather_rows(x, sizes)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        grad = grad.contiguous()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad[ctx.start:ctx.start + ctx.size], None


def all_gather_with_grad(x: torch.Tensor,
                         sizes: Optional[Sequence[int]] = None
                         ) -> torch.Tensor:
    """Concatenate ``x`` of every rank along dim 0, differentiably.

    Ranks may hold different numbers of rows (an uneven last batch):
    ``sizes`` (from :func:`gather_sizes`, computed when omitted) are the row
    counts of every rank. Without an initialised process group this is the
    identity.
    """
    _, world = _world()
    if world == 1:
        return x
    if sizes is None:
        sizes = gather_sizes(x.shape[0], x.device)
    return _AllGatherWithGrad.apply(x, tuple(sizes))


@torch.no_grad()
def all_gather_no_grad(x: torch.Tensor,
                       sizes: Optional[Sequence[int]] = None) -> torch.Tensor:
    """Concatenate ``x`` of every rank along dim 0 (no gradient)."""
    _, world = _world()
    if world == 1:
        return x
    if sizes is None:
        sizes = gather_sizes(x.shape[0], x.device)
    return _gather_rows(x, sizes)


def frame_mean_sim(vision: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    """``(V, N)`` similarity of ``(V, D)`` or per-frame ``(V, T, D)`` vision
    rows to ``(N, D)`` text rows (mean over frames)."""
    if vision.dim() == 3:
        return torch.einsum('vtd,nd->vnt', vision, text).mean(-1)
    return vision @ text.t()


def vtc_loss(vision_feat: torch.Tensor,
             text_feat: torch.Tensor,
             idx: torch.Tensor,
             temp: torch.Tensor,
             gather: bool = True) -> torch.Tensor:
    """Symmetric InfoNCE over the (gathered) batch; same ``idx`` = positive.

    Args:
        vision_feat (Tensor): ``(B, D)`` projected vision features, or
            ``(B, T, D)`` per frame (fine-tuning with ``keep_temporal``: the
            similarity is the mean over frames, official ``get_sim``).
        text_feat (Tensor): ``(B, D)`` projected text features.
        idx (Tensor): ``(B,)`` source index of each pair (captions of one
            video share it and are all positives of each other).
        temp (Tensor): Temperature (scalar).
        gather (bool): Gather features (with gradients) and indices from all
            ranks as the official ``all_gather=True``; ranks may hold
            different batch sizes.

    Returns:
        Tensor: ``(loss_v2t + loss_t2v) / 2`` where each direction is the
        cross entropy against the uniform distribution over positives.
    """
    v = F.normalize(vision_feat.float(), dim=-1)
    t = F.normalize(text_feat.float(), dim=-1)
    if gather:
        sizes = gather_sizes(v.shape[0], v.device)
        v_all = all_gather_with_grad(v, sizes)
        t_all = all_gather_with_grad(t, sizes)
        idx_all = all_gather_no_grad(idx, sizes)
    else:
        v_all, t_all, idx_all = v, t, idx
    pos = (idx.view(-1, 1) == idx_all.view(1, -1)).float()
    targets = pos / pos.sum(dim=1, keepdim=True)
    sim_v2t = frame_mean_sim(v, t_all) / temp
    sim_t2v = frame_mean_sim(v_all, t).t() / temp
    loss_v2t = -(F.log_softmax(sim_v2t, dim=1) * targets).sum(1).mean()
    loss_t2v = -(F.log_softmax(sim_t2v, dim=1) * targets).sum(1).mean()
    return (loss_v2t + loss_t2v) / 2


@torch.no_grad()
def sample_hard_negatives(sim_v2t: torch.Tensor,
                          idx: torch.Tensor,
                          generator: Optional[torch.Generator] = None
                          ) -> Tuple[torch.Tensor, torch.Tensor,
                                     torch.Tensor, torch.Tensor]:
    """Hard negatives drawn from the contrastive similarity (official VTM).

    For every vision sample a text is drawn with probability
    ``softmax(sim) + 1e-4`` over the texts of *other* sources (never one with
    the same ``idx``), and vice versa.

    Args:
        sim_v2t (Tensor): ``(B, B)`` vision-to-text similarity of the batch.
        idx (Tensor): ``(B,)`` source indices.

    Returns:
        tuple: ``(vision_rows, neg_text, text_rows, neg_vision)``: the vision
        samples that have a negative and the drawn text for each, and the
        text samples that have a negative and the drawn vision for each.
        Rows whose every candidate is a positive are left out.
    """
    same = idx.view(-1, 1) == idx.view(1, -1)

    def draw(sim):
        weights = F.softmax(sim.float(), dim=1) + 1e-4
        weights = weights.masked_fill(same, 0)
        rows = torch.nonzero(~same.all(dim=1), as_tuple=True)[0]
        if rows.numel() == 0:
            return rows, rows
        picks = torch.multinomial(weights[rows], 1,
                                  generator=generator).squeeze(1)
        return rows, picks

    v_rows, neg_t = draw(sim_v2t)
    t_rows, neg_v = draw(sim_v2t.t())
    return v_rows, neg_t, t_rows, neg_v


def mask_tokens(input_ids: torch.Tensor,
                vocab_size: int,
                mask_token_id: int,
                special_ids: Iterable[int],
                prob: float = 0.5,
                generator: Optional[torch.Generator] = None
                ) -> Tuple[torch.Tensor, torch.Tensor]:
    """BERT masking: choose ``prob`` of the tokens, 80/10/10 replace.

    Tokens in ``special_ids`` are never chosen (UMT passes ``[PAD]`` and
    ``[CLS]``, as its official ``MLMLoss``).

    Returns:
        tuple: masked input ids and labels (-100 where not chosen).
    """
    ids = input_ids.clone()
    labels = input_ids.clone()
    device = ids.device

    def rand(shape):
        return torch.rand(shape, generator=generator,
                          device='cpu').to(device)

    special = torch.zeros_like(ids, dtype=torch.bool)
    for sid in special_ids:
        special |= ids == sid
    chosen = (rand(ids.shape) < prob) & ~special
    labels[~chosen] = -100
    to_mask = (rand(ids.shape) < 0.8) & chosen
    ids[to_mask] = mask_token_id
    to_random = (rand(ids.shape) < 0.5) & chosen & ~to_mask
    random_words = torch.randint(vocab_size, ids.shape, generator=generator,
                                 device='cpu').to(device)
    ids[to_random] = random_words[to_random]
    return ids, labels
