"""A small HTTP/1.1 server for ASGI apps on anyio + h11 (asyncio and trio).

One task per connection, keep-alive, request bodies streamed into ``receive``
(Content-Length or chunked), responses with Content-Length or chunked. A
:class:`~labelkit._emulator._messages.DropConnection` raised by the app closes
the socket without a response. Meant for loopback use by tests, benchmarks
and demos, not for the internet.

- :func:`serve`: run in the current task group until cancelled.
- :func:`serving`: ``async with serving(app) as url:`` in the current task.
- :class:`EmulatorServer`: run in a background thread with its own event loop
  (``with EmulatorServer(app) as server: server.url``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
import types
import typing
import urllib.parse
from concurrent.futures import Future
from http import HTTPStatus
from typing import Any

import anyio
import anyio.abc
import anyio.from_thread
import h11

from ._messages import ASGIApp, DropConnection, Message, Scope
from ._socket import PulledListener

__all__ = ["EmulatorServer", "serve", "serving"]

logger = logging.getLogger("labelkit.emulator.server")

_RECEIVE_SIZE = 1 << 16
_REASONS = {status.value: status.phrase.encode("ascii") for status in HTTPStatus}
_CONNECTION_GONE = (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream)


class _Stream(typing.Protocol):
    async def receive(self, max_bytes: int) -> bytes: ...
    async def send(self, data: bytes) -> None: ...
    async def __aenter__(self) -> typing.Any: ...
    async def __aexit__(self, *exc_info: typing.Any) -> typing.Any: ...


async def serve(
    app: ASGIApp,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    task_status: anyio.abc.TaskStatus[int] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``app`` on ``host:port`` until cancelled; ``task_status.started(port)``.

    ``port=0`` picks a free port; the bound port is what ``started`` reports.
    Give an IP address as ``host``: a name such as ``localhost`` may bind
    several sockets, each on its own port.
    """
    if sys.platform == "win32":
        # Proactor loops cannot wait on a raw socket: anyio's streams (no flow control).
        listener = await anyio.create_tcp_listener(local_host=host, local_port=port)
        async with listener:
            task_status.started(int(listener.extra(anyio.abc.SocketAttribute.local_port)))
            await listener.serve(functools.partial(_handle_anyio_connection, app))
        return
    pulled = PulledListener(host, port)
    try:
        async with anyio.create_task_group() as group:
            task_status.started(pulled.port)
            while True:
                stream = await pulled.accept()
                group.start_soon(
                    _handle_connection, app, stream, stream.remote_address, stream.local_address
                )
    finally:
        pulled.close()


async def _handle_anyio_connection(app: ASGIApp, stream: anyio.abc.SocketStream) -> None:
    remote = _address(stream.extra(anyio.abc.SocketAttribute.remote_address, None))
    local = _address(stream.extra(anyio.abc.SocketAttribute.local_address, None))
    await _handle_connection(app, stream, remote, local)


async def _handle_connection(
    app: ASGIApp,
    stream: _Stream,
    client: tuple[str, int] | None,
    server: tuple[str, int] | None,
) -> None:
    async with stream:
        try:
            await _Connection(app, stream, client, server).run()
        except _CONNECTION_GONE:
            pass
        except Exception:
            logger.exception("emulator server: connection handler failed")


def _address(value: Any) -> tuple[str, int] | None:
    if isinstance(value, tuple) and len(value) >= 2:
        return str(value[0]), int(value[1])
    return None


