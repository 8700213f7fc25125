"""The webhook receiver base (labelkit._webhooks) and the emulators' webhook sender."""

from __future__ import annotations

import json
import threading
import typing
from collections.abc import Hashable, MutableMapping

import anyio
import httpx
import pytest

import labelkit
from labelkit._emulator import serving
from labelkit._emulator._webhooks import WebhookSender, is_loopback_url
from labelkit._webhooks import WebhookAnswer, WebhookReceiver, WebhookRequest, decode_body
from labelkit.scale import CallbackReceiver

Message = MutableMapping[str, typing.Any]


@typing.final
class Event:
    def __init__(self, ident: str, n: int) -> None:
        self.ident, self.n = ident, n


class TokenReceiver(WebhookReceiver[str, Event, Event]):
    """A toy provider: ``x-token`` authenticates, the JSON body names an event."""

    waits_for = "toy event"

    async def authenticate(self, request: WebhookRequest) -> str:
        token = request.header("X-Token")
        if token != "secret":
            raise WebhookAnswer(401, "bad token")
        return token

    def parse(self, request: WebhookRequest, sender: str) -> Event:
        document = decode_body(request.body, request.content_type or "application/json")
        if not isinstance(document, dict) or "id" not in document:
            raise WebhookAnswer(400, "no id")
        return Event(str(document["id"]), int(document.get("n", 0)))

    async def verify(self, claim: Event) -> Event:
        if claim.n < 0:
            raise WebhookAnswer(202, "ignored")
        return claim

    def event_id(self, event: Event) -> str:
        return event.ident

    def dedup_key(self, event: Event) -> Hashable:
        return event.ident, event.n


TOKEN = {"x-token": "secret"}


