"""The offices' own Excel ledgers (隐患台账) into the hazard ledger (the export is
:mod:`fireriskmap.export.ledger_excel`).

Import (:func:`import_ledger`) reads an ``.xlsx`` (or ``.csv``) ledger as offices keep it:

- title rows above the header (``XX镇火灾隐患排查整改台账``), notes below the table;
- merged header cells, two-row headers (``整改情况`` over ``整改期限 | 责任人``);
- Chinese headers mapped onto the ``hazards`` spec by its labels and aliases (``layers/hazards.toml``);
- Chinese dates (``2023年12月7日``, ``2023.12.7``, Excel dates and serials), status words
  (已整改 / 未整改 / 整改中 / 逾期), severity (重大 / 一般);
- coordinates when present (经度/纬度, WGS84 by default; ``coords="gcj02"``/``"bd09"`` for phone apps;
  metres in the project CRS or ``src_crs``); rows with only an address are kept **unplaced**
  (``placed`` false) and counted as "to place on the map".

A row that cannot be used is rejected with its reason — in the summary and in
``FILE.rejected.csv`` — never dropped silently: no found date (the weekly figures count by it),
an unknown severity or status. An unknown hazard type is kept as 其他 with the original word put
into the description (a warning). Re-importing the same file adds nothing: a row whose office
number (``ref``) + found date + address (without a number: found date + address + description), or
whose ledger id + found date, is already in the ledger is reported as "already in the ledger".
Everything goes through :meth:`Ledger.add_many` (``action="import"``, note = file name), so the
audit trail records it.

No Qt here.
"""

from __future__ import annotations

import csv
import re
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from fireriskmap.core.spec import get_spec, normalise_name
from fireriskmap.errors import ImportFileError
from fireriskmap.i18n import tr
from fireriskmap.ledger.model import ID_FIELD, KIND, Ledger, as_date

__all__ = ["LedgerImportSummary", "import_ledger", "read_ledger_table"]

_FOOTER_RE = re.compile(r"^\s*(注|说明|备注|填表|制表|审核|审批|合计|总计|负责人|联系电话|单位负责人|统计)")
_STATUS_FIELDS = ("severity", "status")  # enum fields whose unknown value rejects the row
_DATE_WARN_FIELDS = ("deadline", "closed_date")


# -- reading ---------------------------------------------------------------------------------------

def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def read_ledger_table(path: str | Path, *, sheet: str | None = None, encoding: str | None = None
                      ) -> tuple[pd.DataFrame, str, list[str]]:
    """Read an office ledger's cells into a frame of raw columns.

    Returns ``(frame, sheet_name, notes)``; the frame's index is the row number as Excel shows it
    (1-based), its columns the flattened header names (two-row headers folded), values as read
    (text stripped, blanks as None). Title rows above the header and footer notes below the table
    (``注：``, ``填表人：`` ...) are left out (footers are listed in ``notes``).

    Raises
    ------
    ImportFileError
        Missing, empty or unreadable file, old ``.xls``, no header row.
    """
    from fireriskmap.io.base import detect_format
    from fireriskmap.io.tables import read_headed_cells

    path = Path(path).expanduser()
    if not path.exists():
        raise ImportFileError("io.error.not_found", file=str(path))
    if path.suffix.lower() in (".xls", ".et", ".wps"):
        raise ImportFileError("io.error.old_excel", file=path.name)
    fmt = detect_format(path)
    if fmt not in ("xlsx", "csv"):
        raise ImportFileError("ledger_io.error.format", file=path.name)
    if path.stat().st_size == 0:
        raise ImportFileError("io.error.empty", file=path.name)
    try:
        rows, _sheets, sheet_name, h, columns, _enc = read_headed_cells(path, fmt, sheet=sheet, encoding=encoding)
    except ImportFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken workbook is the file's problem
        raise ImportFileError("io.error.broken", file=path.name, detail=str(exc)[:300]) from None
    width = len(columns)
    notes: list[str] = []
    body, footers = [], []
    header_norm = [normalise_name(c) for c in columns]
    for i, r in enumerate(rows):
        if i <= h:
            continue
        r = (list(r) + [None] * width)[:width]
        filled = [v for v in r if not _blank(v)]
        if not filled:
            continue
        if len(set(map(str, filled))) == 1 and isinstance(filled[0], str) and (
                _FOOTER_RE.match(filled[0]) or len(filled) > 1):
            footers.append(i + 1)  # a note merged across the table, or "填表人：..."
            continue
        if len(filled) == 1 and isinstance(filled[0], str) and _FOOTER_RE.match(filled[0]):
            footers.append(i + 1)
            continue
        if sum(1 for v, n in zip(r, header_norm) if isinstance(v, str) and normalise_name(v) == n) >= max(2, len(filled) - 1):
            continue  # the header repeated (a printed ledger pasted page by page)
        body.append((i + 1, r))
    if footers:
        notes.append(tr("ledger_io.note.footer", rows=", ".join(map(str, footers))))
    frame = pd.DataFrame([r for _, r in body], columns=columns, index=[n for n, _ in body], dtype=object)
    frame = frame.map(lambda v: None if _blank(v) else (v.strip() if isinstance(v, str) else v))
    keep = [c for c in frame.columns if not (c.startswith("column_") and frame[c].isna().all())]
    frame = frame[keep]
    frame.index.name = "row"
    return frame, sheet_name, notes


