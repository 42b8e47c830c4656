"""What the big-screen briefing (数据大屏) shows, computed from a project (no Qt).

* :func:`briefing_model` — everything on the screen: title, date and season in force, the KPI cards
  (each with its change since the last saved snapshot), the ranked priority list, the chart data and
  the guided-tour steps (top-N priority areas with level, score, reasons, measures, photo, extent);
* :func:`kpi_values` — the raw KPI figures (what a snapshot stores);
* :func:`take_snapshot` / :func:`snapshots` — the snapshots kept in the project's settings under
  ``briefing.snapshots`` (a list of ``{"date": "YYYY-MM-DD", "values": {...}}``);
* :func:`measures_for` — measures for an area from its strongest indicators
  (``briefing_measures.toml`` next to this file).

The UI (``fireriskmap.ui.briefing``) and the ``brief`` command draw from this model only.
"""

from __future__ import annotations

import datetime as _dt
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from fireriskmap.errors import BriefingError
from fireriskmap.export.data import (LevelInfo, _num, all_levels, area_stats, format_date, has_values, lang_code,
                                     level_counts, priority_rows, risk_model, short_level, township_name,
                                     village_table, whole_stats)
from fireriskmap.i18n import tr

__all__ = ["SNAPSHOT_KEY", "KPI_KEYS", "Kpi", "TourStep", "BriefingModel", "briefing_model", "kpi_values",
           "take_snapshot", "snapshots", "last_snapshot", "measures_for", "area_photo", "as_of_date",
           "season_names", "patrol_coverage", "open_major_hazards", "BriefingError"]

SNAPSHOT_KEY = "briefing.snapshots"
MAX_SNAPSHOTS = 200
MEASURES_PATH = Path(__file__).with_name("briefing_measures.toml")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
CLOSED_STATUSES = frozenset({"closed", "void"})

# KPI key -> (kind of value, which direction is better: +1 up, -1 down)
KPI_KEYS: dict[str, tuple[str, int]] = {
    "levels": ("levels", -1),
    "households_flagged": ("int", -1),
    "water_share": ("share", +1),
    "share_5min": ("share", +1),
    "chimney": ("int", -1),
    "major_hazards_open": ("int", -1),
    "patrol_coverage": ("share", +1),
}


# -- small helpers ---------------------------------------------------------------------------------

def _int_text(value: float | None) -> str:
    return "—" if value is None else f"{int(round(value)):,}"


