"""OpenStreetMap extracts (``.osm``, ``.osm.gz``, ``.osm.bz2``, ``.pbf``) through pyosmium.

One pass with area assembly (closed ways and multipolygon relations become polygons) fills every
kind the file holds, with columns already named after the layer spec's fields:

=================  ==========================================================================
buildings          areas tagged ``building=*``: ``building:levels`` → storeys, ``height`` →
                   height (m; "12 m", "40 ft"), ``building:material`` → structure,
                   ``building`` value → use, ``name`` or house number → name.
roads              ways tagged ``highway=*`` (not ``area=yes``) as lines: ``highway`` → class,
                   ``width``, ``surface``, ``oneway``, ``maxheight``, ``name``/``ref``.
hydrants           nodes ``emergency=fire_hydrant``: ``fire_hydrant:type``, pressure (bar → MPa),
                   ``fire_hydrant:diameter``, ``ref``/``name``.
fire_stations      ``amenity=fire_station`` nodes and areas (areas → representative point).
water_sources      ``emergency=water_tank|suction_point|fire_water_pond`` (points and areas).
key_places         ``amenity=school|kindergarten|hospital|clinic|nursing_home|marketplace|fuel|
                   place_of_worship|townhall``, ``social_facility=nursing_home`` ...
=================  ==========================================================================

``source_id`` keeps the OSM id as ``n45`` / ``w123`` / ``r6`` and is the row label in reports.
Buildings mapped as a single node, or whose ring does not close, cannot become footprints: they
are rejected with a reason. Fire stations and key places without a name get one made from their
type and id (reported as a warning), since the layer requires a name.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from fireriskmap.core.spec import get_spec
from fireriskmap.errors import ImportFileError
from fireriskmap.i18n import tr
from fireriskmap.io.base import REJECT_COLUMNS, ReadPart

__all__ = ["read_osm", "parse_length", "OSM_KINDS"]

OSM_KINDS = ("buildings", "roads", "hydrants", "fire_stations", "water_sources", "key_places")

_FEET = 0.3048
_LENGTH_RE = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*(m|meter|meters|metre|metres|米|km|ft|feet|foot|'|)\s*$",
                        re.IGNORECASE)
_FEET_INCH_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:'|ft)\s*(\d+(?:\.\d+)?)\s*(?:\"|in)?\s*$")


def parse_length(value: str | None) -> float | None:
    """A length tag in metres: ``"12"``, ``"12 m"``, ``"12.5m"``, ``"3,5"``, ``"40 ft"``, ``"12'6\\""``.

    Returns ``None`` for empty values and the raw text's float-less failures (e.g. ``"default"``).
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    m = _FEET_INCH_RE.match(text)
    if m:
        return round((float(m.group(1)) + float(m.group(2)) / 12.0) * _FEET, 3)
    m = _LENGTH_RE.match(text)
    if not m:
        return None
    number = float(m.group(1).replace(",", "."))
    unit = m.group(2).lower()
    if unit in ("ft", "feet", "foot", "'"):
        return round(number * _FEET, 3)
    if unit == "km":
        return number * 1000.0
    return number


def _parse_pressure_mpa(value: str | None) -> Any:
    """OSM hydrant pressure is in bar ("4", "4 bar"); MPa when said ("0.4 MPa"); None for "suction"."""
    if value is None:
        return None
    text = str(value).strip().lower().replace(",", ".")
    m = re.match(r"^(\d+(?:\.\d+)?)\s*(bar|mpa|kpa|psi)?$", text)
    if not m:
        return value if text not in ("suction", "yes", "no", "unknown") else None
    number = float(m.group(1))
    unit = m.group(2) or "bar"
    return round({"bar": number / 10.0, "mpa": number, "kpa": number / 1000.0,
                  "psi": number * 0.00689476}[unit], 4)


def _parse_levels(value: str | None) -> Any:
    """``building:levels``: '3' → 3, '2.5' → 3 (a half storey counts), other text kept as is."""
    if value is None:
        return None
    text = str(value).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return text
    return int(math.ceil(number)) if number >= 0 else text


