"""Page furniture for the printed outputs, drawn with QPainter (QtCore/QtGui only).

Sizes are given in millimetres and points and converted to the device's pixels, so the same code
lays out A4 to A1 pages on a ``QPdfWriter`` or a ``QImage``. Text is drawn with ``drawText`` (it
stays selectable text in a PDF, with the embedded Chinese font); tables and charts are vector paths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen

from fireriskmap.fonts import FALLBACK_FAMILIES
from fireriskmap.render.text import no_ligatures

INK = QColor("#1f1f1f")
MUTED = QColor("#5f6368")
RULE = QColor("#9aa0a6")
HEAD_FILL = QColor("#e8edf3")
ZEBRA = QColor("#f7f8fa")
RED = QColor("#c62828")
ACCENT = QColor("#8b1a1a")  # titles: the dark red of government documents

ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ALIGN_CENTER = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter


def _flags(*flags) -> int:
    out = 0
    for f in flags:
        out |= int(f.value) if hasattr(f, "value") else int(f)
    return out


class Sheet:
    """Unit conversions and fonts for one paint device.

    ``dpi`` is the device resolution (device pixels per inch); ``k`` scales the typography (larger
    paper is read from further away).
    """

    def __init__(self, painter: QPainter, dpi: float, family: str, *, k: float = 1.0) -> None:
        self.p = painter
        self.dpi = float(dpi)
        self.family = family
        self.k = float(k)
        self._fonts: dict[tuple[float, bool], QFont] = {}

    def mm(self, value: float) -> float:
        """Millimetres → device pixels."""
        return value / 25.4 * self.dpi

    def pt(self, value: float) -> float:
        """Points (scaled by ``k``) → device pixels."""
        return value * self.k / 72.0 * self.dpi

    def font(self, points: float, bold: bool = False) -> QFont:
        key = (round(points, 2), bold)
        if key not in self._fonts:
            font = QFont()
            font.setFamilies([self.family, *[f for f in FALLBACK_FAMILIES if f != self.family]])
            font.setPixelSize(max(1, round(points * self.k / 72.0 * self.dpi)))
            font.setBold(bold)
            font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
            no_ligatures(font)  # "fire" must copy as "fire" from the PDF
            self._fonts[key] = font
        return self._fonts[key]

    def metrics(self, points: float, bold: bool = False) -> QFontMetricsF:
        return QFontMetricsF(self.font(points, bold))

    # -- text ---------------------------------------------------------------------------------
    def text(self, rect: QRectF, text: str, points: float, *, bold: bool = False, colour: QColor = INK,
             align=ALIGN_LEFT, wrap: bool = False) -> None:
        p = self.p
        p.save()
        p.setFont(self.font(points, bold))
        p.setPen(colour)
        p.drawText(rect, _flags(align, Qt.TextFlag.TextWordWrap if wrap else Qt.TextFlag.TextSingleLine), text)
        p.restore()

    def text_height(self, text: str, width: float, points: float, *, bold: bool = False,
                    wrap: bool = True) -> float:
        fm = self.metrics(points, bold)
        if not wrap:
            return fm.height()
        r = fm.boundingRect(QRectF(0, 0, max(width, 1.0), 1e6),
                            _flags(Qt.TextFlag.TextWordWrap, Qt.AlignmentFlag.AlignLeft), text)
        return max(r.height(), fm.height())

    def text_width(self, text: str, points: float, *, bold: bool = False) -> float:
        return self.metrics(points, bold).horizontalAdvance(text)

    def fit_text(self, text: str, width: float, points: float, *, bold: bool = False,
                 minimum: float = 5.0) -> float:
        """The largest size ≤ ``points`` (≥ ``minimum``) at which ``text`` fits in ``width``."""
        size = points
        while size > minimum and self.text_width(text, size, bold=bold) > width:
            size -= 0.5
        return size

    # -- lines and boxes ----------------------------------------------------------------------
    def line(self, x0: float, y0: float, x1: float, y1: float, *, colour: QColor = RULE,
             width_mm: float = 0.2) -> None:
        p = self.p
        p.save()
        p.setPen(QPen(colour, self.mm(width_mm)))
        p.drawLine(QPointF(x0, y0), QPointF(x1, y1))
        p.restore()

    def box(self, rect: QRectF, *, fill: QColor | None = None, stroke: QColor | None = RULE,
            width_mm: float = 0.2, radius_mm: float = 0.0) -> None:
        p = self.p
        p.save()
        p.setPen(QPen(stroke, self.mm(width_mm)) if stroke is not None else Qt.PenStyle.NoPen)
        p.setBrush(QBrush(fill) if fill is not None else Qt.BrushStyle.NoBrush)
        if radius_mm:
            p.drawRoundedRect(rect, self.mm(radius_mm), self.mm(radius_mm))
        else:
            p.drawRect(rect)
        p.restore()


# -- marks ---------------------------------------------------------------------------------------

def internal_mark(sheet: Sheet, x: float, y: float, text: str, *, points: float = 10.0,
                  anchor: str = "left") -> QRectF:
    """The "内部资料 注意保存" mark: red text in a red double-ruled box; returns its rectangle."""
    w = sheet.text_width(text, points, bold=True) + sheet.mm(5)
    h = sheet.metrics(points, True).height() + sheet.mm(2.4)
    left = x if anchor == "left" else x - w
    rect = QRectF(left, y, w, h)
    sheet.box(rect, stroke=RED, width_mm=0.45)
    inner = rect.adjusted(sheet.mm(0.8), sheet.mm(0.8), -sheet.mm(0.8), -sheet.mm(0.8))
    sheet.box(inner, stroke=RED, width_mm=0.15)
    sheet.text(rect, text, points, bold=True, colour=RED, align=ALIGN_CENTER)
    return rect


def level_badge(sheet: Sheet, x: float, y: float, text: str, fill: str, ink: str, *,
                points: float = 10.0) -> QRectF:
    w = sheet.text_width(text, points, bold=True) + sheet.mm(5)
    h = sheet.metrics(points, True).height() + sheet.mm(1.6)
    rect = QRectF(x, y, w, h)
    sheet.box(rect, fill=QColor(fill), stroke=QColor(fill).darker(130), width_mm=0.25, radius_mm=1.0)
    sheet.text(rect, text, points, bold=True, colour=QColor(ink), align=ALIGN_CENTER)
    return rect


# -- tables ---------------------------------------------------------------------------------------

@dataclass
class Column:
    title: str
    width: float  # relative width
    align: Qt.AlignmentFlag = ALIGN_LEFT
    wrap: bool = False


@dataclass
class Cell:
    text: str
    fill: str | None = None  # "#rrggbb"
    ink: str | None = None
    bold: bool = False


@dataclass
class TableStyle:
    points: float = 8.5
    head_points: float = 8.5
    pad_mm: float = 1.3
    min_row_mm: float = 6.0
    zebra: bool = True


@dataclass
class Table:
    columns: list[Column]
    rows: list[list[Cell]]
    style: TableStyle = field(default_factory=TableStyle)


def _col_widths(table: Table, width: float) -> list[float]:
    total = sum(c.width for c in table.columns) or 1.0
    return [width * c.width / total for c in table.columns]


def row_height(sheet: Sheet, table: Table, row: list[Cell], widths: list[float]) -> float:
    st = table.style
    pad = sheet.mm(st.pad_mm)
    h = sheet.mm(st.min_row_mm)
    for col, cell, w in zip(table.columns, row, widths):
        if col.wrap and cell.text:
            h = max(h, sheet.text_height(cell.text, w - 2 * pad, st.points, bold=cell.bold) + 2 * pad)
    return h


def header_height(sheet: Sheet, table: Table, widths: list[float]) -> float:
    st = table.style
    pad = sheet.mm(st.pad_mm)
    h = sheet.mm(st.min_row_mm + 1)
    for col, w in zip(table.columns, widths):
        h = max(h, sheet.text_height(col.title, w - 2 * pad, st.head_points, bold=True) + 2 * pad)
    return h


def paginate(sheet: Sheet, table: Table, width: float, heights: Sequence[float]) -> list[tuple[int, int]]:
    """Split the rows into page chunks ``(start, end)``: ``heights[i]`` is the room on page ``i``
    (the last value repeats). Every chunk holds at least one row."""
    widths = _col_widths(table, width)
    head = header_height(sheet, table, widths)
    chunks = []
    start = 0
    page = 0
    n = len(table.rows)
    if n == 0:
        return [(0, 0)]
    while start < n:
        room = heights[min(page, len(heights) - 1)] - head
        used = 0.0
        end = start
        while end < n:
            h = row_height(sheet, table, table.rows[end], widths)
            if end > start and used + h > room:
                break
            used += h
            end += 1
        chunks.append((start, end))
        start = end
        page += 1
    return chunks


def table_height(sheet: Sheet, table: Table, width: float, start: int = 0, end: int | None = None) -> float:
    """Height of the header and rows ``start:end`` at ``width``."""
    widths = _col_widths(table, width)
    end = len(table.rows) if end is None else end
    return header_height(sheet, table, widths) + sum(row_height(sheet, table, table.rows[i], widths)
                                                     for i in range(start, end))


def draw_table(sheet: Sheet, table: Table, x: float, y: float, width: float, start: int = 0,
               end: int | None = None) -> float:
    """Draw the header and rows ``start:end`` at (x, y); returns the bottom y."""
    p = sheet.p
    st = table.style
    widths = _col_widths(table, width)
    pad = sheet.mm(st.pad_mm)
    end = len(table.rows) if end is None else end
    head = header_height(sheet, table, widths)
    # header
    sheet.box(QRectF(x, y, width, head), fill=HEAD_FILL, stroke=None)
    cx = x
    for col, w in zip(table.columns, widths):
        sheet.text(QRectF(cx + pad, y, w - 2 * pad, head), col.title, st.head_points, bold=True,
                   align=ALIGN_CENTER, wrap=True)
        cx += w
    top = y
    y += head
    heights = []
    for i in range(start, end):
        row = table.rows[i]
        h = row_height(sheet, table, row, widths)
        heights.append(h)
        if st.zebra and (i - start) % 2 == 1:
            sheet.box(QRectF(x, y, width, h), fill=ZEBRA, stroke=None)
        cx = x
        for col, cell, w in zip(table.columns, row, widths):
            if cell.fill:
                sheet.box(QRectF(cx, y, w, h), fill=QColor(cell.fill), stroke=None)
            ink = QColor(cell.ink) if cell.ink else INK
            sheet.text(QRectF(cx + pad, y, w - 2 * pad, h), cell.text, st.points, bold=cell.bold, colour=ink,
                       align=col.align, wrap=col.wrap)
            cx += w
        y += h
    # rules: outer frame thick, inner thin (a "三线表"-like clean grid)
    p.save()
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(RULE, sheet.mm(0.15)))
    yy = top + head
    for h in heights[:-1]:
        yy += h
        p.drawLine(QPointF(x, yy), QPointF(x + width, yy))
    cx = x
    for w in widths[:-1]:
        cx += w
        p.drawLine(QPointF(cx, top), QPointF(cx, y))
    p.setPen(QPen(INK, sheet.mm(0.45)))
    p.drawRect(QRectF(x, top, width, y - top))
    p.setPen(QPen(INK, sheet.mm(0.25)))
    p.drawLine(QPointF(x, top + head), QPointF(x + width, top + head))
    p.restore()
    return y


# -- charts ------------------------------------------------------------------------------------------

def _nice_max(value: float) -> float:
    if value <= 0 or not math.isfinite(value):
        return 1.0
    exp = math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * 10 ** exp >= value:
            return step * 10 ** exp
    return 10 ** (exp + 1)


def chart_frame(sheet: Sheet, rect: QRectF, title: str) -> QRectF:
    """Title above a light frame; returns the plotting area."""
    th = sheet.metrics(9.5, True).height()
    sheet.text(QRectF(rect.left(), rect.top(), rect.width(), th), title, 9.5, bold=True, colour=ACCENT)
    body = QRectF(rect.left(), rect.top() + th + sheet.mm(1.5), rect.width(), rect.height() - th - sheet.mm(1.5))
    sheet.box(body, stroke=QColor("#d0d4d9"), width_mm=0.2)
    return body.adjusted(sheet.mm(3), sheet.mm(3), -sheet.mm(3), -sheet.mm(2.5))


def bar_chart(sheet: Sheet, rect: QRectF, title: str, items: list[tuple[str, float, str]], *,
              fmt: Callable[[float], str] = lambda v: f"{v:,.0f}", empty: str = "") -> None:
    """Vertical bars: ``items`` are (label, value, colour #rrggbb)."""
    area = chart_frame(sheet, rect, title)
    if not items:
        sheet.text(area, empty, 9, colour=MUTED, align=ALIGN_CENTER, wrap=True)
        return
    label_h = sheet.metrics(8).height() * 1.1
    value_h = sheet.metrics(8, True).height()
    plot = QRectF(area.left(), area.top() + value_h, area.width(), area.height() - label_h - value_h)
    top = _nice_max(max(v for _, v, _ in items))
    n = len(items)
    slot = plot.width() / n
    bw = slot * 0.62
    p = sheet.p
    base = plot.bottom()
    sheet.line(plot.left(), base, plot.right(), base, colour=INK, width_mm=0.3)
    for i, (label, value, colour) in enumerate(items):
        h = plot.height() * (value / top if top else 0)
        x = plot.left() + slot * i + (slot - bw) / 2
        bar = QRectF(x, base - h, bw, h)
        p.save()
        p.setPen(QPen(QColor(colour).darker(125), sheet.mm(0.2)))
        p.setBrush(QColor(colour))
        p.drawRect(bar)
        p.restore()
        sheet.text(QRectF(plot.left() + slot * i, base - h - value_h, slot, value_h), fmt(value), 8, bold=True,
                   align=ALIGN_CENTER)
        size = sheet.fit_text(label, slot * 0.98, 8)
        sheet.text(QRectF(plot.left() + slot * i, base + sheet.mm(0.5), slot, label_h), label, size,
                   colour=INK, align=ALIGN_CENTER)


def hbar_chart(sheet: Sheet, rect: QRectF, title: str, categories: list[str],
               series: list[tuple[str, list[float], str]], *, maximum: float | None = None,
               fmt: Callable[[float], str] = lambda v: f"{v * 100:.0f}%", empty: str = "",
               reference: tuple[float, str] | None = None) -> None:
    """Horizontal grouped bars: one group per category, one bar per series (name, values, colour)."""
    area = chart_frame(sheet, rect, title)
    if not categories or not series:
        sheet.text(area, empty, 9, colour=MUTED, align=ALIGN_CENTER, wrap=True)
        return
    legend_h = sheet.metrics(7.5).height() * 1.3
    label_w = max(sheet.text_width(c, 8) for c in categories) + sheet.mm(2)
    label_w = min(label_w, area.width() * 0.32)
    value_w = sheet.text_width("100%", 7.5) + sheet.mm(1.5)
    plot = QRectF(area.left() + label_w, area.top() + legend_h, area.width() - label_w - value_w,
                  area.height() - legend_h)
    values = [v for _, vals, _ in series for v in vals if v is not None and math.isfinite(v)]
    top = maximum if maximum is not None else _nice_max(max(values, default=1.0))
    group = plot.height() / len(categories)
    bh = min(group * 0.8 / len(series), sheet.mm(4))
    p = sheet.p
    # legend of the series
    lx = area.left() + label_w
    for name, _vals, colour in series:
        sw = sheet.mm(3)
        sheet.box(QRectF(lx, area.top() + (legend_h - sw) / 2, sw, sw), fill=QColor(colour), stroke=None)
        sheet.text(QRectF(lx + sw + sheet.mm(1), area.top(), sheet.text_width(name, 7.5) + 2, legend_h), name,
                   7.5, colour=MUTED)
        lx += sw + sheet.mm(2) + sheet.text_width(name, 7.5) + sheet.mm(3)
    if reference is not None:
        ref_v, ref_text = reference
        rx = plot.left() + plot.width() * min(ref_v / top, 1.0)
        p.save()
        pen = QPen(RED, sheet.mm(0.25))
        pen.setDashPattern([4, 3])
        p.setPen(pen)
        p.drawLine(QPointF(rx, plot.top()), QPointF(rx, plot.bottom()))
        p.restore()
        if ref_text:
            sheet.text(QRectF(lx, area.top(), area.right() - lx, legend_h), ref_text, 7.5, colour=RED)
    sheet.line(plot.left(), plot.top(), plot.left(), plot.bottom(), colour=INK, width_mm=0.3)
    for i, cat in enumerate(categories):
        gy = plot.top() + group * i
        size = sheet.fit_text(cat, label_w - sheet.mm(1.5), 8)
        sheet.text(QRectF(area.left(), gy, label_w - sheet.mm(1.5), group), cat, size, align=ALIGN_RIGHT)
        y = gy + (group - bh * len(series)) / 2
        for _name, vals, colour in series:
            v = vals[i] if i < len(vals) else None
            if v is not None and math.isfinite(v):
                w = plot.width() * min(max(v / top, 0.0), 1.0)
                p.save()
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(colour))
                p.drawRect(QRectF(plot.left(), y, w, bh * 0.92))
                p.restore()
                sheet.text(QRectF(plot.left() + w + sheet.mm(0.8), y - bh, value_w + sheet.mm(8), bh * 3), fmt(v),
                           6.5, colour=MUTED)
            else:
                sheet.text(QRectF(plot.left() + sheet.mm(0.8), y - bh, value_w * 2, bh * 3), "—", 6.5, colour=MUTED)
            y += bh


