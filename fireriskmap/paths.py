"""Where the shipped, declarative data lives: layer specs, styles, the demo project, resources.

In a source checkout ``layers/``, ``styles/`` and ``data/`` sit at the repository root; in an
installed package they are copied to ``fireriskmap/_data/`` by ``setup.py``.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
RESOURCES_DIR = PACKAGE_DIR / "resources"


def _shipped(name: str) -> Path:
    source = REPO_ROOT / name
    if source.is_dir() and (REPO_ROOT / "pyproject.toml").is_file():
        return source
    return PACKAGE_DIR / "_data" / name


def layers_dir() -> Path:
    """Folder of the layer catalogue (one TOML per layer kind)."""
    return _shipped("layers")


def styles_dir() -> Path:
    """Folder of map styles and Qt themes."""
    return _shipped("styles")


def data_dir() -> Path:
    """Folder holding the built demo township."""
    return _shipped("data")


def demo_project_path() -> Path:
    """The bundled, pre-built demo township project."""
    return data_dir() / "demo_township.gpkg"


def fonts_dir() -> Path:
    return RESOURCES_DIR / "fonts"


def translations_dir() -> Path:
    return RESOURCES_DIR / "translations"


def shared_data_dir() -> Path | None:
    """``../shared/data`` next to the repository, when present (real data for tests and benches)."""
    candidate = REPO_ROOT.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None
