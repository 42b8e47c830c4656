"""Big-screen briefing mode (数据大屏) for leadership meetings (issue 8).

>>> window = open_briefing(project)                       # doctest: +SKIP  (full screen, last screen)
>>> render_briefing_png("x.gpkg", "wall.png", size=(5760, 2160), step=2)  # doctest: +SKIP

The content comes from :mod:`fireriskmap.export.briefing_data`; the map is the shared
:class:`~fireriskmap.ui.canvas.MapCanvas` with the one renderer, on the ``wall`` look of
``styles/briefing_wall.toml``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from fireriskmap.errors import BriefingError

__all__ = ["BriefingWindow", "open_briefing", "choose_screen", "render_briefing_png", "run_briefing"]


def __getattr__(name):  # the window imports Qt widgets: load it on first use
    if name == "BriefingWindow":
        from fireriskmap.ui.briefing.window import BriefingWindow

        return BriefingWindow
    raise AttributeError(name)


def choose_screen(number: int | None = None, *, avoid=None):
    """The QScreen to use: ``number`` (1-based), else one that is not ``avoid`` (the workspace's
    screen), else the last screen. BriefingError for a screen that does not exist."""
    from PyQt6.QtGui import QGuiApplication

    screens = QGuiApplication.screens()
    if not screens:
        return None
    if number is not None:
        if not 1 <= int(number) <= len(screens):
            raise BriefingError("brief.error.bad_screen", n=number, count=len(screens))
        return screens[int(number) - 1]
    if avoid is not None:
        others = [s for s in screens if s is not avoid]
        if others:
            return others[-1]
    return screens[-1]


def open_briefing(project, *, screen=None, size: tuple[int, int] | None = None, top: int = 10, lang=None,
                  style=None, save_callback=None, avoid_screen=None, parent=None):
    """Create and show the briefing window: full screen on ``screen`` (1-based number, default: a
    screen other than ``avoid_screen``, else the last), or windowed at ``size``."""
    from PyQt6.QtCore import Qt

    from fireriskmap.ui.briefing.window import BriefingWindow

    target = choose_screen(screen, avoid=avoid_screen)
    window = BriefingWindow(project, top=top, lang=lang, style=style, save_callback=save_callback, parent=parent)
    if parent is not None:
        window.setWindowFlag(Qt.WindowType.Window, True)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    if size is not None:
        window.resize(*size)
        if target is not None:
            geo = target.availableGeometry()
            window.move(geo.left() + max(0, (geo.width() - size[0]) // 2), geo.top() + max(0, (geo.height() - size[1]) // 2))
        window.show()
    else:
        if target is not None:  # place the window on the chosen screen before going full screen
            if hasattr(window, "setScreen"):
                window.setScreen(target)
            window.setGeometry(target.geometry())
        window.showFullScreen()
    from PyQt6.QtGui import QGuiApplication

    if QGuiApplication.platformName() != "offscreen":
        window.raise_()
        window.activateWindow()
    return window


def _application():
    from PyQt6.QtWidgets import QApplication

    from fireriskmap.fonts import register_fonts

    app = QApplication.instance() or QApplication(sys.argv[:1] or ["fireriskmap"])
    register_fonts()
    return app


def render_briefing_png(project, output, *, size: tuple[int, int] = (1920, 1080), step: int | None = None,
                        top: int = 10, lang: str | None = None, timeout_s: float = 180.0) -> dict:
    """Render the briefing (overview, or tour ``step``, 1-based) at ``size`` into ``output`` (PNG),
    without showing a window. Returns ``{"file", "width", "height", "seconds", "step", "area"}``.

    ``project`` is a Project or a path. Works headless (the offscreen platform is chosen when there is
    no display).
    """
    from fireriskmap.ui.app import has_display

    if not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    t0 = time.perf_counter()
    app = _application()
    if isinstance(project, (str, Path)):
        from fireriskmap.core.project import Project

        project = Project.open(project)
    from PyQt6.QtCore import Qt

    from fireriskmap.ui.briefing.window import BriefingWindow

    window = BriefingWindow(project, top=top, lang=lang, animate=False)
    steps = window.steps
    if step is not None and step != 0 and not 1 <= int(step) <= len(steps):
        window.deleteLater()
        raise BriefingError("brief.error.bad_step", step=step, n=len(steps))
    window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    window.resize(*size)
    window.show()
    app.processEvents()
    if step:
        window.go_to(int(step) - 1)
    else:
        window.overview()
    window.wait_for_map(timeout_s)
    ok = window.save_png(output, timeout_s=timeout_s)
    info = {"file": str(output), "width": window.width(), "height": window.height(),
            "seconds": round(time.perf_counter() - t0, 2), "step": int(step or 0),
            "area": steps[int(step) - 1].name if step else None, "ok": bool(ok)}
    window.canvas.shutdown()
    window.close()
    window.deleteLater()
    app.processEvents()
    if not ok:
        raise BriefingError("brief.error.png", file=str(output))
    return info


def run_briefing(project, *, screen: int | None = None, size: tuple[int, int] | None = None, top: int = 10,
                 lang: str | None = None, save_callback=None, step: int = 0) -> int:
    """Show the briefing until it is closed (the ``brief`` command); returns the exit code."""
    app = _application()
    from fireriskmap.render import default_style
    from fireriskmap.ui.theme import apply_theme

    apply_theme(app, default_style().theme)
    window = open_briefing(project, screen=screen, size=size, top=top, lang=lang, save_callback=save_callback)
    if step:
        if not 1 <= step <= len(window.steps):
            window.close()
            raise BriefingError("brief.error.bad_step", step=step, n=len(window.steps))
        window.go_to(step - 1)
    window.destroyed.connect(app.quit)
    return app.exec()
