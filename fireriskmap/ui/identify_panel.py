"""The identify panel: what is at the clicked point — attributes, flags with reasons, risk breakdown.

The canvas finds the features under the click through each layer's spatial index
(:func:`fireriskmap.ui.features.features_at`); this panel lists them (top-most layer first) and
shows the chosen one: its flags with the rule that produced each (高层, 烟囱楼, 钢结构/夹芯板,
三合一; 集中连片), the analysis results, every attribute with its label and unit, and for a risk
area the contribution of each indicator as a pyqtgraph bar chart (created once, updated with
``setOpts``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd
from PyQt6.QtCore import QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QSplitter, QTextBrowser, QTreeWidget,
                             QTreeWidgetItem, QVBoxLayout, QWidget)

from fireriskmap.i18n import current_language, tr
from fireriskmap.ui.plots import BarPlot
from fireriskmap.ui.features import (column_label, editable_columns, feature_flags, is_missing, layer_label,
                                     value_text)

# Fallback colours of the level codes (the risk scoring writes each area's colour in ``colour``).
LEVEL_COLOURS = {"red": "#e53935", "orange": "#fb8c00", "yellow": "#fdd835", "blue": "#1e88e5",
                 "green": "#43a047", "grey": "#9e9e9e", "unknown": "#bdbdbd",
                 "major": "#e53935", "high": "#fb8c00", "moderate": "#fdd835", "low": "#1e88e5"}
TITLE_COLUMNS = ("name", "station", "road", "area_id", "unit_id", "cluster_id", "gap_id", "order")


@dataclass
class Hit:
    kind: str
    position: int


def feature_title(kind: str, row: pd.Series, position: int, lang: str | None = None) -> str:
    """'岩寨村', '1号', or '#124' when the feature has no name."""
    for col in TITLE_COLUMNS:
        if col in row.index and not is_missing(row[col]):
            value = row[col]
            if col in ("cluster_id", "gap_id", "order"):
                return f"{column_label(kind, col, lang)} {value_text(kind, col, value, lang)}"
            return str(value)
    return f"#{position + 1}"


def level_colour(level: str, style=None, row: pd.Series | None = None) -> str:
    """The colour of a risk level: the area's own ``colour``, else the map style's, else a default."""
    if row is not None and "colour" in row.index and isinstance(row["colour"], str) and row["colour"].startswith("#"):
        return row["colour"][:7]
    if style is not None:
        try:
            sym = style.layers["risk_areas"].classes.get(level)
            if sym is not None and sym.fill:
                return sym.fill[:7]
        except (KeyError, AttributeError):
            pass
    return LEVEL_COLOURS.get(level, "#9e9e9e")


def level_name(row: pd.Series, lang: str | None = None) -> str:
    """'较大风险' / 'High risk': the name the scoring wrote, else the spec's label of the code."""
    lang = lang or current_language()
    col = "level_zh" if lang == "zh_CN" else "level_en"
    if col in row.index and not is_missing(row[col]):
        return str(row[col])
    level = row.get("level")
    return "" if is_missing(level) else value_text("risk_areas", "level", str(level), lang)


def indicator_columns(row_or_frame) -> list[str]:
    cols = row_or_frame.index if isinstance(row_or_frame, pd.Series) else row_or_frame.columns
    return [c for c in cols if str(c).startswith("c_")]


