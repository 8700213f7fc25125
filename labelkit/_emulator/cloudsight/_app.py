"""A stateful emulator of the CloudSight image recognition API.

Routes: ``POST /image_requests`` (an image file as multipart part
``image_request[image]``, or ``image_request[remote_image_url]`` form-encoded,
never both; ``image_request[locale]`` required), ``GET
/image_responses/{token}`` and ``POST /image_requests/{token}/repost``.

Both auth schemes are checked against ``credentials`` (key → secret; default
``{"test-key": "test-secret"}``): ``Authorization: CloudSight <key>``, or a
two-legged OAuth 1.0 HMAC-SHA1 header whose signature covers the form fields
of a URL submission, the text fields of a file upload
(``sign_multipart_fields=False``: none) and nothing for polls and reposts.
A wrong key or signature, or a timestamp more than 5 minutes off, gives 401.
OAuth needs oauthlib (``labelkit[oauth]``).

Error bodies, which CloudSight does not document, are ``{"error": "<text>"}``
(422 for invalid fields). An unknown token polls as 404 ``{"status": "not
found"}``.

Jobs run on the app's simulated clock (``emulator.clock``): ``not completed``
for ``config.processing_time`` seconds (plus, with ``processing_time_spread=S``,
a per-job extra drawn uniformly from ``[0, S)``, seeded by ``config.seed``),
then ``completed`` with a ``name``
and ``categories`` derived from a SHA-256 of the image (the same on every
run). A numeric ``image_request[ttl]`` shorter than that gives ``timeout``
when it runs out. A URL or file name containing ``__skip__`` (reason
``unsure``) or ``__skip_<reason>__`` (e.g. ``__skip_blurry__``) ends
``skipped`` with that ``reason``; ``__timeout__`` ends ``timeout``.
Reposting a timed-out job queues it again, without ttl or marker, so it
completes. :meth:`CloudSightEmulator.force_status` pins any status.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import random
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ..._providers.cloudsight._auth import verify_authorization
from .._app import EmulatorApp
from .._messages import HTTPError, Request, Response, json_response
from .._registry import register_emulator
from .._routing import RouteGroupBase, route
from .._state import EmulatorConfig, check_status

__all__ = ["DEFAULT_KEY", "DEFAULT_SECRET", "CloudSightEmulator", "StoredJob"]

DEFAULT_KEY = "test-key"
DEFAULT_SECRET = "test-secret"
STATUSES = ("not completed", "completed", "not found", "skipped", "timeout")
REASONS = ("offensive", "blurry", "close", "dark", "bright", "unsure")

_IMAGE = "image_request[image]"
_REMOTE_URL = "image_request[remote_image_url]"
_SKIP = re.compile(r"__skip(?:_([a-z]+))?__")
_TIMEOUT_MARKER = "__timeout__"
_RANGES = {
    "image_request[latitude]": (-90.0, 90.0),
    "image_request[longitude]": (-180.0, 180.0),
    "image_request[altitude]": (-math.inf, math.inf),
    "focus[x]": (0.0, math.inf),
    "focus[y]": (0.0, math.inf),
}

_COLORS = ("red", "blue", "black", "white", "green", "yellow", "brown", "gray")
_THINGS = {
    "shoe": "footwear",
    "tabby cat": "animals",
    "coffee mug": "kitchenware",
    "road bike": "vehicles",
    "leather handbag": "accessories",
    "wooden chair": "furniture",
    "acoustic guitar": "musical instruments",
    "sunflower": "plants",
}


@attrs.define
class StoredJob:
    """One recognition job; its status is computed from the simulated clock."""

    token: str
    source: str  # the remote URL, or the uploaded file name
    digest: str  # SHA-256 of the image bytes, or of the URL
    fields: dict[str, str]
    created_at: float
    ttl: float | None
    credential: str
    reposts: int = 0
    extra_time: float = 0.0  # this job's share of ``processing_time_spread``
    forced: str | None = None
    forced_reason: str | None = None


class CloudSightEmulator(EmulatorApp):
    """The CloudSight API, in memory.

    ``jobs`` (by token) is the server state; ``credentials`` maps each
    accepted API key to its OAuth secret.
    """

    auth_challenge = "CloudSight"

    def __init__(
        self,
        *,
        config: EmulatorConfig | None = None,
        credentials: Mapping[str, str] | None = None,
        sign_multipart_fields: bool = True,
        processing_time_spread: float = 0.0,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(config=config, name="cloudsight", timer=timer)
        if not processing_time_spread >= 0:
            raise ValueError("processing_time_spread must be >= 0")
        self.processing_time_spread = processing_time_spread
        self._spread_rng = random.Random(self.config.seed)
        self.credentials = dict(credentials or {DEFAULT_KEY: DEFAULT_SECRET})
        self.sign_multipart_fields = sign_multipart_fields
        self.jobs: dict[str, StoredJob] = {}
        self._counter = itertools.count(1)
        self.add_routes(ImageRequestRoutes(self).routes())

    def check_auth(self, request: Request) -> str | None:
        """The API key of a known credential (an OAuth signature is checked by the handler)."""
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme == "CloudSight":
            return value if value in self.credentials else None
        if scheme.lower() == "oauth":
            match = re.search(r'oauth_consumer_key="([^"]*)"', value)
            key = urllib.parse.unquote(match.group(1)) if match else None
            return key if key in self.credentials else None
        return None

    def error_body(self, status: int, code: str, message: str) -> object:
        """CloudSight-style ``{"error": "<message>"}``."""
        return {"error": message}

    # -- state access for tests -------------------------------------------------------

    def status(self, token: str) -> tuple[str, str | None]:
        """The current ``(status, reason)`` of a job."""
        job = self.jobs[token]
        if job.forced is not None:
            return job.forced, job.forced_reason
        elapsed = self.clock.now() - job.created_at
        processing = self.config.processing_time + job.extra_time
        if job.ttl is not None and elapsed >= job.ttl and job.ttl < processing:
            return "timeout", None
        if elapsed < processing:
            return "not completed", None
        if job.reposts == 0:
            if _TIMEOUT_MARKER in job.source:
                return "timeout", None
            skip = _SKIP.search(job.source)
            if skip:
                return "skipped", skip.group(1) or "unsure"
        return "completed", None

    def force_status(self, token: str, status: str | None, reason: str | None = None) -> None:
        """Pin a job's status and reason (``None`` returns it to the clock)."""
        check_status(status, STATUSES)
        job = self.jobs[token]
        job.forced, job.forced_reason = status, reason

    def job_object(self, token: str) -> dict[str, Any]:
        """The job structure as polling returns it."""
        job = self.jobs[token]
        status, reason = self.status(token)
        body: dict[str, Any] = {"status": status, "token": token, "url": self._url(job)}
        if job.ttl is not None:
            body["ttl"] = job.ttl
        if status == "completed":
            body["name"], category = _describe(job.digest)
            body["categories"] = [category]
        if reason is not None:
            body["reason"] = reason
        return body

    # -- helpers ----------------------------------------------------------------------

    def _verify_oauth(self, request: Request, params: list[tuple[str, str]]) -> None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("oauth "):
            return
        host = request.headers.get("host", "")
        url = f"{request.scope.get('scheme', 'http')}://{host}{request.raw_path.decode()}"
        try:
            problem = verify_authorization(
                header, request.method, url, params, self.credentials.get
            )
        except ImportError as exc:
            problem = str(exc)
        if problem is not None:
            raise HTTPError(401, f"OAuth: {problem}", headers={"www-authenticate": "OAuth"})

    def _new_token(self, digest: str) -> str:
        raw = hashlib.sha256(f"{next(self._counter)}:{digest}".encode()).digest()[:16]
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _url(job: StoredJob) -> str:
        if job.source.startswith(("http://", "https://")):
            return job.source
        name = urllib.parse.quote(job.source)
        return f"https://images.cloudsight.invalid/{job.token}/{name}"


