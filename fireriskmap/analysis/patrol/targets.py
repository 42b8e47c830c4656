"""Patrol targets: the places a night patrol visits, chosen from the project and added by hand.

A target is one row of a GeoDataFrame (:data:`TARGET_COLUMNS`, point geometry = where the team
stops). Sources (:data:`SOURCES`):

``risk_areas``
    Areas of the risk layer by level (``level``: the standard scheme red/orange/yellow/blue, the
    older major/high/moderate/low, or the Wenzhou/Hainan schemes by rank, see :func:`risk_levels`);
    the stop is the building nearest the middle of the area's buildings (or a point inside the
    polygon when there are no buildings).
``clusters``
    Flagged contiguous clusters (集中连片); level by households (``patrol.cluster_red_households``,
    ``patrol.cluster_orange_households``).
``chimney``
    Chimney-building candidates (烟囱楼) grouped in ``patrol.chimney_cell_m`` squares, one stop per
    group; orange from ``patrol.chimney_orange_count`` candidates.
``key_places``
    Places of concern (``concern`` true): ``patrol.level_key_place``, red for
    ``patrol.key_place_red_types``; visit windows by kind (``patrol.key_place_windows``, e.g. a
    market after closing).
``hazards``
    Major hazards not yet closed: ``patrol.level_major_hazard``.

When the project has a risk layer, the default sources are the risk areas, the places of concern
and the major hazards (the risk score already weighs clusters and chimney buildings); without it,
all five raw sources. Each target gets its dwell time by kind, its visits per night by level
(``patrol.visits_<level>``: 2 = twice a night, 0.5 = every other night), ``must`` by level
(``patrol.must_levels``), a priority by level and what to check there.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from fireriskmap.analysis.network import check_frame, point_locations
from fireriskmap.analysis.patrol._common import (LEVELS, PatrolError, level_value, normalise_level,
                                                 patrol_rules)
from fireriskmap.analysis.patrol.timeline import window_s
from fireriskmap.i18n import Msg, tr

__all__ = ["TARGET_COLUMNS", "SOURCES", "select_targets", "manual_targets", "default_sources",
           "check_text", "empty_targets", "risk_levels", "target_window"]

TARGET_COLUMNS = ["target_id", "name", "kind", "level", "visits", "must", "priority", "dwell_min",
                  "window_start", "window_end", "checks", "village", "source", "source_id", "note"]
SOURCES = ("risk_areas", "clusters", "chimney", "key_places", "hazards")
_OPEN_STATUS = ("open", "rectifying", "overdue")


def empty_targets(crs) -> gpd.GeoDataFrame:
    """An empty targets frame with :data:`TARGET_COLUMNS`."""
    return gpd.GeoDataFrame({c: pd.Series([], dtype=object) for c in TARGET_COLUMNS},
                            geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def check_text(codes: Iterable[str], *, lang: str | None = None) -> str:
    """What to check, in words: ``["ebike", "passage"]`` → ``"电动车违规停放、充电；疏散通道…"``."""
    sep = "; " if (lang or "").startswith("en") else "；"
    return sep.join(tr(f"patrol.check.{c}", lang=lang) for c in codes or [])


def default_sources(layers: Mapping[str, gpd.GeoDataFrame]) -> tuple[str, ...]:
    """Risk areas + places of concern + major hazards when a risk layer exists, else all raw sources."""
    risk = layers.get("risk_areas")
    if risk is not None and len(risk):
        return ("risk_areas", "key_places", "hazards")
    return ("clusters", "chimney", "key_places", "hazards")


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    col = frame[name].astype(object)
    return col.where(col.notna(), None)


def _flag(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    col = frame[name]
    if col.dtype == bool:
        return col.to_numpy()
    return col.astype(object).map(lambda v: v is True or (isinstance(v, (np.bool_, int, np.integer))
                                                           and not isinstance(v, bool) and bool(v))
                                  or str(v).strip().lower() in ("true", "yes", "1", "是")).to_numpy(dtype=bool)


def _area_points(polys: gpd.GeoSeries, buildings: gpd.GeoDataFrame | None) -> np.ndarray:
    """A stop per polygon: the building nearest the mean of its buildings, else a point inside."""
    geoms = np.asarray(polys.values, dtype=object)
    xy, ok = point_locations(geoms)
    if buildings is None or not len(buildings) or not len(geoms):
        return xy
    bxy, bok = point_locations(buildings.geometry)
    bxy = bxy[bok]
    if not len(bxy):
        return xy
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    tree = shapely.STRtree(shapely.points(bxy))
    poly_pos, pt = tree.query(np.where(valid, geoms, None), predicate="contains")
    if not len(poly_pos):
        return xy
    frame = pd.DataFrame({"p": poly_pos, "x": bxy[pt, 0], "y": bxy[pt, 1]})
    mean = frame.groupby("p")[["x", "y"]].transform("mean")
    frame["d"] = np.hypot(frame["x"] - mean["x"], frame["y"] - mean["y"])
    best = frame.loc[frame.groupby("p")["d"].idxmin()]
    out = xy.copy()
    out[best["p"].to_numpy()] = best[["x", "y"]].to_numpy()
    return out


def _frame(rows: dict[str, Any], xy: np.ndarray, crs) -> gpd.GeoDataFrame:
    n = len(xy)
    data = {c: rows.get(c, [None] * n) for c in TARGET_COLUMNS}
    for c, v in data.items():
        data[c] = pd.Series(list(v) if not np.isscalar(v) else [v] * n, dtype=object)
    geom = shapely.points(xy) if n else np.array([], dtype=object)
    if n:
        bad = ~np.isfinite(xy).all(axis=1)
        if bad.any():
            geom = np.asarray(geom, dtype=object)
            geom[bad] = None
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geom, crs=crs), crs=crs)


#: Other four-level schemes of the risk layer (highest first) onto the patrol tiers red/orange/yellow/blue.
_SCHEMES = {"wenzhou": {"red": "red", "yellow": "orange", "grey": "yellow", "green": "blue"},
            "hainan": {"red": "red", "yellow": "orange", "blue": "yellow", "green": "blue"}}


def risk_levels(levels: pd.Series) -> pd.Series:
    """Risk-layer level codes as patrol tiers (``red``/``orange``/``yellow``/``blue``; ``None`` = unknown).

    The standard scheme (红橙黄蓝, or the older major/high/moderate/low codes) maps directly. The
    Wenzhou scheme (红黄灰绿: codes red, yellow, grey, green) and the Hainan scheme (红黄蓝绿: red,
    yellow, blue, green) are recognised by their codes (``grey`` or ``green`` present and no
    ``orange``) and mapped by rank: the second level is patrolled like orange, and so on.
    """
    codes = levels.astype(object).where(levels.notna(), None).map(lambda v: str(v).strip().lower() if v else None)
    present = set(codes.dropna())
    if "orange" not in present and present & {"green", "grey"}:
        table = _SCHEMES["wenzhou" if "grey" in present else "hainan"]
        out = codes.map(lambda v: table.get(v) if v else None)
    else:
        out = codes.map(normalise_level)
    return out.astype(object).where(out.notna(), None)


def _risk_targets(risk: gpd.GeoDataFrame, buildings, r: dict, lang) -> gpd.GeoDataFrame:
    level = risk_levels(risk["level"]) if "level" in risk.columns else pd.Series([None] * len(risk))
    ident = None
    for col in ("area_id", "unit_id", "id"):
        if col in risk.columns:
            ident = risk[col].astype(object).where(risk[col].notna(), None)
            break
    if ident is None:
        ident = pd.Series([str(i) for i in risk.index], index=risk.index, dtype=object)
    ident = [str(v) if v is not None else str(i) for v, i in zip(ident, risk.index)]
    names = _text(risk, "name")
    reasons = None
    for col in (("reasons_en",) if (lang or "").startswith("en") else ()) + ("reasons_zh", "reasons"):
        if col in risk.columns:
            reasons = _text(risk, col)
            break
    xy = _area_points(risk.geometry, buildings)
    name = [n if n else tr("patrol.name.risk_area", id=i, lang=lang) for n, i in zip(names, ident)]
    rows = {"target_id": [f"A:{i}" for i in ident], "name": name, "kind": "risk_area",
            "level": list(level), "dwell_min": float(r["dwell_risk_area_min"]),
            "checks": check_text(r["checks_risk_area"], lang=lang),
            "village": list(_text(risk, "village")) if "village" in risk.columns else list(names),
            "source": "risk_areas", "source_id": [str(i) for i in risk.index],
            "note": list(reasons) if reasons is not None else None}
    return _frame(rows, xy, risk.crs)


def _cluster_targets(clusters: gpd.GeoDataFrame, buildings, r: dict, lang) -> gpd.GeoDataFrame:
    flagged = _flag(clusters, "flagged")
    c = clusters[flagged]
    hh = pd.to_numeric(c["households"], errors="coerce").fillna(0).to_numpy() if "households" in c.columns \
        else np.zeros(len(c))
    red, orange = float(r["cluster_red_households"]), float(r["cluster_orange_households"])
    level = np.where(hh >= red, "red", np.where(hh >= orange, "orange", "yellow"))
    ids = [str(v) for v in (c["cluster_id"] if "cluster_id" in c.columns else c.index)]
    village = list(_text(c, "village"))
    xy = _area_points(c.geometry, buildings)
    name = [tr("patrol.name.cluster", village=v or "", id=i, households=int(h), lang=lang)
            for v, i, h in zip(village, ids, hh)]
    rows = {"target_id": [f"C:{i}" for i in ids], "name": name, "kind": "cluster", "level": list(level),
            "dwell_min": float(r["dwell_cluster_min"]), "checks": check_text(r["checks_cluster"], lang=lang),
            "village": village, "source": "clusters", "source_id": [str(i) for i in c.index],
            "note": list(_text(c, "flag_reason"))}
    return _frame(rows, xy, clusters.crs)


def _chimney_targets(buildings: gpd.GeoDataFrame, r: dict, lang) -> gpd.GeoDataFrame:
    if "chimney_candidate" not in buildings.columns:
        return empty_targets(buildings.crs)
    cand = buildings[_flag(buildings, "chimney_candidate")]
    if not len(cand):
        return empty_targets(buildings.crs)
    xy, ok = point_locations(cand.geometry)
    cand, xy = cand[ok], xy[ok]
    cell = float(r["chimney_cell_m"])
    if not cell > 0:
        raise PatrolError(problem=Msg("patrol.problem.setting", name="patrol.chimney_cell_m", value=cell))
    gx = np.floor(xy[:, 0] / cell).astype(np.int64)
    gy = np.floor(xy[:, 1] / cell).astype(np.int64)
    frame = pd.DataFrame({"gx": gx, "gy": gy, "x": xy[:, 0], "y": xy[:, 1],
                          "name": list(_text(cand, "name")), "village": list(_text(cand, "village")),
                          "label": [str(i) for i in cand.index]})
    frame["key"] = frame["gx"].astype(str) + "_" + frame["gy"].astype(str)
    mean = frame.groupby("key")[["x", "y"]].transform("mean")
    frame["d"] = np.hypot(frame["x"] - mean["x"], frame["y"] - mean["y"])
    rep = frame.loc[frame.groupby("key", sort=True)["d"].idxmin()].set_index("key")
    count = frame.groupby("key", sort=True).size()
    village = frame.groupby("key", sort=True)["village"].agg(
        lambda s: s.dropna().mode().iloc[0] if s.notna().any() else None)
    rep = rep.loc[count.index]
    level = np.where(count.to_numpy() >= float(r["chimney_orange_count"]), "orange", "yellow")
    name = [tr("patrol.name.chimney", place=(p or v or k), count=int(n), lang=lang)
            for p, v, k, n in zip(rep["name"], village, count.index, count)]
    rows = {"target_id": [f"H:{k}" for k in count.index], "name": name, "kind": "chimney", "level": list(level),
            "dwell_min": float(r["dwell_chimney_min"]), "checks": check_text(r["checks_chimney"], lang=lang),
            "village": list(village), "source": "buildings", "source_id": list(rep["label"]),
            "note": [tr("patrol.note.chimney", count=int(n), lang=lang) for n in count]}
    return _frame(rows, rep[["x", "y"]].to_numpy(), buildings.crs)


def _key_place_targets(places: gpd.GeoDataFrame, r: dict, lang) -> gpd.GeoDataFrame:
    from fireriskmap.core.spec import get_spec

    p = places[_flag(places, "concern")]
    xy, _ = point_locations(p.geometry)
    ptype = _text(p, "place_type")
    red_types = {str(t) for t in (r["key_place_red_types"] or [])}
    base = normalise_level(r["level_key_place"]) or "orange"
    level = [("red" if t in red_types else base) for t in ptype]
    by_type = dict(r["checks_by_type"] or {})
    checks = [check_text(by_type.get(t, r["checks_key_place"]), lang=lang) for t in ptype]
    windows = dict(r["key_place_windows"] or {})
    ws = [(windows.get(t) or [None, None])[0] for t in ptype]
    we = [(windows.get(t) or [None, None])[1] for t in ptype]
    try:
        field = get_spec("key_places").field("place_type")
    except Exception:  # pragma: no cover - spec always present
        field = None
    kind_label = [(field.enum_value(t).label(lang) if field is not None and t and field.enum_value(t) else (t or ""))
                  for t in ptype]
    names = [n if n else tr("patrol.name.key_place", id=str(i), lang=lang) for n, i in zip(_text(p, "name"), p.index)]
    ids = _text(p, "source_id")
    rows = {"target_id": [f"K:{s if s else i}" for s, i in zip(ids, p.index)], "name": names, "kind": "key_place",
            "level": level, "dwell_min": float(r["dwell_key_place_min"]), "checks": checks,
            "window_start": ws, "window_end": we, "village": list(_text(p, "village")),
            "source": "key_places", "source_id": [str(i) for i in p.index], "note": kind_label}
    return _frame(rows, xy, places.crs)


def _hazard_targets(hazards: gpd.GeoDataFrame, r: dict, lang) -> gpd.GeoDataFrame:
    from fireriskmap.core.spec import get_spec

    sev = _text(hazards, "severity").map(lambda v: str(v) if v else "")
    status = _text(hazards, "status").map(lambda v: str(v) if v else "open")
    h = hazards[(sev == "major").to_numpy() & status.isin(_OPEN_STATUS).to_numpy()]
    xy, _ = point_locations(h.geometry)
    spec = get_spec("hazards")

    def label(field: str, code) -> str:
        value = spec.field(field).enum_value(str(code)) if code else None
        return value.label(lang) if value else (str(code) if code else "")

    htype = [label("hazard_type", t) for t in _text(h, "hazard_type")]
    hstatus = [label("status", s) for s in _text(h, "status")]
    place = [a or u or str(i) for a, u, i in zip(_text(h, "address"), _text(h, "responsible_unit"), h.index)]
    deadline = [str(d)[:10] if d is not None and str(d) not in ("NaT", "nan", "None") else "—"
                for d in _text(h, "deadline")]
    level = normalise_level(r["level_major_hazard"]) or "red"
    name = [tr("patrol.name.hazard", place=p, type=t, lang=lang) for p, t in zip(place, htype)]
    base = check_text(r["checks_hazard"], lang=lang)
    checks = [tr("patrol.check.hazard_detail", base=base, type=t, status=s, deadline=d, lang=lang)
              for t, s, d in zip(htype, hstatus, deadline)]
    rows = {"target_id": [f"Z:{i}" for i in h.index], "name": name, "kind": "hazard", "level": level,
            "dwell_min": float(r["dwell_hazard_min"]), "checks": checks, "village": list(_text(h, "village")),
            "source": "hazards", "source_id": [str(i) for i in h.index],
            "note": list(_text(h, "measure"))}
    return _frame(rows, xy, hazards.crs)


def _finish(targets: gpd.GeoDataFrame, r: dict) -> gpd.GeoDataFrame:
    """Visits, must, priority by level where not given; types made plain."""
    t = targets.copy()
    lev = [normalise_level(v) for v in t["level"]]
    t["level"] = pd.Series(lev, index=t.index, dtype=object)
    must_levels = {normalise_level(v) for v in (r["must_levels"] or [])}

    def fill(col: str, values: list) -> None:
        cur = t[col].astype(object)
        t[col] = pd.Series([v if (c is None or (isinstance(c, float) and np.isnan(c))) else c
                            for c, v in zip(cur.where(cur.notna(), None), values)], index=t.index, dtype=object)

    fill("visits", [level_value(r, "visits", lv, 1.0) for lv in lev])
    fill("priority", [level_value(r, "priority", lv, 1.0) for lv in lev])
    fill("must", [lv in must_levels for lv in lev])
    fill("dwell_min", [float(r["dwell_manual_min"])] * len(t))
    t["visits"] = pd.to_numeric(t["visits"], errors="coerce").fillna(1.0).astype(float)
    t["priority"] = pd.to_numeric(t["priority"], errors="coerce").fillna(1.0).astype(float)
    t["dwell_min"] = pd.to_numeric(t["dwell_min"], errors="coerce").fillna(float(r["dwell_manual_min"])).astype(float)
    t["must"] = t["must"].map(lambda v: bool(v) if v is not None else False).astype(bool)
    for col in ("target_id", "name", "kind", "checks", "village", "source", "source_id", "note",
                "window_start", "window_end"):
        t[col] = t[col].astype(object).where(t[col].notna(), None)
    return t


def manual_targets(frame: gpd.GeoDataFrame | gpd.GeoSeries, *, rules: Mapping[str, Any] | None = None,
                   lang: str | None = None) -> gpd.GeoDataFrame:
    """Targets added by hand (驻点值守 posts, a market after closing, ...).

    ``frame`` holds points (polygons are visited at a point inside) and any of
    :data:`TARGET_COLUMNS`; missing values come from the rules (``kind`` ``"manual"``, dwell
    ``patrol.dwell_manual_min``, visits/priority/must by ``level``; without a level: must-visit,
    once, at orange priority). A fixed-post watch (驻点值守) is a target with a long ``dwell_min``
    and a window. Not modified.
    """
    frame = check_frame(frame, "manual")
    r = patrol_rules(rules)
    xy, _ = point_locations(frame.geometry)
    rows: dict[str, Any] = {}
    for col in TARGET_COLUMNS:
        if col in frame.columns:
            series = frame[col].astype(object)
            rows[col] = list(series.where(series.notna(), None))
    ids = rows.get("target_id") or [None] * len(frame)
    rows["target_id"] = [str(v) if v is not None else f"M:{i}" for v, i in zip(ids, frame.index)]
    names = rows.get("name") or [None] * len(frame)
    rows["name"] = [n if n else tr("patrol.name.manual", id=str(i), lang=lang) for n, i in zip(names, frame.index)]
    rows["kind"] = [k if k else "manual" for k in (rows.get("kind") or [None] * len(frame))]
    rows["checks"] = [c if c else check_text(r["checks_key_place"], lang=lang)
                      for c in (rows.get("checks") or [None] * len(frame))]
    rows.setdefault("source", "manual")
    rows["source_id"] = [str(i) for i in frame.index]
    # a place added by hand without a level is meant to be visited: must, once, orange priority
    levels = rows.get("level") or [None] * len(frame)
    musts = rows.get("must") or [None] * len(frame)
    rows["must"] = [m if m is not None else (True if normalise_level(lv) is None else None)
                    for m, lv in zip(musts, levels)]
    prios = rows.get("priority") or [None] * len(frame)
    rows["priority"] = [p if p is not None else (float(r["priority_orange"]) if normalise_level(lv) is None else None)
                        for p, lv in zip(prios, levels)]
    return _finish(_frame(rows, xy, frame.crs), r)


def select_targets(layers: Mapping[str, gpd.GeoDataFrame], *, levels: Iterable[str] | None = ("red", "orange"),
                   sources: Iterable[str] | None = None, manual: gpd.GeoDataFrame | None = None,
                   rules: Mapping[str, Any] | None = None, lang: str | None = None) -> gpd.GeoDataFrame:
    """The patrol targets of a project, as a new GeoDataFrame (the layers are not modified).

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        The project's layers by kind (``project.layers`` works): ``risk_areas``, ``clusters``,
        ``buildings`` (with the ``chimney_candidate`` column of ``fireriskmap analyse``),
        ``key_places``, ``hazards``. Missing layers are skipped.
    levels : iterable of str, optional
        Levels to keep (any spelling :func:`normalise_level` knows); ``None`` keeps every level.
        Manual targets are always kept.
    sources : iterable of str, optional
        Any of :data:`SOURCES`; default :func:`default_sources`.
    manual : GeoDataFrame, optional
        Targets added by hand (see :func:`manual_targets`).
    rules : mapping, optional
        Overrides of ``patrol.*`` rules (e.g. ``project.settings``).
    lang : str, optional
        Language of the generated names and check lists (default: current language).

    Returns
    -------
    GeoDataFrame
        :data:`TARGET_COLUMNS` and point geometry in the layers' CRS; ``target_id`` is unique
        (``A:`` risk area, ``C:`` cluster, ``H:`` chimney group, ``K:`` key place, ``Z:`` hazard).
    """
    r = patrol_rules(rules)
    chosen = list(default_sources(layers) if sources is None else sources)
    unknown = [s for s in chosen if s not in SOURCES]
    if unknown:
        raise PatrolError(problem=Msg("patrol.problem.sources", value=", ".join(map(str, unknown)),
                                      choices=", ".join(SOURCES)))
    keep = None
    if levels is not None:
        keep = set()
        for lv in levels:
            norm = normalise_level(lv)
            if norm is None:
                raise PatrolError(problem=Msg("patrol.problem.level", value=str(lv), choices=", ".join(LEVELS)))
            keep.add(norm)
    buildings = layers.get("buildings")
    if buildings is not None:
        buildings = check_frame(buildings, "buildings")
    parts: list[gpd.GeoDataFrame] = []
    crs = None
    for source in chosen:
        kind = "buildings" if source == "chimney" else source
        frame = layers.get(kind)
        if frame is None or not len(frame):
            continue
        frame = check_frame(frame, kind)
        crs = crs or frame.crs
        if source == "risk_areas":
            part = _risk_targets(frame, buildings, r, lang)
        elif source == "clusters":
            part = _cluster_targets(frame, buildings, r, lang)
        elif source == "chimney":
            part = _chimney_targets(frame, r, lang)
        elif source == "key_places":
            part = _key_place_targets(frame, r, lang)
        else:
            part = _hazard_targets(frame, r, lang)
        if len(part):
            parts.append(_finish(part, r))
    if parts:
        out = pd.concat(parts, ignore_index=True)
        out = gpd.GeoDataFrame(out, geometry="geometry", crs=crs)
        if keep is not None:
            out = out[out["level"].isin(keep)]
    else:
        out = empty_targets(crs)
    if manual is not None and len(manual):
        extra = manual_targets(manual, rules=rules, lang=lang)
        if crs is not None and extra.crs is not None and not extra.crs.equals(crs):
            extra = extra.to_crs(crs)
        out = gpd.GeoDataFrame(pd.concat([out, extra], ignore_index=True), geometry="geometry",
                               crs=crs or extra.crs)
    out = out.reset_index(drop=True)
    dup = out["target_id"].duplicated(keep=False)
    if dup.any():  # ids must be unique: number repeats
        n = out.groupby("target_id").cumcount()
        out.loc[dup, "target_id"] = out.loc[dup, "target_id"] + "#" + (n[dup] + 1).astype(str)
    for col in TARGET_COLUMNS:
        if col not in out.columns:
            out[col] = None
    return out[TARGET_COLUMNS + ["geometry"]]


def target_window(row: Mapping[str, Any]) -> tuple[int, int] | None:
    """The target's time window on the night timeline, or ``None`` when it has none."""
    a, b = row.get("window_start"), row.get("window_end")
    if a is None and b is None:
        return None
    a = "12:00" if a is None else a
    b = "11:59" if b is None else b
    return window_s(a, b)
