"""The optional online basemap: tile math, disk cache, off by default, drawn under the map.

No internet: tiles come from a local http.server on 127.0.0.1 in a thread, stopped by each test.
"""

from __future__ import annotations

import http.server
import math
import threading

import geopandas as gpd
import pytest
from PyQt6.QtCore import QBuffer, QByteArray, QIODevice, QSettings
from PyQt6.QtGui import QColor, QImage
from shapely.geometry import Point

from fireriskmap.core.project import Project
from fireriskmap.render import MapRenderer, MapView
from fireriskmap.ui import basemap
from fireriskmap.ui.basemap import (BasemapLayer, TileCache, TileSource, lonlat_to_tile, resolution,
                                    tile_to_lonlat, zoom_for_mpp)
from fireriskmap.ui.canvas import MapCanvas

TILE_COLOUR = QColor(20, 200, 60)
CRS = "EPSG:32649"  # UTM 49N (GK/UTM-like project CRS)


def _png(colour: QColor) -> bytes:
    image = QImage(256, 256, QImage.Format.Format_ARGB32)
    image.fill(colour)
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(data)


class _Server:
    """Serves every /z/x/y.png with one of two PNGs; counts requests."""

    def __init__(self) -> None:
        tiles = [_png(TILE_COLOUR), _png(QColor(200, 30, 30))]
        outer = self
        self.requests: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests.append(self.path)
                parts = self.path.strip("/").split("/")
                body = tiles[0] if len(parts) == 3 and parts[0] != "red" else tiles[1]
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{{z}}/{{x}}/{{y}}.png"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server():
    srv = _Server()
    yield srv
    srv.stop()


@pytest.fixture
def point_project():
    project = Project.new(CRS, name="bm")
    x0, y0 = 500_000.0, 2_900_000.0
    project.set_layer("hydrants", gpd.GeoDataFrame(
        {"working": [True, True], "name": ["1号", "2号"]},
        geometry=[Point(x0, y0), Point(x0 + 1000, y0 + 1000)], crs=CRS))
    return project


def _canvas(qtbot, project):
    canvas = MapCanvas(MapRenderer(project))
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    qtbot.waitUntil(lambda: canvas._image is not None and not canvas.is_rendering(), timeout=10000)
    return canvas


# -- tile math -------------------------------------------------------------------------------------------
def test_lonlat_tile_round_trip():
    assert lonlat_to_tile(0.0, 0.0, 1) == pytest.approx((1.0, 1.0))
    assert lonlat_to_tile(-180.0, 85.0511287798, 3) == pytest.approx((0.0, 0.0), abs=1e-6)
    x, y = lonlat_to_tile(108.1, 26.2, 14)
    assert x == pytest.approx(288.1 / 360 * 2 ** 14) and int(y) == 6955  # (1 - ln(tan φ + sec φ)/π)/2 · 2^z
    lon, lat = tile_to_lonlat(x, y, 14)
    assert (lon, lat) == pytest.approx((108.1, 26.2))


def test_zoom_for_mpp():
    for z in (0, 5, 12, 17):
        assert zoom_for_mpp(resolution(z)) == z
        assert zoom_for_mpp(resolution(z) * 1.1) == z  # slightly coarser view: same tiles, shrunk
    assert zoom_for_mpp(resolution(12) * math.cos(math.radians(60)), lat=60) == 12
    assert zoom_for_mpp(0.001) == 18
    assert zoom_for_mpp(0.001, max_zoom=16) == 16
    assert zoom_for_mpp(1e9) == 0


def test_sources():
    osm = basemap.osm_sources()[0]
    assert osm.url_for(3, 4, 5) == "https://tile.openstreetmap.org/3/4/5.png"
    vec, cva = basemap.tianditu_sources(" KEY ")
    url = vec.url_for(10, 3, 4)
    assert "TILEMATRIX=10&TILEROW=4&TILECOL=3&tk=KEY" in url and "/vec_w/" in url and url.startswith("http://t")
    assert "LAYER=cva" in cva.url_for(1, 0, 0) and vec.id != cva.id
    assert basemap.valid_template("https://a/{z}/{x}/{y}.png") and not basemap.valid_template("file:///{z}")


# -- cache and network ---------------------------------------------------------------------------------------
def test_cache_writes_then_serves_without_request(qtbot, tmp_path, server):
    cache = TileCache(tmp_path / "tiles")
    source = TileSource("local", server.url)
    layer = BasemapLayer([source], cache)
    assert layer.network_manager is None
    assert layer.tile(source, 2, 1, 1) is None  # queued
    layer._pump()
    qtbot.waitUntil(lambda: not layer.is_busy(), timeout=10000)
    assert server.requests == ["/2/1/1.png"]
    assert cache.path("local", 2, 1, 1).is_file()
    assert layer.tile(source, 2, 1, 1).pixelColor(5, 5) == TILE_COLOUR
    fresh = BasemapLayer([source], cache)  # a new session: from disk, no request
    assert fresh.tile(source, 2, 1, 1).pixelColor(5, 5) == TILE_COLOUR
    fresh._pump()
    assert fresh.network_manager is None and len(server.requests) == 1


