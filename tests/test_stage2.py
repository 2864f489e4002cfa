"""UMT stage 2: losses, masking, hard negatives, freezing, conversion."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from official_ref import RefStage2Vision, ref_uta_loss

import umt_mm  # noqa: F401
from umt_mm.checkpoint import convert_layout
from umt_mm.checkpoint.layouts.stage2 import to_official_stage2
from umt_mm.evaluation.retrieval_metric import (ranks_from_scores,
                                                recall_metrics)
from umt_mm.models.multimodal import (mask_tokens, sample_hard_negatives,
                                      vtc_loss)
from umt_mm.registry import MODELS

init_default_scope('mmaction')

TINY_BERT = dict(vocab_size=120, hidden_size=32, num_hidden_layers=4,
                 num_attention_heads=2, intermediate_size=64,
                 max_position_embeddings=40)


def tiny_model(**kwargs):
    cfg = dict(
        type='UMTStage2',
        vision_encoder=dict(type='UMTViT',
                            arch=dict(embed_dims=16, num_layers=2,
                                      num_heads=2),
                            img_size=32, num_frames=2, return_layers=1),
        text_encoder=dict(type='UMTTextEncoder', pretrained=None,
                          bert_cfg=TINY_BERT, fusion_layer=2),
        teacher=dict(type='CLIPTeacher',
                     arch=dict(patch_size=16, width=16, layers=2, heads=2,
                               output_dim=8),
                     input_resolution=32, return_layers=1),
        distill_head=dict(type='UMTDistillHead', in_channels=16,
                          out_channels=8, num_layers=1),
        video_masker=dict(type='AttentionMasker', mask_ratio=0.5),
        image_masker=dict(type='AttentionMasker', mask_ratio=0.5),
        embed_dim=8,
        special_token_ids=dict(pad=0, cls=1, mask=3))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_vtc_loss_hand_computed():
    v = torch.tensor([[1., 0.], [0., 1.]])
    t = torch.tensor([[1., 0.], [1., 1.]])
    temp = torch.tensor(0.5)
    # sims v2t: [[1, 1/sqrt2], [0, 1/sqrt2]] / 0.5, distinct sources
    a = 1 / math.sqrt(2)
    s = np.array([[1, a], [0, a]]) / 0.5
    l_v2t = -np.mean([s[0, 0] - np.log(np.exp(s[0]).sum()),
                      s[1, 1] - np.log(np.exp(s[1]).sum())])
    st = s.T
    l_t2v = -np.mean([st[0, 0] - np.log(np.exp(st[0]).sum()),
                      st[1, 1] - np.log(np.exp(st[1]).sum())])
    got = vtc_loss(v, t, torch.tensor([0, 1]), temp, gather=False)
    assert got.item() == pytest.approx((l_v2t + l_t2v) / 2, rel=1e-5)
    # same source: the targets are uniform over both columns
    got = vtc_loss(v, t, torch.tensor([3, 3]), temp, gather=False)
    lsm = s - np.log(np.exp(s).sum(1, keepdims=True))
    lsmt = st - np.log(np.exp(st).sum(1, keepdims=True))
    want = (-(lsm * 0.5).sum(1).mean() - (lsmt * 0.5).sum(1).mean()) / 2
    assert got.item() == pytest.approx(want, rel=1e-5)


def test_hard_negatives_never_positive():
    g = torch.Generator().manual_seed(0)
    idx = torch.tensor([0, 0, 1, 2, 2, 3])
    for _ in range(50):
        sim = torch.randn(6, 6, generator=g) * 10
        v_rows, neg_t, t_rows, neg_v = sample_hard_negatives(sim, idx, g)
        assert len(v_rows) == 6 and len(t_rows) == 6
        assert (idx[v_rows] != idx[neg_t]).all()
        assert (idx[t_rows] != idx[neg_v]).all()
    # a batch of one source has no negatives at all
    v_rows, neg_t, _, _ = sample_hard_negatives(torch.zeros(2, 2),
                                                torch.tensor([5, 5]))
    assert v_rows.numel() == 0 and neg_t.numel() == 0


def test_mlm_masking_rules():
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(10, 100, (64, 32), generator=g)
    ids[:, 0] = 1  # cls
    ids[:, 20] = 2  # sep
    ids[:, 21:] = 0  # pad
    masked, labels = mask_tokens(ids, 120, 3, (0, 1, 2), 0.5, generator=g)
    special = (ids == 0) | (ids == 1) | (ids == 2)
    assert (labels[special] == -100).all()
    assert (masked[special] == ids[special]).all()
    chosen = labels != -100
    assert (labels[chosen] == ids[chosen]).all()
    frac = chosen.sum().item() / (~special).sum().item()
    assert 0.45 < frac < 0.55
    as_mask = (masked == 3) & chosen
    assert 0.75 < as_mask.sum().item() / chosen.sum().item() < 0.85
    assert (masked[~chosen] == ids[~chosen]).all()


def test_model_mlm_masks_sep_but_never_cls_or_pad():
    model = tiny_model()
    g = torch.manual_seed(0)
    ids = torch.randint(10, 100, (256, 12), generator=g)
    ids[:, 0], ids[:, 8], ids[:, 9:] = 1, 2, 0  # cls, sep (id 2), pad
    _, labels = model.mask_text(ids)
    chosen = labels != -100
    assert not chosen[:, 0].any() and not chosen[:, 9:].any()
    # the official MLMLoss leaves [SEP] maskable like any word
    assert 0.4 < chosen[:, 8].float().mean() < 0.6
    assert 0.4 < chosen[:, 1:8].float().mean() < 0.6


def _official_stage2_state(ref, model):
    """An official-layout state dict: ``ref`` as ``vision_encoder``, the
    text side and heads of ``model`` in their official names."""
    text = {k: v for k, v in to_official_stage2(model.state_dict()).items()
            if not k.startswith(('vision_encoder.', 'vision_layernorm.'))}
    vision = {f'vision_encoder.{k}': v for k, v in ref.state_dict().items()}
    text['text_encoder.bert.embeddings.position_ids'] = torch.arange(40)[None]
    text['clip_teacher.proj'] = torch.zeros(1)
    return {**vision, **text}


def test_official_stage2_vision_matches_after_conversion():
    """The converted official vision encoder gives the official tokens,
    pooled features (per frame and not), UTA predictions and loss, for
    videos and 1-frame images."""
    torch.manual_seed(0)
    ref = RefStage2Vision(dim=16, depth=2, heads=2, frames=2, patches=4,
                          out_dim=8, return_layers=1).eval()
    model = tiny_model(distill_head=dict(
        type='UMTDistillHead', in_channels=16, out_channels=8, num_layers=1,
        norm_eps=1e-5)).eval()
    layout, state = convert_layout(_official_stage2_state(ref, model))
    assert layout == 'stage2'
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected
    assert all(k.startswith('teacher.') for k in missing), missing
    with torch.no_grad():
        for frames in (2, 1):
            video = torch.randn(3, 3, frames, 32, 32)
            tokens, _ = model.encode_vision(video)
            x_vis, pooled, _ = ref(video, use_image=frames == 1,
                                   keep_temporal=True)
            assert torch.allclose(tokens, x_vis, atol=1e-5)
            assert torch.allclose(model.pool_vision(tokens, frames),
                                  pooled.squeeze(1), atol=1e-5)
            _, pooled, _ = ref(video, use_image=frames == 1)
            assert torch.allclose(model.pool_vision(tokens),
                                  pooled[:, 0], atol=1e-5)
            # UTA at the kept tokens of a mask
            n = 4 * frames
            mask = torch.rand(3, n).argsort(1) < n // 2
            tokens, aligned = model.encode_vision(video, mask)
            x_vis, _, x_clip = ref(video, mask, use_image=frames == 1)
            assert torch.allclose(tokens, x_vis, atol=1e-5)
            pred = model.distill_head(aligned, mask)
            assert torch.allclose(pred, F.normalize(x_clip, dim=-1),
                                  atol=1e-5)
            target = F.normalize(torch.randn_like(pred), dim=-1)
            ours = model.distill_head.loss(aligned, target, mask)
            assert ours['loss_align'].item() == pytest.approx(
                ref_uta_loss(x_clip, target).item(), abs=1e-5)


def _np_cross_entropy(logits, labels):
    """Mean over rows of -log softmax(logits)[label], in float64 numpy."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    return -np.mean(log_p[np.arange(len(labels)), labels])


