"""FastLabel: PCD and sequential PCD tasks (6.1.12).

Thin entries: each method hands its arguments, by name, and its task kind to the
mechanism in :mod:`._mechanism`, which maps each official parameter to its wire field.
"""

from __future__ import annotations

import os
import typing
from collections.abc import AsyncIterator, Mapping, Sequence

from typing_extensions import Unpack

from ._assignees import Assignees
from ._kinds import PCD, SEQUENTIAL_PCD
from ._mechanism import TasksBase
from ._models import PcdTask, Priority, SequentialPcdTask

__all__ = ["PcdTasksMixin"]


class PcdTasksMixin(TasksBase):
    """PCD and sequential PCD tasks (6.1.12)."""

    async def find_pcd_task(self, task_id: str) -> PcdTask:
        """Find a single PCD task by id."""
        return await self._find_task(PCD, task_id)

    async def find_pcd_task_by_name(self, project: str, task_name: str) -> PcdTask | None:
        """The first PCD task the ``taskName`` filter returns, or None."""
        return await self._find_task_by_name(PCD, project, task_name)

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
        return await self._get_tasks(
            PCD,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
            offset,
            limit,
        )

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
        return self._iter_tasks(
            PCD,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
        )

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
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create a PCD task; returns the new task's id.

        ``POST tasks/pcd``.

        ``file_path``: pcd, at most 100 MiB; checked before sending, then streamed.
        ``annotations`` are sent as copies without display-only keys, ``content`` = the task
        name. Cuboid points: x, y, z, rotation x/y/z, size x/y/z.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            PCD,
            project=project,
            name=name,
            file_path=file_path,
            status=status,
            external_status=external_status,
            priority=priority,
            annotations=annotations,
            tags=tags,
            metadatas=metadatas,
            **assignees,
        )

    async def update_pcd_task(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        tags: Sequence[str] | None = None,
        annotations: Sequence[Mapping[str, typing.Any]] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Update a PCD task; returns its id.

        ``PUT tasks/pcd/{task_id}``: only the fields given (non-empty) are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(
            PCD,
            task_id,
            status=status,
            external_status=external_status,
            priority=priority,
            tags=tags,
            annotations=annotations,
            metadatas=metadatas,
            **assignees,
        )

    async def find_sequential_pcd_task(self, task_id: str) -> SequentialPcdTask:
        """Find a single sequential PCD task by id."""
        return await self._find_task(SEQUENTIAL_PCD, task_id)

    async def find_sequential_pcd_task_by_name(
        self, project: str, task_name: str
    ) -> SequentialPcdTask | None:
        """The first sequential PCD task the ``taskName`` filter returns, or None."""
        return await self._find_task_by_name(SEQUENTIAL_PCD, project, task_name)

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
        return await self._get_tasks(
            SEQUENTIAL_PCD,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
            offset,
            limit,
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
        return self._iter_tasks(
            SEQUENTIAL_PCD,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
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
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create a sequential PCD task; returns the new task's id.

        ``POST tasks/sequential-pcd``.

        ``folder_path``: its files (pcd, at most 100 MiB each, at most 250 files), sorted by
        name; checked before sending.
        ``annotations`` are sent as copies; set each one's ``content`` to its frame's file name.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            SEQUENTIAL_PCD,
            project=project,
            name=name,
            folder_path=folder_path,
            status=status,
            external_status=external_status,
            priority=priority,
            annotations=annotations,
            tags=tags,
            metadatas=metadatas,
            **assignees,
        )

    async def update_sequential_pcd_task(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        tags: Sequence[str] | None = None,
        annotations: Sequence[Mapping[str, typing.Any]] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Update a sequential PCD task; returns its id.

        ``PUT tasks/sequential-pcd/{task_id}``: only the fields given (non-empty) are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(
            SEQUENTIAL_PCD,
            task_id,
            status=status,
            external_status=external_status,
            priority=priority,
            tags=tags,
            annotations=annotations,
            metadatas=metadatas,
            **assignees,
        )
