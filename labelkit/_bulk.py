"""Run one async call per item, with a hard bound on concurrency and one outcome per item.

Usage::

    async with bulk(upload, paths, concurrency=8) as run:
        async for outcome in run:
            if not outcome.ok:
                print(outcome.index, outcome.error)
    print(run.summary)

    outcomes = await bulk(upload, paths).collect()   # every outcome, in input order

Exactly ``concurrency`` worker tasks pull items from the input on demand, so at
most ``concurrency`` calls are in flight and the input is read lazily: a
generator of a million items is never materialised.
"""

from __future__ import annotations

import enum
import math
import os
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sized,
)
from types import TracebackType
from typing import Generic, TypeVar, cast

import anyio
import attrs
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from typing_extensions import TypedDict, Unpack

from ._errors import ValidationError
from ._journal import Journal
from ._journal_bulk import JournaledCall, call_settled
from ._signatures import expand_signature, expand_unpacked_kwargs, keyword_defaults, with_defaults

__all__ = ["BulkRun", "BulkSummary", "Outcome", "OutcomeStatus", "Progress", "bulk"]

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")

# on_progress is called at most this often (seconds), except for the final call.
_PROGRESS_INTERVAL = 0.1


class OutcomeStatus(str, enum.Enum):
    """How one item ended."""

    OK = "ok"
    FAILED = "failed"
    AMBIGUOUS = "ambiguous"
    """The call may or may not have taken effect (:class:`~labelkit.AmbiguousResultError`)."""


@attrs.frozen
class Outcome(Generic[ItemT, ResultT]):
    """The result of one item: its ``value`` when OK, else the ``error`` it raised."""

    index: int
    """Position of the item in the input."""
    item: ItemT
    status: OutcomeStatus
    value: ResultT | None = None
    error: BaseException | None = None
    remote_id: str | None = None
    """With ``journal=``: the id of the remote object, when known."""
    resumed: bool = False
    """With ``journal=``: done by an earlier run (``value`` is then ``None``) or found
    by ``resolve``, and not sent again by this run."""

    @property
    def ok(self) -> bool:
        """True when the call returned normally."""
        return self.status is OutcomeStatus.OK

    def unwrap(self) -> ResultT:
        """The value, or raise the item's error."""
        if self.error is not None:
            raise self.error
        return cast(ResultT, self.value)


@attrs.frozen
class Progress:
    """A snapshot for progress reporting; ``done`` counts every finished item."""

    done: int
    failed: int
    ambiguous: int
    total: int | None
    elapsed: float = 0.0

    @property
    def ok(self) -> int:
        """Items that finished successfully."""
        return self.done - self.failed - self.ambiguous


@attrs.define
class BulkSummary:
    """Running counts of a :class:`BulkRun`, updated as items finish.

    ``total`` is the number of input items when known. ``stopped`` is True when
    ``fail_fast`` stopped the run; items not started by then have no outcome.
    """

    ok: int = 0
    failed: int = 0
    ambiguous: int = 0
    total: int | None = None
    elapsed: float = 0.0
    stopped: bool = False
    resumed: int = 0
    """OK items not sent by this run (see :attr:`Outcome.resumed`); counted in ``ok`` too."""

    @property
    def done(self) -> int:
        """Items finished so far, whatever their status."""
        return self.ok + self.failed + self.ambiguous


class BulkOptions(TypedDict, Generic[ItemT, ResultT], total=False):
    """The keywords of :func:`bulk` and :class:`BulkRun`, declared once
    (``**options: Unpack[BulkOptions[ItemT, ResultT]]``; see :mod:`labelkit._signatures`)."""

    concurrency: int
    on_progress: Callable[[Progress], object] | None
    total: int | None
    fail_fast: bool
    journal: Journal | str | os.PathLike[str] | None
    key: Callable[[ItemT], str | Awaitable[str]] | None
    resolve: Callable[[ItemT], Awaitable[ResultT | None]] | None
    remote_id: Callable[[ResultT], object] | None


keyword_defaults(
    BulkOptions,
    {
        "concurrency": 16,
        "on_progress": None,
        "total": None,
        "fail_fast": False,
        "journal": None,
        "key": None,
        "resolve": None,
        "remote_id": None,
    },
)


