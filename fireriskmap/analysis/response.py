"""Response of the fire forces: arrival time at every building from every force, first-due areas.

For every building and every force (``fire_stations`` layer) the arrival time is

    turnout delay + travel on the roads that force can use + the walked off-road legs

* **turnout** (seconds): the station's own ``turnout_s`` when recorded, else by ``force_type``:
  ``response.turnout_professional_s`` / ``_government_s`` (60 s, GB 51080-2015 4.1.3),
  ``_volunteer_s`` (300 s; practice 3–5 min), ``_micro_s`` (60 s, 公消〔2015〕301号);
* **travel**: by the station's ``travel_mode`` — ``engine`` on roads passable by fire engines
  (width ≥ 4 m or unknown, see :mod:`~fireriskmap.analysis.network`) at the road-class speed;
  ``light_vehicle``, ``ebike``, ``foot`` at their speeds on the roads they can use. A micro station
  without a mode uses ``response.micro_travel_mode`` (e-bike); other forces drive engines;
* **off-road legs** (station to road, road to building) are walked at ``response.speed_offroad_kmh``.

Per building (aligned to the buildings' index): ``response_s`` (first arrival, seconds; NaN when no
force arrives within ``response.max_time_s``), ``first_due_station`` (name), ``first_due_type``,
``first_due_id`` (label in the stations layer), ``within_5min`` (first arrival ≤
``response.headline_s`` = 300 s, GB 51080-2015 4.1.3), ``meets_target`` (some force arrives within
*its own* target: 5 min for professional/government/volunteer, 3 min for micro stations), and
``response_status``. The full building × station time table is ``result.times``.

Areas (``layers/response_areas.toml``): **first-due areas** (one polygon per force: where it arrives
first) and **isochrone bands** (first arrival within 3, 5, 8, 10 min — bands are disjoint, ``band_min``
is the upper bound). Both are built from arrival times at points sampled along every road
(``response.area_sample_m``) and at the buildings: the Voronoi cells of those points, merged by
label (``shapely.coverage_union_all``); "empty land" points farther than ``response.area_reach_m``
from any sample keep the polygons close to roads and buildings. The polygons of one kind never
overlap.

A station farther than ``network.max_snap_m`` from any road it can use (an engine station with no
passable road) is left out with a message; a station on a road part not connected to the main
network is kept (it serves its own part) and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from fireriskmap.analysis import rules as _rules
from fireriskmap.analysis.network import (SNAP_TOO_FAR, AnalysisInputError, RoadGraph, _examples, _positive,
                                          check_frame, point_locations, road_graph, topic_rules, travel_speeds)
from fireriskmap.i18n import Msg
from fireriskmap.progress import ProgressFn, null_progress, sub_progress

__all__ = ["ResponseResult", "response_times", "station_table", "FORCE_TYPES", "TRAVEL_MODES"]

FORCE_TYPES = ("professional", "government", "volunteer", "micro")
TRAVEL_MODES = ("engine", "light_vehicle", "ebike", "foot")
STATUS = ("ok", "no_geometry", "unreachable")


@dataclass(eq=False)
class ResponseResult:
    """What :func:`response_times` returns.

    Attributes
    ----------
    buildings : DataFrame
        Per building: ``response_s``, ``first_due_station``, ``first_due_type``, ``first_due_id``,
        ``within_5min``, ``meets_target``, ``response_status``.
    times : DataFrame
        Arrival time in seconds, buildings × stations (columns: station labels); NaN = not within
        ``response.max_time_s`` or unreachable.
    stations : DataFrame
        Per station: ``name``, ``force_type``, ``travel_mode``, ``turnout_s``, ``target_s``,
        ``status`` (``ok``/``no_geometry``/``no_road``), ``offroad_m``, ``part_length_m`` (road
        length of its network part), ``first_due_buildings``, ``first_due_households``.
    areas : GeoDataFrame
        First-due areas and isochrone bands (``station``, ``band_min``, ``area_kind``).
    by_village : DataFrame
        Per village (index): ``buildings``, ``reached``, ``share_buildings``, ``households``,
        ``households_reached``, ``share_households`` (reached = within 5 min).
    summary : dict
        Headline figures (JSON-ready).
    issues : list of Msg
    """

    buildings: pd.DataFrame
    times: pd.DataFrame
    stations: pd.DataFrame
    areas: gpd.GeoDataFrame
    by_village: pd.DataFrame
    summary: dict[str, Any]
    issues: list[Msg] = field(default_factory=list)


def _text(frame: pd.DataFrame, name: str, default: Any = None) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), default, dtype=object)
    col = frame[name].astype(object)
    return col.where(col.notna(), default).to_numpy(dtype=object)


def station_table(stations: gpd.GeoDataFrame, *, rules: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Per station: name, force type, travel mode, turnout and target in seconds, network profile.

    Missing ``force_type`` → volunteer (the layer default); missing ``turnout_s`` → by force type;
    missing ``travel_mode`` → ``response.micro_travel_mode`` for micro stations, engine otherwise.
    """
    r = topic_rules(rules, "response")
    names = _text(stations, "name")
    names = np.array([str(n) if n not in (None, "") else str(i) for n, i in zip(names, stations.index)], dtype=object)
    ftype = _text(stations, "force_type", "volunteer")
    ftype = np.where(np.isin(ftype.astype(str), FORCE_TYPES), ftype, "volunteer").astype(object)
    micro_mode = str(r["micro_travel_mode"])
    if micro_mode not in TRAVEL_MODES:
        raise AnalysisInputError(layer="rules", problem=Msg("network.problem.setting",
                                                            name="response.micro_travel_mode", value=micro_mode))
    mode = _text(stations, "travel_mode", None)
    default_mode = np.where(ftype == "micro", micro_mode, "engine")
    mode = np.where(np.isin(mode.astype(str), TRAVEL_MODES), mode, default_mode).astype(object)
    turnout_rule = {t: _positive(r[f"turnout_{t}_s"], f"response.turnout_{t}_s", zero=True) for t in FORCE_TYPES}
    target_rule = {t: _positive(r[f"target_{t}_s"], f"response.target_{t}_s") for t in FORCE_TYPES}
    own = pd.to_numeric(stations["turnout_s"], errors="coerce").to_numpy(dtype=float) \
        if "turnout_s" in stations.columns else np.full(len(stations), np.nan)
    by_type = np.array([turnout_rule[t] for t in ftype], dtype=float)
    turnout = np.where(np.isfinite(own) & (own >= 0), own, by_type)
    target = np.array([target_rule[t] for t in ftype], dtype=float)
    return pd.DataFrame({"name": names, "force_type": ftype, "travel_mode": mode, "turnout_s": turnout,
                         "target_s": target}, index=stations.index)


