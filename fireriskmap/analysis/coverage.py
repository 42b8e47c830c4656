"""Water coverage: hose-path distance from every building to the nearest working hydrant or water source.

Rule (DOMAIN.md §3): a building is **covered** when a *working* hydrant or water intake lies within
``water.hydrant_radius_m`` (150 m, GB 50974-2014 7.2.5) — ``water.water_source_radius_m`` for fire
pools and intakes — measured **along the hose path**: the off-road leg from the building to its
road, along the roads, and the off-road leg to the hydrant (:mod:`fireriskmap.analysis.network`).

Per building (:func:`water_coverage`, columns aligned to the buildings' index):

``water_distance_m``
    Hose path in metres to the nearest working source. **NaN** when it is longer than
    ``water.search_limit_m`` (300 m), when no working source can be reached at all (separate road
    part), when the building is farther than ``network.max_snap_m`` from every road, or when it has
    no geometry. ``water_status`` says which.
``water_covered``
    ``distance ≤ radius`` of that kind of source (nullable boolean: NA only without geometry).
``water_source_layer``, ``water_source_id``
    The nearest source (``"hydrants"``/``"water_sources"`` and its label).
``water_mode``
    ``"network"`` (hose path) or ``"straight_line"`` — the explicit, labelled alternative for data
    without roads, where the distance is the straight line between the building's representative
    point and the source. Straight-line distances are shorter than hose paths, so that mode
    overstates coverage; say so when it is shown.

Hydrants (and water sources) farther than ``network.max_snap_m`` from every road are **not used**
in the network mode and are listed in ``result.issues`` and ``result.sources`` (status
``too_far``): a hose cannot be run 2 km across country, and with the 150 m radius such a source
could cover nothing along the roads anyway.

Also: :func:`coverage_gaps` (polygons grouping uncovered buildings, ranked by risk or households,
per ``layers/coverage_gaps.toml``) and :func:`hydrant_spacing` (road stretches where consecutive
working hydrants are more than ``water.hydrant_spacing_m`` = 120 m apart, GB 50974-2014 7.2.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from fireriskmap.analysis import rules as _rules
from fireriskmap.analysis.network import (SNAP_NO_GEOMETRY, SNAP_OK, SNAP_TOO_FAR, AnalysisInputError,
                                          RoadGraph, _examples, _positive, check_frame, point_locations,
                                          road_graph, topic_rules)
from fireriskmap.i18n import Msg
from fireriskmap.progress import ProgressFn, null_progress, sub_progress

__all__ = ["CoverageResult", "water_coverage", "coverage_gaps", "hydrant_spacing", "working_sources",
           "MODES", "STATUS"]

#: Distance modes.
MODES = ("network", "straight_line")
#: ``water_status`` values.
STATUS = ("ok", "no_geometry", "off_network", "unreachable")
_SOURCE_LAYERS = ("hydrants", "water_sources")


@dataclass(eq=False)
class CoverageResult:
    """What :func:`water_coverage` returns.

    Attributes
    ----------
    buildings : DataFrame
        Per building, aligned to the input index: ``water_distance_m``, ``water_covered``,
        ``water_source_layer``, ``water_source_id``, ``water_mode``, ``water_status``.
    gaps : GeoDataFrame
        Coverage gaps (``layers/coverage_gaps.toml``): ``gap_id``, ``buildings``, ``households``,
        ``village``, ``rank`` (+ ``risk`` when ranked by a risk column).
    spacing : GeoDataFrame
        Road stretches with hydrants more than 120 m apart (:func:`hydrant_spacing`).
    sources : DataFrame
        The working sources considered: ``layer``, ``id``, ``offroad_m``, ``status``.
    summary : dict
        Headline figures (JSON-ready).
    mode : str
        ``"network"`` or ``"straight_line"``.
    issues : list of Msg
        Things the user should know (sources not attached, buildings without geometry, ...).
    """

    buildings: pd.DataFrame
    gaps: gpd.GeoDataFrame
    spacing: gpd.GeoDataFrame
    sources: pd.DataFrame
    summary: dict[str, Any]
    mode: str
    issues: list[Msg] = field(default_factory=list)

    @property
    def distance(self) -> pd.Series:
        return self.buildings["water_distance_m"]

    @property
    def covered(self) -> pd.Series:
        return self.buildings["water_covered"]


# -- sources ---------------------------------------------------------------------------------------

def _working(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Working flags; missing values count as working (the layer's default is true)."""
    if "working" not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    col = frame["working"]
    return col.astype(object).where(col.notna(), True).map(
        lambda v: not (v is False or (isinstance(v, (np.bool_,)) and not v)
                       or str(v).strip().lower() in ("false", "0", "no", "否", "损坏", "不可用"))).to_numpy(dtype=bool)


