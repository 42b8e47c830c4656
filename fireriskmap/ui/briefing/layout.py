"""Where everything goes on the briefing screen, from the window size alone (no widgets here).

Sizes follow the window: ``unit`` is the window height / 1080 (capped by the width for narrow
windows), so type and gaps are as large on a 4K wall as on a 1080p projector relative to the
screen. A 16:9 screen has three columns (KPI cards | map over two charts | priority list); a wall
wider than 2.2:1 (5760×2160) gets four (KPI cards | map | priority list | charts), so the extra
width carries more content instead of stretched cards. In the tour the area card takes the place
of the priority list (16:9, where the map also grows over the charts) or of the charts (wide).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PyQt6.QtCore import QRect

WIDE_RATIO = 2.2


@dataclass
class Layout:
    width: int
    height: int
    unit: float
    wide: bool
    tour: bool
    rects: dict[str, QRect] = field(default_factory=dict)
    kpi_cells: list[QRect] = field(default_factory=list)  # the six small KPI cards

    def px(self, value: float) -> int:
        """``value`` pixels at 1920×1080 scaled to this screen."""
        return max(1, round(value * self.unit))


def unit_for(width: int, height: int) -> float:
    return max(0.45, min(height / 1080.0, width / 1500.0))


def compute_layout(width: int, height: int, *, tour: bool = False) -> Layout:
    """The rectangles of the banner, footer, KPI area, map, list, charts and area card."""
    u = unit_for(width, height)
    lay = Layout(width, height, u, width / max(height, 1) >= WIDE_RATIO, tour)
    m, g = lay.px(18), lay.px(14)
    banner_h, footer_h = lay.px(96), lay.px(44)
    r = lay.rects
    r["banner"] = QRect(0, 0, width, banner_h)
    r["footer"] = QRect(m, height - footer_h - lay.px(6), width - 2 * m, footer_h)
    top = banner_h + g
    bottom = r["footer"].top() - g
    body_h = bottom - top
    inner_w = width - 2 * m

    if lay.wide:
        kpi_w = round(inner_w * 0.18)
        map_w = round(inner_w * 0.40)
        list_w = round(inner_w * 0.175)
        side_w = inner_w - kpi_w - map_w - list_w - 3 * g
        x = m
        r["kpis"] = QRect(x, top, kpi_w, body_h)
        x += kpi_w + g
        r["map"] = QRect(x, top, map_w, body_h)
        x += map_w + g
        r["list"] = QRect(x, top, list_w, body_h)
        x += list_w + g
        side = QRect(x, top, side_w, body_h)
        if tour:
            r["card"] = side
        else:
            level_h = round((body_h - g) * 0.36)
            r["chart_levels"] = QRect(x, top, side_w, level_h)
            r["chart_villages"] = QRect(x, top + level_h + g, side_w, body_h - level_h - g)
    else:
        kpi_w = round(inner_w * 0.235)
        right_w = round(inner_w * 0.27)
        map_w = inner_w - kpi_w - right_w - 2 * g
        r["kpis"] = QRect(m, top, kpi_w, body_h)
        mx = m + kpi_w + g
        rx = mx + map_w + g
        if tour:
            r["map"] = QRect(mx, top, map_w, body_h)
            r["card"] = QRect(rx, top, right_w, body_h)
        else:
            map_h = round(body_h * 0.63)
            r["map"] = QRect(mx, top, map_w, map_h)
            ch_y = top + map_h + g
            ch_h = body_h - map_h - g
            half = round((map_w - g) * 0.42)  # the village chart has more to show
            r["chart_levels"] = QRect(mx, ch_y, half, ch_h)
            r["chart_villages"] = QRect(mx + half + g, ch_y, map_w - half - g, ch_h)
            r["list"] = QRect(rx, top, right_w, body_h)

    # the KPI area: the level card on top, six cards in two columns below
    k = r["kpis"]
    level_h = round((k.height() - 3 * g) * 0.23)
    r["kpi_levels"] = QRect(k.left(), k.top(), k.width(), level_h)
    cell_w = (k.width() - g) // 2
    y0 = k.top() + level_h + g
    cell_h = (k.bottom() + 1 - y0 - 2 * g) // 3
    for row in range(3):
        for col in range(2):
            lay.kpi_cells.append(QRect(k.left() + col * (cell_w + g), y0 + row * (cell_h + g),
                                       cell_w if col == 0 else k.width() - cell_w - g, cell_h))
    return lay
