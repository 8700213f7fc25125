from ..._errors import APIError
from ._client import DEFAULT_POLL, AsyncCloudSight, CloudSightAPIError
from ._models import (
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
    ImageJob,
    JobStatus,
    SkipReason,
)
from ._sync import CloudSight

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
