"""《每周工作推进情况表》: the weekly progress table as Excel and PDF (QtCore/QtGui only, for the PDF).

The figures come from :func:`fireriskmap.ledger.weekly.weekly_report` (one row per village, a
total row, the change since last week). The Excel file has one sheet in the office form: title with
the township and the week's dates, grouped headers (隐患排查整改 / 入户排查 / 火灾事故 / 较上周),
change columns shown ↑3 / ↓2 / — (numbers with a number format, so they still sum and sort), the
summary paragraph and the definitions below. The PDF is A4 landscape through the report writer of
:mod:`fireriskmap.export.pdf`: the government-document head, the table, the summary paragraph
("本周新排查隐患 N 处，整改 M 处 …") and a page footer. Both files are written atomically.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from fireriskmap.export import data as D
from fireriskmap.i18n import tr
from fireriskmap.progress import ProgressFn

__all__ = ["WEEKLY_COLUMNS", "weekly_xlsx", "weekly_pdf", "week_title"]

# (group, key, kind): kind int / share / text / delta (count change) / delta_pt (rate change, points)
WEEKLY_COLUMNS: list[tuple[str | None, str, str]] = [
    (None, "no", "int"), (None, "village", "text"),
    ("hazards", "found", "int"), ("hazards", "fixed", "int"), ("hazards", "open", "int"),
    ("hazards", "overdue", "int"), ("hazards", "major_open", "int"), ("hazards", "cum_found", "int"),
    ("hazards", "cum_closed", "int"), ("hazards", "rate", "share"),
    ("inspections", "households", "int"), ("inspections", "inspected", "int"), ("inspections", "share", "share"),
    ("inspections", "target", "share"), ("inspections", "met", "text"),
    ("incidents", "incidents", "int"), ("incidents", "deaths", "int"), ("incidents", "injuries", "int"),
    ("incidents", "loss_yuan", "int"),
    ("change", "d_found", "delta"), ("change", "d_fixed", "delta"), ("change", "d_open", "delta"),
    ("change", "d_overdue", "delta"), ("change", "d_rate", "delta_pt"),
    (None, "remark", "text"),
]
GROUPS = ("hazards", "inspections", "incidents", "change")
DELTA_FORMAT = '"↑"0;"↓"0;"—"'
DELTA_PT_FORMAT = '"↑"0.0;"↓"0.0;"—"'
# increases that are bad news (shown red) and good news (green)
_BAD_UP = {"d_open", "d_overdue"}
_GOOD_UP = {"d_fixed", "d_rate"}


def week_title(report, lang: str | None = None) -> tuple[str, str]:
    """(title, the week line: "2027年第3周（1月18日—1月24日）")."""
    year, week, _ = report.start.isocalendar()
    title = tr("ledger_io.weekly.title", lang=lang, place=report.township)
    line = tr("ledger_io.weekly.week_line", lang=lang, year=year, week=week,
              start=D.format_date(report.start, lang), end=D.format_date(report.end, lang))
    return title, line


def _value(rec: dict, key: str, kind: str) -> Any:
    v = rec.get(key)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if kind == "delta_pt":
        return float(v) * 100.0
    if key == "met":
        return v
    return v


def _met_text(v, lang) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, str):
        return v
    return tr("ledger_io.yes" if bool(v) else "ledger_io.no", lang=lang)


def _header(key: str, lang) -> str:
    return tr(f"ledger_io.weekly.col.{key}", lang=lang)


def weekly_xlsx(report, path: str | Path, *, lang: str | None = None, office: str | None = None,
                progress: ProgressFn | None = None) -> D.ExportResult:
    """Write the weekly table as an Excel workbook (one sheet, the office form)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from fireriskmap.export.excel import FLAG_FILL, FONT, INT, SHARE, TEXT, TOTAL_FILL, _Sheet

    t0 = time.perf_counter()
    title, line = week_title(report, lang)
    fmts = {"int": INT, "share": SHARE, "text": TEXT, "delta": DELTA_FORMAT, "delta_pt": DELTA_PT_FORMAT}
    columns = [(_header(k, lang), fmts[kind], 6 if k == "no" else (10 if k == "village" else
                                                                    (14 if k == "remark" else 7)))
               for _g, k, kind in WEEKLY_COLUMNS]
    groups = []
    for g in GROUPS:
        cols = [i + 1 for i, (gg, _k, _kind) in enumerate(WEEKLY_COLUMNS) if gg == g]
        groups.append((tr(f"ledger_io.weekly.group.{g}", lang=lang), cols[0], cols[-1]))
    subtitle = tr("ledger_io.weekly.subtitle", lang=lang, week=line, office=office or "________",
                  as_of=D.format_date(report.as_of, lang))
    wb = Workbook()
    wb.remove(wb.active)
    sh = _Sheet(wb, tr("ledger_io.weekly.sheet", lang=lang), title, subtitle, tr("export.internal_mark", lang=lang))
    sh.header(columns, groups)
    red = Font(name=FONT, size=10, bold=True, color="C62828")
    green = Font(name=FONT, size=10, bold=True, color="2E7D32")

    def write(rec: dict, n: int | None, *, total: bool = False) -> None:
        values, fonts, fills = [], {}, {}
        for c, (_g, key, kind) in enumerate(WEEKLY_COLUMNS, start=1):
            if key == "no":
                values.append(n)
                continue
            if key == "remark":
                values.append(None)
                continue
            v = _value(rec, key, kind)
            if key == "met":
                v = _met_text(v, lang)
                if v == tr("ledger_io.no", lang=lang):
                    fills[c] = FLAG_FILL
            if kind in ("delta", "delta_pt") and v is not None and v != 0:
                up = v > 0
                if key in _BAD_UP:
                    fonts[c] = red if up else green
                elif key in _GOOD_UP:
                    fonts[c] = green if up else red
            if key == "overdue" and v:
                fonts[c] = red
            values.append(v)
        sh.add(values, fonts=fonts, fills=fills, row_fill=TOTAL_FILL if total else None, bold=total)
        # delta formats on zero too (openpyxl's add() skips formats for 0 only when None)
        for c, (_g, key, kind) in enumerate(WEEKLY_COLUMNS, start=1):
            if kind in ("delta", "delta_pt"):
                sh.ws.cell(sh.row - 1, c).number_format = fmts[kind]

    for n, rec in enumerate(report.rows.to_dict("records"), start=1):
        write(rec, n)
    totals = dict(report.totals)
    totals["village"] = tr("export.total", lang=lang)
    for k, v in report.change.items():
        totals[f"d_{k}"] = v
    write(totals, None, total=True)
    n_rows = len(report.rows) + 1
    sh.row += 1
    summary_row = sh.row
    sh.note(report.summary_text(lang), len(columns))
    for key in ("note1", "note2", "note3"):
        sh.note(tr(f"ledger_io.weekly.{key}", lang=lang, start=D.format_date(report.campaign_start, lang),
                   as_of=D.format_date(report.as_of, lang)), len(columns))
    for note in report.notes:
        sh.note(note, len(columns))
    sh.ws.row_dimensions[summary_row].height = 48
    sh.finish(freeze_cols=2, autofilter=False, data_rows=n_rows)
    from fireriskmap.export.excel import save_workbook

    result = save_workbook(wb, path, title=title, started=t0)
    result.extra["week"] = report.week
    if progress:
        progress(1.0, "")
    return result


