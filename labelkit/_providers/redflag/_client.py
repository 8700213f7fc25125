"""The RedFlag "Product API for Social Understanding" operations client."""

from __future__ import annotations

import os
import typing
from collections.abc import Iterable, Mapping, Sequence

from typing_extensions import Unpack

from ..._bulk import BulkRun, Progress
from ..._client import AsyncAPIClient, CallOptions, ClientOptions
from ..._config import PollPolicy
from ..._errors import ValidationError
from ..._files import FileInput, multipart_body, prepare_upload
from ..._models import ResponseValidationError, structure
from ..._paths import segment
from ..._poll import JobState, WaitOptions
from ..._signatures import with_defaults
from ..._types import NOT_GIVEN, NotGiven
from ._models import ANALYSIS_TYPES, AnalysisType, ContentType, Operation, OperationStatus

__all__ = ["UPLOAD_TYPES", "AsyncRedFlag"]

#: Accepted upload extensions and the content type sent for each (the API
#: allows PNG, JPG, MP3 and MP4 only).
UPLOAD_TYPES: Mapping[str, str] = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "mp3": "audio/mpeg",
    "mp4": "video/mp4",
}

_FAILED = (OperationStatus.FAILED, OperationStatus.INVALID)
_OPERATION = "RedFlag operation"  # how a wait's errors name the operation


def _classify(operation: Operation) -> JobState:
    if operation.status is OperationStatus.DONE:
        return JobState.SUCCEEDED
    if operation.status in _FAILED:
        return JobState.FAILED
    return JobState.PENDING


