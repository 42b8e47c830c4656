"""Editing: add, move and delete points, change attributes — validated, undoable, marking results stale.

Every change is a ``QUndoCommand`` on one ``QUndoStack``; a command builds the new layer frame and
puts it into the project with :meth:`Project.set_layer` on the GUI thread (so the canvas, the
table and the panels hear the usual ``layer_changed`` event). Commands keep only what they change
(a value, a point, the deleted rows), not copies of whole layers.

Values are checked against the layer spec (:meth:`FieldSpec.parse`: types, enum codes, limits,
required fields) before a command is made; :func:`validate_value` returns a translated reason.

Analyses that read an edited layer are marked stale (:data:`DEPENDS_ON`); the main window offers to
re-run them in the background.

Ledger layers (:data:`LEDGER_KINDS`: the hazard ledger) are not edited by commands: adding, moving,
changing and "deleting" a hazard go through :class:`fireriskmap.ledger.Ledger` (add, place, edit,
void with a reason), which writes the audit trail. These changes are **not on the undo stack** —
the ledger never loses a row, so an added item cannot be undone away; the audit trail is the record
and a mistake is corrected by another ledger action (edit, void, reopen).
"""

from __future__ import annotations

from typing import Any, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtGui import QUndoCommand, QUndoStack

from fireriskmap.i18n import tr
from fireriskmap.ui.features import editable_columns, field_of, is_missing, layer_label, spec_of

# analysis step → the input layers it reads (pipeline steps; 'risk' when the risk scoring lands)
DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "classify": ("buildings",),
    "clusters": ("buildings",),
    "coverage": ("buildings", "roads", "hydrants", "water_sources"),
    "response": ("buildings", "roads", "fire_stations"),
    "siting": ("buildings", "roads", "hydrants", "water_sources"),
    "stations": ("buildings", "roads", "fire_stations"),
    "risk": ("buildings", "roads", "hydrants", "water_sources", "fire_stations", "key_places", "hazards",
             "villages", "incidents"),
}
# layers changed only through their ledger (never deleted; every change audited)
LEDGER_KINDS: tuple[str, ...] = ("hazards",)
# what shows that a step has results in the project
STEP_RESULTS: dict[str, tuple[str, ...]] = {
    "classify": ("buildings:high_rise",),
    "clusters": ("clusters", "buildings:cluster_id"),
    "coverage": ("coverage_gaps", "hydrant_spacing", "buildings:water_covered"),
    "response": ("response_areas", "buildings:response_s"),
    "siting": ("proposed_hydrants",),
    "stations": ("proposed_stations",),
    "risk": ("risk_areas",),
}
STEP_LAYERS: dict[str, tuple[str, ...]] = {
    "clusters": ("clusters", "firebreaks"),
    "coverage": ("coverage_gaps", "hydrant_spacing"),
    "response": ("response_areas",),
    "siting": ("proposed_hydrants",),
    "stations": ("proposed_stations",),
    "risk": ("risk_areas",),
}


def steps_with_results(project) -> list[str]:
    """Analysis steps whose results are in the project."""
    out = []
    for step, marks in STEP_RESULTS.items():
        for mark in marks:
            if ":" in mark:
                kind, column = mark.split(":")
                gdf = project.layers.get(kind)
                if gdf is not None and column in gdf.columns and gdf[column].notna().any():
                    out.append(step)
                    break
            elif project.has_layer(mark):
                out.append(step)
                break
    return out


def affected_steps(project, kind: str) -> set[str]:
    """Steps with results in the project that read layer ``kind``."""
    have = set(steps_with_results(project))
    return {step for step, kinds in DEPENDS_ON.items() if kind in kinds and step in have}


# -- validation -----------------------------------------------------------------------------------

def reason_text(code: str, fs=None, lang: str | None = None) -> str:
    """A translated sentence for a :meth:`FieldSpec.parse` error code."""
    params = {}
    if fs is not None:
        params = {"min": _num(fs.minimum), "max": _num(fs.maximum), "unit": fs.unit or ""}
    key = f"ui.edit.reason.{code}"
    text = tr(key, lang=lang, **params)
    return text if text != key else tr("ui.edit.reason.invalid", lang=lang)


def _num(v) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else str(v)


def validate_value(kind: str, column: str, value: Any, lang: str | None = None) -> tuple[Any, str | None]:
    """``(parsed value, None)`` or ``(None, translated reason)`` for a value typed by the user."""
    fs = field_of(kind, column)
    if fs is None:
        return value, None
    if column not in editable_columns(kind):
        return None, tr("ui.edit.reason.read_only", lang=lang)
    try:
        parsed = fs.parse(value)
    except ValueError as exc:
        code = str(exc.args[0]) if exc.args else "invalid"
        return None, reason_text(code, fs, lang)
    if parsed is None and fs.required:
        return None, tr("ui.edit.reason.required", lang=lang)
    return parsed, None


