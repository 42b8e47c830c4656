"""The import wizard on a small hand-made CSV: automatic mapping from the importer, a preview, a fixed
mapping, the import in the background, and the rejected rows with their reasons."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QSettings

from fireriskmap.ui.import_wizard import ImportWizard

CSV = """名称,经度,纬度,类型,压力(MPa),备注
一号栓,108.0010,26.2001,地上式,0.3,岩寨村
二号栓,108.0020,26.2002,地下式,高,岩寨村
三号栓,,26.2003,地上式,0.25,高坪村
四号栓,108.0040,26.2004,墙壁式,0.4,高坪村
"""


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "消火栓台账.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_wizard_maps_previews_imports_and_reports(qtbot, tmp_path, csv_file, tiny, runner):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    wizard = ImportWizard(tiny, runner, path=str(csv_file), settings=settings)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.file_page.isComplete()
    wizard.next()  # reads the file in the background, then moves on
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=20000)
    page = wizard.mapping_page
    assert page.kind() == "hydrants"  # from the file name
    mapping = page.mapping_dict()
    assert mapping["名称"] == "name" and mapping["类型"] == "hydrant_type" and mapping["压力(MPa)"] == "pressure"
    assert mapping["备注"] is None  # not recognised automatically
    assert page.preview.rowCount() == 3  # the row without longitude was rejected while reading
    assert "→ 编号/名称" in page.preview.horizontalHeaderItem(0).text()
    # fix the mapping by hand: 备注 holds the village
    page.set_mapping("备注", "village")
    assert page.mapping_dict()["备注"] == "village"
    before = len(tiny.layers["hydrants"])
    with qtbot.waitSignal(wizard.imported, timeout=20000) as blocker:
        wizard.next()
    summary = blocker.args[0]
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.result_page, timeout=5000)
    hydrants = tiny.layers["hydrants"]
    assert len(hydrants) == before + 3
    assert summary.kinds["hydrants"].layer_total == before + 3
    assert set(hydrants["village"].dropna()) >= {"岩寨村", "高坪村"}
    assert set(hydrants["hydrant_type"].dropna()) >= {"pillar", "underground", "wall"}
    # the rejected row and the warning, with their reasons
    table = wizard.result_page.table
    rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]
    assert any(r[1] == "已拒绝" and "坐标" in r[4] for r in rows)
    assert any(r[1] == "警告" and r[3] == "高" and "不是数字" in r[4] for r in rows)
    assert "导入 3 条" in wizard.result_page.subTitle()


def test_unreadable_file_is_explained(qtbot, tmp_path, tiny, runner):
    bad = tmp_path / "坏文件.csv"
    bad.write_bytes(b"")
    wizard = ImportWizard(tiny, runner, path=str(bad), settings=QSettings(str(tmp_path / "s.ini"),
                                                                          QSettings.Format.IniFormat))
    qtbot.addWidget(wizard)
    wizard.show()
    assert "空的" in wizard.file_page.status.text()


def test_hazards_imported_in_the_window_join_the_ledger(qtbot, tmp_path, settings, tiny):
    """Hazards brought in by the wizard get ledger ids and an audit entry; risk results become stale."""
    from fireriskmap.ledger import Ledger
    from fireriskmap.ui.main_window import MainWindow

    tiny.set_layer("risk_areas", tiny.layer("villages").assign(score=50.0, level="orange"))
    path = tmp_path / "隐患排查.csv"
    path.write_text("发现日期,经度,纬度,隐患类型,隐患等级,整改状态\n"
                    "2027-01-05,108.0010,26.2001,私拉乱接,重大,未整改\n"
                    "2027年1月6日,108.0020,26.2002,柴草,一般,整改中\n", encoding="utf-8")
    win = MainWindow(tiny, settings=settings)
    qtbot.addWidget(win)
    win.show()
    wizard = win.open_import_wizard(str(path))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=20000)
    assert wizard.mapping_page.kind() == "hazards"
    with qtbot.waitSignal(wizard.imported, timeout=20000):
        wizard.next()
    hazards = tiny.layer("hazards")
    assert len(hazards) == 2 and hazards["hazard_id"].notna().all()
    assert len(Ledger(tiny).history()) == 2
    assert "risk" in win.editor.stale
    win.runner.cancel_all()
    win.runner.wait(30000)
    win.canvas.shutdown()
