"""The Qt application: main window, map canvas, layer panel (the only place importing QtWidgets)."""

from fireriskmap.ui.app import run_gui

__all__ = ["run_gui"]
