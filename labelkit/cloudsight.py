"""CloudSight clients, models and enums: ``from labelkit.cloudsight import ImageJob, JobStatus``."""

from ._providers.cloudsight import *  # noqa: F403
from ._providers.cloudsight import __all__ as __all__
