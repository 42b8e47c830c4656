"""The demo's other layers: village boundaries, hydrants, water sources, fire forces, key places,
past incidents and the open hazard ledger. Local coordinates, like :mod:`._layout`.
"""

from __future__ import annotations

import numpy as np
import shapely

from fireriskmap.demo import _names as N
from fireriskmap.demo._buildings import Table, choose
from fireriskmap.demo._layout import Layout, river_y

AS_OF = "2027-01-20"           # the demo's "today": mid-campaign
CAMPAIGN_START = "2026-11-01"
INCIDENT_START = "2021-11-01"
INCIDENT_END = "2026-10-31"


def _masked_phone(rng, n: int) -> np.ndarray:
    heads = np.array(["138", "139", "150", "151", "158", "187", "188", "189", "135", "136"], dtype=object)
    tails = rng.integers(0, 10000, size=n)
    return np.array([f"{h}****{t:04d}" for h, t in zip(heads[rng.integers(0, len(heads), n)], tails)], dtype=object)


def _masked_names(rng, n: int) -> np.ndarray:
    sur = np.array(N.SURNAMES, dtype=object)[rng.integers(0, len(N.SURNAMES), n)]
    return np.array([f"{s}某某" for s in sur], dtype=object)


def _dates(rng, start: str, end: str, n: int, month_weights=None) -> np.ndarray:
    days = np.arange(np.datetime64(start), np.datetime64(end) + np.timedelta64(1, "D"))
    if month_weights is None:
        p = None
    else:
        month = days.astype("datetime64[M]").astype(int) % 12
        w = np.asarray(month_weights, dtype=float)[month]
        p = w / w.sum()
    return days[rng.choice(len(days), size=n, p=p)]


# -- township boundary and villages --------------------------------------------------------------

def township_boundary(centroids: np.ndarray, L: Layout) -> shapely.Polygon:
    keep = np.array([name not in (N.PROVINCIAL_ROAD,) for name in L.roads.name])
    verts = [c for c, k in zip(L.roads.coords, keep) if k]
    prov = L.roads.coords[0]
    pts = np.vstack([centroids, *verts, prov[np.abs(prov[:, 0]) <= 7700.0]])
    hull = shapely.concave_hull(shapely.multipoints(pts), ratio=0.25)
    shape = hull.buffer(650.0, quad_segs=4).buffer(-250.0, quad_segs=4).simplify(15.0)
    if shape.geom_type == "MultiPolygon":
        shape = max(shape.geoms, key=lambda g: g.area)
    return shapely.Polygon(shape.exterior)


def village_polygons(centroids: np.ndarray, zone: np.ndarray, boundary, names: list[str]) -> list:
    """A tessellation of the township: Voronoi cells of labelled building sites, merged per village."""
    labelled = np.flatnonzero(zone != None)  # noqa: E711 - numpy object comparison
    c = centroids[labelled]
    key = np.floor(c / 40.0).astype(np.int64)
    key1 = key[:, 0] * 1_000_003 + key[:, 1]
    _, first = np.unique(key1, return_index=True)
    first = np.sort(first)
    seeds = c[first]
    labels = zone[labelled][first]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds),
                                                       extend_to=boundary.buffer(3000.0)))
    s_idx, c_idx = shapely.STRtree(cells).query(shapely.points(seeds), predicate="within")
    cell_label = np.full(len(cells), None, dtype=object)
    cell_label[c_idx] = labels[s_idx]
    polys = []
    for name in names:
        part = cells[cell_label == name]
        if len(part) == 0:
            polys.append(None)
            continue
        merged = shapely.intersection(shapely.union_all(shapely.make_valid(part), grid_size=0.01), boundary,
                                      grid_size=0.01)
        if merged.geom_type != "Polygon":
            parts = [g for g in shapely.get_parts(merged) if g.geom_type == "Polygon"]
            merged = max(parts, key=lambda g: g.area)
        polys.append(shapely.Polygon(merged.exterior))
    return polys


