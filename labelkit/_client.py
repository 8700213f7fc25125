"""The async core every provider client stands on.

:class:`AsyncAPIClient` owns the connection pool, timeouts, the shared rate
limiter, retries, error mapping and logging. A provider subclass only knows
its endpoints and models: it calls :meth:`AsyncAPIClient._request` (or
``_request_json``) and never re-implements any of these mechanisms.
"""

from __future__ import annotations

import json as jsonlib
import os
import ssl
import time
import typing
from collections.abc import AsyncIterator, Mapping, Sequence
from urllib.parse import urlencode, urlsplit

import anyio
import attrs

from . import _errors as errors
from ._bulk import BulkRun, bulk
from ._config import RateLimit, RetryPolicy, Timeout
from ._files import MultipartBody
from ._http import (
    AsyncTransport,
    HttpRequest,
    HttpResponse,
    HttpSession,
    QueryParams,
    TransportError,
)
from ._journal import Journal
from ._logging import CallRecord, emit, recording, redact_text, redact_url
from ._models import ResponseValidationError
from ._ratelimit import Limiter, shared_limiter
from ._retry import backoff, parse_retry_after, safe_to_resend_status
from ._types import NOT_GIVEN, NotGiven
from ._validate import ArgumentChecked

__all__ = ["AsyncAPIClient"]

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "x-amz-request-id")

ItemT = typing.TypeVar("ItemT")
ResultT = typing.TypeVar("ResultT")
Self = typing.TypeVar("Self", bound="AsyncAPIClient")


_DEFAULT_MAX_RETRIES = RetryPolicy().max_retries


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


