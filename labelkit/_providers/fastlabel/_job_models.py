"""FastLabel models of model jobs: training, evaluation, auto-annotation, endpoints.

Unknown fields are kept in ``extra``; ``raw`` gives the object as received.
"""

from __future__ import annotations

import typing

import attrs

from ..._models import shared_fields_last, wire
from ..._poll import JobState
from .tasks._models import FastLabelModel

__all__ = [
    "AutoAnnotationJob",
    "CustomModel",
    "EndpointResult",
    "EvaluationJob",
    "TrainingJob",
    "job_state",
]


_SUCCEEDED = frozenset({"completed", "succeeded", "success", "done"})
_FAILED = frozenset({"failed", "failure", "error", "canceled", "cancelled", "aborted", "stopped"})


def job_state(status: str | None) -> JobState:
    """How a job ``status`` string reads for the poller (unknown values: still running)."""
    value = (status or "").lower()
    if value in _SUCCEEDED:
        return JobState.SUCCEEDED
    if value in _FAILED:
        return JobState.FAILED
    return JobState.PENDING


@attrs.define
class CustomModel(FastLabelModel):
    """The model a finished training job produced (empty strings while running)."""

    model_id: typing.Optional[str] = None
    model_name: typing.Optional[str] = None
    model_url: typing.Optional[str] = wire("modelURL", default=None)
    classes: list[str] = attrs.field(factory=list)


@attrs.define
class TrainingJob(FastLabelModel):
    """A training job; ``status`` is ``in_progress`` until ``completed`` (or ``failed``)."""

    training_job_id: str
    status: typing.Optional[str] = None
    base_model_name: typing.Optional[str] = None
    instance_type: typing.Optional[str] = None
    epoch: typing.Optional[int] = None
    projects: list[str] = attrs.field(factory=list)
    statuses: list[str] = attrs.field(factory=list)
    tags: list[str] = attrs.field(factory=list)
    content_count: typing.Optional[int] = None
    user_name: typing.Optional[str] = None
    user_email: typing.Optional[str] = None
    created_at: typing.Optional[str] = None
    completed_at: typing.Optional[str] = None
    custom_model: typing.Optional[CustomModel] = None

    @property
    def id(self) -> str:
        """The job id (``trainingJobId`` on the wire)."""
        return self.training_job_id


@attrs.define(kw_only=True)
class _JobRecord(FastLabelModel):
    """Field group of evaluation and auto-annotation jobs: who started one, and when."""

    user_name: typing.Optional[str] = None
    completed_at: typing.Optional[str] = None
    created_at: typing.Optional[str] = None
    updated_at: typing.Optional[str] = None


@attrs.define
class _Job(_JobRecord):
    """An evaluation or auto-annotation job: its ``id`` and ``status`` lead, its record ends it."""

    id: str
    status: typing.Optional[str] = None


@attrs.define(field_transformer=shared_fields_last)
class EvaluationJob(_Job):
    """An evaluation job with its metrics (``m_ap`` is ``mAP`` on the wire)."""

    version: typing.Optional[int] = None
    model_type: typing.Optional[str] = None
    model_name: typing.Optional[str] = None
    custom_model_id: typing.Optional[str] = None
    iou_threshold: typing.Optional[float] = None
    confidence_threshold: typing.Optional[float] = None
    content_count: typing.Optional[int] = None
    gt_count: typing.Optional[int] = None
    pred_count: typing.Optional[int] = None
    m_ap: typing.Optional[float] = wire("mAP", default=None)
    recall: typing.Optional[float] = None
    precision: typing.Optional[float] = None
    f1: typing.Optional[float] = None
    confusion_matrix: typing.Any = None
    duration: typing.Optional[float] = None
    evaluation_source: typing.Optional[str] = None
    dataset_id: typing.Optional[str] = None
    dataset_revision_id: typing.Optional[str] = None
    use_dataset_test: typing.Optional[bool] = None


@attrs.define(field_transformer=shared_fields_last)
class AutoAnnotationJob(_Job):
    """An auto-annotation job of a project (``msg_code`` explains a failure)."""

    model_name: typing.Optional[str] = None
    auto_annotation_type: typing.Optional[str] = None
    content_count: typing.Optional[int] = None
    task_annotation_count: typing.Optional[int] = None
    audio_seconds: typing.Optional[float] = None
    duration: typing.Optional[float] = None
    msg_code: typing.Optional[str] = None
    version: typing.Optional[int] = None


@attrs.define
class EndpointResult(FastLabelModel):
    """What ``execute_endpoint`` answers: the inference ``json`` and a result image.

    ``file`` is base64, possibly with a ``data:...;base64,`` prefix.
    """

    json: typing.Any = None
    file: typing.Optional[str] = None
