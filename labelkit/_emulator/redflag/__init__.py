"""The RedFlag emulator (registered as ``'redflag'``)."""

from ._app import *  # noqa: F403
from ._app import __all__ as __all__
