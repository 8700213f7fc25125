"""Batch, project, file and team routes of the Scale emulator (all under ``/v1``).

- ``POST batches``, ``GET batches`` (``{docs, totalDocs, limit, offset,
  has_more}``), ``GET batches/<name>``, ``POST batches/<name>/finalize``,
  ``GET batches/<name>/status``, ``POST batches/<name>/setMetadata``;
- ``POST projects``, ``GET projects`` (a JSON array), ``GET
  projects/<name>``, ``POST projects/<name>/setParams``, ``GET
  projects/<name>/taskTemplates``;
- ``POST files/upload`` (multipart, part ``file`` plus text fields),
  ``POST files/import`` (JSON ``file_url``);
- ``GET teams``, ``POST teams/invite``, ``POST teams/set_role``;
- ``POST evaluation_tasks/<type>``, ``POST training_tasks/<type>`` (Rapid).

A batch with a ``callback`` URL is called back once, when it completes, with
``{"batch": <batch object>}`` (the body of Scale's batch callbacks is not
documented; this shape is a guess).

Names in paths are percent-decoded per segment, so ``a%2Fb`` names ``a/b``.
Batch and project names are unique per mode (409).
"""

from __future__ import annotations

import itertools
import mimetypes
import urllib.parse
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ..._emulator import HTTPError, Request, Response, json_response
from ._state import (
    TASK_TYPES,
    StoredBatch,
    StoredFile,
    StoredProject,
    batch_status,
    file_json,
    project_json,
)
from ._tasks import as_list, page_param, read_json, require_bool, require_string

if TYPE_CHECKING:
    from ._app import ScaleEmulator

__all__ = ["add_resource_routes"]

_ROLES = ("labeler", "member", "manager", "admin")
_BATCH_STATUSES = ("staging", "in_progress", "completed")
_TEMPLATE_TYPES = ("chat", "textcollection")


def _name(request: Request) -> str:
    return urllib.parse.unquote(request.path_params["name"])


