"""The hazard ledger (隐患台账): the campaign's closed loop — found, fixed by a deadline, closed.

The ledger's items are the rows of the project's ``hazards`` layer (so every GIS shows them on a
map); each has a permanent ``hazard_id``. Every change goes through :class:`Ledger` and is written
to the append-only audit trail (project table ``hazard_audit``: who, when, field, old → new).
Nothing is ever deleted: an item is closed (销号, with evidence) or voided with a reason;
:meth:`fireriskmap.core.project.Project.set_layer` refuses a replacement that drops a row.

Status workflow (``STATUS_MOVES``)::

    open ──► rectifying ──► closed ──(reopen, reason)──► open
      │           │
      └───────────┴──► void (reason; final)

``overdue`` is computed, not stored: an active item (open, rectifying, or imported as 逾期) whose
deadline has passed on the ledger's date (:func:`ledger_today`).
"""

from __future__ import annotations

import datetime as _dt
import getpass
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from fireriskmap.core.spec import get_spec, parse_date
from fireriskmap.core.tables import empty_table
from fireriskmap.errors import LedgerError

__all__ = [
    "KIND", "ID_FIELD", "ACTIVE", "STATUS_MOVES", "Ledger", "ledger_today", "as_date", "overdue_mask",
    "display_status", "attachments_dir", "evidence_paths", "ledger_user",
]

KIND = "hazards"
ID_FIELD = "hazard_id"
ID_PREFIX = "YH"
ACTIVE = ("open", "rectifying", "overdue")  # stored statuses of an item not yet closed or voided
STATUS_MOVES: dict[str, tuple[str, ...]] = {
    "open": ("rectifying", "closed", "void"),
    "rectifying": ("open", "closed", "void"),
    "overdue": ("rectifying", "closed", "void"),
    "closed": ("open",),  # reopen, with a reason
    "void": (),
}
# fields only the workflow sets (edit() refuses them)
WORKFLOW_FIELDS = ("hazard_id", "status", "closed_date", "evidence", "close_note", "void_reason", "placed")


def as_date(value: Any) -> _dt.date | None:
    """A date from ISO text, a date/datetime, a Timestamp or Chinese formats; None when empty."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    try:
        return parse_date(value)
    except ValueError:
        return None


def ledger_today(project) -> _dt.date:
    """The ledger's date: setting ``ledger.today``, metadata ``as_of`` / ``demo_as_of``, else today."""
    settings = getattr(project, "settings", {}) or {}
    meta = getattr(project, "metadata", {}) or {}
    for value in (settings.get("ledger.today"), meta.get("as_of"), meta.get("demo_as_of")):
        day = as_date(value)
        if day is not None:
            return day
    return _dt.date.today()


def ledger_user(project=None) -> str:
    """Who is making changes: setting ``ledger.user``, else the computer's login name."""
    settings = getattr(project, "settings", {}) or {}
    if settings.get("ledger.user"):
        return str(settings["ledger.user"])
    try:
        return getpass.getuser()
    except Exception:  # no login name (some services)
        return os.environ.get("USERNAME") or os.environ.get("USER") or "?"


def _iso(value: Any) -> str | None:
    day = as_date(value)
    return day.isoformat() if day else None


def _deadlines(items: pd.DataFrame) -> pd.Series:
    if "deadline" not in items:
        return pd.Series([None] * len(items), index=items.index, dtype=object)
    return items["deadline"].map(as_date)


def overdue_mask(items: pd.DataFrame, today: _dt.date, *, deadlines: pd.Series | None = None) -> pd.Series:
    """True for active items past their deadline (or imported as 逾期 with no deadline).

    ``deadlines``: the items' deadlines already parsed (as dates), to avoid parsing them twice.
    """
    if items is None or not len(items):
        return pd.Series([], dtype=bool)
    status = items["status"].astype(object) if "status" in items else pd.Series(["open"] * len(items), index=items.index)
    active = status.isin(ACTIVE) | status.isna()
    deadlines = _deadlines(items) if deadlines is None else deadlines
    past = deadlines.map(lambda d: d is not None and d < today).astype(bool)
    flagged = (status == "overdue") & deadlines.isna()
    return (active & (past | flagged)).astype(bool)


