"""Benchmark 1: labelkit's CPU overhead per request against raw httpx.

The same ``GET operations/{id}`` (an existing, finished operation; identical
headers; JSON parsed) is sent ``requests`` times to the RedFlag emulator
running in a separate process with zero latency. Only this process's CPU time
is measured, so the server's work is not counted. Pairs compared:

* async: ``AsyncRedFlag.get_operation`` vs ``httpx.AsyncClient.get`` +
  ``.json()``, 16 in flight through the same driver (16 worker tasks); also
  labelkit's own ``client.bulk(...)`` as the driver;
* sync: ``RedFlag.get_operation`` (the generated facade, which runs the async
  method on labelkit's background loop) vs ``httpx.Client.get`` + ``.json()``,
  one request after another. For reference, the cheapest possible facade of
  that design: ``httpx.AsyncClient`` on a bare asyncio loop in a thread, each
  call sent through ``asyncio.run_coroutine_threadsafe``.

Runs are interleaved (each repetition runs every variant, in a rotated order)
and the median of the repetitions is reported. Nothing here asserts a time.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
import httpx

import labelkit

from ._common import (
    API_PREFIX,
    HEADERS,
    TOKEN,
    Sample,
    Stopwatch,
    create_operation,
    drive,
    median,
)
from ._server import emulator_process

__all__ = [
    "GOAL_ASYNC",
    "GOAL_SYNC",
    "Comparison",
    "OverheadResult",
    "Variant",
    "VariantResult",
    "run",
]

GOAL_ASYNC = 1.3
GOAL_SYNC = 1.6
CONCURRENCY = 16
#: AsyncRedFlag's default pool size; the raw clients get the same limits.
MAX_CONNECTIONS = 64
_LIMITS = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS)
#: labelkit's default per-attempt timeouts (Timeout()), given to the raw clients too.
_TIMEOUT = httpx.Timeout(60.0, connect=5.0)


@dataclass(frozen=True)
class Context:
    """What every variant needs: where to send, what to get, how many times."""

    api_root: str
    operation_id: int
    requests: int
    warmup: int
    concurrency: int


@dataclass(frozen=True)
class Variant:
    """One way of making the requests; ``run`` returns the measured sample."""

    key: str
    title: str
    run: Callable[[Context], Sample]


@dataclass
class VariantResult:
    """Every sample of one variant."""

    variant: Variant
    samples: list[Sample] = field(default_factory=list)

    @property
    def cpu(self) -> float:
        """Median CPU seconds."""
        return median([s.cpu for s in self.samples])

    @property
    def wall(self) -> float:
        """Median wall seconds."""
        return median([s.wall for s in self.samples])

    @property
    def requests_per_second(self) -> float:
        """Requests per second at the median wall time."""
        return self.samples[0].requests / self.wall

    @property
    def cpu_per_request_us(self) -> float:
        """Median CPU microseconds per request."""
        return self.cpu / self.samples[0].requests * 1e6


@dataclass(frozen=True)
class Comparison:
    """A variant against a baseline; ``ratio`` is of median CPU seconds.

    ``goal`` is ``None`` for reference rows that have no goal.
    """

    title: str
    labelkit: VariantResult
    baseline: VariantResult
    goal: float | None

    @property
    def ratio(self) -> float:
        """Median labelkit CPU seconds over median baseline CPU seconds."""
        return self.labelkit.cpu / self.baseline.cpu

    @property
    def per_run_ratios(self) -> list[float]:
        """CPU ratio of each repetition (same repetition of both variants)."""
        return [
            lk.cpu / raw.cpu
            for lk, raw in zip(self.labelkit.samples, self.baseline.samples, strict=True)
        ]

    @property
    def meets_goal(self) -> bool | None:
        """Whether the median ratio is within the goal (``None``: no goal)."""
        return None if self.goal is None else self.ratio <= self.goal


@dataclass
class OverheadResult:
    """Everything the overhead benchmark measured."""

    requests: int
    warmup: int
    repeat: int
    concurrency: int
    body_bytes: int
    results: dict[str, VariantResult]
    comparisons: list[Comparison]
    notes: list[str]


# -- async variants ---------------------------------------------------------------------
# -- async variants ---------------------------------------------------------------------


def _raw_async(backend: str) -> Callable[[Context], Sample]:
    def run(ctx: Context) -> Sample:
        async def main() -> Sample:
            async with httpx.AsyncClient(
                base_url=ctx.api_root + "/", headers=HEADERS, limits=_LIMITS, timeout=_TIMEOUT
            ) as client:
                path = f"operations/{ctx.operation_id}"

                async def call() -> object:
                    response = await client.get(path)
                    response.raise_for_status()
                    return response.json()

                await drive(call, ctx.warmup, ctx.concurrency)
                with Stopwatch() as watch:
                    await drive(call, ctx.requests, ctx.concurrency)
                return watch.sample(ctx.requests)

        return anyio.run(main, backend=backend)

    return run


def _labelkit_async(backend: str) -> Callable[[Context], Sample]:
    def run(ctx: Context) -> Sample:
        async def main() -> Sample:
            async with labelkit.AsyncRedFlag(
                TOKEN, base_url=ctx.api_root, rate_limit=None, max_connections=MAX_CONNECTIONS
            ) as client:
                _check_done(await client.get_operation(ctx.operation_id))

                async def call() -> object:
                    return await client.get_operation(ctx.operation_id)

                await drive(call, ctx.warmup, ctx.concurrency)
                with Stopwatch() as watch:
                    await drive(call, ctx.requests, ctx.concurrency)
                return watch.sample(ctx.requests)

        return anyio.run(main, backend=backend)

    return run


def _labelkit_bulk(backend: str) -> Callable[[Context], Sample]:
    def run(ctx: Context) -> Sample:
        async def main() -> Sample:
            async with labelkit.AsyncRedFlag(
                TOKEN, base_url=ctx.api_root, rate_limit=None, max_connections=MAX_CONNECTIONS
            ) as client:

                async def run_bulk(count: int) -> None:
                    ids = itertools.repeat(ctx.operation_id, count)
                    async with client.bulk(
                        client.get_operation, ids, concurrency=ctx.concurrency
                    ) as outcomes:
                        async for outcome in outcomes:
                            outcome.unwrap()

                await run_bulk(ctx.warmup)
                with Stopwatch() as watch:
                    await run_bulk(ctx.requests)
                return watch.sample(ctx.requests)

        return anyio.run(main, backend=backend)

    return run


# -- sync variants ----------------------------------------------------------------------


def _raw_sync(ctx: Context) -> Sample:
    with httpx.Client(
        base_url=ctx.api_root + "/", headers=HEADERS, limits=_LIMITS, timeout=_TIMEOUT
    ) as client:
        path = f"operations/{ctx.operation_id}"

        def call() -> object:
            response = client.get(path)
            response.raise_for_status()
            return response.json()

        for _ in range(ctx.warmup):
            call()
        with Stopwatch() as watch:
            for _ in range(ctx.requests):
                call()
        return watch.sample(ctx.requests)


def _raw_background_loop(ctx: Context) -> Sample:
    """httpx.AsyncClient on a bare asyncio loop in a thread, called from this one."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="bench-loop", daemon=True)
    thread.start()

    async def open_client() -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=ctx.api_root + "/", headers=HEADERS, limits=_LIMITS, timeout=_TIMEOUT
        )

    try:
        client = asyncio.run_coroutine_threadsafe(open_client(), loop).result()
        path = f"operations/{ctx.operation_id}"

        async def call() -> object:
            response = await client.get(path)
            response.raise_for_status()
            return response.json()

        try:
            for _ in range(ctx.warmup):
                asyncio.run_coroutine_threadsafe(call(), loop).result()
            with Stopwatch() as watch:
                for _ in range(ctx.requests):
                    asyncio.run_coroutine_threadsafe(call(), loop).result()
        finally:
            asyncio.run_coroutine_threadsafe(client.aclose(), loop).result()
        return watch.sample(ctx.requests)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


