"""The Redis limiter store against a real redis-server started on 127.0.0.1 by this module."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

import labelkit
from labelkit._config import RateLimit
from labelkit._ratelimit import AsyncLimiterStore, Limiter

from .test_ratelimit import max_in_window

redis = pytest.importorskip("redis", reason="the redis extra is not installed")

from labelkit._ratelimit_redis import RedisStore  # noqa: E402

REPO = Path(labelkit.__file__).resolve().parents[1]
_names = itertools.count()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not on PATH (CI installs it: apt-get install redis-server)")
    for _ in range(5):  # the free port may be taken before redis-server binds it
        port = _free_port()
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.02)
        client.close()
        if process.poll() is None:
            break
    else:  # pragma: no cover
        pytest.fail("redis-server did not start")
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def store(redis_url: str) -> RedisStore:
    return RedisStore(redis_url, name=f"test-{os.getpid()}-{next(_names)}")


def grant_of(token: object) -> float:
    assert isinstance(token, tuple)
    return float(token[0])


def test_is_an_async_limiter_store(store: RedisStore) -> None:
    assert isinstance(store, AsyncLimiterStore)
    assert "test-" in repr(store)


def test_sliding_window_is_exact(store: RedisStore) -> None:
    started = time.monotonic()
    tokens = [store.reserve_sync([(3, 1.0)], 1) for _ in range(7)]
    elapsed = time.monotonic() - started
    grants = [grant_of(token) for token, _ in tokens]
    waits = [wait for _, wait in tokens]
    # Waits are placed on our clock by the fastest recent reply: about zero, not exactly
    # (early by at most how much later this reply came back, within the calls' time).
    assert all(-elapsed <= wait < 0.05 for wait in waits[:3])
    # The 4th start is exactly one period after the 1st, the 7th one after the 4th.
    assert grants[3] == grants[0] + 1.0
    assert grants[4] == grants[1] + 1.0
    assert grants[6] == grants[3] + 1.0
    assert grants == sorted(grants)
    assert 1.0 - elapsed <= waits[3] <= 1.0
    assert max_in_window(grants, 1.0) == 3


def test_several_windows_and_costs(store: RedisStore) -> None:
    windows = [(4, 1.0), (6, 10.0)]
    started = time.monotonic()
    first, _ = store.reserve_sync(windows, 3)
    second, _ = store.reserve_sync(windows, 2)  # needs the 3rd latest start a period back
    third, wait = store.reserve_sync(windows, 2)  # the 10 s window is full
    elapsed = time.monotonic() - started
    assert grant_of(second) == grant_of(first) + 1.0
    assert grant_of(third) == grant_of(first) + 10.0
    assert 10.0 - elapsed <= wait <= 10.0


def test_release_gives_the_slot_back(store: RedisStore, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    log = "{" + store.name + "}:log"
    started = time.monotonic()
    tokens = [store.reserve_sync([(2, 5.0)], 1)[0] for _ in range(2)]
    _, wait = store.reserve_sync([(2, 5.0)], 1)
    assert 5.0 - (time.monotonic() - started) <= wait <= 5.0
    store.release_sync(tokens[1])
    assert client.zcard(log) == 2
    # Two reservations for the same instant are two entries; releasing one keeps the other.
    assert 0 < client.pttl(log) <= 11_000
    client.close()


def test_cooldown_holds_everyone_and_confirm_gives_back(store: RedisStore, redis_url: str) -> None:
    other = RedisStore(redis.Redis.from_url(redis_url), name=store.name)  # another process
    token, wait = store.reserve_sync([(10, 1.0)], 1)
    assert abs(wait) < 0.05
    started = time.monotonic()
    left = other.pause_sync(3.0)
    assert 2.9 < left <= 3.0
    # A cooldown never shrinks: 3 s less the time since it started, not 1 s.
    left = other.pause_sync(1.0)
    assert 3.0 - (time.monotonic() - started) <= left <= 3.0
    assert not store.confirm_sync(token)  # granted before the cooldown: given back
    _, wait = store.reserve_sync([(10, 1.0)], 1)
    assert 3.0 - (time.monotonic() - started) <= wait <= 3.0


def test_pause_for_does_not_block_and_reaches_other_processes(
    store: RedisStore, redis_url: str
) -> None:
    other = RedisStore(redis_url, name=store.name)
    started = time.monotonic()
    store.pause_for(2.0)
    store.pause_for(-1.0)  # ignored
    # The store's own next reservation carries it, whatever the background thread did:
    # the cooldown's end, 2 s after it started.
    _, wait = store.reserve_sync([(10, 1.0)], 1)
    assert 2.0 - (time.monotonic() - started) <= wait <= 2.0
    _, wait = other.reserve_sync([(10, 1.0)], 1)
    assert 2.0 - (time.monotonic() - started) <= wait <= 2.0


def test_names_are_isolated_and_accounts_hashed(redis_url: str) -> None:
    a = RedisStore.for_account(redis_url, "fastlabel", "secret-key-1")
    b = RedisStore.for_account(redis_url, "fastlabel", "secret-key-2")
    assert "secret" not in a.name and a.name != b.name
    a.reserve_sync([(1, 5.0)], 1)
    _, wait = b.reserve_sync([(1, 5.0)], 1)
    assert abs(wait) < 0.05


def test_rejects_an_asyncio_client(redis_url: str) -> None:
    import redis.asyncio

    with pytest.raises(TypeError, match="blocking"):
        RedisStore(redis.asyncio.Redis.from_url(redis_url), name="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name"):
        RedisStore(redis_url, name="")


@pytest.mark.anyio
async def test_limiter_on_redis(store: RedisStore) -> None:
    # The margin absorbs the lag between a grant on Redis's clock and the start
    # here (a round trip, plus starting worker threads on a cold pool).
    limiter = Limiter(RateLimit(5, 0.5, margin=0.5), store=store)
    starts: list[float] = []

    async def worker() -> None:
        for _ in range(3):
            await limiter.acquire()
            starts.append(time.monotonic())

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(worker)
    assert len(starts) == 15
    assert max_in_window(starts, 0.5) <= 5


@pytest.mark.anyio
async def test_cancelled_waiter_gives_its_slot_back(store: RedisStore, redis_url: str) -> None:
    limiter = Limiter(RateLimit(1, 30.0, margin=0), store=store)
    await limiter.acquire()
    with anyio.move_on_after(0.05):
        await limiter.acquire()  # would wait 30 s
    client = redis.Redis.from_url(redis_url)
    assert client.zcard("{" + store.name + "}:log") == 1
    client.close()


@pytest.mark.anyio
async def test_limiter_cooldown_is_shared(store: RedisStore, redis_url: str) -> None:
    limiter = Limiter(RateLimit(100, 1.0), store=store)
    other = Limiter(RateLimit(100, 1.0), store=RedisStore(redis_url, name=store.name))
    await limiter.acquire()
    limiter.pause_for(1.5)
    # The cooldown reaches Redis from a background thread (pause_for never blocks):
    # wait until it is stored, so that what is tested is the other store reading it.
    client = redis.Redis.from_url(redis_url)
    for _ in range(500):
        if client.exists(store._keys[1]):
            break
        await anyio.sleep(0.01)
    client.close()
    before = time.monotonic()
    await other.acquire()  # another process learns of the 429 through Redis
    assert time.monotonic() - before > 0.5


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="one monotonic clock across processes")
def test_four_processes_share_one_limit(redis_url: str) -> None:
    calls, period, margin, per_worker = 200, 4.0, 0.03, 150
    name = f"shared-{os.getpid()}-{next(_names)}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    workers = []
    for backend in ["asyncio", "trio", "asyncio", "trio"]:
        args = [redis_url, name, calls, period, margin, per_worker, 64, backend]
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.core._redis_worker", *map(str, args)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                cwd=REPO,
            )
        )
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready", worker.communicate()[1]
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        starts: list[float] = []
        for worker in workers:
            out, err = worker.communicate(timeout=60)
            assert worker.returncode == 0, err
            times = json.loads(out.strip().splitlines()[-1])
            assert len(times) == per_worker
            starts += times
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()

    starts.sort()
    # Never more than the limit in any window of its period, across all processes...
    assert max_in_window(starts, period) <= calls
    # ...and together at least 95 % of it. With demand throughout, the exact
    # schedule is `calls` starts every period x (1 + margin); the rate over the
    # first two such periods is compared with calls / period. (Held slots are
    # dated when committed, a Redis round trip after the start.)
    span = 2 * period * (1 + margin)
    used = sum(start < starts[0] + span for start in starts)
    assert used / span >= 0.95 * calls / period, used


def test_held_starts_count_until_committed(store: RedisStore) -> None:
    windows = [(2, 1.0)]
    first = store.hold_sync(windows, 1)
    second = store.hold_sync(windows, 1)
    assert first is not None and second is not None
    assert store.hold_sync(windows, 1) is None  # both unwritten: no room in any window
    store.release_held(second[0])
    deadline = time.monotonic() + 5
    third = None
    while third is None and time.monotonic() < deadline:  # the release travels in the background
        third = store.hold_sync(windows, 1)
    assert third is not None and third[1] < 0.05  # the released start is free again
    store.commit_held(first[0])
    store.commit_held(third[0])
    deadline = time.monotonic() + 5
    fourth = None
    while fourth is None and time.monotonic() < deadline:
        fourth = store.hold_sync(windows, 1)
    assert fourth is not None
    assert 0.5 < fourth[1] <= 1.05  # dated at the commits: one period after them


def test_a_reservation_counts_the_held_starts(store: RedisStore) -> None:
    # acquire() (streams, user code) shares the budget with requests in flight.
    windows = [(2, 1.0)]
    first = store.hold_sync(windows, 1)
    booked = store.reserve_sync(windows, 1)
    assert first is not None and booked is not None and booked[1] < 0.05
    later = store.reserve_sync(windows, 1)  # a held and a logged start fill this period
    assert later is not None and 0.9 < later[1] <= 1.0
    store.release_sync(later[0])
    second = store.hold_sync(windows, 1)
    assert second is not None and 0.9 < second[1] <= 1.0
    third = store.hold_sync(windows, 1)
    assert third is None  # two held starts alone fill the window
    assert store.reserve_sync(windows, 1) is None  # so a reservation waits too
    store.release_held(first[0])
    store.release_held(second[0])
    deadline = time.monotonic() + 5
    # The releases travel in the background, one after the other: wait for both.
    while store._client.zcard(store._held_key) and time.monotonic() < deadline:
        time.sleep(0.01)
    again = store.reserve_sync(windows, 1)
    assert again is not None and again[1] < 0.05  # one logged start leaves room for one


def test_a_commit_counts_even_after_its_held_start_was_purged_as_stale(
    store: RedisStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long request's held start may be dropped by another process as stale; its
    commit still logs it (the request happened), so the window counts it."""
    import labelkit._ratelimit_redis as module

    monkeypatch.setattr(module, "_HELD_STALE", 0.1)
    windows = [(5, 0.2)]  # stale after 0.3 s
    first = store.hold_sync(windows, 1)
    assert first is not None
    time.sleep(0.4)
    second = store.hold_sync(windows, 1)  # purges the first as stale
    assert second is not None
    store.commit_held(first[0])
    store.commit_held(second[0])
    log = store._keys[0]
    client = store._client
    deadline = time.monotonic() + 5
    while client.zcard(log) < 2 and time.monotonic() < deadline:  # commits travel in the background
        time.sleep(0.01)
    assert client.zcard(log) == 2


