"""The layer list: one checkable row per layer (top-most first) with its classes as a legend.

The drawing order (drag a row, or the context menu), each layer's opacity and its style (the style
file's, or "colour by" one of the layer's enum / yes-no fields) are kept in ``project.settings``:

- ``ui.layer_order``: kinds bottom → top (drawing order);
- ``ui.layer_opacity``: ``{kind: percent 0..100}``;
- ``ui.layer_style``: ``{kind: field name}`` (a kind missing: the style file's own classes).

:func:`apply_layer_settings` hands them to the :class:`MapRenderer` (``layer_order``,
``layer_opacity``, ``style_overrides``).
"""

from __future__ import annotations

from dataclasses import replace

from PyQt6.QtCore import QPoint, QRectF, QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QActionGroup, QColor, QFont, QIcon, QPainter, QPixmap
from PyQt6.QtWidgets import (QAbstractItemView, QHBoxLayout, QLabel, QMenu, QSlider, QSpinBox, QTreeWidget,
                             QTreeWidgetItem, QWidget, QWidgetAction)

from fireriskmap.i18n import tr

from fireriskmap.render import MapRenderer
from fireriskmap.render.renderer import layer_geometry
from fireriskmap.render.style import LayerStyle, Symbol
from fireriskmap.render.symbols import draw_swatch

KIND_ROLE = Qt.ItemDataRole.UserRole
ICON_SIZE = QSize(24, 14)

from fireriskmap.render.layer_settings import (  # noqa: F401  (re-exported for the panel's users)
    FLAG_COLOURS, PALETTE, SETTING_OPACITY, SETTING_ORDER, SETTING_STYLE, apply_layer_settings, classified_style,
    style_fields,
)


def swatch_icon(symbol: Symbol, geometry: str, size: QSize = ICON_SIZE, dpr: float = 1.0) -> QIcon:
    """A legend swatch as an icon (drawn by the renderer's own swatch code)."""
    pixmap = QPixmap(round(size.width() * dpr), round(size.height() * dpr))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        draw_swatch(painter, QRectF(0, 0, size.width(), size.height()), symbol, geometry)
    finally:
        painter.end()
    return QIcon(pixmap)


