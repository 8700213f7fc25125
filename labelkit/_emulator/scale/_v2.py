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
import urllib.parse
from typing import TYPE_CHECKING, Any

import attrs

from ..._emulator import HTTPError, Request, Response, json_response
from ._state import StoredBatch, StoredTask, batch_status, task_json
from ._tasks import decode_token, encode_token, read_json

if TYPE_CHECKING:
    from ._app import ScaleEmulator

__all__ = ["V2State", "add_v2_routes", "bearer_key"]

P = "/v2"


def v2_id(kind: str, mode: str, name: str) -> str:
    """The v2 id of a v1 project or batch (stable: derived from its mode and name)."""
    return f"{kind}_" + hashlib.sha256(f"{mode}/{name}".encode()).hexdigest()[:20]


def bearer_key(emulator: ScaleEmulator, request: Request) -> str | None:
    """The API key of a ``Bearer`` header on a ``/v2`` path, if it is an accepted key."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if not request.path.startswith(P + "/") or scheme.lower() != "bearer":
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


def _page(request: Request, items: list[Any], key: str) -> dict[str, Any]:
    query = request.query
    raw_limit = query.get("limit") or "100"
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
        raise HTTPError(400, "limit must be an integer from 1 to 100")
    start = decode_token(query["next_token"]) if query.get("next_token") else 0
    end = start + int(raw_limit)
    return {key: items[start:end], "next_token": encode_token(end) if end < len(items) else None}


def _deep_merge(into: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(into)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def add_v2_routes(emulator: ScaleEmulator) -> V2State:
    """Register the ``/v2`` routes on ``emulator``; returns the v2-only state."""
    state, add, tl = V2State(), emulator.add_route, emulator.timeline

    def mode(request: Request) -> str:
        return emulator.account(request).mode

    def after(request: Request, name: str, seconds: float | None) -> bool:
        """Whether ``seconds`` passes the ``<name>_after`` / ``<name>_before`` filters."""
        low, high = request.query.get(f"{name}_after"), request.query.get(f"{name}_before")
        if low is None and high is None:
            return True
        if seconds is None:
            return False
        return (low is None or seconds >= tl.seconds(f"{name}_after", low)) and (
            high is None or seconds < tl.seconds(f"{name}_before", high)
        )

    def project_json(m: str, name: str) -> dict[str, Any]:
        project = emulator.accounts[m].projects[name]
        return {
            "id": v2_id("project", m, name),
            "name": name,
            "created_at": tl.iso(project.created_at),
            "types": [project.type],
        }

    def project_name(request: Request, values: dict[str, Any], required: bool) -> str | None:
        m = mode(request)
        pid, name = values.get("project_id"), values.get("project_name")
        projects = emulator.accounts[m].projects
        if pid is not None:
            name = next((n for n in projects if v2_id("project", m, n) == pid), None)
            if name is None:
                raise HTTPError(404, f"Project {pid!r} not found")
        if name is None:
            if required:
                raise HTTPError(400, "project_id or project_name is required")
            return None
        if name not in projects:
            raise HTTPError(404, f"Project {name!r} not found")
        return str(name)

    def find_batch(request: Request, values: dict[str, Any], required: bool) -> StoredBatch | None:
        m = mode(request)
        bid, name = values.get("batch_id"), values.get("batch_name")
        batches = emulator.accounts[m].batches
        if bid is not None:
            name = next((n for n in batches if v2_id("batch", m, n) == bid), None)
            if name is None:
                raise HTTPError(404, f"Batch {bid!r} not found")
        if name is None:
            if required:
                raise HTTPError(400, "batch_id or batch_name is required")
            return None
        if name not in batches:
            raise HTTPError(404, f"Batch {name!r} not found")
        return batches[name]

    def batch_json(m: str, batch: StoredBatch, expand: list[str]) -> dict[str, Any]:
        tasks, now = emulator.batch_tasks(batch), emulator.clock.now()
        v1 = emulator.batch_object(m, batch.name)
        record: dict[str, Any] = {
            "id": v2_id("batch", m, batch.name),
            "name": batch.name,
            "project": v2_id("project", m, batch.project),
            "created_at": v1["created_at"],
            "status": state.batch_flags.get((m, batch.name)) or batch_status(batch, tasks, now),
            "metadata": dict(batch.metadata),
        }
        if batch.callback:
            record["callback"] = batch.callback
        if "completed_at" in v1:
            record["completed_at"] = v1["completed_at"]
        if "project" in expand:
            record["project"] = project_json(m, batch.project)
        return record

    def task_v2(task: StoredTask, expand: list[str]) -> dict[str, Any]:
        v1 = task_json(task, emulator.clock.now(), tl)
        record: dict[str, Any] = {
            "task_id": task.id,
            "status": v1["status"],
            "created_at": v1["created_at"],
            "metadata": v1["metadata"],
            "threads": [],
        }
        if task.project is not None:
            record["project"] = (
                project_json(task.mode, task.project)
                if "project" in expand
                else v2_id("project", task.mode, task.project)
            )
        if task.batch is not None:
            batch = emulator.accounts[task.mode].batches[task.batch]
            record["batch"] = (
                batch_json(task.mode, batch, [])
                if "batch" in expand
                else v2_id("batch", task.mode, task.batch)
            )
        if "completed_at" in v1:
            record["completed_at"] = v1["completed_at"]
        return record

    def expand_of(request: Request) -> list[str]:
        return request.query.get_list("expand")

    def owned(request: Request, table: dict[str, dict[str, Any]], key: str, what: str) -> Any:
        entry = table.get(request.query.get(key) or "")
        if entry is None or entry["mode"] != mode(request):
            raise HTTPError(404, f"{what} {request.query.get(key)!r} not found")
        return entry

    def account_tasks(request: Request) -> list[StoredTask]:
        m, now = mode(request), emulator.clock.now()
        tasks = [emulator.tasks[i] for i in emulator.accounts[m].task_ids]
        q = dict(request.query)
        name = project_name(request, q, False)
        batch = find_batch(request, q, False)
        status = request.query.get("status")
        return [
            t
            for t in tasks
            if (name is None or t.project == name)
            and (batch is None or t.batch == batch.name)
            and (status is None or t.status(now) == status)
            and after(request, "completed", t.finish_at if t.status(now) == "completed" else None)
        ]

    # -- tasks --------------------------------------------------------------------------

    async def get_task(request: Request) -> Response:
        task = emulator.tasks.get(request.query.get("task_id") or "")
        if task is None or task.mode != mode(request):
            raise HTTPError(404, f"Task {request.query.get('task_id')!r} not found")
        return json_response(task_v2(task, expand_of(request)))

    async def get_tasks(request: Request) -> Response:
        tasks = [task_v2(t, expand_of(request)) for t in account_tasks(request)]
        return json_response(_page(request, tasks, "tasks"))

    async def create_chat_task(request: Request) -> Response:
        body, account = await read_json(request, dict), emulator.account(request)
        project = project_name(request, body, True)
        batch = find_batch(request, body, False)
        now = emulator.clock.now()
        seq = next(emulator._seq)
        task = StoredTask(
            id=f"64e{seq:021x}",
            seq=seq,
            type="chat",
            mode=account.mode,
            params={"template_variables": body.get("template_variables") or {}},
            created_at=now,
            updated_at=now,
            duration=emulator.config.processing_time,
            start_at=None if batch is not None and batch.finalized_at is None else now,
            metadata=body.get("metadata") or {},
            callback_url=body.get("callback_url"),
            project=project,
            batch=None if batch is None else batch.name,
        )
        emulator.tasks[task.id] = task
        account.task_ids.append(task.id)
        if batch is not None:
            batch.task_ids.append(task.id)
        return json_response(task_v2(task, []))

    async def set_task_metadata(request: Request) -> Response:
        body = await read_json(request, dict)
        task = emulator.tasks.get(body.get("task_id") or "")
        if task is None or task.mode != mode(request):
            raise HTTPError(404, f"Task {body.get('task_id')!r} not found")
        if not isinstance(body.get("metadata"), dict):
            raise HTTPError(400, "metadata must be an object")
        merge = body.get("merge", False)
        task.metadata = _deep_merge(task.metadata, body["metadata"]) if merge else body["metadata"]
        task.touch(emulator.clock.now())
        return json_response(task_v2(task, []))

    # -- batches ------------------------------------------------------------------------

    async def get_batch(request: Request) -> Response:
        batch = find_batch(request, dict(request.query), True)
        assert batch is not None
        return json_response(batch_json(mode(request), batch, expand_of(request)))

    async def get_batches(request: Request) -> Response:
        m, q = mode(request), dict(request.query)
        name = project_name(request, q, False)
        records = [
            batch_json(m, b, expand_of(request))
            for b in emulator.accounts[m].batches.values()
            if (name is None or b.project == name)
            and after(request, "created", b.created_at)
            and (q.get("status") is None or batch_json(m, b, [])["status"] == q["status"])
        ]
        return json_response(_page(request, records, "batches"))

    async def create_batch(request: Request) -> Response:
        body, account = await read_json(request, dict), emulator.account(request)
        name, project = body.get("name"), project_name(request, body, True)
        assert project is not None
        if not isinstance(name, str) or not name:
            raise HTTPError(400, "name is required")
        if name in account.batches:
            raise HTTPError(409, f"A batch named {name!r} already exists")
        now = emulator.clock.now()
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
        return json_response(batch_json(account.mode, batch, []))

    async def batch_operation(request: Request) -> Response:
        body, m, now = await read_json(request, dict), mode(request), emulator.clock.now()
        batch = find_batch(request, body, True)
        assert batch is not None
        operation = request.path.rsplit("/", 1)[-1]
        flag = state.batch_flags.get((m, batch.name))
        if flag == "cancelled" and operation != "finalize":
            raise HTTPError(400, f"Batch {batch.name!r} is cancelled")
        if operation == "finalize":
            if batch.finalized_at is None:
                batch.finalized_at = now
                for task in emulator.batch_tasks(batch):
                    if task.start_at is None and task.canceled_at is None:
                        task.start_at = now
            return json_response(batch_json(m, batch, []))
        if operation == "pause":
            state.batch_flags[(m, batch.name)] = "paused"
        elif operation == "resume":
            state.batch_flags.pop((m, batch.name), None)
        else:
            state.batch_flags[(m, batch.name)] = "cancelled"
            for task in emulator.batch_tasks(batch):
                if task.status(now) == "pending":
                    task.canceled_at = now
        return json_response({"batch": batch_json(m, batch, []), "message": f"{operation}d"})

    async def set_batch_metadata(request: Request) -> Response:
        body = await read_json(request, dict)
        batch = find_batch(request, body, True)
        assert batch is not None
        if not isinstance(body.get("metadata"), dict):
            raise HTTPError(400, "metadata must be an object")
        update = body["metadata"]
        batch.metadata = _deep_merge(batch.metadata, update) if body.get("merge") else update
        return json_response(batch_json(mode(request), batch, []))

    # -- projects, deliveries, annotations, schemas ---------------------------------------

    async def get_project(request: Request) -> Response:
        name = project_name(request, dict(request.query), True)
        assert name is not None
        return json_response(project_json(mode(request), name))

    async def get_projects(request: Request) -> Response:
        m = mode(request)
        return json_response(
            {
                "projects": [
                    project_json(m, name)
                    for name, p in emulator.accounts[m].projects.items()
                    if after(request, "created", p.created_at)
                ]
            }
        )

    def delivery_json(entry: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        project = entry["project"]
        return {
            "id": entry["id"],
            "name": entry["name"],
            "task_count": len(entry["task_ids"]),
            "delivered_at": entry["at"],
            "project": project_json(entry["mode"], project)
            if "project" in expand
            else v2_id("project", entry["mode"], project),
        }

    def delivered_after(request: Request, at: str) -> bool:
        return after(request, "delivered", tl.seconds("delivered_at", at))

    async def get_deliveries(request: Request) -> Response:
        name = project_name(request, dict(request.query), False)
        found = [
            delivery_json(d, expand_of(request))
            for d in state.deliveries.values()
            if d["mode"] == mode(request)
            and (name is None or d["project"] == name)
            and delivered_after(request, d["at"])
        ]
        return json_response({"deliveries": found})

    def delivery_of(request: Request) -> dict[str, Any]:
        if request.query.get("delivery_id") is None:
            name = request.query.get("delivery_name")
            match = [d for d in state.deliveries.values() if d["name"] == name]
            if not match or match[0]["mode"] != mode(request):
                raise HTTPError(404, f"Delivery {name!r} not found")
            return match[0]
        return dict(owned(request, state.deliveries, "delivery_id", "Delivery"))

    async def get_delivery(request: Request) -> Response:
        entry = delivery_of(request)
        tasks = [task_v2(emulator.tasks[i], expand_of(request)) for i in entry["task_ids"]]
        page = _page(request, tasks, "tasks")
        return json_response({"delivery": delivery_json(entry, expand_of(request)), **page})

    async def get_delivery_tasks(request: Request) -> Response:
        entries = [d for d in state.deliveries.values() if d["mode"] == mode(request)]
        if request.query.get("delivery_id"):
            entries = [owned(request, state.deliveries, "delivery_id", "Delivery")]
        allowed = {t.id for t in account_tasks(request)}
        docs = [
            {
                "task_id": i,
                "created_at": tl.iso(emulator.tasks[i].created_at),
                "delivery_id": d["id"],
                "delivered_at": d["at"],
                "response": emulator.tasks[i].response,
            }
            for d in entries
            for i in d["task_ids"]
            if i in allowed
        ]
        page = _page(request, docs, "docs")
        return json_response({**page, "total": len(docs)})

    async def get_annotation(request: Request) -> Response:
        return json_response(
            owned(request, state.annotations, "annotation_id", "Annotation")["record"]
        )

    async def get_schema(request: Request) -> Response:
        return json_response(
            {"schema": owned(request, state.schemas, "schema_id", "Schema")["record"]}
        )

    # -- datasets -----------------------------------------------------------------------

    def dataset_ref(dataset_id: str, expand: list[str]) -> Any:
        return state.datasets[dataset_id]["record"] if "dataset" in expand else dataset_id

    def dataset_delivery_json(entry: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        count = sum(1 for t in state.dataset_tasks.values() if t["delivery"] == entry["id"])
        return {
            "id": entry["id"],
            "name": entry["name"],
            "delivered_at": entry["at"],
            "task_count": count,
            "dataset": dataset_ref(entry["dataset"], expand),
        }

    def dataset_task_json(entry: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        delivery = state.dataset_deliveries[entry["delivery"]]
        return {
            "task_id": entry["task_id"],
            "dataset": dataset_ref(entry["dataset"], expand),
            "delivery": dataset_delivery_json(delivery, [])
            if "delivery" in expand
            else delivery["id"],
            "response": entry["response"],
        }

    def visible_dataset_tasks(request: Request) -> list[dict[str, Any]]:
        q, m = request.query, mode(request)
        return [
            t
            for t in state.dataset_tasks.values()
            if state.datasets[t["dataset"]]["mode"] == m
            and q.get("dataset_id") in (None, t["dataset"])
            and q.get("delivery_id") in (None, t["delivery"])
            and delivered_after(request, state.dataset_deliveries[t["delivery"]]["at"])
        ]

    async def get_datasets(request: Request) -> Response:
        m = mode(request)
        found = [d["record"] for d in state.datasets.values() if d["mode"] == m]
        return json_response({"datasets": found})

    async def get_dataset_deliveries(request: Request) -> Response:
        q = request.query
        found = [
            dataset_delivery_json(d, expand_of(request))
            for d in state.dataset_deliveries.values()
            if d["mode"] == mode(request)
            and q.get("dataset_id") in (None, d["dataset"])
            and delivered_after(request, d["at"])
        ]
        return json_response({"deliveries": found})

    async def get_dataset_delivery(request: Request) -> Response:
        entry = owned(request, state.dataset_deliveries, "delivery_id", "Delivery")
        tasks = [
            dataset_task_json(t, expand_of(request))
            for t in state.dataset_tasks.values()
            if t["delivery"] == entry["id"]
        ]
        page = _page(request, tasks, "tasks")
        return json_response({"delivery": dataset_delivery_json(entry, expand_of(request)), **page})

    async def get_dataset_tasks(request: Request) -> Response:
        tasks = [dataset_task_json(t, expand_of(request)) for t in visible_dataset_tasks(request)]
        return json_response(_page(request, tasks, "tasks"))

    async def get_dataset_task(request: Request) -> Response:
        entry = state.dataset_tasks.get(request.query.get("task_id") or "")
        if entry is None or state.datasets[entry["dataset"]]["mode"] != mode(request):
            raise HTTPError(404, f"Task {request.query.get('task_id')!r} not found")
        return json_response(dataset_task_json(entry, expand_of(request)))

    def file_key(request: Request) -> tuple[str, str]:
        unquote = urllib.parse.unquote
        key = (unquote(request.path_params["task"]), unquote(request.path_params["attachment"]))
        if key not in state.files:
            raise HTTPError(404, f"No attachment {key[1]!r} for task {key[0]!r}")
        return key

    async def response_url(request: Request) -> Response:
        task, attachment = (urllib.parse.quote(part, safe="") for part in file_key(request))
        host = request.headers.get("host", "emulator")
        location = f"http://{host}/v2-files/{task}/{attachment}"
        return Response(302, b"", [("location", location)])

    async def serve_file(request: Request) -> Response:
        return Response(
            200, state.files[file_key(request)], [("content-type", "application/octet-stream")]
        )

    for method, path, handler in (
        ("GET", "/task", get_task),
        ("GET", "/tasks", get_tasks),
        ("POST", "/task/chat", create_chat_task),
        ("POST", "/task/metadata", set_task_metadata),
        ("GET", "/batch", get_batch),
        ("GET", "/batches", get_batches),
        ("POST", "/batch", create_batch),
        ("POST", "/batch/finalize", batch_operation),
        ("POST", "/batch/pause", batch_operation),
        ("POST", "/batch/resume", batch_operation),
        ("POST", "/batch/cancel", batch_operation),
        ("POST", "/batch/metadata", set_batch_metadata),
        ("GET", "/project", get_project),
        ("GET", "/projects", get_projects),
        ("GET", "/deliveries", get_deliveries),
        ("GET", "/delivery", get_delivery),
        ("GET", "/delivery/tasks", get_delivery_tasks),
        ("GET", "/annotation", get_annotation),
        ("GET", "/schema", get_schema),
        ("GET", "/datasets", get_datasets),
        ("GET", "/datasets/deliveries", get_dataset_deliveries),
        ("GET", "/datasets/delivery", get_dataset_delivery),
        ("GET", "/datasets/tasks", get_dataset_tasks),
        ("GET", "/datasets/task", get_dataset_task),
        ("GET", "/datasets/task/{task}/response_url/{attachment}", response_url),
    ):
        add(method, P + path, handler)
    add("GET", "/v2-files/{task}/{attachment}", serve_file, auth=False)
    return state
