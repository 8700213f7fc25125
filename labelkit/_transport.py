"""labelkit's default HTTP transport: httpcore's connection pool with cheap streams.

``httpx.AsyncHTTPTransport`` is ``httpcore.AsyncConnectionPool`` on httpcore's
default network backend. On every request the pool checks every pooled
connection for expiry, and each check asks the stream ``is_readable``; the
anyio stream answers by building its whole ``extra_attributes`` mapping,
which calls ``getpeername()`` on the socket, so with 16 connections a request
costs dozens of system calls before it is sent. The streams here keep the
socket found at connect time and answer ``is_readable`` with one ``poll``.
The pool (:mod:`labelkit._pool`) is httpcore's, with HTTP/1.1 spoken by
:class:`labelkit._http11.LeanConnection` through the pool's public
``create_connection()``; TLS, timeouts, errors and the ``trace`` extension are
as httpcore has them, on asyncio and trio alike.
"""

from __future__ import annotations

import select
import ssl
import sys
import typing
from collections.abc import AsyncGenerator, AsyncIterable, Iterable

import httpcore
import httpx

from . import _aiostream
from ._closing import ClosesIterations, aclose_iterator
from ._pool import _LINEAR_POOL, _LeanPool, _Pool

__all__ = ["PooledTransport"]

_SocketOption = typing.Union[
    tuple[int, int, int],
    tuple[int, int, typing.Union[bytes, bytearray]],
    tuple[int, int, None, int],
]


