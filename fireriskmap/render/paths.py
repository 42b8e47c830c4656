"""Geometry arrays → ``QPainterPath``, vectorised (no Python loop over features).

A ``QPainterPath`` can be read from a ``QDataStream`` in Qt's serialisation format::

    int32 n; n × (int32 element_type, float64 x, float64 y); int32 cStart; int32 fillRule

(big-endian). We fill that buffer with numpy from the coordinate arrays that shapely returns and
let Qt parse it in one C++ call, so a path of 100 000 vertices costs a few milliseconds. The same
trick is used by pyqtgraph's ``arrayToQPath``; the format has been stable since Qt 4.

Coordinates handed to these functions are already in device pixels (see
:class:`~fireriskmap.render.view.MapView`): the large Gauss–Krüger eastings/northings are turned
into small numbers in float64 by numpy before Qt sees them.
"""

from __future__ import annotations

import numpy as np
import shapely
from PyQt6.QtCore import QByteArray, QDataStream, QIODevice, Qt
from PyQt6.QtGui import QPainterPath

MOVE_TO = 0
LINE_TO = 1
CURVE_TO = 2
CURVE_DATA = 3

_ELEMENT = np.dtype([("t", ">i4"), ("x", ">f8"), ("y", ">f8")])


def path_from_elements(types: np.ndarray, xy: np.ndarray,
                       fill_rule: Qt.FillRule = Qt.FillRule.WindingFill) -> QPainterPath:
    """A ``QPainterPath`` from element types (0 move, 1 line, 2 curve, 3 curve data) and (n, 2) xy."""
    n = int(len(types))
    path = QPainterPath()
    if n == 0:
        return path
    buf = np.empty(4 + n * _ELEMENT.itemsize + 8, dtype=np.uint8)
    buf[:4] = np.frombuffer(np.array([n], dtype=">i4").tobytes(), dtype=np.uint8)
    elements = buf[4:4 + n * _ELEMENT.itemsize].view(_ELEMENT)
    elements["t"] = types
    elements["x"] = xy[:, 0]
    elements["y"] = xy[:, 1]
    moves = np.flatnonzero(types == MOVE_TO)
    c_start = int(moves[-1]) if len(moves) else 0
    rule = 1 if fill_rule == Qt.FillRule.WindingFill else 0
    buf[-8:] = np.frombuffer(np.array([c_start, rule], dtype=">i4").tobytes(), dtype=np.uint8)
    data = QByteArray(buf.tobytes())  # keep a reference: the stream does not own it
    stream = QDataStream(data, QIODevice.OpenModeFlag.ReadOnly)
    stream >> path
    del stream
    return path


def path_from_parts(xy: np.ndarray, part_index: np.ndarray,
                    fill_rule: Qt.FillRule = Qt.FillRule.WindingFill) -> QPainterPath:
    """One subpath per run of equal ``part_index`` (a ring or a line part): move, line, line, ..."""
    if len(xy) == 0:
        return QPainterPath()
    types = np.full(len(xy), LINE_TO, dtype=np.int32)
    types[part_starts(part_index)] = MOVE_TO
    return path_from_elements(types, xy, fill_rule)


def part_starts(part_index: np.ndarray) -> np.ndarray:
    """Boolean mask: True where a new part begins."""
    starts = np.ones(len(part_index), dtype=bool)
    if len(part_index) > 1:
        starts[1:] = part_index[1:] != part_index[:-1]
    return starts


