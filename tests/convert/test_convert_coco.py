"""FastLabel ⇄ COCO, checked with pycocotools (an independent reader and evaluator)."""

from __future__ import annotations

import contextlib
import io
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from labelkit import ValidationError
from labelkit.convert import convert_coco_to_fastlabel, export_coco, to_coco

# pycocotools' decoder trips a numpy 2 deprecation inside its compiled code
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

W, H = 64, 48


def _bbox(value: str, points: list[float], **extra: Any) -> dict[str, Any]:
    return {"type": "bbox", "value": value, "points": points, "attributes": [], **extra}


def _tasks() -> list[dict[str, Any]]:
    return [
        {
            "name": "a.jpg",
            "width": W,
            "height": H,
            "annotations": [
                _bbox("cat", [4, 6, 20, 30], color="#FF0000"),
                {
                    "type": "polygon",
                    "value": "dog",
                    "color": "#00FF00",
                    "points": [30, 5, 60, 5, 60, 40, 45, 44, 30, 40],
                    "attributes": [{"key": "kind", "value": "husky"}],
                },
                {
                    "type": "segmentation",
                    "value": "bird",
                    "color": "#0000FF",
                    "points": [
                        [
                            [2, 34, 22, 34, 22, 46, 2, 46, 2, 34],
                            [6, 38, 10, 38, 10, 42, 6, 42, 6, 38],
                        ],
                        [[24, 40, 28, 40, 28, 46, 24, 46, 24, 40]],
                    ],
                },
                {"type": "line", "value": "edge", "points": [0, 0, 5, 5]},
            ],
        },
        {
            "name": "sub/b.png",
            "width": W,
            "height": H,
            "annotations": [_bbox("cat", [10.5, 10.25, 30.5, 20.75], color="#FF0000")],
        },
    ]


def _load(path: Path) -> COCO:
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(str(path))


def _evaluate(gt: COCO, iou_type: str) -> float:
    detections = [{**a, "score": 1.0} for a in gt.dataset["annotations"]]
    with contextlib.redirect_stdout(io.StringIO()):
        dt = gt.loadRes(detections)
        evaluator = COCOeval(gt, dt, iou_type)
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return float(evaluator.stats[0])


def test_export_loads_and_evaluates_with_pycocotools(tmp_path: Path) -> None:
    path = export_coco(_tasks(), output_dir=tmp_path / "out")
    assert path == tmp_path / "out" / "annotations.json"
    gt = _load(path)
    assert [c["name"] for c in gt.dataset["categories"]] == ["bird", "cat", "dog"]
    assert len(gt.getAnnIds()) == 4  # the line is not a COCO object
    assert _evaluate(gt, "bbox") == pytest.approx(1.0)
    assert _evaluate(gt, "segm") == pytest.approx(1.0)


def test_areas_boxes_and_masks_agree_with_pycocotools(tmp_path: Path) -> None:
    gt = _load(export_coco(_tasks(), output_dir=tmp_path))
    by_cat = {c["name"]: c["id"] for c in gt.dataset["categories"]}
    for ann in gt.dataset["annotations"]:
        rle = gt.annToRLE(ann)
        pixels = float(mask_utils.area(rle))
        x, y, w, h = ann["bbox"]
        perimeter = 2 * (w + h)
        assert abs(pixels - ann["area"]) <= perimeter  # polygon rasterisation is approximate
        mx, my, mw, mh = mask_utils.toBbox(rle)
        assert abs(mx - x) <= 1 and abs(my - y) <= 1 and abs(mw - w) <= 1 and abs(mh - h) <= 1
    bird = gt.loadAnns(gt.getAnnIds(catIds=[by_cat["bird"]]))[0]
    # holes are subtracted, and an RLE mask keeps them exactly
    assert bird["area"] == 20 * 12 - 4 * 4 + 4 * 6
    assert isinstance(bird["segmentation"], dict)
    assert mask_utils.area(gt.annToRLE(bird)) == bird["area"]
    decoded = gt.annToMask(bird)
    assert decoded[40, 8] == 0 and decoded[36, 4] == 1 and decoded[42, 25] == 1
    assert bird["bbox"] == [2, 34, 26, 12]
    cat = gt.loadAnns(gt.getAnnIds(catIds=[by_cat["cat"]]))
    assert cat[0]["bbox"] == [4, 6, 16, 24] and cat[0]["area"] == 16 * 24
    assert cat[1]["bbox"] == [10.5, 10.25, 20, 10.5]
    dog = gt.loadAnns(gt.getAnnIds(catIds=[by_cat["dog"]]))[0]
    assert dog["attributes"] == {"kind": "husky"}
    assert dog["area"] == pytest.approx(30 * 35 + 30 * 4 / 2)


