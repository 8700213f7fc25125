"""``python -m benchmarks._serve``: an emulator process with options the CLI does not have.

Used where a benchmark needs a constructor option of an emulator (the
CloudSight emulator's ``processing_time_spread``) or to read its state back:
besides the emulator's own routes it serves ``GET /__bench__/jobs`` (no
auth), which for the CloudSight emulator lists every job's creation and
completion time as ``time.monotonic()`` of this machine (CLOCK_MONOTONIC is
system-wide on Linux, so the client process can compare them with its own).
Arguments: ``PROVIDER PORT JSON`` where JSON holds ``config`` (EmulatorConfig
fields) and ``options`` (constructor keywords).
"""

from __future__ import annotations

import functools
import json
import signal
import sys
import time
from typing import Any

import anyio

from labelkit._config import RateLimit
from labelkit._emulator import (
    EmulatorApp,
    EmulatorConfig,
    Request,
    Response,
    create_emulator,
    json_response,
    serve,
)


def _jobs_route(app: EmulatorApp) -> Any:
    async def jobs(request: Request) -> Response:
        mono, sim = time.monotonic(), app.clock.now()
        processing = app.config.processing_time
        rows = [
            {
                "token": token,
                "created": mono - (sim - job.created_at),
                "done": mono - (sim - job.created_at) + processing + job.extra_time,
            }
            for token, job in getattr(app, "jobs", {}).items()
        ]
        return json_response({"now": mono, "jobs": rows})

    return jobs


async def _main(provider: str, port: int, spec: dict[str, Any]) -> None:
    config = dict(spec.get("config", {}))
    if config.get("rate_limit"):
        calls, period = config["rate_limit"]
        config["rate_limit"] = RateLimit(calls, period)
    app = create_emulator(provider, config=EmulatorConfig(**config), **spec.get("options", {}))
    app.add_route("GET", "/__bench__/jobs", _jobs_route(app), auth=False)
    async with anyio.create_task_group() as task_group:
        await task_group.start(functools.partial(serve, app, host="127.0.0.1", port=port))
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            print(f"{provider} emulator listening on 127.0.0.1:{port}", flush=True)
            async for _ in signals:
                break
        task_group.cancel_scope.cancel()


if __name__ == "__main__":
    anyio.run(_main, sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]))
