"""Model features of the FastLabel emulator: training, evaluation and auto-annotation jobs
(``in_progress`` → ``completed`` on the simulated clock; a model name containing ``__fail__``
fails), model-endpoint execution and model-monitoring results."""

from __future__ import annotations

import datetime
import hashlib
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..._emulator import Request, Response, json_response, route
from ._data import Invalid, decode_file, field_error
from ._group import RouteGroup
from ._jobs import FAIL_MARKER, JobRoutes
from ._state import Job, Project

if TYPE_CHECKING:
    from ._app import FastLabelEmulator

__all__ = ["ModelRoutes"]

ENDPOINT_MAX_SIZE = 6 << 20
_LABELS = ("person", "car", "dog", "cat", "bicycle")


class ModelRoutes(RouteGroup):
    """Handlers starting ``trainings``, ``evaluations`` and ``auto-annotations`` (listed and
    found by :class:`~._jobs.JobRoutes`), ``model-endpoints`` and ``model-monitorings``."""

    def __init__(self, emu: FastLabelEmulator, jobs: JobRoutes) -> None:
        super().__init__(emu)
        self.jobs = jobs

    # -- model jobs ---------------------------------------------------------------------

    def _start(
        self,
        family: str,
        fields: dict[str, Any],
        model: str,
        *,
        project: Project | None = None,
        on_complete: Callable[[Job], bool] | None = None,
    ) -> Response:
        """Start a ``family`` job of ``model`` (failing when the name says so); answer it."""
        fail = FAIL_MARKER in model
        job = self.jobs.start(family, fields, project=project, fail=fail, on_complete=on_complete)
        return json_response(self.jobs.render(job))

    @route("POST", "trainings")
    async def training(self, request: Request) -> Response:
        body = await self.emu.body(request)
        dataset = self.emu.dataset_named(body.req_str("datasetName"))
        model = body.req_str("baseModelName")
        epoch = body.opt_int("epoch", minimum=1)
        if epoch is None:
            raise field_error("epoch should not be empty")
        body.opt_str("resizeOption", ("fixed", "none"))
        # Input sizes are model-specific (640 for YOLO models): any positive size passes.
        body.opt_int("resizeDimension", minimum=1)
        if body.get("configFile") is not None:
            decode_file(body["configFile"], "configFile", max_size=None, keep=0)
        fields = {
            "status": "in_progress",
            "baseModelName": model,
            "instanceType": body.opt_str("instanceType") or "ml.p3.2xlarge",
            "epoch": epoch,
            "useDatasetTrainVal": body.opt_bool("useDatasetTrainVal") or False,
            "datasetRevisionId": body.opt_str("datasetRevisionId") or dataset.revision_id,
            "projects": [],
            "statuses": [],
            "tags": [],
            "contentCount": len(dataset.objects),
            "userName": "Emulator",
            "userEmail": self.emu.owner_email,
            "customModel": {"modelId": "", "modelName": "", "modelURL": "", "classes": []},
        }

        def effect(job: Job) -> bool:
            job.fields["customModel"] = {
                "modelId": self.store.new_id(),
                "modelName": f"{model}-{job.id[-8:]}",
                "modelURL": "",
                "classes": sorted(
                    {a.get("value", "") for o in dataset.objects.values() for a in o.annotations}
                ),
            }
            return True

        return self._start("training", fields, model, on_complete=effect)

    @route("POST", "evaluations")
    async def evaluation(self, request: Request) -> Response:
        body = await self.emu.body(request)
        dataset = self.emu.dataset_named(body.req_str("datasetName"))
        model = body.req_str("modelName")
        fields = {
            "version": 1,
            "modelType": "builtin" if model.startswith("fastlabel_") else "custom",
            "modelName": model,
            "customModelId": None,
            "iouThreshold": body.get("iouThreshold", 0.5),
            "confidenceThreshold": body.get("confidenceThreshold", 0.4),
            "contentCount": len(dataset.objects),
            **dict.fromkeys(("gtCount", "predCount", "mAP", "recall", "precision", "f1"), 0),
            "confusionMatrix": None,
            "duration": 0,
            "evaluationSource": "dataset",
            "projects": [],
            "statuses": [],
            "tags": [],
            "datasetId": dataset.id,
            "dataset": {"id": dataset.id, "name": dataset.name},
            "datasetRevisionId": body.opt_str("datasetRevisionId") or dataset.revision_id,
            "useDatasetTest": body.opt_bool("useDatasetTest") or False,
            "userName": "Emulator",
        }
        return self._start("evaluation", fields, model)

    @route("POST", "auto-annotations")
    async def auto_annotation(self, request: Request) -> Response:
        body = await self.emu.body(request)
        project = self.emu.project(body.req_str("project"))
        model = body.req_str("modelName")
        body.opt_str("processingSpeed", ("low", "medium", "high"))
        algorithm = ("object_detection", "ocr", "image_classification")
        body.opt_str("algorithmType", algorithm)
        for flag in ("updateExisting", "useTTA", "useFlip", "autoCreation"):
            body.opt_bool(flag)
        count = len(project.task_ids)
        fields = {
            "modelName": model,
            "autoAnnotationType": project.type,
            "contentCount": count,
            "taskAnnotationCount": 0,
            "audioSeconds": 0,
            "duration": 0,
            "msgCode": "none",
            "userName": "Emulator",
            "version": 1,
        }

        def effect(job: Job) -> bool:
            job.fields["taskAnnotationCount"] = count
            job.fields["duration"] = round(job.duration)
            return True

        return self._start("auto_annotation", fields, model, project=project, on_complete=effect)

    # -- models -------------------------------------------------------------------------

    @route("POST", "model-endpoints/execute")
    async def execute_endpoint(self, request: Request) -> Response:
        body = await self.emu.body(request)
        name = body.req_str("modelEndpointName")
        known = self.emu.model_endpoints
        if known is not None and name not in known:
            raise Invalid(404, f"Model endpoint not found: {name}")
        blob = decode_file(body.get("file"), "file", max_size=ENDPOINT_MAX_SIZE, keep=0)
        rng = random.Random(hashlib.sha256(f"{name}\x1f{blob.sha256}".encode()).digest())
        width, height = blob.width or 640, blob.height or 480
        detections = []
        for _ in range(rng.randint(0, 3)):
            x1, y1 = rng.uniform(0, width / 2), rng.uniform(0, height / 2)
            x2, y2 = rng.uniform(x1, width), rng.uniform(y1, height)
            detections.append(
                {
                    "type": "bbox",
                    "value": rng.choice(_LABELS),
                    "points": [round(v, 2) for v in (x1, y1, x2, y2)],
                    "confidenceScore": round(rng.uniform(0.3, 1.0), 3),
                }
            )
        # The real endpoint returns a rendered result image; echo the input instead.
        return json_response(
            {
                "json": {"annotations": detections},
                "file": f"data:{blob.content_type};base64,{body['file']}",
            }
        )

    @route("POST", "model-monitorings/create")
    async def monitoring(self, request: Request) -> Response:
        body = await self.emu.body(request)
        name = body.req_str("name")
        results = body.opt_list("results", dict)
        if not results:
            raise field_error("results should not be empty")
        for index, result in enumerate(results):
            if result.get("status") not in ("success", "failed"):
                raise field_error(f"results.{index}.status must be one of: success, failed")
            for item in result.get("result") or []:
                score = item.get("confidenceScore") if isinstance(item, dict) else None
                if not isinstance(score, (int, float)) or not 0 <= score <= 1:
                    raise field_error(f"results.{index}.result.confidenceScore must be 0..1")
            try:
                datetime.datetime.fromisoformat(str(result.get("requestAt")).replace("Z", "+00:00"))
            except ValueError:
                raise field_error(f"results.{index}.requestAt must be an ISO 8601 date") from None
        self.store.monitoring.extend({"name": name, **r} for r in results)
        return json_response({"name": name, "createdCount": len(results)})
