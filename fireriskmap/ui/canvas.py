"""The map canvas: renders in a worker thread, pans and zooms the last image meanwhile (DESIGN §5).

Like QGIS's map canvas, the widget never draws features itself. A :class:`_RenderJob` on a
private ``QThreadPool`` asks the :class:`~fireriskmap.render.MapRenderer` for a ``QImage`` of the
current view; while the user drags or turns the wheel, ``paintEvent`` shows the last finished image
moved and scaled to the new view, and swaps in the new image when it arrives. Newer requests cancel
older ones (the renderer checks between layers) and stale results are dropped.

The scale bar and north arrow are drawn on top in ``paintEvent`` by the renderer's own decoration
code, so they stay put while the map image moves.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import shapely
from PyQt6.QtCore import (QObject, QPointF, QRectF, QRunnable, QSize, Qt, QThreadPool, QTimer,
                          pyqtSignal)
from PyQt6.QtGui import (QBrush, QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPainterPath, QPaintEvent,
                         QPen, QResizeEvent, QTransform, QWheelEvent)
from PyQt6.QtWidgets import QSizePolicy, QWidget

from fireriskmap.i18n import tr
from fireriskmap.render import MapRenderer, MapView
from fireriskmap.render.decorations import draw_message
from fireriskmap.render.paths import chunked_paths, line_parts, point_coords, polygon_rings
from fireriskmap.render.renderer import layer_geometry
from fireriskmap.render.symbols import qcolor

log = logging.getLogger(__name__)

WHEEL_STEP = 2 ** 0.5  # zoom factor per wheel notch
RENDER_DELAY_MS = 120  # wait this long after the last change before rendering
CLICK_SLOP_PX = 4  # a press and release closer than this is a click, not a drag
PICK_TOLERANCE_PX = 7  # how far from a point or line a click still hits it
HIGHLIGHT_MAX_FEATURES = 60000  # selected features drawn on top (more: the first ones in view)
HIGHLIGHT_COLOUR = QColor(0, 229, 255)  # cyan: stands out on the warm risk colours, light and dark

TOOLS = ("pan", "select", "add", "move")


class _RenderSignals(QObject):
    finished = pyqtSignal(int, object, object, float)  # job id, QImage or None, MapView, ms


class _RenderJob(QRunnable):
    """Renders one view of the map into a QImage on a pool thread."""

    def __init__(self, job_id: int, renderer: MapRenderer, view: MapView, layers: list[str],
                 lang: str | None, dpr: float, legend: bool, transparent: bool = False) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the canvas keeps it until its result is delivered
        self.job_id = job_id
        self.renderer = renderer
        self.view = view
        self.layers = layers
        self.lang = lang
        self.dpr = dpr
        self.legend = legend
        self.transparent = transparent  # an online basemap shows through: no background fill
        self.signals = _RenderSignals()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:  # pool thread
        t0 = time.perf_counter()
        image = None
        try:
            if not self._cancel.is_set():
                v = self.view
                device_view = MapView(v.cx, v.cy, v.mpp / self.dpr, v.width * self.dpr, v.height * self.dpr)
                if self.transparent:
                    image = self._render_transparent(device_view)
                else:
                    image = self.renderer.render_image(
                        round(device_view.width), round(device_view.height), device_view, layers=self.layers,
                        dpi=96.0 * self.dpr, lang=self.lang, decorations=False, legend=False,
                        device_pixel_ratio=self.dpr, should_stop=self._cancel.is_set)
                if self._cancel.is_set():
                    image = None
        except Exception:  # never let a render error kill the thread pool
            log.exception("map render failed")
            image = None
        self.signals.finished.emit(self.job_id, image, self.view, (time.perf_counter() - t0) * 1000)

    def _render_transparent(self, device_view: MapView) -> QImage:
        image = QImage(max(1, round(device_view.width)), max(1, round(device_view.height)),
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QColor(0, 0, 0, 0))
        painter = QPainter(image)
        try:
            self.renderer.render(painter, QRectF(0, 0, image.width(), image.height()), device_view,
                                 layers=self.layers, dpi=96.0 * self.dpr, lang=self.lang, decorations=False,
                                 legend=False, background=False, should_stop=self._cancel.is_set)
        finally:
            painter.end()
        if self.dpr != 1.0:
            image.setDevicePixelRatio(self.dpr)
        return image


class MapCanvas(QWidget):
    """A map view of a project: drag to pan, wheel to zoom about the cursor, Home for the full view.

    Signals
    -------
    cursor_moved(x, y)
        World coordinates (project CRS) under the mouse.
    view_changed(view)
        The :class:`MapView` after a pan, zoom or resize.
    rendered(ms)
        A new map image arrived (render time in milliseconds).
    """

    cursor_moved = pyqtSignal(float, float)
    cursor_left = pyqtSignal()
    view_changed = pyqtSignal(object)
    rendered = pyqtSignal(float)
    clicked = pyqtSignal(float, float, object)  # world x, y, keyboard modifiers
    rect_selected = pyqtSignal(object, object)  # (x0, y0, x1, y1) world, keyboard modifiers
    add_requested = pyqtSignal(float, float)
    point_moved = pyqtSignal(str, int, float, float)  # kind, position, new world x, y

    def __init__(self, renderer: MapRenderer | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self._renderer: MapRenderer | None = None
        self._view: MapView | None = None
        self._visibility: dict[str, bool] = {}
        self._image: QImage | None = None
        self._image_view: MapView | None = None
        self._drag_start: QPointF | None = None
        self._drag_view: MapView | None = None
        self._jobs: dict[int, _RenderJob] = {}
        self._job_id = 0
        self._lang: str | None = None
        self.show_legend = False
        self.show_decorations = True
        self._legend_groups = None
        self.last_render_ms = 0.0
        self._fit_on_resize = True  # until the user pans or zooms, a resize refits the full extent
        self._tool = "pan"
        self._press_pos: QPointF | None = None
        self._press_button = Qt.MouseButton.NoButton
        self._rubber: QRectF | None = None
        self._moving: tuple[str, int, float, float] | None = None  # kind, position, original x, y
        self._move_pos: QPointF | None = None
        self.move_picker = None  # callable(x, y, tolerance_m) -> (kind, position, x, y) or None
        self._highlight_kind = ""
        self._highlight_positions = np.empty(0, dtype=np.intp)
        self._highlight_paths: list[tuple[str, QPainterPath]] = []
        self._highlight_view: MapView | None = None
        self._basemap = None  # an online basemap layer (fireriskmap.ui.basemap), off by default
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RENDER_DELAY_MS)
        self._timer.timeout.connect(self._start_render)
        if renderer is not None:
            self.set_renderer(renderer)

    # -- state --------------------------------------------------------------------------------
    @property
    def renderer(self) -> MapRenderer | None:
        return self._renderer

    @property
    def view(self) -> MapView | None:
        return self._view

    def sizeHint(self) -> QSize:
        return QSize(900, 640)

    def set_renderer(self, renderer: MapRenderer | None, *, zoom_full: bool = True) -> None:
        """Show another project/style; keeps the layer visibility of kinds that stay."""
        self._invalidate()
        self._renderer = renderer
        self._image = None
        self._image_view = None
        if renderer is not None:
            kinds = list(renderer.project.layers)
            self._visibility = {k: self._visibility.get(k, renderer.style.layer(k).visible) for k in kinds}
        if zoom_full:
            self.zoom_full()
        else:
            self.refresh()

    def layers_changed(self) -> None:
        """The project's layers changed: re-render, keeping the current image until the new one."""
        if self._renderer is None:
            return
        kinds = list(self._renderer.project.layers)
        self._visibility = {k: self._visibility.get(k, self._renderer.style.layer(k).visible) for k in kinds}
        self._invalidate()
        self._rebuild_highlight()
        if self._view is None:
            self.zoom_full()
        else:
            self.refresh()

    @property
    def basemap(self):
        return self._basemap

    def set_basemap(self, layer) -> None:
        """Draw ``layer`` (a :class:`~fireriskmap.ui.basemap.BasemapLayer`) under the map; None: off."""
        if layer is self._basemap:
            return
        old = self._basemap
        if old is not None:
            try:
                old.updated.disconnect(self.update)
            except (TypeError, RuntimeError):
                pass
            old.shutdown()
        self._basemap = layer
        if layer is not None:
            layer.updated.connect(self.update)
        self._invalidate()  # the map image changes between opaque and transparent background
        self.refresh()

    def set_language(self, lang: str | None) -> None:
        self._lang = lang
        self.refresh()

    # -- tools -------------------------------------------------------------------------------------
    @property
    def tool(self) -> str:
        return self._tool

    def set_tool(self, tool: str) -> None:
        """'pan' (drag pans, click identifies), 'select' (drag a rectangle), 'add' (click adds a
        point), 'move' (drag a point to move it; elsewhere a drag pans)."""
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}")
        self._tool = tool
        self._rubber = None
        self._moving = None
        if tool in ("add", "select"):
            self.setCursor(Qt.CursorShape.CrossCursor)
        else:
            self.unsetCursor()
        self.update()

    def pick_tolerance(self) -> float:
        """Metres corresponding to :data:`PICK_TOLERANCE_PX` at the current view."""
        return PICK_TOLERANCE_PX * (self._view.mpp if self._view is not None else 1.0)

    # -- selection highlight -------------------------------------------------------------------------
    def set_highlight(self, kind: str, positions) -> None:
        """Draw the features at ``positions`` of layer ``kind`` highlighted on top of the map."""
        self._highlight_kind = kind or ""
        self._highlight_positions = np.asarray(positions, dtype=np.intp) if kind else np.empty(0, dtype=np.intp)
        self._rebuild_highlight()
        self.update()

    def _rebuild_highlight(self) -> None:
        """Paths of the selected features in view, in pixels of the current view (spatial index)."""
        self._highlight_paths = []
        self._highlight_view = None
        kind, positions = self._highlight_kind, self._highlight_positions
        if self._renderer is None or self._view is None or not kind or not len(positions):
            return
        gdf = self._renderer.project.layers.get(kind)
        if gdf is None or not len(gdf):
            return
        positions = positions[positions < len(gdf)]
        view = self._view.resized(max(self.width(), 1), max(self.height(), 1))
        x0, y0, x1, y1 = view.extent
        pad = 40 * view.mpp
        in_view = gdf.sindex.query(shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad))
        chosen = np.intersect1d(positions, in_view, assume_unique=False)[:HIGHLIGHT_MAX_FEATURES]
        if not len(chosen):
            self._highlight_view = view
            return
        geoms = np.asarray(gdf.geometry.values[chosen], dtype=object)
        geometry = layer_geometry(kind, gdf)
        paths: list[tuple[str, QPainterPath]] = []
        if geometry == "point":
            xy, _ = point_coords(geoms)
            if len(xy):
                px = view.to_px(xy)
                path = QPainterPath()
                for x, y in px:
                    path.addEllipse(QPointF(float(x), float(y)), 9.0, 9.0)
                paths.append(("point", path))
        elif geometry == "line":
            xy, part, feature = line_parts(geoms)
            if len(xy):
                for path in chunked_paths(view.to_px(xy), part, feature[part], chunk=500):
                    paths.append(("line", path))
        else:
            clipped = shapely.clip_by_rect(geoms, x0 - pad, y0 - pad, x1 + pad, y1 + pad)
            xy, ring, feature = polygon_rings(clipped)
            if len(xy):
                for path in chunked_paths(view.to_px(xy), ring, feature[ring], chunk=500):
                    paths.append(("polygon", path))
            # polygons smaller than a few pixels: a ring around their centre so they can be seen
            b = shapely.bounds(geoms)
            size_px = np.fmax(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / view.mpp
            small = size_px < 6
            if small.any():
                centres = view.to_px(np.column_stack([(b[small, 0] + b[small, 2]) / 2, (b[small, 1] + b[small, 3]) / 2]))
                path = QPainterPath()
                for x, y in centres:
                    path.addEllipse(QPointF(float(x), float(y)), 6.0, 6.0)
                paths.append(("point", path))
        self._highlight_paths = paths
        self._highlight_view = view

    def _draw_highlight(self, painter: QPainter) -> None:
        if not self._highlight_paths or self._highlight_view is None or self._view is None:
            return
        hv, view = self._highlight_view, self._view
        ix0, _, _, iy1 = hv.extent
        left, top = view.point_to_px(ix0, iy1)
        factor = hv.mpp / view.mpp
        painter.save()
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setTransform(QTransform(factor, 0, 0, factor, left, top))
            self._paint_highlight(painter, self._highlight_paths)
        finally:
            painter.restore()

    def _paint_highlight(self, painter: QPainter, paths: list[tuple[str, QPainterPath]]) -> None:
        """Paint the selection's paths (already in widget pixels): a tinted fill and an outline."""
        fill = QColor(HIGHLIGHT_COLOUR)
        fill.setAlpha(55)
        halo = QPen(QColor(0, 0, 0, 150), 4.5)
        halo.setCosmetic(True)
        pen = QPen(HIGHLIGHT_COLOUR, 2.5)
        pen.setCosmetic(True)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        for kind, path in paths:
            if kind == "polygon":
                painter.fillPath(path, QBrush(fill))
            painter.strokePath(path, halo)
            painter.strokePath(path, pen)

    def is_layer_visible(self, kind: str) -> bool:
        if kind not in self._visibility and self._renderer is not None:
            self._visibility[kind] = self._renderer.style.layer(kind).visible
        return self._visibility.get(kind, True)

    def set_layer_visible(self, kind: str, visible: bool) -> None:
        if self._visibility.get(kind) != visible:
            self._visibility[kind] = bool(visible)
            self.refresh()

    def visible_layers(self) -> list[str]:
        """Kinds drawn, in drawing order."""
        if self._renderer is None:
            return []
        kinds = [k for k in self._renderer.project.layers if self.is_layer_visible(k)]
        return self._renderer.layer_kinds(kinds)

    def set_show_legend(self, show: bool) -> None:
        self.show_legend = bool(show)
        self._legend_groups = None
        self.update()

    # -- view changes -------------------------------------------------------------------------
    def set_view(self, view: MapView, *, render: bool = True) -> None:
        self._fit_on_resize = False
        self._view = view
        self.view_changed.emit(view)
        self.update()
        if render:
            self.refresh()

    def zoom_full(self) -> None:
        """Show the whole project."""
        self._fit_on_resize = True
        extent = self._renderer.full_extent() if self._renderer is not None else None
        w, h = max(self.width(), 1), max(self.height(), 1)
        if extent is None:
            self._view = MapView(0.0, 0.0, 1.0, w, h) if self._renderer is not None else None
        else:
            self._view = MapView.fit(extent, w, h, margin=0.04)
        if self._view is not None:
            self.view_changed.emit(self._view)
        self.refresh()

    def zoom_to_extent(self, extent: tuple[float, float, float, float], *, margin: float = 0.05) -> None:
        """Show the world rectangle ``extent`` (x0, y0, x1, y1), keeping the aspect ratio."""
        if extent is None:
            return
        w, h = max(self.width(), 1), max(self.height(), 1)
        self.set_view(MapView.fit(extent, w, h, margin=margin))

    def zoom_by(self, factor: float, pos: QPointF | None = None) -> None:
        """Zoom in by ``factor`` (> 1) or out (< 1) keeping the point under ``pos`` fixed."""
        if self._view is None:
            return
        x, y = (pos.x(), pos.y()) if pos is not None else (None, None)
        self.set_view(self._view.zoomed(factor, x, y))

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the map by (dx, dy) widget pixels."""
        if self._view is not None:
            self.set_view(self._view.panned_px(dx, dy))

    def world_at(self, pos: QPointF) -> tuple[float, float] | None:
        return self._view.px_to_world(pos.x(), pos.y()) if self._view is not None else None

    def refresh(self) -> None:
        """Re-render soon (after the user stops moving the map)."""
        self._legend_groups = None
        self.update()
        if self._renderer is not None and self._view is not None:
            self._timer.start()

    # -- rendering ------------------------------------------------------------------------------
    def _start_render(self) -> None:
        if self._renderer is None or self._view is None or self.width() < 2 or self.height() < 2:
            return
        for job in self._jobs.values():
            job.cancel()
        self._job_id += 1
        job = _RenderJob(self._job_id, self._renderer, self._view.resized(self.width(), self.height()),
                         self.visible_layers(), self._lang, self.devicePixelRatioF(), self.show_legend,
                         transparent=self._basemap is not None)
        job.signals.finished.connect(self._on_render_finished)
        self._jobs[job.job_id] = job
        self._pool.start(job)

    def _invalidate(self) -> None:
        """Cancel running renders and make sure their results are dropped."""
        for job in self._jobs.values():
            job.cancel()
        self._job_id += 1

    def _on_render_finished(self, job_id: int, image: QImage | None, view: MapView, ms: float) -> None:
        self._jobs.pop(job_id, None)
        if job_id != self._job_id or image is None:
            return
        self._image = image
        self._image_view = view
        self.last_render_ms = ms
        if self._highlight_kind and (self._highlight_view is None or self._highlight_view != view):
            self._rebuild_highlight()
        self.update()
        self.rendered.emit(ms)

    def is_rendering(self) -> bool:
        return bool(self._jobs) or self._timer.isActive()

    def render_now(self) -> None:
        """Start rendering immediately (skips the delay)."""
        self._timer.stop()
        self._start_render()

    def shutdown(self) -> None:
        """Cancel pending renders and wait for the worker (call before the widget goes away)."""
        self._timer.stop()
        for job in self._jobs.values():
            job.cancel()
        if self._basemap is not None:
            self._basemap.shutdown()
        self._pool.waitForDone(5000)

    # -- painting ---------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            renderer = self._renderer
            background = qcolor(renderer.style.theme.map_background) if renderer else QColor("#f4f1ea")
            painter.fillRect(self.rect(), background)
            if self._basemap is not None and renderer is not None and self._view is not None:
                self._draw_basemap(painter, renderer)
            if self._image is not None and self._image_view is not None and self._view is not None:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._drag_start is None)
                painter.drawImage(self._image_target(self._image_view, self._view), self._image)
            if renderer is None or self._view is None:
                if renderer is None:
                    self._draw_hint(painter, tr("ui.canvas.no_project"))
                return
            self._draw_highlight(painter)
            self._draw_interaction(painter)
            view = self._view.resized(self.width(), self.height())
            has_layers = bool(renderer.layer_kinds())
            reserved = []
            if self.show_decorations and has_layers:
                reserved = renderer.draw_decorations(painter, view, lang=self._lang)
            if self.show_legend and has_layers:
                top = reserved[1].bottom() if len(reserved) > 1 else 0.0
                if self._legend_groups is None:
                    self._legend_groups = renderer.legend_groups(self.visible_layers(), lang=self._lang)
                renderer.draw_legend(painter, view, groups=self._legend_groups, lang=self._lang,
                                     max_height=view.height - top - 24)
            if not has_layers:
                self._draw_hint(painter, tr("ui.canvas.empty"))
            if self._basemap is not None:
                self._draw_attribution(painter, self._basemap.attribution)
        finally:
            painter.end()

    def _draw_basemap(self, painter: QPainter, renderer: MapRenderer) -> None:
        """The online basemap tiles under the map image; a failure only leaves them out."""
        crs = getattr(renderer.project, "crs", None)
        if crs is None:
            return
        painter.save()
        try:
            self._basemap.draw(painter, self._view.resized(self.width(), self.height()), crs)
        except Exception:
            log.exception("basemap drawing failed")
        finally:
            painter.restore()

    def _draw_attribution(self, painter: QPainter, text: str) -> None:
        if not text:
            return
        painter.save()
        try:
            font = painter.font()
            font.setPointSizeF(8.0)
            painter.setFont(font)
            metrics = painter.fontMetrics()
            w, h = metrics.horizontalAdvance(text) + 8, metrics.height() + 2
            box = QRectF(self.width() - w, self.height() - h, w, h)
            painter.fillRect(box, QColor(255, 255, 255, 190))
            painter.setPen(QColor(40, 40, 40))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        finally:
            painter.restore()

    def _draw_interaction(self, painter: QPainter) -> None:
        """The rubber band of a rectangle selection and the point being moved."""
        if self._rubber is not None:
            painter.save()
            pen = QPen(HIGHLIGHT_COLOUR.darker(130), 1.5, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            painter.setPen(pen)
            fill = QColor(HIGHLIGHT_COLOUR)
            fill.setAlpha(40)
            painter.setBrush(fill)
            painter.drawRect(self._rubber.normalized())
            painter.restore()
        if self._moving is not None and self._move_pos is not None and self._view is not None:
            _, _, ox, oy = self._moving
            start = QPointF(*self._view.point_to_px(ox, oy))
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            pen = QPen(QColor(40, 40, 40, 200), 1.2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawLine(start, self._move_pos)
            painter.setPen(QPen(QColor(0, 0, 0), 2))
            painter.setBrush(HIGHLIGHT_COLOUR)
            painter.drawEllipse(self._move_pos, 7.0, 7.0)
            painter.restore()

    def _draw_hint(self, painter: QPainter, text: str) -> None:
        from fireriskmap.render.style import default_style

        style = self._renderer.style if self._renderer else default_style()
        family = self._renderer.family if self._renderer else style.font_family
        view = MapView(0, 0, 1, self.width(), self.height())
        draw_message(painter, view, text, theme=style.theme, family=family)

    @staticmethod
    def _image_target(image_view: MapView, view: MapView) -> QRectF:
        """Where an image rendered for ``image_view`` lands in the current ``view`` (widget px)."""
        ix0, _, _, iy1 = image_view.extent
        left, top = view.point_to_px(ix0, iy1)
        factor = image_view.mpp / view.mpp
        return QRectF(left, top, image_view.width * factor, image_view.height * factor)

    # -- events -------------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._view is None or self._fit_on_resize:
            if self._renderer is not None:
                self.zoom_full()
            return
        self._view = self._view.resized(self.width(), self.height())
        self.view_changed.emit(self._view)
        self.refresh()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        button = event.button()
        self._press_pos = event.position()
        self._press_button = button
        if self._view is None:
            super().mousePressEvent(event)
            return
        if button == Qt.MouseButton.LeftButton and self._tool == "move" and self.move_picker is not None:
            world = self.world_at(event.position())
            picked = self.move_picker(world[0], world[1], self.pick_tolerance()) if world else None
            if picked is not None:
                self._moving = picked
                self._move_pos = event.position()
                self.setCursor(Qt.CursorShape.SizeAllCursor)
                return
        if button == Qt.MouseButton.LeftButton and self._tool == "select":
            self._rubber = QRectF(event.position(), event.position())
            return
        if button in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._drag_start = event.position()
            self._drag_view = self._view
            self._timer.stop()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._moving is not None:
            self._move_pos = pos
            self.update()
        elif self._rubber is not None:
            self._rubber = QRectF(self._rubber.topLeft(), pos)
            self.update()
        elif self._drag_start is not None and self._drag_view is not None:
            d = pos - self._drag_start
            if d.manhattanLength() > CLICK_SLOP_PX or self._view is not self._drag_view:
                if self.cursor().shape() != Qt.CursorShape.ClosedHandCursor:
                    self.setCursor(Qt.CursorShape.ClosedHandCursor)
                self._fit_on_resize = False
                self._view = self._drag_view.panned_px(d.x(), d.y())
                self.update()
        world = self.world_at(pos)
        if world is not None:
            self.cursor_moved.emit(*world)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        press = self._press_pos
        is_click = press is not None and (pos - press).manhattanLength() <= CLICK_SLOP_PX
        modifiers = event.modifiers()
        if self._moving is not None:
            kind, position, ox, oy = self._moving
            self._moving = None
            self._move_pos = None
            self.set_tool(self._tool)  # restores the cursor
            world = self.world_at(pos)
            if world is not None and not is_click:
                self.point_moved.emit(kind, int(position), float(world[0]), float(world[1]))
            self.update()
        elif self._rubber is not None:
            rect = self._rubber.normalized()
            self._rubber = None
            self.update()
            if is_click:
                world = self.world_at(pos)
                if world is not None:
                    self.clicked.emit(world[0], world[1], modifiers)
            elif self._view is not None:
                ax, ay = self._view.px_to_world(rect.left(), rect.bottom())
                bx, by = self._view.px_to_world(rect.right(), rect.top())
                self.rect_selected.emit((ax, ay, bx, by), modifiers)
        elif self._drag_start is not None:
            moved = self._view is not self._drag_view
            self._drag_start = None
            self._drag_view = None
            self.set_tool(self._tool)
            if moved and self._view is not None:
                self.set_view(self._view)
            elif is_click and event.button() == Qt.MouseButton.LeftButton:
                world = self.world_at(pos)
                if world is not None:
                    if self._tool == "add":
                        self.add_requested.emit(world[0], world[1])
                    else:
                        self.clicked.emit(world[0], world[1], modifiers)
        self._press_pos = None
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._tool in ("pan", "select"):
            self.zoom_by(2.0, event.position())

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps and self._view is not None:
            self.zoom_by(WHEEL_STEP ** steps, event.position())
        event.accept()

    def leaveEvent(self, event) -> None:
        self.cursor_left.emit()
        super().leaveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        step = 80.0
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(WHEEL_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(1 / WHEEL_STEP)
        elif key == Qt.Key.Key_Home:
            self.zoom_full()
        elif key == Qt.Key.Key_Escape and (self._rubber is not None or self._moving is not None):
            self._rubber = None
            self._moving = None
            self.set_tool(self._tool)
        elif key == Qt.Key.Key_Left:
            self.pan_by(step, 0)
        elif key == Qt.Key.Key_Right:
            self.pan_by(-step, 0)
        elif key == Qt.Key.Key_Up:
            self.pan_by(0, step)
        elif key == Qt.Key.Key_Down:
            self.pan_by(0, -step)
        else:
            super().keyPressEvent(event)
