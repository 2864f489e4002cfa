"""Distributed checks of the stage-2 contrastive pieces on 2 CPU processes.

Two ranks (gloo, ``torch.multiprocessing`` spawn) each hold a *different*
slice of one global batch. The workers save what they computed to a temporary
directory and the parent compares it with single-process references over the
concatenated batch.

Convention (official UMT ``allgather_wgrad`` and :func:`all_gather_with_grad`,
trained under DDP):

* rank ``r`` computes its loss ``L_r`` over its *local rows* against *all
  gathered columns* (mean over its ``n`` local rows);
* ``all_gather_with_grad``'s backward sums the incoming gradients of every
  rank, so the gradient that reaches rank ``r``'s local input is
  ``d(sum_r' L_r') / dx_r``;
* DDP then *averages* parameter gradients over the ``W`` ranks.

With equal local batches the single-process loss over the concatenated batch
is ``L = (1/W) sum_r L_r`` (mean over all ``N = W n`` rows), hence

* local-input gradient on rank ``r`` == ``W * dL/dx`` restricted to its rows;
* DDP-averaged parameter gradient == ``dL/dθ`` (the single-process gradient).

Uneven local batches (a last batch without ``drop_last``: ``UNEVEN`` rows per
rank) are gathered by padding; the local-input gradient is then
``d(sum_r L_r)/dx_r`` of the single-process reference.
"""
import os.path as osp
import socket
import time
from datetime import timedelta

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch import nn

WORLD = 2
LOCAL = 4  # rows per rank
UNEVEN = (5, 3)  # rows per rank of the uneven case (same 8 rows in all)
DIM = 8
TEMP = 0.1
TIMEOUT_S = 90


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _make_inputs():
    g = torch.Generator().manual_seed(0)
    n = WORLD * LOCAL
    return dict(
        raw=torch.randn(n, DIM, generator=g),
        coef=torch.randn(n, n, generator=g),
        raw_v=torch.randn(n, DIM, generator=g),
        raw_t=torch.randn(n, DIM, generator=g),
        proj_v=torch.randn(DIM, DIM, generator=g) / DIM**0.5,
        proj_t=torch.randn(DIM, DIM, generator=g) / DIM**0.5,
        # source 0 and source 2 have a positive on the *other* rank, so the
        # loss is only right if the indices are gathered too
        idx=torch.tensor([0, 1, 2, 3, 0, 4, 2, 5]))


def _generic_loss(rows: torch.Tensor, cols: torch.Tensor,
                  coef: torch.Tensor) -> torch.Tensor:
    """Mean over ``rows`` of ``sum_j coef_ij tanh(x_i . x_j) + |x_i|^2``:
    rows enter both as rows and (through ``cols``) as columns."""
    per_row = (torch.tanh(rows @ cols.t()) * coef).sum(1) + rows.pow(2).sum(1)
    return per_row.mean()


class _Proj(nn.Module):
    """Replicated parameters: vision/text projections and the temperature."""

    def __init__(self, proj_v, proj_t):
        super().__init__()
        self.proj_v = nn.Parameter(proj_v.clone())
        self.proj_t = nn.Parameter(proj_t.clone())
        self.temp = nn.Parameter(torch.tensor(TEMP))

    def forward(self, raw_v, raw_t):
        return raw_v @ self.proj_v, raw_t @ self.proj_t, self.temp


def _gather_case(inp, rows):
    """The generic loss of this rank's ``rows`` against the gathered rows:
    (gathered rows, gathered indices, loss, gradient at the local input)."""
    from umt_mm.models.multimodal.losses import (all_gather_no_grad,
                                                 all_gather_with_grad)
    x = inp['raw'][rows].clone().requires_grad_(True)
    gathered = all_gather_with_grad(x)
    loss = _generic_loss(x, gathered, inp['coef'][rows])
    loss.backward()
    return (gathered.detach().clone(), all_gather_no_grad(inp['idx'][rows]),
            loss.detach(), x.grad.clone())


