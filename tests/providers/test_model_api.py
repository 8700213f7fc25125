"""One model API for every provider, over real results from each provider's emulator.

Every emulator runs in-process behind a small ASGI wrapper that adds a field no
model knows to every JSON object it answers, as a newer server would. Each
provider gives one single result and (where the API lists) one page/list; the
same assertions run over all of them: ``to_dict``, ``to_json``,
``json.dumps(m.to_dict())``, read-only mapping access by wire name, the unknown
field kept, ``bool(model)``, enum display, and page ``len``/iteration/indexing.
"""

from __future__ import annotations

import enum
import json
import pathlib
import struct
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence

import pytest

from labelkit._emulator.scale import DEFAULT_LIVE_KEY
from labelkit._models import Model, WireEnum, structure
from labelkit.cloudsight import AsyncCloudSight, ImageJob, JobStatus
from labelkit.datawow import AsyncDatawow
from labelkit.emulators import (
    CloudSightEmulator,
    DatawowEmulator,
    EmulatorConfig,
    EmulatorTransport,
    FastLabelEmulator,
    RedFlagEmulator,
    ScaleEmulator,
)
from labelkit.fastlabel import AsyncFastLabel
from labelkit.redflag import AsyncRedFlag
from labelkit.scale import AsyncScale

Json = typing.Any
ASGIApp = Callable[..., Awaitable[None]]
UNKNOWN = "probeUnknownField"
UNKNOWN_VALUE = {"kept": [1, "two", None]}
IMAGE_URL = "https://example.com/cat.png"


def with_unknown_field(body: Json) -> Json:
    """``body`` with :data:`UNKNOWN` added to every object in it."""
    if isinstance(body, list):
        return [with_unknown_field(item) for item in body]
    if isinstance(body, dict):
        return {**{k: with_unknown_field(v) for k, v in body.items()}, UNKNOWN: UNKNOWN_VALUE}
    return body


def newer_server(app: ASGIApp) -> ASGIApp:
    """An ASGI app answering as ``app`` does, plus an unknown field in every JSON object."""

    async def wrapped(scope: Json, receive: Json, send: Json) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: dict[str, Json] = {}
        chunks: list[bytes] = []

        async def capture(message: Json) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = [
                (k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"
            ]
            if dict(headers).get(b"content-type", b"").startswith(b"application/json"):
                body = json.dumps(with_unknown_field(json.loads(body))).encode()
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, capture)

    return wrapped


def png(path: pathlib.Path, width: int = 64, height: int = 48) -> pathlib.Path:
    ihdr = b"\0\0\0\rIHDR" + struct.pack(">II", width, height) + b"\x08\x02\0\0\0"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + ihdr + b"\0" * 16)
    return path


class Results(typing.NamedTuple):
    """What one provider's emulator answered, and what the test expects of it."""

    single: Model
    listing: Sequence[Model] | None
    wire_key: str  # a wire name that differs from its attribute name where the wire is camelCase
    attribute: str
    value: object
    status: WireEnum


def frozen() -> EmulatorConfig:
    return EmulatorConfig(time_scale=0.0)


async def fastlabel(tmp: pathlib.Path) -> Results:
    emulator = FastLabelEmulator(config=frozen())
    emulator.add_project("pets", type="image_bbox")
    async with AsyncFastLabel(
        "test-token",
        base_url=emulator.base_url,
        transport=EmulatorTransport(newer_server(emulator)),
    ) as client:
        task_id = await client.create_image_task(
            "pets",
            "cat.png",
            png(tmp / "cat.png"),
            external_status="approved",
            annotations=[{"type": "bbox", "value": "cat", "points": [1, 2, 30, 40]}],
        )
        task = await client.find_image_task(task_id)
        tasks = await client.get_image_tasks("pets")
    assert task.annotations[0].extra[UNKNOWN] == UNKNOWN_VALUE
    assert task["annotations"][0][UNKNOWN] == UNKNOWN_VALUE
    return Results(task, tasks, "externalStatus", "external_status", "approved", task.status)  # type: ignore[arg-type]


async def scale(tmp: pathlib.Path) -> Results:
    emulator = ScaleEmulator(config=frozen())
    async with AsyncScale(
        DEFAULT_LIVE_KEY,
        base_url=emulator.base_url,
        transport=EmulatorTransport(newer_server(emulator)),
    ) as client:
        task = await client.create_task(
            "categorization",
            attachment=IMAGE_URL,
            instruction="Which animal?",
            categories=["cat", "dog"],
            unique_id="cat-1",
        )
        tasks = await client.tasks(unique_id=["cat-1"])
    return Results(task, tasks, "unique_id", "unique_id", "cat-1", task.status)  # type: ignore[arg-type]


async def cloudsight(tmp: pathlib.Path) -> Results:
    emulator = CloudSightEmulator(config=frozen())
    async with AsyncCloudSight(
        "test-key", base_url=emulator.base_url, transport=EmulatorTransport(newer_server(emulator))
    ) as client:
        job = await client.remote_image_request(IMAGE_URL)
        job = await client.image_response(job.token)
    return Results(job, None, "token", "token", job.token, job.status)


