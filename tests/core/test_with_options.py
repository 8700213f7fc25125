"""``client.with_options(...)``: a copy with other timeouts, retries or headers, for every client.

The copy shares the pool, the rate limiter and the in-flight cap of the
original; its options apply to its own calls only.
"""

from __future__ import annotations

import typing

import httpx
import pytest

import labelkit
from labelkit._config import PollPolicy, Timeout

from .test_mock_transport import CASES, Case


def _recording(case: Case, seen: list[httpx.Request], fail_first: int = 0) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) <= fail_first:
            return httpx.Response(503, json={"error": "busy"})
        return httpx.Response(200, json=case.answer)

    return httpx.MockTransport(handler)


def _make(
    case: Case, *, sync: bool, transport: httpx.MockTransport, **kwargs: object
) -> typing.Any:
    cls = getattr(labelkit, case.provider if sync else f"Async{case.provider}")
    return cls(case.credential, transport=transport, rate_limit=None, **kwargs)


def _async(client: typing.Any) -> typing.Any:
    return getattr(client, "_async", client)


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[c.provider for c in CASES])
async def test_a_copy_changes_only_its_own_calls(case: Case) -> None:
    seen: list[httpx.Request] = []
    retry = labelkit.RetryPolicy(wait_initial=0.0, wait_max=0.0)
    transport = _recording(case, seen, fail_first=1)
    async with _make(case, sync=False, transport=transport, retry=retry, max_retries=0) as client:
        copy = client.with_options(
            timeout=Timeout(read=7.5), max_retries=3, default_headers={"X-Trace": "t1"}
        )
        assert copy is not client
        assert copy._session is client._session
        assert copy._limiter is client._limiter
        assert copy._session.in_flight is client._session.in_flight

        # The copy retries the 503 (max_retries=3) and sends its header and read timeout.
        assert case.check(await case.call(copy))
        assert len(seen) == 2
        assert seen[-1].headers["x-trace"] == "t1"
        assert seen[-1].extensions["timeout"]["read"] == 7.5

        # The original is unchanged: no header, its own timeout, no retry of a 503.
        seen.clear()
        with pytest.raises(labelkit.InternalServerError):
            await case.call(client)
        assert len(seen) == 1
        assert "x-trace" not in seen[0].headers
        assert seen[0].extensions["timeout"]["read"] != 7.5


@pytest.mark.parametrize("case", CASES, ids=[c.provider for c in CASES])
def test_a_sync_copy_is_a_sync_client_sharing_the_pool(case: Case) -> None:
    seen: list[httpx.Request] = []
    with _make(case, sync=True, transport=_recording(case, seen), max_retries=0) as client:
        copy = client.with_options(default_headers={"X-Trace": "sync"}, max_retries=1)
        assert type(copy) is type(client)
        assert _async(copy)._session is _async(client)._session
        assert case.check(case.call(copy))
        assert seen[-1].headers["x-trace"] == "sync"
        assert case.check(case.call(client))
        assert "x-trace" not in seen[-1].headers


@pytest.mark.anyio
async def test_resources_of_a_copy_use_the_copy() -> None:
    case = next(c for c in CASES if c.provider == "Datawow")
    seen: list[httpx.Request] = []
    async with _make(case, sync=False, transport=_recording(case, seen)) as client:
        copy = client.with_options(default_headers={"X-Trace": "dw"})
        assert copy.choice is not client.choice
        await copy.choice.find_id("img1")
        assert seen[-1].headers["x-trace"] == "dw"
        await client.choice.find_id("img1")
        assert "x-trace" not in seen[-1].headers


@pytest.mark.anyio
@pytest.mark.parametrize("provider", ["Scale", "Datawow", "CloudSight", "RedFlag"])
async def test_poll_is_overridden_where_the_client_has_waits(provider: str) -> None:
    case = next(c for c in CASES if c.provider == provider)
    policy = PollPolicy(initial_delay=0.0, interval=0.01, timeout=1.0)
    async with _make(case, sync=False, transport=_recording(case, [])) as client:
        copy = client.with_options(poll=policy)
        assert copy._poll is policy
        assert client._poll is not policy


@pytest.mark.anyio
async def test_poll_is_refused_where_the_client_has_no_default_wait_policy() -> None:
    case = next(c for c in CASES if c.provider == "FastLabel")
    async with _make(case, sync=False, transport=_recording(case, [])) as client:
        with pytest.raises(TypeError, match="poll"):
            client.with_options(poll=PollPolicy())
