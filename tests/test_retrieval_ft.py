"""Retrieval fine-tuning: per-frame VTC (official get_sim), training pairs
and identities, official fine-tuned layout fidelity, configs."""
import glob
import json
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine import Config
from mmengine.registry import init_default_scope
from mmengine.structures import BaseDataElement
from official_ref_vl import RefUMTRetrieval, official_state, tiny_stage2

import umt_mm  # noqa: F401
from umt_mm.checkpoint import detect_layout
from umt_mm.checkpoint.layouts.video_language import (
    convert_official_finetuned, is_official_retrieval_ft,
    to_official_finetuned)
from umt_mm.datasets.video_language import RetrievalTrainDataset
from umt_mm.models.multimodal import vtc_loss

init_default_scope('mmaction')

TINY_BERT = dict(vocab_size=120, hidden_size=32, num_hidden_layers=4,
                 num_attention_heads=2, intermediate_size=64,
                 max_position_embeddings=40)
REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def ref_get_sim_loss(v, t, idx, temp):
    """Official ``VTC_VTM_Loss.vtc_loss`` with ``get_sim`` on per-frame
    vision features (no gather)."""
    v = F.normalize(v, dim=-1)
    t = F.normalize(t, dim=-1)
    sim_v2t = torch.einsum('mld,nd->mln', v, t).mean(1) / temp
    sim_t2v = torch.einsum('md,nld->mln', t, v).mean(1) / temp
    idx = idx.view(-1, 1)
    pos = torch.eq(idx, idx.t()).float()
    targets = pos / pos.sum(1, keepdim=True)
    loss_i2t = -torch.sum(F.log_softmax(sim_v2t, dim=1) * targets, 1).mean()
    loss_t2i = -torch.sum(F.log_softmax(sim_t2v, dim=1) * targets, 1).mean()
    return (loss_i2t + loss_t2i) / 2


def test_vtc_per_frame_matches_official_get_sim():
    g = torch.Generator().manual_seed(0)
    v = torch.randn(5, 3, 8, generator=g)
    t = torch.randn(5, 8, generator=g)
    idx = torch.tensor([0, 1, 1, 2, 3])
    got = vtc_loss(v, t, idx, torch.tensor(0.1), gather=False)
    want = ref_get_sim_loss(v, t, idx, 0.1)
    assert got.item() == pytest.approx(want.item(), rel=1e-5)
    # not the loss of the frame-averaged feature
    flat = vtc_loss(v.mean(1), t, idx, torch.tensor(0.1), gather=False)
    assert abs(flat.item() - want.item()) > 1e-3


def test_fine_tuning_loss_uses_frames():
    torch.manual_seed(0)
    model = tiny_stage2(TINY_BERT)
    ids = torch.randint(5, 100, (3, 6))
    ids[:, 0] = 1
    samples = [BaseDataElement(input_ids=ids[i], attention_mask=torch.ones(
        6, dtype=torch.long), source_idx=i) for i in range(3)]
    losses = model.loss(torch.randn(3, 3, 2, 32, 32), samples)
    assert set(losses) == {'loss_vtc', 'loss_vtm'}
    assert model.text_encoder.cls is None  # no MLM head when fine-tuning
    sum(losses.values()).backward()
    assert model.vision_encoder.blocks[0].attn.qkv.weight.grad is not None


def _ann(tmp_path, entries, name='ann.json'):
    path = tmp_path / name
    path.write_text(json.dumps(entries))
    return str(path)


def test_training_pairs_and_identities(tmp_path):
    ann = _ann(tmp_path, [
        dict(video='v/a.mp4', caption='a dog runs'),
        dict(video='w/a.mp4', caption='a dog sits'),  # same basename
        dict(video='v/b.mp4', caption=['one', 'two']),
        dict(video='v/c.mp4', caption='a dog runs'),
    ])
    ds = RetrievalTrainDataset(ann, [], data_prefix=dict(video='root'))
    rows = [(d['filename'], d['text'], d['source_idx'])
            for d in (ds.get_data_info(i) for i in range(len(ds)))]
    assert rows == [('root/v/a.mp4', 'a dog runs', 0),
                    ('root/w/a.mp4', 'a dog sits', 0),
                    ('root/v/b.mp4', 'one', 1), ('root/v/b.mp4', 'two', 1),
                    ('root/v/c.mp4', 'a dog runs', 2)]
    by_caption = RetrievalTrainDataset(ann, [], match_by='caption')
    assert [by_caption.get_data_info(i)['source_idx']
            for i in range(5)] == [0, 1, 2, 3, 0]
    para = RetrievalTrainDataset(ann, [], paragraph=True)
    assert para.get_data_info(2)['text'] == 'one two'
    assert len(para) == 4


