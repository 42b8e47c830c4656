"""Identify: features under a click come from the spatial index; the panel shows a building's flags
with their reasons, attributes with units, and a risk area's breakdown chart."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from fireriskmap.ui.features import feature_flags, features_at, features_in, value_text
from fireriskmap.ui.identify_panel import Hit, IdentifyPanel

GK_CRS = "EPSG:4545"
X0, Y0 = 500_000.0, 2_900_000.0


@pytest.fixture
def flagged(make_tiny):
    project = make_tiny()
    b = project.layers["buildings"].copy()
    b["chimney_candidate"] = True
    b["chimney_candidate_reason"] = "3 层，一部敞开楼梯，商住（下店上宅）（烟囱楼/通天房规则）"
    b["high_rise"] = False
    b["high_rise_reason"] = ""
    b["steel_or_panel"] = pd_na()
    b["steel_or_panel_reason"] = "数据不足：结构不详"
    b["height"] = 12.5
    project.set_layer("buildings", b)
    project.set_layer("risk_areas", gpd.GeoDataFrame(
        {"area_id": ["V1"], "name": ["岩寨村"], "level": ["major"], "score": [81.5], "rank": [1],
         "reasons_zh": ["木结构占比高；消防水源覆盖不足"], "reasons_en": ["timber; water"],
         "c_timber_share": [22.0], "c_water_coverage": [15.5], "c_response": [9.0]},
        geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=GK_CRS))
    return project


def pd_na():
    import pandas as pd

    return pd.NA


def test_hit_tests_use_the_spatial_index(tiny):
    b = tiny.layers["buildings"]
    assert features_at(b, "polygon", X0 + 150, Y0 + 150, 1.0).tolist() == [0]
    assert features_at(b, "polygon", X0 + 500, Y0 + 500, 1.0).tolist() == []
    h = tiny.layers["hydrants"]
    assert features_at(h, "point", X0 + 805, Y0 + 803, 8.0).tolist() == [0]
    assert features_at(h, "point", X0 + 830, Y0 + 800, 8.0).tolist() == []
    r = tiny.layers["roads"]
    assert features_at(r, "line", X0 + 400, Y0 + 604, 5.0).tolist() == [0]
    assert features_in(b, (X0, Y0, X0 + 120, Y0 + 120)).tolist() == [0]


def test_flags_with_reasons(flagged):
    row = flagged.layers["buildings"].iloc[0]
    flags = {f.column: f for f in feature_flags("buildings", row)}
    assert flags["chimney_candidate"].on is True
    assert "烟囱楼" in flags["chimney_candidate"].reason
    assert flags["high_rise"].on is False
    assert flags["steel_or_panel"].on is None and "数据不足" in flags["steel_or_panel"].reason
    assert value_text("buildings", "height", 12.5, with_unit=True) == "12.5 m"


def test_panel_shows_flags_attributes_and_breakdown(qtbot, flagged):
    panel = IdentifyPanel()
    qtbot.addWidget(panel)
    panel.set_project(flagged)
    panel.resize(360, 600)
    panel.show()
    panel.show_hits([Hit("buildings", 0), Hit("risk_areas", 0)])
    assert panel.list.topLevelItemCount() == 2
    text = panel.details.toPlainText()
    assert "烟囱楼候选" in text and "通天房规则" in text
    assert "木结构" in text and "12.5 m" in text
    assert not panel.chart.isVisibleTo(panel)
    panel.list.setCurrentItem(panel.list.topLevelItem(1))
    text = panel.details.toPlainText()
    assert "重大风险" in text and "81.5" in text and "消防水源覆盖不足" in text
    assert panel.chart.isVisibleTo(panel)
    widths = panel.chart.bars.opts["width"]
    assert sorted(widths, reverse=True) == [22.0, 15.5, 9.0]


def test_panel_says_when_not_analysed(qtbot, tiny):
    panel = IdentifyPanel()
    qtbot.addWidget(panel)
    panel.set_project(tiny)
    html = panel.details_html("buildings", tiny.layers["buildings"].iloc[0], 0, "zh_CN")
    assert "木结构" in html
    panel.show_hits([])
    assert panel.hint.isVisibleTo(panel)
