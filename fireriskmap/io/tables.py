"""Reading point tables: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16) and Excel ``.xlsx``.

Office ledgers are rarely tidy: a merged title row (``XX镇消火栓台账``) above the header, headers
spread over two rows with merged group cells (``位置`` over ``经度 | 纬度``), notes below the
table, coordinates typed as ``116°23'45"`` or ``东经116.39``. The reader:

1. reads the cells (merged ranges filled with their top-left value);
2. finds the header row: the row among the first 30 with the most distinct text cells that match
   known field names, labels, aliases or coordinate headers; a header-like row above it (group
   cells) is folded in, so ``位置 / 经度`` becomes ``经度`` (or ``位置 经度`` if names repeat);
3. finds the coordinate columns (经度/纬度, lon/lat, lng, longitude/latitude, X/Y, 东坐标/北坐标,
   or one ``经纬度``/``location`` column holding ``lon,lat``);
4. parses the coordinates; rows with missing, unparsable, zero or out-of-range coordinates are
   rejected with a reason, never dropped silently.

Coordinates in degrees are taken as WGS84 lon/lat unless ``src_crs`` says otherwise; projected
values need ``src_crs`` (a :class:`~fireriskmap.errors.CRSError` explains what to give, with the
likely Gauss–Krüger zone when the easting carries a zone prefix). Chinese survey tables name the
northing ``X`` and the easting ``Y``: when the values show this, the columns are swapped (noted).
Row labels are the row numbers as shown by Excel or a text editor (1-based).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from fireriskmap.core.crs import parse_crs
from fireriskmap.core.spec import catalogue, normalise_name
from fireriskmap.errors import CRSError, ImportFileError
from fireriskmap.i18n import tr
from fireriskmap.io.base import REJECT_COLUMNS, ReadPart
from fireriskmap.io.encoding import EncodingGuess, detect_text_encoding

__all__ = ["read_table", "list_sheets", "find_header", "find_coordinate_columns", "parse_coordinates",
           "parse_coordinate"]

_HEADER_SCAN_ROWS = 30

LON_NAMES = ("经度", "lon", "lng", "long", "longitude", "经度坐标", "gps经度", "wgs84经度", "x经度",
             "lon84", "lng84", "wgslon", "wgslng")
LAT_NAMES = ("纬度", "lat", "latitude", "纬度坐标", "gps纬度", "wgs84纬度", "y纬度", "lat84", "wgslat")
X_NAMES = ("x", "x坐标", "坐标x", "xcoord", "xcoordinate", "pointx", "东坐标", "东向坐标", "东距",
           "easting", "east", "横坐标x", "x值")
Y_NAMES = ("y", "y坐标", "坐标y", "ycoord", "ycoordinate", "pointy", "北坐标", "北向坐标", "北距",
           "northing", "north", "纵坐标y", "y值")
PAIR_NAMES = ("经纬度", "坐标", "location", "lnglat", "lonlat", "经纬度坐标", "gps坐标", "定位", "坐标位置",
              "位置坐标", "coordinates", "coords", "latlng", "latlon", "纬经度")
_LAT_FIRST_PAIRS = {"latlng", "latlon", "纬经度"}


# -- cells ---------------------------------------------------------------------------------

def list_sheets(path: str | Path) -> list[str]:
    """Sheet names of an ``.xlsx`` workbook."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _xlsx_cells(path: Path, sheet: str | None
                ) -> tuple[list[list[Any]], list[str], str, list[tuple[int, int, int, int]]]:
    """Cell values of one sheet with merged ranges filled; sheet names; sheet read; merged ranges."""
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=True)
    names = list(wb.sheetnames)
    if sheet is not None:
        match = [n for n in names if n == sheet] or [n for n in names if n.lower() == str(sheet).lower()]
        if not match:
            raise ImportFileError("io.error.layer_not_found", file=path.name, layer=sheet,
                                  layers=", ".join(names))
        ws = wb[match[0]]
    else:
        # the first sheet that has any value
        ws = next((wb[n] for n in names if wb[n].max_row > 1 or wb[n].max_column > 1
                   or wb[n].cell(1, 1).value is not None), wb[names[0]])
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    for rng in list(ws.merged_cells.ranges):
        value = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row - 1, min(rng.max_row, len(rows))):
            row = rows[r]
            if len(row) < rng.max_col:
                row.extend([None] * (rng.max_col - len(row)))
            for c in range(rng.min_col - 1, rng.max_col):
                row[c] = value
    merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    title = ws.title
    wb.close()
    return rows, names, title, merged


