from ._base import DEFAULT_POLL, new_unique_id
from ._callbacks import Callback, CallbackReceiver, CallbackVerifier, parse_callback
from ._client import DEFAULT_RETRY, AsyncScale
from ._errors import NotEnabledError
from ._models import (
    Batch,
    Batchlist,
    BatchStatus,
    BatchStatusReport,
    File,
    Project,
    QualityTask,
    StudioBatch,
    StudioProjectGroup,
    Task,
    Tasklist,
    TaskReviewStatus,
    TaskStatus,
    TaskTemplate,
    TaskType,
    TeamMember,
    TeamRole,
)
from ._sync import Scale

__all__ = [
    "DEFAULT_POLL",
    "DEFAULT_RETRY",
    "AsyncScale",
    "Batch",
    "BatchStatus",
    "BatchStatusReport",
    "Batchlist",
    "Callback",
    "CallbackReceiver",
    "CallbackVerifier",
    "File",
    "NotEnabledError",
    "Project",
    "QualityTask",
    "Scale",
    "StudioBatch",
    "StudioProjectGroup",
    "Task",
    "TaskReviewStatus",
    "TaskStatus",
    "TaskTemplate",
    "TaskType",
    "Tasklist",
    "TeamMember",
    "TeamRole",
    "new_unique_id",
    "parse_callback",
]
