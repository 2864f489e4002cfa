"""Video QA (UMTQA): official UMT_QA fidelity, answer weights, data errors,
accuracy metric, stage-2 initialisation."""
import json
import os.path as osp

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import BaseDataElement
from official_ref_vl import TINY_VISION, RefUMTQA, official_state, tiny_stage2

import umt_mm  # noqa: F401
from umt_mm.checkpoint import detect_layout
from umt_mm.checkpoint.layouts.video_language import (
    convert_official_finetuned, is_official_qa, is_official_retrieval_ft,
    stage2_to_qa, to_official_finetuned)
from umt_mm.datasets.video_language import VideoQADataset, answer_weights
from umt_mm.evaluation.video_language_metric import VideoQAMetric
from umt_mm.registry import MODELS

init_default_scope('mmaction')

# the MiniLM vocabulary (the model tokenises answers), tiny widths
TINY_BERT = dict(vocab_size=30522, hidden_size=32, num_hidden_layers=4,
                 num_attention_heads=2, intermediate_size=64,
                 max_position_embeddings=40)
FUSION = 2


def tiny_qa(**kwargs):
    cfg = dict(
        type='UMTQA',
        vision_encoder=TINY_VISION,
        text_encoder=dict(type='UMTTextEncoder', pretrained=None,
                          bert_cfg=TINY_BERT, fusion_layer=FUSION),
        text_decoder=dict(type='UMTAnswerDecoder', pretrained=None,
                          bert_cfg=TINY_BERT, num_layers=2),
        tokenizer='minilm-l6', k_test=3)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _samples(model, questions, answers=None):
    enc = model.tokenizer(questions, padding='max_length', max_length=12,
                          return_tensors='pt')
    out = []
    for i in range(len(questions)):
        ds = BaseDataElement(input_ids=enc['input_ids'][i],
                             attention_mask=enc['attention_mask'][i])
        if answers is not None:
            a, w = answer_weights(answers[i])
            ds.set_field(a, 'answers')
            ds.set_field(w, 'answer_weights')
        out.append(ds)
    return out, enc


@pytest.fixture(scope='module')
def pair():
    torch.manual_seed(0)
    ref = RefUMTQA(TINY_BERT, FUSION).eval()
    state = official_state(ref)
    assert is_official_qa(state) and not is_official_retrieval_ft(state)
    assert detect_layout(state) == 'qa'
    model = tiny_qa().eval()
    missing, unexpected = model.load_state_dict(
        convert_official_finetuned(state), strict=False)
    assert not unexpected
    # only the umt_mm-only buffers may be absent
    assert all('position_ids' in k or 'pos_embed' in k for k in missing)
    return ref, model


def test_official_qa_loss_equal(pair):
    ref, model = pair
    video = torch.randn(2, 3, 2, 32, 32)
    answers = [['cat', 'cat', 'dog'], 'red']
    samples, enc = _samples(model, ['what is it?', 'which color?'], answers)
    got = model.loss(video, samples)['loss_answer']
    flat, weights, k = [], [], []
    for a in answers:
        names, w = answer_weights(a)
        flat += names
        weights += w
        k.append(len(names))
    a_ids, a_mask = model.tokenize_answers(flat)
    want = ref.train_loss(video, enc['input_ids'], enc['attention_mask'],
                          a_ids, a_mask, k, torch.tensor(weights))
    assert got.item() == pytest.approx(want.item(), rel=1e-4)


