"""The meeting PDF report and the village atlas (QPdfWriter + the one map renderer).

:func:`export_pdf` writes the report for the monthly risk review (研判会商): a map sheet (title,
subtitle, date, the map with its legend, a scale bar true to the printed scale, north arrow, the
CGCS2000 note, data sources and the "内部资料 注意保存" mark), an overview page (headline figures
and charts), the priority table and the per-village summary.

:func:`export_atlas` writes one page per village (or per priority area) after a cover and a
contents page: its map, its figures, its flagged buildings and open hazards, its coverage gaps and
proposed hydrants.

Both are plain functions that run in a worker thread (create the ``QGuiApplication`` and register
the fonts on the GUI thread first: ``fireriskmap.render.ensure_gui_application()`` and
``fireriskmap.fonts.register_fonts()``; the CLI gets an offscreen one). Maps stay vectors: the
renderer draws paths, simplified to the print resolution (``simplify_px``); text is real text in
the embedded Noto Sans SC font. QtCore and QtGui only.
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import shapely
from PyQt6.QtCore import QMarginsF, QPointF, QRectF, Qt, QThread
from PyQt6.QtGui import (QColor, QGuiApplication, QImage, QPageLayout, QPageSize, QPainter, QPainterPath,
                         QPdfWriter, QPen)

from fireriskmap.export import data as D
from fireriskmap.export.layout import (ACCENT, ALIGN_CENTER, ALIGN_LEFT, ALIGN_RIGHT, INK, MUTED, RED, Cell, Column,
                                       Sheet, Table, TableStyle, bar_chart, draw_table, figure_card, hbar_chart,
                                       internal_mark, level_badge, mask_outside, paginate, stacked_bar,
                                       table_height)
from fireriskmap.i18n import tr
from fireriskmap.progress import ProgressFn
from fireriskmap.render import MapRenderer, MapView, ensure_gui_application
from fireriskmap.render.layer_settings import apply_layer_settings
from fireriskmap.render.style import MapStyle

PAPERS_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0), "A2": (420.0, 594.0), "A1": (594.0, 841.0),
             "A0": (841.0, 1189.0)}
_PAGE_IDS = {"A4": QPageSize.PageSizeId.A4, "A3": QPageSize.PageSizeId.A3, "A2": QPageSize.PageSizeId.A2,
             "A1": QPageSize.PageSizeId.A1, "A0": QPageSize.PageSizeId.A0}
# typography grows with the paper: a wall map is read from further away
TYPE_SCALE = {"A4": 1.0, "A3": 1.2, "A2": 1.45, "A1": 1.75, "A0": 2.1}
PRINT_DPI = 300.0  # device resolution of the PDF; map vertices are snapped to one device pixel
SIMPLIFY_PX = 1.0  # = 0.085 mm on paper at 300 dpi
MARGIN_MM = 12.0
_SCALE_STEPS = (1.0, 1.2, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0,
                8.5, 9.0, 9.5, 10.0)


def nice_scale(denominator: float) -> int:
    """The next round map scale at or above ``denominator`` (1:12 500, 1:15 000, 1:20 000 ...)."""
    if denominator <= 0 or not math.isfinite(denominator):
        return 1000
    exp = math.floor(math.log10(denominator))
    for step in _SCALE_STEPS:
        value = step * 10 ** exp
        if value >= denominator * (1 - 1e-9):
            return int(round(value))
    return int(10 ** (exp + 1))


def format_scale(denominator: int) -> str:
    """'1:25 000' (thin-space thousands, as printed on maps)."""
    return "1:" + f"{denominator:,}".replace(",", " ")


def paper_size(paper: str, landscape: bool) -> tuple[float, float]:
    key = str(paper).upper()
    if key not in PAPERS_MM:
        raise D.ExportError("export.error.paper", paper=paper, known=", ".join(PAPERS_MM))
    w, h = PAPERS_MM[key]
    return (h, w) if landscape else (w, h)


def _family(renderer: MapRenderer) -> str:
    app = QGuiApplication.instance()
    if app is not None and QThread.currentThread() is app.thread():
        from fireriskmap.fonts import register_fonts

        return register_fonts()
    return renderer.family


def _check(progress: ProgressFn | None, fraction: float, message: str = "") -> None:
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)


# -- the document ---------------------------------------------------------------------------------------

class _Doc:
    """A QPdfWriter with a painter, page size in mm and a :class:`Sheet` for layout."""

    def __init__(self, path: Path, paper: str, landscape: bool, title: str, family: str) -> None:
        self.paper = paper.upper()
        self.w_mm, self.h_mm = paper_size(self.paper, landscape)
        self.writer = QPdfWriter(str(path))
        self.writer.setResolution(int(PRINT_DPI))
        orientation = QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
        self.writer.setPageLayout(QPageLayout(QPageSize(_PAGE_IDS[self.paper]), orientation,
                                              QMarginsF(0, 0, 0, 0)))
        self.writer.setTitle(title)
        self.writer.setCreator("fireriskmap")
        self.painter = QPainter()
        if not self.painter.begin(self.writer):
            raise D.ExportError("export.error.write", file=str(path))
        self.painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        self.sheet = Sheet(self.painter, PRINT_DPI, family, k=TYPE_SCALE[self.paper])
        self.page = 0

    @property
    def width(self) -> float:
        return self.sheet.mm(self.w_mm)

    @property
    def height(self) -> float:
        return self.sheet.mm(self.h_mm)

    @property
    def landscape(self) -> bool:
        return self.w_mm > self.h_mm

    def new_page(self) -> None:
        self.writer.newPage()
        self.page += 1

    def end(self) -> None:
        if self.painter.isActive():
            self.painter.end()


class _PreviewFull(Exception):
    """Raised by :class:`_ImageDoc` when the preview has all the pages it was asked for."""


class _ImageDoc(_Doc):
    """The same pages drawn onto QImages (white paper at ``dpi``) for a preview."""

    def __init__(self, paper: str, landscape: bool, family: str, dpi: float, max_pages: int | None) -> None:
        self.paper = paper.upper()
        self.w_mm, self.h_mm = paper_size(self.paper, landscape)
        self.dpi = float(dpi)
        self.family = family
        self.max_pages = max_pages
        self.images: list[QImage] = []
        self.page = 0
        self.painter = QPainter()
        self.sheet = None
        self._start()

    def _start(self) -> None:
        size = (max(1, round(self.w_mm / 25.4 * self.dpi)), max(1, round(self.h_mm / 25.4 * self.dpi)))
        image = QImage(*size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QColor(255, 255, 255))
        image.setDotsPerMeterX(round(self.dpi / 0.0254))
        image.setDotsPerMeterY(round(self.dpi / 0.0254))
        self.images.append(image)
        self.painter = QPainter(image)
        self.painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        if getattr(self, "sheet", None) is None:
            self.sheet = Sheet(self.painter, self.dpi, self.family, k=TYPE_SCALE[self.paper])
        else:  # the page drawers hold on to the sheet: give it the new page's painter
            self.sheet.p = self.painter

    def new_page(self) -> None:
        if self.max_pages is not None and len(self.images) >= self.max_pages:
            raise _PreviewFull
        self.painter.end()
        self._start()
        self.page += 1


@dataclass
class _Context:
    """What every page needs: the project, language, texts, renderer, style and layers."""

    project: Any
    lang: str | None
    renderer: MapRenderer
    style: MapStyle
    kinds: list[str]
    title: str
    subtitle: str
    date: _dt.date
    office: str | None
    mark: str
    crs_note: str
    sources: str
    simplify_px: float | None = SIMPLIFY_PX


def _context(project, *, lang, style, layers, title, subtitle, date, office, default_title_key,
             focus_name: str = "") -> _Context:
    ensure_gui_application()
    from fireriskmap.render.style import default_style

    renderer = MapRenderer(project, D.export_style(project, style or default_style()))
    apply_layer_settings(renderer)  # the order, opacities and styles set in the layer dock
    kinds = D.check_layers(project, layers)
    if kinds is None:
        kinds = D.default_report_layers(project)
    day = date or _dt.date.today()
    town = D.township_name(project)
    place = town + (focus_name if focus_name and focus_name not in town else "")
    return _Context(
        project=project, lang=lang, renderer=renderer, style=renderer.style, kinds=kinds,
        title=title or tr(default_title_key, lang=lang, place=place),
        subtitle=subtitle or tr("export.subtitle", lang=lang, season=D.season_label(day, lang)),
        date=day, office=office, mark=tr("export.internal_mark", lang=lang),
        crs_note=D.crs_note(project, lang), sources=D.sources_note(project, lang))


# -- page furniture ---------------------------------------------------------------------------------------

def _header(doc: _Doc, ctx: _Context, *, big: bool) -> float:
    """Title block with the internal-use mark and the date; returns the y below it (device px)."""
    s = doc.sheet
    m = s.mm(MARGIN_MM)
    mark = internal_mark(s, m, s.mm(MARGIN_MM - 4), ctx.mark, points=9.5 if big else 8.5)
    date_text = tr("export.map_date", lang=ctx.lang, date=D.format_date(ctx.date, ctx.lang))
    s.text(QRectF(doc.width / 2, mark.top(), doc.width / 2 - m, mark.height()), date_text, 8.5, colour=MUTED,
           align=ALIGN_RIGHT)
    y = mark.bottom() + s.mm(2.5 if big else 1.5)
    size = 20 if big else 13
    size = s.fit_text(ctx.title, doc.width - 2 * m, size, bold=True)
    th = s.metrics(size, True).height()
    s.text(QRectF(m, y, doc.width - 2 * m, th), ctx.title, size, bold=True, colour=INK, align=ALIGN_CENTER)
    y += th
    if big and ctx.subtitle:
        sh = s.metrics(11).height()
        s.text(QRectF(m, y + s.mm(1), doc.width - 2 * m, sh), ctx.subtitle, 11, colour=MUTED, align=ALIGN_CENTER)
        y += sh + s.mm(1)
    y += s.mm(2)
    # the red double rule of a government document's head
    s.line(m, y, doc.width - m, y, colour=RED, width_mm=0.8)
    s.line(m, y + s.mm(1.0), doc.width - m, y + s.mm(1.0), colour=RED, width_mm=0.25)
    return y + s.mm(3.5)


def _footer_height(doc: _Doc) -> float:
    s = doc.sheet
    return s.metrics(7).height() * 2 + s.mm(4)


def _footer(doc: _Doc, ctx: _Context, page: int, pages: int, extra: str = "") -> None:
    s = doc.sheet
    m = s.mm(MARGIN_MM)
    lh = s.metrics(7).height()
    y = doc.height - m - 2 * lh
    s.line(m, y - s.mm(1.5), doc.width - m, y - s.mm(1.5), colour=QColor("#b0b5bb"), width_mm=0.2)
    page_text = tr("export.page_of", lang=ctx.lang, page=page, pages=pages)
    pw = s.text_width(page_text, 7.5) + s.mm(2)
    first = "    ".join(t for t in (extra, ctx.crs_note) if t)
    s.text(QRectF(m, y, doc.width - 2 * m - pw, lh), first, s.fit_text(first, doc.width - 2 * m - pw, 7, minimum=4),
           colour=MUTED)
    second = ctx.sources + (("    " + tr("export.office", lang=ctx.lang, office=ctx.office)) if ctx.office else "")
    s.text(QRectF(m, y + lh, doc.width - 2 * m - pw, lh), second,
           s.fit_text(second, doc.width - 2 * m - pw, 7, minimum=4), colour=MUTED)
    s.text(QRectF(doc.width - m - pw, y, pw, 2 * lh), page_text, 7.5, colour=INK, align=ALIGN_RIGHT)


def _section(doc: _Doc, y: float, text: str) -> float:
    s = doc.sheet
    m = s.mm(MARGIN_MM)
    h = s.metrics(11.5, True).height()
    s.text(QRectF(m, y, doc.width - 2 * m, h), text, 11.5, bold=True, colour=ACCENT)
    return y + h + s.mm(2)


# -- maps ---------------------------------------------------------------------------------------------------

def fit_view(extent: tuple[float, float, float, float], rect: QRectF, dpi: float,
             scale: int | None = None) -> tuple[MapView, int]:
    """A view showing ``extent`` in ``rect`` at a round scale (or at ``scale``)."""
    fit = MapView.fit(extent, rect.width(), rect.height(), left=rect.left(), top=rect.top())
    denominator = scale or nice_scale(fit.scale_denominator(dpi))
    mpp = denominator * 0.0254 / dpi
    return MapView(fit.cx, fit.cy, mpp, rect.width(), rect.height(), rect.left(), rect.top()), int(denominator)


def _geometry_path(view: MapView, geom) -> QPainterPath:
    """A QPainterPath of a polygon geometry in device pixels (for masks and outlines)."""
    path = QPainterPath()
    if geom is None or geom.is_empty:
        return path
    polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            xy = view.to_px(np.asarray(ring.coords)[:, :2])
            path.moveTo(QPointF(*xy[0]))
            for x, y in xy[1:]:
                path.lineTo(QPointF(x, y))
            path.closeSubpath()
    return path


def draw_map(doc_or_sheet, ctx: _Context, rect: QRectF, extent, *, focus: D.Focus | None = None,
             scale: int | None = None, labels: bool = True) -> tuple[MapView, int]:
    """The map in ``rect`` (neatline, map, focus mask and outline, scale bar, north arrow)."""
    s = doc_or_sheet.sheet if isinstance(doc_or_sheet, _Doc) else doc_or_sheet
    p = s.p
    inner = rect.adjusted(s.mm(0.8), s.mm(0.8), -s.mm(0.8), -s.mm(0.8))
    if extent is None:
        extent = ctx.project.extent() or (0.0, 0.0, 1000.0, 1000.0)
        pad = max(extent[2] - extent[0], extent[3] - extent[1]) * 0.02
        extent = (extent[0] - pad, extent[1] - pad, extent[2] + pad, extent[3] + pad)
    view, denominator = fit_view(extent, inner, s.dpi, scale)
    sym_dpi = s.dpi * s.k
    ctx.renderer.render(p, inner, view, layers=ctx.kinds, dpi=sym_dpi, lang=ctx.lang, labels=labels,
                        decorations=False, legend=False, simplify_px=ctx.simplify_px)
    if focus is not None and focus.geometry is not None:
        path = _geometry_path(view, focus.geometry)
        p.save()
        p.setClipRect(inner)
        mask_outside(p, inner, path, QColor(255, 255, 255, 150))
        pen = QPen(QColor("#4a3b63"), s.mm(0.7))
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        p.restore()
    ctx.renderer.draw_decorations(p, view, dpi=sym_dpi, lang=ctx.lang)
    # neatline: a thin inner and a heavier outer frame
    s.box(inner, stroke=INK, width_mm=0.2)
    s.box(rect, stroke=INK, width_mm=0.6)
    return view, denominator


def _legend_size(ctx: _Context, groups, width: float, height: float, dpi: float) -> tuple[float, float]:
    image = QImage(4, 4, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    try:
        view = MapView(0, 0, 1, width, height)
        u = dpi / 96.0 * ctx.style.theme.font_scale
        rect = ctx.renderer.draw_legend(painter, view, dpi=dpi, lang=ctx.lang, anchor="top_left",
                                        max_height=height - 12 * u, groups=groups)
    finally:
        painter.end()
    return rect.width(), rect.height()


def draw_legend_box(s: Sheet, ctx: _Context, rect: QRectF) -> QRectF:
    """The legend of the map's layers in ``rect`` (outside the map), shrunk until it fits."""
    groups = ctx.renderer.legend_groups(ctx.kinds, lang=ctx.lang)
    if not groups:
        return QRectF()
    dpi = s.dpi * s.k
    for _ in range(12):
        u = dpi / 96.0 * ctx.style.theme.font_scale
        margin = 12 * u
        w, h = _legend_size(ctx, groups, rect.width() + 2 * margin, rect.height() + 2 * margin, dpi)
        if w <= rect.width() + 1 and h <= rect.height() + 1:
            break
        dpi *= 0.9
    u = dpi / 96.0 * ctx.style.theme.font_scale
    margin = 12 * u
    view = MapView(0, 0, 1, rect.width() + margin, rect.height() + margin, rect.left() - margin,
                   rect.top() - margin)
    return ctx.renderer.draw_legend(s.p, view, dpi=dpi, lang=ctx.lang, anchor="top_left",
                                    max_height=rect.height(), groups=groups)