def label_points(xy: np.ndarray, polys: list, names: list[str]) -> np.ndarray:
    """The village each point lies in (nearest village when it lies in none)."""
    geoms = np.array(polys, dtype=object)
    tree = shapely.STRtree(geoms)
    pts = shapely.points(xy)
    out = np.full(len(xy), None, dtype=object)
    p_idx, g_idx = tree.query(pts, predicate="within")
    order = np.lexsort((g_idx, p_idx))
    p_idx, g_idx = p_idx[order], g_idx[order]
    first = np.r_[True, p_idx[1:] != p_idx[:-1]] if len(p_idx) else np.array([], dtype=bool)
    out[p_idx[first]] = np.array(names, dtype=object)[g_idx[first]]
    rest = np.flatnonzero(out == None)  # noqa: E711
    if len(rest):
        nearest = tree.nearest(pts[rest])
        out[rest] = np.array(names, dtype=object)[nearest]
    return out


def village_table(rng, names: list[str], kinds: list[str], bt: Table, bzone: np.ndarray) -> Table:
    n = len(names)
    t = Table("villages", n)
    hh = bt.values["households"] * ~bt.missing["households"]
    rentals = hh * (bt.values["use"] == "rental") * ~bt.missing["use"]
    households = np.array([int(hh[bzone == nm].sum()) for nm in names], dtype=np.int64)
    rental_hh = np.array([int(rentals[bzone == nm].sum()) for nm in names], dtype=np.int64)
    community = np.array([k == "community" for k in kinds])
    population = np.round(households * np.where(community, rng.uniform(2.8, 3.4, n),
                                                rng.uniform(3.4, 4.3, n))).astype(np.int64)
    resident = np.round(population * np.where(community, rng.uniform(0.85, 1.05, n), rng.uniform(0.55, 0.8, n)))
    elderly = np.round(population * np.where(community, rng.uniform(0.01, 0.025, n), rng.uniform(0.03, 0.07, n)))
    children = np.round(population * np.where(community, rng.uniform(0.005, 0.015, n), rng.uniform(0.03, 0.08, n)))
    disabled = np.round(population * rng.uniform(0.01, 0.025, n))
    t.set("name", np.ones(n, bool), np.array(names, dtype=object))
    codes = []
    vno = 200
    cno = 0
    for k in kinds:
        if k == "community":
            cno += 1
            codes.append(f"{N.COUNTY_CODE}{N.TOWNSHIP_CODE}{cno:03d}")
        else:
            vno += 1
            codes.append(f"{N.COUNTY_CODE}{N.TOWNSHIP_CODE}{vno:03d}")
    t.set("code", np.ones(n, bool), np.array(codes, dtype=object))
    t.set("kind", np.ones(n, bool), np.array(kinds, dtype=object))
    t.set("households", np.ones(n, bool), households)
    t.set("population", np.ones(n, bool), population)
    t.set("resident_population", np.ones(n, bool), resident.astype(np.int64))
    t.set("elderly_alone", np.ones(n, bool), elderly.astype(np.int64))
    t.set("left_behind_children", np.ones(n, bool), children.astype(np.int64))
    t.set("disabled", np.ones(n, bool), disabled.astype(np.int64))
    t.set("rental_households", np.ones(n, bool), np.where(community, rental_hh, rng.integers(0, 7, n)))
    t.set("contact", np.ones(n, bool), _masked_names(rng, n))
    t.set("phone", np.ones(n, bool), _masked_phone(rng, n))
    # a few villages have not reported every figure
    t.blank("disabled", rng.random(n) < 0.15)
    t.blank("left_behind_children", rng.random(n) < 0.08)
    return t


# -- hydrants and water ----------------------------------------------------------------------------

