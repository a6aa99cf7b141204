"""Riwayat berkas: the sync files sent and received, newest first, and for a received file the values it
changed (whose record, which field, old → new, in words)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.i18n import N_, format_number
from atensi_desktop.sync.change_lines import ChangeLine, describe_import_changes
from atensi_desktop.sync.exchange import RECEIVED, BundleHistoryDTO, bundle_history
from ui.errors import error_text, show_bug
from ui.i18n import tr
from ui.tasks import Task
from ui.widgets.common import make_label

KIND_LABELS = {"full": N_("lengkap"), "delta": N_("perubahan"), "case": N_("satu kasus")}
DETAIL_LIMIT = 2000


def kind_label(kind: str) -> str:
    label = KIND_LABELS.get(kind)
    return tr(label) if label else kind


def direction_label(entry: BundleHistoryDTO) -> str:
    return tr("Diterima") if entry.direction == RECEIVED else tr("Dikirim")


def history_cells(entry: BundleHistoryDTO) -> list[str]:
    """Waktu, Arah, Kantor, Jenis, Perubahan, Data baru, Nilai berubah, Konflik, Peringatan."""
    received = entry.direction == RECEIVED
    offices = ", ".join(n for n in entry.office_names if n) or (tr("(kata sandi)") if entry.kind == "case" else "-")
    return [
        entry.at.astimezone().strftime("%d-%m-%Y %H:%M"),
        direction_label(entry),
        offices,
        kind_label(entry.kind),
        format_number(entry.new_versions if received else entry.versions),
        format_number(entry.rows_created) if received else "-",
        format_number(entry.values_changed) if received else "-",
        format_number(entry.conflicts) if received else "-",
        format_number(len(entry.warnings)) if entry.warnings else "",
    ]


def _table(columns: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setTabKeyNavigation(False)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


class SyncHistoryDialog(QDialog):
    """The history table on top; below it, the details of the selected file."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entries: list[BundleHistoryDTO] = []
        self.changes: list[ChangeLine] = []
        self._pending = 0  # detail reads still running
        self.setWindowTitle(tr("Riwayat berkas sinkronisasi"))
        self.setMinimumSize(760, 480)
        self.resize(1120, 640)
        layout = QVBoxLayout(self)
        layout.addWidget(make_label(tr("Berkas yang dikirim dan diterima, terbaru di atas. Pilih berkas yang "
                                       "diterima untuk melihat nilai yang diubahnya."), "muted", wrap=True))
        self.table = _table([tr("Waktu"), tr("Arah"), tr("Kantor"), tr("Jenis"), tr("Perubahan"),
                             tr("Data baru"), tr("Nilai berubah"), tr("Konflik"), tr("Peringatan")], "historyTable")
        self.table.setAccessibleName(tr("Riwayat berkas"))
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self.show_selected)
        self.empty_label = make_label(tr("Belum ada berkas yang dikirim atau diterima."), "muted", wrap=True)
        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 6, 0, 0)
        self.summary_label = make_label("", "strong", wrap=True, selectable=True)
        self.summary_label.setObjectName("historySummary")
        self.warnings_label = make_label("", "error", wrap=True, selectable=True)
        self.warnings_label.setObjectName("historyWarnings")
        self.warnings_label.hide()
        self.changes_table = _table([tr("Klien/data"), tr("Bagian"), tr("Isian"), tr("Nilai lama"), tr("Nilai baru")],
                                    "changesTable")
        self.changes_table.setAccessibleName(tr("Nilai yang diubah berkas ini"))
        self.changes_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        changes_header = self.changes_table.horizontalHeader()
        for column in (3, 4):
            changes_header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.changes_note = make_label("", "muted", wrap=True)
        details_layout.addWidget(self.summary_label)
        details_layout.addWidget(self.warnings_label)
        details_layout.addWidget(self.changes_table, 1)
        details_layout.addWidget(self.changes_note)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(details)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(self.empty_label)
        layout.addWidget(splitter, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("&Tutup"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        try:
            self.entries = bundle_history(self.ctx.db)
        except AtensiError as exc:
            self.entries = []
            self.empty_label.setText(error_text(exc))
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            for column, text in enumerate(history_cells(entry)):
                item = QTableWidgetItem(text)
                if column >= 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if entry.warnings:
                    item.setToolTip("\n".join(entry.warnings))
                self.table.setItem(row, column, item)
        self.empty_label.setVisible(not self.entries)
        if self.entries:
            self.table.selectRow(0)
            self.table.setFocus()
        else:
            self.show_selected()

    def selected(self) -> BundleHistoryDTO | None:
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows and rows[0].row() < len(self.entries) else None

    @Slot()
    def show_selected(self) -> None:
        entry = self.selected()
        self.changes = []
        self.changes_table.setRowCount(0)
        self.changes_note.clear()
        self.warnings_label.setVisible(bool(entry and entry.warnings))
        self.warnings_label.setText("\n".join(entry.warnings) if entry else "")
        if entry is None:
            self.summary_label.clear()
            self.changes_table.hide()
            return
        self.summary_label.setText(self.summary(entry))
        if entry.direction != RECEIVED:
            self.changes_table.hide()
            self.changes_note.setText(tr("Berkas yang dikirim: nilai yang diubahnya tampil di riwayat kantor "
                                         "penerima."))
            return
        self.changes_note.setText(tr("Membaca nilai yang diubah…"))
        db, bundle_id = self.ctx.db, entry.bundle_id
        task = Task(lambda _progress: (bundle_id, describe_import_changes(db, bundle_id, limit=DETAIL_LIMIT)))
        task.finished.connect(self._changes_ready)
        task.failed.connect(self._changes_failed)
        self._pending += 1
        task.start()

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def _current(self, bundle_id: str) -> bool:
        entry = self.selected()
        return entry is not None and entry.bundle_id == bundle_id

    @Slot(object)
    def _changes_failed(self, exc: BaseException) -> None:
        self._pending -= 1
        entry = self.selected()
        if entry is None or entry.direction != RECEIVED:
            return
        self.changes_table.hide()
        if not isinstance(exc, AtensiError):
            show_bug(self, exc)
            return
        self.changes_note.setText(error_text(exc))

    @Slot(object)
    def _changes_ready(self, payload: tuple[str, list[ChangeLine]]) -> None:
        self._pending -= 1
        bundle_id, lines = payload
        self._show_changes(bundle_id, lines)

    def _show_changes(self, bundle_id: str, lines: list[ChangeLine]) -> None:
        if not self._current(bundle_id):
            return  # another file was selected meanwhile
        self.changes = lines
        self.changes_note.clear()
        self.changes_table.setRowCount(len(lines))
        for row, line in enumerate(lines):
            old = tr("(data baru)") if line.created else line.old
            for column, text in enumerate((line.subject, line.table_label, line.field_label, old, line.new)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.changes_table.setItem(row, column, item)
        self.changes_table.setVisible(bool(lines))
        if not lines:
            self.changes_note.setText(tr("Berkas ini tidak mengubah nilai apa pun di sini."))
        elif len(lines) >= DETAIL_LIMIT:
            self.changes_note.setText(tr("Hanya {n} nilai pertama yang ditampilkan.").format(
                n=format_number(DETAIL_LIMIT)))

    def summary(self, entry: BundleHistoryDTO) -> str:
        when = entry.at.astimezone().strftime("%d-%m-%Y %H:%M")
        offices = ", ".join(n for n in entry.office_names if n)
        values: dict[str, Any] = {"when": when, "kind": kind_label(entry.kind), "by": entry.by or "-"}
        if entry.direction == RECEIVED:
            return tr("Diterima {when} dari {office} oleh {by} (berkas {kind}): {new} perubahan baru dari {total}, "
                      "{rows} baris data baru, {values} nilai berubah, {conflicts} konflik.").format(
                office=offices or "-", new=format_number(entry.new_versions), total=format_number(entry.versions),
                rows=format_number(entry.rows_created), values=format_number(entry.values_changed),
                conflicts=format_number(entry.conflicts), **values)
        size = ""
        if entry.size_bytes:
            from ui.dialogs.sync_dialogs import format_size
            size = format_size(entry.size_bytes)
        return tr("Dikirim {when} oleh {by} (berkas {kind}) untuk {office}: {file} {size}, {total} perubahan, "
                  "{blobs} lampiran.").format(
            office=offices or tr("penerima dengan kata sandi"), file=entry.file_name or "", size=size,
            total=format_number(entry.versions), blobs=format_number(entry.blobs), **values)
