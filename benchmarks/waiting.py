"""Benchmark 4: waiting for 1,000 CloudSight jobs, labelkit ``wait_many`` vs a ``wait()`` loop.

The CloudSight emulator (its own process, ``python -m benchmarks._serve``)
finishes each job ``processing_time`` + a per-job extra drawn uniformly from
``[0, spread)`` (seeded) after its creation: 4 to 12 s by default. It
reports every job's creation and completion time on ``/__bench__/jobs`` as
``time.monotonic()``, which is system-wide, so the client compares them with
its own clock.

labelkit: ``jobs`` remote image requests are submitted (``client.bulk``, 16
in flight); then one ``AsyncCloudSight.wait_many(tokens)`` (the default
policy: CloudSight's documented cadence, first poll 4 s after the wait
starts, then every second, jittered by 10 %) waits for all of them. Its
polls are counted by its transport. Reported: wall time from the start of
the wait to the last outcome, how long after the slowest job's completion
that was, each job's delay between its completion and its outcome, and the
number of polls against two references: the documented cadence run exactly
(no jitter, each job from the start of the wait: ``1 + ceil(done - start - 4)``
polls, at least 1) and the absolute minimum (one poll per job).

Official: ``official_jobs`` jobs submitted with ``remote_image_request`` and
waited for one by one with ``API.wait(token)``, polls counted by wrapping
``API.image_response``; against a second emulator process with the same
spread and seed. ``wait()`` sleeps 4 s before its first poll, every time,
so 1,000 jobs in such a loop take at least 4,000 s: that bound is reported
rather than measured.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
import httpx

from labelkit.cloudsight import AsyncCloudSight

from ._sdk import CLOUDSIGHT_KEY, official_cloudsight, sdk_version
from ._server import emulator_process
from .ratelimit import Attempt, _RecordingTransport

__all__ = ["GOAL_LAG", "GOAL_POLL_RATIO", "OfficialWait", "WaitResult", "run"]

GOAL_LAG = 1.5
GOAL_POLL_RATIO = 1.2
SUBMIT_CONCURRENCY = 16
INITIAL_DELAY = 4.0
INTERVAL = 1.0


def ideal_polls(done: float, start: float) -> int:
    """Polls of the documented cadence, run exactly from ``start``, until a job done at ``done``."""
    return 1 + max(0, math.ceil(done - start - INITIAL_DELAY - 1e-9))


@dataclass(frozen=True)
class OfficialWait:
    """The official ``wait()`` loop over a few jobs."""

    jobs: int
    wall: float
    polls: int
    ideal_polls: int
    slowest: float  # seconds from the start of the wait to the slowest job's completion

    @property
    def lower_bound_1000(self) -> float:
        """Seconds 1,000 jobs take at least in the loop: each ``wait()`` first sleeps 4 s."""
        return 1000 * INITIAL_DELAY


@dataclass
class WaitResult:
    """Everything benchmark 4 measured."""

    jobs: int
    processing_time: float
    spread: float
    submit_seconds: float
    wall: float  # start of the wait to the last outcome
    slowest: float  # start of the wait to the slowest job's completion
    polls: int
    ideal_polls: int
    ok: int
    failed: int
    delays: list[float]  # per job: outcome time minus completion time
    official: OfficialWait | None
    notes: list[str] = field(default_factory=list)

    @property
    def lag(self) -> float:
        """How long after the slowest job's completion the last outcome came."""
        return self.wall - self.slowest

    @property
    def poll_ratio(self) -> float:
        """Polls over the documented cadence's."""
        return self.polls / self.ideal_polls

    @property
    def delay_median_max(self) -> tuple[float, float]:
        """Median and maximum of the per-job delays."""
        return statistics.median(self.delays), max(self.delays)


def _jobs(url: str) -> dict[str, tuple[float, float]]:
    """token -> (created, done) as this machine's ``time.monotonic()``."""
    body = httpx.get(url + "/__bench__/jobs").json()
    return {row["token"]: (row["created"], row["done"]) for row in body["jobs"]}


