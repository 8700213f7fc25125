"""FastLabel ⇄ YOLO."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from labelkit import ValidationError
from labelkit.convert import convert_yolo_to_fastlabel, export_yolo, to_yolo


def _image(path: Path, size: tuple[int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size).save(path)


def _values(line: str) -> tuple[int, list[float]]:
    cls, *rest = line.split()
    return int(cls), [float(v) for v in rest]


def test_export_classes_match_ids_and_rings_get_lines(tmp_path: Path) -> None:
    task = {
        "name": "dir/a.jpg",
        "width": 200,
        "height": 100,
        "annotations": [
            {"type": "bbox", "value": "zebra", "points": [20, 10, 60, 50]},
            {"type": "polygon", "value": "ant", "points": [0, 0, 100, 0, 100, 50]},
            {
                "type": "segmentation",
                "value": "ant",
                "points": [
                    [[0, 0, 10, 0, 10, 10, 0, 10, 0, 0], [2, 2, 4, 2, 4, 4, 2, 4, 2, 2]],
                    [[20, 20, 30, 20, 30, 30, 20, 30, 20, 20]],
                ],
            },
            {"type": "keypoint", "value": "ant", "points": [1, 1]},
        ],
    }
    classes = ["zebra", "ant"]  # deliberately not sorted
    out = export_yolo([task], classes, tmp_path / "yolo")
    assert (out / "classes.txt").read_text().splitlines() == ["zebra", "ant"]
    lines = (out / "annotations" / "dir" / "a.txt").read_text().splitlines()
    assert lines[0] == "0 0.200000 0.300000 0.200000 0.400000"
    assert _values(lines[1]) == (1, [0, 0, 0.5, 0, 0.5, 0.5])
    # one line per region (outer ring; YOLO has no holes), never concatenated
    assert len(lines) == 4
    assert _values(lines[2]) == (1, [0, 0, 0.05, 0, 0.05, 0.1, 0, 0.1])
    assert _values(lines[3])[1][:2] == [0.1, 0.2]
    names, labels = to_yolo([task])
    assert names == ["ant", "zebra"]
    assert labels["dir/a.jpg"][0].startswith("1 ")


def test_rotated_box_and_segmentation_project(tmp_path: Path) -> None:
    task = {
        "name": "r.png",
        "width": 100,
        "height": 100,
        "annotations": [
            {"type": "bbox", "value": "x", "points": [40, 45, 60, 55], "rotation": 90},
        ],
    }
    _, labels = to_yolo([task])
    assert _values(labels["r.png"][0]) == (0, pytest.approx([0.5, 0.5, 0.1, 0.2]))
    _, labels = to_yolo([task], project_type="image_segmentation")
    _, ring = _values(labels["r.png"][0])
    assert len(ring) == 8


def test_import_bbox_polygon_segmentation(tmp_path: Path) -> None:
    _image(tmp_path / "data" / "a.jpg", (200, 100))
    _image(tmp_path / "data" / "empty.png", (10, 10))
    (tmp_path / "data" / "a.txt").write_text("1 0.5 0.5 0.2 0.4\n\n")
    (tmp_path / "classes.txt").write_text("cat\ndog\n")
    result = convert_yolo_to_fastlabel(tmp_path / "classes.txt", tmp_path / "data")
    assert result == {
        "a.jpg": [{"type": "bbox", "value": "dog", "points": [80, 30, 120, 70], "attributes": []}],
        "empty.png": [],
    }
    (tmp_path / "data" / "a.txt").write_text("0 0.1 0.1 0.5 0.1 0.5 0.5\n")
    polygon = convert_yolo_to_fastlabel(tmp_path / "classes.txt", tmp_path / "data", "polygon")
    assert polygon["a.jpg"][0]["points"] == [20, 10, 100, 10, 100, 50]
    seg = convert_yolo_to_fastlabel(tmp_path / "classes.txt", tmp_path / "data", "segmentation")
    assert seg["a.jpg"][0] == {
        "type": "segmentation",
        "value": "cat",
        "points": [[[20, 10, 100, 10, 100, 50, 20, 10]]],
        "attributes": [],
    }


def test_import_ultralytics_layout(tmp_path: Path) -> None:
    _image(tmp_path / "images" / "train" / "x.jpg", (10, 10))
    (tmp_path / "labels" / "train").mkdir(parents=True)
    (tmp_path / "labels" / "train" / "x.txt").write_text("0 0.5 0.5 1 1\n")
    (tmp_path / "classes.txt").write_text("only\n")
    result = convert_yolo_to_fastlabel(tmp_path / "classes.txt", tmp_path)
    assert result["images/train/x.jpg"][0]["points"] == [0, 0, 10, 10]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("2 0.5 0.5 0.1 0.1", r"line 1: class id 2 out of range"),
        ("0 0.5 0.5", "a box line has 5 values"),
        ("x 0.5 0.5 0.1 0.1", "class id followed by numbers"),
    ],
)
def test_bad_label_lines(tmp_path: Path, content: str, message: str) -> None:
    _image(tmp_path / "a.jpg", (10, 10))
    (tmp_path / "a.txt").write_text(content)
    (tmp_path / "classes.txt").write_text("c0\nc1\n")
    with pytest.raises(ValidationError, match=message) as exc:
        convert_yolo_to_fastlabel(tmp_path / "classes.txt", tmp_path)
    assert "a.txt" in str(exc.value)


def test_label_without_image(tmp_path: Path) -> None:
    (tmp_path / "orphan.txt").write_text("0 0.5 0.5 0.1 0.1")
    (tmp_path / "classes.txt").write_text("c0\n")
    with pytest.raises(ValidationError, match=r"orphan\.txt.*no image"):
        convert_yolo_to_fastlabel(tmp_path / "classes.txt", tmp_path)
    with pytest.raises(ValidationError, match=r"missing\.txt: cannot read the classes file"):
        convert_yolo_to_fastlabel(tmp_path / "missing.txt", tmp_path)


def test_tasks_without_size_are_rejected() -> None:
    with pytest.raises(ValidationError, match=r"tasks\[0\].*'a.jpg'.*width"):
        to_yolo([{"name": "a.jpg", "width": 0, "height": 10, "annotations": []}])


unit = st.integers(min_value=1, max_value=999_999).map(lambda v: v / 1_000_000)


@st.composite
def yolo_files(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[list[str]], str]:
    kind = draw(st.sampled_from(["bbox", "polygon"]))
    sizes = [
        (draw(st.integers(8, 64)), draw(st.integers(8, 64))) for _ in range(draw(st.integers(1, 3)))
    ]
    files = []
    for _ in sizes:
        lines = []
        for _ in range(draw(st.integers(0, 4))):
            cls = draw(st.integers(0, 2))
            if kind == "bbox":
                values = [draw(unit) for _ in range(4)]
            else:
                values = [draw(unit) for _ in range(2 * draw(st.integers(3, 6)))]
            lines.append(" ".join([str(cls), *(f"{v:.6f}" for v in values)]))
        files.append(lines)
    return sizes, files, kind


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yolo_files())
def test_round_trip_yolo_fastlabel_yolo(
    case: tuple[list[tuple[int, int]], list[list[str]], str],
) -> None:
    sizes, files, kind = case
    classes = ["a", "b", "c"]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "classes.txt").write_text("\n".join(classes))
        for index, (size, lines) in enumerate(zip(sizes, files, strict=True)):
            _image(root / "data" / f"{index}.png", size)
            (root / "data" / f"{index}.txt").write_text("\n".join(lines))
        converted = convert_yolo_to_fastlabel(root / "classes.txt", root / "data", kind)
        tasks: list[dict[str, Any]] = [
            {"name": f"{i}.png", "width": w, "height": h, "annotations": converted[f"{i}.png"]}
            for i, (w, h) in enumerate(sizes)
        ]
        out = export_yolo(tasks, classes, root / "out")
        assert (out / "classes.txt").read_text().split() == classes
        for index, lines in enumerate(files):
            again = (out / "annotations" / f"{index}.txt").read_text().splitlines()
            assert len(again) == len(lines)
            for before, after in zip(lines, again, strict=True):
                cls0, values0 = _values(before)
                cls1, values1 = _values(after)
                assert cls0 == cls1
                assert values1 == pytest.approx(values0, abs=1.5e-6)
