"""The sync facade from 1, 8 and 32 threads (benchmark 8).

``find_image_task(id)`` against the fixed server of ``_fixed.py`` (zero
latency; its GET answer is a real task body, taken once from the FastLabel
emulator), ``calls`` calls shared among the threads, for: the official SDK
(``fastlabel.Client``), ``httpx.Client`` (one client shared by the threads,
``GET`` + ``json()``) and labelkit's sync facade (one ``FastLabel`` shared).
CPU time of this process (every thread) and wall time, medians of
``repeat`` interleaved repetitions.
"""

from __future__ import annotations

import base64
import statistics
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from labelkit.fastlabel import FastLabel

from ._common import Stopwatch
from ._media import png
from ._sdk import FASTLABEL_TOKEN, fastlabel_project, official_fastlabel, sdk_version
from ._server import emulator_process
from .sidebyside import fixed_server

__all__ = ["FacadeResult", "run"]

THREADS = (1, 8, 32)


@dataclass
class FacadeResult:
    """``cells[(variant, threads)] = (cpu µs per call, calls per second)``."""

    calls: int
    repeat: int
    cells: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)

    def cpu(self, key: str, threads: int) -> float | None:
        cell = self.cells.get((key, threads))
        return None if cell is None else cell[0]

    def rate(self, key: str, threads: int) -> float | None:
        cell = self.cells.get((key, threads))
        return None if cell is None else cell[1]


def _task_body() -> tuple[str, str]:
    with emulator_process("fastlabel") as url:
        api = url + "/v1/"
        project = fastlabel_project(url, "facade")
        headers = {"Authorization": f"Bearer {FASTLABEL_TOKEN}"}
        body = {"project": project, "name": "a.png", "file": base64.b64encode(png()).decode()}
        task_id: str = httpx.post(api + "tasks/image", json=body, headers=headers).json()
        return task_id, httpx.get(api + f"tasks/image/{task_id}", headers=headers).text


def _threaded(call: Callable[[], object], calls: int, threads: int) -> tuple[float, float]:
    per_thread = calls // threads
    barrier = threading.Barrier(threads + 1)

    def work() -> None:
        barrier.wait()
        for _ in range(per_thread):
            call()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    with Stopwatch() as watch:
        barrier.wait()
        for w in workers:
            w.join()
    done = per_thread * threads
    return watch.cpu / done * 1e6, done / watch.wall


def run(
    *, calls: int = 1600, repeat: int = 3, progress: Callable[[str], object] = print
) -> FacadeResult:
    """Benchmark 8 (see the module docstring)."""
    result = FacadeResult(calls, repeat)
    task_id, body = _task_body()
    with fixed_server(0.0, get_body=body) as url:
        api = url + "/v1/"
        headers = {"Authorization": f"Bearer {FASTLABEL_TOKEN}"}
        raw = httpx.Client(base_url=api, headers=headers)
        sync = FastLabel(FASTLABEL_TOKEN, base_url=api, rate_limit=None)
        variants: dict[str, tuple[str, Callable[[], object]]] = {}
        if sdk_version("fastlabel"):
            official: Any = official_fastlabel(url)
            variants["official"] = (
                "fastlabel.Client.find_image_task",
                lambda: official.find_image_task(task_id),
            )
        variants["httpx"] = (
            "httpx.Client.get + json() (one client)",
            lambda: raw.get(f"tasks/image/{task_id}").raise_for_status().json(),
        )
        variants["labelkit"] = (
            "labelkit FastLabel (sync facade).find_image_task (one client)",
            lambda: sync.find_image_task(task_id),
        )
        result.titles = {key: title for key, (title, _) in variants.items()}
        try:
            for _, call in variants.values():
                for _ in range(20):
                    call()
            for threads in THREADS:
                samples: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
                for r in range(repeat):
                    keys = list(variants)
                    keys = keys[r % len(keys) :] + keys[: r % len(keys)]
                    for key in keys:
                        samples[key].append(_threaded(variants[key][1], calls, threads))
                for key, values in samples.items():
                    cpu = statistics.median(v[0] for v in values)
                    rate = statistics.median(v[1] for v in values)
                    result.cells[(key, threads)] = (cpu, rate)
                    progress(
                        f"    {threads:>2} threads  {variants[key][0]:<64} "
                        f"{cpu:6.0f} µs CPU/call  {rate:7.0f} calls/s"
                    )
        finally:
            raw.close()
            sync.close()
    return result


if __name__ == "__main__":
    run()
