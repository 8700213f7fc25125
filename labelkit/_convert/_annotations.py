"""Reading FastLabel annotations out of task dicts, shared by every exporter."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .._errors import ValidationError

__all__ = ["KNOWN_TYPES", "attributes_dict", "iter_annotations", "rle_from_mask"]

KNOWN_TYPES = frozenset(
    {
        "bbox",
        "polygon",
        "keypoint",
        "line",
        "circle",
        "segmentation",
        "pose_estimation",
        "classification",
        "cuboid",
    }
)


def iter_annotations(
    task: Mapping[str, Any], where: str
) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """``(where, type, annotation)`` for every annotation, rejecting unknown types and values."""
    for index, annotation in enumerate(task["annotations"]):
        at = f"{where}.annotations[{index}]"
        kind = annotation.get("type")
        if kind not in KNOWN_TYPES:
            raise ValidationError(
                f"{at}.type",
                f"task {task['name']!r}: unknown annotation type {kind!r}",
                limit=", ".join(sorted(KNOWN_TYPES)),
            )
        if not isinstance(annotation.get("value"), str):
            raise ValidationError(
                f"{at}.value", f"task {task['name']!r}: the annotation value must be a string"
            )
        yield at, str(kind), annotation


def attributes_dict(annotation: Mapping[str, Any]) -> dict[str, Any]:
    """``[{key, value}, ...]`` as ``{key: value}``."""
    result: dict[str, Any] = {}
    for attribute in annotation.get("attributes") or []:
        if isinstance(attribute, Mapping) and isinstance(attribute.get("key"), str):
            result[attribute["key"]] = attribute.get("value")
    return result


def rle_from_mask(mask: Any) -> dict[str, Any]:
    """COCO uncompressed RLE (column-major runs, starting with background)."""
    from ._common import require

    np = require("numpy")
    height, width = mask.shape
    flat = np.asarray(mask, dtype=bool).flatten(order="F")
    changes = np.flatnonzero(np.diff(flat.astype(np.int8))) + 1
    edges = np.concatenate(([0], changes, [flat.size]))
    counts = np.diff(edges).tolist()
    if flat.size and flat[0]:
        counts = [0, *counts]
    return {"counts": counts, "size": [height, width]}


def mask_from_rle(rle: Mapping[str, Any], where: str) -> Any:
    """Decode COCO RLE (uncompressed list or compressed string counts) to a boolean mask."""
    from ._common import require

    np = require("numpy")
    size = rle.get("size")
    counts = rle.get("counts")
    if not (isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) for v in size)):
        raise ValidationError(f"{where}.size", "RLE needs size [height, width]")
    height, width = size
    if isinstance(counts, str):
        counts = _decompress(counts, where)
    if not isinstance(counts, list) or not all(isinstance(v, int) and v >= 0 for v in counts):
        raise ValidationError(f"{where}.counts", "RLE counts must be non-negative integers")
    if sum(counts) != height * width:
        raise ValidationError(f"{where}.counts", f"RLE runs do not cover {height}x{width} pixels")
    values = np.zeros(len(counts), dtype=bool)
    values[1::2] = True
    flat = np.repeat(values, counts)
    return flat.reshape((width, height)).T


def _decompress(text: str, where: str) -> list[int]:
    # The COCO compressed RLE string format (maskApi.c, rleFrString).
    counts: list[int] = []
    position = 0
    while position < len(text):
        value = shift = 0
        more = True
        while more:
            if position >= len(text):
                raise ValidationError(f"{where}.counts", "truncated compressed RLE string")
            chunk = ord(text[position]) - 48
            value |= (chunk & 0x1F) << (5 * shift)
            more = bool(chunk & 0x20)
            position += 1
            shift += 1
            if not more and chunk & 0x10:
                value |= -1 << (5 * shift)
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    return counts
