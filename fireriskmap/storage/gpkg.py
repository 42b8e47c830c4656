"""Read and write the project GeoPackage (DESIGN.md §6).

Layout of a project file:

- one feature table per layer kind (name = kind), written with pyogrio in the project CRS;
- ``frm_meta`` (key, value): schema version, app version, project name, CRS, timestamps;
- ``frm_settings`` (key, value as JSON);
- ``frm_runs`` (id, analysis, started, finished, params JSON, summary JSON);
- ``frm_<name>`` for each project table declared in :mod:`fireriskmap.core.tables` (the hazard
  ledger's audit trail, inspections), from schema version 2.

The project tables are plain attribute tables registered in ``gpkg_contents`` (data_type
``attributes``) so QGIS and ArcGIS list them. Saving is atomic: everything is written to a
temporary file beside the target, checked, then moved over it with ``os.replace``; a crash or a kill
at any moment leaves either the old file or the new one, never a half-written project.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sqlite3
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS
from sqlalchemy import Column, Float, Integer, MetaData, Table, Text, create_engine, insert, inspect, select

from fireriskmap import __version__
from fireriskmap.core.crs import CGCS2000, crs_code, parse_crs
from fireriskmap.core.project import SCHEMA_VERSION, Project, conform
from fireriskmap.core.spec import catalogue
from fireriskmap.core.tables import TABLES, conform_table
from fireriskmap.errors import ProjectFileError
from fireriskmap.i18n import Msg

META_TABLE = "frm_meta"
SETTINGS_TABLE = "frm_settings"
RUNS_TABLE = "frm_runs"
PROJECT_TABLES = (META_TABLE, SETTINGS_TABLE, RUNS_TABLE)

_metadata = MetaData()
meta_table = Table(META_TABLE, _metadata,
                   Column("key", Text, primary_key=True), Column("value", Text))
settings_table = Table(SETTINGS_TABLE, _metadata,
                       Column("key", Text, primary_key=True), Column("value", Text))
runs_table = Table(RUNS_TABLE, _metadata,
                   Column("id", Integer, primary_key=True, autoincrement=True),
                   Column("analysis", Text, nullable=False),
                   Column("started", Text), Column("finished", Text),
                   Column("params", Text), Column("summary", Text))

_DESCRIPTIONS = {
    META_TABLE: "fireriskmap project metadata",
    SETTINGS_TABLE: "fireriskmap project settings (JSON values)",
    RUNS_TABLE: "fireriskmap analysis runs",
}

_SQL_TYPES = {"int": Integer, "float": Float, "str": Text}
data_tables: dict[str, Table] = {}
for _spec in TABLES.values():
    data_tables[_spec.name] = Table(f"frm_{_spec.name}", _metadata,
                                    Column("fid", Integer, primary_key=True, autoincrement=True),
                                    *[Column(c, _SQL_TYPES[t]) for c, t in _spec.columns])
    _DESCRIPTIONS[f"frm_{_spec.name}"] = _spec.description
DATA_TABLES = tuple(f"frm_{name}" for name in TABLES)


def _records(name: str, frame) -> list[dict[str, Any]]:
    frame = conform_table(name, frame).astype(object)
    frame = frame.where(frame.notna(), None)
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in rec.items()} for rec in frame.to_dict("records")]


def _engine(path: Path):
    return create_engine(f"sqlite:///{path}", future=True)


def _write_layers(project: Project, path: Path) -> None:
    kinds = [k for k in project.layers]
    specs = catalogue()
    if not kinds:
        # an empty project still needs a valid GeoPackage with the CRS registered
        from fireriskmap.core.project import empty_layer
        from fireriskmap.core.spec import get_spec

        layers = {"villages": empty_layer(get_spec("villages"), project.crs or CGCS2000)}
    else:
        layers = {k: project.layers[k] for k in kinds}
    for kind, gdf in layers.items():
        out = gdf
        crs = project.crs or CGCS2000
        if out.crs is None or CRS(out.crs) != crs:
            out = out.set_crs(crs, allow_override=True) if out.crs is None else out.to_crs(crs)
        # Written through Arrow so nullable ints/bools keep their types (QGIS sees integers and
        # booleans, not reals). Text-like columns get an explicit string type, so a column that
        # is entirely empty still has a type.
        spec = specs.get(kind)
        types = {f.name: f.type for f in spec.fields} if spec else {}
        data = {}
        for col in out.columns:
            if col == out.geometry.name:
                continue
            series = out[col]
            if types.get(col) in ("str", "enum", "date") or series.dtype == object:
                series = series.astype(object).where(series.notna(), None).astype("string")
            data[col] = series
        frame = gpd.GeoDataFrame(data, geometry=out.geometry.values, crs=crs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pyogrio.write_dataframe(frame, path, layer=kind, driver="GPKG", use_arrow=True,
                                    layer_options={"SPATIAL_INDEX": "YES"})


def _write_tables(project: Project, path: Path) -> None:
    engine = _engine(path)
    try:
        _metadata.create_all(engine)
        now = _dt.datetime.now().isoformat(timespec="seconds")
        meta = dict(project.metadata)
        meta.pop("file_schema_version", None)
        meta.update({
            "schema_version": str(SCHEMA_VERSION),
            "app_version": __version__,
            "name": project.name or "",
            "crs": crs_code(project.crs) if project.crs is not None else "",
            "crs_wkt": project.crs.to_wkt() if project.crs is not None else "",
            "saved": now,
            "layers": ",".join(project.layers),
        })
        with engine.begin() as conn:
            conn.execute(insert(meta_table), [{"key": k, "value": str(v)} for k, v in sorted(meta.items())])
            if project.settings:
                conn.execute(insert(settings_table), [
                    {"key": k, "value": json.dumps(v, ensure_ascii=False)} for k, v in sorted(project.settings.items())
                ])
            if project.runs:
                conn.execute(insert(runs_table), [{
                    "analysis": r["analysis"], "started": r.get("started"), "finished": r.get("finished"),
                    "params": json.dumps(r.get("params", {}), ensure_ascii=False, default=str),
                    "summary": json.dumps(r.get("summary", {}), ensure_ascii=False, default=str),
                } for r in project.runs])
            for name, frame in project.tables.items():
                if name in data_tables and len(frame):
                    conn.execute(insert(data_tables[name]), _records(name, frame))
            for table in PROJECT_TABLES + DATA_TABLES:
                conn.exec_driver_sql(
                    "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description, "
                    "last_change) VALUES (?, 'attributes', ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                    (table, table, _DESCRIPTIONS[table]),
                )
    finally:
        engine.dispose()


def _check_file(path: Path) -> None:
    con = sqlite3.connect(path)
    try:
        result = con.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise ProjectFileError(file=str(path), problem=Msg("storage.integrity", detail=result))
    finally:
        con.close()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _remove_stale_temporaries(path: Path) -> None:
    """Delete temporaries left by a save that was killed (their process is gone)."""
    for leftover in path.parent.glob(f".{path.stem}.saving-*.gpkg*"):
        pid_text = leftover.name.split(".saving-", 1)[1].split(".", 1)[0]
        if pid_text.isdigit() and not _pid_alive(int(pid_text)):
            try:
                leftover.unlink()
            except OSError:
                pass


def write_project(project: Project, path: str | Path) -> Path:
    """Write ``project`` to ``path`` atomically (temporary file beside it, then ``os.replace``)."""
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise ProjectFileError(file=str(path), problem=Msg("storage.not_gpkg_suffix"))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.saving-{os.getpid()}.gpkg")
    _remove_stale_temporaries(path)
    for leftover in (tmp, Path(str(tmp) + "-journal"), Path(str(tmp) + "-wal")):
        if leftover.exists():
            leftover.unlink()
    try:
        _write_layers(project, tmp)
        _write_tables(project, tmp)
        _check_file(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        try:  # make the rename durable
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError:
            pass
    except ProjectFileError:
        raise
    except Exception as exc:
        raise ProjectFileError(file=str(path), problem=Msg("storage.write_failed", detail=f"{type(exc).__name__}: {exc}")) from exc
    finally:
        for leftover in (tmp, Path(str(tmp) + "-journal"), Path(str(tmp) + "-wal")):
            if leftover.exists():
                try:
                    leftover.unlink()
                except OSError:
                    pass
    return path


def is_project_file(path: str | Path) -> bool:
    """True when ``path`` is a GeoPackage holding the fireriskmap project tables."""
    try:
        con = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        row = con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name=?", (META_TABLE,)).fetchone()
        return row is not None
    except sqlite3.Error:
        return False
    finally:
        con.close()


def _read_tables(path: Path) -> tuple[dict[str, str], dict[str, Any], list[dict[str, Any]], dict[str, pd.DataFrame]]:
    engine = _engine(path)
    try:
        present = set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            tables = {}
            for name, table in data_tables.items():
                if table.name in present:
                    rows = [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.fid))]
                    frame = pd.DataFrame(rows, columns=["fid", *TABLES[name].column_names]).drop(columns="fid")
                    tables[name] = conform_table(name, frame)
            meta = {r.key: r.value for r in conn.execute(select(meta_table))}
            settings = {r.key: json.loads(r.value) for r in conn.execute(select(settings_table))}
            runs = [{
                "analysis": r.analysis, "started": r.started, "finished": r.finished,
                "params": json.loads(r.params or "{}"), "summary": json.loads(r.summary or "{}"),
            } for r in conn.execute(select(runs_table).order_by(runs_table.c.id))]
    finally:
        engine.dispose()
    return meta, settings, runs, tables


def read_project(path: str | Path) -> Project:
    """Open a project file. Raises :class:`ProjectFileError` with a clear reason."""
    path = Path(path)
    if not path.exists():
        raise ProjectFileError(file=str(path), problem=Msg("storage.not_found"))
    try:
        listed = pyogrio.list_layers(path)
    except Exception as exc:
        raise ProjectFileError(file=str(path), problem=Msg("storage.not_geopackage", detail=exc)) from None
    if not is_project_file(path):
        raise ProjectFileError(file=str(path), problem=Msg("storage.not_project"))
    meta, settings, runs, tables = _read_tables(path)
    version = int(meta.get("schema_version", "0") or 0)
    if version > SCHEMA_VERSION:
        raise ProjectFileError(file=str(path), problem=Msg("storage.newer", version=version, supported=SCHEMA_VERSION))
    crs_text = meta.get("crs_wkt") or meta.get("crs")
    crs = parse_crs(crs_text) if crs_text else None
    project = Project(crs, name=meta.get("name", ""), path=path)
    project.metadata.update(meta)
    project.metadata["schema_version"] = str(SCHEMA_VERSION)
    project.metadata["file_schema_version"] = str(version)  # as read; saving writes the current one
    project.settings = settings
    project.runs = runs
    project.tables = tables
    specs = catalogue()
    saved_kinds = set(filter(None, meta["layers"].split(","))) if "layers" in meta else None
    ignored = []
    for name, _geom in listed:
        name = str(name)
        if name in PROJECT_TABLES or name in DATA_TABLES:
            continue
        if name not in specs:
            ignored.append(name)
            continue
        try:
            gdf = pyogrio.read_dataframe(path, layer=name)
        except Exception as exc:
            raise ProjectFileError(file=str(path), problem=Msg("storage.bad_layer", layer=name, detail=exc)) from None
        if gdf.crs is None and crs is not None:
            gdf = gdf.set_crs(crs)
        if saved_kinds is not None and name not in saved_kinds:
            continue  # placeholder written for an empty project
        project.layers[name] = conform(gdf, specs[name]).reset_index(drop=True)
    if ignored:
        project.metadata["ignored_layers"] = ",".join(ignored)
    project.dirty = False
    return project
