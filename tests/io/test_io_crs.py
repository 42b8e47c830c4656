"""GCJ-02 / BD-09 conversions against the public formula, and their inverses to < 0.5 m."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

from fireriskmap.errors import CRSError
from fireriskmap.io import crs as gc

# -- the public formula, scalar, as published (e.g. wandergis/coordTransform_py) ---------------
_A = 6378245.0
_EE = 0.00669342162296594323
_XPI = math.pi * 3000.0 / 180.0


def _ref_lat(lng: float, lat: float) -> float:
    ret = -100.0 + 2.0 * lng + 3.0 * lat + 0.2 * lat * lat + 0.1 * lng * lat + 0.2 * math.sqrt(math.fabs(lng))
    ret += (20.0 * math.sin(6.0 * lng * math.pi) + 20.0 * math.sin(2.0 * lng * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(lat * math.pi) + 40.0 * math.sin(lat / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(lat / 12.0 * math.pi) + 320 * math.sin(lat * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _ref_lng(lng: float, lat: float) -> float:
    ret = 300.0 + lng + 2.0 * lat + 0.1 * lng * lng + 0.1 * lng * lat + 0.1 * math.sqrt(math.fabs(lng))
    ret += (20.0 * math.sin(6.0 * lng * math.pi) + 20.0 * math.sin(2.0 * lng * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(lng * math.pi) + 40.0 * math.sin(lng / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(lng / 12.0 * math.pi) + 300.0 * math.sin(lng / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def ref_wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    dlat = _ref_lat(lng - 105.0, lat - 35.0)
    dlng = _ref_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = math.sin(radlat)
    magic = 1 - _EE * magic * magic
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lng + dlng, lat + dlat


def ref_gcj02_to_bd09(lng: float, lat: float) -> tuple[float, float]:
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * _XPI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _XPI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Equirectangular distance in metres (fine for sub-metre differences)."""
    lat = np.radians((np.asarray(lat1) + np.asarray(lat2)) / 2.0)
    dx = np.radians(np.asarray(lon2) - np.asarray(lon1)) * np.cos(lat) * 6371008.8
    dy = np.radians(np.asarray(lat2) - np.asarray(lat1)) * 6371008.8
    return np.hypot(dx, dy)


# a grid over China's mainland: 74..134 E, 19..53 N
_GRID_LON, _GRID_LAT = np.meshgrid(np.linspace(74.0, 134.0, 41), np.linspace(19.0, 53.0, 35))
GRID_LON, GRID_LAT = _GRID_LON.ravel(), _GRID_LAT.ravel()