def test_off_by_default_makes_no_request(qtbot, tmp_path, server, point_project, monkeypatch):
    from fireriskmap.ui.main_window import MainWindow

    created = []
    from PyQt6 import QtNetwork

    real = QtNetwork.QNetworkAccessManager
    monkeypatch.setattr(QtNetwork, "QNetworkAccessManager",
                        lambda *a, **k: created.append(1) or real(*a, **k))
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow(point_project, settings=settings)
    qtbot.addWidget(win)
    win.resize(800, 600)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.canvas._image is not None and not win.canvas.is_rendering(), timeout=10000)
    assert win.canvas.basemap is None and win.basemap_name == "off"
    assert win.act_basemap["off"].isChecked()
    assert not created and not server.requests
    # a custom URL from the settings, then off again
    settings.setValue("basemap/custom_url", server.url)
    assert win.set_basemap("custom")
    assert win.canvas.basemap is not None and settings.value("basemap/provider") == "custom"
    win.set_basemap("off")
    assert win.canvas.basemap is None and settings.value("basemap/provider") == "off"
    assert not win.set_basemap("tianditu")  # no key stored, not asked: stays off
    assert win.act_basemap["off"].isChecked()
    win.canvas.shutdown()


def test_canvas_paints_tiles_under_the_map(qtbot, tmp_path, server, point_project):
    canvas = _canvas(qtbot, point_project)
    layer = BasemapLayer([TileSource("local", server.url, attribution="© test")], TileCache(tmp_path / "t"))
    canvas.set_basemap(layer)
    canvas.render_now()
    canvas.grab()  # paint: queues the tiles
    qtbot.waitUntil(lambda: bool(server.requests) and not layer.is_busy() and not canvas.is_rendering(), timeout=10000)
    image = canvas.grab().toImage()
    colour = image.pixelColor(image.width() // 2, image.height() // 3)
    assert (colour.red(), colour.green(), colour.blue()) == (20, 200, 60)
    assert layer.network_manager is not None
    # the map is still drawn on top: a hydrant symbol differs from the tile colour near its point
    px, py = canvas.view.resized(canvas.width(), canvas.height()).point_to_px(500_000.0, 2_900_000.0)
    dpr = image.devicePixelRatio()
    assert image.pixelColor(round(px * dpr), round(py * dpr)) != TILE_COLOUR
    canvas.set_basemap(None)
    canvas.shutdown()


def test_absent_server_leaves_the_map_working(qtbot, tmp_path, point_project):
    canvas = _canvas(qtbot, point_project)
    srv = _Server()
    url = srv.url
    srv.stop()  # nothing listens any more
    layer = BasemapLayer([TileSource("gone", url)], TileCache(tmp_path / "t"))
    canvas.set_basemap(layer)
    canvas.render_now()
    canvas.grab()
    qtbot.waitUntil(lambda: layer.requests_made > 0 and not layer.is_busy() and not canvas.is_rendering(),
                    timeout=15000)
    assert layer._failed
    image = canvas.grab().toImage()  # no exception, map and background still drawn
    assert not image.isNull()
    colour = image.pixelColor(image.width() // 2, image.height() // 3)
    assert colour != TILE_COLOUR
    assert canvas._image is not None
    # failed tiles are not retried on every paint
    made = layer.requests_made
    canvas.grab()
    assert layer.requests_made == made
    canvas.set_basemap(None)
    canvas.shutdown()


def test_coarser_cached_tile_stands_in_while_a_tile_is_missing(qtbot, tmp_path, point_project):
    """A new zoom level is not blank: the parent tile from the cache is drawn magnified meanwhile."""
    canvas = _canvas(qtbot, point_project)
    srv = _Server()
    url = srv.url
    srv.stop()  # downloads fail: only the cache can help
    cache = TileCache(tmp_path / "t")
    layer = BasemapLayer([TileSource("gone", url)], cache)
    view = canvas.view.resized(canvas.width(), canvas.height())
    z, tiles = layer.tiles_for_view(view, point_project.crs)
    for x, y in tiles:  # only the tiles two levels up are cached
        cache.store("gone", z - 2, x >> 2, y >> 2, _png(TILE_COLOUR))
    found = layer.fallback(layer.sources[0], z, *tiles[0])
    assert found is not None and found[1].width() == 64  # a quarter of a quarter of 256 px
    canvas.set_basemap(layer)
    canvas.render_now()
    qtbot.waitUntil(lambda: not canvas.is_rendering(), timeout=10000)
    image = canvas.grab().toImage()
    colour = image.pixelColor(image.width() // 2, image.height() // 3)
    assert (colour.red(), colour.green(), colour.blue()) == (20, 200, 60)
    assert layer.fallback(layer.sources[0], z, tiles[0][0] + 4096, tiles[0][1]) is None  # nothing cached there
    canvas.set_basemap(None)
    canvas.shutdown()
