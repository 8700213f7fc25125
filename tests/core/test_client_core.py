"""The request pipeline: retries, Retry-After, ambiguity, deadlines, cooldown, errors, redaction."""

from __future__ import annotations

import logging

import anyio
import httpx
import pytest
import respx
from trio.testing import MockClock

import labelkit
from labelkit._config import RateLimit, RetryPolicy, Timeout
from labelkit._ratelimit import AnyioClock, Limiter, _reset_shared_limiters
from labelkit._retry import backoff, parse_retry_after

from ._toy_client import SECRET, Toy

URL = "https://toy.test/v1/things/1"
CREATE = "https://toy.test/v1/things"

virtual_time = pytest.mark.parametrize(
    "anyio_backend",
    [pytest.param(("trio", {"clock": MockClock(autojump_threshold=0)}), id="trio-virtual")],
)


@pytest.fixture(autouse=True)
def fresh_limiters() -> None:
    _reset_shared_limiters()


# -- retry table -----------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
async def test_retryable_status_is_retried_then_succeeds(status: int) -> None:
    with respx.mock:
        route = respx.get(URL).mock(
            side_effect=[httpx.Response(status), httpx.Response(200, json={"ok": 1})]
        )
        async with Toy() as client:
            with labelkit.record_calls() as calls:
                assert await client.get() == {"ok": 1}
    assert route.call_count == 2
    assert calls[-1].retries_taken == 1 and calls[-1].status == 200


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, labelkit.BadRequestError),
        (401, labelkit.AuthenticationError),
        (403, labelkit.PermissionDeniedError),
        (404, labelkit.NotFoundError),
        (409, labelkit.ConflictError),
        (422, labelkit.UnprocessableEntityError),
        (501, labelkit.InternalServerError),
        (418, labelkit.APIStatusError),
    ],
)
async def test_non_retryable_status_raises_typed_error_at_once(
    status: int, error: type[Exception]
) -> None:
    with respx.mock:
        route = respx.get(URL).mock(
            return_value=httpx.Response(
                status,
                json={"error": {"code": "E1", "message": "nope"}},
                headers={"x-request-id": "req-9"},
            )
        )
        async with Toy() as client:
            with pytest.raises(error) as info:
                await client.get()
    assert route.call_count == 1
    exc = info.value
    assert isinstance(exc, labelkit.APIStatusError)
    assert (exc.status, exc.code, exc.message, exc.request_id) == (status, "E1", "nope", "req-9")
    assert exc.body == {"error": {"code": "E1", "message": "nope"}}
    assert exc.retries_taken == 0


@pytest.mark.anyio
async def test_attempts_are_at_most_max_retries_plus_one() -> None:
    with respx.mock:
        route = respx.get(URL).mock(return_value=httpx.Response(503))
        async with Toy(max_retries=3) as client:
            with pytest.raises(labelkit.InternalServerError) as info:
                await client.get()
            assert route.call_count == 4
            assert info.value.retries_taken == 3
            with pytest.raises(labelkit.InternalServerError):
                await client.get(max_retries=0)
            assert route.call_count == 5


def test_backoff_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy()
    for n, base in enumerate([0.5, 1.0, 2.0, 4.0, 8.0, 8.0]):
        waits = [backoff(policy, n) for _ in range(200)]
        assert all(0.75 * base <= w <= base for w in waits)
        assert max(waits) - min(waits) > 0.05 * base  # jittered, not constant


