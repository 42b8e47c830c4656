"""``fireriskmap ledger``: the hazard ledger (隐患台账) from the command line.

    fireriskmap ledger PROJECT import FILE.xlsx [--sheet S] [--coords gcj02] [--json]
    fireriskmap ledger PROJECT export FILE.xlsx [--no-personal] [--office NAME]
    fireriskmap ledger PROJECT weekly [--week 2027-W03] [--xlsx FILE] [--pdf FILE] [--office NAME] [--json]
    fireriskmap ledger PROJECT list [--overdue] [--status S] [--json]
    fireriskmap ledger PROJECT close ID --evidence FILE [--evidence FILE2] [--note TEXT] [--date D]
    fireriskmap ledger PROJECT void ID --reason TEXT
    fireriskmap ledger PROJECT inspect --village V --date D --households N [--result ok]

Changes (import, close, void, inspect) go through :class:`~fireriskmap.ledger.Ledger` (audit
trail) and the project is saved atomically. ``list --json`` prints a list of items, each with at
least ``id``, ``status``, ``severity``, ``deadline``, ``overdue``. Items without a ledger id yet (a
plain layer import) get one first. Errors print in Chinese ("错误：…") with exit code 2 (the
main CLI turns :class:`~fireriskmap.errors.FireRiskError` into that).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from fireriskmap.i18n import tr

__all__ = ["add_ledger_parser", "cmd_ledger"]

ACTIONS = ("import", "export", "weekly", "list", "close", "void", "inspect")


def add_ledger_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``ledger`` (with its actions) to ``subparsers``; return its parser."""
    p = subparsers.add_parser("ledger", help=tr("ledger_io.cli.help"), description=tr("ledger_io.cli.help"))
    p.add_argument("project", help=tr("cli.help.project"))
    actions = p.add_subparsers(dest="ledger_action", metavar="ACTION", parser_class=type(p))
    actions.required = True

    a = actions.add_parser("import", help=tr("ledger_io.cli.import"), description=tr("ledger_io.cli.import"))
    a.add_argument("file", help=tr("ledger_io.cli.file"))
    a.add_argument("--sheet", help=tr("ledger_io.cli.sheet"))
    a.add_argument("--coords", choices=["wgs84", "gcj02", "bd09"], help=tr("cli.help.coords"))
    a.add_argument("--src-crs", help=tr("cli.help.src_crs"))
    a.add_argument("--json", action="store_true", help=tr("cli.help.json"))

    a = actions.add_parser("export", help=tr("ledger_io.cli.export"), description=tr("ledger_io.cli.export"))
    a.add_argument("file", help=tr("ledger_io.cli.out_xlsx"))
    a.add_argument("--no-personal", action="store_true", help=tr("ledger_io.cli.no_personal"))
    a.add_argument("--office", help=tr("ledger_io.cli.office"))
    a.add_argument("--json", action="store_true", help=tr("cli.help.json"))

    a = actions.add_parser("weekly", help=tr("ledger_io.cli.weekly"), description=tr("ledger_io.cli.weekly"))
    a.add_argument("--week", help=tr("ledger_io.cli.week"))
    a.add_argument("--xlsx", help=tr("ledger_io.cli.out_xlsx"))
    a.add_argument("--pdf", help=tr("ledger_io.cli.out_pdf"))
    a.add_argument("--office", help=tr("ledger_io.cli.office"))
    a.add_argument("--json", action="store_true", help=tr("cli.help.json"))

    a = actions.add_parser("list", help=tr("ledger_io.cli.list"), description=tr("ledger_io.cli.list"))
    a.add_argument("--overdue", action="store_true", help=tr("ledger_io.cli.overdue"))
    a.add_argument("--status", help=tr("ledger_io.cli.status"))
    a.add_argument("--json", action="store_true", help=tr("cli.help.json"))

    a = actions.add_parser("close", help=tr("ledger_io.cli.close"), description=tr("ledger_io.cli.close"))
    a.add_argument("id", help=tr("ledger_io.cli.id"))
    a.add_argument("--evidence", action="append", default=[], metavar="FILE", help=tr("ledger_io.cli.evidence"))
    a.add_argument("--note", help=tr("ledger_io.cli.note"))
    a.add_argument("--date", help=tr("ledger_io.cli.date"))
    a.add_argument("--json", action="store_true", help=tr("cli.help.json"))

    a = actions.add_parser("void", help=tr("ledger_io.cli.void"), description=tr("ledger_io.cli.void"))
    a.add_argument("id", help=tr("ledger_io.cli.id"))
    a.add_argument("--reason", required=True, help=tr("ledger_io.cli.reason"))
    a.add_argument("--json", action="store_true", help=tr("cli.help.json"))

    a = actions.add_parser("inspect", help=tr("ledger_io.cli.inspect"), description=tr("ledger_io.cli.inspect"))
    a.add_argument("--village", required=True, help=tr("ledger_io.cli.village"))
    a.add_argument("--date", required=True, help=tr("ledger_io.cli.date"))
    a.add_argument("--households", required=True, help=tr("ledger_io.cli.households"))
    a.add_argument("--result", default="ok", choices=["ok", "hazard_found", "not_home", "refused"],
                   help=tr("ledger_io.cli.result"))
    a.add_argument("--target-type", default=None,
                   choices=["household", "building", "key_place", "cluster", "village"],
                   help=tr("ledger_io.cli.target_type"))
    a.add_argument("--target", default=None, help=tr("ledger_io.cli.target"))
    a.add_argument("--inspector", default=None, help=tr("ledger_io.cli.inspector"))
    a.add_argument("--hazards", default=None, help=tr("ledger_io.cli.hazards"))
    a.add_argument("--note", default=None, help=tr("ledger_io.cli.note"))
    a.add_argument("--json", action="store_true", help=tr("cli.help.json"))
    p.set_defaults(handler=cmd_ledger)
    return p


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _open(path: str):
    from fireriskmap.core.project import Project
    from fireriskmap.errors import ProjectFileError

    if not Path(path).exists():
        raise ProjectFileError("ledger_io.error.no_project", file=str(path))
    return Project.open(path)


