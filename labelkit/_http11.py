"""A lean HTTP/1.1 connection for labelkit's httpcore pool.

httpcore's ``AsyncHTTP11Connection`` drives h11's event machinery on every
request: it validates every request header with two regular expressions,
runs h11's state machine for each event (head, body chunks, end of message,
response head, data, end), opens five ``Trace`` contexts and three
cancellation shields. A bulk create spends about a quarter of the client's
CPU there. :class:`LeanConnection` speaks the same HTTP/1.1 with the same
grammar (h11's, checked with one expression over the whole head), writes
the same bytes in the same order, and raises the same httpcore exceptions
for the same failures. It plugs into ``httpcore.AsyncConnectionPool``
through its public ``create_connection()`` and ``AsyncConnectionInterface``,
on the pool's network backend (asyncio or trio). A ``CONNECT`` or
``Upgrade`` request is left to httpcore's own HTTP/1.1 connection.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import time
import typing
from collections.abc import AsyncGenerator

import anyio
import h11
import httpcore

from ._closing import ClosesIterations, aclose_iterator
from ._http11_trace import span as _span
from ._http11_wire import (
    CRLF,
    END_OF_HEAD,
    MAX_HEAD,
    Head,
    check_trailers,
    chunk_size,
    parse_head,
    remote,
    request_head,
)

__all__ = ["LeanConnection"]

_connection_logger = logging.getLogger("httpcore.connection")
_http11_logger = logging.getLogger("httpcore.http11")

#: Bytes asked of the stream per read (httpcore's ``READ_NUM_BYTES``).
_READ = 64 * 1024
_NEW, _ACTIVE, _IDLE, _CLOSED = "NEW", "ACTIVE", "IDLE", "CLOSED"
#: What the pool asks a connection: after an upgrade, httpcore's connection answers.
_POOL_QUERIES = ("is_available", "has_expired", "is_idle", "is_closed", "info")


def _traced(request: httpcore.Request) -> bool:
    return "trace" in request.extensions or _http11_logger.isEnabledFor(logging.DEBUG)


class LeanConnection(httpcore.AsyncConnectionInterface):
    """One HTTP/1.1 connection to ``origin`` (see the module docstring).

    Connects on its first request (as ``httpcore.AsyncHTTPConnection``), then
    serves one request at a time; a response read to its end on a keep-alive
    connection makes it idle again, anything else (an error, a cancellation, a
    response closed early, ``Connection: close``, a body delimited by the close)
    closes it.
    """

    def __init__(
        self,
        origin: httpcore.Origin,
        *,
        ssl_context: ssl.SSLContext,
        keepalive_expiry: float | None,
        network_backend: httpcore.AsyncNetworkBackend,
    ) -> None:
        self._origin = origin
        self._ssl_context = ssl_context
        self._keepalive_expiry = keepalive_expiry
        self._backend = network_backend
        self._stream: httpcore.AsyncNetworkStream | None = None
        self._buffer = bytearray()
        self._state = _NEW
        self._expire_at: float | None = None
        self._request_count = 0
        self._reusable = False  # the current response ended and the connection may serve another
        self._delegate: httpcore.AsyncConnectionInterface | None = None

    # The exchange.

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        if request.url.origin != self._origin:
            raise RuntimeError(
                f"Attempted to send request to {request.url.origin} on connection to {self._origin}"
            )
        if self._delegate is not None:
            return await self._delegate.handle_async_request(request)
        if self._state is not _NEW and self._state is not _IDLE:
            raise httpcore.ConnectionNotAvailable()
        self._state = _ACTIVE
        self._expire_at = None
        self._reusable = False
        self._request_count += 1
        timeouts = request.extensions.get("timeout", {})
        traced = _traced(request)
        try:
            stream = self._stream
            if stream is None:
                stream = self._stream = await self._connect(request, timeouts.get("connect"))
            outgoing = request_head(request)
            if outgoing.upgrade:
                delegate = self._delegate = httpcore.AsyncHTTP11Connection(
                    self._origin, stream, self._keepalive_expiry
                )
                for query in _POOL_QUERIES:
                    setattr(self, query, getattr(delegate, query))
                return await delegate.handle_async_request(request)
            write_timeout = timeouts.get("write")
            try:
                async with _span(
                    traced, request, _http11_logger, "send_request_headers", request=request
                ):
                    await stream.write(outgoing.head, write_timeout)
                async with _span(
                    traced, request, _http11_logger, "send_request_body", request=request
                ):
                    await self._send_body(request, outgoing.length, write_timeout)
            except httpcore.WriteError:
                pass  # as httpcore: the server may have answered before it closed
            read_timeout = timeouts.get("read")
            async with _span(
                traced, request, _http11_logger, "receive_response_headers", request=request
            ) as span:
                answer = await self._receive_head(read_timeout)
                span.return_value = tuple(answer[:4])
        except BaseException:
            await self._close_shielded()
            raise
        keep_alive = not (outgoing.close or answer.close)
        body = _Body(self, _Exchange(request, answer, keep_alive, read_timeout, traced))
        return httpcore.Response(
            status=answer.status,
            headers=answer.headers,
            content=body,
            extensions={
                "http_version": answer.http_version,
                "reason_phrase": answer.reason,
                "network_stream": stream,
            },
        )

    async def _connect(
        self, request: httpcore.Request, timeout: float | None
    ) -> httpcore.AsyncNetworkStream:
        host = self._origin.host.decode("ascii")
        traced = _traced(request) or _connection_logger.isEnabledFor(logging.DEBUG)
        info: dict[str, typing.Any] = {
            "host": host,
            "port": self._origin.port,
            "local_address": None,
            "timeout": timeout,
            "socket_options": None,
        }
        async with _span(traced, request, _connection_logger, "connect_tcp", **info) as span:
            tls = self._origin.scheme == b"https"
            connect = getattr(self._backend, "connect_tcp_for_tls", None) if tls else None
            if connect is None:
                connect = self._backend.connect_tcp
            stream = await connect(host, self._origin.port, timeout=timeout)
            span.return_value = stream
        if tls:
            self._ssl_context.set_alpn_protocols(["http/1.1"])
            server_hostname = request.extensions.get("sni_hostname") or host
            async with _span(
                traced,
                request,
                _connection_logger,
                "start_tls",
                ssl_context=self._ssl_context,
                server_hostname=server_hostname,
                timeout=timeout,
            ) as span:
                try:
                    stream = await stream.start_tls(self._ssl_context, server_hostname, timeout)
                except BaseException:
                    await stream.aclose()
                    raise
                span.return_value = stream
        return stream

    async def _send_body(
        self, request: httpcore.Request, length: int | None, timeout: float | None
    ) -> None:
        stream = self._stream
        assert stream is not None and isinstance(request.stream, typing.AsyncIterable)
        chunks = request.stream.__aiter__()
        try:  # closed on every exit: a failed write leaves the body unfinished
            async for chunk in chunks:
                if length is None:
                    if chunk:
                        await stream.write(b"%x\r\n" % len(chunk), timeout)
                        await stream.write(chunk, timeout)
                        await stream.write(b"\r\n", timeout)
                    continue
                length -= len(chunk)
                if length < 0:
                    # h11's own error: httpcore lets it through unmapped.
                    raise h11.LocalProtocolError("Too much data for declared Content-Length")
                await stream.write(chunk, timeout)
        finally:
            await aclose_iterator(chunks)
        if length is None:
            await stream.write(b"0\r\n\r\n", timeout)
        elif length:
            raise h11.LocalProtocolError("Too little data for declared Content-Length")

    async def _fill(self, timeout: float | None) -> bool:
        """Read more into the buffer; False at the server's close."""
        assert self._stream is not None
        data = await self._stream.read(_READ, timeout)
        if not data:
            return False
        self._buffer += data
        return True

    async def _receive_head(self, timeout: float | None) -> Head:
        """The final response's head (1xx answers skipped), taken off the buffer."""
        buffer = self._buffer
        searched = 0
        while True:
            end = END_OF_HEAD.search(buffer, searched)
            if end is None:
                if len(buffer) > MAX_HEAD:
                    raise remote("Receive buffer too long")
                searched = max(0, len(buffer) - 3)
                if not await self._fill(timeout):
                    raise remote("Server disconnected without sending a response.")
                continue
            stop = end.start()
            if stop and buffer[stop - 1] == 13:  # the last line's "\r"
                stop -= 1
            head = parse_head(bytes(buffer[:stop]))
            del buffer[: end.end()]
            searched = 0
            if head.status >= 200:
                return head
            if head.status == 101:
                raise remote("101 Switching Protocols answered a request that asked no upgrade")

    async def _receive_lines(self, timeout: float | None, *, block: bool) -> bytes:
        """One line (``block``: up to a blank line) off the buffer, without its end."""
        buffer = self._buffer
        searched = 0
        while True:
            if block and buffer[:2] == b"\r\n":
                del buffer[:2]
                return b""
            end = (END_OF_HEAD if block else CRLF).search(buffer, searched)
            if end is not None:
                stop = end.start()
                if block and stop and buffer[stop - 1] == 13:  # the last line's "\r"
                    stop -= 1
                found = bytes(buffer[:stop])
                del buffer[: end.end()]
                return found
            if len(buffer) > MAX_HEAD:
                raise remote("Receive buffer too long")
            searched = max(0, len(buffer) - 3)
            if not await self._fill(timeout):
                raise remote(
                    "peer closed connection without sending complete message body: "
                    "incomplete chunked read"
                )

    async def _receive_body(self, exchange: _Exchange) -> AsyncGenerator[bytes, None]:
        """The body's pieces as they arrive, framed as h11 frames a response's body."""
        buffer = self._buffer
        head = exchange.head
        timeout = exchange.read_timeout
        if head.status in (204, 304) or exchange.request.method == b"HEAD":
            self._reusable = True
            return
        if head.chunked:
            while True:
                line = await self._receive_lines(timeout, block=False)
                size = chunk_size(line)
                if size == 0:
                    check_trailers(await self._receive_lines(timeout, block=True))
                    self._reusable = True
                    return
                async with contextlib.aclosing(
                    self._receive_length(size, timeout, chunked=True)
                ) as pieces:
                    async for piece in pieces:
                        yield piece
                while len(buffer) < 2:
                    if not await self._fill(timeout):
                        raise remote(
                            "peer closed connection without sending complete message "
                            "body: incomplete chunked read"
                        )
                if buffer[:2] != b"\r\n":
                    raise remote("missing \\r\\n after chunk")
                del buffer[:2]
        if head.length is not None:
            async with contextlib.aclosing(
                self._receive_length(head.length, timeout, chunked=False)
            ) as pieces:
                async for piece in pieces:
                    yield piece
            self._reusable = True
            return
        # No length: the body ends when the server closes; the connection is not reused.
        while True:
            if buffer:
                piece = bytes(buffer)
                buffer.clear()
                yield piece
            if not await self._fill(timeout):
                return

    async def _receive_length(
        self, size: int, timeout: float | None, *, chunked: bool
    ) -> AsyncGenerator[bytes, None]:
        buffer = self._buffer
        received = 0
        while received < size:
            if not buffer and not await self._fill(timeout):
                if chunked:
                    detail = "incomplete chunked read"
                else:
                    detail = f"received {received} bytes, expected {size}"
                raise remote(
                    f"peer closed connection without sending complete message body: {detail}"
                )
            piece = bytes(buffer[: size - received])
            del buffer[: len(piece)]
            received += len(piece)
            yield piece

    # The end of an exchange.

    async def _response_closed(self, keep_alive: bool) -> None:
        if self._reusable and keep_alive and not self._buffer and self._state is _ACTIVE:
            self._state = _IDLE
            if self._keepalive_expiry is not None:
                self._expire_at = time.monotonic() + self._keepalive_expiry
        else:
            await self._close_shielded()

    async def _close_shielded(self) -> None:
        """Close, even while being cancelled: a half-used connection is never reused."""
        self._state = _CLOSED
        if self._stream is not None:
            with anyio.CancelScope(shield=True):
                await self._stream.aclose()

    async def aclose(self) -> None:
        if self._delegate is not None:
            await self._delegate.aclose()
        self._state = _CLOSED
        if self._stream is not None:
            await self._stream.aclose()

    # What the pool asks. After an upgrade, handle_async_request points these five
    # (_POOL_QUERIES) at httpcore's connection, which then owns the stream.

    def can_handle_request(self, origin: httpcore.Origin) -> bool:
        return origin == self._origin

    def is_available(self) -> bool:
        return self._state is _IDLE

    def has_expired(self) -> bool:
        if self._state is _CLOSED and self._stream is None:
            return True  # the connect failed
        if self._state is not _IDLE:
            return False
        if self._expire_at is not None and time.monotonic() > self._expire_at:
            return True
        # Idle and readable: the server closed it (or sent what nobody asked for).
        assert self._stream is not None
        return bool(self._stream.get_extra_info("is_readable"))

    def is_idle(self) -> bool:
        return self._state is _IDLE or (self._state is _CLOSED and self._stream is None)

    def is_closed(self) -> bool:
        return self._state is _CLOSED

    def info(self) -> str:
        return (
            f"{str(self._origin)!r}, HTTP/1.1, {self._state}, Request Count: {self._request_count}"
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.info()}]>"


