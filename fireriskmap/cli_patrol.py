"""``fireriskmap patrol``: plan the night patrols of a project from the command line.

    fireriskmap patrol PROJECT [--teams 3] [--targets red,orange] [--start 20:00 --end 06:00]
                       [--mode car] [--seed N] [--time-limit S] [--night YYYY-MM-DD]
                       [--out-dir DIR | --pdf DIR --excel DIR --gpx DIR] [--without 第2组] [--no-save] [--json]

The plan's layers (``patrol_routes``, ``patrol_stops``) are stored in the project unless
``--no-save``. ``--json`` prints ``{"teams": [{"stops": [...], "km": x, "hours": x}, ...],
"visits_wanted": N, "visits_made": M, "unvisited": [{"target": ..., "reason": ...}], ...}``.
Wire it into :mod:`fireriskmap.cli` with :func:`add_patrol_parser` and :func:`cmd_patrol`.
The Qt-based PDF writer is imported only when a PDF is asked for.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from fireriskmap.i18n import tr
from fireriskmap.progress import TextProgressBar

__all__ = ["add_patrol_parser", "cmd_patrol"]


def add_patrol_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``patrol`` command to ``subparsers`` (from ``parser.add_subparsers``); return its parser."""
    p = subparsers.add_parser("patrol", help=tr("patrol.cli.help"), description=tr("patrol.cli.help"))
    p.add_argument("project", help=tr("cli.help.project"))
    p.add_argument("--teams", type=int, default=3, metavar="N", help=tr("patrol.cli.teams"))
    p.add_argument("--targets", "--levels", dest="targets", default="red,orange", metavar="LEVELS",
                   help=tr("patrol.cli.targets"))
    p.add_argument("--sources", default=None, metavar="SOURCES", help=tr("patrol.cli.sources"))
    p.add_argument("--manual", default=None, metavar="FILE", help=tr("patrol.cli.manual"))
    p.add_argument("--start", default=None, metavar="HH:MM", help=tr("patrol.cli.start"))
    p.add_argument("--end", default=None, metavar="HH:MM", help=tr("patrol.cli.end"))
    p.add_argument("--mode", default=None, help=tr("patrol.cli.mode"))
    p.add_argument("--seed", type=int, default=None, help=tr("patrol.cli.seed"))
    p.add_argument("--time-limit", type=float, default=None, metavar="S", help=tr("patrol.cli.time_limit"))
    p.add_argument("--night", default=None, metavar="YYYY-MM-DD", help=tr("patrol.cli.night"))
    p.add_argument("--break-min", type=float, default=None, metavar="MIN", help=tr("patrol.cli.break_min"))
    p.add_argument("--without", default=None, metavar="TEAMS", help=tr("patrol.cli.without"))
    p.add_argument("--out-dir", default=None, metavar="DIR", help=tr("patrol.cli.out_dir"))
    p.add_argument("--pdf", default=None, metavar="DIR", help=tr("patrol.cli.pdf"))
    p.add_argument("--excel", default=None, metavar="DIR", help=tr("patrol.cli.excel"))
    p.add_argument("--gpx", default=None, metavar="DIR", help=tr("patrol.cli.gpx"))
    p.add_argument("--no-save", action="store_true", help=tr("patrol.cli.no_save"))
    p.add_argument("--json", action="store_true", help=tr("cli.help.json"))
    p.set_defaults(handler=cmd_patrol)
    return p


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    items = [t.strip() for t in str(text).replace("，", ",").replace("、", ",").split(",")]
    return [t for t in items if t]


def _progress(args) -> TextProgressBar | None:
    if getattr(args, "json", False) or not sys.stderr.isatty() and os.environ.get("FIRERISKMAP_PROGRESS") != "1":
        return None
    return TextProgressBar()


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _read_manual(path: str, project):
    """Places added by hand from any vector file (GeoJSON, GeoPackage, Shapefile, KML), in the project CRS."""
    import geopandas as gpd

    from fireriskmap.errors import ImportFileError

    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is the file's problem
        raise ImportFileError(file=str(path), problem=str(exc)) from None
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    return frame.to_crs(project.crs)


