"""Task routes of the FastLabel emulator: every task type's list / find / create / update.

A task's ``kind`` is its path family (``image``, ``video/classification``,
``sequential-pcd``...); it is found, listed and updated only under that
family. Names are unique per project: a duplicate create answers 409.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from ..._emulator import Request, Response, json_response, route, routes_of
from ._data import (
    EXTERNAL_STATUSES,
    PRIORITIES,
    STATUSES,
    Fields,
    Invalid,
    decode_file,
    field_error,
)
from ._group import RouteGroup
from ._state import Blob, Project, StoredTask

if TYPE_CHECKING:
    from ._app import FastLabelEmulator

__all__ = ["FAMILIES", "Family", "TaskRoutes", "apply_task_fields", "new_task"]

MiB = 1 << 20
ASSIGNEE_KEYS = (
    "assignee",
    "reviewer",
    "approver",
    "externalAssignee",
    "externalReviewer",
    "externalApprover",
    *(f"workflow{n}User" for n in range(1, 7)),
)
CUSTOM_STATUSES = (
    "registered",
    "pending",
    *(f"workflow_{n}_{s}" for n in range(1, 7) for s in ("completed", "declined")),
)


@attrs.frozen
class Family:
    """How tasks of one path family are created and listed."""

    media: str  # the project-type prefix this family belongs to
    classification: bool = False
    content: str = "file"  # file, contents, none, import
    max_size: int | None = None
    max_files: int | None = None
    default_limit: int = 100
    max_limit: int = 1000


FAMILIES: dict[str, Family] = {
    "image/classification": Family("image", True, max_size=20 * MiB),
    "image": Family("image", max_size=20 * MiB),
    "multi-image/classification": Family("multi_image", True, "contents", 20 * MiB, max_files=6),
    "sequential-image": Family(
        "sequential_image", False, "contents", 20 * MiB, 250, default_limit=10, max_limit=10
    ),
    "video/classification": Family("video", True, max_size=250 * MiB),
    "video": Family("video", max_size=250 * MiB, default_limit=10, max_limit=10),
    "text/classification": Family("text", True, max_size=2 * MiB),
    "text": Family("text", max_size=2 * MiB),
    "audio/classification": Family("audio", True, max_size=120 * MiB),
    "audio": Family("audio", max_size=120 * MiB),
    "multi-modal-video-audio": Family(
        "multi_modal_video_audio", content="none", default_limit=10, max_limit=10
    ),
    "pcd": Family("pcd", max_size=100 * MiB),
    "sequential-pcd": Family(
        "sequential_pcd", False, "contents", 100 * MiB, 250, default_limit=10, max_limit=10
    ),
    "dicom": Family("dicom", content="import"),
    "robotics": Family("robotics", content="none", max_limit=100),
}
_MEDIA = sorted({f.media for f in FAMILIES.values()}, key=len, reverse=True)
# Families whose SDK create sets each annotation's content to the task name.
_CONTENT_IS_NAME = {"image", "video", "text", "audio", "pcd"}


def project_media(project_type: str) -> str | None:
    """The task family prefix of a project type (``image_bbox`` → ``image``), if known."""
    for media in _MEDIA:
        if project_type == media or project_type.startswith(media + "_"):
            return media
    return None


def new_task(emu: FastLabelEmulator, project: Project, kind: str, name: str) -> StoredTask:
    """A fresh task with the API's defaults (not stored yet); 409 if ``name`` is taken."""
    if name in project.task_names:
        raise Invalid(409, f"Task name '{name}' already exists in the project")
    now = emu.clock.now()
    fields: dict[str, Any] = {"status": "registered", "externalStatus": "registered", "priority": 0}
    fields.update(dict.fromkeys(ASSIGNEE_KEYS[:6]))
    if kind == "image":
        fields["customTaskStatus"] = "registered"
    return StoredTask(emu.store.new_id(), project, kind, name, now, now, fields)


