"""labelkit's lean HTTP/1.1 connection (``labelkit._http11``) against a raw-socket server.

Every exchange runs twice, on the lean connection and on httpcore's own
(``_LeanPool.lean`` off): the outcome (status, headers, body, extensions or
the exception's type) must be the same and what the test expects. The server
is a thread on 127.0.0.1 that plays a script per connection; nothing waits
on a clock except the read-timeout case (a server that never answers).
"""

from __future__ import annotations

import socket
import threading
import typing
from collections.abc import AsyncIterator, Callable, Iterator

import anyio
import h11
import httpcore
import httpx
import pytest

from labelkit._config import Timeout
from labelkit._http import HttpRequest, HttpSession, TransportError
from labelkit._http11 import LeanConnection
from labelkit._http11_wire import MAX_HEAD, parse_head, request_head
from labelkit._pool import _LeanPool
from labelkit._transport import PooledTransport
from tests._support._loopback import LoopbackServer, read_request

pytestmark = pytest.mark.anyio

Script = Callable[[socket.socket, "Server"], None]
TIMEOUTS = {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}


class Server(LoopbackServer):
    """Runs ``script(conn, server)`` for each connection; records requests and connections."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[bytes] = []
        self.received = threading.Event()
        self.release = threading.Event()  # set at the end: scripts that hold a connection let go
        super().__init__(lambda conn: script(conn, self))

    @property
    def url(self) -> str:
        return super().url + "/"

    def take(self, conn: socket.socket, buffer: bytearray) -> bytes | None:
        request = read_request(conn, buffer)
        if request is not None:
            self.requests.append(request)
            self.received.set()
        return request

    def close(self) -> None:
        self.release.set()
        super().close()


def answering(*answers: bytes, close: bool = False) -> Script:
    """Reads a request and sends the next answer, on every connection, until the client
    closes (``close``: the server closes after the answers)."""

    def script(conn: socket.socket, server: Server) -> None:
        buffer = bytearray()
        for answer in answers:
            if server.take(conn, buffer) is None:
                return
            conn.sendall(answer)
        if close:
            return
        while server.take(conn, buffer) is not None:
            conn.sendall(answers[-1])

    return script


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    made: list[Server] = []
    yield made
    for server in made:
        server.close()


Outcome = typing.Union[type, tuple[int, list[tuple[bytes, bytes]], bytes, bytes, bytes]]


async def exchange(
    servers: list[Server],
    script: Script,
    requests: list[dict[str, typing.Any]],
    *,
    lean: bool,
) -> tuple[list[Outcome], Server, list[httpcore.AsyncConnectionInterface]]:
    """Send ``requests`` one after the other on a fresh pool; each one's outcome."""
    server = Server(script)
    servers.append(server)
    transport = PooledTransport(limits=httpx.Limits(max_connections=4))
    pool = transport.pool
    assert isinstance(pool, _LeanPool)
    pool.lean = lean
    outcomes: list[Outcome] = []
    used: list[httpcore.AsyncConnectionInterface] = []
    try:
        for options in requests:
            options = dict(options)
            method = options.pop("method", "GET")
            extensions = options.pop("extensions", {"timeout": TIMEOUTS})
            if callable(options.get("content")):
                options["content"] = options["content"]()  # a fresh stream per run
            try:
                response = await pool.request(method, server.url, extensions=extensions, **options)
            except Exception as exc:  # h11's own LocalProtocolError passes httpcore unmapped
                outcomes.append(type(exc))
            else:
                info = response.extensions
                outcomes.append(
                    (
                        response.status,
                        response.headers,
                        response.content,
                        info["http_version"],
                        info["reason_phrase"],
                    )
                )
            used += [c for c in pool.connections if c not in used]
    finally:
        await transport.aclose()
    return outcomes, server, used


async def both(
    servers: list[Server], script: Script, requests: list[dict[str, typing.Any]]
) -> tuple[list[Outcome], Server]:
    """The outcomes on the lean connection (checked to be lean), equal to httpcore's."""
    lean, server, used = await exchange(servers, script, requests, lean=True)
    assert used and all(isinstance(c, LeanConnection) for c in used)
    plain, plain_server, plain_used = await exchange(servers, script, requests, lean=False)
    assert not any(isinstance(c, LeanConnection) for c in plain_used)
    assert lean == plain
    assert anonymous(server) == anonymous(plain_server)  # byte for byte
    if len(server.requests) == len(requests):  # else a connection may still be being accepted
        assert server.connections == plain_server.connections
    return lean, server