def working_sources(hydrants: gpd.GeoDataFrame | None, water_sources: gpd.GeoDataFrame | None,
                    *, crs=None) -> gpd.GeoDataFrame:
    """The working hydrants and water sources as one new point GeoDataFrame.

    Columns: ``layer`` (``"hydrants"``/``"water_sources"``), ``id`` (label in its layer),
    ``working``; sources without usable geometry are kept (their point is empty) so they can be
    reported.
    """
    frames = []
    for layer, frame in zip(_SOURCE_LAYERS, (hydrants, water_sources)):
        frame = check_frame(frame, layer, required=False)
        if frame is None or not len(frame):
            continue
        if crs is not None and frame.crs is not None and not frame.crs.equals(crs):
            raise AnalysisInputError(layer=layer, problem=Msg("network.problem.crs_mismatch",
                                                              a=str(frame.crs), b=str(crs)))
        ok = _working(frame)
        xy, has = point_locations(frame.geometry)
        frames.append(pd.DataFrame({"layer": layer, "id": np.asarray(frame.index, dtype=object),
                                    "working": ok, "x": xy[:, 0], "y": xy[:, 1], "has_geometry": has}))
    if not frames:
        table = pd.DataFrame({"layer": [], "id": [], "working": [], "x": [], "y": [], "has_geometry": []})
    else:
        table = pd.concat(frames, ignore_index=True)
    geom = shapely.points(table[["x", "y"]].to_numpy(dtype=float)) if len(table) else []
    return gpd.GeoDataFrame(table.drop(columns=["x", "y"]), geometry=geom, crs=crs)


# -- the analysis ----------------------------------------------------------------------------------

