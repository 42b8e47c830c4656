"""Vector files through GDAL: Shapefile (plain and zipped), GeoJSON, KML, GeoPackage, and the
clear errors for broken, empty, incomplete or unknown files."""

from __future__ import annotations

import json
import os
import zipfile

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point, Polygon, box

from fireriskmap.errors import CRSError, ImportFileError, SchemaError
from fireriskmap.i18n import tr
from fireriskmap.io import import_file, list_layers, read_file


def hydrant_frame(crs=4326) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"名称": ["1号", "2号"], "类型": ["地上式", "地下式"]},
        geometry=[Point(116.30, 39.90), Point(116.31, 39.91)], crs=crs)


def building_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"门牌": ["东村1号", "东村2号"], "层数": [3, 2], "结构": ["砖木", "木"]},
        geometry=[box(116.300, 39.900, 116.3002, 39.9002), box(116.301, 39.900, 116.3012, 39.9002)], crs=4326)


# -- errors ------------------------------------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(ImportFileError) as err:
        read_file(tmp_path / "nope.shp")
    assert "找不到文件" in str(err.value)


def test_unknown_extension(tmp_path):
    path = tmp_path / "data.dwg"
    path.write_bytes(b"AC1032")
    with pytest.raises(ImportFileError) as err:
        read_file(path)
    assert "不支持的文件类型" in str(err.value) and ".shp" in str(err.value)


