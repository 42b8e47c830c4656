"""Weekly figures per village for 《每周工作推进情况表》 (一周一调度、一周一通报). No Qt.

For an ISO week (``2027-W03``: Monday 18 – Sunday 24 January 2027) and each village:

============== ==========================================================================
found          hazards found this week (found date in the week)
fixed          hazards closed (销号) this week and still closed at the week's end
open           hazards not closed at the week's end (open, being fixed or overdue)
overdue        of those, past their deadline at the week's end
major_open     of the open ones, major (重大)
cum_found      found since the campaign start, up to the week's end
cum_closed     of those, closed at the week's end
rate           cum_closed / cum_found (整改率)
households, inspected, share, target, met
               inspection coverage from the campaign start to the week's end
incidents, deaths, injuries, loss_yuan
               fire incidents this week
============== ==========================================================================

For the current week the state is taken on the ledger's date (``ledger.today``), not on the coming
Sunday. Voided items (entered by mistake) do not count once voided. Figures for a past week are the
state *at that week's end*: status, severity, deadline and village are rebuilt from the audit
trail (``hazard_audit``), so closing, reopening, extending a deadline or voiding an item later does
not change last week's table. The closing date is the one recorded when the item was closed
(``closed_date`` as the close action wrote it), the item's ``closed_date`` as fallback (imported
closed items); an item closed with no date at all counts as closed but never as "fixed this week"
(counted in ``closed_undated``).

The campaign starts on the setting ``ledger.campaign_start``, else on 1 November of the season
(the winter–spring campaign runs from about November to the end of March).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fireriskmap.errors import LedgerError
from fireriskmap.ledger.inspections import inspection_coverage, village_households
from fireriskmap.ledger.model import ACTIVE, ID_FIELD, KIND, as_date, ledger_today

__all__ = ["parse_week", "week_label", "campaign_start", "WeeklyReport", "weekly_report", "COUNT_FIGURES",
           "status_at"]

COUNT_FIGURES = ("found", "fixed", "open", "overdue", "major_open", "cum_found", "cum_closed", "incidents",
                 "deaths", "injuries")
NO_VILLAGE = "（未填村）"
_WEEK_RE = re.compile(r"^\s*(\d{4})\s*[-‐–—]?\s*[Ww第]\s*(\d{1,2})\s*周?\s*$")


def parse_week(text: Any) -> tuple[_dt.date, _dt.date]:
    """Monday and Sunday of an ISO week: ``"2027-W03"``, ``"2027W3"``, ``"2027第3周"``, or any date
    in the week (``"2027-01-20"``). Raises :class:`LedgerError` for anything else."""
    if isinstance(text, (_dt.date, _dt.datetime)):
        day = text if not isinstance(text, _dt.datetime) else text.date()
    else:
        m = _WEEK_RE.match(str(text))
        if m:
            year, week = int(m.group(1)), int(m.group(2))
            try:
                monday = _dt.date.fromisocalendar(year, week, 1)
            except ValueError:
                raise LedgerError("ledger_io.error.bad_week", value=str(text)) from None
            return monday, monday + _dt.timedelta(days=6)
        day = as_date(text)
        if day is None:
            raise LedgerError("ledger_io.error.bad_week", value=str(text))
    monday = day - _dt.timedelta(days=day.weekday())
    return monday, monday + _dt.timedelta(days=6)


def week_label(day: _dt.date) -> str:
    """``2027-W03`` for any day of that ISO week."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def campaign_start(project, day: _dt.date) -> _dt.date:
    """The setting ``ledger.campaign_start``, else 1 November of the season holding ``day``."""
    value = as_date((project.settings or {}).get("ledger.campaign_start"))
    if value is not None:
        return value
    year = day.year if day.month >= 9 else day.year - 1
    return _dt.date(year, 11, 1)


# -- the state of each item at a date, from the audit trail -----------------------------------------

def _at_date(value: Any) -> _dt.date | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return as_date(str(value)[:10])