def test_vtm_loss_hand_computed(monkeypatch):
    """VTM = cross entropy of B positives (label 1) then, for each vision
    sample, its drawn negative text and, for each text, its drawn negative
    vision (label 0), scored by itm_head on the pooled fused text."""
    import umt_mm.models.multimodal.umt_stage2 as stage2
    torch.manual_seed(0)
    model = tiny_model().eval()
    B, L = 3, 6
    vision = torch.randn(B, 5, 16)
    hidden = torch.randn(B, L, 32)
    mask = torch.ones(B, L, dtype=torch.long)
    mask[2, 4:] = 0
    idx = torch.tensor([0, 1, 2])
    picks = (torch.tensor([0, 1, 2]), torch.tensor([2, 0, 1]),
             torch.tensor([0, 2]), torch.tensor([1, 0]))
    monkeypatch.setattr(stage2, 'sample_hard_negatives',
                        lambda sim, i: picks)
    with torch.no_grad():
        got = model.vtm_loss(vision, hidden, mask, torch.randn(B, 8),
                             torch.randn(B, 8), idx).item()

        def logit_pair(v, t):
            fused = model.text_encoder.fuse(hidden[t:t + 1], mask[t:t + 1],
                                            vision[v:v + 1])
            return model.itm_head(fused[:, 0])[0].numpy()

        pairs = [(i, i, 1) for i in range(B)]
        pairs += [(v, t, 0) for v, t in zip(picks[0], picks[1])]
        pairs += [(v, t, 0) for t, v in zip(picks[2], picks[3])]
        logits = [logit_pair(int(v), int(t)) for v, t, _ in pairs]
    want = _np_cross_entropy(logits, [y for _, _, y in pairs])
    assert got == pytest.approx(want, rel=1e-5)


