"""FastLabel: model jobs (training, evaluation, auto-annotation), endpoints, monitoring (6.11)."""

from __future__ import annotations

import copy
import datetime
import typing
import warnings
from collections.abc import AsyncIterator, Mapping, Sequence

from typing_extensions import Unpack

from ..._errors import APIError, ValidationError
from ..._models import structure
from ..._poll import WaitOptions
from ..._signatures import with_defaults
from ._area import AreaBase, Listing, not_none, truthy
from ._job_models import AutoAnnotationJob, EndpointResult, EvaluationJob, TrainingJob
from ._job_shapes import JOB_POLL, find_job, get_jobs, iter_jobs, wait_job, wait_job_status
from ._upload import MIB, Base64File, PathInput, inspect_file

__all__ = ["JOB_POLL", "IgnoredArgumentWarning", "ModelJobsMixin"]

_MAX = 1000
_ENDPOINT_MAX_BYTES = 6 * MIB
_TRAININGS = Listing("trainings", TrainingJob, _MAX, _MAX)
_EVALUATIONS = Listing("evaluations", EvaluationJob, _MAX, _MAX)
_AUTO_ANNOTATIONS = Listing("auto-annotations", AutoAnnotationJob, _MAX, _MAX)


class IgnoredArgumentWarning(UserWarning):
    """An argument kept for compatibility with the official SDK has no effect."""


async def _config_file(path: PathInput | None) -> Base64File | None:
    """The training config file, base64-encoded, or ``None`` when not given."""
    if path is None:
        return None
    # The SDK and the API take any file name, of any size.
    checked = await inspect_file(path, field="config_file_path", extensions=None, max_bytes=None)
    return checked.base64("config_file_path")


def _monitoring_results(results: Sequence[Mapping[str, typing.Any]]) -> list[dict[str, typing.Any]]:
    if isinstance(results, (str, bytes, Mapping)) or not isinstance(results, Sequence):
        raise ValidationError("results", "must be a list of result dicts")
    out = []
    for index, item in enumerate(results):
        if not isinstance(item, Mapping):
            raise ValidationError(f"results[{index}]", "must be a dict")
        entry = copy.deepcopy(dict(item))
        if isinstance(entry.get("requestAt"), datetime.datetime):
            entry["requestAt"] = entry["requestAt"].isoformat()
        out.append(entry)
    return out


