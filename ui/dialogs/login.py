"""Signing in (issue 8): the login dialog (also the lock screen's password prompt), the first administrator and
changing one's own password. The rules (argon2id, lockout, roles) live in atensi_desktop.security; these
dialogs only ask, show the engine's message inline and never echo a password."""

from __future__ import annotations

import contextlib
import unicodedata
import uuid
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError, UserError
from atensi_desktop.security.auth import (
    authenticate,
    change_password,
    create_first_admin,
    needs_first_admin,
    security_enabled,
    sign_in,
    sign_out,
)
from atensi_desktop.security.roles import Actor, current_actor
from atensi_desktop.services.office import installation_office
from atensi_desktop.services.workers import WorkerQuery, list_workers
from atensi_desktop.settings import save_settings
from ui.errors import show_error
from ui.i18n import tr
from ui.icons import icon
from ui.widgets.common import make_label
from ui.widgets.form_fields import FieldProblems, form_layout

DIALOG_WIDTH = 440


def password_edit(name: str) -> QLineEdit:
    """A password field: never echoes, no copy or drag out of it (Qt refuses both in Password mode)."""
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(200)
    edit.setInputMethodHints(Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhNoPredictiveText
                             | Qt.InputMethodHint.ImhSensitiveData | Qt.InputMethodHint.ImhNoAutoUppercase)
    return edit


def suggest_username(name: str) -> str:
    """'Siti Rahmah, S.Sos' -> 'siti.rahmah' (letters and digits of the first two words, accents dropped)."""
    plain = unicodedata.normalize("NFKD", name.split(",")[0]).encode("ascii", "ignore").decode().lower()
    words = ["".join(ch for ch in word if ch.isalnum()) for word in plain.split()]
    return ".".join(word for word in words if word)[:2 * 30].strip(".") if words else ""


def _header(title: str, detail: str | None, icon_name: str) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(14)
    logo = QLabel()
    logo.setPixmap(icon(icon_name).pixmap(QSize(44, 44)))
    logo.setAlignment(Qt.AlignmentFlag.AlignTop)
    row.addWidget(logo)
    column = QVBoxLayout()
    column.setSpacing(2)
    heading = make_label(title, "title", wrap=True)
    heading.setObjectName("dialogHeading")
    column.addWidget(heading)
    if detail:
        sub = make_label(detail, "muted", wrap=True)
        sub.setObjectName("dialogDetail")
        column.addWidget(sub)
    column.addStretch(1)
    row.addLayout(column, 1)
    return row


