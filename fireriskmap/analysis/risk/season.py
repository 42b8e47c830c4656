"""Key periods of the year and their multipliers: the score "as of date D".

A period is a day range of the year (``"11-15"`` to ``"03-15"``, running over the new year when the
end comes before the start) or a range of days around the lunar new year (正月初一, from the
model's table ``seasons.lunar_new_year``). On a date inside several periods their multipliers
multiply. A multiplier scales the indicator's normalised value, capped at 1 (so scores stay within
0–100 and contributions still add up to the score).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fireriskmap.core.spec import parse_date
from fireriskmap.analysis.risk._errors import LazyText, RiskInputError
from fireriskmap.analysis.risk.model import Period, RiskModel
from fireriskmap.i18n import Msg

__all__ = ["SeasonState", "as_date", "active_periods", "season_multipliers"]


def as_date(value: Any) -> _dt.date:
    """A date from ``date``/``datetime``/``Timestamp`` or text (``2027-01-28``, ``2027年1月28日`` …)."""
    try:
        return parse_date(value)
    except (ValueError, TypeError):
        raise RiskInputError("risk.error.bad_date", value=str(value)) from None


def _in_period(period: Period, day: _dt.date, model: RiskModel) -> bool | None:
    """True/False; None when the period needs a lunar new year the model does not know for that year."""
    if period.anchor == "lunar_new_year":
        hits = []
        for year in (day.year - 1, day.year, day.year + 1):
            lny = model.lunar_new_year.get(year)
            if lny is None:
                if year == day.year:
                    return None
                continue
            hits.append(lny + _dt.timedelta(days=period.start) <= day <= lny + _dt.timedelta(days=period.end))
        return any(hits)
    md = (day.month, day.day)
    start, end = tuple(period.start), tuple(period.end)
    if start <= end:
        return start <= md <= end
    return md >= start or md <= end  # over the new year


@dataclass(frozen=True)
class SeasonState:
    """The periods a date falls in and the resulting multiplier per indicator."""

    date: _dt.date
    periods: tuple[Period, ...]
    multipliers: pd.Series  # by indicator key, 1.0 where no period applies
    issues: tuple[Msg, ...] = field(default_factory=tuple)

    def names(self, lang: str | None = None) -> list[str]:
        return [p.label(lang) for p in self.periods]

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "periods": [p.key for p in self.periods],
                "periods_zh": self.names("zh_CN"), "periods_en": self.names("en"),
                "multipliers": {k: float(v) for k, v in self.multipliers.items() if v != 1.0}}


def active_periods(day: Any, model: RiskModel) -> tuple[list[Period], list[Msg]]:
    """The model's periods ``day`` falls in, and messages (a year missing from the lunar table)."""
    d = as_date(day)
    hits, issues = [], []
    for p in model.periods:
        inside = _in_period(p, d, model)
        if inside is None:
            issues.append(Msg("risk.issue.no_lunar_year", year=d.year, period=LazyText(p.label)))
        elif inside:
            hits.append(p)
    return hits, issues


def season_multipliers(day: Any, model: RiskModel) -> SeasonState:
    """The multiplier of each indicator on ``day`` (product over the periods it falls in)."""
    d = as_date(day)
    periods, issues = active_periods(d, model)
    mult = pd.Series(1.0, index=model.keys, name="multiplier")
    for p in periods:
        for key, factor in p.multipliers.items():
            if key in mult.index:
                mult[key] *= factor
    if not periods:
        issues.append(Msg("risk.issue.no_season", date=d.isoformat()))
    return SeasonState(d, tuple(periods), mult, tuple(issues))
