"""Route sheets of a night patrol plan: Excel, PDF and GPX (for phones).

* :func:`write_excel` — one workbook: a summary sheet, one sheet per team (stop order, place,
  arrival and departure, level, what to check, a blank column to sign and note what was found)
  and the visits that could not be planned with their reasons. Chinese headers, column widths,
  frozen header rows, printed landscape one page wide.
* :func:`write_pdf` — A4 pages made with ``QPdfWriter``: an overview (figures per team, a sketch of
  all routes, the visits not planned) and one route sheet per team (its sketch map along the roads
  with numbered stops, the stop table, signature lines). Text is real text in the shipped Noto Sans
  SC font, so it prints, copies and searches in Chinese. QtCore/QtGui only; a ``QGuiApplication``
  is created offscreen when none exists.
* :func:`write_gpx` — one GPX 1.1 file per team: the stops as waypoints (name ``"01 地点"``, arrival
  time, what to check) and the route along the roads as a track, in WGS84 longitude/latitude.

Personal data never appears: the plan holds places, not people.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from fireriskmap.analysis.patrol.planner import PatrolPlan
from fireriskmap.analysis.patrol.timeline import night_datetime
from fireriskmap.export.data import file_mode
from fireriskmap.i18n import tr

__all__ = ["write_excel", "write_pdf", "write_gpx", "write_sheets", "sheet_rows", "TEAM_COLOURS",
           "LEVEL_COLOURS"]

#: Route colours by team (cycled).
TEAM_COLOURS = ("#6a1b9a", "#1565c0", "#2e7d32", "#ef6c00", "#ad1457", "#00838f", "#4e342e", "#283593")
#: Marker colours by level (安全风险分级管控: 红 橙 黄 蓝).
LEVEL_COLOURS = {"red": "#d32f2f", "orange": "#f57c00", "yellow": "#f9a825", "blue": "#1976d2", None: "#616161"}


def _is_en(lang: str | None) -> bool:
    from fireriskmap.i18n import current_language

    return (lang or current_language()).startswith("en")


def _s(value: Any) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)) or value is pd.NA:
        return ""
    return str(value)


def _team_names(plan: PatrolPlan) -> list[str]:
    return [t.name for t in plan.teams]


def _team_route(plan: PatrolPlan, team: str):
    r = plan.routes
    if not len(r) or "team" not in r.columns:
        return None
    sel = r[r["team"] == team]
    return sel.iloc[0] if len(sel) else None


#: Kinds whose note (why the area is a target) is printed on the sheets.
_NOTE_KINDS = ("risk_area", "cluster", "chimney")


def sheet_rows(plan: PatrolPlan, team: str, *, lang: str | None = None) -> list[dict[str, Any]]:
    """The rows of a team's route sheet: setting out, each stop in order, coming back."""
    t = next((x for x in plan.teams if x.name == team), None)
    base = (t.base if t is not None else "") or team
    route = _team_route(plan, team)
    rows: list[dict[str, Any]] = []
    if route is None:
        return rows
    rows.append({"seq": "", "arrival": "", "departure": _s(route["depart"]), "place": tr("patrol.sheet.start_row", base=base, lang=lang),
                 "kind": "", "level": None, "visit": "", "village": "", "checks": "", "wait": 0.0, "marker": "start",
                 "note": ""})
    for _, s in plan.team_stops(team).iterrows():
        kind = _s(s["target_kind"])
        level = s["level"] if isinstance(s["level"], str) else None
        visit = f"{int(s['visit'])}/{int(s['of_visits'])}" if kind != "break" else ""
        rows.append({"seq": int(s["seq"]), "arrival": _s(s["arrival"]), "departure": _s(s["departure"]),
                     "place": _s(s["name"]), "kind": tr(f"patrol.kind.{kind}", lang=lang) if kind else "",
                     "level": level, "level_text": tr(f"patrol.level.{level}", lang=lang) if level else "",
                     "visit": visit, "village": _s(s["village"]), "checks": _s(s["checks"]),
                     "wait": float(s["wait_min"] or 0.0), "marker": "break" if kind == "break" else "stop",
                     "note": _s(s["note"]) if kind in _NOTE_KINDS else ""})
    rows.append({"seq": "", "arrival": _s(route["return_time"]), "departure": "", "place": tr("patrol.sheet.end_row", base=base, lang=lang),
                 "kind": "", "level": None, "visit": "", "village": "", "checks": "", "wait": 0.0, "marker": "end",
                 "note": ""})
    return rows


