"""The hazard ledger on the map: compound style classes (status × severity × overdue), the most
specific class wins, validation of compound keys, and items without a location (not placed yet)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from fireriskmap.errors import SpecError
from fireriskmap.render.renderer import class_codes, class_ids
from fireriskmap.render.style import load_style, parse_map_style

GK_CRS = "EPSG:4545"


def _hazards():
    return gpd.GeoDataFrame({
        "status": ["open", "open", "rectifying", "closed", "void", "overdue", None],
        "severity": ["major", "general", "major", "major", "general", "general", "general"],
        "overdue": [False, False, True, False, False, True, False],
    }, geometry=[shapely.Point(500_000 + 10 * i, 2_900_000) for i in range(6)] + [None], crs=GK_CRS)


def test_hazard_classes_most_specific_wins():
    ls = load_style().layers["hazards"]
    assert ls.field == ("status", "severity", "overdue")
    gdf = _hazards()
    codes = class_codes(gdf, ls.field, np.arange(len(gdf)))
    assert codes[0] == "open|major|false" and codes[6] == "|general|false"
    names = [None, *ls.classes]
    got = [names[i] for i in class_ids(codes, ls)]
    assert got == ["*|major|*", "*|general|*", "*|major|true", "closed|*|*", "void|*|*", "*|general|true",
                   "*|general|*"]
    # overdue ones are drawn bigger, with a dark edge
    assert ls.classes["*|major|true"].size > ls.classes["*|major|*"].size
    assert ls.classes["*|major|true"].stroke == "#000000"


def test_compound_keys_are_checked():
    base = {"version": 1, "layers": {"hazards": {"field": ["status", "severity"], "classes": {}}}}

    def with_class(key, symbol):
        data = {"version": 1, "layers": {"hazards": dict(base["layers"]["hazards"], classes={key: symbol})}}
        return parse_map_style(data)

    label = {"zh": "x", "en": "x"}
    with pytest.raises(SpecError, match="expected 2 values"):
        with_class("open", {"label": label})
    with pytest.raises(SpecError, match="'shut' is not a value of hazards.status"):
        with_class("shut|*", {"label": label})
    with pytest.raises(SpecError, match="need a legend label"):
        with_class("open|major", {})
    with pytest.raises(SpecError, match="not a field of hazards"):
        parse_map_style({"version": 1, "layers": {"hazards": {"field": ["status", "nope"]}}})
    layers, _ = with_class("closed|*", {"label": label})
    assert layers["hazards"].field == ("status", "severity")


def test_unplaced_items_render_and_legend(tiny):
    from fireriskmap.ledger import Ledger
    from fireriskmap.render.renderer import MapRenderer, ensure_gui_application

    ensure_gui_application()
    project = tiny
    ledger = Ledger(project, today=None)
    ledger.add({"severity": "major", "deadline": "2000-01-01", "found_date": "1999-12-01"},
               x=500_050.0, y=2_900_050.0)
    ledger.add({"description": "address only"})  # no location yet
    ledger.refresh()
    renderer = MapRenderer(project, load_style())
    image = renderer.render_image(200, 150)
    assert not image.isNull()
    rows = [text for _sym, text in renderer.class_rows("hazards", lang="zh_CN")]
    assert "重大隐患（逾期未整改）" in rows and "一般隐患" in rows
