"""FastLabel: appendix data (camera calibration and images of PCD projects, section 6.3).

``import_appendix_file`` (the upload side) lives with the task operations.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Awaitable

from ._area import AreaBase, Listing, task_filters, truthy
from ._project_models import AppendixData
from .tasks._declared import Method
from .tasks._shapes import GetTasks, IterTasks

__all__ = ["AppendixDataMixin"]

_MAX = 10_000
_CONTENTS = Listing("contents/export/appendix", AppendixData, _MAX, _MAX)
_TASKS = Listing("tasks/appendix", AppendixData, _MAX, _MAX)
#: The docstring fields of the task-filtered shapes, for the contents' appendix data.
_VALUES = {
    "items": "calibration data and image URLs of PCD contents",
    "item": "appendix item of a PCD project's contents",
    "iter": "iter_appendix_data",
    "path": _CONTENTS.path,
    "max_page_size": _MAX,
}


def _query(args: dict[str, typing.Any]) -> dict[str, object]:
    """The task filters of a declared appendix listing, as query parameters."""
    status, external, tags = args["status"], args["external_status"], args["tags"]
    return task_filters(args["project"], status, external, tags, taskName=args["task_name"])


def _get(self: AreaBase, args: dict[str, typing.Any]) -> Awaitable[list[AppendixData]]:
    return self._page(_CONTENTS, _query(args), args["offset"], args["limit"])


def _iter(self: AreaBase, args: dict[str, typing.Any]) -> AsyncIterator[AppendixData]:
    return self._every(_CONTENTS, _query(args))


#: The task-list filters (6.1) select the contents; ``limit`` is at most 10,000.
_GET: Method[GetTasks[AppendixData]] = Method(
    GetTasks.__call__, _get, types={"T": AppendixData}, defaults={"limit": _MAX}, values=_VALUES
)
_ITER: Method[IterTasks[AppendixData]] = Method(
    IterTasks.__call__, _iter, types={"T_co": AppendixData}, values=_VALUES
)


class AppendixDataMixin(AreaBase):
    """Appendix data of tasks (section 6.3)."""

    get_appendix_data = _GET
    iter_appendix_data = _ITER

    async def get_task_appendix_data(
        self,
        project: str,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int | None = 10000,
    ) -> list[AppendixData]:
        """One page of appendix files of a project's tasks (``name`` is ``task/content/file``).

        ``limit`` is at most 10,000. See :meth:`iter_task_appendix_data`.
        """
        query = {"project": project, **truthy(taskName=task_name)}
        return await self._page(_TASKS, query, offset, limit)

    def iter_task_appendix_data(
        self, project: str, task_name: str | None = None
    ) -> AsyncIterator[AppendixData]:
        """Every item of :meth:`get_task_appendix_data`, fetched lazily 10,000 at a time."""
        return self._every(_TASKS, {"project": project, **truthy(taskName=task_name)})
