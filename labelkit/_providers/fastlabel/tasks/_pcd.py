"""FastLabel: PCD and sequential PCD tasks (6.1.12).

Thin entries: each method hands its arguments (``locals()``, by their official
names) and its task kind to the mechanism in :mod:`._tasks`.
"""

from __future__ import annotations

import os
import typing
from collections.abc import AsyncIterator, Mapping, Sequence

from ...._types import NOT_GIVEN, NotGiven
from ._kinds import KINDS
from ._mechanism import TasksBase
from ._models import PcdTask, Priority, SequentialPcdTask

__all__ = ["PcdTasksMixin"]

_PCD = KINDS["pcd"]
_SEQUENTIAL_PCD = KINDS["sequential_pcd"]


class PcdTasksMixin(TasksBase):
    """PCD and sequential PCD tasks (6.1.12)."""

    async def find_pcd_task(self, task_id: str) -> PcdTask:
        """Find a single PCD task by id."""
        return typing.cast(PcdTask, await self._find_task(_PCD, task_id))

    async def find_pcd_task_by_name(self, project: str, task_name: str) -> PcdTask | None:
        """The first PCD task the ``taskName`` filter returns, or None."""
        task = await self._find_task_by_name(_PCD, project, task_name)
        return typing.cast("PcdTask | None", task)

    async def get_pcd_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 100,
    ) -> list[PcdTask]:
        """One page of PCD tasks (``limit`` at most 1000).

        ``GET tasks/pcd``. Filters: ``status``, ``external_status``, ``tags`` (any of),
        ``task_name``.
        :meth:`iter_pcd_tasks` walks every page.
        """
        return typing.cast("list[PcdTask]", await self._get_tasks(_PCD, locals()))

    def iter_pcd_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[PcdTask]:
        """Every PCD task matching the filters, fetched lazily.

        1000 per request, each task exactly once.
        """
        return typing.cast("AsyncIterator[PcdTask]", self._iter_tasks(_PCD, locals()))

    async def create_pcd_task(
        self,
        project: str,
        name: str,
        file_path: str | os.PathLike[str],
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        annotations: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        *,
        assignee: str | NotGiven | None = NOT_GIVEN,
        reviewer: str | NotGiven | None = NOT_GIVEN,
        approver: str | NotGiven | None = NOT_GIVEN,
        external_assignee: str | NotGiven | None = NOT_GIVEN,
        external_reviewer: str | NotGiven | None = NOT_GIVEN,
        external_approver: str | NotGiven | None = NOT_GIVEN,
        workflow_1_user: str | NotGiven | None = NOT_GIVEN,
        workflow_2_user: str | NotGiven | None = NOT_GIVEN,
        workflow_3_user: str | NotGiven | None = NOT_GIVEN,
        workflow_4_user: str | NotGiven | None = NOT_GIVEN,
        workflow_5_user: str | NotGiven | None = NOT_GIVEN,
        workflow_6_user: str | NotGiven | None = NOT_GIVEN,
    ) -> str:
        """Create a PCD task; returns the new task's id.

        ``POST tasks/pcd``.

        ``file_path``: pcd, at most 100 MiB; checked before sending, then streamed.
        ``annotations`` are sent as copies without display-only keys, ``content`` = the task
        name. Cuboid points: x, y, z, rotation x/y/z, size x/y/z.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(_PCD, locals())

    async def update_pcd_task(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        tags: Sequence[str] | None = None,
        annotations: Sequence[Mapping[str, typing.Any]] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        *,
        assignee: str | NotGiven | None = NOT_GIVEN,
        reviewer: str | NotGiven | None = NOT_GIVEN,
        approver: str | NotGiven | None = NOT_GIVEN,
        external_assignee: str | NotGiven | None = NOT_GIVEN,
        external_reviewer: str | NotGiven | None = NOT_GIVEN,
        external_approver: str | NotGiven | None = NOT_GIVEN,
        workflow_1_user: str | NotGiven | None = NOT_GIVEN,
        workflow_2_user: str | NotGiven | None = NOT_GIVEN,
        workflow_3_user: str | NotGiven | None = NOT_GIVEN,
        workflow_4_user: str | NotGiven | None = NOT_GIVEN,
        workflow_5_user: str | NotGiven | None = NOT_GIVEN,
        workflow_6_user: str | NotGiven | None = NOT_GIVEN,
    ) -> str:
        """Update a PCD task; returns its id.

        ``PUT tasks/pcd/{task_id}``: only the fields given (non-empty) are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(_PCD, task_id, locals())

    async def find_sequential_pcd_task(self, task_id: str) -> SequentialPcdTask:
        """Find a single sequential PCD task by id."""
        return typing.cast(SequentialPcdTask, await self._find_task(_SEQUENTIAL_PCD, task_id))

    async def find_sequential_pcd_task_by_name(
        self, project: str, task_name: str
    ) -> SequentialPcdTask | None:
        """The first sequential PCD task the ``taskName`` filter returns, or None."""
        task = await self._find_task_by_name(_SEQUENTIAL_PCD, project, task_name)
        return typing.cast("SequentialPcdTask | None", task)

    async def get_sequential_pcd_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 10,
    ) -> list[SequentialPcdTask]:
        """One page of sequential PCD tasks (``limit`` at most 10).

        ``GET tasks/sequential-pcd``. Filters: ``status``, ``external_status``, ``tags`` (any
        of), ``task_name``.
        :meth:`iter_sequential_pcd_tasks` walks every page.
        """
        return typing.cast(
            "list[SequentialPcdTask]", await self._get_tasks(_SEQUENTIAL_PCD, locals())
        )

    def iter_sequential_pcd_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[SequentialPcdTask]:
        """Every sequential PCD task matching the filters, fetched lazily.

        10 per request, each task exactly once.
        """
        return typing.cast(
            "AsyncIterator[SequentialPcdTask]", self._iter_tasks(_SEQUENTIAL_PCD, locals())
        )

    async def create_sequential_pcd_task(
        self,
        project: str,
        name: str,
        folder_path: str | os.PathLike[str],
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        annotations: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        *,
        assignee: str | NotGiven | None = NOT_GIVEN,
        reviewer: str | NotGiven | None = NOT_GIVEN,
        approver: str | NotGiven | None = NOT_GIVEN,
        external_assignee: str | NotGiven | None = NOT_GIVEN,
        external_reviewer: str | NotGiven | None = NOT_GIVEN,
        external_approver: str | NotGiven | None = NOT_GIVEN,
        workflow_1_user: str | NotGiven | None = NOT_GIVEN,
        workflow_2_user: str | NotGiven | None = NOT_GIVEN,
        workflow_3_user: str | NotGiven | None = NOT_GIVEN,
        workflow_4_user: str | NotGiven | None = NOT_GIVEN,
        workflow_5_user: str | NotGiven | None = NOT_GIVEN,
        workflow_6_user: str | NotGiven | None = NOT_GIVEN,
    ) -> str:
        """Create a sequential PCD task; returns the new task's id.

        ``POST tasks/sequential-pcd``.

        ``folder_path``: its files (pcd, at most 100 MiB each, at most 250 files), sorted by
        name; checked before sending.
        ``annotations`` are sent as copies; set each one's ``content`` to its frame's file name.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(_SEQUENTIAL_PCD, locals())

    async def update_sequential_pcd_task(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        tags: Sequence[str] | None = None,
        annotations: Sequence[Mapping[str, typing.Any]] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        *,
        assignee: str | NotGiven | None = NOT_GIVEN,
        reviewer: str | NotGiven | None = NOT_GIVEN,
        approver: str | NotGiven | None = NOT_GIVEN,
        external_assignee: str | NotGiven | None = NOT_GIVEN,
        external_reviewer: str | NotGiven | None = NOT_GIVEN,
        external_approver: str | NotGiven | None = NOT_GIVEN,
        workflow_1_user: str | NotGiven | None = NOT_GIVEN,
        workflow_2_user: str | NotGiven | None = NOT_GIVEN,
        workflow_3_user: str | NotGiven | None = NOT_GIVEN,
        workflow_4_user: str | NotGiven | None = NOT_GIVEN,
        workflow_5_user: str | NotGiven | None = NOT_GIVEN,
        workflow_6_user: str | NotGiven | None = NOT_GIVEN,
    ) -> str:
        """Update a sequential PCD task; returns its id.

        ``PUT tasks/sequential-pcd/{task_id}``: only the fields given (non-empty) are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(_SEQUENTIAL_PCD, task_id, locals())
