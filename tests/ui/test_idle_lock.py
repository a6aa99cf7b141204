"""The idle lock (issue 8): after the idle time every window is covered and the password asked; open forms and what
was typed in them survive the lock; another user may sign in instead (the first session's forms close)."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout

from atensi_desktop.security import auth
from atensi_desktop.security.roles import OPERATOR, current_actor
from atensi_desktop.security.users import add_user
from ui.dialogs.login import LoginDialog
from ui.idle_lock import Curtain
from ui.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support (propagateSizeHints|raise)\(\)$")  # offscreen
ADMIN_PASSWORD = "kopi pagi di balai"
IDLE_MS = 150


@pytest.fixture
def admin(ctx, office):
    actor = auth.create_first_admin(ctx.db, username="siti", name="Siti Rahmah", password=ADMIN_PASSWORD)
    auth.sign_in(ctx.db, actor)
    return actor


@pytest.fixture
def window(qtbot, ctx, admin):
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: not win.busy)
    return win


def curtain_of(widget) -> Curtain | None:
    return next((c for c in widget.findChildren(Curtain) if c.parent() is widget and c.isVisible()), None)


def covered(widget) -> bool:
    curtain = curtain_of(widget)
    return curtain is not None and curtain.geometry() == widget.rect()


def unlock(qtbot, lock, password: str) -> None:
    dialog = lock.dialog
    dialog.password_edit.setFocus()
    qtbot.keyClicks(dialog.password_edit, password)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)


def test_the_lock_watches_only_while_someone_is_signed_in(qtbot, ctx, office):
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    assert not win.idle_lock.active
    assert win.idle_lock.lock() is False  # login off: nothing to lock
    assert not win.idle_lock.locked


def test_input_resets_the_idle_clock(qtbot, window):
    lock = window.idle_lock
    assert lock.active and lock.timeout_ms == 15 * 60_000  # the settings' idle_lock_minutes
    lock._last_input = time.monotonic() - 600
    assert lock.idle_ms() >= 600_000
    qtbot.keyClick(window.navigation, Qt.Key.Key_Down)
    assert lock.idle_ms() < 600_000


def test_idle_locks_covers_every_window_and_keeps_the_open_form(qtbot, ctx, window):
    petugas = window.show_view("petugas")
    form = petugas.new_worker()
    qtbot.keyClicks(form.name_edit, "Rahmat Hidayat")
    lock = window.idle_lock
    lock.timeout_ms = IDLE_MS
    qtbot.waitUntil(lambda: lock.locked, timeout=5000)
    assert covered(window) and covered(form)  # nothing of the content shows
    assert "Siti Rahmah" in curtain_of(window).label.text()
    dialog = lock.dialog
    assert dialog.isVisible() and dialog.isModal()
    assert dialog.windowModality() == Qt.WindowModality.ApplicationModal
    assert dialog.owner_label.text() == "Sesi milik Siti Rahmah (siti) · Administrator"  # whose session
    assert not dialog.username_edit.isVisible()
    assert dialog.focusWidget() is dialog.password_edit
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Escape)  # Esc does not close a lock screen
    assert dialog.isVisible()
    unlock(qtbot, lock, "bukan kata sandinya")
    assert lock.locked and dialog.problem() == "Nama pengguna atau kata sandi salah."
    assert dialog.password_edit.text() == ""
    unlock(qtbot, lock, ADMIN_PASSWORD)
    assert not lock.locked
    assert curtain_of(window) is None and curtain_of(form) is None
    assert form.isVisible() and form.name_edit.text() == "Rahmat Hidayat"  # the form, as it was
    assert current_actor(ctx.db).username == "siti"
    assert lock._timer.isActive()  # watching again


def test_a_modal_dialog_survives_the_lock_and_finishes_normally(qtbot, window):
    lock = window.idle_lock
    draft = QDialog(window)
    draft.setModal(True)
    edit = QLineEdit(draft)
    QVBoxLayout(draft).addWidget(edit)
    seen = {}

    def during_exec():
        qtbot.keyClicks(edit, "catatan kunjungan")
        assert lock.lock() is True
        seen["covered"] = covered(draft) and covered(window)
        seen["on_top"] = QApplication.activeModalWidget() is lock.dialog  # input goes to it, above the modal
        unlock(qtbot, lock, ADMIN_PASSWORD)
        seen["after"] = (draft.isVisible(), edit.text(), lock.locked)
        draft.accept()

    QTimer.singleShot(0, during_exec)
    assert draft.exec() == QDialog.DialogCode.Accepted  # the lock did not end the dialog's exec()
    assert seen == {"covered": True, "on_top": True, "after": (True, "catatan kunjungan", False)}


def test_ctrl_l_locks_at_once(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.idle_lock.locked and covered(window)
    assert window.idle_lock.dialog.switch_button is not None
    unlock(qtbot, window.idle_lock, ADMIN_PASSWORD)
    assert not window.idle_lock.locked


def test_another_user_signs_in_from_the_lock(qtbot, ctx, window):
    add_user(ctx.db, username="budi", name="Budi Santoso", role=OPERATOR, password="sementara dulu")
    form = window.show_view("petugas").new_worker()
    qtbot.keyClicks(form.name_edit, "milik Siti")
    lock = window.idle_lock
    assert lock.lock()
    dialog = lock.dialog
    dialog.switch_button.click()
    assert dialog.username_edit.isVisible()
    assert "1 jendela isian" in dialog.switch_note.text() and "Siti Rahmah" in dialog.switch_note.text()
    qtbot.keyClick(dialog.username_edit, Qt.Key.Key_Escape)  # Esc: back to unlocking Siti's session
    assert not dialog.switching and not dialog.username_edit.isVisible()
    dialog.switch_button.click()
    qtbot.keyClicks(dialog.username_edit, "budi")
    qtbot.keyClicks(dialog.password_edit, "sementara dulu")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert not lock.locked
    assert not form.isVisible()  # Siti's form closed before Budi saw anything
    assert current_actor(ctx.db).username == "budi"
    assert window.session_bar.user_label.text() == "Budi Santoso · Operator data"
    assert window.navigation.item(window._row_of("laporan")).isHidden()
    assert window.navigation.item(window._row_of("pengguna")).isHidden()
    assert window.current_view().name == "beranda"  # another person: the screens reload, from Beranda


def test_sign_out_asks_for_a_login(qtbot, ctx, window, monkeypatch):
    add_user(ctx.db, username="budi", name="Budi Santoso", role=OPERATOR, password="sementara dulu")
    window.show_view("pengguna")
    window.session_bar.sign_out_button.click()
    lock = window.idle_lock
    assert current_actor(ctx.db) is None and lock.locked and covered(window)
    dialog = lock.dialog
    assert isinstance(dialog, LoginDialog) and dialog.username_edit.text() == "siti"
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Escape)  # only "Tutup aplikasi" ends the application
    assert dialog.isVisible()
    dialog.username_edit.setText("budi")
    qtbot.keyClicks(dialog.password_edit, "sementara dulu")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert not lock.locked and current_actor(ctx.db).username == "budi"
    assert window.current_view().name == "beranda"  # Pengguna is not for an operator


def test_idle_minutes_are_chosen_in_pengaturan(qtbot, ctx, window):
    from atensi_desktop.settings import load_settings

    view = window.show_view("pengaturan")
    assert view.idle_spin.isEnabled() and view.idle_spin.value() == 15
    view.idle_spin.setValue(5)
    assert load_settings(ctx.paths.settings_file).idle_lock_minutes == 5
    assert window.idle_lock.timeout_ms == 5 * 60_000


def test_only_an_administrator_changes_the_idle_minutes(qtbot, ctx, admin):
    from ui.change_bus import ChangeBus
    from ui.views.pengaturan import PengaturanView

    add_user(ctx.db, username="budi", name="Budi Santoso", role=OPERATOR, password="sementara dulu")
    auth.sign_in(ctx.db, auth.authenticate(ctx.db, "budi", "sementara dulu"))
    view = PengaturanView(ctx, ChangeBus())
    qtbot.addWidget(view)
    assert not view.idle_spin.isEnabled()
    assert view.idle_note.text() == "Hanya administrator yang bisa mengubahnya."
    assert not view.edit_office_button.isEnabled()  # the office identity: administrators only, too
