"""The project's metric CRS: CGCS2000 3-degree Gauss–Krüger zones in China, UTM elsewhere."""

from __future__ import annotations

import math

from pyproj import CRS

from fireriskmap.errors import CRSError
from fireriskmap.i18n import Msg

CGCS2000 = CRS.from_epsg(4490)
WGS84 = CRS.from_epsg(4326)

# CGCS2000 / 3-degree Gauss-Kruger CM 75E .. CM 135E (no zone prefix in the easting)
GK3_FIRST_EPSG = 4534
GK3_FIRST_CM = 75
GK3_LAST_CM = 135


def in_china(lon: float, lat: float) -> bool:
    """Rough bounding box of China (used only to pick a CRS family)."""
    return 73.0 <= lon <= 135.5 and 17.5 <= lat <= 54.0


def gk3_zone_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree GK zone (CM xxx°E) whose central meridian is nearest."""
    cm = 3 * round(lon / 3.0)
    cm = min(max(cm, GK3_FIRST_CM), GK3_LAST_CM)
    return GK3_FIRST_EPSG + (cm - GK3_FIRST_CM) // 3


def utm_epsg(lon: float, lat: float) -> int:
    zone = int(math.floor((lon + 180.0) / 6.0)) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def metric_crs_for(lon: float, lat: float) -> CRS:
    """The project CRS for data centred at (lon, lat) in degrees."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise CRSError(problem=Msg("crs.not_lonlat", lon=f"{lon:.4f}", lat=f"{lat:.4f}"))
    if in_china(lon, lat):
        return CRS.from_epsg(gk3_zone_epsg(lon))
    return CRS.from_epsg(utm_epsg(lon, lat))


def parse_crs(value) -> CRS:
    """A CRS from 'EPSG:4545', 4545, WKT, a pyproj CRS; CRSError when pyproj does not know it."""
    if isinstance(value, CRS):
        return value
    try:
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return CRS.from_epsg(int(value))
        return CRS.from_user_input(value)
    except Exception as exc:  # pyproj raises CRSError of its own
        raise CRSError(problem=Msg("crs.unknown", value=value)) from None


def require_metric(crs) -> CRS:
    """Refuse geographic or missing CRSs for analysis and as a project CRS."""
    if crs is None:
        raise CRSError(problem=Msg("crs.none"))
    crs = parse_crs(crs)
    if crs.is_geographic:
        raise CRSError(problem=Msg("crs.geographic", crs=crs.to_string()))
    unit = crs.axis_info[0].unit_name if crs.axis_info else "metre"
    if unit not in ("metre", "meter"):
        raise CRSError(problem=Msg("crs.not_metres", crs=crs.to_string(), unit=unit))
    return crs


def crs_code(crs) -> str:
    """'EPSG:4545' when the CRS has an EPSG code, else its WKT."""
    crs = parse_crs(crs)
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()
