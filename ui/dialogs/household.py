"""The household (Keluarga / KK) window: No. KK, address and region, the members and what can be done to them."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError, UserError, ValidationError
from atensi_desktop.i18n import format_date_short
from atensi_desktop.refdata import ref_list
from atensi_desktop.services import households as hh
from atensi_desktop.services.clients import ClientQuery, ClientRow, client_page, get_client
from ui.change_bus import ChangeBus
from ui.errors import show_error
from ui.i18n import tr
from ui.models.rows import ListTableModel
from ui.style import MUTED
from ui.widgets.common import make_label, set_invalid
from ui.widgets.wilayah_picker import WilayahPicker

TARGET_SCREEN = QSize(1366, 768 - 40)
WANTED_SIZE = QSize(1100, 660)
SEARCH_LIMIT = 30
SEARCH_DELAY_MS = 250
WARNING_COLOR = "#8a5300"
_Index = QModelIndex | QPersistentModelIndex
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _fit(dialog: QDialog, wanted: QSize, minimum: QSize) -> None:
    """Open at `wanted` size, never larger than a 1366×768 laptop's (or this screen's) free area. The minimum
    is fixed, so a line of text appearing later (a notice, a refusal) resizes nothing."""
    screen = dialog.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry().size() if screen is not None else TARGET_SCREEN
    room = room.boundedTo(TARGET_SCREEN)
    dialog.setMinimumSize(minimum.boundedTo(room))
    dialog.resize(wanted.boundedTo(room))


def relation_combo(*, exclude_head: bool = False, with_blank: bool = False) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("relationCombo")
    if with_blank:
        combo.addItem("—", None)
    for item in ref_list("family_relations").items:
        if not (exclude_head and item.code == hh.HEAD):
            combo.addItem(item.label, item.code)
    return combo


def _select(combo: QComboBox, code: str | None) -> None:
    index = combo.findData(code) if code is not None else -1
    combo.setCurrentIndex(max(index, 0))


# --- the members table ----------------------------------------------------------------------------------

class MembersModel(ListTableModel):
    """Columns: relation, name, display id, NIK (masked), L/P, age; archived members in grey."""

    RELATION, NAME, DISPLAY_ID, NIK, SEX, AGE = range(6)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__((tr("Hubungan"), tr("Nama"), tr("ID"), tr("NIK"), tr("L/P"), tr("Umur")), parent)

    def set_members(self, members: Sequence[hh.Member]) -> None:
        self.set_rows(members)

    def member(self, row: int) -> hh.Member | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, client_id: uuid.UUID) -> int | None:
        return next((i for i, m in enumerate(self._rows) if m.client_id == client_id), None)

    def _text(self, m: hh.Member, column: int) -> str:
        if column == self.RELATION:
            return m.relation_label or "—"
        if column == self.NAME:
            return m.name + (" " + tr("(diarsipkan)") if m.archived else "")
        if column == self.DISPLAY_ID:
            return m.display_id
        if column == self.NIK:
            return m.nik_masked or "—"
        if column == self.SEX:
            return m.sex or "—"
        return str(m.age) if m.age is not None else "—"

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or not 0 <= index.column() < len(self._headers):
            return None
        m = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(m, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            born = format_date_short(m.birth_date) if m.birth_date else tr("tanggal lahir kosong")
            return f"{m.name} · {m.display_id} · {born}"
        if role == Qt.ItemDataRole.ForegroundRole and m.archived:
            return QBrush(QColor(MUTED))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.SEX, self.AGE):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == ID_ROLE:
            return m.client_id
        return None


# --- small questions -------------------------------------------------------------------------------------

class RelationDialog(QDialog):
    """Ask one relation to the head (for "Ubah hubungan" and the old head when the head changes)."""

    def __init__(self, title: str, text: str, *, current: str | None = None, exclude_head: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.addWidget(make_label(text, wrap=True))
        form = QFormLayout()
        self.combo = relation_combo(exclude_head=exclude_head)
        _select(self.combo, current)
        label = QLabel(tr("&Hubungan dengan kepala keluarga"))
        label.setBuddy(self.combo)
        self.combo.setAccessibleName(tr("Hubungan dengan kepala keluarga"))
        form.addRow(label, self.combo)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("&Simpan"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("&Batal"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        _fit(self, QSize(520, 170), QSize(480, 150))
        self.combo.setFocus()

    def relation(self) -> str:
        return self.combo.currentData()


@dataclass(frozen=True)
class PickedClient:
    client_id: uuid.UUID
    name: str
    relation: str


class ClientPickerDialog(QDialog):
    """"Tambah klien terdaftar": search a registered client by name or NIK, choose the relation."""

    def __init__(self, ctx: AppContext, *, exclude: set[uuid.UUID], has_head: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.exclude = exclude
        self.setObjectName("clientPicker")
        self.setWindowTitle(tr("Tambah klien terdaftar"))
        layout = QVBoxLayout(self)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("pickerSearch")
        self.search_edit.setPlaceholderText(tr("Ketik nama, NIK, atau No. KK…"))
        self.search_edit.setAccessibleName(tr("Cari klien"))
        search_label = QLabel(tr("&Cari klien"))
        search_label.setBuddy(self.search_edit)
        layout.addWidget(search_label)
        layout.addWidget(self.search_edit)
        self.results = QListWidget()
        self.results.setObjectName("pickerResults")
        self.results.setAccessibleName(tr("Hasil pencarian"))
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        layout.addWidget(self.results, 1)
        self.status_label = make_label(tr("Ketik paling sedikit 2 huruf atau angka."), "muted", wrap=True)
        layout.addWidget(self.status_label)
        form = QFormLayout()
        self.relation = relation_combo()
        _select(self.relation, "anak" if has_head else hh.HEAD)
        relation_label = QLabel(tr("&Hubungan dengan kepala keluarga"))
        relation_label.setBuddy(self.relation)
        self.relation.setAccessibleName(tr("Hubungan dengan kepala keluarga"))
        form.addRow(relation_label, self.relation)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("&Tambahkan"))
        self.ok_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("&Batal"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search)
        self.search_edit.textChanged.connect(lambda _t: self._timer.start())
        self.search_edit.installEventFilter(self)
        self.results.currentItemChanged.connect(lambda *_: self.ok_button.setEnabled(self.picked() is not None))
        self.results.itemActivated.connect(lambda _item: self.accept())
        _fit(self, QSize(640, 520), QSize(520, 360))
        self.search_edit.setFocus()

    def eventFilter(self, watched: Any, event: Any) -> bool:
        """Down arrow in the search box moves into the results."""
        if watched is self.search_edit and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Down and self.results.count():
            self.results.setFocus()
            if self.results.currentRow() < 0:
                self.results.setCurrentRow(0)
            return True
        return super().eventFilter(watched, event)

    @Slot()
    def search(self) -> None:
        self._timer.stop()
        text = self.search_edit.text().strip()
        self.results.clear()
        if len(text) < 2:
            self.status_label.setText(tr("Ketik paling sedikit 2 huruf atau angka."))
            return
        try:
            rows = client_page(self.ctx.db, ClientQuery(text=text), 0, SEARCH_LIMIT + len(self.exclude))
        except AtensiError as exc:
            self.status_label.setText(exc.message)
            return
        rows = [r for r in rows if r.id not in self.exclude][:SEARCH_LIMIT]
        families = hh.no_kk_of_clients(self.ctx.db, [r.id for r in rows])
        for row in rows:
            item = QListWidgetItem(_client_text(row, families.get(row.id)))
            item.setData(ID_ROLE, row.id)
            item.setData(Qt.ItemDataRole.UserRole, row.name)
            self.results.addItem(item)
        if not rows:
            self.status_label.setText(tr("Tidak ada klien yang cocok. Periksa ejaan atau cari dengan NIK."))
        else:
            self.status_label.setText(tr("{count} klien ditemukan. Pilih dengan panah bawah lalu Enter.").format(
                count=len(rows)))
            self.results.setCurrentRow(0)

    def picked(self) -> PickedClient | None:
        item = self.results.currentItem()
        if item is None:
            return None
        return PickedClient(item.data(ID_ROLE), item.data(Qt.ItemDataRole.UserRole), self.relation.currentData())

    def accept(self) -> None:
        if self.picked() is None:
            return
        super().accept()


def _client_text(row: ClientRow, no_kk: str | None) -> str:
    """Two lines: name and display id, then NIK (masked), birth date, desa and the family card if any."""
    facts = [row.nik_masked or tr("tanpa NIK")]
    facts.append(tr("lahir {date}").format(date=format_date_short(row.birth_date)) if row.birth_date
                 else tr("tanggal lahir kosong"))
    if row.wilayah_name:
        facts.append(row.wilayah_name)
    if no_kk:
        facts.append(tr("sudah di KK {no_kk}").format(no_kk=no_kk))
    return f"{row.name} ({row.display_id})\n" + " · ".join(facts)


@dataclass(frozen=True)
class MoveOptions:
    no_kk: str
    relation: str
    create: bool
    target_id: uuid.UUID | None  # the household found, when there is one


class MoveDialog(QDialog):
    """"Pindahkan ke KK lain…": the target No. KK (looked up as typed), the relation there, create if new."""

    def __init__(self, ctx: AppContext, member: hh.Member, *, current_id: uuid.UUID,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.current_id = current_id
        self.found: hh.HouseholdSummary | None = None
        self.setObjectName("moveDialog")
        self.setWindowTitle(tr("Pindahkan ke KK lain"))
        layout = QVBoxLayout(self)
        layout.addWidget(make_label(tr("Pindahkan {name} ({id}) ke keluarga lain.").format(
            name=member.name, id=member.display_id), "strong", wrap=True))
        form = QFormLayout()
        self.no_kk_edit = QLineEdit()
        self.no_kk_edit.setObjectName("moveNoKk")
        self.no_kk_edit.setMaxLength(24)
        self.no_kk_edit.setPlaceholderText(tr("16 angka"))
        self.no_kk_edit.setAccessibleName(tr("No. KK tujuan"))
        kk_label = QLabel(tr("&No. KK tujuan"))
        kk_label.setBuddy(self.no_kk_edit)
        form.addRow(kk_label, self.no_kk_edit)
        self.found_label = make_label(tr("Ketik No. KK keluarga tujuan."), "muted", wrap=True)
        self.found_label.setObjectName("moveFound")
        form.addRow("", self.found_label)
        self.create_check = QCheckBox(tr("&Buat keluarga baru dengan No. KK ini"))
        self.create_check.setObjectName("moveCreate")
        self.create_check.setEnabled(False)
        form.addRow("", self.create_check)
        self.relation = relation_combo()
        _select(self.relation, member.relation if member.relation != hh.HEAD else "lainnya")
        relation_label = QLabel(tr("&Hubungan dengan kepala keluarga baru"))
        relation_label.setBuddy(self.relation)
        self.relation.setAccessibleName(tr("Hubungan dengan kepala keluarga baru"))
        form.addRow(relation_label, self.relation)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("&Pindahkan"))
        self.ok_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Ba&tal"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.no_kk_edit.textChanged.connect(self.look_up)
        self.create_check.toggled.connect(lambda _on: self._update_ok())
        _fit(self, QSize(640, 260), QSize(600, 240))
        self.no_kk_edit.setFocus()

    @Slot()
    def look_up(self) -> None:
        self.found = None
        self.create_check.setChecked(False)
        self.create_check.setEnabled(False)
        text = self.no_kk_edit.text()
        try:
            self.found = hh.find_household(self.ctx.db, text)
        except ValidationError as exc:
            self.found_label.setText(exc.problems.get("no_kk", exc.message) if text.strip() else
                                     tr("Ketik No. KK keluarga tujuan."))
            set_invalid(self.no_kk_edit, bool(text.strip()) and len([c for c in text if c.isdigit()]) >= 16)
            self._update_ok()
            return
        set_invalid(self.no_kk_edit, False)
        if self.found is None:
            self.found_label.setText(tr("Belum ada keluarga dengan No. KK ini. Centang kotak di bawah untuk "
                                        "membuatnya."))
            self.create_check.setEnabled(True)
        elif self.found.id == self.current_id:
            self.found_label.setText(tr("Ini keluarganya sekarang. Ketik No. KK keluarga lain."))
        else:
            place = f" — {self.found.wilayah_name}" if self.found.wilayah_name else ""
            if self.found.head_name:
                text = tr("Ditemukan keluarga dengan kepala keluarga {head} ({count} anggota){place}.").format(
                    head=self.found.head_name, count=self.found.members, place=place)
            else:
                text = tr("Ditemukan keluarga tanpa kepala keluarga ({count} anggota){place}.").format(
                    count=self.found.members, place=place)
            self.found_label.setText(text)
        self._update_ok()

    def _update_ok(self) -> None:
        ok = (self.found is not None and self.found.id != self.current_id) or \
            (self.found is None and self.create_check.isChecked())
        self.ok_button.setEnabled(ok)

    def options(self) -> MoveOptions:
        return MoveOptions(no_kk=self.no_kk_edit.text(), relation=self.relation.currentData(),
                           create=self.found is None and self.create_check.isChecked(),
                           target_id=self.found.id if self.found else None)


# --- the household window ---------------------------------------------------------------------------------

class HouseholdDialog(QDialog):
    """One household: its No. KK, address and region (editable, "Simpan data keluarga"), its members, and
    the actions on them. Without a household (`household_id=None`) it registers a new one; with
    `for_client` that client joins it as soon as it is saved. Every change is announced on the bus."""

    def __init__(self, ctx: AppContext, bus: ChangeBus | None = None, *, household_id: uuid.UUID | None = None,
                 for_client: uuid.UUID | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.household_id = household_id
        self.for_client = get_client(ctx.db, for_client) if for_client is not None else None
        self.detail: hh.HouseholdDetail | None = None
        self.form: QDialog | None = None
        self._saved_fields: dict[str, Any] = {}
        self.setObjectName("householdDialog")
        self.setModal(True)
        self._build()
        if household_id is not None:
            self.reload()
            self.table.setFocus()  # keyboard users start on the members; Alt+N goes to the No. KK
        else:
            self._start_new()
        _fit(self, WANTED_SIZE, QSize(860, 560))

    # --- building --------------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setSpacing(8)
        self.title_label = make_label("", "title")
        outer.addWidget(self.title_label)
        self.notice_label = make_label("", wrap=True)
        self.notice_label.setObjectName("householdNotice")
        self.notice_label.setStyleSheet(f"color: {WARNING_COLOR};")
        self.notice_label.hide()
        outer.addWidget(self.notice_label)

        group = QGroupBox(tr("Data keluarga"))
        row = QHBoxLayout(group)
        left = QFormLayout()
        left.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.no_kk_edit = QLineEdit()
        self.no_kk_edit.setObjectName("noKk")
        self.no_kk_edit.setMaxLength(24)
        self.no_kk_edit.setPlaceholderText(tr("16 angka dari Kartu Keluarga"))
        self.no_kk_edit.setAccessibleName(tr("No. KK"))
        kk_label = QLabel(tr("&No. KK"))
        kk_label.setBuddy(self.no_kk_edit)
        left.addRow(kk_label, self.no_kk_edit)
        self.no_kk_error = make_label("", "error", wrap=True)
        self.no_kk_error.setObjectName("noKkError")
        self.no_kk_error.hide()
        left.addRow("", self.no_kk_error)
        self.address_edit = QLineEdit()
        self.address_edit.setObjectName("address")
        self.address_edit.setAccessibleName(tr("Alamat"))
        address_label = QLabel(tr("A&lamat"))
        address_label.setBuddy(self.address_edit)
        left.addRow(address_label, self.address_edit)
        self.relation_for_client = relation_combo()
        self.relation_for_client.setAccessibleName(tr("Hubungan klien dengan kepala keluarga"))
        self.relation_for_client_label = QLabel(tr("&Hubungan klien"))
        self.relation_for_client_label.setBuddy(self.relation_for_client)
        left.addRow(self.relation_for_client_label, self.relation_for_client)
        self.save_button = QPushButton(tr("&Simpan data keluarga"))
        self.save_button.setObjectName("saveHousehold")
        self.save_button.clicked.connect(self.save_fields)
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addStretch(1)
        left.addRow("", save_row)
        row.addLayout(left, 1)
        self.wilayah_picker = WilayahPicker(self.ctx.db)
        self.wilayah_picker.setObjectName("wilayah")
        row.addWidget(self.wilayah_picker, 1)
        outer.addWidget(group)

        members_label = QLabel(tr("An&ggota keluarga"))
        members_label.setProperty("role", "subtitle")
        outer.addWidget(members_label)
        body = QHBoxLayout()
        self.model = MembersModel(self)
        self.table = QTableView()
        self.table.setObjectName("members")
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("Anggota keluarga"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(MembersModel.NAME, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(50)
        members_label.setBuddy(self.table)
        body.addWidget(self.table, 1)
        actions = QVBoxLayout()
        self.new_member_button = self._action(actions, tr("Tambah anggota &baru"), "newMember", self.add_new_member)
        self.existing_button = self._action(actions, tr("&Tambah klien terdaftar"), "addExisting",
                                            self.add_existing)
        actions.addSpacing(10)
        self.move_button = self._action(actions, tr("&Pindahkan ke KK lain…"), "moveMember", self.move_member)
        self.remove_button = self._action(actions, tr("&Keluarkan dari KK"), "removeMember", self.remove_member)
        self.head_button = self._action(actions, tr("&Jadikan kepala keluarga"), "makeHead", self.make_head)
        self.relation_button = self._action(actions, tr("&Ubah hubungan"), "changeRelation", self.change_relation)
        actions.addStretch(1)
        body.addLayout(actions)
        outer.addLayout(body, 1)

        footer = QHBoxLayout()
        self.status_label = make_label("", "muted", wrap=True)
        self.status_label.setObjectName("householdStatus")
        footer.addWidget(self.status_label, 1)
        self.archive_button = QPushButton(tr("&Arsipkan keluarga"))
        self.archive_button.setObjectName("archiveHousehold")
        self.archive_button.clicked.connect(self.archive_or_restore)
        footer.addWidget(self.archive_button)
        self.close_button = QPushButton(tr("Tutup"))
        self.close_button.setObjectName("closeHousehold")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        footer.addWidget(self.close_button)
        outer.addLayout(footer)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.table.doubleClicked.connect(lambda _i: self.change_relation())
        self.no_kk_edit.textEdited.connect(lambda _t: self._show_no_kk_problem(""))

    def _action(self, layout: QVBoxLayout, text: str, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        layout.addWidget(button)
        return button

    # --- loading ---------------------------------------------------------------------------------------

    def _start_new(self) -> None:
        self.setWindowTitle(tr("Keluarga baru"))
        self.title_label.setText(tr("Keluarga baru (KK)"))
        client = self.for_client
        if client is not None:
            self._show_notice(tr("{name} belum tercatat di keluarga mana pun. Isi No. KK, alamat dan wilayah, lalu "
                                 "pilih Simpan data keluarga: keluarganya dibuat dan {name} menjadi anggotanya.")
                              .format(name=client.values.get("name")))
            self.address_edit.setText(client.values.get("address") or "")
            self.wilayah_picker.set_code(client.values.get("wilayah_code"))
            _select(self.relation_for_client, client.values.get("relation_to_head") or hh.HEAD)
        self.relation_for_client.setVisible(client is not None)
        self.relation_for_client_label.setVisible(client is not None)
        self.model.set_members([])
        self.status_label.setText(tr("Simpan data keluarga dulu, lalu tambahkan anggotanya."))
        self._saved_fields = self._fields()
        self._update_buttons()
        self.no_kk_edit.setFocus()

    def reload(self, *, select: uuid.UUID | None = None) -> None:
        """Read the household again (after any change) and keep the selection on `select` or the same member."""
        assert self.household_id is not None
        keep = select or self.current_member_id()
        self.detail = detail = hh.household_detail(self.ctx.db, self.household_id)
        self.setWindowTitle(tr("Keluarga — No. KK {no_kk}").format(no_kk=detail.no_kk or tr("belum ada")))
        self.title_label.setText(tr("Keluarga (KK) {no_kk}").format(no_kk=detail.no_kk or ""))
        self.relation_for_client.hide()
        self.relation_for_client_label.hide()
        self.no_kk_edit.setText(detail.no_kk or "")
        self.address_edit.setText(detail.address or "")
        self.wilayah_picker.set_code(detail.wilayah_code)
        self._saved_fields = self._fields()
        self.model.set_members(detail.members)
        notices = list(detail.warnings)
        if detail.archived:
            notices.insert(0, tr("Keluarga ini diarsipkan. Pulihkan dulu bila perlu diubah."))
        elif detail.members and detail.head is None:
            notices.append(tr("Keluarga ini belum punya kepala keluarga: pilih anggotanya lalu Jadikan kepala "
                              "keluarga."))
        self._show_notice("\n".join(notices))
        live = len(detail.live_members)
        self.status_label.setText(tr("{count} anggota").format(count=live) if detail.members else
                                  tr("Belum ada anggota. Tambahkan anggota baru atau klien yang sudah terdaftar."))
        row = self.model.row_of(keep) if keep is not None else None
        if row is None and self.model.rowCount():
            row = 0
        if row is not None:
            self.table.selectRow(row)
        self._update_buttons()

    def _show_notice(self, text: str) -> None:
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    def current_member(self) -> hh.Member | None:
        index = self.table.currentIndex()
        return self.model.member(index.row()) if index.isValid() else None

    def current_member_id(self) -> uuid.UUID | None:
        member = self.current_member()
        return member.client_id if member else None

    def _update_buttons(self) -> None:
        exists = self.detail is not None
        live_household = exists and not self.detail.archived
        member = self.current_member()
        live_member = live_household and member is not None and not member.archived
        for widget in (self.no_kk_edit, self.address_edit, self.wilayah_picker, self.save_button):
            widget.setEnabled(not exists or live_household)
        self.new_member_button.setEnabled(live_household)
        self.existing_button.setEnabled(live_household)
        self.move_button.setEnabled(live_member)
        self.remove_button.setEnabled(live_household and member is not None)
        self.head_button.setEnabled(live_member and member.relation != hh.HEAD)
        self.relation_button.setEnabled(live_member)
        self.archive_button.setEnabled(exists and (self.detail.archived or not self.detail.live_members))
        self.archive_button.setText(tr("P&ulihkan keluarga") if exists and self.detail.archived
                                    else tr("&Arsipkan keluarga"))

    # --- the household's own fields -------------------------------------------------------------------

    def _fields(self) -> dict[str, Any]:
        return {"no_kk": self.no_kk_edit.text().strip() or None, "address": self.address_edit.text().strip() or None,
                "wilayah_code": self.wilayah_picker.code()}

    @property
    def dirty(self) -> bool:
        return self._fields() != self._saved_fields

    def _show_no_kk_problem(self, text: str) -> None:
        self.no_kk_error.setText(text)
        self.no_kk_error.setVisible(bool(text))
        set_invalid(self.no_kk_edit, bool(text))

    @Slot()
    def save_fields(self) -> bool:
        """Create the household (new) or save its changed fields; problems show under No. KK or in a note."""
        fields = self._fields()
        try:
            if self.detail is None:
                saved = self._create(fields)
                if saved is None:
                    return False
            else:
                changes = {k: v for k, v in fields.items() if v != self._saved_fields.get(k)}
                if not changes:
                    self.status_label.setText(tr("Tidak ada perubahan."))
                    return True
                saved = hh.update_household(self.ctx.db, self.detail.id, changes)
        except hh.HouseholdExistsError as exc:
            self._show_no_kk_problem(f"{exc.message} {exc.hint or ''}".strip())
            self._offer_existing(exc.household_id)
            return False
        except ValidationError as exc:
            self._show_no_kk_problem(exc.problems.get("no_kk", ""))
            other = [m for k, m in exc.problems.items() if k != "no_kk"]
            if other:
                show_error(self, UserError(other[0]))
            return False
        except AtensiError as exc:
            show_error(self, exc)
            return False
        self._show_no_kk_problem("")
        self.household_id = saved.id
        self.reload()
        if saved.warnings:
            self._show_notice("\n".join(saved.warnings))
        self.status_label.setText(tr("Data keluarga disimpan."))
        self._changed()
        return True

    def _create(self, fields: Mapping[str, Any]) -> hh.HouseholdDetail | None:
        created = hh.create_household(self.ctx.db, fields)
        self.household_id = created.id
        client = self.for_client
        if client is not None:
            self.for_client = None
            try:
                return hh.add_member(self.ctx.db, created.id, client.id, self.relation_for_client.currentData())
            except AtensiError as exc:
                self.detail = created
                show_error(self, exc)
        return created

    def _offer_existing(self, household_id: uuid.UUID) -> None:
        """The No. KK belongs to another household: offer to open it (and add the waiting client there)."""
        name = self.for_client.values.get("name") if self.for_client else None
        text = tr("Buka keluarga dengan No. KK itu?") if name is None else tr(
            "Buka keluarga dengan No. KK itu dan tambahkan {name} ke sana?").format(name=name)
        if not self.confirm(tr("No. KK sudah tercatat"), text):
            return
        self.household_id = household_id
        if self.for_client is not None:
            client, self.for_client = self.for_client, None
            try:
                hh.add_member(self.ctx.db, household_id, client.id, self.relation_for_client.currentData())
                self._changed()
            except AtensiError as exc:
                show_error(self, exc)
        self._show_no_kk_problem("")
        self.reload()

    # --- actions on members ----------------------------------------------------------------------------

    def _run(self, action: Callable[[], Any], done: str, *, select: uuid.UUID | None = None) -> bool:
        """Run one engine call; on success reload, say what happened, tell the bus; on refusal explain."""
        try:
            action()
        except AtensiError as exc:
            show_error(self, exc)
            self.reload()
            return False
        self.reload(select=select)
        self.status_label.setText(done)
        self._changed()
        return True

    def _changed(self) -> None:
        if self.bus is not None:
            self.bus.clients_changed.emit()

    @Slot()
    def add_new_member(self) -> None:
        """Open the client form for a new client pre-filled with this household's relation, address, region."""
        if self.detail is None or self.form is not None:
            return
        relation = "anak" if self.detail.head is not None else hh.HEAD
        # household_id is not pre-filled: the new client joins through hh.add_member after the save, which
        # keeps the one-head rule (the client form's save does not know it)
        initial = {"relation_to_head": relation, "address": self.detail.address,
                   "wilayah_code": self.detail.wilayah_code}
        dialog = self.make_client_form(initial)
        self.form = dialog
        dialog.finished.connect(lambda _r, d=dialog: self._form_finished(d))
        dialog.open()

    def make_client_form(self, initial: Mapping[str, Any]) -> QDialog:
        from ui.dialogs.client_form import ClientFormDialog

        if "initial" in inspect.signature(ClientFormDialog).parameters:
            return ClientFormDialog(self.ctx, client_id=None, parent=self, initial=initial)  # type: ignore[call-arg]
        # a client form that cannot be pre-filled yet: the relation is asked after the save
        return ClientFormDialog(self.ctx, client_id=None, parent=self)

    def _form_finished(self, dialog: QDialog) -> None:
        self.form = None
        saved = getattr(dialog, "saved_client", None)
        dialog.deleteLater()
        if saved is None or self.detail is None:
            return
        self._changed()  # a client was registered, whatever happens next
        if saved.values.get("household_id") == self.detail.id:
            self.reload(select=saved.id)
            return
        relation = saved.values.get("relation_to_head") or self.ask_relation(
            tr("Hubungan dengan kepala keluarga"),
            tr("Pilih hubungan {name} dengan kepala keluarga.").format(name=saved.values.get("name")))
        if relation is None:
            self.status_label.setText(tr("{name} terdaftar tetapi belum masuk keluarga ini.").format(
                name=saved.values.get("name")))
            return
        self._run(lambda: hh.add_member(self.ctx.db, self.detail.id, saved.id, relation),
                  tr("{name} ditambahkan ke keluarga ini.").format(name=saved.values.get("name")), select=saved.id)

    @Slot()
    def add_existing(self) -> None:
        if self.detail is None:
            return
        picked = self.pick_client()
        if picked is None:
            return
        done = tr("{name} ditambahkan ke keluarga ini.").format(name=picked.name)
        elsewhere = hh.no_kk_of_clients(self.ctx.db, [picked.client_id]).get(picked.client_id)
        if elsewhere is None:
            self._run(lambda: hh.add_member(self.ctx.db, self.detail.id, picked.client_id, picked.relation), done,
                      select=picked.client_id)
            return
        if not self.confirm(tr("Pindahkan anggota"), tr("{name} sudah tercatat di KK {source}. Pindahkan ke KK {target}?")
                            .format(name=picked.name, source=elsewhere, target=self.detail.no_kk or tr("(tanpa No. KK)"))):
            return
        self._run(lambda: hh.move_member(self.ctx.db, picked.client_id, to_household_id=self.detail.id,
                                         relation=picked.relation), done, select=picked.client_id)

    def pick_client(self) -> PickedClient | None:
        dialog = ClientPickerDialog(self.ctx, exclude={m.client_id for m in self.detail.members},
                                    has_head=self.detail.head is not None, parent=self)
        try:
            return dialog.picked() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()

    @Slot()
    def move_member(self) -> None:
        member = self.current_member()
        if member is None or self.detail is None:
            return
        options = self.ask_move(member)
        if options is None:
            return
        target = options.no_kk.strip()
        text = tr("Pindahkan {name} dari KK {source} ke KK {target}?").format(
            name=member.name, source=self.detail.no_kk or tr("(tanpa No. KK)"), target=target)
        if options.create:
            text += "\n" + tr("Keluarga baru dengan No. KK itu akan dibuat.")
        if not self.confirm(tr("Pindahkan anggota"), text):
            return
        result: list[hh.MoveResult] = []

        def move() -> None:
            kwargs: dict[str, Any] = {"to_household_id": options.target_id} if options.target_id else \
                {"to_no_kk": options.no_kk, "create": options.create}
            result.append(hh.move_member(self.ctx.db, member.client_id, relation=options.relation, **kwargs))

        if self._run(move, tr("{name} dipindahkan ke KK {no_kk}.").format(name=member.name, no_kk=target)) \
                and result and result[0].source_without_head:
            self.status_label.setText(self.status_label.text() + " " + tr(
                "Keluarga ini sekarang tanpa kepala keluarga: pilih anggota lalu Jadikan kepala keluarga."))

    def ask_move(self, member: hh.Member) -> MoveOptions | None:
        dialog = MoveDialog(self.ctx, member, current_id=self.detail.id, parent=self)
        try:
            return dialog.options() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()

    @Slot()
    def remove_member(self) -> None:
        member = self.current_member()
        if member is None:
            return
        if not self.confirm(tr("Keluarkan dari KK"), tr(
                "Keluarkan {name} dari keluarga ini? Data kliennya tetap tersimpan; hanya keanggotaan KK yang "
                "dihapus.").format(name=member.name)):
            return
        self._run(lambda: hh.remove_member(self.ctx.db, member.client_id),
                  tr("{name} dikeluarkan dari keluarga ini.").format(name=member.name))

    @Slot()
    def make_head(self) -> None:
        member = self.current_member()
        if member is None or self.detail is None:
            return
        old = self.detail.head
        former: str | None = None
        if old is not None and old.client_id != member.client_id:
            former = self.ask_relation(
                tr("Kepala keluarga baru"),
                tr("{new} menjadi kepala keluarga. Apa hubungan {old} dengan {new}?").format(
                    new=member.name, old=old.name), exclude_head=True, current="suami" if old.sex == "L" else "istri")
            if former is None:
                return
        elif not self.confirm(tr("Kepala keluarga baru"), tr("Jadikan {name} kepala keluarga?").format(
                name=member.name)):
            return
        self._run(lambda: hh.set_head(self.ctx.db, self.detail.id, member.client_id, former_head_relation=former),
                  tr("{name} sekarang kepala keluarga.").format(name=member.name), select=member.client_id)

    @Slot()
    def change_relation(self) -> None:
        member = self.current_member()
        if member is None or member.archived or self.detail is None or self.detail.archived:
            return
        relation = self.ask_relation(tr("Ubah hubungan"), tr("Hubungan {name} dengan kepala keluarga:").format(
            name=member.name), current=member.relation)
        if relation is None or relation == member.relation:
            return
        self._run(lambda: hh.set_relation(self.ctx.db, member.client_id, relation),
                  tr("Hubungan {name} diubah.").format(name=member.name), select=member.client_id)

    @Slot()
    def archive_or_restore(self) -> None:
        if self.detail is None:
            return
        if self.detail.archived:
            self._run(lambda: hh.restore_household(self.ctx.db, self.detail.id), tr("Keluarga dipulihkan."))
            return
        if not self.confirm(tr("Arsipkan keluarga"), tr(
                "Arsipkan keluarga ini? Keluarga yang diarsipkan tidak muncul saat mencari No. KK, dan bisa "
                "dipulihkan lagi.")):
            return
        self._run(lambda: hh.archive_household(self.ctx.db, self.detail.id), tr("Keluarga diarsipkan."))

    # --- questions (separate methods so tests can answer them) -----------------------------------------

    def confirm(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=self)
        yes = box.addButton(tr("&Ya"), QMessageBox.ButtonRole.YesRole)
        box.addButton(tr("&Tidak"), QMessageBox.ButtonRole.NoRole)
        box.setDefaultButton(yes)
        box.exec()
        return box.clickedButton() is yes

    def ask_relation(self, title: str, text: str, *, current: str | None = None,
                     exclude_head: bool = False) -> str | None:
        dialog = RelationDialog(title, text, current=current, exclude_head=exclude_head, parent=self)
        try:
            return dialog.relation() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()

    # --- closing ---------------------------------------------------------------------------------------

    def reject(self) -> None:
        if self.form is not None:
            return
        if self.dirty and (self.detail is None or not self.detail.archived) and not self.confirm(
                tr("Perubahan belum disimpan"), tr("Data keluarga yang diubah belum disimpan. Tutup tanpa menyimpan?")):
            return
        super().reject()


def open_household(parent: QWidget | None, ctx: AppContext, bus: ChangeBus | None, *,
                   household_id: uuid.UUID | None = None, client_id: uuid.UUID | None = None) -> QDialog | None:
    """Show a household (window-modal, not blocking) and return the dialog.

    `client_id`: that client's household, or, when the client has none, a new household for them. Neither:
    a new, empty household. None when the household or client cannot be read (the error is shown)."""
    try:
        if household_id is None and client_id is not None:
            household_id = hh.household_of_client(ctx.db, client_id)
        dialog = HouseholdDialog(ctx, bus, household_id=household_id,
                                 for_client=client_id if household_id is None else None, parent=parent)
    except AtensiError as exc:
        show_error(parent, exc)
        return None
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
