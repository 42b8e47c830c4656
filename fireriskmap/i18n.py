"""The translation layer: every user-facing string goes through :func:`tr`.

Catalogues are TOML files in ``resources/translations/``, one pair per area of the code:
``AREA.zh_CN.toml`` and ``AREA.en.toml`` (tables are flattened to dotted keys). Each part of the
code owns its own pair, so parallel work does not collide. Chinese (``zh_CN``) is the default
language; ``en`` on request (``FIRERISKMAP_LANG=en``, ``--lang en`` or the UI switch).
Missing keys fall back to English, then to the key itself, so a gap never crashes.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from fireriskmap.paths import translations_dir

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"

_current: str | None = None


def normalise_language(lang: str | None) -> str:
    """Map 'zh', 'zh-CN', 'zh_CN.UTF-8', 'en_US', ... onto one of :data:`LANGUAGES`."""
    if not lang:
        return DEFAULT_LANGUAGE
    low = lang.replace("-", "_").split(".")[0].lower()
    if low.startswith("en"):
        return "en"
    return "zh_CN"


def set_language(lang: str | None) -> str:
    """Set the process-wide language and return the normalised name."""
    global _current
    _current = normalise_language(lang)
    return _current


def current_language() -> str:
    if _current is not None:
        return _current
    return normalise_language(os.environ.get("FIRERISKMAP_LANG") or DEFAULT_LANGUAGE)


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, full + "."))
        else:
            out[full] = str(value)
    return out


@lru_cache(maxsize=None)
def catalogue(lang: str, folder: str | None = None) -> dict[str, str]:
    """All messages of one language, merged from every ``*.LANG.toml`` file."""
    base = Path(folder) if folder else translations_dir()
    merged: dict[str, str] = {}
    origin: dict[str, str] = {}
    for path in sorted(base.glob(f"*.{lang}.toml")):
        with path.open("rb") as fh:
            flat = _flatten(tomllib.load(fh))
        for key, text in flat.items():
            if key in merged:
                raise ValueError(f"{path.name}: key '{key}' already defined in {origin[key]}")
            merged[key] = text
            origin[key] = path.name
    return merged


class Msg:
    """A message rendered later, in the language in force then (e.g. an error's nested reason)."""

    __slots__ = ("key", "params")

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params

    def render(self, lang: str | None = None) -> str:
        return tr(self.key, lang=lang, **self.params)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, {self.params!r})"


def tr(key: str, /, lang: str | None = None, **params: Any) -> str:
    """The message ``key`` in ``lang`` (default: current language), formatted with ``params``.

    Parameters that are :class:`Msg` are rendered in the same language.
    """
    lang = normalise_language(lang) if lang else current_language()
    params = {k: (v.render(lang) if isinstance(v, Msg) else v) for k, v in params.items()}
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue("en").get(key, key)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text + " " + ", ".join(f"{k}={v}" for k, v in params.items())
    return text


def label(labels: dict[str, str] | None, lang: str | None = None, default: str = "") -> str:
    """Pick the right label from a ``{"zh": ..., "en": ...}`` table (as in layer specs)."""
    if not labels:
        return default
    lang = normalise_language(lang) if lang else current_language()
    short = "zh" if lang == "zh_CN" else "en"
    return labels.get(short) or labels.get(lang) or labels.get("en") or labels.get("zh") or default