class ImageRequestRoutes(RouteGroupBase[CloudSightEmulator]):
    """Image requests: create (multipart, optionally OAuth-signed), poll and repost."""

    @route("POST", "/image_requests")
    async def create_request(self, request: Request) -> Response:
        form = await request.form()
        fields = dict(form.fields)
        upload = form.file(_IMAGE)
        signed = form.fields if self.emu.sign_multipart_fields or upload is None else []
        self.emu._verify_oauth(request, signed)
        remote = fields.get(_REMOTE_URL)
        if (upload is None) == (remote is None):
            raise HTTPError(422, "send either image_request[image] or remote_image_url")
        if not fields.get("image_request[locale]"):
            raise HTTPError(422, "image_request[locale] can't be blank")
        ttl = _check_fields(fields)
        if upload is not None:
            if upload.size == 0:
                raise HTTPError(422, "image_request[image] is empty")
            source, digest = upload.filename, upload.sha256
        else:
            assert remote is not None
            parts = urllib.parse.urlsplit(remote)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise HTTPError(422, "image_request[remote_image_url] is not an http(s) URL")
            source, digest = remote, hashlib.sha256(remote.encode()).hexdigest()
        assert request.credential is not None
        job = StoredJob(
            token=self.emu._new_token(digest),
            source=source,
            digest=digest,
            fields=fields,
            created_at=self.emu.clock.now(),
            ttl=ttl,
            credential=request.credential,
            extra_time=self.emu._spread_rng.random() * self.emu.processing_time_spread,
        )
        self.emu.jobs[job.token] = job
        return json_response(self.emu.job_object(job.token))

    @route("GET", "/image_responses/{token}")
    async def get_response(self, request: Request) -> Response:
        self.emu._verify_oauth(request, [])
        token = request.path_params["token"]
        if token not in self.emu.jobs:
            return json_response({"status": "not found"}, 404)
        return json_response(self.emu.job_object(token))

    @route("POST", "/image_requests/{token}/repost")
    async def repost(self, request: Request) -> Response:
        self.emu._verify_oauth(request, [])
        token = request.path_params["token"]
        if token not in self.emu.jobs:
            raise HTTPError(404, f"no image request with token {token}")
        status, _ = self.emu.status(token)
        if status != "timeout":
            raise HTTPError(422, f"only a job in timeout can be reposted, this one is {status}")
        job = self.emu.jobs[token]
        job.created_at, job.ttl, job.forced = self.emu.clock.now(), None, None
        job.reposts += 1
        return json_response(self.emu.job_object(token))


def _check_fields(fields: dict[str, str]) -> float | None:
    """Validate numeric fields; returns the ttl in seconds (``None``: none or ``max``)."""
    for name, (low, high) in _RANGES.items():
        if name in fields:
            try:
                value = float(fields[name])
            except ValueError:
                raise HTTPError(422, f"{name} is not a number") from None
            if not math.isfinite(value) or not low <= value <= high:
                raise HTTPError(422, f"{name} is out of range")
    raw = fields.get("image_request[ttl]")
    if raw is None or raw == "max":
        return None
    try:
        ttl = float(raw)
    except ValueError:
        raise HTTPError(422, "image_request[ttl] must be seconds or max") from None
    if not math.isfinite(ttl) or ttl <= 0:
        raise HTTPError(422, "image_request[ttl] must be positive")
    return ttl


def _describe(digest: str) -> tuple[str, str]:
    seed = int(digest[:16], 16)
    thing = list(_THINGS)[seed % len(_THINGS)]
    color = _COLORS[(seed // len(_THINGS)) % len(_COLORS)]
    return f"{color} {thing}", _THINGS[thing]


register_emulator("cloudsight", CloudSightEmulator)