def test_category_colours_stay_distinct() -> None:
    categories = to_coco(_tasks())["categories"]
    assert {c["name"]: c["color"] for c in categories} == {
        "bird": "#0000FF",
        "cat": "#FF0000",
        "dog": "#00FF00",
    }


def test_bbox_segmentation_is_a_closed_ring() -> None:
    # Wire reference 7.1: "bbox -> one closed 5-vertex ring [x1,y1,x2,y1,x2,y2,x1,y2,x1,y1]".
    task = {"name": "b.jpg", "width": 50, "height": 50, "annotations": [_bbox("b", [1, 2, 4, 6])]}
    coco = to_coco([task])
    assert coco["annotations"][0]["segmentation"] == [[1, 2, 4, 2, 4, 6, 1, 6, 1, 2]]
    assert coco["categories"][0]["keypoint_colors"] == []


def test_rotated_bbox_becomes_rotated_polygon(tmp_path: Path) -> None:
    task = {
        "name": "r.jpg",
        "width": 100,
        "height": 100,
        "annotations": [_bbox("box", [40, 45, 60, 55], rotation=90)],
    }
    ann = to_coco([task])["annotations"][0]
    corners = np.array(ann["segmentation"][0], dtype=float).reshape(-1, 2)
    # 20 x 10 box turned by 90 degrees about (50, 50): 10 wide, 20 high
    assert np.allclose(corners.min(axis=0), [45, 40]) and np.allclose(corners.max(axis=0), [55, 60])
    assert ann["bbox"] == pytest.approx([45, 40, 10, 20])
    assert ann["area"] == pytest.approx(200)
    assert ann["rotation"] == 90
    task["annotations"][0]["rotation"] = 30
    ann = to_coco([task])["annotations"][0]
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    half_w = 10 * c + 5 * s
    half_h = 10 * s + 5 * c
    assert ann["bbox"] == pytest.approx([50 - half_w, 50 - half_h, 2 * half_w, 2 * half_h])
    path = export_coco([task], output_dir=tmp_path)
    gt = _load(path)
    assert float(mask_utils.area(gt.annToRLE(gt.dataset["annotations"][0]))) == pytest.approx(
        200, abs=25
    )
    back = convert_coco_to_fastlabel(path, "bbox")["r.jpg"][0]
    assert back["points"] == pytest.approx([40, 45, 60, 55])
    assert back["rotation"] == pytest.approx(30)


