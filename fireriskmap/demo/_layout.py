"""Where things are: the valley, the town, the industrial park, the villages and the roads.

Everything here is in a local frame: x (metres) runs along the valley, y across it, the origin is
the town centre. The river runs along y = 0 through the town and the park and meanders further out;
the provincial road follows it 110 m to the north and is the town's main street (民族路). Villages
sit on the hillsides facing the valley: each hamlet's houses stand in concentric, contour-like rows
around a hilltop, with narrow lanes between pairs of back-to-back rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from fireriskmap.demo import _names as N
from fireriskmap.demo._geom import RoadSet, Rows, pack_rows, rectangles, slot_rectangles, cut_slots, \
    subset_slots, wiggle_path

RIVER_STRAIGHT = 3300.0      # |x| below this the valley runs straight (town and park)
MAIN_Y = 110.0               # main street / provincial road centreline in the straight section
RIVERSIDE_Y = 55.0           # 滨河路
EXTENT = (7400.0, 4700.0)    # half axes of the ellipse the villages lie in
TOWN_ZONE = shapely.box(-3700.0, -700.0, 3700.0, 1150.0)


def river_y(x):
    """y of the river centreline at x (straight through the town, meandering outside)."""
    x = np.asarray(x, dtype=float)
    t = np.clip((np.abs(x) - RIVER_STRAIGHT) / 2200.0, 0.0, 1.0)
    weight = t * t * (3.0 - 2.0 * t)
    return weight * (620.0 * np.sin(2 * np.pi * x / 8200.0 + 0.6) + 240.0 * np.sin(2 * np.pi * x / 3100.0 + 1.7))


def elevation(x, y, hills: np.ndarray | None = None):
    """A plausible terrain (m above sea level) for pictures: valley floor ~540 m, ridges ~1300 m."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    d = np.abs(y - river_y(x))
    h = 540.0 + np.where(d < 250.0, 0.01 * d, 2.5 + 0.16 * (d - 250.0))
    h = h + 70.0 * np.sin(x / 900.0 + 0.3 * y / 700.0) * np.cos(y / 1100.0 - x / 2300.0) * np.clip(d / 800, 0, 1)
    if hills is not None and len(hills):
        for hx, hy, amp in hills:
            h = h + amp * np.exp(-((x - hx) ** 2 + (y - hy) ** 2) / (2 * 260.0 ** 2))
    return h


@dataclass
class Special:
    """Buildings placed one by one (public buildings, towers, the park's odd ones)."""

    cx: list = field(default_factory=list)
    cy: list = field(default_factory=list)
    w: list = field(default_factory=list)
    d: list = field(default_factory=list)
    angle: list = field(default_factory=list)
    template: list = field(default_factory=list)
    zone: list = field(default_factory=list)
    role: list = field(default_factory=list)
    name: list = field(default_factory=list)
    storeys: list = field(default_factory=list)

    def add(self, cx, cy, w, d, template, zone, role="", name="", storeys=0, angle=0.0) -> None:
        self.cx.append(float(cx)); self.cy.append(float(cy)); self.w.append(float(w)); self.d.append(float(d))
        self.angle.append(float(angle)); self.template.append(template); self.zone.append(zone)
        self.role.append(role); self.name.append(name); self.storeys.append(int(storeys))


@dataclass
class Hamlet:
    index: int
    village: str
    village_index: int
    order: int                 # hamlet number within its village (0 = main)
    centre: np.ndarray         # hilltop (arc centre)
    facing: float
    access: np.ndarray         # village entrance: outer end of the main lane
    out_dir: np.ndarray
    r_last: float
    dense: bool
    sector: object             # shapely polygon around the houses
    rows: list
    road: int = -1             # index of the access road in the RoadSet
    road_class: str = ""


@dataclass
class Layout:
    rows: Rows = field(default_factory=Rows)
    cuts: list = field(default_factory=lambda: [[], [], []])   # row, centre, half width
    row_parity: list = field(default_factory=list)             # address numbering per row: 0 seq, 1 odd, 2 even
    special: Special = field(default_factory=Special)
    roads: RoadSet = field(default_factory=RoadSet)
    hamlets: list = field(default_factory=list)
    villages: list = field(default_factory=list)               # (name, kind)
    loose: list = field(default_factory=list)                  # scattered houses: cx, cy, w, d, angle, template
    river: np.ndarray | None = None
    provincial: object = None
    lanes_counter: dict = field(default_factory=dict)

    def cut(self, row: int, centre: float, half: float) -> None:
        self.cuts[0].append(row); self.cuts[1].append(float(centre)); self.cuts[2].append(float(half))

    def add_row_line(self, x0, x1, y, side, depth, template, zone, group, params, parity=0, dense=True) -> int:
        rid = self.rows.add_line(x0, y, x1, y, side, depth, template, zone, group, params, dense)
        self.row_parity.append(parity)
        return rid

    def lane_name(self, prefix: str) -> str:
        k = self.lanes_counter.get(prefix, 0) + 1
        self.lanes_counter[prefix] = k
        return f"{prefix}{N.chinese_number(min(k, 99))}巷"


# -- the town -----------------------------------------------------------------------------------

SHOP_PARAMS = (4.5, 8.0, 0.3, 1.2, 0.0)
TOWN_HOUSE = (7.0, 13.0, 0.5, 2.5, 0.04)


