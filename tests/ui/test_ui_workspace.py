"""The workspace in the main window: click to identify and select (map ↔ table), the selection drawn
on the map, rectangle select, zoom to selection, editing with undo and stale results, the analysis
applied from the UI, priority areas and charts, saving in the background, the unsaved-changes prompt."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt

from fireriskmap.i18n import set_language
from fireriskmap.ui.canvas import HIGHLIGHT_COLOUR
from fireriskmap.ui.main_window import MainWindow

X0, Y0 = 500_000.0, 2_900_000.0


def open_window(qtbot, project, settings):
    win = MainWindow(project, settings=settings)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.canvas._image is not None and not win.canvas.is_rendering(), timeout=15000)
    return win


@pytest.fixture
def window(qtbot, settings, make_tiny):
    win = open_window(qtbot, make_tiny(), settings)
    yield win
    win.runner.cancel_all()
    win.runner.wait(30000)
    win.canvas.shutdown()


def click_world(qtbot, win, x, y, modifier=Qt.KeyboardModifier.NoModifier):
    px, py = win.canvas.view.point_to_px(x, y)
    qtbot.mouseClick(win.canvas, Qt.MouseButton.LeftButton, modifier, QPoint(round(px), round(py)))


def test_click_identifies_and_selects_in_map_and_table(window, qtbot):
    click_world(qtbot, window, X0 + 150, Y0 + 150)  # the timber building
    assert window.selection.kind == "buildings"
    assert window.selection.positions.tolist() == [0]
    assert window.identify_panel.hits[0].kind == "buildings"
    assert "木结构" in window.identify_panel.details.toPlainText()
    assert window.table_panel.kind == "buildings"
    rows = window.table_panel.view.selectionModel().selectedRows()
    assert [window.table_panel.model.position(i.row()) for i in rows] == [0]
    assert window.layer_panel.current_kind() == "buildings"
    # the selection is drawn on top of the map, found through the spatial index
    assert window.canvas._highlight_paths
    image = window.canvas.grab().toImage()
    px, py = window.canvas.view.point_to_px(X0 + 100, Y0 + 150)  # on the building's outline
    dpr = image.devicePixelRatio()
    c = image.pixelColor(round(px * dpr), round(py * dpr))
    want = (HIGHLIGHT_COLOUR.red(), HIGHLIGHT_COLOUR.green(), HIGHLIGHT_COLOUR.blue())
    assert max(abs(a - b) for a, b in zip((c.red(), c.green(), c.blue()), want)) < 16
    # a click on nothing clears the selection
    click_world(qtbot, window, X0 + 950, Y0 + 50)
    assert window.selection.kind in ("", "villages")


def test_table_selection_moves_to_the_map(window, qtbot):
    window.show_table("hydrants")
    view = window.table_panel.view
    view.selectRow(0)
    assert window.selection.kind == "hydrants" and window.selection.positions.tolist() == [0]
    window.zoom_to_selection()
    cx, cy = window.canvas.view.cx, window.canvas.view.cy
    assert (cx, cy) == pytest.approx((X0 + 800, Y0 + 800), abs=1.0)


def test_rectangle_select(window, qtbot):
    window.set_tool("select")
    window.layer_panel.set_current_kind("hydrants")
    canvas = window.canvas
    a = canvas.view.point_to_px(X0 + 700, Y0 + 900)
    b = canvas.view.point_to_px(X0 + 900, Y0 + 700)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(a[0]), round(a[1])))
    qtbot.mouseMove(canvas, QPoint(round(b[0]), round(b[1])))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(b[0]), round(b[1])))
    assert window.selection.kind == "hydrants" and window.selection.positions.tolist() == [0]


def test_add_move_delete_points_with_undo(window, qtbot):
    project = window.project
    assert window.add_point_at(X0 + 300, Y0 + 300, kind="hydrants", dialog=False)
    h = project.layers["hydrants"]
    assert len(h) == 2 and h["village"].iloc[1] == "岩寨村"  # filled from the village under the point
    assert window.selection.kind == "hydrants" and window.selection.positions.tolist() == [1]
    assert "hydrants" in window.table_panel.kind
    # move it by dragging with the move tool
    window.set_tool("move")
    canvas = window.canvas
    start = canvas.view.point_to_px(X0 + 300, Y0 + 300)
    end = canvas.view.point_to_px(X0 + 400, Y0 + 250)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(start[0]), round(start[1])))
    qtbot.mouseMove(canvas, QPoint(round(end[0]), round(end[1])))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(end[0]), round(end[1])))
    moved = project.layers["hydrants"].geometry.iloc[1]
    assert (moved.x, moved.y) == pytest.approx((X0 + 400, Y0 + 250), abs=2 * canvas.view.mpp)
    window.delete_selected(confirm=False)
    assert len(project.layers["hydrants"]) == 1
    window.act_undo.trigger()
    assert len(project.layers["hydrants"]) == 2
    window.act_undo.trigger()
    window.act_undo.trigger()
    assert len(project.layers["hydrants"]) == 1
    window.act_redo.trigger()
    assert len(project.layers["hydrants"]) == 2
    assert "*" in window.windowTitle()


def test_cell_edit_is_validated(window, qtbot, monkeypatch):
    warnings = []
    monkeypatch.setattr("fireriskmap.ui.main_window.QMessageBox.warning",
                        lambda *a, **k: warnings.append(a[2]))
    window.show_table("hydrants")
    model = window.table_panel.model
    model.setData(model.index(0, model.columns.index("pressure")), "很高")
    assert warnings and "请输入数字" in warnings[0]
    assert np.isnan(window.project.layers["hydrants"]["pressure"].iloc[0])
    model.setData(model.index(0, model.columns.index("pressure")), 0.28)
    assert window.project.layers["hydrants"]["pressure"].iloc[0] == pytest.approx(0.28)
    assert window.table_panel.model.data(model.index(0, model.columns.index("pressure"))) == "0.28"


def test_analysis_from_the_ui_adds_layers_and_edits_make_them_stale(qtbot, settings, fresh_town):
    win = open_window(qtbot, fresh_town, settings)
    try:
        dialog = win.open_analysis_dialog(["classify", "clusters", "coverage"])
        with qtbot.waitSignal(dialog.outcome_ready, timeout=60000):
            dialog.start()
        assert "clusters" in win.layer_panel.kinds() and "coverage_gaps" in win.layer_panel.kinds()
        assert win.project.layers["buildings"]["high_rise"].notna().all()
        qtbot.waitUntil(lambda: not win.runner.busy and win.act_tool["add"].isEnabled(), timeout=10000)
        # editing a hydrant makes coverage stale, not clusters
        win.editor.move_point("hydrants", 0, X0 + 10, Y0 + 10)
        assert "coverage" in win.editor.stale and "clusters" not in win.editor.stale
        assert win.stale_banner.isVisibleTo(win) and "消防水源覆盖分析" in win.stale_label.text()
        assert "需重新计算" in win.layer_panel.item_for("coverage_gaps").text(0)
        with qtbot.waitSignal(win.editor.stale_changed, timeout=60000):
            win.recalculate_stale()
        assert "coverage" not in win.editor.stale
        assert "需重新计算" not in win.layer_panel.item_for("coverage_gaps").text(0)
    finally:
        win.runner.cancel_all()
        win.runner.wait(30000)
        win.canvas.shutdown()


def test_priority_areas_and_charts(qtbot, settings, fresh_town):
    win = open_window(qtbot, fresh_town, settings)
    try:
        panel = win.priority_panel
        risk = fresh_town.layers["risk_areas"]
        assert panel.table.rowCount() == len(risk)
        top = risk["score"].astype(float).idxmax()
        assert panel.table.item(0, 1).text() == risk["name"].iloc[top]  # highest score first (no rank column)
        panel.table.cellClicked.emit(0, 1)
        assert win.selection.kind == "risk_areas" and win.selection.positions.tolist() == [top]
        counts = win.charts_panel.levels.bars.opts["height"]
        assert sum(counts) == len(risk)
        # without the layer the panel says what to do
        win.project.remove_layer("risk_areas")
        qtbot.waitUntil(lambda: panel.hint.isVisibleTo(panel) and not panel.table.isVisibleTo(panel), timeout=5000)
    finally:
        win.canvas.shutdown()


def test_save_as_runs_in_the_background_and_clears_modified(qtbot, settings, make_tiny, tmp_path, monkeypatch):
    win = open_window(qtbot, make_tiny(), settings)
    try:
        target = tmp_path / "测试项目.gpkg"
        monkeypatch.setattr("fireriskmap.ui.main_window.QFileDialog.getSaveFileName",
                            lambda *a, **k: (str(target), ""))
        win.editor.move_point("hydrants", 0, X0 + 10, Y0 + 10)
        assert win.is_modified()
        assert win.save_project(wait=True)
        assert target.exists() and not win.is_modified()
        assert win.project.path == target
        assert str(target.resolve()) in win.recent_projects()
        from fireriskmap.core.project import Project

        again = Project.open(target)
        assert again.layers["hydrants"].geometry.iloc[0].x == pytest.approx(X0 + 10)
    finally:
        win.canvas.shutdown()


def test_close_asks_before_losing_changes(qtbot, settings, make_tiny, monkeypatch):
    win = open_window(qtbot, make_tiny(), settings)
    win.editor.move_point("hydrants", 0, X0 + 10, Y0 + 10)
    monkeypatch.setattr(MainWindow, "_ask_save_changes", lambda self: "cancel")
    win.close()
    assert win.isVisible()
    monkeypatch.setattr(MainWindow, "_ask_save_changes", lambda self: "discard")
    win.close()
    assert not win.isVisible()


def test_new_docks_retranslate(window):
    window.set_language("en")
    assert window.table_dock.windowTitle() == "Attribute table"
    assert window.identify_dock.windowTitle() == "Info"
    assert window.act_tool["select"].text() == "Select"
    assert window.table_panel.model.headerData(0, Qt.Orientation.Horizontal) in ("Name / address", "Village") \
        or window.table_panel.kind != "buildings"
    window.set_language("zh_CN")
    assert window.table_dock.windowTitle() == "属性表"


def test_autosave_and_recovery_after_a_crash(qtbot, settings, make_tiny, tmp_path, monkeypatch):
    project = make_tiny()
    path = tmp_path / "乡.gpkg"
    project.save(path)
    from fireriskmap.core.project import Project

    win = open_window(qtbot, Project.open(path), settings)
    try:
        win.editor.move_point("hydrants", 0, X0 + 10, Y0 + 10)
        assert win.autosave(wait=True)
        copy = win.current_recovery_path()
        assert copy.exists() and copy.parent == tmp_path / "recovery"
        # "crash": a new window opens the project file, which does not have the move
        monkeypatch.setattr(MainWindow, "_ask_recover", lambda self, saved_at: True)
        other = MainWindow(None, settings=settings)
        qtbot.addWidget(other)
        assert other.open_project_file(path)
        assert other.project.layers["hydrants"].geometry.iloc[0].x == pytest.approx(X0 + 10)
        assert other.is_modified() and other.project.path == path
        # saving removes the recovery copy
        assert other.save_project(wait=True)
        assert not copy.exists()
        other.canvas.shutdown()
    finally:
        win.canvas.shutdown()


def test_export_and_patrol_are_part_of_the_window(window, qtbot):
    dialog = window.open_export_dialog()
    assert dialog is not None and dialog.project is window.project and dialog.runner is window.runner
    dialog.close()
    assert window.patrol_dock is not None and window.patrol_panel.project is window.project
    window.set_language("en")
    assert window.act_export.text() == "&Export…"
    window.set_language("zh_CN")
