"""FastLabel: Image, image classification and integrated (bucket) image tasks (6.1.1, 6.1.2).

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
from ._models import ClassificationTask, ImageTask, IntegratedTask, Priority

__all__ = ["ImageTasksMixin"]

_IMAGE = KINDS["image"]
_IMAGE_CLASSIFICATION = KINDS["image_classification"]
_INTEGRATED_IMAGE = KINDS["integrated_image"]
_INTEGRATED_IMAGE_CLASSIFICATION = KINDS["integrated_image_classification"]


class ImageTasksMixin(TasksBase):
    """Image, image classification and integrated (bucket) image tasks (6.1.1, 6.1.2)."""

    async def find_image_task(self, task_id: str) -> ImageTask:
        """Find a single image task by id."""
        return typing.cast(ImageTask, await self._find_task(_IMAGE, task_id))

    async def find_image_task_by_name(self, project: str, task_name: str) -> ImageTask | None:
        """The first image task the ``taskName`` filter returns, or None."""
        task = await self._find_task_by_name(_IMAGE, project, task_name)
        return typing.cast("ImageTask | None", task)

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
        return typing.cast("list[ImageTask]", await self._get_tasks(_IMAGE, locals()))

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
        return typing.cast("AsyncIterator[ImageTask]", self._iter_tasks(_IMAGE, locals()))

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
        """Create an image task; returns the new task's id.

        ``POST tasks/image``.

        ``file_path``: png/jpg/jpeg, at most 20 MiB; checked before sending, then streamed.
        ``annotations`` are sent as copies without display-only keys, ``content`` = the task
        name.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(_IMAGE, locals())

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
        """Update an image task; returns its id.

        ``PUT tasks/image/{task_id}``: only the fields given (non-empty) are sent.
        ``relations``: ``[{startIndex, endIndex}]`` indexes into ``annotations``.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(_IMAGE, task_id, locals())

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
        """Create an integrated image task; returns the new task's id.

        ``POST tasks/integrated-image``.
        ``file_path`` is a png/jpg/jpeg path inside the project's bucket; annotations get
        ``content`` = ``file_path``.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(_INTEGRATED_IMAGE, locals())

    async def find_integrated_image_task_by_prefix(
        self, project: str, prefix: str
    ) -> IntegratedTask:
        """The merged task of the image tasks split from one dataset object (alpha API)."""
        return await self._find_integrated("images", project, prefix)

    async def find_image_classification_task(self, task_id: str) -> ClassificationTask:
        """Find a single image classification task by id."""
        return typing.cast(
            ClassificationTask, await self._find_task(_IMAGE_CLASSIFICATION, task_id)
        )

    async def find_image_classification_task_by_name(
        self, project: str, task_name: str
    ) -> ClassificationTask | None:
        """The first image classification task the ``taskName`` filter returns, or None."""
        task = await self._find_task_by_name(_IMAGE_CLASSIFICATION, project, task_name)
        return typing.cast("ClassificationTask | None", task)

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
        return typing.cast(
            "list[ClassificationTask]", await self._get_tasks(_IMAGE_CLASSIFICATION, locals())
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
        return typing.cast(
            "AsyncIterator[ClassificationTask]", self._iter_tasks(_IMAGE_CLASSIFICATION, locals())
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
        """Create an image classification task; returns the new task's id.

        ``POST tasks/image/classification``.

        ``file_path``: png/jpg/jpeg, at most 20 MiB; checked before sending, then streamed.
        ``attributes`` (``[{key, value}]``) are sent as copies without display-only keys.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(_IMAGE_CLASSIFICATION, locals())

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
        """Create an integrated image classification task; returns the new task's id.

        ``POST tasks/integrated-image/classification``.
        ``file_path`` is a path inside the project's bucket.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(_INTEGRATED_IMAGE_CLASSIFICATION, locals())

    async def update_image_classification_task(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        attributes: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
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
        """Update an image classification task; returns its id.

        ``PUT tasks/image/classification/{task_id}``: only the fields given (non-empty) are
        sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(_IMAGE_CLASSIFICATION, task_id, locals())
