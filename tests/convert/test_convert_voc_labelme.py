"""FastLabel ⇄ Pascal VOC and labelme."""

from __future__ import annotations

import json
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelkit import ValidationError
from labelkit.convert import (
    convert_labelme_to_fastlabel,
    convert_pascalvoc_to_fastlabel,
    export_labelme,
    export_pascalvoc,
)

VOC = """<annotation>
    <size><width>100</width><height>80</height><depth>3</depth></size>
    <filename>{filename}</filename>
    <object>
        <bndbox><ymax>40.5</ymax><xmin>10.25</xmin><xmax>30</xmax><ymin>5</ymin></bndbox>
        <name>cat</name>
    </object>
</annotation>
"""


def test_voc_import_decimals_any_order(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.xml").write_text(VOC.format(filename="a.png"))
    assert convert_pascalvoc_to_fastlabel(tmp_path) == {
        "sub/a.png": [
            {"type": "bbox", "value": "cat", "points": [10.25, 5, 30, 40.5], "attributes": []}
        ]
    }


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "boom">]><annotation>&x;</annotation>',
            "not a safe",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<annotation><filename>&x;</filename></annotation>",
            "not a safe",
        ),
        ("<annotation><object>", "not a safe, well-formed"),
        ("<other/>", "expected an <annotation> root"),
        (VOC.replace("<xmax>30</xmax>", ""), r"object\[0\].*xmin, ymin, xmax and ymax"),
        (VOC.replace("<xmax>30</xmax>", "<xmax>3O</xmax>"), "<xmax> is not a number"),
    ],
)
def test_voc_bad_and_hostile_xml(tmp_path: Path, document: str, message: str) -> None:
    (tmp_path / "bad.xml").write_text(document.format(filename="a.jpg"))
    with pytest.raises(ValidationError, match=message) as exc:
        convert_pascalvoc_to_fastlabel(tmp_path)
    assert "bad.xml" in str(exc.value)


def test_voc_export(tmp_path: Path) -> None:
    task = {
        "name": "imgs/a.jpg",
        "width": 100,
        "height": 80,
        "annotations": [
            {
                "type": "bbox",
                "value": "cat",
                "points": [10.5, 5, 30, 40],
                "attributes": [{"key": "difficult", "value": True}],
            },
            {"type": "polygon", "value": "dog", "points": [50, 10, 90, 20, 70, 70]},
            {"type": "keypoint", "value": "dot", "points": [1, 1]},
        ],
    }
    out = export_pascalvoc([task], tmp_path / "voc")
    xml_path = out / "annotations" / "imgs" / "a.xml"
    text = xml_path.read_text()
    assert not text.startswith("<?xml")
    root = ET.fromstring(text)
    assert root.findtext("filename") == "a.jpg"
    assert root.findtext("size/width") == "100" and root.findtext("size/depth") == "3"
    objects = root.findall("object")
    assert [o.findtext("name") for o in objects] == ["cat", "dog"]
    assert [objects[0].findtext(f"bndbox/{t}") for t in ("xmin", "ymin", "xmax", "ymax")] == [
        "10.5",
        "5",
        "30",
        "40",
    ]
    assert objects[0].findtext("difficult") == "1" and objects[1].findtext("difficult") == "0"
    assert [objects[1].findtext(f"bndbox/{t}") for t in ("xmin", "ymin", "xmax", "ymax")] == [
        "50",
        "10",
        "90",
        "70",
    ]


