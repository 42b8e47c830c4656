"""DESIGN.md §3: no Qt below the UI; render/export use QtCore/QtGui only; the CLI imports the UI lazily.

Each group of modules is imported in a fresh interpreter and ``sys.modules`` is inspected.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import fireriskmap

ROOT = Path(fireriskmap.__file__).parent


def modules_of(subpackage: str) -> list[str]:
    folder = ROOT / subpackage if subpackage else ROOT
    if subpackage and not folder.is_dir():
        return []
    if not subpackage:
        return []
    prefix = f"fireriskmap.{subpackage}."
    names = [f"fireriskmap.{subpackage}"]
    names += [m.name for m in pkgutil.walk_packages([str(folder)], prefix=prefix)]
    return names


def imported_after(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=ROOT.parent)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def qt_modules(loaded: set[str]) -> set[str]:
    return {m for m in loaded if m.split(".")[0] in ("PyQt6", "pyqtgraph", "PySide6")}


@pytest.mark.parametrize("group", ["core", "io", "storage", "analysis", "demo", "ledger"])
def test_no_qt_below_the_ui(group):
    modules = modules_of(group)
    if not modules:
        pytest.skip(f"fireriskmap.{group} has no modules yet")
    loaded = imported_after(modules + ["fireriskmap.errors", "fireriskmap.progress", "fireriskmap.i18n"])
    assert not qt_modules(loaded), f"{group} imports Qt: {sorted(qt_modules(loaded))[:5]}"


@pytest.mark.parametrize("group", ["render", "export"])
def test_render_and_export_use_no_widgets(group):
    modules = modules_of(group)
    if not modules:
        pytest.skip(f"fireriskmap.{group} has no modules yet")
    loaded = imported_after(modules)
    assert "PyQt6.QtWidgets" not in loaded
    assert not {m for m in loaded if m.startswith("pyqtgraph")}


def test_cli_does_not_import_qt():
    loaded = imported_after(["fireriskmap.cli"])
    assert not qt_modules(loaded)


def test_the_hook_rule_holds_in_source():
    """The same rule the project's pre-stop hook greps for."""
    import re

    pattern = re.compile(r"^\s*(from|import) (PyQt6|pyqtgraph)", re.M)
    for group in ("core", "io", "storage", "analysis"):
        for path in (ROOT / group).rglob("*.py") if (ROOT / group).is_dir() else []:
            assert not pattern.search(path.read_text(encoding="utf-8")), path
