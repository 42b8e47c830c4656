"""The selection: which features of which layer are selected, shared by the map, table and panels.

Features are named by their *position* in the layer's GeoDataFrame (``iloc``), the same
positions the spatial index returns. One layer holds the selection at a time (selecting in
another layer clears it), which is what non-specialists expect from a click on the map.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal


class SelectionModel(QObject):
    """Signal ``changed(kind, source)``: the selection changed; ``source`` names who changed it
    ('map', 'table', 'panel', 'edit', ...) so a view can skip echoing its own change."""

    changed = pyqtSignal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._kind: str = ""
        self._positions = np.empty(0, dtype=np.intp)

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def positions(self) -> np.ndarray:
        return self._positions

    def __len__(self) -> int:
        return int(len(self._positions))

    def is_empty(self) -> bool:
        return len(self._positions) == 0

    def positions_of(self, kind: str) -> np.ndarray:
        return self._positions if kind == self._kind else np.empty(0, dtype=np.intp)

    def contains(self, kind: str, position: int) -> bool:
        if kind != self._kind or not len(self._positions):
            return False
        i = np.searchsorted(self._positions, position)
        return bool(i < len(self._positions) and self._positions[i] == position)

    def select(self, kind: str, positions, *, source: str = "", mode: str = "replace") -> None:
        """Select ``positions`` of layer ``kind``.

        ``mode``: 'replace', 'add', 'toggle' (add the ones not selected, remove the others) or
        'remove'. Another layer's selection is always replaced.
        """
        new = np.unique(np.asarray(list(positions) if not isinstance(positions, np.ndarray) else positions,
                                   dtype=np.intp))
        if kind != self._kind or mode == "replace":
            result = new
        elif mode == "add":
            result = np.union1d(self._positions, new)
        elif mode == "remove":
            result = np.setdiff1d(self._positions, new)
        elif mode == "toggle":
            result = np.setxor1d(self._positions, new)
        else:
            raise ValueError(f"unknown selection mode {mode!r}")
        result = result.astype(np.intp)
        kind_out = kind if len(result) else ""
        if kind_out == self._kind and np.array_equal(result, self._positions):
            return
        old_kind = self._kind
        self._kind = kind_out
        self._positions = result
        self.changed.emit(kind_out or old_kind, source)

    def clear(self, *, source: str = "") -> None:
        if self._kind or len(self._positions):
            old = self._kind
            self._kind = ""
            self._positions = np.empty(0, dtype=np.intp)
            self.changed.emit(old, source)

    def layer_changed(self, kind: str, length: int | None) -> None:
        """Keep the selection valid after layer ``kind`` changed (``length`` rows, None: removed)."""
        if kind != self._kind:
            return
        if length is None:
            self.clear(source="project")
            return
        valid = self._positions[self._positions < length]
        if len(valid) != len(self._positions):
            self._positions = valid
            if not len(valid):
                self._kind = ""
            self.changed.emit(kind, "project")


__all__ = ["SelectionModel"]
