"""Requests, responses and the exceptions an emulator handler raises.

A handler is ``async def handler(request: Request) -> Response``. It reads the
request with :meth:`Request.json`, :meth:`Request.form`,
:meth:`Request.multipart` or :meth:`Request.stream`, and either returns a
response built with :func:`json_response` / :func:`text_response` /
:func:`empty_response`, or raises :class:`HTTPError` (rendered in the
provider's error-body shape) or :class:`DropConnection`.
"""

from __future__ import annotations

import json
import typing
import urllib.parse
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping, MutableMapping

import attrs
import httpx
from typing_extensions import Unpack

from .._signatures import expand_unpacked_kwargs, keyword_defaults, with_defaults
from ._multipart import FormData, MultipartError, parse_multipart, parse_options_header

__all__ = [
    "ASGIApp",
    "ClientDisconnect",
    "DropConnection",
    "ErrorDetails",
    "HTTPError",
    "Message",
    "Receive",
    "Request",
    "Response",
    "Scope",
    "Send",
    "default_error_code",
    "empty_response",
    "json_response",
    "text_response",
]

# The same shapes as httpx.ASGITransport's, so that an emulator type-checks as its app.
Scope = MutableMapping[str, typing.Any]
Message = MutableMapping[str, typing.Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def default_error_code(status: int) -> str:
    """A stable snake_case error code for an HTTP status."""
    return _ERROR_CODES.get(status, f"http_{status}")


class DropConnection(Exception):
    """Close the connection without sending any response.

    Raised by a handler, or by the fault layer after the handler committed its
    change ("dropped after the write was committed"). The real server closes
    the TCP connection. In-process, it propagates out of the ASGI app before
    ``http.response.start`` is sent, so ``httpx.ASGITransport`` re-raises it
    and labelkit's in-process transport turns it into an
    ``httpx.RemoteProtocolError``.
    """


class ClientDisconnect(Exception):
    """The client went away before the request body was complete."""


class ErrorDetails(typing.TypedDict, total=False):
    """The keywords of an error answer besides its status and message
    (:class:`HTTPError`, :meth:`~labelkit._emulator.EmulatorApp.error_response`).

    ``code`` defaults to :func:`default_error_code` of the status; ``headers`` are
    sent with the answer.
    """

    code: str | None
    headers: Mapping[str, str] | None


keyword_defaults(ErrorDetails, {"code": None, "headers": None})


class HTTPError(Exception):
    """Answer with an error status, rendered in the emulator's error-body shape."""

    def __init__(
        self, status: int, message: str | None = None, **details: Unpack[ErrorDetails]
    ) -> None:
        given = with_defaults(details, ErrorDetails, "HTTPError.__init__")
        self.status = status
        self.code = given["code"] or default_error_code(status)
        self.message = message or self.code.replace("_", " ")
        self.headers = dict(given["headers"] or {})
        super().__init__(f"{status} {self.code}: {self.message}")


expand_unpacked_kwargs(HTTPError)


@attrs.define
class Response:
    """An HTTP response. ``stream``, if set, is sent chunked instead of ``body``.

    ``Content-Length`` is added automatically; don't put it in ``headers``.
    """

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = attrs.Factory(list)
    stream: AsyncIterable[bytes] | None = None

    async def __call__(self, send: Send) -> None:
        """Send this response through an ASGI ``send`` callable."""
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers]
        if self.stream is None:
            raw.append((b"content-length", str(len(self.body)).encode("ascii")))
            await send({"type": "http.response.start", "status": self.status, "headers": raw})
            await send({"type": "http.response.body", "body": self.body})
            return
        await send({"type": "http.response.start", "status": self.status, "headers": raw})
        async for chunk in self.stream:
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


def _header_list(headers: Mapping[str, str] | None) -> list[tuple[str, str]]:
    return list(headers.items()) if headers else []


def json_response(
    data: object, status: int = 200, *, headers: Mapping[str, str] | None = None
) -> Response:
    """A compact JSON response with ``Content-Type: application/json``."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Response(status, body, [("content-type", "application/json"), *_header_list(headers)])


def text_response(
    text: str,
    status: int = 200,
    *,
    headers: Mapping[str, str] | None = None,
    content_type: str = "text/plain; charset=utf-8",
) -> Response:
    """A text response."""
    return Response(
        status, text.encode("utf-8"), [("content-type", content_type), *_header_list(headers)]
    )


def empty_response(status: int = 204, *, headers: Mapping[str, str] | None = None) -> Response:
    """A response without a body."""
    return Response(status, b"", _header_list(headers))


class _BodyIterator:
    """Async iterator over the request body (a class, so that abandoning it is harmless)."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self._done = False

    def __aiter__(self) -> _BodyIterator:
        return self

    async def __anext__(self) -> bytes:
        while not self._done:
            message = await self._request._receive()
            if message["type"] == "http.disconnect":
                self._done = True
                raise ClientDisconnect("client disconnected while sending the body")
            self._done = not message.get("more_body", False)
            chunk: bytes = message.get("body", b"")
            if chunk:
                return chunk
        raise StopAsyncIteration