def _share_text(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


# -- the date and the season in force -------------------------------------------------------------

def as_of_date(project, date: Any = None) -> _dt.date:
    """The date the briefing speaks for: ``date``, else the risk assessment's as-of date (setting
    ``risk.as_of``, metadata ``as_of`` / ``demo_as_of``), else today."""
    values = [date, project.settings.get("risk.as_of"), project.metadata.get("as_of"),
              project.metadata.get("demo_as_of")]
    for value in values:
        if value is None or value == "":
            continue
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        try:
            return _dt.date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            if value is date:
                raise BriefingError("brief.error.bad_date", value=str(value)) from None
    return _dt.date.today()


def season_names(project, day: _dt.date, lang: str | None = None) -> list[str]:
    """Names of the risk model's key periods (取暖季, 春节 …) ``day`` falls in (empty if none)."""
    model = risk_model(project)
    if model is None:
        return []
    try:
        from fireriskmap.analysis.risk import season_multipliers

        return list(season_multipliers(day, model).names(lang))
    except Exception:  # a model without seasons, or a date the lunar table does not cover
        return []


# -- KPIs ---------------------------------------------------------------------------------------------

def open_major_hazards(project) -> int | None:
    """Hazards with severity ``major`` whose status is not closed or void (None: no hazard layer)."""
    h = project.layers.get("hazards")
    if h is None:
        return None
    if len(h) == 0:
        return 0
    severity = h["severity"].astype(object) if "severity" in h.columns else pd.Series([None] * len(h))
    status = h["status"].astype(object) if "status" in h.columns else pd.Series(["open"] * len(h))
    major = severity.astype(str).str.strip().str.lower().eq("major").to_numpy()
    status_txt = status.where(status.notna(), "open").astype(str).str.strip().str.lower()
    still_open = ~status_txt.isin(CLOSED_STATUSES).to_numpy()
    return int((major & still_open).sum())


def _plan_levels(project) -> list[str] | None:
    for run in reversed(getattr(project, "runs", []) or []):
        if run.get("analysis") == "patrol":
            levels = (run.get("params") or {}).get("levels")
            return [str(v) for v in levels] if levels else None
    return None


def _patrol_run(project) -> dict | None:
    for run in reversed(getattr(project, "runs", []) or []):
        if run.get("analysis") == "patrol":
            return run
    return None


def patrol_coverage(project) -> dict[str, Any] | None:
    """How much of the priority list the stored night-patrol plan covers.

    Priority areas are the risk areas of the levels the plan was made for (default: the two highest
    levels of the scheme). Returns ``{"areas": n, "covered": k, "share": k/n, "visits_wanted": …,
    "visits_made": …}``; None when there is no risk layer or no plan.
    """
    risk = project.layers.get("risk_areas")
    stops = project.layers.get("patrol_stops")
    run = _patrol_run(project)
    if risk is None or len(risk) == 0 or ((stops is None or len(stops) == 0) and run is None):
        return None
    levels = _plan_levels(project)
    if not levels:
        scheme = [lv.code for lv in all_levels(project=project) if not lv.unknown]
        levels = scheme[:2] if scheme else ["red", "orange"]
    codes = risk["level"].astype(object).where(risk["level"].notna(), "unknown").astype(str) \
        if "level" in risk.columns else pd.Series(["unknown"] * len(risk))
    aliases = {"major": "red", "high": "orange", "moderate": "yellow", "low": "blue"}
    wanted_levels = {aliases.get(v, v) for v in levels} | set(levels)
    is_priority = codes.map(lambda c: c in wanted_levels or aliases.get(c, c) in wanted_levels).to_numpy()
    ident = None
    for col in ("area_id", "unit_id", "id"):
        if col in risk.columns:
            ident = [str(v) if v is not None and not (isinstance(v, float) and math.isnan(v)) else str(i)
                     for v, i in zip(risk[col].astype(object), risk.index)]
            break
    if ident is None:
        ident = [str(i) for i in risk.index]
    visited: set[str] = set()
    if stops is not None and len(stops) and "target_id" in stops.columns:
        for tid in stops["target_id"].dropna().astype(str):
            if tid.startswith("A:"):
                visited.add(tid[2:].split("#", 1)[0])
    n = int(is_priority.sum())
    covered = int(sum(1 for i, p in zip(ident, is_priority) if p and i in visited))
    summary = (run or {}).get("summary") or {}
    return {"areas": n, "covered": covered, "share": (covered / n) if n else None,
            "visits_wanted": _num(summary.get("visits_wanted")), "visits_made": _num(summary.get("visits_made")),
            "levels": sorted(wanted_levels)}


def kpi_values(project, *, stats: pd.DataFrame | None = None) -> dict[str, float | None]:
    """The KPI figures as plain numbers (None: not known), as stored in a snapshot.

    Keys: ``level.<code>`` (areas per level), ``households_flagged``, ``water_share``,
    ``share_5min``, ``chimney``, ``major_hazards_open``, ``patrol_coverage``.
    """
    s = (stats if stats is not None else whole_stats(project)).iloc[0]
    L = project.layers
    values: dict[str, float | None] = {}
    counts = level_counts(project)
    if counts is not None:
        for info, n in counts:
            values[f"level.{info.code}"] = float(n)
    values["households_flagged"] = float(s["households_flagged"]) if "clusters" in L else None
    values["water_share"] = _num(s["water_share"])
    values["share_5min"] = _num(s["share_5min"])
    values["chimney"] = float(s["chimney"]) if has_values(L.get("buildings"), "chimney_candidate") else None
    major = open_major_hazards(project)
    values["major_hazards_open"] = None if major is None else float(major)
    cov = patrol_coverage(project)
    values["patrol_coverage"] = None if cov is None else cov["share"]
    return values


# -- snapshots --------------------------------------------------------------------------------------

def snapshots(project) -> list[dict[str, Any]]:
    """The saved snapshots, oldest first (malformed entries are skipped)."""
    raw = project.settings.get(SNAPSHOT_KEY) or []
    out = []
    if not isinstance(raw, list):
        return out
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("values"), dict) and item.get("date"):
            out.append(item)
    return sorted(out, key=lambda d: (str(d["date"]), str(d.get("taken", ""))))


def last_snapshot(project) -> dict[str, Any] | None:
    items = snapshots(project)
    return items[-1] if items else None


