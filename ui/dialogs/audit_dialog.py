"""Riwayat akses & perubahan: one client's audit trail (UU PDP Pasal 31-32) with a filter and an export.

The rows come from `services.audit.client_history` (changes from the version history plus view, print,
export and import events), newest first, 500 at a time ("Muat lebih banyak" reads the next page). "Ekspor…"
writes the whole filtered trail as CSV or as a naskah dinas PDF; the export itself is recorded.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.services import audit
from atensi_desktop.services.clients import get_client
from ui.errors import show_error
from ui.i18n import tr
from ui.widgets.common import make_label

PAGE = 500
COLUMNS = ("Waktu", "Tindakan", "Oleh", "Data", "Keterangan")
SIZE = (1040, 620)  # fits 1366 × 768 with the window frame


class AuditModel(QAbstractTableModel):
    """The loaded rows of the trail (a list of AuditRow; at most a few thousand for one client)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[audit.AuditRow] = []

    def set_rows(self, rows: list[audit.AuditRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def add_rows(self, rows: list[audit.AuditRow]) -> None:
        if not rows:
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(
                COLUMNS):
            return tr(COLUMNS[section])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            col = index.column()
            if col == 0:
                return audit.format_time(row.at)
            if col == 1:
                return row.action_label
            if col == 2:
                return row.who
            if col == 3:
                return row.what
            if col == 4:
                return row.detail or "–"
        return None


class AuditDialog(QDialog):
    """Per-client "Riwayat akses & perubahan" window."""

    def __init__(self, ctx: AppContext, client_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.client_id = client_id
        self.total = 0
        self.setObjectName("auditDialog")
        self.setWindowTitle(tr("Riwayat akses & perubahan"))
        client = get_client(ctx.db, client_id)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 14)
        outer.setSpacing(8)
        self.heading = make_label(tr("{name} · {id}").format(name=client.values.get("name") or "",
                                                             id=client.display_id), "subtitle")
        outer.addWidget(self.heading)
        outer.addWidget(make_label(tr(
            "Siapa membuat, mengubah, melihat, mencetak, mengekspor atau mengimpor data klien ini, dan kapan "
            "(UU 27/2022 Pasal 31–32). Isi data pribadi tidak ditampilkan, hanya nama kolomnya."), "muted", wrap=True))
        bar = QHBoxLayout()
        label = QLabel(tr("&Tampilkan:"))
        self.filter_combo = QComboBox()
        self.filter_combo.setObjectName("auditFilter")
        self.filter_combo.addItem(tr("Semua"), None)
        for code, text, actions in audit.ACTION_GROUPS:
            self.filter_combo.addItem(tr(text), (code, tuple(actions)))
        label.setBuddy(self.filter_combo)
        self.filter_combo.currentIndexChanged.connect(self.reload)
        bar.addWidget(label)
        bar.addWidget(self.filter_combo)
        bar.addStretch(1)
        self.count_label = make_label("", "muted")
        self.count_label.setObjectName("auditCount")
        bar.addWidget(self.count_label)
        outer.addLayout(bar)
        self.message = make_label("", "error", wrap=True)
        self.message.setObjectName("auditMessage")
        self.message.hide()
        outer.addWidget(self.message)
        self.model = AuditModel(self)
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setAccessibleName(tr("Riwayat akses dan perubahan"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for col, width in enumerate((150, 120, 160, 200)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        outer.addWidget(self.table, 1)
        footer = QHBoxLayout()
        self.more_button = QPushButton(tr("Muat &lebih banyak"))
        self.more_button.setObjectName("auditMore")
        self.more_button.clicked.connect(self.load_more)
        footer.addWidget(self.more_button)
        self.export_button = QPushButton(tr("&Ekspor…"))
        self.export_button.setObjectName("auditExport")
        self.export_button.setToolTip(tr("Simpan riwayat yang tampil (dengan saringannya) sebagai CSV atau PDF "
                                         "(Ctrl+E)"))
        self.export_button.clicked.connect(self.export)
        footer.addWidget(self.export_button)
        footer.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("Tutup"))
        buttons.rejected.connect(self.reject)
        footer.addWidget(buttons)
        outer.addLayout(footer)
        QShortcut(QKeySequence("Ctrl+E"), self, self.export)
        self.resize(*SIZE)
        self.reload()
        self.filter_combo.setFocus(Qt.FocusReason.OtherFocusReason)

    def actions(self) -> tuple[str, ...] | None:
        data = self.filter_combo.currentData()
        return data[1] if data else None

    def _fetch(self, offset: int) -> audit.AuditPage | None:
        try:
            page = audit.client_history(self.ctx.db, self.client_id, actions=self.actions(), limit=PAGE,
                                        offset=offset)
        except AtensiError as exc:
            self.message.setText(exc.message + (f" {exc.hint}" if exc.hint else ""))
            self.message.show()
            self.export_button.setEnabled(False)
            self.more_button.hide()
            return None
        self.message.hide()
        self.export_button.setEnabled(True)
        return page

    @Slot()
    def reload(self) -> None:
        page = self._fetch(0)
        self.model.set_rows(list(page.rows) if page else [])
        self.total = page.total if page else 0
        self._show_count()

    @Slot()
    def load_more(self) -> None:
        page = self._fetch(len(self.model.rows))
        if page is not None:
            self.model.add_rows(list(page.rows))
            self.total = page.total
        self._show_count()

    def _show_count(self) -> None:
        shown = len(self.model.rows)
        if self.total == 0:
            text = tr("Belum ada riwayat yang cocok.")
        elif shown < self.total:
            text = tr("{shown} dari {total} baris").format(shown=shown, total=self.total)
        else:
            text = tr("{total} baris").format(total=self.total)
        self.count_label.setText(text)
        self.more_button.setVisible(shown < self.total)

    @Slot()
    def export(self) -> None:
        if not self.export_button.isEnabled():
            return
        csv_filter, pdf_filter = tr("CSV (*.csv)"), tr("PDF (*.pdf)")
        path, chosen = QFileDialog.getSaveFileName(self, tr("Ekspor riwayat akses"), "riwayat-akses.csv",
                                                   f"{csv_filter};;{pdf_filter}")
        if path:
            self.export_to(Path(path), pdf=chosen == pdf_filter or path.lower().endswith(".pdf"))

    def export_to(self, path: Path, *, pdf: bool = False) -> bool:
        """Write the filtered trail to `path` (CSV, or PDF when `pdf`); shows the outcome in the count line."""
        try:
            if pdf:
                from atensi_desktop.services.subject_access import audit_pdf

                audit_pdf(self.ctx.db, self.client_id, path, actions=self.actions())
            else:
                audit.export_history_csv(self.ctx.db, self.client_id, path, actions=self.actions())
        except AtensiError as exc:
            show_error(self, exc)
            return False
        self.reload()  # the export is itself an event
        self.count_label.setText(tr("Riwayat diekspor ke {path}.").format(path=path))
        return True


def open_audit(parent: QWidget, ctx: AppContext, client_id: uuid.UUID) -> AuditDialog | None:
    """Show the client's audit window (modeless, deleted when closed); None when the client cannot be read."""
    try:
        dialog = AuditDialog(ctx, client_id, parent)
    except AtensiError as exc:
        show_error(parent, exc)
        return None
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
