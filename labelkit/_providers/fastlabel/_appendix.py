"""FastLabel: appendix data (camera calibration and images of PCD projects, section 6.3).

``import_appendix_file`` (the upload side) lives with the task operations.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from ._area import AreaBase, Listing, task_filters, truthy
from ._project_models import AppendixData

__all__ = ["AppendixDataMixin"]

_MAX = 10_000
_CONTENTS = Listing("contents/export/appendix", AppendixData, _MAX, _MAX)
_TASKS = Listing("tasks/appendix", AppendixData, _MAX, _MAX)


class AppendixDataMixin(AreaBase):
    """Appendix data of tasks (section 6.3)."""

    async def get_appendix_data(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 10000,
    ) -> list[AppendixData]:
        """One page of calibration data and image URLs of a PCD project's contents.

        Filters by task ``status``, ``external_status``, ``tags`` (any of) and
        ``task_name``; ``limit`` is at most 10,000. See :meth:`iter_appendix_data`.
        """
        query = task_filters(project, status, external_status, tags, taskName=task_name)
        return await self._page(_CONTENTS, query, offset, limit)

    def iter_appendix_data(
        self,
        project: str,
        status: str | None = None,
        external_status: str | None = None,
        tags: Sequence[str] | None = None,
        task_name: str | None = None,
    ) -> AsyncIterator[AppendixData]:
        """Every item of :meth:`get_appendix_data`, fetched lazily 10,000 at a time."""
        query = task_filters(project, status, external_status, tags, taskName=task_name)
        return self._every(_CONTENTS, query)

    async def get_task_appendix_data(
        self,
        project: str,
        task_name: str | None = None,
        offset: int | None = None,
        limit: int = 10000,
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
