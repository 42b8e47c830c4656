"""Chinese web-map coordinate offsets: GCJ-02 (AMap/Gaode, Tencent) and BD-09 (Baidu).

Phone apps and web maps in China give coordinates shifted from WGS84 by a few hundred metres
(DOMAIN.md §6). This module converts them, vectorised over numpy arrays of longitudes and
latitudes in degrees.

- WGS84 → GCJ-02 is the standard public formula (Krasovsky ellipsoid ``a = 6378245.0``,
  ``ee = 0.00669342162296594323``), applied only inside China's bounding box
  (:func:`out_of_china`); points outside are returned unchanged, as the official offset does.
- GCJ-02 → WGS84 has no closed form. The usual "one-step" inverse (subtract the offset computed
  at the GCJ point) is off by up to a couple of metres; here the forward formula is inverted by
  fixed-point iteration ``w ← w − (f(w) − g)`` until the change is below 1e-10° (≈ 0.01 mm),
  which converges in 3–5 steps because the offset varies slowly. Accuracy is limited only by
  float precision.
- BD-09 is GCJ-02 with a further rotation/offset (``x_pi = π·3000/180``); BD-09 → GCJ-02 is
  inverted the same way.

CGCS2000 (EPSG:4490), the official Chinese datum, differs from WGS84 by a few centimetres, far
below the accuracy of any phone or web-map coordinate: for these conversions CGCS2000 lon/lat is
treated as WGS84 lon/lat (the result is labelled EPSG:4326).
"""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike
from pyproj import CRS

from fireriskmap.errors import CRSError

__all__ = [
    "COORD_SYSTEMS", "A", "EE", "X_PI", "out_of_china",
    "wgs84_to_gcj02", "gcj02_to_wgs84", "gcj02_to_bd09", "bd09_to_gcj02",
    "wgs84_to_bd09", "bd09_to_wgs84", "to_wgs84", "from_wgs84", "frame_to_wgs84",
]

CoordSystem = Literal["wgs84", "gcj02", "bd09"]
COORD_SYSTEMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09")

A = 6378245.0  #: semi-major axis of the Krasovsky 1940 ellipsoid used by GCJ-02, metres
EE = 0.00669342162296594323  #: first eccentricity squared of that ellipsoid
X_PI = np.pi * 3000.0 / 180.0  #: BD-09 rotation constant

# China's bounding box as used by the public GCJ-02 implementations (degrees).
_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271

_TOLERANCE_DEG = 1e-10
_MAX_ITERATIONS = 30


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(lon, dtype="float64")
    y = np.asarray(lat, dtype="float64")
    x, y = np.broadcast_arrays(x, y)
    return x, y


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """True where the point lies outside China's box (no GCJ-02 offset there).

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude in degrees.

    Returns
    -------
    numpy.ndarray of bool
    """
    x, y = _arrays(lon, lat)
    return ~((x >= _LON_MIN) & (x <= _LON_MAX) & (y >= _LAT_MIN) & (y <= _LAT_MAX))


def _transform_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 offset (dlon, dlat) in degrees at WGS84 point (x, y) — zero outside China."""
    dlat = _transform_lat(x - 105.0, y - 35.0)
    dlon = _transform_lon(x - 105.0, y - 35.0)
    radlat = y / 180.0 * np.pi
    magic = np.sin(radlat)
    magic = 1.0 - EE * magic * magic
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = out_of_china(x, y)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → GCJ-02 (the public formula; unchanged outside China).

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude, degrees.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray
        GCJ-02 longitude and latitude, degrees (float64, broadcast shape of the inputs).
    """
    x, y = _arrays(lon, lat)
    dlon, dlat = _gcj_offset(x, y)
    return x + dlon, y + dlat


