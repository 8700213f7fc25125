"""Unit tests of labelkit._http over ``httpx.MockTransport`` (no sockets at all)."""

from __future__ import annotations

import contextlib
import typing
from collections.abc import AsyncIterator, Callable

import anyio
import httpx
import pytest

from labelkit._config import Timeout
from labelkit._http import (
    USER_AGENT,
    HttpRequest,
    HttpResponse,
    HttpSession,
    Token,
    TransportError,
)

pytestmark = pytest.mark.anyio

BASE = "http://127.0.0.1:8123/api/v1/"
Handler = Callable[[httpx.Request], typing.Union[httpx.Response, typing.Awaitable[httpx.Response]]]


class Recorder:
    """A MockTransport handler that keeps every request and answers with ``respond``."""

    def __init__(self, respond: Handler | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.bodies: list[bytes] = []
        self.respond = respond

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.bodies.append(await request.aread())
        if self.respond is None:
            return httpx.Response(200, json={"ok": True})
        response = self.respond(request)
        if not isinstance(response, httpx.Response):
            response = await response
        return response

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


@contextlib.asynccontextmanager
async def session_with(
    handler: Recorder | Handler,
    *,
    headers: dict[str, str] | None = None,
    max_connections: int = 100,
    base_url: str = BASE,
) -> AsyncIterator[HttpSession]:
    session = HttpSession(
        base_url=base_url,
        headers=headers if headers is not None else {},
        max_connections=max_connections,
        transport=httpx.MockTransport(handler),
    )
    try:
        yield session
    finally:
        await session.aclose()


NO_LIMITS = Timeout.of(None)


# --- requests and responses ----------------------------------------------------------


async def test_a_response_is_read_whole() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            201,
            headers={"X-Request-Id": "r1", "Content-Type": "text/plain"},
            content=b"caf\xc3\xa9",
        )

    async with session_with(Recorder(answer)) as session:
        response = await session.send(HttpRequest("POST", "things"), NO_LIMITS, budget=None)
    assert isinstance(response, HttpResponse)
    assert response.status == 201
    assert response.reason == "Created"
    assert response.content == b"caf\xc3\xa9"
    assert response.text == "café"
    assert response.headers["x-request-id"] == "r1"  # header names lower-cased
    assert "X-Request-Id" not in response.headers
    assert response.url == BASE + "things"
    assert response.elapsed >= 0


async def test_an_unknown_status_has_a_reason_anyway() -> None:
    async with session_with(Recorder(lambda r: httpx.Response(599))) as session:
        response = await session.send(HttpRequest("GET", "x"), NO_LIMITS, budget=None)
    assert (response.status, response.reason) == (599, "Unknown Status")


async def test_a_relative_path_joins_the_base_url_and_an_absolute_url_is_kept() -> None:
    recorder = Recorder()
    async with session_with(recorder) as session:
        await session.send(HttpRequest("GET", "tasks/t1"), NO_LIMITS, budget=None)
        await session.send(
            HttpRequest("GET", "https://storage.example/b/k"), NO_LIMITS, budget=None
        )
    assert str(recorder.requests[0].url) == BASE + "tasks/t1"
    assert str(recorder.requests[1].url) == "https://storage.example/b/k"


async def test_redirects_are_not_followed() -> None:
    recorder = Recorder(lambda r: httpx.Response(302, headers={"Location": "/elsewhere"}))
    async with session_with(recorder) as session:
        response = await session.send(HttpRequest("GET", "x"), NO_LIMITS, budget=None)
    assert response.status == 302
    assert len(recorder.requests) == 1


# --- headers -------------------------------------------------------------------------


