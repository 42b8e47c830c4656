"""Vectorised geometry helpers for the demo generator.

All work happens in a local metric frame (x along the valley, y across it, metres, origin at the
town centre); :func:`to_world` moves the finished geometry onto the Gauss–Krüger grid at the end.

Houses are laid out in *rows*: a row is a baseline (a straight segment or a circular arc) along
which slots of random width and gap are packed; every house's front edge lies on the baseline and
the house extends to one side (straight rows) or outwards (arcs). Packing along a baseline and
keeping each row inside its own band is what guarantees that no two houses overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely


def rectangles(cx, cy, w, d, angle) -> np.ndarray:
    """Rotated rectangles: centre (cx, cy), side ``w`` along ``angle`` (radians), side ``d`` across."""
    cx, cy, w, d, angle = (np.asarray(a, dtype=float) for a in (cx, cy, w, d, angle))
    ux, uy = np.cos(angle), np.sin(angle)
    vx, vy = -uy, ux
    hw, hd = w / 2.0, d / 2.0
    xs = np.stack([cx - hw * ux - hd * vx, cx + hw * ux - hd * vx, cx + hw * ux + hd * vx,
                   cx - hw * ux + hd * vx, cx - hw * ux - hd * vx], axis=1)
    ys = np.stack([cy - hw * uy - hd * vy, cy + hw * uy - hd * vy, cy + hw * uy + hd * vy,
                   cy - hw * uy + hd * vy, cy - hw * uy - hd * vy], axis=1)
    return shapely.polygons(np.stack([xs, ys], axis=-1))


# -- rows of houses -----------------------------------------------------------------------------

@dataclass
class Rows:
    """A set of house rows (baselines) and their attributes, filled in vectorised batches."""

    kind: list = field(default_factory=list)       # "line" | "arc"
    ox: list = field(default_factory=list)         # line origin / arc centre
    oy: list = field(default_factory=list)
    tx: list = field(default_factory=list)         # line: unit tangent
    ty: list = field(default_factory=list)
    side: list = field(default_factory=list)       # line: +1 houses to the left of the tangent, -1 right
    radius: list = field(default_factory=list)     # arc: radius of the front (inner) edge
    theta0: list = field(default_factory=list)     # arc: start angle
    length: list = field(default_factory=list)     # usable baseline length
    depth: list = field(default_factory=list)      # row depth (houses are at most this deep)
    template: list = field(default_factory=list)   # building template code
    zone: list = field(default_factory=list)       # village / community label
    group: list = field(default_factory=list)      # address group (组) or street name
    dense: list = field(default_factory=list)      # bool: tight packing
    params: list = field(default_factory=list)     # (w_lo, w_hi, g_lo, g_hi, p_small)

    def add_line(self, x0, y0, x1, y1, side, depth, template, zone, group, params, dense=True) -> int:
        dx, dy = x1 - x0, y1 - y0
        length = float(np.hypot(dx, dy))
        self.kind.append("line")
        self.ox.append(float(x0)); self.oy.append(float(y0))
        self.tx.append(dx / length); self.ty.append(dy / length)
        self.side.append(float(side))
        self.radius.append(np.nan); self.theta0.append(np.nan)
        self.length.append(length)
        self._common(depth, template, zone, group, params, dense)
        return len(self.kind) - 1

    def add_arc(self, cx, cy, radius, theta0, theta1, depth, template, zone, group, params, dense=True) -> int:
        self.kind.append("arc")
        self.ox.append(float(cx)); self.oy.append(float(cy))
        self.tx.append(np.nan); self.ty.append(np.nan); self.side.append(1.0)
        self.radius.append(float(radius)); self.theta0.append(float(theta0))
        self.length.append(float(radius * (theta1 - theta0)))
        self._common(depth, template, zone, group, params, dense)
        return len(self.kind) - 1

    def _common(self, depth, template, zone, group, params, dense) -> None:
        self.depth.append(float(depth))
        self.template.append(template)
        self.zone.append(zone)
        self.group.append(group)
        self.params.append(tuple(float(p) for p in params))
        self.dense.append(bool(dense))

    def __len__(self) -> int:
        return len(self.kind)


@dataclass
class Slots:
    """Houses packed along rows: row index, start along the baseline, width, depth, small flag."""

    row: np.ndarray
    start: np.ndarray
    width: np.ndarray
    depth: np.ndarray
    small: np.ndarray
    inset: np.ndarray  # extra distance of the front edge from the baseline (ragged rows)
    tilt: np.ndarray   # small rotation (radians)


def pack_rows(rng: np.random.Generator, rows: Rows, *, max_slots: int = 160) -> Slots:
    """Pack slots along every row at once (one random draw per possible slot, so it is vectorised)."""
    n = len(rows)
    p = np.array(rows.params, dtype=float).reshape(n, 5)
    w_lo, w_hi, g_lo, g_hi, p_small = (p[:, i:i + 1] for i in range(5))
    depth = np.array(rows.depth)[:, None]
    lengths = np.array(rows.length)[:, None]
    u_w, u_g, u_s, u_d, u_small_w, u_small_d, u_in, u_tilt = rng.random((8, n, max_slots))
    small = u_s < p_small
    width = np.where(small, 3.5 + 2.5 * u_small_w, w_lo + (w_hi - w_lo) * u_w)
    gap = g_lo + (g_hi - g_lo) * u_g
    offset = rng.random((n, 1)) * 3.0
    step = width + gap
    start = offset + np.cumsum(step, axis=1) - step
    keep = start + width <= lengths
    # house depth: the row depth less up to 1.2 m; small out-buildings 3.5-6 m
    d = np.where(small, np.minimum(depth, 3.5 + 2.5 * u_small_d), depth - 1.2 * u_d)
    # ragged front line: shift back into the row's spare depth, never past the row depth
    inset = np.minimum(0.6 * u_in, depth - d)
    is_arc = np.array([k == "arc" for k in rows.kind])[:, None]
    tilt = (u_tilt - 0.5) * np.where(is_arc, np.where(np.array(rows.dense)[:, None], 0.03, 0.10), 0.0)
    r_idx = np.broadcast_to(np.arange(n)[:, None], (n, max_slots))
    return Slots(row=r_idx[keep], start=start[keep], width=width[keep], depth=d[keep],
                 small=small[keep], inset=inset[keep], tilt=tilt[keep])


def cut_slots(slots: Slots, row_ids, centres, half_widths) -> Slots:
    """Drop slots overlapping corridors ``(row, centre along baseline, half width)`` (lanes, streets)."""
    row_ids = np.asarray(row_ids, dtype=int)
    if len(row_ids) == 0:
        return slots
    centres = np.asarray(centres, dtype=float)
    half = np.asarray(half_widths, dtype=float)
    drop = np.zeros(len(slots.row), dtype=bool)
    order = np.argsort(slots.row, kind="stable")
    srow = slots.row[order]
    for r in np.unique(row_ids):
        lo, hi = np.searchsorted(srow, [r, r + 1])
        idx = order[lo:hi]
        if len(idx) == 0:
            continue
        sel = row_ids == r
        a = slots.start[idx][:, None]
        b = a + slots.width[idx][:, None]
        hit = (a < (centres[sel] + half[sel])[None, :]) & (b > (centres[sel] - half[sel])[None, :])
        drop[idx[hit.any(axis=1)]] = True
    return subset_slots(slots, ~drop)


def subset_slots(slots: Slots, mask) -> Slots:
    return Slots(*(getattr(slots, f)[mask] for f in ("row", "start", "width", "depth", "small", "inset", "tilt")))


def slot_rectangles(rows: Rows, slots: Slots):
    """Centre, size and angle of each slot's rectangle: ``(cx, cy, w, d, angle)``."""
    r = slots.row
    kind_arc = np.array([k == "arc" for k in rows.kind])[r]
    ox, oy = np.array(rows.ox)[r], np.array(rows.oy)[r]
    tx, ty = np.array(rows.tx)[r], np.array(rows.ty)[r]
    side = np.array(rows.side)[r]
    radius, theta0 = np.array(rows.radius)[r], np.array(rows.theta0)[r]
    s_mid = slots.start + slots.width / 2.0
    off = slots.inset + slots.depth / 2.0
    # straight rows
    lx = ox + tx * s_mid + (-ty * side) * off
    ly = oy + ty * s_mid + (tx * side) * off
    la = np.arctan2(ty, tx)
    # arcs: the front edge is the chord between the slot's end angles; the house extends outwards
    with np.errstate(invalid="ignore"):
        alpha = slots.width / radius
        theta_m = theta0 + s_mid / radius
        dist = radius * np.cos(alpha / 2.0) + off
        ax = ox + dist * np.cos(theta_m)
        ay = oy + dist * np.sin(theta_m)
        aw = 2.0 * radius * np.sin(alpha / 2.0)
        aa = theta_m + np.pi / 2.0
    cx = np.where(kind_arc, ax, lx)
    cy = np.where(kind_arc, ay, ly)
    w = np.where(kind_arc, aw, slots.width)
    ang = np.where(kind_arc, aa, la) + slots.tilt
    return cx, cy, w, slots.depth, ang


