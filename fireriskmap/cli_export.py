"""``fireriskmap export``: the meeting outputs from the command line (issue 6).

``fireriskmap export PROJECT [--pdf out.pdf] [--paper A4|A3|A1] [--landscape] [--layers ...]
[--extent village:NAME] [--atlas out.pdf] [--html out.html] [--xlsx out.xlsx]
[--png out.png --size 3840x2160 --dpi 200] [--lang en]``

:func:`add_export_parser` adds the sub-command to the main parser (``cli.py`` wires it);
:func:`cmd_export` runs it. Nothing here imports Qt at import time (the PDF and PNG exporters load
QtGui when they run), so ``fireriskmap --help`` stays light.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
from typing import Any

from fireriskmap.errors import FireRiskError
from fireriskmap.i18n import tr

PAPERS = ("A4", "A3", "A2", "A1", "A0")


def add_export_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``export`` command to ``subparsers`` (from ``parser.add_subparsers()``)."""
    p = subparsers.add_parser("export", help=tr("export.cli.help"), description=tr("export.cli.description"))
    p.add_argument("project", help=tr("export.cli.project"))
    g = p.add_argument_group(tr("export.cli.group.pdf"))
    g.add_argument("--pdf", metavar="OUT.pdf", help=tr("export.cli.pdf"))
    g.add_argument("--atlas", metavar="OUT.pdf", help=tr("export.cli.atlas"))
    g.add_argument("--atlas-by", choices=["village", "risk"], default="village", help=tr("export.cli.atlas_by"))
    g.add_argument("--paper", type=str.upper, choices=PAPERS, default="A4", help=tr("export.cli.paper"))
    g.add_argument("--landscape", action="store_true", help=tr("export.cli.landscape"))
    g.add_argument("--layers", action="append", nargs="+", metavar="LAYER", help=tr("export.cli.layers"))
    g.add_argument("--extent", metavar="village:NAME", help=tr("export.cli.extent"))
    g.add_argument("--scale", type=int, metavar="N", help=tr("export.cli.scale"))
    g.add_argument("--map-only", action="store_true", help=tr("export.cli.map_only"))
    g.add_argument("--title", help=tr("export.cli.title"))
    g.add_argument("--subtitle", help=tr("export.cli.subtitle"))
    g.add_argument("--office", help=tr("export.cli.office"))
    g.add_argument("--date", metavar="YYYY-MM-DD", help=tr("export.cli.date"))
    g = p.add_argument_group(tr("export.cli.group.other"))
    g.add_argument("--html", metavar="OUT.html", help=tr("export.cli.html"))
    g.add_argument("--basemap", metavar="osm|tianditu:KEY|url:TEMPLATE", help=tr("export.cli.basemap"))
    g.add_argument("--html-assets", choices=["inline", "beside"], default="inline", help=tr("export.cli.assets"))
    g.add_argument("--xlsx", metavar="OUT.xlsx", help=tr("export.cli.xlsx"))
    g.add_argument("--png", metavar="OUT.png", help=tr("export.cli.png"))
    g.add_argument("--size", default="3840x2160", metavar="WxH", help=tr("export.cli.size"))
    g.add_argument("--dpi", type=float, default=200.0, help=tr("export.cli.dpi"))
    p.add_argument("--json", action="store_true", help=tr("export.cli.json"))
    p.set_defaults(handler=cmd_export)
    return p


def _layers(args) -> list[str] | None:
    if not args.layers:
        return None
    out: list[str] = []
    for group in args.layers:
        for item in group:
            out += [k.strip() for k in item.replace("，", ",").split(",") if k.strip()]
    return out or None


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().replace("×", "x").split("x"))
    except ValueError:
        from fireriskmap.export.data import ExportError

        raise ExportError("export.error.bad_size", value=text) from None
    return w, h


def _date(text: str | None) -> _dt.date | None:
    if not text:
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise FireRiskError("export.cli.bad_date", value=text) from None


def _progress(args):
    if getattr(args, "json", False) or not sys.stderr.isatty() and os.environ.get("FIRERISKMAP_PROGRESS") != "1":
        return None
    from fireriskmap.progress import TextProgressBar

    return TextProgressBar()


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


def cmd_export(args) -> int:
    """Run the exports asked for in ``args``; prints one line per file (or JSON). Returns 0."""
    from fireriskmap.core.project import Project

    lang = getattr(args, "lang", None)
    outputs = [k for k in ("pdf", "atlas", "html", "xlsx", "png") if getattr(args, k, None)]
    if not outputs:
        raise FireRiskError("export.cli.nothing")
    project = Project.open(args.project)
    layers = _layers(args)
    day = _date(getattr(args, "date", None))
    results: list[Any] = []
    common = {"lang": lang}
    for kind in outputs:
        bar = _progress(args)
        try:
            if kind == "pdf":
                from fireriskmap.export.pdf import export_pdf

                res = export_pdf(project, args.pdf, paper=args.paper, landscape=args.landscape, layers=layers,
                                 extent=args.extent, title=args.title, subtitle=args.subtitle, date=day,
                                 office=args.office, scale=args.scale, tables=not args.map_only, progress=bar,
                                 **common)
            elif kind == "atlas":
                from fireriskmap.export.pdf import export_atlas

                res = export_atlas(project, args.atlas, by=args.atlas_by, paper=args.paper, landscape=args.landscape,
                                   layers=layers, title=args.title if not args.pdf else None, subtitle=args.subtitle,
                                   date=day, office=args.office, progress=bar, **common)
            elif kind == "html":
                from fireriskmap.export.html import export_html

                res = export_html(project, args.html, layers=layers, basemap=args.basemap, assets=args.html_assets,
                                  date=day, progress=bar, **common)
            elif kind == "xlsx":
                from fireriskmap.export.excel import export_xlsx

                res = export_xlsx(project, args.xlsx, date=day, office=args.office, progress=bar, **common)
            else:
                from fireriskmap.export.png import export_png

                res = export_png(project, args.png, size=_size(args.size), dpi=args.dpi, extent=args.extent,
                                 layers=layers, date=day, progress=bar, **common)
        finally:
            if bar:
                bar.close()
        results.append(res)
        if not args.json:
            detail = tr("export.cli.pages", lang=lang, n=res.pages) + "，" if res.pages else ""
            if lang and lang.startswith("en"):
                detail = detail.replace("，", ", ")
            print(tr("export.cli.done", lang=lang, kind=tr(f"export.cli.kind.{kind}", lang=lang), file=str(res.path),
                     detail=detail, size=_mb(res.bytes), seconds=f"{res.seconds:.1f}"))
            for note in res.notes:
                print("  - " + note)
    if args.json:
        print(json.dumps({"project": str(project.path), "outputs": [r.to_dict() for r in results]},
                         ensure_ascii=False, indent=2))
    return 0


__all__ = ["add_export_parser", "cmd_export"]
