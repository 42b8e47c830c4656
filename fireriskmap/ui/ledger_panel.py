"""The hazard ledger panel (隐患台账): list, filter, sort and work the ledger; inspections coverage.

Tab *隐患台账*: the items of the project's ``hazards`` layer as :meth:`Ledger.view` shows them
(id, type, severity, status as the planner sees it — overdue computed for the ledger's date —,
village, address, deadline, days overdue, responsible unit) through a
:class:`QSortFilterProxyModel` (status, severity, village, text search; sort by any column).
Overdue rows are red, major items marked, closed/voided ones grey, unplaced ones marked
"待定位". The row selection and the map selection follow each other (``SelectionModel``).

Every action goes through :class:`~fireriskmap.ledger.Ledger` (new, edit, start fixing, close with
evidence, void and reopen with a reason, place on the map, history); a :class:`LedgerError` is
shown in the user's language. Ledger actions are **not undoable**: the audit trail is the record
(see :mod:`fireriskmap.ui.editing`).

Tab *入户排查*: coverage per village against the target (unmet villages red) and a small form
to add an inspection record (:func:`fireriskmap.ledger.add_inspections`).
"""

from __future__ import annotations

import datetime as _dt
import html
from typing import Any, Callable

import numpy as np
import pandas as pd
from PyQt6.QtCore import (QAbstractTableModel, QDate, QItemSelection, QItemSelectionModel, QModelIndex, QSize,
                          QSortFilterProxyModel, Qt, QTimer, QUrl, pyqtSignal)
from PyQt6.QtGui import QBrush, QColor, QFont
from PyQt6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFileDialog,
                             QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                             QListWidget, QMessageBox, QPlainTextEdit, QPushButton, QSpinBox, QSplitter, QTableView,
                             QTableWidget, QTableWidgetItem, QTabWidget, QTextBrowser, QVBoxLayout, QWidget)

from fireriskmap.errors import LedgerError
from fireriskmap.i18n import current_language, tr
from fireriskmap.ui.features import column_label, editable_columns, field_of, is_missing, value_text

KIND = "hazards"
COLUMNS = ("hazard_id", "hazard_type", "severity", "shown_status", "village", "address", "deadline",
           "days_overdue", "responsible_unit")
SORT_ROLE = Qt.ItemDataRole.UserRole + 21
STATUS_FILTERS = ("all", "active", "open", "rectifying", "overdue", "closed", "void")

OVERDUE_BG = QColor("#fde0dc")
OVERDUE_FG = QColor("#b71c1c")
MAJOR_FG = QColor("#c62828")
DONE_FG = QColor("#8a8a8a")
UNPLACED_FG = QColor("#6a1b9a")
UNMET_BG = QColor("#fde0dc")
MET_BG = QColor("#e3f2e1")


def _text(value: Any) -> str:
    return "" if is_missing(value) else str(value)


def _date_text(value: Any) -> str:
    from fireriskmap.ledger import as_date

    day = as_date(value)
    return day.isoformat() if day else ""


def ask_evidence_files(parent: QWidget | None) -> list[str]:
    """The evidence files the user picks (a file dialog; tests replace this function)."""
    paths, _ = QFileDialog.getOpenFileNames(parent, tr("ui_ledger.close.choose_title"), "",
                                            tr("ui_ledger.close.choose_filter"))
    return list(paths)


# -- the table model ---------------------------------------------------------------------------------