# -- Retry-After -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "Wed, 21 Oct 2026 07:28:07 GMT"}, 7.0),
        ({"retry-after": "Wed, 21 Oct 2026 07:27:00 GMT"}, 0.0),
        ({"retry-after": "-3"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    now = 1792567680.0  # Wed, 21 Oct 2026 07:28:00 GMT
    assert parse_retry_after(headers, now=now) == expected


@pytest.mark.anyio
@virtual_time
@pytest.mark.parametrize(
    "header", [{"Retry-After": "7"}, {"retry-after-ms": "7000"}, {"Retry-After": "6.5"}]
)
async def test_retry_after_is_honoured(header: dict[str, str]) -> None:
    times: list[float] = []

    def respond(request: httpx.Request) -> httpx.Response:
        times.append(anyio.current_time())
        return (
            httpx.Response(429, headers=header) if len(times) == 1 else httpx.Response(200, json={})
        )

    with respx.mock:
        respx.get(URL).mock(side_effect=respond)
        async with Toy() as client:
            await client.get()
    assert times[1] - times[0] >= parse_retry_after({k.lower(): v for k, v in header.items()})  # type: ignore[operator]


@pytest.mark.anyio
async def test_retry_after_beyond_the_cap_raises_at_once() -> None:
    with respx.mock:
        route = respx.get(URL).mock(
            return_value=httpx.Response(429, headers={"Retry-After": "500"})
        )
        async with Toy() as client:
            with pytest.raises(labelkit.RateLimitError) as info:
                await client.get()
    assert route.call_count == 1
    assert info.value.retry_after == 500.0


@pytest.mark.anyio
@virtual_time
async def test_429_pauses_everyone_sharing_the_credential() -> None:
    seen: list[tuple[str, float]] = []

    def respond(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, anyio.current_time()))
        if request.url.path.endswith("/a") and len([s for s in seen if s[0].endswith("/a")]) == 1:
            return httpx.Response(429, headers={"Retry-After": "3"})
        return httpx.Response(200, json={})

    rate = RateLimit(100, 1.0)
    with respx.mock:
        respx.get(url__regex=r"https://toy.test/v1/.*").mock(side_effect=respond)
        first, second = Toy(rate_limit=rate), Toy(rate_limit=rate)
        assert first._limiter is second._limiter is not None  # one budget per credential
        # Virtual time: measure the shared limiter on the test loop's (mock) clock.
        first._limiter = second._limiter = Limiter(rate, clock=AnyioClock())
        start = anyio.current_time()
        async with anyio.create_task_group() as tg:
            tg.start_soon(first.get, "a")

            async def later() -> None:
                await anyio.sleep(0.5)
                await second.get("b")

            tg.start_soon(later)
    b_time = next(t for path, t in seen if path.endswith("/b"))
    assert b_time - start >= 3.0  # the other client waited for the shared cooldown


# -- never duplicate a create ----------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_create_with_5xx_is_ambiguous_and_not_resent(status: int) -> None:
    with respx.mock:
        route = respx.post(CREATE).mock(return_value=httpx.Response(status))
        async with Toy() as client:
            with pytest.raises(labelkit.AmbiguousResultError) as info:
                await client.create()
    assert route.call_count == 1
    assert isinstance(info.value.error, labelkit.InternalServerError)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "exc",
    [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped"), httpx.WriteError("broken")],
)
async def test_create_that_may_have_left_is_ambiguous(exc: Exception) -> None:
    with respx.mock:
        route = respx.post(CREATE).mock(side_effect=exc)
        async with Toy() as client:
            with pytest.raises(labelkit.AmbiguousResultError) as info:
                await client.create()
    assert route.call_count == 1
    assert isinstance(info.value.error, labelkit.APIConnectionError)
    assert info.value.error.sent


@pytest.mark.anyio
@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow dns"), httpx.PoolTimeout("busy")],
)
async def test_create_that_never_left_is_retried(exc: Exception) -> None:
    with respx.mock:
        route = respx.post(CREATE).mock(side_effect=[exc, httpx.Response(201, json={"id": 5})])
        async with Toy() as client:
            assert await client.create() == {"id": 5}
    assert route.call_count == 2


@pytest.mark.anyio
@pytest.mark.parametrize("status", [408, 425, 429])
async def test_create_rejected_before_processing_is_retried(status: int) -> None:
    with respx.mock:
        route = respx.post(CREATE).mock(
            side_effect=[httpx.Response(status), httpx.Response(200, json={"id": 1})]
        )
        async with Toy() as client:
            assert await client.create() == {"id": 1}
    assert route.call_count == 2


@pytest.mark.anyio
async def test_idempotent_create_is_retried_after_a_timeout() -> None:
    with respx.mock:
        route = respx.post(CREATE).mock(
            side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json={"id": 1})]
        )
        async with Toy() as client:
            assert await client._request_json("POST", "things", json={}, idempotent=True) == {
                "id": 1
            }
    assert route.call_count == 2


@pytest.mark.anyio
async def test_get_is_retried_after_connection_errors() -> None:
    with respx.mock:
        route = respx.get(URL).mock(
            side_effect=[
                httpx.ReadTimeout("slow"),
                httpx.RemoteProtocolError("x"),
                httpx.Response(200, json=[]),
            ]
        )
        async with Toy() as client:
            assert await client.get() == []
    assert route.call_count == 3


# -- deadlines -------------------------------------------------------------------


@pytest.mark.anyio
@virtual_time
async def test_overall_deadline_covers_retries() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(10_000)
        raise AssertionError("unreachable")

    with respx.mock:
        respx.get(URL).mock(side_effect=hang)
        async with Toy(timeout=Timeout(read=None, total=5.0), max_retries=5) as client:
            start = anyio.current_time()
            with pytest.raises(labelkit.APITimeoutError):
                await client.get()
            assert anyio.current_time() - start <= 5.0 + 1e-6


