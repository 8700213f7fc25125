"""The CloudSight image recognition client: submit an image (file or URL), poll, wait, repost."""

from __future__ import annotations

import mimetypes
import os
import typing
from collections.abc import Iterable, Mapping, Sequence

import attrs
from typing_extensions import Unpack

from ..._bulk import BulkRun
from ..._client import AsyncAPIClient, CallOptions, ClientOptions, EnvelopeError
from ..._config import PollPolicy, Timeout
from ..._errors import APIStatusError, JobFailedError, NotFoundError, ValidationError
from ..._files import FileInput, multipart_body, prepare_upload
from ..._http import HttpRequest, HttpResponse
from ..._models import ResponseValidationError, structure
from ..._paths import segment
from ..._poll import JobState, WaitOptions
from ..._signatures import keyword_defaults, with_defaults
from ..._types import NOT_GIVEN, NotGiven
from ._auth import OAuth1Signer
from ._models import (
    IMAGE_FIELD,
    REMOTE_URL_FIELD,
    ImageJob,
    JobStatus,
    Number,
    ParamValues,
    form_fields,
    image_url_field,
)

__all__ = ["DEFAULT_POLL", "AsyncCloudSight", "CloudSightAPIError"]

#: CloudSight's documented cadence: first poll 4 s after waiting starts, then every second
#: (each sleep jittered by up to 10 %, so that many waits spread out).
DEFAULT_POLL = PollPolicy(initial_delay=4.0, interval=1.0, backoff=1.0, max_interval=1.0)


class CloudSightAPIError(APIStatusError):
    """A successful (2xx) response whose JSON body carries an ``error`` key.

    CloudSight reports some errors that way; the official SDK raises on any
    body with ``error``. ``status`` is the 2xx status, ``message`` the
    server's error text and ``body`` the parsed body. Errors sent with a
    non-2xx status raise the usual :class:`~labelkit.APIStatusError`
    subclasses (401 :class:`~labelkit.AuthenticationError`, ...).
    """


class ImageRequestOptions(typing.TypedDict, total=False):
    """The official keywords of ``image_request`` and ``remote_image_request``."""

    locale: str | None
    language: str | None
    device_id: str | None
    latitude: Number | None
    longitude: Number | None
    altitude: Number | None
    ttl: Number | str | None
    focus: tuple[Number, Number] | None
    timeout: float | Timeout | NotGiven | None
    max_retries: int | NotGiven


keyword_defaults(
    ImageRequestOptions,
    {
        **dict.fromkeys(ImageRequestOptions.__annotations__),
        "timeout": NOT_GIVEN,
        "max_retries": NOT_GIVEN,
    },
)


