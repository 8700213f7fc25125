"""FastLabel: Text and text classification tasks (6.1.7, 6.1.8).

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
from ._models import ClassificationTask, Priority, TextTask

__all__ = ["TextTasksMixin"]

_TEXT = KINDS["text"]
_TEXT_CLASSIFICATION = KINDS["text_classification"]


class TextTasksMixin(TasksBase):
    """Text and text classification tasks (6.1.7, 6.1.8)."""

    async def find_text_task(self, task_id: str) -> TextTask:
        """Find a single text task by id."""
        return typing.cast(TextTask, await self._find_task(_TEXT, task_id))

    async def find_text_task_by_name(self, project: str, task_name: str) -> TextTask | None:
        """The first text task the ``taskName`` filter returns, or None."""
        task = await self._find_task_by_name(_TEXT, project, task_name)
        return typing.cast("TextTask | None", task)

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
        return typing.cast("list[TextTask]", await self._get_tasks(_TEXT, locals()))

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
        return typing.cast("AsyncIterator[TextTask]", self._iter_tasks(_TEXT, locals()))

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
        """Create a text task; returns the new task's id.

        ``POST tasks/text``.

        ``file_path``: txt, at most 2 MiB; checked before sending, then streamed.
        ``annotations`` are sent as copies without display-only keys, ``content`` = the task
        name. NER annotations carry ``start``, ``end``, ``text``.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(_TEXT, locals())

    async def update_text_task(
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
        """Update a text task; returns its id.

        ``PUT tasks/text/{task_id}``: only the fields given (non-empty) are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(_TEXT, task_id, locals())

    async def find_text_classification_task(self, task_id: str) -> ClassificationTask:
        """Find a single text classification task by id."""
        return typing.cast(ClassificationTask, await self._find_task(_TEXT_CLASSIFICATION, task_id))

    async def find_text_classification_task_by_name(
        self, project: str, task_name: str
    ) -> ClassificationTask | None:
        """The first text classification task the ``taskName`` filter returns, or None."""
        task = await self._find_task_by_name(_TEXT_CLASSIFICATION, project, task_name)
        return typing.cast("ClassificationTask | None", task)

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
        return typing.cast(
            "list[ClassificationTask]", await self._get_tasks(_TEXT_CLASSIFICATION, locals())
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
        return typing.cast(
            "AsyncIterator[ClassificationTask]", self._iter_tasks(_TEXT_CLASSIFICATION, locals())
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
        """Create a text classification task; returns the new task's id.

        ``POST tasks/text/classification``.

        ``file_path``: txt, at most 2 MiB; checked before sending, then streamed.
        ``attributes`` (``[{key, value}]``) are sent as copies without display-only keys.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(_TEXT_CLASSIFICATION, locals())

    async def update_text_classification_task(
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
        """Update a text classification task; returns its id.

        ``PUT tasks/text/classification/{task_id}``: only the fields given (non-empty) are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(_TEXT_CLASSIFICATION, task_id, locals())
