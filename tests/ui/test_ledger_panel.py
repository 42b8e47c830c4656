"""The hazard ledger in the workspace: the ledger panel (filter, sort, overdue rows, actions through the
ledger with its audit trail), two-way selection with the map, hazard points edited through the
ledger (delete = void), placing unplaced items, inspections coverage, stale risk results, language."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtGui import QBrush

from fireriskmap.errors import LedgerError
from fireriskmap.ledger import Ledger
from fireriskmap.ui import ledger_panel as lp
from fireriskmap.ui.ledger_panel import COLUMNS, LedgerPanel
from fireriskmap.ui.selection import SelectionModel

TODAY = "2025-01-20"


@pytest.fixture
def ledger_town(fresh_town, tmp_path):
    """The test township with a numbered ledger: 12 items + an overdue major, an overdue general, a
    closed one and one without a location; the ledger's date is fixed."""
    project = fresh_town
    project.path = tmp_path / "town.gpkg"  # evidence goes to town.files/ beside it
    project.set_setting("ledger.today", TODAY)
    ledger = Ledger(project, user="测试员")
    ledger.ensure_ids()
    h = project.layer("hazards")
    p0 = h.geometry.iloc[0]
    ledger.add({"hazard_type": "ebike", "severity": "major", "deadline": "2025-01-01", "village": "高坪村",
                "address": "高坪村3组12号", "found_date": "2024-12-20", "responsible_unit": "高坪村委"},
               x=p0.x + 300, y=p0.y + 300)
    ledger.add({"hazard_type": "firewood", "severity": "general", "deadline": "2025-01-15", "village": "平寨村",
                "address": "平寨村5组", "found_date": "2024-12-25"}, x=p0.x - 300, y=p0.y - 300)
    closed = ledger.add({"hazard_type": "wiring", "deadline": "2025-02-01", "village": "平寨村",
                         "found_date": "2024-12-01"}, x=p0.x + 600, y=p0.y)
    ledger.close(closed, note="复查合格", require_evidence=False, closed_date="2025-01-10")
    ledger.add({"hazard_type": "blocked_exit", "village": "归柳村", "address": "归柳村老街8号",
                "found_date": "2025-01-05"})
    ledger.refresh()
    project.dirty = False
    return project


@pytest.fixture
def panel(qtbot, ledger_town):
    sel = SelectionModel()
    widget = LedgerPanel(sel)
    qtbot.addWidget(widget)
    widget.set_project(ledger_town)
    widget.resize(1100, 400)
    return widget


@pytest.fixture
def window(qtbot, settings, ledger_town):
    from fireriskmap.ui.main_window import MainWindow

    win = MainWindow(ledger_town, settings=settings)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.runner.cancel_all()
    win.runner.wait(30000)
    win.canvas.shutdown()


def fill(widget, **answers):
    """A ``_run_dialog`` that fills the dialog in and presses OK (no modal loop)."""
    def run(dialog):
        if "files" in answers:
            dialog.add_files()
        if "note" in answers:
            dialog.note.setText(answers["note"])
        if "reason" in answers:
            dialog.reason.setPlainText(answers["reason"])
        widget.last_dialog = dialog
        return dialog.try_accept()
    return run


def row_of(panel, hazard_id):
    col = COLUMNS.index("hazard_id")
    for r in range(panel.proxy.rowCount()):
        if panel.proxy.index(r, col).data() == hazard_id:
            return r
    return -1


def select_id(panel, hazard_id):
    r = row_of(panel, hazard_id)
    assert r >= 0
    panel.view.selectRow(r)


