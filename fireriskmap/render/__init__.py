"""The map renderer: QPainter on any paint device (QImage, QPdfWriter, a widget).

QtCore and QtGui only (never QtWidgets): it runs offscreen, in worker threads and in the CLI.

>>> from fireriskmap.render import MapRenderer
>>> image = MapRenderer(project).render_image(1200, 800, project.extent())  # doctest: +SKIP
"""

from fireriskmap.render.decorations import LegendGroup, ScaleBar, scale_bar_layout
from fireriskmap.render.renderer import MapRenderer, RenderStats, ensure_gui_application, render_image
from fireriskmap.render.style import LayerStyle, MapStyle, Symbol, Theme, default_style, load_style
from fireriskmap.render.view import MapView

__all__ = ["MapRenderer", "RenderStats", "render_image", "ensure_gui_application", "MapView",
           "MapStyle", "LayerStyle", "Symbol", "Theme", "load_style", "default_style", "ScaleBar",
           "scale_bar_layout", "LegendGroup"]
