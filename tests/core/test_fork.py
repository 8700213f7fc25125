"""A client used before ``os.fork()`` keeps working in the child and in the parent.

The Scale emulator is served on 127.0.0.1 so that the clients hold pooled
connections at the fork; the server records the client port of every
request, which shows whether the child opened its own connections or wrote
on the parent's. Each child reports through a pipe and exits with
``os._exit``; a child that hangs is killed and fails the test.
"""

from __future__ import annotations

import os
import select
import signal
import threading
import time
import traceback
import typing
import warnings
from collections.abc import Callable, Iterator

import anyio
import anyio.from_thread
import pytest

from labelkit import RateLimit
from labelkit._emulator.scale import DEFAULT_LIVE_KEY, ScaleEmulator
from labelkit._ratelimit import InMemoryStore, Limiter
from labelkit.emulators import EmulatorServer
from labelkit.scale import AsyncScale, Scale

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

# Only a guard against a hung child, never a measurement.
CHILD_TIMEOUT = 60.0
PROJECT = "forked"
LIST = "/v1/projects"  # what the parent calls
GET = f"/v1/projects/{PROJECT}"  # what the children call

T = typing.TypeVar("T")


class PortLog:
    """ASGI middleware: ``(path, client port)`` of every HTTP request, in arrival order."""

    def __init__(self, app: typing.Any) -> None:
        self.app = app
        self.requests: list[tuple[str, int]] = []

    async def __call__(self, scope: typing.Any, receive: typing.Any, send: typing.Any) -> None:
        if scope["type"] == "http":
            self.requests.append((scope["path"], scope["client"][1]))
        await self.app(scope, receive, send)

    def ports(self, path: str) -> set[int]:
        return {port for seen, port in self.requests if seen == path}


class Served(typing.NamedTuple):
    url: str
    log: PortLog


@pytest.fixture
def served() -> Iterator[Served]:
    emulator = ScaleEmulator()
    log = PortLog(emulator)
    try:
        with EmulatorServer(log) as server:
            yield Served(server.url + "/v1/", log)
    finally:
        emulator.close()


def in_child(body: Callable[[], str]) -> str:
    """Fork; run ``body`` in the child and return its result here.

    An exception in the child fails the test with the child's traceback.
    """
    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, 3.12+
        pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read_fd)
            try:
                message, code = body(), 0
            except BaseException:
                message = traceback.format_exc()
            data = message.encode()
            while data:
                data = data[os.write(write_fd, data) :]
        finally:
            os._exit(code)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + CHILD_TIMEOUT
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read_fd], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail(f"the forked child hung; it said: {b''.join(chunks).decode()!r}")
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
    _, status = os.waitpid(pid, 0)  # the pipe is closed: the child is exiting
    message = b"".join(chunks).decode()
    if os.waitstatus_to_exitcode(status) != 0:
        pytest.fail(f"the forked child failed:\n{message}")
    return message


class LocksHeld:
    """Holds ``locks`` in another thread until the block ends, as a thread caught
    mid-call by the fork would (a child inherits them locked, with no owner)."""

    def __init__(self, *locks: typing.Any) -> None:
        self._locks = locks
        self._held = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        for lock in self._locks:
            lock.acquire()
        self._held.set()
        self._done.wait()
        for lock in self._locks:
            lock.release()

    def __enter__(self) -> None:
        self._thread.start()
        self._held.wait()

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()


def assert_fresh_connections(log: PortLog) -> None:
    parent, child = log.ports(LIST), log.ports(GET)
    assert parent and child
    assert child.isdisjoint(parent), "the child wrote on a connection of the parent"


