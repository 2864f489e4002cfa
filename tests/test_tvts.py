"""TVTSv2: transcript sorting, segment sampling, VTC, data, demo run."""
import json
import math
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmaction.structures import ActionDataSample
from mmengine.registry import init_default_scope
from relatives_runner import falls, train_demo

import umt_mm  # noqa: F401  (registers modules)
from umt_mm.datasets.asr_transcript import (ASRTranscriptDataset,
                                            ConcatClipSortDataset,
                                            TranscriptSegmentSample,
                                            check_transcript_file,
                                            make_demo_transcripts,
                                            sample_segments, segment_texts,
                                            shuffle_texts)
from umt_mm.models.multimodal import transcript_sort_loss
from umt_mm.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
K = 4


class FixedRng:
    """Stand-in for ``np.random.Generator`` with chosen draws."""

    def __init__(self, length, start):
        self.length, self.start = length, start

    def choice(self, values):
        assert self.length in values
        return self.length

    def uniform(self, low, high):
        assert low <= self.start < high
        return self.start


def tiny_tvts(vocab=64, **kw):
    init_default_scope('mmaction')
    bert = dict(vocab_size=vocab, hidden_size=32, num_hidden_layers=4,
                num_attention_heads=2, intermediate_size=64,
                max_position_embeddings=32)
    cfg = dict(
        type='TVTSv2Pretrain',
        vision_encoder=dict(type='UMTViT', arch=dict(
            embed_dims=32, num_layers=2, num_heads=2), img_size=32,
            num_frames=8, tubelet_size=1),
        text_encoder=dict(type='UMTTextEncoder', pretrained=None,
                          bert_cfg=bert, fusion_layer=4, freeze_layers=3,
                          with_mlm_head=False),
        sort_head=dict(type='TranscriptSortHead', num_heads=2),
        embed_dim=16)
    cfg.update(kw)
    return MODELS.build(cfg)


def batch(B=3, L=6):
    samples = []
    for i in range(B):
        ds = ActionDataSample()
        ds.set_field(torch.randint(1, 64, (K, L)), 'input_ids')
        ds.set_field(torch.ones(K, L, dtype=torch.long), 'attention_mask')
        ds.set_field(torch.randperm(K), 'order_labels')
        ds.set_field(i, 'source_idx')
        samples.append(ds)
    return torch.randn(B, 1, 3, 8, 32, 32), samples


def test_sort_loss_by_hand():
    logits = torch.tensor([[[2., 0.], [0., 1.]]])  # B=1, K=2
    labels = torch.tensor([[1, 1]])
    # text 0: -log(e^0 / (e^2 + e^0)); text 1: -log(e^1 / (e^0 + e^1))
    hand = (math.log(math.e ** 2 + 1) + math.log(1 + math.e) - 1) / 2
    assert transcript_sort_loss(logits, labels).item() == pytest.approx(hand)


def test_sample_segments_by_hand():
    windows = sample_segments(30., 4, (3, 4, 5), 1., FixedRng(4, 2.5))
    assert windows == [(2.5, 6.5), (7.5, 11.5), (12.5, 16.5), (17.5, 21.5)]
    # shorter than the 4 * 3 + 3 = 15 s span: the whole video, shrunk
    windows = sample_segments(10., 4, (3, ), 1., FixedRng(3, 0.))
    assert windows == [(0., 1.75), (2.75, 4.5), (5.5, 7.25), (8.25, 10.)]
    with pytest.raises(ValueError, match='2.00 s video'):
        sample_segments(2., 4, (3, ), 1., FixedRng(3, 0.))


def test_segment_texts_and_shuffle():
    words = [dict(word=w, time=t) for w, t in
             [('a', 0.5), ('b', 1.0), ('c', 1.5), ('d', 2.2), ('e', 3.0)]]
    texts = segment_texts(words, [(0., 1.), (1., 2.), (2., 3.)])
    assert texts == ['a', 'c', 'd']  # strictly inside, as official
    shown, order = shuffle_texts(texts, np.random.default_rng(3))
    assert sorted(order.tolist()) == [0, 1, 2]
    assert shown == [texts[o] for o in order]


