"""Guessing the target layer kind of a file, and the offset system of its coordinates.

The kind comes, in order, from the file/layer name (``消火栓.xlsx`` → hydrants), then from the
columns that match each spec's fields (``发现日期``, ``隐患类型`` → hazards), restricted to
kinds whose geometry fits the data (points, lines, polygons). Polygons with no telling columns
are buildings when small and villages when large (median area).
"""

from __future__ import annotations

import numpy as np
import geopandas as gpd
import shapely

from fireriskmap.core.spec import catalogue, input_kinds, normalise_name

__all__ = ["kind_from_name", "geometry_family", "guess_kind", "coords_hint", "KIND_KEYWORDS"]

# Words in a file or layer name that name a kind (normalised; longer matches win).
KIND_KEYWORDS: dict[str, tuple[str, ...]] = {
    "buildings": ("建筑", "建筑物", "房屋", "楼栋", "房屋普查", "民房", "自建房", "building", "buildings",
                  "house", "houses", "bldg", "jzw", "fw", "footprint", "footprints"),
    "hydrants": ("消火栓", "消防栓", "市政消火栓", "hydrant", "hydrants", "firehydrant", "xhs"),
    "roads": ("道路", "路网", "街道中心线", "道路中心线", "road", "roads", "street", "streets", "highway", "dl"),
    "villages": ("村界", "村庄", "行政村", "自然村", "社区", "村域", "村", "village", "villages",
                 "community", "boundary"),
    "fire_stations": ("消防站", "消防队", "微型消防站", "消防救援站", "专职队", "志愿队", "消防力量",
                      "firestation", "firestations", "station", "stations"),
    "water_sources": ("消防水源", "水源", "水池", "消防水池", "取水点", "取水码头", "watersource",
                      "watersources", "water"),
    "key_places": ("重点场所", "重点单位", "场所", "九小场所", "人员密集场所", "keyplace", "keyplaces", "poi", "pois"),
    "hazards": ("火灾隐患", "隐患", "隐患台账", "hazard", "hazards"),
    "incidents": ("火灾事故", "火灾", "火情", "事故", "警情", "incident", "incidents", "fires"),
}

_FAMILY = {0: "point", 4: "point", 1: "line", 2: "line", 5: "line", 3: "polygon", 6: "polygon"}
_GENERIC_FIELDS = {"name", "village", "source_id", "address", "description"}


def kind_from_name(name: str, *, kinds: list[str] | None = None) -> str | None:
    """The kind a file or layer name points to, by kind names, labels and keywords; or None."""
    norm = normalise_name(name)
    if not norm:
        return None
    specs = catalogue()
    allowed = kinds or input_kinds()
    best: tuple[int, str] | None = None
    for kind in allowed:
        spec = specs[kind]
        words = {normalise_name(kind), *(normalise_name(v) for v in spec.labels.values())}
        words.update(normalise_name(w) for w in KIND_KEYWORDS.get(kind, ()))
        for word in words:
            if not word:
                continue
            # short latin words must match the whole name, others may be contained in it
            hit = norm == word if (word.isascii() and len(word) <= 3) else word in norm
            if hit and (best is None or len(word) > best[0]):
                best = (len(word), kind)
    return best[1] if best else None


def geometry_family(geoms: gpd.GeoSeries) -> str | None:
    """'point', 'line' or 'polygon': the family most non-empty geometries belong to; None if none."""
    values = np.asarray(geoms.values, dtype=object)
    ok = ~(shapely.is_missing(values) | shapely.is_empty(values))
    if not ok.any():
        return None
    type_ids = shapely.get_type_id(values[ok])
    # geometry collections: look at their parts
    if (type_ids == 7).any():
        parts = shapely.get_parts(values[ok][type_ids == 7])
        type_ids = np.concatenate([type_ids[type_ids != 7], shapely.get_type_id(parts)])
    families = [_FAMILY.get(int(t)) for t in type_ids]
    counts = {f: families.count(f) for f in ("point", "line", "polygon")}
    family = max(counts, key=counts.get)
    return family if counts[family] else None


def _column_score(kind: str, columns: list[str]) -> float:
    spec = catalogue()[kind]
    mapping = spec.auto_mapping(columns)
    score = 0.0
    for target in mapping.values():
        score += 0.25 if target in _GENERIC_FIELDS else 1.0
        if spec.field(target).required:
            score += 0.5
    return score


def guess_kind(*, name: str, columns: list[str], geoms: gpd.GeoSeries,
               file_name: str | None = None) -> str | None:
    """Guess the layer kind of one table of features.

    Parameters
    ----------
    name : str
        The layer/sheet name (often the file name).
    columns : list of str
        The file's column names (geometry excluded).
    geoms : geopandas.GeoSeries
        The geometries (their family restricts the candidates).
    file_name : str, optional
        The file's name, consulted after ``name``.

    Returns
    -------
    str or None
        The kind, or None when nothing points to one (the caller asks the user).
    """
    specs = catalogue()
    family = geometry_family(geoms)
    candidates = [k for k in input_kinds() if family is None or specs[k].geometry == family]
    if not candidates:
        return None
    for text in (name, file_name):
        if text:
            hit = kind_from_name(text, kinds=candidates)
            if hit:
                return hit
    scores = {k: _column_score(k, columns) for k in candidates}
    top = max(scores.values())
    leaders = [k for k, s in scores.items() if s == top]
    if top >= 1.0 and len(leaders) == 1:
        return leaders[0]
    if len(candidates) == 1:
        return candidates[0]
    if family == "polygon":
        pool = [k for k in leaders if k in ("buildings", "villages")] or ["buildings", "villages"]
        if len(pool) == 1:
            return pool[0]
        return "villages" if _median_area_m2(geoms) > 20000.0 else "buildings"
    return None


def _median_area_m2(geoms: gpd.GeoSeries) -> float:
    """Median polygon area in m² (projected on the fly when in degrees)."""
    g = geoms[~(geoms.is_empty | geoms.isna())]
    if g.empty:
        return 0.0
    if g.crs is not None and g.crs.is_geographic:
        try:
            g = g.to_crs(g.estimate_utm_crs())
        except Exception:
            return float(np.median(g.area)) * 1e10  # rough: 1 deg² ≈ 1e10 m²
    return float(np.median(g.area))


_GCJ_WORDS = ("gcj", "高德", "gaode", "amap", "火星", "腾讯", "tencent")
_BD_WORDS = ("bd09", "百度", "baidu", "bdmap")


def coords_hint(*texts: str) -> str | None:
    """'gcj02' or 'bd09' when a column or file name says so (高德经度, bd09_lng, ...), else None."""
    for text in texts:
        norm = normalise_name(text)
        if any(w in norm for w in _BD_WORDS) or norm.startswith(("bdlng", "bdlat", "bdlon", "bd经", "bd纬")):
            return "bd09"
        if any(w in norm for w in _GCJ_WORDS):
            return "gcj02"
    return None
