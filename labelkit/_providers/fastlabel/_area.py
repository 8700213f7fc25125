"""Helpers shared by the non-task FastLabel mixins (projects, datasets, jobs ...).

The official SDK has two rules for optional values and they differ in
meaning: most keys are sent only when *truthy* (so ``0``, ``""`` and ``[]``
are dropped), a few *if not None* (so ``0`` and ``[]`` are sent). Each
method spells out which one applies, with :func:`truthy` for the first and
plain ``None`` values (dropped by the core query and body builders) for the
second.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Collection, Iterable, Mapping, Sequence

import attrs

from ..._errors import ValidationError
from ..._models import ResponseValidationError, structure
from ..._pagination import Page, iter_offset
from ..._types import NotGiven
from ._base import FastLabelBase, check_limit

__all__ = [
    "AreaBase",
    "Listing",
    "check_choice",
    "check_choices",
    "models",
    "not_none",
    "returned_id",
    "string_list",
    "task_filters",
    "tri_state",
    "truthy",
]

M = typing.TypeVar("M")


def truthy(**values: object) -> dict[str, object]:
    """The keyword arguments whose value is truthy (the SDK's ``if value:`` rule)."""
    return {key: value for key, value in values.items() if value}


def not_none(**values: object) -> dict[str, object]:
    """The keyword arguments that are not ``None`` (``0``, ``""`` and ``[]`` are kept)."""
    return {key: value for key, value in values.items() if value is not None}


def string_list(values: Iterable[str] | None, field: str) -> list[str] | None:
    """A fresh list of strings (a lone string would otherwise become its characters)."""
    if values is None:
        return None
    if isinstance(values, (str, bytes)):
        raise ValidationError(field, "must be a list of strings, not a single string")
    out = list(values)
    for index, value in enumerate(out):
        if not isinstance(value, str):
            raise ValidationError(
                f"{field}[{index}]", f"must be a string, got {type(value).__name__}"
            )
    return out


def task_filters(
    project: str,
    status: str | None,
    external_status: str | None,
    tags: Sequence[str] | None,
    keys: tuple[str, str, str] = ("status", "externalStatus", "tags"),
    **more: object,
) -> dict[str, object]:
    """``project`` and the task-state filters of a listing, each sent when truthy.

    ``keys`` names the status, external status and tags filters as the
    endpoint does; ``more`` are the listing's own filters.
    """
    values = (status, external_status, string_list(tags, "tags"))
    return {"project": project, **truthy(**dict(zip(keys, values, strict=True)), **more)}


def check_choice(value: object, choices: Collection[str], field: str) -> None:
    """Reject a value outside the documented set (``None`` passes: the key is omitted)."""
    if value is not None and value not in choices:
        raise ValidationError(
            field, f"{value!r} is not one of the accepted values", limit=", ".join(choices)
        )


def check_choices(values: Sequence[str] | None, choices: Collection[str], field: str) -> None:
    """:func:`check_choice` for every item of a list."""
    for index, value in enumerate(values or ()):
        if value not in choices:
            raise ValidationError(
                f"{field}[{index}]",
                f"{value!r} is not one of the accepted values",
                limit=", ".join(choices),
            )


def returned_id(data: object, what: str) -> str:
    """The id a create/update call answers with: a JSON string, or an object's ``id``."""
    if isinstance(data, str):
        return data
    if isinstance(data, Mapping) and isinstance(data.get("id"), str):
        return str(data["id"])
    raise ResponseValidationError(
        f"expected an id, got {type(data).__name__}", path=what, body=data
    )


def models(data: object, cls: type[M], what: str) -> list[M]:
    """Structure a bare JSON array of ``cls`` objects."""
    if not isinstance(data, list):
        raise ResponseValidationError(
            f"expected an array, got {type(data).__name__}", path=what, body=data
        )
    return [structure(item, cls) for item in data]


@attrs.frozen
class Listing(typing.Generic[M]):
    """An offset/limit endpoint: its path, item model, page sizes and offset rule.

    ``maximum`` is the largest ``limit`` it takes (``None``: undocumented) and
    ``page_size`` what iteration asks for. ``keep_zero`` endpoints take
    ``offset``/``limit`` whenever not ``None`` (``offset=0`` included), the
    others only when truthy.
    """

    path: str
    model: type[M]
    maximum: int | None
    page_size: int
    keep_zero: bool = False


class AreaBase(FastLabelBase):
    """List and iteration plumbing for the mixins of this package."""

    async def _get_json(self, path: str, query: Mapping[str, object] | None = None) -> typing.Any:
        # Values are query scalars or lists of them; the core drops None and repeats lists.
        return await self._call("GET", path, query=typing.cast(typing.Any, query))

    async def _get_models(self, path: str, query: Mapping[str, object], cls: type[M]) -> list[M]:
        return models(await self._get_json(path, query), cls, f"GET {path}")

    async def _get_model(self, path: str, cls: type[M]) -> M:
        return structure(await self._call("GET", path), cls)

    async def _page(
        self,
        listing: Listing[M],
        query: Mapping[str, object],
        offset: int | None,
        limit: int | None,
    ) -> list[M]:
        """One page of ``listing``: ``query``, then ``offset`` and ``limit`` by its rule."""
        paging = self._paging(offset, limit, listing.maximum, keep_zero=listing.keep_zero)
        return await self._get_models(listing.path, {**query, **paging}, listing.model)

    def _every(self, listing: Listing[M], query: Mapping[str, object]) -> AsyncIterator[M]:
        """Every item of ``listing`` matching ``query``, ``listing.page_size`` at a time."""

        async def fetch(offset: int, limit: int) -> Page[M]:
            return Page(await self._page(listing, query, offset, limit))

        return iter_offset(fetch, limit=listing.page_size)

    async def _post_model(self, path: str, body: object, cls: type[M]) -> M:
        """``POST`` a create and structure its answer as ``cls``."""
        return await self._call("POST", path, body=body, parse=lambda data: structure(data, cls))

    async def _post_id(self, path: str, body: object, what: str) -> str:
        """``POST`` a create answered by the new id (see :func:`returned_id`)."""
        return await self._call("POST", path, body=body, parse=lambda data: returned_id(data, what))

    @staticmethod
    def _paging(
        offset: int | None, limit: int | None, maximum: int | None, *, keep_zero: bool = False
    ) -> dict[str, object]:
        """``offset`` and ``limit`` once ``limit`` is checked against the endpoint's ``maximum``.

        Most endpoints take them when truthy; ``keep_zero`` ones whenever not ``None``.
        """
        check_limit(limit, maximum)
        if keep_zero:
            return not_none(offset=offset, limit=limit)
        return truthy(offset=offset, limit=limit)


def tri_state(key: str, value: object | NotGiven) -> dict[str, object]:
    """``{key: value}`` unless the argument was not passed (``None`` is sent as ``null``)."""
    return {} if isinstance(value, NotGiven) else {key: value}