def _band(L: Layout, rng, x0, x1, y_lo, y_hi, *, first_template, template, zone, group, first_group=None,
          first_parity=0, lane_x=None, cross_y=None, prefix="", depth=(9.0, 13.0), first_depth=None,
          back=(1.0, 2.0), lane=(2.2, 3.6), cross_gap=(45.0, 95.0), hydrant_lanes=False) -> list[int]:
    """Fill a strip ``x0..x1`` × ``y_lo..y_hi`` with pairs of back-to-back rows and lanes between them.

    The first row faces the street below (its front at ``y_lo``); cross lanes cut through all rows
    at random intervals from ``cross_y[0]`` to ``cross_y[1]``; lanes along the strip run over
    ``lane_x``. Returns the row ids.
    """
    rows: list[int] = []
    lanes_y: list[tuple[float, float]] = []
    y = y_lo
    k = 0
    while True:
        lo, hi = first_depth if (k == 0 and first_depth) else depth
        d1 = rng.uniform(lo, hi)
        if y + d1 > y_hi:
            break
        tmpl = first_template if k == 0 else template
        grp = (first_group or group) if k == 0 else group
        params = SHOP_PARAMS if tmpl.startswith("shophouse") else TOWN_HOUSE
        rows.append(L.add_row_line(x0, x1, y, +1, d1, tmpl, zone, grp, params, first_parity if k == 0 else 0))
        yb = y + d1 + rng.uniform(*back)
        d2 = rng.uniform(*depth)
        if yb + d2 > y_hi:
            break
        rows.append(L.add_row_line(x0, x1, yb + d2, -1, d2, template, zone, group, TOWN_HOUSE))
        lw = rng.uniform(*lane)
        lane_c = yb + d2 + 0.6 + lw / 2
        y_next = lane_c + lw / 2 + 0.6
        if y_next + depth[0] > y_hi:
            break
        lanes_y.append((lane_c, lw))
        y = y_next
        k += 1
    if not rows:
        return rows
    lx = lane_x or (x0 - 2.0, x1 + 2.0)
    for lane_c, lw in lanes_y:
        L.roads.add([(lx[0], lane_c), (lx[1], lane_c)], L.lane_name(prefix), "lane", round(lw, 1),
                     "paved" if rng.random() < 0.7 else "unpaved", zone=zone)
    # cross lanes
    cy0, cy1 = cross_y or (y_lo - 2.0, y_hi + 2.0)
    xs = []
    x = x0 + rng.uniform(*cross_gap) * 0.6
    while x < x1 - 20.0:
        xs.append(x)
        x += rng.uniform(*cross_gap)
    for xc in xs:
        cw = rng.uniform(2.2, 3.6)
        L.roads.add([(xc, cy0), (xc, cy1)], L.lane_name(prefix), "lane", round(cw, 1),
                    "paved" if rng.random() < 0.75 else "unpaved", oneway=bool(rng.random() < 0.08),
                    max_height=3.2 if rng.random() < 0.04 else np.nan, zone=zone, hydrants=hydrant_lanes)
        for rid in rows:
            L.cut(rid, xc - x0, cw / 2 + 0.8)
    return rows


def _place(L: Layout, half, items, zone) -> None:
    """Place items ``(fx, fy, w, d, template, role, name, storeys)`` at fractions of a half-block."""
    x0, y0, x1, y1 = half
    for fx, fy, w, d, template, role, name, storeys in items:
        L.special.add(x0 + fx * (x1 - x0), y0 + fy * (y1 - y0), w, d, template, zone, role, name, storeys)


def _estate(L: Layout, rng, half, zone, estate, first_no, hotel=False, building=False) -> int:
    x0, y0, x1, y1 = half
    no = first_no
    for fy in (0.27, 0.73):
        for fx in (0.27, 0.73):
            w = rng.uniform(24.0, 34.0)
            d = rng.uniform(14.0, 19.0)
            if hotel:
                hotel = False
                L.special.add(x0 + fx * (x1 - x0), y0 + fy * (y1 - y0), 38.0, 18.0, "hotel", zone, "hotel",
                              f"{N.TOWNSHIP[:2]}宾馆", 12)
            else:
                role = "construction" if building else "estate"
                L.special.add(x0 + fx * (x1 - x0), y0 + fy * (y1 - y0), w, d, "highrise", zone, role,
                              f"{estate}{no}栋", int(rng.integers(11, 34)))
                no += 1
    return no


