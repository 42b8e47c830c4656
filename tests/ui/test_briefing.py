"""The big-screen briefing (数据大屏): layout at 1080p, 4K and the 5760×2160 wall, the guided tour from
the keyboard, map toggles, snapshot changes, PNG export (in process and through the CLI)."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PyQt6.QtCore import QRect, QRectF, Qt
from PyQt6.QtGui import QFontMetricsF, QImage
from PyQt6.QtWidgets import QAbstractButton, QLabel, QWidget

SIZES = [(1920, 1080), (3840, 2160), (5760, 2160)]


@pytest.fixture
def project(fresh_town):
    return fresh_town


def _window(qtbot, project, size, **kwargs):
    from fireriskmap.ui.briefing.window import BriefingWindow

    w = BriefingWindow(project, animate=False, **kwargs)
    w.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitUntil(lambda: w.width() == size[0] and w.height() == size[1], timeout=3000)
    return w


def _visible_children(widget: QWidget) -> list[QWidget]:
    return [c for c in widget.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
            if c.isVisibleTo(widget) and not c.isWindow()]


def _layout_problems(window: QWidget) -> list[str]:
    """Siblings that overlap, children outside their parent, texts that do not fit their box."""
    problems = []
    for parent in [window] + [w for w in window.findChildren(QWidget) if w.isVisibleTo(window)]:
        kids = _visible_children(parent)
        for k in kids:
            g = k.geometry()
            if not parent.rect().contains(g) or g.width() <= 0 or g.height() <= 0:
                problems.append(f"{type(k).__name__} {g} leaves {type(parent).__name__} {parent.rect()}")
        for a, b in itertools.combinations(kids, 2):
            if a.geometry().intersects(b.geometry()):
                problems.append(f"{type(a).__name__} {a.geometry()} overlaps {type(b).__name__} {b.geometry()}"
                                f" in {type(parent).__name__}")
    for w in window.findChildren(QWidget):
        if not w.isVisibleTo(window):
            continue
        if isinstance(w, QLabel) and w.text():
            box = QRectF(w.contentsRect())
            text, wrap = w.text(), w.wordWrap()
        elif isinstance(w, QAbstractButton) and w.text():
            box = QRectF(w.text_box()) if hasattr(w, "text_box") else QRectF(w.contentsRect())
            text, wrap = w.text(), False
        else:
            continue
        fm = QFontMetricsF(w.font())
        flags = int(Qt.AlignmentFlag.AlignLeft.value) | int(Qt.AlignmentFlag.AlignTop.value)
        if wrap:
            need = fm.boundingRect(QRectF(0, 0, box.width(), 1e6), flags | int(Qt.TextFlag.TextWordWrap.value), text)
        else:
            need = fm.boundingRect(QRectF(0, 0, 1e6, 1e6), flags, text)
        if need.width() > box.width() + 0.5 or need.height() > box.height() + 0.5:
            problems.append(f"text {text!r} needs {need.width():.0f}×{need.height():.0f}, box "
                            f"{box.width():.0f}×{box.height():.0f} ({w.font().pixelSize()} px)")
        if w.font().pixelSize() < 8:
            problems.append(f"text {text!r} at {w.font().pixelSize()} px")
    return problems


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_layout_fits_at_each_size(qtbot, project, size):
    w = _window(qtbot, project, size)
    assert w.layout_info.wide == (size[0] / size[1] > 2.2)
    assert not _layout_problems(w), _layout_problems(w)[:8]
    # type grows with the screen: readable from the back of the room
    assert w.banner.title.font().pixelSize() >= 30 * size[1] / 1080
    assert w.kpi_cards[0].value.font().pixelSize() >= 36 * size[1] / 1080
    # the map takes a large part of the screen
    m = w.map_card.geometry()
    assert m.width() * m.height() > 0.18 * size[0] * size[1]
    w.go_to(0)  # the tour card replaces the list (16:9) or the charts (wide)
    assert w.area_card.isVisible()
    assert w.priority_list.isVisible() == w.layout_info.wide
    assert not _layout_problems(w), _layout_problems(w)[:8]
    w.close()


def test_wall_uses_the_width(qtbot, project):
    w = _window(qtbot, project, (5760, 2160))
    lay = w.layout_info
    assert lay.wide
    # four columns side by side: KPIs, map, list, charts
    xs = sorted(r.left() for k, r in lay.rects.items() if k in ("kpis", "map", "list", "chart_levels"))
    assert len(xs) == 4 and len(set(xs)) == 4
    assert w.kpi_cards[0].width() < 0.2 * 5760  # cards keep their proportions, not stretched
    w.close()


def test_tour_with_the_keyboard(qtbot, project):
    from fireriskmap.export.data import priority_rows

    w = _window(qtbot, project, (1920, 1080))
    steps = w.steps
    assert len(steps) == len(project.layers["risk_areas"]) == 6
    expected = [r.name for r in priority_rows(project)][:len(steps)]
    assert [s.name for s in steps] == expected
    assert [s.rank for s in steps] == sorted(s.rank for s in steps)
    seen = []
    for _ in steps:
        qtbot.keyClick(w, Qt.Key.Key_Right)
        seen.append(w.area_card.name.text())
        assert w.canvas.view is not None
        x0, y0, x1, y1 = w.canvas.view.extent  # the map shows the area
        e = steps[w.index].extent
        assert x0 <= e[0] + 1 and x1 >= e[2] - 1 and y0 <= e[1] + 1 and y1 >= e[3] - 1
    assert seen == expected
    qtbot.keyClick(w, Qt.Key.Key_Right)  # past the last: stays
    assert w.index == len(steps) - 1
    qtbot.keyClick(w, Qt.Key.Key_PageUp)
    assert w.index == len(steps) - 2 and w.area_card.name.text() == expected[-2]
    qtbot.keyClick(w, Qt.Key.Key_PageDown)
    assert w.index == len(steps) - 1
    for _ in steps:
        qtbot.keyClick(w, Qt.Key.Key_Left)
    assert w.index == -1 and not w.area_card.isVisible() and w.priority_list.isVisible()
    qtbot.keyClick(w, Qt.Key.Key_PageDown)
    qtbot.keyClick(w, Qt.Key.Key_PageDown)
    assert w.index == 1 and w.priority_list.current == 1
    assert w.banner.mode.text() == "重点区域讲解 2/6"
    qtbot.keyClick(w, Qt.Key.Key_Home)
    assert w.index == -1 and w.banner.mode.text() == "态势总览"
    full = w.canvas.renderer.full_extent()
    x0, y0, x1, y1 = w.canvas.view.extent
    assert x0 <= full[0] and x1 >= full[2]
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert not w.isVisible()


def test_fly_to_animates_between_views(qtbot, project, monkeypatch):
    from fireriskmap.ui.briefing import window as bw

    monkeypatch.setattr(bw, "FLY_MS", 200)
    w = _window(qtbot, project, (1920, 1080))
    w.animate = True
    start = w.canvas.view
    w.next_step()
    assert w.last_step_ms < 500  # the card changes at once; the map follows
    qtbot.waitUntil(lambda: w._anim.state() != w._anim.State.Running, timeout=3000)
    end = w.canvas.view
    assert end.mpp < start.mpp  # zoomed in on the area


def test_toggles_by_key_and_button(qtbot, project):
    w = _window(qtbot, project, (1920, 1080))
    assert w.layer_visible("risk_areas") and w.layer_visible("clusters") is True or "clusters" not in project.layers
    assert not w.layer_visible("key_places")  # not part of the briefing map
    qtbot.keyClick(w, Qt.Key.Key_1)
    assert not w.layer_visible("risk_areas") and not w.toggles["risk"].isChecked()
    qtbot.keyClick(w, Qt.Key.Key_1)
    assert w.layer_visible("risk_areas")
    qtbot.keyClick(w, Qt.Key.Key_4)
    assert not w.layer_visible("fire_stations")
    w.toggles["stations"].click()
    assert w.layer_visible("fire_stations")
    qtbot.keyClick(w, Qt.Key.Key_3)
    assert not w.layer_visible("hydrants") and not w.layer_visible("water_sources")


def test_kpi_changes_against_a_snapshot(qtbot, project):
    w = _window(qtbot, project, (1920, 1080))
    card = w.kpi_cards[4]  # open major hazards
    assert card.kpi.key == "major_hazards_open" and card.value.text() == "3"
    assert not card.delta.isVisible()
    assert w.banner.sub.text() == "尚无快照，按 S 保存"
    saved = []
    w.save_callback = lambda: saved.append(True)
    qtbot.keyClick(w, Qt.Key.Key_S)
    assert saved and project.settings["briefing.snapshots"]
    assert card.delta.text() == "与快照持平"
    h = project.layers["hazards"].copy()
    h.loc[h["severity"] == "major", "status"] = ["closed", "void", "open"]
    project.set_layer("hazards", h)
    w.reload()
    assert card.value.text() == "1"
    assert card.delta.text() == "较快照 ▼ 2" and card.delta.isVisible()
    assert card.kpi.trend == 1  # fewer open major hazards: good (green)
    assert "快照" in w.banner.sub.text()
    assert not _layout_problems(w)


def test_photo_on_the_area_card(qtbot, project, tmp_path):
    from PyQt6.QtGui import QColor

    project.path = tmp_path / "town.gpkg"
    photos = tmp_path / "town.files" / "photos"
    photos.mkdir(parents=True)
    from fireriskmap.export.data import priority_rows

    first = priority_rows(project)[0].name
    img = QImage(320, 200, QImage.Format.Format_RGB32)
    img.fill(QColor("#996633"))
    img.save(str(photos / f"{first}.jpg"))
    w = _window(qtbot, project, (3840, 2160))
    qtbot.keyClick(w, Qt.Key.Key_Right)
    assert w.area_card.photo.isVisible() and not w.area_card.photo.pixmap().isNull()
    assert not _layout_problems(w), _layout_problems(w)[:5]


def test_english_fits(qtbot, project):
    from fireriskmap.i18n import set_language

    set_language("en")
    w = _window(qtbot, project, (1920, 1080))
    assert w.banner.mode.text() == "Overview"
    assert not _layout_problems(w), _layout_problems(w)[:8]
    w.go_to(2)
    assert w.area_card.reasons_head.text() == "Main reasons"
    assert not _layout_problems(w), _layout_problems(w)[:8]


def _not_blank(image: QImage) -> bool:
    small = image.scaled(64, 36)
    colours = {small.pixel(x, y) for x in range(64) for y in range(36)}
    return len(colours) > 40


@pytest.mark.parametrize("size,step", [((1920, 1080), 0), ((5760, 2160), 2)], ids=["1080p-overview", "wall-step2"])
def test_png_export(project, tmp_path, size, step):
    from fireriskmap.ui.briefing import render_briefing_png

    out = tmp_path / "brief.png"
    info = render_briefing_png(project, out, size=size, step=step)
    image = QImage(str(out))
    assert (image.width(), image.height()) == size
    assert _not_blank(image)
    assert info["step"] == step and info["seconds"] < 30
    # the map has been drawn (not the empty canvas colour only)
    if step:
        assert info["area"]


def test_png_export_rejects_a_missing_step(project, tmp_path):
    from fireriskmap.errors import BriefingError
    from fireriskmap.ui.briefing import render_briefing_png

    with pytest.raises(BriefingError):
        render_briefing_png(project, tmp_path / "x.png", size=(1280, 720), step=99)


def test_cli_brief_png_and_snapshot(tmp_path, make_tiny):
    import geopandas as gpd
    from shapely.geometry import box

    from fireriskmap.core.project import Project
    from tests.conftest import GK_CRS, X0, Y0

    p = make_tiny()
    p.set_layer("risk_areas", gpd.GeoDataFrame(
        {"unit_id": ["A1"], "name": ["岩寨村"], "level": ["red"], "score": [81.0], "rank": [1],
         "reasons_zh": ["100% 建筑为木结构或四级耐火"]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=GK_CRS))
    path = tmp_path / "small.gpkg"
    p.save(path)
    out = tmp_path / "wall.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run = subprocess.run([sys.executable, "-m", "fireriskmap", "brief", str(path), "--size", "1600x900", "--png",
                          str(out), "--step", "1", "--snapshot"], capture_output=True, text=True, timeout=120,
                         env=env, cwd=str(Path(__file__).parents[2]))
    assert run.returncode == 0, run.stderr
    assert "已保存" in run.stdout
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1600, 900) and _not_blank(image)
    assert Project.open(path).settings["briefing.snapshots"][0]["values"]["level.red"] == 1
    bad = subprocess.run([sys.executable, "-m", "fireriskmap", "brief", str(path), "--png", str(out), "--step", "5"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert bad.returncode == 2 and "没有第 5 站" in bad.stderr


def test_view_menu_opens_the_briefing(qtbot, project, settings):
    from fireriskmap.ui.briefing.window import BriefingWindow
    from fireriskmap.ui.main_window import MainWindow

    main = MainWindow(project, settings=settings)
    qtbot.addWidget(main)
    assert main.act_briefing.shortcut().toString() == "F5"
    assert main.act_briefing in main.menu_view.actions()
    assert main.act_briefing.text() == "数据大屏(&B)"
    window = main.open_briefing()
    assert isinstance(window, BriefingWindow) and window.isVisible() and window.project is project
    window.close()
    main.close()


def test_click_on_a_listed_area_and_follow_the_project(qtbot, project):
    w = _window(qtbot, project, (1920, 1080))
    frame = w.priority_list.rows[2][0]
    qtbot.mouseClick(w.priority_list, Qt.MouseButton.LeftButton, pos=frame.geometry().center())
    assert w.index == 2 and w.area_card.name.text() == w.steps[2].name
    # the workspace re-runs the risk assessment: the briefing follows
    risk = project.layers["risk_areas"].copy()
    risk["score"] = [99.0 if n == w.steps[-1].name else s for n, s in zip(risk["name"], risk["score"])]
    risk["level"] = ["major" if n == w.steps[-1].name else lv for n, lv in zip(risk["name"], risk["level"])]
    last = w.steps[-1].name
    project.set_layer("risk_areas", risk)
    qtbot.waitUntil(lambda: w.steps[0].name == last, timeout=3000)
    assert w.index == 2 and w.area_card.name.text() == w.steps[2].name


def test_choose_screen(monkeypatch):
    from PyQt6.QtGui import QGuiApplication

    from fireriskmap.errors import BriefingError
    from fireriskmap.ui.briefing import choose_screen

    a, b, c = object(), object(), object()
    monkeypatch.setattr(QGuiApplication, "screens", staticmethod(lambda: [a, b, c]))
    assert choose_screen() is c  # the last screen: the planner keeps the workspace on the first
    assert choose_screen(1) is a and choose_screen(2) is b
    assert choose_screen(avoid=c) is b  # from the app: not the workspace's screen
    with pytest.raises(BriefingError):
        choose_screen(4)
    monkeypatch.setattr(QGuiApplication, "screens", staticmethod(lambda: [a]))
    assert choose_screen(avoid=a) is a  # one screen: full screen over the workspace
