"""Datawow k-sequencing clients, models and postback helpers.

``from labelkit.datawow import AsyncDatawow, ChoiceImage, ImageStatus, PostbackReceiver``
"""

from ._providers.datawow import *  # noqa: F403
from ._providers.datawow import __all__ as __all__
