"""The ``patrol`` command on a small project: JSON figures, files written, layers stored."""

from __future__ import annotations

import argparse
import json

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from fireriskmap.analysis.network import clear_graph_cache
from fireriskmap.cli_patrol import add_patrol_parser, cmd_patrol
from fireriskmap.core.project import Project

CRS = "EPSG:4545"
X0, Y0 = 500_000.0, 2_940_000.0


@pytest.fixture
def project_file(tmp_path):
    clear_graph_cache()
    p = Project.new(CRS, name="测试镇")
    lines = []
    for k in range(4):
        lines.append(LineString([(X0, Y0 + k * 1000), (X0 + 3000, Y0 + k * 1000)]))
        lines.append(LineString([(X0 + k * 1000, Y0), (X0 + k * 1000, Y0 + 3000)]))
    p.set_layer("roads", gpd.GeoDataFrame({"road_class": ["collector"] * len(lines)}, geometry=lines, crs=CRS))
    p.set_layer("fire_stations", gpd.GeoDataFrame({"name": ["镇专职队", "村微站"], "force_type": ["government", "micro"]},
                                                  geometry=[Point(X0, Y0), Point(X0 + 3000, Y0 + 3000)], crs=CRS))
    p.set_layer("key_places", gpd.GeoDataFrame(
        {"name": ["敬老院", "小旅馆", "网吧", "镇政府"], "place_type": ["nursing_home", "nine_small", "nine_small", "government"],
         "concern": [True, True, True, False]},
        geometry=[Point(X0 + 1000, Y0 + 1000), Point(X0 + 2000, Y0), Point(X0 + 2500, Y0 + 3000), Point(X0, Y0 + 10)],
        crs=CRS))
    p.set_layer("hazards", gpd.GeoDataFrame(
        {"found_date": ["2027-01-02"], "hazard_type": ["ebike"], "severity": ["major"], "status": ["open"],
         "address": ["民族路1号"]}, geometry=[Point(X0 + 1500, Y0 + 2000)], crs=CRS))
    return p.save(tmp_path / "town.gpkg")


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="fireriskmap")
    sub = parser.add_subparsers(dest="command")
    add_patrol_parser(sub)
    return cmd_patrol(parser.parse_args(argv))


def test_patrol_command_json_and_files(project_file, tmp_path, capsys):
    out = tmp_path / "sheets"
    code = _run(["patrol", str(project_file), "--teams", "2", "--targets", "red,orange", "--seed", "3",
                 "--time-limit", "1", "--night", "2027-01-20", "--out-dir", str(out), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["visits_wanted"] == 6            # 敬老院 red ×2, hazard red ×2, two nine_small orange
    assert data["visits_made"] == 6 and data["unvisited"] == []
    assert [t["team"] for t in data["teams"]] == ["第1组", "第2组"]
    assert all({"stops", "km", "hours"} <= set(t) for t in data["teams"])
    assert sum(len(t["stops"]) for t in data["teams"]) == 6
    assert data["seed"] == 3 and data["night"] == "2027-01-20"
    assert {"pdf", "xlsx", "gpx"} == set(data["files"])
    assert (out / "patrol_2027-01-20.xlsx").exists() and (out / "patrol_2027-01-20.pdf").exists()
    again = Project.open(project_file)
    assert len(again.layer("patrol_routes")) >= 1 and len(again.layer("patrol_stops")) == 6


def test_patrol_command_text_output_without_a_team(project_file, capsys):
    code = _run(["patrol", str(project_file), "--teams", "2", "--time-limit", "0.5", "--night", "2027-01-20",
                 "--without", "第2组", "--no-save"])
    assert code == 0
    text = capsys.readouterr().out
    assert "2027-01-20 夜间巡防计划" in text and "第1组（镇专职队" in text and "第2组（" not in text
    assert "已按缺勤巡防组（第2组）重新规划" in text
    assert len(Project.open(project_file).layer("patrol_routes")) == 0   # --no-save


def test_patrol_command_shift_option(project_file, capsys):
    from fireriskmap.analysis.patrol.timeline import clock_to_s

    assert _run(["patrol", str(project_file), "--teams", "1", "--time-limit", "0.5", "--night", "2027-01-20",
                 "--start", "21:00", "--end", "05:00", "--no-save", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["teams"][0]["shift"] == "21:00–05:00"
    for stop in data["teams"][0]["stops"]:
        assert clock_to_s("21:00") <= clock_to_s(stop["arrival"]) <= clock_to_s("05:00")


def test_patrol_command_with_places_added_by_hand(project_file, tmp_path, capsys):
    place = gpd.GeoDataFrame({"name": ["夜市"], "window_start": ["22:00"], "window_end": ["02:00"], "dwell_min": [30]},
                             geometry=[Point(X0 + 3000, Y0 + 1000)], crs=CRS).to_crs("EPSG:4326")
    path = tmp_path / "extra.geojson"
    place.to_file(path, driver="GeoJSON")
    assert _run(["patrol", str(project_file), "--teams", "2", "--time-limit", "0.5", "--night", "2027-01-20",
                 "--manual", str(path), "--no-save", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    stops = [s for t in data["teams"] for s in t["stops"] if s["name"] == "夜市"]
    assert len(stops) == 1 and stops[0]["kind"] == "manual"
    from fireriskmap.analysis.patrol.timeline import clock_to_s

    assert clock_to_s("22:00") <= clock_to_s(stops[0]["arrival"]) <= clock_to_s("02:00")
    assert data["visits_wanted"] == 7
