from . import asr_transcript  # noqa: F401
from . import ava  # noqa: F401 (SafeAVADataset)
from . import guarded  # noqa: F401 (GuardedDataset, ResumableSampler)
from . import prepared_dataset  # noqa: F401
from . import transforms  # noqa: F401
from . import video_language  # noqa: F401
from . import caption_dataset, retrieval_dataset  # noqa: F401
