"""The map renderer: one QPainter code path for the canvas, PNG and PDF (DESIGN.md §5).

Per layer, in one pass:

1. the features in view are found with the layer's spatial index (``sindex.query(box)``);
2. their geometry arrays are turned into device pixels with numpy (relative to the view's
   lower-left corner, so large GK coordinates lose no precision), thinned to the pixel grid, and
   polygons smaller than a pixel or two become dots;
3. vertices are grouped by style class and each group becomes one ``QPainterPath`` (built from the
   arrays in one call, see :mod:`fireriskmap.render.paths`) drawn with one ``drawPath``.

Labels are collected from all layers and placed by priority without overlaps; the scale bar, north
arrow and legend are drawn by :mod:`fireriskmap.render.decorations`.

QtCore and QtGui only: this works on a ``QImage`` with the offscreen platform and in worker threads.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from PyQt6.QtCore import QRectF, Qt, QThread
from PyQt6.QtGui import QGuiApplication, QImage, QPainter, QPen

from fireriskmap.i18n import tr
from fireriskmap.render.decorations import (LegendGroup, draw_legend, draw_message, draw_north_arrow,
                                            draw_scale_bar)
from fireriskmap.render.paths import (chunked_paths, line_parts, morton_order, point_coords, polygon_rings,
                                      thin_to_pixels)
from fireriskmap.render.style import LayerStyle, MapStyle, Symbol, default_style
from fireriskmap.render.symbols import draw_markers, make_brush, make_pen, marker_layers, qcolor, tile_template
from fireriskmap.render.text import LabelCandidate, LabelPlacer, draw_halo_text, map_font
from fireriskmap.render.view import Extent, MapView

# Geometries reaching further than this many pixels outside the view are clipped first (Qt's
# rasteriser slows down and loses precision with huge coordinates when zoomed far in).
_CLIP_MARGIN_PX = 2000.0
MAX_LABEL_CANDIDATES = 3000
MARKER_FULL_SIZE_MPP = 2.5  # metres per 96-dpi pixel up to which markers have their full size
MARKER_MIN_SCALE = 0.55


@dataclass
class RenderStats:
    """What a render did: features drawn per layer, labels placed, time taken (ms)."""

    features: dict[str, int] = field(default_factory=dict)
    labels: int = 0
    ms: float = 0.0
    cancelled: bool = False


class RenderCancelled(Exception):
    """Raised inside :meth:`MapRenderer.render` when ``should_stop()`` returns True."""


_own_app: QGuiApplication | None = None  # kept alive for the life of the process


def ensure_gui_application() -> QGuiApplication:
    """The running QGuiApplication, or a new one (offscreen when there is no display)."""
    global _own_app
    app = QGuiApplication.instance()
    if app is None:
        if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") \
                and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _own_app = app = QGuiApplication(sys.argv[:1] or ["fireriskmap"])
    return app


def layer_geometry(kind: str, gdf: gpd.GeoDataFrame) -> str:
    """'point', 'line' or 'polygon' from the layer spec, else from the data."""
    try:
        from fireriskmap.core.spec import catalogue

        spec = catalogue().get(kind)
    except Exception:  # a broken catalogue must not stop the map
        spec = None
    if spec is not None and spec.geometry in ("point", "line", "polygon"):
        return spec.geometry
    types = set(gdf.geom_type.dropna().unique()) if len(gdf) else set()
    if types and types <= {"Point", "MultiPoint"}:
        return "point"
    if types and types <= {"LineString", "MultiLineString", "LinearRing"}:
        return "line"
    return "polygon"


def class_codes(gdf: gpd.GeoDataFrame, field_name: str | tuple[str, ...] | None,
                positions: np.ndarray) -> np.ndarray:
    """The class code (str or None) of the features at ``positions`` for a style's ``field``.

    Yes/no fields give ``"true"``/``"false"``; empty values give None. A tuple of fields gives
    compound codes ``"a|b"`` (an empty value is an empty part).
    """
    if isinstance(field_name, tuple):
        parts = [class_codes(gdf, f, positions) for f in field_name]
        return np.array(["|".join("" if v is None else str(v) for v in row) for row in zip(*parts)]
                        if len(positions) else [], dtype=object)
    n = len(positions)
    if field_name is None or field_name not in gdf.columns:
        return np.full(n, None, dtype=object)
    col = gdf[field_name].iloc[positions]
    values = col.to_numpy(dtype=object, na_value=None)
    out = np.full(n, None, dtype=object)
    mask = pd.notna(col).to_numpy()
    if not mask.any():
        return out
    if pd.api.types.is_bool_dtype(col.dtype) or str(col.dtype) == "boolean":
        out[mask] = np.where(values[mask].astype(bool), "true", "false")
    elif pd.api.types.infer_dtype(col, skipna=True) == "string":
        out[mask] = values[mask]  # enum codes are text already
    else:
        out[mask] = [str(v) for v in values[mask]]
    return out


def class_ids(codes: np.ndarray, ls: LayerStyle) -> np.ndarray:
    """Per feature: 0 for the default symbol, i for the i-th class of ``ls``.

    Compound classes (``ls.field`` a tuple) match with '*' for any value; the most specific
    class wins, ties go to the one listed first.
    """
    ids = np.zeros(len(codes), dtype=np.int32)
    if not len(codes) or not ls.classes:
        return ids
    if not isinstance(ls.field, tuple):
        for i, code in enumerate(ls.classes, start=1):
            ids[codes == code] = i
        return ids
    n = len(ls.field)
    parts = np.array([str(c).split("|") if c is not None else [""] * n for c in codes], dtype=object)
    best = np.full(len(codes), -1, dtype=np.int32)
    for i, code in enumerate(ls.classes, start=1):
        pattern = code.split("|")
        match = np.ones(len(codes), dtype=bool)
        for j, part in enumerate(pattern):
            if part != "*":
                match &= parts[:, j] == part
        specific = sum(part != "*" for part in pattern)
        better = match & (specific > best)
        ids[better] = i
        best[better] = specific
    return ids


def marker_scale(view: MapView, dpi: float) -> float:
    """Markers shrink when zoomed out (to 55 % at 1:25 000 on screen), so overviews stay legible."""
    mpp96 = view.mpp * dpi / 96.0
    return float(np.clip(math.sqrt(MARKER_FULL_SIZE_MPP / max(mpp96, 1e-9)), MARKER_MIN_SCALE, 1.0))


class MapRenderer:
    """Draws a project's layers with a :class:`~fireriskmap.render.style.MapStyle`.

    Parameters
    ----------
    project
        A :class:`~fireriskmap.core.project.Project` (anything with ``.layers`` and ``.extent()``).
    style
        The map style (default: the shipped ``styles/map.toml`` and ``styles/themes.toml``).
    theme
        Theme name to use instead of the style's current one.
    """

    def __init__(self, project, style: MapStyle | None = None, *, theme: str | None = None) -> None:
        self.project = project
        style = style or default_style()
        self.style = style.with_theme(theme) if theme else style
        self.family = self.style.font_family
        self._fonts_ready = False
        # Per-layer overrides set by the layer panel (all optional; empty: the style file's own):
        self.layer_order: list[str] | None = None  # kinds bottom → top; None: the style's z order
        self.layer_opacity: dict[str, float] = {}  # kind → 0..1, multiplied with the style's opacity
        self.style_overrides: dict[str, LayerStyle] = {}  # kind → LayerStyle used instead of the style's
        self._register_fonts()

    def _register_fonts(self) -> None:
        """Register the shipped fonts once a QGuiApplication exists (from its thread only)."""
        app = QGuiApplication.instance()
        if self._fonts_ready or app is None or QThread.currentThread() is not app.thread():
            return
        from fireriskmap.fonts import register_fonts

        self.family = register_fonts() or self.family
        self._fonts_ready = True

    # -- which layers ----------------------------------------------------------------------
    def layer_kinds(self, layers: Iterable[str] | None = None) -> list[str]:
        """The kinds to draw, in drawing order: ``layers`` (or all visible-by-default ones)."""
        frames = self.project.layers
        if layers is None:
            kinds = [k for k in frames if self.style.layer(k, layer_geometry(k, frames[k])).visible]
        else:
            kinds = [k for k in layers if k in frames]
        return self.order_kinds([k for k in kinds if len(frames[k])])

    def order_kinds(self, kinds: Iterable[str]) -> list[str]:
        """``kinds`` in drawing order (bottom first): ``layer_order`` when set, else the style's z.

        Kinds missing from ``layer_order`` keep their place relative to their z-order neighbours.
        """
        base = self.style.z_order(list(kinds))
        if not self.layer_order:
            return base
        wanted = set(base)
        result = [k for k in dict.fromkeys(self.layer_order) if k in wanted]
        placed = set(result)
        for i, kind in enumerate(base):
            if kind in placed:
                continue
            prev = next((base[j] for j in range(i - 1, -1, -1) if base[j] in placed), None)
            result.insert(result.index(prev) + 1 if prev is not None else 0, kind)
            placed.add(kind)
        return result

    def layer_style(self, kind: str, geometry: str = "polygon") -> LayerStyle:
        """The style ``kind`` is drawn with: the style file's, or its override, with the layer opacity."""
        ls = self.style_overrides.get(kind) or self.style.layer(kind, geometry)
        opacity = self.layer_opacity.get(kind)
        if opacity is not None:
            ls = replace(ls, opacity=ls.opacity * min(1.0, max(0.0, float(opacity))))
        return ls

    def full_extent(self) -> Extent | None:
        return self.project.extent()

    # -- public API -------------------------------------------------------------------------
    def render(self, painter: QPainter, target_rect: QRectF, extent: Extent | MapView | None = None, *,
               layers: Iterable[str] | None = None, dpi: float = 96.0, lang: str | None = None,
               background: bool = True, labels: bool = True, decorations: bool = True,
               legend: bool = False, should_stop: Callable[[], bool] | None = None,
               simplify_px: float | None = None) -> RenderStats:
        """Draw the map onto ``painter`` inside ``target_rect``.

        Parameters
        ----------
        painter
            An active QPainter on any paint device (QImage, QPdfWriter, a widget).
        target_rect
            The rectangle of the device to fill, in device pixels.
        extent
            (x_min, y_min, x_max, y_max) in the project CRS, fitted into the rectangle keeping the
            aspect ratio (more is shown along one axis); or a :class:`MapView`; None: the project.
        layers
            Kinds to draw (default: all layers whose style is visible).
        dpi
            Device resolution; symbol sizes (pixels at 96 dpi) and fonts scale with it.
        lang
            Language of labels in the legend and decorations (default: the current language).
        decorations, legend
            Draw the scale bar and north arrow; draw the legend.
        should_stop
            Called between layers; when it returns True the render stops (``stats.cancelled``).
        simplify_px
            Print simplification (PDF exports): vertices are thinned to and snapped onto a grid of
            this many device pixels, and the dots standing for polygons smaller than ``min_px`` are
            merged per grid cell, so files stay small without a visible change at that resolution.
            None (screen): thinned to half a pixel, nothing snapped.
        """
        t0 = time.perf_counter()
        stats = RenderStats()
        rect = QRectF(target_rect)
        view = self._view_for(extent, rect)
        theme = self.style.theme
        k = theme.font_scale
        u = dpi / 96.0 * k  # device pixels per style pixel
        frames = dict(self.project.layers)
        kinds = self.layer_kinds(layers)

        painter.save()
        try:
            painter.setClipRect(rect)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            if background:
                painter.fillRect(rect, qcolor(theme.map_background))
            candidates: list[LabelCandidate] = []
            try:
                for kind in kinds:
                    if should_stop is not None and should_stop():
                        raise RenderCancelled
                    gdf = frames[kind]
                    geometry = layer_geometry(kind, gdf)
                    ls = self.layer_style(kind, geometry)
                    stats.features[kind] = self._draw_layer(painter, kind, gdf, geometry, ls, view, u,
                                                            candidates if labels else None, dpi, lang,
                                                            grid=simplify_px)
                if should_stop is not None and should_stop():
                    raise RenderCancelled
            except RenderCancelled:
                stats.cancelled = True
                return stats
            reserved: list[QRectF] = []
            if decorations:
                reserved = self.draw_decorations(painter, view, dpi=dpi, lang=lang)
            if legend:
                max_height = None
                if decorations:  # stay below the north arrow
                    max_height = view.top + view.height - reserved[1].bottom() - 2 * 12 * u
                reserved.append(self.draw_legend(painter, view, layers=kinds, dpi=dpi, lang=lang,
                                                 max_height=max_height))
            if labels and candidates:
                stats.labels = self._draw_labels(painter, candidates, view, reserved, u)
            if not kinds and background:
                draw_message(painter, view, tr("render.empty", lang=lang), theme=theme,
                             family=self.family, dpi=dpi, k=k)
        finally:
            painter.restore()
            stats.ms = (time.perf_counter() - t0) * 1000
        return stats

    def render_image(self, width: int, height: int, extent: Extent | MapView | None = None, *,
                     layers: Iterable[str] | None = None, dpi: float = 96.0, lang: str | None = None,
                     decorations: bool = True, legend: bool = False, labels: bool = True,
                     device_pixel_ratio: float = 1.0,
                     should_stop: Callable[[], bool] | None = None) -> QImage:
        """Render to a new ``width`` × ``height`` ARGB32 premultiplied QImage (device pixels).

        Creates an offscreen QGuiApplication when none is running (for scripts and the CLI).
        """
        ensure_gui_application()
        self._register_fonts()
        image = QImage(max(1, int(width)), max(1, int(height)), QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(qcolor(self.style.theme.map_background))
        image.setDotsPerMeterX(round(dpi / 0.0254))
        image.setDotsPerMeterY(round(dpi / 0.0254))
        painter = QPainter(image)
        try:
            self.render(painter, QRectF(0, 0, image.width(), image.height()), extent, layers=layers,
                        dpi=dpi, lang=lang, decorations=decorations, legend=legend, labels=labels,
                        should_stop=should_stop)
        finally:
            painter.end()
        if device_pixel_ratio != 1.0:
            image.setDevicePixelRatio(device_pixel_ratio)
        return image

    def draw_decorations(self, painter: QPainter, view: MapView, *, dpi: float = 96.0,
                         lang: str | None = None) -> list[QRectF]:
        """Scale bar and north arrow for ``view``; returns the rectangles they cover."""
        theme = self.style.theme
        painter.save()
        try:
            bar = draw_scale_bar(painter, view, theme=theme, family=self.family, dpi=dpi, k=theme.font_scale)
            arrow = draw_north_arrow(painter, view, theme=theme, family=self.family, lang=lang, dpi=dpi,
                                     k=theme.font_scale)
        finally:
            painter.restore()
        return [bar, arrow]

    def draw_legend(self, painter: QPainter, view: MapView, *, layers: Iterable[str] | None = None,
                    dpi: float = 96.0, lang: str | None = None, anchor: str = "bottom_right",
                    max_height: float | None = None, groups: list[LegendGroup] | None = None) -> QRectF:
        """The legend of the drawn layers (only classes present in the data).

        ``groups`` may be given (from :meth:`legend_groups`) to skip recomputing them.
        """
        if groups is None:
            groups = self.legend_groups(layers, lang=lang)
        theme = self.style.theme
        painter.save()
        try:
            return draw_legend(painter, groups, view, theme=theme, family=self.family, lang=lang, dpi=dpi,
                               k=theme.font_scale, anchor=anchor, max_height=max_height)
        finally:
            painter.restore()

    def legend_groups(self, layers: Iterable[str] | None = None, *, lang: str | None = None,
                      present_only: bool = True) -> list[LegendGroup]:
        """Legend content: one group per layer (top-most first) with a row per class present."""
        frames = self.project.layers
        groups = []
        for kind in reversed(self.layer_kinds(layers)):
            gdf = frames[kind]
            geometry = layer_geometry(kind, gdf)
            ls = self.layer_style(kind, geometry)
            if not ls.legend:
                continue
            spec = _spec(kind)
            title = spec.label(lang) if spec is not None else kind
            group = LegendGroup(title=title, geometry=geometry)
            for symbol, text in self.class_rows(kind, lang=lang, present_only=present_only):
                group.items.append((symbol, text))
            if group.items:
                groups.append(group)
        return groups

    def class_rows(self, kind: str, *, lang: str | None = None,
                   present_only: bool = True) -> list[tuple[Symbol, str]]:
        """(symbol, label) for each style class of ``kind`` (present in the data when asked)."""
        gdf = self.project.layers.get(kind)
        geometry = layer_geometry(kind, gdf) if gdf is not None else "polygon"
        ls = self.layer_style(kind, geometry)
        spec = _spec(kind)
        if ls.field is None or not ls.classes:
            text = ls.symbol.label(lang, spec.label(lang) if spec is not None else kind)
            return [(ls.symbol, text)]
        present: set = set()
        has_default = True
        if gdf is not None and present_only:
            present = set(class_ids(class_codes(gdf, ls.field, np.arange(len(gdf))), ls).tolist())
            has_default = 0 in present
        fs = next((f for f in spec.fields if f.name == ls.field), None) if spec is not None else None
        rows = []
        for i, (code, symbol) in enumerate(ls.classes.items(), start=1):
            if present_only and gdf is not None and i not in present:
                continue
            enum_value = fs.enum_value(code) if fs is not None and fs.type == "enum" else None
            default_text = enum_value.label(lang) if enum_value is not None else code
            rows.append((symbol, symbol.label(lang, default_text)))
        if has_default:
            rows.append((ls.symbol, ls.symbol.label(lang, tr("render.legend.other", lang=lang))))
        return rows

    # -- internals --------------------------------------------------------------------------
    def _view_for(self, extent: Extent | MapView | None, rect: QRectF) -> MapView:
        if isinstance(extent, MapView):
            return MapView(extent.cx, extent.cy, extent.mpp, rect.width(), rect.height(), rect.left(),
                           rect.top())
        if extent is None:
            extent = self.full_extent() or (0.0, 0.0, 1000.0, 1000.0)
            return MapView.fit(extent, rect.width(), rect.height(), left=rect.left(), top=rect.top(),
                               margin=0.03)
        return MapView.fit(extent, rect.width(), rect.height(), left=rect.left(), top=rect.top())

    def _draw_layer(self, painter: QPainter, kind: str, gdf: gpd.GeoDataFrame, geometry: str,
                    ls: LayerStyle, view: MapView, u: float, candidates: list | None, dpi: float,
                    lang: str | None, grid: float | None = None) -> int:  # noqa: PLR0913
        """Draw one layer; returns the number of features in view."""
        symbols = [ls.symbol, *ls.classes.values()]
        reach_px = max(max(s.size for s in symbols) if geometry == "point" else 0,
                       max(s.casing_width or s.width for s in symbols)) * u
        x0, y0, x1, y1 = view.extent
        pad = reach_px * view.mpp
        positions = gdf.sindex.query(shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad))
        if len(positions) == 0:
            return 0
        positions = np.sort(positions)
        geoms = np.asarray(gdf.geometry.values[positions], dtype=object)
        codes = class_codes(gdf, ls.field, positions)
        class_ids, class_symbols = self._class_ids(codes, ls)
        painter.save()
        try:
            painter.setOpacity(ls.opacity)
            if geometry == "point":
                self._draw_points(painter, geoms, class_ids, class_symbols, view, u * marker_scale(view, dpi))
            elif geometry == "line":
                self._draw_lines(painter, geoms, class_ids, class_symbols, view, u, grid)
            else:
                self._draw_polygons(painter, geoms, class_ids, class_symbols, ls, view, u, grid)
        finally:
            painter.restore()
        if candidates is not None and ls.labels is not None and ls.opacity > 0:
            self._collect_labels(candidates, kind, gdf, positions, geoms, geometry, ls, class_ids,
                                 class_symbols, view, u, dpi, lang)
        return int(len(positions))

    @staticmethod
    def _class_ids(codes: np.ndarray, ls: LayerStyle) -> tuple[np.ndarray, list[Symbol]]:
        """Per feature: 0 for the default symbol, i for the i-th class; and the symbol list."""
        return class_ids(codes, ls), [ls.symbol, *ls.classes.values()]

    @staticmethod
    def _clip_far(geoms: np.ndarray, view: MapView) -> np.ndarray:
        """Clip geometries reaching far outside the view to a rectangle around it."""
        x0, y0, x1, y1 = view.extent
        pad = _CLIP_MARGIN_PX * view.mpp
        bounds = shapely.bounds(geoms)
        far = (bounds[:, 0] < x0 - pad) | (bounds[:, 1] < y0 - pad) | (bounds[:, 2] > x1 + pad) | \
              (bounds[:, 3] > y1 + pad)
        if far.any():
            geoms = geoms.copy()
            margin = pad / 2
            geoms[far] = shapely.clip_by_rect(geoms[far], x0 - margin, y0 - margin, x1 + margin, y1 + margin)
        return geoms

    def _draw_polygons(self, painter: QPainter, geoms: np.ndarray, class_ids: np.ndarray,
                       symbols: list[Symbol], ls: LayerStyle, view: MapView, u: float,
                       grid: float | None = None) -> None:
        bounds = shapely.bounds(geoms)
        size_px = np.fmax(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) / view.mpp
        centres = view.to_px(np.column_stack([(bounds[:, 0] + bounds[:, 2]) / 2,
                                              (bounds[:, 1] + bounds[:, 3]) / 2]))
        small = size_px < ls.min_px * u
        big = ~small & np.isfinite(size_px)
        if big.any():
            # Z-order the features so that each chunk of the class path is spatially compact
            order = np.flatnonzero(big)[morton_order(centres[big])]
            xy, ring, feature_of_ring = polygon_rings(self._clip_far(geoms[order], view))
            if len(xy):
                px = view.to_px(xy)
                px, ring = thin_to_pixels(px, ring, grid or 0.5)
                if grid:
                    px = np.round(px / grid) * grid
                vertex_feature = feature_of_ring[ring]
                vertex_class = class_ids[order][vertex_feature]
                for cid, symbol in enumerate(symbols):
                    sel = vertex_class == cid
                    if not sel.any():
                        continue
                    painter.setBrush(make_brush(symbol.fill_rgba(), symbol.pattern))
                    painter.setPen(make_pen(symbol.stroke_rgba(), symbol.width * u, symbol.dash))
                    # chunks of ~200 small features, fewer when features are large (cluster
                    # outlines): Qt's antialiased fill is much faster on compact paths
                    n_features = len(np.unique(vertex_feature[sel]))
                    per_feature = int(sel.sum()) / max(n_features, 1)
                    chunk = int(np.clip(POLYGON_CHUNK_VERTICES / per_feature, 1, 200))
                    for path in chunked_paths(px[sel], ring[sel], vertex_feature[sel], chunk=chunk):
                        painter.drawPath(path)
        if small.any():
            dot = np.clip(size_px[small], 1.3 * min(u, 1.5), ls.min_px * u)
            square = marker_layers("square")[0][0]
            ids = class_ids[small]
            dot_centres = centres[small]
            if grid:
                dot_centres, dot, ids = _merge_dots(dot_centres, dot, ids, grid)
            elif len(dot_centres) > DOT_MERGE_MIN:
                # a county at full extent: many dots share a pixel; one square per pixel and class
                # looks the same (antialiasing is off for dots) and halves the path work
                dot_centres, dot, ids = _merge_dots(dot_centres, dot, ids, u)
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # tiny squares: crisp & fast
            painter.setPen(QPen(Qt.PenStyle.NoPen))
            for cid, symbol in enumerate(symbols):
                sel = ids == cid
                if not sel.any():
                    continue
                colour = symbol.stroke_rgba() if symbol.fill is None else _mix(symbol.fill_rgba(),
                                                                               symbol.stroke_rgba())
                painter.setBrush(make_brush(colour))
                painter.drawPath(tile_template(square, dot_centres[sel], dot[sel]))
            painter.restore()

    def _draw_lines(self, painter: QPainter, geoms: np.ndarray, class_ids: np.ndarray,
                    symbols: list[Symbol], view: MapView, u: float, grid: float | None = None) -> None:
        bounds = shapely.bounds(geoms)
        size_px = np.fmax(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) / view.mpp
        keep = np.flatnonzero(size_px >= 0.5)  # drop lines shorter than half a pixel
        centres = view.to_px(np.column_stack([(bounds[keep, 0] + bounds[keep, 2]) / 2,
                                              (bounds[keep, 1] + bounds[keep, 3]) / 2]))
        order = keep[morton_order(centres)]
        xy, part, feature_of_part = line_parts(self._clip_far(geoms[order], view))
        if len(xy) == 0:
            return
        px = view.to_px(xy)
        px, part = thin_to_pixels(px, part, grid or 0.5)
        if grid:
            px = np.round(px / grid) * grid
        vertex_feature = feature_of_part[part]
        vertex_class = class_ids[order][vertex_feature]
        painter.setBrush(make_brush(None))
        paths = {}
        for cid in range(len(symbols)):
            sel = vertex_class == cid
            if sel.any():
                # small chunks: Qt's antialiased stroker is much faster on compact paths
                paths[cid] = chunked_paths(px[sel], part[sel], vertex_feature[sel], chunk=32)
        widths = {cid: max(symbols[cid].width * u, symbols[cid].width_m / view.mpp) for cid in paths}
        # casings of every class first, so crossings of different classes join cleanly
        for cid, chunk_paths in paths.items():
            symbol = symbols[cid]
            if symbol.casing:
                casing = widths[cid] + (symbol.casing_width - symbol.width) * u
                pen = make_pen(symbol.casing_rgba(), casing, symbol.dash, line=True)
                for path in chunk_paths:
                    painter.strokePath(path, pen)
        for cid, chunk_paths in paths.items():
            symbol = symbols[cid]
            pen = make_pen(symbol.stroke_rgba(), widths[cid], symbol.dash, line=True)
            for path in chunk_paths:
                painter.strokePath(path, pen)

    def _draw_points(self, painter: QPainter, geoms: np.ndarray, class_ids: np.ndarray,
                     symbols: list[Symbol], view: MapView, u: float) -> None:
        xy, feature = point_coords(geoms)
        if len(xy) == 0:
            return
        px = view.to_px(xy)
        ids = class_ids[feature]
        for cid, symbol in enumerate(symbols):
            sel = ids == cid
            if sel.any():
                draw_markers(painter, symbol, px[sel], symbol.size * u, symbol.width * u)

    # -- labels ----------------------------------------------------------------------------
    def _collect_labels(self, candidates: list[LabelCandidate], kind: str, gdf: gpd.GeoDataFrame,
                        positions: np.ndarray, geoms: np.ndarray, geometry: str, ls: LayerStyle,
                        class_ids: np.ndarray, symbols: list[Symbol], view: MapView, u: float,
                        dpi: float, lang: str | None) -> None:
        lab = ls.labels
        assert lab is not None
        if lab.max_mpp is not None and view.mpp * dpi / 96.0 > lab.max_mpp:
            return
        if lab.field not in gdf.columns or len(candidates) > MAX_LABEL_CANDIDATES:
            return
        texts = _label_texts(kind, gdf[lab.field].iloc[positions], lab.field, lang)
        has_text = np.array([bool(t) for t in texts], dtype=bool)
        if not has_text.any():
            return
        idx = np.flatnonzero(has_text)[:MAX_LABEL_CANDIDATES]
        sub = geoms[idx]
        if geometry == "point":
            anchors = shapely.get_coordinates(shapely.centroid(sub))
            m = u * marker_scale(view, dpi)
            offsets = np.array([symbols[c].size * m / 2 for c in class_ids[idx]])
        elif geometry == "line":
            anchors = shapely.get_coordinates(shapely.line_interpolate_point(sub, 0.5, normalized=True))
            offsets = np.zeros(len(idx))
        else:
            # label polygons big enough to hold some text at a point inside them
            bounds = shapely.bounds(sub)
            big = np.fmax(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) / view.mpp > 24 * u
            idx, sub = idx[big], sub[big]
            visible = shapely.clip_by_rect(sub, *view.extent)
            ok = ~shapely.is_empty(visible)
            idx, visible = idx[ok], visible[ok]
            anchors = shapely.get_coordinates(shapely.point_on_surface(visible))
            offsets = np.zeros(len(idx))
        if len(idx) == 0:
            return
        px = view.to_px(anchors)
        theme = self.style.theme
        font = map_font(self.family, lab.size * theme.font_scale, dpi, bold=lab.bold)
        colour = qcolor(lab.colour or theme.text)
        for j, i in enumerate(idx):
            candidates.append(LabelCandidate(texts[i], float(px[j, 0]), float(px[j, 1]), font, colour,
                                             lab.priority, float(offsets[j])))

    def _draw_labels(self, painter: QPainter, candidates: list[LabelCandidate], view: MapView,
                     reserved: list[QRectF], u: float) -> int:
        bounds = QRectF(view.left, view.top, view.width, view.height)
        placer = LabelPlacer(bounds, padding=2 * u)
        for rect in reserved:
            if rect is not None and not rect.isNull():
                placer.reserve(rect)
        placed = placer.place(candidates)
        halo = qcolor(self.style.theme.halo)
        for cand, _rect, origin in placed:
            draw_halo_text(painter, origin, cand.text, cand.font, cand.colour, halo, 3.0 * u)
        return len(placed)