def _csv_cells(data: bytes, encoding: str) -> list[list[Any]]:
    text = data.decode(encoding, errors="strict")
    text = text.lstrip("\ufeff")
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|，")
        delimiter = dialect.delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in (",", "\t", ";", "，")}
        delimiter = max(counts, key=counts.get) if max(counts.values()) else ","
    if delimiter == "，":  # full-width comma (Chinese input method)
        text = text.replace("，", ",")
        delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [list(r) for r in reader]


# -- header --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _known_headers() -> frozenset[str]:
    words: set[str] = set()
    for spec in catalogue().values():
        for f in spec.fields:
            words.add(normalise_name(f.name))
            words.update(normalise_name(w) for w in (*f.labels.values(), *f.aliases))
    for group in (LON_NAMES, LAT_NAMES, X_NAMES, Y_NAMES, PAIR_NAMES):
        words.update(normalise_name(w) for w in group)
    words.update({"序号", "编号", "no", "id", "备注"})
    words.discard("")
    return frozenset(words)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True
    if isinstance(value, str):
        try:
            float(value.replace(",", ""))
            return True
        except ValueError:
            return False
    return False


def _row_score(row: list[Any]) -> float:
    cells = [v for v in row if not _is_blank(v)]
    texts = {str(v).strip() for v in cells if isinstance(v, str) and not _is_number(v)}
    if len(texts) < 2:
        return -1.0
    known = _known_headers()
    matches = sum(1 for t in texts if normalise_name(t) in known)
    numbers = sum(1 for v in cells if _is_number(v) or not isinstance(v, str))
    return 3.0 * matches + len(texts) - 2.0 * numbers


def find_header(rows: list[list[Any]], *, merged: list[tuple[int, int, int, int]] | None = None
                ) -> tuple[int, list[str]]:
    """The header row index (0-based) and flattened column names.

    Parameters
    ----------
    rows : list of list
        Cell values, merged cells already filled.
    merged : list of (min_row, min_col, max_row, max_col), optional
        Merged ranges (1-based, as openpyxl); a header-like row above the header whose cells are
        merged across columns is folded into the names.
    """
    width = max((len(r) for r in rows), default=0)
    scan = rows[:_HEADER_SCAN_ROWS]
    scores = [_row_score(r) for r in scan]
    if not scores or max(scores) < 0:
        return -1, []
    best = max(scores)
    h = max(i for i, s in enumerate(scores) if s == best)  # the lowest of equal rows: leaf names
    lower = [("" if _is_blank(v) else str(v).strip()) for v in rows[h]] + [""] * (width - len(rows[h]))
    upper: list[str] | None = None
    if h > 0 and merged:
        spans_above = any(r0 <= h <= r1 and c1 > c0 for (r0, c0, r1, c1) in merged)
        above = rows[h - 1]
        texts = {str(v).strip() for v in above if isinstance(v, str) and v.strip()}
        if spans_above and len(texts) >= 2 and not any(_is_number(v) for v in above if not _is_blank(v)):
            upper = [("" if _is_blank(v) else str(v).strip()) for v in above] + [""] * (width - len(above))
    names = []
    for j in range(width):
        name = lower[j] or (upper[j] if upper else "")
        names.append(name)
    if upper:
        counts: dict[str, int] = {}
        for n in names:
            counts[n] = counts.get(n, 0) + 1
        names = [(f"{upper[j]} {n}" if n and counts[n] > 1 and upper[j] and upper[j] != n else n)
                 for j, n in enumerate(names)]
    # unique, non-empty
    out: list[str] = []
    seen: dict[str, int] = {}
    for j, n in enumerate(names):
        n = n.replace("\n", " ").strip() or f"column_{j + 1}"
        if n in seen:
            seen[n] += 1
            n = f"{n}_{seen[n]}"
        else:
            seen[n] = 1
        out.append(n)
    return h, out


# -- coordinates ---------------------------------------------------------------------------

def _norm_set(names: tuple[str, ...]) -> set[str]:
    return {normalise_name(n) for n in names}


