"""Tags, metadata definitions and task comments (with their threads) of the FastLabel emulator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._emulator import Request, Response, json_response, route
from ._data import EXTERNAL_STATUSES, STATUSES, Invalid, field_error, found
from ._group import RouteGroup
from ._state import Comment

if TYPE_CHECKING:
    pass

__all__ = ["CommentRoutes"]


class CommentRoutes(RouteGroup):
    """Handlers for ``tags``, ``metadatas`` and ``comments``."""

    # -- tags and metadata definitions --------------------------------------------------

    @route("GET", "tags")
    async def list_tags(self, request: Request) -> Response:
        query = self.query(request)
        project = self.project_of(query)
        window = query.page(100, 1000)
        keyword = query.get("keyword") or ""
        chosen = [t for name, t in project.tags.items() if keyword in name]
        return json_response(window.of(chosen))

    @route("POST", "tags/delete/multi")
    async def delete_tags(self, request: Request) -> Response:
        body = await self.emu.body(request)
        tag_ids = set(body.opt_list("tagIds", str) or [])
        if not tag_ids:
            raise field_error("tagIds should not be empty")
        for project in self.store.projects.values():
            doomed = {name for name, tag in project.tags.items() if tag["id"] in tag_ids}
            if not doomed:
                continue
            for name in doomed:
                del project.tags[name]
            for task in self.store.tasks_of(project):
                if not doomed.isdisjoint(task.tags):
                    task.tags = [t for t in task.tags if t not in doomed]
        return Response(200)

    @route("GET", "metadatas")
    async def list_metadatas(self, request: Request) -> Response:
        query = self.query(request)
        window = query.page(100, 1000)
        slug = query.get("project")
        projects = [self.emu.project(slug)] if slug else list(self.store.projects.values())
        chosen = [m for p in projects for m in p.metadatas.values()]
        return json_response(window.of(chosen))

    # -- comments -----------------------------------------------------------------------

    def render_comment(self, comment: Comment, *, threads: bool = True) -> dict[str, Any]:
        record = {"id": comment.id, "taskId": comment.task.id, **comment.fields}
        record["createdAt"] = self.store.iso(comment.created_at)
        if threads:
            record["threads"] = [dict(t) for t in comment.threads]
        return record

    def _thread(self, comment: Comment, text: str) -> dict[str, Any]:
        now = self.store.iso()
        thread = {"id": self.store.new_id(), "text": text, "createdAt": now, "updatedAt": now}
        comment.threads.append(thread)
        self.store.threads[thread["id"]] = comment
        return thread

    @route("POST", "comments")
    async def create_comment(self, request: Request) -> Response:
        body = await self.emu.body(request)
        task = self.emu.store.tasks.get(body.req_str("taskId"))
        if task is None:
            raise Invalid(404, f"Task not found: {body['taskId']}")
        text = body.req_str("text")
        if body.get("contentName") and body.get("contentId"):
            raise field_error("specify only one of contentName and contentId")
        fields: dict[str, Any] = {
            "points": body.get("points"),
            "type": body.opt_str("type") or "text",
            "isResolved": body.opt_bool("isResolved") or False,
            "scale": body.get("scale"),
            "frame": body.get("frame"),
        }
        for key in ("contentName", "contentId", "status", "priority", "taskAnnotationId", "color"):
            fields[key] = body.get(key)
        fields["issueCategoryId"] = body.get("issueCategoryId")
        comment = Comment(self.store.new_id(), task, fields, self.emu.clock.now())
        self._thread(comment, text)
        self.store.comments[comment.id] = comment
        return json_response(self.render_comment(comment))

    @route("POST", "comments/{id}/threads")
    async def reply(self, request: Request) -> Response:
        comment = found(self.store.comments, request.path_params["id"], "Comment")
        body = await self.emu.body(request)
        self._thread(comment, body.req_str("text"))
        return json_response(self.render_comment(comment))

    def _comment_of(self, thread_id: str) -> Comment:
        return found(self.store.threads, thread_id, "Comment thread")

    @route("PUT", "comments/threads/{id}")
    async def update_thread(self, request: Request) -> Response:
        thread_id = request.path_params["id"]
        comment = self._comment_of(thread_id)
        text = (await self.emu.body(request)).req_str("text")
        for thread in comment.threads:
            if thread["id"] == thread_id:
                thread.update(text=text, updatedAt=self.store.iso())
        return json_response(self.render_comment(comment))

    @route("DELETE", "comments/threads/{id}")
    async def delete_thread(self, request: Request) -> Response:
        thread_id = request.path_params["id"]
        comment = self._comment_of(thread_id)
        comment.threads = [t for t in comment.threads if t["id"] != thread_id]
        del self.store.threads[thread_id]
        if not comment.threads:
            self.store.remove_comment(comment)
        return Response(200)

    @route("GET", "comments")
    async def task_comments(self, request: Request) -> Response:
        query = self.query(request)
        project = self.project_of(query)
        task_id = query.required("taskId")
        window = query.page(100, 1000)
        chosen = [
            c
            for c in self.store.comments.values()
            if c.task.id == task_id and c.task.project is project
        ]
        return json_response([self.render_comment(c) for c in window.of(chosen)])

    @route("GET", "comments/threads")
    async def project_comments(self, request: Request) -> Response:
        query = self.query(request)
        project = self.project_of(query)
        window = query.page(100, 1000)
        status = query.opt_str("taskStatus", STATUSES)
        external = query.opt_str("taskExternalStatus", EXTERNAL_STATUSES)
        tags = set(query.params.get_list("taskTags"))
        category = query.get("issueCategoryId")
        threads = [
            {**thread, "comment": self.render_comment(c, threads=False)}
            for c in self.store.comments.values()
            if c.task.project is project
            and (status is None or c.task.fields["status"] == status)
            and (external is None or c.task.fields["externalStatus"] == external)
            and (not tags or not tags.isdisjoint(c.task.tags))
            and (not category or c.fields.get("issueCategoryId") == category)
            for thread in c.threads
        ]
        return json_response(window.of(threads))
