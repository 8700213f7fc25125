"""FastLabel ⇄ labelme JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .._errors import ValidationError
from ._annotations import iter_annotations
from ._common import (
    clean_number,
    coerce_tasks,
    flat_points,
    iter_files,
    json_text,
    load_json,
    relative_key,
    task_size,
)
from ._geometry import bbox_corners, bbox_points, bbox_rotation, segmentation_regions
from ._paths import checked_output_folder, output_relative

__all__ = ["convert_labelme_to_fastlabel", "export_labelme", "to_labelme"]

LABELME_VERSION = "4.5.9"


def _pairs(flat: Iterable[float]) -> list[list[int | float]]:
    values = [clean_number(float(v)) for v in flat]
    return [values[i : i + 2] for i in range(0, len(values), 2)]


def _shape(label: str, points: Iterable[float], shape_type: str) -> dict[str, Any]:
    return {
        "label": label,
        "points": _pairs(points),
        "group_id": None,
        "shape_type": shape_type,
        "flags": {},
    }


def _shapes(task: dict[str, Any], where: str) -> list[dict[str, Any]]:
    shapes: list[dict[str, Any]] = []
    for at, kind, annotation in iter_annotations(task, where):
        value, points = annotation["value"], annotation.get("points")
        if not points:
            continue
        field = f"{at}.points"
        if kind == "bbox":
            box, rotation = bbox_points(annotation, at), bbox_rotation(annotation, at)
            if rotation % 360:  # labelme rectangles cannot rotate
                shapes.append(_shape(value, bbox_corners(box, rotation), "polygon"))
            else:
                shapes.append(_shape(value, box, "rectangle"))
        elif kind == "polygon":
            shapes.append(_shape(value, flat_points(points, field, minimum=6), "polygon"))
        elif kind == "segmentation":  # one polygon per region; labelme has no holes
            for rings in segmentation_regions(points, field):
                shapes.append(_shape(value, rings[0], "polygon"))
        elif kind == "keypoint":
            shapes.append(_shape(value, flat_points(points, field)[:2], "point"))
        elif kind == "line":
            line = flat_points(points, field, minimum=4)
            shapes.append(_shape(value, line, "line" if len(line) == 4 else "linestrip"))
        elif kind == "circle":
            if not isinstance(points, list) or len(points) != 3:
                raise ValidationError(field, "a circle is [cx, cy, r]")
            cx, cy, r = flat_points([*points, 0], field, minimum=4)[:3]
            shapes.append(_shape(value, [cx, cy, cx + r, cy], "circle"))
    return shapes


def to_labelme(tasks: Iterable[object]) -> dict[str, dict[str, Any]]:
    """``{task name: labelme document}``.

    bbox → ``rectangle`` (a rotated box → 4-corner ``polygon``), polygon →
    ``polygon``, segmentation → one ``polygon`` per region (outer ring),
    keypoint → ``point``, line → ``line`` (2 points) or ``linestrip``, circle →
    ``circle`` (centre and a point on the rim). ``imagePath`` is the image's
    file name, next to the JSON file as labelme expects.
    """
    documents: dict[str, dict[str, Any]] = {}
    for index, task in enumerate(coerce_tasks(tasks)):
        where = f"tasks[{index}]"
        width, height = task_size(task, where)
        documents[task["name"]] = {
            "version": LABELME_VERSION,
            "flags": {},
            "shapes": _shapes(task, where),
            "imagePath": task["name"].replace("\\", "/").rsplit("/", 1)[-1],
            "imageData": None,
            "imageHeight": height,
            "imageWidth": width,
        }
    return documents


def export_labelme(tasks: Iterable[object], output_dir: str | Path = "output/labelme") -> Path:
    """Write ``<name without extension>.json`` per task (UTF-8); returns ``output_dir``."""
    documents = to_labelme(tasks)
    paths = {
        name: output_relative(name, suffix=".json", field=f"task {name!r}") for name in documents
    }
    folder = checked_output_folder(output_dir, paths.values())
    for name, document in documents.items():
        folder.write_text(paths[name], json_text(document, indent=2))
    return Path(output_dir)


_TYPES = {
    "rectangle": "bbox",
    "polygon": "polygon",
    "point": "keypoint",
    "line": "line",
    "linestrip": "line",
    "circle": "circle",
}


def _from_shape(shape: Mapping[str, Any], where: str) -> dict[str, Any]:
    shape_type = shape.get("shape_type") or "polygon"
    kind = _TYPES.get(shape_type)
    if kind is None:
        raise ValidationError(
            f"{where}.shape_type", f"unsupported {shape_type!r}", limit=", ".join(_TYPES)
        )
    label = shape.get("label")
    if not isinstance(label, str) or not label:
        raise ValidationError(f"{where}.label", "a shape needs a label")
    raw = shape.get("points")
    if not isinstance(raw, list) or not all(isinstance(p, list) and len(p) == 2 for p in raw):
        raise ValidationError(f"{where}.points", "expected a list of [x, y] points")
    points = flat_points([v for p in raw for v in p], f"{where}.points")
    wanted = {"bbox": 4, "circle": 4, "keypoint": 2}.get(kind)
    if wanted is not None and len(points) != wanted:
        raise ValidationError(f"{where}.points", f"a {shape_type} has {wanted // 2} points")
    if kind == "bbox":
        points = [min(points[0::2]), min(points[1::2]), max(points[0::2]), max(points[1::2])]
    elif kind == "circle":
        cx, cy, px, py = points
        points = [cx, cy, ((px - cx) ** 2 + (py - cy) ** 2) ** 0.5]
    elif kind == "polygon" and len(points) < 6:
        raise ValidationError(f"{where}.points", "a polygon needs at least 3 points")
    elif kind == "line" and len(points) < 4:
        raise ValidationError(f"{where}.points", "a line needs at least 2 points")
    return {
        "type": kind,
        "value": label,
        "points": [clean_number(v) for v in points],
        "attributes": [],
    }


def convert_labelme_to_fastlabel(folder_path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """Read every labelme ``.json`` under ``folder_path`` into ``{image key: [annotation, ...]}``.

    The key is the JSON path relative to the folder with ``.json`` replaced by
    the extension of ``imagePath``. rectangle → bbox (corners ordered
    top-left, bottom-right), polygon → polygon, point → keypoint, line and
    linestrip → line, circle → circle ``[cx, cy, r]``; other shape types raise.
    """
    folder = Path(folder_path)
    result: dict[str, list[dict[str, Any]]] = {}
    for path in iter_files(folder, {".json"}):
        document = load_json(path)
        if not isinstance(document, Mapping) or not isinstance(document.get("shapes"), list):
            raise ValidationError(str(path), "not a labelme file (no 'shapes' list)")
        extension = Path(str(document.get("imagePath") or "")).suffix
        key = relative_key(path, folder)
        key = key[: -len(".json")] + extension if extension else key
        result[key] = [
            _from_shape(shape if isinstance(shape, Mapping) else {}, f"{path}: shapes[{i}]")
            for i, shape in enumerate(document["shapes"])
        ]
    return result
