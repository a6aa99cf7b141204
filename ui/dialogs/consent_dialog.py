"""Persetujuan pemrosesan data: a client's consents (UU 27/2022 Pasal 20-26) — list, add with a scanned proof,
withdraw — and the warning when a child has no consent from a parent or guardian.

All rules are the engine's (`services.consent`): the form shows its problems inline under each field.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError, UserError, ValidationError
from atensi_desktop.i18n import format_date_short
from atensi_desktop.services import consent, documents
from atensi_desktop.services.clients import get_client
from ui.errors import show_error
from ui.i18n import tr
from ui.widgets.common import make_label, set_invalid

WARNING_COLOR = "#8a5300"
COLUMNS = ("Tanggal", "Tujuan", "Pemberi persetujuan", "Bukti", "Status")
SIZE = (960, 560)
FORM_SIZE = (660, 420)


def warning_label(parent: QWidget | None = None) -> QLabel:
    """The amber line the client form and this window share for consent warnings."""
    label = QLabel(parent)
    label.setObjectName("consentWarnings")
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {WARNING_COLOR}; font-weight: bold;")
    label.hide()
    return label


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class ConsentForm(QDialog):
    """Add one consent: date, purpose, who consented, the scanned proof (a new file or a document already kept)."""

    def __init__(self, ctx: AppContext, client_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.client_id = client_id
        self.proof_path: Path | None = None
        self.saved: consent.ConsentDTO | None = None
        self.setObjectName("consentForm")
        self.setWindowTitle(tr("Catat persetujuan"))
        client = get_client(ctx.db, client_id)
        from atensi_desktop.domain.dates import age_on

        self.age = age_on(client.values.get("birth_date"), dt.date.today())
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 14)
        if self.age is not None and self.age < consent.ADULT_AGE:
            note = make_label(tr("Klien ini anak (umur {age}): persetujuan harus dari orang tua atau wali "
                                 "(UU 27/2022 Pasal 25).").format(age=self.age), "muted", wrap=True)
            note.setObjectName("childNote")
            outer.addWidget(note)
        self.general_error = make_label("", "error", wrap=True)
        self.general_error.hide()
        outer.addWidget(self.general_error)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setHorizontalSpacing(16)
        self._errors: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}

        self.date_edit = QDateEdit(_qdate(dt.date.today()))
        self.date_edit.setObjectName("consentDate")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd-MM-yyyy")
        self._row(form, tr("&Tanggal persetujuan"), "consent_date", self.date_edit)
        self.purpose_combo = QComboBox()
        self.purpose_combo.setObjectName("consentPurpose")
        self.purpose_combo.setEditable(True)
        for text in consent.PURPOSE_SUGGESTIONS:
            self.purpose_combo.addItem(tr(text))
        self.purpose_combo.setCurrentIndex(0)
        self._row(form, tr("T&ujuan"), "purpose", self.purpose_combo)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("consenterKind")
        for kind in consent.CONSENTER_KINDS:
            self.kind_combo.addItem(tr(consent.CONSENTER_LABELS[kind]), kind)
        if self.age is not None and self.age < consent.ADULT_AGE:
            self.kind_combo.setCurrentIndex(consent.CONSENTER_KINDS.index(consent.ORANG_TUA))
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self._row(form, tr("&Pemberi persetujuan"), "consenter_kind", self.kind_combo)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("consenterName")
        self.name_edit.setMaxLength(consent.NAME_MAX)
        self._row(form, tr("&Nama pemberi"), "consenter_name", self.name_edit)
        self.relation_edit = QLineEdit()
        self.relation_edit.setObjectName("consenterRelation")
        self.relation_edit.setPlaceholderText(tr("mis. ayah, ibu, paman, kakak"))
        self.relation_edit.setMaxLength(consent.RELATION_MAX)
        self._row(form, tr("&Hubungan dengan klien"), "relationship", self.relation_edit)

        proof_row = QWidget()
        proof_layout = QHBoxLayout(proof_row)
        proof_layout.setContentsMargins(0, 0, 0, 0)
        self.proof_combo = QComboBox()
        self.proof_combo.setObjectName("consentProof")
        self.proof_combo.addItem(tr("(belum ada bukti)"), None)
        try:
            for doc in documents.list_documents(ctx.db, client_id):
                if doc.kind == consent.PROOF_KIND:
                    self.proof_combo.addItem(f"{doc.file_name} ({format_date_short(doc.added_at.date())})", doc.id)
        except AtensiError:
            pass
        self.proof_button = QPushButton(tr("Pilih &berkas pindaian…"))
        self.proof_button.setObjectName("consentProofFile")
        self.proof_button.clicked.connect(self.choose_proof)
        proof_layout.addWidget(self.proof_combo, 1)
        proof_layout.addWidget(self.proof_button)
        self._row(form, tr("Bukti (&scan)"), "proof", proof_row, focus=self.proof_combo)
        self.note_edit = QLineEdit()
        self.note_edit.setObjectName("consentNote")
        self._row(form, tr("Ca&tatan"), "note", self.note_edit)
        outer.addLayout(form)
        outer.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("Simpan"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Batal"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self._kind_changed()
        self.resize(*FORM_SIZE)
        self.date_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _row(self, form: QFormLayout, label: str, key: str, editor: QWidget, *, focus: QWidget | None = None) -> None:
        cell = QWidget()
        layout = QVBoxLayout(cell)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        error = make_label("", "error", wrap=True)
        error.setObjectName(f"error_{key}")
        error.hide()
        layout.addWidget(error)
        caption = QLabel(label)
        caption.setMinimumWidth(caption.sizeHint().width() + 8)
        caption.setBuddy(focus or editor)
        form.addRow(caption, cell)
        self._errors[key] = error
        self._fields[key] = focus or editor

    @Slot()
    def _kind_changed(self, *_args) -> None:
        is_client = self.kind_combo.currentData() == consent.KLIEN
        self.name_edit.setPlaceholderText(tr("boleh kosong: klien sendiri") if is_client
                                          else tr("nama lengkap pemberi persetujuan"))

    @Slot()
    def choose_proof(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, tr("Pilih pindaian surat persetujuan"), "",
                                                    tr("PDF atau gambar (*.pdf *.jpg *.jpeg *.png)"))
        if path:
            self.set_proof_file(Path(path))

    def set_proof_file(self, path: Path) -> None:
        """Use a new scan as the proof (stored when the consent is saved)."""
        self.proof_path = path
        text = tr("Berkas baru: {name}").format(name=path.name)
        if self.proof_combo.itemData(self.proof_combo.count() - 1) == "new":
            self.proof_combo.setItemText(self.proof_combo.count() - 1, text)
        else:
            self.proof_combo.addItem(text, "new")
        self.proof_combo.setCurrentIndex(self.proof_combo.count() - 1)

    def show_problems(self, problems: dict[str, str]) -> None:
        first = None
        for key, label in self._errors.items():
            text = problems.get(key)
            label.setText(text or "")
            label.setVisible(bool(text))
            set_invalid(self._fields[key], bool(text))
            if text and first is None:
                first = self._fields[key]
        other = [text for key, text in problems.items() if key not in self._errors]
        self.general_error.setText("\n".join(other))
        self.general_error.setVisible(bool(other))
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def save(self) -> None:
        proof = self.proof_combo.currentData()
        try:
            self.saved = consent.add_consent(
                self.ctx.db, self.client_id, consent_date=_date(self.date_edit.date()),
                purpose=self.purpose_combo.currentText(), consenter_kind=self.kind_combo.currentData(),
                consenter_name=self.name_edit.text(), relationship=self.relation_edit.text(),
                note=self.note_edit.text(),
                proof_document_id=proof if isinstance(proof, uuid.UUID) else None,
                proof=self.proof_path if proof == "new" else None, blobs_dir=self.ctx.paths.blobs)
        except ValidationError as exc:
            self.show_problems(dict(exc.problems))
            return
        except UserError as exc:
            key = exc.field if exc.field in self._errors else "general"
            self.show_problems({key if key != "file" else "proof": exc.message + (f" {exc.hint}" if exc.hint else "")})
            return
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.accept()


class WithdrawForm(QDialog):
    """Withdraw one consent: the date and an optional note."""

    def __init__(self, ctx: AppContext, item: consent.ConsentDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.item = item
        self.setObjectName("withdrawForm")
        self.setWindowTitle(tr("Cabut persetujuan"))
        outer = QVBoxLayout(self)
        outer.addWidget(make_label(tr("Persetujuan {date} untuk “{purpose}” dicabut. Datanya tetap tersimpan "
                                      "sebagai bukti.").format(date=format_date_short(item.consent_date),
                                                               purpose=item.purpose), None, wrap=True))
        form = QFormLayout()
        self.date_edit = QDateEdit(_qdate(dt.date.today()))
        self.date_edit.setObjectName("withdrawDate")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd-MM-yyyy")
        label = QLabel(tr("&Tanggal dicabut"))
        label.setBuddy(self.date_edit)
        form.addRow(label, self.date_edit)
        self.note_edit = QLineEdit()
        self.note_edit.setObjectName("withdrawNote")
        note_label = QLabel(tr("&Catatan"))
        note_label.setBuddy(self.note_edit)
        form.addRow(note_label, self.note_edit)
        outer.addLayout(form)
        self.error = make_label("", "error", wrap=True)
        self.error.hide()
        outer.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Cabut"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Batal"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self.resize(520, 240)

    @Slot()
    def save(self) -> None:
        try:
            consent.withdraw_consent(self.ctx.db, self.item.id, on=_date(self.date_edit.date()),
                                     note=self.note_edit.text())
        except UserError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.accept()


class ConsentDialog(QDialog):
    """The client's consents and what is missing; add (Ctrl+N) and withdraw."""

    consents_changed = Signal()

    def __init__(self, ctx: AppContext, client_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.client_id = client_id
        self.items: list[consent.ConsentDTO] = []
        self.form: QDialog | None = None
        self.setObjectName("consentDialog")
        self.setWindowTitle(tr("Persetujuan pemrosesan data"))
        client = get_client(ctx.db, client_id)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 14)
        outer.setSpacing(8)
        outer.addWidget(make_label(tr("{name} · {id}").format(name=client.values.get("name") or "",
                                                              id=client.display_id), "subtitle"))
        outer.addWidget(make_label(tr(
            "Persetujuan klien (atau orang tua/wali untuk anak, pendamping untuk penyandang disabilitas) atas "
            "pemrosesan datanya, dengan bukti tertulis (UU 27/2022 Pasal 20–26)."), "muted", wrap=True))
        self.warnings = warning_label()
        outer.addWidget(self.warnings)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("consentTable")
        self.table.setAccessibleName(tr("Daftar persetujuan"))
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for col, width in enumerate((100, 300, 240, 160)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        outer.addWidget(self.table, 1)
        self.empty_label = make_label(tr("Belum ada persetujuan yang tercatat. Pilih “Tambah…” (Ctrl+N) untuk "
                                         "mencatatnya."), "muted", wrap=True)
        self.empty_label.setObjectName("consentEmpty")
        outer.addWidget(self.empty_label)
        footer = QHBoxLayout()
        self.add_button = QPushButton(tr("&Tambah…"))
        self.add_button.setObjectName("consentAdd")
        self.add_button.setToolTip(tr("Catat persetujuan baru (Ctrl+N)"))
        self.add_button.clicked.connect(self.add)
        self.withdraw_button = QPushButton(tr("&Cabut…"))
        self.withdraw_button.setObjectName("consentWithdraw")
        self.withdraw_button.clicked.connect(self.withdraw)
        self.save_proof_button = QPushButton(tr("Simpan &bukti…"))
        self.save_proof_button.setObjectName("consentSaveProof")
        self.save_proof_button.clicked.connect(self.save_proof)
        for b in (self.add_button, self.withdraw_button, self.save_proof_button):
            footer.addWidget(b)
        footer.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("Tutup"))
        buttons.rejected.connect(self.reject)
        footer.addWidget(buttons)
        outer.addLayout(footer)
        QShortcut(QKeySequence.StandardKey.New, self, self.add)
        self.resize(*SIZE)
        self.reload()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def reload(self) -> None:
        try:
            self.items = consent.list_consents(self.ctx.db, self.client_id)
            warnings = consent.consent_warnings(self.ctx.db, self.client_id)
        except AtensiError as exc:
            self.items, warnings = [], [exc.message]
        self.warnings.setText("\n".join(warnings))
        self.warnings.setVisible(bool(warnings))
        self.table.setRowCount(len(self.items))
        for r, c in enumerate(self.items):
            status = tr("aktif") if c.active else tr("dicabut {date}").format(date=format_date_short(c.withdrawn_on))
            for col, text in enumerate((format_date_short(c.consent_date), c.purpose, c.consenter_text,
                                        c.proof_file_name or tr("(belum ada)"), status)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, col, item)
        if self.items:
            self.table.selectRow(0)
        self.empty_label.setVisible(not self.items)
        self._update_buttons()

    def selected(self) -> consent.ConsentDTO | None:
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()] if rows else None

    @Slot()
    def _update_buttons(self) -> None:
        item = self.selected()
        self.withdraw_button.setEnabled(item is not None and item.active)
        self.save_proof_button.setEnabled(item is not None and item.proof_document_id is not None)

    @Slot()
    def add(self) -> None:
        try:
            self.form = ConsentForm(self.ctx, self.client_id, self)
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.form.accepted.connect(self._changed)
        self.form.open()

    @Slot()
    def withdraw(self) -> None:
        item = self.selected()
        if item is None or not item.active:
            return
        self.form = WithdrawForm(self.ctx, item, self)
        self.form.accepted.connect(self._changed)
        self.form.open()

    @Slot()
    def save_proof(self) -> None:
        item = self.selected()
        if item is None or item.proof_document_id is None:
            return
        path, _filter = QFileDialog.getSaveFileName(self, tr("Simpan bukti persetujuan"),
                                                    item.proof_file_name or "persetujuan.pdf")
        if path:
            try:
                documents.export_document(self.ctx.db, self.ctx.paths.blobs, item.proof_document_id, Path(path))
            except AtensiError as exc:
                show_error(self, exc)

    @Slot()
    def _changed(self) -> None:
        self.reload()
        self.consents_changed.emit()


def open_consents(parent: QWidget, ctx: AppContext, client_id: uuid.UUID) -> ConsentDialog | None:
    try:
        dialog = ConsentDialog(ctx, client_id, parent)
    except AtensiError as exc:
        show_error(parent, exc)
        return None
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
