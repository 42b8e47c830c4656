"""The project GeoPackage: round trip, plain-GDAL readability, atomic saves, schema versions."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from fireriskmap.core.project import SCHEMA_VERSION, Project
from fireriskmap.errors import CRSError, ProjectFileError
from fireriskmap.storage import gpkg

FIXTURES = Path(__file__).parents[1] / "fixtures"


def small_project() -> Project:
    p = Project.new(crs="EPSG:4545", name="测试镇")
    p.set_layer("buildings", gpd.GeoDataFrame(
        {"village": ["上寨", "上寨", "下寨"], "storeys": pd.array([2, None, 4], dtype="Int64"),
         "structure": ["timber", None, "steel"], "open_stair": pd.array([True, None, False], dtype="boolean"),
         "height": [6.0, None, 12.5], "extra_col": ["a", "b", "c"]},
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(11, 0, 20, 10), shapely.box(100, 100, 130, 120)],
        crs="EPSG:4545"))
    p.set_layer("hydrants", gpd.GeoDataFrame(
        {"name": ["1号"], "working": pd.array([False], dtype="boolean")},
        geometry=[shapely.Point(50, 50)], crs="EPSG:4545"))
    p.set_setting("coverage.radius_m", 150)
    p.set_setting("名称", {"嵌套": [1, 2]})
    p.record_run("clusters", params={"gap": 6}, summary={"clusters": 2})
    return p


def test_round_trip(tmp_path):
    p = small_project()
    path = p.save(tmp_path / "p.gpkg")
    q = Project.open(path)
    assert q.crs_code == "EPSG:4545"
    assert q.name == "测试镇"
    assert q.counts() == {"buildings": 3, "hydrants": 1}
    b = q.layer("buildings")
    assert b["storeys"].dtype == "Int64" and b["storeys"].isna().tolist() == [False, True, False]
    assert b["open_stair"].dtype == "boolean" and b["open_stair"].tolist()[0] is True
    assert pd.isna(b["open_stair"].tolist()[1])
    assert b["structure"].tolist() == ["timber", None, "steel"]
    assert b["village"].tolist() == ["上寨", "上寨", "下寨"]
    assert b["extra_col"].tolist() == ["a", "b", "c"]  # extra columns survive
    assert shapely.equals(b.geometry.values, p.layer("buildings").geometry.values).all()
    assert q.settings == {"coverage.radius_m": 150, "名称": {"嵌套": [1, 2]}}
    assert q.runs[0]["analysis"] == "clusters" and q.runs[0]["summary"] == {"clusters": 2}
    assert q.metadata["schema_version"] == str(SCHEMA_VERSION)


def test_plain_pyogrio_and_gpkg_contents(tmp_path):
    path = small_project().save(tmp_path / "p.gpkg")
    layers = dict((str(a), b) for a, b in pyogrio.list_layers(path))
    assert {"buildings", "hydrants", "frm_meta", "frm_settings", "frm_runs"} <= set(layers)
    b = pyogrio.read_dataframe(path, layer="buildings")
    assert len(b) == 3 and b.crs.to_epsg() == 4545
    info = pyogrio.read_info(path, layer="buildings")
    types = dict(zip(info["fields"], info["dtypes"]))
    assert types["storeys"] == "int64" and types["open_stair"] == "bool"
    con = sqlite3.connect(path)
    rows = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
    con.close()
    assert rows["frm_meta"] == "attributes" and rows["buildings"] == "features"


def test_empty_project_round_trip(tmp_path):
    p = Project.new(name="空")
    assert p.crs is None
    path = p.save(tmp_path / "e.gpkg")
    q = Project.open(path)
    assert q.crs is None and q.counts() == {}
    # the first data chooses the CRS: a point in Guizhou gets the CGCS2000 GK zone CM 108E
    q.set_layer("hydrants", gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(107.9, 26.6)], crs=4326))
    assert q.crs_code == "EPSG:4545"
    assert 400000 < q.layer("hydrants").geometry.x.iloc[0] < 600000


def test_crs_choice_outside_china():
    p = Project.new(centre=(11.6, 50.0))
    assert p.crs_code == "EPSG:32632"


def test_geographic_crs_refused():
    with pytest.raises(CRSError):
        Project.new(crs="EPSG:4490")


def test_append_and_replace(tmp_path):
    p = small_project()
    extra = gpd.GeoDataFrame({"name": ["2号"]}, geometry=[shapely.Point(60, 60)], crs="EPSG:4545")
    p.set_layer("hydrants", extra, mode="append")
    assert len(p.layer("hydrants")) == 2
    p.set_layer("hydrants", extra, mode="replace")
    assert p.layer("hydrants")["name"].tolist() == ["2号"]


def test_not_a_project_and_missing_file(tmp_path):
    with pytest.raises(ProjectFileError):
        Project.open(tmp_path / "nope.gpkg")
    plain = tmp_path / "plain.gpkg"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)], crs=4326), plain)
    with pytest.raises(ProjectFileError) as err:
        Project.open(plain)
    assert "import" in err.value.message("en")
    garbage = tmp_path / "garbage.gpkg"
    garbage.write_bytes(b"this is not sqlite" * 10)
    with pytest.raises(ProjectFileError):
        Project.open(garbage)


def test_newer_schema_refused(tmp_path):
    path = small_project().save(tmp_path / "p.gpkg")
    con = sqlite3.connect(path)
    con.execute("UPDATE frm_meta SET value='999' WHERE key='schema_version'")
    con.commit()
    con.close()
    with pytest.raises(ProjectFileError) as err:
        Project.open(path)
    assert "999" in str(err.value)


def test_committed_schema1_fixture_loads():
    p = Project.open(FIXTURES / "project_schema1.gpkg")
    assert p.crs_code == "EPSG:4545"
    assert p.counts() == {"villages": 2, "buildings": 3, "hydrants": 1, "roads": 1}
    assert p.layer("villages")["name"].tolist() == ["上寨村", "下寨村"]
    assert p.layer("buildings")["fire_rating"].tolist() == ["4", None, "2"]
    assert p.settings["coverage.radius_m"] == 150


def test_failed_save_leaves_old_file(tmp_path, monkeypatch):
    path = small_project().save(tmp_path / "p.gpkg")
    before = path.read_bytes()
    p = Project.open(path)
    p.set_layer("hydrants", p.layer("hydrants").iloc[:0])

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(gpkg, "_write_tables", boom)
    with pytest.raises(ProjectFileError):
        p.save()
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".p.saving-*"))  # temporary removed


KILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import pyogrio
    from fireriskmap.core.project import Project
    from fireriskmap.storage import gpkg
    p = Project.open(sys.argv[1])
    p.set_layer("hydrants", p.layer("hydrants").iloc[:0])
    real = pyogrio.write_dataframe
    calls = []
    def write_then_die(*a, **k):
        real(*a, **k)
        calls.append(1)
        if len(calls) == 2:   # in the middle of the save: second layer just written
            os.kill(os.getpid(), signal.SIGKILL)
    gpkg.pyogrio.write_dataframe = write_then_die
    p.save()
""")


def test_killed_save_reopens_intact(tmp_path):
    path = small_project().save(tmp_path / "p.gpkg")
    before = Project.open(path).counts()
    result = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(path)], capture_output=True,
                            cwd=Path(__file__).parents[2], timeout=120)
    assert result.returncode == -9, result.stderr.decode()
    assert list(tmp_path.glob(".p.saving-*"))  # the killed save left its temporary beside the file
    assert Project.open(path).counts() == before  # ... and the project itself is intact
    small_project().save(path)  # the next save cleans the stale temporary up
    assert not list(tmp_path.glob(".p.saving-*"))
