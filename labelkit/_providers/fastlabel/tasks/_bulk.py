"""FastLabel bulk task creation that never creates a task twice.

A create whose answer was lost (dropped connection, timeout, a 5xx after the
request reached the server) raises :class:`~labelkit.AmbiguousResultError`
in the core: the task may or may not exist. Task names are unique in a
project, so the task is looked up by name first and re-sent only when it is
not there; a conflict on the re-send means an earlier attempt did land after
all, and is resolved by looking it up again.
"""

from __future__ import annotations

import os
import typing
from collections.abc import AsyncIterable, Callable, Iterable, Mapping

from ...._bulk import BulkRun, Progress
from ...._errors import AmbiguousResultError, ConflictError, LabelkitError, ValidationError
from ...._journal import Journal
from ._kinds import KINDS, TaskKind, kind_of
from ._mechanism import TasksBase
from ._models import Task

__all__ = ["BulkTasksMixin"]

#: How many times one item may be re-sent after an ambiguous answer.
_MAX_RESENDS = 3


class BulkTasksMixin(TasksBase):
    """Bulk creation on the core bulk runner, and the exact name lookup it relies on."""

    async def find_task_by_name(self, kind: str, project: str, name: str) -> Task | None:
        """The task of type ``kind`` (``"image"``, ``"video"``...) named exactly ``name``, or None.

        Unlike ``find_*_task_by_name`` (the first result of the server's
        ``taskName`` filter), only an exact name match counts, and every page
        of the filter's results is read: whether the server matches names
        exactly or by substring is not documented, and a match missed on a
        later page would make a lost create be sent again. Used to resolve
        creates whose outcome is unknown (also by a journal replaying a job).
        """
        spec: TaskKind[Task] = kind_of(kind)
        async for task in self._iter_tasks(spec, project, {"task_name": name}):
            if task.name == name:
                return task
        return None

    def bulk_create(
        self,
        kind: str,
        project: str,
        items: Iterable[Mapping[str, typing.Any]] | AsyncIterable[Mapping[str, typing.Any]],
        *,
        concurrency: int = 16,
        on_progress: Callable[[Progress], object] | None = None,
        if_exists: typing.Literal["error", "return"] = "error",
        journal: Journal | str | os.PathLike[str] | None = None,
    ) -> BulkRun[Mapping[str, typing.Any], str]:
        """Create many tasks of one type concurrently; one outcome (the task id) per item.

        ``items`` are the keyword arguments of ``create_<kind>_task`` without
        ``project`` (e.g. ``{"name": "a.jpg", "file_path": "a.jpg", "tags": [...]}``),
        read lazily. At most ``concurrency`` creates are in flight, all through
        the client's rate limiter; one failure does not stop the others.

        A create with an unknown outcome is resolved by looking the task up by
        name before anything is re-sent, so no task is created twice.
        ``if_exists="return"`` also turns a conflict on the first attempt (the
        name already existed, e.g. when re-running a job) into the existing
        task's id instead of a failed outcome.

        With ``journal`` (see :func:`~labelkit.bulk`) the job is resumable:
        items are keyed by project and task name, and an item whose earlier
        outcome was unknown is resolved with :meth:`find_task_by_name`.
        """
        spec = kind_of(kind)
        if spec.key not in _BULK_KINDS:
            raise ValidationError(
                "kind",
                f"{kind!r} tasks cannot be bulk-created",
                limit=f"one of {sorted(_BULK_KINDS)}",
            )
        create = getattr(self, f"create_{spec.key}_task")

        async def create_one(item: Mapping[str, typing.Any]) -> str:
            return await self._create_resolving(spec, create, project, item, if_exists)

        async def resolve(item: Mapping[str, typing.Any]) -> str | None:
            found = await self.find_task_by_name(spec.key, project, str(item.get("name")))
            return None if found is None else found.id

        return self.bulk(
            create_one,
            items,
            concurrency=concurrency,
            on_progress=on_progress,
            journal=journal,
            key=(lambda item: f"{spec.key}/{project}/{item.get('name')}") if journal else None,
            resolve=resolve if journal is not None else None,
            remote_id=None,
        )

    async def _create_resolving(
        self,
        spec: TaskKind[typing.Any],
        create: Callable[..., typing.Awaitable[str]],
        project: str,
        item: Mapping[str, typing.Any],
        if_exists: str,
    ) -> str:
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise ValidationError(
                "name", "every bulk item needs a non-empty name (used to resolve retries)"
            )
        resends = 0
        ambiguous: AmbiguousResultError | None = None
        while True:
            conflict: ConflictError | None = None
            try:
                return await create(project, **item)
            except AmbiguousResultError as exc:
                ambiguous = exc
            except ConflictError as exc:
                if ambiguous is None and if_exists == "error":
                    raise
                conflict = exc
            try:
                found = await self.find_task_by_name(spec.key, project, name)
            except LabelkitError as exc:
                # Still unknown whether the task exists: the item stays ambiguous.
                raise (ambiguous or conflict or exc) from exc
            if found is not None:
                return found.id
            if conflict is not None:
                raise conflict
            if resends >= _MAX_RESENDS:
                assert ambiguous is not None
                raise ambiguous
            resends += 1


_BULK_KINDS = frozenset(
    key
    for key, spec in KINDS.items()
    if spec.source in ("file", "contents", None) and key != "multi_modal_video_audio"
)
