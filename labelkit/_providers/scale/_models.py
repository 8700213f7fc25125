"""Scale v1 models: tasks, batches, projects, files, teammates, studio, with exact wire strings.

Every model keeps the fields it does not know in ``extra`` (see
:class:`labelkit._models.Model`), and ``as_dict()`` gives the wire form back,
as the official SDK's objects do. A task's ``response`` (and ``params``) is
kept as sent, because its shape depends on the task type.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable

import attrs

from ..._models import Model, Timestamps, WireEnum, shared_fields_last, structure

M = typing.TypeVar("M", bound=Model)
T = typing.TypeVar("T")


class TaskType(WireEnum):
    """Task types: the value is the ``task/<type>`` path segment (SDK 2.x ``TaskType``).

    The official SDK's CamelCase names (``TaskType.ImageAnnotation``) are aliases.
    """

    ANNOTATION = "annotation"
    CATEGORIZATION = "categorization"
    COMPARISON = "comparison"
    CUBOIDANNOTATION = "cuboidannotation"
    DATACOLLECTION = "datacollection"
    DOCUMENTMODEL = "documentmodel"
    DOCUMENTTRANSCRIPTION = "documenttranscription"
    IMAGEANNOTATION = "imageannotation"
    LANEANNOTATION = "laneannotation"
    LIDARANNOTATION = "lidarannotation"
    LIDARLINKING = "lidarlinking"
    LIDARSEGMENTATION = "lidarsegmentation"
    LIDARTOPDOWN = "lidartopdown"
    LINEANNOTATION = "lineannotation"
    NAMEDENTITYRECOGNITION = "namedentityrecognition"
    POINTANNOTATION = "pointannotation"
    POLYGONANNOTATION = "polygonannotation"
    SEGMENTANNOTATION = "segmentannotation"
    TRANSCRIPTION = "transcription"
    TEXTCOLLECTION = "textcollection"
    VIDEOANNOTATION = "videoannotation"
    VIDEOBOXANNOTATION = "videoboxannotation"
    VIDEOPLAYBACKANNOTATION = "videoplaybackannotation"
    VIDEOCUBOIDANNOTATION = "videocuboidannotation"
    SENSORFUSION = "sensorfusion"
    CHAT = "chat"
    CHATEXPERIMENTAL = "chatexperimental"
    CHATLITE = "chatlite"
    MULTICHAT = "multichat"
    MULTISTAGE = "multistage"
    FEDERAL2DVIDEOANNOTATION = "federal2dvideoannotation"
    # Seed-era types (SDK 0.x / 1.x); the server may have retired them.
    AUDIOTRANSCRIPTION = "audiotranscription"
    PHONECALL = "phonecall"
    # The official SDK's spelling.
    Annotation = "annotation"
    Categorization = "categorization"
    Comparison = "comparison"
    CuboidAnnotation = "cuboidannotation"
    DataCollection = "datacollection"
    DocumentModel = "documentmodel"
    DocumentTranscription = "documenttranscription"
    ImageAnnotation = "imageannotation"
    LaneAnnotation = "laneannotation"
    LidarAnnotation = "lidarannotation"
    LidarLinking = "lidarlinking"
    LidarSegmentation = "lidarsegmentation"
    LidarTopdown = "lidartopdown"  # the SDK 2.x spelling
    LidarTopDown = "lidartopdown"
    LineAnnotation = "lineannotation"
    NamedEntityRecognition = "namedentityrecognition"
    PointAnnotation = "pointannotation"
    PolygonAnnotation = "polygonannotation"
    SegmentAnnotation = "segmentannotation"
    Transcription = "transcription"
    TextCollection = "textcollection"
    VideoAnnotation = "videoannotation"
    VideoBoxAnnotation = "videoboxannotation"
    VideoPlaybackAnnotation = "videoplaybackannotation"
    VideoCuboidAnnotation = "videocuboidannotation"
    SensorFusion = "sensorfusion"
    Chat = "chat"
    ChatExperimental = "chatexperimental"
    ChatLite = "chatlite"
    MultiChat = "multichat"
    MultiStage = "multistage"
    Federal2dVideoAnnotation = "federal2dvideoannotation"


class TaskStatus(WireEnum):
    """A task's status; ``pending`` is the only one that still changes."""

    PENDING = "pending"
    COMPLETED = "completed"
    CANCELED = "canceled"
    ERROR = "error"
    Pending = "pending"
    Completed = "completed"
    Canceled = "canceled"
    Error = "error"

    @property
    def is_terminal(self) -> bool:
        """True for completed, canceled and error (and any status Scale adds later)."""
        return self is not TaskStatus.PENDING


