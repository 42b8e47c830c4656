"""The full-screen briefing window (数据大屏) and its guided tour.

Keys (a presenter clicker sends PageDown/PageUp):

=====================  ==================================================
→ PageDown Space       next priority area (the map flies there)
← PageUp Backspace     previous area (from the first: the overview)
Home                   overview
1 … 5                  risk levels, flagged clusters, water gaps, fire forces, patrol routes
S                      save a snapshot of the KPIs (changes are shown against it)
Esc                    leave
=====================  ==================================================
"""

from __future__ import annotations

import math
import time
from typing import Callable

from PyQt6.QtCore import QEasingCurve, QEventLoop, Qt, QTimer, QVariantAnimation, pyqtSignal
from PyQt6.QtGui import QColor, QKeyEvent, QPainter, QPalette, QPen
from PyQt6.QtWidgets import QApplication, QWidget

from fireriskmap.export.briefing_data import briefing_model, take_snapshot
from fireriskmap.export.data import export_style
from fireriskmap.i18n import tr
from fireriskmap.render import MapRenderer, MapView, default_style
from fireriskmap.ui.briefing.layout import compute_layout
from fireriskmap.ui.briefing.style import bright_level_outlines, load_wall, wall_style
from fireriskmap.ui.briefing.widgets import (AreaCard, Banner, Card, FitLabel, KpiCard, LevelCard, LevelChart,
                                             PriorityList, ToggleButton, VillageChart, share_size)
from fireriskmap.ui.canvas import MapCanvas

# The five map toggles: key, layers they show, swatch colour (key of the wall panel colours or #rgb)
TOGGLES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("risk", ("risk_areas",), "#e53935"),
    ("clusters", ("clusters",), "#ff5252"),
    ("gaps", ("coverage_gaps", "proposed_hydrants", "hydrants", "water_sources"), "#ff4081"),
    ("stations", ("fire_stations",), "#ff7043"),
    ("patrol", ("patrol_routes", "patrol_stops"), "#ea80fc"),
)
BASE_LAYERS = ("villages", "roads", "buildings")
FLY_MS = 900


class BriefingCanvas(MapCanvas):
    """The shared map canvas; the toured area is outlined (a glow, no fill, so its level colour stays)."""

    highlight_colour = QColor("#00e5ff")
    highlight_width = 4.0

    def _paint_highlight(self, painter: QPainter, paths) -> None:
        glow = QColor(self.highlight_colour)
        glow.setAlpha(90)
        for colour, width in ((glow, self.highlight_width * 3), (self.highlight_colour, self.highlight_width)):
            pen = QPen(colour, width)
            pen.setCosmetic(True)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            for _kind, path in paths:
                painter.strokePath(path, pen)


