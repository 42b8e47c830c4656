"""Layer catalogue: every spec loads, bad specs name file and key, coercion reports problems."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from fireriskmap.core.spec import (catalogue, coerce_frame, get_spec, input_kinds, load_spec,
                                   normalise_name, parse_date)
from fireriskmap.errors import SchemaError, SpecError

INPUT_KINDS = {"villages", "buildings", "roads", "hydrants", "water_sources", "fire_stations",
               "key_places", "incidents", "hazards"}
DERIVED_KINDS = {"clusters", "firebreaks", "risk_areas", "coverage_gaps", "response_areas",
                 "proposed_hydrants", "patrol_routes", "patrol_stops", "hydrant_spacing", "proposed_stations"}


def test_catalogue_has_every_kind():
    specs = catalogue()
    assert INPUT_KINDS | DERIVED_KINDS <= set(specs)
    assert set(input_kinds()) == INPUT_KINDS
    for kind in DERIVED_KINDS:
        assert specs[kind].derived


def test_every_field_has_both_labels_and_enums_have_labels():
    for spec in catalogue().values():
        assert spec.labels["zh"] and spec.labels["en"]
        for f in spec.fields:
            assert f.labels["zh"] and f.labels["en"], (spec.kind, f.name)
            for v in f.values:
                assert v.labels["zh"] and v.labels["en"], (spec.kind, f.name, v.code)


def test_buildings_fields_from_the_issue():
    b = get_spec("buildings")
    for name in ("storeys", "height", "structure", "fire_rating", "use", "households", "open_stair",
                 "ground_commercial", "anti_theft_bars", "ebike_indoor", "sandwich_panel", "self_built"):
        assert b.has_field(name)
    assert b.field("structure").codes() == ["timber", "brick_timber", "brick_concrete",
                                            "reinforced_concrete", "steel", "other"]
    assert b.field("fire_rating").codes() == ["1", "2", "3", "4"]
    assert b.field("height").unit == "m"


def test_auto_mapping_by_alias_label_and_name():
    b = get_spec("buildings")
    mapping = b.auto_mapping(["层数", "结构类型", "耐火等级", "高度(米)", "building:levels", "storeys", "备注"])
    assert mapping["storeys"] == "storeys"  # exact name wins over the alias
    assert "building:levels" not in mapping and "层数" not in mapping  # each field used once
    assert mapping["结构类型"] == "structure"
    assert mapping["耐火等级"] == "fire_rating"
    assert mapping["高度(米)"] == "height"
    assert "备注" not in mapping
    assert get_spec("hydrants").match_column("消火栓编号") == "name"


def test_enum_bool_number_parsing():
    b = get_spec("buildings")
    assert b.field("structure").parse("砖木") == "brick_timber"
    assert b.field("structure").parse("木结构") == "timber"
    assert b.field("fire_rating").parse("四级") == "4"
    assert b.field("fire_rating").parse(2) == "2"
    assert b.field("open_stair").parse("是") is True
    assert b.field("open_stair").parse("无") is False
    assert b.field("storeys").parse("3层") == 3
    assert b.field("height").parse("12.5米") == 12.5
    assert b.field("storeys").parse("") is None
    with pytest.raises(ValueError):
        b.field("storeys").parse("2.5")
    with pytest.raises(ValueError):
        b.field("structure").parse("冰屋")
    with pytest.raises(ValueError):
        b.field("storeys").parse(-1)


@pytest.mark.parametrize("raw", ["2023年12月7日", "2023.12.7", "2023/12/07", "2023-12-07", "20231207", 45267])
def test_chinese_dates(raw):
    assert parse_date(raw).isoformat() == "2023-12-07"


def test_coerce_frame_reports_and_rejects_without_dropping():
    spec = get_spec("hazards")
    frame = pd.DataFrame({"found_date": ["2023年12月7日", "2023.12.7", None, "昨天"],
                          "severity": ["重大", "一般", "bad", None]})
    original = frame.copy()
    values, problems, rejected = coerce_frame(spec, frame)
    assert len(values) == 4  # nothing dropped here: the caller decides
    assert list(values["found_date"][:2]) == ["2023-12-07", "2023-12-07"]
    assert list(values["severity"]) == ["major", "general", "general", "general"]  # default fills empties
    assert set(zip(problems["row"], problems["field"])) == {(3, "found_date"), (2, "severity")}
    assert sorted(rejected["row"]) == [2, 3]  # required found_date missing or unusable
    assert (rejected["reason"] == "required_missing").all()
    pd.testing.assert_frame_equal(frame, original)  # input not mutated


def test_normalise_name():
    assert normalise_name(" Building_Levels ") == normalise_name("building:levels")
    assert normalise_name("高度（米）") == "高度"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_bad_spec_names_file_and_key(tmp_path):
    path = _write(tmp_path, "things.toml", """
        kind = "things"
        geometry = "point"
        label = { zh = "东西", en = "Things" }
        [[fields]]
        name = "size"
        type = "bigint"
        label = { zh = "大小", en = "Size" }
    """)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert err.value.params["file"] == "things.toml"
    assert err.value.params["key"] == "fields.size.type"
    assert "things.toml" in str(err.value) and "fields.size.type" in str(err.value)


@pytest.mark.parametrize("body,key", [
    ('kind = "things"\ngeometry = "blob"\nlabel = { zh = "a", en = "b" }\nfields = []\n', "geometry"),
    ('kind = "things"\ngeometry = "point"\nlabel = { zh = "a" }\nfields = []\n', "label"),
    ('kind = "things"\ngeometry = "point"\nlabel = { zh = "a", en = "b" }\n[[fields]]\nname = "k"\ntype = "enum"\n'
     'label = { zh = "a", en = "b" }\nvalues = [{ code = "x", zh = "x", en = "x" }, { code = "x", zh = "y", en = "y" }]\n',
     "fields.k.values[1].code"),
    ('kind = "things"\ngeometry = "point"\nlabel = { zh = "a", en = "b" }\nfields = []\ncolour = 3\n', "colour"),
    ('kind = "things"\ngeometry = "point"\nlabel = { zh = "a", en = "b" }\n[[fields]]\nname = "n"\ntype = "int"\n'
     'label = { zh = "a", en = "b" }\n[[fields]]\nname = "n"\ntype = "int"\nlabel = { zh = "a", en = "b" }\n',
     "fields.n.name"),
    ('kind = "things"\ngeometry = "point"\nlabel = = 3\n', "(toml)"),
    ('kind = "things"\ngeometry = "point"\nlabel = { zh = "a", en = "b" }\nledger_id = "uid"\n[[fields]]\n'
     'name = "n"\ntype = "int"\nlabel = { zh = "a", en = "b" }\n', "ledger_id"),
])
def test_bad_spec_variants(tmp_path, body, key):
    path = _write(tmp_path, "things.toml", body)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert err.value.params["key"] == key


def test_kind_must_match_file_name(tmp_path):
    path = _write(tmp_path, "other.toml",
                  'kind = "things"\ngeometry = "point"\nlabel = { zh = "a", en = "b" }\nfields = []\n')
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert err.value.params["key"] == "kind"


def test_unknown_kind():
    with pytest.raises(SchemaError):
        get_spec("dragons")
