"""Server-side state of the Scale emulator: tasks, batches, projects, files, teammates.

Everything here is plain data plus the pure functions that turn it into wire
JSON; the routes live in :mod:`._app` and :mod:`._resources`.
Times are simulated seconds (the emulator's ``clock``) and become ISO-8601
strings through :class:`Timeline`.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..._emulator import HTTPError

__all__ = [
    "LEGACY_TYPES",
    "MODES",
    "TASK_TYPES",
    "TOP_LEVEL_FIELDS",
    "Account",
    "StoredBatch",
    "StoredFile",
    "StoredProject",
    "StoredTask",
    "Timeline",
    "batch_json",
    "project_json",
    "task_json",
]

#: Task types of the 2.x SDK (the ``POST /v1/task/<type>`` path segment), plus
#: ``audiotranscription`` and ``phonecall`` of the seed-era SDKs.
TASK_TYPES: tuple[str, ...] = (
    "annotation",
    "audiotranscription",
    "categorization",
    "chat",
    "chatexperimental",
    "chatlite",
    "comparison",
    "cuboidannotation",
    "datacollection",
    "documentmodel",
    "documenttranscription",
    "federal2dvideoannotation",
    "imageannotation",
    "laneannotation",
    "lidarannotation",
    "lidarlinking",
    "lidarsegmentation",
    "lidartopdown",
    "lineannotation",
    "multichat",
    "multistage",
    "namedentityrecognition",
    "phonecall",
    "pointannotation",
    "polygonannotation",
    "segmentannotation",
    "sensorfusion",
    "textcollection",
    "transcription",
    "videoannotation",
    "videoboxannotation",
    "videocuboidannotation",
    "videoplaybackannotation",
)
#: Old endpoint names (SDK 0.1 to 0.2.11) → the type they create.
LEGACY_TYPES: Mapping[str, str] = {"categorize": "categorization"}
#: Create-body fields kept at the top level of a task; everything else goes to ``params``.
TOP_LEVEL_FIELDS = (
    "callback_url",
    "instruction",
    "urgency",
    "metadata",
    "unique_id",
    "tags",
    "project",
    "batch",
)
MODES = ("live", "test")
REVIEW_STATUSES = ("accepted", "fixed", "commented", "rejected", "pending")
FINISHED = ("completed", "error", "canceled")

_COLONLESS_OFFSET = re.compile(r"[+-]\d{4}$")


class Timeline:
    """Maps simulated seconds to wall-clock datetimes from a fixed ``epoch``."""

    def __init__(self, epoch: datetime.datetime) -> None:
        if epoch.tzinfo is None:
            raise ValueError("the epoch must be timezone-aware")
        self.epoch = epoch.astimezone(datetime.timezone.utc)

    def iso(self, seconds: float) -> str:
        """``2024-05-01T12:00:00.000Z`` for ``seconds`` after the epoch."""
        moment = self.epoch + datetime.timedelta(seconds=seconds)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def seconds(self, name: str, text: str) -> float:
        """Parse an ISO-8601 query value (``Z``, offsets, space separator; naive = UTC)."""
        value = text.strip()
        if value.endswith(("Z", "z")):
            value = value[:-1] + "+00:00"
        elif _COLONLESS_OFFSET.search(value):
            # ``+0900`` (what the official client sends); fromisoformat needs 3.11 for it.
            value = value[:-2] + ":" + value[-2:]
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise HTTPError(400, f"{name} must be an ISO-8601 date, got {text!r}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        return (moment - self.epoch).total_seconds()


@attrs.define(eq=False)
class StoredTask:
    """A task as created; its status follows the simulated clock.

    It waits (``start_at`` is ``None``) while its batch is in staging, then
    ends ``outcome`` at ``start_at + duration`` unless canceled before.
    """

    id: str
    seq: int
    type: str
    mode: str
    params: dict[str, Any]
    created_at: float
    duration: float
    start_at: float | None
    outcome: str = "completed"
    instruction: str | None = None
    urgency: str | None = None
    callback_url: str | None = None
    metadata: dict[str, Any] = attrs.Factory(dict)
    unique_id: str | None = None
    tags: list[str] = attrs.Factory(list)
    project: str | None = None
    batch: str | None = None
    updated_at: float = 0.0
    canceled_at: float | None = None
    audits: list[dict[str, Any]] = attrs.Factory(list)
    review_status: str | None = None
    callback_succeeded: bool | None = None
    response: dict[str, Any] | None = None

    @property
    def finish_at(self) -> float:
        """Simulated time at which the task is done (``inf`` while it waits)."""
        return math.inf if self.start_at is None else self.start_at + self.duration

    def status(self, now: float) -> str:
        """``pending``, ``completed``, ``error`` or ``canceled`` at simulated time ``now``."""
        if self.canceled_at is not None:
            return "canceled"
        return self.outcome if now >= self.finish_at else "pending"

    def touch(self, now: float) -> None:
        """Record a change made at ``now``."""
        self.updated_at = max(self.updated_at, now)

    def last_update(self, now: float) -> float:
        """When the task last changed, counting its completion."""
        if self.status(now) in ("completed", "error"):
            return max(self.updated_at, self.finish_at)
        return self.updated_at


@attrs.define(eq=False)
class StoredBatch:
    """A batch: ``staging`` until finalized, then ``in_progress`` until its tasks are done."""

    name: str
    project: str
    created_at: float
    callback: str = ""
    calibration_batch: bool = False
    self_label_batch: bool = False
    metadata: dict[str, Any] = attrs.Factory(dict)
    finalized_at: float | None = None
    task_ids: list[str] = attrs.Factory(list)
    callback_delivered: bool = False


@attrs.define(eq=False)
class StoredProject:
    """A project and the history of its parameters (the last entry is current)."""

    name: str
    type: str
    created_at: float
    param_history: list[dict[str, Any]] = attrs.Factory(list)
    rapid: bool = False
    studio: bool = False
    dataset_id: str | None = None

    @property
    def params(self) -> dict[str, Any]:
        """The current parameters, without the version bookkeeping."""
        current = dict(self.param_history[-1]) if self.param_history else {}
        current.pop("version", None)
        current.pop("created_at", None)
        return current


@attrs.define(eq=False)
class StoredFile:
    """An uploaded or imported file (metadata only; the bytes are not kept)."""

    id: str
    created_at: float
    mime_type: str | None
    size: int | None
    project_names: list[str]
    filename: str | None = None
    sha256: str | None = None
    file_url: str | None = None
    fields: dict[str, str] = attrs.Factory(dict)


@attrs.define(eq=False)
class Account:
    """Everything one mode (``live`` or ``test``) owns; the two never see each other."""

    mode: str
    task_ids: list[str] = attrs.Factory(list)
    unique_ids: dict[str, str] = attrs.Factory(dict)
    batches: dict[str, StoredBatch] = attrs.Factory(dict)
    projects: dict[str, StoredProject] = attrs.Factory(dict)
    files: dict[str, StoredFile] = attrs.Factory(dict)
    teammates: dict[str, dict[str, Any]] = attrs.Factory(dict)


def task_json(
    task: StoredTask, now: float, timeline: Timeline, *, attachment_url: bool = False
) -> dict[str, Any]:
    """The task object as ``GET /v1/task/<id>`` returns it."""
    status = task.status(now)
    record: dict[str, Any] = {
        "task_id": task.id,
        "created_at": timeline.iso(task.created_at),
        "updated_at": timeline.iso(task.last_update(now)),
        "type": task.type,
        "status": status,
        "instruction": task.instruction,
        "params": dict(task.params),
        "callback_url": task.callback_url,
        "metadata": dict(task.metadata),
        "tags": list(task.tags),
        "is_test": task.mode == "test",
        "audits": [dict(audit) for audit in task.audits],
        "work_started": task.start_at is not None and now >= task.start_at,
    }
    optional = {
        "urgency": task.urgency,
        "unique_id": task.unique_id,
        "project": task.project,
        "batch": task.batch,
        "customer_review_status": task.review_status,
        "callback_succeeded": task.callback_succeeded,
    }
    record.update({key: value for key, value in optional.items() if value is not None})
    if status in ("completed", "error"):
        record["completed_at"] = timeline.iso(task.finish_at)
    if status == "completed" and task.response is not None:
        record["response"] = task.response
    if status == "error":
        record["error"] = "the task could not be completed (emulated error)"
    if attachment_url and "attachment" in task.params:
        record["attachmentS3Downloads"] = [
            {"s3URL": f"https://emulator.invalid/presigned/{task.id}", "originalUrl": None}
        ]
    return record


def limited_task_json(task: StoredTask, now: float) -> dict[str, Any]:
    """The reduced task object of ``limited_response=true`` listings."""
    return {
        "task_id": task.id,
        "status": task.status(now),
        "metadata": dict(task.metadata),
        "project": task.project,
        "otherVersion": None,
    }


def batch_status(batch: StoredBatch, tasks: Iterable[StoredTask], now: float) -> str:
    """``staging``, ``in_progress`` or ``completed`` (every task finished, at least one)."""
    if batch.finalized_at is None:
        return "staging"
    statuses = [task.status(now) for task in tasks]
    if statuses and all(status in FINISHED for status in statuses):
        return "completed"
    return "in_progress"


def batch_completed_at(tasks: Iterable[StoredTask]) -> float:
    """When the last task of a completed batch finished (or was canceled)."""
    return max(
        (task.canceled_at if task.canceled_at is not None else task.finish_at) for task in tasks
    )


def batch_json(
    batch: StoredBatch, tasks: list[StoredTask], now: float, timeline: Timeline
) -> dict[str, Any]:
    """The batch object of ``GET /v1/batches/<name>``."""
    status = batch_status(batch, tasks, now)
    record: dict[str, Any] = {
        "name": batch.name,
        "project": batch.project,
        "status": status,
        "created_at": timeline.iso(batch.created_at),
        "callback": batch.callback,
        "calibration_batch": batch.calibration_batch,
        "self_label_batch": batch.self_label_batch,
        "metadata": dict(batch.metadata),
    }
    if status == "completed":
        record["completed_at"] = timeline.iso(batch_completed_at(tasks))
    return record


def project_json(project: StoredProject, timeline: Timeline) -> dict[str, Any]:
    """The project object of ``GET /v1/projects/<name>``."""
    return {
        "name": project.name,
        "type": project.type,
        "created_at": timeline.iso(project.created_at),
        "param_history": [dict(entry) for entry in project.param_history],
        "rapid": project.rapid,
        "studio": project.studio,
        "datasetId": project.dataset_id,
    }


def file_json(stored: StoredFile, account_id: str, timeline: Timeline) -> dict[str, Any]:
    """The file object of ``POST /v1/files/upload`` and ``/v1/files/import``."""
    stamp = timeline.iso(stored.created_at)
    return {
        "id": stored.id,
        "attachment_url": f"scaledata://{account_id}/{stored.id}",
        "created_at": stamp,
        "updated_at": stamp,
        "mime_type": stored.mime_type,
        "project_names": list(stored.project_names),
        "size": stored.size,
    }
