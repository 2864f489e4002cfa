# Moments in Time V1 at 384 px (paper Table 10: 8x384^2): the pipelines of
# mit_ft.py with every size scaled by img_size / 224 (short side 256 -> 438,
# crops 224 -> 384).
_base_ = ['./mit_ft.py']
img_size = 384


def _at_img_size(step):
    """A 224-px pipeline step with its sizes scaled to ``img_size``."""
    step = dict(step)
    if 'crop_size' in step:
        step['crop_size'] = img_size
    if step['type'] == 'Resize':
        step['scale'] = tuple(s if s < 0 else int(s * img_size / 224)
                              for s in step['scale'])
    return step


train_dataloader, val_dataloader, test_dataloader = (
    dict(dataset=dict(pipeline=[
        _at_img_size(t) for t in _base_[loader].dataset.pipeline]))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'))
