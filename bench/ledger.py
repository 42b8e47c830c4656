"""Benchmark: the hazard ledger's Excel import/export and the weekly report (issue 9).

Measures

* importing a **2,000-row office ledger** (title row, two-row merged header, dates in three Chinese
  forms, three rows in four with 经度/纬度, one in four address-only, 1 % bad rows) into an empty
  project, against only reading the same sheet with ``pandas.read_excel`` (the obvious
  alternative, which maps, checks and records nothing) measured in the same run, as a ratio;
* re-importing the same file (every row reported as already in the ledger);
* exporting that ledger (4 sheets) and importing the export into an empty project (round trip);
* the **weekly report on the demo township** (a copy of ``data/demo_township.gpkg``): the figures
  (this week and last), the Excel table and the A4 landscape PDF.

Run: ``python bench/ledger.py [--rows 2000]``. Ends with
``RESULT import_2000_s=... read_excel_s=... ratio=... reimport_s=... export_s=... roundtrip_s=...
weekly_figures_s=... weekly_xlsx_s=... weekly_pdf_s=...``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def office_file(path: Path, rows: int) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "隐患台账"
    top = ["序号", "编号", "排查日期", "所在村", "隐患地点", "隐患类型", "隐患等级", "存在问题", "整改措施",
           "整改情况", None, None, None, "经度", "纬度"]
    low = [None] * 9 + ["责任单位", "整改责任人", "整改期限", "整改完成情况", None, None]
    ws.cell(1, 1, "XX镇冬春火灾隐患排查整改台账")
    ws.merge_cells("A1:O1")
    for c, (t, lo) in enumerate(zip(top, low), start=1):
        if t:
            ws.cell(2, c, t)
        if lo:
            ws.cell(3, c, lo)
        if t and not lo and c != 10:
            ws.merge_cells(start_row=2, start_column=c, end_row=3, end_column=c)
    ws.merge_cells("J2:M2")
    types = ["私拉乱接", "柴草乱堆乱放", "电动车", "三合一", "夹芯板", "灭火器过期", "违规用火", "防盗窗"]
    status = ["已整改", "未整改", "整改中", "逾期"]
    villages = ["岩寨村", "高坪村", "平寨村", "乌烧村", "归柳村", "加鸠村"]
    for i in range(rows):
        d = 1 + i % 28
        date = (f"2026年12月{d}日", f"2026.12.{d}", f"2026-12-{d:02d}")[i % 3]
        bad = i % 100 == 99
        ws.append([i + 1, f"Z-{i:05d}", None if bad else date, villages[i % 6], f"{villages[i % 6]}{i}号",
                   types[i % len(types)], "重大" if i % 17 == 0 else "一般", f"问题{i}", "限期整改",
                   "户主", f"户主{i}", f"2027.1.{1 + i % 28}", status[i % 4],
                   108.0 + (i % 40) * 1e-3 if i % 4 else None, 26.2 + (i // 40) * 1e-4 if i % 4 else None])
    wb.save(path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2000)
    args = ap.parse_args()

    import pandas as pd

    from fireriskmap.core.project import Project
    from fireriskmap.ledger import Ledger
    from fireriskmap.export.ledger_excel import export_ledger
    from fireriskmap.io.ledger import import_ledger
    from fireriskmap.ledger.weekly import weekly_report

    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        f = office_file(tmp / "台账.xlsx", args.rows)
        t = time.perf_counter()
        pd.read_excel(f, header=[1, 2])
        result["read_excel_s"] = round(time.perf_counter() - t, 3)
        p = Project.new("EPSG:4545")
        t = time.perf_counter()
        s = import_ledger(p, f, report_dir=tmp)
        result[f"import_{args.rows}_s"] = round(time.perf_counter() - t, 3)
        print(f"import {args.rows} rows: {result[f'import_{args.rows}_s']} s — added {len(s.added)}, "
              f"to place {len(s.unplaced)}, rejected {s.rejected_rows}")
        result["ratio"] = round(result[f"import_{args.rows}_s"] / max(result["read_excel_s"], 1e-9), 2)
        t = time.perf_counter()
        again = import_ledger(p, f, report_dir=tmp)
        result["reimport_s"] = round(time.perf_counter() - t, 3)
        print(f"re-import: {result['reimport_s']} s — {len(again.duplicates)} already in the ledger, "
              f"{len(again.added)} added")
        t = time.perf_counter()
        export_ledger(p, tmp / "导出.xlsx")
        result["export_s"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        rt = import_ledger(Project.new("EPSG:4545"), tmp / "导出.xlsx", report_dir=tmp)
        result["roundtrip_s"] = round(time.perf_counter() - t, 3)
        print(f"export {result['export_s']} s; import of the export {result['roundtrip_s']} s "
              f"({len(rt.added)} items)")

        demo = ROOT / "data" / "demo_township.gpkg"
        if demo.exists():
            shutil.copy(demo, tmp / "demo.gpkg")
            d = Project.open(tmp / "demo.gpkg")
            led = Ledger(d)
            led.ensure_ids()
            t = time.perf_counter()
            r = weekly_report(d, ledger=led)
            result["weekly_figures_s"] = round(time.perf_counter() - t, 3)
            from fireriskmap.export.weekly_report import weekly_pdf, weekly_xlsx

            t = time.perf_counter()
            weekly_xlsx(r, tmp / "周报.xlsx")
            result["weekly_xlsx_s"] = round(time.perf_counter() - t, 3)
            t = time.perf_counter()
            pdf = weekly_pdf(r, tmp / "周报.pdf")
            result["weekly_pdf_s"] = round(time.perf_counter() - t, 3)
            print(f"demo weekly {r.week}: figures {result['weekly_figures_s']} s, Excel {result['weekly_xlsx_s']} s, "
                  f"PDF {result['weekly_pdf_s']} s ({pdf.pages} pages)")
            print(r.summary_text())
    print("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
