"""``python -m benchmarks``: run the benchmarks, print a table, rewrite benchmarks/README.md."""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import math
import os
import platform
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import labelkit

from . import (
    facade,
    fastlabel_ratelimit,
    memory,
    overhead,
    ratelimit,
    sdk_overhead,
    sidebyside,
    throughput,
    waiting,
)
from ._chart import CHART, draw
from ._report import (
    fl_rate_section,
    memory_section,
    sdk_overhead_section,
    summary_rows,
    table,
    throughput_section,
    verdict,
    waiting_section,
)
from ._report_perf import facade_section, perf_rows, sidebyside_section

README = Path(__file__).resolve().parent / "README.md"


# -- machine --------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        if package == "labelkit":
            return f"{labelkit.__version__} (not installed, from source)"
        return "not installed"


def _load() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


@dataclass
class Machine:
    """Where the numbers came from."""

    cpu: str = field(default_factory=_cpu_model)
    cores: str = ""
    python: str = f"{platform.python_implementation()} {platform.python_version()}"
    os: str = platform.platform()
    packages: str = ""
    official: str = ""
    load_before: str = field(default_factory=_load)
    load_after: str = ""

    def __post_init__(self) -> None:
        logical = os.cpu_count() or 0
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else logical
        self.cores = f"{logical} logical" + (f" ({usable} usable)" if usable != logical else "")
        self.packages = ", ".join(
            f"{name} {_version(name)}"
            for name in ("labelkit", "httpx", "httpcore", "anyio", "h11", "attrs", "cattrs", "trio")
        )
        self.official = ", ".join(
            f"{name} {_version(name)}"
            for name in ("fastlabel", "scaleapi", "cloudsight", "requests", "matplotlib")
        )


# -- formatting -----------------------------------------------------------------------


_table = table
_verdict = verdict


def _num(value: float, digits: int = 2) -> str:
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def _summary_rows(
    over: overhead.OverheadResult | None, rate: ratelimit.RateLimitResult | None
) -> list[list[str]]:
    rows: list[list[str]] = []
    if over is not None:
        for c in over.comparisons:
            goal = "-" if c.goal is None else f"<= {c.goal}"
            rows.append(
                [f"5 CPU ratio vs httpx: {c.title}", f"{c.ratio:.2f}", goal, _verdict(c.meets_goal)]
            )
    if rate is not None:
        rows += [
            [
                "2b RedFlag rate limit: steady utilisation, from the limit-th send",
                f"{rate.steady_utilisation:.3f}",
                f">= {ratelimit.GOAL_UTILISATION} (ceiling {rate.ceiling:.3f})",
                _verdict(rate.steady_utilisation >= ratelimit.GOAL_UTILISATION),
            ],
            [
                "2b RedFlag rate limit: 429 responses",
                str(rate.count_429),
                "0",
                _verdict(rate.count_429 == 0),
            ],
            [
                "2b RedFlag rate limit: utilisation counting the first burst's duration",
                f"{rate.utilisation:.3f}",
                f"- (ceiling {rate.burst_ceiling:.3f})",
                "-",
            ],
            [
                "2b RedFlag rate limit: plain n / elapsed over allowed rate",
                f"{rate.plain_rate / rate.allowed_rate:.3f}",
                "-",
                "-",
            ],
        ]
    return rows