def test_official_rank_answer_equal(pair, tmp_path):
    ref, model = pair
    answers = ['cat', 'dog', 'red', 'blue', 'moving left']
    path = tmp_path / 'answers.json'
    path.write_text(json.dumps(answers))
    model.answer_list_file = str(path)
    model._answers = None
    video = torch.randn(3, 3, 2, 32, 32)
    samples, enc = _samples(model, ['a?', 'what color?', 'where to?'])
    _, a_ids, a_mask = model.answer_table()
    with torch.no_grad():
        states, qmask = model.question_states(video, samples)
        got_ids, got_p = model.rank_answers(states, qmask, a_ids, a_mask, 3)
        want_ids, want_p = ref.rank_answer(
            video, enc['input_ids'], enc['attention_mask'], a_ids, a_mask, 3)
    assert torch.equal(got_ids, want_ids)
    torch.testing.assert_close(got_p, want_p, rtol=1e-4, atol=1e-5)
    out = model.predict(video, samples)
    assert [o.pred_answer for o in out] == [answers[int(i)]
                                            for i in want_ids[:, 0]]


def test_qa_round_trip_to_official(pair):
    _, model = pair
    state = model.state_dict()
    official = to_official_finetuned(state)
    assert 'text_encoder.encoder.layer.0.attention.self.query.weight' in \
        official
    assert 'text_decoder.cls.predictions.decoder.weight' in official
    back = convert_official_finetuned(official)
    assert set(back) == set(state)
    assert all(torch.equal(back[k], state[k]) for k in state)


def test_answer_weights_official():
    assert answer_weights(['a', 'b', 'a', 'a']) == (['a', 'b'], [0.75, 0.25])
    assert answer_weights('yes') == (['yes'], [1.0])


def test_stage2_to_qa_copies_cross_modal_layers():
    t = torch.zeros
    state = {'vision_encoder.blocks.0.w': t(1),
             'text_encoder.bert.embeddings.word_embeddings.weight': t(2),
             'text_encoder.bert.encoder.layer.1.attention.w': t(3),
             'text_encoder.bert.encoder.layer.2.crossattention.w': t(4),
             'text_encoder.bert.encoder.layer.3.output.w': t(5),
             'text_encoder.cls.predictions.bias': t(6),
             'itm_head.weight': t(7), 'distill_head.x': t(8)}
    out, layers = stage2_to_qa(state, fusion_layer=2)
    assert layers == 2
    assert out['text_decoder.bert.encoder.layer.0.crossattention.w'].numel() \
        == 4
    assert out['text_decoder.bert.encoder.layer.1.output.w'].numel() == 5
    assert 'text_decoder.bert.encoder.layer.1.attention.w' not in out
    assert out['text_decoder.bert.embeddings.word_embeddings.weight'].numel() \
        == 2
    assert out['text_decoder.cls.predictions.bias'].numel() == 6
    # the question encoder keeps every layer; heads of retrieval are unused
    assert 'text_encoder.bert.encoder.layer.3.output.w' in out
    assert 'itm_head.weight' not in out and 'distill_head.x' not in out
    with pytest.raises(ValueError, match='convert it first'):
        stage2_to_qa({'vision_encoder.encoder.x': t(1)}, 2)


def _write(tmp_path, name, obj):
    path = tmp_path / name
    path.write_text(json.dumps(obj))
    return str(path)


def test_qa_dataset_errors_name_file_and_entry(tmp_path):
    answers = _write(tmp_path, 'answers.json', ['yes', 'no'])
    good = dict(video='a.mp4', question='is it?', answer='yes')
    ann = _write(tmp_path, 'qa.json', [good, dict(good, answer='maybe')])
    with pytest.raises(ValueError, match=r"qa.json: entry 1 .*'maybe'"):
        VideoQADataset(ann, [], answer_list=answers, strict_answers=True,
                       test_mode=True)
    ds = VideoQADataset(ann, [], answer_list=answers, test_mode=True)
    assert len(ds) == 2  # counted and logged, wrong at test time
    bad = _write(tmp_path, 'bad.json', [good, dict(good, question='')])
    with pytest.raises(ValueError, match='bad.json: entry 1: no question'):
        VideoQADataset(bad, [])
    bad = _write(tmp_path, 'bad2.json', [dict(question='q', answer='a')])
    with pytest.raises(ValueError, match="bad2.json: entry 0: no 'video'"):
        VideoQADataset(bad, [])


