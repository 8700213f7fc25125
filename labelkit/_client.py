"""The async core every provider client stands on.

:class:`AsyncAPIClient` owns the connection pool, timeouts, the shared rate
limiter, retries, error mapping and logging. A provider subclass only knows
its endpoints and models: it calls :meth:`AsyncAPIClient._request` (or
``_request_json``) and never re-implements any of these mechanisms.
"""

from __future__ import annotations

import contextlib
import copy
import json as jsonlib
import os
import ssl
import time
import typing
import warnings
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

import anyio
import attrs

from . import _errors as errors
from ._bulk import BulkRun, bulk
from ._config import PollPolicy, RateLimit, RetryPolicy, Timeout
from ._files import MultipartBody
from ._http import (
    AsyncTransport,
    HttpRequest,
    HttpResponse,
    HttpSession,
    QueryParams,
    StreamedResponse,
    TransportError,
)
from ._journal import Journal
from ._logging import CallRecord, SecretRedactor, emit, recording, redact_text, redact_url
from ._models import ResponseValidationError
from ._pipeline import (
    IDEMPOTENT_METHODS,
    UNREAD,
    Call,
    EnvelopeError,
    StreamedBody,
    build_call,
    json_body,
    request_id,
    str_or_none,
    try_json_body,
)
from ._ratelimit import Limiter, shared_limiter
from ._retry import backoff, parse_retry_after, safe_to_resend_status
from ._types import NOT_GIVEN, NotGiven

__all__ = ["AsyncAPIClient", "EnvelopeError", "StreamedBody"]

ItemT = typing.TypeVar("ItemT")
ResultT = typing.TypeVar("ResultT")
ValueT = typing.TypeVar("ValueT")
Self = typing.TypeVar("Self", bound="AsyncAPIClient")


_DEFAULT_MAX_RETRIES = RetryPolicy().max_retries
_IN_PROCESS_ORIGIN = "http://asgi-app.invalid"


