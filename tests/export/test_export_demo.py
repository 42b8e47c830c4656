"""The demo township exports a report, an atlas and the Excel workbook a safety office could use as is."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import geopandas as gpd
import numpy as np
import pytest

from fireriskmap.core.project import Project
from fireriskmap.paths import demo_project_path

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


@pytest.fixture(autouse=True)
def _qt(qapp):
    """pytest-qt's QApplication first (the widget tests of the session need a QApplication)."""


def test_demo_report_atlas_and_tables(tmp_path):
    from fireriskmap.analysis.pipeline import analyse, apply_outcome
    from fireriskmap.export.excel import export_xlsx
    from fireriskmap.export.pdf import export_atlas, export_pdf

    copy = tmp_path / "demo.gpkg"
    shutil.copy(demo_project_path(), copy)  # never touch the shipped file
    project = Project.open(copy)
    # the fast analyses (the contiguous clusters take ~20 s and are tested in tests/analysis)
    apply_outcome(project, analyse(project, steps=["classify", "coverage", "response", "siting"], sites=5))
    v = project.layers["villages"]
    rng = np.random.default_rng(1)
    score = rng.uniform(5, 95, len(v))
    project.set_layer("risk_areas", gpd.GeoDataFrame({
        "unit_id": [f"V{i + 1:02d}" for i in range(len(v))], "name": v["name"].tolist(), "unit_type": "village",
        "score": score, "level": np.where(score > 75, "red", np.where(score > 35, "orange", np.where(score > 15, "yellow", "blue"))),
        "rank": (-score).argsort().argsort() + 1, "reasons_zh": "木结构占比高；水源覆盖低", "completeness": 0.9},
        geometry=v.geometry.values, crs=v.crs))

    t0 = time.perf_counter()
    report = export_pdf(project, tmp_path / "report.pdf")
    seconds = time.perf_counter() - t0
    assert seconds < 15, f"the demo report took {seconds:.1f} s"  # "a few seconds" (≈0.5 s here)
    assert report.pages >= 3 and report.bytes < 5e6
    images = subprocess.run(["pdfimages", "-list", str(tmp_path / "report.pdf")], capture_output=True, text=True)
    assert len(images.stdout.strip().splitlines()) == 2  # the header only: no raster image
    text = subprocess.run(["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "枫岭镇" in flat and "重点风险区域排序" in flat and "烟囱楼候选" in flat

    atlas = export_atlas(project, tmp_path / "atlas.pdf")
    assert atlas.pages == 2 + len(v) and atlas.extra["entries"] == v["name"].tolist()
    atlas_text = subprocess.run(["pdftotext", str(tmp_path / "atlas.pdf"), "-"], capture_output=True, text=True).stdout

    xlsx = export_xlsx(project, tmp_path / "tables.xlsx")
    assert len(xlsx.extra["sheets"]) == 6

    # the demo's (masked) personal fields never reach a printout
    from openpyxl import load_workbook

    cells = " ".join(str(c) for ws in load_workbook(tmp_path / "tables.xlsx").worksheets
                     for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    personal = set()
    for kind, cols in (("villages", ("contact", "phone")), ("key_places", ("manager", "phone")),
                       ("hazards", ("responsible_person",))):
        for col in cols:
            personal |= {str(x) for x in project.layers[kind][col].dropna().unique() if len(str(x)) >= 3}
    assert personal, "the demo should hold (masked) personal fields"
    for value in personal:
        assert value not in text and value not in atlas_text and value not in cells, value