class AsyncRedFlag(AsyncAPIClient):
    """Async client for RedFlag operations: upload files, create and wait for analyses.

    ``token`` is the JWT sent as ``Authorization: Bearer <token>`` (default:
    the ``REDFLAG_TOKEN`` environment variable). ``base_url`` overrides the
    API root (default ``REDFLAG_BASE_URL``, else the production URL);
    ``transport=`` is any httpx transport (an emulator's ``transport()``
    serves in-process; ``app=`` is a deprecated alias for an ASGI app).
    RedFlag documents no rate
    limit, so none is applied unless ``rate_limit=`` is given.

    Usage::

        async with AsyncRedFlag(token) as redflag:
            op = await redflag.analyze("text", ["sentiment-real", "topic"], ["I love it"])
            for content in op.data.contents: ...
    """

    provider = "redflag"
    default_base_url = "https://product-api.redflagai.co/api/v2/products/api"
    base_url_env = "REDFLAG_BASE_URL"
    default_rate_limit = None

    def __init__(
        self,
        token: str | None = None,
        *,
        poll: PollPolicy = PollPolicy(),
        **options: Unpack[ClientOptions],
    ) -> None:
        token = token or os.environ.get("REDFLAG_TOKEN")
        if not token:
            raise ValidationError("token", "missing: pass token= or set REDFLAG_TOKEN")
        self._poll = poll
        super().__init__(
            credential=token,
            auth_headers={"Authorization": f"Bearer {token}"},
            **options,
        )

    async def create_operation(
        self,
        type: ContentType | str,
        analyses: Sequence[AnalysisType | str],
        contents: Sequence[str] | Sequence[int],
        contents_groups: Sequence[Sequence[int]] | Sequence[str] | None = None,
        **call: Unpack[CallOptions],
    ) -> int:
        """Create an operation and queue it; returns the operation id.

        ``type`` is ``"text"`` (``contents`` are text entries) or ``"file"``
        (``contents`` are file ids from :meth:`upload_file`, or public S3 URLs,
        never mixed). ``contents_groups`` groups content indexes for the
        ``personality-mb`` analysis, e.g. ``[[1, 2, 3], [0, 4, 5]]`` (sent as
        ``["1,2,3", "0,4,5"]``; strings are sent exactly as given). The
        types and analyses are checked before sending; which contents and
        groups the API can use is the server's to judge.

        A create is not idempotent: if the connection breaks after the
        request was sent, :class:`~labelkit.AmbiguousResultError` is raised
        instead of creating a second operation.
        """
        payload: dict[str, object] = {
            "type": _content_type(type),
            "analyses": _analyses(analyses),
            "contents": _contents(_content_type(type), contents),
        }
        if contents_groups is not None:
            # Only personality-mb reads the groups, but the API does not refuse them
            # with other analyses: they are sent as given.
            payload["contents_groups"] = _groups(contents_groups)
        return await self._request_json(
            "POST",
            "operations",
            json=payload,
            **with_defaults(call, CallOptions, "create_operation"),
            parse=_id_of,
        )

    async def get_operation(
        self,
        id: int | str,
        **call: Unpack[CallOptions],
    ) -> Operation:
        """Retrieve an operation (status, query echo, and ``data`` once done).

        ``id`` is the id :meth:`create_operation` returned; a string is sent
        as given (one path segment).
        """
        path = _operation_path(id)
        body = await self._request_json(
            "GET", path, **with_defaults(call, CallOptions, "get_operation")
        )
        if isinstance(body, dict) and isinstance(body.get("data"), dict):
            for content in body["data"].get("contents") or []:
                # The seed's attribute table says analysis_type, its example analysis_types.
                if isinstance(content, dict) and "analysis_types" not in content:
                    if "analysis_type" in content:
                        content["analysis_types"] = content.pop("analysis_type")
        operation = structure(body, Operation)
        # The wire object carries no id: keep the one asked for ("7" is operation 7).
        operation.id = id if isinstance(id, int) else int(id) if id.isdecimal() else None
        return operation

    async def upload_file(
        self,
        file: FileInput,
        *,
        filename: str | None = None,
        **call: Unpack[CallOptions],
    ) -> int:
        """Upload a PNG, JPG, MP3 or MP4 file; returns the file id for ``contents``.

        ``file`` is a path, an open binary file or bytes (bytes need
        ``filename=``). The file is streamed, never read whole into memory,
        and its type is checked before anything is sent.
        """
        upload = await prepare_upload(file, field="file", filename=filename, allowed=UPLOAD_TYPES)
        return await self._request_json(
            "POST",
            "operations/upload",
            multipart=multipart_body(files=[("file", upload)]),
            **with_defaults(call, CallOptions, "upload_file"),
            parse=_id_of,
        )

    async def wait_operation(self, id: int | str, **wait: Unpack[WaitOptions]) -> Operation:
        """Poll until the operation is final and return it.

        ``done`` returns the operation; ``failed`` and ``invalid`` raise
        :class:`~labelkit.JobFailedError` (its ``job`` is the operation).
        ``timeout`` (seconds, default from the client's ``poll`` policy,
        ``None`` waits forever) raises :class:`~labelkit.PollTimeoutError`
        carrying the last state seen; the operation itself keeps running.
        """
        wait = with_defaults(wait, WaitOptions, "wait_operation")
        _operation_path(id)  # a bad id fails here, not at the first poll
        return await self._wait_job(id, self.get_operation, _classify, _OPERATION, **wait)

    async def analyze(
        self,
        type: ContentType | str,
        analyses: Sequence[AnalysisType | str],
        contents: Sequence[str] | Sequence[int],
        contents_groups: Sequence[Sequence[int]] | Sequence[str] | None = None,
        *,
        timeout: float | NotGiven | None = NOT_GIVEN,
    ) -> Operation:
        """Create an operation and wait for its result (see :meth:`create_operation`
        and :meth:`wait_operation`); ``timeout`` bounds the wait."""
        operation_id = await self.create_operation(type, analyses, contents, contents_groups)
        return await self.wait_operation(operation_id, timeout=timeout)

    def upload_files(
        self,
        files: Iterable[FileInput],
        *,
        concurrency: int = 8,
        on_progress: typing.Callable[[Progress], object] | None = None,
    ) -> BulkRun[FileInput, int]:
        """Upload many files with at most ``concurrency`` in flight.

        Yields one :class:`~labelkit.Outcome` per file in completion order,
        whose ``value`` is the file id; a rejected file is a failed outcome
        and never stops the others.
        """
        return self.bulk(self.upload_file, files, concurrency=concurrency, on_progress=on_progress)

    def wait_operations(
        self,
        ids: Iterable[int],
        *,
        concurrency: int = 256,
        **wait: Unpack[WaitOptions],
    ) -> BulkRun[int, Operation]:
        """Wait for many operations; yields an Outcome per id as each one finishes."""
        return self._wait_jobs(
            ids,
            self.get_operation,
            _classify,
            _OPERATION,
            concurrency=concurrency,
            **with_defaults(wait, WaitOptions, "wait_operations"),
        )