class LedgerModel(QAbstractTableModel):
    """Rows = ledger items in layer order (row == position in the ``hazards`` layer)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.frame: pd.DataFrame | None = None
        self.texts: dict[str, np.ndarray] = {}
        self.keys: dict[str, list] = {}
        self.search_text = np.empty(0, dtype=object)
        self.status = np.empty(0, dtype=object)
        self.stored = np.empty(0, dtype=object)
        self.severity = np.empty(0, dtype=object)
        self.villages = np.empty(0, dtype=object)
        self.overdue = np.empty(0, dtype=bool)
        self.placed = np.empty(0, dtype=bool)
        self.ids = np.empty(0, dtype=object)

    def set_frame(self, frame: pd.DataFrame | None) -> None:
        self.beginResetModel()
        self.frame = frame
        self.texts, self.keys = {}, {}
        n = 0 if frame is None else len(frame)
        if frame is not None and n:
            lang = current_language()
            geoms = frame.geometry
            self.placed = (~(geoms.isna() | geoms.is_empty)).to_numpy(dtype=bool)
            self.ids = frame["hazard_id"].astype(object).to_numpy()
            self.status = frame["shown_status"].astype(object).to_numpy()
            self.stored = frame["status"].astype(object).where(frame["status"].notna(), "open").to_numpy()
            self.severity = frame["severity"].astype(object).to_numpy()
            self.villages = frame["village"].astype(object).to_numpy()
            self.overdue = frame["overdue"].to_numpy(dtype=bool)
            for column in COLUMNS:
                values = frame[column]
                if column == "shown_status":
                    texts = [value_text(KIND, "status", v, lang) for v in values]
                    keys = [STATUS_FILTERS.index(v) if v in STATUS_FILTERS else 99 for v in values]
                elif column == "severity":
                    texts = [value_text(KIND, "severity", v, lang) for v in values]
                    keys = [0 if v == "major" else 1 for v in values]
                elif column == "hazard_type":
                    texts = [value_text(KIND, column, v, lang) for v in values]
                    keys = texts
                elif column == "deadline":
                    texts = [_date_text(v) for v in values]
                    keys = [t or "9999" for t in texts]
                elif column == "days_overdue":
                    nums = pd.to_numeric(values, errors="coerce").fillna(0).astype(int).tolist()
                    texts = [str(d) if d > 0 else "" for d in nums]
                    keys = nums
                else:
                    texts = [_text(v) for v in values]
                    keys = texts
                if column == "address":
                    mark = tr("ui_ledger.unplaced_mark")
                    texts = [t if p else mark + t for t, p in zip(texts, self.placed)]
                self.texts[column] = np.asarray(texts, dtype=object)
                self.keys[column] = list(keys)
            extra = [frame[c].astype(object).where(frame[c].notna(), "").astype(str).to_numpy()
                     for c in ("description", "measure", "ref", "responsible_person", "place_ref")]
            parts = [self.texts[c] for c in COLUMNS] + extra
            self.search_text = np.array([" ".join(str(p[i]) for p in parts).lower() for i in range(n)], dtype=object)
        else:
            for name in ("search_text", "status", "stored", "severity", "villages", "ids"):
                setattr(self, name, np.empty(0, dtype=object))
            self.overdue = np.empty(0, dtype=bool)
            self.placed = np.empty(0, dtype=bool)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.frame is None else len(self.frame)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.frame is None:
            return None
        row, column = index.row(), COLUMNS[index.column()]
        status = self.status[row]
        if role == Qt.ItemDataRole.DisplayRole:
            text = self.texts[column][row]
            if column == "severity" and self.severity[row] == "major":
                return tr("ui_ledger.major_mark") + text
            return text
        if role == SORT_ROLE:
            return self.keys[column][row]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "address" and not self.placed[row]:
                return tr("ui_ledger.unplaced_tip")
            if column in ("shown_status", "days_overdue") and self.overdue[row]:
                days = self.keys["days_overdue"][row]
                return tr("ui_ledger.overdue_days", days=days) if days else None
            text = self.texts[column][row]
            return text if len(text) > 16 else None
        if role == Qt.ItemDataRole.BackgroundRole:
            if self.overdue[row]:
                return QBrush(OVERDUE_BG)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if self.overdue[row]:
                return QBrush(OVERDUE_FG)
            if status in ("closed", "void"):
                return QBrush(DONE_FG)
            if column == "severity" and self.severity[row] == "major":
                return QBrush(MAJOR_FG)
            if column == "address" and not self.placed[row]:
                return QBrush(UNPLACED_FG)
            return None
        if role == Qt.ItemDataRole.FontRole:
            bold = (column == "severity" and self.severity[row] == "major" and status not in ("closed", "void")) \
                or (column in ("shown_status", "days_overdue") and self.overdue[row])
            if bold:
                font = QFont()
                font.setBold(True)
                return font
            if status == "void" and column == "hazard_id":
                font = QFont()
                font.setStrikeOut(True)
                return font
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "days_overdue":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(COLUMNS):
            return tr(f"ui_ledger.col.{COLUMNS[section]}")
        return None


class LedgerFilter(QSortFilterProxyModel):
    """Status / severity / village / text filter over a :class:`LedgerModel`; sorts by ``SORT_ROLE``."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.status: str = "all"
        self.severity: str | None = None
        self.village: str | None = None
        self.text: str = ""
        self.setSortRole(SORT_ROLE)

    def set_filter(self, *, status: str | None = None, severity: Any = ..., village: Any = ...,
                   text: str | None = None) -> None:
        if status is not None:
            self.status = status
        if severity is not ...:
            self.severity = severity
        if village is not ...:
            self.village = village
        if text is not None:
            self.text = text.strip().lower()
        self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:  # noqa: N802 - Qt API
        m: LedgerModel = self.sourceModel()
        if m is None or row >= len(m.status):
            return False
        status = m.status[row]
        if self.status == "active":
            if status not in ("open", "rectifying", "overdue"):
                return False
        elif self.status != "all" and status != self.status:
            return False
        if self.severity and m.severity[row] != self.severity:
            return False
        if self.village and m.villages[row] != self.village:
            return False
        if self.text and not all(part in m.search_text[row] for part in self.text.split()):
            return False
        return True


# -- dialogs -----------------------------------------------------------------------------------------

