"""Beranda: who this installation works for, and the real figures from the database."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.i18n import N_, format_date_long, format_number
from atensi_desktop.services.office import OfficeDTO, installation_office
from atensi_desktop.services.stats import Overview, overview
from ui.change_bus import ChangeBus
from ui.dialogs.setup import open_office_dialog
from ui.errors import show_error
from ui.i18n import tr
from ui.tasks import Task
from ui.views.base import View
from ui.widgets.common import IconCard, make_card, make_label

FIGURES = (
    ("clients", N_("Klien terdaftar")),
    ("households", N_("Keluarga")),
    ("workers", N_("Pendamping")),
    ("open_cases", N_("Kasus aktif")),
)


class BerandaView(View):
    """Office identity card (or the set-up prompt), four counts and active cases per stage."""

    name = "beranda"

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(ctx, bus, tr("Beranda"), parent)
        self.date_label = make_label(format_date_long(dt.date.today()), "muted")
        self.header.addWidget(self.date_label)
        self._task: Task | None = None
        self._reload = False
        self.body.addWidget(self._office_card())
        self.body.addLayout(self._figure_tiles())
        self.body.addWidget(self._stage_card())
        self.body.addStretch(1)
        bus.office_changed.connect(self.show_office)
        bus.clients_changed.connect(self.load_figures)
        bus.cases_changed.connect(self.load_figures)
        self.show_office()
        self.load_figures()

    # --- office ----------------------------------------------------------------------------------------

    def _office_card(self) -> QWidget:
        card = IconCard(icon_name="kantor", button_text=tr("Atur identitas kantor…"))
        self.office_name, self.office_details, self.setup_button = card.title_label, card.detail_label, card.button
        self.office_name.setObjectName("officeName")
        self.setup_button.clicked.connect(self.open_setup)
        return card

    @Slot()
    def show_office(self) -> None:
        office = installation_office(self.ctx.db)
        self.office = office
        if office is None:
            self.office_name.setText(tr("Identitas kantor belum diatur"))
            self.office_details.setText(tr(
                "Atur nama kantor, jenis kantor dan pendamping pertama agar laporan dan ID klien "
                "memakai identitas kantor Anda."))
            self.setup_button.show()
        else:
            self.office_name.setText(office.name)
            self.office_details.setText(office_summary(office))
            self.setup_button.hide()

    @Slot()
    def open_setup(self) -> None:
        open_office_dialog(self, self.ctx.db, on_saved=lambda _office: self.bus.office_changed.emit())

    # --- figures ---------------------------------------------------------------------------------------

    def _figure_tiles(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setSpacing(14)
        self.figure_labels: dict[str, QLabel] = {}
        for column, (key, caption) in enumerate(FIGURES):
            card, layout = make_card(margins=16, spacing=2)
            value = make_label("–", "figure")
            value.setObjectName(f"figure_{key}")
            layout.addWidget(value)
            layout.addWidget(make_label(tr(caption), "muted"))
            grid.addWidget(card, 0, column)
            grid.setColumnStretch(column, 1)
            self.figure_labels[key] = value
        return grid

    def _stage_card(self) -> QWidget:
        card, layout = make_card(margins=16, spacing=10)
        layout.addWidget(make_label(tr("Kasus per tahap"), "subtitle"))
        self.stage_table = QTableWidget(0, 2)
        self.stage_table.setHorizontalHeaderLabels([tr("Tahap"), tr("Jumlah kasus")])
        self.stage_table.verticalHeader().hide()
        self.stage_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.stage_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.stage_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stage_table.setShowGrid(False)
        self.stage_table.setAlternatingRowColors(True)
        header = self.stage_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.stage_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stage_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.stage_table)
        return card

    @property
    def busy(self) -> bool:
        return self._task is not None

    def activated(self) -> None:
        self.load_figures()

    @Slot()
    def load_figures(self) -> None:
        """Count in the background; the numbers appear when the database has answered."""
        if self._task is not None:
            self._reload = True  # counted again once the running count is in
            return
        db = self.ctx.db
        self._task = Task(lambda _progress: overview(db))
        self._task.finished.connect(self._show_figures)
        self._task.failed.connect(self._figures_failed)
        self._task.start()

    @Slot(object)
    def _show_figures(self, data: Overview) -> None:
        self._task = None
        if self._reload:
            self._reload = False
            self.load_figures()
        self.overview = data
        for key, label in self.figure_labels.items():
            label.setText(format_number(getattr(data, key)))
        self.stage_table.setRowCount(len(data.cases_by_stage))
        for row, (_code, label, count) in enumerate(data.cases_by_stage):
            self.stage_table.setItem(row, 0, QTableWidgetItem(label))
            number = QTableWidgetItem(format_number(count))
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.stage_table.setItem(row, 1, number)
        self._fit_stage_table()

    def _fit_stage_table(self) -> None:
        """As tall as its rows: the handful of stages never needs a scroll bar."""
        table = self.stage_table
        height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
        height += sum(table.rowHeight(row) for row in range(table.rowCount()))
        table.setFixedHeight(height)

    @Slot(object)
    def _figures_failed(self, exc: BaseException) -> None:
        self._task = None
        self._reload = False
        show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")


def office_summary(office: OfficeDTO) -> str:
    """'Dinas Sosial · kode DSHSS' then address, city, phone and e-mail, each when known."""
    first = f"{office.office_type_label} · " + tr("kode {code}").format(code=office.code)
    place = ", ".join(part for part in (office.address, office.city) if part)
    contact = " · ".join(part for part in (office.phone, office.email) if part)
    return "\n".join(line for line in (first, place, contact) if line)

