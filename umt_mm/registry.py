"""umt_mm registers into mmaction2's registries (``default_scope='mmaction'``).
"""
from mmaction.registry import (DATA_SAMPLERS, DATASETS,  # noqa: F401
                               EVALUATOR, HOOKS, LOOPS, METRICS,
                               MODEL_WRAPPERS, MODELS,
                               OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS,
                               OPTIMIZERS, PARAM_SCHEDULERS, TRANSFORMS,
                               VISBACKENDS, VISUALIZERS, WEIGHT_INITIALIZERS)
