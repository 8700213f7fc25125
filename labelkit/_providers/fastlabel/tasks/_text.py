"""FastLabel: Text and text classification tasks (6.1.7, 6.1.8).

Thin entries: each method hands its arguments, by name, and its task kind to the
mechanism in :mod:`._mechanism`, which maps each official parameter to its wire field.
"""

from __future__ import annotations

import os
import typing
from collections.abc import AsyncIterator, Mapping, Sequence

from typing_extensions import Unpack

from ._assignees import Assignees
from ._kinds import TEXT, TEXT_CLASSIFICATION
from ._mechanism import TasksBase
from ._models import ClassificationTask, Priority, TextTask

__all__ = ["TextTasksMixin"]


class TextTasksMixin(TasksBase):
    """Text and text classification tasks (6.1.7, 6.1.8)."""

    async def find_text_task(self, task_id: str) -> TextTask:
        """Find a single text task by id."""
        return await self._find_task(TEXT, task_id)

    async def find_text_task_by_name(self, project: str, task_name: str) -> TextTask | None:
        """The first text task the ``taskName`` filter returns, or None."""
        return await self._find_task_by_name(TEXT, project, task_name)

    async def get_text_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 100,
    ) -> list[TextTask]:
        """One page of text tasks (``limit`` at most 1000).

        ``GET tasks/text``. Filters: ``status``, ``external_status``, ``tags`` (any of),
        ``task_name``.
        :meth:`iter_text_tasks` walks every page.
        """
        return await self._get_tasks(
            TEXT,
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

    def iter_text_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[TextTask]:
        """Every text task matching the filters, fetched lazily.

        1000 per request, each task exactly once.
        """
        return self._iter_tasks(
            TEXT,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
        )

    async def create_text_task(
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
        """Create a text task; returns the new task's id.

        ``POST tasks/text``.

        ``file_path``: txt, at most 2 MiB; checked before sending, then streamed.
        ``annotations`` are sent as copies without display-only keys, ``content`` = the task
        name. NER annotations carry ``start``, ``end``, ``text``.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            TEXT,
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

    async def update_text_task(
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
        """Update a text task; returns its id.

        ``PUT tasks/text/{task_id}``: only the fields given (non-empty) are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(
            TEXT,
            task_id,
            status=status,
            external_status=external_status,
            priority=priority,
            tags=tags,
            annotations=annotations,
            metadatas=metadatas,
            **assignees,
        )

    async def find_text_classification_task(self, task_id: str) -> ClassificationTask:
        """Find a single text classification task by id."""
        return await self._find_task(TEXT_CLASSIFICATION, task_id)

    async def find_text_classification_task_by_name(
        self, project: str, task_name: str
    ) -> ClassificationTask | None:
        """The first text classification task the ``taskName`` filter returns, or None."""
        return await self._find_task_by_name(TEXT_CLASSIFICATION, project, task_name)

    async def get_text_classification_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 100,
    ) -> list[ClassificationTask]:
        """One page of text classification tasks (``limit`` at most 1000).

        ``GET tasks/text/classification``. Filters: ``status``, ``external_status``, ``tags``
        (any of), ``task_name``.
        :meth:`iter_text_classification_tasks` walks every page.
        """
        return await self._get_tasks(
            TEXT_CLASSIFICATION,
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

    def iter_text_classification_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[ClassificationTask]:
        """Every text classification task matching the filters, fetched lazily.

        1000 per request, each task exactly once.
        """
        return self._iter_tasks(
            TEXT_CLASSIFICATION,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
        )

    async def create_text_classification_task(
        self,
        project: str,
        name: str,
        file_path: str | os.PathLike[str],
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        attributes: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create a text classification task; returns the new task's id.

        ``POST tasks/text/classification``.

        ``file_path``: txt, at most 2 MiB; checked before sending, then streamed.
        ``attributes`` (``[{key, value}]``) are sent as copies without display-only keys.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            TEXT_CLASSIFICATION,
            project=project,
            name=name,
            file_path=file_path,
            status=status,
            external_status=external_status,
            priority=priority,
            attributes=attributes,
            tags=tags,
            **assignees,
        )

    async def update_text_classification_task(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        attributes: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Update a text classification task; returns its id.

        ``PUT tasks/text/classification/{task_id}``: only the fields given (non-empty) are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(
            TEXT_CLASSIFICATION,
            task_id,
            status=status,
            external_status=external_status,
            priority=priority,
            attributes=attributes,
            tags=tags,
            **assignees,
        )
