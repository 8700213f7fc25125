"""Asynchronous work in the FastLabel emulator: import histories and model jobs.

Import histories (DICOM zip, appendix zip, robotics contents zip, AWS S3) are
``running`` until ``config.processing_time`` simulated seconds have passed,
then ``completed`` (or ``failed``); their effect (tasks created, contents or
calibration attached) happens when they complete. Training, evaluation and
auto-annotation jobs go ``in_progress`` → ``completed``. A name containing
``__fail__`` (zip file name, model name) makes the job fail.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..._emulator import Request, Response, json_response, route
from ._data import PRIORITIES, STATUSES, Fields, Invalid
from ._group import RouteGroup
from ._state import Blob, Job, Project, Upload, ZipEntry
from ._tasks import FAMILIES, Family, TaskRoutes, apply_task_fields, new_task, project_media

if TYPE_CHECKING:
    from ._app import FastLabelEmulator

__all__ = ["FAIL_MARKER", "JobRoutes"]

FAIL_MARKER = "__fail__"
_CALIBRATION = {".yaml": "yml", ".yml": "yml", ".txt": "kitti"}
_S3_KINDS = {"image": "image", "video": "video", "audio": "audio", "text": "text"}

#: What a zip import does on completion with the zip's entries (``True``: it worked).
ZipEffect = Callable[[Job, list[ZipEntry]], bool]


class JobRoutes(RouteGroup):
    """Handlers for histories, zip imports, AWS S3 imports and model jobs (listed and found
    here, started by :class:`~._models.ModelRoutes`)."""

    def __init__(self, emu: FastLabelEmulator, tasks: TaskRoutes) -> None:
        super().__init__(emu)
        self.tasks = tasks

    # -- rendering ----------------------------------------------------------------------

    def render(self, job: Job) -> dict[str, Any]:
        """The job object with its current status."""
        status = self.emu.job_status(job)
        done = status not in ("running", "in_progress")
        finished = self.store.iso(job.created_at + job.duration) if done else None
        record = dict(job.fields)
        record["status"] = status
        record.update(createdAt=self.store.iso(job.created_at), completedAt=finished)
        record["updatedAt"] = finished or record["createdAt"]
        if job.family == "history":
            record["project"] = job.project.slug if job.project else None
            record["msgCode"] = "none" if status != "failed" else "import_failed"
        if job.family == "evaluation" and status == "completed":
            digest = hashlib.sha256(job.id.encode()).digest()
            scores = {
                k: round(b / 255, 3)
                for k, b in zip(("mAP", "recall", "precision"), digest[:3], strict=True)
            }
            record.update(scores, f1=round(digest[3] / 255, 3))
        return {k: v for k, v in record.items() if not k.startswith("_")}

    def start(
        self,
        family: str,
        fields: dict[str, Any],
        *,
        project: Project | None = None,
        fail: bool = False,
        on_complete: Callable[[Job], bool] | None = None,
    ) -> Job:
        """Create and register a job."""
        job = Job(
            self.store.new_id(),
            family,
            self.emu.clock.now(),
            self.emu.config.processing_time,
            fields,
            project=project,
            outcome="failed" if fail else "completed",
            on_complete=on_complete,
        )
        if family == "training":
            job.fields = {"trainingJobId": job.id, **fields}
        elif family != "history" or "id" not in fields:
            job.fields = {"id": job.id, **fields}
        self.emu.add_job(job)
        return job

    def job(self, job_id: str, family: str) -> Job:
        job = self.store.jobs.get(job_id)
        if job is None or job.family != family:
            raise Invalid(404, f"Not found: {job_id}")
        return job

    @route("GET", "tasks/import/histories", family="history", default=100)
    @route("GET", "trainings", family="training", default=100)
    @route("GET", "evaluations", family="evaluation", default=1000)
    @route("GET", "auto-annotations", family="auto_annotation", default=1000)
    async def list_jobs(self, request: Request, family: str, default: int) -> Response:
        query = self.query(request)
        window = query.page(default, 1000)
        project = None
        if family in ("history", "auto_annotation"):
            project = self.project_of(query)
        chosen = [
            j
            for j in self.store.jobs.values()
            if j.family == family and (project is None or j.project is project)
        ]
        return json_response([self.render(j) for j in window.of(chosen)])

    @route("GET", "tasks/import/histories/{id}", family="history")
    @route("GET", "trainings/{id}", family="training")
    @route("GET", "evaluations/{id}", family="evaluation")
    async def find_job(self, request: Request, family: str) -> Response:
        return json_response(self.render(self.job(request.path_params["id"], family)))

    # -- import histories ---------------------------------------------------------------

    def _upload(self, body: Fields, project: Project) -> Upload:
        key = body.req_str("fileKey")
        upload = self.store.file_keys.get(key)
        if upload is None or upload.project is not project:
            raise Invalid(400, f"fileKey not found: {key}")
        if upload.blob is None:
            raise Invalid(400, f"nothing was uploaded for fileKey {key}")
        return upload

    def _dicom(self, project: Project, upload: Upload, body: Fields) -> ZipEffect:
        probe = new_task(self.emu, project, "dicom", "\x00probe")
        apply_task_fields(self.emu, probe, body)  # validate now, apply on completion
        stem = posixpath.splitext(upload.file_name)[0]

        def effect(job: Job, entries: list[ZipEntry]) -> bool:
            groups: dict[str, list[str]] = {}
            for name, _size, _data in entries:
                if not name.endswith("/"):
                    top = name.split("/", 1)[0] if "/" in name else stem
                    groups.setdefault(top, []).append(name)
            created = 0
            for group, names in groups.items():
                if group in project.task_names:
                    continue
                task = new_task(self.emu, project, "dicom", group)
                task.contents = [(n, None) for n in names]
                apply_task_fields(self.emu, task, body)
                self.store.add_task(task)
                created += 1
            job.fields["taskCount"] = created
            return bool(groups)

        return effect

    def _appendix(self, project: Project, upload: Upload, body: Fields) -> ZipEffect:
        def effect(job: Job, entries: list[ZipEntry]) -> bool:
            rows: dict[tuple[str, str, str], dict[str, Any]] = {}
            for name, size, data in entries:
                parts = name.split("/")
                if len(parts) != 3 or not parts[2] or parts[0] not in project.task_names:
                    continue
                stem, extension = posixpath.splitext(parts[2])
                row = rows.setdefault((parts[0], parts[1], stem), {"format": None})
                if extension.lower() in _CALIBRATION:
                    row["format"] = _CALIBRATION[extension.lower()]
                    row["calibrationFileName"] = name
                    row["calibration"] = (data or b"").decode("utf-8", "replace")
                else:
                    image = Blob(size, hashlib.sha256(data or b"").hexdigest(), data=data)
                    self.emu.publish(image)
                    row.update(imageFileName=name, name=name, _blob=image)
            for (task_name, _content, _stem), row in rows.items():
                task = self.store.tasks[project.task_names[task_name]]
                task.appendix.append({"id": self.store.new_id(), **row})
            job.fields["appendixCount"] = len(rows)
            return True

        return effect

    def _robotics(self, project: Project, upload: Upload, body: Fields) -> ZipEffect:
        def effect(job: Job, entries: list[ZipEntry]) -> bool:
            files = [(n, size) for n, size, _data in entries if not n.endswith("/")]
            episodes = [posixpath.splitext(n)[0] for n, _size in files if n.endswith(".json")]
            matched = [e for e in episodes if e in project.task_names]
            for episode in matched:
                task = self.store.tasks[project.task_names[episode]]
                task.contents.extend((name, Blob(size, "")) for name, size in files)
            return bool(matched)

        return effect

    @route("POST", "tasks/dicom", kind="dicom", prepare=_dicom, family=FAMILIES["dicom"])
    @route("POST", "contents/imports/appendix/batch", kind="appendix", prepare=_appendix)
    @route("POST", "contents/imports/robotics-contents/batch", kind="robotics", prepare=_robotics)
    async def zip_import(
        self,
        request: Request,
        kind: str,
        prepare: Callable[[JobRoutes, Project, Upload, Fields], ZipEffect],
        family: Family | None = None,
    ) -> Response:
        """Start the import history of the zip uploaded as the body's ``fileKey``.

        ``prepare`` validates the request and returns what completion does with
        the zip's entries; an upload that is not a zip makes the import fail.
        """
        body = await self.emu.body(request)
        project = self.emu.project(body.req_str("project"))
        if family is not None:
            self.tasks.check_media(project, family)
        upload = self._upload(body, project)
        blob = upload.blob
        assert blob is not None
        effect = prepare(self, project, upload, body)

        def on_complete(job: Job) -> bool:
            return blob.entries is not None and effect(job, blob.entries)

        fields = {"storageType": "zip", "importType": kind, "fileName": upload.file_name}
        fail = FAIL_MARKER in upload.file_name
        job = self.start("history", fields, project=project, fail=fail, on_complete=on_complete)
        return json_response(self.render(job))

    # -- AWS S3 -------------------------------------------------------------------------

    @route("PUT", "storages/aws-s3/{project}")
    async def s3_storage(self, request: Request) -> Response:
        project = self.emu.project(request.path_params["project"])
        body = await self.emu.body(request)
        project.s3_storage = {
            "bucketName": body.req_str("bucketName"),
            "bucketRegion": body.req_str("bucketRegion"),
            "prefix": body.opt_str("prefix") or "",
        }
        return json_response({**project.s3_storage, "status": "connected"})

    @route("POST", "tasks/aws-s3")
    async def s3_import(self, request: Request) -> Response:
        body = await self.emu.body(request)
        project = self.emu.project(body.req_str("project"))
        status = body.opt_str("status", STATUSES) or "registered"
        tags = body.opt_list("tags", str) or []
        priority = body.opt_int("priority", choices=PRIORITIES) or 0
        storage = project.s3_storage
        kind = _S3_KINDS.get(project_media(project.type) or "")
        if storage is None:
            raise Invalid(400, "AWS S3 storage is not configured for this project")
        if kind is None:
            raise Invalid(400, f"AWS S3 import does not support {project.type} projects")
        settings = Fields(status=status, tags=tags, priority=priority)

        def effect(job: Job) -> bool:
            keys = self.emu.s3_objects.get(storage["bucketName"], [])
            created = 0
            for key in keys:
                if key.startswith(storage["prefix"]) and key not in project.task_names:
                    task = new_task(self.emu, project, kind, key)
                    apply_task_fields(self.emu, task, settings)
                    self.store.add_task(task)
                    created += 1
            job.fields["taskCount"] = created
            return True

        fields = {"storageType": "aws-s3", "importType": "aws-s3"}
        job = self.start("history", fields, project=project, on_complete=effect)
        return json_response(self.render(job))

    @route("GET", "tasks/import/status/aws-s3/{project}")
    async def s3_status(self, request: Request) -> Response:
        project = self.emu.project(request.path_params["project"])
        found = [
            j
            for j in self.store.jobs.values()
            if j.project is project and j.fields.get("storageType") == "aws-s3"
        ]
        if not found:
            raise Invalid(404, "No AWS S3 import found for this project")
        return json_response(self.render(found[-1]))
