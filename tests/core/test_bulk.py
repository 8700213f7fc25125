from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Iterator

import anyio
import pytest
from trio.testing import MockClock

from labelkit import AmbiguousResultError, ValidationError
from labelkit._bulk import BulkRun, Outcome, OutcomeStatus, Progress, bulk

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> object:
    if request.param == "trio-virtual":
        return ("trio", {"clock": MockClock(autojump_threshold=0)})
    return request.param


virtual_time = pytest.mark.parametrize("anyio_backend", ["trio-virtual"], indirect=True)


class Boom(BaseException):
    """A BaseException that is not cancellation (KeyboardInterrupt would upset asyncio)."""


async def checkpoints(n: int) -> None:
    for _ in range(n):
        await anyio.lowlevel.checkpoint()


class InFlight:
    """Counts calls in flight and remembers the maximum."""

    def __init__(self) -> None:
        self.now = 0
        self.max = 0
        self.started = 0
        self.cancelled = 0
        self.finished = 0

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        self.now += 1
        self.started += 1
        self.max = max(self.max, self.now)
        try:
            yield
            self.finished += 1
        except anyio.get_cancelled_exc_class():
            self.cancelled += 1
            raise
        finally:
            self.now -= 1


async def test_in_flight_calls_never_exceed_concurrency() -> None:
    flight = InFlight()

    async def fn(i: int) -> int:
        with flight.track():
            await checkpoints(3)
        return i * 2

    outcomes = await bulk(fn, range(500), concurrency=7).collect()

    assert flight.max == 7
    assert flight.now == 0
    assert [o.index for o in outcomes] == list(range(500))
    assert [o.value for o in outcomes] == [i * 2 for i in range(500)]
    assert all(o.ok and o.item == o.index for o in outcomes)


async def test_outcomes_arrive_in_completion_order() -> None:
    events = [anyio.Event() for _ in range(8)]

    async def fn(i: int) -> int:
        await events[i].wait()
        return i

    async with bulk(fn, range(8), concurrency=8) as run:
        for i in [3, 0, 7, 5, 1, 6, 2, 4]:
            events[i].set()
            outcome = await anext(run)
            assert outcome.index == i
        with pytest.raises(StopAsyncIteration):
            await anext(run)


async def test_mixed_outcomes_and_failures_do_not_stop_others() -> None:
    async def fn(i: int) -> str:
        await anyio.lowlevel.checkpoint()
        if i % 3 == 1:
            raise ValueError(f"bad {i}")
        if i % 3 == 2:
            raise AmbiguousResultError("maybe", error=OSError(), method="POST", url="/x")
        return f"id-{i}"

    run = bulk(fn, range(30), concurrency=4)
    seen = [outcome async for outcome in run]

    assert sorted(o.index for o in seen) == list(range(30))
    for o in seen:
        if o.index % 3 == 0:
            assert o.status is OutcomeStatus.OK and o.ok and o.error is None
            assert o.unwrap() == f"id-{o.index}"
        elif o.index % 3 == 1:
            assert o.status is OutcomeStatus.FAILED and not o.ok
            assert isinstance(o.error, ValueError)
            with pytest.raises(ValueError, match=f"bad {o.index}"):
                o.unwrap()
        else:
            assert o.status is OutcomeStatus.AMBIGUOUS
            assert isinstance(o.error, AmbiguousResultError)
    s = run.summary
    assert (s.ok, s.failed, s.ambiguous, s.total, s.done) == (10, 10, 10, 30, 30)
    assert not s.stopped


async def test_fail_fast_starts_nothing_new_and_lets_in_flight_calls_finish() -> None:
    release = anyio.Event()
    started: list[int] = []

    async def fn(i: int) -> int:
        started.append(i)
        if i == 0:
            await release.wait()
        await anyio.lowlevel.checkpoint()
        if i == 1:
            raise ValueError("first failure")
        return i

    outcomes: list[Outcome[int, int]] = []
    async with bulk(fn, range(1000), concurrency=3, fail_fast=True) as run:
        async for outcome in run:
            outcomes.append(outcome)
            if not outcome.ok:
                release.set()

    assert len(started) < 10
    assert sorted(o.index for o in outcomes) == sorted(started)
    assert [o.index for o in outcomes if not o.ok] == [1]
    # Item 0 was in flight when item 1 failed: it ran to completion, it was not cancelled.
    assert outcomes[-1].index == 0 and outcomes[-1].ok
    assert run.summary.stopped
    assert run.summary.done == len(started)


