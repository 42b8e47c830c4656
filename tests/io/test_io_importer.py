"""import_file: kinds, mapping, append/replace, rejected-row report, summary."""

from __future__ import annotations

import csv
import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from fireriskmap.core.crs import metric_crs_for
from fireriskmap.errors import SchemaError
from fireriskmap.i18n import set_language
from fireriskmap.io import data_centre_lonlat, import_file, read_file


def write_csv(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


HYDRANTS = ("编号,型式,压力(MPa),完好,经度,纬度\n"
            "H1,地上式,0.35,是,116.30,39.90\n"
            "H2,地下式,高,否,116.31,39.91\n"
            "H3,地上式,0.2,是,,\n"
            "H4,喷泉式,0.3,是,116.32,39.92\n")


def test_append_then_replace(tmp_path, project):
    path = write_csv(tmp_path / "消火栓.csv", HYDRANTS)
    s1 = import_file(project, path, report_dir=tmp_path)
    assert s1.kinds["hydrants"].imported == 3 and s1.kinds["hydrants"].layer_total == 3
    s2 = import_file(project, path, mode="append", report_dir=tmp_path)
    assert s2.kinds["hydrants"].layer_total == 6
    assert len(project.layer("hydrants")) == 6
    s3 = import_file(project, path, mode="replace", report_dir=tmp_path)
    assert s3.kinds["hydrants"].layer_total == 3
    assert project.layer("hydrants")["name"].tolist() == ["H1", "H2", "H4"]
    assert project.layer("hydrants").crs == project.crs
    with pytest.raises(ValueError):
        import_file(project, path, mode="merge")


def test_values_and_warnings(tmp_path, project):
    path = write_csv(tmp_path / "消火栓.csv", HYDRANTS)
    summary = import_file(project, path, report_dir=tmp_path)
    layer = project.layer("hydrants")
    assert layer["hydrant_type"].tolist() == ["pillar", "underground", None]
    assert layer["pressure"].tolist()[0] == pytest.approx(0.35)
    assert pd.isna(layer["pressure"].tolist()[1])
    assert layer["working"].tolist() == [True, False, True]
    ks = summary.kinds["hydrants"]
    assert (ks.read, ks.imported, ks.rejected, ks.warnings) == (4, 3, 1, 2)
    assert ks.mapping == {"编号": "name", "型式": "hydrant_type", "压力(MPa)": "pressure", "完好": "working"}


def test_rejected_report_content(tmp_path, project):
    path = write_csv(tmp_path / "消火栓.csv", HYDRANTS, encoding="gbk")
    summary = import_file(project, path, report_dir=tmp_path / "reports")
    report = summary.report_path
    assert report == tmp_path / "reports" / "消火栓.rejected.csv"
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["图层", "行号", "处理结果", "文件列名", "字段", "原值", "原因代码", "说明"]
    body = {(r[1], r[6]): r for r in rows[1:]}
    assert set(body) == {("3", "not_number"), ("4", "coords_missing"), ("5", "not_in_enum")}
    assert body[("4", "coords_missing")][2] == "已拒绝" and body[("4", "coords_missing")][7] == "缺少坐标"
    assert body[("3", "not_number")][2] == "警告"
    assert body[("3", "not_number")][3] == "压力(MPa)" and body[("3", "not_number")][5] == "高"
    assert body[("5", "not_in_enum")][5] == "喷泉式"
    assert all(r[0] == "消火栓" for r in rows[1:])
    # the same issues for the UI, with machine codes
    assert set(summary.issues["status"]) == {"rejected", "warning"}


def test_report_in_english(tmp_path, project):
    set_language("en")
    path = write_csv(tmp_path / "h.csv", HYDRANTS)
    summary = import_file(project, path, kind="hydrants", report_dir=tmp_path)
    header = summary.report_path.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "layer,row,status,column,field,value,reason,message"


def test_report_defaults_beside_project_file(tmp_path, project):
    project.path = tmp_path / "proj" / "town.gpkg"
    (tmp_path / "proj").mkdir()
    path = write_csv(tmp_path / "消火栓.csv", HYDRANTS)
    summary = import_file(project, path)
    assert summary.report_path == tmp_path / "proj" / "消火栓.rejected.csv"


def test_no_report_when_clean(tmp_path, project):
    path = write_csv(tmp_path / "hydrants.csv", "name,lon,lat\nA,116.3,39.9\n")
    summary = import_file(project, path, report_dir=tmp_path)
    assert summary.report_path is None and summary.rejected == 0
    assert not list(tmp_path.glob("*.rejected.csv"))


def test_explicit_mapping(tmp_path, project):
    path = write_csv(tmp_path / "points.csv",
                     "站名,性质,备注,人员,lon,lat\n一中队,专职队,x,12,116.3,39.9\n二中队,志愿队,y,5,116.31,39.9\n")
    summary = import_file(project, path, kind="fire_stations",
                          mapping={"备注": "village", "人员": None}, report_dir=tmp_path)
    ks = summary.kinds["fire_stations"]
    assert ks.mapping == {"站名": "name", "性质": "force_type", "备注": "village"}
    assert ks.unmapped == ["人员"]
    layer = project.layer("fire_stations")
    assert layer["village"].tolist() == ["x", "y"]
    assert layer["force_type"].tolist() == ["government", "volunteer"]
    assert layer["staff"].isna().all()
    # by label, and moving a field away from its automatic column
    import_file(project, path, kind="fire_stations", mapping={"备注": "名称"}, mode="replace",
                report_dir=tmp_path)
    assert project.layer("fire_stations")["name"].tolist() == ["x", "y"]
    with pytest.raises(SchemaError) as err:
        import_file(project, path, kind="fire_stations", mapping={"nope": "name"})
    assert "nope" in str(err.value)
    with pytest.raises(SchemaError):
        import_file(project, path, kind="fire_stations", mapping={"备注": "no_such_field"})


def test_required_field_missing_rejects_row(tmp_path, project):
    path = write_csv(tmp_path / "stations.csv", "name,lon,lat\n一中队,116.3,39.9\n,116.31,39.9\n")
    summary = import_file(project, path, kind="fire_stations", report_dir=tmp_path)
    ks = summary.kinds["fire_stations"]
    assert (ks.imported, ks.rejected) == (1, 1)
    row = summary.issues.iloc[0]
    assert (row["row"], row["field"], row["reason"]) == ("3", "name", "required_missing")
    # default filled for required enum
    assert project.layer("fire_stations")["force_type"].tolist() == ["volunteer"]


def test_geometry_type_handling(tmp_path, project):
    frame = gpd.GeoDataFrame(
        {"name": ["poly", "point", "line", "empty"]},
        geometry=[box(116.3, 39.9, 116.3002, 39.9002), Point(116.31, 39.9),
                  LineString([(116.3, 39.9), (116.31, 39.9)]), None], crs=4326)
    path = tmp_path / "things.geojson"
    path.write_text(frame.to_json())
    s = import_file(project, path, kind="buildings", report_dir=tmp_path)
    ks = s.kinds["buildings"]
    assert (ks.read, ks.imported, ks.rejected) == (4, 1, 3)
    reasons = dict(zip(s.issues["row"], s.issues["reason"]))
    assert reasons == {"1": "geometry_type_mismatch", "2": "geometry_type_mismatch", "3": "geometry_missing"}
    s = import_file(project, path, kind="hydrants", report_dir=tmp_path)
    ks = s.kinds["hydrants"]
    assert (ks.imported, ks.converted, ks.rejected) == (3, 2, 1)
    assert (project.layer("hydrants").geometry.geom_type == "Point").all()


def test_kind_guess_from_columns_and_name(tmp_path, project):
    path = write_csv(tmp_path / "data.csv",
                     "发现日期,隐患类型,隐患等级,经度,纬度\n2024-11-02,私拉乱接,重大,116.3,39.9\n")
    summary = import_file(project, path, report_dir=tmp_path)
    assert list(summary.kinds) == ["hazards"]
    assert project.layer("hazards")["hazard_type"].tolist() == ["wiring"]
    path = write_csv(tmp_path / "2024年火灾事故.csv", "日期,经度,纬度\n2024-01-05,116.3,39.9\n")
    assert list(import_file(project, path, report_dir=tmp_path).kinds) == ["incidents"]
    path = write_csv(tmp_path / "points.csv", "name,lon,lat\nA,116.3,39.9\n")
    with pytest.raises(SchemaError) as err:
        import_file(project, path)
    assert err.value.key == "io.error.kind_unknown"


def test_polygon_kind_by_size(tmp_path, project):
    villages = gpd.GeoDataFrame({"name": ["东村", "西村"]},
                                geometry=[box(116.30, 39.90, 116.33, 39.92), box(116.34, 39.90, 116.37, 39.92)],
                                crs=4326)
    path = tmp_path / "boundaries_2024.geojson"
    path.write_text(villages.to_json())
    assert list(import_file(project, path, report_dir=tmp_path).kinds) == ["villages"]


def test_kind_not_importable(tmp_path, project):
    path = write_csv(tmp_path / "x.csv", "name,lon,lat\nA,116.3,39.9\n")
    with pytest.raises(SchemaError):
        import_file(project, path, kind="clusters")
    with pytest.raises(SchemaError):
        import_file(project, path, kind="no_such_kind")


def test_replace_with_nothing_leaves_layer(tmp_path, project):
    good = write_csv(tmp_path / "h.csv", "name,lon,lat\nA,116.3,39.9\n")
    import_file(project, good, kind="hydrants", report_dir=tmp_path)
    bad = write_csv(tmp_path / "h2.csv", "name,lon,lat\nB,,\n")
    summary = import_file(project, bad, kind="hydrants", mode="replace", report_dir=tmp_path)
    assert summary.kinds["hydrants"].imported == 0
    assert project.layer("hydrants")["name"].tolist() == ["A"]
    assert summary.notes


def test_summary_to_dict_is_json(tmp_path, project):
    path = write_csv(tmp_path / "消火栓.csv", HYDRANTS)
    summary = import_file(project, path, report_dir=tmp_path)
    data = json.loads(json.dumps(summary.to_dict(), ensure_ascii=False))
    assert data["kinds"]["hydrants"]["imported"] == 3
    assert data["rejected"] == 1 and data["report_path"].endswith("消火栓.rejected.csv")
    assert data["format"] == "csv" and data["source_crs"] == "EPSG:4326"


def test_inputs_not_mutated(tmp_path, project):
    path = write_csv(tmp_path / "消火栓.csv", HYDRANTS)
    result = read_file(path)
    before = result.frame.copy()
    import_file(project, path, report_dir=tmp_path)
    pd.testing.assert_frame_equal(read_file(path).frame, before)


def test_data_centre_and_project_crs(tmp_path):
    path = write_csv(tmp_path / "h.csv", "name,lon,lat\nA,116.30,39.90\nB,116.40,40.00\n")
    lon, lat = data_centre_lonlat(read_file(path))
    assert (lon, lat) == pytest.approx((116.35, 39.95))
    assert metric_crs_for(lon, lat).to_epsg() == 4548  # CGCS2000 3-degree GK CM 117E


def test_progress_is_reported(tmp_path, project):
    path = write_csv(tmp_path / "消火栓.csv", HYDRANTS)
    seen: list[float] = []
    import_file(project, path, report_dir=tmp_path, progress=lambda f, m="": seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in seen)


def test_project_without_crs_takes_it_from_the_data(tmp_path):
    from fireriskmap.core.project import Project

    project = Project.new(name="blank")
    if project.crs is not None:
        pytest.skip("this Project always has a CRS")
    path = write_csv(tmp_path / "h.csv", "name,lon,lat\nA,116.30,39.90\nB,116.40,40.00\n")
    import_file(project, path, kind="hydrants", report_dir=tmp_path)
    assert project.crs.to_epsg() == 4548


def test_describe(tmp_path, project):
    path = write_csv(tmp_path / "消火栓.csv", HYDRANTS)
    summary = import_file(project, path, report_dir=tmp_path)
    text = summary.describe()
    assert "消火栓" in text and "导入 3 条" in text and "rejected.csv" in text
    assert "imported 3" in summary.describe("en")


def test_mapping_over_several_tables(tmp_path, project):
    import pyogrio

    path = tmp_path / "export.gpkg"
    hyd = gpd.GeoDataFrame({"ref": ["H1"], "note": ["东村"]}, geometry=[Point(116.3, 39.9)], crs=4326)
    bld = gpd.GeoDataFrame({"层数": [2]}, geometry=[box(116.3, 39.9, 116.3002, 39.9002)], crs=4326)
    pyogrio.write_dataframe(hyd, path, layer="hydrants")
    pyogrio.write_dataframe(bld, path, layer="buildings")
    import_file(project, path, mapping={"note": "village"}, report_dir=tmp_path)
    assert project.layer("hydrants")["village"].tolist() == ["东村"]
    assert project.layer("buildings")["storeys"].tolist() == [2]
    with pytest.raises(SchemaError):
        import_file(project, path, mapping={"nope": "village"}, report_dir=tmp_path)
    with pytest.raises(SchemaError):
        import_file(project, path, mapping={"note": "no_such_field"}, report_dir=tmp_path)
