"""Shared fixtures for the importer tests (tiny files are built in each test with tmp_path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fireriskmap.core.project import Project
from fireriskmap.i18n import set_language

SHARED_OSM = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "osm"


@pytest.fixture(autouse=True)
def _chinese_ui():
    """Messages in the default language (zh_CN) unless a test switches."""
    set_language("zh_CN")
    yield
    set_language("zh_CN")


@pytest.fixture
def project() -> Project:
    """An empty project in CGCS2000 / 3-degree GK CM 117E (Beijing area)."""
    return Project.new("EPSG:4548", name="test")


@pytest.fixture
def shared_osm():
    """``shared_osm(name)``: the path of a real OSM extract in ../shared/data/osm, or skip."""

    def find(name: str) -> Path:
        path = SHARED_OSM / name
        if not path.is_file():
            pytest.skip(f"real data {path} not present (../shared/data is optional)")
        return path

    return find
