"""The default transport's asyncio stream (``labelkit._aiostream``) over real loopback sockets.

TLS (a self-signed certificate for 127.0.0.1 kept in ``data/``), answers and
bodies bigger than the stream's read limit and the kernel's send buffer, a
write the server never reads and a server closing mid-answer; each on asyncio
(the asyncio stream) and trio (httpcore's own streams) alike.
"""

from __future__ import annotations

import socket
import ssl
import threading

import anyio
import pytest
import sniffio

from labelkit._aiostream import AsyncioStream
from labelkit._config import Timeout
from labelkit._http import HttpRequest, HttpSession, TransportError
from tests._support._loopback import CERTS, body_of, read_request
from tests._support._loopback import LoopbackServer as Server

pytestmark = pytest.mark.anyio

TIMEOUT = Timeout(connect=5, read=5, write=5, pool=5, total=None)


def echo_size(conn: socket.socket) -> None:
    """Answers each request with its body's length and a body of that many bytes of ``x``."""
    buffer = bytearray()
    while (request := read_request(conn, buffer)) is not None:
        answer = b"x" * len(body_of(request))
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))


def session(url: str) -> HttpSession:
    verify = ssl.create_default_context(cafile=str(CERTS / "loopback-cert.pem"))
    return HttpSession(base_url=url, headers={}, verify=verify)  # type: ignore[arg-type]


def streams(http: HttpSession) -> list[object]:
    """The network streams of the session's pooled connections."""
    pool = http._pool()._transport.pool  # type: ignore[attr-defined]
    return [c._stream._inner for c in pool.connections]


@pytest.mark.parametrize("tls", [False, True], ids=["tcp", "tls"])
async def test_requests_and_answers_bigger_than_every_buffer(tls: bool) -> None:
    server = Server(echo_size, tls=tls)
    http = session(server.url)
    try:
        for size in (0, 5, 300_000, 3_000_000):
            content = bytes(range(256)) * (size // 256) + b"y" * (size % 256)
            response = await http.send(
                HttpRequest("POST", "/", content=content), TIMEOUT, budget=None
            )
            assert (response.status, response.content) == (200, b"x" * size)
        (stream,) = streams(http)
        asyncio = sniffio.current_async_library() == "asyncio"
        # TLS runs on httpcore's own streams (see _transport.connect_tcp_for_tls).
        assert isinstance(stream, AsyncioStream) is (asyncio and not tls)
        if tls:
            assert stream.get_extra_info("ssl_object") is not None  # type: ignore[attr-defined]
    finally:
        await http.aclose()
        server.close()


async def test_a_certificate_that_does_not_verify_is_a_connect_error() -> None:
    server = Server(echo_size, tls=True)
    http = HttpSession(base_url=server.url, headers={})  # type: ignore[arg-type]
    try:
        with pytest.raises(TransportError) as failed:
            await http.send(HttpRequest("GET", "/"), TIMEOUT, budget=None)
        assert (failed.value.kind, failed.value.sent) == ("connect", False)
    finally:
        await http.aclose()
        server.close()


# On trio httpcore's own stream leaves its request body generator to the garbage
# collector after a write timeout (a ResourceWarning); this is the asyncio stream's test.
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize("tls", [False, True], ids=["tcp", "tls"])
async def test_a_write_the_server_never_reads_times_out(tls: bool) -> None:
    # Over TLS too: asyncio's start_tls would hand the whole body to the socket's
    # buffer at once and the stall would surface only as a read timeout.
    stop = threading.Event()
    server = Server(lambda conn: stop.wait(10), tls=tls)
    http = session(server.url)
    try:
        with pytest.raises(TransportError) as timed_out:
            await http.send(
                HttpRequest("POST", "/", content=b"z" * 64_000_000),
                Timeout(connect=5, read=5, write=0.3, pool=5),
                budget=None,
            )
        assert timed_out.value.kind == "write_timeout"
    finally:
        stop.set()
        await http.aclose()
        server.close()


async def test_a_tls_handshake_the_server_never_answers_is_a_connect_timeout() -> None:
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))  # accepts, never handshakes
    http = session(f"https://127.0.0.1:{listener.getsockname()[1]}")
    try:
        with pytest.raises(TransportError) as timed_out:
            await http.send(
                HttpRequest("GET", "/"), Timeout(connect=0.3, read=5, write=5, pool=5), budget=None
            )
        assert timed_out.value.kind == "connect_timeout"
        assert not timed_out.value.sent
    finally:
        stop.set()
        await http.aclose()
        listener.close()


def close_mid_answer(conn: socket.socket) -> None:
    read_request(conn, bytearray())
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    conn.shutdown(socket.SHUT_RDWR)


async def test_a_server_closing_mid_answer_is_a_read_error() -> None:
    server = Server(close_mid_answer)
    http = session(server.url)
    try:
        with pytest.raises(TransportError) as failed:
            await http.send(HttpRequest("GET", "/"), TIMEOUT, budget=None)
        assert failed.value.kind in {"read", "protocol"}
        assert failed.value.sent is True
    finally:
        await http.aclose()
        server.close()


async def test_cancelling_a_waiting_read_leaves_the_session_usable() -> None:
    release = threading.Event()
    first = [True]

    def slow_then_echo(conn: socket.socket) -> None:
        if first.pop() if first else False:  # the first connection answers late
            read_request(conn, bytearray())
            release.wait(10)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        echo_size(conn)

    server = Server(slow_then_echo)
    http = session(server.url)
    try:
        with anyio.move_on_after(0.2) as scope:
            await http.send(HttpRequest("GET", "/"), TIMEOUT, budget=None)
        assert scope.cancelled_caught
        release.set()
        response = await http.send(HttpRequest("POST", "/", content=b"ab"), TIMEOUT, budget=None)
        assert (response.status, response.content) == (200, b"xx")
    finally:
        release.set()
        await http.aclose()
        server.close()


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_asyncio_stream_s_own_tls_verifies_and_times_out_as_a_connect_timeout() -> None:
    # Used by httpcore's own connections (labelkit's route TLS through httpcore's streams).
    import httpcore

    from labelkit._aiostream import connect_tcp

    server = Server(echo_size, tls=True)
    verify = ssl.create_default_context(cafile=str(CERTS / "loopback-cert.pem"))
    try:
        plain = await connect_tcp("127.0.0.1", server.port, 5, None, None)
        tls = await plain.start_tls(verify, "127.0.0.1", 5)
        await tls.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab", 5)
        assert (await tls.read(65536, 5)).startswith(b"HTTP/1.1 200 OK")
        await tls.aclose()
    finally:
        server.close()
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never handshakes
    try:
        plain = await connect_tcp("127.0.0.1", silent.getsockname()[1], 5, None, None)
        with pytest.raises(httpcore.ConnectTimeout):
            await plain.start_tls(verify, "127.0.0.1", 0.2)
    finally:
        silent.close()
