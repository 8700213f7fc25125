"""One of the processes sharing a Redis rate limit in tests/core/test_ratelimit_redis.py.

``python -m tests.core._redis_worker URL NAME CALLS PERIOD MARGIN N CONCURRENCY BACKEND``:
prints ``ready``, waits for a line on stdin, takes ``N`` held slots with
``CONCURRENCY`` tasks, and prints the ``time.monotonic()`` of every start as
a JSON list (one clock for every process of the machine on Linux and macOS).
"""

from __future__ import annotations

import json
import sys
import time

import anyio

from labelkit._config import RateLimit
from labelkit._ratelimit import Limiter
from labelkit._ratelimit_redis import RedisStore


async def main(store: RedisStore, limiter: Limiter, n: int, concurrency: int) -> list[float]:
    # Warm up first: worker threads and Redis connections, one per concurrent call.
    async with anyio.create_task_group() as tg:
        for _ in range(concurrency):
            tg.start_soon(anyio.to_thread.run_sync, store._client.ping)
    print("ready", flush=True)
    await anyio.to_thread.run_sync(sys.stdin.readline)

    starts: list[float] = []
    remaining = n

    async def task() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            # As the client does: the slot is held until the request is written.
            slot = await limiter.hold()
            starts.append(time.monotonic())
            slot.commit()

    async with anyio.create_task_group() as tg:
        for _ in range(concurrency):
            tg.start_soon(task)
    return starts


if __name__ == "__main__":
    url, name, calls, period, margin, n, concurrency, backend = sys.argv[1:9]
    store = RedisStore(url, name=name)
    limiter = Limiter(RateLimit(int(calls), float(period), margin=float(margin)), store=store)
    result = anyio.run(main, store, limiter, int(n), int(concurrency), backend=backend)
    print(json.dumps(result), flush=True)
