"""FastLabel response models: the shared base, tasks per type, annotations and import histories.

Every model keeps the fields it does not know in ``extra``; ``model.to_dict()``
(alias ``model.raw``) is the wire dict (camelCase keys) and ``model["key"]``
reads it, so code written against the official SDK's plain dicts keeps working
while it migrates.
"""

from __future__ import annotations

import enum
import typing

import attrs

from ...._models import Model, Timestamps, WireEnum, shared_fields_last

__all__ = [
    "Annotation",
    "AudioTask",
    "ClassificationTask",
    "Content",
    "DicomTask",
    "FastLabelModel",
    "History",
    "HistoryStatus",
    "ImageTask",
    "IntegratedTask",
    "MultiImageClassificationTask",
    "MultiModalVideoAudioTask",
    "PcdTask",
    "Priority",
    "RoboticsTask",
    "SequentialImageTask",
    "SequentialPcdTask",
    "Task",
    "TaskStatus",
    "TextTask",
    "VideoTask",
]

Number = typing.Union[int, float]


@attrs.define
class FastLabelModel(Model):
    """Base of every FastLabel model: camelCase wire names.

    ``model["createdAt"]``, ``model.get("createdAt")`` and ``model.raw`` (the
    same as ``to_dict()``) read the wire form, as with the official SDK's
    plain dicts (see :class:`labelkit._models.Model`).
    """

    __wire_case__: typing.ClassVar[str] = "camel"


class Priority(enum.IntEnum):
    """Task priority; plain ints (0, 10, 20, 30) are accepted too."""

    NONE = 0
    LOW = 10
    MEDIUM = 20
    HIGH = 30


class TaskStatus(WireEnum):
    """A task's ``status`` or ``externalStatus`` (an unknown value is kept as-is).

    A ``str``: ``task.status == "registered"`` holds, ``str()`` is the wire string.
    """

    REGISTERED = "registered"
    PENDING = "pending"
    COMPLETED = "completed"
    SKIPPED = "skipped"
    REVIEWED = "reviewed"
    SENT_BACK = "sent_back"
    APPROVED = "approved"
    DECLINED = "declined"
    CUSTOMER_DECLINED = "customer_declined"


@attrs.define
class Annotation(FastLabelModel):
    """One annotation of a task (bbox, polygon, keypoint, segmentation, cuboid, ...).

    ``points`` keeps its wire shape: a flat list, nested rings for
    segmentation, or a frame-keyed object for video and sequential PCD.
    """

    type: str | None = None
    value: str | None = None
    title: str | None = None
    color: str | None = None
    attributes: list[dict[str, typing.Any]] = attrs.Factory(list)
    points: typing.Any = None
    rotation: Number | None = None
    keypoints: list[dict[str, typing.Any]] = attrs.Factory(list)
    confidence_score: Number | None = None
    content: str | None = None
    id: str | None = None


@attrs.define
class Content(FastLabelModel):
    """One file of a multi-content task (multi-image, sequential image/PCD, DICOM)."""

    name: str | None = None
    url: str | None = None
    width: Number | None = None
    height: Number | None = None


@attrs.define
class Task(FastLabelModel):
    """Fields every task type has; the per-type subclasses add the rest."""

    id: str
    name: str | None = None
    url: str | None = None
    status: TaskStatus | None = None
    external_status: TaskStatus | None = None
    priority: int | None = None
    tags: list[str] = attrs.Factory(list)
    metadatas: list[dict[str, typing.Any]] = attrs.Factory(list)
    assignee: str | None = None
    reviewer: str | None = None
    approver: str | None = None
    external_assignee: str | None = None
    external_reviewer: str | None = None
    external_approver: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


@attrs.define
class _MultiContentTask(Task):
    """A task over several files: its ``contents``, then the ``annotations`` over them."""

    contents: list[Content] = attrs.Factory(list)
    annotations: list[Annotation] = attrs.Factory(list)


@attrs.define
class ImageTask(Task):
    """An image task (bbox, polygon, keypoint, line, segmentation, pose, all)."""

    width: Number | None = None
    height: Number | None = None
    custom_task_status: str | None = None
    annotations: list[Annotation] = attrs.Factory(list)
    relations: list[dict[str, typing.Any]] = attrs.Factory(list)


@attrs.define
class ClassificationTask(Task):
    """A single-content classification task (image, video, text, audio)."""

    width: Number | None = None
    height: Number | None = None
    attributes: list[dict[str, typing.Any]] = attrs.Factory(list)


@attrs.define
class MultiImageClassificationTask(Task):
    """A classification task over several images."""

    contents: list[Content] = attrs.Factory(list)
    attributes: list[dict[str, typing.Any]] = attrs.Factory(list)


@attrs.define
class SequentialImageTask(_MultiContentTask):
    """A task over an ordered series of images."""


@attrs.define
class VideoTask(Task):
    """A video task; annotation points are keyed by 1-based frame number."""

    width: Number | None = None
    height: Number | None = None
    fps: Number | None = None
    frame_count: int | None = None
    duration: Number | None = None
    annotations: list[Annotation] = attrs.Factory(list)


@attrs.define
class TextTask(Task):
    """A text (NER) task; annotations carry ``start``, ``end`` and ``text``."""

    annotations: list[Annotation] = attrs.Factory(list)


@attrs.define
class AudioTask(Task):
    """An audio segmentation task; annotations carry ``start``/``end`` seconds."""

    duration: Number | None = None
    annotations: list[Annotation] = attrs.Factory(list)


@attrs.define
class MultiModalVideoAudioTask(_MultiContentTask):
    """A video + audio task (read-only through the API)."""


@attrs.define
class PcdTask(Task):
    """A point-cloud task (cuboids, segmentation)."""

    annotations: list[Annotation] = attrs.Factory(list)


@attrs.define
class SequentialPcdTask(_MultiContentTask):
    """A task over an ordered series of point clouds."""


@attrs.define
class DicomTask(_MultiContentTask):
    """A DICOM task (created by an asynchronous zip import)."""


@attrs.define
class RoboticsTask(Task):
    """A robotics task (telemetry and camera contents imported separately)."""

    annotations: list[Annotation] = attrs.Factory(list)
    relations: list[dict[str, typing.Any]] = attrs.Factory(list)
    robotics_operator: typing.Any = None


@attrs.define
class IntegratedTask(FastLabelModel):
    """The merged view of the tasks split from one dataset object (alpha API)."""

    name: str | None = None
    annotations: list[Annotation] = attrs.Factory(list)


class HistoryStatus(WireEnum):
    """Status of an import history (unknown values are kept as-is)."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        """Whether the import has ended (successfully or not)."""
        return self is not HistoryStatus.RUNNING and self.value not in ("waiting", "pending")

    @property
    def failed(self) -> bool:
        """Whether the import ended in failure."""
        return self.value in ("failed", "error", "canceled", "cancelled")


@attrs.define(field_transformer=shared_fields_last)
class History(FastLabelModel, Timestamps):
    """An import history (DICOM zip import, S3 import): poll it with ``wait_history``."""

    id: str
    status: HistoryStatus | None = None
    storage_type: str | None = None
    project: typing.Any = None
    msg_code: str | None = None