def validate_values(kind: str, values: dict[str, Any], lang: str | None = None
                    ) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate a form: ``(parsed values, {column: reason})``."""
    parsed, errors = {}, {}
    for column, value in values.items():
        p, err = validate_value(kind, column, value, lang)
        if err is None:
            parsed[column] = p
        else:
            errors[column] = err
    return parsed, errors


def default_values(kind: str) -> dict[str, Any]:
    """The spec defaults of a new feature (e.g. a hydrant is working unless said otherwise)."""
    spec = spec_of(kind)
    out: dict[str, Any] = {}
    if spec is None:
        return out
    for fs in spec.fields:
        if fs.default is not None:
            try:
                out[fs.name] = fs.parse(fs.default)
            except ValueError:
                pass
    return out


# -- frame helpers --------------------------------------------------------------------------------

def _set_cell(frame: gpd.GeoDataFrame, position: int, column: str, value: Any) -> gpd.GeoDataFrame:
    out = frame.copy(deep=False)
    col = out[column].copy()
    if is_missing(value):
        value = None
    if str(col.dtype) in ("Int64", "boolean", "Float64"):
        col.iloc[position] = pd.NA if value is None else value
    elif str(col.dtype) == "float64":
        col.iloc[position] = np.nan if value is None else float(value)
    else:
        col = col.astype(object)
        col.iloc[position] = value
    out[column] = col
    return out


def _set_geometry(frame: gpd.GeoDataFrame, position: int, geometry) -> gpd.GeoDataFrame:
    out = frame.copy(deep=False)
    geoms = np.asarray(out.geometry.values, dtype=object).copy()
    geoms[position] = geometry
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
    return out


class _LayerCommand(QUndoCommand):
    def __init__(self, editor: "Editor", kind: str, text: str) -> None:
        super().__init__(text)
        self.editor = editor
        self.kind = kind

    @property
    def project(self):
        return self.editor.project

    def _put(self, frame: gpd.GeoDataFrame, select: Iterable[int] | None = None) -> None:
        self.editor.put_layer(self.kind, frame, select=select)


class SetValuesCommand(_LayerCommand):
    """Change one or more attributes of one feature."""

    def __init__(self, editor: "Editor", kind: str, position: int, changes: dict[str, tuple[Any, Any]]) -> None:
        names = ", ".join(changes)
        super().__init__(editor, kind, tr("ui.edit.cmd.set", layer=layer_label(kind), fields=names))
        self.position = int(position)
        self.changes = changes  # column -> (old, new)

    def _apply(self, which: int) -> None:
        frame = self.project.layers[self.kind]
        for column, pair in self.changes.items():
            if column not in frame.columns:
                frame = frame.assign(**{column: pd.Series([None] * len(frame), index=frame.index, dtype=object)})
            frame = _set_cell(frame, self.position, column, pair[which])
        self._put(frame, select=[self.position])

    def redo(self) -> None:
        self._apply(1)

    def undo(self) -> None:
        self._apply(0)


class AddPointCommand(_LayerCommand):
    """Add a point feature with attribute values."""

    def __init__(self, editor: "Editor", kind: str, x: float, y: float, values: dict[str, Any]) -> None:
        super().__init__(editor, kind, tr("ui.edit.cmd.add", layer=layer_label(kind)))
        self.x, self.y = float(x), float(y)
        self.values = dict(values)
        self.position: int | None = None

    def redo(self) -> None:
        project = self.project
        current = project.layers.get(self.kind)
        data = {k: [v] for k, v in self.values.items()}
        new = gpd.GeoDataFrame(data, geometry=[shapely.Point(self.x, self.y)], crs=project.crs)
        if current is None or not len(current):
            frame = new
            self.position = 0
        else:
            self.position = len(current)
            frame = pd.concat([current, new.reindex(columns=current.columns)], ignore_index=True)
            frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=project.crs)
        self._put(frame, select=[self.position])

    def undo(self) -> None:
        frame = self.project.layers[self.kind]
        keep = np.ones(len(frame), dtype=bool)
        keep[self.position] = False
        if keep.any():
            self._put(frame.iloc[keep].reset_index(drop=True), select=[])
        else:
            self.editor.remove_layer(self.kind)


class MovePointCommand(_LayerCommand):
    def __init__(self, editor: "Editor", kind: str, position: int, old, new) -> None:
        super().__init__(editor, kind, tr("ui.edit.cmd.move", layer=layer_label(kind)))
        self.position = int(position)
        self.old, self.new = old, new

    def redo(self) -> None:
        self._put(_set_geometry(self.project.layers[self.kind], self.position, self.new), select=[self.position])

    def undo(self) -> None:
        self._put(_set_geometry(self.project.layers[self.kind], self.position, self.old), select=[self.position])

    def id(self) -> int:  # noqa: A003 - Qt API
        return 4101

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - dragging the same point twice
        if isinstance(other, MovePointCommand) and other.kind == self.kind and other.position == self.position:
            self.new = other.new
            return True
        return False


class DeleteFeaturesCommand(_LayerCommand):
    """Delete features; undo puts them back at their old positions."""

    def __init__(self, editor: "Editor", kind: str, positions: Iterable[int]) -> None:
        positions = np.unique(np.asarray(list(positions), dtype=np.intp))
        super().__init__(editor, kind, tr("ui.edit.cmd.delete", layer=layer_label(kind), n=len(positions)))
        self.positions = positions
        self.rows: gpd.GeoDataFrame | None = None

    def redo(self) -> None:
        frame = self.project.layers[self.kind]
        self.rows = frame.iloc[self.positions].copy()
        keep = np.ones(len(frame), dtype=bool)
        keep[self.positions] = False
        if keep.any():
            self._put(frame.iloc[keep].reset_index(drop=True), select=[])
        else:
            self.editor.remove_layer(self.kind)

    def undo(self) -> None:
        current = self.project.layers.get(self.kind)
        rows = self.rows.copy()
        n = (0 if current is None else len(current)) + len(rows)
        rest = np.setdiff1d(np.arange(n), self.positions)
        rows.index = self.positions
        if current is None or not len(current):
            frame = rows
        else:
            current = current.copy(deep=False)
            current.index = rest
            frame = pd.concat([current, rows.reindex(columns=current.columns)])
        frame = gpd.GeoDataFrame(frame.sort_index(), geometry="geometry", crs=self.project.crs).reset_index(drop=True)
        self._put(frame, select=self.positions)


# -- the editor -----------------------------------------------------------------------------------

class Editor(QObject):
    """Owns the undo stack and the stale-results bookkeeping for one project.

    Signals
    -------
    stale_changed(steps)
        The set of analysis steps whose results no longer match the data.
    selection_requested(kind, positions)
        After a command, the features it touched (the main window selects them).
    """

    stale_changed = pyqtSignal(object)
    selection_requested = pyqtSignal(str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = None
        self.stack = QUndoStack(self)
        self.stale: set[str] = set()
        self.enabled = True

    def set_project(self, project) -> None:
        self.project = project
        self.stack.clear()
        self.stack.setClean()
        self.set_stale(set())

    # -- commands ----------------------------------------------------------------------------
    def set_values(self, kind: str, position: int, values: dict[str, Any], lang: str | None = None) -> dict[str, str]:
        """Validate and change attributes; returns ``{column: reason}`` for refused values (nothing
        changes then)."""
        parsed, errors = validate_values(kind, values, lang)
        if errors:
            return errors
        if kind in LEDGER_KINDS:
            return self._ledger_edit(kind, position, parsed)
        frame = self.project.layers[kind]
        changes = {}
        for column, new in parsed.items():
            old = frame[column].iat[position] if column in frame.columns else None
            old = None if is_missing(old) else old
            if (old is None and new is None) or (old is not None and new is not None and _same(old, new)):
                continue
            changes[column] = (old, new)
        if changes:
            self.stack.push(SetValuesCommand(self, kind, position, changes))
        return {}

    def add_point(self, kind: str, x: float, y: float, values: dict[str, Any] | None = None,
                  lang: str | None = None) -> dict[str, str]:
        merged = default_values(kind)
        merged.update(values or {})
        parsed, errors = validate_values(kind, {k: v for k, v in merged.items() if k in editable_columns(kind)}, lang)
        spec = spec_of(kind)
        if spec is not None:
            for fs in spec.fields:  # (fields only a workflow sets, e.g. a ledger's status, are set there)
                if fs.required and parsed.get(fs.name) is None and fs.name not in errors \
                        and fs.name in editable_columns(kind):
                    errors[fs.name] = tr("ui.edit.reason.required", lang=lang)
        if errors:
            return errors
        if kind in LEDGER_KINDS:
            return self._ledger_call(lambda ledger: ledger.add(parsed, x=x, y=y), kind,
                                     select=lambda: [len(self.project.layers[kind]) - 1])
        self.stack.push(AddPointCommand(self, kind, x, y, parsed))
        return {}

    def move_point(self, kind: str, position: int, x: float, y: float) -> None:
        if kind in LEDGER_KINDS:
            self._ledger_call(lambda ledger: ledger.place(self.ledger_id(position), x, y), kind,
                              select=lambda: [position])
            return
        frame = self.project.layers[kind]
        old = frame.geometry.iloc[position]
        self.stack.push(MovePointCommand(self, kind, position, old, shapely.Point(float(x), float(y))))

    def delete(self, kind: str, positions: Iterable[int]) -> None:
        positions = list(positions)
        if positions and kind in LEDGER_KINDS:  # a ledger keeps every item: void it with a reason
            from fireriskmap.errors import LedgerError

            raise LedgerError("ledger.no_delete_item", id=self.ledger_id(positions[0]))
        if positions:
            self.stack.push(DeleteFeaturesCommand(self, kind, positions))

    # -- the hazard ledger ------------------------------------------------------------------------
    def ledger(self):
        """A :class:`~fireriskmap.ledger.Ledger` over the project (items numbered first)."""
        from fireriskmap.ledger import Ledger

        ledger = Ledger(self.project)
        ledger.ensure_ids()
        return ledger

    def ledger_id(self, position: int) -> str:
        from fireriskmap.ledger import ID_FIELD

        ledger = self.ledger()
        return str(ledger.items[ID_FIELD].iat[int(position)])

    def void(self, kind: str, positions: Iterable[int], reason: str) -> dict[str, str]:
        """"Delete" ledger items: void them with ``reason`` (rows and audit stay); ``{"": reason}`` on refusal."""
        positions = [int(p) for p in positions]
        ids = [self.ledger_id(p) for p in positions]

        def run(ledger):
            if not (reason or "").strip():
                from fireriskmap.errors import LedgerError

                raise LedgerError("ledger.need_reason")
            for key in ids:
                ledger.void(key, reason)

        return self._ledger_call(run, kind, select=lambda: positions)

    def _ledger_edit(self, kind: str, position: int, parsed: dict[str, Any]) -> dict[str, str]:
        key = self.ledger_id(position)
        return self._ledger_call(lambda ledger: ledger.edit(key, parsed), kind, select=lambda: [position],
                                 column=next(iter(parsed), ""))

    def _ledger_call(self, action, kind: str, *, select=None, column: str = "") -> dict[str, str]:
        """Run ``action(ledger)``; a :class:`LedgerError` comes back as ``{column: message}``."""
        from fireriskmap.errors import LedgerError

        try:
            action(self.ledger())
        except LedgerError as exc:
            return {column: str(exc)}
        self.ledger_changed(kind, select() if select is not None else None)
        return {}

    def ledger_changed(self, kind: str = "hazards", select: Iterable[int] | None = None) -> None:
        """A ledger action changed layer ``kind``: dependent results are stale."""
        self.mark_stale(kind)
        if select is not None:
            self.selection_requested.emit(kind, np.asarray(list(select), dtype=np.intp))

    # -- called by commands ---------------------------------------------------------------------
    def put_layer(self, kind: str, frame: gpd.GeoDataFrame, *, select: Iterable[int] | None = None) -> None:
        self.project.set_layer(kind, frame, mode="replace")
        self.mark_stale(kind)
        if select is not None:
            self.selection_requested.emit(kind, np.asarray(list(select), dtype=np.intp))

    def remove_layer(self, kind: str) -> None:
        self.project.remove_layer(kind)
        self.mark_stale(kind)
        self.selection_requested.emit(kind, np.empty(0, dtype=np.intp))

    # -- stale results -----------------------------------------------------------------------------
    def mark_stale(self, kind: str) -> None:
        steps = affected_steps(self.project, kind) if self.project is not None else set()
        if steps - self.stale:
            self.set_stale(self.stale | steps)

    def set_stale(self, steps: set[str]) -> None:
        self.stale = set(steps)
        self.stale_changed.emit(set(self.stale))

    def analysed(self, steps: Iterable[str]) -> None:
        """Steps that just ran are fresh again."""
        remaining = self.stale - set(steps)
        if remaining != self.stale:
            self.set_stale(remaining)


def _same(a: Any, b: Any) -> bool:
    try:
        if isinstance(a, (float, np.floating)) or isinstance(b, (float, np.floating)):
            return abs(float(a) - float(b)) < 1e-12
        return bool(a == b)
    except (TypeError, ValueError):
        return False


__all__ = ["Editor", "SetValuesCommand", "AddPointCommand", "MovePointCommand", "DeleteFeaturesCommand",
           "validate_value", "validate_values", "default_values", "affected_steps", "steps_with_results",
           "DEPENDS_ON", "STEP_LAYERS", "LEDGER_KINDS", "reason_text"]
