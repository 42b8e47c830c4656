"""Map styles and themes: ``styles/map.toml`` and ``styles/themes.toml``, loaded and validated.

No Qt here: colours stay ``#rrggbbaa`` text and RGBA tuples, so the HTML exporter can reuse the
same style. The renderer turns them into Qt pens and brushes.

A bad file raises :class:`~fireriskmap.errors.SpecError` naming the file, the dotted key and the
problem, e.g. ``map.toml, layers.buildings.classes.timbr: 'timbr' is not a value of
buildings.structure``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field as dc_field, replace
from pathlib import Path
from typing import Any, Mapping

from fireriskmap.errors import SpecError
from fireriskmap.i18n import label as pick_label
from fireriskmap.paths import styles_dir

ERROR_KEY = "render.error.style"

MARKERS = ("circle", "square", "triangle", "diamond", "star", "cross", "fire_station", "drop",
           "warning", "pin")
DASHES = ("solid", "dash", "dot", "dashdot")
PATTERNS = ("solid", "bdiag", "fdiag", "cross", "diagcross", "horizontal", "vertical")

_COLOUR_RE = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")

_SYMBOL_KEYS = {"fill", "fill_opacity", "pattern", "stroke", "width", "dash", "casing", "casing_width",
                "width_m", "marker", "size", "label"}
_LAYER_KEYS = {"z", "field", "symbol", "classes", "labels", "opacity", "min_px", "visible", "legend"}
_LABEL_KEYS = {"field", "size", "bold", "colour", "max_mpp", "priority"}
_THEME_COLOURS = ("map_background", "text", "halo", "panel", "panel_border", "accent", "window",
                  "window_text", "base", "alternate_base", "button", "button_text", "highlight",
                  "highlighted_text")


def parse_colour(text: str) -> tuple[int, int, int, int]:
    """``#rrggbb`` or ``#rrggbbaa`` → (r, g, b, a), each 0–255. ValueError otherwise."""
    if not isinstance(text, str) or not _COLOUR_RE.match(text):
        raise ValueError(f"'{text}' is not a colour (#rrggbb or #rrggbbaa)")
    value = text[1:]
    r, g, b = (int(value[i:i + 2], 16) for i in (0, 2, 4))
    a = int(value[6:8], 16) if len(value) == 8 else 255
    return r, g, b, a


@dataclass(frozen=True)
class Symbol:
    """How one class of features is drawn. Sizes in pixels at 96 dpi; colours ``#rrggbb(aa)``.

    ``fill``/``stroke``/``casing`` are ``None`` for "not drawn".
    """

    fill: str | None = "#cccccc"
    fill_opacity: float = 1.0
    pattern: str = "solid"
    stroke: str | None = "#666666"
    width: float = 1.0
    dash: str = "solid"
    casing: str | None = None
    casing_width: float = 0.0
    width_m: float = 0.0
    marker: str = "circle"
    size: float = 8.0
    labels: Mapping[str, str] = dc_field(default_factory=dict)

    def fill_rgba(self) -> tuple[int, int, int, int] | None:
        """The fill colour with ``fill_opacity`` applied (None when not filled)."""
        if self.fill is None:
            return None
        r, g, b, a = parse_colour(self.fill)
        return r, g, b, round(a * self.fill_opacity)

    def stroke_rgba(self) -> tuple[int, int, int, int] | None:
        return parse_colour(self.stroke) if self.stroke else None

    def casing_rgba(self) -> tuple[int, int, int, int] | None:
        return parse_colour(self.casing) if self.casing else None

    def label(self, lang: str | None = None, default: str = "") -> str:
        return pick_label(dict(self.labels), lang, default)


@dataclass(frozen=True)
class LabelStyle:
    """Text labels of a layer: which field, how big (points), when shown, and their priority."""

    field: str
    size: float = 9.0
    bold: bool = False
    colour: str | None = None  # None: the theme's text colour
    max_mpp: float | None = None  # hide when zoomed out beyond this many metres per pixel
    priority: int = 50  # higher is placed first


