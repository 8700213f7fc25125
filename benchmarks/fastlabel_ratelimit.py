"""Benchmark 2: FastLabel creates under a compressed rate limit, labelkit vs the README pattern.

The FastLabel emulator (its own process, 20 ms latency) enforces ``calls``
per ``period`` seconds (500 per 10 s, a compressed stand-in for FastLabel's
documented 10,000 per 600 s) as an exact sliding window per token, 429 with
``Retry-After`` beyond it. ``AsyncFastLabel(rate_limit=RateLimit(calls,
period))`` (default 2 % margin) creates ``requests`` image tasks through
``bulk_create`` (16 in flight). The project is created with a second token,
so the server's window holds nothing but the measured creates.

Every HTTP attempt is recorded by the client's transport (as in the RedFlag
rate-limit benchmark), so the 429s are counted exactly; utilisation is the
same bounded figures, on the times the requests began to be written:
``(n - calls) / (t_last - t_first)`` over ``calls / period``, and the same
timed from the ``calls``-th send ("steady"), on which the goal is read: the
first window is a free burst that takes time to send, which the first figure
counts as lost.

The comparison row is the pattern of the official SDK's README (a
``time.sleep(1)`` between calls; the SDK itself has no limiter):
``official_calls`` creates with ``fastlabel.Client``, against a second
emulator process with the same limit. Its rate is measured on those few
calls, not on 2,000 (that would take over half an hour).
"""

from __future__ import annotations

import pathlib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio
import httpx

import labelkit
from labelkit.fastlabel import AsyncFastLabel

from ._media import write_png
from ._sdk import FASTLABEL_TOKEN, fastlabel_project, official_fastlabel, sdk_version
from ._server import emulator_process
from .ratelimit import (
    GOAL_UTILISATION,
    Attempt,
    _RecordingTransport,
    burst_ceiling,
    max_in_window,
    utilisation,
)

__all__ = ["GOAL_UTILISATION", "FastLabelRateResult", "OfficialPattern", "run"]

CONCURRENCY = 16
SETUP_TOKEN = "setup-token"
#: FastLabel's documented limit, for the official pattern's share of it.
DOCUMENTED = (10_000, 600.0)


@dataclass(frozen=True)
class OfficialPattern:
    """``calls`` creates with ``time.sleep(1)`` between them."""

    calls: int
    ok: int
    starts: list[float]
    count_429: int

    @property
    def rate(self) -> float:
        """Steady creates per second: ``(n - 1) / (t_last_start - t_first_start)``."""
        return (len(self.starts) - 1) / (self.starts[-1] - self.starts[0])


@dataclass(frozen=True)
class FastLabelRateResult:
    """What the FastLabel rate-limit benchmark measured."""

    requests: int
    concurrency: int
    calls: int
    period: float
    margin: float
    latency: float
    attempts: list[Attempt]
    ok: int
    failed: int
    finished: float
    official: OfficialPattern | None
    notes: list[str]

    @property
    def allowed_rate(self) -> float:
        """The server's limit in requests per second."""
        return self.calls / self.period

    @property
    def count_429(self) -> int:
        """429 responses sent to labelkit."""
        return sum(1 for a in self.attempts if a.status == 429)

    @property
    def utilisation(self) -> float:
        """Achieved over allowed rate after the free first window (at most 1)."""
        return utilisation([a.sent for a in self.attempts], self.calls, self.period)

    @property
    def steady_utilisation(self) -> float:
        """The same, timed from the ``calls``-th start."""
        return utilisation([a.sent for a in self.attempts], self.calls, self.period, steady=True)

    @property
    def elapsed(self) -> float:
        """First start to last response."""
        return self.finished - min(a.start for a in self.attempts)

    @property
    def max_in_window(self) -> int:
        """The most accepted starts in any window."""
        return max_in_window([a.sent for a in self.attempts if a.status != 429], self.period)

    @property
    def first_burst(self) -> float:
        """Seconds from the first send to the ``calls``-th send."""
        sent = sorted(a.sent for a in self.attempts)
        return sent[min(self.calls, len(sent)) - 1] - sent[0]

    @property
    def burst_ceiling(self) -> float:
        """The best :attr:`utilisation` a perfect limiter could show after this first burst."""
        return burst_ceiling([a.sent for a in self.attempts], self.calls, self.period, self.margin)

    @property
    def ceiling(self) -> float:
        """``1 / (1 + margin)``."""
        return 1.0 / (1.0 + self.margin)