class AsyncAPIClient:
    """Base of every async provider client (not used directly).

    Subclasses set ``provider``, ``default_base_url``, ``base_url_env`` and
    ``default_rate_limit`` and pass their credential and auth headers to
    ``__init__``. Closing the client (``aclose()`` or ``async with``) closes
    its sockets.

    Secrets: the credential and the auth header values (and the part after
    their scheme, e.g. ``Bearer``) are redacted, in every encoding
    :func:`~labelkit._logging.secret_forms` derives, from every error this
    client raises: message, code, body and URL. A provider that knows more
    (an OAuth consumer secret, a token it mints) registers each with
    :meth:`_add_secrets`, and redacts anything it raises itself with
    :meth:`_redact`.

    The provider API (everything else here is the core's own): sending
    :meth:`_request`, :meth:`_request_json` (``parse=``), :meth:`_read_json`,
    :meth:`_stream` (a signed-URL download); hooks :meth:`_prepare_attempt`
    (per attempt, e.g. signing), :meth:`_check_envelope` (an error inside a
    2xx), :meth:`_error_details` and :meth:`_status_error` (error shapes),
    :meth:`_bind_resources`; helpers :meth:`_absolute_url`,
    :meth:`_add_secrets`, :meth:`_redact`, and ``_poll``.
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
        if app is not None:
            warnings.warn(
                "app= is deprecated and will be removed in the next release: pass "
                "transport= (an httpx transport) and base_url= instead; see labelkit.emulators",
                DeprecationWarning,
                stacklevel=3,
            )
            if base_url is None:
                # Any in-process ASGI app: keep the API's path, on a host that resolves nowhere.
                resolved = _IN_PROCESS_ORIGIN + urlsplit(resolved).path
        self._credential = credential
        self._redactor = SecretRedactor([credential])
        for value in auth_headers.values():
            self._redactor.add(value, value.partition(" ")[2])
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
        self._headers: Mapping[str, str] = {}
        # The hooks cost nothing for a provider that does not override them.
        cls = type(self)
        self._prepares_attempts = cls._prepare_attempt is not AsyncAPIClient._prepare_attempt
        self._checks_envelope = cls._check_envelope is not AsyncAPIClient._check_envelope

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

    def with_options(
        self: Self,
        *,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry: RetryPolicy | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        poll: PollPolicy | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A copy of this client with some options changed, e.g. for one call.

        The copy shares this client's connection pool, rate limiter and
        in-flight cap, so it costs nothing and both count against the same
        limits; closing either closes the shared pool. ``default_headers``
        are added to this client's; ``poll`` is the default policy of the
        copy's waits (for providers that have waits)::

            slow = client.with_options(timeout=120, max_retries=5)
        """
        clone = copy.copy(self)
        if not isinstance(timeout, NotGiven):
            clone._timeout = Timeout.of(timeout)
        if not isinstance(retry, NotGiven):
            clone._retry = retry
        if not isinstance(max_retries, NotGiven):
            clone._retry = attrs.evolve(clone._retry, max_retries=max_retries)
        if not isinstance(default_headers, NotGiven):
            clone._headers = {**self._headers, **default_headers}
        if not isinstance(poll, NotGiven):
            if not hasattr(self, "_poll"):
                raise TypeError(f"{type(self).__name__} has no waits: poll= does not apply")
            clone._poll = poll
        clone._bind_resources()
        return clone

    # -- for providers -------------------------------------------------------------

    _poll: PollPolicy
    """The default policy of a provider's waits, if it has any."""

    def _bind_resources(self) -> None:
        """Build the provider's sub-resources bound to this client.

        Called once by the provider's ``__init__`` and again on every
        :meth:`with_options` copy, so a copy's resources use the copy.
        """

    def _add_secrets(self, *secrets: str | None) -> None:
        """Redact ``secrets`` too (and their encodings) from everything this client raises.

        The one hook for a provider's derived credentials: a Basic token, an
        OAuth consumer key and secret, a JWT it mints. Empty values are ignored.
        """
        self._redactor.add(*secrets)

    def _redact(self, value: ValueT) -> ValueT:
        """``value`` (text, or dicts/lists/tuples of it) without any secret this client knows."""
        return self._redactor.value(value)

    def _absolute_url(self, path: str, params: QueryParams | None = None) -> str:
        """The absolute URL a request to ``path`` goes to (e.g. to sign it)."""
        return self._session.absolute_url(path, params)

    def _prepare_attempt(self, request: HttpRequest, context: typing.Any) -> HttpRequest:
        """The request to send on this attempt; called before every attempt, retries included.

        Runs once the rate-limit slot is held, right before sending, so a
        signature made here (an OAuth nonce and timestamp) is fresh on every
        attempt. ``context`` is what the provider passed as ``_request(context=...)``.
        """
        return request

    def _check_envelope(self, response: HttpResponse, body: typing.Any) -> EnvelopeError | None:
        """An error a provider's API reports inside a 2xx ``response`` with JSON ``body``, or None.

        The call then goes through the same retry decision and error types as
        a real status; only called when a provider overrides it (the body is
        then parsed once, here, and reused by ``_request_json``).
        """
        return None

    async def _request(
        self,
        method: str,
        path: str,
        **kwargs: typing.Any,
    ) -> HttpResponse:
        """Send a request with retries, the rate limiter and the call deadline.

        Keywords as :meth:`_send`.
        """
        response, _ = await self._send(method, path, **kwargs)
        return response

    async def _send(
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
        context: object = None,
    ) -> tuple[HttpResponse, typing.Any]:
        """Send a request; the 2xx response and its JSON body if already parsed (else ``UNREAD``).

        At most one of ``json``, ``form``, ``multipart`` and ``streamed`` is the
        body. ``idempotent`` defaults by method (GET, PUT, DELETE... yes; POST,
        PATCH no). A non-idempotent request is re-sent only when it provably
        never reached the server, or was rejected before processing (408,
        425, 429); a failure after it may have been processed raises
        :class:`~labelkit.AmbiguousResultError`. Pass ``idempotent=True`` for a
        create protected by an idempotency key. ``context`` is handed to
        :meth:`_prepare_attempt` on every attempt.
        """
        call = build_call(
            method,
            path,
            base_headers=self._headers,
            params=params,
            json=json,
            form=form,
            multipart=multipart,
            streamed=streamed,
            headers=headers,
            idempotent=idempotent,
            limits=self._timeout if isinstance(timeout, NotGiven) else Timeout.of(timeout),
            retries_allowed=(
                self._retry.max_retries if isinstance(max_retries, NotGiven) else max_retries
            ),
            context=context,
            started=time.monotonic(),
        )
        while True:
            outcome = await self._attempt(call)
            status_error: errors.APIStatusError | None = None
            if isinstance(outcome, HttpResponse):
                body = UNREAD
                if 200 <= outcome.status < 300:
                    if not self._checks_envelope:
                        self._record_success(call, outcome)
                        return outcome, body
                    body = try_json_body(outcome)
                    envelope = None if body is UNREAD else self._check_envelope(outcome, body)
                    if envelope is None:
                        self._record_success(call, outcome)
                        return outcome, body
                    status_error = self._envelope_error(call, outcome, envelope, body)
                else:
                    status_error = self._status_error(
                        outcome, call.method, self._call_url(call), call.retries
                    )
            wait = self._should_retry(call, outcome, status_error)
            if wait is not None:
                await anyio.sleep(wait)
                call.retries += 1
                continue
            self._raise_failure(call, outcome, status_error)

    async def _attempt(self, call: Call) -> HttpResponse | TransportError:
        """One attempt: the in-flight cap, a rate-limit slot, the deadline, the send."""
        # A rate-limit slot is taken only once a connection can be had:
        # a slot granted to a request that then queues in the pool is
        # spent at the wrong time, and the server counts arrivals.
        async with self._session.in_flight:
            slot = await self._limiter.hold() if self._limiter is not None else None
            now = anyio.current_time()
            limits = call.limits
            if call.deadline is None and limits.total is not None:
                call.deadline = now + limits.total
            deadline = call.deadline
            budget = None if deadline is None else deadline - now
            outcome: HttpResponse | TransportError
            if budget is not None and budget <= 0:
                outcome = TransportError(
                    "overall deadline exceeded", kind="deadline_timeout", sent=False
                )
            else:
                request = call.request
                if self._prepares_attempts:
                    request = self._prepare_attempt(request, call.context)
                with anyio.CancelScope(
                    deadline=deadline if deadline is not None else float("inf")
                ) as scope:
                    try:
                        outcome = await self._session.send(
                            request,
                            limits,
                            budget=budget,
                            on_write=None if slot is None else slot.commit,
                        )
                    except TransportError as exc:
                        outcome = exc
                if scope.cancelled_caught:
                    outcome = TransportError(
                        f"overall deadline of {limits.total}s exceeded",
                        kind="deadline_timeout",
                        sent=True,
                    )
            if slot is not None:
                # Transports without httpcore's trace (in-process, mocks) never
                # reported the write: date the start now, or free it if unsent.
                if isinstance(outcome, TransportError) and not outcome.sent:
                    slot.release()
                else:
                    slot.commit()
        return outcome

    def _should_retry(
        self,
        call: Call,
        outcome: HttpResponse | TransportError,
        status_error: errors.APIStatusError | None,
    ) -> float | None:
        """Seconds to wait before the next attempt, or None: the call fails now.

        A failed send is re-sent if the request is idempotent or provably
        never left; a status (real, or from an envelope) if it is one of the
        policy's ``retry_statuses`` and safe to re-send, its Retry-After is
        within ``max_retry_after``. Either way only while retries are left
        and the wait ends before the call's deadline. A 429's Retry-After
        pauses everyone sharing the rate limiter.
        """
        policy = self._retry
        if isinstance(outcome, TransportError):
            if not (call.safe or not outcome.sent) or call.retries >= call.retries_allowed:
                return None
            wait = backoff(policy, call.retries)
            return wait if call.fits(wait) else None
        assert status_error is not None
        status = status_error.status
        retry_after = parse_retry_after(outcome.headers)
        if status == 429 and retry_after is not None and self._limiter is not None:
            # Everyone sharing this credential backs off together.
            self._limiter.pause_for(min(retry_after, policy.max_retry_after))
        if (
            status not in policy.retry_statuses
            or not (call.safe or safe_to_resend_status(status))
            or call.retries >= call.retries_allowed
        ):
            return None
        if retry_after is not None and retry_after > policy.max_retry_after:
            return None
        wait = retry_after if retry_after is not None else backoff(policy, call.retries)
        return wait if call.fits(wait) else None

    def _raise_failure(
        self,
        call: Call,
        outcome: HttpResponse | TransportError,
        status_error: errors.APIStatusError | None,
    ) -> typing.NoReturn:
        """Raise the error a failed call ends with (ambiguous when it may have taken effect)."""
        url = self._call_url(call)
        if isinstance(outcome, TransportError):
            error = self._connection_error(outcome, call.method, url, call.retries)
            if not (call.safe or not outcome.sent):
                raise self._record_failure(
                    call, self._ambiguous(error, call.method, url)
                ) from error
            raise self._record_failure(call, error) from outcome
        assert status_error is not None
        status = status_error.status
        if status in self._retry.retry_statuses and not (
            call.safe or safe_to_resend_status(status)
        ):
            raise self._record_failure(
                call, self._ambiguous(status_error, call.method, url), outcome.status
            ) from status_error
        raise self._record_failure(call, status_error, outcome.status)

    def _call_url(self, call: Call) -> str:
        # Built only for errors and logs: httpx builds a whole request for it.
        if call.shown_url is None:
            call.shown_url = self._redact(
                redact_url(self._session.absolute_url(call.path, call.params))
            )
        return call.shown_url

    def _record_success(self, call: Call, response: HttpResponse) -> None:
        if recording():
            emit(
                CallRecord(
                    call.method,
                    self._call_url(call),
                    response.status,
                    call.retries,
                    time.monotonic() - call.started,
                    request_id(response),
                )
            )

    def _record_failure(
        self, call: Call, exc: errors.LabelkitError, status: int | None = None
    ) -> errors.LabelkitError:
        emit(
            CallRecord(
                call.method,
                self._call_url(call),
                status,
                call.retries,
                time.monotonic() - call.started,
                getattr(exc, "request_id", None),
                type(exc).__name__,
            )
        )
        return exc

    @contextlib.asynccontextmanager
    async def _stream(
        self,
        method: str,
        url: str,
        *,
        shown_url: str | None = None,
        omit_headers: Collection[str] = ("Authorization", "Content-Type"),
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[StreamedResponse]:
        """Open ``url`` (e.g. a signed storage URL) and hand back the response before its body.

        For downloads off the API host: no rate-limit slot is taken (the in-flight
        cap is) and ``omit_headers`` (by default the API's credential) are not
        sent. Failures before the body are retried as for any idempotent
        call; a non-2xx answer raises the status's :class:`~labelkit.APIStatusError`
        (its body cut to 500 bytes), a failed send :class:`~labelkit.APIConnectionError`.
        ``shown_url`` is the URL errors show (default: ``url`` without its
        query, the credential of a signed URL); per-phase timeouts apply,
        the overall one does not (a large body may take longer). A broken
        body read raises :class:`~labelkit._http.TransportError`, mapped here too.
        """
        shown = shown_url if shown_url is not None else _without_query(url)
        call = build_call(
            method,
            url,
            base_headers={},
            params=None,
            json=NOT_GIVEN,
            form=None,
            multipart=None,
            streamed=None,
            headers=None,
            idempotent=None,
            limits=self._timeout,
            retries_allowed=(
                self._retry.max_retries if isinstance(max_retries, NotGiven) else max_retries
            ),
            context=None,
            started=time.monotonic(),
        )
        call.shown_url = self._redact(shown)
        secrets = (url,)
        while True:
            try:
                async with self._session.in_flight:
                    async with self._session.open_stream(
                        call.request, call.limits, omit_headers=omit_headers
                    ) as response:
                        if 200 <= response.status < 300:
                            try:
                                yield response
                            except TransportError as exc:
                                raise self._connection_error(
                                    exc, call.method, call.shown_url, call.retries
                                ) from exc
                            return
                        snippet = await _head(response, 500)
                        read = HttpResponse(
                            response.status,
                            response.headers,
                            redact_text(snippet.decode("utf-8", "replace"), secrets).encode(),
                            call.shown_url,
                            0.0,
                        )
                        outcome: HttpResponse | TransportError = read
                        status_error: errors.APIStatusError | None = self._status_error(
                            read, call.method, call.shown_url, call.retries
                        )
            except TransportError as exc:
                outcome, status_error = exc, None
            wait = self._should_retry(call, outcome, status_error)
            if wait is None:
                self._raise_failure(call, outcome, status_error)
            await anyio.sleep(wait)
            call.retries += 1

    @typing.overload
    async def _request_json(
        self, method: str, path: str, *, parse: None = None, **kwargs: typing.Any
    ) -> typing.Any: ...

    @typing.overload
    async def _request_json(
        self,
        method: str,
        path: str,
        *,
        parse: typing.Callable[[typing.Any], ResultT],
        **kwargs: typing.Any,
    ) -> ResultT: ...

    async def _request_json(
        self,
        method: str,
        path: str,
        *,
        parse: typing.Callable[[typing.Any], typing.Any] | None = None,
        **kwargs: typing.Any,
    ) -> typing.Any:
        """:meth:`_send`, then the JSON body (empty → ``None``), through ``parse`` if given.

        See :meth:`_read_json` for an answer that cannot be read.
        """
        response, body = await self._send(method, path, **kwargs)
        return self._read_json(
            response, method, idempotent=kwargs.get("idempotent"), parse=parse, body=body
        )

    def _read_json(
        self,
        response: HttpResponse,
        method: str,
        *,
        idempotent: bool | None = None,
        parse: typing.Callable[[typing.Any], typing.Any] | None = None,
        body: typing.Any = UNREAD,
    ) -> typing.Any:
        """The JSON body of a 2xx ``response`` (empty → ``None``), through ``parse`` if given.

        A body that is not JSON (a proxy's HTML page, a truncated answer) or
        that ``parse`` rejects with :class:`ResponseValidationError` raises it
        for an idempotent request; for any other (a create) it raises
        :class:`~labelkit.AmbiguousResultError` whose ``error`` is that
        ResponseValidationError: the server accepted the request, so the
        object may well exist and must be looked up, never created again.
        ``body`` is the already parsed JSON body, if any.
        """
        try:
            data = json_body(response, method) if body is UNREAD else body
            return data if parse is None else parse(data)
        except ResponseValidationError as exc:
            if (method.upper() in IDEMPOTENT_METHODS) if idempotent is None else idempotent:
                raise
            url = self._redact(redact_url(response.url))
            raise errors.AmbiguousResultError(
                f"{method} {url} was answered {response.status} but the answer could not be "
                f"read ({exc}); it may have taken effect and was not re-sent: look the object "
                "up before creating it again",
                error=exc,
                method=method,
                url=url,
            ) from exc

    def _error_details(self, body: object) -> tuple[str | None, str | None]:
        """``(code, message)`` from an error body; providers override for their shape."""
        if isinstance(body, Mapping):
            err = body.get("error", body.get("errors"))
            if isinstance(err, list) and err:
                err = err[0]
            if isinstance(err, Mapping):
                code = err.get("code") or err.get("type") or body.get("code")
                message = err.get("message") or err.get("detail") or body.get("message")
                return str_or_none(code), str_or_none(message)
            if isinstance(err, str):
                return str_or_none(body.get("code")), err
            return str_or_none(body.get("code")), str_or_none(
                body.get("message") or body.get("detail") or body.get("msg")
            )
        return None, None

    def _status_error(
        self, response: HttpResponse, method: str, url: str, retries: int
    ) -> errors.APIStatusError:
        """The error a non-2xx ``response`` raises (providers may refine it)."""
        body: object
        try:
            body = jsonlib.loads(response.content) if response.content.strip() else None
        except ValueError:
            body = response.text
        return self._make_status_error(
            response, response.status, None, body, method, url, retries, None
        )

    def _envelope_error(
        self, call: Call, response: HttpResponse, envelope: EnvelopeError, body: object
    ) -> errors.APIStatusError:
        return self._make_status_error(
            response,
            envelope.status,
            envelope.cls,
            body,
            call.method,
            self._call_url(call),
            call.retries,
            envelope.message,
        )

    def _make_status_error(
        self,
        response: HttpResponse,
        status: int,
        cls: type[errors.APIStatusError] | None,
        body: object,
        method: str,
        url: str,
        retries: int,
        fallback: str | None,
    ) -> errors.APIStatusError:
        # Redacted before anything reads it: some servers echo the Authorization header.
        body = self._redact(body)
        code, message = self._error_details(body)
        if message is None:
            if fallback is not None:
                message = fallback
            else:
                snippet = body.strip()[:200] if isinstance(body, str) else ""
                message = response.reason + (f": {snippet}" if snippet else "")
        cls = cls or errors.status_error_class(status)
        kwargs: dict[str, typing.Any] = dict(
            status=status,
            code=self._redact(code),
            request_id=self._redact(request_id(response)),
            body=body,
            method=method,
            url=url,
            retries_taken=retries,
        )
        if issubclass(cls, errors.RateLimitError):
            kwargs["retry_after"] = parse_retry_after(response.headers)
        return cls(self._redact(message), **kwargs)

    def _connection_error(
        self, error: TransportError, method: str, url: str, retries: int
    ) -> errors.APIConnectionError:
        cls = errors.APITimeoutError if error.is_timeout else errors.APIConnectionError
        message = self._redact(f"{error.kind.replace('_', ' ')}: {error}")
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


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


async def _head(response: StreamedResponse, limit: int) -> bytes:
    """Up to ``limit`` bytes of a streamed body (for an error message)."""
    snippet = b""
    async with contextlib.aclosing(response.aiter_bytes()) as chunks:
        async for chunk in chunks:
            snippet += chunk
            if len(snippet) >= limit:
                break
    return snippet[:limit]
