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
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ..._emulator import HTTPError, Request, Response, RouteGroupBase, json_response, route
from ._callbacks import AUTH_HEADER
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

__all__ = ["BatchRoutes", "FileRoutes", "ProjectRoutes", "RapidRoutes", "TeamRoutes"]

T = TypeVar("T")

_ROLES = ("labeler", "member", "manager", "admin")
_BATCH_STATUSES = ("staging", "in_progress", "completed")
_TEMPLATE_TYPES = ("chat", "textcollection")


def _name(request: Request) -> str:
    return urllib.parse.unquote(request.path_params["name"])


def _named(table: Mapping[str, T], request: Request, what: str) -> T:
    """The entry of ``table`` the path's ``{name}`` names, or a 404 naming it."""
    entry = table.get(_name(request))
    if entry is None:
        raise HTTPError(404, f"{what} {_name(request)!r} not found")
    return entry


class BatchRoutes(RouteGroupBase["ScaleEmulator"]):
    """``batches``: create, list, get, finalize, status counts and metadata."""

    def batch_of(self, request: Request) -> StoredBatch:
        return _named(self.emu.account(request).batches, request, "Batch")

    def batch_response(self, request: Request, batch: StoredBatch) -> Response:
        return json_response(self.emu.batch_object(self.emu.account(request).mode, batch.name))

    @route("POST", "/batches")
    async def create_batch(self, request: Request) -> Response:
        account, body = self.emu.account(request), await read_json(request, dict)
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
            self.emu.clock.now(),
            callback=callback,
            calibration_batch=require_bool(body, "calibration_batch"),
            self_label_batch=require_bool(body, "self_label_batch"),
            metadata=metadata,
        )
        account.batches[name] = batch
        return self.batch_response(request, batch)

    @route("GET", "/batches/{name}")
    async def get_batch(self, request: Request) -> Response:
        return self.batch_response(request, self.batch_of(request))

    @route("POST", "/batches/{name}/finalize")
    async def finalize_batch(self, request: Request) -> Response:
        emu = self.emu
        batch, now = self.batch_of(request), emu.clock.now()
        if batch.finalized_at is None:
            batch.finalized_at = now
            for task in emu.batch_tasks(batch):
                if task.start_at is None and task.canceled_at is None:
                    task.start_at = now
            if batch.callback:
                _schedule_batch_callback(emu, emu.account(request).mode, batch)
        return self.batch_response(request, batch)

    @route("GET", "/batches/{name}/status")
    async def batch_status_counts(self, request: Request) -> Response:
        batch, now = self.batch_of(request), self.emu.clock.now()
        tasks = self.emu.batch_tasks(batch)
        counts = Counter(task.status(now) for task in tasks)
        return json_response({"status": batch_status(batch, tasks, now), **counts})

    @route("POST", "/batches/{name}/setMetadata")
    async def set_batch_metadata(self, request: Request) -> Response:
        batch = self.batch_of(request)
        batch.metadata = await read_json(request, dict)
        return self.batch_response(request, batch)

    @route("GET", "/batches")
    async def list_batches(self, request: Request) -> Response:
        account, query = self.emu.account(request), request.query
        status, project = query.get("status"), query.get("project")
        if status and status not in _BATCH_STATUSES:
            raise HTTPError(400, f"status must be one of {', '.join(_BATCH_STATUSES)}")
        tl = self.emu.timeline
        start = tl.seconds("start_time", query["start_time"]) if query.get("start_time") else None
        end = tl.seconds("end_time", query["end_time"]) if query.get("end_time") else None
        docs = [
            self.emu.batch_object(account.mode, batch.name)
            for batch in reversed(account.batches.values())
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


class ProjectRoutes(RouteGroupBase["ScaleEmulator"]):
    """``projects``: create, list, get, parameter versions and task templates."""

    def project_of(self, request: Request) -> StoredProject:
        return _named(self.emu.account(request).projects, request, "Project")

    def version(self, params: dict[str, Any], number: int) -> dict[str, Any]:
        stamp = self.emu.timeline.iso(self.emu.clock.now())
        return {**params, "version": number, "created_at": stamp}

    def project_response(self, project: StoredProject) -> Response:
        return json_response(project_json(project, self.emu.timeline))

    @route("POST", "/projects")
    async def create_project(self, request: Request) -> Response:
        account, body = self.emu.account(request), await read_json(request, dict)
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
            self.emu.clock.now(),
            [self.version(params, 0)],
            rapid=require_bool(body, "rapid"),
            studio=require_bool(body, "studio"),
            dataset_id=dataset if isinstance(dataset, str) else None,
        )
        account.projects[name] = project
        return self.project_response(project)

    @route("GET", "/projects/{name}")
    async def get_project(self, request: Request) -> Response:
        return self.project_response(self.project_of(request))

    @route("GET", "/projects")
    async def list_projects(self, request: Request) -> Response:
        projects = self.emu.account(request).projects.values()
        return json_response([project_json(p, self.emu.timeline) for p in projects])

    @route("POST", "/projects/{name}/setParams")
    async def set_project_params(self, request: Request) -> Response:
        project, body = self.project_of(request), await read_json(request, dict)
        patch = require_bool(body, "patch")
        changes = {k: v for k, v in body.items() if k != "patch"}
        params = {**project.params, **changes} if patch else changes
        project.param_history.append(self.version(params, len(project.param_history)))
        return self.project_response(project)

    @route("GET", "/projects/{name}/taskTemplates")
    async def task_template(self, request: Request) -> Response:
        project = self.project_of(request)
        if project.type not in _TEMPLATE_TYPES:
            raise HTTPError(400, f"Project {project.name!r} has no task template")
        stamp = self.emu.timeline.iso(project.created_at)
        template = {
            "id": f"template-{project.name}",
            "version": len(project.param_history) - 1,
            "created_at": stamp,
            "updated_at": stamp,
            "template_variables": project.params.get("template_variables", {}),
        }
        return json_response(template)


