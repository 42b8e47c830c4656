"""The patrol panel plans in the background, applies the plan on the GUI thread, shows the summary,
can be cancelled, and writes route sheets."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QTime
from PyQt6.QtWidgets import QMessageBox

from fireriskmap.ui.patrol_panel import PatrolPanel


@pytest.fixture(autouse=True)
def _no_warning_box(monkeypatch):
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Ok)


def make_panel(qtbot, project, runner):
    panel = PatrolPanel(runner=runner)
    qtbot.addWidget(panel)
    panel.set_project(project)
    panel.resize(560, 640)
    panel.show()
    return panel


def test_defaults_and_parameters(qtbot, fresh_town, runner):
    panel = make_panel(qtbot, fresh_town, runner)
    assert panel.plan_button.text() == "规划"
    assert panel.start_edit.time() == QTime(20, 0) and panel.end_edit.time() == QTime(6, 0)
    panel.level_boxes["yellow"].setChecked(True)
    panel.teams_spin.setValue(2)
    params = panel.parameters()
    assert params["levels"] == ["red", "orange", "yellow"] and params["teams"] == 2
    assert params["shift"] == ("20:00", "06:00")
    for box in panel.level_boxes.values():
        box.setChecked(False)
    assert panel.start_plan() is None and "等级" in panel.status_label.text()


def test_plan_is_applied_and_summarised(qtbot, fresh_town, runner, tmp_path):
    panel = make_panel(qtbot, fresh_town, runner)
    panel.teams_spin.setValue(2)
    panel.time_spin.setValue(1.0)
    assert "patrol_routes" not in fresh_town.layers
    with qtbot.waitSignal(panel.plan_applied, timeout=60000) as blocker:
        panel.start_plan()
    plan = blocker.args[0]
    assert len(fresh_town.layer("patrol_routes")) >= 1 and len(fresh_town.layer("patrol_stops")) >= 1
    assert fresh_town.runs[-1]["analysis"] == "patrol"
    assert panel.team_table.rowCount() == 2
    assert panel.team_table.item(0, 0).text() == plan.summary["teams"][0]["team"]
    assert panel.unvisited_table.rowCount() == len(plan.unvisited)
    assert "计划巡查" in panel.status_label.text()
    qtbot.waitUntil(lambda: panel.sheet_buttons["pdf"].isEnabled(), timeout=5000)
    panel.grab().save("/tmp/patrol_panel.png")

    paths = panel.write_sheets(tmp_path, ["xlsx", "gpx"])
    assert paths and all((tmp_path / p).exists() for p in paths)
    assert any(p.endswith(".xlsx") for p in paths)


def test_cancel_stops_the_plan(qtbot, fresh_town, runner):
    panel = make_panel(qtbot, fresh_town, runner)
    panel.time_spin.setValue(30.0)
    applied = []
    panel.plan_applied.connect(applied.append)
    task = panel.start_plan()
    task.cancel()  # before the worker even starts: the first progress call raises Cancelled
    with qtbot.waitSignal(task.done, timeout=30000):
        pass
    assert not applied and "patrol_routes" not in fresh_town.layers
    assert panel.status_label.text() == "已取消规划。"
    assert panel.plan_button.isEnabled() and not panel.cancel_button.isEnabled()


def test_cancel_button_while_running(qtbot, fresh_town, runner):
    panel = make_panel(qtbot, fresh_town, runner)
    panel.time_spin.setValue(30.0)
    task = panel.start_plan()
    qtbot.waitUntil(lambda: task.fraction > 0.0 or task.is_done, timeout=30000)
    assert panel.cancel_button.isEnabled()
    with qtbot.waitSignal(task.done, timeout=30000):
        panel.cancel_button.click()
    assert task.is_done and panel.status_label.text() == "已取消规划。"
    assert "patrol_routes" not in fresh_town.layers


def test_errors_are_messages(qtbot, make_tiny, runner):
    project = make_tiny()
    project.remove_layer("roads")
    panel = make_panel(qtbot, project, runner)
    task = panel.start_plan()
    with qtbot.waitSignal(task.done, timeout=30000):
        pass
    text = panel.status_label.text()
    assert text and "Traceback" not in text and "patrol_routes" not in project.layers
