"""Studio routes of the Scale emulator (all under ``/v1/studio``; wire spec section 5.6).

- ``GET assignments``, ``POST assignments/add``, ``POST assignments/remove``:
  ``{email: [project names]}``; only teammates and existing projects can be assigned;
- ``GET projects/<project>/groups``, ``POST projects/<project>/groups``
  (``{emails, name}``), ``PUT projects/<project>/groups/<group>``
  (``{add_emails, remove_emails}``): groups ``{id, name, numWorkers,
  isSingleton, workers: [{id, email}]}``, 409 for a name the project has;
- ``GET batches``, ``PUT batches/<batch>`` (``{groups}``), ``POST
  batches/set_priorities`` (``{batches: [{name}]}``, first = highest), ``POST
  batches/reset_priorities``: every batch of the account as a Studio batch
  ``{id, name, projectId, projectName, batchType, studioPriority, total,
  completed, groups}``.

Studio state lives in the account (per mode), beside its batches and projects.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ..._emulator import HTTPError, Request, Response, RouteGroupBase, json_response, route
from ._tasks import read_json

if TYPE_CHECKING:
    from ._app import ScaleEmulator
    from ._state import Account

__all__ = ["StudioRoutes"]


@attrs.define
class _Studio:
    assignments: dict[str, list[str]] = attrs.Factory(dict)
    #: project -> group name -> worker emails
    groups: dict[str, dict[str, list[str]]] = attrs.Factory(dict)
    #: batch -> group names
    batch_groups: dict[str, list[str]] = attrs.Factory(dict)
    priorities: list[str] = attrs.Factory(list)


def _id(*parts: str) -> str:
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:24]


def _strings(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HTTPError(400, f"{name} must be an array of strings")
    return list(value)


class StudioRoutes(RouteGroupBase["ScaleEmulator"]):
    """Studio assignments, project groups and batch priorities (per mode)."""

    def __init__(self, emu: ScaleEmulator) -> None:
        super().__init__(emu)
        self.studios: dict[str, _Studio] = {}

    def context(self, request: Request) -> tuple[Account, _Studio]:
        account = self.emu.account(request)
        return account, self.studios.setdefault(account.mode, _Studio())

    def segment(self, request: Request, name: str) -> str:
        return urllib.parse.unquote(request.path_params[name])

    def check(self, account: Account, emails: list[str], projects: Sequence[str] = ()) -> None:
        strangers = [e for e in emails if e not in account.teammates]
        if strangers:
            raise HTTPError(400, f"Not teammates: {', '.join(strangers)}")
        unknown = [p for p in projects if p not in account.projects]
        if unknown:
            raise HTTPError(404, f"Projects not found: {', '.join(unknown)}")

    @route("GET", "/assignments")
    async def list_assignments(self, request: Request) -> Response:
        return json_response(self.context(request)[1].assignments)

    @route("POST", "/assignments/add")
    @route("POST", "/assignments/remove")
    async def change_assignments(self, request: Request) -> Response:
        (account, studio), body = self.context(request), await read_json(request, dict)
        emails, projects = _strings(body, "emails"), _strings(body, "projects")
        self.check(account, emails, projects)
        adding = request.path.endswith("/add")
        for email in emails:
            held = studio.assignments.setdefault(email, [])
            for project in projects:
                if adding and project not in held:
                    held.append(project)
                elif not adding and project in held:
                    held.remove(project)
        return json_response(studio.assignments)

    def group_json(self, project: str, name: str, emails: list[str]) -> dict[str, Any]:
        workers = [{"id": _id("worker", e), "email": e} for e in emails]
        return {
            "id": _id(project, name),
            "name": name,
            "numWorkers": len(emails),
            "isSingleton": False,
            "workers": workers,
        }

    def project_groups(
        self, account: Account, studio: _Studio, project: str
    ) -> dict[str, list[str]]:
        if project not in account.projects:
            raise HTTPError(404, f"Project {project!r} not found")
        return studio.groups.setdefault(project, {})

    @route("GET", "/projects/{project}/groups")
    async def list_groups(self, request: Request) -> Response:
        account, studio = self.context(request)
        project = self.segment(request, "project")
        groups = self.project_groups(account, studio, project)
        return json_response([self.group_json(project, n, e) for n, e in groups.items()])

    @route("POST", "/projects/{project}/groups")
    async def create_group(self, request: Request) -> Response:
        (account, studio), body = self.context(request), await read_json(request, dict)
        project, emails, name = (
            self.segment(request, "project"),
            _strings(body, "emails"),
            body.get("name"),
        )
        if not isinstance(name, str) or not name:
            raise HTTPError(400, "Missing required parameter: name")
        groups = self.project_groups(account, studio, project)
        self.check(account, emails)
        if name in groups:
            raise HTTPError(409, f"A project group named {name!r} already exists")
        groups[name] = list(dict.fromkeys(emails))
        return json_response(self.group_json(project, name, groups[name]))

    @route("PUT", "/projects/{project}/groups/{group}")
    async def update_group(self, request: Request) -> Response:
        (account, studio), body = self.context(request), await read_json(request, dict)
        project, name = self.segment(request, "project"), self.segment(request, "group")
        groups = self.project_groups(account, studio, project)
        if name not in groups:
            raise HTTPError(404, f"Project group {name!r} not found")
        adding, removing = _strings(body, "add_emails"), _strings(body, "remove_emails")
        self.check(account, adding)
        members = [e for e in dict.fromkeys(groups[name] + adding) if e not in removing]
        groups[name] = members
        return json_response(self.group_json(project, name, members))

    def batch_json(self, account: Account, studio: _Studio, name: str) -> dict[str, Any]:
        batch = account.batches[name]
        tasks = self.emu.batch_tasks(batch)
        now = self.emu.clock.now()
        order = studio.priorities or sorted(account.batches)
        return {
            "id": _id("batch", name),
            "name": name,
            "projectId": _id("project", batch.project),
            "projectName": batch.project,
            "batchType": "calibration" if batch.calibration_batch else "production",
            "studioPriority": order.index(name) + 1 if name in order else None,
            "total": len(tasks),
            "completed": sum(1 for t in tasks if t.status(now) == "completed"),
            "groups": list(studio.batch_groups.get(name, [])),
        }

    def all_batches(self, account: Account, studio: _Studio) -> Response:
        return json_response([self.batch_json(account, studio, n) for n in account.batches])

    @route("GET", "/batches")
    async def list_batches(self, request: Request) -> Response:
        return self.all_batches(*self.context(request))

    @route("PUT", "/batches/{batch}")
    async def assign_batch(self, request: Request) -> Response:
        (account, studio), body = self.context(request), await read_json(request, dict)
        name, groups = self.segment(request, "batch"), _strings(body, "groups")
        if name not in account.batches:
            raise HTTPError(404, f"Batch {name!r} not found")
        known = studio.groups.get(account.batches[name].project, {})
        unknown = [g for g in groups if g not in known]
        if unknown:
            raise HTTPError(404, f"Project groups not found: {', '.join(unknown)}")
        studio.batch_groups[name] = groups
        return json_response(self.batch_json(account, studio, name))

    @route("POST", "/batches/set_priorities")
    async def set_priorities(self, request: Request) -> Response:
        (account, studio), body = self.context(request), await read_json(request, dict)
        entries = body.get("batches")
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("name"), str) for e in entries
        ):
            raise HTTPError(400, "batches must be an array of {name}")
        names = [e["name"] for e in entries]
        unknown = [n for n in names if n not in account.batches]
        if unknown:
            raise HTTPError(404, f"Batches not found: {', '.join(unknown)}")
        studio.priorities = names + [n for n in account.batches if n not in names]
        return self.all_batches(account, studio)

    @route("POST", "/batches/reset_priorities")
    async def reset_priorities(self, request: Request) -> Response:
        account, studio = self.context(request)
        studio.priorities = []
        return self.all_batches(account, studio)
