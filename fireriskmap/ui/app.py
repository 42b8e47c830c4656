"""Start the GUI: ``run_gui()`` (called by ``fireriskmap gui``)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PyQt6.QtCore import QSettings
from PyQt6.QtWidgets import QApplication

from fireriskmap.fonts import register_fonts
from fireriskmap.i18n import normalise_language, set_language
from fireriskmap.paths import demo_project_path
from fireriskmap.render import default_style
from fireriskmap.ui.main_window import SETTINGS_LANGUAGE, SETTINGS_THEME, MainWindow, show_open_error
from fireriskmap.ui.theme import apply_theme

log = logging.getLogger(__name__)

ORGANISATION = "fireriskmap"
APPLICATION = "fireriskmap"


def get_application() -> QApplication:
    """The running QApplication, or a new one named for QSettings."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1] or ["fireriskmap"])
    if isinstance(app, QApplication):
        app.setOrganizationName(ORGANISATION)
        app.setApplicationName(APPLICATION)
    return app  # type: ignore[return-value]


def choose_language(lang: str | None, settings: QSettings) -> str:
    """``lang`` if given, else the saved choice, else ``FIRERISKMAP_LANG`` / Chinese."""
    if lang:
        return set_language(lang)
    saved = settings.value(SETTINGS_LANGUAGE)
    if saved:
        return set_language(normalise_language(str(saved)))
    from fireriskmap.i18n import current_language

    return set_language(current_language())


def open_project(path: str | Path | None):
    """(project or None, error or None) for ``path`` (default: the bundled demo township)."""
    from fireriskmap.core.project import Project

    path = Path(path) if path else demo_project_path()
    if not path.exists():
        return None, FileNotFoundError(str(path))
    try:
        return Project.open(path), None
    except Exception as exc:
        log.warning("cannot open %s: %s", path, exc)
        return None, exc


def build_main_window(project_path: str | Path | None = None, *, lang: str | None = None,
                      settings: QSettings | None = None) -> tuple[MainWindow, Exception | None]:
    """Create the application (if needed), fonts, language, theme and the main window.

    Returns the window and the error that stopped the project from opening (None when it opened).
    """
    app = get_application()
    settings = settings if settings is not None else QSettings()
    choose_language(lang, settings)
    register_fonts()
    style = default_style()
    theme = str(settings.value(SETTINGS_THEME, "") or "")
    apply_theme(app, style.themes.get(theme, style.theme))
    project, error = open_project(project_path)
    window = MainWindow(project, settings=settings, style=style)
    return window, error


def has_display() -> bool:
    """False on a Linux/BSD machine with no X or Wayland screen and no platform chosen."""
    import os

    if not sys.platform.startswith(("linux", "freebsd")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM"))


def save_screenshot(project_path: str | Path | None, output: str | Path, *, size: tuple[int, int] = (1600, 1000),
                    lang: str | None = None, timeout_s: float = 120.0) -> int:
    """Open the main window, wait for the map's first finished image, save the window as PNG, quit.

    Works without a screen (the ``offscreen`` platform is chosen when there is no display).
    Returns 0 on success, 2 when the project could not be opened or nothing was rendered in time.
    """
    import os

    from PyQt6.QtCore import QTimer

    if not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = get_application()
    window, error = build_main_window(project_path, lang=lang)
    if error is not None:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 2
    window.resize(*size)
    window.show()
    result = {"code": 2}

    def grab(*_args) -> None:
        if window.grab().save(str(output)):
            result["code"] = 0
        app.quit()

    window.canvas.rendered.connect(lambda _ms: QTimer.singleShot(200, grab))
    QTimer.singleShot(int(timeout_s * 1000), app.quit)
    app.exec()
    return result["code"]


def run_gui(project_path: str | Path | None = None, *, lang: str | None = None) -> int:
    """Run the desktop application; returns the exit code.

    Parameters
    ----------
    project_path
        A ``.gpkg`` project to open (default: the bundled demo township). When it cannot be opened
        the window still starts, empty, after a message saying why.
    lang
        ``"zh_CN"`` or ``"en"`` (default: the last choice, saved in QSettings, else Chinese).
    """
    if not has_display():
        from fireriskmap.i18n import tr

        if lang:
            set_language(lang)
        print(tr("ui.no_display"), file=sys.stderr)
        return 2
    import gc

    app = get_application()
    window, error = build_main_window(project_path, lang=lang)
    window.show()
    gc.freeze()  # start-up objects (modules, the UI, the project) stay out of slow full collections
    if error is not None:
        path = Path(project_path) if project_path else demo_project_path()
        show_open_error(window, path, error)
    else:
        # unsaved work kept by an autosave before a crash: offer it
        path = window.project.path if window.project is not None else None
        if not window.offer_recovery(path) and path is not None:
            window.offer_recovery(None)
    return app.exec()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_gui(sys.argv[1] if len(sys.argv) > 1 else None))