class _State(enum.Enum):
    NEW = enum.auto()
    RUNNING = enum.auto()
    CLOSED = enum.auto()


class BulkRun(Generic[ItemT, ResultT]):
    """An async iterator of :class:`Outcome` objects in completion order; see :func:`bulk`.

    A run is started by ``async with`` or by the first ``async for`` step and
    can be consumed once. Its task group lives in the consuming task, so
    stopping early must close it: leaving ``async with`` does that (the safe
    form), otherwise call :meth:`aclose` after ``break``. Closing cancels the
    calls still in flight.

    An exception from the input iterator, from ``on_progress``, or a
    ``BaseException`` other than cancellation from ``fn`` aborts the run: the
    other calls are cancelled and the exception is raised, unwrapped, to the
    consumer.
    """

    def __init__(
        self,
        fn: Callable[[ItemT], Awaitable[ResultT]],
        items: Iterable[ItemT] | AsyncIterable[ItemT],
        **options: Unpack[BulkOptions[ItemT, ResultT]],
    ) -> None:
        options = with_defaults(options, BulkOptions, "BulkRun.__init__")
        concurrency, journal = options["concurrency"], options["journal"]
        key, resolve, remote_id = options["key"], options["resolve"], options["remote_id"]
        if concurrency < 1:
            raise ValidationError("concurrency", f"must be at least 1, got {concurrency!r}")
        self._fn = fn
        self._resolve = resolve
        self._remote_id = remote_id
        self._journaled: JournaledCall[ItemT, ResultT] | None = None
        self._owns_journal = journal is not None and not isinstance(journal, Journal)
        if journal is not None:
            if not isinstance(journal, Journal):
                journal = Journal(journal)
            self._journaled = JournaledCall(fn, journal, key, resolve, remote_id)
        self._items = items
        self._concurrency = concurrency
        self._on_progress = options["on_progress"]
        self._fail_fast = options["fail_fast"]
        total = len(items) if isinstance(items, Sized) else options["total"]
        self.summary = BulkSummary(total=total)
        """Counts so far; final once the run is exhausted."""

        self._state = _State.NEW
        self._in_context = False
        self._tg: TaskGroup | None = None
        self._workers: anyio.CancelScope | None = None
        self._send: MemoryObjectSendStream[Outcome[ItemT, ResultT]] | None = None
        self._receive: MemoryObjectReceiveStream[Outcome[ItemT, ResultT]] | None = None
        self._sync_iter: Iterator[ItemT] | None = None
        self._async_iter: AsyncIterator[ItemT] | None = None
        self._lock: anyio.Lock | None = None
        self._next_index = 0
        self._exhausted = False
        self._stopping = False
        self._error: BaseException | None = None
        self._started_at = 0.0
        self._last_emit_at = -math.inf
        self._emitted: Progress | None = None

    async def __aenter__(self) -> BulkRun[ItemT, ResultT]:
        if self._state is not _State.NEW:
            raise RuntimeError("a BulkRun can only be started once")
        self._in_context = True
        await self._start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        return await self._shutdown(exc)

    def __aiter__(self) -> BulkRun[ItemT, ResultT]:
        return self

    async def __anext__(self) -> Outcome[ItemT, ResultT]:
        if self._state is _State.NEW:
            await self._start()
        elif self._state is _State.CLOSED:
            raise StopAsyncIteration
        assert self._receive is not None
        if self._error is None:
            try:
                return await self._receive.receive()
            except anyio.EndOfStream:
                pass
            except BaseException as exc:
                if not self._in_context:
                    await self._shutdown(exc)
                raise
        error, self._error = self._error, None
        # In a context, only __aexit__ may exit the task group: cancel scopes
        # must be exited in the reverse order of entering them.
        if not self._in_context:
            await self._shutdown(None)
        if error is not None:
            raise error
        raise StopAsyncIteration

    async def aclose(self) -> None:
        """Stop the run: cancel the calls in flight and wait for them to end."""
        if self._in_context and self._state is _State.RUNNING:
            # The task group stays for __aexit__ to exit (scopes nest); here the
            # workers stop and the remaining outcomes are drained and dropped.
            self._stopping = True
            if self._workers is not None:
                self._workers.cancel()
            assert self._receive is not None
            async for _ in self._receive:
                pass
            return
        await self._shutdown(None)

    async def collect(self) -> list[Outcome[ItemT, ResultT]]:
        """Run to the end and return every outcome, sorted by input index."""
        if self._state is _State.NEW:
            async with self:
                outcomes = [outcome async for outcome in self]
        else:
            outcomes = [outcome async for outcome in self]
        outcomes.sort(key=lambda outcome: outcome.index)
        return outcomes

    async def _start(self) -> None:
        items = self._items
        if isinstance(items, AsyncIterable):
            self._async_iter = aiter(items)
        else:
            self._sync_iter = iter(items)
        self._lock = anyio.Lock()
        # The buffer lets workers run ahead of a slow consumer by at most
        # `concurrency` outcomes; beyond that they block, and so stop pulling items.
        self._send, self._receive = anyio.create_memory_object_stream[Outcome[ItemT, ResultT]](
            self._concurrency
        )
        self._started_at = anyio.current_time()
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._state = _State.RUNNING
        self._tg.start_soon(self._produce)

    async def _shutdown(self, exc: BaseException | None) -> bool:
        if self._state is not _State.RUNNING:
            self._state = _State.CLOSED
            return False
        self._state = _State.CLOSED
        tg = self._tg
        assert tg is not None and self._send is not None and self._receive is not None
        try:
            tg.cancel_scope.cancel()
            if isinstance(exc, anyio.get_cancelled_exc_class()):
                return await tg.__aexit__(type(exc), exc, exc.__traceback__)
            # Any other exception is the consumer's own; passing it to the task
            # group would re-raise it wrapped in an ExceptionGroup.
            await tg.__aexit__(None, None, None)
            return False
        finally:
            self._send.close()
            self._receive.close()

    async def _produce(self) -> None:
        assert self._send is not None
        try:
            try:
                async with anyio.create_task_group() as tg:
                    self._workers = tg.cancel_scope
                    for _ in range(self._concurrency):
                        tg.start_soon(self._work)
            finally:
                if self._owns_journal and self._journaled is not None:
                    with anyio.CancelScope(shield=True):
                        await self._journaled.journal.aclose()
                if self._async_iter is not None and hasattr(self._async_iter, "aclose"):
                    # Run an async generator's cleanup here, not at garbage collection.
                    try:
                        await self._async_iter.aclose()
                    except anyio.get_cancelled_exc_class():
                        raise
                    except BaseException as exc:
                        self._abort(exc)
            self.summary.elapsed = anyio.current_time() - self._started_at
            if self._on_progress is not None and self._error is None:
                if self._emitted is None or self._emitted.done != self.summary.done:
                    try:
                        self._emit(anyio.current_time())
                    except BaseException as exc:
                        self._abort(exc)
        finally:
            self._send.close()

    async def _work(self) -> None:
        assert self._send is not None
        try:
            while not self._stopping:
                pulled = await self._pull()
                if pulled is None:
                    return
                index, item = pulled
                outcome = await self._call(index, item)
                if self._fail_fast and not outcome.ok:
                    self._stopping = True
                    self.summary.stopped = True
                self._record(outcome)
                await self._send.send(outcome)
        except anyio.get_cancelled_exc_class():
            raise
        except BaseException as exc:
            self._abort(exc)

    async def _call(self, index: int, item: ItemT) -> Outcome[ItemT, ResultT]:
        if self._journaled is not None:
            j = await self._journaled(item)
        else:
            j, _ = await call_settled(
                item, self._fn, self._resolve, self._remote_id, id_every_value=False
            )
        return Outcome(
            index, item, OutcomeStatus(j.status), j.value, j.error, j.remote_id, j.resumed
        )

    async def _pull(self) -> tuple[int, ItemT] | None:
        lock = self._lock
        assert lock is not None
        # Only an async iterator can make the lock contended (next() never awaits).
        # Acquiring it without a checkpoint when free matters: a checkpoint while
        # holding it would let just one worker pull per scheduling round.
        try:
            lock.acquire_nowait()
        except anyio.WouldBlock:
            await lock.acquire()
        try:
            # Re-checked under the lock: another worker may have hit the end meanwhile.
            if self._exhausted or self._stopping:
                return None
            try:
                if self._async_iter is not None:
                    item = await anext(self._async_iter)
                else:
                    assert self._sync_iter is not None
                    item = next(self._sync_iter)
            except (StopIteration, StopAsyncIteration):
                self._exhausted = True
                return None
            index = self._next_index
            self._next_index += 1
            return index, item
        finally:
            lock.release()

    def _record(self, outcome: Outcome[ItemT, ResultT]) -> None:
        summary = self.summary
        if outcome.status is OutcomeStatus.OK:
            summary.ok += 1
            summary.resumed += outcome.resumed
        elif outcome.status is OutcomeStatus.FAILED:
            summary.failed += 1
        else:
            summary.ambiguous += 1
        now = anyio.current_time()
        summary.elapsed = now - self._started_at
        if self._on_progress is not None and now - self._last_emit_at >= _PROGRESS_INTERVAL:
            self._emit(now)

    def _emit(self, now: float) -> None:
        assert self._on_progress is not None
        summary = self.summary
        progress = Progress(
            done=summary.done,
            failed=summary.failed,
            ambiguous=summary.ambiguous,
            total=summary.total,
            elapsed=now - self._started_at,
        )
        self._last_emit_at = now
        self._emitted = progress
        self._on_progress(progress)

    def _abort(self, exc: BaseException) -> None:
        if self._error is None:
            self._error = exc
        self._stopping = True
        if self._workers is not None:
            self._workers.cancel()


