"""A tiny, Qt-free event emitter (the napari habit: models emit, views listen)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable


class EventEmitter:
    """``connect(name, callback)``; ``emit(name, **payload)`` calls every callback for ``name``."""

    def __init__(self) -> None:
        self._callbacks: dict[str, list[Callable[..., Any]]] = defaultdict(list)

    def connect(self, name: str, callback: Callable[..., Any]) -> None:
        if callback not in self._callbacks[name]:
            self._callbacks[name].append(callback)

    def disconnect(self, name: str, callback: Callable[..., Any]) -> None:
        if callback in self._callbacks.get(name, []):
            self._callbacks[name].remove(callback)

    def emit(self, name: str, **payload: Any) -> None:
        for callback in list(self._callbacks.get(name, [])):
            callback(**payload)