def _scale_text(s: Sheet, ctx: _Context, rect: QRectF, denominator: int) -> None:
    text = tr("export.scale", lang=ctx.lang, scale=format_scale(denominator))
    s.text(rect, text, 9, bold=True, colour=INK, align=ALIGN_LEFT)


# -- report pages ------------------------------------------------------------------------------------------

def _map_page(doc: _Doc, ctx: _Context, focus: D.Focus | None, scale: int | None, figures) -> MapView:
    s = doc.sheet
    m = s.mm(MARGIN_MM)
    top = _header(doc, ctx, big=True)
    bottom = doc.height - m - _footer_height(doc)
    scale_h = s.metrics(9, True).height() + s.mm(1.5)
    extent = focus.extent if focus is not None else None
    if doc.landscape:
        side_w = s.mm(68) * min(s.k, 1.4)
        map_rect = QRectF(m, top, doc.width - 2 * m - side_w - s.mm(4), bottom - top - scale_h)
        side = QRectF(map_rect.right() + s.mm(4), top, side_w, map_rect.height())
        view, denominator = draw_map(doc, ctx, map_rect, extent, focus=focus, scale=scale)
        fig_h = _side_figures_height(s, figures)
        legend_rect = QRectF(side.left(), side.top(), side.width(), side.height() - fig_h - s.mm(3))
        draw_legend_box(s, ctx, legend_rect)
        _side_figures(s, ctx, QRectF(side.left(), side.bottom() - fig_h, side.width(), fig_h), figures)
    else:
        legend_min = (bottom - top) * 0.22
        avail = bottom - top - scale_h - s.mm(2)
        map_h = avail - legend_min
        ext = extent or ctx.project.extent()
        if ext is not None and ext[2] > ext[0]:
            # as tall as the area needs (plus a little), the rest for the legend
            aspect = (ext[3] - ext[1]) / (ext[2] - ext[0])
            map_h = min(map_h, max((doc.width - 2 * m) * aspect * 1.08, avail * 0.5))
        legend_h = avail - map_h
        map_rect = QRectF(m, top, doc.width - 2 * m, map_h)
        view, denominator = draw_map(doc, ctx, map_rect, extent, focus=focus, scale=scale)
        legend_rect = QRectF(m, map_rect.bottom() + scale_h + s.mm(1), doc.width - 2 * m, legend_h)
        draw_legend_box(s, ctx, legend_rect)
    _scale_text(s, ctx, QRectF(map_rect.left(), map_rect.bottom() + s.mm(1), map_rect.width(), scale_h - s.mm(1)),
                denominator)
    return view, denominator


