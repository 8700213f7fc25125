"""Emulators as httpx transports; the deprecated ``app=`` alias; clients free of emulator code."""

from __future__ import annotations

import ast
import subprocess
import sys

import httpx
import pytest

import labelkit
from labelkit.emulators import (
    EmulatorConfig,
    EmulatorServer,
    EmulatorTransport,
    FastLabelEmulator,
    RedFlagEmulator,
)
from labelkit.fastlabel import AsyncFastLabel
from labelkit.redflag import AsyncRedFlag
from tests._support import REPO

pytestmark = pytest.mark.anyio
ROOT = REPO


async def test_a_client_on_the_emulator_transport_reaches_that_emulator() -> None:
    emulator = FastLabelEmulator()
    emulator.add_project("pets", type="image_bbox")
    transport = emulator.transport()
    assert isinstance(transport, httpx.AsyncBaseTransport)
    async with AsyncFastLabel(
        "test-token", base_url=emulator.base_url, transport=transport
    ) as client:
        projects = await client.get_projects()
    assert [p.slug for p in projects] == ["pets"]
    assert emulator.stats.requests == 1


def test_every_emulator_has_its_own_unresolvable_origin() -> None:
    first, second = FastLabelEmulator(), FastLabelEmulator()
    assert first.base_url != second.base_url
    assert first.base_url.endswith(".emulator.invalid/v1/")


async def test_an_injected_drop_is_a_dropped_connection_after_the_handler_committed() -> None:
    emulator = RedFlagEmulator(config=EmulatorConfig(processing_time=0))
    emulator.drop_next(method="POST")
    async with AsyncRedFlag(
        "test-token", base_url=emulator.base_url, transport=emulator.transport(), max_retries=0
    ) as client:
        with pytest.raises(labelkit.AmbiguousResultError, match="Server disconnected"):
            await client.create_operation("text", ["spam-detection"], ["buy now"])
    assert emulator.stats.drops == 1 and len(emulator.operations) == 1


async def test_the_transport_serves_a_plain_httpx_client() -> None:
    emulator = RedFlagEmulator()
    async with httpx.AsyncClient(
        transport=EmulatorTransport(emulator), base_url=emulator.base_url
    ) as client:
        response = await client.get("/operations/1")
    assert response.status_code == 401  # routed and authenticated by the emulator


def test_the_loopback_server_gives_the_client_base_url() -> None:
    with EmulatorServer(FastLabelEmulator()) as server:
        assert server.base_url == server.url + "/v1/"


async def test_app_is_a_deprecated_alias_for_an_in_process_transport() -> None:
    emulator = FastLabelEmulator()
    with pytest.warns(DeprecationWarning, match="app= is deprecated"):
        client = AsyncFastLabel("test-token", app=emulator)
    async with client:
        assert client.base_url == "http://asgi-app.invalid/v1/"
        assert await client.get_projects() == []
    assert emulator.stats.requests == 1


def test_clients_import_no_emulator_code() -> None:
    code = (
        "import sys, labelkit.fastlabel, labelkit.scale, labelkit.datawow, "
        "labelkit.cloudsight, labelkit.redflag\n"
        "print(sorted(m for m in sys.modules if 'emulator' in m))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_core_knows_no_emulator() -> None:
    users = {"_cli.py", "_cli_jobs.py", "_demo.py"}  # applications built on the emulators
    core = [p for p in (ROOT / "labelkit").glob("_*.py") if p.name not in users]
    core += list((ROOT / "labelkit" / "_providers").rglob("*.py"))
    found = []
    for path in core:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names = [node.value] if "://emulator" in node.value else []
            else:
                continue
            found += [f"{path.name}: {name}" for name in names if "emulator" in name]
    assert found == []
