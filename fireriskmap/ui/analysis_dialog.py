"""The analysis dialog: choose the analyses and their settings, run them in the background.

The dialog runs :func:`fireriskmap.analysis.pipeline.analyse` on a :class:`~fireriskmap.ui.tasks.TaskRunner`
worker with a progress bar and a working Cancel (the worker's progress callback raises
``Cancelled``); the window stays responsive meanwhile. The outcome is handed back through
``outcome_ready`` on the GUI thread, where the main window applies it to the project with
:func:`~fireriskmap.analysis.pipeline.apply_outcome`. The dialog then shows the headline figures
and every issue the analyses reported, in the user's language.
"""

from __future__ import annotations

import time

from PyQt6.QtCore import QSettings, Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (QButtonGroup, QCheckBox, QDialog, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox,
                             QHBoxLayout, QLabel, QProgressBar, QPushButton, QRadioButton, QSpinBox,
                             QTextBrowser, QVBoxLayout, QWidget)

from fireriskmap.i18n import tr
from fireriskmap.ui.tasks import Task, TaskRunner, error_text

SETTINGS_PREFIX = "analysis/"


def pipeline_steps() -> tuple[list[str], list[str]]:
    """(all steps, default steps) of the analysis pipeline."""
    from fireriskmap.analysis import pipeline

    return list(pipeline.STEPS), list(pipeline.DEFAULT_STEPS)


def step_label(step: str) -> str:
    for key in (f"pipeline.step.{step}", f"ui.step.{step}"):
        text = tr(key)
        if text != key:
            return text
    return step


def step_tip(step: str) -> str:
    text = tr(f"pipeline.cli.{step}")
    return "" if text == f"pipeline.cli.{step}" else text


def run_analysis(project, *, steps, gap_m=None, sites=None, stations=None, water_mode="auto", progress=None):
    """The background job: the pipeline, reading the project only."""
    from fireriskmap.analysis.pipeline import analyse

    return analyse(project, steps=steps, gap_m=gap_m, sites=sites, stations=stations, water_mode=water_mode,
                   progress=progress)


def headline_lines(headline: dict) -> list[str]:
    """The outcome's headline figures as translated sentences."""
    lines = []
    for key, value in headline.items():
        if value is None or key == "risk_backtest_baseline_auc":
            continue
        if key == "risk_levels" and isinstance(value, dict):
            from fireriskmap.ui.features import value_text

            value = "、".join(f"{value_text('risk_areas', 'level', code).split('（')[0].split(' (')[0]} {n}"
                             for code, n in value.items() if n)
        elif key == "risk_units":
            text = tr(f"ui.analysis.units.{value}")
            value = value if text.startswith("ui.analysis.units.") else text
        elif key == "risk_backtest_auc":
            base = headline.get("risk_backtest_baseline_auc")
            lines.append(tr("ui.analysis.headline.risk_backtest_auc", value=f"{float(value):.2f}",
                            baseline=f"{float(base):.2f}" if base is not None else "—"))
            continue
        elif key in ("water_covered_share", "share_5min", "households_share_5min"):
            value = f"{float(value) * 100:.1f}%"
        elif key == "water_mode":
            value = tr(f"ui.analysis.water_mode.{value}")
        elif key == "siting_method":
            text = tr(f"ui.analysis.method.{value}")
            value = value if text.startswith("ui.analysis.method.") else text
        elif isinstance(value, float):
            value = f"{value:,.0f}"
        elif isinstance(value, int):
            value = f"{value:,}"
        text = tr(f"ui.analysis.headline.{key}", value=value)
        if not text.startswith("ui.analysis.headline."):
            lines.append(text)
    return lines


