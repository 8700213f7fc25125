"""FastLabel ⇄ YOLO (``cls cx cy w h`` boxes, ``cls x1 y1 x2 y2 ...`` polygons)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from .._errors import ValidationError
from ._annotations import iter_annotations
from ._common import (
    IMAGE_EXTENSIONS,
    clean_number,
    coerce_tasks,
    distinct_values,
    flat_points,
    iter_files,
    relative_key,
    require,
    task_size,
)
from ._geometry import bbox_annotation_corners, bounds, clockwise, close_ring, segmentation_regions
from ._paths import checked_output_folder, output_relative

__all__ = ["convert_yolo_to_fastlabel", "export_yolo", "to_yolo"]

YOLO_TYPES = ("bbox", "polygon", "segmentation")
_CLASSES_FILE = PurePosixPath("classes.txt")
IMPORT_TYPES = ("bbox", "polygon", "segmentation")


def _fmt(value: float) -> str:
    text = f"{value:.6f}"
    return "0.000000" if text == "-0.000000" else text


def _task_lines(
    task: dict[str, Any], where: str, index_of: dict[str, int], polygons_only: bool
) -> list[str]:
    width, height = task_size(task, where)
    lines: list[str] = []
    for at, kind, annotation in iter_annotations(task, where):
        cls = index_of.get(annotation["value"])
        if kind not in YOLO_TYPES or cls is None or not annotation.get("points"):
            continue
        rings: list[list[float]]
        if kind == "bbox":
            corners = bbox_annotation_corners(annotation, at)
            if not polygons_only:
                xmin, ymin, xmax, ymax = bounds(corners)
                box = ((xmin + xmax) / 2 / width, (ymin + ymax) / 2 / height)
                size = ((xmax - xmin) / width, (ymax - ymin) / height)
                lines.append(" ".join([str(cls), *map(_fmt, box + size)]))
                continue
            rings = [corners]
        elif kind == "polygon":
            rings = [flat_points(annotation["points"], f"{at}.points", minimum=6)]
        else:  # YOLO has no holes: one line per region, its outer ring
            rings = [r[0] for r in segmentation_regions(annotation["points"], f"{at}.points")]
        for ring in rings:
            scaled = [v / (width if i % 2 == 0 else height) for i, v in enumerate(ring)]
            lines.append(" ".join([str(cls), *map(_fmt, scaled)]))
    return lines


def to_yolo(
    tasks: Iterable[object],
    classes: Sequence[str] | None = None,
    *,
    project_type: str | None = None,
) -> tuple[list[str], dict[str, list[str]]]:
    """``(classes, {task name: [label line, ...]})`` without writing anything.

    Class ids are indexes into ``classes`` (default: the sorted distinct values
    of the bbox, polygon and segmentation annotations); annotations whose value
    is not listed are skipped. A bbox becomes ``cls cx cy w h`` (a rotated box
    uses the axis-aligned box of its corners), a polygon ``cls x1 y1 ...`` and a
    segmentation one polygon line per region (outer ring; YOLO has no holes).
    For a segmentation ``project_type`` (e.g. ``image_segmentation``) boxes are
    written as 4-corner polygons so that every line is a polygon.
    """
    task_dicts = coerce_tasks(tasks)
    if classes is None:
        classes = distinct_values(task_dicts, YOLO_TYPES)
    names = list(classes)
    if len(set(names)) != len(names) or not all(isinstance(c, str) and c for c in names):
        raise ValidationError("classes", "class names must be distinct non-empty strings")
    index_of = {name: i for i, name in enumerate(names)}
    polygons_only = project_type is not None and "segmentation" in project_type
    labels = {
        task["name"]: _task_lines(task, f"tasks[{i}]", index_of, polygons_only)
        for i, task in enumerate(task_dicts)
    }
    return names, labels


def export_yolo(
    tasks: Iterable[object],
    classes: Sequence[str] | None = None,
    output_dir: str | Path = "output/yolo",
    *,
    project_type: str | None = None,
) -> Path:
    """Write ``annotations/<name without extension>.txt`` per task and ``classes.txt``.

    See :func:`to_yolo` for the content; ``classes.txt`` lists the classes in
    id order. Coordinates are normalised to [0, 1] by the task's width and
    height and written with 6 decimals. Returns ``output_dir``.
    """
    names, labels = to_yolo(tasks, classes, project_type=project_type)
    paths = {
        name: "annotations" / output_relative(name, suffix=".txt", field=f"task {name!r}")
        for name in labels
    }
    folder = checked_output_folder(output_dir, [_CLASSES_FILE, *paths.values()])
    folder.create()
    folder.write_text(_CLASSES_FILE, "".join(f"{n}\n" for n in names))
    for name, lines in labels.items():
        folder.write_text(paths[name], "".join(f"{line}\n" for line in lines))
    return Path(output_dir)


def _image_sizes(folder: Path) -> dict[str, tuple[str, tuple[int, int]]]:
    image_module = require("PIL.Image")
    found: dict[str, tuple[str, tuple[int, int]]] = {}
    for path in iter_files(folder, IMAGE_EXTENSIONS):
        key = relative_key(path, folder)
        try:
            with image_module.open(path) as image:
                size = (int(image.width), int(image.height))
        except (OSError, ValueError) as exc:
            raise ValidationError(str(path), f"cannot read the image size: {exc}") from None
        found.setdefault(key.rsplit(".", 1)[0], (key, size))
    return found


def _match(label_key: str, images: dict[str, tuple[str, tuple[int, int]]]) -> Any:
    stem = label_key.rsplit(".", 1)[0]
    if stem in images:
        return images[stem]
    parts = stem.split("/")
    if "labels" in parts:  # the images/ + labels/ layout of Ultralytics datasets
        at = len(parts) - 1 - parts[::-1].index("labels")
        return images.get("/".join([*parts[:at], "images", *parts[at + 1 :]]))
    return None


def _parse_line(
    tokens: list[str], classes: Sequence[str], mode: str, size: tuple[int, int], where: str
) -> dict[str, Any]:
    try:
        cls = int(tokens[0])
        numbers = [float(t) for t in tokens[1:]]
    except ValueError:
        raise ValidationError(where, "expected a class id followed by numbers") from None
    if not 0 <= cls < len(classes):
        raise ValidationError(where, f"class id {cls} out of range", limit=f"0..{len(classes) - 1}")
    width, height = size
    if mode == "bbox":
        if len(numbers) != 4:
            raise ValidationError(where, f"a box line has 5 values, got {len(tokens)}")
        cx, cy, w, h = numbers
        points = [width * (cx - w / 2), height * (cy - h / 2)]
        points += [width * (cx + w / 2), height * (cy + h / 2)]
        return {"type": "bbox", "value": classes[cls], "points": points}
    if len(numbers) < 6 or len(numbers) % 2:
        raise ValidationError(where, "a polygon line has a class id and at least 3 x y pairs")
    ring = [v * (width if i % 2 == 0 else height) for i, v in enumerate(numbers)]
    if mode == "polygon":
        return {"type": "polygon", "value": classes[cls], "points": ring}
    pixels = [float(round(v)) for v in clockwise(ring)]
    return {"type": "segmentation", "value": classes[cls], "points": [[close_ring(pixels)]]}


def convert_yolo_to_fastlabel(
    classes_file_path: str | Path,
    dataset_folder_path: str | Path,
    project_type: str = "bbox",
) -> dict[str, list[dict[str, Any]]]:
    """Read a YOLO dataset into ``{image path relative to the folder: [annotation, ...]}``.

    ``classes_file_path``: one class name per line (line index = class id).
    Every ``.txt`` under ``dataset_folder_path`` except the classes file is a
    label file for the image with the same relative path minus extension (or
    the ``images/`` twin of a ``labels/`` path); image sizes are read with
    Pillow. ``project_type``: ``bbox`` (``cls cx cy w h``), ``polygon`` or
    ``segmentation`` (polygon lines; segmentation vertices rounded to whole
    pixels, one region per line). Images without a label file map to ``[]``.
    """
    if project_type not in IMPORT_TYPES:
        raise ValidationError(
            "project_type", f"unsupported {project_type!r}", limit=", ".join(IMPORT_TYPES)
        )
    classes_path, folder = Path(classes_file_path), Path(dataset_folder_path)
    try:
        text = classes_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(str(classes_path), f"cannot read the classes file: {exc}") from None
    classes = [line.strip() for line in text.splitlines() if line.strip()]
    images = _image_sizes(folder)
    result: dict[str, list[dict[str, Any]]] = {key: [] for key, _ in images.values()}
    for path in iter_files(folder, {".txt"}):
        if path.resolve() == classes_path.resolve():
            continue
        matched = _match(relative_key(path, folder), images)
        if matched is None:
            raise ValidationError(str(path), "no image with the same name for this label file")
        key, size = matched
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(str(path), f"cannot read the label file: {exc}") from None
        for number, line in enumerate(lines, start=1):
            if line.strip():
                annotation = _parse_line(
                    line.split(), classes, project_type, size, f"{path}: line {number}"
                )
                annotation["points"] = _clean_points(annotation["points"])
                annotation["attributes"] = []
                result[key].append(annotation)
    return result


def _clean_points(points: Any) -> Any:
    if isinstance(points, list):
        return [_clean_points(p) for p in points]
    return clean_number(points)
