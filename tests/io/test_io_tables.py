"""CSV and XLSX point tables: header finding, merged cells, encodings, coordinates, GCJ-02."""

from __future__ import annotations

import codecs

import numpy as np
import openpyxl
import pytest

from fireriskmap.errors import CRSError, ImportFileError
from fireriskmap.io import import_file, read_file
from fireriskmap.io.crs import wgs84_to_bd09, wgs84_to_gcj02
from fireriskmap.io.tables import find_coordinate_columns, parse_coordinate



def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Equirectangular distance in metres (fine for sub-metre differences)."""
    lat = np.radians((np.asarray(lat1) + np.asarray(lat2)) / 2.0)
    dx = np.radians(np.asarray(lon2) - np.asarray(lon1)) * np.cos(lat) * 6371008.8
    dy = np.radians(np.asarray(lat2) - np.asarray(lat1)) * 6371008.8
    return np.hypot(dx, dy)


def ledger_xlsx(path):
    """A typical ledger: merged title row, two-row header with group cells, notes at the end."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["XX镇重点场所台账（2024年11月）"])
    ws.merge_cells("A1:G1")
    ws.append(["序号", "场所名称", "基本信息", None, None, "位置", None])
    ws.append([None, None, "类型", "夜间人数", "所属村", "经度", "纬度"])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("C2:E2")
    ws.merge_cells("F2:G2")
    ws.append([1, "中心小学", "学校", 30, "东村", 116.1, 39.1])
    ws.append([2, "敬老院", "养老院", "十", "东村", "116°6'0\"E", "39.2"])
    ws.append([3, "集贸市场", "集贸市场", None, "西村", None, None])
    ws.append([4, "加油站", "加油站", 2, "西村", "abc", "39"])
    ws.append([5, "卫生院", "卫生院", 12, None, 116.12, 39.12])
    ws.merge_cells("E7:E8")  # village cell merged over two data rows
    ws.append(["填表人：张三"])
    wb.create_sheet("说明").append(["本表为示例"])
    wb.save(path)
    return path


def test_xlsx_header_merged_title_and_two_row_header(tmp_path):
    path = ledger_xlsx(tmp_path / "重点场所.xlsx")
    result = read_file(path)
    assert result.layers == ["台账", "说明"]
    part = result.parts[0]
    assert list(part.frame.columns) == ["序号", "场所名称", "类型", "夜间人数", "所属村", "经度", "纬度", "geometry"]
    assert list(part.frame.index) == [4, 5, 8]  # Excel row numbers
    assert part.frame.loc[5].geometry.x == pytest.approx(116.1)
    assert part.frame.loc[8, "所属村"] == "西村"  # vertically merged cell filled
    rejected = part.rejected.set_index("row")["reason"].to_dict()
    assert rejected == {6: "coords_missing", 7: "coords_unparsable", 9: "coords_missing"}
    assert result.source_crs == "EPSG:4326"
    assert any("WGS84" in n for n in result.notes)


def test_xlsx_import_into_key_places(tmp_path, project):
    path = ledger_xlsx(tmp_path / "重点场所.xlsx")
    summary = import_file(project, path, report_dir=tmp_path)
    ks = summary.kinds["key_places"]
    assert (ks.read, ks.imported, ks.rejected, ks.warnings) == (6, 3, 3, 1)
    assert ks.mapping == {"场所名称": "name", "类型": "place_type", "夜间人数": "people_night", "所属村": "village"}
    assert ks.unmapped == ["序号"]
    layer = project.layer("key_places")
    assert list(layer["place_type"]) == ["school", "nursing_home", "hospital"]
    assert layer["people_night"].isna().tolist() == [False, True, False]  # '十' is not a number
    assert summary.report_path is not None and summary.report_path.exists()


def test_xlsx_sheet_choice(tmp_path):
    path = ledger_xlsx(tmp_path / "places.xlsx")
    with pytest.raises(ImportFileError) as err:
        read_file(path, layer="不存在")
    assert "台账" in str(err.value)
    with pytest.raises(ImportFileError):  # the notes sheet has no coordinates
        read_file(path, layer="说明")


CSV_TEXT = "名称,类型,经度,纬度\n1号消火栓,地上式,116.30,39.90\n2号消火栓,地下式,116.31,39.91\n3号消火栓,,,\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings(tmp_path, encoding):
    path = tmp_path / "消火栓.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    result = read_file(path)
    frame = result.frame
    assert list(frame["名称"]) == ["1号消火栓", "2号消火栓"]
    assert list(frame.columns[:2]) == ["名称", "类型"]
    assert result.parts[0].rejected["reason"].tolist() == ["coords_missing"]
    assert result.parts[0].rejected["row"].tolist() == [4]


def test_csv_gbk_import_with_explicit_encoding(tmp_path, project):
    path = tmp_path / "hydrants.csv"
    path.write_bytes(CSV_TEXT.encode("gbk"))
    summary = import_file(project, path, kind="hydrants", encoding="GBK", report_dir=tmp_path)
    assert summary.encoding == "GBK"
    assert project.layer("hydrants")["hydrant_type"].tolist() == ["pillar", "underground"]


def test_csv_semicolon_and_decimal_comma(tmp_path):
    path = tmp_path / "water.csv"
    path.write_text("name;lon;lat\nPool A;\"116,30\";\"39,90\"\n", encoding="utf-8")
    frame = read_file(path).frame
    assert frame.geometry.iloc[0].x == pytest.approx(116.30)


