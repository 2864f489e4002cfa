from . import fast_decode  # noqa: F401
from . import prepared_decode  # noqa: F401
from . import text  # noqa: F401
from . import trim  # noqa: F401