def _overhead_section(result: overhead.OverheadResult) -> list[str]:
    rows = []
    for r in result.results.values():
        rows.append(
            [
                r.variant.title,
                f"{r.cpu:.3f}",
                f"{r.cpu_per_request_us:.0f}",
                f"{r.wall:.3f}",
                f"{r.requests_per_second:.0f}",
                ", ".join(f"{s.cpu:.2f}" for s in r.samples),
            ]
        )
    out = [
        f"{result.requests} GETs per run, {result.warmup} warm-up GETs before each run "
        f"(not measured), {result.repeat} interleaved repetitions, medians shown. "
        f"Response body: {result.body_bytes} bytes of JSON (a finished operation).",
        "",
        *_table(
            ["variant", "CPU s", "CPU µs/req", "wall s", "req/s", "CPU s per repetition"], rows
        ),
        "",
    ]
    rows = []
    for c in result.comparisons:
        rows.append(
            [
                c.title,
                f"{c.ratio:.2f}",
                ", ".join(f"{x:.2f}" for x in c.per_run_ratios),
                f"{c.labelkit.cpu_per_request_us - c.baseline.cpu_per_request_us:+.0f}",
                "-" if c.goal is None else f"<= {c.goal}",
                _verdict(c.meets_goal),
            ]
        )
    out += _table(
        ["comparison", "CPU ratio", "per repetition", "extra CPU µs/req", "goal", "verdict"], rows
    )
    out += [""] + [f"Note: {note}" for note in result.notes]
    return out


def _ratelimit_section(result: ratelimit.RateLimitResult, title: str) -> list[str]:
    median_latency, max_latency = result.first_burst_latency
    median_queued, max_queued = result.first_burst_queued
    first_429 = result.first_429_at
    rows = [
        ["GETs (ok / failed)", f"{result.ok} / {result.failed}"],
        ["in flight", str(result.concurrency)],
        ["server limit", f"{result.calls} per {result.period:g} s = {result.allowed_rate:g}/s"],
        ["client limit", f"RateLimit({result.calls}, {result.period:g}), margin {result.margin}"],
        ["HTTP attempts", str(len(result.attempts))],
        ["429 responses (counted at the transport)", str(result.count_429)],
        [
            "calls retried / retries (record_calls)",
            f"{result.calls_retried} / {result.retries}",
        ],
        ["first 429 sent for a request started at", _seconds(first_429)],
        ["first burst: duration of the first `limit` sends", f"{result.first_burst:.2f} s"],
        [
            "first burst: response time median / max",
            f"{median_latency:.3f} s / {max_latency:.3f} s",
        ],
        [
            "first burst: queued in httpx's pool (or connecting), median / max",
            f"{median_queued:.3f} s / {max_queued:.3f} s",
        ],
        [
            f"most accepted starts in any {result.period:g} s window",
            f"{result.max_in_window} (limit {result.calls})",
        ],
        ["elapsed (first start to last response)", f"{result.elapsed:.2f} s"],
        [
            "plain n / elapsed",
            f"{result.plain_rate:.1f}/s = {result.plain_rate / result.allowed_rate:.3f} x allowed",
        ],
        [
            "steady utilisation (from the limit-th send; the goal)",
            _num(result.steady_utilisation, 3),
        ],
        ["ceiling with the margin, 1 / (1 + margin)", f"{result.ceiling:.3f}"],
        ["utilisation (from the first send)", _num(result.utilisation, 3)],
        [
            "ceiling of the latter, given that first burst and the margin",
            _num(result.burst_ceiling, 3),
        ],
    ]
    out = [f"**{title}**", "", *_table(["", "value"], rows), ""]
    margin_s = result.margin * result.period
    if result.count_429 and max_latency > margin_s:
        out += [
            "Observation: during the first burst, requests spent up to "
            f"{max_latency:.2f} s (median {median_latency:.2f} s) between labelkit's transport "
            f"call and their response, {max_queued:.2f} s (median {median_queued:.2f} s) of it "
            "waiting in httpx's connection pool (or connecting) before being written, as "
            "httpcore's trace shows; the margin is "
            f"{result.margin:.0%} of {result.period:g} s = {margin_s:.2f} s. A slot freed "
            "later in the server's window than in the limiter's lets a request through "
            "too early; each 429 also pauses every caller for its `Retry-After` (whole "
            "seconds), which pulls utilisation down.",
            "",
        ]
    return out


def _seconds(value: float | None) -> str:
    return "none" if value is None else f"{value:.2f} s after the first start"