def add_resource_routes(emulator: ScaleEmulator) -> None:
    """Register the batch, project, file and team routes on ``emulator``."""
    prefix, add = "/v1", emulator.add_route

    def batch_of(request: Request) -> StoredBatch:
        batch = emulator.account(request).batches.get(_name(request))
        if batch is None:
            raise HTTPError(404, f"Batch {_name(request)!r} not found")
        return batch

    def batch_response(request: Request, batch: StoredBatch) -> Response:
        return json_response(emulator.batch_object(emulator.account(request).mode, batch.name))

    async def create_batch(request: Request) -> Response:
        account, body = emulator.account(request), await read_json(request, dict)
        name, project = require_string(body, "name"), require_string(body, "project")
        if project not in account.projects:
            raise HTTPError(400, f"Project {project!r} does not exist")
        if name in account.batches:
            raise HTTPError(409, f"A batch named {name!r} already exists")
        callback, metadata = body.get("callback") or "", body.get("metadata") or {}
        if not isinstance(callback, str) or not isinstance(metadata, dict):
            raise HTTPError(400, "callback must be a string and metadata an object")
        batch = StoredBatch(
            name,
            project,
            emulator.clock.now(),
            callback=callback,
            calibration_batch=require_bool(body, "calibration_batch"),
            self_label_batch=require_bool(body, "self_label_batch"),
            metadata=metadata,
        )
        account.batches[name] = batch
        return batch_response(request, batch)

    async def get_batch(request: Request) -> Response:
        return batch_response(request, batch_of(request))

    async def finalize_batch(request: Request) -> Response:
        batch, now = batch_of(request), emulator.clock.now()
        if batch.finalized_at is None:
            batch.finalized_at = now
            for task in emulator.batch_tasks(batch):
                if task.start_at is None and task.canceled_at is None:
                    task.start_at = now
            if batch.callback:
                _schedule_batch_callback(emulator, emulator.account(request).mode, batch)
        return batch_response(request, batch)

    async def batch_status_counts(request: Request) -> Response:
        batch, now = batch_of(request), emulator.clock.now()
        tasks = emulator.batch_tasks(batch)
        counts = Counter(task.status(now) for task in tasks)
        return json_response({"status": batch_status(batch, tasks, now), **counts})

    async def set_batch_metadata(request: Request) -> Response:
        batch = batch_of(request)
        batch.metadata = await read_json(request, dict)
        return batch_response(request, batch)

    async def list_batches(request: Request) -> Response:
        account, query = emulator.account(request), request.query
        batches = list(reversed(account.batches.values()))
        status, project = query.get("status"), query.get("project")
        if status and status not in _BATCH_STATUSES:
            raise HTTPError(400, f"status must be one of {', '.join(_BATCH_STATUSES)}")
        tl = emulator.timeline
        start = tl.seconds("start_time", query["start_time"]) if query.get("start_time") else None
        end = tl.seconds("end_time", query["end_time"]) if query.get("end_time") else None
        docs = [
            emulator.batch_object(account.mode, batch.name)
            for batch in batches
            if (not project or batch.project == project)
            and (start is None or batch.created_at >= start)
            and (end is None or batch.created_at <= end)
        ]
        docs = [doc for doc in docs if not status or doc["status"] == status]
        limit, offset = page_param(query, "limit", 100, 1, 100), page_param(query, "offset", 0)
        page = docs[offset : offset + limit]
        envelope = {
            "docs": page,
            "totalDocs": len(docs),
            "limit": limit,
            "offset": offset,
            "has_more": offset + len(page) < len(docs),
        }
        return json_response(envelope)

    add("POST", prefix + "/batches", create_batch)
    add("GET", prefix + "/batches", list_batches)
    add("GET", prefix + "/batches/{name}", get_batch)
    add("POST", prefix + "/batches/{name}/finalize", finalize_batch)
    add("GET", prefix + "/batches/{name}/status", batch_status_counts)
    add("POST", prefix + "/batches/{name}/setMetadata", set_batch_metadata)

    # -- projects -----------------------------------------------------------------------

    def project_of(request: Request) -> StoredProject:
        project = emulator.account(request).projects.get(_name(request))
        if project is None:
            raise HTTPError(404, f"Project {_name(request)!r} not found")
        return project

    def version(params: dict[str, Any], number: int) -> dict[str, Any]:
        stamp = emulator.timeline.iso(emulator.clock.now())
        return {**params, "version": number, "created_at": stamp}

    async def create_project(request: Request) -> Response:
        account, body = emulator.account(request), await read_json(request, dict)
        name, task_type = require_string(body, "name"), require_string(body, "type")
        if task_type not in TASK_TYPES:
            raise HTTPError(400, f"Invalid task type {task_type!r}")
        params = body.get("params") or {}
        if not isinstance(params, dict):
            raise HTTPError(400, "params must be an object")
        if name in account.projects:
            raise HTTPError(409, f"A project named {name!r} already exists")
        dataset = body.get("datasetId")
        project = StoredProject(
            name,
            task_type,
            emulator.clock.now(),
            [version(params, 0)],
            rapid=require_bool(body, "rapid"),
            studio=require_bool(body, "studio"),
            dataset_id=dataset if isinstance(dataset, str) else None,
        )
        account.projects[name] = project
        return json_response(project_json(project, emulator.timeline))

    async def get_project(request: Request) -> Response:
        return json_response(project_json(project_of(request), emulator.timeline))

    async def list_projects(request: Request) -> Response:
        projects = emulator.account(request).projects.values()
        return json_response([project_json(p, emulator.timeline) for p in projects])

    async def set_project_params(request: Request) -> Response:
        project, body = project_of(request), await read_json(request, dict)
        patch = require_bool(body, "patch")
        changes = {k: v for k, v in body.items() if k != "patch"}
        params = {**project.params, **changes} if patch else changes
        project.param_history.append(version(params, len(project.param_history)))
        return json_response(project_json(project, emulator.timeline))

    async def task_template(request: Request) -> Response:
        project = project_of(request)
        if project.type not in _TEMPLATE_TYPES:
            raise HTTPError(400, f"Project {project.name!r} has no task template")
        stamp = emulator.timeline.iso(project.created_at)
        template = {
            "id": f"template-{project.name}",
            "version": len(project.param_history) - 1,
            "created_at": stamp,
            "updated_at": stamp,
            "template_variables": project.params.get("template_variables", {}),
        }
        return json_response(template)

    add("POST", prefix + "/projects", create_project)
    add("GET", prefix + "/projects", list_projects)
    add("GET", prefix + "/projects/{name}", get_project)
    add("POST", prefix + "/projects/{name}/setParams", set_project_params)
    add("GET", prefix + "/projects/{name}/taskTemplates", task_template)

    # -- files --------------------------------------------------------------------------

    def store_file(request: Request, stored: StoredFile) -> Response:
        account = emulator.account(request)
        account.files[stored.id] = stored
        return json_response(file_json(stored, f"emulated-{account.mode}", emulator.timeline))

    def file_id() -> str:
        return (
            f"fl{len(emulator.accounts['live'].files) + len(emulator.accounts['test'].files):022x}"
        )

    async def upload_file(request: Request) -> Response:
        form = await request.multipart()
        upload = form.file("file")
        if upload is None:
            raise HTTPError(400, "Missing required parameter: file")
        fields = {key: value for key, value in form.fields}
        stored = StoredFile(
            file_id(),
            emulator.clock.now(),
            upload.content_type or mimetypes.guess_type(upload.filename)[0],
            upload.size,
            form.getlist("project_name"),
            filename=upload.filename,
            sha256=upload.sha256,
            fields=fields,
        )
        return store_file(request, stored)

    async def import_file(request: Request) -> Response:
        body = await read_json(request, dict)
        url = require_string(body, "file_url")
        if urllib.parse.urlsplit(url).scheme not in ("http", "https", "s3", "gs"):
            raise HTTPError(400, "file_url must be an http(s), s3 or gs URL")
        names = body.get("project_name")
        stored = StoredFile(
            file_id(),
            emulator.clock.now(),
            mimetypes.guess_type(urllib.parse.urlsplit(url).path)[0],
            None,
            [str(n) for n in as_list(names)] if names else [],
            file_url=url,
            fields={k: str(v) for k, v in body.items() if k != "file_url"},
        )
        return store_file(request, stored)

    add("POST", prefix + "/files/upload", upload_file)
    add("POST", prefix + "/files/import", import_file)

    # -- teams --------------------------------------------------------------------------

    def team(request: Request) -> Response:
        return json_response(list(emulator.account(request).teammates.values()))

    async def emails_and_role(request: Request) -> tuple[list[str], str]:
        body = await read_json(request, dict)
        emails, role = body.get("emails"), body.get("team_role")
        if not isinstance(emails, list) or not emails:
            raise HTTPError(400, "emails must be a non-empty array")
        if not all(isinstance(e, str) and "@" in e for e in emails):
            raise HTTPError(400, "emails must be e-mail addresses")
        if role not in _ROLES:
            raise HTTPError(400, f"team_role must be one of {', '.join(_ROLES)}")
        return emails, role

    async def list_team(request: Request) -> Response:
        return team(request)

    async def invite(request: Request) -> Response:
        emails, role = await emails_and_role(request)
        teammates = emulator.account(request).teammates
        for email in emails:
            teammates.setdefault(email, {"email": email, "role": role, "expiry": None})
        return team(request)

    async def set_role(request: Request) -> Response:
        emails, role = await emails_and_role(request)
        teammates = emulator.account(request).teammates
        unknown = [email for email in emails if email not in teammates]
        if unknown:
            raise HTTPError(404, f"{unknown[0]} is not on the team")
        for email in emails:
            teammates[email]["role"] = role
        return team(request)

    add("GET", prefix + "/teams", list_team)
    add("POST", prefix + "/teams/invite", invite)
    add("POST", prefix + "/teams/set_role", set_role)

    # -- evaluation and training tasks (Rapid) ------------------------------------------

    numbers = itertools.count(1)

    def special_task(kind: str) -> Callable[[Request], Awaitable[Response]]:
        async def create(request: Request) -> Response:
            account, now = emulator.account(request), emulator.clock.now()
            task_type = emulator.rules.task_type(request.path_params["type"])
            body = await read_json(request, dict)
            project = body.get("project")
            if not isinstance(project, str) or project not in account.projects:
                raise HTTPError(400, f"Project {project!r} does not exist")
            if not isinstance(body.get("expected_response"), dict):
                raise HTTPError(400, "expected_response must be an object")
            record = {
                "id": f"{kind[:2]}{next(numbers):022x}",
                "type": task_type,
                "project": project,
                "created_at": emulator.timeline.iso(now),
                "expected_response": body["expected_response"],
                "params": {k: v for k, v in body.items() if k != "expected_response"},
            }
            if "initial_response" in body:
                record["initial_response"] = body["initial_response"]
            return json_response(record)

        return create

    add("POST", prefix + "/evaluation_tasks/{type}", special_task("evaluation"))
    add("POST", prefix + "/training_tasks/{type}", special_task("training"))


def _schedule_batch_callback(emulator: ScaleEmulator, mode: str, batch: StoredBatch) -> None:
    """Call ``batch.callback`` back once the finalized batch completes (body ``{"batch": ...}``)."""

    def ready(now: float) -> bool | None:
        return bool(emulator.batch_object(mode, batch.name)["status"] == "completed")

    def on_result(ok: bool) -> None:
        batch.callback_delivered = batch.callback_delivered or ok

    emulator.deliverer.add(
        "batch",
        batch.name,
        batch.callback,
        emulator.callback_auth_keys[mode],
        ready=ready,
        payload=lambda: {"batch": emulator.batch_object(mode, batch.name)},
        on_result=on_result,
    )
