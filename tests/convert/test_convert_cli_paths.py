"""Safe output paths, lazy imports and the ``labelkit convert`` command (run in a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from labelkit import UnsafePathError, ValidationError
from labelkit._cli import main
from labelkit.convert import (
    export_coco,
    export_instance_segmentation,
    export_labelme,
    export_pascalvoc,
    export_yolo,
    safe_output_path,
)
from tests._support import REPO


@pytest.mark.parametrize(
    "name",
    [
        "../evil.jpg",
        "a/../../evil.jpg",
        "/etc/evil.jpg",
        "\\\\server\\x.jpg",
        "C:\\x.jpg",
        "..\\x.jpg",
        "",
        "a\x00.jpg",
        "./.",
    ],
)
def test_escaping_names_are_rejected(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValidationError):
        safe_output_path(tmp_path, name)


def test_safe_names_stay_inside(tmp_path: Path) -> None:
    assert safe_output_path(tmp_path, "a/b.jpg", suffix=".txt") == tmp_path / "a" / "b.txt"
    assert safe_output_path(tmp_path, "./a//b", suffix=".json") == tmp_path / "a" / "b.json"
    (tmp_path / "link").symlink_to(tmp_path.parent)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        safe_output_path(tmp_path, "link/x.jpg")


@pytest.mark.parametrize(
    "export",
    [export_yolo, export_pascalvoc, export_labelme, export_instance_segmentation],
)
@pytest.mark.parametrize("name", ["../escape.jpg", "/tmp/escape.jpg"])
def test_exporters_refuse_escaping_task_names(tmp_path: Path, export: Any, name: str) -> None:
    task = {"name": name, "width": 4, "height": 4, "annotations": []}
    out = tmp_path / "out"
    with pytest.raises(ValidationError, match=r"escape|absolute"):
        export([task], output_dir=out)
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "escape.xml").exists()
    assert not list(tmp_path.parent.glob("escape.*"))


def test_coco_file_name_must_be_plain(tmp_path: Path) -> None:
    for name in ("../x.json", "x.txt", "a/x.json"):
        with pytest.raises(ValidationError, match="output_file_name"):
            export_coco([], output_dir=tmp_path, output_file_name=name)


def test_core_import_stays_light() -> None:
    code = (
        "import sys, labelkit, labelkit.convert, labelkit._cli\n"
        "heavy = [m for m in ('numpy', 'PIL', 'defusedxml') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from labelkit._convert import _common

    def fail(name: str) -> None:
        raise ImportError(name)

    monkeypatch.setattr(_common.importlib, "import_module", fail)
    with pytest.raises(ImportError, match=r"labelkit\[convert\]"):
        _common.require("numpy")


def _run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "labelkit._cli", "convert", *map(str, argv)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )


def test_cli_round_trip_coco_fastlabel_coco(tmp_path: Path) -> None:
    coco = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 20, "height": 10}],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": [1, 2, 3, 4],
                "segmentation": [[1, 2, 4, 2, 4, 6]],
                "area": 6,
                "iscrowd": 0,
            }
        ],
    }
    (tmp_path / "in.json").write_text(json.dumps(coco))
    Image.new("RGB", (20, 10)).save(tmp_path / "a.jpg")
    done = _run(
        "--from", "coco", "--to", "fastlabel", tmp_path / "in.json", "-o", tmp_path / "fl.json"
    )
    assert done.returncode == 0, done.stderr
    fastlabel = json.loads((tmp_path / "fl.json").read_text())
    assert fastlabel == {
        "a.jpg": [{"type": "bbox", "value": "cat", "points": [1, 2, 4, 6], "attributes": []}]
    }
    done = _run(
        "--from", "fastlabel", "--to", "coco", tmp_path / "fl.json",
        "-o", tmp_path / "out" / "coco.json", "--image-dir", tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    again = json.loads((tmp_path / "out" / "coco.json").read_text())
    assert again["annotations"][0]["bbox"] == [1, 2, 3, 4]
    assert again["images"][0] == {"id": 1, "file_name": "a.jpg", "width": 20, "height": 10}


def test_cli_fastlabel_to_yolo_voc_labelme(tmp_path: Path) -> None:
    tasks = [
        {
            "name": "a.jpg",
            "width": 20,
            "height": 10,
            "annotations": [{"type": "bbox", "value": "cat", "points": [0, 0, 10, 5]}],
        }
    ]
    (tmp_path / "tasks.json").write_text(json.dumps(tasks))
    for target in ("yolo", "pascalvoc", "labelme"):
        done = _run(
            "--from", "fastlabel", "--to", target, tmp_path / "tasks.json", "-o", tmp_path / target
        )
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "yolo" / "annotations" / "a.txt").read_text() == (
        "0 0.250000 0.250000 0.500000 0.500000\n"
    )
    assert (tmp_path / "pascalvoc" / "annotations" / "a.xml").exists()
    assert json.loads((tmp_path / "labelme" / "a.json").read_text())["shapes"][0]["label"] == "cat"


def test_cli_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.json").write_text("{")
    assert (
        main(
            [
                "convert",
                "--from",
                "coco",
                "--to",
                "fastlabel",
                str(tmp_path / "bad.json"),
                "-o",
                str(tmp_path / "x.json"),
            ]
        )
        == 1
    )
    assert "bad.json" in capsys.readouterr().err
    assert main(["convert", "--from", "coco", "--to", "yolo", "in", "-o", "out"]) == 2
    assert "exactly one" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["convert", "--from", "csv", "--to", "fastlabel", "in", "-o", "out"])
    (tmp_path / "tasks.json").write_text(
        json.dumps([{"name": "../x.jpg", "width": 2, "height": 2}])
    )
    assert (
        main(
            [
                "convert",
                "--from",
                "fastlabel",
                "--to",
                "labelme",
                str(tmp_path / "tasks.json"),
                "-o",
                str(tmp_path / "o"),
            ]
        )
        == 1
    )
    assert "escape" in capsys.readouterr().err