class FileRoutes(RouteGroupBase["ScaleEmulator"]):
    """``files/upload`` (multipart) and ``files/import`` (by URL)."""

    def store_file(self, request: Request, stored: StoredFile) -> Response:
        account = self.emu.account(request)
        account.files[stored.id] = stored
        return json_response(file_json(stored, f"emulated-{account.mode}", self.emu.timeline))

    def file_id(self) -> str:
        accounts = self.emu.accounts
        return f"fl{len(accounts['live'].files) + len(accounts['test'].files):022x}"

    @route("POST", "/files/upload")
    async def upload_file(self, request: Request) -> Response:
        form = await request.multipart()
        upload = form.file("file")
        if upload is None:
            raise HTTPError(400, "Missing required parameter: file")
        stored = StoredFile(
            self.file_id(),
            self.emu.clock.now(),
            upload.content_type or mimetypes.guess_type(upload.filename)[0],
            upload.size,
            form.getlist("project_name"),
            filename=upload.filename,
            sha256=upload.sha256,
            fields=dict(form.fields),
        )
        return self.store_file(request, stored)

    @route("POST", "/files/import")
    async def import_file(self, request: Request) -> Response:
        body = await read_json(request, dict)
        url = require_string(body, "file_url")
        if urllib.parse.urlsplit(url).scheme not in ("http", "https", "s3", "gs"):
            raise HTTPError(400, "file_url must be an http(s), s3 or gs URL")
        names = body.get("project_name")
        stored = StoredFile(
            self.file_id(),
            self.emu.clock.now(),
            mimetypes.guess_type(urllib.parse.urlsplit(url).path)[0],
            None,
            [str(n) for n in as_list(names)] if names else [],
            file_url=url,
            fields={k: str(v) for k, v in body.items() if k != "file_url"},
        )
        return self.store_file(request, stored)