@dataclass
class _Timeline:
    """One item's history: the value of a field before any recorded change, and its changes."""

    current: dict[str, Any]
    changes: dict[str, list[tuple[_dt.date, Any, Any]]] = field(default_factory=dict)  # field → (date, old, new)
    closes: list[tuple[_dt.date | None, _dt.date | None]] = field(default_factory=list)  # (event date, closed_date)

    def value_at(self, name: str, day: _dt.date) -> Any:
        changes = self.changes.get(name) or []
        if not changes:
            return self.current.get(name)
        value = None
        known = False
        for when, old, new in changes:
            if when is not None and when <= day:
                value, known = new, True
            elif not known:
                return old
            else:
                break
        return value if known else self.current.get(name)


def _timelines(items: pd.DataFrame, audit: pd.DataFrame) -> dict[str, _Timeline]:
    fields = ("status", "severity", "deadline", "village", "found_date", "closed_date")
    out: dict[str, _Timeline] = {}
    for rec in items[[c for c in (ID_FIELD, *fields) if c in items]].to_dict("records"):
        out[str(rec.get(ID_FIELD))] = _Timeline(current={k: rec.get(k) for k in fields})
    if not len(audit):
        return out
    a = audit[audit["field"].isin(fields)].sort_values("seq", kind="stable")
    # the closing date a close action recorded, by (item, time of the action)
    close_dates: dict[tuple[str, str], Any] = {}
    for r in a[(a["action"] == "close") & (a["field"] == "closed_date")].itertuples(index=False):
        close_dates[(r.hazard_id, r.at)] = r.new
    for r in a.itertuples(index=False):
        t = out.get(str(r.hazard_id))
        if t is None:
            continue
        when = _at_date(r.at)
        if r.field == "status" and r.action == "close":
            recorded = as_date(close_dates.get((r.hazard_id, r.at)))
            when = recorded or when  # a close backdated to when the fix was checked
            t.closes.append((when, recorded))
        t.changes.setdefault(r.field, []).append((when, r.old, r.new))
    for t in out.values():
        for name, ch in t.changes.items():
            ch.sort(key=lambda c: (c[0] is None, c[0] or _dt.date.min))
    return out


def status_at(t: _Timeline, day: _dt.date) -> tuple[str | None, _dt.date | None, bool]:
    """``(status, closing date, closing date known)`` of an item at the end of ``day``.

    Imported closed items without a recorded close action are closed from their ``closed_date``
    (open before it) or, without one, closed with the date unknown.
    """
    found = as_date(t.value_at("found_date", day))
    if found is None or found > day:
        return None, None, False
    status = t.value_at("status", day) or "open"
    if status != "closed":
        return status, None, False
    # the last close action on or before the day
    dated = [c for c in t.closes if c[0] is not None and c[0] <= day]
    if dated:
        return "closed", dated[-1][0], True
    # closed before any recorded close action (imported as closed): its closed_date, if any
    closed = as_date(t.value_at("closed_date", day))
    if closed is not None:
        if closed > day:
            return "open", None, False
        return "closed", closed, True
    return "closed", None, False


# -- the report ------------------------------------------------------------------------------------