def hydrants(rng, L: Layout, btree) -> tuple[np.ndarray, np.ndarray]:
    """Hydrant positions along the town and park streets (80–200 m apart) and a few in villages.

    Returns ``(xy, flags)`` where flags marks village hydrants.
    """
    xy, village = [], []
    for i, flag in enumerate(L.roads.hydrants):
        if not flag:
            continue
        coords = L.roads.coords[i]
        if coords[:, 0].min() < -1900.0 or coords[:, 0].max() > 3400.0:
            coords = coords[(coords[:, 0] >= -1900.0) & (coords[:, 0] <= 3400.0)]
            if len(coords) < 2:
                continue
        line = shapely.linestrings(coords)
        length = line.length
        s = rng.uniform(10.0, 60.0) + np.cumsum(np.r_[0.0, rng.uniform(80.0, 200.0, 60)])
        s = s[s < length - 5.0]
        if not len(s):
            continue
        side = np.where((np.arange(len(s)) + rng.integers(0, 2)) % 2 == 0, 1.0, -1.0)
        p = shapely.get_coordinates(shapely.line_interpolate_point(line, s))
        q = shapely.get_coordinates(shapely.line_interpolate_point(line, s + 1.0))
        tan = q - p
        tan /= np.maximum(np.hypot(tan[:, 0], tan[:, 1]), 1e-9)[:, None]
        off = L.roads.width[i] / 2 + 0.8
        xy.append(p + np.column_stack([-tan[:, 1], tan[:, 0]]) * (side * off)[:, None])
        village.append(np.zeros(len(s), dtype=bool))
    # villages near the town get a hydrant or two on the village water supply
    near = sorted(L.hamlets, key=lambda h: float(np.hypot(*h.access)))[:5]
    for h in near:
        k = int(rng.integers(1, 3))
        perp = np.array([-h.out_dir[1], h.out_dir[0]])
        pts = h.access[None, :] + perp[None, :] * 2.5 + h.out_dir[None, :] * (np.arange(k) * 40.0 + 10.0)[:, None]
        xy.append(pts)
        village.append(np.ones(k, dtype=bool))
    xy = np.vstack(xy)
    village = np.concatenate(village)
    pts = shapely.points(xy)
    inside, _ = btree.query(pts, predicate="intersects")
    ok = np.ones(len(xy), dtype=bool)
    ok[inside] = False
    # one hydrant per spot: drop any within 15 m of an earlier one
    tree = shapely.STRtree(pts)
    a, b = tree.query(pts, predicate="dwithin", distance=15.0)
    later = b > a
    for i, j in zip(a[later], b[later]):
        if ok[i]:
            ok[j] = False
    return xy[ok], village[ok]


def hydrant_table(rng, xy, village_flag, labels) -> Table:
    n = len(xy)
    t = Table("hydrants", n)
    t.set("name", np.ones(n, bool), np.array([f"XH-{i + 1:03d}" for i in range(n)], dtype=object))
    kind = choose(rng, ("pillar", "underground", "wall"), (0.6, 0.35, 0.05), n)
    kind[village_flag] = "pillar"
    t.set("hydrant_type", np.ones(n, bool), kind)
    working = rng.random(n) > 0.07
    t.set("working", np.ones(n, bool), working)
    pressure = np.round(rng.uniform(0.12, 0.45, n), 2)
    low = rng.random(n) < 0.06
    pressure[low] = np.round(rng.uniform(0.04, 0.09, int(low.sum())), 2)
    pressure[village_flag] = np.round(rng.uniform(0.08, 0.2, int(village_flag.sum())), 2)
    t.set("pressure", np.ones(n, bool), pressure)
    t.blank("pressure", rng.random(n) < 0.2)
    diameter = np.where(rng.random(n) < 0.6, 100, 150)
    diameter[kind == "wall"] = 65
    t.set("diameter", np.ones(n, bool), diameter.astype(np.int64))
    t.set("village", np.ones(n, bool), labels)
    checked = _dates(rng, "2026-03-01", "2026-10-31", n).astype(str).astype(object)
    t.set("checked_date", np.ones(n, bool), checked)
    t.blank("checked_date", rng.random(n) < 0.25)
    t.set("source_id", np.ones(n, bool), np.array([f"FL-H-{i + 1:04d}" for i in range(n)], dtype=object))
    return t


