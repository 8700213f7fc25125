"""Bulk FastLabel creates side by side against a fixed server (benchmark 7).

Every contender sends ``calls`` ``POST tasks/image`` bodies (a 22 KB PNG,
read and base64-encoded per item, as each client does) to the fixed server
of ``_fixed.py`` (a separate process: after ``latency`` it answers every
request with one pre-encoded response), 16 in flight:

- ``labelkit``: ``AsyncFastLabel.bulk_create(concurrency=16, rate_limit=None)``;
- ``official``: ``fastlabel.Client.create_image_task`` from a 16-thread pool;
- ``httpx``: raw ``httpx.AsyncClient`` with 16 worker tasks;
- ``aiohttp``: ``aiohttp.ClientSession`` with 16 worker tasks;
- ``floor``: hand-written HTTP/1.1 on asyncio streams, 16 keep-alive
  connections, pre-encoded request heads.

Also: the same over TLS (``trustme``, loopback); the cost per create from
1k to ``flat_calls`` items; and a compressed FastLabel limit (``500`` per
``10 s``, ``100 ms`` latency) where the official SDK in 16 threads, which has
no limiter and does not retry a 429, loses items while labelkit waits.

The limited run's utilisation is read on the arrival times the server itself
admitted (its sliding window's own clock): ``(n - 500) / (t_last - t_500)``
over ``500 / 10 s`` ("steady", at most 1 for any schedule the server accepts,
as ``n`` = 1500 is a multiple of the limit; the goal). Timed from the first
arrival instead, the first burst counts as lost time: 500 creates at 16 in
flight and 100 ms latency take over 3 s, and a sliding window makes each
later window repeat the first one's schedule, so that figure is capped near
0.85 by the burst, whatever the limiter (its ceiling is reported with it).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx

from labelkit import RateLimit
from labelkit.fastlabel import AsyncFastLabel

from ._common import Stopwatch
from ._media import write_png
from ._sdk import FASTLABEL_TOKEN, import_fastlabel, sdk_version
from ._server import REPO_ROOT, _accepts, _stop, free_port
from .ratelimit import burst_ceiling, utilisation

__all__ = ["BulkResult", "Row", "fixed_server", "run"]

CONCURRENCY = 16
IMAGE_BYTES = 22 * 1024
WARMUP = 16
PROJECT = "bench"
TASK_ID = "0a7b6f1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b"


@dataclass(frozen=True)
class Row:
    """One contender's run."""

    key: str
    title: str
    calls: int
    ok: int
    wall: float
    cpu: float
    rejected: int = 0  # 429s the server sent
    lost: int = 0  # items that did not end in a task

    @property
    def rate(self) -> float:
        return self.ok / self.wall if self.wall else 0.0

    @property
    def cpu_us(self) -> float:
        return self.cpu / max(self.ok, 1) * 1e6


@dataclass
class BulkResult:
    """Benchmark 7: every run."""

    calls: int
    latency: float
    plain: list[Row] = field(default_factory=list)
    tls: list[Row] = field(default_factory=list)
    flat: list[Row] = field(default_factory=list)
    limited: list[Row] = field(default_factory=list)
    limit: tuple[int, float] = (500, 10.0)
    limited_latency: float = 0.1
    #: Server-accepted arrival times of labelkit's limited run (see :func:`_limited`).
    accepted: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def get(self, rows: list[Row], key: str) -> Row | None:
        return next((r for r in rows if r.key == key), None)

    @property
    def utilisation(self) -> float:
        """Steady: ``(n - calls) / (t_last - t_calls)`` over the limit's rate (the goal)."""
        calls, period = self.limit
        return utilisation(self.accepted, calls, period, steady=True)

    @property
    def burst_utilisation(self) -> float:
        """The same timed from the first arrival: the first burst's duration counted as lost."""
        calls, period = self.limit
        return utilisation(self.accepted, calls, period)

    @property
    def burst_ceiling(self) -> float:
        """The best :attr:`burst_utilisation` after this first burst, with the default margin."""
        calls, period = self.limit
        return burst_ceiling(self.accepted, calls, period, RateLimit(calls, period).margin)


# -- the server ------------------------------------------------------------------------