def test_training_pairs_bad_entries(tmp_path):
    bad = _ann(tmp_path, [dict(video='a.mp4', caption='x'),
                          dict(video='b.mp4', caption=[])], 'bad.json')
    with pytest.raises(ValueError, match=r'bad.json: entry 1: .caption'):
        RetrievalTrainDataset(bad, [])


@pytest.fixture(scope='module')
def ret_pair():
    torch.manual_seed(0)
    ref = RefUMTRetrieval(TINY_BERT, 2).eval()
    state = official_state(ref)
    assert is_official_retrieval_ft(state)
    assert detect_layout(state) == 'retrieval_ft'
    model = tiny_stage2(TINY_BERT).eval()
    missing, unexpected = model.load_state_dict(
        convert_official_finetuned(state), strict=False)
    assert not unexpected
    assert all('position_ids' in k for k in missing)
    return ref, model


def test_official_retrieval_ft_features_equal(ret_pair):
    ref, model = ret_pair
    video = torch.randn(2, 3, 2, 32, 32)
    ids = torch.randint(5, 100, (2, 7))
    ids[:, 0] = 1
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0
    samples = [BaseDataElement(input_ids=ids[i], attention_mask=mask[i])
               for i in range(2)]
    with torch.no_grad():
        out = model.predict(video, samples)
        vis, pooled, text, cls = ref.features(video, ids, mask)
        want_v = F.normalize(ref.vision_proj(pooled), dim=-1)
        want_t = F.normalize(ref.text_proj(cls), dim=-1)
        for i, ds in enumerate(out):
            torch.testing.assert_close(ds.vision_feat, want_v[i])
            torch.testing.assert_close(ds.text_feat[0], want_t[i])
        got = model.vtm_logits(vis, text, mask)
        want = ref.itm_head(ref.fuse_cls(text, mask, vis))
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)


def test_retrieval_ft_round_trip(ret_pair):
    _, model = ret_pair
    state = model.state_dict()
    official = to_official_finetuned(state)
    assert 'vision_encoder.pool_norm.weight' in official
    assert not any('.bert.' in k for k in official)
    back = convert_official_finetuned(official)
    assert set(back) == set(state)
    assert all(torch.equal(back[k], state[k]) for k in state)
    with pytest.raises(ValueError, match='unexpected keys'):
        convert_official_finetuned(dict(official, **{'foo.bar': 1}))


def _cfg(name):
    return Config.fromfile(osp.join(REPO, 'configs', 'umt', name))


def test_fine_tuning_configs_official_values():
    names = sorted(osp.basename(p) for p in glob.glob(
        osp.join(REPO, 'configs/umt/retrieval-ft_*_vit*.py')) + glob.glob(
            osp.join(REPO, 'configs/umt/qa_*_vit*.py')) + glob.glob(
                osp.join(REPO, 'configs/umt/mc_*_vit*.py')))
    assert len(names) == 62
    cfg = _cfg('retrieval-ft_msrvtt_vitb_25m.py')
    assert cfg.optim_wrapper.optimizer.lr == 1e-5
    assert cfg.train_cfg.max_epochs == 10 and cfg.train_cfg.val_interval == 1
    assert len(cfg.param_scheduler) == 2  # 1 warm-up epoch
    assert cfg.model.keep_temporal and cfg.model.loss_weights.mlm == 0
    assert cfg.model.vision_encoder.num_frames == 12
    assert cfg.val_evaluator.rerank_k == 128
    cfg = _cfg('retrieval-ft_didemo_vitl_5m.py')
    assert cfg.optim_wrapper.optimizer.lr == 4e-5
    assert cfg.train_cfg.max_epochs == 5
    assert cfg.train_dataloader.dataset.paragraph
    assert cfg.train_dataloader.dataset.pipeline[1].type == 'TrimVideo'
    assert cfg.train_dataloader.dataset.pipeline[-2].max_length == 64
    cfg = _cfg('retrieval-ft_msvd_vitb_5m.py')
    assert len(cfg.param_scheduler) == 1  # no warm-up
    cfg = _cfg('retrieval-ft_ssv2-label_vitb_5m.py')
    assert cfg.train_dataloader.dataset.match_by == 'caption'
    assert cfg.val_dataloader.dataset.dedup_texts
    cfg = _cfg('qa_msvd_vitb_25m.py')
    assert cfg.optim_wrapper.optimizer.lr == 6e-5
    assert cfg.model.answer_list.endswith('msvd_qa_answer_list.json')
    assert cfg.model.text_decoder.num_layers == 3
    cfg = _cfg('mc_msrvtt_vitb_5m.py')
    assert cfg.test_dataloader.dataset.type == 'MultipleChoiceDataset'
    assert cfg.train_dataloader.dataset.ann_file.endswith('train7k.json')