async def test_fail_fast_counts_ambiguous_as_failure() -> None:
    async def fn(i: int) -> int:
        if i == 0:
            raise AmbiguousResultError("maybe", error=OSError(), method="POST", url="/x")
        await checkpoints(5)
        return i

    outcomes = await bulk(fn, range(100), concurrency=2, fail_fast=True).collect()
    assert outcomes[0].status is OutcomeStatus.AMBIGUOUS
    assert len(outcomes) < 10


async def test_progress_counts_add_up_and_final_progress_is_delivered() -> None:
    calls: list[Progress] = []

    async def fn(i: int) -> int:
        await anyio.lowlevel.checkpoint()
        if i % 10 == 0:
            raise ValueError
        if i % 10 == 1:
            raise AmbiguousResultError("maybe", error=OSError(), method="POST", url="/x")
        return i

    run = bulk(fn, list(range(200)), concurrency=8, on_progress=calls.append)
    await run.collect()

    assert calls, "on_progress was never called"
    assert [p.done for p in calls] == sorted(p.done for p in calls)
    assert all(p.done == p.ok + p.failed + p.ambiguous for p in calls)
    final = calls[-1]
    assert (final.done, final.ok, final.failed, final.ambiguous, final.total) == (
        200,
        160,
        20,
        20,
        200,
    )
    s = run.summary
    assert (s.ok, s.failed, s.ambiguous, s.total) == (160, 20, 20, 200)


@virtual_time
async def test_progress_is_rate_limited_to_ten_per_second() -> None:
    calls: list[Progress] = []

    async def fn(i: int) -> int:
        await anyio.sleep(0.01)
        return i

    # 1000 items, 10 at a time, 10 ms each: 1 s of virtual time.
    run = bulk(fn, range(1000), concurrency=10, on_progress=calls.append)
    await run.collect()

    assert run.summary.elapsed == pytest.approx(1.0)
    assert 8 <= len(calls) <= 12
    gaps = [b.elapsed - a.elapsed for a, b in itertools.pairwise(calls[:-1])]
    assert all(gap >= 0.1 - 1e-9 for gap in gaps)
    assert calls[-1].done == calls[-1].total == 1000


async def test_total_comes_from_len_or_argument() -> None:
    async def fn(i: int) -> int:
        return i

    run = bulk(fn, [1, 2, 3])
    await run.collect()
    assert run.summary.total == 3

    run = bulk(fn, (i for i in range(3)), total=3)
    await run.collect()
    assert run.summary.total == 3

    run = bulk(fn, (i for i in range(3)))
    await run.collect()
    assert run.summary.total is None
    assert run.summary.done == 3


async def test_generator_input_is_consumed_lazily() -> None:
    concurrency = 16
    pulled = completed = received = 0

    def items() -> Iterator[int]:
        nonlocal pulled
        for i in range(100_000):
            pulled += 1
            yield i

    async def fn(i: int) -> int:
        nonlocal completed
        assert pulled - completed <= concurrency
        await anyio.lowlevel.checkpoint()
        completed += 1
        return i

    async with bulk(fn, items(), concurrency=concurrency) as run:
        async for _ in run:
            received += 1
            # in flight (<= concurrency) + buffered outcomes (<= concurrency)
            assert pulled - received <= 2 * concurrency

    assert received == pulled == completed == 100_000


async def test_async_iterable_input() -> None:
    closed = False

    async def items() -> AsyncIterator[int]:
        nonlocal closed
        try:
            for i in range(50):
                await anyio.lowlevel.checkpoint()
                yield i
        finally:
            closed = True

    async def fn(i: int) -> int:
        await anyio.lowlevel.checkpoint()
        return -i

    outcomes = await bulk(fn, items(), concurrency=5).collect()
    assert [o.value for o in outcomes] == [-i for i in range(50)]
    assert closed


async def test_async_generator_input_is_closed_when_the_run_stops_early() -> None:
    closed = False

    async def items() -> AsyncIterator[int]:
        nonlocal closed
        try:
            for i in range(1000):
                yield i
        finally:
            closed = True

    async def fn(i: int) -> int:
        await anyio.lowlevel.checkpoint()
        return i

    async with bulk(fn, items(), concurrency=2) as run:
        async for _ in run:
            break
    assert closed


async def slow_after(first: int, flight: InFlight, i: int) -> int:
    with flight.track():
        if i >= first:
            await anyio.sleep(3600)
        await anyio.lowlevel.checkpoint()
    return i