@dataclass
class SideBySide:
    """Results of the side-by-side benchmarks (1 to 6 of the issue); ``None``: not run."""

    fl: throughput.ThroughputResult | None = None
    fl_rate: fastlabel_ratelimit.FastLabelRateResult | None = None
    mem: memory.MemoryResult | None = None
    wait: waiting.WaitResult | None = None
    sdk: sdk_overhead.SdkOverheadResult | None = None
    scale: throughput.ThroughputResult | None = None
    bulk: sidebyside.BulkResult | None = None
    threads: facade.FacadeResult | None = None
    chart: str | None = None  # file name of the PNG next to the README
    chart_note: str = ""

    def rows(self) -> list[list[str]]:
        """Their rows of the results table."""
        import_ratio = None
        if self.mem is not None:
            ours, theirs = self.mem.imported("labelkit.fastlabel"), self.mem.imported("fastlabel")
            if ours is not None and theirs is not None:
                import_ratio = ours.seconds / theirs.seconds
        return perf_rows(self.bulk, self.threads, import_ratio) + summary_rows(
            fl=self.fl,
            fl_rate=self.fl_rate,
            mem=self.mem,
            wait=self.wait,
            sdk=self.sdk,
            scale=self.scale,
        )


def render_readme(
    *,
    machine: Machine,
    command: str,
    started: datetime.datetime,
    duration: float,
    over: overhead.OverheadResult | None,
    rates: Sequence[tuple[str, ratelimit.RateLimitResult]],
    side: SideBySide | None = None,
) -> str:
    """The whole benchmarks/README.md."""
    side = side or SideBySide()
    rate = rates[0][1] if rates else None
    lines = [
        "# labelkit benchmarks",
        "",
        "<!-- Generated by `python -m benchmarks`; every run rewrites this file. -->",
        "",
        f"Run on {started:%Y-%m-%d %H:%M} UTC, took {duration:.0f} s. "
        "Benchmarks report numbers; they never fail on a time. Every figure is a ratio or "
        "count measured in this run, against the same emulators, over loopback.",
        "",
        "Command, from the repository root (`nox -s bench` runs `python -m benchmarks`, "
        "plus any arguments given after `--`):",
        "",
        "```",
        command,
        "```",
        "",
        "## Machine",
        "",
        *_table(
            ["", ""],
            [
                ["CPU", machine.cpu],
                ["cores", machine.cores],
                ["Python", machine.python],
                ["OS", machine.os],
                ["packages", machine.packages],
                ["official SDKs and others", machine.official],
                ["load average (1/5/15 min) before", machine.load_before],
                ["load average (1/5/15 min) after", machine.load_after],
            ],
        ),
        "",
        "A load average above the core count means other processes competed for the CPU "
        "during the run; CPU-time ratios are then noisier (see the per-repetition values). "
        "The emulators run on the same two cores as the clients, so throughput and "
        "waiting figures are also bounded by how fast the emulator answers.",
        "",
        "## Results",
        "",
        *_table(
            ["measure", "measured", "goal", "verdict"],
            side.rows() + _summary_rows(over, rate),
        ),
        "",
    ]
    if side.chart:
        alt = "throughput, memory and waiting, labelkit vs the official SDKs"
        lines += [f"![{alt}]({side.chart})", ""]
    elif side.chart_note:
        lines += [f"No chart: {side.chart_note}", ""]
    if side.bulk is not None:
        lines += [
            "## 7. Bulk creates side by side: official SDK, httpx, aiohttp, the floor",
            "",
            *sidebyside_section(side.bulk),
        ]
    if side.threads is not None:
        lines += [
            "## 8. The sync facade from 1, 8 and 32 threads",
            "",
            *facade_section(side.threads),
        ]
    if side.fl is not None:
        lines += ["## 1. Bulk throughput: FastLabel creates", "", *throughput_section(side.fl)]
    if side.fl_rate is not None:
        lines += [
            "## 2. Rate-limit utilisation: FastLabel creates",
            "",
            *fl_rate_section(side.fl_rate),
        ]
    if rates:
        lines += ["## 2b. Rate-limit utilisation: RedFlag reads", ""]
        for title, result in rates:
            lines += _ratelimit_section(result, title)
    if side.mem is not None:
        lines += ["## 3. Memory and import cost", "", *memory_section(side.mem)]
    if side.wait is not None:
        lines += ["## 4. Waiting for CloudSight jobs", "", *waiting_section(side.wait)]
    if over is not None or side.sdk is not None:
        lines += ["## 5. Per-request overhead", ""]
    if over is not None:
        lines += ["**labelkit vs raw httpx (RedFlag)**", "", *_overhead_section(over), ""]
    if side.sdk is not None:
        lines += [
            "**The official SDKs, httpx and labelkit, one read each**",
            "",
            *sdk_overhead_section(side.sdk),
        ]
    if side.scale is not None:
        lines += ["## 6. Scale creates", "", *throughput_section(side.scale)]
    lines += _METHOD
    return "\n".join(lines).rstrip() + "\n"


