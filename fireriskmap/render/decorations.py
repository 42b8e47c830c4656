"""Map furniture drawn by the same code on the canvas, in PNGs and in PDFs: scale bar, north arrow,
legend."""

from __future__ import annotations

from dataclasses import dataclass, field

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPen, QPolygonF

from fireriskmap.i18n import tr
from fireriskmap.render.style import Symbol, Theme
from fireriskmap.render.symbols import draw_swatch, qcolor
from fireriskmap.render.text import draw_halo_text, map_font
from fireriskmap.render.view import MapView, format_distance, nice_number


@dataclass(frozen=True)
class ScaleBar:
    """A scale bar: ``length_m`` on the ground drawn ``length_px`` long in ``segments`` parts."""

    length_m: float
    length_px: float
    segments: int
    label: str


def scale_bar_layout(mpp: float, max_px: float) -> ScaleBar:
    """The longest round length (1, 2 or 5 × 10^k m) whose bar fits in ``max_px`` device pixels.

    ``mpp`` is metres per device pixel, so the bar is true to scale on that device.
    """
    if mpp <= 0 or max_px <= 0:
        raise ValueError("mpp and max_px must be positive")
    length = nice_number(mpp * max_px)
    lead = round(length / 10 ** int(f"{length:e}".split("e")[1]))
    segments = {1: 4, 2: 4, 5: 5}.get(lead, 4)
    return ScaleBar(length, length / mpp, segments, format_distance(length))


def _panel(painter: QPainter, rect: QRectF, theme: Theme, k: float) -> None:
    painter.save()
    painter.setPen(QPen(qcolor(theme.panel_border), 0.8 * k))
    painter.setBrush(QBrush(qcolor(theme.panel)))
    painter.drawRoundedRect(rect, 3 * k, 3 * k)
    painter.restore()


def draw_scale_bar(painter: QPainter, view: MapView, *, theme: Theme, family: str, dpi: float = 96.0,
                   k: float = 1.0, anchor: str = "bottom_left") -> QRectF:
    """Draw a true-to-scale bar in a corner of the view; returns the rectangle it covers.

    ``dpi`` is the device's resolution, ``k`` the theme's size factor (sizes are scaled by
    ``dpi / 96 * k``).
    """
    u = dpi / 96.0 * k
    margin = 12 * u
    bar = scale_bar_layout(view.mpp, min(150 * u, view.width * 0.35))
    font = map_font(family, 8 * k, dpi)
    fm = QFontMetricsF(font)
    text_h = fm.ascent() + fm.descent()
    bar_h = 5 * u
    pad = 6 * u
    label_w = fm.horizontalAdvance(bar.label)
    width = bar.length_px + pad * 2 + label_w / 2 + fm.horizontalAdvance("0") / 2
    height = text_h + bar_h + pad * 2 + 2 * u
    if anchor == "bottom_left":
        rect = QRectF(view.left + margin, view.top + view.height - margin - height, width, height)
    else:
        rect = QRectF(view.left + view.width - margin - width, view.top + view.height - margin - height,
                      width, height)
    _panel(painter, rect, theme, u)
    x0 = rect.left() + pad + fm.horizontalAdvance("0") / 2
    y0 = rect.bottom() - pad - bar_h
    dark = qcolor(theme.text)
    light = QColor(255, 255, 255)
    seg = bar.length_px / bar.segments
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(Qt.PenStyle.NoPen)
    for i in range(bar.segments):
        painter.setBrush(dark if i % 2 == 0 else light)
        painter.drawRect(QRectF(x0 + i * seg, y0, seg, bar_h))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(dark, max(1.0, 0.8 * u)))
    painter.drawRect(QRectF(x0, y0, bar.length_px, bar_h))
    painter.restore()
    painter.save()
    painter.setFont(font)
    painter.setPen(dark)
    base = y0 - 2 * u - fm.descent()
    painter.drawText(QPointF(x0 - fm.horizontalAdvance("0") / 2, base), "0")
    painter.drawText(QPointF(x0 + bar.length_px - label_w / 2, base), bar.label)
    painter.restore()
    return rect


def draw_north_arrow(painter: QPainter, view: MapView, *, theme: Theme, family: str, lang: str | None,
                     dpi: float = 96.0, k: float = 1.0) -> QRectF:
    """A north arrow in the top-right corner (grid north: the project CRS is north-up)."""
    u = dpi / 96.0 * k
    margin = 12 * u
    size = 34 * u
    font = map_font(family, 10 * k, dpi, bold=True)
    fm = QFontMetricsF(font)
    letter = tr("render.north", lang=lang)
    text_h = fm.ascent() + fm.descent()
    w = max(size * 0.62, fm.horizontalAdvance(letter)) + 10 * u
    h = size + text_h + 10 * u
    rect = QRectF(view.left + view.width - margin - w, view.top + margin, w, h)
    _panel(painter, rect, theme, u)
    cx = rect.center().x()
    top = rect.top() + 5 * u + text_h
    bottom = top + size - 2 * u
    half = size * 0.26
    notch = bottom - size * 0.22
    dark = qcolor(theme.text)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    left = QPolygonF([QPointF(cx, top), QPointF(cx - half, bottom), QPointF(cx, notch)])
    right = QPolygonF([QPointF(cx, top), QPointF(cx + half, bottom), QPointF(cx, notch)])
    painter.setPen(QPen(dark, max(0.8, 0.9 * u), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                        Qt.PenJoinStyle.RoundJoin))
    painter.setBrush(dark)
    painter.drawPolygon(left)
    painter.setBrush(QColor(255, 255, 255))
    painter.drawPolygon(right)
    painter.restore()
    painter.save()
    painter.setFont(font)
    painter.setPen(dark)
    painter.drawText(QPointF(cx - fm.horizontalAdvance(letter) / 2, rect.top() + 3 * u + fm.ascent()), letter)
    painter.restore()
    return rect