class _Exchange(typing.NamedTuple):
    """One request and its answer's head, while its body is read."""

    request: httpcore.Request
    head: Head
    keep_alive: bool
    read_timeout: float | None
    traced: bool


class _Body(ClosesIterations):
    """A response's body: read once, then closed (freeing or closing the connection, and
    closing an iteration over it that stopped early: see :mod:`labelkit._closing`)."""

    def __init__(self, connection: LeanConnection, exchange: _Exchange) -> None:
        self._connection = connection
        self._exchange = exchange
        self._closed = False

    async def _iterate(self) -> AsyncGenerator[bytes, None]:
        exchange = self._exchange
        request = exchange.request
        try:
            async with _span(
                exchange.traced, request, _http11_logger, "receive_response_body", request=request
            ):
                async with contextlib.aclosing(self._connection._receive_body(exchange)) as body:
                    async for piece in body:
                        yield piece
        except BaseException:
            self._closed = True
            await self._connection._close_shielded()
            raise

    async def aclose(self) -> None:
        for iteration in self._take_open():
            await iteration.aclose()
        if not self._closed:
            self._closed = True
            exchange = self._exchange
            async with _span(exchange.traced, exchange.request, _http11_logger, "response_closed"):
                await self._connection._response_closed(exchange.keep_alive)
