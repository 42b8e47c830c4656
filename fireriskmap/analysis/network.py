"""Road network: a routable graph from the roads layer, points snapped onto it, bounded shortest paths.

The graph
---------
:meth:`RoadGraph.from_roads` (or the cached :func:`road_graph`) turns a roads layer into a graph whose
**edges are straight segments** between nodes, with lengths in metres. A road polyline becomes a
chain of edges; nodes are its vertices plus every junction found by **noding**:

* roads that share a vertex meet there (the usual case for OSM and clean survey data);
* a road whose **end** lies on another road, or within ``network.snap_tolerance_m`` (1 m) of it or of
  another road's end, is joined to it (T-junctions drawn slightly short or long); the end is moved
  onto the other road;
* two roads that **cross** without a shared vertex meet at the crossing, unless they are on
  different levels: a ``bridge``/``tunnel`` flag or an OSM ``layer`` number, when the roads layer has
  such columns, keeps a bridge from meeting the road below it;
* roads drawn on top of each other (collinear overlaps) are joined where their ends touch.

Each edge keeps its source road (``edge_road``: row label in the roads layer), its class, an
engine speed by class (``network.speed_<class>_kmh``) and ``passable_by_engine``: width ≥
``network.engine_min_width_m`` (4 m, GB 50016-2014 7.1.8), or unknown width when
``network.unknown_width_passable``; clear height (``max_height``) ≥ 4 m when known; and not a class
in ``network.engine_excluded_classes`` (footpaths). The graph is noded with numpy over pairs from
the STR-tree of segments (no Python loop over features); a graph is cached per roads layer
(:func:`road_graph`: the key hashes the geometry, the routing attributes and the network rules).

Travel profiles
---------------
``"hose"`` (all roads, cost in metres, never one-way), ``"engine"`` (passable roads, seconds at the
class speed, one-way rules when ``network.respect_oneway``), ``"light_vehicle"`` (all but
footpaths, seconds at min(class speed, ``response.speed_light_vehicle_kmh``)), ``"ebike"`` and
``"foot"`` (all roads, seconds at ``response.speed_ebike_kmh`` / ``response.speed_foot_kmh``). The
legs between a point and its road are costed in metres for ``"hose"`` and walked
(``response.speed_offroad_kmh``) for the timed profiles.

Snapping
--------
:meth:`RoadGraph.snap` attaches points (hydrants, stations; building footprints by their
representative point, which lies inside the footprint) to the **nearest edge usable by the
profile**, by projecting the point onto that edge (``sindex`` nearest, then the projection that
``shapely.line_locate_point`` gives on a straight edge, done in numpy). A snapped point keeps its
edge, its position along the edge (metres from the edge's first node) and its off-road distance,
so a cost between two points is *off-road leg + along-edge to an end + network + along-edge +
off-road leg* (or straight along the edge when both lie on the same edge). Points farther than
``network.max_snap_m`` (200 m) from every usable road are **not attached**: they are reported
(status ``"too_far"``) and get no network result. Snaps are cached per graph and per point position,
so a re-run after moving one hydrant snaps only that hydrant.

Shortest paths
--------------
:meth:`RoadGraph.nearest_costs` is a multi-source Dijkstra (``scipy.sparse.csgraph.dijkstra`` with
``indices``, ``min_only=True`` and ``limit``): each source point becomes a virtual node linked to
the two ends of its edge, so the bounded search starts *at the points*, not at nodes.
:meth:`RoadGraph.cost_matrix` gives the cost from each source separately (stations) and
:meth:`RoadGraph.pair_costs` all source–target pairs within a limit (siting).
Disconnected road parts are reported by :attr:`RoadGraph.components`; points on a part without
a path to any source simply get no cost (``inf``/NaN), never an error.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra

from fireriskmap.analysis import rules as _rules
from fireriskmap.core.crs import require_metric
from fireriskmap.errors import FireRiskError
from fireriskmap.i18n import Msg
from fireriskmap.progress import ProgressFn, null_progress

__all__ = [
    "PROFILES", "ROAD_CLASSES", "SNAP_OK", "SNAP_NO_GEOMETRY", "SNAP_TOO_FAR", "SNAP_STATUS",
    "NetworkError", "AnalysisInputError", "Components", "Snapped", "RoadGraph", "road_graph",
    "clear_graph_cache", "point_locations", "topic_rules", "travel_speeds", "check_frame",
]

#: Travel profiles (see the module docstring).
PROFILES = ("hose", "engine", "light_vehicle", "ebike", "foot")
#: Road classes of ``layers/roads.toml``; any other value (or none) is "unknown".
ROAD_CLASSES = ("highway", "arterial", "collector", "local", "lane", "track", "path")
_UNKNOWN_CLASS = len(ROAD_CLASSES)

#: Snap status codes of :class:`Snapped`.
SNAP_OK, SNAP_NO_GEOMETRY, SNAP_TOO_FAR = 0, 1, 2
SNAP_STATUS = ("ok", "no_geometry", "too_far")

_EPS_T = 1e-9          # relative position tolerance on a segment
_MIN_COST = 0.0        # scipy treats explicit zeros in a sparse graph as zero-cost edges
_MASKS = {"hose": "all", "ebike": "all", "foot": "all", "engine": "engine", "light_vehicle": "light"}
_TIMED = ("engine", "light_vehicle", "ebike", "foot")
_EXAMPLES = 5


# -- errors and rules ------------------------------------------------------------------------------

class NetworkError(FireRiskError, ValueError):
    """The roads layer cannot be turned into a road network (message names the problem)."""

    key = "network.error.roads"


class AnalysisInputError(FireRiskError, ValueError):
    """An input layer of a network analysis is unusable (message names the layer and problem)."""

    key = "network.error.input"


topic_rules = _rules.topic  # shared: fireriskmap.analysis.rules.topic


def _positive(value: Any, name: str, *, zero: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not np.isfinite(number) or number < 0 or (number == 0 and not zero):
        raise AnalysisInputError(layer="rules", problem=Msg("network.problem.setting", name=name, value=value))
    return number


def travel_speeds(rules: Mapping[str, Any] | None = None) -> dict[str, float]:
    """Speeds in km/h of the non-engine profiles and of the off-road legs (``response.*`` rules)."""
    r = topic_rules(rules, "response")
    return {name: _positive(r[f"speed_{name}_kmh"], f"response.speed_{name}_kmh")
            for name in ("foot", "ebike", "light_vehicle", "offroad")}


def check_frame(frame: Any, layer: str, *, required: bool = True) -> gpd.GeoDataFrame | None:
    """Validate an input layer: a GeoDataFrame (or GeoSeries) in a metric CRS.

    Returns a GeoDataFrame (a GeoSeries is wrapped, never copied), or ``None`` when the layer is
    absent and not ``required``. Raises :class:`AnalysisInputError` or
    :class:`~fireriskmap.errors.CRSError` (geographic or missing CRS).
    """
    if frame is None:
        if required:
            raise AnalysisInputError(layer=layer, problem=Msg("network.problem.missing"))
        return None
    if isinstance(frame, gpd.GeoSeries):
        frame = gpd.GeoDataFrame(geometry=frame)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise AnalysisInputError(layer=layer, problem=Msg("network.problem.not_frame", type=type(frame).__name__))
    try:
        frame.geometry
    except AttributeError:
        raise AnalysisInputError(layer=layer, problem=Msg("network.problem.no_geometry_column")) from None
    require_metric(frame.crs)
    return frame


def _examples(labels: Iterable[Any]) -> str:
    labels = list(labels)
    text = ", ".join(str(x) for x in labels[:_EXAMPLES])
    return text + (" …" if len(labels) > _EXAMPLES else "")


# -- points ----------------------------------------------------------------------------------------

_POINTS_CACHE: "OrderedDict[str, tuple[np.ndarray, np.ndarray]]" = OrderedDict()
_POINTS_LOCK = threading.Lock()


def _geometry_hash(arr: np.ndarray) -> str:
    """A hash of a geometry array's types, vertex counts and coordinates (exact bits)."""
    h = hashlib.blake2b(digest_size=20)
    h.update(np.asarray(shapely.get_type_id(arr), dtype=np.int64).tobytes())
    h.update(np.asarray(shapely.get_num_coordinates(arr), dtype=np.int64).tobytes())
    h.update(np.asarray(shapely.get_num_geometries(arr), dtype=np.int64).tobytes())
    h.update(np.ascontiguousarray(shapely.get_coordinates(arr)).tobytes())
    return h.hexdigest()