@contextlib.contextmanager
def fixed_server(
    latency: float,
    *,
    limit: tuple[int, float] | None = None,
    cert: tuple[str, str] | None = None,
    get_body: str = "{}",
) -> Iterator[str]:
    """Run ``python -m benchmarks._fixed`` in a child process; yields its base URL."""
    port = free_port()
    spec = {
        "latency": latency,
        "post": json.dumps(TASK_ID),
        "get": get_body,
        "limit": list(limit) if limit else None,
        "cert": cert[0] if cert else None,
        "key": cert[1] if cert else None,
    }
    command = [sys.executable, "-m", "benchmarks._fixed", str(port), json.dumps(spec)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, cwd=REPO_ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while not _accepts(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[:3]} did not start")
            time.sleep(0.05)
        yield f"{'https' if cert else 'http'}://127.0.0.1:{port}"
    finally:
        _stop(process)


def _stats(url: str, verify: Any = True) -> dict[str, Any]:
    with httpx.Client(verify=verify) as client:
        data: dict[str, Any] = client.get(url + "/__stats__").json()
        return data


# -- contenders ------------------------------------------------------------------------


def _body(image: pathlib.Path, name: str) -> bytes:
    encoded = base64.b64encode(image.read_bytes()).decode()
    return json.dumps({"project": PROJECT, "name": name, "file": encoded}).encode()


async def _labelkit(api: str, image: pathlib.Path, calls: int, **options: Any) -> tuple[int, int]:
    """(ok, lost)"""
    async with AsyncFastLabel(FASTLABEL_TOKEN, base_url=api, **options) as fl:

        async def run(prefix: str, count: int) -> tuple[int, int]:
            items = ({"name": f"{prefix}-{i}.png", "file_path": image} for i in range(count))
            ok = lost = 0
            async with fl.bulk_create("image", PROJECT, items, concurrency=CONCURRENCY) as outs:
                async for outcome in outs:
                    if outcome.ok:
                        ok += 1
                    else:
                        lost += 1
            return ok, lost

        return await run("b", calls)


async def _workers(calls: int, one: Callable[[int], Any]) -> int:
    remaining = iter(range(calls))
    ok = 0

    async def worker() -> None:
        nonlocal ok
        for i in remaining:
            await one(i)
            ok += 1

    async with anyio.create_task_group() as group:
        for _ in range(CONCURRENCY):
            group.start_soon(worker)
    return ok


async def _httpx(api: str, image: pathlib.Path, calls: int, verify: Any) -> int:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    headers = {"Authorization": f"Bearer {FASTLABEL_TOKEN}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=api, headers=headers, limits=limits, verify=verify) as c:

        async def one(i: int) -> None:
            content = await anyio.to_thread.run_sync(_body, image, f"h-{i}.png")
            r = await c.post("tasks/image", content=content)
            r.raise_for_status()
            r.json()

        return await _workers(calls, one)


async def _aiohttp(api: str, image: pathlib.Path, calls: int, ssl_context: Any) -> int:
    import aiohttp

    headers = {"Authorization": f"Bearer {FASTLABEL_TOKEN}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=CONCURRENCY, ssl=ssl_context)
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:

        async def one(i: int) -> None:
            content = await asyncio.to_thread(_body, image, f"a-{i}.png")
            async with session.post(api + "tasks/image", data=content) as r:
                r.raise_for_status()
                await r.json()

        return await _workers(calls, one)


async def _floor(url: str, image: pathlib.Path, calls: int, ssl_context: Any) -> int:
    host, port = url.split("//", 1)[1].split(":")
    head = (
        (
            "POST /v1/tasks/image HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {FASTLABEL_TOKEN}\r\nContent-Type: application/json\r\n"
            "Content-Length: "
        )
        .format(host=host, port=port)
        .encode()
    )
    remaining = iter(range(calls))
    ok = 0

    async def connection() -> None:
        nonlocal ok
        reader, writer = await asyncio.open_connection(host, int(port), ssl=ssl_context)
        try:
            for i in remaining:
                body = _body(image, f"f-{i}.png")
                writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
                response = await reader.readuntil(b"\r\n\r\n")
                at = response.index(b"Content-Length:") + 15
                await reader.readexactly(int(response[at : response.index(b"\r\n", at)]))
                if not response.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(response[:40])
                ok += 1
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(CONCURRENCY)))
    return ok


def _official(url: str, image: pathlib.Path, calls: int) -> tuple[int, int]:
    """(ok, lost) from a 16-thread pool; an exception (a 429) loses the item."""
    os.environ["FASTLABEL_API_URL"] = url + "/v1/"
    os.environ["FASTLABEL_ACCESS_TOKEN"] = FASTLABEL_TOKEN
    client = import_fastlabel().Client()

    def one(i: int) -> bool:
        try:
            client.create_image_task(project=PROJECT, name=f"o-{i}.png", file_path=str(image))
            return True
        except Exception:
            return False

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        done = list(pool.map(one, range(calls)))
    return sum(done), calls - sum(done)


# -- runs ------------------------------------------------------------------------------


def _timed(key: str, title: str, calls: int, fn: Callable[[int], Any]) -> Row:
    fn(min(WARMUP, calls))
    with Stopwatch() as watch:
        outcome = fn(calls)
    ok, lost = outcome if isinstance(outcome, tuple) else (outcome, calls - outcome)
    return Row(key, title, calls, ok, watch.wall, watch.cpu, lost=lost)


def _contenders(
    url: str, image: pathlib.Path, calls: int, verify: Any, ssl_context: Any, only: set[str]
) -> list[Row]:
    api = url + "/v1/"
    rows: list[Row] = []
    official = bool(sdk_version("fastlabel"))
    have_aiohttp = bool(sdk_version("aiohttp"))
    table: list[tuple[str, str, Callable[[int], Any]]] = [
        (
            "labelkit",
            f"labelkit AsyncFastLabel.bulk_create, {CONCURRENCY} in flight",
            lambda n: anyio.run(lambda: _labelkit(api, image, n, rate_limit=None, verify=verify)),
        ),
        (
            "official",
            f"fastlabel.Client.create_image_task, {CONCURRENCY}-thread pool",
            lambda n: _official(url, image, n),
        ),
        (
            "httpx",
            f"raw httpx.AsyncClient, {CONCURRENCY} workers",
            lambda n: anyio.run(_httpx, api, image, n, verify),
        ),
        (
            "aiohttp",
            f"aiohttp.ClientSession, {CONCURRENCY} workers",
            lambda n: asyncio.run(_aiohttp(api, image, n, ssl_context)),
        ),
        (
            "floor",
            f"hand-written HTTP/1.1 on asyncio streams, {CONCURRENCY} connections",
            lambda n: asyncio.run(_floor(url, image, n, ssl_context)),
        ),
    ]
    for key, title, fn in table:
        if key not in only or (key == "official" and not official):
            continue
        if key == "aiohttp" and not have_aiohttp:
            continue
        rows.append(_timed(key, title, calls, fn))
    return rows


def run(
    *,
    calls: int = 1000,
    latency: float = 0.02,
    flat_calls: int = 50_000,
    limited_calls: int = 1500,
    tls: bool = True,
    progress: Callable[[str], object] = print,
) -> BulkResult:
    """Benchmark 7 (see the module docstring)."""
    result = BulkResult(calls=calls, latency=latency)
    everyone = {"labelkit", "official", "httpx", "aiohttp", "floor"}
    with tempfile.TemporaryDirectory() as tmp:
        image = write_png(pathlib.Path(tmp) / "image.png", IMAGE_BYTES)
        with fixed_server(latency) as url:
            progress(f"  side by side, {calls} creates, latency {latency * 1e3:.0f} ms ...")
            result.plain = _contenders(url, image, calls, True, None, everyone)
            _report(result.plain, progress)
            if flat_calls > calls:
                progress(f"  labelkit cost per create at {flat_calls} items ...")
                result.flat = [
                    *[r for r in result.plain if r.key == "labelkit"],
                    *_contenders(url, image, flat_calls, True, None, {"labelkit"}),
                ]
                _report(result.flat, progress)
        if tls:
            try:
                import trustme
            except ImportError:
                result.notes.append("trustme is not installed: the TLS rows were skipped.")
            else:
                result.tls = _tls(trustme, tmp, image, calls, latency, progress)
        result.limited = _limited(result, image, limited_calls, progress)
    return result


def _tls(
    trustme: Any,
    tmp: str,
    image: pathlib.Path,
    calls: int,
    latency: float,
    progress: Callable[[str], object],
) -> list[Row]:
    import ssl

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert_pem, key_pem, ca_pem = (str(pathlib.Path(tmp) / n) for n in ("c.pem", "k.pem", "ca.pem"))
    cert.cert_chain_pems[0].write_to_path(cert_pem)
    for blob in cert.cert_chain_pems[1:]:
        blob.write_to_path(cert_pem, append=True)
    cert.private_key_pem.write_to_path(key_pem)
    ca.cert_pem.write_to_path(ca_pem)
    context = ssl.create_default_context(cafile=ca_pem)
    saved = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = ca_pem
    try:
        with fixed_server(latency, cert=(cert_pem, key_pem)) as url:
            progress(f"  over TLS, {calls} creates ...")
            rows = _contenders(
                url, image, calls, context, context, {"labelkit", "official", "floor"}
            )
    finally:
        if saved is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = saved
    _report(rows, progress)
    return rows


def _limited(
    result: BulkResult, image: pathlib.Path, calls: int, progress: Callable[[str], object]
) -> list[Row]:
    calls_per, period = result.limit
    rows: list[Row] = []
    for key in ("labelkit", "official"):
        if key == "official" and not sdk_version("fastlabel"):
            continue
        with fixed_server(result.limited_latency, limit=result.limit) as url:
            progress(f"  limit {calls_per}/{period:.0f} s: {key}, {calls} creates ...")
            if key == "labelkit":

                def go() -> tuple[int, int]:
                    return anyio.run(
                        lambda: _labelkit(
                            url + "/v1/", image, calls, rate_limit=RateLimit(calls_per, period)
                        )
                    )

                title = "labelkit bulk_create, RateLimit(500, 10), 16 in flight"
            else:

                def go() -> tuple[int, int]:
                    return _official(url, image, calls)

                title = "fastlabel.Client.create_image_task, 16-thread pool"
            with Stopwatch() as watch:
                ok, lost = go()
            stats = _stats(url)
            rows.append(Row(key, title, calls, ok, watch.wall, watch.cpu, stats["429"], lost))
            if key == "labelkit":
                result.accepted = sorted(stats["accepted"])
    return rows


def _report(rows: list[Row], progress: Callable[[str], object]) -> None:
    for r in rows:
        progress(
            f"    {r.title:<66} {r.ok:>6}/{r.calls:<6} {r.rate:7.1f}/s  "
            f"cpu {r.cpu_us:6.0f} µs/create"
        )


if __name__ == "__main__":
    run(calls=int(sys.argv[1]) if len(sys.argv) > 1 else 1000, flat_calls=0, tls=False)
