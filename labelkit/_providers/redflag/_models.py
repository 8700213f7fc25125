"""RedFlag models: the operation object and its parts, with the exact wire strings."""

from __future__ import annotations

import typing

import attrs

from ..._models import Model, WireEnum


class OperationStatus(WireEnum):
    """Where an operation is in its life; ``DONE``, ``FAILED`` and ``INVALID`` are final."""

    READY = "ready"
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INVALID = "invalid"

    @property
    def is_terminal(self) -> bool:
        return self in (OperationStatus.DONE, OperationStatus.FAILED, OperationStatus.INVALID)


class ContentType(WireEnum):
    """``text`` entries, or ``file`` contents (uploaded file ids or public S3 URLs)."""

    TEXT = "text"
    FILE = "file"


class AnalysisType(WireEnum):
    """The eleven analyses RedFlag runs."""

    SENTIMENT_SIMPLE = "sentiment-simple"
    SENTIMENT_REAL = "sentiment-real"
    TOPIC = "topic"
    SPAM_DETECTION = "spam-detection"
    PERSONALITY_MB = "personality-mb"
    INTENTION = "intention"
    FACE_ID = "face-id"
    OBJECT_ID = "object-id"
    ACTIVITY_ID = "activity-id"
    LOGO_ID = "logo-id"
    CAPTION = "caption"


ANALYSIS_TYPES: frozenset[str] = frozenset(a.value for a in AnalysisType)


class Dimension(WireEnum):
    TEXTUAL = "textual"
    AUDIAL = "audial"
    VISUAL_IMAGE = "visual-image"
    VISUAL_GIF = "visual-gif"
    VISUAL_VIDEO = "visual-video"


@attrs.define
class OperationQuery(Model):
    """The request as the server echoes it back."""

    type: ContentType
    analyses: list[AnalysisType]
    contents: list[typing.Union[str, int]]
    contents_groups: typing.Optional[list[str]] = None


@attrs.define
class AnalysisResult(Model):
    """One analysis of one content.

    ``data`` is kept as the server sent it because its shape depends on
    ``type``: ``{"value", "prob"}`` for sentiment and spam detection,
    ``[{"value", "sub_type", "topic_type"}]`` for topic,
    ``{"prob1", "prob2", "prob3", "value"}`` for intention,
    ``[{"value", "prob"}]`` for the ``*-id`` analyses.
    """

    type: AnalysisType
    data: typing.Any = None
    source: typing.Optional[str] = None
    dimension: typing.Optional[Dimension] = None
    group_index: typing.Optional[int] = None

    @property
    def label(self) -> str | None:
        """``data["value"]`` for object-shaped results (sentiment, spam, intention)."""
        if isinstance(self.data, dict) and isinstance(self.data.get("value"), str):
            return str(self.data["value"])
        return None

    @property
    def probability(self) -> float | None:
        """``data["prob"]`` for object-shaped results (documented as in (0.0, 1.0))."""
        if isinstance(self.data, dict) and isinstance(self.data.get("prob"), (int, float)):
            return float(self.data["prob"])
        return None


@attrs.define
class Content(Model):
    """One analysed content with its results."""

    type: ContentType
    content: typing.Union[str, int]
    analyses: list[AnalysisResult] = attrs.Factory(list)
    dimensions: list[Dimension] = attrs.Factory(list)
    analysis_types: list[AnalysisType] = attrs.Factory(list)


@attrs.define
class OperationData(Model):
    contents_count: int
    contents: list[Content] = attrs.Factory(list)


@attrs.define
class Operation(Model):
    """An operation. The wire object has no id; labelkit fills ``id`` from the request."""

    status: OperationStatus
    query: typing.Optional[OperationQuery] = None
    data: typing.Optional[OperationData] = None
    id: typing.Optional[int] = None
