"""The CloudSight image recognition client: submit an image (file or URL), poll, wait, repost."""

from __future__ import annotations

import json as jsonlib
import math
import mimetypes
import os
import ssl
import typing
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import quote, urlsplit

import attrs

from ..._bulk import BulkRun
from ..._client import AsyncAPIClient
from ..._config import PollPolicy, RateLimit, RetryPolicy, Timeout
from ..._errors import APIStatusError, NotFoundError, ValidationError
from ..._files import FileInput, multipart_body, prepare_upload
from ..._http import AsyncTransport, HttpResponse
from ..._logging import redact_text, redact_url
from ..._models import ResponseValidationError, structure
from ..._poll import JobState, wait_for, wait_many
from ..._types import NOT_GIVEN, NotGiven
from ._auth import OAuth1Signer
from ._models import ImageJob, JobStatus

__all__ = ["DEFAULT_POLL", "AsyncCloudSight", "CloudSightAPIError"]

#: CloudSight's documented cadence: first poll 4 s after waiting starts, then every second.
DEFAULT_POLL = PollPolicy(initial_delay=4.0, interval=1.0, backoff=1.0, max_interval=1.0)

_DEFAULT_LOCALE = "en-US"
_IMAGE = "image_request[image]"
_REMOTE_URL = "image_request[remote_image_url]"
_LOCALE = "image_request[locale]"

Number = typing.Union[int, float]
ParamValue = typing.Union[str, int, float, None]


class CloudSightAPIError(APIStatusError):
    """A successful (2xx) response whose JSON body carries an ``error`` key.

    CloudSight reports some errors that way; the official SDK raises on any
    body with ``error``. ``status`` is the 2xx status, ``message`` the
    server's error text and ``body`` the parsed body. Errors sent with a
    non-2xx status raise the usual :class:`~labelkit.APIStatusError`
    subclasses (401 :class:`~labelkit.AuthenticationError`, ...).
    """


def _classify(job: ImageJob) -> JobState:
    if job.status is JobStatus.NOT_FOUND:
        return JobState.FAILED
    if job.status.is_terminal:
        return JobState.SUCCEEDED
    return JobState.PENDING


