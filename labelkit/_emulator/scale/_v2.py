"""Scale's v2 ("GenAI") API in the Scale emulator, on the same state as v1.

A task, batch or project created through v1 is visible through v2 and back.
v2 ids of projects and batches (which v1 names only) are derived from the
mode and the name. Deliveries, annotations, schemas and datasets have no v1
counterpart: tests seed them with the ``seed_*`` methods of :class:`V2State`
(``emulator.v2``). Lists page with an opaque ``next_token`` (``limit`` 1-100,
default 100); the last page has ``next_token: null``. Auth: ``Authorization:
Bearer <key>`` (Basic is accepted too, as the v2 spec allows).
``datasets/task/<id>/response_url/<attachment>`` answers 302 to an
unauthenticated ``/v2-files/...`` URL on the same host that serves the bytes.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import attrs

from ..._emulator import (
    HTTPError,
    Request,
    Response,
    RouteGroupBase,
    json_response,
    route,
    routes_of,
)
from ._state import StoredBatch, StoredTask, batch_status, task_json
from ._tasks import decode_token, encode_token, read_json

if TYPE_CHECKING:
    from ._app import ScaleEmulator

__all__ = [
    "V2_PREFIX",
    "V2BatchRoutes",
    "V2State",
    "V2TaskRoutes",
    "V2Views",
    "bearer_key",
    "v2_id",
]

V2_PREFIX = "/v2"


def v2_id(kind: str, mode: str, name: str) -> str:
    """The v2 id of a v1 project or batch (stable: derived from its mode and name)."""
    return f"{kind}_" + hashlib.sha256(f"{mode}/{name}".encode()).hexdigest()[:20]


def bearer_key(emulator: ScaleEmulator, request: Request) -> str | None:
    """The API key of a ``Bearer`` header on a ``/v2`` path, if it is an accepted key."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if not request.path.startswith(V2_PREFIX + "/") or scheme.lower() != "bearer":
        return None
    return key.strip() if key.strip() in emulator.api_keys else None


@attrs.define
class V2State:
    """What only v2 has. ``seed_*`` add objects (``mode`` is ``"live"`` or ``"test"``)."""

    batch_flags: dict[tuple[str, str], str] = attrs.Factory(dict)
    deliveries: dict[str, dict[str, Any]] = attrs.Factory(dict)
    annotations: dict[str, dict[str, Any]] = attrs.Factory(dict)
    schemas: dict[str, dict[str, Any]] = attrs.Factory(dict)
    datasets: dict[str, dict[str, Any]] = attrs.Factory(dict)
    dataset_deliveries: dict[str, dict[str, Any]] = attrs.Factory(dict)
    dataset_tasks: dict[str, dict[str, Any]] = attrs.Factory(dict)
    files: dict[tuple[str, str], bytes] = attrs.Factory(dict)

    def seed_delivery(
        self, mode: str, id: str, name: str, project: str, task_ids: list[str], delivered_at: str
    ) -> None:
        """A delivery of v1/v2 tasks (by id) of ``project`` (a name)."""
        self.deliveries[id] = dict(
            id=id, name=name, mode=mode, project=project, task_ids=task_ids, at=delivered_at
        )

    def seed_annotation(self, mode: str, annotation: dict[str, Any]) -> None:
        """An annotation object (must have ``id``)."""
        self.annotations[annotation["id"]] = {"mode": mode, "record": annotation}

    def seed_schema(self, mode: str, id: str, schema: object) -> None:
        """A response schema."""
        self.schemas[id] = {"mode": mode, "record": {"id": id, "json": schema}}

    def seed_dataset(
        self, mode: str, id: str, name: str, deliveries: dict[str, tuple[str, str]]
    ) -> None:
        """A dataset and its deliveries (``{id: (name, delivered_at)}``)."""
        self.datasets[id] = {"mode": mode, "record": {"id": id, "name": name}}
        for delivery_id, (delivery_name, at) in deliveries.items():
            self.dataset_deliveries[delivery_id] = dict(
                mode=mode, id=delivery_id, name=delivery_name, at=at, dataset=id
            )

    def seed_dataset_task(
        self, task_id: str, delivery_id: str, response: object, files: dict[str, bytes]
    ) -> None:
        """A task of a dataset delivery, with attachment bytes by attachment id."""
        delivery = self.dataset_deliveries[delivery_id]
        self.dataset_tasks[task_id] = dict(
            task_id=task_id, delivery=delivery_id, dataset=delivery["dataset"], response=response
        )
        for attachment, data in files.items():
            self.files[(task_id, attachment)] = data