@dataclass(frozen=True)
class LayerStyle:
    """The style of one layer kind: default symbol, optional classes by ``field``, labels."""

    kind: str
    z: int = 0
    symbol: Symbol = dc_field(default_factory=Symbol)
    field: str | tuple[str, ...] | None = None  # a tuple: compound classes "a|b" ('*' matches any value)
    classes: Mapping[str, Symbol] = dc_field(default_factory=dict)
    labels: LabelStyle | None = None
    opacity: float = 1.0
    min_px: float = 1.5  # polygons smaller than this (pixels) are drawn as dots
    visible: bool = True
    legend: bool = True

    def symbol_for(self, code: str | None) -> Symbol:
        if code is not None and code in self.classes:
            return self.classes[code]
        return self.symbol


@dataclass(frozen=True)
class Theme:
    """Map background/text colours and the Qt palette of the application (``#rrggbb(aa)``)."""

    name: str
    labels: Mapping[str, str]
    font_scale: float
    colours: Mapping[str, str]

    def __getattr__(self, item: str) -> str:
        colours = object.__getattribute__(self, "colours")
        if item in colours:
            return colours[item]
        raise AttributeError(item)

    def label(self, lang: str | None = None) -> str:
        return pick_label(dict(self.labels), lang, self.name)

    def rgba(self, key: str) -> tuple[int, int, int, int]:
        return parse_colour(self.colours[key])


@dataclass(frozen=True)
class MapStyle:
    """Layer styles by kind, the available themes and the current one."""

    layers: Mapping[str, LayerStyle]
    themes: Mapping[str, Theme]
    theme_name: str
    font_family: str = "Noto Sans SC"
    source: str = ""

    @property
    def theme(self) -> Theme:
        return self.themes[self.theme_name]

    def with_theme(self, name: str) -> "MapStyle":
        """A copy using theme ``name`` (KeyError if unknown)."""
        if name not in self.themes:
            raise KeyError(f"unknown theme '{name}' (known: {', '.join(self.themes)})")
        return replace(self, theme_name=name)

    def layer(self, kind: str, geometry: str = "polygon") -> LayerStyle:
        """The style of ``kind``; a plain grey fallback for kinds the style file does not list."""
        if kind in self.layers:
            return self.layers[kind]
        return fallback_layer_style(kind, geometry)

    def z_order(self, kinds: list[str]) -> list[str]:
        """``kinds`` sorted by drawing order (stable for equal z)."""
        return sorted(kinds, key=lambda k: self.layers[k].z if k in self.layers else 1000)


def fallback_layer_style(kind: str, geometry: str) -> LayerStyle:
    """A neutral style for a layer kind missing from the style file."""
    if geometry == "point":
        symbol = Symbol(fill="#607d8b", stroke="#ffffff", width=1.0, marker="circle", size=7)
        z = 90
    elif geometry == "line":
        symbol = Symbol(fill=None, stroke="#546e7a", width=1.5)
        z = 60
    else:
        symbol = Symbol(fill="#90a4ae", fill_opacity=0.35, stroke="#546e7a", width=1.0)
        z = 20
    return LayerStyle(kind=kind, z=z, symbol=symbol)


# What a style file's symbol starts from before its keys apply.
_BASE_SYMBOLS = {
    "point": Symbol(fill="#607d8b", stroke="#ffffff", width=1.0, marker="circle", size=7),
    "line": Symbol(fill=None, stroke="#546e7a", width=1.5),
    "polygon": Symbol(fill="#cccccc", stroke="#666666", width=1.0),
}


# -- loading ----------------------------------------------------------------------------------