def response_times(buildings: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None = None,
                   stations: gpd.GeoDataFrame | None = None, *, graph: RoadGraph | None = None,
                   areas: bool = True, clip: Any = None, rules: Mapping[str, Any] | None = None,
                   progress: ProgressFn | None = None) -> ResponseResult:
    """Arrival time of every force at every building; first-due force, areas and shares.

    Parameters
    ----------
    buildings : GeoDataFrame
        Footprints or points (metric CRS); optional ``households``, ``village``.
    roads : GeoDataFrame, optional
        The roads layer (unless ``graph`` is given; the graph is cached per roads layer).
    stations : GeoDataFrame
        The ``fire_stations`` layer: ``name``, ``force_type``, ``turnout_s``, ``travel_mode``.
    graph : RoadGraph, optional
        A prebuilt graph.
    areas : bool
        Also build first-due areas and isochrone bands.
    clip : shapely geometry or GeoDataFrame, optional
        Clip the areas to this (e.g. the villages or township boundary).
    rules : mapping, optional
        Overrides of ``response.*`` and ``network.*`` (e.g. ``project.settings``).
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    ResponseResult
        Inputs are never modified.

    Raises
    ------
    AnalysisInputError
        Missing buildings, stations or roads; no station usable at all (every one lacks a road).
    CRSError
        Geographic or missing CRS.
    """
    progress = progress or null_progress
    buildings = check_frame(buildings, "buildings")
    stations = check_frame(stations, "fire_stations")
    if not len(stations):
        raise AnalysisInputError(layer="fire_stations", problem=Msg("response.problem.no_stations"))
    r = topic_rules(rules, "response")
    speeds = travel_speeds(rules)
    max_time = _positive(r["max_time_s"], "response.max_time_s")
    headline = _positive(r["headline_s"], "response.headline_s")
    if graph is None:
        if roads is None:
            raise AnalysisInputError(layer="roads", problem=Msg("water.problem.no_roads"))
        graph = road_graph(roads, rules=rules, progress=sub_progress(progress, 0.0, 0.3))
    graph.check_crs(buildings, "buildings")
    graph.check_crs(stations, "fire_stations")
    issues: list[Msg] = list(graph.issues)
    table = station_table(stations, rules=rules)
    sxy, s_ok = point_locations(stations.geometry)
    bxy, b_ok = point_locations(buildings.geometry)
    if (~b_ok).any():
        issues.append(Msg("water.issue.buildings_no_geometry", count=int((~b_ok).sum()),
                          examples=_examples(buildings.index[~b_ok])))
    n_b, n_s = len(buildings), len(stations)
    times = np.full((n_b, n_s), np.inf)
    st_status = np.where(s_ok, "ok", "no_geometry").astype(object)
    st_off = np.full(n_s, np.nan)
    st_part = np.full(n_s, np.nan)
    samples = graph.sample(_positive(r["area_sample_m"], "response.area_sample_m")) if areas else None
    sample_times = np.full((len(samples) if samples is not None else 0, n_s), np.inf)
    if (~s_ok).any():
        issues.append(Msg("response.issue.station_no_geometry", names=_examples(table["name"][~s_ok])))

    modes = [m for m in TRAVEL_MODES if ((table["travel_mode"] == m) & s_ok).any()]
    for step, mode in enumerate(modes):
        progress(0.3 + 0.5 * step / max(len(modes), 1), Msg("response.progress.mode", mode=mode).render())
        group = np.nonzero((table["travel_mode"].to_numpy() == mode) & s_ok)[0]
        profile = mode
        s_snap = graph.snap(sxy[group], profile=profile)
        st_off[group] = s_snap.offroad_m
        far = s_snap.status == SNAP_TOO_FAR
        if far.any():
            st_status[group[far]] = "no_road"
            key = "response.issue.station_no_passable_road" if profile == "engine" else "response.issue.station_no_road"
            issues.append(Msg(key, names=_examples(table["name"].to_numpy()[group[far]]),
                              limit=f"{graph.settings['max_snap_m']:g}"))
        comps = graph.engine_components if profile == "engine" else graph.components
        att = s_snap.attached
        if att.any():
            label = comps.edge_label[s_snap.edge[att]]
            part_len = comps.length_m[np.clip(label, 0, None)]
            st_part[group[att]] = part_len
            lonely = (label > 0)
            if lonely.any():
                issues.append(Msg("response.issue.station_separate_part",
                                  names=_examples(table["name"].to_numpy()[group[att][lonely]]),
                                  length=f"{part_len[lonely].min():.0f}"))
        b_snap = graph.snap(bxy, profile=profile, index=buildings.index)
        turnout = table["turnout_s"].to_numpy(dtype=float)[group]
        times[:, group] = graph.cost_matrix(s_snap, b_snap, profile=profile, speeds=speeds, extra=turnout,
                                            limit=max_time).T
        if samples is not None:
            mask = graph.edge_mask(profile)
            spos = np.arange(len(samples)) if mask is None else np.nonzero(mask[samples.edge])[0]
            sub = samples.take(spos)
            sample_times[np.ix_(spos, group)] = graph.cost_matrix(s_snap, sub, profile=profile, speeds=speeds,
                                                                  extra=turnout, limit=max_time).T
    usable = st_status == "ok"
    if not usable.any():
        raise AnalysisInputError(layer="fire_stations", problem=Msg("response.problem.no_usable_station",
                                                                   limit=f"{graph.settings['max_snap_m']:g}"))

    progress(0.8, Msg("response.progress.first_due").render())
    best = times.min(axis=1) if n_s else np.full(n_b, np.inf)
    first = np.argmin(times, axis=1) if n_s else np.zeros(n_b, dtype=np.int64)
    reached = np.isfinite(best)
    target = table["target_s"].to_numpy(dtype=float)
    meets = (times <= target[None, :] + 1e-9).any(axis=1)
    names = table["name"].to_numpy(dtype=object)
    types = table["force_type"].to_numpy(dtype=object)
    labels = np.asarray(stations.index, dtype=object)
    status = np.where(~b_ok, 1, np.where(reached, 0, 2))

    def masked(values: np.ndarray) -> np.ndarray:
        out = np.full(n_b, None, dtype=object)
        out[reached] = values[first[reached]]
        return out

    within = pd.array(best <= headline + 1e-9, dtype="boolean")
    within[~b_ok] = pd.NA
    meets_arr = pd.array(meets, dtype="boolean")
    meets_arr[~b_ok] = pd.NA
    result = pd.DataFrame({
        "response_s": np.where(reached, best, np.nan),
        "first_due_station": masked(names),
        "first_due_type": masked(types),
        "first_due_id": masked(labels),
        "within_5min": within,
        "meets_target": meets_arr,
        "response_status": np.asarray(STATUS, dtype=object)[status],
    }, index=buildings.index)
    times_frame = pd.DataFrame(np.where(np.isfinite(times), times, np.nan), index=buildings.index,
                               columns=stations.index)

    hh = pd.to_numeric(buildings["households"], errors="coerce").to_numpy(dtype=float) \
        if "households" in buildings.columns else np.full(n_b, np.nan)
    fd_count = np.bincount(first[reached], minlength=n_s) if n_s else np.zeros(0)
    fd_hh = np.bincount(first[reached], weights=np.where(np.isfinite(hh[reached]), hh[reached], 0.0), minlength=n_s)
    st_frame = table.copy()
    st_frame["status"] = st_status
    st_frame["offroad_m"] = st_off
    st_frame["part_length_m"] = st_part
    st_frame["first_due_buildings"] = fd_count.astype(np.int64)
    st_frame["first_due_households"] = fd_hh

    by_village = _village_shares(buildings, result, hh, b_ok)
    area_frame = _empty_areas(buildings.crs)
    if areas:
        progress(0.85, Msg("response.progress.areas").render())
        area_frame = _areas(graph, samples, sample_times, bxy[b_ok], times[b_ok], names, r, clip,
                            buildings.crs)
    valid = b_ok
    n_valid = int(valid.sum())
    hh_known = valid & np.isfinite(hh)
    hh_total = float(hh[hh_known].sum())
    within_np = (best <= headline + 1e-9) & valid
    summary = {
        "buildings": int(n_b),
        "buildings_analysed": int(valid.sum()),
        "stations": int(n_s),
        "stations_used": int(usable.sum()),
        "reached": int((reached & valid).sum()),
        "within_5min": int(within_np.sum()),
        "share_5min": round(int(within_np.sum()) / n_valid, 4) if n_valid else None,
        "households_share_5min": round(float(hh[hh_known & within_np].sum()) / hh_total, 4)
        if hh_total > 0 else None,
        "meets_target": int((meets & valid).sum()),
        "median_response_s": round(float(np.median(best[reached & valid])), 1) if (reached & valid).any() else None,
        "headline_s": headline,
        "rule": _rules.source("response.headline_s"),
    }
    progress(1.0, Msg("response.progress.done").render())
    return ResponseResult(result, times_frame, st_frame, area_frame, by_village, summary, issues)


