"""Klien: the searchable, filterable, sortable client list; new client, import, duplicates, export, archive."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, QStandardPaths, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLineEdit,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QStackedWidget,
    QTableView,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.i18n import format_number
from atensi_desktop.security import roles
from atensi_desktop.services.client_export import ExportResult, export_clients
from atensi_desktop.services.clients import ClientQuery, ClientRow, archive_client, restore_client
from ui.change_bus import ChangeBus
from ui.dialogs.client_form import ClientFormDialog
from ui.errors import show_bug, show_error
from ui.i18n import tr
from ui.icons import icon
from ui.models.client_list import ID_ROLE, ClientListModel
from ui.tasks import Task
from ui.views.base import View
from ui.widgets.client_filters import ClientFilters
from ui.widgets.common import make_label

SEARCH_DELAY_MS = 250
EXPORT_DIALOG_DELAY_MS = 300  # an export that finishes sooner shows no progress window
# Typical widest content per column (the last column, Klaster, stretches); scaled with the font.
COLUMN_SAMPLES = ("DSHSS-WWWWWW", "Muhammad Rahman Hidayat", "630607**********", "L/P", "00-00-0000", "Umur",
                  "Mdl. Murung Mesjid")


def confirm_archive(parent: QWidget, client: ClientRow) -> bool:
    """Ask before archiving: names the client and says it can be restored."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(tr("Arsipkan klien"))
    box.setText(tr("Arsipkan {name} ({id})?").format(name=client.name, id=client.display_id))
    box.setInformativeText(tr(
        "Klien ini tidak tampil lagi di daftar, tetapi datanya, kasusnya dan riwayatnya tetap tersimpan. "
        "Anda bisa memulihkannya kapan saja: centang “Tampilkan yang diarsipkan”, pilih klien itu, lalu "
        "“Pulihkan”."))
    archive = box.addButton(tr("Arsipkan"), QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(tr("Batal"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is archive


class KlienView(View):
    """Search as you type (debounced), filters, a count, and the lazily paged table; sorting re-queries in SQL."""

    name = "klien"

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(ctx, bus, tr("Klien"), parent)
        # the list's first page and count are read in the background while the rest of the screen is built
        self.model = ClientListModel(ctx.db, self)
        self.model.set_query(ClientQuery())
        self.count_label = make_label("", "muted")
        self.count_label.setObjectName("clientCount")
        self.header.insertWidget(1, self.count_label)
        self.header.insertSpacing(1, 12)
        self.duplicates_button = self._header_button(
            tr("Kemungkinan &duplikat"), "duplicatesButton",
            tr("Periksa pasangan klien yang mungkin orang yang sama (Ctrl+D)"), self.open_duplicates)
        self.import_button = self._header_button(
            tr("&Impor…"), "importButton", tr("Impor klien dari file XLSX atau CSV (Ctrl+I)"), self.open_import)
        self.export_button = self._header_button(
            tr("&Ekspor…"), "exportButton", tr("Ekspor daftar yang tampil (dengan saringannya) ke XLSX (Ctrl+E)"),
            self.export)
        self.print_button = self._header_button(
            tr("Cetak da&ftar (PDF)…"), "printListButton",
            tr("Cetak daftar yang tampil (dengan saringannya) sebagai laporan PDF: pratinjau di layar Laporan, "
               "lalu cetak atau simpan (Ctrl+P)"), self.print_list)
        self.new_button = self._header_button(
            tr("Klien baru"), "newClient", tr("Daftarkan klien baru (Ctrl+N)"), self.new_client)
        self.new_button.setIcon(icon("klien"))
        self.new_button.setDefault(False)
        self._permitted = {button: perm for button, perm in (
            (self.duplicates_button, roles.CLIENT_MERGE), (self.import_button, roles.IMPORT_DATA),
            (self.export_button, roles.EXPORT_DATA), (self.print_button, roles.REPORT_AGGREGATE),
            (self.new_button, roles.CLIENT_CREATE))}
        for button, perm in self._permitted.items():
            button.setVisible(self.may(perm))
        self.form: ClientFormDialog | None = None

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("clientSearch")
        self.search_edit.setPlaceholderText(tr("Cari nama, NIK, No. KK atau ID klien…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.addAction(icon("cari"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_edit.setAccessibleName(tr("Cari klien"))
        self.search_edit.setMinimumWidth(330)
        self.search_edit.setMaximumWidth(440)
        self.filters = ClientFilters(ctx)
        self.filters.row.insertWidget(0, self.search_edit, 1)
        self.archive_button = QPushButton(tr("&Arsipkan"))
        self.archive_button.setObjectName("archiveButton")
        self.archive_button.clicked.connect(self.archive_or_restore)
        self.filters.row.addWidget(self.archive_button)
        self.body.addWidget(self.filters)

        self.table = self._make_table()
        self.empty_label = make_label("", "empty", wrap=True)
        self.empty_label.setObjectName("clientEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.table)
        self.pages.addWidget(self.empty_label)
        self.body.addWidget(self.pages, 1)
        self.notice_label = make_label("", "muted", selectable=True)
        self.notice_label.setObjectName("clientNotice")
        self.notice_label.hide()
        self.body.addWidget(self.notice_label)
        self.body.setSpacing(10)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._run_search)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.search_edit.returnPressed.connect(self._run_search)
        self.filters.changed.connect(self._requery)
        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_search)
        QShortcut(QKeySequence.StandardKey.New, self, self.new_client)
        QShortcut(QKeySequence("Ctrl+E"), self, self.export)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_list)  # Ctrl+P: only while this screen shows
        QShortcut(QKeySequence("Ctrl+I"), self, self.open_import)
        QShortcut(QKeySequence("Ctrl+D"), self, self.open_duplicates)
        QShortcut(QKeySequence("Ctrl+K"), self.table, self.open_household)
        QShortcut(QKeySequence("Ctrl+Shift+A"), self.table, self.open_asesmen)
        # the Delete key itself: the standard "Delete" also means Ctrl+D on GNOME/KDE, which opens duplicates
        delete = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table, self.archive_selected)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        self.table.activated.connect(self._row_activated)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().currentRowChanged.connect(self._update_actions)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self._set_tab_order()

        self._reselect_row: int | None = None
        self._export_task: Task | None = None
        self.export_dialog: QProgressDialog | None = None
        self.model.load_started.connect(self._show_loading)
        self.model.rows_shown.connect(self._show_rows)
        self.model.loaded.connect(self._show_loaded)
        self.model.load_failed.connect(self._show_failure)
        self.model.modelReset.connect(self._update_actions)
        bus.clients_changed.connect(self.model.refresh)
        bus.office_changed.connect(self._office_changed)
        self._update_actions()
        self._show_loading()  # the answers to the query started above arrive through the event loop

    def _header_button(self, text: str, name: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        self.header.addWidget(button)
        return button

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("clientTable")
        table.setAccessibleName(tr("Daftar klien"))
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setTabKeyNavigation(False)  # Tab leaves the list; the arrow keys move between rows
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

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [self.search_edit, self.filters.toggle_button, self.filters.clear_button,
                                self.filters.archived_check, self.archive_button, *self.filters.combos.values(),
                                self.table, self.new_button, self.print_button, self.export_button,
                                self.import_button, self.duplicates_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # --- searching, filtering and sorting -------------------------------------------------------------

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
        self._requery()

    @Slot()
    def _requery(self) -> None:
        """The model's query from the search box and the filters (re-run only when it changed)."""
        self._search_timer.stop()
        text = " ".join(self.search_edit.text().split())
        query = self.filters.apply(replace(self.model.query, text=text))
        if query != self.model.query:
            self.model.set_query(query)

    @Slot()
    def _office_changed(self) -> None:
        self.filters.office_changed()
        self.model.refresh()

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

    # --- the client form, import, duplicates ------------------------------------------------------------

    @Slot()
    def new_client(self) -> None:
        if not self.may(roles.CLIENT_CREATE):
            return
        self.open_form(None)

    @Slot(QModelIndex)
    def _row_activated(self, index: QModelIndex) -> None:
        """Enter or double-click on a row: edit that client (archived clients are restored first)."""
        client_id = index.data(ID_ROLE)
        if client_id is None:
            return
        row = self.model.cached_row(index.row())
        if row is not None and row.archived:
            self.notice(tr("“{name}” diarsipkan; pilih “Pulihkan” dulu untuk mengubah datanya.").format(
                name=row.name))
            return
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

    @Slot()
    def open_import(self) -> None:
        if not self.may(roles.IMPORT_DATA):
            return
        from ui.dialogs import client_import  # loaded when first used: keeps start-up lean

        client_import.open_client_import(self, self.ctx, self.bus)

    @Slot()
    def open_duplicates(self) -> None:
        if not self.may(roles.CLIENT_MERGE):
            return
        from ui.dialogs import duplicate_review

        duplicate_review.open_duplicate_review(self, self.ctx, self.bus)

    @Slot()
    def open_household(self) -> None:
        """The selected client's household (Kartu Keluarga): members, relations, moves (Ctrl+K)."""
        client = self.selected_client()
        if client is None or client.archived:
            self.notice(tr("Pilih klien di daftar dulu, lalu buka keluarganya (Ctrl+K)."))
            return
        from ui.dialogs import household

        household.open_household(self, self.ctx, self.bus, client_id=client.id)

    @Slot()
    def open_asesmen(self) -> None:
        """The selected client's asesmen and plans, from which the wizard opens (Ctrl+Shift+A)."""
        client = self.selected_client()
        if client is None or client.archived:
            self.notice(tr("Pilih klien di daftar dulu, lalu buka asesmennya (Ctrl+Shift+A)."))
            return
        from ui.dialogs import asesmen_list

        asesmen_list.open_asesmen_list(self, self.ctx, self.bus, client.id)

    def _add_case_actions(self, menu: QMenu, client: ClientRow) -> None:
        """"Buka kasus…" when the client has a case (several: a submenu, newest first)."""
        from atensi_desktop.services.cases import list_cases
        from ui.dialogs.case_window import open_case_window

        try:
            found = list_cases(self.ctx.db, client_id=client.id, limit=20)
        except AtensiError:
            return
        if len(found) == 1:
            action = QAction(tr("Buka ka&sus…"), menu)
            action.triggered.connect(lambda: open_case_window(self, self.ctx, self.bus, found[0].id))
            menu.addAction(action)
        elif found:
            cases_menu = menu.addMenu(tr("Buka ka&sus"))
            for case in found:
                item = QAction(f"{case.display_id} · {case.stage_label}", cases_menu)
                item.triggered.connect(lambda _checked=False, case_id=case.id: open_case_window(
                    self, self.ctx, self.bus, case_id))
                cases_menu.addAction(item)

    # --- archive and restore ----------------------------------------------------------------------------

    def selected_client(self) -> ClientRow | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        return self.model.cached_row(index.row()) or self.model.client_row(index.row())

    @Slot()
    def _update_actions(self, *_args) -> None:
        client = self.selected_client()
        archived = client is not None and client.archived
        self.archive_button.setText(tr("&Pulihkan") if archived else tr("&Arsipkan"))
        self.archive_button.setEnabled(client is not None)
        if client is None:
            self.archive_button.setToolTip(tr("Pilih klien di daftar dulu"))
        elif archived:
            self.archive_button.setToolTip(tr("Kembalikan klien ini ke daftar"))
        else:
            self.archive_button.setToolTip(tr("Sembunyikan klien ini dari daftar; datanya tetap tersimpan (Delete)"))

    @Slot()
    def archive_or_restore(self) -> None:
        client = self.selected_client()
        if client is not None and client.archived:
            self.restore_selected()
        else:
            self.archive_selected()

    @Slot()
    def archive_selected(self) -> None:
        """Archive the selected client after confirmation (a tombstone: never a hard delete)."""
        client = self.selected_client()
        if client is None:
            return
        if client.archived:
            self.notice(tr("“{name}” sudah diarsipkan; pilih “Pulihkan” untuk mengembalikannya.").format(
                name=client.name))
            return
        if not confirm_archive(self, client):
            return
        if self._change(archive_client, client):
            if self.filters.show_archived:
                text = tr("“{name}” diarsipkan.")
            else:
                text = tr("“{name}” diarsipkan. Centang “Tampilkan yang diarsipkan” untuk memulihkannya.")
            self.notice(text.format(name=client.name))

    @Slot()
    def restore_selected(self) -> None:
        client = self.selected_client()
        if client is None or not client.archived:
            return
        if self._change(restore_client, client):
            self.notice(tr("“{name}” dipulihkan dan tampil lagi di daftar.").format(name=client.name))

    def _change(self, action, client: ClientRow) -> bool:
        try:
            action(self.ctx.db, client.id)
        except AtensiError as exc:
            show_error(self, exc)
            return False
        self._reselect_row = self.table.currentIndex().row()
        self.bus.clients_changed.emit()
        return True

    @Slot(QPoint)
    def _context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu(self.table.indexAt(pos))
        if menu is not None:
            menu.exec(self.table.viewport().mapToGlobal(pos))
            menu.deleteLater()

    def context_menu(self, index: QModelIndex) -> QMenu | None:
        """The row's menu: open, archive (Delete) or restore."""
        if not index.isValid():
            return None
        self.table.selectRow(index.row())
        client = self.selected_client()
        if client is None:
            return None
        menu = QMenu(self)
        if not client.archived:
            open_action = QAction(tr("&Buka"), menu)
            open_action.setShortcut(QKeySequence(Qt.Key.Key_Return))
            open_action.triggered.connect(lambda: self.open_form(client.id))
            menu.addAction(open_action)
            family = QAction(tr("&Keluarga (KK)…"), menu)
            family.setShortcut(QKeySequence("Ctrl+K"))
            family.triggered.connect(self.open_household)
            menu.addAction(family)
            asesmen = QAction(tr("&Asesmen…"), menu)
            asesmen.setShortcut(QKeySequence("Ctrl+Shift+A"))
            asesmen.triggered.connect(self.open_asesmen)
            menu.addAction(asesmen)
            self._add_case_actions(menu, client)
            consents = QAction(tr("&Persetujuan data…"), menu)
            consents.triggered.connect(lambda: self.open_consents(client.id))
            menu.addAction(consents)
            menu.addAction(self._history_action(menu, client))
            archive = QAction(tr("&Arsipkan…"), menu)
            archive.setShortcut(QKeySequence(Qt.Key.Key_Delete))
            archive.triggered.connect(self.archive_selected)
            menu.addAction(archive)
        else:
            restore = QAction(tr("&Pulihkan"), menu)
            restore.triggered.connect(self.restore_selected)
            menu.addAction(restore)
            menu.addAction(self._history_action(menu, client))
        if self.may(roles.PURGE_DATA):
            menu.addSeparator()
            purge_action = QAction(tr("Hapus data atas permintaan &hukum…"), menu)
            purge_action.triggered.connect(lambda: self.open_purge(client))
            menu.addAction(purge_action)
        return menu

    def may(self, perm: str) -> bool:
        """May the signed-in person do this (always, with no one signed in: security not enabled)?"""
        return roles.can(self.ctx.db, perm)

    def open_purge(self, client: ClientRow):
        """Erase or anonymise the client on a legal request (a signed purge order that sync carries)."""
        from ui.dialogs.purge_dialog import PurgeDialog

        dialog = PurgeDialog(self.ctx, client.id, client.display_id, client.name, self)
        dialog.finished.connect(lambda result, d=dialog: self._purge_finished(d, result))
        dialog.open()
        return dialog

    def _purge_finished(self, dialog, result: int) -> None:
        dialog.deleteLater()
        if result:
            self.notice(dialog.result_text)
            self.bus.clients_changed.emit()

    def _history_action(self, menu: QMenu, client: ClientRow) -> QAction:
        history = QAction(tr("&Riwayat akses && perubahan…"), menu)
        history.triggered.connect(lambda: self.open_audit(client.id))
        return history

    def open_consents(self, client_id: uuid.UUID):
        """The client's consents to data processing (UU 27/2022): list, add with proof, withdraw."""
        from ui.dialogs.consent_dialog import open_consents

        return open_consents(self, self.ctx, client_id)

    def open_audit(self, client_id: uuid.UUID):
        """The client's audit trail: who changed, viewed, printed or exported what, and when."""
        from ui.dialogs.audit_dialog import open_audit

        return open_audit(self, self.ctx, client_id)

    # --- print the list ----------------------------------------------------------------------------------

    @Slot()
    def print_list(self):
        """Daftar Klien with the filters, search text and order shown now: the Laporan screen comes to the front
        with its report dialog (paper, redaction); OK builds the preview there. Returns the dialog (or None)."""
        if not self.may(roles.REPORT_AGGREGATE):
            return None
        query = self.filters.apply(replace(self.model.query, text=" ".join(self.search_edit.text().split())))
        window = self.window()
        if not hasattr(window, "show_view"):
            self.notice(tr("Buka layar Laporan untuk mencetak daftar klien."))
            return None
        laporan = window.show_view("laporan")
        return laporan.print_client_list(query)

    # --- export ------------------------------------------------------------------------------------------

    @Slot()
    def export(self) -> None:
        """Ask where, then export the list as it is filtered and sorted now."""
        if not self.may(roles.EXPORT_DATA):
            return
        if self._export_task is not None:
            if self.export_dialog is not None:
                self.export_dialog.show()
                self.export_dialog.raise_()
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) \
            or str(Path.home())
        default = str(Path(folder) / f"klien-{dt.date.today().isoformat()}.xlsx")
        path, _filter = QFileDialog.getSaveFileName(self, tr("Ekspor daftar klien"), default,
                                                    tr("Buku kerja Excel (*.xlsx)"))
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        self.export_to(Path(path))

    def export_to(self, path: Path) -> Task | None:
        """Export in the background to `path`, with a progress window (shown after a moment) and cancel."""
        if self._export_task is not None:
            return None
        db, query = self.ctx.db, self.model.query
        task = Task(lambda progress: export_clients(db, query, path, progress=progress))
        dialog = QProgressDialog(tr("Menghitung klien…"), tr("Batal"), 0, 0, self)
        dialog.setObjectName("exportProgress")
        dialog.setWindowTitle(tr("Ekspor klien"))
        dialog.setWindowModality(Qt.WindowModality.NonModal)  # a modal one would re-enter the event loop
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(EXPORT_DIALOG_DELAY_MS)
        dialog.setMinimumWidth(420)
        dialog.canceled.connect(task.cancel)
        task.progressed.connect(self._export_progressed)
        task.finished.connect(self._exported)
        task.failed.connect(self._export_failed)
        task.cancelled.connect(self._export_cancelled)
        self._export_task, self.export_dialog = task, dialog
        self.export_button.setEnabled(False)
        self.notice("")
        dialog.setValue(0)
        task.start()
        return task

    @property
    def exporting(self) -> bool:
        return self._export_task is not None

    @Slot(int, int, str)
    def _export_progressed(self, done: int, total: int, _message: str) -> None:
        dialog = self.export_dialog
        if dialog is None or dialog.wasCanceled():
            return
        if total and done >= total:
            dialog.setLabelText(tr("Menyimpan file…"))
        else:
            dialog.setLabelText(tr("Mengekspor {done} dari {total} klien…").format(
                done=format_number(done), total=format_number(total)))
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, max(total, 1)))

    def _export_done(self) -> None:
        self._export_task = None
        if self.export_dialog is not None:
            self.export_dialog.hide()
            self.export_dialog.deleteLater()
            self.export_dialog = None
        self.export_button.setEnabled(True)

    @Slot(object)
    def _exported(self, result: ExportResult) -> None:
        self._export_done()
        self.notice(tr("{count} klien diekspor ke {path}.").format(count=format_number(result.count),
                                                                    path=str(result.path)))

    @Slot(object)
    def _export_failed(self, exc: BaseException) -> None:
        self._export_done()
        self.notice(tr("Ekspor gagal; tidak ada file yang ditulis."))
        show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    @Slot()
    def _export_cancelled(self) -> None:
        self._export_done()
        self.notice(tr("Ekspor dibatalkan; tidak ada file yang ditulis."))

    # --- results ---------------------------------------------------------------------------------------

    def notice(self, text: str) -> None:
        """One line under the list about the last action (export written, client archived)."""
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    def _narrowed(self) -> bool:
        return bool(self.model.query.text) or self.filters.active_count() > 0

    @Slot()
    def _show_loading(self) -> None:
        self.count_label.setText(tr("Mencari…") if self._narrowed() else tr("Memuat…"))

    @Slot(int)
    def _show_rows(self, rows: int) -> None:
        if rows:
            self.pages.setCurrentWidget(self.table)
        if self.model.counting:
            self.count_label.setText(tr("Menghitung…"))

    @Slot(int)
    def _show_loaded(self, count: int) -> None:
        text = self.model.query.text
        number = format_number(count)
        if self._narrowed():
            label = tr("{count} klien cocok").format(count=number)
        else:
            label = tr("{count} klien").format(count=number)
        if self.model.query.include_archived:
            label += " " + tr("(termasuk yang diarsipkan)")
        self.count_label.setText(label)
        self._reselect()
        if count:
            self.pages.setCurrentWidget(self.table)
            return
        filtered = self.filters.active_count() > 0
        if text and filtered:
            self.empty_label.setText(tr(
                "Tidak ada klien yang cocok dengan “{text}” dan saringan ini.\n"
                "Pilih “Hapus saringan” untuk mencari di semua klien.").format(text=text))
        elif text:
            self.empty_label.setText(tr("Tidak ada klien yang cocok dengan “{text}”.").format(text=text))
        elif filtered:
            self.empty_label.setText(tr(
                "Tidak ada klien yang cocok dengan saringan ini.\n"
                "Pilih “Hapus saringan” untuk melihat semua klien."))
        else:
            self.empty_label.setText(tr(
                "Belum ada klien.\nKlien yang sudah didaftarkan akan tampil di sini. "
                "Pilih “Klien baru” (Ctrl+N) untuk mendaftarkan klien pertama."))
        self.pages.setCurrentWidget(self.empty_label)

    def _reselect(self) -> None:
        """After archiving or restoring, keep the cursor where it was (on the next client, if that one left)."""
        row, self._reselect_row = self._reselect_row, None
        count = self.model.rowCount()
        if row is None or row < 0 or not count:
            self._update_actions()
            return
        self.table.selectRow(min(row, count - 1))
        self._update_actions()

    @Slot(object)
    def _show_failure(self, exc: BaseException) -> None:
        self.count_label.setText("")
        if isinstance(exc, AtensiError):
            self.empty_label.setText(f"{exc.message}\n{exc.hint or ''}".strip())
            self.pages.setCurrentWidget(self.empty_label)
        else:
            show_bug(self, exc, log_file=self.ctx.paths.logs / "atensi.log")
