"""The hazard ledger as the offices keep it in Excel (the reverse of :mod:`fireriskmap.io.ledger`).

Export (:func:`export_ledger`) writes the ledger in the same shape: title row
《XX镇火灾隐患排查整改台账》 marked 内部资料 (it may include the responsible person), Chinese
headers with 序号, dates as Excel dates shown ``2027年1月5日``, status in words, overdue rows
highlighted; sheets 整改记录 (the audit trail), 入户排查 (coverage per village and the records) and
火灾事故登记台账 (the incidents layer). Export → import into an empty project gives the same items.

No Qt here.
"""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from fireriskmap.core.spec import get_spec
from fireriskmap.i18n import tr
from fireriskmap.ledger.inspections import inspection_coverage
from fireriskmap.ledger.model import ID_FIELD, KIND, Ledger, as_date

__all__ = ["export_ledger", "LEDGER_COLUMNS"]

# -- export ----------------------------------------------------------------------------------------

# (key, kind): "date" cells are Excel dates; "enum" in words; "group" = under 整改情况
LEDGER_COLUMNS: list[tuple[str, str]] = [
    ("no", "int"), (ID_FIELD, "text"), ("ref", "text"), ("found_date", "date"), ("village", "text"),
    ("address", "text"), ("place_ref", "text"), ("hazard_type", "enum"), ("severity", "enum"),
    ("description", "text"), ("measure", "text"),
    ("responsible_unit", "group"), ("responsible_person", "group"), ("deadline", "group_date"),
    ("status", "group_enum"), ("closed_date", "group_date"),
    ("overdue", "text"), ("evidence", "text"), ("close_note", "text"), ("void_reason", "text"),
    ("finder", "text"), ("building_ref", "text"), ("lon", "coord"), ("lat", "coord"),
]
_PERSONAL = ("responsible_person", "finder")
_ACTIONS = ("register", "import", "create", "edit", "status", "close", "void", "reopen", "place", "evidence")


def _date_format(lang) -> str:
    from fireriskmap.export.data import lang_code

    return "yyyy-mm-dd" if lang_code(lang) == "en" else 'yyyy"年"m"月"d"日"'


def _header_text(key: str, lang) -> str:
    from fireriskmap.export.data import field_label, lang_code

    if key in ("no", "overdue", "lon", "lat", "status"):
        return tr(f"ledger_io.col.{key}", lang=lang)
    if key == "ref" and lang_code(lang) != "en":
        return "原编号"
    return field_label(KIND, key, lang)


def _py_date(value: Any) -> _dt.date | None:
    return as_date(value)


def _set_dates(sh, columns: list[int], fmt: str) -> None:
    r = sh.row - 1
    for c in columns:
        cell = sh.ws.cell(r, c)
        if isinstance(cell.value, (_dt.date, _dt.datetime)):
            cell.number_format = fmt


def _lonlat(items: gpd.GeoDataFrame) -> tuple[list, list]:
    n = len(items)
    if not n or items.crs is None:
        return [None] * n, [None] * n
    geoms = items.geometry
    ok = ~(geoms.isna() | geoms.is_empty).to_numpy()
    lon, lat = [None] * n, [None] * n
    if ok.any():
        ll = geoms[ok].to_crs(4326)
        for i, g in zip(np.flatnonzero(ok), ll.values):
            lon[i], lat[i] = round(float(g.x), 7), round(float(g.y), 7)
    return lon, lat


