from . import layer_decay  # noqa: F401 (layer-wise lr decay)