def _worker(rank: int, port: int, out_dir: str) -> None:
    torch.set_num_threads(1)
    from torch.nn.parallel import DistributedDataParallel

    from umt_mm.models.multimodal.losses import vtc_loss
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=WORLD,
                            timeout=timedelta(seconds=60))
    try:
        inp = torch.load(osp.join(out_dir, 'inputs.pt'))
        rows = slice(rank * LOCAL, (rank + 1) * LOCAL)
        res = {}

        # (a) + (b) generic loss straight through all_gather_with_grad
        (res['gathered'], res['gathered_idx'], res['generic_loss'],
         res['generic_grad']) = _gather_case(inp, rows)

        # (b) + (c) vtc_loss(gather=True) under real DDP
        model = DistributedDataParallel(_Proj(inp['proj_v'], inp['proj_t']))
        raw_v = inp['raw_v'][rows].clone().requires_grad_(True)
        raw_t = inp['raw_t'][rows].clone().requires_grad_(True)
        v, t, temp = model(raw_v, raw_t)
        loss = vtc_loss(v, t, inp['idx'][rows], temp, gather=True)
        loss.backward()
        res['vtc_loss'] = loss.detach()
        res['vtc_grad_v'] = raw_v.grad.clone()
        res['vtc_grad_t'] = raw_t.grad.clone()
        res['ddp_grads'] = {k: p.grad.clone()
                            for k, p in model.module.named_parameters()}

        # (d) uneven local batches: 5 rows on rank 0, 3 on rank 1
        rows = _uneven_rows(rank)
        (res['uneven_gathered'], res['uneven_idx'], _,
         res['uneven_grad']) = _gather_case(inp, rows)
        raw_v = inp['raw_v'][rows].clone().requires_grad_(True)
        raw_t = inp['raw_t'][rows].clone().requires_grad_(True)
        loss = vtc_loss(raw_v, raw_t, inp['idx'][rows], torch.tensor(TEMP))
        loss.backward()
        res['uneven_vtc'] = loss.detach()
        res['uneven_vtc_grad_v'] = raw_v.grad.clone()
        torch.save(res, osp.join(out_dir, f'rank{rank}.pt'))
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope='module')
def dist_results(tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp('stage2_dist'))
    inputs = _make_inputs()
    torch.save(inputs, osp.join(out_dir, 'inputs.pt'))
    start = time.time()
    ctx = mp.start_processes(_worker, args=(_free_port(), out_dir),
                             nprocs=WORLD, join=False, start_method='spawn')
    try:
        while not ctx.join(timeout=1):
            if time.time() - start > TIMEOUT_S:
                raise AssertionError(
                    f'2-rank gloo workers did not finish in {TIMEOUT_S} s')
    finally:
        for p in ctx.processes:
            if p.is_alive():
                p.terminate()
    ranks = [torch.load(osp.join(out_dir, f'rank{r}.pt'))
             for r in range(WORLD)]
    return inputs, ranks


def _rows(rank):
    return slice(rank * LOCAL, (rank + 1) * LOCAL)


def _uneven_rows(rank):
    start = sum(UNEVEN[:rank])
    return slice(start, start + UNEVEN[rank])


def _ref_vtc_rows(v, t, idx, temp, rows):
    """Independent reference: symmetric InfoNCE of ``rows`` against every
    column of the whole batch, uniform targets over same-``idx`` columns."""
    v, t = F.normalize(v, dim=-1), F.normalize(t, dim=-1)
    pos = (idx[rows].view(-1, 1) == idx.view(1, -1)).float()
    targets = pos / pos.sum(1, keepdim=True)
    l_v2t = -(F.log_softmax(v[rows] @ t.t() / temp, 1) * targets).sum(1)
    l_t2v = -(F.log_softmax(t[rows] @ v.t() / temp, 1) * targets).sum(1)
    return (l_v2t.mean() + l_t2v.mean()) / 2


def test_all_gather_concatenates_ranks(dist_results):
    inputs, ranks = dist_results
    for res in ranks:
        torch.testing.assert_close(res['gathered'], inputs['raw'],
                                   rtol=0, atol=0)
        assert torch.equal(res['gathered_idx'], inputs['idx'])
    # each rank really held different features
    assert not torch.equal(inputs['raw'][_rows(0)], inputs['raw'][_rows(1)])