def test_pose_estimation_keypoints_with_classes() -> None:
    classes = [
        {
            "type": "pose_estimation",
            "value": "person",
            "color": "#123456",
            "keypoints": [
                {"id": "k1", "key": "head", "color": "#ff0000", "edges": ["k2"]},
                {"id": "k2", "key": "neck", "color": "#00ff00", "edges": ["k1", "k3"]},
                {"id": "k3", "key": "hip", "color": "#0000ff", "edges": ["k2"]},
            ],
        },
        {"type": "bbox", "value": "unused"},
    ]
    task = {
        "name": "p.jpg",
        "width": 50,
        "height": 50,
        "annotations": [
            {
                "type": "pose_estimation",
                "value": "person",
                "keypoints": [
                    {"key": "head", "value": [10, 5, 1]},
                    {"key": "neck", "value": [10, 12, 0]},
                    {"key": "hip", "value": []},
                ],
            }
        ],
    }
    coco = to_coco([task], classes)
    assert coco["categories"] == [
        {
            "id": 1,
            "name": "person",
            "supercategory": "person",
            "color": "#123456",
            "keypoints": ["head", "neck", "hip"],
            # wire reference 7.1: the classes' keypoint colours, in keypoint order
            "keypoint_colors": ["#ff0000", "#00ff00", "#0000ff"],
            "skeleton": [[1, 2], [2, 3]],
        }
    ]
    ann = coco["annotations"][0]
    assert ann["keypoints"] == [10, 5, 2, 10, 12, 1, 0, 0, 0]
    assert ann["num_keypoints"] == 2
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pose.json"
        path.write_text(json.dumps(coco))
        back = convert_coco_to_fastlabel(path, "pose_estimation")["p.jpg"][0]
    assert back["keypoints"] == [
        {"key": "head", "value": [10, 5, 1]},
        {"key": "neck", "value": [10, 12, 0]},
    ]


def test_import_uses_bbox_field_and_keeps_empty_images(tmp_path: Path) -> None:
    data = {
        "images": [
            {"id": 1, "file_name": "x.jpg", "width": 10, "height": 10},
            {"id": 2, "file_name": "empty.jpg", "width": 10, "height": 10},
        ],
        "categories": [{"id": 7, "name": "", "supercategory": "thing"}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 7,
                "bbox": [1, 2, 3, 4],
                "segmentation": [[1, 2, 4, 2, 4, 6, 1, 6]],
                "attributes": {"occluded": True},
            }
        ],
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    result = convert_coco_to_fastlabel(path)
    assert result == {
        "x.jpg": [
            {
                "type": "bbox",
                "value": "thing",
                "points": [1, 2, 4, 6],
                "attributes": [{"key": "occluded", "value": True}],
            }
        ],
        "empty.jpg": [],
    }
    polygons = convert_coco_to_fastlabel(path, "polygon")["x.jpg"]
    assert polygons[0]["type"] == "polygon" and polygons[0]["points"] == [1, 2, 4, 2, 4, 6, 1, 6]


def test_rle_with_holes_imports_as_segmentation(tmp_path: Path) -> None:
    path = export_coco(_tasks(), output_dir=tmp_path)
    regions = [a for a in convert_coco_to_fastlabel(path, "segmentation")["a.jpg"]]
    bird = next(a for a in regions if a["value"] == "bird")
    assert bird["points"] == _tasks()[0]["annotations"][2]["points"]
    mask = np.zeros((H, W), dtype=np.uint8, order="F")
    mask[0:3, 0:3] = 1
    compressed = mask_utils.encode(mask)
    data = {
        "images": [{"id": 1, "file_name": "m.png", "width": W, "height": H}],
        "categories": [{"id": 1, "name": "m"}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "iscrowd": 1,
                "bbox": [0, 0, 3, 3],
                "segmentation": {"size": [H, W], "counts": compressed["counts"].decode()},
            }
        ],
    }
    (tmp_path / "rle.json").write_text(json.dumps(data))
    got = convert_coco_to_fastlabel(tmp_path / "rle.json", "segmentation")["m.png"][0]
    assert got["points"] == [[[0, 0, 3, 0, 3, 3, 0, 3, 0, 0]]]
    with pytest.raises(ValidationError, match="RLE"):
        convert_coco_to_fastlabel(tmp_path / "rle.json", "polygon")


coordinate = st.integers(min_value=0, max_value=400).map(lambda v: v / 4)


