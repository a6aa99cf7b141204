"""The client list model: holds only ids (queried in SQL, off the GUI thread) and fetches rows by page."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot

from atensi_desktop.i18n import N_, format_date_short
from atensi_desktop.progress import Progress
from atensi_desktop.services.clients import ClientQuery, ClientRow, client_ids, client_rows
from ui.i18n import tr
from ui.tasks import Task

PAGE_SIZE = 200
CACHED_PAGES = 10
ID_ROLE = Qt.ItemDataRole.UserRole + 1
_ROOT = QModelIndex()


@dataclass(frozen=True)
class Column:
    title: str
    sort_key: str | None = None  # ClientQuery.order_by for this column
    inverted: bool = False  # ascending column = descending sort key (age vs birth date)
    align_right: bool = False


COLUMNS: tuple[Column, ...] = (
    Column(N_("ID"), "display_id"),
    Column(N_("Nama"), "name"),
    Column(N_("NIK")),
    Column(N_("L/P")),
    Column(N_("Tgl lahir"), "birth_date"),
    Column(N_("Umur"), "birth_date", inverted=True, align_right=True),
    Column(N_("Desa/Kelurahan")),
    Column(N_("Klaster")),
)


@dataclass(frozen=True)
class _Loaded:
    ids: list[uuid.UUID]
    first_page: list[ClientRow]


class ClientListModel(QAbstractTableModel):
    """Anki's browser pattern: search, filter and sort in SQL; the model keeps ids and an LRU page cache.

    `set_query()` emits `load_started` and runs the id query in the background; `loaded(count)` follows when
    the ids are in, `load_failed(exception)` when the query failed. A newer query supersedes a running one.
    """

    load_started = Signal()
    loaded = Signal(int)
    load_failed = Signal(object)

    def __init__(self, db, parent=None, *, page_size: int = PAGE_SIZE, cached_pages: int = CACHED_PAGES) -> None:
        super().__init__(parent)
        self._db = db
        self._page_size = page_size
        self._cached_pages = cached_pages
        self._ids: list[uuid.UUID] = []
        self._pages: OrderedDict[int, dict[uuid.UUID, ClientRow]] = OrderedDict()
        self._query = ClientQuery()
        self._task: Task | None = None
        self.loading = False
        self._titles = [tr(column.title) for column in COLUMNS]  # headers are painted often: translate once
        self._sort_tip = tr("Klik untuk mengurutkan")

    # --- querying -------------------------------------------------------------------------------------

    @property
    def query(self) -> ClientQuery:
        return self._query

    def set_query(self, query: ClientQuery) -> None:
        """Run `query` in the background; the current rows stay visible until the new ids arrive."""
        self._query = query
        if self._task is not None:
            self._task.cancel()
        db, page_size = self._db, self._page_size

        def work(progress: Progress) -> _Loaded:
            ids = client_ids(db, query)
            progress.check()
            return _Loaded(ids, client_rows(db, ids[:page_size]))

        self.loading = True
        self.load_started.emit()
        self._task = Task(work)
        self._task.finished.connect(self._on_loaded)
        self._task.failed.connect(self._on_failed)
        self._task.start()

    def set_search_text(self, text: str) -> None:
        if text != self._query.text:
            self.set_query(replace(self._query, text=text))

    def refresh(self) -> None:
        self.set_query(self._query)

    @Slot(object)
    def _on_loaded(self, result: _Loaded) -> None:
        if self.sender() is not self._task:
            return  # superseded by a newer query
        self._task = None
        self.beginResetModel()
        self._ids = result.ids
        self._pages.clear()
        self._pages[0] = {row.id: row for row in result.first_page}
        self.endResetModel()
        self.loading = False
        self.loaded.emit(len(self._ids))

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        if self.sender() is not self._task:
            return
        self._task = None
        self.loading = False
        self.load_failed.emit(exc)

    # --- rows ------------------------------------------------------------------------------------------

    def client_id(self, row: int) -> uuid.UUID:
        return self._ids[row]

    def client_row(self, row: int) -> ClientRow | None:
        if not 0 <= row < len(self._ids):
            return None
        page_no = row // self._page_size
        page = self._pages.get(page_no)
        if page is None:
            start = page_no * self._page_size
            page = {r.id: r for r in client_rows(self._db, self._ids[start:start + self._page_size])}
            self._pages[page_no] = page
            while len(self._pages) > self._cached_pages:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page.get(self._ids[row])

    # --- Qt model interface ----------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == ID_ROLE:
            return self._ids[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(COLUMNS[index.column()])
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        row = self.client_row(index.row())
        if row is None:
            return None
        return _cell_text(row, index.column())

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._titles[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(COLUMNS[section])
        if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section].sort_key:
            return self._sort_tip
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Re-query in the order of `column` (columns without a sort key are ignored)."""
        if not 0 <= column < len(COLUMNS) or COLUMNS[column].sort_key is None:
            return
        spec = COLUMNS[column]
        descending = (order == Qt.SortOrder.DescendingOrder) != spec.inverted
        self.set_query(replace(self._query, order_by=spec.sort_key, descending=descending))

    @staticmethod
    def is_sortable(column: int) -> bool:
        return 0 <= column < len(COLUMNS) and COLUMNS[column].sort_key is not None


def _alignment(column: Column) -> int:
    horizontal = Qt.AlignmentFlag.AlignRight if column.align_right else Qt.AlignmentFlag.AlignLeft
    return int(horizontal | Qt.AlignmentFlag.AlignVCenter)


def _cell_text(row: ClientRow, column: int) -> str:
    if column == 0:
        return row.display_id
    if column == 1:
        return row.name
    if column == 2:
        return row.nik_masked
    if column == 3:
        return row.sex or ""
    if column == 4:
        return format_date_short(row.birth_date) if row.birth_date else ""
    if column == 5:
        return "" if row.age is None else str(row.age)
    if column == 6:
        return row.wilayah_name or row.wilayah_code or ""
    return row.cluster_label
