"""Task validation and the ``GET /v1/tasks`` listing of the Scale emulator."""

from __future__ import annotations

import base64
import binascii
import bisect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import httpx

from ..._emulator import HTTPError, Request
from ._state import (
    LEGACY_TYPES,
    REVIEW_STATUSES,
    TASK_TYPES,
    TOP_LEVEL_FIELDS,
    Account,
    StoredTask,
    Timeline,
    limited_task_json,
    task_json,
)

__all__ = [
    "ERROR_MARKER",
    "TaskRules",
    "as_list",
    "list_tasks",
    "new_task_fields",
    "page_param",
    "read_json",
    "require_bool",
    "require_string",
]

_T = TypeVar("_T", dict[str, Any], list[Any])

#: An attachment containing this ends the task with status ``error``.
ERROR_MARKER = "__error__"
MAX_LIMIT = 100
#: Types that take no ``attachment`` / ``attachments``.
_NO_ATTACHMENT = frozenset(
    {"chat", "chatexperimental", "chatlite", "multichat", "multistage", "textcollection"}
)
_URGENCIES = ("immediate", "day", "week")
_TASK_STATUSES = ("pending", "completed", "canceled", "error")
_LIST_PARAMS = frozenset(
    {
        "start_time",
        "end_time",
        "status",
        "type",
        "project",
        "batch",
        "limit",
        "offset",
        "next_token",
        "completed_before",
        "completed_after",
        "updated_before",
        "updated_after",
        "customer_review_status",
        "tags",
        "unique_id",
        "include_attachment_url",
        "limited_response",
    }
)


# -- request bodies ---------------------------------------------------------------------


async def read_json(request: Request, kind: type[_T]) -> _T:
    """The body as a JSON object or array; an empty body is ``{}`` / ``[]``.

    Form-encoded bodies (which Scale's docs allow) are read as an object of
    strings, repeated keys as arrays.
    """
    body: Any
    if request.content_type.startswith("application/x-www-form-urlencoded"):
        body = _form_object((await request.form()).fields)
    elif await request.body():
        body = await request.json(require_content_type=False)
    else:
        body = kind()
    if not isinstance(body, kind):
        raise HTTPError(400, f"the body must be a JSON {'object' if kind is dict else 'array'}")
    return body


