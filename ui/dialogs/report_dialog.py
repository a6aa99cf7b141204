"""Asks what a report needs before it is built: its subject (a case, client, referral, period or distribution),
the paper (A4 / F4) and the redaction level; returns a ReportRequest."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QDate, Qt, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.i18n import N_, format_date_short, format_number
from atensi_desktop.reports.text import MONTHS
from atensi_desktop.services.cases import CaseDTO, list_cases
from atensi_desktop.services.clients import ClientRow
from ui.i18n import tr
from ui.widgets.client_search import ClientSearch, client_line
from ui.widgets.common import make_label

PAPER_CHOICES = (("A4", N_("A4 (210 × 297 mm)")), ("F4", N_("F4 / Folio (215 × 330 mm)")))
REDACTION_CHOICES = (
    ("lengkap", N_("&Lengkap — untuk internal kantor"),
     N_("Semua data seperti yang tercatat, termasuk NIK lengkap.")),
    ("mitra", N_("Untuk &mitra rujukan"),
     N_("NIK hanya 6 angka pertama; rincian kesehatan dan pidana tidak dicetak, kecuali dicentang.")),
    ("statistik", N_("S&tatistik — tanpa nama"), N_("Tanpa nama dan NIK; orang ditulis sebagai Klien 1, Klien 2, …")),
)
DEFAULT_REDACTION = {"rujukan": "mitra"}  # a letter for a partner starts redacted
DIALOG_WIDTH = 700
SUBJECT_NEEDS = ("case", "client", "referral", "period", "distribution", "list")
ALL_CLIENTS_SLUG = "semua"
FILTERED_SLUG = "tersaring"
SEARCH_DIALOG_HEIGHT = 640  # fits a 1366 × 768 screen with its task bar


@dataclass(frozen=True)
class ReportRequest:
    """What the user chose; `context_values()` are the keyword arguments of reports.document.make_context."""

    kind: str
    paper: str = "A4"
    redaction: str = "lengkap"
    show_sensitive: bool = False
    case_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    distribution_id: uuid.UUID | None = None
    referral_id: uuid.UUID | None = None
    period: tuple[dt.date, dt.date] | None = None
    year: int | None = None
    subject_label: str = ""  # "DSHSS-7K2M9Q", "Tahun 2026", "Maret 2026", …
    subject_slug: str = ""  # the same for a file name
    extra: dict[str, Any] = field(default_factory=dict)

    def context_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {"paper": self.paper, "redaction": self.redaction,
                                  "show_sensitive": self.show_sensitive and self.redaction == "mitra"}
        for name in ("case_id", "client_id", "distribution_id", "referral_id", "period", "year"):
            value = getattr(self, name)
            if value is not None:
                values[name] = value
        values.update(self.extra)
        return values


def slug(text: str) -> str:
    """A file-name-safe form: letters, digits and hyphens ("Maret 2026" → "Maret-2026")."""
    return re.sub(r"[^0-9A-Za-z]+", "-", text).strip("-")


def case_line(case: CaseDTO) -> str:
    """'DSHSS-4F7Q2A · Asesmen · dibuka 05-03-2026' (· ditutup … when closed)."""
    parts = [case.display_id, case.stage_label, tr("dibuka {date}").format(date=format_date_short(case.opened_on))]
    if case.closed_on:
        parts.append(tr("ditutup {date}").format(date=format_date_short(case.closed_on)))
    return " · ".join(parts)


def previous_month(today: dt.date) -> tuple[dt.date, dt.date]:
    first_this = today.replace(day=1)
    last_previous = first_this - dt.timedelta(days=1)
    return last_previous.replace(day=1), last_previous


def month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


class ReportDialog(QDialog):
    """One dialog for every kind: the subject part follows `needs` of the kind; `request` after accept."""

    def __init__(self, ctx: AppContext, *, kind: str, title: str, needs: str, explanation: str = "",
                 paper: str = "A4", today: dt.date | None = None, client_id: uuid.UUID | None = None,
                 filters: Any = None, parent: QWidget | None = None) -> None:
        """`filters` (a services.clients.ClientQuery, for needs "list"): the Klien screen's filters; the list
        is then printed with them and the dialog says which they are, else it offers all clients or a period."""
        super().__init__(parent)
        self.setObjectName("reportDialog")
        self.setWindowTitle(tr("Buat laporan: {title}").format(title=title))
        self.ctx = ctx
        self.kind = kind
        self.needs = needs
        self.today = today or dt.date.today()
        self.request: ReportRequest | None = None
        self.client: ClientRow | None = None
        self._cases: list[CaseDTO] = []
        self._referrals: list = []
        self.filters = filters
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.setSpacing(10)
        heading = make_label(title, "subtitle", wrap=True)
        layout.addWidget(heading)
        if explanation:
            layout.addWidget(make_label(explanation, "muted", wrap=True))

        self.subject_box = QGroupBox(self._subject_heading())
        self.subject_box.setObjectName("subjectBox")
        self.subject_layout = QVBoxLayout(self.subject_box)
        self.subject_layout.setSpacing(6)
        self._build_subject()
        layout.addWidget(self.subject_box, 1 if needs in ("case", "client", "referral") else 0)
        self.subject_box.setVisible(needs in SUBJECT_NEEDS)  # a kind needing nothing chosen here has no box

        options = QHBoxLayout()
        options.setSpacing(12)
        options.addWidget(self._paper_box(paper), 0)
        options.addWidget(self._redaction_box(DEFAULT_REDACTION.get(kind, "lengkap")), 1)
        layout.addLayout(options)

        self.error_label = make_label("", "muted", wrap=True)
        self.error_label.setObjectName("reportDialogError")
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("Buat &laporan"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("&Batal"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if client_id is not None and needs in ("case", "client", "referral"):
            self._preset_client(client_id)
        self._update_ok()
        if needs in ("case", "client", "referral"):
            self.search.search_edit.setFocus()
        if needs in ("case", "client", "referral"):
            self.resize(DIALOG_WIDTH, SEARCH_DIALOG_HEIGHT)  # the result list takes what is left
        else:  # as tall as the wrapped explanations need
            needed = layout.totalHeightForWidth(DIALOG_WIDTH) if layout.hasHeightForWidth() else -1
            self.resize(DIALOG_WIDTH, max(needed, self.sizeHint().height()))

    # --- subject -----------------------------------------------------------------------------------------

    def _subject_heading(self) -> str:
        return {"case": tr("Kasus"), "client": tr("Klien"), "referral": tr("Rujukan"),
                "period": tr("Periode"), "distribution": tr("Penyaluran bantuan"),
                "list": tr("Klien yang dicetak")}.get(self.needs, tr("Untuk"))

    def _build_subject(self) -> None:
        if self.needs in ("case", "client", "referral"):
            self._build_client_search()
        if self.needs == "case":
            self._build_case_combo()
        if self.needs == "referral":
            self._build_referral_combo()
        elif self.needs == "period":
            self._build_period()
        elif self.needs == "distribution":
            self._build_distribution()
        elif self.needs == "list":
            self._build_list()

    def _build_list(self) -> None:
        """With the Klien screen's filters: says them. Without: every client, or those registered in a period."""
        if self.filters is not None:
            self.filters_label = make_label(self._filters_text(), "", wrap=True)
            self.filters_label.setObjectName("listFilters")
            self.filters_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.subject_layout.addWidget(self.filters_label)
            return
        self._build_period()

    def _filter_rows(self) -> list[tuple[str, str]]:
        from atensi_desktop.reports.aggregates import filter_rows

        try:
            return filter_rows(self.ctx.db, self.filters)
        except AtensiError:
            return []

    def _filters_text(self) -> str:
        rows = self._filter_rows()
        if not rows:
            return tr("Semua klien yang tidak diarsipkan, seperti daftar di layar Klien (tanpa saringan).")
        lines = [tr("Seperti daftar di layar Klien, dengan saringan:")]
        lines += [f"• {label}: {value}" for label, value in rows]
        return "\n".join(lines)

    def _build_client_search(self) -> None:
        label = QLabel(tr("&Cari klien"))
        self.subject_layout.addWidget(label)
        self.search = ClientSearch(self.ctx)
        self.search.results.setMinimumHeight(96)
        label.setBuddy(self.search.search_edit)
        self.subject_layout.addWidget(self.search, 1)
        self.search.results.currentItemChanged.connect(lambda *_a: self._client_changed(self.search.current()))
        self.search.chosen.connect(self._client_chosen)
        self.chosen_label = make_label(tr("Belum ada klien yang dipilih."), "muted", wrap=True)
        self.chosen_label.setObjectName("chosenClient")
        self.subject_layout.addWidget(self.chosen_label)

    def _build_case_combo(self) -> None:
        row = QFormLayout()
        self.case_combo = QComboBox()
        self.case_combo.setObjectName("caseCombo")
        self.case_combo.setAccessibleName(tr("Kasus"))
        self.case_combo.setEnabled(False)
        self.case_combo.currentIndexChanged.connect(self._case_changed)
        row.addRow(tr("K&asus"), self.case_combo)
        self.subject_layout.addLayout(row)
        self.case_row = row

    def _build_referral_combo(self) -> None:
        row = QFormLayout()
        self.referral_combo = QComboBox()
        self.referral_combo.setObjectName("referralCombo")
        self.referral_combo.setAccessibleName(tr("Rujukan"))
        self.referral_combo.setEnabled(False)
        self.referral_combo.currentIndexChanged.connect(lambda _i: self._update_ok())
        row.addRow(tr("&Rujukan keluar"), self.referral_combo)
        self.subject_layout.addLayout(row)

    def _preset_client(self, client_id: uuid.UUID) -> None:
        from atensi_desktop.services.clients import ClientQuery, client_page, get_client

        try:
            client = get_client(self.ctx.db, client_id)
            rows = client_page(self.ctx.db, ClientQuery(text=client.display_id), 0, 5)
        except AtensiError:
            return
        row = next((r for r in rows if r.id == client_id), None)
        if row is not None:
            self.search.search_edit.setText(row.display_id)
            self.search.search()
            self._client_changed(row)

    @Slot(object)
    def _client_chosen(self, row: ClientRow) -> None:
        self._client_changed(row)
        if self.needs == "client":
            self.ok_button.setFocus()
        elif self.needs == "case" and self.case_combo.isEnabled():
            self.case_combo.setFocus()
        elif self.needs == "referral" and self.referral_combo.isEnabled():
            self.referral_combo.setFocus()

    def _client_changed(self, row: ClientRow | None) -> None:
        if row is None or (self.client is not None and row.id == self.client.id):
            return
        self.client = row
        self.chosen_label.setText(tr("Dipilih: {client}").format(client=client_line(row)))
        if self.needs == "case":
            self._load_cases(row)
        elif self.needs == "referral":
            self._load_referrals()
        self._update_ok()

    def _load_cases(self, row: ClientRow) -> None:
        self.case_combo.blockSignals(True)
        self.case_combo.clear()
        try:
            self._cases = list_cases(self.ctx.db, client_id=row.id, limit=None)
        except AtensiError as exc:
            self._cases = []
            self.case_combo.addItem(exc.message, None)
        for case in self._cases:
            self.case_combo.addItem(case_line(case), case.id)
        if not self._cases:
            self.case_combo.addItem(tr("Klien ini belum punya kasus."), None)
        self.case_combo.setEnabled(bool(self._cases))
        open_index = next((i for i, case in enumerate(self._cases) if case.is_open), 0)
        self.case_combo.setCurrentIndex(open_index)
        self.case_combo.blockSignals(False)
        self._case_changed()

    @Slot()
    def _case_changed(self, *_args) -> None:
        self._update_ok()

    def _load_referrals(self) -> None:
        """The client's outgoing referrals, newest first (a letter is only written for those)."""
        from atensi_desktop.services.referrals import OUT, list_referrals

        self.referral_combo.clear()
        self._referrals = []
        if self.client is None:
            return
        try:
            self._referrals = [r for r in list_referrals(self.ctx.db, client_id=self.client.id)
                               if r.direction == OUT]
        except AtensiError as exc:
            self.referral_combo.addItem(exc.message, None)
            self.referral_combo.setEnabled(False)
            return
        for referral in self._referrals:
            text = tr("{date} · ke {name} · {status}").format(
                date=format_date_short(referral.sent_on), name=referral.counterpart_name,
                status=referral.status_label)
            if referral.letter_number:
                text += " · " + tr("No. {number}").format(number=referral.letter_number)
            self.referral_combo.addItem(text, referral.id)
        if not self._referrals:
            self.referral_combo.addItem(tr("Klien ini belum punya rujukan keluar yang tercatat."), None)
        self.referral_combo.setEnabled(bool(self._referrals))

    def _build_period(self) -> None:
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        self.period_group = QButtonGroup(self)
        first_row = 0
        self.all_radio: QRadioButton | None = None
        if self.needs == "list":  # the client list: every client, or those registered in a period
            self.all_radio = QRadioButton(tr("S&emua klien (yang tidak diarsipkan)"))
            self.all_radio.setObjectName("allClientsRadio")
            self.period_group.addButton(self.all_radio, 3)
            grid.addWidget(self.all_radio, 0, 0, 1, 4)
            grid.addWidget(make_label(tr("atau yang terdaftar dalam:"), "muted"), 1, 0, 1, 4)
            first_row = 2
        self.year_radio = QRadioButton(tr("Se&tahun"))
        self.year_spin = QSpinBox()
        self.year_spin.setObjectName("yearSpin")
        self.year_spin.setAccessibleName(tr("Tahun"))
        self.year_spin.setRange(2000, self.today.year + 1)
        self.year_spin.setValue(self.today.year)
        self.month_radio = QRadioButton(tr("Seb&ulan"))
        self.month_combo = QComboBox()
        self.month_combo.setObjectName("monthCombo")
        self.month_combo.setAccessibleName(tr("Bulan"))
        for number, name in enumerate(MONTHS, start=1):
            self.month_combo.addItem(name, number)
        self.month_year_spin = QSpinBox()
        self.month_year_spin.setObjectName("monthYearSpin")
        self.month_year_spin.setAccessibleName(tr("Tahun bulan itu"))
        self.month_year_spin.setRange(2000, self.today.year + 1)
        first, _last = previous_month(self.today)
        self.month_combo.setCurrentIndex(first.month - 1)
        self.month_year_spin.setValue(first.year)
        self.range_radio = QRadioButton(tr("&Rentang tanggal"))
        self.from_edit = self._date_edit("periodFrom", tr("Dari tanggal"), dt.date(self.today.year, 1, 1))
        self.until_edit = self._date_edit("periodUntil", tr("Sampai tanggal"), self.today)
        for index, radio in enumerate((self.year_radio, self.month_radio, self.range_radio)):
            radio.setObjectName(("yearRadio", "monthRadio", "rangeRadio")[index])
            self.period_group.addButton(radio, index)
        grid.addWidget(self.year_radio, first_row, 0)
        grid.addWidget(self.year_spin, first_row, 1)
        grid.addWidget(self.month_radio, first_row + 1, 0)
        grid.addWidget(self.month_combo, first_row + 1, 1)
        grid.addWidget(self.month_year_spin, first_row + 1, 2)
        grid.addWidget(self.range_radio, first_row + 2, 0)
        grid.addWidget(self.from_edit, first_row + 2, 1)
        grid.addWidget(make_label(tr("s.d."), "muted"), first_row + 2, 2, Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(self.until_edit, first_row + 2, 3)
        grid.setColumnStretch(4, 1)
        self.subject_layout.addLayout(grid)
        (self.all_radio or (self.month_radio if self.kind == "bulanan" else self.year_radio)).setChecked(True)
        self.period_group.idToggled.connect(lambda _id, _on: self._update_period_enabled())
        for widget in (self.year_spin, self.month_year_spin):
            widget.valueChanged.connect(lambda _v: self._update_ok())
        self.month_combo.currentIndexChanged.connect(lambda _i: self._update_ok())
        for edit in (self.from_edit, self.until_edit):
            edit.dateChanged.connect(lambda _d: self._update_ok())
        self._update_period_enabled()

    def _date_edit(self, name: str, accessible: str, value: dt.date) -> QDateEdit:
        edit = QDateEdit(QDate(value.year, value.month, value.day))
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setDisplayFormat("dd-MM-yyyy")
        edit.setCalendarPopup(True)
        return edit

    def _update_period_enabled(self) -> None:
        self.year_spin.setEnabled(self.year_radio.isChecked())
        self.month_combo.setEnabled(self.month_radio.isChecked())
        self.month_year_spin.setEnabled(self.month_radio.isChecked())
        self.from_edit.setEnabled(self.range_radio.isChecked())
        self.until_edit.setEnabled(self.range_radio.isChecked())
        self._update_ok()

    def _build_distribution(self) -> None:
        from atensi_desktop.services.distribution import list_distributions

        row = QFormLayout()
        self.distribution_combo = QComboBox()
        self.distribution_combo.setObjectName("distributionCombo")
        self.distribution_combo.setAccessibleName(tr("Penyaluran bantuan"))
        try:
            distributions = list_distributions(self.ctx.db)
        except AtensiError as exc:
            distributions = []
            self.distribution_combo.addItem(exc.message, None)
        self._distributions = {d.id: d for d in distributions}
        for d in distributions:
            self.distribution_combo.addItem(tr("{date} · {title} · {count} penerima").format(
                date=format_date_short(d.date_from), title=d.title, count=format_number(d.recipients)), d.id)
        if not distributions:
            self.distribution_combo.addItem(tr("Belum ada penyaluran bantuan yang dicatat."), None)
        self.distribution_combo.setEnabled(bool(distributions))
        self.distribution_combo.currentIndexChanged.connect(lambda _i: self._update_ok())
        row.addRow(tr("&Penyaluran"), self.distribution_combo)
        self.subject_layout.addLayout(row)

    # --- paper and redaction -----------------------------------------------------------------------------

    def _paper_box(self, paper: str) -> QGroupBox:
        box = QGroupBox(tr("Kertas"))
        column = QVBoxLayout(box)
        self.paper_group = QButtonGroup(self)
        self.paper_radios: dict[str, QRadioButton] = {}
        for code, label in PAPER_CHOICES:
            radio = QRadioButton(tr(label))
            radio.setObjectName(f"paper{code}")
            self.paper_group.addButton(radio)
            self.paper_radios[code] = radio
            column.addWidget(radio)
        self.paper_radios.get(paper, self.paper_radios["A4"]).setChecked(True)
        column.addStretch(1)
        return box

    def _redaction_box(self, default: str) -> QGroupBox:
        box = QGroupBox(tr("Kerahasiaan"))
        column = QVBoxLayout(box)
        column.setSpacing(2)
        self.redaction_group = QButtonGroup(self)
        self.redaction_radios: dict[str, QRadioButton] = {}
        for code, label, detail in REDACTION_CHOICES:
            radio = QRadioButton(tr(label))
            radio.setObjectName(f"redaction_{code}")
            radio.setToolTip(tr(detail))
            self.redaction_group.addButton(radio)
            self.redaction_radios[code] = radio
            column.addWidget(radio)
            note = make_label(tr(detail), "muted", wrap=True)
            note.setContentsMargins(24, 0, 0, 4)
            column.addWidget(note)
            if code == "mitra":
                self.sensitive_check = QCheckBox(tr("Sertakan rincian &kesehatan dan pidana"))
                self.sensitive_check.setObjectName("showSensitive")
                self.sensitive_check.setContentsMargins(24, 0, 0, 0)
                self.sensitive_check.setStyleSheet("QCheckBox { margin-left: 22px; }")
                column.addWidget(self.sensitive_check)
        self.redaction_radios[default].setChecked(True)
        self.redaction_group.buttonToggled.connect(lambda *_a: self._update_sensitive())
        self._update_sensitive()
        return box

    def _update_sensitive(self) -> None:
        mitra = self.redaction_radios["mitra"].isChecked()
        self.sensitive_check.setEnabled(mitra)
        if not mitra:
            self.sensitive_check.setChecked(False)

    @property
    def paper(self) -> str:
        return next(code for code, radio in self.paper_radios.items() if radio.isChecked())

    @property
    def redaction(self) -> str:
        return next(code for code, radio in self.redaction_radios.items() if radio.isChecked())

    # --- result ------------------------------------------------------------------------------------------

    def _update_ok(self) -> None:
        """OK only with a complete subject; the line above the buttons says what is missing."""
        if not hasattr(self, "ok_button"):
            return  # still building the dialog
        problem = self._subject_problem()
        self.ok_button.setEnabled(problem is None)
        self.error_label.setText(problem or "")
        self.error_label.setVisible(problem is not None)

    def _subject_problem(self) -> str | None:
        """Why the subject is not complete yet (None when it is)."""
        if self.needs in ("case", "client", "referral") and self.client is None:
            return tr("Pilih klien dahulu.")
        if self.needs == "case" and self.case_combo.currentData() is None:
            return tr("Klien ini belum punya kasus.")
        if self.needs == "referral" and self.referral_combo.currentData() is None:
            return tr("Klien ini belum punya rujukan keluar yang tercatat.")
        if self.needs == "distribution" and self.distribution_combo.currentData() is None:
            return tr("Belum ada penyaluran bantuan yang dicatat.")
        if self.needs in ("period", "list") and hasattr(self, "range_radio") and self.range_radio.isChecked():
            since, until = self.from_edit.date().toPython(), self.until_edit.date().toPython()
            if since > until:
                return tr("Tanggal awal sesudah tanggal akhir.")
        return None

    def build_request(self) -> ReportRequest:
        """The request for the current choices (the subject must be complete)."""
        values: dict[str, Any] = {"kind": self.kind, "paper": self.paper, "redaction": self.redaction,
                                  "show_sensitive": self.sensitive_check.isChecked()}
        if self.needs in ("case", "client", "referral"):
            assert self.client is not None
            values["client_id"] = self.client.id
            label = self.client.display_id
            if self.needs == "case":
                case_id = self.case_combo.currentData()
                case = next((c for c in self._cases if c.id == case_id), None)
                if case is not None:
                    values["case_id"] = case.id
                    label = case.display_id
            if self.needs == "referral":
                referral = next(r for r in self._referrals if r.id == self.referral_combo.currentData())
                values["referral_id"] = referral.id
                label = f"{self.client.display_id} → {referral.counterpart_name}"
                values["subject_slug"] = self.client.display_id
            values["subject_label"] = label
        elif self.needs == "period":
            values.update(self._period_values())
        elif self.needs == "list":
            values.update(self._list_values())
        elif self.needs == "distribution":
            d = self._distributions[self.distribution_combo.currentData()]
            values["distribution_id"] = d.id
            values["subject_label"] = f"{d.title} ({format_date_short(d.date_from)})"
            values["subject_slug"] = f"{slug(d.title)}-{d.date_from.isoformat()}"
        values.setdefault("subject_slug", slug(values.get("subject_label", "")))
        return ReportRequest(**values)

    def _list_values(self) -> dict[str, Any]:
        """The Klien screen's filters; or every client; or the clients registered in the period chosen."""
        from atensi_desktop.services.clients import ClientQuery

        if self.filters is not None:
            rows = self._filter_rows()
            label = "; ".join(f"{name} {value}" for name, value in rows) if rows else tr("Semua klien")
            return {"extra": {"filters": self.filters}, "subject_label": label,
                    "subject_slug": FILTERED_SLUG if rows else ALL_CLIENTS_SLUG}
        if self.all_radio is not None and self.all_radio.isChecked():
            return {"extra": {"filters": ClientQuery()}, "subject_label": tr("Semua klien"),
                    "subject_slug": ALL_CLIENTS_SLUG}
        return self._period_values()

    def _period_values(self) -> dict[str, Any]:
        if self.year_radio.isChecked():
            year = self.year_spin.value()
            return {"year": year, "subject_label": tr("Tahun {year}").format(year=year), "subject_slug": str(year)}
        if self.month_radio.isChecked():
            year, month = self.month_year_spin.value(), self.month_combo.currentData()
            first, last = month_range(year, month)
            return {"period": (first, last), "subject_label": f"{MONTHS[month - 1]} {year}",
                    "subject_slug": f"{year}-{month:02d}"}
        since, until = self.from_edit.date().toPython(), self.until_edit.date().toPython()
        return {"period": (since, until),
                "subject_label": f"{format_date_short(since)} s.d. {format_date_short(until)}",
                "subject_slug": f"{since.isoformat()}_{until.isoformat()}"}

    def accept(self) -> None:
        problem = self._subject_problem()
        if problem is not None:
            self.error_label.setText(problem)
            self.error_label.show()
            return
        self.request = self.build_request()
        super().accept()
