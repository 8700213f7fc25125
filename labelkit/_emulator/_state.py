"""Emulator knobs, counters, the server-side rate limiter and the simulated clock."""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence

import attrs

from .._config import RateLimit

__all__ = [
    "EmulatorConfig",
    "EmulatorStats",
    "SimClock",
    "SlidingWindowLimiter",
    "check_status",
]


def _non_negative(_inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{attribute.name} must be a finite number >= 0, got {value!r}")


def _fraction(_inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value!r}")


def _server_error(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not 500 <= value <= 599:
        raise ValueError(f"{attribute.name} must be a 5xx status, got {value!r}")


def _before_time_scale_change(
    instance: EmulatorConfig, _attribute: attrs.Attribute[float], value: float
) -> float:
    for callback in instance._time_scale_listeners:
        callback(value)
    return value


@attrs.define
class EmulatorConfig:
    """Fault and timing knobs of an emulator; mutable, read on every request.

    - ``latency``: seconds added to every response.
    - ``rate_limit``: enforced per credential as an exact sliding window over
      request arrival times, using ``calls``/``period`` of the limit and of its
      ``extra`` limits (``margin`` is a client-side notion and is ignored).
      Over the limit → 429 with ``Retry-After`` (whole seconds, rounded up,
      until a slot frees). Rejected requests do not use up the window.
    - ``error_rate``: fraction of requests answered ``error_status`` before the
      handler runs (nothing is committed).
    - ``drop_rate``: fraction of requests whose handler runs and commits, and
      whose connection is then dropped without a response.
    - ``slow_rate`` / ``slow_delay``: fraction of requests delayed by an extra
      ``slow_delay`` seconds.
    - ``seed``: seeds the fault RNG (``None``: unpredictable) when the app is
      created, gets a new config, or is ``reset()``. Every admitted request
      draws three numbers, so the n-th request's faults depend only on the seed.
    - ``time_scale``: simulated seconds per real second for job progression
      (0 freezes the :class:`SimClock`; move it with ``advance``).
    - ``processing_time``: simulated seconds a job takes to finish (providers
      split it among their intermediate states).
    """

    latency: float = attrs.field(default=0.0, validator=_non_negative)
    rate_limit: RateLimit | None = None
    error_rate: float = attrs.field(default=0.0, validator=_fraction)
    error_status: int = attrs.field(default=500, validator=_server_error)
    drop_rate: float = attrs.field(default=0.0, validator=_fraction)
    slow_rate: float = attrs.field(default=0.0, validator=_fraction)
    slow_delay: float = attrs.field(default=2.0, validator=_non_negative)
    seed: int | None = None
    time_scale: float = attrs.field(
        default=1.0,
        validator=_non_negative,
        on_setattr=[attrs.setters.validate, _before_time_scale_change],
    )
    processing_time: float = attrs.field(default=1.5, validator=_non_negative)
    _time_scale_listeners: list[Callable[[float], None]] = attrs.field(
        factory=list, init=False, repr=False, eq=False
    )

    def on_time_scale_change(self, callback: Callable[[float], None]) -> None:
        """Call ``callback(new_value)`` just before ``time_scale`` changes (clocks use it)."""
        self._time_scale_listeners.append(callback)


def _arrival_log() -> deque[float]:
    return deque(maxlen=100_000)


@attrs.define
class EmulatorStats:
    """Counters of one emulator, updated as requests arrive and finish.

    ``statuses`` counts responses sent by status; ``paths`` counts requests by
    path, ``routes`` by ``"METHOD /template"``; ``arrivals`` holds the arrival
    times (the app's timer, by default ``time.monotonic``) of the last 100,000
    requests. ``in_flight`` goes up when a request arrives and down when its
    response has been sent (or the connection dropped).
    """

    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    rate_limited: int = 0
    errors_injected: int = 0
    drops: int = 0
    statuses: Counter[int] = attrs.Factory(Counter)
    paths: Counter[str] = attrs.Factory(Counter)
    routes: Counter[str] = attrs.Factory(Counter)
    arrivals: deque[float] = attrs.field(factory=_arrival_log, repr=False)

    def reset(self) -> None:
        """Zero every counter (``in_flight`` keeps counting requests still running)."""
        self.requests = self.rate_limited = self.errors_injected = self.drops = 0
        self.max_in_flight = self.in_flight
        self.statuses.clear()
        self.paths.clear()
        self.routes.clear()
        self.arrivals.clear()

    def max_in_window(self, period: float) -> int:
        """The most arrivals seen in any window ``(t - period, t]``."""
        times = sorted(self.arrivals)
        best = start = 0
        for end, arrival in enumerate(times):
            while times[start] <= arrival - period:
                start += 1
            best = max(best, end - start + 1)
        return best


class SlidingWindowLimiter:
    """Exact sliding-window admission per key, over accepted arrival times."""

    def __init__(self) -> None:
        self._logs: dict[tuple[str, float], deque[float]] = {}

    def admit(self, key: str, limit: RateLimit, now: float) -> float | None:
        """Record an arrival at ``now`` and return ``None``, or reject it and
        return the seconds until the window has room (nothing is recorded)."""
        windows: dict[float, int] = {}
        for calls, period in _windows(limit):
            windows[period] = min(calls, windows.get(period, calls))
        wait = 0.0
        logs = []
        for period, calls in windows.items():
            log = self._logs.setdefault((key, period), deque())
            horizon = now - period
            while log and log[0] <= horizon:
                log.popleft()
            if len(log) >= calls:
                wait = max(wait, log[-calls] + period - now)
            logs.append(log)
        if wait > 0:
            return wait
        for log in logs:
            log.append(now)
        return None

    def reset(self) -> None:
        """Forget every arrival."""
        self._logs.clear()


def _windows(limit: RateLimit) -> list[tuple[int, float]]:
    return [(limit.calls, limit.period)] + [w for extra in limit.extra for w in _windows(extra)]


class SimClock:
    """Simulated time for job progression: a scaled monotonic clock plus manual jumps.

    ``now()`` starts at 0 and advances ``speed`` simulated seconds per real
    second; ``advance(s)`` jumps ahead. ``speed`` may be a callable read on
    every call; whoever changes it should call :meth:`sync` with the new value
    first, or the time since the last call is counted at the new speed (an
    emulator does this for ``config.time_scale``).
    """

    def __init__(
        self,
        speed: float | Callable[[], float] = 1.0,
        *,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._timer = timer
        self._speed_source: Callable[[], float] = speed if callable(speed) else lambda: speed
        self._speed = self._speed_source()
        self._anchor = timer()
        self._base = 0.0

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return self._speed_source()

    @speed.setter
    def speed(self, value: float) -> None:
        self.sync(value)
        self._speed_source = lambda: value

    def sync(self, new_speed: float | None = None) -> None:
        """Account for the time elapsed so far at the current speed, then run at
        ``new_speed`` (default: what the speed source says now)."""
        real = self._timer()
        self._base += (real - self._anchor) * self._speed
        self._anchor = real
        self._speed = self._speed_source() if new_speed is None else new_speed

    def now(self) -> float:
        """Current simulated time in seconds."""
        if self._speed_source() != self._speed:
            self.sync()
        return self._base + (self._timer() - self._anchor) * self._speed

    def advance(self, seconds: float) -> None:
        """Jump ``seconds`` ahead."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._base += seconds


def check_status(status: str | None, statuses: Sequence[str]) -> None:
    """Check a status a test pins a stored job to against the emulator's ``statuses``.

    ``None`` (the job follows the clock again) passes; anything else not in
    ``statuses`` is a ``ValueError``, so a test cannot pin a state the API never has.
    """
    if status is not None and status not in statuses:
        raise ValueError(f"unknown status {status!r}; one of {', '.join(statuses)}")
