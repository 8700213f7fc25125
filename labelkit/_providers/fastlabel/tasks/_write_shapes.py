"""The create and update shapes of the per-type task methods (section 6.1).

One Protocol per official parameter list; :func:`~._shapes.create_task` and
:func:`~._shapes.update_task` pair one with a kind (``UpdateAnyTask`` is the
``update_task`` of every type, declared in :mod:`._any`). Docstring fields:
``{a_title}``, ``{path}``, ``{files}`` (the kind's content rules), ``{note}``
(given by the declaration) and ``{assignees}``.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Mapping, Sequence

from typing_extensions import Unpack

from ._assignees import Assignees
from ._models import History, Priority

__all__ = [
    "CreateClassificationTask",
    "CreateDicomTask",
    "CreateImageClassificationTask",
    "CreateImageTask",
    "CreateIntegratedImageClassificationTask",
    "CreateIntegratedImageTask",
    "CreateMultiImageClassificationTask",
    "CreateRoboticsTask",
    "CreateSequentialImageTask",
    "CreateSequentialPcdTask",
    "CreateTask",
    "UpdateAnyTask",
    "UpdateClassificationTask",
    "UpdateDicomTask",
    "UpdateImageTask",
    "UpdateRoboticsTask",
    "UpdateTask",
]


class CreateTask(typing.Protocol):
    async def __call__(
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
        """Create {a_title} task; returns the new task's id.

        ``POST {path}``.

        {files}
        ``annotations`` are sent as copies without display-only keys, ``content`` = the task
        name.
        {note}

        {assignees}
        """


class CreateImageTask(typing.Protocol):
    async def __call__(
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
        is_delete_exif: bool | None = False,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create {a_title} task; returns the new task's id.

        ``POST {path}``.

        {files}
        ``annotations`` are sent as copies without display-only keys, ``content`` = the task
        name.

        {assignees}
        """


class CreateImageClassificationTask(typing.Protocol):
    async def __call__(
        self,
        project: str,
        name: str,
        file_path: str | os.PathLike[str],
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        attributes: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        is_delete_exif: bool | None = False,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create {a_title} task; returns the new task's id.

        ``POST {path}``.

        {files}
        ``attributes`` (``[{{key, value}}]``) are sent as copies without display-only keys.

        {assignees}
        """


class CreateClassificationTask(typing.Protocol):
    async def __call__(
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
        """Create {a_title} task; returns the new task's id.

        ``POST {path}``.

        {files}
        ``attributes`` (``[{{key, value}}]``) are sent as copies without display-only keys.

        {assignees}
        """


class CreateIntegratedImageTask(typing.Protocol):
    async def __call__(
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
        """Create {a_title} task; returns the new task's id.

        ``POST {path}``.

        ``file_path`` is a png/jpg/jpeg path inside the project's bucket; annotations get
        ``content`` = ``file_path``.

        {assignees}
        """


class CreateIntegratedImageClassificationTask(typing.Protocol):
    async def __call__(
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
        """Create {a_title} task; returns the new task's id.

        ``POST {path}``.

        ``file_path`` is a path inside the project's bucket.

        {assignees}
        """


class CreateMultiImageClassificationTask(typing.Protocol):
    async def __call__(
        self,
        project: str,
        name: str,
        folder_path: str | os.PathLike[str],
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        attributes: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        is_delete_exif: bool | None = False,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create {a_title} task; returns the new task's id.

        ``POST {path}``.

        {files}
        ``attributes`` (``[{{key, value}}]``) are sent as copies without display-only keys.

        {assignees}
        """


class CreateSequentialImageTask(typing.Protocol):
    async def __call__(
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
        is_delete_exif: bool | None = False,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create {a_title} task; returns the new task's id.

        ``POST {path}``.

        {files}
        ``annotations`` are sent as copies; set each one's ``content`` to its frame's file name.

        {assignees}
        """


class CreateSequentialPcdTask(typing.Protocol):
    async def __call__(
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
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create {a_title} task; returns the new task's id.

        ``POST {path}``.

        {files}
        ``annotations`` are sent as copies; set each one's ``content`` to its frame's file name.

        {assignees}
        """


class CreateDicomTask(typing.Protocol):
    async def __call__(
        self,
        project: str,
        file_path: str | os.PathLike[str],
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        **assignees: Unpack[Assignees],
    ) -> History:
        """Import a zip of DICOM files as tasks; returns the import history.

        ``POST {path}``.

        The zip (at most 2000 MiB) is streamed to a signed URL, the upload is checked, then
        registered. The server creates and names the task(s) asynchronously: the
        returned :class:`History` can be awaited with :meth:`wait_history`.

        {assignees}
        """


class CreateRoboticsTask(typing.Protocol):
    async def __call__(
        self,
        project: str,
        name: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        tags: Sequence[str] | None = None,
        operator: str | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Create {a_title} task; returns the new task's id.

        ``POST {path}``.

        A task without content; import it with :meth:`import_robotics_contents_file`.

        {assignees}
        """


class UpdateTask(typing.Protocol):
    async def __call__(
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
        """Update {a_title} task; returns its id.

        ``PUT {path}/{{task_id}}``: sends only the fields given (non-empty).
        {note}

        {assignees}
        """


class UpdateAnyTask(typing.Protocol):
    async def __call__(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        tags: Sequence[str] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Update a task of any type (``PUT tasks/{{task_id}}``); returns its id.

        Only the fields given (non-empty) are sent; assignees when given.
        """


class UpdateClassificationTask(typing.Protocol):
    async def __call__(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        attributes: Sequence[Mapping[str, typing.Any]] | None = None,
        tags: Sequence[str] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Update {a_title} task; returns its id.

        ``PUT {path}/{{task_id}}``: sends only the fields given (non-empty).

        {assignees}
        """


class UpdateImageTask(typing.Protocol):
    async def __call__(
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
        """Update {a_title} task; returns its id.

        ``PUT {path}/{{task_id}}``: sends only the fields given (non-empty).
        ``relations``: ``[{{startIndex, endIndex}}]`` indexes into ``annotations``.

        {assignees}
        """


class UpdateDicomTask(typing.Protocol):
    async def __call__(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Update {a_title} task; returns its id.

        ``PUT {path}/{{task_id}}``: sends only the fields given (non-empty).

        {assignees}
        """


class UpdateRoboticsTask(typing.Protocol):
    async def __call__(
        self,
        task_id: str,
        status: str | None = None,
        external_status: str | None = None,
        priority: int | Priority | None = None,
        tags: Sequence[str] | None = None,
        operator: str | None = None,
        annotations: Sequence[Mapping[str, typing.Any]] | None = None,
        metadatas: Sequence[Mapping[str, typing.Any]] | None = None,
        **assignees: Unpack[Assignees],
    ) -> str:
        """Update {a_title} task; returns its id.

        ``PUT {path}/{{task_id}}``: sends only the fields given (non-empty).
        ``annotations`` is sent whenever it is not None, so ``[]`` clears them.

        {assignees}
        """
