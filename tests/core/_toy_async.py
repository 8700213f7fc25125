"""A toy async client (no provider, no I/O) for the sync generator and bridge tests.

``load_toy_sync(directory)`` generates its sync twin ``Toy`` there with the
real generator and imports it.
"""

from __future__ import annotations

import contextvars
import importlib
import sys
import threading
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Generic, Literal, Optional, TypeVar, overload

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from labelkit._sync import _codegen

__all__ = [
    "DEFAULT_NAME",
    "TOY_RETURNS",
    "TOY_TARGET",
    "TOY_TARGETS",
    "AsyncNotes",
    "AsyncToy",
    "ToyOutcome",
    "ToyRun",
    "load_toy_sync",
    "request_tag",
]

T = TypeVar("T")
R = TypeVar("R")
DEFAULT_NAME = "toy"
request_tag: contextvars.ContextVar[str] = contextvars.ContextVar("request_tag", default="-")


class ToyOutcome(Generic[T]):
    """One result of a :class:`ToyRun`."""

    def __init__(self, value: T) -> None:
        self.value = value


class ToyRun(Generic[T]):
    """Like ``BulkRun``: a task group entered by the first step and left by the last
    step or ``aclose()``, so every step must run in the same task."""

    def __init__(self, items: Iterable[T], concurrency: int, events: list[str]) -> None:
        self._items = list(items)
        self._concurrency = concurrency
        self._events = events
        self._tg: TaskGroup | None = None
        self._receive: MemoryObjectReceiveStream[ToyOutcome[T]] | None = None
        self._closed = False

    def __aiter__(self) -> ToyRun[T]:
        return self

    async def __anext__(self) -> ToyOutcome[T]:
        if self._closed:
            raise StopAsyncIteration
        if self._tg is None:
            self._tg = anyio.create_task_group()
            await self._tg.__aenter__()
            send, self._receive = anyio.create_memory_object_stream[ToyOutcome[T]]()
            self._tg.start_soon(self._produce, send)
        assert self._receive is not None
        try:
            return await self._receive.receive()
        except anyio.EndOfStream:
            await self.aclose()
            raise StopAsyncIteration from None

    async def _produce(self, send: MemoryObjectSendStream[ToyOutcome[T]]) -> None:
        async with send:
            for item in self._items:
                await anyio.sleep(0.001)
                await send.send(ToyOutcome(item))

    async def aclose(self) -> None:
        """Cancel the workers and leave the task group."""
        if self._tg is not None and not self._closed:
            self._closed = True
            self._tg.cancel_scope.cancel()
            await self._tg.__aexit__(None, None, None)
            if self._receive is not None:
                self._receive.close()
            self._events.append("run closed")


class _ToyBase:
    """A base class whose public methods the sync twin inherits too."""

    def __init__(self) -> None:
        self._is_closed = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._is_closed

    async def ping(self) -> str:
        """An inherited coroutine method."""
        return "pong"

    async def aclose(self) -> None:
        """Close the toy."""
        self._is_closed = True


class _AsyncShelf(Generic[R]):
    """A generic base class of a resource: ``R`` becomes the subclass's argument."""

    def __init__(self, items: list[R]) -> None:
        self._items = items

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self._items)})"

    async def first(self) -> R:
        """The first item."""
        return self._items[0]

    async def every(self, *, limit: int | None = None) -> list[R]:
        """All items, or the first ``limit``."""
        return self._items[:limit]


class AsyncNotes(_AsyncShelf[str]):
    """The notes of a toy: a resource (it has no ``aclose``)."""

    async def add(self, text: str) -> int:
        """Add a note; returns how many there are."""
        self._items.append(text)
        return len(self._items)


