"""The idle lock and the signed-in user's corner of the status bar (issue 8).

`IdleLock` watches keyboard and mouse input of the whole application (an event filter). After
`settings.idle_lock_minutes` without input — or at once with "Kunci" (Ctrl+L) — every open window of the
application is covered by a curtain (nothing of its content shows) and an application-modal lock dialog asks
the signed-in user's password. Open dialogs stay open underneath, with what was typed in them: unlocking
uncovers them as they were. Someone else may sign in from the lock dialog instead; that ends the first
session, so the first user's open dialogs are closed (a warning says how many) before the new user sees
anything. Nothing locks while nobody is signed in (login off).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.security.roles import Actor, current_actor
from ui.i18n import tr
from ui.icons import icon
from ui.style import ACCENT
from ui.widgets.common import make_label

if TYPE_CHECKING:
    from ui.dialogs.login import LoginDialog

ACTIVITY = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TabletPress,
})
CHECK_EVERY_MS = 5_000  # how often idleness is checked (at most; shorter for a short test timeout)


class Curtain(QFrame):
    """An opaque panel over all of `host` (a window) while locked; follows the window's size. One per window,
    kept hidden between locks (deleting it while the window lives crashed PySide under pytest-qt)."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.host = host
        self.setObjectName("lockCurtain")
        self.setStyleSheet("QFrame#lockCurtain { background: #e9eef3; border: none; }")
        self.setAutoFillBackground(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.addStretch(1)  # icon and text in the upper part: the lock dialog appears in the middle
        picture = QLabel()
        picture.setPixmap(icon("kunci").pixmap(QSize(56, 56)))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(picture)
        self.label = make_label("", "subtitle", wrap=True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.label)
        layout.addStretch(6)
        self.hide()

    @classmethod
    def cover(cls, host: QWidget, text: str) -> Curtain:
        curtain = host.findChild(Curtain, "lockCurtain", Qt.FindChildOption.FindDirectChildrenOnly)
        if curtain is None:
            curtain = cls(host)
        curtain.label.setText(text)
        curtain.setGeometry(host.rect())
        host.installEventFilter(curtain)
        curtain.raise_()
        curtain.show()
        return curtain

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.host and event.type() in (QEvent.Type.Resize, QEvent.Type.ChildAdded):
            self.setGeometry(self.host.rect())
            self.raise_()
        return False

    def remove(self) -> None:
        self.host.removeEventFilter(self)
        self.hide()


class IdleLock(QObject):
    """Locks `window` (and every other window of the application) after `timeout_ms` without input.

    `timeout_ms` defaults to the settings' `idle_lock_minutes`; tests set milliseconds. Active only while
    someone is signed in (`set_active`)."""

    locked_changed = Signal(bool)

    def __init__(self, window: QWidget, ctx: AppContext, *, timeout_ms: int | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self._timeout_ms = timeout_ms
        self._last_input = time.monotonic()
        self._active = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._check)
        self.curtains: list[Curtain] = []
        self.dialog: LoginDialog | None = None
        self.locked_actor: Actor | None = None

    # --- watching ------------------------------------------------------------------------------------------

    @property
    def timeout_ms(self) -> int:
        if self._timeout_ms is not None:
            return self._timeout_ms
        return int(self.ctx.settings.idle_lock_minutes) * 60_000

    @timeout_ms.setter
    def timeout_ms(self, value: int | None) -> None:
        self._timeout_ms = value
        self._last_input = time.monotonic()
        if self._timer.isActive():
            self._timer.start(self._interval())

    def _interval(self) -> int:
        return max(10, min(CHECK_EVERY_MS, self.timeout_ms // 4))

    @property
    def active(self) -> bool:
        return self._active

    def set_active(self, active: bool) -> None:
        """Watch input while someone is signed in; stop (and forget any lock) when nobody is."""
        app = QApplication.instance()
        if active == self._active:
            return
        self._active = active
        if active:
            app.installEventFilter(self)
            self._last_input = time.monotonic()
            if not self.locked:
                self._timer.start(self._interval())
        else:
            app.removeEventFilter(self)
            self._timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in ACTIVITY:
            self._last_input = time.monotonic()
        return False

    def idle_ms(self) -> int:
        return int((time.monotonic() - self._last_input) * 1000)

    @Slot()
    def _check(self) -> None:
        if not self.locked and self.idle_ms() >= self.timeout_ms:
            self.lock(idle=True)

    # --- locking -------------------------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self.dialog is not None

    def _windows(self) -> list[QWidget]:
        """The application's visible windows (not popups, tool tips or the lock dialog itself)."""
        out = []
        for widget in QApplication.topLevelWidgets():
            kind = widget.windowType()
            if not widget.isVisible() or kind in (Qt.WindowType.Popup, Qt.WindowType.ToolTip,
                                                  Qt.WindowType.SplashScreen, Qt.WindowType.Desktop):
                continue
            if widget is self.dialog or widget.objectName() == "lockDialog":
                continue
            out.append(widget)
        return out

    def open_windows(self) -> list[QWidget]:
        """Windows other than the main window: the forms and dialogs a user has open."""
        return [w for w in self._windows() if w is not self.window]

    @Slot()
    def lock(self, idle: bool = False) -> bool:
        """Cover every window and ask for the password; False when nobody is signed in (nothing to lock)."""
        from ui.dialogs.login import LoginDialog

        actor = current_actor(self.ctx.db)
        if self.locked or actor is None:
            return False
        self._timer.stop()
        QToolTip.hideText()
        while (popup := QApplication.activePopupWidget()) is not None:
            popup.close()
        text = tr("ATENSI Desktop terkunci. Sesi {name} menunggu kata sandinya.").format(name=actor.name)
        self.curtains = [Curtain.cover(w, text if w is self.window else tr("Terkunci")) for w in self._windows()]
        self.locked_actor = actor
        dialog = LoginDialog(self.ctx.db, locked=actor, open_windows=len(self.open_windows()),
                             idle_minutes=self.ctx.settings.idle_lock_minutes if idle else None, parent=self.window)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.accepted.connect(self._unlocked)
        self.dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self.locked_changed.emit(True)
        return True

    @Slot()
    def _unlocked(self) -> None:
        dialog, before = self.dialog, self.locked_actor
        actor = dialog.actor if dialog is not None else None
        if actor is None:
            return
        if before is not None and actor.user_id != before.user_id:
            self.close_windows()  # the first user's session ended: their forms go before anyone sees them
        self._release()
        from ui.dialogs.login import remember_username

        remember_username(self.ctx, actor.username)
        apply = getattr(self.window, "apply_actor", None)
        if apply is not None:
            apply()

    def _release(self) -> None:
        for curtain in self.curtains:
            curtain.remove()
        self.curtains = []
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
        self.locked_actor = None
        self._last_input = time.monotonic()
        if self._active:
            self._timer.start(self._interval())
        self.locked_changed.emit(False)

    def close_windows(self) -> None:
        """Close every open form and dialog without asking (a dialog's own 'discard?' question is skipped)."""
        for widget in reversed(self.open_windows()):
            if isinstance(widget, QDialog):
                widget.done(QDialog.DialogCode.Rejected)
            else:
                widget.close()

    def sign_out(self) -> None:
        """End the session: close the user's forms, sign out, and cover the windows with a login prompt."""
        from atensi_desktop.security.auth import sign_out

        actor = current_actor(self.ctx.db)
        if actor is None:
            return
        self.close_windows()
        sign_out(self.ctx.db)
        apply = getattr(self.window, "apply_actor", None)
        if apply is not None:
            apply()  # nobody signed in: the watch stops
        self._ask_login(actor.username)

    def _ask_login(self, username: str) -> None:
        from ui.dialogs.login import LoginDialog

        self.curtains = [Curtain.cover(w, tr("Tidak ada pengguna yang masuk.")) for w in self._windows()]
        dialog = LoginDialog(self.ctx.db, username=username, parent=self.window)
        dialog.setObjectName("lockDialog")
        dialog.escape_closes = False  # only "Tutup aplikasi" ends the application here
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.accepted.connect(self._unlocked)
        dialog.rejected.connect(lambda: QApplication.exit(0))  # "Tutup aplikasi"
        self.dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self.locked_changed.emit(True)


class SessionBar(QWidget):
    """The status bar's right end when someone is signed in: name and role, Ganti kata sandi, Kunci, Keluar."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName("sessionBar")
        self.setStyleSheet(f"QWidget#sessionBar QPushButton {{ color: {ACCENT}; padding: 3px 8px; }}")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 6, 0)
        row.setSpacing(2)
        self.user_label = make_label("")
        self.user_label.setObjectName("userStatus")
        row.addWidget(self.user_label)
        self.password_button = self._button(tr("Ganti kata sandi"), "changePassword",
                                            tr("Ganti kata sandi Anda"))
        self.lock_button = self._button(tr("Kunci"), "lockNow", tr("Kunci layar sekarang (Ctrl+L)"))
        self.lock_button.setIcon(icon("kunci"))
        self.sign_out_button = self._button(tr("Keluar"), "signOut", tr("Akhiri sesi; pengguna lain bisa masuk"))
        for button in (self.password_button, self.lock_button, self.sign_out_button):
            row.addWidget(button)
        self.password_button.clicked.connect(self.change_password)
        self.lock_button.clicked.connect(self.lock_now)
        self.sign_out_button.clicked.connect(self.sign_out)
        self.lock_shortcut = QShortcut(QKeySequence("Ctrl+L"), window, self.lock_now)
        self.setVisible(False)

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setFlat(True)
        button.setToolTip(tip)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        return button

    def refresh(self) -> None:
        actor = current_actor(self.window_.ctx.db)
        self.setVisible(actor is not None)
        self.lock_shortcut.setEnabled(actor is not None)
        if actor is not None:
            self.user_label.setText(tr("{name} · {role}").format(name=actor.name, role=actor.role_label))
            self.user_label.setToolTip(tr("Masuk sebagai {username}").format(username=actor.username))

    @Slot()
    def lock_now(self) -> None:
        self.window_.idle_lock.lock()

    @Slot()
    def change_password(self) -> QDialog:
        from ui.dialogs.login import ChangePasswordDialog

        dialog = ChangePasswordDialog(self.window_.ctx.db, parent=self.window_)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    @Slot()
    def sign_out(self) -> None:
        lock: IdleLock = self.window_.idle_lock
        forms = lock.open_windows()
        if forms:
            answer = QMessageBox.question(
                self.window_, tr("Keluar?"),
                tr("{n} jendela isian masih terbuka dan akan ditutup; isian yang belum disimpan hilang.").format(
                    n=len(forms)),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        lock.sign_out()
