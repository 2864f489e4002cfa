from . import vit_layer_decay  # noqa: F401,E402 (layer-wise lr decay)
from . import layer_decay  # noqa: F401,E402 (recognizer layer-wise lr decay)
