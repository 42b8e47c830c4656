"""The one entry point for bringing outside files into a project (used by the CLI and the UI).

:func:`read_file` reads any supported file into a :class:`~fireriskmap.io.base.ReadResult`
(raw columns, geometry in WGS84 or the file's CRS, rows rejected while reading);
:func:`import_file` then maps columns onto the layer spec, coerces values, fits geometries,
puts the rows into the project and reports every rejected row and every value it could not use
(a CSV beside the project, and an :class:`ImportSummary`).

Supported: Shapefile (also zipped), GeoJSON, KML/KMZ, GeoPackage, FlatGeobuf/GML/GPX/MapInfo,
CSV/TXT/TSV and XLSX point tables, OpenStreetMap (``.osm``, ``.osm.gz``, ``.osm.bz2``, ``.pbf``).
"""

from __future__ import annotations

import csv
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from fireriskmap.core.crs import WGS84, crs_code, parse_crs
from fireriskmap.core.spec import LayerSpec, catalogue, coerce_frame, get_spec, input_kinds, normalise_name
from fireriskmap.errors import CRSError, FireRiskError, ImportFileError, SchemaError
from fireriskmap.i18n import tr
from fireriskmap.io.base import FORMATS, ReadPart, ReadResult, detect_format, display_name
from fireriskmap.io.crs import COORD_SYSTEMS, frame_to_wgs84
from fireriskmap.io.geometry import fit_geometries
from fireriskmap.io.guess import coords_hint, guess_kind
from fireriskmap.progress import ProgressFn, sub_progress

__all__ = ["read_file", "import_file", "list_layers", "data_centre_lonlat", "ImportSummary",
           "KindSummary", "supported_extensions", "REPORT_COLUMNS"]

REPORT_COLUMNS = ["kind", "row", "status", "column", "field", "value", "reason", "message"]
_IGNORE = {"", "-", "none", "ignore", "skip", "忽略", "不导入"}


def supported_extensions() -> list[str]:
    """File name endings the importer reads ('.shp', '.osm.pbf', ...)."""
    return [e for endings in FORMATS.values() for e in endings]


# -- reading ---------------------------------------------------------------------------------

def list_layers(path: str | Path) -> list[str]:
    """Layers (GeoPackage, KML folders, zip members) or sheets (XLSX) a file holds.

    Single-layer formats return one name; OSM returns the kinds it can fill.
    """
    path = _check_path(path)
    fmt = detect_format(path)
    try:
        if fmt == "xlsx":
            from fireriskmap.io.tables import list_sheets

            return list_sheets(path)
        if fmt == "osm":
            from fireriskmap.io.osm import OSM_KINDS

            return list(OSM_KINDS)
        if fmt == "csv":
            return [path.stem]
        from fireriskmap.io.vector import list_vector_layers

        return list_vector_layers(path)
    except FireRiskError:
        raise
    except Exception as exc:
        raise ImportFileError("io.error.broken", file=path.name, detail=_detail(exc)) from None


