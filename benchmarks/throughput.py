"""Benchmarks 1 and 6: many creates, official SDK loop vs labelkit bulk vs labelkit sync loop.

1. FastLabel: ``create_image_task`` x ``calls`` (a 1x1 PNG each) against the
   FastLabel emulator with ``latency`` seconds added to every response and no
   rate limit: ``fastlabel.Client`` in a plain loop, ``AsyncFastLabel.bulk_create``
   (16 in flight, ``rate_limit=None``) and the sync facade ``FastLabel`` in a
   plain loop.
6. Scale: ``create_categorization_task`` x ``calls`` against the Scale
   emulator: ``scaleapi.ScaleClient.create_task`` in a loop,
   ``AsyncScale.create_tasks`` (16 in flight) and the sync facade ``Scale``
   in a loop.

Each emulator runs in its own process; every contender makes a few warm-up
creates first (not counted). Reported: wall time, creates per second, the
CPU seconds of this process, and each rate over the official loop's.
"""

from __future__ import annotations

import importlib
import pathlib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio

from labelkit.fastlabel import AsyncFastLabel, FastLabel
from labelkit.scale import AsyncScale, Scale

from ._common import Stopwatch
from ._media import write_png
from ._sdk import (
    FASTLABEL_TOKEN,
    SCALE_KEY,
    fastlabel_project,
    official_fastlabel,
    official_scale,
    sdk_version,
)
from ._server import emulator_process

__all__ = ["GOAL_SPEEDUP", "Contender", "ThroughputResult", "run_fastlabel", "run_scale"]

GOAL_SPEEDUP = 15.0
CONCURRENCY = 16
WARMUP = 5


@dataclass(frozen=True)
class Contender:
    """One way of making the creates."""

    key: str  # "official", "bulk", "sync"
    title: str
    calls: int
    ok: int
    wall: float
    cpu: float

    @property
    def rate(self) -> float:
        """Successful creates per second."""
        return self.ok / self.wall


@dataclass
class ThroughputResult:
    """The contenders of one provider's create benchmark."""

    provider: str
    operation: str
    calls: int
    latency: float
    concurrency: int
    contenders: list[Contender] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def get(self, key: str) -> Contender | None:
        """The contender ``key``, if it ran."""
        return next((c for c in self.contenders if c.key == key), None)

    def speedup(self, key: str) -> float | None:
        """Rate of ``key`` over the official loop's (``None`` if either did not run)."""
        official, other = self.get("official"), self.get(key)
        if official is None or other is None:
            return None
        return other.rate / official.rate


def _loop(key: str, title: str, calls: int, one: Callable[[int], object]) -> Contender:
    for i in range(WARMUP):
        one(-1 - i)
    ok = 0
    with Stopwatch() as watch:
        for i in range(calls):
            one(i)
            ok += 1
    return Contender(key, title, calls, ok, watch.wall, watch.cpu)


# -- FastLabel --------------------------------------------------------------------------


def run_fastlabel(
    *, calls: int = 1000, latency: float = 0.02, progress: Callable[[str], object] = print
) -> ThroughputResult:
    """Benchmark 1 (see the module docstring)."""
    result = ThroughputResult("FastLabel", "create_image_task", calls, latency, CONCURRENCY)
    with (
        tempfile.TemporaryDirectory() as tmp,
        emulator_process("fastlabel", latency=latency) as url,
    ):
        image = str(write_png(pathlib.Path(tmp) / "tiny.png"))
        api = url + "/v1/"

        def name(prefix: str, i: int) -> str:
            return f"{prefix}-{i}.png"

        if sdk_version("fastlabel"):
            project = fastlabel_project(url, "official")
            client = official_fastlabel(url)
            progress(f"  fastlabel: official loop, {calls} creates ...")
            result.contenders.append(
                _loop(
                    "official",
                    "fastlabel.Client.create_image_task, sequential loop",
                    calls,
                    lambda i: client.create_image_task(
                        project=project, name=name("o", i), file_path=image
                    ),
                )
            )
        else:
            result.notes.append("fastlabel is not installed: the official row was skipped.")

        project = fastlabel_project(url, "bulk")
        progress(f"  fastlabel: labelkit bulk_create, {CONCURRENCY} in flight ...")

        async def bulk() -> Contender:
            async with AsyncFastLabel(FASTLABEL_TOKEN, base_url=api, rate_limit=None) as fl:

                async def run(prefix: str, count: int) -> int:
                    items = ({"name": name(prefix, i), "file_path": image} for i in range(count))
                    ok = 0
                    async with fl.bulk_create(
                        "image", project, items, concurrency=CONCURRENCY
                    ) as outcomes:
                        async for outcome in outcomes:
                            outcome.unwrap()
                            ok += 1
                    return ok

                await run("w", WARMUP)
                with Stopwatch() as watch:
                    ok = await run("b", calls)
            title = f"labelkit AsyncFastLabel.bulk_create, {CONCURRENCY} in flight"
            return Contender("bulk", title, calls, ok, watch.wall, watch.cpu)

        result.contenders.append(anyio.run(bulk))

        project = fastlabel_project(url, "sync")
        progress(f"  fastlabel: labelkit sync facade loop, {calls} creates ...")
        with FastLabel(FASTLABEL_TOKEN, base_url=api, rate_limit=None) as fl:
            result.contenders.append(
                _loop(
                    "sync",
                    "labelkit FastLabel (sync facade).create_image_task, sequential loop",
                    calls,
                    lambda i: fl.create_image_task(project, name("s", i), image),
                )
            )
    _report(result, progress)
    return result


