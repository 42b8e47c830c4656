"""The main window opens offscreen, lists layers, toggles them, zooms, pans and switches language."""

from __future__ import annotations

import geopandas as gpd
import pytest
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtGui import QWheelEvent
from PyQt6.QtWidgets import QApplication, QMessageBox

from fireriskmap.i18n import set_language
from fireriskmap.render.style import parse_colour
from fireriskmap.ui.main_window import MainWindow

GK_CRS = "EPSG:4545"  # as tests/conftest.py
X0, Y0 = 500_000.0, 2_900_000.0


@pytest.fixture
def window(qtbot, settings, tiny):
    win = MainWindow(tiny, settings=settings)
    qtbot.addWidget(win)
    win.resize(1000, 700)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.canvas._image is not None and not win.canvas.is_rendering(), timeout=10000)
    yield win
    win.canvas.shutdown()


def wheel(widget, pos: QPointF, steps: int) -> None:
    event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(widget, event)


def test_window_lists_layers_with_chinese_labels(window):
    panel = window.layer_panel
    assert set(panel.kinds()) == {"villages", "buildings", "roads", "hydrants"}
    assert panel.kinds()[0] == "hydrants"  # top-most layer first
    texts = [panel.item_for(k).text(0) for k in panel.kinds()]
    assert any(t.startswith("建筑") for t in texts)
    assert any(t.startswith("消火栓") for t in texts)
    assert "乡镇火灾风险地图" in window.windowTitle()
    assert window.layer_dock.windowTitle() == "图层"


def test_toggle_layer_hides_it_on_the_map(window, qtbot):
    canvas = window.canvas
    view = canvas.view
    px, py = view.point_to_px(X0 + 150, Y0 + 150)  # inside the timber building
    timber = parse_colour(window.style.layers["buildings"].classes["timber"].fill)

    def colour_at():
        image = canvas._image
        c = image.pixelColor(round(px * image.devicePixelRatio()), round(py * image.devicePixelRatio()))
        return c.red(), c.green(), c.blue()

    assert max(abs(a - b) for a, b in zip(colour_at(), timber)) < 20
    with qtbot.waitSignal(canvas.rendered, timeout=10000):
        window.layer_panel.set_checked("buildings", False)
    assert not canvas.is_layer_visible("buildings")
    assert "buildings" not in canvas.visible_layers()
    assert max(abs(a - b) for a, b in zip(colour_at(), timber)) > 40
    with qtbot.waitSignal(canvas.rendered, timeout=10000):
        window.layer_panel.set_checked("buildings", True)
    assert canvas.is_layer_visible("buildings")


def test_wheel_zooms_about_the_cursor(window, qtbot):
    canvas = window.canvas
    before = canvas.view
    pos = QPointF(200, 150)
    world = before.px_to_world(pos.x(), pos.y())
    wheel(canvas, pos, 2)
    after = canvas.view
    assert after.mpp == pytest.approx(before.mpp / 2)
    assert after.px_to_world(pos.x(), pos.y()) == pytest.approx(world)
    with qtbot.waitSignal(canvas.rendered, timeout=10000):
        pass
    assert canvas._image_view.mpp == pytest.approx(after.mpp)
    wheel(canvas, pos, -1)
    assert canvas.view.mpp == pytest.approx(before.mpp / 2 ** 0.5)


def test_drag_pans_the_map(window, qtbot):
    canvas = window.canvas
    before = canvas.view
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(300, 300))
    qtbot.mouseMove(canvas, QPoint(350, 320))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(350, 320))
    after = canvas.view
    assert after.cx == pytest.approx(before.cx - 50 * before.mpp)
    assert after.cy == pytest.approx(before.cy + 20 * before.mpp)


def test_cursor_shows_projected_and_lonlat(window, qtbot):
    canvas = window.canvas
    x, y = canvas.view.point_to_px(X0 + 500, Y0 + 500)
    qtbot.mouseMove(canvas, QPoint(round(x), round(y)))
    assert "X 500," in window.coord_label.text()
    text = window.lonlat_label.text()
    assert "经度 10" in text and "纬度 26." in text  # EPSG:4545 is CM 108°E; Y0 ≈ 26.2°N


