"""Project, delivery, annotation and schema routes of the Scale emulator's ``/v2`` API."""

from __future__ import annotations

from typing import Any

from ..._emulator import HTTPError, Request, Response, json_response, route
from ._v2 import V2Views, page, v2_id

__all__ = ["V2ProjectRoutes"]


class V2ProjectRoutes(V2Views):
    """``project[s]``, ``deliveries``, ``delivery[/tasks]``, ``annotation`` and ``schema``."""

    @route("GET", "/project")
    async def get_project(self, request: Request) -> Response:
        name = self.project_name(request, dict(request.query), True)
        assert name is not None
        return json_response(self.project_json(self.mode(request), name))

    @route("GET", "/projects")
    async def get_projects(self, request: Request) -> Response:
        m = self.mode(request)
        return json_response(
            {
                "projects": [
                    self.project_json(m, name)
                    for name, p in self.emu.accounts[m].projects.items()
                    if self.after(request, "created", p.created_at)
                ]
            }
        )

    def delivery_json(self, entry: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        project = entry["project"]
        return {
            "id": entry["id"],
            "name": entry["name"],
            "task_count": len(entry["task_ids"]),
            "delivered_at": entry["at"],
            "project": self.project_json(entry["mode"], project)
            if "project" in expand
            else v2_id("project", entry["mode"], project),
        }

    @route("GET", "/deliveries")
    async def get_deliveries(self, request: Request) -> Response:
        name = self.project_name(request, dict(request.query), False)
        found = [
            self.delivery_json(d, self.expand_of(request))
            for d in self.state.deliveries.values()
            if d["mode"] == self.mode(request)
            and (name is None or d["project"] == name)
            and self.delivered_after(request, d["at"])
        ]
        return json_response({"deliveries": found})

    def delivery_of(self, request: Request) -> dict[str, Any]:
        if request.query.get("delivery_id") is None:
            name = request.query.get("delivery_name")
            match = [d for d in self.state.deliveries.values() if d["name"] == name]
            if not match or match[0]["mode"] != self.mode(request):
                raise HTTPError(404, f"Delivery {name!r} not found")
            return match[0]
        return dict(self.owned(request, self.state.deliveries, "delivery_id", "Delivery"))

    @route("GET", "/delivery")
    async def get_delivery(self, request: Request) -> Response:
        entry = self.delivery_of(request)
        tasks = [
            self.task_v2(self.emu.tasks[i], self.expand_of(request)) for i in entry["task_ids"]
        ]
        listed = page(request, tasks, "tasks")
        return json_response(
            {"delivery": self.delivery_json(entry, self.expand_of(request)), **listed}
        )

    @route("GET", "/delivery/tasks")
    async def get_delivery_tasks(self, request: Request) -> Response:
        entries = [d for d in self.state.deliveries.values() if d["mode"] == self.mode(request)]
        if request.query.get("delivery_id"):
            entries = [self.owned(request, self.state.deliveries, "delivery_id", "Delivery")]
        allowed = {t.id for t in self.account_tasks(request)}
        docs = [
            {
                "task_id": i,
                "created_at": self.tl.iso(self.emu.tasks[i].created_at),
                "delivery_id": d["id"],
                "delivered_at": d["at"],
                "response": self.emu.tasks[i].response,
            }
            for d in entries
            for i in d["task_ids"]
            if i in allowed
        ]
        listed = page(request, docs, "docs")
        return json_response({**listed, "total": len(docs)})

    @route("GET", "/annotation")
    async def get_annotation(self, request: Request) -> Response:
        return json_response(
            self.owned(request, self.state.annotations, "annotation_id", "Annotation")["record"]
        )

    @route("GET", "/schema")
    async def get_schema(self, request: Request) -> Response:
        return json_response(
            {"schema": self.owned(request, self.state.schemas, "schema_id", "Schema")["record"]}
        )
