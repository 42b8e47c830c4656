"""Charts: risk-level distribution, water coverage and 5-minute shares per village (pyqtgraph).

Each plot is created once; a project change only updates the bars with ``setOpts`` and the axis
ticks (DESIGN.md §5). Missing results say so in the plot instead of showing empty axes.
"""

from __future__ import annotations

import pandas as pd
from PyQt6.QtCore import QSize, Qt
from PyQt6.QtWidgets import QScrollArea, QTabWidget, QVBoxLayout, QWidget

from fireriskmap.i18n import tr
from fireriskmap.ui.features import value_text
from fireriskmap.ui.identify_panel import level_colour, level_name
from fireriskmap.ui.plots import BarPlot
from fireriskmap.ui.priority_panel import level_order


def level_counts(frame: pd.DataFrame | None) -> dict[str, int]:
    """Number of areas per risk level, highest risk first (levels of the scheme in use)."""
    if frame is None or "level" not in frame.columns:
        return {}
    levels = frame["level"].fillna("unknown").astype(str)
    order = level_order(frame.assign(level=levels))
    counts = levels.value_counts()
    return {code: int(counts.get(code, 0)) for code in order}


def level_styles(frame: pd.DataFrame | None, style=None) -> dict[str, tuple[str, str]]:
    """(short name, colour) of each level present."""
    out = {}
    if frame is None or "level" not in frame.columns:
        return out
    for code in level_order(frame):
        rows = frame[frame["level"] == code]
        row = rows.iloc[0] if len(rows) else None
        name = level_name(row) if row is not None else value_text("risk_areas", "level", code)
        out[code] = (name.split("（")[0].split(" (")[0], level_colour(code, style, row))
    return out


def share_by_village(buildings: pd.DataFrame | None, column: str) -> pd.Series:
    """Share of buildings with ``column`` true, per village (villages without the result dropped)."""
    if buildings is None or column not in buildings.columns or "village" not in buildings.columns:
        return pd.Series(dtype="float64")
    values = buildings[column]
    known = values.notna()
    if not known.any():
        return pd.Series(dtype="float64")
    frame = pd.DataFrame({"village": buildings["village"].fillna("").astype(str), "v": values.astype("Float64")})
    frame = frame[known.to_numpy()]
    frame = frame[frame["village"] != ""]
    if frame.empty:
        return pd.Series(dtype="float64")
    # highest first: drawn from the bottom up, so the villages most in need end up on top
    return frame.groupby("village")["v"].mean().astype("float64").sort_values(ascending=False)


class ChartsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self.style = None
        self.tabs = QTabWidget(self)
        self.levels = BarPlot(horizontal=False, parent=self)
        self.water = BarPlot(horizontal=True, parent=self)
        self.response = BarPlot(horizontal=True, parent=self)
        self.tabs.addTab(self.levels, "")
        for plot in (self.water, self.response):  # one bar per village: scroll when they do not fit
            scroll = QScrollArea(self)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setWidget(plot)
            self.tabs.addTab(scroll, "")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)
        self.retranslate()

    def sizeHint(self) -> QSize:
        return QSize(380, 420)

    def set_project(self, project, style=None) -> None:
        self.project = project
        self.style = style
        self.refresh()

    def refresh(self) -> None:
        project = self.project
        risk = project.layers.get("risk_areas") if project is not None else None
        buildings = project.layers.get("buildings") if project is not None else None
        frame = risk if risk is not None and len(risk) else None
        counts = level_counts(frame)
        styles = level_styles(frame, self.style)
        self.levels.set_bars([styles[c][0] for c in counts], list(counts.values()), [styles[c][1] for c in counts],
                             empty_text=tr("ui.charts.no_risk"))
        for plot, column, colour, empty in ((self.water, "water_covered", "#1e88e5", "ui.charts.no_water"),
                                            (self.response, "within_5min", "#43a047", "ui.charts.no_response")):
            shares = share_by_village(buildings, column)
            plot.set_bars([str(v) for v in shares.index], [float(v) * 100 for v in shares.to_numpy()],
                          [colour] * len(shares), x_max=100.0, empty_text=tr(empty))
            plot.setMinimumHeight(max(160, 18 * len(shares) + 70))

    def retranslate(self) -> None:
        self.tabs.setTabText(0, tr("ui.charts.levels_tab"))
        self.tabs.setTabText(1, tr("ui.charts.water_tab"))
        self.tabs.setTabText(2, tr("ui.charts.response_tab"))
        self.levels.setTitle(tr("ui.charts.levels"))
        self.water.setTitle(tr("ui.charts.water"))
        self.response.setTitle(tr("ui.charts.response"))
        self.levels.setLabel("left", tr("ui.charts.areas"))
        self.water.setLabel("bottom", tr("ui.charts.share_pct"))
        self.response.setLabel("bottom", tr("ui.charts.share_pct"))
        for plot in (self.levels, self.water, self.response):
            plot.apply_palette()
        self.refresh()


__all__ = ["ChartsPanel", "level_counts", "level_styles", "share_by_village"]