@dataclass
class WeeklyReport:
    """The weekly figures (see the module docstring).

    ``rows``: one row per village (columns ``village`` + figures + ``d_<figure>`` changes since the
    previous week); ``totals`` / ``previous_totals`` / ``change``: the township's figures.
    """

    week: str
    start: _dt.date
    end: _dt.date
    previous_week: str
    campaign_start: _dt.date
    township: str
    as_of: _dt.date
    rows: pd.DataFrame
    totals: dict[str, Any]
    previous_rows: pd.DataFrame
    previous_totals: dict[str, Any]
    change: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    closed_undated: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        def clean(v):
            if isinstance(v, (np.integer,)):
                return int(v)
            if isinstance(v, (np.floating, float)):
                return None if np.isnan(v) else round(float(v), 4)
            if isinstance(v, (np.bool_,)):
                return bool(v)
            if v is pd.NA:
                return None
            return v

        def records(frame):
            return [{k: clean(v) for k, v in r.items()} for r in frame.to_dict("records")]

        return {
            "week": self.week, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "previous_week": self.previous_week, "campaign_start": self.campaign_start.isoformat(),
            "as_of": self.as_of.isoformat(),
            "township": self.township, "villages": records(self.rows),
            "totals": {k: clean(v) for k, v in self.totals.items()},
            "previous_totals": {k: clean(v) for k, v in self.previous_totals.items()},
            "change": {k: clean(v) for k, v in self.change.items()},
            "closed_undated": self.closed_undated, "notes": list(self.notes),
        }

    def summary_text(self, lang: str | None = None) -> str:
        """"本周新排查隐患 N 处，整改 M 处 ……" — the paragraph under the table."""
        from fireriskmap.i18n import tr

        t, c = self.totals, self.change

        def arrow(v, pct=False):
            if v is None or (isinstance(v, float) and np.isnan(v)) or v == 0:
                return tr("ledger_io.weekly.same", lang=lang)
            text = f"{abs(v) * 100:.1f}" + tr("ledger_io.weekly.points", lang=lang) if pct else f"{abs(int(v))}"
            return ("↑" if v > 0 else "↓") + text

        rate = "—" if t["rate"] is None or np.isnan(t["rate"]) else f"{t['rate'] * 100:.1f}%"
        share = "—" if t["share"] is None or np.isnan(t["share"]) else f"{t['share'] * 100:.1f}%"
        text = tr("ledger_io.weekly.summary", lang=lang, found=t["found"], fixed=t["fixed"], open=t["open"],
                  overdue=t["overdue"], major=t["major_open"], cum_found=t["cum_found"],
                  cum_closed=t["cum_closed"], rate=rate, inspected=int(t["inspected"]),
                  households=int(t["households"]), share=share,
                  met=t["met"] if not str(t["met"]).endswith("/0") else "—", incidents=t["incidents"],
                  d_found=arrow(c["found"]), d_fixed=arrow(c["fixed"]), d_open=arrow(c["open"]),
                  d_overdue=arrow(c["overdue"]), d_rate=arrow(c["rate"], pct=True))
        return text


def _village_names(project, items: pd.DataFrame) -> pd.Series:
    """The village of each item: its ``village`` field, else the village polygon it lies in."""
    names = items["village"].astype(object).where(items["village"].notna(), None) if "village" in items \
        else pd.Series([None] * len(items), index=items.index, dtype=object)
    missing = names.isna() | (names.astype(str).str.strip() == "")
    if missing.any() and project.has_layer("villages"):
        geoms = items.geometry[missing]
        ok = ~(geoms.isna() | geoms.is_empty)
        if ok.any():
            v = project.layer("villages")
            idx_pts, idx_v = v.sindex.query(geoms[ok].values, predicate="within")
            lookup = dict(zip(geoms[ok].index[idx_pts], v["name"].iloc[idx_v]))
            for i, name in lookup.items():
                names.at[i] = name
    return names.where(names.notna() & (names.astype(str).str.strip() != ""), NO_VILLAGE)


