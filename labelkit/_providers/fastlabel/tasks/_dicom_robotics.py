"""FastLabel: DICOM and robotics tasks (6.1.13, 6.1.14).

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
from ._models import DicomTask, History, Priority, RoboticsTask

__all__ = ["DicomRoboticsTasksMixin"]

_DICOM = KINDS["dicom"]
_ROBOTICS = KINDS["robotics"]


class DicomRoboticsTasksMixin(TasksBase):
    """DICOM and robotics tasks (6.1.13, 6.1.14)."""

    async def find_dicom_task(self, task_id: str) -> DicomTask:
        """Find a single DICOM task by id."""
        return typing.cast(DicomTask, await self._find_task(_DICOM, task_id))

    async def find_dicom_task_by_name(self, project: str, task_name: str) -> DicomTask | None:
        """The first DICOM task the ``taskName`` filter returns, or None."""
        task = await self._find_task_by_name(_DICOM, project, task_name)
        return typing.cast("DicomTask | None", task)

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
        return typing.cast("list[DicomTask]", await self._get_tasks(_DICOM, locals()))

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
        return typing.cast("AsyncIterator[DicomTask]", self._iter_tasks(_DICOM, locals()))

    async def create_dicom_task(
        self,
        project: str,
        file_path: str | os.PathLike[str],
        status: str | None = None,
        external_status: str | None = None,
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
    ) -> History:
        """Import a zip of DICOM files as tasks; returns the import history.

        ``POST tasks/dicom``.

        The zip (at most 2000 MiB) is streamed to a signed URL, the upload is checked, then
        registered. The server creates and names the task(s) asynchronously: the
        returned :class:`History` can be awaited with :meth:`wait_history`.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_dicom_task(locals())

    async def update_dicom_task(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
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
        """Update a DICOM task; returns its id.

        ``PUT tasks/dicom/{task_id}``: only the fields given (non-empty) are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(_DICOM, task_id, locals())

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
        """Create a robotics task; returns the new task's id.

        ``POST tasks/robotics``.
        A task without content; import it with :meth:`import_robotics_contents_file`.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(_ROBOTICS, locals())

    async def find_robotics_task(self, task_id: str) -> RoboticsTask:
        """Find a single robotics task by id."""
        return typing.cast(RoboticsTask, await self._find_task(_ROBOTICS, task_id))

    async def find_robotics_task_by_name(self, project: str, task_name: str) -> RoboticsTask | None:
        """The first robotics task the ``taskName`` filter returns, or None."""
        task = await self._find_task_by_name(_ROBOTICS, project, task_name)
        return typing.cast("RoboticsTask | None", task)

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
        return typing.cast("list[RoboticsTask]", await self._get_tasks(_ROBOTICS, locals()))

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
        return typing.cast("AsyncIterator[RoboticsTask]", self._iter_tasks(_ROBOTICS, locals()))

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
        """Update a robotics task; returns its id.

        ``PUT tasks/robotics/{task_id}``: only the fields given (non-empty) are sent.
        ``annotations`` is sent whenever it is not None, so ``[]`` clears them.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(_ROBOTICS, task_id, locals())
