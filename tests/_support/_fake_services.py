"""Minimal fake FastLabel, Scale, Datawow, CloudSight and RedFlag services for ``FakeServer``.

Each commits every create, answers it as told (``answer``: ``"html"`` or
``"truncated"`` loses the answer, ``None`` answers properly) and counts
creates. Their list filters can match substrings and page, so lookups that
rely on them are tested against the worst the provider docs allow.
"""

from __future__ import annotations

import json
import typing
from urllib.parse import parse_qs, unquote

from ._fake_http import Answer, Request, unreadable


def answer(kind: str | None, good: bytes) -> Answer:
    return (200, "application/json", good) if kind is None else unreadable(kind, good)


def _json(status: int, value: object) -> Answer:
    return status, "application/json", json.dumps(value).encode()


# -- the fake services -----------------------------------------------------------------


class FastLabelFake:
    """Image tasks; names are NOT enforced unique (the worst case: a re-send duplicates)."""

    def __init__(self, answer: str | None, path: str = "/v1/tasks/image") -> None:
        self.answer = answer
        self.path = path
        self.tasks: list[dict[str, str]] = []
        self.creates = 0
        self.lists = 0

    def __call__(self, request: Request) -> Answer:
        if request.method == "POST" and request.path == self.path:
            body = json.loads(request.body)
            self.creates += 1
            task = {"id": f"task-{self.creates}", "name": body["name"]}
            self.tasks.append(task)
            return answer(self.answer, json.dumps(task["id"]).encode())
        if request.method == "GET" and request.path == self.path:
            self.lists += 1
            # The taskName filter matches substrings (the docs do not say it does not).
            name = request.param("taskName") or ""
            offset, limit = int(request.param("offset") or 0), int(request.param("limit") or 100)
            matches = [t for t in self.tasks if name in t["name"]]
            return _json(200, matches[offset : offset + limit])
        return _json(404, {"statusCode": 404, "message": "no route"})


class ScaleFake:
    """Tasks by ``unique_id``; ``substring=True`` makes the list filter match substrings."""

    def __init__(self, answer: str | None, *, substring: bool = False, page: int = 100) -> None:
        self.answer = answer
        self.substring = substring
        self.page = page
        self.tasks: list[dict[str, typing.Any]] = []
        self.creates = 0
        self.lists = 0

    def __call__(self, request: Request) -> Answer:
        if request.method == "POST" and request.path == "/v1/task/imageannotation":
            body = json.loads(request.body)
            self.creates += 1
            uid = body.get("unique_id")
            if uid is not None and any(t["unique_id"] == uid for t in self.tasks):
                return _json(409, {"error": "unique_id already used", "status_code": 409})
            task = {
                "task_id": f"t{self.creates}",
                "unique_id": uid,
                "type": "imageannotation",
                "status": "pending",
                "project": body.get("project"),
            }
            self.tasks.append(task)
            return answer(self.answer, json.dumps(task).encode())
        if request.method == "GET" and request.path == "/v1/tasks":
            self.lists += 1
            wanted = request.query.get("unique_id", [])
            docs = [t for t in self.tasks if self._matches(t["unique_id"], wanted)]
            start = int(request.param("next_token") or 0)
            end = start + self.page
            more = end < len(docs)
            return _json(
                200,
                {
                    "docs": docs[start:end],
                    "total": len(docs),
                    "has_more": more,
                    "next_token": str(end) if more else None,
                },
            )
        return _json(404, {"error": "no route"})

    def _matches(self, unique_id: str | None, wanted: list[str]) -> bool:
        if self.substring:  # a sloppy filter: substrings, and tasks without a unique_id
            return unique_id is None or any(w in unique_id for w in wanted)
        return unique_id in wanted


def _image(id: str, custom_id: str | None, url: str) -> dict[str, object]:
    return {
        "id": id,
        "custom_id": custom_id,
        "data": url,
        "answer": None,
        "credit_charged": 0,
        "postback_url": "",
        "processed_at": None,
        "project_id": 82,
        "status": "unprocess",
    }


class DatawowFake:
    """Choice images; ``substring=True`` makes the lookup answer the first near match."""

    def __init__(self, answer: str | None, *, substring: bool = False) -> None:
        self.answer = answer
        self.substring = substring
        self.images: list[dict[str, object]] = []
        self.creates = 0

    def __call__(self, request: Request) -> Answer:
        if request.method == "POST" and request.path == "/api/images/choices":
            form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
            self.creates += 1
            image = _image(f"img{self.creates}", form.get("custom_id"), form["data"])
            self.images.append(image)
            envelope = {"data": image, "meta": {"code": 200, "message": "success"}}
            return answer(self.answer, json.dumps(envelope).encode())
        if request.method == "GET" and request.path.startswith("/api/projects/images/"):
            wanted = unquote(request.path.rsplit("/", 1)[1])
            found = [
                i
                for i in self.images
                if wanted in (i["id"], i["custom_id"])
                or (self.substring and wanted in str(i["custom_id"]))
            ]
            if not found:
                return _json(404, {"meta": {"code": 404, "message": "not found"}})
            return _json(200, {"data": {"image": found[0]}, "meta": {"code": 200}})
        return _json(404, {"meta": {"code": 404, "message": "no route"}})


class CountingFake:
    """CloudSight / RedFlag: no lookup exists; every create is counted and its answer lost."""

    def __init__(self, answer: str | None, path: str, good: object) -> None:
        self.answer = answer
        self.path = path
        self.good = good
        self.creates = 0

    def __call__(self, request: Request) -> Answer:
        if request.method == "POST" and request.path == self.path:
            self.creates += 1
            return answer(self.answer, json.dumps(self.good).encode())
        return _json(404, {"error": "no route"})
