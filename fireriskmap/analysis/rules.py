"""Thresholds from the standards, as data: ``fireriskmap/analysis/rules/*.toml``.

Each file is one topic (its stem is the key prefix); each table in it is one rule::

    [households_threshold]
    value = 50
    unit = "户"
    source = "桂/黔 集中连片村寨 programmes (DOMAIN.md §2)"
    zh = "集中连片户数阈值"
    en = "Households that make a cluster contiguous"

``defaults()`` returns every rule by its full key (``"clusters.households_threshold"``);
``resolve(overrides)`` applies a project's settings (``project.settings``) over the defaults,
so every default is a setting the office can change, and every flag can cite its rule's source.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from fireriskmap.errors import SpecError
from fireriskmap.i18n import label as _label

RULES_DIR = Path(__file__).parent / "rules"


@dataclass(frozen=True)
class Rule:
    key: str
    value: Any
    unit: str
    source: str
    labels: dict[str, str]

    def label(self, lang: str | None = None) -> str:
        return _label(self.labels, lang, self.key)


@lru_cache(maxsize=None)
def _load(folder: str) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(file=path.name, key="(toml)", problem=str(exc)) from None
        for name, table in data.items():
            if not isinstance(table, dict):
                raise SpecError(file=path.name, key=name, problem="expected a table")
            for need in ("value", "source", "zh", "en"):
                if need not in table:
                    raise SpecError(file=path.name, key=f"{name}.{need}", problem="missing")
            key = f"{path.stem}.{name}"
            rules[key] = Rule(key, table["value"], str(table.get("unit", "")), str(table["source"]),
                              {"zh": str(table["zh"]), "en": str(table["en"])})
    return rules


def defaults(folder: str | Path | None = None) -> dict[str, Rule]:
    """Every rule by its full key."""
    return dict(_load(str(folder or RULES_DIR)))


def resolve(overrides: Mapping[str, Any] | None = None, *, prefix: str | None = None) -> dict[str, Any]:
    """Rule values with ``overrides`` (e.g. ``project.settings``) applied; optionally one topic only.

    With ``prefix="clusters"`` the keys come back without the prefix: ``{"households_threshold": 50}``.
    """
    rules = defaults()
    values = {k: r.value for k, r in rules.items()}
    for key, value in (overrides or {}).items():
        if key in values:
            values[key] = value
    if prefix is None:
        return values
    head = prefix + "."
    return {k[len(head):]: v for k, v in values.items() if k.startswith(head)}


def topic(rules: Mapping[str, Any] | None, prefix: str) -> dict[str, Any]:
    """The rule values of one topic with ``rules`` applied over the defaults.

    ``rules`` may hold bare keys (``{"households_threshold": 30}``) or full keys as stored in
    ``project.settings`` (``{"clusters.households_threshold": 30}``); keys of other topics are
    ignored, so ``rules=project.settings`` works directly.
    """
    values = resolve(prefix=prefix)
    head = prefix + "."
    for key, value in (rules or {}).items():
        key = str(key)
        if key.startswith(head):
            values[key[len(head):]] = value
        elif "." not in key and key in values:
            values[key] = value
    return values


def source(key: str) -> str:
    """The standard clause or source a rule comes from (for flag reasons)."""
    return defaults()[key].source