POLYGON_CHUNK_VERTICES = 1_000  # vertices per QPainterPath when filling polygons
DOT_MERGE_MIN = 50_000  # dots in one view above which screen renders merge them per pixel


def _merge_dots(centres: np.ndarray, size: np.ndarray, ids: np.ndarray, grid: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dots snapped onto a ``grid``-pixel grid, one per (cell, class), the largest size kept."""
    cells = np.round(centres / grid).astype(np.int64)
    sizes = np.round(size / grid) * grid
    order = np.lexsort((-sizes, cells[:, 1], cells[:, 0], ids))
    key = np.column_stack([ids[order], cells[order]])
    first = np.ones(len(order), dtype=bool)
    first[1:] = (key[1:] != key[:-1]).any(axis=1)
    keep = order[first]
    return cells[keep] * grid, sizes[keep], ids[keep]


def _mix(a: tuple[int, int, int, int] | None, b: tuple[int, int, int, int] | None,
         t: float = 0.35) -> tuple[int, int, int, int] | None:
    """Blend colour ``a`` towards ``b`` by ``t`` (for dots standing for tiny polygons)."""
    if a is None:
        return b
    if b is None:
        return a
    return tuple(round(x * (1 - t) + y * t) for x, y in zip(a[:3], b[:3])) + (max(a[3], 200),)


def _spec(kind: str):
    try:
        from fireriskmap.core.spec import catalogue

        return catalogue().get(kind)
    except Exception:
        return None


def _label_texts(kind: str, values: pd.Series, field_name: str, lang: str | None) -> list[str]:
    """Label text per value: enum labels translated, whole numbers without decimals, None → ''."""
    spec = _spec(kind)
    fs = next((f for f in spec.fields if f.name == field_name), None) if spec is not None else None
    out = []
    for v in values.to_numpy(dtype=object, na_value=None):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append("")
        elif fs is not None and fs.type == "enum" and fs.enum_value(str(v)) is not None:
            out.append(fs.enum_value(str(v)).label(lang))
        elif isinstance(v, (float, np.floating)) and float(v).is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v).strip())
    return out


__all__ = ["MapRenderer", "RenderStats", "class_codes", "class_ids", "layer_geometry", "ensure_gui_application"]


def render_image(project, width: int, height: int, extent: Extent | None = None, *,
                 style: MapStyle | None = None, **kwargs) -> QImage:
    """Shortcut: ``MapRenderer(project, style).render_image(width, height, extent, **kwargs)``."""
    return MapRenderer(project, style).render_image(width, height, extent, **kwargs)


__all__.append("render_image")

