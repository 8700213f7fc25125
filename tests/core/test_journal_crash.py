"""SIGKILL a journaled 2,000-item bulk job several times; resumed, every item exists once.

The Datawow emulator runs in its own process (``labelkit emulate datawow``) for
the whole test, so its state outlives the killed workers; the worker
(``tests/core/_journal_worker.py``) creates closed-question images with a
``custom_id`` per item and resolves unknown items by that id.
"""

from __future__ import annotations

import collections
import json
import os
import random
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import labelkit

REPO = Path(labelkit.__file__).resolve().parents[1]
N = 2000
KEY = "test-closed-question"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and select() on pipes")


def _env() -> dict[str, str]:
    path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path}


def _image_count(client: httpx.Client) -> int:
    response = client.get("/api/images/closed_questions", params={"per_page": 1})
    response.raise_for_status()
    return int(response.json()["meta"]["total_count"])


def _all_custom_ids(client: httpx.Client) -> list[str]:
    ids: list[str] = []
    page = 1
    while True:
        response = client.get(
            "/api/images/closed_questions", params={"page": page, "per_page": 100}
        )
        response.raise_for_status()
        body = response.json()
        ids += [image["custom_id"] for image in body["data"]["images"]]
        if body["meta"]["next_page"] == -1:
            return ids
        page += 1


def _worker(url: str, journal: Path, backend: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.core._journal_worker", url, str(journal), str(N), "32"]
    return subprocess.Popen(
        [*command, backend],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=REPO,
    )


def _output(process: subprocess.Popen[str]) -> list[dict[str, object]]:
    stdout, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr, stderr
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.mark.slow
def test_sigkilled_job_resumes_with_every_item_exactly_once(tmp_path: Path) -> None:
    rng = random.Random()
    emulator = subprocess.Popen(
        [sys.executable, "-m", "labelkit._cli", "emulate", "datawow", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=REPO,
    )
    try:
        assert emulator.stdout is not None
        ready, _, _ = select.select([emulator.stdout], [], [], 20)
        assert ready, "the emulator printed nothing"
        line = emulator.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert match, line
        url = match.group(0)
        journal = tmp_path / "job.journal"
        lines: list[dict[str, object]] = []
        with httpx.Client(base_url=url, headers={"Authorization": KEY}, timeout=10) as client:
            # Three kills at random points of the job, each after some progress.
            thresholds = sorted(rng.sample(range(150, N - 150), 3))
            for kill, threshold in enumerate(thresholds):
                worker = _worker(url, journal, "trio" if kill == 1 else "asyncio")
                deadline = time.monotonic() + 60
                while _image_count(client) < threshold and worker.poll() is None:
                    assert time.monotonic() < deadline, "the worker made no progress"
                    time.sleep(rng.uniform(0.0, 0.02))
                assert worker.poll() is None, _output(worker)
                worker.send_signal(signal.SIGKILL)
                lines += _output(worker)
                assert worker.returncode == -signal.SIGKILL

            worker = _worker(url, journal, "asyncio")
            final = _output(worker)
            assert worker.returncode == 0, final
            lines += final

            ids = _all_custom_ids(client)

        duplicates = {k: n for k, n in collections.Counter(ids).items() if n > 1}
        assert not duplicates
        assert sorted(ids) == sorted(f"item-{i}" for i in range(N))
        summary = final[-1]
        assert summary["ok"] == N and summary["failed"] == summary["ambiguous"] == 0
        assert isinstance(summary["resumed"], int) and summary["resumed"] > 0
        # Items in flight at a kill were looked up before being sent again.
        assert any("resolved" in entry for entry in lines)
        assert not any("error" in entry for entry in lines)
    finally:
        emulator.send_signal(signal.SIGTERM)
        try:
            emulator.wait(timeout=10)
        except subprocess.TimeoutExpired:
            emulator.kill()
            emulator.wait()
        for stream in (emulator.stdout, emulator.stderr):
            if stream is not None:
                stream.close()
