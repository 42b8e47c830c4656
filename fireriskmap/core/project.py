"""The Project: one metric CRS, the layers (GeoDataFrames keyed by kind), settings and metadata.

The project file is a GeoPackage (see :mod:`fireriskmap.storage.gpkg`). Layers are kept in the
project CRS; data in other CRSs is reprojected when set. Columns named by the layer spec are typed
by it; extra columns (e.g. analysis results added by later issues) are kept as they are.

Events (``project.events``): ``layer_changed(kind=...)``, ``layer_removed(kind=...)``,
``saved(path=...)``, ``settings_changed(key=...)``, ``table_changed(table=...)``.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from fireriskmap.core.crs import crs_code, metric_crs_for, parse_crs, require_metric, WGS84
from fireriskmap.core.events import EventEmitter
from fireriskmap.core.spec import LayerSpec, catalogue, empty_frame, get_spec
from fireriskmap.errors import CRSError, LedgerError, SchemaError
from fireriskmap.i18n import Msg

SCHEMA_VERSION = 2  # 2: project tables (hazard audit trail, inspections); files of 1 still open


def empty_layer(spec: LayerSpec, crs) -> gpd.GeoDataFrame:
    """An empty GeoDataFrame with the spec's columns and dtypes."""
    return gpd.GeoDataFrame(empty_frame(spec), geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def conform(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> gpd.GeoDataFrame:
    """Order columns as the spec (spec fields first, extras after, geometry last) and cast dtypes.

    Values are assumed already parsed (importers use :func:`~fireriskmap.core.spec.coerce_frame`).
    """
    data = {}
    for f in spec.fields:
        if f.name in gdf.columns:
            col = gdf[f.name]
            if f.dtype == "object":
                if col.dtype != object or col.isna().any():
                    col = col.astype(object).where(col.notna(), None)
            elif str(col.dtype) != f.dtype:
                try:
                    col = col.astype(f.dtype)
                except (TypeError, ValueError):
                    raise SchemaError(problem=f"{spec.kind}.{f.name}: values are not {f.type}") from None
            data[f.name] = col
        else:
            data[f.name] = pd.Series([None] * len(gdf), index=gdf.index,
                                     dtype=f.dtype if f.dtype != "object" else object)
    geom_name = gdf.geometry.name
    for col in gdf.columns:
        if col not in data and col != geom_name:
            data[col] = gdf[col]
    out = gpd.GeoDataFrame(data, geometry=gdf.geometry.values, crs=gdf.crs, index=gdf.index)
    out = out.rename_geometry("geometry") if out.geometry.name != "geometry" else out
    return out


class Project:
    """A township project. Create with :meth:`new`, open with :meth:`open`, persist with :meth:`save`."""

    def __init__(self, crs, *, name: str = "", path: str | Path | None = None) -> None:
        # ``crs=None``: not chosen yet; the first data set put in chooses it (see set_layer)
        self.crs: CRS | None = require_metric(crs) if crs is not None else None
        self.name = name
        self.path: Path | None = Path(path) if path else None
        self.layers: dict[str, gpd.GeoDataFrame] = {}
        self.settings: dict[str, Any] = {}
        self.metadata: dict[str, str] = {
            "schema_version": str(SCHEMA_VERSION),
            "created": _dt.datetime.now().isoformat(timespec="seconds"),
            "app": "fireriskmap",
        }
        self.runs: list[dict[str, Any]] = []
        # non-spatial project tables declared in fireriskmap.core.tables (audit trail, inspections)
        self.tables: dict[str, pd.DataFrame] = {}
        self.events = EventEmitter()
        self.dirty = False

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def new(cls, crs=None, *, name: str = "", centre: tuple[float, float] | None = None) -> "Project":
        """A new empty project.

        ``crs`` given; or chosen from ``centre`` (lon, lat in degrees); or, with neither, chosen
        from the first data put into the project (its centre's CGCS2000 GK zone, or UTM).
        """
        if crs is None and centre is not None:
            crs = metric_crs_for(*centre)
        return cls(crs, name=name)

    @classmethod
    def open(cls, path: str | Path) -> "Project":
        from fireriskmap.storage.gpkg import read_project

        return read_project(path)

    def save(self, path: str | Path | None = None) -> Path:
        """Save atomically to ``path`` (or the path it was opened from)."""
        from fireriskmap.storage.gpkg import write_project

        target = Path(path) if path else self.path
        if target is None:
            raise ValueError("no path to save to")
        write_project(self, target)
        self.path = target
        self.dirty = False
        self.events.emit("saved", path=target)
        return target

    # -- layers ----------------------------------------------------------------------------
    @property
    def crs_code(self) -> str | None:
        return crs_code(self.crs) if self.crs is not None else None

    def choose_crs_from(self, gdf: gpd.GeoDataFrame) -> CRS:
        """Fix the project CRS from the centre of ``gdf`` (when not chosen yet) and return it."""
        if self.crs is None:
            if gdf.crs is None:
                raise CRSError(problem=Msg("crs.data_none"))
            valid = gdf.geometry[~(gdf.geometry.is_empty | gdf.geometry.isna())]
            if valid.empty:
                raise CRSError(problem=Msg("crs.no_geometry"))
            minx, miny, maxx, maxy = valid.to_crs(WGS84).total_bounds
            self.crs = metric_crs_for((minx + maxx) / 2, (miny + maxy) / 2)
        return self.crs

    def spec(self, kind: str) -> LayerSpec:
        return get_spec(kind)

    def has_layer(self, kind: str) -> bool:
        return kind in self.layers and len(self.layers[kind]) > 0

    def layer(self, kind: str) -> gpd.GeoDataFrame:
        """The layer's GeoDataFrame (an empty one with the spec's columns when absent)."""
        if kind in self.layers:
            return self.layers[kind]
        return empty_layer(get_spec(kind), self.crs)

    def to_project_crs(self, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if gdf.crs is None:
            raise CRSError(problem=Msg("crs.data_none"))
        self.choose_crs_from(gdf)
        if CRS(gdf.crs) == self.crs:
            return gdf
        return gdf.to_crs(self.crs)

    def set_layer(self, kind: str, gdf: gpd.GeoDataFrame, *, mode: str = "replace") -> gpd.GeoDataFrame:
        """Put ``gdf`` into the project as layer ``kind`` (``mode`` 'replace' or 'append').

        Reprojects to the project CRS and conforms columns to the spec. Returns the new layer.
        The input is not mutated.
        """
        spec = get_spec(kind)
        if mode not in ("replace", "append"):
            raise ValueError(f"mode must be 'replace' or 'append', not {mode!r}")
        incoming = conform(self.to_project_crs(gdf), spec)
        if mode == "replace":
            self._check_ledger_kept(kind, spec, incoming)
        if mode == "append" and kind in self.layers and len(self.layers[kind]):
            current = self.layers[kind]
            combined = pd.concat([current, incoming], ignore_index=True)
            incoming = conform(gpd.GeoDataFrame(combined, geometry="geometry", crs=self.crs), spec)
        else:
            incoming = incoming.reset_index(drop=True)
        self.layers[kind] = incoming
        self.dirty = True
        self.events.emit("layer_changed", kind=kind)
        return incoming

    def _check_ledger_kept(self, kind: str, spec: LayerSpec, incoming: gpd.GeoDataFrame) -> None:
        """A ledger layer never loses a row: every id present before must still be there."""
        if not spec.ledger_id or kind not in self.layers or not len(self.layers[kind]):
            return
        current = self.layers[kind]
        old_ids = set(current[spec.ledger_id].dropna()) if spec.ledger_id in current else set()
        new_ids = set(incoming[spec.ledger_id].dropna()) if spec.ledger_id in incoming else set()
        missing = old_ids - new_ids
        lost = len(current) - len(incoming)
        if missing or lost > 0:
            example = sorted(missing)[0] if missing else ""
            raise LedgerError("ledger.no_delete", layer=spec.label(), n=max(len(missing), lost), example=example)

    def remove_layer(self, kind: str) -> None:
        spec = catalogue().get(kind)
        if spec is not None and spec.ledger_id and kind in self.layers and len(self.layers[kind]):
            raise LedgerError("ledger.no_delete", layer=spec.label(), n=len(self.layers[kind]), example="")
        if kind in self.layers:
            del self.layers[kind]
            self.dirty = True
            self.events.emit("layer_removed", kind=kind)

    def counts(self) -> dict[str, int]:
        return {kind: int(len(gdf)) for kind, gdf in self.layers.items()}

    def ordered_kinds(self) -> list[str]:
        """Kinds present, in drawing order (areas first, points last)."""
        order = {"polygon": 0, "line": 1, "point": 2, "none": 3}
        specs = catalogue()
        known = [k for k in self.layers if k in specs]
        known.sort(key=lambda k: (order[specs[k].geometry], 0 if specs[k].derived is False else 1))
        return known + [k for k in self.layers if k not in specs]

    def extent(self) -> tuple[float, float, float, float] | None:
        """(minx, miny, maxx, maxy) over all layers, in project CRS; None when empty."""
        boxes = [gdf.total_bounds for gdf in self.layers.values() if len(gdf)]
        boxes = [b for b in boxes if np.all(np.isfinite(b))]
        if not boxes or self.crs is None:
            return None
        arr = np.array(boxes)
        return (float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()), float(arr[:, 3].max()))

    def centre_lonlat(self) -> tuple[float, float] | None:
        ext = self.extent()
        if ext is None:
            return None
        pt = gpd.GeoSeries.from_xy([(ext[0] + ext[2]) / 2], [(ext[1] + ext[3]) / 2], crs=self.crs).to_crs(WGS84)
        return float(pt.x.iloc[0]), float(pt.y.iloc[0])

    # -- settings and runs -----------------------------------------------------------------
    def set_setting(self, key: str, value: Any) -> None:
        self.settings[key] = value
        self.dirty = True
        self.events.emit("settings_changed", key=key)

    def record_run(self, analysis: str, *, params: dict | None = None, summary: dict | None = None,
                   started: str | None = None) -> dict:
        run = {
            "analysis": analysis,
            "started": started or _dt.datetime.now().isoformat(timespec="seconds"),
            "finished": _dt.datetime.now().isoformat(timespec="seconds"),
            "params": params or {},
            "summary": summary or {},
        }
        self.runs.append(run)
        self.dirty = True
        return run

    def table(self, name: str) -> pd.DataFrame:
        """A project table (see :mod:`fireriskmap.core.tables`); an empty one when absent."""
        from fireriskmap.core.tables import empty_table

        if name in self.tables:
            return self.tables[name]
        return empty_table(name)

    def set_table(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        from fireriskmap.core.tables import conform_table

        out = conform_table(name, frame)
        self.tables[name] = out
        self.dirty = True
        self.events.emit("table_changed", table=name)
        return out

    def __repr__(self) -> str:
        return f"Project({self.name!r}, crs={self.crs_code}, layers={self.counts()})"
