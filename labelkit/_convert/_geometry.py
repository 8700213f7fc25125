"""Plane geometry on FastLabel points (pure Python, no numpy).

Coordinates are image pixels with y pointing down; a pixel (x, y) covers the
square [x, x+1] x [y, y+1]. "Clockwise" means clockwise as seen on screen,
which is a positive shoelace sum in these coordinates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from .._errors import ValidationError
from ._common import flat_points

__all__ = [
    "Regions",
    "bbox_annotation_corners",
    "bbox_corners",
    "bbox_points",
    "bbox_rotation",
    "bounds",
    "clockwise",
    "close_ring",
    "open_ring",
    "polygon_area",
    "rotated_box_from_corners",
    "segmentation_area",
    "segmentation_regions",
    "shape_rings",
    "signed_area",
]

Regions = list[list[list[float]]]
"""Segmentation points: regions, each ``[outer ring, hole ring, ...]``, each ring flat."""


def signed_area(ring: Sequence[float]) -> float:
    """Shoelace area of a flat ring; positive when clockwise on screen (y down)."""
    n = len(ring) // 2
    total = 0.0
    for i in range(n):
        x0, y0 = ring[2 * i], ring[2 * i + 1]
        j = (i + 1) % n
        x1, y1 = ring[2 * j], ring[2 * j + 1]
        total += x0 * y1 - x1 * y0
    return total / 2.0


def polygon_area(ring: Sequence[float]) -> float:
    return abs(signed_area(ring))


def open_ring(ring: Sequence[float]) -> list[float]:
    """The ring without a repeated closing vertex."""
    values = list(ring)
    if len(values) >= 4 and values[:2] == values[-2:]:
        return values[:-2]
    return values


def close_ring(ring: Sequence[float]) -> list[float]:
    """The ring with its first vertex repeated at the end."""
    values = open_ring(ring)
    return values + values[:2]


def clockwise(ring: Sequence[float]) -> list[float]:
    """The same (open) ring, reversed if needed so that it runs clockwise on screen."""
    values = open_ring(ring)
    if signed_area(values) >= 0:
        return values
    pairs = [values[i : i + 2] for i in range(0, len(values), 2)]
    pairs = [pairs[0], *reversed(pairs[1:])]
    return [v for pair in pairs for v in pair]


def bounds(points: Sequence[float]) -> tuple[float, float, float, float]:
    """``(xmin, ymin, xmax, ymax)`` over a flat list of vertices."""
    xs, ys = points[0::2], points[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def bbox_corners(points: Sequence[float], rotation: float = 0.0) -> list[float]:
    """The 4 corners (flat, clockwise from top-left) of a FastLabel bbox rotated about its centre.

    ``rotation`` is in degrees, positive = clockwise on screen.
    """
    x1, x2 = sorted((points[0], points[2]))
    y1, y2 = sorted((points[1], points[3]))
    corners = [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]
    if rotation % 360:
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        theta = math.radians(rotation)
        cos, sin = math.cos(theta), math.sin(theta)
        corners = [
            (cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos)
            for x, y in corners
        ]
    return [v for corner in corners for v in corner]


def rotated_box_from_corners(ring: Sequence[float]) -> tuple[list[float], float]:
    """Inverse of :func:`bbox_corners`: unrotated ``[x1, y1, x2, y2]`` and rotation (degrees)."""
    values = open_ring(ring)
    (ax, ay), (bx, by), (_cx, _cy), (dx, dy) = (values[i : i + 2] for i in range(0, 8, 2))
    centre_x = sum(values[0::2]) / 4
    centre_y = sum(values[1::2]) / 4
    width = math.hypot(bx - ax, by - ay)
    height = math.hypot(dx - ax, dy - ay)
    rotation = math.degrees(math.atan2(by - ay, bx - ax))
    box = [centre_x - width / 2, centre_y - height / 2, centre_x + width / 2, centre_y + height / 2]
    return box, rotation


def bbox_points(annotation: Mapping[str, Any], where: str) -> list[float]:
    """A bbox annotation's ``[x1, y1, x2, y2]`` ordered top-left, bottom-right."""
    points = flat_points(annotation.get("points"), f"{where}.points", minimum=4)
    if len(points) != 4:
        raise ValidationError(f"{where}.points", f"a bbox has 4 numbers, got {len(points)}")
    x1, x2 = sorted(points[0::2])
    y1, y2 = sorted(points[1::2])
    return [x1, y1, x2, y2]


def bbox_rotation(annotation: Mapping[str, Any], where: str) -> float:
    """The bbox rotation in degrees (0 when absent)."""
    rotation = annotation.get("rotation") or 0
    if not isinstance(rotation, (int, float)) or isinstance(rotation, bool):
        raise ValidationError(f"{where}.rotation", f"expected degrees, got {rotation!r}")
    if not math.isfinite(rotation):
        raise ValidationError(f"{where}.rotation", f"expected degrees, got {rotation!r}")
    return float(rotation)


def bbox_annotation_corners(annotation: Mapping[str, Any], where: str) -> list[float]:
    """The 4 corners (flat, clockwise from top-left) of a bbox annotation, with its rotation."""
    return bbox_corners(bbox_points(annotation, where), bbox_rotation(annotation, where))


def segmentation_regions(value: object, where: str) -> Regions:
    """Validate image-segmentation points: regions of rings of at least 3 vertices."""
    if not isinstance(value, list) or not value:
        raise ValidationError(where, "segmentation points must be a non-empty list of regions")
    regions: Regions = []
    for r, region in enumerate(value):
        if not isinstance(region, list) or not region:
            raise ValidationError(f"{where}[{r}]", "a region must be a non-empty list of rings")
        rings = [
            open_ring(flat_points(ring, f"{where}[{r}][{k}]", minimum=6))
            for k, ring in enumerate(region)
        ]
        for k, ring in enumerate(rings):
            if len(ring) < 6:
                raise ValidationError(f"{where}[{r}][{k}]", "a ring needs at least 3 vertices")
        regions.append(rings)
    return regions


def segmentation_area(regions: Regions) -> float:
    """Covered area: every outer ring minus its holes."""
    return sum(
        polygon_area(rings[0]) - sum(polygon_area(hole) for hole in rings[1:]) for rings in regions
    )


def shape_rings(annotation: Mapping[str, Any], where: str) -> Regions | None:
    """The filled area of a bbox, polygon or segmentation annotation as regions, else None."""
    kind = annotation.get("type")
    points = annotation.get("points")
    if kind == "bbox":
        return [[bbox_annotation_corners(annotation, where)]]
    if kind == "polygon":
        return [[open_ring(flat_points(points, f"{where}.points", minimum=6))]]
    if kind == "segmentation":
        return segmentation_regions(points, f"{where}.points")
    return None
