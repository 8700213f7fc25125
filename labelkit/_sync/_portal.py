"""The bridge between the generated sync clients and the one async implementation.

Every sync call runs as a task on one process-wide event loop that lives in a
daemon thread. On asyncio (the default) calls are handed over through a
queue that one ``call_soon_threadsafe`` drains per burst, and each is answered
through a lock (:class:`~labelkit._sync._handoff.Handoff`); on trio, and for
iterators and context managers, through an
:class:`anyio.from_thread.BlockingPortal`.
Because the loop lives in its own thread, the sync API works inside a running
loop (Jupyter, an ``async def`` that calls sync code). Because there is one
loop, a sync client's connection pool serves every thread that uses it, and
the process-wide rate limiter is shared with async callers.

Guarantees:

* Ctrl-C (or any ``BaseException`` raised in the waiting thread) cancels the
  in-flight coroutine before it propagates.
* The coroutine runs in a copy of the calling thread's :mod:`contextvars`
  context (copied when the call is handed over, on asyncio and trio), so
  a ``ContextVar`` set by the caller is visible inside, and mutable objects held
  in one are shared; values set inside do not flow back, as with any task.
* Calling the sync API from the loop thread itself (a callback invoked by the
  async code) raises :class:`RuntimeError` instead of deadlocking.
* The loop thread starts on first use, stops when the last sync client is
  closed (reference counted by :func:`acquire`/:func:`release`) and is
  replaced, not reused, in a forked child.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import threading
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

import anyio

from .._fork import in_child
from ._handoff import CANCEL_GRACE, Handoff

if TYPE_CHECKING:
    # Imported when the loop thread starts: asyncio alone is a fifth of the
    # import time of ``labelkit.FastLabel``, and a script may never call.
    import asyncio

    from anyio.abc import TaskStatus
    from anyio.from_thread import BlockingPortal

__all__ = [
    "acquire",
    "call",
    "iterate",
    "iterate_call",
    "portal_thread",
    "release",
    "run_sync",
    "wait",
    "wrap_async_context_manager",
]

T = TypeVar("T")
P = ParamSpec("P")

BACKEND = "asyncio"
"""The anyio backend of the loop thread; read when the thread starts."""

_REENTRANT_MESSAGE = (
    "a labelkit sync client was called from inside labelkit's own event-loop thread "
    "(for example from a callback run by the async code); blocking here would deadlock, "
    "so use the async client (await ...) in that code instead"
)


class _LoopThread:
    """One event loop in one daemon thread, and the portal that reaches it."""

    def __init__(self, backend: str) -> None:
        ready: Future[tuple[BlockingPortal, asyncio.AbstractEventLoop | None]] = Future()
        # Not anyio.from_thread.start_blocking_portal(): that needs a context
        # manager around the whole process lifetime.
        self.thread = threading.Thread(
            target=self._main, args=(backend, ready), name="labelkit-portal", daemon=True
        )
        self.thread.start()
        self.portal, self.asyncio_loop = ready.result()
        self.handoff = None if self.asyncio_loop is None else Handoff(self.asyncio_loop)
        self.stopped = False

    @staticmethod
    def _main(
        backend: str, ready: Future[tuple[BlockingPortal, asyncio.AbstractEventLoop | None]]
    ) -> None:
        import asyncio

        from anyio.from_thread import BlockingPortal

        async def serve() -> None:
            async with BlockingPortal() as portal:
                loop = asyncio.get_running_loop() if backend == "asyncio" else None
                ready.set_result((portal, loop))
                await portal.sleep_until_stopped()

        try:
            anyio.run(serve, backend=backend)
        except BaseException as exc:  # pragma: no cover - the loop failed to start
            if not ready.done():
                ready.set_exception(exc)

    def in_loop_thread(self) -> bool:
        return threading.get_ident() == self.thread.ident

    def stop(self) -> None:
        """Cancel what is left, stop the loop and join its thread."""
        try:
            self.portal.call(self.portal.stop, True)
        except RuntimeError:  # the loop already ended
            pass
        self.thread.join()


_lock = threading.RLock()
_current: _LoopThread | None = None
_refs = 0
_pid = os.getpid()


def _check_fork() -> None:
    # The loop thread does not exist in a forked child: forget it without
    # touching it. The reference count stays, it counts the inherited clients.
    global _current, _pid
    if os.getpid() != _pid:
        _pid = os.getpid()
        _current = None


@in_child
def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.RLock()  # may have been held by another thread at fork time
    _check_fork()


def _loop_thread() -> _LoopThread:
    global _current
    loop = _current
    if loop is not None and _pid == os.getpid():
        return loop  # the common case, without the lock every calling thread would queue on
    with _lock:
        _check_fork()
        if _current is None:
            _current = _LoopThread(BACKEND)
        return _current


def acquire() -> None:
    """Count one more user of the loop thread (a sync client being created)."""
    global _refs
    with _lock:
        _check_fork()
        _refs += 1


def release(*, wait: bool = True) -> None:
    """Count one user less; the last one stops the loop thread.

    With ``wait=False`` (finalizers) the loop is stopped from a helper thread
    instead of blocking the caller.
    """
    global _current, _refs
    with _lock:
        _check_fork()
        _refs = max(_refs - 1, 0)
        if _refs or _current is None:
            return
        loop, _current = _current, None
        loop.stopped = True
    if sys.is_finalizing():
        return  # the daemon thread dies with the process
    if wait and not loop.in_loop_thread():
        loop.stop()
    else:
        threading.Thread(target=loop.stop, name="labelkit-portal-stop", daemon=True).start()


def portal_thread() -> threading.Thread | None:
    """The running loop thread, if any (for diagnostics and tests)."""
    with _lock:
        _check_fork()
        return None if _current is None else _current.thread


def _run(loop: _LoopThread, fn: Callable[[], Awaitable[T]]) -> T:
    if loop.in_loop_thread():
        raise RuntimeError(_REENTRANT_MESSAGE)
    if loop.stopped:
        raise RuntimeError("labelkit's event-loop thread was stopped: every sync client is closed")
    if loop.handoff is not None:
        return loop.handoff.run(fn)
    finished = threading.Event()

    async def task() -> T:
        try:
            return await fn()
        finally:
            finished.set()

    future = loop.portal.start_task_soon(task)
    try:
        return future.result()
    except BaseException:
        # Reached on Ctrl-C in this thread too: portal.call() would leave the
        # coroutine running, cancelling the future cancels its task.
        if future.cancel():
            finished.wait(CANCEL_GRACE)
        raise


def call(fn: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``await fn(*args, **kwargs)`` on the loop thread and return its result.

    Blocks the calling thread; an exception raised while waiting (Ctrl-C)
    cancels the coroutine first.
    """
    return _run(_loop_thread(), functools.partial(fn, *args, **kwargs))