async def test_session_and_request_headers_are_merged() -> None:
    recorder = Recorder()
    headers = {"Authorization": "Bearer tok-1", "Accept": "application/json"}
    async with session_with(recorder, headers=headers) as session:
        await session.send(
            HttpRequest("GET", "x", headers={"X-Trace": "t1", "Accept": "text/csv"}),
            NO_LIMITS,
            budget=None,
        )
    sent = recorder.last.headers
    assert sent["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("labelkit/")
    assert sent["Authorization"] == "Bearer tok-1"
    assert sent["X-Trace"] == "t1"
    assert sent["Accept"] == "text/csv"  # the request's own wins
    assert sent.get_list("Accept") == ["text/csv"]


async def test_the_user_agent_can_be_replaced() -> None:
    recorder = Recorder()
    async with session_with(recorder, headers={"User-Agent": "mine/1"}) as session:
        await session.send(HttpRequest("GET", "x"), NO_LIMITS, budget=None)
    assert recorder.last.headers.get_list("User-Agent") == ["mine/1"]


# --- query encoding ------------------------------------------------------------------


async def test_query_lists_repeat_none_is_dropped_bools_are_lowercase() -> None:
    recorder = Recorder()
    params = {"tag": ["a", "b c"], "skip": None, "done": True, "draft": False, "n": 3, "f": 0.5}
    async with session_with(recorder) as session:
        await session.send(HttpRequest("GET", "x", params=params), NO_LIMITS, budget=None)
    url = recorder.last.url
    assert url.params.multi_items() == [
        ("tag", "a"),
        ("tag", "b c"),
        ("done", "true"),
        ("draft", "false"),
        ("n", "3"),
        ("f", "0.5"),
    ]
    assert b"skip" not in url.query


async def test_query_as_pairs_and_none_inside_a_list() -> None:
    recorder = Recorder()
    params = [("a", 1), ("b", None), ("a", True)]
    async with session_with(recorder) as session:
        await session.send(HttpRequest("GET", "x", params=params), NO_LIMITS, budget=None)
        await session.send(
            HttpRequest("GET", "x", params={"ids": (1, None, 2), "e": []}), NO_LIMITS, budget=None
        )
    assert recorder.requests[0].url.params.multi_items() == [("a", "1"), ("a", "true")]
    assert recorder.requests[1].url.params.multi_items() == [("ids", "1"), ("ids", "2")]


async def test_query_values_are_percent_encoded() -> None:
    recorder = Recorder()
    async with session_with(recorder) as session:
        await session.send(
            HttpRequest("GET", "x", params={"q": "a&b=c/d é"}), NO_LIMITS, budget=None
        )
    assert recorder.last.url.params["q"] == "a&b=c/d é"
    assert b"&b=" not in recorder.last.url.query


def test_absolute_url() -> None:
    session = HttpSession(base_url=BASE, headers={}, transport=httpx.MockTransport(Recorder()))
    assert session.base_url == BASE
    assert session.absolute_url("tasks") == BASE + "tasks"
    assert (
        session.absolute_url("tasks", {"ids": [1, 2], "x": None, "on": False})
        == BASE + "tasks?ids=1&ids=2&on=false"
    )
    assert session.absolute_url("https://other.example/p", [("k", "v")]) == (
        "https://other.example/p?k=v"
    )


# --- bodies --------------------------------------------------------------------------


async def test_bytes_content_is_sent() -> None:
    recorder = Recorder()
    async with session_with(recorder) as session:
        await session.send(HttpRequest("PUT", "x", content=b"\x00raw"), NO_LIMITS, budget=None)
    assert recorder.bodies == [b"\x00raw"]
    assert recorder.last.headers["Content-Length"] == "4"


async def test_a_content_factory_gives_each_attempt_a_fresh_stream() -> None:
    calls = 0

    def factory() -> AsyncIterator[bytes]:
        async def gen() -> AsyncIterator[bytes]:
            nonlocal calls
            calls += 1
            yield b"part1-"
            yield b"part2"

        return gen()

    recorder = Recorder()
    request = HttpRequest("POST", "x", content=factory)
    async with session_with(recorder) as session:
        await session.send(request, NO_LIMITS, budget=None)
        await session.send(request, NO_LIMITS, budget=None)
    assert recorder.bodies == [b"part1-part2", b"part1-part2"]
    assert calls == 2


# --- timeouts ------------------------------------------------------------------------


def _timeout_of(request: httpx.Request) -> dict[str, float | None]:
    return dict(request.extensions["timeout"])


async def test_per_phase_timeouts_are_passed_per_attempt() -> None:
    recorder = Recorder()
    timeout = Timeout(connect=1.5, read=20, write=30, pool=4, total=999)
    async with session_with(recorder) as session:
        await session.send(HttpRequest("GET", "x"), timeout, budget=None)
        await session.send(HttpRequest("GET", "x"), NO_LIMITS, budget=None)
    assert _timeout_of(recorder.requests[0]) == {
        "connect": 1.5,
        "read": 20,
        "write": 30,
        "pool": 4,
    }
    assert _timeout_of(recorder.requests[1]) == dict.fromkeys(
        ("connect", "read", "write", "pool"), None
    )


@pytest.mark.parametrize(
    ("timeout", "budget", "expected"),
    [
        # The budget caps every phase that is longer...
        (Timeout(connect=5, read=60, write=60, pool=60), 2.5, (2.5, 2.5, 2.5, 2.5)),
        # ...leaves shorter ones alone...
        (Timeout(connect=1, read=60, write=0.5, pool=10), 3, (1, 3, 0.5, 3)),
        # ...and bounds a phase that had no limit.
        (Timeout.of(None), 7, (7, 7, 7, 7)),
        (Timeout(connect=None, read=9, write=None, pool=None), 100, (100, 9, 100, 100)),
        (Timeout(connect=2, read=9, write=None, pool=None), None, (2, 9, None, None)),
        (Timeout(connect=2, read=9, write=1, pool=1), 0, (0, 0, 0, 0)),
    ],
)
async def test_the_budget_caps_the_per_phase_timeouts(
    timeout: Timeout, budget: float | None, expected: tuple[float | None, ...]
) -> None:
    recorder = Recorder()
    async with session_with(recorder) as session:
        await session.send(HttpRequest("GET", "x"), timeout, budget=budget)
    got = _timeout_of(recorder.last)
    assert (got["connect"], got["read"], got["write"], got["pool"]) == expected


async def test_a_stream_gets_the_per_phase_timeouts_and_not_the_total() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, content=b"body"))
    timeout = Timeout(connect=1, read=2, write=3, pool=4, total=0.001)
    async with session_with(recorder) as session:
        async with session.open_stream(HttpRequest("GET", "x"), timeout) as response:
            assert response.status == 200
    assert _timeout_of(recorder.last) == {"connect": 1, "read": 2, "write": 3, "pool": 4}


