"""Response times on a 100 m grid of village roads (25 km/h: 100 m = 14.4 s)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from fireriskmap.analysis.network import AnalysisInputError, clear_graph_cache
from fireriskmap.analysis.response import response_times, station_table
from fireriskmap.core.spec import get_spec
from fireriskmap.errors import CRSError

CRS = "EPSG:4545"
V = 25 / 3.6    # m/s on village roads
WALK = 5 / 3.6  # m/s on the off-road legs


def grid_roads(n: int = 4, spacing: float = 100.0, extra: list | None = None) -> gpd.GeoDataFrame:
    end = (n - 1) * spacing
    lines = [LineString([(0, k * spacing), (end, k * spacing)]) for k in range(n)]
    lines += [LineString([(k * spacing, 0), (k * spacing, end)]) for k in range(n)]
    classes = ["local"] * len(lines)
    for geom, cls in extra or []:
        lines.append(geom)
        classes.append(cls)
    return gpd.GeoDataFrame({"road_class": classes}, geometry=lines, crs=CRS)


def house(x, y, half=2.0):
    return box(x - half, y - half, x + half, y + half)


def stations(*rows) -> gpd.GeoDataFrame:
    """rows: (name, force_type, (x, y)[, extra columns dict])."""
    data = {"name": [r[0] for r in rows], "force_type": [r[1] for r in rows]}
    extras = {}
    for k, r in enumerate(rows):
        for key, value in (r[3] if len(r) > 3 else {}).items():
            extras.setdefault(key, [None] * len(rows))[k] = value
    data.update(extras)
    return gpd.GeoDataFrame(data, geometry=[Point(r[2]) for r in rows], crs=CRS)


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_graph_cache()
    yield


def test_arrival_time_is_turnout_plus_travel_plus_walk():
    b = gpd.GeoDataFrame({"households": [3]}, geometry=[house(250, 4)], crs=CRS)
    res = response_times(b, grid_roads(), stations(("一中队", "professional", (0, 0))), areas=False)
    expected = 60 + 250 / V + 4 / WALK
    assert res.buildings["response_s"].iloc[0] == pytest.approx(expected)
    assert res.times.iloc[0, 0] == pytest.approx(expected)
    assert res.buildings["first_due_station"].iloc[0] == "一中队"
    assert res.buildings["first_due_type"].iloc[0] == "professional"
    assert bool(res.buildings["within_5min"].iloc[0]) and bool(res.buildings["meets_target"].iloc[0])
    assert res.summary["share_5min"] == 1.0 and res.summary["households_share_5min"] == 1.0


def test_first_due_weighs_turnout_against_distance():
    b = gpd.GeoDataFrame(geometry=[house(250, 4)], crs=CRS)
    st = stations(("专业站", "professional", (0, 0)), ("志愿队", "volunteer", (250, 0)))
    res = response_times(b, grid_roads(), st, areas=False)
    # the volunteers are next door but need 300 s to turn out
    assert res.buildings["first_due_station"].iloc[0] == "专业站"
    assert res.times.iloc[0, 1] == pytest.approx(300 + 4 / WALK)
    quick = stations(("专业站", "professional", (0, 0)), ("志愿队", "volunteer", (250, 0), {"turnout_s": 30.0}))
    res = response_times(b, grid_roads(), quick, areas=False)
    assert res.buildings["first_due_station"].iloc[0] == "志愿队"
    assert res.buildings["first_due_id"].iloc[0] == 1
    assert res.buildings["response_s"].iloc[0] == pytest.approx(30 + 4 / WALK)
    slow = response_times(b, grid_roads(), st, areas=False, rules={"response.turnout_volunteer_s": 180})
    assert slow.times.iloc[0, 1] == pytest.approx(180 + 4 / WALK)


def test_micro_station_goes_by_ebike_where_engines_cannot():
    path = LineString([(300, 300), (600, 300)])
    roads = grid_roads(extra=[(path, "path")])
    b = gpd.GeoDataFrame(geometry=[house(600, 304)], crs=CRS)
    st = stations(("专业站", "professional", (0, 0)), ("寨微站", "micro", (450, 302)))
    res = response_times(b, roads, st, areas=False)
    assert np.isnan(res.times.iloc[0, 0])   # 300 m from any road an engine can use
    expected = 60 + 2 / WALK + 150 / (15 / 3.6) + 4 / WALK
    assert res.times.iloc[0, 1] == pytest.approx(expected)
    assert res.buildings["first_due_station"].iloc[0] == "寨微站"
    assert bool(res.buildings["meets_target"].iloc[0])      # micro: within 3 min
    table = station_table(st)
    assert table["travel_mode"].tolist() == ["engine", "ebike"]
    assert table["target_s"].tolist() == [300.0, 180.0]
    on_foot = response_times(b, roads, st, areas=False, rules={"response.micro_travel_mode": "foot"})
    assert on_foot.times.iloc[0, 1] == pytest.approx(60 + (2 + 150 + 4) / WALK)


def test_engines_need_passable_roads():
    roads = grid_roads()
    roads["width"] = 3.0
    roads.loc[0, "width"] = 5.0  # only y = 0 is wide enough
    b = gpd.GeoDataFrame(geometry=[house(250, 4), house(250, 296)], crs=CRS)
    res = response_times(b, roads, stations(("专业站", "professional", (0, 0))), areas=False)
    assert res.buildings["response_s"].iloc[0] == pytest.approx(60 + 250 / V + 4 / WALK)
    # 296 m from the only passable road: beyond the 200 m snap limit → not reached by engine
    assert np.isnan(res.buildings["response_s"].iloc[1])
    assert res.buildings["response_status"].tolist() == ["ok", "unreachable"]


def test_station_without_a_passable_road_is_reported():
    b = gpd.GeoDataFrame(geometry=[house(250, 4)], crs=CRS)
    st = stations(("专业站", "professional", (0, 0)), ("山上队", "government", (150, 2000)))
    res = response_times(b, grid_roads(), st, areas=False)
    assert res.stations["status"].tolist() == ["ok", "no_road"]
    msg = next(m for m in res.issues if m.key == "response.issue.station_no_passable_road")
    assert "山上队" in msg.render("en") and "山上队" in msg.render("zh_CN")
    assert res.times.iloc[:, 1].isna().all()
    with pytest.raises(AnalysisInputError) as err:
        response_times(b, grid_roads(), stations(("山上队", "government", (150, 2000))), areas=False)
    assert "200 m" in err.value.message("en")


def test_station_on_a_separate_road_part():
    island = LineString([(2000, 0), (2300, 0)])
    roads = grid_roads(extra=[(island, "local")])
    b = gpd.GeoDataFrame(geometry=[house(2100, 3), house(100, 3)], crs=CRS)
    st = stations(("专业站", "professional", (0, 0)), ("岛上队", "government", (2000, 0)))
    res = response_times(b, roads, st, areas=False)
    assert any(m.key == "response.issue.station_separate_part" for m in res.issues)
    assert res.buildings["first_due_station"].tolist() == ["岛上队", "专业站"]
    assert np.isnan(res.times.iloc[0, 0]) and np.isnan(res.times.iloc[1, 1])


def test_shares_per_village_and_overall():
    b = gpd.GeoDataFrame({"village": ["甲", "甲", "乙", None], "households": [2, 3, 4, pd.NA]},
                         geometry=[house(10, 3), house(20, 3), house(290, 297), house(30, 3)], crs=CRS)
    # with a 280 s turnout only the buildings next to the station are reached within 5 min
    st = stations(("队", "professional", (0, 0), {"turnout_s": 280.0}))
    res = response_times(b, grid_roads(), st, areas=False)
    within = res.buildings["within_5min"].tolist()
    assert within == [True, True, False, True]
    v = res.by_village
    assert v.loc["甲", "buildings"] == 2 and v.loc["甲", "share_buildings"] == 1.0
    assert v.loc["乙", "share_buildings"] == 0.0 and v.loc["乙", "households"] == 4
    assert v.loc["__all__", "buildings"] == 4 and v.loc["__all__", "reached"] == 3
    assert v.loc["__all__", "share_households"] == pytest.approx(5 / 9)
    assert res.summary["share_5min"] == 0.75


def test_areas_do_not_overlap_and_follow_the_spec():
    b = gpd.GeoDataFrame(geometry=[house(x, y) for x in (20, 150, 280) for y in (20, 150, 280)], crs=CRS)
    st = stations(("西站", "professional", (0, 150)), ("东站", "government", (300, 150)))
    res = response_times(b, grid_roads(), st)
    areas = res.areas
    spec = get_spec("response_areas")
    assert set(spec.field_names) <= set(areas.columns)
    first = areas[areas["area_kind"] == "first_due"]
    assert sorted(first["station"]) == ["东站", "西站"]
    a, c = first.geometry.values
    assert a.intersection(c).area < 1e-6 * max(a.area, c.area)
    west = first[first["station"] == "西站"].geometry.iloc[0]
    assert west.contains(Point(20, 150)) and not west.contains(Point(280, 150))
    iso = areas[areas["area_kind"] == "isochrone"]
    assert set(iso["band_min"]) <= {3.0, 5.0, 8.0, 10.0}
    g = iso.geometry.values
    for i in range(len(g)):
        for j in range(i + 1, len(g)):
            assert g[i].intersection(g[j]).area < 1e-6
    clipped = response_times(b, grid_roads(), st, clip=box(0, 0, 150, 300))
    assert clipped.areas.total_bounds[2] <= 150 + 1e-6


def test_bad_input():
    b = gpd.GeoDataFrame(geometry=[house(250, 4), None], crs=CRS)
    res = response_times(b, grid_roads(), stations(("站", "professional", (0, 0))), areas=False)
    assert res.buildings["response_status"].tolist() == ["ok", "no_geometry"]
    assert res.buildings["within_5min"].isna().tolist() == [False, True]
    with pytest.raises(AnalysisInputError):
        response_times(b, grid_roads(), stations())
    with pytest.raises(CRSError):
        response_times(b.set_crs("EPSG:4490", allow_override=True), grid_roads(),
                       stations(("站", "professional", (0, 0))))


def test_inputs_are_not_modified():
    b = gpd.GeoDataFrame({"village": ["甲"]}, geometry=[house(250, 4)], crs=CRS)
    roads = grid_roads()
    st = stations(("站", "micro", (0, 0)))
    copies = [b.copy(), roads.copy(), st.copy()]
    response_times(b, roads, st)
    for frame, copy in zip((b, roads, st), copies):
        pd.testing.assert_frame_equal(frame, copy)