# -- PDF ---------------------------------------------------------------------------------------------

def _fmt(v: Any, kind: str, lang) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—" if kind in ("share",) else ""
    if kind == "share":
        return f"{float(v) * 100:.1f}%"
    if kind == "delta":
        v = int(round(float(v)))
        return "—" if v == 0 else (f"↑{v}" if v > 0 else f"↓{-v}")
    if kind == "delta_pt":
        v = float(v) * 100.0
        return "—" if abs(v) < 0.05 else (f"↑{v:.1f}" if v > 0 else f"↓{-v:.1f}")
    if kind == "int":
        return f"{int(round(float(v))):,}"
    return str(v)


def _table(report, lang):
    from fireriskmap.export.layout import ALIGN_CENTER, ALIGN_LEFT, ALIGN_RIGHT, Cell, Column, Table, TableStyle

    keys = [(g, k, kind) for g, k, kind in WEEKLY_COLUMNS if k != "remark"]
    widths = {"no": 0.55, "village": 1.5, "loss_yuan": 1.2, "households": 0.95, "inspected": 0.95}
    columns = [Column(_header(k, lang), widths.get(k, 0.8),
                      ALIGN_LEFT if k == "village" else (ALIGN_CENTER if kind in ("text", "delta", "delta_pt")
                                                         else ALIGN_RIGHT))
               for _g, k, kind in keys]

    def cells(rec, n, total=False):
        out = []
        for _g, k, kind in keys:
            if k == "no":
                out.append(Cell("" if n is None else str(n), bold=total))
                continue
            v = rec.get(k)
            text = _met_text(v, lang) or "" if k == "met" else _fmt(v, kind, lang)
            ink = None
            if kind in ("delta", "delta_pt") and v is not None and not (isinstance(v, float) and math.isnan(v)) \
                    and abs(float(v)) > 1e-9:
                up = float(v) > 0
                if k in _BAD_UP:
                    ink = "#c62828" if up else "#2e7d32"
                elif k in _GOOD_UP:
                    ink = "#2e7d32" if up else "#c62828"
            if k == "overdue" and v:
                ink = "#c62828"
            fill = "#fdecea" if (k == "met" and text == tr("ledger_io.no", lang=lang)) else None
            if total:
                fill = fill or "#eef1f5"
            out.append(Cell(text, fill=fill, ink=ink, bold=total))
        return out

    rows = [cells(rec, n) for n, rec in enumerate(report.rows.to_dict("records"), start=1)]
    totals = dict(report.totals)
    totals["village"] = tr("export.total", lang=lang)
    for k, v in report.change.items():
        totals[f"d_{k}"] = v
    rows.append(cells(totals, None, total=True))
    return Table(columns, rows, TableStyle(points=7.0, head_points=7.0, pad_mm=0.7, min_row_mm=4.1)), keys