def test_filter_sort_and_overdue_highlight(panel, ledger_town):
    view = Ledger(ledger_town).view()
    assert panel.proxy.rowCount() == len(view) == 16
    assert "逾期 2 条" in panel.count.text() and "待定位 1 条" in panel.count.text()
    # status filter: overdue
    panel.status_combo.setCurrentIndex(panel.status_combo.findData("overdue"))
    assert panel.proxy.rowCount() == 2
    # severity filter on top: the major one
    panel.severity_combo.setCurrentIndex(panel.severity_combo.findData("major"))
    assert panel.proxy.rowCount() == 1
    assert panel.proxy.index(0, COLUMNS.index("village")).data() == "高坪村"
    panel.severity_combo.setCurrentIndex(0)
    panel.status_combo.setCurrentIndex(panel.status_combo.findData("closed"))
    assert panel.proxy.rowCount() == 1
    panel.status_combo.setCurrentIndex(panel.status_combo.findData("active"))
    assert panel.proxy.rowCount() == 15
    panel.status_combo.setCurrentIndex(0)
    # village filter and text search
    panel.village_combo.setCurrentIndex(panel.village_combo.findData("平寨村"))
    assert panel.proxy.rowCount() == 2
    panel.village_combo.setCurrentIndex(0)
    panel.search.setText("老街8号")
    assert panel.proxy.rowCount() == 1
    assert "待定位" in panel.proxy.index(0, COLUMNS.index("address")).data()
    panel.search.setText("")
    # sort by days overdue, most first
    panel.view.sortByColumn(COLUMNS.index("days_overdue"), Qt.SortOrder.DescendingOrder)
    first = panel.proxy.index(0, 0).data()
    assert panel.proxy.index(0, COLUMNS.index("days_overdue")).data() == "19"  # 2025-01-01 → 2025-01-20
    # overdue rows are red, others not; major items are marked
    bg = panel.proxy.index(0, 0).data(Qt.ItemDataRole.BackgroundRole)
    assert isinstance(bg, QBrush) and bg.color() == lp.OVERDUE_BG
    assert panel.proxy.index(0, COLUMNS.index("severity")).data().startswith("▲")
    assert panel.proxy.index(0, COLUMNS.index("shown_status")).data() == "逾期"
    last = panel.proxy.rowCount() - 1
    assert panel.proxy.index(last, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    # sort by id ascending and back
    panel.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert panel.proxy.index(0, 0).data() == "YH00001"
    assert first != "YH00001"


def test_selection_follows_the_map_both_ways(window, qtbot, ledger_town):
    panel = window.ledger_panel
    window.ledger_dock.raise_()
    qtbot.waitUntil(lambda: window.canvas.view is not None, timeout=10000)
    # map → panel
    h = ledger_town.layer("hazards")
    pos = int(np.flatnonzero(h["hazard_id"] == "YH00013")[0])
    g = h.geometry.iloc[pos]
    window.zoom_to_feature("hazards", pos)
    qtbot.waitUntil(lambda: window.canvas._image is not None and not window.canvas.is_rendering(), timeout=15000)
    px, py = window.canvas.view.point_to_px(g.x, g.y)
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(round(px), round(py)))
    assert window.selection.kind == "hazards" and window.selection.positions.tolist() == [pos]
    assert panel.selected_ids() == ["YH00013"]
    assert "YH00013" in panel.detail.toPlainText()
    # panel → map (highlight, zoom)
    zoomed = []
    panel.zoom_requested.connect(lambda kind, p: zoomed.append((kind, p)))
    select_id(panel, "YH00003")
    pos3 = int(np.flatnonzero(h["hazard_id"] == "YH00003")[0])
    assert window.selection.kind == "hazards" and window.selection.positions.tolist() == [pos3]
    assert window.canvas._highlight_kind == "hazards"
    assert zoomed == [("hazards", pos3)]
    # selecting another layer clears the panel
    window.selection.select("hydrants", [0], source="map")
    assert panel.selected_ids() == []


def test_close_with_evidence_copies_the_files(panel, tmp_path, monkeypatch, ledger_town):
    photo = tmp_path / "整改后.jpg"
    photo.write_bytes(b"\xff\xd8\xff fake jpeg")
    monkeypatch.setattr(lp, "ask_evidence_files", lambda parent: [str(photo)])
    monkeypatch.setattr(panel, "_run_dialog", fill(panel, files=True, note="已拆除飞线充电"))
    changed = []
    panel.changed.connect(changed.append)
    select_id(panel, "YH00013")
    assert panel.buttons["close"].isEnabled() and not panel.buttons["reopen"].isEnabled()
    stored = panel.close_item()
    assert stored == ["evidence/YH00013/整改后.jpg"]
    copied = tmp_path / "town.files" / "evidence" / "YH00013" / "整改后.jpg"
    assert copied.read_bytes() == photo.read_bytes()
    item = Ledger(ledger_town).get("YH00013")
    assert item["status"] == "closed" and item["close_note"] == "已拆除飞线充电"
    assert item["closed_date"] == TODAY
    assert changed == ["hazards"]
    # the panel shows the item closed with its evidence
    assert panel.selected_ids() == ["YH00013"]
    assert "整改后.jpg" in panel.detail.toPlainText() and "已销号" in panel.detail.toPlainText()
    assert panel.buttons["reopen"].isEnabled() and not panel.buttons["close"].isEnabled()
    # the history lists the close
    monkeypatch.setattr(panel, "_run_dialog", lambda dialog: True)
    dialog = panel.show_history()
    actions = [dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())]
    assert "销号" in actions and "新增" in actions