def _side_figures_height(s: Sheet, figures) -> float:
    return len(figures) * (s.metrics(8).height() * 1.45) + s.metrics(10, True).height() + s.mm(4)


def _side_figures(s: Sheet, ctx: _Context, rect: QRectF, figures) -> None:
    """Key figures listed beside the map (landscape sheets)."""
    s.box(rect, fill=QColor("#fbfbfc"), stroke=QColor("#c9ced6"), width_mm=0.25)
    y = rect.top() + s.mm(1.5)
    hh = s.metrics(10, True).height()
    s.text(QRectF(rect.left() + s.mm(2), y, rect.width() - s.mm(4), hh), tr("export.key_figures", lang=ctx.lang), 10,
           bold=True, colour=ACCENT)
    y += hh + s.mm(1)
    row = s.metrics(8).height() * 1.45
    for f in figures:
        s.text(QRectF(rect.left() + s.mm(2), y, rect.width() * 0.62, row), f.label,
               s.fit_text(f.label, rect.width() * 0.6, 8), colour=MUTED)
        s.text(QRectF(rect.left() + rect.width() * 0.6, y, rect.width() * 0.4 - s.mm(2), row), f.text,
               s.fit_text(f.text, rect.width() * 0.4 - s.mm(2), 8.5, bold=True), bold=True, align=ALIGN_RIGHT)
        y += row


def _overview_page(doc: _Doc, ctx: _Context, top: float, figures, level_counts, vtable, hazards) -> None:
    s = doc.sheet
    m = s.mm(MARGIN_MM)
    width = doc.width - 2 * m
    bottom = doc.height - m - _footer_height(doc)
    y = _section(doc, top, tr("export.section.overview", lang=ctx.lang))
    cols = 4
    gap = s.mm(3)
    card_w = (width - gap * (cols - 1)) / cols
    card_h = s.mm(21) * s.k
    for i, f in enumerate(figures):
        r, c = divmod(i, cols)
        rect = QRectF(m + c * (card_w + gap), y + r * (card_h + gap), card_w, card_h)
        accent = RED if f.key == "risk_top" and (f.value or 0) > 0 else ACCENT
        figure_card(s, rect, f.label, f.text, f.note, accent=accent)
    rows = math.ceil(len(figures) / cols)
    y += rows * (card_h + gap) + s.mm(3)
    y = _section(doc, y, tr("export.section.charts", lang=ctx.lang))
    avail = bottom - y
    empty_risk = tr("export.risk_not_run", lang=ctx.lang)
    level_items = []
    if level_counts is not None:
        level_items = [(D.short_level(lv), float(n), lv.colour) for lv, n in level_counts if n or not lv.unknown]
    hazard_parts, hazard_types = hazards
    by_type = tr("export.chart.hazard_types", lang=ctx.lang)
    # villages: the lowest water coverage first
    cats, water, resp = [], [], []
    if vtable is not None and len(vtable):
        t = vtable.copy()
        t["_w"] = t["water_share"].fillna(2.0)
        t = t.sort_values(["_w", "name"]).head(12 if doc.landscape else 10)
        cats = t["name"].tolist()
        water = t["water_share"].tolist()
        resp = t["share_5min"].tolist()
    series = []
    if any(v == v for v in water):
        series.append((tr("export.chart.water", lang=ctx.lang), water, "#1e88e5"))
    if any(v == v for v in resp):
        series.append((tr("export.chart.resp", lang=ctx.lang), resp, "#43a047"))
    if doc.landscape:
        w3 = (width - 2 * gap) / 3
        h = avail
        bar_chart(s, QRectF(m, y, w3, h), tr("export.chart.levels", lang=ctx.lang), level_items, empty=empty_risk)
        hbar_chart(s, QRectF(m + w3 + gap, y, w3, h), tr("export.chart.villages", lang=ctx.lang), cats, series,
                   maximum=1.0, empty=tr("export.not_analysed", lang=ctx.lang))
        stacked_bar(s, QRectF(m + 2 * (w3 + gap), y, w3, h), tr("export.chart.hazards", lang=ctx.lang),
                    hazard_parts, empty=tr("export.no_hazards", lang=ctx.lang), breakdown=hazard_types,
                    breakdown_title=by_type)
    else:
        h1 = avail * 0.42
        w2 = (width - gap) / 2
        bar_chart(s, QRectF(m, y, w2, h1), tr("export.chart.levels", lang=ctx.lang), level_items, empty=empty_risk)
        stacked_bar(s, QRectF(m + w2 + gap, y, w2, h1), tr("export.chart.hazards", lang=ctx.lang), hazard_parts,
                    empty=tr("export.no_hazards", lang=ctx.lang), breakdown=hazard_types, breakdown_title=by_type)
        hbar_chart(s, QRectF(m, y + h1 + gap, width, avail - h1 - gap), tr("export.chart.villages", lang=ctx.lang),
                   cats, series, maximum=1.0, empty=tr("export.not_analysed", lang=ctx.lang))


def _hazard_parts(project, lang, geometry=None) -> tuple[list[tuple[str, float, str]], list[tuple[str, float]]]:
    """Hazards by status (label, count, colour) and the open ones by type (label, count), top 8."""
    h = project.layers.get("hazards")
    if h is None or len(h) == 0 or "status" not in h:
        return [], []
    if geometry is not None:
        f, _a = D.membership(h, _series([geometry], project))
        h = h.iloc[np.unique(f)]
    colours = {"closed": "#43a047", "rectifying": "#fdd835", "open": "#fb8c00", "overdue": "#e53935"}
    status = h["status"].astype(object).fillna("open")
    counts = status.value_counts()
    parts = [(D.enum_label("hazards", "status", code, lang), float(counts.get(code, 0)), colour)
             for code, colour in colours.items()]
    types = []
    if "hazard_type" in h:
        open_types = h.loc[(status != "closed").to_numpy(), "hazard_type"].astype(object).fillna("other").value_counts()
        types = [(D.enum_label("hazards", "hazard_type", code, lang), float(n)) for code, n in open_types.head(8).items()]
    return parts, types


def _series(geoms, project):
    import geopandas as gpd

    return gpd.GeoSeries(list(geoms), crs=project.crs)


