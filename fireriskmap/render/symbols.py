"""Point markers as path templates, and Qt pens/brushes from style symbols.

A marker is a list of layers ``(template, role)``; a template is ``(types, xy)`` in a unit box
centred on the point (y down). The renderer tiles a template over all points of a class with numpy
and draws it with one ``drawPath``. Roles: ``"main"`` (the symbol's fill and outline), ``"white"``
(a white inner glyph: the flame of a fire station, the "!" of a hazard).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen

from fireriskmap.render.paths import CURVE_DATA, CURVE_TO, LINE_TO, MOVE_TO, path_from_elements
from fireriskmap.render.style import Symbol, parse_colour

Template = tuple[np.ndarray, np.ndarray]
_K = 0.5522847498  # cubic Bézier circle constant


class _Builder:
    """Collects path elements for a template."""

    def __init__(self) -> None:
        self.types: list[int] = []
        self.xy: list[tuple[float, float]] = []

    def move(self, x: float, y: float) -> "_Builder":
        self.types.append(MOVE_TO)
        self.xy.append((x, y))
        return self

    def line(self, x: float, y: float) -> "_Builder":
        self.types.append(LINE_TO)
        self.xy.append((x, y))
        return self

    def curve(self, c1: tuple[float, float], c2: tuple[float, float], end: tuple[float, float]) -> "_Builder":
        self.types += [CURVE_TO, CURVE_DATA, CURVE_DATA]
        self.xy += [c1, c2, end]
        return self

    def polygon(self, points: list[tuple[float, float]]) -> "_Builder":
        self.move(*points[0])
        for p in points[1:]:
            self.line(*p)
        return self.line(*points[0])

    def circle(self, cx: float, cy: float, r: float) -> "_Builder":
        k = _K * r
        self.move(cx + r, cy)
        self.curve((cx + r, cy + k), (cx + k, cy + r), (cx, cy + r))
        self.curve((cx - k, cy + r), (cx - r, cy + k), (cx - r, cy))
        self.curve((cx - r, cy - k), (cx - k, cy - r), (cx, cy - r))
        self.curve((cx + k, cy - r), (cx + r, cy - k), (cx + r, cy))
        return self

    def rect(self, x0: float, y0: float, x1: float, y1: float) -> "_Builder":
        return self.polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])

    def rounded_rect(self, x0: float, y0: float, x1: float, y1: float, r: float) -> "_Builder":
        k = _K * r
        self.move(x0 + r, y0)
        self.line(x1 - r, y0)
        self.curve((x1 - r + k, y0), (x1, y0 + r - k), (x1, y0 + r))
        self.line(x1, y1 - r)
        self.curve((x1, y1 - r + k), (x1 - r + k, y1), (x1 - r, y1))
        self.line(x0 + r, y1)
        self.curve((x0 + r - k, y1), (x0, y1 - r + k), (x0, y1 - r))
        self.line(x0, y0 + r)
        self.curve((x0, y0 + r - k), (x0 + r - k, y0), (x0 + r, y0))
        return self

    def build(self) -> Template:
        return np.array(self.types, dtype=np.int32), np.array(self.xy, dtype=np.float64)


def _star(points: int = 5, inner: float = 0.2, outer: float = 0.5) -> list[tuple[float, float]]:
    out = []
    for i in range(points * 2):
        r = outer if i % 2 == 0 else inner
        a = -math.pi / 2 + i * math.pi / points
        out.append((r * math.cos(a), r * math.sin(a) + 0.04))
    return out


@lru_cache(maxsize=None)
def marker_layers(name: str) -> tuple[tuple[Template, str], ...]:
    """The layers of marker ``name``: ((template, role), ...)."""
    b = _Builder
    if name == "circle":
        return ((b().circle(0, 0, 0.5).build(), "main"),)
    if name == "square":
        return ((b().rect(-0.5, -0.5, 0.5, 0.5).build(), "main"),)
    if name == "triangle":
        return ((b().polygon([(0, -0.52), (0.52, 0.42), (-0.52, 0.42)]).build(), "main"),)
    if name == "diamond":
        return ((b().polygon([(0, -0.55), (0.45, 0), (0, 0.55), (-0.45, 0)]).build(), "main"),)
    if name == "star":
        return ((b().polygon(_star()).build(), "main"),)
    if name == "cross":  # medical: rounded square with a white cross
        plus = b().rect(-0.09, -0.32, 0.09, 0.32).rect(-0.32, -0.09, 0.32, 0.09).build()
        return ((b().rounded_rect(-0.5, -0.5, 0.5, 0.5, 0.14).build(), "main"), (plus, "white"))
    if name == "fire_station":  # red rounded square with a white flame
        flame = (b().move(0.0, 0.34)
                 .curve((-0.2, 0.34), (-0.3, 0.18), (-0.24, 0.02))
                 .curve((-0.19, -0.1), (-0.07, -0.14), (-0.04, -0.36))
                 .curve((0.08, -0.26), (0.11, -0.12), (0.06, -0.02))
                 .curve((0.12, -0.06), (0.16, -0.12), (0.17, -0.18))
                 .curve((0.26, -0.06), (0.28, 0.06), (0.26, 0.14))
                 .curve((0.23, 0.28), (0.13, 0.34), (0.0, 0.34))
                 .build())
        return ((b().rounded_rect(-0.5, -0.5, 0.5, 0.5, 0.12).build(), "main"), (flame, "white"))
    if name == "drop":
        drop = (b().move(0.0, -0.52)
                .curve((0.14, -0.28), (0.38, -0.08), (0.38, 0.12))
                .curve((0.38, 0.34), (0.21, 0.5), (0.0, 0.5))
                .curve((-0.21, 0.5), (-0.38, 0.34), (-0.38, 0.12))
                .curve((-0.38, -0.08), (-0.14, -0.28), (0.0, -0.52))
                .build())
        return ((drop, "main"),)
    if name == "warning":
        bang = b().rect(-0.055, -0.2, 0.055, 0.12).rect(-0.055, 0.19, 0.055, 0.3).build()
        tri = b().polygon([(0, -0.55), (0.55, 0.42), (-0.55, 0.42)]).build()
        return ((tri, "main"), (bang, "white"))
    if name == "pin":
        return ((b().circle(0, 0, 0.5).build(), "main"), (b().circle(0, 0, 0.18).build(), "white"))
    raise KeyError(f"unknown marker '{name}'")


def tile_template(template: Template, centres: np.ndarray, size: float | np.ndarray) -> QPainterPath:
    """One path with ``template`` scaled to ``size`` px and placed at every centre (n, 2) px."""
    types, xy = template
    n = len(centres)
    if n == 0:
        return QPainterPath()
    sizes = np.broadcast_to(np.asarray(size, dtype=np.float64), (n,))
    pts = centres[:, None, :] + xy[None, :, :] * sizes[:, None, None]
    return path_from_elements(np.tile(types, n), pts.reshape(-1, 2))


# -- pens and brushes ------------------------------------------------------------------------------

_DASH_PATTERNS = {"dash": [4.0, 2.5], "dot": [1.0, 2.0], "dashdot": [5.0, 2.0, 1.0, 2.0]}
_BRUSH_STYLES = {
    "solid": Qt.BrushStyle.SolidPattern,
    "bdiag": Qt.BrushStyle.BDiagPattern,
    "fdiag": Qt.BrushStyle.FDiagPattern,
    "cross": Qt.BrushStyle.CrossPattern,
    "diagcross": Qt.BrushStyle.DiagCrossPattern,
    "horizontal": Qt.BrushStyle.HorPattern,
    "vertical": Qt.BrushStyle.VerPattern,
}


def qcolor(rgba: tuple[int, int, int, int] | str | None) -> QColor:
    """A QColor from an RGBA tuple or ``#rrggbb(aa)`` text (transparent for None)."""
    if rgba is None:
        return QColor(0, 0, 0, 0)
    if isinstance(rgba, str):
        rgba = parse_colour(rgba)
    return QColor(*rgba)