def _week_figures(project, items: pd.DataFrame, timelines: dict[str, _Timeline], villages_now: pd.Series,
                  start: _dt.date, end: _dt.date, camp: _dt.date) -> tuple[pd.DataFrame, int]:
    """Figures for the days ``start``..``end`` (the state at the end of ``end``)."""
    rows: dict[str, dict[str, float]] = {}
    undated = 0

    def row(name: str) -> dict[str, float]:
        return rows.setdefault(name, {k: 0 for k in COUNT_FIGURES} | {"loss_yuan": 0.0})

    for pos, hid in enumerate(items[ID_FIELD].astype(str).tolist()):
        t = timelines.get(hid)
        if t is None:
            continue
        status, closed_on, dated = status_at(t, end)
        if status is None or status == "void":
            continue
        found = as_date(t.value_at("found_date", end))
        village = t.value_at("village", end) if t.changes.get("village") else None
        village = village or villages_now.iloc[pos]
        r = row(str(village))
        if start <= found <= end:
            r["found"] += 1
        if found >= camp:
            r["cum_found"] += 1
            if status == "closed":
                r["cum_closed"] += 1
        if status == "closed":
            if dated and start <= closed_on <= end:
                r["fixed"] += 1
            if not dated:
                undated += 1
            continue
        if status in ACTIVE:
            r["open"] += 1
            deadline = as_date(t.value_at("deadline", end))
            if (deadline is not None and deadline < end) or (deadline is None and status == "overdue"):
                r["overdue"] += 1
            if t.value_at("severity", end) == "major":
                r["major_open"] += 1
    # incidents this week
    if project.has_layer("incidents"):
        inc = project.layer("incidents")
        if len(inc):
            days = inc["date"].map(as_date)
            inweek = days.map(lambda d: d is not None and start <= d <= end).astype(bool)
            sel = inc[inweek]
            if len(sel):
                names = _village_names(project, sel)
                for i, (_, rec) in enumerate(sel.iterrows()):
                    r = row(str(names.iloc[i]))
                    r["incidents"] += 1
                    for k in ("deaths", "injuries"):
                        v = pd.to_numeric(rec.get(k), errors="coerce")
                        r[k] += 0 if pd.isna(v) else int(v)
                    v = pd.to_numeric(rec.get("loss_yuan"), errors="coerce")
                    r["loss_yuan"] += 0.0 if pd.isna(v) else float(v)
    # inspection coverage from the campaign start to the week's end
    cov = inspection_coverage(project, start=camp, end=end)
    frame = pd.DataFrame.from_dict(rows, orient="index")
    layer_names = [str(n) for n in project.layer("villages")["name"].dropna()] if project.has_layer("villages") else []
    names = list(dict.fromkeys(layer_names + list(village_households(project).index) + list(cov["village"])
                               + list(frame.index)))
    frame = frame.reindex(names)
    for k in COUNT_FIGURES:
        frame[k] = frame[k].fillna(0).astype(int) if k in frame else 0
    frame["loss_yuan"] = frame["loss_yuan"].fillna(0.0) if "loss_yuan" in frame else 0.0
    cov = cov.set_index("village").reindex(names)
    households = village_households(project).reindex(names)
    frame["households"] = households.to_numpy(dtype=float)
    frame["inspected"] = cov["inspected"].fillna(0.0).to_numpy(dtype=float)
    frame["share"] = cov["share"].to_numpy(dtype=float)
    frame["target"] = cov["target"].to_numpy(dtype=float)
    frame["met"] = cov["met"].to_numpy(dtype=object)
    frame["rate"] = np.where(frame["cum_found"] > 0, frame["cum_closed"] / frame["cum_found"].where(
        frame["cum_found"] > 0, 1), np.nan)
    frame.index.name = "village"
    frame = frame.reset_index()
    # villages in the villages layer's order, others (e.g. 未填村) last
    return frame, undated


