"""The HTTP boundary: the only module that imports httpx.

Everything above it sees :class:`HttpRequest`, :class:`HttpResponse` and the
:class:`TransportError` family, so switching the HTTP library (for example to
the httpx2 fork) is a change to this file alone.
"""

from __future__ import annotations

import contextlib
import ssl
import time
import typing
import urllib.request
from collections.abc import AsyncGenerator, AsyncIterator, Collection, Mapping

import anyio
import attrs

from ._closing import decoded_chunks
from ._config import Timeout
from ._errors import ValidationError

if typing.TYPE_CHECKING:
    from ._direct import DirectSender
from ._fork import reset_in_child
from ._logging import has_userinfo, redact_userinfo
from ._params import QueryValue, encode_params
from ._version import __version__


def _import_httpx() -> typing.Any:
    """``import httpx`` without its command-line client.

    httpx's ``__init__`` imports ``httpx._main`` (rich, click, pygments: about
    a fifth of what ``labelkit.FastLabel`` costs to import) only to offer
    ``httpx.main``; it falls back to a stub when that import fails. Blocking
    the submodule for the one import, then putting back a ``main`` that loads
    the real one on call, keeps both the import cheap and ``httpx.main``
    working.
    """
    import sys

    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        import httpx

        return httpx
    sys.modules["httpx._main"] = None  # type: ignore[assignment]
    try:
        import httpx
    finally:
        del sys.modules["httpx._main"]

    stub = httpx.main  # httpx's own "install httpx[cli]" message, for when it is not

    def main(*args: typing.Any, **kwargs: typing.Any) -> typing.Any:
        try:
            from httpx._main import main as real_main
        except ImportError:
            return stub(*args, **kwargs)
        return real_main(*args, **kwargs)

    typing.cast(typing.Any, httpx).main = main
    return httpx


_import_httpx()
import httpx  # noqa: E402  (already imported, without its CLI)

__all__ = [
    "USER_AGENT",
    "AsyncTransport",
    "HttpRequest",
    "HttpResponse",
    "HttpSession",
    "QueryValue",
    "StreamedResponse",
    "Token",
    "TransportError",
    "encode_params",
]

USER_AGENT = f"labelkit/{__version__}"

#: A custom transport accepted by every client (``transport=``); an
#: ``httpx.AsyncBaseTransport``, e.g. ``httpx.AsyncHTTPTransport(retries=0, local_address=...)``.
AsyncTransport = httpx.AsyncBaseTransport

QueryParams = typing.Union[
    Mapping[str, typing.Union[QueryValue, typing.Sequence[QueryValue]]],
    typing.Sequence[tuple[str, QueryValue]],
]


@attrs.frozen
class HttpRequest:
    """One request, ready to send. ``content`` is bytes or a factory of a fresh
    async byte stream (so the request can be re-sent after a failure)."""

    method: str
    url: str
    headers: Mapping[str, str] = attrs.Factory(dict)
    params: QueryParams | None = None
    content: bytes | typing.Callable[[], AsyncIterator[bytes]] | None = None


@attrs.frozen
class StreamedResponse:
    """A response whose body has not been read yet: iterate :meth:`aiter_bytes` once
    (inside ``contextlib.aclosing`` when the loop may stop early)."""

    status: int
    headers: Mapping[str, str]
    url: str
    _response: httpx.Response = attrs.field(repr=False, alias="response")

    @property
    def reason(self) -> str:
        return httpx.codes.get_reason_phrase(self.status) or "Unknown Status"

    async def aiter_bytes(self, chunk_size: int = 64 * 1024) -> AsyncGenerator[bytes, None]:
        """The body in chunks; a broken connection or an undecodable body raises
        :class:`TransportError`. Any exit closes the response (see :mod:`._closing`)."""
        try:
            async with contextlib.aclosing(decoded_chunks(self._response, chunk_size)) as chunks:
                async for chunk in chunks:
                    yield chunk
        except _UNREADABLE as exc:
            raise _classify(exc) from exc


