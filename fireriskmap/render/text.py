"""Fonts for map text and the label placer (priority order, no overlaps)."""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen

from fireriskmap.fonts import FALLBACK_FAMILIES


def map_font(family: str, points: float, dpi: float, *, bold: bool = False) -> QFont:
    """A font of ``points`` pt for a device of ``dpi`` (pixel size set, so it is device-independent)."""
    font = QFont()
    font.setFamilies([family, *[f for f in FALLBACK_FAMILIES if f != family]])
    font.setPixelSize(max(1, round(points * dpi / 72.0)))
    font.setBold(bold)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    no_ligatures(font)
    return font


def no_ligatures(font: QFont) -> QFont:
    """Turn off the fi/fl ligatures: in a PDF a ligature glyph copies and searches as nothing
    ("fire" became "re"), so printed English text must keep its letters."""
    for tag in ("liga", "clig"):
        font.setFeature(QFont.Tag(tag), 0)
    return font


def draw_halo_text(painter: QPainter, pos: QPointF, text: str, font: QFont, colour: QColor,
                   halo: QColor | None, halo_width: float) -> None:
    """Text with its baseline starting at ``pos``, outlined by a halo for legibility over the map."""
    path = QPainterPath()
    path.addText(pos, font, text)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    if halo is not None and halo.alpha() > 0 and halo_width > 0:
        pen = QPen(halo, halo_width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)
        painter.strokePath(path, pen)
    painter.fillPath(path, colour)
    painter.restore()


@dataclass
class LabelCandidate:
    """A label wanting a place: text, anchor (device px), how to place it, and its priority."""

    text: str
    x: float
    y: float
    font: QFont
    colour: QColor
    priority: int
    offset: float = 0.0  # > 0: to the right of a point marker of this half-size; 0: centred


class LabelPlacer:
    """Places labels by priority and skips any whose box intersects one already placed."""

    def __init__(self, bounds: QRectF, padding: float = 2.0) -> None:
        self.bounds = bounds
        self.padding = padding
        self.placed: list[QRectF] = []
        self._metrics: dict[str, QFontMetricsF] = {}

    def reserve(self, rect: QRectF) -> None:
        """Keep labels off ``rect`` (e.g. the legend or the scale bar)."""
        self.placed.append(QRectF(rect))

    def _fm(self, font: QFont) -> QFontMetricsF:
        key = font.key()
        if key not in self._metrics:
            self._metrics[key] = QFontMetricsF(font)
        return self._metrics[key]

    def box(self, cand: LabelCandidate) -> tuple[QRectF, QPointF]:
        """The label's box and its baseline origin."""
        fm = self._fm(cand.font)
        w = fm.horizontalAdvance(cand.text)
        h = fm.ascent() + fm.descent()
        if cand.offset > 0:
            left = cand.x + cand.offset + 2
            top = cand.y - h / 2
        else:
            left = cand.x - w / 2
            top = cand.y - h / 2
        rect = QRectF(left, top, w, h)
        return rect, QPointF(left, top + fm.ascent())

    def place(self, candidates: list[LabelCandidate]) -> list[tuple[LabelCandidate, QRectF, QPointF]]:
        """The candidates that fit, highest priority first (stable within a priority)."""
        out = []
        pad = self.padding
        order = sorted(range(len(candidates)), key=lambda i: -candidates[i].priority)
        for i in order:
            cand = candidates[i]
            if not cand.text:
                continue
            rect, origin = self.box(cand)
            if not self.bounds.contains(rect):
                continue
            padded = rect.adjusted(-pad, -pad, pad, pad)
            if any(padded.intersects(r) for r in self.placed):
                continue
            self.placed.append(padded)
            out.append((cand, rect, origin))
        return out
