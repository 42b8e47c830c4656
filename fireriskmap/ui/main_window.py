"""The main window: the map in the centre, docks around it, project handling, tools and analyses.

Docks: layers (left), attribute table (bottom), identify / priority areas / charts (right,
tabbed). The toolbar holds the map tools (browse & identify, rectangle select, add / move
points), undo/redo, zoom and the two big verbs, *import data* and *run analyses*. The status bar
shows the coordinates (projected and CGCS2000 lon/lat), the scale, the CRS, the progress of
background work with a Cancel button, and a warning with a *recalculate* button when edits made
analysis results stale.

Only this thread changes the Project: analyses, imports and saves run on a
:class:`~fireriskmap.ui.tasks.TaskRunner` and hand their results back here.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path

import numpy as np
from pyproj import Transformer
from PyQt6.QtCore import QSettings, QSize, Qt, QTimer
from PyQt6.QtGui import QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PyQt6.QtWidgets import (QApplication, QComboBox, QDockWidget, QFileDialog, QFrame, QHBoxLayout, QLabel,
                             QMainWindow, QMessageBox, QProgressBar, QPushButton, QToolBar, QToolButton, QVBoxLayout,
                             QWidget)

from fireriskmap.i18n import current_language, normalise_language, set_language, tr
from fireriskmap.render import MapRenderer, MapStyle, default_style
from fireriskmap.ui.attribute_table import AttributeTablePanel
from fireriskmap.ui.canvas import MapCanvas
from fireriskmap.ui.charts_panel import ChartsPanel
from fireriskmap.ui.editing import LEDGER_KINDS, STEP_LAYERS, Editor
from fireriskmap.ui.features import (EDITABLE_POINT_KINDS, editable_columns, extent_of, features_at, features_in,
                                     layer_label, pad_extent)
from fireriskmap.ui.identify_panel import Hit, IdentifyPanel
from fireriskmap.ui.layer_panel import LayerPanel
from fireriskmap.ui.ledger_panel import LedgerPanel
from fireriskmap.ui.priority_panel import PriorityPanel
from fireriskmap.ui.selection import SelectionModel
from fireriskmap.ui.tasks import TaskRunner, error_text
from fireriskmap.ui.theme import apply_theme

log = logging.getLogger(__name__)

SETTINGS_LANGUAGE = "language"
SETTINGS_THEME = "theme"
SETTINGS_LAST_DIR = "last_dir"
SETTINGS_RECENT = "recent_projects"
SETTINGS_GEOMETRY = "main_window/geometry"
SETTINGS_BASEMAP = "basemap/provider"
SETTINGS_TIANDITU_KEY = "basemap/tianditu_key"
SETTINGS_BASEMAP_URL = "basemap/custom_url"
BASEMAP_PROVIDERS = ("off", "osm", "tianditu", "custom")
SETTINGS_STATE = "main_window/state"
LONLAT_CRS = "EPSG:4490"  # CGCS2000 geographic (≈ WGS84 to within centimetres)
DOCK_STATE_VERSION = 3  # bump when the docks change: an older saved layout is then not restored
MAX_RECENT = 8
HITS_PER_LAYER = 3
AUTOSAVE_INTERVAL_MS = 5 * 60 * 1000  # a recovery copy of unsaved work every five minutes
RECOVERY_OF = "recovery_of"  # metadata key: the project file a recovery copy belongs to


def default_recovery_dir() -> Path:
    """Where recovery copies go (``FIRERISKMAP_RECOVERY_DIR`` or the per-user app data folder)."""
    import os

    from PyQt6.QtCore import QStandardPaths

    env = os.environ.get("FIRERISKMAP_RECOVERY_DIR")
    if env:
        return Path(env)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".fireriskmap") / "recovery"


def recovery_path(folder: Path, project_path: Path | None) -> Path:
    """The recovery copy of ``project_path`` (or of the untitled project) in ``folder``."""
    import hashlib

    if project_path is None:
        return folder / "untitled.gpkg"
    key = hashlib.sha1(str(Path(project_path).resolve()).encode("utf-8")).hexdigest()[:12]
    return folder / f"{Path(project_path).stem}-{key}.gpkg"


def project_snapshot(project):
    """A shallow copy to save in the background: the same (never mutated) frames, own containers."""
    snap = copy.copy(project)
    snap.layers = dict(project.layers)
    snap.settings = copy.deepcopy(project.settings)
    snap.metadata = dict(project.metadata)
    snap.runs = copy.deepcopy(project.runs)
    return snap


def save_job(project, path, progress=None):
    from fireriskmap.storage.gpkg import write_project

    if progress is not None:
        progress(0.05, tr("ui.status.saving", path=str(path)))
    return write_project(project, path)


class MainWindow(QMainWindow):
    """The application window for one project (``None``: an empty window with File → Open).

    Parameters
    ----------
    project
        The :class:`~fireriskmap.core.project.Project` to show.
    settings
        Where the language, theme, recent projects and window layout persist (default: ``QSettings()``).
    style
        Map style (default: the shipped one); the theme stored in ``settings`` is applied to it.
    """

    def __init__(self, project=None, *, settings: QSettings | None = None, style: MapStyle | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.project = None
        self._to_lonlat: Transformer | None = None
        self._modified = False
        self._batch = 0
        self._pending: set[str] = set()
        self._panels_pending: set[str] = set()
        self._panels_timer = QTimer(self)
        self._panels_timer.setSingleShot(True)
        self._panels_timer.setInterval(0)
        self._panels_timer.timeout.connect(self._refresh_panels)
        self._save_task = None
        self._analysis_running = False
        self._tracked_task = None
        self.analysis_dialog = None
        self.import_wizard = None
        self.export_dialog = None
        base = style or default_style()
        theme = str(self.settings.value(SETTINGS_THEME, "") or "")
        self.style = base.with_theme(theme) if theme in base.themes else base
        self.setAcceptDrops(True)

        self.selection = SelectionModel(self)
        self.runner = TaskRunner(self)
        self.tasks = self.runner  # the name the export dialog and patrol panel use
        self.editor = Editor(self)
        self.recovery_dir = default_recovery_dir()
        self._autosave_task = None
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_INTERVAL_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()

        central = QWidget(self)
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        self.stale_banner = QFrame(central)
        self.stale_banner.setObjectName("stale_banner")
        self.stale_banner.setStyleSheet("#stale_banner { background: #fff3cd; border-bottom: 1px solid #e0c36a; }"
                                        "#stale_banner QLabel { color: #5c4400; }")
        banner_layout = QHBoxLayout(self.stale_banner)
        banner_layout.setContentsMargins(10, 4, 10, 4)
        self.canvas = MapCanvas(parent=central)
        self.canvas.move_picker = self._pick_movable
        central_layout.addWidget(self.stale_banner)
        central_layout.addWidget(self.canvas, 1)
        self.setCentralWidget(central)
        self.layer_panel = LayerPanel(self)
        self.layer_dock = self._dock("layers_dock", self.layer_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.table_panel = AttributeTablePanel(self.selection, self)
        self.table_dock = self._dock("table_dock", self.table_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.identify_panel = IdentifyPanel(self)
        self.identify_dock = self._dock("identify_dock", self.identify_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.priority_panel = PriorityPanel(self)
        self.priority_dock = self._dock("priority_dock", self.priority_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.charts_panel = ChartsPanel(self)
        self.charts_dock = self._dock("charts_dock", self.charts_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.patrol_panel = self._make_patrol_panel()
        self.patrol_dock = self._dock("patrol_dock", self._scrollable(self.patrol_panel),
                                      Qt.DockWidgetArea.RightDockWidgetArea) if self.patrol_panel is not None else None
        self.tabifyDockWidget(self.identify_dock, self.priority_dock)
        self.tabifyDockWidget(self.priority_dock, self.charts_dock)
        if self.patrol_dock is not None:
            self.tabifyDockWidget(self.charts_dock, self.patrol_dock)
        self.identify_dock.raise_()
        self.ledger_panel = LedgerPanel(self.selection, self)  # the hazard ledger, a tab beside the table
        self.ledger_dock = self._dock("ledger_dock", self.ledger_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.table_dock, self.ledger_dock)
        self.table_dock.raise_()
        self._placing: str | None = None  # a ledger item to put where the map is clicked next
        self._docks_sized = False

        self._build_status_bar()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._connect()

        self.set_project(project)
        self.retranslate()
        self.resize(1280, 820)
        geometry = self.settings.value(SETTINGS_GEOMETRY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value(SETTINGS_STATE)
        if state is not None:
            self._docks_sized = self.restoreState(state, DOCK_STATE_VERSION)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._docks_sized:  # first start: sensible dock sizes once the window has its size
            self._docks_sized = True
            QTimer.singleShot(0, self._size_docks)

    def _size_docks(self) -> None:
        self.resizeDocks([self.layer_dock, self.identify_dock], [260, 360], Qt.Orientation.Horizontal)
        self.resizeDocks([self.table_dock], [max(220, self.height() // 4)], Qt.Orientation.Vertical)

    # -- building ------------------------------------------------------------------------------
    def _dock(self, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _scrollable(self, widget: QWidget) -> QWidget:
        """``widget`` in a scroll area, so a tall panel never forces the window taller than the screen."""
        from PyQt6.QtWidgets import QScrollArea

        area = QScrollArea(self)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        area.setWidget(widget)
        return area

    def _make_patrol_panel(self):
        """The night-patrol panel (issue: patrol), when that part of the application is present."""
        try:
            from fireriskmap.ui.patrol_panel import PatrolPanel
        except Exception:  # pragma: no cover - optional part
            log.exception("patrol panel not available")
            return None
        panel = PatrolPanel(None, runner=self.runner, parent=self)
        panel.plan_applied.connect(self._on_patrol_plan)
        return panel

    def _on_patrol_plan(self, _plan) -> None:
        self._refresh_layers()
        self.canvas.layers_changed()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.stale_label = QLabel(self.stale_banner)
        self.stale_label.setWordWrap(True)
        self.stale_button = QPushButton(self.stale_banner)
        self.stale_button.clicked.connect(self.recalculate_stale)
        self.stale_banner.layout().addWidget(self.stale_label, 1)
        self.stale_banner.layout().addWidget(self.stale_button)
        self.stale_banner.hide()
        self.task_label = QLabel(self)
        self.task_progress = QProgressBar(self)
        self.task_progress.setRange(0, 1000)
        self.task_progress.setMaximumWidth(160)
        self.task_progress.setMaximumHeight(16)
        self.task_cancel = QToolButton(self)
        self.task_cancel.clicked.connect(self._cancel_tracked)
        for w in (self.task_label, self.task_progress, self.task_cancel):
            bar.addPermanentWidget(w)
            w.hide()
        self.coord_label = QLabel(self)
        self.lonlat_label = QLabel(self)
        self.scale_label = QLabel(self)
        self.crs_label = QLabel(self)
        for lab in (self.coord_label, self.lonlat_label, self.scale_label, self.crs_label):
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            bar.addPermanentWidget(lab)
        self.coord_label.setMinimumWidth(200)
        self.lonlat_label.setMinimumWidth(230)

    def _action(self, handler=None, *, shortcut=None, checkable: bool = False) -> QAction:
        act = QAction(self)
        if shortcut is not None:
            act.setShortcut(shortcut if isinstance(shortcut, QKeySequence) else QKeySequence(shortcut))
        act.setCheckable(checkable)
        if handler is not None:
            act.triggered.connect(lambda _checked=False: handler())
        return act

    def _build_actions(self) -> None:
        self.act_new = self._action(self.new_project, shortcut=QKeySequence.StandardKey.New)
        self.act_open = self._action(self.open_project_dialog, shortcut=QKeySequence.StandardKey.Open)
        self.act_save = self._action(self.save_project, shortcut=QKeySequence.StandardKey.Save)
        self.act_save_as = self._action(self.save_project_as, shortcut=QKeySequence.StandardKey.SaveAs)
        self.act_import = self._action(self.open_import_wizard, shortcut="Ctrl+I")
        self.act_export = self._action(self.open_export_dialog, shortcut="Ctrl+P")
        self.act_quit = self._action(self.close, shortcut=QKeySequence.StandardKey.Quit)
        self.act_undo = self._action(self.editor.stack.undo, shortcut=QKeySequence.StandardKey.Undo)
        self.act_redo = self._action(self.editor.stack.redo, shortcut=QKeySequence.StandardKey.Redo)
        self.editor.stack.undoTextChanged.connect(self._update_undo_texts)
        self.editor.stack.redoTextChanged.connect(self._update_undo_texts)
        self.act_delete = self._action(self.delete_selected, shortcut=QKeySequence.StandardKey.Delete)
        self.act_edit_attributes = self._action(self.edit_selected_attributes, shortcut="Ctrl+E")
        self.act_clear_selection = self._action(lambda: self.selection.clear(source="menu"))
        self.act_zoom_full = self._action(self.canvas.zoom_full, shortcut="Ctrl+Shift+F")
        self.act_zoom_in = self._action(lambda: self.canvas.zoom_by(2.0), shortcut=QKeySequence.StandardKey.ZoomIn)
        self.act_zoom_out = self._action(lambda: self.canvas.zoom_by(0.5), shortcut=QKeySequence.StandardKey.ZoomOut)
        self.act_zoom_layer = self._action(lambda: self.zoom_to_layer(self.active_kind()))
        self.act_zoom_selection = self._action(self.zoom_to_selection, shortcut="Ctrl+J")
        self.act_legend = self._action(checkable=True)
        self.act_legend.toggled.connect(self.canvas.set_show_legend)
        self.act_analyse = self._action(self.open_analysis_dialog, shortcut="Ctrl+R")
        self.act_recalculate = self._action(self.recalculate_stale)
        self.act_recalculate.setEnabled(False)
        self.act_layers = self.layer_dock.toggleViewAction()
        self.act_table = self.table_dock.toggleViewAction()
        self.act_identify_panel = self.identify_dock.toggleViewAction()
        self.act_priority_panel = self.priority_dock.toggleViewAction()
        self.act_charts_panel = self.charts_dock.toggleViewAction()
        self.act_ledger_panel = self.ledger_dock.toggleViewAction()
        self.act_patrol_panel = None

        self.tool_group = QActionGroup(self)
        self.tool_group.setExclusive(True)
        self.act_tool = {}
        for tool, key in (("pan", "B"), ("select", "S"), ("add", "A"), ("move", "M")):
            act = self._action(lambda tool=tool: self.set_tool(tool), shortcut=key, checkable=True)
            self.tool_group.addAction(act)
            self.act_tool[tool] = act
        self.act_tool["pan"].setChecked(True)

        self.language_group = QActionGroup(self)
        self.language_group.setExclusive(True)
        self.act_lang = {}
        for lang in ("zh_CN", "en"):
            act = QAction(self)
            act.setCheckable(True)
            act.setData(lang)
            act.triggered.connect(lambda _checked=False, lang=lang: self.set_language(lang))
            self.language_group.addAction(act)
            self.act_lang[lang] = act

        self.theme_group = QActionGroup(self)
        self.theme_group.setExclusive(True)
        self.act_theme = {}
        for name in self.style.themes:
            act = QAction(self)
            act.setCheckable(True)
            act.triggered.connect(lambda _checked=False, name=name: self.set_theme(name))
            self.theme_group.addAction(act)
            self.act_theme[name] = act

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.menu_file = bar.addMenu("")
        for act in (self.act_new, self.act_open):
            self.menu_file.addAction(act)
        self.menu_recent = self.menu_file.addMenu("")
        self.menu_recent.aboutToShow.connect(self._fill_recent_menu)
        self.menu_file.addSeparator()
        self.menu_file.addAction(self.act_save)
        self.menu_file.addAction(self.act_save_as)
        self.menu_file.addSeparator()
        self.menu_file.addAction(self.act_import)
        self.menu_file.addAction(self.act_export)
        self.menu_file.addSeparator()
        self.menu_file.addAction(self.act_quit)
        self.menu_edit = bar.addMenu("")
        self.menu_edit.addAction(self.act_undo)
        self.menu_edit.addAction(self.act_redo)
        self.menu_edit.addSeparator()
        for tool in ("pan", "select", "add", "move"):
            self.menu_edit.addAction(self.act_tool[tool])
        self.menu_edit.addSeparator()
        self.menu_edit.addAction(self.act_edit_attributes)
        self.menu_edit.addAction(self.act_delete)
        self.menu_edit.addAction(self.act_clear_selection)
        self.menu_view = bar.addMenu("")
        for act in (self.act_zoom_full, self.act_zoom_layer, self.act_zoom_selection, self.act_zoom_in,
                    self.act_zoom_out):
            self.menu_view.addAction(act)
        self.menu_view.addSeparator()
        self.menu_view.addAction(self.act_legend)
        self.menu_panels = self.menu_view.addMenu("")
        for act in (self.act_layers, self.act_table, self.act_identify_panel, self.act_priority_panel,
                    self.act_charts_panel, self.act_ledger_panel):
            self.menu_panels.addAction(act)
        if self.patrol_dock is not None:
            self.act_patrol_panel = self.patrol_dock.toggleViewAction()
            self.menu_panels.addAction(self.act_patrol_panel)
        self.menu_theme = self.menu_view.addMenu("")
        for act in self.act_theme.values():
            self.menu_theme.addAction(act)
        self._build_basemap_menu()
        self.menu_view.addSeparator()
        self.act_briefing = self._action(self.open_briefing, shortcut="F5")
        self.menu_view.addAction(self.act_briefing)
        self.menu_analysis = bar.addMenu("")
        self.menu_analysis.addAction(self.act_analyse)
        self.menu_analysis.addAction(self.act_recalculate)
        self.menu_language = bar.addMenu("")
        for act in self.act_lang.values():
            self.menu_language.addAction(act)

    def _build_toolbar(self) -> None:
        tb = QToolBar(self)
        tb.setObjectName("main_toolbar")
        tb.setMovable(False)
        tb.setIconSize(QSize(18, 18))
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar = tb
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
        tb.addAction(self.act_open)
        tb.addAction(self.act_save)
        tb.addSeparator()
        tb.addAction(self.act_import)
        tb.addAction(self.act_analyse)
        tb.addAction(self.act_export)
        tb.addSeparator()
        tb.addAction(self.act_tool["pan"])
        tb.addAction(self.act_tool["select"])
        tb.addSeparator()
        tb.addAction(self.act_tool["add"])
        self.add_kind_combo = QComboBox(self)
        self.add_kind_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.add_kind_combo.activated.connect(lambda _i: self.set_tool("add"))
        tb.addWidget(self.add_kind_combo)
        tb.addAction(self.act_tool["move"])
        tb.addAction(self.act_edit_attributes)
        tb.addAction(self.act_delete)
        tb.addSeparator()
        tb.addAction(self.act_undo)
        tb.addAction(self.act_redo)
        tb.addSeparator()
        tb.addAction(self.act_zoom_full)
        tb.addAction(self.act_zoom_layer)
        tb.addAction(self.act_zoom_selection)

    def _connect(self) -> None:
        self.layer_panel.visibility_changed.connect(self.canvas.set_layer_visible)
        self.layer_panel.appearance_changed.connect(self.canvas.layers_changed)
        self.layer_panel.current_kind_changed.connect(self._on_active_kind)
        self.layer_panel.zoom_requested.connect(self.zoom_to_layer)
        self.layer_panel.table_requested.connect(self.show_table)
        self.canvas.cursor_moved.connect(self._show_cursor)
        self.canvas.cursor_left.connect(self._clear_cursor)
        self.canvas.view_changed.connect(self._show_scale)
        self.canvas.clicked.connect(self._on_map_click)
        self.canvas.rect_selected.connect(self._on_rect_selected)
        self.canvas.add_requested.connect(self.add_point_at)
        self.canvas.point_moved.connect(self._on_point_moved)
        self.selection.changed.connect(self._on_selection_changed)
        self.table_panel.zoom_requested.connect(self.zoom_to_selection)
        self.table_panel.edit_requested.connect(self._on_cell_edit)
        self.table_panel.kind_changed.connect(self.layer_panel.set_current_kind)
        self.identify_panel.zoom_requested.connect(self.zoom_to_feature)
        self.identify_panel.edit_requested.connect(self.edit_attributes)
        self.identify_panel.current_changed.connect(self._on_identify_current)
        self.priority_panel.area_activated.connect(self._on_area_activated)
        self.priority_panel.analysis_requested.connect(self.open_analysis_dialog)
        self.ledger_panel.changed.connect(self._on_ledger_changed)
        self.ledger_panel.zoom_requested.connect(self._show_ledger_item)
        self.ledger_panel.place_requested.connect(self._on_place_requested)
        self.ledger_panel.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.editor.stale_changed.connect(self._on_stale_changed)
        self.editor.selection_requested.connect(self._on_edit_selection)
        self.editor.stack.indexChanged.connect(self._update_actions)
        self.runner.busy_changed.connect(self._update_actions)

    def _update_undo_texts(self, *_args) -> None:
        """'撤销' in the toolbar; the menu and tooltip say what would be undone."""
        stack = self.editor.stack
        for act, key, text in ((self.act_undo, "ui.menu.undo", stack.undoText()),
                               (self.act_redo, "ui.menu.redo", stack.redoText())):
            act.setText(tr(key))
            act.setToolTip(f"{tr(key)}：{text}" if text and current_language() == "zh_CN"
                           else (f"{tr(key)}: {text}" if text else tr(key)))
            act.setStatusTip(act.toolTip())

    def _on_identify_current(self, kind: str, position: int) -> None:
        self.selection.select(kind, [position], source="identify")

    def _on_edit_selection(self, kind: str, positions) -> None:
        if len(positions):
            self.selection.select(kind, positions, source="edit")
        else:
            self.selection.clear(source="edit")

    # -- project ---------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """Show ``project`` (or nothing for None); listens to its layer events."""
        if self.project is not None:
            for name in ("layer_changed", "layer_removed", "settings_changed"):
                self.project.events.disconnect(name, self._on_project_event)
            self.project.events.disconnect("saved", self._on_saved)
        self.project = project
        self._to_lonlat = None
        self._modified = False
        self.selection.clear(source="project")
        self.editor.set_project(project)
        if project is not None:
            self._prepare_ledger(project)
            for name in ("layer_changed", "layer_removed", "settings_changed"):
                project.events.connect(name, self._on_project_event)
            project.events.connect("saved", self._on_saved)
            self._make_lonlat_transform()
            self.canvas.set_renderer(MapRenderer(project, self.style))
        else:
            self.canvas.set_renderer(None)
        self.table_panel.set_project(project)
        self.identify_panel.set_project(project, self.style)
        self.priority_panel.set_project(project, self.style)
        self.charts_panel.set_project(project, self.style)
        self.ledger_panel.set_project(project)
        if self.patrol_panel is not None:
            self.patrol_panel.set_project(project)
        if self.analysis_dialog is not None:
            self.analysis_dialog.cancel()  # its results belong to the project being closed
            self.analysis_dialog.close()
            self.analysis_dialog = None
        self._refresh_layers()
        kinds = self.layer_panel.kinds()
        if kinds:
            self.layer_panel.set_current_kind("buildings" if "buildings" in kinds else kinds[0])
        self._fill_add_kinds()
        self.retranslate()

    def _make_lonlat_transform(self) -> None:
        self._to_lonlat = None
        if self.project is not None and self.project.crs is not None:
            try:
                self._to_lonlat = Transformer.from_crs(self.project.crs, LONLAT_CRS, always_xy=True)
            except Exception:  # pragma: no cover - pyproj knows every metric CRS we allow
                log.exception("no lon/lat transform for %s", self.project.crs)

    def is_modified(self) -> bool:
        """Changed since it was opened or last saved in this window."""
        return self.project is not None and self._modified

    def _on_project_event(self, kind: str | None = None, **_payload) -> None:
        self._modified = True
        if kind is None:  # a setting changed
            self._update_title()
            return
        if self._batch:
            self._pending.add(kind)
            return
        self._layers_changed({kind})

    def _layers_changed(self, kinds: set[str]) -> None:
        project = self.project
        if project is None:
            return
        if self._to_lonlat is None:
            self._make_lonlat_transform()
        self.canvas.layers_changed()
        for kind in kinds:
            self.selection.layer_changed(kind, len(project.layers[kind]) if kind in project.layers else None)
            self.table_panel.layer_changed(kind)
        self._refresh_layers()
        self._update_title()
        self._update_actions()
        # the side panels follow in later turns of the event loop, so that no single turn keeps
        # the window from painting for long after a big change (an analysis writes many layers)
        self._panels_pending |= kinds
        if not self._panels_timer.isActive():
            self._panels_timer.start()

    def _refresh_panels(self) -> None:
        kinds, self._panels_pending = self._panels_pending, set()
        steps = [self.identify_panel.refresh]
        if kinds & {"risk_areas"}:
            steps.append(self.priority_panel.refresh)
        if kinds & {"risk_areas", "buildings"}:
            steps.append(self.charts_panel.refresh)
        for i, step in enumerate(steps):
            QTimer.singleShot(i * 20, step)

    def begin_batch(self) -> None:
        """Collect layer events until :meth:`end_batch` (an analysis writes several layers)."""
        self._batch += 1

    def end_batch(self) -> None:
        self._batch = max(0, self._batch - 1)
        if not self._batch and self._pending:
            kinds, self._pending = self._pending, set()
            self._layers_changed(kinds)

    def _refresh_layers(self) -> None:
        renderer = self.canvas.renderer
        visible = {k: self.canvas.is_layer_visible(k) for k in (renderer.project.layers if renderer else {})}
        stale_layers = {k for step in self.editor.stale for k in STEP_LAYERS.get(step, ())}
        self.layer_panel.set_stale(stale_layers)
        self.layer_panel.populate(renderer, visible, current_language())

    def _on_saved(self, path=None, **_payload) -> None:
        self._modified = False
        self._update_title()

    # -- open / new / save ------------------------------------------------------------------------
    def _ask_save_changes(self) -> str:
        """'save', 'discard' or 'cancel' (a message box; tests replace this method)."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr("ui.unsaved.title"))
        box.setText(tr("ui.unsaved.text", project=self._project_name()))
        box.setInformativeText(tr("ui.unsaved.info"))
        save = box.addButton(tr("ui.unsaved.save"), QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(tr("ui.unsaved.discard"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(tr("ui.button.cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(save)
        box.exec()
        clicked = box.clickedButton()
        return "save" if clicked is save else ("discard" if clicked is discard else "cancel")

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current project (saved, discarded or unchanged)."""
        if not self.is_modified():
            return True
        answer = self._ask_save_changes()
        if answer == "cancel":
            return False
        if answer == "save":
            return self.save_project(wait=True)
        self._remove_recovery(self.current_recovery_path())  # the user chose to drop the changes
        return True

    def new_project(self) -> None:
        if not self.maybe_save():
            return
        from fireriskmap.core.project import Project

        self.set_project(Project.new(name=tr("ui.untitled")))
        self.statusBar().showMessage(tr("ui.status.new_project"), 8000)

    def open_project_file(self, path: str | Path, *, ask: bool = False) -> bool:
        """Open the project at ``path``; on failure show a translated message and return False."""
        from fireriskmap.core.project import Project

        if ask and not self.maybe_save():
            return False
        path = Path(path)
        try:
            project = Project.open(path)
        except Exception as exc:  # any reason: show it, keep the current project
            log.warning("cannot open %s: %s", path, exc)
            show_open_error(self, path, exc)
            return False
        self.settings.setValue(SETTINGS_LAST_DIR, str(path.parent))
        self._remember_recent(path)
        self.set_project(project)
        self.statusBar().showMessage(tr("ui.status.opened", path=str(path)), 5000)
        self.offer_recovery(path)
        return True

    def open_project_dialog(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.settings.value(SETTINGS_LAST_DIR, "") or "")
        path, _ = QFileDialog.getOpenFileName(self, tr("ui.open.title"), start, tr("ui.open.filter"))
        if path:
            self.open_project_file(path)

    def recent_projects(self) -> list[str]:
        value = self.settings.value(SETTINGS_RECENT, [])
        if isinstance(value, str):
            value = [value] if value else []
        return [str(v) for v in (value or []) if v]

    def _remember_recent(self, path: Path) -> None:
        items = [str(Path(path).resolve())] + [p for p in self.recent_projects() if p != str(Path(path).resolve())]
        self.settings.setValue(SETTINGS_RECENT, items[:MAX_RECENT])

    def _fill_recent_menu(self) -> None:
        self.menu_recent.clear()
        recent = [p for p in self.recent_projects() if Path(p).exists()]
        if not recent:
            act = self.menu_recent.addAction(tr("ui.menu.no_recent"))
            act.setEnabled(False)
            return
        for p in recent:
            self.menu_recent.addAction(f"{Path(p).name}  —  {Path(p).parent}",
                                       lambda p=p: self.open_project_file(p, ask=True))

    def _is_read_only_demo(self, path: Path | None) -> bool:
        if path is None:
            return False
        from fireriskmap.paths import demo_project_path

        try:
            return Path(path).resolve() == demo_project_path().resolve()
        except OSError:
            return False

    def save_project(self, *, wait: bool = False) -> bool:
        """Save to the project's file (Save As when it has none, or is the shipped demo)."""
        if self.project is None:
            return False
        path = self.project.path
        if path is None or self._is_read_only_demo(path):
            return self.save_project_as(wait=wait)
        return self._start_save(Path(path), wait=wait)

    def save_project_as(self, *, wait: bool = False) -> bool:
        if self.project is None:
            return False
        start_dir = str(self.settings.value(SETTINGS_LAST_DIR, "") or Path.home())
        name = (self.project.name or tr("ui.untitled")).replace("/", "_")
        if self._is_read_only_demo(self.project.path):
            name = self.project.path.stem + tr("ui.save.copy_suffix")
        path, _ = QFileDialog.getSaveFileName(self, tr("ui.save.title"), str(Path(start_dir) / f"{name}.gpkg"),
                                              tr("ui.open.filter"))
        if not path:
            return False
        path = Path(path)
        if path.suffix.lower() != ".gpkg":
            path = path.with_suffix(".gpkg")
        if self._is_read_only_demo(path):
            QMessageBox.information(self, tr("ui.save.title"), tr("ui.save.demo_read_only"))
            return False
        return self._start_save(path, wait=wait)

    def _start_save(self, path: Path, *, wait: bool = False) -> bool:
        """Write in the background; with ``wait`` block (keeping events flowing) until done."""
        if self._save_task is not None and not self._save_task.is_done:
            return False
        project = self.project
        snapshot = project_snapshot(project)
        self._saving_marker = object()
        marker = self._saving_marker
        self._project_events_since_save_start = False
        project.events.connect("layer_changed", self._note_change_during_save)
        task = self.runner.start(save_job, snapshot, path, name="save")
        self._save_task = task
        self._track_task(task, tr("ui.status.saving", path=path.name), cancellable=False)
        result = {"ok": None}

        def finished(_path) -> None:
            project.events.disconnect("layer_changed", self._note_change_during_save)
            if self.project is not project or marker is not self._saving_marker:
                result["ok"] = True
                return
            changed = self._project_events_since_save_start
            old_recovery = self.current_recovery_path()
            project.path = path
            project.dirty = changed
            if not changed:
                self._remove_recovery(old_recovery)
                self._remove_recovery(self.current_recovery_path())
            self._remember_recent(path)
            self.settings.setValue(SETTINGS_LAST_DIR, str(path.parent))
            project.events.emit("saved", path=path)
            if changed:
                self._modified = True
            self._update_title()
            self.statusBar().showMessage(tr("ui.status.saved", path=str(path)), 6000)
            result["ok"] = True

        def failed(error) -> None:
            project.events.disconnect("layer_changed", self._note_change_during_save)
            result["ok"] = False
            QMessageBox.warning(self, tr("ui.save.failed_title"), tr("ui.save.failed", path=str(path),
                                                                     reason=error_text(error)))

        task.finished.connect(finished)
        task.failed.connect(failed)
        if wait:  # e.g. "save before closing": keep the window painting until the file is written
            import time as _time

            while result["ok"] is None:
                QApplication.processEvents()
                _time.sleep(0.005)
            return bool(result["ok"])
        return True

    def _note_change_during_save(self, **_payload) -> None:
        self._project_events_since_save_start = True

    # -- autosave and recovery ----------------------------------------------------------------------
    def current_recovery_path(self) -> Path | None:
        if self.project is None:
            return None
        return recovery_path(self.recovery_dir, self.project.path)

    def autosave(self, *, wait: bool = False) -> bool:
        """Write a recovery copy of unsaved work in the background (the project file is untouched)."""
        if self.project is None or not self.is_modified():
            return False
        if self._autosave_task is not None and not self._autosave_task.is_done:
            return False
        target = self.current_recovery_path()
        snapshot = project_snapshot(self.project)
        snapshot.metadata[RECOVERY_OF] = str(self.project.path or "")
        task = self.runner.start(save_job, snapshot, target, name="autosave")
        self._autosave_task = task
        done = {"ok": None}
        task.finished.connect(lambda _p: done.__setitem__("ok", True))
        task.failed.connect(lambda error: (log.warning("autosave failed: %s", error), done.__setitem__("ok", False)))
        if wait:
            import time as _time

            while done["ok"] is None:
                QApplication.processEvents()
                _time.sleep(0.005)
            return bool(done["ok"])
        return True

    @staticmethod
    def _remove_recovery(path: Path | None) -> None:
        if path is not None and path.exists():
            try:
                path.unlink()
            except OSError:
                log.warning("cannot remove the recovery copy %s", path)

    def _ask_recover(self, saved_at: str) -> bool:
        """Offer a recovery copy (a message box; tests replace this method)."""
        answer = QMessageBox.question(self, tr("ui.recovery.title"), tr("ui.recovery.text", time=saved_at),
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes

    def offer_recovery(self, project_path: Path | None) -> bool:
        """If unsaved work of ``project_path`` (None: the untitled project) was kept by an autosave
        before a crash, offer it; on yes it becomes the window's (modified) project."""
        import datetime as _dt

        from fireriskmap.core.project import Project

        copy_path = recovery_path(self.recovery_dir, project_path)
        if not copy_path.exists():
            return False
        newer = project_path is None or not Path(project_path).exists() or \
            copy_path.stat().st_mtime > Path(project_path).stat().st_mtime
        if not newer:
            self._remove_recovery(copy_path)
            return False
        saved_at = _dt.datetime.fromtimestamp(copy_path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        if not self._ask_recover(saved_at):
            self._remove_recovery(copy_path)
            return False
        try:
            recovered = Project.open(copy_path)
        except Exception as exc:
            log.warning("cannot open the recovery copy %s: %s", copy_path, exc)
            show_open_error(self, copy_path, exc)
            return False
        recovered.metadata.pop(RECOVERY_OF, None)
        recovered.path = Path(project_path) if project_path is not None else None
        self.set_project(recovered)
        self._modified = True
        self._update_title()
        self.statusBar().showMessage(tr("ui.recovery.restored"), 10000)
        return True

    # -- background task display -----------------------------------------------------------------
    def _track_task(self, task, text: str, *, cancellable: bool = True) -> None:
        """Show ``task``'s progress in the status bar (with Cancel when it can be cancelled)."""
        self._tracked_task = task
        self.task_label.setText(text)
        self.task_progress.setValue(0)
        self.task_cancel.setText(tr("ui.analysis.cancel"))
        self.task_cancel.setEnabled(cancellable)
        for w in (self.task_label, self.task_progress):
            w.show()
        self.task_cancel.setVisible(cancellable)

        def progress(fraction: float, message: str) -> None:
            if self._tracked_task is task:
                self.task_progress.setValue(int(fraction * 1000))
                if message:
                    self.task_label.setText(message[:60])

        def done() -> None:
            if self._tracked_task is task:
                self._tracked_task = None
                for w in (self.task_label, self.task_progress, self.task_cancel):
                    w.hide()

        task.progress.connect(progress)
        task.done.connect(done)

    def _cancel_tracked(self) -> None:
        if self._tracked_task is not None:
            self._tracked_task.cancel()
            self.task_label.setText(tr("ui.analysis.cancelling"))
            self.task_cancel.setEnabled(False)

    # -- analyses ---------------------------------------------------------------------------------
    def open_analysis_dialog(self, steps: list[str] | None = None, *, autostart: bool = False):
        from fireriskmap.ui.analysis_dialog import AnalysisDialog

        if self.project is None:
            return None
        dialog = self.analysis_dialog
        if dialog is None or dialog.project is not self.project:
            dialog = AnalysisDialog(self.project, self.runner, settings=self.settings, steps=steps, parent=self)
            project = self.project
            dialog.outcome_ready.connect(lambda outcome: self.apply_analysis(outcome, project=project))
            dialog.running_changed.connect(self._on_analysis_running)
            self.analysis_dialog = dialog
        elif steps is not None and not dialog.is_running():
            for step, box in dialog.step_boxes.items():
                box.setChecked(step in steps)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        if autostart and not dialog.is_running():
            dialog.start()
        return dialog

    def recalculate_stale(self) -> None:
        steps = sorted(self.editor.stale)
        from fireriskmap.ui.analysis_dialog import pipeline_steps

        known = pipeline_steps()[0]
        steps = [s for s in known if s in steps]
        if steps:
            self.open_analysis_dialog(steps, autostart=True)

    def _on_analysis_running(self, running: bool) -> None:
        self._analysis_running = running
        if running and self.analysis_dialog is not None and self.analysis_dialog.task is not None:
            self._track_task(self.analysis_dialog.task, tr("ui.analysis.working"))
            if self.canvas.tool in ("add", "move"):
                self.set_tool("pan")
        self._update_actions()

    def apply_analysis(self, outcome, *, project=None) -> None:
        """Write an analysis outcome into the project (GUI thread); dropped when ``project`` (the one
        analysed) is no longer the window's project."""
        from fireriskmap.analysis.pipeline import apply_outcome

        if self.project is None or (project is not None and project is not self.project):
            return
        self.begin_batch()
        try:
            apply_outcome(self.project, outcome)
        except ValueError as exc:
            log.warning("analysis outcome not applied: %s", exc)
            QMessageBox.warning(self, tr("ui.analysis.title"), tr("ui.analysis.apply_failed"))
            return
        finally:
            self.end_batch()
        if self.editor.stale & set(outcome.steps):
            self.editor.analysed(outcome.steps)  # refreshes the layer list (stale marks)
        self.statusBar().showMessage(tr("ui.analysis.applied"), 8000)

    def _on_stale_changed(self, steps) -> None:
        from fireriskmap.ui.analysis_dialog import step_label

        steps = sorted(steps)
        self.act_recalculate.setEnabled(bool(steps))
        if steps:
            sep = "、" if current_language() == "zh_CN" else ", "
            self.stale_label.setText(tr("ui.stale.text", steps=sep.join(step_label(s) for s in steps)))
            self.stale_button.setText(tr("ui.stale.button"))
        self.stale_banner.setVisible(bool(steps))
        self._refresh_layers()

    # -- briefing (数据大屏) --------------------------------------------------------------------------
    def open_briefing(self):
        """View → Briefing: the big-screen briefing of this project, full screen on another screen when
        there is one (the planner keeps the workspace), else on this one (Esc leaves)."""
        if self.project is None:
            return None
        from fireriskmap.ui.briefing import open_briefing

        old = getattr(self, "briefing_window", None)
        if old is not None:
            try:
                old.close()
            except RuntimeError:  # already deleted
                pass
        self.briefing_window = open_briefing(self.project, style=self.style, avoid_screen=self.screen())
        self.briefing_window.destroyed.connect(lambda *_: setattr(self, "briefing_window", None))
        return self.briefing_window

    # -- export ------------------------------------------------------------------------------------
    def open_export_dialog(self):
        """File → Export: PDF report, atlas, offline HTML map, Excel tables or PNG (in the background)."""
        if self.project is None:
            return None
        from fireriskmap.ui.export_dialog import ExportDialog

        dialog = ExportDialog(self.project, runner=self.runner, parent=self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.exported.connect(lambda result: self.statusBar().showMessage(
            tr("ui.status.exported", path=str(getattr(result, "path", result))), 10000))
        dialog.show()
        self.export_dialog = dialog
        return dialog

    # -- import ------------------------------------------------------------------------------------
    def open_import_wizard(self, path: str | None = None):
        from fireriskmap.ui.import_wizard import ImportWizard

        if self.project is None:
            from fireriskmap.core.project import Project

            self.set_project(Project.new(name=tr("ui.untitled")))
        was_empty = not any(len(g) for g in self.project.layers.values())
        wizard = ImportWizard(self.project, self.runner, path=path, settings=self.settings, parent=self)
        self.import_wizard = wizard

        def imported(summary) -> None:
            if was_empty:
                self.canvas.zoom_full()
            kinds = list(summary.kinds)
            for kind in kinds:  # results computed from the old data are stale now
                self.editor.mark_stale(kind)
            if "hazards" in kinds and self.project is not None:  # number new ledger items, mark overdue
                from fireriskmap.ledger import Ledger

                ledger = Ledger(self.project)
                ledger.ensure_ids(note=tr("ui.import.ledger_note"))
                ledger.refresh()
            if kinds:
                self.layer_panel.set_current_kind(kinds[0])
            self.statusBar().showMessage(tr("ui.import.done_status", n=f"{summary.imported:,}",
                                            rejected=f"{summary.rejected:,}"), 10000)

        wizard.imported.connect(imported)
        wizard.setModal(True)
        wizard.show()
        return wizard

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        self.handle_dropped_file(paths[0])

    def handle_dropped_file(self, path: str) -> None:
        """A project file opens; any other file starts the import wizard."""
        from fireriskmap.storage.gpkg import is_project_file

        if self._analysis_running:
            self.statusBar().showMessage(tr("ui.status.busy_analysing"), 8000)
            return
        if path.lower().endswith(".gpkg") and is_project_file(path):
            self.open_project_file(path, ask=True)
        else:
            self.open_import_wizard(path)

    # -- map tools, identify and selection ------------------------------------------------------------
    def active_kind(self) -> str:
        kind = self.layer_panel.current_kind()
        if self.project is not None and kind in self.project.layers:
            return kind
        return ""

    def _on_active_kind(self, kind: str) -> None:
        self.table_panel.set_kind(kind)
        if kind in EDITABLE_POINT_KINDS:
            i = self.add_kind_combo.findData(kind)
            if i >= 0:
                self.add_kind_combo.setCurrentIndex(i)
        self._update_actions()

    def set_tool(self, tool: str) -> None:
        self._placing = None
        if tool in ("add", "move") and not self._can_edit():
            tool = "pan"
        self.canvas.set_tool(tool)
        self.act_tool[tool].setChecked(True)
        hint = tr(f"ui.tool.hint.{tool}", layer=layer_label(self.add_kind_combo.currentData() or "hydrants"))
        self.statusBar().showMessage(hint, 8000)

    def _can_edit(self) -> bool:
        return self.project is not None and not self._analysis_running and self.project.crs is not None

    def hits_at(self, x: float, y: float) -> list[Hit]:
        """Features under the world point, most specific first (spatial index).

        Points, then lines, then areas from the smallest (a building before its cluster, the
        cluster before its village); ties keep the drawing order, top-most first.
        """
        if self.project is None:
            return []
        import shapely

        from fireriskmap.render.renderer import layer_geometry

        tol = self.canvas.pick_tolerance()
        ranked: list[tuple[int, float, int, Hit]] = []
        order = list(reversed(self.canvas.visible_layers()))
        rank_of = {"point": 0, "line": 1, "polygon": 2}
        for i, kind in enumerate(order):
            gdf = self.project.layers.get(kind)
            if gdf is None or not len(gdf):
                continue
            geometry = layer_geometry(kind, gdf)
            positions = features_at(gdf, geometry, x, y, tol)[:HITS_PER_LAYER]
            for j, p in enumerate(positions):
                area = float(shapely.area(gdf.geometry.values[int(p)])) if geometry == "polygon" else 0.0
                ranked.append((rank_of.get(geometry, 2), area, i * 10 + j, Hit(kind, int(p))))
        ranked.sort(key=lambda r: r[:3])
        return [r[3] for r in ranked]

    def _on_map_click(self, x: float, y: float, modifiers) -> None:
        hits = self.hits_at(x, y)
        self.identify_panel.show_hits(hits)
        if hits and not self.identify_dock.isHidden():
            self.identify_dock.raise_()
        additive = bool(modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier))
        if hits:
            first = hits[0]
            self.selection.select(first.kind, [first.position], source="map",
                                  mode="toggle" if additive else "replace")
            self.layer_panel.set_current_kind(first.kind)
        elif not additive:
            self.selection.clear(source="map")

    def _on_rect_selected(self, extent, modifiers) -> None:
        kind = self.active_kind()
        if not kind or not self.canvas.is_layer_visible(kind):
            visible = list(reversed(self.canvas.visible_layers()))
            kind = next((k for k in visible if len(features_in(self.project.layers[k], extent))), "")
        if not kind:
            self.selection.clear(source="map")
            return
        positions = features_in(self.project.layers[kind], extent)
        additive = bool(modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier))
        self.selection.select(kind, positions, source="map", mode="add" if additive else "replace")
        self.layer_panel.set_current_kind(kind)
        self.statusBar().showMessage(tr("ui.status.selected", n=f"{len(self.selection):,}",
                                        layer=layer_label(kind)), 5000)

    def _on_selection_changed(self, kind: str, source: str) -> None:
        self.canvas.set_highlight(self.selection.kind, self.selection.positions)
        if source in ("table", "priority") and len(self.selection) == 1:
            self.identify_panel.show_hits([Hit(self.selection.kind, int(self.selection.positions[0]))])
        self._update_actions()

    def _pick_movable(self, x: float, y: float, tol: float):
        """The editable point under (x, y) to drag with the move tool: (kind, position, x, y)."""
        if self.project is None or not self._can_edit():
            return None
        active = self.active_kind()
        kinds = [active] if active in EDITABLE_POINT_KINDS else []
        kinds += [k for k in reversed(self.canvas.visible_layers()) if k in EDITABLE_POINT_KINDS and k not in kinds]
        for kind in kinds:
            if not self.canvas.is_layer_visible(kind):
                continue
            gdf = self.project.layers.get(kind)
            positions = features_at(gdf, "point", x, y, tol) if gdf is not None else []
            if len(positions):
                geom = gdf.geometry.iloc[int(positions[0])]
                return kind, int(positions[0]), float(geom.x), float(geom.y)
        return None

    # -- zoom --------------------------------------------------------------------------------------
    def zoom_to_layer(self, kind: str) -> None:
        if self.project is None or not kind:
            return
        extent = extent_of(self.project.layers.get(kind))
        if extent is not None:
            self.canvas.zoom_to_extent(pad_extent(extent, margin=0.03))

    def zoom_to_selection(self) -> None:
        if self.project is None or self.selection.is_empty():
            return
        extent = extent_of(self.project.layers.get(self.selection.kind), self.selection.positions)
        if extent is not None:
            self.canvas.zoom_to_extent(pad_extent(extent))

    def zoom_to_feature(self, kind: str, position: int) -> None:
        if self.project is None:
            return
        extent = extent_of(self.project.layers.get(kind), np.array([position]))
        if extent is not None:
            self.canvas.zoom_to_extent(pad_extent(extent))

    def _on_area_activated(self, kind: str, position: int) -> None:
        self.selection.select(kind, [position], source="priority")
        self.zoom_to_feature(kind, position)

    def show_table(self, kind: str) -> None:
        self.table_dock.show()
        self.table_dock.raise_()
        self.layer_panel.set_current_kind(kind)
        self.table_panel.set_kind(kind)

    # -- editing -----------------------------------------------------------------------------------
    def _fill_add_kinds(self) -> None:
        current = self.add_kind_combo.currentData() or "hydrants"
        self.add_kind_combo.blockSignals(True)
        self.add_kind_combo.clear()
        for kind in EDITABLE_POINT_KINDS:
            self.add_kind_combo.addItem(layer_label(kind, current_language()), kind)
        i = self.add_kind_combo.findData(current)
        self.add_kind_combo.setCurrentIndex(max(i, 0))
        self.add_kind_combo.blockSignals(False)

    def _village_at(self, x: float, y: float) -> str | None:
        villages = self.project.layers.get("villages") if self.project is not None else None
        if villages is None or not len(villages) or "name" not in villages.columns:
            return None
        hits = features_at(villages, "polygon", x, y, 0.0)
        if len(hits):
            name = villages["name"].iloc[int(hits[0])]
            return str(name) if name is not None and name == name else None
        return None

    def add_point_at(self, x: float, y: float, *, kind: str | None = None, dialog: bool = True) -> bool:
        """Add a point of the chosen kind at (x, y) after its attribute form (undoable)."""
        from fireriskmap.ui.editing import default_values
        from fireriskmap.ui.feature_dialog import FeatureDialog

        if not self._can_edit():
            return False
        if self._placing and kind is None:  # "place on map" from the ledger panel
            hazard_id = self._placing
            self.set_tool("pan")
            return self.ledger_panel.place_at(hazard_id, x, y)
        kind = kind or self.add_kind_combo.currentData() or "hydrants"
        values = default_values(kind)
        village = self._village_at(x, y)
        if village and "village" in editable_columns(kind):
            values["village"] = village
        if not dialog:
            return not self.editor.add_point(kind, x, y, values)
        form = FeatureDialog(kind, values, title=tr("ui.edit.add_title", layer=layer_label(kind)),
                             submit=lambda v: self.editor.add_point(kind, x, y, v), parent=self)
        self.layer_panel.set_current_kind(kind)
        return form.exec() == FeatureDialog.DialogCode.Accepted

    # -- the hazard ledger ---------------------------------------------------------------------------
    def _prepare_ledger(self, project) -> None:
        """Number the ledger's items and mark the overdue ones for today (before the window listens,
        so opening a project does not count as a change)."""
        if not project.has_layer(LEDGER_KINDS[0]) or project.crs is None:
            return
        from fireriskmap.ledger import Ledger

        try:
            ledger = Ledger(project)
            ledger.ensure_ids()
            ledger.refresh()
        except Exception:  # a damaged ledger must not stop the project from opening
            log.exception("cannot prepare the hazard ledger")

    def _on_ledger_changed(self, what: str) -> None:
        if what in LEDGER_KINDS:
            self.editor.ledger_changed(what)  # risk results read the ledger: stale now
        self._on_project_event()  # modified (inspections are a table: no layer event)

    def _show_ledger_item(self, kind: str, position: int) -> None:
        """A row chosen in the ledger: zoom to it unless it is already well inside the view (so
        stepping through the list does not keep jumping the map)."""
        view = self.canvas.view
        extent = extent_of(self.project.layers.get(kind), np.array([position])) if self.project is not None else None
        if view is not None and extent is not None:
            x0, y0, x1, y1 = view.extent
            mx, my = (x1 - x0) * 0.08, (y1 - y0) * 0.08
            inside = x0 + mx <= extent[0] and extent[2] <= x1 - mx and y0 + my <= extent[1] and extent[3] <= y1 - my
            if inside and view.mpp <= 2.0:  # in view at a street scale: the highlight shows it
                return
        self.zoom_to_feature(kind, position)

    def _on_place_requested(self, hazard_id: str) -> None:
        if not self._can_edit():
            return
        self.set_tool("add")
        self._placing = hazard_id
        self.statusBar().showMessage(tr("ui_ledger.message.place_hint", id=hazard_id), 15000)

    def _on_point_moved(self, kind: str, position: int, x: float, y: float) -> None:
        if self._can_edit():
            self.editor.move_point(kind, position, x, y)
            self.statusBar().showMessage(tr("ui.edit.moved", layer=layer_label(kind)), 5000)

    def edit_attributes(self, kind: str, position: int) -> bool:
        from fireriskmap.ui.feature_dialog import FeatureDialog

        if self.project is None or not editable_columns(kind) or not self._can_edit():
            return False
        row = self.project.layers[kind].iloc[position]
        values = {c: row[c] for c in editable_columns(kind) if c in row.index}
        form = FeatureDialog(kind, values, submit=lambda v: self.editor.set_values(kind, position, v), parent=self)
        return form.exec() == FeatureDialog.DialogCode.Accepted

    def edit_selected_attributes(self) -> None:
        if len(self.selection) >= 1:
            self.edit_attributes(self.selection.kind, int(self.selection.positions[0]))

    def delete_selected(self, *, confirm: bool = True) -> None:
        kind = self.selection.kind
        if kind not in EDITABLE_POINT_KINDS or self.selection.is_empty() or not self._can_edit():
            return
        if kind in LEDGER_KINDS:  # a ledger item is never deleted: it is voided with a reason
            self.ledger_panel.void_positions(self.selection.positions.tolist())
            return
        n = len(self.selection)
        if confirm:
            answer = QMessageBox.question(self, tr("ui.edit.delete_title"),
                                          tr("ui.edit.delete_confirm", n=n, layer=layer_label(kind)))
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.editor.delete(kind, self.selection.positions.tolist())

    def _on_cell_edit(self, kind: str, position: int, column: str, value) -> None:
        if not self._can_edit():
            return
        errors = self.editor.set_values(kind, position, {column: value})
        if errors:
            QMessageBox.warning(self, tr("ui.edit.invalid_title"),
                                tr("ui.edit.invalid", field=self.table_panel.model.headerData(
                                    self.table_panel.model.columns.index(column), Qt.Orientation.Horizontal),
                                   reason=next(iter(errors.values()))))

    def _update_actions(self, *_args) -> None:
        has_project = self.project is not None
        busy_save = self._save_task is not None and not self._save_task.is_done
        can_edit = self._can_edit()
        sel_kind = self.selection.kind
        for act in (self.act_save, self.act_save_as):
            act.setEnabled(has_project and not busy_save)
        self.act_import.setEnabled(not self._analysis_running)
        self.act_export.setEnabled(has_project)
        self.act_analyse.setEnabled(has_project)
        self.act_tool["add"].setEnabled(can_edit)
        self.act_tool["move"].setEnabled(can_edit)
        self.add_kind_combo.setEnabled(can_edit)
        self.act_delete.setEnabled(can_edit and sel_kind in EDITABLE_POINT_KINDS and len(self.selection) > 0)
        self.act_edit_attributes.setEnabled(can_edit and bool(editable_columns(sel_kind)) and len(self.selection) > 0)
        self.act_zoom_selection.setEnabled(len(self.selection) > 0)
        self.act_zoom_layer.setEnabled(bool(self.active_kind()))
        self.act_clear_selection.setEnabled(len(self.selection) > 0)
        self.act_undo.setEnabled(self.editor.stack.canUndo() and can_edit)
        self.act_redo.setEnabled(self.editor.stack.canRedo() and can_edit)
        self.table_panel.set_editable(can_edit)

    # -- language and theme ---------------------------------------------------------------------
    def set_language(self, lang: str) -> None:
        """Switch the UI language, remember it, and retranslate everything visible."""
        lang = set_language(normalise_language(lang))
        self.settings.setValue(SETTINGS_LANGUAGE, lang)
        if self.analysis_dialog is not None and not self.analysis_dialog.is_running():
            self.analysis_dialog.close()
            self.analysis_dialog.deleteLater()
            self.analysis_dialog = None  # rebuilt in the new language when opened again
        self.canvas.set_language(lang)
        self._refresh_layers()
        self.retranslate()

    def set_theme(self, name: str) -> None:
        """Use theme ``name`` for the map and the window, and remember it."""
        if name not in self.style.themes:
            return
        self.style = self.style.with_theme(name)
        self.settings.setValue(SETTINGS_THEME, name)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.style.theme)
        if self.project is not None:
            self.canvas.set_renderer(MapRenderer(self.project, self.style), zoom_full=False)
        for panel in (self.identify_panel, self.priority_panel, self.charts_panel):
            panel.style = self.style
        self._refresh_layers()
        self.retranslate()

    def _project_name(self) -> str:
        if self.project is None:
            return ""
        return self.project.name or (self.project.path.stem if self.project.path else tr("ui.untitled"))

    def _update_title(self) -> None:
        app = tr("ui.app_name")
        if self.project is not None:
            name = self._project_name() + (" *" if self.is_modified() else "")
            self.setWindowTitle(tr("ui.title", app=app, project=name))
        else:
            self.setWindowTitle(tr("ui.title_no_project", app=app))

    def retranslate(self) -> None:
        """Set every visible text in the current language."""
        self._update_title()
        self.menu_file.setTitle(tr("ui.menu.file"))
        self.menu_edit.setTitle(tr("ui.menu.edit"))
        self.menu_view.setTitle(tr("ui.menu.view"))
        self.menu_theme.setTitle(tr("ui.menu.theme"))
        self.menu_basemap.setTitle(tr("ui_basemap.menu"))
        for name, act in self.act_basemap.items():
            act.setText(tr(f"ui_basemap.provider.{name}"))
        self.menu_panels.setTitle(tr("ui.menu.panels"))
        self.menu_analysis.setTitle(tr("ui.menu.analysis"))
        self.menu_language.setTitle(tr("ui.menu.language"))
        self.menu_recent.setTitle(tr("ui.menu.recent"))
        texts = {
            self.act_new: "ui.menu.new", self.act_open: "ui.menu.open", self.act_save: "ui.menu.save",
            self.act_save_as: "ui.menu.save_as", self.act_import: "ui.menu.import", self.act_quit: "ui.menu.quit",
            self.act_export: "ui.menu.export",
            self.act_zoom_full: "ui.menu.zoom_full", self.act_zoom_in: "ui.menu.zoom_in",
            self.act_zoom_out: "ui.menu.zoom_out", self.act_zoom_layer: "ui.menu.zoom_layer",
            self.act_zoom_selection: "ui.menu.zoom_selection", self.act_legend: "ui.menu.legend",
            self.act_analyse: "ui.menu.analyse", self.act_recalculate: "ui.menu.recalculate",
            self.act_delete: "ui.menu.delete", self.act_edit_attributes: "ui.menu.edit_attributes",
            self.act_clear_selection: "ui.menu.clear_selection",
        }
        for act, key in texts.items():
            act.setText(tr(key))
            tip = tr(key + "_tip")
            act.setToolTip(tip if not tip.endswith("_tip") else act.text().replace("&", ""))
        # the toolbar shows short words (a 1366-px laptop shows the whole toolbar in English too)
        for act, key in ((self.act_open, "open"), (self.act_save, "save"), (self.act_import, "import"),
                         (self.act_analyse, "analyse"), (self.act_export, "export"),
                         (self.act_edit_attributes, "edit_attributes"), (self.act_delete, "delete"),
                         (self.act_zoom_full, "zoom_full"), (self.act_zoom_layer, "zoom_layer"),
                         (self.act_zoom_selection, "zoom_selection")):
            act.setIconText(tr(f"ui.toolbar.{key}"))
        self._update_undo_texts()
        self.act_briefing.setText(tr("brief.menu.briefing"))
        self.act_briefing.setToolTip(tr("brief.menu.briefing_tip"))
        for tool, act in self.act_tool.items():
            act.setText(tr(f"ui.tool.{tool}"))
            act.setToolTip(tr(f"ui.tool.tip.{tool}"))
        self.editor.stack.setUndoLimit(200)
        self.layer_dock.setWindowTitle(tr("ui.dock.layers"))
        self.table_dock.setWindowTitle(tr("ui.dock.table"))
        self.identify_dock.setWindowTitle(tr("ui.dock.identify"))
        self.priority_dock.setWindowTitle(tr("ui.dock.priority"))
        self.charts_dock.setWindowTitle(tr("ui.dock.charts"))
        self.ledger_dock.setWindowTitle(tr("ui_ledger.dock"))
        self.act_ledger_panel.setText(tr("ui_ledger.dock"))
        self.act_layers.setText(tr("ui.menu.layers_panel"))
        self.act_table.setText(tr("ui.dock.table"))
        self.act_identify_panel.setText(tr("ui.dock.identify"))
        self.act_priority_panel.setText(tr("ui.dock.priority"))
        self.act_charts_panel.setText(tr("ui.dock.charts"))
        if self.patrol_dock is not None:
            self.patrol_dock.setWindowTitle(tr("ui_pe.patrol.title"))
            self.act_patrol_panel.setText(tr("ui_pe.patrol.title"))
            if hasattr(self.patrol_panel, "retranslate"):
                self.patrol_panel.retranslate()
        self.act_lang["zh_CN"].setText(tr("ui.menu.lang_zh"))
        self.act_lang["en"].setText(tr("ui.menu.lang_en"))
        self.act_lang.get(current_language(), self.act_lang["zh_CN"]).setChecked(True)
        for name, act in self.act_theme.items():
            act.setText(self.style.themes[name].label())
            act.setChecked(name == self.style.theme_name)
        self.crs_label.setText(tr("ui.status.crs", crs=self.project.crs_code)
                               if self.project is not None and self.project.crs is not None else "")
        if self.canvas.view is not None:
            self._show_scale(self.canvas.view)
        else:
            self.scale_label.setText("")
        self._clear_cursor()
        self._fill_add_kinds()
        self.table_panel.retranslate()
        self.identify_panel.retranslate()
        self.priority_panel.retranslate()
        self.charts_panel.retranslate()
        self.ledger_panel.retranslate()
        if self.editor.stale:
            self._on_stale_changed(self.editor.stale)
        self.task_cancel.setText(tr("ui.analysis.cancel"))
        self._update_actions()

    # -- status bar ----------------------------------------------------------------------------------
    def _show_cursor(self, x: float, y: float) -> None:
        self.coord_label.setText(tr("ui.status.coords", x=f"{x:,.1f}", y=f"{y:,.1f}"))
        if self._to_lonlat is not None:
            lon, lat = self._to_lonlat.transform(x, y)
            self.lonlat_label.setText(tr("ui.status.lonlat", lon=f"{lon:.6f}", lat=f"{lat:.6f}"))

    def _clear_cursor(self) -> None:
        self.coord_label.setText("")
        self.lonlat_label.setText("")

    def _show_scale(self, view) -> None:
        dpi = self.logicalDpiX() or 96
        self.scale_label.setText(tr("ui.status.scale", scale=f"{view.scale_denominator(dpi):,.0f}"))

    # -- closing -----------------------------------------------------------------------------------
    # -- online basemap (off by default; the only feature that may use the network) -------------------
    def _build_basemap_menu(self) -> None:
        self.menu_basemap = self.menu_view.addMenu("")
        self.basemap_group = QActionGroup(self)
        self.basemap_group.setExclusive(True)
        self.act_basemap: dict[str, QAction] = {}
        for name in BASEMAP_PROVIDERS:
            act = QAction(self)
            act.setCheckable(True)
            act.triggered.connect(lambda _checked=False, name=name: self.set_basemap(name, ask=True))
            self.basemap_group.addAction(act)
            self.menu_basemap.addAction(act)
            self.act_basemap[name] = act
            if name == "off":
                self.menu_basemap.addSeparator()
        self.basemap_name = "off"
        self.act_basemap["off"].setChecked(True)
        saved = str(self.settings.value(SETTINGS_BASEMAP, "off") or "off")
        if saved != "off" and saved in BASEMAP_PROVIDERS:
            self.set_basemap(saved, ask=False)  # the user turned it on in an earlier session

    def set_basemap(self, name: str, *, ask: bool = False) -> bool:
        """Show the online basemap ``name`` ('off', 'osm', 'tianditu', 'custom') under the map.

        With ``ask``, a missing 天地图 key or custom URL is asked for (and kept in the settings);
        without, a missing one leaves the basemap off. Returns whether ``name`` is now shown.
        """
        from PyQt6.QtWidgets import QInputDialog, QLineEdit

        from fireriskmap.ui import basemap

        sources = None
        if name == "osm":
            sources = basemap.osm_sources()
        elif name == "tianditu":
            key = str(self.settings.value(SETTINGS_TIANDITU_KEY, "") or "").strip()
            if not key and ask:
                key, ok = QInputDialog.getText(self, tr("ui_basemap.key_title"), tr("ui_basemap.key_prompt"),
                                               QLineEdit.EchoMode.Normal, "")
                key = key.strip() if ok else ""
                if key:
                    self.settings.setValue(SETTINGS_TIANDITU_KEY, key)
            if key:
                sources = basemap.tianditu_sources(key)
        elif name == "custom":
            url = str(self.settings.value(SETTINGS_BASEMAP_URL, "") or "").strip()
            if ask:
                url, ok = QInputDialog.getText(self, tr("ui_basemap.url_title"), tr("ui_basemap.url_prompt"),
                                               QLineEdit.EchoMode.Normal, url)
                url = url.strip() if ok else ""
                if url and not basemap.valid_template(url):
                    QMessageBox.warning(self, tr("ui_basemap.url_title"), tr("ui_basemap.url_invalid"))
                    url = ""
                if url:
                    self.settings.setValue(SETTINGS_BASEMAP_URL, url)
            if url and basemap.valid_template(url):
                sources = basemap.custom_sources(url)
        if sources is None:
            name = "off"
        self.canvas.set_basemap(basemap.BasemapLayer(sources, parent=self) if sources else None)
        self.basemap_name = name
        self.act_basemap[name].setChecked(True)
        self.settings.setValue(SETTINGS_BASEMAP, name)
        return name != "off"

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.settings.setValue(SETTINGS_GEOMETRY, self.saveGeometry())
        self.settings.setValue(SETTINGS_STATE, self.saveState(DOCK_STATE_VERSION))
        self.autosave_timer.stop()
        self.runner.cancel_all()
        self.runner.wait(10000)
        self.canvas.shutdown()
        super().closeEvent(event)


def show_open_error(parent: QWidget | None, path: str | Path, exc: BaseException | None) -> None:
    """A translated message box saying why a project could not be opened."""
    if exc is None or isinstance(exc, FileNotFoundError):
        from fireriskmap.paths import demo_project_path

        key = "ui.error.demo_missing" if Path(path) == demo_project_path() else "ui.error.open_failed"
    else:
        key = "ui.error.open_failed"
    problem = str(exc) if exc is not None else ""
    if isinstance(exc, FileNotFoundError) and not problem:
        problem = str(path)
    QMessageBox.warning(parent, tr("ui.error.open_title"), tr(key, path=str(path), problem=problem))
