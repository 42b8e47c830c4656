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