class AsyncToy(_ToyBase):
    """Async toy client (AsyncToy): every kind of method the generator handles.

    Usage::

        async with AsyncToy() as toy:
            await toy.add(1)
    """

    notes: AsyncNotes
    """The toy's notes."""

    def __init__(self, name: str = DEFAULT_NAME, *, delay: float = 0.0) -> None:
        """Make a toy; nothing starts."""
        super().__init__()
        self._name = name
        self.delay = delay
        self.total = 0
        self.events: list[str] = []
        self.pauses = 0  # count() pauses begun: a test's cue that the loop is in one
        self.lock = anyio.Lock()
        self.built_in = threading.get_ident()
        self.notes = AsyncNotes([])

    def __repr__(self) -> str:
        return f"AsyncToy(name={self._name!r})"

    async def __aenter__(self) -> AsyncToy:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def name(self) -> str:
        """The toy's name."""
        return self._name

    async def add(
        self,
        a: int,
        b: int = 1,
        /,
        c: Optional[int] = None,
        *,
        scale: float | None = None,
        label: Literal["x", "y"] = "x",
    ) -> int:
        """Add ``a + b + c`` to the running total and return the total."""
        async with self.lock:
            await anyio.sleep(self.delay)
            self.total += a + b + (c or 0)
            if scale is not None:
                self.total = int(self.total * scale)
            return self.total

    async def sleep(self, seconds: float) -> None:
        """Sleep, recording whether it finished or was cancelled."""
        self.events.append("sleep started")
        try:
            await anyio.sleep(seconds)
        except anyio.get_cancelled_exc_class():
            self.events.append("sleep cancelled")
            raise
        self.events.append("sleep finished")

    async def count(self, n: int, *, step: int = 1, pause: float = 0.0) -> AsyncIterator[int]:
        """Yield ``n`` multiples of ``step``, sleeping ``pause`` before each after the first."""
        try:
            if n < 0:
                raise ValueError("n must be >= 0")
            for i in range(n):
                if i:
                    self.pauses += 1
                await anyio.sleep(pause if i else 0)
                yield i * step
        except anyio.get_cancelled_exc_class():
            self.events.append("count cancelled")
            raise
        finally:
            self.events.append("count closed")

    def run(self, items: Iterable[T], *, concurrency: int = 2) -> ToyRun[T]:
        """Process ``items`` concurrently; yields one outcome per item."""
        return ToyRun(items, concurrency, self.events)

    async def clone(self, name: str) -> AsyncToy:
        """A new toy with another name."""
        return AsyncToy(name, delay=self.delay)

    def same(self) -> AsyncToy:
        """This very toy."""
        return self

    @classmethod
    def create(cls, name: str) -> AsyncToy:
        """An alternative constructor."""
        return cls(name)

    @staticmethod
    def version() -> str:
        """A static method, called directly."""
        return "1.0"

    async def call_back(self, fn: Callable[[], T]) -> T:
        """Call ``fn`` on the event loop (a user callback)."""
        return fn()

    async def tag(self) -> str:
        """The ``request_tag`` context variable as the coroutine sees it."""
        return request_tag.get()

    def where(self, *parts: str, **extra: int) -> tuple[int, str]:
        """A plain method with ``*args``/``**kwargs``: returns its thread and arguments."""
        return threading.get_ident(), f"{','.join(parts)}|{sorted(extra.items())}"

    @overload
    async def get(self, key: int) -> int: ...

    @overload
    async def get(self, key: str) -> str: ...

    async def get(self, key: int | str) -> int | str:
        """An overloaded coroutine method."""
        return key

    def later(self, value: int) -> Awaitable[int]:
        """A plain method returning an awaitable."""
        return self._echo(value)

    async def options(self, **kwargs: typing.Any) -> dict[str, typing.Any]:
        """Keyword arguments only."""
        return kwargs

    async def _echo(self, value: int) -> int:
        return value


TOY_TARGET = _codegen.Target("tests.core._toy_async", "AsyncToy", "Toy", "_toy_sync")
TOY_TARGETS = [
    TOY_TARGET,
    _codegen.Target("tests.core._toy_async", "AsyncNotes", "Notes", "_toy_sync"),
]
TOY_RETURNS = {
    **_codegen.ITERATOR_RETURNS,
    "ToyRun": _codegen.IteratorReturn(
        "Iterator[ToyOutcome[{0}]]", (("tests.core._toy_async", "ToyOutcome"),)
    ),
}


def load_toy_sync(directory: Path) -> ModuleType:
    """Generate ``_toy_sync.py`` into ``directory`` and import it."""
    _codegen.write(TOY_TARGETS, root=directory, iterator_returns=TOY_RETURNS)
    sys.modules.pop("_toy_sync", None)
    sys.path.insert(0, str(directory))
    try:
        return importlib.import_module("_toy_sync")
    finally:
        sys.path.remove(str(directory))