_MATERIAL = {
    "wood": "timber", "timber": "timber", "timber_framing": "brick_timber", "half-timbered": "brick_timber",
    "brick": "brick_concrete", "stone": "brick_concrete", "masonry": "brick_concrete",
    "sandstone": "brick_concrete", "limestone": "brick_concrete", "adobe": "other", "mud": "other",
    "concrete": "reinforced_concrete", "reinforced_concrete": "reinforced_concrete",
    "steel": "steel", "metal": "steel", "metal_plates": "steel", "glass": "other", "plaster": "other",
    "plastic": "other", "cement_block": "brick_concrete", "bamboo": "timber",
}
_BUILDING_USE = {
    "yes": "residential", "house": "residential", "residential": "residential", "apartments": "residential",
    "detached": "residential", "semidetached_house": "residential", "terrace": "residential",
    "bungalow": "residential", "farm": "residential", "cabin": "residential", "static_caravan": "residential",
    "houseboat": "residential", "dormitory": "dormitory",
    "retail": "commercial", "commercial": "commercial", "shop": "commercial", "supermarket": "commercial",
    "kiosk": "commercial", "hotel": "commercial", "office": "office",
    "warehouse": "warehouse", "storage_tank": "warehouse", "hangar": "warehouse", "industrial": "factory",
    "factory": "factory", "manufacture": "factory", "barn": "agricultural", "farm_auxiliary": "agricultural",
    "shed": "agricultural", "stable": "agricultural", "cowshed": "agricultural", "sty": "agricultural",
    "greenhouse": "agricultural", "silo": "agricultural", "glasshouse": "agricultural",
    "public": "public", "civic": "public", "government": "public", "school": "public", "hospital": "public",
    "church": "public", "chapel": "public", "cathedral": "public", "mosque": "public", "temple": "public",
    "shrine": "public", "kindergarten": "public", "university": "public", "college": "public",
    "train_station": "public", "transportation": "public", "fire_station": "public", "sports_hall": "public",
    "townhall": "public", "museum": "public",
    "garage": "other", "garages": "other", "carport": "other", "roof": "other", "hut": "other",
    "service": "other", "transformer_tower": "other", "construction": "other", "ruins": "other",
    "bunker": "other", "toilets": "other", "parking": "other", "container": "other", "tower": "other",
    "water_tower": "other", "bridge": "other", "collapsed": "other", "damaged": "other",
}
_SURFACE = {
    "asphalt": "paved", "concrete": "paved", "paved": "paved", "paving_stones": "paved", "sett": "paved",
    "cobblestone": "paved", "unhewn_cobblestone": "paved", "bricks": "paved", "metal": "paved",
    "wood": "paved", "chipseal": "paved", "grass_paver": "unpaved",
    "gravel": "gravel", "fine_gravel": "gravel", "compacted": "gravel", "pebblestone": "gravel", "rock": "gravel",
    "unpaved": "unpaved", "dirt": "unpaved", "ground": "unpaved", "grass": "unpaved", "earth": "unpaved",
    "mud": "unpaved", "sand": "unpaved", "woodchips": "unpaved", "soil": "unpaved",
}
_KEY_AMENITY = {
    "school": "school", "kindergarten": "kindergarten", "childcare": "kindergarten",
    "hospital": "hospital", "clinic": "hospital", "doctors": "hospital",
    "nursing_home": "nursing_home", "marketplace": "market", "fuel": "hazardous_goods",
    "place_of_worship": "religious", "townhall": "government",
}
_SOCIAL_FACILITY = {"nursing_home": "nursing_home", "assisted_living": "nursing_home",
                    "group_home": "nursing_home"}
_WATER = {"water_tank": "fire_pool", "fire_water_pond": "fire_pool", "suction_point": "natural_intake"}
_HYDRANT_TYPES = {"pillar": "pillar", "underground": "underground", "wall": "wall", "pipe": "pipe",
                  "pond": "pipe"}


def _truthy(value: str | None) -> Any:
    if value is None:
        return None
    v = value.strip().lower()
    if v in ("yes", "true", "1", "-1", "reversible", "alternating"):
        return True
    if v in ("no", "false", "0"):
        return False
    return None