def water_coverage(buildings: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None = None,
                   hydrants: gpd.GeoDataFrame | None = None,
                   water_sources: gpd.GeoDataFrame | None = None, *, mode: str = "network",
                   radius_m: float | None = None, graph: RoadGraph | None = None,
                   rank_by: str | pd.Series | None = None, gaps: bool = True, spacing: bool = True,
                   rules: Mapping[str, Any] | None = None,
                   progress: ProgressFn | None = None) -> CoverageResult:
    """Hose-path distance from every building to the nearest working hydrant or water source.

    Parameters
    ----------
    buildings : GeoDataFrame
        Footprints (or points) in a metric CRS. Optional columns ``households`` and ``village``.
    roads : GeoDataFrame, optional
        Needed for ``mode="network"`` unless ``graph`` is given (the graph is cached per roads).
    hydrants, water_sources : GeoDataFrame, optional
        Points; a ``working`` column (missing = working) selects the usable ones.
    mode : {"network", "straight_line"}
        Hose path along the roads (the rule), or the explicit straight-line alternative.
    radius_m : float, optional
        Protection radius in metres for both kinds of source (default: the ``water.*`` rules,
        150 m each).
    graph : RoadGraph, optional
        A prebuilt graph (else :func:`~fireriskmap.analysis.network.road_graph` on ``roads``).
    rank_by : str or Series, optional
        Risk per building (column name or Series) to rank the gaps; default households.
    gaps, spacing : bool
        Also compute coverage gaps and the 120 m spacing check.
    rules : mapping, optional
        Overrides (e.g. ``project.settings``) of ``water.*`` and ``network.*`` rules.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    CoverageResult
        Never modifies the inputs.

    Raises
    ------
    AnalysisInputError
        No buildings layer, unknown mode, no roads for the network mode.
    CRSError
        A geographic or missing CRS.
    """
    progress = progress or null_progress
    if mode not in MODES:
        raise AnalysisInputError(layer="mode", problem=Msg("water.problem.mode", mode=mode))
    buildings = check_frame(buildings, "buildings")
    crs = buildings.crs
    r = topic_rules(rules, "water")
    radius_h = _positive(r["hydrant_radius_m"] if radius_m is None else radius_m, "water.hydrant_radius_m")
    radius_w = _positive(r["water_source_radius_m"] if radius_m is None else radius_m, "water.water_source_radius_m")
    limit = max(_positive(r["search_limit_m"], "water.search_limit_m"), radius_h, radius_w)
    issues: list[Msg] = []

    srcs = working_sources(hydrants, water_sources, crs=crs)
    n_broken = int((~srcs["working"]).sum()) if len(srcs) else 0
    srcs = srcs[srcs["working"].to_numpy(dtype=bool)] if len(srcs) else srcs
    if n_broken:
        issues.append(Msg("water.issue.not_working", count=n_broken))
    no_geom = ~srcs["has_geometry"].to_numpy(dtype=bool) if len(srcs) else np.zeros(0, bool)
    if no_geom.any():
        issues.append(Msg("water.issue.sources_no_geometry", count=int(no_geom.sum()),
                          examples=_examples(srcs["layer"][no_geom] + ":" + srcs["id"][no_geom].astype(str))))
    if not len(srcs) or not srcs["has_geometry"].any():
        issues.append(Msg("water.issue.no_sources"))

    progress(0.0, Msg("water.progress.points").render())
    bxy, b_ok = point_locations(buildings.geometry)
    n = len(buildings)
    if (~b_ok).any():
        issues.append(Msg("water.issue.buildings_no_geometry", count=int((~b_ok).sum()),
                          examples=_examples(buildings.index[~b_ok])))
    dist = np.full(n, np.inf)
    which = np.full(n, -1, dtype=np.int64)
    covered = np.zeros(n, dtype=bool)
    status = np.where(b_ok, 3, 1).astype(np.int8)  # unreachable until found
    src_status = np.where(srcs["has_geometry"].to_numpy(dtype=bool), SNAP_OK, SNAP_NO_GEOMETRY) \
        if len(srcs) else np.zeros(0, np.int8)
    src_offroad = np.full(len(srcs), np.nan)
    is_hydrant = (srcs["layer"] == "hydrants").to_numpy(dtype=bool) if len(srcs) else np.zeros(0, bool)
    radius_of = np.where(is_hydrant, radius_h, radius_w)

    if mode == "network":
        if graph is None:
            if roads is None:
                raise AnalysisInputError(layer="roads", problem=Msg("water.problem.no_roads"))
            graph = road_graph(roads, rules=rules, progress=sub_progress(progress, 0.0, 0.5))
        graph.check_crs(buildings, "buildings")
        issues.extend(graph.issues)
        progress(0.5, Msg("water.progress.snap").render())
        b_snap = graph.snap(bxy, index=buildings.index)
        status[b_snap.status == SNAP_TOO_FAR] = 2
        far_b = b_snap.status == SNAP_TOO_FAR
        if far_b.any():
            issues.append(Msg("water.issue.buildings_off_network", count=int(far_b.sum()),
                              limit=f"{graph.settings['max_snap_m']:g}", examples=_examples(buildings.index[far_b])))
        if len(srcs):
            s_snap = graph.snap(np.column_stack([shapely.get_x(srcs.geometry.values), shapely.get_y(srcs.geometry.values)]))
            src_status = s_snap.status
            src_offroad = s_snap.offroad_m
            far = s_snap.status == SNAP_TOO_FAR
            if far.any():
                issues.append(Msg("water.issue.sources_off_network", count=int(far.sum()),
                                  limit=f"{graph.settings['max_snap_m']:g}",
                                  examples=_examples(srcs["layer"][far] + ":" + srcs["id"][far].astype(str))))
            progress(0.7, Msg("water.progress.paths").render())
            # one bounded multi-source search per radius (hydrants and water sources may differ)
            for rad in np.unique(radius_of):
                pick = np.nonzero(radius_of == rad)[0]
                cost, src = graph.nearest_costs(s_snap.take(pick), b_snap, profile="hose", limit=limit)
                better = cost < dist
                dist[better] = cost[better]
                which[better] = pick[src[better]]
                covered |= cost <= rad + 1e-9
    else:
        issues.append(Msg("water.issue.straight_line"))
        has = srcs["has_geometry"].to_numpy(dtype=bool) if len(srcs) else np.zeros(0, bool)
        for rad in np.unique(radius_of):
            pick = np.nonzero((radius_of == rad) & has)[0]
            if not len(pick) or not b_ok.any():
                continue
            tree = shapely.STRtree(srcs.geometry.values[pick])
            bpos = np.nonzero(b_ok)[0]
            (bi, ti), d = tree.query_nearest(shapely.points(bxy[bpos]), max_distance=limit,
                                             return_distance=True, all_matches=False)
            bi = bpos[bi]
            better = d < dist[bi]
            dist[bi[better]] = d[better]
            which[bi[better]] = pick[ti[better]]
            covered[bi] |= d <= rad + 1e-9

    found = np.isfinite(dist) & (dist <= limit)
    status[found] = 0
    water_distance = np.where(found, dist, np.nan)
    covered &= b_ok
    cov = pd.array(covered, dtype="boolean")
    cov[~b_ok] = pd.NA
    layer_col = np.full(n, None, dtype=object)
    id_col = np.full(n, None, dtype=object)
    has_src = found & (which >= 0)
    if has_src.any():
        layer_col[has_src] = srcs["layer"].to_numpy(dtype=object)[which[has_src]]
        id_col[has_src] = srcs["id"].to_numpy(dtype=object)[which[has_src]]
    result = pd.DataFrame({
        "water_distance_m": water_distance,
        "water_covered": cov,
        "water_source_layer": layer_col,
        "water_source_id": id_col,
        "water_mode": mode,
        "water_status": np.asarray(STATUS, dtype=object)[status],
    }, index=buildings.index)

    progress(0.85, Msg("water.progress.gaps").render())
    gap_frame = coverage_gaps(buildings, result["water_covered"], rank_by=rank_by, rules=rules) if gaps \
        else _empty_gaps(crs)
    spacing_frame = hydrant_spacing(roads, hydrants, rules=rules) if (spacing and roads is not None
                                                                      and hydrants is not None) \
        else _empty_spacing(crs)
    sources = pd.DataFrame({"layer": srcs["layer"].to_numpy(dtype=object) if len(srcs) else [],
                            "id": srcs["id"].to_numpy(dtype=object) if len(srcs) else [],
                            "offroad_m": src_offroad,
                            "status": np.asarray(("ok", "no_geometry", "too_far"), dtype=object)[src_status]
                            if len(srcs) else []})
    summary = _summary(buildings, result, mode, radius_h, radius_w, gap_frame, spacing_frame, sources)
    progress(1.0, Msg("water.progress.done").render())
    return CoverageResult(result, gap_frame, spacing_frame, sources, summary, mode, issues)


