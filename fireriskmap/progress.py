"""Progress reporting for long work (DESIGN.md §4).

Long functions take ``progress: ProgressFn | None`` and call it with a fraction in [0, 1] and a
short message. The UI's worker turns the calls into signals and cancels by raising
:class:`~fireriskmap.errors.Cancelled` from the callback; the CLI prints a bar.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol

from fireriskmap.errors import Cancelled

__all__ = ["ProgressFn", "null_progress", "sub_progress", "TextProgressBar", "Cancelled"]


class ProgressFn(Protocol):
    def __call__(self, fraction: float, message: str = "") -> None: ...


def null_progress(fraction: float, message: str = "") -> None:
    """A progress callback that does nothing."""


def sub_progress(progress: ProgressFn | None, start: float, end: float) -> ProgressFn:
    """Map [0, 1] of a sub-task onto [start, end] of the parent's progress."""
    parent = progress or null_progress
    span = end - start

    def report(fraction: float, message: str = "") -> None:
        parent(start + span * min(max(fraction, 0.0), 1.0), message)

    return report


class TextProgressBar:
    """A terminal progress bar for the CLI (writes to stderr, throttled)."""

    def __init__(self, stream=None, width: int = 30, min_interval: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.min_interval = min_interval
        self._last = 0.0
        self._shown = False

    def __call__(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if fraction < 1.0 and now - self._last < self.min_interval:
            return
        self._last = now
        fraction = min(max(fraction, 0.0), 1.0)
        filled = int(round(self.width * fraction))
        bar = "█" * filled + "░" * (self.width - filled)
        line = f"\r{bar} {fraction * 100:5.1f}% {message[:50]:<50}"
        try:
            self.stream.write(line)
            self.stream.flush()
        except (OSError, ValueError):
            return
        self._shown = True

    def close(self) -> None:
        if self._shown:
            try:
                self.stream.write("\n")
                self.stream.flush()
            except (OSError, ValueError):
                pass
            self._shown = False