def water_sources(rng, L: Layout):
    """Fire pools at village entrances, river intakes (取水码头), hilltop tanks, one water crane."""
    rows = []  # (x, y, type, name, capacity, engine_access)
    hamlets = L.hamlets
    pools: dict[str, int] = {}
    for h in hamlets:
        if rng.random() < 0.45:
            perp = np.array([-h.out_dir[1], h.out_dir[0]])
            p = h.access + h.out_dir * 18.0 + perp * 10.0 * rng.choice([-1.0, 1.0])
            cap = float(rng.choice([50, 100, 150, 200, 300]))
            access = bool(rng.random() < (0.8 if h.road_class in ("arterial", "collector") else 0.45))
            pools[h.village] = pools.get(h.village, 0) + 1
            k = pools[h.village]
            name = f"{h.village}消防水池" + ("" if k == 1 else f"（{k}）")
            rows.append((p[0], p[1], "fire_pool", name, cap, access))

    def one_per_village(items):
        seen, out = [], []
        for h in items:
            if h.village not in seen:
                seen.append(h.village)
                out.append(h)
        return out

    for h in one_per_village([h for h in hamlets if h.dense])[:3]:
        capacity = float(rng.choice([60, 100, 200]))
        rows.append((h.centre[0], h.centre[1], "tank", f"{h.village}高位消防水池", capacity, False))
    # river intakes: at the town, the park and the villages nearest the river
    intake_x = [-520.0, 2600.0]
    outside = [h for h in hamlets if abs(float(h.access[0])) > 3800.0]
    by_river = one_per_village(sorted(outside, key=lambda h: abs(float(h.access[1] - river_y(h.access[0])))))[:4]
    intake_x += [float(h.access[0]) for h in by_river]
    for i, x in enumerate(intake_x):
        ry = float(river_y(x))
        y = ry + 16.0 if i < 2 else ry + np.sign(by_river[i - 2].access[1] - ry) * 16.0
        if i == 0:
            name = f"{N.TOWN_STREETS['riverside']}取水码头"
        elif i == 1:
            name = "园区取水码头"
        else:
            name = f"{by_river[i - 2].village}河边取水点"
        rows.append((x, y, "natural_intake", name, np.nan, bool(i < 2 or rng.random() < 0.5)))
    rows.append((2480.0, 420.0 + 4.5 + 12.0, "fire_pool", "园区消防水池", 500.0, True))
    return rows


def water_table(rng, rows, labels) -> Table:
    n = len(rows)
    t = Table("water_sources", n)
    names = [r[3] for r in rows]
    # a river intake is named after the village whose land it is on
    seen: dict[str, int] = {}
    for k, r in enumerate(rows):
        if r[2] == "natural_intake" and r[3].endswith("河边取水点"):
            seen[labels[k]] = seen.get(labels[k], 0) + 1
            names[k] = f"{labels[k]}河边取水点" + ("" if seen[labels[k]] == 1 else f"（{seen[labels[k]]}）")
    t.set("name", np.ones(n, bool), np.array(names, dtype=object))
    t.set("source_type", np.ones(n, bool), np.array([r[2] for r in rows], dtype=object))
    cap = np.array([r[4] for r in rows], dtype=float)
    t.set("capacity", np.ones(n, bool), cap)
    t.blank("capacity", np.isnan(cap))
    t.set("working", np.ones(n, bool), rng.random(n) > 0.12)
    t.set("engine_access", np.ones(n, bool), np.array([r[5] for r in rows], dtype=bool))
    t.set("village", np.ones(n, bool), labels)
    t.set("source_id", np.ones(n, bool), np.array([f"FL-W-{i + 1:03d}" for i in range(n)], dtype=object))
    return t
