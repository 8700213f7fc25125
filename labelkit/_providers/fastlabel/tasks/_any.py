"""FastLabel: operations on tasks of any type, import histories, S3 and zip imports (6.2, 6.3)."""

from __future__ import annotations

import os
import typing
from collections.abc import AsyncIterator, Mapping, Sequence

from typing_extensions import Unpack

from ...._config import PollPolicy
from ...._errors import ValidationError
from ...._models import ResponseValidationError, structure
from ...._pagination import Page, iter_offset
from ...._paths import segment
from ...._poll import JobState, WaitOptions, wait_for
from ...._signatures import with_defaults
from .._base import check_limit
from ._declared import Method
from ._kinds import IMAGE
from ._mechanism import TasksBase, filter_query, priority_value, task_fields
from ._models import History, Priority
from ._shapes import CountTasks
from ._write_shapes import UpdateAnyTask

__all__ = ["DEFAULT_HISTORY_POLL", "TAG_BATCH_SIZE", "CommonTasksMixin"]

#: Task ids per ``tasks/tags/add|remove`` request (the SDK's TASK_TAGS_UPDATE_TASK_IDS_LIMIT).
TAG_BATCH_SIZE = 5000

#: Imports take seconds to minutes: first poll after 2 s, then every 2 s growing
#: x1.5 up to every 30 s, for at most an hour by default.
DEFAULT_HISTORY_POLL = PollPolicy(
    initial_delay=2.0, interval=2.0, backoff=1.5, max_interval=30.0, timeout=3600.0
)


def _classify(history: History) -> JobState:
    if history.status is None or not history.status.is_terminal:
        return JobState.PENDING
    return JobState.FAILED if history.status.failed else JobState.SUCCEEDED


def _maybe_history(data: object) -> typing.Any:
    if isinstance(data, Mapping) and isinstance(data.get("id"), str) and "status" in data:
        return structure(data, History)
    return data


async def _update(self: TasksBase, args: dict[str, typing.Any]) -> str:
    task_id = args.pop("task_id")
    body = task_fields(IMAGE, args, update=True)
    data = await self._call("PUT", f"tasks/{segment(task_id, field='task_id')}", body=body)
    return task_id if not isinstance(data, str) else data


async def _count(self: TasksBase, args: dict[str, typing.Any]) -> int:
    query = filter_query(args.pop("project"), args)
    return structure(await self._call("GET", "tasks/count", query=query), int)


_UPDATE: Method[UpdateAnyTask] = Method(UpdateAnyTask.__call__, _update)
_COUNT: Method[CountTasks] = Method(CountTasks.__call__, _count)