def take_snapshot(project, *, date: Any = None) -> dict[str, Any]:
    """Store today's KPI figures (or ``date``'s) in ``project.settings["briefing.snapshots"]``.

    A snapshot of the same date replaces the earlier one. Returns the new snapshot. The project is
    changed (save it to keep the snapshot).
    """
    day = as_of_date(project, date) if date is not None else _dt.date.today()
    entry = {"date": day.isoformat(), "taken": _dt.datetime.now().isoformat(timespec="seconds"),
             "values": {k: v for k, v in kpi_values(project).items()}}
    items = [s for s in snapshots(project) if str(s["date"]) != entry["date"]]
    items.append(entry)
    items = sorted(items, key=lambda d: str(d["date"]))[-MAX_SNAPSHOTS:]
    if hasattr(project, "set_setting"):
        project.set_setting(SNAPSHOT_KEY, items)
    else:  # pragma: no cover - a plain object in scripts
        project.settings[SNAPSHOT_KEY] = items
    if hasattr(project, "dirty"):
        project.dirty = True
    return entry


# -- measures and photos ------------------------------------------------------------------------------

_MEASURES: dict[str, Any] | None = None


def _measure_table() -> dict[str, Any]:
    global _MEASURES
    if _MEASURES is None:
        try:
            with open(MEASURES_PATH, "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise BriefingError("brief.error.measures", file=MEASURES_PATH.name, problem=str(exc)) from None
        table = data.get("measures")
        if not isinstance(table, dict):
            raise BriefingError("brief.error.measures", file=MEASURES_PATH.name, problem="no [measures] table")
        for key, item in table.items():
            if not isinstance(item, dict) or not all(isinstance(item.get(k), list) for k in ("zh", "en")):
                raise BriefingError("brief.error.measures", file=MEASURES_PATH.name,
                                    problem=f"measures.{key} needs zh and en lists")
        _MEASURES = data
    return _MEASURES


def measures_for(indicators: dict[str, float | None], lang: str | None = None, *, limit: int | None = None
                 ) -> list[str]:
    """Measures for an area from its indicator contributions (``c_<key>`` → points of score).

    The indicators adding most to the score come first; each gives ``per_indicator`` measures. An area
    without contributions gets the ``default`` measures.
    """
    data = _measure_table()
    table = data["measures"]
    per = int(data.get("per_indicator", 2))
    limit = int(limit if limit is not None else data.get("max_measures", 4))
    short = lang_code(lang)
    ranked = sorted(((k[2:] if k.startswith("c_") else k, v) for k, v in indicators.items()
                     if v is not None and v > 0), key=lambda kv: -kv[1])
    out: list[str] = []
    for key, _v in ranked:
        for text in table.get(key, {}).get(short, [])[:per]:
            if text not in out:
                out.append(text)
        if len(out) >= limit:
            break
    if not out:
        out = list(table.get("default", {}).get(short, []))
    return out[:limit]


def attachments_dir(project) -> Path | None:
    """``<project stem>.files/`` beside the project file (None for an unsaved project)."""
    path = getattr(project, "path", None)
    if not path:
        return None
    path = Path(path)
    return path.parent / f"{path.stem}.files"


def area_photo(project, position: int, *, unit_id: str = "", name: str = "") -> Path | None:
    """A photo of the risk area at ``position``: its ``photo`` field (relative to the attachments
    folder or the project folder, or absolute), else ``<stem>.files/photos/<unit id or name>.jpg|png``."""
    risk = project.layers.get("risk_areas")
    folder = attachments_dir(project)
    if risk is not None and "photo" in risk.columns and 0 <= position < len(risk):
        value = risk["photo"].iloc[position]
        if isinstance(value, str) and value.strip():
            for part in value.replace("；", ";").split(";"):
                cand = Path(part.strip())
                tries = [cand] if cand.is_absolute() else []
                if folder is not None:
                    tries += [folder / cand, folder / "photos" / cand, folder.parent / cand]
                for t in tries:
                    if t.is_file():
                        return t
    if folder is None:
        return None
    photos = folder / "photos"
    if not photos.is_dir():
        return None
    for stem in (unit_id, name):
        if not stem:
            continue
        for suffix in PHOTO_SUFFIXES:
            for cand in (photos / f"{stem}{suffix}", photos / f"{stem}{suffix.upper()}"):
                if cand.is_file():
                    return cand
    return None


# -- the model ---------------------------------------------------------------------------------------

@dataclass
class Kpi:
    """One KPI card: key, title, value (None: not known), value text, sub-text, change since the
    snapshot (``delta``; None when there is no snapshot or no value) as text, and whether the change
    is good (+1), bad (-1) or neutral (0)."""

    key: str
    title: str
    value: float | None
    text: str
    note: str = ""
    delta: float | None = None
    delta_text: str = ""
    trend: int = 0
    levels: list[tuple[LevelInfo, int, float | None]] = field(default_factory=list)  # the level card


@dataclass
class TourStep:
    """One area of the guided tour."""

    rank: int
    name: str
    unit_id: str
    unit_type: str
    level: LevelInfo
    score: float | None
    reasons: list[str]
    measures: list[str]
    extent: tuple[float, float, float, float]
    position: int
    photo: Path | None = None
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value) figures of the area


