"""The attribute table over one layer: spec labels with units, enum labels, sort, filter, search,
and the selection kept in step with the shared selection model both ways."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QItemSelectionModel, Qt

from fireriskmap.ui.attribute_table import AttributeTableModel, AttributeTablePanel, number_mask
from fireriskmap.ui.selection import SelectionModel


def header_texts(model):
    return [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]


def cell(model, row, column):
    return model.data(model.index(row, model.columns.index(column)))


def test_model_shows_labels_units_and_enum_labels(town):
    model = AttributeTableModel()
    model.set_layer("buildings", town.layers["buildings"], "zh_CN")
    headers = header_texts(model)
    assert "层数 (层)" in headers and "结构" in headers and "所属村/社区" in headers
    assert "geometry" not in model.columns
    assert model.rowCount() == len(town.layers["buildings"])
    structures = {cell(model, r, "structure") for r in range(50)}
    assert structures <= {"木结构", "砖木结构", "砖混结构", "钢筋混凝土结构", "钢结构", "其他"}
    model.set_layer("buildings", town.layers["buildings"], "en")
    assert "Storeys (层)" in header_texts(model)
    assert cell(model, 0, "structure") in {"Timber", "Brick-timber", "Brick-concrete", "Reinforced concrete",
                                             "Steel", "Other"}


def test_model_yes_no_and_missing(tiny):
    model = AttributeTableModel()
    model.set_layer("hydrants", tiny.layers["hydrants"], "zh_CN")
    assert cell(model, 0, "working") == "是"
    assert cell(model, 0, "pressure") == ""  # missing stays empty, never 0


def test_sort_numbers_and_enums(town):
    model = AttributeTableModel()
    gdf = town.layers["buildings"]
    model.set_layer("buildings", gdf, "zh_CN")
    col = model.columns.index("storeys")
    model.sort(col, Qt.SortOrder.DescendingOrder)
    values = [gdf["storeys"].iloc[model.position(r)] for r in range(model.rowCount())]
    assert values == sorted(values, reverse=True)
    model.sort(model.columns.index("structure"), Qt.SortOrder.AscendingOrder)
    firsts = [cell(model, r, "structure") for r in range(5)]
    assert set(firsts) == {"木结构"}  # spec order: timber first


def test_number_filter_syntax():
    import pandas as pd

    values = pd.Series([1, 2, 3, 4, 5, None], dtype="Int64")
    assert number_mask(values, "≥3").tolist() == [False, False, True, True, True, False]
    assert number_mask(values, "<2").tolist() == [True, False, False, False, False, False]
    assert number_mask(values, "2-4").tolist() == [False, True, True, True, False, False]
    assert number_mask(values, "3").tolist() == [False, False, True, False, False, False]
    assert number_mask(values, "abc") is None


@pytest.fixture
def panel(qtbot, town):
    selection = SelectionModel()
    widget = AttributeTablePanel(selection)
    qtbot.addWidget(widget)
    widget.set_project(town)
    widget.set_kind("buildings")
    widget.resize(900, 300)
    widget.show()
    return widget


def test_search_and_field_filter(panel, qtbot, town):
    gdf = town.layers["buildings"]
    panel.search.setText("高坪")
    panel._apply_filter()
    assert panel.model.rowCount() == int((gdf["village"] == "高坪村").sum())
    panel.search.clear()
    panel.field_combo.setCurrentIndex(panel.field_combo.findData("structure"))
    panel.value_combo.setCurrentIndex(panel.value_combo.findData("steel"))
    panel._apply_filter()
    assert panel.model.rowCount() == int((gdf["structure"] == "steel").sum())
    panel.field_combo.setCurrentIndex(panel.field_combo.findData("storeys"))
    panel.value_edit.setText(">=4")
    panel._apply_filter()
    assert panel.model.rowCount() == int((gdf["storeys"] >= 4).sum())
    assert "显示" in panel.count_label.text()
    panel.clear_filters()
    assert panel.model.rowCount() == len(gdf)


def test_selection_syncs_both_ways(panel, qtbot):
    selection = panel.selection
    # map → table
    selection.select("buildings", [3, 10, 11], source="map")
    rows = sorted(i.row() for i in panel.view.selectionModel().selectedRows())
    assert [panel.model.position(r) for r in rows] == [3, 10, 11]
    # table → map (after sorting, rows and positions differ)
    panel.model.sort(panel.model.columns.index("storeys"), Qt.SortOrder.DescendingOrder)
    panel.view.selectionModel().select(panel.model.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                       | QItemSelectionModel.SelectionFlag.Rows)
    assert selection.kind == "buildings"
    assert selection.positions.tolist() == [panel.model.position(0)]
    # selected only
    selection.select("buildings", [5, 6], source="map")
    panel.selected_only.setChecked(True)
    assert panel.model.rowCount() == 2
    panel.selected_only.setChecked(False)


def test_selection_in_another_layer_switches_the_table(panel, town):
    panel.selection.select("hydrants", [2], source="map")
    assert panel.kind == "hydrants"
    rows = [i.row() for i in panel.view.selectionModel().selectedRows()]
    assert [panel.model.position(r) for r in rows] == [2]


def test_cell_edit_goes_through_edit_requested(panel, qtbot):
    model = panel.model
    column = model.columns.index("storeys")
    with qtbot.waitSignal(panel.edit_requested) as blocker:
        model.setData(model.index(0, column), 7)
    assert blocker.args == ["buildings", model.position(0), "storeys", 7]
    # analysis results are read-only
    if "cluster_id" in model.columns:
        assert not model.flags(model.index(0, model.columns.index("cluster_id"))) & Qt.ItemFlag.ItemIsEditable