def point_locations(geoms: gpd.GeoSeries | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One location per feature: points as they are, other geometry by its representative point.

    The representative point (``shapely.point_on_surface``) lies inside a footprint, unlike the
    centroid of an L-shaped house. Invalid geometry is repaired (``make_valid``) first. Results
    for polygon layers are cached by a hash of the coordinates, so re-runs on an unchanged
    buildings layer skip the work.

    Returns
    -------
    xy : ndarray (n, 2)
        Coordinates in the layer CRS (metres); NaN for empty or missing geometry.
    ok : ndarray of bool (n,)
        False where the feature has no usable geometry.
    """
    arr = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    n = len(arr)
    xy = np.full((n, 2), np.nan)
    if n == 0:
        return xy, np.zeros(0, dtype=bool)
    missing = shapely.is_missing(arr) | shapely.is_empty(arr)
    types = shapely.get_type_id(arr)
    is_point = (types == 0) & ~missing
    key = None
    if (~is_point).sum() > 1000:
        key = _geometry_hash(arr)
        with _POINTS_LOCK:
            hit = _POINTS_CACHE.get(key)
        if hit is not None:
            return hit[0].copy(), hit[1].copy()
    if is_point.any():
        pts = arr[is_point]
        xy[is_point, 0] = shapely.get_x(pts)
        xy[is_point, 1] = shapely.get_y(pts)
    other = ~missing & ~is_point
    if other.any():
        geo = arr[other]
        invalid = ~shapely.is_valid(geo)
        if invalid.any():
            geo = geo.copy()
            geo[invalid] = shapely.make_valid(geo[invalid])
        rep = shapely.point_on_surface(geo)
        xy[other, 0] = shapely.get_x(rep)
        xy[other, 1] = shapely.get_y(rep)
    ok = np.isfinite(xy).all(axis=1)
    if key is not None:
        with _POINTS_LOCK:
            _POINTS_CACHE[key] = (xy.copy(), ok.copy())
            while len(_POINTS_CACHE) > 8:
                _POINTS_CACHE.popitem(last=False)
    return xy, ok


def _xy_hash(xy: np.ndarray) -> np.ndarray:
    """A 64-bit hash per coordinate pair (exact bits; collisions are checked by the caller)."""
    bits = np.ascontiguousarray(xy, dtype=np.float64).view(np.uint64).reshape(-1, 2)
    with np.errstate(over="ignore"):
        h = bits[:, 0] * np.uint64(0x9E3779B97F4A7C15)
        h ^= bits[:, 1] + np.uint64(0x632BE59BD9B4E019) + (h << np.uint64(6)) + (h >> np.uint64(2))
    return h


# -- results ---------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Snapped:
    """Points attached to a :class:`RoadGraph` (one row per input point, in input order).

    Attributes
    ----------
    xy : ndarray (n, 2)
        The points (metres, layer CRS); NaN when the feature had no usable geometry.
    edge : ndarray of int64 (n,)
        Edge the point is attached to; -1 when not attached.
    offset_m : ndarray (n,)
        Position of the projected point along the edge, metres from the edge's first node ``u``.
    offroad_m : ndarray (n,)
        Off-road leg: distance from the point to its projection, metres (NaN when not attached).
    status : ndarray of int8 (n,)
        :data:`SNAP_OK`, :data:`SNAP_NO_GEOMETRY` or :data:`SNAP_TOO_FAR` (beyond ``max_snap_m``).
    mask : str
        Which edges were eligible: ``"all"``, ``"engine"`` (passable) or ``"light"`` (not footpaths).
    index : pandas.Index
        Labels of the input features.
    """

    xy: np.ndarray
    edge: np.ndarray
    offset_m: np.ndarray
    offroad_m: np.ndarray
    status: np.ndarray
    mask: str
    index: pd.Index

    def __len__(self) -> int:
        return len(self.edge)

    @property
    def attached(self) -> np.ndarray:
        """Boolean mask of points attached to an edge."""
        return self.edge >= 0

    def take(self, positions: np.ndarray) -> "Snapped":
        """A subset (boolean mask or integer positions), keeping index labels."""
        positions = np.asarray(positions)
        return Snapped(self.xy[positions], self.edge[positions], self.offset_m[positions],
                       self.offroad_m[positions], self.status[positions], self.mask,
                       self.index[positions])

    def status_labels(self) -> pd.Series:
        """The status as words (``"ok"``, ``"no_geometry"``, ``"too_far"``), aligned to the index."""
        return pd.Series(np.asarray(SNAP_STATUS, dtype=object)[self.status], index=self.index)


@dataclass(frozen=True, eq=False)
class Components:
    """Connected parts of the road network (undirected).

    Attributes
    ----------
    count : int
        Number of separate parts (only parts with at least one edge).
    edge_label : ndarray (n_edges,)
        Part of each edge, numbered by size: 0 is the largest part (by road length).
    node_label : ndarray (n_nodes,)
        Part of each node, same numbering; -1 for nodes without an eligible edge.
    edges : ndarray (count,)
        Edges per part.
    length_m : ndarray (count,)
        Road length per part in metres.
    """

    count: int
    edge_label: np.ndarray
    node_label: np.ndarray
    edges: np.ndarray
    length_m: np.ndarray

    @property
    def largest_share(self) -> float:
        """Share of the road length in the largest part (0–1)."""
        total = float(self.length_m.sum())
        return float(self.length_m[0] / total) if total > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures: part count, largest share, length and edges of the biggest parts."""
        return {"parts": int(self.count), "largest_share": round(self.largest_share, 4),
                "length_m": [round(float(x), 1) for x in self.length_m[:10]],
                "edges": [int(x) for x in self.edges[:10]]}


# -- noding ----------------------------------------------------------------------------------------

def _cross(ax, ay, bx, by):
    return ax * by - ay * bx


def _truthy(series: pd.Series) -> np.ndarray:
    """Flags such as OSM ``bridge=yes|viaduct`` or booleans: True unless empty/no/false/0."""
    text = series.astype(object).where(series.notna(), "").astype(str).str.strip().str.lower()
    return ~text.isin(["", "no", "false", "0", "否", "none", "nan", "<na>"]).to_numpy()


def _levels(roads: pd.DataFrame) -> np.ndarray:
    """Grade level of each road: OSM ``layer``, else +1 for bridges and -1 for tunnels, else 0."""
    n = len(roads)
    level = np.zeros(n, dtype=np.int64)
    if "layer" in roads.columns:
        layer = pd.to_numeric(roads["layer"], errors="coerce").to_numpy(dtype=float)
        level = np.where(np.isfinite(layer), np.round(layer), 0).astype(np.int64)
    if "bridge" in roads.columns:
        level = np.where((level == 0) & _truthy(roads["bridge"]), 1, level)
    if "tunnel" in roads.columns:
        level = np.where((level == 0) & _truthy(roads["tunnel"]), -1, level)
    return level


@dataclass
class _Noded:
    node_xy: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_part: np.ndarray
    crossings: int
    joined_ends: int


def _node(coords: np.ndarray, part_of: np.ndarray, part_level: np.ndarray, tol: float) -> _Noded:
    """Node line parts (vertices ``coords`` of part ``part_of``) into a graph of straight edges."""
    n_coords = len(coords)
    same = part_of[:-1] == part_of[1:]
    seg_first = np.nonzero(same)[0]
    a = coords[seg_first]
    b = coords[seg_first + 1]
    keep = (a != b).any(axis=1)
    seg_first, a, b = seg_first[keep], a[keep], b[keep]
    seg_part = part_of[seg_first]
    n_seg = len(seg_first)

    # exact vertex identity
    vid_all, uniques = pd.factorize(coords[:, 0] + 1j * coords[:, 1])
    n_vid = len(uniques)
    vxy = np.column_stack([uniques.real, uniques.imag]).astype(float)
    su = vid_all[seg_first].astype(np.int64)
    sv = vid_all[seg_first + 1].astype(np.int64)
    degree = np.bincount(su, minlength=n_vid) + np.bincount(sv, minlength=n_vid)
    is_line_end = np.zeros(n_vid, dtype=bool)
    starts = np.r_[0, np.nonzero(part_of[1:] != part_of[:-1])[0] + 1]
    ends = np.r_[starts[1:] - 1, n_coords - 1]
    is_line_end[vid_all[starts]] = True
    is_line_end[vid_all[ends]] = True
    is_line_end &= degree > 0

    seg_geom = shapely.linestrings(np.stack([a, b], axis=1))
    tree = shapely.STRtree(seg_geom)
    d = b - a
    seg_len2 = (d * d).sum(axis=1)

    merge_a: list[np.ndarray] = []
    merge_b: list[np.ndarray] = []
    split_seg: list[np.ndarray] = []
    split_t: list[np.ndarray] = []
    split_node: list[np.ndarray] = []   # vertex ids (< n_vid) or new node ids (>= n_vid)
    new_xy: list[np.ndarray] = []
    n_new = 0
    joined = 0

    # 1. dangling ends within the tolerance of another road: join
    dangling = np.nonzero(is_line_end & (degree == 1))[0]
    if len(dangling) and tol > 0:
        pi, si = tree.query(shapely.points(vxy[dangling]), predicate="dwithin", distance=tol)
        dv = dangling[pi]
        ok = (su[si] != dv) & (sv[si] != dv)
        pi, si, dv = pi[ok], si[ok], dv[ok]
        if len(pi):
            p = vxy[dv]
            t = ((p - a[si]) * d[si]).sum(axis=1) / np.where(seg_len2[si] > 0, seg_len2[si], 1.0)
            t = np.clip(t, 0.0, 1.0)
            proj = a[si] + t[:, None] * d[si]
            dist = np.hypot(*(p - proj).T)
            order = np.lexsort((dist, dv))
            first = np.r_[True, dv[order][1:] != dv[order][:-1]]
            pick = order[first]
            pi, si, dv, t, proj = pi[pick], si[pick], dv[pick], t[pick], proj[pick]
            seg_length = np.sqrt(seg_len2[si])
            at_a = t * seg_length <= tol
            at_b = ~at_a & ((1 - t) * seg_length <= tol)
            inner = ~at_a & ~at_b
            merge_a += [dv[at_a], dv[at_b]]
            merge_b += [su[si[at_a]], sv[si[at_b]]]
            # the dangling end moves onto the other road and splits it there
            vxy[dv[inner]] = proj[inner]
            split_seg.append(si[inner])
            split_t.append(t[inner])
            split_node.append(dv[inner])
            joined = len(dv)

    # 2. crossings and touches between segments (bounding-box pairs, exact test in numpy)
    i, j = tree.query(seg_geom)
    keep = i < j
    i, j = i[keep], j[keep]
    shared = (su[i] == su[j]) | (su[i] == sv[j]) | (sv[i] == su[j]) | (sv[i] == sv[j])
    i, j = i[~shared], j[~shared]
    crossings = 0
    if len(i):
        p, r = a[i], d[i]
        q, s = a[j], d[j]
        qp = q - p
        denom = _cross(r[:, 0], r[:, 1], s[:, 0], s[:, 1])
        rn = np.sqrt(seg_len2[i])
        sn = np.sqrt(seg_len2[j])
        parallel = np.abs(denom) <= 1e-12 * rn * sn
        with np.errstate(divide="ignore", invalid="ignore"):
            t = _cross(qp[:, 0], qp[:, 1], s[:, 0], s[:, 1]) / denom
            u = _cross(qp[:, 0], qp[:, 1], r[:, 0], r[:, 1]) / denom
        hit = ~parallel & (t >= -_EPS_T) & (t <= 1 + _EPS_T) & (u >= -_EPS_T) & (u <= 1 + _EPS_T)
        t_end = (t <= _EPS_T) | (t >= 1 - _EPS_T)
        u_end = (u <= _EPS_T) | (u >= 1 - _EPS_T)
        vert_i = np.where(t < 0.5, su[i], sv[i])   # the end of i at the hit (when t_end)
        vert_j = np.where(u < 0.5, su[j], sv[j])
        same_level = part_level[seg_part[i]] == part_level[seg_part[j]]
        # both ends: nearly coincident vertices → merge
        both = hit & t_end & u_end
        merge_a.append(vert_i[both])
        merge_b.append(vert_j[both])
        # an end of i lies inside j: split j (T-junction, or a vertex of a crossing road)
        ti = hit & t_end & ~u_end & (is_line_end[vert_i] | same_level)
        split_seg.append(j[ti])
        split_t.append(u[ti])
        split_node.append(vert_i[ti])
        tj = hit & u_end & ~t_end & (is_line_end[vert_j] | same_level)
        split_seg.append(i[tj])
        split_t.append(t[tj])
        split_node.append(vert_j[tj])
        # proper crossing at the same level: a new node
        cross = hit & ~t_end & ~u_end & same_level
        k = int(cross.sum())
        if k:
            ids = n_vid + n_new + np.arange(k)
            new_xy.append(p[cross] + t[cross][:, None] * r[cross])
            split_seg += [i[cross], j[cross]]
            split_t += [t[cross], u[cross]]
            split_node += [ids, ids]
            n_new += k
            crossings = k
        # collinear overlaps: each end of one segment inside the other splits it
        col = parallel & (np.abs(_cross(qp[:, 0], qp[:, 1], r[:, 0], r[:, 1])) <= 1e-9 * rn * np.maximum(
            np.hypot(qp[:, 0], qp[:, 1]), 1e-12))
        if col.any():
            ci, cj = i[col], j[col]
            for seg_in, seg_pt, vert in ((ci, cj, su[cj]), (ci, cj, sv[cj]), (cj, ci, su[ci]), (cj, ci, sv[ci])):
                pt = vxy[vert]
                tt = ((pt - a[seg_in]) * d[seg_in]).sum(axis=1) / seg_len2[seg_in]
                inside = (tt > _EPS_T) & (tt < 1 - _EPS_T)
                split_seg.append(seg_in[inside])
                split_t.append(tt[inside])
                split_node.append(vert[inside])

    # 3. merge vertices (connected groups of merge pairs); representative: the busiest vertex
    ma = np.concatenate(merge_a) if merge_a else np.zeros(0, np.int64)
    mb = np.concatenate(merge_b) if merge_b else np.zeros(0, np.int64)
    n_all = n_vid + n_new
    if len(ma):
        graph = sp.coo_matrix((np.ones(len(ma)), (ma, mb)), shape=(n_vid, n_vid))
        _, label = connected_components(graph, directed=False)
        order = np.lexsort((-degree, label))
        first = np.r_[True, label[order][1:] != label[order][:-1]]
        rep_of_label = order[first]
        n_groups = len(rep_of_label)
        group_xy = vxy[rep_of_label]
    else:
        label = np.arange(n_vid)
        n_groups = n_vid
        group_xy = vxy
    node_of = np.concatenate([label, n_groups + np.arange(n_new)])
    node_xy = np.vstack([group_xy] + new_xy) if new_xy else group_xy

    # 4. split segments at their split points, in order along each segment
    ss = np.concatenate(split_seg + [np.arange(n_seg), np.arange(n_seg)]).astype(np.int64)
    st = np.concatenate(split_t + [np.zeros(n_seg), np.ones(n_seg)])
    sn = np.concatenate(split_node + [su, sv]).astype(np.int64)
    sn = node_of[sn]
    order = np.lexsort((st, ss))
    ss, sn = ss[order], sn[order]
    link = (ss[:-1] == ss[1:]) & (sn[:-1] != sn[1:])
    eu = sn[:-1][link]
    ev = sn[1:][link]
    epart = seg_part[ss[:-1][link]]
    # duplicate edges from repeated split points collapse
    key = pd.MultiIndex.from_arrays([eu, ev, epart])
    dup = key.duplicated()
    eu, ev, epart = eu[~dup], ev[~dup], epart[~dup]
    # drop nodes no edge uses (merged-away vertices) and renumber
    used = np.zeros(len(node_xy), dtype=bool)
    used[eu] = True
    used[ev] = True
    renum = np.cumsum(used) - 1
    return _Noded(node_xy[used], renum[eu], renum[ev], epart, crossings, joined)


# -- the graph -------------------------------------------------------------------------------------

class RoadGraph:
    """A routable road graph (see the module docstring). Build with :meth:`from_roads` or
    :func:`road_graph` (cached); treat as read-only.

    Attributes
    ----------
    crs : pyproj.CRS
        The roads' (metric) CRS.
    node_xy : ndarray (n_nodes, 2)
        Node coordinates in metres.
    edge_u, edge_v : ndarray of int64 (n_edges,)
        End nodes; the edge runs from ``u`` to ``v`` in the road's digitised direction.
    edge_length : ndarray (n_edges,)
        Length in metres.
    edge_road : ndarray (n_edges,)
        Position of the source road in the roads layer (``roads_index[edge_road]`` is its label).
    edge_class : ndarray of int8 (n_edges,)
        Index into :data:`ROAD_CLASSES`; ``len(ROAD_CLASSES)`` for unknown.
    edge_speed_kmh : ndarray (n_edges,)
        Fire-engine speed by road class, km/h.
    edge_passable : ndarray of bool (n_edges,)
        ``passable_by_engine``.
    edge_oneway : ndarray of bool (n_edges,)
        One-way in the ``u → v`` direction.
    settings : dict
        The ``network.*`` rule values used.
    issues : list of Msg
        What was noticed while building (dropped rows, separate parts, no junctions).
    """

    def __init__(self, *, crs, node_xy, edge_u, edge_v, edge_road, edge_class, edge_speed_kmh,
                 edge_passable, edge_oneway, roads_index, settings, issues, stats, key="") -> None:
        self.crs = crs
        self.node_xy = node_xy
        self.edge_u = edge_u
        self.edge_v = edge_v
        d = node_xy[edge_v] - node_xy[edge_u]
        self.edge_length = np.hypot(d[:, 0], d[:, 1])
        self.edge_road = edge_road
        self.edge_class = edge_class
        self.edge_speed_kmh = edge_speed_kmh
        self.edge_passable = edge_passable
        self.edge_oneway = edge_oneway
        self.roads_index = roads_index
        self.settings = settings
        self.issues: list[Msg] = list(issues)
        self.stats: dict[str, Any] = dict(stats)
        self.key = key
        self._lock = threading.RLock()
        self._csr: dict[tuple, sp.csr_matrix] = {}
        self._trees: dict[str, tuple[shapely.STRtree, np.ndarray]] = {}
        self._snaps: dict[tuple, dict[str, Any]] = {}

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_roads(cls, roads: gpd.GeoDataFrame, *, rules: Mapping[str, Any] | None = None,
                   progress: ProgressFn | None = None, key: str = "") -> "RoadGraph":
        """Build the graph from a roads layer (never modified).

        Parameters
        ----------
        roads : GeoDataFrame
            Lines in a metric CRS; columns used when present: ``road_class``, ``width`` (m),
            ``max_height`` (m), ``oneway``, and ``bridge``/``tunnel``/``layer`` for grade separation.
        rules : mapping, optional
            Overrides of ``network.*`` rules (full or bare keys), e.g. ``project.settings``.
        progress : callable, optional
            ``progress(fraction, message)``; raise :class:`~fireriskmap.errors.Cancelled` to stop.

        Raises
        ------
        NetworkError
            No usable road line at all.
        CRSError
            Geographic or missing CRS.
        """
        progress = progress or null_progress
        roads = check_frame(roads, "roads")
        crs = require_metric(roads.crs)
        settings = topic_rules(rules, "network")
        tol = _positive(settings["snap_tolerance_m"], "network.snap_tolerance_m", zero=True)
        progress(0.0, Msg("network.progress.lines").render())
        issues: list[Msg] = []
        geoms = np.asarray(roads.geometry.values, dtype=object)
        n_rows = len(geoms)
        missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        types = shapely.get_type_id(geoms)
        linear = np.isin(types, (1, 2, 5)) & ~missing
        if missing.any():
            issues.append(Msg("network.issue.roads_empty", count=int(missing.sum()),
                              examples=_examples(roads.index[missing])))
        wrong = ~missing & ~linear
        if wrong.any():
            issues.append(Msg("network.issue.roads_not_lines", count=int(wrong.sum()),
                              examples=_examples(roads.index[wrong])))
        rows = np.nonzero(linear)[0]
        if (types[rows] == 5).any():
            parts, part_row = shapely.get_parts(geoms[rows], return_index=True)
            part_row = rows[part_row]
        else:
            parts, part_row = geoms[rows], rows
        coords, part_of = shapely.get_coordinates(parts, return_index=True)
        if len(coords) < 2 or not (part_of[:-1] == part_of[1:]).any():
            raise NetworkError(problem=Msg("network.problem.no_lines", count=n_rows))
        finite = np.isfinite(coords).all(axis=1)
        if not finite.all():
            coords, part_of = coords[finite], part_of[finite]
        level = _levels(roads)
        progress(0.1, Msg("network.progress.noding").render())
        noded = _node(coords, part_of, level[part_row], tol)
        if len(noded.edge_u) == 0:
            raise NetworkError(problem=Msg("network.problem.no_lines", count=n_rows))
        edge_road = part_row[noded.edge_part]
        progress(0.7, Msg("network.progress.attributes").render())

        # attributes by road row
        classes = np.full(n_rows, _UNKNOWN_CLASS, dtype=np.int8)
        if "road_class" in roads.columns:
            codes = pd.Categorical(roads["road_class"].astype(object), categories=list(ROAD_CLASSES)).codes
            classes = np.where(codes >= 0, codes, _UNKNOWN_CLASS).astype(np.int8)
        speeds = np.array([_positive(settings[f"speed_{c}_kmh"], f"network.speed_{c}_kmh")
                           for c in ROAD_CLASSES + ("unknown",)])

        def numeric(name: str) -> np.ndarray:
            if name not in roads.columns:
                return np.full(n_rows, np.nan)
            return pd.to_numeric(roads[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)

        width = numeric("width")
        height = numeric("max_height")
        min_w = _positive(settings["engine_min_width_m"], "network.engine_min_width_m", zero=True)
        min_h = _positive(settings["engine_min_height_m"], "network.engine_min_height_m", zero=True)
        unknown_ok = bool(settings["unknown_width_passable"])
        excluded = {str(c) for c in (settings["engine_excluded_classes"] or [])}
        passable = np.where(np.isnan(width), unknown_ok, width >= min_w - 1e-9)
        passable &= np.isnan(height) | (height >= min_h - 1e-9)
        excluded_codes = [k for k, c in enumerate(ROAD_CLASSES) if c in excluded]
        passable &= ~np.isin(classes, excluded_codes)
        oneway = np.zeros(n_rows, dtype=bool)
        if "oneway" in roads.columns:
            ow = roads["oneway"]
            oneway = ow.astype(object).where(ow.notna(), False).map(
                lambda v: v is True or (isinstance(v, (int, np.integer, np.bool_)) and bool(v))
                or str(v).strip().lower() in ("yes", "true", "1", "是")).to_numpy(dtype=bool)

        graph = cls(crs=crs, node_xy=noded.node_xy, edge_u=noded.edge_u, edge_v=noded.edge_v,
                    edge_road=edge_road, edge_class=classes[edge_road],
                    edge_speed_kmh=speeds[classes[edge_road]], edge_passable=passable[edge_road],
                    edge_oneway=oneway[edge_road], roads_index=roads.index, settings=settings,
                    issues=issues, stats={"roads": int(n_rows), "roads_used": int(len(rows)),
                                          "crossings": noded.crossings, "joined_ends": noded.joined_ends},
                    key=key)
        progress(0.85, Msg("network.progress.components").render())
        comp = graph.components
        graph.stats.update(nodes=graph.n_nodes, edges=graph.n_edges, parts=comp.count,
                           length_m=round(float(graph.edge_length.sum()), 1))
        n_lines = len(parts)
        if comp.count > 1:
            if comp.count >= n_lines and n_lines > 1:
                graph.issues.append(Msg("network.issue.no_junctions", lines=n_lines))
            graph.issues.append(Msg("network.issue.parts", parts=comp.count,
                                    share=f"{100 * comp.largest_share:.1f}"))
        if not graph.edge_passable.any():
            graph.issues.append(Msg("network.issue.no_passable"))
        progress(1.0, Msg("network.progress.done").render())
        return graph

    # -- basic properties --------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        return len(self.edge_u)

    def __repr__(self) -> str:
        return f"RoadGraph(nodes={self.n_nodes}, edges={self.n_edges}, parts={self.components.count})"

    def _components_of(self, edges: np.ndarray) -> Components:
        u, v = self.edge_u[edges], self.edge_v[edges]
        n = self.n_nodes
        g = sp.coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
        _, label = connected_components(g, directed=False)
        edge_lab = label[u]
        uniq, inv = np.unique(edge_lab, return_inverse=True)
        length = np.bincount(inv, weights=self.edge_length[edges], minlength=len(uniq))
        count = np.bincount(inv, minlength=len(uniq))
        order = np.lexsort((-count, -length))
        rank = np.empty(len(uniq), dtype=np.int64)
        rank[order] = np.arange(len(uniq))
        edge_label = np.full(self.n_edges, -1, dtype=np.int64)
        edge_label[edges] = rank[inv]
        node_label = np.full(n, -1, dtype=np.int64)
        node_label[u] = rank[inv]
        node_label[v] = rank[inv]
        return Components(len(uniq), edge_label, node_label, count[order], length[order])

    @cached_property
    def components(self) -> Components:
        """Connected parts over all roads."""
        return self._components_of(np.arange(self.n_edges))

    @cached_property
    def engine_components(self) -> Components:
        """Connected parts over the roads passable by fire engines."""
        return self._components_of(np.nonzero(self.edge_passable)[0])

    def check_crs(self, frame: gpd.GeoDataFrame | None, layer: str) -> None:
        """Raise :class:`AnalysisInputError` when ``frame`` is not in the graph's CRS."""
        if frame is None or frame.crs is None or self.crs is None:
            return
        if not frame.crs.equals(self.crs):
            raise AnalysisInputError(layer=layer, problem=Msg("network.problem.crs_mismatch",
                                                              a=str(frame.crs), b=str(self.crs)))

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures: nodes, edges, length, parts, passable length, crossings added."""
        out = dict(self.stats)
        out["passable_length_m"] = round(float(self.edge_length[self.edge_passable].sum()), 1)
        out["components"] = self.components.summary()
        return out

    def edges_frame(self) -> gpd.GeoDataFrame:
        """The edges as a new GeoDataFrame: ``u``, ``v``, ``length_m``, ``road`` (label in the
        roads layer), ``road_class``, ``speed_kmh``, ``passable_by_engine``, ``oneway``, ``part``."""
        classes = np.asarray(ROAD_CLASSES + (None,), dtype=object)
        geom = shapely.linestrings(np.stack([self.node_xy[self.edge_u], self.node_xy[self.edge_v]], axis=1))
        return gpd.GeoDataFrame({
            "u": self.edge_u, "v": self.edge_v, "length_m": self.edge_length,
            "road": np.asarray(self.roads_index, dtype=object)[self.edge_road],
            "road_class": classes[self.edge_class], "speed_kmh": self.edge_speed_kmh,
            "passable_by_engine": self.edge_passable, "oneway": self.edge_oneway,
            "part": self.components.edge_label}, geometry=geom, crs=self.crs)

    def nodes_frame(self) -> gpd.GeoDataFrame:
        """The nodes as a new GeoDataFrame with their ``degree`` and ``part``."""
        degree = np.bincount(self.edge_u, minlength=self.n_nodes) + np.bincount(self.edge_v, minlength=self.n_nodes)
        return gpd.GeoDataFrame({"degree": degree, "part": self.components.node_label},
                                geometry=shapely.points(self.node_xy), crs=self.crs)

    # -- profiles ----------------------------------------------------------------------------
    def edge_mask(self, profile: str) -> np.ndarray | None:
        """Edges usable by ``profile`` (``None`` = all)."""
        kind = _MASKS.get(profile)
        if kind is None:
            raise AnalysisInputError(layer="profile", problem=Msg("network.problem.profile", profile=profile,
                                                                  choices=", ".join(PROFILES)))
        if kind == "all":
            return None
        if kind == "engine":
            return self.edge_passable
        return self.edge_class != ROAD_CLASSES.index("path")

    def directed(self, profile: str) -> bool:
        """Whether one-way rules apply to ``profile`` (engines and light vehicles when
        ``network.respect_oneway``; never hoses, bikes or people on foot)."""
        return bool(self.settings.get("respect_oneway")) and profile in ("engine", "light_vehicle") \
            and bool(self.edge_oneway.any())

    def edge_cost(self, profile: str, speeds: Mapping[str, float] | None = None) -> np.ndarray:
        """Cost of traversing each edge: metres (``"hose"``) or seconds (timed profiles)."""
        if profile == "hose":
            return self.edge_length
        speeds = dict(speeds or travel_speeds())
        if profile == "engine":
            kmh = self.edge_speed_kmh
        elif profile == "light_vehicle":
            kmh = np.minimum(self.edge_speed_kmh, speeds["light_vehicle"])
        elif profile in ("ebike", "foot"):
            kmh = np.full(self.n_edges, speeds[profile])
        else:
            self.edge_mask(profile)  # raises
            raise AssertionError
        return self.edge_length / (kmh / 3.6)

    @staticmethod
    def offroad_factor(profile: str, speeds: Mapping[str, float] | None = None) -> float:
        """Cost per metre of the off-road legs: 1 (metres) for hoses, else walking seconds."""
        if profile == "hose":
            return 1.0
        speeds = dict(speeds or travel_speeds())
        return 3.6 / speeds["offroad"]

    def csr(self, profile: str = "hose", speeds: Mapping[str, float] | None = None) -> sp.csr_matrix:
        """The (cached) sparse adjacency matrix of ``profile`` for ``scipy.sparse.csgraph``.

        Both directions are stored unless one-way rules apply; parallel edges keep the cheaper one.
        """
        speeds_key = tuple(sorted((speeds or travel_speeds()).items())) if profile != "hose" else ()
        key = (profile, speeds_key)
        with self._lock:
            hit = self._csr.get(key)
            if hit is not None:
                return hit
        mask = self.edge_mask(profile)
        idx = np.arange(self.n_edges) if mask is None else np.nonzero(mask)[0]
        cost = self.edge_cost(profile, speeds)[idx]
        u, v = self.edge_u[idx], self.edge_v[idx]
        if self.directed(profile):
            two = ~self.edge_oneway[idx]
            rows = np.concatenate([u, v[two]])
            cols = np.concatenate([v, u[two]])
            data = np.concatenate([cost, cost[two]])
        else:
            rows = np.concatenate([u, v])
            cols = np.concatenate([v, u])
            data = np.concatenate([cost, cost])
        matrix = _csr_min(rows, cols, np.maximum(data, _MIN_COST), self.n_nodes)
        with self._lock:
            self._csr[key] = matrix
        return matrix

    # -- snapping ----------------------------------------------------------------------------
    def _tree(self, mask_kind: str) -> tuple[shapely.STRtree, np.ndarray]:
        with self._lock:
            hit = self._trees.get(mask_kind)
            if hit is not None:
                return hit
        if mask_kind == "all":
            ids = np.arange(self.n_edges)
        elif mask_kind == "engine":
            ids = np.nonzero(self.edge_passable)[0]
        else:
            ids = np.nonzero(self.edge_class != ROAD_CLASSES.index("path"))[0]
        geom = shapely.linestrings(np.stack([self.node_xy[self.edge_u[ids]], self.node_xy[self.edge_v[ids]]], axis=1))
        tree = shapely.STRtree(geom, node_capacity=4)
        with self._lock:
            self._trees[mask_kind] = (tree, ids)
        return tree, ids

    def project(self, xy: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Project points onto given edges.

        Returns
        -------
        offset_m : ndarray
            Position along each edge from its ``u`` node, metres.
        offroad_m : ndarray
            Distance from the point to its projection, metres.
        proj_xy : ndarray (n, 2)
            The projected points.
        """
        a = self.node_xy[self.edge_u[edges]]
        b = self.node_xy[self.edge_v[edges]]
        d = b - a
        len2 = (d * d).sum(axis=1)
        t = ((xy - a) * d).sum(axis=1) / np.where(len2 > 0, len2, 1.0)
        t = np.clip(t, 0.0, 1.0)
        proj = a + t[:, None] * d
        off = np.hypot(*(xy - proj).T)
        return t * self.edge_length[edges], off, proj

    def snap(self, points: gpd.GeoSeries | gpd.GeoDataFrame | np.ndarray, *, profile: str = "hose",
             max_snap_m: float | None = None, index: pd.Index | None = None) -> Snapped:
        """Attach points to the nearest edge usable by ``profile`` by projection onto that edge.

        Parameters
        ----------
        points : GeoSeries, GeoDataFrame or ndarray (n, 2)
            Points or features (footprints are attached by their representative point). Must be in
            the graph's CRS.
        profile : str
            Decides which edges are eligible (e.g. ``"engine"``: passable roads only).
        max_snap_m : float, optional
            Largest off-road leg in metres (default ``network.max_snap_m``); farther points get
            status ``"too_far"`` and are not attached.
        index : pandas.Index, optional
            Labels for an ndarray input.

        Results are cached per point position, so re-snapping an edited layer only snaps the
        points that moved.
        """
        if isinstance(points, (gpd.GeoSeries, gpd.GeoDataFrame)):
            geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
            if geoms.crs is not None and self.crs is not None and not geoms.crs.equals(self.crs):
                raise AnalysisInputError(layer="points", problem=Msg("network.problem.crs_mismatch",
                                                                     a=str(geoms.crs), b=str(self.crs)))
            xy, ok = point_locations(geoms)
            index = points.index
        else:
            xy = np.asarray(points, dtype=float).reshape(-1, 2)
            ok = np.isfinite(xy).all(axis=1)
            index = pd.RangeIndex(len(xy)) if index is None else pd.Index(index)
        max_snap = _positive(self.settings["max_snap_m"] if max_snap_m is None else max_snap_m,
                             "network.max_snap_m")
        mask_kind = _MASKS.get(profile)
        if mask_kind is None:
            self.edge_mask(profile)  # raises a clear error
        n = len(xy)
        edge = np.full(n, -1, dtype=np.int64)
        offset = np.full(n, np.nan)
        off = np.full(n, np.nan)
        status = np.where(ok, SNAP_TOO_FAR, SNAP_NO_GEOMETRY).astype(np.int8)
        pos = np.nonzero(ok)[0]
        if len(pos):
            e = self._snap_cached(xy[pos], mask_kind, max_snap)
            found = e >= 0
            fpos = pos[found]
            edge[fpos] = e[found]
            offset[fpos], off[fpos], _ = self.project(xy[fpos], e[found])
            status[fpos] = SNAP_OK
        return Snapped(xy, edge, offset, off, status, mask_kind, pd.Index(index))

    def _snap_cached(self, xy: np.ndarray, mask_kind: str, max_snap: float) -> np.ndarray:
        key = (mask_kind, max_snap)
        h = _xy_hash(xy)
        with self._lock:
            cache = self._snaps.get(key)
        result = np.full(len(xy), -1, dtype=np.int64)
        miss = np.ones(len(xy), dtype=bool)
        if cache is not None:
            where = cache["index"].get_indexer(h)
            hit = where >= 0
            hit[hit] = (cache["xy"][where[hit]] == xy[hit]).all(axis=1)
            result[hit] = cache["edge"][where[hit]]
            miss = ~hit
        if miss.any():
            new = self._snap_nearest(xy[miss], mask_kind, max_snap)
            result[miss] = new
            mh = h[miss]
            keep = ~pd.Index(mh).duplicated()
            if cache is not None:
                keep &= cache["index"].get_indexer(mh) < 0
            add_h, add_xy, add_e = mh[keep], xy[miss][keep], new[keep]
            if cache is None or len(cache["xy"]) + len(add_h) > 4_000_000:
                cache = {"index": pd.Index(add_h), "xy": add_xy, "edge": add_e}
            elif len(add_h):
                cache = {"index": cache["index"].append(pd.Index(add_h)),
                         "xy": np.vstack([cache["xy"], add_xy]),
                         "edge": np.concatenate([cache["edge"], add_e])}
            with self._lock:
                self._snaps[key] = cache
        return result

    def _snap_nearest(self, xy: np.ndarray, mask_kind: str, max_snap: float) -> np.ndarray:
        tree, ids = self._tree(mask_kind)
        out = np.full(len(xy), -1, dtype=np.int64)
        if len(ids) == 0 or len(xy) == 0:
            return out
        pi, ti = tree.query_nearest(shapely.points(xy), max_distance=max_snap, all_matches=True)
        if len(pi):
            # ties (a point at a node): the lowest edge id, for stable results
            cand = ids[ti]
            order = np.lexsort((cand, pi))
            first = np.r_[True, pi[order][1:] != pi[order][:-1]]
            out[pi[order][first]] = cand[order][first]
        return out

    def sample(self, spacing_m: float, *, profile: str = "hose") -> Snapped:
        """Points along the usable edges every ``spacing_m`` metres or less, plus every node.

        Each edge of length L gets ``ceil(L / spacing_m)`` equal pieces; the points are already
        attached (off-road leg 0). Used for response-area polygons and candidate sites.
        """
        spacing = _positive(spacing_m, "spacing_m")
        mask = self.edge_mask(profile)
        edges = np.arange(self.n_edges) if mask is None else np.nonzero(mask)[0]
        length = self.edge_length[edges]
        pieces = np.maximum(np.ceil(length / spacing), 1).astype(np.int64)
        counts = pieces + 1
        e = np.repeat(edges, counts)
        start = np.repeat(np.cumsum(counts) - counts, counts)
        k = np.arange(len(e)) - start
        frac = k / np.repeat(pieces, counts)
        offset = frac * self.edge_length[e]
        a = self.node_xy[self.edge_u[e]]
        b = self.node_xy[self.edge_v[e]]
        xy = a + frac[:, None] * (b - a)
        n = len(e)
        return Snapped(xy, e.astype(np.int64), offset, np.zeros(n), np.zeros(n, dtype=np.int8),
                       _MASKS[profile], pd.RangeIndex(n))

    def snap_xy(self, snapped: Snapped) -> np.ndarray:
        """Coordinates of the projected points (NaN where not attached)."""
        out = np.full((len(snapped), 2), np.nan)
        att = snapped.attached
        e = snapped.edge[att]
        length = self.edge_length[e]
        frac = np.where(length > 0, snapped.offset_m[att] / np.where(length > 0, length, 1), 0.0)
        a = self.node_xy[self.edge_u[e]]
        b = self.node_xy[self.edge_v[e]]
        out[att] = a + frac[:, None] * (b - a)
        return out

    # -- shortest paths ----------------------------------------------------------------------
    def _check_profile(self, snapped: Snapped, profile: str, what: str) -> None:
        mask = self.edge_mask(profile)
        if mask is None:
            return
        att = snapped.attached
        if not mask[snapped.edge[att]].all():
            raise AnalysisInputError(layer=what, problem=Msg("network.problem.snap_profile", profile=profile))

    def _augmented(self, profile: str, speeds, sources: Snapped, extra: np.ndarray | None
                   ) -> tuple[sp.csr_matrix, np.ndarray]:
        """The profile's graph plus one virtual node per attached source (rows ``n_nodes + k``).

        Returns the matrix and the positions (in ``sources``) of the virtual nodes.
        """
        base = self.csr(profile, speeds)
        n = self.n_nodes
        src = np.nonzero(sources.attached)[0]
        k = len(src)
        e = sources.edge[src]
        a = sources.offset_m[src]
        length = self.edge_length[e]
        per_m = np.where(length > 0, self.edge_cost(profile, speeds)[e] / np.where(length > 0, length, 1), 0.0)
        start = sources.offroad_m[src] * self.offroad_factor(profile, speeds)
        if extra is not None:
            start = start + np.asarray(extra, dtype=float)[src]
        to_v = start + (length - a) * per_m
        to_u = start + a * per_m
        back_ok = np.ones(k, dtype=bool) if not self.directed(profile) else ~self.edge_oneway[e]
        rows = np.concatenate([np.arange(k), np.arange(k)[back_ok]])
        cols = np.concatenate([self.edge_v[e], self.edge_u[e][back_ok]])
        data = np.concatenate([to_v, to_u[back_ok]])
        order = np.lexsort((cols, rows))
        rows, cols, data = rows[order], cols[order], np.maximum(data[order], _MIN_COST)
        counts = np.bincount(rows, minlength=k)
        indptr = np.concatenate([base.indptr, base.indptr[-1] + np.cumsum(counts)])
        matrix = sp.csr_matrix((np.concatenate([base.data, data]),
                                np.concatenate([base.indices, cols.astype(base.indices.dtype)]),
                                indptr.astype(base.indptr.dtype)), shape=(n + k, n + k))
        return matrix, src

    def _end_costs(self, targets: Snapped, profile: str, speeds) -> tuple[np.ndarray, ...]:
        """Per attached target: its edge's ends, the along-edge cost to each, and the off-road cost."""
        tpos = np.nonzero(targets.attached)[0]
        e = targets.edge[tpos]
        a = targets.offset_m[tpos]
        length = self.edge_length[e]
        per_m = np.where(length > 0, self.edge_cost(profile, speeds)[e] / np.where(length > 0, length, 1), 0.0)
        from_u = a * per_m                          # u → point: along the edge's direction
        from_v = (length - a) * per_m               # v → point: against it
        if self.directed(profile):
            from_v = np.where(self.edge_oneway[e], np.inf, from_v)
        off = targets.offroad_m[tpos] * self.offroad_factor(profile, speeds)
        return tpos, self.edge_u[e], self.edge_v[e], from_u, from_v, off

    def _same_edge(self, sources: Snapped, targets: Snapped, profile: str, speeds,
                   extra: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pairs (source position, target position, cost) of points on the same edge, direct."""
        src = np.nonzero(sources.attached)[0]
        tgt = np.nonzero(targets.attached)[0]
        if not len(src) or not len(tgt):
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0)
        se = sources.edge[src]
        order = np.argsort(se, kind="stable")
        src, se = src[order], se[order]
        te = targets.edge[tgt]
        lo = np.searchsorted(se, te, side="left")
        hi = np.searchsorted(se, te, side="right")
        count = hi - lo
        has = count > 0
        if not has.any():
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0)
        t_rep = np.repeat(tgt[has], count[has])
        first = np.repeat(lo[has], count[has])
        step = np.arange(len(t_rep)) - np.repeat(np.cumsum(count[has]) - count[has], count[has])
        s_rep = src[first + step]
        e = targets.edge[t_rep]
        length = self.edge_length[e]
        per_m = np.where(length > 0, self.edge_cost(profile, speeds)[e] / np.where(length > 0, length, 1), 0.0)
        delta = targets.offset_m[t_rep] - sources.offset_m[s_rep]
        cost = np.abs(delta) * per_m
        if self.directed(profile):
            cost = np.where(self.edge_oneway[e] & (delta < 0), np.inf, cost)
        f = self.offroad_factor(profile, speeds)
        cost = cost + (sources.offroad_m[s_rep] + targets.offroad_m[t_rep]) * f
        if extra is not None:
            cost = cost + np.asarray(extra, dtype=float)[s_rep]
        return s_rep, t_rep, cost

    def nearest_costs(self, sources: Snapped, targets: Snapped, *, profile: str = "hose",
                      speeds: Mapping[str, float] | None = None, extra: np.ndarray | None = None,
                      limit: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Least cost from any source to each target (multi-source Dijkstra, bounded).

        Parameters
        ----------
        sources, targets : Snapped
            From :meth:`snap` with the same ``profile`` (sources not attached are ignored).
        profile : str
            One of :data:`PROFILES`; costs in metres (``"hose"``) or seconds.
        speeds : mapping, optional
            :func:`travel_speeds` (km/h) for the timed profiles.
        extra : ndarray, optional
            A start cost per source (e.g. turnout seconds), aligned to ``sources``.
        limit : float, optional
            Largest cost searched; targets farther away get ``inf``.

        Returns
        -------
        cost : ndarray (n_targets,)
            ``inf`` when unreachable, over ``limit`` or not attached.
        source : ndarray of int64 (n_targets,)
            Position in ``sources`` of the nearest source; -1 when none.
        """
        self._check_profile(sources, profile, "sources")
        self._check_profile(targets, profile, "targets")
        cost = np.full(len(targets), np.inf)
        which = np.full(len(targets), -1, dtype=np.int64)
        if not sources.attached.any() or not targets.attached.any():
            return cost, which
        lim = np.inf if limit is None else float(limit)
        matrix, src = self._augmented(profile, speeds, sources, extra)
        n = self.n_nodes
        dist, _, origin = dijkstra(matrix, directed=True, indices=n + np.arange(len(src)),
                                   min_only=True, limit=lim, return_predecessors=True)
        tpos, u, v, from_u, from_v, off = self._end_costs(targets, profile, speeds)
        via_u = dist[u] + from_u
        via_v = dist[v] + from_v
        use_v = via_v < via_u
        best = np.where(use_v, via_v, via_u) + off
        org = np.where(use_v, origin[v], origin[u])
        src_of = np.where(org >= n, src[np.clip(org - n, 0, len(src) - 1)], -1)
        cost[tpos] = best
        which[tpos] = np.where(np.isfinite(best), src_of, -1)
        s_rep, t_rep, direct = self._same_edge(sources, targets, profile, speeds, extra)
        if len(t_rep):
            order = np.lexsort((direct, t_rep))
            firsts = np.r_[True, t_rep[order][1:] != t_rep[order][:-1]]
            tt, ss, dd = t_rep[order][firsts], s_rep[order][firsts], direct[order][firsts]
            better = dd < cost[tt]
            cost[tt[better]] = dd[better]
            which[tt[better]] = ss[better]
        over = cost > lim
        cost[over] = np.inf
        which[over] = -1
        return cost, which

    def cost_matrix(self, sources: Snapped, targets: Snapped, *, profile: str = "hose",
                    speeds: Mapping[str, float] | None = None, extra: np.ndarray | None = None,
                    limit: float | None = None, chunk: int | None = None) -> np.ndarray:
        """Cost from every source to every target, shape ``(n_sources, n_targets)``.

        ``inf`` where unreachable, over ``limit`` or not attached. Sources are searched in chunks
        (one bounded Dijkstra per source) to keep memory near ``chunk × n_nodes`` floats.
        """
        self._check_profile(sources, profile, "sources")
        self._check_profile(targets, profile, "targets")
        out = np.full((len(sources), len(targets)), np.inf)
        if not sources.attached.any() or not targets.attached.any():
            return out
        lim = np.inf if limit is None else float(limit)
        matrix, src = self._augmented(profile, speeds, sources, extra)
        n = self.n_nodes
        tpos, u, v, from_u, from_v, off = self._end_costs(targets, profile, speeds)
        step = chunk or max(1, int(4_000_000 // max(n + len(src), 1)))
        for lo in range(0, len(src), step):
            ids = np.arange(lo, min(lo + step, len(src)))
            dist = dijkstra(matrix, directed=True, indices=n + ids, limit=lim)
            best = np.minimum(dist[:, u] + from_u, dist[:, v] + from_v) + off
            out[np.ix_(src[ids], tpos)] = best
        s_rep, t_rep, direct = self._same_edge(sources, targets, profile, speeds, extra)
        if len(t_rep):
            np.minimum.at(out, (s_rep, t_rep), direct)
        out[out > lim] = np.inf
        return out

    def pair_costs(self, sources: Snapped, targets: Snapped, *, limit: float, profile: str = "hose",
                   speeds: Mapping[str, float] | None = None, block: int = 256
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All (source, target) pairs with cost ≤ ``limit`` (sparse), as position arrays and costs.

        Sources are processed in spatial blocks; a block only looks at targets within ``limit``
        metres (straight line) of its bounding box when the cost is in metres (a path is never
        shorter than the straight line), which keeps large siting instances fast.
        """
        self._check_profile(sources, profile, "sources")
        self._check_profile(targets, profile, "targets")
        lim = float(limit)
        src_all = np.nonzero(sources.attached)[0]
        tgt_all = np.nonzero(targets.attached)[0]
        out_s, out_t, out_c = [], [], []
        if not len(src_all) or not len(tgt_all):
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0)
        # spatial order: sort sources along a coarse grid so blocks are compact
        sxy = sources.xy[src_all]
        cell = max(lim, 1.0) * 4
        gx = np.floor((sxy[:, 0] - sxy[:, 0].min()) / cell).astype(np.int64)
        gy = np.floor((sxy[:, 1] - sxy[:, 1].min()) / cell).astype(np.int64)
        src_all = src_all[np.lexsort((sxy[:, 0], gy, gx))]
        txy = targets.xy[tgt_all]
        tree = shapely.STRtree(shapely.points(txy)) if profile == "hose" else None
        for lo in range(0, len(src_all), block):
            ids = src_all[lo:lo + block]
            if tree is not None:
                bx = sources.xy[ids]
                box = shapely.box(bx[:, 0].min() - lim, bx[:, 1].min() - lim, bx[:, 0].max() + lim, bx[:, 1].max() + lim)
                near = tgt_all[tree.query(box)]
                if not len(near):
                    continue
            else:
                near = tgt_all
            sub_s = sources.take(ids)
            sub_t = targets.take(near)
            m = self.cost_matrix(sub_s, sub_t, profile=profile, speeds=speeds, limit=lim)
            si, ti = np.nonzero(m <= lim)
            out_s.append(ids[si])
            out_t.append(near[ti])
            out_c.append(m[si, ti])
        if not out_s:
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0)
        return np.concatenate(out_s), np.concatenate(out_t), np.concatenate(out_c)


def _csr_min(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, n: int) -> sp.csr_matrix:
    """A CSR matrix keeping the smallest value of duplicate (row, col) entries (not their sum)."""
    order = np.lexsort((data, cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])]
    rows, cols, data = rows[first], cols[first], data[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    idx_dtype = np.int32 if max(n, len(cols)) < 2**31 - 1 else np.int64
    return sp.csr_matrix((data, cols.astype(idx_dtype), indptr.astype(idx_dtype)), shape=(n, n))


# -- cache -----------------------------------------------------------------------------------------

_CACHE: "OrderedDict[str, RoadGraph]" = OrderedDict()
_CACHE_SIZE = 4
_CACHE_LOCK = threading.Lock()
_KEY_COLUMNS = ("road_class", "width", "max_height", "oneway", "bridge", "tunnel", "layer")


def roads_key(roads: gpd.GeoDataFrame, settings: Mapping[str, Any]) -> str:
    """A hash of what the graph depends on: geometry, routing attributes, index, CRS and rules."""
    h = hashlib.blake2b(digest_size=20)
    geoms = np.asarray(roads.geometry.values, dtype=object)
    h.update(np.ascontiguousarray(shapely.get_coordinates(geoms)).tobytes())
    h.update(np.asarray(shapely.get_num_coordinates(geoms), dtype=np.int64).tobytes())
    h.update(np.asarray(shapely.get_type_id(geoms), dtype=np.int64).tobytes())
    if shapely.get_type_id(geoms).max(initial=0) >= 4:  # multi-part: part boundaries matter
        h.update(np.asarray(shapely.get_num_geometries(geoms), dtype=np.int64).tobytes())
        parts = shapely.get_parts(geoms)
        h.update(np.asarray(shapely.get_num_coordinates(parts), dtype=np.int64).tobytes())
    h.update(pd.util.hash_pandas_object(pd.Series(roads.index), index=False).to_numpy().tobytes())
    for col in _KEY_COLUMNS:
        if col in roads.columns:
            codes, uniques = pd.factorize(roads[col], use_na_sentinel=True)
            h.update(col.encode())
            h.update(np.asarray(codes, dtype=np.int64).tobytes())
            h.update(repr([(type(u).__name__, str(u)) for u in uniques]).encode())
    h.update(json.dumps(dict(settings), sort_keys=True, default=str).encode())
    h.update(str(roads.crs).encode())
    return h.hexdigest()


def road_graph(roads: gpd.GeoDataFrame, *, rules: Mapping[str, Any] | None = None,
               progress: ProgressFn | None = None, cache: bool = True) -> RoadGraph:
    """The :class:`RoadGraph` of a roads layer, built once and reused while the roads are unchanged.

    The cache key hashes the roads' geometry, the routing attributes (class, width, height,
    one-way, bridge/tunnel/layer), the index, the CRS and the ``network.*`` rules; the last four
    graphs are kept. Snaps made on a cached graph are cached with it.
    """
    roads = check_frame(roads, "roads")
    require_metric(roads.crs)
    settings = topic_rules(rules, "network")
    if not cache:
        return RoadGraph.from_roads(roads, rules=rules, progress=progress)
    key = roads_key(roads, settings)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
    if hit is not None:
        (progress or null_progress)(1.0, Msg("network.progress.cached").render())
        return hit
    graph = RoadGraph.from_roads(roads, rules=rules, progress=progress, key=key)
    with _CACHE_LOCK:
        _CACHE[key] = graph
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return graph


def clear_graph_cache() -> None:
    """Forget every cached graph (and its snaps) and the cached building locations."""
    with _CACHE_LOCK:
        _CACHE.clear()
    with _POINTS_LOCK:
        _POINTS_CACHE.clear()
