"""Where a limiter keeps its starts: the store protocols and the in-process store.

A :class:`~labelkit._ratelimit.Limiter` asks its store for grants; the store
owns the log of starts (and the held ones) that every window is counted over.
:class:`InMemoryStore` serves one process; ``labelkit._ratelimit_redis``
serves many.
"""

from __future__ import annotations

import bisect
import collections
import math
import threading
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from ._fork import reset_in_child

__all__ = ["AsyncLimiterStore", "InMemoryStore", "LimiterStore"]


class LimiterStore(Protocol):
    """Where a limiter's reservations and cooldown live; every method is atomic.

    The in-process default is :class:`InMemoryStore`; a multi-process store
    (Redis, SQLite) implements the same four methods.
    """

    def reserve(self, now: float, windows: Sequence[tuple[int, float]], cost: int) -> float:
        """Book ``cost`` starts at the earliest time allowed and return that time.

        The time is at least ``now``, the cooldown end and every earlier grant,
        and leaves at most ``calls`` starts in any ``period`` for each window.
        A store that also holds starts (:meth:`InMemoryStore.hold`) counts them
        too, and returns ``math.inf`` without booking while they alone leave no
        room: the caller asks again later.
        """
        ...

    def release(self, grant: float, cost: int) -> None:
        """Give back a reservation made by :meth:`reserve` that will not be used."""
        ...

    def pause_until(self, t: float) -> None:
        """Grant nothing before ``t``; a cooldown never moves backwards."""
        ...

    def cooldown_until(self) -> float:
        """The end of the current cooldown (``-inf`` if there never was one)."""
        ...


@runtime_checkable
class AsyncLimiterStore(Protocol):
    """A store outside the process (such as Redis), shared by every process using it.

    Reached with I/O, so the booking methods are async. Its times are on the
    store's own clock, which all its users agree on; the limiter never compares
    them with its own clock, it only sleeps for the durations returned.
    """

    async def areserve(
        self, windows: Sequence[tuple[int, float]], cost: int
    ) -> tuple[object, float] | None:
        """Book ``cost`` starts as :meth:`LimiterStore.reserve` does, at the store's now.

        Returns a token naming the reservation and the seconds until its grant;
        ``None`` (nothing booked) while starts held by requests in flight alone
        fill a window.
        """
        ...

    async def aconfirm(self, token: object) -> bool:
        """At the grant: True if no cooldown began since; else release it and return False."""
        ...

    async def arelease(self, token: object) -> None:
        """Give back a reservation that will not be used."""
        ...

    def pause_for(self, seconds: float) -> None:
        """Grant nothing for the next ``seconds``; must not block (called on event loops)."""
        ...


class InMemoryStore:
    """A :class:`LimiterStore` for one process: a sorted log of grant times under a lock.

    A forked child starts from a copy of the parent's log and cooldown (the
    starts before the fork did reach the server), then each process counts
    only its own starts: share one budget among processes with a
    :class:`~labelkit.ratelimit.RedisStore`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Grant times, non-decreasing; may lie in the future (booked by sleeping waiters).
        self._log: collections.deque[float] = collections.deque()
        # Grants whose request has not been written yet (see hold / commit).
        self._held: collections.deque[float] = collections.deque()
        self._cooldown = -math.inf
        reset_in_child(self)

    def _after_fork_in_child(self) -> None:
        # The lock may have been held by a thread that does not exist here, and
        # held starts belong to the parent's requests, which no one here will
        # commit: count them as sent at their grant.
        self._lock = threading.Lock()
        for grant in self._held:
            bisect.insort(self._log, grant)
        self._held.clear()

    def reserve(self, now: float, windows: Sequence[tuple[int, float]], cost: int) -> float:
        """See :meth:`LimiterStore.reserve`; held starts count (``math.inf``: no room yet)."""
        with self._lock:
            grant = self._earliest(now, windows, cost)
            if grant != math.inf:
                self._log.extend([grant] * cost)
            return grant

    def _earliest(self, now: float, windows: Sequence[tuple[int, float]], cost: int) -> float:
        """The earliest grant for ``cost`` more starts (``math.inf`` while held starts
        alone fill a window); the caller holds the lock."""
        log, held = self._log, self._held
        longest = max(period for _, period in windows)
        while log and log[0] + longest <= now:
            log.popleft()
        grant = max(now, self._cooldown, log[-1] if log else now, held[-1] if held else now)
        for calls, period in windows:
            # Room for `cost` more starts in (grant - period, grant]: with every
            # held start counted as the latest, the (calls - held - cost + 1)-th
            # latest logged start must be a full period back.
            back = calls - len(held) - cost + 1
            if back <= 0:
                return math.inf
            if len(log) >= back:
                grant = max(grant, log[-back] + period)
        return grant

    def release(self, grant: float, cost: int) -> None:
        """See :meth:`LimiterStore.release`."""
        with self._lock:
            for _ in range(cost):
                try:
                    self._log.remove(grant)
                except ValueError:  # already purged as too old to matter
                    break

    def hold(self, now: float, windows: Sequence[tuple[int, float]], cost: int) -> float | None:
        """Like :meth:`reserve`, but the starts are *held* until :meth:`commit` dates them.

        A held start counts in every window (its request may reach the server
        at any time until it is committed), so ``None`` is returned while held
        starts alone leave no room; ask again after a commit.
        """
        with self._lock:
            grant = self._earliest(now, windows, cost)
            if grant == math.inf:
                return None
            self._held.extend([grant] * cost)
            return grant

    def commit(self, grant: float, cost: int, at: float) -> None:
        """Date held starts at ``at`` (when their request was written), not at ``grant``."""
        log, held = self._log, self._held
        when = max(at, grant)
        with self._lock:
            for _ in range(cost):
                try:
                    held.remove(grant)
                except ValueError:
                    return
                if not log or log[-1] <= when:
                    log.append(when)
                else:
                    log.insert(bisect.bisect_right(log, when), when)

    def release_held(self, grant: float, cost: int) -> None:
        """Give back held starts whose request was never written."""
        with self._lock:
            for _ in range(cost):
                try:
                    self._held.remove(grant)
                except ValueError:
                    return

    def pause_until(self, t: float) -> None:
        """See :meth:`LimiterStore.pause_until`."""
        with self._lock:
            self._cooldown = max(self._cooldown, t)

    def cooldown_until(self) -> float:
        """See :meth:`LimiterStore.cooldown_until`."""
        with self._lock:
            return self._cooldown
