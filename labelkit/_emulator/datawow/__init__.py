"""The Datawow emulator (registered as ``'datawow'``)."""

from ._app import *  # noqa: F403
from ._app import __all__ as __all__
