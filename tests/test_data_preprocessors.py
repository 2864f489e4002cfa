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


def test_clips_of_different_shapes_are_zero_padded_as_before():
    ref, new = _pair(format_shape='NCTHW')
    g = torch.Generator().manual_seed(0)
    inputs = [torch.randint(0, 256, shape, generator=g, dtype=torch.uint8)
              for shape in [(1, 3, 4, 8, 6), (1, 3, 4, 6, 8)]]

    def batch():
        return dict(inputs=[x.clone() for x in inputs],
                    data_samples=[ActionDataSample(), ActionDataSample()])

    a, b = ref(batch(), True)['inputs'], new(batch(), True)['inputs']
    assert b.shape == (2, 1, 3, 4, 8, 8)
    assert torch.equal(a, b)


def test_samples_on_the_device_are_passed_on_not_copied():
    from mmengine.structures import InstanceData

    from umt_mm.models.data_preprocessors import on_device
    _, new = _pair(format_shape='NCTHW')
    batch = _batch((1, 3, 4, 8, 8))
    batch['data_samples'][0].set_metainfo(dict(frame_inds=[0, 2]))
    out = new(batch, True)
    assert all(x is y for x, y in zip(out['data_samples'],
                                      batch['data_samples']))
    assert out['data_samples'] is not batch['data_samples']  # a new list
    assert isinstance(batch['inputs'], list)  # the caller's dict unchanged

    sample = ActionDataSample().set_gt_label(1)
    assert on_device(sample, 'cpu') and not on_device(sample, 'meta')
    sample.gt_instances = InstanceData(bboxes=torch.zeros(1, 4,
                                                          device='meta'))
    assert not on_device(sample, 'cpu')  # nested samples are looked into
    assert not on_device(sample, torch.device('meta'))  # gt_label on cpu
    sample.gt_label = sample.gt_label.to('meta')
    assert on_device(sample, 'meta')
    new.to(torch.device('meta'))  # a model on another device
    assert new.cast_data(sample) is sample
    cpu = ActionDataSample().set_gt_label(1)
    moved = new.cast_data(cpu)  # copied and moved by BaseDataElement.to
    assert moved is not cpu and moved.gt_label.device.type == 'meta'
