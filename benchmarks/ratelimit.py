"""Benchmark 2: how much of a server's rate limit labelkit's limiter uses, without 429s.

The RedFlag emulator (a separate process, ``labelkit emulate redflag
--rate-limit 300/5``) enforces ``calls`` requests per ``period`` seconds per
credential: an exact sliding window over arrival times, 429 with
``Retry-After`` beyond it. labelkit, configured with the same
``RateLimit(calls, period)`` (default 2 % margin), sends ``requests`` GETs
with 64 in flight through ``client.bulk``.

Counting. The client is given a transport (``transport=``, an
``httpx.AsyncHTTPTransport`` subclass) that notes the start time and the
status of every HTTP attempt, so every response the server sends, 429s and
retried attempts included, is counted exactly once; nothing else goes through
that connection pool. ``labelkit.record_calls()`` gives the retries per call
as a cross-check.

Utilisation is read on the times each request began to be written (httpcore's
trace; the server counts a request no earlier), not on when it entered the
transport: the first burst opens 64 connections, and a request waiting for
its connection is not yet anything the server counts. The window allows a
burst, so the first ``calls`` requests are free and say nothing about the
limiter. After them, each further request has to wait for the window to
slide, so::

    steady = (n - calls) / (t_last - t_calls) / (calls / period)

is at most 1 for any schedule the server accepts when ``n`` is a multiple of
``calls`` (the default 1,200 is), and is the figure the goal is read on. The
same timed from the first send counts the first burst (``calls`` requests,
64 in flight, which takes a while) as lost time in every later window too,
since a sliding window makes each later window repeat the first one's
schedule; its ceiling for the measured burst (:func:`burst_ceiling`) is shown
next to it. With the 2 % margin the limiter's ceiling is ``1 / 1.02 = 0.980``.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import anyio
import httpx

import labelkit

from ._common import API_PREFIX, TOKEN, create_operation
from ._server import emulator_process

__all__ = [
    "GOAL_UTILISATION",
    "RateLimitResult",
    "burst_ceiling",
    "max_in_window",
    "run",
    "utilisation",
]

GOAL_UTILISATION = 0.97
CONCURRENCY = 64
MAX_CONNECTIONS = 64


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt as the client's transport saw it."""

    start: float
    end: float
    status: int | None  # None: no response (transport error)
    written: float | None = None  # when httpcore began writing the request

    @property
    def sent(self) -> float:
        """When the request began to be written (the entry time without httpcore's trace).

        The server counts the request no earlier than this; time spent before
        it, in the pool or connecting, the server never sees.
        """
        return self.start if self.written is None else self.written

    @property
    def queued(self) -> float:
        """Seconds from entering the transport to the request being written."""
        return (self.end if self.written is None else self.written) - self.start


_WRITE_STARTED = "http11.send_request_headers.started"


class _RecordingTransport(httpx.AsyncHTTPTransport):
    """Notes start, end, status and write time (httpcore trace) of every attempt."""

    def __init__(self, attempts: list[Attempt], *, limits: httpx.Limits) -> None:
        super().__init__(limits=limits)
        self._attempts = attempts

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        start = time.monotonic()
        status: int | None = None
        written: list[float] = []
        inner = request.extensions.get("trace")

        async def trace(name: str, info: dict[str, object]) -> None:
            if name == _WRITE_STARTED:
                written.append(time.monotonic())
            if inner is not None:
                await inner(name, info)

        request.extensions["trace"] = trace
        try:
            response = await super().handle_async_request(request)
            status = response.status_code
            return response
        finally:
            when = written[0] if written else None
            self._attempts.append(Attempt(start, time.monotonic(), status, when))


@dataclass(frozen=True)
class RateLimitResult:
    """What the rate-limit benchmark measured (times are ``time.monotonic()``)."""

    requests: int
    concurrency: int
    calls: int
    period: float
    margin: float
    backend: str
    attempts: list[Attempt]
    finished: float
    ok: int
    failed: int
    calls_retried: int
    retries: int

    @property
    def starts(self) -> list[float]:
        """Start time of every attempt, sorted."""
        return sorted(a.start for a in self.attempts)

    @property
    def count_429(self) -> int:
        """429 responses the server sent (every one reaches the transport)."""
        return sum(1 for a in self.attempts if a.status == 429)

    @property
    def allowed_rate(self) -> float:
        """The server's limit in requests per second."""
        return self.calls / self.period

    @property
    def ceiling(self) -> float:
        """The best utilisation the client limiter allows: ``1 / (1 + margin)``."""
        return 1.0 / (1.0 + self.margin)

    @property
    def sent(self) -> list[float]:
        """:attr:`Attempt.sent` of every attempt, sorted: the times utilisation is read on."""
        return sorted(a.sent for a in self.attempts)

    @property
    def utilisation(self) -> float:
        """``(n - calls) / (t_last_sent - t_first_sent)`` over the allowed rate."""
        return utilisation(self.sent, self.calls, self.period)

    @property
    def steady_utilisation(self) -> float:
        """The same, timed from the ``calls``-th send instead of the first (the goal)."""
        return utilisation(self.sent, self.calls, self.period, steady=True)

    @property
    def first_burst(self) -> float:
        """Seconds from the first send to the ``calls``-th send."""
        sent = self.sent
        return sent[min(self.calls, len(sent)) - 1] - sent[0]

    @property
    def burst_ceiling(self) -> float:
        """The best :attr:`utilisation` any limiter could show after this first burst."""
        return burst_ceiling(self.sent, self.calls, self.period, self.margin)

    @property
    def first_burst_latency(self) -> tuple[float, float]:
        """Median and maximum response time of the first ``calls`` attempts."""
        first = sorted(self.attempts, key=lambda a: a.start)[: self.calls]
        return _median_max([a.end - a.start for a in first])

    @property
    def first_burst_queued(self) -> tuple[float, float]:
        """Median and maximum of :attr:`Attempt.queued` over the first ``calls`` attempts."""
        first = sorted(self.attempts, key=lambda a: a.start)[: self.calls]
        return _median_max([a.queued for a in first])

    @property
    def first_429_at(self) -> float | None:
        """Seconds after the first start at which the first 429 was sent for."""
        starts = [a.start for a in self.attempts if a.status == 429]
        return min(starts) - self.starts[0] if starts else None

    @property
    def elapsed(self) -> float:
        """From the first attempt's start to the last response."""
        return self.finished - self.starts[0]

    @property
    def plain_rate(self) -> float:
        """``n / elapsed``, successful requests per second (the free first window included)."""
        return self.ok / self.elapsed

    @property
    def max_in_window(self) -> int:
        """The most attempts sent in any ``period`` window (429'd attempts excluded)."""
        return max_in_window([a.sent for a in self.attempts if a.status != 429], self.period)

    @property
    def meets_goal(self) -> bool:
        """Steady utilisation at least the goal and not a single 429."""
        return self.steady_utilisation >= GOAL_UTILISATION and self.count_429 == 0


