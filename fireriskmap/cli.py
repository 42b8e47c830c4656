"""The ``fireriskmap`` command: the same operations as the app, headless, with ``--json`` for scripts.

``fireriskmap`` alone opens the desktop app on the bundled demo township. The UI is imported only
inside the ``gui`` command (DESIGN.md §3).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from fireriskmap import __version__
from fireriskmap.errors import FireRiskError
from fireriskmap.i18n import current_language, set_language, tr
from fireriskmap.progress import TextProgressBar

COMMANDS = ("gui", "new", "import", "info", "validate", "demo", "analyse", "priorities", "ahp", "export", "patrol", "brief", "ledger")


class _Parser(argparse.ArgumentParser):
    """argparse with translated error messages and exit code 2."""

    def error(self, message: str) -> None:  # pragma: no cover - exercised through main()
        self.print_usage(sys.stderr)
        self.exit(2, tr("cli.usage_error", message=message) + "\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fireriskmap", description=tr("cli.description"))
    parser.add_argument("--version", action="version", version=f"fireriskmap {__version__}")
    parser.add_argument("--lang", choices=["zh_CN", "en"], help=tr("cli.help.lang"))
    parser.add_argument("--debug", action="store_true", help=tr("cli.help.debug"))
    # --lang and --debug are accepted after the command too (fireriskmap info x.gpkg --lang en)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=["zh_CN", "en"], default=argparse.SUPPRESS, help=tr("cli.help.lang"))
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=tr("cli.help.debug"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add = sub.add_parser

    def add_parser(name, **kwargs):
        return _add(name, parents=[common], **kwargs)

    sub.add_parser = add_parser  # type: ignore[method-assign]

    p = sub.add_parser("gui", help=tr("cli.gui.help"), description=tr("cli.gui.help"))
    p.add_argument("project", nargs="?", help=tr("cli.help.project_optional"))
    p.add_argument("--screenshot", metavar="PNG", help=tr("cli.help.screenshot"))
    p.add_argument("--size", default="1600x1000", metavar="WxH", help=tr("cli.help.size"))

    p = sub.add_parser("new", help=tr("cli.new.help"), description=tr("cli.new.help"))
    p.add_argument("project", help=tr("cli.help.project_new"))
    p.add_argument("--crs", help=tr("cli.help.crs"))
    p.add_argument("--centre", "--center", metavar="LON,LAT", help=tr("cli.help.centre"))
    p.add_argument("--name", default="", help=tr("cli.help.name"))
    p.add_argument("--force", action="store_true", help=tr("cli.help.force"))
    p.add_argument("--json", action="store_true", help=tr("cli.help.json"))

    p = sub.add_parser("import", help=tr("cli.import.help"), description=tr("cli.import.help"))
    p.add_argument("project", help=tr("cli.help.project"))
    p.add_argument("file", help=tr("cli.help.file"))
    p.add_argument("--layer", dest="kind", help=tr("cli.help.layer"))
    p.add_argument("--source-layer", help=tr("cli.help.source_layer"))
    p.add_argument("--encoding", help=tr("cli.help.encoding"))
    p.add_argument("--coords", choices=["wgs84", "gcj02", "bd09"], help=tr("cli.help.coords"))
    p.add_argument("--src-crs", help=tr("cli.help.src_crs"))
    p.add_argument("--mode", choices=["append", "replace"], default="append", help=tr("cli.help.mode"))
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD", help=tr("cli.help.map"))
    p.add_argument("--report-dir", help=tr("cli.help.report_dir"))
    p.add_argument("--json", action="store_true", help=tr("cli.help.json"))

    p = sub.add_parser("info", help=tr("cli.info.help"), description=tr("cli.info.help"))
    p.add_argument("project", help=tr("cli.help.project"))
    p.add_argument("--json", action="store_true", help=tr("cli.help.json"))

    p = sub.add_parser("validate", help=tr("cli.validate.help"), description=tr("cli.validate.help"))
    p.add_argument("project", nargs="?", help=tr("cli.help.project_optional_validate"))
    p.add_argument("--json", action="store_true", help=tr("cli.help.json"))

    p = sub.add_parser("analyse", aliases=["analyze"], help=tr("pipeline.cli.help"), description=tr("pipeline.cli.help"))
    p.add_argument("project", help=tr("cli.help.project"))
    p.add_argument("--all", action="store_true", help=tr("pipeline.cli.all"))
    p.add_argument("--clusters", action="store_true", help=tr("pipeline.cli.clusters"))
    p.add_argument("--classify", action="store_true", help=tr("pipeline.cli.classify"))
    p.add_argument("--coverage", action="store_true", help=tr("pipeline.cli.coverage"))
    p.add_argument("--response", action="store_true", help=tr("pipeline.cli.response"))
    p.add_argument("--siting", type=int, metavar="N", help=tr("pipeline.cli.siting"))
    p.add_argument("--stations", type=int, metavar="P", help=tr("pipeline.cli.stations"))
    p.add_argument("--gap", type=float, metavar="METRES", help=tr("pipeline.cli.gap"))
    p.add_argument("--straight-line", action="store_true", help=tr("pipeline.cli.straight"))
    p.add_argument("--risk", action="store_true", help=tr("risk.cli.risk"))
    p.add_argument("--units", metavar="UNITS", help=tr("risk.cli.units"))
    p.add_argument("--date", metavar="YYYY-MM-DD", help=tr("risk.cli.date"))
    p.add_argument("--top", type=int, default=10, metavar="N", help=tr("risk.cli.top"))
    p.add_argument("--json", action="store_true", help=tr("cli.help.json"))

    p = sub.add_parser("priorities", help=tr("risk.cli.priorities_help"), description=tr("risk.cli.priorities_help"))
    p.add_argument("project", help=tr("cli.help.project"))
    p.add_argument("--top", type=int, default=10, metavar="N", help=tr("risk.cli.top"))
    p.add_argument("--units", metavar="UNITS", help=tr("risk.cli.units"))
    p.add_argument("--date", metavar="YYYY-MM-DD", help=tr("risk.cli.date"))
    p.add_argument("--xlsx", metavar="XLSX", help=tr("risk.cli.xlsx"))
    p.add_argument("--json", action="store_true", help=tr("cli.help.json"))

    p = sub.add_parser("ahp", help=tr("risk.cli.ahp_help"), description=tr("risk.cli.ahp_help"))
    p.add_argument("matrix", help=tr("risk.cli.matrix"))
    p.add_argument("--json", action="store_true", help=tr("cli.help.json"))

    from fireriskmap.cli_export import add_export_parser
    from fireriskmap.cli_patrol import add_patrol_parser

    add_export_parser(sub)
    add_patrol_parser(sub)
    from fireriskmap.cli_brief import add_brief_parser

    add_brief_parser(sub)
    from fireriskmap.cli_ledger import add_ledger_parser

    add_ledger_parser(sub)

    p = sub.add_parser("demo", help=tr("cli.demo.help"), description=tr("cli.demo.help"))
    p.add_argument("output", help=tr("cli.help.output"))
    p.add_argument("--seed", type=int, default=None, help=tr("cli.help.seed"))
    p.add_argument("--force", action="store_true", help=tr("cli.help.force"))
    return parser


def _print_json(data: Any) -> None:
    """Valid JSON whatever the data holds (NaN/NA become null, numpy scalars numbers)."""
    from fireriskmap.core.jsonable import plain

    print(json.dumps(plain(data), ensure_ascii=False, indent=2, default=str, allow_nan=False))


def _progress(args) -> TextProgressBar | None:
    if getattr(args, "json", False) or not sys.stderr.isatty() and os.environ.get("FIRERISKMAP_PROGRESS") != "1":
        return None
    return TextProgressBar()


# -- commands --------------------------------------------------------------------------------

def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise FireRiskError("cli.bad_size", value=text) from None
    if not (100 <= w <= 16384 and 100 <= h <= 16384):
        raise FireRiskError("cli.bad_size", value=text)
    return w, h


def cmd_gui(args) -> int:
    # the only place the CLI touches Qt widgets
    if getattr(args, "screenshot", None):
        size = _parse_size(args.size)
        from fireriskmap.ui.app import save_screenshot

        return save_screenshot(args.project, args.screenshot, size=size, lang=args.lang)
    from fireriskmap.ui.app import run_gui

    return run_gui(args.project, lang=args.lang)


def cmd_new(args) -> int:
    from fireriskmap.core.project import Project

    path = Path(args.project)
    if path.exists() and not args.force:
        raise FireRiskError("cli.exists", file=str(path))
    centre = None
    if args.centre:
        try:
            lon, lat = (float(v) for v in args.centre.replace("，", ",").split(","))
        except ValueError:
            raise FireRiskError("cli.bad_centre", value=args.centre) from None
        centre = (lon, lat)
    project = Project.new(args.crs, name=args.name or path.stem, centre=centre)
    project.save(path)
    info = {"project": str(path), "crs": project.crs_code}
    if args.json:
        _print_json(info)
    else:
        print(tr("cli.new.done", file=str(path), crs=project.crs_code or tr("cli.crs_from_data")))
    return 0


def _parse_mapping(items: Sequence[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        if "=" not in item:
            raise FireRiskError("cli.bad_map", value=item)
        col, field = item.split("=", 1)
        mapping[col.strip()] = field.strip()
    return mapping


def cmd_import(args) -> int:
    from fireriskmap.core.project import Project
    from fireriskmap.io.importer import import_file

    path = Path(args.project)
    created = False
    if path.exists():
        project = Project.open(path)
    else:
        project = Project.new(name=path.stem)
        created = True
    bar = _progress(args)
    try:
        summary = import_file(
            project, args.file, kind=args.kind, layer=args.source_layer, mapping=_parse_mapping(args.map) or None,
            encoding=args.encoding, coords=args.coords, src_crs=args.src_crs, mode=args.mode,
            report_dir=args.report_dir or path.resolve().parent, progress=bar,
        )
    finally:
        if bar:
            bar.close()
    project.save(path)
    data = summary.to_dict()
    data["project"] = str(path)
    data["project_created"] = created
    data["crs"] = project.crs_code
    if args.json:
        _print_json(data)
    else:
        if created:
            print(tr("cli.import.created", file=str(path), crs=project.crs_code))
        print(summary.describe() if hasattr(summary, "describe") else json.dumps(data, ensure_ascii=False, indent=2))
    return 0


def project_info(project) -> dict[str, Any]:
    """The facts ``info --json`` prints."""
    from fireriskmap.core.spec import catalogue

    specs = catalogue()
    layers = {}
    for kind in project.ordered_kinds():
        gdf = project.layers[kind]
        spec = specs.get(kind)
        layers[kind] = {
            "count": int(len(gdf)),
            "label": spec.label() if spec else kind,
            "geometry": spec.geometry if spec else None,
            "derived": bool(spec.derived) if spec else None,
        }
    extent = project.extent()
    return {
        "project": str(project.path) if project.path else None,
        "name": project.name,
        "crs": project.crs_code,
        "crs_name": project.crs.name if project.crs is not None else None,
        "schema_version": int(project.metadata.get("file_schema_version") or project.metadata.get("schema_version", 0)),
        "extent": list(extent) if extent else None,
        "centre_lonlat": list(project.centre_lonlat()) if extent else None,
        "layers": layers,
        "runs": len(project.runs),
    }


def cmd_info(args) -> int:
    from fireriskmap.core.project import Project

    project = Project.open(args.project)
    info = project_info(project)
    if args.json:
        _print_json(info)
        return 0
    print(tr("cli.info.header", name=info["name"] or Path(args.project).stem, crs=info["crs"] or "-",
             crs_name=info["crs_name"] or ""))
    if not info["layers"]:
        print(tr("cli.info.no_layers"))
    for kind, item in info["layers"].items():
        print(f"  {item['label']:<14} {kind:<18} {item['count']:>9,}")
    return 0


def validate_project(project) -> dict[str, Any]:
    """Check every layer against its spec and its geometry; return the findings."""
    import numpy as np
    import shapely

    from fireriskmap.core.spec import catalogue, coerce_frame

    specs = catalogue()
    report: dict[str, Any] = {"crs": project.crs_code, "layers": {}, "errors": 0, "warnings": 0}
    if project.crs is None and project.layers:
        report["errors"] += 1
        report["crs_problem"] = tr("cli.validate.no_crs")
    for kind in project.ordered_kinds():
        gdf = project.layers[kind]
        spec = specs.get(kind)
        item: dict[str, Any] = {"count": int(len(gdf))}
        geoms = gdf.geometry.values
        empty = shapely.is_empty(geoms) | shapely.is_missing(geoms)
        invalid = ~empty & ~shapely.is_valid(geoms)
        item["empty_geometry"] = int(empty.sum())
        item["invalid_geometry"] = int(invalid.sum())
        if spec is not None:
            want = {"point": ("Point", "MultiPoint"), "line": ("LineString", "MultiLineString"),
                    "polygon": ("Polygon", "MultiPolygon")}.get(spec.geometry)
            if want:
                types = np.asarray(shapely.get_type_id(geoms))
                ids = {"Point": 0, "LineString": 1, "Polygon": 3, "MultiPoint": 4, "MultiLineString": 5,
                       "MultiPolygon": 6}
                wrong = ~empty & ~np.isin(types, [ids[w] for w in want])
                item["wrong_geometry_type"] = int(wrong.sum())
            else:
                item["wrong_geometry_type"] = 0
            present = [f for f in spec.field_names if f in gdf.columns]
            _, problems, rejected = coerce_frame(spec, gdf[present])
            item["value_problems"] = int(len(problems))
            item["missing_required"] = int(len(rejected))
            item["examples"] = problems.head(5).astype(str).to_dict("records") + rejected.head(5).astype(str).to_dict("records")
            report["errors"] += item["empty_geometry"] + item["wrong_geometry_type"] + item["missing_required"]
            report["warnings"] += item["invalid_geometry"] + item["value_problems"]
        report["layers"][kind] = item
    report["ok"] = report["errors"] == 0
    return report


def cmd_validate(args) -> int:
    from fireriskmap.core.spec import catalogue

    specs = catalogue()  # validates every layer spec: a bad spec raises SpecError naming file and key
    if not args.project:
        data = {"specs": sorted(specs), "ok": True}
        if args.json:
            _print_json(data)
        else:
            print(tr("cli.validate.specs_ok", n=len(specs)))
        return 0
    from fireriskmap.core.project import Project

    report = validate_project(Project.open(args.project))
    if args.json:
        _print_json(report)
    else:
        for kind, item in report["layers"].items():
            print(tr("cli.validate.layer_line", kind=kind, **{k: v for k, v in item.items() if k != "examples"}))
        print(tr("cli.validate.ok") if report["ok"] else tr("cli.validate.failed", errors=report["errors"]))
    return 0 if report["ok"] else 1


def cmd_demo(args) -> int:
    from fireriskmap.demo import build_demo

    out = Path(args.output)
    if out.exists() and not args.force:
        raise FireRiskError("cli.exists", file=str(out))
    bar = _progress(args)
    try:
        kwargs = {"progress": bar}
        if args.seed is not None:
            kwargs["seed"] = args.seed
        path = build_demo(out, **kwargs)
    finally:
        if bar:
            bar.close()
    print(tr("cli.demo.done", file=str(path)))
    return 0


def cmd_analyse(args) -> int:
    from fireriskmap.analysis.pipeline import DEFAULT_STEPS, analyse, apply_outcome
    from fireriskmap.core.project import Project

    steps = [name for name in ("classify", "clusters", "coverage", "response") if getattr(args, name)]
    if args.siting:
        steps.append("siting")
    if args.stations:
        steps.append("stations")
    if args.risk:
        steps.append("risk")
    if args.all or not steps:
        steps = list(DEFAULT_STEPS) + (["stations"] if args.stations else [])
    project = Project.open(args.project)
    bar = _progress(args)
    try:
        outcome = analyse(project, steps=steps, gap_m=args.gap, sites=args.siting, stations=args.stations,
                          water_mode="straight_line" if args.straight_line else "auto", risk_units=args.units,
                          risk_date=args.date, risk_top=args.top, progress=bar)
    finally:
        if bar:
            bar.close()
    apply_outcome(project, outcome)
    project.save()
    if args.json:
        data = outcome.to_dict()
        data["project"] = str(project.path)
        if "risk" in outcome.summary:
            data["risk"] = outcome.summary["risk"]
        _print_json(data)
        return 0
    for key, value in outcome.headline().items():
        if not key.startswith("risk_"):
            print(f"  {key}: {value}")
    if outcome.risk is not None:
        _print_risk(outcome.risk, args.top)
    if outcome.issues:
        print(tr("pipeline.cli.issues"))
        for msg in outcome.issues:
            print(f"  - {msg}")
    print(tr("pipeline.cli.done", file=str(project.path)))
    return 0


def _print_risk(result, top: int) -> None:
    """Level counts, the top areas with reasons, the season and the back-test, in the current language."""
    from fireriskmap.i18n import current_language

    short = "zh" if current_language() == "zh_CN" else "en"
    levels = result.levels
    counts = tr("risk.sep").join(tr("risk.cli.level_count", label=row[short], n=int(row["count"]))
                                 for _, row in levels.iterrows() if row["count"] or _ != "unknown")
    print(tr("risk.cli.levels", counts=counts))
    if result.season.periods:
        print(tr("risk.cli.season", periods=tr("risk.list_sep").join(result.season.names())))
    table = result.top(top)
    print(tr("risk.cli.top_header", n=len(table), date=result.as_of.isoformat(), units=result.units.spec.text()))
    for row in table.itertuples():
        print(tr("risk.cli.top_line", rank=int(row.rank), name=row.name, score=f"{row.score:.1f}",
                 level=getattr(row, f"level_{short}"), reasons=getattr(row, f"reasons_{short}")))
    bt = result.backtest()
    if bt is not None:
        print(tr("risk.cli.backtest", incidents=bt.incidents, hit10=f"{bt.hits[0.1]:.0%}", hit25=f"{bt.hits[0.25]:.0%}",
                 auc=f"{bt.auc:.2f}", baseline=f"{bt.baseline_auc:.2f}"))


def cmd_priorities(args) -> int:
    from fireriskmap.analysis.risk import priorities
    from fireriskmap.core.project import Project

    project = Project.open(args.project)
    table = priorities(project, top=max(0, args.top), units=args.units, date=args.date)
    if args.xlsx:
        sheet = table[["rank", "unit_id", "name", "score", "level_label", "reasons", "completeness"]].rename(columns={
            "rank": tr("risk.xlsx.rank"), "unit_id": tr("risk.xlsx.unit_id"), "name": tr("risk.xlsx.name"),
            "score": tr("risk.xlsx.score"), "level_label": tr("risk.xlsx.level"), "reasons": tr("risk.xlsx.reasons"),
            "completeness": tr("risk.xlsx.completeness")})
        sheet.to_excel(args.xlsx, sheet_name=tr("risk.xlsx.sheet")[:31], index=False)
    if args.json:
        _print_json({"project": str(project.path), "top": int(args.top), "areas": [
            {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()} for row in table.to_dict("records")],
            "xlsx": args.xlsx})
        return 0 if len(table) else 1
    if not len(table):
        scored = project.layer("risk_areas")
        print(tr("risk.cli.no_ranked" if len(scored) else "risk.cli.no_priorities", n=len(scored)), file=sys.stderr)
        return 1
    for row in table.itertuples():
        print(tr("risk.cli.top_line", rank=int(row.rank), name=row.name, score=f"{row.score:.1f}",
                 level=row.level_label, reasons=row.reasons))
    if args.xlsx:
        print(tr("risk.cli.saved_xlsx", file=args.xlsx))
    return 0


def cmd_ahp(args) -> int:
    from fireriskmap.analysis.risk import ahp_weights, read_matrix

    rows, labels = read_matrix(args.matrix)
    result = ahp_weights(rows, labels=labels, check=False)
    explanation = result.explain()
    if args.json:
        data = result.to_dict()
        data["explanation"] = explanation
        _print_json(data)
    else:
        width = max(len(label) for label in result.labels)
        for label, weight in zip(result.labels, result.weights):
            print(f"  {label:<{width}}  {weight:.4f}")
        print(explanation, file=sys.stdout if result.acceptable else sys.stderr)
    return 0 if result.acceptable else 1


def cmd_export(args) -> int:
    from fireriskmap.cli_export import cmd_export as run

    return run(args)


def cmd_patrol(args) -> int:
    from fireriskmap.cli_patrol import cmd_patrol as run

    return run(args)


def cmd_brief(args) -> int:
    from fireriskmap.cli_brief import cmd_brief as run

    return run(args)


def cmd_ledger(args) -> int:
    from fireriskmap.cli_ledger import cmd_ledger as run

    return run(args)


HANDLERS = {"ledger": cmd_ledger, "brief": cmd_brief, "patrol": cmd_patrol, "export": cmd_export, "analyse": cmd_analyse, "priorities": cmd_priorities, "ahp": cmd_ahp, "analyze": cmd_analyse, "gui": cmd_gui, "new": cmd_new, "import": cmd_import, "info": cmd_info,
            "validate": cmd_validate, "demo": cmd_demo}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # the language must be known before the parser builds its translated help
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            set_language(argv[i + 1])
        elif arg.startswith("--lang="):
            set_language(arg.split("=", 1)[1])
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.lang:
        set_language(args.lang)
    if args.command is None:
        args.command = "gui"
        args.project = None
        args.screenshot = None
    try:
        return HANDLERS[args.command](args)
    except FireRiskError as exc:
        if args.debug:
            raise
        print(tr("cli.error_prefix") + exc.message(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(tr("error.cancelled"), file=sys.stderr)
        return 130
    except Exception as exc:  # an internal error still gets a readable line, details with --debug
        if args.debug:
            raise
        print(tr("cli.internal_error", error=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