_METHOD = """
## Method

**Side by side with the official SDKs (1 to 6).** The official SDKs
(`fastlabel`, `scaleapi`, `cloudsight`) are installed only in `nox -s bench`
and pointed at the same emulators: `FASTLABEL_API_URL=<emulator>/v1/`,
`ScaleClient(key, api_instance_url=<emulator>/v1)`, and CloudSight's
module-level `REQUESTS_URL` / `RESPONSES_URL` patched. `fastlabel` calls
`logging.basicConfig(level=INFO)` on import; the benchmarks undo that, so
that httpx does not log (and bill) every labelkit request in the same process.
Every emulator runs in its own process on a free loopback port. Details of
each benchmark are in the docstring of its module: `benchmarks/throughput.py`
(1 and 6), `fastlabel_ratelimit.py` (2), `memory.py` with `_child.py` (3: one
fresh process per contender and call), `waiting.py` (4), `sdk_overhead.py`
(5). The media files are made by `_media.py`: a 19 MiB PNG (a real 1x1 image
plus a private chunk of random bytes) and a 200 MiB MP4 (the real one-second
H.264 clip `data/h264_64x64_1s.mp4`, whose `stsd` says `avc1`, so that both
OpenCV in the official SDK and labelkit's own check accept it, padded with a
sparse `free` box). The CloudSight emulator's `processing_time_spread` gives
each job its own completion time (4 to 12 s here, seeded).


**Overhead.** The RedFlag emulator runs as a separate process
(`python -m labelkit._cli emulate redflag --port <free port> --processing-time 0`,
zero latency), so its CPU time is not counted. One finished text operation is
created at setup; every measured request is `GET operations/{id}` for it. The
client side is measured with `time.process_time()` (CPU time of every thread of
the benchmark process, children excluded) and `time.perf_counter()` around the
requests only; client construction, warm-up and teardown are outside, and
`gc.collect()` runs just before each measurement.

- async: `AsyncRedFlag.get_operation(id)` (`rate_limit=None`) against
  `httpx.AsyncClient.get(path)` + `raise_for_status()` + `.json()` with the same
  headers (`User-Agent`, `Accept`, `Authorization`), the same pool limits (64
  connections, labelkit's default) and the same timeouts. Both are driven by the
  same 16 worker tasks, each taking the next request when its previous one
  returns: exactly 16 in flight, as a 16-slot semaphore would allow.
- sync: `labelkit.RedFlag.get_operation(id)` (the generated facade: each call
  runs the async method on labelkit's background event loop through an anyio
  blocking portal) in a plain loop, against `httpx.Client.get` in a plain loop.
  The reference row "httpx.AsyncClient on a loop thread" is the cheapest
  possible facade of that design: raw `httpx.AsyncClient` on a bare asyncio
  loop in a thread, each call sent with `asyncio.run_coroutine_threadsafe`.
- The ratio is median labelkit CPU seconds over median baseline CPU seconds.
  Repetitions are interleaved (each repetition runs every variant, in a rotated
  order) so that a slow phase of the machine hits all variants alike.

**Rate-limit utilisation.** The emulator runs as a separate process with
`--rate-limit 300/5`: per credential, an exact sliding window over request
arrival times; a request beyond it is answered 429 with `Retry-After` (whole
seconds) and does not use up the window. After the setup requests have left the
window, `AsyncRedFlag(rate_limit=RateLimit(300, 5))` (default margin 2 %: its
window is 5.1 s) sends 1,200 GETs (`--ratelimit-requests`) through
`client.bulk(..., concurrency=64)`.
A transport passed with `transport=` records the start, end and status of every
HTTP attempt (and, through httpcore's `trace` extension, when the request began
to be written), so every response the server sent, each 429 and each retried
attempt, is counted exactly once at the client; `labelkit.record_calls()`
(retries per call) is a cross-check. Utilisation is read on the write times
(the server counts a request no earlier), not on when a request entered the
transport: the first burst opens 64 connections, and a request still waiting
for its connection is nothing the server counts.

A sliding window allows a burst: the first 300 requests may all go at once,
so a plain `n / elapsed` flatters any limiter (it is reported, but has no
goal). After those 300, every further send must wait for an earlier one to
leave the window, so

    steady = ((n - limit) / (t_last - t_limit)) / (limit / period)

cannot exceed 1 for any schedule the server accepts when n is a multiple of
the limit (the default 1,200 is); the goal is read on it, and the client's
margin caps it at 1 / 1.02 = 0.980. The same formula timed from the first
send also counts the first burst's duration (300 requests at 64 in flight take
a while), and counts it once per later window: a sliding window makes every
later window repeat the first one's schedule. Its ceiling for the measured
burst, `(n - limit) / (burst + (n - limit) / limit * period * 1.02)` over the
allowed rate, is shown next to it: that figure says how long the burst took,
not how well the limiter fills the window.

`--extended` adds labelkit's `client.bulk` as the async driver, the async pair
on trio, and a second rate-limit run with 8 requests in flight instead of 64.
""".splitlines()


