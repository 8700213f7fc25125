"""A stateful emulator of Datawow's k-sequencing image moderation API (all 11 endpoints).

Routes, under ``/api``: ``POST`` and ``GET`` (list) on ``images/choices``,
``images/closed_questions``, ``images/messages``, ``images/photo_tags`` and
``prime/predictions``, and ``GET projects/images/{id}`` (an image id, else a
``custom_id``). Every request needs ``Authorization: <project key>``; each key
is one project of one product. The default projects (:data:`DEFAULT_PROJECTS`)
have the keys ``test-choice``, ``test-closed-question``, ``test-message``,
``test-photo-tag`` and ``test-prediction``; creating or listing on another
product's path answers 422.

Bodies are form-encoded (JSON is accepted too); list parameters are read from
the query string, else from a form-encoded GET body as the official SDK sent
them. Responses use the ``{"data": ..., "meta": {"code", "message"}}``
envelope; errors are ``{"meta": {"code": <status>, "message": <text>}}``
(401 "Not authenticated", 400 for a missing or malformed field, 404, 422).

Images move on the simulated clock (``emulator.clock``): human products are
``unprocess`` for the first third of ``config.processing_time`` and
``processing`` for the rest, Prediction is ``processing`` throughout; then
``processed`` with an answer derived from a SHA-256 of the image URL, so runs
are repeatable. When an image with a ``postback_url`` is processed, the shared
emulator sender calls that URL with ``postback_method`` (JSON record body;
query ``id``, ``custom_id``, ``status`` for GET and DELETE), up to three times
until a 2xx (0.1 then 0.2 simulated seconds apart), and only when the URL's
host is a loopback address.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import math
import random
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ..._providers.datawow._models import POSTBACK_METHODS
from .._app import EmulatorApp
from .._messages import HTTPError, Request, Response, json_response
from .._registry import register_emulator
from .._routing import RouteGroupBase, route, routes_of
from .._state import EmulatorConfig, check_status
from .._webhooks import WebhookSender
from .._webhooks import is_loopback_url as _is_loopback  # noqa: F401 - tested here

__all__ = ["DEFAULT_PROJECTS", "PREFIX", "DatawowEmulator", "StoredImage", "StoredProject"]

PREFIX = "/api"
PRODUCTS = {
    "choice": "images/choices",
    "closed_question": "images/closed_questions",
    "message": "images/messages",
    "photo_tag": "images/photo_tags",
    "prediction": "prime/predictions",
}
#: Project key -> product of the projects an emulator has unless told otherwise.
DEFAULT_PROJECTS: Mapping[str, str] = {f"test-{p.replace('_', '-')}": p for p in PRODUCTS}
PREDICTION_TYPES = ("standard_criteria", "nudity", "demographic")
STATUSES = ("unprocess", "processing", "processed")
_EPOCH = datetime.datetime(2018, 1, 11, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=7)))
_VERDICTS = ("approved", "declined", "ban")
_MESSAGES = ("a face, clearly visible", "no face in this picture", "two people smiling")
_FLAGS = {"true": True, "1": True, "false": False, "0": False}


@attrs.define
class StoredProject:
    """A project: its key, product and (Prediction only) AI project type."""

    id: int
    key: str
    product: str
    prediction_type: str = "standard_criteria"


@attrs.define
class StoredImage:
    """An image as submitted; its status is computed from the simulated clock."""

    id: str
    project: StoredProject
    fields: dict[str, Any]
    created_at: float
    durations: tuple[float, float]
    forced: str | None = None
    postback_delivered: bool = False


class DatawowEmulator(EmulatorApp):
    """The k-sequencing API in memory.

    ``projects`` maps project keys to products (``choice``, ``closed_question``,
    ``message``, ``photo_tag``, ``prediction``); ``prediction_type`` sets the
    answer shape of Prediction projects (``standard_criteria``, ``nudity`` or
    ``demographic``). ``images`` (by id) is the server state; ``postbacks``
    records every delivery attempt as ``(image_id, method, url, status or
    None)``. ``durations`` fixes the simulated seconds of the two waiting
    states instead of splitting ``config.processing_time``.
    """

    base_path = PREFIX
    fixed_error_messages = {401: "Not authenticated"}

    def __init__(
        self,
        *,
        config: EmulatorConfig | None = None,
        projects: Mapping[str, str] = DEFAULT_PROJECTS,
        prediction_type: str = "standard_criteria",
        durations: tuple[float, float] | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(config=config, name="datawow", timer=timer)
        if prediction_type not in PREDICTION_TYPES:
            raise ValueError(f"prediction_type must be one of {', '.join(PREDICTION_TYPES)}")
        self.projects: dict[str, StoredProject] = {}
        for number, (key, product) in enumerate(projects.items(), start=80):
            if product not in PRODUCTS:
                raise ValueError(f"unknown product {product!r}; one of {', '.join(PRODUCTS)}")
            self.projects[key] = StoredProject(number, key, product, prediction_type)
        self.durations = durations
        self.images: dict[str, StoredImage] = {}
        self.sender = WebhookSender(self.clock.now, name="datawow", backoff=0.1, max_attempts=3)
        self._ids = itertools.count(1)
        self.add_routes(ImageRoutes(self).routes(), prefix=PREFIX)

    def check_auth(self, request: Request) -> str | None:
        """The raw project key, if it belongs to a project."""
        key = request.headers.get("authorization", "").strip()
        return key if key in self.projects else None

    def error_body(self, status: int, code: str, message: str) -> object:
        return {"meta": {"code": status, "message": message}}

    # -- state access for tests ---------------------------------------------------------

    def status(self, image_id: str) -> str:
        """The current status of an image."""
        image = self.images[image_id]
        if image.forced is not None:
            return image.forced
        elapsed = self.clock.now() - image.created_at
        if elapsed < image.durations[0]:
            return "unprocess"
        return "processing" if elapsed < sum(image.durations) else "processed"

    def force_status(self, image_id: str, status: str | None) -> None:
        """Pin an image's status (``None`` returns it to the clock)."""
        check_status(status, STATUSES)
        self.images[image_id].forced = status

    def image_object(self, image_id: str) -> dict[str, Any]:
        """The image record as the API returns it."""
        image = self.images[image_id]
        status = self.status(image_id)
        record = dict(image.fields)
        record["status"] = status
        if status == "processed":
            record["answer"] = _answer(image)
            record["credit_charged"] = 1
            finished = image.created_at + sum(image.durations)
            record["processed_at"] = (_EPOCH + datetime.timedelta(seconds=finished)).isoformat(
                timespec="milliseconds"
            )
        record["postback"] = image.postback_delivered
        return record

    @property
    def postbacks(self) -> list[tuple[str, str, str, int | None]]:
        """Every delivery attempt to a loopback URL: ``(image_id, method, url, status)``."""
        return [(a.ident, a.method, a.url, a.status) for a in self.sender.attempts if not a.skipped]

    def close(self) -> None:
        """Forget undelivered postbacks (the delivery thread then ends)."""
        self.sender.close()

    def _project(self, request: Request, product: str) -> StoredProject:
        assert request.credential is not None
        project = self.projects[request.credential]
        if project.product != product:
            raise HTTPError(422, f"this project key belongs to a {project.product} project")
        return project

    def _durations(self, product: str) -> tuple[float, float]:
        if self.durations is not None:
            return self.durations
        total = self.config.processing_time
        return (0.0, total) if product == "prediction" else (total / 3, total * 2 / 3)

    # -- postbacks ----------------------------------------------------------------------

    def _schedule_postback(self, image: StoredImage) -> None:
        method = image.fields["postback_method"] or "POST"

        def payload() -> object:
            record = self.image_object(image.id)
            if method in ("GET", "DELETE"):
                return {k: record[k] for k in ("id", "custom_id", "status") if record[k]}
            return record

        def on_result(ok: bool) -> None:
            image.postback_delivered = image.postback_delivered or ok

        self.sender.schedule(
            "image",
            image.id,
            image.fields["postback_url"],
            ready=lambda now: self.status(image.id) == "processed",
            payload=payload,
            on_result=on_result,
            method=method,
            in_query=method in ("GET", "DELETE"),
        )


