"""Scale task operations: create, retrieve, cancel, audit, unique ids, metadata and tags."""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping

from ..._errors import ValidationError
from ..._paths import segment
from .._alias import alias
from ._base import _body, _object, _ScaleBase, _string, _strings, _task_type
from ._models import QualityTask, Task, TaskStatus, TaskType

__all__: list[str] = []


class _TasksMixin(_ScaleBase):
    """Single-task operations of the v1 API (part of :class:`~labelkit.scale.AsyncScale`)."""

    async def create_task(self, task_type: TaskType | str, **params: typing.Any) -> Task:
        """Create a task of ``task_type``: ``POST /v1/task/<type>`` with ``params`` as the body.

        ``params`` are Scale's task parameters verbatim (``project``, ``batch``,
        ``callback_url``, ``instruction``, ``attachment_type``, ``attachment``,
        ``unique_id``, ``metadata``, ``tags``, ``geometries`` ...); the server
        validates the type-specific ones.

        With a ``unique_id`` the create is safe to retry: after a timeout, a
        dropped connection or a 5xx it is re-sent, and a 409 for that
        ``unique_id`` returns the existing task (looked up with
        ``GET /v1/tasks?unique_id=``), so retries never make a duplicate and
        never lose the task. A task of another type or project holding the
        ``unique_id`` raises :class:`~labelkit.ConflictError`. Without a
        ``unique_id`` a failure after the request may have reached Scale raises
        :class:`~labelkit.AmbiguousResultError` instead of re-sending (unless
        the client was built with ``auto_unique_id=True``).
        """
        kind = _task_type(task_type)
        return await self._create_task_at(f"task/{kind}", kind, params)

    async def get_task(self, task_id: str) -> Task:
        """Retrieve a task by id (``GET /v1/task/<id>``)."""
        return await self._get_task(task_id)

    fetch_task = alias(
        get_task, """Retrieve a task by id: the seed-era name of :meth:`get_task`."""
    )

    async def cancel_task(self, task_id: str, clear_unique_id: bool = False) -> Task:
        """Cancel a task whose work has not started (``POST /v1/task/<id>/cancel``).

        ``clear_unique_id=True`` also frees its ``unique_id`` for reuse. Scale
        answers 409 (:class:`~labelkit.ConflictError`) for a task already
        canceled, and an error for one already completed.
        """
        query = {"clear_unique_id": True} if clear_unique_id else None
        path = f"task/{segment(task_id, field='task_id')}/cancel"
        return await self._post_settled(
            path,
            Task,
            "POST /v1/task/cancel",
            params=query,
            settled=lambda: self.get_task(task_id),
            ours=lambda task: task.status is TaskStatus.CANCELED,
        )

    async def audit_task(
        self, task_id: str, accepted: bool | str, comments: str | None = None
    ) -> None:
        """Accept or reject a completed task's response (``POST /v1/task/<id>/audit``).

        ``accepted`` is true or false; any other value is sent as it is, as the
        official SDK sends it, and the server judges it. Scale's answer may not
        be JSON; it is ignored, as in the official SDK.
        """
        await self._request(
            "POST",
            f"v1/task/{segment(task_id, field='task_id')}/audit",
            json={"accepted": accepted, "comments": comments},
            idempotent=True,
        )

    async def update_task_unique_id(self, task_id: str, unique_id: str) -> Task:
        """Set a task's ``unique_id`` (409 :class:`~labelkit.ConflictError` if it is in use)."""
        path = f"task/{segment(task_id, field='task_id')}/unique_id"
        return await self._post_settled(
            path,
            Task,
            "POST /v1/task/unique_id",
            json={"unique_id": _string("unique_id", unique_id)},
            settled=lambda: self.get_task(task_id),
            ours=lambda task: task.unique_id == unique_id,
        )

    async def clear_task_unique_id(self, task_id: str) -> Task:
        """Remove a task's ``unique_id`` so that it can be used again."""
        raw = await self._v1("DELETE", f"task/{segment(task_id, field='task_id')}/unique_id")
        return self._parse(raw, Task, "DELETE /v1/task/unique_id")

    async def set_task_metadata(self, task_id: str, metadata: Mapping[str, typing.Any]) -> Task:
        """Replace a task's metadata; the object itself is the body (``{}`` clears it)."""
        if not isinstance(metadata, Mapping):
            raise _type_error("metadata", "an object", metadata)
        raw = await self._v1(
            "POST",
            f"task/{segment(task_id, field='task_id')}/setMetadata",
            json=_object("metadata", metadata),
            idempotent=True,
        )
        return self._parse(raw, Task, "POST /v1/task/setMetadata")

    async def set_task_tags(self, task_id: str, tags: Iterable[str]) -> Task:
        """Replace all of a task's tags (``POST``; ``[]`` removes every tag)."""
        return await self._tags("POST", task_id, tags)

    async def add_task_tags(self, task_id: str, tags: Iterable[str]) -> Task:
        """Add tags to a task (``PUT``); tags it already has are ignored."""
        return await self._tags("PUT", task_id, tags)

    async def delete_task_tags(self, task_id: str, tags: Iterable[str]) -> Task:
        """Remove tags from a task (``DELETE`` with the tags as a JSON array body)."""
        return await self._tags("DELETE", task_id, tags)

    async def create_evaluation_task(
        self, task_type: TaskType | str, **params: typing.Any
    ) -> QualityTask:
        """Create an evaluation task of a Rapid project (``POST /v1/evaluation_tasks/<type>``).

        ``params`` are the task's fields plus ``expected_response`` and
        optionally ``initial_response``.
        """
        return await self._quality("evaluation_tasks", task_type, params)

    async def create_training_task(
        self, task_type: TaskType | str, **params: typing.Any
    ) -> QualityTask:
        """Create a training task of a Rapid project (``POST /v1/training_tasks/<type>``).

        ``params`` are the task's fields plus ``expected_response``.
        """
        return await self._quality("training_tasks", task_type, params)

    async def _tags(self, method: str, task_id: str, tags: Iterable[str]) -> Task:
        path = f"task/{segment(task_id, field='task_id')}/tags"
        raw = await self._v1(method, path, json=_strings("tags", tags), idempotent=True)
        return self._parse(raw, Task, f"{method} /v1/task/tags")

    async def _quality(
        self, kind: str, task_type: TaskType | str, params: Mapping[str, object]
    ) -> QualityTask:
        path = f"{kind}/{_task_type(task_type)}"
        return await self._v1(
            "POST",
            path,
            json=_body("params", params),
            parse=lambda raw: self._parse(raw, QualityTask, f"POST /v1/{path}"),
        )


def _type_error(field: str, expected: str, value: object) -> Exception:
    return ValidationError(field, f"must be {expected}, got {type(value).__name__}")