class AsyncAPIClient(ArgumentChecked):
    """Base of every async provider client (not used directly).

    Subclasses set ``provider``, ``default_base_url``, ``base_url_env`` and
    ``default_rate_limit`` and pass their credential and auth headers to
    ``__init__``. Closing the client (``aclose()`` or ``async with``) closes
    its sockets.
    """

    provider: typing.ClassVar[str] = ""
    default_base_url: typing.ClassVar[str] = ""
    base_url_env: typing.ClassVar[str | None] = None
    default_rate_limit: typing.ClassVar[RateLimit | None] = None

    def __init__(
        self,
        *,
        credential: str,
        auth_headers: Mapping[str, str],
        base_url: str | None,
        timeout: float | Timeout | None,
        max_retries: int,
        retry: RetryPolicy | None,
        rate_limit: RateLimit | Limiter | NotGiven | None,
        max_connections: int,
        proxy: str | None,
        verify: bool | str | ssl.SSLContext,
        cert: str | tuple[str, str] | None,
        transport: AsyncTransport | None,
        app: typing.Any,
        default_headers: Mapping[str, str] | None,
    ) -> None:
        resolved = base_url or (os.environ.get(self.base_url_env) if self.base_url_env else None)
        resolved = (resolved or self.default_base_url).rstrip("/") + "/"
        if app is not None and base_url is None:
            resolved = "http://emulator" + urlsplit(resolved).path
        self._secrets: tuple[str, ...] = (credential,)
        self._timeout = Timeout.of(timeout)
        self._retry = retry or RetryPolicy()
        # max_retries= overrides the policy's count unless it is the default and a
        # policy was given: RetryPolicy(max_retries=6) alone must not become 2.
        if retry is None or max_retries != _DEFAULT_MAX_RETRIES:
            self._retry = attrs.evolve(self._retry, max_retries=max_retries)
        self._session = HttpSession(
            base_url=resolved,
            headers={"Accept": "application/json", **(default_headers or {}), **auth_headers},
            max_connections=max_connections,
            proxy=proxy,
            verify=verify,
            cert=cert,
            transport=transport,
            app=app,
        )
        self._limiter: Limiter | None
        if isinstance(rate_limit, Limiter):
            # A limiter of the caller's: e.g. one on a RedisStore shared by many processes.
            self._limiter = rate_limit
        else:
            rate = self.default_rate_limit if isinstance(rate_limit, NotGiven) else rate_limit
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(self._session.base_url))
            self._limiter = shared_limiter(self.provider, origin, credential, rate)
        self._max_in_flight = max_connections
        self._in_flight: anyio.CapacityLimiter | None = None

    # -- public --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The base URL requests are sent to."""
        return self._session.base_url

    async def aclose(self) -> None:
        """Close the connection pool. The client cannot be used afterwards."""
        await self._session.aclose()

    async def __aenter__(self: Self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def bulk(
        self,
        fn: typing.Callable[[ItemT], typing.Awaitable[ResultT]],
        items: typing.Iterable[ItemT] | typing.AsyncIterable[ItemT],
        *,
        concurrency: int = 16,
        on_progress: typing.Callable[[typing.Any], object] | None = None,
        journal: Journal | str | os.PathLike[str] | None = None,
        key: typing.Callable[[ItemT], str | typing.Awaitable[str]] | None = None,
        resolve: typing.Callable[[ItemT], typing.Awaitable[ResultT | None]] | None = None,
        remote_id: typing.Callable[[ResultT], object] | None = None,
    ) -> BulkRun[ItemT, ResultT]:
        """Run ``fn`` over ``items`` with at most ``concurrency`` calls in flight.

        Yields one :class:`~labelkit.Outcome` per item (ok, failed or
        ambiguous) in completion order; one failure never stops the rest.
        Every call still goes through this client's rate limiter and retries.
        ``journal``, ``key``, ``resolve`` and ``remote_id`` make the job
        resumable without duplicates, as in :func:`~labelkit.bulk`.
        """
        return bulk(
            fn,
            items,
            concurrency=concurrency,
            on_progress=on_progress,
            journal=journal,
            key=key,
            resolve=resolve,
            remote_id=remote_id,
        )

    # -- for providers -------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: object = NOT_GIVEN,
        form: Mapping[str, object] | Sequence[tuple[str, object]] | None = None,
        multipart: MultipartBody | None = None,
        streamed: StreamedBody | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> HttpResponse:
        """Send a request with retries, the rate limiter and the call deadline.

        ``idempotent`` defaults by method (GET, PUT, DELETE... yes; POST,
        PATCH no). A non-idempotent request is re-sent only when it provably
        never reached the server, or was rejected before processing (408,
        425, 429); a failure after it may have been processed raises
        :class:`~labelkit.AmbiguousResultError`. Pass ``idempotent=True`` for a
        create protected by an idempotency key.
        """
        method = method.upper()
        safe = method in _IDEMPOTENT_METHODS if idempotent is None else idempotent
        limits = self._timeout if isinstance(timeout, NotGiven) else Timeout.of(timeout)
        retries_allowed = (
            self._retry.max_retries if isinstance(max_retries, NotGiven) else max_retries
        )
        request_headers = dict(headers or {})
        content: bytes | typing.Callable[[], AsyncIterator[bytes]] | None = None
        if not isinstance(json, NotGiven):
            content = jsonlib.dumps(json, separators=(",", ":"), ensure_ascii=False).encode()
            request_headers.setdefault("Content-Type", "application/json")
        elif form is not None:
            content = _form_encode(form).encode()
            request_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif multipart is not None or streamed is not None:
            body = multipart if multipart is not None else streamed
            assert body is not None
            content = body.stream
            request_headers["Content-Type"] = body.content_type
            request_headers["Content-Length"] = str(body.length)
            if not body.replayable:
                retries_allowed = 0
        request = HttpRequest(method, path, request_headers, params, content)
        known_url: list[str] = []

        def url() -> str:
            # Built only for errors and logs: httpx builds a whole request for it.
            if not known_url:
                known_url.append(redact_url(self._session.absolute_url(path, params)))
            return known_url[0]

        started = time.monotonic()
        deadline: float | None = None
        retries = 0

        def fail(exc: errors.LabelkitError, status: int | None = None) -> errors.LabelkitError:
            request_id = getattr(exc, "request_id", None)
            emit(
                CallRecord(
                    method,
                    url(),
                    status,
                    retries,
                    time.monotonic() - started,
                    request_id,
                    type(exc).__name__,
                )
            )
            return exc

        if self._in_flight is None:
            self._in_flight = anyio.CapacityLimiter(self._max_in_flight)
        while True:
            response: HttpResponse | None = None
            transport_error: TransportError | None = None
            # A rate-limit slot is taken only once a connection can be had:
            # a slot granted to a request that then queues in the pool is
            # spent at the wrong time, and the server counts arrivals.
            async with self._in_flight:
                slot = await self._limiter.hold() if self._limiter is not None else None
                now = anyio.current_time()
                if deadline is None and limits.total is not None:
                    deadline = now + limits.total
                budget = None if deadline is None else deadline - now
                if budget is not None and budget <= 0:
                    transport_error = TransportError(
                        "overall deadline exceeded", kind="deadline_timeout", sent=False
                    )
                else:
                    with anyio.CancelScope(
                        deadline=deadline if deadline is not None else float("inf")
                    ) as scope:
                        try:
                            response = await self._session.send(
                                request,
                                limits,
                                budget=budget,
                                on_write=None if slot is None else slot.commit,
                            )
                        except TransportError as exc:
                            transport_error = exc
                    if scope.cancelled_caught:
                        transport_error = TransportError(
                            f"overall deadline of {limits.total}s exceeded",
                            kind="deadline_timeout",
                            sent=True,
                        )
                if slot is not None:
                    # Transports without httpcore's trace (in-process, mocks) never
                    # reported the write: date the start now, or free it if unsent.
                    if transport_error is not None and not transport_error.sent:
                        slot.release()
                    else:
                        slot.commit()

            if transport_error is not None:
                error = self._connection_error(transport_error, method, url(), retries)
                may_resend = safe or not transport_error.sent
                wait = backoff(self._retry, retries)
                if may_resend and retries < retries_allowed and _fits(deadline, wait):
                    await anyio.sleep(wait)
                    retries += 1
                    continue
                if not may_resend:
                    raise fail(self._ambiguous(error, method, url())) from error
                raise fail(error) from transport_error

            assert response is not None
            if 200 <= response.status < 300:
                if recording():
                    emit(
                        CallRecord(
                            method,
                            url(),
                            response.status,
                            retries,
                            time.monotonic() - started,
                            _request_id(response),
                        )
                    )
                return response

            status_error = self._status_error(response, method, url(), retries)
            retry_after = parse_retry_after(response.headers)
            if response.status == 429 and retry_after is not None and self._limiter is not None:
                # Everyone sharing this credential backs off together.
                self._limiter.pause_for(min(retry_after, self._retry.max_retry_after))
            retryable_status = response.status in self._retry.retry_statuses
            may_resend = safe or safe_to_resend_status(response.status)
            if retryable_status and may_resend and retries < retries_allowed:
                if retry_after is not None and retry_after > self._retry.max_retry_after:
                    raise fail(status_error, response.status)
                wait = retry_after if retry_after is not None else backoff(self._retry, retries)
                if _fits(deadline, wait):
                    await anyio.sleep(wait)
                    retries += 1
                    continue
            if retryable_status and not may_resend:
                raise fail(
                    self._ambiguous(status_error, method, url()), response.status
                ) from status_error
            raise fail(status_error, response.status)

    async def _request_json(self, method: str, path: str, **kwargs: typing.Any) -> typing.Any:
        """:meth:`_request`, then parse the JSON body (empty body → ``None``)."""
        response = await self._request(method, path, **kwargs)
        if not response.content.strip():
            return None
        try:
            return jsonlib.loads(response.content)
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            raise ResponseValidationError(
                f"expected a JSON body, got {kind}",
                path=f"{method} {redact_url(response.url)}",
                body=response.text[:500],
            ) from None

    def _error_details(self, body: object) -> tuple[str | None, str | None]:
        """``(code, message)`` from an error body; providers override for their shape."""
        if isinstance(body, Mapping):
            err = body.get("error", body.get("errors"))
            if isinstance(err, list) and err:
                err = err[0]
            if isinstance(err, Mapping):
                code = err.get("code") or err.get("type") or body.get("code")
                message = err.get("message") or err.get("detail") or body.get("message")
                return _str_or_none(code), _str_or_none(message)
            if isinstance(err, str):
                return _str_or_none(body.get("code")), err
            return _str_or_none(body.get("code")), _str_or_none(
                body.get("message") or body.get("detail") or body.get("msg")
            )
        return None, None

    def _status_error(
        self, response: HttpResponse, method: str, url: str, retries: int
    ) -> errors.APIStatusError:
        body: object
        try:
            body = jsonlib.loads(response.content) if response.content.strip() else None
        except ValueError:
            body = response.text
        code, message = self._error_details(body)
        if message is None:
            snippet = response.text.strip()[:200] if isinstance(body, str) else ""
            message = response.reason + (f": {snippet}" if snippet else "")
        message = redact_text(message, self._secrets)
        cls = errors.status_error_class(response.status)
        kwargs: dict[str, typing.Any] = dict(
            status=response.status,
            code=code,
            request_id=_request_id(response),
            body=body,
            method=method,
            url=url,
            retries_taken=retries,
        )
        if cls is errors.RateLimitError:
            kwargs["retry_after"] = parse_retry_after(response.headers)
        return cls(message, **kwargs)

    def _connection_error(
        self, error: TransportError, method: str, url: str, retries: int
    ) -> errors.APIConnectionError:
        cls = errors.APITimeoutError if error.is_timeout else errors.APIConnectionError
        message = redact_text(f"{error.kind.replace('_', ' ')}: {error}", self._secrets)
        return cls(message, method=method, url=url, retries_taken=retries, sent=error.sent)

    @staticmethod
    def _ambiguous(error: errors.APIError, method: str, url: str) -> errors.AmbiguousResultError:
        return errors.AmbiguousResultError(
            f"{method} {url} may or may not have taken effect ({error}); "
            "it was not re-sent, look the object up before creating it again",
            error=error,
            method=method,
            url=url,
        )


def _fits(deadline: float | None, wait: float) -> bool:
    return deadline is None or anyio.current_time() + wait < deadline


def _request_id(response: HttpResponse) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        if name in response.headers:
            return response.headers[name]
    return None


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _form_encode(form: Mapping[str, object] | Sequence[tuple[str, object]]) -> str:
    items = form.items() if isinstance(form, Mapping) else form
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if v is None:
                continue
            pairs.append((key, ("true" if v else "false") if isinstance(v, bool) else str(v)))
    return urlencode(pairs)
