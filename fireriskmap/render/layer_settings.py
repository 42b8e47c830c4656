"""The project's layer appearance settings (drawing order, opacity, "colour by field") for a renderer.

Kept in ``project.settings`` by the layer dock (:mod:`fireriskmap.ui.layer_panel`):

- ``ui.layer_order``: kinds bottom → top (drawing order);
- ``ui.layer_opacity``: ``{kind: percent 0..100}``;
- ``ui.layer_style``: ``{kind: field name}`` (a kind missing: the style file's own classes).

:func:`apply_layer_settings` hands them to a :class:`MapRenderer` (``layer_order``, ``layer_opacity``,
``style_overrides``), so the canvas, the PDF and the PNG draw the layers the way the planner set them.
"""

from __future__ import annotations

from dataclasses import replace

from PyQt6.QtGui import QColor

from fireriskmap.i18n import tr
from fireriskmap.render.renderer import MapRenderer, layer_geometry
from fireriskmap.render.style import LayerStyle, Symbol


def _spec(kind: str):
    try:
        from fireriskmap.core.spec import catalogue

        return catalogue().get(kind)
    except Exception:  # a broken catalogue must not break drawing
        return None


SETTING_ORDER = "ui.layer_order"
SETTING_OPACITY = "ui.layer_opacity"
SETTING_STYLE = "ui.layer_style"

# colours for "colour by field": yes/no flags, and a qualitative palette for enum codes
FLAG_COLOURS = {"true": "#e53935", "false": "#b0bec5"}
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
           "#ff9da7", "#bab0ac"]


def style_fields(kind: str, columns=None) -> list:
    """The enum and yes/no fields of ``kind``'s spec (those in ``columns`` when given)."""
    spec = _spec(kind)
    if spec is None:
        return []
    return [f for f in spec.fields if f.type in ("enum", "bool") and (columns is None or f.name in columns)]


def _class_symbol(base: Symbol, colour: str, geometry: str, labels: dict[str, str]) -> Symbol:
    dark = QColor(colour).darker(150).name()
    if geometry == "point":
        return replace(base, fill=colour, labels=labels)
    if geometry == "line" or base.fill is None:
        return replace(base, stroke=colour, width=max(base.width, 1.2), labels=labels)
    return replace(base, fill=colour, fill_opacity=max(base.fill_opacity, 0.85), pattern="solid", stroke=dark,
                   labels=labels)


def classified_style(kind: str, base: LayerStyle, field_name: str, geometry: str) -> LayerStyle | None:
    """``base`` classified by ``field_name`` (an enum or yes/no field) with generated colours.

    None when the field is not an enum / yes-no field of the layer spec.
    """
    fs = next((f for f in style_fields(kind) if f.name == field_name), None)
    if fs is None:
        return None
    classes: dict[str, Symbol] = {}
    if fs.type == "bool":
        names = {"true": "ui_layers.yes", "false": "ui_layers.no"}
        for code, colour in FLAG_COLOURS.items():
            labels = {"zh": tr(names[code], lang="zh_CN"), "en": tr(names[code], lang="en")}
            classes[code] = _class_symbol(base.symbol, colour, geometry, labels)
    else:
        for i, code in enumerate(fs.codes()):
            classes[code] = _class_symbol(base.symbol, PALETTE[i % len(PALETTE)], geometry, {})
    return replace(base, field=field_name, classes=classes)


def apply_layer_settings(renderer: MapRenderer | None) -> bool:
    """Give ``renderer`` the order, opacities and styles kept in its project's settings.

    Returns True when anything changed (the map must be drawn again). Bad values are ignored.
    """
    if renderer is None:
        return False
    project = renderer.project
    settings = getattr(project, "settings", None) or {}
    raw_order = settings.get(SETTING_ORDER)
    order = [str(k) for k in raw_order] if isinstance(raw_order, list) and raw_order else None
    opacity: dict[str, float] = {}
    raw = settings.get(SETTING_OPACITY)
    for kind, value in (raw.items() if isinstance(raw, dict) else ()):
        try:
            opacity[str(kind)] = min(100.0, max(0.0, float(value))) / 100.0
        except (TypeError, ValueError):
            continue
    styles: dict[str, LayerStyle] = {}
    raw = settings.get(SETTING_STYLE)
    for kind, field_name in (raw.items() if isinstance(raw, dict) else ()):
        gdf = project.layers.get(kind)
        if gdf is None or not isinstance(field_name, str) or not field_name:
            continue
        geometry = layer_geometry(kind, gdf)
        ls = classified_style(kind, renderer.style.layer(kind, geometry), field_name, geometry)
        if ls is not None:
            styles[kind] = ls
    changed = (order, opacity, styles) != (renderer.layer_order, renderer.layer_opacity,
                                           renderer.style_overrides)
    renderer.layer_order, renderer.layer_opacity, renderer.style_overrides = order, opacity, styles
    return changed


__all__ = ["SETTING_ORDER", "SETTING_OPACITY", "SETTING_STYLE", "FLAG_COLOURS", "PALETTE",
           "style_fields", "classified_style", "apply_layer_settings"]
