"""The main window: map canvas in the centre, layer list dock, coordinates in the status bar."""

from __future__ import annotations

import logging
from pathlib import Path

from pyproj import Transformer
from PyQt6.QtCore import QSettings, Qt
from PyQt6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PyQt6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox,
                             QWidget)

from fireriskmap.i18n import current_language, normalise_language, set_language, tr
from fireriskmap.render import MapRenderer, MapStyle, default_style
from fireriskmap.ui.canvas import MapCanvas
from fireriskmap.ui.layer_panel import LayerPanel
from fireriskmap.ui.theme import apply_theme

log = logging.getLogger(__name__)

SETTINGS_LANGUAGE = "language"
SETTINGS_THEME = "theme"
SETTINGS_LAST_DIR = "last_dir"
SETTINGS_GEOMETRY = "main_window/geometry"
SETTINGS_STATE = "main_window/state"
LONLAT_CRS = "EPSG:4490"  # CGCS2000 geographic (≈ WGS84 to within centimetres)


class MainWindow(QMainWindow):
    """The application window for one project (``None``: an empty window with File → Open).

    Parameters
    ----------
    project
        The :class:`~fireriskmap.core.project.Project` to show.
    settings
        Where the language, theme and window layout persist (default: ``QSettings()``).
    style
        Map style (default: the shipped one); the theme stored in ``settings`` is applied to it.
    """

    def __init__(self, project=None, *, settings: QSettings | None = None, style: MapStyle | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.project = None
        self._to_lonlat: Transformer | None = None
        base = style or default_style()
        theme = str(self.settings.value(SETTINGS_THEME, "") or "")
        self.style = base.with_theme(theme) if theme in base.themes else base

        self.canvas = MapCanvas(parent=self)
        self.setCentralWidget(self.canvas)
        self.layer_panel = LayerPanel(self)
        self.layer_dock = QDockWidget(self)
        self.layer_dock.setObjectName("layers_dock")
        self.layer_dock.setWidget(self.layer_panel)
        self.layer_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                                    | QDockWidget.DockWidgetFeature.DockWidgetClosable
                                    | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.layer_dock)
        self.resizeDocks([self.layer_dock], [250], Qt.Orientation.Horizontal)

        self.coord_label = QLabel(self)
        self.lonlat_label = QLabel(self)
        self.scale_label = QLabel(self)
        self.crs_label = QLabel(self)
        for lab in (self.coord_label, self.lonlat_label, self.scale_label, self.crs_label):
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.statusBar().addPermanentWidget(lab)
        self.coord_label.setMinimumWidth(230)
        self.lonlat_label.setMinimumWidth(230)

        self._build_actions()
        self._build_menus()

        self.layer_panel.visibility_changed.connect(self.canvas.set_layer_visible)
        self.canvas.cursor_moved.connect(self._show_cursor)
        self.canvas.cursor_left.connect(self._clear_cursor)
        self.canvas.view_changed.connect(self._show_scale)

        self.set_project(project)
        self.retranslate()
        self.resize(1280, 820)
        geometry = self.settings.value(SETTINGS_GEOMETRY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value(SETTINGS_STATE)
        if state is not None:
            self.restoreState(state)

    # -- building ------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.act_open = QAction(self)
        self.act_open.setShortcut(QKeySequence.StandardKey.Open)
        self.act_open.triggered.connect(self.open_project_dialog)
        self.act_quit = QAction(self)
        self.act_quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.act_quit.triggered.connect(self.close)
        self.act_zoom_full = QAction(self)
        self.act_zoom_full.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.act_zoom_full.triggered.connect(self.canvas.zoom_full)
        self.act_zoom_in = QAction(self)
        self.act_zoom_in.setShortcut(QKeySequence.StandardKey.ZoomIn)
        self.act_zoom_in.triggered.connect(lambda: self.canvas.zoom_by(2.0))
        self.act_zoom_out = QAction(self)
        self.act_zoom_out.setShortcut(QKeySequence.StandardKey.ZoomOut)
        self.act_zoom_out.triggered.connect(lambda: self.canvas.zoom_by(0.5))
        self.act_legend = QAction(self)
        self.act_legend.setCheckable(True)
        self.act_legend.toggled.connect(self.canvas.set_show_legend)
        self.act_layers = self.layer_dock.toggleViewAction()

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
        self.menu_file.addAction(self.act_open)
        self.menu_file.addSeparator()
        self.menu_file.addAction(self.act_quit)
        self.menu_view = bar.addMenu("")
        for act in (self.act_zoom_full, self.act_zoom_in, self.act_zoom_out):
            self.menu_view.addAction(act)
        self.menu_view.addSeparator()
        self.menu_view.addAction(self.act_legend)
        self.menu_view.addAction(self.act_layers)
        self.menu_theme = self.menu_view.addMenu("")
        for act in self.act_theme.values():
            self.menu_theme.addAction(act)
        self.menu_language = bar.addMenu("")
        for act in self.act_lang.values():
            self.menu_language.addAction(act)

    # -- project ---------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """Show ``project`` (or nothing for None); listens to its layer events."""
        if self.project is not None:
            self.project.events.disconnect("layer_changed", self._on_layers_changed)
            self.project.events.disconnect("layer_removed", self._on_layers_changed)
        self.project = project
        self._to_lonlat = None
        if project is not None:
            project.events.connect("layer_changed", self._on_layers_changed)
            project.events.connect("layer_removed", self._on_layers_changed)
            try:
                self._to_lonlat = Transformer.from_crs(project.crs, LONLAT_CRS, always_xy=True)
            except Exception:  # pragma: no cover - pyproj knows every metric CRS we allow
                log.exception("no lon/lat transform for %s", project.crs)
            self.canvas.set_renderer(MapRenderer(project, self.style))
        else:
            self.canvas.set_renderer(None)
        self._refresh_layers()
        self.retranslate()

    def open_project_file(self, path: str | Path) -> bool:
        """Open the project at ``path``; on failure show a translated message and return False."""
        from fireriskmap.core.project import Project

        path = Path(path)
        try:
            project = Project.open(path)
        except Exception as exc:  # any reason: show it, keep the current project
            log.warning("cannot open %s: %s", path, exc)
            show_open_error(self, path, exc)
            return False
        self.settings.setValue(SETTINGS_LAST_DIR, str(path.parent))
        self.set_project(project)
        self.statusBar().showMessage(tr("ui.status.opened", path=str(path)), 5000)
        return True

    def open_project_dialog(self) -> None:
        start = str(self.settings.value(SETTINGS_LAST_DIR, "") or "")
        path, _ = QFileDialog.getOpenFileName(self, tr("ui.open.title"), start, tr("ui.open.filter"))
        if path:
            self.open_project_file(path)

    def _on_layers_changed(self, **_payload) -> None:
        if self.canvas.renderer is not None:
            self.canvas.set_renderer(self.canvas.renderer, zoom_full=self.canvas.view is None)
        self._refresh_layers()

    def _refresh_layers(self) -> None:
        renderer = self.canvas.renderer
        visible = {k: self.canvas.is_layer_visible(k) for k in (renderer.project.layers if renderer else {})}
        self.layer_panel.populate(renderer, visible, current_language())

    # -- language and theme ---------------------------------------------------------------------
    def set_language(self, lang: str) -> None:
        """Switch the UI language, remember it, and retranslate everything visible."""
        lang = set_language(normalise_language(lang))
        self.settings.setValue(SETTINGS_LANGUAGE, lang)
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
        self._refresh_layers()
        self.retranslate()

    def retranslate(self) -> None:
        """Set every visible text in the current language."""
        app = tr("ui.app_name")
        if self.project is not None:
            name = self.project.name or (self.project.path.stem if self.project.path else tr("ui.untitled"))
            self.setWindowTitle(tr("ui.title", app=app, project=name))
        else:
            self.setWindowTitle(tr("ui.title_no_project", app=app))
        self.menu_file.setTitle(tr("ui.menu.file"))
        self.menu_view.setTitle(tr("ui.menu.view"))
        self.menu_theme.setTitle(tr("ui.menu.theme"))
        self.menu_language.setTitle(tr("ui.menu.language"))
        self.act_open.setText(tr("ui.menu.open"))
        self.act_quit.setText(tr("ui.menu.quit"))
        self.act_zoom_full.setText(tr("ui.menu.zoom_full"))
        self.act_zoom_in.setText(tr("ui.menu.zoom_in"))
        self.act_zoom_out.setText(tr("ui.menu.zoom_out"))
        self.act_legend.setText(tr("ui.menu.legend"))
        self.layer_dock.setWindowTitle(tr("ui.dock.layers"))
        self.act_layers.setText(tr("ui.menu.layers_panel"))
        self.act_lang["zh_CN"].setText(tr("ui.menu.lang_zh"))
        self.act_lang["en"].setText(tr("ui.menu.lang_en"))
        self.act_lang.get(current_language(), self.act_lang["zh_CN"]).setChecked(True)
        for name, act in self.act_theme.items():
            act.setText(self.style.themes[name].label())
            act.setChecked(name == self.style.theme_name)
        self.crs_label.setText(tr("ui.status.crs", crs=self.project.crs_code) if self.project is not None else "")
        if self.canvas.view is not None:
            self._show_scale(self.canvas.view)
        else:
            self.scale_label.setText("")
        self._clear_cursor()

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
    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue(SETTINGS_GEOMETRY, self.saveGeometry())
        self.settings.setValue(SETTINGS_STATE, self.saveState())
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
