"""FastLabel: Video, video classification and multi-modal tasks (6.1.5, 6.1.6, 6.1.11).

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
from ._models import (
    ClassificationTask,
    IntegratedTask,
    MultiModalVideoAudioTask,
    Priority,
    VideoTask,
)

__all__ = ["VideoTasksMixin"]

_MULTI_MODAL_VIDEO_AUDIO = KINDS["multi_modal_video_audio"]
_VIDEO = KINDS["video"]
_VIDEO_CLASSIFICATION = KINDS["video_classification"]


class VideoTasksMixin(TasksBase):
    """Video, video classification and multi-modal tasks (6.1.5, 6.1.6, 6.1.11)."""

    async def find_video_task(self, task_id: str) -> VideoTask:
        """Find a single video task by id."""
        return typing.cast(VideoTask, await self._find_task(_VIDEO, task_id))

    async def find_video_task_by_name(self, project: str, task_name: str) -> VideoTask | None:
        """The first video task the ``taskName`` filter returns, or None."""
        task = await self._find_task_by_name(_VIDEO, project, task_name)
        return typing.cast("VideoTask | None", task)

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
        return typing.cast("list[VideoTask]", await self._get_tasks(_VIDEO, locals()))

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
        return typing.cast("AsyncIterator[VideoTask]", self._iter_tasks(_VIDEO, locals()))

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
        """Create a video task; returns the new task's id.

        ``POST tasks/video``.

        ``file_path``: mp4, at most 250 MiB, H.264 (avc1/h264) video; checked before sending,
        then streamed.
        ``annotations`` are sent as copies without display-only keys, ``content`` = the task
        name. Points are keyed by 1-based frame number.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(_VIDEO, locals())

    async def update_video_task(
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
        """Update a video task; returns its id.

        ``PUT tasks/video/{task_id}``: only the fields given (non-empty) are sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(_VIDEO, task_id, locals())

    async def find_integrated_video_task_by_prefix(
        self, project: str, prefix: str
    ) -> IntegratedTask:
        """The merged task of the video tasks split from one dataset object (alpha API)."""
        return await self._find_integrated("videos", project, prefix)

    async def find_video_classification_task(self, task_id: str) -> ClassificationTask:
        """Find a single video classification task by id."""
        return typing.cast(
            ClassificationTask, await self._find_task(_VIDEO_CLASSIFICATION, task_id)
        )

    async def find_video_classification_task_by_name(
        self, project: str, task_name: str
    ) -> ClassificationTask | None:
        """The first video classification task the ``taskName`` filter returns, or None."""
        task = await self._find_task_by_name(_VIDEO_CLASSIFICATION, project, task_name)
        return typing.cast("ClassificationTask | None", task)

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
        return typing.cast(
            "list[ClassificationTask]", await self._get_tasks(_VIDEO_CLASSIFICATION, locals())
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
        return typing.cast(
            "AsyncIterator[ClassificationTask]", self._iter_tasks(_VIDEO_CLASSIFICATION, locals())
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
        """Create a video classification task; returns the new task's id.

        ``POST tasks/video/classification``.

        ``file_path``: mp4, at most 250 MiB, H.264 (avc1/h264) video; checked before sending,
        then streamed.
        ``attributes`` (``[{key, value}]``) are sent as copies without display-only keys.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._create_task(_VIDEO_CLASSIFICATION, locals())

    async def update_video_classification_task(
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
        """Update a video classification task; returns its id.

        ``PUT tasks/video/classification/{task_id}``: only the fields given (non-empty) are
        sent.

        Assignees (``assignee``, ``reviewer``, ... ``workflow_6_user``: user slugs) are sent
        when given, ``None`` as ``null``.
        """
        return await self._update_task(_VIDEO_CLASSIFICATION, task_id, locals())

    async def find_multi_modal_video_audio_task(self, task_id: str) -> MultiModalVideoAudioTask:
        """Find a single multi modal video audio task by id."""
        return typing.cast(
            MultiModalVideoAudioTask, await self._find_task(_MULTI_MODAL_VIDEO_AUDIO, task_id)
        )

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
        return typing.cast(
            "list[MultiModalVideoAudioTask]",
            await self._get_tasks(_MULTI_MODAL_VIDEO_AUDIO, locals()),
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
        return typing.cast(
            "AsyncIterator[MultiModalVideoAudioTask]",
            self._iter_tasks(_MULTI_MODAL_VIDEO_AUDIO, locals()),
        )
