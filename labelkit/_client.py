"""The async core every provider client stands on.

:class:`AsyncAPIClient` owns the connection pool, timeouts, the shared rate
limiter, retries, error mapping and logging. A provider subclass only knows
its endpoints and models: it calls :meth:`AsyncAPIClient._request` (or
``_request_json``) and never re-implements any of these mechanisms. The
retry loop lives in :mod:`labelkit._retrying`, redaction and error
construction in :mod:`labelkit._error_mapping`; both are bases of
:class:`AsyncAPIClient`.

Provider API
------------
A provider (``labelkit/_providers/<name>/``) imports only public names, and
only from these core modules: ``_bulk``, ``_client``, ``_config``,
``_confined``, ``_emulator``, ``_errors``, ``_files``, ``_http``,
``_journal``, ``_models``, ``_pagination``, ``_paths``, ``_poll``,
``_ratelimit``, ``_signatures``, ``_types``, ``_validate`` and ``_webhooks``. Of the
client's underscore members it uses only those listed in
:class:`AsyncAPIClient`'s docstring; every other one is the core's own.
``tests/providers/test_provider_api.py`` enforces both.
"""

from __future__ import annotations

import copy
import inspect
import os
import ssl
import typing
import urllib.request
import warnings
from collections.abc import Mapping
from urllib.parse import urlsplit

import attrs
from typing_extensions import TypeVar, Unpack

from . import _errors as errors
from ._bulk import BulkRun, bulk
from ._config import PollPolicy, RateLimit, RetryPolicy, Timeout
from ._http import (
    AsyncTransport,
    HttpResponse,
    HttpSession,
    QueryParams,
)
from ._journal import Journal
from ._logging import SecretRedactor, has_userinfo, redact_url, redact_userinfo, url_secrets
from ._models import ResponseValidationError
from ._outgoing import check_headers
from ._pipeline import IDEMPOTENT_METHODS, UNREAD, EnvelopeError, StreamedBody, json_body
from ._poll import JobState, WaitOptions, wait_for, wait_many
from ._ratelimit import Limiter, shared_limiter
from ._retrying import RequestOptions, RetryingClient
from ._signatures import keyword_defaults, with_defaults
from ._types import NOT_GIVEN, NotGiven
from ._validate import ArgumentChecked

__all__ = ["AsyncAPIClient", "ClientOptions", "ConnectionOptions", "EnvelopeError", "StreamedBody"]

ItemT = typing.TypeVar("ItemT")
ResultT = typing.TypeVar("ResultT")
KeyT = typing.TypeVar("KeyT")
JobT = typing.TypeVar("JobT")
#: What :meth:`AsyncAPIClient._request_json` returns: ``parse``'s result, else the JSON as ``Any``.
ParsedT = TypeVar("ParsedT", default=typing.Any)
Self = typing.TypeVar("Self", bound="AsyncAPIClient")


_DEFAULT_MAX_RETRIES = RetryPolicy().max_retries
_IN_PROCESS_ORIGIN = "http://asgi-app.invalid"


class ConnectionOptions(typing.TypedDict, total=False):
    """:class:`ClientOptions` without ``verify`` and ``cert``, for a provider whose
    official constructor takes those two positionally (it declares them itself and
    passes them on)."""

    base_url: str | None
    timeout: float | Timeout | None
    max_retries: int
    retry: RetryPolicy | None
    rate_limit: RateLimit | Limiter | NotGiven | None
    max_connections: int
    proxy: str | None
    transport: AsyncTransport | None
    app: typing.Any
    default_headers: Mapping[str, str] | None


class ClientOptions(ConnectionOptions, total=False):
    """The transport keywords every provider client takes, passed on to :class:`AsyncAPIClient`.

    A provider's ``__init__`` takes them as ``**options: Unpack[ClientOptions]``; its
    ``__signature__`` lists each one with the default of ``AsyncAPIClient.__init__``.
    """

    verify: bool | str | ssl.SSLContext
    cert: str | tuple[str, str] | None


