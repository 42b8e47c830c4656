"""The style loader validates map.toml/themes.toml and names file and key in its errors."""

from __future__ import annotations

import shutil

import pytest

from fireriskmap.errors import SpecError
from fireriskmap.paths import styles_dir
from fireriskmap.render.style import load_style, parse_colour


def test_shipped_style_loads():
    style = load_style()
    assert {"buildings", "roads", "hydrants", "risk_areas", "villages", "fire_stations"} <= set(style.layers)
    assert set(style.themes) == {"light", "dark", "briefing"}
    risk = style.layers["risk_areas"]
    assert risk.field == "level"
    assert risk.classes["red"].fill == "#e53935"  # 红
    assert risk.classes["blue"].fill == "#1e88e5"  # 蓝
    assert style.layers["hydrants"].symbol.marker == "circle"
    assert style.layers["fire_stations"].symbol.marker == "fire_station"
    # classes inherit what they do not set from the layer's symbol
    assert style.layers["buildings"].classes["timber"].width == style.layers["buildings"].symbol.width
    # z-order: areas under buildings under points
    z = {k: v.z for k, v in style.layers.items()}
    assert z["risk_areas"] < z["buildings"] < z["hydrants"] < z["fire_stations"]


def _copy_with(tmp_path, old: str, new: str):
    src = (styles_dir() / "map.toml").read_text(encoding="utf-8")
    assert old in src
    bad = tmp_path / "map.toml"
    bad.write_text(src.replace(old, new, 1), encoding="utf-8")
    shutil.copy(styles_dir() / "themes.toml", tmp_path / "themes.toml")
    return bad, tmp_path / "themes.toml"


@pytest.mark.parametrize("old, new, key", [
    ('timber = { fill = "#d9823b"', 'timbr = { fill = "#d9823b"', "layers.buildings.classes.timbr"),
    ('red = { fill = "#e53935"', 'red = { fill = "#e5393"', "layers.risk_areas.classes.red.fill"),
    ('field = "structure"', 'field = "colour"', "layers.buildings.field"),
    ('marker = "circle", size = 7, fill = "#d7191c"', 'marker = "blob", size = 7, fill = "#d7191c"',
     "layers.hydrants.symbol.marker"),
    ('z = 40', 'z = "high"', "layers.buildings.z"),
    ('[layers.roads]', '[layers.roadz]', "layers.roadz"),
])
def test_bad_style_names_file_and_key(tmp_path, old, new, key):
    bad, themes = _copy_with(tmp_path, old, new)
    with pytest.raises(SpecError) as info:
        load_style(bad, themes)
    assert info.value.params["file"] == "map.toml"
    assert info.value.params["key"] == key
    message = info.value.message("en")
    assert "map.toml" in message and key in message


def test_bad_theme_colour(tmp_path):
    src = (styles_dir() / "themes.toml").read_text(encoding="utf-8")
    bad = tmp_path / "themes.toml"
    bad.write_text(src.replace('map_background = "#f4f1ea"', 'map_background = "beige"'), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_style(styles_dir() / "map.toml", bad)
    assert info.value.params["key"] == "themes.light.map_background"


def test_broken_toml_and_missing_file(tmp_path):
    bad = tmp_path / "map.toml"
    bad.write_text("[layers\n", encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_style(bad)
    assert info.value.params["key"] == "(toml)"
    with pytest.raises(SpecError):
        load_style(tmp_path / "nope.toml")


def test_parse_colour():
    assert parse_colour("#ff000080") == (255, 0, 0, 128)
    assert parse_colour("#00FF00") == (0, 255, 0, 255)
    with pytest.raises(ValueError):
        parse_colour("red")
