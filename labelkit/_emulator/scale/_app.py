"""A stateful emulator of Scale's v1 REST API (tasks, batches, projects, files, teams).

Routes, all under ``/v1`` as in the official SDK's v1 surface:

- tasks: ``POST task/<type>`` for every type of the 2.x SDK and the seed-era
  endpoints (``categorize``, ``phonecall``, ``audiotranscription``), ``GET
  task/<id>``, ``POST task/<id>/cancel`` (``?clear_unique_id=true``), ``POST
  task/<id>/audit``, ``POST``/``DELETE task/<id>/unique_id``, ``POST
  task/<id>/setMetadata``, ``POST``/``PUT``/``DELETE task/<id>/tags``, ``GET
  tasks``, ``POST evaluation_tasks/<type>``, ``POST training_tasks/<type>``;
- :mod:`._resources`: batches, projects, files, teams.

Auth is HTTP Basic with an API key as the user name and an empty password.
Keys start ``live_`` or ``test_`` and the prefix picks the mode: live and test
objects (tasks, unique ids, batches, projects, files, teammates) never see
each other. Defaults: :data:`DEFAULT_LIVE_KEY` and :data:`DEFAULT_TEST_KEY`.

Errors are ``{"status_code": <status>, "error": "<message>"}``: 400 invalid
parameters, 401 bad key, 402 a type in ``disabled_types``, 404, 409 a
``unique_id`` / batch / project name in use or a task already canceled, 500
canceling a completed task (as Scale's old docs say), 429 and injected 5xx.

A task is ``pending`` for ``config.processing_time`` simulated seconds
(``emulator.clock``), then ``completed`` with a ``response`` derived from a
SHA-256 of its id and params (:mod:`._responses`). An attachment
containing ``__error__`` ends ``error`` instead. Tasks of a batch in staging
wait until the batch is finalized. :meth:`ScaleEmulator.force_status` pins a
status. When a task with a ``callback_url`` completes, the emulator POSTs
``{"task": ..., "response": ..., "task_id": ...}`` with the
``scale-callback-auth`` header to it (loopback URLs only) and redelivers with
backoff on the simulated clock until a 2xx (:mod:`._callbacks`).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import itertools
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..._emulator import (
    EmulatorApp,
    EmulatorConfig,
    HTTPError,
    Receive,
    Request,
    Response,
    Scope,
    Send,
    json_response,
    register_emulator,
)
from ._callbacks import CallbackAttempt, CallbackDeliverer
from ._resources import add_resource_routes
from ._responses import task_response
from ._state import (
    MODES,
    Account,
    StoredBatch,
    StoredTask,
    Timeline,
    batch_json,
    task_json,
)
from ._studio import add_studio_routes
from ._tasks import TaskRules, list_tasks, new_task_fields, read_json
from ._v2 import add_v2_routes, bearer_key

__all__ = [
    "DEFAULT_CALLBACK_AUTH_KEY",
    "DEFAULT_LIVE_KEY",
    "DEFAULT_TEST_KEY",
    "PREFIX",
    "CallbackAttempt",
    "ScaleEmulator",
    "StoredTask",
]

PREFIX = "/v1"
DEFAULT_LIVE_KEY = "live_emulator_0000000000000000"
DEFAULT_TEST_KEY = "test_emulator_0000000000000000"
DEFAULT_CALLBACK_AUTH_KEY = "emulator-callback-auth-key"
_FORCEABLE = ("pending", "completed", "error", "canceled")


class ScaleEmulator(EmulatorApp):
    """Scale's v1 API in memory.

    ``api_keys`` are the accepted keys (each must start ``live_`` or
    ``test_``). ``callback_auth_key`` is sent as ``scale-callback-auth`` on
    callbacks of live tasks, ``test_callback_auth_key`` (default: the same) on
    those of test tasks. ``callback_backoff`` (simulated seconds, doubling up to
    ``callback_backoff_max``) spaces redeliveries, at most
    ``callback_max_attempts`` attempts. ``disabled_types`` answer 402.
    ``epoch`` is the wall-clock time of simulated second 0 (default: now).

    ``deliverer`` sends the callbacks. State for tests: ``tasks`` (by id,
    both modes), ``accounts`` (``"live"`` / ``"test"``: unique ids, batches,
    projects, files, teammates) and ``callbacks`` (every delivery attempt).
    """

    auth_challenge = 'Basic realm="Scale API"'

    def __init__(
        self,
        *,
        config: EmulatorConfig | None = None,
        api_keys: Iterable[str] = (DEFAULT_LIVE_KEY, DEFAULT_TEST_KEY),
        callback_auth_key: str = DEFAULT_CALLBACK_AUTH_KEY,
        test_callback_auth_key: str | None = None,
        callback_backoff: float = 1.0,
        callback_backoff_max: float = 3600.0,
        callback_max_attempts: int = 20,
        disabled_types: Iterable[str] = (),
        epoch: datetime.datetime | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(config=config, name="scale", timer=timer)
        self.api_keys = frozenset(api_keys)
        for key in self.api_keys:
            if not key.startswith(("live_", "test_")):
                raise ValueError("Scale API keys start with 'live_' or 'test_'")
        self.callback_auth_keys = {
            "live": callback_auth_key,
            "test": test_callback_auth_key or callback_auth_key,
        }
        self.rules = TaskRules(disabled_types=frozenset(disabled_types))
        now = epoch or datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        self.timeline = Timeline(now)
        self.tasks: dict[str, StoredTask] = {}
        self.accounts: dict[str, Account] = {mode: Account(mode) for mode in MODES}
        for account in self.accounts.values():
            account.teammates["owner@example.com"] = {"email": "owner@example.com", "role": "admin"}
        self.deliverer = CallbackDeliverer(
            self.clock.now,
            backoff=callback_backoff,
            backoff_max=callback_backoff_max,
            max_attempts=callback_max_attempts,
        )
        self._seq = itertools.count(1)
        self._add_task_routes()
        add_resource_routes(self)
        add_studio_routes(self)  # /v1/studio (_studio.py)
        self.v2 = add_v2_routes(self)  # the /v2 routes on the same state (_v2.py)

    # -- framework hooks ----------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route on the raw path: ``%2F`` in a batch or project name stays in its segment."""
        raw = scope.get("raw_path") if scope.get("type") == "http" else None
        if raw:
            scope = dict(scope)
            scope["path"] = bytes(raw).partition(b"?")[0].decode("latin-1")
        await super().__call__(scope, receive, send)

    def check_auth(self, request: Request) -> str | None:
        """The API key of a Basic ``key:`` header (or a v2 Bearer), if it is one of ``api_keys``."""
        if (key := bearer_key(self, request)) is not None:
            return key
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        key, _, password = decoded.partition(":")
        return key if key in self.api_keys and not password else None

    def error_body(self, status: int, code: str, message: str) -> object:
        return {"status_code": status, "error": message}

    # -- state access for tests ---------------------------------------------------------

    @property
    def callbacks(self) -> list[CallbackAttempt]:
        """Every callback delivery attempt so far (skipped ones have ``skipped=True``)."""
        return list(self.deliverer.attempts)

    def account(self, request: Request) -> Account:
        """The live or test account of the request's key."""
        assert request.credential is not None
        return self.accounts["test" if request.credential.startswith("test_") else "live"]

    def task_object(self, task_id: str) -> dict[str, Any]:
        """The task as ``GET /v1/task/<id>`` returns it."""
        return task_json(self.tasks[task_id], self.clock.now(), self.timeline)

    def batch_object(self, mode: str, name: str) -> dict[str, Any]:
        """The batch as ``GET /v1/batches/<name>`` returns it."""
        batch = self.accounts[mode].batches[name]
        return batch_json(batch, self.batch_tasks(batch), self.clock.now(), self.timeline)

    def batch_tasks(self, batch: StoredBatch) -> list[StoredTask]:
        """The tasks created in ``batch``."""
        return [self.tasks[task_id] for task_id in batch.task_ids]

    def force_status(self, task_id: str, status: str) -> None:
        """Move a task to ``status`` now (``pending`` parks it until forced again)."""
        if status not in _FORCEABLE:
            raise ValueError(f"unknown status {status!r}; one of {', '.join(_FORCEABLE)}")
        task, now = self.tasks[task_id], self.clock.now()
        task.touch(now)
        if status == "canceled":
            task.canceled_at = now
            return
        task.canceled_at = None
        if status == "pending":
            task.start_at = None
            return
        task.outcome, task.start_at, task.duration = status, now, 0.0

    def close(self) -> None:
        """Forget undelivered callbacks (the delivery thread then ends)."""
        self.deliverer.close()

    # -- tasks --------------------------------------------------------------------------

    def _add_task_routes(self) -> None:
        add = self.add_route
        add("POST", PREFIX + "/task/{type}", self._create_task)
        add("GET", PREFIX + "/task/{id}", self._get_task)
        add("POST", PREFIX + "/task/{id}/cancel", self._cancel_task)
        add("POST", PREFIX + "/task/{id}/audit", self._audit_task)
        add("POST", PREFIX + "/task/{id}/unique_id", self._set_unique_id)
        add("DELETE", PREFIX + "/task/{id}/unique_id", self._clear_unique_id)
        add("POST", PREFIX + "/task/{id}/setMetadata", self._set_metadata)
        for method in ("POST", "PUT", "DELETE"):
            add(method, PREFIX + "/task/{id}/tags", self._tags)
        add("GET", PREFIX + "/tasks", self._list_tasks)

    def _task_response(self, task: StoredTask) -> Response:
        return json_response(task_json(task, self.clock.now(), self.timeline))

    def _task(self, request: Request) -> StoredTask:
        task = self.tasks.get(request.path_params["id"])
        if task is None or task.mode != self.account(request).mode:
            raise HTTPError(404, f"No task found with id {request.path_params['id']!r}")
        return task

    async def _create_task(self, request: Request) -> Response:
        account, now = self.account(request), self.clock.now()
        task_type = self.rules.task_type(request.path_params["type"])
        body = await read_json(request, dict)
        fields = new_task_fields(self.rules, account, task_type, body)
        unique_id = fields["unique_id"]
        if unique_id is not None and unique_id in account.unique_ids:
            raise HTTPError(409, _conflict(unique_id, account.unique_ids[unique_id]))
        seq = next(self._seq)
        task = StoredTask(
            id=f"64e{seq:021x}",
            seq=seq,
            type=task_type,
            mode=account.mode,
            created_at=now,
            updated_at=now,
            duration=self.config.processing_time,
            start_at=None if fields.pop("waits") else now,
            **fields,
        )
        task.response = task_response(task.id, task_type, task.params)
        self.tasks[task.id] = task
        account.task_ids.append(task.id)
        if unique_id is not None:
            account.unique_ids[unique_id] = task.id
        if task.batch is not None:
            account.batches[task.batch].task_ids.append(task.id)
        if task.callback_url:
            task.callback_succeeded = False
            self._schedule_callback(task)
        return self._task_response(task)

    async def _get_task(self, request: Request) -> Response:
        return self._task_response(self._task(request))

    async def _cancel_task(self, request: Request) -> Response:
        task, now = self._task(request), self.clock.now()
        status = task.status(now)
        if status == "canceled":
            raise HTTPError(409, f"Task {task.id} has already been canceled")
        if status != "pending":
            raise HTTPError(500, f"Task {task.id} is already {status} and cannot be canceled")
        task.canceled_at = now
        task.touch(now)
        if _flag(request.query.get("clear_unique_id")):
            self._drop_unique_id(task)
        return self._task_response(task)

    async def _audit_task(self, request: Request) -> Response:
        task, now = self._task(request), self.clock.now()
        body = await read_json(request, dict)
        accepted = body.get("accepted")
        if not isinstance(accepted, bool):
            raise HTTPError(400, "accepted must be true or false")
        comments = body.get("comments")
        if comments is not None and not isinstance(comments, str):
            raise HTTPError(400, "comments must be a string")
        if task.status(now) != "completed":
            raise HTTPError(400, f"Task {task.id} is not completed and cannot be audited")
        audit = {
            "audited_by": "customer",
            "audited_at": self.timeline.iso(now),
            "audit_time_secs": 0,
            "accepted": accepted,
            "comments": comments,
            "source": "customer",
        }
        task.audits.append(audit)
        task.review_status = "accepted" if accepted else "rejected"
        task.touch(now)
        return self._task_response(task)

    async def _set_unique_id(self, request: Request) -> Response:
        task, account = self._task(request), self.account(request)
        unique_id = (await read_json(request, dict)).get("unique_id")
        if not isinstance(unique_id, str) or not unique_id:
            raise HTTPError(400, "unique_id must be a non-empty string")
        owner = account.unique_ids.get(unique_id)
        if owner is not None and owner != task.id:
            raise HTTPError(409, _conflict(unique_id, owner))
        self._drop_unique_id(task)
        task.unique_id = unique_id
        account.unique_ids[unique_id] = task.id
        task.touch(self.clock.now())
        return self._task_response(task)

    async def _clear_unique_id(self, request: Request) -> Response:
        task = self._task(request)
        self._drop_unique_id(task)
        task.touch(self.clock.now())
        return self._task_response(task)

    def _drop_unique_id(self, task: StoredTask) -> None:
        if task.unique_id is not None:
            self.accounts[task.mode].unique_ids.pop(task.unique_id, None)
            task.unique_id = None

    async def _set_metadata(self, request: Request) -> Response:
        task = self._task(request)
        task.metadata = await read_json(request, dict)
        task.touch(self.clock.now())
        return self._task_response(task)

    async def _tags(self, request: Request) -> Response:
        task = self._task(request)
        tags = await read_json(request, list)
        if not all(isinstance(tag, str) and tag for tag in tags):
            raise HTTPError(400, "tags must be an array of non-empty strings")
        if request.method == "POST":
            task.tags = list(dict.fromkeys(tags))
        elif request.method == "PUT":
            task.tags = list(dict.fromkeys([*task.tags, *tags]))
        else:
            task.tags = [tag for tag in task.tags if tag not in tags]
        task.touch(self.clock.now())
        return self._task_response(task)

    async def _list_tasks(self, request: Request) -> Response:
        account, now = self.account(request), self.clock.now()
        candidates = [self.tasks[task_id] for task_id in reversed(account.task_ids)]
        return json_response(list_tasks(candidates, request.query, now, self.timeline))

    # -- callbacks ----------------------------------------------------------------------

    def _schedule_callback(self, task: StoredTask) -> None:
        assert task.callback_url is not None

        def ready(now: float) -> bool | None:
            status = task.status(now)
            if status in ("canceled", "error"):
                return None  # never called back
            return status == "completed"

        def payload() -> object:
            record = task_json(task, self.clock.now(), self.timeline)
            return {"task": record, "response": record.get("response"), "task_id": task.id}

        def on_result(ok: bool) -> None:
            task.callback_succeeded = task.callback_succeeded or ok

        self.deliverer.add(
            "task",
            task.id,
            task.callback_url,
            self.callback_auth_keys[task.mode],
            ready=ready,
            payload=payload,
            on_result=on_result,
        )


def _conflict(unique_id: str, task_id: str) -> str:
    return f"The unique_id ({unique_id!r}) is already used for a different task ({task_id})."


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


register_emulator("scale", ScaleEmulator)
