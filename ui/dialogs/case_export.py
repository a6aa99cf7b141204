"""Kirim kasus: one client with the full history of its records, for a referral or a transfer, written as a
one-case sync file locked for chosen peer offices or with a passphrase (for an office that is not a peer
yet). Runs in the background with progress; engine refusals are shown inline."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError, UserError
from atensi_desktop.i18n import format_number
from atensi_desktop.services.clients import ClientQuery, client_page
from atensi_desktop.services.office import installation_office
from atensi_desktop.sync.case_bundle import CaseExportResult, check_passphrase, export_case
from atensi_desktop.sync.peers import list_peers
from ui.dialogs.sync_dialogs import BUNDLE_FILTER, _TaskDialog, documents_folder, engine_progress, format_size
from ui.i18n import tr
from ui.tasks import Task
from ui.widgets.common import make_label

ID_ROLE = Qt.ItemDataRole.UserRole
SEARCH_LIMIT = 30


class CaseExportDialog(_TaskDialog):
    """Choose the client (unless given), the recipients or a passphrase, and the file; then Kirim."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, client_id: uuid.UUID | None = None,
                 client_display_id: str | None = None, client_name: str | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result: CaseExportResult | None = None
        self.client_id = client_id
        self.client_display_id = client_display_id
        self._path_edited = False
        self.setWindowTitle(tr("Kirim satu kasus"))
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        layout.addWidget(make_label(tr("Satu klien dengan seluruh riwayat datanya (kasus, asesmen, layanan, "
                                       "rujukan, catatan, dokumen), untuk rujukan atau pindahan ke kantor lain."),
                                    "muted", wrap=True))
        layout.addSpacing(6)
        form = QFormLayout()
        if client_id is not None:
            self.client_label = make_label(f"{client_name or ''} ({client_display_id or ''})", "strong")
            self.client_label.setObjectName("caseExportClient")
            form.addRow(tr("Klien"), self.client_label)
            self.search_edit = None
            self.matches = None
        else:
            search_row = QHBoxLayout()
            self.search_edit = QLineEdit()
            self.search_edit.setObjectName("caseExportSearch")
            self.search_edit.setPlaceholderText(tr("Nama, NIK atau ID klien"))
            self.search_edit.setAccessibleName(tr("Cari klien"))
            search_button = QPushButton(tr("&Cari"))
            search_button.setAutoDefault(False)
            search_button.clicked.connect(self.search)
            search_row.addWidget(self.search_edit, 1)
            search_row.addWidget(search_button)
            form.addRow(tr("Klien"), search_row)
            self.matches = QListWidget()
            self.matches.setObjectName("caseExportMatches")
            self.matches.setAccessibleName(tr("Klien yang ditemukan"))
            self.matches.setMaximumHeight(120)
            self.matches.currentItemChanged.connect(self._client_chosen)
            form.addRow("", self.matches)
        layout.addLayout(form)

        layout.addSpacing(12)
        layout.addWidget(make_label(tr("Dikunci untuk"), "subtitle"))
        self.mode_group = QButtonGroup(self)
        self.peer_mode = QRadioButton(tr("&Kantor mitra (dibuka dengan kunci kantor mereka)"))
        self.passphrase_mode = QRadioButton(tr("Kata &sandi (kantor tujuan belum ada di daftar mitra Anda)"))
        self.mode_group.addButton(self.peer_mode)
        self.mode_group.addButton(self.passphrase_mode)
        layout.addWidget(self.peer_mode)
        self.peers_widget = QWidget()
        peers_layout = QVBoxLayout(self.peers_widget)
        peers_layout.setContentsMargins(24, 0, 0, 0)
        self.peer_boxes: list[tuple[QCheckBox, Any]] = []
        for peer in list_peers(ctx.db, include_revoked=False):
            box = QCheckBox(f"{peer.name} ({peer.code})" if peer.code else peer.name)
            box.toggled.connect(self._update_buttons)
            peers_layout.addWidget(box)
            self.peer_boxes.append((box, peer))
        if not self.peer_boxes:
            peers_layout.addWidget(make_label(tr("Belum ada kantor mitra. Pakai kata sandi, atau tambahkan kantor "
                                                 "mitra dulu di Sinkronisasi."), "muted", wrap=True))
        layout.addWidget(self.peers_widget)
        layout.addWidget(self.passphrase_mode)
        self.passphrase_widget = QWidget()
        pass_layout = QVBoxLayout(self.passphrase_widget)
        pass_layout.setContentsMargins(24, 0, 0, 0)
        pass_form = QFormLayout()
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("casePassphrase")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setAccessibleName(tr("Kata sandi berkas"))
        self.passphrase_edit.textChanged.connect(self._update_buttons)
        self.passphrase_edit.textEdited.connect(self.clear_error)
        self.repeat_edit = QLineEdit()
        self.repeat_edit.setObjectName("casePassphraseRepeat")
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit.setAccessibleName(tr("Ulangi kata sandi"))
        self.repeat_edit.textChanged.connect(self._update_buttons)
        self.repeat_edit.textEdited.connect(self.clear_error)
        pass_form.addRow(tr("Kata sandi"), self.passphrase_edit)
        pass_form.addRow(tr("Ulangi"), self.repeat_edit)
        pass_layout.addLayout(pass_form)
        self.advice_label = make_label(tr("Paling sedikit 12 karakter, mis. empat kata acak. Beri tahu kata sandinya "
                                          "lewat telepon atau SMS, jangan pernah di percakapan yang sama dengan "
                                          "berkasnya. Kantor tujuan tetap harus sudah menambahkan kartu kantor Anda "
                                          "agar bisa menerima berkas ini."), "muted", wrap=True)
        self.advice_label.setObjectName("passphraseAdvice")
        pass_layout.addWidget(self.advice_label)
        layout.addWidget(self.passphrase_widget)
        self.peer_mode.toggled.connect(self._mode_changed)
        self.passphrase_mode.toggled.connect(self._mode_changed)

        file_row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("caseExportPath")
        self.path_edit.setAccessibleName(tr("Berkas tujuan"))
        self.path_edit.textEdited.connect(self._path_typed)
        self.path_edit.textChanged.connect(self._update_buttons)
        browse = QPushButton(tr("&Pilih…"))
        browse.setAutoDefault(False)
        browse.clicked.connect(self.browse)
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(browse)
        file_form = QFormLayout()
        file_form.addRow(tr("Berkas"), file_row)
        layout.addLayout(file_form)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.error_label)
        self.result_label = make_label("", "strong", wrap=True, selectable=True)
        self.result_label.setObjectName("caseExportResult")
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("&Tutup"))
        self.send_button = buttons.addButton(tr("Kirim"), QDialogButtonBox.ButtonRole.ActionRole)
        self.send_button.setObjectName("caseExportSend")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.start_export)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if self.peer_boxes:
            self.peer_mode.setChecked(True)
            if len(self.peer_boxes) == 1:
                self.peer_boxes[0][0].setChecked(True)
        else:
            self.passphrase_mode.setChecked(True)
            self.peer_mode.setEnabled(False)
        self._mode_changed()
        self._set_default_path()
        if self.search_edit is not None:
            self.search_edit.setFocus()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Enter in the search field searches; it does not press Kirim."""
        if (self.search_edit is not None and self.focusWidget() is self.search_edit
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            event.accept()
            self.search()
            return
        super().keyPressEvent(event)

    # --- choices -----------------------------------------------------------------------------------------

    def default_name(self) -> str:
        office = installation_office(self.ctx.db)
        code = (office.code if office and office.code else "kantor").replace("/", "-")
        client = (self.client_display_id or "klien").replace("/", "-")
        # "<office code>-<client display id>-<yyyymmdd>", without doubling a code the display id starts with
        stem = client if client.upper().startswith(code.upper() + "-") else f"{code}-{client}"
        return f"{stem}-{dt.date.today():%Y%m%d}.lkssync"

    def _set_default_path(self) -> None:
        if not self._path_edited:
            self.path_edit.setText(str(documents_folder() / self.default_name()))

    @Slot(str)
    def _path_typed(self, _text: str) -> None:
        self._path_edited = True

    @Slot()
    def search(self) -> None:
        if self.search_edit is None or self.matches is None:
            return
        text = self.search_edit.text().strip()
        self.matches.clear()
        if not text:
            return
        try:
            rows = client_page(self.ctx.db, ClientQuery(text=text), 0, SEARCH_LIMIT)
        except AtensiError as exc:
            self.show_error_inline(exc)
            return
        self.clear_error()
        for row in rows:
            item = QListWidgetItem(f"{row.name} ({row.display_id})")
            item.setData(ID_ROLE, (row.id, row.display_id))
            self.matches.addItem(item)
        if rows:
            self.matches.setCurrentRow(0)
            self.matches.setFocus()
        else:
            self.error_label.setText(tr("Tidak ada klien yang cocok dengan \u201c{text}\u201d.").format(text=text))
            self.error_label.show()

    @Slot()
    def _client_chosen(self, *_args) -> None:
        item = self.matches.currentItem() if self.matches is not None else None
        if item is None:
            self.client_id, self.client_display_id = None, None
        else:
            self.client_id, self.client_display_id = item.data(ID_ROLE)
        self._set_default_path()
        self._update_buttons()

    @Slot()
    def _mode_changed(self, *_args) -> None:
        peers = self.peer_mode.isChecked()
        self.peers_widget.setEnabled(peers)
        self.passphrase_widget.setVisible(not peers)
        self._update_buttons()

    def chosen_peers(self) -> list[Any]:
        return [peer for box, peer in self.peer_boxes if box.isChecked()]

    @Slot()
    def _update_buttons(self, *_args) -> None:
        if not hasattr(self, "send_button"):
            return
        ready = self.client_id is not None and bool(self.path_edit.text().strip())
        if self.peer_mode.isChecked():
            ready = ready and bool(self.chosen_peers())
        else:
            ready = ready and bool(self.passphrase_edit.text()) and bool(self.repeat_edit.text())
        self.send_button.setEnabled(not self.busy and ready)

    def _set_busy(self, busy: bool) -> None:
        self._update_buttons()

    @Slot()
    def browse(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, tr("Simpan berkas satu kasus"), self.path_edit.text(),
                                                    tr(BUNDLE_FILTER))
        if path:
            self._path_edited = True
            self.path_edit.setText(path if path.lower().endswith(".lkssync") else path + ".lkssync")

    # --- export ------------------------------------------------------------------------------------------

    @Slot()
    def start_export(self) -> Task | None:
        if self.busy or self.client_id is None:
            return None
        self.result_label.clear()
        self.clear_error()
        passphrase: str | None = None
        targets: list[str] = []
        try:
            if self.passphrase_mode.isChecked():
                passphrase = self.passphrase_edit.text()
                check_passphrase(passphrase)
                if passphrase != self.repeat_edit.text():
                    raise UserError(tr("Kedua kata sandi tidak sama."), hint=tr("Ketik kata sandi yang sama dua kali."))
            else:
                targets = [str(peer.office_id) for peer in self.chosen_peers()]
        except AtensiError as exc:
            self.show_error_inline(exc)
            self.passphrase_edit.setFocus()
            return None
        db, paths, ref = self.ctx.db, self.ctx.paths, str(self.client_id)
        out = Path(self.path_edit.text().strip())
        return self.run(lambda progress: export_case(db, paths, ref, out, to_offices=targets, passphrase=passphrase,
                                                     progress=engine_progress(progress)), self._exported)

    def _exported(self, result: CaseExportResult) -> None:
        self.result = result
        if result.passphrase:
            locked = tr("dikunci dengan kata sandi; beri tahu kata sandinya lewat telepon atau SMS")
        else:
            locked = tr("dikunci untuk {names}").format(names=", ".join(result.recipients))
        self.result_label.setText(tr("Berkas satu kasus klien {client} ditulis ke {path}: {size} ({locked}). "
                                     "Isinya {rows} data dengan {versions} perubahan dan {blobs} lampiran.").format(
            client=result.client_display_id, path=result.path, size=format_size(result.size), locked=locked,
            rows=format_number(result.rows), versions=format_number(result.versions),
            blobs=format_number(result.blobs)))
        self.send_button.setEnabled(False)
        self._grow()

    def show_error_inline(self, exc: BaseException) -> None:
        super().show_error_inline(exc)
        self._grow()

    def _grow(self) -> None:
        """Make room for a result or an error line (wrapped labels do not enlarge the dialog by themselves)."""
        self.layout().activate()
        wanted = self.layout().totalHeightForWidth(self.width()) if self.layout().hasHeightForWidth() else -1
        height = max(self.height(), wanted, self.sizeHint().height())
        if height > self.height():
            self.resize(self.width(), height)