def _village_shares(buildings: pd.DataFrame, result: pd.DataFrame, hh: np.ndarray, ok: np.ndarray) -> pd.DataFrame:
    village = _text(buildings, "village", "")
    within = result["within_5min"].fillna(False).to_numpy(dtype=bool)
    frame = pd.DataFrame({"village": village, "b": ok.astype(int), "reached": (within & ok).astype(int),
                          "hh": np.where(ok & np.isfinite(hh), hh, 0.0),
                          "hh_reached": np.where(ok & within & np.isfinite(hh), hh, 0.0)})
    g = frame.groupby("village", sort=True)[["b", "reached", "hh", "hh_reached"]].sum()
    total = g.sum().rename("__all__")
    g = pd.concat([g, total.to_frame().T])
    out = pd.DataFrame({"buildings": g["b"].astype(np.int64), "reached": g["reached"].astype(np.int64),
                        "share_buildings": np.where(g["b"] > 0, g["reached"] / g["b"].where(g["b"] > 0, 1), np.nan),
                        "households": g["hh"], "households_reached": g["hh_reached"],
                        "share_households": np.where(g["hh"] > 0, g["hh_reached"] / g["hh"].where(g["hh"] > 0, 1),
                                                     np.nan)}, index=g.index)
    out.index.name = "village"
    return out


