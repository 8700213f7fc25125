"""A stateful emulator of Scale's v1 REST API (tasks, batches, projects, files, teams).

Routes, all under ``/v1`` as in the official SDK's v1 surface:

- tasks: ``POST task/<type>`` for every type of the 2.x SDK and the seed-era
  endpoints (``categorize``, ``phonecall``, ``audiotranscription``), ``GET
  task/<id>``, ``POST task/<id>/cancel`` (``?clear_unique_id=true``), ``POST
  task/<id>/audit``, ``POST``/``DELETE task/<id>/unique_id``, ``POST
  task/<id>/setMetadata``, ``POST``/``PUT``/``DELETE task/<id>/tags``, ``GET
  tasks``, ``POST evaluation_tasks/<type>``, ``POST training_tasks/<type>``;
- :mod:`._resources`: batches, projects, files, teams;
- :mod:`._studio`: Studio (``/v1/studio``); :mod:`._v2`: the v2 API (``/v2``).

Every group of routes is a class with a method per route, each declared with
:func:`~labelkit._emulator.route` (:class:`~labelkit._emulator.RouteGroupBase`);
:mod:`._task_routes` has the task routes.

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
    Receive,
    Request,
    RouteGroup,
    Scope,
    Send,
    register_emulator,
)
from ._callbacks import CallbackAttempt, CallbackDeliverer
from ._resources import BatchRoutes, FileRoutes, ProjectRoutes, RapidRoutes, TeamRoutes
from ._state import (
    MODES,
    Account,
    StoredBatch,
    StoredTask,
    Timeline,
    batch_json,
    task_json,
)
from ._studio import StudioRoutes
from ._task_routes import TaskRoutes
from ._tasks import TaskRules
from ._v2 import V2_PREFIX, V2BatchRoutes, V2State, V2TaskRoutes, bearer_key
from ._v2_datasets import V2DatasetRoutes, V2FileRoutes
from ._v2_projects import V2ProjectRoutes

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
            name="scale",
            backoff=callback_backoff,
            backoff_max=callback_backoff_max,
            max_attempts=callback_max_attempts,
        )
        self._seq = itertools.count(1)
        self.v2 = V2State()  # what only the /v2 API has (_v2.py)
        v1_groups: tuple[RouteGroup, ...] = (
            TaskRoutes(self),
            BatchRoutes(self),
            ProjectRoutes(self),
            FileRoutes(self),
            TeamRoutes(self),
            RapidRoutes(self),
        )
        for group in v1_groups:
            self.add_routes(group.routes(), prefix=PREFIX)
        self.add_routes(StudioRoutes(self).routes(), prefix=PREFIX + "/studio")
        v2_groups = (V2TaskRoutes, V2BatchRoutes, V2ProjectRoutes, V2DatasetRoutes)
        for v2_group in v2_groups:
            self.add_routes(v2_group(self, self.v2).routes(), prefix=V2_PREFIX)
        self.add_routes(V2FileRoutes(self, self.v2).routes(), auth=False)

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

    def next_seq(self) -> int:
        """The sequence number of a new task (v1 and v2 share it)."""
        return next(self._seq)


register_emulator("scale", ScaleEmulator)
