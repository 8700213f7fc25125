"""The Scale emulator (registered as ``'scale'``)."""

from ._app import *  # noqa: F403
from ._app import __all__ as __all__
