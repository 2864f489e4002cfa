"""Multiple choice: the official retrieval_mc score, the metric with a
stage-2 model, annotation errors."""
import json

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import BaseDataElement
from official_ref_vl import RefUMTRetrieval, official_state, tiny_stage2

import umt_mm  # noqa: F401
from umt_mm.checkpoint.layouts import video_language as layouts
from umt_mm.datasets.video_language import MultipleChoiceDataset
from umt_mm.evaluation.video_language_metric import (UMTMultipleChoiceMetric,
                                                     mc_scores)

init_default_scope('mmaction')

TINY_BERT = dict(vocab_size=120, hidden_size=32, num_hidden_layers=4,
                 num_attention_heads=2, intermediate_size=64,
                 max_position_embeddings=40)


def test_mc_scores_hand_computed():
    logits = torch.tensor([[0., 0.], [0., 2.], [1., 0.]])
    sim = torch.tensor([0.5, 0.1, 0.3])
    p_match = torch.tensor([0.5, 1 / (1 + torch.exp(torch.tensor(-2.))),
                            1 / (1 + torch.exp(torch.tensor(1.)))])
    soft = torch.exp(sim / 0.1) / torch.exp(sim / 0.1).sum()
    torch.testing.assert_close(mc_scores(logits, sim, 0.1),
                               0.7 * p_match + 0.3 * soft)


def test_mc_metric_matches_official_score():
    torch.manual_seed(0)
    ref = RefUMTRetrieval(TINY_BERT, 2).eval()
    model = tiny_stage2(TINY_BERT).eval()
    model.load_state_dict(
        layouts.convert_official_finetuned(official_state(ref)), strict=False)
    metric = UMTMultipleChoiceMetric()
    with pytest.raises(RuntimeError, match='RetrievalRerankHook'):
        metric.process(None, [])
    metric.set_model(model)
    videos = torch.randn(4, 3, 2, 32, 32)
    preds = []
    for v in range(4):
        ids = torch.randint(5, 100, (5, 6))
        ids[:, 0] = 1
        mask = torch.ones_like(ids)
        mask[v % 5, 4:] = 0
        with torch.no_grad():
            want = ref.mc_score(videos[v:v + 1], ids, mask)
            ds = model.predict(videos[v:v + 1], [BaseDataElement(
                input_ids=ids, attention_mask=mask)])[0]
        preds.append(int(want.argmax()))
        sample = ds.to_dict()
        sample.update(video_idx=v, answer=v % 5)
        metric.process(None, [sample])
        assert metric.results[-1]['pred'] == preds[-1]
    acc = metric.compute_metrics(metric.results)['acc']
    assert acc == 100.0 * sum(p == v % 5 for v, p in enumerate(preds)) / 4


def test_mc_dataset_errors(tmp_path):
    path = tmp_path / 'mc.json'
    good = dict(video='a.mp4', caption=['x', 'y', 'z'], answer=2)
    path.write_text(json.dumps([good, dict(good, answer=3)]))
    with pytest.raises(ValueError, match=r'mc.json: entry 1: .answer'):
        MultipleChoiceDataset(str(path), [])
    path.write_text(json.dumps([good]))
    ds = MultipleChoiceDataset(str(path), [], data_prefix=dict(video='r'))
    assert ds.get_data_info(0)['text'] == ['x', 'y', 'z']
    assert ds.get_data_info(0)['filename'] == 'r/a.mp4'