def _ledger_sheet(wb, project, ledger: Ledger, ctx, lang, personal: bool) -> int:
    from openpyxl.styles import Font

    from fireriskmap.export import data as D
    from fireriskmap.export.excel import FLAG_FILL, FONT, TEXT, _fill, _Sheet

    cols = [(k, kind) for k, kind in LEDGER_COLUMNS if personal or k not in _PERSONAL]
    headers = [(_header_text(k, lang), TEXT if kind not in ("int", "coord") else ("0" if kind == "int" else "0.0000000"),
                8 if kind in ("int",) else (12 if "date" in kind else None)) for k, kind in cols]
    group_cols = [i + 1 for i, (_k, kind) in enumerate(cols) if kind.startswith("group")]
    groups = [(tr("ledger_io.col.group_fix", lang=lang), group_cols[0], group_cols[-1])] if group_cols else None
    title = tr("ledger_io.xlsx.title", lang=lang, place=ctx["town"]) + (tr("ledger_io.xlsx.internal", lang=lang)
                                                                       if personal else "")
    sh = _Sheet(wb, tr("ledger_io.xlsx.sheet.ledger", lang=lang), title, ctx["subtitle"], ctx["mark"])
    sh.header(headers, groups)
    view = ledger.view()
    if not len(view):
        sh.message(tr("ledger_io.xlsx.empty", lang=lang), len(cols))
        sh.finish(autofilter=False)
        return 0
    lon, lat = _lonlat(view)
    date_cols = [i + 1 for i, (_k, kind) in enumerate(cols) if kind.endswith("date")]
    fmt = _date_format(lang)
    overdue_font = Font(name=FONT, size=10, bold=True, color="C62828")
    closed_fill = _fill("#E8F5E9")
    void_font = Font(name=FONT, size=10, color="9E9E9E")
    for n, (pos, row) in enumerate(zip(range(len(view)), view.itertuples(index=False)), start=1):
        rec = row._asdict()
        out = []
        for k, kind in cols:
            if k == "no":
                out.append(n)
            elif k == "lon":
                out.append(lon[pos])
            elif k == "lat":
                out.append(lat[pos])
            elif k == "overdue":
                out.append(tr("ledger_io.xlsx.overdue_days", lang=lang, days=int(rec["days_overdue"]))
                           if bool(rec["overdue"]) else None)
            elif "date" in kind:
                out.append(_py_date(rec.get(k)))
            elif "enum" in kind:
                out.append(D.enum_label(KIND, k, rec.get(k), lang) or None)
            else:
                v = rec.get(k)
                out.append(None if D.missing(v) else str(v))
        fills, fonts = {}, {}
        status = rec.get("status")
        if status == "closed":
            fills[[k for k, _ in cols].index("status") + 1] = closed_fill
        if bool(rec["overdue"]):
            fonts[[k for k, _ in cols].index("overdue") + 1] = overdue_font
            fonts[[k for k, _ in cols].index("status") + 1] = overdue_font
        sh.add(out, fills=fills, fonts=fonts, row_fill=FLAG_FILL if bool(rec["overdue"]) else None)
        if status == "void":
            for c in range(1, len(cols) + 1):
                sh.ws.cell(sh.row - 1, c).font = void_font
        _set_dates(sh, date_cols, fmt)
    for c in date_cols:
        sh.widths[c] = max(sh.widths.get(c, 0), 15)
    sh.row += 1
    sh.note(tr("ledger_io.xlsx.note", lang=lang, today=D.format_date(ledger.today, lang)), len(cols))
    sh.finish(freeze_cols=3, data_rows=len(view))
    return len(view)


def _audit_sheet(wb, project, ctx, lang) -> int:
    from fireriskmap.export import data as D
    from fireriskmap.export.excel import TEXT, _Sheet

    spec = get_spec(KIND)
    audit = project.table("hazard_audit")
    keys = ("no", "hazard_id", "at", "user", "action", "field", "old", "new", "note")
    headers = [(tr(f"ledger_io.audit.{k}", lang=lang), TEXT if k != "no" else "0", 8 if k == "no" else None)
               for k in keys]
    sh = _Sheet(wb, tr("ledger_io.xlsx.sheet.audit", lang=lang), tr("ledger_io.xlsx.audit_title", lang=lang,
                place=ctx["town"]), ctx["subtitle"], ctx["mark"])
    sh.header(headers)
    if not len(audit):
        sh.message(tr("ledger_io.xlsx.no_audit", lang=lang), len(keys))
        sh.finish(autofilter=False)
        return 0

    def value_text(fname, v):
        if D.missing(v) or v is None:
            return None
        if fname and spec.has_field(fname) and spec.field(fname).type == "enum":
            return D.enum_label(KIND, fname, v, lang) or v
        return str(v)

    for n, r in enumerate(audit.sort_values("seq", kind="stable").itertuples(index=False), start=1):
        fname = r.field if not D.missing(r.field) else None
        action = str(r.action)
        action_text = tr(f"ledger_io.action.{action}", lang=lang) if action in _ACTIONS else action
        field_text = (spec.field(fname).label(lang) if fname and spec.has_field(fname)
                      else (tr("ledger_io.audit.location", lang=lang) if fname == "geometry" else fname))
        sh.add([n, r.hazard_id, str(r.at).replace("T", " ") if not D.missing(r.at) else None,
                None if D.missing(r.user) else r.user, action_text, field_text,
                value_text(fname, r.old), value_text(fname, r.new), None if D.missing(r.note) else r.note])
    sh.finish(freeze_cols=2, data_rows=len(audit))
    return len(audit)