def build_town(L: Layout, rng) -> None:
    roads = L.roads
    # the provincial road through the whole valley; the town section is the main street
    xs = np.arange(-9000.0, 9000.0 + 1.0, 20.0)
    ys = river_y(xs) + MAIN_Y
    pts = np.column_stack([xs, ys])
    L.provincial = shapely.linestrings(pts)
    cut_x = [-9000.0, -3300.0, -1400.0, 1400.0, 3300.0, 9000.0]
    idx = [int(np.searchsorted(xs, c)) for c in cut_x]
    sections = [
        (N.PROVINCIAL_ROAD, "arterial", 8.5, False),
        (N.PROVINCIAL_ROAD, "arterial", 9.0, True),
        (N.MAIN_STREET, "arterial", 12.0, True),
        (N.PROVINCIAL_ROAD, "arterial", 9.0, True),
        (N.PROVINCIAL_ROAD, "arterial", 8.5, False),
    ]
    for (name, cls, width, hyd), a, b in zip(sections, idx[:-1], idx[1:]):
        roads.add(pts[a:b + 1], name, cls, width, "paved", hydrants=hyd)
    xr = np.arange(-9000.0, 9000.0 + 1.0, 25.0)
    L.river = np.column_stack([xr, river_y(xr)])

    S = N.TOWN_STREETS
    old, new = N.COMMUNITIES
    # streets: (name, x0, y0, x1, y1, class, width)
    streets = [
        (S["riverside"], -1400.0, RIVERSIDE_Y, 1400.0, RIVERSIDE_Y, "collector", 7.0),
        (S["link_w"], -1400.0, RIVERSIDE_Y, -1400.0, MAIN_Y, "collector", 6.0),
        (S["link_e"], 1400.0, RIVERSIDE_Y, 1400.0, MAIN_Y, "collector", 6.0),
        (S["old_back"], -1400.0, 235.0, 0.0, 235.0, "collector", 4.5),
        (S["old_north"], -1400.0, 420.0, 0.0, 420.0, "local", 4.5),
        (S["culture"], -700.0, MAIN_Y, -700.0, 640.0, "collector", 7.0),
        (S["jianshe"], 0.0, RIVERSIDE_Y, 0.0, 640.0, "collector", 9.0),
        (S["ns1"], 320.0, RIVERSIDE_Y, 320.0, 640.0, "collector", 8.0),
        (S["ns2"], 640.0, RIVERSIDE_Y, 640.0, 640.0, "collector", 8.0),
        ("和平路", 960.0, RIVERSIDE_Y, 960.0, 640.0, "collector", 8.0),
        (S["ns3"], 1280.0, RIVERSIDE_Y, 1280.0, 640.0, "collector", 8.0),
        (S["ew1"], 0.0, 300.0, 1280.0, 300.0, "collector", 8.0),
        (S["ew2"], 0.0, 480.0, 1280.0, 480.0, "collector", 7.0),
        (S["ring_north"], -700.0, 640.0, 1280.0, 640.0, "collector", 7.0),
        ("南桥路", -300.0, RIVERSIDE_Y, -300.0, -600.0, "collector", 6.0),
    ]
    width_at = {}
    for name, x0, y0, x1, y1, cls, w in streets:
        zone = old if max(x0, x1) <= 0 else new
        roads.add([(x0, y0), (x1, y1)], name, cls, w, "paved", oneway=(name == S["old_back"]),
                  hydrants=name != "南桥路", zone=zone)
        width_at[name] = w
    # -- south strip between the riverside road and the main street, split by the N-S streets
    ns_x = [(-1400.0, 6.0), (0.0, 9.0), (320.0, 8.0), (640.0, 8.0), (960.0, 8.0), (1280.0, 8.0), (1400.0, 6.0)]
    for (xa, wa), (xb, wb) in zip(ns_x[:-1], ns_x[1:]):
        zone = old if xb <= 0 else new
        x0, x1 = xa + wa / 2 + 2.0, xb - wb / 2 - 2.0
        y_top = MAIN_Y - 6.0 - 1.5
        y_bot = RIVERSIDE_Y + 3.5 + 1.5
        d1 = rng.uniform(12.0, 15.0)
        tmpl = "shophouse_old" if xb <= 0 else "shophouse_new"
        r1 = L.add_row_line(x0, x1, y_top, -1, d1, tmpl, zone, N.MAIN_STREET, SHOP_PARAMS, parity=2)
        d2 = min(rng.uniform(10.0, 13.0), y_top - d1 - rng.uniform(1.0, 2.0) - y_bot)
        r2 = L.add_row_line(x0, x1, y_bot, +1, d2, "town_selfbuilt" if xb > 0 else "town_old_selfbuilt", zone,
                            S["riverside"], TOWN_HOUSE, parity=0)
        x = x0 + rng.uniform(30.0, 70.0)
        while x < x1 - 20.0:
            if abs(x + 300.0) > 12.0:
                cw = rng.uniform(2.2, 3.4)
                roads.add([(x, RIVERSIDE_Y), (x, MAIN_Y)], L.lane_name(N.MAIN_STREET), "lane", round(cw, 1),
                          "paved", zone=zone)
                for rid in (r1, r2):
                    L.cut(rid, x - x0, cw / 2 + 0.8)
            x += rng.uniform(55.0, 110.0)

    # -- old town (west): three bands north of the main street
    for xa, xb, left_open in ((-1400.0, -700.0, True), (-700.0, 0.0, False)):
        x0 = xa if left_open else xa + 3.5 + 2.0
        x1 = xb - (3.5 if xb == -700.0 else 4.5) - 2.0
        lane_x = (xa, xb)
        _band(L, rng, x0, x1, MAIN_Y + 6.0 + 1.5, 235.0 - 2.25 - 1.5, first_template="shophouse_old",
              template="town_old_selfbuilt", zone=old, group=S["old_back"], first_group=N.MAIN_STREET,
              first_parity=1, lane_x=lane_x, cross_y=(MAIN_Y, 235.0), prefix=N.MAIN_STREET,
              first_depth=(12.0, 16.0), hydrant_lanes=False)
        _band(L, rng, x0, x1, 235.0 + 2.25 + 1.5, 420.0 - 2.25 - 1.5, first_template="town_old_selfbuilt",
              template="town_old_selfbuilt", zone=old, group=S["old_back"], lane_x=lane_x,
              cross_y=(235.0, 420.0), prefix=S["old_back"])
        if left_open:
            continue  # above the old north street the west end is still fields and hillside
        top = 560.0
        _band(L, rng, x0, x1, 420.0 + 2.25 + 1.5, top, first_template="town_old_selfbuilt",
              template="town_old_selfbuilt", zone=old, group=S["old_north"], lane_x=lane_x,
              cross_y=(420.0, 640.0), prefix=S["old_north"], depth=(9.0, 12.0), back=(1.5, 4.0),
              cross_gap=(60.0, 120.0))
    # an old temple on the hill above the old town
    L.special.add(-1050.0, 600.0, 16.0, 12.0, "temple", old, "temple", "观音阁", 1)

    # -- new town (east): a grid of blocks
    cols = [(0.0, 9.0, 320.0, 8.0), (320.0, 8.0, 640.0, 8.0), (640.0, 8.0, 960.0, 8.0), (960.0, 8.0, 1280.0, 8.0)]
    rows_y = [(MAIN_Y, 12.0, 300.0, 8.0), (300.0, 8.0, 480.0, 7.0), (480.0, 7.0, 640.0, 7.0)]
    plan = {
        (0, 0): ("gov", "band"), (1, 0): ("market", "band"), (2, 0): ("estate", "estate"),
        (3, 0): ("hospital", "band"), (0, 1): ("school_primary", "school_primary_b"),
        (1, 1): ("estate_hotel", "estate"), (2, 1): ("estate", "estate"), (3, 1): ("band", "band"),
        (0, 2): ("school_middle", "school_middle_b"), (1, 2): ("kindergarten", "nursing"),
        (2, 2): ("estate", "estate_building"), (3, 2): ("band", "band"),
    }
    estates = list(N.ESTATES)
    estate_i = 0
    for (ci, ri), (left_kind, right_kind) in plan.items():
        xa, wa, xb, wb = cols[ci]
        ya, ha, yb, hb = rows_y[ri]
        x0, x1 = xa + wa / 2 + 3.0, xb - wb / 2 - 3.0
        xm = round((x0 + x1) / 2 + rng.uniform(-15.0, 15.0), 1)
        estate_block = "estate" in left_kind or "estate" in right_kind
        aw = 6.0 if estate_block else 4.0
        access_name = (f"{estates[estate_i]}消防通道" if estate_block else L.lane_name(N.TOWN_STREETS["ew1"]))
        roads.add([(xm, ya), (xm, yb)], access_name, "local", aw, "paved", zone=new, hydrants=False)
        y_in0 = ya + ha / 2 + 3.0
        if ri == 0:
            d = rng.uniform(12.0, 15.0)
            fr = L.add_row_line(x0, x1, MAIN_Y + 6.0 + 1.5, +1, d, "shophouse_new", new, N.MAIN_STREET,
                                SHOP_PARAMS, parity=1)
            L.cut(fr, xm - x0, aw / 2 + 1.0)
            y_in0 = MAIN_Y + 6.0 + 1.5 + d + 5.0
        y_in1 = yb - hb / 2 - 3.0
        halves = {"left": (x0, y_in0, xm - aw / 2 - 3.0, y_in1), "right": (xm + aw / 2 + 3.0, y_in0, x1, y_in1)}
        street_name = {0: N.TOWN_STREETS["jianshe"], 1: N.TOWN_STREETS["ns1"], 2: N.TOWN_STREETS["ns2"],
                       3: "和平路"}[ci]
        no = 1
        for side, kind in (("left", left_kind), ("right", right_kind)):
            half = halves[side]
            hx0, hy0, hx1, hy1 = half
            if kind == "band":
                lane_x = (xa, xm) if side == "left" else (xm, xb)
                _band(L, rng, hx0, hx1, hy0, hy1, first_template="town_selfbuilt", template="town_selfbuilt",
                      zone=new, group=street_name, lane_x=lane_x,
                      cross_y=(ya if ri > 0 else hy0 - 2.0, yb), prefix=street_name)
            elif kind.startswith("estate"):
                no = _estate(L, rng, half, new, estates[estate_i], no, hotel=(kind == "estate_hotel"),
                             building=(kind == "estate_building"))
            elif kind == "gov":
                _place(L, half, [
                    (0.5, 0.62, 56.0, 18.0, "office", "gov", f"{N.TOWNSHIP}人民政府", 6),
                    (0.3, 0.2, 32.0, 16.0, "fire_station", "fire_station", f"{N.TOWNSHIP}政府专职消防队", 2),
                    (0.75, 0.2, 22.0, 12.0, "office", "office", f"{N.TOWNSHIP}综治中心", 3),
                ], new)
            elif kind == "market":
                _place(L, half, [
                    (0.5, 0.45, 84.0, 52.0, "market_hall", "market", f"{N.TOWNSHIP}农贸市场", 1),
                    (0.5, 0.9, 60.0, 10.0, "shophouse_new", "market_shops", f"{N.TOWNSHIP}农贸市场门面", 2),
                ], new)
            elif kind == "hospital":
                _place(L, half, [
                    (0.5, 0.28, 52.0, 16.0, "hospital", "hospital", f"{N.TOWNSHIP}卫生院门诊楼", 4),
                    (0.5, 0.72, 52.0, 16.0, "hospital", "hospital_ward", f"{N.TOWNSHIP}卫生院住院楼", 5),
                ], new)
            elif kind == "school_primary":
                _place(L, half, [
                    (0.5, 0.2, 70.0, 16.0, "school", "school_primary", f"{N.TOWNSHIP}中心小学教学楼", 4),
                    (0.5, 0.52, 70.0, 16.0, "school", "school_primary_b", f"{N.TOWNSHIP}中心小学综合楼", 4),
                    (0.5, 0.85, 40.0, 14.0, "office", "school_office", f"{N.TOWNSHIP}中心小学办公楼", 3),
                ], new)
            elif kind == "school_primary_b":
                _place(L, half, [
                    (0.32, 0.25, 50.0, 14.0, "dormitory", "school_primary_dorm", f"{N.TOWNSHIP}中心小学学生宿舍", 5),
                    (0.32, 0.62, 50.0, 14.0, "dormitory", "school_primary_dorm2", f"{N.TOWNSHIP}中心小学教师周转房", 5),
                    (0.78, 0.42, 28.0, 24.0, "canteen", "canteen", f"{N.TOWNSHIP}中心小学食堂", 1),
                ], new)
            elif kind == "school_middle":
                _place(L, half, [
                    (0.5, 0.2, 72.0, 16.0, "school", "school_middle", f"{N.TOWNSHIP}中学教学楼", 5),
                    (0.5, 0.55, 72.0, 16.0, "school", "school_middle_b", f"{N.TOWNSHIP}中学实验楼", 4),
                    (0.5, 0.87, 36.0, 14.0, "office", "school_office", f"{N.TOWNSHIP}中学办公楼", 3),
                ], new)
            elif kind == "school_middle_b":
                _place(L, half, [
                    (0.3, 0.22, 54.0, 14.0, "dormitory", "school_middle_dorm", f"{N.TOWNSHIP}中学男生宿舍", 6),
                    (0.3, 0.62, 54.0, 14.0, "dormitory", "school_middle_dorm2", f"{N.TOWNSHIP}中学女生宿舍", 6),
                    (0.78, 0.45, 30.0, 26.0, "canteen", "canteen", f"{N.TOWNSHIP}中学食堂", 2),
                ], new)
            elif kind == "kindergarten":
                _place(L, half, [
                    (0.5, 0.38, 46.0, 20.0, "kindergarten", "kindergarten", f"{N.TOWNSHIP}中心幼儿园", 3),
                    (0.5, 0.8, 22.0, 10.0, "office", "kg_office", f"{N.TOWNSHIP}中心幼儿园门卫室", 1),
                ], new)
            elif kind == "nursing":
                _place(L, half, [
                    (0.5, 0.36, 48.0, 14.0, "nursing_home", "nursing_home", f"{N.TOWNSHIP}敬老院", 3),
                    (0.5, 0.75, 30.0, 12.0, "nursing_home", "nursing_home_b", f"{N.TOWNSHIP}敬老院附属楼", 2),
                ], new)
        if estate_block:
            estate_i += 1
    # east end beyond the last street: frontage and a small band, lanes running out to the open side
    x0, x1 = 1280.0 + 4.0 + 2.0, 1400.0
    _band(L, rng, x0, x1, MAIN_Y + 6.0 + 1.5, 300.0, first_template="shophouse_new", template="town_selfbuilt",
          zone=new, group=N.TOWN_STREETS["ns3"], first_group=N.MAIN_STREET, first_parity=1,
          lane_x=(1280.0, 1420.0), cross_y=(MAIN_Y, 303.0), prefix=N.TOWN_STREETS["ns3"],
          first_depth=(12.0, 15.0), cross_gap=(40.0, 70.0))
    # petrol station at the west entrance
    L.special.add(-1650.0, MAIN_Y + 4.5 + 3.0 + 7.0, 26.0, 14.0, "gas_canopy", old, "gas",
                  "中石化枫岭加油站", 1)
    L.special.add(-1650.0 + 24.0, MAIN_Y + 4.5 + 3.0 + 5.0, 12.0, 9.0, "gas_shop", old, "gas_shop",
                  "中石化枫岭加油站便利店", 1)


