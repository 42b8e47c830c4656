"""Priority areas: the risk-scored areas ranked, with level colours and the reasons; click to zoom.

Reads the project's ``risk_areas`` layer as the risk scoring writes it (``unit_id, name, score,
level, rank, reasons_zh, reasons_en, completeness, c_<indicator>``; the older ``area_id`` /
``reasons`` columns are read too). When the layer is absent the panel says how to get it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PyQt6.QtCore import QSize, Qt, pyqtSignal
from PyQt6.QtGui import QBrush, QColor
from PyQt6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                             QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)

from fireriskmap.i18n import current_language, tr
from fireriskmap.ui.features import is_missing, value_text
from fireriskmap.ui.identify_panel import level_colour, level_name

KIND = "risk_areas"


def level_order(frame: pd.DataFrame | None = None) -> list[str]:
    """Level codes highest risk first: the spec's order, limited to the codes in ``frame`` (if given),
    'unknown' last."""
    from fireriskmap.ui.features import field_of

    fs = field_of(KIND, "level")
    codes = [v.code for v in fs.values] if fs is not None else ["red", "orange", "yellow", "blue", "unknown"]
    if frame is not None and "level" in frame.columns:
        present = set(frame["level"].dropna().astype(str))
        codes = [c for c in codes if c in present] + sorted(present - set(codes))
    if "unknown" in codes:
        codes = [c for c in codes if c != "unknown"] + ["unknown"]
    return codes
POSITION_ROLE = Qt.ItemDataRole.UserRole + 7


def ranked(frame: pd.DataFrame) -> np.ndarray:
    """Positions of the areas in priority order: by ``rank``, else by ``score`` (highest first)."""
    n = len(frame)
    if n == 0:
        return np.empty(0, dtype=np.intp)
    if "rank" in frame.columns and frame["rank"].notna().any():
        keys = pd.to_numeric(frame["rank"], errors="coerce").astype("float64").reset_index(drop=True)
        return keys.sort_values(na_position="last", kind="stable").index.to_numpy(dtype=np.intp)
    if "score" in frame.columns:
        keys = pd.to_numeric(frame["score"], errors="coerce").astype("float64").reset_index(drop=True)
        return keys.sort_values(ascending=False, na_position="last", kind="stable").index.to_numpy(dtype=np.intp)
    return np.arange(n, dtype=np.intp)


def reasons_of(row: pd.Series, lang: str | None = None) -> str:
    lang = lang or current_language()
    first = "reasons_zh" if lang == "zh_CN" else "reasons_en"
    for col in (first, "reasons", "reasons_zh", "reasons_en"):
        if col in row.index and not is_missing(row[col]):
            return str(row[col])
    return ""


class PriorityPanel(QWidget):
    """Signals: ``area_activated(kind, position)`` (zoom there), ``analysis_requested()``."""

    area_activated = pyqtSignal(str, int)
    analysis_requested = pyqtSignal()

    COLUMNS = ("rank", "name", "level", "score", "reasons", "completeness")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self.style = None
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.run_button = QPushButton(self)
        self.run_button.clicked.connect(self.analysis_requested)
        self.level_combo = QComboBox(self)
        self.level_combo.currentIndexChanged.connect(self._fill)
        self.level_label = QLabel(self)
        self.count = QLabel(self)
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.cellClicked.connect(self._on_clicked)
        self.table.cellActivated.connect(self._on_clicked)
        self.table.currentCellChanged.connect(lambda row, _c, _pr, _pc: self._show_detail(row))
        self.detail = QTextBrowser(self)  # the chosen area's reasons in full, scrollable
        self.detail.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.detail.setFixedHeight(int(self.fontMetrics().lineSpacing() * 5.5))
        top = QHBoxLayout()
        top.addWidget(self.level_label)
        top.addWidget(self.level_combo)
        top.addStretch(1)
        top.addWidget(self.count)
        hint_row = QHBoxLayout()
        hint_row.addWidget(self.hint, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(hint_row)
        layout.addWidget(self.run_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        self.retranslate()

    def sizeHint(self) -> QSize:
        return QSize(380, 420)

    def set_project(self, project, style=None) -> None:
        self.project = project
        self.style = style
        self.refresh()

    def frame(self) -> pd.DataFrame | None:
        if self.project is None:
            return None
        gdf = self.project.layers.get(KIND)
        return gdf if gdf is not None and len(gdf) else None

    def refresh(self) -> None:
        frame = self.frame()
        has = frame is not None
        self._fill_levels()
        self.hint.setVisible(not has)
        self.run_button.setVisible(not has and self.project is not None)
        for w in (self.table, self.level_combo, self.level_label, self.count, self.detail):
            w.setVisible(has)
        self._fill()

    def _fill(self, *_args) -> None:
        frame = self.frame()
        self.table.setRowCount(0)
        if frame is None:
            return
        lang = current_language()
        wanted = self.level_combo.currentData()
        order = ranked(frame)
        if wanted and "level" in frame.columns:
            levels = frame["level"].to_numpy(dtype=object)
            order = order[levels[order] == wanted]
        self.table.setRowCount(len(order))
        for i, pos in enumerate(order):
            row = frame.iloc[int(pos)]
            level = "" if is_missing(row.get("level")) else str(row.get("level"))
            rank = row.get("rank")
            name = row.get("name")
            if is_missing(name):
                name = row.get("unit_id", row.get("area_id", f"#{int(pos) + 1}"))
            score = row.get("score")
            comp = row.get("completeness")
            cells = [
                "" if is_missing(rank) else str(int(rank)),
                "" if is_missing(name) else str(name),
                level_name(row, lang) if level else tr("ui.identify.unknown"),
                "" if is_missing(score) else f"{float(score):.1f}",
                reasons_of(row, lang),
                "" if is_missing(comp) else f"{float(comp) * 100:.0f}%",
            ]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(POSITION_ROLE, int(pos))
                if j in (0, 3, 5):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if j == 2:
                    colour = QColor(level_colour(level or "unknown", self.style, row))
                    item.setBackground(QBrush(colour))
                    item.setForeground(QBrush(QColor("#000000" if colour.lightness() > 110 else "#ffffff")))
                if j == 4 and text:
                    item.setToolTip(text)
                self.table.setItem(i, j, item)
        header = self.table.horizontalHeader()
        for j in (0, 1, 2, 3, 5):  # not the long reasons: measuring them all is slow; shown in full below
            self.table.resizeColumnToContents(j)
        header.resizeSection(4, 260)
        self.count.setText(tr("ui.priority.count", n=len(order), total=len(frame)))
        self._show_detail(self.table.currentRow() if self.table.currentRow() >= 0 else 0)

    def _show_detail(self, row: int) -> None:
        """The chosen area's reasons in full, below the table (the column is usually cut)."""
        frame = self.frame()
        item = self.table.item(row, 0) if row >= 0 else None
        if frame is None or item is None:
            self.detail.setPlainText("")
            return
        area = frame.iloc[int(item.data(POSITION_ROLE))]
        name = self.table.item(row, 1).text()
        reasons = reasons_of(area)
        self.detail.setPlainText(tr("ui.priority.detail", name=name, level=self.table.item(row, 2).text(),
                               reasons=reasons or tr("ui.identify.unknown")))

    def _on_clicked(self, row: int, _column: int) -> None:
        self._show_detail(row)
        item = self.table.item(row, 0)
        if item is not None:
            self.area_activated.emit(KIND, int(item.data(POSITION_ROLE)))

    def retranslate(self) -> None:
        self.hint.setText(tr("ui.priority.hint"))
        self.run_button.setText(tr("ui.priority.run"))
        self.level_label.setText(tr("ui.priority.level_filter"))
        self.table.setHorizontalHeaderLabels([tr(f"ui.priority.col.{c}") for c in self.COLUMNS])
        self.refresh()

    def _fill_levels(self) -> None:
        current = self.level_combo.currentData()
        self.level_combo.blockSignals(True)
        self.level_combo.clear()
        self.level_combo.addItem(tr("ui.priority.all_levels"), None)
        frame = self.frame()
        for code in level_order(frame):
            row = None
            if frame is not None and "level" in frame.columns:
                match = frame.index[frame["level"] == code]
                row = frame.loc[match[0]] if len(match) else None
            self.level_combo.addItem(level_name(row) if row is not None else value_text(KIND, "level", code), code)
        i = self.level_combo.findData(current)
        self.level_combo.setCurrentIndex(max(i, 0))
        self.level_combo.blockSignals(False)


__all__ = ["PriorityPanel", "ranked", "reasons_of", "level_order"]
