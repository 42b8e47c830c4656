"""The demo township generator: deterministic, realistic counts, conforming to the layer specs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from fireriskmap.core.spec import get_spec
from fireriskmap.demo import DEFAULT_SEED, DEMO_AS_OF, build_demo, generate
from fireriskmap.paths import demo_project_path

KINDS = ("villages", "roads", "buildings", "hydrants", "water_sources", "fire_stations", "key_places",
         "incidents", "hazards")
COMMUNITIES = ("老街社区", "新城社区")


@pytest.fixture(scope="module")
def demo():
    return generate()


@pytest.fixture(scope="module")
def demo_again():
    return generate(seed=DEFAULT_SEED)


def _components(gdf, distance):
    a, b = gdf.sindex.query(gdf.geometry, predicate="dwithin", distance=distance)
    n = len(gdf)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)


# -- determinism ----------------------------------------------------------------------------------

def test_same_seed_gives_identical_layers(demo, demo_again):
    assert list(demo.layers) == list(demo_again.layers)
    for kind in demo.layers:
        a, b = demo.layers[kind], demo_again.layers[kind]
        assert list(shapely.to_wkb(a.geometry.values)) == list(shapely.to_wkb(b.geometry.values)), kind
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"), check_exact=True)


def test_different_seed_differs(demo):
    other = generate(seed=DEFAULT_SEED + 1, n_villages=8)
    assert len(other.layers["buildings"]) != len(demo.layers["buildings"]) or not np.array_equal(
        shapely.to_wkb(other.layers["buildings"].geometry.values),
        shapely.to_wkb(demo.layers["buildings"].geometry.values))
    assert list(other.layers["villages"]["name"]) != list(demo.layers["villages"]["name"])


def test_progress_is_reported_in_order():
    seen = []
    generate(seed=5, n_villages=3, progress=lambda f, m="": seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(m for _, m in seen)


def test_n_villages_is_checked():
    with pytest.raises(ValueError):
        generate(n_villages=0)


# -- shape of the township --------------------------------------------------------------------------

def test_crs_is_a_cgcs2000_gk_zone_at_the_right_place(demo):
    epsg = demo.crs.to_epsg()
    assert 4534 <= epsg <= 4554
    assert epsg == 4545  # CM 108E
    minx, miny, maxx, maxy = demo.extent()
    assert 480_000 < minx < maxx < 520_000
    assert 2_930_000 < miny < maxy < 2_960_000
    lon, lat = demo.centre_lonlat()
    assert abs(lon - 108.0) < 0.1 and abs(lat - 26.6) < 0.1


def test_counts_are_in_range(demo):
    counts = demo.counts()
    assert set(counts) == set(KINDS)
    assert 10_000 <= counts["buildings"] <= 30_000
    villages = demo.layers["villages"]
    assert 15 <= int((villages["kind"] != "community").sum()) <= 30
    assert set(COMMUNITIES) <= set(villages["name"])
    assert villages["name"].is_unique
    assert counts["roads"] > 500
    assert 50 <= counts["hydrants"] <= 400
    assert counts["water_sources"] >= 10
    assert counts["fire_stations"] >= 8
    assert counts["key_places"] >= 50
    assert 20 <= counts["incidents"] <= 100
    assert 100 <= counts["hazards"] <= 500


def test_every_layer_conforms_to_its_spec(demo):
    for kind in KINDS:
        gdf = demo.layers[kind]
        spec = get_spec(kind)
        assert list(gdf.columns[: len(spec.fields)]) == spec.field_names, kind
        geoms = gdf.geometry.values
        assert not shapely.is_empty(geoms).any() and shapely.is_valid(geoms).all(), kind
        want = {"point": "Point", "line": "LineString", "polygon": "Polygon"}[spec.geometry]
        assert set(gdf.geometry.geom_type) == {want}, kind
        for f in spec.fields:
            col = gdf[f.name]
            if f.required:
                assert col.notna().all(), f"{kind}.{f.name} required"
            values = col.dropna()
            if f.type == "enum":
                assert set(values) <= set(f.codes()), f"{kind}.{f.name}: {set(values) - set(f.codes())}"
            elif f.type == "int":
                assert str(col.dtype) == "Int64", f"{kind}.{f.name}"
            elif f.type == "bool":
                assert str(col.dtype) == "boolean", f"{kind}.{f.name}"
            elif f.type == "date":
                for v in values:
                    dt.date.fromisoformat(v)
            elif f.type == "str":
                assert all(isinstance(v, str) and v for v in values), f"{kind}.{f.name}"
            if f.type in ("int", "float") and len(values):
                if f.minimum is not None:
                    assert values.min() >= f.minimum, f"{kind}.{f.name}"
                if f.maximum is not None:
                    assert values.max() <= f.maximum, f"{kind}.{f.name}"


def test_values_are_partly_unknown_like_real_data(demo):
    b = demo.layers["buildings"]
    assert 0.10 <= b["fire_rating"].isna().mean() <= 0.20
    assert 0.05 <= b["storeys"].isna().mean() <= 0.20
    assert b["name"].notna().all() and b["village"].notna().all() and b["footprint_area"].notna().all()
    assert set(b["village"]) <= set(demo.layers["villages"]["name"])


def test_buildings_do_not_overlap_each_other_or_roads(demo):
    b = demo.layers["buildings"]
    a, c = b.sindex.query(b.geometry, predicate="intersects")
    pair = a < c
    area = shapely.area(shapely.intersection(b.geometry.values[a[pair]], b.geometry.values[c[pair]]))
    assert (area < 0.05).all()
    roads = demo.layers["roads"]
    centre = shapely.buffer(roads.geometry.values, roads["width"].fillna(2.0).to_numpy() / 2)
    _, hit = b.sindex.query(centre, predicate="intersects")
    assert len(hit) == 0


def test_footprints_of_village_houses_are_small(demo):
    b = demo.layers["buildings"]
    houses = b[(b["structure"].isin(["timber", "brick_timber"])) & (b["use"] == "residential")
               & ~b["village"].isin(COMMUNITIES)]
    assert len(houses) > 5000
    area = houses.geometry.area
    assert area.quantile(0.05) >= 55 and area.quantile(0.95) <= 190
    assert (houses["storeys"].dropna() <= 3).all()
    assert np.allclose(b["footprint_area"], b.geometry.area, atol=0.1)


def test_contiguous_village_clusters_of_50_households(demo):
    b = demo.layers["buildings"]
    n, label = _components(b, 3.0)
    households = np.bincount(label, weights=b["households"].fillna(0).to_numpy(), minlength=n)
    big = np.flatnonzero(households >= 50)
    assert len(big) >= 3
    # the big clusters are timber villages, not the town
    timber = b["structure"].isin(["timber", "brick_timber"]).to_numpy()
    village_big = [c for c in big if timber[label == c].mean() > 0.5]
    assert len(village_big) >= 3
    # houses in those clusters stand 1-5 m apart
    members = b[np.isin(label, village_big)]
    _, gap = members.sindex.nearest(members.geometry, exclusive=True, return_distance=True)
    assert np.quantile(gap, 0.9) <= 5.0 and np.median(gap) >= 0.3


def test_chimney_building_candidates(demo):
    b = demo.layers["buildings"]
    chimney = ((b["self_built"] == True) & (b["storeys"] >= 3) & (b["open_stair"] == True)  # noqa: E712
               & (b["stair_count"] == 1) & (b["ground_commercial"] == True)).fillna(False)  # noqa: E712
    assert chimney.sum() >= 5
    worse = chimney & ((b["anti_theft_bars"] == True) | (b["ebike_indoor"] == True)).fillna(False)  # noqa: E712
    assert worse.sum() >= 3
    assert b.loc[chimney, "village"].isin(COMMUNITIES).mean() >= 0.8  # mostly the town's shop-houses


def test_high_rises_steel_and_sandwich_panels(demo):
    b = demo.layers["buildings"]
    high = b[(b["height"] > 27).fillna(False)]
    assert len(high) >= 10
    assert set(high["structure"].dropna()) == {"reinforced_concrete"}
    steel = b[b["structure"] == "steel"]
    assert len(steel) >= 30
    assert steel.geometry.area.median() > 600
    assert (steel["sandwich_panel"] == True).sum() >= 10  # noqa: E712
    assert ((b["use"].isin(["warehouse", "factory"])) & (b["people_sleep_inside"] == True)).sum() >= 3  # noqa: E712


def test_road_network_is_noded_and_connected(demo):
    roads = demo.layers["roads"]
    widths = roads["width"]
    assert (widths < 4).sum() > 100
    assert ((roads["road_class"] == "arterial") & (widths >= 7) & (widths <= 12)).any()
    assert widths[roads["road_class"] == "collector"].between(4, 12).all()
    assert set(roads["road_class"]) >= {"arterial", "collector", "local", "lane"}
    assert roads["name"].str.contains("县道").any() and roads["name"].str.contains("乡道").any()
    # endpoints meet exactly: one connected network
    ends = np.vstack([shapely.get_coordinates(shapely.get_point(roads.geometry.values, 0)),
                      shapely.get_coordinates(shapely.get_point(roads.geometry.values, -1))])
    _, node = np.unique(ends, axis=0, return_inverse=True)
    node = node.ravel()
    m = len(roads)
    graph = coo_matrix((np.ones(m), (node[:m], node[m:])), shape=(node.max() + 1,) * 2)
    n_comp, label = connected_components(graph, directed=False)
    sizes = np.bincount(label)
    assert sizes.max() >= 0.99 * len(sizes)
    # every village is reached by the network
    villages = demo.layers["villages"]
    network = shapely.union_all(roads.geometry.values[np.isin(label[node[:m]], [np.argmax(sizes)])])
    assert shapely.intersects(villages.geometry.values, network).all()


def test_hydrants_mostly_in_town_and_park(demo):
    h = demo.layers["hydrants"]
    assert h["village"].isin(COMMUNITIES).mean() >= 0.85
    assert 1 <= int((h["working"] == False).sum()) <= 0.2 * len(h)  # noqa: E712
    b = demo.layers["buildings"]
    inside, _ = b.sindex.query(h.geometry, predicate="intersects")
    assert len(inside) == 0
    w = demo.layers["water_sources"]
    assert {"fire_pool", "natural_intake"} <= set(w["source_type"])
    assert (~w.loc[w["source_type"] == "fire_pool", "village"].isin(COMMUNITIES)).sum() >= 5


def test_fire_forces(demo):
    f = demo.layers["fire_stations"]
    assert (f["force_type"] == "government").sum() == 1
    assert (f["force_type"] == "micro").sum() >= 4
    assert (f["force_type"] == "volunteer").sum() >= 3
    assert f["turnout_s"].notna().all() and f["staff"].notna().all()
    gov = f[f["force_type"] == "government"].iloc[0]
    assert gov["village"] in COMMUNITIES and gov["turnout_s"] <= 60 and gov["engines"] >= 1


def test_key_places(demo):
    k = demo.layers["key_places"]
    for kind in ("school", "kindergarten", "nursing_home", "hospital", "market", "nine_small", "rental_housing",
                 "ebike_charging", "hazardous_goods", "construction_site", "religious", "government", "enterprise"):
        assert (k["place_type"] == kind).any(), kind
    assert k["people_night"].notna().mean() > 0.9
    assert k.loc[k["place_type"] == "nursing_home", "people_night"].max() > 20


def test_incidents_over_five_years_mostly_in_winter(demo):
    inc = demo.layers["incidents"]
    dates = pd.to_datetime(inc["date"])
    assert dates.min() >= pd.Timestamp("2021-11-01") and dates.max() <= pd.Timestamp("2026-10-31")
    assert dates.dt.year.nunique() >= 5
    assert dates.dt.month.isin([11, 12, 1, 2, 3, 4]).mean() >= 0.6
    assert inc["deaths"].sum() >= 2 and (inc["deaths"] > 0).sum() <= 6
    assert inc["buildings_burnt"].max() >= 10  # one fire spread through a wooden village


def test_hazard_ledger(demo):
    hz = demo.layers["hazards"]
    found = pd.to_datetime(hz["found_date"])
    assert found.min() >= pd.Timestamp("2026-11-01") and found.max() <= pd.Timestamp("2027-01-31")
    deadline = pd.to_datetime(hz["deadline"])
    assert (deadline > found).all()
    as_of = pd.Timestamp(DEMO_AS_OF)
    overdue = hz["status"] == "overdue"
    assert overdue.sum() >= 5 and (deadline[overdue] < as_of).all()
    assert set(hz["status"]) == {"open", "rectifying", "closed", "overdue"}
    assert (hz["severity"] == "major").sum() >= 5
    assert hz["measure"].str.contains("一房一策").any()
    assert hz["responsible_unit"].notna().all()


# -- the shipped project file ------------------------------------------------------------------------

def test_shipped_demo_matches_the_generator(demo):
    pyogrio = pytest.importorskip("pyogrio")
    path = demo_project_path()
    if not path.exists():
        pytest.skip(f"{path} not built yet: run `fireriskmap demo {path}`")
    from fireriskmap.core.project import Project

    listed = {str(name) for name, _ in pyogrio.list_layers(path)}
    assert set(KINDS) <= listed
    assert path.stat().st_size < 15_000_000
    shipped = Project.open(path)
    assert shipped.crs.to_epsg() == demo.crs.to_epsg()
    assert shipped.counts() == demo.counts(), "data/demo_township.gpkg is stale: rebuild it"
    assert shipped.metadata.get("demo_seed") == str(DEFAULT_SEED)
    for kind in ("buildings", "roads", "villages"):
        a, b = shipped.layers[kind], demo.layers[kind]
        # coordinates are rounded to 0.01 m; allow for last-bit differences of another machine's libm
        assert shapely.equals_exact(a.geometry.values, b.geometry.values, tolerance=0.05).all(), kind
        assert list(a["name"]) == list(b["name"]), kind


def test_build_demo_writes_a_project(tmp_path):
    from fireriskmap.core.project import Project

    out = build_demo(tmp_path / "small.gpkg", seed=3, n_villages=2)
    assert out.exists()
    project = Project.open(out)
    assert project.counts()["villages"] >= 3
    assert project.metadata["demo_seed"] == "3"


def test_campaign_history_is_consistent(demo):
    from fireriskmap.ledger import Ledger, inspection_coverage

    h = demo.layers["hazards"]
    assert h["hazard_id"].is_unique and h["hazard_id"].notna().all()
    closed = h[h["status"] == "closed"]
    assert closed["closed_date"].notna().all() and h.loc[h["status"] != "closed", "closed_date"].isna().all()
    assert (closed["closed_date"] >= closed["found_date"]).all() and (closed["closed_date"] <= DEMO_AS_OF).all()
    audit = demo.table("hazard_audit")
    assert list(audit["seq"]) == list(range(1, len(audit) + 1))
    assert set(audit.loc[audit["action"] == "create", "hazard_id"]) == set(h["hazard_id"])
    closes = audit[(audit["action"] == "close") & (audit["field"] == "status")]
    assert set(closes["hazard_id"]) == set(closed["hazard_id"])
    assert Ledger(demo).ensure_ids() == 0  # already numbered
    cov = inspection_coverage(demo)
    assert (cov["share"] <= 1).all() and (cov["share"] >= 0.5).all() and (cov["share"] == 1).any()
