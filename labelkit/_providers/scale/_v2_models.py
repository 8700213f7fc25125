"""Scale v2 ("GenAI") models: the entities the v2 API returns and the request values it takes.

Entities derive from :class:`labelkit._models.Model` (typed attributes, the wire
form as a mapping, unknown fields kept in ``extra``). A reference that the API
sends either as an id or, when expanded (``expand=["project"]``), as the whole
object (a task's ``project`` and ``batch``, a delivery's ``project``) is kept
as sent; ``project_id`` / ``batch_id`` read the id out of either form.

The request values (:class:`CreateBatchRequest` ...) stand in for the official
client's request models: build one, or pass the same fields as a plain dict.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping

import attrs

from ..._errors import ValidationError
from ..._models import Model, WireEnum, shared_fields_last


class V2TaskStatus(WireEnum):
    """A v2 task's status."""

    PENDING = "pending"
    COMPLETED = "completed"
    CANCELED = "canceled"
    ERROR = "error"
    DELETED = "deleted"


class V2BatchStatus(WireEnum):
    """A v2 batch's status (``cancelled`` with two l, unlike a task's ``canceled``)."""

    STAGING = "staging"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    PAUSED = "paused"
    CANCELLED = "cancelled"


def _ref_id(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        ref = value.get("id")
        return ref if isinstance(ref, str) else None
    return None


@attrs.define
class _Named(Model):
    """An entity with an ``id`` and (almost always) a ``name``, first on the wire."""

    id: str
    name: typing.Optional[str] = None


@attrs.define
class V2Project(_Named):
    """A project: ``id``, ``name``, ``created_at``; ``types`` and ``models`` as sent."""

    created_at: typing.Optional[str] = None
    types: typing.Any = None
    models: typing.Any = None


@attrs.define
class V2Batch(_Named):
    """A batch. ``project`` is the project id, or the project object when expanded."""

    project: typing.Any = None
    created_at: typing.Optional[str] = None
    completed_at: typing.Optional[str] = None
    status: typing.Optional[V2BatchStatus] = None
    callback: typing.Optional[str] = None
    metadata: typing.Any = None

    @property
    def project_id(self) -> str | None:
        """The project's id, whether ``project`` was expanded or not."""
        return _ref_id(self.project)


@attrs.define
class V2Task(Model):
    """A task. ``project`` / ``batch`` are ids, or objects when expanded; ``threads``
    (turns, messages, annotations), ``errors`` and ``sensitive_content_reports`` are kept
    as sent."""

    task_id: str
    project: typing.Any = None
    batch: typing.Any = None
    status: typing.Optional[V2TaskStatus] = None
    created_at: typing.Optional[str] = None
    completed_at: typing.Optional[str] = None
    metadata: typing.Any = None
    threads: typing.Any = None
    errors: typing.Any = None
    sensitive_content_reports: typing.Any = None

    @property
    def project_id(self) -> str | None:
        """The project's id, whether ``project`` was expanded or not."""
        return _ref_id(self.project)

    @property
    def batch_id(self) -> str | None:
        """The batch's id, whether ``batch`` was expanded or not (``None``: no batch)."""
        return _ref_id(self.batch)


@attrs.define
class V2Delivery(_Named):
    """A delivery of tasks. ``project`` is an id, or the project object when expanded."""

    task_count: typing.Optional[int] = None
    delivered_at: typing.Optional[str] = None
    project: typing.Any = None


@attrs.define
class V2DeliveryTask(Model):
    """One entry of ``get_delivery_tasks``: a delivered task and its response."""

    task_id: str
    created_at: typing.Optional[str] = None
    delivery_id: typing.Optional[str] = None
    delivered_at: typing.Optional[str] = None
    response_schema_id: typing.Optional[str] = None
    response: typing.Any = None


@attrs.define
class V2Annotation(Model):
    """An annotation (``type`` is one of ``integer``, ``boolean``, ``text``, ``category`` ...;
    ``value`` is kept as sent, its shape depends on the type)."""

    id: str
    key: typing.Optional[str] = None
    type: typing.Optional[str] = None
    title: typing.Optional[str] = None
    description: typing.Optional[str] = None
    labels: typing.Any = None
    not_applicable: typing.Optional[bool] = None
    cannot_assess: typing.Optional[bool] = None
    metadata: typing.Any = None
    justification: typing.Optional[str] = None
    value: typing.Any = None


@attrs.define
class V2Schema(Model):
    """A response schema: ``id`` and the schema itself (``json``, kept as sent)."""

    id: str
    json: typing.Any = None


@attrs.define
class V2Dataset(_Named):
    """A dataset."""


@attrs.define
class V2DatasetDelivery(_Named):
    """A delivery of a dataset. ``dataset`` is an id, or the dataset object when expanded."""

    delivered_at: typing.Optional[str] = None
    task_count: typing.Optional[int] = None
    dataset: typing.Any = None


@attrs.define
class V2DatasetTask(Model):
    """A dataset task; ``dataset`` and ``delivery`` are ids or (expanded) objects."""

    task_id: str
    dataset: typing.Any = None
    delivery: typing.Any = None
    response: typing.Any = None


# -- response envelopes (the official client's response models) -------------------------


@attrs.define(kw_only=True)
class _Paged(Model):
    """Field group of a paged envelope: ``next_token``, ``None`` on the last page."""

    next_token: typing.Optional[str] = None


@attrs.define(field_transformer=shared_fields_last)
class V2TaskPage(_Paged):
    """``get_tasks``: one page of ``tasks``; ``next_token`` is ``None`` on the last page."""

    tasks: list[V2Task] = attrs.Factory(list)


@attrs.define(field_transformer=shared_fields_last)
class V2BatchPage(_Paged):
    """``get_batches``: one page of ``batches``."""

    batches: list[V2Batch] = attrs.Factory(list)


@attrs.define
class V2BatchOperationResult(Model):
    """``pause_batch`` / ``resume_batch`` / ``cancel_batch``: the batch and a message."""

    batch: typing.Optional[V2Batch] = None
    message: typing.Optional[str] = None


@attrs.define
class V2ProjectList(Model):
    """``get_projects`` (not paged)."""

    projects: list[V2Project] = attrs.Factory(list)


@attrs.define
class V2DeliveryList(Model):
    """``get_deliveries`` (not paged)."""

    deliveries: list[V2Delivery] = attrs.Factory(list)


@attrs.define(field_transformer=shared_fields_last)
class V2DeliveryPage(_Paged):
    """``get_delivery``: the delivery and one page of its ``tasks``."""

    delivery: typing.Optional[V2Delivery] = None
    tasks: list[V2Task] = attrs.Factory(list)


@attrs.define(field_transformer=shared_fields_last)
class V2DeliveryTaskPage(_Paged):
    """``get_delivery_tasks``: one page of ``docs`` with the ``total``."""

    docs: list[V2DeliveryTask] = attrs.Factory(list)
    total: typing.Optional[int] = None


@attrs.define
class V2SchemaResponse(Model):
    """``get_schema``: ``{"schema": {...}}``."""

    schema: typing.Optional[V2Schema] = None


@attrs.define
class V2DatasetList(Model):
    """``get_datasets``."""

    datasets: list[V2Dataset] = attrs.Factory(list)


@attrs.define
class V2DatasetDeliveryList(Model):
    """``get_dataset_deliveries``."""

    deliveries: list[V2DatasetDelivery] = attrs.Factory(list)


@attrs.define(field_transformer=shared_fields_last)
class V2DatasetDeliveryPage(_Paged):
    """``get_dataset_delivery``: the delivery and one page of its ``tasks``."""

    delivery: typing.Optional[V2DatasetDelivery] = None
    tasks: list[V2DatasetTask] = attrs.Factory(list)


@attrs.define(field_transformer=shared_fields_last)
class V2DatasetTaskPage(_Paged):
    """``get_dataset_tasks``: one page of ``tasks``."""

    tasks: list[V2DatasetTask] = attrs.Factory(list)


# -- request values ---------------------------------------------------------------------


_R = typing.TypeVar("_R", bound="_Request")


class _Request:
    """A POST body of the v2 API; ``to_dict()`` is the JSON sent (unset fields left out)."""

    _always_false: typing.ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, typing.Any]:
        """The JSON body: unset (``None``) fields omitted, the flags the SDK always sends
        (``merge``, ``staging_batch``) ``false`` when not given."""
        body = {
            name: value
            for name, value in attrs.asdict(self, recurse=False).items()  # type: ignore[arg-type]
            if value is not None
        }
        for flag in self._always_false:
            body.setdefault(flag, False)
        return body

    @classmethod
    def from_dict(cls: type[_R], data: Mapping[str, typing.Any], *, field: str) -> _R:
        """Build from a plain dict of wire fields; an unknown key is a :class:`ValidationError`."""
        known = {f.name for f in attrs.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(
                field, f"unknown field(s) {', '.join(map(repr, unknown))}", limit=", ".join(known)
            )
        try:
            return cls(**data)
        except TypeError as exc:
            raise ValidationError(field, str(exc)) from None


@attrs.define(kw_only=True)
class CreateBatchRequest(_Request):
    """``create_batch``: ``name`` and the project (``project_id`` or ``project_name``).
    ``staging_batch`` is sent ``false`` when not given, as the official client does."""

    _always_false = ("staging_batch",)

    name: str
    project_id: typing.Optional[str] = None
    project_name: typing.Optional[str] = None
    callback: typing.Optional[str] = None
    staging_batch: typing.Optional[bool] = None
    metadata: typing.Optional[dict[str, typing.Any]] = None


@attrs.define(kw_only=True)
class CreateChatTaskRequest(_Request):
    """``create_chat_task``: where the task goes, its ``template_variables`` and metadata."""

    project_id: typing.Optional[str] = None
    project_name: typing.Optional[str] = None
    batch_id: typing.Optional[str] = None
    batch_name: typing.Optional[str] = None
    template_variables: typing.Optional[dict[str, typing.Any]] = None
    metadata: typing.Optional[dict[str, typing.Any]] = None
    callback_url: typing.Optional[str] = None


@attrs.define(kw_only=True)
class SetTaskMetadataRequest(_Request):
    """``set_task_metadata``: ``merge=True`` deep-merges, else the metadata is replaced
    (``merge`` is sent ``false`` when not given)."""

    _always_false = ("merge",)

    task_id: str
    metadata: dict[str, typing.Any]
    merge: typing.Optional[bool] = None


@attrs.define(kw_only=True)
class SetBatchMetadataRequest(_Request):
    """``set_batch_metadata``: the batch (``batch_id`` or ``batch_name``) and its metadata."""

    _always_false = ("merge",)

    batch_id: typing.Optional[str] = None
    batch_name: typing.Optional[str] = None
    metadata: dict[str, typing.Any]
    merge: typing.Optional[bool] = None


@attrs.define(kw_only=True)
class BatchOperationRequest(_Request):
    """``finalize_batch`` / ``pause_batch`` / ``resume_batch`` / ``cancel_batch``."""

    batch_id: typing.Optional[str] = None
    batch_name: typing.Optional[str] = None
