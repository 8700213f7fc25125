"""Scale callbacks: the ``scale-callback-auth`` verifier, parsing, and the ASGI receiver."""

from __future__ import annotations

import json
import typing

import anyio
import httpx
import pytest

import labelkit
from labelkit.scale import (
    Callback,
    CallbackReceiver,
    CallbackVerifier,
    TaskStatus,
    parse_callback,
)

LIVE = "live-callback-key-0123456789"
TEST = "test-callback-key-9876543210"
TID = "5f127f6f26831d0010e985e5"


def body(status: str = "completed", response: object = None, **task: object) -> bytes:
    response = {"annotations": [{"label": "cat"}]} if response is None else response
    full = {"task_id": TID, "type": "imageannotation", "status": status, "response": response}
    return json.dumps({"task": {**full, **task}, "response": response, "task_id": TID}).encode()


def receiver_client(app: typing.Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://receiver")


def test_verifier_accepts_live_and_test_keys_only(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = CallbackVerifier(LIVE, test_callback_auth_key=TEST)
    assert verifier.check(LIVE) is False and verifier.check(TEST.encode()) is True
    assert verifier.check(LIVE + "x") is None and verifier.check(None) is None
    assert verifier.check("") is None
    assert verifier.verify({"Scale-Callback-Auth": TEST})
    assert not verifier.verify({"authorization": LIVE})
    assert LIVE not in repr(verifier) and TEST not in repr(verifier)
    monkeypatch.delenv("SCALE_CALLBACK_AUTH_KEY", raising=False)
    monkeypatch.delenv("SCALE_TEST_CALLBACK_AUTH_KEY", raising=False)
    with pytest.raises(labelkit.ValidationError, match="callback_auth_key"):
        CallbackVerifier()
    monkeypatch.setenv("SCALE_TEST_CALLBACK_AUTH_KEY", TEST)
    assert CallbackVerifier().check(TEST) is True


def test_parse_callback_shapes() -> None:
    callback = parse_callback(body(metadata={"row": 3}))
    assert callback.task_id == TID and callback.status is TaskStatus.COMPLETED
    assert callback.task.metadata == {"row": 3}
    assert callback.response == {"annotations": [{"label": "cat"}]}
    bare = parse_callback({"task_id": TID, "response": {"x": 1}})
    assert bare.task.task_id == TID and bare.task.response == {"x": 1}
    for bad in (b"not json", b"[]", b'{"response": {}}', b'{"task": {"task_id": 5}}'):
        with pytest.raises(labelkit.ValidationError):
            parse_callback(bad)


@pytest.mark.anyio
async def test_receiver_rejects_unauthenticated_and_malformed_requests() -> None:
    seen: list[Callback] = []

    async def handler(callback: Callback) -> None:
        seen.append(callback)

    app = CallbackReceiver(handler, callback_auth_key=LIVE, path="/scale")
    async with receiver_client(app) as http:
        assert (await http.post("/scale", content=body())).status_code == 401
        wrong = {"scale-callback-auth": "guess"}
        assert (await http.post("/scale", content=body(), headers=wrong)).status_code == 401
        good = {"scale-callback-auth": LIVE}
        assert (await http.post("/scale", content=b"{", headers=good)).status_code == 400
        assert (await http.post("/other", content=body(), headers=good)).status_code == 404
        get = await http.get("/scale", headers=good)
        assert get.status_code == 405 and get.headers["allow"] == "POST"
    assert seen == []


@pytest.mark.anyio
async def test_receiver_hands_each_callback_on_once() -> None:
    seen: list[Callback] = []
    failures = [RuntimeError("database down")]

    async def handler(callback: Callback) -> None:
        if failures:
            raise failures.pop()
        seen.append(callback)

    app = CallbackReceiver(handler, callback_auth_key=LIVE, test_callback_auth_key=TEST)
    live = {"scale-callback-auth": LIVE}
    async with receiver_client(app) as http:
        assert (await http.post("/", content=body(), headers=live)).status_code == 500
        assert (await http.post("/", content=body(), headers=live)).status_code == 200
        redelivered = await http.post("/", content=body(), headers=live)
        assert redelivered.status_code == 200 and redelivered.json() == {"status": "duplicate"}
        changed = body(response={"annotations": []})
        assert (await http.post("/", content=changed, headers=live)).status_code == 200
        test = {"scale-callback-auth": TEST}
        assert (await http.post("/", content=body(status="error"), headers=test)).status_code == 200
    assert len(seen) == 3
    assert [c.is_test for c in seen] == [False, False, True]
    assert seen[2].status is TaskStatus.ERROR


@pytest.mark.anyio
async def test_concurrent_redelivery_is_refused_while_the_first_is_handled() -> None:
    release = anyio.Event()
    started = anyio.Event()

    async def slow(callback: Callback) -> None:
        started.set()
        await release.wait()

    app = CallbackReceiver(slow, callback_auth_key=LIVE)
    headers = {"scale-callback-auth": LIVE}
    codes: list[int] = []
    async with receiver_client(app) as http:

        async def first() -> None:
            codes.append((await http.post("/", content=body(), headers=headers)).status_code)

        async with anyio.create_task_group() as tg:
            tg.start_soon(first)
            await started.wait()
            codes.append((await http.post("/", content=body(), headers=headers)).status_code)
            release.set()
    assert codes == [409, 200]


@pytest.mark.anyio
async def test_wait_returns_the_task_of_a_verified_callback() -> None:
    app = CallbackReceiver(callback_auth_key=LIVE)
    headers = {"scale-callback-auth": LIVE}
    got: list[object] = []
    async with receiver_client(app) as http, anyio.create_task_group() as tg:

        async def waiter() -> None:
            got.append(await app.wait(TID, timeout=30))

        tg.start_soon(waiter)
        await anyio.wait_all_tasks_blocked()
        assert (await http.post("/", content=body(), headers={"x": "1"})).status_code == 401
        await anyio.wait_all_tasks_blocked()
        assert got == []
        assert (await http.post("/", content=body(), headers=headers)).status_code == 200
    task = got[0]
    assert getattr(task, "task_id", None) == TID
    assert (await app.wait(TID)).status is TaskStatus.COMPLETED  # already received
    with pytest.raises(labelkit.PollTimeoutError):
        await app.wait("another", timeout=0)
