"""Night patrol planner on a hand-made road grid with known travel times.

The grid: 5 × 5 arterial roads 1 km apart (EPSG:4545, near 108°E). Patrol cars are capped at
36 km/h here (``patrol.speed_car_kmh``), below the arterial class speed of 40 km/h, so a car covers
10 m/s: one block (1 km) takes 100 s. Targets sit on the roads (no walked legs).
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from fireriskmap.analysis import patrol
from fireriskmap.analysis.network import clear_graph_cache
from fireriskmap.analysis.patrol import Break, PatrolError, Team, plan_patrols, replan, select_targets
from fireriskmap.analysis.patrol.planner import visits_tonight
from fireriskmap.analysis.patrol.targets import risk_levels
from fireriskmap.analysis.patrol.timeline import clock_to_s, s_to_clock, window_s
from fireriskmap.core.spec import get_spec

CRS = "EPSG:4545"
X0, Y0 = 500_000.0, 2_940_000.0
BLOCK = 1000.0
RULES = {"patrol.speed_car_kmh": 36.0}
NIGHT = "2027-01-20"


def grid_roads(n: int = 5, extra: list | None = None) -> gpd.GeoDataFrame:
    lines = []
    for k in range(n):
        for j in range(n - 1):
            lines.append(LineString([(X0 + j * BLOCK, Y0 + k * BLOCK), (X0 + (j + 1) * BLOCK, Y0 + k * BLOCK)]))
            lines.append(LineString([(X0 + k * BLOCK, Y0 + j * BLOCK), (X0 + k * BLOCK, Y0 + (j + 1) * BLOCK)]))
    lines += list(extra or [])
    return gpd.GeoDataFrame({"road_class": ["arterial"] * len(lines)}, geometry=lines, crs=CRS)


def at(i: float, j: float) -> Point:
    """The grid point i blocks east, j blocks north of the south-west corner."""
    return Point(X0 + i * BLOCK, Y0 + j * BLOCK)


def targets(*rows: dict) -> gpd.GeoDataFrame:
    """Manual targets: dicts with ``geometry`` and any target column."""
    frame = gpd.GeoDataFrame([{k: v for k, v in r.items() if k != "geometry"} for r in rows],
                             geometry=[r["geometry"] for r in rows], crs=CRS)
    return patrol.manual_targets(frame, rules=RULES)


def team(name: str = "第1组", where=(0, 0), **kw) -> Team:
    p = at(*where)
    return Team(name=name, start=(p.x, p.y), base=f"{name}驻地", **kw)


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_graph_cache()
    yield


# -- the timeline ---------------------------------------------------------------------------------

def test_night_timeline_crosses_midnight():
    assert clock_to_s("20:00") == 8 * 3600
    assert clock_to_s("00:00") == 12 * 3600
    assert clock_to_s("06:00") == 18 * 3600
    assert window_s("23:00", "02:00") == (11 * 3600, 14 * 3600)
    assert s_to_clock(clock_to_s("01:30")) == "01:30"
    assert clock_to_s("20时") == clock_to_s("2000") == clock_to_s(20) == 8 * 3600
    with pytest.raises(PatrolError):
        window_s("05:00", "21:00")  # a day window is not a night window
    with pytest.raises(PatrolError):
        clock_to_s("25:61")


def test_every_other_night_alternates():
    nights = pd.date_range("2027-01-01", periods=10).date
    got = [visits_tonight(0.5, n, "C:7") for n in nights]
    assert got == [got[0], 1 - got[0]] * 5
    assert sum(visits_tonight(0.25, n, "H:1") for n in nights[:8]) == 2
    assert visits_tonight(2, nights[0], "x") == 2 and visits_tonight(0, nights[0], "x") == 0


# -- travel times ---------------------------------------------------------------------------------

def test_travel_time_and_distance_on_the_grid():
    roads = grid_roads()
    t = targets({"name": "甲", "level": "orange", "dwell_min": 10, "geometry": at(2, 0)})
    plan = plan_patrols(t, [team()], roads, rules=RULES, night=NIGHT, time_limit_s=0.5, seed=1)
    stops = plan.stops
    assert len(stops) == 1 and plan.visits_made == plan.visits_wanted == 1
    route = plan.routes.iloc[0]
    depart = clock_to_s(route["depart"])
    # 2 km at 10 m/s = 200 s out, 10 min there, 200 s back
    assert stops["arrival_s"].iloc[0] - depart == pytest.approx(200, abs=60)
    assert stops["leg_km"].iloc[0] == pytest.approx(2.0, abs=0.01)
    assert stops["leg_min"].iloc[0] == pytest.approx(200 / 60, abs=0.06)
    assert route["length_km"] == pytest.approx(4.0, abs=0.01)
    assert route["travel_h"] == pytest.approx(400 / 3600, abs=0.001)
    assert route["duration_h"] == pytest.approx((400 + 600) / 3600, abs=0.02)
    # the route follows the roads: along y = Y0 from the base to the target and back
    coords = np.asarray(route.geometry.coords)
    assert np.allclose(coords[:, 1], Y0)
    assert coords[:, 0].min() == pytest.approx(X0) and coords[:, 0].max() == pytest.approx(X0 + 2 * BLOCK)


def test_route_turns_corners_along_roads():
    t = targets({"name": "乙", "geometry": at(2, 3)})
    plan = plan_patrols(t, [team()], grid_roads(), rules=RULES, night=NIGHT, time_limit_s=0.5, seed=1)
    assert plan.stops["leg_km"].iloc[0] == pytest.approx(5.0, abs=0.01)   # Manhattan, not 3.6 km straight
    geom = plan.routes.geometry.iloc[0]
    on_roads = grid_roads().union_all().buffer(0.01)
    assert on_roads.contains(geom)


# -- repeat visits, windows -----------------------------------------------------------------------

def test_red_target_is_visited_twice_at_least_three_hours_apart():
    t = targets({"name": "红区", "level": "red", "geometry": at(3, 3)},
                {"name": "橙区", "level": "orange", "geometry": at(1, 4)})
    assert list(t["visits"]) == [2.0, 1.0]
    plan = plan_patrols(t, [team()], grid_roads(), rules=RULES, night=NIGHT, time_limit_s=1.0, seed=3)
    red = plan.stops[plan.stops["name"] == "红区"].sort_values("arrival_s")
    assert len(red) == 2 and list(red["visit"]) == [1, 2]
    assert red["arrival_s"].iloc[1] - red["arrival_s"].iloc[0] >= 3 * 3600
    assert plan.visits_wanted == 3 and plan.visits_made == 3 and len(plan.unvisited) == 0
    # inside the shift
    a, b = clock_to_s("20:00"), clock_to_s("06:00")
    assert plan.stops["arrival_s"].between(a, b).all()


def test_time_window_crossing_midnight():
    t = targets({"name": "集贸市场", "level": "orange", "window_start": "23:00", "window_end": "02:00",
                 "geometry": at(4, 4)},
                {"name": "学校", "level": "orange", "geometry": at(1, 0)})
    plan = plan_patrols(t, [team()], grid_roads(), rules=RULES, night=NIGHT, time_limit_s=0.5, seed=1)
    market = plan.stops[plan.stops["name"] == "集贸市场"].iloc[0]
    assert clock_to_s("23:00") <= market["arrival_s"] <= clock_to_s("02:00")
    assert market["arrival"] >= "23:00" or market["arrival"] <= "02:00"


def test_window_too_short_for_two_visits_keeps_one_and_says_why():
    t = targets({"name": "窄时段", "level": "red", "window_start": "23:00", "window_end": "01:00", "geometry": at(2, 2)})
    plan = plan_patrols(t, [team()], grid_roads(), rules=RULES, night=NIGHT, time_limit_s=0.5, seed=1)
    assert plan.visits_wanted == 2 and plan.visits_made == 1
    assert list(plan.unvisited["reason_code"]) == ["window_too_short"]
    assert "23:00" in plan.unvisited["reason"].iloc[0]


def test_window_outside_the_shift_is_reported():
    t = targets({"name": "早市", "level": "orange", "window_start": "07:00", "window_end": "09:00", "geometry": at(1, 1)})
    plan = plan_patrols(t, [team()], grid_roads(), rules=RULES, night=NIGHT, time_limit_s=0.3, seed=1)
    assert plan.visits_made == 0
    assert list(plan.unvisited["reason_code"]) == ["window_outside_shift"]


# -- what cannot be done --------------------------------------------------------------------------

def test_over_full_plan_returns_the_unvisited_with_reasons():
    rows = [{"name": f"点{k}", "level": "orange", "dwell_min": 120, "geometry": at(k % 5, k // 5)} for k in range(1, 11)]
    t = targets(*rows)
    plan = plan_patrols(t, [team()], grid_roads(), rules=RULES, night=NIGHT, time_limit_s=1.0, seed=1)
    assert plan.visits_wanted == 10
    assert 3 <= plan.visits_made <= 5  # 10 h shift, 2 h at each place
    assert plan.visits_made + len(plan.unvisited) == plan.visits_wanted
    assert set(plan.unvisited["reason_code"]) == {"capacity"}
    assert all("10.0" in text for text in plan.unvisited["reason"])  # the shift hours are named
    d = plan.to_dict()
    assert len(d["unvisited"]) == len(plan.unvisited) and d["unvisited"][0]["reason"]


def test_higher_levels_and_first_visits_win_when_time_is_short():
    rows = [{"name": "红", "level": "red", "dwell_min": 200, "geometry": at(4, 4)},
            {"name": "橙", "level": "orange", "dwell_min": 200, "geometry": at(4, 0)},
            {"name": "黄", "level": "yellow", "visits": 1, "dwell_min": 200, "geometry": at(0, 4)}]
    plan = plan_patrols(targets(*rows), [team(where=(2, 2))], grid_roads(), rules=RULES, night=NIGHT,
                        time_limit_s=1.0, seed=1)
    made = plan.targets.set_index("name")["visits_made"]
    # room for 2 visits of 200 min: red once and orange once beat red twice, and yellow (optional)
    assert made["红"] == 1 and made["橙"] == 1 and made["黄"] == 0
    reasons = plan.unvisited.set_index("name")["reason_code"]
    assert reasons["黄"] == "optional" and reasons["红"] == "capacity"


def test_unreachable_targets_are_reported_not_dropped():
    island = LineString([(X0 + 10_000, Y0), (X0 + 11_000, Y0)])
    t = targets({"name": "路网内", "geometry": at(1, 1)},
                {"name": "荒山", "geometry": Point(X0 + 2500, Y0 + 20_000)},
                {"name": "孤岛", "geometry": Point(X0 + 10_500, Y0)},
                {"name": "无位置", "geometry": None})
    plan = plan_patrols(t, [team()], grid_roads(extra=[island]), rules=RULES, night=NIGHT, time_limit_s=0.5, seed=1)
    reasons = plan.unvisited.set_index("name")["reason_code"]
    assert reasons["荒山"] == "off_road" and reasons["孤岛"] == "no_connection" and reasons["无位置"] == "no_location"
    assert "200" in plan.unvisited.set_index("name")["reason"]["荒山"]
    assert plan.visits_made == 1


def test_too_far_for_the_shift():
    t = targets({"name": "远村", "geometry": at(4, 4)})
    short = team(shift_start="20:00", shift_end="20:10")  # 8 km there and back at 10 m/s is 27 min
    plan = plan_patrols(t, [short], grid_roads(), rules=RULES, night=NIGHT, time_limit_s=0.3, seed=1)
    assert list(plan.unvisited["reason_code"]) == ["too_far_for_shift"]


# -- seeds, re-planning, teams --------------------------------------------------------------------

def _many_targets(n=24, seed=7):
    rng = np.random.default_rng(seed)
    pts = {(int(i), int(j)) for i, j in rng.integers(0, 5, size=(60, 2))}
    pts = sorted(pts)[:n]
    return targets(*[{"name": f"点{k}", "level": "orange", "dwell_min": 5, "geometry": at(i, j)}
                     for k, (i, j) in enumerate(pts)])


def test_another_seed_gives_another_equally_good_plan():
    t = _many_targets()
    teams = [team("第1组", (0, 0)), team("第2组", (4, 4))]
    a = plan_patrols(t, teams, grid_roads(), rules=RULES, night=NIGHT, time_limit_s=1.5, seed=1)
    b = plan_patrols(t, teams, grid_roads(), rules=RULES, night=NIGHT, time_limit_s=1.5, seed=2)
    assert a.visits_made == b.visits_made == a.visits_wanted
    order_a = [tuple(a.team_stops(n)["target_id"]) for n in ("第1组", "第2组")]
    order_b = [tuple(b.team_stops(n)["target_id"]) for n in ("第1组", "第2组")]
    assert order_a != order_b
    travel_a, travel_b = a.routes["travel_h"].sum(), b.routes["travel_h"].sum()
    assert abs(travel_a - travel_b) <= 0.15 * min(travel_a, travel_b)
    # the same seed gives the same plan
    c = plan_patrols(t, teams, grid_roads(), rules=RULES, night=NIGHT, time_limit_s=1.5, seed=1)
    assert [tuple(c.team_stops(n)["target_id"]) for n in ("第1组", "第2组")] == order_a or \
        abs(c.routes["travel_h"].sum() - travel_a) <= 0.15 * travel_a


def test_replanning_without_a_team_is_fast_and_keeps_the_targets():
    t = _many_targets(16)
    teams = [team("第1组", (0, 0)), team("第2组", (4, 4)), team("第3组", (0, 4))]
    plan = plan_patrols(t, teams, grid_roads(), rules=RULES, night=NIGHT, time_limit_s=1.0, seed=1)
    t0 = time.perf_counter()
    smaller = replan(plan, without=["第2组"], time_limit_s=0.5)
    assert time.perf_counter() - t0 < 3.0
    assert set(smaller.stops["team"]) <= {"第1组", "第3组"}
    assert [x.name for x in smaller.teams] == ["第1组", "第3组"]
    assert smaller.visits_made == smaller.visits_wanted == plan.visits_wanted
    assert smaller.summary["without"] == ["第2组"]
    with pytest.raises(PatrolError):
        replan(plan, without=["第9组"])


def test_breaks_and_mixed_modes():
    t = targets({"name": "甲", "geometry": at(1, 0)}, {"name": "乙", "geometry": at(0, 1)})
    walkers = team("步行组", (0, 0), mode="foot", breaks=(Break("00:00", "01:00", 30),))
    cars = team("车组", (4, 4))
    plan = plan_patrols(t, [walkers, cars], grid_roads(), rules=RULES, night=NIGHT, time_limit_s=1.0, seed=1)
    brk = plan.stops[plan.stops["target_kind"] == "break"]
    assert list(brk["team"]) == ["步行组"]
    assert clock_to_s("00:00") <= brk["arrival_s"].iloc[0] <= clock_to_s("01:00")
    assert brk["dwell_min"].iloc[0] == pytest.approx(30)
    assert plan.visits_made == 2


def test_inputs_are_not_modified():
    t = _many_targets(6)
    roads = grid_roads()
    before_t, before_r = t.copy(), roads.copy()
    plan_patrols(t, [team()], roads, rules=RULES, night=NIGHT, time_limit_s=0.3, seed=1)
    pd.testing.assert_frame_equal(t, before_t)
    pd.testing.assert_frame_equal(roads, before_r)


def test_bad_inputs_raise_clear_errors():
    t = _many_targets(2)
    with pytest.raises(PatrolError):
        plan_patrols(t, [], grid_roads(), rules=RULES, night=NIGHT)
    with pytest.raises(PatrolError):
        plan_patrols(t, [team()], None, rules=RULES, night=NIGHT)
    with pytest.raises(PatrolError):
        Team(name="x", start=(0, 0), mode="helicopter")
    with pytest.raises(PatrolError):
        plan_patrols(t, [team(), team()], grid_roads(), rules=RULES, night=NIGHT)
    with pytest.raises(PatrolError):
        select_targets({}, levels=["purple"])


def test_no_targets_gives_an_empty_plan():
    empty = targets({"name": "x", "geometry": at(1, 1)}).iloc[:0]
    plan = plan_patrols(empty, [team()], grid_roads(), rules=RULES, night=NIGHT, time_limit_s=0.3)
    assert plan.visits_wanted == 0 and len(plan.stops) == 0 and len(plan.routes) == 0


# -- targets from a project -----------------------------------------------------------------------

def _layers(with_risk: bool):
    houses = [box(X0 + 90 + 12 * k, Y0 + 10, X0 + 98 + 12 * k, Y0 + 18) for k in range(5)]
    houses += [box(X0 + 2010, Y0 + 2010 + 12 * k, X0 + 2018, Y0 + 2018 + 12 * k) for k in range(3)]
    buildings = gpd.GeoDataFrame({"name": [f"民族路{k}号" for k in range(8)], "village": ["老街社区"] * 8,
                                  "chimney_candidate": [True] * 5 + [False] * 3,
                                  "cluster_id": [1] * 5 + [2] * 3}, geometry=houses, crs=CRS)
    clusters = gpd.GeoDataFrame({"cluster_id": [1, 2], "households": [620, 80], "flagged": [True, True],
                                 "village": ["老街社区", "上寨村"], "flag_reason": ["620 户 ≥ 50 户", "80 户 ≥ 50 户"]},
                                geometry=[box(X0 + 80, Y0, X0 + 160, Y0 + 30), box(X0 + 2000, Y0 + 2000, X0 + 2030, Y0 + 2050)],
                                crs=CRS)
    places = gpd.GeoDataFrame({"name": ["枫岭镇敬老院", "小卖部", "镇政府", "农贸市场"],
                               "place_type": ["nursing_home", "nine_small", "government", "market"],
                               "concern": [True, True, False, True], "village": ["老街社区"] * 4},
                              geometry=[at(1, 1), at(1, 2), at(0, 0), at(3, 1)], crs=CRS)
    hazards = gpd.GeoDataFrame({"hazard_type": ["ebike", "wiring", "wiring"], "severity": ["major", "major", "general"],
                                "status": ["overdue", "closed", "open"], "address": ["民族路3号", "民族路5号", "民族路7号"],
                                "deadline": ["2027-01-01", None, None], "village": ["老街社区"] * 3},
                               geometry=[at(2, 1), at(2, 2), at(2, 3)], crs=CRS)
    stations = gpd.GeoDataFrame({"name": ["镇专职队", "上寨微站", "下寨志愿队"],
                                 "force_type": ["government", "micro", "volunteer"]},
                                geometry=[at(0, 0), at(4, 4), at(4, 0)], crs=CRS)
    layers = {"buildings": buildings, "clusters": clusters, "key_places": places, "hazards": hazards,
              "fire_stations": stations, "roads": grid_roads()}
    if with_risk:
        layers["risk_areas"] = gpd.GeoDataFrame(
            {"unit_id": ["V01", "V02", "V03", "V04"], "name": ["老街社区", "上寨村", "下寨村", "数据不足村"],
             "level": ["red", "orange", "yellow", "unknown"], "score": [80.0, 50.0, 20.0, None],
             "reasons_zh": ["木结构占比高", "连片户数多", "", ""], "reasons_en": ["timber", "cluster", "", ""]},
            geometry=[box(X0, Y0, X0 + 1500, Y0 + 1500), box(X0 + 1500, Y0 + 1500, X0 + 3000, Y0 + 3000),
                      box(X0 + 3000, Y0, X0 + 4000, Y0 + 1000), box(X0, Y0 + 3000, X0 + 1000, Y0 + 4000)], crs=CRS)
    return layers


def test_targets_from_raw_layers_without_risk_areas():
    layers = _layers(with_risk=False)
    t = select_targets(layers, levels=None, rules=RULES)
    by_id = t.set_index("target_id")
    assert by_id.loc["C:1", "level"] == "red" and by_id.loc["C:2", "level"] == "yellow"   # 620 and 80 households
    assert by_id.loc["C:1", "visits"] == 2 and by_id.loc["C:1", "must"]
    assert "Z:0" in by_id.index and "Z:1" not in by_id.index and "Z:2" not in by_id.index  # open major only
    assert by_id.loc["Z:0", "level"] == "red" and "电动车" in by_id.loc["Z:0", "checks"]
    kinds = t.groupby("kind").size()
    assert kinds["key_place"] == 3 and kinds["chimney"] == 1 and kinds["cluster"] == 2
    home = t[t["name"] == "枫岭镇敬老院"].iloc[0]
    assert home["level"] == "red"                                       # nursing homes of concern are red
    market = t[t["name"] == "农贸市场"].iloc[0]
    assert (market["window_start"], market["window_end"]) == ("21:00", "06:00")
    # default levels keep red and orange only
    assert set(select_targets(layers, rules=RULES)["level"]) == {"red", "orange"}
    # the cluster stop is one of its buildings
    stop = by_id.loc["C:1", "geometry"]
    assert layers["buildings"].geometry.iloc[:5].buffer(0.01).contains(stop).any()


def test_targets_from_a_hand_made_risk_layer():
    layers = _layers(with_risk=True)
    assert patrol.default_sources(layers) == ("risk_areas", "key_places", "hazards")
    t = select_targets(layers, rules=RULES)
    areas = t[t["kind"] == "risk_area"].set_index("target_id")
    assert list(areas.index) == ["A:V01", "A:V02"]                     # yellow and unknown left out
    assert areas.loc["A:V01", "level"] == "red" and areas.loc["A:V01", "visits"] == 2
    assert areas.loc["A:V01", "note"] == "木结构占比高"
    assert areas.loc["A:V01", "dwell_min"] == 20
    # the stop of an area is one of its buildings, not the middle of a field
    assert layers["buildings"].geometry.iloc[:5].buffer(0.01).contains(areas.loc["A:V01", "geometry"]).any()
    # other schemes by rank
    wz = risk_levels(pd.Series(["red", "yellow", "grey", "green", "unknown"]))
    assert list(wz) == ["red", "orange", "yellow", "blue", None]
    assert list(risk_levels(pd.Series(["major", "high", "moderate", "low"]))) == ["red", "orange", "yellow", "blue"]


def test_default_teams_start_at_stations_spread_over_the_targets():
    layers = _layers(with_risk=True)
    t = select_targets(layers, rules=RULES)
    teams = patrol.default_teams(layers, 2, targets=t, rules=RULES)
    assert [x.name for x in teams] == ["第1组", "第2组"]
    assert teams[0].base == "镇专职队"                 # the full-time team first
    assert teams[1].base != teams[0].base
    assert teams[0].shift() == (clock_to_s("20:00"), clock_to_s("06:00"))
    assert len(patrol.default_teams(layers, 5, targets=t)) == 5    # more teams than stations: shared bases


def test_project_plan_layers_conform_to_the_specs(tmp_path):
    from fireriskmap.core.project import Project

    project = Project.new(CRS, name="测试镇")
    for kind, layer in _layers(with_risk=True).items():
        project.set_layer(kind, layer)
    plan = patrol.plan_project(project, teams=2, night=NIGHT, time_limit_s=1.0, seed=5)
    assert plan.visits_made == plan.visits_wanted
    patrol.apply_plan(project, plan)
    for kind in ("patrol_routes", "patrol_stops"):
        spec = get_spec(kind)
        layer = project.layer(kind)
        assert len(layer) and spec.derived
        assert list(layer.columns[:len(spec.field_names)]) == spec.field_names
        assert set(layer.geom_type) <= ({"LineString", "MultiLineString"} if kind == "patrol_routes" else {"Point"})
    stops = project.layer("patrol_stops")
    assert set(stops["level"].dropna()) <= set(get_spec("patrol_stops").field("level").codes())
    assert set(stops["target_kind"]) <= set(get_spec("patrol_stops").field("target_kind").codes())
    assert project.runs[-1]["analysis"] == "patrol"
    path = project.save(tmp_path / "p.gpkg")
    again = Project.open(path)
    assert len(again.layer("patrol_routes")) == len(project.layer("patrol_routes"))
    assert list(again.layer("patrol_stops")["arrival"]) == list(stops["arrival"])


def test_time_limit_is_a_hard_wall_clock_limit_and_progress_can_cancel():
    from fireriskmap.errors import Cancelled

    t = _many_targets(24)
    teams = [team("第1组", (0, 0)), team("第2组", (4, 4))]
    plan_patrols(t, teams, grid_roads(), rules=RULES, night=NIGHT, time_limit_s=0.1)  # graph and snaps cached
    t0 = time.perf_counter()
    plan = plan_patrols(t, teams, grid_roads(), rules=RULES, night=NIGHT, time_limit_s=0.4, seed=9)
    assert time.perf_counter() - t0 < 0.4 + 1.0
    assert plan.summary["solve_seconds"] <= 0.4 + 0.2

    seen = []

    def progress(fraction, message=""):
        seen.append(fraction)
        if fraction > 0.3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        plan_patrols(t, teams, grid_roads(), rules=RULES, night=NIGHT, time_limit_s=5.0, progress=progress)
    assert seen and seen == sorted(seen)