def _empty_areas(crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"station": pd.Series([], dtype=object), "band_min": pd.Series([], dtype=float),
                             "area_kind": pd.Series([], dtype=object)}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def _areas(graph: RoadGraph, samples, sample_times, bxy, btimes, names, r, clip, crs) -> gpd.GeoDataFrame:
    """First-due areas and isochrone bands from Voronoi cells of labelled points (see module doc)."""
    reach = _positive(r["area_reach_m"], "response.area_reach_m")
    bands = np.sort(np.asarray([float(b) for b in (r["bands_min"] or [])], dtype=float))
    xy = np.vstack([samples.xy, bxy]) if len(bxy) else samples.xy
    t = np.vstack([sample_times, btimes]) if len(bxy) else sample_times
    if not len(xy) or t.shape[1] == 0:
        return _empty_areas(crs)
    best = t.min(axis=1)
    first = np.where(np.isfinite(best), np.argmin(t, axis=1), -1)
    # one point per location
    key = np.round(xy, 2)
    _, keep = np.unique(key[:, 0] + 1j * key[:, 1], return_index=True)
    xy, best, first = xy[keep], best[keep], first[keep]
    # "empty land" points keep cells near roads and buildings
    lo, hi = xy.min(axis=0) - 2 * reach, xy.max(axis=0) + 2 * reach
    gx, gy = np.meshgrid(np.arange(lo[0], hi[0] + reach, reach), np.arange(lo[1], hi[1] + reach, reach))
    ghosts = np.column_stack([gx.ravel(), gy.ravel()])
    tree = shapely.STRtree(shapely.points(xy))
    near = np.unique(tree.query(shapely.points(ghosts), predicate="dwithin", distance=reach)[0])
    ghosts = np.delete(ghosts, near, axis=0)
    all_xy = np.vstack([xy, ghosts])
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(all_xy), ordered=True))
    if len(cells) != len(all_xy):  # degenerate input (e.g. all points on one line): no areas
        return _empty_areas(crs)
    cells = cells[: len(xy)]
    clip_geom = None
    if clip is not None:
        clip_geom = shapely.union_all(np.asarray(clip.geometry.values, dtype=object)) \
            if isinstance(clip, (gpd.GeoDataFrame, gpd.GeoSeries)) else clip
    rows_station, rows_band, rows_kind, rows_geom = [], [], [], []

    def add(mask: np.ndarray, station, band, kind) -> None:
        if not mask.any():
            return
        geom = shapely.coverage_union_all(cells[mask])
        if clip_geom is not None:
            geom = shapely.intersection(geom, clip_geom)
        if geom is None or shapely.is_empty(geom):
            return
        rows_station.append(station)
        rows_band.append(band)
        rows_kind.append(kind)
        rows_geom.append(geom)

    for k, name in enumerate(names):
        add(first == k, name, np.nan, "first_due")
    if len(bands):
        band_idx = np.searchsorted(bands * 60.0, best, side="left")
        for i, b in enumerate(bands):
            add(np.isfinite(best) & (band_idx == i), None, float(b), "isochrone")
    if not rows_geom:
        return _empty_areas(crs)
    return gpd.GeoDataFrame({"station": np.asarray(rows_station, dtype=object),
                             "band_min": np.asarray(rows_band, dtype=float),
                             "area_kind": np.asarray(rows_kind, dtype=object)},
                            geometry=rows_geom, crs=crs)
