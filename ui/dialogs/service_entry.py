"""Catat layanan: one service given to one client, checked by the engine's rule as the worker types.

The service is picked from the three lists (ATENSI components with their sub-items, the SPM basic-needs
services, the PP 39/2012 forms) with a search box; then the date or period, approach, quantity and unit, value
in whole Rupiah ("1.500.000" accepted and shown with thousands dots), funding source, provider, location, the
plan activity it serves, notes and proof files. `service_log.check_entry` runs shortly after each change, in
the background: its errors appear in red under their field (only for the fields the worker has touched, all of
them on save) and the save is refused; its warnings (outside the plan, after terminasi, a possible double
entry) appear above the buttons and the save goes ahead, the entry keeping its flags.

A correction opens the same dialog filled with the entry and saves a "koreksi" entry with its reason
(`amend_entry`); a cancellation asks for a reason only (`cancel_entry`). The log is append-only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, QSize, QStandardPaths, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.domain.names import fold as fold_text
from atensi_desktop.errors import AtensiError, UserError, ValidationError
from atensi_desktop.i18n import format_date_short, format_number
from atensi_desktop.refdata import ref_list
from atensi_desktop.services import service_log as log
from atensi_desktop.services.cases import CaseDTO, list_cases
from atensi_desktop.services.clients import get_client
from atensi_desktop.services.documents import sniff_media_type
from atensi_desktop.services.intervention import plans_for_client
from atensi_desktop.services.office import installation_office, list_workers
from ui.change_bus import ChangeBus
from ui.errors import show_error
from ui.i18n import tr
from ui.tasks import Task
from ui.widgets.common import make_label
from ui.widgets.form_fields import FormDialog, form_layout, line_text, select_data

CHECK_DELAY_MS = 300
WANTED_SIZE = QSize(1180, 700)
SERVICE_ROLE = Qt.ItemDataRole.UserRole
UNITS = ("paket", "hari", "kali", "porsi", "buah", "orang", "bulan", "sesi", "lembar")
NO_CASE = "__none__"
WARNING_STYLE = "background: #fff6e5; border: 1px solid #f0d29a; border-radius: 6px;"
# Fields whose problems the service picker shows.
SERVICE_KEYS = ("service_kind", "service_code", "subitem_code")
# Engine keys shown on another key's field: the picker for the service, the provider combo for both providers.
SHOWN_AS = {"service_kind": "service_code", "subitem_code": "service_code", "provider_office_id": "provider_worker_id"}
PERMAKANAN_KEY = "permakanan_days"  # the 7-day count over the client's earlier permakanan (shown at the dates)


# --- small helpers ---------------------------------------------------------------------------------------

def service_key(kind: str, code: str, subitem: str | None) -> str:
    return f"{kind}|{code}|{subitem or ''}"


def split_service_key(key: str) -> tuple[str, str, str | None]:
    kind, code, subitem = key.split("|", 2)
    return kind, code, subitem or None


def rupiah_value(text: str) -> int | None:
    """Whole Rupiah from '1.500.000', '1500000' or 'Rp 1.500.000'; None when it is not one (the engine's
    reading, service_log.parse_rupiah)."""
    return log.parse_rupiah(text)


def rupiah_text(value: int | None) -> str:
    """'1.500.000' (no currency sign: the field's label says Rp)."""
    return "" if value is None else format_number(value, "id")


def quantity_text(value: Any) -> str:
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def date_edit(name: str, value: dt.date | None = None) -> QDateEdit:
    """Day-month-year with a calendar, never after today (the rule refuses future dates anyway)."""
    edit = QDateEdit()
    edit.setObjectName(name)
    edit.setDisplayFormat("dd-MM-yyyy")
    edit.setCalendarPopup(True)
    edit.setMinimumDate(QDate(2000, 1, 1))
    edit.setMaximumDate(QDate.currentDate())
    edit.setDate(QDate(value) if value is not None else QDate.currentDate())
    edit.setMinimumWidth(130)
    return edit


def case_text(case: CaseDTO) -> str:
    """'DSHSS-7K2M9Q · Pelaksanaan Intervensi (dibuka 05-03-2026)' and whether it is closed."""
    text = tr("{id} · {stage} (dibuka {date})").format(id=case.display_id, stage=case.stage_label,
                                                         date=format_date_short(case.opened_on))
    if case.closed_on is not None:
        text += " · " + tr("terminasi {date}").format(date=format_date_short(case.closed_on))
    return text


# --- the service picker ----------------------------------------------------------------------------------

class ServicePicker(QWidget):
    """Search box over a tree of the three service lists; a component or one of its sub-items is chosen.
    Enter on a service in the tree emits `confirmed` (the form moves on; Enter never saves from here)."""

    confirmed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("serviceSearch")
        self.search_edit.setPlaceholderText(tr("Cari layanan, mis. permakanan, terapi, sembako…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(tr("Cari layanan"))
        layout.addWidget(self.search_edit)
        self.tree = QTreeWidget()
        self.tree.setObjectName("serviceTree")
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName(tr("Daftar layanan"))
        self.tree.setUniformRowHeights(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        layout.addWidget(self.tree, 1)
        self.chosen_label = make_label("", "strong", wrap=True)
        self.chosen_label.setObjectName("serviceChosen")
        layout.addWidget(self.chosen_label)
        self.items: dict[str, QTreeWidgetItem] = {}
        self.matches: list[QTreeWidgetItem] = []
        self._fill()
        self.search_edit.textChanged.connect(self._filter)
        self.search_edit.installEventFilter(self)
        self.tree.installEventFilter(self)
        self.tree.currentItemChanged.connect(self._current_changed)
        self._show_chosen()

    def _fill(self) -> None:
        for kind, list_name in log.KIND_LISTS.items():
            refs = ref_list(list_name)
            group = QTreeWidgetItem([f"{tr(log.KIND_LABELS[kind])} — {refs.title}"])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setToolTip(0, refs.source)
            self.tree.addTopLevelItem(group)
            for item in refs.items:
                number = item.extra.get("number")
                label = f"{number}. {item.label}" if number else item.label
                node = self._leaf(group, label, service_key(kind, item.code, None))
                for sub in item.extra.get("subitems", ()):
                    self._leaf(node, sub["label"], service_key(kind, item.code, sub["code"]))
        self.tree.expandToDepth(0)

    def _leaf(self, parent: QTreeWidgetItem, label: str, key: str) -> QTreeWidgetItem:
        node = QTreeWidgetItem(parent, [label])
        node.setData(0, SERVICE_ROLE, key)
        node.setToolTip(0, log.service_label(*split_service_key(key)))
        self.items[key] = node
        return node

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down or Enter in the search box moves into the tree, to the first service that matches."""
        if watched is self.search_edit and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            # Enter too: it takes the first match (it must not press the dialog's Save)
            self.tree.setFocus()
            current = self.tree.currentItem()
            if current is None or self._hidden(current) or current not in self.matches:
                first = self.matches[0] if self.matches else next(
                    (i for i in self.items.values() if not self._hidden(i)), None)
                if first is not None:
                    self.tree.setCurrentItem(first)
            return True
        if watched is self.tree and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.chosen() is not None:
                self.confirmed.emit()
            return True
        return super().eventFilter(watched, event)

    @staticmethod
    def _hidden(item: QTreeWidgetItem) -> bool:
        while item is not None:
            if item.isHidden():
                return True
            item = item.parent()
        return False

    @Slot(str)
    def _filter(self, text: str) -> None:
        """Show the services whose name (with their list's and component's) has every typed word;
        `matches` lists the ones that matched on their own name, in list order."""
        words = fold_text(text).split()
        self.matches = []
        for index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(index)
            group_words = fold_text(group.text(0))
            group_visible = False
            for c in range(group.childCount()):
                component = group.child(c)
                own = _matches(words, group_words + " " + fold_text(component.text(0)))
                if own and words:
                    self.matches.append(component)
                any_sub = False
                for s in range(component.childCount()):
                    sub = component.child(s)
                    sub_own = _matches(words, group_words + " " + fold_text(component.text(0) + " " + sub.text(0)))
                    if sub_own and not own and words:
                        self.matches.append(sub)
                    visible = own or sub_own
                    sub.setHidden(not visible)
                    any_sub = any_sub or visible
                component.setHidden(not (own or any_sub))
                component.setExpanded(bool(words) and any_sub)
                group_visible = group_visible or own or any_sub
            group.setHidden(not group_visible)
            group.setExpanded(True)

    @Slot()
    def _current_changed(self, *_args) -> None:
        self._show_chosen()

    def _show_chosen(self) -> None:
        chosen = self.chosen()
        if chosen is None:
            self.chosen_label.setText(tr("Belum ada layanan yang dipilih."))
            self.chosen_label.setProperty("role", "muted")
        else:
            self.chosen_label.setText(tr("Dipilih: {service}").format(service=log.service_label(*chosen)))
            self.chosen_label.setProperty("role", "strong")
        self.chosen_label.style().unpolish(self.chosen_label)
        self.chosen_label.style().polish(self.chosen_label)

    def chosen(self) -> tuple[str, str, str | None] | None:
        item = self.tree.currentItem()
        key = item.data(0, SERVICE_ROLE) if item is not None else None
        return split_service_key(key) if key else None

    def choose(self, kind: str, code: str, subitem: str | None = None) -> bool:
        item = self.items.get(service_key(kind, code, subitem))
        if item is None:
            return False
        if self._hidden(item):
            self.search_edit.clear()
        self.tree.setCurrentItem(item)
        self.tree.scrollToItem(item)
        return True


def merged(problems: Mapping[str, str]) -> dict[str, str]:
    """The engine's problems keyed by the field that shows them (SHOWN_AS), several joined in one line."""
    out: dict[str, str] = {}
    for key, message in problems.items():
        shown = SHOWN_AS.get(key, key)
        out[shown] = f"{out[shown]} {message}" if shown in out else message
    return out


def _matches(words: list[str], haystack: str) -> bool:
    return all(word in haystack for word in words)


# --- proof files -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProofFile:
    path: Path
    kind: str


class ProofList(QWidget):
    """Proofs to attach on save (photo of a receipt, tanda terima, kuitansi: PDF, JPEG or PNG), and the ones
    the entry already has (a correction carries them over)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("proofKind")
        self.kind_combo.setAccessibleName(tr("Jenis bukti"))
        for code, label in log.attachment_kinds():
            self.kind_combo.addItem(label, code)
        self.add_button = QPushButton(tr("Tambah bukt&i…"))
        self.add_button.setObjectName("addProof")
        self.add_button.setAutoDefault(False)
        self.add_button.setToolTip(tr("Foto kuitansi atau tanda terima (PDF, JPEG atau PNG)"))
        self.remove_button = QPushButton(tr("Hapus"))
        self.remove_button.setObjectName("removeProof")
        self.remove_button.setAutoDefault(False)
        self.remove_button.setEnabled(False)
        row.addWidget(self.kind_combo, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        self.list = QListWidget()
        self.list.setObjectName("proofList")
        self.list.setAccessibleName(tr("Bukti layanan"))
        self.list.setMaximumHeight(self.list.fontMetrics().height() * 4 + 12)
        layout.addWidget(self.list)
        self.files: list[ProofFile] = []
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.currentRowChanged.connect(self._update)

    def show_existing(self, attachments: list[log.AttachmentDTO]) -> None:
        for att in attachments:
            item = QListWidgetItem(tr("{kind}: {name} (sudah tersimpan)").format(kind=att.kind_label,
                                                                                 name=att.file_name))
            item.setForeground(Qt.GlobalColor.darkGray)
            item.setData(Qt.ItemDataRole.UserRole, None)
            self.list.addItem(item)

    @Slot()
    def choose_files(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation) or str(Path.home())
        paths, _filter = QFileDialog.getOpenFileNames(
            self, tr("Pilih bukti layanan"), folder, tr("Foto atau PDF (*.jpg *.jpeg *.png *.pdf)"))
        for path in paths:
            self.add_file(Path(path))

    def add_file(self, path: Path, kind: str | None = None) -> str | None:
        """Add a file to attach on save; returns the problem instead when it cannot be one."""
        try:
            with path.open("rb") as fh:
                head = fh.read(2048)
        except OSError:
            return self._problem(tr("Berkas {name} tidak bisa dibaca.").format(name=path.name))
        if not head:
            return self._problem(tr("Berkas {name} kosong.").format(name=path.name))
        if sniff_media_type(head) not in log.ATTACHMENT_TYPES:
            return self._problem(tr("{name} bukan PDF, JPEG atau PNG; simpan atau pindai ulang dalam salah satu "
                                    "bentuk itu.").format(name=path.name))
        proof = ProofFile(path, kind or self.kind_combo.currentData())
        self.files.append(proof)
        label = dict(log.attachment_kinds()).get(proof.kind, proof.kind)
        item = QListWidgetItem(f"{label}: {path.name}")
        item.setData(Qt.ItemDataRole.UserRole, len(self.files) - 1)
        item.setToolTip(str(path))
        self.list.addItem(item)
        self.problem = ""
        return None

    problem = ""

    def _problem(self, text: str) -> str:
        self.problem = text
        self.setToolTip(text)
        window = self.window()
        if isinstance(window, ServiceEntryDialog):
            window.problems.show({"proof": text}, only={"proof"})
        return text

    @Slot()
    def remove_selected(self) -> None:
        item = self.list.currentItem()
        if item is None or item.data(Qt.ItemDataRole.UserRole) is None:
            return
        index = item.data(Qt.ItemDataRole.UserRole)
        self.files[index] = None  # type: ignore[call-overload]  # keep the other items' indexes
        self.list.takeItem(self.list.row(item))

    def pending(self) -> list[ProofFile]:
        return [f for f in self.files if f is not None]

    @Slot()
    def _update(self, *_args) -> None:
        item = self.list.currentItem()
        self.remove_button.setEnabled(item is not None and item.data(Qt.ItemDataRole.UserRole) is not None)


# --- the dialog ------------------------------------------------------------------------------------------

class ServiceEntryDialog(FormDialog):
    """New entry for `client_id` (in `case_id`, default its open case), or a correction of `original`."""

    def __init__(self, ctx: AppContext, client_id: uuid.UUID, case_id: uuid.UUID | None = None, *,
                 original: log.ServiceEntryDTO | None = None, parent: QWidget | None = None) -> None:
        self.ctx = ctx
        self.client_id = client_id
        self.original = original
        client = get_client(ctx.db, client_id)
        self.client_name = str(client.values.get("name") or "")
        self.client_display_id = client.display_id
        if original is None:
            title = tr("Catat layanan")
            intro = tr("Layanan untuk {name} ({id}). Aturan layanan diperiksa saat Anda mengisi.")
        else:
            title = tr("Koreksi layanan")
            intro = tr("Koreksi layanan {name} ({id}). Catatan lama tetap tersimpan; koreksi ini menggantikannya "
                       "dan alasannya dicatat.")
        super().__init__(title, intro.format(name=self.client_name, id=self.client_display_id), parent)
        self.setObjectName("serviceEntryDialog")
        self.saved_entry: log.ServiceEntryDTO | None = None
        self.attachment_problems: list[str] = []
        self._generation = 0
        self._check_task: Task | None = None
        self.last_errors: dict[str, str] = {}
        self.last_warnings: list[str] = []
        self._build(case_id)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHECK_DELAY_MS)
        self._timer.timeout.connect(self.run_check)
        self._wire()
        if original is not None:
            self._prefill(original)
        self.fit(110)
        self.resize(self.size().expandedTo(WANTED_SIZE).boundedTo(QSize(1366 - 40, 768 - 60)))
        self.remember_start()
        self.run_check()
        (self.reason_edit if original is not None else self.picker.search_edit).setFocus()

    # --- building ------------------------------------------------------------------------------------------

    def _build(self, case_id: uuid.UUID | None) -> None:
        left = QVBoxLayout()
        left.setSpacing(6)
        service_label = QLabel(tr("&Layanan *"))
        left.addWidget(service_label)
        self.picker = ServicePicker()
        service_label.setBuddy(self.picker.search_edit)
        left.addWidget(self.picker, 1)
        self.service_error = make_label("", "error", wrap=True)
        self.service_error.setObjectName("error_service_code")
        self.service_error.hide()
        left.addWidget(self.service_error)
        proof_label = QLabel(tr("B&ukti (foto kuitansi, tanda terima)"))
        left.addWidget(proof_label)
        self.proofs = ProofList()
        proof_label.setBuddy(self.proofs.kind_combo)
        left.addWidget(self.proofs)
        self.proof_error = make_label("", "error", wrap=True)
        self.proof_error.setObjectName("error_proof")
        self.proof_error.hide()
        left.addWidget(self.proof_error)
        left_box = QWidget()
        left_box.setLayout(left)
        left_box.setMinimumWidth(400)
        self.content.addWidget(left_box, 5)

        form_box = QWidget()
        form_column = QVBoxLayout(form_box)
        form_column.setContentsMargins(0, 0, 0, 0)
        form_widget = QWidget()
        form = form_layout(form_widget)
        form.setContentsMargins(0, 0, 0, 0)
        form_column.addWidget(form_widget)
        form_column.addStretch(1)
        p = self.problems
        # the picker's own problem line (above) stands for the three service keys (see `merged`)
        p.errors["service_code"] = self.service_error
        p.fields["service_code"] = self.picker.tree
        p.errors["proof"] = self.proof_error
        p.fields["proof"] = self.proofs.list
        self.picker.tree.setProperty("invalid", False)
        self.proofs.list.setProperty("invalid", False)

        if self.original is not None:
            self.reason_edit = QLineEdit()
            self.reason_edit.setObjectName("reason")
            self.reason_edit.setPlaceholderText(tr("mis. jumlah hari salah ketik"))
            p.add_row(form, tr("&Alasan koreksi *"), "reason", self.reason_edit)

        self.case_combo = QComboBox()
        self.case_combo.setObjectName("caseCombo")
        self.cases = {c.id: c for c in list_cases(self.ctx.db, client_id=self.client_id, limit=None)}
        self.case_combo.addItem(tr("(tanpa kasus)"), NO_CASE)
        for case in self.cases.values():
            self.case_combo.addItem(case_text(case), str(case.id))
        chosen_case = case_id
        if chosen_case is None and self.original is None:
            chosen_case = next((c.id for c in self.cases.values() if c.is_open), None)
        if chosen_case is not None:
            select_data(self.case_combo, str(chosen_case))
        p.add_row(form, tr("&Kasus"), "case_id", self.case_combo)

        self.date_from = date_edit("dateFrom")
        self.period_check = QCheckBox(tr("sampai"))
        self.period_check.setObjectName("periodCheck")
        self.period_check.setToolTip(tr("Centang bila layanan diberikan beberapa hari berturut-turut"))
        self.date_until = date_edit("dateUntil")
        self.date_until.setEnabled(False)
        self.date_until.setAccessibleName(tr("Tanggal selesai"))
        self.days_label = make_label("", "muted")
        self.days_label.setObjectName("daysLabel")
        when = QWidget()
        when_row = QHBoxLayout(when)
        when_row.setContentsMargins(0, 0, 0, 0)
        when_row.setSpacing(8)
        when_row.addWidget(self.date_from)
        when_row.addWidget(self.period_check)
        when_row.addWidget(self.date_until)
        when_row.addWidget(self.days_label, 1)
        when_cell = p.add_row(form, tr("&Tanggal *"), "date_from", when, focus=self.date_from)
        # the period's end and the 7-day count share the row: their problem lines sit in the same cell
        self.problems.add_line(when_cell, "date_until", self.date_until)
        self.problems.add_line(when_cell, PERMAKANAN_KEY, self.date_until)

        self.approach_combo = QComboBox()
        self.approach_combo.setObjectName("approachCombo")
        self.approach_combo.addItem(tr("(ikut kasus)"), None)
        for item in ref_list("approaches").items:
            self.approach_combo.addItem(item.label, item.code)
        p.add_row(form, tr("&Pendekatan"), "approach", self.approach_combo)

        self.quantity_edit = QLineEdit()
        self.quantity_edit.setObjectName("quantity")
        self.quantity_edit.setPlaceholderText(tr("mis. 1"))
        self.quantity_edit.setMaximumWidth(110)
        self.unit_combo = QComboBox()
        self.unit_combo.setObjectName("unit")
        self.unit_combo.setEditable(True)
        self.unit_combo.addItem("")
        self.unit_combo.addItems(list(UNITS))
        self.unit_combo.setCurrentIndex(0)
        self.unit_combo.lineEdit().setPlaceholderText(tr("satuan"))
        self.unit_combo.setAccessibleName(tr("Satuan"))
        amount = QWidget()
        amount_row = QHBoxLayout(amount)
        amount_row.setContentsMargins(0, 0, 0, 0)
        amount_row.setSpacing(8)
        amount_row.addWidget(self.quantity_edit)
        amount_row.addWidget(self.unit_combo, 1)
        amount_cell = p.add_row(form, tr("&Jumlah"), "quantity", amount, focus=self.quantity_edit)
        self.problems.add_line(amount_cell, "unit", self.unit_combo)

        self.value_edit = QLineEdit()
        self.value_edit.setObjectName("valueRp")
        self.value_edit.setPlaceholderText(tr("mis. 1.500.000"))
        self.value_edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.value_edit.setMaximumWidth(200)
        p.add_row(form, tr("&Nilai (Rp)"), "value_rp", self.value_edit,
                  hint=tr("Rupiah utuh; titik ribuan boleh diketik."))

        self.funding_combo = QComboBox()
        self.funding_combo.setObjectName("fundingCombo")
        self.funding_combo.addItem(tr("(belum diisi)"), None)
        for item in ref_list("funding_sources").items:
            self.funding_combo.addItem(f"{item.label} — {item.extra.get('description', '')}".rstrip(" —"), item.code)
        p.add_row(form, tr("Sumber &dana"), "funding_source", self.funding_combo)

        self.provider_combo = QComboBox()
        self.provider_combo.setObjectName("providerCombo")
        self.provider_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.provider_combo.setMinimumContentsLength(24)
        self.office = installation_office(self.ctx.db)
        if self.office is not None:
            self.provider_combo.addItem(tr("Kantor: {name}").format(name=self.office.name), f"office|{self.office.id}")
        else:
            self.provider_combo.addItem(tr("(kantor ini)"), None)
        for worker_id, name, type_label in list_workers(self.ctx.db):
            self.provider_combo.addItem(f"{name} — {type_label}", f"worker|{worker_id}")
        case = self.selected_case()
        if case is not None and case.worker_id is not None:
            select_data(self.provider_combo, f"worker|{case.worker_id}")
        p.add_row(form, tr("Pemberi la&yanan"), "provider_worker_id", self.provider_combo)

        self.location_edit = QLineEdit()
        self.location_edit.setObjectName("location")
        self.location_edit.setMaxLength(log.LOCATION_MAX)
        self.location_edit.setPlaceholderText(tr("mis. rumah klien, Desa Padang Batung"))
        p.add_row(form, tr("L&okasi"), "location", self.location_edit)

        self.activity_combo = QComboBox()
        self.activity_combo.setObjectName("activityCombo")
        self.activity_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.activity_combo.setMinimumContentsLength(30)
        self.activities: dict[str, Any] = {}
        self.activity_combo.addItem(tr("(tidak dikaitkan)"), None)
        for plan in plans_for_client(self.ctx.db, self.client_id):
            if plan.status != "disetujui":
                continue
            for goal in plan.goals:
                for act in goal.activities:
                    self.activities[str(act.id)] = act
                    self.activity_combo.addItem(f"{goal.goal} — {act.description}", str(act.id))
        if not self.activities:
            self.activity_combo.setItemText(0, tr("(belum ada rencana intervensi yang disetujui)"))
        p.add_row(form, tr("Kegiatan &rencana"), "plan_activity_id", self.activity_combo)

        self.note_edit = QPlainTextEdit()
        self.note_edit.setObjectName("note")
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setFixedHeight(self.note_edit.fontMetrics().lineSpacing() * 3 + 14)
        p.add_row(form, tr("&Catatan"), "note", self.note_edit)

        self.content.addWidget(form_box, 6)

        self.warning_box = QFrame()
        self.warning_box.setObjectName("warningBox")
        self.warning_box.setStyleSheet(f"QFrame#warningBox {{ {WARNING_STYLE} }}")
        warning_layout = QVBoxLayout(self.warning_box)
        warning_layout.setContentsMargins(10, 6, 10, 6)
        self.warning_label = make_label("", wrap=True)
        self.warning_label.setObjectName("warnings")
        warning_layout.addWidget(self.warning_label)
        self.warning_box.hide()
        outer = self.layout()
        outer.insertWidget(outer.count() - 2, self.warning_box)
        self.save_button.setText(tr("&Simpan koreksi") if self.original is not None else tr("&Simpan"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("&Batal"))

    def _wire(self) -> None:
        changes: list[tuple[str, Any]] = [
            ("service_code", self.picker.tree.currentItemChanged),
            ("case_id", self.case_combo.currentIndexChanged),
            ("date_from", self.date_from.dateChanged),
            ("date_until", self.date_until.dateChanged),
            ("date_until", self.period_check.toggled),
            ("approach", self.approach_combo.currentIndexChanged),
            ("quantity", self.quantity_edit.textChanged),
            ("unit", self.unit_combo.currentTextChanged),
            ("value_rp", self.value_edit.textChanged),
            ("funding_source", self.funding_combo.currentIndexChanged),
            ("provider_worker_id", self.provider_combo.currentIndexChanged),
            ("location", self.location_edit.textChanged),
            ("plan_activity_id", self.activity_combo.currentIndexChanged),
            ("note", self.note_edit.textChanged),
        ]
        if self.original is not None:
            changes.append(("reason", self.reason_edit.textChanged))
        for key, signal in changes:
            signal.connect(lambda *_args, k=key: self.changed(k))
        self.period_check.toggled.connect(self._period_toggled)
        self.date_from.dateChanged.connect(self._show_days)
        self.date_until.dateChanged.connect(self._show_days)
        self.value_edit.editingFinished.connect(self._format_value)
        self.activity_combo.activated.connect(self._activity_chosen)
        self.picker.confirmed.connect(lambda: self.date_from.setFocus(Qt.FocusReason.TabFocusReason))
        self.case_combo.activated.connect(self._case_chosen)

    def _prefill(self, entry: log.ServiceEntryDTO) -> None:
        self.picker.choose(entry.service_kind, entry.service_code, entry.subitem_code)
        select_data(self.case_combo, str(entry.case_id) if entry.case_id else NO_CASE)
        self.date_from.setDate(QDate(entry.date_from))
        if entry.date_until is not None and entry.date_until != entry.date_from:
            self.period_check.setChecked(True)
            self.date_until.setDate(QDate(entry.date_until))
        select_data(self.approach_combo, entry.approach)
        self.quantity_edit.setText(quantity_text(entry.quantity))
        self.unit_combo.setCurrentText(entry.unit or "")
        self.value_edit.setText(rupiah_text(entry.value_rp))
        select_data(self.funding_combo, entry.funding_source)
        if entry.provider_worker_id is not None:
            select_data(self.provider_combo, f"worker|{entry.provider_worker_id}")
        elif entry.provider_office_id is not None:
            select_data(self.provider_combo, f"office|{entry.provider_office_id}")
        self.location_edit.setText(entry.location or "")
        if entry.plan_activity_id is not None:
            select_data(self.activity_combo, str(entry.plan_activity_id))
        self.note_edit.setPlainText(entry.note or "")
        self.proofs.show_existing(log.list_attachments(self.ctx.db, entry.id))
        self._touched.clear()

    # --- what the form holds ---------------------------------------------------------------------------

    def selected_case(self) -> CaseDTO | None:
        data = self.case_combo.currentData()
        if not data or data == NO_CASE:
            return None
        return self.cases.get(uuid.UUID(data))

    def current_input(self) -> dict[str, Any]:
        chosen = self.picker.chosen()
        kind, code, subitem = chosen if chosen is not None else (None, None, None)
        case = self.case_combo.currentData()
        provider = self.provider_combo.currentData() or ""
        who, _bar, provider_id = provider.partition("|")
        activity = self.activity_combo.currentData()
        value_text = self.value_edit.text().strip()
        parsed = rupiah_value(value_text) if value_text else None
        date_from = self.date_from.date().toPython()
        date_until = self.date_until.date().toPython() if self.period_check.isChecked() else None
        return {
            "client_id": self.client_id,
            "case_id": uuid.UUID(case) if case and case != NO_CASE else None,
            "service_kind": kind,
            "service_code": code,
            "subitem_code": subitem,
            "date_from": date_from,
            "date_until": date_until,
            "approach": self.approach_combo.currentData(),
            "quantity": line_text(self.quantity_edit),
            "unit": self.unit_combo.currentText().strip() or None,
            "value_rp": parsed if parsed is not None else (value_text or None),
            "funding_source": self.funding_combo.currentData(),
            "provider_worker_id": uuid.UUID(provider_id) if who == "worker" else None,
            "provider_office_id": uuid.UUID(provider_id) if who == "office" else None,
            "location": line_text(self.location_edit),
            "plan_activity_id": uuid.UUID(activity) if activity else None,
            "note": self.note_edit.toPlainText().strip() or None,
        }

    # --- checking as the worker types --------------------------------------------------------------------

    def changed(self, key: str) -> None:
        self._touched.add(key)
        if key in SERVICE_KEYS:
            self._touched.update(SERVICE_KEYS)
        if key in ("date_from", "date_until"):
            self._touched.update(("date_from", "date_until"))
        if key in SERVICE_KEYS or key in ("date_from", "date_until", "case_id"):
            self._touched.add(PERMAKANAN_KEY)
        if key in ("quantity", "unit"):
            self._touched.update(("quantity", "unit"))
        self._timer.start()

    @property
    def checking(self) -> bool:
        return self._timer.isActive() or self._check_task is not None

    @Slot()
    def run_check(self) -> None:
        """Ask the engine's rule about what the form holds now (in the background; stale answers are dropped)."""
        self._timer.stop()
        if self._check_task is not None:
            self._timer.start()  # one check at a time; the next starts when this one is in
            return
        self._generation += 1
        generation = self._generation
        values = self.current_input()
        db = self.ctx.db
        replacing = self.original.id if self.original is not None else None
        task = Task(lambda _progress: (generation, log.check_entry(db, values, replacing=replacing)))
        # bound slots: Qt drops the connection if the dialog is gone before the answer comes
        task.finished.connect(self._checked)
        task.failed.connect(self._check_failed)
        self._check_task = task
        task.start()

    @Slot(object)
    def _checked(self, outcome: tuple[int, tuple[dict[str, str], list[str]]]) -> None:
        self._check_task = None
        generation, (errors, warnings) = outcome
        if generation != self._generation:
            return
        self.last_errors, self.last_warnings = dict(errors), list(warnings)
        self.problems.show(merged(errors), only=set(self._touched))
        self._show_warnings(warnings)

    @Slot(object)
    def _check_failed(self, exc: BaseException) -> None:
        self._check_task = None
        if isinstance(exc, AtensiError):
            self.problems.general.setText(exc.message)
            self.problems.general.show()

    def validate(self, data: object) -> None:
        """FormDialog asks on leaving a field; the background check already does that."""

    def check_field(self, key: str) -> None:
        self.changed(key)

    def show_problems(self, problems: Mapping[str, str]) -> None:
        super().show_problems(merged(problems))

    def problem(self, key: str) -> str:
        return self.problems.problem(SHOWN_AS.get(key, key))

    def _show_warnings(self, warnings: list[str]) -> None:
        if warnings:
            lines = "".join(f"<li>{_escape(w)}</li>" for w in warnings)
            self.warning_label.setText(
                f"<b>{_escape(tr('Perhatian (layanan tetap bisa disimpan):'))}</b>"
                f"<ul style='margin: 2px 0 0 -20px;'>{lines}</ul>")
        self.warning_box.setVisible(bool(warnings))

    # --- reactions -------------------------------------------------------------------------------------

    @Slot(bool)
    def _period_toggled(self, on: bool) -> None:
        self.date_until.setEnabled(on)
        if on and self.date_until.date() < self.date_from.date():
            self.date_until.setDate(self.date_from.date())
        self._show_days()

    @Slot()
    def _show_days(self, *_args) -> None:
        if not self.period_check.isChecked():
            self.days_label.setText("")
            return
        days = log.service_days(self.date_from.date().toPython(), self.date_until.date().toPython())
        self.days_label.setText(tr("{n} hari").format(n=days) if days > 0 else "")

    @Slot()
    def _format_value(self) -> None:
        value = rupiah_value(self.value_edit.text())
        if value is not None:
            text = rupiah_text(value)
            if text != self.value_edit.text():
                self.value_edit.setText(text)

    @Slot(int)
    def _activity_chosen(self, _index: int) -> None:
        """A plan activity with a service fills the service when none is chosen yet."""
        act = self.activities.get(self.activity_combo.currentData() or "")
        if act is None or self.picker.chosen() is not None:
            return
        if act.atensi_service:
            self.picker.choose("atensi", act.atensi_service, act.atensi_subitem)
        elif act.spm_service:
            self.picker.choose("spm", act.spm_service)

    @Slot(int)
    def _case_chosen(self, _index: int) -> None:
        case = self.selected_case()
        if case is not None and case.worker_id is not None:
            select_data(self.provider_combo, f"worker|{case.worker_id}")

    # --- saving ------------------------------------------------------------------------------------------

    def store(self, data: object) -> log.ServiceEntryDTO:
        values = dict(data)  # type: ignore[call-overload]
        if self.original is None:
            saved = log.add_entry(self.ctx.db, values)
        else:
            values.pop("client_id", None)
            saved = log.amend_entry(self.ctx.db, self.original.id, values, self.reason_edit.text())
        self.saved_entry = saved
        self._attach(saved)
        return saved

    def _attach(self, entry: log.ServiceEntryDTO) -> None:
        """Store the proofs on the saved entry; a file that fails is named afterwards (the entry stays)."""
        for proof in self.proofs.pending():
            try:
                log.add_attachment(self.ctx.db, self.ctx.paths.blobs, entry.id, proof.path, proof.kind)
            except AtensiError as exc:
                self.attachment_problems.append(f"{proof.path.name}: {exc.message}")

    def save(self) -> None:
        self._timer.stop()
        self._generation += 1  # an answer still on its way is now stale
        super().save()
        if self.result() != QDialog.DialogCode.Accepted and self.problems.general.isVisible():
            self._grow()

    def done(self, result: int) -> None:
        self._timer.stop()
        self._generation += 1
        super().done(result)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- cancel --------------------------------------------------------------------------------------------

class CancelEntryDialog(QDialog):
    """"Batalkan layanan": what is cancelled, and the reason (required); writes a "batal" entry."""

    def __init__(self, ctx: AppContext, entry: log.ServiceEntryDTO, *, client_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entry = entry
        self.saved: log.ServiceEntryDTO | None = None
        self.setObjectName("cancelEntryDialog")
        self.setWindowTitle(tr("Batalkan layanan"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.setSpacing(8)
        when = format_date_short(entry.date_from)
        if entry.date_until and entry.date_until != entry.date_from:
            when += " – " + format_date_short(entry.date_until)
        summary = tr("{service}, {when}").format(service=entry.service_label, when=when)
        if client_name:
            summary = f"{client_name}: {summary}"
        layout.addWidget(make_label(summary, "strong", wrap=True))
        layout.addWidget(make_label(tr(
            "Layanan ini tidak dihitung lagi di laporan. Catatannya tetap tersimpan bersama alasan pembatalan."),
            "muted", wrap=True))
        label = QLabel(tr("&Alasan pembatalan *"))
        layout.addWidget(label)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("cancelReason")
        self.reason_edit.setPlaceholderText(tr("mis. tercatat dua kali"))
        label.setBuddy(self.reason_edit)
        layout.addWidget(self.reason_edit)
        self.error_label = make_label("", "error", wrap=True)
        self.error_label.setObjectName("error_reason")
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("Batalkan &layanan"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("&Kembali"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason_edit.textEdited.connect(lambda _text: self.error_label.hide())
        self.ensurePolished()
        self.setMinimumSize(self.minimumSizeHint())  # explicit: the problem line appearing later changes nothing
        self.resize(QSize(560, 0).expandedTo(self.sizeHint()))
        self.reason_edit.setFocus()

    def accept(self) -> None:
        try:
            self.saved = log.cancel_entry(self.ctx.db, self.entry.id, self.reason_edit.text())
        except ValidationError as exc:
            self.error_label.setText(exc.problems.get("reason") or exc.message)
            self.error_label.show()
            self.reason_edit.setFocus()
            return
        except AtensiError as exc:
            show_error(self, exc)
            return
        super().accept()


# --- entry points ----------------------------------------------------------------------------------------

def _finished(dialog: ServiceEntryDialog, bus: ChangeBus, on_saved: Any) -> None:
    saved = dialog.saved_entry if dialog.result() == QDialog.DialogCode.Accepted else None
    problems = list(dialog.attachment_problems)
    parent = dialog.parentWidget()
    dialog.deleteLater()
    if saved is None:
        return
    bus.services_changed.emit()
    if on_saved is not None:
        on_saved(saved)
    if problems:
        show_error(parent, UserError(
            tr("Layanan tersimpan, tetapi ada bukti yang tidak bisa disimpan:") + "\n" + "\n".join(problems),
            hint=tr("Buka layanan itu, pilih “Koreksi…”, lalu tambahkan buktinya lagi.")))


def open_service_entry(parent: QWidget | None, ctx: AppContext, bus: ChangeBus, client_id: uuid.UUID,
                       case_id: uuid.UUID | None = None, *, on_saved: Any = None) -> ServiceEntryDialog | None:
    """Open "Catat layanan" for a client (window-modal, not blocking); after a save the bus says
    `services_changed` and `on_saved(entry)` is called."""
    try:
        dialog = ServiceEntryDialog(ctx, client_id, case_id, parent=parent)
    except AtensiError as exc:
        show_error(parent, exc)
        return None
    dialog.finished.connect(lambda _result, d=dialog: _finished(d, bus, on_saved))
    dialog.open()
    return dialog


def open_correction(parent: QWidget | None, ctx: AppContext, bus: ChangeBus, entry_id: uuid.UUID, *,
                    on_saved: Any = None) -> ServiceEntryDialog | None:
    """"Koreksi…": the dialog filled with the entry; saving writes a correction with its reason."""
    try:
        entry = log.get_entry(ctx.db, entry_id)
        if not entry.effective:
            raise UserError(tr("Layanan ini sudah dikoreksi atau dibatalkan."),
                            hint=tr("Koreksi catatan terbarunya, bukan yang lama."))
        dialog = ServiceEntryDialog(ctx, entry.client_id, entry.case_id, original=entry, parent=parent)
    except AtensiError as exc:
        show_error(parent, exc)
        return None
    dialog.finished.connect(lambda _result, d=dialog: _finished(d, bus, on_saved))
    dialog.open()
    return dialog


def open_cancellation(parent: QWidget | None, ctx: AppContext, bus: ChangeBus, entry_id: uuid.UUID, *,
                      client_name: str = "", on_saved: Any = None) -> CancelEntryDialog | None:
    """"Batalkan…": asks the reason, then writes the cancellation."""
    try:
        entry = log.get_entry(ctx.db, entry_id)
        if not entry.effective:
            raise UserError(tr("Layanan ini sudah dikoreksi atau dibatalkan."),
                            hint=tr("Batalkan catatan terbarunya, bukan yang lama."))
    except AtensiError as exc:
        show_error(parent, exc)
        return None
    dialog = CancelEntryDialog(ctx, entry, client_name=client_name, parent=parent)

    def finished(_result: int) -> None:
        saved = dialog.saved
        dialog.deleteLater()
        if saved is not None:
            bus.services_changed.emit()
            if on_saved is not None:
                on_saved(saved)

    dialog.finished.connect(finished)
    dialog.open()
    return dialog