class _Connection:
    """One client connection: a loop of request/response cycles."""

    def __init__(
        self,
        app: ASGIApp,
        stream: _Stream,
        client: tuple[str, int] | None,
        server: tuple[str, int] | None,
    ) -> None:
        self.app = app
        self.stream = stream
        self.conn = h11.Connection(h11.SERVER)
        self.client = client
        self.server = server

    async def next_event(self) -> Any:
        while True:
            event = self.conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            try:
                data = await self.stream.receive(_RECEIVE_SIZE)
            except _CONNECTION_GONE:
                data = b""
            self.conn.receive_data(data)

    async def run(self) -> None:
        conn = self.conn
        while True:
            try:
                event = await self.next_event()
            except h11.RemoteProtocolError as exc:
                await self.send_simple(exc.error_status_hint, f"Bad request: {exc}\n")
                return
            if not isinstance(event, h11.Request):
                return  # ConnectionClosed (or anything unexpected): we are done
            if not await _Exchange(self, event).run():
                return
            if conn.our_state is not h11.DONE:
                return  # Connection: close, HTTP/1.0, or a skipped 100-continue body
            # Skip any request body the app did not read, so the connection can be reused.
            while conn.their_state is h11.SEND_BODY:
                try:
                    if isinstance(await self.next_event(), h11.ConnectionClosed):
                        return
                except h11.RemoteProtocolError:
                    return
            if conn.their_state is not h11.DONE:
                return
            conn.start_next_cycle()

    async def send_simple(self, status: int, text: str) -> None:
        """A plain-text response that closes the connection (for server-side errors)."""
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        body = text.encode("utf-8")
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"connection", b"close"),
        ]
        try:
            data = self.conn.send(h11.Response(status_code=status, headers=headers)) or b""
            data += self.conn.send(h11.Data(data=body)) or b""
            data += self.conn.send(h11.EndOfMessage()) or b""
            await self.stream.send(data)
        except (h11.LocalProtocolError, *_CONNECTION_GONE):
            pass


class _Exchange:
    """One request/response cycle: the ASGI ``receive``/``send`` pair over h11."""

    def __init__(self, connection: _Connection, request: h11.Request) -> None:
        self.connection = connection
        self.conn = connection.conn
        self.request = request
        self.head = request.method == b"HEAD"
        self.stashed: Any = None
        self.body_complete = False
        self.disconnected = False
        self.started = False
        self.complete = False
        self.pending = b""

    def scope(self) -> Scope:
        raw_path, _, query = bytes(self.request.target).partition(b"?")
        if not raw_path.startswith(b"/"):  # absolute-form target
            raw_path = urllib.parse.urlsplit(raw_path).path or b"/"
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": self.request.http_version.decode("ascii"),
            "method": self.request.method.decode("ascii"),
            "scheme": "http",
            "path": urllib.parse.unquote(raw_path.decode("latin-1")),
            "raw_path": raw_path,
            "query_string": query,
            "root_path": "",
            "headers": list(self.request.headers),
            "client": self.connection.client,
            "server": self.connection.server,
        }

    async def run(self) -> bool:
        """Run the app; whether the connection may carry another request."""
        try:
            await self.connection.app(self.scope(), self.receive, self.send)
        except DropConnection:
            return False
        except _CONNECTION_GONE:
            return False
        except Exception:
            logger.exception("emulator server: ASGI app failed")
            if not self.started:
                await self.connection.send_simple(500, "Internal Server Error\n")
            return False
        if not self.started:
            if not self.disconnected:
                logger.error("emulator server: ASGI app returned without a response")
                await self.connection.send_simple(500, "Internal Server Error\n")
            return False
        return self.complete

    async def receive(self) -> Message:
        if self.disconnected:
            return {"type": "http.disconnect"}
        if self.body_complete:
            await self._wait_for_disconnect()
            return {"type": "http.disconnect"}
        if self.conn.they_are_waiting_for_100_continue:
            response = h11.InformationalResponse(status_code=100, headers=[])
            await self.connection.stream.send(self.conn.send(response) or b"")
        try:
            if self.stashed is not None:
                event, self.stashed = self.stashed, None
            else:
                event = await self.connection.next_event()
            if isinstance(event, h11.Data):
                # Hand over the end of the body along with its last chunk when h11 has it.
                following = self.conn.next_event()
                if isinstance(following, h11.EndOfMessage):
                    self.body_complete = True
                elif following is not h11.NEED_DATA:
                    self.stashed = following
                return {
                    "type": "http.request",
                    "body": bytes(event.data),
                    "more_body": not self.body_complete,
                }
        except h11.RemoteProtocolError:
            event = None  # the client vanished mid-body
        if isinstance(event, h11.EndOfMessage):
            self.body_complete = True
            return {"type": "http.request", "body": b"", "more_body": False}
        self.disconnected = True
        return {"type": "http.disconnect"}

    async def _wait_for_disconnect(self) -> None:
        while True:
            try:
                data = await self.connection.stream.receive(_RECEIVE_SIZE)
            except _CONNECTION_GONE:
                self.disconnected = True
                return
            self.conn.receive_data(data)  # a pipelined request: kept for the next cycle

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self.started:
                raise RuntimeError("http.response.start sent twice")
            self.started = True
            status = int(message["status"])
            response = h11.Response(
                status_code=status,
                headers=list(message.get("headers", [])),
                reason=_REASONS.get(status, b""),
            )
            # Held back so that headers and body leave in one write.
            self.pending = self.conn.send(response) or b""
        elif kind == "http.response.body":
            if not self.started or self.complete:
                raise RuntimeError("http.response.body sent out of order")
            body: bytes = message.get("body", b"")
            data = self.pending
            self.pending = b""
            if body and not self.head:
                data += self.conn.send(h11.Data(data=body)) or b""
            if not message.get("more_body", False):
                data += self.conn.send(h11.EndOfMessage()) or b""
                self.complete = True
            if data:
                await self.connection.stream.send(data)
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r}")


