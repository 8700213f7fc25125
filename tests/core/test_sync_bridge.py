from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import anyio
import pytest
import trio

from labelkit._sync import _portal

from ._toy_async import AsyncToy, load_toy_sync, request_tag


@pytest.fixture(scope="module")
def toy_sync(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return load_toy_sync(tmp_path_factory.mktemp("toy_sync"))


@pytest.fixture
def toy(toy_sync: ModuleType) -> Iterator[Any]:
    with toy_sync.Toy() as client:
        yield client


def _eventually(condition: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_call_from_a_plain_thread(toy: Any) -> None:
    results: list[int] = []
    thread = threading.Thread(target=lambda: results.append(toy.add(1, 2, c=3)))
    thread.start()
    thread.join()
    assert results == [6]
    assert toy._async.total == 6  # the async object is shared, not copied


def test_calls_from_eight_threads_share_one_client(toy: Any) -> None:
    with ThreadPoolExecutor(8) as pool:
        totals = list(pool.map(lambda _: toy.add(1, 0), range(64)))
    assert sorted(totals) == list(range(1, 65))
    assert toy._async.total == 64


def test_the_async_client_is_built_on_the_loop_thread(toy: Any) -> None:
    thread = _portal.portal_thread()
    assert thread is not None and thread.daemon
    assert toy._async.built_in == thread.ident
    ident, args = toy.where("a", "b", x=1)  # plain methods run there too
    assert (ident, args) == (thread.ident, "a,b|[('x', 1)]")


def test_inside_a_running_asyncio_loop(toy: Any) -> None:
    async def main() -> int:  # what a Jupyter cell does
        return int(toy.add(2) + toy.add(3))

    assert asyncio.run(main()) == 3 + 7


def test_inside_a_running_trio_loop(toy: Any) -> None:
    async def main() -> int:
        return int(toy.add(2))

    assert trio.run(main) == 3


def test_methods_properties_and_twins(toy: Any, toy_sync: ModuleType) -> None:
    assert repr(toy) == "Toy(name='toy')"
    assert toy.name == "toy" and toy.ping() == "pong" and not toy.closed
    assert toy.get(5) == 5 and toy.get("k") == "k"  # overloads
    assert toy.later(7) == 7  # awaitable returned by a plain method
    assert toy.options(a=1) == {"a": 1}
    assert toy_sync.Toy.version() == "1.0"
    assert toy.same() is toy
    with toy.clone("other") as other, toy_sync.Toy.create("made") as made:
        assert isinstance(other, toy_sync.Toy) and other.name == "other"
        assert isinstance(made, toy_sync.Toy) and made.name == "made"
    assert other._async.closed


def test_resources(toy: Any, toy_sync: ModuleType) -> None:
    notes = toy.notes
    assert isinstance(notes, toy_sync.Notes) and toy.notes is notes
    assert notes.add("first") == 1 and notes.add("second") == 2
    assert notes.first() == "first" and notes.every(limit=1) == ["first"]
    assert repr(notes) == "Notes(2)"
    assert toy._async.notes.first is not None  # the same async resource underneath


def test_context_variables_reach_the_coroutine(toy: Any) -> None:
    def in_thread() -> str:
        request_tag.set("thread-tag")
        return str(toy.tag())

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(in_thread).result() == "thread-tag"
    token = request_tag.set("main-tag")
    try:
        assert toy.tag() == "main-tag"
    finally:
        request_tag.reset(token)


def test_close_is_idempotent_and_closes_the_async_client(toy_sync: ModuleType) -> None:
    client = toy_sync.Toy()
    client.close()
    client.close()
    assert client._async.closed


def test_iterate_to_the_end(toy: Any) -> None:
    assert list(toy.count(4, step=2)) == [0, 2, 4, 6]
    assert toy._async.events == ["count closed"]


def test_breaking_out_closes_the_async_generator(toy: Any) -> None:
    for value in toy.count(100):
        if value == 2:
            break
    assert toy._async.events == ["count closed"]  # closed before the loop moved on
    iterator = toy.count(100)
    assert next(iterator) == 0
    iterator.close()
    assert toy._async.events == ["count closed", "count closed"]


def test_an_iterator_outlives_its_dropped_client(toy_sync: ModuleType) -> None:
    assert list(toy_sync.Toy().count(3)) == [0, 1, 2]  # the client is garbage already


def test_errors_from_the_async_iterator_propagate(toy: Any) -> None:
    with pytest.raises(ValueError, match="n must be"):
        list(toy.count(-1))


def test_bulk_like_run_keeps_its_task_group_in_one_task(toy: Any) -> None:
    assert sorted(outcome.value for outcome in toy.run(range(5))) == [0, 1, 2, 3, 4]
    assert toy._async.events == ["run closed"]
    for _ in toy.run(range(100)):
        break
    assert toy._async.events == ["run closed", "run closed"]


@contextlib.contextmanager
def _sigint_when(condition: Any) -> Iterator[None]:
    """Send this process SIGINT once ``condition()`` holds (checked from another thread).

    Waiting for the state under test, not a fixed delay: a loaded machine may take
    any time to get there. After 10 s the signal is sent anyway, so the test fails
    on its assertions instead of hanging.
    """
    assert threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    stop = threading.Event()

    def interrupt() -> None:
        deadline = time.monotonic() + 10
        while not condition() and time.monotonic() < deadline:
            if stop.wait(0.01):
                return
        os.kill(os.getpid(), signal.SIGINT)

    sender = threading.Thread(target=interrupt)
    sender.start()
    try:
        yield
    finally:
        stop.set()
        sender.join()
        signal.signal(signal.SIGINT, previous)


@pytest.mark.skipif(sys.platform == "win32", reason="needs os.kill(SIGINT)")
def test_ctrl_c_cancels_the_call_in_flight(toy: Any) -> None:
    started = time.monotonic()
    with _sigint_when(lambda: "sleep started" in toy._async.events):
        with pytest.raises(KeyboardInterrupt):
            toy.sleep(30)
    assert time.monotonic() - started < 5
    assert toy._async.events == ["sleep started", "sleep cancelled"]
    assert toy.add(1) == 2  # the client still works


@pytest.mark.skipif(sys.platform == "win32", reason="needs os.kill(SIGINT)")
def test_ctrl_c_while_iterating_closes_the_async_generator(toy: Any) -> None:
    seen = []
    with _sigint_when(lambda: toy._async.pauses == 1), pytest.raises(KeyboardInterrupt):
        for value in toy.count(3, pause=30):
            seen.append(value)
    assert seen == [0]
    assert toy._async.events == ["count cancelled", "count closed"]


def test_calling_from_the_loop_thread_raises(toy: Any) -> None:
    with pytest.raises(RuntimeError, match="use the async client"):
        toy.call_back(lambda: toy.add(1))
    assert toy.add(1) == 2


def test_the_loop_thread_stops_with_the_last_client(toy_sync: ModuleType) -> None:
    gc.collect()
    first, second = toy_sync.Toy(), toy_sync.Toy()
    assert first.add(1) == second.add(1) == 2
    thread = _portal.portal_thread()
    assert thread is not None and thread.is_alive()
    first.close()
    assert thread.is_alive()
    second.close()
    assert not thread.is_alive() and _portal.portal_thread() is None
    with toy_sync.Toy() as third:  # a new loop starts on demand
        assert third.add(1) == 2
        assert _portal.portal_thread() not in (None, thread)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_its_own_loop_thread(toy: Any, toy_sync: ModuleType) -> None:
    assert toy.add(1) == 2
    parent_thread = _portal.portal_thread()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, 3.12+
        pid = os.fork()
    if pid == 0:  # child: report through the exit code only
        code = 3
        try:
            with toy_sync.Toy() as fresh:
                code = 0 if fresh.add(1) == 2 and toy.add(5) == 8 else 1
            if _portal.portal_thread() is parent_thread:
                code = 2
        finally:
            os._exit(code)
    deadline = time.monotonic() + 10
    while (waited := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if waited[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung")
    assert os.waitstatus_to_exitcode(waited[1]) == 0
    assert toy.add(1) == 4  # the parent is unaffected by the child's add(5)


def test_an_unclosed_client_is_released_quietly(
    toy_sync: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    gc.collect()
    caplog.set_level(logging.DEBUG)
    client = toy_sync.Toy()
    client.add(1)
    iterator = client.count(10)
    next(iterator)
    thread = _portal.portal_thread()
    assert thread is not None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del client, iterator
        gc.collect()
        assert _eventually(lambda: not thread.is_alive())
    assert [str(w.message) for w in caught] == []
    noisy = ("Event loop is closed", "never retrieved", "was destroyed but it is pending")
    assert not [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING or any(n in r.getMessage() for n in noisy)
    ]


def test_wrap_async_context_manager() -> None:
    @contextlib.asynccontextmanager
    async def resource() -> Any:
        await anyio.sleep(0)
        yield "inside"

    _portal.acquire()
    try:
        with _portal.wrap_async_context_manager(resource()) as value:
            assert value == "inside"
    finally:
        _portal.release()


def test_toy_async_direct_use_is_unaffected() -> None:
    async def main() -> int:
        async with AsyncToy() as toy:
            return await toy.add(1)

    assert anyio.run(main) == 2


@contextlib.contextmanager
def _loop_blocked(toy: Any) -> Iterator[threading.Event]:
    """Keep labelkit's loop thread busy in a sync callback until the yielded event is set."""
    running, release = threading.Event(), threading.Event()

    def block() -> None:
        running.set()
        release.wait()

    with ThreadPoolExecutor(1) as pool:
        busy = pool.submit(toy.call_back, block)
        assert running.wait(5.0)
        try:
            yield release
        finally:
            release.set()
            busy.result()


def test_calls_queued_while_the_loop_is_busy_share_one_wake_up(toy: Any) -> None:
    loop = _portal._loop_thread()
    handoff, aio = loop.handoff, loop.asyncio_loop
    assert handoff is not None and aio is not None
    wake_ups: list[object] = []
    original = aio.call_soon_threadsafe

    def counting(callback: Any, *args: Any, **kwargs: Any) -> Any:
        wake_ups.append(callback)
        return original(callback, *args, **kwargs)

    aio.call_soon_threadsafe = counting  # type: ignore[method-assign]
    try:
        with ThreadPoolExecutor(8) as pool, _loop_blocked(toy) as release:
            futures = []
            wake_ups.clear()  # the blocking call's own
            for n in range(8):  # one at a time: each waits in the queue before the next
                futures.append(pool.submit(toy.add, 1, 0))
                assert _eventually(lambda n=n: len(handoff._queue) == n + 1)
            release.set()
            totals = sorted(f.result() for f in futures)
    finally:
        del aio.call_soon_threadsafe
    assert totals == list(range(1, 9))
    assert len(wake_ups) == 1  # one self-pipe write for the eight calls


@pytest.mark.skipif(sys.platform == "win32", reason="needs os.kill(SIGINT)")
def test_ctrl_c_before_the_loop_takes_the_call_means_it_never_runs(toy: Any) -> None:
    handoff = _portal._loop_thread().handoff
    assert handoff is not None
    with _loop_blocked(toy) as release:
        with _sigint_when(lambda: len(handoff._queue) == 1), pytest.raises(KeyboardInterrupt):
            toy.sleep(30)
        release.set()
    assert toy.add(1, 0) == 1  # the client still works
    assert toy._async.events == []  # the sleep never started
