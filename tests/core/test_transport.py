"""labelkit's default transport (``labelkit._transport``) over real loopback sockets.

A small threaded HTTP/1.1 server counts connections, so connection reuse,
recovery from a connection the server closed while idle, the pool's
keep-alive limit, the write trace and error mapping are all checked on
asyncio and trio.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import anyio
import httpcore
import httpx
import pytest

from labelkit._config import Timeout
from labelkit._http import HttpRequest, HttpSession, TransportError
from labelkit._pool import _Pool, _QuickLock
from labelkit._transport import _COALESCE, PooledTransport, _Liveness, _Stream
from tests._support._loopback import LoopbackServer, read_request

pytestmark = pytest.mark.anyio

TIMEOUT = Timeout(connect=5, read=5, write=5, pool=5, total=None)


class Server(LoopbackServer):
    """Answers every request ``200 ok``; ``close_idle()`` closes every idle connection."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.requests = 0
        self.delay = delay
        self._idle: list[socket.socket] = []
        self._lock = threading.Lock()
        super().__init__(self._answer)

    def _answer(self, conn: socket.socket) -> None:
        buffer = bytearray()
        while read_request(conn, buffer, self._recv) is not None:
            with self._lock:
                self.requests += 1
            if self.delay:
                threading.Event().wait(self.delay)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    def _recv(self, conn: socket.socket) -> bytes:
        """Waits for bytes with ``conn`` counted idle (a refused read ends the connection)."""
        with self._lock:
            self._idle.append(conn)
        try:
            return conn.recv(65536)
        except OSError:
            return b""
        finally:
            with self._lock:
                if conn in self._idle:
                    self._idle.remove(conn)

    def close_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


def session(url: str, **options: object) -> HttpSession:
    return HttpSession(base_url=url, headers={}, **options)  # type: ignore[arg-type]


def test_default_session_uses_the_pooled_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(session("http://127.0.0.1:1")._pool()._transport, PooledTransport)


def test_a_proxy_keeps_httpx_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    assert not isinstance(session("http://127.0.0.1:1")._pool()._transport, PooledTransport)
    monkeypatch.delenv("HTTPS_PROXY")
    explicit = session("http://127.0.0.1:1", proxy="http://127.0.0.1:9")
    assert not isinstance(explicit._pool()._transport, PooledTransport)


async def test_connections_are_reused(server: Server) -> None:
    http = session(server.url)
    written: list[int] = []
    try:
        for i in range(5):
            response = await http.send(
                HttpRequest("POST", "/x", content=b"body"),
                TIMEOUT,
                budget=None,
                on_write=lambda i=i: written.append(i),  # type: ignore[misc]
            )
            assert (response.status, response.content) == (200, b"ok")
    finally:
        await http.aclose()
    assert server.connections == 1
    assert server.requests == 5
    assert written == [0, 1, 2, 3, 4]  # the httpcore write trace still reaches the session


async def test_a_connection_closed_by_the_server_while_idle_is_replaced(server: Server) -> None:
    http = session(server.url)
    try:
        assert (await http.send(HttpRequest("GET", "/"), TIMEOUT, budget=None)).status == 200
        with anyio.fail_after(10):  # the server thread marks the connection idle
            while not server._idle:
                await anyio.sleep(0.01)
        server.close_idle()
        await anyio.sleep(0.05)
        # Without the is_readable check this request would go to the dead connection.
        assert (await http.send(HttpRequest("GET", "/"), TIMEOUT, budget=None)).status == 200
    finally:
        await http.aclose()
    assert server.connections == 2


async def test_concurrent_requests_share_a_bounded_pool() -> None:
    server = Server(delay=0.05)
    http = session(server.url, max_connections=4)
    try:

        async def one() -> None:
            assert (await http.send(HttpRequest("GET", "/"), TIMEOUT, budget=None)).status == 200

        async with anyio.create_task_group() as group:
            for _ in range(12):
                group.start_soon(one)
    finally:
        await http.aclose()
        server.close()
    assert server.requests == 12
    assert server.connections == 4


async def test_errors_are_mapped() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    http = session(f"http://127.0.0.1:{port}")
    with pytest.raises(TransportError) as refused:
        await http.send(HttpRequest("GET", "/"), TIMEOUT, budget=None)
    assert (refused.value.kind, refused.value.sent) == ("connect", False)
    await http.aclose()

    slow = Server(delay=2.0)
    http = session(slow.url)
    with pytest.raises(TransportError) as timed_out:
        await http.send(
            HttpRequest("GET", "/"), Timeout(connect=5, read=0.2, write=5, pool=5), budget=None
        )
    assert timed_out.value.kind == "read_timeout"
    await http.aclose()
    slow.close()


async def _get(pool: httpcore.AsyncConnectionPool, url: str) -> None:
    assert (await pool.request("GET", url)).status == 200