@pytest.mark.anyio
@virtual_time
async def test_per_call_timeout_overrides_the_client_default() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(10_000)
        raise AssertionError("unreachable")

    with respx.mock:
        respx.post(CREATE).mock(side_effect=hang)
        async with Toy(timeout=Timeout(read=None, total=None)) as client:
            start = anyio.current_time()
            with pytest.raises(labelkit.AmbiguousResultError) as info:
                await client.create(timeout=2.0)
            assert anyio.current_time() - start <= 2.0 + 1e-6
    assert isinstance(info.value.error, labelkit.APITimeoutError)


# -- errors and responses --------------------------------------------------------


@pytest.mark.anyio
async def test_non_json_error_page_becomes_a_clear_status_error() -> None:
    with respx.mock:
        respx.get(URL).mock(
            return_value=httpx.Response(
                502, text="<html>Bad gateway</html>", headers={"content-type": "text/html"}
            )
        )
        async with Toy(max_retries=0) as client:
            with pytest.raises(labelkit.InternalServerError) as info:
                await client.get()
    assert info.value.status == 502
    assert "Bad Gateway" in info.value.message
    assert info.value.body == "<html>Bad gateway</html>"


@pytest.mark.anyio
async def test_non_json_success_body_is_a_response_validation_error() -> None:
    with respx.mock:
        respx.get(URL).mock(return_value=httpx.Response(200, text="<html>login</html>"))
        async with Toy() as client:
            with pytest.raises(labelkit.ResponseValidationError):
                await client.get()


@pytest.mark.anyio
async def test_wire_basics_user_agent_auth_and_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOY_BASE_URL", "https://elsewhere.test/api/")
    with respx.mock:
        route = respx.get("https://elsewhere.test/api/things/1").mock(
            return_value=httpx.Response(200, json={})
        )
        async with Toy() as client:
            await client.get()
    request = route.calls.last.request
    assert request.headers["user-agent"] == f"labelkit/{labelkit.__version__}"
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert request.headers["accept"] == "application/json"


@pytest.mark.anyio
async def test_aclose_closes_the_pool() -> None:
    client = Toy()
    async with client:
        pass
    assert client._session.is_closed


# -- secrets ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_no_secret_in_logs_errors_or_reprs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="labelkit")
    errors: list[BaseException] = []
    with respx.mock:
        respx.get(URL).mock(return_value=httpx.Response(200, json={}))
        respx.get("https://toy.test/v1/things/2").mock(
            return_value=httpx.Response(401, json={"message": f"bad token {SECRET}"})
        )
        respx.get("https://toy.test/v1/things/3").mock(
            return_value=httpx.Response(500, text=f"trace: Authorization: Bearer {SECRET}")
        )
        respx.get("https://toy.test/v1/things/4").mock(
            side_effect=httpx.ConnectError(f"cannot connect with {SECRET}")
        )
        async with Toy(max_retries=0) as client:
            await client.get()
            await client.get("things/1", params={"token": SECRET, "page": 2})
            for path in ("things/2", "things/3", "things/4"):
                try:
                    await client.get(path)
                except labelkit.LabelkitError as exc:
                    errors.append(exc)
            text = repr(client) + str(client.__dict__.get("_limiter"))
    assert len(errors) == 3
    assert caplog.records, "debug logging should have produced records"
    everything = text + "".join(r.getMessage() for r in caplog.records)
    everything += "".join(str(e) + repr(e) + str(getattr(e, "message", "")) for e in errors)
    assert SECRET not in everything
    assert "[redacted]" in everything  # the token query parameter was redacted in the log


@pytest.mark.anyio
async def test_debug_log_line_has_method_url_status_and_retries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="labelkit")
    with respx.mock:
        respx.get(URL).mock(side_effect=[httpx.Response(503), httpx.Response(200, json={})])
        async with Toy() as client:
            await client.get()
    line = caplog.records[-1].getMessage()
    assert line.startswith(f"GET {URL} -> 200 in ")
    assert "retries=1" in line


def test_a_retry_policy_keeps_its_own_count_unless_max_retries_is_given() -> None:
    from ._toy_client import Toy

    assert Toy(retry=RetryPolicy(max_retries=6))._retry.max_retries == 6
    assert Toy(retry=RetryPolicy(max_retries=6), max_retries=4)._retry.max_retries == 4
    assert Toy(max_retries=5)._retry.max_retries == 5
    assert Toy(retry=None)._retry.max_retries == 2
