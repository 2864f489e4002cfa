from . import retrieval_metric  # noqa: F401
