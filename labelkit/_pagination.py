"""Lazy, exact iteration over paginated list endpoints.

Each helper takes an async ``fetch`` that requests one page and wraps the
answer in a :class:`Page`, and returns an async iterator of items::

    async for task in iter_offset(
        lambda offset, limit: fetch_tasks(project, offset=offset, limit=limit), limit=1000
    ):
        ...

A page is requested only when the consumer needs its first item, and the
iteration stops without a further request as soon as a page shows it is the
last one. The iterators hold no open resources, so breaking out of
``async for`` needs no cleanup. If ``fetch`` raises (or is cancelled), the
error propagates and iterating again re-requests the same page.
"""

from __future__ import annotations

import abc
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator, Sequence
from typing import Generic, TypeVar, overload

import attrs

from ._errors import APIError, ValidationError

__all__ = ["Page", "iter_cursor", "iter_offset", "iter_pages"]

T = TypeVar("T")


@attrs.frozen
class Page(Generic[T]):
    """One page of a list response.

    Fill in whatever the API reports: ``total`` (items in the whole
    collection), ``has_more``, or ``next_cursor``. These decide where the
    iteration ends; see :func:`iter_offset` and :func:`iter_cursor`.
    """

    items: Sequence[T]
    total: int | None = None
    has_more: bool | None = None
    next_cursor: str | None = None

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...
    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        return self.items[index]


def _is_last(page: Page[T], size: int, position: int) -> bool:
    """Whether ``page`` ends the listing; ``position`` counts items received so far."""
    count = len(page.items)
    if count == 0:
        return True
    # What the server states beats the short-page guess: servers often cap the
    # page size below the requested one, and stopping there would truncate silently.
    if page.has_more is not None:
        return not page.has_more
    if page.total is not None:
        return position >= page.total
    return count < size


@attrs.define(kw_only=True, eq=False)
class _Pager(abc.ABC, Generic[T]):
    """Yields the items of successive pages, fetching the next page only when needed."""

    _key: Callable[[T], Hashable] | None
    _seen: set[Hashable] = attrs.field(init=False, factory=set)
    _buffer: deque[T] = attrs.field(init=False, factory=deque)
    _done: bool = attrs.field(init=False, default=False)
    _fetching: bool = attrs.field(init=False, default=False)

    def __aiter__(self) -> _Pager[T]:
        return self

    async def __anext__(self) -> T:
        while True:
            while self._buffer:
                item = self._buffer.popleft()
                if self._key is not None:
                    key = self._key(item)
                    if key in self._seen:
                        continue
                    self._seen.add(key)
                return item
            if self._done:
                raise StopAsyncIteration
            if self._fetching:
                raise RuntimeError("this iterator is already being advanced by another task")
            self._fetching = True
            try:
                page = await self._fetch_next()
            finally:
                self._fetching = False
            self._buffer.extend(page.items)

    @abc.abstractmethod
    async def _fetch_next(self) -> Page[T]:
        """Request the next page, advance the position and set ``_done`` on the last page."""


@attrs.define(kw_only=True, eq=False)
class _NumberedPager(_Pager[T]):
    """Calls ``fetch(position, size)``: the position is an offset, or a page number (``pages``)."""

    _fetch: Callable[[int, int], Awaitable[Page[T]]]
    _size: int
    _position: int
    _pages: bool
    _reached: int = attrs.field(init=False)
    """What a page's ``total`` is compared with: the offset reached, or by page
    number the items received."""

    def __attrs_post_init__(self) -> None:
        self._reached = 0 if self._pages else self._position

    async def _fetch_next(self) -> Page[T]:
        page = await self._fetch(self._position, self._size)
        self._reached += len(page.items)
        self._position = self._position + 1 if self._pages else self._reached
        self._done = _is_last(page, self._size, self._reached)
        return page


@attrs.define(kw_only=True, eq=False)
class _CursorPager(_Pager[T]):
    _fetch: Callable[[str | None], Awaitable[Page[T]]]
    _cursor: str | None = attrs.field(init=False, default=None)
    _used: set[str] = attrs.field(init=False, factory=set)

    async def _fetch_next(self) -> Page[T]:
        cursor = self._cursor
        if cursor is not None:
            # Checked before the request rather than on receipt, so the items of
            # the page that repeated the cursor are still delivered.
            if cursor in self._used:
                raise APIError(
                    "the server returned the same pagination cursor twice; "
                    "stopping instead of looping forever"
                )
            self._used.add(cursor)
        page = await self._fetch(cursor)
        if not page.items or page.has_more is False or not page.next_cursor:
            self._done = True
        else:
            self._cursor = page.next_cursor
        return page


def _check_size(name: str, value: int) -> None:
    if value < 1:
        raise ValidationError(name, f"must be at least 1, got {value!r}")


def iter_offset(
    fetch: Callable[[int, int], Awaitable[Page[T]]],
    *,
    limit: int,
    offset: int = 0,
    key: Callable[[T], Hashable] | None = None,
) -> AsyncIterator[T]:
    """Iterate over an offset/limit listing, calling ``fetch(offset, limit)`` per page.

    The listing ends at an empty page, or else as the page says: when
    ``has_more`` is given it decides; otherwise when ``total`` is given the end
    is reached once ``offset >= total``; otherwise a page shorter than
    ``limit`` is the last. So a listing whose last page is exactly full and
    that reports neither ``has_more`` nor ``total`` costs one extra request,
    which returns the empty page.

    Offsets shift when items are inserted during iteration, so the next page
    repeats items already seen: with ``key`` (e.g. ``lambda t: t.id``) those
    are skipped. Deletions during iteration can still make items be missed.
    ``key`` keeps every key seen in memory.
    """
    _check_size("limit", limit)
    if offset < 0:
        raise ValidationError("offset", f"must be >= 0, got {offset!r}")
    return _NumberedPager(fetch=fetch, size=limit, position=offset, pages=False, key=key)


def iter_pages(
    fetch: Callable[[int, int], Awaitable[Page[T]]],
    *,
    per_page: int,
    first_page: int = 1,
    key: Callable[[T], Hashable] | None = None,
) -> AsyncIterator[T]:
    """Iterate over a page-number listing, calling ``fetch(page, per_page)`` per page.

    ``first_page`` is the number of the first page (1 for most APIs, 0 for
    some). The end is detected as in :func:`iter_offset`, with ``per_page``
    as the expected page size and ``total`` compared with the items received.
    """
    _check_size("per_page", per_page)
    return _NumberedPager(fetch=fetch, size=per_page, position=first_page, pages=True, key=key)


def iter_cursor(
    fetch: Callable[[str | None], Awaitable[Page[T]]],
    *,
    key: Callable[[T], Hashable] | None = None,
) -> AsyncIterator[T]:
    """Iterate over a cursor listing: ``fetch(None)`` first, then ``fetch(page.next_cursor)``.

    The listing ends at a page with no (or an empty) ``next_cursor``, with
    ``has_more`` False, or with no items. A server that hands out a cursor it
    already returned would loop forever; that raises
    :class:`~labelkit.APIError` instead, after the items of the page that
    repeated it. ``key`` skips items already yielded, as in
    :func:`iter_offset`.
    """
    return _CursorPager(fetch=fetch, key=key)