def anonymous(server: Server) -> list[bytes]:
    """The server's requests with its address (in ``Host``) made the same for every server."""
    address = server.url[len("http://") : -1].encode()
    return [request.replace(address, b"server") for request in server.requests]


def ok(body: bytes, *headers: bytes, head: str = "HTTP/1.1 200 OK") -> bytes:
    return head.encode() + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + body


async def test_content_length_answers_keep_the_connection(servers: list[Server]) -> None:
    answer = ok(b"hello", b"Content-Length: 5", b"X-Mixed-Case: Yes", head="HTTP/1.1 201 Made It")
    outcomes, server = await both(servers, answering(answer), [{}, {}, {}])
    headers = [(b"Content-Length", b"5"), (b"X-Mixed-Case", b"Yes")]
    assert outcomes == [(201, headers, b"hello", b"HTTP/1.1", b"Made It")] * 3
    assert server.connections == 1


async def test_chunked_answers_with_extensions_and_trailers(servers: list[Server]) -> None:
    body = b"5;ext=1\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: t\r\n\r\n"
    answer = ok(body, b"Transfer-Encoding: Chunked")
    outcomes, server = await both(servers, answering(answer), [{}, {}])
    headers = [(b"Transfer-Encoding", b"chunked")]  # lower-cased, as h11 gives it
    assert outcomes == [(200, headers, b"hello world!", b"HTTP/1.1", b"OK")] * 2
    assert server.connections == 1


async def test_an_answer_without_length_ends_at_the_close(servers: list[Server]) -> None:
    answer = ok(b"until the end", b"X: 1")
    outcomes, server = await both(servers, answering(answer, close=True), [{}, {}])
    assert outcomes == [(200, [(b"X", b"1")], b"until the end", b"HTTP/1.1", b"OK")] * 2
    assert server.connections == 2  # a body delimited by the close: never reused


@pytest.mark.parametrize(("method", "status"), [("HEAD", 200), ("GET", 204), ("GET", 304)], ids=str)
async def test_answers_without_a_body(servers: list[Server], method: str, status: int) -> None:
    answer = ok(b"", b"Content-Length: 7", head=f"HTTP/1.1 {status} X")
    outcomes, server = await both(servers, answering(answer), [{"method": method}] * 2)
    assert outcomes == [(status, [(b"Content-Length", b"7")], b"", b"HTTP/1.1", b"X")] * 2
    assert server.connections == 1


UPGRADE = {"headers": {"Upgrade": "websocket", "Connection": "Upgrade"}}


async def test_an_upgrade_request_answered_plainly_keeps_the_connection(
    servers: list[Server],
) -> None:
    # An upgrade goes to httpcore's connection: the pool's questions must reach it too,
    # or the connection it left idle would look busy and a second one would be opened.
    answer = ok(b"ok", b"Content-Length: 2")
    outcomes, server = await both(servers, answering(answer), [UPGRADE, UPGRADE, {}])
    assert outcomes == [(200, [(b"Content-Length", b"2")], b"ok", b"HTTP/1.1", b"OK")] * 3
    assert server.connections == 1


async def test_informational_answers_are_skipped(servers: list[Server]) -> None:
    answer = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\n" + ok(
        b"ok", b"Content-Length: 2"
    )
    outcomes, server = await both(servers, answering(answer), [{}, {}])
    assert outcomes == [(200, [(b"Content-Length", b"2")], b"ok", b"HTTP/1.1", b"OK")] * 2
    assert server.connections == 1


async def test_connection_close_and_http10_answers_are_not_reused(servers: list[Server]) -> None:
    for answer in (
        ok(b"ok", b"Content-Length: 2", b"Connection: keep-alive, Close"),
        ok(b"ok", b"Content-Length: 2", head="HTTP/1.0 200 OK"),
    ):
        outcomes, server = await both(servers, answering(answer), [{}, {}])
        assert [o[0] for o in outcomes if isinstance(o, tuple)] == [200, 200]
        assert server.connections == 2