def test_mlm_loss_hand_computed(monkeypatch):
    """MLM = mean cross entropy of the vocabulary logits at the chosen
    tokens only, the text encoded from the masked ids and fused with the
    vision tokens."""
    torch.manual_seed(0)
    model = tiny_model().eval()
    ids = torch.tensor([[1, 20, 21, 22, 2, 0], [1, 30, 31, 2, 0, 0]])
    mask = (ids != 0).long()
    masked = ids.clone()
    masked[0, 2], masked[1, 1] = 3, 55  # [MASK], a random word
    labels = torch.full_like(ids, -100)
    labels[0, 2], labels[1, 1], labels[0, 3] = 21, 30, 22  # 22 kept as is
    monkeypatch.setattr(model, 'mask_text', lambda x: (masked, labels))
    vision = torch.randn(2, 5, 16)
    with torch.no_grad():
        got = model.mlm_loss(ids, mask, vision).item()
        te = model.text_encoder
        fused = te.fuse(te.encode_text(masked, mask), mask, vision)
        logits = te.mlm_logits(fused).numpy()
    rows = [(0, 2), (1, 1), (0, 3)]
    want = _np_cross_entropy([logits[b, t] for b, t in rows],
                             [int(labels[b, t]) for b, t in rows])
    assert got == pytest.approx(want, rel=1e-5)


