"""``python -m benchmarks._child JSON``: one measurement in a fresh process; prints one JSON line.

Memory and import cost are per process, so each contender runs alone here.
Tasks (``"task"`` in JSON):

- ``import``: wall time and RSS growth of ``import <module>``.
- ``create``: peak RSS growth of one FastLabel create (``kind`` image or
  video) by ``contender`` (``official``, ``labelkit`` (async) or
  ``labelkit-sync``), after a warm-up create of a tiny file of the same kind
  with the same client. The peak is the kernel's high-water mark (``VmHWM``),
  reset just before the measured call through ``/proc/self/clear_refs``, so
  the growth is ``VmHWM - VmRSS`` taken right before the call.

Only the standard library is imported before the measured part of ``import``.
"""

from __future__ import annotations

import gc
import importlib
import json
import sys
import time
from typing import Any


def _status(field: str) -> int:
    """A ``/proc/self/status`` field in bytes (``VmRSS``, ``VmHWM``)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def _import(spec: dict[str, Any]) -> dict[str, Any]:
    rss0 = _status("VmRSS")
    started = time.perf_counter()
    importlib.import_module(spec["module"])
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_before": rss0, "rss_after": _status("VmRSS")}


def _measure(call: Any) -> dict[str, Any]:
    gc.collect()
    rss0 = _status("VmRSS")
    reset = _reset_peak()
    hwm0 = _status("VmHWM")
    started = time.perf_counter()
    call()
    seconds = time.perf_counter() - started
    peak = _status("VmHWM")
    return {
        "seconds": seconds,
        "rss_before": rss0,
        "peak": peak,
        "rss_after": _status("VmRSS"),
        # Without the reset the high-water mark may predate the call.
        "peak_reset": reset or peak > hwm0,
    }


def _create(spec: dict[str, Any]) -> dict[str, Any]:
    contender, kind, url = spec["contender"], spec["kind"], spec["url"]
    project, warm, path = spec["project"], spec["warmup_file"], spec["file"]
    api = url.rstrip("/") + "/v1/"
    if contender == "official":
        from benchmarks._sdk import official_fastlabel

        client = official_fastlabel(url)
        create = getattr(client, f"create_{kind}_task")
        create(project=project, name=f"warm.{spec['ext']}", file_path=warm)
        return _measure(lambda: create(project=project, name=f"big.{spec['ext']}", file_path=path))
    if contender == "labelkit-sync":
        from labelkit.fastlabel import FastLabel

        with FastLabel("test-token", base_url=api, rate_limit=None) as sync_client:
            create = getattr(sync_client, f"create_{kind}_task")
            create(project, f"warm.{spec['ext']}", warm)
            return _measure(lambda: create(project, f"big.{spec['ext']}", path))
    import anyio

    from labelkit.fastlabel import AsyncFastLabel

    async def main() -> dict[str, Any]:
        async with AsyncFastLabel("test-token", base_url=api, rate_limit=None) as client:
            acreate = getattr(client, f"create_{kind}_task")
            await acreate(project, f"warm.{spec['ext']}", warm)
            gc.collect()
            rss0 = _status("VmRSS")
            reset = _reset_peak()
            hwm0 = _status("VmHWM")
            started = time.perf_counter()
            await acreate(project, f"big.{spec['ext']}", path)
            seconds = time.perf_counter() - started
            peak = _status("VmHWM")
            return {
                "seconds": seconds,
                "rss_before": rss0,
                "peak": peak,
                "rss_after": _status("VmRSS"),
                "peak_reset": reset or peak > hwm0,
            }

    result: dict[str, Any] = anyio.run(main)
    return result


if __name__ == "__main__":
    task = json.loads(sys.argv[1])
    handler = {"import": _import, "create": _create}[task["task"]]
    print(json.dumps(handler(task)))
