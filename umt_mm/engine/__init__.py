from . import vit_layer_decay  # noqa: F401,E402 (layer-wise lr decay)
