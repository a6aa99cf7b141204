"""Petugas & Kantor: the workers (search, status and office filters, new, edit, deactivate/reactivate) and the
offices (this one and the others clients are referred to; new, edit), each on its own tab."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.domain.nip import format_nip
from atensi_desktop.errors import AtensiError
from atensi_desktop.i18n import N_, format_number
from atensi_desktop.services.office import OfficeRow, archive_office, get_office, list_offices, restore_office
from atensi_desktop.services.workers import (
    WorkerDTO,
    WorkerQuery,
    count_workers,
    deactivate_worker,
    get_worker,
    list_workers,
    reactivate_worker,
)
from ui.change_bus import ChangeBus
from ui.dialogs.office_form import OfficeFormDialog
from ui.dialogs.worker_form import WorkerFormDialog
from ui.errors import show_error
from ui.i18n import tr
from ui.icons import icon
from ui.style import MUTED
from ui.views.base import View
from ui.widgets.common import make_label

ID_ROLE = Qt.ItemDataRole.UserRole
SEARCH_DELAY_MS = 200
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str  # N_() text, translated when shown
    value: Callable[[Any], str]
    sample: str  # a typical wide value: the column's starting width
    right: bool = False
    stretch: bool = False  # the stretching columns share the width the others leave
    tooltip: Callable[[Any], str] | None = None  # the whole text when the cell shows a short form


def short_type(label: str) -> str:
    """'Tenaga Kesejahteraan Sosial Kecamatan (TKSK)' -> 'TKSK'; a label without an abbreviation stays."""
    if label.endswith(")") and "(" in label:
        return label[label.rindex("(") + 1:-1]
    return label


WORKER_COLUMNS = (
    Column(N_("Nama"), lambda w: w.name, "Muhammad Rahman Hidayat", stretch=True),
    Column(N_("Jenis"), lambda w: short_type(w.worker_type_label), "Penyuluh Sosial",
           tooltip=lambda w: w.worker_type_label),
    Column(N_("NIP"), lambda w: format_nip(w.nip) if w.nip else "", "19860926 201505 2 001"),
    Column(N_("Jabatan"), lambda w: w.position or "", "Pekerja Sosial Ahli Muda", stretch=True),
    Column(N_("No. HP"), lambda w: w.phone or "", "0812 3456 7890"),
    Column(N_("Kasus aktif"), lambda w: format_number(w.live_cases), "Kasus aktif", right=True),
    Column(N_("Status"), lambda w: tr("aktif") if w.active else tr("tidak aktif"), "tidak aktif"),
)
OFFICE_COLUMNS = (
    Column(N_("Nama kantor"), lambda o: o.name, "Dinas Sosial Kabupaten Hulu Sungai", stretch=True),
    Column(N_("Kode"), lambda o: o.code, "DSKHSS-W"),  # codes run to 8+ characters, drawn bold for this office
    Column(N_("Jenis"), lambda o: short_type(o.office_type_label), "Sentra Kemensos",
           tooltip=lambda o: o.office_type_label),
    Column(N_("Wilayah"), lambda o: o.wilayah_name or o.wilayah_code or "", "Kabupaten Hulu Sungai Selatan"),
    Column(N_("Telepon"), lambda o: o.phone or "", "(0511) 4772 1111"),
    Column(N_("Petugas aktif"), lambda o: format_number(o.workers), "Petugas aktif", right=True),
    Column(N_("Keterangan"), lambda o: tr("kantor ini") if o.is_installation else (
        tr("diarsipkan") if o.archived else ""), "kantor ini"),
)


class RowsModel(QAbstractTableModel):
    """A read-only table over a short list of DTOs (tens of workers or offices); `ID_ROLE` gives a row's id."""

    def __init__(self, columns: Sequence[Column], *, strong: Callable[[Any], bool] = lambda _r: False,
                 faded: Callable[[Any], bool] = lambda _r: False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self.rows: list[Any] = []
        self._strong, self._faded = strong, faded

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_of(self, row_id: uuid.UUID | None) -> int:
        return next((i for i, row in enumerate(self.rows) if row.id == row_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.value(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(row) if column.tooltip else column.value(row)
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.right else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and self._strong(row):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and self._faded(row):
            return QColor(MUTED)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.columns):
            return tr(self.columns[section].title)
        return None


def _table(model: RowsModel, name: str, accessible: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 12)
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setHighlightSections(False)
    header.setStretchLastSection(False)
    bold = header.fontMetrics()
    for number, column in enumerate(model.columns):
        # bold metrics for the values too: a strong row (this office) is drawn bold
        width = max(bold.horizontalAdvance(column.sample) + 24, bold.horizontalAdvance(tr(column.title)) + 28)
        header.resizeSection(number, width)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for number, column in enumerate(model.columns):
        if column.stretch:
            header.setSectionResizeMode(number, QHeaderView.ResizeMode.Stretch)
    header.setMinimumSectionSize(48)
    return table


def _selected_id(table: QTableView) -> uuid.UUID | None:
    index = table.currentIndex()
    return index.data(ID_ROLE) if index.isValid() and table.selectionModel().isSelected(index) else None


def _select_row(table: QTableView, row: int) -> None:
    if row >= 0:
        table.selectRow(row)
        table.scrollTo(table.model().index(row, 0))


class PetugasView(View):
    """Two tabs: Petugas (workers) and Kantor (offices). Ctrl+N adds to the tab shown, Enter or a double
    click edits the chosen row, Ctrl+F goes to the worker search."""

    name = "petugas"

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(ctx, bus, tr("Petugas & Kantor"), parent)
        self.count_label = make_label("", "muted")
        self.count_label.setObjectName("workerCount")
        self.header.addWidget(self.count_label)
        self.form: QDialog | None = None
        self.tabs = QTabWidget()
        self.tabs.setObjectName("petugasTabs")
        self.tabs.addTab(self._workers_tab(), icon("klien"), tr("&Petugas"))
        self.tabs.addTab(self._offices_tab(), icon("kantor"), tr("&Kantor"))
        self.body.addWidget(self.tabs, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload_workers)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.search_edit.returnPressed.connect(self.reload_workers)
        self.status_combo.currentIndexChanged.connect(self.reload_workers)
        self.office_filter.currentIndexChanged.connect(self.reload_workers)
        QShortcut(QKeySequence.StandardKey.New, self, self.new_record)
        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_search)
        bus.office_changed.connect(self.reload)
        bus.cases_changed.connect(self.reload_workers)
        self.reload()

    # --- building --------------------------------------------------------------------------------------

    def _workers_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("workerSearch")
        self.search_edit.setPlaceholderText(tr("Cari nama, jabatan, NIP atau no. HP…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.addAction(icon("cari"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_edit.setAccessibleName(tr("Cari petugas"))
        self.search_edit.setMaximumWidth(420)
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("workerStatus")
        self.status_combo.setAccessibleName(tr("Status petugas"))
        for label, code in ((tr("Aktif"), "active"), (tr("Tidak aktif"), "inactive"), (tr("Semua"), "all")):
            self.status_combo.addItem(label, code)
        self.office_filter = QComboBox()
        self.office_filter.setObjectName("workerOfficeFilter")
        self.office_filter.setAccessibleName(tr("Kantor petugas"))
        self.office_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.office_filter.setMinimumContentsLength(24)
        row.addWidget(self.search_edit, 1)
        row.addWidget(self.status_combo)
        row.addWidget(self.office_filter)
        row.addStretch(0)
        layout.addLayout(row)

        self.worker_model = RowsModel(WORKER_COLUMNS, faded=lambda w: not w.active, parent=self)
        self.worker_table = _table(self.worker_model, "workerTable", tr("Daftar petugas"))
        self.worker_table.activated.connect(self._worker_activated)
        self.worker_table.selectionModel().selectionChanged.connect(self._worker_selection_changed)
        self.worker_empty = make_label("", "empty", wrap=True)
        self.worker_empty.setObjectName("workerEmpty")
        self.worker_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.worker_pages = QStackedWidget()
        self.worker_pages.addWidget(self.worker_table)
        self.worker_pages.addWidget(self.worker_empty)
        layout.addWidget(self.worker_pages, 1)

        buttons = QHBoxLayout()
        self.new_worker_button = QPushButton(icon("klien"), tr("Petugas &baru"))
        self.new_worker_button.setObjectName("newWorker")
        self.new_worker_button.setToolTip(tr("Catat petugas baru (Ctrl+N)"))
        self.edit_worker_button = QPushButton(tr("&Ubah…"))
        self.edit_worker_button.setObjectName("editWorker")
        self.edit_worker_button.setToolTip(tr("Ubah data petugas yang dipilih (Enter)"))
        self.toggle_worker_button = QPushButton(tr("&Nonaktifkan…"))
        self.toggle_worker_button.setObjectName("toggleWorker")
        self.new_worker_button.clicked.connect(self.new_worker)
        self.edit_worker_button.clicked.connect(self.edit_selected_worker)
        self.toggle_worker_button.clicked.connect(self.toggle_selected_worker)
        buttons.addWidget(self.new_worker_button)
        buttons.addWidget(self.edit_worker_button)
        buttons.addWidget(self.toggle_worker_button)
        buttons.addStretch(1)
        self.worker_note = make_label(tr("Petugas tidak pernah dihapus: yang sudah tidak bertugas dinonaktifkan, "
                                         "dan kasusnya tetap tercatat atas namanya."), "muted", wrap=True)
        buttons.addWidget(self.worker_note, 2)
        layout.addLayout(buttons)
        for first, second in ((self.search_edit, self.status_combo), (self.status_combo, self.office_filter),
                              (self.office_filter, self.worker_table), (self.worker_table, self.new_worker_button),
                              (self.new_worker_button, self.edit_worker_button),
                              (self.edit_worker_button, self.toggle_worker_button)):
            QWidget.setTabOrder(first, second)
        return page

    def _offices_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addWidget(make_label(tr("Kantor ini dan kantor lain yang bekerja sama, mis. panti atau LKS "
                                       "tempat klien dirujuk."), "muted", wrap=True))
        self.office_model = RowsModel(OFFICE_COLUMNS, strong=lambda o: o.is_installation,
                                      faded=lambda o: o.archived, parent=self)
        self.office_table = _table(self.office_model, "officeTable", tr("Daftar kantor"))
        self.office_table.activated.connect(self._office_activated)
        self.office_table.selectionModel().selectionChanged.connect(self._office_selection_changed)
        layout.addWidget(self.office_table, 1)
        buttons = QHBoxLayout()
        self.new_office_button = QPushButton(icon("kantor"), tr("Kantor &baru"))
        self.new_office_button.setObjectName("newOffice")
        self.new_office_button.setToolTip(tr("Catat kantor lain (Ctrl+N)"))
        self.edit_office_button = QPushButton(tr("&Ubah…"))
        self.edit_office_button.setObjectName("editOffice")
        self.edit_office_button.setToolTip(tr("Ubah data kantor yang dipilih (Enter)"))
        self.archive_office_button = QPushButton(tr("A&rsipkan…"))
        self.archive_office_button.setObjectName("archiveOffice")
        self.show_archived_offices = QCheckBox(tr("Tampilkan kantor yang diarsipkan"))
        self.show_archived_offices.setObjectName("showArchivedOffices")
        self.new_office_button.clicked.connect(self.new_office)
        self.edit_office_button.clicked.connect(self.edit_selected_office)
        self.archive_office_button.clicked.connect(self.archive_or_restore_office)
        self.show_archived_offices.toggled.connect(self._reload_offices)
        buttons.addWidget(self.new_office_button)
        buttons.addWidget(self.edit_office_button)
        buttons.addWidget(self.archive_office_button)
        buttons.addSpacing(12)
        buttons.addWidget(self.show_archived_offices)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        QWidget.setTabOrder(self.office_table, self.new_office_button)
        QWidget.setTabOrder(self.new_office_button, self.edit_office_button)
        QWidget.setTabOrder(self.edit_office_button, self.archive_office_button)
        QWidget.setTabOrder(self.archive_office_button, self.show_archived_offices)
        return page

    # --- loading ---------------------------------------------------------------------------------------

    @Slot()
    def reload(self) -> None:
        self._reload_offices()
        self.reload_workers()

    def activated(self) -> None:
        self.reload()  # case counts may have changed on another screen

    def _reload_offices(self) -> None:
        chosen = _selected_id(self.office_table)
        offices = list_offices(self.ctx.db, include_archived=self.show_archived_offices.isChecked())
        self.office_model.set_rows(offices)
        _select_row(self.office_table, self.office_model.row_of(chosen))
        self._office_selection_changed()
        self._fill_office_filter([o for o in offices if not o.archived])

    def _fill_office_filter(self, offices: Sequence[OfficeRow]) -> None:
        current = self.office_filter.currentData()
        self.office_filter.blockSignals(True)
        self.office_filter.clear()
        self.office_filter.addItem(tr("Semua kantor"), None)
        for office in offices:
            label = tr("{name} (kantor ini)").format(name=office.name) if office.is_installation else office.name
            self.office_filter.addItem(label, str(office.id))  # text: findData cannot compare uuid objects
        self.office_filter.setCurrentIndex(max(0, self.office_filter.findData(current)))
        self.office_filter.blockSignals(False)
        self.office_filter.setVisible(len(offices) > 1 or current is not None)

    def worker_query(self) -> WorkerQuery:
        office = self.office_filter.currentData()
        return WorkerQuery(text=" ".join(self.search_edit.text().split()),
                           office_id=uuid.UUID(office) if office else None,
                           status=self.status_combo.currentData() or "active")

    @Slot()
    def reload_workers(self) -> None:
        self._search_timer.stop()
        chosen = _selected_id(self.worker_table)
        query = self.worker_query()
        try:
            workers = list_workers(self.ctx.db, query)
            counts = count_workers(self.ctx.db)
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.worker_model.set_rows(workers)
        _select_row(self.worker_table, self.worker_model.row_of(chosen))
        self._worker_selection_changed()
        text = tr("{active} petugas aktif").format(active=format_number(counts["active"]))
        if counts["inactive"]:
            text += " · " + tr("{inactive} tidak aktif").format(inactive=format_number(counts["inactive"]))
        self.count_label.setText(text)
        if workers:
            self.worker_pages.setCurrentWidget(self.worker_table)
        else:
            if counts["active"] + counts["inactive"] == 0:
                message = tr("Belum ada petugas. Klik \"Petugas baru\" (Ctrl+N) untuk mencatat pekerja sosial, "
                             "TKS atau relawan yang mendampingi klien.")
            elif query.text:
                message = tr("Tidak ada petugas yang cocok dengan \"{text}\".").format(text=query.text)
            else:
                message = tr("Tidak ada petugas dengan pilihan ini.")
            self.worker_empty.setText(message)
            self.worker_pages.setCurrentWidget(self.worker_empty)

    @Slot()
    def _focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    # --- selection -------------------------------------------------------------------------------------

    def selected_worker(self) -> WorkerDTO | None:
        chosen = _selected_id(self.worker_table)
        row = self.worker_model.row_of(chosen)
        return self.worker_model.rows[row] if row >= 0 else None

    @Slot()
    def _worker_selection_changed(self, *_args) -> None:
        worker = self.selected_worker()
        self.edit_worker_button.setEnabled(worker is not None)
        self.toggle_worker_button.setEnabled(worker is not None)
        if worker is not None and not worker.active:
            self.toggle_worker_button.setText(tr("&Aktifkan kembali…"))
        else:
            self.toggle_worker_button.setText(tr("&Nonaktifkan…"))

    @Slot()
    def _office_selection_changed(self, *_args) -> None:
        office = self.selected_office()
        self.edit_office_button.setEnabled(office is not None and not office.archived)
        self.archive_office_button.setEnabled(office is not None and not office.is_installation)
        if office is not None and office.archived:
            self.archive_office_button.setText(tr("Pu&lihkan"))
            self.archive_office_button.setToolTip(tr("Kembalikan kantor ini ke daftar"))
        else:
            self.archive_office_button.setText(tr("A&rsipkan…"))
            self.archive_office_button.setToolTip(
                tr("Kantor ini tempat instalasi bekerja; tidak bisa diarsipkan") if office is not None
                and office.is_installation else tr("Sembunyikan kantor yang tidak lagi bekerja sama; datanya tetap "
                                                   "tersimpan"))

    def selected_office(self) -> OfficeRow | None:
        row = self.office_model.row_of(_selected_id(self.office_table))
        return self.office_model.rows[row] if row >= 0 else None

    @Slot()
    def archive_or_restore_office(self) -> None:
        """Archive another office after asking (a tombstone), or restore an archived one."""
        office = self.selected_office()
        if office is None or office.is_installation:
            return
        if office.archived:
            action = restore_office
        else:
            if not self.confirm(tr("Arsipkan kantor?"), tr(
                    "{name} tidak tampil lagi di daftar kantor. Datanya tidak dihapus, tetap tercatat pada kasus "
                    "dan rujukan yang menyebutnya, dan bisa dipulihkan.").format(name=office.name)):
                return
            action = archive_office
        try:
            action(self.ctx.db, office.id)
        except AtensiError as exc:
            show_error(self, exc)
            return
        self._reload_offices()
        self.bus.office_changed.emit()

    # --- workers ---------------------------------------------------------------------------------------

    @Slot()
    def new_record(self) -> None:
        """Ctrl+N: a new worker or a new office, whichever tab is shown."""
        if self.tabs.currentIndex() == 0:
            self.new_worker()
        else:
            self.new_office()

    @Slot()
    def new_worker(self) -> WorkerFormDialog | None:
        return self._open(lambda: WorkerFormDialog(self.ctx.db, parent=self), self._worker_saved)

    @Slot()
    def edit_selected_worker(self) -> WorkerFormDialog | None:
        worker = self.selected_worker()
        return self.edit_worker(worker.id) if worker is not None else None

    def edit_worker(self, worker_id: uuid.UUID) -> WorkerFormDialog | None:
        return self._open(lambda: WorkerFormDialog(self.ctx.db, worker=get_worker(self.ctx.db, worker_id),
                                                   parent=self), self._worker_saved)

    @Slot(QModelIndex)
    def _worker_activated(self, index: QModelIndex) -> None:
        worker_id = index.data(ID_ROLE)
        if worker_id is not None:
            self.edit_worker(worker_id)

    def _worker_saved(self, worker: WorkerDTO) -> None:
        if self.status_combo.currentData() != "all" and worker.active != (self.status_combo.currentData() == "active"):
            self.status_combo.setCurrentIndex(self.status_combo.findData("all"))
        self.reload_workers()
        _select_row(self.worker_table, self.worker_model.row_of(worker.id))
        self._worker_selection_changed()
        self.bus.office_changed.emit()  # lists of workers elsewhere (Klien's filter, Beranda) refresh

    @Slot()
    def toggle_selected_worker(self) -> None:
        """Deactivate (or reactivate) the chosen worker after asking; nothing is deleted."""
        worker = self.selected_worker()
        if worker is None:
            return
        if worker.active:
            title = tr("Nonaktifkan petugas?")
            text = tr("{name} tidak akan bisa dipilih lagi untuk kasus baru. Datanya tidak dihapus dan bisa "
                      "diaktifkan kembali kapan saja.").format(name=worker.name)
            if worker.live_cases:
                text += "\n\n" + tr("{name} masih mendampingi {count} kasus aktif; kasus itu tetap tercatat atas "
                                    "namanya. Alihkan ke petugas lain bila perlu.").format(
                    name=worker.name, count=format_number(worker.live_cases))
            action = deactivate_worker
        else:
            title = tr("Aktifkan kembali petugas?")
            text = tr("{name} akan bisa dipilih lagi untuk kasus baru.").format(name=worker.name)
            action = reactivate_worker
        if not self.confirm(title, text):
            return
        try:
            changed = action(self.ctx.db, worker.id)
        except AtensiError as exc:
            show_error(self, exc)
            self.reload_workers()
            return
        self._worker_saved(changed)

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # --- offices ---------------------------------------------------------------------------------------

    @Slot()
    def new_office(self) -> OfficeFormDialog | None:
        return self._open(lambda: OfficeFormDialog(self.ctx.db, parent=self), self._office_saved)

    @Slot()
    def edit_selected_office(self) -> OfficeFormDialog | None:
        office_id = _selected_id(self.office_table)
        return self.edit_office(office_id) if office_id is not None else None

    def edit_office(self, office_id: uuid.UUID) -> OfficeFormDialog | None:
        row = self.office_model.rows[self.office_model.row_of(office_id)] \
            if self.office_model.row_of(office_id) >= 0 else None
        own = row is not None and row.is_installation
        return self._open(lambda: OfficeFormDialog(self.ctx.db, office=get_office(self.ctx.db, office_id),
                                                   is_installation=own, parent=self), self._office_saved)

    @Slot(QModelIndex)
    def _office_activated(self, index: QModelIndex) -> None:
        office_id = index.data(ID_ROLE)
        if office_id is not None:
            self.edit_office(office_id)

    def _office_saved(self, office: Any) -> None:
        self._reload_offices()
        _select_row(self.office_table, self.office_model.row_of(office.id))
        self._office_selection_changed()
        self.bus.office_changed.emit()

    # --- forms -----------------------------------------------------------------------------------------

    def _open(self, build: Callable[[], QDialog], on_saved: Callable[[Any], None]) -> Any:
        """Open a form window-modally (not blocking); after a save `on_saved(saved)` and the focus comes back."""
        if self.form is not None:
            self.form.raise_()
            self.form.activateWindow()
            return self.form
        try:
            dialog = build()
        except AtensiError as exc:  # e.g. the record was archived meanwhile
            show_error(self, exc)
            self.reload()
            return None
        self.form = dialog

        def finished(result: int) -> None:
            self.form = None
            saved = getattr(dialog, "saved", None)
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted and saved is not None:
                on_saved(saved)
            table = self.worker_table if self.tabs.currentIndex() == 0 else self.office_table
            table.setFocus(Qt.FocusReason.OtherFocusReason)

        dialog.finished.connect(finished)
        dialog.open()
        return dialog
