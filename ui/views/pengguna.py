"""Pengguna: the user directory for administrators (issue 8) — list, add, role, reset password, personal grants
(e.g. sensitive data for one trusted TKS), disable/enable. Shown only to a signed-in user with USER_MANAGE; the
engine (atensi_desktop.security.users) checks the same permission on every call."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError, UserError
from atensi_desktop.i18n import N_, format_date_short, format_number
from atensi_desktop.security.auth import reset_password
from atensi_desktop.security.roles import (
    PERMISSIONS,
    ROLE_PERMISSIONS,
    ROLES,
    SENSITIVE_VIEW,
    TKS,
    USER_MANAGE,
    can,
    current_actor,
    permission_label,
    role_label,
)
from atensi_desktop.security.users import (
    UserDTO,
    add_user,
    disable_user,
    enable_user,
    list_users,
    set_grants,
    set_role,
    set_worker,
)
from atensi_desktop.services.workers import WorkerDTO, WorkerQuery, list_workers
from ui.change_bus import ChangeBus
from ui.dialogs.login import SecurityForm, password_edit, suggest_username
from ui.errors import show_error
from ui.i18n import tr
from ui.icons import icon
from ui.views.base import View
from ui.views.petugas import ID_ROLE, Column, RowsModel
from ui.widgets.common import make_label
from ui.widgets.form_fields import form_layout


def _status(user: UserDTO) -> str:
    if not user.active:
        return tr("dinonaktifkan")
    if not user.has_password:
        return tr("belum punya kata sandi di sini")
    locked = user.locked_until
    if locked is not None and (locked if locked.tzinfo else locked.replace(tzinfo=dt.UTC)) > dt.datetime.now(dt.UTC):
        return tr("terkunci sementara")
    if user.must_change_password:
        return tr("harus ganti kata sandi")
    return tr("aktif")


def _last_login(user: UserDTO) -> str:
    return format_date_short(user.last_login_at.date()) if user.last_login_at else tr("belum pernah")


def _extra(user: UserDTO) -> str:
    extra = [g for g in user.grants if g not in ROLE_PERMISSIONS.get(user.role, frozenset())]
    if not extra:
        return ""
    if extra == [SENSITIVE_VIEW]:
        return tr("data sensitif")
    return ", ".join(permission_label(g) for g in extra)


class PenggunaView(View):
    """The users of this installation. Ctrl+N adds one; Enter on a row changes its role."""

    name = "pengguna"

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(ctx, bus, tr("Pengguna"), parent)
        self.count_label = make_label("", "muted")
        self.count_label.setObjectName("userCount")
        self.header.addWidget(self.count_label)
        self.workers: dict[uuid.UUID, str] = {}
        self.body.addWidget(make_label(
            tr("Setiap orang yang memakai ATENSI Desktop di komputer ini masuk dengan akunnya sendiri. Kata sandi "
               "hanya tersimpan di komputer ini (tidak ikut sinkronisasi); pengguna dari kantor lain perlu diberi "
               "kata sandi di sini dulu."), "muted", wrap=True))
        self.columns = (
            Column(N_("Nama"), lambda u: u.name, "Muhammad Rahman Hidayat", stretch=True),
            Column(N_("Nama pengguna"), lambda u: u.username, "rahman.hidayat"),
            Column(N_("Peran"), lambda u: role_label(u.role), "Kepala / supervisor"),
            Column(N_("Petugas"), lambda u: self.workers.get(u.worker_id, "") if u.worker_id else "",
                   "Muhammad Rahman Hidayat", stretch=True),
            Column(N_("Izin tambahan"), _extra, "data sensitif"),
            Column(N_("Status"), _status, "belum punya kata sandi di sini"),
            Column(N_("Terakhir masuk"), _last_login, "Terakhir masuk"),
        )
        self.model = RowsModel(self.columns, faded=lambda u: not u.active, parent=self)
        self.table = self._table()
        self.body.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.new_button = QPushButton(icon("pengguna"), tr("Pengguna &baru"))
        self.new_button.setObjectName("newUser")
        self.new_button.setToolTip(tr("Tambah pengguna (Ctrl+N)"))
        self.role_button = QPushButton(tr("&Peran dan petugas…"))
        self.role_button.setObjectName("userRole")
        self.role_button.setToolTip(tr("Ubah peran pengguna yang dipilih (Enter)"))
        self.reset_button = QPushButton(tr("Atur ulang &kata sandi…"))
        self.reset_button.setObjectName("resetPassword")
        self.grants_button = QPushButton(tr("&Izin tambahan…"))
        self.grants_button.setObjectName("userGrants")
        self.grants_button.setToolTip(tr("Mis. izinkan seorang TKS melihat rincian kesehatan klien yang ia dampingi"))
        self.toggle_button = QPushButton(tr("&Nonaktifkan…"))
        self.toggle_button.setObjectName("toggleUser")
        for button, slot in ((self.new_button, self.new_user), (self.role_button, self.change_role),
                             (self.reset_button, self.reset_selected_password),
                             (self.grants_button, self.change_grants), (self.toggle_button, self.toggle_selected)):
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.body.addLayout(buttons)
        QWidget.setTabOrder(self.table, self.new_button)
        for first, second in ((self.new_button, self.role_button), (self.role_button, self.reset_button),
                              (self.reset_button, self.grants_button), (self.grants_button, self.toggle_button)):
            QWidget.setTabOrder(first, second)
        QShortcut(QKeySequence.StandardKey.New, self, self.new_user)
        self.table.activated.connect(self._activated)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        bus.office_changed.connect(self.reload)
        self.reload()

    def _table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("userTable")
        table.setAccessibleName(tr("Daftar pengguna"))
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setTabKeyNavigation(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 12)
        header = table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        metrics = header.fontMetrics()
        for number, column in enumerate(self.columns):
            header.resizeSection(number, max(metrics.horizontalAdvance(column.sample) + 24,
                                             metrics.horizontalAdvance(tr(column.title)) + 28))
            if column.stretch:
                header.setSectionResizeMode(number, QHeaderView.ResizeMode.Stretch)
        return table

    # --- loading -----------------------------------------------------------------------------------------

    def activated(self) -> None:
        self.reload()

    @Slot()
    def reload(self) -> None:
        if current_actor(self.ctx.db) is None or not can(self.ctx.db, USER_MANAGE):
            return  # login off, signed out or not an administrator: nothing to list
        chosen = self.selected()
        try:
            users = list_users(self.ctx.db)
            self.workers = {w.id: w.name for w in list_workers(self.ctx.db, WorkerQuery(status="all"))}
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.model.set_rows(users)
        self.select(chosen.id if chosen else None)
        active = sum(1 for u in users if u.active)
        text = tr("{n} pengguna aktif").format(n=format_number(active))
        if len(users) > active:
            text += " · " + tr("{n} dinonaktifkan").format(n=format_number(len(users) - active))
        self.count_label.setText(text)
        self._selection_changed()

    def select(self, user_id: uuid.UUID | None) -> None:
        row = self.model.row_of(user_id)
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def select_username(self, username: str) -> None:
        self.select(next((u.id for u in self.model.rows if u.username == username), None))

    def selected(self) -> UserDTO | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isSelected(index):
            return None
        row = self.model.row_of(index.data(ID_ROLE))
        return self.model.rows[row] if row >= 0 else None

    @Slot()
    def _selection_changed(self, *_args) -> None:
        user = self.selected()
        me = current_actor(self.ctx.db)
        for button in (self.role_button, self.reset_button, self.grants_button, self.toggle_button):
            button.setEnabled(user is not None)
        if user is not None and me is not None and user.id == me.user_id:
            self.toggle_button.setEnabled(False)
            self.toggle_button.setToolTip(tr("Akun sendiri tidak bisa dinonaktifkan"))
        else:
            self.toggle_button.setToolTip("")
        self.toggle_button.setText(tr("&Aktifkan kembali…") if user is not None and not user.active
                                   else tr("&Nonaktifkan…"))

    @Slot(QModelIndex)
    def _activated(self, _index: QModelIndex) -> None:
        self.change_role()

    # --- actions -----------------------------------------------------------------------------------------

    def active_workers(self) -> list[WorkerDTO]:
        return list_workers(self.ctx.db, WorkerQuery(status="active"))

    def _open(self, dialog: QDialog, on_saved: Callable[[Any], None]) -> QDialog:
        def finished(_result: int) -> None:
            saved = getattr(dialog, "saved", None)
            dialog.deleteLater()
            if saved is not None:  # also a role change half done before a refusal
                on_saved(saved)
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def _saved(self, user: UserDTO) -> None:
        self.reload()
        self.select(user.id)

    @Slot()
    def new_user(self) -> QDialog | None:
        try:
            workers = self.active_workers()
        except AtensiError as exc:
            show_error(self, exc)
            return None
        return self._open(UserFormDialog(self.ctx.db, workers, parent=self), self._saved)

    @Slot()
    def change_role(self) -> QDialog | None:
        user = self.selected()
        if user is None:
            return None
        return self._open(RoleDialog(self.ctx.db, user, self.active_workers(), parent=self), self._saved)

    @Slot()
    def reset_selected_password(self) -> QDialog | None:
        user = self.selected()
        if user is None:
            return None
        return self._open(ResetPasswordDialog(self.ctx.db, user, parent=self), self._saved)

    @Slot()
    def change_grants(self) -> QDialog | None:
        user = self.selected()
        if user is None:
            return None
        return self._open(GrantsDialog(self.ctx.db, user, parent=self), self._saved)

    @Slot()
    def toggle_selected(self) -> None:
        user = self.selected()
        if user is None:
            return
        if user.active:
            title = tr("Nonaktifkan pengguna?")
            text = tr("{name} ({username}) tidak bisa masuk lagi. Data yang pernah ia catat tetap atas namanya, "
                      "dan akun bisa diaktifkan kembali kapan saja.").format(name=user.name, username=user.username)
            action = disable_user
        else:
            title = tr("Aktifkan kembali pengguna?")
            text = tr("{name} ({username}) bisa masuk lagi dengan kata sandinya.").format(
                name=user.name, username=user.username)
            action = enable_user
        answer = QMessageBox.question(self, title, text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            changed = action(self.ctx.db, user.username)
        except AtensiError as exc:
            show_error(self, exc)
            return
        self._saved(changed)


# --- dialogs ---------------------------------------------------------------------------------------------------

def _role_combo(current: str | None = None) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("roleCombo")
    for role in ROLES:
        combo.addItem(role_label(role), role)
    combo.setCurrentIndex(max(0, combo.findData(current or ROLES[2])))
    return combo


def _worker_combo(workers: Sequence[WorkerDTO], current: uuid.UUID | None) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("workerCombo")
    combo.addItem(tr("(tidak dihubungkan)"), None)
    for worker in workers:
        combo.addItem(f"{worker.name} — {worker.worker_type_label}", str(worker.id))
    if current is not None:
        index = combo.findData(str(current))
        if index < 0:
            combo.addItem(tr("(petugas tidak aktif)"), str(current))
            index = combo.count() - 1
        combo.setCurrentIndex(index)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(28)
    return combo


def _worker_id(combo: QComboBox) -> uuid.UUID | None:
    data = combo.currentData()
    return uuid.UUID(data) if data else None


def _buttons(form: SecurityForm, ok_text: str, submit: Callable[[], None]) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    ok.setDefault(True)
    box.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("&Batal"))
    box.accepted.connect(submit)
    box.rejected.connect(form.reject)
    form.ok_button = ok
    return box


SENSITIVE_NOTE = N_("Rincian kesehatan, disabilitas dan catatan hukum klien (data pribadi spesifik, UU PDP Pasal 4). "
                    "Berikan hanya bila tugasnya memerlukan.")


class UserFormDialog(SecurityForm):
    """A new user: name, user name, role, worker (required for TKS/relawan), first password twice. The user
    makes their own password at the first sign-in."""

    def __init__(self, db, workers: Sequence[WorkerDTO], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.saved: UserDTO | None = None
        self.setObjectName("userFormDialog")
        self.setWindowTitle(tr("Pengguna baru"))
        self.outer.addWidget(make_label(tr("Pengguna baru"), "title"))
        form = form_layout()
        form.setContentsMargins(0, 4, 0, 0)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("userName")
        self.username_edit = QLineEdit()
        self.username_edit.setObjectName("userUsername")
        self.username_edit.setMaxLength(60)
        self.role_combo = _role_combo()
        self.worker_combo = _worker_combo(workers, None)
        self.sensitive_check = QCheckBox(tr("Boleh melihat data sensitif klien yang ia dampingi"))
        self.sensitive_check.setObjectName("sensitiveGrant")
        self.sensitive_check.setToolTip(tr(SENSITIVE_NOTE))
        self.password_edit = password_edit("userPassword")
        self.repeat_edit = password_edit("userRepeat")
        self.problems.add_row(form, tr("Nama &lengkap *"), "name", self.name_edit)
        self.problems.add_row(form, tr("&Nama pengguna *"), "username", self.username_edit,
                              hint=tr("Huruf kecil tanpa spasi, mis. siti.rahmah"))
        self.problems.add_row(form, tr("&Peran *"), "role", self.role_combo)
        self.role_hint = make_label("", "muted", wrap=True)
        self.problems.add_row(form, tr("Pe&tugas"), "worker_id", self.worker_combo, hint_label=self.role_hint)
        self.problems.add_row(form, None, "grants", self.sensitive_check)
        self.problems.add_row(form, tr("&Kata sandi awal *"), "password", self.password_edit,
                              hint=tr("Berikan langsung kepada orangnya; ia diminta menggantinya saat pertama "
                                      "masuk."))
        self.problems.add_row(form, tr("&Ulangi kata sandi *"), "repeat", self.repeat_edit)
        self.outer.addLayout(form)
        self.add_error_lines()
        self.outer.addWidget(_buttons(self, tr("&Tambah pengguna"), self.submit))
        self._username_touched = False
        self.name_edit.textEdited.connect(self._name_edited)
        self.username_edit.textEdited.connect(lambda _t: setattr(self, "_username_touched", True))
        self.role_combo.currentIndexChanged.connect(self._role_changed)
        self._role_changed()
        self.setMinimumWidth(560)
        self.size_to(600)
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _name_edited(self, text: str) -> None:
        if not self._username_touched:
            self.username_edit.setText(suggest_username(text))

    def _role_changed(self, *_args) -> None:
        role = self.role_combo.currentData()
        self.sensitive_check.setVisible(SENSITIVE_VIEW not in ROLE_PERMISSIONS[role])
        if role == TKS:
            self.role_hint.setText(tr("Wajib untuk TKS/relawan: ia hanya melihat klien yang didampingi petugas "
                                      "ini."))
        else:
            self.role_hint.setText(tr("Data petugas orang ini, bila ada (nama pada kasus dan laporan)."))

    def grants(self) -> tuple[str, ...]:
        return (SENSITIVE_VIEW,) if self.sensitive_check.isVisible() and self.sensitive_check.isChecked() else ()

    @Slot()
    def submit(self) -> None:
        password = self.typed_twice(self.password_edit, self.repeat_edit)
        if password is None:
            return
        try:
            user = self.run_busy(lambda: add_user(
                self.db, username=self.username_edit.text(), name=self.name_edit.text(),
                role=self.role_combo.currentData(), password=password, worker_id=_worker_id(self.worker_combo),
                grants=self.grants(), must_change=True))  # the administrator's first password: replaced at sign-in
        except UserError as exc:
            if exc.field == "password":
                self.password_edit.clear()
                self.repeat_edit.clear()
            self.show_error(exc)
            return
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.saved = user
        self.accept()


class RoleDialog(SecurityForm):
    """Change a user's role and the worker they are linked to."""

    def __init__(self, db, user: UserDTO, workers: Sequence[WorkerDTO],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.saved: UserDTO | None = None
        self.setObjectName("roleDialog")
        self.setWindowTitle(tr("Peran dan petugas"))
        self.outer.addWidget(make_label(tr("{name} ({username})").format(name=user.name, username=user.username),
                                        "subtitle", wrap=True))
        form = form_layout()
        form.setContentsMargins(0, 4, 0, 0)
        self.role_combo = _role_combo(user.role)
        self.worker_combo = _worker_combo(workers, user.worker_id)
        self.problems.add_row(form, tr("&Peran"), "role", self.role_combo)
        self.problems.add_row(form, tr("Pe&tugas"), "worker_id", self.worker_combo,
                              hint=tr("Wajib untuk TKS/relawan: ia hanya melihat klien yang didampingi petugas "
                                      "ini."))
        self.outer.addLayout(form)
        self.permissions_label = make_label("", "muted", wrap=True)
        self.outer.addWidget(self.permissions_label)
        self.add_error_lines()
        self.outer.addWidget(_buttons(self, tr("&Simpan"), self.submit))
        self.role_combo.currentIndexChanged.connect(self._describe)
        self._describe()
        self.setMinimumWidth(520)
        self.size_to(560)
        self.role_combo.setFocus(Qt.FocusReason.OtherFocusReason)

    def _describe(self, *_args) -> None:
        role = self.role_combo.currentData()
        allowed = [permission_label(p) for p in PERMISSIONS if p in ROLE_PERMISSIONS[role]]
        self.permissions_label.setText(tr("Peran ini boleh: {list}.").format(list="; ".join(allowed)))
        self._fit()

    @Slot()
    def submit(self) -> None:
        role, worker = self.role_combo.currentData(), _worker_id(self.worker_combo)
        user = self.user
        steps = [lambda u: set_role(self.db, u.username, role) if role != u.role else u,
                 lambda u: set_worker(self.db, u.username, worker) if worker != u.worker_id else u]
        if role == TKS:
            steps.reverse()  # a TKS needs their worker first; any other role changes role first, then the link
        try:
            for step in steps:
                user = step(user)
                self.saved = user
        except UserError as exc:
            self.show_error(exc)
            return
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.saved = user
        self.accept()


class ResetPasswordDialog(SecurityForm):
    """An administrator sets a new password; the user must change it at the next sign-in."""

    def __init__(self, db, user: UserDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.saved: UserDTO | None = None
        self.setObjectName("resetPasswordDialog")
        self.setWindowTitle(tr("Atur ulang kata sandi"))
        self.outer.addWidget(make_label(tr("Kata sandi baru untuk {name} ({username})").format(
            name=user.name, username=user.username), "subtitle", wrap=True))
        self.outer.addWidget(make_label(
            tr("Berikan kata sandi ini langsung kepada orangnya. Saat masuk, ia harus menggantinya dengan kata "
               "sandi yang hanya ia ketahui."), "muted", wrap=True))
        form = form_layout()
        form.setContentsMargins(0, 4, 0, 0)
        self.password_edit = password_edit("resetPassword")
        self.repeat_edit = password_edit("resetRepeat")
        self.problems.add_row(form, tr("&Kata sandi baru"), "password", self.password_edit,
                              hint=tr("Paling sedikit 8 karakter; jangan hanya angka."))
        self.problems.add_row(form, tr("&Ulangi kata sandi"), "repeat", self.repeat_edit)
        self.outer.addLayout(form)
        self.add_error_lines()
        self.outer.addWidget(_buttons(self, tr("&Atur ulang"), self.submit))
        self.setMinimumWidth(480)
        self.size_to(500)
        self.password_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def submit(self) -> None:
        password = self.typed_twice(self.password_edit, self.repeat_edit)
        if password is None:
            return
        try:
            self.run_busy(lambda: reset_password(self.db, self.user.username, password))
        except UserError as exc:
            self.password_edit.clear()
            self.repeat_edit.clear()
            self.show_error(exc)
            return
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.saved = self.user
        self.accept()


class GrantsDialog(SecurityForm):
    """Personal grants on top of the role: one check box per permission the role does not give."""

    def __init__(self, db, user: UserDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.user = db, user
        self.saved: UserDTO | None = None
        self.setObjectName("grantsDialog")
        self.setWindowTitle(tr("Izin tambahan"))
        self.outer.addWidget(make_label(tr("Izin tambahan untuk {name} ({role})").format(
            name=user.name, role=role_label(user.role)), "subtitle", wrap=True))
        self.outer.addWidget(make_label(tr("Di luar yang sudah diberikan perannya. Berikan seperlunya saja."),
                                        "muted", wrap=True))
        own = ROLE_PERMISSIONS.get(user.role, frozenset())
        extra = [p for p in PERMISSIONS if p not in own and p != USER_MANAGE]  # administrators are a role
        extra.sort(key=lambda p: p != SENSITIVE_VIEW)  # the one most often asked for first
        self.checks: dict[str, QCheckBox] = {}
        column = QVBoxLayout()
        column.setSpacing(4)
        for perm in extra:
            box = QCheckBox(permission_label(perm))
            box.setObjectName(f"grant_{perm}")
            box.setChecked(perm in user.grants)
            if perm == SENSITIVE_VIEW:
                box.setToolTip(tr(SENSITIVE_NOTE))
            self.checks[perm] = box
            column.addWidget(box)
        if not extra:
            column.addWidget(make_label(tr("Peran ini sudah memiliki semua izin."), "muted"))
        self.outer.addLayout(column)
        self.add_error_lines()
        self.outer.addWidget(_buttons(self, tr("&Simpan"), self.submit))
        self.setMinimumWidth(480)
        if self.checks:
            next(iter(self.checks.values())).setFocus(Qt.FocusReason.OtherFocusReason)

    def chosen(self) -> list[str]:
        return [perm for perm, box in self.checks.items() if box.isChecked()]

    @Slot()
    def submit(self) -> None:
        try:
            user = set_grants(self.db, self.user.username, self.chosen())
        except UserError as exc:
            self.show_error(exc)
            return
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.saved = user
        self.accept()
