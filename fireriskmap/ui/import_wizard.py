"""The import wizard: file → target layer and field mapping with a preview → import → rejected rows.

1. **File**: choose (or drop) a file; the sheet/layer, the text encoding, the kind of coordinates
   (WGS84/CGCS2000, GCJ-02 from 高德/腾讯, BD-09 from 百度) and, for metric coordinates without a
   stated CRS, the source CRS. The file is read in the background (:func:`fireriskmap.io.importer.read_file`).
2. **Fields**: the target layer (guessed from the file name and columns), the automatic mapping of
   each file column onto a field of the layer spec (the importer's own rules), a preview of the first
   rows, and the choice to append to or replace the layer. Every mapping can be changed.
3. **Import**: :func:`~fireriskmap.io.importer.import_file` runs in the background into a scratch
   project (only the GUI thread changes the real one); its layers are then put into the project,
   and the page lists every rejected row and warning with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from PyQt6.QtCore import QSettings, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PyQt6.QtWidgets import (QAbstractItemView, QButtonGroup, QComboBox, QFileDialog, QFormLayout, QGroupBox,
                             QHBoxLayout, QHeaderView, QLabel, QLineEdit, QProgressBar, QPushButton,
                             QRadioButton, QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget,
                             QWizard, QWizardPage)

from fireriskmap.i18n import current_language, tr
from fireriskmap.ui.features import layer_label, spec_of
from fireriskmap.ui.tasks import TaskRunner, error_text

PREVIEW_ROWS = 20
IGNORE = ""  # mapping target meaning "do not import this column"
SETTINGS_LAST_IMPORT_DIR = "import/last_dir"


def file_filter() -> str:
    from fireriskmap.io.importer import supported_extensions

    patterns = " ".join(f"*{e}" for e in supported_extensions())
    return f"{tr('ui.import.filter_all')} ({patterns});;{tr('ui.open.all_files')} (*)"


def automatic_mapping(kind: str, columns: list[str], *, pre_mapped: bool = False, file_name: str = "") -> dict[str, str]:
    """``{column: field}`` as the importer would map it without help."""
    from fireriskmap.core.spec import get_spec

    spec = get_spec(kind)
    try:
        from fireriskmap.io.importer import _build_mapping

        return {str(c): f for c, f in _build_mapping(spec, columns, None, pre_mapped=pre_mapped,
                                                     file_name=file_name).items()}
    except Exception:  # the importer's private helper changed: fall back on the spec's own matching
        return {str(c): f for c, f in spec.auto_mapping(columns).items()}


def guess_part_kind(read_result, part) -> str | None:
    if part.kind:
        return part.kind
    from fireriskmap.io.base import display_name
    from fireriskmap.io.guess import guess_kind

    columns = [c for c in part.frame.columns if c != part.frame.geometry.name and c not in part.coord_columns]
    try:
        return guess_kind(name=part.name, columns=columns, geoms=part.frame.geometry,
                          file_name=display_name(read_result.path))
    except Exception:
        return None


def import_into_scratch(crs, path, *, kind, mapping, layer, encoding, coords, src_crs, report_dir, progress=None):
    """The background job: import into a new, empty project with the same CRS (returns it and the summary)."""
    from fireriskmap.core.project import Project
    from fireriskmap.io.importer import import_file

    scratch = Project(crs)
    summary = import_file(scratch, path, kind=kind, mapping=mapping, layer=layer, encoding=encoding, coords=coords,
                          src_crs=src_crs, mode="append", report_dir=report_dir, progress=progress)
    return scratch, summary


def apply_import(project, scratch, summary, mode: str) -> None:
    """Put the imported layers into ``project`` (GUI thread) and fix the layer totals."""
    for kind, k in summary.kinds.items():
        gdf = scratch.layers.get(kind)
        if gdf is not None and len(gdf):
            project.set_layer(kind, gdf, mode=mode)
        k.layer_total = len(project.layers[kind]) if kind in project.layers else 0
    summary.mode = mode


# -- page 1: the file ---------------------------------------------------------------------------

class FilePage(QWizardPage):
    def __init__(self, wizard: "ImportWizard") -> None:
        super().__init__(wizard)
        self.w = wizard
        self.setAcceptDrops(True)
        self.path_edit = QLineEdit(self)
        self.path_edit.textChanged.connect(self._on_path_changed)
        self.browse = QPushButton(self)
        self.browse.clicked.connect(self._browse)
        self.drop_hint = QLabel(self)
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setMinimumHeight(70)
        self.drop_hint.setStyleSheet("QLabel { border: 2px dashed palette(mid); border-radius: 6px; }")
        self.drop_hint.setWordWrap(True)
        self.layer_combo = QComboBox(self)
        self.encoding_combo = QComboBox(self)
        self.coords_combo = QComboBox(self)
        self.crs_edit = QLineEdit(self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.hide()

        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse)
        self.options = QGroupBox(self)
        form = QFormLayout(self.options)
        self.layer_label = QLabel(self.options)
        self.encoding_label = QLabel(self.options)
        self.coords_label = QLabel(self.options)
        self.crs_label = QLabel(self.options)
        form.addRow(self.layer_label, self.layer_combo)
        form.addRow(self.encoding_label, self.encoding_combo)
        form.addRow(self.coords_label, self.coords_combo)
        form.addRow(self.crs_label, self.crs_edit)
        layout = QVBoxLayout(self)
        self.file_label = QLabel(self)
        layout.addWidget(self.file_label)
        layout.addLayout(row)
        layout.addWidget(self.drop_hint)
        layout.addWidget(self.options)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._read_key = None
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(tr("ui.import.page_file"))
        self.setSubTitle(tr("ui.import.page_file_sub"))
        self.file_label.setText(tr("ui.import.file"))
        self.browse.setText(tr("ui.import.browse"))
        self.drop_hint.setText(tr("ui.import.drop_here"))
        self.options.setTitle(tr("ui.import.options"))
        self.layer_label.setText(tr("ui.import.layer"))
        self.encoding_label.setText(tr("ui.import.encoding"))
        self.coords_label.setText(tr("ui.import.coords"))
        self.crs_label.setText(tr("ui.import.src_crs"))
        self.crs_edit.setPlaceholderText(tr("ui.import.src_crs_hint"))
        self.encoding_combo.clear()
        for code in ("", "utf-8", "gbk", "gb18030", "big5"):
            self.encoding_combo.addItem(tr("ui.import.auto") if not code else code.upper(), code)
        self.coords_combo.clear()
        self.coords_combo.addItem(tr("ui.import.coords_auto"), "auto")
        for code in ("wgs84", "gcj02", "bd09"):
            self.coords_combo.addItem(tr(f"io.coords.{code}"), code)

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        return bool(self.path_edit.text().strip()) and not self.w.is_busy()

    def set_path(self, path: str) -> None:
        self.path_edit.setText(str(path))

    def _browse(self) -> None:
        start = str(self.w.settings.value(SETTINGS_LAST_IMPORT_DIR, "") or "")
        path, _ = QFileDialog.getOpenFileName(self, tr("ui.import.choose"), start, file_filter())
        if path:
            self.w.settings.setValue(SETTINGS_LAST_IMPORT_DIR, str(Path(path).parent))
            self.set_path(path)

    def _on_path_changed(self, text: str) -> None:
        self.layer_combo.clear()
        self.status.clear()
        path = Path(text.strip()) if text.strip() else None
        layers: list[str] = []
        if path is not None and path.is_file():
            try:
                from fireriskmap.io.importer import list_layers

                layers = list_layers(path)
            except Exception as exc:  # shown, not raised: the user picks another file
                self.status.setText(error_text(exc))
        self.layer_combo.addItem(tr("ui.import.all_layers") if len(layers) > 1 else (layers[0] if layers else "—"),
                                 None)
        if len(layers) > 1:
            for name in layers:
                self.layer_combo.addItem(name, name)
        self.layer_combo.setEnabled(len(layers) > 1)
        self.completeChanged.emit()

    def read_options(self) -> dict[str, Any]:
        return {
            "layer": self.layer_combo.currentData(),
            "encoding": self.encoding_combo.currentData() or None,
            "coords": self.coords_combo.currentData() or "auto",
            "src_crs": self.crs_edit.text().strip() or None,
        }

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        path = self.path_edit.text().strip()
        key = (path, tuple(sorted(self.read_options().items(), key=lambda kv: kv[0])))
        if self.w.read_result is not None and self._read_key == key:
            return True
        self._read_key = key
        self.w.start_read(path, **self.read_options())
        return False  # the wizard moves on when the file has been read

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.set_path(urls[0].toLocalFile())
            event.acceptProposedAction()


# -- page 2: the mapping ------------------------------------------------------------------------------

class MappingPage(QWizardPage):
    def __init__(self, wizard: "ImportWizard") -> None:
        super().__init__(wizard)
        self.w = wizard
        self.kind_combo = QComboBox(self)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_changed)
        self.append_radio = QRadioButton(self)
        self.replace_radio = QRadioButton(self)
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.append_radio)
        self.mode_group.addButton(self.replace_radio)
        self.append_radio.setChecked(True)
        self.mapping = QTableWidget(0, 3, self)
        self.mapping.verticalHeader().hide()
        self.mapping.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.mapping.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.mapping.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.mapping.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.preview = QTableWidget(0, 0, self)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setWordWrap(False)
        self.notes = QLabel(self)
        self.notes.setWordWrap(True)
        self.missing = QLabel(self)
        self.missing.setWordWrap(True)
        self.missing.setStyleSheet("color: #c62828;")
        top = QHBoxLayout()
        self.kind_label = QLabel(self)
        top.addWidget(self.kind_label)
        top.addWidget(self.kind_combo, 1)
        top.addSpacing(16)
        top.addWidget(self.append_radio)
        top.addWidget(self.replace_radio)
        self.mapping_title = QLabel(self)
        self.preview_title = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notes)
        layout.addWidget(self.mapping_title)
        layout.addWidget(self.mapping, 3)
        layout.addWidget(self.missing)
        layout.addWidget(self.preview_title)
        layout.addWidget(self.preview, 2)
        self.combos: dict[str, QComboBox] = {}
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(tr("ui.import.page_mapping"))
        self.setSubTitle(tr("ui.import.page_mapping_sub"))
        self.kind_label.setText(tr("ui.import.kind"))
        self.append_radio.setText(tr("ui.import.append"))
        self.replace_radio.setText(tr("ui.import.replace"))
        self.mapping_title.setText(tr("ui.import.mapping"))
        self.preview_title.setText(tr("ui.import.preview", n=PREVIEW_ROWS))
        self.mapping.setHorizontalHeaderLabels([tr("ui.import.col_file"), tr("ui.import.col_sample"),
                                                tr("ui.import.col_field")])

    # the single part being mapped (None for multi-part files such as OSM)
    def part(self):
        result = self.w.read_result
        if result is None or len(result.parts) != 1:
            return None
        return result.parts[0]

    def initializePage(self) -> None:  # noqa: N802 - Qt API
        result = self.w.read_result
        lang = current_language()
        from fireriskmap.core.spec import input_kinds

        self.kind_combo.blockSignals(True)
        self.kind_combo.clear()
        part = self.part()
        notes = list(result.notes) if result is not None else []
        if part is None and result is not None:
            self.kind_combo.addItem(tr("ui.import.kind_auto"), None)
            self.kind_combo.setEnabled(False)
            found = ", ".join(f"{layer_label(p.kind, lang) if p.kind else p.name} ({len(p.frame):,})" for p in result.parts)
            notes.insert(0, tr("ui.import.multi_part", parts=found))
        else:
            self.kind_combo.setEnabled(True)
            guess = guess_part_kind(result, part) if part is not None else None
            for kind in input_kinds():
                spec = spec_of(kind)
                if spec is None or spec.geometry == "none":
                    continue
                self.kind_combo.addItem(layer_label(kind, lang), kind)
            if guess:
                i = self.kind_combo.findData(guess)
                if i >= 0:
                    self.kind_combo.setCurrentIndex(i)
            if not guess:
                notes.insert(0, tr("ui.import.kind_not_guessed"))
        self.kind_combo.blockSignals(False)
        if result is not None:
            notes.insert(0, tr("ui.import.read_ok", n=f"{result.total_rows:,}", file=result.path.name,
                               encoding=result.encoding or "—"))
        self.notes.setText("\n".join(notes))
        self._on_kind_changed()

    def kind(self) -> str | None:
        return self.kind_combo.currentData()

    def _on_kind_changed(self, *_args) -> None:
        part = self.part()
        kind = self.kind()
        self.combos = {}
        self.mapping.setRowCount(0)
        if part is None or kind is None:
            self.mapping.setEnabled(False)
            self._fill_preview()
            self._check_required()
            return
        self.mapping.setEnabled(not part.pre_mapped)
        spec = spec_of(kind)
        frame = part.frame
        columns = [c for c in frame.columns if c != frame.geometry.name and c not in part.coord_columns]
        auto = automatic_mapping(kind, columns, pre_mapped=part.pre_mapped, file_name=self.w.read_result.path.name)
        lang = current_language()
        self.mapping.setRowCount(len(columns) + len(part.coord_columns))
        row = 0
        for c in part.coord_columns:
            self._set_row(row, str(c), frame, None)
            row += 1
        for c in columns:
            combo = QComboBox(self.mapping)
            combo.addItem(tr("ui.import.ignore"), IGNORE)
            for fs in spec.fields:
                if fs.name in _result_fields(kind):
                    continue
                text = fs.label(lang) + (f" ({fs.unit})" if fs.unit else "") + (" *" if fs.required else "")
                combo.addItem(text, fs.name)
            target = auto.get(str(c), IGNORE)
            i = combo.findData(target)
            combo.setCurrentIndex(max(i, 0))
            combo.currentIndexChanged.connect(self._on_mapping_edited)
            self.combos[str(c)] = combo
            self._set_row(row, str(c), frame, combo)
            row += 1
        self._fill_preview()
        self._check_required()

    def _set_row(self, row: int, column: str, frame, combo: QComboBox | None) -> None:
        name = QTableWidgetItem(column)
        name.setFlags(Qt.ItemFlag.ItemIsEnabled)
        values = frame[column].dropna().astype(str).head(3).tolist() if column in frame.columns else []
        sample = QTableWidgetItem("、".join(v[:30] for v in values))
        sample.setFlags(Qt.ItemFlag.ItemIsEnabled)
        sample.setForeground(QColor("#777777"))
        self.mapping.setItem(row, 0, name)
        self.mapping.setItem(row, 1, sample)
        if combo is None:
            item = QTableWidgetItem(tr("ui.import.coordinate_column"))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.mapping.setItem(row, 2, item)
        else:
            self.mapping.setCellWidget(row, 2, combo)

    def mapping_dict(self) -> dict[str, str | None]:
        """``{file column: field or None}`` as chosen on the page."""
        return {c: (combo.currentData() or None) for c, combo in self.combos.items()}

    def set_mapping(self, column: str, field: str | None) -> None:
        combo = self.combos[column]
        combo.setCurrentIndex(max(combo.findData(field or IGNORE), 0))

    def _on_mapping_edited(self, *_args) -> None:
        sender = self.sender()
        # a field is used by one column only: the other column using it is set to "do not import"
        if isinstance(sender, QComboBox) and sender.currentData():
            for combo in self.combos.values():
                if combo is not sender and combo.currentData() == sender.currentData():
                    combo.blockSignals(True)
                    combo.setCurrentIndex(0)
                    combo.blockSignals(False)
        self._fill_preview()
        self._check_required()

    def _check_required(self) -> None:
        kind = self.kind()
        part = self.part()
        text = ""
        if kind is not None and part is not None and not part.pre_mapped:
            spec = spec_of(kind)
            mapped = {f for f in self.mapping_dict().values() if f}
            missing = [fs for fs in spec.fields if fs.required and fs.name not in mapped and fs.default is None]
            if missing:
                text = tr("ui.import.required_missing", fields="、".join(fs.label() for fs in missing))
        self.missing.setText(text)
        self.missing.setVisible(bool(text))

    def _fill_preview(self) -> None:
        part = self.part()
        result = self.w.read_result
        frame = part.frame if part is not None else (result.parts[0].frame if result is not None and result.parts else None)
        if frame is None:
            self.preview.setRowCount(0)
            self.preview.setColumnCount(0)
            return
        columns = [c for c in frame.columns if c != frame.geometry.name]
        head = frame.head(PREVIEW_ROWS)
        mapping = self.mapping_dict()
        kind = self.kind()
        spec = spec_of(kind) if kind else None
        lang = current_language()
        headers = []
        for c in columns:
            target = mapping.get(str(c))
            if target and spec is not None and spec.has_field(target):
                headers.append(f"{c}\n→ {spec.field(target).label(lang)}")
            elif part is not None and c in part.coord_columns:
                headers.append(f"{c}\n({tr('ui.import.coordinate_column')})")
            else:
                headers.append(f"{c}\n—")
        self.preview.setColumnCount(len(columns))
        self.preview.setRowCount(len(head))
        self.preview.setHorizontalHeaderLabels(headers)
        self.preview.setVerticalHeaderLabels([str(i) for i in head.index])
        for j, c in enumerate(columns):
            values = head[c].tolist()
            for i, v in enumerate(values):
                text = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
                self.preview.setItem(i, j, QTableWidgetItem(text[:80]))
        self.preview.resizeColumnsToContents()

    def mode(self) -> str:
        return "replace" if self.replace_radio.isChecked() else "append"

    def validatePage(self) -> bool:  # noqa: N802
        if self.w.summary is not None:
            return True
        self.w.start_import()
        return False


def _result_fields(kind: str) -> set[str]:
    from fireriskmap.ui.features import RESULT_COLUMNS

    return set(RESULT_COLUMNS.get(kind, ()))


# -- page 3: the result -------------------------------------------------------------------------------

class ResultPage(QWizardPage):
    def __init__(self, wizard: "ImportWizard") -> None:
        super().__init__(wizard)
        self.w = wizard
        self.summary_text = QTextBrowser(self)
        self.summary_text.setMaximumHeight(150)
        self.table = QTableWidget(0, 5, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table_title = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_text)
        layout.addWidget(self.table_title)
        layout.addWidget(self.table, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(tr("ui.import.page_result"))
        self.table.setHorizontalHeaderLabels([tr("io.report.row"), tr("io.report.status"), tr("io.report.column"),
                                              tr("io.report.value"), tr("io.report.message")])

    def initializePage(self) -> None:  # noqa: N802
        summary = self.w.summary
        if summary is None:
            return
        import html

        text = summary.describe()
        self.summary_text.setHtml("<br/>".join(html.escape(line).replace("  ", "&nbsp;&nbsp;")
                                               for line in text.splitlines()))
        issues = summary.issues
        rejected = issues[issues["status"] == "rejected"] if len(issues) else issues
        self.setSubTitle(tr("ui.import.page_result_sub", imported=f"{summary.imported:,}",
                            rejected=f"{summary.rejected:,}", warnings=f"{summary.warnings:,}"))
        self.table_title.setText(tr("ui.import.issues_title", n=f"{len(issues):,}") if len(issues)
                                 else tr("ui.import.no_issues"))
        self.table.setVisible(bool(len(issues)))
        shown = pd.concat([rejected, issues[issues["status"] != "rejected"]]) if len(issues) else issues
        shown = shown.head(5000)
        self.table.setRowCount(len(shown))
        for i, r in enumerate(shown.itertuples(index=False)):
            status = tr(f"io.status.{r.status}")
            cells = [str(r.row), status, str(r.column or ""), str(r.value or ""), str(r.message or r.reason)]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if r.status == "rejected":
                    item.setForeground(QColor("#c62828"))
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()


# -- the wizard -----------------------------------------------------------------------------------------

class ImportWizard(QWizard):
    """Import one file into ``project``. Signal ``imported(summary)`` after the project changed."""

    imported = pyqtSignal(object)

    def __init__(self, project, runner: TaskRunner, *, path: str | None = None,
                 settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.runner = runner
        self.settings = settings if settings is not None else QSettings()
        self.read_result = None
        self.summary = None
        self.scratch = None
        self.task = None
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.result_page = ResultPage(self)
        self.addPage(self.file_page)
        self.addPage(self.mapping_page)
        self.addPage(self.result_page)
        self.setWindowTitle(tr("ui.import.title"))
        self.setButtonText(QWizard.WizardButton.NextButton, tr("ui.import.next"))
        self.setButtonText(QWizard.WizardButton.BackButton, tr("ui.import.back"))
        self.setButtonText(QWizard.WizardButton.CancelButton, tr("ui.button.cancel"))
        self.setButtonText(QWizard.WizardButton.FinishButton, tr("ui.import.finish"))
        self.resize(860, 640)
        if path:
            self.file_page.set_path(str(path))

    def sizeHint(self) -> QSize:
        return QSize(860, 640)

    def is_busy(self) -> bool:
        return self.task is not None and not self.task.is_done

    def _set_busy(self, busy: bool, page: QWizardPage | None = None) -> None:
        for b in (QWizard.WizardButton.NextButton, QWizard.WizardButton.BackButton):
            btn = self.button(b)
            if btn is not None:
                btn.setEnabled(not busy)
        self.file_page.busy.setVisible(busy and page is self.file_page)
        if not busy:
            self.file_page.completeChanged.emit()

    # -- reading -------------------------------------------------------------------------------
    def start_read(self, path: str, *, layer=None, encoding=None, coords="auto", src_crs=None) -> None:
        from fireriskmap.io.importer import read_file

        self.read_result = None
        self.summary = None
        self.file_page.status.setText(tr("ui.import.reading"))
        self._set_busy(True, self.file_page)
        self.task = self.runner.start(read_file, path, layer=layer, encoding=encoding, coords=coords,
                                      src_crs=src_crs, name="read_file")
        self.task.finished.connect(self._on_read)
        self.task.failed.connect(self._on_read_failed)
        self.task.done.connect(lambda: self._set_busy(False))

    def _on_read(self, result) -> None:
        self.read_result = result
        self.file_page.status.setText("")
        self._set_busy(False)
        if self.currentPage() is self.file_page:
            self.next()

    def _on_read_failed(self, error) -> None:
        self.file_page.status.setText(error_text(error))
        self.file_page._read_key = None

    # -- importing ---------------------------------------------------------------------------------
    def import_options(self) -> dict[str, Any]:
        page = self.mapping_page
        opts = self.file_page.read_options()
        part = page.part()
        return {
            "kind": page.kind(),
            "mapping": page.mapping_dict() if part is not None and not part.pre_mapped else None,
            "layer": opts["layer"],
            "encoding": opts["encoding"],
            "coords": opts["coords"],
            "src_crs": opts["src_crs"],
        }

    def start_import(self) -> None:
        opts = self.import_options()
        report_dir = str(Path(self.project.path).parent) if getattr(self.project, "path", None) else None
        self.mapping_page.notes.setText(tr("ui.import.importing"))
        self._set_busy(True, self.mapping_page)
        self.task = self.runner.start(import_into_scratch, self.project.crs, str(self.read_result.path),
                                      report_dir=report_dir, name="import_file", **opts)
        self.task.finished.connect(self._on_imported)
        self.task.failed.connect(self._on_import_failed)
        self.task.done.connect(lambda: self._set_busy(False))

    def _on_imported(self, payload) -> None:
        scratch, summary = payload
        try:
            apply_import(self.project, scratch, summary, self.mapping_page.mode())
        except Exception as exc:  # e.g. a CRS the project cannot take: say why, keep the project
            self._on_import_failed(exc)
            return
        self.summary = summary
        self._set_busy(False)
        self.imported.emit(summary)
        if self.currentPage() is self.mapping_page:
            self.next()

    def _on_import_failed(self, error) -> None:
        self.mapping_page.notes.setText(tr("ui.import.failed", reason=error_text(error)))
        self.mapping_page.notes.setStyleSheet("color: #c62828;")

    def done(self, result: int) -> None:  # noqa: D401 - Qt API: cancel a running read/import
        if self.is_busy():
            self.task.cancel()
        super().done(result)


__all__ = ["ImportWizard", "automatic_mapping", "import_into_scratch", "apply_import", "guess_part_kind",
           "file_filter"]
