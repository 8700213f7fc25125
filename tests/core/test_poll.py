from __future__ import annotations

import random

import anyio
import attrs
import pytest
from trio.testing import MockClock

from labelkit import APIError, JobFailedError, PollPolicy, PollTimeoutError, ValidationError
from labelkit._bulk import OutcomeStatus
from labelkit._poll import JobState, wait_for, wait_many
from labelkit._types import NOT_GIVEN

from ._toy_client import Toy

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> object:
    if request.param == "trio-virtual":
        return ("trio", {"clock": MockClock(autojump_threshold=0)})
    return request.param


virtual_time = pytest.mark.parametrize("anyio_backend", ["trio-virtual"], indirect=True)

FAST = PollPolicy(initial_delay=0, interval=0.001, max_interval=0.001, jitter=0, timeout=5)


@attrs.frozen
class Job:
    poll: int
    at: float
    state: JobState


class FakeJob:
    """A job whose status request returns the scripted state for each poll (last one repeats)."""

    def __init__(self, *states: JobState, hang_on: int | None = None) -> None:
        self.states = states
        self.hang_on = hang_on
        self.polls: list[Job] = []

    async def fetch(self) -> Job:
        n = len(self.polls)
        if n == self.hang_on:
            await anyio.sleep(10_000)
        job = Job(n, anyio.current_time(), self.states[min(n, len(self.states) - 1)])
        self.polls.append(job)
        return job

    @property
    def times(self) -> list[float]:
        return [job.at for job in self.polls]


def classify(job: Job) -> JobState:
    return job.state


P, S, F = JobState.PENDING, JobState.SUCCEEDED, JobState.FAILED


async def test_returns_the_final_object_after_n_polls() -> None:
    job = FakeJob(P, P, P, S)
    seen: list[Job] = []

    result = await wait_for(job.fetch, classify, policy=FAST, on_poll=seen.append)

    assert result is job.polls[-1]
    assert result.state is S
    assert len(job.polls) == 4
    assert seen == job.polls


@virtual_time
async def test_initial_delay_backoff_and_cap() -> None:
    job = FakeJob(P, P, P, P, P, P, S)
    policy = PollPolicy(initial_delay=2, interval=1, backoff=2, max_interval=5, jitter=0)
    start = anyio.current_time()

    await wait_for(job.fetch, classify, policy=policy, timeout=None)

    # sleeps: 2 (initial), then 1, 2, 4, 5 (capped), 5
    assert [t - start for t in job.times] == [2, 3, 5, 9, 14, 19, 24]


@virtual_time
async def test_every_sleep_is_jittered(monkeypatch: pytest.MonkeyPatch) -> None:
    factors = iter([0.5, 1.5, 0.5, 1.5])
    bounds: list[tuple[float, float]] = []

    def uniform(lo: float, hi: float) -> float:
        bounds.append((lo, hi))
        return next(factors)

    monkeypatch.setattr(random, "uniform", uniform)
    job = FakeJob(P, P, P, S)
    policy = PollPolicy(initial_delay=2, interval=4, backoff=1, jitter=0.5)
    start = anyio.current_time()

    await wait_for(job.fetch, classify, policy=policy, timeout=None)

    assert bounds == [(0.5, 1.5)] * 4
    assert [t - start for t in job.times] == [1, 7, 9, 15]


async def test_failure_raises_job_failed_error_with_the_job() -> None:
    job = FakeJob(P, F)

    with pytest.raises(JobFailedError, match="export 7 failed") as info:
        await wait_for(job.fetch, classify, policy=FAST, describe="export 7")

    assert info.value.job is job.polls[-1]
    assert len(job.polls) == 2


@virtual_time
async def test_deadline_raises_poll_timeout_after_a_final_poll_at_the_deadline() -> None:
    job = FakeJob(P)
    policy = PollPolicy(initial_delay=1, interval=4, backoff=1, jitter=0, timeout=60)
    start = anyio.current_time()

    with pytest.raises(PollTimeoutError, match="did not finish within 10 s") as info:
        await wait_for(job.fetch, classify, policy=policy, timeout=10)

    # The sleep before the poll due at 13 was shortened to end at the deadline.
    assert [t - start for t in job.times] == [1, 5, 9, 10]
    assert anyio.current_time() - start == 10
    assert info.value.last_state is job.polls[-1]


