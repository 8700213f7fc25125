"""Binary mask → FastLabel segmentation points, by tracing pixel-edge outlines (numpy).

Every boundary edge between a foreground and a background pixel is a unit
segment on the pixel grid, directed so that the foreground is on its right.
Linking them gives closed outlines: outer boundaries run clockwise on screen and
hole boundaries counter-clockwise. Foreground is 4-connected (pixels touching
only at a corner become separate regions, which covers the same pixels and keeps
every ring simple). Each hole is attached to the smallest outer ring around it;
islands inside holes become regions of their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._errors import ValidationError
from ._common import require
from ._geometry import Regions, signed_area

__all__ = ["mask_to_fastlabel_segmentation_points"]

# direction → (dx, dy); 0 right, 1 down, 2 left, 3 up (y points down)
_STEPS = ((1, 0), (0, 1), (-1, 0), (0, -1))


def _load_mask(mask: object) -> Any:
    np = require("numpy")
    if isinstance(mask, (str, Path)):
        image_module = require("PIL.Image")
        try:
            with image_module.open(mask) as image:
                array = np.asarray(image.convert("L"))
        except (OSError, ValueError) as exc:
            raise ValidationError(str(mask), f"cannot read the mask image: {exc}") from None
    else:
        array = np.asarray(mask)
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]
        if array.ndim != 2:
            raise ValidationError(
                "mask", f"expected a 2-D (single-channel) array, got shape {array.shape}"
            )
    return array != 0


def _trace(fg: Any) -> list[list[tuple[int, int]]]:
    """Closed outlines (corner vertices only) with the foreground on their right."""
    np = require("numpy")
    width = fg.shape[1]
    pad = np.pad(fg, 1)
    core = pad[1:-1, 1:-1]
    # (mask of pixels with that edge, start vertex offset, direction)
    sides = (
        (core & ~pad[:-2, 1:-1], (0, 0), 0),  # top edge, going right
        (core & ~pad[1:-1, 2:], (1, 0), 1),  # right edge, going down
        (core & ~pad[2:, 1:-1], (1, 1), 2),  # bottom edge, going left
        (core & ~pad[1:-1, :-2], (0, 1), 3),  # left edge, going up
    )
    stride = width + 2
    starts, dirs = [], []
    for selected, (ox, oy), direction in sides:
        py, px = np.nonzero(selected)
        starts.append((py + oy) * stride + (px + ox))
        dirs.append(np.full(py.size, direction))
    start = np.concatenate(starts)
    direction_of = np.concatenate(dirs)
    order = np.argsort(start, kind="stable")
    start, direction_of = start[order].tolist(), direction_of[order].tolist()
    outgoing: dict[int, list[int]] = {}
    for index, key in enumerate(start):
        outgoing.setdefault(key, []).append(index)
    used = [False] * len(start)
    rings: list[list[tuple[int, int]]] = []
    for first in range(len(start)):
        if used[first]:
            continue
        ring: list[tuple[int, int]] = []
        edge, previous = first, -1
        while True:
            used[edge] = True
            d = direction_of[edge]
            if d != previous:
                ring.append((start[edge] % stride, start[edge] // stride))
            previous = d
            dx, dy = _STEPS[d]
            options = outgoing[start[edge] + dy * stride + dx]
            # at a corner-touching vertex turn right, keeping the two pixels apart
            edge = options[0]
            if len(options) > 1 and direction_of[edge] != (d + 1) % 4:
                edge = options[1]
            if edge == first:
                break
        if direction_of[first] == previous:
            ring.pop(0)  # the start was mid-side, not a corner
        rings.append(ring)
    return rings


def _canonical(ring: list[tuple[int, int]], reverse: bool) -> list[int]:
    """Clockwise, starting at the top-left-most vertex, closed and flattened."""
    if reverse:
        ring = ring[::-1]
    start = min(range(len(ring)), key=lambda i: (ring[i][1], ring[i][0]))
    ordered = ring[start:] + ring[:start] + [ring[start]]
    return [v for vertex in ordered for v in vertex]


def _box(ring: list[tuple[int, int]]) -> tuple[int, int, int, int]:
    xs, ys = [x for x, _ in ring], [y for _, y in ring]
    return min(xs), min(ys), max(xs), max(ys)


def _inside(ring: list[tuple[int, int]], px: float, py: float) -> bool:
    """Even-odd test of a half-integer point against a ring of integer vertices."""
    np = require("numpy")
    vertices = np.asarray(ring, dtype=np.float64)
    x0, y0 = vertices[:, 0], vertices[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    spans = (y0 > py) != (y1 > py)
    x0, y0, x1, y1 = x0[spans], y0[spans], x1[spans], y1[spans]
    cross = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
    return bool(np.count_nonzero(cross > px) % 2)


def mask_to_fastlabel_segmentation_points(mask: object) -> Regions:
    """Outline the non-zero pixels of a binary mask as FastLabel segmentation ``points``.

    ``mask`` is an image path (read with Pillow, converted to grey) or a 2-D
    array; any non-zero pixel is foreground. Returns
    ``[[outer, hole, ...], [outer2, ...], ...]`` with integer pixel-edge
    vertices (a pixel (x, y) covers [x, x+1] x [y, y+1]); every ring is closed
    and clockwise on screen and starts at its top-left-most vertex.
    """
    np = require("numpy")
    fg = _load_mask(mask)
    rings = _trace(fg)
    outers: list[tuple[list[tuple[int, int]], float]] = []
    holes: list[tuple[list[tuple[int, int]], float]] = []
    for ring in rings:
        flat = [v for vertex in ring for v in vertex]
        (outers if signed_area(flat) > 0 else holes).append((ring, abs(signed_area(flat))))
    children: list[list[list[tuple[int, int]]]] = [[] for _ in outers]
    if holes and outers:
        # the smallest outer ring around a point strictly inside each hole (the
        # centre of the background pixel left of the hole's first edge); bounding
        # boxes narrow the candidates, smallest area first
        by_area = sorted(range(len(outers)), key=lambda i: outers[i][1])
        boxes = np.asarray([_box(outers[i][0]) for i in by_area], dtype=np.float64).reshape(-1, 4)
        for ring, _ in holes:
            (ax, ay), (bx, by) = ring[0], ring[1]
            dx, dy = (bx > ax) - (bx < ax), (by > ay) - (by < ay)
            px, py = ax + dx * 0.5 + dy * 0.5, ay + dy * 0.5 - dx * 0.5
            around = (
                (boxes[:, 0] < px) & (px < boxes[:, 2]) & (boxes[:, 1] < py) & (py < boxes[:, 3])
            )
            for candidate in np.flatnonzero(around).tolist():
                owner = by_area[candidate]
                if _inside(outers[owner][0], px, py):
                    children[owner].append(ring)
                    break
    regions: Regions = []
    for (ring, _), ring_holes in zip(outers, children, strict=True):
        region = [_canonical(ring, reverse=False)]
        region += sorted(
            (_canonical(hole, reverse=True) for hole in ring_holes), key=lambda r: (r[1], r[0])
        )
        regions.append(region)  # type: ignore[arg-type]
    regions.sort(key=lambda region: (region[0][1], region[0][0]))
    return regions
