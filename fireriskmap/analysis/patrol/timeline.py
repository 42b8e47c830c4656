"""The night timeline: clock times as seconds since noon, so a night shift never wraps.

A patrol night runs from 12:00 on the night's date to 12:00 the next day. On that line
20:00 is 28 800 s, midnight 43 200 s and 06:00 64 800 s, so a window such as 23:00–02:00 is the
plain interval [39 600, 50 400] and "crossing midnight" needs no special case. Clock times
before noon belong to the next morning.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from fireriskmap.analysis.patrol._common import PatrolError
from fireriskmap.i18n import Msg

__all__ = ["NOON_S", "DAY_S", "parse_clock", "clock_to_s", "s_to_clock", "window_s", "night_datetime",
           "parse_night"]

NOON_S = 12 * 3600
DAY_S = 24 * 3600
_CLOCK = re.compile(r"^\s*(\d{1,2})\s*[:：时点.]\s*(\d{1,2})?\s*分?\s*$")


def parse_clock(text: Any) -> int:
    """Minutes after midnight of a clock time: ``"20:00"``, ``"6:30"``, ``"20时"``, ``"2030"``, 20.5.

    Raises :class:`PatrolError` (a ``ValueError``) when unreadable.
    """
    if isinstance(text, _dt.time):
        return text.hour * 60 + text.minute
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        hours = float(text)
        if 0 <= hours <= 24:
            return int(round(hours * 60)) % (24 * 60)
    else:
        s = str(text).strip()
        m = _CLOCK.match(s)
        if m is None and re.fullmatch(r"\d{3,4}", s):
            m = re.match(r"(\d{1,2})(\d{2})$", s)
        if m is not None:
            h, mi = int(m.group(1)), int(m.group(2) or 0)
            if 0 <= h <= 24 and 0 <= mi < 60 and not (h == 24 and mi):
                return (h * 60 + mi) % (24 * 60)
    raise PatrolError(problem=Msg("patrol.problem.clock", value=str(text)))


def clock_to_s(text: Any) -> int:
    """Seconds on the night timeline (since 12:00) of a clock time."""
    minutes = parse_clock(text)
    return ((minutes - 12 * 60) % (24 * 60)) * 60


def s_to_clock(seconds: float) -> str:
    """``"HH:MM"`` of a time on the night timeline (rounded to the minute)."""
    total = int(round(float(seconds) / 60.0)) + 12 * 60
    total %= 24 * 60
    return f"{total // 60:02d}:{total % 60:02d}"


def window_s(start: Any, end: Any) -> tuple[int, int]:
    """A clock window as seconds on the night timeline; the end may be after midnight.

    ``window_s("23:00", "02:00") == (39600, 50400)``. A window whose end is not after its start
    on the night timeline (e.g. ``"05:00"``–``"21:00"``, a day window) raises :class:`PatrolError`.
    """
    a, b = clock_to_s(start), clock_to_s(end)
    if b <= a:
        raise PatrolError(problem=Msg("patrol.problem.window", start=str(start), end=str(end)))
    return a, b


def parse_night(value: Any = None) -> _dt.date:
    """The night's date (the evening it starts): a date, ``"YYYY-MM-DD"`` or ``None`` for today."""
    if value is None:
        return _dt.date.today()
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise PatrolError(problem=Msg("patrol.problem.night", value=str(value))) from None


def night_datetime(night: _dt.date, seconds: float) -> _dt.datetime:
    """Local date and time of a point on the night timeline."""
    noon = _dt.datetime.combine(night, _dt.time(12, 0))
    return noon + _dt.timedelta(seconds=float(seconds))
