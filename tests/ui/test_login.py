"""Signing in (issue 8): first administrator, login wrong then right, forced and voluntary password change, the
status bar naming the user, screens hidden by role."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit

from atensi_desktop.security import auth
from atensi_desktop.security.roles import OPERATOR, current_actor
from atensi_desktop.security.users import add_user
from ui.dialogs.login import (
    ChangePasswordDialog,
    FirstAdminDialog,
    LoginDialog,
    run_first_setup,
    sign_in_at_start,
    suggest_username,
)
from ui.main_window import MainWindow

ADMIN_PASSWORD = "kopi pagi di balai"
pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")  # offscreen


@pytest.fixture
def admin(ctx, office):
    """Security on: the first administrator exists (nobody signed in yet)."""
    return auth.create_first_admin(ctx.db, username="siti", name="Siti Rahmah", password=ADMIN_PASSWORD)


def when_modal(kind, action):
    """Run `action(dialog)` as soon as a modal dialog of `kind` is the active one (for exec()'d dialogs)."""
    def step():
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isVisible():
            action(dialog)
        else:
            QTimer.singleShot(20, step)
    QTimer.singleShot(0, step)


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    qtbot.keyClicks(edit, text)


def test_suggested_user_name_is_plain_lowercase():
    assert suggest_username("Siti Rahmah, S.Sos") == "siti.rahmah"
    assert suggest_username("Élia  Nur") == "elia.nur"
    assert suggest_username("") == ""


def test_first_run_creates_the_administrator_and_names_them_in_the_window(qtbot, ctx, monkeypatch):
    from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    assert not window.session_bar.isVisible()  # login off before the first administrator exists

    def set_up_office():  # the office dialog has its own tests; here it is "saved"
        setup_installation(ctx.db, OfficeInput(name="Dinas Sosial Kota Banjarbaru", office_type="dinas_sosial",
                                               code="DSBJB"), WorkerInput(name="Nur Aisyah"))
    monkeypatch.setattr(window, "open_first_run", set_up_office)
    seen = {}

    def fill(dialog: FirstAdminDialog):
        seen["name"] = dialog.name_edit.text()
        seen["username"] = dialog.username_edit.text()
        seen["focus"] = dialog.focusWidget() is dialog.password_edit
        type_into(qtbot, dialog.password_edit, "pelita di balai")
        type_into(qtbot, dialog.repeat_edit, "pelita di balai")
        qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)

    when_modal(FirstAdminDialog, fill)
    run_first_setup(window, ctx)
    assert seen == {"name": "Nur Aisyah", "username": "nur.aisyah", "focus": True}  # the first worker, suggested
    actor = current_actor(ctx.db)
    assert actor is not None and actor.username == "nur.aisyah" and actor.role == "administrator"
    assert auth.security_enabled(ctx.db) and not auth.needs_first_admin(ctx.db)
    assert window.session_bar.isVisible()
    assert window.session_bar.user_label.text() == "Nur Aisyah · Administrator"
    assert window.may_open("pengguna") and not window.navigation.item(window._row_of("pengguna")).isHidden()
    assert ctx.settings.last_username == "nur.aisyah"


def test_first_admin_refuses_two_different_passwords_inline(qtbot, ctx, office):
    dialog = FirstAdminDialog(ctx.db, name="Siti Rahmah")
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.password_edit, "pelita di balai")
    type_into(qtbot, dialog.repeat_edit, "pelita di balaj")
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.actor is None
    assert "Kedua kata sandi tidak sama" in dialog.problems.problem("repeat")
    assert dialog.repeat_edit.text() == ""
    type_into(qtbot, dialog.repeat_edit, "pelita di balai")
    dialog.password_edit.setText("12345678")
    dialog.repeat_edit.setText("12345678")
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
    assert "hanya angka" in dialog.problems.problem("password")  # the engine's rule, under the field
    assert not auth.security_enabled(ctx.db)


def test_closing_the_first_admin_dialog_closes_the_application(qtbot, ctx, office):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.open_first_run = lambda: None
    when_modal(FirstAdminDialog, lambda d: qtbot.keyClick(d.name_edit, Qt.Key.Key_Escape))
    run_first_setup(window, ctx)
    assert not window.isVisible()
    assert current_actor(ctx.db) is None and not auth.security_enabled(ctx.db)


def test_login_wrong_then_right(qtbot, ctx, admin):
    ctx.settings.last_username = "siti"
    dialog = LoginDialog(ctx.db, username="siti", office_name="Dinas Sosial")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.password_edit)  # remembered name: password first
    assert dialog.password_edit.echoMode() == QLineEdit.EchoMode.Password
    type_into(qtbot, dialog.password_edit, "kopi sore di balai")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.actor is None
    assert dialog.problem() == "Nama pengguna atau kata sandi salah."
    assert dialog.password_edit.text() == ""
    assert QApplication.focusWidget() is dialog.password_edit
    assert current_actor(ctx.db) is None
    type_into(qtbot, dialog.password_edit, ADMIN_PASSWORD)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.actor is not None and dialog.actor.username == "siti"
    assert current_actor(ctx.db) == dialog.actor
    assert dialog.password_edit.text() == ""


def test_login_without_a_remembered_name_starts_in_the_user_name(qtbot, ctx, admin):
    dialog = LoginDialog(ctx.db)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.username_edit)
    qtbot.keyClick(dialog.username_edit, Qt.Key.Key_Return)
    assert dialog.problems.problem("username") == "Isi nama pengguna."
    qtbot.keyClicks(dialog.username_edit, "SITI")
    qtbot.keyClick(dialog.username_edit, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.password_edit  # tab order: user name, then password
    qtbot.keyClicks(dialog.password_edit, ADMIN_PASSWORD)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Enter)
    assert current_actor(ctx.db).username == "siti"


