"""Datawow postbacks: parsing, the verifying ASGI receiver, and delivery by the emulator."""

from __future__ import annotations

import json
import typing
from collections.abc import MutableMapping

import anyio
import httpx
import pytest

import labelkit
from labelkit._emulator import EmulatorConfig, serving
from labelkit._emulator.datawow._app import DatawowEmulator, _is_loopback
from labelkit.datawow import (
    AsyncDatawow,
    ChoiceImage,
    Image,
    Postback,
    PostbackReceiver,
    parse_postback,
)

IMAGE_URL = "https://cdn.example.com/cat.jpg"

# -- parse_postback -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {
                "body": json.dumps({"id": "5a5", "custom_id": "c", "status": "processed"}).encode(),
                "content_type": "application/json",
            },
            ("5a5", "c"),
        ),
        (
            {
                "body": json.dumps({"data": {"id": "5a5", "answer": ["x"]}}).encode(),
                "content_type": "application/json; charset=utf-8",
            },
            ("5a5", None),
        ),
        (
            {"body": json.dumps({"data": {"image": {"custom_id": "c", "data": "u"}}}).encode()},
            (None, "c"),
        ),
        ({"body": b'{"images": [{"id": 7}]}', "content_type": "text/json"}, ("7", None)),
        (
            {
                "body": b"id=5a5&custom_id=order%2F1",
                "content_type": "application/x-www-form-urlencoded",
            },
            ("5a5", "order/1"),
        ),
        (
            {"body": b"image%5Bid%5D=5a5", "content_type": "application/x-www-form-urlencoded"},
            ("5a5", None),
        ),
        ({"method": "GET", "query": b"id=5a5&status=processed"}, ("5a5", None)),
        ({"method": "delete", "query": "custom_id=c"}, (None, "c")),
        ({"method": "PATCH", "query": b"id=q", "body": b'{"id": "b"}'}, ("b", None)),
    ],
)
def test_parse_postback_accepts_every_documented_shape(
    kwargs: dict[str, typing.Any], expected: tuple[str | None, str | None]
) -> None:
    postback = parse_postback(**kwargs)
    assert (postback.id, postback.custom_id) == expected
    assert postback.method == kwargs.get("method", "POST").upper()


def test_parse_postback_keeps_the_payload_but_it_is_untrusted() -> None:
    postback = parse_postback(body=b'{"id": "a", "status": "processed", "answer": ["cat"]}')
    assert postback.payload["answer"] == ["cat"]
    assert "payload" not in repr(postback)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"body": b"{}", "content_type": "application/json"}, "postback"),
        ({"body": b'{"id": ""}'}, "postback"),
        ({"body": b'{"id": true}'}, "postback"),
        ({"body": b"{not json", "content_type": "application/json"}, "body"),
        ({"method": "OPTIONS", "query": b"id=1"}, "method"),
        ({}, "postback"),
    ],
)
def test_parse_postback_rejects_requests_naming_no_image(
    kwargs: dict[str, typing.Any], field: str
) -> None:
    with pytest.raises(labelkit.ValidationError) as info:
        parse_postback(**kwargs)
    assert info.value.field == field


# -- PostbackReceiver (in process) ----------------------------------------------------------


def frozen_emulator() -> DatawowEmulator:
    return DatawowEmulator(config=EmulatorConfig(time_scale=0))


async def create_choice(emulator: DatawowEmulator, **kwargs: typing.Any) -> str:
    async with AsyncDatawow(
        "test-choice", base_url=emulator.base_url, transport=emulator.transport()
    ) as client:
        image = await client.choice.create(
            IMAGE_URL, instruction="Which?", categories=["cat", "dog"], **kwargs
        )
    return image.id


