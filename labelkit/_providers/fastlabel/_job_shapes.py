"""The listing methods every model-job kind has, declared once from the kind's listing.

``get_<key>_jobs`` (one page), ``iter_<key>_jobs`` (every page) and
``find_<key>_job`` (one by id) differ between training and evaluation jobs only
in the endpoint, the model and ``limit``'s default, so they are
:class:`~labelkit._providers.fastlabel.tasks._declared.Method` declarations over a
:class:`~labelkit._providers.fastlabel._area.Listing`.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Awaitable

from ..._paths import segment
from ._area import AreaBase, Listing
from .tasks._declared import Method

__all__ = ["find_job", "get_jobs", "iter_jobs"]

J = typing.TypeVar("J")
J_co = typing.TypeVar("J_co", covariant=True)


class GetJobs(typing.Protocol[J]):
    async def __call__(self, offset: int | None = None, limit: int = 100) -> list[J]:
        """One page of {title} jobs (at most 1,000); see :meth:`iter_{key}_jobs`."""


class IterJobs(typing.Protocol[J_co]):
    def __call__(self) -> AsyncIterator[J_co]:
        """Every {title} job, fetched lazily 1,000 at a time."""


class FindJob(typing.Protocol[J_co]):
    async def __call__(self, id: str) -> J_co:
        """One {title} job by id."""


def _declare(listing: Listing[typing.Any], key: str) -> dict[str, typing.Any]:
    return {
        "types": {"J": listing.model, "J_co": listing.model},
        "values": {"key": key, "title": key.replace("_", " ")},
    }


def get_jobs(listing: Listing[J], key: str, *, limit: int) -> Method[GetJobs[J]]:
    """``get_<key>_jobs(offset, limit)``: one page of ``listing``, ``limit`` by default."""

    def call(self: AreaBase, args: dict[str, typing.Any]) -> Awaitable[list[J]]:
        return self._page(listing, {}, args["offset"], args["limit"])

    return Method(GetJobs.__call__, call, defaults={"limit": limit}, **_declare(listing, key))


def iter_jobs(listing: Listing[J], key: str) -> Method[IterJobs[J]]:
    """``iter_<key>_jobs()``: every item of ``listing``, lazily."""

    def call(self: AreaBase, args: dict[str, typing.Any]) -> AsyncIterator[J]:
        return self._every(listing, {})

    return Method(IterJobs.__call__, call, **_declare(listing, key))


def find_job(listing: Listing[J], key: str) -> Method[FindJob[J]]:
    """``find_<key>_job(id)``: ``GET <listing path>/<id>``."""

    def call(self: AreaBase, args: dict[str, typing.Any]) -> Awaitable[J]:
        return self._get_model(f"{listing.path}/{segment(args['id'], field='id')}", listing.model)

    return Method(FindJob.__call__, call, **_declare(listing, key))
