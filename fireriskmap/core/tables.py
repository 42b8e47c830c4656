"""The project's own non-spatial tables (stored as ``frm_<name>`` in the GeoPackage).

Each table is declared here once: its columns and their types (``int``, ``float``, ``str``). The
project keeps them in memory as pandas DataFrames (``Project.tables``); :mod:`fireriskmap.storage.gpkg`
writes and reads them through SQLAlchemy. Dates and timestamps are ISO-8601 text.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["TableSpec", "TABLES", "empty_table", "conform_table"]


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[tuple[str, str], ...]
    description: str

    @property
    def column_names(self) -> list[str]:
        return [c for c, _ in self.columns]


TABLES: dict[str, TableSpec] = {t.name: t for t in (
    TableSpec("hazard_audit", (
        ("seq", "int"),            # order of the change within the project (1, 2, ...)
        ("hazard_id", "str"),
        ("at", "str"),             # ISO timestamp of the change
        ("user", "str"),           # who made it
        ("action", "str"),         # create, edit, status, close, void, reopen, place, import, evidence
        ("field", "str"),          # the field changed (empty for a whole-row action)
        ("old", "str"),
        ("new", "str"),
        ("note", "str"),
    ), "fireriskmap hazard ledger audit trail (append-only)"),
    TableSpec("inspections", (
        ("inspection_id", "str"),
        ("date", "str"),
        ("village", "str"),
        ("target_type", "str"),    # household, building, key_place, cluster, village
        ("target_ref", "str"),     # address, building / place reference
        ("households", "int"),     # households covered by this visit
        ("result", "str"),         # ok, hazard_found, not_home, refused
        ("hazard_ids", "str"),     # ledger ids raised by the visit, ';'-separated
        ("inspector", "str"),
        ("note", "str"),
        ("x", "float"),
        ("y", "float"),
    ), "fireriskmap inspections (入户排查 records)"),
)}

_DTYPES = {"int": "Int64", "float": "float64", "str": "object"}


def empty_table(name: str) -> pd.DataFrame:
    spec = TABLES[name]
    return pd.DataFrame({c: pd.Series([], dtype=_DTYPES[t]) for c, t in spec.columns})


def conform_table(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Columns in the declared order and types (missing ones added empty, extra ones dropped)."""
    spec = TABLES[name]
    out = {}
    n = len(frame)
    for col, typ in spec.columns:
        if col in frame.columns:
            series = frame[col].reset_index(drop=True)
        else:
            series = pd.Series([None] * n)
        if typ == "str":
            series = series.astype(object).where(series.notna(), None)
            series = series.map(lambda v: v if v is None else str(v))
        elif typ == "int":
            series = pd.to_numeric(series, errors="coerce").astype("Int64")
        else:
            series = pd.to_numeric(series, errors="coerce").astype("float64")
        out[col] = series
    return pd.DataFrame(out)