def build_park(L: Layout, rng) -> None:
    """The industrial park east of the town: a road grid filled with big sheds."""
    S = N.TOWN_STREETS
    new = N.COMMUNITIES[1]
    roads = L.roads
    streets = [
        (S["park_w"], 1700.0, MAIN_Y, 1700.0, 700.0, 8.0),
        (S["park_main"], 2420.0, MAIN_Y, 2420.0, 700.0, 12.0),
        (S["park_e"], 3150.0, MAIN_Y, 3150.0, 700.0, 8.0),
        (S["park_1"], 1700.0, 400.0, 3150.0, 400.0, 9.0),
        (S["park_2"], 1700.0, 700.0, 3150.0, 700.0, 9.0),
    ]
    for name, x0, y0, x1, y1, w in streets:
        roads.add([(x0, y0), (x1, y1)], name, "collector", w, "paved", hydrants=True, zone=new)
    blocks = [((1700.0, 8.0, 2420.0, 12.0), (MAIN_Y, 9.0, 400.0, 9.0)),
              ((2420.0, 12.0, 3150.0, 8.0), (MAIN_Y, 9.0, 400.0, 9.0)),
              ((1700.0, 8.0, 2420.0, 12.0), (400.0, 9.0, 700.0, 9.0)),
              ((2420.0, 12.0, 3150.0, 8.0), (400.0, 9.0, 700.0, 9.0))]
    params = (35.0, 85.0, 6.0, 16.0, 0.0)
    for (xa, wa, xb, wb), (ya, ha, yb, hb) in blocks:
        x0, x1 = xa + wa / 2 + 6.0, xb - wb / 2 - 6.0
        y = ya + ha / 2 + 8.0
        y_top = yb - hb / 2 - 8.0
        while True:
            d = rng.uniform(22.0, 42.0)
            if y + d > y_top:
                break
            L.add_row_line(x0, x1, y, +1, d, "park", new, "园区", params)
            yard = rng.uniform(14.0, 20.0)
            if y + d + yard + 22.0 > y_top:
                break
            lane_c = y + d + yard / 2
            roads.add([(xa, lane_c), (xb, lane_c)], "厂区道路", "local", round(rng.uniform(6.0, 8.0), 1), "paved",
                      zone=new)
            y = y + d + yard
    L.special.add(3250.0, MAIN_Y + 4.5 + 30.0, 22.0, 12.0, "lpg_store", new, "lpg", "枫岭液化气供应站", 1)


