"""FastLabel: DICOM and robotics tasks (6.1.13, 6.1.14).

Thin entries: each method hands its arguments, by name, and its task kind to the
mechanism in :mod:`._mechanism`, which maps each official parameter to its wire field.
"""

from __future__ import annotations

import os
import typing
from collections.abc import AsyncIterator, Mapping, Sequence

from typing_extensions import Unpack

from ._assignees import Assignees
from ._kinds import DICOM, ROBOTICS
from ._mechanism import TasksBase
from ._models import DicomTask, History, Priority, RoboticsTask

__all__ = ["DicomRoboticsTasksMixin"]


class DicomRoboticsTasksMixin(TasksBase):
    """DICOM and robotics tasks (6.1.13, 6.1.14)."""

    async def find_dicom_task(self, task_id: str) -> DicomTask:
        """Find a single DICOM task by id."""
        return await self._find_task(DICOM, task_id)

    async def find_dicom_task_by_name(self, project: str, task_name: str) -> DicomTask | None:
        """The first DICOM task the ``taskName`` filter returns, or None."""
        return await self._find_task_by_name(DICOM, project, task_name)

    async def get_dicom_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 100,
    ) -> list[DicomTask]:
        """One page of DICOM tasks (``limit`` at most 1000).

        ``GET tasks/dicom``. Filters: ``status``, ``external_status``, ``tags`` (any of),
        ``task_name``.
        :meth:`iter_dicom_tasks` walks every page.
        """
        return await self._get_tasks(
            DICOM,
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

    def iter_dicom_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[DicomTask]:
        """Every DICOM task matching the filters, fetched lazily.

        1000 per request, each task exactly once.
        """
        return self._iter_tasks(
            DICOM,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
        )

    async def create_dicom_task(
        self,
        project: str,
        file_path: str | os.PathLike[str],
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        **assignees: Unpack[Assignees],
    ) -> History:
        """Import a zip of DICOM files as tasks; returns the import history.

        ``POST tasks/dicom``.

        The zip (at most 2000 MiB) is streamed to a signed URL, the upload is checked, then
        registered. The server creates and names the task(s) asynchronously: the
        returned :class:`History` can be awaited with :meth:`wait_history`.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_dicom_task(
            project=project,
            file_path=file_path,
            status=status,
            external_status=external_status,
            tags=tags,
            metadatas=metadatas,
            **assignees,
        )

    async def update_dicom_task(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Update a DICOM task; returns its id.

        ``PUT tasks/dicom/{task_id}``: only the fields given (non-empty) are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(
            DICOM,
            task_id,
            status=status,
            external_status=external_status,
            tags=tags,
            metadatas=metadatas,
            **assignees,
        )

    async def create_robotics_task(
        self,
        project: str,
        name: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        tags: Sequence[str] | None = None,
        operator: str | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create a robotics task; returns the new task's id.

        ``POST tasks/robotics``.
        A task without content; import it with :meth:`import_robotics_contents_file`.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            ROBOTICS,
            project=project,
            name=name,
            status=status,
            external_status=external_status,
            priority=priority,
            tags=tags,
            operator=operator,
            metadatas=metadatas,
            **assignees,
        )

    async def find_robotics_task(self, task_id: str) -> RoboticsTask:
        """Find a single robotics task by id."""
        return await self._find_task(ROBOTICS, task_id)

    async def find_robotics_task_by_name(self, project: str, task_name: str) -> RoboticsTask | None:
        """The first robotics task the ``taskName`` filter returns, or None."""
        return await self._find_task_by_name(ROBOTICS, project, task_name)

    async def get_robotics_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[RoboticsTask]:
        """One page of robotics tasks (``limit`` at most 100).

        ``GET tasks/robotics``. Filters: ``status``, ``external_status``, ``tags`` (any of),
        ``task_name``.
        :meth:`iter_robotics_tasks` walks every page.
        """
        return await self._get_tasks(
            ROBOTICS,
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

    def iter_robotics_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[RoboticsTask]:
        """Every robotics task matching the filters, fetched lazily.

        100 per request, each task exactly once.
        """
        return self._iter_tasks(
            ROBOTICS,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
        )

    async def update_robotics_task(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        tags: Sequence[str] | None = None,
        operator: str | None = None,
        annotations: Sequence[Mapping[str, typing.Any]] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Update a robotics task; returns its id.

        ``PUT tasks/robotics/{task_id}``: only the fields given (non-empty) are sent.
        ``annotations`` is sent whenever it is not None, so ``[]`` clears them.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(
            ROBOTICS,
            task_id,
            status=status,
            external_status=external_status,
            priority=priority,
            tags=tags,
            operator=operator,
            annotations=annotations,
            metadatas=metadatas,
            **assignees,
        )
