"""``transport=httpx.MockTransport(handler)``, as the README advertises, for every client.

A handler's plain ``httpx.Response(200, json=...)`` has no ``.elapsed`` (httpx
sets it only when a response stream is closed by the client's own transport
path), so the core must not read it: one call per provider, async and sync.
"""

from __future__ import annotations

import typing

import httpx
import pytest

import labelkit

Call = typing.Callable[[typing.Any], typing.Any]


class Case(typing.NamedTuple):
    provider: str
    credential: str
    path: str  # the path the call must reach
    answer: object  # the JSON the handler answers with
    call: Call  # one call on the client (a coroutine for the async client)
    check: typing.Callable[[typing.Any], bool]


CASES = [
    Case(
        "FastLabel",
        "fl-token",
        "/v1/projects",
        [{"id": "p1", "slug": "animals", "name": "Animals", "type": "image_bbox"}],
        lambda c: c.get_projects(),
        lambda result: [p.slug for p in result] == ["animals"],
    ),
    Case(
        "Scale",
        "live_key",
        "/v1/task/t1",
        {"task_id": "t1", "type": "categorization", "status": "pending"},
        lambda c: c.get_task("t1"),
        lambda task: task.task_id == "t1",
    ),
    Case(
        "Datawow",
        "dw-key",
        "/api/projects/images/img1",
        {"data": {"image": {"id": "img1", "status": "processed"}}, "meta": {"code": 200}},
        lambda c: c.choice.find_id("img1"),
        lambda image: image.id == "img1",
    ),
    Case(
        "CloudSight",
        "cs-key",
        "/image_responses/tok1",
        {"token": "tok1", "status": "completed", "name": "a cat"},
        lambda c: c.image_response("tok1"),
        lambda job: job.token == "tok1" and job.name == "a cat",
    ),
    Case(
        "RedFlag",
        "rf-token",
        "/api/v2/products/api/operations/7",
        {"status": "processing", "data": None},
        lambda c: c.get_operation(7),
        lambda operation: operation.id == 7,
    ),
]


def _transport(case: Case, seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=case.answer)

    return httpx.MockTransport(handler)


def _client(case: Case, *, sync: bool, transport: httpx.MockTransport) -> typing.Any:
    name = case.provider if sync else f"Async{case.provider}"
    cls = getattr(labelkit, name)
    return cls(case.credential, transport=transport, max_retries=0, rate_limit=None)


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[c.provider for c in CASES])
async def test_async_client_works_over_a_mock_transport(case: Case) -> None:
    seen: list[httpx.Request] = []
    async with _client(case, sync=False, transport=_transport(case, seen)) as client:
        result = await case.call(client)
    assert case.check(result), result
    assert len(seen) == 1 and seen[0].url.path.endswith(case.path), seen


@pytest.mark.parametrize("case", CASES, ids=[c.provider for c in CASES])
def test_sync_client_works_over_a_mock_transport(case: Case) -> None:
    seen: list[httpx.Request] = []
    with _client(case, sync=True, transport=_transport(case, seen)) as client:
        result = case.call(client)
    assert case.check(result), result
    assert len(seen) == 1 and seen[0].url.path.endswith(case.path), seen