def test_csv_gcj02_converted_to_known_wgs84(tmp_path, project):
    wlon = np.array([116.3975, 116.4105, 113.2644])
    wlat = np.array([39.9087, 39.9151, 23.1291])
    glon, glat = wgs84_to_gcj02(wlon, wlat)
    rows = "\n".join(f"站{i},{x:.8f},{y:.8f}" for i, (x, y) in enumerate(zip(glon, glat)))
    path = tmp_path / "stations.csv"
    path.write_text("名称,经度,纬度\n" + rows + "\n", encoding="utf-8")
    result = read_file(path, coords="gcj02")
    assert result.coords == "gcj02"
    g = result.frame.geometry
    assert metres(g.x.to_numpy(), g.y.to_numpy(), wlon, wlat).max() < 0.5
    # without conversion the points are hundreds of metres away
    raw = read_file(path, coords="wgs84").frame.geometry
    assert metres(raw.x.to_numpy(), raw.y.to_numpy(), wlon, wlat).min() > 100
    # through import into the project CRS and back
    import_file(project, path, kind="fire_stations", coords="gcj02", report_dir=tmp_path)
    back = project.layer("fire_stations").to_crs(4326).geometry
    assert metres(back.x.to_numpy(), back.y.to_numpy(), wlon, wlat).max() < 0.5


def test_bd09_and_auto_hint_from_column_names(tmp_path):
    wlon, wlat = np.array([116.3975]), np.array([39.9087])
    blon, blat = wgs84_to_bd09(wlon, wlat)
    path = tmp_path / "points.csv"
    path.write_text(f"名称,百度经度,百度纬度\nA,{blon[0]:.8f},{blat[0]:.8f}\n", encoding="utf-8")
    result = read_file(path)  # coords="auto"
    assert result.coords == "bd09"
    assert any("BD-09" in n for n in result.notes)
    g = result.frame.geometry
    assert metres(g.x.to_numpy(), g.y.to_numpy(), wlon, wlat).max() < 0.5


def test_lonlat_swapped_columns_detected(tmp_path):
    path = tmp_path / "pts.csv"
    path.write_text("name,lon,lat\nA,39.9,116.3\nB,39.91,116.31\n", encoding="utf-8")
    result = read_file(path)
    assert result.frame.geometry.iloc[0].x == pytest.approx(116.3)
    assert any("lon" in n for n in result.notes)


def test_projected_table_needs_src_crs(tmp_path):
    path = tmp_path / "buildings_pts.csv"
    path.write_text("name,X,Y\nA,4418000.5,39500100.2\nB,4418100.0,39500200.0\n", encoding="utf-8")
    with pytest.raises(CRSError) as err:
        read_file(path)
    assert "EPSG:4527" in str(err.value)  # zone 39 → CGCS2000 3-degree GK zone 39
    result = read_file(path, src_crs="EPSG:4527")
    pt = result.frame.geometry.iloc[0]
    assert (pt.x, pt.y) == pytest.approx((39500100.2, 4418000.5))  # X (northing) and Y swapped
    assert result.notes


def test_combined_coordinate_column_and_out_of_range(tmp_path):
    path = tmp_path / "pts.csv"
    path.write_text('名称,经纬度\nA,"116.3,39.9"\nB,"0,0"\nC,"200,95"\nD,\n', encoding="utf-8")
    result = read_file(path)
    assert len(result.frame) == 1
    reasons = result.parts[0].rejected.set_index("row")["reason"].to_dict()
    assert reasons == {3: "coords_zero", 4: "coords_out_of_range", 5: "coords_missing"}


def test_table_without_coordinates(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("名称,地址\nA,东村1号\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as err:
        read_file(path)
    assert "经度" in str(err.value)


@pytest.mark.parametrize("text,value", [
    ("116.39", 116.39), ("116.39°", 116.39), ("116.39E", 116.39), ("东经116.39", 116.39),
    ("73.5W", -73.5), ("-73.5", -73.5), ("116°23'24\"", 116.39), ("116度23分24秒", 116.39),
    ("116:23:24", 116.39), ("116° 23′ 24″ E", 116.39), ("３９.９", 39.9), ("116,5", 116.5),
])
def test_parse_coordinate(text, value):
    assert parse_coordinate(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["abc", "", "116°75'", None])
def test_parse_coordinate_rejects(text):
    assert np.isnan(parse_coordinate(text))


@pytest.mark.parametrize("columns,expected", [
    (["名称", "经度", "纬度"], ("经度", "纬度")),
    (["name", "Longitude", "Latitude"], ("Longitude", "Latitude")),
    (["name", "X", "Y", "lng", "lat"], ("lng", "lat")),
    (["名称", "东坐标", "北坐标"], ("东坐标", "北坐标")),
    (["名称", "高德经度", "高德纬度"], ("高德经度", "高德纬度")),
    (["id", "gcj02_lng", "gcj02_lat"], ("gcj02_lng", "gcj02_lat")),
    (["名称", "经纬度"], ("经纬度",)),
    (["名称", "地址"], None),
])
def test_find_coordinate_columns(columns, expected):
    assert find_coordinate_columns(columns) == expected


def test_csv_with_bom_header_and_title_line(tmp_path):
    text = "XX村消火栓登记表,,\n编号,经度,纬度\nH-1,116.3,39.9\n"
    path = tmp_path / "x.csv"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    part = read_file(path).parts[0]
    assert list(part.frame.columns) == ["编号", "经度", "纬度", "geometry"]
    assert list(part.frame.index) == [3]