# -- main -----------------------------------------------------------------------------


BENCHMARKS = (
    "sidebyside",
    "facade",
    "throughput",
    "fastlabel-ratelimit",
    "memory",
    "waiting",
    "overhead",
    "sdk-overhead",
    "scale",
    "ratelimit",
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="labelkit benchmarks: print a table and rewrite benchmarks/README.md.",
    )
    parser.add_argument(
        "--only",
        choices=BENCHMARKS,
        action="append",
        help="run only this benchmark (repeatable; default: all)",
    )
    parser.add_argument(
        "--requests", type=int, default=2000, metavar="N", help="GETs per overhead run (2000)"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, metavar="N", help="overhead repetitions (5)"
    )
    parser.add_argument(
        "--ratelimit-requests",
        type=int,
        default=1200,
        metavar="N",
        help="GETs of the RedFlag rate-limit benchmark (1200)",
    )
    parser.add_argument(
        "--creates", type=int, default=1000, metavar="N", help="creates of benchmarks 1 and 6"
    )
    parser.add_argument(
        "--fastlabel-rate-creates",
        type=int,
        default=2000,
        metavar="N",
        help="labelkit creates of the FastLabel rate-limit benchmark (2000)",
    )
    parser.add_argument(
        "--official-rate-calls",
        type=int,
        default=10,
        metavar="N",
        help="official creates (1 s apart) of the FastLabel rate-limit benchmark (10)",
    )
    parser.add_argument(
        "--waiting-jobs", type=int, default=1000, metavar="N", help="CloudSight jobs (1000)"
    )
    parser.add_argument(
        "--official-waiting-jobs",
        type=int,
        default=8,
        metavar="N",
        help="jobs of the official wait() loop (8; it takes about 4 s each)",
    )
    parser.add_argument(
        "--sdk-requests", type=int, default=400, metavar="N", help="reads per SDK overhead run"
    )
    parser.add_argument(
        "--flat-creates",
        type=int,
        default=20_000,
        metavar="N",
        help="labelkit creates of the cost-per-create-at-scale run of benchmark 7 (20000)",
    )
    parser.add_argument(
        "--extended",
        action="store_true",
        help="also: client.bulk and trio for the overhead, and a rate-limit run at 8 in flight",
    )
    parser.add_argument(
        "--readme",
        type=Path,
        default=README,
        help="where to write the report (benchmarks/README.md); the chart goes next to it",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; returns the exit status (0 unless something broke)."""
    args = _parser().parse_args(argv)
    counts = (
        args.requests,
        args.repeat,
        args.ratelimit_requests,
        args.creates,
        args.fastlabel_rate_creates,
        args.waiting_jobs,
        args.sdk_requests,
    )
    if min(counts) < 1 or args.official_rate_calls < 0 or args.official_waiting_jobs < 0:
        print("request, repetition, create and job counts must be at least 1", file=sys.stderr)
        return 2
    selected = set(args.only or BENCHMARKS)
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = " ".join(["python -m benchmarks", *map(shlex.quote, arguments)])
    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.monotonic()
    machine = Machine()
    print(
        f"{command}\n{machine.cpu}, {machine.cores}, {machine.python}, load {machine.load_before}"
        f"\n{machine.official}"
    )

    side = SideBySide()
    over: overhead.OverheadResult | None = None
    rates: list[tuple[str, ratelimit.RateLimitResult]] = []
    if "sidebyside" in selected:
        print("7. bulk creates side by side (fixed server)")
        side.bulk = sidebyside.run(calls=args.creates, flat_calls=args.flat_creates)
    if "facade" in selected:
        print("8. sync facade from 1, 8 and 32 threads")
        side.threads = facade.run()
    if "throughput" in selected:
        print("1. bulk throughput: FastLabel create_image_task")
        side.fl = throughput.run_fastlabel(calls=args.creates)
    if "fastlabel-ratelimit" in selected:
        print("2. rate-limit utilisation: FastLabel creates")
        side.fl_rate = fastlabel_ratelimit.run(
            requests=args.fastlabel_rate_creates, official_calls=args.official_rate_calls
        )
    if "memory" in selected:
        print("3. memory and import cost")
        side.mem = memory.run()
    if "waiting" in selected:
        print("4. waiting for CloudSight jobs")
        side.wait = waiting.run(jobs=args.waiting_jobs, official_jobs=args.official_waiting_jobs)
    if "overhead" in selected:
        print("5. overhead: labelkit vs raw httpx (CPU time of this process)")
        over = overhead.run(requests=args.requests, repeat=args.repeat, extended=args.extended)
    if "sdk-overhead" in selected:
        print("5. overhead: the official SDKs")
        side.sdk = sdk_overhead.run(requests=args.sdk_requests)
    if "scale" in selected:
        print("6. Scale creates")
        side.scale = throughput.run_scale(calls=args.creates)
    if "ratelimit" in selected:
        print("2b. rate-limit utilisation: RedFlag reads")
        result = ratelimit.run(requests=args.ratelimit_requests)
        rates.append((f"{result.concurrency} in flight", result))
        if args.extended:
            result = ratelimit.run(requests=args.ratelimit_requests, concurrency=8)
            rates.append((f"{result.concurrency} in flight (extended run)", result))
    machine.load_after = _load()
    duration = time.monotonic() - clock

    chart = args.readme.resolve().parent / CHART.name
    creates = [r for r in (side.fl, side.scale) if r is not None]
    if draw(chart, creates=creates, mem=side.mem, wait=side.wait, stamp=f"{started:%Y-%m-%d}"):
        side.chart = chart.name
    else:
        side.chart_note = "matplotlib is not installed, or no chart data was measured."

    print()
    print(
        "\n".join(
            _table(
                ["measure", "measured", "goal", "verdict"],
                side.rows() + _summary_rows(over, rates[0][1] if rates else None),
            )
        )
    )
    text = render_readme(
        machine=machine,
        command=command,
        started=started,
        duration=duration,
        over=over,
        rates=rates,
        side=side,
    )
    args.readme.write_text(text, encoding="utf-8")
    print(f"took {duration:.0f} s; wrote {args.readme}" + (f" and {chart}" if side.chart else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
