"""Editing: values checked against the layer spec, add/move/delete points and attribute changes with
undo/redo, and analysis results that depend on an edit marked stale."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from fireriskmap.ui.editing import Editor, validate_value

GK_CRS = "EPSG:4545"  # as tests/conftest.py
X0, Y0 = 500_000.0, 2_900_000.0


@pytest.fixture
def editor(qtbot, make_tiny):
    project = make_tiny()
    ed = Editor()
    ed.set_project(project)
    return ed


def test_validation_against_the_spec():
    assert validate_value("hydrants", "pressure", "0.35") == (0.35, None)
    value, reason = validate_value("hydrants", "pressure", "很高")
    assert value is None and reason == "请输入数字"
    value, reason = validate_value("hydrants", "pressure", 9)
    assert value is None and "不能大于 5" in reason and "MPa" in reason
    assert validate_value("hydrants", "hydrant_type", "地上式") == ("pillar", None)
    assert validate_value("hydrants", "hydrant_type", "xyz")[1] == "请从列表中选择"
    assert validate_value("buildings", "storeys", "3层") == (3, None)
    assert validate_value("buildings", "storeys", 2.5)[1] == "请输入整数"
    assert validate_value("fire_stations", "name", None)[1] == "此项为必填"
    assert validate_value("buildings", "chimney_candidate", True)[1] == "这是分析结果，不能手工修改"
    assert validate_value("hazards", "found_date", "2024年12月1日") == ("2024-12-01", None)


def test_set_values_refuses_invalid_and_undoes(editor):
    project = editor.project
    errors = editor.set_values("hydrants", 0, {"pressure": "abc"})
    assert "pressure" in errors
    assert editor.stack.count() == 0
    assert not editor.set_values("hydrants", 0, {"pressure": "0.3", "hydrant_type": "underground"})
    h = project.layers["hydrants"]
    assert h["pressure"].iloc[0] == pytest.approx(0.3) and h["hydrant_type"].iloc[0] == "underground"
    editor.stack.undo()
    h = project.layers["hydrants"]
    assert np.isnan(h["pressure"].iloc[0]) and h["hydrant_type"].iloc[0] is None
    editor.stack.redo()
    assert project.layers["hydrants"]["hydrant_type"].iloc[0] == "underground"


def test_add_move_delete_with_undo_redo(editor, qtbot):
    project = editor.project
    n0 = len(project.layers["hydrants"])
    assert not editor.add_point("hydrants", X0 + 300, Y0 + 300, {"name": "2号"})
    h = project.layers["hydrants"]
    assert len(h) == n0 + 1
    assert h["name"].iloc[-1] == "2号" and bool(h["working"].iloc[-1]) is True  # spec default
    editor.move_point("hydrants", n0, X0 + 350, Y0 + 320)
    assert project.layers["hydrants"].geometry.iloc[n0].equals(shapely.Point(X0 + 350, Y0 + 320))
    editor.delete("hydrants", [0])
    h = project.layers["hydrants"]
    assert len(h) == n0 and h["name"].iloc[0] == "2号"
    editor.stack.undo()  # delete undone: the first hydrant is back in its place
    h = project.layers["hydrants"]
    assert len(h) == n0 + 1 and h["name"].iloc[0] == "1号"
    editor.stack.undo()  # move undone
    assert project.layers["hydrants"].geometry.iloc[n0].equals(shapely.Point(X0 + 300, Y0 + 300))
    editor.stack.undo()  # add undone
    assert len(project.layers["hydrants"]) == n0
    editor.stack.redo()
    editor.stack.redo()
    assert project.layers["hydrants"].geometry.iloc[n0].equals(shapely.Point(X0 + 350, Y0 + 320))


def test_add_point_needs_required_fields(editor):
    errors = editor.add_point("fire_stations", X0, Y0, {})
    assert "name" in errors
    assert "fire_stations" not in editor.project.layers


def test_edits_mark_dependent_results_stale(editor, qtbot):
    project = editor.project
    project.set_layer("coverage_gaps", gpd.GeoDataFrame(
        {"gap_id": [1]}, geometry=[shapely.box(X0, Y0, X0 + 50, Y0 + 50)], crs=GK_CRS))
    project.set_layer("response_areas", gpd.GeoDataFrame(
        {"station": ["a"]}, geometry=[shapely.box(X0, Y0, X0 + 50, Y0 + 50)], crs=GK_CRS))
    with qtbot.waitSignal(editor.stale_changed) as blocker:
        editor.move_point("hydrants", 0, X0 + 700, Y0 + 700)
    assert blocker.args[0] == {"coverage"}  # response does not read hydrants
    editor.analysed(["coverage"])
    assert editor.stale == set()
