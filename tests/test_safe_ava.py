"""SafeAVADataset: the AVA configs' dataset reads proposals without running
pickled code, and otherwise behaves as mmaction2's AVADataset."""
import os.path as osp
import pickle

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from reliability_utils import PickleMarker
from test_ava import CLASSES, FPS, make_tiny_ava

import umt_mm  # noqa: F401


@pytest.fixture(scope='module')
def tiny_ava(tmp_path_factory):
    return make_tiny_ava(str(tmp_path_factory.mktemp('tiny_ava')))


def _build(root, dataset_type, proposal_file):
    from mmaction.registry import DATASETS
    init_default_scope('mmaction')
    ann = osp.join(root, 'annotations')
    return DATASETS.build(dict(
        type=dataset_type, ann_file=f'{ann}/train.csv',
        exclude_file=f'{ann}/excluded.csv',
        label_file=f'{ann}/label_map.pbtxt', proposal_file=proposal_file,
        custom_classes=CLASSES, num_classes=4, fps=FPS, timestamp_end=906,
        data_prefix=dict(img=osp.join(root, 'rawframes')), pipeline=[]))


def test_same_samples_as_ava_dataset(tiny_ava):
    props = osp.join(tiny_ava, 'annotations', 'proposals.pkl')
    ours = _build(tiny_ava, 'SafeAVADataset', props)
    theirs = _build(tiny_ava, 'AVADataset', props)
    assert len(ours) == len(theirs) > 0
    for i in range(len(ours)):
        a, b = ours.get_data_info(i), theirs.get_data_info(i)
        assert a.keys() == b.keys()
        for key in ('proposals', 'scores', 'gt_bboxes', 'gt_labels'):
            np.testing.assert_array_equal(a[key], b[key])
    assert _build(tiny_ava, 'SafeAVADataset', None).proposals is None


def test_refuses_pickled_code(tiny_ava, tmp_path):
    evil = str(tmp_path / 'evil.pkl')
    marker = tmp_path / 'pwned'
    with open(evil, 'wb') as f:
        pickle.dump({'vid_a,0902': PickleMarker(str(marker))}, f)
    with pytest.raises(ValueError, match=r'proposal_file .*evil\.pkl.*'
                       r'refusing to load'):
        _build(tiny_ava, 'SafeAVADataset', evil)
    assert not marker.exists()
    not_dict = str(tmp_path / 'list.pkl')
    with open(not_dict, 'wb') as f:
        pickle.dump([np.zeros((1, 4))], f)
    with pytest.raises(ValueError, match=r'list\.pkl: expected a dict'):
        _build(tiny_ava, 'SafeAVADataset', not_dict)


def test_ava_configs_use_it():
    from mmengine.config import Config
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))
    for name in ('ava_vitb.py', 'ava_vitl.py'):
        cfg = Config.fromfile(osp.join(root, 'configs', 'umt', name))
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
            assert cfg[loader].dataset.type == 'SafeAVADataset'
