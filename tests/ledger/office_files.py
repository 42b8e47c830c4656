"""Hand-made office ledgers (built with openpyxl in the test, no binaries in the repo)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

# lon/lat near the test projects (EPSG:4545, CM 108°E)
LON, LAT = 108.0, 26.2


def office_ledger(path: Path, *, extra_rows: list[list] | None = None) -> Path:
    """An office ledger as offices keep it: a merged title row, a note row, a two-row header with
    整改情况 over 责任单位/责任人/整改期限/整改完成情况, Chinese dates in three forms, an
    address-only row, a bad row, an unknown type, and a footer note.

    Data rows (Excel rows 5..):
      5  编号 A-001  2023年12月7日  岩寨村  重大  已整改 (closed 2023.12.20)  with 经度/纬度
      6  编号 A-002  2023.12.7      岩寨村  一般  未整改, deadline 2023-12-15   address only
      7  编号 A-003  (Excel date)   高坪村  一般  整改中                         with coordinates
      8  编号 A-004  no date, no description                                   → rejected (empty)
      9  编号 A-005  2023.12.9      高坪村  较大 (unknown severity)           → rejected
     10  编号 A-006  2023年12月10日 平寨村  烟囱楼 (unknown type) 逾期        address only
     11  footer 注：…
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "隐患台账"
    headers_top = ["序号", "编号", "排查日期", "所在村", "隐患地点", "隐患类型", "隐患等级", "存在问题",
                   "整改措施", "整改情况", None, None, None, "经度", "纬度"]
    headers_low = [None, None, None, None, None, None, None, None, None, "责任单位", "整改责任人", "整改期限",
                   "整改完成情况", None, None]
    ncols = len(headers_top)
    ws.cell(1, 1, "XX镇冬春火灾隐患排查整改台账")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.cell(2, 1, "填报单位：XX镇安监站                     填报日期：2023年12月25日")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    for c, (top, low) in enumerate(zip(headers_top, headers_low), start=1):
        if top is not None:
            ws.cell(3, c, top)
        if low is not None:
            ws.cell(4, c, low)
        if top is not None and low is None and c not in (10,):
            ws.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
    ws.merge_cells(start_row=3, start_column=10, end_row=3, end_column=13)
    rows = [
        [1, "A-001", "2023年12月7日", "岩寨村", "岩寨村3组12号", "私拉乱接", "重大", "厨房私拉电线", "重新布线",
         "岩寨村委", "张三", "2023年12月20日", "已整改", LON + 0.001, LAT + 0.001],
        [2, "A-002", "2023.12.7", "岩寨村", "岩寨村5组3号", "柴草乱堆乱放", "一般", "屋檐下堆柴草", "清理",
         "户主", "李四", "2023-12-15", "未整改", None, None],
        [3, "A-003", dt.datetime(2023, 12, 8), "高坪村", "高坪村小卖部", "电动车", "一般", "电动车楼道充电",
         "设集中充电点", "店主", "王五", "2023.12.30", "整改中", LON + 0.002, LAT + 0.002],
        [4, "A-004", None, "高坪村", "高坪村7号", None, None, None, None, None, None, None, None, None, None],
        [5, "A-005", "2023.12.9", "高坪村", "高坪村9号", "三合一", "较大", "住人仓库", "分隔", "户主", "赵六",
         "2023.12.31", "未整改", None, None],
        [6, "A-006", "2023年12月10日", "平寨村", "平寨村1组8号", "烟囱楼", "一般", "楼梯敞开", "封闭楼梯",
         "户主", "钱七", "2023年12月12日", "逾期", None, None],
    ] + (extra_rows or [])
    for r, values in enumerate(rows, start=5):
        for c, v in enumerate(values, start=1):
            ws.cell(r, c, v)
    foot = 5 + len(rows)
    ws.cell(foot, 1, "注：整改情况填写已整改、未整改、整改中或逾期。")
    ws.merge_cells(start_row=foot, start_column=1, end_row=foot, end_column=ncols)
    wb.save(path)
    return path