class LayerPanel(QTreeWidget):
    """Lists the project's layers; the check box shows or hides a layer on the canvas.

    Signals: ``visibility_changed(kind, visible)``; ``current_kind_changed(kind)`` (the active
    layer); ``zoom_requested(kind)`` and ``table_requested(kind)`` from the context menu;
    ``appearance_changed()`` when the drawing order, an opacity or a style changed (redraw the map).
    """

    visibility_changed = pyqtSignal(str, bool)
    current_kind_changed = pyqtSignal(str)
    zoom_requested = pyqtSignal(str)
    table_requested = pyqtSignal(str)
    appearance_changed = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setColumnCount(1)
        self.setIconSize(ICON_SIZE)
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setIndentation(14)
        self._renderer: MapRenderer | None = None
        self._updating = False
        self._expanded: set[str] = set()
        self._stale: set[str] = set()
        self._current = ""
        self._lang: str | None = None
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setToolTip(tr("ui_layers.drag_tip"))
        self.itemChanged.connect(self._on_item_changed)
        self.currentItemChanged.connect(self._on_current_changed)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.itemDoubleClicked.connect(lambda item, _col: self.zoom_requested.emit(item.data(0, KIND_ROLE)))
        self.itemExpanded.connect(lambda it: self._expanded.add(it.data(0, KIND_ROLE)))
        self.itemCollapsed.connect(lambda it: self._expanded.discard(it.data(0, KIND_ROLE)))

    def populate(self, renderer: MapRenderer | None, visible: dict[str, bool], lang: str | None = None) -> None:
        """Rebuild the rows for ``renderer``'s project; ``visible`` gives each kind's check state."""
        self._renderer = renderer
        self._lang = lang
        changed = apply_layer_settings(renderer)
        self._fill(renderer, visible, lang)
        if changed:
            self.appearance_changed.emit()

    def _fill(self, renderer: MapRenderer | None, visible: dict[str, bool], lang: str | None) -> None:
        self._updating = True
        try:
            self.clear()
            if renderer is None:
                return
            project = renderer.project
            kinds = renderer.order_kinds([k for k in project.layers])
            dpr = self.devicePixelRatioF() if self.isVisible() else 1.0
            for kind in reversed(kinds):  # top-most layer first, as in QGIS
                gdf = project.layers[kind]
                geometry = layer_geometry(kind, gdf)
                spec = _spec(kind)
                title = spec.label(lang) if spec is not None else kind
                text = f"{title}  ({len(gdf):,})"
                percent = self.opacity(kind)
                if percent < 100:
                    text += f"  {percent} %"
                if kind in self._stale:
                    text += "  " + tr("ui.layers.stale", lang=lang)
                item = QTreeWidgetItem([text])
                item.setData(0, KIND_ROLE, kind)
                item.setToolTip(0, f"{title} — {kind}" + ("\n" + tr("ui.layers.stale_tip", lang=lang)
                                                           if kind in self._stale else ""))
                if kind in self._stale:
                    font = QFont(item.font(0))
                    font.setItalic(True)
                    item.setFont(0, font)
                    item.setForeground(0, QColor("#b26a00"))
                item.setFlags((item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled)
                              & ~Qt.ItemFlag.ItemIsDropEnabled)
                item.setCheckState(0, Qt.CheckState.Checked if visible.get(kind, True) else Qt.CheckState.Unchecked)
                rows = renderer.class_rows(kind, lang=lang)
                if len(rows) == 1:
                    item.setIcon(0, swatch_icon(rows[0][0], geometry, dpr=dpr))
                else:
                    for symbol, text in rows:
                        child = QTreeWidgetItem([text])
                        child.setIcon(0, swatch_icon(symbol, geometry, dpr=dpr))
                        child.setFlags(Qt.ItemFlag.ItemIsEnabled)
                        child.setData(0, KIND_ROLE, kind)
                        item.addChild(child)
                self.addTopLevelItem(item)
                item.setExpanded(kind in self._expanded or len(rows) <= 7)
            current = self.item_for(self._current)
            if current is not None:
                self.setCurrentItem(current)
        finally:
            self._updating = False

    def set_stale(self, kinds: set[str]) -> None:
        """Mark layers whose results no longer match the data (shown in italics, '需重新计算')."""
        self._stale = set(kinds)

    def current_kind(self) -> str:
        return self._current

    def set_current_kind(self, kind: str) -> None:
        item = self.item_for(kind)
        if item is not None and self.currentItem() is not item:
            self.setCurrentItem(item)
        elif item is None:
            self._current = kind

    def _on_current_changed(self, item, _previous) -> None:
        if item is None:
            return
        kind = item.data(0, KIND_ROLE)
        if kind and kind != self._current:
            self._current = kind
            if not self._updating:
                self.current_kind_changed.emit(kind)

    def _context_menu(self, pos: QPoint) -> None:
        item = self.itemAt(pos)
        if item is None:
            return
        kind = item.data(0, KIND_ROLE)
        self.build_menu(kind).exec(self.viewport().mapToGlobal(pos))

    def build_menu(self, kind: str) -> QMenu:
        """The context menu of ``kind``'s row (zoom, table, order, opacity, style)."""
        menu = QMenu(self)
        menu.addAction(tr("ui.layers.zoom"), lambda: self.zoom_requested.emit(kind))
        menu.addAction(tr("ui.layers.table"), lambda: self.table_requested.emit(kind))
        menu.addSeparator()
        kinds = self.kinds()
        index = kinds.index(kind) if kind in kinds else -1
        for key, slot, enabled in (("ui_layers.move_up", lambda: self.move_layer(kind, 1), index > 0),
                                   ("ui_layers.move_down", lambda: self.move_layer(kind, -1),
                                    0 <= index < len(kinds) - 1),
                                   ("ui_layers.move_top", lambda: self.move_layer_to(kind, 0), index > 0),
                                   ("ui_layers.move_bottom", lambda: self.move_layer_to(kind, len(kinds)),
                                    0 <= index < len(kinds) - 1)):
            action = menu.addAction(tr(key), slot)
            action.setEnabled(enabled)
        reset = menu.addAction(tr("ui_layers.reset_order"), self.reset_order)
        reset.setEnabled(self._project_setting(SETTING_ORDER) is not None)
        menu.addSeparator()
        menu.addAction(self._opacity_action(kind, menu))
        fields = self._style_fields(kind)
        if fields:
            sub = menu.addMenu(tr("ui_layers.style"))
            group = QActionGroup(sub)
            current = self.style_field(kind)
            action = sub.addAction(tr("ui_layers.style_default"), lambda: self.set_style_field(kind, ""))
            action.setCheckable(True)
            action.setChecked(not current)
            group.addAction(action)
            for fs in fields:
                action = sub.addAction(tr("ui_layers.style_by_field", field=fs.label(self._lang)),
                                       lambda name=fs.name: self.set_style_field(kind, name))
                action.setCheckable(True)
                action.setChecked(current == fs.name)
                group.addAction(action)
        return menu

    def _opacity_action(self, kind: str, menu: QMenu) -> QWidgetAction:
        box = QWidget(menu)
        row = QHBoxLayout(box)
        row.setContentsMargins(24, 4, 12, 4)
        label = QLabel(tr("ui_layers.opacity_label"), box)
        slider = QSlider(Qt.Orientation.Horizontal, box)
        slider.setRange(0, 100)
        slider.setMinimumWidth(120)
        spin = QSpinBox(box)
        spin.setRange(0, 100)
        spin.setSuffix(" %")
        value = self.opacity(kind)
        slider.setValue(value)
        spin.setValue(value)
        slider.valueChanged.connect(spin.setValue)
        spin.valueChanged.connect(slider.setValue)
        spin.valueChanged.connect(lambda v: self.set_opacity(kind, v))
        for w in (label, slider, spin):
            w.setToolTip(tr("ui_layers.opacity_tip"))
            row.addWidget(w)
        action = QWidgetAction(menu)
        action.setDefaultWidget(box)
        box.setObjectName("layer_opacity")
        return action

    # -- order, opacity, style ---------------------------------------------------------------
    def _project_setting(self, key: str):
        project = self._renderer.project if self._renderer is not None else None
        return (getattr(project, "settings", None) or {}).get(key) if project is not None else None

    def _store(self, key: str, value) -> None:
        """Save a setting in the project, hand it to the renderer, redraw the list and the map."""
        if self._renderer is None:
            return
        project = self._renderer.project
        if hasattr(project, "set_setting"):
            project.set_setting(key, value)
        else:
            project.settings[key] = value
        apply_layer_settings(self._renderer)
        visible = {}
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            visible[item.data(0, KIND_ROLE)] = item.checkState(0) == Qt.CheckState.Checked
        self._fill(self._renderer, visible, self._lang)
        self.appearance_changed.emit()

    def move_layer_to(self, kind: str, index: int) -> None:
        """Put ``kind`` at ``index`` of the list (0: top-most), counted before it is taken out."""
        kinds = self.kinds()
        if kind not in kinds:
            return
        old = kinds.index(kind)
        index = max(0, min(len(kinds), int(index)))
        if index > old:
            index -= 1
        if index == old:
            return
        kinds.remove(kind)
        kinds.insert(index, kind)
        self._store(SETTING_ORDER, list(reversed(kinds)))  # kept bottom → top (drawing order)

    def move_layer(self, kind: str, steps: int) -> None:
        """Move ``kind`` ``steps`` rows up (positive: drawn later, on top) or down (negative)."""
        kinds = self.kinds()
        if kind not in kinds:
            return
        old = kinds.index(kind)
        new = max(0, min(len(kinds) - 1, old - int(steps)))
        self.move_layer_to(kind, new + 1 if new > old else new)

    def reset_order(self) -> None:
        if self._project_setting(SETTING_ORDER) is not None:
            self._store(SETTING_ORDER, None)

    def opacity(self, kind: str) -> int:
        """``kind``'s opacity in percent (100 unless changed)."""
        raw = self._project_setting(SETTING_OPACITY)
        try:
            return int(round(min(100.0, max(0.0, float(raw[kind])))))
        except (TypeError, KeyError, ValueError):
            return 100

    def set_opacity(self, kind: str, percent: int) -> None:
        percent = int(max(0, min(100, round(percent))))
        if percent == self.opacity(kind):
            return
        raw = self._project_setting(SETTING_OPACITY)
        values = dict(raw) if isinstance(raw, dict) else {}
        if percent == 100:
            values.pop(kind, None)
        else:
            values[kind] = percent
        self._store(SETTING_OPACITY, values)

    def _style_fields(self, kind: str) -> list:
        gdf = self._renderer.project.layers.get(kind) if self._renderer is not None else None
        if gdf is None:
            return []
        default = self._renderer.style.layer(kind, layer_geometry(kind, gdf)).field
        return [f for f in style_fields(kind, set(gdf.columns)) if f.name != default]

    def style_field(self, kind: str) -> str:
        """The field ``kind`` is coloured by ('' for the style file's own classes)."""
        raw = self._project_setting(SETTING_STYLE)
        value = raw.get(kind) if isinstance(raw, dict) else None
        return value if isinstance(value, str) else ""

    def set_style_field(self, kind: str, field_name: str) -> None:
        """Colour ``kind`` by ``field_name`` (an enum or yes/no field); '' for the default style."""
        if field_name == self.style_field(kind):
            return
        raw = self._project_setting(SETTING_STYLE)
        values = dict(raw) if isinstance(raw, dict) else {}
        if field_name:
            values[kind] = field_name
        else:
            values.pop(kind, None)
        self._store(SETTING_STYLE, values)

    # -- drag and drop (top-level rows only; the list is rebuilt from the new order) -------------
    def dropEvent(self, event) -> None:  # noqa: N802
        source = self.currentItem()
        if event.source() is not self or source is None:
            event.ignore()
            return
        kind = (source.parent() or source).data(0, KIND_ROLE)
        index = self._drop_index(event.position().toPoint())
        # never let Qt move or remove rows itself: the list is rebuilt from the saved order
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        QTimer.singleShot(0, lambda: self.move_layer_to(kind, index))

    def _drop_index(self, pos: QPoint) -> int:
        """Where a row dropped at ``pos`` goes (0: top-most)."""
        kinds = self.kinds()
        target = self.itemAt(pos)
        if target is None:
            return len(kinds)
        top = target.parent() or target
        index = kinds.index(top.data(0, KIND_ROLE))
        if target.parent() is not None:  # on a legend row: below that layer
            return index + 1
        return index + (1 if pos.y() > self.visualItemRect(top).center().y() else 0)

    def item_for(self, kind: str) -> QTreeWidgetItem | None:
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            if item.data(0, KIND_ROLE) == kind:
                return item
        return None

    def kinds(self) -> list[str]:
        return [self.topLevelItem(i).data(0, KIND_ROLE) for i in range(self.topLevelItemCount())]

    def set_checked(self, kind: str, checked: bool) -> None:
        item = self.item_for(kind)
        if item is not None:
            item.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._updating or item.parent() is not None:
            return
        kind = item.data(0, KIND_ROLE)
        self.visibility_changed.emit(kind, item.checkState(0) == Qt.CheckState.Checked)


def _spec(kind: str):
    from fireriskmap.ui.features import spec_of

    return spec_of(kind)


__all__ = ["LayerPanel", "swatch_icon"]
