"""Listing, counting, waiting for and bulk-creating Scale tasks."""

from __future__ import annotations

import os
import typing
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping

from typing_extensions import Unpack

from ..._bulk import BulkRun, Progress
from ..._errors import ValidationError
from ..._journal import Journal
from ..._pagination import Page, iter_cursor
from ..._paths import segment
from ..._poll import JobState, WaitOptions
from ..._signatures import with_defaults
from ._base import (
    QueryValue,
    When,
    _count,
    _ScaleBase,
    _strings,
    _task_type,
    _text,
    _when,
    content_unique_id,
    new_unique_id,
)
from ._models import Task, Tasklist, TaskReviewStatus, TaskStatus, TaskType

__all__: list[str] = []

Strings = typing.Union[str, Iterable[str]]
UniqueIds = typing.Union[
    typing.Literal["random", "content"], Callable[[Mapping[str, typing.Any]], str]
]


ReviewStatuses = typing.Union[TaskReviewStatus, str, Iterable[typing.Union[TaskReviewStatus, str]]]

#: get_tasks' arguments -> the query keyword of :meth:`_ListingMixin.tasks` they are sent as.
_QUERY_NAMES = {
    "task_type": "type",
    "review_status": "customer_review_status",
    "created_after": "start_time",
    "created_before": "end_time",
}
#: Sent only when truthy, as the official SDK does (``status=None``, ``limit=0``,
#: ``limited_response=False`` and ``review_status=[]`` leave the key out).
_WHEN_TRUTHY = frozenset({"task_type", "status", "review_status", "limited_response", "limit"})


def _task_query(
    project_name: str | None, batch_name: str | None, options: Mapping[str, typing.Any]
) -> dict[str, object]:
    """The :meth:`_ListingMixin.tasks` keywords for ``get_tasks``' arguments, checked now
    (so that bad arguments fail at the call rather than at the first page); several
    ``review_status`` values are comma-joined, as the official SDK does."""
    if not project_name and not batch_name:
        raise ValidationError("project_name", "project_name or batch_name is required")
    query: dict[str, object] = {"project": project_name, "batch": batch_name}
    for name, value in options.items():
        if name in _WHEN_TRUTHY and not value:
            continue
        if name == "review_status":
            values = [value] if isinstance(value, str) else value
            value = ",".join(str(v) for v in _strings("review_status", values))
        elif name.endswith(("_after", "_before")):
            _when(name, value)
        query[_QUERY_NAMES.get(name, name)] = value
    return query


def _classify(task: Task) -> JobState:
    if task.status is None or task.status is TaskStatus.PENDING:
        return JobState.PENDING
    return JobState.SUCCEEDED if task.status is TaskStatus.COMPLETED else JobState.FAILED


