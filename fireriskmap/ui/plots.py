"""pyqtgraph plots shared by the panels (created once, updated with ``setOpts``/``setData``)."""

from __future__ import annotations

import pyqtgraph as pg
from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import QWidget


class BarPlot(pg.PlotWidget):
    """A bar plot created once; ``set_bars`` updates it (vertical or horizontal bars, first at the
    left or the bottom). Follows the widget palette (``apply_palette`` after a theme change)."""

    def __init__(self, horizontal: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.horizontal = horizontal
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.showGrid(x=horizontal, y=not horizontal, alpha=0.25)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.6, brushes=[]) if not horizontal else \
            pg.BarGraphItem(x0=[], y=[], height=0.6, width=[], brushes=[])
        self.addItem(self.bars)
        self.message = pg.TextItem("", anchor=(0.5, 0.5))
        self.addItem(self.message)
        self.apply_palette()

    def apply_palette(self) -> None:
        pal = self.palette()
        self.setBackground(pal.color(QPalette.ColorRole.Base))
        pen = pg.mkPen(pal.color(QPalette.ColorRole.Text))
        for name in ("left", "bottom"):
            axis = self.getPlotItem().getAxis(name)
            axis.setPen(pen)
            axis.setTextPen(pen)
        self.message.setColor(pal.color(QPalette.ColorRole.Text))

    def set_bars(self, labels: list[str], values: list[float], colours: list[str], *, x_max: float | None = None,
                 empty_text: str = "") -> None:
        n = len(values)
        brushes = [pg.mkBrush(QColor(c)) for c in colours]
        if self.horizontal:
            ys = list(range(n))
            self.bars.setOpts(x0=[0.0] * n, y=ys, height=0.6, width=[float(v) for v in values], brushes=brushes)
            self.getPlotItem().getAxis("left").setTicks([[(y, lab) for y, lab in zip(ys, labels)]])
            top = x_max if x_max is not None else max([float(v) for v in values] + [1.0])
            self.setXRange(0, top, padding=0.02)
            self.setYRange(-0.7, max(n - 0.3, 0.5), padding=0)
        else:
            xs = list(range(n))
            self.bars.setOpts(x=xs, height=[float(v) for v in values], width=0.6, brushes=brushes)
            self.getPlotItem().getAxis("bottom").setTicks([[(x, lab) for x, lab in zip(xs, labels)]])
            top = max([float(v) for v in values] + [1.0])
            self.setYRange(0, top * 1.1, padding=0)
            self.setXRange(-0.6, max(n - 0.4, 0.5), padding=0)
        empty = n == 0 or not any(values)
        self.message.setText(empty_text if empty else "")
        vb = self.getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        self.message.setPos((x0 + x1) / 2, (y0 + y1) / 2)


__all__ = ["BarPlot"]
