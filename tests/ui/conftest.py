"""UI test setup: never block on the unsaved-changes message box when a test window closes."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_save_prompt(monkeypatch, tmp_path):
    from fireriskmap.ui.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "_ask_save_changes", lambda self: "discard")
    monkeypatch.setenv("FIRERISKMAP_RECOVERY_DIR", str(tmp_path / "recovery"))  # never the user's folder
    yield


@pytest.fixture(autouse=True)
def _chinese():
    """Each UI test starts in Chinese and leaves the process language as it found it."""
    from fireriskmap.i18n import current_language, set_language

    before = current_language()
    set_language("zh_CN")
    yield
    set_language(before)


@pytest.fixture
def settings(tmp_path):
    """Private QSettings for one test."""
    from PyQt6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def runner():
    """A background task runner, stopped and joined after the test."""
    from fireriskmap.ui.tasks import TaskRunner

    r = TaskRunner()
    yield r
    r.cancel_all()
    r.wait(60000)


@pytest.fixture
def fresh_town(town):
    """A new project holding copies of the session township's layers (safe to change)."""
    from fireriskmap.core.project import Project

    project = Project.new(town.crs, name=town.name)
    for kind, gdf in town.layers.items():
        project.layers[kind] = gdf.copy()
    project.dirty = False
    return project


# QWidgets need a QApplication, and once a bare QGuiApplication exists none can be made: tests that
# run before these (render/export call ensure_gui_application()) would leave one behind. This file
# is imported while pytest collects, before any test runs, so the application made here is the
# QApplication every later test (and pytest-qt's qapp) finds.
def _make_application():
    from PyQt6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["fireriskmap-tests"])


_APP = _make_application()
