"""The map view: which part of the world goes onto which rectangle of the paint device.

Kept relative to an origin: pixel coordinates are computed in float64 as
``(x - x_min) * scale``, so GK eastings of ~500 000 m and northings of ~3 000 000 m never reach Qt
as large floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Extent = tuple[float, float, float, float]

INCH_M = 0.0254


@dataclass(frozen=True)
class MapView:
    """A north-up view: the world point ``(cx, cy)`` at the centre of a ``width`` × ``height`` px
    rectangle whose top-left is at ``(left, top)`` on the device, ``mpp`` metres per device pixel.
    """

    cx: float
    cy: float
    mpp: float
    width: float
    height: float
    left: float = 0.0
    top: float = 0.0

    @classmethod
    def fit(cls, extent: Extent, width: float, height: float, *, left: float = 0.0, top: float = 0.0,
            margin: float = 0.0) -> "MapView":
        """The view that shows all of ``extent`` in the rectangle (keeping the aspect ratio).

        ``margin`` is a fraction of the extent added around it (0.05 = 5 % on each side).
        """
        x0, y0, x1, y1 = (float(v) for v in extent)
        w = max(x1 - x0, 1e-9) * (1 + 2 * margin)
        h = max(y1 - y0, 1e-9) * (1 + 2 * margin)
        if x1 - x0 <= 0 and y1 - y0 <= 0:  # a single point: 1 m per pixel
            mpp = 1.0
        else:
            mpp = max(w / max(width, 1), h / max(height, 1))
        return cls((x0 + x1) / 2, (y0 + y1) / 2, mpp, float(width), float(height), float(left), float(top))

    # -- geometry ---------------------------------------------------------------------------
    @property
    def scale(self) -> float:
        """Device pixels per metre."""
        return 1.0 / self.mpp

    @property
    def extent(self) -> Extent:
        """(x_min, y_min, x_max, y_max) of the world shown."""
        hw, hh = self.width * self.mpp / 2, self.height * self.mpp / 2
        return self.cx - hw, self.cy - hh, self.cx + hw, self.cy + hh

    def to_px(self, xy: np.ndarray) -> np.ndarray:
        """World (n, 2) → device pixels (n, 2), float64, y down."""
        x0, _, _, y1 = self.extent
        out = np.empty_like(xy, dtype=np.float64)
        out[:, 0] = (xy[:, 0] - x0) * self.scale + self.left
        out[:, 1] = (y1 - xy[:, 1]) * self.scale + self.top
        return out

    def point_to_px(self, x: float, y: float) -> tuple[float, float]:
        x0, _, _, y1 = self.extent
        return (x - x0) * self.scale + self.left, (y1 - y) * self.scale + self.top

    def px_to_world(self, px: float, py: float) -> tuple[float, float]:
        """Device pixel → world coordinates."""
        x0, _, _, y1 = self.extent
        return x0 + (px - self.left) * self.mpp, y1 - (py - self.top) * self.mpp

    # -- changing the view -----------------------------------------------------------------
    def resized(self, width: float, height: float) -> "MapView":
        return MapView(self.cx, self.cy, self.mpp, float(width), float(height), self.left, self.top)

    def panned_px(self, dx: float, dy: float) -> "MapView":
        """The view after dragging the map by (dx, dy) device pixels."""
        return MapView(self.cx - dx * self.mpp, self.cy + dy * self.mpp, self.mpp, self.width,
                       self.height, self.left, self.top)

    def zoomed(self, factor: float, px: float | None = None, py: float | None = None) -> "MapView":
        """Zoom in by ``factor`` (> 1 in, < 1 out) keeping the world point under (px, py) fixed."""
        if px is None or py is None:
            px, py = self.left + self.width / 2, self.top + self.height / 2
        wx, wy = self.px_to_world(px, py)
        mpp = self.mpp / factor
        # the point (wx, wy) must stay at (px, py)
        cx = wx - (px - self.left - self.width / 2) * mpp
        cy = wy + (py - self.top - self.height / 2) * mpp
        return MapView(cx, cy, mpp, self.width, self.height, self.left, self.top)

    def scale_denominator(self, dpi: float = 96.0) -> float:
        """N of the map scale 1:N for a device of ``dpi`` dots per inch."""
        return self.mpp / (INCH_M / dpi)


def nice_number(value: float) -> float:
    """The largest 1, 2 or 5 × 10^k not above ``value`` (value > 0)."""
    if value <= 0 or not math.isfinite(value):
        raise ValueError("value must be positive")
    exponent = math.floor(math.log10(value))
    base = 10.0 ** exponent
    for step in (5.0, 2.0, 1.0):
        if step * base <= value * (1 + 1e-9):
            return step * base
    return base  # pragma: no cover


def format_distance(metres: float) -> str:
    """'500 m', '1 km', '2.5 km', '20 km' (scale-bar style, no locale digits)."""
    if metres >= 1000:
        km = metres / 1000
        text = f"{km:.3f}".rstrip("0").rstrip(".")
        return f"{text} km"
    text = f"{metres:.3f}".rstrip("0").rstrip(".")
    return f"{text} m"