def _median_max(values: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return ordered[len(ordered) // 2], ordered[-1]


def utilisation(
    starts: Sequence[float], calls: int, period: float, *, steady: bool = False
) -> float:
    """``(n - calls) / (t_n - t_1)`` (``t_calls`` instead of ``t_1`` if ``steady``)
    divided by ``calls / period``; ``nan`` when ``n <= calls``."""
    times = sorted(starts)
    n = len(times)
    if n <= calls:
        return float("nan")
    first = times[calls - 1] if steady else times[0]
    return (n - calls) / (times[-1] - first) / (calls / period)


def burst_ceiling(times: Sequence[float], calls: int, period: float, margin: float) -> float:
    """The best unsteady :func:`utilisation` of ``times`` given their first burst.

    Each later window can begin no sooner than ``period * (1 + margin)`` after
    its counterpart (the server's window, lengthened by the client's margin),
    so the last time is at least that many windows after the ``calls``-th,
    which is the first burst's duration after the first.
    """
    ordered = sorted(times)
    n = len(ordered)
    if n <= calls:
        return float("nan")
    burst = ordered[calls - 1] - ordered[0]
    span = (n - calls) / calls * period * (1 + margin) + burst
    return (n - calls) / span / (calls / period)


def max_in_window(times: Sequence[float], period: float) -> int:
    """The most of ``times`` inside any window ``(t - period, t]``."""
    ordered = sorted(times)
    return max(
        (i + 1 - bisect.bisect_right(ordered, t - period) for i, t in enumerate(ordered)),
        default=0,
    )


async def _client_run(
    api_root: str,
    operation_id: int,
    requests: int,
    concurrency: int,
    limit: labelkit.RateLimit,
    attempts: list[Attempt],
) -> tuple[float, int, int, int, int]:
    transport = _RecordingTransport(
        attempts,
        limits=httpx.Limits(
            max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
        ),
    )
    ok = failed = 0
    async with labelkit.AsyncRedFlag(
        TOKEN, base_url=api_root, rate_limit=limit, transport=transport
    ) as client:
        with labelkit.record_calls() as records:
            ids = [operation_id] * requests
            async with client.bulk(client.get_operation, ids, concurrency=concurrency) as run:
                async for outcome in run:
                    if outcome.ok:
                        ok += 1
                    else:
                        failed += 1
            finished = time.monotonic()
    retried = sum(1 for record in records if record.retries_taken)
    retries = sum(record.retries_taken for record in records)
    return finished, ok, failed, retried, retries


def run(
    *,
    requests: int = 1200,
    calls: int = 300,
    period: float = 5.0,
    concurrency: int = CONCURRENCY,
    backend: str = "asyncio",
    progress: Callable[[str], object] = print,
) -> RateLimitResult:
    """Send ``requests`` GETs through ``RateLimit(calls, period)`` to an emulator
    process enforcing ``calls`` per ``period``; see the module docstring."""
    limit = labelkit.RateLimit(calls, period)
    with emulator_process("redflag", rate_limit=f"{calls}/{period:g}") as url:
        api_root = url + API_PREFIX
        operation_id, _ = create_operation(api_root)
        # The setup requests count in the server's window: let it empty first.
        progress(f"  ratelimit: waiting {period:g}s for the setup requests to leave the window")
        time.sleep(period * (1 + limit.margin) + 0.2)
        progress(
            f"  ratelimit: {requests} GETs, {concurrency} in flight, "
            f"server limit {calls}/{period:g}s ({backend}) ..."
        )
        attempts: list[Attempt] = []
        finished, ok, failed, retried, retries = anyio.run(
            _client_run,
            api_root,
            operation_id,
            requests,
            concurrency,
            limit,
            attempts,
            backend=backend,
        )
    result = RateLimitResult(
        requests=requests,
        concurrency=concurrency,
        calls=calls,
        period=period,
        margin=limit.margin,
        backend=backend,
        attempts=attempts,
        finished=finished,
        ok=ok,
        failed=failed,
        calls_retried=retried,
        retries=retries,
    )
    progress(
        f"  ratelimit: steady utilisation {result.steady_utilisation:.3f} (from the first "
        f"send {result.utilisation:.3f}, ceiling {result.burst_ceiling:.3f}), "
        f"429s {result.count_429}, "
        f"elapsed {result.elapsed:.1f}s"
    )
    return result
