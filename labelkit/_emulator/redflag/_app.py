"""A stateful emulator of RedFlag's operations API (create, retrieve, upload).

Routes, under ``/api/v2/products/api/operations``: ``POST ""`` (create),
``GET "/{id}"`` (retrieve), ``POST "/upload"`` (multipart, one part named
``file``; PNG, JPG/JPEG, MP3 or MP4 only). Every request needs
``Authorization: Bearer <token>``; the accepted tokens are ``tokens``
(default: just ``"test-token"``).

Error bodies, which the seed does not document, are
``{"error": {"code": "<snake_case>", "message": "<text>"}}``: 400 for a
malformed body or a field of the wrong JSON type, 415 for a non-JSON create,
422 for values the API rejects (unknown analysis, unknown file id, mixed ids
and URLs, bad ``contents_groups``, unsupported or empty upload), 401, 404,
405, 413 (``max_upload_size``), 429 and injected 5xx.

Status progression runs on the app's simulated clock (``emulator.clock``):
``ready`` → ``pending`` → ``running`` for 1/6, 1/3 and 1/2 of
``config.processing_time`` (default 1.5 s; 0 finishes at once), then the
outcome. The outcome is ``done`` unless a text content contains
``"__fail__"`` / ``"__invalid__"`` (or an uploaded file's name does), or no
requested analysis applies to any content (e.g. only visual analyses of
text), which gives ``failed`` / ``invalid``. :meth:`RedFlagEmulator.force_status`
pins any status. Results (:mod:`._results`) are derived from a
SHA-256 of each content, so they are the same on every run.
"""

from __future__ import annotations

import itertools
import posixpath
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from .._app import EmulatorApp
from .._messages import HTTPError, Request, Response, json_response
from .._registry import register_emulator
from .._routing import RouteGroupBase, route
from .._state import EmulatorConfig, check_status
from ._results import ANALYSES, applies, operation_data

__all__ = ["DEFAULT_TOKEN", "PREFIX", "RedFlagEmulator", "StoredOperation", "StoredUpload"]

PREFIX = "/api/v2/products/api/operations"
DEFAULT_TOKEN = "test-token"
FAIL_MARKER = "__fail__"
INVALID_MARKER = "__invalid__"
STATUSES = ("ready", "pending", "running", "failed", "invalid", "done")

_EXTENSION_KINDS = {
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".mp3": "audio",
    ".mp4": "video",
}
_MIME_KINDS = {
    "image/png": "image",
    "image/jpeg": "image",
    "image/jpg": "image",
    "audio/mpeg": "audio",
    "audio/mp3": "audio",
    "video/mp4": "video",
}
_URL_KINDS = {**_EXTENSION_KINDS, ".gif": "gif", ".mov": "video", ".wav": "audio"}
_GROUP = re.compile(r"[0-9]+(,[0-9]+)*")


@attrs.define
class StoredUpload:
    """An uploaded file (metadata only; the bytes are not kept)."""

    id: int
    filename: str
    content_type: str | None
    size: int
    sha256: str
    kind: str  # image, audio or video
    credential: str


@attrs.define
class StoredOperation:
    """An operation as created; its status is computed from the simulated clock."""

    id: int
    query: dict[str, Any]
    created_at: float
    durations: tuple[float, float, float]
    outcome: str
    credential: str
    forced: str | None = None
    result: dict[str, Any] | None = None


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_url(value: str) -> bool:
    # The API takes "publicly available AWS S3 URLs": the https form and the s3:// form.
    parts = urllib.parse.urlsplit(value)
    return parts.scheme in ("http", "https", "s3") and bool(parts.netloc)


