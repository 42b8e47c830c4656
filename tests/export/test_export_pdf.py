"""The PDF report and the atlas: pages, paper, embedded fonts, vector maps, the tables, pixels.

Checked with poppler-utils (``pdfinfo``, ``pdffonts``, ``pdfimages``, ``pdftotext``, ``pdftoppm``;
installed by ``scripts/setup.sh``); the checks that need them skip with a message when absent.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from fireriskmap.core.project import Project
from fireriskmap.errors import Cancelled
from fireriskmap.export import data as D
from fireriskmap.export.pdf import PRINT_DPI, export_atlas, export_pdf, format_scale, nice_scale

GK = "EPSG:4545"
X0, Y0 = 500_000.0, 2_900_000.0
DAY = dt.date(2027, 1, 20)
POPPLER = shutil.which("pdfinfo") and shutil.which("pdffonts") and shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed (apt-get install poppler-utils)")
PERSONAL = ("张三丰", "13800001111", "李四光", "13911112222", "王五六")


def fresh(project) -> Project:
    out = Project.new(project.crs, name=project.name)
    for kind, gdf in project.layers.items():
        out.layers[kind] = gdf.copy()
    return out


def add_risk(project) -> Project:
    v = project.layers["villages"]
    n = len(v)
    levels = ["red", "orange", "yellow", "blue", "unknown", "orange"][:n]
    zh = {"red": "重大风险", "orange": "较大风险", "yellow": "一般风险", "blue": "低风险", "unknown": "数据不足"}
    project.set_layer("risk_areas", gpd.GeoDataFrame({
        "unit_id": [f"V{i + 1:02d}" for i in range(n)], "name": v["name"].tolist(), "unit_type": ["village"] * n,
        "score": [92.5, 61.0, 30.2, 8.4, np.nan, 48.0][:n], "level": levels, "rank": [1, 2, 4, 5, 0, 3][:n],
        "reasons_zh": ["木结构占比高", "烟囱楼多", "钢结构", "", "", "响应慢"][:n],
        "reasons_en": ["timber", "chimney", "steel", "", "", "slow"][:n],
        "completeness": [0.95, 0.9, 0.8, 0.85, 0.3, 0.9][:n], "level_zh": [zh[c] for c in levels],
        "level_en": [c.title() for c in levels]}, geometry=v.geometry.values, crs=v.crs))
    return project


def add_personal(project) -> Project:
    """Personal data in every layer that can hold it: it must never be printed."""
    v = project.layers["villages"].copy()
    v["contact"] = PERSONAL[0]
    v["phone"] = PERSONAL[1]
    project.set_layer("villages", v)
    k = project.layers["key_places"].copy()
    k["manager"] = PERSONAL[2]
    k["phone"] = PERSONAL[3]
    project.set_layer("key_places", k)
    h = project.layers["hazards"].copy()
    h["responsible_person"] = PERSONAL[4]
    project.set_layer("hazards", h)
    return project


def run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def pdf_text(path, first: int | None = None, last: int | None = None, layout: bool = False) -> str:
    args = ["pdftotext"] + (["-layout"] if layout else []) + (["-f", str(first)] if first else []) + \
           (["-l", str(last)] if last else []) + [str(path), "-"]
    return run(*args)


def flat(text: str) -> str:
    """Text without white space (pdftotext spaces characters by their positions)."""
    return re.sub(r"\s+", "", text)


def pages_and_size(path) -> tuple[int, float, float]:
    info = run("pdfinfo", str(path))
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    w, h = (float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    return pages, w, h


def image_count(path) -> int:
    """Raster images in the PDF: poppler's list, else a scan of the object dictionaries."""
    if shutil.which("pdfimages"):
        return len(run("pdfimages", "-list", str(path)).strip().splitlines()) - 2
    return len(re.findall(rb"/Subtype\s*/Image", path.read_bytes()))


@pytest.fixture(autouse=True)
def _qt(qapp):
    """pytest-qt's QApplication first: otherwise the exporter would make a QGuiApplication, and the
    widget tests of the same session need a QApplication."""


@pytest.fixture(scope="module")
def report(qapp, town, tmp_path_factory):
    """The A4 report of the town with a risk layer and personal data (made once)."""
    project = add_personal(add_risk(fresh(town)))
    out = tmp_path_factory.mktemp("pdf") / "report.pdf"
    result = export_pdf(project, out, date=DAY, lang="zh_CN", office="测试乡安委办")
    return project, out, result


def test_nice_scale():
    assert nice_scale(23_100) == 25_000
    assert nice_scale(76_000) == 80_000
    assert nice_scale(1_001) == 1_200
    assert format_scale(25_000) == "1:25 000"