def apply_task_fields(emu: FastLabelEmulator, task: StoredTask, body: Fields) -> None:
    """Validate and apply the status / tag / annotation / assignee fields of a create or update."""
    status = body.opt_str("status", STATUSES)
    external = body.opt_str("externalStatus", EXTERNAL_STATUSES)
    custom = body.opt_str("customTaskStatus", CUSTOM_STATUSES)
    priority = body.opt_int("priority", choices=PRIORITIES)
    tags = body.opt_list("tags", str)
    metas = body.metadatas()
    annotations = body.opt_list("annotations", dict)
    attributes = body.opt_list("attributes", dict)
    relations = body.opt_list("relations", dict)
    for key in ASSIGNEE_KEYS:
        if key in body and body[key] is not None and not isinstance(body[key], str):
            raise field_error(f"{key} must be a string")
    if tags is not None and any(len(t) > 140 for t in tags):
        raise field_error("each value in tags must be shorter than or equal to 140 characters")
    for key, value in (
        ("status", status),
        ("externalStatus", external),
        ("customTaskStatus", custom),
        ("priority", priority),
    ):
        if value is not None:
            task.fields[key] = value
    for key in ASSIGNEE_KEYS:
        if key in body:
            task.fields[key] = body[key]
    if "operator" in body:
        task.fields["operator"] = body["operator"]
    if tags is not None:
        task.tags = list(dict.fromkeys(tags))
        emu.store.use_tags(task.project, task.tags)
    if metas is not None:
        task.metadatas = [{"key": m["key"], "value": m.get("value")} for m in metas]
        emu.store.use_metadatas(task.project, task.metadatas)
    if annotations is not None:
        task.annotations = [_annotation(emu, task, a) for a in annotations]
    if attributes is not None:
        task.attributes = [_attribute(a) for a in attributes]
    if relations is not None:
        task.relations = relations
    task.updated_at = emu.clock.now()