def _readable(sock: typing.Any) -> bool:
    """Whether a read would not block (data, or the server's close): one ``poll``."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if not _POLL:  # pragma: no cover
        return bool(select.select([fd], [], [], 0)[0])
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


#: Writes held before one send: a whole small request (a head and a JSON body
#: with a file of up to about 40 KB); a bigger one goes in pieces of this size.
_COALESCE = 64 * 1024

_POLL = sys.platform != "win32" and hasattr(select, "poll")


class _Liveness:
    """One ``poll`` for every pooled socket per pool scan, instead of one per idle connection.

    A pool scan asks each idle connection whether its socket is readable (the
    server closed it); with 16 connections that is a dozen system calls per
    request. Between :meth:`begin` and :meth:`end` (one synchronous scan, no
    await in between) the first question polls every registered socket at
    once and the rest read the answer.
    """

    __slots__ = ("_poller", "_ready", "_scanning")

    def __init__(self) -> None:
        self._poller = select.poll() if _POLL else None
        self._scanning = False
        self._ready: frozenset[int] | None = None

    def register(self, sock: typing.Any) -> None:
        fd = -1 if sock is None else sock.fileno()
        if self._poller is not None and fd >= 0:
            self._poller.register(fd, select.POLLIN)

    def unregister(self, sock: typing.Any) -> None:
        fd = -1 if sock is None else sock.fileno()
        if self._poller is not None and fd >= 0:
            try:
                self._poller.unregister(fd)
            except KeyError:
                pass

    def begin(self) -> None:
        self._scanning = True
        self._ready = None

    def end(self) -> None:
        self._scanning = False
        self._ready = None

    def readable(self, sock: typing.Any) -> bool:
        if not self._scanning or self._poller is None:
            return _readable(sock)
        fd = -1 if sock is None else sock.fileno()
        if fd < 0:
            return True
        ready = self._ready
        if ready is None:
            ready = self._ready = frozenset(fd for fd, _ in self._poller.poll(0))
        return fd in ready


class _Stream(httpcore.AsyncNetworkStream):
    """A network stream that remembers its socket and sends a request in one piece.

    httpcore writes a request as separate pieces (the head, each body chunk,
    the end of the message), each a ``send`` system call and, on loopback or
    a LAN, a wake-up of the server. Writes here are held (up to
    :data:`_COALESCE` bytes) and sent together before the next read: an
    HTTP/1.1 client always reads after it has written a request. A failed
    held write is dropped as httpcore drops a failed write (it reads the
    server's answer, if any, next).
    """

    __slots__ = ("_held", "_held_size", "_held_timeout", "_inner", "_liveness", "_socket")

    def __init__(
        self, inner: httpcore.AsyncNetworkStream, sock: typing.Any, liveness: _Liveness
    ) -> None:
        self._inner = inner
        self._socket = sock
        self._liveness = liveness
        self._held: list[bytes] = []
        self._held_size = 0
        self._held_timeout: float | None = None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self._held:
            try:
                await self._flush()
            except httpcore.WriteError:
                pass  # as httpcore does: the server may have answered before closing
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        self._held.append(buffer)
        self._held_size += len(buffer)
        self._held_timeout = timeout
        if self._held_size >= _COALESCE:
            await self._flush()

    async def _flush(self) -> None:
        held = self._held
        data = held[0] if len(held) == 1 else b"".join(held)
        self._held = []
        self._held_size = 0
        await self._inner.write(data, self._held_timeout)

    async def aclose(self) -> None:
        self._held = []
        self._held_size = 0
        self._liveness.unregister(self._socket)
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self._held:
            await self._flush()
        inner = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return _Stream(inner, self._socket, self._liveness)

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            # Data or the server's close the event loop already took from the socket counts too.
            return (
                self._liveness.readable(self._socket)
                or self._inner.get_extra_info("is_buffered") is True
            )
        if info == "socket":
            return self._socket
        return self._inner.get_extra_info(info)


def _library() -> str:
    try:
        import sniffio
    except ImportError:  # pragma: no cover - httpx depends on it
        return "asyncio"
    return str(sniffio.current_async_library())


class _Backend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend (anyio or trio, whichever runs), with :class:`_Stream`\\ s."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._trio: httpcore.AsyncNetworkBackend | None = None
        self.liveness = _Liveness()

    def _stream(self, inner: httpcore.AsyncNetworkStream) -> _Stream:
        sock = inner.get_extra_info("socket")
        self.liveness.register(sock)
        return _Stream(inner, sock, self.liveness)

    def _backend(self) -> httpcore.AsyncNetworkBackend:
        # As httpcore's default backend chooses: trio's own streams under trio.
        if "trio" in sys.modules and _library() == "trio":
            if self._trio is None:
                self._trio = httpcore.TrioBackend()
            return self._trio
        return self._inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        backend = self._backend()
        if backend is self._inner and _library() == "asyncio":
            stream: httpcore.AsyncNetworkStream = await _aiostream.connect_tcp(
                host, port, timeout, local_address, socket_options
            )
        else:
            stream = await backend.connect_tcp(
                host,
                port,
                timeout=timeout,
                local_address=local_address,
                socket_options=socket_options,
            )
        return self._stream(stream)

    async def connect_tcp_for_tls(
        self, host: str, port: int, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        """:meth:`connect_tcp` for a connection TLS will wrap: httpcore's own streams.

        Their TLS (anyio's) waits for the kernel to take every byte, so the write
        timeout holds and a stalled handshake is a ConnectTimeout; asyncio's
        ``start_tls`` (which :mod:`._aiostream` would use) hands a whole body to
        the socket's buffer at once and reports a handshake timeout as a reset.
        """
        return self._stream(await self._backend().connect_tcp(host, port, timeout=timeout))

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend().connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )
        return self._stream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._backend().sleep(seconds)


class _ResponseStream(ClosesIterations, httpx.AsyncByteStream):
    """httpcore's body as httpx's, its errors mapped; closing it closes its iterations
    (see :mod:`labelkit._closing`)."""

    def __init__(self, inner: AsyncIterable[bytes]) -> None:
        self._inner = inner

    async def _iterate(self) -> AsyncGenerator[bytes, None]:
        parts = self._inner.__aiter__()
        try:
            async for part in parts:
                yield part
        except httpcore.TimeoutException as exc:
            raise _mapped(exc) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise _mapped(exc) from exc
        except BaseException:  # closed (or cancelled) while suspended: so is its source
            await aclose_iterator(parts)
            raise

    async def aclose(self) -> None:
        for iteration in self._take_open():
            await iteration.aclose()
        await aclose_iterator(self._inner)


# httpcore's exception classes mirror httpx's, name for name; most specific first.
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = tuple(
    (getattr(httpcore, name), getattr(httpx, name))
    for name in (
        "ConnectTimeout",
        "ReadTimeout",
        "WriteTimeout",
        "PoolTimeout",
        "TimeoutException",
        "ConnectError",
        "ReadError",
        "WriteError",
        "NetworkError",
        "RemoteProtocolError",
        "LocalProtocolError",
        "ProtocolError",
        "UnsupportedProtocol",
    )
)


def _mapped(exc: Exception) -> httpx.TransportError:
    for source, target in _EXCEPTIONS:
        if isinstance(exc, source):
            return target(str(exc))
    return httpx.TransportError(str(exc))  # pragma: no cover - every httpcore error is listed


class PooledTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncHTTPTransport`` without a proxy, on :class:`_Backend`.

    Same pool, same limits, same TLS context (from ``verify``/``cert`` and
    ``SSL_CERT_FILE``, as httpx builds it) and the same errors.
    """

    def __init__(
        self,
        *,
        verify: bool | str | ssl.SSLContext = True,
        cert: typing.Any = None,
        limits: httpx.Limits,
        trust_env: bool = True,
    ) -> None:
        pool = _Pool if _LINEAR_POOL else _LeanPool
        backend = _Backend()
        self._pool = pool(
            ssl_context=httpx.create_ssl_context(verify=verify, cert=cert, trust_env=trust_env),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )
        if isinstance(self._pool, _Pool):
            self._pool.liveness = backend.liveness

    @property
    def pool(self) -> httpcore.AsyncConnectionPool:
        """The httpcore pool (see :class:`labelkit._direct.DirectSender`)."""
        return self._pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=typing.cast("AsyncIterable[bytes]", request.stream),
            extensions=request.extensions,
        )
        try:
            response = await self._pool.handle_async_request(core)
        except httpcore.UnsupportedProtocol as exc:
            raise httpx.UnsupportedProtocol(str(exc)) from exc
        except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise _mapped(exc) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(typing.cast("AsyncIterable[bytes]", response.stream)),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