def _atomic_target(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.stem + ".", suffix=path.suffix + ".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, file_mode())  # mkstemp makes 0600; a route sheet is an ordinary file
    return Path(tmp)


# -- Excel ---------------------------------------------------------------------------------------

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(text: str, used: set[str]) -> str:
    name = _SHEET_BAD.sub("_", text)[:31] or "Sheet"
    base, k = name, 2
    while name in used:
        suffix = f"({k})"
        name = base[:31 - len(suffix)] + suffix
        k += 1
    used.add(name)
    return name


def write_excel(plan: PatrolPlan, path: str | Path, *, lang: str | None = None, title: str | None = None) -> Path:
    """Write the plan's route sheets as one ``.xlsx`` workbook (atomically) and return its path."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    path = Path(path)
    T = lambda key, **kw: tr(f"patrol.sheet.{key}", lang=lang, **kw)  # noqa: E731
    wb = Workbook()
    used: set[str] = set()
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="37474F")
    title_font = Font(bold=True, size=14)
    thin = Side(style="thin", color="B0BEC5")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(horizontal="center", vertical="top", wrap_text=True)
    s = plan.summary

    def header(ws, row: int, labels: Sequence[str], widths: Sequence[float]) -> None:
        for c, (label, width) in enumerate(zip(labels, widths), start=1):
            cell = ws.cell(row=row, column=c, value=label)
            cell.font, cell.fill, cell.alignment, cell.border = head_font, head_fill, centre, border
            ws.column_dimensions[get_column_letter(c)].width = width
        ws.freeze_panes = ws.cell(row=row + 1, column=1)
        ws.print_title_rows = f"{row}:{row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    # summary
    ws = wb.active
    ws.title = _sheet_name(T("summary"), used)
    ws.cell(row=1, column=1, value=title or T("plan_title")).font = title_font
    ws.cell(row=2, column=1, value=f"{T('night')} {s.get('night', '')}    "
            f"{T('targets')} {s.get('targets', 0)}    {T('visits_wanted')} {s.get('visits_wanted', 0)}    "
            f"{T('visits_made')} {s.get('visits_made', 0)}")
    labels = [T("team"), T("base"), T("mode"), T("shift"), T("depart"), T("back"), T("stops"), T("km"),
              T("hours"), T("travel_hours")]
    header(ws, 3, labels, [10, 24, 14, 14, 9, 9, 9, 12, 12, 12])
    row = 4
    for entry in s.get("teams", []):
        values = [entry["team"], entry.get("base", ""), tr(f"patrol.mode.{entry.get('mode', 'car')}", lang=lang),
                  entry.get("shift", ""), entry.get("depart") or "", entry.get("return") or "",
                  len(entry.get("stops", [])), entry.get("km", 0.0), entry.get("hours", 0.0),
                  entry.get("travel_hours", 0.0)]
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row=row, column=c, value=v)
            cell.border, cell.alignment = border, wrap
        row += 1
    total = [T("total"), "", "", "", "", "", sum(len(e.get("stops", [])) for e in s.get("teams", [])),
             s.get("km", 0.0), s.get("hours", 0.0), ""]
    for c, v in enumerate(total, start=1):
        cell = ws.cell(row=row, column=c, value=v)
        cell.font, cell.border = Font(bold=True), border
    # per team
    for name in _team_names(plan):
        ws = wb.create_sheet(_sheet_name(name, used))
        route = _team_route(plan, name)
        team = next(t for t in plan.teams if t.name == name)
        ws.cell(row=1, column=1, value=f"{name} {T('title')}").font = title_font
        info = f"{T('night')} {plan.night.isoformat()}    {T('base')} {team.base}    " \
               f"{T('mode')} {tr(f'patrol.mode.{team.mode}', lang=lang)}"
        if route is not None:
            info += f"    {T('shift')} {route['shift']}    {T('km')} {route['length_km']}    {T('hours')} {route['duration_h']}"
        ws.cell(row=2, column=1, value=info)
        labels = [T("seq"), T("arrival"), T("departure"), T("place"), T("kind"), T("level"), T("visit"),
                  T("village"), T("checks"), T("note"), T("record")]
        header(ws, 3, labels, [6, 8, 8, 36, 14, 6, 7, 12, 52, 36, 26])
        row = 4
        rows = sheet_rows(plan, name, lang=lang)
        if not rows:
            ws.cell(row=row, column=4, value=T("no_stops"))
        for r in rows:
            values = [r["seq"], r["arrival"], r["departure"], r["place"], r["kind"], r.get("level_text", ""),
                      r["visit"], r["village"], r["checks"], r.get("note", ""), ""]
            for c, v in enumerate(values, start=1):
                cell = ws.cell(row=row, column=c, value=v)
                cell.border = border
                cell.alignment = centre if c in (1, 2, 3, 6, 7) else wrap
            if r.get("level"):
                colour = LEVEL_COLOURS.get(r["level"], "#616161").lstrip("#")
                ws.cell(row=row, column=6).fill = PatternFill("solid", fgColor=colour)
                ws.cell(row=row, column=6).font = Font(bold=True, color="FFFFFF")
            if r["marker"] in ("start", "end"):
                for c in range(1, 12):
                    ws.cell(row=row, column=c).fill = PatternFill("solid", fgColor="ECEFF1")
            row += 1
    # not planned
    ws = wb.create_sheet(_sheet_name(T("unvisited"), used))
    labels = [T("target"), T("place"), T("kind"), T("level"), T("visit"), T("village"), T("reason")]
    header(ws, 1, labels, [12, 36, 14, 6, 7, 12, 60])
    if not len(plan.unvisited):
        ws.cell(row=2, column=2, value=T("unvisited_none"))
    for row, (_, u) in enumerate(plan.unvisited.iterrows(), start=2):
        values = [u["target_id"], u["name"], tr(f"patrol.kind.{u['kind']}", lang=lang) if u["kind"] else "",
                  tr(f"patrol.level.{u['level']}", lang=lang) if isinstance(u["level"], str) else "",
                  int(u["visit"]), _s(u["village"]), u["reason"]]
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row=row, column=c, value=v)
            cell.border, cell.alignment = border, wrap
    tmp = _atomic_target(path)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


# -- GPX -----------------------------------------------------------------------------------------

def _safe_file(text: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", text).strip("_") or "team"


def write_gpx(plan: PatrolPlan, folder: str | Path, *, lang: str | None = None,
              utc_offset_h: float | None = 8.0) -> list[Path]:
    """One GPX file per team that goes out (stops as waypoints, the road route as a track).

    Coordinates are WGS84 longitude/latitude (what GPX requires; phone apps convert to their map).
    Times are the planned arrivals on the plan's night, with ``utc_offset_h`` (China: +8) or
    naive when ``None``.
    """
    import gpxpy.gpx
    from pyproj import Transformer

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    transformer = Transformer.from_crs(plan.routes.crs or plan.stops.crs, "EPSG:4326", always_xy=True)
    tz = _dt.timezone(_dt.timedelta(hours=utc_offset_h)) if utc_offset_h is not None else None
    out = []
    for k, name in enumerate(_team_names(plan), start=1):
        route = _team_route(plan, name)
        if route is None:
            continue
        gpx = gpxpy.gpx.GPX()
        gpx.creator = "fireriskmap"
        gpx.name = f"{name} {tr('patrol.sheet.title', lang=lang)} {plan.night.isoformat()}"
        gpx.description = _s(route["stop_list"])
        stops = plan.team_stops(name)
        for _, s in stops.iterrows():
            if s.geometry is None or s.geometry.is_empty:
                continue
            lon, lat = transformer.transform(s.geometry.x, s.geometry.y)
            when = night_datetime(plan.night, float(s["arrival_s"])) if "arrival_s" in s and pd.notna(s["arrival_s"]) else None
            if when is not None and tz is not None:
                when = when.replace(tzinfo=tz)
            desc = f"{tr('patrol.sheet.arrival', lang=lang)} {s['arrival']} · {tr('patrol.sheet.departure', lang=lang)} " \
                   f"{s['departure']}"
            if _s(s["checks"]):
                desc += f" · {tr('patrol.sheet.checks', lang=lang)}: {s['checks']}"
            gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(latitude=round(lat, 7), longitude=round(lon, 7), time=when,
                                                       name=f"{int(s['seq']):02d} {s['name']}", description=desc,
                                                       symbol="Flag", type=_s(s["target_kind"])))
        geom = route.geometry
        if geom is not None and not geom.is_empty:
            track = gpxpy.gpx.GPXTrack(name=name)
            gpx.tracks.append(track)
            parts = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
            for part in parts:
                seg = gpxpy.gpx.GPXTrackSegment()
                xy = np.asarray(part.coords)
                lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
                for x, y in zip(np.atleast_1d(lon), np.atleast_1d(lat)):
                    seg.points.append(gpxpy.gpx.GPXTrackPoint(latitude=round(float(y), 7), longitude=round(float(x), 7)))
                track.segments.append(seg)
        path = folder / f"patrol_{plan.night.isoformat()}_{k:02d}_{_safe_file(name)}.gpx"
        tmp = _atomic_target(path)
        try:
            tmp.write_text(gpx.to_xml(version="1.1"), encoding="utf-8")
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        out.append(path)
    return out


# -- PDF -----------------------------------------------------------------------------------------

_DPI = 300.0
_A4 = (210.0, 297.0)
_MARGIN = 12.0


class _Pdf:
    """Measured layout in mm on A4 portrait pages; drawing is deferred so the page count is known."""

    def __init__(self, family: str) -> None:
        from PyQt6.QtGui import QFontMetricsF

        from fireriskmap.render.text import map_font

        self._metrics = QFontMetricsF
        self._font = map_font
        self.family = family
        self.pages: list[list] = [[]]
        self.y = _MARGIN
        self.width = _A4[0] - 2 * _MARGIN
        self.bottom = _A4[1] - _MARGIN - 8.0   # room for the footer

    @staticmethod
    def px(mm: float) -> float:
        return mm * _DPI / 25.4

    def font(self, pt: float, bold: bool = False):
        from PyQt6.QtGui import QFont

        font = self._font(self.family, pt, _DPI, bold=bold)
        try:  # no "fi"/"fl" ligatures: the PDF's text stays searchable and copyable as typed
            font.setFeature(QFont.Tag("liga"), 0)
        except (AttributeError, TypeError):  # pragma: no cover - older Qt
            pass
        return font

    def text_height(self, text: str, width_mm: float, pt: float, bold: bool = False) -> float:
        from PyQt6.QtCore import QRectF, Qt

        if not text:
            return 0.0
        fm = self._metrics(self.font(pt, bold))
        rect = fm.boundingRect(QRectF(0, 0, self.px(width_mm), 1e6),
                               int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft), text)
        return rect.height() * 25.4 / _DPI

    def new_page(self) -> None:
        self.pages.append([])
        self.y = _MARGIN

    def need(self, height: float) -> None:
        if self.y + height > self.bottom and self.y > _MARGIN + 0.1:
            self.new_page()

    def add(self, op) -> None:
        self.pages[-1].append(op)

    def text(self, x: float, y: float, w: float, h: float, text: str, pt: float, *, bold: bool = False,
             colour: str = "#212121", align: str = "left") -> None:
        from PyQt6.QtCore import QRectF, Qt
        from PyQt6.QtGui import QColor

        flags = Qt.TextFlag.TextWordWrap | {"left": Qt.AlignmentFlag.AlignLeft, "centre": Qt.AlignmentFlag.AlignHCenter,
                                            "right": Qt.AlignmentFlag.AlignRight}[align] | Qt.AlignmentFlag.AlignTop
        font = self.font(pt, bold)
        rect = QRectF(self.px(x), self.px(y), self.px(w), self.px(h))

        def op(p):
            p.setFont(font)
            p.setPen(QColor(colour))
            p.drawText(rect, int(flags), text)

        self.add(op)

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str | None = None, stroke: str | None = None,
             width: float = 0.2) -> None:
        from PyQt6.QtCore import QRectF, Qt
        from PyQt6.QtGui import QBrush, QColor, QPen

        r = QRectF(self.px(x), self.px(y), self.px(w), self.px(h))

        def op(p):
            p.setPen(QPen(QColor(stroke), self.px(width)) if stroke else Qt.PenStyle.NoPen)
            p.setBrush(QBrush(QColor(fill)) if fill else Qt.BrushStyle.NoBrush)
            p.drawRect(r)

        self.add(op)

    def marker(self, x: float, y: float, d: float, label: str, fill: str, pt: float = 7.0) -> None:
        from PyQt6.QtCore import QRectF, Qt
        from PyQt6.QtGui import QBrush, QColor, QPen

        r = QRectF(self.px(x - d / 2), self.px(y - d / 2), self.px(d), self.px(d))
        font = self.font(pt, True)

        def op(p):
            p.setPen(QPen(QColor("#ffffff"), self.px(0.25)))
            p.setBrush(QBrush(QColor(fill)))
            p.drawEllipse(r)
            p.setFont(font)
            p.setPen(QColor("#ffffff") if fill not in ("#f9a825",) else QColor("#212121"))
            p.drawText(r, int(Qt.AlignmentFlag.AlignCenter), label)

        self.add(op)


def _nice_length(metres: float) -> float:
    if metres <= 0:
        return 0.0
    exp = 10 ** math.floor(math.log10(metres))
    for m in (5, 2, 1):
        if m * exp <= metres:
            return m * exp
    return exp


def _sketch(doc: _Pdf, x: float, y: float, w: float, h: float, lines: list[tuple[np.ndarray, str]],
            stops: list[tuple[float, float, str, str]], bases: list[tuple[float, float, str]], roads, *,
            lang: str | None) -> None:
    """A sketch map in the box (mm): roads in grey, routes in team colours, numbered stops, bases."""
    from PyQt6.QtCore import QPointF, QRectF, Qt
    from PyQt6.QtGui import QColor, QPainterPath, QPen

    doc.rect(x, y, w, h, fill="#fafafa", stroke="#90a4ae", width=0.25)
    pts = [c for c, _ in lines if c is not None and len(c)] + [np.array([[sx, sy]]) for sx, sy, _, _ in stops] + \
          [np.array([[bx, by]]) for bx, by, _ in bases]
    if not pts:
        return
    allxy = np.vstack(pts)
    minx, miny = allxy.min(axis=0)
    maxx, maxy = allxy.max(axis=0)
    span = max(maxx - minx, maxy - miny, 200.0)
    pad = 0.06 * span
    minx, maxx, miny, maxy = minx - pad, maxx + pad, miny - pad, maxy + pad
    inner = 3.0
    scale = min((w - 2 * inner) / max(maxx - minx, 1e-9), (h - 2 * inner) / max(maxy - miny, 1e-9))  # mm per metre
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2

    def to_mm(xy: np.ndarray) -> np.ndarray:
        out = np.empty_like(xy, dtype=float)
        out[:, 0] = x + w / 2 + (xy[:, 0] - cx) * scale
        out[:, 1] = y + h / 2 - (xy[:, 1] - cy) * scale
        return out

    clip = QRectF(doc.px(x), doc.px(y), doc.px(w), doc.px(h))
    bx0, by0 = cx - (w / 2) / scale, cy - (h / 2) / scale
    bx1, by1 = cx + (w / 2) / scale, cy + (h / 2) / scale
    if roads is not None and len(roads):
        import shapely

        box = shapely.box(bx0, by0, bx1, by1)
        near = roads.iloc[roads.sindex.query(box)] if hasattr(roads, "sindex") else roads
        path = QPainterPath()
        geoms = shapely.get_parts(np.asarray(near.geometry.values, dtype=object))
        geoms = geoms[~shapely.is_empty(geoms)]
        for g in geoms:
            c = to_mm(np.asarray(shapely.get_coordinates(g)))
            if len(c) < 2:
                continue
            path.moveTo(QPointF(doc.px(c[0, 0]), doc.px(c[0, 1])))
            for px_, py_ in c[1:]:
                path.lineTo(QPointF(doc.px(px_), doc.px(py_)))

        def road_op(p, path=path):
            p.save()
            p.setClipRect(clip)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor("#cfd8dc"), doc.px(0.25)))
            p.drawPath(path)
            p.restore()

        doc.add(road_op)
    for coords, colour in lines:
        if coords is None or len(coords) < 2:
            continue
        c = to_mm(coords)
        path = QPainterPath()
        path.moveTo(QPointF(doc.px(c[0, 0]), doc.px(c[0, 1])))
        for px_, py_ in c[1:]:
            path.lineTo(QPointF(doc.px(px_), doc.px(py_)))

        def line_op(p, path=path, colour=colour):
            p.save()
            p.setClipRect(clip)
            pen = QPen(QColor(colour), doc.px(0.7))
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)
            p.restore()

        doc.add(line_op)
    for bx, by, label in bases:
        c = to_mm(np.array([[bx, by]]))[0]
        doc.rect(c[0] - 2.0, c[1] - 2.0, 4.0, 4.0, fill="#263238", stroke="#ffffff", width=0.3)
        doc.text(c[0] - 2.0, c[1] - 1.9, 4.0, 4.0, label, 6.5, bold=True, colour="#ffffff", align="centre")
    for sx, sy, label, colour in stops:
        c = to_mm(np.array([[sx, sy]]))[0]
        doc.marker(c[0], c[1], 3.6, label, colour, pt=6.0)
    # scale bar and north arrow
    bar_m = _nice_length(0.25 * w / scale)
    if bar_m > 0:
        bar_mm = bar_m * scale
        sx0, sy0 = x + 4.0, y + h - 5.0
        doc.rect(sx0, sy0, bar_mm, 1.0, fill="#37474f")
        text = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
        doc.text(sx0, sy0 - 4.2, 30.0, 4.0, text, 7.0, colour="#37474f")
    doc.text(x + w - 9.0, y + 1.5, 7.0, 8.0, "N\n↑", 8.0, bold=True, colour="#37474f", align="centre")


def _level_colour(level: Any) -> str:
    return LEVEL_COLOURS.get(level if isinstance(level, str) else None, LEVEL_COLOURS[None])


def _stop_points(plan: PatrolPlan, team: str) -> list[tuple[float, float, str, str]]:
    out = []
    for _, s in plan.team_stops(team).iterrows():
        if s.geometry is None or s.geometry.is_empty:
            continue
        colour = "#455a64" if s["target_kind"] == "break" else _level_colour(s["level"])
        out.append((s.geometry.x, s.geometry.y, str(int(s["seq"])), colour))
    return out


def _route_coords(plan: PatrolPlan, team: str) -> np.ndarray | None:
    route = _team_route(plan, team)
    if route is None or route.geometry is None or route.geometry.is_empty:
        return None
    g = route.geometry
    parts = list(g.geoms) if hasattr(g, "geoms") else [g]
    return np.vstack([np.asarray(p.coords) for p in parts])


def _table(doc: _Pdf, columns: list[tuple[str, float, str]], rows: list[list[Any]], *, pt: float = 8.0,
           min_h: float = 6.0, row_fill=None, cell_draw=None) -> None:
    """A table with a repeated header; columns = (label, width mm, align); cells are text."""
    pad = 1.2

    def head():
        h = max(doc.text_height(label, wd - 2 * pad, pt, True) for label, wd, _ in columns) + 2 * pad
        doc.need(h + min_h)
        x = _MARGIN
        for label, wd, align in columns:
            doc.rect(x, doc.y, wd, h, fill="#37474f", stroke="#37474f")
            doc.text(x + pad, doc.y + pad, wd - 2 * pad, h, label, pt, bold=True, colour="#ffffff", align=align)
            x += wd
        doc.y += h

    head()
    for i, row in enumerate(rows):
        heights = [doc.text_height(_s(v), wd - 2 * pad, pt) for v, (_, wd, _) in zip(row, columns)]
        h = max(max(heights) + 2 * pad, min_h)
        if doc.y + h > doc.bottom:
            doc.new_page()
            head()
        x = _MARGIN
        fill = row_fill(i) if row_fill else None
        for j, (v, (_, wd, align)) in enumerate(zip(row, columns)):
            doc.rect(x, doc.y, wd, h, fill=fill, stroke="#b0bec5", width=0.15)
            if cell_draw is None or not cell_draw(i, j, x, doc.y, wd, h):
                doc.text(x + pad, doc.y + pad, wd - 2 * pad, h, _s(v), pt, align=align)
            x += wd
        doc.y += h


def write_pdf(plan: PatrolPlan, path: str | Path, *, roads=None, lang: str | None = None,
              title: str | None = None) -> Path:
    """Write the overview and one route sheet per team as an A4 PDF (atomically); return the path.

    ``roads`` (the roads layer, optional) is drawn in grey under the routes of the sketch maps.
    """
    from PyQt6.QtCore import QMarginsF, QRectF, Qt
    from PyQt6.QtGui import QColor, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

    from fireriskmap.fonts import register_fonts
    from fireriskmap.render import ensure_gui_application

    ensure_gui_application()
    family = register_fonts()
    path = Path(path)
    T = lambda key, **kw: tr(f"patrol.sheet.{key}", lang=lang, **kw)  # noqa: E731
    doc = _Pdf(family)
    s = plan.summary
    width = doc.width
    colours = {t.name: TEAM_COLOURS[k % len(TEAM_COLOURS)] for k, t in enumerate(plan.teams)}
    sep = " · "

    # -- overview page -------------------------------------------------------------------------
    doc.text(_MARGIN, doc.y, width, 10, title or T("plan_title"), 17, bold=True)
    doc.y += 9.5
    shifts = sorted({e.get("shift", "") for e in s.get("teams", [])})
    sub = f"{T('night')} {s.get('night', '')}{sep}{T('shift')} {'、'.join(shifts)}{sep}{len(plan.teams)} {T('team')}"
    doc.text(_MARGIN, doc.y, width, 6, sub, 9.5, colour="#455a64")
    doc.y += 7
    levels = s.get("by_level", {})
    cards = [(T("targets"), str(s.get("targets", 0))), (T("visits_wanted"), str(s.get("visits_wanted", 0))),
             (T("visits_made"), str(s.get("visits_made", 0))), (T("km"), f"{s.get('km', 0):.1f}"),
             (T("hours"), f"{s.get('hours', 0):.1f}")]
    cw = (width - 4 * 3.0) / 5
    for k, (label, value) in enumerate(cards):
        cx = _MARGIN + k * (cw + 3.0)
        doc.rect(cx, doc.y, cw, 16, fill="#eceff1")
        doc.text(cx + 2, doc.y + 1.5, cw - 4, 8, value, 15, bold=True, colour="#263238")
        doc.text(cx + 2, doc.y + 10, cw - 4, 5, label, 7.5, colour="#546e7a")
    doc.y += 19
    counts = {lv: levels.get(lv, {}).get("targets", 0) for lv in ("red", "orange", "yellow", "blue")}
    doc.text(_MARGIN, doc.y, width, 5, T("level_counts", **counts), 8.5, colour="#455a64")
    doc.y += 6
    cols = [(T("team"), 16, "left"), (T("base"), 46, "left"), (T("mode"), 24, "left"), (T("depart"), 16, "centre"),
            (T("back"), 16, "centre"), (T("stops"), 18, "centre"), (T("km"), 25, "right"), (T("hours"), 25, "right")]
    rows = [[e["team"], e.get("base", ""), tr(f"patrol.mode.{e.get('mode', 'car')}", lang=lang), e.get("depart") or "",
             e.get("return") or "", len(e.get("stops", [])), f"{e.get('km', 0):.1f}", f"{e.get('hours', 0):.1f}"]
            for e in s.get("teams", [])]

    def team_cell(i, j, x, y, w, h):
        if j != 0:
            return False
        name = rows[i][0]
        doc.rect(x + 1.0, y + 1.6, 2.2, h - 3.2, fill=colours.get(name, "#455a64"))
        doc.text(x + 4.0, y + 1.2, w - 4.5, h, name, 8.0)
        return True

    _table(doc, cols, rows, cell_draw=team_cell)
    doc.y += 3
    map_h = min(105.0, doc.bottom - doc.y - 20)
    if map_h > 50:
        lines = [(_route_coords(plan, t.name), colours[t.name]) for t in plan.teams]
        stops = []
        for t in plan.teams:
            stops += _stop_points(plan, t.name)
        bases = [(t.start[0], t.start[1], str(k + 1)) for k, t in enumerate(plan.teams)]
        _sketch(doc, _MARGIN, doc.y, width, map_h, lines, stops, bases, roads, lang=lang)
        doc.y += map_h + 1
        doc.text(_MARGIN, doc.y, width, 5, T("map_note"), 7, colour="#78909c")
        doc.y += 5
    doc.need(14)
    doc.text(_MARGIN, doc.y, width, 7, f"{T('unvisited')}（{len(plan.unvisited)}）" if not _is_en(lang)
             else f"{T('unvisited')} ({len(plan.unvisited)})", 11, bold=True)
    doc.y += 7
    if len(plan.unvisited):
        ucols = [(T("place"), 62, "left"), (T("level"), 12, "centre"), (T("visit"), 14, "centre"),
                 (T("reason"), width - 88, "left")]
        urows = [[u["name"], tr(f"patrol.level.{u['level']}", lang=lang) if isinstance(u["level"], str) else "",
                  int(u["visit"]), u["reason"]] for _, u in plan.unvisited.iterrows()]
        _table(doc, ucols, urows, pt=7.5, min_h=5.0)
    else:
        doc.text(_MARGIN, doc.y, width, 6, T("unvisited_none"), 9, colour="#2e7d32")
        doc.y += 6
    if plan.issues:
        doc.y += 2
        for msg in plan.issues:
            text = "• " + msg.render(lang)
            h = doc.text_height(text, width, 7.5) + 1
            doc.need(h)
            doc.text(_MARGIN, doc.y, width, h, text, 7.5, colour="#6d4c41")
            doc.y += h

    # -- one route sheet per team ---------------------------------------------------------------
    for k, team in enumerate(plan.teams):
        doc.new_page()
        route = _team_route(plan, team.name)
        doc.rect(_MARGIN, doc.y, 3.0, 11, fill=colours[team.name])
        doc.text(_MARGIN + 5, doc.y, width - 5, 10, f"{team.name} {T('title')}", 16, bold=True)
        doc.y += 10
        info = [f"{T('night')} {plan.night.isoformat()}", f"{T('base')} {team.base}",
                f"{T('mode')} {tr(f'patrol.mode.{team.mode}', lang=lang)}"]
        if route is not None:
            info += [f"{T('shift')} {route['shift']}", f"{T('depart')} {route['depart']}",
                     f"{T('back')} {route['return_time']}", f"{T('stops')} {route['stops']}",
                     f"{T('km')} {route['length_km']:.1f}", f"{T('hours')} {route['duration_h']:.1f}"]
        text = sep.join(info)
        h = doc.text_height(text, width - 5, 9)
        doc.text(_MARGIN + 5, doc.y, width - 5, h + 1, text, 9, colour="#455a64")
        doc.y += h + 2.5
        rows_data = sheet_rows(plan, team.name, lang=lang)
        if route is None or len(rows_data) <= 2:
            doc.text(_MARGIN, doc.y, width, 8, T("no_stops"), 11, colour="#6d4c41")
            continue
        map_h = 82.0
        _sketch(doc, _MARGIN, doc.y, width, map_h, [(_route_coords(plan, team.name), colours[team.name])],
                _stop_points(plan, team.name), [(team.start[0], team.start[1], "起" if not _is_en(lang) else "S")],
                roads, lang=lang)
        doc.y += map_h + 3
        cols = [(T("seq"), 10, "centre"), (T("arrival"), 13, "centre"), (T("departure"), 13, "centre"),
                (T("place"), 60, "left"), (T("checks"), 58, "left"), (T("record"), width - 154, "left")]
        rows = []
        for r in rows_data:
            place = r["place"]
            detail = sep.join(v for v in (r.get("kind"), r.get("level_text"), r["visit"] and T("visit_of", visit=r["visit"]),
                                          r.get("village")) if v)
            if r.get("wait", 0) >= 1:
                detail = (detail + sep if detail else "") + T("wait", minutes=int(round(r["wait"])))
            note = r.get("note", "")
            if len(note) > 90:
                note = note[:88] + "…"
            rows.append([r["seq"], r["arrival"], r["departure"],
                         place + ("\n" + detail if detail else "") + ("\n" + note if note else ""), r["checks"], ""])

        def seq_cell(i, j, x, y, w, h, rows_data=rows_data):
            r = rows_data[i]
            if j != 0:
                return False
            if r["marker"] in ("start", "end"):
                doc.text(x, y + 1.5, w, h, "起" if r["marker"] == "start" and not _is_en(lang) else
                         "终" if not _is_en(lang) else ("S" if r["marker"] == "start" else "E"), 8, bold=True,
                         colour="#263238", align="centre")
                return True
            colour = "#455a64" if r["marker"] == "break" else _level_colour(r.get("level"))
            doc.marker(x + w / 2, y + 3.3, 4.6, str(r["seq"]), colour, pt=7.0)
            return True

        _table(doc, cols, rows, pt=8.0, min_h=9.0,
               row_fill=lambda i, rows_data=rows_data: "#eceff1" if rows_data[i]["marker"] in ("start", "end") else None,
               cell_draw=seq_cell)
        doc.need(12)
        doc.y += 4
        doc.text(_MARGIN, doc.y, width, 6, T("signature"), 9)
        doc.y += 8

    # -- draw ------------------------------------------------------------------------------------
    tmp = _atomic_target(path)
    try:
        writer = QPdfWriter(str(tmp))
        writer.setResolution(int(_DPI))
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                         QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
        writer.setTitle(title or T("plan_title"))
        writer.setCreator("fireriskmap")
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"cannot write {path}")
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            total = len(doc.pages)
            for n, ops in enumerate(doc.pages, start=1):
                if n > 1:
                    writer.newPage()
                for op in ops:
                    op(painter)
                footer = T("footer", night=plan.night.isoformat(), page=n, pages=total)
                painter.setFont(doc.font(7))
                painter.setPen(QPen(QColor("#78909c")))
                painter.drawText(QRectF(doc.px(_MARGIN), doc.px(_A4[1] - _MARGIN - 5), doc.px(doc.width), doc.px(5)),
                                 int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter), footer)
        finally:
            painter.end()
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


# -- all at once ---------------------------------------------------------------------------------

def write_sheets(plan: PatrolPlan, folder: str | Path, *, roads=None, lang: str | None = None,
                 title: str | None = None, formats: Iterable[str] = ("pdf", "xlsx", "gpx")) -> dict[str, list[Path]]:
    """Write the chosen formats (``pdf``, ``xlsx``, ``gpx``) into ``folder``; paths by format."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"patrol_{plan.night.isoformat()}"
    out: dict[str, list[Path]] = {}
    formats = list(formats)
    if "xlsx" in formats:
        out["xlsx"] = [write_excel(plan, folder / f"{stem}.xlsx", lang=lang, title=title)]
    if "pdf" in formats:
        out["pdf"] = [write_pdf(plan, folder / f"{stem}.pdf", roads=roads, lang=lang, title=title)]
    if "gpx" in formats:
        out["gpx"] = write_gpx(plan, folder, lang=lang)
    return out