def test_forward_matches_public_formula_on_grid():
    lon, lat = gc.wgs84_to_gcj02(GRID_LON, GRID_LAT)
    ref = np.array([ref_wgs84_to_gcj02(x, y) for x, y in zip(GRID_LON, GRID_LAT)])
    np.testing.assert_allclose(lon, ref[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(lat, ref[:, 1], rtol=0, atol=1e-12)
    # the offset is hundreds of metres, as documented
    d = metres(GRID_LON, GRID_LAT, lon, lat)
    assert d.min() > 10 and d.max() < 1500


def test_bd09_forward_matches_public_formula():
    glon, glat = gc.wgs84_to_gcj02(GRID_LON, GRID_LAT)
    blon, blat = gc.gcj02_to_bd09(glon, glat)
    ref = np.array([ref_gcj02_to_bd09(x, y) for x, y in zip(glon, glat)])
    np.testing.assert_allclose(blon, ref[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(blat, ref[:, 1], rtol=0, atol=1e-12)


def test_inverse_on_grid_below_half_metre():
    glon, glat = gc.wgs84_to_gcj02(GRID_LON, GRID_LAT)
    wlon, wlat = gc.gcj02_to_wgs84(glon, glat)
    assert metres(GRID_LON, GRID_LAT, wlon, wlat).max() < 0.5
    # and much better than the one-step inverse in practice (< 1 mm)
    assert metres(GRID_LON, GRID_LAT, wlon, wlat).max() < 1e-3
    blon, blat = gc.wgs84_to_bd09(GRID_LON, GRID_LAT)
    wlon, wlat = gc.bd09_to_wgs84(blon, blat)
    assert metres(GRID_LON, GRID_LAT, wlon, wlat).max() < 0.5


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=73.7, max_value=134.9), st.floats(min_value=18.2, max_value=53.5))
def test_round_trips_hypothesis(lon, lat):
    glon, glat = ref_wgs84_to_gcj02(lon, lat)  # the public formula, independent of the module
    wlon, wlat = gc.gcj02_to_wgs84(glon, glat)
    assert metres(lon, lat, wlon, wlat) < 0.5
    blon, blat = ref_gcj02_to_bd09(glon, glat)
    wlon, wlat = gc.bd09_to_wgs84(blon, blat)
    assert metres(lon, lat, wlon, wlat) < 0.5
    glon2, glat2 = gc.bd09_to_gcj02(blon, blat)
    assert metres(glon, glat, glon2, glat2) < 0.5


def test_outside_china_unchanged():
    lon = np.array([-74.0, 2.35, 151.2, 100.0])
    lat = np.array([40.7, 48.85, -33.9, 60.0])
    for func in (gc.wgs84_to_gcj02, gc.gcj02_to_wgs84):
        x, y = func(lon, lat)
        np.testing.assert_array_equal(x, lon)
        np.testing.assert_array_equal(y, lat)
    assert gc.out_of_china(lon, lat).all()
    assert not gc.out_of_china(116.4, 39.9)


def test_scalar_and_nan_inputs():
    x, y = gc.gcj02_to_wgs84(116.4, 39.9)
    assert x.shape == () and abs(float(x) - 116.4) < 0.01
    x, y = gc.gcj02_to_wgs84(np.array([np.nan, 116.4]), np.array([39.9, 39.9]))
    assert np.isnan(x[0]) and np.isfinite(x[1])


def test_to_wgs84_dispatch_and_unknown_system():
    lon, lat = gc.wgs84_to_gcj02(116.4, 39.9)
    x, y = gc.to_wgs84(lon, lat, source="GCJ-02")
    assert metres(116.4, 39.9, x, y) < 0.01
    x, y = gc.to_wgs84(116.4, 39.9, source="wgs84")
    assert float(x) == 116.4
    with pytest.raises(CRSError):
        gc.to_wgs84(116.4, 39.9, source="mars-2")


def test_frame_to_wgs84_converts_all_vertices_without_mutating():
    wlon = np.array([116.30, 116.31, 116.31, 116.30])
    wlat = np.array([39.90, 39.90, 39.91, 39.91])
    glon, glat = gc.wgs84_to_gcj02(wlon, wlat)
    gdf = gpd.GeoDataFrame(
        {"name": ["a", "b"]},
        geometry=[Polygon(zip(glon, glat)), Point(glon[0], glat[0])], crs=4326)
    before = gdf.geometry.iloc[0].wkt
    out = gc.frame_to_wgs84(gdf, source="gcj02")
    assert gdf.geometry.iloc[0].wkt == before  # input untouched
    xy = np.asarray(out.geometry.iloc[0].exterior.coords)[:4]
    assert metres(xy[:, 0], xy[:, 1], wlon, wlat).max() < 0.5
    assert metres(out.geometry.iloc[1].x, out.geometry.iloc[1].y, wlon[0], wlat[0]) < 0.5
    assert out.crs.to_epsg() == 4326
    assert list(out["name"]) == ["a", "b"]


def test_frame_to_wgs84_refuses_projected():
    gdf = gpd.GeoDataFrame(geometry=[Point(500000, 4400000)], crs="EPSG:4548")
    with pytest.raises(CRSError):
        gc.frame_to_wgs84(gdf, source="gcj02")


def test_cgcs2000_frame_treated_as_wgs84():
    gdf = gpd.GeoDataFrame(geometry=[Point(*[float(v) for v in gc.wgs84_to_gcj02(116.4, 39.9)])], crs=4490)
    out = gc.frame_to_wgs84(gdf, source="gcj02")
    assert metres(out.geometry.iloc[0].x, out.geometry.iloc[0].y, 116.4, 39.9) < 0.5
