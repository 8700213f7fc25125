"""FastLabel: Audio and audio classification tasks (6.1.9, 6.1.10).

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
from ._models import AudioTask, ClassificationTask, IntegratedTask, Priority

__all__ = ["AudioTasksMixin"]

_AUDIO = KINDS["audio"]
_AUDIO_CLASSIFICATION = KINDS["audio_classification"]


class AudioTasksMixin(TasksBase):
    """Audio and audio classification tasks (6.1.9, 6.1.10)."""

    async def find_audio_task(self, task_id: str) -> AudioTask:
        """Find a single audio task by id."""
        return typing.cast(AudioTask, await self._find_task(_AUDIO, task_id))

    async def find_audio_task_by_name(self, project: str, task_name: str) -> AudioTask | None:
        """The first audio task the ``taskName`` filter returns, or None."""
        task = await self._find_task_by_name(_AUDIO, project, task_name)
        return typing.cast("AudioTask | None", task)

    async def get_audio_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 100,
    ) -> list[AudioTask]:
        """One page of audio tasks (``limit`` at most 1000).

        ``GET tasks/audio``. Filters: ``status``, ``external_status``, ``tags`` (any of),
        ``task_name``.
        :meth:`iter_audio_tasks` walks every page.
        """
        return typing.cast("list[AudioTask]", await self._get_tasks(_AUDIO, locals()))

    def iter_audio_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[AudioTask]:
        """Every audio task matching the filters, fetched lazily.

        1000 per request, each task exactly once.
        """
        return typing.cast("AsyncIterator[AudioTask]", self._iter_tasks(_AUDIO, locals()))

    async def create_audio_task(
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
        """Create an audio task; returns the new task's id.

        ``POST tasks/audio``.

        ``file_path``: mp3/wav/m4a, at most 120 MiB; checked before sending, then streamed.
        ``annotations`` are sent as copies without display-only keys, ``content`` = the task
        name. Segments carry ``start``/``end`` in seconds.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(_AUDIO, locals())

    async def update_audio_task(
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
        """Update an audio task; returns its id.

        ``PUT tasks/audio/{task_id}``: only the fields given (non-empty) are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(_AUDIO, task_id, locals())

    async def find_integrated_audio_task_by_prefix(
        self, project: str, prefix: str
    ) -> IntegratedTask:
        """The merged task of the audio tasks split from one dataset object (alpha API)."""
        return await self._find_integrated("audios", project, prefix)

    async def find_audio_classification_task(self, task_id: str) -> ClassificationTask:
        """Find a single audio classification task by id."""
        return typing.cast(
            ClassificationTask, await self._find_task(_AUDIO_CLASSIFICATION, task_id)
        )

    async def find_audio_classification_task_by_name(
        self, project: str, task_name: str
    ) -> ClassificationTask | None:
        """The first audio classification task the ``taskName`` filter returns, or None."""
        task = await self._find_task_by_name(_AUDIO_CLASSIFICATION, project, task_name)
        return typing.cast("ClassificationTask | None", task)

    async def get_audio_classification_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 100,
    ) -> list[ClassificationTask]:
        """One page of audio classification tasks (``limit`` at most 1000).

        ``GET tasks/audio/classification``. Filters: ``status``, ``external_status``, ``tags``
        (any of), ``task_name``.
        :meth:`iter_audio_classification_tasks` walks every page.
        """
        return typing.cast(
            "list[ClassificationTask]", await self._get_tasks(_AUDIO_CLASSIFICATION, locals())
        )

    def iter_audio_classification_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[ClassificationTask]:
        """Every audio classification task matching the filters, fetched lazily.

        1000 per request, each task exactly once.
        """
        return typing.cast(
            "AsyncIterator[ClassificationTask]", self._iter_tasks(_AUDIO_CLASSIFICATION, locals())
        )

    async def create_audio_classification_task(
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
        """Create an audio classification task; returns the new task's id.

        ``POST tasks/audio/classification``.

        ``file_path``: mp3/wav/m4a, at most 120 MiB; checked before sending, then streamed.
        ``attributes`` (``[{key, value}]``) are sent as copies without display-only keys.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(_AUDIO_CLASSIFICATION, locals())

    async def update_audio_classification_task(
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
        """Update an audio classification task; returns its id.

        ``PUT tasks/audio/classification/{task_id}``: only the fields given (non-empty) are
        sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(_AUDIO_CLASSIFICATION, task_id, locals())