@needs_poppler
def test_report_pages_paper_and_result(report):
    _project, out, result = report
    pages, w, h = pages_and_size(out)
    assert pages == result.pages >= 3
    assert (round(w), round(h)) == (595, 842)  # A4 portrait in points
    assert result.bytes == out.stat().st_size and result.paper == "A4"
    assert not list(out.parent.glob(".report*"))  # no temporary file left beside it


@needs_poppler
def test_fonts_are_embedded_and_text_is_selectable(report):
    _project, out, _result = report
    fonts = run("pdffonts", str(out)).strip().splitlines()[2:]
    assert fonts, "no fonts: the text was not drawn as text"
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # the 'emb' column
    assert any("NotoSansSC" in line for line in fonts)
    text = flat(pdf_text(out, 1, 1))
    for needle in ("测试乡冬春火灾防控风险图", "内部资料注意保存", "比例尺", "CGCS2000", "EPSG:4545", "数据来源",
                   "制图日期：2027年1月20日", "图例", "第1页", "测试乡安委办"):
        assert needle in text, needle


@needs_poppler
def test_map_is_vector_not_raster(report):
    _project, out, _result = report
    assert image_count(out) == 0


@needs_poppler
def test_scale_text_matches_the_map(report):
    _project, out, result = report
    placement = result.maps[0]
    # the view's metres per device pixel is exactly the printed scale at the PDF's resolution
    assert placement.view.mpp == pytest.approx(placement.scale * 0.0254 / PRINT_DPI)
    assert flat(f"比例尺 {format_scale(placement.scale)}") in flat(pdf_text(out, 1, 1))


@needs_poppler
def test_priority_table_matches_the_risk_layer(report):
    project, out, result = report
    rows = D.priority_rows(project, lang="zh_CN")
    text = pdf_text(out, 3, result.pages, layout=True)
    assert "重点风险区域排序" in text
    positions = [text.find(r.name) for r in rows]
    assert all(p >= 0 for p in positions)
    assert positions == sorted(positions), [r.name for r in rows]  # printed in rank order
    first = next(line for line in text.splitlines() if rows[0].name in line)
    assert "重大风险" in first and "92.5" in first and "95%" in first and "木结构占比高" in first
    unranked = next(line for line in text.splitlines() if rows[-1].name in line and "数据不足" in line)
    assert "—" in unranked
    assert "分村（社区）情况汇总" in text and "合计" in text


@needs_poppler
def test_no_personal_data_in_the_report(report):
    _project, out, result = report
    text = pdf_text(out)
    for value in PERSONAL:
        assert value not in text


@needs_poppler
def test_without_risk_the_report_says_so(town, tmp_path):
    project = fresh(town)
    project.remove_layer("risk_areas")
    out = tmp_path / "norisk.pdf"
    result = export_pdf(project, out, date=DAY)
    assert "风险评估尚未运行" in pdf_text(out)
    assert result.notes == ["风险评估尚未运行"]


@needs_poppler
def test_a3_landscape_map_only_in_english(town, tmp_path):
    out = tmp_path / "a3.pdf"
    result = export_pdf(add_risk(fresh(town)), out, paper="A3", landscape=True, tables=False, lang="en", date=DAY)
    pages, w, h = pages_and_size(out)
    assert pages == result.pages == 1
    assert (round(w), round(h)) == (1191, 842)  # A3 landscape
    text = flat(pdf_text(out))
    assert "Internaluseonly" in text and "Legend" in text and "Scale" in text and "Keyfigures" in text


def _pixel(image, view, x, y, factor):
    px, py = view.point_to_px(x, y)
    c = image.pixelColor(int(px * factor), int(py * factor))
    return c.red(), c.green(), c.blue()


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_rendered_page_red_areas_are_red(tmp_path):
    """A red (major) and a blue (low) area: the printed page shows them in their colours."""
    from PyQt6.QtGui import QImage

    project = Project.new(GK, name="像素乡")
    project.set_layer("villages", gpd.GeoDataFrame(
        {"name": ["红村", "蓝村"]}, geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
        crs=GK))
    project.set_layer("risk_areas", gpd.GeoDataFrame(
        {"unit_id": ["V1", "V2"], "name": ["红村", "蓝村"], "level": ["red", "blue"], "score": [90.0, 5.0],
         "rank": [1, 2]}, geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
        crs=GK))
    out = tmp_path / "pixels.pdf"
    result = export_pdf(project, out, tables=False, layers=["risk_areas"])
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")], check=True)
    image = QImage(str(next(tmp_path.glob("page*.png"))))
    assert not image.isNull()
    view = result.maps[0].view
    factor = 50 / PRINT_DPI
    r, g, b = _pixel(image, view, X0 + 300, Y0 + 300, factor)
    assert r > g + 40 and r > b + 40, (r, g, b)  # red
    r, g, b = _pixel(image, view, X0 + 1700, Y0 + 300, factor)
    assert b > r + 40 and b > g + 15, (r, g, b)  # blue
    r, g, b = _pixel(image, view, X0 + 1000, Y0 + 1500, factor)  # outside both: the map background
    assert min(r, g, b) > 200, (r, g, b)