# -- the summary -----------------------------------------------------------------------------------

@dataclass
class LedgerImportSummary:
    """What :func:`import_ledger` did.

    Attributes
    ----------
    path : Path
    sheet : str
    read : int
        Data rows read (below the header, without blank and footer rows).
    added : list of str
        Ledger ids of the items added.
    unplaced : list of str
        Ids of added items with an address only (to place on the map).
    duplicates : list of dict
        ``{"row", "id", "reason"}``: rows already in the ledger (or repeated in the file); not added.
    rejected : list of dict
        ``{"row", "column", "field", "value", "reason", "message"}``: rows not added.
    warnings : list of dict
        Same keys: values left empty or changed, the row added.
    mapping : dict
        ``{file column: field}``; ``unmapped`` the columns not used.
    report_path : Path or None
        ``FILE.rejected.csv`` listing rejected rows, warnings and duplicates.
    """

    path: Path
    sheet: str = ""
    read: int = 0
    added: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    coords: str | None = None
    notes: list[str] = field(default_factory=list)
    report_path: Path | None = None
    seconds: float = 0.0

    @property
    def rejected_rows(self) -> int:
        return len({r["row"] for r in self.rejected})

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (counts and the lists)."""
        return {
            "path": str(self.path), "sheet": self.sheet, "read": self.read,
            "added": len(self.added), "added_ids": list(self.added),
            "unplaced": len(self.unplaced), "unplaced_ids": list(self.unplaced),
            "duplicates": len(self.duplicates), "duplicate_rows": [dict(d) for d in self.duplicates],
            "rejected": self.rejected_rows, "rejected_rows": [dict(r) for r in self.rejected],
            "warnings": len(self.warnings), "warning_rows": [dict(w) for w in self.warnings],
            "mapping": dict(self.mapping), "unmapped": list(self.unmapped), "coords": self.coords,
            "notes": list(self.notes), "report_path": str(self.report_path) if self.report_path else None,
            "seconds": round(self.seconds, 3),
        }

    def describe(self, lang: str | None = None) -> str:
        """A short account in ``lang`` (default: current language), one fact per line."""
        lines = [tr("ledger_io.summary.head", lang=lang, file=self.path.name, sheet=self.sheet, read=self.read,
                    added=len(self.added), unplaced=len(self.unplaced), duplicates=len(self.duplicates),
                    rejected=self.rejected_rows, warnings=len(self.warnings))]
        for r in self.rejected[:20]:
            lines.append(tr("ledger_io.summary.rejected_line", lang=lang, row=r["row"], message=r["message"]))
        if len(self.rejected) > 20:
            lines.append(tr("ledger_io.summary.more", lang=lang, n=len(self.rejected) - 20))
        if self.unmapped:
            lines.append(tr("ledger_io.summary.unmapped", lang=lang, columns="、".join(self.unmapped)))
        lines.extend(self.notes)
        if self.report_path:
            lines.append(tr("ledger_io.summary.report", lang=lang, file=str(self.report_path)))
        return "\n".join(lines)


# -- import ----------------------------------------------------------------------------------------

def _norm_text(value: Any) -> str:
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return re.sub(r"\s+", "", text)


def _key(ref: Any, found: Any, address: Any, description: Any) -> tuple:
    day = as_date(found)
    found_text = day.isoformat() if day else ""
    ref_text = _norm_text(ref)
    if ref_text:
        return ("ref", ref_text, found_text, _norm_text(address))
    return ("noref", found_text, _norm_text(address), _norm_text(description))


def _mapping(spec, columns: list[str], explicit: Mapping[str, str | None] | None, file_name: str) -> dict[str, str]:
    from fireriskmap.io.importer import _build_mapping

    mapping = _build_mapping(spec, columns, explicit, pre_mapped=False, file_name=file_name)
    explicit_fields = set((explicit or {}).values())
    # 序号 is the row's running number (it changes when rows are sorted or inserted), not the
    # office's number for the hazard: it never becomes ``ref`` (which matches re-imported rows)
    # unless mapped by hand; the office's own number column (编号, 原编号 ...) does.
    if "ref" not in explicit_fields:
        for c, f in list(mapping.items()):
            if f == "ref" and normalise_name(c) == "序号":
                del mapping[c]
        if "ref" not in mapping.values():
            better = [c for c in columns if spec.match_column(c) == "ref" and normalise_name(c) != "序号"
                      and c not in mapping]
            if better:
                mapping[better[0]] = "ref"
    return mapping


def _issue(row, column, fieldname, value, reason, **params) -> dict[str, Any]:
    return {"row": int(row), "column": str(column or ""), "field": fieldname or "",
            "value": "" if _blank(value) else str(value), "reason": reason,
            "message": tr(f"ledger_io.reason.{reason}", value="" if _blank(value) else str(value), **params)}


def _coordinates(frame: pd.DataFrame, coord_cols, *, coords: str | None, src_crs, project,
                 warnings: list) -> tuple[list, Any]:
    """Point geometries (project CRS, or WGS84 when the project has none yet) per row; None = unplaced."""
    from pyproj import CRS

    from fireriskmap.core.crs import parse_crs
    from fireriskmap.io.crs import to_wgs84
    from fireriskmap.io.tables import _looks_like_degrees, _split_pairs, parse_coordinates

    n = len(frame)
    if not coord_cols:
        return [None] * n, None
    if len(coord_cols) == 2:
        xs_raw, ys_raw = frame[coord_cols[0]], frame[coord_cols[1]]
    else:
        xs_raw, ys_raw = _split_pairs(frame[coord_cols[0]], lat_first=normalise_name(coord_cols[0]) in
                                      {"latlng", "latlon", "纬经度"})
    x = parse_coordinates(xs_raw.astype(object))
    y = parse_coordinates(ys_raw.astype(object))
    given = ~(xs_raw.isna().to_numpy() & ys_raw.isna().to_numpy())
    good = given & np.isfinite(x) & np.isfinite(y) & ~((x == 0) & (y == 0))
    label = "/".join(coord_cols)
    for i in np.flatnonzero(given & ~good):
        warnings.append(_issue(frame.index[i], label, "", f"{_norm_text(xs_raw.iloc[i])}, {_norm_text(ys_raw.iloc[i])}",
                               "coords_bad"))
    if not good.any():
        return [None] * n, None
    if src_crs is not None:
        crs = parse_crs(src_crs)
    elif _looks_like_degrees(np.where(good, x, np.nan), np.where(good, y, np.nan)):
        crs = CRS.from_epsg(4326)
    elif project.crs is not None:
        crs = CRS.from_user_input(project.crs)
    else:
        raise ImportFileError("ledger_io.error.metres_without_crs", file="")
    if crs.is_geographic:
        xg, yg = x[good], y[good]
        if np.all((xg >= 3) & (xg <= 55)) and np.all((yg >= 72) & (yg <= 136)):
            x, y = y, x  # 纬度 and 经度 swapped
        out = good & ((np.abs(x) > 180) | (np.abs(y) > 90))
        for i in np.flatnonzero(out):
            warnings.append(_issue(frame.index[i], label, "", f"{x[i]}, {y[i]}", "coords_bad"))
        good &= ~out
        system = (coords or "wgs84").lower().replace("-", "").replace("_", "")
        if system in ("cgcs2000", "wgs", "gps"):
            system = "wgs84"
        if system != "wgs84" and good.any():
            lon, lat = to_wgs84(x[good], y[good], source=system)
            x, y = x.copy(), y.copy()
            x[good], y[good] = lon, lat
    points = gpd.GeoSeries(shapely.points(np.where(good, x, 0.0), np.where(good, y, 0.0)), crs=crs)
    if project.crs is None:
        project.choose_crs_from(gpd.GeoDataFrame(geometry=points[good], crs=crs))
    points = points.to_crs(project.crs)
    return [g if ok else None for g, ok in zip(points.values, good)], crs


def import_ledger(project, path: str | Path, *, sheet: str | None = None, coords: str | None = None,
                  src_crs: Any = None, mapping: Mapping[str, str | None] | None = None,
                  encoding: str | None = None, user: str | None = None, report_dir: str | Path | None = None,
                  ledger: Ledger | None = None) -> LedgerImportSummary:
    """Import an office's Excel/CSV hazard ledger into ``project``'s ledger.

    Parameters
    ----------
    project : Project
        Changed through :class:`~fireriskmap.ledger.model.Ledger` (not saved here).
    path : str or Path
        ``.xlsx`` or ``.csv``.
    sheet : str, optional
        Worksheet (default: the first with data).
    coords : {'wgs84', 'gcj02', 'bd09'}, optional
        The system of 经度/纬度 values (phone apps and web maps give GCJ-02; default WGS84/CGCS2000).
    src_crs : optional
        CRS of projected X/Y values (default the project's).
    mapping : dict, optional
        ``{file column: field}`` over the automatic mapping (``None`` leaves a column out).
    user : str, optional
        Recorded in the audit trail (default the ledger user).
    report_dir : optional
        Folder for ``FILE.rejected.csv`` (default beside the project, else beside the file).

    Returns
    -------
    LedgerImportSummary
    """
    from fireriskmap.io.base import display_name
    from fireriskmap.io.tables import find_coordinate_columns

    t0 = time.perf_counter()
    path = Path(path).expanduser()
    spec = get_spec(KIND)
    frame, sheet_name, notes = read_ledger_table(path, sheet=sheet, encoding=encoding)
    summary = LedgerImportSummary(path=path, sheet=sheet_name, read=len(frame), notes=notes, coords=coords)
    coord_cols = find_coordinate_columns(list(frame.columns))
    columns = [c for c in frame.columns if not coord_cols or c not in coord_cols]
    colmap = _mapping(spec, columns, mapping, path.name)
    summary.mapping = {str(c): f for c, f in colmap.items()}
    summary.unmapped = [str(c) for c in columns if c not in colmap and normalise_name(c) not in ("序号", "no")]
    if not any(f in colmap.values() for f in ("found_date", "description")):
        raise ImportFileError("ledger_io.error.no_ledger_columns", file=path.name,
                              columns="、".join(map(str, frame.columns)))
    reverse = {f: c for c, f in colmap.items()}
    ledger = ledger or Ledger(project, user=user)

    n = len(frame)
    rows = frame.index.to_list()
    values: dict[str, list] = {}
    rejected: list[dict] = []
    warnings: list[dict] = []
    bad = np.zeros(n, dtype=bool)
    for fname, col in reverse.items():
        if fname == "placed":
            continue
        fs = spec.field(fname)
        parsed = []
        raws = frame[col].tolist()
        for i, (raw, result) in enumerate(zip(raws, fs.parse_all(raws))):
            if isinstance(result, ValueError):
                if fname == "found_date":
                    rejected.append(_issue(rows[i], col, fname, raw, "found_date_bad"))
                    bad[i] = True
                elif fname in _STATUS_FIELDS:
                    rejected.append(_issue(rows[i], col, fname, raw, f"{fname}_bad"))
                    bad[i] = True
                elif fname == "hazard_type":
                    warnings.append(_issue(rows[i], col, fname, raw, "type_unknown"))
                    result = ("other", str(raw))
                else:
                    warnings.append(_issue(rows[i], col, fname, raw, "value_bad", field=fs.label()))
                    result = None
            parsed.append(result)
        values[fname] = parsed
    # an office's own 隐患编号 (not a ledger id like YH00012) is its number for the hazard: ``ref``
    if ID_FIELD in values and "ref" not in values and any(
            v and not re.fullmatch(r"YH\d{5}", str(v).strip(), flags=re.I) for v in values[ID_FIELD]):
        values["ref"] = values.pop(ID_FIELD)
        col = reverse.pop(ID_FIELD)
        reverse["ref"] = col
        summary.mapping[str(col)] = "ref"
    # unknown types: 其他, the office's word kept in the description
    if "hazard_type" in values:
        desc = values.setdefault("description", [None] * n)
        for i, v in enumerate(values["hazard_type"]):
            if isinstance(v, tuple):
                values["hazard_type"][i] = "other"
                word = tr("ledger_io.type_note", word=v[1])
                desc[i] = f"{word}{desc[i]}" if desc[i] else word
    found = values.get("found_date", [None] * n)
    description = values.get("description", [None] * n)
    for i in range(n):
        if bad[i] and found[i] is None and any(r["row"] == rows[i] and r["field"] == "found_date" for r in rejected):
            continue
        if found[i] is None:
            reason = "empty" if _blank(description[i]) else "found_date_missing"
            rejected.append(_issue(rows[i], reverse.get("found_date", ""), "found_date", None, reason))
            bad[i] = True

    geoms, _ = _coordinates(frame, coord_cols, coords=coords, src_crs=src_crs, project=project,
                            warnings=warnings)

    # duplicates: already in the ledger, or repeated in the file
    ledger.ensure_ids()
    items = ledger.items
    existing: dict[tuple, str] = {}
    ids_found: dict[str, str] = {}
    if len(items):
        col_or_none = lambda c: items[c].tolist() if c in items else [None] * len(items)  # noqa: E731
        for hid, ref, fd, addr, d in zip(col_or_none(ID_FIELD), col_or_none("ref"), col_or_none("found_date"),
                                         col_or_none("address"), col_or_none("description")):
            existing.setdefault(_key(ref, fd, addr, d), hid or "")
            if hid:
                ids_found[str(hid)] = (as_date(fd) or "").__str__()
    seen: dict[tuple, int] = {}
    refs = values.get("ref", [None] * n)
    addresses = values.get("address", [None] * n)
    file_ids = values.get(ID_FIELD, [None] * n)
    dup = np.zeros(n, dtype=bool)
    for i in range(n):
        if bad[i]:
            continue
        k = _key(refs[i], found[i], addresses[i], description[i])
        fid = _norm_text(file_ids[i]).upper() if file_ids[i] else ""
        if fid and fid in ids_found and ids_found[fid] == str(as_date(found[i]) or ""):
            summary.duplicates.append({"row": int(rows[i]), "id": fid, "reason": tr("ledger_io.reason.in_ledger", id=fid)})
            dup[i] = True
        elif k in existing:
            summary.duplicates.append({"row": int(rows[i]), "id": existing[k],
                                       "reason": tr("ledger_io.reason.in_ledger", id=existing[k])})
            dup[i] = True
        elif k in seen:
            summary.duplicates.append({"row": int(rows[i]), "id": "",
                                       "reason": tr("ledger_io.reason.repeated", first=seen[k])})
            dup[i] = True
        else:
            seen[k] = int(rows[i])

    keep = ~bad & ~dup
    if keep.any():
        data = {f: [v for v, k in zip(vals, keep) if k] for f, vals in values.items() if f != ID_FIELD}
        kept_geoms = [g for g, k in zip(geoms, keep) if k]
        new = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(kept_geoms, crs=project.crs), crs=project.crs)
        ids = ledger.add_many(new, action="import", note=path.name)
        summary.added = ids
        summary.unplaced = [i for i, g in zip(ids, kept_geoms) if g is None]
    # rows rejected for several reasons are listed once per reason; warnings only for rows kept
    summary.rejected = sorted(rejected, key=lambda r: r["row"])
    kept_rows = {rows[i] for i in np.flatnonzero(keep)}
    summary.warnings = [w for w in warnings if w["row"] in kept_rows]
    if summary.unplaced:
        summary.notes.append(tr("ledger_io.note.unplaced", n=len(summary.unplaced)))
    if summary.rejected or summary.warnings or summary.duplicates:
        summary.report_path = _write_report(summary, project, path, report_dir, display_name(path))
    summary.seconds = time.perf_counter() - t0
    return summary


def _write_report(summary: LedgerImportSummary, project, path: Path, report_dir, stem: str) -> Path | None:
    """``FILE.rejected.csv`` (UTF-8 with BOM so Excel shows the Chinese): every rejected row, warning
    and duplicate with its reason."""
    spec = get_spec(KIND)
    lines = []
    for status, group in (("rejected", summary.rejected), ("warning", summary.warnings)):
        for r in group:
            label = spec.field(r["field"]).label() if r["field"] and spec.has_field(r["field"]) else ""
            lines.append((r["row"], tr(f"ledger_io.status.{status}"), r["column"], label, r["value"], r["message"]))
    for d in summary.duplicates:
        lines.append((d["row"], tr("ledger_io.status.duplicate"), "", "", d["id"], d["reason"]))
    lines.sort(key=lambda t: t[0])
    folders = [Path(report_dir)] if report_dir else []
    if not report_dir:
        if getattr(project, "path", None):
            folders.append(Path(project.path).parent)
        folders += [path.parent, Path(tempfile.gettempdir())]
    for folder in folders:
        target = folder / f"{stem}.rejected.csv"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow([tr(f"ledger_io.report.{c}") for c in ("row", "status", "column", "field", "value",
                                                                         "reason")])
                writer.writerows(lines)
            tmp.replace(target)
            return target
        except OSError:
            if report_dir:
                raise ImportFileError("io.error.report_unwritable", file=str(target)) from None
    return None