def _form_object(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, text in pairs:
        fields[key] = [*as_list(fields[key]), text] if key in fields else text
    return fields


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else ``[value]``."""
    return value if isinstance(value, list) else [value]


def require_bool(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise HTTPError(400, f"{name} must be true or false")
    return value


def require_string(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise HTTPError(400, f"Missing required parameter: {name}")
    return value


def page_param(
    query: Any, name: str, default: int, low: int = 0, high: int = 10**9, *, echo: bool = False
) -> int:
    """The integer query parameter ``name`` within ``[low, high]`` (``default`` when absent).

    ``echo`` ends the 400 messages with the value sent, as the task listing's do.
    """
    raw = query.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        got = f", got {raw!r}" if echo else ""
        raise HTTPError(400, f"{name} must be an integer{got}") from None
    if not low <= value <= high:
        got = f", got {value}" if echo else ""
        raise HTTPError(400, f"{name} must be between {low} and {high}{got}")
    return value


# -- tasks ------------------------------------------------------------------------------


@attrs.frozen
class TaskRules:
    """Account-wide task settings: the types answered 402."""

    disabled_types: frozenset[str] = frozenset()

    def task_type(self, endpoint: str) -> str:
        """The task type an endpoint name creates (400 unknown, 402 disabled)."""
        task_type = LEGACY_TYPES.get(endpoint, endpoint)
        if task_type not in TASK_TYPES:
            raise HTTPError(400, f"Invalid task type {endpoint!r}")
        if task_type in self.disabled_types:
            raise HTTPError(402, f"The {task_type} task type is not enabled for your account")
        return task_type


def _optional(body: Mapping[str, Any], name: str, kind: type, label: str) -> Any:
    value = body.get(name)
    if value is not None and not isinstance(value, kind):
        raise HTTPError(400, f"{name} must be {label}")
    return value


def new_task_fields(
    rules: TaskRules, account: Account, task_type: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Validate a create body; the :class:`StoredTask` fields it gives (plus ``waits``)."""
    instruction = _optional(body, "instruction", str, "a string")
    urgency = _optional(body, "urgency", str, "a string")
    if urgency is not None and urgency not in _URGENCIES:
        raise HTTPError(400, f"urgency must be one of {', '.join(_URGENCIES)}")
    callback_url = _optional(body, "callback_url", str, "a string")
    metadata = _optional(body, "metadata", dict, "an object") or {}
    unique_id = _optional(body, "unique_id", str, "a string")
    if unique_id == "":
        raise HTTPError(400, "unique_id must not be empty")
    tags = _optional(body, "tags", list, "an array of strings") or []
    if not all(isinstance(tag, str) and tag for tag in tags):
        raise HTTPError(400, "tags must be an array of non-empty strings")
    project_name = _optional(body, "project", str, "a project name")
    batch_name = _optional(body, "batch", str, "a batch name")

    params = {k: v for k, v in body.items() if k not in TOP_LEVEL_FIELDS}
    project = account.projects.get(project_name) if project_name else None
    if project_name and project is None:
        raise HTTPError(400, f"Project {project_name!r} does not exist")
    waits = False
    if batch_name:
        batch = account.batches.get(batch_name)
        if batch is None:
            raise HTTPError(400, f"Batch {batch_name!r} does not exist")
        if project_name and batch.project != project_name:
            raise HTTPError(400, f"Batch {batch_name!r} belongs to project {batch.project!r}")
        if batch.finalized_at is not None:
            raise HTTPError(400, f"Batch {batch_name!r} is finalized; tasks cannot be added")
        project_name, project = batch.project, account.projects[batch.project]
        waits = True
    if project is not None:
        defaults = project.params
        instruction = instruction or defaults.pop("instruction", None)
        params = {**defaults, **params}
    _check_params(task_type, params)
    attachment = str(params.get("attachment", "")) + str(params.get("attachments", ""))
    return {
        "params": params,
        "instruction": instruction,
        "urgency": urgency,
        "callback_url": callback_url or None,
        "metadata": dict(metadata),
        "unique_id": unique_id,
        "tags": list(dict.fromkeys(tags)),
        "project": project_name,
        "batch": batch_name,
        "outcome": "error" if ERROR_MARKER in attachment else "completed",
        "waits": waits,
    }


def _check_params(task_type: str, params: dict[str, Any]) -> None:
    if task_type == "comparison":
        attachments = params.get("attachments")
        if not isinstance(attachments, list) or len(attachments) < 2:
            raise HTTPError(400, "attachments must be an array of at least 2 attachments")
    elif task_type not in _NO_ATTACHMENT and not (
        params.get("attachment") or params.get("attachments")
    ):
        raise HTTPError(400, "Missing required parameter: attachment")
    if task_type == "categorization" and not params.get("taxonomies"):
        categories = params.get("categories")
        if not isinstance(categories, list) or not categories:
            raise HTTPError(400, "categories must be a non-empty array")
    if task_type == "phonecall" and not params.get("phone_number"):
        raise HTTPError(400, "Missing required parameter: phone_number")


# -- listing ----------------------------------------------------------------------------


def encode_token(seq: int) -> str:
    """An opaque cursor: continue with tasks created before task number ``seq``."""
    return base64.urlsafe_b64encode(f"before:{seq}".encode()).decode("ascii").rstrip("=")


def decode_token(token: str) -> int:
    """The task number a :func:`encode_token` cursor stands for (400 if malformed)."""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        prefix, _, number = text.partition(":")
        if prefix != "before":
            raise ValueError(text)
        return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise HTTPError(400, f"Invalid next_token {token!r}") from None


def _flag(query: httpx.QueryParams, name: str) -> bool:
    raw = (query.get(name) or "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise HTTPError(400, f"{name} must be true or false, got {raw!r}")
    return raw in ("true", "1")


def _filters(
    query: httpx.QueryParams, timeline: Timeline, now: float
) -> list[Callable[[StoredTask], bool]]:
    checks: list[Callable[[StoredTask], bool]] = []

    def bound(name: str, value: Callable[[StoredTask], float], after: bool) -> None:
        raw = query.get(name)
        if raw:
            limit = timeline.seconds(name, raw)
            if after:
                checks.append(lambda t: value(t) >= limit)
            else:
                checks.append(lambda t: value(t) <= limit)

    def completed(task: StoredTask) -> float:
        return task.finish_at if task.status(now) == "completed" else float("nan")

    bound("start_time", lambda t: t.created_at, True)
    bound("end_time", lambda t: t.created_at, False)
    bound("completed_after", completed, True)
    bound("completed_before", completed, False)
    bound("updated_after", lambda t: t.last_update(now), True)
    bound("updated_before", lambda t: t.last_update(now), False)
    status = query.get("status")
    if status:
        if status not in _TASK_STATUSES:
            raise HTTPError(400, f"status must be one of {', '.join(_TASK_STATUSES)}")
        checks.append(lambda t: t.status(now) == status)
    for name in ("type", "project", "batch"):
        wanted = query.get(name)
        if wanted:
            checks.append(_attribute_is(name, wanted))
    reviews = {v for raw in query.get_list("customer_review_status") for v in raw.split(",") if v}
    if reviews - set(REVIEW_STATUSES):
        raise HTTPError(400, f"customer_review_status must be among {', '.join(REVIEW_STATUSES)}")
    if reviews:
        checks.append(lambda t: (t.review_status or "pending") in reviews)
    tags = set(query.get_list("tags"))
    if tags:
        checks.append(lambda t: tags <= set(t.tags))
    unique_ids = set(query.get_list("unique_id"))
    if unique_ids:
        checks.append(lambda t: t.unique_id in unique_ids)
    return checks


def _attribute_is(name: str, wanted: str) -> Callable[[StoredTask], bool]:
    return lambda task: bool(getattr(task, name) == wanted)


def list_tasks(
    tasks: list[StoredTask], query: httpx.QueryParams, now: float, timeline: Timeline
) -> dict[str, Any]:
    """The ``GET /v1/tasks`` envelope for ``tasks`` (newest first)."""
    unknown = sorted(set(query.keys()) - _LIST_PARAMS)
    if unknown:
        raise HTTPError(400, f"Illegal parameter {unknown[0]!r}")
    limit = page_param(query, "limit", MAX_LIMIT, 1, MAX_LIMIT, echo=True)
    checks = _filters(query, timeline, now)
    matching = [task for task in tasks if all(check(task) for check in checks)]
    token = query.get("next_token")
    if token:
        before = decode_token(token)
        # ``matching`` is sorted by seq, descending: find the first one older than the cursor.
        start = bisect.bisect_left([-task.seq for task in matching], -before + 1)
    else:
        start = page_param(query, "offset", 0, echo=True)
    page = matching[start : start + limit]
    has_more = start + len(page) < len(matching)
    if _flag(query, "limited_response"):
        docs = [limited_task_json(task, now) for task in page]
    else:
        with_url = _flag(query, "include_attachment_url")
        docs = [task_json(task, now, timeline, attachment_url=with_url) for task in page]
    return {
        "docs": docs,
        "total": len(matching),
        "limit": limit,
        "offset": start,
        "has_more": has_more,
        "next_token": encode_token(page[-1].seq) if has_more and page else None,
    }
