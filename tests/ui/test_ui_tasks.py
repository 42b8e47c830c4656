"""The task runner: results, errors and cancellation come back as signals on the GUI thread, and the
GUI thread stays responsive (a QTimer heartbeat) while an analysis runs in the background."""

from __future__ import annotations

import threading
import time

import pytest
from PyQt6.QtCore import QTimer

from fireriskmap.errors import Cancelled, ImportFileError
from fireriskmap.ui.tasks import error_text


def slow_sum(n, *, delay=0.001, progress=None):
    total = 0
    for i in range(n):
        progress(i / n, f"step {i}")
        total += i
        time.sleep(delay)
    return total


def test_result_and_progress_arrive_on_the_gui_thread(qtbot, runner):
    main = threading.get_ident()
    seen = []
    task = runner.start(slow_sum, 200, delay=0.0005)
    task.progress.connect(lambda f, m: seen.append((f, threading.get_ident() == main)))
    with qtbot.waitSignal(task.finished, timeout=10000) as blocker:
        pass
    assert blocker.args == [sum(range(200))]
    assert seen and all(on_main for _, on_main in seen)
    assert len(seen) < 200  # throttled
    qtbot.waitUntil(lambda: not runner.busy)


def test_errors_become_messages_not_tracebacks(qtbot, runner):
    def broken(progress=None):
        raise ImportFileError("io.error.empty", file="村.csv")

    task = runner.start(broken)
    with qtbot.waitSignal(task.failed, timeout=10000) as blocker:
        pass
    text = error_text(blocker.args[0])
    assert "村.csv" in text and "Traceback" not in text

    def crash(progress=None):
        raise KeyError("x")

    task = runner.start(crash)
    with qtbot.waitSignal(task.failed, timeout=10000) as blocker:
        pass
    assert "Traceback" not in error_text(blocker.args[0])


def test_cancel_stops_the_work(qtbot, runner):
    task = runner.start(slow_sum, 100000, delay=0.001)
    with qtbot.waitSignal(task.progress, timeout=10000):
        pass
    t0 = time.perf_counter()
    with qtbot.waitSignal(task.cancelled, timeout=10000):
        task.cancel()
    assert time.perf_counter() - t0 < 1.0
    assert task.result is None
    with pytest.raises(Cancelled):
        task.report(0.5)


def test_gui_thread_not_blocked_while_analysis_runs(qtbot, runner, town):
    """DESIGN §4 / issue 5: no freeze over 100 ms while the whole pipeline runs (heartbeat)."""
    from fireriskmap.analysis.pipeline import analyse

    import gc

    gc_times = []
    gc_start = {}

    def on_gc(phase, info):
        if phase == "start":
            gc_start["t"] = time.perf_counter()
        else:
            gc_times.append((time.perf_counter() - gc_start.get("t", time.perf_counter())) * 1000)

    gc.callbacks.append(on_gc)
    beats = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: beats.append(time.perf_counter()))
    task = runner.start(analyse, town, steps=["classify", "clusters", "coverage", "response", "siting"])
    timer.start()
    with qtbot.waitSignal(task.finished, timeout=120000) as blocker:
        pass
    timer.stop()
    gc.callbacks.remove(on_gc)
    print("gc max ms", max(gc_times or [0]), "top gaps", sorted([round((b - a) * 1000) for a, b in zip(beats, beats[1:])])[-4:])
    assert blocker.args[0].steps == ["classify", "clusters", "coverage", "response", "siting"]
    gaps = [b - a for a, b in zip(beats, beats[1:])]
    assert len(gaps) > 10
    worst_blocked_ms = (max(gaps) - 0.010) * 1000
    print(f"analysis {task.seconds:.2f} s, {len(gaps)} heartbeats, worst GUI block {worst_blocked_ms:.0f} ms")
    assert worst_blocked_ms < 100