def make_pen(rgba: tuple[int, int, int, int] | None, width: float, dash: str = "solid", *,
             line: bool = False) -> QPen:
    """A pen of ``width`` px; ``Qt.NoPen`` when there is no colour or no width."""
    if rgba is None or width <= 0 or rgba[3] == 0:
        return QPen(Qt.PenStyle.NoPen)
    pen = QPen(qcolor(rgba))
    pen.setWidthF(width)
    # round joins and caps only where they show: they cost twice as much to rasterise
    wide = width >= 2.5
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin if wide else Qt.PenJoinStyle.MiterJoin)
    if dash in _DASH_PATTERNS:
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        pen.setDashPattern(_DASH_PATTERNS[dash])
    elif line:
        pen.setCapStyle(Qt.PenCapStyle.RoundCap if wide else Qt.PenCapStyle.FlatCap)
    else:
        pen.setCapStyle(Qt.PenCapStyle.SquareCap)
    return pen


def make_brush(rgba: tuple[int, int, int, int] | None, pattern: str = "solid") -> QBrush:
    if rgba is None or rgba[3] == 0:
        return QBrush(Qt.BrushStyle.NoBrush)
    return QBrush(qcolor(rgba), _BRUSH_STYLES.get(pattern, Qt.BrushStyle.SolidPattern))