def _inspection_sheet(wb, project, ctx, lang) -> int:
    from fireriskmap.export import data as D
    from fireriskmap.export.excel import (BODY_FONT, BORDER, CENTER, FLAG_FILL, HEAD_FILL, HEAD_FONT, INT, SHARE,
                                          TEXT, TOTAL_FILL, _Sheet)

    cov = inspection_coverage(project)
    keys = ("no", "village", "households", "inspected", "share", "target", "met", "visits", "hazards_found")
    fmts = {"no": "0", "households": INT, "inspected": INT, "share": SHARE, "target": SHARE, "visits": INT,
            "hazards_found": INT}
    headers = [(tr(f"ledger_io.insp.{k}", lang=lang), fmts.get(k, TEXT), 8 if k == "no" else 10) for k in keys]
    sh = _Sheet(wb, tr("ledger_io.xlsx.sheet.inspections", lang=lang),
                tr("ledger_io.xlsx.inspection_title", lang=lang, place=ctx["town"]), ctx["subtitle"], ctx["mark"])
    sh.header(headers)
    yes, no = tr("ledger_io.yes", lang=lang), tr("ledger_io.no", lang=lang)
    for n, r in enumerate(cov.itertuples(index=False), start=1):
        met = None if r.met is None or D.missing(r.met) else (yes if r.met else no)
        sh.add([n, r.village, r.households, r.inspected, r.share, r.target, met, r.visits, r.hazards_found],
               fills={7: FLAG_FILL} if met == no else None)
    if len(cov):
        hh = pd.to_numeric(cov["households"], errors="coerce")
        known = hh.notna() & (hh > 0)
        done = cov.loc[known, "inspected"].clip(upper=hh[known]).sum()
        sh.add([None, tr("export.total", lang=lang), float(hh[known].sum()), float(cov["inspected"].sum()),
                float(done / hh[known].sum()) if known.any() else None, None,
                f"{int((cov['met'] == True).sum())}/{int(cov['met'].notna().sum())}",  # noqa: E712
                int(cov["visits"].sum()), int(cov["hazards_found"].sum())], row_fill=TOTAL_FILL, bold=True)
    data_rows = len(cov) + (1 if len(cov) else 0)
    # the records below the coverage table
    records = project.table("inspections")
    sh.row += 1
    rkeys = ("no", "inspection_id", "date", "village", "target_type", "target_ref", "households", "result",
             "hazard_ids", "inspector", "note")
    ws = sh.ws
    ws.cell(sh.row, 1, tr("ledger_io.xlsx.inspection_records", lang=lang)).font = HEAD_FONT
    sh.row += 1
    for c, k in enumerate(rkeys, start=1):
        cell = ws.cell(sh.row, c, tr(f"ledger_io.rec.{k}", lang=lang))
        cell.font, cell.fill, cell.alignment, cell.border = HEAD_FONT, HEAD_FILL, CENTER, BORDER
    sh.row += 1
    fmt = _date_format(lang)
    for n, r in enumerate(records.itertuples(index=False), start=1):
        vals = [n, r.inspection_id, _py_date(r.date), r.village,
                tr(f"ledger_io.target.{r.target_type}", lang=lang) if not D.missing(r.target_type) else None,
                r.target_ref, r.households,
                tr(f"ledger_io.result.{r.result}", lang=lang) if not D.missing(r.result) else None,
                r.hazard_ids, r.inspector, r.note]
        for c, v in enumerate(vals, start=1):
            from fireriskmap.export.excel import _clean

            cell = ws.cell(sh.row, c, _clean(v))
            cell.font, cell.border = BODY_FONT, BORDER
            if c == 3 and cell.value is not None:
                cell.number_format = fmt
        sh.row += 1
    if not len(records):
        ws.cell(sh.row, 1, tr("ledger_io.xlsx.no_inspections", lang=lang)).font = BODY_FONT
        sh.row += 1
    for c in range(1, len(rkeys) + 1):
        sh.widths[c] = max(sh.widths.get(c, 0), 12)
    sh.finish(freeze_cols=2, autofilter=False, data_rows=data_rows)
    return len(records)


