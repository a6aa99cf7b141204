"""Layanan: the service-delivery log, newest recorded first, with filters; record a service, a bulk
distribution, and correct or cancel an entry."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QModelIndex, QPoint, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTableView,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.i18n import N_, format_number
from atensi_desktop.refdata import ref_list
from atensi_desktop.services import service_log as log
from atensi_desktop.services.service_stats import ServiceListQuery, ServiceRow, month_start
from ui.change_bus import ChangeBus
from ui.errors import show_bug
from ui.i18n import tr
from ui.icons import icon
from ui.models.service_list import ServiceListModel
from ui.views.base import View
from ui.widgets.client_search import ClientPickDialog
from ui.widgets.common import make_label

# (key, label) of the period filter
PERIODS = (
    ("all", N_("Semua waktu")),
    ("this_month", N_("Bulan ini")),
    ("last_month", N_("Bulan lalu")),
    ("three_months", N_("3 bulan terakhir")),
    ("this_year", N_("Tahun ini")),
    ("last_year", N_("Tahun lalu")),
)
# typical widest content per column; Layanan (2) takes the rest
COLUMN_SAMPLES = ("00-00 – 00-00-0000", "Muhammad Rahma", "", "10 paket", "1.500.000", "Lainnya",
                  "Siti Rahmah, S", "di luar rencana")


def period_range(key: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """(since, until) of a period filter key."""
    if key == "this_month":
        return month_start(today), today
    if key == "last_month":
        first = month_start(today, 1)
        return first, month_start(today) - dt.timedelta(days=1)
    if key == "three_months":
        return month_start(today, 2), today
    if key == "this_year":
        return dt.date(today.year, 1, 1), today
    if key == "last_year":
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    return None, None


class LayananView(View):
    """The log as a lazily paged table (never counted, never loaded whole) and its filters."""

    name = "layanan"

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(ctx, bus, tr("Layanan"), parent)
        self.model = ServiceListModel(ctx.db, self)
        self.count_label = make_label("", "muted")
        self.count_label.setObjectName("serviceCount")
        self.header.insertSpacing(1, 12)
        self.header.insertWidget(2, self.count_label)
        self.distribution_button = self._header_button(
            tr("Penyaluran &bantuan…"), "distributionButton",
            tr("Catat satu bantuan untuk banyak klien sekaligus (Ctrl+B)"), self.open_distribution)
        self.new_button = self._header_button(
            tr("Catat layanan"), "newService", tr("Catat layanan untuk seorang klien (Ctrl+N)"), self.new_entry)
        self.new_button.setIcon(icon("layanan"))

        filters = QHBoxLayout()
        filters.setSpacing(8)
        self.period_combo = self._combo("periodFilter", tr("Periode"),
                                        [(key, tr(label)) for key, label in PERIODS])
        self.kind_combo = self._combo("kindFilter", tr("Jenis layanan"), [
            (None, tr("Semua jenis")), ("atensi", tr("ATENSI")), ("spm", tr("SPM")),
            ("rehab", tr("Rehsos (PP 39/2012)"))])
        self.funding_combo = self._combo("fundingFilter", tr("Sumber dana"), [
            (None, tr("Semua")),
            *((item.code, item.label) for item in ref_list("funding_sources").items)])
        for label_text, combo in ((tr("&Periode"), self.period_combo), (tr("&Jenis"), self.kind_combo),
                                  (tr("Sumber &dana"), self.funding_combo)):
            label = QLabel(label_text)
            label.setBuddy(combo)
            filters.addWidget(label)
            filters.addWidget(combo)
            filters.addSpacing(6)
        self.history_check = QCheckBox(tr("&Riwayat koreksi"))
        self.history_check.setObjectName("historyCheck")
        self.history_check.setToolTip(tr("Tampilkan juga catatan lama yang sudah dikoreksi atau dibatalkan"))
        filters.addWidget(self.history_check)
        filters.addStretch(1)
        self.correct_button = QPushButton(tr("&Koreksi…"))
        self.correct_button.setObjectName("correctButton")
        self.correct_button.setToolTip(tr("Perbaiki layanan yang dipilih; catatan lama tetap tersimpan (F2)"))
        self.correct_button.clicked.connect(self.correct_selected)
        self.cancel_button = QPushButton(tr("Bata&lkan…"))
        self.cancel_button.setObjectName("cancelEntryButton")
        self.cancel_button.setToolTip(tr("Batalkan layanan yang dipilih, dengan alasannya (Delete)"))
        self.cancel_button.clicked.connect(self.cancel_selected)
        filters.addWidget(self.correct_button)
        filters.addWidget(self.cancel_button)
        self.body.addLayout(filters)

        self.table = self._make_table()
        self.empty_label = make_label("", "empty", wrap=True)
        self.empty_label.setObjectName("serviceEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.table)
        self.pages.addWidget(self.empty_label)
        self.body.addWidget(self.pages, 1)
        self.notice_label = make_label("", "muted", wrap=True, selectable=True)
        self.notice_label.setObjectName("serviceNotice")
        self.notice_label.hide()
        self.body.addWidget(self.notice_label)
        self.body.setSpacing(10)

        for combo in (self.period_combo, self.kind_combo, self.funding_combo):
            combo.currentIndexChanged.connect(self._requery)
        self.history_check.toggled.connect(self._requery)
        QShortcut(QKeySequence.StandardKey.New, self, self.new_entry)
        QShortcut(QKeySequence("Ctrl+B"), self, self.open_distribution)
        correct = QShortcut(QKeySequence(Qt.Key.Key_F2), self.table, self.correct_selected)
        correct.setContext(Qt.ShortcutContext.WidgetShortcut)
        cancel = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table, self.cancel_selected)
        cancel.setContext(Qt.ShortcutContext.WidgetShortcut)
        self.table.activated.connect(self._row_activated)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.load_started.connect(self._show_loading)
        self.model.page_loaded.connect(self._show_loaded)
        self.model.load_failed.connect(self._show_failure)
        self.model.modelReset.connect(self._update_actions)
        bus.services_changed.connect(self.model.refresh)
        bus.clients_changed.connect(self._refresh_if_started)
        chain: list[QWidget] = [self.period_combo, self.kind_combo, self.funding_combo, self.history_check,
                                self.correct_button, self.cancel_button, self.table, self.new_button,
                                self.distribution_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self._update_actions()

    def _header_button(self, text: str, name: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        self.header.addWidget(button)
        return button

    def _combo(self, name: str, accessible: str, items: list[tuple[object, str]]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        for data, label in items:
            combo.addItem(label, data)
        return combo

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("serviceTable")
        table.setAccessibleName(tr("Daftar layanan"))
        table.setModel(self.model)
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
        metrics, bold = table.fontMetrics(), header.fontMetrics()
        for column, sample in enumerate(COLUMN_SAMPLES):
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal) or "")
            header.resizeSection(column, max(metrics.horizontalAdvance(sample) + 24,
                                             bold.horizontalAdvance(title) + 28))
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        return table

    # --- loading ---------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.model.loading

    def activated(self) -> None:
        if not self.model.started:
            self._requery()

    @Slot()
    def _refresh_if_started(self) -> None:
        if self.model.started:
            self.model.refresh()

    def current_query(self, today: dt.date | None = None) -> ServiceListQuery:
        since, until = period_range(self.period_combo.currentData(), today or dt.date.today())
        return ServiceListQuery(since=since, until=until, service_kind=self.kind_combo.currentData(),
                                funding_source=self.funding_combo.currentData(),
                                effective_only=not self.history_check.isChecked())

    @Slot()
    def _requery(self, *_args) -> None:
        self.model.set_query(self.current_query())

    def _narrowed(self) -> bool:
        q = self.model.query
        return bool(q.since or q.until or q.service_kind or q.funding_source)

    @Slot()
    def _show_loading(self) -> None:
        self.count_label.setText(tr("Memuat…"))

    @Slot(int)
    def _show_loaded(self, rows: int) -> None:
        number = format_number(rows)
        if self.model.exhausted:
            self.count_label.setText(tr("{count} layanan, yang terakhir dicatat paling atas").format(count=number))
        else:
            self.count_label.setText(tr("{count} layanan terakhir dicatat; gulir untuk memuat lagi").format(
                count=number))
        if rows:
            self.pages.setCurrentWidget(self.table)
            if not self.table.currentIndex().isValid():
                self.table.setCurrentIndex(self.model.index(0, 0))
                self.table.selectRow(0)
            return
        if self._narrowed():
            self.empty_label.setText(tr("Tidak ada layanan yang cocok dengan saringan ini.\n"
                                        "Ubah periode, jenis layanan atau sumber dana."))
        else:
            self.empty_label.setText(tr(
                "Belum ada layanan yang dicatat.\nPilih “Catat layanan” (Ctrl+N) untuk mencatat layanan seorang klien, "
                "atau “Penyaluran bantuan…” (Ctrl+B) untuk banyak klien sekaligus."))
        self.pages.setCurrentWidget(self.empty_label)

    @Slot(object)
    def _show_failure(self, exc: BaseException) -> None:
        self.count_label.setText("")
        if isinstance(exc, AtensiError):
            self.empty_label.setText(f"{exc.message}\n{exc.hint or ''}".strip())
            self.pages.setCurrentWidget(self.empty_label)
        else:
            show_bug(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    # --- actions ---------------------------------------------------------------------------------------

    def selected_row(self) -> ServiceRow | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        return self.model.row_at(index.row())

    @Slot()
    def _update_actions(self, *_args) -> None:
        row = self.selected_row()
        usable = row is not None and row.effective
        for button in (self.correct_button, self.cancel_button):
            button.setEnabled(usable)
        if row is not None and not row.effective:
            tip = tr("Catatan ini sudah dikoreksi atau dibatalkan; pilih catatan terbarunya")
            self.correct_button.setToolTip(tip)
            self.cancel_button.setToolTip(tip)
        else:
            self.correct_button.setToolTip(tr("Perbaiki layanan yang dipilih; catatan lama tetap tersimpan (F2)"))
            self.cancel_button.setToolTip(tr("Batalkan layanan yang dipilih, dengan alasannya (Delete)"))

    def notice(self, text: str) -> None:
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    @Slot()
    def new_entry(self) -> None:
        """Pick a client, then "Catat layanan" for them."""
        dialog = ClientPickDialog(self.ctx, title=tr("Catat layanan: pilih klien"),
                                  text=tr("Untuk siapa layanan ini? Cari klien dengan nama, NIK atau ID klien."),
                                  parent=self)
        dialog.finished.connect(lambda result, d=dialog: self._client_picked(d, result))
        dialog.open()
        self.pick_dialog = dialog

    def _client_picked(self, dialog: ClientPickDialog, result: int) -> None:
        picked = dialog.picked if result else None
        dialog.deleteLater()
        self.pick_dialog = None
        if picked is not None:
            self.open_entry(picked.id)

    def open_entry(self, client_id, case_id=None):
        from ui.dialogs.service_entry import open_service_entry

        return open_service_entry(self, self.ctx, self.bus, client_id, case_id, on_saved=self._saved)

    def _saved(self, entry: log.ServiceEntryDTO) -> None:
        what = entry.service_label
        if entry.entry_type == log.ENTRY_CANCEL:
            text = tr("Layanan “{service}” dibatalkan.").format(service=what)
        elif entry.entry_type == log.ENTRY_CORRECTION:
            text = tr("Koreksi layanan “{service}” disimpan.").format(service=what)
        else:
            text = tr("Layanan “{service}” dicatat.").format(service=what)
        marks = []
        if entry.outside_plan:
            marks.append(tr("di luar rencana"))
        if entry.after_termination:
            marks.append(tr("sesudah terminasi"))
        if marks and entry.entry_type != log.ENTRY_CANCEL:
            text += " " + tr("Ditandai: {flags}.").format(flags=", ".join(marks))
        self.notice(text)

    @Slot()
    def correct_selected(self) -> None:
        row = self.selected_row()
        if row is None or not row.effective:
            return
        from ui.dialogs.service_entry import open_correction

        open_correction(self, self.ctx, self.bus, row.id, on_saved=self._saved)

    @Slot()
    def cancel_selected(self) -> None:
        row = self.selected_row()
        if row is None or not row.effective:
            return
        from ui.dialogs.service_entry import open_cancellation

        open_cancellation(self, self.ctx, self.bus, row.id, client_name=row.client_name, on_saved=self._saved)

    @Slot()
    def open_distribution(self) -> None:
        from ui.dialogs.distribution import open_distribution

        open_distribution(self, self.ctx, self.bus, on_saved=self._distributed)

    def _distributed(self, result) -> None:
        text = tr("Penyaluran “{title}” dicatat untuk {n} penerima.").format(
            title=result.distribution.title, n=format_number(len(result.entry_ids)))
        if result.outside_plan:
            text += " " + tr("{n} di antaranya ditandai di luar rencana.").format(n=format_number(result.outside_plan))
        self.notice(text)

    @Slot(QModelIndex)
    def _row_activated(self, _index: QModelIndex) -> None:
        self.correct_selected()

    @Slot(QPoint)
    def _context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu(self.table.indexAt(pos))
        if menu is not None:
            menu.exec(self.table.viewport().mapToGlobal(pos))
            menu.deleteLater()

    def context_menu(self, index: QModelIndex) -> QMenu | None:
        if not index.isValid():
            return None
        self.table.selectRow(index.row())
        row = self.selected_row()
        if row is None:
            return None
        menu = QMenu(self)
        correct = QAction(tr("&Koreksi…"), menu)
        correct.setShortcut(QKeySequence(Qt.Key.Key_F2))
        correct.triggered.connect(self.correct_selected)
        cancel = QAction(tr("Bata&lkan…"), menu)
        cancel.setShortcut(QKeySequence(Qt.Key.Key_Delete))
        cancel.triggered.connect(self.cancel_selected)
        another = QAction(tr("Catat layanan lain untuk {name}…").format(name=row.client_name), menu)
        another.triggered.connect(lambda: self.open_entry(row.client_id))
        for action in (correct, cancel):
            action.setEnabled(row.effective)
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(another)
        return menu

