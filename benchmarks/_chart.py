"""The PNG chart of the throughput, memory and waiting comparisons (needs matplotlib).

matplotlib is installed only in ``nox -s bench``; without it no chart is drawn
and the README says so.
"""

from __future__ import annotations

import importlib
import pathlib

from . import memory, throughput, waiting
from ._media import MiB

__all__ = ["CHART", "draw"]

CHART = pathlib.Path(__file__).resolve().parent / "results.png"
_COLORS = {"official": "#9e9e9e", "bulk": "#1565c0", "sync": "#64b5f6"}
_LABELS = {"official": "official SDK loop", "bulk": "labelkit bulk", "sync": "labelkit sync loop"}


def draw(
    path: pathlib.Path,
    *,
    creates: list[throughput.ThroughputResult],
    mem: memory.MemoryResult | None,
    wait: waiting.WaitResult | None,
    stamp: str,
) -> bool:
    """Write the chart to ``path``; False (nothing written) without matplotlib or data."""
    try:
        matplotlib = importlib.import_module("matplotlib")
        matplotlib.use("Agg")
        plt = importlib.import_module("matplotlib.pyplot")
    except ImportError:
        return False
    panels = [p for p in (bool(creates), mem is not None and bool(mem.creates), wait) if p]
    if not panels:
        return False
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.6), squeeze=False)
    column = iter(axes[0])
    if creates:
        ax = next(column)
        width = 0.26
        for offset, key in enumerate(("official", "bulk", "sync")):
            xs, ys = [], []
            for i, result in enumerate(creates):
                contender = result.get(key)
                if contender is not None:
                    xs.append(i + (offset - 1) * width)
                    ys.append(contender.rate)
            bars = ax.bar(xs, ys, width, label=_LABELS[key], color=_COLORS[key])
            ax.bar_label(bars, fmt="%.0f", fontsize=8)
        ax.set_xticks(
            range(len(creates)),
            [f"{r.provider}\n{r.operation}\n{r.calls}x, {r.latency * 1e3:.0f} ms" for r in creates],
            fontsize=8,
        )
        ax.set_ylabel("creates per second (higher is better)")
        ax.set_title("Bulk creates")
        ax.legend(fontsize=8)
    if mem is not None and mem.creates:
        ax = next(column)
        kinds = [k for k in ("image", "video") if any(c.kind == k for c in mem.creates)]
        width = 0.26
        series = [
            ("official", "official SDK", _COLORS["official"]),
            ("labelkit", "labelkit async", _COLORS["bulk"]),
            ("labelkit-sync", "labelkit sync", _COLORS["sync"]),
        ]
        for offset, (key, label, color) in enumerate(series):
            xs, ys = [], []
            for i, kind in enumerate(kinds):
                row = mem.create(key, kind)
                if row is not None:
                    xs.append(i + (offset - 1) * width)
                    ys.append(row.growth / MiB)
            bars = ax.bar(xs, ys, width, label=label, color=color)
            ax.bar_label(bars, fmt="%.1f", fontsize=8)
        sizes = {c.kind: c.file_size for c in mem.creates}
        ax.set_xticks(
            range(len(kinds)),
            [f"create_{k}_task\n{sizes[k] / MiB:.0f} MiB file" for k in kinds],
            fontsize=8,
        )
        ax.set_yscale("log")
        ax.axhline(memory.GOAL_GROWTH / MiB, color="#c62828", linestyle="--", linewidth=1)
        ax.text(-0.4, memory.GOAL_GROWTH / MiB * 1.1, "goal 16 MiB", color="#c62828", fontsize=8)
        ax.set_ylabel("peak RSS growth, MiB (log; lower is better)")
        ax.set_title("Memory of one big create")
        ax.legend(fontsize=8)
    if wait is not None:
        ax = next(column)
        labels = ["slowest job\ndone", "labelkit\nwait_many"]
        values = [wait.slowest, wait.wall]
        colors = ["#e0e0e0", _COLORS["bulk"]]
        if wait.official is not None:
            labels.append("official wait()\nloop (lower bound)")
            values.append(wait.official.lower_bound_1000 * wait.jobs / 1000)
            colors.append(_COLORS["official"])
        bars = ax.bar(range(len(values)), values, 0.6, color=colors)
        ax.bar_label(bars, fmt="%.1f s", fontsize=8)
        ax.set_xticks(range(len(values)), labels, fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("seconds from the start of waiting (log)")
        ax.set_title(f"Waiting for {wait.jobs} CloudSight jobs")
    title = f"labelkit vs the official SDKs, same emulators over loopback ({stamp})"
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