def test_close_without_evidence_is_refused_in_chinese(panel, monkeypatch, ledger_town):
    monkeypatch.setattr(lp, "ask_evidence_files", lambda parent: [])
    monkeypatch.setattr(panel, "_run_dialog", fill(panel, files=True, note=""))
    select_id(panel, "YH00014")
    assert panel.close_item() is None
    assert "需要整改佐证" in panel.last_dialog.error.text()
    assert Ledger(ledger_town).get("YH00014")["status"] == "open"


def test_void_requires_a_reason(panel, monkeypatch, ledger_town):
    select_id(panel, "YH00014")
    monkeypatch.setattr(panel, "_run_dialog", fill(panel, reason="   "))
    assert not panel.void_item()
    assert panel.last_dialog.error.text() == "请填写原因。"
    assert Ledger(ledger_town).get("YH00014")["status"] == "open"
    monkeypatch.setattr(panel, "_run_dialog", fill(panel, reason="重复登记"))
    assert panel.void_item()
    item = Ledger(ledger_town).get("YH00014")
    assert item["status"] == "void" and item["void_reason"] == "重复登记"
    assert panel.proxy.rowCount() == 16  # still listed
    assert not panel.buttons["edit"].isEnabled() and not panel.buttons["void"].isEnabled()


def test_rectify_and_reopen_go_through_the_ledger(panel, monkeypatch, ledger_town):
    select_id(panel, "YH00001")
    assert panel.start_rectifying()
    assert Ledger(ledger_town).get("YH00001")["status"] == "rectifying"
    select_id(panel, "YH00015")  # the closed one
    monkeypatch.setattr(panel, "_run_dialog", fill(panel, reason=""))
    assert not panel.reopen_item()
    monkeypatch.setattr(panel, "_run_dialog", fill(panel, reason="复查不合格"))
    assert panel.reopen_item()
    assert Ledger(ledger_town).get("YH00015")["status"] == "open"
    history = Ledger(ledger_town).history("YH00015")
    assert history["action"].tolist()[-2:] == ["reopen", "reopen"] and history["note"].iloc[-1] == "复查不合格"


def test_new_and_edit_use_the_spec_form_without_workflow_fields(panel, monkeypatch, ledger_town):
    def run(dialog):
        assert "status" not in dialog.editors and "evidence" not in dialog.editors
        dialog.editors["description"].setText("楼道堆放杂物")
        dialog.editors["severity"].setCurrentIndex(dialog.editors["severity"].findData("major"))
        dialog._on_ok()
        return dialog.result() == dialog.DialogCode.Accepted
    monkeypatch.setattr(panel, "_run_dialog", run)
    new_id = panel.new_item()
    assert new_id == "YH00017"
    item = Ledger(ledger_town).get(new_id)
    assert item["description"] == "楼道堆放杂物" and item["severity"] == "major" and item["status"] == "open"
    assert panel.selected_ids() == [new_id] and "尚未在地图上定位" in panel.detail.toPlainText()

    def edit(dialog):
        dialog.editors["deadline"].setText("2025-02-28")
        dialog._on_ok()
        return dialog.result() == dialog.DialogCode.Accepted
    monkeypatch.setattr(panel, "_run_dialog", edit)
    assert panel.edit_item()
    assert Ledger(ledger_town).get(new_id)["deadline"] == "2025-02-28"
    assert Ledger(ledger_town).history(new_id)["field"].tolist()[-1] == "deadline"


def test_delete_of_a_hazard_point_voids_it(window, monkeypatch, ledger_town):
    panel = window.ledger_panel
    n = len(ledger_town.layer("hazards"))
    window.selection.select("hazards", [2], source="map")
    key = ledger_town.layer("hazards")["hazard_id"].iloc[2]
    assert window.act_delete.isEnabled()
    monkeypatch.setattr(panel, "_run_dialog", fill(panel, reason=""))
    window.delete_selected()
    assert ledger_town.layer("hazards")["status"].iloc[2] == "open"
    monkeypatch.setattr(panel, "_run_dialog", fill(panel, reason="误报"))
    window.delete_selected()
    h = ledger_town.layer("hazards")
    assert len(h) == n and h["status"].iloc[2] == "void" and h["void_reason"].iloc[2] == "误报"
    assert Ledger(ledger_town).history(key)["action"].iloc[-1] == "void"
    # the editor never deletes ledger rows, and ledger actions are not on the undo stack
    with pytest.raises(LedgerError):
        window.editor.delete("hazards", [3])
    assert not window.editor.stack.canUndo()