def _invert(forward, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``forward(w) = (x, y)`` for w by fixed-point iteration (forward ≈ identity + offset)."""
    wx, wy = x.copy(), y.copy()
    finite = np.isfinite(x) & np.isfinite(y)
    for _ in range(_MAX_ITERATIONS):
        fx, fy = forward(wx, wy)
        ex, ey = fx - x, fy - y
        wx = wx - ex
        wy = wy - ey
        err = np.maximum(np.abs(ex), np.abs(ey))
        if not np.any(err[finite] > _TOLERANCE_DEG):
            break
    return wx, wy


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS84 by iterating the forward formula (error < 1 mm; unchanged outside China).

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude, degrees.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray
        WGS84 longitude and latitude, degrees.
    """
    x, y = _arrays(lon, lat)
    wx, wy = _invert(wgs84_to_gcj02, x, y)
    outside = out_of_china(x, y)
    return np.where(outside, x, wx), np.where(outside, y, wy)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09 (Baidu), degrees in and out."""
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02, degrees; the public one-step inverse refined by iteration."""
    x, y = _arrays(lon, lat)
    bx, by = x - 0.0065, y - 0.006
    z = np.sqrt(bx * bx + by * by) - 0.00002 * np.sin(by * X_PI)
    theta = np.arctan2(by, bx) - 0.000003 * np.cos(bx * X_PI)
    gx, gy = z * np.cos(theta), z * np.sin(theta)
    # refine: the one-step inverse leaves errors of a few centimetres
    for _ in range(_MAX_ITERATIONS):
        fx, fy = gcj02_to_bd09(gx, gy)
        ex, ey = fx - x, fy - y
        gx, gy = gx - ex, gy - ey
        err = np.maximum(np.abs(ex), np.abs(ey))
        finite = np.isfinite(err)
        if not np.any(err[finite] > _TOLERANCE_DEG):
            break
    return gx, gy


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → BD-09 (via GCJ-02), degrees."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → WGS84 (via GCJ-02), degrees."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _check_system(source: str) -> str:
    key = str(source).strip().lower().replace("-", "").replace("_", "")
    aliases = {"wgs84": "wgs84", "wgs": "wgs84", "gps": "wgs84", "cgcs2000": "wgs84", "4326": "wgs84",
               "4490": "wgs84", "gcj02": "gcj02", "gcj": "gcj02", "amap": "gcj02", "gaode": "gcj02",
               "tencent": "gcj02", "高德": "gcj02", "腾讯": "gcj02", "火星": "gcj02",
               "bd09": "bd09", "bd": "bd09", "baidu": "bd09", "百度": "bd09", "bd09ll": "bd09"}
    if key not in aliases:
        raise CRSError("io.error.coord_system", value=source, known=", ".join(COORD_SYSTEMS))
    return aliases[key]


def to_wgs84(lon: ArrayLike, lat: ArrayLike, *, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert lon/lat from ``source`` ('wgs84', 'gcj02' or 'bd09') to WGS84, degrees."""
    system = _check_system(source)
    if system == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if system == "bd09":
        return bd09_to_wgs84(lon, lat)
    x, y = _arrays(lon, lat)
    return x.copy(), y.copy()


def from_wgs84(lon: ArrayLike, lat: ArrayLike, *, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS84 lon/lat to ``target`` ('wgs84', 'gcj02' or 'bd09'), degrees."""
    system = _check_system(target)
    if system == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if system == "bd09":
        return wgs84_to_bd09(lon, lat)
    x, y = _arrays(lon, lat)
    return x.copy(), y.copy()


def _xy_function(func):
    """Adapt ``func(lon, lat) -> (lon, lat)`` to shapely.transform's (N, 2) array interface."""

    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = func(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return apply


def frame_to_wgs84(gdf: gpd.GeoDataFrame, *, source: str) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` with its lon/lat geometries converted from ``source`` to WGS84.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Geometries in geographic coordinates (degrees). A missing CRS is taken as lon/lat;
        a geographic CRS (WGS84, CGCS2000, ...) is first brought to EPSG:4326.
    source : {'wgs84', 'gcj02', 'bd09'}
        The coordinate system the values are really in.

    Returns
    -------
    geopandas.GeoDataFrame
        New frame in EPSG:4326 (Z values, if any, are dropped). The input is not mutated.

    Raises
    ------
    CRSError
        When the frame is in a projected CRS (GCJ-02/BD-09 are only defined on lon/lat).
    """
    system = _check_system(source)
    out = gdf.copy()
    if out.crs is not None:
        crs = CRS(out.crs)
        if not crs.is_geographic:
            raise CRSError("io.error.offset_needs_lonlat", crs=crs.to_string())
        if crs != CRS.from_epsg(4326):
            out = out.to_crs(4326)
    else:
        out = out.set_crs(4326)
    if system == "wgs84":
        return out
    func = gcj02_to_wgs84 if system == "gcj02" else bd09_to_wgs84
    geoms = shapely.force_2d(np.asarray(out.geometry.values, dtype=object))
    converted = shapely.transform(geoms, _xy_function(func))
    out[out.geometry.name] = gpd.GeoSeries(converted, index=out.index, crs=4326)
    return out
