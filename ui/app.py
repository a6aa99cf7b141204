"""Starts the GUI: the one place that creates QApplication, installs the translator, style and bug reporter."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from atensi_desktop import __version__
from atensi_desktop.app_context import AppContext, set_unlock_prompt
from atensi_desktop.errors import AtensiError
from atensi_desktop.i18n import current_language
from atensi_desktop.log import setup_logging
from atensi_desktop.services.office import installation_office
from ui import tasks
from ui.dialogs.backup_restore import ask_database_password, auto_backup_on_close, start_auto_backup
from ui.dialogs.login import run_first_setup, sign_in_at_start
from ui.errors import BugReporter
from ui.i18n import install_translator, tr
from ui.main_window import VIEW_NAMES, MainWindow
from ui.style import apply_style

APP_NAME = "ATENSI Desktop"
RENDER_TIMEOUT_MS = 15_000


def run_gui(ctx_factory: Callable[[], AppContext], *, screenshot: str | None = None, view: str | None = None,
            size: tuple[int, int] = (1366, 768)) -> int:
    """Run the application (exit status of the event loop), or with `screenshot` render `view` to a PNG.

    Returns 2 with a one-line message on stderr (or a dialog, in GUI mode) when the database cannot be
    opened or `view` is not a screen name.
    """
    if view is not None and view not in VIEW_NAMES:
        message = tr("Tampilan {view!r} tidak dikenal; pilih salah satu: {names}.")
        _say(message.format(view=view, names=", ".join(VIEW_NAMES)))
        return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("ATENSI")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("atensi-desktop")
    apply_style(app)
    set_unlock_prompt(ask_database_password if screenshot is None else None)  # an encrypted database
    try:
        ctx = ctx_factory()
    except AtensiError as exc:
        translator = install_translator(app, current_language())
        try:
            _report_opening_error(exc, gui=screenshot is None)
        finally:
            app.removeTranslator(translator)
        return 2
    translator = install_translator(app, ctx.settings.language)
    try:
        if screenshot is not None:
            return _screenshot(ctx, Path(screenshot), view or "beranda", size)
        return _run_window(app, ctx, view)
    finally:
        tasks.wait_for_all()
        app.removeTranslator(translator)
        ctx.close()


def _say(line: str) -> None:
    sys.stderr.write(line.rstrip("\n") + "\n")


def _report_opening_error(exc: AtensiError, *, gui: bool) -> None:
    if not gui:
        _say(str(exc))
        return
    box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME, exc.message, QMessageBox.StandardButton.Close)
    if exc.hint:
        box.setInformativeText(exc.hint)
    box.exec()


def _run_window(app: QApplication, ctx: AppContext, view: str | None) -> int:
    setup_logging(ctx.paths.logs)
    reporter = BugReporter(log_file=ctx.paths.logs / "atensi.log")
    reporter.install()
    try:
        if not sign_in_at_start(ctx):  # login (or the first administrator) closed: nothing opens
            return 0
        window = MainWindow(ctx)
        last = ctx.settings.last_view if ctx.settings.last_view in VIEW_NAMES else "beranda"
        window.show_view(next(name for name in (view, last, "beranda") if name and window.may_open(name)))
        screen = window.screen().availableGeometry()
        if screen.width() <= 1440 or screen.height() <= 820:
            window.showMaximized()
        else:
            window.resize(1280, 800)
            window.move(screen.center() - window.rect().center())
            window.show()
        QTimer.singleShot(0, window, window.check_forms)
        if installation_office(ctx.db) is None:
            QTimer.singleShot(0, window, lambda: run_first_setup(window, ctx))
        start_auto_backup(ctx)  # the daily encrypted backup, in the background, when one is due
        code = app.exec()
        auto_backup_on_close(ctx)
        return code
    finally:
        reporter.uninstall()


class _ErrorRecorder:
    """Screenshot mode's excepthook: no dialogs; the traceback goes to stderr and the run fails."""

    def __init__(self) -> None:
        self.failed = False
        self._previous = sys.excepthook

    def __enter__(self) -> _ErrorRecorder:
        sys.excepthook = self
        return self

    def __exit__(self, *_exc) -> None:
        sys.excepthook = self._previous

    def __call__(self, exc_type, exc, tb) -> None:
        self.failed = True
        sys.stderr.write("".join(traceback.format_exception(exc_type, exc, tb)))


def _screenshot(ctx: AppContext, target: Path, view: str, size: tuple[int, int]) -> int:
    from atensi_desktop.security.auth import security_enabled
    from atensi_desktop.security.roles import current_actor

    if security_enabled(ctx.db) and current_actor(ctx.db) is None:  # no way round the login to client data
        _say(tr("Database ini memakai login: gambar layar tidak dibuat tanpa pengguna yang masuk."))
        return 2
    with _ErrorRecorder() as errors:
        window = MainWindow(ctx)
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        window.resize(*size)
        window.show_view(view)
        window.show()
        settled = wait_until(lambda: not window.busy, RENDER_TIMEOUT_MS)
        QApplication.processEvents()
        image = window.grab()
        window.hide()
        window.deleteLater()
    if errors.failed:
        return 1
    if not settled:
        _say(tr("Tampilan belum selesai dimuat setelah {seconds} detik; gambar tetap disimpan.").format(
            seconds=RENDER_TIMEOUT_MS // 1000))
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(target), "PNG"):
        _say(tr("Gambar tidak bisa disimpan ke {path}.").format(path=target))
        return 2
    return 0


def wait_until(predicate: Callable[[], bool], timeout_ms: int) -> bool:
    """Run the event loop until `predicate()` holds or the time is up; returns the predicate's last value."""
    if predicate():
        return True
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(15)
    poll.timeout.connect(lambda: predicate() and loop.quit())
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    poll.start()
    deadline.start(timeout_ms)
    loop.exec()
    poll.stop()
    deadline.stop()
    return predicate()