def priority_table(rows: list[D.PriorityRow] | None, lang, *, landscape: bool, k: float = 1.0) -> Table | None:
    """The priority table (rank, area, type, level colour, score, top reasons, completeness)."""
    if rows is None:
        return None
    cols = [Column(tr("export.col.rank", lang=lang), 0.55, ALIGN_CENTER),
            Column(tr("export.col.area", lang=lang), 1.5, ALIGN_LEFT, wrap=True),
            Column(tr("export.col.unit_type", lang=lang), 0.9, ALIGN_CENTER),
            Column(tr("export.col.level", lang=lang), 1.15, ALIGN_CENTER),
            Column(tr("export.col.score", lang=lang), 0.65, ALIGN_CENTER),
            Column(tr("export.col.reasons", lang=lang), 4.2 if landscape else 3.3, ALIGN_LEFT, wrap=True),
            Column(tr("export.col.completeness", lang=lang), 0.8, ALIGN_CENTER)]
    sep = "；" if D.lang_code(lang) == "zh" else "; "
    out = []
    for r in rows:
        reasons = sep.join(r.reasons[:3]) if r.reasons else "—"
        out.append([Cell(str(r.rank)), Cell(r.name, bold=r.level.top), Cell(r.unit_type or "—"),
                    Cell(D.short_level(r.level), fill=r.level.colour, ink=r.level.text_colour, bold=True),
                    Cell(D.fmt_num(r.score)), Cell(reasons), Cell(D.fmt_share(r.completeness, 0))])
    return Table(cols, out, TableStyle(points=8.5, head_points=8.5))


def village_summary_table(vtable, lang, *, landscape: bool) -> Table | None:
    """The per-village summary (weekly-progress shape), with a total row."""
    if vtable is None or len(vtable) == 0:
        return None
    keys = ["name", "households", "clusters_flagged", "households_flagged", "chimney", "steel", "water_share",
            "share_5min", "hazards_unclosed", "risk_level"]
    if landscape:
        keys = ["name", "households", "buildings", "clusters_flagged", "households_flagged", "chimney", "steel",
                "water_share", "gaps", "proposed", "share_5min", "hazards", "hazards_unclosed", "hazards_overdue",
                "rectified_share", "risk_level"]
    kinds = dict(D.VILLAGE_COLUMNS)
    kinds["hazards_unclosed"] = "int"
    cols = []
    for key in keys:
        weight = 1.5 if key == "name" else (1.1 if key == "risk_level" else 0.8)
        cols.append(Column(tr(f"export.village.{key}", lang=lang), weight,
                           ALIGN_LEFT if key == "name" else ALIGN_CENTER, wrap=key == "name"))
    t = vtable.copy()
    t["hazards_unclosed"] = t["hazards"] - t["hazards_closed"]
    rows = []
    for _, rec in t.iterrows():
        rows.append([_village_cell(key, rec[key], kinds.get(key, "int")) for key in keys])
    # total row
    total = []
    for key in keys:
        kind = kinds.get(key, "int")
        if key == "name":
            total.append(Cell(tr("export.total", lang=lang), bold=True))
        elif kind == "int":
            total.append(Cell(D.fmt_int(t[key].sum(min_count=1)), bold=True))
        elif key in _SHARE_TOTALS and all(c in t for c in _SHARE_TOTALS[key]):
            num, den = (t[c].sum() for c in _SHARE_TOTALS[key])
            total.append(Cell(D.fmt_share(num / den if den else None, 0), bold=True))
        else:
            total.append(Cell(""))
    rows.append(total)
    return Table(cols, rows, TableStyle(points=8.0 if landscape else 8.0, head_points=7.5, min_row_mm=5.5))


_SHARE_TOTALS = {"water_share": ("water_covered", "water_known"), "share_5min": ("within_5min", "resp_known"),
                 "rectified_share": ("hazards_closed", "hazards")}


def _village_cell(key: str, value, kind: str) -> Cell:
    if kind == "text":
        return Cell(str(value))
    if kind == "share":
        return Cell(D.fmt_share(value, 0))
    if kind == "float":
        return Cell(D.fmt_num(value))
    if kind == "level":
        if not isinstance(value, D.LevelInfo):
            return Cell("—")
        return Cell(D.short_level(value), fill=value.colour, ink=value.text_colour, bold=True)
    return Cell(D.fmt_int(value))


@dataclass
class _Block:
    """A section of the flowing table pages: a table, or a message when there is none."""

    title: str
    cont: str
    table: Table | None
    message: tuple[str, str] | None


_MESSAGE_MM = 16.0


def _flow(s: Sheet, blocks: list[_Block], width: float, top: float, bottom: float) -> list[list[tuple]]:
    """Lay the blocks out on pages: ``[[("section", text, y), ("table", table, a, b, y) ...], ...]``."""
    sec_h = s.metrics(11.5, True).height() + s.mm(2)
    msg_h = s.mm(_MESSAGE_MM) + s.mm(4)
    pages: list[list[tuple]] = [[]] if blocks else []
    y = top
    for blk in blocks:
        if blk.table is None or not blk.table.rows:
            if pages[-1] and bottom - y < sec_h + msg_h:
                pages.append([])
                y = top
            pages[-1].append(("section", blk.title, y))
            y += sec_h
            pages[-1].append(("message", blk.message or ("", ""), y))
            y += msg_h
            continue
        first = table_height(s, blk.table, width, 0, 1)
        if pages[-1] and bottom - y < sec_h + first + s.mm(20):
            pages.append([])
            y = top
        chunks = paginate(s, blk.table, width, [bottom - y - sec_h, bottom - top - sec_h])
        for i, (a, b) in enumerate(chunks):
            if i:
                pages.append([])
                y = top
            pages[-1].append(("section", blk.title if i == 0 else blk.cont, y))
            y += sec_h
            pages[-1].append(("table", blk.table, a, b, y))
            y += table_height(s, blk.table, width, a, b)
        y += s.mm(5)
    return pages


def _message_box(doc: _Doc, y: float, text: str, hint: str = "") -> float:
    s = doc.sheet
    m = s.mm(MARGIN_MM)
    h = s.mm(_MESSAGE_MM)
    rect = QRectF(m, y, doc.width - 2 * m, h)
    s.box(rect, fill=QColor("#fff8e1"), stroke=QColor("#f9a825"), width_mm=0.35, radius_mm=1.5)
    s.text(rect.adjusted(s.mm(4), 0, -s.mm(4), -h / 2 + s.mm(1)), text, 11, bold=True, colour=QColor("#8d6e00"),
           align=ALIGN_LEFT)
    if hint:
        s.text(rect.adjusted(s.mm(4), h / 2 - s.mm(1), -s.mm(4), 0), hint, 8.5, colour=MUTED, align=ALIGN_LEFT)
    return y + h + s.mm(4)



def _write_pdf(path, kind: str, plan: dict, landscape: bool, draw, progress, lang, t0: float) -> D.ExportResult:
    """Write one PDF atomically with ``draw(doc, plan, result, progress)``; the result with pages,
    bytes and seconds filled in."""
    result = D.ExportResult(Path(path), kind, paper=plan["paper"], size_mm=paper_size(plan["paper"], landscape))
    with D.atomic_output(path, ".pdf") as tmp:
        doc = _Doc(tmp, plan["paper"], landscape, plan["ctx"].title, _family(plan["ctx"].renderer))
        try:
            draw(doc, plan, result, progress)
            result.pages = doc.page + 1
        finally:
            doc.end()
        _check(progress, 0.98, tr("export.progress.saving", lang=lang))
    result.bytes = Path(path).stat().st_size
    result.seconds = time.perf_counter() - t0
    return result