class _Serving:
    """``async with serving(app) as url``: the server runs in a task group of this task."""

    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        self._serve = functools.partial(serve, app, host=host, port=port)
        self._host = host
        self._task_group: anyio.abc.TaskGroup | None = None

    async def __aenter__(self) -> str:
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        try:
            port = await task_group.start(self._serve)
        except BaseException:
            task_group.cancel_scope.cancel()
            await task_group.__aexit__(*sys.exc_info())
            raise
        self._task_group = task_group
        return _url(self._host, port)

    async def __aexit__(self, *exc_info: object) -> None:
        task_group, self._task_group = self._task_group, None
        assert task_group is not None
        task_group.cancel_scope.cancel()
        # Exit without the body's exception so that it propagates as is, not in a group.
        await task_group.__aexit__(None, None, None)


def serving(app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> _Serving:
    """Serve ``app`` from the current task: ``async with serving(app) as url: ...``."""
    return _Serving(app, host, port)


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class EmulatorServer:
    """Serve an app from a background thread with its own event loop.

    Usable from sync code and from async code on any backend (starting and
    stopping block for a few milliseconds)::

        with EmulatorServer(app) as server:
            httpx.get(server.url + "/path")
    """

    def __init__(
        self, app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0, backend: str = "asyncio"
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.backend = backend
        self._portal: contextlib.AbstractContextManager[anyio.from_thread.BlockingPortal] | None
        self._portal = None
        self._future: Future[None] | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        if self._future is None:
            raise RuntimeError("the server is not running")
        return _url(self.host, self.port)

    @property
    def base_url(self) -> str:
        """The base URL for a client: :attr:`url` plus the app's ``base_path`` (if it has one)."""
        return self.url + getattr(self.app, "base_path", "")

    def start(self) -> None:
        """Start the thread and bind the socket; returns once the server accepts connections."""
        if self._future is not None:
            raise RuntimeError("the server is already running")
        manager = anyio.from_thread.start_blocking_portal(self.backend)
        portal = manager.__enter__()
        try:
            serve_app = functools.partial(serve, self.app, host=self.host, port=self.port)
            self._future, port = portal.start_task(serve_app, name="labelkit-emulator-server")
        except BaseException:
            manager.__exit__(*sys.exc_info())
            raise
        self._portal = manager
        self.port = int(port)

    def stop(self) -> None:
        """Stop serving, close every connection and join the thread."""
        future, manager = self._future, self._portal
        self._future = self._portal = None
        if future is not None:
            future.cancel()
        if manager is not None:
            manager.__exit__(None, None, None)

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> EmulatorServer:
        await anyio.to_thread.run_sync(self.start)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        await anyio.to_thread.run_sync(self.stop)
