from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from labelkit import APIError, ValidationError
from labelkit._pagination import Page, iter_cursor, iter_offset, iter_pages

pytestmark = pytest.mark.anyio


class OffsetServer:
    """A list endpoint over ``count`` items; records every (offset, limit) requested."""

    def __init__(
        self,
        count: int,
        *,
        report_total: bool = False,
        report_has_more: bool = False,
        max_limit: int | None = None,
    ) -> None:
        self.rows = [f"id{i}" for i in range(count)]
        self.report_total = report_total
        self.report_has_more = report_has_more
        self.max_limit = max_limit
        self.requests: list[tuple[int, int]] = []

    async def fetch(self, offset: int, limit: int) -> Page[str]:
        self.requests.append((offset, limit))
        await anyio.lowlevel.checkpoint()
        size = min(limit, self.max_limit or limit)
        items = self.rows[offset : offset + size]
        return Page(
            items,
            total=len(self.rows) if self.report_total else None,
            has_more=offset + len(items) < len(self.rows) if self.report_has_more else None,
        )


async def collect(iterator: AsyncIterator[str]) -> list[str]:
    return [item async for item in iterator]


@pytest.mark.parametrize(
    ("count", "flags", "requests"),
    [
        (2500, {}, 3),  # the short third page ends it
        (2500, {"report_total": True}, 3),
        (2500, {"report_has_more": True}, 3),
        (2000, {"report_total": True}, 2),
        (2000, {"report_has_more": True}, 2),
        (2000, {}, 3),  # exactly full last page, no total: one more request gets the empty page
        (25_000, {}, 26),
        (0, {}, 1),
    ],
)
async def test_offset_request_counts_are_exact(
    count: int, flags: dict[str, bool], requests: int
) -> None:
    server = OffsetServer(count, **flags)

    items = await collect(iter_offset(server.fetch, limit=1000))

    assert items == server.rows
    assert len(server.requests) == requests
    assert [offset for offset, _ in server.requests] == [i * 1000 for i in range(requests)]


async def test_offset_starts_where_asked() -> None:
    server = OffsetServer(25, report_total=True)
    items = await collect(iter_offset(server.fetch, limit=10, offset=5))
    assert items == server.rows[5:]
    assert server.requests == [(5, 10), (15, 10)]


async def test_pages_are_fetched_lazily() -> None:
    server = OffsetServer(5000)
    iterator = iter_offset(server.fetch, limit=1000)
    assert server.requests == []

    first = []
    async for item in iterator:
        first.append(item)
        if len(first) == 5:
            break

    assert first == server.rows[:5]
    assert len(server.requests) == 1


async def test_a_server_capping_the_page_size_does_not_truncate_when_it_reports_the_end() -> None:
    for flags in ({"report_total": True}, {"report_has_more": True}):
        server = OffsetServer(2500, max_limit=500, **flags)
        assert await collect(iter_offset(server.fetch, limit=1000)) == server.rows
        assert len(server.requests) == 5


async def test_has_more_false_ends_even_a_full_page() -> None:
    async def fetch(offset: int, limit: int) -> Page[int]:
        calls.append(offset)
        return Page(list(range(offset, offset + limit)), has_more=offset == 0)

    calls: list[int] = []
    items = [item async for item in iter_offset(fetch, limit=10)]
    assert items == list(range(20))
    assert calls == [0, 10]


async def test_key_skips_items_repeated_by_offsets_shifting_during_iteration() -> None:
    server = OffsetServer(30)
    original = list(server.rows)

    async def fetch(offset: int, limit: int) -> Page[str]:
        page = await server.fetch(offset, limit)
        # Someone creates an item after every page: it lands at the front and
        # pushes everything one place down.
        server.rows.insert(0, f"new{len(server.requests)}")
        return page

    without_key = await collect(iter_offset(fetch, limit=10))
    assert len(without_key) > len(set(without_key))

    server.rows = list(original)
    server.requests.clear()
    with_key = await collect(iter_offset(fetch, limit=10, key=lambda item: item))
    assert with_key == original


async def test_page_numbers() -> None:
    requests: list[tuple[int, int]] = []
    rows = list(range(250))

    async def fetch(page: int, per_page: int) -> Page[int]:
        requests.append((page, per_page))
        start = (page - base) * per_page
        return Page(rows[start : start + per_page])

    base = 1
    assert [item async for item in iter_pages(fetch, per_page=100)] == rows
    assert requests == [(1, 100), (2, 100), (3, 100)]

    base = 0
    requests.clear()
    assert [item async for item in iter_pages(fetch, per_page=100, first_page=0)] == rows
    assert requests == [(0, 100), (1, 100), (2, 100)]


