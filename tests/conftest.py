"""Shared test setup: Qt runs offscreen; tiny projects built in code.

``QT_QPA_PLATFORM`` must be set before any QApplication exists, so it is set here at import time
(pytest imports this file before collecting the tests and before pytest-qt creates ``qapp``).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

GK_CRS = "EPSG:4545"  # CGCS2000 / 3-degree GK CM 108E
X0, Y0 = 500_000.0, 2_900_000.0  # a point near 108°E, 26.2°N

VILLAGE_NAMES = ["岩寨村", "高坪村", "平寨村", "乌烧村", "归柳村", "加鸠村"]


def tiny_project():
    """One square building (timber) 100 m × 100 m at (X0+100 .. X0+200, Y0+100 .. Y0+200), one
    road, one hydrant and one village, in EPSG:4545. Extent: (X0, Y0) – (X0 + 1000, Y0 + 1000).
    """
    import geopandas as gpd
    from shapely.geometry import LineString, Point, box

    from fireriskmap.core.project import Project

    project = Project.new(GK_CRS, name="tiny")
    project.set_layer("villages", gpd.GeoDataFrame(
        {"name": ["岩寨村"]}, geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=GK_CRS))
    project.set_layer("buildings", gpd.GeoDataFrame(
        {"structure": ["timber"], "storeys": [2]},
        geometry=[box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200)], crs=GK_CRS))
    project.set_layer("roads", gpd.GeoDataFrame(
        {"road_class": ["local"], "name": ["寨中路"]},
        geometry=[LineString([(X0, Y0 + 600), (X0 + 1000, Y0 + 600)])], crs=GK_CRS))
    project.set_layer("hydrants", gpd.GeoDataFrame(
        {"working": [True], "name": ["1号"]}, geometry=[Point(X0 + 800, Y0 + 800)], crs=GK_CRS))
    return project


def township(n_buildings: int = 600, *, seed: int = 7):
    """A synthetic township in EPSG:4545: villages with Chinese names, a road network, buildings of
    mixed structure in village clusters, hydrants, water sources, fire stations, key places,
    hazards and risk areas. Deterministic for a seed.
    """
    import geopandas as gpd
    import shapely
    from shapely.geometry import LineString, Point

    from fireriskmap.core.project import Project

    rng = np.random.default_rng(seed)
    project = Project.new(GK_CRS, name="测试乡")
    n_villages = len(VILLAGE_NAMES)
    angles = np.linspace(0, 2 * np.pi, n_villages, endpoint=False) + 0.3
    radius = 2600.0
    centres = np.column_stack([X0 + radius * np.cos(angles), Y0 + radius * 0.8 * np.sin(angles)])
    centres[0] = (X0, Y0)  # the township seat in the middle

    # villages: irregular blobs around each centre
    villages = []
    for i, (cx, cy) in enumerate(centres):
        t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
        r = 900 + 220 * np.sin(3 * t + i) + 120 * np.cos(5 * t + 2 * i)
        villages.append(shapely.Polygon(np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)])))
    levels = ["major", "high", "moderate", "low", "unknown", "high"]
    project.set_layer("villages", gpd.GeoDataFrame(
        {"name": VILLAGE_NAMES[:n_villages], "kind": ["administrative"] * n_villages,
         "households": rng.integers(80, 400, n_villages)}, geometry=villages, crs=GK_CRS))
    project.set_layer("risk_areas", gpd.GeoDataFrame(
        {"area_id": [f"V{i}" for i in range(n_villages)], "name": VILLAGE_NAMES[:n_villages],
         "level": levels[:n_villages], "score": rng.uniform(5, 95, n_villages)},
        geometry=[v.buffer(-300) for v in villages], crs=GK_CRS))

    # roads: a ring road through the villages, spokes to the seat, lanes inside each village
    roads, classes, names = [], [], []
    ring = np.vstack([centres[1:], centres[1:2]])
    for a, b in zip(ring[:-1], ring[1:]):
        mid = (a + b) / 2 + rng.normal(0, 250, 2)
        roads.append(LineString([a, mid, b]))
        classes.append("arterial")
        names.append("环乡公路")
    for c in centres[1:]:
        roads.append(LineString([centres[0], (centres[0] + c) / 2 + rng.normal(0, 150, 2), c]))
        classes.append("collector")
        names.append("通村路")
    roads.append(LineString([(X0 - 6000, Y0 - 4200), (X0 - 1500, Y0 - 600), centres[0],
                             (X0 + 5000, Y0 + 4400)]))
    classes.append("highway")
    names.append("G321国道")
    lanes_per_village = 6
    for cx, cy in centres:
        for j in range(lanes_per_village):
            off = (j - lanes_per_village / 2) * 110
            if j % 2:
                roads.append(LineString([(cx - 600, cy + off), (cx + 600, cy + off + rng.normal(0, 40))]))
            else:
                roads.append(LineString([(cx + off, cy - 600), (cx + off + rng.normal(0, 40), cy + 600)]))
            classes.append("local" if j < 3 else "lane")
            names.append("")
        roads.append(LineString([(cx + 600, cy), (cx + 1100, cy + 500), (cx + 1500, cy + 600)]))
        classes.append("track")
        names.append("")
    project.set_layer("roads", gpd.GeoDataFrame(
        {"road_class": classes, "name": names}, geometry=roads, crs=GK_CRS))

    # buildings: rectangles clustered around village centres, avoiding nothing (synthetic)
    per_village = np.full(n_villages, n_buildings // n_villages)
    per_village[: n_buildings - per_village.sum()] += 1
    structures = np.array(["timber", "brick_timber", "brick_concrete", "reinforced_concrete", "steel", "other"])
    probs = np.array([0.38, 0.17, 0.22, 0.13, 0.06, 0.04])
    polys, structs, storeys, vnames = [], [], [], []
    for i, (cx, cy) in enumerate(centres):
        n = int(per_village[i])
        side = int(np.ceil(np.sqrt(n)))
        spacing = min(1100 / side, 24.0)
        gx, gy = np.meshgrid(np.arange(side), np.arange(side))
        cells = np.column_stack([gx.ravel(), gy.ravel()])[:n].astype(float)
        pts = np.column_stack([cx + (cells[:, 0] - side / 2) * spacing + rng.normal(0, 2, n),
                               cy + (cells[:, 1] - side / 2) * spacing + rng.normal(0, 2, n)])
        w = rng.uniform(7, 14, n) * min(1.0, spacing / 20)
        h = rng.uniform(6, 11, n) * min(1.0, spacing / 20)
        rot = rng.normal(0, 0.15, n)
        corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float) / 2
        for k in range(n):
            c = corners * [w[k], h[k]]
            cs, sn = np.cos(rot[k]), np.sin(rot[k])
            xy = c @ np.array([[cs, sn], [-sn, cs]]) + pts[k]
            polys.append(shapely.Polygon(xy))
        structs += list(rng.choice(structures, n, p=probs))
        storeys += list(rng.integers(1, 6, n))
        vnames += [VILLAGE_NAMES[i]] * n
    project.set_layer("buildings", gpd.GeoDataFrame(
        {"structure": structs, "storeys": storeys, "village": vnames}, geometry=polys, crs=GK_CRS))

    # points
    road_lines = [r for r, c in zip(roads, classes) if c in ("local", "collector", "arterial")]
    hydrants = [r.interpolate(d) for r in road_lines for d in np.arange(60, r.length, 260)]
    working = rng.random(len(hydrants)) > 0.12
    project.set_layer("hydrants", gpd.GeoDataFrame(
        {"name": [f"{i + 1}号" for i in range(len(hydrants))], "working": working},
        geometry=hydrants, crs=GK_CRS))
    project.set_layer("water_sources", gpd.GeoDataFrame(
        {"name": [f"{n}消防水池" for n in VILLAGE_NAMES[:n_villages]],
         "source_type": ["fire_pool", "natural_intake", "fire_pool", "tank", "natural_intake", "fire_pool"][:n_villages]},
        geometry=[Point(cx + 420, cy - 380) for cx, cy in centres], crs=GK_CRS))
    project.set_layer("fire_stations", gpd.GeoDataFrame(
        {"name": ["乡政府专职消防队", "高坪志愿消防队", "平寨微型消防站", "归柳志愿消防队"],
         "force_type": ["government", "volunteer", "micro", "volunteer"]},
        geometry=[Point(X0 + 350, Y0 - 420), Point(*(centres[1] + [300, 300])),
                  Point(*(centres[2] + [-350, 250])), Point(*(centres[4] + [200, -300]))], crs=GK_CRS))
    project.set_layer("key_places", gpd.GeoDataFrame(
        {"name": ["中心小学", "敬老院", "集贸市场", "卫生院", "加油站", "幼儿园"],
         "place_type": ["school", "nursing_home", "market", "hospital", "hazardous_goods", "kindergarten"]},
        geometry=[Point(X0 - 250, Y0 + 420), Point(X0 + 480, Y0 + 260), Point(X0 - 380, Y0 - 300),
                  Point(*(centres[1] + [-200, -350])), Point(X0 - 1600, Y0 - 700),
                  Point(*(centres[3] + [250, 380]))], crs=GK_CRS))
    hz = rng.choice(len(polys), 12, replace=False)
    project.set_layer("hazards", gpd.GeoDataFrame(
        {"found_date": ["2024-12-01"] * 12, "hazard_type": ["wiring"] * 12,
         "severity": ["major"] * 3 + ["general"] * 9, "status": ["open"] * 12},
        geometry=[polys[i].centroid for i in hz], crs=GK_CRS))
    return project


@pytest.fixture
def tiny():
    """A fresh :func:`tiny_project`."""
    return tiny_project()


@pytest.fixture
def make_tiny():
    """The :func:`tiny_project` factory (for tests needing several fresh projects)."""
    return tiny_project


@pytest.fixture(scope="session")
def town():
    return township(600)


@pytest.fixture(autouse=True, scope="session")
def _isolated_qsettings(tmp_path_factory):
    """Keep QSettings written by UI tests out of the user's home."""
    try:
        from PyQt6.QtCore import QSettings
    except ImportError:  # pragma: no cover
        yield
        return
    folder = tmp_path_factory.mktemp("qsettings")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    yield


@pytest.fixture(autouse=True, scope="session")
def _one_qapplication(qapp):
    """Create pytest-qt's QApplication before any test runs.

    Code below the UI (render, export) creates a bare QGuiApplication when none exists; if such a
    test ran first, a later widget test would abort the whole process. One QApplication for the
    session serves both.
    """
    yield qapp
