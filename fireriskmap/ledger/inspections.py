"""Inspections (入户排查) and their coverage per village against the campaign's target.

An inspection record covers a number of households of a village (a visit to one household, a
building, a key place, or a whole cluster swept in one day). Coverage per village is the households
inspected (each target counted once in the period) over the village's households. The target is
100 % for villages holding a flagged contiguous cluster (the seeds: "50户以上集中连片村寨100%入户排查",
setting ``ledger.inspection_target_flagged``) and ``ledger.inspection_target`` elsewhere (default
none: coverage is shown, no target).
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from fireriskmap.errors import LedgerError
from fireriskmap.ledger.model import as_date, ledger_user

__all__ = ["RESULTS", "TARGET_TYPES", "add_inspections", "inspection_coverage", "village_households",
           "flagged_villages"]

RESULTS = ("ok", "hazard_found", "not_home", "refused")
COUNTED = ("ok", "hazard_found")  # visits that count as inspected
TARGET_TYPES = ("household", "building", "key_place", "cluster", "village")
RESULT_WORDS = {"正常": "ok", "合格": "ok", "无隐患": "ok", "未发现隐患": "ok", "发现隐患": "hazard_found",
                "有隐患": "hazard_found", "不在家": "not_home", "无人": "not_home", "拒绝": "refused",
                "拒绝检查": "refused"}


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and np.isnan(value)


def add_inspections(project, records: Iterable[Mapping[str, Any]] | pd.DataFrame, *,
                    user: str | None = None) -> list[str]:
    """Append inspection records; returns their ids (``XC00001`` ...). Raises on a bad row, adding none."""
    frame = pd.DataFrame(list(records)) if not isinstance(records, pd.DataFrame) else records.copy()
    if not len(frame):
        return []
    table = project.table("inspections")
    used = [int(m.group(1)) for i in table["inspection_id"].dropna() if (m := re.fullmatch(r"XC(\d+)", str(i)))]
    start = max(used, default=0) + 1
    rows = []
    for k, rec in enumerate(frame.to_dict("records")):
        rec = {key: (None if _missing(v) else v) for key, v in rec.items()}
        day = as_date(rec.get("date"))
        if day is None:
            raise LedgerError("ledger.inspection_date", row=k + 1, value=str(rec.get("date")))
        result = RESULT_WORDS.get(str(rec.get("result") or "ok").strip(), str(rec.get("result") or "ok").strip())
        if result not in RESULTS:
            raise LedgerError("ledger.inspection_result", row=k + 1, value=str(result))
        target_type = rec.get("target_type") or "household"
        if target_type not in TARGET_TYPES:
            raise LedgerError("ledger.inspection_target", row=k + 1, value=str(target_type))
        households = rec.get("households")
        households = 1 if households is None else int(households)
        if households < 0:
            raise LedgerError("ledger.inspection_households", row=k + 1, value=str(households))
        if not rec.get("village"):
            raise LedgerError("ledger.inspection_village", row=k + 1)
        rows.append({
            "inspection_id": f"XC{start + k:05d}", "date": day.isoformat(), "village": str(rec["village"]),
            "target_type": target_type, "target_ref": rec.get("target_ref"), "households": households,
            "result": result, "hazard_ids": rec.get("hazard_ids"),
            "inspector": rec.get("inspector") or user or ledger_user(project), "note": rec.get("note"),
            "x": rec.get("x"), "y": rec.get("y"),
        })
    new = pd.DataFrame(rows)
    project.set_table("inspections", new if not len(table) else pd.concat([table, new], ignore_index=True))
    return [r["inspection_id"] for r in rows]


def village_households(project) -> pd.Series:
    """Households per village name: the villages layer's figure, else the sum over its buildings."""
    out: dict[str, float] = {}
    if project.has_layer("buildings"):
        b = project.layer("buildings")
        if "village" in b and "households" in b:
            sums = pd.to_numeric(b["households"], errors="coerce").fillna(0).groupby(b["village"]).sum()
            out.update({str(k): float(v) for k, v in sums.items() if k})
    if project.has_layer("villages"):
        v = project.layer("villages")
        for name, hh in zip(v["name"], pd.to_numeric(v["households"], errors="coerce")):
            if name and not pd.isna(hh):
                out[str(name)] = float(hh)
    return pd.Series(out, dtype=float)


def flagged_villages(project) -> set[str]:
    """Villages that hold a flagged contiguous cluster (集中连片: the 100 % inspection target)."""
    if not project.has_layer("clusters"):
        return set()
    c = project.layer("clusters")
    if "flagged" not in c or "village" not in c:
        return set()
    names = set()
    for flag, village in zip(c["flagged"], c["village"]):
        if flag is True or (not pd.isna(flag) and bool(flag)):
            for part in re.split(r"[、,，;；]", str(village or "")):
                if part.strip():
                    names.add(part.strip())
    return names


def inspection_coverage(project, *, start: Any = None, end: Any = None) -> pd.DataFrame:
    """Per village: households, inspected households, share, target, met, visits, hazards found.

    ``start``/``end`` (dates, inclusive) limit the period (default: every record). Each target
    (village + target type + reference) counts once; visits without a reference count each.
    """
    s, e = as_date(start), as_date(end)
    table = project.table("inspections")
    if len(table):
        days = table["date"].map(as_date)
        keep = days.map(lambda d: d is not None and (s is None or d >= s) and (e is None or d <= e)).astype(bool)
        table = table[keep]
    households = village_households(project)
    settings = project.settings or {}
    flagged_target = float(settings.get("ledger.inspection_target_flagged", 1.0))
    other_target = settings.get("ledger.inspection_target")
    flagged = flagged_villages(project)
    counted = table[table["result"].isin(COUNTED)] if len(table) else table
    if len(counted):
        ref = counted["target_ref"].astype(object)
        key = counted["village"].astype(str) + "|" + counted["target_type"].astype(str) + "|" + ref.where(ref.notna(), "")
        unique = counted.assign(_key=key.where(ref.notna(), key + "#" + counted["inspection_id"].astype(str)))
        unique = unique.drop_duplicates("_key", keep="last")
        inspected = pd.to_numeric(unique["households"], errors="coerce").fillna(0).groupby(unique["village"]).sum()
    else:
        inspected = pd.Series(dtype=float)
    visits = table.groupby("village").size() if len(table) else pd.Series(dtype=int)
    found = table[table["result"] == "hazard_found"].groupby("village").size() if len(table) else pd.Series(dtype=int)
    names = sorted(set(households.index) | set(inspected.index))
    rows = []
    for name in names:
        hh = households.get(name, np.nan)
        done = float(inspected.get(name, 0.0))
        share = min(done / hh, 1.0) if hh and not np.isnan(hh) and hh > 0 else np.nan
        target = flagged_target if name in flagged else (float(other_target) if other_target is not None else np.nan)
        rows.append({
            "village": name, "households": hh, "inspected": done, "share": share, "target": target,
            "met": bool(share >= target - 1e-9) if not (np.isnan(target) or np.isnan(share)) else None,
            "flagged_cluster": name in flagged, "visits": int(visits.get(name, 0)),
            "hazards_found": int(found.get(name, 0)),
        })
    return pd.DataFrame(rows, columns=["village", "households", "inspected", "share", "target", "met",
                                       "flagged_cluster", "visits", "hazards_found"])
