from .distill_head import UMTDistillHead

__all__ = ['UMTDistillHead']
from .cls_head import UMTClsHead  # noqa: E402,F401
from .cross_model_head import CrossModelInteractionHead  # noqa: E402,F401
from .masked_token_head import MaskedTokenPredHead  # noqa: E402,F401