def _detail(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 300 else text[:297] + "..."


def _check_path(path: str | Path) -> Path:
    path = Path(path).expanduser().absolute()
    if not path.exists():
        raise ImportFileError("io.error.not_found", file=str(path))
    if path.is_dir():
        raise ImportFileError("io.error.is_directory", file=str(path))
    if detect_format(path) is None:
        if path.suffix.lower() in (".xls", ".et", ".wps"):
            raise ImportFileError("io.error.old_excel", file=path.name)
        raise ImportFileError("io.error.unknown_format", file=path.name,
                              formats=" ".join(supported_extensions()))
    if path.stat().st_size == 0:
        raise ImportFileError("io.error.empty", file=path.name)
    return path


def _looks_like_degrees(gdf: gpd.GeoDataFrame) -> bool:
    if not len(gdf):
        return True
    b = gdf.total_bounds
    if not np.all(np.isfinite(b)):
        return True
    return bool(-180.0 <= b[0] <= 180.0 and -180.0 <= b[2] <= 180.0 and -90.0 <= b[1] <= 90.0 and -90.0 <= b[3] <= 90.0)


def _resolve_coords(coords: str | None, *texts: str) -> tuple[str, bool]:
    """The coordinate offset system to convert from, and whether it was guessed."""
    value = "auto" if coords is None else str(coords).strip().lower().replace("-", "").replace("_", "")
    if value in ("auto", ""):
        hint = coords_hint(*texts)
        return (hint, True) if hint else ("wgs84", False)
    if value in ("cgcs2000", "wgs", "gps"):
        value = "wgs84"
    if value not in COORD_SYSTEMS:
        raise CRSError("io.error.coord_system", value=coords, known=", ".join(("auto",) + COORD_SYSTEMS))
    return value, False


def read_file(path: str | Path, *, layer: str | None = None, kind: str | None = None,
              encoding: str | None = None, coords: str | None = "auto", src_crs: Any = None,
              progress: ProgressFn | None = None) -> ReadResult:
    """Read a file into raw parts, ready for mapping and import.

    Parameters
    ----------
    path : str or Path
    layer : str, optional
        Layer (GeoPackage/KML/zip member) or sheet (XLSX) to read.
    kind : str, optional
        Target layer kind. For multi-kind files (OSM, a project GeoPackage) only that kind is
        read; for others it is recorded on the parts.
    encoding : str, optional
        Text encoding of a Shapefile's DBF or a CSV (default: detected).
    coords : {'auto', 'wgs84', 'gcj02', 'bd09'}
        Offset system of lon/lat values; 'gcj02'/'bd09' are converted to WGS84. 'auto' looks for
        hints in column and file names (``高德经度``, ``bd09_lng``) and otherwise means WGS84.
    src_crs : optional
        CRS of the coordinates when the file has none (CSV/XLSX in metres, a Shapefile without
        ``.prj``), or to override a wrong one. Default: the file's CRS, or WGS84 lon/lat when the
        values look like degrees.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    ReadResult

    Raises
    ------
    ImportFileError
        Missing, empty, broken or unsupported file; missing ``.shx``/``.dbf``; unknown layer.
    CRSError
        No CRS and coordinates not in degrees (give ``src_crs``); GCJ-02/BD-09 asked for data
        not in lon/lat.
    SchemaError
        Unknown ``kind``.
    """
    path = _check_path(path)
    fmt = detect_format(path)
    report = progress or (lambda f, m="": None)
    if kind is not None:
        get_spec(kind)  # SchemaError for unknown kinds
    report(0.0, tr("io.progress.reading", file=path.name))
    enc = None
    notes: list[str] = []
    layers: list[str] = []
    try:
        if fmt == "osm":
            from fireriskmap.io.osm import OSM_KINDS, read_osm

            wanted = (kind,) if kind else None
            if kind is not None and kind not in OSM_KINDS:
                raise ImportFileError("io.error.kind_not_in_file", file=path.name, kind=kind,
                                      kinds=", ".join(OSM_KINDS))
            parts = read_osm(path, kinds=wanted, progress=sub_progress(progress, 0.0, 0.9))
            layers = [p.name for p in parts]
        elif fmt in ("csv", "xlsx"):
            from fireriskmap.io.tables import read_table

            part, layers, enc, notes = read_table(path, fmt, sheet=layer, encoding=encoding, src_crs=src_crs)
            parts = [part]
        else:
            from fireriskmap.io.vector import read_vector

            parts, layers, enc = read_vector(path, fmt, layer=layer, encoding=encoding)
    except FireRiskError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # GDAL, zip, XML, openpyxl, osmium errors: the file is broken
        raise ImportFileError("io.error.broken", file=path.name, detail=_detail(exc)) from None
    report(0.9, tr("io.progress.checking"))

    if kind is not None:
        mine = [p for p in parts if p.kind in (None, kind)]
        for p in parts:
            if p.kind not in (None, kind) and fmt != "osm":
                notes.append(tr("io.note.layer_skipped", layer=p.name, kind=get_spec(p.kind).label()))
        if not mine:
            raise ImportFileError("io.error.kind_not_in_file", file=path.name, kind=kind,
                                  kinds=", ".join(sorted({p.kind for p in parts if p.kind})))
        for p in mine:
            p.kind = kind
        parts = mine
    if not parts or all(len(p.frame) == 0 and len(p.rejected) == 0 for p in parts):
        raise ImportFileError("io.error.no_features", file=path.name)

    # CRS: the file's, the user's override, or lon/lat when the values are degrees
    source_crs: CRS | None = None
    for p in parts:
        frame = p.frame
        if src_crs is not None and fmt not in ("csv", "xlsx", "osm"):
            frame = frame.set_crs(parse_crs(src_crs), allow_override=True)
        elif frame.crs is None:
            if _looks_like_degrees(frame):
                frame = frame.set_crs(4326)
                notes.append(tr("io.note.assumed_wgs84", file=path.name))
            else:
                raise CRSError("io.error.crs_needed", file=path.name, hint="EPSG:4534–4554 (CGCS2000 3° GK)")
        p.frame = frame
        source_crs = source_crs or (CRS(frame.crs) if frame.crs is not None else None)

    # GCJ-02 / BD-09 offsets
    hint_texts = [path.name] + [c for p in parts for c in p.coord_columns]
    system, guessed = _resolve_coords(coords, *hint_texts)
    if system != "wgs84":
        for p in parts:
            if p.frame.crs is not None and not CRS(p.frame.crs).is_geographic:
                if guessed:
                    system = "wgs84"
                    break
                raise CRSError("io.error.offset_needs_lonlat", crs=CRS(p.frame.crs).to_string())
        if system != "wgs84":
            for p in parts:
                p.frame = frame_to_wgs84(p.frame, source=system)
            key = "io.note.coords_guessed" if guessed else "io.note.coords_converted"
            notes.append(tr(key, system=tr(f"io.coords.{system}")))
    report(1.0, "")
    return ReadResult(path=path, format=fmt, parts=parts, layers=layers,
                      encoding=enc.encoding if enc else None, encoding_source=enc.source if enc else None,
                      coords=system, source_crs=crs_code(source_crs) if source_crs is not None else None,
                      notes=list(dict.fromkeys(notes)))


def data_centre_lonlat(read_result: ReadResult) -> tuple[float, float]:
    """Centre (lon, lat) in WGS84 degrees of everything read — to choose a project CRS.

    Uses the middle of the bounding box of all parts (after any GCJ-02/BD-09 conversion).

    Raises
    ------
    CRSError
        When nothing has a usable geometry.
    """
    boxes = []
    for p in read_result.parts:
        frame = p.frame[~(p.frame.geometry.isna() | p.frame.geometry.is_empty)]
        if not len(frame) or frame.crs is None:
            continue
        b = frame.to_crs(WGS84).total_bounds
        if np.all(np.isfinite(b)):
            boxes.append(b)
    if not boxes:
        raise CRSError("io.error.no_extent", file=read_result.path.name)
    arr = np.array(boxes)
    return (float((arr[:, 0].min() + arr[:, 2].max()) / 2.0), float((arr[:, 1].min() + arr[:, 3].max()) / 2.0))


# -- importing -------------------------------------------------------------------------------

@dataclass
class KindSummary:
    """What happened to one layer kind during an import (counts are rows/features)."""

    kind: str
    read: int = 0
    imported: int = 0
    rejected: int = 0
    repaired: int = 0
    converted: int = 0
    warnings: int = 0
    mapping: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    layer_total: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "read": self.read, "imported": self.imported, "rejected": self.rejected,
                "repaired": self.repaired, "converted": self.converted, "warnings": self.warnings,
                "mapping": dict(self.mapping), "unmapped": list(self.unmapped),
                "layer_total": self.layer_total}