def cmd_patrol(args) -> int:
    """Run the ``patrol`` command; returns the exit code (0)."""
    from fireriskmap.analysis.patrol import apply_plan, plan_project, replan
    from fireriskmap.core.project import Project

    project = Project.open(args.project)
    levels = _split(getattr(args, "targets", None))
    if levels and [v.lower() for v in levels] == ["all"]:
        levels = None
    shift = None
    start, end = getattr(args, "start", None), getattr(args, "end", None)
    if start or end:
        from fireriskmap.analysis.patrol import patrol_rules

        r = patrol_rules(project.settings)
        shift = (start or r["shift_start"], end or r["shift_end"])
    manual = None
    if getattr(args, "manual", None):
        manual = _read_manual(args.manual, project)
    bar = _progress(args)
    try:
        plan = plan_project(project, teams=int(getattr(args, "teams", 3) or 3), levels=levels,
                            sources=_split(getattr(args, "sources", None)), manual=manual,
                            seed=getattr(args, "seed", None),
                            time_limit_s=getattr(args, "time_limit", None), night=getattr(args, "night", None),
                            shift=shift, mode=getattr(args, "mode", None),
                            break_min=getattr(args, "break_min", None), progress=bar)
        without = _split(getattr(args, "without", None))
        if without:
            plan = replan(plan, without=without, progress=bar)
    finally:
        if bar:
            bar.close()
    written: dict[str, list[str]] = {}
    title = f"{project.name} {tr('patrol.sheet.plan_title')}".strip() if project.name else None
    out_dir = getattr(args, "out_dir", None)
    targets = {"pdf": getattr(args, "pdf", None) or out_dir, "xlsx": getattr(args, "excel", None) or out_dir,
               "gpx": getattr(args, "gpx", None) or out_dir}
    if any(targets.values()):
        from fireriskmap.export import patrol_sheets

        for fmt, folder in targets.items():
            if not folder:
                continue
            out = patrol_sheets.write_sheets(plan, folder, roads=project.layer("roads") if fmt == "pdf" else None,
                                             title=title, formats=[fmt])
            written[fmt] = [str(p) for p in out.get(fmt, [])]
    if not getattr(args, "no_save", False):
        apply_plan(project, plan)
        project.save()
    if getattr(args, "json", False):
        data = plan.to_dict()
        data["project"] = str(project.path)
        data["files"] = written
        data["saved"] = not getattr(args, "no_save", False)
        _print_json(data)
        return 0
    s = plan.summary
    print(tr("patrol.cli.planned", night=s["night"], teams=len(plan.teams), seed=s["seed"], seconds=s["seconds"]))
    print(tr("patrol.cli.targets_line", targets=s["targets"], due=s["targets_due"], wanted=s["visits_wanted"],
             made=s["visits_made"]))
    for t in s["teams"]:
        print(tr("patrol.cli.team_line", team=t["team"], base=t["base"], mode=tr(f"patrol.mode.{t['mode']}"),
                 stops=len(t["stops"]), km=f"{t['km']:.1f}", hours=f"{t['hours']:.1f}", depart=t["depart"] or "—",
                 back=t["return"] or "—"))
    if len(plan.unvisited):
        print(tr("patrol.cli.unvisited", count=len(plan.unvisited)))
        for _, u in plan.unvisited.iterrows():
            print(tr("patrol.cli.unvisited_line", name=u["name"], visit=int(u["visit"]), reason=u["reason"]))
    if plan.issues:
        print(tr("patrol.cli.issues"))
        for msg in plan.issues:
            print(f"  - {msg}")
    for files in written.values():
        for f in files:
            print(tr("patrol.cli.written", file=f))
    if not getattr(args, "no_save", False):
        print(tr("patrol.cli.saved", file=str(project.path)))
    return 0
