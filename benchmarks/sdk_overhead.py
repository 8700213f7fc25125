"""Benchmark 5 (second part): client CPU per request of the official SDKs and of labelkit.

For each provider, one read of an existing object, sent ``requests`` times to
its emulator (a separate process, zero latency, so the server's CPU is not
counted): FastLabel ``find_image_task(id)``, Scale ``get_task(id)``,
CloudSight ``image_response(token)``. Variants, all one call after another
except the last:

- the official SDK (``requests`` underneath; FastLabel and CloudSight call
  ``requests.get``, Scale builds a ``requests.Session`` per call: a new
  connection every time, which is part of what they cost);
- ``httpx.Client`` (one keep-alive connection), the floor for a sequential
  Python client;
- labelkit's sync facade;
- labelkit's async client with 16 in flight (for scale; not a like-for-like
  row, sequential calls are).

CPU time of this process around the requests only (``time.process_time()``),
after a warm-up; repetitions interleaved, medians reported.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx

from labelkit.cloudsight import AsyncCloudSight, CloudSight
from labelkit.fastlabel import AsyncFastLabel, FastLabel
from labelkit.scale import AsyncScale, Scale

from ._common import Sample, Stopwatch, drive, median
from ._media import png
from ._sdk import (
    CLOUDSIGHT_KEY,
    FASTLABEL_TOKEN,
    SCALE_KEY,
    fastlabel_project,
    official_cloudsight,
    official_fastlabel,
    official_scale,
    sdk_version,
)
from ._server import emulator_process

__all__ = ["ProviderOverhead", "SdkOverheadResult", "run"]

CONCURRENCY = 16
VARIANTS = {
    "official": "official SDK, sequential",
    "httpx": "httpx.Client, sequential",
    "sync": "labelkit sync facade, sequential",
    "async": f"labelkit async, {CONCURRENCY} in flight",
}


@dataclass
class ProviderOverhead:
    """Every sample of every variant for one provider's read."""

    provider: str
    operation: str
    samples: dict[str, list[Sample]] = field(default_factory=dict)

    def cpu_us(self, key: str) -> float | None:
        """Median CPU microseconds per request of variant ``key``."""
        samples = self.samples.get(key)
        if not samples:
            return None
        return median([s.cpu / s.requests for s in samples]) * 1e6

    def wall_us(self, key: str) -> float | None:
        """Median wall microseconds per request of variant ``key``."""
        samples = self.samples.get(key)
        if not samples:
            return None
        return median([s.wall / s.requests for s in samples]) * 1e6


@dataclass
class SdkOverheadResult:
    """Benchmark 5's SDK rows."""

    requests: int
    repeat: int
    providers: list[ProviderOverhead]
    notes: list[str]


Runner = Callable[[int], Sample]


def _sequential(call: Callable[[], object], warmup: int) -> Runner:
    def run(requests: int) -> Sample:
        for _ in range(warmup):
            call()
        with Stopwatch() as watch:
            for _ in range(requests):
                call()
        return watch.sample(requests)

    return run


def _async(make: Callable[[], Any], method: str, arg: str, warmup: int) -> Runner:
    def run(requests: int) -> Sample:
        async def main() -> Sample:
            async with make() as client:
                fetch = getattr(client, method)

                async def call() -> object:
                    return await fetch(arg)

                await drive(call, warmup, CONCURRENCY)
                with Stopwatch() as watch:
                    await drive(call, requests, CONCURRENCY)
                return watch.sample(requests)

        result: Sample = anyio.run(main)
        return result

    return run


def _measure(
    result: ProviderOverhead,
    runners: dict[str, Runner],
    requests: int,
    repeat: int,
    progress: Callable[[str], object],
) -> None:
    keys = list(runners)
    for rep in range(repeat):
        shift = rep % len(keys)
        for key in keys[shift:] + keys[:shift]:
            sample = runners[key](requests)
            result.samples.setdefault(key, []).append(sample)
            progress(
                f"  sdk overhead {rep + 1}/{repeat}  {result.provider:<10} {VARIANTS[key]:<36} "
                f"{sample.cpu / requests * 1e6:7.0f} µs CPU/req"
            )


