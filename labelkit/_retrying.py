"""The retry loop of :class:`~labelkit._client.AsyncAPIClient`.

:class:`RetryingClient` runs one call (:mod:`labelkit._pipeline` builds it):
each attempt under the in-flight cap, a rate-limit slot and the deadline,
then one retry decision for a failed send, a status or an error inside a
2xx, the error the call ends with, and the call's log record. It also
streams downloads off the API host the same way.
"""

from __future__ import annotations

import contextlib
import time
import typing
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from urllib.parse import parse_qsl, unquote_plus, urlsplit, urlunsplit

import anyio

from . import _errors as errors
from ._config import RetryPolicy, Timeout
from ._error_mapping import ErrorMapping
from ._files import MultipartBody
from ._http import (
    HttpRequest,
    HttpResponse,
    HttpSession,
    QueryParams,
    StreamedResponse,
    Token,
    TransportError,
)
from ._logging import SECRET_QUERY_KEYS, CallRecord, emit, recording, redact_text, redact_url
from ._pipeline import (
    UNREAD,
    Call,
    EnvelopeError,
    StreamedBody,
    build_call,
    request_id,
    try_json_body,
)
from ._ratelimit import Limiter
from ._retry import backoff, may_have_taken_effect, parse_retry_after, safe_to_resend_status
from ._types import NOT_GIVEN, NotGiven

__all__ = ["RequestOptions", "RetryingClient"]


class RequestOptions(typing.TypedDict, total=False):
    """The keywords of one request, as :meth:`RetryingClient._send` takes them."""

    params: QueryParams | None
    json: object
    form: Mapping[str, object] | Sequence[tuple[str, object]] | None
    multipart: MultipartBody | None
    streamed: StreamedBody | None
    headers: Mapping[str, str] | None
    idempotent: bool | None
    timeout: float | Timeout | NotGiven | None
    max_retries: int | NotGiven
    context: object


class RetryingClient(ErrorMapping):
    """Sending with retries, a base of :class:`~labelkit._client.AsyncAPIClient`.

    The attributes are set by ``AsyncAPIClient.__init__``.
    """

    _session: HttpSession
    _timeout: Timeout
    _retry: RetryPolicy
    _limiter: Limiter | None
    _headers: Mapping[str, str]
    _prepares_attempts: bool
    _checks_envelope: bool

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
        async with Token(self._session.in_flight):
            if self._limiter is None:
                return await self._send_attempt(call, None)
            slot = await self._limiter.hold()
            try:
                outcome = await self._send_attempt(call, slot.written)
            except BaseException:
                # Cancelled mid-send: the server may still read the request.
                slot.commit()
                raise
            # Free the start only if the request provably never left (httpcore's
            # trace never reported a write); otherwise date it at this answer.
            if isinstance(outcome, TransportError) and not outcome.sent and not slot.was_written:
                slot.release()
            else:
                slot.commit()
        return outcome

    async def _send_attempt(
        self, call: Call, on_write: typing.Callable[[], None] | None
    ) -> HttpResponse | TransportError:
        """The send of one attempt, within the call's overall deadline."""
        now = anyio.current_time()
        limits = call.limits
        if call.deadline is None and limits.total is not None:
            call.deadline = now + limits.total
        deadline = call.deadline
        budget = None if deadline is None else deadline - now
        if budget is not None and budget <= 0:
            return TransportError("overall deadline exceeded", kind="deadline_timeout", sent=False)
        request = call.request
        if self._prepares_attempts:
            request = self._prepare_attempt(request, call.context)
        outcome: HttpResponse | TransportError
        with anyio.CancelScope(
            deadline=deadline if deadline is not None else float("inf")
        ) as scope:
            try:
                outcome = await self._session.send(
                    request, limits, budget=budget, on_write=on_write
                )
            except TransportError as exc:
                outcome = exc
        if scope.cancelled_caught:
            outcome = TransportError(
                f"overall deadline of {limits.total}s exceeded",
                kind="deadline_timeout",
                sent=True,
            )
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
            if (
                outcome.permanent
                or not (call.safe or not outcome.sent)
                or call.retries >= call.retries_allowed
            ):
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
        if not call.safe and may_have_taken_effect(status, self._retry):
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
        secrets = _signed_url_secrets(url)
        while True:
            try:
                async with Token(self._session.in_flight):
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


def _signed_url_secrets(url: str) -> tuple[str, ...]:
    """``url`` and the values of its secret query keys (a signature, a token), as
    written and decoded, longest first.

    A signed URL's signature is its credential, and a storage server's error page
    echoes it (S3's ``SignatureDoesNotMatch`` names the ``SignatureProvided``); the
    other values (``host``, ``3600``, ``AWS4-HMAC-SHA256``) are no secret and stay.
    """
    query = urlsplit(url).query
    written = {
        value
        for key, _, value in (pair.partition("=") for pair in query.split("&"))
        if unquote_plus(key).lower() in SECRET_QUERY_KEYS
    }
    decoded = {value for key, value in parse_qsl(query) if key.lower() in SECRET_QUERY_KEYS}
    return (url, *sorted(written | decoded, key=len, reverse=True))


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
