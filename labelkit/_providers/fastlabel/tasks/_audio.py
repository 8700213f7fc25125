"""FastLabel: Audio and audio classification tasks (6.1.9, 6.1.10).

Thin entries: each method hands its arguments, by name, and its task kind to the
mechanism in :mod:`._mechanism`, which maps each official parameter to its wire field.
"""

from __future__ import annotations

import os
import typing
from collections.abc import AsyncIterator, Mapping, Sequence

from typing_extensions import Unpack

from ._assignees import Assignees
from ._kinds import AUDIO, AUDIO_CLASSIFICATION
from ._mechanism import TasksBase
from ._models import AudioTask, ClassificationTask, IntegratedTask, Priority

__all__ = ["AudioTasksMixin"]


class AudioTasksMixin(TasksBase):
    """Audio and audio classification tasks (6.1.9, 6.1.10)."""

    async def find_audio_task(self, task_id: str) -> AudioTask:
        """Find a single audio task by id."""
        return await self._find_task(AUDIO, task_id)

    async def find_audio_task_by_name(self, project: str, task_name: str) -> AudioTask | None:
        """The first audio task the ``taskName`` filter returns, or None."""
        return await self._find_task_by_name(AUDIO, project, task_name)

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
        return await self._get_tasks(
            AUDIO,
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
        return self._iter_tasks(
            AUDIO,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
        )

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
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create an audio task; returns the new task's id.

        ``POST tasks/audio``.

        ``file_path``: mp3/wav/m4a, at most 120 MiB; checked before sending, then streamed.
        ``annotations`` are sent as copies without display-only keys, ``content`` = the task
        name. Segments carry ``start``/``end`` in seconds.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            AUDIO,
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

    async def update_audio_task(
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
        """Update an audio task; returns its id.

        ``PUT tasks/audio/{task_id}``: only the fields given (non-empty) are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(
            AUDIO,
            task_id,
            status=status,
            external_status=external_status,
            priority=priority,
            tags=tags,
            annotations=annotations,
            metadatas=metadatas,
            **assignees,
        )

    async def find_integrated_audio_task_by_prefix(
        self, project: str, prefix: str
    ) -> IntegratedTask:
        """The merged task of the audio tasks split from one dataset object (alpha API)."""
        return await self._find_integrated("audios", project, prefix)

    async def find_audio_classification_task(self, task_id: str) -> ClassificationTask:
        """Find a single audio classification task by id."""
        return await self._find_task(AUDIO_CLASSIFICATION, task_id)

    async def find_audio_classification_task_by_name(
        self, project: str, task_name: str
    ) -> ClassificationTask | None:
        """The first audio classification task the ``taskName`` filter returns, or None."""
        return await self._find_task_by_name(AUDIO_CLASSIFICATION, project, task_name)

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
        return await self._get_tasks(
            AUDIO_CLASSIFICATION,
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
        return self._iter_tasks(
            AUDIO_CLASSIFICATION,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
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
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create an audio classification task; returns the new task's id.

        ``POST tasks/audio/classification``.

        ``file_path``: mp3/wav/m4a, at most 120 MiB; checked before sending, then streamed.
        ``attributes`` (``[{key, value}]``) are sent as copies without display-only keys.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            AUDIO_CLASSIFICATION,
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

    async def update_audio_classification_task(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        attributes: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Update an audio classification task; returns its id.

        ``PUT tasks/audio/classification/{task_id}``: only the fields given (non-empty) are
        sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(
            AUDIO_CLASSIFICATION,
            task_id,
            status=status,
            external_status=external_status,
            priority=priority,
            attributes=attributes,
            tags=tags,
            **assignees,
        )