def _households(buildings: pd.DataFrame) -> pd.Series:
    if "households" not in buildings.columns:
        return pd.Series(np.nan, index=buildings.index)
    return pd.to_numeric(buildings["households"], errors="coerce").astype(float)


def _summary(buildings, result, mode, radius_h, radius_w, gaps, spacing, sources) -> dict[str, Any]:
    valid = result["water_covered"].notna().to_numpy()
    cov = result["water_covered"].fillna(False).to_numpy(dtype=bool)
    hh = _households(buildings).to_numpy()
    hh_known = valid & np.isfinite(hh)
    n_valid = int(valid.sum())
    hh_total = float(hh[hh_known].sum())
    out = {
        "mode": mode,
        "radius_m": radius_h,
        "water_source_radius_m": radius_w,
        "rule": _rules.source("water.hydrant_radius_m"),
        "buildings": int(len(result)),
        "buildings_analysed": n_valid,
        "covered": int(cov.sum()),
        "covered_share": round(float(cov.sum()) / n_valid, 4) if n_valid else None,
        "households_covered_share": round(float(hh[hh_known & cov].sum()) / hh_total, 4) if hh_total > 0 else None,
        "median_distance_m": round(float(np.nanmedian(result["water_distance_m"])), 1)
        if np.isfinite(result["water_distance_m"]).any() else None,
        "gaps": int(len(gaps)),
        "spacing_flags": int(len(spacing)),
        "sources_used": int((sources["status"] == "ok").sum()) if len(sources) else 0,
        "sources_off_network": int((sources["status"] == "too_far").sum()) if len(sources) else 0,
    }
    return out


