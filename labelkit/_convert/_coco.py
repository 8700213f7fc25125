"""FastLabel ⇄ COCO (object detection, instance segmentation and keypoints)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .._errors import ValidationError
from ._annotations import attributes_dict, iter_annotations, mask_from_rle, rle_from_mask
from ._common import (
    clean_number,
    coerce_tasks,
    flat_points,
    json_text,
    load_json,
    numbers,
    task_size,
)
from ._geometry import (
    bbox_corners,
    bbox_points,
    bbox_rotation,
    bounds,
    clockwise,
    close_ring,
    open_ring,
    polygon_area,
    rotated_box_from_corners,
    segmentation_area,
    segmentation_regions,
)
from ._paths import checked_output_folder, output_relative

__all__ = ["convert_coco_to_fastlabel", "export_coco", "to_coco"]

COCO_TYPES = ("bbox", "polygon", "segmentation", "pose_estimation")
IMPORT_TYPES = ("bbox", "polygon", "segmentation", "pose_estimation")


def _clean(values: Iterable[float]) -> list[int | float]:
    return [clean_number(float(v)) for v in values]


def _categories(
    tasks: Sequence[Mapping[str, Any]], classes: Sequence[Mapping[str, Any]] | None
) -> list[dict[str, Any]]:
    used: dict[str, list[Mapping[str, Any]]] = {}
    for task in tasks:
        for annotation in task["annotations"]:
            if annotation.get("type") in COCO_TYPES and isinstance(annotation.get("value"), str):
                used.setdefault(annotation["value"], []).append(annotation)
    categories: list[dict[str, Any]] = []
    if classes is None:
        for value in sorted(used):
            first = used[value][0]
            keys: list[str] = []
            colors: list[object] = []
            pairs: list[tuple[object, object]] = []
            for annotation in used[value]:
                for keypoint in annotation.get("keypoints") or []:
                    key = keypoint.get("key")
                    if isinstance(key, str) and key not in keys:
                        keys.append(key)
                        colors.append(keypoint.get("color"))
                    pairs += [(key, edge) for edge in keypoint.get("edges") or []]
            categories.append(_category(value, first.get("color"), keys, colors, pairs))
    else:
        for index, cls in enumerate(classes):
            class_value = cls.get("value") if isinstance(cls, Mapping) else None
            if not isinstance(class_value, str):
                raise ValidationError(f"annotations[{index}].value", "expected a class dict")
            if class_value not in used or any(c["name"] == class_value for c in categories):
                continue
            points = [k for k in cls.get("keypoints") or [] if isinstance(k, Mapping)]
            keys = [str(k.get("key")) for k in points]
            key_of_id = {k.get("id"): str(k.get("key")) for k in points}
            pairs = [
                (str(k.get("key")), key_of_id[edge])
                for k in points
                for edge in k.get("edges") or []
                if edge in key_of_id
            ]
            colors = [k.get("color") for k in points]
            categories.append(_category(class_value, cls.get("color"), keys, colors, pairs))
    for number, category in enumerate(categories, start=1):
        category["id"] = number
    return categories


def _category(
    value: str,
    color: object,
    keys: list[str],
    colors: list[object],
    pairs: Iterable[tuple[object, object]],
) -> dict[str, Any]:
    skeleton: list[list[int]] = []
    for a, b in pairs:
        if a in keys and b in keys and a != b:
            edge = sorted((keys.index(a) + 1, keys.index(b) + 1))
            if edge not in skeleton:
                skeleton.append(edge)
    return {
        "id": 0,
        "name": value,
        "supercategory": value,
        "color": color,
        "keypoints": keys,
        "keypoint_colors": colors,
        "skeleton": skeleton,
    }


def _pose(
    annotation: Mapping[str, Any], keys: Sequence[str], where: str
) -> tuple[list[float], int, list[float] | None]:
    by_key = {
        k.get("key"): k.get("value")
        for k in annotation.get("keypoints") or []
        if isinstance(k, Mapping)
    }
    triplets: list[float] = []
    visible: list[float] = []
    labelled = 0
    for key in keys:
        value = by_key.get(key)
        if not value:
            triplets += [0, 0, 0]
            continue
        if not isinstance(value, (list, tuple)) or len(value) < 2:
            raise ValidationError(f"{where}.keypoints[{key}]", "expected [x, y, visibility]")
        x, y = flat_points(list(value[:2]), f"{where}.keypoints[{key}]")
        v = value[2] if len(value) > 2 else 1
        triplets += [x, y, 2 if v == 1 else 1]
        visible += [x, y]
        labelled += 1
    box = None
    if annotation.get("points"):
        box = bbox_points(annotation, where)
    elif visible:
        box = list(bounds(visible))
    return triplets, labelled, box


def _object(
    kind: str,
    annotation: Mapping[str, Any],
    where: str,
    size: tuple[int, int],
    category: Mapping[str, Any],
) -> dict[str, Any] | None:
    result: dict[str, Any] = {}
    if kind == "bbox":
        box = bbox_points(annotation, where)
        rotation = bbox_rotation(annotation, where)
        width, height = box[2] - box[0], box[3] - box[1]
        if width <= 0 or height <= 0:
            return None
        corners = bbox_corners(box, rotation)
        xmin, ymin, xmax, ymax = bounds(corners)
        # A closed ring, as the SDK writes it (the first corner repeated last).
        result["segmentation"] = [_clean([*corners, *corners[:2]])]
        area = width * height
        if rotation % 360:
            result["rotation"] = clean_number(rotation)
    elif kind == "polygon":
        ring = flat_points(annotation.get("points"), f"{where}.points", minimum=6)
        xmin, ymin, xmax, ymax = bounds(ring)
        result["segmentation"] = [_clean(ring)]
        area = polygon_area(ring)
    elif kind == "segmentation":
        regions = segmentation_regions(annotation.get("points"), f"{where}.points")
        outers = [v for rings in regions for v in rings[0]]
        xmin, ymin, xmax, ymax = bounds(outers)
        area = segmentation_area(regions)
        if any(len(rings) > 1 for rings in regions):
            # COCO polygons cannot have holes: describe the exact pixels instead
            from ._raster import regions_mask

            width, height = size
            result["segmentation"] = rle_from_mask(regions_mask(regions, width, height))
        else:
            result["segmentation"] = [_clean(rings[0]) for rings in regions]
    else:  # pose_estimation
        triplets, labelled, pose_box = _pose(annotation, category["keypoints"], where)
        xmin, ymin, xmax, ymax = pose_box or (0.0, 0.0, 0.0, 0.0)
        has_box = pose_box is not None and xmin < xmax and ymin < ymax
        result["segmentation"] = [_clean(bbox_corners(pose_box))] if pose_box and has_box else []
        result["keypoints"] = _clean(triplets)
        result["num_keypoints"] = labelled
        area = (xmax - xmin) * (ymax - ymin)
    result["bbox"] = _clean((xmin, ymin, xmax - xmin, ymax - ymin))
    result["area"] = clean_number(float(area))
    return result


def to_coco(
    tasks: Iterable[object], annotations: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """Build the COCO dataset dict (``images``, ``annotations``, ``categories``) from tasks.

    ``annotations`` is the project's annotation classes (as returned by the
    annotation-class list endpoint): it fixes the category order, colours,
    keypoint names and skeletons. Without it the categories are the sorted
    distinct values found in the tasks, each with the colour of its first
    annotation. Only bbox, polygon, segmentation and pose_estimation
    annotations are exported; other known types are skipped.
    """
    task_dicts = coerce_tasks(tasks)
    categories = _categories(task_dicts, annotations)
    by_name = {c["name"]: c for c in categories}
    images: list[dict[str, Any]] = []
    objects: list[dict[str, Any]] = []
    for index, task in enumerate(task_dicts):
        where = f"tasks[{index}]"
        size = task_size(task, where)
        image_id = index + 1
        images.append(
            {"id": image_id, "file_name": task["name"], "width": size[0], "height": size[1]}
        )
        for at, kind, annotation in iter_annotations(task, where):
            category = by_name.get(annotation["value"])
            if kind not in COCO_TYPES or category is None:
                continue
            if kind != "pose_estimation" and not annotation.get("points"):
                continue
            coco = _object(kind, annotation, at, size, category)
            if coco is None:
                continue
            objects.append(
                {
                    "id": len(objects) + 1,
                    "image_id": image_id,
                    "category_id": category["id"],
                    **coco,
                    "iscrowd": 0,
                    "attributes": attributes_dict(annotation),
                }
            )
    return {"images": images, "annotations": objects, "categories": categories}


def export_coco(
    tasks: Iterable[object],
    annotations: Sequence[Mapping[str, Any]] | None = None,
    output_dir: str | Path = "output/coco",
    output_file_name: str = "annotations.json",
    *,
    project_type: str | None = None,
) -> Path:
    """Write the tasks as one COCO JSON file; returns its path.

    ``project_type`` is the FastLabel project type when known; video projects
    (``video_*``) are rejected: their videos must be downloaded and decoded, which
    the client's ``export_coco`` does (one image per frame).
    """
    if project_type is not None and project_type.startswith("video"):
        raise ValidationError(
            "project_type",
            f"{project_type!r}: export video projects with the client's export_coco",
        )
    if not output_file_name.endswith(".json") or "/" in output_file_name.replace("\\", "/"):
        raise ValidationError("output_file_name", f"{output_file_name!r}: expected NAME.json")
    relative = output_relative(output_file_name, field="output_file_name")
    folder = checked_output_folder(output_dir, [relative])
    dataset = to_coco(tasks, annotations)
    return folder.write_text(relative, json_text(dataset))


def _import_one(
    ann: Mapping[str, Any],
    annotation_type: str,
    keypoint_names: Sequence[str],
    where: str,
) -> list[dict[str, Any]]:
    segmentation = ann.get("segmentation")
    base: dict[str, Any] = {}
    if annotation_type == "bbox":
        box = ann.get("bbox")
        rotation = ann.get("rotation") or 0
        if rotation and isinstance(segmentation, list) and len(segmentation) == 1:
            ring = open_ring(flat_points(segmentation[0], f"{where}.segmentation[0]"))
            if len(ring) == 8:
                points, rotation = rotated_box_from_corners(ring)
                return [
                    {
                        "type": "bbox",
                        "points": _clean(round(v, 9) for v in points),
                        "rotation": clean_number(round(rotation, 9)),
                    }
                ]
        if box is None and isinstance(segmentation, list) and segmentation:
            xmin, ymin, xmax, ymax = bounds(
                [v for i, r in enumerate(segmentation) for v in flat_points(r, f"{where}.seg[{i}]")]
            )
            box = [xmin, ymin, xmax - xmin, ymax - ymin]
        x, y, w, h = flat_points(box, f"{where}.bbox", minimum=4)
        if w < 0 or h < 0:
            raise ValidationError(f"{where}.bbox", "width and height must not be negative")
        return [{"type": "bbox", "points": _clean((x, y, x + w, y + h))}]
    if annotation_type == "pose_estimation":
        values = ann.get("keypoints") or []
        flat = numbers(values, f"{where}.keypoints")
        if len(values) != 3 * len(keypoint_names):
            raise ValidationError(
                f"{where}.keypoints",
                f"expected {len(keypoint_names)} (x, y, v) triplets for the category's keypoints",
            )
        keypoints = []
        for key, i in zip(keypoint_names, range(0, len(flat), 3), strict=True):
            x, y, v = flat[i : i + 3]
            if v == 0:
                continue
            if v not in (1, 2):
                raise ValidationError(f"{where}.keypoints", f"visibility must be 0, 1 or 2: {v}")
            keypoints.append({"key": key, "value": _clean((x, y, v - 1))})
        base = {"type": "pose_estimation", "keypoints": keypoints}
        return [base]
    if isinstance(segmentation, Mapping):
        if annotation_type == "polygon":
            raise ValidationError(
                f"{where}.segmentation",
                "RLE masks cannot become polygons; use annotation_type='segmentation'",
            )
        from ._contours import mask_to_fastlabel_segmentation_points

        regions = mask_to_fastlabel_segmentation_points(mask_from_rle(segmentation, where))
        return [{"type": "segmentation", "points": regions}] if regions else []
    if not isinstance(segmentation, list):
        raise ValidationError(f"{where}.segmentation", "expected polygons or an RLE mask")
    rings = [
        open_ring(flat_points(ring, f"{where}.segmentation[{i}]", minimum=6))
        for i, ring in enumerate(segmentation)
    ]
    if annotation_type == "polygon":
        return [{"type": "polygon", "points": _clean(ring)} for ring in rings]
    regions = [[_clean(close_ring(clockwise(ring)))] for ring in rings]
    return [{"type": "segmentation", "points": regions}] if regions else []


def convert_coco_to_fastlabel(
    file_path: str | Path, annotation_type: str = "bbox"
) -> dict[str, list[dict[str, Any]]]:
    """Read a COCO JSON file into ``{image file_name: [FastLabel annotation, ...]}``.

    ``annotation_type``: ``bbox`` (from the COCO ``bbox``; a non-standard
    ``rotation`` written by :func:`export_coco` restores the rotated box),
    ``polygon`` (one polygon per segmentation ring), ``segmentation`` (polygon
    rings as regions, RLE masks traced with holes) or ``pose_estimation``
    (keypoint triplets named by the category's ``keypoints``). Every image is
    a key, with ``[]`` when it has no annotation.
    """
    if annotation_type not in IMPORT_TYPES:
        raise ValidationError(
            "annotation_type", f"unsupported {annotation_type!r}", limit=", ".join(IMPORT_TYPES)
        )
    path = Path(file_path)
    data = load_json(path)
    if not isinstance(data, Mapping):
        raise ValidationError(str(path), "a COCO file is a JSON object")
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key, []), list):
            raise ValidationError(f"{path}: {key}", "expected a list")
    result: dict[str, list[dict[str, Any]]] = {}
    names: dict[Any, str] = {}
    for i, image in enumerate(data.get("images", [])):
        if not isinstance(image, Mapping) or not isinstance(image.get("file_name"), str):
            raise ValidationError(f"{path}: images[{i}]", "every image needs a file_name")
        names[image.get("id")] = image["file_name"]
        result.setdefault(image["file_name"], [])
    categories: dict[Any, tuple[str, list[str]]] = {}
    for i, category in enumerate(data.get("categories", [])):
        name = category.get("name") or category.get("supercategory")
        if not isinstance(name, str):
            raise ValidationError(f"{path}: categories[{i}]", "a category needs a name")
        categories[category.get("id")] = (name, [str(k) for k in category.get("keypoints") or []])
    for i, ann in enumerate(data.get("annotations", [])):
        where = f"{path}: annotations[{i}]"
        if not isinstance(ann, Mapping):
            raise ValidationError(where, "expected an object")
        where += f" (id {ann.get('id')})"
        if ann.get("image_id") not in names:
            raise ValidationError(where, f"unknown image_id {ann.get('image_id')!r}")
        if ann.get("category_id") not in categories:
            raise ValidationError(where, f"unknown category_id {ann.get('category_id')!r}")
        value, keypoint_names = categories[ann["category_id"]]
        attributes = [{"key": k, "value": v} for k, v in (ann.get("attributes") or {}).items()]
        for converted in _import_one(ann, annotation_type, keypoint_names, where):
            converted = {"type": converted.pop("type"), "value": value, **converted}
            converted["attributes"] = attributes
            result[names[ann["image_id"]]].append(converted)
    return result