class TaskReviewStatus(WireEnum):
    """Customer review status (``customer_review_status`` / ``review_status=``)."""

    ACCEPTED = "accepted"
    FIXED = "fixed"
    COMMENTED = "commented"
    REJECTED = "rejected"
    PENDING = "pending"
    Accepted = "accepted"
    Fixed = "fixed"
    Commented = "commented"
    Rejected = "rejected"
    Pending = "pending"


class BatchStatus(WireEnum):
    """A batch's status."""

    STAGING = "staging"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    Staging = "staging"
    InProgress = "in_progress"
    Completed = "completed"


class TeamRole(WireEnum):
    """A teammate's role (``team_role`` on the wire)."""

    LABELER = "labeler"
    MEMBER = "member"
    MANAGER = "manager"
    ADMIN = "admin"
    Labeler = "labeler"
    Member = "member"
    Manager = "manager"
    Admin = "admin"


@attrs.define
class Task(Model):
    """A Scale task. ``params`` and ``response`` are kept as sent (their shape depends on
    the type); ``response`` is ``None`` until the task is completed. Timestamps are the
    ISO-8601 strings Scale sends. ``limited_response`` listings fill only ``task_id``,
    ``status``, ``metadata`` and ``project``."""

    task_id: str
    status: typing.Optional[TaskStatus] = None
    type: typing.Optional[TaskType] = None
    project: typing.Optional[str] = None
    batch: typing.Optional[str] = None
    unique_id: typing.Optional[str] = None
    callback_url: typing.Optional[str] = None
    instruction: typing.Optional[str] = None
    urgency: typing.Optional[str] = None
    created_at: typing.Optional[str] = None
    updated_at: typing.Optional[str] = None
    completed_at: typing.Optional[str] = None
    callback_succeeded: typing.Optional[bool] = None
    is_test: typing.Optional[bool] = None
    params: dict[str, typing.Any] = attrs.Factory(dict)
    metadata: dict[str, typing.Any] = attrs.Factory(dict)
    tags: list[str] = attrs.Factory(list)
    response: typing.Any = None

    @property
    def id(self) -> str:
        """The task id (the seed-era SDK's ``task.id``)."""
        return self.task_id

    def __getattr__(self, name: str) -> typing.Any:
        # Only reached for a name that is not a field: like the official Task, any other
        # key of the task's JSON reads as an attribute (task.audits, task.work_started).
        if not name.startswith("_"):
            extra = object.__getattribute__(self, "extra")
            if name in extra:
                return extra[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def done(self) -> bool:
        """True once the task is completed, canceled or errored."""
        return self.status is not None and self.status.is_terminal


@attrs.define
class Batch(Model):
    """A batch of tasks inside a project (``name`` is its key)."""

    name: str
    project: typing.Optional[str] = None
    status: typing.Optional[BatchStatus] = None
    callback: typing.Optional[str] = None
    created_at: typing.Optional[str] = None
    metadata: dict[str, typing.Any] = attrs.Factory(dict)


@attrs.define
class BatchStatusReport(Model):
    """``batch_status()``: the batch's status and its task counts (missing counts are 0)."""

    status: typing.Optional[BatchStatus] = None
    pending: int = 0
    completed: int = 0
    error: int = 0
    canceled: int = 0


@attrs.define
class Project(Model):
    """A project; ``params`` are its current parameters (the last ``param_history`` entry)."""

    name: str
    type: typing.Optional[TaskType] = None
    param_history: list[dict[str, typing.Any]] = attrs.Factory(list)
    created_at: typing.Optional[str] = None

    @property
    def params(self) -> dict[str, typing.Any]:
        """The current parameter version (``{}`` when the project has none)."""
        return self.param_history[-1] if self.param_history else {}

    @property
    def version(self) -> typing.Optional[int]:
        """The current parameter version's number (the official SDK's ``project.version``)."""
        version = self.params.get("version")
        return version if isinstance(version, int) else None

    @property
    def instruction(self) -> typing.Optional[str]:
        """The current parameters' ``instruction`` (the official ``project.instruction``)."""
        instruction = self.params.get("instruction")
        return instruction if isinstance(instruction, str) else None


@attrs.define
class TaskTemplate(Model):
    """A project's task template (Chat / TextCollection projects)."""

    id: str
    version: typing.Optional[int] = None
    created_at: typing.Optional[str] = None
    updated_at: typing.Optional[str] = None
    template_variables: typing.Any = None
    response_schema: typing.Any = None
    auto_onboard_enabled: typing.Optional[bool] = None

    # The official SDK's TaskTemplate accessors.
    def get_template_variables(self) -> typing.Any:
        """``template_variables``."""
        return self.template_variables

    def is_auto_onboardable(self) -> bool:
        """Whether the project is auto-onboardable (``auto_onboard_enabled``; false if absent)."""
        return self.auto_onboard_enabled is True

    def get_response_schema(self) -> typing.Any:
        """``response_schema`` (``None`` unless enabled for the account)."""
        return self.response_schema


@attrs.define(field_transformer=shared_fields_last)
class File(Timestamps):
    """An uploaded or imported file; pass ``attachment_url`` (``scaledata://...``) to tasks."""

    id: str
    attachment_url: typing.Optional[str] = None
    mime_type: typing.Optional[str] = None
    size: typing.Optional[int] = None
    project_names: list[str] = attrs.Factory(list)


@attrs.define
class TeamMember(Model):
    """A teammate (``list_teammates``, ``invite_teammates``, ``update_teammates_role``)."""

    __wire_case__: typing.ClassVar[str] = "camel"

    email: str
    role: typing.Optional[TeamRole] = None
    company: typing.Optional[str] = None
    first_name: typing.Optional[str] = None
    last_name: typing.Optional[str] = None
    is_studio_labeler: typing.Optional[bool] = None
    expiry: typing.Any = None


@attrs.define
class _StudioEntity(Model):
    """A Studio object: camelCase on the wire, ``id`` and ``name`` first."""

    __wire_case__: typing.ClassVar[str] = "camel"

    id: str
    name: str


@attrs.define
class StudioProjectGroup(_StudioEntity):
    """A Studio project group; ``workers`` are ``{id, email}`` records as sent."""

    num_workers: typing.Optional[int] = None
    is_singleton: typing.Optional[bool] = None
    workers: list[dict[str, typing.Any]] = attrs.Factory(list)


@attrs.define
class StudioBatch(_StudioEntity):
    """A Studio batch with its progress and assigned groups."""

    project_id: typing.Optional[str] = None
    project_name: typing.Optional[str] = None
    batch_type: typing.Optional[str] = None
    studio_priority: typing.Optional[int] = None
    total: typing.Optional[int] = None
    completed: typing.Optional[int] = None
    groups: list[typing.Any] = attrs.Factory(list)


@attrs.define
class QualityTask(Model):
    """An evaluation or training task of a Rapid project (responses kept as sent)."""

    id: str
    expected_response: typing.Any = None
    initial_response: typing.Any = None


class _Listing(list[T]):
    """A list of one page, with the envelope's paging fields as attributes."""

    def __init__(
        self,
        items: Iterable[T] = (),
        *,
        total: typing.Optional[int] = None,
        limit: typing.Optional[int] = None,
        offset: typing.Optional[int] = None,
        has_more: bool = False,
        next_token: typing.Optional[str] = None,
    ) -> None:
        super().__init__(items)
        self.total = total
        self.limit = limit
        self.offset = offset
        self.has_more = has_more
        self.next_token = next_token

    @property
    def docs(self) -> list[T]:
        """The page's items as a plain list (the official ``Tasklist.docs``)."""
        return list(self)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({len(self)} items, total={self.total}, "
            f"has_more={self.has_more}, next_token={self.next_token!r})"
        )


class StudioLabelerAssignment(list[str]):
    """One teammate's Studio assignment: the list of their project names, with the
    official SDK's ``email``, ``assigned_projects`` and ``as_dict()``."""

    def __init__(self, projects: Iterable[str] = (), *, email: str = "") -> None:
        super().__init__(projects)
        self.email = email

    @property
    def assigned_projects(self) -> list[str]:
        """The project names (the list itself, as a plain list)."""
        return list(self)

    def as_dict(self) -> list[str]:
        """The wire form: the list of project names."""
        return list(self)


class Tasklist(_Listing[Task]):
    """One page of ``tasks()``: a list of :class:`Task` with ``total``, ``limit``,
    ``offset``, ``has_more`` and ``next_token`` (pass it back for the next page)."""


class Batchlist(_Listing[Batch]):
    """One page of ``batches()``: a list of :class:`Batch`; ``total`` is the envelope's
    ``totalDocs``."""


def parse(raw: object, cls: type[M]) -> M:
    """Structure ``raw`` into ``cls``; ``null`` for a list / dict field means empty."""
    if isinstance(raw, dict):
        defaults = {
            f.name
            for f in attrs.fields(cls)
            if isinstance(f.default, attrs.Factory)  # type: ignore[arg-type]
        }
        raw = {k: v for k, v in raw.items() if not (v is None and k in defaults)}
    return structure(raw, cls)
