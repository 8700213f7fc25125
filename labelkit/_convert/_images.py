"""Draw task annotations over their images (Pillow)."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .._errors import ValidationError
from ._annotations import iter_annotations
from ._common import IMAGE_EXTENSIONS, coerce_tasks, flat_points, iter_files, relative_key, require
from ._geometry import shape_rings
from ._paths import checked_output_folder, output_relative
from ._segmentation import COLOR_PALETTE

__all__ = ["export_image_with_annotations"]

logger = logging.getLogger("labelkit.convert")

Color = tuple[int, int, int]


def _color(annotation: Mapping[str, Any]) -> Color:
    text = annotation.get("color")
    if isinstance(text, str) and len(text) == 7 and text.startswith("#"):
        try:
            value = int(text[1:], 16)
            return (value >> 16) & 255, (value >> 8) & 255, value & 255
        except ValueError:
            pass
    # no usable colour: a stable palette colour per class value
    index = 1 + zlib.crc32(str(annotation.get("value")).encode()) % 255
    red, green, blue = COLOR_PALETTE[3 * index : 3 * index + 3]
    return red, green, blue


def _pairs(flat: list[float]) -> list[tuple[float, float]]:
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def _draw_task(image: Any, task: dict[str, Any], where: str) -> Any:
    image_module = require("PIL.Image")
    draw_module = require("PIL.ImageDraw")
    from ._raster import regions_mask

    np = require("numpy")
    width, height = image.size
    stroke = max(1, min(width, height) // 300)
    overlay = image_module.new("RGBA", image.size, (0, 0, 0, 0))
    draw = draw_module.Draw(overlay)
    for at, kind, annotation in iter_annotations(task, where):
        color = _color(annotation)
        fill, line = (*color, 50), (*color, 200)
        points = annotation.get("points")
        if kind in ("bbox", "polygon") and points:
            ring = (shape_rings(annotation, at) or [[[]]])[0][0]
            draw.polygon(_pairs(ring), fill=fill, outline=line, width=stroke)
        elif kind == "segmentation" and points:
            mask = regions_mask(shape_rings(annotation, at) or [], width, height)
            alpha = image_module.fromarray((mask * 255).astype(np.uint8))
            layer = image_module.new("RGBA", image.size, (*color, 100))
            overlay = image_module.composite(layer, overlay, alpha)
            draw = draw_module.Draw(overlay)
        elif kind == "circle" and isinstance(points, list) and len(points) == 3:
            cx, cy, r = flat_points([*points, 0], f"{at}.points", minimum=4)[:3]
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill, outline=line, width=stroke)
        elif kind == "keypoint" and points:
            x, y = flat_points(points, f"{at}.points")[:2]
            radius = max(stroke, 2)
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=line)
        elif kind == "line" and points:
            draw.line(
                _pairs(flat_points(points, f"{at}.points", minimum=4)), fill=line, width=stroke
            )
        elif kind == "pose_estimation":
            _draw_pose(draw, annotation, line, stroke)
    return image_module.alpha_composite(image.convert("RGBA"), overlay)


def _draw_pose(draw: Any, annotation: Mapping[str, Any], color: Any, stroke: int) -> None:
    located: dict[str, tuple[float, float]] = {}
    edges: set[tuple[str, str]] = set()
    for keypoint in annotation.get("keypoints") or []:
        value = keypoint.get("value") if isinstance(keypoint, Mapping) else None
        if isinstance(value, list) and len(value) >= 2:
            located[str(keypoint.get("key"))] = (float(value[0]), float(value[1]))
            for other in keypoint.get("edges") or []:
                a, b = sorted((str(keypoint.get("key")), str(other)))
                edges.add((a, b))
    for a, b in sorted(edges):
        if a in located and b in located:
            draw.line([located[a], located[b]], fill=color, width=stroke)
    radius = max(stroke * 2, 3)
    for x, y in located.values():
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=color)


def export_image_with_annotations(
    tasks: Iterable[object],
    image_dir: str | Path,
    output_dir: str | Path = "output/images_with_annotations",
) -> list[Path]:
    """Draw each task's annotations over its image; returns the written files.

    Images under ``image_dir`` (recursively; jpg, jpeg, png, bmp, tif, tiff,
    webp) are matched to the task whose ``name`` is their path relative to
    ``image_dir``; unmatched images are skipped (logged at DEBUG). Outputs keep
    the relative path and format (JPEG at quality 95). Colours come from each
    annotation's ``color``. Errors are raised, never swallowed.
    """
    image_module = require("PIL.Image")
    by_name = {task["name"]: (i, task) for i, task in enumerate(coerce_tasks(tasks))}
    folder = Path(image_dir)
    matched: list[tuple[Path, str]] = []
    for path in iter_files(folder, IMAGE_EXTENSIONS):
        key = relative_key(path, folder)
        if key in by_name:
            matched.append((path, key))
        else:
            logger.debug("no task named %r; image skipped", key)
    relatives = {key: output_relative(key, field=f"task {key!r}") for _, key in matched}
    output = checked_output_folder(output_dir, relatives.values())
    formats = image_module.registered_extensions()
    written: list[Path] = []
    for path, key in matched:
        index, task = by_name[key]
        try:
            with image_module.open(path) as source:
                source.load()
                drawn = _draw_task(source, task, f"tasks[{index}]")
        except OSError as exc:
            raise ValidationError(str(path), f"cannot read the image: {exc}") from None
        suffix = path.suffix.lower()
        with output.open(relatives[key]) as handle:
            if suffix == ".png":
                drawn.save(handle, format="PNG")
            elif suffix in (".jpg", ".jpeg"):
                drawn.convert("RGB").save(handle, format="JPEG", quality=95)
            else:
                drawn.convert("RGB").save(handle, format=formats[suffix])
        written.append(output.path(relatives[key]))
    return written
