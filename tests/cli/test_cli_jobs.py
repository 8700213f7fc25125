"""The bulk commands (upload / recognize / analyze) and the demo, through the real entry point.

Every command runs as ``python -m labelkit ...`` in a subprocess whose output
is a pipe (so the non-terminal log lines are what is checked), against
emulators this test starts on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import labelkit
from labelkit._cli import main
from labelkit._config import RateLimit
from labelkit.emulators import (
    CloudSightEmulator,
    DatawowEmulator,
    EmulatorConfig,
    EmulatorServer,
    FastLabelEmulator,
    RedFlagEmulator,
)

REPO = Path(labelkit.__file__).resolve().parents[1]
_CREDENTIAL_ENV = (
    "FASTLABEL_ACCESS_TOKEN",
    "FASTLABEL_API_URL",
    "SCALE_API_KEY",
    "SCALE_BASE_URL",
    "DATAWOW_PROJECT_KEY",
    "DATAWOW_BASE_URL",
    "CLOUDSIGHT_API_KEY",
    "CLOUDSIGHT_API_SECRET",
    "CLOUDSIGHT_BASE_URL",
    "REDFLAG_TOKEN",
    "REDFLAG_BASE_URL",
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CREDENTIAL_ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def labelkit_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labelkit", *args],
        capture_output=True,
        text=True,
        env=_env(**env),
        cwd=REPO,
        timeout=120,
    )


def _png(seed: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    pixels = bytes([0, seed % 256, 50, 90])
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr


@pytest.fixture
def images(tmp_path: Path) -> Path:
    """12 images in two folders, plus an oversized PNG and a text file."""
    root = tmp_path / "images"
    for i in range(12):
        folder = root / ("cats" if i % 2 else "dogs")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"img_{i:02d}.png").write_bytes(_png(i))
    with open(root / "huge.png", "wb") as file:
        file.truncate(21 * 1024 * 1024)  # sparse: over the 20 MiB limit of image tasks
    (root / "notes.txt").write_text("not an image")
    return root


@pytest.fixture
def fastlabel() -> Iterator[tuple[FastLabelEmulator, str]]:
    emulator = FastLabelEmulator(
        config=EmulatorConfig(rate_limit=RateLimit(1000, 1.0), drop_rate=0.1, seed=3)
    )
    emulator.add_project("animals")
    with EmulatorServer(emulator) as server:
        yield emulator, server.url + "/v1/"


def test_fastlabel_upload_rejects_bad_files_resolves_drops_and_resumes(
    fastlabel: tuple[FastLabelEmulator, str], images: Path, tmp_path: Path
) -> None:
    emulator, url = fastlabel
    prelabels = tmp_path / "prelabels.json"
    box = {"type": "bbox", "value": "cat", "points": [0, 0, 1, 1]}
    prelabels.write_text(json.dumps({"img_01.png": [box]}))
    journal, output = tmp_path / "upload.journal", tmp_path / "results.jsonl"
    args = ["upload", "fastlabel", str(images), "--project", "animals", "--type", "image"]
    args += ["--base-url", url, "--journal", str(journal), "--annotations", str(prelabels)]

    first = labelkit_cli(*args, "--output", str(output), FASTLABEL_ACCESS_TOKEN="test-token")

    _no_traceback(first)
    assert first.returncode == 1, first.stdout  # two files were rejected
    lines = first.stdout.splitlines()
    assert any(
        "skipped huge.png: 'huge.png' is 21.0 MiB (22020096 bytes); FastLabel image tasks "
        "take at most 20.0 MiB (20971520 bytes)" in line
        for line in lines
    ), first.stdout
    assert any(
        "skipped notes.txt: 'notes.txt' has an unsupported file type; "
        "FastLabel image tasks take one of jpeg, jpg, png" in line
        for line in lines
    )
    assert "\r" not in first.stdout and "\x1b[" not in first.stdout  # not a terminal
    assert any(line.strip().startswith("upload: 12/12  ok 12") for line in lines), first.stdout
    assert "Summary (upload fastlabel)" in lines
    assert "  ok 12, failed 0, ambiguous 0, rejected before sending 2" in lines
    assert "FastLabel's limit of 10000 per 600 s" in first.stdout

    names = sorted(task.name for task in emulator.tasks.values())
    expected = sorted(p.relative_to(images).as_posix() for p in images.rglob("img_*.png"))
    assert names == expected  # every file exactly once, despite dropped connections
    (labelled,) = [t for t in emulator.tasks.values() if t.name == "cats/img_01.png"]
    assert [a["value"] for a in labelled.annotations] == ["cat"]

    records = [json.loads(line) for line in output.read_text().splitlines()]
    by_key = {r["key"]: r for r in records}
    assert len(records) == 14
    assert by_key["huge.png"]["status"] == "rejected"
    ids = {t.name: t.id for t in emulator.tasks.values()}
    for name in expected:
        assert by_key[name] == {"key": name, "status": "ok", "remote_id": ids[name], "error": None}

    requests = emulator.stats.requests
    second = labelkit_cli(*args, FASTLABEL_ACCESS_TOKEN="test-token")
    _no_traceback(second)
    assert "ok 12 (12 already done per the journal, not sent again)" in second.stdout
    assert emulator.stats.requests == requests  # nothing was sent
    assert len(emulator.tasks) == 12


def test_dry_run_sends_nothing_and_needs_no_credential(
    fastlabel: tuple[FastLabelEmulator, str], images: Path, tmp_path: Path
) -> None:
    emulator, url = fastlabel
    output = tmp_path / "results.jsonl"
    args = ["upload", "fastlabel", str(images), "--project", "animals", "--type", "image"]
    result = labelkit_cli(*args, "--base-url", url, "--dry-run", "--output", str(output))
    _no_traceback(result)
    assert result.returncode == 1  # the two bad files
    assert "  would send image task 'cats/img_01.png' (" in result.stdout
    assert "Dry run: 12 item(s) would be sent, 2 rejected; nothing was sent." in result.stdout
    assert emulator.stats.requests == 0
    assert not output.exists()


def test_wrong_credential_stops_with_one_line(
    fastlabel: tuple[FastLabelEmulator, str], images: Path
) -> None:
    _, url = fastlabel
    args = ["upload", "fastlabel", str(images / "cats"), "--project", "animals"]
    result = labelkit_cli(*args, "--type", "image", "--base-url", url, "--token", "bad-secret-xyz")
    _no_traceback(result)
    assert result.returncode == 1
    stopped = [line for line in result.stdout.splitlines() if "stopped:" in line]
    assert len(stopped) == 1 and "rejected the credential" in stopped[0]
    assert "bad-secret-xyz" not in result.stdout + result.stderr  # the credential is never printed


def test_bad_usage_gives_one_line_and_status_2(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(_png(1))
    fl = ["upload", "fastlabel", "--project", "p", "--type", "image"]
    cases = {
        "directory not found: ": [*fl, str(tmp_path / "missing")],
        "no FastLabel access token: set FASTLABEL_ACCESS_TOKEN or pass --token": [
            *fl,
            str(tmp_path),
        ],
    }
    processes = {
        message: subprocess.Popen(
            [sys.executable, "-m", "labelkit", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
            cwd=REPO,
        )
        for message, argv in cases.items()
    }
    wrong_type = labelkit_cli("upload", "fastlabel", "--project", "p", "--type", "dicom", "x")
    for message, process in processes.items():
        out, err = process.communicate(timeout=60)
        assert process.returncode == 2, (message, out, err)
        assert "Traceback" not in out + err
        (line,) = err.strip().splitlines()
        assert line.startswith("labelkit upload fastlabel: ") and message in line, line
    assert wrong_type.returncode == 2
    assert "argument --type: invalid choice: 'dicom'" in wrong_type.stderr
    _no_traceback(wrong_type)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [
                "upload",
                "fastlabel",
                "--project",
                "p",
                "--type",
                "image",
                "{dir}",
                "--annotations",
                "{dir}/bad.json",
                "--token",
                "t",
            ],
            "labelkit upload fastlabel: --annotations {dir}/bad.json is not valid JSON",
        ),
        (
            ["upload", "scale", "--type", "kittens", "{dir}/tasks.jsonl", "--token", "test_x"],
            "labelkit upload scale: unknown Scale task type 'kittens'; one of: annotation,",
        ),
        (
            ["upload", "scale", "--type", "categorization", "{dir}/nope.jsonl"],
            "labelkit upload scale: file not found: {dir}/nope.jsonl",
        ),
        (
            [
                "upload",
                "datawow",
                "--product",
                "choice",
                "--instruction",
                "Which?",
                "{dir}/urls.txt",
            ],
            "labelkit upload datawow: --categories is required for choice images",
        ),
        (
            ["recognize", "cloudsight", "{dir}/a.png"],
            "labelkit recognize cloudsight: not a directory: {dir}/a.png",
        ),
        (
            ["analyze", "redflag", "{dir}/nope.mp3"],
            "labelkit analyze redflag: file not found: {dir}/nope.mp3",
        ),
        (
            ["analyze", "redflag", "{dir}/a.png", "--analyses", "mood"],
            "labelkit analyze redflag: unknown analysis 'mood'",
        ),
        (
            [
                "analyze",
                "redflag",
                "{dir}/a.png",
                "--journal",
                "{dir}/no/such/dir/j.db",
                "--token",
                "t",
            ],
            "labelkit analyze redflag: cannot create --journal {dir}/no/such/dir/j.db",
        ),
    ],
)
def test_bad_input_lines(
    argv: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in _CREDENTIAL_ENV:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "a.png").write_bytes(_png(1))
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "tasks.jsonl").write_text('{"instruction": "x"}\n')
    (tmp_path / "urls.txt").write_text("https://example.com/a.jpg\n")
    status = main([arg.format(dir=tmp_path) for arg in argv])
    captured = capsys.readouterr()
    assert status == 2
    (line,) = captured.err.strip().splitlines()
    assert line.startswith(message.format(dir=tmp_path)), line


def test_scale_upload_from_jsonl_resumes(tmp_path: Path) -> None:
    from labelkit._emulator.scale import DEFAULT_TEST_KEY, ScaleEmulator

    emulator = ScaleEmulator()
    lines = [
        json.dumps(
            {
                "instruction": f"Is picture {i} a cat?",
                "attachment_type": "image",
                "attachment": f"https://example.com/{i}.jpg",
                "categories": ["cat", "not cat"],
            }
        )
        for i in range(5)
    ]
    lines += ["{oops", lines[0], json.dumps({**json.loads(lines[1]), "unique_id": "mine-1"})]
    source = tmp_path / "tasks.jsonl"
    source.write_text("\n".join(lines) + "\n")
    journal = tmp_path / "scale.journal"
    args = ["upload", "scale", "--type", "categorization", str(source), "--journal", str(journal)]
    with EmulatorServer(emulator) as server:
        first = labelkit_cli(*args, "--base-url", server.url, SCALE_API_KEY=DEFAULT_TEST_KEY)
        requests = emulator.stats.requests
        second = labelkit_cli(*args, "--base-url", server.url, SCALE_API_KEY=DEFAULT_TEST_KEY)
    for result in (first, second):
        _no_traceback(result)
        assert result.returncode == 1  # the two rejected lines
        assert "skipped line 6: not valid JSON" in result.stdout
        assert "skipped line 7: same unique_id" in result.stdout
    assert "  ok 6, failed 0, ambiguous 0, rejected before sending 2" in first.stdout
    assert "ok 6 (6 already done per the journal" in second.stdout
    assert emulator.stats.requests == requests
    unique_ids = sorted(t.unique_id for t in emulator.tasks.values())
    assert len(unique_ids) == 6 and "mine-1" in unique_ids


def test_datawow_upload_of_urls(tmp_path: Path) -> None:
    from labelkit.datawow import url_custom_id

    urls = [f"https://example.com/photo{i}.jpg" for i in range(6)]
    source = tmp_path / "urls.txt"
    source.write_text("# my images\n" + "\n".join(urls) + "\n\nnot a url\n")
    output = tmp_path / "out.jsonl"
    emulator = DatawowEmulator(config=EmulatorConfig(drop_rate=0.2, seed=5))
    args = ["upload", "datawow", "--product", "choice", "--instruction", "Which animal?"]
    args += ["--categories", "cat dog", str(source), "--output", str(output)]
    with EmulatorServer(emulator) as server:
        result = labelkit_cli(*args, "--base-url", server.url + "/api", "--token", "test-choice")
    _no_traceback(result)
    assert result.returncode == 1, result.stdout  # "not a url"
    assert "skipped line 9: 'not a url' is not an http(s) URL" in result.stdout
    stored = sorted(image.fields["custom_id"] for image in emulator.images.values())
    assert stored == sorted(url_custom_id(url) for url in urls)  # each exactly once
    records = {r["key"]: r for r in map(json.loads, output.read_text().splitlines())}
    assert all(records[url]["status"] == "ok" for url in urls)


def test_recognize_cloudsight_waits_for_every_image(images: Path, tmp_path: Path) -> None:
    emulator = CloudSightEmulator(config=EmulatorConfig(processing_time=0.5))
    output = tmp_path / "out.jsonl"
    with EmulatorServer(emulator) as server:
        result = labelkit_cli(
            "recognize",
            "cloudsight",
            str(images / "cats"),
            "--base-url",
            server.url,
            "--output",
            str(output),
            CLOUDSIGHT_API_KEY="test-key",
        )
    _no_traceback(result)
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(
        line.strip().startswith("recognize: 6/6  ok 6") for line in result.stdout.splitlines()
    )
    assert "answers: completed 6" in result.stdout
    records = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(records) == 6 and len(emulator.jobs) == 6
    assert all(r["job_status"] == "completed" and r["result"] for r in records)


def test_analyze_redflag_uploads_and_waits(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"p{i}.png").write_bytes(_png(i))
    (tmp_path / "song.mp3").write_bytes(b"ID3\x03\x00" + bytes(300))
    output = tmp_path / "out.jsonl"
    emulator = RedFlagEmulator(config=EmulatorConfig(processing_time=0.2))
    with EmulatorServer(emulator) as server:
        base = server.url + "/api/v2/products/api"
        files = [str(tmp_path / name) for name in ("p0.png", "p1.png", "p2.png", "song.mp3")]
        result = labelkit_cli(
            "analyze", "redflag", *files, "--base-url", base, "--output", str(output),
            REDFLAG_TOKEN="test-token",
        )  # fmt: skip
    _no_traceback(result)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 operation(s): audio batch 1 (1 files); image batch 1 (3 files)" in result.stdout
    assert len(emulator.uploads) == 4 and len(emulator.operations) == 2
    records = [json.loads(line) for line in output.read_text().splitlines()]
    assert {r["status"] for r in records} == {"ok"} and len(records) == 4
    assert all(r["analyses"] for r in records)


def test_demo_quick_runs_every_job() -> None:
    result = labelkit_cli("demo", LABELKIT_DEMO_QUICK="1")
    _no_traceback(result)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checks passed." in result.stdout
    for heading in (
        "1. FastLabel bulk upload",
        "2. The same command",
        "3. CloudSight",
        "4. RedFlag",
    ):
        assert heading in result.stdout
    assert "0 new requests" in result.stdout