def _incident_sheet(wb, project, ctx, lang) -> int:
    from fireriskmap.export import data as D
    from fireriskmap.export.excel import INT, TEXT, TOTAL_FILL, _Sheet

    keys = ("no", "date", "place", "village", "cause", "loss_yuan", "deaths", "injuries", "buildings_burnt",
            "description", "lon", "lat")
    fmts = {"no": "0", "loss_yuan": "#,##0", "deaths": INT, "injuries": INT, "buildings_burnt": INT,
            "lon": "0.0000000", "lat": "0.0000000"}

    def head(k):
        if k in ("no", "lon", "lat"):
            return tr(f"ledger_io.col.{k}", lang=lang)
        text = D.field_label("incidents", k, lang)
        return text + ("（元）" if k == "loss_yuan" and D.lang_code(lang) != "en" else "")

    headers = [(head(k), fmts.get(k, TEXT), 8 if k == "no" else (12 if k == "date" else None)) for k in keys]
    sh = _Sheet(wb, tr("ledger_io.xlsx.sheet.incidents", lang=lang),
                tr("ledger_io.xlsx.incident_title", lang=lang, place=ctx["town"]), ctx["subtitle"], ctx["mark"])
    sh.header(headers)
    inc = project.layer("incidents") if project.has_layer("incidents") else None
    if inc is None or not len(inc):
        sh.message(tr("ledger_io.xlsx.no_incidents", lang=lang), len(keys))
        sh.finish(autofilter=False)
        return 0
    inc = inc.assign(day_=inc["date"].map(as_date)).sort_values("day_", kind="stable", na_position="last")
    lon, lat = _lonlat(inc)
    fmt = _date_format(lang)
    for n, (pos, r) in enumerate(zip(range(len(inc)), inc.itertuples(index=False)), start=1):
        rec = r._asdict()
        sh.add([n, rec["day_"], rec.get("place"), rec.get("village"),
                D.enum_label("incidents", "cause", rec.get("cause"), lang) or None, rec.get("loss_yuan"),
                rec.get("deaths"), rec.get("injuries"), rec.get("buildings_burnt"), rec.get("description"),
                lon[pos], lat[pos]])
        _set_dates(sh, [2], fmt)
    total = [None, tr("export.total", lang=lang), None, None, None]
    for k in ("loss_yuan", "deaths", "injuries", "buildings_burnt"):
        col = pd.to_numeric(inc[k], errors="coerce") if k in inc else pd.Series(dtype=float)
        total.append(float(col.sum()) if k == "loss_yuan" else int(col.fillna(0).sum()))
    sh.add(total + [None, None, None], row_fill=TOTAL_FILL, bold=True)
    sh.widths[2] = max(sh.widths.get(2, 0), 15)
    sh.finish(freeze_cols=2, data_rows=len(inc) + 1)
    return len(inc)


def export_ledger(project, path: str | Path, *, lang: str | None = None, date: _dt.date | None = None,
                  office: str | None = None, personal: bool = True, ledger: Ledger | None = None):
    """Write the ledger as the offices keep it (see the module docstring); returns an
    :class:`~fireriskmap.export.data.ExportResult` (``extra``: sheets and row counts).

    ``personal=False`` leaves out the responsible person and the finder (for circulation outside
    the office); with them the title is marked 内部资料.
    """
    from openpyxl import Workbook

    from fireriskmap.export import data as D

    t0 = time.perf_counter()
    ledger = ledger or Ledger(project)
    day = date or ledger.today
    town = D.township_name(project)
    ctx = {"town": town, "mark": tr("export.internal_mark", lang=lang),
           "subtitle": tr("ledger_io.xlsx.subtitle", lang=lang, office=office or "________",
                          date=D.format_date(day, lang))}
    wb = Workbook()
    wb.remove(wb.active)
    counts = {"items": _ledger_sheet(wb, project, ledger, ctx, lang, personal),
              "audit": _audit_sheet(wb, project, ctx, lang),
              "inspections": _inspection_sheet(wb, project, ctx, lang),
              "incidents": _incident_sheet(wb, project, ctx, lang)}
    from fireriskmap.export.excel import save_workbook

    result = save_workbook(wb, path, title=tr("ledger_io.xlsx.title", lang=lang, place=town), started=t0)
    result.extra["rows"] = counts
    return result