async def test_leaving_async_with_early_cancels_workers() -> None:
    flight = InFlight()

    async with bulk(lambda i: slow_after(2, flight, i), range(1000), concurrency=4) as run:
        async for outcome in run:
            assert outcome.ok
            break
        await checkpoints(10)
        assert flight.now == 4

    assert flight.now == 0
    assert flight.started == 6
    assert flight.cancelled == 4


async def test_break_then_aclose_cancels_workers() -> None:
    flight = InFlight()

    run = bulk(lambda i: slow_after(2, flight, i), range(1000), concurrency=4)
    async for _ in run:
        break
    await run.aclose()

    assert flight.now == 0
    assert flight.cancelled >= 1
    assert flight.started == flight.finished + flight.cancelled
    # Closed for good: nothing more comes out.
    assert [o async for o in run] == []


async def test_aclose_inside_async_with_stops_the_workers() -> None:
    flight = InFlight()
    async with bulk(lambda i: slow_after(2, flight, i), range(1000), concurrency=4) as run:
        async for _ in run:
            break
        await run.aclose()
        assert flight.now == 0
        assert [o async for o in run] == []
    assert flight.started == flight.finished + flight.cancelled


async def test_aclosing_works_too() -> None:
    flight = InFlight()
    run = bulk(lambda i: slow_after(1, flight, i), range(1000), concurrency=3)
    async with contextlib.aclosing(run):
        async for _ in run:
            break
    assert flight.now == 0


async def test_unstarted_run_needs_no_cleanup() -> None:
    async def fn(i: int) -> int:
        return i

    bulk(fn, range(10))
    run = bulk(fn, range(10))
    await run.aclose()
    assert [o async for o in run] == []


async def test_a_run_starts_only_once() -> None:
    async def fn(i: int) -> int:
        return i

    run = bulk(fn, range(3))
    assert len(await run.collect()) == 3
    with pytest.raises(RuntimeError):
        async with run:
            pass


async def test_base_exception_from_fn_propagates_and_cancels_the_rest() -> None:
    flight = InFlight()

    async def fn(i: int) -> int:
        with flight.track():
            if i == 3:
                raise Boom
            await anyio.sleep(3600)
        return i

    with pytest.raises(Boom):
        async with bulk(fn, range(100), concurrency=5) as run:
            async for _ in run:
                pass
    assert flight.now == 0
    assert flight.cancelled == flight.started - 1

    with pytest.raises(Boom):
        await bulk(fn, range(100), concurrency=5).collect()
    assert flight.now == 0

    with pytest.raises(Boom):
        async for _ in bulk(fn, range(100), concurrency=5):
            pass
    assert flight.now == 0


async def test_error_from_the_input_iterator_propagates_unwrapped() -> None:
    def items() -> Iterator[int]:
        yield from range(5)
        raise LookupError("source broke")

    async def fn(i: int) -> int:
        await anyio.lowlevel.checkpoint()
        return i

    with pytest.raises(LookupError, match="source broke"):
        await bulk(fn, items(), concurrency=2).collect()


async def test_error_in_the_consumer_body_propagates_unwrapped() -> None:
    flight = InFlight()
    with pytest.raises(KeyError):
        async with bulk(lambda i: slow_after(1, flight, i), range(100), concurrency=4) as run:
            async for _ in run:
                raise KeyError("consumer")
    assert flight.now == 0


async def test_outer_cancellation_propagates_cleanly() -> None:
    flight = InFlight()

    # Cancelled while the consumer waits in __anext__, without `async with`.
    with anyio.CancelScope() as scope:

        async def fn(i: int) -> int:
            if i == 2:
                scope.cancel()
            return await slow_after(0, flight, i)

        async for _ in bulk(fn, range(100), concurrency=4):
            pass
    assert scope.cancelled_caught
    assert flight.now == 0

    # Cancelled while the consumer is in its own code, inside `async with`.
    with anyio.CancelScope() as scope:
        async with bulk(lambda i: slow_after(1, flight, i), range(100), concurrency=4) as run:
            async for _ in run:
                scope.cancel()
                await anyio.sleep(3600)
    assert scope.cancelled_caught
    assert flight.now == 0


async def test_concurrency_must_be_positive() -> None:
    async def fn(i: int) -> int:
        return i

    with pytest.raises(ValidationError, match="concurrency"):
        bulk(fn, range(3), concurrency=0)


def test_outcome_value_types() -> None:
    ok: Outcome[str, int] = Outcome(0, "a", OutcomeStatus.OK, value=None)
    assert ok.ok and ok.unwrap() is None
    assert isinstance(bulk(lambda i: anyio.sleep(0), range(1)), BulkRun)