# -- roads ----------------------------------------------------------------------------------------

@dataclass
class RoadSet:
    """Road centrelines before noding, with their attributes."""

    coords: list = field(default_factory=list)
    name: list = field(default_factory=list)
    road_class: list = field(default_factory=list)
    width: list = field(default_factory=list)
    surface: list = field(default_factory=list)
    oneway: list = field(default_factory=list)
    max_height: list = field(default_factory=list)
    hydrants: list = field(default_factory=list)   # hydrants are laid along this line
    zone: list = field(default_factory=list)       # village / community the road serves

    def add(self, coords, name, road_class, width, surface="paved", *, oneway=False, max_height=np.nan,
            hydrants=False, zone="") -> int:
        coords = np.asarray(coords, dtype=float)
        # drop repeated vertices
        keep = np.ones(len(coords), dtype=bool)
        keep[1:] = np.any(np.diff(coords, axis=0) != 0, axis=1)
        coords = coords[keep]
        if len(coords) < 2:
            return -1
        self.coords.append(coords)
        self.name.append(name)
        self.road_class.append(road_class)
        self.width.append(float(width))
        self.surface.append(surface)
        self.oneway.append(bool(oneway))
        self.max_height.append(float(max_height))
        self.hydrants.append(bool(hydrants))
        self.zone.append(zone)
        return len(self.coords) - 1

    def __len__(self) -> int:
        return len(self.coords)

    def geometries(self) -> np.ndarray:
        return np.array([shapely.linestrings(c) for c in self.coords], dtype=object)