def test_losses_and_frozen_text_layers():
    torch.manual_seed(0)
    model = tiny_model(text_encoder=dict(
        type='UMTTextEncoder', pretrained=None, bert_cfg=TINY_BERT,
        fusion_layer=2, freeze_layers=1))
    model.init_weights()
    model.train()
    from mmaction.structures import ActionDataSample
    samples = []
    for i in range(4):
        ds = ActionDataSample()
        ids = np.array([1] + [10 + i] * 5 + [2] + [0] * 3)
        ds.set_field(ids, 'input_ids')
        ds.set_field((ids != 0).astype(np.int64), 'attention_mask')
        ds.set_field([0, 0, 1, 2][i], 'source_idx')
        samples.append(ds)
    frozen = {k: v.clone() for k, v in model.text_encoder.named_parameters()
              if k.startswith(('bert.embeddings', 'bert.encoder.layer.0.'))}
    trained = model.text_encoder.bert.encoder.layer[1].output.dense.weight
    before = trained.detach().clone()
    opt = torch.optim.AdamW([p for p in model.parameters()
                             if p.requires_grad], lr=1e-2)
    for frames in (2, 1):  # video then image (1-frame) batch
        losses = model.loss(torch.randn(4, 3, frames, 32, 32), samples)
        assert set(losses) == {'loss_uta', 'loss_vtc', 'loss_vtm',
                               'loss_mlm'}
        assert all(torch.isfinite(v) for v in losses.values())
        opt.zero_grad()
        sum(losses.values()).backward()
        opt.step()
    for k, v in model.text_encoder.named_parameters():
        if k in frozen:
            assert not v.requires_grad and torch.equal(v, frozen[k]), k
    assert not torch.equal(trained, before)
    # disabling a loss drops it
    model.loss_weights['mlm'] = 0.
    assert 'loss_mlm' not in model.loss(torch.randn(4, 3, 2, 32, 32),
                                        samples)


def test_stage2_converter_round_trip():
    torch.manual_seed(0)
    src = tiny_model()
    official = to_official_stage2(src.state_dict())
    assert any(k.startswith('vision_encoder.encoder.blocks.0.')
               for k in official)
    assert 'vision_encoder.pool_norm.weight' in official
    official['text_encoder.cls.predictions.decoder.weight'] = official[
        'text_encoder.bert.embeddings.word_embeddings.weight']
    official['clip_teacher.proj'] = torch.zeros(1)
    assert any(k.startswith('vision_encoder.clip_decoder.')
               for k in official)
    layout, state = convert_layout(official)
    assert layout == 'stage2'
    dst = tiny_model()
    missing, unexpected = dst.load_state_dict(state, strict=False)
    assert not unexpected
    assert all(k.startswith('teacher.') for k in missing)
    for k, v in src.state_dict().items():
        if not k.startswith('teacher.'):
            assert torch.equal(v, dst.state_dict()[k]), k


def test_ranks_hand_made_matrices():
    # 3 texts x 3 videos; text 2 belongs to video 0 (two captions)
    sim_t2v = np.array([[0.9, 0.1, 0.5],
                        [0.2, 0.3, 0.8],
                        [0.1, 0.7, 0.6]])
    gt = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0]], bool)
    np.testing.assert_array_equal(ranks_from_scores(sim_t2v, gt), [1, 2, 3])
    # v2t: video 0 best caption rank 1 (text 0), video 1 -> text 1 rank 3,
    # video 2 has no caption of its own here -> add one
    gt_v = np.array([[1, 0, 1], [0, 1, 0]], bool)
    np.testing.assert_array_equal(
        ranks_from_scores(sim_t2v.T[:2], gt_v), [1, 2])
    m = recall_metrics(np.array([1, 2, 3, 11]), 't2v_', ks=(1, 5, 10))
    assert m == {'t2v_R1': 25.0, 't2v_R5': 75.0, 't2v_R10': 75.0,
                 't2v_MeanR': 4.25, 't2v_MedR': 2.5}
    # ties keep gallery order
    np.testing.assert_array_equal(
        ranks_from_scores(np.zeros((1, 3)), np.array([[0, 0, 1]], bool)),
        [3])
