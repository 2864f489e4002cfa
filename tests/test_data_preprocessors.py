"""VideoDataPreprocessor: ActionDataPreprocessor's values, in place."""
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.registry import init_default_scope

import umt_mm  # noqa: F401  (registers the preprocessors)
from umt_mm.registry import MODELS

NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])


def _batch(shape, dtype=torch.uint8, n=3):
    g = torch.Generator().manual_seed(0)
    inputs = [torch.randint(0, 256, shape, generator=g).to(dtype)
              for _ in range(n)]
    samples = [ActionDataSample().set_gt_label(i % 4) for i in range(n)]
    return dict(inputs=inputs, data_samples=samples)


def _pair(**kwargs):
    init_default_scope('mmaction')
    ref = MODELS.build(dict(type='ActionDataPreprocessor', **NORM, **kwargs))
    new = MODELS.build(dict(type='VideoDataPreprocessor', **NORM, **kwargs))
    return ref, new


@pytest.mark.parametrize('kwargs,shape', [
    (dict(format_shape='NCTHW'), (2, 3, 4, 8, 8)),
    (dict(format_shape='NCHW'), (4, 3, 8, 8)),
    (dict(format_shape='NCTHW', to_rgb=True), (1, 3, 4, 8, 8)),
    (dict(format_shape='NCTHW',
          blending=dict(type='MixupBlending', num_classes=4, alpha=.2)),
     (1, 3, 4, 8, 8)),
])
@pytest.mark.parametrize('training', [True, False])
def test_same_values_as_action_data_preprocessor(kwargs, shape, training):
    ref, new = _pair(**kwargs)
    torch.manual_seed(1)
    a = ref(_batch(shape), training)
    torch.manual_seed(1)
    b = new(_batch(shape), training)
    assert torch.equal(a['inputs'], b['inputs'])
    assert a['inputs'].dtype == b['inputs'].dtype == torch.float32
    if training and 'blending' in kwargs:  # the mixed labels too
        for x, y in zip(a['data_samples'], b['data_samples']):
            assert torch.equal(x.gt_label, y.gt_label)


def test_float_inputs_left_unchanged():
    _, new = _pair(format_shape='NCTHW')
    batch = _batch((1, 3, 4, 8, 8), torch.float32)
    before = [x.clone() for x in batch['inputs']]
    out = new(batch, True)['inputs']
    assert all(torch.equal(x, y) for x, y in zip(batch['inputs'], before))
    assert not torch.equal(out[0], before[0])


def _allocated_bytes(pre, batch):
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU],
                 profile_memory=True) as prof:
        pre(batch, True)
    return sum(max(e.self_cpu_memory_usage, 0)
               for e in prof.key_averages())


def test_one_float_copy_instead_of_two():
    ref, new = _pair(format_shape='NCTHW')
    batch = _batch((2, 3, 8, 32, 32), n=4)
    floats = 4 * 2 * 3 * 8 * 32 * 32 * 4  # one float32 batch
    new_bytes = _allocated_bytes(new, batch)  # uint8 stack + one float copy
    assert new_bytes < 1.5 * floats
    # x - mean and / std each allocate a float batch
    assert _allocated_bytes(ref, batch) - new_bytes > 0.9 * floats
