"""What every part of the Scale client shares: v1 requests, argument checks, task parsing.

The operations live in mixins (``_tasks``, ``_task_types``, ``_batches``,
``_account``) that :class:`~labelkit.scale.AsyncScale` combines, so that the
client keeps the official SDK's flat method names (``client.create_task``,
``client.get_batch`` ...).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import typing
import uuid
from collections.abc import Iterable, Mapping

from ..._client import AsyncAPIClient, ParsedT
from ..._config import PollPolicy
from ..._errors import (
    AmbiguousResultError,
    APIStatusError,
    ConflictError,
    LabelkitError,
    ValidationError,
)
from ..._http import HttpResponse
from ..._models import ResponseValidationError
from ..._pagination import Page, iter_cursor
from ..._paths import segment
from ._errors import NotEnabledError
from ._models import M, Task, Tasklist, TaskType, parse
from ._v2 import redirected

__all__ = ["DEFAULT_POLL", "QueryValue", "content_unique_id", "new_unique_id"]

QueryValue = typing.Union[str, int, bool, None, list[str]]
When = typing.Union[str, dt.datetime, dt.date, None]

#: Humans label Scale tasks in minutes to days, so waits poll slowly: first after
#: 10 s, then every 10 s growing x1.5 up to every 5 minutes, for at most a day.
DEFAULT_POLL = PollPolicy(
    initial_delay=10.0, interval=10.0, backoff=1.5, max_interval=300.0, timeout=86400.0
)


def new_unique_id(prefix: str = "labelkit-") -> str:
    """A random ``unique_id`` (``prefix`` + 32 hex digits)."""
    return prefix + uuid.uuid4().hex


def content_unique_id(
    task_type: str, params: Mapping[str, typing.Any], prefix: str = "labelkit-"
) -> str:
    """The ``unique_id`` of ``create_tasks(unique_ids="content")``: a hash of type and parameters.

    The same parameters always give the same id, so the same input sent again
    (by a re-run, another process or the CLI) makes no second task.
    """
    try:
        canonical = json.dumps([task_type, params], sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise ValidationError("items", f"is not JSON-serialisable ({exc})") from None
    return prefix + hashlib.sha256(canonical.encode()).hexdigest()[:32]


class _ScaleBase(AsyncAPIClient):
    """Shared helpers of the Scale mixins (not used directly)."""

    _poll: PollPolicy
    _auto_unique_id: bool

    async def _v1(
        self,
        method: str,
        path: str,
        *,
        parse: typing.Callable[[typing.Any], ParsedT] | None = None,
        **kwargs: typing.Any,
    ) -> ParsedT:
        """A request to ``/v1/<path>`` (``Content-Type: application/json`` even without a
        body), its JSON body parsed (an empty body is ``None``).

        ``parse`` turns the body into the result inside the core, so that a
        create whose answer cannot be read is ambiguous, not failed.
        """
        # The official SDK sends this header on every v1 request, GETs and bodiless POSTs too.
        headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
        return await self._request_json(
            method, "v1/" + path, parse=parse, headers=headers, **kwargs
        )

    async def _post_settled(
        self,
        path: str,
        cls: type[M],
        where: str | None = None,
        *,
        settled: typing.Callable[[], typing.Awaitable[M]],
        ours: typing.Callable[[M], bool],
        **kwargs: typing.Any,
    ) -> M:
        """``POST /v1/<path>`` retried after a timeout or a 5xx, parsed as ``cls``
        (``where`` names the operation in errors; default ``POST /v1/<path>``).

        A 409 after such a retry may answer our own earlier, successful
        attempt: the object is read again (``settled``) and returned when
        ``ours`` says it is the one we asked for. A 409 on the first attempt,
        or one about some other object, raises the :class:`~labelkit.ConflictError`.
        """
        try:
            raw = await self._v1("POST", path, idempotent=True, **kwargs)
        except ConflictError as conflict:
            if conflict.retries_taken == 0:
                raise
            current = await settled()
            if not ours(current):
                raise conflict from None
            return current
        return self._parse(raw, cls, where or f"POST /v1/{path}")

    def _parse(self, raw: object, cls: type[M], where: str) -> M:
        try:
            return parse(raw, cls)
        except ResponseValidationError as exc:
            raise ResponseValidationError(
                str(exc).split(": ", 1)[-1], path=f"{where}: {exc.path}", body=raw
            ) from None

    def _parse_list(self, raw: object, cls: type[M], where: str) -> list[M]:
        if not isinstance(raw, list):
            raise ResponseValidationError(
                f"expected a list, got {type(raw).__name__}", path=where, body=raw
            )
        return [self._parse(item, cls, where) for item in raw]

    def _task_page(self, raw: object, where: str) -> Tasklist:
        if not isinstance(raw, dict) or not isinstance(raw.get("docs"), list):
            raise ResponseValidationError('expected {"docs": [...], ...}', path=where, body=raw)
        return Tasklist(
            self._parse_list(raw["docs"], Task, where),
            total=_int(raw.get("total")),
            limit=_int(raw.get("limit")),
            offset=_int(raw.get("offset")),
            has_more=raw.get("has_more") is True,
            next_token=raw.get("next_token") or None,
        )

    async def _create_task_at(self, path: str, kind: str, params: Mapping[str, object]) -> Task:
        """POST a task create; with a ``unique_id`` it is retried and a 409 resolved.

        A ``unique_id`` makes the create idempotent on Scale's side, so the
        core may re-send it after a timeout, a dropped connection or a 5xx. A
        409 then means the task exists (often created by our own earlier
        attempt): it is looked up by ``unique_id`` and returned, unless it is
        of another type or project, which is a real collision (ConflictError).
        """
        body = _body("params", params)
        unique_id = body.get("unique_id")
        if unique_id is None and self._auto_unique_id:
            unique_id = body["unique_id"] = new_unique_id()
        if unique_id is not None:
            _string("unique_id", unique_id)
        where = f"POST /v1/{path}"
        project = body.get("project")
        try:
            return await self._v1(
                "POST",
                path,
                json=body,
                idempotent=True if unique_id else None,
                parse=lambda raw: self._parse(raw, Task, where),
            )
        except ConflictError as conflict:
            if not isinstance(unique_id, str) or not unique_id:
                raise
            existing = await self._task_by_unique_id(
                unique_id, project if isinstance(project, str) else None
            )
            if existing is None or not _same_task(existing, kind, project):
                raise conflict from None
            return existing
        except ResponseValidationError as unreadable:
            # Only a keyed create gets here (the core makes any other one ambiguous):
            # Scale accepted it, so the task is looked up by its unique_id.
            lost = AmbiguousResultError(
                f"{where} was accepted but its answer could not be read ({unreadable}); "
                f"no task with unique_id {unique_id!r} was found",
                error=unreadable,
                method="POST",
                url=where,
            )
            try:
                existing = await self._task_by_unique_id(
                    str(unique_id), project if isinstance(project, str) else None
                )
            except LabelkitError as exc:
                raise lost from exc
            if existing is None or not _same_task(existing, kind, project):
                raise lost from unreadable
            return existing

    async def _get_task(self, task_id: str) -> Task:
        raw = await self._v1("GET", f"task/{segment(task_id, field='task_id')}")
        return self._parse(raw, Task, "GET /v1/task")

    async def _task_by_unique_id(self, unique_id: str, project: str | None) -> Task | None:
        """The task whose ``unique_id`` is exactly ``unique_id``, reading every page."""

        async def fetch(cursor: str | None) -> Page[Task]:
            query: dict[str, QueryValue] = {
                "unique_id": unique_id,
                "project": project,
                "next_token": cursor,
            }
            page = self._task_page(await self._v1("GET", "tasks", params=query), "GET /v1/tasks")
            return Page(page, has_more=page.has_more, next_cursor=page.next_token)

        async for task in iter_cursor(fetch, key=lambda task: task.task_id):
            if task.unique_id == unique_id:
                return task
        return None

    def _status_error(
        self, response: HttpResponse, method: str, url: str, retries: int
    ) -> APIStatusError:
        error = super()._status_error(response, method, url, retries)
        if 300 <= response.status < 400 and "location" in response.headers:
            # The v2 response_url answers 302: its Location is the result, never followed.
            # Redacted: a server may echo the API key in it.
            return redirected(error, self._redact(response.headers["location"]), response.url)
        if response.status == 402:
            return NotEnabledError(
                error.message,
                status=402,
                code=error.code,
                request_id=error.request_id,
                body=error.body,
                method=method,
                url=url,
                retries_taken=retries,
            )
        return error


def _same_task(task: Task, kind: str, project: object) -> bool:
    if task.type is not None and task.type.value != kind:
        return False
    return not (isinstance(project, str) and task.project not in (None, project))


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- argument checks: raise ValidationError before anything is sent ----------------------


def _text(field: str, value: object) -> str:
    """A string that must not be empty: one that names a path segment or an object we
    read back, where ``""`` would reach a different endpoint."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"must be a non-empty string, got {value!r}")
    return value