class _CachedBody:
    def __init__(self, body: bytes) -> None:
        self._body: bytes | None = body

    def __aiter__(self) -> _CachedBody:
        return self

    async def __anext__(self) -> bytes:
        body, self._body = self._body, None
        if not body:
            raise StopAsyncIteration
        return body


class Request:
    """One incoming request, built from an ASGI scope and ``receive``.

    ``path_params`` holds the route's ``{name}`` values, ``route`` the matched
    template, ``credential`` what ``check_auth`` returned.
    """

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.scope = scope
        self._receive = receive
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.path_params: dict[str, str] = {}
        self.route: str | None = None
        self.credential: str | None = None
        self._headers: httpx.Headers | None = None
        self._query: httpx.QueryParams | None = None
        self._body: bytes | None = None
        self._streamed = False
        self._form: FormData | None = None

    @property
    def raw_path(self) -> bytes:
        """The path as sent, still percent-encoded, without the query string."""
        raw: bytes | None = self.scope.get("raw_path")
        return raw if raw is not None else urllib.parse.quote(self.path).encode("ascii")

    @property
    def query_string(self) -> bytes:
        """The raw query string (no ``?``)."""
        return bytes(self.scope.get("query_string", b""))

    @property
    def query(self) -> httpx.QueryParams:
        """Query parameters: a multi-dict (``.get``, ``.get_list``, ``.multi_items``)."""
        if self._query is None:
            self._query = httpx.QueryParams(self.query_string.decode("latin-1"))
        return self._query

    @property
    def headers(self) -> httpx.Headers:
        """Request headers: case-insensitive multi-dict."""
        if self._headers is None:
            self._headers = httpx.Headers(self.scope.get("headers", []))
        return self._headers

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header, or ``""``."""
        return str(self.headers.get("content-type", ""))

    @property
    def client(self) -> tuple[str, int] | None:
        """The peer's ``(host, port)``, when known."""
        client = self.scope.get("client")
        return (str(client[0]), int(client[1])) if client else None

    def stream(self) -> AsyncIterable[bytes]:
        """The body, chunk by chunk as it arrives (once; after :meth:`body` it is cached).

        Raises :class:`ClientDisconnect` if the client goes away mid-body.
        """
        if self._body is not None:
            return _CachedBody(self._body)
        if self._streamed:
            raise RuntimeError("the request body was already consumed")
        self._streamed = True
        return _BodyIterator(self)

    async def body(self) -> bytes:
        """The whole body, read into memory."""
        if self._body is None:
            self._body = b"".join([chunk async for chunk in self.stream()])
        return self._body

    async def json(self, *, require_content_type: bool = True) -> typing.Any:
        """The body parsed as JSON; malformed JSON → :class:`HTTPError` 400.

        With ``require_content_type`` (default), a non-JSON ``Content-Type``
        is answered 415, like a strict server.
        """
        if require_content_type:
            media_type, _ = parse_options_header(self.content_type)
            if media_type != "application/json" and not media_type.endswith("+json"):
                raise HTTPError(415, f"expected application/json, got {media_type or 'nothing'}")
        body = await self.body()
        try:
            return json.loads(body)
        except ValueError as exc:
            raise HTTPError(400, f"malformed JSON body: {exc}", code="invalid_json") from None

    async def form(self) -> FormData:
        """A urlencoded or multipart form; other content types → :class:`HTTPError` 415."""
        media_type, _ = parse_options_header(self.content_type)
        if media_type == "multipart/form-data":
            return await self.multipart()
        if media_type != "application/x-www-form-urlencoded":
            raise HTTPError(415, f"expected a form body, got {media_type or 'nothing'}")
        body = await self.body()
        fields = urllib.parse.parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        return FormData(fields=fields)

    async def multipart(self, *, spool_max_size: int = 1 << 20) -> FormData:
        """Stream-parse a ``multipart/form-data`` body (file parts spool to disk).

        Wrong content type or a malformed body → :class:`HTTPError` 400. The
        files are closed when the request ends.
        """
        if self._form is not None:
            return self._form
        media_type, params = parse_options_header(self.content_type)
        boundary = params.get("boundary", "")
        if media_type != "multipart/form-data" or not boundary:
            raise HTTPError(
                400, "expected a multipart/form-data body with a boundary", code="invalid_multipart"
            )
        try:
            self._form = await parse_multipart(
                self.stream(), boundary.encode("latin-1"), spool_max_size=spool_max_size
            )
        except MultipartError as exc:
            raise HTTPError(
                400, f"malformed multipart body: {exc}", code="invalid_multipart"
            ) from None
        return self._form

    def close(self) -> None:
        """Release temporary files of a parsed multipart body."""
        if self._form is not None:
            self._form.close()