def _surface(value: str | None) -> Any:
    if value is None:
        return None
    v = value.strip().lower()
    if v in _SURFACE:
        return _SURFACE[v]
    if v.startswith("concrete") or v.startswith("paving"):
        return "paved"
    return value


@dataclass
class _Collector:
    """Rows of one kind: tag-derived values, geometry as WKB, OSM id labels."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    wkb: list[bytes | str | None] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    as_point: list[bool] = field(default_factory=list)
    rejected: list[tuple] = field(default_factory=list)
    warnings: list[tuple] = field(default_factory=list)

    def add(self, osm_id: str, values: dict[str, Any], wkb: bytes | str | None, *, as_point: bool = False) -> None:
        values["source_id"] = osm_id
        self.rows.append(values)
        self.wkb.append(wkb)
        self.ids.append(osm_id)
        self.as_point.append(as_point)


def _building_values(tags) -> dict[str, Any]:
    use = tags.get("building")
    material = tags.get("building:material") or tags.get("building:structure")
    name = tags.get("name") or tags.get("addr:housename")
    if not name and tags.get("addr:housenumber"):
        name = " ".join(t for t in (tags.get("addr:street") or tags.get("addr:place"), tags.get("addr:housenumber")) if t)
    year = tags.get("start_date") or tags.get("building:start_date")
    if year:
        m = re.match(r"^\D*(\d{4})", year)
        year = int(m.group(1)) if m else year
    height = tags.get("height") or tags.get("building:height")
    return {
        "name": name,
        "storeys": _parse_levels(tags.get("building:levels")),
        "height": parse_length(height) if height is not None and parse_length(height) is not None else height,
        "structure": _MATERIAL.get(material.strip().lower(), material) if material else None,
        "use": _BUILDING_USE.get(use.strip().lower(), use) if use else None,
        "year_built": year,
    }


def _road_values(tags) -> dict[str, Any]:
    width = tags.get("width") or tags.get("est_width")
    maxheight = tags.get("maxheight")
    oneway = _truthy(tags.get("oneway"))
    if oneway is None and (tags.get("junction") in ("roundabout", "circular") or tags.get("highway") == "motorway"):
        oneway = True
    w = parse_length(width)
    mh = parse_length(maxheight)
    return {
        "name": tags.get("name") or tags.get("ref"),
        "road_class": tags.get("highway"),
        "width": w if w is not None else width,
        "surface": _surface(tags.get("surface")),
        "oneway": oneway,
        "max_height": mh if mh is not None else (None if maxheight in ("none", "default", None) else maxheight),
    }


def _hydrant_values(tags) -> dict[str, Any]:
    htype = tags.get("fire_hydrant:type")
    diameter = tags.get("fire_hydrant:diameter") or tags.get("diameter")
    if diameter is not None:
        d = parse_length(diameter.replace("mm", "").strip())
        diameter = int(round(d)) if d is not None else diameter
    working = None
    if tags.get("disused") == "yes" or tags.get("operational_status") in ("broken", "out_of_order", "closed"):
        working = False
    return {
        "name": tags.get("name") or tags.get("ref") or tags.get("fire_hydrant:ref"),
        "hydrant_type": _HYDRANT_TYPES.get(htype.strip().lower(), htype) if htype else None,
        "pressure": _parse_pressure_mpa(tags.get("fire_hydrant:pressure") or tags.get("pressure")),
        "diameter": diameter,
        "working": working,
    }


def _station_values(tags) -> dict[str, Any]:
    name = tags.get("name") or tags.get("official_name") or tags.get("operator")
    text = " ".join(filter(None, (tags.get("name"), tags.get("operator"), tags.get("fire_station:type"),
                                  tags.get("operator:type")))).lower()
    force = None
    if any(w in text for w in ("freiwillig", "volunteer", "志愿", "义务", "ff ")) or text.startswith("ff"):
        force = "volunteer"
    elif any(w in text for w in ("berufsfeuerwehr", "professional", "career", "消防救援站", "squad", "engine",
                                 "ladder", "fdny")):
        force = "professional"
    elif "微型" in text:
        force = "micro"
    elif "专职" in text:
        force = "government"
    return {"name": name, "force_type": force}


def _key_place_type(tags) -> str | None:
    amenity = tags.get("amenity")
    if amenity == "social_facility" or tags.get("social_facility"):
        sf = tags.get("social_facility")
        if sf in _SOCIAL_FACILITY:
            return _SOCIAL_FACILITY[sf]
    if amenity in _KEY_AMENITY:
        return _KEY_AMENITY[amenity]
    return None


def _key_place_values(tags, place_type: str) -> dict[str, Any]:
    address = " ".join(t for t in (tags.get("addr:street"), tags.get("addr:housenumber")) if t) or None
    return {"name": tags.get("name") or tags.get("official_name"), "place_type": place_type, "address": address}


def _water_values(tags, source_type: str) -> dict[str, Any]:
    volume = tags.get("water_tank:volume") or tags.get("volume") or tags.get("capacity")
    if volume is not None:
        m = re.match(r"^\s*(\d+(?:[.,]\d+)?)\s*(m3|m³|l|litres|liters)?\s*$", volume, re.IGNORECASE)
        if m:
            number = float(m.group(1).replace(",", "."))
            volume = number / 1000.0 if (m.group(2) or "").lower() in ("l", "litres", "liters") else number
    return {"name": tags.get("name") or tags.get("ref"), "source_type": source_type, "capacity": volume}


def _point_kinds(tags) -> list[tuple[str, dict[str, Any]]]:
    """Point-like kinds an object belongs to (hydrants, stations, water, key places)."""
    out: list[tuple[str, dict[str, Any]]] = []
    emergency = tags.get("emergency")
    if emergency == "fire_hydrant" or tags.get("amenity") == "fire_hydrant":
        out.append(("hydrants", _hydrant_values(tags)))
    if emergency in _WATER:
        out.append(("water_sources", _water_values(tags, _WATER[emergency])))
    if tags.get("amenity") == "fire_station":
        out.append(("fire_stations", _station_values(tags)))
    place_type = _key_place_type(tags)
    if place_type:
        out.append(("key_places", _key_place_values(tags, place_type)))
    return out


def read_osm(path: str | Path, *, kinds: tuple[str, ...] | None = None,
             progress: Callable[[float, str], None] | None = None) -> list[ReadPart]:
    """Read an OpenStreetMap file into one pre-mapped part per kind found.

    Parameters
    ----------
    path : str or Path
        ``.osm``, ``.osm.gz``, ``.osm.bz2``, ``.osm.pbf`` or ``.pbf``.
    kinds : tuple of str, optional
        Only these kinds (default: all of :data:`OSM_KINDS`).
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    list of ReadPart
        Frames in EPSG:4326 indexed by OSM id (``w123``), columns named after spec fields.
    """
    import osmium

    path = Path(path)
    wanted = set(kinds or OSM_KINDS)
    report = progress or (lambda f, m="": None)
    report(0.0, tr("io.progress.reading", file=path.name))
    collectors = {k: _Collector() for k in OSM_KINDS}
    building_ways: dict[int, bool] = {}  # way id → produced an area
    building_rels: dict[int, bool] = {}
    wkb = osmium.geom.WKBFactory()
    keys = ("building", "highway", "emergency", "amenity", "social_facility")
    processor = (osmium.FileProcessor(str(path))
                 .with_areas(osmium.filter.KeyFilter(*keys))
                 .with_filter(osmium.filter.KeyFilter(*keys)))
    count = 0
    for obj in processor:
        count += 1
        if count % 20000 == 0:
            report(min(0.9, 0.05 + count / 2e6), tr("io.progress.reading", file=path.name))
        tags = obj.tags
        if obj.is_area():
            osm_id = ("w" if obj.from_way() else "r") + str(obj.orig_id())
            geom = None
            try:
                geom = wkb.create_multipolygon(obj)
            except Exception:  # broken ring or missing nodes: handled below
                geom = None
            if "building" in tags and tags.get("building") != "no" and "buildings" in wanted:
                if obj.from_way():
                    building_ways[obj.orig_id()] = geom is not None
                else:
                    building_rels[obj.orig_id()] = geom is not None
                if geom is not None:
                    collectors["buildings"].add(osm_id, _building_values(tags), geom)
            if geom is not None:
                for kind, values in _point_kinds(tags):
                    if kind in wanted:
                        collectors[kind].add(osm_id, values, geom, as_point=True)
        elif obj.is_way():
            if "building" in tags and tags.get("building") != "no" and "buildings" in wanted:
                building_ways.setdefault(obj.id, False)
            if "highway" in tags and tags.get("area") != "yes" and "roads" in wanted:
                osm_id = f"w{obj.id}"
                try:
                    geom = wkb.create_linestring(obj)
                except Exception:
                    collectors["roads"].rejected.append((osm_id, "geometry", None, "osm_geometry_incomplete"))
                else:
                    collectors["roads"].add(osm_id, _road_values(tags), geom)
        elif obj.is_node():
            osm_id = f"n{obj.id}"
            if "building" in tags and tags.get("building") != "no" and "buildings" in wanted:
                collectors["buildings"].rejected.append((osm_id, "geometry", "point", "osm_building_node"))
            kinds_here = [(k, v) for k, v in _point_kinds(tags) if k in wanted]
            if kinds_here:
                try:
                    geom = wkb.create_point(obj)
                except Exception:
                    geom = None
                for kind, values in kinds_here:
                    if geom is None:
                        collectors[kind].rejected.append((osm_id, "geometry", None, "osm_geometry_incomplete"))
                    else:
                        collectors[kind].add(osm_id, values, geom)
        elif obj.is_relation():
            if "building" in tags and tags.get("type") == "multipolygon" and "buildings" in wanted:
                building_rels.setdefault(obj.id, False)
    for way_id, ok in building_ways.items():
        if not ok:
            collectors["buildings"].rejected.append((f"w{way_id}", "geometry", None, "osm_area_not_assembled"))
    for rel_id, ok in building_rels.items():
        if not ok:
            collectors["buildings"].rejected.append((f"r{rel_id}", "geometry", None, "osm_area_not_assembled"))
    report(0.9, tr("io.progress.building_frames"))
    parts = []
    for kind in OSM_KINDS:
        col = collectors[kind]
        if kind not in wanted or (not col.rows and not col.rejected):
            continue
        parts.append(_to_part(kind, col))
    if not parts:
        raise ImportFileError("io.error.osm_nothing", file=path.name)
    report(1.0, "")
    return parts


def _to_part(kind: str, col: _Collector) -> ReadPart:
    spec = get_spec(kind)
    columns = [f for f in spec.field_names if any(f in r for r in col.rows)] or ["source_id"]
    frame = pd.DataFrame.from_records(col.rows, columns=columns) if col.rows else pd.DataFrame(columns=columns)
    geoms = shapely.from_wkb(np.array(col.wkb, dtype=object)) if col.wkb else np.array([], dtype=object)
    as_point = np.array(col.as_point, dtype=bool)
    if as_point.any():
        geoms = geoms.copy()
        geoms[as_point] = shapely.point_on_surface(geoms[as_point])
    frame.index = pd.Index(col.ids, name="osm_id")
    warnings = []
    if kind in ("fire_stations", "key_places") and len(frame):
        unnamed = frame["name"].isna()
        if unnamed.any():
            what = spec.label()
            frame = frame.copy()
            frame.loc[unnamed, "name"] = [tr("io.osm.unnamed", what=what, id=i) for i in frame.index[unnamed]]
            warnings = [(i, "name", None, "name_filled") for i in frame.index[unnamed]]
    # an object tagged twice (node and area) stays twice: they are different OSM objects
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index, crs=4326), crs=4326)
    return ReadPart(name=kind, frame=gdf, kind=kind, pre_mapped=True,
                    rejected=pd.DataFrame(col.rejected, columns=REJECT_COLUMNS),
                    warnings=pd.DataFrame(warnings, columns=REJECT_COLUMNS))
