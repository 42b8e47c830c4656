"""Area units for risk scoring — villages, contiguous clusters, a square or hex grid — and the
apportioning of buildings and point features to them by location.

Each building goes to the unit containing its *representative point* (``shapely.point_on_surface``,
always inside the footprint); points go to the unit containing them. Villages and clusters are
looked up through an STRtree (``predicate="within"``, first match when polygons overlap); grid cells
by arithmetic on the coordinates. Clusters take their buildings by ``cluster_id``.

Grid cells are aligned on multiples of the cell size in the project CRS (ids are stable between
runs); only cells holding at least one building become units. A hex cell's size is the distance
across its flats (pointy-top hexagons).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from fireriskmap.analysis.risk._errors import RiskInputError
from fireriskmap.i18n import Msg

__all__ = ["UnitSpec", "Units", "parse_units", "build_units", "representative_xy"]

UNIT_TYPES = {"villages": "village", "clusters": "cluster", "grid": "grid"}
_OFF = 1 << 24  # key offset: cell indices within ±16 million


@dataclass(frozen=True)
class UnitSpec:
    kind: str                 # villages | clusters | grid
    size_m: float | None = None
    shape: str = "square"     # square | hex (grid only)

    def text(self) -> str:
        if self.kind != "grid":
            return self.kind
        return f"{'hex' if self.shape == 'hex' else 'grid'}:{self.size_m:g}"


def parse_units(spec: Any, *, default: str = "villages", grid_size_m: float = 500.0, grid_shape: str = "square",
                has_villages: bool = True) -> UnitSpec:
    """``"villages"``, ``"clusters"``, ``"grid"``, ``"grid:500"``, ``"hex"``, ``"hex:250"``, ``"square:250"``,
    ``"auto"`` (villages when the project has them, else the grid) or a :class:`UnitSpec`."""
    if isinstance(spec, UnitSpec):
        return spec
    text = str(spec if spec is not None else default).strip().lower().replace("：", ":")
    if text == "auto":
        text = "villages" if has_villages else "grid"
    m = re.fullmatch(r"(villages?|clusters?|grid|square|hex)(?::(square|hex))?(?::(\d+(?:\.\d+)?)\s*m?)?", text)
    if not m:
        raise RiskInputError("risk.error.units", value=str(spec))
    head, shape, size = m.group(1), m.group(2), m.group(3)
    if head.startswith("village"):
        return UnitSpec("villages")
    if head.startswith("cluster"):
        return UnitSpec("clusters")
    shape = shape or ("hex" if head == "hex" else "square" if head == "square" else grid_shape)
    size_m = float(size) if size else float(grid_size_m)
    if not 10 <= size_m <= 50_000:
        raise RiskInputError("risk.error.grid_size", value=f"{size_m:g}")
    return UnitSpec("grid", size_m, shape)


def representative_xy(geoms) -> np.ndarray:
    """(n, 2) coordinates of a point inside each geometry (NaN for missing/empty geometry)."""
    arr = np.asarray(geoms, dtype=object)
    out = np.full((len(arr), 2), np.nan)
    if not len(arr):
        return out
    ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if ok.any():
        pts = shapely.point_on_surface(arr[ok])
        out[ok] = shapely.get_coordinates(pts)
    return out


@dataclass(eq=False)
class Units:
    """The units of one scoring run.

    Attributes
    ----------
    spec : UnitSpec
    frame : GeoDataFrame
        ``unit_id``, ``name``, ``unit_type`` and the geometry; RangeIndex (positions are unit numbers).
    building_unit : ndarray of int
        Each building's unit position (−1: in no unit).
    building_village : ndarray of int
        Each building's row position in the villages layer (−1: none), for apportioning village figures.
    issues : list of Msg
    """

    spec: UnitSpec
    frame: gpd.GeoDataFrame
    building_unit: np.ndarray
    building_village: np.ndarray
    _locate: Callable[[np.ndarray], np.ndarray]
    issues: list[Msg] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.frame)

    @property
    def area_ha(self) -> np.ndarray:
        return np.asarray(self.frame.geometry.area, dtype=float) / 10_000.0

    def locate_xy(self, xy: np.ndarray) -> np.ndarray:
        """Unit position of each point (−1 outside every unit)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        out = np.full(len(xy), -1, dtype=np.int64)
        ok = np.isfinite(xy).all(axis=1)
        if ok.any() and self.n:
            out[ok] = self._locate(xy[ok])
        return out

    def locate(self, geoms) -> np.ndarray:
        return self.locate_xy(representative_xy(geoms))