def export_pdf(project, path, *, paper: str = "A4", landscape: bool = False, layers: Iterable[str] | None = None,
               extent: Any = None, lang: str | None = None, title: str | None = None, subtitle: str | None = None,
               date: _dt.date | None = None, office: str | None = None, style: MapStyle | None = None,
               scale: int | None = None, tables: bool = True, simplify_px: float | None = SIMPLIFY_PX,
               progress: ProgressFn | None = None) -> D.ExportResult:
    """Write the meeting report PDF.

    Parameters
    ----------
    project : Project
        The project (after ``analyse``; the risk layer is used when present).
    path : str or Path
        The PDF to write (replaced atomically).
    paper : {"A4", "A3", "A2", "A1", "A0"}
        Paper size; ``landscape`` turns it.
    layers : list of str, optional
        Layer kinds on the map (default: :func:`~fireriskmap.export.data.default_report_layers`).
    extent : str or tuple, optional
        ``"village:NAME"``, ``"area:ID"``, ``"x0,y0,x1,y1"`` (metres, project CRS) or a tuple;
        default: the whole project. A village or area is outlined and the rest is dimmed.
    lang : {"zh_CN", "en"}, optional
        Language of the texts (default: the current language).
    title, subtitle, date, office
        Title block texts; defaults: "<township>冬春火灾防控风险图", the campaign season, today.
    scale : int, optional
        Map scale denominator (default: the next round scale that fits the extent).
    tables : bool
        Add the overview, priority table and village summary pages after the map sheet.
    simplify_px : float or None
        Print simplification of the map in device pixels at 300 dpi (default 1 px = 0.085 mm:
        vertices snapped to it, dots of tiny buildings merged per cell); None keeps every vertex
        the screen renderer keeps (files grow about 3× for a county).
    progress : callable, optional
        ``progress(fraction, message)``; raise :class:`~fireriskmap.errors.Cancelled` in it to stop.

    Returns
    -------
    ExportResult
        Path, page count, bytes, seconds, the map placement and scale.
    """
    t0 = time.perf_counter()
    plan = _report_plan(project, paper=paper, landscape=landscape, layers=layers, extent=extent, lang=lang,
                        title=title, subtitle=subtitle, date=date, office=office, style=style, scale=scale,
                        tables=tables, simplify_px=simplify_px, progress=progress)
    result = _write_pdf(path, "pdf", plan, landscape, _draw_report, progress, lang, t0)
    result.notes = plan["notes"]
    _check(progress, 1.0, "")
    return result


def _report_plan(project, *, paper, landscape, layers, extent, lang, title, subtitle, date, office, style, scale,
                 tables, simplify_px, progress) -> dict[str, Any]:
    """Everything the report pages show, computed before any page is drawn."""
    paper = str(paper).upper()
    paper_size(paper, landscape)
    focus = D.resolve_extent(project, extent)
    ctx = _context(project, lang=lang, style=style, layers=layers, title=title, subtitle=subtitle, date=date,
                   office=office, default_title_key="export.title.report",
                   focus_name=focus.name if focus is not None else "")
    ctx.simplify_px = simplify_px
    _check(progress, 0.02, tr("export.progress.data", lang=lang))
    geometry = focus.geometry if focus is not None else None
    rows = D.priority_rows(project, style=ctx.style, lang=lang)
    if rows is not None and geometry is not None:
        risk = project.layers["risk_areas"]
        geoms = np.asarray(risk.geometry.values, dtype=object)
        cand = shapely.STRtree(geoms).query(geometry, predicate="intersects")
        # areas really inside the focus (not neighbours that only touch its edge)
        share = shapely.area(shapely.intersection(geoms[cand], geometry)) / np.maximum(shapely.area(geoms[cand]), 1e-9)
        hit = set(cand[share > 0.05].tolist())
        rows = [r for r in rows if r.position in hit] or rows
    area = _series([geometry], project) if geometry is not None else None
    stats = D.area_stats(project, area) if area is not None else D.whole_stats(project)
    return {
        "paper": paper, "ctx": ctx, "focus": focus, "scale": scale, "tables": tables, "rows": rows,
        "figures": D.summary_figures(project, lang=lang, stats=stats), "counts": D.level_counts(project),
        "vtable": D.village_table(project, style=ctx.style, lang=lang) if tables else None,
        "hazards": _hazard_parts(project, lang, geometry),
        "notes": [tr("export.risk_not_run", lang=lang)] if rows is None else [],
    }


def _draw_report(doc: _Doc, plan: dict[str, Any], result: D.ExportResult, progress) -> None:
    """Draw the report's pages onto ``doc`` (a PDF or preview images)."""
    ctx, lang, tables = plan["ctx"], plan["ctx"].lang, plan["tables"]
    s = doc.sheet
    m = s.mm(MARGIN_MM)
    width = doc.width - 2 * m
    # plan the table pages first, so every footer can say "page i of n"
    blocks = []
    if tables:
        ptable = priority_table(plan["rows"], lang, landscape=doc.landscape)
        blocks.append(_Block(tr("export.section.priority", lang=lang), tr("export.section.priority_cont", lang=lang),
                             ptable, (tr("export.risk_not_run", lang=lang), tr("export.risk_hint", lang=lang))))
        vsum = village_summary_table(plan["vtable"], lang, landscape=doc.landscape)
        if vsum is not None:
            blocks.append(_Block(tr("export.section.villages", lang=lang),
                                 tr("export.section.villages_cont", lang=lang), vsum, None))
    content_top = _header_height(doc, ctx)
    bottom = doc.height - m - _footer_height(doc)
    flow = _flow(s, blocks, width, content_top, bottom)
    pages = 1 + (1 if tables else 0) + len(flow)
    # 1. the map sheet
    _check(progress, 0.1, tr("export.progress.map", lang=lang))
    view, denominator = _map_page(doc, ctx, plan["focus"], plan["scale"], plan["figures"])
    result.maps.append(D.MapPlacement(0, view, s.dpi, denominator))
    _footer(doc, ctx, 1, pages)
    page = 1
    if tables:
        _check(progress, 0.6, tr("export.progress.tables", lang=lang))
        doc.new_page()
        page += 1
        top = _header(doc, ctx, big=False)
        _overview_page(doc, ctx, top, plan["figures"], plan["counts"], plan["vtable"], plan["hazards"])
        _footer(doc, ctx, page, pages)
        for i, ops in enumerate(flow):
            doc.new_page()
            page += 1
            _header(doc, ctx, big=False)
            for op in ops:
                if op[0] == "section":
                    _section(doc, op[2], op[1])
                elif op[0] == "message":
                    _message_box(doc, op[2], *op[1])
                else:
                    draw_table(s, op[1], m, op[4], width, op[2], op[3])
            _footer(doc, ctx, page, pages)
            _check(progress, 0.65 + 0.3 * (i + 1) / len(flow))


