"""Pengguna (issue 8): an administrator adds a TKS user with the sensitive-data grant, resets a password, changes
a role, disables a user (whose login is then refused); the screen is only for user managers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from atensi_desktop.errors import UserError
from atensi_desktop.security import auth
from atensi_desktop.security.roles import KEPALA, OPERATOR, PEKSOS, SENSITIVE_VIEW, TKS, current_actor
from atensi_desktop.security.users import add_user, get_user
from atensi_desktop.services.office import WorkerInput
from atensi_desktop.services.workers import create_worker
from ui.main_window import MainWindow
from ui.views.pengguna import GrantsDialog, ResetPasswordDialog, RoleDialog, UserFormDialog

pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")  # offscreen
ADMIN_PASSWORD = "kopi pagi di balai"


@pytest.fixture
def signed_in(ctx, office):
    actor = auth.create_first_admin(ctx.db, username="siti", name="Siti Rahmah", password=ADMIN_PASSWORD)
    auth.sign_in(ctx.db, actor)
    return actor


@pytest.fixture
def window(qtbot, ctx, signed_in):
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: not win.busy)
    return win


@pytest.fixture
def view(window):
    return window.show_view("pengguna")


@pytest.fixture
def answer_yes(monkeypatch):
    asked = []

    def question(parent, title, text, *args, **kwargs):
        asked.append((title, text))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def names(view) -> list[str]:
    return [u.username for u in view.model.rows]


def type_into(qtbot, edit, text):
    edit.setFocus()
    qtbot.keyClicks(edit, text)


def test_the_screen_lists_the_administrator(window, view):
    assert window.navigation.item(window._row_of("pengguna")).text() == "Pengguna"
    assert names(view) == ["siti"]
    assert view.model.data(view.model.index(0, 2)) == "Administrator"
    assert view.model.data(view.model.index(0, 5)) == "aktif"
    assert view.count_label.text() == "1 pengguna aktif"
    view.select_username("siti")
    assert not view.toggle_button.isEnabled()  # one cannot disable oneself


def test_ctrl_9_opens_pengguna(qtbot, window):
    window.show_view("klien")
    qtbot.keyClick(window, Qt.Key.Key_9, Qt.KeyboardModifier.ControlModifier)
    assert window.current_view().name == "pengguna"


def test_admin_adds_a_tks_user_with_the_sensitive_grant(qtbot, ctx, view):
    worker = create_worker(ctx.db, WorkerInput(name="Rahmat Hidayat", worker_type="tks"))
    qtbot.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = view.findChild(UserFormDialog)
    assert dialog is not None and dialog.isVisible()
    type_into(qtbot, dialog.name_edit, "Rahmat Hidayat")
    assert dialog.username_edit.text() == "rahmat.hidayat"
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(TKS))
    assert dialog.sensitive_check.isVisible()
    type_into(qtbot, dialog.password_edit, "sementara dulu")
    type_into(qtbot, dialog.repeat_edit, "sementara dulu")
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
    assert dialog.isVisible()  # a TKS needs their worker: the engine's refusal, under the field
    assert "dihubungkan dengan data petugasnya" in dialog.problems.problem("worker_id")
    assert dialog.password_edit.text() == "sementara dulu"  # not a password problem: typing stays
    dialog.worker_combo.setCurrentIndex(dialog.worker_combo.findData(str(worker.id)))
    dialog.sensitive_check.setChecked(True)
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "rahmat.hidayat" in names(view))
    user = get_user(ctx.db, "rahmat.hidayat")
    assert (user.role, user.worker_id, user.grants) == (TKS, worker.id, (SENSITIVE_VIEW,))
    assert user.must_change_password  # the administrator's first password is replaced at the first sign-in
    row = names(view).index("rahmat.hidayat")
    assert view.model.data(view.model.index(row, 3)) == "Rahmat Hidayat"
    assert view.model.data(view.model.index(row, 4)) == "data sensitif"
    assert view.selected().username == "rahmat.hidayat"
    actor = auth.authenticate(ctx.db, "rahmat.hidayat", "sementara dulu")
    assert actor.has(SENSITIVE_VIEW) and actor.must_change_password


def test_admin_resets_a_password(qtbot, ctx, signed_in, view):
    add_user(ctx.db, username="budi", name="Budi Santoso", role=OPERATOR, password="sementara dulu")
    view.reload()
    view.select_username("budi")
    view.reset_button.click()
    dialog = view.findChild(ResetPasswordDialog)
    type_into(qtbot, dialog.password_edit, "1234")
    type_into(qtbot, dialog.repeat_edit, "1234")
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
    assert "terlalu pendek" in dialog.problems.problem("password")
    assert dialog.password_edit.text() == "" and dialog.repeat_edit.text() == ""
    type_into(qtbot, dialog.password_edit, "ganti segera ya")
    type_into(qtbot, dialog.repeat_edit, "ganti segera ya")
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    row = names(view).index("budi")
    assert view.model.data(view.model.index(row, 5)) == "harus ganti kata sandi"
    with pytest.raises(UserError):
        auth.authenticate(ctx.db, "budi", "sementara dulu")
    assert auth.authenticate(ctx.db, "budi", "ganti segera ya").must_change_password


def test_admin_disables_a_user_whose_login_is_then_refused(qtbot, ctx, view, answer_yes):
    from ui.dialogs.login import LoginDialog

    add_user(ctx.db, username="budi", name="Budi Santoso", role=PEKSOS, password="sementara dulu")
    view.reload()
    view.select_username("budi")
    assert view.toggle_button.text() == "&Nonaktifkan…"
    view.toggle_button.click()
    assert answer_yes and "Budi Santoso" in answer_yes[0][1]
    row = names(view).index("budi")
    assert view.model.data(view.model.index(row, 5)) == "dinonaktifkan"
    assert view.toggle_button.text() == "&Aktifkan kembali…"
    assert view.count_label.text() == "1 pengguna aktif · 1 dinonaktifkan"
    admin = current_actor(ctx.db)
    login = LoginDialog(ctx.db, username="budi")
    qtbot.addWidget(login)
    login.show()
    type_into(qtbot, login.password_edit, "sementara dulu")
    qtbot.keyClick(login.password_edit, Qt.Key.Key_Return)
    assert login.isVisible() and login.actor is None
    assert "dinonaktifkan" in login.problem()
    assert current_actor(ctx.db) == admin  # the refused login changed nothing
    view.toggle_button.click()  # enable again
    assert get_user(ctx.db, "budi").active


def test_role_change_to_tks_needs_a_worker(qtbot, ctx, view):
    worker = create_worker(ctx.db, WorkerInput(name="Wati", worker_type="relawan_sosial"))
    add_user(ctx.db, username="wati", name="Wati", role=PEKSOS, password="sementara dulu")
    view.reload()
    view.select_username("wati")
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)  # Enter on a row: role and worker
    dialog = view.findChild(RoleDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(TKS))
    qtbot.keyClick(dialog.role_combo, Qt.Key.Key_Return)
    assert "dihubungkan dengan data petugasnya" in dialog.problem()
    dialog.worker_combo.setCurrentIndex(dialog.worker_combo.findData(str(worker.id)))
    qtbot.keyClick(dialog.role_combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert (get_user(ctx.db, "wati").role, get_user(ctx.db, "wati").worker_id) == (TKS, worker.id)
    view.select_username("wati")
    dialog = view.change_role()
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(KEPALA))
    dialog.worker_combo.setCurrentIndex(0)  # unlinked: fine for a kepala
    qtbot.keyClick(dialog.role_combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert (get_user(ctx.db, "wati").role, get_user(ctx.db, "wati").worker_id) == (KEPALA, None)


def test_grants_dialog_offers_what_the_role_lacks(qtbot, ctx, view):
    worker = create_worker(ctx.db, WorkerInput(name="Rahmat", worker_type="tks"))
    add_user(ctx.db, username="rahmat", name="Rahmat", role=TKS, password="sementara dulu", worker_id=worker.id)
    view.reload()
    view.select_username("rahmat")
    view.grants_button.click()
    dialog = view.findChild(GrantsDialog)
    assert list(dialog.checks)[0] == SENSITIVE_VIEW
    assert "client.view" not in dialog.checks and "user.manage" not in dialog.checks  # role has it / a role
    assert dialog.focusWidget() is dialog.checks[SENSITIVE_VIEW]
    dialog.checks[SENSITIVE_VIEW].setChecked(True)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert get_user(ctx.db, "rahmat").grants == (SENSITIVE_VIEW,)


def test_pengguna_is_not_for_a_kepala(qtbot, ctx, signed_in):
    add_user(ctx.db, username="kepala", name="Pak Kepala", role=KEPALA, password="sementara dulu")
    auth.sign_in(ctx.db, auth.authenticate(ctx.db, "kepala", "sementara dulu"))
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    assert not win.may_open("pengguna") and win._row_of("pengguna") == -1
    assert win.may_open("laporan") and win.may_open("sinkronisasi")
