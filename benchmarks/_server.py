"""Start and stop an emulator as a separate process (``labelkit emulate ...``).

The overhead benchmark measures the CPU time of the client process only, so
the server must not share it: it runs as ``python -m labelkit._cli emulate``
in a child process, on a free loopback port, and is stopped with SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = ["REPO_ROOT", "EmulatorProcessError", "emulator_process", "free_port"]

REPO_ROOT = Path(__file__).resolve().parent.parent
_HOST = "127.0.0.1"


class EmulatorProcessError(RuntimeError):
    """The emulator process did not start (its stderr is in the message)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_HOST, 0))
        return int(sock.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((_HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def emulator_process(
    provider: str = "redflag",
    *,
    latency: float = 0.0,
    rate_limit: str | None = None,
    processing_time: float = 0.0,
    seed: int | None = None,
    options: Mapping[str, object] | None = None,
    startup_timeout: float = 30.0,
) -> Iterator[str]:
    """Run ``labelkit emulate <provider>`` in a child process; yields its base URL.

    Returns once the server accepts TCP connections. ``rate_limit`` is the
    CLI's ``CALLS/SECONDS``. ``options`` (constructor keywords of the
    emulator) runs ``python -m benchmarks._serve`` instead of the CLI, which
    also serves ``GET /__bench__/jobs``. The child gets the repository root on
    ``PYTHONPATH`` so that it imports the same labelkit as this process.
    """
    port = free_port()
    if options is not None:
        calls, _, period = (rate_limit or "").partition("/")
        config = {
            "latency": latency,
            "processing_time": processing_time,
            "seed": seed,
            "rate_limit": [int(calls), float(period)] if rate_limit else None,
        }
        spec = json.dumps({"config": config, "options": dict(options)})
        serve_command = [sys.executable, "-m", "benchmarks._serve", provider, str(port), spec]
    command = [
        sys.executable,
        "-m",
        "labelkit._cli",
        "emulate",
        provider,
        "--host",
        _HOST,
        "--port",
        str(port),
        "--latency",
        repr(latency),
        "--processing-time",
        repr(processing_time),
    ]
    if rate_limit is not None:
        command += ["--rate-limit", rate_limit]
    if seed is not None:
        command += ["--seed", str(seed)]
    if options is not None:
        command = serve_command
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
            env=env,
        )
        try:
            deadline = time.monotonic() + startup_timeout
            while not _accepts(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise EmulatorProcessError(
                        f"{' '.join(command)} did not start "
                        f"(exit status {process.poll()}):\n{log.read()}"
                    )
                time.sleep(0.05)
            yield f"http://{_HOST}:{port}"
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
