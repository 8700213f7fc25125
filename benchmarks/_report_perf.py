"""Rows and sections of benchmarks 7 (bulk side by side) and 8 (sync facade threads)."""

from __future__ import annotations

from . import facade, sidebyside
from ._report import table, verdict

__all__ = ["BASELINE_CPU_US", "facade_section", "perf_rows", "sidebyside_section"]

#: labelkit's client CPU per bulk create before this work (the issue's figure,
#: same benchmark shape); the goal is at most half of it.
BASELINE_CPU_US = 1590.0
GOAL_VS_OFFICIAL = 1.10
GOAL_VS_FLOOR = 0.90
GOAL_FACADE_CPU = 1.10
GOAL_IMPORT = 1.0


def perf_rows(
    bulk: sidebyside.BulkResult | None,
    threads: facade.FacadeResult | None,
    import_ratio: float | None,
) -> list[list[str]]:
    """Summary rows with verdicts."""
    rows: list[list[str]] = []
    if bulk is not None:
        ours = bulk.get(bulk.plain, "labelkit")
        official = bulk.get(bulk.plain, "official")
        floor = bulk.get(bulk.plain, "floor")
        if ours is not None and official is not None:
            ratio = ours.rate / official.rate
            rows.append(
                [
                    "7 bulk creates/s: labelkit / official SDK in a 16-thread pool",
                    f"{ratio:.2f}x ({ours.rate:.0f} / {official.rate:.0f})",
                    f">= {GOAL_VS_OFFICIAL}x",
                    verdict(ratio >= GOAL_VS_OFFICIAL),
                ]
            )
        if ours is not None and floor is not None:
            ratio = ours.rate / floor.rate
            rows.append(
                [
                    "7 bulk creates/s: labelkit / hand-written floor",
                    f"{ratio:.2f} ({ours.rate:.0f} / {floor.rate:.0f})",
                    f">= {GOAL_VS_FLOOR}",
                    verdict(ratio >= GOAL_VS_FLOOR),
                ]
            )
        if ours is not None:
            rows.append(
                [
                    "7 bulk: labelkit client CPU µs per create (before: 1590)",
                    f"{ours.cpu_us:.0f}",
                    f"<= {BASELINE_CPU_US / 2:.0f}",
                    verdict(ours.cpu_us <= BASELINE_CPU_US / 2),
                ]
            )
        if len(bulk.flat) == 2:
            small, large = bulk.flat
            growth = large.cpu_us / small.cpu_us
            rows.append(
                [
                    f"7 bulk: CPU per create at {large.calls} / at {small.calls} items",
                    f"{growth:.2f}x ({large.cpu_us:.0f} / {small.cpu_us:.0f} µs)",
                    "flat (<= 1.10x)",
                    verdict(growth <= 1.10),
                ]
            )
        lk = bulk.get(bulk.limited, "labelkit")
        off = bulk.get(bulk.limited, "official")
        if lk is not None:
            rows.append(
                [
                    f"7 limit {bulk.limit[0]}/{bulk.limit[1]:g} s: "
                    "labelkit steady utilisation, 429s, lost",
                    f"{bulk.utilisation:.3f}, {lk.rejected}, {lk.lost}",
                    ">= 0.97, 0, 0",
                    verdict(bulk.utilisation >= 0.97 and lk.rejected == 0 and lk.lost == 0),
                ]
            )
            rows.append(
                [
                    "7 limit: utilisation counting the first burst's duration",
                    f"{bulk.burst_utilisation:.3f}",
                    f"- (ceiling {bulk.burst_ceiling:.3f})",
                    "-",
                ]
            )
        if off is not None:
            rows.append(
                [
                    "7 limit: official SDK in 16 threads, 429s and items lost",
                    f"{off.rejected}, {off.lost} of {off.calls}",
                    "-",
                    "-",
                ]
            )
    if threads is not None:
        for n in facade.THREADS:
            ours_cpu, theirs_cpu = threads.cpu("labelkit", n), threads.cpu("official", n)
            ours_rate, theirs_rate = threads.rate("labelkit", n), threads.rate("official", n)
            if None in (ours_cpu, theirs_cpu, ours_rate, theirs_rate):
                continue
            assert ours_cpu and theirs_cpu and ours_rate and theirs_rate
            if n == 1:
                ratio = ours_cpu / theirs_cpu
                rows.append(
                    [
                        "8 sync facade CPU per call, 1 thread: labelkit / official",
                        f"{ratio:.2f}x ({ours_cpu:.0f} / {theirs_cpu:.0f} µs)",
                        f"<= {GOAL_FACADE_CPU}x",
                        verdict(ratio <= GOAL_FACADE_CPU),
                    ]
                )
            ratio = ours_rate / theirs_rate
            rows.append(
                [
                    f"8 sync facade calls/s, {n} threads: labelkit / official",
                    f"{ratio:.2f}x ({ours_rate:.0f} / {theirs_rate:.0f})",
                    ">= 1.0x" if n == 8 else "-",
                    verdict(ratio >= 1.0) if n == 8 else "-",
                ]
            )
    if import_ratio is not None:
        rows.append(
            [
                "3 import labelkit.fastlabel (what labelkit.FastLabel loads) / import fastlabel",
                f"{import_ratio:.2f}x",
                f"<= {GOAL_IMPORT}x",
                verdict(import_ratio <= GOAL_IMPORT),
            ]
        )
    return rows


