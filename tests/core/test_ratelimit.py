from __future__ import annotations

import collections
import math
import random
import sys
import threading
import time
from collections.abc import Iterator, Sequence

import anyio
import pytest
from trio.testing import MockClock

from labelkit import _ratelimit
from labelkit._config import RateLimit
from labelkit._ratelimit import (
    AnyioClock,
    InMemoryStore,
    Limiter,
    MonotonicClock,
    _reset_shared_limiters,
    shared_limiter,
)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> object:
    """Real asyncio and trio, or trio on virtual time for tests marked ``virtual_time``."""
    if request.param == "virtual":
        return ("trio", {"clock": MockClock(autojump_threshold=0)})
    return request.param


virtual_time = pytest.mark.parametrize("anyio_backend", ["virtual"], indirect=True)


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    _reset_shared_limiters()
    yield
    _reset_shared_limiters()


def max_in_window(times: Sequence[float], period: float) -> int:
    """The most entries of ``times`` inside any half-open window ``[t, t + period)``."""
    ordered = sorted(times)
    best = end = 0
    for start, t in enumerate(ordered):
        end = max(end, start)
        while end < len(ordered) and ordered[end] < t + period:
            end += 1
        best = max(best, end - start)
    return best


def test_window_checker_detects_overshoot() -> None:
    assert max_in_window([0.0, 0.5, 0.99, 1.0], 1.0) == 3
    # A token bucket (burst 3, refill 3/s) admits 6 inside one second.
    assert max_in_window([0.0, 0.0, 0.0, 1 / 3, 2 / 3, 0.999], 1.0) == 6


