"""Index-colour (palette PNG) instance and semantic segmentation exports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .._errors import ValidationError
from ._annotations import iter_annotations
from ._common import coerce_tasks, distinct_values, require, task_size
from ._geometry import shape_rings
from ._paths import checked_output_folder, output_relative

__all__ = [
    "COLOR_PALETTE",
    "export_instance_segmentation",
    "export_semantic_segmentation",
    "to_index_masks",
]

DRAWN_TYPES = ("bbox", "polygon", "segmentation")


def _voc_palette() -> list[int]:
    # The PASCAL VOC colour map: index bits spread over the high bits of R, G, B.
    palette: list[int] = []
    for index in range(256):
        red = green = blue = 0
        value = index
        for shift in range(7, -1, -1):
            red |= (value & 1) << shift
            green |= ((value >> 1) & 1) << shift
            blue |= ((value >> 2) & 1) << shift
            value >>= 3
        palette += [red, green, blue]
    return palette


COLOR_PALETTE: list[int] = _voc_palette()
"""256 RGB colours, flat ``[r0, g0, b0, r1, ...]``; index 0 is black (background)."""


def _flat_palette(pallete: Sequence[Any]) -> list[int]:
    flat: list[Any] = []
    for entry in pallete:
        flat.extend(entry if isinstance(entry, (list, tuple)) else [entry])
    if (
        len(flat) % 3
        or len(flat) > 768
        or not all(isinstance(v, int) and 0 <= v <= 255 for v in flat)
    ):
        raise ValidationError(
            "pallete", "expected up to 256 RGB colours of integers 0..255", limit="768 values"
        )
    return flat


def to_index_masks(
    tasks: Iterable[object],
    *,
    semantic: bool,
    classes: Sequence[str] | None = None,
    start_index: int = 1,
) -> dict[str, Any]:
    """``{task name: uint8 height x width array}`` of palette indexes, background 0.

    bbox (rotated boxes included), polygon and segmentation annotations are
    painted in order, later ones over earlier ones; a segmentation's holes
    paint nothing, so what lies below shows through. A pixel is covered when
    its centre is inside the shape. Instance: the n-th painted annotation of
    a task gets ``start_index + n``; semantic: ``start_index +
    classes.index(value)`` with ``classes`` defaulting to the sorted distinct
    values.
    """
    np = require("numpy")
    from ._raster import regions_mask

    task_dicts = coerce_tasks(tasks)
    if classes is None:
        classes = distinct_values(task_dicts, DRAWN_TYPES)
    index_of = {value: i for i, value in enumerate(classes)}
    if not isinstance(start_index, int) or start_index < 1:
        raise ValidationError("start_index", "must be an integer >= 1 (0 is the background)")
    masks: dict[str, Any] = {}
    for number, task in enumerate(task_dicts):
        where = f"tasks[{number}]"
        width, height = task_size(task, where)
        image = np.zeros((height, width), dtype=np.uint8)
        painted = 0
        for at, kind, annotation in iter_annotations(task, where):
            if kind not in DRAWN_TYPES or not annotation.get("points"):
                continue
            if semantic:
                if annotation["value"] not in index_of:
                    raise ValidationError(
                        f"{at}.value", f"{annotation['value']!r} is not in classes"
                    )
                index = start_index + index_of[annotation["value"]]
            else:
                index = start_index + painted
            if index > 255:
                raise ValidationError(
                    at, f"task {task['name']!r}: palette index {index} too large", limit="255"
                )
            image[regions_mask(shape_rings(annotation, at) or [], width, height)] = index
            painted += 1
        masks[task["name"]] = image
    return masks


def _write(masks: dict[str, Any], output_dir: str | Path, pallete: Sequence[Any]) -> Path:
    image_module = require("PIL.Image")
    palette = _flat_palette(pallete)
    paths = {name: output_relative(name, suffix=".png", field=f"task {name!r}") for name in masks}
    folder = checked_output_folder(output_dir, paths.values())
    for name, mask in masks.items():
        height, width = mask.shape
        image = image_module.frombytes("P", (width, height), mask.tobytes())
        image.putpalette(palette)
        with folder.open(paths[name]) as handle:
            image.save(handle, format="PNG")
    return Path(output_dir)


def export_instance_segmentation(
    tasks: Iterable[object],
    output_dir: str | Path = "output/instance_segmentation",
    pallete: Sequence[Any] = COLOR_PALETTE,
    start_index: int = 1,
) -> Path:
    """One palette PNG per task, ``<name without extension>.png``; see :func:`to_index_masks`.

    ``pallete`` (the official spelling) is a flat ``[r, g, b, ...]`` list or a
    list of ``(r, g, b)``. Returns ``output_dir``.
    """
    masks = to_index_masks(tasks, semantic=False, start_index=start_index)
    return _write(masks, output_dir, pallete)


def export_semantic_segmentation(
    tasks: Iterable[object],
    output_dir: str | Path = "output/semantic_segmentation",
    pallete: Sequence[Any] = COLOR_PALETTE,
    classes: Sequence[str] | None = None,
    start_index: int = 1,
) -> Path:
    """One palette PNG per task with index ``start_index + classes.index(value)``."""
    masks = to_index_masks(tasks, semantic=True, classes=classes, start_index=start_index)
    return _write(masks, output_dir, pallete)
