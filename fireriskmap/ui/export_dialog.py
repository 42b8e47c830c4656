"""File → Export: the PDF report, the atlas, the offline HTML map, the Excel tables or a PNG.

The export itself (:mod:`fireriskmap.export`) and the preview (:func:`fireriskmap.export.preview_pdf`)
run on worker threads of the shared :class:`~fireriskmap.ui.tasks.TaskRunner`, with progress and
a working Cancel (an export cancelled half-way writes nothing). Errors come back as translated
messages, never tracebacks.

>>> dialog = ExportDialog(project, runner=window.tasks, parent=window)   # doctest: +SKIP
>>> dialog.exported.connect(lambda result: window.statusBar().showMessage(str(result.path)))  # doctest: +SKIP
>>> dialog.exec()                                                        # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QPixmap
from PyQt6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                             QLineEdit, QMessageBox, QProgressBar, QPushButton, QScrollArea, QSpinBox, QVBoxLayout,
                             QWidget)

from fireriskmap.i18n import current_language, tr
from fireriskmap.ui.tasks import Task, TaskRunner, error_text

__all__ = ["ExportDialog", "KINDS", "PAPERS", "PNG_SIZES", "export_call", "human_size"]

#: Output kinds in menu order: (code, file suffix).
KINDS = (("pdf", ".pdf"), ("atlas", ".pdf"), ("html", ".html"), ("xlsx", ".xlsx"), ("png", ".png"))
PAPERS = ("A4", "A3", "A1")
PNG_SIZES = ((1920, 1080), (3840, 2160), (7680, 4320))
_FILTERS = {"pdf": "filter_pdf", "atlas": "filter_pdf", "html": "filter_html", "xlsx": "filter_xlsx",
            "png": "filter_png"}


def human_size(n: int) -> str:
    n = int(n or 0)
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"


def export_call(kind: str, options: dict[str, Any]):
    """The export function for ``kind`` and the keyword arguments it takes from ``options``."""
    from fireriskmap import export

    lang = options.get("lang")
    if kind == "pdf":
        return export.export_pdf, {"paper": options.get("paper", "A4"), "landscape": bool(options.get("landscape")),
                                   "lang": lang}
    if kind == "atlas":
        return export.export_atlas, {"paper": options.get("paper", "A4"), "landscape": bool(options.get("landscape")),
                                     "by": options.get("by", "village"), "lang": lang}
    if kind == "html":
        return export.export_html, {"lang": lang}
    if kind == "xlsx":
        return export.export_xlsx, {"lang": lang}
    if kind == "png":
        return export.export_png, {"size": tuple(options.get("size", (3840, 2160))),
                                   "dpi": float(options.get("dpi", 200)), "lang": lang}
    raise ValueError(kind)


class ExportDialog(QDialog):
    """Choose what to export, preview it (PDF kinds), export it in the background.

    Signals
    -------
    exported(result)
        An :class:`~fireriskmap.export.data.ExportResult` after a file was written.
    preview_ready(images)
        The list of preview ``QImage`` s (may be empty).
    """

    exported = pyqtSignal(object)
    preview_ready = pyqtSignal(list)

    def __init__(self, project, runner: TaskRunner | None = None, parent: QWidget | None = None, *,
                 folder: str | os.PathLike | None = None) -> None:
        super().__init__(parent)
        from fireriskmap.fonts import register_fonts

        register_fonts()  # on the GUI thread, before any export runs on a worker
        self.setObjectName("export_dialog")
        self.setWindowTitle(tr("ui_pe.export.title"))
        self.project = project
        self.runner = runner if runner is not None else TaskRunner(self)
        self.task: Task | None = None
        self.preview_task: Task | None = None
        self.result = None
        self.error: BaseException | None = None
        self.images: list = []
        self.page = 0
        self._folder = Path(folder) if folder else (Path(project.path).parent if getattr(project, "path", None)
                                                     else Path.home())
        self._build()
        self._kind_changed()

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.form = form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.kind_combo = QComboBox()
        for code, _suffix in KINDS:
            self.kind_combo.addItem(tr(f"ui_pe.export.kind_{code}"), code)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        form.addRow(tr("ui_pe.export.kind"), self.kind_combo)

        paper_row = QHBoxLayout()
        self.paper_combo = QComboBox()
        for p in PAPERS:
            self.paper_combo.addItem(p, p)
        self.landscape_box = QCheckBox(tr("ui_pe.export.landscape"))
        paper_row.addWidget(self.paper_combo)
        paper_row.addWidget(self.landscape_box)
        paper_row.addStretch(1)
        self.paper_label = QLabel(tr("ui_pe.export.paper"))
        form.addRow(self.paper_label, paper_row)

        self.by_combo = QComboBox()
        self.by_combo.addItem(tr("ui_pe.export.by_village"), "village")
        self.by_combo.addItem(tr("ui_pe.export.by_risk"), "risk")
        self.by_label = QLabel(tr("ui_pe.export.atlas_by"))
        form.addRow(self.by_label, self.by_combo)

        png_row = QHBoxLayout()
        self.size_combo = QComboBox()
        for w, h in PNG_SIZES:
            self.size_combo.addItem(f"{w} × {h}", (w, h))
        self.size_combo.setCurrentIndex(1)
        self.dpi_spin = QSpinBox()
        self.dpi_spin.setRange(72, 600)
        self.dpi_spin.setValue(200)
        self.dpi_spin.setSuffix(" dpi")
        png_row.addWidget(self.size_combo)
        png_row.addWidget(self.dpi_spin)
        png_row.addStretch(1)
        self.size_label = QLabel(tr("ui_pe.export.png_size"))
        form.addRow(self.size_label, png_row)

        self.lang_combo = QComboBox()
        self.lang_combo.addItem(tr("ui_pe.export.lang_zh"), "zh_CN")
        self.lang_combo.addItem(tr("ui_pe.export.lang_en"), "en")
        self.lang_combo.setCurrentIndex(1 if current_language() == "en" else 0)
        form.addRow(tr("ui_pe.export.language"), self.lang_combo)

        file_row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setMinimumWidth(320)
        browse = QPushButton(tr("ui_pe.export.browse"))
        browse.clicked.connect(self._browse)
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(browse)
        form.addRow(tr("ui_pe.export.file"), file_row)

        # preview
        self.preview_button = QPushButton(tr("ui_pe.export.preview"))
        self.preview_button.setToolTip(tr("ui_pe.export.preview_tip"))
        self.preview_button.clicked.connect(self.start_preview)
        self.prev_button = QPushButton(tr("ui_pe.export.prev_page"))
        self.next_button = QPushButton(tr("ui_pe.export.next_page"))
        self.prev_button.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page + 1))
        self.page_label = QLabel("")
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page_label.setMinimumWidth(self.page_label.fontMetrics().horizontalAdvance(
            tr("ui_pe.export.page", page=88, pages=88)) + 12)
        nav = QHBoxLayout()
        nav.addWidget(self.preview_button)
        nav.addStretch(1)
        nav.addWidget(self.prev_button)
        nav.addWidget(self.page_label)
        nav.addWidget(self.next_button)
        self.preview_label = QLabel(tr("ui_pe.export.preview_none"))
        self.preview_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview_label.setWordWrap(True)
        self.preview_area = QScrollArea()
        self.preview_area.setWidgetResizable(True)
        self.preview_area.setWidget(self.preview_label)
        self.preview_area.setMinimumSize(420, 380)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setVisible(False)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QHBoxLayout()
        self.export_button = QPushButton(tr("ui_pe.export.export"))
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button = QPushButton(tr("ui_pe.export.cancel"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton(tr("ui_pe.export.close"))
        self.close_button.clicked.connect(self.reject)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(nav)
        layout.addWidget(self.preview_area, 1)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        self._update_nav()

    # -- options ---------------------------------------------------------------------------------
    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def set_kind(self, kind: str) -> None:
        index = self.kind_combo.findData(kind)
        if index < 0:
            raise ValueError(kind)
        self.kind_combo.setCurrentIndex(index)

    def options(self) -> dict[str, Any]:
        return {"paper": self.paper_combo.currentData(), "landscape": self.landscape_box.isChecked(),
                "by": self.by_combo.currentData(), "lang": self.lang_combo.currentData(),
                "size": tuple(self.size_combo.currentData()), "dpi": int(self.dpi_spin.value())}

    def _suffix(self) -> str:
        return dict(KINDS)[self.kind()]

    def _default_path(self) -> Path:
        name = (getattr(self.project, "name", "") or "fireriskmap").strip() or "fireriskmap"
        stem = {"pdf": name, "atlas": f"{name}_atlas", "html": name, "xlsx": name, "png": name}[self.kind()]
        return self._folder / f"{stem}{self._suffix()}"

    def _kind_changed(self) -> None:
        kind = self.kind()
        pdf_like = kind in ("pdf", "atlas")
        self.form.setRowVisible(self.paper_label, pdf_like)
        self.form.setRowVisible(self.by_label, kind == "atlas")
        self.form.setRowVisible(self.size_label, kind == "png")
        self.preview_button.setEnabled(pdf_like and self.preview_task is None)
        text = self.path_edit.text().strip()
        if not text:
            self.path_edit.setText(str(self._default_path()))
        else:  # keep the folder and name, change the suffix (and the atlas mark)
            p = Path(text)
            stem = p.stem[:-len("_atlas")] if p.stem.endswith("_atlas") else p.stem
            stem = f"{stem}_atlas" if kind == "atlas" else stem
            self.path_edit.setText(str(p.with_name(stem + self._suffix())))
        self._clear_preview()

    def _browse(self) -> None:
        kind = self.kind()
        path, _ = QFileDialog.getSaveFileName(self, tr("ui_pe.export.title"), self.path_edit.text(),
                                              tr(f"ui_pe.export.{_FILTERS[kind]}"))
        if path:
            if not path.lower().endswith(self._suffix()):
                path += self._suffix()
            self.path_edit.setText(path)

    # -- preview -----------------------------------------------------------------------------------
    def _clear_preview(self) -> None:
        self.images = []
        self.page = 0
        self.preview_label.setPixmap(QPixmap())
        self.preview_label.setText(tr("ui_pe.export.preview_none") if self.kind() not in ("pdf", "atlas") else "")
        self._update_nav()

    def start_preview(self) -> Task | None:
        """Draw the first pages of the PDF report or atlas in the background."""
        from fireriskmap.export import preview_pdf

        if self.kind() not in ("pdf", "atlas") or self.project is None or self.preview_task is not None:
            return None
        o = self.options()
        kwargs = {"atlas": self.kind() == "atlas", "dpi": 48.0, "pages": 4, "paper": o["paper"],
                  "landscape": o["landscape"], "lang": o["lang"]}
        if kwargs["atlas"]:
            kwargs["by"] = o["by"]
        task = self.runner.start(preview_pdf, self.project, name="preview", progress_arg=None, **kwargs)
        self.preview_task = task
        task.finished.connect(self._on_preview)
        task.failed.connect(lambda e: self.preview_label.setText(tr("ui_pe.export.preview_failed",
                                                                   detail=error_text(e))))
        task.done.connect(self._on_preview_done)
        self.preview_button.setEnabled(False)
        self.preview_label.setPixmap(QPixmap())
        self.preview_label.setText(tr("ui_pe.export.preview_running"))
        return task

    def _on_preview(self, images) -> None:
        self.images = list(images or [])
        self.show_page(0)
        self.preview_ready.emit(self.images)

    def _on_preview_done(self) -> None:
        self.preview_task = None
        self.preview_button.setEnabled(self.kind() in ("pdf", "atlas"))

    def show_page(self, index: int) -> None:
        if not self.images:
            self._update_nav()
            return
        self.page = max(0, min(int(index), len(self.images) - 1))
        image = self.images[self.page]
        width = max(200, self.preview_area.viewport().width() - 12)
        pix = QPixmap.fromImage(image)
        if pix.width() > width:
            pix = pix.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        self.preview_label.setText("")
        self.preview_label.setPixmap(pix)
        self._update_nav()

    def _update_nav(self) -> None:
        n = len(self.images)
        self.page_label.setText(tr("ui_pe.export.page", page=self.page + 1, pages=n) if n else "")
        self.prev_button.setEnabled(n > 0 and self.page > 0)
        self.next_button.setEnabled(n > 0 and self.page < n - 1)

    # -- export ------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.is_done

    def start_export(self) -> Task | None:
        """Run the chosen export in the background; returns the task (``None`` if not started)."""
        if self.busy:
            return self.task
        if self.project is None:
            self.status_label.setText(tr("ui_pe.export.no_project"))
            return None
        text = self.path_edit.text().strip()
        if not text:
            self.status_label.setText(tr("ui_pe.export.no_path"))
            return None
        path = Path(text)
        if path.suffix.lower() != self._suffix():
            path = path.with_name(path.name + self._suffix())
            self.path_edit.setText(str(path))
        fn, kwargs = export_call(self.kind(), self.options())
        self.result, self.error = None, None
        task = self.runner.start(fn, self.project, str(path), name=f"export-{self.kind()}", **kwargs)
        self.task = task
        task.progress.connect(self._on_progress)
        task.finished.connect(self._on_finished)
        task.failed.connect(self._on_failed)
        task.cancelled.connect(lambda: self.status_label.setText(tr("ui_pe.export.cancelled")))
        task.done.connect(self._on_done)
        self.export_button.setEnabled(False)
        self.kind_combo.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress_bar.setValue(0)
        self.progress_bar.setVisible(True)
        self.status_label.setText(tr("ui_pe.export.running"))
        return task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(int(round(fraction * 1000)))
        if message:
            self.status_label.setText(message)

    def _on_finished(self, result) -> None:
        self.result = result
        size = result.bytes or (os.path.getsize(result.path) if result.path and os.path.exists(result.path) else 0)
        self.status_label.setText(tr("ui_pe.export.done", path=str(result.path), size=human_size(size),
                                     seconds=f"{float(result.seconds or self.task.seconds):.1f}"))
        self.exported.emit(result)

    def _on_failed(self, error) -> None:
        self.error = error
        text = error_text(error)
        self.status_label.setText(text)
        if self.isVisible():
            QMessageBox.warning(self, tr("ui_pe.export.failed_title"), text)

    def _on_done(self) -> None:
        self.progress_bar.setVisible(False)
        self.cancel_button.setEnabled(False)
        self.export_button.setEnabled(True)
        self.kind_combo.setEnabled(True)

    def reject(self) -> None:
        """Close; a running export or preview is cancelled first."""
        self.cancel()
        if self.preview_task is not None:
            self.preview_task.cancel()
        super().reject()