class SecurityForm(QDialog):
    """What the three dialogs share: inline problems under the fields, a general error line with its hint."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setModal(True)
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(24, 20, 24, 16)
        self.outer.setSpacing(12)
        self.error_label = make_label("", "error", wrap=True)
        self.error_label.setObjectName("loginError")
        self.error_label.hide()
        self.hint_label = make_label("", "muted", wrap=True)
        self.hint_label.setObjectName("loginHint")
        self.hint_label.hide()
        self.problems = FieldProblems(self.error_label)

    def add_error_lines(self) -> None:
        """The general error and hint lines (call after the form is built); each field also gets a hint line
        under its problem line, so the engine's advice stands next to the field it is about."""
        self.field_hints: dict[str, QLabel] = {}
        for key, error in self.problems.errors.items():
            hint = make_label("", "muted", wrap=True)
            hint.setObjectName(f"hint_{key}")
            hint.hide()
            error.parentWidget().layout().addWidget(hint)
            self.field_hints[key] = hint
        self.outer.addWidget(self.error_label)
        self.outer.addWidget(self.hint_label)
        self.outer.addStretch(1)  # a taller dialog grows above the buttons, not between the lines

    def show_problem(self, message: str, *, field: str | None = None, hint: str | None = None) -> None:
        """The engine's (or our) message under `field` when the form has it, else in the general line."""
        self.clear_problems()
        key = field if field in self.problems.errors else None
        first = self.problems.show({key or "_": message})
        hint_label = self.field_hints.get(key, self.hint_label) if key else self.hint_label
        hint_label.setText(hint or "")
        hint_label.setVisible(bool(hint))
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        self._fit()

    def show_error(self, exc: UserError) -> None:
        self.show_problem(exc.message, field=getattr(exc, "field", None), hint=exc.hint)

    def clear_problems(self) -> None:
        self.problems.show({})
        for label in (self.hint_label, *getattr(self, "field_hints", {}).values()):
            label.hide()

    def problem(self) -> str:
        """Every problem now shown (field lines and the general line), for tests and screen readers."""
        shown = [label.text() for label in self.problems.errors.values() if not label.isHidden()]
        if not self.error_label.isHidden():
            shown.append(self.error_label.text())
        return "\n".join(shown)

    def size_to(self, width: int) -> None:
        self.ensurePolished()
        self.resize(width, self.height())
        self._fit()

    def _fit(self) -> None:
        """Exactly as tall as the content at the present width (wrapped lines counted), never taller."""
        layout = self.layout()
        height = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else self.sizeHint().height()
        self.resize(self.width(), max(height, layout.totalMinimumSize().height()))

    def typed_twice(self, first: QLineEdit, repeat: QLineEdit) -> str | None:
        """The new password when both fields hold the same text; else None, with the repeat field cleared and
        the problem shown under it."""
        if first.text() != repeat.text():
            repeat.clear()
            self.show_problem(tr("Kedua kata sandi tidak sama. Ketik ulang."), field="repeat")
            return None
        return first.text()

    def run_busy(self, action: Callable[[], object]) -> object:
        """Run a short engine call (an argon2id check takes a noticeable moment) with the wait cursor."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return action()
        finally:
            QApplication.restoreOverrideCursor()


class LoginDialog(SecurityForm):
    """Sign in with a user name and password; or, with `locked`, unlock that user's session with their password
    (the lock screen), where "Masuk sebagai pengguna lain" lets someone else sign in instead.

    On success the actor is signed in on `db` (`self.actor`); a password an administrator reset is changed first.
    A wrong password shows the engine's message under the fields, clears the password and keeps the dialog.
    """

    def __init__(self, db, *, username: str = "", locked: Actor | None = None,
                 office_name: str | None = None, open_windows: int = 0, idle_minutes: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.locked = locked
        self.open_windows = open_windows
        self.actor: Actor | None = None
        self.switching = False  # lock screen: someone else signs in
        # Esc and the window's close button: "Tutup aplikasi" at start-up; nothing on a lock screen
        self.escape_closes = locked is None
        self.setObjectName("lockDialog" if locked else "loginDialog")
        self.setWindowTitle(tr("ATENSI Desktop — Terkunci") if locked else tr("ATENSI Desktop — Masuk"))
        if locked is None:
            self.outer.addLayout(_header(tr("Masuk ke ATENSI Desktop"), office_name, "atensi"))
        else:
            detail = tr("Aplikasi dikunci setelah {n} menit tidak dipakai.").format(n=idle_minutes) \
                if idle_minutes else tr("Aplikasi dikunci.")
            self.outer.addLayout(_header(tr("Sesi terkunci"), detail, "kunci"))
            self.owner_label = make_label(tr("Sesi milik {name} ({username}) · {role}").format(
                name=locked.name, username=locked.username, role=locked.role_label), "strong", wrap=True)
            self.owner_label.setObjectName("lockOwner")
            self.outer.addWidget(self.owner_label)
        form = form_layout()
        form.setContentsMargins(0, 4, 0, 0)
        self.username_edit = QLineEdit(username if locked is None else "")
        self.username_edit.setObjectName("username")
        self.username_edit.setMaxLength(60)
        self.username_edit.setInputMethodHints(Qt.InputMethodHint.ImhNoAutoUppercase
                                               | Qt.InputMethodHint.ImhNoPredictiveText)
        self.password_edit = password_edit("password")
        self.username_cell = self.problems.add_row(form, tr("&Nama pengguna"), "username", self.username_edit)
        self.problems.add_row(form, tr("&Kata sandi"), "password", self.password_edit)
        self.form = form
        self.outer.addLayout(form)
        self.switch_note = make_label("", "muted", wrap=True)
        self.switch_note.setObjectName("switchNote")
        self.switch_note.hide()
        self.outer.addWidget(self.switch_note)
        self.add_error_lines()

        self.buttons = QDialogButtonBox()
        self.ok_button = QPushButton(tr("&Masuk") if locked is None else tr("&Buka kunci"))
        self.ok_button.setObjectName("signIn")
        self.ok_button.setDefault(True)
        self.ok_button.setAutoDefault(True)
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.clicked.connect(self.submit)
        if locked is None:
            self.cancel_button = QPushButton(tr("&Tutup aplikasi"))
            self.cancel_button.setObjectName("closeApp")
            self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
            self.cancel_button.clicked.connect(self.reject)
            self.switch_button = None
        else:
            self.switch_button = QPushButton(tr("Masuk sebagai pengguna &lain…"))
            self.switch_button.setObjectName("switchUser")
            self.buttons.addButton(self.switch_button, QDialogButtonBox.ButtonRole.ActionRole)
            self.switch_button.clicked.connect(self.toggle_switch)
            self.cancel_button = None
        self.outer.addWidget(self.buttons)
        self._show_username(locked is None)
        self.setMinimumWidth(DIALOG_WIDTH)
        self.size_to(DIALOG_WIDTH)
        self.first_field().setFocus(Qt.FocusReason.OtherFocusReason)

    def first_field(self) -> QLineEdit:
        """The password when the user name is known (remembered, or the locked session's), else the user name."""
        if (self.locked is None or self.switching) and not self.username_edit.text().strip():
            return self.username_edit
        return self.password_edit

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.first_field().setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def _show_username(self, shown: bool) -> None:
        self.username_cell.setVisible(shown)
        label = self.form.labelForField(self.username_cell)
        if label is not None:
            label.setVisible(shown)

    @Slot()
    def toggle_switch(self) -> None:
        """Lock screen: someone else signs in (the locked session ends) — or back to unlocking."""
        if self.locked is None:
            return
        self.switching = not self.switching
        self.clear_problems()
        self.password_edit.clear()
        self.username_edit.clear()
        self._show_username(self.switching)
        if self.switching:
            note = tr("Sesi {name} akan diakhiri.").format(name=self.locked.name)
            if self.open_windows:
                note += " " + tr("{n} jendela isian yang masih terbuka akan ditutup; isian yang belum disimpan "
                                 "hilang.").format(n=self.open_windows)
            self.switch_note.setText(note)
            self.ok_button.setText(tr("&Masuk"))
            self.switch_button.setText(tr("&Kembali ke sesi {name}").format(name=self.locked.name))
        else:
            self.ok_button.setText(tr("&Buka kunci"))
            self.switch_button.setText(tr("Masuk sebagai pengguna &lain…"))
        self.switch_note.setVisible(self.switching)
        self._fit()
        self.first_field().setFocus(Qt.FocusReason.OtherFocusReason)

    def username(self) -> str:
        if self.locked is not None and not self.switching:
            return self.locked.username
        return self.username_edit.text().strip()

    @Slot()
    def submit(self) -> None:
        """Check the password with the engine; sign in on success, else say why inline and clear the password."""
        username, password = self.username(), self.password_edit.text()
        if not username:
            self.show_problem(tr("Isi nama pengguna."), field="username")
            return
        if not password:
            self.show_problem(tr("Isi kata sandi."), field="password")
            return
        try:
            actor = self.run_busy(lambda: authenticate(self.db, username, password))
        except UserError as exc:
            self.password_edit.clear()
            self.show_problem(exc.message, field="password", hint=exc.hint)
            return
        except AtensiError as exc:
            self.password_edit.clear()
            show_error(self, exc)
            return
        self.password_edit.clear()
        previous = current_actor(self.db)
        sign_in(self.db, actor)
        if actor.must_change_password:
            change = ChangePasswordDialog(self.db, old_password=password, forced=True, parent=self)
            accepted = change.exec() == QDialog.DialogCode.Accepted
            changed = change.actor
            change.deleteLater()
            if not accepted or changed is None:
                if previous is not None:
                    sign_in(self.db, previous)  # the lock screen: the locked session stays as it was
                else:
                    sign_out(self.db)
                self.show_problem(tr("Kata sandi harus diganti sebelum memakai aplikasi."),
                                  hint=tr("Masuk lagi, lalu buat kata sandi baru."))
                return
            actor = changed
        self.actor = actor
        self.accept()

    # --- the lock screen cannot be closed: only unlocked or taken over ----------------------------------------

    def reject(self) -> None:
        if self.locked is None:
            super().reject()
        elif self.switching:
            self.toggle_switch()  # Esc: back to unlocking

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self.escape_closes:
            event.ignore()
            return
        super().closeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if not self.escape_closes and event.key() == Qt.Key.Key_Escape and not self.switching:
            self.password_edit.clear()
            event.accept()
            return
        super().keyPressEvent(event)


class FirstAdminDialog(SecurityForm):
    """The first administrator of this installation: name, user name, password twice. From then on everyone
    signs in. On success `self.actor` is signed in on `db`."""

    def __init__(self, db, *, name: str = "", worker_id: uuid.UUID | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.worker_id = worker_id
        self.actor: Actor | None = None
        self.setObjectName("firstAdminDialog")
        self.setWindowTitle(tr("ATENSI Desktop — Administrator pertama"))
        self.outer.addLayout(_header(
            tr("Buat akun administrator"),
            tr("Mulai sekarang setiap orang yang memakai ATENSI Desktop di komputer ini masuk dengan nama pengguna "
               "dan kata sandi. Administrator menambah pengguna lain dan mengatur peran mereka."), "pengguna"))
        form = form_layout()
        form.setContentsMargins(0, 4, 0, 0)
        self.name_edit = QLineEdit(name)
        self.name_edit.setObjectName("adminName")
        self.username_edit = QLineEdit(suggest_username(name))
        self.username_edit.setObjectName("adminUsername")
        self.username_edit.setMaxLength(60)
        self.password_edit = password_edit("adminPassword")
        self.repeat_edit = password_edit("adminRepeat")
        self.problems.add_row(form, tr("Nama &lengkap *"), "name", self.name_edit)
        self.problems.add_row(form, tr("&Nama pengguna *"), "username", self.username_edit,
                              hint=tr("Huruf kecil tanpa spasi, mis. siti.rahmah"))
        self.problems.add_row(form, tr("&Kata sandi *"), "password", self.password_edit,
                              hint=tr("Paling sedikit 8 karakter; jangan hanya angka."))
        self.problems.add_row(form, tr("&Ulangi kata sandi *"), "repeat", self.repeat_edit)
        self.outer.addLayout(form)
        self.outer.addWidget(make_label(
            tr("Simpan kata sandi ini baik-baik. Bila lupa, hanya administrator lain yang bisa mengaturnya ulang."),
            "muted", wrap=True))
        self.add_error_lines()
        self._username_touched = False
        self.name_edit.textEdited.connect(self._name_edited)
        self.username_edit.textEdited.connect(self._username_edited)
        self.buttons = QDialogButtonBox()
        self.ok_button = QPushButton(tr("&Buat administrator"))
        self.ok_button.setObjectName("createAdmin")
        self.ok_button.setDefault(True)
        self.cancel_button = QPushButton(tr("&Tutup aplikasi"))
        self.cancel_button.setObjectName("closeApp")
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        self.outer.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self.size_to(560)
        (self.password_edit if name else self.name_edit).setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        (self.password_edit if self.name_edit.text().strip() else self.name_edit).setFocus(
            Qt.FocusReason.ActiveWindowFocusReason)

    def _name_edited(self, text: str) -> None:
        if not self._username_touched:
            self.username_edit.setText(suggest_username(text))

    def _username_edited(self, _text: str) -> None:
        self._username_touched = True

    @Slot()
    def submit(self) -> None:
        password = self.typed_twice(self.password_edit, self.repeat_edit)
        if password is None:
            return
        try:
            actor = self.run_busy(lambda: create_first_admin(
                self.db, username=self.username_edit.text(), name=self.name_edit.text(), password=password,
                worker_id=self.worker_id))
        except UserError as exc:
            if exc.field == "password":
                self.password_edit.clear()
                self.repeat_edit.clear()
            self.show_error(exc)
            return
        except AtensiError as exc:
            show_error(self, exc)
            return
        sign_in(self.db, actor)
        self.actor = actor
        self.accept()


class ChangePasswordDialog(SecurityForm):
    """The signed-in user changes their password: the old one (unless just typed at sign-in), the new one twice.
    `forced`: an administrator reset it, so a new one is needed before anything else."""

    def __init__(self, db, *, old_password: str | None = None, forced: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self._old = old_password
        self.actor: Actor | None = None
        self.setObjectName("changePasswordDialog")
        self.setWindowTitle(tr("Ganti kata sandi"))
        actor = current_actor(db)
        who = actor.name if actor else ""
        detail = tr("Administrator telah mengatur ulang kata sandi Anda. Buat kata sandi baru yang hanya Anda "
                    "ketahui sebelum melanjutkan.") if forced else tr("Kata sandi untuk {name}.").format(name=who)
        self.outer.addLayout(_header(tr("Ganti kata sandi"), detail, "kunci"))
        form = form_layout()
        form.setContentsMargins(0, 4, 0, 0)
        self.old_edit = password_edit("oldPassword")
        self.new_edit = password_edit("newPassword")
        self.repeat_edit = password_edit("repeatPassword")
        if old_password is None:
            self.problems.add_row(form, tr("Kata sandi &lama"), "old_password", self.old_edit)
        self.problems.add_row(form, tr("Kata sandi &baru"), "password", self.new_edit,
                              hint=tr("Paling sedikit 8 karakter; jangan hanya angka."))
        self.problems.add_row(form, tr("&Ulangi kata sandi baru"), "repeat", self.repeat_edit)
        self.outer.addLayout(form)
        self.add_error_lines()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.ok_button.setText(tr("&Simpan kata sandi"))
        self.ok_button.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("&Batal"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.outer.addWidget(self.buttons)
        self.setMinimumWidth(480)
        self.size_to(500)
        self._first().setFocus(Qt.FocusReason.OtherFocusReason)

    def _first(self) -> QLineEdit:
        return self.old_edit if self._old is None else self.new_edit

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._first().setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    @Slot()
    def submit(self) -> None:
        new = self.typed_twice(self.new_edit, self.repeat_edit)
        if new is None:
            return
        old = self._old if self._old is not None else self.old_edit.text()
        try:
            actor = self.run_busy(lambda: change_password(self.db, old, new))
        except UserError as exc:
            if exc.field == "old_password":
                self.old_edit.clear()
            else:
                self.new_edit.clear()
                self.repeat_edit.clear()
            self.show_error(exc)
            return
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.actor = actor
        self.accept()


# --- start-up --------------------------------------------------------------------------------------------------

def remember_username(ctx: AppContext, username: str) -> None:
    """Keep the last user name on this computer so the next login starts in the password field."""
    if getattr(ctx.settings, "last_username", None) == username:
        return
    ctx.settings.last_username = username
    with contextlib.suppress(OSError, AtensiError):  # a nicety: never block signing in for it
        save_settings(ctx.paths.settings_file, ctx.settings)


def first_admin_suggestion(db) -> tuple[str, uuid.UUID | None]:
    """The first worker typed at set-up (name and id) when there is exactly one: usually the administrator."""
    try:
        workers = list_workers(db, WorkerQuery(office_id=db.office_id))
    except AtensiError:
        return "", None
    return (workers[0].name, workers[0].id) if len(workers) == 1 else ("", None)


def ask_first_admin(parent: QWidget | None, ctx: AppContext) -> Actor | None:
    """The first-administrator dialog; the actor (signed in) or None when the user closed it."""
    name, worker_id = first_admin_suggestion(ctx.db)
    dialog = FirstAdminDialog(ctx.db, name=name, worker_id=worker_id, parent=parent)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    actor = dialog.actor if accepted else None
    dialog.deleteLater()
    if actor is not None:
        remember_username(ctx, actor.username)
    return actor


def ask_login(parent: QWidget | None, ctx: AppContext) -> Actor | None:
    office = installation_office(ctx.db)
    dialog = LoginDialog(ctx.db, username=getattr(ctx.settings, "last_username", "") or "",
                         office_name=office.name if office else None, parent=parent)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    actor = dialog.actor if accepted else None
    dialog.deleteLater()
    if actor is not None:
        remember_username(ctx, actor.username)
    return actor


def sign_in_at_start(ctx: AppContext) -> bool:
    """Before the main window: the login when security is on; the first administrator when the office is set
    up but nobody has a password yet. False when the user closed the dialog (the application ends)."""
    if security_enabled(ctx.db):
        return ask_login(None, ctx) is not None
    if installation_office(ctx.db) is not None and needs_first_admin(ctx.db):
        return ask_first_admin(None, ctx) is not None
    return True


def run_first_setup(window, ctx: AppContext) -> None:
    """First run inside the main window: the office set-up, then (once the office is saved) the first
    administrator. Closing the administrator dialog closes the application: it asks again at the next start."""
    window.open_first_run()
    if installation_office(ctx.db) is None or security_enabled(ctx.db) or not needs_first_admin(ctx.db):
        return
    if ask_first_admin(window, ctx) is None:
        window.close()
        return
    window.apply_actor()