class AnalysisDialog(QDialog):
    """Settings, progress and results of one analysis run.

    Signals
    -------
    outcome_ready(outcome)
        The analysis finished (GUI thread): apply it to the project.
    running_changed(bool)
    """

    outcome_ready = pyqtSignal(object)
    running_changed = pyqtSignal(bool)

    def __init__(self, project, runner: TaskRunner, *, settings: QSettings | None = None,
                 steps: list[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.runner = runner
        self.settings = settings if settings is not None else QSettings()
        self.task: Task | None = None
        self.outcome = None
        self._t0 = 0.0
        self.setWindowTitle(tr("ui.analysis.title"))
        self.setModal(False)

        all_steps, default_steps = pipeline_steps()
        saved = self.settings.value(SETTINGS_PREFIX + "steps")
        chosen = steps if steps is not None else (str(saved).split(",") if saved else default_steps)

        self.intro = QLabel(tr("ui.analysis.intro"), self)
        self.intro.setWordWrap(True)
        steps_box = QGroupBox(tr("ui.analysis.steps"), self)
        grid = QGridLayout(steps_box)
        self.step_boxes: dict[str, QCheckBox] = {}
        for i, step in enumerate(all_steps):
            box = QCheckBox(step_label(step), steps_box)
            box.setToolTip(step_tip(step))
            box.setChecked(step in chosen)
            box.toggled.connect(self._update_enabled)
            self.step_boxes[step] = box
            grid.addWidget(box, i // 2, i % 2)

        settings_box = QGroupBox(tr("ui.analysis.settings"), self)
        form = QFormLayout(settings_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # clusters: rating-dependent separation (GB 50016) or a uniform gap
        self.gap_rating = QRadioButton(tr("ui.analysis.gap_rating"), settings_box)
        self.gap_uniform = QRadioButton(tr("ui.analysis.gap_uniform"), settings_box)
        self.gap_group = QButtonGroup(self)
        self.gap_group.addButton(self.gap_rating)
        self.gap_group.addButton(self.gap_uniform)
        self.gap_spin = QDoubleSpinBox(settings_box)
        self.gap_spin.setRange(0.5, 50.0)
        self.gap_spin.setDecimals(1)
        self.gap_spin.setSingleStep(0.5)
        self.gap_spin.setSuffix(" m")
        self.gap_spin.setValue(float(self.settings.value(SETTINGS_PREFIX + "gap_m", 6.0)))
        uniform = str(self.settings.value(SETTINGS_PREFIX + "uniform", "false")).lower() == "true"
        (self.gap_uniform if uniform else self.gap_rating).setChecked(True)
        self.gap_uniform.toggled.connect(self._update_enabled)
        gap_row = QWidget(settings_box)
        gap_lay = QHBoxLayout(gap_row)
        gap_lay.setContentsMargins(0, 0, 0, 0)
        gap_lay.addWidget(self.gap_uniform)
        gap_lay.addWidget(self.gap_spin)
        gap_lay.addStretch(1)
        self.gap_label = QLabel(tr("ui.analysis.gap"), settings_box)
        form.addRow(self.gap_label, self.gap_rating)
        form.addRow("", gap_row)
        # water coverage distance
        self.water_auto = QRadioButton(tr("ui.analysis.water_auto"), settings_box)
        self.water_network = QRadioButton(tr("ui.analysis.water_network"), settings_box)
        self.water_straight = QRadioButton(tr("ui.analysis.water_straight"), settings_box)
        self.water_group = QButtonGroup(self)
        for b in (self.water_auto, self.water_network, self.water_straight):
            self.water_group.addButton(b)
        mode = str(self.settings.value(SETTINGS_PREFIX + "water_mode", "auto"))
        {"network": self.water_network, "straight_line": self.water_straight}.get(mode, self.water_auto).setChecked(True)
        self.water_label = QLabel(tr("ui.analysis.water"), settings_box)
        form.addRow(self.water_label, self.water_auto)
        form.addRow("", self.water_network)
        form.addRow("", self.water_straight)
        # siting
        self.sites_spin = QSpinBox(settings_box)
        self.sites_spin.setRange(1, 200)
        self.sites_spin.setValue(int(self.settings.value(SETTINGS_PREFIX + "sites", 10)))
        self.sites_spin.setSuffix(tr("ui.analysis.sites_suffix"))
        self.sites_label = QLabel(tr("ui.analysis.sites"), settings_box)
        form.addRow(self.sites_label, self.sites_spin)
        self.stations_spin = QSpinBox(settings_box)
        self.stations_spin.setRange(1, 20)
        self.stations_spin.setValue(int(self.settings.value(SETTINGS_PREFIX + "stations", 1)))
        self.stations_spin.setSuffix(tr("ui.analysis.stations_suffix"))
        self.stations_label = QLabel(tr("ui.analysis.stations"), settings_box)
        form.addRow(self.stations_label, self.stations_spin)

        # progress and results
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p%")
        self.status = QLabel(tr("ui.analysis.ready"), self)
        self.status.setWordWrap(True)
        self.results = QTextBrowser(self)
        self.results.setMinimumHeight(220)
        self.results.hide()

        self.run_button = QPushButton(tr("ui.analysis.run"), self)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(tr("ui.analysis.cancel"), self)
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.close_button = QPushButton(tr("ui.button.close"), self)
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(steps_box)
        layout.addWidget(settings_box)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        layout.addLayout(buttons)

        self._clock = QTimer(self)
        self._clock.setInterval(500)
        self._clock.timeout.connect(self._tick)
        self._update_enabled()
        self.resize(max(560, self.sizeHint().width()), self.sizeHint().height())

    # -- settings ---------------------------------------------------------------------------------
    def chosen_steps(self) -> list[str]:
        return [s for s, box in self.step_boxes.items() if box.isChecked()]

    def parameters(self) -> dict:
        if self.water_network.isChecked():
            mode = "network"
        elif self.water_straight.isChecked():
            mode = "straight_line"
        else:
            mode = "auto"
        return {
            "steps": self.chosen_steps(),
            "gap_m": float(self.gap_spin.value()) if self.gap_uniform.isChecked() else None,
            "sites": int(self.sites_spin.value()),
            "stations": int(self.stations_spin.value()),
            "water_mode": mode,
        }

    def _save_settings(self) -> None:
        p = self.parameters()
        self.settings.setValue(SETTINGS_PREFIX + "steps", ",".join(p["steps"]))
        self.settings.setValue(SETTINGS_PREFIX + "uniform", "true" if self.gap_uniform.isChecked() else "false")
        self.settings.setValue(SETTINGS_PREFIX + "gap_m", float(self.gap_spin.value()))
        self.settings.setValue(SETTINGS_PREFIX + "water_mode", p["water_mode"])
        self.settings.setValue(SETTINGS_PREFIX + "sites", p["sites"])
        self.settings.setValue(SETTINGS_PREFIX + "stations", p["stations"])

    def _update_enabled(self, *_args) -> None:
        running = self.is_running()
        steps = set(self.chosen_steps())
        for box in self.step_boxes.values():
            box.setEnabled(not running)
        clusters = "clusters" in steps and not running
        self.gap_rating.setEnabled(clusters)
        self.gap_uniform.setEnabled(clusters)
        self.gap_spin.setEnabled(clusters and self.gap_uniform.isChecked())
        water = "coverage" in steps and not running
        for b in (self.water_auto, self.water_network, self.water_straight):
            b.setEnabled(water)
        self.sites_spin.setEnabled("siting" in steps and not running)
        self.stations_spin.setEnabled("stations" in steps and not running)
        self.run_button.setEnabled(bool(steps) and not running and self.project is not None)
        self.cancel_button.setEnabled(running and not (self.task is not None and self.task.cancel_requested))

    # -- running ----------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.task is not None and not self.task.is_done

    def start(self) -> Task | None:
        """Start the analysis in the background (returns the task)."""
        if self.is_running() or self.project is None:
            return None
        params = self.parameters()
        if not params["steps"]:
            return None
        self._save_settings()
        self.outcome = None
        self.results.hide()
        self.progress.setValue(0)
        self.status.setText(tr("ui.analysis.starting"))
        self._t0 = time.monotonic()
        self.task = self.runner.start(run_analysis, self.project, name="analyse", **params)
        self.task.progress.connect(self._on_progress)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.task.cancelled.connect(self._on_cancelled)
        self.task.done.connect(self._on_done)
        self._clock.start()
        self._update_enabled()
        self.running_changed.emit(True)
        return self.task

    def cancel(self) -> None:
        if self.is_running():
            self.task.cancel()
            self.status.setText(tr("ui.analysis.cancelling"))
            self._update_enabled()

    def _elapsed(self) -> str:
        s = int(time.monotonic() - self._t0)
        return tr("ui.analysis.elapsed", m=s // 60, s=f"{s % 60:02d}")

    def _tick(self) -> None:
        if self.is_running() and not self.task.cancel_requested:
            self.status.setText(f"{self.task.message or tr('ui.analysis.working')}  ·  {self._elapsed()}")

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(round(fraction * 1000)))
        if self.task is not None and not self.task.cancel_requested:
            self.status.setText(f"{message or tr('ui.analysis.working')}  ·  {self._elapsed()}")

    def _on_finished(self, outcome) -> None:
        self.outcome = outcome
        self.progress.setValue(1000)
        self.outcome_ready.emit(outcome)  # the main window applies it to the project
        self.show_outcome(outcome)

    def show_outcome(self, outcome) -> None:
        import html

        lines = headline_lines(outcome.headline())
        issues = [str(m) for m in outcome.issues]
        parts = [f"<b>{html.escape(tr('ui.analysis.done', elapsed=self._elapsed()))}</b>"]
        if lines:
            parts.append("<ul>" + "".join(f"<li>{html.escape(t)}</li>" for t in lines) + "</ul>")
        if issues:
            parts.append(f"<b>{html.escape(tr('ui.analysis.issues'))}</b>")
            parts.append("<ul>" + "".join(f"<li>{html.escape(t)}</li>" for t in issues) + "</ul>")
        self.results.setHtml("".join(parts))
        self.results.show()
        self.status.setText(tr("ui.analysis.applied"))

    def _on_failed(self, error) -> None:
        self.status.setText(tr("ui.analysis.failed", reason=error_text(error)))

    def _on_cancelled(self) -> None:
        self.progress.setValue(0)
        self.status.setText(tr("ui.analysis.cancelled"))

    def _on_done(self) -> None:
        self._clock.stop()
        self._update_enabled()
        self.running_changed.emit(False)

    # Closing the dialog while the analysis runs only hides it: the work goes on in the
    # background, the main window's status bar shows its progress and can cancel it.


__all__ = ["AnalysisDialog", "run_analysis", "headline_lines", "step_label", "pipeline_steps"]