def _fields(
    params: Mapping[str, ParamValues] | None, options: ImageRequestOptions, conflict: str
) -> list[tuple[str, str]]:
    """The form fields of a submission; ``params`` naming the image itself is ``conflict``."""
    fields = form_fields(
        params,
        options["locale"],
        options["language"],
        options["device_id"],
        options["latitude"],
        options["longitude"],
        options["altitude"],
        options["ttl"],
        options["focus"],
    )
    if any(name in (REMOTE_URL_FIELD, IMAGE_FIELD) for name, _ in fields):
        raise ValidationError("params", conflict)
    return fields


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
    reposts. Every attempt is signed afresh: a retry carries a new nonce and
    timestamp.

    ``base_url`` overrides the API root (default ``CLOUDSIGHT_BASE_URL``,
    else ``https://api.cloudsightapi.com``); ``transport=`` is any httpx
    transport (an emulator's ``transport()`` serves in-process; ``app=`` is a
    deprecated alias for an ASGI app). CloudSight documents
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
        poll: PollPolicy = DEFAULT_POLL,
        **options: Unpack[ClientOptions],
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
            **options,
        )
        self._add_secrets(api_key, api_secret)

    @property
    def uses_oauth(self) -> bool:
        """True when requests are OAuth-signed rather than sent with the simple key."""
        return self._signer is not None

    async def image_request(
        self,
        image: FileInput,
        filename: str | None = None,
        params: Mapping[str, ParamValues] | None = None,
        **options: Unpack[ImageRequestOptions],
    ) -> ImageJob:
        """Submit an image file for recognition; returns the new job (``not completed``).

        ``image`` is a path, an open binary file or bytes; ``filename`` names
        it (required for bytes, else taken from the path or file object). The
        file is streamed, never read whole into memory. ``locale`` defaults to
        ``en-US``; ``ttl`` is seconds (or ``"max"``) before the job times out;
        ``focus`` is the ``(x, y)`` focal point. ``params`` takes raw form
        fields such as ``{"image_request[locale]": "de-DE"}`` as the official
        SDK did (a list value repeats the field); a field given both ways must
        agree. Every value is sent as given, unchecked: the server judges it.
        Submitting is not idempotent: a failure after the upload may have been
        received raises
        :class:`~labelkit.AmbiguousResultError` instead of submitting twice.
        """
        options = with_defaults(options, ImageRequestOptions, "image_request")
        fields = _fields(
            params, options, "send either an image file or a remote_image_url, not both"
        )
        upload = await prepare_upload(image, field="image", filename=filename)
        guessed = mimetypes.guess_type(upload.filename)[0]
        if guessed and guessed.startswith("image/"):
            upload = attrs.evolve(upload, content_type=guessed)
        return await self._submit(
            options,
            signed=fields if self._sign_multipart else (),
            multipart=multipart_body(fields=fields, files=[(IMAGE_FIELD, upload)]),
        )

    async def remote_image_request(
        self,
        image_url: str,
        params: Mapping[str, ParamValues] | None = None,
        **options: Unpack[ImageRequestOptions],
    ) -> ImageJob:
        """Submit the image at ``image_url`` for recognition (sent as given).

        Same parameters and semantics as :meth:`image_request`; the fields are
        sent form-encoded and CloudSight downloads the image itself.
        """
        options = with_defaults(options, ImageRequestOptions, "remote_image_request")
        form = _fields(params, options, "pass the image URL as image_url only")
        form.append((REMOTE_URL_FIELD, image_url_field(image_url)))
        return await self._submit(options, signed=form, form=form)

    async def image_response(
        self,
        token: str,
        **call: Unpack[CallOptions],
    ) -> ImageJob:
        """Fetch a job's current state.

        An unknown token gives a job whose status is ``not found`` (as the
        official SDK returned it), whether the server says so with a 200 or
        with a 404 carrying ``{"status": "not found"}``.
        """
        path = f"image_responses/{segment(token, field='token')}"
        try:
            body = await self._call(
                "GET", path, **with_defaults(call, CallOptions, "image_response")
            )
        except NotFoundError as exc:
            body = exc.body
            if isinstance(body, dict) and body.get("status") == JobStatus.NOT_FOUND.value:
                return _job(body, token)
            raise
        return _job(body, token)

    async def repost(
        self,
        token: str,
        **call: Unpack[CallOptions],
    ) -> ImageJob | None:
        """Queue a job again, typically one whose status is ``timeout``.

        Sent with an empty body. Returns what the official SDK returned: ``None``
        for a 200 answer (its body is not read), and for any other 2xx answer
        the job in its body (``None`` when the body is empty). Like a
        submission it is not re-sent after a failure that may have reached the
        server (:class:`~labelkit.AmbiguousResultError`); check :meth:`image_response`.
        """
        response = await self._request(
            "POST",
            f"image_requests/{segment(token, field='token')}/repost",
            context=(),
            **with_defaults(call, CallOptions, "repost"),
        )
        if response.status == 200:
            return None
        return self._read_json(
            response, "POST", parse=lambda data: None if data is None else _job(data, token)
        )

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
        :class:`~labelkit.JobFailedError` saying the job was not found, its
        ``job`` the answer.

        ``timeout`` (seconds, default 600 from the ``poll`` policy, ``None``
        waits forever) raises :class:`~labelkit.PollTimeoutError` (its
        ``last_state`` is the last job seen) instead of returning an
        unfinished job; at least one poll is always made.
        """
        segment(token, field="token")
        return await self._wait_job(
            token, self._poll_once, _classify, "CloudSight job", poll=poll, timeout=timeout
        )

    def wait_many(
        self,
        tokens: Iterable[str],
        *,
        concurrency: int = 1000,
        **wait: Unpack[WaitOptions],
    ) -> BulkRun[str, ImageJob]:
        """Wait for many jobs; yields an :class:`~labelkit.Outcome` per token as each finishes.

        Each token is waited for as by :meth:`wait` (its ``timeout`` counts
        from when its own wait starts), up to ``concurrency`` at a time. A
        final job is an OK outcome (check ``value.status``); ``not found``,
        a deadline or a request error is a FAILED outcome carrying the error.
        Every poll goes through the client's rate limiter.
        """
        wait = with_defaults(wait, WaitOptions, "wait_many")
        return self._wait_jobs(
            tokens, self._poll_once, _classify, "CloudSight job", concurrency=concurrency, **wait
        )

    # -- internals -----------------------------------------------------------------

    async def _poll_once(self, token: str) -> ImageJob:
        job = await self.image_response(token)
        if job.status is JobStatus.NOT_FOUND:
            # Waiting cannot help: say what happened rather than a bare "failed".
            raise JobFailedError(
                f"CloudSight job {token!r} was not found (unknown or expired token)", job=job
            )
        return job

    async def _submit(self, options: ImageRequestOptions, **body: typing.Any) -> ImageJob:
        """``POST /image_requests`` with ``body`` (the fields, and what the signature covers)."""
        job = await self._call(
            "POST",
            "image_requests",
            timeout=options["timeout"],
            max_retries=options["max_retries"],
            parse=_submitted,
            **body,
        )
        return typing.cast(ImageJob, job)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        signed: Sequence[tuple[str, str]] = (),
        parse: typing.Callable[[object], typing.Any] | None = None,
        **kw: typing.Any,
    ) -> typing.Any:
        """Send a call and return its parsed 2xx body (through ``parse``).

        Read by the core, so that a submission whose answer cannot be read is
        ambiguous (:class:`~labelkit.AmbiguousResultError`), never failed; an
        ``error`` in a 2xx body raises :class:`CloudSightAPIError`
        (:meth:`_check_envelope`). ``signed`` are the fields the OAuth
        signature covers; each attempt is signed afresh (:meth:`_prepare_attempt`).
        """
        return await self._request_json(method, path, context=tuple(signed), parse=parse, **kw)

    def _prepare_attempt(self, request: HttpRequest, context: typing.Any) -> HttpRequest:
        if self._signer is None:
            return request
        # The signature covers this call's method, URL and fields, and a nonce
        # and timestamp of its own: a retry is a new signed request.
        url = self._absolute_url(request.url, request.params)
        authorization = self._signer.authorization(request.method, url, context)
        return attrs.evolve(request, headers={**request.headers, "Authorization": authorization})

    def _check_envelope(self, response: HttpResponse, body: typing.Any) -> EnvelopeError | None:
        if isinstance(body, dict) and body.get("error") is not None:
            return EnvelopeError(
                response.status, cls=CloudSightAPIError, message="error in response body"
            )
        return None

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
    if isinstance(body, dict) and body.get("token") is None:
        body = {**body, "token": token}
    return structure(body, ImageJob)


def _submitted(body: object) -> ImageJob:
    job = structure(body, ImageJob)
    if not job.token:
        raise ResponseValidationError("empty job token", path="ImageJob.token", body=body)
    return job
