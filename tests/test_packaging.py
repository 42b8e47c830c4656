"""A non-editable install must carry layers/, styles/, data/ and the resources (fonts, translations)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.slow
def test_wheel_carries_data_and_resources(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    if out.returncode != 0 and "No module named" in out.stderr and "setuptools" in out.stderr:
        pytest.skip("setuptools is not installed in this environment")
    assert out.returncode == 0, out.stderr
    wheel = next(tmp_path.glob("fireriskmap-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in ("buildings", "villages", "hydrants", "clusters", "patrol_routes"):
        assert f"fireriskmap/_data/layers/{kind}.toml" in names
    assert any(n.startswith("fireriskmap/_data/styles/") and n.endswith(".toml") for n in names)
    assert "fireriskmap/_data/data/demo_township.gpkg" in names
    assert "fireriskmap/resources/translations/core.zh_CN.toml" in names
    fonts = [n for n in names if n.startswith("fireriskmap/resources/fonts/")]
    assert any(n.endswith((".otf", ".ttf")) for n in fonts) and any("OFL" in n for n in fonts)
    assert not any("__pycache__" in n for n in names)


def test_paths_fall_back_to_package_data(monkeypatch, tmp_path):
    from fireriskmap import paths

    monkeypatch.setattr(paths, "REPO_ROOT", tmp_path)  # as if installed: no repository around
    assert paths.layers_dir() == paths.PACKAGE_DIR / "_data" / "layers"
    assert paths.demo_project_path() == paths.PACKAGE_DIR / "_data" / "data" / "demo_township.gpkg"