@virtual_time
@pytest.mark.anyio
async def test_exact_and_fully_utilised_on_virtual_time() -> None:
    limiter = Limiter(RateLimit(10, 1.0, margin=0), clock=AnyioClock())
    t0 = anyio.current_time()
    grants: list[float] = []
    starts: list[float] = []

    async def worker() -> None:
        for _ in range(3):
            grants.append(await limiter.acquire())
            starts.append(anyio.current_time())

    async with anyio.create_task_group() as tg:
        for _ in range(200):
            tg.start_soon(worker)

    assert len(starts) == 600
    assert all(start >= grant for grant, start in zip(grants, starts, strict=True))
    assert max_in_window(starts, 1.0) == 10
    # Full utilisation: the k-th batch of 10 starts exactly k windows in.
    assert [s - t0 for s in sorted(starts)] == [float(i // 10) for i in range(600)]


@virtual_time
@pytest.mark.anyio
async def test_several_windows_at_once() -> None:
    rate = RateLimit(5, 1.0, margin=0, extra=(RateLimit(20, 10.0, margin=0),))
    limiter = Limiter(rate, clock=AnyioClock())
    t0 = anyio.current_time()
    starts: list[float] = []

    async def worker() -> None:
        for _ in range(5):
            await limiter.acquire()
            starts.append(anyio.current_time() - t0)

    async with anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(worker)

    assert max_in_window(starts, 1.0) == 5
    assert max_in_window(starts, 10.0) == 20
    # 5 per second for 4 seconds, then the 10 s window is full until t=10.
    batches = [float(b // 4 * 10 + b % 4) for b in range(10)]
    assert sorted(starts) == [t for t in batches for _ in range(5)]


@virtual_time
@pytest.mark.anyio
async def test_margin_lengthens_the_window() -> None:
    t0 = anyio.current_time()
    wide = Limiter(RateLimit(2, 1.0, margin=0.5), clock=AnyioClock())
    assert [await wide.acquire() - t0 for _ in range(4)] == [0.0, 0.0, 1.5, 1.5]
    default = Limiter(RateLimit(1, 1.0), clock=AnyioClock())
    first = await default.acquire()
    assert await default.acquire() - first == pytest.approx(1.02)


@virtual_time
@pytest.mark.anyio
async def test_fifo_a_small_request_does_not_overtake_a_big_one() -> None:
    limiter = Limiter(RateLimit(4, 1.0, margin=0), clock=AnyioClock())
    t0 = anyio.current_time()
    grants: dict[str, float] = {}

    async def worker(name: str, cost: int, delay: float) -> None:
        await anyio.sleep(delay)
        grants[name] = await limiter.acquire(cost) - t0

    async with anyio.create_task_group() as tg:
        for i, (name, cost) in enumerate([("a", 3), ("b", 3), ("c", 1), ("d", 1)]):
            tg.start_soon(worker, name, cost, i * 0.001)

    # c would fit at t=0.002 (3 starts so far) but must queue behind b.
    assert grants == {"a": 0.0, "b": 1.0, "c": 1.0, "d": 2.0}


@virtual_time
@pytest.mark.anyio
async def test_fifo_with_mixed_costs() -> None:
    calls, period = 7, 1.0
    limiter = Limiter(RateLimit(calls, period, margin=0), clock=AnyioClock())
    rng = random.Random(1234)
    costs = [rng.randint(1, calls) for _ in range(60)]
    grants: list[float] = [math.nan] * len(costs)

    async def worker(i: int) -> None:
        await anyio.sleep(i * 0.01)
        grants[i] = await limiter.acquire(costs[i])

    async with anyio.create_task_group() as tg:
        for i in range(len(costs)):
            tg.start_soon(worker, i)

    assert grants == sorted(grants)
    starts = [g for g, cost in zip(grants, costs, strict=True) for _ in range(cost)]
    assert max_in_window(starts, period) <= calls


@virtual_time
@pytest.mark.anyio
async def test_newcomer_does_not_overtake_after_a_cancellation() -> None:
    limiter = Limiter(RateLimit(3, 1.0, margin=0), clock=AnyioClock())
    t0 = anyio.current_time()
    for _ in range(3):
        await limiter.acquire()
    grants: dict[str, float] = {}

    async def cancelled() -> None:
        with anyio.move_on_after(0.5):
            await limiter.acquire()  # reserves t0 + 1
            pytest.fail("should have been cancelled")

    async def waiter(name: str, delay: float) -> None:
        await anyio.sleep(delay)
        grants[name] = await limiter.acquire() - t0

    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(cancelled)
        tg.start_soon(waiter, "g", 0.1)  # reserves t0 + 2, behind the three
        tg.start_soon(waiter, "j", 0.6)  # the window has room at t0 + 1, but g came first

    assert grants == {"g": 2.0, "j": 2.0}


def test_store_is_thread_safe() -> None:
    store = InMemoryStore()
    grants: list[float] = []
    barrier = threading.Barrier(8)

    def run() -> None:
        barrier.wait()
        mine = [store.reserve(0.0, [(10, 1.0)], 1) for _ in range(200)]
        grants.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # preempt often, so a missing lock shows up every run
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert collections.Counter(grants) == {float(k): 10 for k in range(160)}


@pytest.mark.anyio
async def test_shared_across_threads_and_event_loops() -> None:
    calls, period = 20, 0.25
    limiter = Limiter(RateLimit(calls, period, margin=0))
    records: list[tuple[float, float]] = []
    lock = threading.Lock()

    async def worker() -> None:
        for _ in range(3):
            grant = await limiter.acquire()
            started = time.monotonic()
            with lock:
                records.append((grant, started))

    async def many(count: int) -> None:
        async with anyio.create_task_group() as tg:
            for _ in range(count):
                tg.start_soon(worker)

    errors: list[BaseException] = []

    def thread_main(backend: str) -> None:
        try:
            anyio.run(many, 5, backend=backend)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=thread_main, args=(b,))
        for b in ("asyncio", "asyncio", "trio", "trio")
    ]
    for t in threads:
        t.start()
    await many(5)
    for t in threads:
        await anyio.to_thread.run_sync(t.join)

    assert errors == []
    assert len(records) == 75
    grants = sorted(g for g, _ in records)
    assert all(started >= grant for grant, started in records)
    assert max_in_window(grants, period) == calls
    # 75 starts at 20 per window need at least three full windows after the first grant.
    assert grants[-1] - grants[0] >= 3 * period - 1e-9


@pytest.mark.anyio
async def test_monotonic_clock_never_wakes_early() -> None:
    clock = MonotonicClock()
    for _ in range(5):
        deadline = clock.now() + 0.01
        await clock.sleep_until(deadline)
        assert time.monotonic() >= deadline


@virtual_time
@pytest.mark.anyio
async def test_cooldown_moves_sleeping_waiters_and_releases_their_slot() -> None:
    limiter = Limiter(RateLimit(1, 10.0, margin=0), clock=AnyioClock())
    t0 = await limiter.acquire()
    late: dict[str, float] = {}

    async def waiter(name: str, delay: float) -> None:
        await anyio.sleep(delay)
        await limiter.acquire()
        late[name] = anyio.current_time() - t0

    async with anyio.create_task_group() as tg:
        tg.start_soon(waiter, "b", 0.0)  # reserves t0 + 10
        await anyio.sleep(1)
        limiter.pause_until(t0 + 12)
        tg.start_soon(waiter, "c", 10.0)  # arrives at t0 + 11

    # b gave its t0 + 10 slot back, so it starts right at the cooldown end,
    # not a window after its stale reservation.
    assert late == {"b": 12.0, "c": 22.0}


@virtual_time
@pytest.mark.anyio
async def test_cooldown_holds_every_waiter_together() -> None:
    limiter = Limiter(RateLimit(2, 1.0, margin=0), clock=AnyioClock())
    t0 = anyio.current_time()
    starts: list[float] = []

    async def worker() -> None:
        await limiter.acquire()
        starts.append(anyio.current_time() - t0)

    async with anyio.create_task_group() as tg:
        for _ in range(6):
            tg.start_soon(worker)
        await anyio.sleep(0.5)
        limiter.pause_until(t0 + 5)

    assert sorted(starts) == [0.0, 0.0, 5.0, 5.0, 6.0, 6.0]


@virtual_time
@pytest.mark.anyio
async def test_new_acquires_wait_and_cooldown_never_shrinks() -> None:
    limiter = Limiter(RateLimit(100, 1.0), clock=AnyioClock())
    t0 = anyio.current_time()
    limiter.pause_for(3)
    limiter.pause_until(t0 + 1)
    limiter.pause_for(-10)
    assert await limiter.acquire() == t0 + 3
    assert anyio.current_time() == t0 + 3
    with pytest.raises(ValueError):
        limiter.pause_until(math.nan)


class StillClock:
    """Moves only when the test moves it; a sleep past ``at`` lasts until cancelled."""

    def __init__(self) -> None:
        self.at = 0.0

    def now(self) -> float:
        return self.at

    async def sleep_until(self, deadline: float) -> None:
        if deadline > self.at:
            await anyio.sleep_forever()
        await anyio.lowlevel.checkpoint()


@pytest.mark.anyio
async def test_cancelled_waiter_gives_its_slot_back() -> None:
    # On a clock that stands still the waiter cannot be granted before the
    # cancellation, however late a loaded machine delivers it.
    clock = StillClock()
    limiter = Limiter(RateLimit(1, 0.2, margin=0), clock=clock)
    first = await limiter.acquire()
    with anyio.move_on_after(0.05) as scope:
        await limiter.acquire()  # reserved first + 0.2, then cancelled
    assert scope.cancelled_caught
    clock.at = first + 0.2
    with anyio.fail_after(10):  # a slot kept by the cancelled waiter: first + 0.4, never
        assert await limiter.acquire() == first + 0.2


@virtual_time
@pytest.mark.anyio
async def test_cost_validation_and_no_leak() -> None:
    limiter = Limiter(RateLimit(10, 1.0, extra=(RateLimit(3, 0.1),)), clock=AnyioClock())
    for bad in [0, -1, 4, 11, 1.5, math.nan, math.inf, True, "1"]:
        with pytest.raises(ValueError, match="cost"):
            await limiter.acquire(bad)  # type: ignore[arg-type]
    t0 = anyio.current_time()
    assert await limiter.acquire(3) == t0


@pytest.mark.anyio
async def test_rejected_costs_reserve_nothing() -> None:
    limiter = Limiter(RateLimit(2, 60.0))
    with pytest.raises(ValueError):
        await limiter.acquire(3)
    with anyio.fail_after(1):
        await limiter.acquire(2)


def test_registry_shares_per_key() -> None:
    rate = RateLimit(10, 1.0)
    a = shared_limiter("scale", "https://api.scale.com", "sk-secret-1", rate)
    assert a is not None
    assert a.rate is rate
    assert a is shared_limiter("scale", "https://api.scale.com", "sk-secret-1", RateLimit(10, 1.0))
    others = [
        shared_limiter("scale", "https://api.scale.com", "sk-secret-2", rate),
        shared_limiter("scale", "https://eu.scale.com", "sk-secret-1", rate),
        shared_limiter("scale", "https://api.scale.com", "sk-secret-1", RateLimit(10, 2.0)),
        shared_limiter("fastlabel", "https://api.scale.com", "sk-secret-1", rate),
        shared_limiter("scale", "https://api.scale.com", None, rate),
    ]
    assert len({id(x) for x in [a, *others]}) == 6
    assert shared_limiter("scale", "https://api.scale.com", "sk-secret-1", None) is None


def test_registry_never_keeps_the_credential() -> None:
    limiter = shared_limiter("scale", "https://api.scale.com", "sk-secret-1", RateLimit(10, 1.0))
    assert repr(limiter) == "Limiter(calls=10, period=1.0)"
    assert "sk-secret-1" not in repr(_ratelimit._shared)


def test_registry_creation_is_thread_safe() -> None:
    found: list[Limiter | None] = []
    barrier = threading.Barrier(16)

    def run() -> None:
        barrier.wait()
        found.append(shared_limiter("p", "o", "k", RateLimit(5, 1.0)))

    threads = [threading.Thread(target=run) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(found) == 16
    assert len({id(x) for x in found}) == 1


@virtual_time
@pytest.mark.anyio
async def test_held_slot_is_dated_when_written_not_when_granted() -> None:
    # A request granted at t=0 that only reaches its connection at t=3 must
    # keep the next window's requests away until t=3 + period.
    limiter = Limiter(RateLimit(2, 1.0, margin=0), clock=AnyioClock())
    t0 = anyio.current_time()
    early = await limiter.hold()
    late = await limiter.hold()
    early.commit()
    await anyio.sleep(3.0)
    late.commit()
    third = await limiter.hold()
    assert third.grant - t0 == 3.0  # the early start left the window at t=1
    third.commit()
    fourth = await limiter.hold()
    assert fourth.grant - t0 == 4.0  # a full period after the late write
    fourth.commit()


@virtual_time
@pytest.mark.anyio
async def test_unwritten_slots_count_until_committed_or_released() -> None:
    limiter = Limiter(RateLimit(2, 1.0, margin=0), clock=AnyioClock())
    t0 = anyio.current_time()
    first = await limiter.hold()
    second = await limiter.hold()
    granted: list[float] = []

    async def third() -> None:
        slot = await limiter.hold()
        granted.append(anyio.current_time() - t0)
        slot.commit()

    async with anyio.create_task_group() as tg:
        tg.start_soon(third)
        await anyio.sleep(5.0)  # both still unwritten: nothing is granted
        assert granted == []
        second.release()  # never written: its start is given back
        first.commit()
        first.commit()  # idempotent
    assert granted == [pytest.approx(5.0, abs=0.01)]


@virtual_time
@pytest.mark.anyio
async def test_held_starts_never_exceed_the_window_when_writes_lag() -> None:
    limiter = Limiter(RateLimit(5, 1.0, margin=0), clock=AnyioClock())
    rng = random.Random(7)
    written: list[float] = []

    async def request() -> None:
        slot = await limiter.hold()
        await anyio.sleep(rng.choice([0.0, 0.0, 0.3, 1.7]))  # pool wait, connect
        written.append(anyio.current_time())
        slot.commit()

    async with anyio.create_task_group() as tg:
        for _ in range(60):
            tg.start_soon(request)
    assert len(written) == 60
    assert max_in_window(written, 1.0) <= 5


@virtual_time
@pytest.mark.anyio
async def test_held_slot_leaves_the_window_a_period_after_its_answer() -> None:
    # The server counts a request when it reads it, which a busy server does
    # any time until it answers: the start may leave the window only a full
    # period after the answer. The margin still applies from the write.
    limiter = Limiter(RateLimit(1, 1.0, margin=0.1), clock=AnyioClock())
    t0 = anyio.current_time()
    slow = await limiter.hold()
    slow.written()
    await anyio.sleep(3.0)  # answered 3 s after the write
    slow.commit()
    quick = await limiter.hold()
    assert quick.grant - t0 == pytest.approx(4.0)  # 3 + period, not 0 + 1.1
    quick.written()
    await anyio.sleep(0.05)  # answered within the margin: the write's window rules
    quick.commit()
    after = await limiter.hold()
    assert after.grant - t0 == pytest.approx(4.0 + 1.1)
    after.commit()


def test_a_request_read_late_by_the_server_never_crowds_its_window() -> None:
    from tests._support._fake_http import FakeServer, Request

    from ._toy_client import Toy

    period = 0.5
    read_at: list[float] = []

    def handle(request: Request) -> tuple[int, str, bytes]:
        if not read_at:
            time.sleep(0.3)  # a busy server reads the first request late
        read_at.append(time.monotonic())
        return 200, "application/json", b"{}"

    async def main(url: str) -> None:
        async with Toy(base_url=url, rate_limit=RateLimit(1, period)) as client:
            await client.get()
            await client.get()

    with FakeServer(handle) as server:
        anyio.run(main, server.url + "/v1")
    # What the server's own sliding window sees: one arrival per period.
    assert len(read_at) == 2
    assert read_at[1] - read_at[0] >= period


@virtual_time
@pytest.mark.anyio
async def test_a_cancelled_request_does_not_keep_its_slot_held() -> None:
    import httpx

    from ._toy_client import Toy

    async def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/slow"):
            await anyio.sleep(60)
        return httpx.Response(200, json={})

    rate = RateLimit(1, 1.0, margin=0)
    async with Toy(transport=httpx.MockTransport(handle), rate_limit=rate) as client:
        client._limiter = Limiter(rate, clock=AnyioClock())
        t0 = anyio.current_time()
        with anyio.move_on_after(2.0):
            await client.get("slow")
        with anyio.fail_after(10.0):
            await client.get("quick")
        # Counted as sent (the server may have read it), dated at the cancellation.
        assert anyio.current_time() - t0 == pytest.approx(3.0)


@virtual_time
@pytest.mark.anyio
async def test_acquire_counts_the_starts_held_by_requests_in_flight() -> None:
    # A limiter shared by a client's requests (held until answered) and by
    # acquire() (a stream, user code): acquire must not grant a start while
    # held ones fill the window, or the server sees more than the limit.
    limiter = Limiter(RateLimit(2, 1.0, margin=0), clock=AnyioClock())
    t0 = anyio.current_time()
    first = await limiter.hold()
    second = await limiter.hold()
    granted: list[float] = []

    async def acquirer() -> None:
        await limiter.acquire()
        granted.append(anyio.current_time() - t0)

    async with anyio.create_task_group() as tg:
        tg.start_soon(acquirer)
        await anyio.sleep(5.0)  # both requests still in flight
        assert granted == []
        first.written()
        first.commit()
        second.release()
    assert granted == [pytest.approx(5.0, abs=0.01)]
    # And the acquired start counts for what comes next, dated at its grant.
    third = await limiter.hold()
    assert third.grant - t0 == pytest.approx(6.0)  # a period after the commit at t=5
    third.commit()


@virtual_time
@pytest.mark.anyio
async def test_waiters_blocked_by_held_starts_are_served_in_arrival_order() -> None:
    # While held starts fill the window, every waiter looks again every few ms;
    # the one that arrived first must still get the first grant, and a waiter
    # cancelled in the line must not block the others.
    limiter = Limiter(RateLimit(1, 0.05, margin=0), clock=AnyioClock())
    held = await limiter.hold()
    order: list[str] = []

    async def acquirer(name: str, arrives: float) -> None:
        await anyio.sleep(arrives)
        await limiter.acquire()
        order.append(name)

    async def holder(name: str, arrives: float) -> None:
        await anyio.sleep(arrives)
        slot = await limiter.hold()
        order.append(name)
        slot.commit()

    async def quitter() -> None:
        await anyio.sleep(0.001)
        with anyio.move_on_after(0.01):
            await limiter.acquire()
        order.append("quit")

    async with anyio.create_task_group() as tg:
        for name, arrives in [("a", 0.0), ("b", 0.02), ("c", 0.04), ("d", 0.045), ("e", 0.05)]:
            tg.start_soon(acquirer, name, arrives)
        tg.start_soon(holder, "h", 0.03)
        tg.start_soon(quitter)
        await anyio.sleep(0.06)
        held.commit()
    assert order == ["quit", "a", "b", "h", "c", "d", "e"]
