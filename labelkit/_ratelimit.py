"""An exact sliding-window-log rate limiter shared across event loops and threads.

A :class:`Limiter` admits at most ``calls`` request starts in any window of
``period`` seconds, for every window of its :class:`~labelkit.RateLimit`. It is
not a token bucket: a bucket of size N refilling N per W admits 2N inside one
window, which is exactly what a server counting a sliding window rejects.

The state lives in a :class:`LimiterStore` guarded by a ``threading.Lock``, not
by loop-bound primitives, so one limiter serves async callers on the user's
loop, the sync facade's portal thread and threads running their own
``anyio.run`` at the same time. Each caller *reserves* its grant time under the
lock (FIFO: grants never decrease in arrival order), then sleeps on its own
loop until that time.
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
import typing

import anyio

from ._clock import AnyioClock, Clock, MonotonicClock
from ._config import RateLimit
from ._errors import ValidationError
from ._fork import in_child
from ._ratelimit_store import AsyncLimiterStore, InMemoryStore, LimiterStore

__all__ = [
    "AnyioClock",
    "AsyncLimiterStore",
    "Clock",
    "InMemoryStore",
    "Limiter",
    "LimiterStore",
    "MonotonicClock",
    "Slot",
    "shared_limiter",
]

#: A remote waiter's longest sleep between looks while held starts fill a window,
#: unless grants are spaced wider than this.
_REMOTE_RECHECK_MAX = 0.05


class Limiter:
    """At most ``rate.calls`` starts per ``rate.period`` (and per every extra window).

    Usage::

        limiter = Limiter(RateLimit(10_000, 600))
        await limiter.acquire()        # sleeps until a slot is free, FIFO
        limiter.pause_for(30)          # a 429 said Retry-After: 30; everyone waits

    Safe to share between tasks, event loops and threads. A cancelled
    ``acquire`` gives its reservation back. Grants are exact for the clock;
    ``RateLimit.margin`` absorbs the lag between a grant and the actual send.
    """

    def __init__(
        self,
        rate: RateLimit,
        *,
        clock: Clock | None = None,
        store: LimiterStore | AsyncLimiterStore | None = None,
    ) -> None:
        self._rate = rate
        self._windows = rate.windows()
        self._max_cost = min(calls for calls, _ in self._windows)
        # While held slots alone fill a window, poll for commits at this pace.
        self._recheck = min(0.005, min(period / calls for calls, period in self._windows))
        # A remote waiter's longest sleep between looks: 50 ms, or a grant's spacing if wider.
        self._remote_recheck_max = max(
            _REMOTE_RECHECK_MAX, min(period / calls for calls, period in self._windows)
        )
        self._clock: Clock = clock if clock is not None else MonotonicClock()
        self._line = _Line()
        self._remote = store if isinstance(store, AsyncLimiterStore) else None
        # How late a remote grant may still start: half the tightest margin.
        self._slack = max(0.002, 0.5 * min(_margins(rate)))
        # An answered start is dated this much before its answer (see Slot.commit).
        self._answer_slack = min(_margins(rate))
        self._store: LimiterStore = (
            store
            if store is not None and not isinstance(store, AsyncLimiterStore)
            else InMemoryStore()
        )

    @property
    def rate(self) -> RateLimit:
        """The limit this limiter enforces."""
        return self._rate

    @property
    def clock(self) -> Clock:
        """The clock grants and cooldowns are measured on."""
        return self._clock

    async def acquire(self, cost: int = 1) -> float:
        """Wait for ``cost`` slots (1 to the smallest ``calls``); return the grant time."""
        self._check_cost(cost)
        if self._remote is not None:
            return await self._acquire_remote(self._remote, cost)
        store = self._store

        def reserve(now: float) -> float | None:
            grant = store.reserve(now, self._windows, cost)
            return None if grant == math.inf else grant

        while True:
            grant = await self._in_line(reserve)
            try:
                await self._clock.sleep_until(grant)
            except BaseException:
                store.release(grant, cost)
                raise
            if grant >= store.cooldown_until():
                return grant
            # A cooldown began while we slept: give the slot back and queue behind it.
            store.release(grant, cost)

    async def hold(self, cost: int = 1) -> Slot:
        """Wait for ``cost`` slots dated when the request is answered, not when granted.

        The returned :class:`Slot` must be committed (``slot.commit()`` once
        the request is answered; ``slot.written()`` as it is written) or
        released (it never was). Until then it counts as a start in every
        window, so a request that waits for a connection after its grant, or
        that a busy server reads late, cannot make the server see more than
        the limit. Stores without ``hold`` fall back to :meth:`acquire` (dated
        at the grant).
        """
        store = self._store
        remote = self._remote
        if remote is not None:
            if not hasattr(remote, "ahold"):
                return Slot(self, await self.acquire(cost), cost, held=False)
            return await self._hold_remote(remote, cost)
        hold = getattr(store, "hold", None)
        if hold is None:
            return Slot(self, await self.acquire(cost), cost, held=False)
        self._check_cost(cost)
        while True:
            grant = await self._in_line(lambda now: hold(now, self._windows, cost))
            try:
                await self._clock.sleep_until(grant)
            except BaseException:
                store.release_held(grant, cost)  # type: ignore[attr-defined]
                raise
            if grant >= store.cooldown_until():
                return Slot(self, grant, cost, held=True)
            store.release_held(grant, cost)  # type: ignore[attr-defined]

    async def _in_line(self, book: typing.Callable[[float], float | None]) -> float:
        """``book(now)``'s grant; ``None`` means starts held by requests in flight fill
        a window until their answers commit them. Waiters then book in arrival order
        (a newcomer queues behind them), each looking again every few milliseconds."""
        line, clock = self._line, self._clock
        ticket = line.join() if line.busy() else None
        try:
            while True:
                now = clock.now()
                if ticket is None or line.is_turn(ticket):
                    grant = book(now)
                    if grant is not None:
                        return grant
                    if ticket is None:
                        ticket = line.join()
                await clock.sleep_until(now + self._recheck)
        finally:
            if ticket is not None:
                line.leave(ticket)

    def _check_cost(self, cost: int) -> None:
        if isinstance(cost, bool) or not isinstance(cost, int):
            raise ValidationError("cost", f"must be an int, got {cost!r}")
        if not 1 <= cost <= self._max_cost:
            raise ValidationError("cost", f"must be 1..{self._max_cost}, got {cost}")

    async def _remote_grant(
        self,
        book: typing.Callable[[], typing.Awaitable[tuple[object, float] | None]],
        give_back: typing.Callable[[object], typing.Awaitable[None]],
    ) -> tuple[object, float, float]:
        """Book with ``book()`` and sleep until the grant: ``(token, wait, grant)``.

        ``book()`` answers ``None`` while held starts fill a window. A booking
        whose wait is cancelled is given back (``give_back(token)``, shielded).
        """
        recheck = self._recheck
        while (booked := await book()) is None:
            # Held starts fill a window until their answers commit them. Each
            # look is a script call and a thread hop, from every waiter of every
            # process: back off (with jitter, so that some waiter still looks
            # soon after a commit) instead of asking every few milliseconds.
            await self._clock.sleep_until(self._clock.now() + recheck * random.uniform(0.5, 1.5))
            recheck = min(recheck * 2, self._remote_recheck_max)
        token, wait = booked
        grant = self._clock.now() + wait
        try:
            await self._clock.sleep_until(grant)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await give_back(token)
            raise
        return token, wait, grant

    async def _hold_remote(self, store: typing.Any, cost: int) -> Slot:
        self._check_cost(cost)

        async def give_back(token: object) -> None:
            store.release_held(token)  # never blocks

        while True:
            token, wait, grant = await self._remote_grant(
                lambda: store.ahold(self._windows, cost), give_back
            )
            try:
                confirmed = wait <= 0 or await store.aconfirm_held(token)
            except BaseException:
                store.release_held(token)
                raise
            if not confirmed:
                continue  # a cooldown began: the held start was given back
            return Slot(self, grant, cost, held=True, token=token)

    async def _acquire_remote(self, store: AsyncLimiterStore, cost: int) -> float:
        # Returns the grant on this limiter's clock; the store's times stay its own.
        attempts = 0
        while True:
            token, wait, grant = await self._remote_grant(
                lambda: store.areserve(self._windows, cost), store.arelease
            )
            # A grant due at once was checked against the cooldown by areserve itself.
            if wait > 0 and not await store.aconfirm(token):
                continue  # a cooldown began: aconfirm gave the slot back
            attempts += 1
            if attempts <= 3 and self._clock.now() - grant > self._slack:
                # Starting this late (a slow reply, a starved thread) would crowd
                # the window a period on; book a fresh slot instead.
                await store.arelease(token)
                continue
            return grant

    def pause_until(self, t: float) -> None:
        """Grant nothing before clock time ``t`` (never shortens a cooldown)."""
        if not math.isfinite(t):
            raise ValueError(f"t must be finite, got {t!r}")
        if self._remote is not None:
            self._remote.pause_for(t - self._clock.now())
            return
        self._store.pause_until(t)

    def pause_for(self, seconds: float) -> None:
        """Grant nothing for the next ``seconds`` (never shortens a cooldown)."""
        self.pause_until(self._clock.now() + seconds)

    def __repr__(self) -> str:
        return f"Limiter(calls={self._rate.calls}, period={self._rate.period})"


class _Line:
    """Tickets for the waiters that found no room while held starts fill a window.

    Thread-safe (a limiter may serve several event loops): the waiter whose turn
    it is books; a waiter that leaves early (cancelled) is skipped.
    """

    __slots__ = ("_issued", "_left", "_lock", "_turn")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._issued = 0
        self._turn = 0
        self._left: set[int] = set()

    def busy(self) -> bool:
        return self._turn != self._issued

    def join(self) -> int:
        with self._lock:
            ticket = self._issued
            self._issued += 1
            return ticket

    def is_turn(self, ticket: int) -> bool:
        return self._turn == ticket

    def leave(self, ticket: int) -> None:
        with self._lock:
            if ticket != self._turn:
                self._left.add(ticket)
                return
            self._turn += 1
            while self._turn in self._left:
                self._left.discard(self._turn)
                self._turn += 1


class Slot:
    """Starts granted by :meth:`Limiter.hold`; held until their request is answered.

    The server counts a request when it reads it: no earlier than the write
    (:meth:`written`) and no later than the answer. A held start counts in
    every window; :meth:`commit` dates it so that it leaves each window no
    sooner than a full ``period`` after the answer, however late a busy server
    read the request, and (margin included) no sooner than it would dated at
    the write.
    """

    __slots__ = ("_cost", "_grant", "_limiter", "_open", "_token", "_written")

    def __init__(
        self, limiter: Limiter, grant: float, cost: int, *, held: bool, token: object = None
    ) -> None:
        self._limiter = limiter
        self._grant = grant
        self._cost = cost
        self._open = held
        self._token = token  # a remote store's reservation
        self._written: float | None = None

    @property
    def grant(self) -> float:
        """The clock time the slot was granted."""
        return self._grant

    @property
    def was_written(self) -> bool:
        """True once :meth:`written` was called."""
        return self._written is not None

    def written(self) -> None:
        """The request starts being written now; the starts stay held until :meth:`commit`."""
        if self._written is None:
            self._written = self._limiter._clock.now()

    def commit(self) -> None:
        """The request was answered (or is written, if no answer will be awaited): date it.

        The starts are dated at ``now`` less the tightest margin's seconds, but
        never before the write: each window (lengthened by its margin) then
        ends at least one ``period`` after now. Idempotent.
        """
        if self._open:
            self._open = False
            limiter = self._limiter
            if self._token is not None:
                typing.cast(typing.Any, limiter._remote).commit_held(self._token)
                return
            at = limiter._clock.now()
            if self._written is not None:
                at = max(self._written, at - limiter._answer_slack)
            limiter._store.commit(self._grant, self._cost, at)  # type: ignore[attr-defined]

    def release(self) -> None:
        """The request was never written: give the starts back (idempotent)."""
        if self._open:
            self._open = False
            if self._token is not None:
                typing.cast(typing.Any, self._limiter._remote).release_held(self._token)
                return
            self._limiter._store.release_held(self._grant, self._cost)  # type: ignore[attr-defined]


def _margins(rate: RateLimit) -> list[float]:
    return [rate.period * rate.margin] + [m for extra in rate.extra for m in _margins(extra)]


_shared: dict[tuple[str, str, str | None, RateLimit], Limiter] = {}
_shared_lock = threading.Lock()


@in_child
def _after_fork_in_child() -> None:
    global _shared_lock
    _shared_lock = threading.Lock()


def shared_limiter(
    provider: str, origin: str, credential: str | None, rate: RateLimit | None
) -> Limiter | None:
    """The process-wide limiter for one provider, origin, credential and rate.

    Every client using the same API key against the same server shares one
    budget, whichever loop or thread it runs on. Returns ``None`` when ``rate``
    is ``None`` (no client-side limit). Only a SHA-256 of the credential is kept.
    """
    if rate is None:
        return None
    digest = None if credential is None else hashlib.sha256(credential.encode()).hexdigest()
    key = (provider, origin, digest, rate)
    with _shared_lock:
        limiter = _shared.get(key)
        if limiter is None:
            limiter = _shared[key] = Limiter(rate)
        return limiter


def _reset_shared_limiters() -> None:
    """Forget every shared limiter (for tests)."""
    with _shared_lock:
        _shared.clear()
