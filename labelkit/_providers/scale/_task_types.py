"""The ``create_<type>_task`` helpers of the official SDKs (seed-era README and 1.x).

Each one is :meth:`create_task` with the type fixed: the keyword arguments are
the task's parameters, sent verbatim as the JSON body (the server validates
them; a ``unique_id`` makes the create retry-safe as described there).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping

from ._base import _ScaleBase
from ._models import Task, TaskType

__all__: list[str] = []


class _TaskTypesMixin(_ScaleBase):
    """``create_<type>_task`` for every type the official SDKs had such a method for."""

    async def _create_typed(self, kind: TaskType, params: Mapping[str, object]) -> Task:
        return await self._create_task_at(f"task/{kind.value}", kind.value, params)

    async def create_categorization_task(self, **params: typing.Any) -> Task:
        """Create a categorization task (``task/categorization``; SDK <= 0.2.11: ``categorize``)."""
        return await self._create_typed(TaskType.CATEGORIZATION, params)

    async def create_transcription_task(self, **params: typing.Any) -> Task:
        """Create a transcription task (``fields``, ``repeatable_fields`` or ``row_fields``)."""
        return await self._create_typed(TaskType.TRANSCRIPTION, params)

    async def create_comparison_task(self, **params: typing.Any) -> Task:
        """Create a comparison task (``attachments``, ``choices``, ``fields``)."""
        return await self._create_typed(TaskType.COMPARISON, params)

    async def create_annotation_task(self, **params: typing.Any) -> Task:
        """Create a box annotation task (``objects_to_annotate``, ``with_labels`` ...)."""
        return await self._create_typed(TaskType.ANNOTATION, params)

    async def create_datacollection_task(self, **params: typing.Any) -> Task:
        """Create a data collection task (``fields``)."""
        return await self._create_typed(TaskType.DATACOLLECTION, params)

    async def create_audiotranscription_task(self, **params: typing.Any) -> Task:
        """Create an audio transcription task (``verbatim``, ``phrases``)."""
        return await self._create_typed(TaskType.AUDIOTRANSCRIPTION, params)

    async def create_phonecall_task(self, **params: typing.Any) -> Task:
        """Create a phone call task (SDK 0.1-0.2.16 only; ``phone_number``, ``script`` ...)."""
        return await self._create_typed(TaskType.PHONECALL, params)

    async def create_polygonannotation_task(self, **params: typing.Any) -> Task:
        """Create a polygon annotation task."""
        return await self._create_typed(TaskType.POLYGONANNOTATION, params)

    async def create_lineannotation_task(self, **params: typing.Any) -> Task:
        """Create a line annotation task (``splines`` ...)."""
        return await self._create_typed(TaskType.LINEANNOTATION, params)

    async def create_pointannotation_task(self, **params: typing.Any) -> Task:
        """Create a point annotation task."""
        return await self._create_typed(TaskType.POINTANNOTATION, params)

    async def create_cuboidannotation_task(self, **params: typing.Any) -> Task:
        """Create a cuboid annotation task."""
        return await self._create_typed(TaskType.CUBOIDANNOTATION, params)

    async def create_segmentannotation_task(self, **params: typing.Any) -> Task:
        """Create a semantic segmentation task (``labels``, ``allow_unlabeled``)."""
        return await self._create_typed(TaskType.SEGMENTANNOTATION, params)

    async def create_namedentityrecognition_task(self, **params: typing.Any) -> Task:
        """Create a named entity recognition task."""
        return await self._create_typed(TaskType.NAMEDENTITYRECOGNITION, params)

    async def create_imageannotation_task(self, **params: typing.Any) -> Task:
        """Create an image annotation task (``geometries`` ...)."""
        return await self._create_typed(TaskType.IMAGEANNOTATION, params)

    async def create_videoannotation_task(self, **params: typing.Any) -> Task:
        """Create a video annotation task."""
        return await self._create_typed(TaskType.VIDEOANNOTATION, params)

    async def create_videoboxannotation_task(self, **params: typing.Any) -> Task:
        """Create a video box annotation task."""
        return await self._create_typed(TaskType.VIDEOBOXANNOTATION, params)

    async def create_videocuboidannotation_task(self, **params: typing.Any) -> Task:
        """Create a video cuboid annotation task."""
        return await self._create_typed(TaskType.VIDEOCUBOIDANNOTATION, params)

    async def create_videoplaybackannotation_task(self, **params: typing.Any) -> Task:
        """Create a video playback annotation task."""
        return await self._create_typed(TaskType.VIDEOPLAYBACKANNOTATION, params)

    async def create_textcollection_task(self, **params: typing.Any) -> Task:
        """Create a text collection task."""
        return await self._create_typed(TaskType.TEXTCOLLECTION, params)

    async def create_documenttranscription_task(self, **params: typing.Any) -> Task:
        """Create a document transcription task."""
        return await self._create_typed(TaskType.DOCUMENTTRANSCRIPTION, params)