@virtual_time
async def test_success_seen_by_the_final_poll_is_returned() -> None:
    job = FakeJob(P, P, P, S)
    policy = PollPolicy(initial_delay=1, interval=4, backoff=1, jitter=0)
    start = anyio.current_time()

    result = await wait_for(job.fetch, classify, policy=policy, timeout=10)

    assert result.state is S
    assert result.at - start == 10


@virtual_time
async def test_initial_delay_longer_than_the_timeout() -> None:
    job = FakeJob(P)
    start = anyio.current_time()

    with pytest.raises(PollTimeoutError):
        await wait_for(job.fetch, classify, policy=PollPolicy(initial_delay=30), timeout=10)

    assert [t - start for t in job.times] == [10]


@virtual_time
async def test_a_poll_hanging_at_the_deadline_is_cut_off() -> None:
    job = FakeJob(P, hang_on=2)
    policy = PollPolicy(initial_delay=1, interval=4, backoff=1, jitter=0)
    start = anyio.current_time()

    with pytest.raises(PollTimeoutError) as info:
        await wait_for(job.fetch, classify, policy=policy, timeout=10)

    assert type(info.value) is PollTimeoutError
    # The poll started at 9 hangs; it gets one interval of grace past the deadline.
    assert anyio.current_time() - start == 14
    assert info.value.last_state is job.polls[-1]
    assert [t - start for t in job.times] == [1, 5]


@virtual_time
async def test_timeout_zero_polls_once() -> None:
    job = FakeJob(P)
    with pytest.raises(PollTimeoutError) as info:
        await wait_for(job.fetch, classify, timeout=0)
    assert len(job.polls) == 1
    assert info.value.last_state is job.polls[0]


@virtual_time
async def test_timeout_defaults_to_the_policy_and_none_waits_forever() -> None:
    policy = PollPolicy(initial_delay=0, interval=10, backoff=1, jitter=0, timeout=25)
    start = anyio.current_time()
    with pytest.raises(PollTimeoutError):
        await wait_for(FakeJob(P).fetch, classify, policy=policy)
    assert anyio.current_time() - start == 25

    job = FakeJob(*[P] * 1000, S)
    result = await wait_for(job.fetch, classify, policy=policy, timeout=None)
    assert result.state is S
    assert len(job.polls) == 1001


async def test_fetch_errors_propagate() -> None:
    error = APIError("status endpoint is down")
    calls = 0

    async def fetch() -> Job:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise error
        return Job(calls, 0, P)

    with pytest.raises(APIError) as info:
        await wait_for(fetch, classify, policy=FAST)
    assert info.value is error


async def test_negative_timeout_is_rejected() -> None:
    with pytest.raises(ValidationError, match="timeout"):
        await wait_for(FakeJob(S).fetch, classify, timeout=-1)
    with pytest.raises(ValidationError, match="timeout"):
        wait_many([1], lambda k: FakeJob(S).fetch(), classify, timeout=-1)


async def test_cancelling_the_caller_stops_polling() -> None:
    job = FakeJob(P)
    policy = PollPolicy(initial_delay=0, interval=0.001, backoff=1, jitter=0, timeout=None)

    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: wait_for(job.fetch, classify, policy=policy))
        while len(job.polls) < 3:
            await anyio.sleep(0.001)
        tg.cancel_scope.cancel()
    polls_at_cancel = len(job.polls)

    await anyio.sleep(0.02)
    assert len(job.polls) == polls_at_cancel


@virtual_time
async def test_cancelling_the_caller_stops_polling_in_virtual_time() -> None:
    job = FakeJob(P)
    policy = PollPolicy(initial_delay=1, interval=1, backoff=1, jitter=0, timeout=None)

    with anyio.move_on_after(10.5):
        await wait_for(job.fetch, classify, policy=policy)
    assert len(job.polls) == 10

    await anyio.sleep(1000)
    assert len(job.polls) == 10


