"""File → Export: preview pages, export a PDF and an Excel workbook in the background, cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtWidgets import QMessageBox

from fireriskmap.ui.export_dialog import ExportDialog, export_call, human_size


@pytest.fixture(autouse=True)
def _no_warning_box(monkeypatch):
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Ok)


def make_dialog(qtbot, project, runner, folder):
    dialog = ExportDialog(project, runner=runner, folder=folder)
    qtbot.addWidget(dialog)
    dialog.resize(640, 760)
    dialog.show()
    return dialog


def test_kinds_and_paths(qtbot, town, runner, tmp_path):
    dialog = make_dialog(qtbot, town, runner, tmp_path)
    assert dialog.kind() == "pdf" and dialog.path_edit.text().endswith(".pdf")
    dialog.set_kind("xlsx")
    assert Path(dialog.path_edit.text()) == tmp_path / "测试乡.xlsx"
    assert not dialog.paper_combo.isVisible() and not dialog.preview_button.isEnabled()
    dialog.grab().save("/tmp/export_dialog_xlsx.png")
    dialog.set_kind("atlas")
    assert dialog.path_edit.text().endswith("测试乡_atlas.pdf") and dialog.by_combo.isVisible()
    dialog.set_kind("png")
    assert dialog.path_edit.text().endswith("测试乡.png") and dialog.size_combo.isVisible()
    fn, kw = export_call("png", dialog.options())
    assert fn.__name__ == "export_png" and kw["size"] == (3840, 2160)
    assert human_size(2048) == "2 KB"


def test_preview_and_pdf_export(qtbot, town, runner, tmp_path):
    dialog = make_dialog(qtbot, town, runner, tmp_path)
    with qtbot.waitSignal(dialog.preview_ready, timeout=60000) as blocker:
        dialog.start_preview()
    images = blocker.args[0]
    assert len(images) >= 1 and not images[0].isNull()
    assert dialog.page_label.text().startswith("第 1 /")
    assert not dialog.preview_label.pixmap().isNull()
    dialog.grab().save("/tmp/export_dialog.png")

    with qtbot.waitSignal(dialog.exported, timeout=60000) as blocker:
        dialog.start_export()
    result = blocker.args[0]
    out = tmp_path / "测试乡.pdf"
    assert out.exists() and out.stat().st_size > 1000 and Path(result.path) == out
    qtbot.waitUntil(dialog.export_button.isEnabled, timeout=5000)  # after the task's done signal
    assert "已导出" in dialog.status_label.text() and not dialog.busy


def test_excel_export(qtbot, town, runner, tmp_path):
    dialog = make_dialog(qtbot, town, runner, tmp_path)
    dialog.set_kind("xlsx")
    with qtbot.waitSignal(dialog.exported, timeout=60000):
        dialog.start_export()
    assert (tmp_path / "测试乡.xlsx").exists()


def test_cancel_writes_nothing(qtbot, town, runner, tmp_path):
    dialog = make_dialog(qtbot, town, runner, tmp_path)
    task = dialog.start_export()
    task.cancel()
    with qtbot.waitSignal(task.done, timeout=60000):
        pass
    assert dialog.result is None and not (tmp_path / "测试乡.pdf").exists()
    assert dialog.status_label.text() == "已取消导出，没有写入文件。"


def test_errors_are_translated_messages(qtbot, town, runner, tmp_path):
    dialog = make_dialog(qtbot, town, runner, tmp_path)
    dialog.path_edit.setText(str(tmp_path / "no_such_folder" / "x.pdf"))
    task = dialog.start_export()
    with qtbot.waitSignal(task.done, timeout=60000):
        pass
    assert dialog.error is not None and dialog.result is None
    text = dialog.status_label.text()
    assert text and "Traceback" not in text