async def datawow(tmp: pathlib.Path) -> Results:
    emulator = DatawowEmulator(config=frozen())
    async with AsyncDatawow(
        "test-choice",
        base_url=emulator.base_url,
        transport=EmulatorTransport(newer_server(emulator)),
    ) as client:
        image = await client.choice.create(
            IMAGE_URL, instruction="Which animal?", categories=["cat", "dog"], custom_id="c-1"
        )
        page = await client.choice.list(page=1, per_page=10)
    assert page.meta.extra[UNKNOWN] == UNKNOWN_VALUE
    return Results(image, page, "custom_id", "custom_id", "c-1", image.status)


async def redflag(tmp: pathlib.Path) -> Results:
    emulator = RedFlagEmulator(config=frozen())
    async with AsyncRedFlag(
        "test-token",
        base_url=emulator.base_url,
        transport=EmulatorTransport(newer_server(emulator)),
    ) as client:
        op_id = await client.create_operation("text", ["sentiment-simple"], ["I love it"])
        operation = await client.get_operation(op_id)
    assert operation.query is not None and operation.query.extra[UNKNOWN] == UNKNOWN_VALUE
    return Results(operation, None, "status", "status", operation.status.value, operation.status)


PROVIDERS: dict[str, Callable[[pathlib.Path], Awaitable[Results]]] = {
    "fastlabel": fastlabel,
    "scale": scale,
    "cloudsight": cloudsight,
    "datawow": datawow,
    "redflag": redflag,
}


def assert_plain_json(value: object) -> None:
    """Only what ``json`` itself produces: no enums, no models, no str subclasses."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str
            assert_plain_json(item)
    elif isinstance(value, list):
        for item in value:
            assert_plain_json(item)
    else:
        assert value is None or type(value) in (str, int, float, bool), repr(value)


def assert_model_api(model: Model, results: Results) -> None:
    wire = model.to_dict()
    assert_plain_json(wire)
    assert json.loads(json.dumps(wire)) == wire
    assert json.loads(model.to_json()) == wire
    assert model.to_json(indent=2) == json.dumps(wire, indent=2, ensure_ascii=False)
    assert structure(wire, type(model)) == model
    # Unknown fields are kept, in the model and in its wire form.
    assert model.extra[UNKNOWN] == UNKNOWN_VALUE and wire[UNKNOWN] == UNKNOWN_VALUE
    # Read-only mapping access by wire name, consistent with to_dict().
    assert isinstance(model, Mapping)
    assert dict(model) == wire
    assert list(model) == list(wire) and list(model.keys()) == list(wire)
    assert list(model.items()) == list(wire.items()) and list(model.values()) == list(wire.values())
    assert len(model) == len(wire)
    assert model[UNKNOWN] == UNKNOWN_VALUE
    assert model.get("no-such-field") is None and model.get("no-such-field", 7) == 7
    assert "no-such-field" not in model and 0 not in model
    with pytest.raises(KeyError):
        model["no-such-field"]
    with pytest.raises(TypeError):
        model[UNKNOWN] = 1  # type: ignore[index]
    # The aliases every provider's users may already call.
    assert model.raw == wire and model.as_dict() == wire
    assert bool(model) is True


@pytest.mark.anyio
@pytest.mark.parametrize("provider", list(PROVIDERS))
async def test_one_model_api_over_a_real_result(provider: str, tmp_path: pathlib.Path) -> None:
    results = await PROVIDERS[provider](tmp_path)
    model = results.single
    assert_model_api(model, results)
    # The wire name reads the same value as the snake_case attribute.
    assert results.wire_key in model and model[results.wire_key] == results.value
    assert getattr(model, results.attribute) == results.value
    assert model.get(results.wire_key) == results.value
    # Statuses display alike everywhere: repr names the enum, str() is the wire string.
    status = results.status
    assert isinstance(status, WireEnum) and isinstance(status, enum.Enum)
    assert repr(status) == f"<{type(status).__name__}.{status.name}: {status.value!r}>"
    assert str(status) == f"{status}" == status.value == model.to_dict()["status"]


@pytest.mark.anyio
@pytest.mark.parametrize("provider", [p for p in PROVIDERS if p not in ("cloudsight", "redflag")])
async def test_pages_and_lists_have_len_iteration_and_indexing(
    provider: str, tmp_path: pathlib.Path
) -> None:
    results = await PROVIDERS[provider](tmp_path)
    listing = results.listing
    assert listing is not None
    assert len(listing) == 1
    items = list(iter(listing))
    assert items == [listing[0]] and listing[-1] == listing[0]
    assert listing[0][results.wire_key] == results.value
    assert_model_api(listing[0], results)


def test_fields_the_server_left_out_stay_out_until_set() -> None:
    emulator_answer = {"token": "t-1", "status": "not completed"}
    job = structure(emulator_answer, ImageJob)
    assert job.to_dict() == emulator_answer and "name" not in job and len(job) == 2
    assert job.get("name", "unknown yet") == "unknown yet"
    with pytest.raises(KeyError):
        job["name"]
    job.name = "a cat"
    assert job["name"] == "a cat" and job.to_dict()["name"] == "a cat" and len(job) == 3
    # Built in code (not received), every field is part of the wire form.
    built = ImageJob(token="t-2", status=JobStatus.COMPLETED)
    assert set(built) == {"token", "status", "name", "reason", "categories", "url"}
    assert built.to_dict()["status"] == "completed" and built["name"] is None


def test_a_model_with_no_fields_is_still_truthy() -> None:
    empty = structure({}, Model)
    assert len(empty) == 0 and bool(empty) is True and empty.to_dict() == {}
