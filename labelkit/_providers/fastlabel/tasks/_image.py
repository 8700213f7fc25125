"""FastLabel: Image, image classification and integrated (bucket) image tasks (6.1.1, 6.1.2).

Thin entries: each method hands its arguments, by name, and its task kind to the
mechanism in :mod:`._mechanism`, which maps each official parameter to its wire field.
"""

from __future__ import annotations

import os
import typing
from collections.abc import AsyncIterator, Mapping, Sequence

from typing_extensions import Unpack

from ._assignees import Assignees
from ._kinds import IMAGE, IMAGE_CLASSIFICATION, INTEGRATED_IMAGE, INTEGRATED_IMAGE_CLASSIFICATION
from ._mechanism import TasksBase
from ._models import ClassificationTask, ImageTask, IntegratedTask, Priority

__all__ = ["ImageTasksMixin"]


class ImageTasksMixin(TasksBase):
    """Image, image classification and integrated (bucket) image tasks (6.1.1, 6.1.2)."""

    async def find_image_task(self, task_id: str) -> ImageTask:
        """Find a single image task by id."""
        return await self._find_task(IMAGE, task_id)

    async def find_image_task_by_name(self, project: str, task_name: str) -> ImageTask | None:
        """The first image task the ``taskName`` filter returns, or None."""
        return await self._find_task_by_name(IMAGE, project, task_name)

    async def get_image_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 100,
    ) -> list[ImageTask]:
        """One page of image tasks (``limit`` at most 1000).

        ``GET tasks/image``. Filters: ``status``, ``external_status``, ``tags`` (any of),
        ``task_name``.
        :meth:`iter_image_tasks` walks every page.
        """
        return await self._get_tasks(
            IMAGE,
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

    def iter_image_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[ImageTask]:
        """Every image task matching the filters, fetched lazily.

        1000 per request, each task exactly once.
        """
        return self._iter_tasks(
            IMAGE,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
        )

    async def create_image_task(
        self,
        project: str,
        name: str,
        file_path: str | os.PathLike[str],
        status: str | None = None,
        external_status: str | None = None,
        custom_task_status: str | None = None,
        priority: int | Priority | None = None,
        annotations: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        is_delete_exif: bool = False,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create an image task; returns the new task's id.

        ``POST tasks/image``.

        ``file_path``: png/jpg/jpeg, at most 20 MiB; checked before sending, then streamed.
        ``annotations`` are sent as copies without display-only keys, ``content`` = the task
        name.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            IMAGE,
            project=project,
            name=name,
            file_path=file_path,
            status=status,
            external_status=external_status,
            custom_task_status=custom_task_status,
            priority=priority,
            annotations=annotations,
            tags=tags,
            metadatas=metadatas,
            is_delete_exif=is_delete_exif,
            **assignees,
        )

    async def update_image_task(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        custom_task_status: str | None = None,
        priority: int | Priority | None = None,
        tags: Sequence[str] | None = None,
        annotations: Sequence[Mapping[str, typing.Any]] | None = None,
        relations: Sequence[Mapping[str, typing.Any]] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Update an image task; returns its id.

        ``PUT tasks/image/{task_id}``: only the fields given (non-empty) are sent.
        ``relations``: ``[{startIndex, endIndex}]`` indexes into ``annotations``.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(
            IMAGE,
            task_id,
            status=status,
            external_status=external_status,
            custom_task_status=custom_task_status,
            priority=priority,
            tags=tags,
            annotations=annotations,
            relations=relations,
            metadatas=metadatas,
            **assignees,
        )

    async def create_integrated_image_task(
        self,
        project: str,
        storage_type: str,
        file_path: str | os.PathLike[str],
        status: str | None = None,
        external_status: str | None = None,
        annotations: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create an integrated image task; returns the new task's id.

        ``POST tasks/integrated-image``.
        ``file_path`` is a png/jpg/jpeg path inside the project's bucket; annotations get
        ``content`` = ``file_path``.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            INTEGRATED_IMAGE,
            project=project,
            storage_type=storage_type,
            file_path=file_path,
            status=status,
            external_status=external_status,
            annotations=annotations,
            tags=tags,
            metadatas=metadatas,
            **assignees,
        )

    async def find_integrated_image_task_by_prefix(
        self, project: str, prefix: str
    ) -> IntegratedTask:
        """The merged task of the image tasks split from one dataset object (alpha API)."""
        return await self._find_integrated("images", project, prefix)

    async def find_image_classification_task(self, task_id: str) -> ClassificationTask:
        """Find a single image classification task by id."""
        return await self._find_task(IMAGE_CLASSIFICATION, task_id)

    async def find_image_classification_task_by_name(
        self, project: str, task_name: str
    ) -> ClassificationTask | None:
        """The first image classification task the ``taskName`` filter returns, or None."""
        return await self._find_task_by_name(IMAGE_CLASSIFICATION, project, task_name)

    async def get_image_classification_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 100,
    ) -> list[ClassificationTask]:
        """One page of image classification tasks (``limit`` at most 1000).

        ``GET tasks/image/classification``. Filters: ``status``, ``external_status``, ``tags``
        (any of), ``task_name``.
        :meth:`iter_image_classification_tasks` walks every page.
        """
        return await self._get_tasks(
            IMAGE_CLASSIFICATION,
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

    def iter_image_classification_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[ClassificationTask]:
        """Every image classification task matching the filters, fetched lazily.

        1000 per request, each task exactly once.
        """
        return self._iter_tasks(
            IMAGE_CLASSIFICATION,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
        )

    async def create_image_classification_task(
        self,
        project: str,
        name: str,
        file_path: str | os.PathLike[str],
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        attributes: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        is_delete_exif: bool = False,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create an image classification task; returns the new task's id.

        ``POST tasks/image/classification``.

        ``file_path``: png/jpg/jpeg, at most 20 MiB; checked before sending, then streamed.
        ``attributes`` (``[{key, value}]``) are sent as copies without display-only keys.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            IMAGE_CLASSIFICATION,
            project=project,
            name=name,
            file_path=file_path,
            status=status,
            external_status=external_status,
            priority=priority,
            attributes=attributes,
            tags=tags,
            is_delete_exif=is_delete_exif,
            **assignees,
        )

    async def create_integrated_image_classification_task(
        self,
        project: str,
        file_path: str | os.PathLike[str],
        storage_type: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        attributes: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create an integrated image classification task; returns the new task's id.

        ``POST tasks/integrated-image/classification``.
        ``file_path`` is a path inside the project's bucket.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            INTEGRATED_IMAGE_CLASSIFICATION,
            project=project,
            file_path=file_path,
            storage_type=storage_type,
            status=status,
            external_status=external_status,
            priority=priority,
            attributes=attributes,
            tags=tags,
            **assignees,
        )

    async def update_image_classification_task(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        attributes: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Update an image classification task; returns its id.

        ``PUT tasks/image/classification/{task_id}``: only the fields given (non-empty) are
        sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(
            IMAGE_CLASSIFICATION,
            task_id,
            status=status,
            external_status=external_status,
            priority=priority,
            attributes=attributes,
            tags=tags,
            **assignees,
        )
