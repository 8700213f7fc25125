"""FastLabel clients and models.

``from labelkit.fastlabel import AsyncFastLabel, FastLabel, ImageTask, Priority``
"""

from ._providers.fastlabel import *  # noqa: F403
from ._providers.fastlabel import __all__ as __all__
