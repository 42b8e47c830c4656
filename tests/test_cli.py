"""The fireriskmap command: new, info, validate, errors, --json, languages, help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from fireriskmap import i18n
from fireriskmap.cli import main
from fireriskmap.core.project import Project

FIXTURE = Path(__file__).parent / "fixtures" / "project_schema1.gpkg"


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_current", None)
    monkeypatch.delenv("FIRERISKMAP_LANG", raising=False)


def test_info_json(capsys):
    assert main(["info", str(FIXTURE), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["crs"] == "EPSG:4545"
    assert data["layers"]["buildings"]["count"] == 3
    assert data["layers"]["villages"]["count"] == 2
    assert data["schema_version"] == 1  # the version in the file, not the one the app writes


def test_info_text_is_chinese_by_default(capsys):
    assert main(["info", str(FIXTURE)]) == 0
    out = capsys.readouterr().out
    assert "坐标系" in out and "建筑" in out


def test_new_with_crs_and_centre(tmp_path, capsys):
    assert main(["new", str(tmp_path / "a.gpkg"), "--crs", "EPSG:4545", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["crs"] == "EPSG:4545"
    assert main(["new", str(tmp_path / "b.gpkg"), "--centre", "116.4,39.9", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["crs"] == "EPSG:4548"  # CM 117E
    assert main(["new", str(tmp_path / "c.gpkg")]) == 0
    assert Project.open(tmp_path / "c.gpkg").crs is None


def test_new_refuses_to_overwrite(tmp_path, capsys):
    path = tmp_path / "a.gpkg"
    assert main(["new", str(path), "--crs", "EPSG:4545"]) == 0
    assert main(["new", str(path), "--crs", "EPSG:4545"]) == 2
    assert "已存在" in capsys.readouterr().err
    assert main(["new", str(path), "--crs", "EPSG:4545", "--force"]) == 0


@pytest.mark.parametrize("argv,needle", [
    (["info", "/no/such/file.gpkg"], "文件不存在"),
    (["new", "x.gpkg", "--crs", "EPSG:4490"], "geographic"),
    (["new", "x.gpkg", "--crs", "EPSG:999999"], "EPSG:999999"),
    (["new", "x.gpkg", "--centre", "abc"], "经度,纬度"),
])
def test_bad_input_gives_a_clear_message(tmp_path, monkeypatch, capsys, argv, needle):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and needle in err
    assert "Traceback" not in err


def test_english_messages(capsys):
    assert main(["--lang", "en", "info", "/no/such/file.gpkg"]) == 2
    assert "file not found" in capsys.readouterr().err


def test_validate_specs_and_project(tmp_path, capsys):
    assert main(["validate", "--json"]) == 0
    assert "buildings" in json.loads(capsys.readouterr().out)["specs"]
    assert main(["validate", str(FIXTURE), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["layers"]["buildings"]["count"] == 3
    # a project with an empty geometry and a bad enum value fails validation
    p = Project.new(crs="EPSG:4545")
    gdf = gpd.GeoDataFrame({"name": ["a", "b"], "hydrant_type": ["pillar", "pillar"]},
                           geometry=[shapely.Point(0, 0), shapely.Point()], crs=4545)
    p.set_layer("hydrants", gdf)
    p.layers["hydrants"].loc[0, "hydrant_type"] = "rocket"
    p.save(tmp_path / "bad.gpkg")
    assert main(["validate", str(tmp_path / "bad.gpkg"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["layers"]["hydrants"]["empty_geometry"] == 1
    assert report["layers"]["hydrants"]["value_problems"] == 1


@pytest.mark.parametrize("command", ["gui", "new", "import", "info", "validate", "demo", "analyse", "export", "priorities", "ahp"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert "usage: fireriskmap" in capsys.readouterr().out


def test_usage_error_exit_code(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["info"])
    assert exit_.value.code == 2


def test_module_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "fireriskmap", "--lang", "en", "info", str(FIXTURE), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["layers"]["hydrants"]["count"] == 1


SHARED = Path(__file__).parents[1].parent / "shared" / "data"


def test_import_csv_then_info(tmp_path, capsys):
    csv = tmp_path / "消火栓.csv"
    csv.write_text("编号,经度,纬度,类型,完好\n1号,108.01,26.60,地上式,是\n2号,108.02,26.61,地下式,否\n3号,,26.61,地下式,否\n",
                   encoding="gbk")
    project = tmp_path / "镇.gpkg"
    assert main(["import", str(project), str(csv), "--layer", "hydrants", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["project_created"] and summary["crs"] == "EPSG:4545"
    assert main(["info", str(project), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["layers"]["hydrants"]["count"] == 2  # the row without a longitude is rejected ...
    report = list(tmp_path.glob("*.rejected.csv"))
    text = report[0].read_text(encoding="utf-8-sig")
    assert "消火栓,4,已拒绝" in text and "缺少坐标" in text  # ... and reported with its file line
    hydrants = Project.open(project).layer("hydrants")
    assert hydrants["working"].tolist() == [True, False]
    assert hydrants["hydrant_type"].tolist() == ["pillar", "underground"]


def test_import_broken_file_message(tmp_path, capsys):
    broken = tmp_path / "房屋.shp"
    broken.write_bytes(b"\x00\x00\x27\x0a" + b"garbage" * 20)
    assert main(["import", str(tmp_path / "p.gpkg"), str(broken), "--layer", "buildings"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "Traceback" not in err
    assert not (tmp_path / "p.gpkg").exists()  # nothing half-written


@pytest.mark.slow
def test_import_bayreuth_and_info_json(tmp_path, capsys):
    osm = SHARED / "osm" / "north-bayreuth.osm.gz"
    if not osm.exists():
        pytest.skip(f"real data not present: {osm}")
    project = tmp_path / "bayreuth.gpkg"
    assert main(["import", str(project), str(osm), "--json"]) == 0
    capsys.readouterr()
    assert main(["info", str(project), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["crs"] == "EPSG:32632"
    layers = info["layers"]
    assert 4260 <= layers["buildings"]["count"] <= 4269
    assert layers["hydrants"]["count"] == 20
    assert layers["fire_stations"]["count"] == 7
    assert 2000 <= layers["roads"]["count"] <= 2100


def test_gui_screenshot_of_the_demo(tmp_path):
    """The main job, headless: the app opens the bundled demo and the window is saved as PNG."""
    from PyQt6.QtGui import QImage

    out = tmp_path / "window.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "fireriskmap", "gui", "--screenshot", str(out), "--size", "1200x800"],
                            capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    colours = {image.pixel(x, y) for x in range(300, 1200, 37) for y in range(50, 780, 29)}
    assert len(colours) > 20  # a drawn map, not an empty window


def test_gui_without_display_says_how(monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    if not sys.platform.startswith("linux"):
        pytest.skip("display detection is for Linux")
    assert main(["gui"]) == 2
    assert "xvfb-run" in capsys.readouterr().err


def test_lang_after_the_command(capsys):
    assert main(["info", "/no/such/file.gpkg", "--lang", "en"]) == 2
    assert "file not found" in capsys.readouterr().err


def test_priorities_when_no_area_is_ranked(tmp_path, tiny, capsys):
    """Every area too incomplete to rank: an empty list and a message, not rows of NaN or a crash."""
    villages = tiny.layer("villages")
    tiny.set_layer("risk_areas", villages.assign(
        unit_id=[f"v{i}" for i in range(len(villages))], rank=pd.array([None] * len(villages), dtype="Int64"),
        score=[60.0] * len(villages), level=["unknown"] * len(villages), completeness=[0.4] * len(villages),
        reasons_zh=["数据不足"] * len(villages), reasons_en=["too little data"] * len(villages)))
    path = tiny.save(tmp_path / "p.gpkg")
    assert main(["priorities", str(path), "--top", "3", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["areas"] == []
    assert main(["priorities", str(path)]) == 1
    assert "未参与排序" in capsys.readouterr().err
