"""Excel tables for the meeting and the weekly dispatch (openpyxl; no Qt).

:func:`export_xlsx` writes one workbook with:

1. 重点区域排序 — the priority list (rank, area, level in its colour, score, reasons, completeness,
   the indicator contributions), or "风险评估尚未运行";
2. 集中连片村寨 — clusters, flagged ones first, with their proposed fire breaks;
3. 烟囱楼与钢结构 — chimney-building candidates and steel / sandwich-panel buildings with the rule
   that flagged them;
4. 水源覆盖盲区 — coverage gaps;
5. 建议新增消火栓 — proposed hydrants in order;
6. 分村周推进表 — the per-village summary in the shape of the weekly progress table
   (《每周工作推进情况表》: 村/社区 × figures, grouped headers, a total row).

Chinese headers (English with ``lang="en"``), column widths from the content, level colours,
frozen header rows, filters. Personal fields are never written. Coordinates are in the project's
CRS (CGCS2000 GK metres), as on the printed maps.
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from fireriskmap.export import data as D
from fireriskmap.i18n import tr
from fireriskmap.progress import ProgressFn

FONT = "Microsoft YaHei"  # Excel on office PCs; WPS and LibreOffice substitute their CJK font
THIN = Side(style="thin", color="9AA0A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DCE3EC")
GROUP_FILL = PatternFill("solid", fgColor="C9D3E0")
TOTAL_FILL = PatternFill("solid", fgColor="EEF1F5")
FLAG_FILL = PatternFill("solid", fgColor="FDECEA")
TITLE_FONT = Font(name=FONT, size=15, bold=True)
SUB_FONT = Font(name=FONT, size=10, color="5F6368")
MARK_FONT = Font(name=FONT, size=10, bold=True, color="C62828")
HEAD_FONT = Font(name=FONT, size=10, bold=True)
BODY_FONT = Font(name=FONT, size=10)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")

INT = "#,##0"
FLOAT = "0.0"
SHARE = "0.0%"
TEXT = "@"

SHEETS = ("priority", "clusters", "buildings", "gaps", "hydrants", "villages")


def _text_width(value: Any) -> float:
    """Display width of a cell value in Excel character units (CJK characters count double)."""
    if value is None:
        return 0
    text = str(value)
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.0 for ch in longest)


def _fill(colour: str) -> PatternFill:
    return PatternFill("solid", fgColor=colour.lstrip("#").upper()[:6])


def _clean(value: Any) -> Any:
    """A value openpyxl can write: numpy scalars to Python, NaN/NA to empty, dates as dates."""
    if D.missing(value):
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if not math.isfinite(v) else v
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


class _Sheet:
    """Writes one table: title, subtitle, (grouped) headers, rows; widths, freeze, filter."""

    def __init__(self, wb: Workbook, name: str, title: str, subtitle: str, mark: str) -> None:
        self.ws = wb.create_sheet(name[:31])
        self.title = title
        self.subtitle = subtitle
        self.mark = mark
        self.widths: dict[int, float] = {}
        self.row = 1

    def header(self, columns: list[tuple[str, str, float | None]], groups: list[tuple[str, int, int]] | None = None
               ) -> None:
        """``columns``: (header text, number format, min width); ``groups``: (text, first col, last col)
        above them (1-based columns). Writes the title rows first."""
        ws = self.ws
        n = len(columns)
        ws.cell(1, 1, self.title).font = TITLE_FONT
        ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(n, 1))
        ws.row_dimensions[1].height = 28
        ws.cell(2, 1, self.subtitle).font = SUB_FONT
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(n - 2, 1))
        mark_col = max(n - 1, 1) if n > 2 else n
        ws.cell(2, mark_col, self.mark).font = MARK_FONT
        ws.cell(2, mark_col).alignment = Alignment(horizontal="right")
        if n > 2:
            ws.merge_cells(start_row=2, start_column=mark_col, end_row=2, end_column=n)
        self.formats = [fmt for _, fmt, _ in columns]
        row = 3
        if groups:
            grouped = set()
            for text, a, b in groups:
                cell = ws.cell(row, a, text)
                cell.font, cell.fill, cell.alignment, cell.border = HEAD_FONT, GROUP_FILL, CENTER, BORDER
                for c in range(a, b + 1):
                    ws.cell(row, c).border = BORDER
                    ws.cell(row, c).fill = GROUP_FILL
                    grouped.add(c)
                if b > a:
                    ws.merge_cells(start_row=row, start_column=a, end_row=row, end_column=b)
            for c, (text, _fmt, _w) in enumerate(columns, start=1):
                if c not in grouped:  # a single header spanning both rows
                    cell = ws.cell(row, c, text)
                    cell.font, cell.fill, cell.alignment, cell.border = HEAD_FONT, HEAD_FILL, CENTER, BORDER
                    ws.cell(row + 1, c).border = BORDER
                    ws.merge_cells(start_row=row, start_column=c, end_row=row + 1, end_column=c)
            row += 1
            for c, (text, _fmt, _w) in enumerate(columns, start=1):
                if c in grouped:
                    cell = ws.cell(row, c, text)
                    cell.font, cell.fill, cell.alignment, cell.border = HEAD_FONT, HEAD_FILL, CENTER, BORDER
        else:
            for c, (text, _fmt, _w) in enumerate(columns, start=1):
                cell = ws.cell(row, c, text)
                cell.font, cell.fill, cell.alignment, cell.border = HEAD_FONT, HEAD_FILL, CENTER, BORDER
        for c, (text, _fmt, minimum) in enumerate(columns, start=1):
            self.widths[c] = max(minimum or 0, min(_text_width(text) / (2 if groups else 1.6) + 2, 16))
        ws.row_dimensions[row].height = 32
        self.head_row = row
        self.row = row + 1

    def add(self, values: list[Any], *, fills: dict[int, PatternFill] | None = None,
            fonts: dict[int, Font] | None = None, row_fill: PatternFill | None = None, bold: bool = False) -> None:
        ws = self.ws
        lines = 1
        for c, value in enumerate(values, start=1):
            value = _clean(value)
            cell = ws.cell(self.row, c, value)
            fmt = self.formats[c - 1] if c - 1 < len(self.formats) else None
            if fmt and value is not None and fmt != TEXT and isinstance(value, (int, float)):
                cell.number_format = fmt
            cell.border = BORDER
            cell.font = Font(name=FONT, size=10, bold=True) if bold else BODY_FONT
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.alignment = RIGHT
            elif isinstance(value, str) and _text_width(value) > 24:
                cell.alignment = LEFT
            else:
                cell.alignment = CENTER
            if row_fill is not None:
                cell.fill = row_fill
            if fills and c in fills:
                cell.fill = fills[c]
            if fonts and c in fonts:
                cell.font = fonts[c]
            shown = value
            if isinstance(value, float) and fmt == SHARE:
                shown = f"{value * 100:.1f}%"
            elif isinstance(value, float):
                shown = f"{value:,.1f}"
            elif isinstance(value, int):
                shown = f"{value:,}"
            self.widths[c] = max(self.widths.get(c, 0), min(_text_width(shown) + 2, 60))
            if isinstance(value, str):
                lines = max(lines, -(-_text_width(value) // 58), value.count("\n") + 1)
        if lines > 1:  # spreadsheet programs do not grow rows for wrapped text by themselves
            ws.row_dimensions[self.row].height = 14.5 * lines + 3
        self.row += 1

    def message(self, text: str, ncols: int) -> None:
        ws = self.ws
        cell = ws.cell(self.row, 1, text)
        cell.font = Font(name=FONT, size=12, bold=True, color="8D6E00")
        cell.fill = PatternFill("solid", fgColor="FFF8E1")
        cell.alignment = Alignment(horizontal="left", vertical="center")
        ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=max(ncols, 1))
        ws.row_dimensions[self.row].height = 26
        self.row += 1

    def note(self, text: str, ncols: int) -> None:
        ws = self.ws
        cell = ws.cell(self.row, 1, text)
        cell.font = SUB_FONT
        cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=max(ncols, 1))
        self.row += 1

    def finish(self, *, freeze_cols: int = 0, autofilter: bool = True, data_rows: int | None = None) -> None:
        ws = self.ws
        for c, w in self.widths.items():
            ws.column_dimensions[get_column_letter(c)].width = max(6.0, w)
        ws.freeze_panes = ws.cell(self.head_row + 1, freeze_cols + 1)
        last = self.head_row + (data_rows if data_rows is not None else self.row - self.head_row - 1)
        if autofilter and last > self.head_row and self.widths:
            ws.auto_filter.ref = f"A{self.head_row}:{get_column_letter(max(self.widths))}{last}"
        ws.sheet_view.zoomScale = 100
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = f"3:{self.head_row}"


def _yes(value, lang) -> str:
    if D.missing(value):
        return "—"
    return tr("export.html.yes" if bool(value) else "export.html.no", lang=lang)


def _priority_sheet(wb, project, ctx, lang) -> None:
    rows = D.priority_rows(project, style=ctx["style"], lang=lang)
    risk = project.layers.get("risk_areas")
    ind_cols = D.indicator_columns(risk) if risk is not None else []
    t = lambda k: tr(k, lang=lang)  # noqa: E731
    columns = [(t("export.col.rank"), INT, 6), (t("export.xlsx.unit_id"), TEXT, 8), (t("export.col.area"), TEXT, 12),
               (t("export.col.unit_type"), TEXT, 8), (t("export.col.level"), TEXT, 10), (t("export.col.score"), FLOAT, 8),
               (t("export.xlsx.reasons"), TEXT, 40), (t("export.col.completeness"), SHARE, 10)]
    columns += [(D.indicator_label(c, lang, project=project), FLOAT, 8) for c in ind_cols]
    sh = _Sheet(wb, t("export.xlsx.sheet.priority"), tr("export.xlsx.title.priority", lang=lang, place=ctx["town"]),
                ctx["subtitle"], ctx["mark"])
    groups = None
    if ind_cols:
        groups = [(t("export.xlsx.group.contributions"), 9, 8 + len(ind_cols))]
    sh.header(columns, groups)
    sep = "；" if D.lang_code(lang) == "zh" else "; "
    if rows is None:
        sh.message(t("export.risk_not_run") + " — " + t("export.risk_hint"), len(columns))
        sh.finish(autofilter=False)
        return
    for r in rows:
        values = [r.rank, r.unit_id, r.name, r.unit_type, D.short_level(r.level), r.score, sep.join(r.reasons),
                  r.completeness] + [r.indicators.get(c) for c in ind_cols]
        sh.add(values, fills={5: _fill(r.level.colour)},
               fonts={5: Font(name=FONT, size=10, bold=True, color=r.level.text_colour.lstrip("#").upper()),
                      3: Font(name=FONT, size=10, bold=r.level.top)})
    sh.widths[7] = min(max(sh.widths.get(7, 40), 40), 70)
    sh.finish(freeze_cols=3, data_rows=len(rows))


def _cluster_sheet(wb, project, ctx, lang) -> None:
    t = lambda k: tr(k, lang=lang)  # noqa: E731
    c = project.layers.get("clusters")
    columns = [(D.field_label("clusters", "cluster_id", lang), INT, 8), (D.field_label("clusters", "village", lang), TEXT, 10),
               (D.field_label("clusters", "flagged", lang), TEXT, 8), (D.field_label("clusters", "buildings", lang), INT, 8),
               (D.field_label("clusters", "households", lang), INT, 8),
               (D.field_label("clusters", "footprint_m2", lang) + "（m²）" if D.lang_code(lang) == "zh" else
                D.field_label("clusters", "footprint_m2", lang) + " (m²)", INT, 10),
               (D.field_label("clusters", "timber_share", lang), SHARE, 10), (t("export.xlsx.firebreaks"), INT, 8),
               (D.field_label("clusters", "flag_reason", lang), TEXT, 30)]
    sh = _Sheet(wb, t("export.xlsx.sheet.clusters"), tr("export.xlsx.title.clusters", lang=lang, place=ctx["town"]),
                ctx["subtitle"], ctx["mark"])
    sh.header(columns)
    if c is None or len(c) == 0:
        sh.message(t("export.not_analysed"), len(columns))
        sh.finish(autofilter=False)
        return
    fb = project.layers.get("firebreaks")
    breaks = fb["cluster_id"].value_counts() if fb is not None and len(fb) and "cluster_id" in fb else pd.Series(dtype=int)
    frame = pd.DataFrame(c.drop(columns="geometry"))
    frame["_f"] = frame["flagged"].fillna(False).astype(bool) if "flagged" in frame else False
    frame["_h"] = pd.to_numeric(frame.get("households"), errors="coerce").fillna(0)
    frame = frame.sort_values(["_f", "_h"], ascending=[False, False])
    n = 0
    for _, rec in frame.iterrows():
        cid = rec.get("cluster_id")
        flagged = bool(rec["_f"])
        sh.add([cid, rec.get("village"), _yes(flagged, lang), rec.get("buildings"), rec.get("households"),
                rec.get("footprint_m2"), rec.get("timber_share"), int(breaks.get(cid, 0)) if not D.missing(cid) else 0,
                rec.get("flag_reason")], row_fill=FLAG_FILL if flagged else None)
        n += 1
    sh.finish(freeze_cols=2, data_rows=n)


def _building_sheet(wb, project, ctx, lang) -> None:
    t = lambda k: tr(k, lang=lang)  # noqa: E731
    b = project.layers.get("buildings")
    L = lambda f: D.field_label("buildings", f, lang)  # noqa: E731
    columns = [(t("export.col.no"), INT, 6), (t("export.col.building"), TEXT, 12), (L("village"), TEXT, 10),
               (t("export.col.flag"), TEXT, 12), (L("structure"), TEXT, 10), (L("storeys"), INT, 6), (L("use"), TEXT, 10),
               (L("households"), INT, 6), (t("export.col.basis"), TEXT, 40), (t("export.xlsx.water_m"), INT, 10),
               (L("water_covered"), TEXT, 8), (L("within_5min"), TEXT, 8), ("X", INT, 10), ("Y", INT, 11)]
    sh = _Sheet(wb, t("export.xlsx.sheet.buildings"), tr("export.xlsx.title.buildings", lang=lang, place=ctx["town"]),
                ctx["subtitle"], ctx["mark"])
    sh.header(columns)
    if not (D.has_values(b, "chimney_candidate") or D.has_values(b, "steel_or_panel")):
        sh.message(t("export.not_analysed"), len(columns))
        sh.finish(autofilter=False)
        return
    chim = b["chimney_candidate"].fillna(False).astype(bool) if "chimney_candidate" in b else pd.Series(False, index=b.index)
    steel = b["steel_or_panel"].fillna(False).astype(bool) if "steel_or_panel" in b else pd.Series(False, index=b.index)
    sub = b[chim | steel]
    order = np.lexsort((-pd.to_numeric(sub.get("storeys"), errors="coerce").fillna(0).to_numpy(),
                        sub["village"].astype(str).to_numpy() if "village" in sub else np.zeros(len(sub)),
                        ~chim[sub.index].to_numpy()))
    sub = sub.iloc[order]
    pts = sub.geometry.representative_point()
    sep = "；" if D.lang_code(lang) == "zh" else "; "
    join = "、" if D.lang_code(lang) == "zh" else ", "
    for i, (idx, rec) in enumerate(sub.iterrows(), start=1):
        kinds, reasons = [], []
        if chim[idx]:
            kinds.append(t("export.flag.chimney"))
            reasons.append(rec.get("chimney_candidate_reason"))
        if steel[idx]:
            kinds.append(t("export.flag.steel"))
            reasons.append(rec.get("steel_or_panel_reason"))
        pt = pts[idx]
        sh.add([i, rec.get("name") if not D.missing(rec.get("name")) else rec.get("source_id"), rec.get("village"),
                join.join(kinds), D.enum_label("buildings", "structure", rec.get("structure"), lang),
                rec.get("storeys"), D.enum_label("buildings", "use", rec.get("use"), lang), rec.get("households"),
                sep.join(str(r) for r in reasons if not D.missing(r)), rec.get("water_distance_m"),
                _yes(rec.get("water_covered"), lang) if "water_covered" in sub else "—",
                _yes(rec.get("within_5min"), lang) if "within_5min" in sub else "—",
                round(pt.x), round(pt.y)],
               fonts={4: Font(name=FONT, size=10, bold=True, color="C62828")} if chim[idx] else None)
    sh.finish(freeze_cols=2, data_rows=len(sub))


def _gap_sheet(wb, project, ctx, lang) -> None:
    t = lambda k: tr(k, lang=lang)  # noqa: E731
    g = project.layers.get("coverage_gaps")
    L = lambda f: D.field_label("coverage_gaps", f, lang)  # noqa: E731
    columns = [(L("rank"), INT, 6), (L("gap_id"), INT, 8), (L("village"), TEXT, 10), (L("buildings"), INT, 10),
               (L("households"), INT, 8), (t("export.xlsx.area_m2"), INT, 10), ("X", INT, 10), ("Y", INT, 11)]
    sh = _Sheet(wb, t("export.xlsx.sheet.gaps"), tr("export.xlsx.title.gaps", lang=lang, place=ctx["town"]),
                ctx["subtitle"], ctx["mark"])
    sh.header(columns)
    if g is None or len(g) == 0:
        sh.message(t("export.xlsx.no_gaps") if "coverage_gaps" in project.layers else t("export.not_analysed"),
                   len(columns))
        sh.finish(autofilter=False)
        return
    frame = g.copy()
    frame["_r"] = pd.to_numeric(frame.get("rank"), errors="coerce")
    frame = frame.sort_values(["_r"], na_position="last")
    pts = frame.geometry.representative_point()
    for idx, rec in frame.iterrows():
        sh.add([rec.get("rank"), rec.get("gap_id"), rec.get("village"), rec.get("buildings"), rec.get("households"),
                rec.geometry.area, round(pts[idx].x), round(pts[idx].y)])
    sh.finish(freeze_cols=2, data_rows=len(frame))


def _hydrant_sheet(wb, project, ctx, lang) -> None:
    t = lambda k: tr(k, lang=lang)  # noqa: E731
    h = project.layers.get("proposed_hydrants")
    L = lambda f: D.field_label("proposed_hydrants", f, lang)  # noqa: E731
    columns = [(L("order"), INT, 6), (t("export.col.road"), TEXT, 14), (t("export.xlsx.village"), TEXT, 10),
               (L("gain_buildings"), INT, 10), (L("gain_weight"), FLOAT, 12), (L("method"), TEXT, 10),
               ("X", INT, 10), ("Y", INT, 11)]
    sh = _Sheet(wb, t("export.xlsx.sheet.hydrants"), tr("export.xlsx.title.hydrants", lang=lang, place=ctx["town"]),
                ctx["subtitle"], ctx["mark"])
    sh.header(columns)
    if h is None or len(h) == 0:
        sh.message(t("export.not_analysed"), len(columns))
        sh.finish(autofilter=False)
        return
    frame = h.sort_values("order") if "order" in h else h
    roads = D.road_names(project, frame["road"].tolist()) if "road" in frame else ["—"] * len(frame)
    villages = _village_of(project, frame)
    for (idx, rec), road, village in zip(frame.iterrows(), roads, villages):
        sh.add([rec.get("order"), road, village, rec.get("gain_buildings"), rec.get("gain_weight"), rec.get("method"),
                round(rec.geometry.x), round(rec.geometry.y)])
    sh.finish(freeze_cols=1, data_rows=len(frame))


def _village_of(project, gdf) -> list[str]:
    villages = project.layers.get("villages")
    out = ["—"] * len(gdf)
    if villages is None or len(villages) == 0 or "name" not in villages:
        return out
    f, a = D.membership(gdf, villages.geometry.reset_index(drop=True))
    names = villages["name"].astype(str).tolist()
    for fi, ai in zip(f, a):
        if out[fi] == "—":
            out[fi] = names[ai]
    return out


# the weekly progress table: (group key or None, column key, number format)
WEEKLY = [
    (None, "no", INT), (None, "name", TEXT), (None, "households", INT), (None, "buildings", INT),
    ("clusters", "clusters_flagged", INT), ("clusters", "households_flagged", INT),
    ("flagged", "chimney", INT), ("flagged", "steel", INT), ("flagged", "high_rise", INT),
    ("water", "water_share", SHARE), ("water", "gaps", INT), ("water", "proposed", INT),
    ("response", "share_5min", SHARE),
    ("hazards", "hazards", INT), ("hazards", "hazards_closed", INT), ("hazards", "hazards_rectifying", INT),
    ("hazards", "hazards_open", INT), ("hazards", "hazards_overdue", INT), ("hazards", "rectified_share", SHARE),
    ("risk", "risk_level", TEXT), ("risk", "risk_score", FLOAT),
    (None, "remark", TEXT),
]
_TOTAL_SHARES = {"water_share": ("water_covered", "water_known"), "share_5min": ("within_5min", "resp_known"),
                 "rectified_share": ("hazards_closed", "hazards")}


def _weekly_sheet(wb, project, ctx, lang) -> None:
    t = lambda k: tr(k, lang=lang)  # noqa: E731
    table = D.village_table(project, style=ctx["style"], lang=lang)
    columns = []
    for _group, key, fmt in WEEKLY:
        text = t(f"export.village.{key}") if key not in ("no", "remark") else t(f"export.xlsx.{key}")
        columns.append((text, fmt, 14 if key == "remark" else (10 if key == "name" else 7)))
    groups = []
    for gkey in ("clusters", "flagged", "water", "response", "hazards", "risk"):
        cols = [i + 1 for i, (g, _k, _f) in enumerate(WEEKLY) if g == gkey]
        groups.append((t(f"export.xlsx.group.{gkey}"), cols[0], cols[-1]))
    sh = _Sheet(wb, t("export.xlsx.sheet.villages"), tr("export.xlsx.title.weekly", lang=lang, place=ctx["town"]),
                tr("export.xlsx.weekly_sub", lang=lang, office=ctx["office"] or "________", date=ctx["date_text"],
                   as_of=ctx["as_of"]), ctx["mark"])
    sh.header(columns, groups)
    if table is None:
        sh.message(tr("export.error.no_villages", lang=lang), len(columns))
        sh.finish(autofilter=False)
        return
    table = table.copy()
    for i, rec in enumerate(table.itertuples(index=False), start=1):
        rec = rec._asdict()
        values, fills, fonts = [], {}, {}
        for c, (_g, key, _fmt) in enumerate(WEEKLY, start=1):
            if key == "no":
                values.append(i)
            elif key == "remark":
                values.append(None)
            elif key == "risk_level":
                lv = rec.get("risk_level")
                if isinstance(lv, D.LevelInfo):
                    values.append(D.short_level(lv))
                    fills[c] = _fill(lv.colour)
                    fonts[c] = Font(name=FONT, size=10, bold=True, color=lv.text_colour.lstrip("#").upper())
                else:
                    values.append("—")
            else:
                values.append(rec.get(key))
        sh.add(values, fills=fills, fonts=fonts)
    # total row
    totals = []
    for _g, key, fmt in WEEKLY:
        if key == "no":
            totals.append(None)
        elif key == "name":
            totals.append(t("export.total"))
        elif key in _TOTAL_SHARES:
            num, den = (table[c].sum() for c in _TOTAL_SHARES[key])
            totals.append(num / den if den else None)
        elif fmt == INT and key in table:
            col = pd.to_numeric(table[key], errors="coerce")
            totals.append(col.sum() if col.notna().any() else None)
        else:
            totals.append(None)
    sh.add(totals, row_fill=TOTAL_FILL, bold=True)
    n = len(table) + 1
    sh.row += 1
    for line in ("export.xlsx.note1", "export.xlsx.note2", "export.xlsx.note3"):
        sh.note(tr(line, lang=lang), len(columns))
    sh.finish(freeze_cols=2, autofilter=False, data_rows=n)


def save_workbook(wb, path, *, title: str, started: float) -> D.ExportResult:
    """Save ``wb`` atomically at ``path`` with its title; the result lists the sheets."""
    wb.properties.title = title
    wb.properties.creator = "fireriskmap"
    target = Path(path)
    with D.atomic_output(target, ".xlsx") as tmp:
        wb.save(tmp)
    result = D.ExportResult(target, "xlsx", bytes=target.stat().st_size, seconds=time.perf_counter() - started)
    result.extra["sheets"] = [ws.title for ws in wb.worksheets]
    return result


def export_xlsx(project, path, *, lang: str | None = None, date: _dt.date | None = None, office: str | None = None,
                style=None, sheets: Iterable[str] | None = None,
                progress: ProgressFn | None = None) -> D.ExportResult:
    """Write the Excel workbook (see the module docstring for its sheets).

    Parameters
    ----------
    project : Project
    path : str or Path
        The ``.xlsx`` file (replaced atomically).
    lang : {"zh_CN", "en"}, optional
        Language of sheet names and headers.
    date, office
        The report date (default today) and the office filling in the weekly table.
    sheets : list of str, optional
        Some of :data:`SHEETS` (default: all).
    """
    from fireriskmap.render.style import default_style

    t0 = time.perf_counter()
    chosen = list(sheets) if sheets else list(SHEETS)
    unknown = [s for s in chosen if s not in SHEETS]
    if unknown:
        raise ValueError(f"unknown sheets {unknown}; known: {SHEETS}")
    day = date or _dt.date.today()
    as_of = D.data_as_of(project)
    town = D.township_name(project)
    ctx = {
        "town": town, "style": D.export_style(project, style or default_style()),
        "mark": tr("export.internal_mark", lang=lang), "office": office, "date_text": D.format_date(day, lang),
        "as_of": as_of.isoformat() if as_of else "—",
        "subtitle": tr("export.xlsx.subtitle", lang=lang, date=D.format_date(day, lang),
                       as_of=as_of.isoformat() if as_of else "—"),
    }
    wb = Workbook()
    wb.remove(wb.active)
    writers = {"priority": _priority_sheet, "clusters": _cluster_sheet, "buildings": _building_sheet,
               "gaps": _gap_sheet, "hydrants": _hydrant_sheet, "villages": _weekly_sheet}
    for i, key in enumerate(chosen):
        if progress:
            progress(0.05 + 0.85 * i / len(chosen), tr(f"export.xlsx.sheet.{key}", lang=lang))
        writers[key](wb, project, ctx, lang)
    result = save_workbook(wb, path, title=tr("export.title.xlsx", lang=lang, place=town), started=t0)
    if progress:
        progress(1.0, "")
    return result


__all__ = ["export_xlsx", "SHEETS", "WEEKLY"]
