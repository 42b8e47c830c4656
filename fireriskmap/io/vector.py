"""Reading vector files through GDAL (pyogrio): Shapefile (also zipped), GeoJSON, KML/KMZ,
GeoPackage and a few others (FlatGeobuf, GML, GPX, MapInfo).

Shapefiles are checked for their ``.shx`` and ``.dbf`` before GDAL sees them (a clear message
instead of GDAL's), and their DBF encoding is detected (:mod:`fireriskmap.io.encoding`) so a
legacy GBK file without ``.cpg`` reads without mojibake. Files with several layers: the layer
asked for; else the only one; else every layer whose name names a kind (``buildings``,
``消火栓``...) — a fireriskmap project file reads this way; else (KML folders) all layers
together; else an error listing the layers.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyogrio

from fireriskmap.errors import ImportFileError
from fireriskmap.io.base import ReadPart, detect_format
from fireriskmap.io.encoding import EncodingGuess, detect_dbf_encoding, find_sidecar
from fireriskmap.io.guess import kind_from_name

__all__ = ["read_vector", "list_vector_layers", "shapefile_members"]

# LIBKML bookkeeping columns, dropped when they hold nothing useful
_KML_NOISE = ("timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude", "visibility",
              "drawOrder", "icon", "snippet")
_VECTOR_IN_ZIP = (".shp", ".geojson", ".json", ".kml", ".gpkg", ".fgb", ".gml")


def shapefile_members(names: list[str]) -> dict[str, dict[str, str]]:
    """Group archive member names into shapefiles: ``{shp member: {'.dbf': member, ...}}``."""
    by_stem: dict[str, dict[str, str]] = {}
    for name in names:
        p = PurePosixPath(name)
        if p.name.startswith("._") or "__MACOSX" in p.parts:
            continue
        by_stem.setdefault(str(p.with_suffix("")).lower(), {})[p.suffix.lower()] = name
    return {files[".shp"]: files for files in by_stem.values() if ".shp" in files}


def _check_shapefile(path: Path) -> None:
    for suffix in (".shx", ".dbf"):
        if find_sidecar(path, suffix) is None:
            raise ImportFileError("io.error.missing_sidecar", file=path.name, missing=path.stem + suffix)


def _zip_targets(path: Path) -> tuple[list[str], dict[str, EncodingGuess]]:
    """Vector members of a zip archive (as /vsizip/ paths) and detected encodings of shapefiles."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            shps = shapefile_members(names)
            targets: list[str] = []
            encodings: dict[str, EncodingGuess] = {}
            for shp, files in shps.items():
                for suffix in (".shx", ".dbf"):
                    if suffix not in files:
                        raise ImportFileError("io.error.missing_sidecar", file=path.name,
                                              missing=str(PurePosixPath(shp).with_suffix(suffix)))
                cpg = zf.read(files[".cpg"]).decode("ascii", "ignore") if ".cpg" in files else None
                with zf.open(files[".dbf"]) as fh:
                    dbf = fh.read(1 << 20)
                vsi = f"/vsizip/{path.resolve()}/{shp}"
                targets.append(vsi)
                encodings[vsi] = detect_dbf_encoding(shp, dbf_bytes=dbf, cpg_text=cpg)
            for name in names:
                low = name.lower()
                if low.endswith(_VECTOR_IN_ZIP) and not low.endswith(".shp") and "__macosx" not in low:
                    targets.append(f"/vsizip/{path.resolve()}/{name}")
    except zipfile.BadZipFile as exc:
        raise ImportFileError("io.error.broken", file=path.name, detail=str(exc)) from None
    if not targets:
        raise ImportFileError("io.error.zip_no_data", file=path.name)
    return targets, encodings


def _layers_of(source: str) -> list[str]:
    """Layers with geometry of a GDAL data source."""
    layers = pyogrio.list_layers(source)
    with_geom = [str(name) for name, gtype in layers if gtype is not None]
    return with_geom or [str(name) for name, _ in layers]


def list_vector_layers(path: str | Path) -> list[str]:
    """Names of the layers in a vector file (for a zip: the data files it holds)."""
    path = Path(path)
    if detect_format(path) == "zip":
        targets, _ = _zip_targets(path)
        return [PurePosixPath(t).stem for t in targets]
    return _layers_of(str(path))


def _read_one(source: str, layer: str | None, encoding: str | None) -> gpd.GeoDataFrame:
    kwargs = {"layer": layer, "fid_as_index": True}
    if encoding:
        kwargs["encoding"] = encoding
    gdf = pyogrio.read_dataframe(source, **kwargs)
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        gdf = gpd.GeoDataFrame(gdf, geometry=gpd.GeoSeries([None] * len(gdf), index=gdf.index))
    drop = [c for c in _KML_NOISE if c in gdf.columns and (gdf[c].isna().all() or gdf[c].nunique() <= 1)]
    if drop:
        gdf = gdf.drop(columns=drop)
    if not gdf.index.is_unique:
        gdf = gdf.reset_index(drop=True)
        gdf.index = gdf.index + 1
    gdf.index.name = "fid"
    return gdf


