"""Encoding detection: legacy GBK Shapefiles without .cpg, LDID byte, CSV encodings."""

from __future__ import annotations

import codecs

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point

from fireriskmap.io import read_file
from fireriskmap.io.encoding import (detect_dbf_encoding, detect_text_encoding, normalise_codepage)

NAMES = ["消火栓一号", "村委会门口", "小学东侧"]


def write_shp(folder, *, encoding: str, keep_cpg: bool, name: str = "hydrants"):
    gdf = gpd.GeoDataFrame({"名称": NAMES, "类型": ["地上式", "地下式", "墙壁式"]},
                           geometry=[Point(116.0 + i / 100, 39.9) for i in range(3)], crs=4326)
    path = folder / f"{name}.shp"
    pyogrio.write_dataframe(gdf, path, encoding=encoding)
    if not keep_cpg:
        path.with_suffix(".cpg").unlink()
    return path


def set_ldid(path, value: int) -> None:
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = value
    dbf.write_bytes(bytes(data))


def test_gbk_shapefile_without_cpg_reads_without_mojibake(tmp_path):
    path = write_shp(tmp_path, encoding="GBK", keep_cpg=False)
    assert not path.with_suffix(".cpg").exists()
    guess = detect_dbf_encoding(path)
    assert guess.encoding == "gb18030" and guess.source == "content"
    frame = read_file(path).frame
    assert list(frame.columns[:2]) == ["名称", "类型"]
    assert list(frame["名称"]) == NAMES
    # GDAL alone would have shown Latin-1 mojibake
    raw = pyogrio.read_dataframe(path)
    assert list(raw.iloc[:, 0]) != NAMES


def test_ldid_byte_decides_when_no_cpg(tmp_path):
    path = write_shp(tmp_path, encoding="GBK", keep_cpg=False)
    set_ldid(path, 0x4D)
    assert detect_dbf_encoding(path).source == "ldid"
    assert detect_dbf_encoding(path).encoding == "gb18030"
    set_ldid(path, 0x7A)
    assert detect_dbf_encoding(path).encoding == "gb18030"
    assert list(read_file(path).frame["名称"]) == NAMES


def test_cpg_wins(tmp_path):
    path = write_shp(tmp_path, encoding="GBK", keep_cpg=False)
    path.with_suffix(".cpg").write_text("936")
    guess = detect_dbf_encoding(path)
    assert (guess.encoding, guess.source) == ("gb18030", "cpg")


def test_utf8_shapefile_without_cpg(tmp_path):
    path = write_shp(tmp_path, encoding="UTF-8", keep_cpg=False)
    assert detect_dbf_encoding(path).encoding == "utf-8"
    assert list(read_file(path).frame["名称"]) == NAMES


def test_user_encoding_overrides(tmp_path):
    path = write_shp(tmp_path, encoding="GBK", keep_cpg=False)
    result = read_file(path, encoding="GBK")
    assert result.encoding_source == "user"
    assert list(result.frame["名称"]) == NAMES


@pytest.mark.parametrize("text,expected", [
    ("UTF-8", "utf-8"), ("utf8", "utf-8"), ("936", "gb18030"), ("ANSI 936", "gb18030"),
    ("GBK", "gb18030"), ("CP936", "gb18030"), ("GB2312", "gb18030"), ("1252", "cp1252"),
    ("88591", "latin-1"), ("  \ufeffUTF-8\n", "utf-8"), ("", None), ("nonsense-cp", None),
])
def test_normalise_codepage(text, expected):
    assert normalise_codepage(text) == expected


def test_detect_text_encoding():
    text = "名称,经度,纬度\n消火栓,116.1,39.9\n"
    assert detect_text_encoding(codecs.BOM_UTF8 + text.encode("utf-8")).encoding == "utf-8-sig"
    assert detect_text_encoding(text.encode("utf-8")).encoding == "utf-8"
    assert detect_text_encoding(text.encode("gbk")).encoding == "gb18030"
    assert detect_text_encoding(text.encode("utf-16")).encoding == "utf-16"
    assert detect_text_encoding(b"name,lon,lat\n").encoding == "utf-8"