# -- villages -----------------------------------------------------------------------------------

def _inside_extent(x, y, margin: float = 0.0) -> bool:
    ax, ay = EXTENT
    return (x / (ax - margin)) ** 2 + (y / (ay - margin)) ** 2 < 1.0


def _hamlet_plan(rng, dense: bool):
    if dense:
        plan = dict(r0=rng.uniform(45.0, 85.0), n_rows=int(rng.integers(10, 23)), span=rng.uniform(1.5, 2.7),
                    lane=(1.4, 2.6), back=(0.9, 1.7), depth=(8.5, 11.5), params=(8.0, 14.0, 0.6, 2.4, 0.14))
    else:
        plan = dict(r0=rng.uniform(50.0, 90.0), n_rows=int(rng.integers(5, 11)), span=rng.uniform(1.2, 2.4),
                    lane=(2.6, 3.8), back=(2.5, 5.0), depth=(8.0, 11.5), params=(8.0, 14.0, 3.0, 9.0, 0.2))
    # radii: lanes before every pair of rows and after the last row
    r = plan["r0"]
    lw = rng.uniform(*plan["lane"])
    lanes = [(r, lw)]
    edge = r + lw / 2 + 0.4
    radii, depths = [], []
    outer = edge
    w_max = plan["params"][1]
    for k in range(plan["n_rows"]):
        if k > 0:
            if k % 2 == 1:
                edge = outer + rng.uniform(*plan["back"])
            else:
                lw = rng.uniform(*plan["lane"])
                lanes.append((outer + 0.4 + lw / 2, lw))
                edge = outer + 0.4 + lw + 0.4
        R = edge + w_max ** 2 / (8.0 * edge) + 0.05
        D = rng.uniform(*plan["depth"])
        radii.append(R)
        depths.append(D)
        outer = R + D
    lw = rng.uniform(*plan["lane"])
    lanes.append((outer + 0.4 + lw / 2, lw))
    plan["radii"] = radii
    plan["depths"] = depths
    plan["lanes"] = lanes
    return plan


def _sector(cx, cy, r_in, r_out, th0, th1) -> shapely.Polygon:
    a = np.linspace(th0, th1, 24)
    outer = np.column_stack([cx + r_out * np.cos(a), cy + r_out * np.sin(a)])
    inner = np.column_stack([cx + r_in * np.cos(a[::-1]), cy + r_in * np.sin(a[::-1])])
    return shapely.Polygon(np.vstack([outer, inner]))


