from . import fast_decode  # noqa: F401