def client(app: typing.Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hook")


async def call(
    app: WebhookReceiver[typing.Any, typing.Any, typing.Any],
    *,
    method: str = "POST",
    path: str = "/",
    chunks: typing.Iterator[bytes],
) -> tuple[list[Message], int]:
    """Drive the app with a body arriving in ``chunks``; returns what it sent and chunks read."""
    sent: list[Message] = []
    read = 0

    async def receive() -> Message:
        nonlocal read
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": [], "query_string": b""}
    await app(scope, receive, send)
    return sent, read


def endless(chunk: bytes) -> typing.Iterator[bytes]:
    while True:
        yield chunk


@pytest.mark.anyio
async def test_path_method_and_a_bounded_body_read() -> None:
    app = TokenReceiver(path="/hook", max_body=10)
    sent, read = await call(app, chunks=endless(b"abcd"), path="/hook")
    assert sent[0]["status"] == 413 and read == 3  # stopped past 10 bytes, never read on
    sent, _ = await call(app, chunks=iter([b"{}"]), path="/elsewhere")
    assert sent[0]["status"] == 404
    sent, _ = await call(app, chunks=iter([b"{}"]), path="/hook", method="PUT")
    assert sent[0]["status"] == 405 and (b"allow", b"POST") in sent[0]["headers"]
    assert json.loads(sent[1]["body"]) == {"status": "method not allowed"}


@pytest.mark.anyio
async def test_lifespan_is_answered() -> None:
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[Message] = []

    async def receive() -> Message:
        return next(messages)

    async def send(message: Message) -> None:
        sent.append(message)

    await TokenReceiver()({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


@pytest.mark.anyio
async def test_hooks_answer_and_redeliveries_are_handed_on_once() -> None:
    seen: list[tuple[str, int]] = []
    failures = [RuntimeError("database down")]

    async def handler(event: Event) -> None:
        if failures:
            raise failures.pop()
        seen.append((event.ident, event.n))

    app = TokenReceiver(handler)
    async with client(app) as http:
        assert (await http.post("/", json={"id": "a"})).status_code == 401
        assert (await http.post("/", json={"x": 1}, headers=TOKEN)).status_code == 400
        assert (await http.post("/", json={"id": "a", "n": -1}, headers=TOKEN)).status_code == 202
        assert (await http.post("/", json={"id": "a"}, headers=TOKEN)).status_code == 500
        assert (await http.post("/", json={"id": "a"}, headers=TOKEN)).status_code == 200
        again = await http.post("/", json={"id": "a"}, headers=TOKEN)
        assert again.status_code == 200 and again.json() == {"status": "duplicate"}
        assert (await http.post("/", json={"id": "a", "n": 1}, headers=TOKEN)).status_code == 200
    assert seen == [("a", 0), ("a", 1)]


@pytest.mark.anyio
async def test_a_redelivery_during_handling_answers_409() -> None:
    started, release = anyio.Event(), anyio.Event()

    async def slow(event: Event) -> None:
        started.set()
        await release.wait()

    app = TokenReceiver(slow)
    codes: list[int] = []
    async with client(app) as http:

        async def first() -> None:
            codes.append((await http.post("/", json={"id": "a"}, headers=TOKEN)).status_code)

        async with anyio.create_task_group() as tg:
            tg.start_soon(first)
            await started.wait()
            codes.append((await http.post("/", json={"id": "a"}, headers=TOKEN)).status_code)
            release.set()
    assert codes == [409, 200]


@pytest.mark.anyio
async def test_sync_handlers_run_off_the_event_loop() -> None:
    threads: list[int] = []

    def handler(event: Event) -> None:
        threads.append(threading.get_ident())

    async with client(TokenReceiver(handler)) as http:
        assert (await http.post("/", json={"id": "a"}, headers=TOKEN)).status_code == 200
    assert threads and threads[0] != threading.get_ident()


@pytest.mark.anyio
async def test_wait_wakes_every_waiter_and_times_out() -> None:
    app = TokenReceiver()
    got: list[int] = []
    async with client(app) as http, anyio.create_task_group() as tg:

        async def waiter() -> None:
            got.append((await app.wait("a", timeout=30)).n)

        tg.start_soon(waiter)
        tg.start_soon(waiter)
        await anyio.wait_all_tasks_blocked()
        assert (await http.post("/", json={"id": "a", "n": 7}, headers=TOKEN)).status_code == 200
    assert got == [7, 7]
    assert (await app.wait("a")).n == 7  # already received
    with pytest.raises(labelkit.PollTimeoutError, match="toy event 'b' within 0 s"):
        await app.wait("b", timeout=0)
    assert app._waiters == {}  # a timed-out waiter leaves nothing behind


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_wait_works_in_a_later_event_loop(backend: str) -> None:
    """A receiver outliving its loop (as after a fork) must not use that loop's events."""
    app = CallbackReceiver(callback_auth_key="k")
    body = json.dumps({"task_id": "t1", "task": {"task_id": "t1", "status": "completed"}})

    async def first_loop() -> None:
        with pytest.raises(labelkit.PollTimeoutError):
            await app.wait("t1", timeout=0.01)

    async def second_loop() -> str:
        async with anyio.create_task_group() as tg:
            tg.start_soon(app.handle, {"scale-callback-auth": "k"}, body.encode())
            task = await app.wait("t1", timeout=30)
        return task.task_id

    anyio.run(first_loop, backend=backend)
    assert anyio.run(second_loop, backend=backend) == "t1"


def test_decode_body() -> None:
    assert decode_body(b'{"a": 1}', "application/json; charset=utf-8") == {"a": 1}
    assert decode_body(b'{"a": 1}', None) == {"a": 1}
    assert decode_body(b"a=1&b=", "application/x-www-form-urlencoded") == {"a": "1", "b": ""}
    assert decode_body(b"  ", "application/json") == {}
    with pytest.raises(labelkit.ValidationError):
        decode_body(b"{", "application/json")


# -- the emulators' sender --------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def until(condition: typing.Callable[[], bool]) -> None:
    with anyio.fail_after(10):
        while not condition():
            await anyio.sleep(0.005)


@pytest.mark.anyio
async def test_sender_redelivers_on_its_clock_until_2xx_and_only_to_loopback() -> None:
    received: list[tuple[str, str, bytes, str | None]] = []

    async def hook(scope: typing.Any, receive: typing.Any, send: typing.Any) -> None:
        message = await receive()
        headers = dict(scope["headers"])
        received.append(
            (scope["method"], scope["query_string"].decode(), message.get("body", b""),
             headers.get(b"x-sig", b"").decode() or None)
        )  # fmt: skip
        status = 200 if len(received) == 3 else 503
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    clock = Clock()
    sender = WebhookSender(clock, name="toy", backoff=1.0, max_attempts=5)
    results: list[bool] = []
    ready = {"now": False}
    try:
        async with serving(hook) as url:
            sender.schedule(
                "thing", "t1", "https://example.com/hook",
                ready=lambda now: True, payload=dict, on_result=results.append,
            )  # fmt: skip
            sender.schedule(
                "thing", "t1", url + "/hook", method="GET", in_query=True,
                headers={"x-sig": "s"}, ready=lambda now: ready["now"],
                payload=lambda: {"id": "t1"}, on_result=results.append,
            )  # fmt: skip
            await anyio.sleep(0.05)
            assert received == []  # not before its event
            ready["now"] = True
            # An attempt is recorded once the next one is scheduled: only then move the clock.
            await until(lambda: len(sender.attempts) == 2)
            clock.now = 0.9  # the first backoff is 1.0
            await anyio.sleep(0.05)
            assert len(received) == 1 and sender.pending == 1
            clock.now = 1.0
            await until(lambda: len(sender.attempts) == 3)
            clock.now = 3.0
            await until(lambda: sender.pending == 0)
    finally:
        sender.close()
    assert received == [("GET", "id=t1", b"", "s")] * 3
    assert [(a.skipped, a.status, a.attempt) for a in sender.attempts] == [
        (True, None, 0),
        (False, 503, 1),
        (False, 503, 2),
        (False, 200, 3),
    ]
    assert results == [False, False, True]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8000/cb", True),
        ("http://[::1]/cb", True),
        ("http://localhost/cb", True),
        ("https://example.com/cb", False),
        ("http://192.168.1.1/cb", False),
        ("file:///etc/passwd", False),
    ],
)
def test_sender_targets_loopback_only(url: str, allowed: bool) -> None:
    assert is_loopback_url(url) is allowed