WHITE = (255, 255, 255, 255)


def draw_markers(painter: QPainter, symbol: Symbol, centres: np.ndarray, size_px: float,
                 outline_px: float) -> None:
    """Draw ``symbol``'s marker at every centre (device pixels), one ``drawPath`` per marker layer."""
    for template, role in marker_layers(symbol.marker):
        path = tile_template(template, centres, size_px)
        if role == "main":
            painter.setPen(make_pen(symbol.stroke_rgba(), outline_px))
            painter.setBrush(make_brush(symbol.fill_rgba(), symbol.pattern))
        else:
            painter.setPen(QPen(Qt.PenStyle.NoPen))
            fill = symbol.fill_rgba()
            # a white glyph on a filled marker; on a hollow one the glyph takes the outline colour
            colour = WHITE if fill is not None and fill[3] > 0 and fill[:3] != (255, 255, 255) \
                else (symbol.stroke_rgba() or (80, 80, 80, 255))
            painter.setBrush(QBrush(qcolor(colour)))
        painter.drawPath(path)


def draw_swatch(painter: QPainter, rect: QRectF, symbol: Symbol, geometry: str, *, k: float = 1.0) -> None:
    """A legend swatch of ``symbol`` for a ``geometry`` ('point', 'line', 'polygon') inside ``rect``."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    if geometry == "point":
        size = min(symbol.size * k, rect.height() * 1.1, rect.width())
        centre = np.array([[rect.center().x(), rect.center().y()]])
        draw_markers(painter, symbol, centre, size, symbol.width * k)
    elif geometry == "line":
        y = rect.center().y()
        path = QPainterPath(QPointF(rect.left() + 1, y))
        path.lineTo(QPointF(rect.right() - 1, y))
        width = min(symbol.width * k, rect.height() * 0.6)
        if symbol.casing:
            casing = width + (symbol.casing_width - symbol.width) * k
            painter.strokePath(path, make_pen(symbol.casing_rgba(), casing, symbol.dash, line=True))
        painter.strokePath(path, make_pen(symbol.stroke_rgba(), width, symbol.dash, line=True))
    else:
        inner = rect.adjusted(1.5, 2, -1.5, -2)
        painter.setPen(make_pen(symbol.stroke_rgba(), min(symbol.width * k, 2.5 * k), symbol.dash))
        painter.setBrush(make_brush(symbol.fill_rgba(), symbol.pattern))
        painter.drawRect(inner)
    painter.restore()