class AsyncCloudSight(AsyncAPIClient):
    """Async client for the CloudSight image recognition API.

    Simple key auth (``Authorization: CloudSight <key>``) is used when only
    ``api_key`` is given (default: ``CLOUDSIGHT_API_KEY``); with
    ``api_secret`` too, every request is signed with two-legged OAuth 1.0
    HMAC-SHA1, which needs ``pip install "labelkit[oauth]"``. The secret is
    read from ``CLOUDSIGHT_API_SECRET`` only when the key also comes from
    the environment, so an explicit key never silently switches to OAuth.

    OAuth signs exactly what the official SDK signs: the form fields of
    :meth:`remote_image_request`, the text fields of :meth:`image_request`
    (the locale is always sent explicitly, so the signed set is the sent set;
    ``oauth_sign_multipart_fields=False`` signs none of them, as RFC 5849
    reads, should the server expect that), and no parameters for polls and
    reposts. A retry re-sends the same signature (same nonce and timestamp);
    retries happen within seconds, well inside the usual 5 minute timestamp
    window.

    ``base_url`` overrides the API root (default ``CLOUDSIGHT_BASE_URL``,
    else ``https://api.cloudsightapi.com``); ``app=`` runs against an
    in-process ASGI app such as the CloudSight emulator. CloudSight documents
    no rate limit, so none is applied unless ``rate_limit=`` is given.

    Usage (the sync ``CloudSight`` is the same without ``async``/``await``)::

        async with AsyncCloudSight("your-api-key") as cloudsight:
            job = await cloudsight.image_request("cat.jpg", locale="en-US")
            job = await cloudsight.wait(job.token, timeout=30)
            print(job.status, job.name)
    """

    provider = "cloudsight"
    default_base_url = "https://api.cloudsightapi.com"
    base_url_env = "CLOUDSIGHT_BASE_URL"
    default_rate_limit = None

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        oauth_sign_multipart_fields: bool = True,
        base_url: str | None = None,
        timeout: float | Timeout | None = Timeout(),
        max_retries: int = 2,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | NotGiven | None = NOT_GIVEN,
        poll: PollPolicy = DEFAULT_POLL,
        max_connections: int = 64,
        proxy: str | None = None,
        verify: bool | str | ssl.SSLContext = True,
        cert: str | tuple[str, str] | None = None,
        transport: AsyncTransport | None = None,
        app: typing.Any = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        if not api_key:
            api_key = os.environ.get("CLOUDSIGHT_API_KEY")
            api_secret = api_secret or os.environ.get("CLOUDSIGHT_API_SECRET")
        if not api_key:
            raise ValidationError("api_key", "missing: pass api_key= or set CLOUDSIGHT_API_KEY")
        self._signer = OAuth1Signer(api_key, api_secret) if api_secret else None
        self._sign_multipart = oauth_sign_multipart_fields
        self._poll = poll
        super().__init__(
            credential=api_key,
            auth_headers={} if self._signer else {"Authorization": f"CloudSight {api_key}"},
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry,
            rate_limit=rate_limit,
            max_connections=max_connections,
            proxy=proxy,
            verify=verify,
            cert=cert,
            transport=transport,
            app=app,
            default_headers=default_headers,
        )
        if api_secret:
            self._secrets = (api_key, api_secret)

    @property
    def uses_oauth(self) -> bool:
        """True when requests are OAuth-signed rather than sent with the simple key."""
        return self._signer is not None

    async def image_request(
        self,
        image: FileInput,
        filename: str | None = None,
        params: Mapping[str, ParamValue] | None = None,
        *,
        locale: str | None = None,
        language: str | None = None,
        device_id: str | None = None,
        latitude: Number | None = None,
        longitude: Number | None = None,
        altitude: Number | None = None,
        ttl: Number | typing.Literal["max"] | None = None,
        focus: tuple[Number, Number] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> ImageJob:
        """Submit an image file for recognition; returns the new job (``not completed``).

        ``image`` is a path, an open binary file or bytes; ``filename`` names
        it (required for bytes, else taken from the path or file object). The
        file is streamed, never read whole into memory. ``locale`` defaults to
        ``en-US``; ``ttl`` is seconds (or ``"max"``) before the job times out;
        ``focus`` is the ``(x, y)`` focal point. ``params`` takes raw form
        fields such as ``{"image_request[locale]": "de-DE"}`` as the official
        SDK did; a field given both ways must agree. Submitting is not
        idempotent: a failure after the upload may have been received raises
        :class:`~labelkit.AmbiguousResultError` instead of submitting twice.
        """
        fields = _fields(
            params, locale, language, device_id, latitude, longitude, altitude, ttl, focus
        )
        if _REMOTE_URL in fields or _IMAGE in fields:
            raise ValidationError(
                "params", "send either an image file or a remote_image_url, not both"
            )
        upload = await prepare_upload(image, field="image", filename=filename)
        guessed = mimetypes.guess_type(upload.filename)[0]
        if guessed and guessed.startswith("image/"):
            upload = attrs.evolve(upload, content_type=guessed)
        text = list(fields.items())
        response = await self._call(
            "POST",
            "image_requests",
            signed=text if self._sign_multipart else (),
            multipart=multipart_body(fields=text, files=[(_IMAGE, upload)]),
            timeout=timeout,
            max_retries=max_retries,
        )
        return _submitted(self._body(response, "POST"))

    async def remote_image_request(
        self,
        image_url: str,
        params: Mapping[str, ParamValue] | None = None,
        *,
        locale: str | None = None,
        language: str | None = None,
        device_id: str | None = None,
        latitude: Number | None = None,
        longitude: Number | None = None,
        altitude: Number | None = None,
        ttl: Number | typing.Literal["max"] | None = None,
        focus: tuple[Number, Number] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> ImageJob:
        """Submit the image at ``image_url`` (http or https) for recognition.

        Same parameters and semantics as :meth:`image_request`; the fields are
        sent form-encoded and CloudSight downloads the image itself.
        """
        fields = _fields(
            params, locale, language, device_id, latitude, longitude, altitude, ttl, focus
        )
        if _REMOTE_URL in fields or _IMAGE in fields:
            raise ValidationError("params", "pass the image URL as image_url only")
        fields[_REMOTE_URL] = _image_url(image_url)
        form = list(fields.items())
        response = await self._call(
            "POST",
            "image_requests",
            signed=form,
            form=form,
            timeout=timeout,
            max_retries=max_retries,
        )
        return _submitted(self._body(response, "POST"))

    async def image_response(
        self,
        token: str,
        *,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> ImageJob:
        """Fetch a job's current state.

        An unknown token gives a job whose status is ``not found`` (as the
        official SDK returned it), whether the server says so with a 200 or
        with a 404 carrying ``{"status": "not found"}``.
        """
        path = f"image_responses/{_token(token)}"
        try:
            response = await self._call("GET", path, timeout=timeout, max_retries=max_retries)
        except NotFoundError as exc:
            body = exc.body
            if isinstance(body, dict) and body.get("status") == JobStatus.NOT_FOUND.value:
                return _job(body, token)
            raise
        return _job(self._body(response, "GET"), token)

    async def repost(
        self,
        token: str,
        *,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> None:
        """Queue a job again, typically one whose status is ``timeout``.

        Sent with an empty body. Like a submission it is not re-sent after a
        failure that may have reached the server
        (:class:`~labelkit.AmbiguousResultError`); check :meth:`image_response`.
        """
        response = await self._call(
            "POST",
            f"image_requests/{_token(token)}/repost",
            timeout=timeout,
            max_retries=max_retries,
        )
        self._body(response, "POST")

    async def wait(
        self,
        token: str,
        timeout: float | NotGiven | None = NOT_GIVEN,
        *,
        poll: PollPolicy | None = None,
    ) -> ImageJob:
        """Poll a job until CloudSight has a final answer for it, and return the job.

        Polls first 4 s after the call, then every second (the client's
        ``poll`` policy). Every final answer is returned: ``completed`` (the
        description is in ``name``), ``skipped`` (with its ``reason``) and
        ``timeout`` (the job outlived its ttl; :meth:`repost` queues it
        again). Skipped and timed-out jobs are CloudSight's verdict on the
        image, not a failed call, so they are results to branch on, as they
        were with the official SDK; check ``job.completed`` or
        ``job.status``. An unknown token (``not found``) raises
        :class:`~labelkit.JobFailedError`, its ``job`` the answer.

        ``timeout`` (seconds, default 600 from the ``poll`` policy, ``None``
        waits forever) raises :class:`~labelkit.PollTimeoutError` (its
        ``last_state`` is the last job seen) instead of returning an
        unfinished job; at least one poll is always made.
        """
        _token(token)
        return await wait_for(
            lambda: self.image_response(token),
            _classify,
            policy=poll or self._poll,
            timeout=timeout,
            describe=f"CloudSight job {token}",
        )

    def wait_many(
        self,
        tokens: Iterable[str],
        *,
        timeout: float | NotGiven | None = NOT_GIVEN,
        concurrency: int = 1000,
        poll: PollPolicy | None = None,
    ) -> BulkRun[str, ImageJob]:
        """Wait for many jobs; yields an :class:`~labelkit.Outcome` per token as each finishes.

        Each token is waited for as by :meth:`wait` (its ``timeout`` counts
        from when its own wait starts), up to ``concurrency`` at a time. A
        final job is an OK outcome (check ``value.status``); ``not found``,
        a deadline or a request error is a FAILED outcome carrying the error.
        Every poll goes through the client's rate limiter.
        """
        return wait_many(
            tokens,
            self.image_response,
            _classify,
            policy=poll or self._poll,
            timeout=timeout,
            concurrency=concurrency,
            describe="CloudSight job",
        )

    # -- internals -----------------------------------------------------------------

    async def _call(
        self, method: str, path: str, *, signed: Sequence[tuple[str, str]] = (), **kw: typing.Any
    ) -> HttpResponse:
        headers = None
        if self._signer is not None:
            url = self._session.absolute_url(path)
            headers = {"Authorization": self._signer.authorization(method, url, signed)}
        return await self._request(method, path, headers=headers, **kw)

    def _body(self, response: HttpResponse, method: str) -> object:
        """The parsed body of a 2xx response, raising if it carries an ``error``."""
        if not response.content.strip():
            return None
        try:
            body = jsonlib.loads(response.content)
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            raise ResponseValidationError(
                f"expected a JSON body, got {kind}",
                path=f"{method} {redact_url(response.url)}",
                body=response.text[:500],
            ) from None
        if isinstance(body, dict) and body.get("error") is not None:
            code, message = self._error_details(body)
            raise CloudSightAPIError(
                redact_text(message or "error in response body", self._secrets),
                status=response.status,
                code=code,
                request_id=response.headers.get("x-request-id"),
                body=body,
                method=method,
                url=redact_url(response.url),
            )
        return body

    def _error_details(self, body: object) -> tuple[str | None, str | None]:
        # The error format is undocumented: a string, an object with a
        # message, or Rails-style ``{"field": ["problem", ...]}``.
        if isinstance(body, Mapping):
            error = body.get("error")
            if isinstance(error, Mapping) and not ({"message", "detail"} & error.keys()):
                parts = []
                for field, problems in error.items():
                    items = problems if isinstance(problems, list) else [problems]
                    parts.append(f"{field}: " + ", ".join(str(p) for p in items))
                return None, "; ".join(parts) or None
            if isinstance(error, list) and all(isinstance(e, str) for e in error):
                return None, "; ".join(error) or None
        return super()._error_details(body)


def _job(body: object, token: str) -> ImageJob:
    job = structure(body, ImageJob)
    if job.token is None:
        job.token = token
    return job


def _submitted(body: object) -> ImageJob:
    job = structure(body, ImageJob)
    if not job.token:
        raise ResponseValidationError("expected a job token", path="ImageJob.token", body=body)
    return job


def _fields(
    params: Mapping[str, ParamValue] | None,
    locale: str | None,
    language: str | None,
    device_id: str | None,
    latitude: Number | None,
    longitude: Number | None,
    altitude: Number | None,
    ttl: Number | str | None,
    focus: tuple[Number, Number] | None,
) -> dict[str, str]:
    """The request's form fields, locale first, every value a string."""
    given: dict[str, str] = {}
    if params is not None:
        if not isinstance(params, Mapping):
            raise ValidationError("params", "must be a mapping of form field names to values")
        for key, value in params.items():
            if not isinstance(key, str) or not key:
                raise ValidationError("params", f"field names must be strings, got {key!r}")
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise ValidationError(
                    f"params[{key!r}]", f"must be a string or number, got {type(value).__name__}"
                )
            given[key] = value if isinstance(value, str) else _format(value)
    typed: dict[str, tuple[str, str]] = {}
    for name, wire, value in (
        ("locale", _LOCALE, locale),
        ("language", "image_request[language]", language),
        ("device_id", "image_request[device_id]", device_id),
    ):
        if value is not None:
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(name, f"must be a non-empty string, got {value!r}")
            typed[wire] = (name, value)
    for name, wire, number, bound in (
        ("latitude", "image_request[latitude]", latitude, 90.0),
        ("longitude", "image_request[longitude]", longitude, 180.0),
        ("altitude", "image_request[altitude]", altitude, math.inf),
    ):
        if number is not None:
            typed[wire] = (name, _format(_number(name, number, -bound, bound)))
    if ttl is not None:
        typed["image_request[ttl]"] = ("ttl", "max" if ttl == "max" else _ttl(ttl))
    if focus is not None:
        if isinstance(focus, (str, bytes)) or not isinstance(focus, Sequence) or len(focus) != 2:
            raise ValidationError("focus", f"must be an (x, y) pair, got {focus!r}")
        typed["focus[x]"] = ("focus", _format(_number("focus", focus[0], 0.0, math.inf)))
        typed["focus[y]"] = ("focus", _format(_number("focus", focus[1], 0.0, math.inf)))
    for wire, (name, value) in typed.items():
        if wire in given and given[wire] != value:
            raise ValidationError(
                name, f"{value!r} conflicts with params[{wire!r}] = {given[wire]!r}"
            )
    fields = {_LOCALE: _DEFAULT_LOCALE}
    fields.update(given)
    fields.update({wire: value for wire, (_, value) in typed.items()})
    if not fields[_LOCALE].strip():
        raise ValidationError("locale", "must be a non-empty string")
    return fields


def _number(field: str, value: object, low: float, high: float) -> Number:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(field, f"must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or not low <= value <= high:
        limit = f"{low:g} to {high:g}" if math.isfinite(high) else f">= {low:g}"
        raise ValidationError(field, f"{value!r} is out of range", limit=limit)
    return value


def _ttl(value: object) -> str:
    if isinstance(value, str):
        raise ValidationError("ttl", f"must be seconds or 'max', got {value!r}")
    number = _number("ttl", value, 0.0, math.inf)
    if number <= 0:
        raise ValidationError("ttl", f"{number!r} is out of range", limit="> 0 seconds or 'max'")
    return _format(number)


def _format(value: Number) -> str:
    # Stringified before signing: the official SDK's signer crashed on floats.
    return str(value)


def _image_url(value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError("image_url", f"must be a string, got {type(value).__name__}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError("image_url", f"must be an http(s) URL, got {value!r}")
    return value


def _token(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("token", f"must be a non-empty string, got {value!r}")
    return quote(value, safe="")