def _totals(frame: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {k: int(frame[k].sum()) for k in COUNT_FIGURES}
    out["loss_yuan"] = float(frame["loss_yuan"].sum())
    hh = frame["households"]
    known = hh.notna() & (hh > 0)
    out["households"] = float(hh[known].sum())
    done = np.minimum(frame.loc[known, "inspected"], hh[known]).sum()
    out["inspected"] = float(frame["inspected"].sum())
    out["share"] = float(done / hh[known].sum()) if known.any() else float("nan")
    has_target = frame["met"].notna()
    out["met"] = f"{int((frame.loc[has_target, 'met'] == True).sum())}/{int(has_target.sum())}"  # noqa: E712
    out["target"] = float("nan")
    out["rate"] = out["cum_closed"] / out["cum_found"] if out["cum_found"] else float("nan")
    return out


def _reindex(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    out = frame.set_index("village").reindex(names)
    for k in COUNT_FIGURES:
        out[k] = out[k].fillna(0).astype(int)
    out["loss_yuan"] = out["loss_yuan"].fillna(0.0)
    out["inspected"] = out["inspected"].fillna(0.0)
    out.index.name = "village"
    return out.reset_index()


CHANGE_FIGURES = ("found", "fixed", "open", "overdue", "major_open", "cum_found", "cum_closed", "rate",
                  "inspected", "share", "incidents")


def township_name(project) -> str:
    """The township's name: the project's name, else the demo's township, else the file name."""
    return (project.name or project.metadata.get("name") or project.metadata.get("demo_township")
            or (project.path.stem if getattr(project, "path", None) else "")).strip()


def weekly_report(project, week: Any = None, *, campaign_start_date: Any = None, ledger=None) -> WeeklyReport:
    """The weekly figures for ``week`` (ISO week text or a date in it; default the ledger's today).

    Parameters
    ----------
    project : Project
    week : str or date, optional
    campaign_start_date : date, optional
        Overrides :func:`campaign_start`.
    """
    import time

    t0 = time.perf_counter()
    if week is None:
        week = ledger.today if ledger is not None else ledger_today(project)
    start, end = parse_week(week)
    prev_start, prev_end = start - _dt.timedelta(days=7), end - _dt.timedelta(days=7)
    today = ledger.today if ledger is not None else ledger_today(project)
    # the current week is counted up to the ledger's date ("at the week's end" = as of today)
    as_of = min(end, today) if start <= today else end
    camp = as_date(campaign_start_date) or campaign_start(project, end)
    items = project.layer(KIND) if project.has_layer(KIND) else None
    notes: list[str] = []
    if items is None or not len(items):
        import geopandas as gpd

        items = gpd.GeoDataFrame({ID_FIELD: [], "village": [], "status": []}, geometry=[], crs=project.crs)
    items = items.reset_index(drop=True)
    if len(items) and items[ID_FIELD].isna().any():
        # items without a ledger id yet (a plain import): give them a temporary key
        items = items.copy()
        items[ID_FIELD] = [i if isinstance(i, str) and i else f"_row{k}" for k, i in enumerate(items[ID_FIELD])]
    audit = project.table("hazard_audit")
    timelines = _timelines(items, audit)
    villages_now = _village_names(project, items) if len(items) else pd.Series([], dtype=object)
    rows, undated = _week_figures(project, items, timelines, villages_now, start, as_of, camp)
    prev, _ = _week_figures(project, items, timelines, villages_now, prev_start, prev_end, camp)
    names = list(dict.fromkeys(list(rows["village"]) + list(prev["village"])))
    rows = _reindex(rows, names)
    prev = _reindex(prev, names)
    for k in CHANGE_FIGURES:
        rows[f"d_{k}"] = rows[k].to_numpy(dtype=float) - prev[k].to_numpy(dtype=float)
    totals, ptotals = _totals(rows), _totals(prev)
    change = {k: (totals[k] - ptotals[k]) if not (isinstance(totals[k], float) and np.isnan(totals[k])) and not (
        isinstance(ptotals[k], float) and np.isnan(ptotals[k])) else float("nan") for k in CHANGE_FIGURES}
    if undated:
        from fireriskmap.i18n import tr

        notes.append(tr("ledger_io.weekly.undated", n=undated))
    return WeeklyReport(week=week_label(start), start=start, end=end, previous_week=week_label(prev_start),
                        campaign_start=camp, township=township_name(project), as_of=as_of, rows=rows, totals=totals,
                        previous_rows=prev, previous_totals=ptotals, change=change, notes=notes,
                        closed_undated=undated, seconds=time.perf_counter() - t0)