def test_segment_sample_transform():
    words = [dict(word=f'w{i}', time=i * 0.5 + 0.25) for i in range(60)]
    t = TranscriptSegmentSample(frames_per_segment=3)
    t.rng = np.random.default_rng(0)
    out = t(dict(avg_fps=10., total_frames=300, words=words))
    inds, order = out['frame_inds'], out['order_labels']
    assert out['clip_len'] == 12 and len(inds) == 12
    assert (np.diff(inds) >= 0).all()
    windows = sample_segments(30., rng=np.random.default_rng(0))
    first, last = windows[0][0] * 10, windows[-1][1] * 10
    edges = np.linspace(first, last, 13)
    assert ((inds >= np.floor(edges[:-1])) & (inds <= edges[1:])).all()
    texts = segment_texts(words, windows)
    assert out['text'] == [texts[o] for o in order]


def test_sort_head_is_order_equivariant():
    torch.manual_seed(0)
    head = MODELS.build(dict(type='TranscriptSortHead', embed_dims=16,
                             num_heads=2)).eval()
    video, text = torch.randn(2, 5, 16), torch.randn(2, K, 16)
    perm = torch.tensor([2, 0, 3, 1])
    torch.testing.assert_close(head(video, text)[:, perm],
                               head(video, text[:, perm]))


def test_stop_gradient_into_text_encoder():
    torch.manual_seed(0)
    model = tiny_tvts(loss_weights=dict(vtc=0.))
    video, samples = batch()
    losses = model.loss(video, samples)
    assert set(losses) == {'loss_ts'}
    losses['loss_ts'].backward()
    text_grads = [p.grad for p in model.text_encoder.parameters()]
    assert all(g is None or not g.any() for g in text_grads)
    assert model.text_proj.weight.grad is None
    assert model.vision_encoder.patch_embed.proj.weight.grad.abs().sum() > 0
    assert model.sort_head.fc.weight.grad.abs().sum() > 0
    # VTC does train the unfrozen (last quarter) text layers, not the rest
    model.zero_grad()
    model.loss_weights.update(vtc=1., ts=0.)
    model.loss(video, samples)['loss_vtc'].backward()
    layers = model.text_encoder.bert.encoder.layer
    assert layers[3].output.dense.weight.grad.abs().sum() > 0
    assert not any(p.requires_grad for p in layers[2].parameters())
    assert not any(p.requires_grad
                   for p in model.text_encoder.bert.embeddings.parameters())


def test_vtc_is_official_norm_softmax_at_005():
    torch.manual_seed(0)
    model = tiny_tvts(loss_weights=dict(ts=0.))
    assert model.temp.item() == pytest.approx(0.05)
    assert not model.temp.requires_grad
    assert model.loss_weights['ts'] == 0 and model.loss_weights['vtm'] == 0
    video, samples = batch()
    torch.manual_seed(1)
    ours = model.loss(video, samples)['loss_vtc']
    torch.manual_seed(1)
    v = model._video(video)
    mask, _ = model.mask_and_targets(v)
    assert mask.float().mean().item() == 0.5  # 50% tube masking
    assert (mask.view(3, 8, 4)[:, :1] == mask.view(3, 8, 4)).all()
    tokens, _ = model.encode_vision(v, mask)
    vf = model.vision_proj(model.pool_vision(tokens))
    _, tf = model.encode_text(*model.text_inputs(samples))
    tf = tf.view(3, K, -1).mean(1)  # averaged text features
    sim = F.normalize(vf, dim=-1) @ F.normalize(tf, dim=-1).t()
    target = torch.arange(3)
    # NormSoftmaxLoss: sum of the two directions at temperature 0.05
    hand = F.cross_entropy(sim / 0.05, target) + \
        F.cross_entropy(sim.t() / 0.05, target)
    torch.testing.assert_close(ours, hand)


