"""The renderer draws what is there, skips what is not, keeps precision and measures true."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PyQt6.QtCore import QRectF
from PyQt6.QtGui import QColor, QFont, QImage, QPainter

from fireriskmap.render import MapRenderer, MapView, load_style, scale_bar_layout
from fireriskmap.render.style import parse_colour
from fireriskmap.render.text import LabelCandidate, LabelPlacer
from fireriskmap.render.view import format_distance, nice_number

GK_CRS = "EPSG:4545"  # as tests/conftest.py
X0, Y0 = 500_000.0, 2_900_000.0
EXTENT = (X0, Y0, X0 + 1000, Y0 + 1000)  # 1000 × 1000 px images below: 1 m per pixel


def rgb(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    c = image.pixelColor(x, y)
    return c.red(), c.green(), c.blue()


def close(a, b, tol=12) -> bool:
    return all(abs(int(p) - int(q)) <= tol for p, q in zip(a[:3], b[:3]))


@pytest.fixture
def style():
    return load_style()


def render(project, style, extent=EXTENT, size=(1000, 1000), **kw):
    kw.setdefault("decorations", False)
    kw.setdefault("labels", False)
    return MapRenderer(project, style).render_image(*size, extent, **kw)


def test_polygon_pixels_and_blank_elsewhere(qapp, tiny, style):
    image = render(tiny, style)
    timber = parse_colour(style.layers["buildings"].classes["timber"].fill)
    background = parse_colour(style.theme.map_background)
    # building (X0+100..200, Y0+100..200) → columns 100..200, rows 800..900
    assert close(rgb(image, 150, 850), timber)
    assert close(rgb(image, 110, 890), timber)
    # well away from every feature: the map background
    for x, y in [(500, 250), (300, 700), (150, 700), (650, 900)]:
        assert close(rgb(image, x, y), background), (x, y)
    # the road (Y0+600 → row 400) and the hydrant (X0+800, Y0+800 → 800, 200)
    assert not close(rgb(image, 500, 400), background)
    hydrant = parse_colour(style.layers["hydrants"].classes["true"].fill)
    assert close(rgb(image, 800, 200), hydrant, tol=30)


def test_hidden_layer_is_not_drawn(qapp, tiny, style):
    image = render(tiny, style, layers=["roads", "hydrants"])
    assert close(rgb(image, 150, 850), parse_colour(style.theme.map_background))


def test_offscreen_features_are_skipped(qapp, style, make_tiny):
    tiny = make_tiny()
    xs, ys = np.meshgrid(np.arange(50) * 40.0, np.arange(50) * 40.0)
    boxes = shapely.box(X0 + xs.ravel(), Y0 + ys.ravel(), X0 + xs.ravel() + 10, Y0 + ys.ravel() + 10)
    tiny.set_layer("buildings", gpd.GeoDataFrame({"structure": ["steel"] * len(boxes)}, geometry=boxes,
                                                 crs=GK_CRS))
    renderer = MapRenderer(tiny, style)
    image = QImage(400, 400, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    try:
        # a 400 m view at the lower-left corner: 10 × 10 boxes, plus the row/column touching its edges
        stats = renderer.render(painter, QRectF(0, 0, 400, 400), (X0, Y0, X0 + 400, Y0 + 400),
                                decorations=False, labels=False)
    finally:
        painter.end()
    assert 100 <= stats.features["buildings"] <= 121
    assert stats.features["buildings"] < len(boxes) / 10
    # nothing at all in view
    image2 = QImage(100, 100, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image2)
    try:
        stats = renderer.render(painter, QRectF(0, 0, 100, 100), (X0 - 9000, Y0 - 9000, X0 - 8000, Y0 - 8000),
                                decorations=False, labels=False)
    finally:
        painter.end()
    assert all(n == 0 for n in stats.features.values())


def test_precision_at_large_coordinates(qapp, style, tiny):
    """A 20 cm square at GK easting 500 100 m lands on the right pixels at 1 mm per pixel."""
    square = shapely.box(X0 + 100.2, Y0 + 100.2, X0 + 100.4, Y0 + 100.4)
    tiny.set_layer("buildings", gpd.GeoDataFrame({"structure": ["timber"]}, geometry=[square], crs=GK_CRS))
    image = render(tiny, style, extent=(X0 + 100, Y0 + 100, X0 + 101, Y0 + 101), layers=["buildings"])
    timber = parse_colour(style.layers["buildings"].classes["timber"].fill)
    background = parse_colour(style.theme.map_background)
    # 1 px = 1 mm: the square spans columns 200..400 and rows 600..800
    assert close(rgb(image, 300, 700), timber)
    assert close(rgb(image, 205, 795), timber)
    assert close(rgb(image, 190, 700), background)
    assert close(rgb(image, 410, 700), background)
    assert close(rgb(image, 300, 590), background)
    assert close(rgb(image, 300, 810), background)


def test_tiny_polygons_become_dots(qapp, style, tiny):
    image = render(tiny, style, extent=(X0 - 49_000, Y0 - 49_000, X0 + 51_000, Y0 + 51_000), size=(500, 500),
                   layers=["buildings"])
    # 100 m building at 200 m/px: still visible as a dot near (X0+150, Y0+150) → (245.75, 254.25)
    values = [rgb(image, x, y) for x in range(243, 249) for y in range(251, 257)]
    background = parse_colour(style.theme.map_background)
    assert any(not close(v, background) for v in values)


def test_scale_bar_layout():
    bar = scale_bar_layout(1.0, 150)
    assert (bar.length_m, bar.length_px, bar.label) == (100, 100, "100 m")
    bar = scale_bar_layout(2.0, 150)  # 300 m fit → 200 m
    assert (bar.length_m, bar.length_px) == (200, 100)
    bar = scale_bar_layout(7.3, 150)  # 1095 m fit → 1 km
    assert bar.length_m == 1000 and bar.label == "1 km"
    assert bar.length_px == pytest.approx(1000 / 7.3)
    assert nice_number(0.7) == 0.5 and nice_number(5000) == 5000 and nice_number(9999) == 5000
    assert format_distance(2500) == "2.5 km" and format_distance(50) == "50 m"


def test_scale_bar_is_drawn_true_to_scale(qapp, tiny, style):
    """At 1 m/px the bar reads 100 m and is 100 px long on the image."""
    image = render(tiny, style, layers=[], decorations=True)
    text = parse_colour(style.theme.text)
    rows = []
    for y in range(900, 1000):  # the bar lies in the bottom-left corner, below its labels
        dark = [x for x in range(0, 300) if close(rgb(image, x, y), text, tol=40)]
        rows.append((len(dark), dark))
    count, dark = max(rows)  # the bar's middle row: its dark segments hold the most dark pixels
    assert count > 40
    assert abs((dark[-1] - dark[0]) - 100) <= 2


def test_label_placer_skips_overlaps(qapp):
    placer = LabelPlacer(QRectF(0, 0, 500, 500))
    font = QFont()
    font.setPixelSize(14)
    a = LabelCandidate("岩寨村", 100, 100, font, QColor("black"), priority=10)
    b = LabelCandidate("高坪村", 105, 102, font, QColor("black"), priority=50)
    c = LabelCandidate("平寨村", 300, 300, font, QColor("black"), priority=1)
    placed = [cand.text for cand, _rect, _origin in placer.place([a, b, c])]
    assert placed == ["高坪村", "平寨村"]  # the higher priority wins the overlap


def test_village_labels_are_drawn(qapp, tiny, style):
    renderer = MapRenderer(tiny, style)
    image = QImage(1000, 1000, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    try:
        stats = renderer.render(painter, QRectF(0, 0, 1000, 1000), EXTENT, decorations=False)
    finally:
        painter.end()
    assert stats.labels >= 1


def test_legend_lists_present_classes(qapp, tiny, style):
    renderer = MapRenderer(tiny, style)
    groups = {g.title: g for g in renderer.legend_groups(lang="zh_CN")}
    assert "建筑" in groups
    assert [text for _s, text in groups["建筑"].items] == ["木结构"]
    en = {g.title: g for g in renderer.legend_groups(lang="en")}
    assert [text for _s, text in en["Buildings"].items] == ["Timber"]
    image = render(tiny, style, legend=True, decorations=True)
    assert not image.isNull()


def test_dark_theme_background(qapp, tiny):
    style = load_style(theme="dark")
    image = render(tiny, style)
    assert close(rgb(image, 500, 250), parse_colour(style.theme.map_background))


def test_map_view_round_trip():
    view = MapView.fit((X0, Y0, X0 + 2000, Y0 + 1000), 1000, 1000)
    assert view.mpp == 2.0
    px = view.to_px(np.array([[X0, Y0 + 1000]]))  # top-left of the extent, centred vertically
    assert px[0, 0] == pytest.approx(0) and px[0, 1] == pytest.approx(250)
    assert view.px_to_world(*view.point_to_px(X0 + 123.4, Y0 + 567.8)) == pytest.approx((X0 + 123.4, Y0 + 567.8))
    zoomed = view.zoomed(2.0, 100, 100)
    assert zoomed.px_to_world(100, 100) == pytest.approx(view.px_to_world(100, 100))
    assert zoomed.mpp == 1.0
    assert view.scale_denominator(96) == pytest.approx(2.0 / (0.0254 / 96))


def test_render_uses_no_widgets():
    """DESIGN §3: render/ imports QtCore and QtGui only (checked in a fresh interpreter)."""
    code = ("import sys, json\nimport fireriskmap.render, fireriskmap.render.renderer, fireriskmap.fonts\n"
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "PyQt6.QtGui" in loaded
    assert "PyQt6.QtWidgets" not in loaded
    assert not any(m.startswith("pyqtgraph") for m in loaded)


def test_render_image_in_fresh_process_offscreen(tmp_path):
    """render_image makes its own offscreen QGuiApplication (CLI/export use)."""
    out = tmp_path / "map.png"
    code = (
        "import sys; sys.path.insert(0, 'tests')\n"
        "import os; os.environ.pop('DISPLAY', None)\n"
        "from conftest import tiny_project\n"
        "from fireriskmap.render import MapRenderer\n"
        f"img = MapRenderer(tiny_project()).render_image(320, 240, legend=True)\n"
        f"assert img.save({str(out)!r})\n"
    )
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 1000


def test_odd_geometries_do_not_break_the_render(qapp, style, tiny):
    """Empty, missing and multi-part geometries, and a kind the style does not know."""
    multi = shapely.MultiPolygon([shapely.box(X0 + 300, Y0 + 300, X0 + 350, Y0 + 350),
                                  shapely.box(X0 + 400, Y0 + 300, X0 + 450, Y0 + 350)])
    holed = shapely.box(X0 + 600, Y0 + 100, X0 + 900, Y0 + 400).difference(
        shapely.box(X0 + 700, Y0 + 200, X0 + 800, Y0 + 300))
    frame = gpd.GeoDataFrame({"structure": ["steel", None, "timber", "brick_concrete"]},
                             geometry=[multi, None, shapely.Polygon(), holed], crs=GK_CRS)
    tiny.set_layer("buildings", frame)
    image = render(tiny, style, layers=["buildings"])
    steel = parse_colour(style.layers["buildings"].classes["steel"].fill)
    brick = parse_colour(style.layers["buildings"].classes["brick_concrete"].fill)
    background = parse_colour(style.theme.map_background)
    assert close(rgb(image, 325, 675), steel) and close(rgb(image, 425, 675), steel)
    assert close(rgb(image, 650, 650), brick)
    assert close(rgb(image, 750, 750), background)  # the hole stays empty
    # an unknown layer kind is drawn with a neutral fallback style
    tiny.layers["my_survey"] = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(X0 + 50, Y0 + 950)],
                                                crs=GK_CRS)
    image = render(tiny, style, layers=["my_survey"])
    assert not close(rgb(image, 50, 50), background)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_township_renders_with_legend_and_labels(qapp, style, town, lang):
    renderer = MapRenderer(town, style)
    image = QImage(1200, 800, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    try:
        stats = renderer.render(painter, QRectF(0, 0, 1200, 800), None, lang=lang, legend=True)
    finally:
        painter.end()
    assert not stats.cancelled
    assert stats.features["buildings"] == len(town.layers["buildings"])
    assert stats.labels >= 5  # the six village names, minus any the legend covers
    groups = renderer.legend_groups(lang=lang)
    assert len(groups) == len(town.layers)


def test_should_stop_cancels_between_layers(qapp, style, town):
    renderer = MapRenderer(town, style)
    image = QImage(200, 200, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    try:
        stats = renderer.render(painter, QRectF(0, 0, 200, 200), None, should_stop=lambda: True)
    finally:
        painter.end()
    assert stats.cancelled and not stats.features
