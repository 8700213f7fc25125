"""One journal format: a FastLabel job started by the CLI resumes from Python and the
other way round; a journal written by the CLI's old key format is migrated on open;
``--shard I/N`` workers with a Redis limit share one job and one limit exactly."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from labelkit import Journal, RateLimit
from labelkit._cli._options import shard_of
from labelkit.emulators import EmulatorConfig, EmulatorServer, FastLabelEmulator
from labelkit.fastlabel import AsyncFastLabel
from tests.cli.test_cli_jobs import _env, _no_traceback, _png, labelkit_cli
from tests.core.test_ratelimit_redis import redis_url  # noqa: F401  (the fixture)

PROJECT = "animals"


@pytest.fixture
def server() -> Iterator[tuple[FastLabelEmulator, str]]:
    emulator = FastLabelEmulator(config=EmulatorConfig(rate_limit=RateLimit(20, 1.0)))
    emulator.add_project(PROJECT)
    with EmulatorServer(emulator) as running:
        yield emulator, running.url + "/v1/"


def _folder(root: Path, count: int) -> Path:
    for i in range(count):
        folder = root / ("cats" if i % 2 else "dogs")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"img_{i:03d}.png").write_bytes(_png(i))
    return root


def _cli(folder: Path, url: str, journal: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = ["upload", "fastlabel", str(folder), "--project", PROJECT, "--type", "image"]
    result = labelkit_cli(
        *args, "--base-url", url, "--journal", str(journal), *extra,
        FASTLABEL_ACCESS_TOKEN="test-token",
    )  # fmt: skip
    _no_traceback(result)
    return result


def _python(folder: Path, url: str, journal: Path) -> list[tuple[str, bool]]:
    items = [
        {"name": p.relative_to(folder).as_posix(), "file_path": p}
        for p in sorted(folder.rglob("*.png"))
    ]

    async def run() -> list[tuple[str, bool]]:
        async with AsyncFastLabel("test-token", base_url=url) as client:
            outcomes = await client.bulk_create("image", PROJECT, items, journal=journal).collect()
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        return [(str(o.item["name"]), o.resumed) for o in outcomes]

    return anyio.run(run)


def test_a_cli_job_resumes_from_python(
    server: tuple[FastLabelEmulator, str], tmp_path: Path
) -> None:
    emulator, url = server
    folder, journal = _folder(tmp_path / "images", 6), tmp_path / "job.journal"
    assert _cli(folder, url, journal).returncode == 0
    requests = emulator.stats.requests
    outcomes = _python(folder, url, journal)
    assert len(outcomes) == 6 and all(resumed for _, resumed in outcomes)
    assert emulator.stats.requests == requests  # nothing sent again
    assert len(emulator.tasks) == 6


def test_a_python_job_resumes_from_the_cli(
    server: tuple[FastLabelEmulator, str], tmp_path: Path
) -> None:
    emulator, url = server
    folder, journal = _folder(tmp_path / "images", 6), tmp_path / "job.journal"
    assert not any(resumed for _, resumed in _python(folder, url, journal))
    requests = emulator.stats.requests
    result = _cli(folder, url, journal)
    assert result.returncode == 0, result.stdout
    assert "ok 6 (6 already done per the journal, not sent again)" in result.stdout
    assert emulator.stats.requests == requests
    assert len(emulator.tasks) == 6


def test_a_journal_of_the_old_cli_format_is_migrated_not_resent(
    server: tuple[FastLabelEmulator, str], tmp_path: Path
) -> None:
    emulator, url = server
    folder, journal = _folder(tmp_path / "images", 4), tmp_path / "old.journal"
    assert _cli(folder, url, tmp_path / "first.journal").returncode == 0
    ids = {t.name: t.id for t in emulator.tasks.values()}

    async def write_old_format() -> None:
        async with Journal(journal) as old:
            for path in sorted(folder.rglob("*.png")):
                name = path.relative_to(folder).as_posix()
                file_key = await Journal.file_key(path, root=folder)
                await old.mark_ok(f"fastlabel:{PROJECT}:image:{file_key}", ids[name])

    anyio.run(write_old_format)
    requests = emulator.stats.requests
    result = _cli(folder, url, journal)
    assert "ok 4 (4 already done per the journal, not sent again)" in result.stdout
    assert emulator.stats.requests == requests

    async def keys() -> list[str]:
        async with Journal(journal) as migrated:
            return [e.key for e in await migrated.entries()]

    assert sorted(anyio.run(keys)) == sorted(f"image/{PROJECT}/{name}" for name in ids)


def test_shards_split_a_job_by_a_stable_hash() -> None:
    keys = [f"cats/img_{i:05d}.png" for i in range(4000)]
    owners = [shard_of(key, 4) for key in keys]
    assert owners == [shard_of(key, 4) for key in keys]
    assert set(owners) == {1, 2, 3, 4}
    assert all(800 < owners.count(shard) < 1200 for shard in (1, 2, 3, 4))
    # The same on every machine and run: SHA-256, never Python's per-process hash().
    digest = hashlib.sha256(b"cats/img_00000.png").hexdigest()
    assert shard_of("cats/img_00000.png", 20) == int(digest[:16], 16) % 20 + 1 == 16


def test_four_shard_processes_share_one_redis_limit(
    server: tuple[FastLabelEmulator, str],
    tmp_path: Path,
    redis_url: str,  # noqa: F811
) -> None:
    emulator, url = server
    folder = _folder(tmp_path / "images", 60)
    args = ["upload", "fastlabel", str(folder), "--project", PROJECT, "--type", "image"]
    # The workers' shared limit is 20 per 1.25 s against the emulator's 20 per 1 s: the
    # quarter second absorbs a loaded machine's lag between a grant and the arrival, while
    # four unshared limits (80 per 1.25 s) would be answered with 429s at once.
    args += ["--base-url", url, "--rate-limit", "20/1.25", "--redis-url", redis_url]
    env = _env(FASTLABEL_ACCESS_TOKEN="test-token")
    workers = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "labelkit", *args, "--shard", f"{k}/4"),
                *("--journal", str(tmp_path / f"shard{k}.journal")),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        for k in (1, 2, 3, 4)
    ]
    outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    for worker, output in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, output
        assert "Traceback" not in output
    names = sorted(task.name for task in emulator.tasks.values())
    assert names == sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.png"))
    assert emulator.stats.rate_limited == 0  # the server never saw more than 20 in 1 s
    assert emulator.stats.statuses[429] == 0
    done = [re.search(r"^  ok (\d+), failed 0, ambiguous 0", o, re.M) for o in outputs]
    assert sum(int(match.group(1)) for match in done if match) == 60, outputs