# -- Scale ------------------------------------------------------------------------------


def _scale_params(i: int) -> dict[str, object]:
    return {
        "attachment": f"https://example.com/images/{i}.jpg",
        "attachment_type": "image",
        "instruction": "Is this a cat or a dog?",
        "categories": ["cat", "dog"],
        "metadata": {"row": i},
    }


def run_scale(
    *, calls: int = 1000, latency: float = 0.02, progress: Callable[[str], object] = print
) -> ThroughputResult:
    """Benchmark 6 (see the module docstring)."""
    result = ThroughputResult("Scale", "create_categorization_task", calls, latency, CONCURRENCY)
    with emulator_process("scale", latency=latency) as url:
        if sdk_version("scaleapi"):
            client = official_scale(url)
            tasks = importlib.import_module("scaleapi.tasks")
            categorization = tasks.TaskType.Categorization
            progress(f"  scale: official loop, {calls} creates ...")
            result.contenders.append(
                _loop(
                    "official",
                    "scaleapi.ScaleClient.create_task(Categorization), sequential loop",
                    calls,
                    lambda i: client.create_task(categorization, **_scale_params(i)),
                )
            )
        else:
            result.notes.append("scaleapi is not installed: the official row was skipped.")

        progress(f"  scale: labelkit create_tasks, {CONCURRENCY} in flight ...")

        async def bulk() -> Contender:
            async with AsyncScale(SCALE_KEY, base_url=url, rate_limit=None) as scale:

                async def run(count: int) -> int:
                    items = (_scale_params(i) for i in range(count))
                    ok = 0
                    async with scale.create_tasks(
                        "categorization", items, concurrency=CONCURRENCY
                    ) as outcomes:
                        async for outcome in outcomes:
                            outcome.unwrap()
                            ok += 1
                    return ok

                await run(WARMUP)
                with Stopwatch() as watch:
                    ok = await run(calls)
            title = f"labelkit AsyncScale.create_tasks, {CONCURRENCY} in flight"
            return Contender("bulk", title, calls, ok, watch.wall, watch.cpu)

        result.contenders.append(anyio.run(bulk))

        progress(f"  scale: labelkit sync facade loop, {calls} creates ...")
        with Scale(SCALE_KEY, base_url=url, rate_limit=None) as scale:
            result.contenders.append(
                _loop(
                    "sync",
                    "labelkit Scale (sync facade).create_categorization_task, sequential loop",
                    calls,
                    lambda i: scale.create_categorization_task(**_scale_params(i)),
                )
            )
    _report(result, progress)
    return result


def _report(result: ThroughputResult, progress: Callable[[str], object]) -> None:
    for c in result.contenders:
        speedup = result.speedup(c.key)
        versus = "" if speedup is None else f"  {speedup:5.1f}x official"
        progress(
            f"  {result.provider.lower()}: {c.title:<70} {c.rate:7.1f}/s  "
            f"wall {c.wall:6.2f}s  cpu {c.cpu:5.2f}s{versus}"
        )


if __name__ == "__main__":
    started = time.monotonic()
    run_fastlabel(calls=100)
    run_scale(calls=100)
    print(f"took {time.monotonic() - started:.0f} s")