class CallOptions(typing.TypedDict, total=False):
    """The per-call keywords of a provider method (``**call: Unpack[CallOptions]``).

    ``timeout`` and ``max_retries`` for this call only, instead of the client's
    (``NOT_GIVEN``, the default, keeps the client's).
    """

    timeout: float | Timeout | NotGiven | None
    max_retries: int | NotGiven


keyword_defaults(CallOptions, {"timeout": NOT_GIVEN, "max_retries": NOT_GIVEN})


class AsyncAPIClient(RetryingClient, ArgumentChecked):
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

    The provider API (every other underscore member, here or on a base, is
    the core's own): sending :meth:`_request`, :meth:`_request_json`
    (``parse=``), :meth:`_read_json`, :meth:`_stream` (a signed-URL
    download); hooks :meth:`_prepare_attempt` (per attempt, e.g. signing),
    :meth:`_check_envelope` (an error inside a 2xx), :meth:`_error_details`
    and :meth:`_status_error` (error shapes), :meth:`_bind_resources`;
    helpers :meth:`_absolute_url`, :meth:`_add_secrets`, :meth:`_redact`;
    waits :meth:`_wait_job` and :meth:`_wait_jobs` on ``_poll``, the
    provider's default :class:`~labelkit.PollPolicy`.
    """

    provider: typing.ClassVar[str] = ""
    default_base_url: typing.ClassVar[str] = ""
    base_url_env: typing.ClassVar[str | None] = None
    default_rate_limit: typing.ClassVar[RateLimit | None] = None

    default_max_retries: typing.ClassVar[int] = _DEFAULT_MAX_RETRIES
    """What ``max_retries`` is when not passed."""

    @classmethod
    def _option_defaults(cls) -> dict[str, object]:
        """The defaults of :class:`ClientOptions`, for the providers' ``__signature__``."""
        # __class__, not the name: this also runs while AsyncAPIClient is being created.
        params = inspect.signature(__class__.__init__).parameters  # type: ignore[name-defined]
        defaults = {name: params[name].default for name in ClientOptions.__annotations__}
        return {**defaults, "max_retries": cls.default_max_retries}

    def __init__(
        self,
        *,
        credential: str,
        auth_headers: Mapping[str, str],
        base_url: str | None = None,
        timeout: float | Timeout | None = Timeout(),
        max_retries: int | NotGiven = NOT_GIVEN,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | Limiter | NotGiven | None = NOT_GIVEN,
        max_connections: int = 64,
        proxy: str | None = None,
        verify: bool | str | ssl.SSLContext = True,
        cert: str | tuple[str, str] | None = None,
        transport: AsyncTransport | None = None,
        app: typing.Any = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        """Keywords as :class:`ClientOptions`; ``max_retries`` defaults to the class's
        ``default_max_retries``.
        """
        if isinstance(max_retries, NotGiven):
            max_retries = self.default_max_retries
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
        _check_base_url(resolved, self.provider)
        self._credential = credential
        self._redactor = SecretRedactor([credential, credential.strip(" \t")])
        headers = check_headers(
            {"Accept": "application/json", **(default_headers or {}), **auth_headers}
        )
        for name in auth_headers:
            value = headers[name]
            self._redactor.add(value, value.partition(" ")[2])
        # A password in the base URL's or a proxy's user-info is sent too (as Basic auth).
        for url in (resolved, proxy, *urllib.request.getproxies().values()):
            self._redactor.add(*url_secrets(url))
        self._timeout = Timeout.of(timeout)
        self._retry = retry or RetryPolicy()
        # max_retries= overrides the policy's count unless it is the default and a
        # policy was given: RetryPolicy(max_retries=6) alone must not become 2.
        if retry is None or max_retries != _DEFAULT_MAX_RETRIES:
            self._retry = attrs.evolve(self._retry, max_retries=max_retries)
        self._session = HttpSession(
            base_url=resolved,
            headers=headers,
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
        return f"{type(self).__name__}(base_url={redact_url(self.base_url)!r})"

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

    async def _wait_job(
        self,
        key: KeyT,
        fetch: typing.Callable[[KeyT], typing.Awaitable[JobT]],
        classify: typing.Callable[[JobT], JobState],
        noun: str,
        **wait: Unpack[WaitOptions],
    ) -> JobT:
        """Poll ``fetch(key)`` until ``classify`` says the job is final; return the job.

        As :func:`~labelkit._poll.wait_for`; ``poll`` defaults to the client's
        ``_poll``. Errors name the job ``f"{noun} {key!r}"``, as
        :meth:`_wait_jobs` names each of its jobs. A public wait passes its
        ``**wait`` through ``with_defaults(wait, WaitOptions, name)`` first, so
        that an unknown keyword names that method.
        """
        options = with_defaults(wait, WaitOptions, "_wait_job")
        return await wait_for(
            lambda: fetch(key),
            classify,
            policy=options["poll"] or self._poll,
            timeout=options["timeout"],
            describe=f"{noun} {key!r}",
        )

    def _wait_jobs(
        self,
        keys: typing.Iterable[KeyT] | typing.AsyncIterable[KeyT],
        fetch: typing.Callable[[KeyT], typing.Awaitable[JobT]],
        classify: typing.Callable[[JobT], JobState],
        noun: str,
        *,
        concurrency: int,
        **wait: Unpack[WaitOptions],
    ) -> BulkRun[KeyT, JobT]:
        """:meth:`_wait_job` for every key, ``concurrency`` at a time.

        As :func:`~labelkit._poll.wait_many`: one Outcome per key as each job ends.
        """
        options = with_defaults(wait, WaitOptions, "_wait_jobs")
        return wait_many(
            keys,
            fetch,
            classify,
            policy=options["poll"] or self._poll,
            timeout=options["timeout"],
            concurrency=concurrency,
            describe=noun,
        )

    def _absolute_url(self, path: str, params: QueryParams | None = None) -> str:
        """The absolute URL a request to ``path`` goes to (e.g. to sign it)."""
        return self._session.absolute_url(path, params)

    async def _request(
        self, method: str, path: str, **options: Unpack[RequestOptions]
    ) -> HttpResponse:
        """Send a request with retries, the rate limiter and the call deadline.

        Keywords as :meth:`_send`.
        """
        response, _ = await self._send(method, path, **options)
        return response

    async def _request_json(
        self,
        method: str,
        path: str,
        *,
        parse: typing.Callable[[typing.Any], ParsedT] | None = None,
        **kwargs: typing.Any,
    ) -> ParsedT:
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
        parse: typing.Callable[[typing.Any], ParsedT] | None = None,
        body: typing.Any = UNREAD,
    ) -> ParsedT:
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
            # Without ``parse`` the result is the JSON itself: ParsedT is then Any.
            return typing.cast(ParsedT, data) if parse is None else parse(data)
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


def _check_base_url(url: str, provider: str) -> None:
    """Raise :class:`~labelkit.ValidationError` for a base URL that cannot be used as given."""
    if has_userinfo(url):
        # User-info, however a password's unencoded "/", "?" or "#" splits it: httpx
        # would send it as Basic auth, in place of the provider's own Authorization.
        raise errors.ValidationError(
            "base_url",
            f"{redact_userinfo(url)} carries credentials (user:password@), which would "
            f"replace {provider}'s own authorization; remove them (a proxy that "
            "needs credentials goes in proxy=)",
        )
    try:
        scheme = urlsplit(url).scheme
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise errors.ValidationError("base_url", f"not a usable URL: {exc}") from None
    if scheme.lower() not in ("http", "https"):
        # httpx refuses any other scheme on every attempt.
        raise errors.ValidationError(
            "base_url", f"{redact_url(url)} is not an http:// or https:// URL"
        )
