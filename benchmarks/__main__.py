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

from . import overhead, ratelimit

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


# -- formatting -----------------------------------------------------------------------


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table, padded so that it also reads well as plain text."""
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [
        line(row) for row in rows
    ]


def _verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("meets" if ok else "MISSES")


def _num(value: float, digits: int = 2) -> str:
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def _summary_rows(
    over: overhead.OverheadResult | None, rate: ratelimit.RateLimitResult | None
) -> list[list[str]]:
    rows: list[list[str]] = []
    if over is not None:
        for c in over.comparisons:
            goal = "-" if c.goal is None else f"<= {c.goal}"
            rows.append([f"CPU ratio: {c.title}", f"{c.ratio:.2f}", goal, _verdict(c.meets_goal)])
    if rate is not None:
        rows += [
            [
                "rate limit: utilisation (n - limit) / (t_last - t_first) / allowed",
                f"{rate.utilisation:.3f}",
                f">= {ratelimit.GOAL_UTILISATION}",
                _verdict(rate.utilisation >= ratelimit.GOAL_UTILISATION),
            ],
            ["rate limit: 429 responses", str(rate.count_429), "0", _verdict(rate.count_429 == 0)],
            [
                "rate limit: steady utilisation, from the limit-th start",
                f"{rate.steady_utilisation:.3f}",
                f"- (ceiling {rate.ceiling:.3f})",
                "-",
            ],
            [
                "rate limit: plain n / elapsed over allowed rate",
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
        ["first burst: duration of the first `limit` starts", f"{result.first_burst:.2f} s"],
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
        ["utilisation", _num(result.utilisation, 3)],
        ["steady utilisation", _num(result.steady_utilisation, 3)],
        ["ceiling with the margin, 1 / (1 + margin)", f"{result.ceiling:.3f}"],
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
            f"{result.margin:.0%} of {result.period:g} s = {margin_s:.2f} s. The limiter "
            "dates a slot from its grant, the server from the request's arrival: requests "
            "that left late during the burst free their slots late in the server's window "
            "but on time in the limiter's, so requests granted one window later are "
            "rejected. Each 429 also pauses every caller for its `Retry-After` (whole "
            "seconds), which is what pulls utilisation down.",
            "",
        ]
    return out


def _seconds(value: float | None) -> str:
    return "none" if value is None else f"{value:.2f} s after the first start"


def render_readme(
    *,
    machine: Machine,
    command: str,
    started: datetime.datetime,
    duration: float,
    over: overhead.OverheadResult | None,
    rates: Sequence[tuple[str, ratelimit.RateLimitResult]],
) -> str:
    """The whole benchmarks/README.md."""
    rate = rates[0][1] if rates else None
    lines = [
        "# labelkit benchmarks",
        "",
        "<!-- Generated by `python -m benchmarks`; every run rewrites this file. -->",
        "",
        f"Run on {started:%Y-%m-%d %H:%M} UTC, took {duration:.0f} s. "
        "Benchmarks report numbers; they never fail on a time.",
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
                ["load average (1/5/15 min) before", machine.load_before],
                ["load average (1/5/15 min) after", machine.load_after],
            ],
        ),
        "",
        "A load average above the core count means other processes competed for the CPU "
        "during the run; CPU-time ratios are then noisier (see the per-repetition values).",
        "",
        "## Results",
        "",
        *_table(["measure", "measured", "goal", "verdict"], _summary_rows(over, rate)),
        "",
    ]
    if over is not None:
        lines += ["## Overhead: labelkit vs raw httpx", "", *_overhead_section(over), ""]
    if rates:
        lines += ["## Rate-limit utilisation", ""]
        for title, result in rates:
            lines += _ratelimit_section(result, title)
    lines += _METHOD
    return "\n".join(lines).rstrip() + "\n"


_METHOD = """
## Method

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
(retries per call) is a cross-check.

A sliding window allows a burst: the first 300 requests may all start at once,
so a plain `n / elapsed` flatters any limiter (it is reported, but has no
goal). After those 300, every further start must wait for an earlier one to
leave the window, so

    utilisation = ((n - limit) / (t_last_start - t_first_start)) / (limit / period)

cannot exceed 1 for any schedule the server accepts, and reaches 1 only when
the first burst takes no time at all. Because the first 300 requests take a
while at 64 in flight, the same formula timed from the 300th start ("steady")
is shown next to it; it has the same bound when n is a multiple of the limit
(the default 1,200 is). The client's margin caps both at 1 / 1.02 = 0.980.

`--extended` adds labelkit's `client.bulk` as the async driver, the async pair
on trio, and a second rate-limit run with 8 requests in flight instead of 64.
""".splitlines()


# -- main -----------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="labelkit benchmarks: print a table and rewrite benchmarks/README.md.",
    )
    parser.add_argument(
        "--only", choices=("overhead", "ratelimit"), help="run one benchmark (default: both)"
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
        help="GETs of the rate-limit benchmark (1200)",
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
        help="where to write the report (benchmarks/README.md)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; returns the exit status (0 unless something broke)."""
    args = _parser().parse_args(argv)
    if args.requests < 1 or args.repeat < 1 or args.ratelimit_requests < 1:
        print("--requests, --repeat and --ratelimit-requests must be at least 1", file=sys.stderr)
        return 2
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = " ".join(["python -m benchmarks", *map(shlex.quote, arguments)])
    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.monotonic()
    machine = Machine()
    print(
        f"{command}\n{machine.cpu}, {machine.cores}, {machine.python}, load {machine.load_before}"
    )

    over: overhead.OverheadResult | None = None
    rates: list[tuple[str, ratelimit.RateLimitResult]] = []
    if args.only in (None, "overhead"):
        print("overhead: labelkit vs raw httpx (CPU time of this process)")
        over = overhead.run(requests=args.requests, repeat=args.repeat, extended=args.extended)
    if args.only in (None, "ratelimit"):
        print("rate-limit utilisation")
        result = ratelimit.run(requests=args.ratelimit_requests)
        rates.append((f"{result.concurrency} in flight", result))
        if args.extended:
            result = ratelimit.run(requests=args.ratelimit_requests, concurrency=8)
            rates.append((f"{result.concurrency} in flight (extended run)", result))
    machine.load_after = _load()
    duration = time.monotonic() - clock

    print()
    print(
        "\n".join(
            _table(
                ["measure", "measured", "goal", "verdict"],
                _summary_rows(over, rates[0][1] if rates else None),
            )
        )
    )
    if over is not None:
        print()
        print("\n".join(_overhead_section(over)))
    for title, result in rates:
        print()
        print("\n".join(_ratelimit_section(result, title)))
    text = render_readme(
        machine=machine,
        command=command,
        started=started,
        duration=duration,
        over=over,
        rates=rates,
    )
    args.readme.write_text(text, encoding="utf-8")
    print(f"took {duration:.0f} s; wrote {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