def test_qa_metric_accuracy_and_types(tmp_path):
    train = _write(tmp_path, 'train.json', [
        dict(answer='a', type='s'), dict(answer='y', type='c'),
        dict(answer='a', type='s'), dict(answer=['y', 'q'], type='c'),
        dict(answer='a', type='c')])
    metric = VideoQAMetric(type_key='question_type', baseline_ann_file=train)
    rows = [('a', 'a', 's'), ('b', 'a', 's'), ('c', ['c', 'd'], 'c'),
            ('x', 'y', 'c')]
    metric.process(None, [dict(question_id=i, pred_answer=p, gt_answer=g,
                               question_type=t)
                          for i, (p, g, t) in enumerate(rows)])
    out = metric.compute_metrics(metric.results)
    # majority 'a' (3 of 6 answers): right on 0, 1; per type 'a' (s) and
    # 'y' (c): right on 0, 1, 3
    assert out == {'acc': 50.0, 'acc_c': 50.0, 'acc_s': 50.0,
                   'majority_acc': 50.0, 'type_majority_acc': 75.0}


def test_qa_init_from_stage2_checkpoint(tmp_path):
    torch.manual_seed(0)
    stage2 = tiny_stage2(TINY_BERT, with_mlm_head=True)
    path = str(tmp_path / 'stage2.pth')
    torch.save(dict(state_dict=stage2.state_dict()), path)
    qa = tiny_qa(pretrained=path)
    qa.init_weights()
    src, dst = stage2.text_encoder.bert, qa.text_decoder.bert
    for name in ('attention.self.query.weight', 'output.dense.weight',
                 'crossattention.self.query.weight'):
        want = src.encoder.layer[FUSION].get_parameter(name)
        assert torch.equal(dst.encoder.layer[0].get_parameter(name), want)
    # 16-wide vision keys cannot serve a 32-wide question: kept initialised
    assert dst.encoder.layer[0].crossattention.self.key.weight.shape == (32,
                                                                         32)
    assert torch.equal(dst.embeddings.word_embeddings.weight,
                       src.embeddings.word_embeddings.weight)
    assert torch.equal(qa.vision_encoder.blocks[1].mlp.fc1.weight,
                       stage2.vision_encoder.blocks[1].mlp.fc1.weight)
    with pytest.raises(ValueError, match='text_decoder.num_layers'):
        tiny_qa(pretrained=path, text_decoder=dict(
            type='UMTAnswerDecoder', pretrained=None, bert_cfg=TINY_BERT,
            num_layers=1)).init_weights()


def test_check_annotations_tool(tmp_path, capsys):
    import sys
    sys.path.insert(0, osp.join(osp.dirname(osp.dirname(
        osp.abspath(__file__))), 'tools', 'data'))
    from check_annotations import main
    (tmp_path / 'a.mp4').write_bytes(b'')
    answers = _write(tmp_path, 'answers.json', ['yes'])
    qa = _write(tmp_path, 'qa.json',
                [dict(video='a.mp4', question='q?', answer='yes')])
    main([qa, 'qa', '--video-root', str(tmp_path), '--answer-list',
          answers])
    assert '1 qa entries' in capsys.readouterr().out
    missing = _write(tmp_path, 'cap.json', [
        dict(video='a.mp4', caption='x'), dict(video='b.mp4', caption='y')])
    with pytest.raises(SystemExit, match=r'cap.json: entry 1: video .*b.mp4'):
        main([missing, 'caption', '--video-root', str(tmp_path)])
    bad_mc = _write(tmp_path, 'mc.json', [
        dict(video='a.mp4', caption=['x', 'y'], answer='x')])
    with pytest.raises(SystemExit, match='mc.json: entry 0'):
        main([bad_mc, 'mc'])
    with pytest.raises(SystemExit, match=r"qa.json: entry 0 \(answer 'yes'"):
        main([qa, 'qa', '--answer-list', _write(tmp_path, 'no.json',
                                                ['no'])])