def test_zero_shot_scores_by_hand(tmp_path):
    classes = tmp_path / 'classes.txt'
    classes.write_text('moving left\nmoving up\n\njumping\n')
    torch.manual_seed(0)
    # the shipped MiniLM tokenizer: a vocabulary of its size
    model = tiny_tvts(vocab=30522, zero_shot=dict(classes=str(classes)))
    model.eval()
    assert model.zero_shot['prompts'] == [
        'a person moving left', 'a person moving up', 'a person jumping']
    video = torch.randn(2, 3, 3, 8, 32, 32)  # 2 samples x 3 views
    samples = [ActionDataSample() for _ in range(2)]
    scores = torch.stack([
        ds.pred_score for ds in model.predict(video, samples)])
    _, vf = model.vision_features(video.flatten(0, 1))
    from umt_mm.datasets.transforms.text import TokenizeText
    enc = TokenizeText('minilm-l6', 32)(dict(text=model.zero_shot['prompts']))
    ids = torch.as_tensor(enc['input_ids'])
    mask = torch.as_tensor(enc['attention_mask'])
    tf = F.normalize(model.encode_text(ids, mask)[1], dim=-1)
    hand = (vf[:, 0] @ tf.t() / 0.05).softmax(-1).view(2, 3, 3).mean(1)
    torch.testing.assert_close(scores, hand)
    with pytest.raises(ValueError, match='zero_shot.classes'):
        tiny_tvts(zero_shot=dict(classes=[]))


def test_wrong_text_count_and_weights_are_refused():
    model = tiny_tvts()
    video, samples = batch()
    samples[0].set_field(samples[0].input_ids[:2], 'input_ids')
    samples[0].set_field(samples[0].attention_mask[:2], 'attention_mask')
    with pytest.raises(ValueError, match='4 texts each'):
        model.loss(video, samples)
    with pytest.raises(ValueError, match='unknown loss weights'):
        tiny_tvts(loss_weights=dict(vtm=1.))


def test_paper_config_settings():
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/tvtsv2/tvtsv2_vitb16_yttemporal_pt.py'))
    m = cfg.model
    sample = cfg.train_dataloader.dataset.pipeline[1]
    assert m.vision_encoder.num_frames == K * sample.frames_per_segment
    assert (sample.num_segments, sample.gap) == (K, 1.0)
    assert m.text_encoder.freeze_layers == 9 and m.text_encoder.fusion_layer \
        == 12 and m.video_masker == dict(type='TubeMasker', mask_ratio=0.5)
    assert (m.temp, m.loss_weights) == (0.05, dict(vtc=1.0, ts=2.0))
    keys = cfg.optim_wrapper.paramwise_cfg.custom_keys
    assert cfg.optim_wrapper.optimizer.lr * keys.text_encoder.lr_mult == \
        pytest.approx(1e-7)


def write(tmp_path, entries, name='t.json'):
    path = str(tmp_path / name)
    with open(path, 'w') as f:
        json.dump(entries, f)
    return path


GOOD = dict(video='a.mp4', words=[dict(word='hi', time=0.1),
                                  dict(word='you', time=0.4)])


@pytest.mark.parametrize('bad,message', [
    (dict(words=GOOD['words']), "missing 'video'"),
    (dict(video='b.mp4', words=[]), "missing 'words'"),
    (dict(video='b.mp4', words=[dict(time=0.)]), "words\\[0\\] has no"),
    (dict(video='b.mp4', words=[dict(word='x', time=2.),
                                dict(word='y', time=1.)]),
     'words\\[1\\] time 1.0'),
    (dict(GOOD, duration=0.2), 'duration 0.2'),
])
def test_checker_names_first_bad_entry(tmp_path, bad, message):
    path = write(tmp_path, [GOOD, bad, 'not even an object'])
    with pytest.raises(ValueError, match=f'{path}: entry 1: {message}'):
        check_transcript_file(path)
    with pytest.raises(ValueError, match='entry 1'):
        ASRTranscriptDataset(ann_file=path, lazy_init=False)


def test_checker_tool_and_dataset(tmp_path):
    from tools.data.check_transcripts import main
    path = write(tmp_path, [GOOD, dict(GOOD, video='b.mp4', duration=3.)])
    main([path])
    with pytest.raises(SystemExit, match='video .*a.mp4 does not exist'):
        main([path, '--video-root', str(tmp_path)])
    ds = ASRTranscriptDataset(ann_file=path, data_prefix=dict(video='v'))
    assert len(ds) == 2
    info = ds.get_data_info(1)
    assert info['filename'] == osp.join('v', 'b.mp4')
    assert info['source_idx'] == 1 and info['duration'] == 3.


