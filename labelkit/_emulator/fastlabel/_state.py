"""Server-side state of the FastLabel emulator: stored records, ids, timestamps and blobs.

Everything the API returns is rendered from these records at response time,
so statuses that move on the simulated clock are always current.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import attrs

__all__ = [
    "EPOCH",
    "Blob",
    "Comment",
    "Dataset",
    "DatasetObject",
    "Job",
    "Project",
    "Store",
    "StoredTask",
    "Upload",
    "WorkspaceUser",
    "ZipEntry",
]

#: Simulated time 0; timestamps are ``EPOCH + clock.now()``.
EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


#: One member of an uploaded zip: name, size and (when small) its bytes.
ZipEntry = tuple[str, int, "bytes | None"]


@attrs.define(eq=False)
class Blob:
    """File content received by the emulator: always size and SHA-256, bytes only when small.

    ``entries`` lists the members of an uploaded zip (read while the upload
    streams in, so no temporary file outlives its request); ``None`` when the
    content is not a zip.
    """

    size: int
    sha256: str
    data: bytes | None = None
    width: int | None = None
    height: int | None = None
    content_type: str = "application/octet-stream"
    entries: list[ZipEntry] | None = None
    #: Path segment of the emulator's own download URL for this content.
    token: str | None = None

    def chunks(self, size: int = 1 << 16) -> Iterator[bytes]:
        """The content in chunks (nothing if it was too large to keep)."""
        data = self.data or b""
        for start in range(0, len(data), size):
            yield data[start : start + size]

    @property
    def retained(self) -> bool:
        """Whether the bytes themselves (not just size and hash) are available."""
        return self.data is not None


@attrs.define(eq=False)
class Project:
    """A project; ``annotations``, ``tags`` and ``metadatas`` are its definitions."""

    id: str
    slug: str
    name: str
    type: str
    workflow: str
    external_workflow: str
    is_pixel: bool
    job_size: int
    created_at: float
    updated_at: float
    external_codes: list[str | None] = attrs.Factory(lambda: [None, None, None])
    members: dict[str, str] = attrs.Factory(dict)  # email -> role
    s3_storage: dict[str, Any] | None = None
    #: Task ids in creation order, and name -> id (names are unique per project).
    task_ids: dict[str, None] = attrs.Factory(dict)
    task_names: dict[str, str] = attrs.Factory(dict)
    tags: dict[str, dict[str, Any]] = attrs.Factory(dict)  # name -> tag record
    metadatas: dict[str, dict[str, Any]] = attrs.Factory(dict)  # key -> definition


@attrs.define(eq=False)
class StoredTask:
    """A task of any type; ``kind`` is the path family (``image``, ``video/classification``...)."""

    id: str
    project: Project
    kind: str
    name: str
    created_at: float
    updated_at: float
    fields: dict[str, Any] = attrs.Factory(dict)  # status, priority, assignees, ...
    tags: list[str] = attrs.Factory(list)
    annotations: list[dict[str, Any]] = attrs.Factory(list)
    attributes: list[dict[str, Any]] = attrs.Factory(list)
    metadatas: list[dict[str, Any]] = attrs.Factory(list)
    relations: list[dict[str, Any]] = attrs.Factory(list)
    blob: Blob | None = None
    contents: list[tuple[str, Blob | None]] = attrs.Factory(list)
    appendix: list[dict[str, Any]] = attrs.Factory(list)


@attrs.define(eq=False)
class Comment:
    """A task comment and its threads (the first thread holds the comment's text)."""

    id: str
    task: StoredTask
    fields: dict[str, Any]
    created_at: float
    threads: list[dict[str, Any]] = attrs.Factory(list)


@attrs.define(eq=False)
class Dataset:
    """A dataset (v2) with its objects of the ``latest`` version."""

    id: str
    name: str
    tags: list[str]
    visibility: str
    license: str
    revision_id: str
    created_at: float
    updated_at: float
    objects: dict[str, DatasetObject] = attrs.Factory(dict)


@attrs.define(eq=False)
class DatasetObject:
    """An object of a dataset; ``blob`` holds the decoded ``filePath`` content."""

    name: str
    dataset: Dataset
    blob: Blob
    tags: list[str]
    licenses: list[str]
    annotations: list[dict[str, Any]]
    custom_metadata: dict[str, Any]
    created_at: float
    updated_at: float
    split: str = "none"


@attrs.define(eq=False)
class Upload:
    """A signed upload slot from ``GET files``; ``blob`` is set once the PUT arrived."""

    token: str
    key: str
    project: Project
    file_name: str
    file_type: str
    created_at: float
    blob: Blob | None = None


@attrs.define(eq=False)
class Job:
    """An import history or a model job; its status follows the simulated clock.

    ``family`` is ``history``, ``training``, ``evaluation`` or ``auto_annotation``;
    ``on_complete`` runs once when the job is first seen finished (it may
    return ``False`` to make the job fail instead).
    """

    id: str
    family: str
    created_at: float
    duration: float
    fields: dict[str, Any]
    project: Project | None = None
    outcome: str = "completed"
    settled: bool = False
    forced: str | None = None
    on_complete: Callable[[Job], bool] | None = None


@attrs.define(eq=False)
class WorkspaceUser:
    """A member of the workspace."""

    id: str
    user_id: str
    slug: str
    name: str
    email: str
    role: str
    language: str
    created_at: float
    updated_at: float
    permissions: dict[str, bool] = attrs.Factory(
        lambda: {"annotation": True, "modelDev": False, "dataset": False}
    )
    is_external: bool = False


class Store:
    """Every record of one emulated workspace, with id and time helpers."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.projects: dict[str, Project] = {}
        self.slugs: dict[str, str] = {}  # slug -> project id
        self.tasks: dict[str, StoredTask] = {}
        self.annotation_classes: dict[str, dict[str, Any]] = {}  # id -> class (with project id)
        self.comments: dict[str, Comment] = {}
        self.threads: dict[str, Comment] = {}  # thread id -> its comment
        self.datasets: dict[str, Dataset] = {}
        self.uploads: dict[str, Upload] = {}  # token -> upload
        self.file_keys: dict[str, Upload] = {}  # storage key -> upload
        self.downloads: dict[str, Blob] = {}  # download token -> blob
        self.jobs: dict[str, Job] = {}
        self.users: dict[str, WorkspaceUser] = {}  # email -> user
        self.monitoring: list[dict[str, Any]] = []
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        """A fresh UUID (deterministic: a counter in UUID form)."""
        return str(uuid.UUID(int=next(self._counter), version=4))

    def iso(self, moment: float | None = None) -> str:
        """A timestamp like the API's ``2021-02-22T11:25:27.158Z``."""
        moment = self.now() if moment is None else moment
        when = EPOCH + datetime.timedelta(seconds=moment)
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"

    def project_by_slug(self, slug: str) -> Project | None:
        """The project with ``slug``, if any."""
        project_id = self.slugs.get(slug)
        return self.projects.get(project_id) if project_id is not None else None

    def tasks_of(self, project: Project) -> Iterator[StoredTask]:
        """The project's tasks in creation order."""
        for task_id in project.task_ids:
            yield self.tasks[task_id]

    def add_task(self, task: StoredTask) -> None:
        """Store a new task (its name must be free in its project)."""
        self.tasks[task.id] = task
        task.project.task_ids[task.id] = None
        task.project.task_names[task.name] = task.id

    def remove_task(self, task: StoredTask) -> None:
        """Delete a task with its comments."""
        self.tasks.pop(task.id, None)
        task.project.task_ids.pop(task.id, None)
        if task.project.task_names.get(task.name) == task.id:
            del task.project.task_names[task.name]
        for comment in [c for c in self.comments.values() if c.task is task]:
            self.remove_comment(comment)

    def remove_comment(self, comment: Comment) -> None:
        """Delete a comment and its threads."""
        self.comments.pop(comment.id, None)
        for thread in comment.threads:
            self.threads.pop(thread["id"], None)

    def remove_project(self, project: Project) -> None:
        """Delete a project with its tasks, annotation classes and histories."""
        for task in list(self.tasks_of(project)):
            self.remove_task(task)
        self.projects.pop(project.id, None)
        self.slugs.pop(project.slug, None)
        for class_id in [k for k, v in self.annotation_classes.items() if v["_project"] is project]:
            del self.annotation_classes[class_id]

    def use_tags(self, project: Project, names: list[str]) -> None:
        """Create project tag records for names not seen before."""
        for name in names:
            if name not in project.tags:
                moment = self.iso()
                project.tags[name] = {
                    "id": self.new_id(),
                    "name": name,
                    "order": len(project.tags) + 1,
                    "createdAt": moment,
                    "updatedAt": moment,
                }

    def use_metadatas(self, project: Project, metadatas: list[dict[str, Any]]) -> None:
        """Create metadata definitions for keys not seen before."""
        for item in metadatas:
            key = str(item.get("key"))
            if key not in project.metadatas:
                moment = self.iso()
                project.metadatas[key] = {
                    "id": self.new_id(),
                    "key": key,
                    "type": "text",
                    "options": [],
                    "defaultValue": "",
                    "order": len(project.metadatas) + 1,
                    "isAdmin": False,
                    "isRequired": False,
                    "createdAt": moment,
                    "updatedAt": moment,
                }


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` in hex."""
    return hashlib.sha256(data).hexdigest()
