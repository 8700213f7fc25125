"""Small value classes that configure a client: timeouts, retries, rate limits, polling.

All are frozen attrs classes, so one instance can be shared by many clients and
threads, and ``attrs.evolve`` makes a modified copy.
"""

from __future__ import annotations

import math

import attrs

__all__ = ["PollPolicy", "RateLimit", "RetryPolicy", "Timeout"]


def _non_negative(_inst: object, attribute: attrs.Attribute[float], value: float | None) -> None:
    if value is not None and (not math.isfinite(value) or value < 0):
        raise ValueError(f"{attribute.name} must be a finite number >= 0, got {value!r}")


def _positive(_inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{attribute.name} must be a finite number > 0, got {value!r}")


@attrs.frozen
class Timeout:
    """Timeouts in seconds; ``None`` disables one.

    ``connect``, ``read``, ``write`` and ``pool`` apply to each HTTP attempt.
    ``total`` is the overall deadline of one call: every attempt, backoff sleep
    and retry wait fits inside it. The first wait for a client-side rate-limit
    slot is not counted (that is the client pacing itself, not the server being
    slow).

    Usage::

        Timeout()                       # connect 5 s, read/write 60 s, total 300 s
        Timeout(read=120, total=None)   # slow endpoint, no overall deadline
        Timeout.of(10)                  # every phase and the whole call: 10 s
    """

    connect: float | None = attrs.field(default=5.0, validator=_non_negative)
    read: float | None = attrs.field(default=60.0, validator=_non_negative)
    write: float | None = attrs.field(default=60.0, validator=_non_negative)
    pool: float | None = attrs.field(default=60.0, validator=_non_negative)
    total: float | None = attrs.field(default=300.0, validator=_non_negative)

    @classmethod
    def of(cls, value: float | Timeout | None) -> Timeout:
        """Coerce a number (one limit for everything), ``None`` (no limits) or a Timeout."""
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(connect=None, read=None, write=None, pool=None, total=None)
        return cls(connect=value, read=value, write=value, pool=value, total=value)


@attrs.frozen
class RetryPolicy:
    """When and how long to wait before retrying.

    Backoff before retry ``n`` (0-based) is ``min(wait_max, wait_initial * 2**n)``
    scaled by a random factor in ``[1 - jitter, 1]``. A server's ``Retry-After``
    / ``retry-after-ms`` replaces the backoff when it is at most
    ``max_retry_after``; a longer one raises :class:`~labelkit.RateLimitError`
    at once instead of sleeping for minutes.
    """

    max_retries: int = attrs.field(default=2, validator=attrs.validators.ge(0))
    wait_initial: float = attrs.field(default=0.5, validator=_non_negative)
    wait_max: float = attrs.field(default=8.0, validator=_non_negative)
    jitter: float = attrs.field(
        default=0.25, validator=[attrs.validators.ge(0.0), attrs.validators.le(1.0)]
    )
    max_retry_after: float = attrs.field(default=120.0, validator=_non_negative)
    retry_statuses: frozenset[int] = frozenset({408, 425, 429, 500, 502, 503, 504})


@attrs.frozen
class RateLimit:
    """At most ``calls`` request starts in any sliding window of ``period`` seconds.

    ``margin`` lengthens the window by that fraction (default 2 %) so that
    network and clock jitter between us and the server never makes the server
    count ``calls + 1`` in its own window. ``extra`` adds more simultaneous
    limits, e.g. ``RateLimit(10000, 600, extra=(RateLimit(20, 1),))`` for
    "10,000 per 10 minutes and at most 20 per second".
    """

    calls: int = attrs.field(validator=attrs.validators.ge(1))
    period: float = attrs.field(validator=_positive)
    margin: float = attrs.field(
        default=0.02, validator=[attrs.validators.ge(0.0), attrs.validators.lt(1.0)]
    )
    extra: tuple[RateLimit, ...] = ()

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """``"100/5"`` (100 calls per 5 seconds); ``"10000/600+20/1"`` adds extra windows.

        Raises :class:`ValueError` saying what is expected.
        """
        limits: list[RateLimit] = []
        for part in text.split("+"):
            calls, sep, seconds = part.strip().partition("/")
            try:
                if not sep:
                    raise ValueError(part)
                limits.append(cls(int(calls), float(seconds)))
            except (TypeError, ValueError):
                raise ValueError(f"expected CALLS/SECONDS such as 100/5, got {text!r}") from None
        return attrs.evolve(limits[0], extra=tuple(limits[1:])) if len(limits) > 1 else limits[0]

    def windows(self) -> tuple[tuple[int, float], ...]:
        """Every ``(calls, effective_period)`` pair this limit enforces."""
        own = ((self.calls, self.period * (1.0 + self.margin)),)
        return own + tuple(w for r in self.extra for w in r.windows())


@attrs.frozen
class PollPolicy:
    """How a waiter polls a job.

    The first poll happens after ``initial_delay``; then the interval starts at
    ``interval`` and is multiplied by ``backoff`` after every poll, up to
    ``max_interval``, each sleep scaled by a random factor in
    ``[1 - jitter, 1 + jitter]``. ``timeout`` is the default deadline of a
    wait (``None`` waits forever).
    """

    initial_delay: float = attrs.field(default=1.0, validator=_non_negative)
    interval: float = attrs.field(default=1.0, validator=_positive)
    backoff: float = attrs.field(default=1.5, validator=attrs.validators.ge(1.0))
    max_interval: float = attrs.field(default=15.0, validator=_positive)
    jitter: float = attrs.field(
        default=0.1, validator=[attrs.validators.ge(0.0), attrs.validators.lt(1.0)]
    )
    timeout: float | None = attrs.field(default=600.0, validator=_non_negative)
