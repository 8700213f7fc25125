"""Scale (scaleapi) clients, models and callback helpers.

``from labelkit.scale import AsyncScale, Scale, TaskType, TaskStatus, CallbackReceiver``
"""

from ._providers.scale import *  # noqa: F403
from ._providers.scale import __all__ as __all__