def _content_type(value: ContentType | str) -> str:
    if not isinstance(value, str) or value not in (ContentType.TEXT, ContentType.FILE):
        raise ValidationError("type", f"must be 'text' or 'file', got {value!r}")
    return str(ContentType(value).value)


def _analyses(values: Sequence[AnalysisType | str]) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise ValidationError("analyses", "must be a non-empty list of analysis types")
    out: list[str] = []
    for i, value in enumerate(values):
        if not isinstance(value, str) or value not in ANALYSIS_TYPES:
            allowed = ", ".join(sorted(ANALYSIS_TYPES))
            raise ValidationError(f"analyses[{i}]", f"unknown analysis {value!r}", limit=allowed)
        out.append(str(AnalysisType(value).value))
    return out


def _contents(kind: str, values: Sequence[str] | Sequence[int]) -> list[str | int]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise ValidationError("contents", "must be a non-empty list")
    items: list[str | int] = list(values)
    if kind == "text":
        for i, value in enumerate(items):
            if not isinstance(value, str):
                raise ValidationError(
                    f"contents[{i}]", f"type 'text' needs strings, got {type(value).__name__}"
                )
        return items
    ids = [isinstance(v, int) and not isinstance(v, bool) for v in items]
    urls = [isinstance(v, str) for v in items]
    # The API refuses ids and URLs mixed in one request; which URLs it can read
    # (https://, s3://, a bucket's host) is its own to judge.
    if not (all(ids) or all(urls)):
        raise ValidationError(
            "contents",
            "type 'file' needs either all file ids (int, from upload_file) or all URLs, "
            "never mixed",
        )
    return items


def _groups(groups: Sequence[Sequence[int]] | Sequence[str]) -> list[str]:
    """The wire form: a string is sent exactly as given, an index list as ``"1,2,3"``.

    Which indexes and spellings (``"0, 1"``) a group may hold is the server's to judge.
    """
    if isinstance(groups, (str, bytes)) or not isinstance(groups, Sequence):
        raise ValidationError("contents_groups", "must be a list of index groups")
    out: list[str] = []
    for g, group in enumerate(groups):
        if isinstance(group, str):
            out.append(group)
            continue
        if isinstance(group, bytes) or not isinstance(group, Sequence):
            raise ValidationError(
                f"contents_groups[{g}]", "must be a string or a list of content indexes"
            )
        for index in group:
            if isinstance(index, bool) or not isinstance(index, int):
                raise ValidationError(f"contents_groups[{g}]", f"index {index!r} is not an int")
        out.append(",".join(str(i) for i in group))
    return out


def _operation_path(value: int | str) -> str:
    """``operations/{id}``: an int id or a string naming one, as one path segment."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationError("id", f"must be an operation id (int or str), got {value!r}")
    return f"operations/{segment(str(value), field='id')}"


def _id_of(body: object) -> int:
    if isinstance(body, dict):
        value = body.get("id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    raise ResponseValidationError('expected {"id": <integer>}', path="response", body=body)
