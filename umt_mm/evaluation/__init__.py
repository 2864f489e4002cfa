from . import retrieval_metric  # noqa: F401
from . import video_language_metric  # noqa: F401
