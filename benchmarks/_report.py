"""Markdown for the side-by-side benchmarks (1 to 6 of the issue): summary rows and sections."""

from __future__ import annotations

import math
from collections.abc import Sequence

from . import fastlabel_ratelimit, memory, sdk_overhead, throughput, waiting
from ._media import MiB

__all__ = [
    "fl_rate_section",
    "memory_section",
    "sdk_overhead_section",
    "summary_rows",
    "table",
    "throughput_section",
    "verdict",
    "waiting_section",
]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table, padded so that it also reads well as plain text."""
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [
        line(row) for row in rows
    ]


def verdict(ok: bool | None) -> str:
    """``meets``, ``MISSES`` or ``-`` (no goal)."""
    return "-" if ok is None else ("meets" if ok else "MISSES")


def _mib(value: float) -> str:
    return f"{value / MiB:.1f} MiB"


def _x(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}x"


# -- summary ----------------------------------------------------------------------------


def summary_rows(
    *,
    fl: throughput.ThroughputResult | None = None,
    fl_rate: fastlabel_ratelimit.FastLabelRateResult | None = None,
    mem: memory.MemoryResult | None = None,
    wait: waiting.WaitResult | None = None,
    sdk: sdk_overhead.SdkOverheadResult | None = None,
    scale: throughput.ThroughputResult | None = None,
) -> list[list[str]]:
    """Rows of the results table for benchmarks 1 to 6 (5's httpx rows come from overhead)."""
    rows: list[list[str]] = []
    if fl is not None:
        bulk = fl.speedup("bulk")
        rows.append(
            [
                "1 FastLabel creates: labelkit bulk (16 in flight) over official loop",
                _x(bulk),
                f">= {throughput.GOAL_SPEEDUP:g}x",
                verdict(None if bulk is None else bulk >= throughput.GOAL_SPEEDUP),
            ]
        )
        rows.append(
            [
                "1 FastLabel creates: labelkit sync loop over official loop",
                _x(fl.speedup("sync"), 2),
                "-",
                "-",
            ]
        )
    if fl_rate is not None:
        rows += [
            [
                "2 FastLabel rate limit: sustained utilisation (achieved / allowed, steady)",
                f"{fl_rate.steady_utilisation:.3f}",
                f">= {fastlabel_ratelimit.GOAL_UTILISATION}",
                verdict(fl_rate.steady_utilisation >= fastlabel_ratelimit.GOAL_UTILISATION),
            ],
            [
                "2 FastLabel rate limit: utilisation counting the first burst's duration",
                f"{fl_rate.utilisation:.3f}",
                f"- (ceiling {fl_rate.burst_ceiling:.3f})",
                "-",
            ],
            [
                "2 FastLabel rate limit: 429 responses",
                str(fl_rate.count_429),
                "0",
                verdict(fl_rate.count_429 == 0),
            ],
        ]
        if fl_rate.official is not None:
            share = fl_rate.official.rate / fl_rate.allowed_rate
            rows.append(
                [
                    "2 FastLabel rate limit: official pattern (1 s sleep) rate / allowed",
                    f"{share:.3f}",
                    "-",
                    "-",
                ]
            )
    if mem is not None:
        for kind in ("image", "video"):
            ours = mem.create("labelkit", kind)
            theirs = mem.create("official", kind)
            if ours is not None:
                size = f"{ours.file_size / MiB:.0f} MiB {kind}"
                rows.append(
                    [
                        f"3 memory: labelkit peak RSS growth, {size}",
                        _mib(ours.growth),
                        f"< {memory.GOAL_GROWTH / MiB:.0f} MiB",
                        verdict(ours.growth < memory.GOAL_GROWTH),
                    ]
                )
            if theirs is not None:
                size = f"{theirs.file_size / MiB:.0f} MiB {kind}"
                rows.append(
                    [
                        f"3 memory: official peak RSS growth, {size}",
                        f"{_mib(theirs.growth)} ({theirs.growth / theirs.file_size:.1f}x the file)",
                        "-",
                        "-",
                    ]
                )
        ours_import, theirs_import = mem.imported("labelkit"), mem.imported("fastlabel")
        if ours_import is not None and theirs_import is not None:
            rows.append(
                [
                    "3 import labelkit / import fastlabel: wall time, RSS",
                    f"{ours_import.seconds / theirs_import.seconds:.2f}x, "
                    f"{ours_import.rss_growth / theirs_import.rss_growth:.2f}x",
                    "-",
                    "-",
                ]
            )
    if wait is not None:
        rows += [
            [
                f"4 waiting, {wait.jobs} CloudSight jobs: last outcome after the slowest job",
                f"{wait.lag:.2f} s",
                f"<= {waiting.GOAL_LAG} s",
                verdict(wait.lag <= waiting.GOAL_LAG),
            ],
            [
                "4 waiting: polls over the documented cadence's",
                f"{wait.poll_ratio:.2f}x",
                f"<= {waiting.GOAL_POLL_RATIO}x",
                verdict(wait.poll_ratio <= waiting.GOAL_POLL_RATIO),
            ],
        ]
        if wait.official is not None:
            rows.append(
                [
                    f"4 waiting: official wait() loop, {wait.jobs} jobs (lower bound) / labelkit",
                    f">= {wait.official.lower_bound_1000 * wait.jobs / 1000 / wait.wall:.0f}x",
                    "-",
                    "-",
                ]
            )
    if sdk is not None:
        for p in sdk.providers:
            official_us, ours_us = p.cpu_us("official"), p.cpu_us("sync")
            if official_us is not None and ours_us is not None:
                rows.append(
                    [
                        f"5 CPU per request, {p.provider} {p.operation}: labelkit sync / official",
                        f"{ours_us / official_us:.2f}x ({ours_us:.0f} / {official_us:.0f} µs)",
                        "-",
                        "-",
                    ]
                )
    if scale is not None:
        rows.append(
            [
                "6 Scale creates: labelkit bulk (16 in flight) over official loop",
                _x(scale.speedup("bulk")),
                "-",
                "-",
            ]
        )
    return rows


# -- sections ---------------------------------------------------------------------------


def throughput_section(result: throughput.ThroughputResult) -> list[str]:
    """Table of one create benchmark (1 or 6)."""
    rows = []
    for c in result.contenders:
        rows.append(
            [
                c.title,
                f"{c.ok} / {c.calls}",
                f"{c.wall:.2f}",
                f"{c.rate:.1f}",
                f"{c.cpu:.2f}",
                f"{c.cpu / c.calls * 1e6:.0f}",
                _x(result.speedup(c.key)),
            ]
        )
    bulk = result.get("bulk")
    observation = []
    if bulk is not None and bulk.cpu > 0.8 * bulk.wall:
        observation = [
            f"Observation: the bulk run used {bulk.cpu:.2f} CPU s in {bulk.wall:.2f} wall s "
            f"({bulk.cpu / bulk.wall:.0%} of one core; the emulator runs on the other): the "
            "client's CPU per create, not the latency, set its rate. "
            f"{result.concurrency} in flight at {result.latency * 1000:.0f} ms could reach "
            f"{result.concurrency / result.latency:.0f}/s.",
            "",
        ]
    out = [
        f"{result.calls} `{result.operation}` calls per contender, emulator latency "
        f"{result.latency * 1000:.0f} ms, no rate limit; a few warm-up creates before each "
        "(not counted).",
        "",
        *table(
            ["contender", "ok", "wall s", "creates/s", "CPU s", "CPU µs/create", "vs official"],
            rows,
        ),
        "",
        *observation,
    ]
    return out + [f"Note: {n}" for n in result.notes] + ([""] if result.notes else [])


def fl_rate_section(result: fastlabel_ratelimit.FastLabelRateResult) -> list[str]:
    """Benchmark 2's table."""
    rows = [
        ["creates (ok / failed)", f"{result.ok} / {result.failed}"],
        [
            "server limit",
            f"{result.calls} per {result.period:g} s = {result.allowed_rate:g}/s, "
            f"latency {result.latency * 1000:.0f} ms",
        ],
        ["client limit", f"RateLimit({result.calls}, {result.period:g}), margin {result.margin}"],
        ["in flight", str(result.concurrency)],
        ["HTTP attempts", str(len(result.attempts))],
        ["429 responses", str(result.count_429)],
        [
            f"most accepted sends in any {result.period:g} s window",
            f"{result.max_in_window} (limit {result.calls})",
        ],
        ["elapsed (first start to last response)", f"{result.elapsed:.2f} s"],
        ["first burst: duration of the first `limit` sends", f"{result.first_burst:.2f} s"],
        [
            "steady utilisation (from the limit-th send; the goal)",
            f"{result.steady_utilisation:.3f}",
        ],
        ["utilisation (from the first send)", f"{result.utilisation:.3f}"],
        [
            "ceiling of the latter, given that first burst and the margin",
            f"{result.burst_ceiling:.3f}",
        ],
        ["ceiling with the margin, 1 / (1 + margin)", f"{result.ceiling:.3f}"],
        [
            "plain n / elapsed over the allowed rate",
            f"{result.ok / result.elapsed / result.allowed_rate:.3f}",
        ],
    ]
    official = result.official
    if official is not None:
        calls, period = fastlabel_ratelimit.DOCUMENTED
        rows += [
            [
                f"official pattern: {official.calls} creates, 1 s sleep between (ok / 429)",
                f"{official.ok} / {official.count_429}",
            ],
            [
                "official pattern: rate, share of the allowed rate",
                f"{official.rate:.3f}/s = {official.rate / result.allowed_rate:.3f}",
            ],
            [
                f"official pattern: share of the documented {calls:,} per {period:g} s",
                f"{official.rate / (calls / period):.3f}",
            ],
            [
                f"official pattern: time for {result.requests} creates at that rate",
                f"{result.requests / official.rate:.0f} s (labelkit: {result.elapsed:.0f} s)",
            ],
        ]
    out = [
        *table(["", "value"], rows),
        "",
        "The goal is read on the steady utilisation: the first window is a free burst, "
        f"and sending {result.calls} creates takes time however good the limiter is "
        f"({result.concurrency} in flight at {result.latency * 1000:.0f} ms latency cannot go "
        f"faster than {result.concurrency / result.latency:.0f}/s, and this machine's CPU "
        "is slower than that). Timed from the first start, that burst counts as lost "
        "time, so that figure is capped below 1 (ceiling shown) by the burst itself.",
        "",
    ]
    return out + [f"Note: {n}" for n in result.notes] + ([""] if result.notes else [])


def memory_section(result: memory.MemoryResult) -> list[str]:
    """Benchmark 3's tables."""
    rows = []
    for c in result.creates:
        rows.append(
            [
                c.title,
                f"create_{c.kind}_task",
                f"{c.file_size / MiB:.0f} MiB",
                _mib(c.growth),
                f"{c.growth / c.file_size:.2f}x",
                _mib(c.retained),
                f"{c.seconds:.2f}",
            ]
        )
    out = [
        "One create per fresh process, after a warm-up create of a tiny file with the same "
        "client; peak = the kernel's RSS high-water mark, reset just before the call.",
        "",
        *table(
            [
                "contender",
                "call",
                "file",
                "peak RSS growth",
                "of the file",
                "RSS kept after",
                "wall s",
            ],
            rows,
        ),
        "",
    ]
    if not all(c.peak_reset for c in result.creates):
        out += ["Note: the high-water mark could not be reset; a peak may predate its call.", ""]
    processes = len(result.imports[0].samples) if result.imports else 0
    rows = [
        [
            f"`import {i.module}`",
            f"{i.seconds * 1000:.0f}",
            _mib(i.rss_growth),
            ", ".join(f"{s * 1000:.0f}" for s in i.samples),
        ]
        for i in result.imports
    ]
    out += [
        f"Imports, each in a fresh process ({processes} processes per module, medians):",
        "",
        *table(["import", "wall ms", "RSS growth", "wall ms per process"], rows),
        "",
    ]
    return out + [f"Note: {n}" for n in result.notes] + ([""] if result.notes else [])


def waiting_section(result: waiting.WaitResult) -> list[str]:
    """Benchmark 4's table."""
    median_delay, max_delay = result.delay_median_max
    rows = [
        [
            "jobs (ok / failed)",
            f"{result.ok} / {result.failed}, done {result.processing_time:g} to "
            f"{result.processing_time + result.spread:g} s after creation",
        ],
        ["submitting them (client.bulk, 16 in flight)", f"{result.submit_seconds:.2f} s"],
        ["slowest job done, from the start of the wait", f"{result.slowest:.2f} s"],
        ["last outcome, from the start of the wait", f"{result.wall:.2f} s"],
        ["last outcome after the slowest job", f"{result.lag:.2f} s"],
        [
            "delay from a job's completion to its outcome, median / max",
            f"{median_delay:.2f} s / {max_delay:.2f} s",
        ],
        ["polls (GETs seen by the transport)", str(result.polls)],
        ["polls of the documented cadence run exactly", str(result.ideal_polls)],
        ["polls / cadence", f"{result.poll_ratio:.2f}"],
        ["polls / minimum (one per job)", f"{result.polls / result.jobs:.2f}"],
    ]
    official = result.official
    if official is not None:
        rows += [
            [
                f"official `wait()` loop over {official.jobs} jobs: wall, polls (cadence)",
                f"{official.wall:.2f} s, {official.polls} ({official.ideal_polls})",
            ],
            [
                f"official loop over {result.jobs} jobs, lower bound (4 s sleep per wait())",
                f"{official.lower_bound_1000 * result.jobs / 1000:.0f} s",
            ],
        ]
    out = [
        *table(["", "value"], rows),
        "",
        "All waits start together. The documented cadence is CloudSight's recommendation "
        "run exactly for each job from the start of the wait (first poll after 4 s, then "
        "one a second), which is what labelkit's default policy does with 10 % jitter; "
        "polls below it mean that polls came later than planned (the emulator, on the same "
        f"two cores, answers {result.jobs:,} pollers with a delay), which also shows in the "
        "completion-to-outcome delays. The official loop is measured on a few jobs only: "
        "each `wait()` sleeps 4 s before its first poll, so the loop over all jobs cannot "
        "take less than 4 s per job.",
        "",
    ]
    return out + [f"Note: {n}" for n in result.notes] + ([""] if result.notes else [])


def sdk_overhead_section(result: sdk_overhead.SdkOverheadResult) -> list[str]:
    """Benchmark 5's official SDK rows."""
    rows = []
    for p in result.providers:
        for key, title in sdk_overhead.VARIANTS.items():
            cpu, wall = p.cpu_us(key), p.wall_us(key)
            if cpu is None or wall is None:
                continue
            official = p.cpu_us("official")
            rows.append(
                [
                    p.provider,
                    p.operation,
                    title,
                    f"{cpu:.0f}",
                    f"{wall:.0f}",
                    "-" if official is None else f"{cpu / official:.2f}",
                ]
            )
    out = [
        f"{result.requests} reads per run, {result.repeat} interleaved repetitions, medians; "
        "zero-latency emulators in their own processes.",
        "",
        *table(
            ["provider", "call", "variant", "CPU µs/req", "wall µs/req", "CPU vs official"], rows
        ),
        "",
    ]
    return out + [f"Note: {n}" for n in result.notes] + ([""] if result.notes else [])
