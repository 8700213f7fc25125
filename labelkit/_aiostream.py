"""A network stream for httpcore straight on an asyncio transport and protocol.

httpcore's anyio stream costs, per read and per write, a cancel scope for the
timeout (``anyio.fail_after``), the exception mapping context, anyio's
resource guards and a pass through the event loop even when the data is
already there (anyio checkpoints on every receive and send). A bulk create
does a handful of reads and writes, so that is a good part of its CPU. This
stream does the same work with a future and a timer: a read returns buffered
data at once and otherwise waits for the protocol, a write hands the bytes to
the transport and waits only while the kernel does not take them (the write
buffer limit is 0, as anyio sets it), so a write still returns once its bytes
are in the kernel. Errors are httpcore's, mapped as its anyio backend maps
them. Used on asyncio only (trio keeps httpcore's own streams).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import typing
from collections.abc import Iterable

import httpcore

__all__ = ["connect_tcp"]

#: Received bytes held before the transport stops reading (resumed once drained).
_READ_LIMIT = 256 * 1024


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class _Wake:
    """Where the one reader (or the one writer) of a connection waits to be woken."""

    __slots__ = ("_loop", "_waiter")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._waiter: asyncio.Future[None] | None = None

    def wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, timeout: float | None, error: type[httpcore.TimeoutException]) -> None:
        """Until :meth:`wake`; ``error`` after ``timeout`` seconds (None: no limit)."""
        waiter = self._waiter = self._loop.create_future()
        timer = None if timeout is None else self._loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        except TimeoutError as exc:
            raise error(str(exc)) from exc
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()


class _Protocol(asyncio.Protocol):
    """Collects what the transport receives and wakes the one waiting reader or writer."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.eof = False
        self.error: Exception | None = None
        self.lost = False
        self.paused = False  # reading paused: over _READ_LIMIT held
        self.readable = _Wake(loop)
        self.drained = _Wake(loop)
        self.writing_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = typing.cast(asyncio.Transport, transport)
        self.transport.set_write_buffer_limits(0)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(bytes(data))
        self.size += len(data)
        if self.size > _READ_LIMIT and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self.readable.wake()

    def eof_received(self) -> bool:
        self.eof = True
        self.readable.wake()
        return False  # close the transport, as the peer did

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if exc is not None:
            self.error = exc
        self.readable.wake()
        self.drained.wake()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self.drained.wake()


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection: see the module docstring."""

    __slots__ = ("_closed", "_protocol", "_tls")

    def __init__(self, protocol: _Protocol, *, tls: bool = False) -> None:
        self._protocol = protocol
        self._closed = False
        self._tls = tls

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if self._closed:
            raise httpcore.ReadError("the stream is closed")
        if not protocol.chunks and not protocol.eof and not protocol.lost:
            await protocol.readable.wait(timeout, httpcore.ReadTimeout)
        chunks = protocol.chunks
        if not chunks:
            if protocol.error is not None and not protocol.eof:
                raise httpcore.ReadError(str(protocol.error)) from protocol.error
            return b""
        chunk = chunks[0]
        if len(chunk) > max_bytes:
            chunks[0] = chunk[max_bytes:]
            chunk = chunk[:max_bytes]
        else:
            del chunks[0]
        protocol.size -= len(chunk)
        if protocol.paused and protocol.size <= _READ_LIMIT // 2 and protocol.transport:
            protocol.paused = False
            protocol.transport.resume_reading()
        return chunk

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        protocol = self._protocol
        transport = protocol.transport
        if self._closed:
            raise httpcore.WriteError("the stream is closed")
        if protocol.error is not None:
            raise httpcore.WriteError(str(protocol.error)) from protocol.error
        if transport is None or protocol.lost or transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        transport.write(buffer)
        if protocol.writing_paused:
            await protocol.drained.wait(timeout, httpcore.WriteTimeout)
            if protocol.error is not None:
                raise httpcore.WriteError(str(protocol.error)) from protocol.error
            if protocol.lost:
                raise httpcore.WriteError("the connection is closed")

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        transport = self._protocol.transport
        if transport is None or transport.is_closing():
            return
        if self._tls:
            # As httpcore's anyio backend (standard_compatible=False): no close_notify.
            transport.abort()
            return
        try:
            transport.write_eof()
        except OSError:
            pass
        transport.close()
        if transport.get_write_buffer_size():
            transport.abort()  # unsent bytes (a write timed out): as anyio, drop them

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        protocol = self._protocol
        transport = protocol.transport
        assert transport is not None
        try:
            # Our own deadline: asyncio's ssl_handshake_timeout ends the handshake with a
            # ConnectionAbortedError, not a timeout. Without one, asyncio's 60 s apply.
            handshake = protocol.loop.start_tls(
                transport, protocol, ssl_context, server_hostname=server_hostname
            )
            tls = await (handshake if timeout is None else asyncio.wait_for(handshake, timeout))
        except (TimeoutError, asyncio.TimeoutError) as exc:
            transport.abort()
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except (OSError, ConnectionError) as exc:
            transport.abort()
            raise httpcore.ConnectError(str(exc)) from exc
        except BaseException:
            transport.abort()
            raise
        if tls is None:  # pragma: no cover - the transport closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        protocol.transport = tls
        return AsyncioStream(protocol, tls=True)

    def get_extra_info(self, info: str) -> typing.Any:
        protocol = self._protocol
        transport = protocol.transport
        if info == "is_buffered":
            return bool(protocol.chunks) or protocol.eof or protocol.lost
        if transport is None:
            return None
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        return None


async def connect_tcp(
    host: str,
    port: int,
    timeout: float | None,
    local_address: str | None,
    socket_options: Iterable[typing.Any] | None,
) -> AsyncioStream:
    """Connect as httpcore's anyio backend connects (errors mapped alike), on asyncio."""
    loop = asyncio.get_running_loop()
    protocol = _Protocol(loop)
    connecting = loop.create_connection(
        lambda: protocol,
        host,
        port,
        local_addr=(local_address, 0) if local_address else None,
        happy_eyeballs_delay=0.25,
    )
    try:
        if timeout is None:
            transport, _ = await connecting
        else:
            transport, _ = await asyncio.wait_for(connecting, timeout)
    except (TimeoutError, asyncio.TimeoutError) as exc:
        raise httpcore.ConnectTimeout(str(exc)) from exc
    except OSError as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    sock: socket.socket | None = transport.get_extra_info("socket")
    if sock is not None:
        for option in socket_options or ():
            sock.setsockopt(*option)
    return AsyncioStream(protocol)