def node_roads(roads: RoadSet):
    """Split the centrelines at every junction and crossing; each piece keeps its source's index.

    Returns ``(pieces, source_index)``. Junctions must be shared vertices or proper crossings;
    GEOS noding then puts the same coordinate on every piece that meets there.
    """
    geoms = roads.geometries()
    noded = shapely.node(shapely.GeometryCollection(list(geoms)))
    pieces = shapely.get_parts(noded)
    pieces = pieces[shapely.length(pieces) > 0.05]
    mid = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    tree = shapely.STRtree(geoms)
    pi, li = tree.query(mid, predicate="dwithin", distance=1e-6)
    order = np.lexsort((li, pi))
    pi, li = pi[order], li[order]
    first = np.r_[True, pi[1:] != pi[:-1]]
    source = np.full(len(pieces), -1)
    source[pi[first]] = li[first]
    ok = source >= 0
    return pieces[ok], source[ok]


def wiggle_path(rng: np.random.Generator, p0, p1, *, step: float = 25.0, amplitude: float | None = None,
                waves: int | None = None) -> np.ndarray:
    """A winding road from ``p0`` to ``p1``: a straight line bent by a tapered sine (ends exact)."""
    p0 = np.asarray(p0, dtype=float)
    p1 = np.asarray(p1, dtype=float)
    vec = p1 - p0
    length = float(np.hypot(*vec))
    n = max(int(length // step), 2)
    t = np.linspace(0.0, 1.0, n + 1)
    if amplitude is None:
        amplitude = min(0.10 * length, 220.0) * rng.uniform(0.3, 1.0)
    if waves is None:
        waves = int(rng.integers(1, 4))
    phase = rng.uniform(0, np.pi)
    normal = np.array([-vec[1], vec[0]]) / max(length, 1e-9)
    envelope = np.sin(np.pi * t)
    lateral = amplitude * envelope * np.sin(np.pi * waves * t + phase) * np.sign(rng.uniform(-1, 1))
    pts = p0[None, :] + t[:, None] * vec[None, :] + lateral[:, None] * normal[None, :]
    pts[0] = p0
    pts[-1] = p1
    return pts


def to_world(geoms: np.ndarray, origin: tuple[float, float], rotation: float, precision: float = 0.01) -> np.ndarray:
    """Rotate local geometry by ``rotation`` (radians, anticlockwise), move it to ``origin``, round."""
    c, s = np.cos(rotation), np.sin(rotation)
    ex, ny = origin
    decimals = int(round(-np.log10(precision)))

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0], xy[:, 1]
        out = np.empty_like(xy)
        out[:, 0] = ex + c * x - s * y
        out[:, 1] = ny + s * x + c * y
        return np.round(out, decimals)

    return shapely.transform(geoms, move)