def _official(
    url: str, image: str, calls: int, progress: Callable[[str], object]
) -> OfficialPattern:
    project = fastlabel_project(url, "official", token=SETUP_TOKEN)
    client = official_fastlabel(url)
    progress(f"  fastlabel ratelimit: official pattern, {calls} creates, 1 s sleep between ...")
    ok = count_429 = 0
    starts: list[float] = []
    for i in range(calls):
        if i:
            time.sleep(1)
        starts.append(time.monotonic())
        try:
            client.create_image_task(project=project, name=f"o-{i}.png", file_path=image)
            ok += 1
        except Exception as exc:  # the SDK raises FastLabelInvalidException on a 429
            if getattr(exc, "status_code", None) == 429:
                count_429 += 1
            else:
                raise
    return OfficialPattern(calls, ok, starts, count_429)


async def _labelkit(
    api: str, project: str, image: str, requests: int, limit: labelkit.RateLimit
) -> tuple[list[Attempt], int, int, float]:
    attempts: list[Attempt] = []
    transport = _RecordingTransport(
        attempts, limits=httpx.Limits(max_connections=64, max_keepalive_connections=64)
    )
    ok = failed = 0
    async with AsyncFastLabel(
        FASTLABEL_TOKEN, base_url=api, rate_limit=limit, transport=transport
    ) as client:
        items = ({"name": f"lk-{i}.png", "file_path": image} for i in range(requests))
        async with client.bulk_create("image", project, items, concurrency=CONCURRENCY) as run:
            async for outcome in run:
                if outcome.ok:
                    ok += 1
                else:
                    failed += 1
        finished = time.monotonic()
    return attempts, ok, failed, finished


def run(
    *,
    requests: int = 2000,
    calls: int = 500,
    period: float = 10.0,
    latency: float = 0.02,
    official_calls: int = 10,
    progress: Callable[[str], object] = print,
) -> FastLabelRateResult:
    """Run benchmark 2; see the module docstring."""
    limit = labelkit.RateLimit(calls, period)
    options = {"tokens": [FASTLABEL_TOKEN, SETUP_TOKEN]}
    notes: list[str] = []
    official: OfficialPattern | None = None
    with tempfile.TemporaryDirectory() as tmp:
        image = str(write_png(pathlib.Path(tmp) / "tiny.png"))
        if sdk_version("fastlabel") and official_calls > 1:
            with emulator_process(
                "fastlabel", latency=latency, rate_limit=f"{calls}/{period:g}", options=options
            ) as url:
                official = _official(url, image, official_calls, progress)
        elif official_calls > 1:
            notes.append("fastlabel is not installed: the official pattern row was skipped.")
        with emulator_process(
            "fastlabel", latency=latency, rate_limit=f"{calls}/{period:g}", options=options
        ) as url:
            project = fastlabel_project(url, "bulk", token=SETUP_TOKEN)
            progress(
                f"  fastlabel ratelimit: labelkit bulk_create, {requests} creates, "
                f"{CONCURRENCY} in flight, server limit {calls}/{period:g}s ..."
            )
            attempts, ok, failed, finished = anyio.run(
                _labelkit, url + "/v1/", project, image, requests, limit
            )
    result = FastLabelRateResult(
        requests=requests,
        concurrency=CONCURRENCY,
        calls=calls,
        period=period,
        margin=limit.margin,
        latency=latency,
        attempts=attempts,
        ok=ok,
        failed=failed,
        finished=finished,
        official=official,
        notes=notes,
    )
    progress(
        f"  fastlabel ratelimit: utilisation {result.utilisation:.3f} "
        f"(steady {result.steady_utilisation:.3f}), 429s {result.count_429}, "
        f"elapsed {result.elapsed:.1f}s"
        + (f"; official pattern {official.rate:.2f}/s" if official else "")
    )
    return result


if __name__ == "__main__":
    run(requests=700, official_calls=3)
