"""Shared pieces of the patrol planner: errors, levels, travel modes, rule access."""

from __future__ import annotations

import hashlib
from typing import Any, Mapping

import numpy as np
import pandas as pd

from fireriskmap.analysis import rules as _rules
from fireriskmap.errors import FireRiskError
from fireriskmap.i18n import Msg

__all__ = ["PatrolError", "LEVELS", "MODES", "KINDS", "normalise_level", "normalise_mode", "mode_profile",
           "patrol_rules", "mode_speeds", "stable_hash", "level_value"]

#: Risk levels from the most to the least serious (DOMAIN.md §5: 红 橙 黄 蓝).
LEVELS = ("red", "orange", "yellow", "blue")
#: Travel modes of a team and the road-network profile each one uses.
MODES = {"car": "light_vehicle", "ebike": "ebike", "foot": "foot", "engine": "engine"}
#: Kinds of patrol targets.
KINDS = ("risk_area", "cluster", "chimney", "key_place", "hazard", "manual", "break")

_LEVEL_ALIASES = {
    "red": "red", "major": "red", "重大": "red", "重大风险": "red", "红": "red", "红色": "red", "4": "red",
    "orange": "orange", "high": "orange", "较大": "orange", "较大风险": "orange", "橙": "orange",
    "橙色": "orange", "3": "orange",
    "yellow": "yellow", "moderate": "yellow", "medium": "yellow", "一般": "yellow", "一般风险": "yellow",
    "黄": "yellow", "黄色": "yellow", "2": "yellow",
    "blue": "blue", "low": "blue", "低": "blue", "低风险": "blue", "蓝": "blue", "蓝色": "blue", "1": "blue",
}
_MODE_ALIASES = {
    "car": "car", "light_vehicle": "car", "vehicle": "car", "motorbike": "car", "巡逻车": "car", "车": "car",
    "摩托": "car", "汽车": "car",
    "ebike": "ebike", "e-bike": "ebike", "bike": "ebike", "电动车": "ebike",
    "foot": "foot", "walk": "foot", "walking": "foot", "步行": "foot",
    "engine": "engine", "fire_engine": "engine", "消防车": "engine",
}


class PatrolError(FireRiskError, ValueError):
    """The patrol planner cannot run with these inputs (the message names the problem)."""

    key = "patrol.error.input"


def normalise_level(value: Any) -> str | None:
    """``"red"``, ``"orange"``, ``"yellow"``, ``"blue"`` from any usual spelling; ``None`` otherwise.

    Accepts the risk layer's codes (``major``/``high``/``moderate``/``low``), colours in English and
    Chinese (红/橙/黄/蓝) and 重大/较大/一般/低. Unknown (grey) and empty give ``None``.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return _LEVEL_ALIASES.get(str(value).strip().lower())


def normalise_mode(value: Any) -> str:
    """One of :data:`MODES` from any usual spelling; raises :class:`PatrolError` otherwise."""
    mode = _MODE_ALIASES.get(str(value).strip().lower())
    if mode is None:
        raise PatrolError(problem=Msg("patrol.problem.mode", value=str(value), choices=", ".join(MODES)))
    return mode


def mode_profile(mode: str) -> str:
    """The road-network profile of a travel mode (``car`` drives as a ``light_vehicle``)."""
    return MODES[normalise_mode(mode)]


def patrol_rules(rules: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``patrol.*`` rule values with ``rules`` (bare or full keys, e.g. ``project.settings``) applied."""
    return _rules.topic(rules, "patrol")


def _positive(value: Any, name: str, *, zero: bool = True) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not np.isfinite(number) or number < 0 or (number == 0 and not zero):
        raise PatrolError(problem=Msg("patrol.problem.setting", name=name, value=value))
    return number


def mode_speeds(rules: Mapping[str, Any] | None = None) -> dict[str, float]:
    """Speeds (km/h) for :meth:`RoadGraph.cost_matrix`'s timed profiles, from the patrol rules.

    ``light_vehicle`` is the patrol car (capped by the road-class speed), ``offroad`` the walk
    between the road and the place. Fire engines use the road-class speeds of ``network.*``.
    """
    r = patrol_rules(rules)
    return {"light_vehicle": _positive(r["speed_car_kmh"], "patrol.speed_car_kmh", zero=False),
            "ebike": _positive(r["speed_ebike_kmh"], "patrol.speed_ebike_kmh", zero=False),
            "foot": _positive(r["speed_foot_kmh"], "patrol.speed_foot_kmh", zero=False),
            "offroad": _positive(r["speed_offroad_kmh"], "patrol.speed_offroad_kmh", zero=False)}


def level_value(rules: Mapping[str, Any], name: str, level: str | None, default: float = 0.0) -> float:
    """``patrol.<name>_<level>`` as a number (``default`` when the level is None or unset)."""
    if level is None:
        return default
    value = rules.get(f"{name}_{level}")
    if value is None:
        return default
    return _positive(value, f"patrol.{name}_{level}")


def stable_hash(text: str) -> int:
    """A hash of a string that is the same in every process (Python's ``hash`` is salted)."""
    return int.from_bytes(hashlib.blake2b(str(text).encode("utf-8"), digest_size=8).digest(), "little")