def build_villages(L: Layout, rng, n_villages: int) -> None:
    n_admin = int(round(n_villages * 0.62))
    n_nat = n_villages - n_admin
    admin = list(rng.choice(np.array(N.ADMIN_VILLAGES, dtype=object), size=min(n_admin, len(N.ADMIN_VILLAGES)),
                            replace=False))
    natural = list(rng.choice(np.array(N.NATURAL_VILLAGES, dtype=object),
                              size=min(n_nat, len(N.NATURAL_VILLAGES)), replace=False))
    names = []
    while admin or natural:  # interleave so both kinds are spread over the township
        if admin:
            names.append((admin.pop(0), "administrative"))
        if natural and (len(names) % 3 == 2 or not admin):
            names.append((natural.pop(0), "natural"))
    names = names[:n_villages]
    sites: list[np.ndarray] = []
    min_gap = 1250.0
    zone_big = TOWN_ZONE.buffer(250.0)
    tries = 0
    while len(sites) < len(names) and tries < 20000:
        tries += 1
        if tries % 4000 == 0:
            min_gap *= 0.85
        x = rng.uniform(-EXTENT[0], EXTENT[0])
        y = rng.uniform(-EXTENT[1], EXTENT[1])
        if not _inside_extent(x, y, 300.0):
            continue
        if shapely.contains_xy(zone_big, x, y):
            continue
        if abs(y - float(river_y(x))) < 700.0:
            continue
        if sites and np.min(np.hypot(*(np.array(sites) - [x, y]).T)) < min_gap:
            continue
        sites.append(np.array([x, y]))
    accepted: list = []
    road_guard = L.provincial.buffer(130.0)
    town_guard = TOWN_ZONE
    hamlet_index = 0
    for vi, ((vname, vkind), site) in enumerate(zip(names, sites)):
        L.villages.append((vname, vkind))
        n_h = int(rng.choice([1, 2, 3], p=[0.25, 0.45, 0.30]))
        group_no = 1
        for j in range(n_h):
            for _attempt in range(30):
                if j == 0:
                    base = site + rng.uniform(-80.0, 80.0, 2)
                else:
                    beta = rng.uniform(0, 2 * np.pi)
                    base = site + rng.uniform(320.0, 520.0) * np.array([np.cos(beta), np.sin(beta)])
                dense = bool(rng.random() < (0.78 if j == 0 else 0.55))
                plan = _hamlet_plan(rng, dense)
                toward = np.pi / 2 if float(river_y(base[0])) > base[1] else -np.pi / 2
                phi = toward + rng.uniform(-0.7, 0.7)
                r0 = plan["lanes"][0][0]
                r_last = plan["lanes"][-1][0]
                centre = base - np.array([np.cos(phi), np.sin(phi)]) * (r0 + r_last) / 2
                th0, th1 = phi - plan["span"] / 2, phi + plan["span"] / 2
                sector = _sector(centre[0], centre[1], r0 - 4.0, r_last + 40.0, th0 - 8.0 / r0, th1 + 8.0 / r0)
                guard = sector.buffer(35.0)
                bx0, by0, bx1, by1 = guard.bounds
                corners = ((bx0, by0), (bx0, by1), (bx1, by0), (bx1, by1))
                if not all(_inside_extent(px, py, 150.0) for px, py in corners):
                    continue
                if guard.intersects(town_guard) or guard.intersects(road_guard):
                    continue
                if any(guard.intersects(other) for other in accepted):
                    continue
                accepted.append(guard)
                break
            else:
                continue
            # commit rows, lanes and cuts
            row_ids = []
            for k, (R, D) in enumerate(zip(plan["radii"], plan["depths"])):
                grp = f"{vname}{group_no + k // 4}组"
                row_ids.append(L.rows.add_arc(centre[0], centre[1], R, th0, th1, D, "village_house", vname, grp,
                                              plan["params"], dense))
                L.row_parity.append(0)
            group_no += (len(plan["radii"]) + 3) // 4
            r_mid = (r0 + r_last) / 2
            n_rad = 1 + int(plan["span"] * r_mid > 230.0) + int(plan["span"] * r_mid > 430.0)
            main_a = phi + rng.uniform(-0.15, 0.15) * plan["span"]
            angles = [main_a]
            if n_rad >= 2:
                angles.append(phi - rng.uniform(0.25, 0.4) * plan["span"])
            if n_rad >= 3:
                angles.append(phi + rng.uniform(0.25, 0.4) * plan["span"])
            widths = [rng.uniform(2.2, 3.4)] + [rng.uniform(1.4, 2.6) for _ in angles[1:]]
            lane_r = np.array([r for r, _ in plan["lanes"]])
            cos_a = np.cos(np.array(angles))
            sin_a = np.sin(np.array(angles))
            jx = centre[0] + lane_r[:, None] * cos_a[None, :]
            jy = centre[1] + lane_r[:, None] * sin_a[None, :]
            surface_paved = rng.random() < 0.6
            for li, (r, lw) in enumerate(plan["lanes"]):
                ext = 6.0 / r
                step = 6.0 / r
                samp = np.arange(th0 - ext, th1 + ext + step * 0.5, step)
                far = np.all(np.abs(samp[:, None] - np.array(angles)[None, :]) * r > 0.5, axis=1)
                samp = samp[far]
                ang_all = np.concatenate([samp, np.array(angles)])
                xy_all = np.concatenate([np.column_stack([centre[0] + r * np.cos(samp), centre[1] + r * np.sin(samp)]),
                                         np.column_stack([jx[li], jy[li]])])
                order = np.argsort(ang_all, kind="stable")
                width = round(float(np.clip(lw + rng.uniform(-0.2, 0.2), 1.2, 3.6)), 1)
                L.roads.add(xy_all[order], f"{vname}巷道", "lane", width,
                            "paved" if surface_paved else "unpaved", zone=vname)
            out_dir = np.array([cos_a[0], sin_a[0]])
            access = centre + (r_last + 35.0) * out_dir
            for a_i, (a, wl) in enumerate(zip(angles, widths)):
                pts = np.column_stack([jx[:, a_i], jy[:, a_i]])
                if a_i == 0:
                    pts = np.vstack([pts, access])
                L.roads.add(pts, f"{vname}寨内主巷" if a_i == 0 else f"{vname}巷道", "lane", round(wl, 1),
                            "paved" if surface_paved or a_i == 0 else "unpaved", zone=vname)
                for rid, R in zip(row_ids, plan["radii"]):
                    L.cut(rid, (a - th0) * R, wl / 2 + 0.7)
            L.hamlets.append(Hamlet(index=hamlet_index, village=vname, village_index=vi, order=j, centre=centre,
                                    facing=phi, access=access, out_dir=out_dir, r_last=r_last, dense=dense,
                                    sector=sector, rows=row_ids))
            hamlet_index += 1


