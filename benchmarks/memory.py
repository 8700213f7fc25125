"""Benchmark 3: memory of one big FastLabel create, and the cost of importing the library.

Creates: one ``create_image_task`` with a 19 MiB PNG and one
``create_video_task`` with a 200 MiB H.264 MP4 (see :mod:`benchmarks._media`),
each contender in its own fresh process (:mod:`benchmarks._child`) against one
FastLabel emulator process, after a warm-up create of a tiny file with the
same client. The figure is the peak RSS growth during the call: the kernel's
high-water mark, reset just before it, minus the RSS just before it.

Imports: wall time and RSS growth of ``import labelkit``, ``import
labelkit.fastlabel`` and ``import fastlabel`` (and the Scale and CloudSight
pairs), each in ``repeat`` fresh processes that load compiled bytecode, as
an installed package does; medians.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._media import H264_SAMPLE, MiB, write_mp4, write_png
from ._sdk import fastlabel_project, sdk_version
from ._server import REPO_ROOT, emulator_process

__all__ = ["GOAL_GROWTH", "CreateMemory", "ImportCost", "MemoryResult", "run"]

GOAL_GROWTH = 16 * MiB
CONTENDERS = {
    "official": "fastlabel.Client",
    "labelkit": "labelkit AsyncFastLabel",
    "labelkit-sync": "labelkit FastLabel (sync facade)",
}
IMPORTS = [
    ("labelkit", "labelkit"),
    ("labelkit.fastlabel", "labelkit"),
    ("fastlabel", "fastlabel"),
    ("labelkit.scale", "labelkit"),
    ("scaleapi", "scaleapi"),
    ("labelkit.cloudsight", "labelkit"),
    ("cloudsight", "cloudsight"),
]


@dataclass(frozen=True)
class CreateMemory:
    """One create in one process."""

    contender: str
    kind: str
    file_size: int
    seconds: float
    growth: int  # peak RSS during the call minus RSS before it
    retained: int  # RSS after the call minus RSS before it
    peak_reset: bool

    @property
    def title(self) -> str:
        """Who made the call."""
        return CONTENDERS[self.contender]


@dataclass(frozen=True)
class ImportCost:
    """Median wall time and RSS growth of importing ``module``."""

    module: str
    seconds: float
    rss_growth: int
    samples: list[float]


@dataclass
class MemoryResult:
    """Everything benchmark 3 measured."""

    image_size: int
    video_size: int
    creates: list[CreateMemory] = field(default_factory=list)
    imports: list[ImportCost] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def create(self, contender: str, kind: str) -> CreateMemory | None:
        """The measurement of ``contender`` for ``kind``, if it ran."""
        return next((c for c in self.creates if c.contender == contender and c.kind == kind), None)

    def imported(self, module: str) -> ImportCost | None:
        """The import cost of ``module``, if measured."""
        return next((i for i in self.imports if i.module == module), None)


def _child(spec: dict[str, Any], pycache: str | None = None) -> dict[str, Any]:
    env = dict(os.environ)
    if pycache is not None:
        # An installed package has its bytecode (pip compiles it); a checkout
        # run under PYTHONDONTWRITEBYTECODE=1 would compile labelkit on every
        # import while the official SDK loads its .pyc files. Every import
        # child shares one cache, warmed by an unmeasured first import.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks._child", json.dumps(spec)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks._child {spec.get('task')} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(
    *,
    image_size: int = 19 * MiB,
    video_size: int = 200 * MiB,
    repeat: int = 5,
    progress: Callable[[str], object] = print,
) -> MemoryResult:
    """Run benchmark 3; see the module docstring."""
    result = MemoryResult(image_size, video_size)
    official = sdk_version("fastlabel") is not None
    if not official:
        result.notes.append("fastlabel is not installed: the official rows were skipped.")
    with tempfile.TemporaryDirectory() as tmp, emulator_process("fastlabel") as url:
        folder = pathlib.Path(tmp)
        files = {
            "image": (write_png(folder / "big.png", image_size), write_png(folder / "tiny.png")),
            "video": (write_mp4(folder / "big.mp4", video_size), H264_SAMPLE),
        }
        for contender in CONTENDERS:
            if contender == "official" and not official:
                continue
            for kind, (path, warm) in files.items():
                project = fastlabel_project(
                    url, f"{contender}-{kind}", "image_bbox" if kind == "image" else "video_bbox"
                )
                progress(
                    f"  memory: {CONTENDERS[contender]}, create_{kind}_task "
                    f"({path.stat().st_size / MiB:.0f} MiB) in a fresh process ..."
                )
                measured = _child(
                    {
                        "task": "create",
                        "contender": contender,
                        "kind": kind,
                        "url": url,
                        "project": project,
                        "file": str(path),
                        "warmup_file": str(warm),
                        "ext": "png" if kind == "image" else "mp4",
                    }
                )
                row = CreateMemory(
                    contender=contender,
                    kind=kind,
                    file_size=path.stat().st_size,
                    seconds=measured["seconds"],
                    growth=measured["peak"] - measured["rss_before"],
                    retained=measured["rss_after"] - measured["rss_before"],
                    peak_reset=measured["peak_reset"],
                )
                result.creates.append(row)
                progress(
                    f"  memory:   peak RSS growth {row.growth / MiB:7.1f} MiB "
                    f"({row.growth / row.file_size:.2f}x the file), {row.seconds:.2f} s"
                )
    pycache = tempfile.mkdtemp(prefix="labelkit-bench-pycache-")
    for module, distribution in IMPORTS:
        importable = distribution == "labelkit" or sdk_version(distribution) is not None
        if not importable:
            result.notes.append(f"{module} is not installed: its import row was skipped.")
            continue
        _child({"task": "import", "module": module}, pycache)
        samples = [_child({"task": "import", "module": module}, pycache) for _ in range(repeat)]
        seconds = [s["seconds"] for s in samples]
        cost = ImportCost(
            module=module,
            seconds=statistics.median(seconds),
            rss_growth=int(statistics.median(s["rss_after"] - s["rss_before"] for s in samples)),
            samples=seconds,
        )
        result.imports.append(cost)
        progress(
            f"  memory: import {module:<20} {cost.seconds * 1000:6.0f} ms  "
            f"+{cost.rss_growth / MiB:5.1f} MiB RSS"
        )
    shutil.rmtree(pycache, ignore_errors=True)
    return result


if __name__ == "__main__":
    run(repeat=2)
