"""Weekly figures (《每周工作推进情况表》) on a hand-made ledger, worked out by hand.

Weeks: 2027-W02 = Mon 11 – Sun 17 January, W03 = 18 – 24 January, W04 = 25 – 31 January.
The campaign starts on 1 November 2026 (default). The ledger's date is 31 January 2027.

=====  ========  ===========  =====================================================================
item   village   found        history
=====  ========  ===========  =====================================================================
A      岩寨村    2027-01-05   major, deadline 01-20; open throughout
B      岩寨村    2027-01-12   deadline 01-15; closed 01-19
C      高坪村    2027-01-19   deadline 02-10; open
D      高坪村    2027-01-13   deadline 01-14; closed 01-16; reopened 01-26 (after W03)
E      岩寨村    2027-01-18   no deadline; voided 01-28 (after W03)
F      岩寨村    2026-12-01   imported as 已整改 with closing date 01-13 (no close action)
G      高坪村    2027-01-20   general, deadline 01-22; on 01-27 made major with deadline 02-28
=====  ========  ===========  =====================================================================

W02 (state on 17 Jan)  岩寨村: found B=1, fixed F=1, open A,B=2, overdue B=1, major A=1,
                               cumulative found A,B,F=3, closed F=1
                       高坪村: found D=1, fixed D=1, open 0, cumulative found 1, closed 1
W03 (state on 24 Jan)  岩寨村: found E=1, fixed B=1, open A,E=2, overdue A=1, major A=1,
                               cumulative A,B,E,F=4, closed B,F=2, rate 50 %
                       高坪村: found C,G=2, fixed 0, open C,G=2, overdue G=1 (deadline 22 then),
                               major 0 (G was general then), cumulative C,D,G=3, closed D=1
W04 (state on 31 Jan)  open A,C,D,G=4; overdue A,D=2; major A,G=2; cumulative found 6 (E void); closed 2
Inspections: 岩寨村 (100 households) 60 on 12 Jan, 30 on 19 Jan, one not-at-home visit on 20 Jan;
高坪村 (50) none → W02 60/150 = 40 %, W03 90/150 = 60 %. A fire in 高坪村 on 21 Jan (1 injured).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from fireriskmap.core.project import Project
from fireriskmap.ledger import Ledger, add_inspections
from fireriskmap.ledger.weekly import parse_week, weekly_report

GK = "EPSG:4545"
X0, Y0 = 500_000.0, 2_900_000.0


class Clock:
    def __init__(self):
        self.now = "2027-01-01T09:00:00"

    def set(self, day: str) -> None:
        self.now = f"{day}T09:00:00"

    def __call__(self):
        return self.now


def hand_made():
    p = Project.new(GK, name="测试镇")
    p.set_layer("villages", gpd.GeoDataFrame({"name": ["岩寨村", "高坪村"], "households": [100, 50]},
                                             geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000),
                                                       box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)], crs=GK))
    p.set_layer("incidents", gpd.GeoDataFrame(
        {"date": ["2027-01-21", "2027-01-02"], "cause": ["electrical", "smoking"], "village": ["高坪村", "岩寨村"],
         "loss_yuan": [5000.0, 100.0], "deaths": [0, 0], "injuries": [1, 0]},
        geometry=[Point(X0 + 1500, Y0 + 500), Point(X0 + 500, Y0 + 500)], crs=GK))
    clock = Clock()
    led = Ledger(p, user="测试", today=dt.date(2027, 1, 31), clock=clock)
    ids = {}

    def add(name, day, **values):
        clock.set(day)
        ids[name] = led.add({"found_date": day, "description": name, **values}, x=X0 + 10, y=Y0 + 10)

    add("A", "2027-01-05", village="岩寨村", severity="major", deadline="2027-01-20")
    add("B", "2027-01-12", village="岩寨村", deadline="2027-01-15")
    add("D", "2027-01-13", village="高坪村", deadline="2027-01-14")
    clock.set("2027-01-13")
    ids["F"] = led.add_many(gpd.GeoDataFrame(
        {"found_date": ["2026-12-01"], "village": ["岩寨村"], "status": ["已整改"], "closed_date": ["2027年1月13日"],
         "description": ["F"]}, geometry=[None], crs=GK), action="import", note="旧台账.xlsx")[0]
    clock.set("2027-01-16")
    led.close(ids["D"], note="已改", closed_date="2027-01-16", require_evidence=False)
    add("E", "2027-01-18", village="岩寨村")
    add("C", "2027-01-19", village="高坪村", deadline="2027-02-10")
    led.close(ids["B"], note="已改", closed_date="2027-01-19", require_evidence=False)
    add("G", "2027-01-20", village="高坪村", severity="general", deadline="2027-01-22")
    clock.set("2027-01-26")
    led.reopen(ids["D"], "复查发现未整改到位")
    clock.set("2027-01-27")
    led.edit(ids["G"], {"severity": "major", "deadline": "2027-02-28"})
    clock.set("2027-01-28")
    led.void(ids["E"], "重复录入")
    add_inspections(p, [
        {"date": "2027-01-12", "village": "岩寨村", "households": 60, "target_type": "village", "target_ref": "1组"},
        {"date": "2027-01-19", "village": "岩寨村", "households": 30, "target_type": "village", "target_ref": "2组"},
        {"date": "2027-01-20", "village": "岩寨村", "households": 5, "target_type": "village", "target_ref": "3组",
         "result": "not_home"},
    ], user="测试")
    return p, led, ids


FIGS = ("found", "fixed", "open", "overdue", "major_open", "cum_found", "cum_closed")


def figures(report, village):
    row = report.rows.set_index("village").loc[village]
    return tuple(int(row[k]) for k in FIGS)


@pytest.fixture(scope="module")
def ledger_project():
    return hand_made()


def test_parse_week():
    assert parse_week("2027-W03") == (dt.date(2027, 1, 18), dt.date(2027, 1, 24))
    assert parse_week("2027W3") == parse_week("2027第3周") == parse_week("2027-01-20") == parse_week("2027年1月24日")
    assert parse_week("2026-W53") == (dt.date(2026, 12, 28), dt.date(2027, 1, 3))
    from fireriskmap.errors import LedgerError

    with pytest.raises(LedgerError):
        parse_week("下周")


def test_week_03_per_village_and_totals(ledger_project):
    p, led, _ = ledger_project
    r = weekly_report(p, "2027-W03", ledger=led)
    assert (r.start, r.end, r.as_of, r.previous_week) == (dt.date(2027, 1, 18), dt.date(2027, 1, 24),
                                                          dt.date(2027, 1, 24), "2027-W02")
    assert list(r.rows["village"]) == ["岩寨村", "高坪村"]
    assert figures(r, "岩寨村") == (1, 1, 2, 1, 1, 4, 2)
    assert figures(r, "高坪村") == (2, 0, 2, 1, 0, 3, 1)
    t = r.totals
    assert tuple(t[k] for k in FIGS) == (3, 1, 4, 2, 1, 7, 3)
    assert t["rate"] == pytest.approx(3 / 7)
    assert r.rows.set_index("village").loc["岩寨村", "rate"] == pytest.approx(0.5)
    # inspections up to the week's end: 60 + 30 of 100 (the not-at-home visit does not count)
    row = r.rows.set_index("village").loc["岩寨村"]
    assert (row["households"], row["inspected"], row["share"]) == (100, 90, pytest.approx(0.9))
    assert (t["households"], t["inspected"], t["share"]) == (150, 90, pytest.approx(0.6))
    # the fire on 21 January, not the one on 2 January
    assert (t["incidents"], t["injuries"], t["loss_yuan"]) == (1, 1, 5000.0)
    assert r.rows.set_index("village").loc["高坪村", "incidents"] == 1


def test_previous_week_and_change(ledger_project):
    p, led, _ = ledger_project
    r = weekly_report(p, "2027-W03", ledger=led)
    assert tuple(r.previous_totals[k] for k in FIGS) == (2, 2, 2, 1, 1, 4, 2)
    prev = r.previous_rows.set_index("village")
    assert tuple(int(prev.loc["高坪村", k]) for k in FIGS) == (1, 1, 0, 0, 0, 1, 1)
    assert {k: r.change[k] for k in FIGS} == {"found": 1, "fixed": -1, "open": 2, "overdue": 1, "major_open": 0,
                                              "cum_found": 3, "cum_closed": 1}
    assert r.change["share"] == pytest.approx(0.6 - 0.4)
    assert r.change["rate"] == pytest.approx(3 / 7 - 2 / 4)
    assert list(r.rows["d_found"]) == [0, 1]  # 岩寨村 1 − 1, 高坪村 2 − 1
    text = r.summary_text()
    assert text.startswith("本周新排查隐患 3 处，整改 1 处；截至周末未整改 4 处，其中逾期 2 处、重大隐患 1 处")
    assert "整改率 42.9%" in text and "新排查 ↑1" in text and "整改 ↓1" in text


def test_a_past_week_stays_right_after_later_changes(ledger_project):
    """D reopened, G made major with a later deadline and E voided after W03: W03 is unchanged,
    W04 shows the changes."""
    p, led, ids = ledger_project
    assert led.get(ids["D"])["status"] == "open" and led.get(ids["E"])["status"] == "void"
    assert led.get(ids["G"])["severity"] == "major"
    w3 = weekly_report(p, "2027-W03", ledger=led)
    assert tuple(w3.totals[k] for k in FIGS) == (3, 1, 4, 2, 1, 7, 3)
    w4 = weekly_report(p, "2027-W04", ledger=led)
    assert tuple(w4.totals[k] for k in FIGS) == (0, 0, 4, 2, 2, 6, 2)


def test_the_current_week_is_counted_up_to_the_ledger_date(ledger_project):
    p, _, _ = ledger_project
    led = Ledger(p, today=dt.date(2027, 1, 21))
    r = weekly_report(p, "2027-W03", ledger=led)
    assert r.as_of == dt.date(2027, 1, 21)
    # G (deadline 22 January) is not overdue yet on the 21st
    assert r.rows.set_index("village").loc["高坪村", "overdue"] == 0


def test_campaign_start_setting(ledger_project):
    p, led, _ = ledger_project
    r = weekly_report(p, "2027-W03", ledger=led, campaign_start_date="2027-01-01")
    assert r.totals["cum_found"] == 6  # F (found 1 December) is before this start
    d = r.to_dict()
    assert d["week"] == "2027-W03" and d["totals"]["cum_found"] == 6 and d["villages"][0]["village"] == "岩寨村"


def test_weekly_excel_and_pdf(ledger_project, tmp_path):
    from openpyxl import load_workbook

    from fireriskmap.export.weekly_report import DELTA_FORMAT, weekly_pdf, weekly_xlsx

    p, led, _ = ledger_project
    r = weekly_report(p, "2027-W03", ledger=led)
    xlsx = weekly_xlsx(r, tmp_path / "周报.xlsx", office="测试镇安监站")
    wb = load_workbook(xlsx.path)
    assert wb.sheetnames == ["每周工作推进情况表"]
    ws = wb.active
    assert ws["A1"].value == "测试镇冬春火灾防控每周工作推进情况表"
    assert "2027年第3周" in ws["A2"].value and "2027 年 1 月 18 日" in ws["A2"].value and "测试镇安监站" in ws["A2"].value
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert ws["C3"].value == "隐患排查整改（处）" and "C3:J3" in merged
    assert ws["T3"].value == "较上周"
    assert [ws.cell(4, c).value for c in range(3, 8)] == ["本周新排查", "本周整改", "未整改", "其中逾期", "重大隐患未整改"]
    assert [ws.cell(r_, 2).value for r_ in (5, 6, 7)] == ["岩寨村", "高坪村", "合计"]
    assert [ws.cell(7, c).value for c in range(3, 10)] == [3, 1, 4, 2, 1, 7, 3]
    assert ws.cell(7, 20).value == 1 and ws.cell(7, 20).number_format == DELTA_FORMAT
    assert ws.cell(7, 21).value == -1
    assert any("本周新排查隐患 3 处" in str(ws.cell(r_, 1).value) for r_ in range(8, 14))
    pdf = weekly_pdf(r, tmp_path / "周报.pdf")
    assert pdf.pages >= 1 and pdf.path.stat().st_size > 5000
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf.path), "-"], capture_output=True, text=True).stdout
        squashed = "".join(text.split())
        for word in ("岩寨村", "高坪村", "每周工作推进情况表", "本周新排查隐患3处，整改1处", "42.9%", "内部资料"):
            assert word in squashed, word