def weekly_pdf(report, path: str | Path, *, lang: str | None = None, office: str | None = None,
               progress: ProgressFn | None = None) -> D.ExportResult:
    """Write the weekly table as an A4 landscape PDF (table, summary paragraph, page footer)."""
    from PyQt6.QtCore import QRectF

    from fireriskmap.export.layout import ALIGN_CENTER, HEAD_FILL, INK, MUTED, RULE, draw_table, paginate
    from fireriskmap.export.pdf import MARGIN_MM, _footer, _footer_height, _header, _write_pdf
    from fireriskmap.fonts import FALLBACK_FAMILIES
    from fireriskmap.render import ensure_gui_application

    t0 = time.perf_counter()
    ensure_gui_application()
    title, line = week_title(report, lang)
    ctx = SimpleNamespace(
        project=None, lang=lang, title=title,
        subtitle=tr("ledger_io.weekly.subtitle", lang=lang, week=line, office=office or "________",
                    as_of=D.format_date(report.as_of, lang)),
        date=report.as_of, office=office, mark=tr("export.internal_mark", lang=lang), crs_note="",
        sources=tr("ledger_io.weekly.sources", lang=lang),
        renderer=SimpleNamespace(family=FALLBACK_FAMILIES[0]))
    table, keys = _table(report, lang)
    plan = {"paper": "A4", "ctx": ctx}

    def draw(doc, plan, result, progress) -> None:
        s = doc.sheet
        m = s.mm(MARGIN_MM)
        width = doc.width - 2 * m
        bottom = doc.height - m - _footer_height(doc) - s.mm(2)
        top = _header(doc, ctx, big=True)
        band = s.mm(5.5)
        first_room = bottom - top - band
        later_top = m + s.mm(4)
        chunks = paginate(s, table, width, [first_room, bottom - later_top - band])
        summary = report.summary_text(lang)
        notes = [tr(f"ledger_io.weekly.{k}", lang=lang, start=D.format_date(report.campaign_start, lang),
                    as_of=D.format_date(report.as_of, lang)) for k in ("note1", "note2", "note3")] + report.notes
        pages = len(chunks)
        # does the summary fit under the last chunk?
        from fireriskmap.export.layout import table_height

        last_top = top if pages == 1 else later_top
        a, b = chunks[-1]
        y_end = last_top + band + table_height(s, table, width, a, b)
        text_h = s.text_height(summary, width, 9.5) + sum(s.text_height(n, width, 7.5) for n in notes) + s.mm(8)
        extra_page = y_end + text_h > bottom
        pages += 1 if extra_page else 0
        total_w = sum(c.width for c in table.columns)
        col_w = [width * c.width / total_w for c in table.columns]

        def group_band(y: float) -> None:
            x = m
            i = 0
            while i < len(keys):
                g = keys[i][0]
                j = i
                while j + 1 < len(keys) and keys[j + 1][0] == g:
                    j += 1
                w = sum(col_w[i:j + 1])
                rect = QRectF(x, y, w, band)
                s.box(rect, fill=HEAD_FILL.darker(108) if g else HEAD_FILL, stroke=RULE, width_mm=0.15)
                if g:
                    s.text(rect, tr(f"ledger_io.weekly.group.{g}", lang=lang), 7.5, bold=True, colour=INK,
                           align=ALIGN_CENTER)
                x += w
                i = j + 1

        for p, (a, b) in enumerate(chunks):
            if p:
                doc.new_page()
                y = later_top
            else:
                y = top
            group_band(y)
            y = draw_table(s, table, m, y + band, width, a, b)
            if p < len(chunks) - 1 or extra_page:
                _footer(doc, ctx, p + 1, pages, tr("ledger_io.weekly.footer", lang=lang, week=report.week))
        if extra_page:
            doc.new_page()
            y = later_top
        y += s.mm(4)
        h = s.text_height(summary, width, 9.5)
        s.text(QRectF(m, y, width, h), summary, 9.5, colour=INK, wrap=True)
        y += h + s.mm(3)
        for n in notes:
            h = s.text_height(n, width, 7.5)
            s.text(QRectF(m, y, width, h), n, 7.5, colour=MUTED, wrap=True)
            y += h + s.mm(1)
        _footer(doc, ctx, pages, pages, tr("ledger_io.weekly.footer", lang=lang, week=report.week))

    result = _write_pdf(path, "weekly", plan, True, draw, progress, lang, t0)
    result.extra["week"] = report.week
    return result

