"""The offline HTML map: Leaflet shipped and inlined, no remote URL, layers as toggles, no personal data."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pytest

from fireriskmap.core.project import Project
from fireriskmap.export import data as D
from fireriskmap.export.html import LEAFLET_DIR, export_html, remote_urls

PERSONAL = ("张三丰", "13800001111", "李四光", "王五六")


def fresh(project) -> Project:
    out = Project.new(project.crs, name=project.name)
    for kind, gdf in project.layers.items():
        out.layers[kind] = gdf.copy()
    return out


def prepared(town) -> Project:
    project = fresh(town)
    v = project.layers["villages"].copy()
    v["contact"], v["phone"] = PERSONAL[0], PERSONAL[1]
    v["elderly_alone"] = np.arange(len(v)) + 3
    project.set_layer("villages", v)
    k = project.layers["key_places"].copy()
    k["manager"] = PERSONAL[2]
    project.set_layer("key_places", k)
    h = project.layers["hazards"].copy()
    h["responsible_person"] = PERSONAL[3]
    project.set_layer("hazards", h)
    n = len(v)
    project.set_layer("risk_areas", gpd.GeoDataFrame({
        "unit_id": [f"V{i}" for i in range(n)], "name": v["name"].tolist(), "level": (["red", "blue"] * n)[:n],
        "score": np.linspace(90, 10, n), "rank": np.arange(1, n + 1), "reasons_zh": ["木结构占比高；水源少"] * n,
        "completeness": [0.9] * n, "c_timber_share": np.linspace(20, 2, n)}, geometry=v.geometry.values, crs=v.crs))
    return project


@pytest.fixture(scope="module")
def page(town, tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "map.html"
    result = export_html(prepared(town), out, lang="zh_CN")
    return result, out.read_text(encoding="utf-8")


def test_leaflet_is_shipped_with_its_licence():
    assert (LEAFLET_DIR / "leaflet.js").stat().st_size > 100_000
    assert (LEAFLET_DIR / "leaflet.css").is_file()
    assert {p.name for p in (LEAFLET_DIR / "images").glob("*.png")} >= {"layers.png", "layers-2x.png"}
    assert "BSD 2-Clause" in (LEAFLET_DIR / "LICENSE").read_text(encoding="utf-8")
    assert 't.version="1.9.4"' in (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")


def test_offline_page_has_no_remote_url(page):
    _result, html = page
    assert remote_urls(html) == []
    assert not re.search(r"<script[^>]+src=", html)  # every script inline
    assert not re.search(r"<link[^>]+href=", html)  # every stylesheet inline
    assert "url(images/" not in html  # Leaflet's control images as data URIs
    assert "data:image/png;base64," in html
    assert "sourceMappingURL" not in html
    for cdn in ("jquery", "bootstrap", "awesome-markers", "cdn.jsdelivr", "cdnjs"):
        assert cdn not in html.lower()
    assert 'version="1.9.4"' in html  # Leaflet itself is there


def test_layers_are_toggles_with_risk_colours_and_breakdown(page):
    result, html = page
    assert {"risk_areas", "villages", "roads", "buildings", "hydrants", "fire_stations"} <= set(result.extra["layers"])
    assert "L.control.layers" in html
    for name in ("风险区域", "村/社区", "消火栓", "消防力量", "火灾隐患"):
        assert name in html, name
    assert "#e53935" in html and "#1e88e5" in html  # red and blue areas
    assert "内部资料 注意保存" in html
    # the popup of a risk area shows its score breakdown (escaped JSON inside the page)
    assert "frm-badge" in html and "frm-tab" in html
    decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)
    assert "贡献分" in decoded and "木结构占比高" in decoded


def test_no_personal_data_in_the_page(page):
    _result, html = page
    decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)  # JSON escapes
    for value in PERSONAL:
        assert value not in decoded, value
    # counts of vulnerable residents per village are allowed
    assert "elderly_alone" in html


def test_online_basemap_only_when_asked(town, tmp_path):
    out = tmp_path / "osm.html"
    export_html(fresh(town), out, basemap="osm", layers=["villages", "roads"])
    html = out.read_text(encoding="utf-8")
    assert any("tile.openstreetmap.org" in u for u in remote_urls(html))
    with pytest.raises(D.ExportError):
        export_html(fresh(town), tmp_path / "bad.html", basemap="google")


def test_assets_beside_the_page(town, tmp_path):
    out = tmp_path / "beside.html"
    result = export_html(fresh(town), out, assets="beside", layers=["villages"])
    folder = tmp_path / "beside_files"
    assert (folder / "leaflet.js").is_file() and (folder / "leaflet.css").is_file()
    assert (folder / "LICENSE-leaflet.txt").is_file()
    html = out.read_text(encoding="utf-8")
    assert 'src="beside_files/leaflet.js"' in html and remote_urls(html) == []
    assert result.extra["layers"] == ["villages"]