# -- gaps ------------------------------------------------------------------------------------------

def _empty_gaps(crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"gap_id": pd.Series([], dtype="Int64"), "buildings": pd.Series([], dtype="Int64"),
                             "households": pd.Series([], dtype="Int64"), "village": pd.Series([], dtype=object),
                             "rank": pd.Series([], dtype="Int64")}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def coverage_gaps(buildings: gpd.GeoDataFrame, covered: pd.Series, *, link_m: float | None = None,
                  buffer_m: float | None = None, rank_by: str | pd.Series | None = None,
                  rules: Mapping[str, Any] | None = None) -> gpd.GeoDataFrame:
    """Polygons grouping uncovered buildings, ranked (``layers/coverage_gaps.toml``).

    Uncovered buildings (``covered`` is False; NA is skipped) closer than ``link_m``
    (``water.gap_link_m``, 30 m; footprint to footprint) form one gap; its polygon is the convex
    hull of their footprints grown by ``buffer_m`` (``water.gap_buffer_m``, 15 m).

    Gaps are ranked by the summed ``rank_by`` (a risk column name or Series) when given, else by
    households, then by building count; ``rank`` 1 is the most urgent and ``gap_id`` follows the
    rank. ``households`` is the sum of the known values (NA when none is known).

    Returns
    -------
    GeoDataFrame
        ``gap_id``, ``buildings``, ``households``, ``village`` (the most common one), ``rank``
        (+ ``risk`` with ``rank_by``), polygons in the buildings' CRS.
    """
    buildings = check_frame(buildings, "buildings")
    r = topic_rules(rules, "water")
    link = _positive(r["gap_link_m"] if link_m is None else link_m, "water.gap_link_m", zero=True)
    buf = _positive(r["gap_buffer_m"] if buffer_m is None else buffer_m, "water.gap_buffer_m", zero=True)
    crs = buildings.crs
    cov = pd.Series(covered).reindex(buildings.index)
    geoms = np.asarray(buildings.geometry.values, dtype=object)
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    pick = np.nonzero((cov.eq(False).fillna(False).to_numpy(dtype=bool)) & usable)[0]
    if not len(pick):
        return _empty_gaps(crs)
    g = geoms[pick]
    invalid = ~shapely.is_valid(g)
    if invalid.any():
        g = g.copy()
        g[invalid] = shapely.make_valid(g[invalid])
    tree = shapely.STRtree(g)
    a, b = tree.query(g, predicate="dwithin", distance=link) if link > 0 else tree.query(g, predicate="intersects")
    m = len(pick)
    _, label = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(m, m)), directed=False)
    coords, which = shapely.get_coordinates(g, return_index=True)
    vlab = label[which]
    o = np.argsort(vlab, kind="stable")
    hulls = shapely.convex_hull(shapely.multipoints(coords[o], indices=vlab[o]))
    polys = shapely.buffer(hulls, buf, quad_segs=4) if buf > 0 else hulls
    k = len(hulls)
    hh = _households(buildings).to_numpy()[pick]
    hh_known = np.isfinite(hh)
    hh_sum = np.bincount(label, weights=np.where(hh_known, hh, 0.0), minlength=k)
    hh_any = np.bincount(label, weights=hh_known.astype(float), minlength=k) > 0
    count = np.bincount(label, minlength=k)
    risk = None
    if rank_by is not None:
        col = buildings[rank_by] if isinstance(rank_by, str) else pd.Series(rank_by).reindex(buildings.index)
        rv = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)[pick]
        risk = np.bincount(label, weights=np.where(np.isfinite(rv), rv, 0.0), minlength=k)
    keys = [-count, -hh_sum] if risk is None else [-count, -hh_sum, -risk]
    order = np.lexsort(keys)
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(1, k + 1)
    village = np.full(k, None, dtype=object)
    if "village" in buildings.columns:
        v = buildings["village"].to_numpy(dtype=object)[pick]
        vv = pd.DataFrame({"g": label, "v": v}).dropna()
        if len(vv):
            top = vv.groupby(["g", "v"]).size().reset_index(name="n").sort_values(["g", "n"], ascending=[True, False])
            top = top.drop_duplicates("g")
            village[top["g"].to_numpy()] = top["v"].to_numpy()
    hh_out = pd.array(np.round(hh_sum).astype(np.int64), dtype="Int64")
    hh_out[~hh_any] = pd.NA
    data = {"gap_id": pd.array(rank, dtype="Int64"), "buildings": pd.array(count, dtype="Int64"),
            "households": hh_out, "village": village, "rank": pd.array(rank, dtype="Int64")}
    if risk is not None:
        data["risk"] = risk
    out = gpd.GeoDataFrame(data, geometry=polys, crs=crs)
    return out.sort_values("rank").reset_index(drop=True)


