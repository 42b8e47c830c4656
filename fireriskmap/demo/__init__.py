"""The demo township: a deterministic, synthetic Guizhou-style mountain township (枫岭镇).

:func:`generate` builds a :class:`~fireriskmap.core.project.Project` with every input layer filled
— buildings, villages, roads, hydrants, water sources, fire stations, key places, past incidents and
open hazards — from a seed alone: the same seed gives byte-for-byte the same layers on every run
(numpy ``default_rng`` streams, no time, locale or set ordering involved). :func:`build_demo`
saves it as a project file; ``fireriskmap demo OUT.gpkg`` calls it.

The township is fictitious. It sits in a river valley at about 108.0°E, 26.6°N (south-east
Guizhou), in CGCS2000 / 3-degree Gauss–Krüger CM 108E (EPSG:4545):

- a town seat (镇区) along the valley: an old town of shop-houses (下店上宅, many of them 烟囱楼
  candidates) and self-built houses in narrow lanes, a new town with high-rise estates, a school,
  a middle school, a kindergarten, the health centre (卫生院), the nursing home (敬老院), the market,
  a petrol station and the township's government full-time fire team;
- an industrial park of steel and sandwich-panel sheds, some with people sleeping inside (三合一);
- villages on the hillsides, their timber and brick-timber houses packed in contour-like rows
  into contiguous clusters (集中连片村寨) of well over 50 households;
- a road network from the provincial road down to village lanes narrower than 4 m.
"""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from fireriskmap.core.crs import gk3_zone_epsg
from fireriskmap.core.project import Project
from fireriskmap.demo import _names as N
from fireriskmap.demo._buildings import PARK_T, Table, building_attributes
from fireriskmap.demo._features import AS_OF, hydrant_table, hydrants, label_points, township_boundary, \
    village_polygons, village_table, water_sources, water_table
from fireriskmap.demo._geom import node_roads, to_world
from fireriskmap.demo._layout import Layout, assemble_buildings, build_park, build_town, build_village_roads, \
    build_villages, scatter_houses
from fireriskmap.demo._ledger import campaign_history
from fireriskmap.demo._places import Picker, fire_forces, hazard_table, hazards, incident_table, incidents, \
    key_place_table, key_places, station_table
from fireriskmap.i18n import tr
from fireriskmap.progress import ProgressFn, null_progress

__all__ = ["DEFAULT_SEED", "DEFAULT_VILLAGES", "DEMO_AS_OF", "DEMO_CRS", "generate", "build_demo"]

DEFAULT_SEED = 20261126
DEFAULT_VILLAGES = 26
DEMO_AS_OF = AS_OF
CENTRE_LONLAT = (108.0, 26.6)
DEMO_CRS = f"EPSG:{gk3_zone_epsg(CENTRE_LONLAT[0])}"   # CGCS2000 / 3-degree GK CM 108E = EPSG:4545
# (108.0°E, 26.6°N) on EPSG:4545, rounded; the valley runs WSW-ENE
ORIGIN = (500_000.0, 2_943_310.0)
ROTATION = 0.30
MAX_VILLAGES = len(N.ADMIN_VILLAGES) + len(N.NATURAL_VILLAGES)

LAYER_ORDER = ("villages", "roads", "buildings", "hydrants", "water_sources", "fire_stations", "key_places",
               "incidents", "hazards")


def _streams(seed: int, n: int) -> list[np.random.Generator]:
    """Independent random streams per stage, so changing one stage leaves the others as they were."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


def _building_names(rng, b: dict, zone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Addresses: '民族路23号', '上寨村3组12号', '枫岭木业有限公司2号厂房', '锦绣家园3栋'."""
    n = len(zone)
    name = b["name"].copy()
    tmpl = b["template"]
    enterprise = np.full(n, None, dtype=object)
    frame = pd.DataFrame({"row": b["row"], "along": b["along"], "group": b["group"], "parity": b["parity"]})
    # the park: contiguous runs of sheds belong to one enterprise
    park = np.flatnonzero(np.isin(tmpl, PARK_T) & (b["row"] >= 0))
    if len(park):
        order = park[np.lexsort((b["along"][park], b["row"][park]))]
        share = np.cumsum(rng.dirichlet(np.full(len(N.ENTERPRISES), 2.0)))
        ent_id = np.minimum(np.searchsorted(share, (np.arange(len(order)) + 0.5) / len(order)), len(N.ENTERPRISES) - 1)
        enterprise[order] = np.array(N.ENTERPRISES, dtype=object)[ent_id]
        no = pd.Series(ent_id).groupby(ent_id).cumcount().to_numpy() + 1
        word = {"warehouse": "仓库", "factory": "厂房", "park_office": "办公楼", "park_dorm": "员工宿舍"}
        name[order] = [f"{e}{k}号{word[t]}" for e, k, t in zip(enterprise[order], no, tmpl[order])]
    rows = np.flatnonzero((b["row"] >= 0) & ~np.isin(tmpl, PARK_T))
    sub = frame.iloc[rows].copy()
    sub["i"] = rows
    sub = sub.sort_values(["row", "along"], kind="stable")
    k = sub.groupby(["group", "parity"], sort=False).cumcount().to_numpy()
    par = sub["parity"].to_numpy()
    number = np.where(par == 1, 2 * k + 1, np.where(par == 2, 2 * k + 2, k + 1))
    name[sub["i"].to_numpy()] = [f"{g}{no}号" for g, no in zip(sub["group"].to_numpy(), number)]
    loose = np.flatnonzero(b["row"] < 0)
    loose = loose[np.array([name[i] is None for i in loose], dtype=bool)] if len(loose) else loose
    if len(loose):
        groups = np.array([f"{z}沿路" for z in zone[loose]], dtype=object)
        k = pd.Series(groups).groupby(groups, sort=False).cumcount().to_numpy() + 1
        name[loose] = [f"{g}{no}号" for g, no in zip(groups, k)]
    return name, enterprise


