"""Helpers shared by the benchmarks: constants, the request driver, timing."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import anyio
import httpx

import labelkit

__all__ = [
    "API_PREFIX",
    "HEADERS",
    "TOKEN",
    "Sample",
    "Stopwatch",
    "create_operation",
    "drive",
    "median",
]

#: The RedFlag emulator's accepted bearer token.
TOKEN = "test-token"
#: Path of the RedFlag API root on the emulator (the production base URL's path).
API_PREFIX = "/api/v2/products/api"
#: Exactly the headers labelkit's RedFlag client sends on a GET.
HEADERS = {
    "User-Agent": f"labelkit/{labelkit.__version__}",
    "Accept": "application/json",
    "Authorization": f"Bearer {TOKEN}",
}


@dataclass(frozen=True)
class Sample:
    """One measured run: client-process CPU seconds and wall seconds for ``requests``."""

    cpu: float
    wall: float
    requests: int


def median(values: Sequence[float]) -> float:
    """The median (the middle run of an odd number of repetitions)."""
    return float(statistics.median(values))


def create_operation(api_root: str) -> tuple[int, int]:
    """Create a finished text operation on the emulator at ``api_root``.

    Returns ``(operation id, size in bytes of its GET body)``. Uses plain
    httpx so that setup does not touch the clients being measured.
    """
    with httpx.Client(base_url=api_root.rstrip("/") + "/", headers=HEADERS) as client:
        created = client.post(
            "operations",
            json={
                "type": "text",
                "analyses": ["sentiment-real", "topic", "spam-detection"],
                "contents": ["I love this product, the battery lasts for days."],
            },
        )
        created.raise_for_status()
        operation_id = int(created.json()["id"])
        fetched = client.get(f"operations/{operation_id}")
        fetched.raise_for_status()
        if fetched.json().get("status") != "done":
            raise RuntimeError(f"operation {operation_id} is not done: {fetched.text[:200]}")
        return operation_id, len(fetched.content)


async def drive(call: Callable[[], Awaitable[object]], requests: int, concurrency: int) -> None:
    """Make ``requests`` calls with at most ``concurrency`` in flight.

    ``concurrency`` worker tasks take the next call as soon as their previous
    one returns: the same bound as a ``concurrency``-slot semaphore around
    every call, without one task per request.
    """
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    async with anyio.create_task_group() as task_group:
        for _ in range(min(concurrency, requests)):
            task_group.start_soon(worker)


class Stopwatch:
    """CPU time of this process (every thread, no children) and wall time.

    ``gc.collect()`` runs before the start so that garbage left by the
    previous measurement is not collected, and billed, inside this one.
    """

    def __init__(self) -> None:
        self.cpu = 0.0
        self.wall = 0.0
        self._cpu0 = 0.0
        self._wall0 = 0.0

    def __enter__(self) -> Stopwatch:
        gc.collect()
        self._cpu0 = time.process_time()
        self._wall0 = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.wall = time.perf_counter() - self._wall0
        self.cpu = time.process_time() - self._cpu0

    def sample(self, requests: int) -> Sample:
        """The measurement as a :class:`Sample`."""
        return Sample(cpu=self.cpu, wall=self.wall, requests=requests)
