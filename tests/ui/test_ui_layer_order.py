"""Layer panel: drawing order, per-layer opacity and style choice, kept in the project settings."""

from __future__ import annotations

import pytest
from PyQt6.QtGui import QColor

from fireriskmap.i18n import tr
from fireriskmap.render import MapRenderer
from fireriskmap.ui.canvas import MapCanvas
from fireriskmap.ui.layer_panel import (SETTING_OPACITY, SETTING_ORDER, SETTING_STYLE, LayerPanel,
                                        apply_layer_settings)

X0, Y0 = 500_000.0, 2_900_000.0
EXTENT = (X0, Y0, X0 + 1000, Y0 + 1000)
SIZE = 200  # 5 m per pixel
BUILDING_PX = (30, 170)  # the centre of the tiny project's building (X0+150, Y0+150)
VILLAGE_PX = (80, 140)  # village only (X0+400, Y0+300)
CROSSING_PX = (30, 178)  # where the road (moved to Y0+110) crosses the building
ROAD_PX = (100, 178)  # road over the village only


def _project(make_tiny):
    """The tiny project with its road moved to run through the building (below it by default)."""
    from shapely.geometry import LineString

    project = make_tiny()
    project.layers["roads"] = project.layers["roads"].set_geometry(
        [LineString([(X0, Y0 + 110), (X0 + 1000, Y0 + 110)])], crs=project.crs)
    return project


def _pixel(renderer: MapRenderer, xy) -> QColor:
    image = renderer.render_image(SIZE, SIZE, EXTENT, labels=False, decorations=False)
    return image.pixelColor(*xy)


def _rgb(colour: QColor) -> tuple[int, int, int]:
    return colour.red(), colour.green(), colour.blue()


def _close(a, b, tol=6) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(_rgb(a), _rgb(b)))


@pytest.fixture
def panel(qtbot, make_tiny):
    widget = LayerPanel()
    qtbot.addWidget(widget)
    widget.resize(320, 420)
    renderer = MapRenderer(_project(make_tiny))
    widget.populate(renderer, {}, "zh_CN")
    return widget


def test_moving_a_layer_changes_the_drawing_order(panel, qtbot):
    renderer = panel._renderer
    assert panel.kinds().index("buildings") < panel.kinds().index("roads")  # buildings on top
    before = _pixel(renderer, CROSSING_PX)
    road = _pixel(renderer, ROAD_PX)
    assert not _close(before, road)  # the building covers the road

    with qtbot.waitSignal(panel.appearance_changed, timeout=2000):
        panel.move_layer_to("roads", 0)
    assert panel.kinds()[0] == "roads"
    assert renderer.layer_kinds()[-1] == "roads"  # drawn last, on top
    assert renderer.project.settings[SETTING_ORDER][-1] == "roads"
    after = _pixel(renderer, CROSSING_PX)
    assert _close(after, road)  # now the road wins where they overlap

    # one step down again and back to the default order
    panel.move_layer("roads", -1)
    assert panel.kinds()[1] == "roads"
    panel.reset_order()
    assert renderer.layer_order is None
    assert _close(_pixel(renderer, CROSSING_PX), before)


def test_move_up_down_by_steps(panel):
    kinds = panel.kinds()
    last = kinds[-1]
    panel.move_layer(last, 1)
    assert panel.kinds()[-2] == last
    panel.move_layer(last, -5)  # clamped at the bottom
    assert panel.kinds()[-1] == last
    assert panel.kinds() == kinds


def test_canvas_draws_in_the_chosen_order(qtbot, panel):
    canvas = MapCanvas(panel._renderer)
    qtbot.addWidget(canvas)
    panel.appearance_changed.connect(canvas.layers_changed)
    try:
        panel.move_layer_to("roads", 0)
        assert canvas.visible_layers()[-1] == "roads"
    finally:
        canvas.shutdown()