@attrs.frozen
class HttpResponse:
    """A fully read response."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str
    elapsed: float

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @property
    def reason(self) -> str:
        return httpx.codes.get_reason_phrase(self.status) or "Unknown Status"


class TransportError(Exception):
    """No usable response was received.

    ``kind`` is one of ``connect``, ``connect_timeout``, ``pool_timeout``, ``read_timeout``,
    ``write_timeout``, ``read``, ``write``, ``protocol``, ``decoding`` (a body that does not
    decode), ``other``. ``sent`` is False only when the request provably never left.
    ``permanent``: a retry would fail the same way (a scheme or head the stack refuses).
    """

    def __init__(self, message: str, *, kind: str, sent: bool, permanent: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.sent = sent
        self.permanent = permanent

    @property
    def is_timeout(self) -> bool:
        return self.kind.endswith("timeout")


#: What httpx raises for an answer that never came or cannot be read: a body that does
#: not decode (DecodingError) came after the server took the request, as a cut body.
_UNREADABLE = (httpx.TransportError, httpx.DecodingError)


#: Refused by the stack itself, the same way on every attempt: never retried.
_PERMANENT = (httpx.LocalProtocolError, httpx.UnsupportedProtocol)


def _classify(exc: httpx.TransportError | httpx.DecodingError) -> TransportError:
    table: list[tuple[type[httpx.HTTPError], str, bool]] = [
        (httpx.ConnectTimeout, "connect_timeout", False),
        (httpx.PoolTimeout, "pool_timeout", False),
        (httpx.ReadTimeout, "read_timeout", True),
        (httpx.WriteTimeout, "write_timeout", True),
        (httpx.ConnectError, "connect", False),
        (httpx.ReadError, "read", True),
        (httpx.WriteError, "write", True),
        (httpx.RemoteProtocolError, "protocol", True),
        # Both refused before a byte is written: a request head h11 would not send, a
        # URL scheme the pool does not speak.
        (httpx.LocalProtocolError, "protocol", False),
        (httpx.UnsupportedProtocol, "other", False),
        (httpx.DecodingError, "decoding", True),
    ]
    for cls, kind, sent in table:
        if isinstance(exc, cls):
            return TransportError(
                str(exc) or cls.__name__, kind=kind, sent=sent, permanent=cls in _PERMANENT
            )
    return TransportError(str(exc) or type(exc).__name__, kind="other", sent=True)


class Token:
    """``async with Token(limiter)``: a token of an ``anyio.CapacityLimiter``, taken without a
    checkpoint (a pass through the event loop) when free; else it waits in line as
    ``acquire`` does."""

    __slots__ = ("_limiter",)

    def __init__(self, limiter: anyio.CapacityLimiter) -> None:
        self._limiter = limiter

    async def __aenter__(self) -> None:
        try:
            self._limiter.acquire_nowait()
        except anyio.WouldBlock:
            await self._limiter.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self._limiter.release()


class HttpSession:
    """One pooled ``httpx.AsyncClient``.

    ``app`` (deprecated, use ``transport=``) runs any ASGI application
    in-process instead of opening sockets. ``proxy``,
    ``verify`` and ``cert`` are passed to httpx; environment proxies and
    ``SSL_CERT_FILE`` are honoured as httpx does.

    In a forked child the session opens new connections: the pool inherited
    from the parent is set aside untouched (its sockets are the parent's) and
    a new one with the same settings is built on first use. A ``transport=``
    of the caller's is kept as it is.
    """

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str],
        max_connections: int = 100,
        proxy: str | None = None,
        verify: bool | str | ssl.SSLContext = True,
        cert: str | tuple[str, str] | None = None,
        transport: AsyncTransport | None = None,
        app: typing.Any = None,
    ) -> None:
        if app is not None and transport is not None:
            raise ValueError("pass either app= or transport=, not both")
        self._app = app
        self._options: dict[str, typing.Any] = dict(
            base_url=base_url,
            headers={"User-Agent": USER_AGENT, **headers},
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            proxy=proxy,
            verify=verify,
            cert=cert,
            transport=transport,
            follow_redirects=False,
            trust_env=True,
        )
        self._direct: DirectSender | None = None
        try:
            self._client: httpx.AsyncClient | None = self._new_client()
        except httpx.InvalidURL as exc:
            # httpx's message may quote part of a password (as a port, say).
            detail = redact_userinfo(base_url if has_userinfo(base_url) else str(exc))
            raise ValidationError("base_url", f"not a usable URL: {detail}") from None
        self.base_url = str(self._pool().base_url)
        self._max_connections = max_connections
        self._in_flight: anyio.CapacityLimiter | None = None
        self._own_pool = transport is None
        reset_in_child(self)  # the pool only where labelkit built it

    @property
    def in_flight(self) -> anyio.CapacityLimiter:
        """Caps requests in flight at ``max_connections``, for every client sharing the pool."""
        limiter = self._in_flight
        if limiter is None:
            limiter = self._in_flight = anyio.CapacityLimiter(self._max_connections)
        return limiter

    def _new_client(self) -> httpx.AsyncClient:
        options = self._options
        if self._app is not None:
            from ._in_process import DroppedByApp

            options = {**options, "transport": DroppedByApp(self._app)}
        elif options["transport"] is None and options["proxy"] is None and not _env_proxies():
            # A proxy (given or from the environment) keeps httpx's own transport.
            # Imported here: httpcore (and trio with it) loads on the first client.
            from ._transport import PooledTransport

            transport = PooledTransport(
                verify=options["verify"], cert=options["cert"], limits=options["limits"]
            )
            client = httpx.AsyncClient(**{**options, "transport": transport})
            if not client.base_url.query:
                from ._direct import DirectSender

                self._direct = DirectSender(client, transport)
            return client
        return httpx.AsyncClient(**options)

    def _pool(self) -> httpx.AsyncClient:
        client = self._client
        if client is None:
            client = self._client = self._new_client()
        return client

    def _after_fork_in_child(self) -> None:
        # In a forked child. Closing the inherited pool would do I/O on the
        # parent's sockets (a TLS close_notify, a shutdown) and touch loop
        # objects of a loop that does not run here; letting it be collected
        # would run transport finalizers. Keep it, unused, for the process's life.
        self._in_flight = None  # belongs to a loop of the parent
        client = self._client
        if self._own_pool and client is not None and not client.is_closed:
            _inherited_pools.append(client)
            self._client = None
            self._direct = None

    async def send(
        self,
        request: HttpRequest,
        timeout: Timeout,
        *,
        budget: float | None,
        on_write: typing.Callable[[], None] | None = None,
    ) -> HttpResponse:
        """Send one attempt and read the whole body.

        ``budget`` (seconds left of the call's overall deadline) caps every
        per-phase timeout. ``on_write`` is called as the request starts being
        written to a connection (after any wait for the pool or a connect).
        """

        # Timed here: httpx's response.elapsed is unset for a transport's plain
        # (non-streamed) response, e.g. httpx.MockTransport's.
        started = time.monotonic()
        client = self._pool()
        extensions = None if on_write is None else {"trace": _write_trace(on_write)}
        direct = self._direct
        query = (
            None if direct is None else direct.query(request.url, request.params, request.headers)
        )
        if direct is not None and query is not None:
            content, timeouts = _attempt_parts(request, timeout, budget)
            core: dict[str, typing.Any] = {"timeout": timeouts, **(extensions or {})}
            try:
                sent = await direct.send(
                    request.method, request.url, request.headers, content, core, query
                )
            except _UNREADABLE as exc:
                raise _classify(exc) from exc
            return HttpResponse(*sent, elapsed=time.monotonic() - started)
        built = _build_request(client, request, timeout, budget=budget, extensions=extensions)
        try:
            response = await client.send(built, stream=True)
            content = await _read_whole(response)
        except _UNREADABLE as exc:
            raise _classify(exc) from exc
        return HttpResponse(
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            content=content,
            url=str(response.request.url),
            elapsed=time.monotonic() - started,
        )

    @contextlib.asynccontextmanager
    async def open_stream(
        self,
        request: HttpRequest,
        timeout: Timeout,
        *,
        omit_headers: Collection[str] = (),
    ) -> AsyncIterator[StreamedResponse]:
        """Send one attempt and hand back the response before its body is read.

        ``omit_headers`` removes session headers from this request only: an
        absolute URL (a signed storage URL) would otherwise receive the
        session's ``Authorization`` header. ``timeout.total`` is not applied
        (a large body may take longer); the per-phase timeouts are.
        """
        client = self._pool()
        built = _build_request(client, request, timeout, budget=None)
        for name in omit_headers:
            built.headers.pop(name, None)
        try:
            response = await client.send(built, stream=True)
        except httpx.TransportError as exc:
            raise _classify(exc) from exc
        try:
            yield StreamedResponse(
                status=response.status_code,
                headers={k.lower(): v for k, v in response.headers.items()},
                url=str(response.request.url),
                response=response,
            )
        finally:
            await response.aclose()

    def absolute_url(self, path: str, params: QueryParams | None = None) -> str:
        """The URL a request would go to (used for logs and errors)."""
        return str(self._pool().build_request("GET", path, params=encode_params(params)).url)

    async def aclose(self) -> None:
        await self._pool().aclose()

    @property
    def is_closed(self) -> bool:
        return self._client is not None and self._client.is_closed


# Pools inherited by a forked child, kept unused (see HttpSession._after_fork_in_child).
_inherited_pools: list[httpx.AsyncClient] = []


async def _read_whole(response: httpx.Response) -> bytes:
    """The body of a streamed ``response`` (then closed), decoded as httpx decodes it, but
    once all of it is here: a body that does not decode would otherwise raise out of
    httpx's nested async generators and leave them suspended (a ResourceWarning under trio).
    """
    try:
        if response.is_stream_consumed:  # a transport's response made of bytes: read already
            return response.content
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    finally:
        await response.aclose()
    return httpx.Response(response.status_code, headers=response.headers, content=raw).content


def _env_proxies() -> bool:
    return any(key in ("http", "https", "all") for key in urllib.request.getproxies())


_WRITE_STARTED = frozenset(
    {"http11.send_request_headers.started", "http2.send_request_headers.started"}
)


def _attempt_parts(
    request: HttpRequest, timeout: Timeout, budget: float | None
) -> tuple[typing.Any, dict[str, float | None]]:
    """One attempt's body and per-phase timeouts: a body factory is called here (a
    fresh stream per attempt) and every phase's timeout is capped by ``budget``."""

    def cap(value: float | None) -> float | None:
        if budget is None:
            return value
        return budget if value is None else min(value, budget)

    content: typing.Any = request.content
    if callable(content):
        content = content()
    timeouts = {
        "connect": cap(timeout.connect),
        "read": cap(timeout.read),
        "write": cap(timeout.write),
        "pool": cap(timeout.pool),
    }
    return content, timeouts


def _build_request(
    client: httpx.AsyncClient,
    request: HttpRequest,
    timeout: Timeout,
    *,
    budget: float | None,
    extensions: dict[str, typing.Any] | None = None,
) -> httpx.Request:
    """The httpx request of one attempt (see :func:`_attempt_parts`)."""
    content, timeouts = _attempt_parts(request, timeout, budget)
    return client.build_request(
        request.method,
        request.url,
        params=encode_params(request.params),
        headers=dict(request.headers),
        content=content,
        timeout=httpx.Timeout(**timeouts),
        extensions=extensions,
    )


def _write_trace(
    on_write: typing.Callable[[], None],
) -> typing.Callable[[str, dict[str, typing.Any]], typing.Awaitable[None]]:
    """An httpcore ``trace`` extension calling ``on_write`` when the request is written."""

    async def trace(event: str, info: dict[str, typing.Any]) -> None:
        if event in _WRITE_STARTED:
            on_write()

    return trace