@dataclass
class ImportSummary:
    """The outcome of :func:`import_file`.

    Attributes
    ----------
    path : Path
        The imported file.
    format : str
    mode : str
        'append' or 'replace'.
    kinds : dict of str → KindSummary
    encoding, coords, source_crs : as in :class:`~fireriskmap.io.base.ReadResult`
    notes : list of str
        Translated remarks (CRS assumed, columns swapped, kinds left untouched, ...).
    report_path : Path or None
        The CSV listing every rejected row and warning (None when there were none).
    issues : pandas.DataFrame
        The same rows as the report (columns :data:`REPORT_COLUMNS`; ``status`` is the code
        'rejected' or 'warning', ``message`` is translated), for the UI.
    """

    path: Path
    format: str
    mode: str
    kinds: dict[str, KindSummary] = field(default_factory=dict)
    encoding: str | None = None
    coords: str = "wgs84"
    source_crs: str | None = None
    notes: list[str] = field(default_factory=list)
    report_path: Path | None = None
    issues: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REPORT_COLUMNS), repr=False)

    @property
    def read(self) -> int:
        return sum(k.read for k in self.kinds.values())

    @property
    def imported(self) -> int:
        return sum(k.imported for k in self.kinds.values())

    @property
    def rejected(self) -> int:
        return sum(k.rejected for k in self.kinds.values())

    @property
    def repaired(self) -> int:
        return sum(k.repaired for k in self.kinds.values())

    @property
    def warnings(self) -> int:
        return sum(k.warnings for k in self.kinds.values())

    def describe(self, lang: str | None = None) -> str:
        """A short human-readable account, one line per kind, in ``lang`` (default: current)."""
        lines = [tr("io.summary.file", lang=lang, file=self.path.name, mode=tr(f"io.summary.mode_{self.mode}", lang=lang))]
        specs = catalogue()
        for kind, k in self.kinds.items():
            label = specs[kind].label(lang) if kind in specs else kind
            lines.append(tr("io.summary.kind", lang=lang, kind=label, read=k.read, imported=k.imported,
                            rejected=k.rejected, repaired=k.repaired, warnings=k.warnings, total=k.layer_total))
            if k.unmapped:
                lines.append(tr("io.summary.unmapped", lang=lang, columns=", ".join(k.unmapped)))
        lines.extend(f"  {n}" for n in self.notes)
        if self.report_path:
            lines.append(tr("io.summary.report", lang=lang, file=str(self.report_path)))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (paths as text)."""
        return {
            "path": str(self.path), "format": self.format, "mode": self.mode,
            "encoding": self.encoding, "coords": self.coords, "source_crs": self.source_crs,
            "read": self.read, "imported": self.imported, "rejected": self.rejected,
            "repaired": self.repaired, "warnings": self.warnings,
            "kinds": {k: s.to_dict() for k, s in self.kinds.items()},
            "notes": list(self.notes),
            "report_path": str(self.report_path) if self.report_path else None,
        }


def _build_mapping(spec: LayerSpec, columns: list[str], explicit: Mapping[str, str | None] | None,
                   *, pre_mapped: bool, file_name: str, strict: bool = True) -> dict[str, str]:
    """``{file column: field}``: automatic, then the user's mapping on top.

    With ``strict`` (a single table), a mapped column missing from the file or a field missing
    from the spec is an error; otherwise (several tables) such entries are skipped here and
    checked across all tables by the caller.
    """
    if pre_mapped:
        mapping = {c: c for c in columns if spec.has_field(c)}
    else:
        mapping = spec.auto_mapping(columns)
        mapping.update(_label_part_mapping(spec, [c for c in columns if c not in mapping],
                                           used=set(mapping.values())))
    if not explicit:
        return mapping
    lookup = {str(c): c for c in columns}
    lookup_lower = {str(c).strip().lower(): c for c in columns}
    for col, target in explicit.items():
        key = lookup.get(str(col)) or lookup_lower.get(str(col).strip().lower())
        if key is None:
            if not strict:
                continue
            raise SchemaError("io.error.mapping_column", column=col, file=file_name,
                              columns=", ".join(map(str, columns)))
        if target is None or str(target).strip().lower() in _IGNORE:
            mapping.pop(key, None)
            continue
        target = str(target).strip()
        if not spec.has_field(target):
            target = spec.match_column(target) or target
        if not spec.has_field(target):
            if not strict:
                continue
            raise SchemaError("io.error.mapping_field", field=target, kind=spec.kind,
                              fields=", ".join(spec.field_names))
        for other, f in list(mapping.items()):
            if f == target and other != key:
                del mapping[other]
        mapping[key] = target
    return mapping


def _label_part_mapping(spec: LayerSpec, columns: list[str], *, used: set[str]) -> dict[str, str]:
    """Fallback matching on the parts of two-part labels: '所属村/社区' matches '所属村' and '社区'."""
    parts: dict[str, str] = {}
    for f in spec.fields:
        if f.name in used:
            continue
        for text in f.labels.values():
            pieces = re.split(r"[/／、]", text)
            if len(pieces) < 2:
                continue
            for piece in pieces:
                key = normalise_name(piece)
                if key:
                    parts.setdefault(key, f.name)
    out: dict[str, str] = {}
    for col in columns:
        target = parts.get(normalise_name(col))
        if target and target not in used:
            out[col] = target
            used.add(target)
    return out


def _reason_message(reason: str) -> str:
    text = tr(f"io.reason.{reason}")
    return reason if text == f"io.reason.{reason}" else text


def _as_text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _choose_kind(part: ReadPart, kind: str | None, file_name: str) -> str:
    if part.kind:
        return part.kind
    if kind:
        return kind
    columns = [c for c in part.frame.columns if c != part.frame.geometry.name and c not in part.coord_columns]
    guessed = guess_kind(name=part.name, columns=columns, geoms=part.frame.geometry,
                         file_name=display_name(file_name))
    if guessed is None:
        raise SchemaError("io.error.kind_unknown", file=file_name, layer=part.name,
                          kinds=", ".join(input_kinds()))
    return guessed


def _process_part(part: ReadPart, kind: str, *, explicit: Mapping[str, str | None] | None,
                  file_name: str, strict: bool = True) -> tuple[gpd.GeoDataFrame, list[tuple], KindSummary]:
    spec = get_spec(kind)
    if spec.derived or spec.geometry == "none":
        raise SchemaError("io.error.kind_not_importable", kind=kind, kinds=", ".join(input_kinds()))
    frame = part.frame
    geom_name = frame.geometry.name
    columns = [c for c in frame.columns if c != geom_name and c not in part.coord_columns]
    mapping = _build_mapping(spec, columns, explicit, pre_mapped=part.pre_mapped, file_name=file_name,
                             strict=strict)
    reverse = {f: c for c, f in mapping.items()}
    unmapped = [] if part.pre_mapped else [str(c) for c in columns if c not in mapping]
    raw = pd.DataFrame({f: frame[c].to_numpy(dtype=object) for c, f in mapping.items()}, index=frame.index)
    values, problems, required = coerce_frame(spec, raw)
    fit = fit_geometries(frame.geometry, spec.geometry)

    issues: list[tuple] = []  # (kind, row, status, column, field, value, reason)
    for r in part.rejected.itertuples(index=False):
        issues.append((kind, r.row, "rejected", r.field, r.field if spec.has_field(str(r.field)) else "",
                       r.value, r.reason))
    labels = frame.index.to_numpy()
    position = {lab: i for i, lab in enumerate(labels)}
    reject_mask = ~fit.ok
    for i in np.flatnonzero(~fit.ok):
        issues.append((kind, labels[i], "rejected", "geometry", "", "", fit.reason[i]))
    for r in required.itertuples(index=False):
        i = position.get(r.row)
        if i is not None:
            reject_mask[i] = True
        issues.append((kind, r.row, "rejected", reverse.get(r.field, ""), r.field, "", r.reason))
    for r in problems.itertuples(index=False):
        i = position.get(r.row)
        status = "rejected" if i is not None and reject_mask[i] else "warning"
        issues.append((kind, r.row, status, reverse.get(r.field, r.field), r.field, r.value, r.reason))
    for i in np.flatnonzero(fit.repaired & ~reject_mask):
        issues.append((kind, labels[i], "warning", "geometry", "", "", "geometry_repaired"))
    for i in np.flatnonzero(fit.converted & ~reject_mask):
        issues.append((kind, labels[i], "warning", "geometry", "", "", "geometry_converted"))
    for r in part.warnings.itertuples(index=False):
        issues.append((kind, r.row, "warning", reverse.get(r.field, r.field), r.field, r.value, r.reason))

    keep = ~reject_mask
    gdf = gpd.GeoDataFrame(values.loc[keep].reset_index(drop=True),
                           geometry=gpd.GeoSeries(fit.geometries[keep], crs=frame.crs), crs=frame.crs)
    rejected_rows = {(i[1]) for i in issues if i[2] == "rejected"}
    summary = KindSummary(
        kind=kind, read=part.read_count, imported=int(keep.sum()), rejected=len(rejected_rows),
        repaired=int((fit.repaired & keep).sum()), converted=int((fit.converted & keep).sum()),
        warnings=sum(1 for i in issues if i[2] == "warning"),
        mapping={str(c): f for c, f in mapping.items()}, unmapped=unmapped)
    return gdf, issues, summary


def _check_mapping_across(parts: list[ReadPart], explicit: Mapping[str, str | None], file_name: str) -> None:
    """Each mapped column must exist in some table, each field in some target spec."""
    columns = {str(c).strip().lower() for p in parts for c in p.frame.columns}
    specs = catalogue()
    kinds = [p.kind for p in parts if p.kind in specs]
    for col, target in explicit.items():
        if str(col).strip().lower() not in columns:
            raise SchemaError("io.error.mapping_column", column=col, file=file_name,
                              columns=", ".join(sorted(columns)))
        if target is None or str(target).strip().lower() in _IGNORE or not kinds:
            continue
        if not any(specs[k].has_field(str(target).strip()) or specs[k].match_column(str(target))
                   for k in kinds):
            raise SchemaError("io.error.mapping_field", field=target, kind="/".join(kinds),
                              fields=", ".join(dict.fromkeys(f for k in kinds for f in specs[k].field_names)))


def _merge(a: KindSummary, b: KindSummary) -> KindSummary:
    a.read += b.read
    a.imported += b.imported
    a.rejected += b.rejected
    a.repaired += b.repaired
    a.converted += b.converted
    a.warnings += b.warnings
    a.mapping.update(b.mapping)
    a.unmapped = list(dict.fromkeys(a.unmapped + b.unmapped))
    return a


def _write_report(issues: pd.DataFrame, target: Path) -> Path:
    """Write the issue table as CSV in UTF-8 with BOM (Excel shows the Chinese correctly)."""
    headers = [tr(f"io.report.{c}") for c in REPORT_COLUMNS]
    specs = catalogue()

    def field_label(row) -> str:
        spec = specs.get(row.kind)
        return spec.field(row.field).label() if spec is not None and row.field and spec.has_field(row.field) \
            else row.field

    issues = issues.assign(
        kind=issues["kind"].map(lambda k: specs[k].label() if k in specs else k),
        field=[field_label(r) for r in issues.itertuples(index=False)],
        status=issues["status"].map(lambda s: tr(f"io.status.{s}")))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(issues[REPORT_COLUMNS].itertuples(index=False, name=None))
    tmp.replace(target)
    return target


def import_file(project, path: str | Path, *, kind: str | None = None,
                mapping: Mapping[str, str | None] | None = None, layer: str | None = None,
                encoding: str | None = None, coords: str | None = None, src_crs: Any = None,
                mode: str = "append", report_dir: str | Path | None = None,
                progress: ProgressFn | None = None) -> ImportSummary:
    """Import a file into ``project``: read, map fields, check, and set the layer(s).

    Parameters
    ----------
    project : fireriskmap.core.project.Project
        Changed in place through :meth:`~fireriskmap.core.project.Project.set_layer`.
    path : str or Path
    kind : str, optional
        Target layer kind; guessed from the file/layer name, the geometry and the columns when
        not given (OSM fills several kinds at once; with ``kind`` only that one).
    mapping : dict, optional
        ``{file column: field}`` overriding the automatic mapping (field by name or label);
        map a column to ``None`` or ``"-"`` to leave it out.
    layer : str, optional
        Layer or sheet to read.
    encoding, coords, src_crs :
        As in :func:`read_file` (``coords=None`` means 'auto').
    mode : {'append', 'replace'}
        Append to the project's layer or replace it. A kind with no accepted rows is left as it was.
    report_dir : str or Path, optional
        Folder for ``<file name>.rejected.csv`` (default: beside the project file, else beside
        the input file, else the temporary folder).
    progress : callable, optional

    Returns
    -------
    ImportSummary

    Raises
    ------
    ImportFileError, CRSError, SchemaError
        See :func:`read_file`; SchemaError also for an unknown column or field in ``mapping``,
        or when the kind cannot be guessed.
    """
    if mode not in ("append", "replace"):
        raise ValueError(f"mode must be 'append' or 'replace', not {mode!r}")
    report = progress or (lambda f, m="": None)
    result = read_file(path, layer=layer, kind=kind, encoding=encoding, coords=coords, src_crs=src_crs,
                       progress=sub_progress(progress, 0.0, 0.6))
    file_name = result.path.name
    report(0.6, tr("io.progress.checking"))
    frames: dict[str, list[gpd.GeoDataFrame]] = {}
    all_issues: list[tuple] = []
    kinds: dict[str, KindSummary] = {}
    strict = len(result.parts) == 1
    if mapping and not strict:
        _check_mapping_across(result.parts, mapping, file_name)
    for part in result.parts:
        target = _choose_kind(part, kind, file_name)
        gdf, issues, summary = _process_part(part, target, explicit=mapping, file_name=file_name,
                                             strict=strict)
        frames.setdefault(target, []).append(gdf)
        all_issues.extend(issues)
        kinds[target] = _merge(kinds[target], summary) if target in kinds else summary
    report(0.85, tr("io.progress.adding"))
    notes = list(result.notes)
    if getattr(project, "crs", None) is None and hasattr(project, "choose_crs_from") and any(
            len(g) for gdfs in frames.values() for g in gdfs):
        # a project without a CRS yet takes it from the centre of everything in the file
        lon, lat = data_centre_lonlat(result)
        project.choose_crs_from(gpd.GeoDataFrame(geometry=gpd.points_from_xy([lon], [lat]), crs=WGS84))
    for target, gdfs in frames.items():
        gdfs = [g for g in gdfs if len(g)]
        if not gdfs:
            notes.append(tr("io.note.kind_untouched", kind=get_spec(target).label()))
            kinds[target].layer_total = len(project.layer(target)) if project.has_layer(target) else 0
            continue
        crs = gdfs[0].crs
        combined = gpd.GeoDataFrame(pd.concat([g.to_crs(crs) for g in gdfs], ignore_index=True),
                                    geometry="geometry", crs=crs) if len(gdfs) > 1 else gdfs[0]
        layer_now = project.set_layer(target, combined, mode=mode)
        kinds[target].layer_total = int(len(layer_now))

    issues = pd.DataFrame(all_issues, columns=REPORT_COLUMNS[:-1])
    issues["row"] = issues["row"].map(_as_text)
    issues["value"] = issues["value"].map(_as_text)
    issues["message"] = issues["reason"].map(_reason_message)
    if len(issues):
        # file order within each kind: numeric row labels by number, others as text
        kind_order = {k: i for i, k in enumerate(dict.fromkeys(issues["kind"]))}
        numeric = pd.to_numeric(issues["row"], errors="coerce")
        issues = (issues.assign(_k=issues["kind"].map(kind_order), _n=numeric.fillna(np.inf))
                  .sort_values(["_k", "_n", "row"], kind="stable").drop(columns=["_k", "_n"])
                  .reset_index(drop=True))
    report_path = None
    if len(issues):
        name = f"{display_name(result.path)}.rejected.csv"
        folders = [Path(report_dir)] if report_dir else []
        if not report_dir:
            if getattr(project, "path", None):
                folders.append(Path(project.path).parent)
            folders += [result.path.parent, Path(tempfile.gettempdir())]
        for folder in folders:
            try:
                report_path = _write_report(issues, folder / name)
                break
            except OSError:
                if report_dir:
                    raise ImportFileError("io.error.report_unwritable", file=str(folder / name)) from None
                continue
    report(1.0, "")
    return ImportSummary(path=result.path, format=result.format, mode=mode, kinds=kinds,
                         encoding=result.encoding, coords=result.coords, source_crs=result.source_crs,
                         notes=notes, report_path=report_path, issues=issues)