def test_all_gather_gradient_matches_single_process(dist_results):
    inputs, ranks = dist_results
    x = inputs['raw'].clone().requires_grad_(True)
    # single process: mean over all N rows of the same per-row loss
    ref_loss = _generic_loss(x, x, inputs['coef'])
    ref_loss.backward()
    for r, res in enumerate(ranks):
        # L_r is the mean over the local rows only ...
        with torch.no_grad():
            local = _generic_loss(inputs['raw'][_rows(r)], inputs['raw'],
                                  inputs['coef'][_rows(r)])
        torch.testing.assert_close(res['generic_loss'], local)
        # ... and the gradient at the local input is d(sum_r L_r)/dx_r
        torch.testing.assert_close(res['generic_grad'],
                                   WORLD * x.grad[_rows(r)],
                                   rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(
        sum(res['generic_loss'] for res in ranks) / WORLD, ref_loss.detach())


def test_vtc_gather_matches_single_process(dist_results):
    from umt_mm.models.multimodal.losses import vtc_loss
    inputs, ranks = dist_results
    model = _Proj(inputs['proj_v'], inputs['proj_t'])
    raw_v = inputs['raw_v'].clone().requires_grad_(True)
    raw_t = inputs['raw_t'].clone().requires_grad_(True)
    v, t, temp = model(raw_v, raw_t)
    idx = inputs['idx']
    ref_loss = _ref_vtc_rows(v, t, idx, temp, slice(None))
    ref_loss.backward()
    with torch.no_grad():
        single = vtc_loss(v, t, idx, temp, gather=False)
        local_refs = [_ref_vtc_rows(v, t, idx, temp, _rows(r))
                      for r in range(WORLD)]
    torch.testing.assert_close(single, ref_loss.detach())
    for r, res in enumerate(ranks):
        # (c) the rank's loss = single-process loss of its rows vs all cols
        torch.testing.assert_close(res['vtc_loss'], local_refs[r])
        # (b) local-input gradients: W x the single-process gradient
        torch.testing.assert_close(res['vtc_grad_v'],
                                   WORLD * raw_v.grad[_rows(r)],
                                   rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(res['vtc_grad_t'],
                                   WORLD * raw_t.grad[_rows(r)],
                                   rtol=1e-5, atol=1e-6)
        # (b) DDP-averaged parameter gradients (identical on every rank) =
        # the single-process gradient of the global mean loss
        for name, p in model.named_parameters():
            torch.testing.assert_close(res['ddp_grads'][name], p.grad,
                                       rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(
        sum(res['vtc_loss'] for res in ranks) / WORLD, single)
    # the cross-rank positives matter: ignoring the other rank's rows
    # (a non-gathering implementation) gives a different loss
    with torch.no_grad():
        local_only = _ref_vtc_rows(v[_rows(0)], t[_rows(0)], idx[_rows(0)],
                                   temp, slice(None))
    assert not torch.allclose(local_only, local_refs[0], atol=1e-4)


def test_uneven_batches_gather_and_gradients(dist_results):
    """Ranks with 5 and 3 rows: gathered in rank order without padding
    rows, local-input gradients = d(sum_r L_r)/dx_r, VTC per rank = its rows
    against all columns."""
    inputs, ranks = dist_results
    x = inputs['raw'].clone().requires_grad_(True)
    sum(_generic_loss(x[_uneven_rows(r)], x, inputs['coef'][_uneven_rows(r)])
        for r in range(WORLD)).backward()
    raw_v = inputs['raw_v'].clone().requires_grad_(True)
    temp = torch.tensor(TEMP)
    idx = inputs['idx']
    vtc_refs = [_ref_vtc_rows(raw_v, inputs['raw_t'], idx, temp,
                              _uneven_rows(r)) for r in range(WORLD)]
    sum(vtc_refs).backward()
    for r, res in enumerate(ranks):
        assert torch.equal(res['uneven_gathered'], inputs['raw'])
        assert torch.equal(res['uneven_idx'], idx)
        torch.testing.assert_close(res['uneven_grad'],
                                   x.grad[_uneven_rows(r)],
                                   rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(res['uneven_vtc'], vtc_refs[r].detach())
        torch.testing.assert_close(res['uneven_vtc_grad_v'],
                                   raw_v.grad[_uneven_rows(r)],
                                   rtol=1e-5, atol=1e-6)


if __name__ == '__main__':  # pragma: no cover
    raise SystemExit(pytest.main([__file__, '-v']))
