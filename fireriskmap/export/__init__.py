"""Meeting outputs (issue 6): the PDF report and atlas, the offline HTML map, Excel tables, PNG.

Plain functions, safe to call from a worker thread (the UI's File → Export runs them in a
``QThreadPool``); each takes ``progress(fraction, message)`` and returns an
:class:`~fireriskmap.export.data.ExportResult`. Files are replaced atomically, so a cancelled
export (``Cancelled`` raised from ``progress``) leaves nothing half-written.

>>> from fireriskmap.export import export_pdf, export_atlas, export_html, export_xlsx, export_png
>>> export_pdf(project, "report.pdf", paper="A3", landscape=True)           # doctest: +SKIP
>>> export_atlas(project, "atlas.pdf", by="village")                        # doctest: +SKIP
>>> export_html(project, "map.html")                # offline: Leaflet inlined  # doctest: +SKIP
>>> export_xlsx(project, "tables.xlsx")                                     # doctest: +SKIP
>>> export_png(project, "slide.png", size=(3840, 2160), dpi=200)            # doctest: +SKIP

The PDF and PNG parts use QtCore/QtGui only; the HTML and Excel parts use no Qt at all. Names
are imported lazily, so ``import fireriskmap.export.excel`` does not load Qt.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "export_pdf": "fireriskmap.export.pdf",
    "export_atlas": "fireriskmap.export.pdf",
    "atlas_entries": "fireriskmap.export.pdf",
    "preview_pdf": "fireriskmap.export.pdf",
    "export_png": "fireriskmap.export.png",
    "render_png": "fireriskmap.export.png",
    "export_html": "fireriskmap.export.html",
    "export_xlsx": "fireriskmap.export.excel",
    "ExportResult": "fireriskmap.export.data",
    "ExportError": "fireriskmap.export.data",
    "priority_rows": "fireriskmap.export.data",
    "village_table": "fireriskmap.export.data",
    "summary_figures": "fireriskmap.export.data",
    "resolve_extent": "fireriskmap.export.data",
    "level_info": "fireriskmap.export.data",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'fireriskmap.export' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