class _ListingMixin(_ScaleBase):
    """Task listings, waits and bulk creation (part of :class:`~labelkit.scale.AsyncScale`)."""

    async def tasks(
        self,
        *,
        start_time: When = None,
        end_time: When = None,
        status: TaskStatus | str | None = None,
        type: TaskType | str | None = None,
        project: str | None = None,
        batch: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        completed_before: When = None,
        completed_after: When = None,
        next_token: str | None = None,
        customer_review_status: TaskReviewStatus | str | None = None,
        tags: Strings | None = None,
        updated_before: When = None,
        updated_after: When = None,
        unique_id: Strings | None = None,
        include_attachment_url: bool | None = None,
        limited_response: bool | None = None,
    ) -> Tasklist:
        """One page of tasks (``GET /v1/tasks``), newest first, as a :class:`Tasklist`.

        The result is a list with ``total``, ``limit``, ``offset``,
        ``has_more`` and ``next_token``; pass ``next_token`` back for the next
        page (``offset`` is legacy), or let :meth:`get_tasks` page for you.
        ``start_time``/``end_time`` bound ``created_at``. Times are ISO-8601
        strings or datetimes (a naive one is sent as it is, which Scale reads as UTC);
        ``limit`` is the page size (Scale documents 1-100); lists
        (``tags``, ``unique_id``) are sent as repeated keys.
        """
        query: dict[str, QueryValue] = {
            "start_time": _when("start_time", start_time),
            "end_time": _when("end_time", end_time),
            "status": status,
            "type": None if type is None else _task_type(type),
            "project": project,
            "batch": batch,
            "limit": _count("limit", limit),
            "offset": _count("offset", offset),
            "completed_before": _when("completed_before", completed_before),
            "completed_after": _when("completed_after", completed_after),
            "next_token": next_token,
            "customer_review_status": customer_review_status,
            "tags": None if tags is None else _strings("tags", tags),
            "updated_before": _when("updated_before", updated_before),
            "updated_after": _when("updated_after", updated_after),
            "unique_id": None if unique_id is None else _strings("unique_id", unique_id),
            "include_attachment_url": include_attachment_url,
            "limited_response": limited_response,
        }
        return self._task_page(await self._v1("GET", "tasks", params=query), "GET /v1/tasks")

    def get_tasks(
        self,
        project_name: str | None = None,
        batch_name: str | None = None,
        task_type: TaskType | str | None = None,
        status: TaskStatus | str | None = None,
        review_status: ReviewStatuses | None = None,
        unique_id: Strings | None = None,
        completed_after: When = None,
        completed_before: When = None,
        updated_after: When = None,
        updated_before: When = None,
        created_after: When = None,
        created_before: When = None,
        tags: Strings | None = None,
        include_attachment_url: bool = True,
        limited_response: bool | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[Task]:
        """Every matching task of a project or batch, fetched page by page as you iterate.

        ``async for task in client.get_tasks("My Project", status=TaskStatus.COMPLETED)``.
        Pages follow ``next_token`` until ``has_more`` is false; each task is
        yielded exactly once, and a page is requested only when needed.
        ``project_name`` or ``batch_name`` is required. The arguments (in the
        official order, positional or keyword) map to :meth:`tasks` as in the
        official SDK: ``created_after`` is ``start_time``, several
        ``review_status`` values are comma-joined, ``include_attachment_url``
        defaults to true, and an empty ``task_type``, ``status``,
        ``review_status``, ``limited_response`` or ``limit`` is not sent;
        ``limit`` is the page size.
        """
        filters = {
            "task_type": task_type,
            "status": status,
            "review_status": review_status,
            "unique_id": unique_id,
            "completed_after": completed_after,
            "completed_before": completed_before,
            "updated_after": updated_after,
            "updated_before": updated_before,
            "created_after": created_after,
            "created_before": created_before,
            "tags": tags,
            "include_attachment_url": include_attachment_url,
            "limited_response": limited_response,
            "limit": limit,
        }
        query = _task_query(project_name, batch_name, filters)
        _count("limit", limit)

        async def fetch(cursor: str | None) -> Page[Task]:
            page = await self.tasks(next_token=cursor, **query)  # type: ignore[arg-type]
            return Page(page, has_more=page.has_more, next_cursor=page.next_token)

        return iter_cursor(fetch, key=lambda task: task.task_id)

    async def find_task_by_unique_id(
        self, unique_id: str, *, project: str | None = None
    ) -> Task | None:
        """The task whose ``unique_id`` is exactly ``unique_id``, or None.

        Reads every page of ``GET /v1/tasks?unique_id=`` (narrowed to
        ``project`` when given) and compares the ids exactly, so the answer is
        complete whatever the server's filter does. Used to resolve creates
        whose outcome is unknown.
        """
        return await self._task_by_unique_id(_text("unique_id", unique_id), project)

    async def get_tasks_count(
        self,
        project_name: str | None = None,
        batch_name: str | None = None,
        task_type: TaskType | str | None = None,
        status: TaskStatus | str | None = None,
        review_status: ReviewStatuses | None = None,
        unique_id: Strings | None = None,
        completed_after: When = None,
        completed_before: When = None,
        updated_after: When = None,
        updated_before: When = None,
        created_after: When = None,
        created_before: When = None,
        tags: Strings | None = None,
        include_attachment_url: bool = True,
    ) -> int:
        """How many tasks match (one ``GET /v1/tasks?limit=1``; reads ``total``).

        The arguments are :meth:`get_tasks`' (without the page options).
        """
        filters = {
            "task_type": task_type,
            "status": status,
            "review_status": review_status,
            "unique_id": unique_id,
            "completed_after": completed_after,
            "completed_before": completed_before,
            "updated_after": updated_after,
            "updated_before": updated_before,
            "created_after": created_after,
            "created_before": created_before,
            "tags": tags,
            "include_attachment_url": include_attachment_url,
        }
        query = _task_query(project_name, batch_name, filters)
        page = await self.tasks(**query, limit=1)  # type: ignore[arg-type]
        return page.total if page.total is not None else len(page)

    async def wait_task(self, task_id: str, **wait: Unpack[WaitOptions]) -> Task:
        """Poll :meth:`get_task` until the task is no longer pending; return it when completed.

        Uses the client's ``poll`` policy (default :data:`DEFAULT_POLL`: first
        after 10 s, growing to every 5 minutes, for at most a day).
        A canceled or errored task raises :class:`~labelkit.JobFailedError`
        (``job`` is the task); the deadline (``timeout`` seconds, default the
        policy's day, ``None`` waits forever) raises
        :class:`~labelkit.PollTimeoutError` (the task is left alone). For many
        tasks prefer callbacks (:class:`~labelkit.scale.CallbackReceiver`).
        """
        segment(task_id, field="task_id")
        wait = with_defaults(wait, WaitOptions, "wait_task")
        return await self._wait_job(task_id, self._get_task, _classify, "Scale task", **wait)

    def wait_tasks(
        self,
        task_ids: Iterable[str] | AsyncIterable[str],
        *,
        concurrency: int = 64,
        **wait: Unpack[WaitOptions],
    ) -> BulkRun[str, Task]:
        """Wait for many tasks; yields one Outcome per id as each task finishes.

        Each id is waited for as in :meth:`wait_task` (its ``timeout`` counts
        from the start of that id's wait), ``concurrency`` at a time.
        """
        return self._wait_jobs(
            task_ids,
            self._get_task,
            _classify,
            "Scale task",
            concurrency=concurrency,
            **with_defaults(wait, WaitOptions, "wait_tasks"),
        )

    def create_tasks(
        self,
        task_type: TaskType | str,
        items: Iterable[Mapping[str, typing.Any]] | AsyncIterable[Mapping[str, typing.Any]],
        *,
        unique_ids: UniqueIds = "random",
        unique_id_prefix: str = "labelkit-",
        concurrency: int = 16,
        on_progress: Callable[[Progress], object] | None = None,
        journal: Journal | str | os.PathLike[str] | None = None,
    ) -> BulkRun[Mapping[str, typing.Any], Task]:
        """Create one task per item (its parameters), ``concurrency`` at a time.

        Every create carries a ``unique_id``, so each one is retried safely and
        never duplicated (see :meth:`create_task`). An item's own
        ``unique_id`` is kept; otherwise one is made from ``unique_ids``:

        * ``"random"`` (default): ``unique_id_prefix`` + a random UUID; safe
          within this run, but running the same items again creates them again.
        * ``"content"``: :func:`~labelkit.scale.content_unique_id` of the type
          and the item, so re-running the same input after a crash creates only
          what is missing (two identical items become one task).
        * a function ``item -> str`` (e.g. ``lambda item: item["metadata"]["row"]``):
          your own stable key.

        ``journal`` (a :class:`~labelkit.Journal` or a path) makes the job
        resumable: items done by an earlier run are not sent again, and one a
        crash left unknown is looked up by its ``unique_id`` first. Each item is
        journaled as ``scale:{task_type}:{unique_id}`` (the key ``labelkit
        upload scale`` uses, so either resumes the other's job); it needs
        stable ids (``"content"``, a function, or a ``unique_id`` in every item).

        Returns a :class:`~labelkit.BulkRun` of one Outcome per item.
        """
        kind = _task_type(task_type)
        if not callable(unique_ids) and unique_ids not in ("random", "content"):
            raise ValidationError("unique_ids", f"unknown strategy {unique_ids!r}")

        def unique_id(item: Mapping[str, typing.Any]) -> str:
            if not isinstance(item, Mapping):
                raise ValidationError("items", f"expected a mapping, got {type(item).__name__}")
            own = item.get("unique_id")
            if own is not None:
                return _text("unique_id", own)
            if journal is not None and unique_ids == "random":
                raise ValidationError(
                    "unique_ids",
                    "journal= needs stable ids: unique_ids='content', a function, "
                    "or a unique_id in every item",
                )
            return _make_unique_id(kind, item, unique_ids, unique_id_prefix)

        async def create(item: Mapping[str, typing.Any]) -> Task:
            params = {**item, "unique_id": unique_id(item)}
            return await self._create_task_at(f"task/{kind}", kind, params)

        async def find(item: Mapping[str, typing.Any]) -> Task | None:
            project = item.get("project")
            return await self.find_task_by_unique_id(
                unique_id(item), project=project if isinstance(project, str) else None
            )

        if journal is None:
            return self.bulk(create, items, concurrency=concurrency, on_progress=on_progress)
        return self.bulk(
            create,
            items,
            concurrency=concurrency,
            on_progress=on_progress,
            journal=journal,
            key=lambda item: f"scale:{kind}:{unique_id(item)}",
            resolve=find,
            remote_id=lambda task: task.task_id,
        )


def _make_unique_id(
    kind: str, params: Mapping[str, typing.Any], strategy: UniqueIds, prefix: str
) -> str:
    if callable(strategy):
        return _text("unique_id", strategy(params))
    if strategy == "random":
        return new_unique_id(prefix)
    return content_unique_id(kind, params, prefix)