@st.composite
def coco_datasets(draw: st.DrawFn) -> dict[str, Any]:
    names = ["a", "b", "c"]
    images, annotations = [], []
    for image_id in range(1, draw(st.integers(1, 3)) + 1):
        images.append(
            {"id": image_id, "file_name": f"img{image_id}.jpg", "width": 101, "height": 101}
        )
        for _ in range(draw(st.integers(0, 4))):
            x, y = draw(coordinate), draw(coordinate)
            w, h = draw(st.integers(1, 40)) / 2, draw(st.integers(1, 40)) / 2
            ring = [x, y, x + w, y, x + w / 2, y + h]
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": draw(st.integers(1, 3)),
                    "bbox": [x, y, w, h],
                    "segmentation": [ring],
                    "area": w * h / 2,
                    "iscrowd": 0,
                }
            )
    categories = [{"id": i + 1, "name": n, "supercategory": n} for i, n in enumerate(names)]
    return {"images": images, "annotations": annotations, "categories": categories}


def _tasks_from(dataset: dict[str, Any], converted: dict[str, list[Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": i["file_name"],
            "width": i["width"],
            "height": i["height"],
            "annotations": converted[i["file_name"]],
        }
        for i in dataset["images"]
    ]


def _by_image(dataset: dict[str, Any], key: str) -> dict[str, list[tuple[str, list[float]]]]:
    files = {i["id"]: i["file_name"] for i in dataset["images"]}
    names = {c["id"]: c["name"] for c in dataset["categories"]}
    result: dict[str, list[tuple[str, list[float]]]] = {name: [] for name in files.values()}
    for a in dataset["annotations"]:
        value = a[key][0] if key == "segmentation" else a[key]
        result[files[a["image_id"]]].append((names[a["category_id"]], [float(v) for v in value]))
    return {k: sorted(v) for k, v in result.items()}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coco_datasets())
def test_round_trip_coco_fastlabel_coco(dataset: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.json"
        source.write_text(json.dumps(dataset))
        for kind, key in (("bbox", "bbox"), ("polygon", "segmentation")):
            converted = convert_coco_to_fastlabel(source, kind)
            again = to_coco(_tasks_from(dataset, converted))
            assert _by_image(again, key) == _by_image(dataset, key)
            assert all(a["type"] == kind for anns in converted.values() for a in anns)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["annotations"][0].update(category_id=99), "unknown category_id 99"),
        (lambda d: d["annotations"][0].update(image_id=42), "unknown image_id 42"),
        (lambda d: d["annotations"][0].update(bbox=[1, "x", 2, 3]), "numbers"),
        (lambda d: d.update(images={}), "images: expected a list"),
    ],
)
def test_bad_coco_input(tmp_path: Path, mutate: Any, message: str) -> None:
    data = {
        "images": [{"id": 1, "file_name": "x.jpg"}],
        "categories": [{"id": 1, "name": "c"}],
        "annotations": [{"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}],
    }
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValidationError, match=message) as exc:
        convert_coco_to_fastlabel(path)
    assert "bad.json" in str(exc.value)


def test_malformed_or_missing_json(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ValidationError, match=r"broken\.json.*not a readable JSON"):
        convert_coco_to_fastlabel(tmp_path / "broken.json")
    with pytest.raises(ValidationError, match="file not found"):
        convert_coco_to_fastlabel(tmp_path / "nope.json")
    with pytest.raises(ValidationError, match="annotation_type"):
        convert_coco_to_fastlabel(tmp_path / "broken.json", "cuboid")


def test_bad_tasks_are_named() -> None:
    tasks = _tasks()
    tasks[1]["annotations"][0]["type"] = "blob"
    with pytest.raises(ValidationError, match=r"tasks\[1\]\.annotations\[0\]\.type.*sub/b\.png"):
        to_coco(tasks)
    tasks = _tasks()
    tasks[0]["annotations"][1]["points"] = [1, 2, 3]
    with pytest.raises(ValidationError, match=r"tasks\[0\]\.annotations\[1\]\.points"):
        to_coco(tasks)
    with pytest.raises(ValidationError, match="width"):
        to_coco([{"name": "n.jpg", "annotations": []}])
    with pytest.raises(ValidationError, match="video"):
        export_coco([], project_type="video_bbox")


def test_accepts_objects_with_raw() -> None:
    class Task:
        raw = _tasks()[1]

    assert to_coco([Task()])["images"][0]["file_name"] == "sub/b.png"
