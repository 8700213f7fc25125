"""FastLabel: Multi-image classification and sequential image tasks (6.1.3, 6.1.4).

Thin entries: each method hands its arguments, by name, and its task kind to the
mechanism in :mod:`._mechanism`, which maps each official parameter to its wire field.
"""

from __future__ import annotations

import os
import typing
from collections.abc import AsyncIterator, Mapping, Sequence

from typing_extensions import Unpack

from ._assignees import Assignees
from ._kinds import MULTI_IMAGE_CLASSIFICATION, SEQUENTIAL_IMAGE
from ._mechanism import TasksBase
from ._models import MultiImageClassificationTask, Priority, SequentialImageTask

__all__ = ["MultiContentTasksMixin"]


class MultiContentTasksMixin(TasksBase):
    """Multi-image classification and sequential image tasks (6.1.3, 6.1.4)."""

    async def find_multi_image_classification_task(
        self, task_id: str
    ) -> MultiImageClassificationTask:
        """Find a single multi image classification task by id."""
        return await self._find_task(MULTI_IMAGE_CLASSIFICATION, task_id)

    async def find_multi_image_classification_task_by_name(
        self, project: str, task_name: str
    ) -> MultiImageClassificationTask | None:
        """The first multi image classification task the ``taskName`` filter returns, or None."""
        return await self._find_task_by_name(MULTI_IMAGE_CLASSIFICATION, project, task_name)

    async def get_multi_image_classification_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 100,
    ) -> list[MultiImageClassificationTask]:
        """One page of multi image classification tasks (``limit`` at most 1000).

        ``GET tasks/multi-image/classification``. Filters: ``status``, ``external_status``,
        ``tags`` (any of), ``task_name``.
        :meth:`iter_multi_image_classification_tasks` walks every page.
        """
        return await self._get_tasks(
            MULTI_IMAGE_CLASSIFICATION,
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

    def iter_multi_image_classification_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[MultiImageClassificationTask]:
        """Every multi image classification task matching the filters, fetched lazily.

        1000 per request, each task exactly once.
        """
        return self._iter_tasks(
            MULTI_IMAGE_CLASSIFICATION,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
        )

    async def create_multi_image_classification_task(
        self,
        project: str,
        name: str,
        folder_path: str | os.PathLike[str],
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        attributes: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        is_delete_exif: bool = False,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create a multi image classification task; returns the new task's id.

        ``POST tasks/multi-image/classification``.

        ``folder_path``: its files (png/jpg/jpeg/gif, at most 20 MiB each, at most 6 files),
        sorted by name; checked before sending.
        ``attributes`` (``[{key, value}]``) are sent as copies without display-only keys.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            MULTI_IMAGE_CLASSIFICATION,
            project=project,
            name=name,
            folder_path=folder_path,
            status=status,
            external_status=external_status,
            priority=priority,
            attributes=attributes,
            tags=tags,
            is_delete_exif=is_delete_exif,
            **assignees,
        )

    async def update_multi_image_classification_task(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        attributes: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Update a multi image classification task; returns its id.

        ``PUT tasks/multi-image/classification/{task_id}``: only the fields given (non-empty)
        are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(
            MULTI_IMAGE_CLASSIFICATION,
            task_id,
            status=status,
            external_status=external_status,
            priority=priority,
            attributes=attributes,
            tags=tags,
            **assignees,
        )

    async def find_sequential_image_task(self, task_id: str) -> SequentialImageTask:
        """Find a single sequential image task by id."""
        return await self._find_task(SEQUENTIAL_IMAGE, task_id)

    async def find_sequential_image_task_by_name(
        self, project: str, task_name: str
    ) -> SequentialImageTask | None:
        """The first sequential image task the ``taskName`` filter returns, or None."""
        return await self._find_task_by_name(SEQUENTIAL_IMAGE, project, task_name)

    async def get_sequential_image_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 10,
    ) -> list[SequentialImageTask]:
        """One page of sequential image tasks (``limit`` at most 10).

        ``GET tasks/sequential-image``. Filters: ``status``, ``external_status``, ``tags`` (any
        of), ``task_name``.
        :meth:`iter_sequential_image_tasks` walks every page.
        """
        return await self._get_tasks(
            SEQUENTIAL_IMAGE,
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

    def iter_sequential_image_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[SequentialImageTask]:
        """Every sequential image task matching the filters, fetched lazily.

        10 per request, each task exactly once.
        """
        return self._iter_tasks(
            SEQUENTIAL_IMAGE,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
        )

    async def create_sequential_image_task(
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
        is_delete_exif: bool = False,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create a sequential image task; returns the new task's id.

        ``POST tasks/sequential-image``.

        ``folder_path``: its files (png/jpg/jpeg, at most 20 MiB each, at most 250 files),
        sorted by name; checked before sending.
        ``annotations`` are sent as copies; set each one's ``content`` to its frame's file name.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            SEQUENTIAL_IMAGE,
            project=project,
            name=name,
            folder_path=folder_path,
            status=status,
            external_status=external_status,
            priority=priority,
            annotations=annotations,
            tags=tags,
            metadatas=metadatas,
            is_delete_exif=is_delete_exif,
            **assignees,
        )

    async def update_sequential_image_task(
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
        """Update a sequential image task; returns its id.

        ``PUT tasks/sequential-image/{task_id}``: only the fields given (non-empty) are sent.
        ``annotations`` are sent as copies, ``content`` as the caller set it.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(
            SEQUENTIAL_IMAGE,
            task_id,
            status=status,
            external_status=external_status,
            priority=priority,
            tags=tags,
            annotations=annotations,
            metadatas=metadatas,
            **assignees,
        )
