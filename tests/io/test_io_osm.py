"""OpenStreetMap: a tiny hand-made extract, and the real Bayreuth and NYC extracts."""

from __future__ import annotations

import gzip

import pytest

from fireriskmap.core.crs import metric_crs_for
from fireriskmap.core.project import Project
from fireriskmap.io import data_centre_lonlat, import_file, read_file
from fireriskmap.io.osm import parse_length

# A village at 116.30E 39.90N. Ids: nodes 1.., ways 100.., relations 500..
_NODES = {
    1: (116.3000, 39.9000), 2: (116.3002, 39.9000), 3: (116.3002, 39.9002), 4: (116.3000, 39.9002),
    5: (116.3010, 39.9000), 6: (116.3013, 39.9000), 7: (116.3013, 39.9003), 8: (116.3010, 39.9003),
    9: (116.3011, 39.9001), 10: (116.3012, 39.9001), 11: (116.3012, 39.9002), 12: (116.3011, 39.9002),
    13: (116.2990, 39.8990), 14: (116.3030, 39.8990),
    20: (116.3020, 39.9010), 21: (116.3022, 39.9010), 22: (116.3022, 39.9012), 23: (116.3020, 39.9012),
    30: (116.3040, 39.9000), 31: (116.3041, 39.9000), 32: (116.3041, 39.9001),  # open "building" way
}
_TAGGED_NODES = {
    40: ((116.3005, 39.8995), {"emergency": "fire_hydrant", "fire_hydrant:type": "pillar",
                               "fire_hydrant:pressure": "4", "ref": "H-7"}),
    41: ((116.3006, 39.8995), {"amenity": "fire_station", "name": "东村微型消防站"}),
    42: ((116.3007, 39.8995), {"emergency": "suction_point", "name": "河边取水点"}),
    43: ((116.3008, 39.8995), {"amenity": "school", "name": "东村小学"}),
    44: ((116.3009, 39.8995), {"building": "yes"}),  # a building as a point: rejected
    45: ((116.3010, 39.8995), {"amenity": "social_facility", "social_facility": "nursing_home"}),
    46: ((116.3011, 39.8995), {"amenity": "fire_station"}),  # no name
}


def _tags(tags: dict) -> str:
    return "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())


def _way(wid: int, nodes: list[int], tags: dict) -> str:
    refs = "".join(f'<nd ref="{n}"/>' for n in nodes)
    return f'<way id="{wid}" version="1">{refs}{_tags(tags)}</way>'


def tiny_osm() -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in _NODES.items():
        parts.append(f'<node id="{nid}" version="1" lat="{lat}" lon="{lon}"/>')
    for nid, ((lon, lat), tags) in _TAGGED_NODES.items():
        parts.append(f'<node id="{nid}" version="1" lat="{lat}" lon="{lon}">{_tags(tags)}</node>')
    parts += [
        _way(100, [1, 2, 3, 4, 1], {"building": "house", "building:levels": "3", "height": "12 m",
                                    "building:material": "wood", "name": "张家"}),
        _way(101, [5, 6, 7, 8, 5], {}),  # outer of the multipolygon
        _way(102, [9, 10, 11, 12, 9], {}),  # inner
        _way(103, [13, 14], {"highway": "residential", "name": "东村路", "width": "3,5",
                             "surface": "concrete:plates", "oneway": "yes"}),
        _way(104, [20, 21, 22, 23, 20], {"amenity": "fire_station", "name": "镇专职消防队",
                                         "building": "fire_station"}),
        _way(105, [30, 31, 32], {"building": "yes"}),  # not closed: rejected
        _way(106, [1, 13], {"highway": "footway", "area": "no"}),
    ]
    parts.append('<relation id="500" version="1">'
                 '<member type="way" ref="101" role="outer"/><member type="way" ref="102" role="inner"/>'
                 + _tags({"type": "multipolygon", "building": "warehouse", "height": "40 ft"}) + "</relation>")
    parts.append("</osm>")
    return "\n".join(parts)


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "village.osm.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(tiny_osm())
    return path


