"""Pengaturan: the office identity, the database in use, and the interface language."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QSpinBox, QWidget

from atensi_desktop import __version__
from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError, StorageError
from atensi_desktop.security.roles import BACKUP, OFFICE_SETTINGS, USER_MANAGE, can
from atensi_desktop.services.office import installation_office
from atensi_desktop.settings import save_settings
from ui.change_bus import ChangeBus
from ui.dialogs.setup import open_office_dialog
from ui.errors import show_error
from ui.i18n import tr
from ui.views.base import View
from ui.views.beranda import office_summary
from ui.widgets.common import IconCard, make_card, make_label

LANGUAGES = (("id", "Bahasa Indonesia"), ("en", "English"))  # each named in its own language


class PengaturanView(View):
    """Settings of this computer (language) and a window on the shared data (office, database)."""

    name = "pengaturan"

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(ctx, bus, tr("Pengaturan"), parent)
        self.body.addWidget(self._office_card())
        self.body.addWidget(self._database_card())
        self.body.addWidget(self._backup_card())
        computer = QHBoxLayout()  # this computer's settings, side by side to keep the screen within 768 px
        computer.setSpacing(14)
        computer.addWidget(self._language_card(), 1)
        computer.addWidget(self._lock_card(), 1)
        self.body.addLayout(computer)
        self.body.addStretch(1)
        bus.office_changed.connect(self.show_office)
        self.show_office()

    def _office_card(self) -> QWidget:
        card = IconCard(heading=tr("Identitas kantor"), title_role="strong", line_spacing=2,
                        button_text=tr("Ubah identitas kantor…"), button_align=Qt.AlignmentFlag.AlignTop)
        self.office_name, self.office_label = card.title_label, card.detail_label
        self.office_name.setObjectName("officeName")
        self.office_name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.edit_office_button = card.button
        self.edit_office_button.clicked.connect(self.edit_office)
        return card

    def _database_card(self) -> QWidget:
        card, layout = make_card()
        layout.addWidget(make_label(tr("Data"), "subtitle"))
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        self.database_label = make_label(self.ctx.db_label, wrap=True, selectable=True)
        form.addRow(tr("Database"), self.database_label)
        form.addRow(tr("Folder data"), make_label(str(self.ctx.paths.data), wrap=True, selectable=True))
        form.addRow(tr("Versi aplikasi"), make_label(__version__))
        layout.addLayout(form)
        return card

    def _backup_card(self) -> QWidget:
        card = IconCard(heading=tr("Cadangan data"), title_role="strong", line_spacing=2,
                        button_text=tr("&Cadangan dan pemulihan…"), button_align=Qt.AlignmentFlag.AlignTop)
        self.backup_label = card.title_label
        card.detail_label.setText(tr("Cadangan terenkripsi dibuat otomatis setiap hari. Buat cadangan sekarang, "
                                     "simpan kunci pemulihan, atau pulihkan data."))
        self.backup_button = card.button
        self.backup_button.clicked.connect(self.open_backups)
        if not can(self.ctx.db, BACKUP):  # making and restoring backups is the administrator's
            self.backup_button.setEnabled(False)
            self.backup_button.setToolTip(tr("Hanya administrator yang bisa membuat dan memulihkan cadangan."))
        self.show_last_backup()
        return card

    @Slot()
    def show_last_backup(self) -> None:
        from atensi_desktop.backup import backup_folder, list_backups

        newest = next(iter(list_backups(backup_folder(self.ctx.paths, self.ctx.settings))), None)
        self.backup_label.setText(tr("Belum ada cadangan.") if newest is None else tr(
            "Cadangan terakhir: {when}").format(when=newest.created.strftime("%d-%m-%Y %H:%M")))

    @Slot()
    def open_backups(self) -> None:
        from ui.dialogs.backup_restore import open_backup_dialog

        self.backup_dialog = open_backup_dialog(self, self.ctx)
        self.backup_dialog.finished.connect(self.show_last_backup)

    def _language_card(self) -> QWidget:
        card, layout = make_card()
        layout.addWidget(make_label(tr("Bahasa tampilan"), "subtitle"))
        row = QHBoxLayout()
        self.language_combo = QComboBox()
        self.language_combo.setAccessibleName(tr("Bahasa tampilan"))
        for code, label in LANGUAGES:
            self.language_combo.addItem(label, code)
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(self.ctx.settings.language)))
        self.language_combo.currentIndexChanged.connect(self._language_chosen)
        row.addWidget(self.language_combo)
        row.addStretch(1)
        layout.addLayout(row)
        self.language_note = make_label(tr("Bahasa baru berlaku setelah aplikasi dibuka ulang."), "muted",
                                        wrap=True)
        layout.addWidget(self.language_note)
        return card

    def _lock_card(self) -> QWidget:
        card, layout = make_card()
        layout.addWidget(make_label(tr("Kunci layar"), "subtitle"))
        row = QHBoxLayout()
        label = make_label(tr("Kunci &setelah tidak dipakai"))
        self.idle_spin = QSpinBox()
        self.idle_spin.setObjectName("idleLockMinutes")
        self.idle_spin.setRange(1, 240)
        self.idle_spin.setSuffix(tr(" menit"))
        self.idle_spin.setValue(self.ctx.settings.idle_lock_minutes)
        self.idle_spin.setAccessibleName(tr("Kunci layar setelah tidak dipakai, dalam menit"))
        label.setBuddy(self.idle_spin)
        row.addWidget(label)
        row.addWidget(self.idle_spin)
        row.addStretch(1)
        layout.addLayout(row)
        allowed = can(self.ctx.db, USER_MANAGE)
        self.idle_spin.setEnabled(allowed)
        self.idle_note = make_label(
            tr("Berlaku bila login dipakai; sesi dibuka lagi dengan kata sandi.") if allowed
            else tr("Hanya administrator yang bisa mengubahnya."), "muted", wrap=True)
        layout.addWidget(self.idle_note)
        self.idle_spin.valueChanged.connect(self._idle_minutes_chosen)
        return card

    @Slot(int)
    def _idle_minutes_chosen(self, minutes: int) -> None:
        if minutes == self.ctx.settings.idle_lock_minutes:
            return
        self.ctx.settings.idle_lock_minutes = minutes
        try:
            save_settings(self.ctx.paths.settings_file, self.ctx.settings)
        except (OSError, AtensiError) as exc:
            show_error(self, exc if isinstance(exc, AtensiError) else _storage_error(exc))
            return
        self.bus.settings_changed.emit()

    @Slot()
    def show_office(self) -> None:
        office = installation_office(self.ctx.db)
        if office is None:
            self.office_name.setText(tr("Identitas kantor belum diatur."))
            self.office_label.setText(tr("Nama dan kode kantor dipakai pada kop laporan dan ID klien."))
            self.edit_office_button.setText(tr("Atur identitas kantor…"))
        else:
            self.office_name.setText(office.name)
            self.office_label.setText(office_summary(office))
            self.edit_office_button.setText(tr("Ubah identitas kantor…"))
        allowed = can(self.ctx.db, OFFICE_SETTINGS)
        self.edit_office_button.setEnabled(allowed)
        self.edit_office_button.setToolTip("" if allowed else tr("Hanya administrator yang bisa mengubahnya."))

    @Slot()
    def edit_office(self) -> None:
        open_office_dialog(self, self.ctx.db, on_saved=lambda _office: self.bus.office_changed.emit())

    @Slot(int)
    def _language_chosen(self, index: int) -> None:
        code = self.language_combo.itemData(index)
        if code == self.ctx.settings.language:
            return
        self.ctx.settings.language = code
        try:
            save_settings(self.ctx.paths.settings_file, self.ctx.settings)
        except (OSError, AtensiError) as exc:
            show_error(self, exc if isinstance(exc, AtensiError) else _storage_error(exc))
            return
        self.language_note.setText(tr("Tersimpan. Bahasa baru berlaku setelah aplikasi dibuka ulang."))
        self.bus.settings_changed.emit()


def _storage_error(exc: OSError) -> StorageError:
    return StorageError(tr("Pengaturan tidak bisa disimpan."),
                        hint=tr("Periksa izin folder pengaturan: {error}").format(error=exc.strerror or exc))