def test_concat_clip_sort_dataset(tmp_path):
    caps = [dict(video=f'v{i}', caption=f'caption {i}') for i in range(6)]
    path = write(tmp_path, caps)

    def load(results):  # a clip whose pixels are its entry number
        n = int(results['filename'][-1])
        return dict(results, imgs=np.full((1, 3, 2, 4, 4), n))

    ds = ConcatClipSortDataset(ann_file=path, pipeline=[load],
                               post_pipeline=[])
    out = ds[2]
    clips = out['imgs'][0, 0, ::2, 0, 0]  # first frame of each clip
    assert clips[0] == 2 and len(set(clips.tolist())) == K
    shown = [int(t.split()[1]) for t in out['text']]
    assert shown == [int(clips[o]) for o in out['order_labels']]
    assert out['source_idx'] == 2
    with pytest.raises(ValueError, match='fewer than num_segments'):
        ConcatClipSortDataset(ann_file=write(tmp_path, caps[:3], 'b.json'),
                              pipeline=[], post_pipeline=[])


@pytest.mark.slow
def test_demo_config_trains_and_loss_falls(demo_data, run_tool, tmp_path):
    """tools/train.py on the synthetic videos with generated transcripts."""
    ann = str(tmp_path / 'transcripts.json')
    assert make_demo_transcripts(osp.join(demo_data, 'captions_train.json'),
                                 ann, duration=4.) == 16
    check_transcript_file(ann, demo_data)
    records = train_demo(
        run_tool, osp.join(REPO, 'configs/tvtsv2/tvtsv2_demo.py'),
        demo_data, str(tmp_path / 'tvts'), epochs=16,
        options=[f'train_dataloader.dataset.ann_file={ann}'])
    vtc = [r['loss_vtc'] for r in records if 'loss_vtc' in r]
    ts = [r['loss_ts'] for r in records if 'loss_ts' in r]
    assert len(vtc) == len(ts) == 32  # 16 videos / batch 8 x 16 epochs
    # sorting falls far below chance (2 * ln 4 = 2.77), VTC below 2 * ln 8
    assert falls(ts, k=4, factor=0.5), ts
    assert sum(vtc[-4:]) / 4 < 2 * math.log(8), vtc
    assert falls([a + b for a, b in zip(vtc, ts)], k=4), (vtc, ts)
    # the out-of-the-box protocols run on the trained checkpoint
    ckpt = str(tmp_path / 'tvts' / 'epoch_16.pth')
    val = ['test_dataloader.dataset.ann_file=' + osp.join(
        demo_data, 'val_list.txt'),
           f'test_dataloader.dataset.data_prefix.video={demo_data}']
    out = run_tool('tools/test.py', osp.join(
        REPO, 'configs/tvtsv2/tvtsv2_zero-shot_demo.py'), ckpt,
        '--work-dir', str(tmp_path / 'zs'), '--cfg-options',
        'model.zero_shot.classes=' + osp.join(demo_data, 'classes.txt'),
        *val).check()
    assert 'acc/top1' in out.output
    splits = [f'{s}_dataloader.dataset.{k}' for s in ('train', 'val')
              for k in ('ann_file', 'data_prefix.video')]
    values = [osp.join(demo_data, 'train_list.txt'), demo_data,
              osp.join(demo_data, 'val_list.txt'), demo_data]
    # tools/analysis/linear_probe.py's main() (in-process; the tool runs
    # as a subprocess in test_linear_probe) reads the TVTSv2 student
    from tools.analysis import linear_probe
    result = linear_probe.main([
        osp.join(REPO, 'configs/umt/linear-probe_demo.py'), ckpt,
        '--work-dir', str(tmp_path / 'lp'), '--epochs', '5', '--cfg-options',
        *[f'{k}={v}' for k, v in zip(splits, values)], *val])
    assert (result['num_train'], result['num_val']) == (16, 8)
    assert result['feature_dim'] == 64  # the student's width
    assert result['top1'] * 8 == pytest.approx(round(result['top1'] * 8))
    with open(tmp_path / 'lp' / 'linear_probe.json') as f:
        assert json.load(f) == result
