"""The shipped Chinese font (a subset of Noto Sans CJK SC named 'Noto Sans SC', OFL).

Registered with Qt's font database at start-up so the UI, the map labels, the PNG and the PDF
render Chinese the same way on machines without Chinese fonts (offices often have none installed
on Linux, and Windows' YaHei cannot be embedded in our PDFs). QtGui only: works offscreen.
"""

from __future__ import annotations

import logging
import threading

from PyQt6.QtGui import QFont, QFontDatabase, QGuiApplication

from fireriskmap.paths import fonts_dir

log = logging.getLogger(__name__)

FAMILY = "Noto Sans SC"
FONT_FILES = ("NotoSansSC-Regular.otf", "NotoSansSC-Bold.otf")
# Tried after our family for characters outside the subset (and if the files are missing).
FALLBACK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
                     "WenQuanYi Micro Hei", "SimHei", "sans-serif")

_lock = threading.Lock()
_registered: dict[int, str] = {}  # id(QGuiApplication) -> family


def register_fonts() -> str:
    """Register the shipped fonts with Qt (once per application) and return the family name.

    Needs a ``QGuiApplication`` (or ``QApplication``). When the font files are missing the default
    application font family is returned and a warning is logged.
    """
    app = QGuiApplication.instance()
    if app is None:
        raise RuntimeError("register_fonts() needs a QGuiApplication; create one first")
    with _lock:
        key = id(app)
        if key in _registered:
            return _registered[key]
        family = None
        for name in FONT_FILES:
            path = fonts_dir() / name
            if not path.is_file():
                log.warning("font file missing: %s", path)
                continue
            font_id = QFontDatabase.addApplicationFont(str(path))
            families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            if not families:
                log.warning("Qt could not load the font %s", path)
                continue
            family = family or families[0]
        if family is None:
            family = QFont().family()
        _registered[key] = family
        return family


def font_families() -> list[str]:
    """Our family followed by the fallbacks, for ``QFont.setFamilies``."""
    app = QGuiApplication.instance()
    first = _registered.get(id(app), FAMILY) if app is not None else FAMILY
    return [first] + [f for f in FALLBACK_FAMILIES if f != first]


def app_font(point_size: float = 10.0, *, bold: bool = False) -> QFont:
    """The application font (registered family with CJK fallbacks) at ``point_size`` points."""
    if QGuiApplication.instance() is not None:
        register_fonts()
    font = QFont()
    font.setFamilies(font_families())
    font.setPointSizeF(point_size)
    font.setBold(bold)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font