def stacked_bar(sheet: Sheet, rect: QRectF, title: str, parts: list[tuple[str, float, str]], *,
                empty: str = "", breakdown: list[tuple[str, float]] | None = None, breakdown_title: str = "") -> None:
    """One 100 % bar split into ``parts`` (label, count, colour), with a legend of counts below and,
    when there is room, a bar per item of ``breakdown`` (label, count)."""
    area = chart_frame(sheet, rect, title)
    total = sum(v for _, v, _ in parts)
    if total <= 0:
        sheet.text(area, empty, 9, colour=MUTED, align=ALIGN_CENTER, wrap=True)
        return
    bar_h = min(area.height() * 0.3, sheet.mm(9))
    bar = QRectF(area.left(), area.top() + sheet.mm(2), area.width(), bar_h)
    p = sheet.p
    x = bar.left()
    for label, v, colour in parts:
        w = bar.width() * v / total
        if w <= 0:
            continue
        p.save()
        p.setPen(QPen(QColor("#ffffff"), sheet.mm(0.3)))
        p.setBrush(QColor(colour))
        p.drawRect(QRectF(x, bar.top(), w, bar.height()))
        p.restore()
        share = f"{v / total * 100:.0f}%"
        if sheet.text_width(share, 7.5, bold=True) < w - sheet.mm(1):
            ink = "#000000" if QColor(colour).lightness() > 150 else "#ffffff"
            sheet.text(QRectF(x, bar.top(), w, bar.height()), share, 7.5, bold=True, colour=QColor(ink),
                       align=ALIGN_CENTER)
        x += w
    # legend rows
    row_h = sheet.metrics(8).height() * 1.35
    y = bar.bottom() + sheet.mm(3)
    cols = 2
    col_w = area.width() / cols
    for i, (label, v, colour) in enumerate(parts):
        cx = area.left() + (i % cols) * col_w
        cy = y + (i // cols) * row_h
        if cy + row_h > area.bottom() + sheet.mm(2):
            break
        sw = sheet.mm(3)
        sheet.box(QRectF(cx, cy + (row_h - sw) / 2, sw, sw), fill=QColor(colour), stroke=None)
        sheet.text(QRectF(cx + sw + sheet.mm(1.5), cy, col_w - sw - sheet.mm(2), row_h),
                   f"{label}  {v:,.0f}", 8)
    y += ((len(parts) + cols - 1) // cols) * row_h + sheet.mm(4)
    if breakdown and area.bottom() - y > row_h * 3:
        th = sheet.metrics(8.5, True).height()
        sheet.text(QRectF(area.left(), y, area.width(), th), breakdown_title, 8.5, bold=True, colour=INK)
        y += th + sheet.mm(1.5)
        top = max(v for _, v in breakdown) or 1.0
        label_w = min(max(sheet.text_width(lb, 7.5) for lb, _ in breakdown) + sheet.mm(2), area.width() * 0.45)
        bar_w = area.width() - label_w - sheet.text_width("0000", 7.5) - sheet.mm(2)
        rh = min(row_h, (area.bottom() - y) / len(breakdown))
        p = sheet.p
        for lb, v in breakdown:
            if y + rh > area.bottom() + 1:
                break
            size = sheet.fit_text(lb, label_w - sheet.mm(1.5), 7.5, minimum=5)
            sheet.text(QRectF(area.left(), y, label_w - sheet.mm(1.5), rh), lb, size, colour=INK, align=ALIGN_RIGHT)
            w = bar_w * v / top
            p.save()
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("#8d6e63"))
            p.drawRect(QRectF(area.left() + label_w, y + rh * 0.2, w, rh * 0.6))
            p.restore()
            sheet.text(QRectF(area.left() + label_w + w + sheet.mm(1), y, sheet.mm(12), rh), f"{v:,.0f}", 7.5,
                       colour=MUTED)
            y += rh


# -- figure cards -----------------------------------------------------------------------------------

def figure_card(sheet: Sheet, rect: QRectF, label: str, value: str, note: str = "", *,
                accent: QColor = ACCENT) -> None:
    """A headline figure: a big number over its label, with a note line."""
    sheet.box(rect, fill=QColor("#fbfbfc"), stroke=QColor("#c9ced6"), width_mm=0.25, radius_mm=1.2)
    p = sheet.p
    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(accent)
    p.drawRect(QRectF(rect.left(), rect.top() + sheet.mm(1.2), sheet.mm(1.0), rect.height() - sheet.mm(2.4)))
    p.restore()
    inner = rect.adjusted(sheet.mm(3), sheet.mm(1.5), -sheet.mm(2), -sheet.mm(1.2))
    lh = sheet.metrics(8).height()
    size = sheet.fit_text(label, inner.width(), 8)
    sheet.text(QRectF(inner.left(), inner.top(), inner.width(), lh), label, size, colour=MUTED)
    vsize = sheet.fit_text(value, inner.width(), 17, bold=True, minimum=8)
    vh = sheet.metrics(vsize, True).height()
    sheet.text(QRectF(inner.left(), inner.top() + lh, inner.width(), vh), value, vsize, bold=True, colour=INK)
    if note:
        nsize = 6.5 if sheet.text_width(note, 7) > inner.width() else 7
        sheet.text(QRectF(inner.left(), inner.top() + lh + vh, inner.width(), inner.bottom() - inner.top() - lh - vh),
                   note, nsize, colour=MUTED, wrap=True, align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)


def mask_outside(painter: QPainter, rect: QRectF, path: QPainterPath, colour: QColor) -> None:
    """Cover ``rect`` except inside ``path`` with ``colour`` (vector, an odd-even fill)."""
    cover = QPainterPath()
    cover.addRect(rect)
    cover.addPath(path)
    cover.setFillRule(Qt.FillRule.OddEvenFill)
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawPath(cover)
    painter.restore()


__all__ = ["Sheet", "Column", "Cell", "Table", "TableStyle", "draw_table", "paginate", "internal_mark",
           "level_badge", "table_height", "bar_chart", "hbar_chart", "stacked_bar", "figure_card", "mask_outside",
           "ALIGN_LEFT", "ALIGN_RIGHT", "ALIGN_CENTER", "INK", "MUTED", "RULE", "ACCENT", "RED"]