def build_village_roads(L: Layout, rng) -> None:
    """Connect every hamlet to the network (Prim-like: nearest first) with winding roads."""
    hamlets = L.hamlets
    if not hamlets:
        return
    xs = np.arange(-9000.0, 9000.0 + 1.0, 20.0)
    ys = river_y(xs) + MAIN_Y
    main_pool = [np.column_stack([xs, ys])[np.abs(xs) >= 3500.0]]
    ring = np.arange(-700.0, 1280.0 + 1.0, 20.0)
    main_pool.append(np.column_stack([ring, np.full(len(ring), 640.0)]))
    park = np.arange(1700.0, 3150.0 + 1.0, 20.0)
    main_pool.append(np.column_stack([park, np.full(len(park), 700.0)]))
    south = np.arange(-600.0, 20.0, 20.0)
    main_pool.append(np.column_stack([np.full(len(south), -300.0), south]))
    pool = np.vstack(main_pool)
    owner = np.full(len(pool), -1)
    connected = np.zeros(len(hamlets), dtype=bool)
    far = np.array([h.access + h.out_dir * 70.0 for h in hamlets])
    outs = np.array([h.out_dir for h in hamlets])
    x_num = int(rng.integers(400, 460))
    y_num = int(rng.integers(10, 30))
    hamlet_roads: list[int] = [-1] * len(hamlets)
    parent = np.full(len(hamlets), -1)
    lengths = np.zeros(len(hamlets))
    order: list[int] = []
    guard_tree = shapely.STRtree([h.sector.buffer(8.0) for h in hamlets])
    while not connected.all():
        todo = np.flatnonzero(~connected)
        diff = pool[None, :, :] - far[todo][:, None, :]
        dist = np.hypot(diff[..., 0], diff[..., 1])
        cosang = (diff[..., 0] * outs[todo][:, 0:1] + diff[..., 1] * outs[todo][:, 1:2]) / np.maximum(dist, 1e-9)
        cost = dist * (1.0 + 0.6 * (1.0 - cosang))
        # the cheapest anchor whose straight line misses every hamlet and the town
        k = min(40, cost.shape[1])
        cand = np.argsort(cost, axis=1, kind="stable")[:, :k]
        best = cand[:, 0].copy()
        best_cost = cost[np.arange(len(todo)), best].copy()
        for r, hi_ in enumerate(todo):
            segs = shapely.linestrings(np.stack([pool[cand[r]], np.broadcast_to(far[hi_], (k, 2))], axis=1))
            blocked = np.zeros(k, dtype=bool)
            s_idx, _ = guard_tree.query(segs, predicate="intersects")
            blocked[s_idx] = True
            blocked |= shapely.intersects(segs, TOWN_ZONE)
            free = np.flatnonzero(~blocked)
            if len(free):
                best[r] = cand[r, free[0]]
                best_cost[r] = cost[r, best[r]]
            else:
                best_cost[r] = cost[r, best[r]] * 3.0
        pick = int(np.argmin(best_cost))
        hi = int(todo[pick])
        pi = int(best[pick])
        h = hamlets[hi]
        p0 = pool[pi]
        for attempt in range(6):  # a winding road that misses the other hamlets, else a straight one
            amplitude = None if attempt < 5 else 0.0
            path = wiggle_path(rng, p0, far[hi], amplitude=amplitude)
            line = shapely.linestrings(path)
            if not (len(guard_tree.query(line, predicate="intersects")) or line.intersects(TOWN_ZONE)):
                break
        pts = np.vstack([path, h.access + h.out_dir * 35.0, h.access])
        length = float(np.sum(np.hypot(*np.diff(pts, axis=0).T)))
        rid = L.roads.add(pts, "", "local", 4.0, "paved", zone=h.village)
        parent[hi] = int(owner[pi])
        lengths[hi] = length
        h.road = rid
        hamlet_roads[hi] = rid
        pool = np.vstack([pool, pts[:-2]])
        owner = np.concatenate([owner, np.full(len(pts) - 2, hi)])
        connected[hi] = True
        order.append(hi)
    # classes from the tree: a road from the main network serving several hamlets (or a long one)
    # is a county road (县道), other roads from the main network are township roads (乡道), and
    # roads branching off village roads are village roads (通村路 / 通组路)
    served = np.ones(len(hamlets), dtype=int)
    for hi in reversed(order):
        if parent[hi] >= 0:
            served[parent[hi]] += served[hi]
    for hi in order:
        h = hamlets[hi]
        if parent[hi] < 0:
            if served[hi] >= 3 or lengths[hi] > 2500.0:
                cls, width, name = "arterial", rng.uniform(6.5, 7.5), f"X{x_num}县道"
                x_num += 1
            else:
                cls, width, name = "collector", rng.uniform(4.5, 6.0), f"Y{y_num:03d}乡道"
                y_num += 1
        else:
            same = hamlets[parent[hi]].village == h.village
            if same:
                cls, width, name = "local", rng.uniform(3.0, 4.2), f"{h.village}通组路"
            else:
                cls, width, name = "local", rng.uniform(3.5, 5.0), f"{h.village}通村路"
        rid = h.road
        L.roads.name[rid] = name
        L.roads.road_class[rid] = cls
        L.roads.width[rid] = round(float(width), 1)
        L.roads.surface[rid] = "paved" if cls != "local" or rng.random() < 0.8 else "gravel"
        h.road_class = cls
    # footpaths between neighbouring hamlets of different villages, and tracks into the fields
    sectors = [h.sector for h in hamlets]
    tree = shapely.STRtree(sectors)
    n_paths = 0
    for a in range(len(hamlets)):
        for b in range(a + 1, len(hamlets)):
            ha, hb = hamlets[a], hamlets[b]
            if ha.village == hb.village or n_paths >= max(3, len(hamlets) // 4):
                continue
            dist = float(np.hypot(*(far[a] - far[b])))
            if dist > 1500.0 or rng.random() > 0.7:
                continue
            path = wiggle_path(rng, far[a], far[b], amplitude=dist * 0.08, waves=2)
            line = shapely.linestrings(path)
            hits = tree.query(line, predicate="intersects")
            if len(hits) or line.intersects(TOWN_ZONE):
                continue
            L.roads.add(path, f"{ha.village}至{hb.village}步道", "path", round(rng.uniform(1.0, 1.8), 1), "unpaved",
                        zone=ha.village)
            n_paths += 1
    for hi, h in enumerate(hamlets):
        if rng.random() > 0.35:
            continue
        turn = rng.choice([-1.0, 1.0]) * rng.uniform(1.1, 1.9)
        c, s = np.cos(turn), np.sin(turn)
        direction = np.array([c * h.out_dir[0] - s * h.out_dir[1], s * h.out_dir[0] + c * h.out_dir[1]])
        end = far[hi] + direction * rng.uniform(200.0, 500.0)
        path = wiggle_path(rng, far[hi], end, amplitude=25.0, waves=1)
        line = shapely.linestrings(path)
        if len(tree.query(line, predicate="intersects")) or line.intersects(TOWN_ZONE) \
                or not _inside_extent(end[0], end[1], 100.0):
            continue
        L.roads.add(path, "机耕道", "track", round(rng.uniform(2.5, 3.5), 1),
                    "gravel" if rng.random() < 0.5 else "unpaved", zone=h.village)


def scatter_houses(L: Layout, rng) -> None:
    """Houses strung along village roads (散居) and roadside strips along the provincial road."""
    out = {"cx": [], "cy": [], "w": [], "d": [], "angle": [], "template": []}
    for h in L.hamlets:
        if h.road < 0:
            continue
        pts = L.roads.coords[h.road]
        line = shapely.linestrings(pts)
        length = line.length
        if length < 200.0:
            continue
        n = int(rng.poisson(length / 160.0))
        if n == 0:
            continue
        s = rng.uniform(40.0, length - 120.0, n)
        side = rng.choice([-1.0, 1.0], n)
        w = rng.uniform(8.0, 13.0, n)
        d = rng.uniform(7.0, 10.0, n)
        off = L.roads.width[h.road] / 2 + rng.uniform(4.0, 10.0, n) + d / 2
        p = shapely.get_coordinates(shapely.line_interpolate_point(line, s))
        q = shapely.get_coordinates(shapely.line_interpolate_point(line, s + 1.0))
        t = q - p
        t /= np.maximum(np.hypot(t[:, 0], t[:, 1]), 1e-9)[:, None]
        nx, ny = -t[:, 1] * side, t[:, 0] * side
        out["cx"].append(p[:, 0] + nx * off); out["cy"].append(p[:, 1] + ny * off)
        out["w"].append(w); out["d"].append(d); out["angle"].append(np.arctan2(t[:, 1], t[:, 0]))
        out["template"].append(np.full(n, "scattered_house", dtype=object))
    # roadside strips (路边街) on the provincial road outside the town
    line = L.provincial
    for _ in range(4):
        x_mid = rng.choice([-1.0, 1.0]) * rng.uniform(3900.0, 7000.0)
        s0 = float(line.project(shapely.Point(x_mid, float(river_y(x_mid)) + MAIN_Y)))
        for side in (-1.0, 1.0):
            w = rng.uniform(6.0, 12.0, 60)
            gap = rng.uniform(2.0, 14.0, 60)
            pos = s0 + np.cumsum(w + gap) - (w + gap) / 2
            keep = pos < s0 + rng.uniform(200.0, 450.0)
            pos, w = pos[keep], w[keep]
            n = len(pos)
            d = rng.uniform(9.0, 13.0, n)
            off = 4.25 + rng.uniform(2.0, 5.0, n) + d / 2
            p = shapely.get_coordinates(shapely.line_interpolate_point(line, pos))
            q = shapely.get_coordinates(shapely.line_interpolate_point(line, pos + 1.0))
            t = q - p
            t /= np.maximum(np.hypot(t[:, 0], t[:, 1]), 1e-9)[:, None]
            nx, ny = -t[:, 1] * side, t[:, 0] * side
            out["cx"].append(p[:, 0] + nx * off); out["cy"].append(p[:, 1] + ny * off)
            out["w"].append(w); out["d"].append(d); out["angle"].append(np.arctan2(t[:, 1], t[:, 0]))
            out["template"].append(np.full(n, "roadside_house", dtype=object))
    L.loose = {k: np.concatenate(v) if v else np.array([]) for k, v in out.items()}


# -- houses from rows, and the clean-up --------------------------------------------------------

def assemble_buildings(L: Layout, rng):
    """All footprints with their template, zone, role, address group and numbering information.

    Returns a dict of aligned numpy arrays (``geometry`` included) after removing any footprint that
    touches a road or overlaps an earlier footprint.
    """
    rows = L.rows
    slots = pack_rows(rng, rows)
    slots = cut_slots(slots, *L.cuts)
    # thin out loose hamlets
    dense = np.array(rows.dense)[slots.row]
    template_row = np.array(rows.template, dtype=object)[slots.row]
    is_village = template_row == "village_house"
    drop = is_village & ~dense & (rng.random(len(slots.row)) < 0.25)
    slots = subset_slots(slots, ~drop)
    template = np.array(rows.template, dtype=object)[slots.row].copy()
    zone = np.array(rows.zone, dtype=object)[slots.row]
    group = np.array(rows.group, dtype=object)[slots.row]
    parity = np.array(L.row_parity)[slots.row]
    # out-buildings in villages and park building types
    small = slots.small
    template[(template == "village_house") & small] = "village_outbuilding"
    park = template == "park"
    u = rng.random(len(template))
    park_kind = np.where(u < 0.45, "warehouse",
                         np.where(u < 0.85, "factory", np.where(u < 0.92, "park_office", "park_dorm")))
    template[park] = park_kind[park]
    shrink = park & ((park_kind == "park_office") | (park_kind == "park_dorm"))
    slots.width = np.where(shrink, np.minimum(slots.width, rng.uniform(18.0, 30.0, len(template))), slots.width)
    slots.depth = np.where(shrink, np.minimum(slots.depth, rng.uniform(12.0, 16.0, len(template))), slots.depth)
    cx, cy, w, d, ang = slot_rectangles(rows, slots)
    n_rows = len(cx)
    sp = L.special
    n_sp = len(sp.cx)
    lo = L.loose
    n_lo = len(lo["cx"]) if len(lo) else 0
    data = {
        "cx": np.concatenate([cx, sp.cx, lo["cx"] if n_lo else []]),
        "cy": np.concatenate([cy, sp.cy, lo["cy"] if n_lo else []]),
        "w": np.concatenate([w, sp.w, lo["w"] if n_lo else []]),
        "d": np.concatenate([d, sp.d, lo["d"] if n_lo else []]),
        "angle": np.concatenate([ang, sp.angle, lo["angle"] if n_lo else []]),
        "template": np.concatenate([template, np.array(sp.template, dtype=object),
                                    lo["template"] if n_lo else np.array([], dtype=object)]),
        "zone": np.concatenate([zone, np.array(sp.zone, dtype=object), np.full(n_lo, None, dtype=object)]),
        "group": np.concatenate([group, np.full(n_sp, None, dtype=object), np.full(n_lo, None, dtype=object)]),
        "parity": np.concatenate([parity, np.zeros(n_sp, dtype=int), np.zeros(n_lo, dtype=int)]),
        "role": np.concatenate([np.full(n_rows, "", dtype=object), np.array(sp.role, dtype=object),
                                np.full(n_lo, "", dtype=object)]),
        "name": np.concatenate([np.full(n_rows, None, dtype=object), np.array(sp.name, dtype=object),
                                np.full(n_lo, None, dtype=object)]),
        "storeys_hint": np.concatenate([np.zeros(n_rows, dtype=int), np.array(sp.storeys, dtype=int),
                                        np.zeros(n_lo, dtype=int)]),
        "hamlet": np.concatenate([_hamlet_of_rows(L)[slots.row], np.full(n_sp, -1), np.full(n_lo, -1)]),
        "row": np.concatenate([slots.row, np.full(n_sp, -1), np.full(n_lo, -1)]),
        "along": np.concatenate([slots.start, np.zeros(n_sp), np.zeros(n_lo)]),
    }
    geoms = rectangles(data["cx"], data["cy"], data["w"], data["d"], data["angle"])
    # remove footprints on a road (width/2 + 0.3 m) or overlapping an earlier footprint
    road_geoms = L.roads.geometries()
    corridors = shapely.buffer(road_geoms, np.array(L.roads.width) / 2 + 0.3, quad_segs=2)
    tree = shapely.STRtree(geoms)
    _, hit = tree.query(corridors, predicate="intersects")
    bad = np.zeros(len(geoms), dtype=bool)
    bad[hit] = True
    a, b = tree.query(geoms, predicate="intersects")
    pair = a < b
    a, b = a[pair], b[pair]
    if len(a):
        area = shapely.area(shapely.intersection(geoms[a], geoms[b]))
        overlap = area > 0.01
        # drop the later one of each overlapping pair (unless the earlier is already gone)
        for i, j in zip(a[overlap], b[overlap]):
            if not bad[i]:
                bad[j] = True
    keep = ~bad
    stats = {"removed_on_road": int(len(np.unique(hit))), "removed_overlap": int(bad.sum() - len(np.unique(hit)))}
    out = {k: v[keep] for k, v in data.items()}
    out["geometry"] = geoms[keep]
    return out, stats


def _hamlet_of_rows(L: Layout) -> np.ndarray:
    owner = np.full(len(L.rows), -1)
    for h in L.hamlets:
        owner[h.rows] = h.index
    return owner