def find_coordinate_columns(columns: list[str]) -> tuple[str, str] | tuple[str] | None:
    """The coordinate columns: ``(x, y)``, ``(pair,)`` for one 'lon,lat' column, or None.

    Longitude/latitude names are preferred over X/Y names; exact names over partial ones
    (``高德经度`` contains ``经度``; ``gcj02_lng`` ends with ``lng``).
    """
    norm = {c: normalise_name(c) for c in columns}

    def first(pred) -> str | None:
        return next((c for c in columns if pred(norm[c])), None)

    lon_set, lat_set = _norm_set(LON_NAMES), _norm_set(LAT_NAMES)
    x_set, y_set = _norm_set(X_NAMES), _norm_set(Y_NAMES)
    rules = [
        (lambda n: n in lon_set, lambda n: n in lat_set),
        (lambda n: "经度" in n or "longitude" in n, lambda n: "纬度" in n or "latitude" in n),
        (lambda n: n.endswith(("lng", "lon")) and len(n) <= 12, lambda n: n.endswith("lat") and len(n) <= 12),
        (lambda n: n in x_set, lambda n: n in y_set),
    ]
    for is_x, is_y in rules:
        x, y = first(is_x), first(is_y)
        if x and y and x != y:
            return x, y
    pair_set = _norm_set(PAIR_NAMES)
    pair = first(lambda n: n in pair_set)
    if pair:
        return (pair,)
    return None


_DMS_RE = re.compile(
    r"^(?P<deg>\d+(?:\.\d+)?)\s*(?:°|度|:|\s)\s*"
    r"(?:(?P<min>\d+(?:\.\d+)?)\s*(?:'|′|’|分|:|\s)\s*)?"
    r"(?:(?P<sec>\d+(?:\.\d+)?)\s*(?:\"|″|”|''|′′|秒)?)?$")
_HEMI_NEG = ("w", "s", "西", "南", "西经", "南纬")
_HEMI_ALL = ("东经", "西经", "北纬", "南纬", "e", "w", "n", "s", "东", "西", "南", "北")


