"""How bulk commands show themselves: rich on a real terminal, plain lines without rich
or off a terminal, ``--json`` and ``--quiet``; and one Scale journal for the CLI and Python."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from labelkit import RateLimit
from labelkit.emulators import EmulatorConfig, EmulatorServer, FastLabelEmulator, ScaleEmulator
from labelkit.scale import AsyncScale
from tests.cli.test_cli_jobs import REPO, _env, _no_traceback, _png, labelkit_cli

#: Runs the CLI with rich unimportable, as when the script is installed without extras.
_NO_RICH = (
    "import sys; sys.modules['rich'] = None; from labelkit._cli import main; sys.exit(main())"
)


@pytest.fixture
def fastlabel() -> Iterator[tuple[FastLabelEmulator, str]]:
    emulator = FastLabelEmulator(config=EmulatorConfig(rate_limit=RateLimit(1000, 1.0)))
    emulator.add_project("animals")
    with EmulatorServer(emulator) as server:
        yield emulator, server.url + "/v1/"


@pytest.fixture
def images(tmp_path: Path) -> Path:
    root = tmp_path / "images"
    root.mkdir()
    for i in range(5):
        (root / f"img_{i}.png").write_bytes(_png(i))
    (root / "notes.txt").write_text("not an image")
    return root


def _upload(images: Path, url: str, *extra: str) -> list[str]:
    return ["upload", "fastlabel", str(images), "--project", "animals", "--type", "image",
            "--base-url", url, *extra]  # fmt: skip


def _on_a_terminal(command: list[str]) -> tuple[int, str]:
    """Run ``command`` with stdout and stderr on a pseudo-terminal; its exit status and output."""
    leader, follower = pty.openpty()
    env = _env(FASTLABEL_ACCESS_TOKEN="test-token", TERM="xterm-256color", COLUMNS="160")
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=env, cwd=REPO
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_gets_a_rich_bar_counters_and_summary_table(
    fastlabel: tuple[FastLabelEmulator, str], images: Path
) -> None:
    _, url = fastlabel
    status, text = _on_a_terminal([sys.executable, "-m", "labelkit", *_upload(images, url)])
    assert status == 1, text  # notes.txt is rejected
    assert "Traceback" not in text, text
    assert "\x1b[" in text  # styled and redrawn in place
    assert "━" in text  # rich's bar
    assert "5/5" in text and "ok 5" in text and "failed 0" in text  # the live counters
    assert "Summary (upload fastlabel)" in text
    assert "┃" in text or "│" in text  # the summary table's borders
    assert "rejected before sending" in text and "skipped notes.txt" in text


def test_without_rich_a_terminal_gets_plain_lines(
    fastlabel: tuple[FastLabelEmulator, str], images: Path
) -> None:
    _, url = fastlabel
    status, text = _on_a_terminal([sys.executable, "-c", _NO_RICH, *_upload(images, url)])
    assert status == 1, text
    assert "Traceback" not in text, text
    assert "━" not in text and "\x1b[" not in text
    lines = [line.rstrip("\r") for line in text.split("\n")]
    assert any(line.strip().startswith("upload: 5/5  ok 5  failed 0") for line in lines), text
    assert "  ok 5, failed 0, ambiguous 0, rejected before sending 1" in lines


def test_json_prints_one_summary_object(
    fastlabel: tuple[FastLabelEmulator, str], images: Path
) -> None:
    _, url = fastlabel
    result = labelkit_cli(*_upload(images, url, "--json"), FASTLABEL_ACCESS_TOKEN="test-token")
    _no_traceback(result)
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert summary["command"] == "upload fastlabel"
    assert (summary["ok"], summary["failed"], summary["ambiguous"]) == (5, 0, 0)
    assert [r["key"] for r in summary["rejected"]] == ["notes.txt"]
    assert summary["requests"] >= 5 and summary["exit_status"] == 1
    assert summary["rate_limit"] == "10000 per 600 s"
    assert "skipped notes.txt" in result.stderr


def test_quiet_prints_only_errors(fastlabel: tuple[FastLabelEmulator, str], images: Path) -> None:
    _, url = fastlabel
    result = labelkit_cli(*_upload(images, url, "--quiet"), FASTLABEL_ACCESS_TOKEN="test-token")
    _no_traceback(result)
    assert result.returncode == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("  skipped notes.txt: 'notes.txt' has an unsupported file type"), line
    clean = labelkit_cli(
        "upload", "fastlabel", str(images), "--project", "animals", "--type", "text",
        "--base-url", url, "--quiet", "--dry-run",
    )  # fmt: skip
    assert clean.returncode == 1 and "would send" not in clean.stdout


# -- one Scale journal ---------------------------------------------------------------------

_TASKS = [
    {"instruction": f"Is picture {i} a cat?", "attachment_type": "image",
     "attachment": f"https://example.com/{i}.jpg", "categories": ["cat", "not cat"]}
    for i in range(4)
]  # fmt: skip


def _scale_cli(source: Path, url: str, key: str, journal: Path) -> subprocess.CompletedProcess[str]:
    result = labelkit_cli(
        "upload", "scale", "--type", "categorization", str(source), "--base-url", url,
        "--journal", str(journal), SCALE_API_KEY=key,
    )  # fmt: skip
    _no_traceback(result)
    return result


def _scale_python(url: str, key: str, journal: Path) -> list[bool]:
    async def run() -> list[bool]:
        async with AsyncScale(key, base_url=url) as client:
            run = client.create_tasks(
                "categorization", _TASKS, unique_ids="content", journal=journal
            )
            outcomes = await run.collect()
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        return [o.resumed for o in outcomes]

    return anyio.run(run)


@pytest.mark.parametrize("cli_first", [True, False], ids=["cli-then-python", "python-then-cli"])
def test_a_scale_job_resumes_across_the_cli_and_python(tmp_path: Path, cli_first: bool) -> None:
    from labelkit._emulator.scale import DEFAULT_TEST_KEY

    emulator = ScaleEmulator()
    source, journal = tmp_path / "tasks.jsonl", tmp_path / "scale.journal"
    source.write_text("".join(json.dumps(task) + "\n" for task in _TASKS))
    with EmulatorServer(emulator) as server:
        if cli_first:
            assert _scale_cli(source, server.url, DEFAULT_TEST_KEY, journal).returncode == 0
            requests = emulator.stats.requests
            assert _scale_python(server.url, DEFAULT_TEST_KEY, journal) == [True] * 4
        else:
            assert _scale_python(server.url, DEFAULT_TEST_KEY, journal) == [False] * 4
            requests = emulator.stats.requests
            second = _scale_cli(source, server.url, DEFAULT_TEST_KEY, journal)
            assert second.returncode == 0
            assert "ok 4 (4 already done per the journal" in second.stdout
        assert emulator.stats.requests == requests  # nothing sent again
    assert len(emulator.tasks) == 4


def test_scale_create_tasks_with_a_journal_needs_stable_ids(tmp_path: Path) -> None:
    from labelkit._emulator.scale import DEFAULT_TEST_KEY

    async def run(url: str) -> list[str]:
        async with AsyncScale(DEFAULT_TEST_KEY, base_url=url) as client:
            outcomes = await client.create_tasks(
                "categorization", _TASKS[:1], journal=tmp_path / "j.journal"
            ).collect()
        return [str(o.error) for o in outcomes]

    with EmulatorServer(ScaleEmulator()) as server:
        (error,) = anyio.run(run, server.url)
    assert "journal= needs stable ids" in error