def test_language_switch_retranslates_and_persists(window, settings):
    window.set_language("en")
    assert "Township Fire Risk Map" in window.windowTitle()
    assert window.menu_file.title() == "&File"
    assert window.layer_dock.windowTitle() == "Layers"
    assert window.layer_panel.item_for("buildings").text(0).startswith("Buildings")
    assert settings.value("language") == "en"
    assert window.act_lang["en"].isChecked()
    window.set_language("zh_CN")
    assert "乡镇火灾风险地图" in window.windowTitle()
    assert window.menu_file.title() == "文件(&F)"


def test_zoom_full_and_theme(window, qtbot):
    canvas = window.canvas
    wheel(canvas, QPointF(100, 100), 3)
    window.act_zoom_full.trigger()
    extent = canvas.view.extent
    assert extent[0] <= X0 and extent[2] >= X0 + 1000
    window.set_theme("dark")
    assert window.style.theme_name == "dark"
    with qtbot.waitSignal(canvas.rendered, timeout=10000):
        pass
    c = canvas._image.pixelColor(5, 5)
    assert (c.red(), c.green(), c.blue()) == parse_colour(window.style.theme.map_background)[:3]
    window.set_theme("light")


def test_layer_added_to_project_appears(window, qtbot):
    import shapely

    window.project.set_layer("water_sources", gpd.GeoDataFrame(
        {"name": ["水池"], "source_type": ["fire_pool"]}, geometry=[shapely.Point(X0 + 300, Y0 + 300)],
        crs=GK_CRS))
    assert "water_sources" in window.layer_panel.kinds()
    with qtbot.waitSignal(window.canvas.rendered, timeout=10000):
        pass


def test_open_bad_project_shows_message(window, monkeypatch, tmp_path):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args, **kw: shown.append(args))
    bad = tmp_path / "broken.gpkg"
    bad.write_bytes(b"not a geopackage")
    project = window.project
    assert window.open_project_file(bad) is False
    assert shown and "无法打开项目" == shown[0][1] and "broken.gpkg" in shown[0][2]
    assert window.project is project


def test_open_saved_project(window, tmp_path, qtbot, make_tiny):
    pytest.importorskip("fireriskmap.storage.gpkg")
    path = tmp_path / "tiny.gpkg"
    make_tiny().save(path)
    assert window.open_project_file(path)
    assert window.project.path == path
    assert set(window.layer_panel.kinds()) == {"villages", "buildings", "roads", "hydrants"}
    with qtbot.waitSignal(window.canvas.rendered, timeout=10000):
        pass


def test_empty_window_without_project(qtbot, settings):
    win = MainWindow(None, settings=settings)
    qtbot.addWidget(win)
    win.show()
    assert win.windowTitle() == "乡镇火灾风险地图"
    assert win.layer_panel.kinds() == []
    win.grab()  # paints the hint without a renderer
    win.canvas.shutdown()


def test_build_main_window_reports_missing_project(qtbot, settings, tmp_path):
    from fireriskmap.ui.app import build_main_window

    win, error = build_main_window(tmp_path / "missing.gpkg", lang="en", settings=settings)
    qtbot.addWidget(win)
    assert isinstance(error, FileNotFoundError)
    assert win.project is None
    assert win.windowTitle() == "Township Fire Risk Map"
    win.canvas.shutdown()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_whole_toolbar_fits_a_1366_laptop(qtbot, settings, tiny, lang):
    from fireriskmap.i18n import set_language

    set_language(lang)
    try:
        win = MainWindow(tiny, settings=settings)
        qtbot.addWidget(win)
        win.resize(1366, 768)
        win.show()
        qtbot.waitExposed(win)
        hidden = [act.iconText() for act in win.toolbar.actions()
                  if not act.isSeparator() and not win.toolbar.widgetForAction(act).isVisible()]
        assert not hidden, f"cut off at 1366 px in {lang}: {hidden}"
        assert win.act_zoom_full.text() != win.act_zoom_full.iconText() or lang == "zh_CN"  # the menu keeps the long words
        win.canvas.shutdown()
    finally:
        set_language("zh_CN")
