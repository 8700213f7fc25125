"""FastLabel: Video, video classification and multi-modal tasks (6.1.5, 6.1.6, 6.1.11).

Thin entries: each method hands its arguments, by name, and its task kind to the
mechanism in :mod:`._mechanism`, which maps each official parameter to its wire field.
"""

from __future__ import annotations

import os
import typing
from collections.abc import AsyncIterator, Mapping, Sequence

from typing_extensions import Unpack

from ._assignees import Assignees
from ._kinds import MULTI_MODAL_VIDEO_AUDIO, VIDEO, VIDEO_CLASSIFICATION
from ._mechanism import TasksBase
from ._models import (
    ClassificationTask,
    IntegratedTask,
    MultiModalVideoAudioTask,
    Priority,
    VideoTask,
)

__all__ = ["VideoTasksMixin"]


class VideoTasksMixin(TasksBase):
    """Video, video classification and multi-modal tasks (6.1.5, 6.1.6, 6.1.11)."""

    async def find_video_task(self, task_id: str) -> VideoTask:
        """Find a single video task by id."""
        return await self._find_task(VIDEO, task_id)

    async def find_video_task_by_name(self, project: str, task_name: str) -> VideoTask | None:
        """The first video task the ``taskName`` filter returns, or None."""
        return await self._find_task_by_name(VIDEO, project, task_name)

    async def get_video_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 10,
    ) -> list[VideoTask]:
        """One page of video tasks (``limit`` at most 10).

        ``GET tasks/video``. Filters: ``status``, ``external_status``, ``tags`` (any of),
        ``task_name``.
        :meth:`iter_video_tasks` walks every page.
        """
        return await self._get_tasks(
            VIDEO,
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

    def iter_video_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[VideoTask]:
        """Every video task matching the filters, fetched lazily.

        10 per request, each task exactly once.
        """
        return self._iter_tasks(
            VIDEO,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
        )

    async def create_video_task(
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
        """Create a video task; returns the new task's id.

        ``POST tasks/video``.

        ``file_path``: mp4, at most 250 MiB, H.264 (avc1/h264) video; checked before sending,
        then streamed.
        ``annotations`` are sent as copies without display-only keys, ``content`` = the task
        name. Points are keyed by 1-based frame number.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            VIDEO,
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

    async def update_video_task(
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
        """Update a video task; returns its id.

        ``PUT tasks/video/{task_id}``: only the fields given (non-empty) are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(
            VIDEO,
            task_id,
            status=status,
            external_status=external_status,
            priority=priority,
            tags=tags,
            annotations=annotations,
            metadatas=metadatas,
            **assignees,
        )

    async def find_integrated_video_task_by_prefix(
        self, project: str, prefix: str
    ) -> IntegratedTask:
        """The merged task of the video tasks split from one dataset object (alpha API)."""
        return await self._find_integrated("videos", project, prefix)

    async def find_video_classification_task(self, task_id: str) -> ClassificationTask:
        """Find a single video classification task by id."""
        return await self._find_task(VIDEO_CLASSIFICATION, task_id)

    async def find_video_classification_task_by_name(
        self, project: str, task_name: str
    ) -> ClassificationTask | None:
        """The first video classification task the ``taskName`` filter returns, or None."""
        return await self._find_task_by_name(VIDEO_CLASSIFICATION, project, task_name)

    async def get_video_classification_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 100,
    ) -> list[ClassificationTask]:
        """One page of video classification tasks (``limit`` at most 1000).

        ``GET tasks/video/classification``. Filters: ``status``, ``external_status``, ``tags``
        (any of), ``task_name``.
        :meth:`iter_video_classification_tasks` walks every page.
        """
        return await self._get_tasks(
            VIDEO_CLASSIFICATION,
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

    def iter_video_classification_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[ClassificationTask]:
        """Every video classification task matching the filters, fetched lazily.

        1000 per request, each task exactly once.
        """
        return self._iter_tasks(
            VIDEO_CLASSIFICATION,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
        )

    async def create_video_classification_task(
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
        """Create a video classification task; returns the new task's id.

        ``POST tasks/video/classification``.

        ``file_path``: mp4, at most 250 MiB, H.264 (avc1/h264) video; checked before sending,
        then streamed.
        ``attributes`` (``[{key, value}]``) are sent as copies without display-only keys.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(
            VIDEO_CLASSIFICATION,
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

    async def update_video_classification_task(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        attributes: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Update a video classification task; returns its id.

        ``PUT tasks/video/classification/{task_id}``: only the fields given (non-empty) are
        sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(
            VIDEO_CLASSIFICATION,
            task_id,
            status=status,
            external_status=external_status,
            priority=priority,
            attributes=attributes,
            tags=tags,
            **assignees,
        )

    async def find_multi_modal_video_audio_task(self, task_id: str) -> MultiModalVideoAudioTask:
        """Find a single multi modal video audio task by id."""
        return await self._find_task(MULTI_MODAL_VIDEO_AUDIO, task_id)

    async def get_multi_modal_video_audio_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 10,
    ) -> list[MultiModalVideoAudioTask]:
        """One page of multi modal video audio tasks (``limit`` at most 10).

        ``GET tasks/multi-modal-video-audio``. Filters: ``status``, ``external_status``,
        ``tags`` (any of), ``task_name``.
        :meth:`iter_multi_modal_video_audio_tasks` walks every page.
        """
        return await self._get_tasks(
            MULTI_MODAL_VIDEO_AUDIO,
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

    def iter_multi_modal_video_audio_tasks(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[MultiModalVideoAudioTask]:
        """Every multi modal video audio task matching the filters, fetched lazily.

        10 per request, each task exactly once.
        """
        return self._iter_tasks(
            MULTI_MODAL_VIDEO_AUDIO,
            project,
            {
                "status": status,
                "external_status": external_status,
                "tags": tags,
                "task_name": task_name,
            },
        )