def parse_coordinate(value: Any) -> float:
    """One coordinate in degrees or metres from a number or text; NaN when unparsable.

    Accepts ``116.39``, ``"116.39"``, ``"116,39"`` (decimal comma), ``"116.39°"``, ``"116.39E"``,
    ``"东经116.39"``, ``"116°23'24.5\\""``, ``"116度23分24.5秒"``, ``"116:23:24.5"``, ``"-73.99"``
    and ``"73.99W"`` (negative).
    """
    if value is None or isinstance(value, bool):
        return np.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if not text:
        return np.nan
    sign = 1.0
    if text.startswith("-"):
        sign, text = -1.0, text[1:].strip()
    for word in _HEMI_ALL:
        if text.startswith(word):
            sign *= -1.0 if word in _HEMI_NEG else 1.0
            text = text[len(word):].strip()
            break
        if text.endswith(word):
            sign *= -1.0 if word in _HEMI_NEG else 1.0
            text = text[: -len(word)].strip()
            break
    text = text.rstrip("°").strip()
    if re.fullmatch(r"\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        return sign * float(text)
    except ValueError:
        pass
    m = _DMS_RE.match(text)
    if not m:
        return np.nan
    deg = float(m.group("deg"))
    minutes = float(m.group("min") or 0.0)
    seconds = float(m.group("sec") or 0.0)
    if minutes >= 60 or seconds >= 60:
        return np.nan
    return sign * (deg + minutes / 60.0 + seconds / 3600.0)


def parse_coordinates(values: pd.Series) -> np.ndarray:
    """Vectorised :func:`parse_coordinate`: numbers directly, each distinct text parsed once."""
    numeric = np.array(pd.to_numeric(values, errors="coerce"), dtype="float64")
    todo = np.isnan(numeric) & values.notna().to_numpy()
    if todo.any():
        texts = values[todo].astype(str)
        lookup = {t: parse_coordinate(t) for t in pd.unique(texts)}
        numeric[todo] = texts.map(lookup).to_numpy(dtype="float64")
    return numeric


def _split_pairs(values: pd.Series, *, lat_first: bool) -> tuple[pd.Series, pd.Series]:
    parts = values.astype("string").str.strip().str.split(r"\s*[,，;；\s]\s*", n=1, regex=True, expand=True)
    if parts.shape[1] < 2:
        parts[1] = pd.NA
    a = parts[0].where(values.notna())
    b = parts[1].where(values.notna())
    return (b, a) if lat_first else (a, b)


def _looks_like_degrees(x: np.ndarray, y: np.ndarray) -> bool:
    """True when most coordinate pairs are plausible lon/lat (either order) in degrees."""
    ok = np.isfinite(x) & np.isfinite(y) & ~((x == 0) & (y == 0))
    if not ok.any():
        return True
    ax, ay = np.abs(x[ok]), np.abs(y[ok])
    plausible = ((ax <= 180.0) & (ay <= 90.0)) | ((ax <= 90.0) & (ay <= 180.0))
    return bool(plausible.mean() >= 0.5)


def _zone_hint(*columns: np.ndarray) -> str:
    """A suggestion for ``src_crs`` from eastings (zone-prefixed eastings name the zone)."""
    for values in columns:
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            continue
        med = float(np.median(finite))
        if med < 1e7:
            continue
        zone = int(med // 1e6)
        if 25 <= zone <= 45:
            return f"EPSG:{4513 + zone - 25} (CGCS2000 3° GK zone {zone})"
        if 13 <= zone <= 23:
            return f"EPSG:{4491 + zone - 13} (CGCS2000 6° GK zone {zone})"
    return "EPSG:4534–4554 (CGCS2000 3° GK, CM 75°E–135°E)"


# -- the reader ----------------------------------------------------------------------------

def read_cells(path: Path, fmt: str, *, sheet: str | None = None, encoding: str | None = None
               ) -> tuple[list[list[Any]], list[str], str, list[tuple[int, int, int, int]], EncodingGuess | None]:
    """The raw cells of a CSV or XLSX sheet: ``(rows, sheets, sheet_name, merged ranges, encoding)``.

    A CSV's encoding is detected unless given; undecodable text raises :class:`ImportFileError`.
    """
    if fmt == "xlsx":
        rows, sheets, sheet_name, merged = _xlsx_cells(path, sheet)
        return rows, sheets, sheet_name, merged, None
    data = path.read_bytes()
    enc = EncodingGuess(encoding, "user") if encoding else detect_text_encoding(data)
    try:
        rows = _csv_cells(data, enc.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ImportFileError("io.error.decode", file=path.name, encoding=enc.encoding,
                              detail=str(exc)) from None
    return rows, [], path.stem, [], enc


def read_headed_cells(path: Path, fmt: str, *, sheet: str | None = None, encoding: str | None = None
                      ) -> tuple[list[list[Any]], list[str], str, int, list[str], EncodingGuess | None]:
    """:func:`read_cells` and the header found in them: ``(rows, sheets, sheet_name, header_row,
    columns, encoding)``. An empty sheet or one without a header raises :class:`ImportFileError`."""
    rows, sheets, sheet_name, merged, enc = read_cells(path, fmt, sheet=sheet, encoding=encoding)
    if not any(not _is_blank(v) for r in rows for v in r):
        raise ImportFileError("io.error.empty", file=path.name)
    h, columns = find_header(rows, merged=merged)
    if h < 0:
        raise ImportFileError("io.error.no_header", file=path.name)
    return rows, sheets, sheet_name, h, columns, enc


def read_table(path: str | Path, fmt: str, *, sheet: str | None = None, encoding: str | None = None,
               src_crs: Any = None) -> tuple[ReadPart, list[str], EncodingGuess | None, list[str]]:
    """Read a CSV or XLSX table of points.

    Parameters
    ----------
    path : str or Path
    fmt : {'csv', 'xlsx'}
    sheet : str, optional
        Worksheet name (xlsx); default the first sheet with data.
    encoding : str, optional
        Text encoding of a CSV (default: detected).
    src_crs : optional
        CRS of the coordinate values; default WGS84 lon/lat when they look like degrees.

    Returns
    -------
    (part, sheets, encoding, notes)
        The part's frame has one point per accepted row, in ``src_crs`` (or EPSG:4326);
        ``part.rejected`` lists rows without usable coordinates.

    Raises
    ------
    ImportFileError
        No header or no coordinate columns found, or undecodable text.
    CRSError
        Projected values without ``src_crs``.
    """
    path = Path(path)
    notes: list[str] = []
    rows, sheets, sheet_name, h, columns, enc = read_headed_cells(path, fmt, sheet=sheet, encoding=encoding)
    width = len(columns)
    body = [(i + 1, (list(r) + [None] * width)[:width]) for i, r in enumerate(rows) if i > h]
    body = [(n, r) for n, r in body if not all(_is_blank(v) for v in r)]
    frame = pd.DataFrame([r for _, r in body], columns=columns, index=[n for n, _ in body], dtype=object)
    frame = frame.map(lambda v: None if _is_blank(v) else (v.strip() if isinstance(v, str) else v))
    # drop columns without a header and without values
    keep = [c for c in frame.columns if not (c.startswith("column_") and frame[c].isna().all())]
    frame = frame[keep]
    frame.index.name = "row"

    coord_cols = find_coordinate_columns(list(frame.columns))
    if coord_cols is None:
        raise ImportFileError("io.error.no_coordinates", file=path.name,
                              columns=", ".join(map(str, frame.columns)))
    if len(coord_cols) == 2:
        xs_raw, ys_raw = frame[coord_cols[0]], frame[coord_cols[1]]
    else:
        lat_first = normalise_name(coord_cols[0]) in _LAT_FIRST_PAIRS
        xs_raw, ys_raw = _split_pairs(frame[coord_cols[0]], lat_first=lat_first)
    x = parse_coordinates(xs_raw.astype(object))
    y = parse_coordinates(ys_raw.astype(object))

    reasons = np.full(len(frame), "", dtype=object)
    missing = xs_raw.isna().to_numpy() | ys_raw.isna().to_numpy()
    reasons[missing] = "coords_missing"
    bad = (~missing) & ~(np.isfinite(x) & np.isfinite(y))
    reasons[bad] = "coords_unparsable"
    zero = (reasons == "") & (x == 0) & (y == 0)
    reasons[zero] = "coords_zero"

    if src_crs is not None:
        crs = parse_crs(src_crs)
    elif _looks_like_degrees(np.where(reasons == "", x, np.nan), np.where(reasons == "", y, np.nan)):
        crs = CRS.from_epsg(4326)
        if (reasons == "").any():
            notes.append(tr("io.note.assumed_wgs84", file=path.name))
    else:
        raise CRSError("io.error.crs_needed", file=path.name,
                       hint=_zone_hint(np.where(reasons == "", x, np.nan), np.where(reasons == "", y, np.nan)))

    good = reasons == ""
    if crs.is_geographic:
        # lon/lat given in the wrong order (China: lat ≤ 54 < 73 ≤ lon)
        if good.any() and np.all((x[good] >= 3) & (x[good] <= 55)) and np.all((y[good] >= 72) & (y[good] <= 136)):
            x, y = y, x
            notes.append(tr("io.note.swapped_xy", x=coord_cols[0], y=coord_cols[-1]))
        out = good & ((np.abs(x) > 180) | (np.abs(y) > 90))
        reasons[out] = "coords_out_of_range"
    else:
        # Chinese survey convention: X = northing (7 digits), Y = easting (6 digits or zone-prefixed)
        if good.any():
            xg, yg = x[good], y[good]
            x_north = np.all((xg >= 1.5e6) & (xg <= 6.5e6))
            y_east = np.all(((yg >= 1e5) & (yg < 1e6)) | ((yg >= 1.3e7) & (yg < 4.6e7)))
            if x_north and y_east:
                x, y = y, x
                notes.append(tr("io.note.swapped_xy", x=coord_cols[0], y=coord_cols[-1]))

    good = reasons == ""
    rejected = []
    for lab, reason, xv, yv in zip(frame.index[~good], reasons[~good], xs_raw[~good], ys_raw[~good]):
        value = "" if xv is None and yv is None else f"{'' if xv is None or xv is pd.NA else xv}, " \
                                                    f"{'' if yv is None or yv is pd.NA else yv}"
        rejected.append((int(lab), "/".join(coord_cols), value, reason))
    gdf = gpd.GeoDataFrame(frame.loc[good].copy(),
                           geometry=gpd.points_from_xy(x[good], y[good]), crs=crs)
    part = ReadPart(name=sheet_name, frame=gdf,
                    rejected=pd.DataFrame(rejected, columns=REJECT_COLUMNS),
                    coord_columns=tuple(coord_cols))
    return part, sheets, enc, notes