def test_a_sync_client_used_before_fork_works_in_the_child_and_the_parent(
    served: Served,
) -> None:
    with Scale(DEFAULT_LIVE_KEY, base_url=served.url) as scale:
        scale.create_project(PROJECT, "imageannotation")
        assert [p.name for p in scale.get_projects()] == [PROJECT]

        def child() -> str:
            first = scale.get_project(PROJECT).name
            second = scale.get_project(PROJECT).name  # over the child's pooled connection
            return f"{first},{second}"

        assert in_child(child) == f"{PROJECT},{PROJECT}"
        assert [p.name for p in scale.get_projects()] == [PROJECT]
    assert_fresh_connections(served.log)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_an_async_client_works_in_a_child_on_a_new_loop(served: Served, backend: str) -> None:
    """The parent's loop runs on in a thread; the child runs a new loop with the same client."""
    with anyio.from_thread.start_blocking_portal(backend) as portal:
        scale = portal.call(lambda: AsyncScale(DEFAULT_LIVE_KEY, base_url=served.url))

        async def names() -> list[str]:
            return [p.name for p in await scale.get_projects()]

        async def get() -> str:
            return (await scale.get_project(PROJECT)).name

        portal.call(lambda: scale.create_project(PROJECT, "imageannotation"))
        assert portal.call(names) == [PROJECT]
        assert in_child(lambda: anyio.run(get, backend=backend)) == PROJECT
        assert portal.call(names) == [PROJECT]  # the parent's pool and loop are untouched
        portal.call(scale.aclose)
    assert_fresh_connections(served.log)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_an_async_client_works_in_a_child_after_the_parents_loop_ended(
    served: Served, backend: str
) -> None:
    """``run()`` in the parent, fork, ``run()`` in the child with the same client.

    The parent is itself a forked process: its pool, left with connections of a
    loop that ended, cannot be closed and must not leak into the test session.
    """

    def parent() -> str:
        scale = AsyncScale(DEFAULT_LIVE_KEY, base_url=served.url)

        async def before() -> list[str]:
            await scale.create_project(PROJECT, "imageannotation")
            return [p.name for p in await scale.get_projects()]

        async def child() -> str:
            async with scale:
                return (await scale.get_project(PROJECT)).name

        assert anyio.run(before, backend=backend) == [PROJECT]
        return in_child(lambda: anyio.run(child, backend=backend))

    assert in_child(parent) == PROJECT
    assert_fresh_connections(served.log)


def test_the_rate_limiter_works_in_the_child(served: Served) -> None:
    """The limiter's and the registry's locks were held by a thread at the fork."""
    from labelkit import _ratelimit

    rate = RateLimit(1000, 60)
    with Scale(DEFAULT_LIVE_KEY, base_url=served.url, rate_limit=rate) as scale:
        scale.create_project(PROJECT, "imageannotation")
        assert [p.name for p in scale.get_projects()] == [PROJECT]
        limiter = scale._async._limiter
        assert limiter is not None
        store = limiter._store
        assert isinstance(store, InMemoryStore)

        def child() -> str:
            name = scale.get_project(PROJECT).name
            with Scale(DEFAULT_LIVE_KEY, base_url=served.url, rate_limit=rate) as other:
                assert other._async._limiter is limiter  # still one per credential
                other_name = other.get_project(PROJECT).name
            # The child started from the parent's two starts and added its own.
            return f"{name},{other_name},{len(store._log)}"

        with LocksHeld(_ratelimit._shared_lock, store._lock):
            result = in_child(child)
        assert result == f"{PROJECT},{PROJECT},4"
        assert [p.name for p in scale.get_projects()] == [PROJECT]
        assert len(store._log) == 3  # the child's starts are its own
    assert_fresh_connections(served.log)


def test_held_starts_of_the_parent_count_in_the_child() -> None:
    """A request of the parent between its grant and its write never commits in the
    child: its start is dated at its grant there instead of staying held for ever
    (with one call per window, the child would wait for that commit without end)."""
    # A window long enough that the child surely starts inside it, even on a loaded
    # machine: then only counting the parent's start can make the child wait.
    rate = RateLimit(1, 1.0)
    limiter = Limiter(rate)
    slot = anyio.run(limiter.hold)
    store = limiter._store
    assert isinstance(store, InMemoryStore)
    period = rate.windows()[0][1]

    def child() -> str:
        mine = anyio.run(limiter.hold)
        return f"{len(store._held)},{mine.grant >= slot.grant + period}"

    assert in_child(child) == "1,True"
    slot.commit()


def test_a_redis_store_resets_its_lock_and_outbox_in_the_child() -> None:
    pytest.importorskip("redis", reason="the redis extra is not installed")
    from labelkit._ratelimit_redis import RedisStore

    # Nothing connects: the port is never used.
    store = RedisStore("redis://127.0.0.1:9/0", name="fork-test")
    store._outbox.put(("commit", ("1.0", 1, 1)))  # a commit the parent has not sent yet

    def child() -> str:
        return f"{store._pending_pause()},{store._outbox.empty()},{store._sender}"

    with LocksHeld(store._pause_lock):
        assert in_child(child) == "0.0,True,None"
    assert not store._outbox.empty()  # the parent's own queue is untouched