def wait(awaitable: Awaitable[T]) -> T:
    """Await ``awaitable`` (created by the caller, e.g. a coroutine) on the loop thread.

    For overloaded methods: mypy types ``method(...)`` but not ``call(method, ...)``.
    """
    try:
        return _run(_loop_thread(), lambda: awaitable)
    except BaseException:
        if (
            inspect.iscoroutine(awaitable)
            and inspect.getcoroutinestate(awaitable) == "CORO_CREATED"
        ):
            awaitable.close()  # never started: avoid "coroutine was never awaited"
        raise


def run_sync(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run the plain function ``fn(*args, **kwargs)`` on the loop thread.

    Used for constructors and sync methods of async objects, so that anything
    they create (locks, events) belongs to the loop that will use it. A
    returned awaitable is returned, not awaited.
    """

    async def invoke() -> T:
        return fn(*args, **kwargs)

    return _run(_loop_thread(), invoke)


def wrap_async_context_manager(cm: AbstractAsyncContextManager[T]) -> AbstractContextManager[T]:
    """Use an async context manager from sync code; it is entered and exited on the loop."""
    loop = _loop_thread()
    if loop.in_loop_thread():
        raise RuntimeError(_REENTRANT_MESSAGE)
    return loop.portal.wrap_async_context_manager(cm)


def iterate(source: AsyncIterable[T]) -> Iterator[T]:
    """Iterate an async iterable from sync code, one item per step.

    One long-lived task on the loop owns the async iterator, so iterators that
    hold a task group or cancel scope across steps (bulk runs) work. Leaving
    the sync iteration early (``break``, an exception, ``close()``) closes the
    async iterator (``aclose()``) in that task before returning.
    """
    return iterate_call(lambda: source)


def iterate_call(
    fn: Callable[P, AsyncIterable[T]], /, *args: P.args, **kwargs: P.kwargs
) -> Iterator[T]:
    """Call ``fn`` on the loop thread and iterate the async iterable it returns.

    ``fn`` runs immediately, so argument errors are raised by this call, as
    they are by the async method.
    """
    loop = _loop_thread()
    if loop.in_loop_thread():
        raise RuntimeError(_REENTRANT_MESSAGE)
    # The iterator keeps the loop running even if its client is dropped, as in
    # ``for x in Client().pages(): ...``.
    acquire()
    try:
        pump: _Pump[T]
        future, pump = loop.portal.start_task(_Pump.run, functools.partial(fn, *args, **kwargs))
    except BaseException:
        release()
        raise
    return _SyncIterator(loop, pump, future)


class _Step(Generic[T]):
    __slots__ = ("done", "end", "error", "item")

    item: T  # set unless end or error

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.end = False
        self.error: Exception | None = None


class _Pump(Generic[T]):
    """Pulls one item per request from an async iterator, always in the same task."""

    def __init__(self) -> None:
        self.scope = anyio.CancelScope()
        self.finished = anyio.Event()
        self.requests, self._incoming = anyio.create_memory_object_stream[_Step[T]]()

    @classmethod
    async def run(
        cls, make: Callable[[], AsyncIterable[T]], *, task_status: TaskStatus[_Pump[T]]
    ) -> None:
        source = make()
        iterator = aiter(source)
        pump: _Pump[T] = cls()
        task_status.started(pump)
        exhausted = False
        try:
            with pump.scope, pump._incoming:
                try:
                    async for step in pump._incoming:
                        try:
                            step.item = await iterator.__anext__()
                        except StopAsyncIteration:
                            exhausted = step.end = True
                        except Exception as exc:
                            exhausted, step.error = True, exc
                        step.done.set()
                        if exhausted:
                            return
                finally:
                    pump.requests.close()
                    if not exhausted:
                        # Right here, not under another cancel scope: a task group
                        # entered by __anext__ (bulk runs) must exit in this scope.
                        await _aclose(iterator, source)
        finally:
            pump.finished.set()

    async def next_step(self) -> _Step[T]:
        step: _Step[T] = _Step()
        await self.requests.send(step)
        await step.done.wait()
        return step

    async def stop(self, cancel: bool) -> None:
        if cancel:
            self.scope.cancel()
        else:
            self.requests.close()
        await self.finished.wait()


async def _aclose(iterator: AsyncIterator[Any], source: AsyncIterable[Any]) -> None:
    # A bulk run may hand out a separate iterator; close whichever can be closed.
    for obj in (iterator, source) if source is not iterator else (iterator,):
        aclose = getattr(obj, "aclose", None)
        if aclose is not None:
            await aclose()


class _SyncIterator(Iterator[T]):
    def __init__(self, loop: _LoopThread, pump: _Pump[T], future: Future[None]) -> None:
        self._loop = loop
        self._pump = pump
        self._future = future
        self._open = True  # and holding a reference to the loop thread

    def __next__(self) -> T:
        if not self._open:
            raise StopIteration
        try:
            step = _run(self._loop, self._pump.next_step)
        except BaseException:
            self._close(cancel=True)
            raise
        if step.end or step.error is not None:
            self._release()
            if step.error is not None:
                raise step.error
            raise StopIteration
        return step.item

    def close(self) -> None:
        """Stop iterating early and close the async iterator."""
        self._close(cancel=False)

    def _close(self, *, cancel: bool, wait: bool = True) -> None:
        if not self._open:
            return
        try:
            if self._loop.stopped or self._future.done():
                return
            if self._loop.in_loop_thread():
                self._pump.scope.cancel()  # cannot wait here; the task cleans up alone
                return
            _run(self._loop, functools.partial(self._pump.stop, cancel))
            if not cancel and (error := self._future.exception()) is not None:
                raise error  # from aclose(), as ``async for`` + ``aclose()`` would raise it
        finally:
            self._release(wait)

    def _release(self, wait: bool = True) -> None:
        if self._open:
            self._open = False
            release(wait=wait)

    def __del__(self) -> None:
        if getattr(self, "_open", False) and not sys.is_finalizing():
            try:
                self._close(cancel=False, wait=False)
            except Exception:
                pass
