"""What a reader returns: :class:`ReadResult` holding one or more :class:`ReadPart` frames.

A part is one table of features as found in the file: raw column names (or, for OpenStreetMap,
columns already named after the layer spec's fields), geometry, and the rows the reader itself
had to reject (e.g. a spreadsheet row without coordinates), each with its reason. The index of
``frame`` is the row label used in reports: the spreadsheet/CSV line number, the feature id
(FID) of a vector file, or the OSM id (``w123``/``n45``/``r6``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

__all__ = ["ReadPart", "ReadResult", "REJECT_COLUMNS", "empty_rejects", "FORMATS", "detect_format",
           "display_name"]

REJECT_COLUMNS = ["row", "field", "value", "reason"]

# format name → file name endings (lower case, longest first when matched)
FORMATS: dict[str, tuple[str, ...]] = {
    "osm": (".osm.pbf", ".osm.gz", ".osm.bz2", ".osm", ".pbf"),
    "shapefile": (".shp",),
    "zip": (".zip",),
    "geojson": (".geojson", ".json"),
    "kml": (".kml", ".kmz"),
    "gpkg": (".gpkg",),
    "vector": (".fgb", ".gml", ".gpx", ".tab", ".mif"),
    "csv": (".csv", ".txt", ".tsv"),
    "xlsx": (".xlsx", ".xlsm"),
}


def empty_rejects() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in REJECT_COLUMNS})


def detect_format(path: str | Path) -> str | None:
    """The format family of ``path`` from its name ('osm', 'shapefile', 'csv', ...), or None."""
    name = Path(path).name.lower()
    best: tuple[int, str] | None = None
    for fmt, endings in FORMATS.items():
        for ending in endings:
            if name.endswith(ending) and (best is None or len(ending) > best[0]):
                best = (len(ending), fmt)
    return best[1] if best else None


def display_name(path: str | Path) -> str:
    """The file name without its format endings: 'north-bayreuth.osm.gz' → 'north-bayreuth'."""
    name = Path(path).name
    low = name.lower()
    for endings in FORMATS.values():
        for ending in sorted(endings, key=len, reverse=True):
            if low.endswith(ending):
                return name[: len(name) - len(ending)] or name
    return Path(path).stem


@dataclass
class ReadPart:
    """One table of features read from a file.

    Attributes
    ----------
    name : str
        Layer / sheet / kind name inside the file.
    frame : geopandas.GeoDataFrame
        The usable rows, raw columns, geometry in ``frame.crs``.
    kind : str or None
        The target layer kind when the reader knows it (OSM, GeoPackage layer named after a kind).
    pre_mapped : bool
        True when the columns are already spec field names (OSM): no field mapping is needed.
    rejected : pandas.DataFrame
        Rows rejected while reading (``row, field, value, reason``); not in ``frame``.
    warnings : pandas.DataFrame
        Value problems noticed while reading, rows kept (same columns).
    coord_columns : tuple of str
        Columns used to build point geometry (tables); they are not reported as unmapped.
    """

    name: str
    frame: gpd.GeoDataFrame
    kind: str | None = None
    pre_mapped: bool = False
    rejected: pd.DataFrame = field(default_factory=empty_rejects)
    warnings: pd.DataFrame = field(default_factory=empty_rejects)
    coord_columns: tuple[str, ...] = ()

    @property
    def read_count(self) -> int:
        """Rows found in the file for this part (usable + rejected while reading)."""
        rejected_rows = self.rejected["row"].nunique() if len(self.rejected) else 0
        return int(len(self.frame) + rejected_rows)


@dataclass
class ReadResult:
    """Everything read from one file, before field mapping and import.

    Attributes
    ----------
    path : Path
    format : str
        Format family ('shapefile', 'geojson', 'kml', 'gpkg', 'csv', 'xlsx', 'osm', ...).
    parts : list of ReadPart
    layers : list of str
        Layers (or sheets) the file holds; ``parts`` may be a subset.
    encoding : str or None
        Text encoding used (Shapefile DBF, CSV), ``None`` when not applicable.
    encoding_source : str or None
        How the encoding was chosen ('cpg', 'ldid', 'content', 'bom', 'default', 'user').
    coords : str
        Offset system the coordinates were converted from ('wgs84' = none, 'gcj02', 'bd09').
    source_crs : str or None
        The CRS the file's coordinates were in (before any GCJ-02/BD-09 conversion).
    notes : list of str
        Translated remarks worth showing the user (assumed CRS, swapped columns, ...).
    """

    path: Path
    format: str
    parts: list[ReadPart]
    layers: list[str] = field(default_factory=list)
    encoding: str | None = None
    encoding_source: str | None = None
    coords: str = "wgs84"
    source_crs: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def frame(self) -> gpd.GeoDataFrame:
        """The single part's frame (parts concatenated when there are several of one kind)."""
        if len(self.parts) == 1:
            return self.parts[0].frame
        frames = [p.frame for p in self.parts if len(p.frame)]
        if not frames:
            return self.parts[0].frame
        crs = frames[0].crs
        frames = [f.to_crs(crs) if f.crs != crs else f for f in frames]
        return gpd.GeoDataFrame(pd.concat(frames), geometry=frames[0].geometry.name, crs=crs)

    def part(self, kind_or_name: str) -> ReadPart:
        for p in self.parts:
            if p.kind == kind_or_name or p.name == kind_or_name:
                return p
        raise KeyError(kind_or_name)

    @property
    def total_rows(self) -> int:
        return sum(p.read_count for p in self.parts)