@dataclass
class LegendGroup:
    """One layer in the legend: its title, geometry type and (symbol, label) rows."""

    title: str
    geometry: str
    items: list[tuple[Symbol, str]] = field(default_factory=list)


def draw_legend(painter: QPainter, groups: list[LegendGroup], view: MapView, *, theme: Theme,
                family: str, lang: str | None, dpi: float = 96.0, k: float = 1.0,
                anchor: str = "bottom_right", max_height: float | None = None) -> QRectF:
    """A legend panel in a corner of the view (flows into more columns when too tall)."""
    if not groups:
        return QRectF()
    u = dpi / 96.0 * k
    head_font = map_font(family, 10.5 * k, dpi, bold=True)
    title_font = map_font(family, 9 * k, dpi, bold=True)
    item_font = map_font(family, 8.5 * k, dpi)
    hfm, tfm, ifm = QFontMetricsF(head_font), QFontMetricsF(title_font), QFontMetricsF(item_font)
    sw, sh = 22 * u, 12 * u
    row = max(sh, ifm.height()) + 3 * u
    title_row = tfm.height() + 4 * u
    pad, gap, indent, col_gap = 8 * u, 5 * u, 6 * u, 14 * u

    # rows: (kind, text, symbol, geometry) with kind 'title', 'item' or 'single' (one-symbol layer)
    blocks: list[list[tuple[str, str, Symbol | None, str]]] = []
    for g in groups:
        if len(g.items) == 1 and (not g.items[0][1] or g.items[0][1] == g.title):
            blocks.append([("single", g.title, g.items[0][0], g.geometry)])
        else:
            blocks.append([("title", g.title, None, g.geometry)]
                          + [("item", text, sym, g.geometry) for sym, text in g.items])

    def height_of(r) -> float:
        return title_row if r[0] == "title" else row

    def width_of(r) -> float:
        if r[0] == "title":
            return tfm.horizontalAdvance(r[1])
        if r[0] == "single":
            return sw + gap + tfm.horizontalAdvance(r[1])
        return indent + sw + gap + ifm.horizontalAdvance(r[1])

    heading = tr("render.legend.title", lang=lang)
    head_h = hfm.height() + 4 * u
    avail = max((max_height or view.height - 24 * u) - head_h - 2 * pad, title_row + row)
    columns: list[list] = [[]]
    used = 0.0
    for block in blocks:
        block_h = sum(height_of(r) for r in block)
        if columns[-1] and used + block_h > avail and block_h <= avail:
            columns.append([])  # move the whole layer to a new column
            used = 0.0
        for r in block:
            need = height_of(r) + (row if r[0] == "title" else 0)  # keep a title with its first item
            if columns[-1] and used + need > avail:
                columns.append([])
                used = 0.0
            columns[-1].append(r)
            used += height_of(r)
    col_w = [max(width_of(r) for r in col) for col in columns]
    col_h = [sum(height_of(r) for r in col) for col in columns]
    width = max(sum(col_w) + (len(columns) - 1) * col_gap, hfm.horizontalAdvance(heading)) + 2 * pad
    height = head_h + max(col_h) + 2 * pad
    margin = 12 * u
    left_x = view.left + margin
    right_x = view.left + view.width - margin - width
    top_y = view.top + margin
    bottom_y = view.top + view.height - margin - height
    x_pos, y_pos = {"bottom_right": (right_x, bottom_y), "bottom_left": (left_x, bottom_y),
                    "top_left": (left_x, top_y), "top_right": (right_x, top_y)}[anchor]
    rect = QRectF(x_pos, y_pos, width, height)
    _panel(painter, rect, theme, u)
    text_colour = qcolor(theme.text)
    painter.save()
    painter.setPen(text_colour)
    painter.setFont(head_font)
    painter.drawText(QPointF(rect.left() + pad, rect.top() + pad + hfm.ascent()), heading)
    x = rect.left() + pad
    for col, cw in zip(columns, col_w):
        y = rect.top() + pad + head_h
        for kind, text, sym, geometry in col:
            if kind == "title":
                painter.setFont(title_font)
                painter.setPen(text_colour)
                painter.drawText(QPointF(x, y + 2 * u + tfm.ascent()), text)
                y += title_row
                continue
            shift = 0 if kind == "single" else indent
            fm = tfm if kind == "single" else ifm
            swatch = QRectF(x + shift, y + (row - sh) / 2, sw, sh)
            draw_swatch(painter, swatch, sym, geometry, k=u)
            painter.setFont(title_font if kind == "single" else item_font)
            painter.setPen(text_colour)
            painter.drawText(QPointF(swatch.right() + gap, y + (row - fm.height()) / 2 + fm.ascent()), text)
            y += row
        x += cw + col_gap
    painter.restore()
    return rect


def draw_message(painter: QPainter, view: MapView, text: str, *, theme: Theme, family: str,
                 dpi: float = 96.0, k: float = 1.0) -> None:
    """A centred message on the map (e.g. 'no layers')."""
    font = map_font(family, 12 * k, dpi)
    fm = QFontMetricsF(font)
    w = fm.horizontalAdvance(text)
    pos = QPointF(view.left + view.width / 2 - w / 2, view.top + view.height / 2)
    draw_halo_text(painter, pos, text, font, qcolor(theme.text), qcolor(theme.halo), 3 * dpi / 96 * k)


__all__ = ["ScaleBar", "scale_bar_layout", "draw_scale_bar", "draw_north_arrow", "LegendGroup",
           "draw_legend", "draw_message"]
