"""The client form: register or edit a client, with inline checks, a crash-safe draft and a duplicate check."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QEvent, QObject, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop import drafts
from atensi_desktop.app_context import AppContext
from atensi_desktop.domain.nik import check_nik
from atensi_desktop.errors import AtensiError, UserError, ValidationError
from atensi_desktop.i18n import format_date_long, format_date_short
from atensi_desktop.refdata import ref_list
from atensi_desktop.services import documents, wilayah
from atensi_desktop.services.clients import (
    ClientDTO,
    create_client,
    open_client,
    update_client,
    validate_client,
)
from atensi_desktop.services.duplicates import DuplicateCandidate, candidates_for
from atensi_desktop.services.office import installation_office
from ui.dialogs.merge_clients import MergeClientsDialog, MergeEntryDialog
from ui.errors import show_error
from ui.i18n import tr
from ui.style import MUTED
from ui.tasks import Task
from ui.widgets.common import IconCard, make_label, set_invalid
from ui.widgets.documents_panel import DocumentsPanel, StagedDocument
from ui.widgets.photo_box import PhotoBox
from ui.widgets.wilayah_picker import WilayahPicker

log = logging.getLogger(__name__)

DRAFT_DELAY_MS = 1000
DRAFT_FORMAT = 1
DUPLICATE_LIMIT = 5
OK_COLOR = "#2e6b34"
WARNING_COLOR = "#8a5300"
# What the form edits (household_id is changed from the household screen) in the order of the fields.
FORM_FIELDS = (
    "name", "alias", "nik", "sex", "birth_place", "birth_date", "birth_date_estimated", "religion", "education",
    "marital_status", "disability", "phone", "address", "wilayah_code", "relation_to_head", "cluster",
    "dtsen_desil", "ppks_categories",
)
# The screens this dialog must fit: a 1366×768 laptop minus its task bar and the window's title bar.
TARGET_SCREEN = QSize(1366, 768 - 40)
CONTENT_WIDTH = 1250
NO_DATE = QDate(1899, 12, 31)  # the date edit's minimum, shown blank: no birth date


# --- work done off the GUI thread --------------------------------------------------------------------------

@dataclass(frozen=True)
class DuplicateHit:
    """One likely duplicate as the panel shows it."""

    candidate: DuplicateCandidate
    place: str | None  # the name of its desa (or of whatever region it has)


def find_duplicates(db: Any, values: Mapping[str, Any], *, exclude: uuid.UUID | None = None) -> list[DuplicateHit]:
    """Existing clients that may be the person in `values`, with their region names."""
    found = candidates_for(db, values, exclude=exclude, limit=DUPLICATE_LIMIT)
    found.sort(key=lambda c: not c.same_nik)  # stable: same NIK first, then best score
    names = wilayah.names_for(db, [c.client.wilayah_code for c in found if c.client.wilayah_code])
    return [DuplicateHit(c, names.get(c.client.wilayah_code or "")) for c in found]


def save_edit(db: Any, client_id: uuid.UUID, changes: Mapping[str, Any], values: Mapping[str, Any], *,
              check_nik: bool) -> ClientDTO | list[DuplicateHit]:
    """Store the edit, unless `check_nik` and the NIK was changed to one another live client has: then
    those clients (same NIK only), nothing saved."""
    if check_nik and changes.get("nik"):
        hits = [hit for hit in find_duplicates(db, values, exclude=client_id) if hit.candidate.same_nik]
        if hits:
            return hits
    return update_client(db, client_id, changes)


@dataclass(frozen=True)
class SavedNew:
    """A new client saved, and the held photo and documents that could not be stored after it."""

    client: ClientDTO
    failed_files: tuple[tuple[str, AtensiError], ...] = ()


def save_new_client(db: Any, values: Mapping[str, Any], *, check_duplicates: bool, blobs_dir: Path | None = None,
                    files: Sequence[tuple[documents.PreparedFile, str, str | None]] = ()) -> SavedNew | list[DuplicateHit]:
    """Register the client, unless `check_duplicates` finds likely duplicates: then those, nothing saved.

    `files` (prepared, kind, note) are the photo and documents held while the client was new: they were
    checked when chosen, and are stored right after the client; one that the storage refuses is reported
    in `failed_files` (the client stays saved)."""
    if check_duplicates:
        hits = find_duplicates(db, values)
        if hits:
            return hits
    client = create_client(db, values)
    failed = []
    for prepared, kind, note in files:
        try:
            documents.store_prepared(db, blobs_dir, client.id, prepared, kind, note)
        except AtensiError as exc:
            failed.append((prepared.file_name, exc))
    return SavedNew(client, tuple(failed))


# --- small widgets ---------------------------------------------------------------------------------------

class PpksChecklist(QWidget):
    """The PPKS categories as a checkable list with a search line (label, abbreviation or old name)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("ppksSearch")
        self.search_edit.setPlaceholderText(tr("Cari kategori PPKS…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(tr("Cari kategori PPKS"))
        self.list = QListWidget()
        self.list.setObjectName("ppksList")
        self.list.setAccessibleName(tr("Kategori PPKS"))
        self.list.setUniformItemSizes(True)
        self._keys: list[str] = []
        for item in ref_list("ppks").items:
            row = QListWidgetItem(item.label)
            row.setData(Qt.ItemDataRole.UserRole, item.code)
            row.setToolTip(item.label)
            row.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            row.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(row)
            words = [item.label, item.code, item.extra.get("abbr") or "", *item.extra.get("aliases", ())]
            self._keys.append(" ".join(words).casefold())
        self.summary_label = make_label("", "muted", wrap=True)
        self.summary_label.setObjectName("ppksSummary")
        layout.addWidget(self.search_edit)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.summary_label)
        self.search_edit.textChanged.connect(self._filter)
        self.search_edit.installEventFilter(self)
        self.list.itemChanged.connect(self._item_changed)
        self.setFocusProxy(self.search_edit)
        self._show_summary()

    def codes(self) -> list[str]:
        """Checked codes in the order of the reference list."""
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def set_codes(self, codes: Sequence[str] | None) -> None:
        wanted = set(codes or ())
        self.list.blockSignals(True)
        for i in range(self.list.count()):
            item = self.list.item(i)
            checked = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.list.blockSignals(False)
        self._show_summary()
        self.changed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In the search line, Down goes to the list and Enter ticks the only match (and does not save)."""
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Down:
                self._focus_first_visible()
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._toggle_only_match()
                return True
        return super().eventFilter(watched, event)

    def _filter(self, text: str) -> None:
        needle = " ".join(text.split()).casefold()
        for i, key in enumerate(self._keys):
            self.list.setRowHidden(i, bool(needle) and needle not in key)

    def _visible_rows(self) -> list[int]:
        return [i for i in range(self.list.count()) if not self.list.isRowHidden(i)]

    def _focus_first_visible(self) -> None:
        rows = self._visible_rows()
        if rows:
            self.list.setCurrentRow(rows[0])
        self.list.setFocus(Qt.FocusReason.TabFocusReason)

    def _toggle_only_match(self) -> None:
        """Enter in the search line ticks (or unticks) the category when exactly one matches."""
        rows = self._visible_rows()
        if len(rows) == 1 and self.search_edit.text().strip():
            item = self.list.item(rows[0])
            item.setCheckState(Qt.CheckState.Unchecked if item.checkState() == Qt.CheckState.Checked
                               else Qt.CheckState.Checked)
            self.search_edit.clear()

    def _item_changed(self, _item: QListWidgetItem) -> None:
        self._show_summary()
        self.changed.emit()

    def _show_summary(self) -> None:
        labels = [ref_list("ppks").label(code) for code in self.codes()]
        if labels:
            self.summary_label.setText(tr("Dipilih: {labels}").format(labels="; ".join(labels)))
        else:
            self.summary_label.setText(tr("Belum ada kategori dipilih. Centang dengan klik atau Spasi."))


class DuplicatePanel(QWidget):
    """"Mungkin klien ini sudah terdaftar": the likely duplicates, each openable or mergeable, or save anyway.

    For a new client, "Gabungkan ke klien ini…" folds the typed data into that client; when an edit gives
    a client a NIK another client has (`editing=True`), "Gabungkan…" merges the two records."""

    open_requested = Signal(object)  # the client id
    merge_requested = Signal(object)  # the client id
    save_anyway = Signal()
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.title_label = make_label(tr("Mungkin klien ini sudah terdaftar"), "subtitle")
        layout.addWidget(self.title_label)
        self.intro_label = make_label("", "muted", wrap=True)
        layout.addWidget(self.intro_label)
        self._cards_box = QWidget()
        self._cards = QVBoxLayout(self._cards_box)
        self._cards.setContentsMargins(0, 0, 4, 0)
        self._cards.setSpacing(8)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._cards_box)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(scroll, 1)
        row = QHBoxLayout()
        self.back_button = QPushButton(tr("Kembali ke formulir"))
        self.save_anyway_button = QPushButton(tr("Tetap simpan sebagai klien baru"))
        self.save_anyway_button.setObjectName("saveAnyway")
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.save_anyway_button)
        layout.addLayout(row)
        self.back_button.clicked.connect(self.back_requested)
        self.save_anyway_button.clicked.connect(self.save_anyway)
        self.open_buttons: list[QPushButton] = []
        self.merge_buttons: list[QPushButton] = []

    def show_hits(self, hits: Sequence[DuplicateHit], entered: str, *, editing: bool = False) -> None:
        while self._cards.count():
            item = self._cards.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.open_buttons = []
        self.merge_buttons = []
        if editing:
            self.title_label.setText(tr("NIK ini sudah dipakai klien lain"))
            self.intro_label.setText(tr(
                "Yang Anda isi: {entered}. Klien di bawah ini memakai NIK yang sama. Bila orang yang sama, buka "
                "klien itu atau gabungkan kedua catatan (perubahan di formulir ini tidak disimpan); bila NIK "
                "salah ketik, kembali ke formulir.").format(entered=entered))
            self.save_anyway_button.setText(tr("Tetap simpan"))
            merge_text = tr("Gabungkan…")
        else:
            self.title_label.setText(tr("Mungkin klien ini sudah terdaftar"))
            self.intro_label.setText(tr(
                "Yang Anda isi: {entered}. Klien di bawah ini mirip. Bila memang orang yang sama, buka klien "
                "itu (data yang baru diisi tidak disimpan) atau gabungkan data yang baru diisi ke klien itu."
            ).format(entered=entered))
            self.save_anyway_button.setText(tr("Tetap simpan sebagai klien baru"))
            merge_text = tr("Gabungkan ke klien ini…")
        for hit in hits:
            client = hit.candidate.client
            card = IconCard(button_text=tr("Buka klien ini"), title_role="strong", margins=12)
            card.title_label.setText(f"{client.name}  ·  {client.display_id}")
            facts = []
            if client.birth_date:
                facts.append(tr("lahir {date}").format(date=format_date_short(client.birth_date)))
            if hit.place:
                facts.append(hit.place)
            explanation = hit.candidate.explanation
            explanation = explanation[:1].upper() + explanation[1:]
            card.detail_label.setText("  ·  ".join(facts) + "\n" + explanation if facts else explanation)
            card.setObjectName("duplicateCard")
            assert card.button is not None
            card.button.setAccessibleName(tr("Buka klien {name}").format(name=client.name))
            card.button.clicked.connect(lambda _checked=False, cid=client.id: self.open_requested.emit(cid))
            merge_button = QPushButton(merge_text, card)
            merge_button.setObjectName("mergeIntoThis")
            merge_button.setProperty("clientId", str(client.id))
            merge_button.setAccessibleName(tr("Gabungkan ke klien {name}").format(name=client.name))
            merge_button.clicked.connect(lambda _checked=False, cid=client.id: self.merge_requested.emit(cid))
            _stack_buttons(card, card.button, merge_button)
            self.open_buttons.append(card.button)
            self.merge_buttons.append(merge_button)
            self._cards.addWidget(card)
        self._cards.addStretch(1)
        chain = [button for pair in zip(self.open_buttons, self.merge_buttons, strict=True) for button in pair]
        chain += [self.back_button, self.save_anyway_button]  # top to bottom
        for before, after in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(before, after)

    def merge_button_for(self, client_id: uuid.UUID) -> QPushButton | None:
        """The "Gabungkan" button of the card showing `client_id` (the focus goes back there)."""
        for button in self.merge_buttons:
            if button.property("clientId") == str(client_id):
                return button
        return None


def _stack_buttons(card: IconCard, first: QPushButton, second: QPushButton) -> None:
    """The card's buttons one above the other, on the right of its text (same width)."""
    row = card.layout().itemAt(card.layout().count() - 1).layout()  # IconCard: [heading], then the row
    row.removeWidget(first)
    column = QVBoxLayout()
    column.setSpacing(6)
    column.addWidget(first)
    column.addWidget(second)
    column.addStretch(1)
    row.addLayout(column)
    width = max(first.sizeHint().width(), second.sizeHint().width())
    first.setMinimumWidth(width)
    second.setMinimumWidth(width)


# --- the dialog ------------------------------------------------------------------------------------------

class ClientFormDialog(QDialog):
    """Register a new client (`client_id=None`) or edit one.

    Problems appear in red under their field when the user leaves it and on save, exactly as
    `validate_client` words them; warnings in amber never block. Saving runs off the GUI thread: a new
    client is first checked for likely duplicates, an edit that changes the NIK for one another live
    client has. After a save `saved_client` holds the result; after "Buka klien ini" on the duplicate
    panel `open_client_id` names the client to open instead; after "Gabungkan" (the typed data folded into
    that client, or, when editing, the two records merged) `saved_client` is the client that stays.
    A draft of unsaved changes is kept in the drafts folder (1 s after the last change) and offered the
    next time the same form opens.
    """

    def __init__(self, ctx: AppContext, *, client_id: uuid.UUID | None = None,
                 initial: Mapping[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.client_id = client_id
        # Pre-filled values for a new client (e.g. "add a member to this household"): the form starts from
        # them, so an untouched pre-filled form is not "dirty"; household_id is kept and saved with it.
        self.prefill = _check_initial(initial) if client_id is None else {}
        self.saved_client: ClientDTO | None = None
        self.open_client_id: uuid.UUID | None = None
        self.original: ClientDTO | None = open_client(ctx.db, client_id) if client_id is not None else None
        self._errors: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}
        self._marks: dict[str, QWidget] = {}
        self._cells: dict[QWidget, str] = {}
        self._touched: set[str] = set()
        self._saved_problems: dict[str, str] = {}  # what the engine refused on save, until edited
        self._task: Task | None = None
        self._duplicates_seen = False
        self._confirmed_nik: str | None = None  # an edit's NIK the user chose to keep though another has it
        self.merge_dialog: MergeEntryDialog | MergeClientsDialog | None = None
        self._draft_answered = False
        self._offered = False
        self.setObjectName("clientForm")
        self.setModal(True)
        self.setWindowTitle(tr("Ubah data klien") if self.original else tr("Klien baru"))
        self._build()
        self._fill_start()
        self._initial = self.values()
        self.photo_box.set_client(client_id)
        self.documents_panel.set_client(client_id)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.write_draft)
        self._connect_changes()
        self.pending_draft = self._read_draft()
        self._draft_answered = self.pending_draft is None
        QApplication.instance().focusChanged.connect(self._focus_moved)
        self._fit()

    # --- building --------------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 14, 20, 14)
        outer.setSpacing(8)
        if self.original:
            intro = tr("ID klien {display_id}. Kolom bertanda * wajib diisi.").format(
                display_id=self.original.display_id)
        else:
            intro = tr("Isi data klien baru. Kolom bertanda * wajib diisi; yang lain boleh dilengkapi nanti.")
        self.intro_label = make_label(intro, "muted", wrap=True)
        outer.addWidget(self.intro_label)
        self.general_error = make_label("", "error", wrap=True)
        self.general_error.setObjectName("generalError")
        self.general_error.hide()
        outer.addWidget(self.general_error)
        self.warning_label = _colored_label(WARNING_COLOR)
        self.warning_label.setObjectName("formWarnings")
        self.warning_label.hide()
        outer.addWidget(self.warning_label)
        from ui.dialogs.consent_dialog import warning_label

        self.consent_warning = warning_label()  # e.g. a child without a parent's or guardian's consent
        outer.addWidget(self.consent_warning)
        self.show_consent_warnings()

        self.pages = QStackedWidget()
        self.scroll = QScrollArea()
        self.scroll.setObjectName("formScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.content = QWidget()
        self.content.setObjectName("formContent")
        # Three columns (identity | address, family | photo, PPKS); the documents strip under the first two.
        columns = QGridLayout(self.content)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setHorizontalSpacing(14)
        columns.setVerticalSpacing(10)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self._identity_group())
        left.addStretch(1)
        columns.addLayout(left, 0, 0)
        middle = QVBoxLayout()
        middle.setContentsMargins(0, 0, 0, 0)
        middle.setSpacing(10)
        middle.addWidget(self._address_group())
        middle.addWidget(self._family_group())
        middle.addStretch(1)
        columns.addLayout(middle, 0, 1)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(10)
        right.addWidget(self._photo_group())
        right.addWidget(self._ppks_group(), 1)
        columns.addLayout(right, 0, 2, 2, 1)
        columns.addWidget(self._documents_group(), 1, 0, 1, 2)
        columns.setColumnStretch(0, 12)
        columns.setColumnStretch(1, 10)
        columns.setColumnStretch(2, 8)
        columns.setRowStretch(0, 1)
        self.scroll.setWidget(self.content)
        self.pages.addWidget(self.scroll)
        self.duplicate_panel = DuplicatePanel()
        self.duplicate_panel.setObjectName("duplicatePanel")
        self.duplicate_panel.open_requested.connect(self._open_existing)
        self.duplicate_panel.merge_requested.connect(self.merge_into)
        self.duplicate_panel.save_anyway.connect(self._save_anyway)
        self.duplicate_panel.back_requested.connect(self.show_form)
        self.pages.addWidget(self.duplicate_panel)
        outer.addWidget(self.pages, 1)

        footer = QHBoxLayout()
        self.status_label = make_label("", "muted")
        self.status_label.setObjectName("formStatus")
        footer.addWidget(self.status_label, 1)
        if self.original is not None:
            self.consent_button = QPushButton(tr("&Persetujuan…"))
            self.consent_button.setObjectName("consentButton")
            self.consent_button.setToolTip(tr("Persetujuan pemrosesan data klien ini (UU 27/2022)"))
            self.consent_button.clicked.connect(self.open_consents)
            footer.addWidget(self.consent_button)
            self.audit_button = QPushButton(tr("&Riwayat akses…"))
            self.audit_button.setObjectName("auditButton")
            self.audit_button.setToolTip(tr("Siapa membuat, mengubah, melihat, mencetak atau mengekspor data ini"))
            self.audit_button.clicked.connect(self.open_audit)
            footer.addWidget(self.audit_button)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        footer.addWidget(self.buttons)
        outer.addLayout(footer)
        self.save_button.setDefault(True)  # once inside the dialog: Enter saves (not the panel's buttons)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self._align_labels()

    def show_consent_warnings(self) -> None:
        """The consent record's gaps (services.consent.consent_warnings) for a saved client."""
        from atensi_desktop.services.consent import consent_warnings

        warnings: list[str] = []
        if self.original is not None:
            try:
                warnings = consent_warnings(self.ctx.db, self.original.id)
            except AtensiError:
                warnings = []
        self.consent_warning.setText("\n".join(warnings))
        self.consent_warning.setVisible(bool(warnings))

    @Slot()
    def open_consents(self) -> None:
        from ui.dialogs.consent_dialog import open_consents

        if self.original is not None:
            self.consent_dialog = open_consents(self, self.ctx, self.original.id)
            if self.consent_dialog is not None:
                self.consent_dialog.consents_changed.connect(self.show_consent_warnings)

    @Slot()
    def open_audit(self) -> None:
        from ui.dialogs.audit_dialog import open_audit

        if self.original is not None:
            self.audit_dialog = open_audit(self, self.ctx, self.original.id)

    def _identity_group(self) -> QGroupBox:
        group = QGroupBox(tr("Identitas"))
        form = _Rows(group)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("name")
        self.name_edit.setPlaceholderText(tr("nama lengkap sesuai KTP atau KK"))
        self.name_edit.setMaxLength(200)
        self.alias_edit = QLineEdit()
        self.alias_edit.setMaxLength(200)
        self.nik_edit = QLineEdit()
        self.nik_edit.setObjectName("nik")
        self.nik_edit.setPlaceholderText(tr("16 angka dari KTP atau KK"))
        self.nik_edit.setMaxLength(24)
        self.fill_from_nik_button = QPushButton(tr("Isi dari NIK"))
        self.fill_from_nik_button.setObjectName("fillFromNik")
        self.fill_from_nik_button.setToolTip(tr("Isi jenis kelamin dan tanggal lahir yang masih kosong dari NIK"))
        self.fill_from_nik_button.setEnabled(False)
        self.fill_from_nik_button.setAutoDefault(False)
        nik_row = QWidget()
        nik_line = QHBoxLayout(nik_row)
        nik_line.setContentsMargins(0, 0, 0, 0)
        nik_line.setSpacing(6)
        nik_line.addWidget(self.nik_edit, 1)
        nik_line.addWidget(self.fill_from_nik_button)
        self.nik_check_label = _colored_label(MUTED)
        self.nik_check_label.setObjectName("nikCheck")
        self.sex_combo = _choice_combo([(item.label, item.code) for item in ref_list("sex").items])
        self.sex_combo.setObjectName("sex")
        self.birth_place_edit = QLineEdit()
        self.birth_place_edit.setMaxLength(100)
        self.birth_known_check = QCheckBox(tr("diketahui"))
        self.birth_known_check.setObjectName("birthKnown")
        self.birth_known_check.setAccessibleName(tr("Tanggal lahir diketahui"))
        self.birth_date_edit = QDateEdit()
        self.birth_date_edit.setObjectName("birthDate")
        self.birth_date_edit.setDisplayFormat("dd-MM-yyyy")
        self.birth_date_edit.setCalendarPopup(True)
        self.birth_date_edit.setMinimumDate(NO_DATE)
        self.birth_date_edit.setSpecialValueText(" ")
        self.birth_date_edit.setMaximumDate(QDate.currentDate())
        self.birth_date_edit.setDate(NO_DATE)
        self.birth_date_edit.setAccessibleName(tr("Tanggal lahir"))
        self.estimated_check = QCheckBox(tr("perkiraan"))
        self.estimated_check.setObjectName("birthEstimated")
        self.estimated_check.setAccessibleName(tr("Tanggal lahir perkiraan"))
        self.estimated_check.setToolTip(tr("Centang bila tanggal lahir hanya perkiraan (mis. hanya tahunnya diketahui)"))
        birth_row = QWidget()
        birth_line = QHBoxLayout(birth_row)
        birth_line.setContentsMargins(0, 0, 0, 0)
        birth_line.setSpacing(8)
        birth_line.addWidget(self.birth_known_check)
        birth_line.addWidget(self.birth_date_edit, 1)
        birth_line.addWidget(self.estimated_check)
        self.religion_combo = _ref_combo("religions")
        self.education_combo = _ref_combo("education")
        self.marital_combo = _ref_combo("marital_status")
        self.disability_edit = QLineEdit()
        self.disability_edit.setPlaceholderText(tr("mis. tunanetra, memakai kursi roda"))
        self.phone_edit = QLineEdit()
        self.phone_edit.setMaxLength(40)
        self.phone_edit.setPlaceholderText(tr("mis. 0812 3456 7890"))
        self._add_row(form, tr("Nama *"), "name", self.name_edit)
        self._add_row(form, tr("Nama panggilan/alias"), "alias", self.alias_edit)
        self._add_row(form, tr("NIK"), "nik", nik_row, focus=self.nik_edit, hint_label=self.nik_check_label)
        self._add_row(form, tr("Jenis kelamin"), "sex", self.sex_combo)
        self._add_row(form, tr("Tempat lahir"), "birth_place", self.birth_place_edit)
        self._add_row(form, tr("Tanggal lahir"), "birth_date", birth_row, focus=self.birth_known_check,
                      mark=self.birth_date_edit)
        self._add_row(form, tr("Agama"), "religion", self.religion_combo)
        self._add_row(form, tr("Pendidikan"), "education", self.education_combo)
        self._add_row(form, tr("Status perkawinan"), "marital_status", self.marital_combo)
        self._add_row(form, tr("Disabilitas"), "disability", self.disability_edit)
        self._add_row(form, tr("Telepon"), "phone", self.phone_edit)
        self.nik_edit.textChanged.connect(self._nik_changed)
        self.fill_from_nik_button.clicked.connect(self.fill_from_nik)
        self.birth_known_check.toggled.connect(self._birth_known_toggled)
        self.birth_known_check.clicked.connect(self._birth_known_clicked)
        self.sex_combo.currentIndexChanged.connect(self._update_fill_button)
        self._birth_known_toggled(False)
        self._nik_changed("")
        return group

    def _address_group(self) -> QGroupBox:
        group = QGroupBox(tr("Alamat"))
        form = _Rows(group)
        self.address_edit = QPlainTextEdit()
        self.address_edit.setObjectName("address")
        self.address_edit.setTabChangesFocus(True)
        self.address_edit.setPlaceholderText(tr("jalan, RT/RW, dusun atau patokan"))
        lines = self.address_edit.fontMetrics().lineSpacing()
        self.address_edit.setFixedHeight(lines * 3 + 14)
        self.wilayah_picker = WilayahPicker(self.ctx.db)
        self.wilayah_picker.setObjectName("wilayah")
        self._add_row(form, tr("Alamat"), "address", self.address_edit)
        self._add_row(form, None, "wilayah_code", self.wilayah_picker, focus=self.wilayah_picker.combos[0])
        return group

    def _family_group(self) -> QGroupBox:
        group = QGroupBox(tr("Keluarga dan DTSEN"))
        form = _Rows(group)
        self.relation_combo = _ref_combo("family_relations")
        household = self.original.household_no_kk if self.original else None
        hint = tr("No. KK {no_kk}").format(no_kk=household) if household else tr(
            "Anggota KK diatur dari layar Keluarga (KK).")
        self.desil_combo = _choice_combo([(str(n), n) for n in range(1, 11)])
        self.desil_combo.setObjectName("desil")
        if household is None and self.prefill.get("household_id") is not None:
            hint = tr("Disimpan sebagai anggota keluarga (KK) yang dipilih.")
        self.household_button = QPushButton(tr("Lihat keluarga…"))
        self.household_button.setObjectName("showHousehold")
        self.household_button.setAutoDefault(False)
        self.household_button.setEnabled(self.original is not None)
        self.household_button.setToolTip(tr("Buka layar Keluarga (KK) klien ini") if self.original is not None
                                         else tr("Simpan klien dulu untuk melihat keluarganya"))
        self.household_button.clicked.connect(self.show_household)
        hint_row = QWidget()
        hint_line = QHBoxLayout(hint_row)
        hint_line.setContentsMargins(0, 0, 0, 0)
        hint_line.setSpacing(6)
        self.household_hint = make_label(hint, "muted", wrap=True)
        hint_line.addWidget(self.household_hint, 1)
        hint_line.addWidget(self.household_button, 0, Qt.AlignmentFlag.AlignTop)
        self._add_row(form, tr("Hubungan dengan kepala keluarga"), "relation_to_head", self.relation_combo)
        form.add(None, hint_row)
        self._add_row(form, tr("Desil DTSEN"), "dtsen_desil", self.desil_combo,
                      hint_label=make_label(tr("1 = 10% termiskin; kosongkan bila belum tahu."), "muted", wrap=True))
        return group

    def _ppks_group(self) -> QGroupBox:
        group = QGroupBox(tr("PPKS dan ATENSI"))
        form = _Rows(group)
        self.cluster_combo = _ref_combo("clusters")
        self.ppks_list = PpksChecklist()
        # Captions above the fields: this column's long choices get its whole width.
        form.add(None, _caption(tr("Klaster ATENSI"), self.cluster_combo))
        self._add_row(form, None, "cluster", self.cluster_combo)
        form.add(None, _caption(tr("Kategori PPKS"), self.ppks_list.search_edit))
        self._add_row(form, None, "ppks_categories", self.ppks_list, focus=self.ppks_list.search_edit,
                      mark=self.ppks_list.list)
        return group

    def _photo_group(self) -> QGroupBox:
        group = QGroupBox(tr("Foto"))
        layout = QVBoxLayout(group)
        layout.setContentsMargins(14, 12, 14, 12)
        self.photo_box = PhotoBox(self.ctx)
        self.photo_box.changed.connect(self._files_changed)
        layout.addWidget(self.photo_box)
        return group

    def _documents_group(self) -> QGroupBox:
        group = QGroupBox(tr("Berkas (KTP, KK, surat persetujuan)"))
        layout = QVBoxLayout(group)
        layout.setContentsMargins(14, 8, 14, 8)
        self.documents_panel = DocumentsPanel(self.ctx)
        self.documents_panel.changed.connect(self._files_changed)
        layout.addWidget(self.documents_panel)
        return group

    def _add_row(self, form: _Rows, label: str | None, key: str, editor: QWidget, *,
                 focus: QWidget | None = None, mark: QWidget | None = None,
                 hint_label: QLabel | None = None) -> None:
        """A field cell: the editor, an optional hint line and the (hidden) red problem line."""
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(editor)
        if hint_label is not None:
            column.addWidget(hint_label)
        error = make_label("", "error", wrap=True)
        error.setObjectName(f"error_{key}")
        error.hide()
        column.addWidget(error)
        buddy = None
        if label is not None:
            buddy = make_label(label)
            buddy.setBuddy(focus or editor)
        form.add(buddy, cell)
        target = mark or focus or editor
        target.setProperty("invalid", False)
        self._errors[key] = error
        self._fields[key] = focus or editor
        self._marks[key] = target
        self._cells[cell] = key

    def _align_labels(self) -> None:
        """One label width for every group, the region picker's own labels included, so fields line up."""
        labels = [label for label in self.content.findChildren(QLabel)
                  if label.buddy() is not None and label.objectName() != "caption"]
        width = max([label.sizeHint().width() for label in labels] + [self.wilayah_picker.label_width()])
        width = min(width, self.fontMetrics().horizontalAdvance("M") * 12)
        top = max(0, (self.name_edit.sizeHint().height() - self.fontMetrics().height()) // 2)
        for label in labels:
            label.setFixedWidth(width)
            label.setWordWrap(True)
            label.setContentsMargins(0, top, 0, 0)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.wilayah_picker.set_label_width(width, top)

    # --- filling ---------------------------------------------------------------------------------------

    def _fill_start(self) -> None:
        if self.original is not None:
            self.apply_values(self.original.values)
            return
        office = installation_office(self.ctx.db)
        if office is not None and office.wilayah_code and not self.prefill.get("wilayah_code"):
            kabkota = ".".join(office.wilayah_code.split(".")[:2])
            self.wilayah_picker.set_code(kabkota, keep_unknown=False)
        self.apply_values({k: v for k, v in self.prefill.items() if k in FORM_FIELDS})

    def apply_values(self, values: Mapping[str, Any]) -> None:
        """Show `values` (client fields; dates as date or ISO text) in the widgets; other fields stay."""
        texts = {"name": self.name_edit, "alias": self.alias_edit, "nik": self.nik_edit,
                 "birth_place": self.birth_place_edit, "disability": self.disability_edit, "phone": self.phone_edit}
        for key, edit in texts.items():
            if key in values:
                edit.setText(values[key] or "")
        combos = {"sex": self.sex_combo, "religion": self.religion_combo, "education": self.education_combo,
                  "marital_status": self.marital_combo, "relation_to_head": self.relation_combo,
                  "cluster": self.cluster_combo, "dtsen_desil": self.desil_combo}
        for key, combo in combos.items():
            if key in values:
                _select(combo, values[key])
        if "address" in values:
            self.address_edit.setPlainText(values["address"] or "")
        if "birth_date" in values:
            birth = _as_date(values["birth_date"])
            self.birth_known_check.setChecked(birth is not None)
            self.birth_date_edit.setDate(_qdate(birth) if birth is not None else NO_DATE)
        if "birth_date_estimated" in values:
            self.estimated_check.setChecked(bool(values["birth_date_estimated"]))
        if "wilayah_code" in values:
            self.wilayah_picker.set_code(values["wilayah_code"])
        if "ppks_categories" in values:
            self.ppks_list.set_codes(values["ppks_categories"])

    # --- reading ---------------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The form's fields as `validate_client` takes them (empty text is None)."""
        known = self.birth_known_check.isChecked() and self.birth_date_edit.date() != NO_DATE
        desil = self.desil_combo.currentData()
        return {
            "name": _text(self.name_edit.text()),
            "alias": _text(self.alias_edit.text()),
            "nik": _text(self.nik_edit.text()),
            "sex": self.sex_combo.currentData(),
            "birth_place": _text(self.birth_place_edit.text()),
            "birth_date": self.birth_date_edit.date().toPython() if known else None,
            "birth_date_estimated": known and self.estimated_check.isChecked(),
            "religion": self.religion_combo.currentData(),
            "education": self.education_combo.currentData(),
            "marital_status": self.marital_combo.currentData(),
            "disability": _text(self.disability_edit.text()),
            "phone": _text(self.phone_edit.text()),
            "address": _text(self.address_edit.toPlainText()),
            "wilayah_code": self.wilayah_picker.code(),
            "relation_to_head": self.relation_combo.currentData(),
            "cluster": self.cluster_combo.currentData(),
            "dtsen_desil": int(desil) if desil is not None else None,
            "ppks_categories": self.ppks_list.codes() or None,
        }

    def changes(self) -> dict[str, Any]:
        """The fields the user changed since the form opened."""
        now = self.values()
        return {key: value for key, value in now.items() if value != self._initial.get(key)}

    @property
    def dirty(self) -> bool:
        """Typed changes, or a photo or documents held for a new client."""
        return bool(self.changes()) or bool(self.staged_files())

    def staged_files(self) -> list[tuple[documents.PreparedFile, str, str | None]]:
        """The photo and documents chosen for a client not saved yet: (prepared, kind, note)."""
        files: list[tuple[documents.PreparedFile, str, str | None]] = []
        if self.photo_box.staged is not None:
            files.append((self.photo_box.staged, documents.PHOTO, None))
        staged: list[StagedDocument] = self.documents_panel.staged
        files.extend((doc.prepared, doc.kind, doc.note) for doc in reversed(staged))  # in the order added
        return files

    @Slot()
    def _files_changed(self) -> None:
        """A photo or document was stored (a saved client) or held (a new one)."""
        if self.original is None:
            self.status_label.setText("")

    def problem(self, key: str) -> str:
        """The problem now shown for a field ('' when none)."""
        label = self._errors.get(key)
        return label.text() if label is not None and not label.isHidden() else ""

    # --- live helpers ----------------------------------------------------------------------------------

    def _connect_changes(self) -> None:
        for edit in (self.name_edit, self.alias_edit, self.nik_edit, self.birth_place_edit, self.disability_edit,
                     self.phone_edit):
            edit.textChanged.connect(self._changed)
        for combo in (self.sex_combo, self.religion_combo, self.education_combo, self.marital_combo,
                      self.relation_combo, self.cluster_combo, self.desil_combo):
            combo.currentIndexChanged.connect(self._changed)
        self.address_edit.textChanged.connect(self._changed)
        self.birth_date_edit.dateChanged.connect(self._changed)
        self.birth_known_check.toggled.connect(self._changed)
        self.estimated_check.toggled.connect(self._changed)
        self.wilayah_picker.code_changed.connect(self._changed)
        self.ppks_list.changed.connect(self._changed)
        clear = {
            "name": self.name_edit.textEdited, "alias": self.alias_edit.textEdited, "nik": self.nik_edit.textEdited,
            "birth_place": self.birth_place_edit.textEdited, "disability": self.disability_edit.textEdited,
            "phone": self.phone_edit.textEdited, "sex": self.sex_combo.currentIndexChanged,
            "religion": self.religion_combo.currentIndexChanged,
            "education": self.education_combo.currentIndexChanged,
            "marital_status": self.marital_combo.currentIndexChanged,
            "relation_to_head": self.relation_combo.currentIndexChanged,
            "cluster": self.cluster_combo.currentIndexChanged, "dtsen_desil": self.desil_combo.currentIndexChanged,
            "birth_date": self.birth_date_edit.dateChanged, "address": self.address_edit.textChanged,
            "wilayah_code": self.wilayah_picker.code_changed, "ppks_categories": self.ppks_list.changed,
        }
        for key, signal in clear.items():
            signal.connect(lambda *_args, k=key: self._clear_problem(k))
        self.birth_known_check.toggled.connect(lambda *_args: self._clear_problem("birth_date"))

    @Slot()
    def _changed(self) -> None:
        if self._draft_answered:
            self._draft_timer.start()

    def _nik_changed(self, text: str) -> None:
        """The live line under NIK: what the number says, or what is wrong with it."""
        if not text.strip():
            self._set_nik_line(tr("Jenis kelamin dan tanggal lahir bisa diisi dari NIK."), MUTED)
        else:
            check = check_nik(text)
            if not check.valid:
                self._set_nik_line(check.errors[0], MUTED)
            else:
                report = wilayah.nik_report(self.ctx.db, text)
                parts = [tr("NIK sah"), ref_list("sex").label(check.sex or "")]
                if check.birth_date is not None:
                    parts.append(tr("lahir {date}").format(date=format_date_long(check.birth_date)))
                line = " · ".join(part for part in parts if part)
                if report.check.warnings:
                    self._set_nik_line(line + "\n" + "\n".join(report.check.warnings), WARNING_COLOR)
                    if self.isVisible():
                        self._grow()
                else:
                    self._set_nik_line(line, OK_COLOR)
        self._update_fill_button()

    def _set_nik_line(self, text: str, color: str) -> None:
        self.nik_check_label.setText(text)
        self.nik_check_label.setStyleSheet(f"color: {color};")
        self.nik_check_label.setVisible(not self.problem("nik"))

    def _update_fill_button(self, *_args) -> None:
        check = check_nik(self.nik_edit.text()) if self.nik_edit.text().strip() else None
        missing = self.sex_combo.currentData() is None or not self.birth_known_check.isChecked()
        self.fill_from_nik_button.setEnabled(bool(check and check.valid and missing))

    @Slot()
    def fill_from_nik(self) -> None:
        """Fill jenis kelamin and tanggal lahir from a valid NIK where they are still empty."""
        check = check_nik(self.nik_edit.text())
        if not check.valid:
            return
        if self.sex_combo.currentData() is None and check.sex:
            _select(self.sex_combo, check.sex)
        if not self.birth_known_check.isChecked() and check.birth_date is not None:
            self.birth_known_check.setChecked(True)
            self.birth_date_edit.setDate(_qdate(check.birth_date))
        self._touched.update(("sex", "birth_date"))
        self._validate_touched()
        self._update_fill_button()

    def _birth_known_toggled(self, known: bool) -> None:
        """Unknown: the date edit is blank and disabled (the date typed before comes back when ticked)."""
        self.birth_date_edit.setEnabled(known)
        self.estimated_check.setEnabled(known)
        if not known and self.birth_date_edit.date() != NO_DATE:
            self._last_birth = self.birth_date_edit.date()
            self.birth_date_edit.setDate(NO_DATE)
        elif known and self.birth_date_edit.date() == NO_DATE:
            check = check_nik(self.nik_edit.text()) if self.nik_edit.text().strip() else None
            if check is not None and check.valid and check.birth_date is not None:
                self.birth_date_edit.setDate(_qdate(check.birth_date))
            else:
                self.birth_date_edit.setDate(getattr(self, "_last_birth", None) or QDate.currentDate())
        self._update_fill_button()

    def _birth_known_clicked(self, known: bool) -> None:
        """Ticked by the user: go type the date (day first)."""
        if known:
            self.birth_date_edit.setFocus(Qt.FocusReason.TabFocusReason)
            self.birth_date_edit.setSelectedSection(QDateEdit.Section.DaySection)

    @Slot()
    def show_household(self) -> None:
        """Open the household (KK) screen of this client."""
        if self.original is None:
            return
        try:
            from ui.dialogs.household import open_household
        except ImportError:
            log.warning("household screen not importable")
            QMessageBox.information(self, tr("Keluarga (KK)"), tr(
                "Layar Keluarga (KK) belum tersedia di versi ini. Anggota KK bisa dilihat dari daftar klien "
                "dengan mencari No. KK."))
            return
        open_household(self, self.ctx, None, client_id=self.original.id)

    # --- checking --------------------------------------------------------------------------------------

    @Slot(QWidget, QWidget)
    def _focus_moved(self, old: QWidget | None, new: QWidget | None) -> None:
        """Leaving a field checks the fields visited so far (never steals the focus)."""
        if old is None or self._task is not None or self.pages.currentWidget() is not self.scroll:
            return
        key = self._key_of(old)
        if key is None or key == self._key_of(new):
            return
        if key in self._touched or self.values().get(key) != self._initial.get(key):
            self._touched.add(key)  # a field merely passed through is judged on save, not now
        self._validate_touched()

    def _key_of(self, widget: QWidget | None) -> str | None:
        while widget is not None and widget is not self:
            key = self._cells.get(widget)
            if key is not None:
                return key
            widget = widget.parentWidget()
        return None

    def check(self) -> tuple[dict[str, Any] | None, dict[str, str], list[str]]:
        """(clean values or None, problems by field, warnings) from the engine's rules."""
        try:
            clean, warnings = validate_client(self.values())
        except ValidationError as exc:
            return None, dict(exc.problems), []
        return clean, {}, list(warnings)

    def _validate_touched(self) -> None:
        _clean, problems, warnings = self.check()
        shown = {k: v for k, v in problems.items() if k in self._touched}
        self.show_problems(self._saved_problems | shown, focus=False, only=self._touched)
        self._show_warnings(warnings)

    def show_problems(self, problems: Mapping[str, str], *, focus: bool = True,
                      only: set[str] | None = None) -> None:
        """Red text under each field concerned (unknown fields at the top); focus the first one on save."""
        first: QWidget | None = None
        for key in FORM_FIELDS:
            label = self._errors.get(key)
            if label is None or (only is not None and key not in only):
                continue
            message = problems.get(key, "")
            label.setText(message)
            label.setVisible(bool(message))
            set_invalid(self._marks[key], bool(message))
            if message and first is None:
                first = self._fields[key]
        general = [message for key, message in problems.items() if key not in self._errors]
        self.general_error.setText("\n".join(general))
        self.general_error.setVisible(bool(general))
        self.nik_check_label.setVisible(not self.problem("nik"))
        if problems:
            self._grow()
        if focus and first is not None:
            self.scroll.ensureWidgetVisible(first)
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_warnings(self, warnings: Sequence[str]) -> None:
        self.warning_label.setText("\n".join(warnings))
        self.warning_label.setVisible(bool(warnings))

    def _clear_problem(self, key: str) -> None:
        self._saved_problems.pop(key, None)
        label = self._errors.get(key)
        if label is not None and not label.isHidden():
            label.hide()
            label.clear()
            set_invalid(self._marks[key], False)
            if key == "nik":
                self.nik_check_label.show()

    # --- saving ----------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._task is not None

    @Slot()
    def save(self) -> None:
        """Check everything; then (off the GUI thread) look for duplicates of a new client and store it."""
        if self._task is not None or self.photo_box.busy or self.documents_panel.busy:
            return
        if self.pages.currentWidget() is not self.scroll:
            return
        self._touched.update(self._errors)
        self._saved_problems = {}
        _clean, problems, warnings = self.check()
        self._show_warnings(warnings)
        self.show_problems(problems)
        if problems:
            return
        db = self.ctx.db
        if self.original is not None:
            changes = self.changes()
            if not changes:
                self._finish(None)
                return
            client_id, values = self.original.id, self.values()
            check_nik = bool(changes.get("nik")) and changes.get("nik") != self._confirmed_nik
            self._run(lambda _progress: save_edit(db, client_id, changes, values, check_nik=check_nik))
        else:
            values = self.new_values()
            check = not self._duplicates_seen
            blobs, files = self.ctx.paths.blobs, self.staged_files()
            self._run(lambda _progress: save_new_client(db, values, check_duplicates=check, blobs_dir=blobs,
                                                        files=files))

    def new_values(self) -> dict[str, Any]:
        """What a new client is saved with: the filled fields, and the household it was added to."""
        values = {key: value for key, value in self.values().items() if value is not None}
        if self.prefill.get("household_id") is not None:
            values["household_id"] = self.prefill["household_id"]
        return values

    def _run(self, fn: Callable[[Any], Any]) -> None:
        self._set_busy(True)
        self._task = Task(fn)
        self._task.finished.connect(self._saved)
        self._task.failed.connect(self._save_failed)
        self._task.start()

    def _set_busy(self, busy: bool) -> None:
        self.buttons.setEnabled(not busy)
        self.photo_box.setEnabled(not busy)
        self.documents_panel.setEnabled(not busy)
        self.duplicate_panel.setEnabled(not busy)
        self.status_label.setText(tr("Menyimpan…") if busy else "")

    @Slot(object)
    def _saved(self, result: Any) -> None:
        self._task = None
        self._set_busy(False)
        if isinstance(result, list):
            self.show_duplicates(result)
            return
        if isinstance(result, SavedNew):
            if result.failed_files:
                self.report_unsaved_files(result.failed_files)
            result = result.client
        self._finish(result)

    def report_unsaved_files(self, failed: Sequence[tuple[str, AtensiError]]) -> None:
        """The client is saved but some held files were refused by the storage: say which, and why."""
        names = ", ".join(name for name, _exc in failed)
        first = failed[0][1]
        QMessageBox.warning(
            self, tr("Sebagian berkas belum tersimpan"),
            tr("Klien sudah tersimpan, tetapi berkas ini belum: {names}.").format(names=names) + "\n\n"
            + first.message + ("\n" + first.hint if first.hint else "") + "\n\n"
            + tr("Buka lagi klien ini dan tambahkan berkasnya."))

    @Slot(object)
    def _save_failed(self, exc: BaseException) -> None:
        self._task = None
        self._set_busy(False)
        self.show_form()
        if isinstance(exc, ValidationError):
            self._saved_problems = dict(exc.problems)
            self.show_problems(self._saved_problems)
        elif isinstance(exc, UserError) and exc.field:
            self._saved_problems = {exc.field: exc.message}
            self.show_problems(self._saved_problems)
        else:
            show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    def _finish(self, saved: ClientDTO | None) -> None:
        self.saved_client = saved
        self._draft_timer.stop()
        self.delete_draft()
        super().accept()

    # --- duplicates ------------------------------------------------------------------------------------

    def show_duplicates(self, hits: Sequence[DuplicateHit]) -> None:
        values = self.values()
        facts = [values["name"] or ""]
        if values["birth_date"] is not None:
            facts.append(tr("lahir {date}").format(date=format_date_short(values["birth_date"])))
        if values["nik"]:
            facts.append(tr("NIK {nik}").format(nik=values["nik"]))
        self.duplicate_panel.show_hits(hits, ", ".join(facts), editing=self.original is not None)
        self.pages.setCurrentWidget(self.duplicate_panel)
        self.buttons.hide()
        self.intro_label.hide()
        if self.duplicate_panel.open_buttons:
            self.duplicate_panel.open_buttons[0].setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def show_form(self) -> None:
        self.pages.setCurrentWidget(self.scroll)
        self.buttons.show()
        self.intro_label.show()

    @Slot()
    def _save_anyway(self) -> None:
        if self.original is not None:
            self._confirmed_nik = self.values()["nik"]
        else:
            self._duplicates_seen = True
        self.show_form()
        self.save()

    @Slot(object)
    def merge_into(self, client_id: uuid.UUID) -> None:
        """"Gabungkan…" on a card: a new client's typed data into that client (MergeEntryDialog), or, when
        editing, this client and that one (MergeClientsDialog). Batal comes back to the panel."""
        if self.merge_dialog is not None or self._task is not None:
            return
        try:
            if self.original is not None:
                dialog: MergeEntryDialog | MergeClientsDialog = MergeClientsDialog(
                    self.ctx, self.original.id, client_id, self)
            else:
                dialog = MergeEntryDialog(self.ctx, client_id, self.new_values(), self, files=self.staged_files())
        except AtensiError as exc:  # e.g. the client was archived or removed meanwhile
            show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")
            return
        self.merge_dialog = dialog
        dialog.finished.connect(lambda _result, d=dialog, cid=client_id: self._merge_finished(d, cid))
        dialog.open()

    def _merge_finished(self, dialog: MergeEntryDialog | MergeClientsDialog, client_id: uuid.UUID) -> None:
        self.merge_dialog = None
        dialog.deleteLater()
        if dialog.result() == QDialog.DialogCode.Accepted and dialog.merged_client is not None:
            failed = getattr(dialog, "failed_files", ())
            if failed:
                self.report_unsaved_files(failed)
            self._finish(dialog.merged_client)  # the typed data lives in that client now: no draft
            return
        button = self.duplicate_panel.merge_button_for(client_id)
        if button is not None:
            button.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(object)
    def _open_existing(self, client_id: uuid.UUID) -> None:
        """The person is already registered: drop what was typed and let the caller open that client."""
        self.open_client_id = client_id
        self._draft_timer.stop()
        self.delete_draft()
        super().reject()

    # --- drafts ----------------------------------------------------------------------------------------

    @property
    def draft_path(self) -> Path:
        if self.client_id is not None:
            name = f"klien-{self.client_id}.json"
        elif self.prefill.get("household_id") is not None:  # a new member of a household: its own draft
            name = f"klien-baru-kk-{self.prefill['household_id']}.json"
        else:
            name = "klien-baru.json"
        return self.ctx.paths.drafts / name

    @Slot()
    def write_draft(self) -> None:
        """Keep the unsaved changes on disk (atomically), or remove the draft when there are none."""
        if not self._draft_answered:
            return
        changes = self.changes()
        if not changes:
            self.delete_draft()
            return
        document = {
            "format": DRAFT_FORMAT,
            "saved_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "client_id": str(self.client_id) if self.client_id else None,
            "changes": {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in changes.items()},
        }
        drafts.write_draft(self.draft_path, document)  # a safety net: the form keeps working without it

    def delete_draft(self) -> None:
        drafts.delete_draft(self.draft_path)

    def _read_draft(self) -> dict[str, Any] | None:
        document = drafts.read_draft(self.draft_path)
        changes = document.get("changes") if document is not None else None
        if not isinstance(changes, dict) or not changes:
            return None
        return {"saved_at": document.get("saved_at"),
                "changes": {k: v for k, v in changes.items() if k in FORM_FIELDS}}

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._offered:
            self._offered = True
            if self.pending_draft is not None:
                QTimer.singleShot(0, self, self.offer_draft)  # once the form is on screen

    @Slot()
    def offer_draft(self) -> None:
        """Ask whether to restore the draft left by an earlier session; 'Tidak' discards it."""
        draft, self.pending_draft = self.pending_draft, None
        if draft is None:
            return
        restore = self.ask_restore_draft(_when(draft.get("saved_at")))
        self._draft_answered = True
        if restore:
            self.apply_values(draft["changes"])
            self._touched.update(k for k in draft["changes"] if k in self._errors)
            self._validate_touched()
            self._draft_timer.start()
        else:
            self.delete_draft()

    def ask_restore_draft(self, when: str) -> bool:
        answer = QMessageBox.question(
            self, tr("Draf belum disimpan"),
            tr("Ada draf yang belum disimpan dari {when}. Pulihkan?").format(when=when),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes

    # --- closing ---------------------------------------------------------------------------------------

    def reject(self) -> None:
        """Esc, Batal or the close button: back to the form from the duplicate panel; ask before
        throwing typed data away (not while a save, a photo or a document is still being stored)."""
        if self._task is not None or self.photo_box.busy or self.documents_panel.busy \
                or self.merge_dialog is not None:
            return
        if self.pages.currentWidget() is not self.scroll:
            self.show_form()
            return
        if self.dirty and not self.confirm_discard():
            return
        self._draft_timer.stop()
        self.delete_draft()
        super().reject()

    def confirm_discard(self) -> bool:
        answer = QMessageBox.question(
            self, tr("Buang perubahan?"), tr("Data yang sudah diketik belum disimpan dan akan hilang."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # --- size ------------------------------------------------------------------------------------------

    def _wanted_size(self) -> QSize:
        """As large as the content wants (at most CONTENT_WIDTH wide), never larger than the screen
        (offscreen: than a 1366×768 laptop); the scroll area takes what does not fit."""
        self.ensurePolished()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # fixed label widths settle first
        self.content.layout().activate()
        self.layout().activate()
        hint, least = self.content.sizeHint(), self.content.minimumSizeHint()
        width = max(least.width(), min(hint.width(), CONTENT_WIDTH))
        height = self.content.heightForWidth(width) if self.content.hasHeightForWidth() else hint.height()
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        margins = self.layout().contentsMargins()
        chrome_height = self.sizeHint().height() - self.scroll.sizeHint().height()
        wanted = QSize(width + margins.left() + margins.right() + bar + 2,
                       max(height, hint.height()) + chrome_height + 2)
        return wanted.boundedTo(self._screen_limit())

    def _screen_limit(self) -> QSize:
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None and QGuiApplication.platformName() != "offscreen":
            return screen.availableGeometry().size()
        return TARGET_SCREEN

    def _fit(self) -> None:
        size = self._wanted_size()
        self.setMinimumSize(QSize(720, 480).boundedTo(size))
        self.resize(size)

    def _grow(self) -> None:
        """Taller (within the screen) when problem lines were added, so they need no scrolling."""
        wanted = self._wanted_size()
        if wanted.height() > self.height() or wanted.width() > self.width():
            self.resize(max(wanted.width(), self.width()), max(wanted.height(), self.height()))


# --- helpers ---------------------------------------------------------------------------------------------

class _Rows:
    """Label-and-field rows of a group on a QGridLayout (a QFormLayout misjudges the height of a field
    whose wrapped lines change, and squeezes them on top of each other)."""

    def __init__(self, group: QGroupBox) -> None:
        self.grid = QGridLayout(group)
        self.grid.setContentsMargins(14, 12, 14, 12)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(6)
        self.grid.setColumnStretch(1, 1)
        self.count = 0

    def add(self, label: QWidget | None, field: QWidget) -> None:
        """`label` left of `field`, or `field` across the row when there is no label."""
        if label is None:
            self.grid.addWidget(field, self.count, 0, 1, 2)
        else:
            self.grid.addWidget(label, self.count, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(field, self.count, 1)
        self.count += 1


def _check_initial(initial: Mapping[str, Any] | None) -> dict[str, Any]:
    """Pre-filled values for a new client: form fields (as `values()` gives them) and household_id."""
    values = dict(initial or {})
    unknown = set(values) - set(FORM_FIELDS) - {"household_id"}
    if unknown:
        raise ValueError(f"not fields of the client form: {sorted(unknown)}")
    household = values.get("household_id")
    if household is not None and not isinstance(household, uuid.UUID):
        values["household_id"] = uuid.UUID(str(household))
    return values


def _caption(text: str, buddy: QWidget) -> QLabel:
    label = make_label(text)
    label.setObjectName("caption")
    label.setBuddy(buddy)
    return label


def _colored_label(color: str) -> QLabel:
    label = make_label("", None, wrap=True)
    label.setStyleSheet(f"color: {color};")
    return label


def _choice_combo(choices: Sequence[tuple[str, Any]]) -> QComboBox:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    combo.addItem("—", None)
    for label, data in choices:
        combo.addItem(label, data)
    return combo


def _ref_combo(list_name: str) -> QComboBox:
    combo = _choice_combo([(item.label, item.code) for item in ref_list(list_name).items])
    combo.setObjectName(list_name)
    return combo


def _select(combo: QComboBox, value: Any) -> None:
    index = combo.findData(value) if value is not None else 0
    combo.setCurrentIndex(max(index, 0))


def _text(value: str) -> str | None:
    return value.strip() or None


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _when(stamp: Any) -> str:
    """'5 Maret 2026 pukul 14.05' for the draft's ISO time stamp (local time)."""
    try:
        moment = dt.datetime.fromisoformat(stamp).astimezone()
    except (TypeError, ValueError):
        return tr("sesi sebelumnya")
    return tr("{date} pukul {time}").format(date=format_date_long(moment.date()), time=moment.strftime("%H.%M"))

