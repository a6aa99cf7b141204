"""How errors reach the user: UserError inline or in a note, StorageError with a hint, anything else a bug."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from atensi_desktop.errors import AtensiError, StorageError
from atensi_desktop.log import format_exception_safe
from ui.i18n import tr

log = logging.getLogger("ui.bug")
ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def error_text(exc: AtensiError) -> str:
    """Message and hint as one paragraph each."""
    return exc.message if not exc.hint else f"{exc.message}\n\n{exc.hint}"


def show_error(parent: QWidget | None, exc: BaseException, *, log_file: Path | None = None) -> None:
    """A dialog fitting the kind of error: expected problems explain themselves, others are bugs."""
    if not isinstance(exc, AtensiError):
        show_bug(parent, exc, log_file=log_file)
        return
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical if isinstance(exc, StorageError) else QMessageBox.Icon.Warning)
    box.setWindowTitle(tr("Penyimpanan bermasalah") if isinstance(exc, StorageError) else tr("Periksa kembali"))
    box.setText(exc.message)
    if exc.hint:
        box.setInformativeText(exc.hint)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.exec()


def show_bug(parent: QWidget | None, exc: BaseException, *, log_file: Path | None = None,
             details: str | None = None) -> None:
    """The bug dialog: what happened in plain words, the technical details, and where the log is."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(tr("Terjadi kesalahan program"))
    box.setText(tr("Maaf, terjadi kesalahan yang tidak terduga. Aplikasi tetap berjalan."))
    info = tr("Simpan pekerjaan Anda, lalu laporkan kejadian ini kepada admin beserta rinciannya.")
    if log_file is not None:
        info += "\n\n" + tr("Rincian juga tercatat di log:") + f"\n{log_file}"
    box.setInformativeText(info)
    box.setDetailedText(details or format_exception_safe(type(exc), exc, exc.__traceback__))
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    open_log = None
    if log_file is not None:
        open_log = box.addButton(tr("Buka folder log"), QMessageBox.ButtonRole.ActionRole)
    box.exec()
    if open_log is not None and box.clickedButton() is open_log:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_file.parent)))


class BugReporter:
    """A sys.excepthook that logs every uncaught exception and shows the bug dialog; never crashes silently."""

    def __init__(self, *, log_file: Path | None = None, show: Callable[..., None] = show_bug) -> None:
        self.log_file = log_file
        self._show = show
        self._previous: ExceptHook | None = None
        self._showing = False

    def install(self) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self

    def uninstall(self) -> None:
        if sys.excepthook is self and self._previous is not None:
            sys.excepthook = self._previous

    def __call__(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        details = format_exception_safe(exc_type, exc, tb)  # no names, NIK or SQL parameters
        log.error("uncaught exception: %s", exc_type.__name__, exc_info=(exc_type, exc, tb))
        if self._showing or QApplication.instance() is None:
            sys.stderr.write(details)
            return
        self._showing = True
        try:
            self._show(QApplication.activeWindow(), exc, log_file=self.log_file, details=details)
        except Exception:  # the dialog itself failed: the traceback still reaches stderr
            sys.stderr.write(details)
        finally:
            self._showing = False