def _choose(layers: list[str], layer: str | None, file_name: str, *, concat_ok: bool
            ) -> tuple[list[tuple[str, str | None]], bool]:
    """The layers to read, each with a kind hint, and whether to concatenate them."""
    if layer is not None:
        match = [n for n in layers if n == layer] or [n for n in layers if n.lower() == str(layer).lower()]
        if not match:
            raise ImportFileError("io.error.layer_not_found", file=file_name, layer=layer,
                                  layers=", ".join(layers))
        return [(match[0], None)], False
    if len(layers) == 1:
        return [(layers[0], None)], False
    hinted = [(n, kind_from_name(n)) for n in layers]
    if all(k for _, k in hinted):
        return hinted, False
    if concat_ok:
        return [(n, k) for n, k in hinted], True
    if any(k for _, k in hinted):
        return [(n, k) for n, k in hinted if k], False
    raise ImportFileError("io.error.choose_layer", file=file_name, layers=", ".join(layers))


def read_vector(path: str | Path, fmt: str, *, layer: str | None = None, encoding: str | None = None
                ) -> tuple[list[ReadPart], list[str], EncodingGuess | None]:
    """Read a vector file into parts (raw columns, file CRS, FID index).

    Parameters
    ----------
    path : str or Path
    fmt : str
        Format family from :func:`~fireriskmap.io.base.detect_format`.
    layer : str, optional
        Layer (GeoPackage, KML folder, zip member stem) to read.
    encoding : str, optional
        Attribute encoding (Shapefile); default: detected.

    Returns
    -------
    (parts, layers, encoding)
    """
    path = Path(path)
    enc: EncodingGuess | None = None
    if fmt == "shapefile":
        _check_shapefile(path)
        enc = EncodingGuess(encoding, "user") if encoding else detect_dbf_encoding(path)
        gdf = _read_one(str(path), None, enc.encoding)
        return [ReadPart(name=path.stem, frame=gdf)], [path.stem], enc
    if fmt == "zip":
        targets, encodings = _zip_targets(path)
        names = [PurePosixPath(t).stem for t in targets]
        if layer is None and len(targets) > 1:
            # several data files: keep those whose names name a kind, else ask
            hinted = [(t, kind_from_name(PurePosixPath(t).stem)) for t in targets]
            chosen = [(t, k) for t, k in hinted if k]
            if not chosen:
                raise ImportFileError("io.error.choose_layer", file=path.name, layers=", ".join(names))
        elif layer is not None:
            chosen = [(t, None) for t in targets if PurePosixPath(t).stem.lower() == str(layer).lower()]
            if not chosen:
                raise ImportFileError("io.error.layer_not_found", file=path.name, layer=layer,
                                      layers=", ".join(names))
        else:
            chosen = [(targets[0], None)]
        parts = []
        for target, kind in chosen:
            target_enc = (EncodingGuess(encoding, "user") if encoding else encodings.get(target))
            if target_enc is not None:
                enc = target_enc
            sub_layers = _layers_of(target)
            for sub in sub_layers:
                gdf = _read_one(target, sub if len(sub_layers) > 1 else None,
                                target_enc.encoding if target_enc else None)
                parts.append(ReadPart(name=PurePosixPath(target).stem if len(sub_layers) == 1 else sub,
                                      frame=gdf, kind=kind))
        return parts, names, enc
    layers = _layers_of(str(path))
    chosen, concat = _choose(layers, layer, path.name, concat_ok=(fmt == "kml"))
    parts = []
    for name, kind in chosen:
        gdf = _read_one(str(path), name, None)
        parts.append(ReadPart(name=name, frame=gdf, kind=kind))
    if concat:
        keep = [p for p in parts if p.kind]
        rest = [p for p in parts if not p.kind and len(p.frame)]
        if rest:
            frames = []
            for p in rest:
                f = p.frame.copy()
                f.index = [f"{p.name}:{i}" for i in f.index]
                frames.append(f)
            crs = frames[0].crs
            merged = gpd.GeoDataFrame(pd.concat([f.to_crs(crs) if f.crs != crs else f for f in frames]),
                                      geometry=frames[0].geometry.name, crs=crs)
            merged.index.name = "fid"
            keep.append(ReadPart(name=", ".join(p.name for p in rest), frame=merged))
        parts = keep
    return parts, layers, enc