async def test_a_request_asking_to_close_is_not_reused(servers: list[Server]) -> None:
    answer = ok(b"ok", b"Content-Length: 2")
    request = {"headers": [(b"Connection", b"close")]}
    outcomes, server = await both(servers, answering(answer), [request, request])
    assert len(outcomes) == 2 and server.connections == 2


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 2OO OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX : 1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n folded first\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n",
        b"SMTP ready\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: " + b"x" * (8 * MAX_HEAD) + b"\r\n\r\n",
    ],
    ids=lambda a: bytes(a[:40]).decode(),
)
async def test_malformed_answers_are_protocol_errors(servers: list[Server], answer: bytes) -> None:
    outcomes, _ = await both(servers, answering(answer), [{}])
    assert outcomes == [httpcore.RemoteProtocolError]


@pytest.mark.parametrize(
    "answer",
    [
        b"",  # closed after reading the request, before answering
        b"HTTP/1.1 200 OK\r\nContent-Le",  # closed within the head
        ok(b"abc", b"Content-Length: 10"),  # closed within the body
        ok(b"3\r\nabc\r\n", b"Transfer-Encoding: chunked"),  # within a chunked body
    ],
    ids=["before-answer", "in-head", "in-body", "in-chunks"],
)
async def test_a_server_closing_mid_answer(servers: list[Server], answer: bytes) -> None:
    outcomes, server = await both(servers, answering(answer, close=True), [{}, {}])
    assert outcomes == [httpcore.RemoteProtocolError] * 2
    assert server.connections == 2


def test_heads_are_read_as_h11_reads_them() -> None:
    head = parse_head(b"HTTP/1.1 200\nA:  x \r\n\ty\r\nB:\r\nContent-Length: 3, 3")
    assert (head.status, head.reason, head.length, head.close) == (200, b"", 3, False)
    assert head.headers == [(b"A", b"x  y"), (b"B", b""), (b"Content-Length", b"3")]
    assert parse_head(b"HTTP/1.0 200 OK").close


async def test_requests_are_written_as_httpcore_writes_them(servers: list[Server]) -> None:
    async def parts() -> AsyncIterator[bytes]:
        yield b"abc"
        yield b""
        yield b"defgh"

    answer = ok(b"ok", b"Content-Length: 2")
    requests: list[dict[str, typing.Any]] = [
        {"method": "POST", "content": b"x" * 70000},
        {"method": "PUT", "content": parts},
        {
            "method": "POST",
            "content": b"12345",
            "headers": [
                (b"x-Lower", b"v a l"),
                (b"Content-Length", b"5, 5"),
                (b"Content-Length", b"5"),
                (b"Host", b"elsewhere:1"),
            ],
        },
        {"method": "PATCH", "content": b"abc", "headers": [(b"Transfer-Encoding", b"Chunked")]},
        {"method": "DELETE", "headers": [(b"Expect", b"100-continue")]},
    ]
    outcomes, server = await both(servers, answering(answer), requests)
    assert all(isinstance(o, tuple) and o[0] == 200 for o in outcomes)
    assert len(server.requests) == 5
    assert server.requests[1].endswith(b"\r\n\r\n3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n")
    assert server.requests[2].startswith(b"POST / HTTP/1.1\r\nHost: elsewhere:1\r\n")
    assert server.requests[2].count(b"Content-Length: 5\r\n") == 1


@pytest.mark.parametrize(
    "headers",
    [
        [(b"X", b"a\r\nInjected: 1")],
        [(b"Bad Name", b"1")],
        [(b"X", b" padded")],
        [(b"Content-Length", b"1")],  # more body than announced
        [(b"Content-Length", b"9")],  # less
        [(b"Content-Length", b"1, 2")],
        [(b"Transfer-Encoding", b"gzip")],
    ],
    ids=str,
)
# "More body than announced" leaves httpcore's body generator unfinished (trio warns of it).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_requests_h11_refuses_are_refused(
    servers: list[Server], headers: list[tuple[bytes, bytes]]
) -> None:
    request = {"method": "POST", "content": b"abc", "headers": headers}
    outcomes, _ = await both(servers, answering(ok(b"", b"Content-Length: 0")), [request])
    # A body unlike its declared length: h11's own error, which httpcore does not map.
    assert outcomes in ([httpcore.LocalProtocolError], [h11.LocalProtocolError])


def test_a_request_without_or_with_two_hosts_is_refused() -> None:
    for headers in ([], [(b"Host", b"a"), (b"host", b"b")]):
        request = httpcore.Request("GET", "http://a/", headers=headers)
        request.headers = headers  # httpcore's request() adds Host; h11 checks it
        with pytest.raises(httpcore.LocalProtocolError):
            request_head(request)