def _header_height(doc: _Doc, ctx: _Context) -> float:
    """The y below a small header (measured by laying it out on a scratch image)."""
    image = QImage(4, 4, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    try:
        scratch = _Doc.__new__(_Doc)
        scratch.paper, scratch.w_mm, scratch.h_mm = doc.paper, doc.w_mm, doc.h_mm
        scratch.sheet = Sheet(painter, doc.sheet.dpi, doc.sheet.family, k=doc.sheet.k)
        return _header(scratch, ctx, big=False)
    finally:
        painter.end()


# -- the atlas ------------------------------------------------------------------------------------------------

@dataclass
class AtlasEntry:
    name: str
    geometry: Any
    level: D.LevelInfo | None = None
    score: float | None = None
    rank: int | None = None
    completeness: float | None = None
    reasons: list[str] | None = None
    kind: str = "village"


def atlas_entries(project, *, by: str = "village", style=None, lang=None, levels: Iterable[str] | None = None,
                  limit: int | None = None) -> list[AtlasEntry]:
    """The atlas pages: every village (layer order), or the priority areas in rank order.

    ``by="risk"`` keeps the areas whose level code is in ``levels`` (default: the two highest
    levels of the scheme, 红 and 橙; the top ten when none are).
    """
    rows = D.priority_rows(project, style=style, lang=lang)
    if by == "village":
        villages = project.layers.get("villages")
        if villages is None or len(villages) == 0:
            raise D.ExportError("export.error.no_villages")
        by_name = {}
        risk = project.layers.get("risk_areas")
        for r in rows or []:
            unit = risk["unit_type"].iloc[r.position] if risk is not None and "unit_type" in risk else "village"
            if unit in ("village", None) or unit != unit:
                by_name.setdefault(r.name, r)
        out = []
        for pos in range(len(villages)):
            name = str(villages["name"].iloc[pos]) if "name" in villages else str(pos + 1)
            r = by_name.get(name)
            out.append(AtlasEntry(name, villages.geometry.iloc[pos], r.level if r else None, r.score if r else None,
                                  r.rank if r else None, r.completeness if r else None, r.reasons if r else None))
        return out[:limit] if limit else out
    if by in ("risk", "priority", "area"):
        if rows is None:
            raise D.ExportError("export.error.no_risk")
        risk = project.layers["risk_areas"]
        if levels:
            wanted = {str(c) for c in levels}
            chosen = [r for r in rows if r.level.code in wanted]
        else:
            chosen = [r for r in rows if r.level.order <= 1 and not r.level.unknown]
        chosen = chosen or [r for r in rows if r.rank is not None][:10] or rows[:10]
        out = [AtlasEntry(r.name, risk.geometry.iloc[r.position], r.level, r.score, r.rank, r.completeness, r.reasons,
                          kind="risk") for r in chosen]
        return out[:limit] if limit else out
    raise D.ExportError("export.error.atlas_by", by=by)


def _entry_tables(project, entry: AtlasEntry, lang) -> tuple[Table | None, int, Table | None, int, Table | None, int]:
    """Flagged buildings, open hazards and proposed hydrants inside the entry (tables, totals)."""
    area = _series([entry.geometry], project)
    sep = "；" if D.lang_code(lang) == "zh" else "; "
    # flagged buildings
    btable, bn = None, 0
    b = project.layers.get("buildings")
    if D.has_values(b, "chimney_candidate") or D.has_values(b, "steel_or_panel"):
        f, _ = D.membership(b, area)
        sub = b.iloc[np.unique(f)]
        chim = sub["chimney_candidate"].fillna(False).astype(bool) if "chimney_candidate" in sub else False
        steel = sub["steel_or_panel"].fillna(False).astype(bool) if "steel_or_panel" in sub else False
        flagged = sub[chim | steel].copy()
        bn = len(flagged)
        if bn:
            flagged["_c"] = (flagged["chimney_candidate"].fillna(False).astype(bool)
                             if "chimney_candidate" in flagged else False)
            st = flagged["storeys"] if "storeys" in flagged else None
            flagged["_s"] = st.fillna(0).astype(float) if st is not None else 0
            flagged = flagged.sort_values(["_c", "_s"], ascending=[False, False])
            rows = []
            for _, rec in flagged.iterrows():
                kinds = []
                reasons = []
                if bool(rec.get("_c")):
                    kinds.append(tr("export.flag.chimney", lang=lang))
                    reasons.append(str(rec.get("chimney_candidate_reason") or ""))
                if "steel_or_panel" in flagged and not D.missing(rec.get("steel_or_panel")) and bool(rec.get("steel_or_panel")):
                    kinds.append(tr("export.flag.steel", lang=lang))
                    reasons.append(str(rec.get("steel_or_panel_reason") or ""))
                name = rec.get("name")
                name = "—" if D.missing(name) or not str(name).strip() else str(name)
                storeys = rec.get("storeys")
                rows.append([Cell(name), Cell(D.enum_label("buildings", "structure", rec.get("structure"), lang) or "—"),
                             Cell(D.fmt_int(storeys)),
                             Cell("、".join(kinds) if D.lang_code(lang) == "zh" else ", ".join(kinds)),
                             Cell(sep.join(r for r in reasons if r) or "—")])
            btable = Table([Column(tr("export.col.building", lang=lang), 1.3, ALIGN_LEFT, wrap=True),
                            Column(tr("export.col.structure", lang=lang), 0.9, ALIGN_CENTER, wrap=True),
                            Column(tr("export.col.storeys", lang=lang), 0.6, ALIGN_CENTER),
                            Column(tr("export.col.flag", lang=lang), 1.0, ALIGN_CENTER, wrap=True),
                            Column(tr("export.col.basis", lang=lang), 2.6, ALIGN_LEFT, wrap=True)],
                           rows, TableStyle(points=7.0, head_points=7.0, min_row_mm=4.6, pad_mm=0.9))
    # open hazards
    htable, hn = None, 0
    h = project.layers.get("hazards")
    if h is not None and len(h):
        f, _ = D.membership(h, area)
        sub = h.iloc[np.unique(f)]
        if "status" in sub:
            sub = sub[sub["status"].astype(object).fillna("open") != "closed"].copy()
        hn = len(sub)
        if hn:
            order = {"overdue": 0, "open": 1, "rectifying": 2}
            sub["_o"] = sub["status"].map(order).fillna(3) if "status" in sub else 0
            sub["_m"] = (sub["severity"] != "major").astype(int) if "severity" in sub else 0
            sub["_d"] = sub["deadline"].astype(str) if "deadline" in sub else ""
            sub = sub.sort_values(["_o", "_m", "_d"])
            rows = []
            for _, rec in sub.iterrows():
                sev = rec.get("severity")
                deadline = rec.get("deadline")
                rows.append([Cell(D.enum_label("hazards", "hazard_type", rec.get("hazard_type"), lang) or "—"),
                             Cell(D.enum_label("hazards", "severity", sev, lang) or "—",
                                  ink="#c62828" if sev == "major" else None, bold=sev == "major"),
                             Cell(D.enum_label("hazards", "status", rec.get("status"), lang) or "—",
                                  ink="#c62828" if rec.get("status") == "overdue" else None),
                             Cell("—" if D.missing(deadline) else str(deadline)[:10]),
                             Cell(str(rec.get("responsible_unit") or "—") if "responsible_unit" in sub else "—")])
            htable = Table([Column(tr("export.col.hazard_type", lang=lang), 1.6, ALIGN_LEFT, wrap=True),
                            Column(tr("export.col.severity", lang=lang), 0.6, ALIGN_CENTER),
                            Column(tr("export.col.status", lang=lang), 0.7, ALIGN_CENTER),
                            Column(tr("export.col.deadline", lang=lang), 1.0, ALIGN_CENTER),
                            Column(tr("export.col.unit", lang=lang), 1.6, ALIGN_LEFT, wrap=True)],
                           rows, TableStyle(points=7.0, head_points=7.0, min_row_mm=4.6, pad_mm=0.9))
    # proposed hydrants
    ptable, pn = None, 0
    ph = project.layers.get("proposed_hydrants")
    if ph is not None and len(ph):
        f, _ = D.membership(ph, area)
        sub = ph.iloc[np.unique(f)]
        pn = len(sub)
        if pn:
            if "order" in sub:
                sub = sub.sort_values("order")
            rows = []
            names = D.road_names(project, sub["road"].tolist()) if "road" in sub else ["—"] * len(sub)
            for (_, rec), road in zip(sub.iterrows(), names):
                pt = rec.geometry
                rows.append([Cell(D.fmt_int(rec.get("order"))), Cell(road),
                             Cell(D.fmt_int(rec.get("gain_buildings"))),
                             Cell(f"{pt.x:.0f}, {pt.y:.0f}")])
            ptable = Table([Column(tr("export.col.order", lang=lang), 0.5, ALIGN_CENTER),
                            Column(tr("export.col.road", lang=lang), 1.4, ALIGN_LEFT, wrap=True),
                            Column(tr("export.col.gain", lang=lang), 0.9, ALIGN_CENTER),
                            Column(tr("export.col.xy", lang=lang), 1.5, ALIGN_CENTER)],
                           rows, TableStyle(points=7.0, head_points=7.0, min_row_mm=4.6, pad_mm=0.9))
    return btable, bn, htable, hn, ptable, pn


def _entry_figures(stats, lang) -> list[tuple[str, str]]:
    s = stats
    def t(key):
        return tr(f"export.atlas.{key}", lang=lang)

    def num(v):
        return D.fmt_int(v)

    rows = [
        (t("households"), num(s["households"])),
        (t("buildings"), num(s["buildings"])),
        (t("timber_share"), D.fmt_share(s["timber_share"], 0)),
        (t("clusters"), tr("export.atlas.clusters_value", lang=lang, n=num(s["clusters_flagged"]),
                           households=num(s["households_flagged"]))),
        (t("chimney"), num(s["chimney"])),
        (t("steel"), num(s["steel"])),
        (t("high_rise"), num(s["high_rise"])),
        (t("water_share"), D.fmt_share(s["water_share"])),
        (t("gaps"), tr("export.atlas.gaps_value", lang=lang, n=num(s["gaps"]), households=num(s["gap_households"]))),
        (t("proposed"), num(s["proposed"])),
        (t("share_5min"), D.fmt_share(s["share_5min"])),
        (t("hydrants"), tr("export.atlas.hydrants_value", lang=lang, working=num(s["hydrants_working"]),
                           total=num(s["hydrants"]), sources=num(s["water_sources"]))),
        (t("stations"), num(s["stations"])),
        (t("hazards"), tr("export.atlas.hazards_value", lang=lang, total=num(s["hazards"]),
                          open=num(s["hazards"] - s["hazards_closed"]), overdue=num(s["hazards_overdue"]))),
        (t("key_places"), num(s["key_places"])),
        (t("incidents"), num(s["incidents"])),
    ]
    return rows


def _draw_kv(s: Sheet, rows, x: float, y: float, width: float) -> float:
    row_h = s.mm(5.4) * max(1.0, s.k * 0.95)
    for i, (k, v) in enumerate(rows):
        if i % 2 == 0:
            s.box(QRectF(x, y, width, row_h), fill=QColor("#f3f5f8"), stroke=None)
        s.text(QRectF(x + s.mm(1.5), y, width * 0.6, row_h), k, s.fit_text(k, width * 0.58, 8), colour=MUTED)
        s.text(QRectF(x + width * 0.4, y, width * 0.6 - s.mm(1.5), row_h), v,
               s.fit_text(v, width * 0.58, 8.5, bold=True), bold=True, align=ALIGN_RIGHT)
        y += row_h
    s.line(x, y, x + width, y, colour=INK, width_mm=0.3)
    return y


def _list_block(doc: _Doc, table: Table | None, total: int, title: str, x: float, y: float, width: float,
                bottom: float, lang, empty: str) -> float:
    """A titled table cut to the room left, with "N more" when cut."""
    s = doc.sheet
    th = s.metrics(9.5, True).height()
    s.text(QRectF(x, y, width, th), f"{title}（{total}）" if D.lang_code(lang) == "zh" else f"{title} ({total})",
           9.5, bold=True, colour=ACCENT)
    y += th + s.mm(1)
    if table is None or not table.rows:
        s.text(QRectF(x, y, width, s.metrics(8).height()), empty, 8, colour=MUTED)
        return y + s.metrics(8).height() + s.mm(3)
    more_h = s.metrics(7.5).height() + s.mm(1)
    chunks = paginate(s, table, width, [bottom - y - more_h])
    a, b = chunks[0]
    if len(chunks) > 1 and b - a < 1:
        return y
    end = draw_table(s, table, x, y, width, a, b)
    if b < len(table.rows):
        s.text(QRectF(x, end + s.mm(0.5), width, more_h), tr("export.more_rows", lang=lang, n=len(table.rows) - b),
               7.5, colour=MUTED)
        end += more_h
    return end + s.mm(3)


def _entry_page(doc: _Doc, ctx: _Context, entry: AtlasEntry, index: int, total: int) -> tuple[MapView, int]:
    s = doc.sheet
    m = s.mm(MARGIN_MM)
    width = doc.width - 2 * m
    # header: number and name, level badge, score line, internal mark
    mark = internal_mark(s, doc.width - m, s.mm(MARGIN_MM - 4), ctx.mark, points=8.5, anchor="right")
    small = s.metrics(8).height()
    s.text(QRectF(m, mark.top(), width - mark.width(), small), ctx.title, 8, colour=MUTED)
    y = mark.bottom() + s.mm(1.5)
    head = f"{index}. {entry.name}"
    hh = s.metrics(17, True).height()
    s.text(QRectF(m, y, width, hh), head, 17, bold=True, colour=INK)
    x = m + s.text_width(head, 17, bold=True) + s.mm(4)
    if entry.level is not None:
        badge = level_badge(s, x, y + (hh - s.metrics(10, True).height() - s.mm(1.6)) / 2,
                            D.short_level(entry.level), entry.level.colour, entry.level.text_colour,
                            points=10)
        x = badge.right() + s.mm(3)
        line = tr("export.atlas.score_line", lang=ctx.lang, score=D.fmt_num(entry.score),
                  rank=entry.rank if entry.rank is not None else "—", total=total,
                  completeness=D.fmt_share(entry.completeness, 0))
    else:
        line = tr("export.atlas.no_risk", lang=ctx.lang)
    s.text(QRectF(x, y, doc.width - m - x, hh), line, s.fit_text(line, doc.width - m - x, 9), colour=MUTED)
    y += hh + s.mm(1)
    s.line(m, y, doc.width - m, y, colour=RED, width_mm=0.6)
    y += s.mm(2.5)
    bottom = doc.height - m - _footer_height(doc)
    focus = D.Focus(D._padded(entry.geometry.bounds, 0.06), entry.geometry, entry.name, entry.kind)
    scale_h = s.metrics(9, True).height() + s.mm(1)
    if doc.landscape:
        map_rect = QRectF(m, y, width * 0.58, bottom - y - scale_h)
        col_x = map_rect.right() + s.mm(5)
        col_w = doc.width - m - col_x
        col_top = y
    else:
        map_rect = QRectF(m, y, width, (bottom - y) * 0.5)
        col_x, col_w, col_top = m, width, map_rect.bottom() + scale_h + s.mm(2)
    view, denominator = draw_map(doc, ctx, map_rect, focus.extent, focus=focus)
    _scale_text(s, ctx, QRectF(map_rect.left(), map_rect.bottom() + s.mm(1), map_rect.width(), scale_h - s.mm(1)),
                denominator)
    # figures and lists
    stats = D.area_stats(ctx.project, _series([entry.geometry], ctx.project)).iloc[0]
    figs = _entry_figures(stats, ctx.lang)
    btable, bn, htable, hn, ptable, pn = _entry_tables(ctx.project, entry, ctx.lang)
    if doc.landscape:
        left_w = col_w
        yy = col_top
        th = s.metrics(9.5, True).height()
        s.text(QRectF(col_x, yy, left_w, th), tr("export.atlas.figures", lang=ctx.lang), 9.5, bold=True, colour=ACCENT)
        yy = _draw_kv(s, figs, col_x, yy + th + s.mm(1), left_w) + s.mm(3)
        list_x, list_w, list_top = col_x, col_w, yy
    else:
        left_w = width * 0.36
        th = s.metrics(9.5, True).height()
        s.text(QRectF(col_x, col_top, left_w, th), tr("export.atlas.figures", lang=ctx.lang), 9.5, bold=True,
               colour=ACCENT)
        _draw_kv(s, figs, col_x, col_top + th + s.mm(1), left_w)
        list_x, list_w, list_top = col_x + left_w + s.mm(5), width - left_w - s.mm(5), col_top
    yy = list_top
    if entry.reasons:
        sep = "；" if D.lang_code(ctx.lang) == "zh" else "; "
        text = tr("export.atlas.reasons", lang=ctx.lang) + sep.join(entry.reasons[:4])
        rh = s.text_height(text, list_w, 8.5)
        s.text(QRectF(list_x, yy, list_w, rh), text, 8.5, colour=INK, wrap=True,
               align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        yy += rh + s.mm(2.5)
    room = bottom - yy
    # share the room: buildings and hazards, then hydrants
    yy = _list_block(doc, btable, bn, tr("export.atlas.flagged", lang=ctx.lang), list_x, yy, list_w,
                     yy + room * (0.45 if htable is not None else 0.8), ctx.lang, tr("export.atlas.none", lang=ctx.lang))
    yy = _list_block(doc, htable, hn, tr("export.atlas.open_hazards", lang=ctx.lang), list_x, yy, list_w,
                     max(yy + s.mm(20), bottom - (s.mm(28) if ptable is not None else s.mm(6))), ctx.lang,
                     tr("export.atlas.none", lang=ctx.lang))
    if yy < bottom - s.mm(14):
        _list_block(doc, ptable, pn, tr("export.atlas.proposed", lang=ctx.lang), list_x, yy, list_w, bottom, ctx.lang,
                    tr("export.atlas.none", lang=ctx.lang))
    return view, denominator


def _cover_page(doc: _Doc, ctx: _Context, entries: list[AtlasEntry], by: str) -> None:
    s = doc.sheet
    p = s.p
    m = s.mm(MARGIN_MM)
    width = doc.width - 2 * m
    internal_mark(s, m, s.mm(MARGIN_MM), ctx.mark, points=11)
    y = doc.height * (0.1 if doc.landscape else 0.13)
    size = s.fit_text(ctx.title, width, 28, bold=True)
    th = s.metrics(size, True).height()
    s.text(QRectF(m, y, width, th), ctx.title, size, bold=True, colour=ACCENT, align=ALIGN_CENTER)
    y += th + s.mm(3)
    sh = s.metrics(13).height()
    s.text(QRectF(m, y, width, sh), ctx.subtitle, 13, colour=INK, align=ALIGN_CENTER)
    y += sh + s.mm(4)
    s.line(m + width * 0.2, y, m + width * 0.8, y, colour=RED, width_mm=0.9)
    s.line(m + width * 0.2, y + s.mm(1.2), m + width * 0.8, y + s.mm(1.2), colour=RED, width_mm=0.3)
    y += s.mm(6)
    # the key map: every entry outlined and numbered
    bottom = doc.height - m - s.mm(40)
    map_rect = QRectF(m + width * 0.08, y, width * 0.84, bottom - y)
    view, _ = draw_map(doc, ctx, map_rect, None, labels=False)
    p.save()
    p.setClipRect(map_rect)
    for i, e in enumerate(entries, start=1):
        path = _geometry_path(view, e.geometry)
        pen = QPen(QColor("#4a3b63"), s.mm(0.45))
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
    for i, e in enumerate(entries, start=1):
        pt = e.geometry.representative_point()
        x, yy = view.point_to_px(pt.x, pt.y)
        r = s.mm(2.6) * s.k
        p.setPen(QPen(QColor("#ffffff"), s.mm(0.3)))
        p.setBrush(QColor(e.level.colour) if e.level is not None else QColor("#4a3b63"))
        p.drawEllipse(QPointF(x, yy), r, r)
        ink = QColor(e.level.text_colour) if e.level is not None else QColor("#ffffff")
        s.text(QRectF(x - r, yy - r, 2 * r, 2 * r), str(i), s.fit_text(str(i), 1.8 * r, 7, bold=True, minimum=4),
               bold=True, colour=ink, align=ALIGN_CENTER)
    p.restore()
    y = bottom + s.mm(8)
    lines = [tr("export.atlas.cover_count" if by == "village" else "export.atlas.cover_count_risk", lang=ctx.lang,
                n=len(entries)),
             tr("export.map_date", lang=ctx.lang, date=D.format_date(ctx.date, ctx.lang))]
    if ctx.office:
        lines.insert(0, tr("export.office", lang=ctx.lang, office=ctx.office))
    for line in lines:
        lh = s.metrics(11).height() * 1.3
        s.text(QRectF(m, y, width, lh), line, 11, colour=INK, align=ALIGN_CENTER)
        y += lh
    s.text(QRectF(m, doc.height - m - s.metrics(7).height(), width, s.metrics(7).height()), ctx.crs_note, 7,
           colour=MUTED, align=ALIGN_CENTER)


def export_atlas(project, path, *, by: str = "village", paper: str = "A4", landscape: bool = False,
                 layers: Iterable[str] | None = None, lang: str | None = None, title: str | None = None,
                 subtitle: str | None = None, date: _dt.date | None = None, office: str | None = None,
                 style: MapStyle | None = None, levels: Iterable[str] | None = None, limit: int | None = None,
                 progress: ProgressFn | None = None) -> D.ExportResult:
    """Write the atlas: a cover with a key map, a contents page, one page per village or area.

    ``by="village"`` (every village, layer order) or ``"risk"`` (the priority areas in rank order,
    levels ``levels``, default major and high). Other parameters as :func:`export_pdf`.
    """
    t0 = time.perf_counter()
    plan = _atlas_plan(project, by=by, paper=paper, landscape=landscape, layers=layers, lang=lang, title=title,
                       subtitle=subtitle, date=date, office=office, style=style, levels=levels, limit=limit)
    result = _write_pdf(path, "atlas", plan, landscape, _draw_atlas, progress, lang, t0)
    result.extra["entries"] = [e.name for e in plan["entries"]]
    _check(progress, 1.0, "")
    return result


def _atlas_plan(project, *, by, paper, landscape, layers, lang, title, subtitle, date, office, style, levels,
                limit) -> dict[str, Any]:
    paper = str(paper).upper()
    paper_size(paper, landscape)
    key = "export.title.atlas" if by == "village" else "export.title.atlas_risk"
    ctx = _context(project, lang=lang, style=style, layers=layers, title=title, subtitle=subtitle, date=date,
                   office=office, default_title_key=key)
    entries = atlas_entries(project, by=by, style=ctx.style, lang=lang, levels=levels, limit=limit)
    if not entries:
        raise D.ExportError("export.error.no_entries")
    n_risk = len(project.layers["risk_areas"]) if "risk_areas" in project.layers else 0
    return {"paper": paper, "ctx": ctx, "entries": entries, "by": by, "n_risk": n_risk}


def _draw_atlas(doc: _Doc, plan: dict[str, Any], result: D.ExportResult, progress) -> None:
    ctx, entries, lang = plan["ctx"], plan["entries"], plan["ctx"].lang
    s = doc.sheet
    m = s.mm(MARGIN_MM)
    width = doc.width - 2 * m
    # contents table (page numbers known once its own length is known)
    top = _header_height(doc, ctx)
    bottom = doc.height - m - _footer_height(doc)
    sec = s.metrics(11.5, True).height() + s.mm(2)
    contents = _contents_table(entries, lang, first_page=0)
    chunks = paginate(s, contents, width, [bottom - top - sec])
    first = 1 + len(chunks) + 1
    contents = _contents_table(entries, lang, first_page=first)
    pages = 1 + len(chunks) + len(entries)
    _check(progress, 0.02, tr("export.progress.cover", lang=lang))
    _cover_page(doc, ctx, entries, plan["by"])
    page = 1
    for a, b in chunks:
        doc.new_page()
        page += 1
        top = _header(doc, ctx, big=False)
        y = _section(doc, top, tr("export.section.contents", lang=lang))
        draw_table(s, contents, m, y, width, a, b)
        _footer(doc, ctx, page, pages)
    for i, entry in enumerate(entries, start=1):
        _check(progress, 0.05 + 0.9 * (i - 1) / len(entries), tr("export.progress.entry", lang=lang, name=entry.name))
        doc.new_page()
        page += 1
        view, denominator = _entry_page(doc, ctx, entry, i, plan["n_risk"])
        result.maps.append(D.MapPlacement(page - 1, view, s.dpi, denominator))
        _footer(doc, ctx, page, pages)


def _contents_table(entries: list[AtlasEntry], lang, first_page: int) -> Table:
    cols = [Column(tr("export.col.no", lang=lang), 0.5, ALIGN_CENTER),
            Column(tr("export.col.area", lang=lang), 2.2, ALIGN_LEFT),
            Column(tr("export.col.level", lang=lang), 1.2, ALIGN_CENTER),
            Column(tr("export.col.score", lang=lang), 0.7, ALIGN_CENTER),
            Column(tr("export.col.page", lang=lang), 0.6, ALIGN_CENTER)]
    rows = []
    for i, e in enumerate(entries):
        if e.level is not None:
            level = Cell(D.short_level(e.level), fill=e.level.colour, ink=e.level.text_colour,
                         bold=True)
        else:
            level = Cell("—")
        rows.append([Cell(str(i + 1)), Cell(e.name), level, Cell(D.fmt_num(e.score)),
                     Cell(str(first_page + i) if first_page else "")])
    return Table(cols, rows, TableStyle(points=9, head_points=9, min_row_mm=6.5))


def preview_pdf(project, *, atlas: bool = False, dpi: float = 72.0, pages: int | None = 3,
                **options) -> list[QImage]:
    """The first ``pages`` pages of the report (or, ``atlas=True``, of the atlas) as QImages at
    ``dpi``, drawn by the same code as the PDF — for the export dialog's preview (in a worker).

    ``options`` are those of :func:`export_pdf` / :func:`export_atlas` (paper, landscape, layers,
    extent, lang, title ...; not ``path`` or ``progress``).
    """
    landscape = bool(options.get("landscape", False))
    result = D.ExportResult(None, "preview")
    if atlas:
        keys = ("by", "paper", "layers", "lang", "title", "subtitle", "date", "office", "style", "levels", "limit")
        kw = {k: options.get(k) for k in keys}
        kw["by"] = kw["by"] or "village"
        kw["paper"] = kw["paper"] or "A4"
        plan = _atlas_plan(project, landscape=landscape, **kw)
        draw = _draw_atlas
    else:
        keys = ("paper", "layers", "extent", "lang", "title", "subtitle", "date", "office", "style", "scale")
        kw = {k: options.get(k) for k in keys}
        kw["paper"] = kw["paper"] or "A4"
        plan = _report_plan(project, landscape=landscape, tables=options.get("tables", True),
                            simplify_px=options.get("simplify_px", SIMPLIFY_PX), progress=None, **kw)
        draw = _draw_report
    doc = _ImageDoc(plan["paper"], landscape, _family(plan["ctx"].renderer), dpi, pages)
    try:
        draw(doc, plan, result, None)
    except _PreviewFull:
        pass
    finally:
        doc.end()
    return doc.images


__all__ = ["export_pdf", "export_atlas", "preview_pdf", "atlas_entries", "nice_scale", "format_scale", "fit_view", "paper_size",
           "PAPERS_MM", "PRINT_DPI", "SIMPLIFY_PX", "draw_map", "draw_legend_box", "priority_table",
           "village_summary_table"]