@needs_poppler
def test_village_extent_is_focused(town, tmp_path):
    project = add_risk(fresh(town))
    name = project.layers["villages"]["name"].iloc[1]
    out = tmp_path / "village.pdf"
    result = export_pdf(project, out, extent=f"village:{name}", tables=False)
    x0, y0, x1, y1 = result.maps[0].view.extent
    vx0, vy0, vx1, vy1 = project.layers["villages"].geometry.iloc[1].bounds
    assert x0 <= vx0 and y0 <= vy0 and x1 >= vx1 and y1 >= vy1
    px0, py0, px1, py1 = project.extent()
    assert (x1 - x0) < (px1 - px0) / 2  # zoomed in on the village
    assert f"测试乡{name}冬春火灾防控风险图" in flat(pdf_text(out, 1, 1))
    with pytest.raises(D.ExportError):
        export_pdf(project, tmp_path / "bad.pdf", extent="village:没有这个村")


def test_cancelling_leaves_no_file(town, tmp_path):
    out = tmp_path / "cancelled.pdf"

    def progress(fraction, message=""):
        if fraction > 0.5:
            raise Cancelled()

    with pytest.raises(Cancelled):
        export_pdf(fresh(town), out, progress=progress)
    assert list(tmp_path.iterdir()) == []


@needs_poppler
def test_atlas_cover_contents_and_one_page_per_village(town, tmp_path):
    project = add_personal(add_risk(fresh(town)))
    out = tmp_path / "atlas.pdf"
    result = export_atlas(project, out, date=DAY)
    villages = project.layers["villages"]["name"].tolist()
    pages, w, _h = pages_and_size(out)
    assert pages == result.pages == 1 + 1 + len(villages)
    assert round(w) == 595
    assert result.extra["entries"] == villages
    assert image_count(out) == 0
    cover = flat(pdf_text(out, 1, 1))
    assert "测试乡冬春火灾防控分村图集" in cover and "内部资料注意保存" in cover
    contents = pdf_text(out, 2, 2, layout=True)
    for i, name in enumerate(villages):
        line = next(line for line in contents.splitlines() if name in line)
        assert line.split()[-1] == str(3 + i)  # its page number
    page = flat(pdf_text(out, 3, 3))
    for needle in (villages[0], "基本情况", "户数", "水源覆盖率", "未销号隐患", "重大风险", "比例尺"):
        assert needle in page, needle
    text = pdf_text(out)
    for value in PERSONAL:
        assert value not in text


@needs_poppler
def test_atlas_of_priority_areas(town, tmp_path):
    project = add_risk(fresh(town))
    out = tmp_path / "atlas_risk.pdf"
    result = export_atlas(project, out, by="risk", paper="A3", landscape=True)
    risk = project.layers["risk_areas"]
    wanted = risk[risk["level"].isin(["red", "orange"])].sort_values("rank")["name"].tolist()
    assert result.extra["entries"] == wanted
    assert result.pages == 2 + len(wanted)
    _pages, w, h = pages_and_size(out)
    assert (round(w), round(h)) == (1191, 842)
    no_risk = fresh(town)
    no_risk.remove_layer("risk_areas")
    with pytest.raises(D.ExportError):
        export_atlas(no_risk, tmp_path / "x.pdf", by="risk")


def test_preview_pages_are_the_same_drawing_on_images(town):
    from fireriskmap.export.pdf import preview_pdf

    project = add_risk(fresh(town))
    images = preview_pdf(project, dpi=50, pages=2, paper="A4")
    assert len(images) == 2
    assert (images[0].width(), images[0].height()) == (round(210 / 25.4 * 50), round(297 / 25.4 * 50))
    for image in images:  # every page drawn (not only the first)
        h = image.height()
        inked = sum(image.pixelColor(x, y).lightness() < 200 for x in range(0, image.width(), 7)
                    for y in range(h // 3, h, 7))
        assert inked > 50
    atlas = preview_pdf(project, atlas=True, dpi=40, pages=None, paper="A3", landscape=True)
    assert len(atlas) == 2 + len(project.layers["villages"])
    assert atlas[0].width() > atlas[0].height()