def _rows(rows: list[sidebyside.Row], extra: bool = False) -> list[str]:
    out = []
    for r in rows:
        cells = [
            r.title,
            f"{r.ok} / {r.calls}",
            f"{r.wall:.2f}",
            f"{r.rate:.1f}",
            f"{r.cpu:.2f}",
            f"{r.cpu_us:.0f}",
        ]
        if extra:
            cells += [str(r.rejected), str(r.lost)]
        out.append(cells)
    head = ["contender", "ok", "wall s", "creates/s", "CPU s", "CPU µs/create"]
    return table(head + (["429s", "lost"] if extra else []), out)


def sidebyside_section(result: sidebyside.BulkResult) -> list[str]:
    """Benchmark 7 in the README."""
    out = [
        f"{result.calls} `POST tasks/image` of a {sidebyside.IMAGE_BYTES // 1024} KB PNG per "
        f"contender, {sidebyside.CONCURRENCY} in flight, against the fixed server "
        f"(`benchmarks/_fixed.py`, its own process, latency {result.latency * 1e3:.0f} ms): "
        f"at most {sidebyside.CONCURRENCY / result.latency:.0f} creates/s. Every contender "
        "reads and base64-encodes the file per item. CPU: this process, every thread.",
        "",
        *_rows(result.plain),
        "",
    ]
    if result.flat:
        out += ["**Cost per create as the run grows (labelkit)**", "", *_rows(result.flat), ""]
    if result.tls:
        out += [
            "**Over TLS** (a `trustme` certificate, loopback, same latency): labelkit and the "
            "floor keep their connections; the official SDK (`requests.post`, no session) "
            "makes a TLS handshake per create.",
            "",
            *_rows(result.tls),
            "",
        ]
    if result.limited:
        calls, period = result.limit
        out += [
            f"**A compressed FastLabel limit**: the server admits {calls} requests per "
            f"{period:g} s (sliding window) and answers the rest 429; latency "
            f"{result.limited_latency * 1e3:.0f} ms. The official SDK has no limiter and "
            "does not retry a 429, so those items are lost. labelkit utilisation, on the "
            "arrival times the server admitted: steady, (n - limit) / (t_last - t_limit) / "
            f"allowed: {result.utilisation:.3f} (the goal; ceiling 1 / 1.02 = 0.980 with "
            "the client's margin); counting the first burst, (n - limit) / (t_last - t_first)"
            f" / allowed: {result.burst_utilisation:.3f}, against a ceiling of "
            f"{result.burst_ceiling:.3f} for any limiter given how long that burst took "
            "(16 in flight at this latency).",
            "",
            *_rows(result.limited, extra=True),
            "",
        ]
    out += [f"Note: {n}" for n in result.notes]
    return out


def facade_section(result: facade.FacadeResult) -> list[str]:
    """Benchmark 8 in the README."""
    rows = []
    for n in facade.THREADS:
        for key, title in result.titles.items():
            cell = result.cells.get((key, n))
            if cell is not None:
                rows.append([str(n), title, f"{cell[0]:.0f}", f"{cell[1]:.0f}"])
    return [
        f"`find_image_task(id)` {result.calls} times per run, shared among 1, 8 or 32 threads, "
        "against the fixed server at zero latency (its GET answer is a real task body); "
        f"medians of {result.repeat} interleaved repetitions. CPU: this process, every thread.",
        "",
        *table(["threads", "variant", "CPU µs/call", "calls/s"], rows),
        "",
    ]
