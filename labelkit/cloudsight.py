"""CloudSight clients, models and enums: ``from labelkit.cloudsight import ImageJob, JobStatus``.

``APIError`` is labelkit's base of every error the API answers with (typed
status errors, :class:`CloudSightAPIError`, connection errors), so code
written against the official SDK's ``except cloudsight.APIError`` keeps
catching them.
"""

from ._errors import APIError
from ._providers.cloudsight import (
    DEFAULT_POLL,
    REASON_BLURRY,
    REASON_BRIGHT,
    REASON_CLOSE,
    REASON_DARK,
    REASON_OFFENSIVE,
    REASON_UNSURE,
    STATUS_COMPLETED,
    STATUS_NOT_COMPLETED,
    STATUS_NOT_FOUND,
    STATUS_SKIPPED,
    STATUS_TIMEOUT,
    AsyncCloudSight,
    CloudSight,
    CloudSightAPIError,
    ImageJob,
    JobStatus,
    SkipReason,
)

__all__ = [
    "DEFAULT_POLL",
    "REASON_BLURRY",
    "REASON_BRIGHT",
    "REASON_CLOSE",
    "REASON_DARK",
    "REASON_OFFENSIVE",
    "REASON_UNSURE",
    "STATUS_COMPLETED",
    "STATUS_NOT_COMPLETED",
    "STATUS_NOT_FOUND",
    "STATUS_SKIPPED",
    "STATUS_TIMEOUT",
    "APIError",
    "AsyncCloudSight",
    "CloudSight",
    "CloudSightAPIError",
    "ImageJob",
    "JobStatus",
    "SkipReason",
]