def bulk(
    fn: Callable[[ItemT], Awaitable[ResultT]],
    items: Iterable[ItemT] | AsyncIterable[ItemT],
    **options: Unpack[BulkOptions[ItemT, ResultT]],
) -> BulkRun[ItemT, ResultT]:
    """Call ``fn(item)`` for every item, at most ``concurrency`` at a time.

    Returns a :class:`BulkRun`: iterate it (preferably inside ``async with``)
    to get one :class:`Outcome` per item in completion order, or await
    :meth:`BulkRun.collect` for all of them in input order.

    Outcomes: a normal return is OK; :class:`~labelkit.AmbiguousResultError` is
    AMBIGUOUS, unless ``resolve(item)`` then finds the object: OK with the
    found value (and its ``remote_id``), not sent again; any other
    ``Exception`` is FAILED and does not stop the other items. With
    ``fail_fast=True`` the first FAILED or AMBIGUOUS outcome stops the run:
    no further item is started, the calls already in flight run to completion
    (so every started item gets a definite outcome), then the iteration ends
    and ``summary.stopped`` is True.

    ``total`` is reported in progress and summary; it defaults to
    ``len(items)`` when ``items`` is sized. ``on_progress`` receives a
    :class:`Progress` after finished items, at most 10 times a second, and
    always once more when the run ends.

    ``journal`` (a :class:`~labelkit.Journal` or a file path) makes the run
    resumable: re-running with the same journal sends only the items not yet
    ok. ``key(item)`` (may be async, e.g. :meth:`Journal.file_key`) names each
    item in it; str and path items are their own key by default. An item is
    marked ``sent`` before ``fn`` and ok / failed / ambiguous after, with
    ``remote_id(value)`` (default ``value.id``) as its remote id. Items done by
    an earlier run are reported OK with ``resumed=True`` and ``value=None``.
    Items an earlier run left ``sent`` (it crashed mid-call) or ``ambiguous``
    are first passed to ``resolve(item)``, which looks the object up remotely:
    a result is recorded OK (``resumed=True``), ``None`` sends the item again.
    Without ``resolve`` such items are reported AMBIGUOUS and not sent, so a
    resumed run never creates a duplicate. Items that failed are sent again.
    """
    return BulkRun(fn, items, **with_defaults(options, BulkOptions, "bulk"))


expand_unpacked_kwargs(BulkRun)
expand_signature(bulk)
