from . import algorithms, backbones, heads, maskers, teachers  # noqa: F401
