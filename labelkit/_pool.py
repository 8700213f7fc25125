"""labelkit's httpcore pool: :class:`~labelkit._http11.LeanConnection`\\ s and linear bookkeeping.

Used by :class:`labelkit._transport.PooledTransport`.
"""

from __future__ import annotations

import ssl
import typing

import anyio
import httpcore

from ._http11 import LeanConnection

if typing.TYPE_CHECKING:
    from ._transport import _Liveness

__all__: list[str] = []


class _QuickLock:
    """httpcore's per-connection lock, taken without a checkpoint when free.

    httpcore's ``AsyncLock`` passes through the event loop on every acquire
    (three times per request: the connection's request lock, the HTTP/1.1
    state lock going in and again when the response is closed), and each
    pass resumes the whole call stack of the request. Contended, it waits in
    line as the anyio lock does.
    """

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock: anyio.Lock | None = None

    async def __aenter__(self) -> _QuickLock:
        lock = self._lock
        if lock is None:
            lock = self._lock = anyio.Lock()
        try:
            lock.acquire_nowait()
        except anyio.WouldBlock:
            await lock.acquire()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._lock is not None
        self._lock.release()


def _quick_locks(connection: httpcore.AsyncConnectionInterface) -> None:
    """Give an idle (or new) connection quick locks: nobody holds its locks at that point."""
    if isinstance(connection, httpcore.AsyncHTTPConnection):
        anything = typing.cast(typing.Any, connection)
        if not isinstance(anything._request_lock, _QuickLock):
            anything._request_lock = _QuickLock()
        inner = anything._connection
        if isinstance(inner, httpcore.AsyncHTTP11Connection) and not isinstance(
            typing.cast(typing.Any, inner)._state_lock, _QuickLock
        ):
            typing.cast(typing.Any, inner)._state_lock = _QuickLock()


class _LeanPool(httpcore.AsyncConnectionPool):
    """httpcore's pool whose http:// and https:// connections are :class:`LeanConnection`\\ s.

    Built (by :class:`PooledTransport`) without a proxy, a Unix socket or
    HTTP/2, with an SSL context and a network backend; otherwise (or with
    ``lean`` off, or for ws://) its connections are httpcore's own.
    """

    lean = True

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        keepalive_expiry: float | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        **options: typing.Any,
    ) -> None:
        super().__init__(
            ssl_context=ssl_context,
            keepalive_expiry=keepalive_expiry,
            network_backend=network_backend,
            **options,
        )
        self._lean_ssl = ssl_context
        self._lean_expiry = keepalive_expiry
        self._lean_backend = network_backend

    def create_connection(self, origin: httpcore.Origin) -> httpcore.AsyncConnectionInterface:
        lean = self.lean and self._lean_ssl is not None and self._lean_backend is not None
        if lean and origin.scheme in (b"http", b"https"):
            assert self._lean_ssl is not None and self._lean_backend is not None
            return LeanConnection(
                origin,
                ssl_context=self._lean_ssl,
                keepalive_expiry=self._lean_expiry,
                network_backend=self._lean_backend,
            )
        return super().create_connection(origin)


class _Pool(_LeanPool):
    """httpcore's pool with its per-request bookkeeping made linear.

    ``_assign_requests_to_connections`` runs on every request and response.
    httpcore 1.0 builds, for every idle connection, a list over all
    connections whose length is the number of connections (quadratic in the
    pool size), and lists every available and idle connection to use the
    first. This is the same algorithm without those lists. It overrides a
    private method, so :class:`PooledTransport` uses it only on the httpcore
    versions it was checked against (1.0.x) and plain httpcore otherwise.
    """

    liveness: _Liveness | None = None

    def _assign_requests_to_connections(self) -> list[httpcore.AsyncConnectionInterface]:
        liveness = self.liveness
        if liveness is None:
            return self._assign()
        liveness.begin()
        try:
            return self._assign()
        finally:
            liveness.end()

    def _assign(self) -> list[httpcore.AsyncConnectionInterface]:
        closing: list[httpcore.AsyncConnectionInterface] = []
        connections = self._connections
        keep_alive = self._max_keepalive_connections
        # Connections handed to a request that has not started on them yet
        # still look idle. httpcore would hand them out again; the second
        # request then fails with ConnectionNotAvailable and scans again (with
        # 16 requests starting together, more than once per request). The
        # pool speaks HTTP/1.1 only: one request per connection.
        taken = {id(r.connection) for r in self._requests if r.connection is not None}
        if not any(r.is_queued() for r in self._requests) and len(connections) <= keep_alive:
            # Nothing to assign and nothing over the keep-alive limit (a response
            # closed, no request waiting): the sweep of closed and expired idle
            # connections (a readability poll each) is left to the next request,
            # which runs it before it picks a connection.
            return closing
        for connection in list(connections):
            if connection.is_closed():
                connections.remove(connection)
            elif not connection.is_idle():
                # An HTTP/1.1 connection expires only while idle (its keep-alive
                # clock and the server's close): has_expired() is False here.
                continue
            elif connection.has_expired():
                connections.remove(connection)
                closing.append(connection)
            elif len(connections) > keep_alive and id(connection) not in taken:
                connections.remove(connection)
                closing.append(connection)

        for pool_request in self._requests:
            if not pool_request.is_queued():
                continue
            origin = pool_request.request.url.origin
            available = next(
                (
                    c
                    for c in connections
                    if id(c) not in taken and c.can_handle_request(origin) and c.is_available()
                ),
                None,
            )
            if available is not None:
                _quick_locks(available)
                pool_request.assign_to_connection(available)
                taken.add(id(available))
            elif len(connections) < self._max_connections:
                connection = self.create_connection(origin)
                _quick_locks(connection)
                connections.append(connection)
                pool_request.assign_to_connection(connection)
                taken.add(id(connection))
            else:
                idle = next((c for c in connections if c.is_idle() and id(c) not in taken), None)
                if idle is not None:
                    connections.remove(idle)
                    closing.append(idle)
                    connection = self.create_connection(origin)
                    _quick_locks(connection)
                    connections.append(connection)
                    pool_request.assign_to_connection(connection)
                    taken.add(id(connection))
        return closing


_LINEAR_POOL = httpcore.__version__.startswith("1.0.") and hasattr(
    httpcore.AsyncConnectionPool, "_assign_requests_to_connections"
)
