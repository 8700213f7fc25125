"""Exact polygon rasterisation on pixel centres (numpy, imported lazily by callers).

A pixel (x, y) belongs to a ring when its centre (x + 0.5, y + 0.5) lies inside
(even-odd rule). FastLabel outlines run along pixel edges, so an outline drawn
around pixels covers exactly those pixels: no extra row or column, no gaps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._common import require

if TYPE_CHECKING:
    import numpy
    import numpy.typing as npt

__all__ = ["fill_ring", "regions_mask"]


def _fill_window(
    ring: Sequence[float], width: int, height: int
) -> tuple[int, int, npt.NDArray[numpy.bool_]]:
    """``(row, column, mask)``: the ring's pixels inside its clipped bounding box."""
    np = require("numpy")
    xs = np.asarray(ring[0::2], dtype=np.float64)
    ys = np.asarray(ring[1::2], dtype=np.float64)
    top = int(np.clip(np.floor(ys.min()), 0, height))
    bottom = int(np.clip(np.ceil(ys.max()), 0, height))
    left = int(np.clip(np.floor(xs.min()), 0, width))
    right = int(np.clip(np.ceil(xs.max()), 0, width))
    rows_n, cols_n = bottom - top, right - left
    x0, y0 = xs - left, ys - top
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    keep = y0 != y1  # horizontal edges never cross a scanline
    x0, y0, x1, y1 = x0[keep], y0[keep], x1[keep], y1[keep]
    counts = np.zeros((rows_n, cols_n + 1), dtype=np.int32)
    if x0.size and rows_n and cols_n:
        lo, hi = np.minimum(y0, y1), np.maximum(y0, y1)
        # rows whose centre r + 0.5 lies in [lo, hi): half-open, so shared vertices count once
        first = np.clip(np.ceil(lo - 0.5), 0, rows_n).astype(np.int64)
        stop = np.clip(np.ceil(hi - 0.5), 0, rows_n).astype(np.int64)
        spans = np.maximum(stop - first, 0)
        edge = np.repeat(np.arange(x0.size), spans)
        if edge.size:
            offsets = np.arange(edge.size) - np.repeat(np.cumsum(spans) - spans, spans)
            rows = first[edge] + offsets
            t = (rows + 0.5 - y0[edge]) / (y1[edge] - y0[edge])
            cross = x0[edge] + t * (x1[edge] - x0[edge])
            # pixels whose centre is right of the crossing: x > cross - 0.5
            cols = np.clip(np.floor(cross - 0.5) + 1, 0, cols_n).astype(np.int64)
            np.add.at(counts, (rows, cols), 1)
    inside: npt.NDArray[numpy.bool_] = (np.cumsum(counts, axis=1)[:, :cols_n] % 2) == 1
    return top, left, inside


def fill_ring(ring: Sequence[float], width: int, height: int) -> npt.NDArray[numpy.bool_]:
    """Boolean ``height x width`` mask of the pixels whose centres lie inside ``ring``."""
    np = require("numpy")
    mask = np.zeros((height, width), dtype=bool)
    top, left, window = _fill_window(ring, width, height)
    mask[top : top + window.shape[0], left : left + window.shape[1]] = window
    result: npt.NDArray[numpy.bool_] = mask
    return result


def regions_mask(
    regions: Sequence[Sequence[Sequence[float]]], width: int, height: int
) -> npt.NDArray[numpy.bool_]:
    """Union over regions of (outer ring minus its hole rings)."""
    np = require("numpy")
    mask = np.zeros((height, width), dtype=bool)
    for rings in regions:
        top, left, area = _fill_window(rings[0], width, height)
        for hole in rings[1:]:
            hole_top, hole_left, hole_area = _fill_window(hole, width, height)
            r0, r1 = max(top, hole_top), min(top + area.shape[0], hole_top + hole_area.shape[0])
            c0 = max(left, hole_left)
            c1 = min(left + area.shape[1], hole_left + hole_area.shape[1])
            if r0 < r1 and c0 < c1:
                area[r0 - top : r1 - top, c0 - left : c1 - left] &= ~hole_area[
                    r0 - hole_top : r1 - hole_top, c0 - hole_left : c1 - hole_left
                ]
        mask[top : top + area.shape[0], left : left + area.shape[1]] |= area
    result: npt.NDArray[numpy.bool_] = mask
    return result
