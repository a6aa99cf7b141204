"""Klien: the searchable, sortable client list; "Klien baru" (Ctrl+N) and Enter or double-click open the form."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QModelIndex, Qt, QTimer, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.i18n import format_number
from ui.change_bus import ChangeBus
from ui.dialogs.client_form import ClientFormDialog
from ui.errors import show_bug, show_error
from ui.i18n import tr
from ui.icons import icon
from ui.models.client_list import ID_ROLE, ClientListModel
from ui.views.base import View
from ui.widgets.common import make_label

SEARCH_DELAY_MS = 250
# Typical widest content per column (the last column, Klaster, stretches); scaled with the font.
COLUMN_SAMPLES = ("DSHSS-WWWWWW", "Muhammad Rahman Hidayat", "630607**********", "L/P", "00-00-0000", "Umur",
                  "Mdl. Murung Mesjid")


class KlienView(View):
    """Search as you type (debounced), a count, and the lazily paged table; sorting re-queries in SQL."""

    name = "klien"

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(ctx, bus, tr("Klien"), parent)
        self.count_label = make_label("", "muted")
        self.count_label.setObjectName("clientCount")
        self.header.addWidget(self.count_label)
        self.new_button = QPushButton(icon("klien"), tr("Klien baru"))
        self.new_button.setObjectName("newClient")
        self.new_button.setToolTip(tr("Daftarkan klien baru (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_client)
        self.header.addSpacing(12)
        self.header.addWidget(self.new_button)
        self.form: ClientFormDialog | None = None

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("clientSearch")
        self.search_edit.setPlaceholderText(tr("Cari nama, NIK, No. KK atau ID klien…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.addAction(icon("cari"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_edit.setAccessibleName(tr("Cari klien"))
        self.search_edit.setMaximumWidth(520)
        self.body.addWidget(self.search_edit)

        self.model = ClientListModel(ctx.db, self)
        self.table = self._make_table()
        self.empty_label = make_label("", "empty", wrap=True)
        self.empty_label.setObjectName("clientEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.table)
        self.pages.addWidget(self.empty_label)
        self.body.addWidget(self.pages, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._run_search)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.search_edit.returnPressed.connect(self._run_search)
        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_search)
        QShortcut(QKeySequence.StandardKey.New, self, self.new_client)
        self.table.activated.connect(self._row_activated)

        self.model.load_started.connect(self._show_loading)
        self.model.loaded.connect(self._show_loaded)
        self.model.load_failed.connect(self._show_failure)
        bus.clients_changed.connect(self.model.refresh)
        bus.office_changed.connect(self.model.refresh)
        self.model.refresh()

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("clientTable")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 12)
        header = table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(1, Qt.SortOrder.AscendingOrder)
        header.setStretchLastSection(True)
        metrics = table.fontMetrics()
        bold = header.fontMetrics()
        for column, sample in enumerate(COLUMN_SAMPLES):
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal) or "")
            # wide enough for a typical value and for the (translated) title with its sort arrow
            width = max(metrics.horizontalAdvance(sample) + 28, bold.horizontalAdvance(title) + 44)
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.sectionClicked.connect(self._header_clicked)
        self._sort = (1, Qt.SortOrder.AscendingOrder)
        return table

    # --- searching and sorting -------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.model.loading

    @Slot()
    def _focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    @Slot()
    def _run_search(self) -> None:
        self._search_timer.stop()
        self.model.set_search_text(" ".join(self.search_edit.text().split()))

    @Slot(int)
    def _header_clicked(self, column: int) -> None:
        """Sortable columns toggle their order; the others keep the current sort."""
        header = self.table.horizontalHeader()
        if not ClientListModel.is_sortable(column):
            header.setSortIndicator(*self._sort)
            return
        current_column, current_order = self._sort
        if column == current_column:
            order = Qt.SortOrder.DescendingOrder if current_order == Qt.SortOrder.AscendingOrder \
                else Qt.SortOrder.AscendingOrder
        else:
            order = Qt.SortOrder.AscendingOrder
        self._sort = (column, order)
        header.setSortIndicator(column, order)
        self.model.sort(column, order)

    def sort_by(self, column: int, order: Qt.SortOrder) -> None:
        """Sort as if the header had been clicked to that order (for keyboard users and tests)."""
        self._sort = (column, Qt.SortOrder.DescendingOrder if order == Qt.SortOrder.AscendingOrder
                      else Qt.SortOrder.AscendingOrder)
        self._header_clicked(column)

    # --- the client form -------------------------------------------------------------------------------

    @Slot()
    def new_client(self) -> None:
        self.open_form(None)

    @Slot(QModelIndex)
    def _row_activated(self, index: QModelIndex) -> None:
        """Enter or double-click on a row: edit that client."""
        client_id = index.data(ID_ROLE)
        if client_id is not None:
            self.open_form(client_id)

    def open_form(self, client_id: uuid.UUID | None) -> ClientFormDialog | None:
        """Open the client form (window-modal, not blocking); after a save the list refreshes."""
        if self.form is not None:
            self.form.raise_()
            self.form.activateWindow()
            return self.form
        try:
            dialog = ClientFormDialog(self.ctx, client_id=client_id, parent=self)
        except AtensiError as exc:  # e.g. the client was archived or merged meanwhile
            show_error(self, exc)
            return None
        dialog.finished.connect(lambda _result, d=dialog: self._form_finished(d))
        self.form = dialog
        dialog.open()
        return dialog

    def _form_finished(self, dialog: ClientFormDialog) -> None:
        self.form = None
        saved, other = dialog.saved_client, dialog.open_client_id
        dialog.deleteLater()
        if saved is not None:
            self.bus.clients_changed.emit()
        if other is not None:
            self.open_form(other)

    # --- results ---------------------------------------------------------------------------------------

    @Slot()
    def _show_loading(self) -> None:
        self.count_label.setText(tr("Mencari…") if self.model.query.text else tr("Memuat…"))

    @Slot(int)
    def _show_loaded(self, count: int) -> None:
        text = self.model.query.text
        if text:
            self.count_label.setText(tr("{count} klien cocok").format(count=format_number(count)))
        else:
            self.count_label.setText(tr("{count} klien").format(count=format_number(count)))
        if count:
            self.pages.setCurrentWidget(self.table)
            return
        if text:
            self.empty_label.setText(tr("Tidak ada klien yang cocok dengan “{text}”.").format(text=text))
        else:
            self.empty_label.setText(tr(
                "Belum ada klien.\nKlien yang sudah didaftarkan akan tampil di sini. "
                "Pilih “Klien baru” (Ctrl+N) untuk mendaftarkan klien pertama."))
        self.pages.setCurrentWidget(self.empty_label)

    @Slot(object)
    def _show_failure(self, exc: BaseException) -> None:
        self.count_label.setText("")
        if isinstance(exc, AtensiError):
            self.empty_label.setText(f"{exc.message}\n{exc.hint or ''}".strip())
            self.pages.setCurrentWidget(self.empty_label)
        else:
            show_bug(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