class CommonTasksMixin(TasksBase):
    """Operations on tasks of any type, import histories, AWS S3 and zip imports."""

    update_task = _UPDATE
    count_tasks = _COUNT

    async def delete_task(self, task_id: str) -> None:
        """Delete a task of any type."""
        await self._call("DELETE", f"tasks/{segment(task_id, field='task_id')}")

    async def delete_task_annotations(self, task_id: str) -> None:
        """Delete every annotation of a task."""
        await self._call("DELETE", f"tasks/{segment(task_id, field='task_id')}/task-annotations")

    async def add_task_tags(
        self, project: str, task_ids: Sequence[str], tags: Sequence[str]
    ) -> int:
        """Add ``tags`` to tasks; returns how many tasks changed.

        Ids are de-duplicated (order kept) and sent 5000 per request; unknown
        tag names are created. Not atomic: if a later batch fails, the earlier
        ones stay applied (re-running is safe: tasks already tagged count 0).
        """
        return await self._change_tags("add", project, task_ids, tags)

    async def remove_task_tags(
        self, project: str, task_ids: Sequence[str], tags: Sequence[str]
    ) -> int:
        """Remove ``tags`` from tasks; returns how many tasks changed.

        Batches and failure behaviour as :meth:`add_task_tags`.
        """
        return await self._change_tags("remove", project, task_ids, tags)

    async def _change_tags(
        self, action: str, project: str, task_ids: Sequence[str], tags: Sequence[str]
    ) -> int:
        if isinstance(task_ids, str) or isinstance(tags, str):
            raise ValidationError(
                "task_ids" if isinstance(task_ids, str) else "tags", "must be a list"
            )
        ids = list(dict.fromkeys(task_ids))
        if not ids:
            raise ValidationError("task_ids", "must not be empty")
        if not tags:
            raise ValidationError("tags", "must not be empty")
        # The README's "20 tags of at most 140 characters" is the server's to judge, as
        # with the SDK; only the empty lists are the SDK's own refusals.
        total = 0
        for start in range(0, len(ids), TAG_BATCH_SIZE):
            body = {
                "project": project,
                "taskIds": ids[start : start + TAG_BATCH_SIZE],
                "tags": list(tags),
            }
            # Setting a tag twice changes nothing, so a re-send is harmless.
            data = await self._call("POST", f"tasks/tags/{action}", body=body, idempotent=True)
            count = data.get("updatedTaskCount") if isinstance(data, Mapping) else None
            if not isinstance(count, int):
                raise ResponseValidationError(
                    "expected {updatedTaskCount: int}", path=f"POST tasks/tags/{action}", body=data
                )
            total += count
        return total

    async def get_task_id_name_map(
        self, project: str, offset: int | None = None, limit: int | None = 1000
    ) -> dict[str, str]:
        """``{task id: task name}`` for one page of a project's tasks (``limit`` at most 1000)."""
        check_limit(limit, 1000)
        query = {"project": project, "offset": offset or None, "limit": limit or None}
        data = await self._call("GET", "tasks/map/id-name", query=query)
        return structure(data, dict[str, str])

    async def find_history(self, history_id: str) -> History:
        """Find an import history (DICOM, zip and S3 imports)."""
        data = await self._call(
            "GET", f"tasks/import/histories/{segment(history_id, field='history_id')}"
        )
        return structure(data, History)

    async def get_histories(
        self, project: str, offset: int | None = None, limit: int | None = 100
    ) -> list[History]:
        """One page of a project's import histories (``limit`` at most 1000)."""
        check_limit(limit, 1000)
        query = {"project": project, "offset": offset or None, "limit": limit or None}
        return structure(
            await self._call("GET", "tasks/import/histories", query=query), list[History]
        )

    def iter_histories(self, project: str) -> AsyncIterator[History]:
        """Every import history of a project, 1000 per request, fetched lazily."""

        async def page(offset: int, limit: int) -> Page[History]:
            return Page(await self.get_histories(project, offset=offset, limit=limit))

        return iter_offset(page, limit=1000, key=lambda history: history.id)

    async def wait_history(self, history_id: str, **wait: Unpack[WaitOptions]) -> History:
        """Poll :meth:`find_history` until the import has ended; return the final history.

        Raises :class:`~labelkit.JobFailedError` (``.job`` is the history) when
        the import failed and :class:`~labelkit.PollTimeoutError` when
        ``timeout`` (default ``poll.timeout``) passes first. ``poll`` defaults
        to :data:`DEFAULT_HISTORY_POLL`.
        """
        options = with_defaults(wait, WaitOptions, "wait_history")
        return await wait_for(
            lambda: self.find_history(history_id),
            _classify,
            policy=options["poll"] or DEFAULT_HISTORY_POLL,
            timeout=options["timeout"],
            describe=f"import history {history_id}",
        )

    async def update_aws_s3_storage(
        self, project: str, bucket_name: str, bucket_region: str, prefix: str | None = None
    ) -> typing.Any:
        """Connect the project to an AWS S3 bucket; returns the API's answer as is."""
        body: dict[str, typing.Any] = {"bucketName": bucket_name, "bucketRegion": bucket_region}
        if prefix:
            body["prefix"] = prefix
        return await self._call(
            "PUT", f"storages/aws-s3/{segment(project, field='project')}", body=body
        )

    async def create_task_from_aws_s3(
        self,
        project: str,
        status: str | None = "registered",
        tags: Sequence[str] | None = None,
        priority: int | Priority | None = 0,
    ) -> History:
        """Start importing the connected bucket's files as tasks; wait with :meth:`wait_history`."""
        body = {
            "project": project,
            "status": status,
            "tags": list(tags or []),
            "priority": None if priority is None else priority_value(priority),
        }
        return await self._call(
            "POST", "tasks/aws-s3", body=body, parse=lambda data: structure(data, History)
        )

    async def get_aws_s3_import_status_by_project(self, project: str) -> History:
        """The latest AWS S3 import history of the project."""
        path = f"tasks/import/status/aws-s3/{segment(project, field='project')}"
        return structure(await self._call("GET", path), History)

    async def import_appendix_file(
        self, project: str, file_path: str | os.PathLike[str]
    ) -> typing.Any:
        """Import calibration data (a .zip) for a PCD project.

        The zip is streamed to a signed URL, the upload's status checked, then
        registered. Returns the API's answer (a :class:`History` when it is one).
        """
        key = await self._upload_zip(project, file_path, max_bytes=None)
        data = await self._call(
            "POST", "contents/imports/appendix/batch", body={"project": project, "fileKey": key}
        )
        return _maybe_history(data)

    async def import_robotics_contents_file(
        self, project: str, file_path: str | os.PathLike[str]
    ) -> typing.Any:
        """Import robotics contents (a .zip of videos and telemetry) into existing tasks.

        Same flow as :meth:`import_appendix_file`.
        """
        key = await self._upload_zip(project, file_path, max_bytes=None)
        data = await self._call(
            "POST",
            "contents/imports/robotics-contents/batch",
            body={"project": project, "fileKey": key},
        )
        return _maybe_history(data)
