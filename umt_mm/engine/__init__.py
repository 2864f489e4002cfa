from . import layer_decay  # noqa: F401 (layer-wise lr decay)
from . import mask_vis_hook, progress_hook, vis_backends  # noqa: F401
