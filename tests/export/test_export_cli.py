"""``fireriskmap export`` through :func:`cmd_export` with a small parser (cli.py wires it)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from fireriskmap.cli_export import add_export_parser, cmd_export
from fireriskmap.errors import FireRiskError
from fireriskmap.export.data import ExportError


@pytest.fixture(autouse=True)
def _qt(qapp):
    """pytest-qt's QApplication first (the widget tests of the session need a QApplication)."""


def parse(*argv: str):
    parser = argparse.ArgumentParser(prog="fireriskmap")
    parser.add_argument("--lang")
    sub = parser.add_subparsers(dest="command")
    add_export_parser(sub)
    return parser.parse_args(list(argv))


@pytest.fixture(scope="module")
def project_file(town, tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "town.gpkg"
    town.save(path)
    return path


def test_export_everything_as_json(project_file, tmp_path, capsys):
    args = parse("export", str(project_file), "--pdf", str(tmp_path / "r.pdf"), "--paper", "a3", "--landscape",
                 "--xlsx", str(tmp_path / "t.xlsx"), "--png", str(tmp_path / "s.png"), "--size", "640x360",
                 "--dpi", "96", "--html", str(tmp_path / "m.html"), "--layers", "villages,roads", "buildings",
                 "--date", "2027-01-20", "--json")
    assert args.handler is cmd_export
    assert cmd_export(args) == 0
    data = json.loads(capsys.readouterr().out)
    kinds = [o["kind"] for o in data["outputs"]]
    assert kinds == ["pdf", "html", "xlsx", "png"]
    assert data["outputs"][0]["paper"] == "A3" and data["outputs"][0]["size_mm"] == [420.0, 297.0]
    for name in ("r.pdf", "t.xlsx", "s.png", "m.html"):
        assert (tmp_path / name).stat().st_size > 0


def test_text_output_and_atlas(project_file, tmp_path, capsys):
    args = parse("export", str(project_file), "--atlas", str(tmp_path / "a.pdf"), "--map-only")
    assert cmd_export(args) == 0
    out = capsys.readouterr().out
    assert "已导出 PDF 图集" in out and "页" in out


def test_errors(project_file, tmp_path):
    with pytest.raises(FireRiskError):
        cmd_export(parse("export", str(project_file)))  # nothing to export
    with pytest.raises(ExportError):
        cmd_export(parse("export", str(project_file), "--pdf", str(tmp_path / "x.pdf"), "--extent", "village:没有"))
    with pytest.raises(FireRiskError):
        cmd_export(parse("export", str(project_file), "--png", str(tmp_path / "x.png"), "--date", "2027-13-45"))
    assert not list(tmp_path.glob("x.*"))


def test_importing_the_command_loads_no_qt():
    code = "import sys, fireriskmap.cli_export; print(any(m.startswith('PyQt6') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
