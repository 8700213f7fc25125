"""The client side of the v2 surface: ``client.v2`` and ``client.v2_get_tasks(...)``."""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator

from ..._pagination import Page, iter_cursor
from ._base import _ScaleBase
from ._v2 import AsyncScaleV2
from ._v2_models import V2Task, V2TaskPage
from ._v2_wire import EnumArg, Many, Moment, query_of

__all__ = ["_V2Mixin"]


class _V2Mixin(_ScaleBase):
    """Binds :class:`AsyncScaleV2` as ``client.v2`` and adds the official ``v2_get_tasks``."""

    _v2_key: str

    v2: AsyncScaleV2
    """Scale's v2 ("GenAI") API under the official names: ``client.v2.get_task(...)``."""

    def _bind_resources(self) -> None:
        self.v2 = AsyncScaleV2(self, self._v2_key)

    def v2_get_tasks(
        self,
        project_id: str | None = None,
        project_name: str | None = None,
        batch_id: str | None = None,
        batch_name: str | None = None,
        status: EnumArg | None = None,
        completed_after: Moment = None,
        completed_before: Moment = None,
        limit: int | None = None,
        expand: Many = None,
        opts: Many = None,
    ) -> AsyncIterator[V2Task]:
        """Every task matching the filters, page by page along ``next_token`` (lazy).

        Each page repeats the filters with the previous page's ``next_token``
        (``limit`` is the page size); the listing ends at the page whose
        ``next_token`` is empty. The filters are checked now, before any request.
        """
        filters: dict[str, typing.Any] = {
            "project_id": project_id,
            "project_name": project_name,
            "batch_id": batch_id,
            "batch_name": batch_name,
            "status": status,
            "completed_after": completed_after,
            "completed_before": completed_before,
            "limit": limit,
            "expand": expand,
            "opts": opts,
        }
        # Checked once, up front: a bad filter fails at the call, not at the first item.
        query_of(filters)

        async def fetch(cursor: str | None) -> Page[V2Task]:
            page: V2TaskPage = await self.v2.get_tasks(**filters, next_token=cursor)
            token = page.next_token or None
            return Page(page.tasks, has_more=token is not None, next_cursor=token)

        return iter_cursor(fetch)
