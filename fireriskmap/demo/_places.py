"""Fire forces, key places, past incidents and open hazards of the demo township.

These are tied to buildings: a village's volunteer team sits in a house at the village entrance,
a nine-small shop is one of the shop-houses, an incident happened in a given house.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np

from fireriskmap.demo import _names as N
from fireriskmap.demo._buildings import Table, choose
from fireriskmap.demo._features import AS_OF, CAMPAIGN_START, INCIDENT_END, INCIDENT_START, _dates, \
    _masked_names, _masked_phone
from fireriskmap.demo._layout import Layout


class Picker:
    """Chooses buildings for places without using one twice."""

    def __init__(self, rng, b: dict, xy: np.ndarray) -> None:
        self.rng = rng
        self.b = b
        self.xy = xy
        self.used = np.zeros(len(xy), dtype=bool)

    def nearest(self, mask, point) -> int:
        idx = np.flatnonzero(mask & ~self.used)
        if not len(idx):
            return -1
        d = np.hypot(*(self.xy[idx] - np.asarray(point)).T)
        i = int(idx[np.argmin(d)])
        self.used[i] = True
        return i

    def random(self, mask, k: int) -> np.ndarray:
        idx = np.flatnonzero(mask & ~self.used)
        if not len(idx):
            return idx
        pick = np.sort(self.rng.choice(idx, size=min(k, len(idx)), replace=False))
        self.used[pick] = True
        return pick

    def role(self, role: str) -> int:
        idx = np.flatnonzero(self.b["role"] == role)
        if not len(idx):
            return -1
        self.used[idx[0]] = True
        return int(idx[0])


def _known(t: Table, name: str) -> np.ndarray:
    return ~t.missing[name]


def chimney_mask(t: Table) -> np.ndarray:
    """Self-built, >= 3 storeys, one open stair, shop below or let to tenants (all values known)."""
    v = t.values
    known = _known(t, "self_built") & _known(t, "storeys") & _known(t, "open_stair") & _known(t, "stair_count")
    mixed = (v["ground_commercial"] & _known(t, "ground_commercial")) | ((v["use"] == "rental") & _known(t, "use"))
    return known & v["self_built"] & (v["storeys"] >= 3) & v["open_stair"] & (v["stair_count"] == 1) & mixed


def _make_public(t: Table, i: int, storeys: int, occupants: int, use: str = "public") -> None:
    """A village house that is in fact a village office, clinic or school."""
    t.set("use", [i], use)
    t.set("structure", [i], "brick_concrete")
    t.set("fire_rating", [i], "2")
    t.set("storeys", [i], storeys)
    t.set("height", [i], round(storeys * 3.3 + 0.6, 1))
    t.set("households", [i], 0)
    t.set("occupants", [i], occupants)
    t.set("self_built", [i], False)
    t.set("ground_commercial", [i], False)
    t.set("people_sleep_inside", [i], occupants > 0)


def fire_forces(rng, L: Layout, b: dict, xy: np.ndarray, pick: Picker, t: Table) -> list[tuple]:
    """Rows ``(x, y, name, force_type, turnout_s, engines, staff, travel_mode)``."""
    out = []
    i = pick.role("fire_station")
    if i >= 0:
        out.append((*xy[i], f"{N.TOWNSHIP}政府专职消防队", "government", 60.0, 3, 15, "engine"))
    tmpl = b["template"]
    for name, mask, point, engines, travel in (
        ("老街社区微型消防站", tmpl == "town_old_selfbuilt", (-500.0, 240.0), 0, "light_vehicle"),
        ("新城社区微型消防站", tmpl == "town_selfbuilt", (800.0, 300.0), 0, "light_vehicle"),
        ("工业园区微型消防站", np.isin(tmpl, ("park_office", "park_dorm", "factory")), (2420.0, 400.0), 1, "engine"),
        ("农贸市场微型消防站", tmpl == "shophouse_new", (480.0, 130.0), 0, "foot"),
    ):
        i = pick.nearest(mask, point)
        if i >= 0:
            out.append((*xy[i], name, "micro", 60.0, engines, int(rng.integers(6, 10)), travel))
    # villages: micro stations in the biggest, volunteer teams in the next ones
    counts = np.bincount(b["hamlet"][b["hamlet"] >= 0], minlength=len(L.hamlets))
    mains = [h for h in L.hamlets if h.order == 0]
    mains.sort(key=lambda h: (-int(counts[h.index]), h.index))
    for rank, h in enumerate(mains):
        if rank < 6:
            kind, name = "micro", f"{h.village}微型消防站"
            turnout = float(rng.integers(9, 16) * 10)
            engines = int(rng.random() < 0.3)
            staff = int(rng.integers(6, 11))
            travel = str(choose(rng, ("light_vehicle", "foot", "ebike"), (0.5, 0.3, 0.2), 1)[0])
        elif rank < 14:
            kind, name = "volunteer", f"{h.village}志愿消防队"
            turnout = float(rng.integers(18, 31) * 10)
            engines = 0
            staff = int(rng.integers(10, 26))
            travel = str(choose(rng, ("foot", "light_vehicle"), (0.6, 0.4), 1)[0])
        else:
            break
        i = pick.nearest(b["hamlet"] == h.index, h.access)
        if i < 0:
            continue
        out.append((*xy[i], name, kind, turnout, engines, staff, travel))
    return out


def station_table(rng, rows, labels) -> Table:
    n = len(rows)
    t = Table("fire_stations", n)
    cols = list(zip(*rows))
    t.set("name", np.ones(n, bool), np.array(cols[2], dtype=object))
    t.set("force_type", np.ones(n, bool), np.array(cols[3], dtype=object))
    t.set("turnout_s", np.ones(n, bool), np.array(cols[4], dtype=float))
    t.set("engines", np.ones(n, bool), np.array(cols[5], dtype=np.int64))
    t.set("staff", np.ones(n, bool), np.array(cols[6], dtype=np.int64))
    t.set("travel_mode", np.ones(n, bool), np.array(cols[7], dtype=object))
    t.set("village", np.ones(n, bool), labels)
    t.set("source_id", np.ones(n, bool), np.array([f"FL-F-{i + 1:02d}" for i in range(n)], dtype=object))
    volunteer = np.array(cols[3]) == "volunteer"
    t.blank("engines", volunteer & (rng.random(n) < 0.3))
    return t


def key_places(rng, L: Layout, b: dict, xy: np.ndarray, pick: Picker, t: Table) -> list[tuple]:
    """Rows ``(x, y, name, place_type, people_night, people_day, concern, address, building)``."""
    out: list[tuple] = []
    names = b["name"]

    def add(i, name, kind, night, day, concern=False, point=None):
        if i is None or i < 0:
            return
        x, y = point if point is not None else xy[i]
        out.append((x, y, name, kind, int(night), int(day), bool(concern), names[i] if i >= 0 else None))

    T = N.TOWNSHIP
    for role, name, kind, night, day, concern in (
        ("gov", f"{T}人民政府", "government", 4, 120, False),
        ("school_primary", f"{T}中心小学", "school", 280, 950, True),
        ("school_middle", f"{T}中学", "school", 650, 1200, True),
        ("kindergarten", f"{T}中心幼儿园", "kindergarten", 0, 300, True),
        ("nursing_home", f"{T}敬老院", "nursing_home", 45, 48, True),
        ("hospital_ward", f"{T}卫生院", "hospital", 40, 200, True),
        ("market", f"{T}农贸市场", "market", 3, 2000, True),
        ("gas", "中石化枫岭加油站", "hazardous_goods", 2, 8, True),
        ("lpg", "枫岭液化气供应站", "hazardous_goods", 1, 5, True),
        ("hotel", f"{T[:2]}宾馆", "public_assembly", 80, 60, False),
        ("temple", "观音阁", "religious", 1, 20, False),
    ):
        idx = np.flatnonzero(b["role"] == role)
        if len(idx):
            pick.used[idx[0]] = True
            add(int(idx[0]), name, kind, night, day, concern)
    cons = np.flatnonzero(b["role"] == "construction")
    if len(cons):
        p = xy[cons].mean(axis=0)
        add(int(cons[0]), f"{N.ESTATES[3]}二期建设工地", "construction_site", 20, 150, True, point=p)
    # estates' e-bike charging sheds: between the towers of each estate
    estate = np.flatnonzero(b["role"] == "estate")
    for k, est in enumerate(N.ESTATES[:4]):
        members = [i for i in estate if str(names[i]).startswith(est)]
        if len(members) >= 2:
            p = xy[members[:2]].mean(axis=0)
            add(int(members[0]), f"{est}电动车集中充电棚", "ebike_charging", 0, 0, False, point=p)
    add(pick.nearest(b["template"] == "town_old_selfbuilt", (-300.0, 130.0)), "老街电动车集中充电点",
        "ebike_charging", 0, 0)
    # nine-small premises in shop-houses; two firework shops; a KTV; rental housing
    v = t.values
    shops = np.isin(b["template"], ("shophouse_old", "shophouse_new")) & v["ground_commercial"] & \
        ~t.missing["ground_commercial"]
    kinds = N.SHOP_KINDS
    for i in pick.random(shops, 46):
        suffix, kind, (lo, hi) = kinds[int(rng.integers(0, len(kinds)))]
        prefix = N.SHOP_PREFIXES[int(rng.integers(0, len(N.SHOP_PREFIXES)))]
        add(int(i), f"{prefix}{suffix}", kind, rng.integers(lo, hi + 1), rng.integers(2, 30), rng.random() < 0.25)
    for i in pick.random(shops, 2):
        prefix = N.SHOP_PREFIXES[int(rng.integers(0, len(N.SHOP_PREFIXES)))]
        add(int(i), f"{prefix}烟花爆竹经营店", "hazardous_goods", 2, 6, True)
    for i in pick.random(np.isin(b["template"], ("shophouse_new",)) & shops, 1):
        add(int(i), "金曲KTV", "public_assembly", 0, 40, True)
    rentals = np.isin(b["template"], ("town_old_selfbuilt", "town_selfbuilt")) & (v["use"] == "rental") & \
        ~t.missing["use"]
    for i in pick.random(rentals, 14):
        night = v["occupants"][i] if not t.missing["occupants"][i] else int(rng.integers(8, 30))
        add(int(i), f"{names[i]}出租房", "rental_housing", max(int(night), 4), 2, rng.random() < 0.5)
    # enterprises in the park: the first building of each
    ent = b.get("enterprise")
    if ent is not None:
        for k, e in enumerate(N.ENTERPRISES):
            members = np.flatnonzero(ent == e)
            if not len(members):
                continue
            night = int(np.sum(v["occupants"][members] * ~t.missing["occupants"][members]
                               * v["people_sleep_inside"][members]))
            pick.used[members[0]] = True
            add(int(members[0]), e, "enterprise", night, int(rng.integers(15, 160)), night > 0)
    # villages: committee, clinic, village schools, mutual-aid homes, drum towers, small shops
    counts = np.bincount(b["hamlet"][b["hamlet"] >= 0], minlength=len(L.hamlets))
    mains = sorted([h for h in L.hamlets if h.order == 0], key=lambda h: (-int(counts[h.index]), h.index))
    admin = [h for h in mains if h.village.endswith("村")]
    for rank, h in enumerate(admin):
        in_h = b["hamlet"] == h.index
        i = pick.nearest(in_h, h.access)
        if i >= 0:
            _make_public(t, i, 3, 0, "office")
            add(i, f"{h.village}村民委员会", "government", 0, 12)
        i = pick.nearest(in_h, h.access)
        if i >= 0:
            _make_public(t, i, 2, 0)
            add(i, f"{h.village}卫生室", "hospital", 0, 15)
        if rank < 5:
            i = pick.nearest(in_h, h.access)
            if i >= 0:
                night = int(rng.choice([0, 0, 20, 40]))
                _make_public(t, i, 3, night)
                add(i, f"{h.village}小学", "school", night, int(rng.integers(60, 181)), night > 0)
        if rank in (1, 4):
            i = pick.nearest(in_h, h.access)
            if i >= 0:
                _make_public(t, i, 2, 10)
                add(i, f"{h.village}农村互助幸福院", "nursing_home", 10, 15, True)
    dense = [h for h in L.hamlets if h.dense]
    for h in dense[:6]:
        i = pick.nearest(b["hamlet"] == h.index, h.centre + (h.r_last * 0.55) * np.array([np.cos(h.facing),
                                                                                          np.sin(h.facing)]))
        if i >= 0:
            t.set("use", [i], "public")
            t.set("structure", [i], "timber")
            t.set("households", [i], 0)
            t.set("occupants", [i], 0)
            add(i, f"{h.village}鼓楼", "religious", 0, 30)
    for h in L.hamlets:
        if rng.random() < 0.35:
            i = pick.nearest((b["hamlet"] == h.index) & (b["template"] == "village_house"), h.access)
            if i >= 0:
                t.set("use", [i], "shop_residential")
                t.set("ground_commercial", [i], True)
                prefix = N.SHOP_PREFIXES[int(rng.integers(0, len(N.SHOP_PREFIXES)))]
                add(i, f"{prefix}小卖部", "nine_small", int(rng.integers(1, 4)), int(rng.integers(2, 10)))
    return out


def key_place_table(rng, rows, labels) -> Table:
    n = len(rows)
    t = Table("key_places", n)
    cols = list(zip(*rows))
    t.set("name", np.ones(n, bool), np.array(cols[2], dtype=object))
    t.set("place_type", np.ones(n, bool), np.array(cols[3], dtype=object))
    t.set("people_night", np.ones(n, bool), np.array(cols[4], dtype=np.int64))
    t.set("people_day", np.ones(n, bool), np.array(cols[5], dtype=np.int64))
    t.set("concern", np.ones(n, bool), np.array(cols[6], dtype=bool))
    t.set("address", np.ones(n, bool), np.array(cols[7], dtype=object))
    t.set("village", np.ones(n, bool), labels)
    t.set("manager", np.ones(n, bool), _masked_names(rng, n))
    t.set("phone", np.ones(n, bool), _masked_phone(rng, n))
    t.set("source_id", np.ones(n, bool), np.array([f"FL-K-{i + 1:03d}" for i in range(n)], dtype=object))
    t.blank("people_night", (np.array(cols[3]) == "nine_small") & (rng.random(n) < 0.1))
    return t


# -- incidents ------------------------------------------------------------------------------------

MONTH_WEIGHTS = (0.16, 0.17, 0.13, 0.10, 0.04, 0.03, 0.03, 0.03, 0.03, 0.05, 0.09, 0.14)
CAUSES_VILLAGE = (("careless_fire", "electrical", "children", "sacrificial", "field_burning", "smoking", "unknown"),
                  (0.36, 0.28, 0.07, 0.1, 0.07, 0.06, 0.06))
CAUSES_TOWN = (("electrical", "ebike", "careless_fire", "smoking", "other", "arson", "unknown"),
               (0.34, 0.24, 0.15, 0.1, 0.05, 0.02, 0.1))
CAUSES_PARK = (("electrical", "other", "smoking", "unknown"), (0.4, 0.3, 0.15, 0.15))
TYPE_WORD = {"timber": "木结构", "brick_timber": "砖木结构", "brick_concrete": "砖混结构",
             "reinforced_concrete": "钢混结构", "steel": "钢结构", "other": "简易"}
USE_WORD = {"residential": "民房", "shop_residential": "商住楼", "rental": "出租房",
            "commercial": "商铺", "warehouse": "仓库", "factory": "厂房", "agricultural": "柴房",
            "dormitory": "宿舍", "office": "办公楼", "public": "公共建筑", "other": "房屋"}


def incidents(rng, b: dict, xy: np.ndarray, t: Table, labels: np.ndarray, n: int = 46):
    """Rows of past fires over five years, mostly in winter and spring."""
    tmpl = b["template"]
    weight = np.select(
        [np.isin(tmpl, ("village_house", "scattered_house")), tmpl == "village_outbuilding",
         tmpl == "roadside_house", np.isin(tmpl, ("shophouse_old", "shophouse_new")),
         np.isin(tmpl, ("town_old_selfbuilt", "town_selfbuilt")), tmpl == "highrise",
         np.isin(tmpl, ("warehouse", "factory"))],
        [3.0, 1.0, 2.0, 12.0, 2.0, 15.0, 25.0], 0.3)
    weight = weight * (b["role"] == "")
    idx = np.sort(rng.choice(len(tmpl), size=n, replace=False, p=weight / weight.sum()))
    dates = _dates(rng, INCIDENT_START, INCIDENT_END, n, MONTH_WEIGHTS)
    v = t.values
    rows = []
    chim = chimney_mask(t)
    # the deaths: a shop-house fire (e-bike charging below an open stair), two village house fires
    town_like = np.isin(tmpl[idx], ("shophouse_old", "shophouse_new"))
    village_like = np.isin(tmpl[idx], ("village_house", "scattered_house", "roadside_house"))
    fatal = {}
    cand = np.flatnonzero(town_like & chim[idx])
    if len(cand):
        fatal[int(cand[0])] = ("ebike", 2, 1)
    vc = np.flatnonzero(village_like)
    if len(vc) >= 2:
        fatal[int(vc[0])] = ("careless_fire", 1, 0)
        fatal[int(vc[-1])] = ("electrical", 1, 1)
    big = int(vc[len(vc) // 2]) if len(vc) >= 3 else -1
    for k, i in enumerate(idx):
        village = np.isin(tmpl[i], ("village_house", "scattered_house", "roadside_house", "village_outbuilding"))
        park = np.isin(tmpl[i], ("warehouse", "factory", "park_office", "park_dorm"))
        causes = CAUSES_VILLAGE if village else CAUSES_PARK if park else CAUSES_TOWN
        cause = str(choose(rng, *causes, 1)[0])
        deaths, injuries = 0, int(rng.random() < 0.12) * int(rng.integers(1, 3))
        burnt = 1 if rng.random() < 0.85 else int(rng.integers(2, 4))
        if k in fatal:
            cause, deaths, injuries = fatal[k]
        if village:
            loss = rng.uniform(5e3, 1.2e5) * burnt
        elif park:
            loss = rng.uniform(5e4, 2e6)
        else:
            loss = rng.uniform(3e3, 3e5)
        if k == big:
            cause, burnt, loss = "careless_fire", 16, 3.2e6
        text = N.INCIDENT_TEXT[cause][int(rng.integers(0, len(N.INCIDENT_TEXT[cause])))]
        date = dates[k]
        if k == big:
            date = np.datetime64("2023-01-24")
        struct = v["structure"][i] if not t.missing["structure"][i] else None
        use = v["use"][i] if not t.missing["use"][i] else None
        place = f"{b['name'][i]}（{TYPE_WORD.get(struct, '')}{USE_WORD.get(use, '房屋')}）"
        desc = f"{text}，烧毁房屋{burnt}栋"
        if burnt >= 10:
            desc = f"{text}，火势在木结构连片民房间蔓延，形成“火烧连营”，烧毁房屋{burnt}栋"
        if deaths:
            desc += f"，造成{deaths}人死亡"
        if injuries:
            desc += f"、{injuries}人受伤" if deaths else f"，造成{injuries}人受伤"
        rows.append((xy[i][0], xy[i][1], str(date), cause, place, labels[i], round(float(loss), -2), deaths, injuries,
                     burnt, desc))
    rows.sort(key=lambda r: (r[2], r[0], r[1]))
    return rows


def incident_table(rows) -> Table:
    n = len(rows)
    t = Table("incidents", n)
    cols = list(zip(*rows))
    t.set("date", np.ones(n, bool), np.array(cols[2], dtype=object))
    t.set("cause", np.ones(n, bool), np.array(cols[3], dtype=object))
    t.set("place", np.ones(n, bool), np.array(cols[4], dtype=object))
    t.set("village", np.ones(n, bool), np.array(cols[5], dtype=object))
    t.set("loss_yuan", np.ones(n, bool), np.array(cols[6], dtype=float))
    t.set("deaths", np.ones(n, bool), np.array(cols[7], dtype=np.int64))
    t.set("injuries", np.ones(n, bool), np.array(cols[8], dtype=np.int64))
    t.set("buildings_burnt", np.ones(n, bool), np.array(cols[9], dtype=np.int64))
    t.set("description", np.ones(n, bool), np.array(cols[10], dtype=object))
    return t


# -- hazards ----------------------------------------------------------------------------------------

def hazards(rng, L: Layout, b: dict, xy: np.ndarray, t: Table, labels: np.ndarray, hydrant_xy, hydrant_ok,
            hydrant_labels):
    """The campaign's hazard ledger (found 2026-11 .. 2027-01), with deadlines and status."""
    v, miss = t.values, t.missing
    tmpl = b["template"]
    items = []  # (x, y, type, severity, unit, address, village, measure)

    def known(name):
        return ~miss[name]

    chim = np.flatnonzero(chimney_mask(t) & np.isin(tmpl, ("shophouse_old", "shophouse_new", "town_old_selfbuilt",
                                                             "town_selfbuilt")))
    chim = np.sort(rng.choice(chim, size=min(70, len(chim)), replace=False)) if len(chim) else chim
    for i in chim:
        if v["anti_theft_bars"][i] and known("anti_theft_bars")[i]:
            htype = "anti_theft_bars"
        elif v["ebike_indoor"][i] and known("ebike_indoor")[i]:
            htype = "ebike"
        else:
            htype = str(choose(rng, ("blocked_exit", "wiring", "fire_use"), (0.5, 0.3, 0.2), 1)[0])
        sev = "major" if rng.random() < 0.15 else "general"
        items.append((i, htype, sev, f"{b['name'][i]}经营户", N.CHIMNEY_MEASURE))
    shed = np.isin(tmpl, ("warehouse", "factory"))
    ent = b.get("enterprise")
    for i in np.flatnonzero(shed & v["people_sleep_inside"] & known("people_sleep_inside")):
        unit = ent[i] if ent is not None else "园区企业"
        items.append((i, "three_in_one", "major" if rng.random() < 0.5 else "general", unit, None))
    sand = np.flatnonzero(shed & v["sandwich_panel"] & known("sandwich_panel"))
    for i in np.sort(rng.choice(sand, size=min(28, len(sand)), replace=False)) if len(sand) else []:
        unit = ent[i] if ent is not None else "园区企业"
        items.append((i, "sandwich_panel", "major" if rng.random() < 0.25 else "general", unit, None))
    vil = np.flatnonzero(np.isin(tmpl, ("village_house", "scattered_house")) & (b["role"] == ""))
    for htype, k in (("wiring", 45), ("firewood", 45), ("fire_use", 18), ("other", 8)):
        for i in np.sort(rng.choice(vil, size=min(k, len(vil)), replace=False)):
            sev = "major" if (htype == "wiring" and rng.random() < 0.08) else "general"
            items.append((i, htype, sev, f"{b['name'][i]}户主", None))
    town = np.flatnonzero(np.isin(tmpl, ("town_selfbuilt", "town_old_selfbuilt")) & (b["role"] == ""))
    for i in np.sort(rng.choice(town, size=min(14, len(town)), replace=False)):
        items.append((i, str(choose(rng, ("ebike", "blocked_exit", "wiring"), (0.5, 0.25, 0.25), 1)[0]), "general",
                      f"{b['name'][i]}户主", None))
    rows = []
    for i, htype, sev, unit, measure in items:
        rows.append((xy[i][0], xy[i][1], htype, sev, unit, b["name"][i], labels[i], measure))
    # blocked fire lanes: on the estates' fire lanes and in the old town lanes
    for k, name in enumerate(L.roads.name):
        if name.endswith("消防通道") or (L.roads.road_class[k] == "lane" and rng.random() < 0.02
                                      and L.roads.zone[k] in N.COMMUNITIES):
            c = L.roads.coords[k]
            p = c[0] + (c[-1] - c[0]) * rng.uniform(0.3, 0.7)
            comm = L.roads.zone[k] or N.COMMUNITIES[1]
            rows.append((p[0], p[1], "blocked_fire_lane", "general", f"{comm}居委会", name, None, None))
    # broken hydrants
    for j in np.flatnonzero(~hydrant_ok):
        rows.append((hydrant_xy[j][0], hydrant_xy[j][1], "facilities_broken", "general", f"{N.TOWNSHIP}水务站",
                     f"消火栓XH-{j + 1:03d}", hydrant_labels[j], None))
    n = len(rows)
    found = _dates(rng, CAMPAIGN_START, "2027-01-15", n)
    severity = np.array([r[3] for r in rows], dtype=object)
    add_days = np.where(severity == "major", rng.choice([30, 45, 60], n), rng.choice([7, 10, 15, 30], n))
    deadline = found + add_days.astype("timedelta64[D]")
    as_of = np.datetime64(AS_OF)
    past = deadline < as_of
    u = rng.random(n)
    status = np.where(past, np.where(u < 0.72, "closed", "overdue"),
                      np.where(u < 0.35, "open", np.where(u < 0.85, "rectifying", "closed")))
    # items found in the last days are still open
    status = np.where(found > as_of - np.timedelta64(5, "D"), "open", status)
    out = []
    for k, r in enumerate(rows):
        htype = r[2]
        texts = N.HAZARD_TEXT[htype]
        desc = texts[int(rng.integers(0, len(texts)))]
        measure = r[7] or N.HAZARD_MEASURE[htype]
        out.append((r[0], r[1], str(found[k]), htype, r[3], str(status[k]), str(deadline[k]), r[4], measure, desc,
                    r[6], r[5]))
    out.sort(key=lambda r: (r[2], r[0], r[1]))
    return out


def hazard_table(rng, rows, labels) -> Table:
    n = len(rows)
    t = Table("hazards", n)
    cols = list(zip(*rows))
    t.set("found_date", np.ones(n, bool), np.array(cols[2], dtype=object))
    t.set("hazard_type", np.ones(n, bool), np.array(cols[3], dtype=object))
    t.set("severity", np.ones(n, bool), np.array(cols[4], dtype=object))
    t.set("status", np.ones(n, bool), np.array(cols[5], dtype=object))
    t.set("deadline", np.ones(n, bool), np.array(cols[6], dtype=object))
    t.set("responsible_unit", np.ones(n, bool), np.array(cols[7], dtype=object))
    t.set("responsible_person", np.ones(n, bool), _masked_names(rng, n))
    t.set("measure", np.ones(n, bool), np.array(cols[8], dtype=object))
    t.set("description", np.ones(n, bool), np.array(cols[9], dtype=object))
    t.set("village", np.ones(n, bool), labels)
    t.set("address", np.ones(n, bool), np.array(cols[11], dtype=object))
    return t


def as_of_date() -> _dt.date:
    return _dt.date.fromisoformat(AS_OF)