def display_status(items: pd.DataFrame, today: _dt.date, *, overdue: pd.Series | None = None) -> pd.Series:
    """The status a planner sees: the stored one, or ``overdue`` for an active item past its deadline
    (``overdue``: the :func:`overdue_mask` when already computed)."""
    if not len(items):
        return pd.Series([], dtype=object)
    status = items["status"].astype(object).where(items["status"].notna(), "open")
    mask = overdue_mask(items, today) if overdue is None else overdue
    out = status.copy()
    out[mask] = "overdue"
    out[(status == "overdue") & ~mask] = "rectifying"  # deadline extended
    return out


def attachments_dir(project) -> Path | None:
    """The folder beside the project file that keeps its photos and evidence (``NAME.files``)."""
    path = getattr(project, "path", None)
    if not path:
        return None
    path = Path(path)
    return path.with_name(path.stem + ".files")


def evidence_paths(project, value: Any) -> list[Path]:
    """The evidence files of an item as absolute paths (relative ones are under the attachments folder)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    base = attachments_dir(project)
    out = []
    for part in str(value).split(";"):
        part = part.strip()
        if not part:
            continue
        p = Path(part)
        out.append(p if p.is_absolute() or base is None else base / p)
    return out


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, np.generic):
        value = value.item()
    return str(value)


def _same(a: Any, b: Any) -> bool:
    return _text(a) == _text(b)


@dataclass
class Change:
    hazard_id: str
    action: str
    field: str | None = None
    old: Any = None
    new: Any = None
    note: str | None = None


class Ledger:
    """Change the hazard ledger of ``project`` (its ``hazards`` layer) with an audit trail.

    Parameters
    ----------
    project
        The :class:`~fireriskmap.core.project.Project`. Its ``hazards`` layer and ``hazard_audit``
        table are replaced (never mutated in place) after each change, so views listening to
        ``layer_changed`` / ``table_changed`` refresh.
    user
        Recorded as who made each change (default :func:`ledger_user`).
    today
        The date for overdue and default closing dates (default :func:`ledger_today`).
    """

    def __init__(self, project, *, user: str | None = None, today: _dt.date | None = None,
                 clock=None) -> None:
        self.project = project
        self.spec = get_spec(KIND)
        self.user = user or ledger_user(project)
        self._today = today
        # audit times are on the ledger's date (the real date, unless the project is "as of" another
        # day, like the demo) so the weekly figures of past weeks place every change in its week
        self._clock = clock or (lambda: f"{self.today.isoformat()}T{_dt.datetime.now().time().isoformat(timespec='seconds')}")

    # -- reading -------------------------------------------------------------------------------
    @property
    def today(self) -> _dt.date:
        return self._today or ledger_today(self.project)

    @property
    def items(self) -> gpd.GeoDataFrame:
        return self.project.layer(KIND)

    def ids(self) -> list[str]:
        return [i for i in self.items[ID_FIELD].tolist() if i]

    def _position(self, hazard_id: Any) -> int:
        key = self.normalise_id(hazard_id)
        matches = np.flatnonzero(self.items[ID_FIELD].astype(object).to_numpy() == key)
        if not len(matches):
            raise LedgerError("ledger.unknown_id", id=str(hazard_id))
        return int(matches[0])

    def normalise_id(self, hazard_id: Any) -> str:
        """``12``, ``"12"``, ``"yh12"`` and ``"YH00012"`` all name item YH00012."""
        text = str(hazard_id).strip().upper()
        m = re.fullmatch(rf"(?:{ID_PREFIX})?0*(\d+)", text)
        if m:
            return f"{ID_PREFIX}{int(m.group(1)):05d}"
        return text

    def get(self, hazard_id: Any) -> pd.Series:
        return self.items.iloc[self._position(hazard_id)]

    def overdue(self) -> pd.Series:
        return overdue_mask(self.items, self.today)

    def view(self) -> gpd.GeoDataFrame:
        """The items with computed ``overdue`` (bool), ``shown_status`` and ``days_overdue``."""
        items = self.items.copy()
        if not len(items):
            for col in ("overdue", "shown_status", "days_overdue"):
                items[col] = []
            return items
        today = self.today
        deadlines = _deadlines(items)
        mask = overdue_mask(items, today, deadlines=deadlines)
        items["overdue"] = mask.to_numpy()
        items["shown_status"] = display_status(items, today, overdue=mask).to_numpy()
        items["days_overdue"] = [(today - d).days if (o and d is not None) else 0 for o, d in zip(mask, deadlines)]
        return items

    def history(self, hazard_id: Any = None) -> pd.DataFrame:
        audit = self.project.table("hazard_audit")
        if hazard_id is None:
            return audit
        return audit[audit["hazard_id"] == self.normalise_id(hazard_id)].reset_index(drop=True)

    def records(self, *, overdue_only: bool = False, status: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Items as JSON-ready dicts (``id``, ``status``, ``severity``, ``deadline``, ``overdue`` ...)."""
        v = self.view()
        if overdue_only:
            v = v[v["overdue"]]
        if status is not None:
            v = v[v["shown_status"].isin(list(status))]
        out = []
        for _, row in v.iterrows():
            geom = row.geometry
            placed = geom is not None and not geom.is_empty
            out.append({
                "id": row[ID_FIELD], "status": row["shown_status"], "stored_status": _text(row["status"]),
                "severity": _text(row["severity"]), "type": _text(row["hazard_type"]),
                "found_date": _iso(row["found_date"]), "deadline": _iso(row["deadline"]),
                "overdue": bool(row["overdue"]), "days_overdue": int(row["days_overdue"]),
                "village": _text(row["village"]), "address": _text(row["address"]),
                "description": _text(row["description"]), "measure": _text(row["measure"]),
                "responsible_unit": _text(row["responsible_unit"]),
                "closed_date": _iso(row["closed_date"]), "evidence": _text(row["evidence"]),
                "placed": placed, "x": float(geom.x) if placed else None, "y": float(geom.y) if placed else None,
            })
        return out

    # -- writing -------------------------------------------------------------------------------
    def _next_numbers(self, n: int) -> list[str]:
        used = [int(m.group(1)) for i in self.items[ID_FIELD].dropna()
                if (m := re.fullmatch(rf"{ID_PREFIX}(\d+)", str(i)))]
        audit = self.project.table("hazard_audit")
        used += [int(m.group(1)) for i in audit["hazard_id"].dropna()
                 if (m := re.fullmatch(rf"{ID_PREFIX}(\d+)", str(i)))]
        start = max(used, default=0) + 1
        return [f"{ID_PREFIX}{k:05d}" for k in range(start, start + n)]

    def _log(self, changes: list[Change]) -> None:
        if not changes:
            return
        audit = self.project.table("hazard_audit")
        seq0 = int(audit["seq"].max()) if len(audit) and audit["seq"].notna().any() else 0
        at = self._clock()
        rows = [{"seq": seq0 + k + 1, "hazard_id": c.hazard_id, "at": at, "user": self.user, "action": c.action,
                 "field": c.field, "old": _text(c.old), "new": _text(c.new), "note": c.note}
                for k, c in enumerate(changes)]
        frame = pd.DataFrame(rows)
        combined = frame if not len(audit) else pd.concat([audit, frame], ignore_index=True)
        self.project.set_table("hazard_audit", combined)

    def _store(self, items: gpd.GeoDataFrame) -> None:
        items = items.copy()
        items["overdue"] = overdue_mask(items, self.today).to_numpy(dtype=bool) if len(items) else []
        self.project.set_layer(KIND, items, mode="replace")

    def refresh(self) -> int:
        """Recompute the items' display column ``overdue`` for today's date (not a ledger change:
        no audit entry); the map styles open hazards by severity and this flag. Returns the number overdue."""
        items = self.items
        if not len(items):
            return 0
        flags = overdue_mask(items, self.today).to_numpy(dtype=bool)
        if "overdue" in items and np.array_equal(items["overdue"].fillna(False).to_numpy(dtype=bool), flags):
            return int(flags.sum())
        items = items.copy()
        items["overdue"] = flags
        dirty = self.project.dirty
        self.project.set_layer(KIND, items, mode="replace")
        self.project.dirty = dirty
        return int(flags.sum())

    def _parse(self, field: str, value: Any) -> Any:
        if field not in self.spec.field_names:
            raise LedgerError("ledger.unknown_field", field=field)
        spec = self.spec.field(field)
        try:
            parsed = spec.parse(value)
        except ValueError:
            raise LedgerError("ledger.bad_value", field=spec.label(), value=str(value)) from None
        if spec.type == "date" and parsed is not None:
            parsed = _iso(parsed)
        return parsed

    def ensure_ids(self, *, note: str | None = None) -> int:
        """Give a ledger id to every item without one (e.g. data imported as a plain layer)."""
        items = self.items
        if not len(items):
            return 0
        missing = items[ID_FIELD].isna() if ID_FIELD in items else pd.Series(True, index=items.index)
        n = int(missing.sum())
        if not n:
            return 0
        items = items.copy()
        new_ids = self._next_numbers(n)
        items.loc[missing, ID_FIELD] = new_ids
        if "placed" in items:
            geoms = items.geometry
            items["placed"] = (~(geoms.isna() | geoms.is_empty)).astype("boolean")
        self._store(items)
        self._log([Change(i, "register", note=note) for i in new_ids])
        return n

    def add_many(self, rows: pd.DataFrame | gpd.GeoDataFrame, *, action: str = "create",
                 note: str | None = None) -> list[str]:
        """Add items (columns named by field; geometry optional: rows without one await placing).

        Values are parsed by the layer spec; ``status`` defaults to ``open``. Returns the new ids.
        """
        if not len(rows):
            return []
        self.ensure_ids()
        n = len(rows)
        if isinstance(rows, gpd.GeoDataFrame):
            geoms = rows.geometry.to_crs(self.project.crs) if (rows.crs is not None and self.project.crs is not None) else rows.geometry
            geoms = list(geoms.values)
            crs = self.project.crs or rows.crs
        else:
            geoms = [None] * n
            crs = self.project.crs
        data: dict[str, list] = {}
        for name in self.spec.field_names:
            if name in rows.columns and name not in ("hazard_id", "placed"):
                data[name] = [self._parse(name, v) for v in rows[name].tolist()]
        for name, default in (("status", "open"), ("severity", "general"), ("hazard_type", "other")):
            values = data.get(name, [None] * n)
            data[name] = [v if v is not None else default for v in values]
        if "found_date" not in data or any(v is None for v in data["found_date"]):
            values = data.get("found_date", [None] * n)
            data["found_date"] = [v or self.today.isoformat() for v in values]
        ids = self._next_numbers(n)
        data[ID_FIELD] = ids
        data["placed"] = [g is not None and not g.is_empty for g in geoms]
        new = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
        current = self.items
        combined = new if not len(current) else pd.concat([current, new.reindex(columns=current.columns)],
                                                          ignore_index=True)
        self._store(gpd.GeoDataFrame(combined, geometry="geometry", crs=crs))
        self._log([Change(i, action, note=note) for i in ids])
        return ids

    def add(self, values: Mapping[str, Any], *, x: float | None = None, y: float | None = None,
            geometry=None, note: str | None = None) -> str:
        """Add one item; ``x, y`` (project CRS) or ``geometry``; neither = an address to place later."""
        if geometry is None and x is not None and y is not None:
            geometry = shapely.Point(float(x), float(y))
        frame = gpd.GeoDataFrame([dict(values)], geometry=[geometry], crs=self.project.crs)
        return self.add_many(frame, note=note)[0]

    def edit(self, hazard_id: Any, changes: Mapping[str, Any], *, note: str | None = None) -> list[str]:
        """Change ordinary fields (type, severity, deadline, measure, unit ...); returns the fields changed.

        Status, closing and ids have their own methods (:meth:`set_status`, :meth:`close` ...).
        """
        pos = self._position(hazard_id)
        key = self.normalise_id(hazard_id)
        status = self.items.iloc[pos]["status"]
        if status == "void":
            raise LedgerError("ledger.is_void", id=key)
        for field in changes:
            if field in WORKFLOW_FIELDS:
                raise LedgerError("ledger.workflow_field", field=self.spec.field(field).label())
        parsed = {f: self._parse(f, v) for f, v in changes.items()}
        for f, v in parsed.items():
            if v is None and self.spec.field(f).required:
                raise LedgerError("ledger.required", field=self.spec.field(f).label())
        items = self.items.copy()
        log = []
        for f, v in parsed.items():
            old = items.iloc[pos][f]
            if _same(old, v):
                continue
            items.iat[pos, items.columns.get_loc(f)] = v
            log.append(Change(key, "edit", f, old, v, note))
        if log:
            self._store(items)
            self._log(log)
        return [c.field for c in log]

    def set_status(self, hazard_id: Any, status: str, *, note: str | None = None) -> None:
        """Move an item to ``open`` or ``rectifying`` (closing and voiding have their own methods)."""
        if status == "closed":
            raise LedgerError("ledger.use_close")
        if status == "void":
            raise LedgerError("ledger.use_void")
        self._move(hazard_id, status, note=note)

    def _move(self, hazard_id: Any, status: str, *, note: str | None, extra: Mapping[str, Any] | None = None,
              action: str = "status") -> None:
        pos = self._position(hazard_id)
        key = self.normalise_id(hazard_id)
        items = self.items.copy()
        old = items.iloc[pos]["status"] or "open"
        if status not in STATUS_MOVES:
            raise LedgerError("ledger.bad_status", status=str(status))
        if status not in STATUS_MOVES.get(old, ()):
            raise LedgerError("ledger.bad_move", id=key, old=_status_label(old), new=_status_label(status))
        log = [Change(key, action, "status", old, status, note)]
        items.iat[pos, items.columns.get_loc("status")] = status
        for f, v in (extra or {}).items():
            prev = items.iloc[pos][f]
            if not _same(prev, v):
                items.iat[pos, items.columns.get_loc(f)] = v
                log.append(Change(key, action, f, prev, v, note))
        self._store(items)
        self._log(log)

    def close(self, hazard_id: Any, *, evidence: Iterable[str | Path] = (), note: str | None = None,
              closed_date: Any = None, require_evidence: bool | None = None, copy: bool = True) -> list[str]:
        """Close (销号) an item with evidence files; returns the stored evidence paths.

        Evidence files are copied into ``NAME.files/evidence/<id>/`` beside the project (when it
        has a path) and stored relative to that folder. Without evidence the ledger refuses, unless
        the setting ``ledger.close_requires_evidence`` is false and a note says how it was checked.
        """
        key = self.normalise_id(hazard_id)
        row = self.get(key)
        files = [Path(e) for e in evidence]
        for f in files:
            if not f.is_file():
                raise LedgerError("ledger.evidence_missing", file=str(f))
        if require_evidence is None:
            require_evidence = bool((self.project.settings or {}).get("ledger.close_requires_evidence", True))
        if not files and (require_evidence or not (note or "").strip()):
            raise LedgerError("ledger.need_evidence", id=key)
        day = as_date(closed_date) if closed_date is not None else self.today
        if closed_date is not None and day is None:
            raise LedgerError("ledger.bad_value", field=self.spec.field("closed_date").label(), value=str(closed_date))
        old_status = row["status"] or "open"
        if "closed" not in STATUS_MOVES.get(old_status, ()):  # refuse before copying any file
            raise LedgerError("ledger.bad_move", id=key, old=_status_label(old_status), new=_status_label("closed"))
        found = as_date(row["found_date"])
        if found is not None and day < found:
            raise LedgerError("ledger.closed_before_found", id=key, closed=day.isoformat(), found=found.isoformat())
        stored = self._keep_evidence(key, files, copy=copy)
        previous = [str(p) for p in str(row["evidence"] or "").split(";") if p.strip()] if _text(row["evidence"]) else []
        self._move(key, "closed", note=note, action="close", extra={
            "closed_date": day.isoformat(), "evidence": ";".join(previous + stored) or None,
            "close_note": note if note else row["close_note"],
        })
        return stored

    def _keep_evidence(self, key: str, files: list[Path], *, copy: bool) -> list[str]:
        base = attachments_dir(self.project)
        if base is None or not copy:
            return [str(f.resolve()) for f in files]
        folder = base / "evidence" / key
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for f in files:
            target = folder / f.name
            stem, suffix, k = f.stem, f.suffix, 1
            while target.exists() and not _same_file(target, f):
                k += 1
                target = folder / f"{stem}_{k}{suffix}"
            if not target.exists():
                shutil.copy2(f, target)
            out.append(target.relative_to(base).as_posix())
        return out

    def void(self, hazard_id: Any, reason: str) -> None:
        """Void an item entered by mistake or a duplicate; the reason is required and kept."""
        if not (reason or "").strip():
            raise LedgerError("ledger.need_reason")
        self._move(hazard_id, "void", note=reason, action="void", extra={"void_reason": reason.strip()})

    def reopen(self, hazard_id: Any, reason: str) -> None:
        """Reopen a closed item (the fix did not hold); the reason is required."""
        if not (reason or "").strip():
            raise LedgerError("ledger.need_reason")
        self._move(hazard_id, "open", note=reason, action="reopen", extra={"closed_date": None})

    def place(self, hazard_id: Any, x: float, y: float, *, note: str | None = None) -> None:
        """Put an item on the map (or move it): ``x, y`` in the project CRS."""
        pos = self._position(hazard_id)
        key = self.normalise_id(hazard_id)
        items = self.items.copy()
        old = items.geometry.iloc[pos]
        new = shapely.Point(float(x), float(y))
        geom_col = items.columns.get_loc(items.geometry.name)
        items.iat[pos, geom_col] = new
        items.iat[pos, items.columns.get_loc("placed")] = True
        self._store(items)
        old_text = None if old is None or old.is_empty else f"{old.x:.2f},{old.y:.2f}"
        self._log([Change(key, "place", "geometry", old_text, f"{new.x:.2f},{new.y:.2f}", note)])

    def delete(self, hazard_id: Any) -> None:  # pragma: no cover - the refusal is the feature
        """Always refused: the ledger keeps every item; close it or void it with a reason."""
        raise LedgerError("ledger.no_delete_item", id=self.normalise_id(hazard_id))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _status_label(code: str) -> str:
    spec = get_spec(KIND).field("status")
    value = spec.enum_value(code)
    from fireriskmap.i18n import current_language

    lang = "zh" if current_language().startswith("zh") else "en"
    return value.labels.get(lang, code) if value else str(code)


def audit_template() -> pd.DataFrame:
    return empty_table("hazard_audit")