@virtual_time
async def test_wait_many_yields_in_completion_order_with_bounded_concurrency() -> None:
    finish_at = {"a": 50, "b": 10, "c": 30, "d": 5, "e": 70, "f": 20, "g": 8}
    start = anyio.current_time()
    spans: dict[str, list[float]] = {}

    async def fetch(key: str) -> Job:
        now = anyio.current_time() - start
        spans.setdefault(key, []).append(now)
        return Job(0, now, S if now >= finish_at[key] else P)

    policy = PollPolicy(initial_delay=1, interval=1, backoff=1, jitter=0, timeout=None)
    order: list[str] = []
    async with wait_many(finish_at, fetch, classify, policy=policy, concurrency=3) as run:
        async for outcome in run:
            assert outcome.ok
            order.append(outcome.item)
            assert outcome.unwrap().state is S

    # Three slots. a, b, c start at 0 and poll from 1; b ends at 10, and d takes its
    # slot (first poll at 11, done); then e (until 70). c ends at 30; f (31), g (32).
    assert order == ["b", "d", "c", "f", "g", "a", "e"]
    assert run.summary.ok == 7
    events = sorted(
        [(times[0], 1) for times in spans.values()] + [(times[-1], -1) for times in spans.values()]
    )
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    assert peak == 3


async def test_wait_many_maps_failures_and_timeouts_to_failed_outcomes() -> None:
    scripts = {1: FakeJob(P, S), 2: FakeJob(P, F), 3: FakeJob(P), 4: FakeJob(S)}
    # Two polls each: at once, then at the deadline. A 2 s deadline, so that a loaded
    # machine cannot delay a first poll past it, and a poll still running ``interval``
    # after the deadline is abandoned: 5 s, so that it cannot abandon a final one.
    policy = attrs.evolve(FAST, interval=5, max_interval=5, timeout=2)

    outcomes = await wait_many(
        scripts, lambda k: scripts[k].fetch(), classify, policy=policy, describe="export"
    ).collect()

    by_key = {o.item: o for o in outcomes}
    assert by_key[1].ok and by_key[4].ok
    failed, timed_out = by_key[2], by_key[3]
    assert failed.status is OutcomeStatus.FAILED
    assert isinstance(failed.error, JobFailedError)
    assert failed.error.job is scripts[2].polls[-1]
    assert "export 2 failed" in str(failed.error)
    assert timed_out.status is OutcomeStatus.FAILED
    assert isinstance(timed_out.error, PollTimeoutError)
    assert timed_out.error.last_state is scripts[3].polls[-1]


async def test_a_clients_waits_default_to_its_poll_policy_and_name_the_job() -> None:
    jobs = {"a": FakeJob(P, S), "b": FakeJob(P, F)}

    async def fetch(key: str) -> Job:
        return await jobs[key].fetch()

    async with Toy() as client:
        # The client's default: one poll, then give up (a poll still running ``interval``
        # after the deadline is abandoned: 5 s, not FAST's 1 ms, so a loaded machine cannot
        # abandon the one poll).
        client._poll = attrs.evolve(FAST, timeout=0, interval=5, max_interval=5)
        with pytest.raises(PollTimeoutError, match=r"^export 'a' did not finish .*\(1 polls\)"):
            await client._wait_job("a", fetch, classify, "export", poll=None, timeout=NOT_GIVEN)
        done = await client._wait_job("a", fetch, classify, "export", poll=FAST, timeout=NOT_GIVEN)
        assert done is jobs["a"].polls[-1] and done.state is S

        outcomes = await client._wait_jobs(
            ["b"], fetch, classify, "export", poll=None, timeout=5, concurrency=1
        ).collect()
    (failed,) = outcomes
    assert isinstance(failed.error, JobFailedError)
    assert str(failed.error) == "export 'b' failed"