class _SubmitDialog(QDialog):
    """A dialog whose OK calls ``submit()`` → error text or None; an error keeps it open."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.submit: Callable[[], str | None] | None = None
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("ui.button.ok"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("ui.button.cancel"))
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)

    def try_accept(self) -> bool:
        problem = self.submit() if self.submit is not None else None
        if problem:
            self.error.setText(problem)
            self.error.show()
            return False
        self.accept()
        return True


class ReasonDialog(_SubmitDialog):
    """Ask for a reason (void, reopen); ``submit(reason)`` is the ledger call."""

    def __init__(self, title: str, prompt: str, submit: Callable[[str], str | None], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.prompt = QLabel(prompt, self)
        self.prompt.setWordWrap(True)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("reason")
        self.reason.setFixedHeight(80)
        self.submit = lambda: submit(self.reason.toPlainText().strip())
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(440, 220)


class CloseDialog(_SubmitDialog):
    """Close (销号) an item: evidence files, a note and the closing date."""

    def __init__(self, hazard_id: str, row: pd.Series, today: _dt.date,
                 submit: Callable[[list[str], str, _dt.date], str | None], parent=None) -> None:
        super().__init__(parent)
        lang = current_language()
        self.setWindowTitle(tr("ui_ledger.close.title", id=hazard_id))
        intro = QLabel(tr("ui_ledger.close.intro", id=hazard_id,
                          type=value_text(KIND, "hazard_type", row.get("hazard_type"), lang),
                          village=_text(row.get("village")) or "—"), self)
        intro.setWordWrap(True)
        self.files = QListWidget(self)
        self.files.setObjectName("evidence_files")
        self.files.setMinimumHeight(90)
        self.add_button = QPushButton(tr("ui_ledger.close.add_files"), self)
        self.add_button.clicked.connect(self.add_files)
        self.remove_button = QPushButton(tr("ui_ledger.close.remove_file"), self)
        self.remove_button.clicked.connect(lambda: [self.files.takeItem(self.files.row(i))
                                                    for i in self.files.selectedItems()])
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(tr("ui_ledger.close.note_hint"))
        self.date = QDateEdit(self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setDate(QDate(today.year, today.month, today.day))
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        form = QFormLayout()
        box = QVBoxLayout()
        box.addWidget(self.files)
        box.addLayout(buttons)
        form.addRow(tr("ui_ledger.close.files"), box)
        form.addRow(tr("ui_ledger.close.note"), self.note)
        form.addRow(tr("ui_ledger.close.date"), self.date)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.submit = lambda: submit(self.paths(), self.note.text().strip(), self.date.date().toPyDate())
        self.resize(520, 360)

    def add_files(self) -> None:
        known = set(self.paths())
        for path in ask_evidence_files(self):
            if path and path not in known:
                self.files.addItem(path)
                known.add(path)

    def paths(self) -> list[str]:
        return [self.files.item(i).text() for i in range(self.files.count())]


class HistoryDialog(QDialog):
    """The audit trail of one item: when, who, action, field, old → new, note."""

    COLUMNS = ("at", "user", "action", "field", "old", "new", "note")

    def __init__(self, hazard_id: str, history: pd.DataFrame, parent=None) -> None:
        super().__init__(parent)
        lang = current_language()
        self.setWindowTitle(tr("ui_ledger.history.title", id=hazard_id))
        self.table = QTableWidget(len(history), len(self.COLUMNS), self)
        self.table.setObjectName("history_table")
        self.table.setHorizontalHeaderLabels([tr(f"ui_ledger.history.{c}") for c in self.COLUMNS])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        for i, rec in enumerate(history.to_dict("records")):
            field = _text(rec.get("field"))
            for j, column in enumerate(self.COLUMNS):
                value = rec.get(column)
                if column == "action":
                    key = f"ui_ledger.audit_action.{_text(value)}"
                    text = tr(key)
                    text = _text(value) if text == key else text
                elif column == "field":
                    text = tr("ui_ledger.history.geometry") if field == "geometry" else \
                        (column_label(KIND, field, lang) if field else "")
                elif column in ("old", "new") and field and field_of(KIND, field) is not None \
                        and field_of(KIND, field).type in ("enum", "bool"):
                    text = value_text(KIND, field, value if not is_missing(value) else None, lang)
                else:
                    text = _text(value).replace("T", " ") if column == "at" else _text(value)
                item = QTableWidgetItem(text)
                if len(text) > 20:
                    item.setToolTip(text)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        for j in (4, 5, 6):
            self.table.setColumnWidth(j, min(self.table.columnWidth(j), 260))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.button(QDialogButtonBox.StandardButton.Close).setText(tr("ui_ledger.history.close"))
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(close)
        self.resize(860, 360)


# -- inspections ---------------------------------------------------------------------------------------

class InspectionsWidget(QWidget):
    """Coverage per village (unmet red) and a form to record an inspection."""

    added = pyqtSignal(str)  # inspection id
    COLUMNS = ("village", "households", "inspected", "share", "target", "met", "visits", "hazards_found")
    HEADERS = ("col_village", "col_households", "col_inspected", "col_share", "col_target", "col_met",
               "col_visits", "col_found")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.project = None
        self.coverage = pd.DataFrame()
        self.title = QLabel(self)
        self.summary = QLabel(self)
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setObjectName("coverage_table")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.form_box = QGroupBox(self)
        self.village = QComboBox(self.form_box)
        self.village.setEditable(True)
        self.date = QDateEdit(self.form_box)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.households = QSpinBox(self.form_box)
        self.households.setRange(0, 100000)
        self.households.setValue(1)
        self.target_type = QComboBox(self.form_box)
        self.target_ref = QLineEdit(self.form_box)
        self.result = QComboBox(self.form_box)
        self.inspector = QLineEdit(self.form_box)
        self.note = QLineEdit(self.form_box)
        self.add_button = QPushButton(self.form_box)
        self.add_button.clicked.connect(self.add_record)
        self.message = QLabel(self.form_box)
        self.message.setWordWrap(True)
        self.form = QFormLayout(self.form_box)
        self._labels = {}
        for key, widget in (("village", self.village), ("date", self.date), ("households", self.households),
                            ("target_type", self.target_type), ("target_ref", self.target_ref),
                            ("result", self.result), ("inspector", self.inspector), ("note", self.note)):
            label = QLabel(self.form_box)
            self._labels[key] = label
            self.form.addRow(label, widget)
        self.form.addRow(self.add_button)
        self.form.addRow(self.message)
        left = QVBoxLayout()
        left.addWidget(self.title)
        left.addWidget(self.table, 1)
        left.addWidget(self.summary)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(left, 3)
        layout.addWidget(self.form_box, 2)
        self.retranslate()

    def set_project(self, project) -> None:
        self.project = project
        if project is not None:
            from fireriskmap.ledger import ledger_today

            day = ledger_today(project)
            self.date.setDate(QDate(day.year, day.month, day.day))
        self.refresh()

    def refresh(self) -> None:
        from fireriskmap.ledger import inspection_coverage

        self.table.setSortingEnabled(False)
        self.table.setRowCount(0)
        self.coverage = inspection_coverage(self.project) if self.project is not None else pd.DataFrame(
            columns=self.COLUMNS)
        cov = self.coverage
        self.table.setRowCount(len(cov))
        for i, rec in enumerate(cov.to_dict("records")):
            met = rec.get("met")
            for j, column in enumerate(self.COLUMNS):
                value = rec.get(column)
                sort_value: Any = value
                if column in ("share", "target"):
                    text = "" if is_missing(value) else f"{float(value) * 100:.0f}%"
                    sort_value = -1.0 if is_missing(value) else float(value)
                elif column == "met":
                    text = tr("ui_ledger.insp.met_none") if met is None else \
                        tr("ui_ledger.insp.met_yes" if met else "ui_ledger.insp.met_no")
                    sort_value = text
                elif column in ("households", "inspected", "visits", "hazards_found"):
                    text = "" if is_missing(value) else f"{float(value):,.0f}"
                    sort_value = -1.0 if is_missing(value) else float(value)
                else:
                    text = _text(value) + (" ★" if rec.get("flagged_cluster") else "")
                    sort_value = text
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, sort_value)
                if column != "village":
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                elif rec.get("flagged_cluster"):
                    item.setToolTip(tr("ui_ledger.insp.flagged_tip"))
                if met is False:
                    item.setBackground(QBrush(UNMET_BG))
                    item.setForeground(QBrush(OVERDUE_FG))
                elif met is True and column == "met":
                    item.setBackground(QBrush(MET_BG))
                self.table.setItem(i, j, item)
        n_records = len(self.project.table("inspections")) if self.project is not None else 0
        unmet = int((cov["met"] == False).sum()) if len(cov) else 0  # noqa: E712 - None stays out
        self.summary.setText(tr("ui_ledger.insp.summary", villages=len(cov), unmet=unmet, records=n_records))
        current = self.village.currentText()
        self.village.blockSignals(True)
        self.village.clear()
        self.village.addItems([str(v) for v in cov["village"].tolist()] if len(cov) else [])
        if current:
            self.village.setCurrentText(current)
        self.village.blockSignals(False)

    def add_record(self) -> str | None:
        """Add the form's inspection; returns its id (None when refused: the reason is shown)."""
        from fireriskmap.ledger import add_inspections

        if self.project is None:
            return None
        rec = {
            "village": self.village.currentText().strip() or None,
            "date": self.date.date().toPyDate().isoformat(),
            "households": int(self.households.value()),
            "target_type": self.target_type.currentData(),
            "target_ref": self.target_ref.text().strip() or None,
            "result": self.result.currentData(),
            "inspector": self.inspector.text().strip() or None,
            "note": self.note.text().strip() or None,
        }
        try:
            ids = add_inspections(self.project, [rec])
        except LedgerError as exc:
            self.message.setStyleSheet("color: #c62828;")
            self.message.setText(str(exc))
            return None
        self.message.setStyleSheet("")
        self.message.setText(tr("ui_ledger.insp.added", id=ids[0]))
        self.target_ref.clear()
        self.note.clear()
        self.refresh()
        self.added.emit(ids[0])
        return ids[0]

    def retranslate(self) -> None:
        from fireriskmap.ledger.inspections import RESULTS, TARGET_TYPES

        self.title.setText(tr("ui_ledger.insp.coverage"))
        self.table.setHorizontalHeaderLabels([tr(f"ui_ledger.insp.{h}") for h in self.HEADERS])
        self.form_box.setTitle(tr("ui_ledger.insp.form"))
        for key, label in self._labels.items():
            label.setText(tr(f"ui_ledger.insp.{key}"))
        self.add_button.setText(tr("ui_ledger.insp.add"))
        for combo, codes, prefix in ((self.result, RESULTS, "result_value"),
                                     (self.target_type, TARGET_TYPES, "target_value")):
            current = combo.currentData()
            combo.clear()
            for code in codes:
                combo.addItem(tr(f"ui_ledger.insp.{prefix}.{code}"), code)
            combo.setCurrentIndex(max(combo.findData(current), 0))
        self.refresh()


