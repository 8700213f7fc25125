"""Type-agnostic task operations of the FastLabel emulator: update, delete, count, id-name map,
tag add/remove, merged tasks by prefix and appendix exports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._emulator import Request, Response, json_response, route
from ._data import Fields, Invalid, field_error
from ._group import RouteGroup
from ._tasks import ASSIGNEE_KEYS, TaskRoutes, apply_task_fields

if TYPE_CHECKING:
    from ._app import FastLabelEmulator

__all__ = ["TaskOpRoutes"]


class TaskOpRoutes(RouteGroup):
    """Handlers for ``tasks/{id}``, ``tasks/count``, ``tasks/map/id-name``, ``tasks/tags/*``..."""

    def __init__(self, emu: FastLabelEmulator, tasks: TaskRoutes) -> None:
        super().__init__(emu)
        self.tasks = tasks

    # -- type-agnostic ------------------------------------------------------------------

    @route("PUT", "tasks/{task_id}")
    async def update_any(self, request: Request) -> Response:
        task = self.tasks.task(request.path_params["task_id"])
        body = await self.emu.body(request)
        allowed = {"status", "externalStatus", "priority", "tags", "metadatas", *ASSIGNEE_KEYS}
        apply_task_fields(self.emu, task, Fields({k: v for k, v in body.items() if k in allowed}))
        return json_response(task.id)

    @route("DELETE", "tasks/{task_id}")
    async def delete(self, request: Request) -> Response:
        self.emu.store.remove_task(self.tasks.task(request.path_params["task_id"]))
        return Response(200)

    @route("DELETE", "tasks/{task_id}/task-annotations")
    async def delete_annotations(self, request: Request) -> Response:
        task = self.tasks.task(request.path_params["task_id"])
        task.annotations = []
        task.updated_at = self.emu.clock.now()
        return Response(200)

    @route("GET", "tasks/count")
    async def count(self, request: Request) -> Response:
        return json_response(len(self.tasks.filtered(request)))

    @route("GET", "tasks/map/id-name")
    async def id_name_map(self, request: Request) -> Response:
        window = self.query(request).page(1000, 1000)
        chosen = window.of(self.tasks.filtered(request))
        return json_response({t.id: t.name for t in chosen})

    @route("POST", "tasks/tags/add")
    async def add_tags(self, request: Request) -> Response:
        return await self._change_tags(request, add=True)

    @route("POST", "tasks/tags/remove")
    async def remove_tags(self, request: Request) -> Response:
        return await self._change_tags(request, add=False)

    async def _change_tags(self, request: Request, *, add: bool) -> Response:
        body = await self.emu.body(request)
        project = self.emu.project(body.req_str("project"))
        task_ids = body.opt_list("taskIds", str, max_items=5000)
        tags = body.opt_list("tags", str, max_items=20)
        if not task_ids:
            raise field_error("taskIds should not be empty")
        if not tags:
            raise field_error("tags should not be empty")
        if any(len(t) > 140 for t in tags):
            raise field_error("each value in tags must be shorter than or equal to 140 characters")
        if add:
            self.emu.store.use_tags(project, tags)
        changed = 0
        for task_id in dict.fromkeys(task_ids):
            task = self.emu.store.tasks.get(task_id)
            if task is None or task.project is not project:
                continue
            before = list(task.tags)
            if add:
                task.tags = list(dict.fromkeys([*task.tags, *tags]))
            else:
                task.tags = [t for t in task.tags if t not in tags]
            if task.tags != before:
                changed += 1
                task.updated_at = self.emu.clock.now()
        return json_response({"updatedTaskCount": changed})

    @route("GET", "tasks/integrate/images")
    @route("GET", "tasks/integrate/videos")
    @route("GET", "tasks/integrate/audios")
    async def by_prefix(self, request: Request) -> Response:
        query = self.query(request)
        project = self.project_of(query)
        prefix = query.required("prefix")
        kind = {"images": "image", "videos": "video", "audios": "audio"}[
            request.path.split("/")[-1]
        ]
        found = [t for t in self.emu.store.tasks_of(project) if t.kind == kind]
        found = [t for t in found if t.name.startswith(prefix)]
        if not found:
            raise Invalid(404, f"No task found with the prefix '{prefix}'")
        base = self.emu.base(request)
        annotations = [a for t in found for a in self.emu.render_task(t, base)["annotations"]]
        return json_response({"name": prefix, "annotations": annotations})

    @route("GET", "tasks/appendix")
    async def task_appendix(self, request: Request) -> Response:
        keys = ("id", "url", "name", "format", "calibration")
        return self._appendix(request, keys)

    @route("GET", "contents/export/appendix")
    async def export_appendix(self, request: Request) -> Response:
        keys = ("id", "url", "format", "imageFileName", "calibrationFileName", "calibration")
        return self._appendix(request, keys)

    def _appendix(self, request: Request, keys: tuple[str, ...]) -> Response:
        window = self.query(request).page(10000, 10000)
        rows = [row for t in self.tasks.filtered(request, by_name=True) for row in t.appendix]
        base = self.emu.base(request)
        chosen = []
        for row in window.of(rows):
            url = self.emu.download_url(base, row.get("_blob"), str(row.get("name") or ""))
            chosen.append({k: url if k == "url" else row.get(k) for k in keys})
        return json_response(chosen)