@pytest.mark.anyio
async def test_limiter_hold_on_redis(store: RedisStore) -> None:
    limiter = Limiter(RateLimit(3, 0.5, margin=0), store=store)
    starts: list[float] = []

    async def one() -> None:
        slot = await limiter.hold()
        starts.append(time.monotonic())
        slot.commit()

    async with anyio.create_task_group() as tg:
        for _ in range(9):
            tg.start_soon(one)
    assert len(starts) == 9
    assert max_in_window(starts, 0.5) <= 3


@pytest.mark.anyio
async def test_a_client_given_a_redis_limiter_books_every_request_in_redis(
    store: RedisStore, redis_url: str
) -> None:
    from labelkit import AsyncRedFlag
    from labelkit.emulators import RedFlagEmulator
    from labelkit.ratelimit import Limiter as PublicLimiter

    limiter = PublicLimiter(RateLimit(100, 10.0), store=store)
    emulator = RedFlagEmulator()
    async with AsyncRedFlag(
        "test-token", base_url=emulator.base_url, transport=emulator.transport(), rate_limit=limiter
    ) as client:
        assert client._limiter is limiter
        for _ in range(3):
            with pytest.raises(labelkit.NotFoundError):
                await client.get_operation(999_999)
    probe = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 5
    booked = 0
    while time.monotonic() < deadline:  # commits travel on a background thread
        booked = probe.zcard(store._keys[0])
        if booked == 3:
            break
        time.sleep(0.02)
    assert booked == 3
    assert probe.zcard(store._held_key) == 0