class ImageRoutes(RouteGroupBase[DatawowEmulator]):
    """Images of every product: create and list (one path per product), find by id."""

    @routes_of(("POST", f"/{path}", {"product": product}) for product, path in PRODUCTS.items())
    async def create_image(self, request: Request, product: str) -> Response:
        emu = self.emu
        project = emu._project(request, product)
        fields = _create_fields(product, await _body_fields(request))
        fields.update(id=f"5a5{next(emu._ids):021x}", project_id=project.id)
        durations = emu._durations(product)
        image = StoredImage(fields["id"], project, fields, emu.clock.now(), durations)
        emu.images[image.id] = image
        if fields["postback_url"]:
            emu._schedule_postback(image)
        return _envelope(emu.image_object(image.id))

    @routes_of(("GET", f"/{path}", {"product": product}) for product, path in PRODUCTS.items())
    async def list_images(self, request: Request, product: str) -> Response:
        project = self.emu._project(request, product)
        params: Mapping[str, str] = request.query
        if not request.query_string and request.content_type:
            params = dict((await request.form()).fields)
        page = max(_int(params, "page", 1), 1)
        per_page = min(max(_int(params, "per_page", 20), 1), 100)
        ids = [i.id for i in self.emu.images.values() if i.project is project][::-1]
        pages = math.ceil(len(ids) / per_page)
        chosen = ids[(page - 1) * per_page : page * per_page]
        meta = {
            "current_page": page,
            "next_page": page + 1 if page < pages else -1,
            "prev_page": page - 1 if 1 < page <= pages + 1 else -1,
            "total_count": len(ids),
            "total_pages": pages,
        }
        return _envelope({"images": [self.emu.image_object(i) for i in chosen]}, **meta)

    @route("GET", "/projects/images/{id:path}")
    async def find_image(self, request: Request) -> Response:
        assert request.credential is not None
        project = self.emu.projects[request.credential]
        raw = request.raw_path.partition(b"?")[0].split(b"/projects/images/", 1)[1]
        wanted = urllib.parse.unquote(raw.decode("latin-1"))
        image = self.emu.images.get(wanted)
        if image is None or image.project is not project:
            by_custom = [
                i
                for i in self.emu.images.values()
                if i.project is project and i.fields.get("custom_id") == wanted
            ]
            image = by_custom[-1] if by_custom else None
        if image is None:
            raise HTTPError(404, f"image {wanted!r} not found")
        return _envelope({"image": self.emu.image_object(image.id)})


