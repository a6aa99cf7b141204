"""Penyaluran bantuan: one service given to many clients at once (an ATENSI aid event, a sembako round).

Left, the event: name, service (the same picker as "Catat layanan"), date or period, quantity and value per
recipient, funding source, location, provider. Right, the recipients: found in the registry (search, Enter
adds) or pasted as a list of display ids or NIKs. Every recipient is checked with the very rule of a single
entry (`service_log.check_entry`, in the background, again whenever the event changes): a refused recipient
is listed with the reason and can be taken out ("Keluarkan yang ditolak"); a warning (outside the plan) is
shown and allowed. Saving runs `distribution.create_distribution` in the background with a progress bar and
Batal, and is all-or-nothing: if any recipient fails, nothing is written and the failures are marked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError, ValidationError
from atensi_desktop.i18n import N_, format_number
from atensi_desktop.progress import Progress
from atensi_desktop.refdata import ref_list
from atensi_desktop.services import service_log as log
from atensi_desktop.services.clients import ClientRow, client_rows
from atensi_desktop.services.distribution import DistributionRefused, DistributionResult, create_distribution
from atensi_desktop.services.office import installation_office, list_workers
from atensi_desktop.services.service_stats import ResolvedClients, resolve_clients, split_tokens
from ui.change_bus import ChangeBus
from ui.dialogs.service_entry import UNITS, ServicePicker, date_edit, merged, rupiah_text, rupiah_value
from ui.errors import show_error
from ui.i18n import tr
from ui.models.rows import ListTableModel
from ui.style import ERROR, MUTED
from ui.tasks import Task
from ui.widgets.client_search import ClientSearch
from ui.widgets.common import make_label
from ui.widgets.form_fields import FieldProblems, confirm_discard, form_layout, line_text

CHECK_DELAY_MS = 400
WARNING_INK = QColor("#8a5300")
OK_INK = QColor("#2e7d32")
UNCHECKED, OK, WARNED, REFUSED = "unchecked", "ok", "warned", "refused"
EVENT_KEYS = ("title", "service_code", "date_from", "date_until", "quantity", "unit", "value_rp",
              "funding_source", "location", "provider_worker_id")


@dataclass(frozen=True)
class Recipient:
    client: ClientRow
    status: str = UNCHECKED
    message: str = ""


class RecipientModel(ListTableModel[Recipient]):
    """No, name (id), NIK, desa, and the rule's verdict for each recipient."""

    HEADERS = (N_("No"), N_("Penerima"), N_("Pemeriksaan"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([tr(h) for h in self.HEADERS], parent)

    @property
    def recipients(self) -> list[Recipient]:
        return self._rows

    def ids(self) -> list[uuid.UUID]:
        return [r.client.id for r in self._rows]

    def add(self, rows: list[ClientRow]) -> int:
        """Append the clients not listed yet; returns how many were added."""
        have = set(self.ids())
        new: list[Recipient] = []
        for row in rows:
            if row.id not in have:
                have.add(row.id)
                new.append(Recipient(row))
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._rows.extend(new)
            self.endInsertRows()
        return len(new)

    def remove_rows(self, rows: list[int]) -> None:
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self._rows):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()

    def set_verdicts(self, verdicts: dict[uuid.UUID, tuple[str, str]], *, reset_others: bool = False) -> None:
        for i, rec in enumerate(self._rows):
            verdict = verdicts.get(rec.client.id)
            if verdict is None and not reset_others:
                continue
            status, message = verdict or (UNCHECKED, "")
            self._rows[i] = replace(rec, status=status, message=message)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self._headers) - 1))

    def count(self, status: str) -> int:
        return sum(1 for r in self._rows if r.status == status)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        rec = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return str(index.row() + 1) if role == Qt.ItemDataRole.DisplayRole else None
            if column == 1:
                text = f"{rec.client.name} ({rec.client.display_id})"
                if role == Qt.ItemDataRole.ToolTipRole:
                    text = "\n".join(p for p in (text, recipient_facts(rec.client)) if p)
                return text
            if column == 2:
                return self._verdict(rec)
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            return {REFUSED: QColor(ERROR), WARNED: WARNING_INK, OK: OK_INK, UNCHECKED: QColor(MUTED)}[rec.status]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _verdict(rec: Recipient) -> str:
        return verdict_text(rec)


