"""The pieces of one API call that :class:`~labelkit._client.AsyncAPIClient` runs.

A call is built once (:func:`build_call`: the body encoding is decided here
and nowhere else), then attempted, judged and retried by the client. Nothing
here does I/O.
"""

from __future__ import annotations

import functools
import json as jsonlib
import typing
from collections.abc import AsyncIterator, Mapping, Sequence
from urllib.parse import urlencode

import anyio
import attrs

from . import _errors as errors
from ._config import Timeout
from ._files import MultipartBody
from ._http import HttpRequest, HttpResponse, QueryParams
from ._logging import redact_url
from ._models import ResponseValidationError
from ._outgoing import check_headers, exact_length
from ._params import encode_params
from ._types import NotGiven

__all__ = ["UNREAD", "Call", "EnvelopeError", "StreamedBody", "build_call", "json_body"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "x-amz-request-id")

#: The body of a response nobody has parsed yet (or that is not JSON).
UNREAD: typing.Any = object()

Form = typing.Union[Mapping[str, object], Sequence[tuple[str, object]]]


class StreamedBody(typing.Protocol):
    """A request body streamed with a known length, e.g. :class:`~labelkit._files.MultipartBody`.

    ``stream()`` gives a fresh byte stream per attempt; a body that is not
    ``replayable`` is never re-sent.
    """

    @property
    def content_type(self) -> str: ...

    @property
    def length(self) -> int: ...

    @property
    def replayable(self) -> bool: ...

    def stream(self) -> AsyncIterator[bytes]: ...


@attrs.frozen
class EnvelopeError:
    """An error a provider found inside a 2xx body (see ``AsyncAPIClient._check_envelope``).

    The call then fails, or is retried, exactly as if the server had answered
    ``status``. ``cls`` overrides the error class (default: the class of
    ``status``); ``message`` is used when the body names no message.
    """

    status: int
    cls: type[errors.APIStatusError] | None = None
    message: str | None = None


class Call:
    """The state of one call across its attempts."""

    __slots__ = (
        "context",
        "deadline",
        "limits",
        "method",
        "params",
        "path",
        "request",
        "retries",
        "retries_allowed",
        "safe",
        "shown_url",
        "started",
    )

    def __init__(
        self,
        request: HttpRequest,
        *,
        safe: bool,
        limits: Timeout,
        retries_allowed: int,
        context: object,
        started: float,
    ) -> None:
        self.request = request
        self.method = request.method
        self.path = request.url
        self.params = request.params
        self.safe = safe
        self.limits = limits
        self.retries_allowed = retries_allowed
        self.context = context
        self.started = started
        self.deadline: float | None = None
        self.retries = 0
        self.shown_url: str | None = None

    def fits(self, wait: float) -> bool:
        """Whether waiting ``wait`` seconds still leaves time before the call's deadline."""
        return self.deadline is None or anyio.current_time() + wait < self.deadline


def build_call(
    method: str,
    path: str,
    *,
    base_headers: Mapping[str, str],
    params: QueryParams | None,
    json: object,
    form: Form | None,
    multipart: MultipartBody | None,
    streamed: StreamedBody | None,
    headers: Mapping[str, str] | None,
    idempotent: bool | None,
    limits: Timeout,
    retries_allowed: int,
    context: object,
    started: float,
) -> Call:
    """One call, its body encoded: JSON, form, or a streamed body (multipart, base64-in-JSON)."""
    method = method.upper()
    request_headers = check_headers({**base_headers, **headers} if headers else base_headers)
    content: bytes | typing.Callable[[], AsyncIterator[bytes]] | None = None
    if not isinstance(json, NotGiven):
        content = jsonlib.dumps(json, separators=(",", ":"), ensure_ascii=False).encode()
        request_headers.setdefault("Content-Type", "application/json")
    elif form is not None:
        content = urlencode(encode_params(form) or []).encode()
        request_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif multipart is not None or streamed is not None:
        body = multipart if multipart is not None else streamed
        assert body is not None
        content = functools.partial(_exact_stream, body)
        request_headers["Content-Type"] = body.content_type
        request_headers["Content-Length"] = str(body.length)
        if not body.replayable:
            retries_allowed = 0
    return Call(
        HttpRequest(method, path, request_headers, params, content),
        safe=method in IDEMPOTENT_METHODS if idempotent is None else idempotent,
        limits=limits,
        retries_allowed=retries_allowed,
        context=context,
        started=started,
    )


def _exact_stream(body: StreamedBody) -> AsyncIterator[bytes]:
    """A fresh stream of ``body``, checked against the ``Content-Length`` sent for it."""
    return exact_length(body.stream(), body.length)


def json_body(response: HttpResponse, method: str) -> typing.Any:
    """The JSON body of ``response`` (empty → ``None``); raises ResponseValidationError."""
    body = try_json_body(response)
    if body is UNREAD:
        kind = response.headers.get("content-type", "no content type")
        raise ResponseValidationError(
            f"expected a JSON body, got {kind}",
            path=f"{method} {redact_url(response.url)}",
            body=response.text[:500],
        )
    return body


def try_json_body(response: HttpResponse) -> typing.Any:
    """The JSON body of ``response`` (empty → ``None``), or :data:`UNREAD` if it is not JSON."""
    if not response.content.strip():
        return None
    try:
        return jsonlib.loads(response.content)
    # RecursionError: nested deeper than the parser goes ("[[[[...": no API sends that).
    except (ValueError, RecursionError):
        return UNREAD


def request_id(response: HttpResponse | typing.Any) -> str | None:
    """The server's request id header, if any (``response.headers`` has lower-case keys)."""
    for name in _REQUEST_ID_HEADERS:
        if name in response.headers:
            return typing.cast(str, response.headers[name])
    return None


def str_or_none(value: object) -> str | None:
    return None if value is None else str(value)