def receiver_client(app: typing.Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://receiver")


@pytest.mark.anyio
async def test_receiver_hands_on_only_the_refetched_image() -> None:
    emulator = frozen_emulator()
    image_id = await create_choice(emulator, custom_id="order-1")
    emulator.force_status(image_id, "processed")
    received: list[ChoiceImage] = []

    async def handler(image: ChoiceImage) -> None:
        received.append(image)

    async with AsyncDatawow(
        "test-choice", base_url=emulator.base_url, transport=emulator.transport()
    ) as datawow:
        app = PostbackReceiver(datawow.choice, handler, path="/datawow")
        async with receiver_client(app) as http:
            forged = {"id": image_id, "status": "processed", "answer": ["forged"]}
            response = await http.post("/datawow", json=forged)
            by_custom_id = await http.put("/datawow", data={"custom_id": "order-1"})
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert by_custom_id.status_code == 200
    assert [r.id for r in received] == [image_id, image_id]
    assert isinstance(received[0], ChoiceImage)
    assert received[0].answer != ["forged"] and set(received[0].answer) <= {"cat", "dog"}


@pytest.mark.anyio
async def test_receiver_answers_for_each_kind_of_bad_postback() -> None:
    emulator = frozen_emulator()
    pending_id = await create_choice(emulator)
    calls: list[Image] = []

    async def handler(image: Image) -> None:
        calls.append(image)

    async with AsyncDatawow(
        "test-choice", base_url=emulator.base_url, transport=emulator.transport()
    ) as datawow:
        app = PostbackReceiver(datawow, handler, path="/cb", max_body=64)
        async with receiver_client(app) as http:
            not_processed = await http.get("/cb", params={"id": pending_id})
            unknown = await http.post("/cb", json={"id": "5a5000000000000000000999"})
            no_id = await http.post("/cb", json={"status": "processed"})
            wrong_method = await http.request("OPTIONS", "/cb")
            wrong_path = await http.post("/elsewhere", json={"id": pending_id})
        # Over a socket: in process, httpx warns about the body left unread.
        async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
            too_big = await http.post("/cb", content=b"x" * 65)
    assert not_processed.status_code == 202
    assert unknown.status_code == 404
    assert no_id.status_code == 400 and "names no image" in no_id.json()["status"]
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "DELETE, GET, PATCH, POST, PUT"
    assert wrong_path.status_code == 404
    assert too_big.status_code == 413
    assert calls == []


@pytest.mark.anyio
async def test_receiver_reports_handler_and_api_failures() -> None:
    emulator = frozen_emulator()
    image_id = await create_choice(emulator)
    emulator.force_status(image_id, "processed")

    async def failing(image: Image) -> None:
        raise RuntimeError("database down")

    async def never(image: Image) -> None:
        raise AssertionError("not reached")

    async with AsyncDatawow(
        "test-choice", base_url=emulator.base_url, transport=emulator.transport()
    ) as datawow:
        async with receiver_client(PostbackReceiver(datawow, failing)) as http:
            handler_failed = await http.post("/", json={"id": image_id})
    unreachable = AsyncDatawow("test-choice", base_url="http://127.0.0.1:9/api", max_retries=0)
    async with receiver_client(PostbackReceiver(unreachable, never)) as http:
        api_down = await http.post("/", json={"id": image_id})
    assert handler_failed.status_code == 500
    assert api_down.status_code == 502


@pytest.mark.anyio
async def test_receiver_can_hand_on_unprocessed_images_and_handles_lifespan() -> None:
    emulator = frozen_emulator()
    image_id = await create_choice(emulator)
    seen: list[str] = []

    async def handler(image: Image) -> None:
        seen.append(image.status.value)

    async with AsyncDatawow(
        "test-choice", base_url=emulator.base_url, transport=emulator.transport()
    ) as datawow:
        app = PostbackReceiver(datawow, handler, only_processed=False)
        messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
        sent: list[MutableMapping[str, typing.Any]] = []

        async def receive() -> MutableMapping[str, typing.Any]:
            return next(messages)

        async def send(message: MutableMapping[str, typing.Any]) -> None:
            sent.append(message)

        await app({"type": "lifespan"}, receive, send)
        async with receiver_client(app) as http:
            response = await http.get("/anything", params={"id": image_id})
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert response.status_code == 200 and seen == ["unprocess"]


# -- delivery by the emulator over loopback sockets ------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["POST", "GET", "PATCH"])
async def test_emulator_delivers_postbacks_to_a_loopback_receiver(method: str) -> None:
    emulator = DatawowEmulator(config=EmulatorConfig(processing_time=0.2))
    send, receive = anyio.create_memory_object_stream[Image](10)

    async def handler(image: Image) -> None:
        await send.send(image)

    async with send, receive, serving(emulator) as api_url:
        async with AsyncDatawow("test-closed-question", base_url=api_url + "/api") as datawow:
            receiver = PostbackReceiver(datawow.closed_question, handler, path="/hook")
            async with serving(receiver) as hook_url:
                created = await datawow.closed_question.create(
                    IMAGE_URL,
                    postback_url=hook_url + "/hook",
                    postback_method=method,
                    custom_id="cq-1",
                )
                with anyio.fail_after(10):
                    image = await receive.receive()
                with anyio.fail_after(5):
                    while not emulator.images[created.id].postback_delivered:
                        await anyio.sleep(0.01)
    assert image.id == created.id and image.processed
    assert image.answer is not None and image.answer.value in ("approved", "declined", "ban")
    assert emulator.postbacks == [(created.id, method, hook_url + "/hook", 200)]


@pytest.mark.anyio
async def test_emulator_retries_a_failing_receiver_and_never_leaves_loopback() -> None:
    emulator = DatawowEmulator(config=EmulatorConfig(processing_time=0))
    attempts: list[str] = []

    async def flaky(scope: typing.Any, receive: typing.Any, send: typing.Any) -> None:
        attempts.append(scope["method"])
        status = 200 if len(attempts) == 3 else 503
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async with serving(flaky) as hook_url:
        async with AsyncDatawow(
            "test-message", base_url=emulator.base_url, transport=emulator.transport()
        ) as datawow:
            local = await datawow.message.create(IMAGE_URL, instruction="x", postback_url=hook_url)
            remote = await datawow.message.create(
                IMAGE_URL, instruction="x", postback_url="http://example.com/hook"
            )
            with anyio.fail_after(10):
                while not emulator.images[local.id].postback_delivered:
                    await anyio.sleep(0.01)
            found = await datawow.find_id(local.id)
    assert [entry[3] for entry in emulator.postbacks] == [503, 503, 200]
    assert all(entry[0] == local.id for entry in emulator.postbacks)
    assert not emulator.images[remote.id].postback_delivered
    assert found.extra["postback"] is True


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8000/cb", True),
        ("http://127.5.6.7/cb", True),
        ("http://[::1]:9/cb", True),
        ("http://localhost/cb", True),
        ("https://example.com/cb", False),
        ("http://10.0.0.1/cb", False),
        ("ftp://127.0.0.1/cb", False),
        ("http://127.0.0.1.nip.io/cb", False),
    ],
)
def test_only_loopback_urls_receive_postbacks(url: str, allowed: bool) -> None:
    assert _is_loopback(url) is allowed


def test_postback_model_is_frozen() -> None:
    postback = Postback(method="POST", id="a", custom_id=None)
    with pytest.raises(AttributeError):
        postback.id = "b"  # type: ignore[misc]