def _status_words(text: str | None) -> list[str] | None:
    """Status codes from codes or Chinese words (``open,overdue`` / ``未整改,逾期``)."""
    if not text:
        return None
    from fireriskmap.core.spec import get_spec
    from fireriskmap.errors import LedgerError

    spec = get_spec("hazards").field("status")
    out = []
    for part in str(text).replace("，", ",").replace("、", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(spec.parse(part))
        except ValueError:
            raise LedgerError("ledger.bad_status", status=part) from None
    return out


def cmd_ledger(args) -> int:
    """Run ``fireriskmap ledger``; returns the exit code."""
    from fireriskmap.ledger import Ledger

    project = _open(args.project)
    ledger = Ledger(project)
    ledger.ensure_ids()  # items imported as a plain layer get their ledger ids first
    action = args.ledger_action
    as_json = getattr(args, "json", False)

    if action == "list":
        records = ledger.records(overdue_only=bool(args.overdue), status=_status_words(args.status))
        if as_json:
            _print_json(records)
            return 0
        _print_list(records)
        return 0

    if action == "export":
        from fireriskmap.export.ledger_excel import export_ledger

        result = export_ledger(project, args.file, office=args.office, personal=not args.no_personal,
                               ledger=ledger)
        if as_json:
            _print_json(result.to_dict())
        else:
            print(tr("ledger_io.cli.exported", file=str(result.path), items=result.extra["rows"]["items"],
                     audit=result.extra["rows"]["audit"]))
        return 0

    if action == "weekly":
        from fireriskmap.ledger.weekly import weekly_report

        report = weekly_report(project, args.week, ledger=ledger)
        files = {}
        if args.xlsx:
            from fireriskmap.export.weekly_report import weekly_xlsx

            files["xlsx"] = str(weekly_xlsx(report, args.xlsx, office=args.office).path)
        if args.pdf:
            from fireriskmap.export.weekly_report import weekly_pdf

            files["pdf"] = str(weekly_pdf(report, args.pdf, office=args.office).path)
        if as_json:
            data = report.to_dict()
            data["files"] = files
            _print_json(data)
            return 0
        _print_weekly(report)
        for f in files.values():
            print(tr("ledger_io.cli.written", file=f))
        return 0

    # the changing actions
    if action == "import":
        from fireriskmap.io.ledger import import_ledger

        summary = import_ledger(project, args.file, sheet=args.sheet, coords=args.coords, src_crs=args.src_crs,
                                ledger=ledger)
        project.save()
        if as_json:
            data = summary.to_dict()
            data["saved"] = str(project.path)
            _print_json(data)
        else:
            print(summary.describe())
            print(tr("ledger_io.cli.saved", file=str(project.path)))
        return 0

    if action == "close":
        stored = ledger.close(args.id, evidence=args.evidence, note=args.note, closed_date=args.date)
        project.save()
        key = ledger.normalise_id(args.id)
        if as_json:
            _print_json({"id": key, "status": "closed", "evidence": stored,
                         "closed_date": ledger.get(key)["closed_date"], "saved": str(project.path)})
        else:
            print(tr("ledger_io.cli.closed", id=key, date=ledger.get(key)["closed_date"], n=len(stored)))
            for s in stored:
                print(f"  {s}")
        return 0

    if action == "void":
        ledger.void(args.id, args.reason)
        project.save()
        key = ledger.normalise_id(args.id)
        if as_json:
            _print_json({"id": key, "status": "void", "reason": args.reason, "saved": str(project.path)})
        else:
            print(tr("ledger_io.cli.voided", id=key))
        return 0

    if action == "inspect":
        from fireriskmap.errors import LedgerError
        from fireriskmap.ledger import add_inspections
        from fireriskmap.ledger.model import as_date

        day = as_date(args.date)
        if day is None:
            raise LedgerError("ledger_io.error.bad_date", value=args.date)
        try:
            households = int(str(args.households).strip().rstrip("户"))
        except ValueError:
            raise LedgerError("ledger_io.error.bad_households", value=args.households) from None
        if households < 0:
            raise LedgerError("ledger_io.error.bad_households", value=args.households)
        ids = add_inspections(project, [{
            "date": day.isoformat(), "village": args.village, "households": households, "result": args.result,
            "target_type": args.target_type or ("household" if households <= 1 else "village"),
            "target_ref": args.target, "inspector": args.inspector, "hazard_ids": args.hazards, "note": args.note,
        }], user=ledger.user)
        project.save()
        if as_json:
            _print_json({"ids": ids, "saved": str(project.path)})
        else:
            print(tr("ledger_io.cli.inspected", id=ids[0], village=args.village, households=households))
        return 0
    return 2  # pragma: no cover - argparse restricts the actions


def _print_list(records: list[dict]) -> None:
    from fireriskmap.export.data import enum_label

    if not records:
        print(tr("ledger_io.cli.none"))
        return
    for r in records:
        status = enum_label("hazards", "status", r["status"])
        overdue = tr("ledger_io.cli.overdue_mark", days=r["days_overdue"]) if r["overdue"] else ""
        print(f"{r['id']}  {r['found_date'] or '':10}  {enum_label('hazards', 'severity', r['severity']):2}  "
              f"{status:4}  {tr('ledger_io.cli.deadline')}{r['deadline'] or '—'}  {r['village'] or ''}  "
              f"{r['address'] or ''}  {(r['description'] or '')[:30]}{overdue}")
    print(tr("ledger_io.cli.count", n=len(records)))


def _print_weekly(report) -> None:
    from fireriskmap.export.weekly_report import WEEKLY_COLUMNS, _fmt, _met_text, week_title

    title, line = week_title(report)
    print(title)
    print(line + "    " + tr("ledger_io.cli.as_of", date=report.as_of.isoformat()))
    keys = [(k, kind) for _g, k, kind in WEEKLY_COLUMNS if k not in ("no", "remark", "loss_yuan", "target",
                                                                      "deaths", "injuries")]
    heads = [tr(f"ledger_io.weekly.col.{k}") for k, _ in keys]
    rows = []
    for rec in report.rows.to_dict("records") + [
            {**report.totals, "village": tr("export.total"), **{f"d_{k}": v for k, v in report.change.items()}}]:
        rows.append([(_met_text(rec.get(k), None) or "") if k == "met" else _fmt(rec.get(k), kind, None)
                     for k, kind in keys])

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))

    widths = [max(width(h), *(width(r[i]) for r in rows)) for i, h in enumerate(heads)]

    def pad(text: str, w: int, left: bool) -> str:
        gap = " " * (w - width(text))
        return text + gap if left else gap + text

    print("  ".join(pad(h, w, i == 0) for i, (h, w) in enumerate(zip(heads, widths))))
    for r in rows:
        print("  ".join(pad(c, w, i == 0) for i, (c, w) in enumerate(zip(r, widths))))
    print()
    print(report.summary_text())
    for n in report.notes:
        print(n)
