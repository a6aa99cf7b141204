"""The Layanan list model: service entries newest recorded first, read a page at a time in the background.

The log can hold millions of entries, so the model never counts them and never loads them all: it keeps the
rows read so far and asks `service_stats.service_page` for the next page (keyed on the last id shown) when
the view scrolls near the end (`canFetchMore`/`fetchMore`). A new query drops the rows and starts again;
an answer to an older query is ignored.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont

from atensi_desktop.i18n import N_, format_date_short, format_number
from atensi_desktop.refdata import ref_list
from atensi_desktop.services import service_log as log
from atensi_desktop.services.service_stats import PAGE_SIZE, ServiceListQuery, ServiceRow, service_page
from ui.i18n import tr
from ui.style import MUTED
from ui.tasks import Task

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
_ROOT = QModelIndex()
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
WARNING_INK = QColor("#8a5300")
COLUMNS = (N_("Tanggal"), N_("Klien"), N_("Layanan"), N_("Jumlah"), N_("Nilai (Rp)"), N_("Sumber dana"),
           N_("Petugas"), N_("Tanda"))
RIGHT_ALIGNED = (3, 4)
KIND_SHORT = {"atensi": N_("ATENSI"), "spm": N_("SPM"), "rehab": N_("Rehsos")}


def when_text(row: ServiceRow) -> str:
    """'05-03-2026', or '05-03 – 11-03-2026' for a period (the first year too when it differs)."""
    until = row.date_until
    if until is None or until == row.date_from:
        return format_date_short(row.date_from)
    start = row.date_from.strftime("%d-%m") if until.year == row.date_from.year else format_date_short(row.date_from)
    return f"{start} – {format_date_short(until)}"


def quantity_text(row: ServiceRow) -> str:
    if row.quantity is None:
        return ""
    number = row.quantity.normalize()
    shown = format_number(int(number)) if number == number.to_integral_value() else str(number).replace(".", ",")
    return f"{shown} {row.unit or ''}".strip()


def short_service_label(row: ServiceRow) -> str:
    """The sub-item alone when there is one ('Sembako/Nutrisi'), else the service ('Permakanan')."""
    full = log.service_label(row.service_kind, row.service_code, row.subitem_code)
    return full.split(" \u2014 ", 1)[1] if row.subitem_code and " \u2014 " in full else full


def flags_text(row: ServiceRow) -> str:
    """What the rule noticed and where the entry stands: 'di luar rencana, koreksi'."""
    parts = []
    if row.entry_type == log.ENTRY_CANCEL:
        parts.append(tr("pembatalan"))
    elif row.superseded:
        parts.append(tr("sudah dikoreksi/dibatalkan"))
    if row.entry_type == log.ENTRY_CORRECTION:
        parts.append(tr("koreksi"))
    if row.flags.get(log.FLAG_OUTSIDE_PLAN):
        parts.append(tr("di luar rencana"))
    if row.flags.get(log.FLAG_AFTER_TERMINATION):
        parts.append(tr("sesudah terminasi"))
    if row.distribution_id is not None:
        parts.append(tr("penyaluran"))
    return ", ".join(parts)


class ServiceListModel(QAbstractTableModel):
    """`set_query()` starts over (`load_started`); each page in emits `page_loaded(rows_so_far)`; a failure
    `load_failed(exception)`. `exhausted` once a page came back short."""

    load_started = Signal()
    page_loaded = Signal(int)
    load_failed = Signal(object)

    def __init__(self, db: Any, parent: Any = None, *, page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        self.db = db
        self.page_size = page_size
        self.query = ServiceListQuery()
        self.rows: list[ServiceRow] = []
        self.exhausted = False
        self._generation = 0
        self._task: Task | None = None
        self.started = False
        self._funding = ref_list("funding_sources")

    # --- loading ---------------------------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        return self._task is not None

    def set_query(self, query: ServiceListQuery) -> None:
        self.query = query
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Drop the rows and read the first page again."""
        self._generation += 1
        self.started = True
        self.beginResetModel()
        self.rows = []
        self.exhausted = False
        self.endResetModel()
        self._task = None
        self.load_started.emit()
        self._read_page()

    def _read_page(self) -> None:
        if self._task is not None or self.exhausted:
            return
        db, query, size = self.db, self.query, self.page_size
        before = self.rows[-1].id if self.rows else None
        generation = self._generation
        task = Task(lambda _progress: (generation, service_page(db, query, before=before, limit=size)))
        # bound slots: Qt drops the connections if the model is gone before the page comes
        task.finished.connect(self._page_in)
        task.failed.connect(self._page_failed)
        self._task = task
        task.start()

    @Slot(object)
    def _page_in(self, outcome: tuple[int, list[ServiceRow]]) -> None:
        generation, rows = outcome
        if generation != self._generation:
            return
        self._task = None
        if len(rows) < self.page_size:
            self.exhausted = True
        if rows:
            first = len(self.rows)
            self.beginInsertRows(_ROOT, first, first + len(rows) - 1)
            self.rows.extend(rows)
            self.endInsertRows()
        self.page_loaded.emit(len(self.rows))

    @Slot(object)
    def _page_failed(self, exc: BaseException) -> None:
        if self.sender() is not self._task:
            return  # an answer to an older query
        self._task = None
        self.exhausted = True
        self.load_failed.emit(exc)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> bool:
        return not parent.isValid() and self.started and not self.exhausted and self._task is None

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> None:
        if not parent.isValid():
            self._read_page()

    # --- the table -------------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return tr(COLUMNS[section])
        if role == Qt.ItemDataRole.TextAlignmentRole and section in RIGHT_ALIGNED:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def row_at(self, row: int) -> ServiceRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 2:
                return log.service_label(row.service_kind, row.service_code, row.subitem_code)
            if column == 1:
                return f"{row.client_name} ({row.client_display_id})"
            text = self._text(row, column)
            return text or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in RIGHT_ALIGNED:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if not row.effective:
                return QColor(MUTED)
            if column == 7 and (row.flags.get(log.FLAG_AFTER_TERMINATION) or row.flags.get(log.FLAG_OUTSIDE_PLAN)):
                return WARNING_INK
        if role == Qt.ItemDataRole.FontRole and not row.effective:
            font = QFont()
            font.setStrikeOut(row.entry_type != log.ENTRY_CANCEL)
            font.setItalic(row.entry_type == log.ENTRY_CANCEL)
            return font
        return None

    def _text(self, row: ServiceRow, column: int) -> str:
        if column == 0:
            return when_text(row)
        if column == 1:
            return row.client_name
        if column == 2:
            kind = tr(KIND_SHORT.get(row.service_kind, row.service_kind))
            return f"{kind} · {short_service_label(row)}"
        if column == 3:
            return quantity_text(row)
        if column == 4:
            return format_number(row.value_rp) if row.value_rp is not None else ""
        if column == 5:
            return self._funding.label(row.funding_source) if row.funding_source else ""
        if column == 6:
            if row.provider_worker_id is None and row.provider_name:
                return tr("Kantor {code}").format(code=row.provider_name)
            return row.provider_name or ""
        if column == 7:
            return flags_text(row)
        return ""

    def index_of(self, entry_id: uuid.UUID) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == entry_id), -1)

