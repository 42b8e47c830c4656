"""The layer list: one checkable row per layer (top-most first) with its classes as a legend."""

from __future__ import annotations

from PyQt6.QtCore import QPoint, QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PyQt6.QtWidgets import QAbstractItemView, QMenu, QTreeWidget, QTreeWidgetItem, QWidget

from fireriskmap.i18n import tr

from fireriskmap.render import MapRenderer
from fireriskmap.render.renderer import layer_geometry
from fireriskmap.render.style import Symbol
from fireriskmap.render.symbols import draw_swatch

KIND_ROLE = Qt.ItemDataRole.UserRole
ICON_SIZE = QSize(24, 14)


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
    layer); ``zoom_requested(kind)`` and ``table_requested(kind)`` from the context menu.
    """

    visibility_changed = pyqtSignal(str, bool)
    current_kind_changed = pyqtSignal(str)
    zoom_requested = pyqtSignal(str)
    table_requested = pyqtSignal(str)

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
        self._updating = True
        try:
            self.clear()
            if renderer is None:
                return
            project = renderer.project
            kinds = renderer.style.z_order([k for k in project.layers])
            dpr = self.devicePixelRatioF() if self.isVisible() else 1.0
            for kind in reversed(kinds):  # top-most layer first, as in QGIS
                gdf = project.layers[kind]
                geometry = layer_geometry(kind, gdf)
                spec = _spec(kind)
                title = spec.label(lang) if spec is not None else kind
                text = f"{title}  ({len(gdf):,})"
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
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
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
        menu = QMenu(self)
        menu.addAction(tr("ui.layers.zoom"), lambda: self.zoom_requested.emit(kind))
        menu.addAction(tr("ui.layers.table"), lambda: self.table_requested.emit(kind))
        menu.exec(self.viewport().mapToGlobal(pos))

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
