"""ui/tasks.py: work runs off the GUI thread; progress, result, failure and cancel arrive as signals."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from ui.tasks import Task


def test_result_and_progress_arrive_on_the_gui_thread(qtbot):
    gui_thread = QThread.currentThread()
    seen: list[tuple[int, int, str]] = []
    threads: list[bool] = []

    def work(progress):
        worker = threading.current_thread()
        progress.start(3, "mulai")
        for _ in range(3):
            progress.step()
        return "utas lain" if worker is not threading.main_thread() else "utas utama"

    task = Task(work)
    task.progressed.connect(lambda d, t, m: (seen.append((d, t, m)), threads.append(
        QThread.currentThread() is gui_thread)))
    with qtbot.waitSignal(task.finished, timeout=5000) as blocker:
        task.start()
    assert blocker.args == ["utas lain"]
    qtbot.waitUntil(lambda: (3, 3, "mulai") in seen)
    assert seen[0] == (0, 3, "mulai")
    assert all(threads)
    assert not task.running


def test_failure_is_reported_not_raised(qtbot):
    def work(_progress):
        raise ValueError("rusak")

    task = Task(work)
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        task.start()
    assert isinstance(blocker.args[0], ValueError)


def test_cancel_stops_the_work_at_its_next_step(qtbot):
    started = threading.Event()
    release = threading.Event()
    steps: list[int] = []

    def work(progress):
        progress.start(1000)
        started.set()
        release.wait(5)
        for i in range(1000):
            progress.step()
            steps.append(i)
        return "selesai"

    task = Task(work)
    finished: list[object] = []
    task.finished.connect(finished.append)
    task.start()
    assert started.wait(5)
    task.cancel()
    with qtbot.waitSignal(task.cancelled, timeout=5000):
        release.set()
    assert steps == []
    assert finished == []


def test_task_is_deleted_on_the_gui_thread_after_reporting(qtbot, qapp):
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent

    task = Task(lambda _progress: 42)
    assert task.parent() is qapp  # the worker thread can never delete it by dropping a reference
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.start()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(task)
