"""Sockets read only when asked: TCP itself is the emulator server's flow control.

anyio's asyncio streams read every readable socket into an unbounded queue
whenever the event loop runs, so a handler that falls behind (a starved thread,
a slow disk) ends up holding a fast client's upload in memory. A
:class:`PulledStream` calls ``recv`` only when the handler asks for bytes:
while the handler is busy the kernel's buffers fill and the client's sends
block, so a connection never holds more than one ``receive`` worth of data.
The same code runs on asyncio and trio.
"""

from __future__ import annotations

import functools
import socket
import typing

import anyio
import anyio.lowlevel

__all__ = ["PulledListener", "PulledStream"]

_T = typing.TypeVar("_T")

_wait_readable: typing.Callable[[socket.socket], typing.Awaitable[None]] = getattr(
    anyio, "wait_readable", anyio.wait_socket_readable
)
_wait_writable: typing.Callable[[socket.socket], typing.Awaitable[None]] = getattr(
    anyio, "wait_writable", anyio.wait_socket_writable
)


class PulledStream:
    """One accepted connection: ``receive``/``send``/``aclose`` over a non-blocking socket."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self._sock = sock
        self.remote_address = _address(sock.getpeername)
        self.local_address = _address(sock.getsockname)

    async def receive(self, max_bytes: int) -> bytes:
        """Up to ``max_bytes`` read now; ``anyio.EndOfStream`` once the peer has closed."""
        await anyio.lowlevel.checkpoint()
        data = await self._when_ready(functools.partial(self._sock.recv, max_bytes), _wait_readable)
        if not data:
            raise anyio.EndOfStream
        return data

    async def send(self, data: bytes) -> None:
        """Send all of ``data``, waiting while the peer's window is full."""
        await anyio.lowlevel.checkpoint()
        view = memoryview(data)
        while view:
            sent = await self._when_ready(functools.partial(self._sock.send, view), _wait_writable)
            view = view[sent:]

    async def _when_ready(
        self,
        call: typing.Callable[[], _T],
        wait: typing.Callable[[socket.socket], typing.Awaitable[None]],
    ) -> _T:
        """``call()``, retried after ``wait`` while the socket would block; an OS error
        is a broken stream."""
        while True:
            try:
                return call()
            except BlockingIOError:
                await wait(self._sock)
            except OSError as exc:
                raise anyio.BrokenResourceError from exc

    async def aclose(self) -> None:
        self._sock.close()

    async def __aenter__(self) -> PulledStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class PulledListener:
    """A listening socket whose connections are :class:`PulledStream`."""

    def __init__(self, host: str, port: int) -> None:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(128)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self.port = int(sock.getsockname()[1])

    async def accept(self) -> PulledStream:
        while True:
            await _wait_readable(self._sock)
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                continue
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return PulledStream(conn)

    def close(self) -> None:
        self._sock.close()


def _address(getter: typing.Callable[[], typing.Any]) -> tuple[str, int] | None:
    try:
        value = getter()
    except OSError:
        return None
    if isinstance(value, tuple) and len(value) >= 2:
        return str(value[0]), int(value[1])
    return None
