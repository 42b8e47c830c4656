"""``fireriskmap brief``: the big-screen briefing (数据大屏) for leadership meetings.

    fireriskmap brief [PROJECT] [--screen N] [--size WxH] [--png out.png] [--step N] [--top N]
                      [--snapshot] [--date YYYY-MM-DD] [--json]

Without ``--png`` the briefing opens full screen on screen N (default: the last screen, so the
planner's own screen keeps the workspace), or windowed at ``--size``. ``--png`` renders the overview
(or tour step N) at ``--size`` (default 1920x1080) into a PNG without showing a window, also with no
display. ``--snapshot`` stores today's figures in the project; later briefings show the change since.
Wire it into :mod:`fireriskmap.cli` with :func:`add_brief_parser` and :func:`cmd_brief`. Qt widgets
are imported only inside the command.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fireriskmap.errors import BriefingError
from fireriskmap.i18n import current_language, tr

__all__ = ["add_brief_parser", "cmd_brief", "parse_size"]


def add_brief_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``brief`` command to ``subparsers``; return its parser."""
    p = subparsers.add_parser("brief", help=tr("brief.cli.help"), description=tr("brief.cli.help"))
    p.add_argument("project", nargs="?", help=tr("brief.cli.project"))
    p.add_argument("--screen", type=int, default=None, metavar="N", help=tr("brief.cli.screen"))
    p.add_argument("--size", default=None, metavar="WxH", help=tr("brief.cli.size"))
    p.add_argument("--png", default=None, metavar="PNG", help=tr("brief.cli.png"))
    p.add_argument("--step", type=int, default=0, metavar="N", help=tr("brief.cli.step"))
    p.add_argument("--top", type=int, default=10, metavar="N", help=tr("brief.cli.top"))
    p.add_argument("--snapshot", action="store_true", help=tr("brief.cli.snapshot"))
    p.add_argument("--date", default=None, metavar="YYYY-MM-DD", help=tr("brief.cli.date"))
    p.add_argument("--json", action="store_true", help=tr("brief.cli.json"))
    p.set_defaults(handler=cmd_brief)
    return p


def parse_size(text: str | None, default: tuple[int, int] | None = None) -> tuple[int, int] | None:
    if not text:
        return default
    from fireriskmap.cli import _parse_size

    return _parse_size(text)


def cmd_brief(args) -> int:
    """Run the ``brief`` command; returns the exit code."""
    from fireriskmap.core.project import Project
    from fireriskmap.paths import demo_project_path

    path = Path(args.project) if args.project else demo_project_path()
    project = Project.open(path)
    if args.date:
        project.settings["risk.as_of"] = args.date  # shown date and season (not saved unless --snapshot)
    lang = current_language()
    if not 1 <= args.top <= 50:
        raise BriefingError("brief.error.bad_top", value=args.top)
    result: dict = {"project": str(path)}
    if args.png:
        from fireriskmap.ui.briefing import render_briefing_png

        size = parse_size(args.size, (1920, 1080))
        info = render_briefing_png(project, args.png, size=size, step=args.step or None, top=args.top, lang=lang)
        result["png"] = info
        if not args.json:
            print(tr("brief.cli.saved_png", file=args.png, w=info["width"], h=info["height"], seconds=info["seconds"]))
    if args.snapshot:
        from fireriskmap.export.briefing_data import take_snapshot

        if path.resolve() == demo_project_path().resolve():
            raise BriefingError("brief.error.demo_read_only")

        entry = take_snapshot(project)
        if args.date:
            project.settings.pop("risk.as_of", None)
        project.save()
        result["snapshot"] = entry
        if not args.json:
            print(tr("brief.cli.saved_snapshot", date=entry["date"], file=str(path)))
    if not args.png and not args.snapshot:
        from fireriskmap.ui.app import has_display

        if not has_display():
            print(tr("ui.no_display"), file=sys.stderr)
            return 2
        from fireriskmap.ui.briefing import run_briefing

        def save() -> None:
            if args.date:
                project.settings.pop("risk.as_of", None)
            project.save()

        return run_briefing(project, screen=args.screen, size=parse_size(args.size), top=args.top, lang=lang,
                            save_callback=save if path != demo_project_path() else None, step=args.step)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0
