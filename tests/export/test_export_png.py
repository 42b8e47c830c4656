"""PNG snapshots: size and dpi as asked, the map drawn, bad sizes refused."""

from __future__ import annotations

import pytest
from PyQt6.QtGui import QImage

from fireriskmap.core.project import Project
from fireriskmap.export import data as D
from fireriskmap.export.png import export_png, render_png


@pytest.fixture(autouse=True)
def _qt(qapp):
    """pytest-qt's QApplication first (the widget tests of the session need a QApplication)."""


def fresh(project) -> Project:
    out = Project.new(project.crs, name=project.name)
    for kind, gdf in project.layers.items():
        out.layers[kind] = gdf.copy()
    return out


def test_png_size_dpi_and_content(town, tmp_path):
    out = tmp_path / "slide.png"
    result = export_png(fresh(town), out, size=(960, 540), dpi=120)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (960, 540) == tuple(result.extra["size"])
    assert round(image.dotsPerMeterX() * 0.0254) == 120
    colours = {image.pixel(x, y) for x in range(0, 960, 37) for y in range(0, 540, 29)}
    assert len(colours) > 20  # a map, not a blank image


def test_png_village_extent_and_no_title(town, qapp):
    name = town.layers["villages"]["name"].iloc[0]
    image = render_png(fresh(town), (400, 300), dpi=96, extent=f"village:{name}", title=False, legend=False)
    assert (image.width(), image.height()) == (400, 300)


@pytest.mark.parametrize("size,dpi", [((0, 100), 96), ((20000, 100), 96), ((400, 300), 5)])
def test_bad_size_or_dpi(town, tmp_path, size, dpi):
    with pytest.raises(D.ExportError):
        export_png(fresh(town), tmp_path / "x.png", size=size, dpi=dpi)
    assert not (tmp_path / "x.png").exists()


def test_png_follows_the_layer_dock_settings(town):
    """Opacity, order and "colour by" set in the layer dock reach the exported picture."""
    plain = fresh(town)
    base = render_png(plain, (300, 220), dpi=96, title=False, legend=False, layers=["villages", "buildings"])
    hidden = fresh(town)
    hidden.settings["ui.layer_opacity"] = {"buildings": 0}
    no_buildings = render_png(hidden, (300, 220), dpi=96, title=False, legend=False, layers=["villages", "buildings"])
    only_villages = render_png(fresh(town), (300, 220), dpi=96, title=False, legend=False, layers=["villages"])
    assert no_buildings == only_villages and no_buildings != base
    styled = fresh(town)
    styled.settings["ui.layer_style"] = {"buildings": "structure"}
    assert render_png(styled, (300, 220), dpi=96, title=False, legend=False, layers=["villages", "buildings"]) != base


def test_exported_files_are_ordinary_files(town, tmp_path):
    """Written via a temporary file, but not left with mkstemp's owner-only permissions."""
    out = tmp_path / "slide.png"
    export_png(fresh(town), out, size=(200, 150), dpi=96)
    assert out.stat().st_mode & 0o777 == D.file_mode()
    assert out.stat().st_mode & 0o777 != 0o600 or D.file_mode() == 0o600