class BriefingWindow(QWidget):
    """The briefing screen of a project.

    Parameters
    ----------
    project
        The :class:`~fireriskmap.core.project.Project` shown (risk and patrol results are used when present).
    top
        Number of priority areas listed and toured.
    save_callback
        Called after a snapshot is taken (the CLI saves the project file; the app marks it changed).
    animate
        Fly between areas (False: jump, for PNG export and tests).
    """

    step_changed = pyqtSignal(int)  # -1: overview

    def __init__(self, project, *, style=None, top: int = 10, date=None, lang: str | None = None,
                 save_callback: Callable[[], None] | None = None, animate: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.top = top
        self.date = date
        self.lang = lang
        self.save_callback = save_callback
        self.animate = animate
        self.look = load_wall()
        self._base_style = style or default_style()
        self._style_unit = None
        self.index = -1
        self.last_step_ms = 0.0
        self.setWindowTitle("")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, QColor(self.look.panel["background"]))
        self.setPalette(pal)

        c = self.look.panel
        self.banner = Banner(self.look, self)
        self.level_card = LevelCard(self.look, self)
        self.kpi_cards = [KpiCard(self.look, self) for _ in range(6)]
        self.map_card = Card(self.look, self)
        self.canvas = BriefingCanvas(parent=self.map_card)
        self.canvas.highlight_colour = QColor(c["highlight"])
        self.canvas.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.canvas.show_decorations = True
        self.map_title = FitLabel(self.map_card, bold=True, colour=c["card_title"])
        self.toggles: dict[str, ToggleButton] = {}
        for i, (key, _layers, colour) in enumerate(TOGGLES):
            btn = ToggleButton(key, colour, self.look, self.map_card)
            btn.toggled.connect(lambda on, key=key: self._apply_toggle(key, on))
            self.toggles[key] = btn
        self.priority_list = PriorityList(self.look, self)
        self.priority_list.activated.connect(self.go_to)
        self.level_chart = LevelChart(self.look, self)
        self.village_chart = VillageChart(self.look, self)
        self.area_card = AreaCard(self.look, self)
        self.hints = FitLabel(self, colour=c["muted"])
        self.status = FitLabel(self, colour=c["accent"], align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.snapshot_button = ToggleButton("snapshot", c["accent"], self.look, self)
        self.snapshot_button.setCheckable(False)
        self.snapshot_button.clicked.connect(self.save_snapshot)
        self._anim = QVariantAnimation(self)
        self._anim.setEasingCurve(QEasingCurve.Type.InOutCubic)
        self._anim.valueChanged.connect(self._fly_frame)
        self._anim.finished.connect(self._fly_done)
        self._fly_from: MapView | None = None
        self._fly_to: MapView | None = None
        self._fly_full = False
        self.model = None
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(300)
        self._reload_timer.timeout.connect(self._project_changed)
        self._watching = False
        self.reload()
        self.resize(1920, 1080)
        self._watch(True)

    # -- following the project (the workspace may re-run an analysis while the briefing is shown) -------
    _EVENTS = ("layer_changed", "layer_removed", "settings_changed")

    def _watch(self, on: bool) -> None:
        events = getattr(self.project, "events", None)
        if events is None or on == self._watching:
            return
        for name in self._EVENTS:
            (events.connect if on else events.disconnect)(name, self._on_project_event)
        self._watching = on

    def _on_project_event(self, *_args, **_payload) -> None:
        self._reload_timer.start()

    def _project_changed(self) -> None:
        self._style_unit = None  # level colours and classes may have changed
        self.reload()
        self.relayout()
        self.canvas.layers_changed()

    # -- content ---------------------------------------------------------------------------------
    def reload(self) -> None:
        """Recompute the model from the project and fill every part of the screen."""
        self.model = briefing_model(self.project, top=self.top, lang=self.lang, date=self.date)
        m = self.model
        self.setWindowTitle(tr("brief.ui.window_title", lang=self.lang, town=m.township))
        self.banner.title.setText(m.title)
        self.banner.date.setText(m.date_text)
        self.banner.season.setText(tr("brief.ui.season", lang=self.lang, season=m.season_text))
        by_key = {k.key: k for k in m.kpis}
        self.level_card.set_kpi(by_key["levels"])
        any_delta = any(k.delta is not None for k in m.kpis)
        for card, key in zip(self.kpi_cards, ("households_flagged", "water_share", "share_5min", "chimney",
                                              "major_hazards_open", "patrol_coverage")):
            card.reserve_delta = any_delta
            card.set_kpi(by_key[key])
        self.priority_list.set_items(m.priorities, tr("brief.ui.priorities", lang=self.lang, n=len(m.priorities))
                                     if m.priorities else tr("brief.ui.priorities_none", lang=self.lang),
                                     tr("brief.ui.no_risk_list", lang=self.lang))
        self.level_chart.set_items(m.level_chart, tr("brief.ui.chart_levels", lang=self.lang),
                                   tr("brief.ui.no_risk_list", lang=self.lang))
        self.village_chart.set_items(m.village_chart, tr("brief.ui.chart_villages", lang=self.lang),
                                     tr("brief.ui.chart_legend", lang=self.lang),
                                     tr("brief.ui.no_village_results" if self.project.has_layer("villages")
                                        else "brief.ui.no_villages", lang=self.lang))
        self.map_title.setText(tr("brief.ui.map_title", lang=self.lang))
        for i, (key, _layers, _c) in enumerate(TOGGLES):
            self.toggles[key].setText(f"{i + 1}  {tr(f'brief.ui.toggle.{key}', lang=self.lang)}")
            self.toggles[key].refit()
        self.hints.setText(tr("brief.ui.keys", lang=self.lang))
        self.snapshot_button.setText(tr("brief.ui.snapshot", lang=self.lang))
        self.snapshot_button.refit()
        if self.index >= len(m.steps):
            self.index = len(m.steps) - 1
        self._update_mode_texts()
        if self.index >= 0:
            self.area_card.set_step(m.steps[self.index], self.index, len(m.steps))

    def _update_mode_texts(self) -> None:
        m = self.model
        if self.index < 0:
            self.banner.mode.setText(tr("brief.ui.overview", lang=self.lang))
        else:
            self.banner.mode.setText(tr("brief.ui.step", lang=self.lang, i=self.index + 1, n=len(m.steps)))
        self.banner.sub.setText(tr("brief.ui.snapshot_ref", lang=self.lang, date=m.snapshot_date)
                                if m.snapshot_date else tr("brief.ui.no_snapshot", lang=self.lang))

    # -- map ------------------------------------------------------------------------------------------
    def _ensure_renderer(self, unit: float) -> None:
        if self._style_unit is not None and abs(self._style_unit - unit) < 0.05:
            return
        first = self.canvas.renderer is None
        self._style_unit = unit
        style = bright_level_outlines(export_style(self.project, wall_style(self._base_style, scale=unit,
                                                                                look=self.look)))
        self.canvas.set_renderer(MapRenderer(self.project, style), zoom_full=first)
        self.canvas.set_language(self.lang)
        for kind in list(self.project.layers):
            self.canvas.set_layer_visible(kind, self._wanted_visible(kind))

    def _wanted_visible(self, kind: str) -> bool:
        if kind in BASE_LAYERS:
            return True
        for key, layers, _c in TOGGLES:
            if kind in layers:
                return self.toggles[key].isChecked()
        return False

    def _apply_toggle(self, key: str, on: bool) -> None:
        for k, layers, _c in TOGGLES:
            if k == key:
                for kind in layers:
                    self.canvas.set_layer_visible(kind, on)

    def toggle(self, number: int) -> None:
        """Switch map layer group ``number`` (1–5) on or off."""
        if 1 <= number <= len(TOGGLES):
            btn = self.toggles[TOGGLES[number - 1][0]]
            btn.setChecked(not btn.isChecked())

    def layer_visible(self, kind: str) -> bool:
        return self.canvas.is_layer_visible(kind)

    # -- layout -----------------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.relayout()

    def relayout(self) -> None:
        lay = compute_layout(max(self.width(), 200), max(self.height(), 150), tour=self.index >= 0)
        self.layout_info = lay
        u = lay.unit
        self._ensure_renderer(u)
        r = lay.rects
        for w in (self.banner, self.level_card, *self.kpi_cards, self.map_card, self.priority_list,
                  self.level_chart, self.village_chart, self.area_card):
            w.unit = u
            if isinstance(w, Card):
                w.set_unit(u)
        self.banner.setGeometry(r["banner"])
        self.banner._place()
        self.level_card.setGeometry(r["kpi_levels"])
        self.level_card._place()
        for card, cell in zip(self.kpi_cards, lay.kpi_cells):
            card.setGeometry(cell)
            card._place()
        share_size([self.level_card.title] + [c.title for c in self.kpi_cards])
        share_size([c.value for c in self.kpi_cards])
        share_size([c.delta for c in self.kpi_cards if c.delta.isVisibleTo(self)])
        share_size([c.note for c in self.kpi_cards])
        self.map_card.setGeometry(r["map"])
        self._place_map(lay)
        for widget, key in ((self.priority_list, "list"), (self.level_chart, "chart_levels"),
                            (self.village_chart, "chart_villages"), (self.area_card, "card")):
            if key in r:
                widget.setGeometry(r[key])
                widget.show()
            else:
                widget.hide()
        self.priority_list._place()
        self.level_chart._place()
        self.village_chart._place()
        if self.index >= 0:
            self.area_card._place()
        f = r["footer"]
        button_w = lay.px(220)
        status_w = round(f.width() * 0.26)
        self.hints.setGeometry(f.left(), f.top(), f.width() - button_w - status_w - lay.px(24), f.height())
        self.status.setGeometry(f.right() - button_w - status_w - lay.px(12), f.top(), status_w, f.height())
        self.snapshot_button.max_px = round(20 * u)
        self.snapshot_button.setGeometry(f.right() + 1 - button_w, f.top() + lay.px(3), button_w, f.height() - lay.px(6))
        self.snapshot_button.refit()
        self.hints.set_sizes(20 * u, 9 * u)
        self.status.set_sizes(20 * u, 9 * u)

    def _place_map(self, lay) -> None:
        u = lay.unit
        w, h = self.map_card.width(), self.map_card.height()
        p = lay.px(10)
        title_h = lay.px(40)
        bar_h = lay.px(48)
        self.map_title.setGeometry(p + lay.px(6), p, w - 2 * p, title_h)
        self.map_title.set_sizes(24 * u, 11 * u)
        self.canvas.setGeometry(p, p + title_h + lay.px(4), w - 2 * p, h - 2 * p - title_h - bar_h - lay.px(12))
        gap = lay.px(8)
        n = len(TOGGLES)
        bw = (w - 2 * p - (n - 1) * gap) / n
        for i, (key, _l, _c) in enumerate(TOGGLES):
            btn = self.toggles[key]
            btn.max_px = round(20 * u)
            x = round(p + i * (bw + gap))
            btn.setGeometry(x, h - p - bar_h, round(p + (i + 1) * bw + i * gap) - x, bar_h)
            btn.refit()
        share_size(list(self.toggles.values()))

    # -- the tour ---------------------------------------------------------------------------------------
    @property
    def steps(self):
        return self.model.steps if self.model is not None else []

    def go_to(self, index: int) -> None:
        """Show tour step ``index`` (0-based) or the overview (-1)."""
        t0 = time.perf_counter()
        steps = self.steps
        index = max(-1, min(int(index), len(steps) - 1))
        was_tour = self.index >= 0
        self.index = index
        if index >= 0:
            self.area_card.set_step(steps[index], index, len(steps))
        self.priority_list.set_current(index)
        self._update_mode_texts()
        if (index >= 0) != was_tour or index >= 0:
            self.relayout()
        if index >= 0:
            self.canvas.set_highlight("risk_areas", [steps[index].position])
            self._fly(steps[index].extent)
        else:
            self.canvas.set_highlight("", [])
            self._fly(None)
        self.last_step_ms = (time.perf_counter() - t0) * 1000
        self.step_changed.emit(index)

    def next_step(self) -> None:
        if self.index < len(self.steps) - 1:
            self.go_to(self.index + 1)

    def previous_step(self) -> None:
        if self.index >= 0:
            self.go_to(self.index - 1)

    def overview(self) -> None:
        self.go_to(-1)

    def _target_view(self, extent) -> MapView | None:
        cw, ch = max(self.canvas.width(), 1), max(self.canvas.height(), 1)
        if extent is None:
            full = self.canvas.renderer.full_extent() if self.canvas.renderer is not None else None
            return MapView.fit(full, cw, ch, margin=0.04) if full is not None else None
        return MapView.fit(extent, cw, ch, margin=0.06)

    def _fly(self, extent) -> None:
        self._anim.stop()
        target = self._target_view(extent)
        if target is None:
            return
        start = self.canvas.view
        self._fly_full = extent is None
        if not self.animate or start is None or not self.isVisible() or FLY_MS <= 0:
            self._fly_from = None
            self._fly_to = target
            self._fly_done()
            return
        self._fly_from = start.resized(target.width, target.height)
        self._fly_to = target
        self._anim.setDuration(FLY_MS)
        self._anim.setStartValue(0.0)
        self._anim.setEndValue(1.0)
        self._anim.start()

    def _fly_frame(self, value) -> None:
        a, b = self._fly_from, self._fly_to
        if a is None or b is None:
            return
        t = float(value)
        dist = math.hypot(b.cx - a.cx, b.cy - a.cy)
        span = max(a.mpp * a.width, b.mpp * b.width, 1.0)
        bump = 1.0 + min(0.6, dist / span) * math.sin(math.pi * t)  # zoom out a little on the way
        mpp = math.exp(math.log(a.mpp) * (1 - t) + math.log(b.mpp) * t) * bump
        view = MapView(a.cx + (b.cx - a.cx) * t, a.cy + (b.cy - a.cy) * t, mpp, b.width, b.height)
        self.canvas.set_view(view, render=False)

    def _fly_done(self) -> None:
        if self._fly_to is None:
            return
        if self._fly_full:
            self.canvas.zoom_full()
        else:
            self.canvas.set_view(self._fly_to)
        self.canvas.render_now()

    # -- snapshot ----------------------------------------------------------------------------------------
    def save_snapshot(self) -> None:
        entry = take_snapshot(self.project)
        if self.save_callback is not None:
            self.save_callback()
        self.reload()
        self.status.setText(tr("brief.ui.snapshot_saved", lang=self.lang, date=entry["date"]))

    # -- keys ------------------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        K = Qt.Key
        if key in (K.Key_Right, K.Key_PageDown, K.Key_Space, K.Key_Down):
            self.next_step()
        elif key in (K.Key_Left, K.Key_PageUp, K.Key_Backspace, K.Key_Up):
            self.previous_step()
        elif key == K.Key_Home:
            self.overview()
        elif key == K.Key_End:
            self.go_to(len(self.steps) - 1)
        elif key == K.Key_Escape:
            self.close()
        elif K.Key_1.value <= key <= K.Key_5.value:
            self.toggle(key - K.Key_0.value)
        elif key == K.Key_S:
            self.save_snapshot()
        else:
            super().keyPressEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.activateWindow()
        self.setFocus()

    def closeEvent(self, event) -> None:
        self._watch(False)
        self._reload_timer.stop()
        self._anim.stop()
        self.canvas.shutdown()
        super().closeEvent(event)

    # -- export ------------------------------------------------------------------------------------------------
    def wait_for_map(self, timeout_s: float = 60.0) -> bool:
        """Process events until the map image of the current view is finished; False on timeout."""
        app = QApplication.instance()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            if (self._anim.state() != QVariantAnimation.State.Running and not self.canvas.is_rendering()
                    and self.canvas._image is not None and self.canvas._image_view is not None
                    and self.canvas.view is not None
                    and self.canvas._image_view == self.canvas.view.resized(self.canvas.width(), self.canvas.height())):
                app.processEvents()
                return True
            time.sleep(0.005)
        return False

    def save_png(self, path, *, timeout_s: float = 120.0) -> bool:
        """Wait for the map, then save the whole screen as a PNG at the window's pixel size."""
        self.wait_for_map(timeout_s)
        image = self.grab().toImage()
        return image.save(str(path), "PNG")