class ModelJobsMixin(AreaBase):
    """Model jobs: training, evaluation, auto-annotation, endpoints (section 6.11)."""

    get_training_jobs = get_jobs(_TRAININGS, "training", limit=100)
    iter_training_jobs = iter_jobs(_TRAININGS, "training")
    find_training_job = find_job(_TRAININGS, "training")
    wait_training_job = wait_job(_TRAININGS, "training", finished=" (``custom_model`` is then set)")
    get_evaluation_jobs = get_jobs(_EVALUATIONS, "evaluation", limit=1000)
    iter_evaluation_jobs = iter_jobs(_EVALUATIONS, "evaluation")
    find_evaluation_job = find_job(_EVALUATIONS, "evaluation")
    wait_evaluation_job = wait_job(_EVALUATIONS, "evaluation", finished=" with its metrics")

    async def execute_training_job(
        self,
        dataset_name: str,
        base_model_name: str,
        epoch: int,
        dataset_revision_id: str | None = None,
        use_dataset_train_val: bool | None = False,
        instance_type: str | None = "ml.p3.2xlarge",
        batch_size: int | None = None,
        learning_rate: float | None = None,
        resize_option: str | None = None,
        resize_dimension: int | None = None,
        annotation_value: str | None = "",
        config_file_path: PathInput | None = None,
    ) -> TrainingJob:
        """Start training ``base_model_name`` on a dataset; returns the job.

        ``resize_option`` is e.g. ``fixed`` or ``none``, ``resize_dimension``
        e.g. 512 or 1024 (the server judges both); keypoint models need
        ``annotation_value``. ``config_file_path``
        is a YAML training config, sent base64-encoded. ``epoch`` is sent as
        given, as the SDK does (the server judges it). Wait with
        :meth:`wait_training_job`.
        """
        config_file = await _config_file(config_file_path)
        body = {
            "datasetName": dataset_name,
            "baseModelName": base_model_name,
            "epoch": epoch,
            # As the SDK: None values are removed from the body.
            **not_none(
                useDatasetTrainVal=use_dataset_train_val,
                instanceType=instance_type,
                datasetRevisionId=dataset_revision_id,
                batchSize=batch_size,
                learningRate=learning_rate,
                resizeOption=resize_option,
                resizeDimension=resize_dimension,
                configFile=config_file,
            ),
            **truthy(annotationValue=annotation_value),
        }
        return await self._post_model("trainings", body, TrainingJob)

    async def execute_evaluation_job(
        self,
        dataset_name: str,
        model_name: str,
        iou_threshold: float | None = 0.5,
        confidence_threshold: float | None = 0.4,
        dataset_revision_id: str | None = None,
        use_dataset_test: bool | None = False,
        instance_type: str | None = None,
        batch_size: int | None = None,
        learning_rate: float | None = None,
    ) -> EvaluationJob:
        """Evaluate a built-in or custom model on a dataset; returns the job.

        ``instance_type``, ``batch_size`` and ``learning_rate`` exist for
        compatibility only: the API takes no such evaluation settings (the
        official SDK accepts and silently drops them). Passing one emits an
        :class:`IgnoredArgumentWarning` and it is not sent.
        """
        ignored = not_none(
            instance_type=instance_type, batch_size=batch_size, learning_rate=learning_rate
        )
        if ignored:
            warnings.warn(
                f"execute_evaluation_job ignores {', '.join(ignored)}: "
                "the FastLabel evaluation API has no such setting",
                IgnoredArgumentWarning,
                stacklevel=2,
            )
        body = {
            "modelName": model_name,
            "datasetName": dataset_name,
            "iouThreshold": iou_threshold,
            "confidenceThreshold": confidence_threshold,
            "useDatasetTest": use_dataset_test,
            **not_none(datasetRevisionId=dataset_revision_id),
        }
        return await self._post_model("evaluations", body, EvaluationJob)

    async def get_auto_annotation_jobs(
        self, project: str, offset: int | None = None, limit: int | None = 1000
    ) -> list[AutoAnnotationJob]:
        """One page of a project's auto-annotation jobs (at most 1,000).

        See :meth:`iter_auto_annotation_jobs`.
        """
        self._require_project(project)
        return await self._page(_AUTO_ANNOTATIONS, {"project": project}, offset, limit)

    def iter_auto_annotation_jobs(self, project: str) -> AsyncIterator[AutoAnnotationJob]:
        """Every auto-annotation job of a project, fetched lazily 1,000 at a time."""
        self._require_project(project)
        return self._every(_AUTO_ANNOTATIONS, {"project": project})

    async def execute_auto_annotation_job(
        self,
        project: str,
        model_name: str,
        algorithm_type: str | None = None,
        update_existing: bool | None = False,
        confidence_threshold: float | None = 0.4,
        use_tta: bool | None = False,
        use_flip: bool | None = False,
        processing_speed: str | None = "low",
        auto_creation: bool | None = True,
    ) -> AutoAnnotationJob:
        """Run a model over a project's tasks to pre-annotate them; returns the job.

        ``algorithm_type`` is ``object_detection``, ``ocr`` or
        ``image_classification``; ``processing_speed`` ``low``, ``medium`` or
        ``high``. Wait with :meth:`wait_auto_annotation_job`.
        """
        self._require_project(project)
        # As the SDK: None values are removed from the body.
        body = not_none(
            project=project,
            modelName=model_name,
            updateExisting=update_existing,
            confidenceThreshold=confidence_threshold,
            useTTA=use_tta,
            useFlip=use_flip,
            processingSpeed=processing_speed,
            autoCreation=auto_creation,
            algorithmType=algorithm_type,
        )
        return await self._post_model("auto-annotations", body, AutoAnnotationJob)

    async def wait_auto_annotation_job(
        self, project: str, job_id: str, **wait: Unpack[WaitOptions]
    ) -> AutoAnnotationJob:
        """Poll an auto-annotation job of ``project`` until it completes; return it.

        The API has no single-job lookup, so each poll walks the project's job
        list. Failure and timeout are raised as in :meth:`wait_training_job`.
        """

        async def fetch() -> AutoAnnotationJob:
            async for job in self.iter_auto_annotation_jobs(project):
                if job.id == job_id:
                    return job
            raise APIError(f"auto-annotation job {job_id!r} not found in project {project!r}")

        wait = with_defaults(wait, WaitOptions, "wait_auto_annotation_job")
        return await wait_job_status(fetch, f"auto-annotation job {job_id}", wait)

    async def execute_endpoint(self, endpoint_name: str, file_path: PathInput) -> EndpointResult:
        """Run a deployed model endpoint on an image (png/jpg/jpeg, at most 6 MiB)."""
        checked = await inspect_file(
            file_path,
            field="file_path",
            extensions=(".png", ".jpg", ".jpeg"),
            max_bytes=_ENDPOINT_MAX_BYTES,
        )
        body = {"modelEndpointName": endpoint_name, "file": checked.base64("file_path")}
        data = await self._call("POST", "model-endpoints/execute", body=body)
        return structure(data, EndpointResult)

    async def create_model_monitoring_request_results(
        self, name: str, results: Sequence[Mapping[str, typing.Any]]
    ) -> typing.Any:
        """Record endpoint calls made elsewhere in the model monitoring ``name``.

        Each result: ``{"status": "success"|"failed", "result": [{"value",
        "confidenceScore" (0-1)}], "requestAt": ISO-8601 string or datetime}``.
        The response is returned as sent.
        """
        body = {"name": name, "results": _monitoring_results(results)}
        return await self._call("POST", "model-monitorings/create", body=body)

    @staticmethod
    def _require_project(project: str) -> None:
        if not project:
            raise ValidationError("project", "is required")