def _labelkit_sync(ctx: Context) -> Sample:
    with labelkit.RedFlag(
        TOKEN, base_url=ctx.api_root, rate_limit=None, max_connections=MAX_CONNECTIONS
    ) as client:
        _check_done(client.get_operation(ctx.operation_id))
        for _ in range(ctx.warmup):
            client.get_operation(ctx.operation_id)
        with Stopwatch() as watch:
            for _ in range(ctx.requests):
                client.get_operation(ctx.operation_id)
        return watch.sample(ctx.requests)


def _check_done(operation: object) -> None:
    status = getattr(operation, "status", None)
    if getattr(status, "value", status) != "done":
        raise RuntimeError(f"unexpected operation from labelkit: {operation!r}")


def sync_facade_ready() -> bool:
    """Whether ``labelkit.RedFlag`` is the generated sync class (not a placeholder)."""
    from labelkit._sync._base import SyncClient

    return isinstance(labelkit.RedFlag, type) and issubclass(labelkit.RedFlag, SyncClient)


def trio_available() -> bool:
    """Whether trio is installed (``nox -s bench`` installs it)."""
    try:
        import trio  # noqa: F401
    except ImportError:
        return False
    return True


# -- the benchmark ----------------------------------------------------------------------


def run(
    *,
    requests: int = 2000,
    repeat: int = 5,
    warmup: int | None = None,
    concurrency: int = CONCURRENCY,
    extended: bool = False,
    progress: Callable[[str], object] = print,
) -> OverheadResult:
    """Run every variant ``repeat`` times, interleaved, against one emulator process.

    ``extended`` adds labelkit's ``client.bulk`` as the async driver and the
    async pair on trio.
    """
    warmup = max(50, requests // 20) if warmup is None else warmup
    notes: list[str] = []
    variants = [
        Variant("raw-async", "httpx.AsyncClient, 16 in flight (asyncio)", _raw_async("asyncio")),
        Variant(
            "lk-async", "labelkit AsyncRedFlag, 16 in flight (asyncio)", _labelkit_async("asyncio")
        ),
    ]
    sync_ready = sync_facade_ready()
    if sync_ready:
        variants += [
            Variant("raw-sync", "httpx.Client, sequential", _raw_sync),
            Variant("lk-sync", "labelkit RedFlag (sync facade), sequential", _labelkit_sync),
            Variant(
                "raw-bgloop", "httpx.AsyncClient on a loop thread, sequential", _raw_background_loop
            ),
        ]
    else:
        notes.append(
            "labelkit.RedFlag is not the generated sync class yet: the sync pair was skipped."
        )
    use_trio = extended and trio_available()
    if extended:
        variants.append(
            Variant(
                "lk-bulk",
                "labelkit AsyncRedFlag via client.bulk (asyncio)",
                _labelkit_bulk("asyncio"),
            )
        )
        if not use_trio:
            notes.append("trio is not installed: the trio pair was skipped.")
    if use_trio:
        variants += [
            Variant("raw-async-trio", "httpx.AsyncClient, 16 in flight (trio)", _raw_async("trio")),
            Variant(
                "lk-async-trio",
                "labelkit AsyncRedFlag, 16 in flight (trio)",
                _labelkit_async("trio"),
            ),
        ]

    results = {v.key: VariantResult(v) for v in variants}
    with emulator_process("redflag", processing_time=0.0) as url:
        api_root = url + API_PREFIX
        operation_id, body_bytes = create_operation(api_root)
        ctx = Context(api_root, operation_id, requests, warmup, concurrency)
        for rep in range(repeat):
            shift = rep % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                sample = variant.run(ctx)
                results[variant.key].samples.append(sample)
                progress(
                    f"  overhead {rep + 1}/{repeat}  {variant.title:<48} "
                    f"cpu {sample.cpu:6.2f}s  wall {sample.wall:6.2f}s"
                )

    def compare(title: str, key: str, baseline: str, goal: float | None) -> Comparison:
        return Comparison(title, results[key], results[baseline], goal)

    comparisons = [compare("async, 16 in flight (asyncio)", "lk-async", "raw-async", GOAL_ASYNC)]
    if extended:
        comparisons.append(
            compare("async via client.bulk() (asyncio)", "lk-bulk", "raw-async", GOAL_ASYNC)
        )
    if use_trio:
        comparisons.append(
            compare("async, 16 in flight (trio)", "lk-async-trio", "raw-async-trio", GOAL_ASYNC)
        )
    if sync_ready:
        comparisons += [
            compare("sync facade, sequential", "lk-sync", "raw-sync", GOAL_SYNC),
            compare(
                "reference: httpx.AsyncClient on a loop thread vs httpx.Client",
                "raw-bgloop",
                "raw-sync",
                None,
            ),
            compare(
                "reference: sync facade vs httpx.AsyncClient on a loop thread",
                "lk-sync",
                "raw-bgloop",
                None,
            ),
        ]
    return OverheadResult(
        requests=requests,
        warmup=warmup,
        repeat=repeat,
        concurrency=concurrency,
        body_bytes=body_bytes,
        results=results,
        comparisons=comparisons,
        notes=notes,
    )