class _Checker:
    """Small helpers that raise SpecError naming the file and the dotted key."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str, problem: str) -> SpecError:
        return SpecError(ERROR_KEY, file=self.file, key=key, problem=problem)

    def number(self, table: Mapping, key: str, where: str, *, default: float | None = None,
               lo: float | None = None, hi: float | None = None) -> float | None:
        if key not in table:
            return default
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(where + key, f"expected a number, got {value!r}")
        if lo is not None and value < lo:
            raise self.fail(where + key, f"{value} is below {lo}")
        if hi is not None and value > hi:
            raise self.fail(where + key, f"{value} is above {hi}")
        return float(value)

    def colour(self, table: Mapping, key: str, where: str, *, allow_none: bool = True,
               default: str | None = None) -> str | None:
        if key not in table:
            return default
        value = table[key]
        if allow_none and value == "none":
            return None
        try:
            parse_colour(value)
        except ValueError as exc:
            raise self.fail(where + key, str(exc)) from None
        return value.lower()

    def choice(self, table: Mapping, key: str, where: str, options: tuple[str, ...],
               default: str) -> str:
        if key not in table:
            return default
        value = table[key]
        if value not in options:
            raise self.fail(where + key, f"{value!r} is not one of {', '.join(options)}")
        return value

    def table(self, value: Any, where: str) -> Mapping:
        if not isinstance(value, dict):
            raise self.fail(where, "expected a table")
        return value

    def known_keys(self, table: Mapping, allowed: set[str], where: str) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise self.fail(where + unknown[0], f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def labels(self, table: Mapping, key: str, where: str) -> dict[str, str]:
        if key not in table:
            return {}
        value = table[key]
        if not isinstance(value, dict) or not isinstance(value.get("zh"), str) \
                or not isinstance(value.get("en"), str):
            raise self.fail(where + key, "needs zh and en text: { zh = \"...\", en = \"...\" }")
        return {"zh": value["zh"], "en": value["en"]}


def _symbol(chk: _Checker, raw: Any, where: str, base: Symbol) -> Symbol:
    table = chk.table(raw, where.rstrip("."))
    chk.known_keys(table, _SYMBOL_KEYS, where)
    return Symbol(
        fill=chk.colour(table, "fill", where, default=base.fill),
        fill_opacity=chk.number(table, "fill_opacity", where, default=base.fill_opacity, lo=0, hi=1),
        pattern=chk.choice(table, "pattern", where, PATTERNS, base.pattern),
        stroke=chk.colour(table, "stroke", where, default=base.stroke),
        width=chk.number(table, "width", where, default=base.width, lo=0, hi=100),
        dash=chk.choice(table, "dash", where, DASHES, base.dash),
        casing=chk.colour(table, "casing", where, default=base.casing),
        casing_width=chk.number(table, "casing_width", where, default=base.casing_width, lo=0, hi=100),
        width_m=chk.number(table, "width_m", where, default=base.width_m, lo=0, hi=500),
        marker=chk.choice(table, "marker", where, MARKERS, base.marker),
        size=chk.number(table, "size", where, default=base.size, lo=0.5, hi=200),
        labels=chk.labels(table, "label", where) or {},
    )


# Display columns that are not spec fields but are kept on a layer for the map (yes/no):
# the hazard ledger writes ``overdue`` for the ledger's date (fireriskmap.ledger.Ledger.refresh).
COMPUTED_COLUMNS: dict[tuple[str, str], list[str]] = {("hazards", "overdue"): ["true", "false"]}


def _class_codes(kind: str, field_name: str) -> tuple[list[str] | None, str | None]:
    """Allowed class codes for ``kind.field`` from the layer spec: (codes or None, problem)."""
    from fireriskmap.core.spec import catalogue

    specs = catalogue()
    if kind not in specs:
        return None, f"unknown layer kind '{kind}' (known: {', '.join(sorted(specs))})"
    spec = specs[kind]
    fs = next((f for f in spec.fields if f.name == field_name), None)
    if fs is None and (kind, field_name) in COMPUTED_COLUMNS:
        return COMPUTED_COLUMNS[(kind, field_name)], None
    if fs is None:
        return None, f"'{field_name}' is not a field of {kind} ({', '.join(f.name for f in spec.fields)})"
    if fs.type == "enum":
        return fs.codes(), None
    if fs.type == "bool":
        return ["true", "false"], None
    if fs.type == "str":
        return None, None  # any text value
    return None, f"{kind}.{field_name} is a {fs.type} field; classes need an enum, yes/no or text field"


def parse_map_style(data: Mapping, *, file: str = "map.toml") -> tuple[dict[str, LayerStyle], str]:
    """Validate the map style table (as read from TOML): (layer styles by kind, font family)."""
    from fireriskmap.core.spec import catalogue

    chk = _Checker(file)
    chk.known_keys(data, {"version", "font_family", "layers"}, "")
    version = data.get("version", 1)
    if version != 1:
        raise chk.fail("version", f"unsupported style version {version!r} (expected 1)")
    font_family = data.get("font_family", "Noto Sans SC")
    if not isinstance(font_family, str) or not font_family:
        raise chk.fail("font_family", "expected a font family name")
    raw_layers = chk.table(data.get("layers", {}), "layers")
    specs = catalogue()
    layers: dict[str, LayerStyle] = {}
    for kind, raw in raw_layers.items():
        where = f"layers.{kind}."
        if kind not in specs:
            raise chk.fail(f"layers.{kind}", f"unknown layer kind (known: {', '.join(sorted(specs))})")
        table = chk.table(raw, f"layers.{kind}")
        chk.known_keys(table, _LAYER_KEYS, where)
        geometry = specs[kind].geometry
        base = _BASE_SYMBOLS.get(geometry, Symbol())
        symbol = _symbol(chk, table.get("symbol", {}), where + "symbol.", base)
        field_name = table.get("field")
        classes: dict[str, Symbol] = {}
        if isinstance(field_name, list):  # compound classes: "code|code|..." with '*' for any value
            if len(field_name) < 2 or not all(isinstance(f, str) for f in field_name):
                raise chk.fail(where + "field", "expected a field name or a list of two or more field names")
            all_codes = []
            for name in field_name:
                codes, problem = _class_codes(kind, name)
                if problem:
                    raise chk.fail(where + "field", problem)
                all_codes.append(codes)
            field_name = tuple(field_name)
            raw_classes = chk.table(table.get("classes", {}), where + "classes")
            for code, raw_symbol in raw_classes.items():
                parts = str(code).split("|")
                if len(parts) != len(field_name):
                    raise chk.fail(f"{where}classes.{code}",
                                   f"expected {len(field_name)} values joined by '|' ({'|'.join(field_name)})")
                for part, name, codes in zip(parts, field_name, all_codes):
                    if part != "*" and codes is not None and part not in codes:
                        raise chk.fail(f"{where}classes.{code}",
                                       f"'{part}' is not a value of {kind}.{name} ({', '.join(codes)})")
                sym = _symbol(chk, raw_symbol, f"{where}classes.{code}.", symbol)
                if not sym.labels:
                    raise chk.fail(f"{where}classes.{code}.label", "compound classes need a legend label")
                classes[str(code)] = sym
        elif field_name is not None:
            if not isinstance(field_name, str):
                raise chk.fail(where + "field", "expected a field name")
            codes, problem = _class_codes(kind, field_name)
            if problem:
                raise chk.fail(where + "field", problem)
            raw_classes = chk.table(table.get("classes", {}), where + "classes")
            for code, raw_symbol in raw_classes.items():
                if codes is not None and code not in codes:
                    raise chk.fail(f"{where}classes.{code}",
                                   f"'{code}' is not a value of {kind}.{field_name} ({', '.join(codes)})")
                classes[str(code)] = _symbol(chk, raw_symbol, f"{where}classes.{code}.", symbol)
        elif "classes" in table:
            raise chk.fail(where + "classes", "classes need a 'field' to classify by")
        labels = None
        if "labels" in table:
            lt = chk.table(table["labels"], where + "labels")
            lw = where + "labels."
            chk.known_keys(lt, _LABEL_KEYS, lw)
            lfield = lt.get("field")
            field_names = {f.name for f in specs[kind].fields}
            if not isinstance(lfield, str) or lfield not in field_names:
                raise chk.fail(lw + "field", f"{lfield!r} is not a field of {kind}")
            bold = lt.get("bold", False)
            if not isinstance(bold, bool):
                raise chk.fail(lw + "bold", "expected true or false")
            priority = lt.get("priority", 50)
            if isinstance(priority, bool) or not isinstance(priority, int):
                raise chk.fail(lw + "priority", "expected a whole number")
            labels = LabelStyle(
                field=lfield,
                size=chk.number(lt, "size", lw, default=9.0, lo=3, hi=72),
                bold=bold,
                colour=chk.colour(lt, "colour", lw, allow_none=False, default=None),
                max_mpp=chk.number(lt, "max_mpp", lw, default=None, lo=0),
                priority=priority,
            )
        z = table.get("z", 0)
        if isinstance(z, bool) or not isinstance(z, int):
            raise chk.fail(where + "z", "expected a whole number")
        for flag in ("visible", "legend"):
            if flag in table and not isinstance(table[flag], bool):
                raise chk.fail(where + flag, "expected true or false")
        layers[kind] = LayerStyle(
            kind=kind, z=z, symbol=symbol, field=field_name, classes=classes, labels=labels,
            opacity=chk.number(table, "opacity", where, default=1.0, lo=0, hi=1),
            min_px=chk.number(table, "min_px", where, default=1.5, lo=0, hi=50),
            visible=table.get("visible", True), legend=table.get("legend", True),
        )
    return layers, font_family


def parse_themes(data: Mapping, *, file: str = "themes.toml") -> tuple[dict[str, Theme], str]:
    """Validate the themes table: (themes by name, default theme name)."""
    chk = _Checker(file)
    chk.known_keys(data, {"default", "themes"}, "")
    raw = chk.table(data.get("themes"), "themes") if "themes" in data else None
    if not raw:
        raise chk.fail("themes", "no themes defined")
    themes: dict[str, Theme] = {}
    for name, table in raw.items():
        where = f"themes.{name}."
        table = chk.table(table, f"themes.{name}")
        chk.known_keys(table, {"label", "font_scale", *_THEME_COLOURS}, where)
        colours = {}
        for key in _THEME_COLOURS:
            if key not in table:
                raise chk.fail(where + key, "missing")
            colours[key] = chk.colour(table, key, where, allow_none=False)
        themes[name] = Theme(
            name=name,
            labels=chk.labels(table, "label", where) or {"zh": name, "en": name},
            font_scale=chk.number(table, "font_scale", where, default=1.0, lo=0.5, hi=4.0),
            colours=colours,
        )
    default = data.get("default", next(iter(themes)))
    if default not in themes:
        raise chk.fail("default", f"'{default}' is not a theme ({', '.join(themes)})")
    return themes, default


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise SpecError(ERROR_KEY, file=str(path), key="(file)", problem="file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(ERROR_KEY, file=path.name, key="(toml)", problem=str(exc)) from None


def load_style(map_path: str | Path | None = None, themes_path: str | Path | None = None, *,
               theme: str | None = None) -> MapStyle:
    """Load and validate a map style and its themes (default: the shipped ``styles/`` files).

    Parameters
    ----------
    map_path, themes_path
        TOML files; default ``styles/map.toml`` and ``styles/themes.toml``.
    theme
        Theme to use (default: the themes file's ``default``).

    Raises
    ------
    SpecError
        When a file is missing or malformed; the message names the file and the dotted key.
    """
    map_path = Path(map_path) if map_path else styles_dir() / "map.toml"
    themes_path = Path(themes_path) if themes_path else styles_dir() / "themes.toml"
    layers, font_family = parse_map_style(_read_toml(map_path), file=map_path.name)
    themes, default = parse_themes(_read_toml(themes_path), file=themes_path.name)
    name = theme or default
    if name not in themes:
        raise SpecError(ERROR_KEY, file=themes_path.name, key=f"themes.{name}", problem="no such theme")
    return MapStyle(layers=layers, themes=themes, theme_name=name, font_family=font_family,
                    source=str(map_path))


_default_style: MapStyle | None = None


def default_style() -> MapStyle:
    """The shipped style (loaded once)."""
    global _default_style
    if _default_style is None:
        _default_style = load_style()
    return _default_style
