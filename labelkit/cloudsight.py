"""CloudSight clients, models and enums: ``from labelkit.cloudsight import ImageJob, JobStatus``.

``APIError`` is labelkit's base of every error the API answers with (typed
status errors, :class:`CloudSightAPIError`, connection errors), so code
written against the official SDK's ``except cloudsight.APIError`` keeps
catching them.
"""

from ._providers.cloudsight import *  # noqa: F403
from ._providers.cloudsight import __all__ as __all__
