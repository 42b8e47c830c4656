"""The night patrol panel (大巡防): plan tonight's routes in the background, show the outcome, write
the route sheets.

The planning runs :func:`fireriskmap.analysis.patrol.plan_project` on a worker thread through the
shared :class:`~fireriskmap.ui.tasks.TaskRunner` (progress bar, Cancel raises ``Cancelled`` from
the progress callback). The plan is applied to the project with
:func:`~fireriskmap.analysis.patrol.apply_plan` on the GUI thread, then :attr:`PatrolPanel.plan_applied`
is emitted (the main window refreshes its layers and canvas on it).

>>> panel = PatrolPanel(runner=window.tasks)          # doctest: +SKIP
>>> panel.set_project(project)                        # doctest: +SKIP
>>> panel.plan_applied.connect(window.on_layers_changed)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtCore import QTime, pyqtSignal
from PyQt6.QtWidgets import (QAbstractItemView, QCheckBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout,
                             QHeaderView, QLabel, QMessageBox, QProgressBar, QPushButton, QSpinBox, QTableWidget,
                             QTableWidgetItem, QTimeEdit, QVBoxLayout, QWidget)

from fireriskmap.i18n import tr
from fireriskmap.ui.tasks import Task, TaskRunner, error_text

__all__ = ["PatrolPanel", "LEVEL_CHOICES"]

#: The levels offered as check boxes (checked by default: red and orange).
LEVEL_CHOICES = ("red", "orange", "yellow")


def _level_text(level: Any) -> str:
    text = str(level or "")
    if not text:
        return "—"
    key = f"patrol.level.{text}"
    out = tr(key)
    return text if out == key else out


class PatrolPanel(QWidget):
    """Plan night patrols for the project set with :meth:`set_project`.

    Signals
    -------
    plan_applied(plan)
        Emitted on the GUI thread after the plan (a :class:`~fireriskmap.analysis.patrol.PatrolPlan`)
        was stored in the project (layers ``patrol_routes`` and ``patrol_stops``).
    sheets_written(paths)
        A list of ``str`` paths after route sheets were written.
    """

    plan_applied = pyqtSignal(object)
    sheets_written = pyqtSignal(list)

    def __init__(self, project=None, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patrol_panel")
        self.setWindowTitle(tr("ui_pe.patrol.title"))
        self.project = None
        self.plan = None
        self.task: Task | None = None
        self.runner = runner if runner is not None else TaskRunner(self)
        self._build()
        self.set_project(project)

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.teams_spin = QSpinBox()
        self.teams_spin.setRange(1, 20)
        self.teams_spin.setValue(3)
        form.addRow(tr("ui_pe.patrol.teams"), self.teams_spin)

        levels = QHBoxLayout()
        self.level_boxes: dict[str, QCheckBox] = {}
        for level in LEVEL_CHOICES:
            box = QCheckBox(tr(f"ui_pe.patrol.{level}"))
            box.setChecked(level in ("red", "orange"))
            self.level_boxes[level] = box
            levels.addWidget(box)
        levels.addStretch(1)
        form.addRow(tr("ui_pe.patrol.levels"), levels)

        shift = QHBoxLayout()
        self.start_edit = QTimeEdit(QTime(20, 0))
        self.end_edit = QTimeEdit(QTime(6, 0))
        for edit in (self.start_edit, self.end_edit):
            edit.setDisplayFormat("HH:mm")
        shift.addWidget(self.start_edit)
        shift.addWidget(QLabel(tr("ui_pe.patrol.shift_to")))
        shift.addWidget(self.end_edit)
        shift.addStretch(1)
        form.addRow(tr("ui_pe.patrol.shift"), shift)

        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 999_999)
        self.seed_spin.setValue(1)
        form.addRow(tr("ui_pe.patrol.seed"), self.seed_spin)
        self.time_spin = QDoubleSpinBox()
        self.time_spin.setRange(0.5, 600.0)
        self.time_spin.setDecimals(1)
        self.time_spin.setValue(10.0)
        self.time_spin.setSuffix(tr("ui_pe.patrol.seconds_suffix"))
        form.addRow(tr("ui_pe.patrol.time_limit"), self.time_spin)

        buttons = QHBoxLayout()
        self.plan_button = QPushButton(tr("ui_pe.patrol.plan"))
        self.plan_button.setToolTip(tr("ui_pe.patrol.plan_tip"))
        self.plan_button.clicked.connect(self.start_plan)
        self.cancel_button = QPushButton(tr("ui_pe.patrol.cancel"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.plan_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setVisible(False)
        self.status_label = QLabel(tr("ui_pe.patrol.ready"))
        self.status_label.setWordWrap(True)

        self.team_table = QTableWidget(0, 5)
        self.team_table.setHorizontalHeaderLabels([tr(f"ui_pe.patrol.col_{c}")
                                                   for c in ("team", "stops", "km", "hours", "shift")])
        self.unvisited_label = QLabel(tr("ui_pe.patrol.unvisited", count=0))
        self.unvisited_table = QTableWidget(0, 4)
        self.unvisited_table.setHorizontalHeaderLabels([tr(f"ui_pe.patrol.col_{c}")
                                                        for c in ("target", "level", "visit", "reason")])
        for table in (self.team_table, self.unvisited_table):
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.verticalHeader().setVisible(False)
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            table.horizontalHeader().setStretchLastSection(True)
            table.setWordWrap(False)

        sheets = QHBoxLayout()
        sheets.addWidget(QLabel(tr("ui_pe.patrol.sheets")))
        self.sheet_buttons: dict[str, QPushButton] = {}
        for fmt, key in (("pdf", "write_pdf"), ("xlsx", "write_excel"), ("gpx", "write_gpx"), ("all", "write_all")):
            button = QPushButton(tr(f"ui_pe.patrol.{key}"))
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, f=fmt: self._ask_and_write(f))
            self.sheet_buttons[fmt] = button
            sheets.addWidget(button)
        sheets.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.team_table, 1)
        layout.addWidget(self.unvisited_label)
        layout.addWidget(self.unvisited_table, 1)
        layout.addLayout(sheets)

    # -- project -----------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """Show ``project`` (or nothing for ``None``); a running plan of the previous one is cancelled."""
        if self.task is not None and not self.task.is_done:
            self.task.cancel()
        self.project = project
        self.plan = None
        self._fill_tables(None)
        self.plan_button.setEnabled(project is not None and not self.busy)
        self.status_label.setText(tr("ui_pe.patrol.ready") if project is not None else tr("ui_pe.patrol.no_project"))

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.is_done

    def levels(self) -> list[str]:
        return [lv for lv, box in self.level_boxes.items() if box.isChecked()]

    def parameters(self) -> dict[str, Any]:
        """The keyword arguments handed to ``plan_project`` (besides ``progress``)."""
        return {"teams": int(self.teams_spin.value()), "levels": self.levels(),
                "shift": (self.start_edit.time().toString("HH:mm"), self.end_edit.time().toString("HH:mm")),
                "seed": int(self.seed_spin.value()), "time_limit_s": float(self.time_spin.value())}

    # -- planning --------------------------------------------------------------------------------
    def start_plan(self) -> Task | None:
        """Start planning in the background; returns the task (``None`` when nothing to plan)."""
        from fireriskmap.analysis.patrol import plan_project

        if self.project is None:
            self.status_label.setText(tr("ui_pe.patrol.no_project"))
            return None
        if self.busy:
            return self.task
        params = self.parameters()
        if not params["levels"]:
            self.status_label.setText(tr("ui_pe.patrol.no_levels"))
            return None
        project = self.project
        task = self.runner.start(plan_project, project, name="patrol", **params)
        self.task = task
        task.progress.connect(self._on_progress)
        task.finished.connect(lambda plan, p=project: self._on_finished(p, plan))
        task.failed.connect(self._on_failed)
        task.cancelled.connect(self._on_cancelled)
        task.done.connect(self._on_done)
        self.plan_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        for b in self.sheet_buttons.values():
            b.setEnabled(False)
        self.progress_bar.setValue(0)
        self.progress_bar.setVisible(True)
        self.status_label.setText(tr("ui_pe.patrol.running"))
        return task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(int(round(fraction * 1000)))
        if message:
            self.status_label.setText(message)

    def _on_finished(self, project, plan) -> None:
        if project is not self.project:  # the project changed meanwhile: the plan is stale
            return
        from fireriskmap.analysis.patrol import apply_plan

        apply_plan(project, plan)
        self.plan = plan
        self._fill_tables(plan)
        s = plan.summary
        self.status_label.setText(tr("ui_pe.patrol.done", night=s.get("night", ""), wanted=plan.visits_wanted,
                                     made=plan.visits_made, missing=len(plan.unvisited),
                                     seconds=f"{float(s.get('seconds', 0.0)):.1f}"))
        self.plan_applied.emit(plan)

    def _on_failed(self, error) -> None:
        text = error_text(error)
        self.status_label.setText(text)
        if self.isVisible():
            QMessageBox.warning(self, tr("ui_pe.patrol.failed_title"), text)

    def _on_cancelled(self) -> None:
        self.status_label.setText(tr("ui_pe.patrol.cancelled"))

    def _on_done(self) -> None:
        self.progress_bar.setVisible(False)
        self.cancel_button.setEnabled(False)
        self.plan_button.setEnabled(self.project is not None)
        for b in self.sheet_buttons.values():
            b.setEnabled(self.plan is not None)

    # -- the outcome -------------------------------------------------------------------------------
    def _fill_tables(self, plan) -> None:
        teams = plan.summary.get("teams", []) if plan is not None else []
        self.team_table.setRowCount(len(teams))
        for row, t in enumerate(teams):
            values = [str(t.get("team", "")), str(len(t.get("stops", []))), f"{float(t.get('km', 0.0)):.1f}",
                      f"{float(t.get('hours', 0.0)):.1f}", str(t.get("shift", ""))]
            for col, value in enumerate(values):
                self.team_table.setItem(row, col, QTableWidgetItem(value))
        unvisited = plan.unvisited if plan is not None else None
        n = 0 if unvisited is None else len(unvisited)
        self.unvisited_label.setText(tr("ui_pe.patrol.unvisited", count=n))
        self.unvisited_table.setRowCount(n)
        for row in range(n):
            u = unvisited.iloc[row]
            name = str(u.get("name") or "") or str(u.get("target_id") or "")
            values = [name, _level_text(u.get("level")), str(int(u.get("visit", 1) or 1)),
                      str(u.get("reason") or u.get("reason_code") or "")]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col == 3:
                    item.setToolTip(value)
                self.unvisited_table.setItem(row, col, item)

    # -- route sheets --------------------------------------------------------------------------------
    def _ask_and_write(self, fmt: str) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("ui_pe.patrol.choose_folder"))
        if folder:
            self.write_sheets(folder, ["pdf", "xlsx", "gpx"] if fmt == "all" else [fmt])

    def write_sheets(self, folder: str | Path, formats: list[str]) -> list[str]:
        """Write the current plan's route sheets (``pdf``, ``xlsx``, ``gpx``) into ``folder``.

        Runs on the GUI thread (a few teams: well under a second). Returns the written paths;
        an error is shown as a translated message (when the panel is visible) and gives ``[]``.
        """
        if self.plan is None:
            return []
        from fireriskmap.export import patrol_sheets
        from fireriskmap.fonts import register_fonts

        project = self.project
        title = tr("ui_pe.patrol.sheet_title", name=project.name) if project is not None and project.name else None
        roads = project.layer("roads") if project is not None and "pdf" in formats else None
        try:
            if "pdf" in formats:
                register_fonts()
            out = patrol_sheets.write_sheets(self.plan, folder, roads=roads, title=title, formats=formats)
        except Exception as exc:  # noqa: BLE001 - shown as a message, never a traceback
            text = error_text(exc)
            self.status_label.setText(text)
            if self.isVisible():
                QMessageBox.warning(self, tr("ui_pe.patrol.write_failed"), text)
            return []
        paths = [str(p) for fmt in formats for p in out.get(fmt, [])]
        self.status_label.setText(tr("ui_pe.patrol.written", count=len(paths), folder=str(folder)))
        self.sheets_written.emit(paths)
        return paths