def page(request: Request, items: list[Any], key: str) -> dict[str, Any]:
    """One page of ``items`` under ``key``, with the ``next_token`` of the next."""
    query = request.query
    raw_limit = query.get("limit") or "100"
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
        raise HTTPError(400, "limit must be an integer from 1 to 100")
    start = decode_token(query["next_token"]) if query.get("next_token") else 0
    end = start + int(raw_limit)
    return {key: items[start:end], "next_token": encode_token(end) if end < len(items) else None}


def deep_merge(into: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(into)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class V2Views(RouteGroupBase["ScaleEmulator"]):
    """What every ``/v2`` route group shares: the v2 views of v1 objects and lookups."""

    def __init__(self, emu: ScaleEmulator, state: V2State) -> None:
        super().__init__(emu)
        self.state = state
        self.tl = emu.timeline

    def mode(self, request: Request) -> str:
        return self.emu.account(request).mode

    def after(self, request: Request, name: str, seconds: float | None) -> bool:
        """Whether ``seconds`` passes the ``<name>_after`` / ``<name>_before`` filters."""
        low, high = request.query.get(f"{name}_after"), request.query.get(f"{name}_before")
        if low is None and high is None:
            return True
        if seconds is None:
            return False
        return (low is None or seconds >= self.tl.seconds(f"{name}_after", low)) and (
            high is None or seconds < self.tl.seconds(f"{name}_before", high)
        )

    def project_json(self, m: str, name: str) -> dict[str, Any]:
        project = self.emu.accounts[m].projects[name]
        return {
            "id": v2_id("project", m, name),
            "name": name,
            "created_at": self.tl.iso(project.created_at),
            "types": [project.type],
        }

    def _named(
        self,
        request: Request,
        values: dict[str, Any],
        kind: str,
        names: Collection[str],
        required: bool,
    ) -> str | None:
        """The name given as ``<kind>_id`` or ``<kind>_name`` in ``values``; 404 if unknown."""
        m, what = self.mode(request), kind.capitalize()
        given_id, name = values.get(f"{kind}_id"), values.get(f"{kind}_name")
        if given_id is not None:
            name = next((n for n in names if v2_id(kind, m, n) == given_id), None)
            if name is None:
                raise HTTPError(404, f"{what} {given_id!r} not found")
        if name is None:
            if required:
                raise HTTPError(400, f"{kind}_id or {kind}_name is required")
            return None
        if name not in names:
            raise HTTPError(404, f"{what} {name!r} not found")
        return str(name)

    def project_name(self, request: Request, values: dict[str, Any], required: bool) -> str | None:
        projects = self.emu.accounts[self.mode(request)].projects
        return self._named(request, values, "project", projects, required)

    def find_batch(
        self, request: Request, values: dict[str, Any], required: bool
    ) -> StoredBatch | None:
        batches = self.emu.accounts[self.mode(request)].batches
        name = self._named(request, values, "batch", batches, required)
        return None if name is None else batches[name]

    def batch_json(self, m: str, batch: StoredBatch, expand: list[str]) -> dict[str, Any]:
        tasks, now = self.emu.batch_tasks(batch), self.emu.clock.now()
        v1 = self.emu.batch_object(m, batch.name)
        record: dict[str, Any] = {
            "id": v2_id("batch", m, batch.name),
            "name": batch.name,
            "project": v2_id("project", m, batch.project),
            "created_at": v1["created_at"],
            "status": self.state.batch_flags.get((m, batch.name))
            or batch_status(batch, tasks, now),
            "metadata": dict(batch.metadata),
        }
        if batch.callback:
            record["callback"] = batch.callback
        if "completed_at" in v1:
            record["completed_at"] = v1["completed_at"]
        if "project" in expand:
            record["project"] = self.project_json(m, batch.project)
        return record

    def task_v2(self, task: StoredTask, expand: list[str]) -> dict[str, Any]:
        v1 = task_json(task, self.emu.clock.now(), self.tl)
        record: dict[str, Any] = {
            "task_id": task.id,
            "status": v1["status"],
            "created_at": v1["created_at"],
            "metadata": v1["metadata"],
            "threads": [],
        }
        if task.project is not None:
            record["project"] = (
                self.project_json(task.mode, task.project)
                if "project" in expand
                else v2_id("project", task.mode, task.project)
            )
        if task.batch is not None:
            batch = self.emu.accounts[task.mode].batches[task.batch]
            record["batch"] = (
                self.batch_json(task.mode, batch, [])
                if "batch" in expand
                else v2_id("batch", task.mode, task.batch)
            )
        if "completed_at" in v1:
            record["completed_at"] = v1["completed_at"]
        return record

    def expand_of(self, request: Request) -> list[str]:
        return request.query.get_list("expand")

    def owned(self, request: Request, table: dict[str, dict[str, Any]], key: str, what: str) -> Any:
        entry = table.get(request.query.get(key) or "")
        if entry is None or entry["mode"] != self.mode(request):
            raise HTTPError(404, f"{what} {request.query.get(key)!r} not found")
        return entry

    def account_tasks(self, request: Request) -> list[StoredTask]:
        m, now = self.mode(request), self.emu.clock.now()
        tasks = [self.emu.tasks[i] for i in self.emu.accounts[m].task_ids]
        q = dict(request.query)
        name = self.project_name(request, q, False)
        batch = self.find_batch(request, q, False)
        status = request.query.get("status")
        return [
            t
            for t in tasks
            if (name is None or t.project == name)
            and (batch is None or t.batch == batch.name)
            and (status is None or t.status(now) == status)
            and self.after(
                request, "completed", t.finish_at if t.status(now) == "completed" else None
            )
        ]

    def delivered_after(self, request: Request, at: str) -> bool:
        return self.after(request, "delivered", self.tl.seconds("delivered_at", at))


class V2TaskRoutes(V2Views):
    """``task``, ``tasks``, ``task/chat`` and ``task/metadata``."""

    @route("GET", "/task")
    async def get_task(self, request: Request) -> Response:
        task = self.emu.tasks.get(request.query.get("task_id") or "")
        if task is None or task.mode != self.mode(request):
            raise HTTPError(404, f"Task {request.query.get('task_id')!r} not found")
        return json_response(self.task_v2(task, self.expand_of(request)))

    @route("GET", "/tasks")
    async def get_tasks(self, request: Request) -> Response:
        tasks = [self.task_v2(t, self.expand_of(request)) for t in self.account_tasks(request)]
        return json_response(page(request, tasks, "tasks"))

    @route("POST", "/task/chat")
    async def create_chat_task(self, request: Request) -> Response:
        body, account = await read_json(request, dict), self.emu.account(request)
        project = self.project_name(request, body, True)
        batch = self.find_batch(request, body, False)
        now = self.emu.clock.now()
        seq = self.emu.next_seq()
        task = StoredTask(
            id=f"64e{seq:021x}",
            seq=seq,
            type="chat",
            mode=account.mode,
            params={"template_variables": body.get("template_variables") or {}},
            created_at=now,
            updated_at=now,
            duration=self.emu.config.processing_time,
            start_at=None if batch is not None and batch.finalized_at is None else now,
            metadata=body.get("metadata") or {},
            callback_url=body.get("callback_url"),
            project=project,
            batch=None if batch is None else batch.name,
        )
        self.emu.tasks[task.id] = task
        account.task_ids.append(task.id)
        if batch is not None:
            batch.task_ids.append(task.id)
        return json_response(self.task_v2(task, []))

    @route("POST", "/task/metadata")
    async def set_task_metadata(self, request: Request) -> Response:
        body = await read_json(request, dict)
        task = self.emu.tasks.get(body.get("task_id") or "")
        if task is None or task.mode != self.mode(request):
            raise HTTPError(404, f"Task {body.get('task_id')!r} not found")
        if not isinstance(body.get("metadata"), dict):
            raise HTTPError(400, "metadata must be an object")
        merge = body.get("merge", False)
        task.metadata = deep_merge(task.metadata, body["metadata"]) if merge else body["metadata"]
        task.touch(self.emu.clock.now())
        return json_response(self.task_v2(task, []))


class V2BatchRoutes(V2Views):
    """``batch``, ``batches``, the batch operations and ``batch/metadata``."""

    @route("GET", "/batch")
    async def get_batch(self, request: Request) -> Response:
        batch = self.find_batch(request, dict(request.query), True)
        assert batch is not None
        return json_response(self.batch_json(self.mode(request), batch, self.expand_of(request)))

    @route("GET", "/batches")
    async def get_batches(self, request: Request) -> Response:
        m, q = self.mode(request), dict(request.query)
        name = self.project_name(request, q, False)
        records = [
            self.batch_json(m, b, self.expand_of(request))
            for b in self.emu.accounts[m].batches.values()
            if (name is None or b.project == name)
            and self.after(request, "created", b.created_at)
            and (q.get("status") is None or self.batch_json(m, b, [])["status"] == q["status"])
        ]
        return json_response(page(request, records, "batches"))

    @route("POST", "/batch")
    async def create_batch(self, request: Request) -> Response:
        body, account = await read_json(request, dict), self.emu.account(request)
        name, project = body.get("name"), self.project_name(request, body, True)
        assert project is not None
        if not isinstance(name, str) or not name:
            raise HTTPError(400, "name is required")
        if name in account.batches:
            raise HTTPError(409, f"A batch named {name!r} already exists")
        now = self.emu.clock.now()
        batch = StoredBatch(
            name,
            project,
            now,
            callback=body.get("callback") or "",
            metadata=body.get("metadata") or {},
        )
        if not body.get("staging_batch", False):
            batch.finalized_at = now
        account.batches[name] = batch
        return json_response(self.batch_json(account.mode, batch, []))

    @routes_of(
        ("POST", f"/batch/{operation}", {"operation": operation})
        for operation in ("finalize", "pause", "resume", "cancel")
    )
    async def batch_operation(self, request: Request, operation: str) -> Response:
        body, m, now = await read_json(request, dict), self.mode(request), self.emu.clock.now()
        batch = self.find_batch(request, body, True)
        assert batch is not None
        flag = self.state.batch_flags.get((m, batch.name))
        if flag == "cancelled" and operation != "finalize":
            raise HTTPError(400, f"Batch {batch.name!r} is cancelled")
        if operation == "finalize":
            if batch.finalized_at is None:
                batch.finalized_at = now
                for task in self.emu.batch_tasks(batch):
                    if task.start_at is None and task.canceled_at is None:
                        task.start_at = now
            return json_response(self.batch_json(m, batch, []))
        if operation == "pause":
            self.state.batch_flags[(m, batch.name)] = "paused"
        elif operation == "resume":
            self.state.batch_flags.pop((m, batch.name), None)
        else:
            self.state.batch_flags[(m, batch.name)] = "cancelled"
            for task in self.emu.batch_tasks(batch):
                if task.status(now) == "pending":
                    task.canceled_at = now
        return json_response({"batch": self.batch_json(m, batch, []), "message": f"{operation}d"})

    @route("POST", "/batch/metadata")
    async def set_batch_metadata(self, request: Request) -> Response:
        body = await read_json(request, dict)
        batch = self.find_batch(request, body, True)
        assert batch is not None
        if not isinstance(body.get("metadata"), dict):
            raise HTTPError(400, "metadata must be an object")
        update = body["metadata"]
        batch.metadata = deep_merge(batch.metadata, update) if body.get("merge") else update
        return json_response(self.batch_json(self.mode(request), batch, []))
