"""A stateful emulator of the FastLabel API (``https://api.fastlabel.ai/v1/``).

Every route of the official SDK's operation table lives under ``/v1/``:
tasks of every type (``tasks/image``, ``tasks/image/classification``,
``tasks/multi-image/classification``, ``tasks/sequential-image``,
``tasks/video[/classification]``, ``tasks/text[/classification]``,
``tasks/audio[/classification]``, ``tasks/multi-modal-video-audio``,
``tasks/pcd``, ``tasks/sequential-pcd``, ``tasks/dicom``, ``tasks/robotics``,
``tasks/integrated-image[/classification]``), the type-agnostic task
operations, projects, annotation classes, tags, metadata definitions,
comments, datasets (v2) and their objects, import histories, zip imports
through signed URLs, AWS S3 imports, training / evaluation /
auto-annotation jobs, workspace users, module permissions, model endpoints
and model monitoring. Signed upload and download URLs point at the emulator
itself (``/storage/...``, no auth).

Auth is ``Authorization: Bearer <token>`` with one of ``tokens`` (default
``"test-token"``); a bad token answers 401 ``{"statusCode": 401, "message":
"Unauthorized"}`` (or the text ``Unauthorized`` with
``unauthorized_as_text=True``). Errors are NestJS-shaped ``{"statusCode",
"message", "error"}``, where field validation gives ``message`` as a list.
Creates answer 200 with the new id as a JSON string; task names are unique
per project (409). Lists are bare arrays in creation order, paged by
``offset``/``limit`` with each endpoint's documented default and maximum.
Without a ``config``, the rate limit is the documented 10,000 calls per 600 s
(429 with ``Retry-After``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any

from ..._config import RateLimit
from ..._emulator import (
    EmulatorApp,
    EmulatorConfig,
    HTTPError,
    Request,
    Response,
    RouteGroup,
    RouteSpec,
    json_response,
    register_emulator,
    text_response,
)
from ._comments import CommentRoutes
from ._data import MAX_BODY_SIZE, Fields, Invalid, read_json
from ._datasets import DatasetRoutes, StorageRoutes
from ._jobs import JobRoutes
from ._models import ModelRoutes
from ._projects import ProjectRoutes
from ._state import Blob, Dataset, Job, Project, Store, StoredTask
from ._task_ops import TaskOpRoutes
from ._tasks import ASSIGNEE_KEYS, FAMILIES, TaskRoutes, apply_task_fields, new_task
from ._workspace import WorkspaceRoutes

__all__ = ["DEFAULT_RATE_LIMIT", "DEFAULT_TOKEN", "PREFIX", "FastLabelEmulator", "RouteSpec"]

PREFIX = "/v1/"
DEFAULT_TOKEN = "test-token"
OWNER_EMAIL = "owner@example.com"
#: "API is allowed to call 10000 times per 10 minutes" (FastLabel README).
DEFAULT_RATE_LIMIT = RateLimit(10_000, 600.0)

Handler = Callable[[Request], Awaitable[Response]]

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_CONTENT_KINDS = {"multi-image/classification", "sequential-image", "sequential-pcd", "dicom"}


class FastLabelEmulator(EmulatorApp):
    """The FastLabel API in memory.

    ``store`` holds every record (``tasks``, ``projects`` and ``datasets`` are
    shortcuts). ``max_body_size`` caps JSON bodies (413 above it; default the
    Node.js string limit of the real server); file contents up to
    ``retain_size`` bytes are kept and downloadable, bigger ones keep only
    their size and SHA-256. ``model_endpoints`` limits the endpoint names
    ``model-endpoints/execute`` accepts (``None``: any); ``s3_objects`` maps
    bucket names to object keys that an AWS S3 import turns into tasks.
    ``public_url`` fixes the scheme and host of the URLs the emulator hands out
    (default: taken from each request's ``Host``). With ``check_project_types``
    a task create whose family does not match the project type's prefix
    (``tasks/video`` in an ``image_bbox`` project) answers 400; project types
    with an unknown prefix accept every family.
    """

    auth_challenge = "Bearer"
    base_path = PREFIX
    fixed_error_messages = {401: "Unauthorized"}

    def __init__(
        self,
        *,
        config: EmulatorConfig | None = None,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        max_body_size: int = MAX_BODY_SIZE,
        retain_size: int = 32 << 20,
        unauthorized_as_text: bool = False,
        model_endpoints: Iterable[str] | None = None,
        s3_objects: Mapping[str, Iterable[str]] | None = None,
        public_url: str | None = None,
        check_project_types: bool = True,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        if config is None:
            config = EmulatorConfig(rate_limit=DEFAULT_RATE_LIMIT)
        super().__init__(config=config, name="fastlabel", timer=timer)
        self.tokens = set(tokens)
        self.max_body_size = max_body_size
        self.retain_size = retain_size
        self.unauthorized_as_text = unauthorized_as_text
        self.model_endpoints = set(model_endpoints) if model_endpoints is not None else None
        self.s3_objects = {bucket: list(keys) for bucket, keys in (s3_objects or {}).items()}
        self.public_url = public_url.rstrip("/") if public_url else None
        self.check_project_types = check_project_types
        self.owner_email = OWNER_EMAIL
        self.store = Store(self.clock.now)
        self._pending_jobs: list[Job] = []
        tasks = TaskRoutes(self)
        jobs = JobRoutes(self, tasks)
        self._datasets = DatasetRoutes(self)
        workspace = WorkspaceRoutes(self)
        workspace.add_user(OWNER_EMAIL, "Owner", role="owner")
        groups: tuple[RouteGroup, ...] = (
            jobs,
            TaskOpRoutes(self, tasks),
            tasks,
            ProjectRoutes(self),
            CommentRoutes(self),
            self._datasets,
            workspace,
            ModelRoutes(self, jobs),
        )
        for group in groups:
            self.add_routes(self._wrapped(group.routes()), prefix=PREFIX)
        self.add_routes(self._wrapped(StorageRoutes(self).routes()), auth=False)

    # -- provider hooks -----------------------------------------------------------------

    def check_auth(self, request: Request) -> str | None:
        """The bearer token, if it is one of ``tokens``."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        return token if scheme.lower() == "bearer" and token in self.tokens else None

    def error_body(self, status: int, code: str, message: str | list[str]) -> object:
        return {"statusCode": status, "message": message, "error": _REASONS.get(status, code)}

    def render_error(self, error: HTTPError) -> Response:
        if error.status == 401 and self.unauthorized_as_text:
            return text_response("Unauthorized", 401, headers=error.headers)
        return super().render_error(error)

    def _wrapped(self, routes: Iterable[RouteSpec]) -> Iterator[RouteSpec]:
        for method, path, handler in routes:
            yield method, path, self._wrap(handler)

    def _wrap(self, handler: Handler) -> Handler:
        async def run(request: Request) -> Response:
            self.settle()
            try:
                return await handler(request)
            except Invalid as exc:
                body = self.error_body(exc.status, "Error", exc.message)
                return json_response(body, exc.status)

        return run

    # -- helpers for the route groups ---------------------------------------------------

    async def body(self, request: Request) -> Fields:
        """The JSON object body, capped at ``max_body_size``."""
        return await read_json(request, self.max_body_size)

    def project(self, slug: str) -> Project:
        """The project with ``slug``, else 404."""
        project = self.store.project_by_slug(slug)
        if project is None:
            raise Invalid(404, f"Project not found: {slug}")
        return project

    def dataset_named(self, name: str) -> Dataset:
        """The dataset called ``name``, else 404."""
        return self._datasets.dataset_named(name)

    def annotation_class(self, project: Project, value: str) -> dict[str, Any] | None:
        """The project's annotation class with ``value``, if any."""
        for item in self.store.annotation_classes.values():
            if item["_project"] is project and item["value"] == value:
                return item
        return None

    def base(self, request: Request) -> str:
        """``scheme://host`` to build the emulator's own URLs from."""
        if self.public_url:
            return self.public_url
        host = request.headers.get("host") or "127.0.0.1"
        return f"{request.scope.get('scheme', 'http')}://{host}"

    def publish(self, blob: Blob) -> None:
        """Give retained content a download token."""
        if blob.retained and blob.token is None:
            blob.token = self.store.new_id().replace("-", "")
            self.store.downloads[blob.token] = blob

    def download_url(self, base: str, blob: Blob | None, name: str) -> str | None:
        """The loopback URL serving ``blob`` (``None`` when not kept)."""
        if blob is None or blob.token is None:
            return None
        from urllib.parse import quote

        return f"{base}/storage/download/{blob.token}/{quote(name.rsplit('/', 1)[-1])}"

    def add_job(self, job: Job) -> None:
        """Register a job that moves on the simulated clock."""
        self.store.jobs[job.id] = job
        self._pending_jobs.append(job)

    def job_status(self, job: Job) -> str:
        """The current status of an import history or model job."""
        if job.forced is not None:
            return job.forced
        if self.clock.now() - job.created_at < job.duration:
            return "running" if job.family == "history" else "in_progress"
        self._settle(job)
        return job.outcome

    def settle(self) -> None:
        """Apply the effects of every job that has finished by now."""
        if self._pending_jobs:
            now = self.clock.now()
            for job in [j for j in self._pending_jobs if now - j.created_at >= j.duration]:
                self._settle(job)

    def _settle(self, job: Job) -> None:
        if job.settled:
            return
        job.settled = True
        if job in self._pending_jobs:
            self._pending_jobs.remove(job)
        if job.outcome == "completed" and job.on_complete is not None and not job.on_complete(job):
            job.outcome = "failed"

    def render_task(self, task: StoredTask, base: str) -> dict[str, Any]:
        """A task object as the API returns it."""
        f = task.fields
        blob = task.blob
        record: dict[str, Any] = {
            "id": task.id,
            "name": task.name,
            "url": self.download_url(base, blob, task.name),
            "width": blob.width if blob else None,
            "height": blob.height if blob else None,
            "status": f["status"],
            "externalStatus": f["externalStatus"],
            "priority": f["priority"],
            "tags": list(task.tags),
            **{k: f[k] for k in ASSIGNEE_KEYS if k in f},
            "metadatas": [dict(m) for m in task.metadatas],
            "createdAt": self.store.iso(task.created_at),
            "updatedAt": self.store.iso(task.updated_at),
        }
        if FAMILIES[task.kind].classification:
            record["attributes"] = [dict(a) for a in task.attributes]
        else:
            record["annotations"] = [dict(a) for a in task.annotations]
        if task.kind == "image":
            record["customTaskStatus"] = f.get("customTaskStatus")
            record["relations"] = list(task.relations)
        if "filePath" in f:
            record.update(filePath=f["filePath"], storageType=f["storageType"])
        if task.kind.startswith("video"):
            record.update(fps=None, frameCount=None, duration=None)
        if task.kind == "robotics":
            record.update(roboticsOperator=f.get("operator"), relations=list(task.relations))
        if task.kind in _CONTENT_KINDS or task.contents:
            record["contents"] = [
                {
                    "name": name,
                    "url": self.download_url(base, content, name),
                    "width": content.width if content else None,
                    "height": content.height if content else None,
                }
                for name, content in task.contents
            ]
        return record

    def add_project(
        self,
        slug: str,
        *,
        name: str | None = None,
        type: str = "image_bbox",
        workflow: str = "two_step",
    ) -> Project:
        """Create a project directly (tests, seeding); 409 if ``slug`` is taken."""
        if slug in self.store.slugs:
            raise Invalid(409, f"Project slug '{slug}' is already in use")
        now = self.clock.now()
        project = Project(
            self.store.new_id(), slug, name or slug, type, workflow, workflow, False, 10, now, now
        )
        self.store.projects[project.id] = project
        self.store.slugs[slug] = project.id
        return project

    # -- state access for tests ---------------------------------------------------------

    @property
    def tasks(self) -> dict[str, StoredTask]:
        """Every task by id."""
        return self.store.tasks

    @property
    def projects(self) -> dict[str, Project]:
        """Every project by id."""
        return self.store.projects

    @property
    def datasets(self) -> dict[str, Dataset]:
        """Every dataset by id."""
        return self.store.datasets

    def task_by_name(self, project_slug: str, name: str) -> StoredTask | None:
        """The task called ``name`` in project ``project_slug``, if any."""
        project = self.store.project_by_slug(project_slug)
        task_id = project.task_names.get(name) if project else None
        return self.store.tasks.get(task_id) if task_id else None

    def add_task(self, project_slug: str, kind: str, name: str, **fields: Any) -> StoredTask:
        """Create a task directly, e.g. a ``multi-modal-video-audio`` task the API cannot create.

        ``fields`` are API body fields (``status``, ``tags``, ``annotations``...).
        """
        if kind not in FAMILIES:
            raise ValueError(f"unknown task kind {kind!r}; one of {', '.join(FAMILIES)}")
        project = self.project(project_slug)
        task = new_task(self, project, kind, name)
        apply_task_fields(self, task, Fields(fields))
        self.store.add_task(task)
        return task

    def force_job_status(self, job_id: str, status: str | None) -> None:
        """Pin a history's or job's status (``None`` returns it to the clock)."""
        self.store.jobs[job_id].forced = status

    def close(self) -> None:
        """Nothing to release (kept for symmetry with the other emulators' ``close``)."""


register_emulator("fastlabel", FastLabelEmulator)