@dataclass
class BriefingModel:
    title: str
    township: str
    date: _dt.date
    date_text: str
    season: list[str]
    season_text: str
    kpis: list[Kpi]
    priorities: list[dict[str, Any]]
    level_chart: list[tuple[LevelInfo, int]]
    village_chart: list[dict[str, Any]]
    steps: list[TourStep]
    snapshot_date: str | None
    lang: str
    has_risk: bool = True
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (for ``brief --json`` and tests)."""
        return {
            "title": self.title, "township": self.township, "date": self.date.isoformat(),
            "season": self.season, "snapshot_date": self.snapshot_date,
            "kpis": [{"key": k.key, "value": k.value, "text": k.text, "delta": k.delta, "delta_text": k.delta_text}
                     for k in self.kpis],
            "steps": [{"rank": s.rank, "name": s.name, "level": s.level.code, "score": s.score,
                       "reasons": s.reasons, "measures": s.measures, "photo": str(s.photo) if s.photo else None}
                      for s in self.steps],
        }


def _delta(kind: str, better: int, now: float | None, before: Any) -> tuple[float | None, str, int]:
    before = _num(before)
    if now is None or before is None:
        return None, "", 0
    d = now - before
    if kind == "share":
        if abs(d) < 0.0005:
            return 0.0, tr("brief.delta.same"), 0
        text = f"{'+' if d > 0 else '−'}{abs(d) * 100:.1f}"
        text = tr("brief.delta.points", value=text)
    else:
        if abs(d) < 0.5:
            return 0.0, tr("brief.delta.same"), 0
        text = f"{'+' if d > 0 else '−'}{int(round(abs(d))):,}"
    trend = better if d > 0 else -better
    return d, text, trend


def _padded(bounds, margin: float = 0.35, min_size: float = 300.0) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in bounds)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = max(x1 - x0, y1 - y0, min_size) * (0.5 + margin)
    return cx - half, cy - half, cx + half, cy + half


def briefing_model(project, *, top: int = 10, lang: str | None = None, date: Any = None) -> BriefingModel:
    """Everything the briefing screen shows, in ``lang`` (default: the current language).

    Parameters
    ----------
    top
        Number of priority areas listed and toured (1–50).
    date
        The date shown and used for the season (default: the risk assessment's as-of date).
    """
    if not 1 <= int(top) <= 50:
        raise BriefingError("brief.error.bad_top", value=top)
    top = int(top)
    short = lang_code(lang)
    day = as_of_date(project, date)
    season = season_names(project, day, lang)
    sep = "、" if short == "zh" else ", "
    town = township_name(project) or tr("brief.unnamed", lang=lang)
    stats = whole_stats(project)
    s = stats.iloc[0]
    values = kpi_values(project, stats=stats)
    snap = last_snapshot(project)
    before = (snap or {}).get("values", {}) if snap else {}

    kpis: list[Kpi] = []
    counts = level_counts(project, lang=lang)
    level_items = []
    if counts is not None:
        for info, n in counts:
            if info.unknown and n == 0:
                continue
            d, _t, _tr = _delta("int", -1, float(n), before.get(f"level.{info.code}")) if snap else (None, "", 0)
            level_items.append((info, int(n), d))
    total = sum(n for _i, n, _d in level_items)
    kpis.append(Kpi("levels", tr("brief.kpi.levels", lang=lang), float(total) if counts is not None else None,
                    _int_text(total) if counts is not None else "—",
                    tr("brief.kpi.levels_note", lang=lang, n=total) if counts is not None
                    else tr("brief.not_analysed", lang=lang), levels=level_items))

    def add(key: str, text: str, note: str) -> None:
        kind, better = KPI_KEYS[key]
        value = values.get(key)
        d, dt, trend = _delta(kind, better, value, before.get(key)) if snap else (None, "", 0)
        kpis.append(Kpi(key, tr(f"brief.kpi.{key}", lang=lang), value, text, note, d, dt, trend))

    not_run = tr("brief.not_analysed", lang=lang)
    v = values["households_flagged"]
    add("households_flagged", _int_text(v),
        tr("brief.kpi.households_flagged_note", lang=lang, n=_int_text(s["clusters_flagged"])) if v is not None
        else not_run)
    v = values["water_share"]
    gaps = project.layers.get("coverage_gaps")
    add("water_share", _share_text(v),
        tr("brief.kpi.water_share_note", lang=lang, n=_int_text(s["gap_households"] if gaps is not None else None))
        if v is not None and gaps is not None else ("" if v is not None else not_run))
    v = values["share_5min"]
    add("share_5min", _share_text(v),
        tr("brief.kpi.share_5min_note", lang=lang, n=_int_text(s["stations"])) if v is not None else not_run)
    v = values["chimney"]
    add("chimney", _int_text(v), tr("brief.kpi.chimney_note", lang=lang) if v is not None else not_run)
    v = values["major_hazards_open"]
    add("major_hazards_open", _int_text(v),
        tr("brief.kpi.major_hazards_note", lang=lang, n=_int_text(s["hazards_overdue"])) if v is not None
        else tr("brief.kpi.no_hazards", lang=lang))
    cov = patrol_coverage(project)
    if cov is not None:
        visits = (tr("brief.kpi.patrol_note", lang=lang, covered=cov["covered"], areas=cov["areas"],
                     made=_int_text(cov["visits_made"]), wanted=_int_text(cov["visits_wanted"]))
                  if cov["visits_wanted"] is not None else
                  tr("brief.kpi.patrol_note_areas", lang=lang, covered=cov["covered"], areas=cov["areas"]))
        add("patrol_coverage", _share_text(cov["share"]), visits)
    else:
        add("patrol_coverage", "—", tr("brief.kpi.no_plan", lang=lang))

    rows = priority_rows(project, lang=lang) or []
    risk = project.layers.get("risk_areas")
    ranked = [r for r in rows if r.rank is not None] or rows
    chosen = ranked[:top]
    priorities = [{"rank": r.rank if r.rank is not None else i + 1, "name": r.name, "level": r.level,
                   "score": r.score, "position": r.position, "reasons": r.reasons[:3]}
                  for i, r in enumerate(chosen)]

    steps: list[TourStep] = []
    if chosen and risk is not None:
        geoms = risk.geometry.iloc[[r.position for r in chosen]]
        area_figs = area_stats(project, geoms)
        for i, r in enumerate(chosen):
            geom = risk.geometry.iloc[r.position]
            if geom is None or geom.is_empty:
                continue
            f = area_figs.iloc[i]
            facts = [(tr("brief.fact.households", lang=lang), _int_text(_num(f["households"]))),
                     (tr("brief.fact.buildings", lang=lang), _int_text(_num(f["buildings"]))),
                     (tr("brief.fact.water", lang=lang), _share_text(_num(f["water_share"]))),
                     (tr("brief.fact.response", lang=lang), _share_text(_num(f["share_5min"])))]
            gap_prefix = tr("risk.reason.unknown", lang=lang, names="").strip()
            reasons = sorted(r.reasons, key=lambda t: bool(gap_prefix) and t.startswith(gap_prefix))
            steps.append(TourStep(
                rank=r.rank if r.rank is not None else i + 1, name=r.name, unit_id=r.unit_id, unit_type=r.unit_type,
                level=r.level, score=r.score, reasons=reasons[:4],
                measures=measures_for(r.indicators, lang), extent=_padded(geom.bounds), position=r.position,
                photo=area_photo(project, r.position, unit_id=r.unit_id, name=r.name), facts=facts))

    village_chart: list[dict[str, Any]] = []
    table = village_table(project, lang=lang)
    if table is not None:
        for rec in table.itertuples():
            village_chart.append({"name": str(rec.name), "water": _num(getattr(rec, "water_share", None)),
                                  "response": _num(getattr(rec, "share_5min", None))})

    season_text = sep.join(season) if season else tr("brief.season.none", lang=lang)
    notes = []
    if counts is None:
        notes.append(tr("brief.note.no_risk", lang=lang))
    return BriefingModel(
        title=tr("brief.title", lang=lang, town=town), township=town, date=day,
        date_text=format_date(day, lang), season=season, season_text=season_text, kpis=kpis,
        priorities=priorities, level_chart=[(i, n) for i, n, _d in level_items], village_chart=village_chart,
        steps=steps, snapshot_date=str(snap["date"]) if snap else None, lang=short,
        has_risk=counts is not None, notes=notes)


def level_short(info: LevelInfo) -> str:
    """'重大' / 'Major' for a level (the label without brackets)."""
    return short_level(info)


__all__ += ["level_short", "attachments_dir"]