def _string(field: str, value: object) -> str:
    """A string sent as it is, ``""`` included (the server judges its value)."""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, got {type(value).__name__}")
    return value


def _task_type(value: object) -> str:
    kind = value.value if isinstance(value, TaskType) else value
    text = _text("task_type", kind)
    if not text.replace("_", "").isalnum():
        raise ValidationError("task_type", f"{text!r} is not a task type", limit="letters, digits")
    return text


def _strings(field: str, value: Iterable[str] | str) -> list[str]:
    if isinstance(value, str):
        return [value]
    items = list(value)
    for i, item in enumerate(items):
        _string(f"{field}[{i}]", item)
    return items


def _when(field: str, value: When) -> str | None:
    """A time filter as ISO-8601. A naive datetime is sent as the official SDK sends it
    (``str()``: ``2024-01-01 00:00:00``), which Scale documents as UTC."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return str(value)
        return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise ValidationError(field, f"expected an ISO-8601 string or a datetime, got {value!r}")


def _count(field: str, value: int | None) -> int | None:
    """An integer query value (``limit``, ``offset``) sent as it is: the official SDK
    checks no range, and the server answers one it refuses."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValidationError(field, f"must be an integer, got {value!r}")
    return value


def _object(field: str, value: Mapping[str, object]) -> dict[str, typing.Any]:
    """A user-defined JSON object sent as it is (metadata: no key has a meaning to us)."""
    body = dict(value)
    _jsonable(field, body)
    return body


def _body(field: str, value: Mapping[str, object]) -> dict[str, typing.Any]:
    """A JSON object body, checked now (not mid-request) to be serialisable."""
    body = dict(value)
    # Sent as given, None as null, as the official SDK does: the server validates the
    # fields (the SDK dropped its client-side whitelist in 0.2.16).
    _jsonable(field, body)
    return body


def _jsonable(field: str, value: object) -> None:
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(field, f"is not JSON-serialisable ({exc})") from None