def test_map_editing_of_hazards_goes_through_the_ledger(window, ledger_town):
    editor = window.editor
    h = ledger_town.layer("hazards")
    g = h.geometry.iloc[0]
    assert editor.add_point("hazards", g.x + 50, g.y + 50, {"found_date": "2025-01-19", "hazard_type": "ebike"}) == {}
    h = ledger_town.layer("hazards")
    assert h["hazard_id"].iloc[-1] == "YH00017" and h["status"].iloc[-1] == "open"
    assert Ledger(ledger_town).history("YH00017")["action"].tolist() == ["create"]
    editor.move_point("hazards", len(h) - 1, g.x + 80, g.y + 80)
    assert ledger_town.layer("hazards").geometry.iloc[-1].x == pytest.approx(g.x + 80)
    assert editor.set_values("hazards", len(h) - 1, {"severity": "major"}) == {}
    assert Ledger(ledger_town).history("YH00017")["action"].tolist() == ["create", "place", "edit"]
    errors = editor.set_values("hazards", len(h) - 1, {"status": "closed"})  # workflow: read-only
    assert errors and ledger_town.layer("hazards")["status"].iloc[-1] == "open"
    assert not editor.stack.canUndo()
    # the incident register is edited with its form like the other point layers
    from fireriskmap.ui.features import EDITABLE_POINT_KINDS, editable_columns

    assert "incidents" in EDITABLE_POINT_KINDS and "status" not in editable_columns("hazards")
    assert editor.add_point("incidents", g.x, g.y, {"date": "2025-01-18", "cause": "ebike"}) == {}
    assert ledger_town.layer("incidents")["cause"].iloc[-1] == "ebike" and editor.stack.canUndo()


def test_place_an_unplaced_item_on_the_map(window, ledger_town):
    panel = window.ledger_panel
    select_id(panel, "YH00016")
    assert panel.buttons["place"].isEnabled()
    panel.buttons["place"].click()
    assert window._placing == "YH00016" and window.canvas.tool == "add"
    g = ledger_town.layer("hazards").geometry.iloc[0]
    window.canvas.add_requested.emit(g.x + 120.0, g.y - 40.0)
    item = Ledger(ledger_town).get("YH00016")
    assert item.geometry.x == pytest.approx(g.x + 120.0) and bool(item["placed"])
    assert window.canvas.tool == "pan" and window._placing is None
    assert Ledger(ledger_town).history("YH00016")["action"].iloc[-1] == "place"
    assert "待定位 0 条" in panel.count.text()


def test_unplaced_items_do_not_break_the_map(window, qtbot, ledger_town):
    from fireriskmap.render import MapRenderer

    image = MapRenderer(ledger_town, window.style).render_image(400, 300)
    assert not image.isNull()
    rows = [text for _sym, text in MapRenderer(ledger_town, window.style).class_rows("hazards")]
    assert {"重大隐患（逾期未整改）", "一般隐患（逾期未整改）", "已销号"} <= set(rows)
    window.canvas.zoom_full()
    qtbot.waitUntil(lambda: window.canvas._image is not None and not window.canvas.is_rendering(), timeout=15000)
    window.zoom_to_feature("hazards", 15)  # no location: nothing happens
    g = ledger_town.layer("hazards").geometry.iloc[0]
    assert window.hits_at(g.x, g.y)


def test_inspections_add_and_coverage(panel, ledger_town):
    ledger_town.set_setting("ledger.inspection_target", 1.0)
    widget = panel.inspections
    widget.refresh()
    villages = ledger_town.layer("villages")
    name, households = str(villages["name"].iloc[0]), int(villages["households"].iloc[0])
    widget.village.setCurrentText(name)
    widget.households.setValue(households - 1)
    new_id = widget.add_record()
    assert new_id == "XC00001" and "XC00001" in widget.message.text()
    cov = widget.coverage.set_index("village")
    met = cov.loc[name, "met"]
    assert cov.loc[name, "inspected"] == households - 1 and met is not None and not bool(met)
    row = next(r for r in range(widget.table.rowCount()) if widget.table.item(r, 0).text().startswith(name))
    assert widget.table.item(row, 5).text() == "未达标"
    assert widget.table.item(row, 0).background().color() == lp.UNMET_BG
    widget.households.setValue(1)
    widget.target_ref.setText("最后一户")
    widget.add_record()
    assert bool(widget.coverage.set_index("village").loc[name, "met"]) is True
    # a refused record says why, in Chinese
    widget.village.setCurrentText("")
    assert widget.add_record() is None and "缺少所属村" in widget.message.text()