def session(url: str) -> HttpSession:
    return HttpSession(base_url=url, headers={})  # type: ignore[arg-type]


async def verdict(url: str, timeout: Timeout) -> tuple[TransportError, list[str]]:
    """The session's error for one POST, and whether the write trace fired."""
    http = session(url)
    written: list[str] = []
    try:
        with pytest.raises(TransportError) as caught:
            await http.send(
                HttpRequest("POST", "/", content=b"create"),
                timeout,
                budget=None,
                on_write=lambda: written.append("written"),
            )
    finally:
        await http.aclose()
    return caught.value, written


TIMEOUT = Timeout(connect=5, read=5, write=5, pool=5, total=None)


async def test_sent_verdicts(servers: list[Server]) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    refused_url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    listener.close()
    error, written = await verdict(refused_url, TIMEOUT)
    assert (error.kind, error.sent, written) == ("connect", False, [])

    server = Server(answering(b"", close=True))  # reads the request, closes without answering
    servers.append(server)
    error, written = await verdict(server.url, TIMEOUT)
    assert (error.kind, error.sent, written) == ("protocol", True, ["written"])
    assert server.requests and server.requests[0].endswith(b"\r\n\r\ncreate")


async def test_a_silent_server_hits_the_read_timeout(servers: list[Server]) -> None:
    def silent(conn: socket.socket, server: Server) -> None:
        server.take(conn, bytearray())
        server.release.wait()

    for lean in (True, False):
        outcomes, _, _ = await exchange(
            servers,
            silent,
            [{"extensions": {"timeout": {**TIMEOUTS, "read": 0.2}}}],
            lean=lean,
        )
        assert outcomes == [httpcore.ReadTimeout]


async def test_a_connection_the_server_closed_while_idle_is_not_used(
    servers: list[Server],
) -> None:
    closed = threading.Event()

    def once(conn: socket.socket, server: Server) -> None:
        server.take(conn, bytearray())
        conn.sendall(ok(b"ok", b"Content-Length: 2"))
        conn.shutdown(socket.SHUT_RDWR)
        closed.set()

    server = Server(once)
    servers.append(server)
    # No keep-alive expiry: only the server's close can retire the connection.
    transport = PooledTransport(limits=httpx.Limits(max_connections=4, keepalive_expiry=None))
    try:
        pool = transport.pool
        assert (await pool.request("GET", server.url)).status == 200
        (first,) = pool.connections
        assert isinstance(first, LeanConnection)
        for _ in range(500):  # until the server's close reached this side
            if closed.is_set() and first.has_expired():
                break
            await anyio.sleep(0.01)
        assert first.has_expired()
        assert (await pool.request("GET", server.url)).status == 200
        assert server.connections == 2 and first not in pool.connections
    finally:
        await transport.aclose()


async def test_a_cancelled_request_leaves_no_reusable_connection(servers: list[Server]) -> None:
    def answer_late(conn: socket.socket, server: Server) -> None:
        buffer = bytearray()
        server.take(conn, buffer)
        server.release.wait()

    server = Server(answer_late)
    servers.append(server)
    transport = PooledTransport(limits=httpx.Limits(max_connections=4))
    pool = transport.pool
    try:
        with anyio.CancelScope() as scope:

            async def cancel_once_received() -> None:
                while not server.received.is_set():
                    await anyio.sleep(0.01)
                scope.cancel()

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(cancel_once_received)
                await pool.request("GET", server.url)
        assert scope.cancelled_caught
        assert all(c.is_closed() for c in pool.connections)
        assert not any(c.is_available() for c in pool.connections)
    finally:
        await transport.aclose()


async def test_trace_events_are_httpcore_s(servers: list[Server]) -> None:
    answer = ok(b"ok", b"Content-Length: 2")
    names: dict[bool, list[str]] = {}
    for lean in (True, False):
        seen: list[str] = names.setdefault(lean, [])

        async def trace(event: str, info: dict[str, typing.Any], seen: list[str] = seen) -> None:
            seen.append(event)

        request = {"method": "POST", "content": b"x", "extensions": {"trace": trace}}
        outcomes, _, _ = await exchange(servers, answering(answer), [request] * 2, lean=lean)
        assert [o[0] for o in outcomes if isinstance(o, tuple)] == [200, 200]
    assert names[True] == names[False]
    assert names[True].count("http11.send_request_headers.started") == 2
