"""PNG snapshots of the map for slides (QtCore/QtGui only).

:func:`render_png` draws the map into a ``QImage`` of a chosen size in pixels, with symbols and text
sized for a chosen resolution (``dpi``): the same renderer as the canvas and the PDF, with the
legend, the scale bar, the north arrow and a title block. :func:`export_png` saves it (the PNG
carries the dpi, so a slide program places it at the right size).

A 3840 × 2160 image at 200 dpi is a 4K slide whose text reads like a printed map at 19 × 11 in.
"""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path
from typing import Any, Iterable

from PyQt6.QtCore import QRectF
from PyQt6.QtGui import QColor, QImage, QPainter

from fireriskmap.export import data as D
from fireriskmap.export.layout import INK, MUTED, Sheet, internal_mark
from fireriskmap.i18n import tr
from fireriskmap.progress import ProgressFn
from fireriskmap.render import MapRenderer, MapView, ensure_gui_application
from fireriskmap.render.layer_settings import apply_layer_settings
from fireriskmap.render.style import MapStyle, default_style

MAX_SIDE = 16384
MAX_PIXELS = 16384 * 16384 // 2  # about 512 MB of ARGB32


def _check_size(size: tuple[int, int], dpi: float) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in size)
    except (TypeError, ValueError):
        raise D.ExportError("export.error.bad_size", value=str(size)) from None
    if not (16 <= w <= MAX_SIDE and 16 <= h <= MAX_SIDE) or w * h > MAX_PIXELS:
        raise D.ExportError("export.error.bad_size", value=f"{w}x{h}")
    if not (36 <= float(dpi) <= 1200):
        raise D.ExportError("export.error.bad_dpi", value=str(dpi))
    return w, h


def render_png(project, size: tuple[int, int] = (3840, 2160), *, dpi: float = 200.0, extent: Any = None,
               layers: Iterable[str] | None = None, lang: str | None = None, title: str | bool | None = True,
               legend: bool = True, style: MapStyle | None = None, date: _dt.date | None = None) -> QImage:
    """The map as a ``QImage`` of ``size`` pixels with symbols and text for ``dpi``.

    ``extent`` as :func:`~fireriskmap.export.pdf.export_pdf` (``"village:NAME"`` ...); ``title``:
    True for the default title block, a text for a custom title, False/None for none.
    """
    w, h = _check_size(size, dpi)
    ensure_gui_application()
    focus = D.resolve_extent(project, extent)
    kinds = D.check_layers(project, layers)
    if kinds is None:
        kinds = D.default_report_layers(project)
    renderer = MapRenderer(project, D.export_style(project, style or default_style()))
    apply_layer_settings(renderer)  # the order, opacities and styles set in the layer dock
    image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(renderer.style.theme.map_background))
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        rect = QRectF(0, 0, w, h)
        extent_box = focus.extent if focus is not None else None
        if extent_box is None:
            ext = project.extent() or (0.0, 0.0, 1000.0, 1000.0)
            pad = max(ext[2] - ext[0], ext[3] - ext[1]) * 0.03
            extent_box = (ext[0] - pad, ext[1] - pad, ext[2] + pad, ext[3] + pad)
        view = MapView.fit(extent_box, w, h)
        renderer.render(painter, rect, view, layers=kinds, dpi=dpi, lang=lang, legend=False, decorations=False)
        if focus is not None and focus.geometry is not None:
            from fireriskmap.export.layout import mask_outside
            from fireriskmap.export.pdf import _geometry_path
            from PyQt6.QtGui import QPen

            path = _geometry_path(view, focus.geometry)
            mask_outside(painter, rect, path, QColor(255, 255, 255, 150))
            painter.save()
            painter.setPen(QPen(QColor("#4a3b63"), 3 * dpi / 96))
            painter.drawPath(path)
            painter.restore()
        reserved = renderer.draw_decorations(painter, view, dpi=dpi, lang=lang)
        if legend:
            u = dpi / 96.0 * renderer.style.theme.font_scale
            renderer.draw_legend(painter, view, layers=kinds, dpi=dpi, lang=lang,
                                 max_height=h - reserved[1].bottom() - 24 * u)
        if title:
            _title_block(painter, project, dpi, lang, title if isinstance(title, str) else None,
                         focus.name if focus is not None else "", date, renderer.family)
    finally:
        painter.end()
    return image


def _title_block(painter: QPainter, project, dpi: float, lang, title: str | None, place_suffix: str,
                 date: _dt.date | None, family: str) -> None:
    s = Sheet(painter, dpi, family)
    town = D.township_name(project)
    place = town + (place_suffix if place_suffix and place_suffix not in town else "")
    heading = title or tr("export.title.png", lang=lang, place=place)
    day = date or _dt.date.today()
    sub = tr("export.map_date", lang=lang, date=D.format_date(day, lang)) + "    " + D.crs_note(project, lang)
    m = s.mm(3)
    th = s.metrics(16, True).height()
    sh = s.metrics(8).height()
    mark_w = s.text_width(tr("export.internal_mark", lang=lang), 9, bold=True) + s.mm(5)
    width = max(s.text_width(heading, 16, bold=True) + mark_w + s.mm(4), s.text_width(sub, 8)) + 2 * m
    box = QRectF(s.mm(3), s.mm(3), width, th + sh + 2 * m + s.mm(1))
    s.box(box, fill=QColor(255, 255, 255, 235), stroke=QColor("#b0b5bb"), width_mm=0.2, radius_mm=1.0)
    s.text(QRectF(box.left() + m, box.top() + m, width, th), heading, 16, bold=True, colour=INK)
    internal_mark(s, box.left() + m + s.text_width(heading, 16, bold=True) + s.mm(3),
                  box.top() + m + (th - s.metrics(9, True).height() - s.mm(2.4)) / 2,
                  tr("export.internal_mark", lang=lang), points=9)
    s.text(QRectF(box.left() + m, box.top() + m + th + s.mm(1), width, sh), sub, 8, colour=MUTED)


def export_png(project, path, *, size: tuple[int, int] = (3840, 2160), dpi: float = 200.0, extent: Any = None,
               layers: Iterable[str] | None = None, lang: str | None = None, title: str | bool | None = True,
               legend: bool = True, style: MapStyle | None = None, date: _dt.date | None = None,
               progress: ProgressFn | None = None) -> D.ExportResult:
    """Render :func:`render_png` and save it as a PNG (replaced atomically)."""
    t0 = time.perf_counter()
    if progress:
        progress(0.05, tr("export.progress.map", lang=lang))
    image = render_png(project, size, dpi=dpi, extent=extent, layers=layers, lang=lang, title=title, legend=legend,
                       style=style, date=date)
    if progress:
        progress(0.8, tr("export.progress.saving", lang=lang))
    target = Path(path)
    with D.atomic_output(target, ".png") as tmp:
        if not image.save(str(tmp), "PNG"):
            raise D.ExportError("export.error.write", file=str(target))
    result = D.ExportResult(target, "png", bytes=target.stat().st_size, seconds=time.perf_counter() - t0)
    result.extra.update({"size": [image.width(), image.height()], "dpi": dpi})
    if progress:
        progress(1.0, "")
    return result


__all__ = ["render_png", "export_png"]