class TeamRoutes(RouteGroupBase["ScaleEmulator"]):
    """``teams``: list, invite and set roles."""

    def team(self, request: Request) -> Response:
        return json_response(list(self.emu.account(request).teammates.values()))

    @route("GET", "/teams")
    async def list_team(self, request: Request) -> Response:
        return self.team(request)

    @route("POST", "/teams/invite")
    async def invite(self, request: Request) -> Response:
        emails, role = await _emails_and_role(request)
        teammates = self.emu.account(request).teammates
        for email in emails:
            teammates.setdefault(email, {"email": email, "role": role, "expiry": None})
        return self.team(request)

    @route("POST", "/teams/set_role")
    async def set_role(self, request: Request) -> Response:
        emails, role = await _emails_and_role(request)
        teammates = self.emu.account(request).teammates
        unknown = [email for email in emails if email not in teammates]
        if unknown:
            raise HTTPError(404, f"{unknown[0]} is not on the team")
        for email in emails:
            teammates[email]["role"] = role
        return self.team(request)


class RapidRoutes(RouteGroupBase["ScaleEmulator"]):
    """Rapid's ``evaluation_tasks/<type>`` and ``training_tasks/<type>``."""

    def __init__(self, emu: ScaleEmulator) -> None:
        super().__init__(emu)
        self._numbers = itertools.count(1)

    @route("POST", "/evaluation_tasks/{type}")
    async def create_evaluation_task(self, request: Request) -> Response:
        return await self._create(request, "ev")

    @route("POST", "/training_tasks/{type}")
    async def create_training_task(self, request: Request) -> Response:
        return await self._create(request, "tr")

    async def _create(self, request: Request, id_prefix: str) -> Response:
        emu = self.emu
        account, now = emu.account(request), emu.clock.now()
        task_type = emu.rules.task_type(request.path_params["type"])
        body = await read_json(request, dict)
        project = body.get("project")
        if not isinstance(project, str) or project not in account.projects:
            raise HTTPError(400, f"Project {project!r} does not exist")
        if not isinstance(body.get("expected_response"), dict):
            raise HTTPError(400, "expected_response must be an object")
        record = {
            "id": f"{id_prefix}{next(self._numbers):022x}",
            "type": task_type,
            "project": project,
            "created_at": emu.timeline.iso(now),
            "expected_response": body["expected_response"],
            "params": {k: v for k, v in body.items() if k != "expected_response"},
        }
        if "initial_response" in body:
            record["initial_response"] = body["initial_response"]
        return json_response(record)


async def _emails_and_role(request: Request) -> tuple[list[str], str]:
    body = await read_json(request, dict)
    emails, role = body.get("emails"), body.get("team_role")
    if not isinstance(emails, list) or not emails:
        raise HTTPError(400, "emails must be a non-empty array")
    if not all(isinstance(e, str) and "@" in e for e in emails):
        raise HTTPError(400, "emails must be e-mail addresses")
    if role not in _ROLES:
        raise HTTPError(400, f"team_role must be one of {', '.join(_ROLES)}")
    return emails, role


def _schedule_batch_callback(emulator: ScaleEmulator, mode: str, batch: StoredBatch) -> None:
    """Call ``batch.callback`` back once the finalized batch completes (body ``{"batch": ...}``)."""

    def ready(now: float) -> bool | None:
        return bool(emulator.batch_object(mode, batch.name)["status"] == "completed")

    def on_result(ok: bool) -> None:
        batch.callback_delivered = batch.callback_delivered or ok

    emulator.deliverer.schedule(
        "batch",
        batch.name,
        batch.callback,
        ready=ready,
        payload=lambda: {"batch": emulator.batch_object(mode, batch.name)},
        on_result=on_result,
        headers={AUTH_HEADER: emulator.callback_auth_keys[mode]},
    )
