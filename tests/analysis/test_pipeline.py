"""Analyses wired into the project and the CLI: columns, derived layers, runs, skipped steps."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from fireriskmap import i18n
from fireriskmap.analysis.pipeline import analyse, apply_outcome
from fireriskmap.cli import main
from fireriskmap.core.project import Project

SHARED = Path(__file__).parents[2].parent / "shared" / "data"
CRS = "EPSG:4545"
X0, Y0 = 500000.0, 2940000.0


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_current", None)
    monkeypatch.delenv("FIRERISKMAP_LANG", raising=False)


def grid_roads(n: int = 5, step: float = 100.0) -> gpd.GeoDataFrame:
    lines = [shapely.LineString([(X0, Y0 + i * step), (X0 + (n - 1) * step, Y0 + i * step)]) for i in range(n)]
    lines += [shapely.LineString([(X0 + i * step, Y0), (X0 + i * step, Y0 + (n - 1) * step)]) for i in range(n)]
    return gpd.GeoDataFrame({"road_class": ["local"] * len(lines), "width": [6.0] * len(lines)},
                            geometry=lines, crs=CRS)


def village_project(roads: bool = True, stations: bool = True) -> Project:
    p = Project.new(crs=CRS, name="测试村")
    # a row of 60 touching timber houses (one flagged cluster) and four houses far apart
    row = [shapely.box(X0 + 10 + 6 * i, Y0 + 110, X0 + 15.5 + 6 * i, Y0 + 118) for i in range(60)]
    apart = [shapely.box(X0 + 250 + 40 * i, Y0 + 310, X0 + 260 + 40 * i, Y0 + 320) for i in range(3)]
    tall = [shapely.box(X0 + 310, Y0 + 205, X0 + 330, Y0 + 225)]
    n = len(row) + len(apart) + len(tall)
    p.set_layer("buildings", gpd.GeoDataFrame({
        "structure": ["timber"] * len(row) + ["brick_concrete"] * len(apart) + ["reinforced_concrete"],
        "fire_rating": ["4"] * len(row) + ["2"] * len(apart) + ["1"],
        "storeys": pd.array([2] * len(row) + [3] * len(apart) + [12], dtype="Int64"),
        "use": ["residential"] * n,
        "households": pd.array([1] * (n - 1) + [48], dtype="Int64"),
        "village": ["上寨"] * n,
    }, geometry=row + apart + tall, crs=CRS))
    if roads:
        p.set_layer("roads", grid_roads())
    p.set_layer("hydrants", gpd.GeoDataFrame({"name": ["1号", "2号"], "working": pd.array([True, False], dtype="boolean")},
                                             geometry=[shapely.Point(X0 + 100, Y0 + 100), shapely.Point(X0 + 300, Y0 + 300)],
                                             crs=CRS))
    if stations:
        p.set_layer("fire_stations", gpd.GeoDataFrame(
            {"name": ["镇专职队"], "force_type": ["government"], "turnout_s": [60.0]},
            geometry=[shapely.Point(X0, Y0)], crs=CRS))
    return p


def test_all_steps_into_the_project(tmp_path):
    p = village_project()
    before = p.layer("buildings").copy()
    outcome = analyse(p, sites=2)
    pd.testing.assert_frame_equal(p.layer("buildings"), before)  # analyse does not change the project
    apply_outcome(p, outcome)
    b = p.layer("buildings")
    for col in ("cluster_id", "high_rise", "high_rise_reason", "chimney_candidate", "chimney_candidate_reason",
                "steel_or_panel", "steel_or_panel_reason", "water_distance_m", "water_covered", "response_s",
                "first_due_station"):
        assert col in b.columns, col
    assert b["cluster_id"].iloc[:60].nunique() == 1 and (b["cluster_id"].iloc[:60] > 0).all()
    assert (b["cluster_id"].iloc[60:63] == -1).all()  # houses 30 m apart stand alone
    assert bool(b["high_rise"].iloc[-1]) and "27" in b["high_rise_reason"].iloc[-1]  # 12 storeys × 3 m = 36 m
    assert p.layer("clusters")["flagged"].tolist() == [True]
    assert len(p.layer("firebreaks")) >= 1
    # hose path: houses at y = Y0+110..118 sit 10 m off the road y = Y0+100; the working hydrant is at (100, 100)
    near = b.geometry.centroid.x.sub(X0 + 100).abs().idxmin()
    assert bool(b.loc[near, "water_covered"])
    assert b["first_due_station"].dropna().eq("镇专职队").all()
    assert len(p.layer("proposed_hydrants")) == 2
    h = outcome.headline()
    assert h["clusters"] == 1 and h["flagged_clusters"] == 1 and h["proposed_hydrants"] == 2
    assert 0 < h["water_covered_share"] < 1 and h["share_5min"] == 1.0
    path = p.save(tmp_path / "v.gpkg")
    q = Project.open(path)
    assert q.runs[-1]["analysis"] == "analyse"
    assert {"clusters", "firebreaks", "coverage_gaps", "response_areas", "proposed_hydrants"} <= set(q.layers)
    assert q.layer("buildings")["water_covered"].dtype == "boolean"


def test_missing_roads_and_stations_give_partial_results():
    p = village_project(roads=False, stations=False)
    outcome = analyse(p)
    texts = [m.render("en") for m in outcome.issues]
    assert any("straight lines" in t for t in texts)
    assert any("Response times not run" in t and "fire stations" in t for t in texts)
    assert any("Hydrant siting not run" in t and "roads" in t for t in texts)
    assert outcome.summary["coverage"]["mode"] == "straight_line"
    assert "cluster_id" in outcome.columns and "response_s" not in outcome.columns


def test_rerun_replaces_stale_layers():
    p = village_project()
    apply_outcome(p, analyse(p, steps=["siting"], sites=2))
    assert len(p.layer("proposed_hydrants")) == 2
    p.remove_layer("roads")
    apply_outcome(p, analyse(p, steps=["siting"]))
    assert "proposed_hydrants" not in p.layers  # a failed re-run leaves no stale sites behind


def test_cli_analyse_json(tmp_path, capsys):
    path = village_project().save(tmp_path / "v.gpkg")
    assert main(["analyse", str(path), "--clusters", "--coverage", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["steps"] == ["clusters", "coverage"]
    assert data["headline"]["flagged_clusters"] == 1
    assert data["headline"]["water_mode"] == "network"
    b = Project.open(path).layer("buildings")
    assert b["response_s"].isna().all() and b["water_covered"].notna().all()  # only the steps asked for ran
    assert main(["analyse", str(path), "--gap", "3", "--clusters", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["params"]["gap_m"] == 3.0


def test_cli_analyse_without_crs(tmp_path, capsys):
    Project.new().save(tmp_path / "e.gpkg")
    assert main(["analyse", str(tmp_path / "e.gpkg")]) == 2
    assert "坐标系" in capsys.readouterr().err


@pytest.mark.slow
def test_bayreuth_all_steps(tmp_path, capsys):
    osm = SHARED / "osm" / "north-bayreuth.osm.gz"
    if not osm.exists():
        pytest.skip(f"real data not present: {osm}")
    path = tmp_path / "bay.gpkg"
    assert main(["import", str(path), str(osm), "--json"]) == 0
    capsys.readouterr()
    assert main(["analyse", str(path), "--all", "--siting", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    h = data["headline"]
    assert h["clusters"] > 100 and h["flagged_clusters"] >= 1
    assert 0 < h["water_covered_share"] < 0.2
    assert h["proposed_hydrants"] == 3 and h["siting_gain_buildings"] > 0
    assert any("7" in t for t in data["issues"])  # the road network's separate parts are reported
    layers = Project.open(path).layers
    assert {"clusters", "coverage_gaps", "response_areas", "proposed_hydrants"} <= set(layers)
