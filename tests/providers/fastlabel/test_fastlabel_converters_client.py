"""The official converter names on the FastLabel clients (the work is labelkit.convert's)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labelkit import AsyncFastLabel, FastLabel, ValidationError
from labelkit.emulators import FastLabelEmulator

pytest.importorskip("numpy")

TASKS = [
    {
        "name": "a.jpg",
        "width": 100,
        "height": 80,
        "annotations": [
            {"type": "bbox", "value": "cat", "points": [10, 10, 50, 40], "attributes": []},
        ],
    }
]


@pytest.mark.anyio
async def test_export_coco_looks_up_the_project_and_writes_coco(tmp_path: Path) -> None:
    emulator = FastLabelEmulator()
    emulator.add_project("pets", type="image_bbox")
    async with AsyncFastLabel(
        "test-token", base_url=emulator.base_url, transport=emulator.transport()
    ) as client:
        out = await client.export_coco("pets", TASKS, output_dir=tmp_path / "coco")
        assert Path(out) == tmp_path / "coco" / "annotations.json"
        coco = json.loads(Path(out).read_text())
        assert coco["annotations"][0]["bbox"] == [10, 10, 40, 30]
        back = await client.convert_coco_to_fastlabel(out)
        assert back["a.jpg"][0]["points"] == [10, 10, 50, 40]
        with pytest.raises(ValidationError, match="no project with slug 'nope'"):
            await client.export_yolo("nope", TASKS, output_dir=tmp_path / "yolo")
        assert not (tmp_path / "yolo").exists()


def test_sync_twin_runs_the_same_conversion(tmp_path: Path) -> None:
    emulator = FastLabelEmulator()
    emulator.add_project("pets", type="image_bbox")
    with FastLabel(
        "test-token", base_url=emulator.base_url, transport=emulator.transport()
    ) as client:
        out = client.export_yolo("pets", TASKS, output_dir=tmp_path / "yolo")
        assert (Path(out) / "classes.txt").read_text().split() == ["cat"]
        client.export_labelme(TASKS, output_dir=tmp_path / "labelme")
        assert (tmp_path / "labelme" / "a.json").exists()