def _fastlabel(requests: int, repeat: int, warmup: int, p: Callable[[str], object]) -> Any:
    result = ProviderOverhead("FastLabel", "find_image_task(id)")
    with emulator_process("fastlabel") as url:
        api = url + "/v1/"
        project = fastlabel_project(url, "reads")
        headers = {"Authorization": f"Bearer {FASTLABEL_TOKEN}"}
        body = {"project": project, "name": "a.png", "file": base64.b64encode(png()).decode()}
        created = httpx.post(api + "tasks/image", json=body, headers=headers)
        created.raise_for_status()
        task_id: str = created.json()
        runners: dict[str, Runner] = {}
        raw = httpx.Client(base_url=api, headers=headers)
        sync = FastLabel(FASTLABEL_TOKEN, base_url=api, rate_limit=None)
        try:
            if sdk_version("fastlabel"):
                official = official_fastlabel(url)
                runners["official"] = _sequential(lambda: official.find_image_task(task_id), warmup)
            runners["httpx"] = _sequential(
                lambda: raw.get(f"tasks/image/{task_id}").raise_for_status().json(), warmup
            )
            runners["sync"] = _sequential(lambda: sync.find_image_task(task_id), warmup)
            runners["async"] = _async(
                lambda: AsyncFastLabel(FASTLABEL_TOKEN, base_url=api, rate_limit=None),
                "find_image_task",
                task_id,
                warmup,
            )
            _measure(result, runners, requests, repeat, p)
        finally:
            raw.close()
            sync.close()
    return result


def _scale(requests: int, repeat: int, warmup: int, p: Callable[[str], object]) -> Any:
    result = ProviderOverhead("Scale", "get_task(id)")
    with emulator_process("scale") as url:
        auth = (SCALE_KEY, "")
        body = {"attachment": "https://example.com/a.jpg", "categories": ["cat", "dog"]}
        created = httpx.post(url + "/v1/task/categorization", json=body, auth=auth)
        created.raise_for_status()
        task_id: str = created.json()["task_id"]
        runners: dict[str, Runner] = {}
        raw = httpx.Client(base_url=url + "/v1/", auth=auth)
        sync = Scale(SCALE_KEY, base_url=url, rate_limit=None)
        try:
            if sdk_version("scaleapi"):
                official = official_scale(url)
                runners["official"] = _sequential(lambda: official.get_task(task_id), warmup)
            runners["httpx"] = _sequential(
                lambda: raw.get(f"task/{task_id}").raise_for_status().json(), warmup
            )
            runners["sync"] = _sequential(lambda: sync.get_task(task_id), warmup)
            runners["async"] = _async(
                lambda: AsyncScale(SCALE_KEY, base_url=url, rate_limit=None),
                "get_task",
                task_id,
                warmup,
            )
            _measure(result, runners, requests, repeat, p)
        finally:
            raw.close()
            sync.close()
    return result


def _cloudsight(requests: int, repeat: int, warmup: int, p: Callable[[str], object]) -> Any:
    result = ProviderOverhead("CloudSight", "image_response(token)")
    with emulator_process("cloudsight", processing_time=0.0) as url:
        headers = {"Authorization": f"CloudSight {CLOUDSIGHT_KEY}"}
        form = {
            "image_request[remote_image_url]": "https://example.com/a.jpg",
            "image_request[locale]": "en-US",
        }
        created = httpx.post(url + "/image_requests", data=form, headers=headers)
        created.raise_for_status()
        token: str = created.json()["token"]
        runners: dict[str, Runner] = {}
        raw = httpx.Client(base_url=url + "/", headers=headers)
        sync = CloudSight(CLOUDSIGHT_KEY, base_url=url)
        try:
            if sdk_version("cloudsight"):
                official = official_cloudsight(url)
                runners["official"] = _sequential(lambda: official.image_response(token), warmup)
            runners["httpx"] = _sequential(
                lambda: raw.get(f"image_responses/{token}").raise_for_status().json(), warmup
            )
            runners["sync"] = _sequential(lambda: sync.image_response(token), warmup)
            runners["async"] = _async(
                lambda: AsyncCloudSight(CLOUDSIGHT_KEY, base_url=url),
                "image_response",
                token,
                warmup,
            )
            _measure(result, runners, requests, repeat, p)
        finally:
            raw.close()
            sync.close()
    return result


def run(
    *, requests: int = 400, repeat: int = 3, progress: Callable[[str], object] = print
) -> SdkOverheadResult:
    """Run the SDK rows of benchmark 5; see the module docstring."""
    warmup = max(10, requests // 20)
    notes = [
        f"{name} is not installed: its official row was skipped."
        for name in ("fastlabel", "scaleapi", "cloudsight")
        if sdk_version(name) is None
    ]
    providers = [
        measure(requests, repeat, warmup, progress) for measure in (_fastlabel, _scale, _cloudsight)
    ]
    return SdkOverheadResult(requests, repeat, providers, notes)


if __name__ == "__main__":
    for provider in run(requests=100, repeat=1).providers:
        print(provider.provider, {k: provider.cpu_us(k) for k in itertools.chain(VARIANTS)})