@pytest.mark.parametrize("name", ["empty.geojson", "empty.shp", "empty.csv", "empty.osm", "empty.xlsx"])
def test_zero_byte_files(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(ImportFileError) as err:
        read_file(path)
    assert "文件是空的" in str(err.value)


def test_empty_geojson_feature_collection(tmp_path):
    path = tmp_path / "hydrants.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(ImportFileError) as err:
        read_file(path)
    assert err.value.key == "io.error.no_features"


def test_truncated_shapefile(tmp_path):
    path = tmp_path / "hydrants.shp"
    pyogrio.write_dataframe(hydrant_frame(), path)
    path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(ImportFileError) as err:
        read_file(path)
    assert err.value.key == "io.error.broken"
    assert "hydrants.shp" in str(err.value)


def test_garbage_bytes(tmp_path):
    for name in ("garbage.shp", "garbage.gpkg", "garbage.kml", "garbage.geojson", "garbage.xlsx",
                 "garbage.zip", "garbage.osm.pbf", "garbage.osm"):
        path = tmp_path / name
        path.write_bytes(os.urandom(512))
        if name.endswith(".shp"):
            pyogrio.write_dataframe(hydrant_frame(), tmp_path / "ok.shp")
            for suffix in (".shx", ".dbf"):
                (tmp_path / f"ok{suffix}").rename(path.with_suffix(suffix))
        with pytest.raises(ImportFileError) as err:
            read_file(path)
        assert name in str(err.value), name


@pytest.mark.parametrize("missing", [".dbf", ".shx"])
def test_missing_sidecar(tmp_path, missing):
    path = tmp_path / "hydrants.shp"
    pyogrio.write_dataframe(hydrant_frame(), path)
    path.with_suffix(missing).unlink()
    with pytest.raises(ImportFileError) as err:
        read_file(path)
    assert err.value.key == "io.error.missing_sidecar"
    assert f"hydrants{missing}" in str(err.value)
    assert f"hydrants{missing}" in err.value.message("en") and "Shapefile" in err.value.message("en")


def test_error_keys_exist_in_both_languages():
    for lang in ("zh_CN", "en"):
        for key in ("io.error.broken", "io.error.empty", "io.error.missing_sidecar", "io.error.unknown_format",
                    "io.error.crs_needed", "io.error.no_coordinates", "io.reason.coords_missing"):
            assert tr(key, lang=lang) != key


# -- reading -----------------------------------------------------------------------------------

def test_zipped_gbk_shapefile_without_cpg(tmp_path, project):
    folder = tmp_path / "src"
    folder.mkdir()
    pyogrio.write_dataframe(hydrant_frame(), folder / "消火栓.shp", encoding="GBK")
    (folder / "消火栓.cpg").unlink()
    archive = tmp_path / "hydrants.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f"data/{f.name}")
    result = read_file(archive)
    assert result.encoding == "gb18030"
    assert list(result.frame["名称"]) == ["1号", "2号"]
    assert result.parts[0].name == "消火栓"
    summary = import_file(project, archive, report_dir=tmp_path)
    assert list(summary.kinds) == ["hydrants"]  # from the member name 消火栓
    assert project.layer("hydrants")["hydrant_type"].tolist() == ["pillar", "underground"]


def test_zip_missing_dbf(tmp_path):
    pyogrio.write_dataframe(hydrant_frame(), tmp_path / "h.shp")
    archive = tmp_path / "h.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for suffix in (".shp", ".shx", ".prj"):
            zf.write(tmp_path / f"h{suffix}", f"h{suffix}")
    with pytest.raises(ImportFileError) as err:
        read_file(archive)
    assert err.value.key == "io.error.missing_sidecar"


def test_shapefile_without_prj(tmp_path):
    path = tmp_path / "hydrants.shp"
    pyogrio.write_dataframe(hydrant_frame(), path)
    path.with_suffix(".prj").unlink()
    result = read_file(path)
    assert result.frame.crs.to_epsg() == 4326
    assert result.notes
    metric = hydrant_frame().to_crs("EPSG:4548")
    metric_path = tmp_path / "metric.shp"
    pyogrio.write_dataframe(metric, metric_path)
    metric_path.with_suffix(".prj").unlink()
    with pytest.raises(CRSError):
        read_file(metric_path)
    fixed = read_file(metric_path, src_crs="EPSG:4548")
    assert fixed.frame.crs.to_epsg() == 4548


def test_kml_import(tmp_path, project):
    path = tmp_path / "消火栓.kml"
    frame = hydrant_frame().rename(columns={"名称": "Name", "类型": "Description"})
    pyogrio.write_dataframe(frame, path, driver="KML")
    result = read_file(path)
    assert result.format == "kml"
    assert {"Name", "description"} <= set(result.frame.columns)
    summary = import_file(project, path, report_dir=tmp_path)
    assert list(summary.kinds) == ["hydrants"]
    assert summary.kinds["hydrants"].imported == 2
    assert project.layer("hydrants")["name"].tolist() == ["1号", "2号"]


def test_geopackage_layers(tmp_path, project):
    path = tmp_path / "township.gpkg"
    pyogrio.write_dataframe(hydrant_frame(), path, layer="xhs_2024")
    pyogrio.write_dataframe(building_frame(), path, layer="jzw_2024")
    assert sorted(list_layers(path)) == ["jzw_2024", "xhs_2024"]
    with pytest.raises(ImportFileError) as err:
        read_file(path)
    assert err.value.key == "io.error.choose_layer" and "xhs_2024" in str(err.value)
    result = read_file(path, layer="jzw_2024")
    assert len(result.frame) == 2
    summary = import_file(project, path, layer="jzw_2024", report_dir=tmp_path)
    assert list(summary.kinds) == ["buildings"]  # polygons, telling columns
    assert project.layer("buildings")["structure"].tolist() == ["brick_timber", "timber"]
    with pytest.raises(ImportFileError):
        read_file(path, layer="nope")


def test_geopackage_with_kind_named_layers(tmp_path, project):
    path = tmp_path / "export.gpkg"
    pyogrio.write_dataframe(hydrant_frame(), path, layer="hydrants")
    pyogrio.write_dataframe(building_frame(), path, layer="buildings")
    result = read_file(path)
    assert sorted(p.kind for p in result.parts) == ["buildings", "hydrants"]
    summary = import_file(project, path, report_dir=tmp_path)
    assert project.counts() == {"hydrants": 2, "buildings": 2} or project.counts() == {"buildings": 2, "hydrants": 2}
    assert summary.imported == 4
    only = read_file(path, kind="hydrants")
    assert [p.kind for p in only.parts] == ["hydrants"]


def test_geojson_with_polygons_and_invalid_geometry(tmp_path, project):
    bowtie = Polygon([(116.30, 39.90), (116.301, 39.901), (116.301, 39.900), (116.30, 39.901)])
    frame = gpd.GeoDataFrame({"name": ["bow", "ok"], "storeys": [2, 3]},
                             geometry=[bowtie, box(116.302, 39.9, 116.3022, 39.9002)], crs=4326)
    path = tmp_path / "buildings.geojson"
    path.write_text(frame.to_json())
    summary = import_file(project, path, report_dir=tmp_path)
    ks = summary.kinds["buildings"]
    assert (ks.imported, ks.repaired, ks.rejected) == (2, 1, 0)
    layer = project.layer("buildings")
    assert layer.geometry.is_valid.all()
    assert set(layer.geometry.geom_type) <= {"Polygon", "MultiPolygon"}


def test_old_excel_gets_a_hint(tmp_path):
    path = tmp_path / "台账.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(ImportFileError) as err:
        read_file(path)
    assert err.value.key == "io.error.old_excel" and ".xlsx" in str(err.value)


def test_translation_files_match():
    import re
    import tomllib

    from fireriskmap.i18n import _flatten
    from fireriskmap.paths import translations_dir

    en = _flatten(tomllib.loads((translations_dir() / "io.en.toml").read_text(encoding="utf-8")))
    zh = _flatten(tomllib.loads((translations_dir() / "io.zh_CN.toml").read_text(encoding="utf-8")))
    assert set(en) == set(zh)
    assert all(k.startswith("io.") for k in en)
    for key, text in zh.items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", en[key])), key
    chinese = [k for k, t in zh.items() if re.search(r"[\u4e00-\u9fff]", t)]
    assert len(chinese) >= len(zh) - 8  # a few are names (WGS84 / CGCS2000) or plain placeholders


KML_FOLDERS = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>奥维导出</name>
<Folder><name>消火栓</name>
<Placemark><name>H1</name><Point><coordinates>116.30,39.90,0</coordinates></Point></Placemark>
<Placemark><name>H2</name><Point><coordinates>116.31,39.90,0</coordinates></Point></Placemark>
</Folder>
<Folder><name>水池</name>
<Placemark><name>P1</name><Point><coordinates>116.32,39.90,0</coordinates></Point></Placemark>
</Folder>
<Folder><name>我的标注</name>
<Placemark><name>X</name><Point><coordinates>116.33,39.90,0</coordinates></Point></Placemark>
</Folder>
</Document></kml>
"""


@pytest.mark.parametrize("suffix", [".kml", ".kmz"])
def test_kml_folders(tmp_path, project, suffix):
    path = tmp_path / f"export{suffix}"
    if suffix == ".kml":
        path.write_text(KML_FOLDERS, encoding="utf-8")
    else:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("doc.kml", KML_FOLDERS)
    assert list_layers(path) == ["消火栓", "水池", "我的标注"]
    result = read_file(path)
    assert [(p.kind, len(p.frame)) for p in result.parts] == [("hydrants", 2), ("water_sources", 1), (None, 1)]
    with pytest.raises(SchemaError) as err:  # the unnamed folder cannot be placed
        import_file(project, path, report_dir=tmp_path)
    assert "我的标注" in str(err.value)
    summary = import_file(project, path, kind="hydrants", report_dir=tmp_path)
    assert summary.kinds["hydrants"].imported == 3
    assert any("水池" in n for n in summary.notes)
    summary = import_file(project, path, layer="水池", kind="water_sources", report_dir=tmp_path)
    assert project.layer("water_sources")["name"].tolist() == ["P1"]
