"""Erase or anonymise one client on a legal request (UU PDP): the form for a signed purge order.

The engine (`services.purge.issue_purge_order`) checks the permission, validates, signs and executes the
order; this dialog only collects the choice, the reason, the legal basis and who approved it, and asks the
user to type the client's ID before the button is enabled, because the action cannot be undone and reaches
every peer office.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.services import purge
from ui.errors import show_error
from ui.i18n import tr
from ui.widgets.common import make_label


class PurgeDialog(QDialog):
    """Ask for a purge order for one client; `result_text` says what was done after `accept()`."""

    def __init__(self, ctx: AppContext, client_id: uuid.UUID, display_id: str, name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.client_id, self.display_id = ctx, client_id, display_id
        self.result_text = ""
        self.setWindowTitle(tr("Hapus data klien atas permintaan hukum"))
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        warning = make_label(tr(
            "Data {name} ({id}) akan dihapus dari komputer ini dan, lewat sinkronisasi berikutnya, dari setiap "
            "kantor mitra. Tindakan ini tidak bisa dibatalkan. Lakukan hanya atas permintaan subjek data atau "
            "perintah yang sah (UU PDP).").format(name=name, id=display_id), "error", wrap=True)
        warning.setObjectName("purgeWarning")
        layout.addWidget(warning)

        form = QFormLayout()
        self.erase = QRadioButton(tr("&Hapus seluruh data klien"))
        self.anonymise = QRadioButton(tr("&Anonimkan (identitas dihapus, layanan tetap dihitung)"))
        self.erase.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.erase)
        group.addButton(self.anonymise)
        kind = QVBoxLayout()
        kind.setContentsMargins(0, 0, 0, 0)
        kind.addWidget(self.erase)
        kind.addWidget(self.anonymise)
        kind_box = QWidget()
        kind_box.setLayout(kind)
        form.addRow(tr("Jenis"), kind_box)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText(tr("Mis. permintaan subjek data tanggal … (jangan menulis data pribadi klien)"))
        self.reason.setFixedHeight(70)
        form.addRow(tr("A&lasan"), self.reason)
        self.legal_ref = QLineEdit()
        self.legal_ref.setPlaceholderText(tr("Nomor surat permintaan atau putusan"))
        form.addRow(tr("&Dasar hukum"), self.legal_ref)
        self.authorised_by = QLineEdit()
        self.authorised_by.setPlaceholderText(tr("Nama dan jabatan pejabat yang menyetujui"))
        form.addRow(tr("Di&setujui oleh"), self.authorised_by)
        self.confirm = QLineEdit()
        self.confirm.setPlaceholderText(display_id)
        form.addRow(tr("&Ketik ID klien"), self.confirm)
        for row in range(form.rowCount()):
            label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if label and isinstance(label.widget(), QLabel) and field and field.widget():
                label.widget().setBuddy(field.widget())
        layout.addLayout(form)
        layout.addWidget(make_label(tr("Untuk memastikan, ketik ID klien {id} pada kolom terakhir; tombolnya baru "
                                       "aktif sesudah itu.").format(id=display_id), "muted", wrap=True))
        self.problem = make_label("", "error", wrap=True)
        self.problem.hide()
        layout.addWidget(self.problem)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.go = self.buttons.addButton(tr("Hapus &permanen"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.go.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Batal"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.confirm.textChanged.connect(self._check_confirm)
        self.anonymise.toggled.connect(self._kind_changed)
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _kind_changed(self) -> None:
        self.go.setText(tr("&Anonimkan permanen") if self.anonymise.isChecked() else tr("Hapus &permanen"))

    @Slot(str)
    def _check_confirm(self, text: str) -> None:
        self.go.setEnabled(text.strip().upper() == self.display_id.upper())

    @Slot()
    def _submit(self) -> None:
        if not self.go.isEnabled():
            return
        mode = purge.ANONYMISE if self.anonymise.isChecked() else purge.ERASE
        try:
            order, result = purge.issue_purge_order(
                self.ctx.db, self.ctx.paths, self.client_id, mode=mode, reason=self.reason.toPlainText(),
                legal_ref=self.legal_ref.text(), authorised_by=self.authorised_by.text())
        except AtensiError as err:
            self.problem.setText(str(err))
            self.problem.show()
            return
        except Exception as err:  # noqa: BLE001 - shown, never a crash
            show_error(self, err)
            return
        if order.mode == purge.ERASE:
            self.result_text = tr("Data klien {id} dihapus: {rows} baris, {files} berkas lampiran.").format(
                id=order.client_display_id, rows=result.rows_erased, files=result.blobs_removed)
        else:
            self.result_text = tr("Identitas klien {id} dianonimkan; {rows} baris lain dihapus.").format(
                id=order.client_display_id, rows=result.rows_erased)
        self.accept()