def test_a_ledger_change_marks_risk_results_stale(window, ledger_town):
    assert ledger_town.has_layer("risk_areas") and not window.editor.stale
    panel = window.ledger_panel
    select_id(panel, "YH00001")
    assert panel.start_rectifying()
    assert "risk" in window.editor.stale
    assert window.stale_banner.isVisibleTo(window) and window.is_modified()


def test_opening_refreshes_overdue_marks_without_a_change(qtbot, settings, ledger_town):
    from fireriskmap.ui.main_window import MainWindow

    ledger_town.set_setting("ledger.today", "2025-01-31")  # YH00015's deadline passed, closed: not overdue
    win = MainWindow(ledger_town, settings=settings)
    qtbot.addWidget(win)
    overdue = ledger_town.layer("hazards")["overdue"]
    assert int(overdue.sum()) == 2 + 0 and not win.is_modified()
    ledger_town.set_setting("ledger.today", "2025-02-10")
    win.set_project(ledger_town)
    assert int(ledger_town.layer("hazards")["overdue"].sum()) == 2 and "逾期 2 条" in win.ledger_panel.count.text()
    win.canvas.shutdown()


def test_language_switch_relabels_the_panel(window):
    panel = window.ledger_panel
    assert window.ledger_dock.windowTitle() == "隐患台账"
    assert panel.view.model().headerData(0, Qt.Orientation.Horizontal) == "编号"
    window.set_language("en")
    assert window.ledger_dock.windowTitle() == "Hazard ledger"
    assert panel.view.model().headerData(0, Qt.Orientation.Horizontal) == "ID"
    assert panel.buttons["close"].text() == "Close…" and panel.tabs.tabText(1) == "Inspections"
    assert panel.status_combo.itemText(panel.status_combo.findData("overdue")) == "Overdue"
    panel.status_combo.setCurrentIndex(panel.status_combo.findData("overdue"))
    assert panel.proxy.index(0, COLUMNS.index("shown_status")).data() == "Overdue"
    window.set_language("zh_CN")
    assert panel.buttons["close"].text() == "销号…"
    assert panel.status_combo.currentData() == "overdue"  # the filter survives the switch


def test_excel_import_export_and_weekly_table_from_the_panel(panel, tmp_path, monkeypatch, ledger_town):
    """A planner imports the office's Excel ledger, exports it and prints the weekly table, all from the panel."""
    import openpyxl
    from PyQt6.QtCore import QDate

    from tests.ledger.office_files import office_ledger

    src = office_ledger(tmp_path / "office.xlsx")
    before = len(ledger_town.layer("hazards"))
    monkeypatch.setattr(panel, "_ask_open_file", lambda *a: str(src))
    monkeypatch.setattr(panel, "_inform", lambda text: setattr(panel, "last_message", text))
    summary = panel.import_excel()
    assert summary is not None and len(summary.added) == 4
    assert len(ledger_town.layer("hazards")) == before + 4
    assert "新增 4 条" in panel.last_message and "未导入 2 行" in panel.last_message
    assert panel.model.rowCount() == before + 4
    assert panel.selected_ids() == list(summary.added)
    # importing the same file again adds nothing
    again = panel.import_excel()
    assert again is not None and not again.added and len(ledger_town.layer("hazards")) == before + 4

    out = tmp_path / "导出台账.xlsx"
    monkeypatch.setattr(panel, "_ask_save_file", lambda title, suggested, filters: str(out))
    panel.export_excel()
    assert out.exists() and "隐患" in openpyxl.load_workbook(out).sheetnames[0]

    answers = iter([str(tmp_path / "week.xlsx"), str(tmp_path / "week.pdf")])
    monkeypatch.setattr(panel, "_ask_save_file", lambda title, suggested, filters: next(answers))

    def choose_week(dialog):
        dialog.date.setDate(QDate(2025, 1, 15))
        assert "第3周" in dialog.week_label.text()
        return True

    monkeypatch.setattr(panel, "_run_dialog", choose_week)
    written = panel.weekly_report()
    assert written == [str(tmp_path / "week.xlsx"), str(tmp_path / "week.pdf")]
    assert (tmp_path / "week.pdf").read_bytes()[:4] == b"%PDF"
    # a broken file gets a readable message and changes nothing
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"not an excel file")
    monkeypatch.setattr(panel, "_ask_open_file", lambda *a: str(bad))
    monkeypatch.setattr(panel, "_warn", lambda text: setattr(panel, "last_error", text))
    assert panel.import_excel() is None and panel.last_error
    assert len(ledger_town.layer("hazards")) == before + 4