# -- the panel -------------------------------------------------------------------------------------------

class WeeklyDialog(QDialog):
    """Choose the week (any day in it) and the formats of the weekly progress table."""

    def __init__(self, today: _dt.date, parent=None) -> None:
        super().__init__(parent)
        from PyQt6.QtWidgets import QCheckBox

        self.setWindowTitle(tr("ui_ledger.files.weekly_title"))
        self.date = QDateEdit(QDate(today.year, today.month, today.day), self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.week_label = QLabel(self)
        self.want_xlsx = QCheckBox(tr("ui_ledger.files.as_xlsx"), self)
        self.want_pdf = QCheckBox(tr("ui_ledger.files.as_pdf"), self)
        self.want_xlsx.setChecked(True)
        self.want_pdf.setChecked(True)
        form = QFormLayout()
        form.addRow(tr("ui_ledger.files.week_day"), self.date)
        form.addRow("", self.week_label)
        form.addRow(tr("ui_ledger.files.formats"), self.want_xlsx)
        form.addRow("", self.want_pdf)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.date.dateChanged.connect(lambda _d: self._show_week())
        self._show_week()

    def week_date(self) -> _dt.date:
        d = self.date.date()
        return _dt.date(d.year(), d.month(), d.day())

    def _show_week(self) -> None:
        day = self.week_date()
        start = day - _dt.timedelta(days=day.weekday())
        end = start + _dt.timedelta(days=6)
        iso = day.isocalendar()
        self.week_label.setText(tr("ui_ledger.files.week_span", year=iso[0], week=iso[1],
                                   start=start.isoformat(), end=end.isoformat()))


class LedgerPanel(QWidget):
    """The hazard ledger dock.

    Signals
    -------
    changed(what)
        A ledger action changed the project: ``"hazards"`` (the ledger; dependent results are
        stale) or ``"inspections"``.
    zoom_requested(kind, position)
        Show this item on the map.
    place_requested(hazard_id)
        The next click on the map places this item (the window calls :meth:`place_at`).
    message(text)
        A short confirmation for the status bar.
    """

    changed = pyqtSignal(str)
    zoom_requested = pyqtSignal(str, int)
    place_requested = pyqtSignal(str)
    message = pyqtSignal(str)

    ACTIONS = ("new", "edit", "rectify", "close", "void", "reopen", "place", "history")

    def __init__(self, selection=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection = selection
        self.project = None
        self._syncing = False
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)
        self.last_error: str = ""
        self.last_message: str = ""

        self.tabs = QTabWidget(self)
        items = QWidget(self.tabs)
        self.search = QLineEdit(items)
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda text: self._set_filter(text=text))
        self.status_label = QLabel(items)
        self.status_combo = QComboBox(items)
        self.status_combo.currentIndexChanged.connect(lambda _i: self._set_filter(status=self.status_combo.currentData()))
        self.severity_label = QLabel(items)
        self.severity_combo = QComboBox(items)
        self.severity_combo.currentIndexChanged.connect(
            lambda _i: self._set_filter(severity=self.severity_combo.currentData()))
        self.village_combo = QComboBox(items)
        self.village_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.village_combo.currentIndexChanged.connect(
            lambda _i: self._set_filter(village=self.village_combo.currentData()))
        self.count = QLabel(items)
        self.hint = QLabel(items)
        self.hint.setWordWrap(True)

        self.model = LedgerModel(self)
        self.proxy = LedgerFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView(items)
        self.view.setObjectName("ledger_table")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection)
        self.view.doubleClicked.connect(lambda _i: self.edit_item())

        self.buttons: dict[str, QPushButton] = {}
        button_grid = QGridLayout()
        button_grid.setSpacing(4)
        for i, name in enumerate(self.ACTIONS):
            button = QPushButton(items)
            button.setObjectName(f"ledger_{name}")
            button.clicked.connect(getattr(self, {"new": "new_item", "edit": "edit_item", "rectify": "start_rectifying",
                                                  "close": "close_item", "void": "void_item", "reopen": "reopen_item",
                                                  "place": "place_item", "history": "show_history"}[name]))
            self.buttons[name] = button
            button_grid.addWidget(button, i // 2, i % 2)
        self.file_buttons: dict[str, QPushButton] = {}
        file_row = QHBoxLayout()
        file_row.setSpacing(4)
        for name, slot in (("import", self.import_excel), ("export", self.export_excel), ("weekly", self.weekly_report)):
            button = QPushButton(items)
            button.setObjectName(f"ledger_{name}")
            button.clicked.connect(lambda _checked=False, slot=slot: slot())
            self.file_buttons[name] = button
            file_row.addWidget(button)
        self.detail = QTextBrowser(items)
        self.detail.setOpenExternalLinks(True)
        self.detail.setObjectName("ledger_detail")

        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(self.search, 2)
        filters.addWidget(self.status_label)
        filters.addWidget(self.status_combo)
        filters.addWidget(self.severity_label)
        filters.addWidget(self.severity_combo)
        filters.addWidget(self.village_combo)
        left = QWidget(items)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(3)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.hint)
        left_layout.addWidget(self.view, 1)
        left_layout.addWidget(self.count)
        right = QWidget(items)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(file_row)
        right_layout.addLayout(button_grid)
        right_layout.addWidget(self.detail, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, items)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 300])
        items_layout = QVBoxLayout(items)
        items_layout.setContentsMargins(2, 2, 2, 2)
        items_layout.addWidget(self.splitter)
        self.inspections = InspectionsWidget(self.tabs)
        self.inspections.added.connect(lambda _id: self.changed.emit("inspections"))
        self.tabs.addTab(items, "")
        self.tabs.addTab(self.inspections, "")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.tabs)
        if self.selection is not None:
            self.selection.changed.connect(self._on_selection_changed)
        self.retranslate()

    def sizeHint(self) -> QSize:
        return QSize(1000, 320)

    # -- project -------------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        if self.project is not None:
            self.project.events.disconnect("layer_changed", self._on_layer_event)
            self.project.events.disconnect("table_changed", self._on_table_event)
        self.project = project
        if project is not None:
            project.events.connect("layer_changed", self._on_layer_event)
            project.events.connect("table_changed", self._on_table_event)
        self.inspections.set_project(project)
        self.refresh()

    def _on_layer_event(self, kind: str | None = None, **_payload) -> None:
        if kind == KIND and not self._refresh_timer.isActive():
            self._refresh_timer.start()
        elif kind in ("villages", "buildings", "clusters"):  # households and the 100 % target
            QTimer.singleShot(0, self.inspections.refresh)

    def _on_table_event(self, table: str | None = None, **_payload) -> None:
        if table == "inspections":
            QTimer.singleShot(0, self.inspections.refresh)

    def ledger(self):
        from fireriskmap.ledger import Ledger

        return Ledger(self.project)

    def has_ledger(self) -> bool:
        return self.project is not None and self.project.has_layer(KIND)

    def refresh(self) -> None:
        """Reload the items (keeps the selected item selected)."""
        keep = self.selected_ids()
        frame = None
        if self.has_ledger():
            frame = self.ledger().view()
        self._syncing = True
        try:
            self.model.set_frame(frame)
        finally:
            self._syncing = False
        self._fill_villages()
        self.hint.setText(tr("ui_ledger.no_project") if self.project is None else tr("ui_ledger.empty"))
        self.hint.setVisible(frame is None or not len(frame))
        if keep:
            self.select_ids(keep, scroll=False)
        elif self.selection is not None:
            self._sync_from_selection(scroll=False)
        self._resize_columns()
        self._update_count()
        self._update_buttons()
        self._show_detail()

    def _resize_columns(self) -> None:
        """Columns as wide as their texts (a few hundred rows: cheap), long ones capped."""
        header = self.view.horizontalHeader()
        fm = self.view.fontMetrics()
        em = fm.horizontalAdvance("国")
        caps = {"hazard_type": 12, "address": 16, "village": 8, "responsible_unit": 14}
        bold = QFont(self.view.font())
        bold.setBold(True)
        bold_fm = type(fm)(bold)
        for j, column in enumerate(COLUMNS):
            texts = self.model.texts.get(column)
            sample = max((bold_fm.horizontalAdvance(str(t)) for t in (texts if texts is not None else [])), default=0)
            width = max(sample + 14, fm.horizontalAdvance(tr(f"ui_ledger.col.{column}")) + 30)
            if column == "severity":
                width += fm.horizontalAdvance(tr("ui_ledger.major_mark"))
            header.resizeSection(j, min(width, em * caps.get(column, 30)))

    def _fill_villages(self) -> None:
        current = self.village_combo.currentData()
        self.village_combo.blockSignals(True)
        self.village_combo.clear()
        self.village_combo.addItem(tr("ui_ledger.all_villages"), None)
        names = sorted({str(v) for v in self.model.villages if not is_missing(v)})
        for name in names:
            self.village_combo.addItem(name, name)
        self.village_combo.setCurrentIndex(max(self.village_combo.findData(current), 0))
        self.village_combo.blockSignals(False)
        if self.village_combo.currentData() != self.proxy.village:
            self.proxy.set_filter(village=self.village_combo.currentData())

    def _set_filter(self, **kwargs) -> None:
        self.proxy.set_filter(**kwargs)
        self._sync_from_selection(scroll=False)
        self._update_count()

    def _update_count(self) -> None:
        m = self.model
        active = np.isin(m.status, ("open", "rectifying", "overdue")) if len(m.status) else np.empty(0, dtype=bool)
        self.count.setText(tr("ui_ledger.count", shown=self.proxy.rowCount(), total=m.rowCount(),
                              overdue=int(m.overdue.sum()),
                              major=int(((m.severity == "major") & active).sum()) if len(active) else 0,
                              unplaced=int((~m.placed & (m.status != "void")).sum()) if len(m.placed) else 0))

    # -- selection -------------------------------------------------------------------------------------
    def selected_positions(self) -> list[int]:
        rows = {self.proxy.mapToSource(i).row() for i in self.view.selectionModel().selectedRows()}
        return sorted(r for r in rows if r >= 0)

    def selected_ids(self) -> list[str]:
        return [str(self.model.ids[p]) for p in self.selected_positions() if p < len(self.model.ids)]

    def current_position(self) -> int | None:
        positions = self.selected_positions()
        return positions[0] if len(positions) == 1 else None

    def current_id(self) -> str | None:
        pos = self.current_position()
        return None if pos is None else str(self.model.ids[pos])

    def select_ids(self, ids: list[str], *, scroll: bool = True) -> None:
        positions = [int(i) for i in np.flatnonzero(np.isin(self.model.ids.astype(str), list(ids)))]
        self._select_positions(positions, scroll=scroll)
        if self.selection is not None and positions:
            self.selection.select(KIND, positions, source="ledger")

    def _select_positions(self, positions, *, scroll: bool) -> None:
        qsel = QItemSelection()
        last = self.model.columnCount() - 1
        rows = []
        for p in positions:
            if 0 <= p < self.model.rowCount():
                index = self.proxy.mapFromSource(self.model.index(int(p), 0))
                if index.isValid():
                    rows.append(index.row())
                    qsel.select(index, self.proxy.index(index.row(), last))
        self._syncing = True
        try:
            self.view.selectionModel().select(qsel, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            if rows:
                self.view.selectionModel().setCurrentIndex(self.proxy.index(min(rows), 0),
                                                           QItemSelectionModel.SelectionFlag.NoUpdate)
        finally:
            self._syncing = False
        if scroll and rows:
            self.view.scrollTo(self.proxy.index(min(rows), 0), QAbstractItemView.ScrollHint.PositionAtCenter)
        self._update_buttons()
        self._show_detail()

    def _on_view_selection(self, *_args) -> None:
        if self._syncing:
            return
        positions = self.selected_positions()
        if self.selection is not None:
            if positions:
                self.selection.select(KIND, positions, source="ledger")
            elif self.selection.kind == KIND:
                self.selection.clear(source="ledger")
        if len(positions) == 1 and self.model.placed[positions[0]]:
            self.zoom_requested.emit(KIND, positions[0])
        self._update_buttons()
        self._show_detail()

    def _on_selection_changed(self, kind: str, source: str) -> None:
        if source == "ledger":
            return
        self._sync_from_selection(scroll=True)

    def _sync_from_selection(self, *, scroll: bool) -> None:
        if self.selection is None:
            return
        positions = self.selection.positions_of(KIND).tolist()
        self._select_positions(positions, scroll=scroll)

    # -- details and buttons ----------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        has = self.has_ledger() or self.project is not None
        pos = self.current_position()
        many = self.selected_positions()
        stored = self.model.stored[pos] if pos is not None else None
        enabled = {
            "new": has and self.project is not None,
            "edit": pos is not None and stored != "void",
            "rectify": pos is not None and stored in ("open", "overdue"),
            "close": pos is not None and stored in ("open", "rectifying", "overdue"),
            "void": bool(many) and all(self.model.stored[p] in ("open", "rectifying", "overdue") for p in many),
            "reopen": pos is not None and stored == "closed",
            "place": pos is not None and stored != "void" and self.project is not None
            and self.project.crs is not None,
            "history": pos is not None,
        }
        for name, button in self.buttons.items():
            button.setEnabled(bool(enabled[name]))

    def _show_detail(self) -> None:
        pos = self.current_position()
        if pos is None or self.model.frame is None:
            self.detail.setHtml(f"<p style='color:#777'>{html.escape(tr('ui_ledger.detail.none'))}</p>"
                                f"<p style='color:#777'>{html.escape(tr('ui_ledger.message.no_undo'))}</p>")
            return
        from fireriskmap.ledger import evidence_paths

        lang = current_language()
        row = self.model.frame.iloc[pos]
        e = html.escape
        status = self.model.texts["shown_status"][pos]
        colour = "#b71c1c" if self.model.overdue[pos] else ("#777" if self.model.status[pos] in ("closed", "void")
                                                             else "#333")
        parts = [f"<b>{e(str(row['hazard_id']))}</b> · {e(value_text(KIND, 'hazard_type', row['hazard_type'], lang))}"
                 f" · <b style='color:{'#c62828' if row['severity'] == 'major' else '#333'}'>"
                 f"{e(value_text(KIND, 'severity', row['severity'], lang))}</b>"
                 f" · <b style='color:{colour}'>{e(status)}</b>"]
        if self.model.overdue[pos] and int(row["days_overdue"]) > 0:
            parts[0] += f" <span style='color:#b71c1c'>({e(tr('ui_ledger.overdue_days', days=int(row['days_overdue'])))})</span>"
        place = " ".join(p for p in (_text(row.get("village")), _text(row.get("address"))) if p)
        if place:
            parts.append(e(place))
        if not self.model.placed[pos]:
            parts.append(f"<span style='color:#6a1b9a'>{e(tr('ui_ledger.detail.unplaced'))}</span>")
        evidence_at = len(parts)  # the evidence of a closed item comes first, where it is seen
        for key, column in (("found", "found_date"), ("deadline", "deadline"), ("unit", "responsible_unit"),
                            ("person", "responsible_person"), ("description", "description"),
                            ("measure", "measure"), ("closed", "closed_date"), ("close_note", "close_note"),
                            ("void_reason", "void_reason")):
            value = row.get(column)
            text = _date_text(value) if column.endswith("date") or column == "deadline" else _text(value)
            if text:
                parts.append(f"{e(tr('ui_ledger.detail.' + key))}：{e(text)}" if lang == "zh_CN"
                             else f"{e(tr('ui_ledger.detail.' + key))}: {e(text)}")
        files = evidence_paths(self.project, row.get("evidence"))
        if files:
            links = []
            for f in files:
                url = QUrl.fromLocalFile(str(f)).toString()
                if f.suffix.lower() in (".jpg", ".jpeg", ".png", ".bmp", ".gif") and f.exists():
                    links.append(f"<a href='{e(url)}'><img src='{e(url)}' height='72'></a>")
                links.append(f"<a href='{e(url)}'>{e(f.name)}</a>"
                             + ("" if f.exists() else f" {e(tr('ui_ledger.detail.evidence_missing'))}"))
            parts.insert(evidence_at, f"<b>{e(tr('ui_ledger.detail.evidence'))}</b>：" + " ".join(links))
        self.detail.setHtml("<br>".join(parts))

    # -- actions ---------------------------------------------------------------------------------------
    def _run_dialog(self, dialog: QDialog) -> bool:
        """Show a dialog modally (tests replace this method to fill it in)."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def _warn(self, text: str) -> None:
        """Show a refusal (tests replace this method)."""
        self.last_error = text
        QMessageBox.warning(self, tr("ui_ledger.message.title"), text)

    def _done(self, text: str, *, select: list[str] | None = None) -> None:
        self.refresh()
        if select:
            self.select_ids(select)
        self.changed.emit(KIND)
        self.message.emit(text)

    def _call(self, action: Callable[[], Any]) -> tuple[bool, Any]:
        """Run a ledger call; a refusal is shown in the user's language."""
        try:
            return True, action()
        except LedgerError as exc:
            self._warn(str(exc))
            return False, None

    def _ensure_ids(self) -> None:
        if self.has_ledger():
            if self.ledger().ensure_ids():
                self.refresh()

    def new_item(self) -> str | None:
        """Register a new (unplaced) item through the spec form."""
        from fireriskmap.ui.editing import default_values, validate_values
        from fireriskmap.ui.feature_dialog import FeatureDialog

        if self.project is None:
            return None
        values = default_values(KIND)
        values["found_date"] = self.ledger().today.isoformat()
        village = self.village_combo.currentData()
        if village:
            values["village"] = village
        result: dict[str, str] = {}

        def submit(raw: dict[str, Any]) -> dict[str, str]:
            parsed, errors = validate_values(KIND, raw)
            if errors:
                return errors
            try:
                result["id"] = self.ledger().add(parsed)
            except LedgerError as exc:
                return {"": str(exc)}
            return {}

        form = FeatureDialog(KIND, values, title=tr("ui_ledger.message.new_title"), submit=submit, parent=self)
        if not self._run_dialog(form) or "id" not in result:
            return None
        self._done(tr("ui_ledger.message.added", id=result["id"]), select=[result["id"]])
        return result["id"]

    def edit_item(self) -> bool:
        """Change the ordinary fields of the selected item (status fields are not in the form)."""
        from fireriskmap.ui.editing import validate_values
        from fireriskmap.ui.feature_dialog import FeatureDialog

        key = self.current_id()
        pos = self.current_position()
        if key is None or self.model.stored[pos] == "void":
            return False
        row = self.project.layer(KIND).iloc[pos]
        values = {c: row[c] for c in editable_columns(KIND) if c in row.index}

        def submit(raw: dict[str, Any]) -> dict[str, str]:
            parsed, errors = validate_values(KIND, raw)
            if errors:
                return errors
            try:
                self.ledger().edit(key, parsed)
            except LedgerError as exc:
                return {"": str(exc)}
            return {}

        form = FeatureDialog(KIND, values, title=tr("ui_ledger.message.edit_title", id=key), submit=submit,
                             parent=self)
        if not self._run_dialog(form):
            return False
        self._done(tr("ui_ledger.message.edited", id=key), select=[key])
        return True

    def start_rectifying(self) -> bool:
        key = self.current_id()
        if key is None:
            return False
        ok, _ = self._call(lambda: self.ledger().set_status(key, "rectifying"))
        if ok:
            self._done(tr("ui_ledger.message.rectifying", id=key), select=[key])
        return ok

    def close_item(self) -> list[str] | None:
        """Close the selected item with evidence (file dialog), a note and the closing date."""
        key = self.current_id()
        pos = self.current_position()
        if key is None:
            return None
        ledger = self.ledger()
        stored: dict[str, list[str]] = {}

        def submit(files: list[str], note: str, day: _dt.date) -> str | None:
            try:
                stored["files"] = self.ledger().close(key, evidence=files, note=note or None, closed_date=day)
            except LedgerError as exc:
                return str(exc)
            return None

        dialog = CloseDialog(key, self.project.layer(KIND).iloc[pos], ledger.today, submit, parent=self)
        if not self._run_dialog(dialog) or "files" not in stored:
            return None
        self._done(tr("ui_ledger.close.done", id=key, n=len(stored["files"])), select=[key])
        return stored["files"]

    def void_item(self) -> bool:
        """Void the selected items; a reason is required (the rows and the audit stay)."""
        ids = self.selected_ids()
        if not ids:
            return False
        title = tr("ui_ledger.reason.void_title", id=ids[0]) if len(ids) == 1 else \
            tr("ui_ledger.reason.void_many_title", n=len(ids))
        prompt = tr("ui_ledger.reason.void_prompt") if len(ids) == 1 else \
            tr("ui_ledger.reason.void_many_prompt", n=len(ids))
        return self._void(ids, title, prompt)

    def void_positions(self, positions: list[int]) -> bool:
        """"Delete" of hazard points on the map: void them with a reason (nothing is deleted)."""
        if not self.has_ledger() or not positions:
            return False
        self._ensure_ids()
        ids = [str(self.model.ids[int(p)]) for p in positions if int(p) < len(self.model.ids)]
        return self._void(ids, tr("ui_ledger.reason.void_many_title", n=len(ids)),
                          tr("ui_ledger.reason.void_many_prompt", n=len(ids)))

    def _void(self, ids: list[str], title: str, prompt: str) -> bool:
        def submit(reason: str) -> str | None:
            try:
                if not reason:
                    raise LedgerError("ledger.need_reason")
                ledger = self.ledger()
                for key in ids:
                    ledger.void(key, reason)
            except LedgerError as exc:
                return str(exc)
            return None

        dialog = ReasonDialog(title, prompt, submit, parent=self)
        dialog.setObjectName("void_dialog")
        if not self._run_dialog(dialog):
            return False
        self._done(tr("ui_ledger.reason.voided", n=len(ids)), select=ids)
        return True

    def reopen_item(self) -> bool:
        key = self.current_id()
        if key is None:
            return False

        def submit(reason: str) -> str | None:
            try:
                self.ledger().reopen(key, reason)
            except LedgerError as exc:
                return str(exc)
            return None

        dialog = ReasonDialog(tr("ui_ledger.reason.reopen_title", id=key), tr("ui_ledger.reason.reopen_prompt"),
                              submit, parent=self)
        if not self._run_dialog(dialog):
            return False
        self._done(tr("ui_ledger.reason.reopened", id=key), select=[key])
        return True

    def place_item(self) -> None:
        """Ask the window to place the selected item with the next click on the map."""
        key = self.current_id()
        if key is not None:
            self.place_requested.emit(key)
            self.message.emit(tr("ui_ledger.message.place_hint", id=key))

    def place_at(self, hazard_id: str, x: float, y: float) -> bool:
        ok, _ = self._call(lambda: self.ledger().place(hazard_id, x, y))
        if ok:
            self._done(tr("ui_ledger.message.placed", id=hazard_id), select=[hazard_id])
        return ok

    def show_history(self) -> HistoryDialog | None:
        key = self.current_id()
        if key is None:
            return None
        dialog = HistoryDialog(key, self.ledger().history(key), parent=self)
        self._run_dialog(dialog)
        return dialog

    # -- language --------------------------------------------------------------------------------------
    # -- the office's Excel files ---------------------------------------------------------------
    def _ask_open_file(self, title: str, filters: str) -> str:
        """A file to read (tests replace this method)."""
        path, _ = QFileDialog.getOpenFileName(self, title, "", filters)
        return path

    def _ask_save_file(self, title: str, suggested: str, filters: str) -> str:
        """A file to write (tests replace this method)."""
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, filters)
        return path

    def _inform(self, text: str) -> None:
        """Show a result (tests replace this method)."""
        self.last_message = text
        QMessageBox.information(self, tr("ui_ledger.message.title"), text)

    def _suggested(self, name: str) -> str:
        from pathlib import Path

        folder = Path(self.project.path).parent if getattr(self.project, "path", None) else Path.home()
        return str(folder / name)

    def _guarded(self, action: Callable[[], Any]) -> tuple[bool, Any]:
        """Run a file action with a wait cursor; any readable error is shown, nothing half-done stays."""
        from PyQt6.QtGui import QCursor, QGuiApplication

        from fireriskmap.errors import FireRiskError

        QGuiApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))
        try:
            return True, action()
        except (FireRiskError, OSError) as exc:
            self._warn(str(exc))
            return False, None
        finally:
            QGuiApplication.restoreOverrideCursor()

    def import_excel(self, path: str | None = None):
        """Import an office's Excel ledger (merged headers, Chinese dates); returns the summary or None."""
        if self.project is None:
            return None
        path = path or self._ask_open_file(tr("ui_ledger.files.import_title"), tr("ui_ledger.files.import_filter"))
        if not path:
            return None
        from fireriskmap.io.ledger import import_ledger

        self._ensure_ids()
        ok, summary = self._guarded(lambda: import_ledger(self.project, path))
        if not ok:
            return None
        self._done(tr("ui_ledger.files.imported", added=len(summary.added)), select=list(summary.added))
        self._inform(summary.describe())
        return summary

    def export_excel(self, path: str | None = None):
        """Write the ledger in the offices' Excel shape (台账, 整改记录, 入户排查, 火灾事故登记台账)."""
        if self.project is None:
            return None
        from fireriskmap.export.data import township_name

        path = path or self._ask_save_file(tr("ui_ledger.files.export_title"),
                                           self._suggested(tr("ui_ledger.files.export_name",
                                                              town=township_name(self.project))),
                                           tr("ui_ledger.files.xlsx_filter"))
        if not path:
            return None
        from fireriskmap.export.ledger_excel import export_ledger

        ok, result = self._guarded(lambda: export_ledger(self.project, path))
        if ok:
            self.message.emit(tr("ui_ledger.files.written", file=str(path)))
        return result if ok else None

    def weekly_report(self, week: Any = None, xlsx: str | None = None, pdf: str | None = None) -> list[str]:
        """《每周工作推进情况表》 for a week (Excel and/or PDF); returns the files written."""
        if self.project is None:
            return []
        from fireriskmap.ledger.model import ledger_today
        from fireriskmap.ledger.weekly import parse_week

        if week is None and xlsx is None and pdf is None:
            dialog = WeeklyDialog(ledger_today(self.project), self)
            if not self._run_dialog(dialog):
                return []
            week = dialog.week_date()
            start, _end = parse_week(week)
            iso = start.isocalendar()
            stem = tr("ui_ledger.files.weekly_name", year=iso[0], week=f"{iso[1]:02d}")
            if dialog.want_xlsx.isChecked():
                xlsx = self._ask_save_file(tr("ui_ledger.files.weekly_title"), self._suggested(stem + ".xlsx"),
                                           tr("ui_ledger.files.xlsx_filter")) or None
            if dialog.want_pdf.isChecked():
                pdf = self._ask_save_file(tr("ui_ledger.files.weekly_title"), self._suggested(stem + ".pdf"),
                                          tr("ui_ledger.files.pdf_filter")) or None
        if not xlsx and not pdf:
            return []
        from fireriskmap.export.weekly_report import weekly_pdf, weekly_xlsx
        from fireriskmap.ledger.weekly import weekly_report as compute

        def run() -> list[str]:
            report = compute(self.project, week)
            written = []
            if xlsx:
                weekly_xlsx(report, xlsx)
                written.append(str(xlsx))
            if pdf:
                weekly_pdf(report, pdf)
                written.append(str(pdf))
            return written

        ok, written = self._guarded(run)
        if ok and written:
            self.message.emit(tr("ui_ledger.files.written", file="、".join(written)))
        return written or []

    def retranslate(self) -> None:
        self.tabs.setTabText(0, tr("ui_ledger.tab_items"))
        self.tabs.setTabText(1, tr("ui_ledger.tab_inspections"))
        self.search.setPlaceholderText(tr("ui_ledger.search"))
        self.status_label.setText(tr("ui_ledger.status_filter"))
        self.severity_label.setText(tr("ui_ledger.severity_filter"))
        lang = current_language()
        status = self.status_combo.currentData() or "all"
        self.status_combo.blockSignals(True)
        self.status_combo.clear()
        for code in STATUS_FILTERS:
            text = tr("ui_ledger.all") if code == "all" else (
                tr("ui_ledger.active") if code == "active" else value_text(KIND, "status", code, lang))
            self.status_combo.addItem(text, code)
        self.status_combo.setCurrentIndex(max(self.status_combo.findData(status), 0))
        self.status_combo.blockSignals(False)
        severity = self.severity_combo.currentData()
        self.severity_combo.blockSignals(True)
        self.severity_combo.clear()
        self.severity_combo.addItem(tr("ui_ledger.all"), None)
        for code in ("major", "general"):
            self.severity_combo.addItem(value_text(KIND, "severity", code, lang), code)
        self.severity_combo.setCurrentIndex(max(self.severity_combo.findData(severity), 0))
        self.severity_combo.blockSignals(False)
        for name, button in self.buttons.items():
            button.setText(tr(f"ui_ledger.action.{name}"))
            button.setToolTip(tr(f"ui_ledger.tip.{name}"))
        for name, button in self.file_buttons.items():
            button.setText(tr(f"ui_ledger.files.{name}"))
            button.setToolTip(tr(f"ui_ledger.files.{name}_tip"))
        self.inspections.retranslate()
        self.refresh()


__all__ = ["LedgerPanel", "LedgerModel", "LedgerFilter", "CloseDialog", "ReasonDialog", "HistoryDialog",
           "InspectionsWidget", "ask_evidence_files", "COLUMNS"]
