"""The ``labelkit`` command line."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

import labelkit._cli
from labelkit._cli import build_parser, main
from labelkit._config import RateLimit
from labelkit._version import __version__

PREFIX = "/api/v2/products/api/operations"
AUTH = {"Authorization": "Bearer test-token"}
REPO = Path(labelkit._cli.__file__).resolve().parents[2]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"labelkit {__version__}"


def test_emulate_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulate", "--list"]) == 0
    assert "redflag" in capsys.readouterr().out.split()


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["emulate"]) == 2
    assert main(["emulate", "nope"]) == 2
    assert "unknown emulator 'nope'" in capsys.readouterr().err
    for bad in (["--rate-limit", "300"], ["--rate-limit", "x/5"], ["--error-rate", "2"]):
        with pytest.raises(SystemExit) as exc:
            main(["emulate", "redflag", *bad])
        assert exc.value.code == 2


def test_emulate_options_parse() -> None:
    argv = "emulate redflag --port 8123 --latency 0.1 --rate-limit 300/5 --error-rate 0.1"
    argv += " --drop-rate 0.05 --processing-time 0 --seed 3"
    args = build_parser().parse_args(argv.split())
    assert (args.provider, args.port, args.latency) == ("redflag", 8123, 0.1)
    assert args.rate_limit == RateLimit(300, 5.0)
    assert (args.error_rate, args.drop_rate, args.processing_time, args.seed) == (0.1, 0.05, 0, 3)


def _read_line(process: subprocess.Popen[str], timeout: float = 15.0) -> str:
    """The next line of ``process``'s stdout, read by one thread per process (no select():
    a line already in the pipe's text buffer does not make the pipe readable again)."""
    assert process.stdout is not None
    lines = _LINES.get(process.pid)
    if lines is None:
        lines = _LINES[process.pid] = queue.SimpleQueue()
        stdout = process.stdout
        threading.Thread(target=lambda: [lines.put(x) for x in stdout], daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError("the emulator printed nothing") from None


_LINES: dict[int, queue.SimpleQueue[str]] = {}


@pytest.mark.skipif(sys.platform == "win32", reason="uses select() on a pipe and SIGTERM")
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_emulate_runs_a_server_until_terminated(backend: str) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "labelkit._cli", "emulate", "redflag", "--port", "0"]
    command += ["--processing-time", "0", "--rate-limit", "3/60", "--backend", backend]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO
    )
    try:
        line = _read_line(process)
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert match, line
        with httpx.Client(base_url=match.group(0), headers=AUTH) as client:
            response = client.post(
                PREFIX, json={"type": "text", "analyses": ["topic"], "contents": ["hi"]}
            )
            op = response.json()["id"]
            assert client.get(f"{PREFIX}/{op}").json()["status"] == "done"
            assert client.get(f"{PREFIX}/{op}").status_code == 200
            assert client.get(f"{PREFIX}/{op}").status_code == 429  # --rate-limit 3/60
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        process.stderr.close()


def test_emulate_prints_a_ready_base_url_credential_and_env_lines() -> None:
    """A client configured from the printed export lines reaches the API (no 404 on /projects)."""
    from labelkit.fastlabel import FastLabel

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "labelkit", "emulate", "fastlabel", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        lines = [_read_line(process, timeout=60) for _ in range(6)]
        exported = dict(
            line.strip().removeprefix("export ").split("=", 1)
            for line in lines
            if line.strip().startswith("export ")
        )
        assert re.search(r"base URL: +http://127\.0\.0\.1:\d+/v1/$", lines[1].rstrip()), lines
        assert exported["FASTLABEL_ACCESS_TOKEN"] == "test-token"
        assert exported["FASTLABEL_API_URL"].endswith("/v1/")
        with FastLabel(
            exported["FASTLABEL_ACCESS_TOKEN"], base_url=exported["FASTLABEL_API_URL"]
        ) as client:
            assert client.get_projects() == []
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()