def test_opacity_hides_and_blends(panel):
    renderer = panel._renderer
    full = _pixel(renderer, BUILDING_PX)
    village = _pixel(renderer, VILLAGE_PX)
    panel.set_opacity("buildings", 0)
    assert renderer.project.settings[SETTING_OPACITY] == {"buildings": 0}
    assert _close(_pixel(renderer, BUILDING_PX), village)  # the building is gone
    panel.set_opacity("buildings", 50)
    half = _pixel(renderer, BUILDING_PX)
    for f, v, h in zip(_rgb(full), _rgb(village), _rgb(half)):
        assert h == pytest.approx((f + v) / 2, abs=8)
    assert "50 %" in panel.item_for("buildings").text(0)
    panel.set_opacity("buildings", 100)
    assert "buildings" not in renderer.project.settings[SETTING_OPACITY]
    assert _close(_pixel(renderer, BUILDING_PX), full)


def test_style_choice_changes_colours(qtbot, make_tiny):
    project = make_tiny()
    project.layers["buildings"]["chimney_candidate"] = [True]
    widget = LayerPanel()
    qtbot.addWidget(widget)
    renderer = MapRenderer(project)
    widget.populate(renderer, {}, "zh_CN")
    before = _pixel(renderer, BUILDING_PX)
    names = [f.name for f in widget._style_fields("buildings")]
    assert "chimney_candidate" in names and "structure" not in names
    widget.set_style_field("buildings", "chimney_candidate")
    assert project.settings[SETTING_STYLE] == {"buildings": "chimney_candidate"}
    after = _pixel(renderer, BUILDING_PX)
    assert not _close(after, before)
    assert _close(after, QColor("#e53935"), tol=12)
    legend = [text for _symbol, text in renderer.class_rows("buildings", lang="zh_CN")]
    assert legend == ["是"]
    # the menu offers the choice, with the current one checked
    menu = widget.build_menu("buildings")
    style_menu = next(a.menu() for a in menu.actions() if a.menu() is not None)
    checked = [a.text() for a in style_menu.actions() if a.isChecked()]
    assert len(checked) == 1 and checked[0] != tr("ui_layers.style_default")
    widget.set_style_field("buildings", "")
    assert _close(_pixel(renderer, BUILDING_PX), before)


def test_settings_survive_save_and_open(qtbot, tmp_path, make_tiny):
    from fireriskmap.core.project import Project

    project = make_tiny()
    project.layers["buildings"]["water_covered"] = [False]
    widget = LayerPanel()
    qtbot.addWidget(widget)
    widget.populate(MapRenderer(project), {}, "zh_CN")
    widget.move_layer_to("villages", 0)
    widget.set_opacity("roads", 40)
    widget.set_style_field("buildings", "water_covered")
    path = tmp_path / "t.gpkg"
    project.save(path)

    reopened = Project.open(path)
    for key in (SETTING_ORDER, SETTING_OPACITY, SETTING_STYLE):
        assert reopened.settings[key] == project.settings[key]
    renderer = MapRenderer(reopened)
    other = LayerPanel()
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.appearance_changed, timeout=2000):
        other.populate(renderer, {}, "zh_CN")
    assert other.kinds()[0] == "villages"
    assert other.opacity("roads") == 40
    assert other.style_field("buildings") == "water_covered"
    assert renderer.layer_opacity == {"roads": pytest.approx(0.4)}
    assert renderer.style_overrides["buildings"].field == "water_covered"


def test_bad_settings_are_ignored(tiny):
    tiny.settings[SETTING_ORDER] = "nonsense"
    tiny.settings[SETTING_OPACITY] = {"roads": "x", "buildings": 250}
    tiny.settings[SETTING_STYLE] = {"buildings": "no_such_field", "roads": 3}
    renderer = MapRenderer(tiny)
    apply_layer_settings(renderer)
    assert renderer.layer_order is None
    assert renderer.layer_opacity == {"buildings": 1.0}
    assert renderer.style_overrides == {}
    renderer.render_image(50, 50, EXTENT)


def test_layer_dock_grab(panel, qtbot):
    """Offscreen screenshot of the dock with an opacity and a menu (for a look at the labels)."""
    panel.set_opacity("roads", 60)
    panel.show()
    qtbot.waitExposed(panel)
    panel.grab().save("/tmp/layer_dock.png")
    menu = panel.build_menu("buildings")
    menu.popup(panel.mapToGlobal(panel.rect().center()))
    qtbot.waitExposed(menu)
    menu.grab().save("/tmp/layer_dock_menu.png")
    menu.close()
