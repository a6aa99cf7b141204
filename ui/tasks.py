"""Runs a callable off the GUI thread with progress and cancel; results come back as GUI-thread signals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal, Slot

from atensi_desktop.errors import Cancelled
from atensi_desktop.progress import Progress

log = logging.getLogger(__name__)
_running: set[Task] = set()


class Task(QObject):
    """One background operation: `fn(progress)` runs in the thread pool.

    Exactly one of `finished(result)`, `failed(exception)` or `cancelled()` is emitted, on the GUI thread.
    `progressed(done, total, message)` reports `Progress` updates. `cancel()` asks the work to stop at its
    next `progress.step()`, which raises `Cancelled`.

    The Qt object belongs to the application and is deleted (later, on the GUI thread) after it has
    reported: the worker thread may drop the last Python reference, but never deletes a GUI-thread QObject.
    """

    progressed = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()

    # Emitted from the worker thread; delivered (queued) to the slots below on the GUI thread.
    _progress_posted = Signal(int, int, str)
    _outcome_posted = Signal(str, object)

    def __init__(self, fn: Callable[[Progress], Any], *, every: int = 1) -> None:
        super().__init__(QCoreApplication.instance())
        self._fn = fn
        self.progress = Progress(on_update=self._progress_posted.emit, every=every)
        self.running = False
        self._progress_posted.connect(self._on_progress)
        self._outcome_posted.connect(self._on_outcome)

    def start(self, pool: QThreadPool | None = None) -> Task:
        """Queue the work; the task keeps itself alive until it has reported its outcome."""
        self.running = True
        _running.add(self)
        (pool or QThreadPool.globalInstance()).start(_Runner(self))
        return self

    def cancel(self) -> None:
        self.progress.cancel()

    def _run(self) -> None:
        try:
            result = self._fn(self.progress)
        except Cancelled:
            self._outcome_posted.emit("cancelled", None)
        except Exception as exc:  # reported to the GUI thread, which decides how to show it
            self._outcome_posted.emit("failed", exc)
        else:
            self._outcome_posted.emit("finished", result)

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, message: str) -> None:
        if self.running:
            self.progressed.emit(done, total, message)

    @Slot(str, object)
    def _on_outcome(self, outcome: str, value: object) -> None:
        self.running = False
        _running.discard(self)
        if outcome == "finished":
            self.finished.emit(value)
        elif outcome == "failed":
            log.info("background task failed: %s", type(value).__name__)
            self.failed.emit(value)
        else:
            self.cancelled.emit()
        self.deleteLater()


class _Runner(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self._task = task

    def run(self) -> None:
        self._task._run()


def wait_for_all(timeout_ms: int = 30_000) -> bool:
    """Block until every queued background task has run (used at shutdown and in tests)."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)


def running_tasks() -> int:
    return len(_running)
