"""Handing sync calls to the asyncio loop thread of :mod:`labelkit._sync._portal`."""

from __future__ import annotations

import _thread
import collections
import contextlib
import contextvars
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import asyncio

__all__ = ["CANCEL_GRACE", "Call", "Handoff"]

T = TypeVar("T")

# After Ctrl-C, how long the waiting thread gives the cancelled coroutine to
# finish its cleanup (a second Ctrl-C stops waiting).
CANCEL_GRACE = 5.0


class Handoff:
    """Hands sync calls to the asyncio loop thread: one wake-up of the loop per burst.

    The portal's ``start_task_soon`` goes through a task group, a cancel scope
    and a callback chain per call; here the coroutine becomes a plain asyncio
    task (anyio's primitives work in it, as in any task) in a copy of the
    caller's context. Calls made while the loop has not yet picked up earlier
    ones join them in one queue, drained by one ``call_soon_threadsafe``: with
    many calling threads, each call no longer writes to the loop's self-pipe
    and runs a loop iteration of its own.
    """

    def __init__(self, aio: asyncio.AbstractEventLoop) -> None:
        self._aio = aio
        self._queue: collections.deque[Call[Any]] = collections.deque()
        # True while a drain is queued on the loop and has not started taking
        # calls; a race may queue a second drain, which then finds nothing.
        self._scheduled = False

    def run(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run ``await fn()`` as a task on the loop; block until it is done."""
        call: Call[T] = Call(fn)
        self._queue.append(call)  # before the flag is read: see _drain
        if not self._scheduled:
            self._scheduled = True
            try:
                self._aio.call_soon_threadsafe(self._drain)
            except BaseException:
                self._scheduled = False
                raise
        try:
            call.done.acquire()
        except BaseException:
            # Reached on Ctrl-C in this thread too. A call the loop has not
            # taken yet never starts; a taken one has its task cancelled and is
            # given a moment to clean up.
            try:
                self._queue.remove(call)
            except ValueError:
                with contextlib.suppress(RuntimeError):  # the loop already closed
                    self._aio.call_soon_threadsafe(call.cancel)
                    call.done.acquire(timeout=CANCEL_GRACE)
            raise
        return call.outcome()

    def _drain(self) -> None:
        # The flag is cleared before the queue is read: a call appended after
        # this point either is taken below or queues a drain of its own.
        self._scheduled = False
        queue, aio = self._queue, self._aio
        while queue:
            call = queue.popleft()
            if not call.cancelled:
                call.task = call.context.run(aio.create_task, call.run())


class Call(Generic[T]):
    """One sync call on its way through :class:`Handoff`; ``done`` is released at its end."""

    __slots__ = ("cancelled", "context", "done", "error", "fn", "result", "task")

    result: T

    def __init__(self, fn: Callable[[], Awaitable[T]]) -> None:
        self.fn = fn
        self.context = contextvars.copy_context()
        # A bare lock as a one-shot signal: lighter than a Future's Condition.
        self.done = _thread.allocate_lock()
        self.done.acquire()
        self.error: BaseException | None = None
        self.task: asyncio.Task[None] | None = None
        self.cancelled = False

    async def run(self) -> None:
        try:
            self.result = await self.fn()
        except BaseException as exc:  # raised in the calling thread, not on the shared loop
            self.error = exc
        finally:
            self.done.release()

    def cancel(self) -> None:
        """On the loop: cancel the task, or keep it from ever starting."""
        if self.task is not None:
            self.task.cancel()
        elif not self.cancelled:
            self.cancelled = True
            self.done.release()

    def outcome(self) -> T:
        error = self.error
        if error is None:
            return self.result
        try:
            raise error
        finally:
            # No cycle through this frame's traceback.
            self.error = error = None