# --- transport errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "kind", "sent"),
    [
        (httpx.ConnectError, "connect", False),
        (httpx.ConnectTimeout, "connect_timeout", False),
        (httpx.PoolTimeout, "pool_timeout", False),
        (httpx.ReadTimeout, "read_timeout", True),
        (httpx.WriteTimeout, "write_timeout", True),
        (httpx.ReadError, "read", True),
        (httpx.WriteError, "write", True),
        (httpx.RemoteProtocolError, "protocol", True),
        (httpx.LocalProtocolError, "protocol", False),  # a head h11 refuses to write
        (httpx.ProxyError, "other", True),
        (httpx.UnsupportedProtocol, "other", False),  # refused before any connection
    ],
)
async def test_transport_errors_are_classified(
    exc: type[httpx.TransportError], kind: str, sent: bool
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc(f"boom {kind}", request=request)

    async with session_with(Recorder(fail)) as session:
        with pytest.raises(TransportError) as info:
            await session.send(HttpRequest("GET", "x"), NO_LIMITS, budget=None)
    error = info.value
    assert (error.kind, error.sent) == (kind, sent)
    assert error.is_timeout is kind.endswith("_timeout")
    assert str(error) == f"boom {kind}"
    assert isinstance(error.__cause__, exc)


async def test_a_transport_error_without_a_message_is_named_by_its_class() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("", request=request)

    async with session_with(Recorder(fail)) as session:
        with pytest.raises(TransportError, match=r"^ReadTimeout$") as info:
            await session.send(HttpRequest("GET", "x"), NO_LIMITS, budget=None)
    assert info.value.is_timeout


async def test_timeout_kinds() -> None:
    for kind in ("connect_timeout", "pool_timeout", "read_timeout", "write_timeout"):
        assert TransportError("t", kind=kind, sent=False).is_timeout
    for kind in ("connect", "read", "write", "protocol", "other"):
        assert not TransportError("t", kind=kind, sent=True).is_timeout


async def test_an_app_exception_is_a_dropped_connection() -> None:
    async def app(scope: dict[str, typing.Any], receive: typing.Any, send: typing.Any) -> None:
        raise RuntimeError("app crashed")

    session = HttpSession(base_url="http://testserver/", headers={}, app=app)
    try:
        with pytest.raises(TransportError) as info:
            await session.send(HttpRequest("GET", "x"), NO_LIMITS, budget=None)
    finally:
        await session.aclose()
    assert (info.value.kind, info.value.sent) == ("protocol", True)
    assert "RuntimeError" in str(info.value)


def test_app_and_transport_together_are_refused() -> None:
    async def app(scope: typing.Any, receive: typing.Any, send: typing.Any) -> None:
        raise AssertionError("never called")

    with pytest.raises(ValueError, match="either app= or transport="):
        HttpSession(base_url=BASE, headers={}, app=app, transport=httpx.MockTransport(Recorder()))


# --- in flight, closed ---------------------------------------------------------------


async def test_in_flight_is_one_limiter_sized_by_max_connections() -> None:
    async with session_with(Recorder(), max_connections=3) as session:
        limiter = session.in_flight
        assert isinstance(limiter, anyio.CapacityLimiter)
        assert limiter.total_tokens == 3
        assert session.in_flight is limiter


async def test_in_flight_caps_concurrent_holders() -> None:
    async with session_with(Recorder(), max_connections=2) as session:
        limiter = session.in_flight
        first, second, third = object(), object(), object()
        limiter.acquire_on_behalf_of_nowait(first)
        limiter.acquire_on_behalf_of_nowait(second)
        assert limiter.available_tokens == 0
        with pytest.raises(anyio.WouldBlock):
            limiter.acquire_on_behalf_of_nowait(third)
        limiter.release_on_behalf_of(first)
        limiter.acquire_on_behalf_of_nowait(third)
        limiter.release_on_behalf_of(second)
        limiter.release_on_behalf_of(third)
        assert limiter.available_tokens == 2


async def test_a_free_in_flight_token_is_taken_without_a_checkpoint() -> None:
    limiter = anyio.CapacityLimiter(1)
    ran: list[str] = []

    async def other() -> None:
        ran.append("other")

    async with anyio.create_task_group() as group:
        group.start_soon(other)
        async with Token(limiter):
            assert ran == []  # no pass through the event loop: the other task has not run
            assert limiter.borrowed_tokens == 1

            async def second() -> None:
                async with Token(limiter):
                    ran.append("second")

            group.start_soon(second)
            await anyio.sleep(0.01)
            assert ran == ["other"]  # the second waits for the token
        await anyio.sleep(0.01)
    assert ran == ["other", "second"]
    assert limiter.borrowed_tokens == 0


async def test_a_closed_session() -> None:
    session = HttpSession(base_url=BASE, headers={}, transport=httpx.MockTransport(Recorder()))
    assert not session.is_closed
    await session.aclose()
    assert session.is_closed
    with pytest.raises(RuntimeError):
        await session.send(HttpRequest("GET", "x"), NO_LIMITS, budget=None)


# --- streams -------------------------------------------------------------------------


class Chunks(httpx.AsyncByteStream):
    """A response body in the given chunks, then optionally a broken connection."""

    def __init__(self, chunks: list[bytes], fail: bool = False) -> None:
        self.chunks = chunks
        self.fail = fail
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.fail:
            raise httpx.ReadError("connection reset")

    async def aclose(self) -> None:
        self.closed = True


async def test_open_stream_reads_the_body_in_chunks() -> None:
    body = Chunks([b"ab", b"cde", b"f"])
    recorder = Recorder(
        lambda r: httpx.Response(200, headers={"Content-Type": "image/png"}, stream=body)
    )
    async with session_with(recorder) as session:
        async with session.open_stream(HttpRequest("GET", "file"), NO_LIMITS) as response:
            assert response.status == 200
            assert response.reason == "OK"
            assert response.headers["content-type"] == "image/png"
            assert response.url == BASE + "file"
            got = [chunk async for chunk in response.aiter_bytes()]
        assert b"".join(got) == b"abcdef"
        assert body.closed  # the response is closed on leaving the block


async def test_a_stream_left_unread_is_closed() -> None:
    body = Chunks([b"x" * 10])
    async with session_with(Recorder(lambda r: httpx.Response(404, stream=body))) as session:
        async with session.open_stream(HttpRequest("GET", "x"), NO_LIMITS) as response:
            assert response.status == 404
            assert response.reason == "Not Found"
    assert body.closed


async def test_a_broken_stream_raises_a_transport_error() -> None:
    body = Chunks([b"abc"], fail=True)
    got: list[bytes] = []
    async with session_with(Recorder(lambda r: httpx.Response(200, stream=body))) as session:
        async with session.open_stream(HttpRequest("GET", "x"), NO_LIMITS) as response:
            with pytest.raises(TransportError) as info:
                async for chunk in response.aiter_bytes(chunk_size=3):
                    got.append(chunk)
    assert got == [b"abc"]
    assert (info.value.kind, info.value.sent) == ("read", True)


async def test_open_stream_can_leave_session_headers_out() -> None:
    recorder = Recorder()
    headers = {"Authorization": "Bearer tok-1", "X-Keep": "k"}
    async with session_with(recorder, headers=headers) as session:
        async with session.open_stream(
            HttpRequest("GET", "https://storage.example/signed?sig=1"),
            NO_LIMITS,
            omit_headers=("Authorization",),
        ):
            pass
        async with session.open_stream(HttpRequest("GET", "x"), NO_LIMITS):
            pass
    assert "Authorization" not in recorder.requests[0].headers
    assert recorder.requests[0].headers["X-Keep"] == "k"
    assert recorder.requests[1].headers["Authorization"] == "Bearer tok-1"


async def test_open_stream_sends_params_and_content() -> None:
    recorder = Recorder()
    request = HttpRequest("POST", "up", params={"a": [1, 2], "b": None}, content=b"payload")
    async with session_with(recorder) as session:
        async with session.open_stream(request, NO_LIMITS):
            pass
    assert recorder.last.url.params.multi_items() == [("a", "1"), ("a", "2")]
    assert recorder.bodies == [b"payload"]


async def test_open_stream_classifies_a_connect_error_as_not_sent() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with session_with(Recorder(fail)) as session:
        with pytest.raises(TransportError) as info:
            async with session.open_stream(HttpRequest("GET", "x"), NO_LIMITS):
                pytest.fail("no response to stream")
    assert (info.value.kind, info.value.sent) == ("connect", False)
