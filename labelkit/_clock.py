"""The clocks a :class:`~labelkit._ratelimit.Limiter` reads and sleeps on."""

from __future__ import annotations

import time
from typing import Protocol

import anyio

__all__ = ["AnyioClock", "Clock", "MonotonicClock"]


class Clock(Protocol):
    """A monotonic time source in seconds and a way to sleep until a time on it."""

    def now(self) -> float:
        """The current time."""
        ...

    async def sleep_until(self, deadline: float) -> None:
        """Return no earlier than ``deadline``; always a checkpoint."""
        ...


class MonotonicClock:
    """``time.monotonic()``: one timeline for every loop and thread of the process."""

    def now(self) -> float:
        """The current ``time.monotonic()``."""
        return time.monotonic()

    async def sleep_until(self, deadline: float) -> None:
        """Sleep on the current loop (any anyio backend) until ``deadline``."""
        # asyncio may fire a timer up to one clock tick (15 ms on Windows) early;
        # never start before the grant.
        while True:
            await anyio.sleep(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                return


class AnyioClock:
    """The running loop's clock (``anyio.current_time()``).

    Only valid when every user of the limiter runs on the same loop; meant for
    tests with a virtual clock such as ``trio.testing.MockClock``.
    """

    def now(self) -> float:
        """The current loop time."""
        return anyio.current_time()

    async def sleep_until(self, deadline: float) -> None:
        """Sleep until the loop time reaches ``deadline``."""
        while True:
            await anyio.sleep_until(deadline)
            if anyio.current_time() >= deadline:
                return
