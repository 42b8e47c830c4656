"""Attributes of the demo buildings, drawn per template (village house, shop-house, tower, shed...).

Values follow the layer spec (``layers/buildings.toml``): enum codes, nullable integers and
booleans. Like real survey data some values are missing (unknown), more so in villages than for
public buildings and towers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fireriskmap.core.spec import get_spec

VILLAGE_T = ("village_house", "scattered_house", "roadside_house")
TOWN_T = ("shophouse_old", "shophouse_new", "town_old_selfbuilt", "town_selfbuilt")
PARK_T = ("warehouse", "factory", "park_office", "park_dorm")

RATING = {
    "timber": (("4", "3"), (0.92, 0.08)),
    "brick_timber": (("3", "4"), (0.6, 0.4)),
    "brick_concrete": (("2", "3"), (0.7, 0.3)),
    "reinforced_concrete": (("1", "2"), (0.5, 0.5)),
    "steel": (("2", "3"), (0.45, 0.55)),
    "other": (("4", "3"), (0.8, 0.2)),
}
YEARS = {
    "timber": (1950, 2006), "brick_timber": (1965, 2013), "brick_concrete": (1985, 2025),
    "reinforced_concrete": (2000, 2026), "steel": (2005, 2025), "other": (1980, 2021),
}


class Table:
    """Columns of one layer, typed by its spec; ``None``/masked until set."""

    def __init__(self, kind: str, n: int) -> None:
        self.spec = get_spec(kind)
        self.n = n
        self.values: dict[str, np.ndarray] = {}
        self.missing: dict[str, np.ndarray] = {}
        for f in self.spec.fields:
            if f.type == "int":
                self.values[f.name] = np.zeros(n, dtype=np.int64)
            elif f.type == "float":
                self.values[f.name] = np.full(n, np.nan)
            elif f.type == "bool":
                self.values[f.name] = np.zeros(n, dtype=bool)
            else:
                self.values[f.name] = np.full(n, None, dtype=object)
            self.missing[f.name] = np.ones(n, dtype=bool)

    def set(self, name: str, where, value) -> None:
        idx = np.flatnonzero(where) if np.asarray(where).dtype == bool else np.asarray(where, dtype=int)
        if np.ndim(value) == 0:
            self.values[name][idx] = value
        else:
            self.values[name][idx] = np.asarray(value)[: len(idx)] if len(value) != self.n else np.asarray(value)[idx]
        self.missing[name][idx] = False

    def blank(self, name: str, where) -> None:
        """Mark values unknown."""
        self.missing[name][np.asarray(where, dtype=bool)] = True

    def frame(self) -> pd.DataFrame:
        out = {}
        for f in self.spec.fields:
            v, m = self.values[f.name], self.missing[f.name]
            if f.type == "int":
                out[f.name] = pd.arrays.IntegerArray(v.copy(), m.copy())
            elif f.type == "bool":
                out[f.name] = pd.arrays.BooleanArray(v.copy(), m.copy())
            elif f.type == "float":
                out[f.name] = np.where(m, np.nan, v)
            else:
                col = v.copy()
                col[m] = None
                out[f.name] = col
        return pd.DataFrame(out)


def choose(rng, codes, probs, n):
    return np.array(codes, dtype=object)[rng.choice(len(codes), size=n, p=np.asarray(probs) / np.sum(probs))]


def _by_structure(rng, structure: np.ndarray, table: dict) -> np.ndarray:
    out = np.full(len(structure), None, dtype=object)
    for code, (values, probs) in table.items():
        m = structure == code
        if m.any():
            out[m] = choose(rng, values, probs, int(m.sum()))
    return out


def _years(rng, structure: np.ndarray) -> np.ndarray:
    lo = np.array([YEARS.get(s, (1980, 2020))[0] for s in structure])
    hi = np.array([YEARS.get(s, (1980, 2020))[1] for s in structure])
    return (lo + np.floor(rng.random(len(structure)) * (hi - lo))).astype(np.int64)


def building_attributes(rng, b: dict) -> Table:
    """Fill the building table from the layout arrays ``b`` (template, role, storeys hint, sizes)."""
    n = len(b["template"])
    t = Table("buildings", n)
    tmpl = b["template"]
    hint = b["storeys_hint"]
    structure = np.full(n, None, dtype=object)
    storeys = np.zeros(n, dtype=np.int64)
    use = np.full(n, None, dtype=object)
    households = np.zeros(n, dtype=np.int64)
    occupants = np.zeros(n, dtype=np.int64)
    per_storey = np.full(n, 3.0)
    roof = np.zeros(n)
    u = lambda: rng.random(n)  # noqa: E731 - one fresh draw per building

    # -- villages: timber and brick-timber houses, a few newer brick-concrete ones
    vil = np.isin(tmpl, VILLAGE_T)
    road = tmpl == "roadside_house"
    structure[vil & road] = choose(rng, ("timber", "brick_timber", "brick_concrete"), (0.2, 0.3, 0.5),
                                   int((vil & road).sum()))
    structure[vil & ~road] = choose(rng, ("timber", "brick_timber", "brick_concrete"), (0.56, 0.27, 0.17),
                                    int((vil & ~road).sum()))
    for code, values, probs in (("timber", (1, 2, 3), (0.15, 0.6, 0.25)),
                                ("brick_timber", (1, 2, 3), (0.2, 0.55, 0.25)),
                                ("brick_concrete", (2, 3, 4), (0.35, 0.45, 0.2))):
        m = vil & (structure == code)
        storeys[m] = rng.choice(values, size=int(m.sum()), p=probs)
    per_storey[vil] = 2.8 + 0.4 * rng.random(int(vil.sum()))
    roof[vil] = np.where(structure[vil] == "brick_concrete", 0.6, 2.2)
    use[vil] = choose(rng, ("residential", "shop_residential", "rental", "other"), (0.95, 0.03, 0.01, 0.01),
                      int(vil.sum()))
    use[road] = choose(rng, ("residential", "shop_residential"), (0.65, 0.35), int(road.sum()))
    households[vil] = rng.choice([1, 2, 3], size=int(vil.sum()), p=[0.8, 0.16, 0.04])
    # -- out-buildings: barns, woodsheds, granaries
    ob = tmpl == "village_outbuilding"
    structure[ob] = choose(rng, ("timber", "other", "brick_timber"), (0.7, 0.2, 0.1), int(ob.sum()))
    storeys[ob] = rng.choice([1, 2], size=int(ob.sum()), p=[0.85, 0.15])
    per_storey[ob] = 2.6
    roof[ob] = 1.2
    use[ob] = "agricultural"

    # -- town self-built houses and shop-houses (下店上宅)
    specs = {
        "shophouse_old": (("brick_timber", "brick_concrete", "timber"), (0.33, 0.6, 0.07),
                          ("shop_residential", "commercial", "rental"), (0.78, 0.1, 0.12)),
        "shophouse_new": (("brick_concrete", "reinforced_concrete"), (0.75, 0.25),
                          ("shop_residential", "commercial", "rental"), (0.8, 0.1, 0.1)),
        "town_old_selfbuilt": (("brick_concrete", "brick_timber", "timber"), (0.62, 0.3, 0.08),
                               ("residential", "rental", "shop_residential"), (0.72, 0.18, 0.1)),
        "town_selfbuilt": (("brick_concrete", "reinforced_concrete", "brick_timber"), (0.85, 0.1, 0.05),
                           ("residential", "rental", "shop_residential"), (0.66, 0.24, 0.1)),
    }
    for code, (structs, sp, uses, up) in specs.items():
        m = tmpl == code
        k = int(m.sum())
        if not k:
            continue
        structure[m] = choose(rng, structs, sp, k)
        use[m] = choose(rng, uses, up, k)
    town = np.isin(tmpl, TOWN_T)
    for code, values, probs in (("timber", (2, 3), (0.6, 0.4)), ("brick_timber", (2, 3, 4), (0.4, 0.45, 0.15)),
                                ("brick_concrete", (2, 3, 4, 5, 6), (0.12, 0.3, 0.3, 0.18, 0.1)),
                                ("reinforced_concrete", (4, 5, 6, 7), (0.3, 0.3, 0.25, 0.15))):
        m = town & (structure == code)
        storeys[m] = rng.choice(values, size=int(m.sum()), p=probs)
    per_storey[town] = 3.0 + 0.3 * rng.random(int(town.sum()))
    roof[town] = np.where(np.isin(tmpl[town], ("shophouse_old", "shophouse_new")), 1.8, 0.9)
    shop = town & (use == "shop_residential")
    households[shop] = rng.choice([1, 2], size=int(shop.sum()), p=[0.8, 0.2])
    rent = (town | vil) & (use == "rental")
    households[rent] = rng.integers(2, 7, size=int(rent.sum()))
    res = town & (use == "residential")
    households[res] = rng.choice([1, 2, 3], size=int(res.sum()), p=[0.72, 0.23, 0.05])

    # -- towers, hotel, public buildings, the park
    tower = tmpl == "highrise"
    structure[tower] = "reinforced_concrete"
    storeys[tower] = hint[tower]
    use[tower] = "residential"
    households[tower] = hint[tower] * rng.integers(2, 5, size=int(tower.sum()))
    per_storey[tower] = 3.0
    roof[tower] = 1.2 + 1.8 * rng.random(int(tower.sum()))
    single = {
        # template: (structure, use, per-storey height)
        "hotel": ("reinforced_concrete", "commercial", 3.3),
        "office": ("reinforced_concrete", "office", 3.4),
        "fire_station": ("reinforced_concrete", "public", 4.0),
        "school": ("reinforced_concrete", "public", 3.6),
        "dormitory": ("brick_concrete", "dormitory", 3.0),
        "canteen": ("brick_concrete", "public", 4.5),
        "hospital": ("reinforced_concrete", "public", 3.6),
        "kindergarten": ("reinforced_concrete", "public", 3.6),
        "nursing_home": ("brick_concrete", "public", 3.2),
        "market_hall": ("steel", "commercial", 8.0),
        "temple": ("timber", "public", 5.5),
        "gas_canopy": ("steel", "commercial", 6.0),
        "gas_shop": ("brick_concrete", "commercial", 3.5),
        "lpg_store": ("brick_concrete", "warehouse", 5.0),
        "park_office": ("brick_concrete", "office", 3.4),
        "park_dorm": ("brick_concrete", "dormitory", 3.0),
    }
    for code, (st, us, ps) in single.items():
        m = tmpl == code
        if not m.any():
            continue
        structure[m] = st
        use[m] = us
        per_storey[m] = ps
        roof[m] = 0.9
        storeys[m] = np.where(hint[m] > 0, hint[m], 1)
    pk = np.isin(tmpl, ("park_office", "park_dorm"))
    storeys[pk] = rng.integers(3, 6, size=int(pk.sum()))
    shed = np.isin(tmpl, ("warehouse", "factory"))
    structure[shed] = choose(rng, ("steel", "brick_concrete", "reinforced_concrete"), (0.8, 0.15, 0.05),
                             int(shed.sum()))
    use[shed] = tmpl[shed]
    storeys[shed] = rng.choice([1, 2], size=int(shed.sum()), p=[0.8, 0.2])
    per_storey[shed] = 6.5 + 3.0 * rng.random(int(shed.sum()))
    roof[shed] = 1.0

    # -- occupants (winter nights)
    residential = np.isin(use, ("residential", "shop_residential", "rental"))
    occupants[residential] = households[residential] * rng.integers(1, 5, size=int(residential.sum()))
    occupants[tower] = np.round(households[tower] * (2.2 + rng.random(int(tower.sum())))).astype(np.int64)
    role = b["role"]
    role_people = {"school_primary_dorm": 260, "school_primary_dorm2": 40, "school_middle_dorm": 320,
                   "school_middle_dorm2": 300, "hospital_ward": 35, "nursing_home": 42, "nursing_home_b": 6,
                   "fire_station": 15, "hotel": 80, "gas_shop": 2, "market": 3, "temple": 1}
    for r, p in role_people.items():
        occupants[role == r] = p
    dorm = tmpl == "park_dorm"
    occupants[dorm] = rng.integers(40, 160, size=int(dorm.sum()))

    # -- fire-relevant flags
    stair1 = np.ones(n, dtype=np.int64)
    self_built = vil | ob | town
    open_stair = np.zeros(n, dtype=bool)
    open_stair[vil] = (storeys[vil] >= 2) & (u()[vil] < np.where(structure[vil] == "brick_concrete", 0.55, 0.9))
    open_stair[town] = u()[town] < np.where(np.isin(tmpl[town], ("shophouse_old", "shophouse_new")), 0.55, 0.3)
    stair_count = np.where(u() < 0.95, stair1, 2)
    stair_count[ob] = np.where(storeys[ob] > 1, 1, 0)
    big = ~(vil | ob | town)
    stair_count[big] = np.where(storeys[big] > 1, np.where(storeys[big] > 18, 2, 1 + (u()[big] < 0.7)), 0)
    stair_count[tower] = np.where(storeys[tower] > 18, 2, 1)
    ground = np.zeros(n, dtype=bool)
    ground[np.isin(use, ("shop_residential", "commercial"))] = True
    ground[tower] = u()[tower] < 0.4
    ground[rent & town] = u()[rent & town] < 0.3
    bars_p = np.where(town, np.where(np.isin(tmpl, ("shophouse_old", "shophouse_new")), 0.55, 0.45),
                      np.where(vil, np.where(structure == "brick_concrete", 0.3, 0.05), 0.1))
    bars_p[tower] = 0.35
    bars_p[np.isin(tmpl, ("kindergarten", "nursing_home"))] = 0.5
    bars = u() < bars_p
    ebike_p = np.where(town, np.where(np.isin(tmpl, ("shophouse_old", "shophouse_new")), 0.35, 0.25),
                       np.where(vil, 0.15, 0.03))
    ebike_p[tower] = 0.12
    ebike_p[np.isin(tmpl, ("park_dorm",))] = 0.4
    ebike = u() < ebike_p
    sandwich_p = np.where(shed, np.where(structure == "steel", 0.55, 0.05), np.where(vil | ob, 0.03, 0.02))
    sandwich_p[tmpl == "market_hall"] = 1.0
    sandwich_p[tower] = 0.0
    sandwich = u() < sandwich_p
    sleep = residential | np.isin(use, ("dormitory",)) | (occupants > 0)
    sleep_shed = shed & (u() < 0.12)
    sleep |= sleep_shed
    occupants[sleep_shed] = rng.integers(2, 16, size=int(sleep_shed.sum()))
    heating_p = np.where(vil | ob, np.where(ob, 0.0, 0.55), np.where(town, 0.45, 0.3))
    heating = u() < heating_p

    # -- rating, year, height
    rating = _by_structure(rng, structure, RATING)
    rating[tower | np.isin(tmpl, ("school", "hospital", "kindergarten", "office", "hotel"))] = \
        choose(rng, ("1", "2"), (0.7, 0.3), int((tower | np.isin(tmpl, ("school", "hospital", "kindergarten",
                                                                        "office", "hotel"))).sum()))
    years = _years(rng, structure)
    height = np.round(storeys * per_storey + roof, 1)

    t.set("structure", np.ones(n, bool), structure)
    t.set("fire_rating", np.ones(n, bool), rating)
    t.set("use", np.ones(n, bool), use)
    t.set("storeys", np.ones(n, bool), storeys)
    t.set("height", np.ones(n, bool), height)
    t.set("households", np.ones(n, bool), households)
    t.set("occupants", np.ones(n, bool), occupants)
    t.set("open_stair", np.ones(n, bool), open_stair)
    t.set("stair_count", np.ones(n, bool), stair_count)
    t.set("ground_commercial", np.ones(n, bool), ground)
    t.set("anti_theft_bars", np.ones(n, bool), bars)
    t.set("ebike_indoor", np.ones(n, bool), ebike)
    t.set("sandwich_panel", np.ones(n, bool), sandwich)
    t.set("self_built", np.ones(n, bool), self_built)
    t.set("people_sleep_inside", np.ones(n, bool), sleep)
    t.set("heating_electric", np.ones(n, bool), heating)
    t.set("year_built", np.ones(n, bool), years)
    t.set("footprint_area", np.ones(n, bool), np.round(b["area"], 1))
    # under construction: no year yet
    t.blank("year_built", role == "construction")

    # -- unknowns, the way survey data has them
    rural = vil | ob
    p = lambda rural_p, town_p, other_p: np.where(rural, rural_p, np.where(town, town_p, other_p))  # noqa: E731
    for field, probs in (
        ("fire_rating", p(0.18, 0.14, 0.04)), ("storeys", p(0.12, 0.08, 0.0)), ("height", p(0.5, 0.3, 0.08)),
        ("year_built", p(0.25, 0.18, 0.05)), ("occupants", p(0.15, 0.12, 0.05)), ("households", p(0.03, 0.03, 0.0)),
        ("open_stair", p(0.35, 0.1, 0.05)), ("stair_count", p(0.3, 0.06, 0.02)),
        ("anti_theft_bars", p(0.2, 0.08, 0.05)), ("ebike_indoor", p(0.2, 0.08, 0.05)),
        ("heating_electric", p(0.25, 0.15, 0.1)), ("sandwich_panel", p(0.1, 0.05, 0.03)),
        ("self_built", p(0.02, 0.02, 0.0)), ("people_sleep_inside", p(0.02, 0.02, 0.02)),
        ("ground_commercial", p(0.05, 0.03, 0.02)), ("structure", p(0.05, 0.03, 0.0)), ("use", p(0.01, 0.01, 0.0)),
    ):
        t.blank(field, u() < probs)
    t.missing["height"][tower] = u()[tower] < 0.05
    t.missing["storeys"][tower] = False
    return t