async def _labelkit(url: str, jobs: int) -> tuple[float, float, list[Attempt], dict[str, float]]:
    async with AsyncCloudSight(CLOUDSIGHT_KEY, base_url=url) as client:
        started = time.monotonic()
        images = (f"https://example.com/images/{i}.jpg" for i in range(jobs))
        tokens: list[str] = []
        async with client.bulk(
            client.remote_image_request, images, concurrency=SUBMIT_CONCURRENCY
        ) as submitted:
            async for outcome in submitted:
                tokens.append(outcome.unwrap().token)
        submit_seconds = time.monotonic() - started
    attempts: list[Attempt] = []
    transport = _RecordingTransport(
        attempts, limits=httpx.Limits(max_connections=64, max_keepalive_connections=64)
    )
    finished: dict[str, float] = {}
    async with AsyncCloudSight(CLOUDSIGHT_KEY, base_url=url, transport=transport) as client:
        wait_start = time.monotonic()
        async with client.wait_many(tokens) as outcomes:
            async for outcome in outcomes:
                finished[outcome.item] = time.monotonic() if outcome.ok else math.nan
    return submit_seconds, wait_start, attempts, finished


def _official(url: str, jobs: int) -> OfficialWait:
    api = official_cloudsight(url)
    tokens = [
        api.remote_image_request(f"https://example.com/images/{i}.jpg")["token"]
        for i in range(jobs)
    ]
    polls = 0
    poll = api.image_response

    def counted(token: str) -> object:
        nonlocal polls
        polls += 1
        return poll(token)

    api.image_response = counted
    started = time.monotonic()
    for token in tokens:
        api.wait(token)
    wall = time.monotonic() - started
    done = _jobs(url)
    # Each wait() starts when the previous one returned; the reference cadence is
    # run from the start of the loop for every job (what a parallel waiter could do).
    ideal = sum(ideal_polls(done[t][1], started) for t in tokens)
    return OfficialWait(jobs, wall, polls, ideal, max(done[t][1] for t in tokens) - started)


def run(
    *,
    jobs: int = 1000,
    processing_time: float = 4.0,
    spread: float = 8.0,
    official_jobs: int = 8,
    seed: int = 7,
    progress: Callable[[str], object] = print,
) -> WaitResult:
    """Run benchmark 4; see the module docstring."""
    options = {"processing_time_spread": spread}
    notes: list[str] = []
    official: OfficialWait | None = None
    if official_jobs > 0 and sdk_version("cloudsight"):
        with emulator_process(
            "cloudsight", processing_time=processing_time, seed=seed, options=options
        ) as url:
            progress(f"  waiting: official wait() loop over {official_jobs} jobs ...")
            official = _official(url, official_jobs)
            progress(
                f"  waiting: official {official.wall:.1f}s, {official.polls} polls "
                f"(cadence {official.ideal_polls})"
            )
    elif official_jobs > 0:
        notes.append("cloudsight is not installed: the official row was skipped.")
    with emulator_process(
        "cloudsight", processing_time=processing_time, seed=seed, options=options
    ) as url:
        progress(
            f"  waiting: labelkit wait_many over {jobs} jobs "
            f"({processing_time:g} to {processing_time + spread:g} s) ..."
        )
        submit_seconds, wait_start, attempts, finished = anyio.run(_labelkit, url, jobs)
        done = _jobs(url)
    end = max(v for v in finished.values() if not math.isnan(v))
    ok = sum(1 for v in finished.values() if not math.isnan(v))
    result = WaitResult(
        jobs=jobs,
        processing_time=processing_time,
        spread=spread,
        submit_seconds=submit_seconds,
        wall=end - wait_start,
        slowest=max(d for _, d in done.values()) - wait_start,
        polls=len(attempts),
        ideal_polls=sum(ideal_polls(d, wait_start) for _, d in done.values()),
        ok=ok,
        failed=len(finished) - ok,
        delays=[t - done[k][1] for k, t in finished.items() if not math.isnan(t)],
        official=official,
        notes=notes,
    )
    median_delay, max_delay = result.delay_median_max
    progress(
        f"  waiting: labelkit {result.wall:.2f}s (slowest job {result.slowest:.2f}s, "
        f"lag {result.lag:.2f}s), {result.polls} polls (cadence {result.ideal_polls}, "
        f"x{result.poll_ratio:.2f}), per-job delay median {median_delay:.2f}s max {max_delay:.2f}s"
    )
    return result


if __name__ == "__main__":
    run(jobs=300, official_jobs=2)
