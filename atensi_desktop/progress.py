"""A Qt-free progress-and-cancel protocol for long engine operations (imports, demo data, reports)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from atensi_desktop.errors import Cancelled


@dataclass
class Progress:
    """Passed into long operations: they call `step()`; the caller may `cancel()` from another thread.

    `on_update(done, total, message)` is called at most every `every` units of work, so a GUI
    listener is not flooded; `step()` raises `Cancelled` once `cancel()` has been called.
    """

    on_update: Callable[[int, int, str], None] | None = None
    every: int = 1
    total: int = 0
    done: int = 0
    message: str = ""
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _last_reported: int = field(default=-1, repr=False)

    def start(self, total: int, message: str = "") -> None:
        self.total, self.done, self.message = total, 0, message
        self._report(force=True)

    def step(self, n: int = 1, message: str | None = None) -> None:
        self.check()
        self.done += n
        if message is not None:
            self.message = message
        self._report(force=message is not None)

    def finish(self, message: str | None = None) -> None:
        self.done = max(self.done, self.total)
        if message is not None:
            self.message = message
        self._report(force=True)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def _report(self, *, force: bool = False) -> None:
        if self.on_update is None:
            return
        if force or self.done - self._last_reported >= self.every or self.done >= self.total:
            self._last_reported = self.done
            self.on_update(self.done, self.total, self.message)


def null_progress() -> Progress:
    """A progress object nobody listens to (for callers that do not care)."""
    return Progress()