def _frame(table: Table, geoms_local, *, drop=()) -> gpd.GeoDataFrame:
    frame = table.frame()
    geoms = to_world(np.asarray(geoms_local, dtype=object), ORIGIN, ROTATION)
    return gpd.GeoDataFrame(frame.drop(columns=list(drop)), geometry=geoms, crs=DEMO_CRS)


def generate(*, seed: int = DEFAULT_SEED, n_villages: int | None = None,
             progress: ProgressFn | None = None) -> Project:
    """Generate the demo township as a new, unsaved project.

    Parameters
    ----------
    seed
        Seed of the random streams; the same seed gives identical layers.
    n_villages
        Number of villages (行政村 and 自然村) on the hills, 1 to 36; default 26. The town's two
        communities (社区) come on top.
    progress
        ``progress(fraction, message)`` callback; may raise :class:`~fireriskmap.errors.Cancelled`.

    Returns
    -------
    Project
        CRS EPSG:4545; layers villages, roads, buildings, hydrants, water_sources, fire_stations,
        key_places, incidents, hazards. ``project.metadata`` carries ``demo_seed`` and
        ``demo_as_of`` (the date the hazard ledger is "as of").
    """
    report = progress or null_progress
    n_villages = DEFAULT_VILLAGES if n_villages is None else int(n_villages)
    if not 1 <= n_villages <= MAX_VILLAGES:
        raise ValueError(f"n_villages must be between 1 and {MAX_VILLAGES}, not {n_villages}")
    started = time.perf_counter()
    r_town, r_park, r_vil, r_roads, r_scatter, r_pack, r_attr, r_names, r_pts, r_places, r_inc, r_haz, r_vt = \
        _streams(int(seed), 13)

    report(0.0, tr("demo.progress.layout"))
    L = Layout()
    build_town(L, r_town)
    build_park(L, r_park)
    build_villages(L, r_vil, n_villages)
    build_village_roads(L, r_roads)
    scatter_houses(L, r_scatter)
    report(0.2, tr("demo.progress.buildings"))
    b, _stats = assemble_buildings(L, r_pack)
    geoms = b["geometry"]
    b["area"] = shapely.area(to_world(geoms, ORIGIN, ROTATION))
    centroids = shapely.get_coordinates(shapely.centroid(geoms))

    report(0.35, tr("demo.progress.villages"))
    boundary = township_boundary(centroids, L)
    names = list(N.COMMUNITIES) + [v for v, _ in L.villages]
    kinds = ["community"] * len(N.COMMUNITIES) + [k for _, k in L.villages]
    polys = village_polygons(centroids, b["zone"], boundary, names)
    present = [i for i, p in enumerate(polys) if p is not None]
    names = [names[i] for i in present]
    kinds = [kinds[i] for i in present]
    polys = [polys[i] for i in present]
    zone = b["zone"].copy()
    unlabelled = np.flatnonzero(zone == None)  # noqa: E711
    if len(unlabelled):
        zone[unlabelled] = label_points(centroids[unlabelled], polys, names)
    b["name"], b["enterprise"] = _building_names(r_names, b, zone)

    report(0.45, tr("demo.progress.attributes"))
    bt = building_attributes(r_attr, b)
    bt.set("name", np.ones(len(zone), bool), b["name"])
    bt.set("village", np.ones(len(zone), bool), zone)
    bt.set("source_id", np.ones(len(zone), bool),
           np.array([f"FL-B-{i + 1:05d}" for i in range(len(zone))], dtype=object))

    report(0.55, tr("demo.progress.roads"))
    pieces, src = node_roads(L.roads)
    inside = shapely.within(pieces, boundary)
    clipped = shapely.intersection(pieces[~inside], boundary)
    parts, part_src = [pieces[inside]], [src[inside]]
    for g, s in zip(clipped, src[~inside]):
        sub = [p for p in shapely.get_parts(shapely.line_merge(g)) if p.geom_type == "LineString" and p.length > 1.0]
        parts.append(np.array(sub, dtype=object))
        part_src.append(np.full(len(sub), s))
    pieces = np.concatenate(parts)
    src = np.concatenate(part_src)
    order = np.argsort(src, kind="stable")
    pieces, src = pieces[order], src[order]
    rt = Table("roads", len(pieces))
    rt.set("name", np.ones(len(src), bool), np.array(L.roads.name, dtype=object)[src])
    rt.set("road_class", np.ones(len(src), bool), np.array(L.roads.road_class, dtype=object)[src])
    rt.set("width", np.ones(len(src), bool), np.array(L.roads.width)[src])
    rt.set("surface", np.ones(len(src), bool), np.array(L.roads.surface, dtype=object)[src])
    rt.set("oneway", np.ones(len(src), bool), np.array(L.roads.oneway)[src])
    mh = np.array(L.roads.max_height)[src]
    rt.set("max_height", np.ones(len(src), bool), mh)
    rt.blank("max_height", np.isnan(mh))
    rt.set("source_id", np.ones(len(src), bool), np.array([f"FL-R-{i + 1:05d}" for i in range(len(src))], dtype=object))
    unknown_surface = np.isin(rt.values["road_class"], ("lane", "track", "path")) & (r_pts.random(len(src)) < 0.08)
    rt.blank("surface", unknown_surface)

    report(0.65, tr("demo.progress.water"))
    btree = shapely.STRtree(geoms)
    h_xy, h_village = hydrants(r_pts, L, btree)
    h_labels = label_points(h_xy, polys, names)
    ht = hydrant_table(r_pts, h_xy, h_village, h_labels)
    w_rows = water_sources(r_pts, L)
    w_xy = np.array([(r[0], r[1]) for r in w_rows])
    wt = water_table(r_pts, w_rows, label_points(w_xy, polys, names))

    report(0.75, tr("demo.progress.places"))
    pick = Picker(r_places, b, centroids)
    f_rows = fire_forces(r_places, L, b, centroids, pick, bt)
    f_xy = np.array([(r[0], r[1]) for r in f_rows])
    ft = station_table(r_places, f_rows, label_points(f_xy, polys, names))
    k_rows = key_places(r_places, L, b, centroids, pick, bt)
    k_xy = np.array([(r[0], r[1]) for r in k_rows])
    kt = key_place_table(r_places, k_rows, label_points(k_xy, polys, names))

    report(0.85, tr("demo.progress.incidents"))
    i_rows = incidents(r_inc, b, centroids, bt, zone)
    it = incident_table(i_rows)
    i_xy = np.array([(r[0], r[1]) for r in i_rows])
    hz_rows = hazards(r_haz, L, b, centroids, bt, zone, h_xy, ht.values["working"], h_labels)
    hz_xy = np.array([(r[0], r[1]) for r in hz_rows])
    hzt = hazard_table(r_haz, hz_rows, label_points(hz_xy, polys, names))
    vt = village_table(r_vt, names, kinds, bt, zone)

    report(0.92, tr("demo.progress.project"))
    project = Project.new(crs=DEMO_CRS, name=f"{N.TOWNSHIP}（演示）")
    layers = {
        "villages": _frame(vt, polys),
        "roads": _frame(rt, pieces),
        "buildings": _frame(bt, geoms),
        "hydrants": _frame(ht, shapely.points(h_xy)),
        "water_sources": _frame(wt, shapely.points(w_xy)),
        "fire_stations": _frame(ft, shapely.points(f_xy)),
        "key_places": _frame(kt, shapely.points(k_xy)),
        "incidents": _frame(it, shapely.points(i_xy)),
        "hazards": _frame(hzt, shapely.points(hz_xy)),
    }
    hz_ledger, audit, inspections = campaign_history(_streams(int(seed), 14)[13], layers["hazards"],
                                                     layers["villages"])
    layers["hazards"] = hz_ledger
    for kind in LAYER_ORDER:
        project.set_layer(kind, layers[kind])
    project.set_table("hazard_audit", audit)
    project.set_table("inspections", inspections)
    project.metadata.update({
        "demo_seed": str(int(seed)),
        "demo_villages": str(n_villages),
        "demo_as_of": AS_OF,
        "demo_township": N.TOWNSHIP,
        "demo_description": "synthetic demo township (fictitious), generated by fireriskmap.demo",
    })
    project.dirty = True
    report(1.0, tr("demo.progress.done", seconds=f"{time.perf_counter() - started:.1f}"))
    return project


def build_demo(path: str | Path, *, seed: int = DEFAULT_SEED, n_villages: int | None = None,
               progress: ProgressFn | None = None) -> Path:
    """Generate the demo township and save it as a project file at ``path``; returns the path."""
    from fireriskmap.progress import sub_progress

    project = generate(seed=seed, n_villages=n_villages, progress=sub_progress(progress, 0.0, 0.85))
    report = progress or null_progress
    report(0.85, tr("demo.progress.saving"))
    out = project.save(Path(path))
    report(1.0, tr("demo.progress.saved", file=str(out)))
    return out