class RedFlagEmulator(EmulatorApp):
    """The RedFlag operations API, in memory.

    ``operations`` and ``uploads`` (by id) are the server state; ``tokens``
    the accepted bearer tokens. ``durations`` fixes the simulated seconds of
    ``ready``, ``pending`` and ``running`` instead of splitting
    ``config.processing_time``; ``max_upload_size`` (bytes) answers bigger
    uploads with 413.
    """

    auth_challenge = "Bearer"
    base_path = PREFIX.removesuffix("/operations")

    def __init__(
        self,
        *,
        config: EmulatorConfig | None = None,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        durations: tuple[float, float, float] | None = None,
        max_upload_size: int | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(config=config, name="redflag", timer=timer)
        self.tokens = set(tokens)
        self.durations = durations
        self.max_upload_size = max_upload_size
        self.operations: dict[int, StoredOperation] = {}
        self.uploads: dict[int, StoredUpload] = {}
        self._operation_ids = itertools.count(1)
        self._upload_ids = itertools.count(1)
        self.add_routes(OperationRoutes(self).routes(), prefix=PREFIX)

    def check_auth(self, request: Request) -> str | None:
        """The bearer token, if it is one of ``tokens``."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        return token if scheme.lower() == "bearer" and token in self.tokens else None

    # -- state access for tests ---------------------------------------------------------

    def status(self, operation_id: int) -> str:
        """The current status of an operation."""
        operation = self.operations[operation_id]
        if operation.forced is not None:
            return operation.forced
        elapsed = self.clock.now() - operation.created_at
        for status, end in zip(
            ("ready", "pending", "running"), itertools.accumulate(operation.durations), strict=True
        ):
            if elapsed < end:
                return status
        return operation.outcome

    def force_status(self, operation_id: int, status: str | None) -> None:
        """Pin an operation's status (``None`` returns it to the clock)."""
        check_status(status, STATUSES)
        self.operations[operation_id].forced = status

    def operation_object(self, operation_id: int) -> dict[str, Any]:
        """The operation object as ``GET`` returns it."""
        operation = self.operations[operation_id]
        status = self.status(operation_id)
        data = None
        if status == "done":
            if operation.result is None:
                contents = operation.query["contents"]
                operation.result = operation_data(
                    operation.query,
                    [self._kind(operation.query, c) for c in contents],
                    [self._key(c) for c in contents],
                )
            data = operation.result
        return {"status": status, "query": operation.query, "data": data}

    # -- helpers ------------------------------------------------------------------------

    def _check_contents(self, kind: str, contents: list[Any]) -> None:
        if kind == "text":
            if not all(isinstance(c, str) for c in contents):
                raise HTTPError(422, "text contents must be strings", code="invalid_contents")
            return
        if all(_is_id(c) for c in contents):
            missing = [str(c) for c in contents if c not in self.uploads]
            if missing:
                raise HTTPError(
                    422, f"unknown file id(s): {', '.join(missing)}", code="unknown_file"
                )
        elif all(isinstance(c, str) for c in contents):
            bad = [c for c in contents if not _is_url(c)]
            if bad:
                raise HTTPError(
                    422, f"not an S3 or http(s) URL: {bad[0]!r}", code="invalid_contents"
                )
        else:
            raise HTTPError(
                422,
                "file contents must be all file ids or all URLs, not mixed",
                code="mixed_contents",
            )

    def _durations(self) -> tuple[float, float, float]:
        if self.durations is not None:
            return self.durations
        total = self.config.processing_time
        return (total / 6, total / 3, total / 2)

    def _kind(self, query: dict[str, Any], content: str | int) -> str:
        if query["type"] == "text":
            return "text"
        if isinstance(content, int):
            return self.uploads[content].kind
        extension = posixpath.splitext(urllib.parse.urlsplit(content).path)[1].lower()
        return _URL_KINDS.get(extension, "image")

    def _key(self, content: str | int) -> str:
        return self.uploads[content].sha256 if isinstance(content, int) else content

    def _outcome(self, query: dict[str, Any]) -> str:
        names = [self.uploads[c].filename if isinstance(c, int) else c for c in query["contents"]]
        if any(INVALID_MARKER in name for name in names):
            return "invalid"
        if any(FAIL_MARKER in name for name in names):
            return "failed"
        kinds = {self._kind(query, c) for c in query["contents"]}
        if not any(applies(a, k) for a in query["analyses"] for k in kinds):
            return "invalid"
        return "done"


class OperationRoutes(RouteGroupBase[RedFlagEmulator]):
    """Operations: create (by URL or upload id), upload a file and retrieve."""

    @route("GET", "/{id:int}")
    async def retrieve(self, request: Request) -> Response:
        operation_id = int(request.path_params["id"])
        if operation_id not in self.emu.operations:
            raise HTTPError(404, f"operation {operation_id} not found")
        return json_response(self.emu.operation_object(operation_id))

    @route("POST", "")
    async def create(self, request: Request) -> Response:
        payload = await request.json()
        if not isinstance(payload, dict):
            raise HTTPError(400, "the body must be a JSON object", code="invalid_request")
        kind = _require(payload, "type", str)
        if kind not in ("text", "file"):
            raise HTTPError(
                422, f"type must be 'text' or 'file', got {kind!r}", code="invalid_type"
            )
        analyses = _require(payload, "analyses", list)
        if not analyses or not all(isinstance(a, str) for a in analyses):
            raise HTTPError(
                400, "analyses must be a non-empty array of strings", code="invalid_field"
            )
        unknown = [a for a in analyses if a not in ANALYSES]
        if unknown:
            raise HTTPError(
                422, f"unknown analysis type(s): {', '.join(unknown)}", code="invalid_analysis"
            )
        contents = _require(payload, "contents", list)
        if not contents:
            raise HTTPError(400, "contents must be a non-empty array", code="invalid_field")
        self.emu._check_contents(kind, contents)
        query: dict[str, Any] = {"type": kind, "analyses": analyses, "contents": contents}
        groups = payload.get("contents_groups")
        if groups is not None:
            query["contents_groups"] = _check_groups(groups, len(contents))

        assert request.credential is not None
        operation = StoredOperation(
            id=next(self.emu._operation_ids),
            query=query,
            created_at=self.emu.clock.now(),
            durations=self.emu._durations(),
            outcome=self.emu._outcome(query),
            credential=request.credential,
        )
        self.emu.operations[operation.id] = operation
        return json_response({"id": operation.id})

    @route("POST", "/upload")
    async def upload(self, request: Request) -> Response:
        form = await request.multipart()
        if form.fields or len(form.files) != 1 or form.files[0].field != "file":
            raise HTTPError(
                400,
                "expected exactly one multipart part, named 'file', with a filename",
                code="invalid_upload",
            )
        upload = form.files[0]
        kind = _upload_kind(upload.filename, upload.content_type)
        if kind is None:
            raise HTTPError(
                422, "only PNG, JPG, MP3 or MP4 files are allowed", code="unsupported_file_type"
            )
        if upload.size == 0:
            raise HTTPError(422, "the file is empty", code="empty_file")
        if self.emu.max_upload_size is not None and upload.size > self.emu.max_upload_size:
            raise HTTPError(
                413, f"the file exceeds {self.emu.max_upload_size} bytes", code="file_too_large"
            )
        assert request.credential is not None
        stored = StoredUpload(
            id=next(self.emu._upload_ids),
            filename=upload.filename,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
            kind=kind,
            credential=request.credential,
        )
        self.emu.uploads[stored.id] = stored
        return json_response({"id": stored.id})


def _require(payload: dict[str, Any], field: str, kind: type) -> Any:
    if field not in payload or payload[field] is None:
        raise HTTPError(400, f"{field} is required", code="missing_field")
    value = payload[field]
    if not isinstance(value, kind):
        raise HTTPError(400, f"{field} must be a {kind.__name__}", code="invalid_field")
    return value


def _check_groups(groups: object, count: int) -> list[str]:
    if not isinstance(groups, list) or not groups or not all(isinstance(g, str) for g in groups):
        raise HTTPError(
            400, "contents_groups must be a non-empty array of strings", code="invalid_field"
        )
    for group in groups:
        if not _GROUP.fullmatch(group):
            raise HTTPError(
                422,
                f"contents_groups entry {group!r} is not like '0,1,2'",
                code="invalid_contents_groups",
            )
        if any(int(i) >= count for i in group.split(",")):
            raise HTTPError(
                422,
                f"contents_groups entry {group!r} has an index out of range",
                code="invalid_contents_groups",
            )
    return list(groups)


def _upload_kind(filename: str, content_type: str | None) -> str | None:
    media_type = (content_type or "").partition(";")[0].strip().lower()
    if media_type and media_type != "application/octet-stream" and media_type not in _MIME_KINDS:
        return None
    extension = posixpath.splitext(filename.replace("\\", "/"))[1].lower()
    if extension:
        return _EXTENSION_KINDS.get(extension)
    return _MIME_KINDS.get(media_type)


register_emulator("redflag", RedFlagEmulator)