def test_escape_on_the_login_closes_it_and_the_start_stops(qtbot, ctx, admin):
    when_modal(LoginDialog, lambda d: qtbot.keyClick(d.password_edit, Qt.Key.Key_Escape))
    assert sign_in_at_start(ctx) is False
    assert current_actor(ctx.db) is None


def test_start_up_asks_the_login_and_remembers_the_user(qtbot, ctx, admin):
    def fill(dialog):
        type_into(qtbot, dialog.username_edit, "siti")
        type_into(qtbot, dialog.password_edit, ADMIN_PASSWORD)
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)

    when_modal(LoginDialog, fill)
    assert sign_in_at_start(ctx) is True
    assert current_actor(ctx.db).name == "Siti Rahmah"
    from atensi_desktop.settings import load_settings

    assert load_settings(ctx.paths.settings_file).last_username == "siti"


def test_start_up_without_office_opens_without_login(ctx):
    assert sign_in_at_start(ctx) is True  # the first run: office set-up comes first, inside the window
    assert current_actor(ctx.db) is None


def test_a_reset_password_must_be_changed_at_sign_in(qtbot, ctx, admin):
    auth.sign_in(ctx.db, auth.authenticate(ctx.db, "siti", ADMIN_PASSWORD))
    add_user(ctx.db, username="budi", name="Budi Santoso", role=OPERATOR, password="sementara dulu")
    auth.reset_password(ctx.db, "budi", "baru dari admin")
    auth.sign_out(ctx.db)
    dialog = LoginDialog(ctx.db, username="budi")
    qtbot.addWidget(dialog)
    dialog.show()

    def change(d: ChangePasswordDialog):
        assert not d.old_edit.isVisible()  # the password just typed is the old one
        type_into(qtbot, d.new_edit, "hanya budi yang tahu")
        type_into(qtbot, d.repeat_edit, "hanya budi yang tahu")
        qtbot.keyClick(d.repeat_edit, Qt.Key.Key_Return)

    when_modal(ChangePasswordDialog, change)
    type_into(qtbot, dialog.password_edit, "baru dari admin")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert current_actor(ctx.db).username == "budi" and not current_actor(ctx.db).must_change_password
    auth.sign_out(ctx.db)
    assert auth.authenticate(ctx.db, "budi", "hanya budi yang tahu").username == "budi"


def test_change_password_from_the_status_bar(qtbot, ctx, admin):
    auth.sign_in(ctx.db, auth.authenticate(ctx.db, "siti", ADMIN_PASSWORD))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.busy)
    assert window.session_bar.isVisible()
    window.session_bar.password_button.click()
    dialog = window.findChild(ChangePasswordDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.old_edit)
    qtbot.keyClicks(dialog.old_edit, "salah sekali ini")
    qtbot.keyClick(dialog.old_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "teh hangat di sore")
    type_into(qtbot, dialog.repeat_edit, "teh hangat di sore")
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.problems.problem("old_password") == "Kata sandi lama salah."
    assert dialog.old_edit.text() == ""
    type_into(qtbot, dialog.old_edit, ADMIN_PASSWORD)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.old_edit, Qt.Key.Key_Return)
    auth.sign_out(ctx.db)
    assert auth.authenticate(ctx.db, "siti", "teh hangat di sore").username == "siti"


def test_an_operator_does_not_see_laporan(qtbot, ctx, admin):
    auth.sign_in(ctx.db, auth.authenticate(ctx.db, "siti", ADMIN_PASSWORD))
    add_user(ctx.db, username="budi", name="Budi Santoso", role=OPERATOR, password="sementara dulu")
    auth.sign_in(ctx.db, auth.authenticate(ctx.db, "budi", "sementara dulu"))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.busy)
    shown = [window.navigation.item(i).data(Qt.ItemDataRole.UserRole) for i in range(window.navigation.count())
             if not window.navigation.item(i).isHidden()]
    assert shown == ["beranda", "klien", "petugas", "kasus", "layanan", "pengaturan"]
    assert "laporan" not in window.views and "pengguna" not in window.views  # never built for this user
    assert window.session_bar.user_label.text() == "Budi Santoso · Operator data"
    window.show_view("klien")
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)  # Ctrl+6 was Laporan
    assert window.current_view().name == "klien"
    from atensi_desktop.security.roles import PermissionDenied

    with pytest.raises(PermissionDenied):
        window.show_view("laporan")


def test_status_bar_shows_no_user_while_login_is_off(qtbot, ctx, office):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert not window.session_bar.isVisibleTo(window)
    assert "pengguna" not in window.views
    assert not window.idle_lock.active


def test_screenshot_mode_refuses_a_database_with_login(tmp_path, monkeypatch, capsys):
    from atensi_desktop.app_context import open_app
    from atensi_desktop.services.office import OfficeInput, setup_installation
    from ui.app import run_gui

    monkeypatch.delenv("ATENSI_DB", raising=False)
    ctx = open_app(None, str(tmp_path / "data"))
    setup_installation(ctx.db, OfficeInput(name="Dinas Sosial Kota Banjarbaru", office_type="dinas_sosial",
                                           code="DSBJB"))
    auth.create_first_admin(ctx.db, username="siti", name="Siti Rahmah", password=ADMIN_PASSWORD)
    ctx.close()
    target = tmp_path / "beranda.png"
    assert run_gui(lambda: open_app(None, str(tmp_path / "data")), screenshot=str(target)) == 2
    assert "memakai login" in capsys.readouterr().err
    assert not target.exists()