class RiskBreakdownChart(BarPlot):
    """Horizontal bars: how much each indicator adds to an area's score (created once)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(horizontal=True, parent=parent)
        self.showGrid(x=True, y=False, alpha=0.25)
        self.getPlotItem().getAxis("left").setStyle(tickTextOffset=4)
        self.setMinimumHeight(140)

    def set_values(self, labels: list[str], values: list[float], colour: str) -> None:
        """The largest contribution on top (bars are drawn from the bottom up)."""
        n = len(values)
        top = max([abs(float(v)) for v in values] + [1e-9])
        self.set_bars(labels[::-1], list(values)[::-1], [colour] * n, x_max=top * 1.06)
        self.setFixedHeight(int(min(60 + 22 * max(n, 1), 360)))


class IdentifyPanel(QWidget):
    """Lists the features at a clicked point and shows the chosen one.

    Signals: ``zoom_requested(kind, position)``, ``edit_requested(kind, position)``,
    ``current_changed(kind, position)``.
    """

    zoom_requested = pyqtSignal(str, int)
    edit_requested = pyqtSignal(str, int)
    current_changed = pyqtSignal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self.style = None
        self.hits: list[Hit] = []
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.list = QTreeWidget(self)
        self.list.setHeaderHidden(True)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.currentItemChanged.connect(self._on_current)
        self.details = QTextBrowser(self)
        self.details.setOpenExternalLinks(False)
        self.chart_title = QLabel(self)
        self.chart = RiskBreakdownChart(self)
        self.zoom_button = QPushButton(self)
        self.zoom_button.clicked.connect(self._zoom)
        self.edit_button = QPushButton(self)
        self.edit_button.clicked.connect(self._edit)

        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.details, 1)
        lower_layout.addWidget(self.chart_title)
        lower_layout.addWidget(self.chart)
        buttons = QHBoxLayout()
        buttons.addWidget(self.zoom_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        lower_layout.addLayout(buttons)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.list)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.hint)
        layout.addWidget(self.splitter, 1)
        self.retranslate()
        self.show_hits([])

    def sizeHint(self) -> QSize:
        return QSize(340, 520)

    def set_project(self, project, style=None) -> None:
        self.project = project
        self.style = style
        self.show_hits([])

    def show_hits(self, hits: list[Hit]) -> None:
        """Show the features at a point (top-most first); the first one is opened."""
        self.hits = [h for h in hits if self._row(h) is not None]
        self.list.blockSignals(True)
        self.list.clear()
        lang = current_language()
        for hit in self.hits:
            row = self._row(hit)
            sep = "：" if lang == "zh_CN" else ": "
            item = QTreeWidgetItem([f"{layer_label(hit.kind, lang)}{sep}{feature_title(hit.kind, row, hit.position, lang)}"])
            item.setData(0, Qt.ItemDataRole.UserRole, (hit.kind, hit.position))
            self.list.addTopLevelItem(item)
        self.list.blockSignals(False)
        empty = not self.hits
        self.hint.setVisible(empty)
        self.splitter.setVisible(not empty)
        if self.hits:
            self.list.setCurrentItem(self.list.topLevelItem(0))
            self._show(self.hits[0])
        row_h = self.list.sizeHintForRow(0) if self.hits else self.fontMetrics().height() + 6
        list_h = max(row_h + 6, min(5, len(self.hits)) * row_h + 6)
        self.list.setMaximumHeight(list_h)
        total = max(self.splitter.height(), list_h + 200)
        self.splitter.setSizes([list_h, total - list_h])

    def current(self) -> Hit | None:
        item = self.list.currentItem()
        if item is None:
            return None
        kind, position = item.data(0, Qt.ItemDataRole.UserRole)
        return Hit(kind, int(position))

    def refresh(self) -> None:
        """Re-show after the project changed (edits, analyses, language)."""
        current = self.current()
        hits = [h for h in self.hits if self._row(h) is not None]
        self.show_hits(hits)
        if current is not None:
            for i in range(self.list.topLevelItemCount()):
                if self.list.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) == (current.kind, current.position):
                    self.list.setCurrentItem(self.list.topLevelItem(i))

    def _row(self, hit: Hit) -> pd.Series | None:
        if self.project is None:
            return None
        gdf = self.project.layers.get(hit.kind)
        if gdf is None or not (0 <= hit.position < len(gdf)):
            return None
        return gdf.iloc[hit.position]

    def _on_current(self, item, _previous) -> None:
        if item is None:
            return
        kind, position = item.data(0, Qt.ItemDataRole.UserRole)
        hit = Hit(kind, int(position))
        self._show(hit)
        self.current_changed.emit(kind, int(position))

    # -- the details ------------------------------------------------------------------------------
    def _show(self, hit: Hit) -> None:
        row = self._row(hit)
        if row is None:
            self.details.clear()
            return
        lang = current_language()
        kind = hit.kind
        self.details.setHtml(self.details_html(kind, row, hit.position, lang))
        self.edit_button.setVisible(bool(editable_columns(kind)))
        cols = indicator_columns(row)
        values = [row[c] for c in cols]
        shown = [(c, float(v)) for c, v in zip(cols, values) if not is_missing(v)]
        if shown:
            shown.sort(key=lambda cv: -abs(cv[1]))
            level = str(row.get("level", "unknown") or "unknown")
            self.chart.set_values([column_label(kind, c, lang) for c, _ in shown], [v for _, v in shown],
                                  level_colour(level, self.style, row))
            self.chart_title.setText(tr("ui.identify.breakdown"))
        self.chart.setVisible(bool(shown))
        self.chart_title.setVisible(bool(shown))

    def details_html(self, kind: str, row: pd.Series, position: int, lang: str | None = None) -> str:
        """The HTML shown for one feature (also used by tests)."""
        pal = self.palette()
        text_colour = pal.color(QPalette.ColorRole.Text).name()
        muted = QColor(text_colour)
        muted.setAlpha(140)
        grey = "#8a8a8a"
        esc = html.escape
        title = feature_title(kind, row, position, lang)
        parts = [f"<h3 style='margin:0 0 4px 0'>{esc(layer_label(kind, lang))} · {esc(title)}</h3>"]
        shown: set[str] = set()

        # risk area headline
        if "level" in row.index and ("score" in row.index):
            level = "" if is_missing(row["level"]) else str(row["level"])
            colour = level_colour(level or "unknown", self.style, row)
            level_text = level_name(row, lang) or tr("ui.identify.unknown", lang=lang)
            score = "" if is_missing(row["score"]) else f"{float(row['score']):.1f}"
            parts.append(f"<p style='margin:2px 0'><span style='background:{colour};color:#000'>&nbsp;&nbsp;&nbsp;&nbsp;</span>"
                         f"&nbsp;<b>{esc(level_text)}</b>&nbsp;&nbsp;{esc(tr('ui.identify.score', lang=lang))} "
                         f"<b>{esc(score or '—')}</b></p>")
            shown.update({"level", "score", "level_zh", "level_en", "colour"})
            unknown = row.get("unknown")
            if not is_missing(unknown) and str(unknown).strip():
                names = "、".join(column_label(kind, "c_" + k.strip(), lang)
                                 for k in str(unknown).replace("，", ",").replace(";", ",").split(",") if k.strip())
                parts.append(f"<p style='margin:2px 0;color:{grey}'>{esc(tr('ui.identify.unknown_indicators', lang=lang, names=names))}</p>")
                shown.add("unknown")
            reasons = self._reasons(row, lang)
            if reasons:
                parts.append(f"<p style='margin:2px 0'><b>{esc(tr('ui.identify.reasons', lang=lang))}</b> "
                             f"{esc(reasons)}</p>")
            shown.update({"reasons", "reasons_zh", "reasons_en"})

        # flags with their reasons
        flags = feature_flags(kind, row, lang)
        if flags:
            parts.append(f"<h4 style='margin:8px 0 2px 0'>{esc(tr('ui.identify.flags', lang=lang))}</h4>")
            if all(f.on is None for f in flags):
                parts.append(f"<p style='color:{grey};margin:0'>{esc(tr('ui.identify.not_analysed', lang=lang))}</p>")
            else:
                parts.append("<table cellspacing='0' cellpadding='2'>")
                for f in flags:
                    shown.update({f.column, f.column + "_reason", "flag_reason"})
                    if f.on:
                        badge = f"<span style='color:#c62828'><b>● {esc(tr('ui.value.yes', lang=lang))}</b></span>"
                    elif f.on is None:
                        badge = f"<span style='color:{grey}'>{esc(tr('ui.identify.unknown', lang=lang))}</span>"
                    else:
                        badge = f"<span style='color:{grey}'>{esc(tr('ui.value.no', lang=lang))}</span>"
                    reason = f"<br/><span style='color:{grey}'>{esc(f.reason)}</span>" if f.reason else ""
                    parts.append(f"<tr><td valign='top'>{esc(f.label)}</td><td valign='top'>{badge}{reason}</td></tr>")
                parts.append("</table>")

        # every attribute with its unit
        parts.append(f"<h4 style='margin:8px 0 2px 0'>{esc(tr('ui.identify.attributes', lang=lang))}</h4>")
        parts.append("<table cellspacing='0' cellpadding='2' width='100%'>")
        for column in row.index:
            if column in shown or column == "geometry" or hasattr(row[column], "geom_type"):
                continue
            value = row[column]
            text = value_text(kind, column, value, lang, with_unit=True)
            if text == "":
                cell = f"<span style='color:{grey}'>—</span>"
            else:
                cell = esc(text)
            parts.append(f"<tr><td valign='top' style='color:{grey}'>{esc(column_label(kind, column, lang))}</td>"
                         f"<td valign='top'>{cell}</td></tr>")
        parts.append("</table>")
        return "".join(parts)

    @staticmethod
    def _reasons(row: pd.Series, lang: str | None) -> str:
        key = "reasons_zh" if (lang or current_language()) == "zh_CN" else "reasons_en"
        for col in (key, "reasons", "reasons_zh", "reasons_en"):
            if col in row.index and not is_missing(row[col]):
                return str(row[col])
        return ""

    def _zoom(self) -> None:
        hit = self.current()
        if hit is not None:
            self.zoom_requested.emit(hit.kind, hit.position)

    def _edit(self) -> None:
        hit = self.current()
        if hit is not None:
            self.edit_requested.emit(hit.kind, hit.position)

    def retranslate(self) -> None:
        self.hint.setText(tr("ui.identify.hint"))
        self.zoom_button.setText(tr("ui.identify.zoom"))
        self.edit_button.setText(tr("ui.identify.edit"))
        self.chart_title.setText(tr("ui.identify.breakdown"))
        self.chart.apply_palette()
        if self.hits:
            self.refresh()


__all__ = ["IdentifyPanel", "Hit", "feature_title", "RiskBreakdownChart", "level_colour", "level_name",
           "indicator_columns", "LEVEL_COLOURS"]
