"""Long work in the background (DESIGN.md §4, the Orange3/superqt pattern).

A long job is a pure function that takes ``progress(fraction, message)``. :class:`TaskRunner`
runs it on a worker thread; the worker turns progress calls into the :class:`Task`'s
``progress`` signal (throttled, so the GUI thread is never flooded) and cancels by raising
:class:`~fireriskmap.errors.Cancelled` from inside that callback once :meth:`Task.cancel` was
called. The result, the error or the cancellation comes back as a signal on the GUI thread, where
the caller may change the Project (only the GUI thread does).

>>> task = runner.start(analyse, project, steps=["classify"], name="analyse")  # doctest: +SKIP
>>> task.finished.connect(lambda outcome: apply_outcome(project, outcome))   # doctest: +SKIP
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from typing import Any, Callable

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from fireriskmap.errors import Cancelled, FireRiskError
from fireriskmap.i18n import tr

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05  # at most 20 progress signals a second


class Task(QObject):
    """The GUI-thread handle of one background job.

    Signals
    -------
    progress(fraction, message)
        Throttled progress from the worker (fraction in [0, 1]).
    finished(result)
        The function returned ``result``.
    failed(error)
        The function raised ``error`` (an exception object; see :func:`error_text`).
    cancelled()
        The job stopped after :meth:`cancel`.
    done()
        Emitted last, whatever the outcome.
    """

    progress = pyqtSignal(float, str)
    finished = pyqtSignal(object)
    failed = pyqtSignal(object)
    cancelled = pyqtSignal()
    done = pyqtSignal()

    def __init__(self, fn: Callable[..., Any], args: tuple = (), kwargs: dict | None = None, *,
                 name: str = "", progress_arg: str | None = "progress", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fn = fn
        self.args = args
        self.kwargs = dict(kwargs or {})
        self.name = name or getattr(fn, "__name__", "task")
        self.progress_arg = progress_arg
        self._cancel = threading.Event()
        self._running = False
        self._finished = False
        self._last_emit = 0.0
        self.fraction = 0.0
        self.message = ""
        self.result: Any = None
        self.error: BaseException | None = None
        self.seconds = 0.0

    # -- GUI side ----------------------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the job to stop: the next progress call inside it raises ``Cancelled``."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @property
    def is_running(self) -> bool:
        return self._running and not self._finished

    @property
    def is_done(self) -> bool:
        return self._finished

    # -- worker side --------------------------------------------------------------------------
    def report(self, fraction: float, message: str = "") -> None:
        """The ``progress`` callback handed to the function (called on the worker thread)."""
        if self._cancel.is_set():
            raise Cancelled()
        now = time.monotonic()
        try:
            fraction = min(max(float(fraction), 0.0), 1.0)
        except (TypeError, ValueError):
            fraction = self.fraction
        message = str(message) if message else self.message
        self.fraction, self.message = fraction, message
        if now - self._last_emit >= PROGRESS_INTERVAL_S or fraction >= 1.0:
            self._last_emit = now
            self.progress.emit(fraction, message)

    def run_here(self) -> None:
        """Run the function on the calling thread and emit the outcome signals."""
        self._running = True
        t0 = time.perf_counter()
        outcome = "failed"
        try:
            kwargs = dict(self.kwargs)
            if self.progress_arg:
                kwargs[self.progress_arg] = self.report
            self.report(0.0, "")
            self.result = self.fn(*self.args, **kwargs)
            if self._cancel.is_set():
                outcome = "cancelled"
            else:
                outcome = "finished"
        except Cancelled:
            outcome = "cancelled"
        except BaseException as exc:  # noqa: BLE001 - every error reaches the GUI as a message
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            if not isinstance(exc, FireRiskError):
                log.exception("background task %s failed", self.name)
            self.error = exc
        finally:
            self.seconds = time.perf_counter() - t0
            self._finished = True
        if outcome == "finished":
            self.finished.emit(self.result)
        elif outcome == "cancelled":
            self.cancelled.emit()
        else:
            self.failed.emit(self.error)
        self.done.emit()


class TaskRunner(QObject):
    """Starts :class:`Task` s on worker threads and keeps them alive until they are done.

    Workers are Python threads (``threading.Thread``), not ``QThreadPool`` threads: a pooled
    Qt thread gets a fresh Python thread state for every job, and libraries that keep
    per-thread state (PROJ contexts in pyproj) crash when a pooled thread is reused. A Python
    thread per job costs well under a millisecond.

    Signal ``busy_changed(bool)``: True when the first task starts, False when the last ends.
    """

    busy_changed = pyqtSignal(bool)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._slots = threading.BoundedSemaphore(max(1, int(max_threads)))
        self._tasks: list[Task] = []
        self._threads: list[threading.Thread] = []

    def start(self, fn: Callable[..., Any], *args: Any, name: str = "", progress_arg: str | None = "progress",
              **kwargs: Any) -> Task:
        """Run ``fn(*args, progress=..., **kwargs)`` in the background; returns its :class:`Task`.

        Connect to the task's signals right after this call: the work starts from the event loop,
        so nothing is missed.
        """
        task = Task(fn, args, kwargs, name=name, progress_arg=progress_arg)
        was_busy = self.busy
        self._tasks.append(task)
        task.done.connect(self._on_task_done)
        task._running = True
        # Start from the event loop, after the caller has connected to the task's signals (a
        # signal emitted by the worker before anyone listens would be lost).
        QTimer.singleShot(0, lambda: self._launch(task))
        # Objects alive now (the project, the UI) are left out of the cyclic garbage collector's
        # scans from here on: a full collection over them holds the GIL for ~100 ms on a township
        # project and would freeze the window mid-analysis. They are still freed by reference
        # counting when no longer used (layers and frames hold no reference cycles).
        gc.freeze()
        if not was_busy:
            self.busy_changed.emit(True)
        return task

    def _launch(self, task: Task) -> None:
        def work() -> None:
            with self._slots:
                task.run_here()

        thread = threading.Thread(target=work, name=f"fireriskmap-{task.name}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    @property
    def busy(self) -> bool:
        return any(not t.is_done for t in self._tasks)

    def tasks(self) -> list[Task]:
        return [t for t in self._tasks if not t.is_done]

    def cancel_all(self) -> None:
        for task in self._tasks:
            task.cancel()

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Block until every task has finished (for shutdown and tests)."""
        from PyQt6.QtCore import QCoreApplication

        QCoreApplication.processEvents()  # tasks waiting for their deferred start
        deadline = time.monotonic() + timeout_ms / 1000
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)

    def _on_task_done(self) -> None:
        task = self.sender()
        if task in self._tasks:
            self._tasks.remove(task)  # the caller's reference (if any) keeps it alive
        if not self.busy:
            self.busy_changed.emit(False)


def error_text(error: BaseException | None) -> str:
    """A translated, user-facing sentence for an error (never a traceback)."""
    if error is None:
        return tr("ui.task.unknown_error")
    if isinstance(error, FireRiskError):
        return error.message()
    if isinstance(error, MemoryError):
        return tr("ui.task.out_of_memory")
    if isinstance(error, PermissionError):
        return tr("ui.task.permission", detail=str(error))
    if isinstance(error, OSError):
        return tr("ui.task.os_error", detail=str(error.strerror or error))
    text = str(error).strip()
    return tr("ui.task.unexpected", detail=text or type(error).__name__)


__all__ = ["Task", "TaskRunner", "error_text", "PROGRESS_INTERVAL_S"]