def _envelope(data: object, **meta: object) -> Response:
    return json_response({"data": data, "meta": {"code": 200, "message": "success", **meta}})


async def _body_fields(request: Request) -> dict[str, Any]:
    if request.content_type.startswith("application/json"):
        payload = await request.json()
        if not isinstance(payload, dict):
            raise HTTPError(400, "the body must be an object")
        return payload
    form = await request.form()
    fields: dict[str, Any] = dict(form.fields)
    if form.getlist("categories[]"):
        fields["categories"] = form.getlist("categories[]")
    return fields


def _create_fields(product: str, body: dict[str, Any]) -> dict[str, Any]:
    required = {"data"}
    if product in ("choice", "message", "photo_tag"):
        required.add("instruction")
    if product == "choice":
        required.add("categories")
    for name in sorted(required):
        if not body.get(name):
            raise HTTPError(400, f"{name} is required")
    method = str(body.get("postback_method") or "").upper() or None
    if method is not None and method not in POSTBACK_METHODS:
        raise HTTPError(400, f"postback_method {method!r} is not supported")
    fields: dict[str, Any] = {
        "custom_id": body.get("custom_id") or None,
        "data": str(body["data"]),
        "postback_url": str(body.get("postback_url") or ""),
        "postback_method": method,
        "processed_at": None,
        "credit_charged": 0,
        "answer": [] if product in ("choice", "photo_tag") else None,
    }
    if body.get("instruction") or product in ("choice", "message", "photo_tag"):
        fields["instruction"] = str(body.get("instruction"))
    if product == "choice":
        categories = body["categories"]
        fields["categories"] = categories.split() if isinstance(categories, str) else categories
        fields["multiple"] = _flag(body, "multiple")
        fields["allow_empty"] = _flag(body, "allow_empty")
    if body.get("staff_id") not in (None, "") and product != "prediction":
        fields["staff_id"] = _int(body, "staff_id", 0)
    return fields


def _flag(body: Mapping[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if isinstance(value, bool):
        return value
    flag = _FLAGS.get(str(value).lower())
    if flag is None:
        raise HTTPError(400, f"{name} must be true or false, got {value!r}")
    return flag


def _int(params: Mapping[str, Any], name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise HTTPError(400, f"{name} must be an integer, got {value!r}") from None


def _answer(image: StoredImage) -> Any:
    fields, product = image.fields, image.project.product
    rng = random.Random(hashlib.sha256(f"{product}\x1f{fields['data']}".encode()).digest())
    if product == "choice":
        categories = list(fields["categories"])
        if fields["allow_empty"] and rng.random() < 0.2:
            return []
        count = rng.randint(1, len(categories)) if fields["multiple"] else 1
        return sorted(rng.sample(categories, count), key=categories.index)
    if product == "closed_question":
        return rng.choice(_VERDICTS)
    if product == "message":
        return rng.choice(_MESSAGES)
    if product == "photo_tag":
        return [
            {
                "x": rng.randint(0, 400),
                "y": rng.randint(0, 400),
                "w": rng.randint(20, 200),
                "h": rng.randint(20, 200),
                "tag": fields["instruction"],
            }
            for _ in range(rng.randint(1, 3))
        ]
    kind = image.project.prediction_type
    if kind == "nudity":
        return {"sexual": rng.uniform(0.0001, 0.999)}
    if kind == "demographic":
        return {
            "result": [
                {
                    "age": rng.randint(18, 70),
                    "age_prob": rng.random(),
                    "gender": rng.choice(("male", "female")),
                    "gender_prob": rng.random(),
                    "positions": {
                        "x": rng.uniform(0, 300),
                        "y": rng.uniform(0, 300),
                        "w": rng.uniform(50, 250),
                        "h": rng.uniform(50, 250),
                    },
                }
            ]
        }
    return rng.choice(("approved", "declined"))


register_emulator("datawow", DatawowEmulator)
