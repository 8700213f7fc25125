"""FastLabel: metadata definitions and task comments (sections 6.5, 6.6)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Sequence

from ..._errors import ValidationError
from ..._models import structure
from ..._paths import segment
from ._area import AreaBase, Listing, not_none, task_filters, truthy
from ._project_models import Comment, CommentThread, MetadataDefinition

__all__ = ["CommentsMixin"]

_MAX = 1000
#: The comment listings name the task-state filters after the commented task.
_TASK_KEYS = ("taskStatus", "taskExternalStatus", "taskTags")
_METADATAS = Listing("metadatas", MetadataDefinition, _MAX, _MAX)
_COMMENTS = Listing("comments", Comment, _MAX, _MAX, keep_zero=True)
_THREADS = Listing("comments/threads", CommentThread, _MAX, _MAX, keep_zero=True)


def _priority(priority: int | None) -> int | None:
    # IntEnum members (the SDK's ``Priority``) are sent as their number.
    if priority is None:
        return None
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise ValidationError("priority", f"must be an int, got {type(priority).__name__}")
    return int(priority)


class CommentsMixin(AreaBase):
    """Metadata definitions and task comments (sections 6.5, 6.6)."""

    async def get_metadatas(
        self, project: str | None = None, offset: int | None = None, limit: int | None = 100
    ) -> list[MetadataDefinition]:
        """One page of task metadata definitions (of ``project``, else the workspace's).

        ``limit`` is at most 1,000; see :meth:`iter_metadatas`.
        """
        return await self._page(_METADATAS, truthy(project=project), offset, limit)

    def iter_metadatas(self, project: str | None = None) -> AsyncIterator[MetadataDefinition]:
        """Every metadata definition, fetched lazily 1,000 at a time."""
        return self._every(_METADATAS, truthy(project=project))

    async def get_task_comments(
        self, project: str, task_id: str, offset: int | None = None, limit: int | None = 100
    ) -> list[Comment]:
        """One page of the comments of a task, each with its ``threads``.

        ``offset`` and ``limit`` are sent whenever given (``0`` included);
        ``limit`` is at most 1,000. See :meth:`iter_task_comments`.
        """
        query = {"project": project, "taskId": task_id}
        return await self._page(_COMMENTS, query, offset, limit)

    def iter_task_comments(self, project: str, task_id: str) -> AsyncIterator[Comment]:
        """Every comment of a task, fetched lazily 1,000 at a time."""
        return self._every(_COMMENTS, {"project": project, "taskId": task_id})

    async def get_project_comments(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        issue_category_id: str | None = None,
        offset: int | None = None,
        limit: int | None = 100,
    ) -> list[CommentThread]:
        """One page of the comment threads of a project, each with its ``comment``.

        Filters on the commented task's ``status``, ``external_status`` and
        ``tags``, and on ``issue_category_id``. ``limit`` is at most 1,000;
        see :meth:`iter_project_comments`.
        """
        query = task_filters(
            project, status, external_status, tags, _TASK_KEYS, issueCategoryId=issue_category_id
        )
        return await self._page(_THREADS, query, offset, limit)

    def iter_project_comments(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        issue_category_id: str | None = None,
    ) -> AsyncIterator[CommentThread]:
        """Every comment thread of a project, fetched lazily 1,000 at a time."""
        query = task_filters(
            project, status, external_status, tags, _TASK_KEYS, issueCategoryId=issue_category_id
        )
        return self._every(_THREADS, query)

    async def create_task_comment(
        self,
        task_id: str | None = None,
        points: Sequence[object] | None = None,
        text: str | None = None,
        content_name: str | None = None,
        content_id: str | None = None,
        type: str | None = "text",
        scale: float | None = 0,
        frame: int | None = 0,
        status: str | None = None,
        priority: int | None = None,
        is_resolved: bool | None = False,
        task_annotation_id: str | None = None,
        color: str | None = None,
        comment_id: str | None = None,
    ) -> Comment:
        """Pin a new comment on a task, or reply to one (``comment_id`` and ``text``).

        A new comment is pinned on ``task_id``; ``points`` locates it, and at
        most one of ``content_name`` / ``content_id`` picks the content of a
        multi-content task. A reply sends only ``text``. As with the SDK, a
        missing ``task_id`` or reply ``text`` is sent as ``null`` for the
        server to judge.
        """
        if comment_id is not None:
            # An empty or dot comment id would address another resource: refused by segment().
            path = f"comments/{segment(comment_id, field='comment_id')}/threads"
            return await self._post_model(path, {"text": text}, Comment)
        if content_name and content_id:
            raise ValidationError(
                "content_name", "give content_name or content_id, not both", limit="one of them"
            )
        body = {
            "taskId": task_id,
            "points": copy.deepcopy(list(points)) if points is not None else None,
            "text": text,
            "type": type,
            "isResolved": is_resolved,
            "scale": scale,
            "frame": frame,
            # As the SDK: each sent when not None (so priority 0, "none", is sent).
            **not_none(
                contentName=content_name,
                contentId=content_id,
                status=status,
                priority=_priority(priority),
                taskAnnotationId=task_annotation_id,
                color=color,
            ),
        }
        return await self._post_model("comments", body, Comment)

    async def update_task_comment(self, thread_id: str, text: str) -> Comment:
        """Replace the text of one message (thread) of a comment."""
        path = f"comments/threads/{segment(thread_id, field='thread_id')}"
        return structure(await self._call("PUT", path, body={"text": text}), Comment)

    async def delete_task_comment(self, thread_id: str) -> None:
        """Delete one message; deleting the last one removes the comment."""
        await self._call("DELETE", f"comments/threads/{segment(thread_id, field='thread_id')}")
