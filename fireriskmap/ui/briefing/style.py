"""The briefing's dark projection look: the ``wall`` theme, panel colours and the map-style changes
for a navy background, read from ``styles/briefing_wall.toml`` (validated; errors name the key)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Mapping

from fireriskmap.errors import SpecError
from fireriskmap.paths import styles_dir
from fireriskmap.render.style import ERROR_KEY, MapStyle, Symbol, Theme, parse_colour, parse_themes

WALL_FILE = "briefing_wall.toml"
THEME_NAME = "wall"
_SYMBOL_KEYS = {"fill", "fill_opacity", "pattern", "stroke", "width", "dash", "casing", "casing_width", "size"}
_COLOUR_KEYS = {"fill", "stroke", "casing"}


@dataclass(frozen=True)
class WallLook:
    theme: Theme
    panel: Mapping[str, str]
    layers: Mapping[str, Mapping[str, Any]]

    def colour(self, key: str) -> str:
        return self.panel[key]


def _fail(key: str, problem: str) -> SpecError:
    return SpecError(ERROR_KEY, file=WALL_FILE, key=key, problem=problem)


def _check_symbol(table: Any, where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise _fail(where, "expected a table")
    out = {}
    for key, value in table.items():
        if key not in _SYMBOL_KEYS:
            raise _fail(f"{where}.{key}", f"unknown key (allowed: {', '.join(sorted(_SYMBOL_KEYS))})")
        if key in _COLOUR_KEYS:
            if value == "none":
                value = None
            else:
                try:
                    parse_colour(value)
                except ValueError as exc:
                    raise _fail(f"{where}.{key}", str(exc)) from None
        elif key not in ("pattern", "dash") and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise _fail(f"{where}.{key}", f"expected a number, got {value!r}")
        out[key] = value
    return out


@lru_cache(maxsize=4)
def load_wall(path: str | None = None) -> WallLook:
    """The wall theme, panel colours and layer changes (default: the shipped file)."""
    file = path or str(styles_dir() / WALL_FILE)
    try:
        with open(file, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _fail("", str(exc)) from None
    themes, _default = parse_themes({k: data[k] for k in ("default", "themes") if k in data}, file=WALL_FILE)
    if THEME_NAME not in themes:
        raise _fail(f"themes.{THEME_NAME}", "missing")
    panel = data.get("panel", {})
    if not isinstance(panel, dict):
        raise _fail("panel", "expected a table")
    for key, value in panel.items():
        try:
            parse_colour(value)
        except ValueError as exc:
            raise _fail(f"panel.{key}", str(exc)) from None
    layers: dict[str, dict[str, Any]] = {}
    for kind, table in (data.get("layers") or {}).items():
        where = f"layers.{kind}"
        if not isinstance(table, dict):
            raise _fail(where, "expected a table")
        item: dict[str, Any] = {"drop_classes": bool(table.get("drop_classes", False))}
        if "symbol" in table:
            item["symbol"] = _check_symbol(table["symbol"], where + ".symbol")
        if "classes" in table:
            item["classes"] = {str(c): _check_symbol(s, f"{where}.classes.{c}") for c, s in table["classes"].items()}
        if "label_colour" in table:
            try:
                parse_colour(table["label_colour"])
            except ValueError as exc:
                raise _fail(where + ".label_colour", str(exc)) from None
            item["label_colour"] = table["label_colour"]
        unknown = set(table) - {"drop_classes", "symbol", "classes", "label_colour"}
        if unknown:
            raise _fail(f"{where}.{sorted(unknown)[0]}", "unknown key")
        layers[kind] = item
    return WallLook(themes[THEME_NAME], panel, layers)


def wall_style(base: MapStyle, *, scale: float = 1.0, look: WallLook | None = None) -> MapStyle:
    """``base`` on the wall theme, with the briefing's layer changes; map text and symbols ``scale``
    times the theme's size (the window height / 1080)."""
    look = look or load_wall()
    theme = replace(look.theme, font_scale=max(0.5, min(4.0, look.theme.font_scale * scale)))
    layers = dict(base.layers)
    for kind, change in look.layers.items():
        ls = layers.get(kind)
        if ls is None:
            continue
        symbol = replace(ls.symbol, **change.get("symbol", {})) if "symbol" in change else ls.symbol
        if change.get("drop_classes"):
            classes: dict[str, Symbol] = {}
        else:
            classes = dict(ls.classes)
            for code, sym in change.get("classes", {}).items():
                if code in classes:
                    classes[code] = replace(classes[code], **sym)
        labels = ls.labels
        if labels is not None and change.get("label_colour"):
            labels = replace(labels, colour=change["label_colour"])
        layers[kind] = replace(ls, symbol=symbol, classes=classes, labels=labels,
                               field=None if change.get("drop_classes") else ls.field)
    themes = dict(base.themes)
    themes[THEME_NAME] = theme
    return replace(base, layers=layers, themes=themes, theme_name=THEME_NAME)


def bright_level_outlines(style: MapStyle) -> MapStyle:
    """Risk areas outlined in their own level colour (the shipped darker edge vanishes on navy)."""
    ls = style.layers.get("risk_areas")
    if ls is None:
        return style
    classes = {code: replace(sym, stroke=sym.fill or sym.stroke) for code, sym in ls.classes.items()}
    layers = dict(style.layers)
    layers["risk_areas"] = replace(ls, classes=classes)
    return replace(style, layers=layers)