async def test_page_numbers_stop_at_total() -> None:
    requests: list[int] = []

    async def fetch(page: int, per_page: int) -> Page[int]:
        requests.append(page)
        start = (page - 1) * per_page
        return Page(list(range(start, min(start + per_page, 200))), total=200)

    assert [item async for item in iter_pages(fetch, per_page=100)] == list(range(200))
    assert requests == [1, 2]


class CursorServer:
    def __init__(self, pages: list[tuple[list[int], str | None]]) -> None:
        self.pages = pages
        self.requests: list[str | None] = []

    async def fetch(self, cursor: str | None) -> Page[int]:
        self.requests.append(cursor)
        index = 0 if cursor is None else int(cursor.removeprefix("c"))
        items, next_cursor = self.pages[index]
        return Page(items, next_cursor=next_cursor)


async def test_cursor_pages_until_there_is_no_next_cursor() -> None:
    server = CursorServer([([1, 2], "c1"), ([3, 4], "c2"), ([5], None)])
    assert [item async for item in iter_cursor(server.fetch)] == [1, 2, 3, 4, 5]
    assert server.requests == [None, "c1", "c2"]

    server = CursorServer([([1, 2], "c1"), ([3], "")])
    assert [item async for item in iter_cursor(server.fetch)] == [1, 2, 3]
    assert server.requests == [None, "c1"]


async def test_cursor_stops_on_has_more_false_or_an_empty_page() -> None:
    async def fetch(cursor: str | None) -> Page[int]:
        return Page([1], next_cursor="again", has_more=False)

    assert [item async for item in iter_cursor(fetch)] == [1]

    server = CursorServer([([1], "c1"), ([], "c2"), ([2], None)])
    assert [item async for item in iter_cursor(server.fetch)] == [1]
    assert server.requests == [None, "c1"]


async def test_a_repeated_cursor_raises_instead_of_looping() -> None:
    server = CursorServer([([1], "c1"), ([2], "c2"), ([3], "c1")])
    got: list[int] = []

    with pytest.raises(APIError, match="same pagination cursor twice"):
        async for item in iter_cursor(server.fetch):
            got.append(item)

    assert got == [1, 2, 3]
    assert server.requests == [None, "c1", "c2"]


async def test_cursor_key_dedupes() -> None:
    server = CursorServer([([1, 2], "c1"), ([2, 3], None)])
    assert [item async for item in iter_cursor(server.fetch, key=lambda i: i)] == [1, 2, 3]


async def test_a_failed_fetch_can_be_retried_by_iterating_again() -> None:
    server = OffsetServer(25, report_total=True)
    fail = True

    async def flaky(offset: int, limit: int) -> Page[str]:
        nonlocal fail
        if offset == 10 and fail:
            fail = False
            raise APIError("boom")
        return await server.fetch(offset, limit)

    iterator = iter_offset(flaky, limit=10)
    got = [await anext(iterator) for _ in range(10)]
    with pytest.raises(APIError):
        await anext(iterator)
    got += [item async for item in iterator]

    assert got == server.rows
    assert [offset for offset, _ in server.requests] == [0, 10, 20]


async def test_one_iterator_cannot_be_advanced_by_two_tasks_at_once() -> None:
    gate = anyio.Event()

    async def fetch(offset: int, limit: int) -> Page[int]:
        await gate.wait()
        return Page([1])

    iterator = iter_offset(fetch, limit=10)

    async def advance() -> None:
        assert await anext(iterator) == 1

    async with anyio.create_task_group() as tg:
        tg.start_soon(advance)
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(RuntimeError, match="already being advanced"):
            await anext(iterator)
        gate.set()


async def test_sizes_are_validated() -> None:
    async def fetch(a: int, b: int) -> Page[int]:
        return Page([])

    with pytest.raises(ValidationError, match="limit"):
        iter_offset(fetch, limit=0)
    with pytest.raises(ValidationError, match="offset"):
        iter_offset(fetch, limit=10, offset=-1)
    with pytest.raises(ValidationError, match="per_page"):
        iter_pages(fetch, per_page=0)