def _annotation(emu: FastLabelEmulator, task: StoredTask, given: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(given.get("type"), str) or not isinstance(given.get("value"), str):
        raise field_error("each annotation must have a string type and value")
    known = emu.annotation_class(task.project, given["value"])
    annotation: dict[str, Any] = {
        "id": emu.store.new_id(),
        "title": known["title"] if known else given["value"],
        "color": known["color"] if known else "#000000",
        "confidenceScore": -1,
        **given,
        "attributes": [_attribute(a) for a in given.get("attributes") or [] if isinstance(a, dict)],
    }
    if task.kind in _CONTENT_IS_NAME and not annotation.get("content"):
        annotation["content"] = task.name
    return annotation


def _attribute(given: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(given.get("key"), str):
        raise field_error("each attribute must have a string key")
    return {"key": given["key"], "name": given.get("name", given["key"]), **given}


class TaskRoutes(RouteGroup):
    """Handlers for ``tasks/<family>`` and the type-agnostic task operations."""

    # -- per family ---------------------------------------------------------------------

    @routes_of(("GET", f"tasks/{kind}", {"kind": kind}) for kind in FAMILIES)
    async def list_tasks(self, request: Request, kind: str) -> Response:
        family = FAMILIES[kind]
        window = self.query(request).page(family.default_limit, family.max_limit)
        chosen = self.filtered(request, kind=kind, by_name=True)
        base = self.emu.base(request)
        return json_response([self.emu.render_task(t, base) for t in window.of(chosen)])

    @routes_of(("GET", f"tasks/{kind}/{{task_id}}", {"kind": kind}) for kind in FAMILIES)
    async def find_task(self, request: Request, kind: str) -> Response:
        task = self.task(request.path_params["task_id"], kind)
        return json_response(self.emu.render_task(task, self.emu.base(request)))

    @routes_of(
        ("POST", f"tasks/{kind}", {"kind": kind})
        for kind, family in FAMILIES.items()
        if family.content in ("file", "contents") or kind == "robotics"
    )
    async def create_task(self, request: Request, kind: str) -> Response:
        family = FAMILIES[kind]
        body = await self.emu.body(request)
        project = self.emu.project(body.req_str("project"))
        self.check_media(project, family)
        task = new_task(self.emu, project, kind, body.req_str("name"))
        if family.content == "file":
            task.blob = self.decode(body.get("file"), "file", family.max_size)
        elif family.content == "contents":
            task.contents = self.contents(body, family)
        apply_task_fields(self.emu, task, body)
        self.emu.store.add_task(task)
        return json_response(task.id)

    @routes_of(
        ("PUT", f"tasks/{kind}/{{task_id}}", {"kind": kind})
        for kind in FAMILIES
        if kind != "multi-modal-video-audio"
    )
    async def update_task(self, request: Request, kind: str) -> Response:
        task = self.task(request.path_params["task_id"], kind)
        body = await self.emu.body(request)
        apply_task_fields(self.emu, task, body)
        return json_response(task.id)

    @route("POST", "tasks/integrated-image/classification", kind="image/classification")
    @route("POST", "tasks/integrated-image", kind="image")
    async def create_integrated(self, request: Request, kind: str) -> Response:
        body = await self.emu.body(request)
        project = self.emu.project(body.req_str("project"))
        self.check_media(project, FAMILIES[kind])
        file_path = body.req_str("filePath")
        storage = body.req_str("storageType")
        task = new_task(self.emu, project, kind, file_path)
        task.fields.update(filePath=file_path, storageType=storage)
        apply_task_fields(self.emu, task, body)
        self.emu.store.add_task(task)
        return json_response(task.id)

    # -- helpers ------------------------------------------------------------------------

    def task(self, task_id: str, kind: str | None = None) -> StoredTask:
        """The task ``task_id`` (of ``kind``, if given), else 404."""
        task = self.emu.store.tasks.get(task_id)
        if task is None or (kind is not None and task.kind != kind):
            raise Invalid(404, f"Task not found: {task_id}")
        return task

    def filtered(
        self, request: Request, *, kind: str | None = None, by_name: bool = False
    ) -> list[StoredTask]:
        """The project's tasks matching the list query (status, externalStatus, tags, taskName)."""
        query = self.query(request)
        project = self.project_of(query)
        status = query.opt_str("status", STATUSES)
        external = query.opt_str("externalStatus", EXTERNAL_STATUSES)
        tags = set(query.params.get_list("tags"))
        name = query.get("taskName") if by_name else None
        if name:
            task_id = project.task_names.get(name)
            candidates = [self.emu.store.tasks[task_id]] if task_id is not None else []
        else:
            candidates = list(self.emu.store.tasks_of(project))
        return [
            t
            for t in candidates
            if (kind is None or t.kind == kind)
            and (status is None or t.fields["status"] == status)
            and (external is None or t.fields["externalStatus"] == external)
            and (not tags or not tags.isdisjoint(t.tags))
        ]

    def check_media(self, project: Project, family: Family) -> None:
        """400 when the project's type belongs to another media than the task family."""
        media = project_media(project.type) if self.emu.check_project_types else None
        if media is not None and media != family.media:
            raise field_error(f"project type {project.type} does not accept {family.media} tasks")

    def decode(self, value: object, field: str, max_size: int | None) -> Blob:
        """Decode a base64 file field into a stored blob with a download token."""
        blob = decode_file(value, field, max_size=max_size, keep=self.emu.retain_size)
        self.emu.publish(blob)
        return blob

    def contents(self, body: Fields, family: Family) -> list[tuple[str, Blob | None]]:
        """Decode ``contents[{name, file}]``, checking the file count."""
        items = body.opt_list("contents", dict)
        if not items:
            raise field_error("contents should not be empty")
        if family.max_files is not None and len(items) > family.max_files:
            raise field_error(f"contents must contain no more than {family.max_files} elements")
        decoded: list[tuple[str, Blob | None]] = []
        for index, item in enumerate(items):
            name = Fields(item).req_str("name")
            decoded.append(
                (name, self.decode(item.get("file"), f"contents.{index}.file", family.max_size))
            )
        return decoded
