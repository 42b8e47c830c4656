"""The analysis dialog runs the pipeline in the background with progress, a working Cancel, and hands
the outcome back on the GUI thread; the main window applies it and the results appear as layers."""

from __future__ import annotations

import pytest

from fireriskmap.ui.analysis_dialog import AnalysisDialog, headline_lines


def make_dialog(qtbot, project, runner, settings, steps):
    dialog = AnalysisDialog(project, runner, settings=settings, steps=steps)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_settings_are_offered_and_remembered(qtbot, fresh_town, runner, settings):
    dialog = make_dialog(qtbot, fresh_town, runner, settings, ["clusters"])
    assert dialog.step_boxes["clusters"].text() == "集中连片分析"
    assert not dialog.sites_spin.isEnabled()  # siting not chosen
    dialog.gap_uniform.setChecked(True)
    dialog.gap_spin.setValue(4.5)
    dialog.water_straight.setChecked(True)
    params = dialog.parameters()
    assert params["gap_m"] == 4.5 and params["water_mode"] == "straight_line" and params["steps"] == ["clusters"]
    dialog._save_settings()
    again = make_dialog(qtbot, fresh_town, runner, settings, None)
    assert again.chosen_steps() == ["clusters"] and again.gap_uniform.isChecked()
    assert again.water_straight.isChecked()


def test_run_delivers_outcome_and_summary(qtbot, fresh_town, runner, settings):
    from fireriskmap.analysis.pipeline import apply_outcome

    dialog = make_dialog(qtbot, fresh_town, runner, settings, ["classify", "clusters"])
    with qtbot.waitSignal(dialog.outcome_ready, timeout=60000) as blocker:
        task = dialog.start()
        assert dialog.is_running() and not dialog.run_button.isEnabled() and dialog.cancel_button.isEnabled()
    outcome = blocker.args[0]
    assert outcome.steps == ["classify", "clusters"]
    assert "clusters" not in fresh_town.layers  # the dialog never changes the project itself
    apply_outcome(fresh_town, outcome)
    assert fresh_town.has_layer("clusters")
    qtbot.waitUntil(lambda: not dialog.is_running())
    text = dialog.results.toPlainText()
    assert "连片建筑群" in text and "高层建筑" in text
    assert dialog.progress.value() == 1000
    assert task.is_done


def test_cancel_stops_the_analysis_and_leaves_the_project(qtbot, fresh_town, runner, settings):
    dialog = make_dialog(qtbot, fresh_town, runner, settings,
                         ["classify", "clusters", "coverage", "response", "siting"])
    task = dialog.start()
    with qtbot.waitSignal(task.progress, timeout=30000):
        pass
    with qtbot.waitSignal(task.cancelled, timeout=30000):
        dialog.cancel()
    assert dialog.outcome is None
    assert "已取消" in dialog.status.text()
    assert not any(k in fresh_town.layers for k in ("clusters", "coverage_gaps", "proposed_hydrants"))
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled())


def test_headline_lines_are_translated():
    lines = headline_lines({"clusters": 299, "water_covered_share": 0.2975, "water_mode": "network",
                            "siting_method": "exact"})
    assert lines == ["连片建筑群：299 个", "消防水源覆盖的建筑：29.8%", "水源距离算法：沿道路水带路径",
                     "选址方法：精确求解"]
