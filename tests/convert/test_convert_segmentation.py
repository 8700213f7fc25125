"""Index-colour PNG exports, mask → segmentation points, annotated images."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from labelkit import ValidationError
from labelkit.convert import (
    COLOR_PALETTE,
    export_image_with_annotations,
    export_instance_segmentation,
    export_semantic_segmentation,
    mask_to_fastlabel_segmentation_points,
    to_index_masks,
)

RING_OUTER = [2, 2, 12, 2, 12, 10, 2, 10, 2, 2]
RING_HOLE = [4, 4, 8, 4, 8, 6, 4, 6, 4, 4]


def _task() -> dict[str, Any]:
    return {
        "name": "dir/a.jpg",
        "width": 16,
        "height": 12,
        "annotations": [
            {"type": "bbox", "value": "sky", "points": [0, 0, 16, 5]},
            {"type": "segmentation", "value": "tree", "points": [[RING_OUTER, RING_HOLE]]},
            {"type": "polygon", "value": "sky", "points": [10, 8, 14, 8, 14, 12, 10, 12]},
            {"type": "keypoint", "value": "dot", "points": [1, 1]},
        ],
    }


def _expected(semantic: bool) -> np.ndarray:
    sky, tree, second = (2, 3, 2) if semantic else (1, 2, 3)
    expected = np.zeros((12, 16), dtype=np.uint8)
    expected[0:5, :] = sky
    tree_mask = np.zeros_like(expected, dtype=bool)
    tree_mask[2:10, 2:12] = True
    tree_mask[4:6, 4:8] = False  # the hole shows the sky below, not background or an OR
    expected[tree_mask] = tree
    expected[8:12, 10:14] = second
    return expected


@pytest.mark.parametrize("semantic", [False, True])
def test_index_png_has_the_right_index_per_pixel(tmp_path: Path, semantic: bool) -> None:
    if semantic:
        out = export_semantic_segmentation([_task()], tmp_path, classes=["dot", "sky", "tree"])
    else:
        out = export_instance_segmentation([_task()], tmp_path)
    with Image.open(out / "dir" / "a.png") as image:
        assert image.mode == "P" and image.size == (16, 12)
        pixels = np.asarray(image)
        palette = image.getpalette()
    assert palette is not None and palette[:30] == COLOR_PALETTE[:30]
    np.testing.assert_array_equal(pixels, _expected(semantic))


def test_default_classes_and_start_index() -> None:
    masks = to_index_masks([_task()], semantic=True, start_index=5)
    assert set(np.unique(masks["dir/a.jpg"]).tolist()) == {0, 5, 6}  # sky, tree (sorted)
    with pytest.raises(ValidationError, match=r"annotations\[1\]\.value.*'tree' is not in classes"):
        to_index_masks([_task()], semantic=True, classes=["sky"])
    with pytest.raises(ValidationError, match="palette index 256"):
        to_index_masks([_task()], semantic=False, start_index=254)


def test_rotated_bbox_is_filled_rotated() -> None:
    task = {
        "name": "r.png",
        "width": 20,
        "height": 20,
        "annotations": [{"type": "bbox", "value": "r", "points": [4, 8, 16, 12], "rotation": 90}],
    }
    mask = to_index_masks([task], semantic=False)["r.png"]
    expected = np.zeros((20, 20), dtype=np.uint8)
    expected[4:16, 8:12] = 1
    np.testing.assert_array_equal(mask, expected)


def test_mask_points_match_the_documented_example(tmp_path: Path) -> None:
    mask = np.zeros((12, 12), dtype=np.uint8)
    mask[2:10, 2:10] = 255
    assert mask_to_fastlabel_segmentation_points(mask) == [[[2, 2, 10, 2, 10, 10, 2, 10, 2, 2]]]
    mask[4:8, 4:8] = 0
    mask[5, 5] = 255  # an island inside the hole is a region of its own
    Image.fromarray(mask).save(tmp_path / "m.png")
    assert mask_to_fastlabel_segmentation_points(tmp_path / "m.png") == [
        [[2, 2, 10, 2, 10, 10, 2, 10, 2, 2], [4, 4, 8, 4, 8, 8, 4, 8, 4, 4]],
        [[5, 5, 6, 5, 6, 6, 5, 6, 5, 5]],
    ]
    with pytest.raises(ValidationError, match="2-D"):
        mask_to_fastlabel_segmentation_points(np.zeros((2, 2, 3)))
    (tmp_path / "bad.png").write_text("not an image")
    with pytest.raises(ValidationError, match=r"bad\.png"):
        mask_to_fastlabel_segmentation_points(tmp_path / "bad.png")


def _signed_area(ring: list[int]) -> float:
    xs, ys = np.array(ring[0::2], dtype=float), np.array(ring[1::2], dtype=float)
    return float(np.sum(xs[:-1] * ys[1:] - xs[1:] * ys[:-1]) / 2)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arrays(np.bool_, st.tuples(st.integers(1, 14), st.integers(1, 14))))
def test_mask_round_trip_through_segmentation_png(mask: np.ndarray) -> None:
    regions = mask_to_fastlabel_segmentation_points(mask)
    for rings in regions:
        for ring in rings:
            assert ring[:2] == ring[-2:]  # closed
            assert _signed_area(ring) > 0  # clockwise on screen (y down)
            assert all(isinstance(v, int) for v in ring)
    area = sum(
        _signed_area(rings[0]) - sum(_signed_area(h) for h in rings[1:]) for rings in regions
    )
    assert area == mask.sum()
    height, width = mask.shape
    task = {"name": "m.png", "width": width, "height": height, "annotations": []}
    if regions:
        task["annotations"] = [{"type": "segmentation", "value": "m", "points": regions}]
    painted = to_index_masks([task], semantic=False)["m.png"]
    np.testing.assert_array_equal(painted == 1, mask)


def test_image_with_annotations(tmp_path: Path) -> None:
    source = tmp_path / "images"
    (source / "dir").mkdir(parents=True)
    Image.new("RGB", (16, 12), (255, 255, 255)).save(source / "dir" / "a.jpg")
    Image.new("RGB", (4, 4)).save(source / "unmatched.png")
    task = _task()
    task["annotations"][0]["color"] = "#FF0000"
    task["annotations"].append(
        {
            "type": "pose_estimation",
            "value": "p",
            "keypoints": [
                {"key": "a", "value": [1, 1, 1], "edges": ["b"]},
                {"key": "b", "value": [14, 10, 1], "edges": ["a"]},
            ],
        }
    )
    original_points = list(task["annotations"][2]["points"])
    written = export_image_with_annotations([task], source, tmp_path / "out")
    assert written == [tmp_path / "out" / "dir" / "a.jpg"]
    assert task["annotations"][2]["points"] == original_points  # caller data untouched
    with Image.open(written[0]) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    red, green, blue = pixels[1, 8]  # inside the red bbox: tinted red
    assert red > green + 20 and red > blue + 20
    task["annotations"][0]["type"] = "blob"
    with pytest.raises(ValidationError, match="unknown annotation type 'blob'"):
        export_image_with_annotations([task], source, tmp_path / "out2")