def thin_to_pixels(xy: np.ndarray, part_index: np.ndarray, grid: float = 0.5
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Drop vertices that fall in the same ``grid``-pixel cell as the previous one of their part.

    The first and last vertex of every part are kept, so rings stay closed. The error is below one
    grid cell; at a zoomed-out view this removes most vertices of detailed lines and footprints.
    """
    n = len(xy)
    if n < 3:
        return xy, part_index
    cells = np.floor(xy / grid)
    starts = part_starts(part_index)
    ends = np.zeros(n, dtype=bool)
    ends[:-1] = starts[1:]
    ends[-1] = True
    keep = np.ones(n, dtype=bool)
    same = (cells[1:] == cells[:-1]).all(axis=1)
    keep[1:] = ~same
    keep |= starts | ends
    return xy[keep], part_index[keep]


def polygon_rings(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates of every ring of (multi)polygons.

    Returns ``(xy, ring_index, feature_of_ring)``: ``xy`` (n, 2) float64, ``ring_index`` (n,) the
    ring each vertex belongs to, ``feature_of_ring`` the position in ``geoms`` of each ring.
    Exteriors are counter-clockwise and holes clockwise (in map coordinates), so a winding fill
    shows holes and overlapping polygons of one class do not cancel out.
    """
    parts, feature_of_part = shapely.get_parts(geoms, return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    parts, feature_of_part = parts[keep], feature_of_part[keep]
    if len(parts) == 0:
        return np.empty((0, 2)), np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    parts = shapely.orient_polygons(parts, exterior_cw=False)
    rings, part_of_ring = shapely.get_rings(parts, return_index=True)
    xy, ring_index = shapely.get_coordinates(rings, return_index=True)
    return xy, ring_index, feature_of_part[part_of_ring]


def line_parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates of every part of (multi)lines (and polygon boundaries, if any).

    Returns ``(xy, part_index, feature_of_part)`` as :func:`polygon_rings`.
    """
    parts, feature_of_part = shapely.get_parts(geoms, return_index=True)
    if len(parts) == 0:
        return np.empty((0, 2)), np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    type_ids = shapely.get_type_id(parts)
    polys = type_ids == 3
    if polys.any():  # a line layer holding polygons: draw their outlines
        parts = parts.copy()
        parts[polys] = shapely.boundary(parts[polys])
        parts, sub = shapely.get_parts(parts, return_index=True)
        feature_of_part = feature_of_part[sub]
    xy, part_index = shapely.get_coordinates(parts, return_index=True)
    return xy, part_index, feature_of_part


def point_coords(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(xy, feature_index) of every point of (multi)points; other geometries give their centroid."""
    type_ids = shapely.get_type_id(geoms)
    geoms = np.where((type_ids == 0) | (type_ids == 4), geoms, shapely.centroid(geoms))
    parts, feature = shapely.get_parts(geoms, return_index=True)
    xy = shapely.get_coordinates(parts)
    if len(xy) != len(parts):  # empty parts have no coordinates
        keep = ~shapely.is_empty(parts)
        feature = feature[keep]
        xy = shapely.get_coordinates(parts[keep])
    return xy, feature


def morton_order(px: np.ndarray, cell: float = 8.0) -> np.ndarray:
    """An ordering of points (n, 2) along a Z-order curve of ``cell``-pixel cells.

    Drawing features in this order and splitting them into chunks keeps each chunk's path compact,
    which is what Qt's antialiasing rasteriser is fast at (one path over the whole view is ~5×
    slower than twenty compact ones).
    """
    if len(px) == 0:
        return np.empty(0, dtype=np.intp)
    q = np.floor((px - px.min(axis=0)) / cell).astype(np.int64)
    q = np.clip(q, 0, (1 << 16) - 1).astype(np.uint64)

    def spread(v: np.ndarray) -> np.ndarray:
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        v = (v | (v << np.uint64(1))) & np.uint64(0x55555555)
        return v

    code = spread(q[:, 0]) | (spread(q[:, 1]) << np.uint64(1))
    return np.argsort(code, kind="stable")


def chunked_paths(xy: np.ndarray, part_index: np.ndarray, feature: np.ndarray, *, chunk: int = 400,
                  fill_rule: Qt.FillRule = Qt.FillRule.WindingFill) -> list[QPainterPath]:
    """Paths of about ``chunk`` features each (a feature's parts never split across paths).

    ``feature`` is the feature id of every vertex; vertices of one feature must be contiguous.
    """
    n = len(xy)
    if n == 0:
        return []
    new_feature = np.ones(n, dtype=bool)
    new_feature[1:] = feature[1:] != feature[:-1]
    starts = np.flatnonzero(new_feature)
    if len(starts) <= chunk:
        return [path_from_parts(xy, part_index, fill_rule)]
    breaks = [*starts[::chunk].tolist(), n]
    return [path_from_parts(xy[a:b], part_index[a:b], fill_rule) for a, b in zip(breaks[:-1], breaks[1:])]
