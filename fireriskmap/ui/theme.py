"""Qt palette from a theme of ``styles/themes.toml`` (light, dark, briefing)."""

from __future__ import annotations

from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import QApplication

from fireriskmap.fonts import app_font
from fireriskmap.render.style import Theme
from fireriskmap.render.symbols import qcolor

BASE_POINT_SIZE = 10.0


def palette_for(theme: Theme) -> QPalette:
    """A QPalette with the theme's window, base, text, button and highlight colours."""
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.window,
        QPalette.ColorRole.WindowText: theme.window_text,
        QPalette.ColorRole.Base: theme.base,
        QPalette.ColorRole.AlternateBase: theme.alternate_base,
        QPalette.ColorRole.Text: theme.window_text,
        QPalette.ColorRole.Button: theme.button,
        QPalette.ColorRole.ButtonText: theme.button_text,
        QPalette.ColorRole.Highlight: theme.highlight,
        QPalette.ColorRole.HighlightedText: theme.highlighted_text,
        QPalette.ColorRole.ToolTipBase: theme.base,
        QPalette.ColorRole.ToolTipText: theme.window_text,
        QPalette.ColorRole.PlaceholderText: theme.panel_border,
    }
    for role, colour in roles.items():
        pal.setColor(role, qcolor(colour))
    disabled = QColor(qcolor(theme.window_text))
    disabled.setAlpha(110)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return pal


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Use the Fusion style (same look on every platform), the theme's palette and font size."""
    if app.style() is None or app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette_for(theme))
    app.setFont(app_font(BASE_POINT_SIZE * theme.font_scale))
