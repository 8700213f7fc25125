"""Dataset routes of the Scale emulator's ``/v2`` API and the attachment files they point at.

``datasets/task/<id>/response_url/<attachment>`` answers 302 to an
unauthenticated ``/v2-files/...`` URL on the same host that serves the bytes.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from ..._emulator import HTTPError, Request, Response, json_response, route
from ._v2 import V2State, V2Views, page

__all__ = ["V2DatasetRoutes", "V2FileRoutes"]


class V2DatasetRoutes(V2Views):
    """``datasets``, their deliveries and tasks, and attachment ``response_url``."""

    def dataset_ref(self, dataset_id: str, expand: list[str]) -> Any:
        return self.state.datasets[dataset_id]["record"] if "dataset" in expand else dataset_id

    def dataset_delivery_json(self, entry: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        count = sum(1 for t in self.state.dataset_tasks.values() if t["delivery"] == entry["id"])
        return {
            "id": entry["id"],
            "name": entry["name"],
            "delivered_at": entry["at"],
            "task_count": count,
            "dataset": self.dataset_ref(entry["dataset"], expand),
        }

    def dataset_task_json(self, entry: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        delivery = self.state.dataset_deliveries[entry["delivery"]]
        return {
            "task_id": entry["task_id"],
            "dataset": self.dataset_ref(entry["dataset"], expand),
            "delivery": self.dataset_delivery_json(delivery, [])
            if "delivery" in expand
            else delivery["id"],
            "response": entry["response"],
        }

    def visible_dataset_tasks(self, request: Request) -> list[dict[str, Any]]:
        q, m = request.query, self.mode(request)
        return [
            t
            for t in self.state.dataset_tasks.values()
            if self.state.datasets[t["dataset"]]["mode"] == m
            and q.get("dataset_id") in (None, t["dataset"])
            and q.get("delivery_id") in (None, t["delivery"])
            and self.delivered_after(request, self.state.dataset_deliveries[t["delivery"]]["at"])
        ]

    @route("GET", "/datasets")
    async def get_datasets(self, request: Request) -> Response:
        m = self.mode(request)
        found = [d["record"] for d in self.state.datasets.values() if d["mode"] == m]
        return json_response({"datasets": found})

    @route("GET", "/datasets/deliveries")
    async def get_dataset_deliveries(self, request: Request) -> Response:
        q = request.query
        found = [
            self.dataset_delivery_json(d, self.expand_of(request))
            for d in self.state.dataset_deliveries.values()
            if d["mode"] == self.mode(request)
            and q.get("dataset_id") in (None, d["dataset"])
            and self.delivered_after(request, d["at"])
        ]
        return json_response({"deliveries": found})

    @route("GET", "/datasets/delivery")
    async def get_dataset_delivery(self, request: Request) -> Response:
        entry = self.owned(request, self.state.dataset_deliveries, "delivery_id", "Delivery")
        tasks = [
            self.dataset_task_json(t, self.expand_of(request))
            for t in self.state.dataset_tasks.values()
            if t["delivery"] == entry["id"]
        ]
        listed = page(request, tasks, "tasks")
        return json_response(
            {"delivery": self.dataset_delivery_json(entry, self.expand_of(request)), **listed}
        )

    @route("GET", "/datasets/tasks")
    async def get_dataset_tasks(self, request: Request) -> Response:
        tasks = [
            self.dataset_task_json(t, self.expand_of(request))
            for t in self.visible_dataset_tasks(request)
        ]
        return json_response(page(request, tasks, "tasks"))

    @route("GET", "/datasets/task")
    async def get_dataset_task(self, request: Request) -> Response:
        entry = self.state.dataset_tasks.get(request.query.get("task_id") or "")
        if entry is None or self.state.datasets[entry["dataset"]]["mode"] != self.mode(request):
            raise HTTPError(404, f"Task {request.query.get('task_id')!r} not found")
        return json_response(self.dataset_task_json(entry, self.expand_of(request)))

    @route("GET", "/datasets/task/{task}/response_url/{attachment}")
    async def response_url(self, request: Request) -> Response:
        task, attachment = (
            urllib.parse.quote(part, safe="") for part in _file_key(self.state, request)
        )
        host = request.headers.get("host", "emulator")
        location = f"http://{host}/v2-files/{task}/{attachment}"
        return Response(302, b"", [("location", location)])


class V2FileRoutes(V2Views):
    """``/v2-files/<task>/<attachment>``: the bytes a ``response_url`` redirects to (no auth)."""

    @route("GET", "/v2-files/{task}/{attachment}")
    async def serve_file(self, request: Request) -> Response:
        return Response(
            200,
            self.state.files[_file_key(self.state, request)],
            [("content-type", "application/octet-stream")],
        )


def _file_key(state: V2State, request: Request) -> tuple[str, str]:
    unquote = urllib.parse.unquote
    key = (unquote(request.path_params["task"]), unquote(request.path_params["attachment"]))
    if key not in state.files:
        raise HTTPError(404, f"No attachment {key[1]!r} for task {key[0]!r}")
    return key