def recipient_facts(row: ClientRow) -> str:
    """'NIK 630601********** · Padang Batung'."""
    parts = [tr("NIK {nik}").format(nik=row.nik_masked) if row.nik_masked else tr("tanpa NIK")]
    if row.wilayah_name:
        parts.append(row.wilayah_name)
    return " · ".join(parts)


def verdict_text(rec: Recipient) -> str:
    """'Ditolak: <reason>', 'Perhatian: <warning>', 'Lolos' or 'Diperiksa…'."""
    if rec.status == REFUSED:
        return tr("Ditolak: {reason}").format(reason=rec.message)
    if rec.status == WARNED:
        return tr("Perhatian: {reason}").format(reason=rec.message)
    if rec.status == OK:
        return tr("Lolos")
    return tr("Diperiksa…")


class PasteDialog(QDialog):
    """"Tempel daftar": display ids or NIKs, one a line (or separated by commas or spaces)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pasteDialog")
        self.setWindowTitle(tr("Tempel daftar penerima"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.addWidget(make_label(tr(
            "Tempel ID klien (mis. DSHSS-7K2M9Q) atau NIK, satu per baris, dari daftar usulan atau lembar Excel."),
            "muted", wrap=True))
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("pasteEdit")
        self.edit.setAccessibleName(tr("Daftar ID klien atau NIK"))
        self.edit.setTabChangesFocus(True)
        layout.addWidget(self.edit, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("&Tambahkan"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("&Batal"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumSize(self.minimumSizeHint())
        self.resize(QSize(520, 420))
        self.edit.setFocus()

    def tokens(self) -> list[str]:
        return split_tokens(self.edit.toPlainText())


class DistributionDialog(QDialog):
    """The event on the left, the recipients on the right; see the module docstring."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("distributionDialog")
        self.setWindowTitle(tr("Penyaluran bantuan"))
        self.setModal(True)
        self.result_value: DistributionResult | None = None
        self._check_task: Task | None = None
        self._save_task: Task | None = None
        self._resolve_task: Task | None = None
        self._generation = 0
        self._touched: set[str] = set()
        self.event_errors: dict[str, str] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 14)
        outer.setSpacing(10)
        outer.addWidget(make_label(tr(
            "Satu layanan untuk banyak klien sekaligus. Setiap penerima diperiksa dengan aturan yang sama seperti "
            "pencatatan satu layanan; penyaluran hanya disimpan bila semua penerima lolos."), "muted", wrap=True))
        self.general_error = make_label("", "error", wrap=True)
        self.general_error.setObjectName("generalError")
        self.general_error.hide()
        outer.addWidget(self.general_error)
        self.problems = FieldProblems(self.general_error)
        columns = QHBoxLayout()
        columns.setSpacing(14)
        columns.addWidget(self._event_box(), 4)
        columns.addWidget(self._recipient_box(), 6)
        outer.addLayout(columns, 1)
        busy = QHBoxLayout()
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("saveProgress")
        self.progress_label = make_label("", "muted")
        self.cancel_task_button = QPushButton(tr("B&atal"))
        self.cancel_task_button.setObjectName("cancelSave")
        self.cancel_task_button.setToolTip(tr("Hentikan penyimpanan; tidak ada yang dicatat"))
        self.cancel_task_button.clicked.connect(self.cancel_save)
        busy.addWidget(self.progress_label)
        busy.addWidget(self.progress_bar, 1)
        busy.addWidget(self.cancel_task_button)
        self.busy_row = QWidget()
        self.busy_row.setLayout(busy)
        busy.setContentsMargins(0, 0, 0, 0)
        self.busy_row.hide()
        outer.addWidget(self.busy_row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(tr("&Simpan penyaluran"))
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.close_button.setText(tr("T&utup"))
        # no default button: Enter adds a recipient or picks a service here, it never saves the whole list
        for button in (self.save_button, self.close_button):
            button.setDefault(False)
            button.setAutoDefault(False)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHECK_DELAY_MS)
        self._timer.timeout.connect(self.run_check)
        self._wire()
        self.ensurePolished()
        self.setMinimumSize(self.minimumSizeHint())  # explicit: problem lines appearing later change nothing
        self.resize(QSize(1220, 700).boundedTo(QSize(1366 - 40, 768 - 60)))
        self._update_summary()
        self.title_edit.setFocus()

    # --- the event -------------------------------------------------------------------------------------

    def _event_box(self) -> QWidget:
        box = QGroupBox(tr("Rincian penyaluran"))
        column = QVBoxLayout(box)
        column.setSpacing(6)
        form_widget = QWidget()
        form = form_layout(form_widget)
        form.setContentsMargins(0, 0, 0, 0)
        p = self.problems
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("title")
        self.title_edit.setPlaceholderText(tr("mis. Bantuan sembako lansia tunggal, Mei 2026"))
        p.add_row(form, tr("&Nama penyaluran *"), "title", self.title_edit)
        column.addWidget(form_widget)
        service_label = QLabel(tr("&Layanan *"))
        column.addWidget(service_label)
        self.picker = ServicePicker()
        self.picker.tree.setMinimumHeight(110)
        service_label.setBuddy(self.picker.search_edit)
        column.addWidget(self.picker, 1)
        self.service_error = make_label("", "error", wrap=True)
        self.service_error.setObjectName("error_service_code")
        self.service_error.hide()
        column.addWidget(self.service_error)
        p.errors["service_code"] = self.service_error
        p.fields["service_code"] = self.picker.tree
        self.picker.tree.setProperty("invalid", False)

        rest = QWidget()
        form2 = form_layout(rest)
        form2.setContentsMargins(0, 0, 0, 0)
        self.date_from = date_edit("dateFrom")
        self.period_check = QCheckBox(tr("sampai"))
        self.period_check.setObjectName("periodCheck")
        self.date_until = date_edit("dateUntil")
        self.date_until.setEnabled(False)
        self.date_until.setAccessibleName(tr("Tanggal selesai"))
        when = QWidget()
        when_row = QHBoxLayout(when)
        when_row.setContentsMargins(0, 0, 0, 0)
        when_row.addWidget(self.date_from)
        when_row.addWidget(self.period_check)
        when_row.addWidget(self.date_until)
        when_row.addStretch(1)
        when_cell = p.add_row(form2, tr("&Tanggal *"), "date_from", when, focus=self.date_from)
        self.problems.add_line(when_cell, "date_until", self.date_until)
        self.quantity_edit = QLineEdit()
        self.quantity_edit.setObjectName("quantity")
        self.quantity_edit.setPlaceholderText(tr("mis. 1"))
        self.quantity_edit.setMaximumWidth(90)
        self.unit_combo = QComboBox()
        self.unit_combo.setObjectName("unit")
        self.unit_combo.setEditable(True)
        self.unit_combo.addItem("")
        self.unit_combo.addItems(list(UNITS))
        self.unit_combo.setAccessibleName(tr("Satuan"))
        self.unit_combo.lineEdit().setPlaceholderText(tr("satuan"))
        amount = QWidget()
        amount_row = QHBoxLayout(amount)
        amount_row.setContentsMargins(0, 0, 0, 0)
        amount_row.addWidget(self.quantity_edit)
        amount_row.addWidget(self.unit_combo, 1)
        amount_cell = p.add_row(form2, tr("&Jumlah per penerima"), "quantity", amount, focus=self.quantity_edit)
        self.problems.add_line(amount_cell, "unit", self.unit_combo)
        self.value_edit = QLineEdit()
        self.value_edit.setObjectName("valueRp")
        self.value_edit.setPlaceholderText(tr("mis. 300.000"))
        self.value_edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.value_edit.setMaximumWidth(180)
        p.add_row(form2, tr("Nila&i per penerima (Rp)"), "value_rp", self.value_edit)
        self.funding_combo = QComboBox()
        self.funding_combo.setObjectName("fundingCombo")
        self.funding_combo.addItem(tr("(belum diisi)"), None)
        for item in ref_list("funding_sources").items:
            self.funding_combo.addItem(item.label, item.code)
        p.add_row(form2, tr("Sumber &dana"), "funding_source", self.funding_combo)
        self.location_edit = QLineEdit()
        self.location_edit.setObjectName("location")
        self.location_edit.setMaxLength(log.LOCATION_MAX)
        self.location_edit.setPlaceholderText(tr("mis. Balai Desa Padang Batung"))
        p.add_row(form2, tr("L&okasi"), "location", self.location_edit)
        self.provider_combo = QComboBox()
        self.provider_combo.setObjectName("providerCombo")
        self.provider_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.provider_combo.setMinimumContentsLength(24)
        office = installation_office(self.ctx.db)
        self.provider_combo.addItem(tr("Kantor: {name}").format(name=office.name) if office else tr("(kantor ini)"),
                                    f"office|{office.id}" if office else None)
        for worker_id, name, type_label in list_workers(self.ctx.db):
            self.provider_combo.addItem(f"{name} — {type_label}", f"worker|{worker_id}")
        p.add_row(form2, tr("Pemberi la&yanan"), "provider_worker_id", self.provider_combo)
        column.addWidget(rest)
        return box

    def _recipient_box(self) -> QWidget:
        box = QGroupBox(tr("Penerima"))
        column = QVBoxLayout(box)
        column.setSpacing(6)
        find_row = QHBoxLayout()
        find_label = QLabel(tr("&Cari klien"))
        find_row.addWidget(find_label)
        find_row.addStretch(1)
        self.paste_button = QPushButton(tr("Tem&pel daftar…"))
        self.paste_button.setObjectName("pasteButton")
        self.paste_button.setAutoDefault(False)
        self.paste_button.setToolTip(tr("Tambahkan banyak penerima sekaligus dari daftar ID klien atau NIK"))
        self.paste_button.clicked.connect(self.open_paste)
        find_row.addWidget(self.paste_button)
        column.addLayout(find_row)
        self.search = ClientSearch(self.ctx, placeholder=tr("Ketik nama, NIK atau ID klien, lalu Enter untuk "
                                                            "menambahkan…"))
        find_label.setBuddy(self.search.search_edit)
        self.search.results.setMaximumHeight(self.search.results.fontMetrics().height() * 3 + 12)
        column.addWidget(self.search)
        self.model = RecipientModel(self)
        self.table = QTableView()
        self.table.setObjectName("recipientTable")
        self.table.setAccessibleName(tr("Daftar penerima"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        metrics = self.table.fontMetrics()
        for col, sample in enumerate(("000", "Muhammad Rahman H (DSHSS-WWWWWW)")):
            header.resizeSection(col, metrics.horizontalAdvance(sample) + 20)
        header.setStretchLastSection(True)
        column.addWidget(self.table, 1)
        self.detail_label = make_label("", wrap=True, selectable=True)
        self.detail_label.setObjectName("recipientDetail")
        self.detail_label.setMinimumHeight(self.detail_label.fontMetrics().lineSpacing() * 5)
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        column.addWidget(self.detail_label)
        actions = QHBoxLayout()
        self.summary_label = make_label("", "muted", wrap=True)
        self.summary_label.setObjectName("recipientSummary")
        actions.addWidget(self.summary_label, 1)
        self.remove_button = QPushButton(tr("&Keluarkan"))
        self.remove_button.setObjectName("removeRecipient")
        self.remove_button.setAutoDefault(False)
        self.remove_button.setToolTip(tr("Keluarkan penerima yang dipilih dari daftar (Delete)"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_refused_button = QPushButton(tr("Keluarkan yan&g ditolak"))
        self.remove_refused_button.setObjectName("removeRefused")
        self.remove_refused_button.setAutoDefault(False)
        self.remove_refused_button.clicked.connect(self.remove_refused)
        actions.addWidget(self.remove_button)
        actions.addWidget(self.remove_refused_button)
        column.addLayout(actions)
        self.recipients_error = make_label("", "error", wrap=True)
        self.recipients_error.setObjectName("error_recipients")
        self.recipients_error.hide()
        column.addWidget(self.recipients_error)
        self.problems.errors["recipients"] = self.recipients_error
        self.problems.fields["recipients"] = self.table
        self.table.setProperty("invalid", False)
        self.notice_label = make_label("", "muted", wrap=True)
        self.notice_label.setObjectName("recipientNotice")
        self.notice_label.hide()
        column.addWidget(self.notice_label)
        delete = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table, self.remove_selected)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        return box

    def _wire(self) -> None:
        changes = [
            ("title", self.title_edit.textChanged), ("service_code", self.picker.tree.currentItemChanged),
            ("date_from", self.date_from.dateChanged), ("date_until", self.date_until.dateChanged),
            ("date_until", self.period_check.toggled), ("quantity", self.quantity_edit.textChanged),
            ("unit", self.unit_combo.currentTextChanged), ("value_rp", self.value_edit.textChanged),
            ("funding_source", self.funding_combo.currentIndexChanged),
            ("location", self.location_edit.textChanged),
            ("provider_worker_id", self.provider_combo.currentIndexChanged),
        ]
        for key, signal in changes:
            signal.connect(lambda *_args, k=key: self.event_changed(k))
        self.period_check.toggled.connect(self._period_toggled)
        self.value_edit.editingFinished.connect(self._format_value)
        self.search.chosen.connect(self._client_chosen)
        self.picker.confirmed.connect(lambda: self.date_from.setFocus(Qt.FocusReason.TabFocusReason))
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_summary())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._show_detail())
        self.model.dataChanged.connect(lambda *_a: self._show_detail())

    # --- values ----------------------------------------------------------------------------------------

    def event_values(self) -> dict[str, Any]:
        """The distribution's shared values (SHARED_FIELDS plus the title)."""
        chosen = self.picker.chosen()
        kind, code, subitem = chosen if chosen is not None else (None, None, None)
        provider = self.provider_combo.currentData() or ""
        who, _bar, provider_id = provider.partition("|")
        value_text = self.value_edit.text().strip()
        parsed = rupiah_value(value_text) if value_text else None
        return {
            "title": self.title_edit.text().strip(),
            "service_kind": kind, "service_code": code, "subitem_code": subitem,
            "date_from": self.date_from.date().toPython(),
            "date_until": self.date_until.date().toPython() if self.period_check.isChecked() else None,
            "quantity": line_text(self.quantity_edit),
            "unit": self.unit_combo.currentText().strip() or None,
            "value_rp": parsed if parsed is not None else (value_text or None),
            "funding_source": self.funding_combo.currentData(),
            "location": line_text(self.location_edit),
            "provider_worker_id": uuid.UUID(provider_id) if who == "worker" else None,
            "provider_office_id": uuid.UUID(provider_id) if who == "office" else None,
        }

    @property
    def dirty(self) -> bool:
        v = self.event_values()
        return bool(self.model.rowCount() or v["title"] or v["service_code"] or v["quantity"] or v["value_rp"]
                    or v["location"])

    # --- checking --------------------------------------------------------------------------------------

    def event_changed(self, key: str) -> None:
        self._touched.add(key)
        if key in ("service_kind", "service_code", "subitem_code"):
            self._touched.update(("service_kind", "service_code", "subitem_code"))
        if key in ("quantity", "unit"):
            self._touched.update(("quantity", "unit"))
        self.model.set_verdicts({}, reset_others=True)  # every recipient is judged again
        self._schedule_check()

    def _schedule_check(self) -> None:
        self._generation += 1
        self._timer.start()
        self._update_summary()

    @property
    def checking(self) -> bool:
        return self._timer.isActive() or self._check_task is not None or self._resolve_task is not None

    @Slot()
    def run_check(self) -> None:
        """Judge the event (its own fields) and every recipient not judged yet, in the background."""
        self._timer.stop()
        if self._check_task is not None:
            self._timer.start()
            return
        generation = self._generation
        shared = {k: v for k, v in self.event_values().items() if k != "title"}
        pending = [r.client.id for r in self.model.recipients if r.status == UNCHECKED]
        db = self.ctx.db

        def work(progress: Progress) -> tuple[int, dict[str, str], dict[uuid.UUID, tuple[str, str]]]:
            errors, _warnings = log.check_entry(db, {**shared, "client_id": None})
            event = {k: m for k, m in errors.items() if k not in log.RECIPIENT_FIELDS}
            verdicts: dict[uuid.UUID, tuple[str, str]] = {}
            if event:  # the event itself is incomplete: recipients cannot be judged yet
                return generation, event, verdicts
            progress.start(len(pending))
            for client_id in pending:
                progress.step()
                errs, warns = log.check_entry(db, {**shared, "client_id": client_id})
                own = {k: m for k, m in errs.items() if k in log.RECIPIENT_FIELDS}
                if own:
                    verdicts[client_id] = (REFUSED, " ".join(own.values()))
                elif errs:  # an event-level problem only this recipient's data revealed
                    verdicts[client_id] = (REFUSED, " ".join(errs.values()))
                elif warns:
                    verdicts[client_id] = (WARNED, " ".join(warns))
                else:
                    verdicts[client_id] = (OK, "")
            return generation, event, verdicts

        task = Task(work, every=25)
        # bound slots: Qt drops the connections if the dialog is gone before the answer comes
        task.finished.connect(self._checked)
        task.failed.connect(self._check_failed)
        task.progressed.connect(self._show_check_progress)
        self._check_task = task
        task.start()

    @Slot(object)
    def _checked(self, outcome: tuple[int, dict[str, str], dict]) -> None:
        self._check_task = None
        generation, event, verdicts = outcome
        if generation != self._generation:
            if not self.saving:
                self._timer.start()  # things changed meanwhile: judge again
            return
        self.event_errors = event
        self.problems.show(merged(event), only=set(self._touched))
        self.model.set_verdicts(verdicts)
        self._update_summary()

    @Slot(object)
    def _check_failed(self, exc: BaseException) -> None:
        self._check_task = None
        if isinstance(exc, AtensiError):
            self.general_error.setText(exc.message)
            self.general_error.show()
        else:
            show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    @Slot(int, int, str)
    def _show_check_progress(self, done: int, total: int, _message: str = "") -> None:
        if total:
            self.summary_label.setText(tr("Memeriksa penerima {done} dari {total}…").format(
                done=format_number(done), total=format_number(total)))

    def _update_summary(self) -> None:
        total = self.model.rowCount()
        refused, warned = self.model.count(REFUSED), self.model.count(WARNED)
        if not total:
            text = tr("Belum ada penerima. Cari klien lalu Enter, atau tempel daftar ID klien/NIK.")
        else:
            parts = [tr("{n} penerima").format(n=format_number(total))]
            if refused:
                parts.append(tr("{n} ditolak").format(n=format_number(refused)))
            if warned:
                parts.append(tr("{n} dengan catatan").format(n=format_number(warned)))
            if self.model.count(UNCHECKED):
                parts.append(tr("sedang diperiksa…") if not self.event_errors else tr("lengkapi rincian dulu"))
            text = " · ".join(parts)
        self.summary_label.setText(text)
        self.remove_refused_button.setEnabled(refused > 0)
        self.remove_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def _show_detail(self) -> None:
        """The chosen recipient's verdict in full (the table elides it)."""
        index = self.table.currentIndex()
        recs = self.model.recipients
        if not index.isValid() or not 0 <= index.row() < len(recs):
            self.detail_label.setText("")
            return
        rec = recs[index.row()]
        color = {REFUSED: ERROR, WARNED: WARNING_INK.name()}.get(rec.status)
        head = f"<b>{_escape(rec.client.name)}</b> ({_escape(recipient_facts(rec.client))}): "
        body = _escape(verdict_text(rec))
        self.detail_label.setText(head + (f"<span style='color:{color}'>{body}</span>" if color else body))

    # --- adding and removing ---------------------------------------------------------------------------

    @Slot(object)
    def _client_chosen(self, row: ClientRow) -> None:
        added = self.model.add([row])
        self.notice(tr("{name} ditambahkan.").format(name=row.name) if added
                    else tr("{name} sudah ada di daftar.").format(name=row.name))
        if added:
            self.problems.clear("recipients")
            self.search.exclude.add(row.id)
        self.search.search_edit.selectAll()
        self.search.search_edit.setFocus()
        self._schedule_check()

    def add_clients(self, ids: list[uuid.UUID]) -> int:
        rows = client_rows(self.ctx.db, ids)
        added = self.model.add(rows)
        self.search.exclude.update(r.id for r in rows)
        if added:
            self.problems.clear("recipients")
            self._schedule_check()
        return added

    @Slot()
    def open_paste(self) -> None:
        dialog = PasteDialog(self)
        dialog.finished.connect(lambda result, d=dialog: self._pasted(d, result))
        dialog.open()
        self.paste_dialog = dialog

    def _pasted(self, dialog: PasteDialog, result: int) -> None:
        tokens = dialog.tokens() if result else []
        dialog.deleteLater()
        self.paste_dialog = None
        if tokens:
            self.paste(tokens)

    def paste(self, tokens: list[str]) -> Task:
        """Resolve pasted display ids / NIKs in the background, then add the clients found."""
        db = self.ctx.db
        task = Task(lambda _progress: resolve_clients(db, tokens))
        task.finished.connect(self._resolved)
        task.failed.connect(self._resolve_failed)
        self._resolve_task = task
        self.notice(tr("Mencari {n} ID/NIK…").format(n=format_number(len(tokens))))
        return task.start()

    @Slot(object)
    def _resolve_failed(self, exc: BaseException) -> None:
        self._resolve_task = None
        self.notice("")
        show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    @Slot(object)
    def _resolved(self, found: ResolvedClients) -> None:
        self._resolve_task = None
        added = self.add_clients([cid for _token, cid in found.found])
        lines = [tr("{n} penerima ditambahkan dari daftar.").format(n=format_number(added))]
        if found.missing:
            lines.append(tr("Tidak ditemukan: {list}.").format(list=", ".join(found.missing)))
        if found.ambiguous:
            lines.append(tr("Dipakai lebih dari satu klien (cari dengan nama): {list}.").format(
                list=", ".join(f"{token} ({n})" for token, n in found.ambiguous)))
        if found.invalid:
            lines.append(tr("Bukan ID klien atau NIK: {list}.").format(list=", ".join(found.invalid)))
        self.notice(" ".join(lines))

    @Slot()
    def remove_selected(self) -> None:
        rows = [index.row() for index in self.table.selectionModel().selectedRows()]
        self._remove(rows)

    @Slot()
    def remove_refused(self) -> None:
        self._remove([i for i, r in enumerate(self.model.recipients) if r.status == REFUSED])

    def _remove(self, rows: list[int]) -> None:
        if not rows:
            return
        gone = [self.model.recipients[r].client.id for r in rows if 0 <= r < self.model.rowCount()]
        self.model.remove_rows(rows)
        self.search.exclude.difference_update(gone)
        self.notice(tr("{n} penerima dikeluarkan dari daftar.").format(n=format_number(len(gone))))
        self._update_summary()

    def notice(self, text: str) -> None:
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    # --- small reactions -------------------------------------------------------------------------------

    @Slot(bool)
    def _period_toggled(self, on: bool) -> None:
        self.date_until.setEnabled(on)
        if on and self.date_until.date() < self.date_from.date():
            self.date_until.setDate(self.date_from.date())

    @Slot()
    def _format_value(self) -> None:
        value = rupiah_value(self.value_edit.text())
        if value is not None and rupiah_text(value) != self.value_edit.text():
            self.value_edit.setText(rupiah_text(value))

    # --- saving ----------------------------------------------------------------------------------------

    @property
    def saving(self) -> bool:
        return self._save_task is not None

    @Slot()
    def save(self) -> Task | None:
        """Save in the background, all or nothing; refusals are marked on the recipients."""
        if self._save_task is not None:
            return None
        self._timer.stop()
        self._generation += 1
        self._touched.update(EVENT_KEYS)
        self._touched.update(("service_kind", "subitem_code", "provider_office_id", "recipients"))
        values, ids = self.event_values(), self.model.ids()
        db = self.ctx.db
        task = Task(lambda progress: create_distribution(db, values, ids, progress=progress), every=50)
        task.progressed.connect(self._save_progressed)
        task.finished.connect(self._saved)
        task.failed.connect(self._save_failed)
        task.cancelled.connect(self._save_cancelled)
        self._save_task = task
        self._set_busy(True)
        return task.start()

    @Slot()
    def cancel_save(self) -> None:
        if self._save_task is not None:
            self._save_task.cancel()
            self.cancel_task_button.setEnabled(False)
            self.progress_label.setText(tr("Membatalkan…"))

    def _set_busy(self, busy: bool) -> None:
        self.busy_row.setVisible(busy)
        self.cancel_task_button.setEnabled(busy)
        for widget in (self.save_button, self.close_button, self.paste_button, self.remove_button,
                       self.remove_refused_button):
            widget.setEnabled(not busy)
        if busy:
            self.progress_bar.setRange(0, 0)
            self.progress_label.setText(tr("Memeriksa penerima…"))
            self.cancel_task_button.setFocus()
        else:
            self._update_summary()

    @Slot(int, int, str)
    def _save_progressed(self, done: int, total: int, message: str) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(min(done, max(total, 1)))
        if message:
            self.progress_label.setText(message)

    @Slot(object)
    def _saved(self, result: DistributionResult) -> None:
        self._save_task = None
        self._set_busy(False)
        self.result_value = result
        self.accept()

    @Slot(object)
    def _save_failed(self, exc: BaseException) -> None:
        self._save_task = None
        self._set_busy(False)
        if isinstance(exc, DistributionRefused):
            verdicts = {p.client_id: (REFUSED, p.message) for p in exc.problems}
            self.model.set_verdicts(verdicts)
            self._update_summary()
            self.general_error.setText(tr(
                "{n} penerima ditolak, jadi penyaluran belum disimpan. Keluarkan mereka dari daftar (atau perbaiki "
                "datanya), lalu simpan lagi.").format(n=format_number(len(exc.problems))))
            self.general_error.show()
            first = next((i for i, r in enumerate(self.model.recipients) if r.status == REFUSED), None)
            if first is not None:
                self.table.selectRow(first)
                self.table.scrollTo(self.model.index(first, 0))
            self.remove_refused_button.setFocus()
        elif isinstance(exc, ValidationError):
            self.problems.show(merged(exc.problems))
            self.event_errors = {k: m for k, m in exc.problems.items() if k != "recipients"}
        elif isinstance(exc, AtensiError):
            show_error(self, exc)
        else:
            show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    @Slot()
    def _save_cancelled(self) -> None:
        self._save_task = None
        self._set_busy(False)
        self.notice(tr("Penyimpanan dibatalkan; tidak ada yang dicatat."))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.save_button.setDefault(False)  # the button box makes Save the default on show; Enter must not save

    def reject(self) -> None:
        if self._save_task is not None:
            self.cancel_save()
            return
        if self.dirty and not confirm_discard(self, text=tr("Rincian dan daftar penerima belum disimpan dan akan "
                                                             "hilang.")):
            return
        super().reject()

    def done(self, result: int) -> None:
        self._timer.stop()
        self._generation += 1
        super().done(result)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def open_distribution(parent: QWidget | None, ctx: AppContext, bus: ChangeBus, *,
                      on_saved: Any = None) -> DistributionDialog:
    """Open the bulk distribution dialog (window-modal, not blocking); after a save the bus says
    `services_changed` and `on_saved(result)` is called."""
    dialog = DistributionDialog(ctx, parent)

    def finished(_result: int) -> None:
        result = dialog.result_value
        dialog.deleteLater()
        if result is not None:
            bus.services_changed.emit()
            if on_saved is not None:
                on_saved(result)

    dialog.finished.connect(finished)
    dialog.open()
    return dialog

