"""Optional online basemap: XYZ web-mercator tiles under the map, with a disk cache (DOMAIN §6).

Off by default. Nothing here touches the network until a :class:`BasemapLayer` is made (the user
chose a basemap) *and* the canvas asks it for a view with tiles missing from the cache; the
``QNetworkAccessManager`` is only created then. Fetches are asynchronous on the GUI thread with a
small number in flight; a failed or absent server only leaves the tiles blank.

Tiles are EPSG:3857 (OSM, 天地图 ``_w`` layers: WGS84/CGCS2000, no GCJ-02 offset). For a project
in a GK/UTM CRS each tile is drawn with the affine/projective map of its four corners
(``QTransform.quadToQuad``), which is exact enough at township scale.
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from pyproj import CRS, Transformer
from PyQt6.QtCore import QObject, QPointF, QRectF, QStandardPaths, QUrl, pyqtSignal
from PyQt6.QtGui import QImage, QPainter, QPolygonF, QTransform

log = logging.getLogger(__name__)

ORIGIN = 20037508.342789244  # half the web-mercator world width, metres
TILE_SIZE = 256
USER_AGENT = b"fireriskmap/0.1"
MAX_CONCURRENT = 4
MAX_TILES_PER_VIEW = 96  # more than this: a coarser zoom
MEMORY_TILES = 400
RETRY_FAILED_S = 60.0
FALLBACK_LEVELS = 4  # coarser levels searched for a stand-in while a tile downloads

OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TIANDITU_URL = ("http://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
                "&TILECOL={x}&tk={key}")


# -- tile math --------------------------------------------------------------------------------------
def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Fractional tile x, y of a WGS84 point at zoom ``z`` (slippy-map scheme, y down)."""
    n = 2 ** z
    lat = max(min(lat, 85.0511287798), -85.0511287798)
    x = (lon + 180.0) / 360.0 * n
    rad = math.radians(lat)
    y = (1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * n
    return x, y


def tile_to_lonlat(x: float, y: float, z: int) -> tuple[float, float]:
    """WGS84 lon, lat of the (fractional) tile corner x, y at zoom ``z``."""
    n = 2 ** z
    lon = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lon, lat


def resolution(z: int) -> float:
    """Web-mercator metres per tile pixel at zoom ``z``."""
    return 2 * ORIGIN / (TILE_SIZE * 2 ** z)


def zoom_for_mpp(mpp: float, *, lat: float = 0.0, max_zoom: int = 18) -> int:
    """The zoom whose tiles best match ``mpp`` ground metres per screen pixel at latitude ``lat``.

    Mercator metres are ground metres / cos(lat). Picks the finer zoom unless the tiles would be
    shrunk by more than ~20 %.
    """
    if not mpp or mpp <= 0 or not math.isfinite(mpp):
        return 0
    merc_mpp = mpp / max(math.cos(math.radians(lat)), 0.01)
    z = math.ceil(math.log2(resolution(0) / merc_mpp) - 0.3)
    return int(max(0, min(max_zoom, z)))


def tile_bounds_3857(x: int, y: int, z: int) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of a tile in EPSG:3857 metres."""
    size = 2 * ORIGIN / 2 ** z
    return (-ORIGIN + x * size, ORIGIN - (y + 1) * size, -ORIGIN + (x + 1) * size, ORIGIN - y * size)


# -- sources ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TileSource:
    """One XYZ tile layer: a URL template with ``{z} {x} {y}`` (and optional ``{s}``)."""

    id: str
    url: str
    subdomains: tuple[str, ...] = ()
    max_zoom: int = 18
    attribution: str = ""

    def url_for(self, z: int, x: int, y: int) -> str:
        s = self.subdomains[(x + y) % len(self.subdomains)] if self.subdomains else ""
        return (self.url.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
                .replace("{s}", s))


def osm_sources() -> list[TileSource]:
    return [TileSource("osm", OSM_URL, max_zoom=19, attribution="© OpenStreetMap contributors")]


def tianditu_sources(key: str) -> list[TileSource]:
    """天地图 vector map plus its annotation (``cva_w``) layer, with the user's key."""
    subs = tuple(str(i) for i in range(8))
    key = key.strip()
    return [TileSource(f"tianditu_{layer}", TIANDITU_URL.replace("{layer}", layer).replace("{key}", key),
                       subs, 18, "© 天地图" if layer == "vec" else "")
            for layer in ("vec", "cva")]


def custom_sources(url: str, attribution: str = "") -> list[TileSource]:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", re.sub(r"^\w+://", "", url))[:40].strip("_") or "custom"
    import zlib

    return [TileSource(f"custom_{slug}_{zlib.crc32(url.encode()):08x}", url, ("a", "b", "c"),
                       19, attribution)]


def valid_template(url: str) -> bool:
    return url.startswith(("http://", "https://")) and all(t in url for t in ("{z}", "{x}", "{y}"))


# -- cache -----------------------------------------------------------------------------------------------
def default_cache_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    if not base:
        base = str(Path.home() / ".cache")
    return Path(base) / "fireriskmap" / "tiles"


@dataclass
class TileCache:
    """Tiles on disk: ``root/<source id>/z/x/y.png``."""

    root: Path = field(default_factory=default_cache_dir)

    def path(self, source: str, z: int, x: int, y: int) -> Path:
        return Path(self.root) / source / str(z) / str(x) / f"{y}.png"

    def load(self, source: str, z: int, x: int, y: int) -> QImage | None:
        p = self.path(source, z, x, y)
        if not p.is_file():
            return None
        image = QImage(str(p))
        return None if image.isNull() else image

    def store(self, source: str, z: int, x: int, y: int, data: bytes) -> None:
        p = self.path(source, z, x, y)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_name(p.name + f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, p)
        except OSError as exc:  # a read-only cache only costs re-downloads
            log.warning("cannot cache tile %s: %s", p, exc)


# -- layer ------------------------------------------------------------------------------------------------
class BasemapLayer(QObject):
    """Tiles of one or more :class:`TileSource` for the canvas's view; emits ``updated`` as they arrive."""

    updated = pyqtSignal()

    def __init__(self, sources: list[TileSource], cache: TileCache | None = None, *,
                 max_concurrent: int = MAX_CONCURRENT, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sources = list(sources)
        self.cache = cache if cache is not None else TileCache()
        self.max_concurrent = max_concurrent
        self._nam = None  # QNetworkAccessManager, created at the first fetch
        self._memory: OrderedDict[tuple, QImage] = OrderedDict()
        self._queue: list[tuple] = []
        self._pending: dict[tuple, object] = {}
        self._failed: dict[tuple, float] = {}
        self._transformers: dict[str, tuple[Transformer, Transformer]] = {}
        self.requests_made = 0

    @property
    def attribution(self) -> str:
        return " · ".join(s.attribution for s in self.sources if s.attribution)

    @property
    def network_manager(self):
        return self._nam

    # -- geometry
    def _transformer(self, crs) -> tuple[Transformer, Transformer]:
        crs = CRS.from_user_input(crs)
        key = crs.to_wkt()
        if key not in self._transformers:
            self._transformers[key] = (Transformer.from_crs(crs, 3857, always_xy=True),
                                       Transformer.from_crs(3857, crs, always_xy=True))
        return self._transformers[key]

    def tiles_for_view(self, view, crs) -> tuple[int, list[tuple[int, int]]]:
        """Zoom and (x, y) tiles covering ``view`` (a MapView in ``crs``)."""
        fwd, _ = self._transformer(crs)
        x0, y0, x1, y1 = view.extent
        xs = [x0, (x0 + x1) / 2, x1]
        ys = [y0, (y0 + y1) / 2, y1]
        pts = [(x, y) for x in xs for y in ys]
        mx, my = fwd.transform([p[0] for p in pts], [p[1] for p in pts])
        if not all(math.isfinite(v) for v in list(mx) + list(my)):
            return 0, []
        lat = math.degrees(math.atan(math.sinh(((min(my) + max(my)) / 2) / ORIGIN * math.pi)))
        max_zoom = min(s.max_zoom for s in self.sources)
        z = zoom_for_mpp(view.mpp, lat=lat, max_zoom=max_zoom)
        while True:
            size = 2 * ORIGIN / 2 ** z
            n = 2 ** z
            tx0 = max(0, int(math.floor((min(mx) + ORIGIN) / size)))
            tx1 = min(n - 1, int(math.floor((max(mx) + ORIGIN) / size)))
            ty0 = max(0, int(math.floor((ORIGIN - max(my)) / size)))
            ty1 = min(n - 1, int(math.floor((ORIGIN - min(my)) / size)))
            count = (tx1 - tx0 + 1) * (ty1 - ty0 + 1)
            if count <= MAX_TILES_PER_VIEW or z == 0:
                break
            z -= 1
        if tx1 < tx0 or ty1 < ty0:
            return z, []
        cx, cy = (tx0 + tx1) / 2, (ty0 + ty1) / 2
        tiles = [(x, y) for x in range(tx0, tx1 + 1) for y in range(ty0, ty1 + 1)]
        tiles.sort(key=lambda t: (t[0] - cx) ** 2 + (t[1] - cy) ** 2)  # centre first
        return z, tiles

    # -- tiles
    def tile(self, source: TileSource, z: int, x: int, y: int) -> QImage | None:
        """The tile if cached (memory, then disk); otherwise None and it is queued for download."""
        key = (source.id, z, x, y)
        image = self._memory.get(key)
        if image is not None:
            self._memory.move_to_end(key)
            return image
        image = self.cache.load(source.id, z, x, y)
        if image is not None:
            self._remember(key, image)
            return image
        failed = self._failed.get(key)
        if key not in self._pending and (failed is None or time.monotonic() - failed > RETRY_FAILED_S):
            self._queue.append(key)
        return None

    def cached(self, source: TileSource, z: int, x: int, y: int) -> QImage | None:
        """The tile from memory or the disk cache only (never queued for download)."""
        key = (source.id, z, x, y)
        image = self._memory.get(key)
        if image is None:
            image = self.cache.load(source.id, z, x, y)
            if image is not None:
                self._remember(key, image)
        return image

    def fallback(self, source: TileSource, z: int, x: int, y: int) -> tuple[QImage, QRectF] | None:
        """While a tile downloads: the part of the nearest coarser cached tile that covers it
        (up to ``FALLBACK_LEVELS`` levels up), as (image, source rectangle), or None."""
        for dz in range(1, min(FALLBACK_LEVELS, z) + 1):
            image = self.cached(source, z - dz, x >> dz, y >> dz)
            if image is None:
                continue
            n = 1 << dz
            w, h = image.width() / n, image.height() / n
            return image, QRectF((x % n) * w, (y % n) * h, w, h)
        return None

    def _remember(self, key: tuple, image: QImage) -> None:
        self._memory[key] = image
        self._memory.move_to_end(key)
        while len(self._memory) > MEMORY_TILES:
            self._memory.popitem(last=False)

    def draw(self, painter: QPainter, view, crs) -> int:
        """Draw the tiles of ``view`` (widget pixels); queue the missing ones. Returns tiles drawn."""
        if crs is None or view is None or view.mpp <= 0:
            return 0
        try:
            z, tiles = self.tiles_for_view(view, crs)
        except Exception:  # a CRS pyproj cannot map to 3857: no basemap, never an error
            log.exception("basemap: cannot compute tiles")
            return 0
        _, inv = self._transformer(crs)
        self._queue = []  # only what this view still needs
        drawn = 0
        src_quad = QPolygonF([QPointF(0, 0), QPointF(TILE_SIZE, 0), QPointF(TILE_SIZE, TILE_SIZE),
                              QPointF(0, TILE_SIZE)])
        for source in self.sources:
            for x, y in tiles:
                image = self.tile(source, z, x, y)
                part = QRectF(0, 0, image.width(), image.height()) if image is not None else None
                if image is None:  # a coarser tile, magnified, until this one arrives
                    found = self.fallback(source, z, x, y)
                    if found is None:
                        continue
                    image, part = found
                bx0, by0, bx1, by1 = tile_bounds_3857(x, y, z)
                wx, wy = inv.transform([bx0, bx1, bx1, bx0], [by1, by1, by0, by0])
                quad = QPolygonF([QPointF(*view.point_to_px(px, py)) for px, py in zip(wx, wy)])
                transform = QTransform()
                if not QTransform.quadToQuad(src_quad, quad, transform):
                    continue
                painter.save()
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
                painter.setTransform(transform, True)
                painter.drawImage(QRectF(0, 0, TILE_SIZE, TILE_SIZE), image, part)
                painter.restore()
                drawn += 1
        self._pump()
        return drawn

    # -- network
    def _manager(self):
        if self._nam is None:
            from PyQt6.QtNetwork import QNetworkAccessManager

            self._nam = QNetworkAccessManager(self)
        return self._nam

    def _pump(self) -> None:
        by_id = {s.id: s for s in self.sources}
        while self._queue and len(self._pending) < self.max_concurrent:
            key = self._queue.pop(0)
            if key in self._pending or key in self._memory:
                continue
            source = by_id.get(key[0])
            if source is None:
                continue
            from PyQt6.QtNetwork import QNetworkRequest

            request = QNetworkRequest(QUrl(source.url_for(*key[1:])))
            request.setRawHeader(b"User-Agent", USER_AGENT)
            request.setTransferTimeout(15000)
            reply = self._manager().get(request)
            self.requests_made += 1
            self._pending[key] = reply
            reply.finished.connect(lambda key=key, reply=reply: self._on_finished(key, reply))

    def _on_finished(self, key: tuple, reply) -> None:
        from PyQt6.QtNetwork import QNetworkReply, QNetworkRequest

        self._pending.pop(key, None)
        try:
            status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
            data = bytes(reply.readAll()) if reply.error() == QNetworkReply.NetworkError.NoError else b""
            image = QImage.fromData(data) if data and status in (None, 200) else QImage()
            if image.isNull():
                self._failed[key] = time.monotonic()
                log.info("basemap tile %s failed: %s", key, reply.errorString())
            else:
                self.cache.store(key[0], key[1], key[2], key[3], data)
                self._remember(key, image)
                self._failed.pop(key, None)
                self.updated.emit()
        except Exception:
            log.exception("basemap tile %s", key)
            self._failed[key] = time.monotonic()
        finally:
            reply.deleteLater()
            self._pump()

    def is_busy(self) -> bool:
        return bool(self._pending or self._queue)

    def shutdown(self) -> None:
        """Abort downloads in flight."""
        self._queue = []
        for reply in list(self._pending.values()):
            try:
                reply.abort()
            except RuntimeError:
                pass
        self._pending.clear()
