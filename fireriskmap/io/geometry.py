"""Fitting imported geometries to a layer's geometry type (vectorised with shapely 2).

- missing or empty geometry → rejected (``geometry_missing``);
- Z/M dropped;
- invalid geometry → :func:`shapely.make_valid` (counted as *repaired*), then only the parts of
  the layer's dimension are kept (a polygon layer keeps the polygons of a repaired collection);
- wrong type, converted where sensible (counted as *converted*): polygons and lines into a point
  layer become their representative point (:func:`shapely.point_on_surface`), closed lines into
  a polygon layer become polygons (:func:`shapely.build_area`), multi-points become one point;
- rejected otherwise (``geometry_type_mismatch``): points into polygon or line layers, polygons
  into a line layer, open lines into a polygon layer;
- nothing of the right type left after repair → rejected (``geometry_invalid``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

__all__ = ["FitResult", "fit_geometries"]

_DIM = {"point": 0, "line": 1, "polygon": 2}
_BUILD = {2: shapely.multipolygons, 1: shapely.multilinestrings, 0: shapely.multipoints}


@dataclass
class FitResult:
    """Per input geometry: the fitted geometry and what happened.

    Attributes
    ----------
    geometries : numpy.ndarray of shapely geometries (None where rejected)
    reason : numpy.ndarray of str
        '' for kept rows, else the rejection reason.
    repaired, converted : numpy.ndarray of bool
        Kept rows whose geometry was repaired (make_valid) / converted to the layer's type.
    """

    geometries: np.ndarray
    reason: np.ndarray
    repaired: np.ndarray
    converted: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        return self.reason == ""


def _keep_dimension(geoms: np.ndarray, dim: int) -> np.ndarray:
    """The parts of dimension ``dim`` of each geometry (collections flattened); None if none.

    Single parts come back as simple geometries (Polygon, not a one-part MultiPolygon).
    """
    out = np.full(len(geoms), None, dtype=object)
    if len(geoms) == 0:
        return out
    parts, index = shapely.get_parts(geoms, return_index=True)
    while len(parts) and (shapely.get_type_id(parts) == 7).any():  # nested collections
        nested = shapely.get_type_id(parts) == 7
        sub, sub_idx = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        index = np.concatenate([index[~nested], index[nested][sub_idx]])
    keep = (shapely.get_dimensions(parts) == dim) & ~shapely.is_empty(parts)
    parts, index = parts[keep], index[keep]
    if not len(parts):
        return out
    order = np.argsort(index, kind="stable")
    parts, index = parts[order], index[order]
    present, compact = np.unique(index, return_inverse=True)
    built = _BUILD[dim](parts, indices=compact)
    counts = np.bincount(compact)
    single = counts == 1
    built = np.asarray(built, dtype=object)
    if single.any():
        built[single] = shapely.get_geometry(built[single], 0)
    out[present] = built
    return out


def fit_geometries(geoms, family: str) -> FitResult:
    """Fit geometries to a layer whose geometry family is 'point', 'line' or 'polygon'.

    Parameters
    ----------
    geoms : array_like of shapely geometries, or a GeoSeries
    family : {'point', 'line', 'polygon'}

    Returns
    -------
    FitResult
        Arrays aligned with the input (the input is not mutated).
    """
    if family not in _DIM:
        raise ValueError(f"family must be one of {tuple(_DIM)}, not {family!r}")
    values = np.array(getattr(geoms, "values", geoms), dtype=object)
    n = len(values)
    reason = np.full(n, "", dtype=object)
    repaired = np.zeros(n, dtype=bool)
    converted = np.zeros(n, dtype=bool)
    if n == 0:
        return FitResult(values, reason, repaired, converted)
    missing = shapely.is_missing(values) | shapely.is_empty(values)
    reason[missing] = "geometry_missing"
    live = ~missing
    values[live] = shapely.force_2d(values[live])
    invalid = np.zeros(n, dtype=bool)
    invalid[live] = ~shapely.is_valid(values[live])
    if invalid.any():
        values[invalid] = shapely.make_valid(values[invalid])
        repaired = invalid.copy()
    dims = np.full(n, -1)
    dims[live] = shapely.get_dimensions(values[live])  # a collection reports its highest dimension
    target = _DIM[family]

    if family == "point":
        # anything larger, multi-points and collections → one representative point
        simple = np.zeros(n, dtype=bool)
        simple[live] = shapely.get_type_id(values[live]) == 0
        single_multi = np.zeros(n, dtype=bool)
        single_multi[live & ~simple] = (shapely.get_type_id(values[live & ~simple]) == 4) & (
            shapely.get_num_geometries(values[live & ~simple]) == 1)
        if single_multi.any():
            values[single_multi] = shapely.get_geometry(values[single_multi], 0)
        other = live & ~simple & ~single_multi
        if other.any():
            values[other] = shapely.point_on_surface(values[other])
            converted |= other
    elif family == "polygon":
        lines = live & (dims == 1)
        if lines.any():
            areas = shapely.build_area(values[lines])
            made = ~shapely.is_empty(areas)
            idx = np.flatnonzero(lines)
            values[idx[made]] = areas[made]
            converted[idx[made]] = True
            dims[idx[made]] = 2
            reason[idx[~made]] = "geometry_type_mismatch"
        reason[live & (dims == 0)] = "geometry_type_mismatch"
    else:  # line
        reason[live & (dims != 1)] = "geometry_type_mismatch"

    if family != "point":
        # keep only the parts of the layer's dimension (collections, repaired geometries, ...)
        todo = live & (reason == "")
        todo[todo] = shapely.get_type_id(values[todo]) == 7
        todo |= live & (reason == "") & repaired
        if todo.any():
            kept = _keep_dimension(values[todo], target)
            values[todo] = kept
            idx = np.flatnonzero(todo)
            lost = np.array([g is None for g in kept], dtype=bool)
            reason[idx[lost]] = "geometry_invalid"
    # a broken geometry that collapsed to the wrong type is invalid rather than mismatched
    reason[(reason == "geometry_type_mismatch") & repaired] = "geometry_invalid"
    rejected = reason != ""
    values[rejected] = None
    return FitResult(geometries=values, reason=reason, repaired=repaired & ~rejected,
                     converted=converted & ~rejected)