def _polygon_locator(geoms: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    tree = shapely.STRtree(geoms)

    def locate(xy: np.ndarray) -> np.ndarray:
        pts = shapely.points(xy)
        pairs = tree.query(pts, predicate="within")
        out = np.full(len(xy), -1, dtype=np.int64)
        if pairs.shape[1]:
            first_input, first_pos = np.unique(pairs[0], return_index=True)
            out[first_input] = pairs[1][first_pos]
        return out

    return locate


def _villages_of(villages: gpd.GeoDataFrame, xy: np.ndarray) -> np.ndarray:
    if villages is None or not len(villages):
        return np.full(len(xy), -1, dtype=np.int64)
    geoms = np.asarray(villages.geometry.values, dtype=object)
    out = np.full(len(xy), -1, dtype=np.int64)
    ok = np.isfinite(xy).all(axis=1)
    if ok.any():
        out[ok] = _polygon_locator(geoms)(xy[ok])
    return out


def _village_names(villages: gpd.GeoDataFrame | None, buildings: pd.DataFrame, b_village: np.ndarray,
                   b_unit: np.ndarray, n: int) -> np.ndarray:
    """The village holding most of each unit's buildings (by polygon, else the buildings' attribute)."""
    names = np.full(n, "", dtype=object)
    if villages is not None and len(villages) and "name" in villages.columns:
        vnames = villages["name"].astype(object).where(villages["name"].notna(), "").to_numpy()
        label = np.where(b_village >= 0, vnames[np.clip(b_village, 0, None)] if len(vnames) else "", "")
    elif "village" in buildings.columns:
        label = buildings["village"].astype(object).where(buildings["village"].notna(), "").to_numpy()
    else:
        return names
    ok = (b_unit >= 0) & (label != "")
    if ok.any():
        pairs = pd.DataFrame({"u": b_unit[ok], "v": label[ok]})
        top = pairs.groupby(["u", "v"]).size().reset_index(name="k").sort_values(["u", "k", "v"],
                                                                                ascending=[True, False, True])
        top = top.drop_duplicates("u")
        names[top["u"].to_numpy()] = top["v"].to_numpy()
    return names


def _grid(spec: UnitSpec, b_xy: np.ndarray, crs) -> tuple[gpd.GeoDataFrame, np.ndarray, Callable]:
    s = float(spec.size_m)
    hexagonal = spec.shape == "hex"
    radius = s / math.sqrt(3.0)

    def cells(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = xy[:, 0], xy[:, 1]
        if not hexagonal:
            return np.floor(x / s).astype(np.int64), np.floor(y / s).astype(np.int64)
        q = (math.sqrt(3.0) / 3.0 * x - y / 3.0) / radius
        r = (2.0 / 3.0 * y) / radius
        cx, cz = q, r
        cy = -cx - cz
        rx, ry, rz = np.round(cx), np.round(cy), np.round(cz)
        dx, dy, dz = np.abs(rx - cx), np.abs(ry - cy), np.abs(rz - cz)
        fix_x = (dx > dy) & (dx > dz)
        fix_y = ~fix_x & (dy > dz)
        rx = np.where(fix_x, -ry - rz, rx)
        ry = np.where(fix_y, -rx - rz, ry)
        rz = np.where(~fix_x & ~fix_y, -rx - ry, rz)
        return rx.astype(np.int64), rz.astype(np.int64)

    def keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a + _OFF) * (2 * _OFF) + (b + _OFF)

    ok = np.isfinite(b_xy).all(axis=1)
    a, b = cells(b_xy[ok]) if ok.any() else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    k = keys(a, b)
    uniq, first = np.unique(k, return_index=True)
    ua, ub = a[first], b[first]
    if hexagonal:
        cxs = radius * math.sqrt(3.0) * (ua + ub / 2.0)
        cys = radius * 1.5 * ub
        ang = np.deg2rad(np.arange(6) * 60.0 - 30.0)
        ring = np.stack([cxs[:, None] + radius * np.cos(ang)[None, :], cys[:, None] + radius * np.sin(ang)[None, :]], axis=2)
        ring = np.concatenate([ring, ring[:, :1, :]], axis=1)
        geoms = shapely.polygons(ring) if len(ring) else np.array([], dtype=object)
        prefix = f"H{s:g}"
    else:
        geoms = shapely.box(ua * s, ub * s, (ua + 1) * s, (ub + 1) * s) if len(ua) else np.array([], dtype=object)
        prefix = f"G{s:g}"
    ids = np.array([f"{prefix}_{i}_{j}" for i, j in zip(ua, ub)], dtype=object)
    frame = gpd.GeoDataFrame({"unit_id": ids}, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
    index = pd.Index(uniq)
    b_unit = np.full(len(b_xy), -1, dtype=np.int64)
    b_unit[ok] = index.get_indexer(k)

    def locate(xy: np.ndarray) -> np.ndarray:
        pa, pb = cells(xy)
        return index.get_indexer(keys(pa, pb)).astype(np.int64)

    return frame, b_unit, locate


def build_units(view, spec: UnitSpec, buildings: gpd.GeoDataFrame, b_xy: np.ndarray) -> Units:
    """The unit polygons of ``spec`` and every building's unit.

    Parameters
    ----------
    view
        The project (or a :class:`~fireriskmap.analysis.risk.score.ProjectView`): ``layer(kind)``, ``crs``.
    buildings : GeoDataFrame
        The buildings layer with the analysis columns (``cluster_id`` for cluster units).
    b_xy : ndarray
        Representative points of the buildings.
    """
    crs = view.crs
    villages = view.layer("villages")
    villages = villages if len(villages) else None
    b_village = _villages_of(villages, b_xy)
    issues: list[Msg] = []
    if spec.kind == "villages":
        if villages is None:
            raise RiskInputError("risk.error.no_villages")
        names = (villages["name"].astype(object).where(villages["name"].notna(), None)
                 if "name" in villages.columns else pd.Series([None] * len(villages)))
        frame = gpd.GeoDataFrame({
            "unit_id": [f"V{i + 1:02d}" for i in range(len(villages))],
            "name": [n if n else f"V{i + 1:02d}" for i, n in enumerate(names)],
            "unit_type": "village",
        }, geometry=gpd.GeoSeries(np.asarray(villages.geometry.values, dtype=object), crs=crs), crs=crs)
        b_unit = b_village.copy()
        locate = _polygon_locator(np.asarray(frame.geometry.values, dtype=object))
        outside = int((np.isfinite(b_xy).all(axis=1) & (b_unit < 0)).sum())
        if outside:
            issues.append(Msg("risk.issue.outside_units", n=outside))
        return Units(spec, frame, b_unit, b_village, locate, issues)
    if spec.kind == "clusters":
        clusters = view.layer("clusters")
        if not len(clusters) or "cluster_id" not in clusters.columns or "cluster_id" not in buildings.columns:
            raise RiskInputError("risk.error.no_clusters")
        cid = pd.to_numeric(clusters["cluster_id"], errors="coerce").to_numpy()
        keep = np.isfinite(cid)
        clusters = clusters[keep].reset_index(drop=True)
        cid = cid[keep].astype(np.int64)
        ids = np.array([f"C{c}" for c in cid], dtype=object)
        frame = gpd.GeoDataFrame({"unit_id": ids, "unit_type": "cluster"},
                                 geometry=gpd.GeoSeries(np.asarray(clusters.geometry.values, dtype=object), crs=crs),
                                 crs=crs)
        bc = pd.to_numeric(buildings["cluster_id"], errors="coerce").to_numpy()
        idx = pd.Index(cid)
        b_unit = np.full(len(buildings), -1, dtype=np.int64)
        okc = np.isfinite(bc)
        b_unit[okc] = idx.get_indexer(bc[okc].astype(np.int64))
        names = _village_names(villages, buildings, b_village, b_unit, len(frame))
        frame.insert(1, "name", [f"{v} {i}".strip() for v, i in zip(names, ids)])
        locate = _polygon_locator(np.asarray(frame.geometry.values, dtype=object))
        return Units(spec, frame, b_unit, b_village, locate, issues)
    frame, b_unit, locate = _grid(spec, b_xy, crs)
    frame["unit_type"] = "grid"
    names = _village_names(villages, buildings, b_village, b_unit, len(frame))
    frame.insert(1, "name", [f"{v} {i}".strip() for v, i in zip(names, frame["unit_id"])])
    frame = frame[["unit_id", "name", "unit_type", "geometry"]]
    return Units(spec, frame, b_unit, b_village, locate, issues)