def test_labelme_export_and_import(tmp_path: Path) -> None:
    task = {
        "name": "sub/a.jpg",
        "width": 100,
        "height": 80,
        "annotations": [
            {"type": "bbox", "value": "box", "points": [1, 2, 30, 40]},
            {"type": "bbox", "value": "turned", "points": [40, 45, 60, 55], "rotation": 90},
            {"type": "polygon", "value": "poly", "points": [0, 0, 10, 0, 10, 10]},
            {"type": "keypoint", "value": "kp", "points": [5, 6]},
            {"type": "line", "value": "ln", "points": [0, 0, 9, 9]},
            {"type": "line", "value": "strip", "points": [0, 0, 9, 9, 20, 0]},
            {"type": "circle", "value": "c", "points": [50, 40, 5]},
            {
                "type": "segmentation",
                "value": "seg",
                "points": [
                    [[0, 0, 4, 0, 4, 4, 0, 4, 0, 0], [1, 1, 2, 1, 2, 2, 1, 2, 1, 1]],
                    [[6, 6, 8, 6, 8, 8, 6, 8, 6, 6]],
                ],
            },
        ],
    }
    out = export_labelme([task], tmp_path / "lm")
    document = json.loads((out / "sub" / "a.json").read_text(encoding="utf-8"))
    assert document["imagePath"] == "a.jpg" and document["imageData"] is None
    assert (document["imageWidth"], document["imageHeight"]) == (100, 80)
    shapes = document["shapes"]
    assert [s["shape_type"] for s in shapes] == [
        "rectangle",
        "polygon",
        "polygon",
        "point",
        "line",
        "linestrip",
        "circle",
        "polygon",
        "polygon",
    ]
    assert shapes[0]["points"] == [[1, 2], [30, 40]]
    assert shapes[6]["points"] == [[50, 40], [55, 40]]
    back = convert_labelme_to_fastlabel(out)["sub/a.jpg"]
    assert back[0] == {"type": "bbox", "value": "box", "points": [1, 2, 30, 40], "attributes": []}
    assert back[1]["type"] == "polygon" and len(back[1]["points"]) == 8
    assert back[2]["points"] == [0, 0, 10, 0, 10, 10]
    assert back[3] == {"type": "keypoint", "value": "kp", "points": [5, 6], "attributes": []}
    assert [b["type"] for b in back[4:7]] == ["line", "line", "circle"]
    assert back[6]["points"] == [50, 40, 5]
    assert back[7]["points"] == [0, 0, 4, 0, 4, 4, 0, 4]


def test_labelme_bad_input(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(
        json.dumps({"shapes": [{"label": "m", "shape_type": "mask", "points": [[0, 0]]}]})
    )
    with pytest.raises(ValidationError, match=r"a\.json: shapes\[0\]\.shape_type.*'mask'"):
        convert_labelme_to_fastlabel(tmp_path)
    (tmp_path / "a.json").write_text(json.dumps({"images": []}))
    with pytest.raises(ValidationError, match=r"a\.json.*not a labelme file"):
        convert_labelme_to_fastlabel(tmp_path)
    (tmp_path / "a.json").write_text("[")
    with pytest.raises(ValidationError, match=r"a\.json.*not a readable JSON"):
        convert_labelme_to_fastlabel(tmp_path)
    with pytest.raises(ValidationError, match="not a directory"):
        convert_labelme_to_fastlabel(tmp_path / "nowhere")


value = st.integers(min_value=0, max_value=4000).map(lambda v: v / 8)


@st.composite
def boxes_and_polygons(draw: st.DrawFn) -> list[dict[str, Any]]:
    annotations = []
    for _ in range(draw(st.integers(0, 5))):
        label = draw(st.sampled_from(["a", "b", "ü"]))
        if draw(st.booleans()):
            x1, y1 = draw(value), draw(value)
            w, h = draw(st.integers(1, 80)) / 4, draw(st.integers(1, 80)) / 4
            points = [x1, y1, x1 + w, y1 + h]
            annotations.append({"type": "bbox", "value": label, "points": points})
        else:
            ring = [draw(value) for _ in range(2 * draw(st.integers(3, 7)))]
            annotations.append({"type": "polygon", "value": label, "points": ring})
    return annotations


def _normal(annotations: list[dict[str, Any]], boxes_only: bool = False) -> list[tuple[Any, ...]]:
    result = []
    for a in annotations:
        points = [float(v) for v in a["points"]]
        if boxes_only and a["type"] == "polygon":
            points = [min(points[0::2]), min(points[1::2]), max(points[0::2]), max(points[1::2])]
        result.append((a["value"], points))
    return result


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(boxes_and_polygons(), min_size=1, max_size=3))
def test_round_trips_voc_and_labelme(per_image: list[list[dict[str, Any]]]) -> None:
    tasks = [
        {"name": f"d/{i}.jpg", "width": 640, "height": 480, "annotations": anns}
        for i, anns in enumerate(per_image)
    ]
    with tempfile.TemporaryDirectory() as folder:
        voc_dir = export_pascalvoc(tasks, Path(folder) / "voc") / "annotations"
        voc = convert_pascalvoc_to_fastlabel(voc_dir)
        labelme = convert_labelme_to_fastlabel(export_labelme(tasks, Path(folder) / "lm"))
    for task in tasks:
        name = task["name"]
        assert _normal(voc[name]) == _normal(task["annotations"], boxes_only=True)
        assert all(a["type"] == "bbox" for a in voc[name])
        assert _normal(labelme[name]) == _normal(task["annotations"])
        assert [a["type"] for a in labelme[name]] == [a["type"] for a in task["annotations"]]
