"""The demo township's campaign history: ledger ids, closing dates, the audit trail and inspections.

The hazards layer from :mod:`._places` is the ledger as of ``AS_OF``. Here it gets what an office's
ledger has after eleven weeks of campaign: a permanent id per item, who found it, the date each
closed item was closed, an audit trail replaying the items' history (registered when found, fixing
started, closed) and the inspection records (入户排查) per village group, so the weekly report and
the inspection coverage have something true to show for every past week.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fireriskmap.demo._features import AS_OF, CAMPAIGN_START, _masked_names

OFFICE = "镇应急办"


def campaign_history(rng, hazards: pd.DataFrame, villages: pd.DataFrame
                     ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(hazards with ids/finder/closed_date, audit trail, inspections)``; inputs are not mutated."""
    h = hazards.copy()
    n = len(h)
    as_of = np.datetime64(AS_OF)
    found = h["found_date"].astype(str).to_numpy().astype("datetime64[D]")
    deadline = h["deadline"].astype(str).to_numpy().astype("datetime64[D]")
    status = h["status"].astype(str).to_numpy()
    h["hazard_id"] = [f"YH{k + 1:05d}" for k in range(n)]
    h["finder"] = _masked_names(rng, n)
    h["placed"] = True
    # closing dates: between a few days after finding and the deadline (a fifth of them late), never after AS_OF
    span = np.maximum((np.minimum(deadline, as_of) - found).astype(int), 1)
    late = rng.random(n) < 0.2
    closed_at = found + np.maximum(1, np.ceil(span * rng.uniform(0.3, 1.0, n))).astype("timedelta64[D]")
    closed_at = np.where(late & (deadline < as_of), deadline + rng.integers(1, 9, n).astype("timedelta64[D]"),
                         closed_at)
    closed_at = np.minimum(closed_at, as_of)
    is_closed = status == "closed"
    h["closed_date"] = [str(d) if c else None for d, c in zip(closed_at, is_closed)]
    h["close_note"] = [("复查合格，已销号" if c else None) for c in is_closed]
    started_at = np.minimum(found + rng.integers(1, 4, n).astype("timedelta64[D]"), closed_at)

    rows = []

    def log(day, hid, action, field=None, old=None, new=None, note=None, user=OFFICE, hour=9):
        rows.append({"at": f"{day}T{hour:02d}:{int(rng.integers(0, 60)):02d}:00", "hazard_id": hid, "user": user,
                     "action": action, "field": field, "old": old, "new": new, "note": note})

    for k in range(n):
        hid = h["hazard_id"].iat[k]
        log(found[k], hid, "create", note="排查发现", user=h["finder"].iat[k], hour=10)
        if status[k] in ("rectifying", "closed", "overdue") and (status[k] != "overdue" or rng.random() < 0.5):
            log(started_at[k], hid, "status", "status", "open", "rectifying", "已下达整改通知书", hour=15)
            before = "rectifying"
        else:
            before = "open"
        if is_closed[k]:
            day = closed_at[k]
            log(day, hid, "close", "status", before, "closed", "复查合格，已销号", hour=16)
            log(day, hid, "close", "closed_date", None, str(day), "复查合格，已销号", hour=16)
    audit = pd.DataFrame(rows).sort_values(["at", "hazard_id"], kind="stable").reset_index(drop=True)
    audit.insert(0, "seq", np.arange(1, len(audit) + 1))

    inspections = _inspections(rng, h, villages)
    return h, audit, inspections


def _inspections(rng, hazards: pd.DataFrame, villages: pd.DataFrame) -> pd.DataFrame:
    """Group by group sweeps of every village, week by week, reaching 55–100 % of households by AS_OF."""
    start = np.datetime64(CAMPAIGN_START)
    as_of = np.datetime64(AS_OF)
    weeks = int((as_of - start).astype(int) // 7) + 1
    rows = []
    found_by_village = {}
    for hid, v, d in zip(hazards["hazard_id"], hazards["village"], hazards["found_date"]):
        found_by_village.setdefault(str(v), []).append((str(d), hid))
    for name, households in zip(villages["name"], villages["households"]):
        if pd.isna(households) or int(households) <= 0:
            continue
        total = int(households)
        groups = max(3, total // 40)
        sizes = np.full(groups, total // groups)
        sizes[: total - sizes.sum()] += 1
        order = rng.permutation(groups)
        goal = 1.0 if rng.random() < 0.45 else float(rng.uniform(0.55, 0.97))
        pace = max(1, int(np.ceil(groups * goal / weeks)))
        done = 0
        inspectors = _masked_names(rng, 2)
        hazard_days: dict[str, list[str]] = {}
        for day, hid in found_by_village.get(str(name), []):
            hazard_days.setdefault(day, []).append(hid)
        for w in range(weeks):
            for _ in range(pace):
                if done >= groups or sizes[order[:done]].sum() >= goal * total - 1e-9:
                    break
                g = int(order[done])
                done += 1
                day = min(start + np.timedelta64(7 * w + int(rng.integers(0, 5)), "D"), as_of)
                rows.append({"date": str(day), "village": str(name), "target_type": "household",
                             "target_ref": f"{name}{g + 1}组", "households": int(sizes[g]), "result": "ok",
                             "hazard_ids": None, "inspector": inspectors[done % 2], "note": None})
        for day, ids in sorted(hazard_days.items()):
            rows.append({"date": day, "village": str(name), "target_type": "household", "target_ref": None,
                         "households": 0, "result": "hazard_found", "hazard_ids": ";".join(ids),
                         "inspector": inspectors[0], "note": "见隐患台账"})
    frame = pd.DataFrame(rows).sort_values(["date", "village"], kind="stable").reset_index(drop=True)
    frame.insert(0, "inspection_id", [f"XC{k + 1:05d}" for k in range(len(frame))])
    frame["x"] = np.nan
    frame["y"] = np.nan
    return frame