def test_tiny_extract_fills_every_kind(tiny):
    result = read_file(tiny)
    assert result.format == "osm"
    kinds = {p.kind: p for p in result.parts}
    assert set(kinds) == {"buildings", "roads", "hydrants", "fire_stations", "water_sources", "key_places"}
    b = kinds["buildings"].frame
    assert sorted(b.index) == ["r500", "w100", "w104"]
    assert b.loc["w100", "storeys"] == 3 and b.loc["w100", "height"] == 12.0
    assert b.loc["w100", "structure"] == "timber" and b.loc["w100", "use"] == "residential"
    assert b.loc["r500", "height"] == pytest.approx(12.192)
    assert b.loc["r500"].geometry.geom_type in ("Polygon", "MultiPolygon")
    assert len(b.loc["r500"].geometry.interiors if b.loc["r500"].geometry.geom_type == "Polygon"
               else b.loc["r500"].geometry.geoms[0].interiors) == 1  # the courtyard hole
    rej = kinds["buildings"].rejected.set_index("row")["reason"].to_dict()
    assert rej == {"n44": "osm_building_node", "w105": "osm_area_not_assembled"}
    r = kinds["roads"].frame
    assert sorted(r.index) == ["w103", "w106"]
    assert r.loc["w103", "width"] == 3.5 and r.loc["w103", "surface"] == "paved" and r.loc["w103", "oneway"]
    h = kinds["hydrants"].frame
    assert h.loc["n40", "pressure"] == pytest.approx(0.4) and h.loc["n40", "name"] == "H-7"
    fs = kinds["fire_stations"].frame
    assert sorted(fs.index) == ["n41", "n46", "w104"]
    assert fs.loc["w104"].geometry.geom_type == "Point"
    assert fs.loc["w104"].geometry.within(b.loc["w104"].geometry)
    assert kinds["fire_stations"].warnings["reason"].tolist() == ["name_filled"]
    assert kinds["water_sources"].frame.loc["n42", "source_type"] == "natural_intake"
    kp = kinds["key_places"].frame
    assert kp.loc["n43", "place_type"] == "school" and kp.loc["n45", "place_type"] == "nursing_home"


def test_tiny_extract_import(tiny, tmp_path):
    result = read_file(tiny)
    project = Project.new(metric_crs_for(*data_centre_lonlat(result)))
    summary = import_file(project, tiny, report_dir=tmp_path)
    assert project.counts() == {"buildings": 3, "roads": 2, "hydrants": 1, "fire_stations": 3,
                                "water_sources": 1, "key_places": 2}
    b = summary.kinds["buildings"]
    assert (b.read, b.imported, b.rejected) == (5, 3, 2)
    assert project.layer("buildings").set_index("source_id").loc["w100", "storeys"] == 3
    fs = project.layer("fire_stations").set_index("source_id")
    assert fs.loc["n41", "force_type"] == "micro"
    assert fs.loc["w104", "force_type"] == "government"
    assert "n46" in fs.loc["n46", "name"]
    only = import_file(Project.new("EPSG:4548"), tiny, kind="hydrants", report_dir=tmp_path)
    assert list(only.kinds) == ["hydrants"]


@pytest.mark.parametrize("text,metres", [
    ("12", 12.0), ("12 m", 12.0), ("12.5m", 12.5), ("3,5", 3.5), ("40 ft", 12.192), ("40'", 12.192),
    ("12'6\"", 3.81), ("0.2 km", 200.0), ("abc", None), ("", None), (None, None),
])
def test_parse_length(text, metres):
    assert parse_length(text) == (pytest.approx(metres) if metres is not None else None)


def test_bayreuth_counts(tmp_path, shared_osm):
    path = shared_osm("north-bayreuth.osm.gz")
    result = read_file(path)
    counts = {p.kind: len(p.frame) for p in result.parts}
    read = {p.kind: p.read_count for p in result.parts}
    assert 4267 <= counts["buildings"] <= 4269 and read["buildings"] == 4269
    assert counts["hydrants"] == 20
    assert counts["fire_stations"] == 7  # 4 nodes + 3 areas
    assert abs(counts["roads"] - 2056) <= 5
    project = Project.new(metric_crs_for(*data_centre_lonlat(result)))
    summary = import_file(project, path, report_dir=tmp_path)
    assert summary.kinds["buildings"].imported == counts["buildings"]
    assert summary.kinds["buildings"].rejected == 2  # two buildings mapped as points
    assert project.layer("buildings").geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert project.layer("roads")["road_class"].notna().all()
    assert project.layer("buildings")["source_id"].str.match(r"^[wr]\d+$").all()
    assert project.crs.to_epsg() == 32632  # UTM 32N outside China


def test_nyc_heights(tmp_path, shared_osm):
    path = shared_osm("nyc.osm.pbf")
    result = read_file(path, kind="buildings")
    part = result.parts[0]
    assert part.read_count == 1529
    assert len(part.frame) >= 1525
    project = Project.new(metric_crs_for(*data_centre_lonlat(result)))
    import_file(project, path, kind="buildings", report_dir=tmp_path)
    heights = project.layer("buildings")["height"]
    assert heights.notna().sum() == 1514
    assert (heights > 27).sum() > 10  # high-rises by GB 50016 (residential > 27 m)
