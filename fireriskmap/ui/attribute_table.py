"""The attribute table: one layer's features as rows — sort, filter, search, select, edit.

:class:`AttributeTableModel` shows a GeoDataFrame through the layer spec: zh/en column labels
with units, enum labels instead of codes, 是/否, percentages. Sorting and filtering are done
with pandas on whole columns (no per-row Python callbacks through a proxy model), so a layer of
tens of thousands of buildings sorts in milliseconds. Display texts are computed per column on
first use.

:class:`AttributeTablePanel` adds the layer choice, the search box, a field filter, "selected
only", and keeps the table's selection in step with the shared
:class:`~fireriskmap.ui.selection.SelectionModel` both ways.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from PyQt6.QtCore import (QAbstractTableModel, QItemSelection, QItemSelectionModel, QModelIndex, QSize, Qt,
                          QTimer, pyqtSignal)
from PyQt6.QtGui import QColor, QFont
from PyQt6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDoubleSpinBox, QHBoxLayout,
                             QHeaderView, QLabel, QLineEdit, QSpinBox, QStyledItemDelegate, QTableView,
                             QToolButton, QVBoxLayout, QWidget)

from fireriskmap.i18n import current_language, tr
from fireriskmap.ui.features import (WORKFLOW_COLUMNS, column_header, column_label, column_texts, display_columns,
                                     editable_columns, field_of, is_missing, layer_label)
from fireriskmap.ui.selection import SelectionModel

RAW_ROLE = Qt.ItemDataRole.UserRole + 1
MISSING = "__missing__"
TEXT_BLOCK = 256  # display texts are made for this many rows at a time, when first painted


class AttributeTableModel(QAbstractTableModel):
    """Rows = the features of one layer (in the current sort/filter order), columns = its fields.

    Signal ``edit_requested(kind, position, column, value)``: the user typed a new value in a cell;
    the owner validates it and changes the project (through the undo stack), then calls
    :meth:`set_layer` again.
    """

    edit_requested = pyqtSignal(str, int, str, object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.kind = ""
        self.frame: pd.DataFrame | None = None
        self.columns: list[str] = []
        self.lang: str | None = None
        self._texts: dict[str, np.ndarray] = {}
        self._blocks: dict[tuple[str, int], np.ndarray] = {}
        self._order = np.empty(0, dtype=np.intp)  # positions shown, in row order
        self._row_of = np.empty(0, dtype=np.intp)  # position → row (-1 when filtered out)
        self._mask: np.ndarray | None = None
        self._sort: tuple[str, Qt.SortOrder] | None = None
        self._editable: set[str] = set()
        self._numeric: set[str] = set()

    # -- content ---------------------------------------------------------------------------
    def set_layer(self, kind: str, frame: pd.DataFrame | None, lang: str | None = None, *,
                  keep_view: bool = False) -> None:
        """Show ``frame`` as layer ``kind``; ``keep_view`` keeps the sort (the filter mask is
        reset by the panel, which recomputes it)."""
        self.beginResetModel()
        same = keep_view and kind == self.kind
        self.kind = kind
        self.frame = frame
        self.lang = lang
        self.columns = display_columns(kind, frame) if frame is not None else []
        self._texts = {}
        self._blocks = {}
        self._mask = None
        if not same:
            self._sort = None
        self._editable = set(editable_columns(kind)) & set(self.columns)
        self._numeric = {c for c in self.columns
                         if frame is not None and pd.api.types.is_numeric_dtype(frame[c].dtype)
                         and not pd.api.types.is_bool_dtype(frame[c].dtype)}
        self._reorder()
        self.endResetModel()

    def n_features(self) -> int:
        return 0 if self.frame is None else len(self.frame)

    def texts(self, column: str) -> np.ndarray:
        """Display texts of a whole column (computed once)."""
        out = self._texts.get(column)
        if out is None:
            out = column_texts(self.kind, column, self.frame[column], self.lang) if self.frame is not None \
                else np.empty(0, dtype=object)
            self._texts[column] = out
        return out

    def cell_text(self, column: str, pos: int) -> str:
        """The display text of one cell (made per block of rows, so a repaint after a change
        formats only what is on screen, not whole columns of a large layer)."""
        whole = self._texts.get(column)
        if whole is not None:
            return whole[pos]
        block = pos // TEXT_BLOCK
        texts = self._blocks.get((column, block))
        if texts is None:
            start = block * TEXT_BLOCK
            texts = column_texts(self.kind, column, self.frame[column].iloc[start:start + TEXT_BLOCK], self.lang)
            self._blocks[(column, block)] = texts
        return texts[pos - block * TEXT_BLOCK]

    def position(self, row: int) -> int:
        return int(self._order[row])

    def row_of(self, position: int) -> int:
        if 0 <= position < len(self._row_of):
            return int(self._row_of[position])
        return -1

    def shown_positions(self) -> np.ndarray:
        return self._order

    # -- filter and sort --------------------------------------------------------------------------
    def set_mask(self, mask: np.ndarray | None) -> None:
        """Show only the positions where ``mask`` is True (None: all)."""
        self.layoutAboutToBeChanged.emit()
        self._mask = None if mask is None else np.asarray(mask, dtype=bool)
        self._reorder()
        self.layoutChanged.emit()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not (0 <= column < len(self.columns)):
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = (self.columns[column], order)
        self._reorder()
        self.layoutChanged.emit()

    def _sort_keys(self, column: str) -> pd.Series:
        values = self.frame[column]
        fs = field_of(self.kind, column)
        if column in self._numeric or pd.api.types.is_bool_dtype(values.dtype):
            return values.astype("float64") if not pd.api.types.is_bool_dtype(values.dtype) \
                else values.astype("Float64").astype("float64")
        if fs is not None and fs.type == "enum":  # enum order of the spec, not alphabetical
            order = {v.code: i for i, v in enumerate(fs.values)}
            return values.map(lambda v: order.get(v, np.nan) if not is_missing(v) else np.nan).astype("float64")
        texts = pd.Series(self.texts(column), index=values.index)
        return texts.where(texts != "", None)

    def _reorder(self) -> None:
        n = self.n_features()
        if n == 0:
            self._order = np.empty(0, dtype=np.intp)
            self._row_of = np.empty(0, dtype=np.intp)
            return
        if self._sort is not None and self._sort[0] in self.columns:
            column, order = self._sort
            keys = self._sort_keys(column).reset_index(drop=True)
            ascending = order == Qt.SortOrder.AscendingOrder
            positions = keys.sort_values(ascending=ascending, na_position="last", kind="stable").index.to_numpy()
        else:
            positions = np.arange(n)
        if self._mask is not None and len(self._mask) == n:
            positions = positions[self._mask[positions]]
        self._order = positions.astype(np.intp)
        self._row_of = np.full(n, -1, dtype=np.intp)
        self._row_of[self._order] = np.arange(len(self._order))

    # -- Qt model API --------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else int(len(self._order))

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.frame is None:
            return None
        column = self.columns[index.column()]
        pos = self._order[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self.cell_text(column, int(pos))
            if role == Qt.ItemDataRole.ToolTipRole:
                return text if len(text) > 24 else None
            return text
        if role == Qt.ItemDataRole.EditRole:
            value = self.frame[column].iat[pos]
            return None if is_missing(value) else value
        if role == RAW_ROLE:
            return self.frame[column].iat[pos]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in self._numeric:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if not (0 <= section < len(self.columns)):
                return None
            column = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return column_header(self.kind, column, self.lang)
            if role == Qt.ItemDataRole.ToolTipRole:
                fs = field_of(self.kind, column)
                parts = [column_label(self.kind, column, self.lang), column]
                if fs is not None and fs.description:
                    from fireriskmap.i18n import label

                    parts.append(label(fs.description, self.lang))
                if column in WORKFLOW_COLUMNS.get(self.kind, ()):
                    parts.append(tr("ui_ledger.table.workflow_column", lang=self.lang))
                elif column not in self._editable:
                    parts.append(tr("ui.table.read_only_column", lang=self.lang))
                return "\n".join(parts)
            return None
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._order):
            return str(int(self._order[section]) + 1)
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.columns[index.column()] in self._editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: QModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        column = self.columns[index.column()]
        if column not in self._editable:
            return False
        self.edit_requested.emit(self.kind, self.position(index.row()), column, value)
        return False  # the project changes through the undo stack; the table is then refreshed

    def is_editable(self, column: str) -> bool:
        return column in self._editable


# -- filters ------------------------------------------------------------------------------------

_NUMBER_FILTER = re.compile(r"^\s*(>=|<=|≥|≤|>|<|=|==)?\s*(-?[\d.,]+)\s*$")
_RANGE_FILTER = re.compile(r"^\s*(-?[\d.,]+)\s*(?:-|~|～|–|—|至|到)\s*(-?[\d.,]+)\s*$")


def number_mask(values: pd.Series, text: str) -> np.ndarray | None:
    """Rows matching a number filter: '≥ 3', '<10', '3-5' (inclusive), '=2', '7'; None if unparsable."""
    text = text.strip().replace("，", ",").replace("＞", ">").replace("＜", "<").replace("＝", "=")
    v = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
    m = _RANGE_FILTER.match(text)
    if m:
        try:
            a, b = sorted((float(m.group(1).replace(",", "")), float(m.group(2).replace(",", ""))))
        except ValueError:
            return None
        return (v >= a) & (v <= b)
    m = _NUMBER_FILTER.match(text)
    if not m:
        return None
    try:
        x = float(m.group(2).replace(",", ""))
    except ValueError:
        return None
    op = m.group(1) or "="
    with np.errstate(invalid="ignore"):
        if op in (">=", "≥"):
            return v >= x
        if op in ("<=", "≤"):
            return v <= x
        if op == ">":
            return v > x
        if op == "<":
            return v < x
        return np.isclose(v, x)


def search_mask(model: AttributeTableModel, text: str) -> np.ndarray:
    """Rows where any text-like column (names, villages, enum labels, reasons) contains ``text``."""
    n = model.n_features()
    mask = np.zeros(n, dtype=bool)
    needle = text.strip().lower()
    if not needle:
        return np.ones(n, dtype=bool)
    for column in model.columns:
        if column in model._numeric:
            continue
        texts = pd.Series(model.texts(column), dtype=object)
        mask |= texts.str.lower().str.contains(needle, regex=False, na=False).to_numpy(dtype=bool)
    return mask


# -- cell editor --------------------------------------------------------------------------------

class SpecDelegate(QStyledItemDelegate):
    """Editors by field type: drop-downs for enums and yes/no, spin boxes with units, dates."""

    def createEditor(self, parent, option, index):  # noqa: N802 - Qt API
        model = index.model()
        if not isinstance(model, AttributeTableModel):
            return super().createEditor(parent, option, index)
        column = model.columns[index.column()]
        fs = field_of(model.kind, column)
        return make_field_editor(fs, parent, lang=model.lang) if fs is not None else \
            super().createEditor(parent, option, index)

    def setEditorData(self, editor, index):  # noqa: N802
        set_editor_value(editor, index.data(Qt.ItemDataRole.EditRole))

    def setModelData(self, editor, model, index):  # noqa: N802
        model.setData(index, editor_value(editor), Qt.ItemDataRole.EditRole)


def make_field_editor(fs, parent=None, *, lang: str | None = None) -> QWidget:
    """A widget to enter one value of field ``fs`` (validated by the spec's types and limits)."""
    if fs.type == "enum":
        combo = QComboBox(parent)
        combo.addItem(tr("ui.value.missing", lang=lang), None)
        for v in fs.values:
            combo.addItem(v.label(lang), v.code)
        combo.setProperty("field_type", "enum")
        return combo
    if fs.type == "bool":
        combo = QComboBox(parent)
        combo.addItem(tr("ui.value.missing", lang=lang), None)
        combo.addItem(tr("ui.value.yes", lang=lang), True)
        combo.addItem(tr("ui.value.no", lang=lang), False)
        combo.setProperty("field_type", "bool")
        return combo
    if fs.type in ("int", "float"):
        spin = QDoubleSpinBox(parent) if fs.type == "float" else QSpinBox(parent)
        lo = fs.minimum if fs.minimum is not None else -1e9
        hi = fs.maximum if fs.maximum is not None else 1e9
        if fs.type == "int":
            spin.setRange(int(max(lo, -2_000_000_000)), int(min(hi, 2_000_000_000)))
        else:
            spin.setDecimals(2)
            spin.setRange(float(lo), float(hi))
        # the lowest value doubles as "not filled in"
        spin.setMinimum(spin.minimum() - (1 if fs.type == "int" else 0.01))
        spin.setSpecialValueText(tr("ui.value.missing", lang=lang))
        if fs.unit:
            spin.setSuffix(f" {fs.unit}")
        spin.setProperty("field_type", fs.type)
        spin.setAccelerated(True)
        return spin
    if fs.type == "date":
        edit = QLineEdit(parent)
        edit.setPlaceholderText(tr("ui.edit.date_hint", lang=lang))
        edit.setProperty("field_type", "date")
        return edit
    edit = QLineEdit(parent)
    edit.setProperty("field_type", "str")
    return edit


def set_editor_value(editor: QWidget, value: Any) -> None:
    missing = is_missing(value)
    if isinstance(editor, QComboBox):
        if missing:
            editor.setCurrentIndex(0)
            return
        if editor.property("field_type") == "bool":
            value = bool(value)
        for i in range(editor.count()):
            if editor.itemData(i) == value:
                editor.setCurrentIndex(i)
                return
        editor.setCurrentIndex(0)
    elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
        if missing:
            editor.setValue(editor.minimum())
        else:
            editor.setValue(int(value) if isinstance(editor, QSpinBox) else float(value))
    elif isinstance(editor, QLineEdit):
        editor.setText("" if missing else str(value))
    elif isinstance(editor, QDateEdit):  # pragma: no cover - not used
        pass


def editor_value(editor: QWidget) -> Any:
    """The value entered (None for 'not filled in'); raw text for line edits (parsed by the spec)."""
    if isinstance(editor, QComboBox):
        return editor.currentData()
    if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
        if editor.value() == editor.minimum():
            return None
        return editor.value()
    if isinstance(editor, QLineEdit):
        text = editor.text().strip()
        return text or None
    return None


# -- the panel ----------------------------------------------------------------------------------

class AttributeTablePanel(QWidget):
    """Layer choice, search, filter, selected-only and the table, synced with the selection.

    Signals
    -------
    zoom_requested()
        "Zoom to selection" pressed.
    edit_requested(kind, position, column, value)
        A cell was edited (forwarded from the model).
    kind_changed(kind)
        The user chose another layer.
    """

    zoom_requested = pyqtSignal()
    edit_requested = pyqtSignal(str, int, str, object)
    kind_changed = pyqtSignal(str)

    def __init__(self, selection: SelectionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection = selection
        self.project = None
        self._syncing = False
        self._use_combo = False
        self.model = AttributeTableModel(self)
        self.model.edit_requested.connect(self.edit_requested)

        self.layer_combo = QComboBox(self)
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_chosen)
        self.search = QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(160)
        self.field_combo = QComboBox(self)
        self.field_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.field_combo.currentIndexChanged.connect(self._on_field_chosen)
        self.value_combo = QComboBox(self)
        self.value_combo.currentIndexChanged.connect(self._schedule_filter)
        self.value_edit = QLineEdit(self)
        self.value_edit.setClearButtonEnabled(True)
        self.value_edit.textChanged.connect(self._schedule_filter)
        self.selected_only = QCheckBox(self)
        self.selected_only.toggled.connect(self._apply_filter)
        self.count_label = QLabel(self)
        self.zoom_button = QToolButton(self)
        self.zoom_button.clicked.connect(self.zoom_requested)
        self.clear_button = QToolButton(self)
        self.clear_button.clicked.connect(lambda: self.selection.clear(source="table"))
        self.reset_button = QToolButton(self)
        self.reset_button.clicked.connect(self.clear_filters)

        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegate(SpecDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicatorShown(True)
        self.view.horizontalHeader().setSectionsMovable(True)
        self.view.horizontalHeader().setDefaultSectionSize(110)
        self.view.horizontalHeader().setHighlightSections(False)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection)
        self.view.horizontalHeader().sortIndicatorChanged.connect(lambda *_: self._sync_from_selection())

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(250)
        self._filter_timer.timeout.connect(self._apply_filter)
        self.search.textChanged.connect(self._schedule_filter)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        self.layer_label = QLabel(self)
        top.addWidget(self.layer_label)
        top.addWidget(self.layer_combo)
        top.addSpacing(8)
        top.addWidget(self.search, 1)
        top.addWidget(self.selected_only)
        top.addWidget(self.zoom_button)
        top.addWidget(self.clear_button)
        second = QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        self.filter_label = QLabel(self)
        second.addWidget(self.filter_label)
        second.addWidget(self.field_combo)
        second.addWidget(self.value_combo, 1)
        second.addWidget(self.value_edit, 1)
        second.addWidget(self.reset_button)
        second.addStretch(0)
        second.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(second)
        layout.addWidget(self.view, 1)

        self.selection.changed.connect(self._on_selection_changed)
        self.value_combo.hide()
        self.retranslate()

    def sizeHint(self) -> QSize:
        return QSize(900, 260)

    @property
    def kind(self) -> str:
        return self.model.kind

    # -- project and layer -------------------------------------------------------------------------
    def set_project(self, project) -> None:
        self.project = project
        self._fill_layer_combo()
        kinds = self._kinds()
        self.set_kind(kinds[0] if kinds and "buildings" not in kinds else ("buildings" if kinds else ""))

    def _kinds(self) -> list[str]:
        if self.project is None:
            return []
        return [k for k in self.project.ordered_kinds() if k in self.project.layers]

    def _fill_layer_combo(self) -> None:
        current = self.layer_combo.currentData()
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        lang = current_language()
        for kind in self._kinds():
            n = len(self.project.layers[kind])
            self.layer_combo.addItem(f"{layer_label(kind, lang)} ({n:,})", kind)
        i = self.layer_combo.findData(current)
        if i >= 0:
            self.layer_combo.setCurrentIndex(i)
        self.layer_combo.blockSignals(False)

    def set_kind(self, kind: str) -> None:
        """Show layer ``kind`` (no-op when it is shown already)."""
        if self.project is None or kind not in self.project.layers:
            kind = ""
        if kind == self.model.kind and self.model.frame is (self.project.layers.get(kind) if self.project else None):
            return
        self._load(kind, keep_view=False)
        i = self.layer_combo.findData(kind)
        if i >= 0 and self.layer_combo.currentIndex() != i:
            self.layer_combo.blockSignals(True)
            self.layer_combo.setCurrentIndex(i)
            self.layer_combo.blockSignals(False)

    def layer_changed(self, kind: str) -> None:
        """The project's layer ``kind`` changed (edit, analysis, import) or was removed."""
        self._fill_layer_combo()
        if kind == self.model.kind:
            if self.project is None or kind not in self.project.layers:
                kinds = self._kinds()
                self._load(kinds[0] if kinds else "", keep_view=False)
            else:
                self._load(kind, keep_view=True)
        elif not self.model.kind:
            kinds = self._kinds()
            if kinds:
                self.set_kind("buildings" if "buildings" in kinds else kinds[0])

    def _load(self, kind: str, *, keep_view: bool) -> None:
        frame = self.project.layers.get(kind) if (self.project is not None and kind) else None
        scroll = self.view.verticalScrollBar().value() if keep_view else 0
        self._syncing = True
        try:
            self.model.set_layer(kind, frame, current_language(), keep_view=keep_view)
            if not keep_view:
                self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
                self._fill_field_combo()
                self.search.blockSignals(True)
                self.search.clear()
                self.search.blockSignals(False)
            self._apply_filter(sync=False)
            if not keep_view:
                self._resize_columns()
        finally:
            self._syncing = False
        self._sync_from_selection(scroll=not keep_view)
        if keep_view:
            self.view.verticalScrollBar().setValue(scroll)
        self._update_count()

    def _resize_columns(self) -> None:
        header = self.view.horizontalHeader()
        fm = self.view.fontMetrics()
        for i, column in enumerate(self.model.columns):
            title = self.model.headerData(i, Qt.Orientation.Horizontal)
            texts = column_texts(self.model.kind, column, self.model.frame[column].iloc[:200], self.model.lang) \
                if self.model.n_features() else []
            widest = max([fm.horizontalAdvance(str(t)) for t in texts] + [0])
            width = max(fm.horizontalAdvance(title) + 28, min(widest + 16, 320), 60)
            header.resizeSection(i, int(width))

    def _on_layer_chosen(self, index: int) -> None:
        kind = self.layer_combo.itemData(index)
        if kind and kind != self.model.kind:
            self._load(kind, keep_view=False)
            self.kind_changed.emit(kind)

    # -- filters ----------------------------------------------------------------------------------
    def _fill_field_combo(self) -> None:
        self.field_combo.blockSignals(True)
        self.field_combo.clear()
        self.field_combo.addItem(tr("ui.table.no_filter"), "")
        for column in self.model.columns:
            self.field_combo.addItem(column_label(self.model.kind, column, current_language()), column)
        self.field_combo.setCurrentIndex(0)
        self.field_combo.blockSignals(False)
        self._on_field_chosen(0)

    def _on_field_chosen(self, _index: int) -> None:
        column = self.field_combo.currentData() or ""
        fs = field_of(self.model.kind, column) if column else None
        frame = self.model.frame
        self.value_combo.blockSignals(True)
        self.value_combo.clear()
        lang = current_language()
        use_combo = False
        if column and frame is not None:
            dtype = frame[column].dtype
            if fs is not None and fs.type == "enum":
                use_combo = True
                for v in fs.values:
                    self.value_combo.addItem(v.label(lang), v.code)
            elif (fs is not None and fs.type == "bool") or pd.api.types.is_bool_dtype(dtype):
                use_combo = True
                self.value_combo.addItem(tr("ui.value.yes"), True)
                self.value_combo.addItem(tr("ui.value.no"), False)
            if use_combo:
                self.value_combo.addItem(tr("ui.value.missing"), MISSING)
        self.value_combo.blockSignals(False)
        self._use_combo = use_combo
        self.value_combo.setVisible(use_combo)
        self.value_edit.setVisible(not use_combo)
        self.value_edit.setEnabled(bool(column))
        numeric = bool(column) and column in self.model._numeric
        self.value_edit.setPlaceholderText(tr("ui.table.number_hint") if numeric else
                                           (tr("ui.table.text_hint") if column else ""))
        self._apply_filter()

    def _schedule_filter(self, *_args) -> None:
        self._filter_timer.start()

    def clear_filters(self) -> None:
        self.search.clear()
        self.field_combo.setCurrentIndex(0)
        self.value_edit.clear()
        self.selected_only.setChecked(False)
        self._apply_filter()

    def filter_mask(self) -> np.ndarray | None:
        """The rows passing the search, the field filter and 'selected only' (None: all)."""
        model = self.model
        n = model.n_features()
        if n == 0:
            return None
        mask = np.ones(n, dtype=bool)
        active = False
        text = self.search.text().strip()
        if text:
            mask &= search_mask(model, text)
            active = True
        column = self.field_combo.currentData() or ""
        self.value_edit.setStyleSheet("")
        if column and model.frame is not None and column in model.frame.columns:
            values = model.frame[column]
            if self._use_combo:
                wanted = self.value_combo.currentData()
                if wanted == MISSING:
                    mask &= values.isna().to_numpy(dtype=bool)
                    active = True
                elif wanted is not None:
                    eq = values.astype(object).map(lambda v: (not is_missing(v)) and v == wanted)
                    mask &= eq.to_numpy(dtype=bool)
                    active = True
            else:
                entry = self.value_edit.text().strip()
                if entry:
                    active = True
                    if column in model._numeric:
                        sub = number_mask(values, entry)
                        if sub is None:
                            self.value_edit.setStyleSheet("QLineEdit { color: #c62828; }")
                            sub = np.zeros(n, dtype=bool)
                        mask &= sub
                    else:
                        texts = pd.Series(model.texts(column), dtype=object)
                        mask &= texts.str.lower().str.contains(entry.lower(), regex=False, na=False).to_numpy(bool)
        if self.selected_only.isChecked():
            sel = np.zeros(n, dtype=bool)
            positions = self.selection.positions_of(model.kind)
            sel[positions[positions < n]] = True
            mask &= sel
            active = True
        return mask if active else None

    def _apply_filter(self, *_args, sync: bool = True) -> None:
        self._filter_timer.stop()
        mask = self.filter_mask()
        self._syncing = True
        try:
            self.model.set_mask(mask)
        finally:
            self._syncing = False
        if sync:
            self._sync_from_selection()
        self._update_count()

    def _update_count(self) -> None:
        model = self.model
        n_sel = len(self.selection.positions_of(model.kind))
        self.count_label.setText(tr("ui.table.count", shown=f"{model.rowCount():,}", total=f"{model.n_features():,}",
                                    selected=f"{n_sel:,}"))
        self.zoom_button.setEnabled(n_sel > 0)
        self.clear_button.setEnabled(n_sel > 0)

    # -- selection sync ----------------------------------------------------------------------------------
    def _on_view_selection(self, *_args) -> None:
        if self._syncing or not self.model.kind:
            return
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        positions = self.model.shown_positions()[np.asarray(rows, dtype=np.intp)] if rows else []
        if self.selected_only.isChecked():
            # rows hidden by "selected only" stay selected unless deselected here
            pass
        self.selection.select(self.model.kind, positions, source="table")
        self._update_count()

    def _on_selection_changed(self, kind: str, source: str) -> None:
        if source == "table":
            return
        if kind and kind != self.model.kind and self.selection.kind == kind and self.project is not None:
            self.set_kind(kind)
            self.kind_changed.emit(kind)
        if self.selected_only.isChecked():
            self._apply_filter(sync=False)
        self._sync_from_selection(scroll=True)
        self._update_count()

    def _sync_from_selection(self, *, scroll: bool = False) -> None:
        """Select the table rows of the selected features."""
        model = self.model
        positions = self.selection.positions_of(model.kind)
        positions = positions[positions < len(model._row_of)]
        rows = np.sort(model._row_of[positions]) if len(positions) else np.empty(0, dtype=np.intp)
        rows = rows[rows >= 0]
        qsel = QItemSelection()
        if len(rows):
            breaks = np.flatnonzero(np.diff(rows) != 1)
            starts = np.concatenate([[rows[0]], rows[breaks + 1]])
            ends = np.concatenate([rows[breaks], [rows[-1]]])
            last = model.columnCount() - 1
            for a, b in zip(starts, ends):
                qsel.select(model.index(int(a), 0), model.index(int(b), max(last, 0)))
        self._syncing = True
        try:
            self.view.selectionModel().select(qsel, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            self._syncing = False
        if scroll and len(rows):
            self.view.scrollTo(model.index(int(rows[0]), 0), QAbstractItemView.ScrollHint.PositionAtCenter)

    def set_editable(self, editable: bool) -> None:
        """Allow editing cells (off while an analysis runs)."""
        triggers = (QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed) \
            if editable else QAbstractItemView.EditTrigger.NoEditTriggers
        if self.view.editTriggers() != triggers:
            self.view.setEditTriggers(triggers)

    # -- language ----------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.layer_label.setText(tr("ui.table.layer"))
        self.search.setPlaceholderText(tr("ui.table.search"))
        self.filter_label.setText(tr("ui.table.filter"))
        self.selected_only.setText(tr("ui.table.selected_only"))
        self.zoom_button.setText(tr("ui.table.zoom"))
        self.zoom_button.setToolTip(tr("ui.table.zoom_tip"))
        self.clear_button.setText(tr("ui.table.clear_selection"))
        self.reset_button.setText(tr("ui.table.reset"))
        if self.project is not None:
            self._fill_layer_combo()
            kind = self.model.kind
            column = self.field_combo.currentData()
            self._load(kind, keep_view=False)
            i = self.field_combo.findData(column)
            if i > 0:
                self.field_combo.setCurrentIndex(i)
        else:
            self._fill_field_combo()
        self._update_count()


__all__ = ["AttributeTableModel", "AttributeTablePanel", "SpecDelegate", "make_field_editor", "editor_value",
           "set_editor_value", "number_mask", "search_mask"]