@pytest.mark.parametrize("keepalive", [0, 2, 8])
async def test_the_linear_pool_keeps_what_httpcore_keeps(keepalive: int) -> None:
    """Same requests through httpcore's pool and ours: same connections afterwards."""
    counts = []
    for pool_class in (httpcore.AsyncConnectionPool, _Pool):
        server = Server(delay=0.02)
        pool = pool_class(max_connections=8, max_keepalive_connections=keepalive)
        try:
            async with anyio.create_task_group() as group:
                for _ in range(20):
                    group.start_soon(_get, pool, server.url + "/")
            counts.append((len(pool.connections), server.connections))
        finally:
            await pool.aclose()
            server.close()
    assert counts[0] == counts[1]


async def test_a_connection_is_handed_to_one_waiting_request_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Requests starting together on idle connections get one connection each.

    httpcore's pool hands an idle connection to every request that arrives
    before the first one has started on it; all but one then fail with
    ConnectionNotAvailable and go back to the pool.
    """
    unavailable: list[object] = []
    clear = httpcore._async.connection_pool.AsyncPoolRequest.clear_connection

    def counted(self: object) -> None:
        unavailable.append(self)
        clear(self)  # type: ignore[arg-type]

    monkeypatch.setattr(
        httpcore._async.connection_pool.AsyncPoolRequest, "clear_connection", counted
    )
    server = Server(delay=0.02)
    pool = _Pool(max_connections=8, max_keepalive_connections=8)
    try:
        for _ in range(3):  # the first round opens the connections, the others reuse them
            async with anyio.create_task_group() as group:
                for _ in range(8):
                    group.start_soon(_get, pool, server.url + "/")
    finally:
        await pool.aclose()
        server.close()
    assert server.requests == 24
    assert server.connections == 8
    assert unavailable == []


async def test_reused_connections_take_their_locks_without_a_checkpoint(server: Server) -> None:
    pool = _Pool(max_connections=2, max_keepalive_connections=2)
    try:
        for _ in range(3):
            await _get(pool, server.url + "/")
        (connection,) = pool.connections
        inner = connection._connection  # type: ignore[attr-defined]
        assert isinstance(connection._request_lock, _QuickLock)  # type: ignore[attr-defined]
        assert isinstance(inner._state_lock, _QuickLock)
    finally:
        await pool.aclose()


async def test_a_quick_lock_is_still_a_lock() -> None:
    lock = _QuickLock()
    order: list[str] = []

    async def second() -> None:
        async with lock:
            order.append("second")

    async with anyio.create_task_group() as group:
        async with lock:
            group.start_soon(second)
            await anyio.sleep(0.01)
            order.append("first")
    assert order == ["first", "second"]


async def test_responses_stream_through_httpx(server: Server) -> None:
    transport = PooledTransport(limits=httpx.Limits(max_connections=2))
    async with httpx.AsyncClient(transport=transport, base_url=server.url) as client:
        async with client.stream("GET", "/") as response:
            assert [chunk async for chunk in response.aiter_bytes()] == [b"ok"]


def test_liveness_answers_a_whole_scan_from_one_poll() -> None:
    liveness = _Liveness()
    open_a, peer_a = socket.socketpair()
    open_b, peer_b = socket.socketpair()
    try:
        liveness.register(open_a)
        liveness.register(open_b)
        peer_b.close()  # the server closed b: b is readable (EOF), a is not
        liveness.begin()
        try:
            assert liveness.readable(open_a) is False
            assert liveness.readable(open_b) is True
            assert liveness._ready == frozenset({open_b.fileno()})
        finally:
            liveness.end()
        assert liveness._ready is None
        # Outside a scan every question polls on its own; a closed socket counts as readable.
        assert liveness.readable(open_a) is False
        liveness.unregister(open_a)
        liveness.unregister(open_a)  # twice is harmless
        open_a.close()
        assert liveness.readable(open_a) is True
    finally:
        for sock in (open_a, peer_a, open_b, peer_b):
            sock.close()


class _RecordingStream(httpcore.AsyncNetworkStream):
    def __init__(self, fail_writes: bool = False) -> None:
        self.writes: list[bytes] = []
        self.fail_writes = fail_writes

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return b"answer"

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if self.fail_writes:
            raise httpcore.WriteError("broken pipe")
        self.writes.append(buffer)

    async def aclose(self) -> None:
        pass


async def test_a_request_written_in_pieces_is_sent_in_one_before_the_read() -> None:
    inner = _RecordingStream()
    stream = _Stream(inner, None, _Liveness())
    await stream.write(b"HEAD\r\n\r\n")
    await stream.write(b"body")
    await stream.write(b"")
    assert inner.writes == []
    assert await stream.read(100) == b"answer"
    assert inner.writes == [b"HEAD\r\n\r\nbody"]
    big = b"x" * _COALESCE
    await stream.write(b"HEAD")
    await stream.write(big)  # past the cap: sent at once, with what was held
    assert inner.writes[1:] == [b"HEAD" + big]
    await stream.write(b"dropped")
    await stream.aclose()
    assert len(inner.writes) == 2


async def test_a_failed_held_write_is_dropped_and_the_answer_still_read() -> None:
    stream = _Stream(_RecordingStream(fail_writes=True), None, _Liveness())
    await stream.write(b"HEAD\r\n\r\n")
    # httpcore ignores a failed request write and reads whatever the server answered.
    assert await stream.read(100) == b"answer"
    with pytest.raises(httpcore.WriteError):
        await stream.write(b"x" * _COALESCE)