# -- spacing ---------------------------------------------------------------------------------------

def _empty_spacing(crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"road": pd.Series([], dtype=object), "from_hydrant": pd.Series([], dtype=object),
                             "to_hydrant": pd.Series([], dtype=object), "spacing_m": pd.Series([], dtype=float),
                             "rule": pd.Series([], dtype=object)}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def hydrant_spacing(roads: gpd.GeoDataFrame, hydrants: gpd.GeoDataFrame, *,
                    max_spacing_m: float | None = None, snap_m: float | None = None,
                    working_only: bool = True, rules: Mapping[str, Any] | None = None) -> gpd.GeoDataFrame:
    """Road stretches where consecutive hydrants are more than ``max_spacing_m`` apart.

    GB 50974-2014 7.2.5: hydrants along a road at most 120 m apart (``water.hydrant_spacing_m``).
    A *road* is the chain of road lines with the same ``name`` (lines merged where they meet;
    unnamed lines each on their own). Each working hydrant within ``snap_m`` (``water.spacing_snap_m``,
    15 m) of a road counts at its position along the nearest road; consecutive hydrants farther
    apart than the limit (measured along the road) flag the stretch between them.

    Returns
    -------
    GeoDataFrame
        Lines: ``road`` (name or road label), ``from_hydrant``, ``to_hydrant`` (hydrant labels),
        ``spacing_m``, ``rule``.
    """
    roads = check_frame(roads, "roads")
    hydrants = check_frame(hydrants, "hydrants")
    crs = roads.crs
    r = topic_rules(rules, "water")
    limit = _positive(r["hydrant_spacing_m"] if max_spacing_m is None else max_spacing_m, "water.hydrant_spacing_m")
    snap = _positive(r["spacing_snap_m"] if snap_m is None else snap_m, "water.spacing_snap_m")
    geoms = np.asarray(roads.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) & np.isin(shapely.get_type_id(geoms), (1, 2, 5))
    if not ok.any() or not len(hydrants):
        return _empty_spacing(crs)
    names = roads["name"].astype(object).where(roads["name"].notna(), "").astype(str).str.strip() \
        if "name" in roads.columns else pd.Series("", index=roads.index)
    names = names.to_numpy(dtype=object)[ok]
    labels = np.asarray(roads.index, dtype=object)[ok]
    g = geoms[ok]
    named = names != ""
    # chains: named roads merged per name, unnamed lines alone
    chain_geoms, chain_names = [], []
    if named.any():
        frame = gpd.GeoDataFrame({"key": names[named]}, geometry=g[named], crs=crs)
        merged = frame.dissolve(by="key")
        chain_geoms.append(shapely.line_merge(np.asarray(merged.geometry.values, dtype=object)))
        chain_names.append(np.asarray(merged.index, dtype=object))
    if (~named).any():
        chain_geoms.append(shapely.line_merge(g[~named]))
        chain_names.append(labels[~named].astype(str))
    chains = np.concatenate(chain_geoms)
    chain_name = np.concatenate(chain_names)
    parts, of = shapely.get_parts(chains, return_index=True)
    part_name = chain_name[of]
    types = shapely.get_type_id(parts)
    keep = types == 1
    parts, part_name = parts[keep], part_name[keep]
    if not len(parts):
        return _empty_spacing(crs)

    xy, has = point_locations(hydrants.geometry)
    use = has & (_working(hydrants) if working_only else True)
    hpos = np.nonzero(use)[0]
    if len(hpos) < 2:
        return _empty_spacing(crs)
    tree = shapely.STRtree(parts)
    pts = shapely.points(xy[hpos])
    hi, pi = tree.query_nearest(pts, max_distance=snap, all_matches=False)
    if len(hi) < 2:
        return _empty_spacing(crs)
    along = shapely.line_locate_point(parts[pi], pts[hi])
    order = np.lexsort((along, pi))
    hi, pi, along = hi[order], pi[order], along[order]
    nxt = (pi[1:] == pi[:-1]) & (along[1:] - along[:-1] > limit)
    k = np.nonzero(nxt)[0]
    if not len(k):
        return _empty_spacing(crs)
    chain_of = pi[k]
    a0, a1 = along[k], along[k + 1]
    # stretches as sub-lines of their chains, vectorised: vertices between a0 and a1 plus both ends
    coords, vpart = shapely.get_coordinates(parts, return_index=True)
    seg = np.hypot(*np.diff(coords, axis=0).T)
    same = vpart[1:] == vpart[:-1]
    step = np.r_[0.0, np.where(same, seg, 0.0)]
    cum = np.cumsum(step)
    first_of_part = np.r_[True, ~same]
    base = np.maximum.accumulate(np.where(first_of_part, cum, 0.0))
    along_v = cum - base
    lengths = shapely.length(parts)
    offset = np.r_[0.0, np.cumsum(lengths + 1.0)[:-1]]
    gv = offset[vpart] + along_v
    gs, ge = offset[chain_of] + a0, offset[chain_of] + a1
    idx = np.searchsorted(gs, gv, side="right") - 1
    inside = (idx >= 0) & (gv > gs[np.clip(idx, 0, None)]) & (gv < ge[np.clip(idx, 0, None)])
    start_pts = shapely.get_coordinates(shapely.line_interpolate_point(parts[chain_of], a0))
    end_pts = shapely.get_coordinates(shapely.line_interpolate_point(parts[chain_of], a1))
    n_st = len(k)
    all_xy = np.vstack([start_pts, coords[inside], end_pts])
    all_id = np.concatenate([np.arange(n_st), idx[inside], np.arange(n_st)])
    all_key = np.concatenate([gs, gv[inside], ge])
    o = np.lexsort((all_key, all_id))
    lines = shapely.linestrings(all_xy[o], indices=all_id[o])
    hlab = np.asarray(hydrants.index, dtype=object)[hpos]
    return gpd.GeoDataFrame({
        "road": part_name[chain_of],
        "from_hydrant": hlab[hi[k]],
        "to_hydrant": hlab[hi[k + 1]],
        "spacing_m": np.round(a1 - a0, 2),
        "rule": _rules.source("water.hydrant_spacing_m"),
    }, geometry=lines, crs=crs)
