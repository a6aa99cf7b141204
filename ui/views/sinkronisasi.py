"""Sinkronisasi: this office's fingerprint and kartu kantor, the peer offices (add from a card, revoke), and the
two exchanges by file: *Kirim data…* (export) and *Terima data…* (import with a preview)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.security.roles import SYNC_EXPORT, SYNC_IMPORT, can
from atensi_desktop.services.office import installation_office
from ui.change_bus import ChangeBus
from ui.errors import error_text, show_error
from ui.i18n import tr
from ui.views.base import View
from ui.widgets.common import make_card, make_label

if TYPE_CHECKING:
    from atensi_desktop.sync.exchange import MissingFileDTO
    from atensi_desktop.sync.peers import PeerDTO
    from ui.dialogs.sync_dialogs import AddPeerDialog, ExportDialog, ImportDialog

# The sync engine (pyrage, cryptography) and its dialogs load when the screen is first used, not at start-up.

ID_ROLE = Qt.ItemDataRole.UserRole


def _local_date(value: dt.datetime | None) -> str:
    return value.astimezone().strftime("%d-%m-%Y") if value else ""


class SinkronisasiView(View):
    """The office's own identity for sync, its peers, and the send/receive buttons."""

    name = "sinkronisasi"

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(ctx, bus, tr("Sinkronisasi"), parent)
        self.peers: list[PeerDTO] = []
        self.fingerprint: str | None = None
        self._loaded = False
        self.send_button = QPushButton(tr("Kirim data…"))
        self.send_button.clicked.connect(self.open_export)
        self.receive_button = QPushButton(tr("Terima data…"))
        self.receive_button.clicked.connect(self.choose_import)
        self.conflicts_button = QPushButton(tr("Tinjau konflik ({n})").format(n=0))
        self.conflicts_button.setObjectName("openConflicts")
        self.conflicts_button.setToolTip(tr("Isian yang diubah di dua tempat sekaligus dan perlu diputuskan"))
        self.conflicts_button.clicked.connect(self.open_conflicts)
        self.open_conflicts_count = 0
        self.missing_files: list[MissingFileDTO] = []
        self.history_button = QPushButton(tr("&Riwayat berkas…"))
        self.history_button.setObjectName("openHistory")
        self.history_button.setToolTip(tr("Berkas yang dikirim dan diterima, dan nilai yang diubah tiap berkas"))
        self.history_button.clicked.connect(self.open_history)
        self.case_button = QPushButton(tr("Kirim satu &kasus…"))
        self.case_button.setObjectName("openCaseExport")
        self.case_button.setToolTip(tr("Satu klien dengan seluruh riwayatnya, untuk rujukan atau pindahan"))
        self.case_button.clicked.connect(self.open_case_export)
        self.header.addWidget(self.conflicts_button)
        self.header.addWidget(self.history_button)
        self.header.addWidget(self.receive_button)
        self.header.addWidget(self.case_button)
        self.header.addWidget(self.send_button)
        self.body.addWidget(self._missing_card())
        self.body.addWidget(self._own_card())
        self.body.addWidget(self._peers_card(), 1)
        self.notice_label = make_label("", "muted", wrap=True, selectable=True)
        self.notice_label.setObjectName("syncNotice")
        self.body.addWidget(self.notice_label)
        bus.office_changed.connect(self.refresh)

    def _missing_card(self) -> QWidget:
        card, layout = make_card()
        card.setObjectName("missingFiles")
        self.missing_title = make_label(tr("Ada berkas sinkronisasi yang terlewat"), "subtitle")
        self.missing_label = make_label("", "error", wrap=True, selectable=True)
        self.missing_label.setObjectName("missingFilesText")
        self.missing_hint = make_label(tr("Data dari kantor itu mungkin belum lengkap di sini. Minta kantor itu "
                                          "mengirim ulang berkas yang terlewat, atau mengirim data lengkap "
                                          "(Kirim data… dengan pilihan \"Kirim semua data\"), lalu terima "
                                          "berkasnya di sini. Peringatan ini hilang sendiri setelah datanya "
                                          "lengkap."), "muted", wrap=True)
        layout.addWidget(self.missing_title)
        layout.addWidget(self.missing_label)
        layout.addWidget(self.missing_hint)
        self.missing_card = card
        card.hide()
        return card

    def _own_card(self) -> QWidget:
        card, layout = make_card()
        layout.addWidget(make_label(tr("Sidik jari kantor ini"), "subtitle"))
        row = QHBoxLayout()
        self.fingerprint_label = make_label("", selectable=True)
        self.fingerprint_label.setObjectName("ownFingerprint")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(self.font().pointSizeF() * 1.8)
        font.setBold(True)
        self.fingerprint_label.setFont(font)
        self.fingerprint_label.setAccessibleName(tr("Sidik jari kantor ini"))
        row.addWidget(self.fingerprint_label, 1)
        self.card_button = QPushButton(tr("Simpan kartu kantor…"))
        self.card_button.clicked.connect(self.save_card)
        row.addWidget(self.card_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(row)
        self.own_note = make_label(tr("Kirim kartu kantor ke kantor mitra, lalu bacakan sidik jari ini lewat "
                                      "telepon agar mereka bisa memastikan kartu itu dari Anda."), "muted", wrap=True)
        layout.addWidget(self.own_note)
        return card

    def _peers_card(self) -> QWidget:
        card, layout = make_card()
        top = QHBoxLayout()
        top.addWidget(make_label(tr("Kantor mitra"), "subtitle"))
        top.addStretch(1)
        self.add_button = QPushButton(tr("Tambah kantor mitra…"))
        self.add_button.clicked.connect(self.choose_card)
        self.revoke_button = QPushButton(tr("Cabut…"))
        self.revoke_button.clicked.connect(self.revoke_selected)
        top.addWidget(self.add_button)
        top.addWidget(self.revoke_button)
        layout.addLayout(top)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("peerTable")
        self.table.setAccessibleName(tr("Kantor mitra"))
        self.table.setHorizontalHeaderLabels([tr("Nama kantor"), tr("Kode"), tr("Sidik jari"), tr("Status"),
                                              tr("Dikonfirmasi")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        self.empty_label = make_label(tr("Belum ada kantor mitra. Minta kartu kantor mereka, lalu pilih "
                                         "Tambah kantor mitra…"), "muted", wrap=True)
        layout.addWidget(self.empty_label)
        return card

    # --- loading -----------------------------------------------------------------------------------------

    def activated(self) -> None:
        self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    @Slot()
    def refresh(self) -> None:
        from atensi_desktop.sync.keys import office_keys
        from atensi_desktop.sync.peers import list_peers

        self._loaded = True
        self.fingerprint = None
        if installation_office(self.ctx.db) is None:
            self.fingerprint_label.setText("-")
            self.own_note.setText(tr("Identitas kantor belum diatur. Atur dulu di Pengaturan; sesudah itu kunci "
                                     "dan sidik jari kantor dibuat."))
        else:
            try:
                self.fingerprint = office_keys(self.ctx.db, self.ctx.paths).fingerprint
            except AtensiError as exc:
                self.fingerprint_label.setText("-")
                self.own_note.setText(error_text(exc))
            else:
                self.fingerprint_label.setText(self.fingerprint)
                self.own_note.setText(tr("Kirim kartu kantor ke kantor mitra, lalu bacakan sidik jari ini lewat "
                                         "telepon agar mereka bisa memastikan kartu itu dari Anda."))
        self.peers = list_peers(self.ctx.db)
        self.table.setRowCount(len(self.peers))
        for row, peer in enumerate(self.peers):
            status = tr("aktif") if peer.active else tr("dicabut")
            for column, text in enumerate((peer.name, peer.code or "", peer.fingerprint, status,
                                           _local_date(peer.confirmed_at))):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, peer.office_id)
                self.table.setItem(row, column, item)
        self.table.setVisible(bool(self.peers))
        self.empty_label.setVisible(not self.peers)
        self.refresh_conflicts()
        self.refresh_missing()
        self._update_buttons()

    def refresh_missing(self) -> None:
        """The warning about earlier files from a peer that were never imported (changes known missing)."""
        from atensi_desktop.sync.exchange import missing_files
        try:
            missing = missing_files(self.ctx.db)
        except AtensiError as exc:
            self.notice(error_text(exc))
            missing = []
        self.missing_files = missing
        self.missing_label.setText("\n".join(item.text for item in missing))
        self.missing_card.setVisible(bool(missing))

    def refresh_conflicts(self) -> None:
        """The count on "Tinjau konflik (N)"."""
        from atensi_desktop.sync.conflicts import count_open_conflicts
        try:
            self.open_conflicts_count = count_open_conflicts(self.ctx.db)
        except AtensiError as exc:
            self.notice(error_text(exc))
            self.open_conflicts_count = 0
        self.conflicts_button.setText(tr("Tinjau konflik ({n})").format(n=self.open_conflicts_count))
        self.conflicts_button.setEnabled(self.open_conflicts_count > 0)

    def selected_peer(self) -> PeerDTO | None:
        rows = self.table.selectionModel().selectedRows()
        return self.peers[rows[0].row()] if rows else None

    @Slot()
    def _update_buttons(self) -> None:
        has_office = self.fingerprint is not None
        peer = self.selected_peer()
        self.card_button.setEnabled(has_office)
        self.add_button.setEnabled(has_office)
        self.send_button.setEnabled(has_office and any(p.active for p in self.peers))
        self.receive_button.setEnabled(has_office)
        self.case_button.setEnabled(has_office and self._may(SYNC_EXPORT))
        self.history_button.setEnabled(self._may(SYNC_IMPORT) or self._may(SYNC_EXPORT))
        self.revoke_button.setEnabled(peer is not None and peer.active)

    def notice(self, text: str) -> None:
        self.notice_label.setText(text)

    def _may(self, perm: str) -> bool:
        return can(self.ctx.db, perm)

    # --- own card ----------------------------------------------------------------------------------------

    @Slot()
    def save_card(self) -> None:
        from ui.dialogs.sync_dialogs import documents_folder
        office = installation_office(self.ctx.db)
        code = office.code if office and office.code else "kantor"
        default = str(documents_folder() / f"kartu-kantor-{code}.json")
        path, _filter = QFileDialog.getSaveFileName(self, tr("Simpan kartu kantor"), default,
                                                    tr("Kartu kantor (*.json)"))
        if path:
            self.save_card_to(Path(path))

    def save_card_to(self, path: Path) -> bool:
        from atensi_desktop.sync.keys import write_card
        try:
            card = write_card(self.ctx.db, self.ctx.paths, path)
        except AtensiError as exc:
            show_error(self, exc)
            return False
        self.notice(tr("Kartu kantor {name} disimpan ke {path}. Sidik jari: {fp}").format(
            name=card.name, path=path, fp=card.fingerprint))
        return True

    # --- peers -------------------------------------------------------------------------------------------

    @Slot()
    def choose_card(self) -> None:
        from ui.dialogs.sync_dialogs import documents_folder
        path, _filter = QFileDialog.getOpenFileName(self, tr("Pilih kartu kantor mitra"), str(documents_folder()),
                                                    tr("Kartu kantor (*.json)"))
        if path:
            dialog = self.add_peer_dialog(Path(path))
            if dialog is not None:
                dialog.exec()

    def add_peer_dialog(self, path: Path) -> AddPeerDialog | None:
        """The dialog for the card at `path` (not yet shown), or None when the card is refused (said why)."""
        from atensi_desktop.sync.keys import read_card
        from ui.dialogs.sync_dialogs import AddPeerDialog
        try:
            card = read_card(path)
        except AtensiError as exc:
            show_error(self, exc)
            return None
        dialog = AddPeerDialog(self.ctx, card, self)
        dialog.accepted.connect(lambda: self._peer_added(dialog))
        return dialog

    def _peer_added(self, dialog: AddPeerDialog) -> None:
        self.refresh()
        if dialog.result_peer is not None:
            self.notice(tr("Kantor mitra ditambahkan: {name} (sidik jari {fp}).").format(
                name=dialog.result_peer.name, fp=dialog.result_peer.fingerprint))

    @Slot()
    def revoke_selected(self) -> None:
        from atensi_desktop.sync.peers import revoke_peer
        peer = self.selected_peer()
        if peer is None or not peer.active:
            return
        answer = QMessageBox.question(
            self, tr("Cabut kantor mitra"),
            tr("Cabut {name} dari daftar mitra? Berkas dari kantor itu tidak akan diterima lagi dan tidak ada "
               "data yang dikirim kepadanya.").format(name=peer.name))
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            revoke_peer(self.ctx.db, peer.office_id)
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.refresh()
        self.notice(tr("{name} dicabut dari daftar mitra.").format(name=peer.name))

    # --- exchange ----------------------------------------------------------------------------------------

    @Slot()
    def open_export(self) -> ExportDialog:
        from ui.dialogs.sync_dialogs import ExportDialog
        dialog = ExportDialog(self.ctx, self)
        dialog.show()
        return dialog

    @Slot()
    def choose_import(self) -> None:
        from ui.dialogs.sync_dialogs import BUNDLE_FILTER, documents_folder
        path, _filter = QFileDialog.getOpenFileName(self, tr("Pilih berkas sinkronisasi"), str(documents_folder()),
                                                    tr(BUNDLE_FILTER))
        if path:
            self.open_import(Path(path))

    @Slot()
    def open_conflicts(self) -> QDialog:
        from ui.dialogs.conflict_review import ConflictReviewDialog
        dialog = ConflictReviewDialog(self.ctx, self, on_resolved=self._conflict_resolved)
        dialog.finished.connect(lambda _code: self.refresh_conflicts())
        dialog.show()
        return dialog

    def _conflict_resolved(self) -> None:
        self.refresh_conflicts()
        self.bus.clients_changed.emit()
        self.bus.cases_changed.emit()

    @Slot()
    def open_history(self) -> QDialog:
        from ui.dialogs.sync_history import SyncHistoryDialog
        dialog = SyncHistoryDialog(self.ctx, self)
        dialog.show()
        return dialog

    @Slot()
    def open_case_export(self) -> QDialog:
        from ui.dialogs.case_export import CaseExportDialog
        dialog = CaseExportDialog(self.ctx, self)
        dialog.show()
        return dialog

    def _imported(self, _result) -> None:
        self.refresh_conflicts()
        self.refresh_missing()
        for signal in (self.bus.clients_changed, self.bus.cases_changed, self.bus.services_changed,
                       self.bus.tasks_changed):
            signal.emit()

    def open_import(self, path: Path) -> ImportDialog:
        from ui.dialogs.sync_dialogs import ImportDialog
        dialog = ImportDialog(self.ctx, path, self, on_applied=self._imported)
        dialog.show()
        dialog.start_preview()
        return dialog
