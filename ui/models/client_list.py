"""The client list model: a count and pages of rows read in SQL (no id list), in an LRU page cache.

Opening a list runs two background queries at once: the first page (a few ms at 1,000,000 clients) and
the count (≈ 0.1 s for the whole list, up to ≈ 1 s with a stage or PPKS filter). The first page is shown
as soon as it is in; the rows grow to the count when that arrives. Other pages are read on demand with
`client_page(..., total=count)`, which reads a page in the second half of the list backwards from its end,
skipping the rows between the page and the nearer end. What a skipped row costs depends on the filters
(measured at 1M: ≈ 1 µs unfiltered, ≈ 65 µs with a stage filter, which looks up each client's cases), so
a page is read at once on the GUI thread only when it is next to an end of the list (`sync_rows`) or
when the reads of this list so far predict it costs at most `SYNC_BUDGET_S`; any other page is read in
the background, showing "Memuat…" until it is in. Pages asked for while one is being read queue up,
newest first, and only the last few are kept, so dragging the scroll bar through a million rows reads
only where it stops.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont

from atensi_desktop.i18n import N_, format_date_short
from atensi_desktop.progress import Progress
from atensi_desktop.services.clients import ClientQuery, ClientRow, client_page, count_clients
from ui.i18n import tr
from ui.tasks import Task

PAGE_SIZE = 200
CACHED_PAGES = 10
SYNC_ROWS = 200  # a page this close to an end of the list is read on the GUI thread (3-8 ms at 1M unfiltered)
SYNC_BUDGET_S = 0.008  # a farther page too, when the skip cost measured on this list predicts no more
QUEUED_PAGES = 4  # background reads waiting; older requests are dropped (the view asks again on repaint)
ID_ROLE = Qt.ItemDataRole.UserRole + 1
ARCHIVED_ROLE = Qt.ItemDataRole.UserRole + 2
_ROOT = QModelIndex()
_ARCHIVED_INK = QColor("#8a96a3")
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_DATA_ROLES = frozenset((Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, ID_ROLE, ARCHIVED_ROLE,
                         Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole))


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


class ClientListModel(QAbstractTableModel):
    """Anki's browser pattern without the id list: search, filter and sort in SQL; count + LRU page cache.

    `set_query()` emits `load_started` and reads the first page and the count in the background.
    `rows_shown(rows)` follows when the first page is in the model (rows: what is shown so far), `loaded(count)`
    when the count is known as well, `load_failed(exception)` when a query failed. A newer query supersedes
    a running one; the current rows stay visible until the new ones arrive. `page_loaded(page)` reports a
    page read in the background.
    """

    load_started = Signal()
    rows_shown = Signal(int)
    loaded = Signal(int)
    load_failed = Signal(object)
    page_loaded = Signal(int)

    def __init__(self, db, parent=None, *, page_size: int = PAGE_SIZE, cached_pages: int = CACHED_PAGES,
                 sync_rows: int = SYNC_ROWS) -> None:
        super().__init__(parent)
        self._db = db
        self._page_size = page_size
        self._cached_pages = max(2, cached_pages)
        self._sync_rows = sync_rows
        self._query = ClientQuery()  # asked for
        self._shown = ClientQuery()  # what the rows show
        self._generation = 0  # of the shown rows; bumped at each reset
        self._rows = 0
        self._total: int | None = 0  # None while the count of the shown query is still running
        self._pages: OrderedDict[int, list[ClientRow]] = OrderedDict()
        self._first: list[ClientRow] | None = None  # the new query's first page, when in before its count
        self._count: int | None = None  # the new query's count, when in before its first page
        self._page_task: Task | None = None
        self._count_task: Task | None = None
        self._fetch_task: Task | None = None
        self._fetching: tuple[int, int] | None = None  # (generation, page) being read in the background
        self._wanted: list[int] = []  # pages to read in the background, newest last
        self._row_cost: float | None = None  # seconds per skipped row, measured on the shown list
        self.loading = False
        self.counting = False
        self._titles = [tr(column.title) for column in COLUMNS]  # headers are painted often: translate once
        self._sort_tip = tr("Klik untuk mengurutkan")
        self._pending_text = tr("Memuat…")
        self._archived_text = tr("(diarsipkan)")

    # --- querying -------------------------------------------------------------------------------------

    @property
    def query(self) -> ClientQuery:
        return self._query

    @property
    def total(self) -> int | None:
        """How many rows the shown query has (None while it is being counted)."""
        return self._total

    def set_query(self, query: ClientQuery) -> None:
        """Read `query`'s first page and count in the background; the current rows stay until they arrive."""
        self._query = query
        for task in (self._page_task, self._count_task):
            if task is not None:
                task.cancel()
        db, page_size = self._db, self._page_size
        self._first, self._count = None, None
        self.loading = self.counting = True
        self.load_started.emit()

        def first_page(progress: Progress) -> list[ClientRow]:
            progress.check()  # superseded while queued
            return client_page(db, query, 0, page_size)

        def count(progress: Progress) -> int:
            progress.check()
            return count_clients(db, query)

        self._page_task = self._start(first_page, self._on_first_page, self._on_load_failed)
        self._count_task = self._start(count, self._on_count, self._on_load_failed)

    def set_search_text(self, text: str) -> None:
        if text != self._query.text:
            self.set_query(replace(self._query, text=text))

    def refresh(self) -> None:
        self.set_query(self._query)

    def _start(self, fn, done, failed) -> Task:
        task = Task(fn)
        task.finished.connect(done)
        task.failed.connect(failed)
        task.start()
        return task

    @Slot(object)
    def _on_first_page(self, rows: list[ClientRow]) -> None:
        if self.sender() is not self._page_task:
            return  # superseded by a newer query
        self._page_task = None
        if len(rows) < self._page_size:  # the whole list is in: that is its count
            self._count_task = None
            self._count = len(rows)
        self._show(rows, self._count)

    @Slot(object)
    def _on_count(self, count: int) -> None:
        if self.sender() is not self._count_task:
            return
        self._count_task = None
        if self._page_task is not None:  # the first page is still being read: it brings the count along
            self._count = count
            return
        self._set_total(count)

    @Slot(object)
    def _on_load_failed(self, exc: BaseException) -> None:
        if self.sender() not in (self._page_task, self._count_task):
            return
        self._page_task = self._count_task = None
        self.loading = self.counting = False
        self.load_failed.emit(exc)

    def _show(self, rows: list[ClientRow], count: int | None) -> None:
        """Reset to the new query's first page; its count, when known, sets the rows."""
        self.beginResetModel()
        self._generation += 1
        self._shown = self._query
        self._pages.clear()
        self._pages[0] = rows
        self._wanted.clear()
        self._row_cost = None
        self._total = count
        self._rows = len(rows) if count is None else count
        self.endResetModel()
        self.rows_shown.emit(self._rows)
        if count is not None:
            self._loaded(count)

    def _set_total(self, count: int) -> None:
        """The count arrived after the first page: grow (or, if clients went meanwhile, shrink) the rows."""
        if count > self._rows:
            self.beginInsertRows(_ROOT, self._rows, count - 1)
            self._rows = count
            self._total = count
            self.endInsertRows()
        elif count < self._rows:
            self.beginRemoveRows(_ROOT, count, self._rows - 1)
            self._rows = count
            self._total = count
            self.endRemoveRows()
        self._total = count
        self._loaded(count)

    def _loaded(self, count: int) -> None:
        self.loading = self.counting = False
        self.loaded.emit(count)

    # --- rows ------------------------------------------------------------------------------------------

    def client_row(self, row: int) -> ClientRow | None:
        """The row's client (its page is read now if it is not cached)."""
        if not 0 <= row < self._rows:
            return None
        page = self._page(row // self._page_size, wait=True)
        offset = row % self._page_size
        return page[offset] if page is not None and offset < len(page) else None

    def client_id(self, row: int) -> uuid.UUID | None:
        found = self.client_row(row)
        return found.id if found is not None else None

    def cached_row(self, row: int) -> ClientRow | None:
        """The row's client if its page is cached (never reads)."""
        page = self._pages.get(row // self._page_size)
        offset = row % self._page_size
        return page[offset] if page is not None and offset < len(page) else None

    def _skip(self, page_no: int) -> int:
        """Rows `client_page` walks past to reach the page (from the nearer end once the count is known)."""
        offset = page_no * self._page_size
        total = self._total
        return offset if total is None else min(offset, max(0, total - offset - self._page_size))

    def _page(self, page_no: int, *, wait: bool) -> list[ClientRow] | None:
        page = self._pages.get(page_no)
        if page is not None:
            self._pages.move_to_end(page_no)
            return page
        skip = self._skip(page_no)
        cheap = skip <= self._sync_rows or (self._row_cost is not None and skip * self._row_cost <= SYNC_BUDGET_S)
        if wait or cheap:
            started = time.perf_counter()
            rows = client_page(self._db, self._shown, page_no * self._page_size, self._page_size, total=self._total)
            self._learn(skip, time.perf_counter() - started)
            self._store(page_no, rows)
            return rows
        self._want(page_no)
        return None

    def _learn(self, skip: int, seconds: float) -> None:
        if skip > self._sync_rows:  # the fixed cost of a read is small against this many rows
            self._row_cost = seconds / skip

    def _store(self, page_no: int, rows: list[ClientRow]) -> None:
        self._pages[page_no] = rows
        self._pages.move_to_end(page_no)
        while len(self._pages) > self._cached_pages:
            self._pages.popitem(last=False)

    def _want(self, page_no: int) -> None:
        if self._fetching == (self._generation, page_no):
            return
        if page_no in self._wanted:
            self._wanted.remove(page_no)
        self._wanted.append(page_no)
        del self._wanted[:-QUEUED_PAGES]
        self._fetch_next()

    def _fetch_next(self) -> None:
        while self._fetch_task is None and self._wanted:
            page_no = self._wanted.pop()
            if page_no not in self._pages:
                self._fetching = (self._generation, page_no)
                self._fetch_task = self._start(_page_reader(self._db, self._shown, page_no * self._page_size,
                                                            self._page_size, self._total),
                                               self._on_page_fetched, self._on_fetch_failed)

    @Slot(object)
    def _on_page_fetched(self, answer: tuple[list[ClientRow], float]) -> None:
        if self.sender() is not self._fetch_task or self._fetching is None:
            return
        rows, seconds = answer
        generation, page_no = self._fetching
        self._fetch_task, self._fetching = None, None
        if generation == self._generation:
            self._learn(self._skip(page_no), seconds)
            self._store(page_no, rows)
            first = page_no * self._page_size
            last = min(first + len(rows), self._rows) - 1
            if last >= first:
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
            self.page_loaded.emit(page_no)
        self._fetch_next()

    @Slot(object)
    def _on_fetch_failed(self, exc: BaseException) -> None:
        if self.sender() is not self._fetch_task:
            return
        self._fetch_task, self._fetching = None, None
        self._wanted.clear()
        self.load_failed.emit(exc)

    # --- Qt model interface ----------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._rows:
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGNMENTS[index.column()]
        if role not in _DATA_ROLES:
            return None
        page = self._page(index.row() // self._page_size, wait=False)
        offset = index.row() % self._page_size
        if page is None or offset >= len(page):  # being read in the background
            if role == Qt.ItemDataRole.ForegroundRole:
                return _ARCHIVED_INK
            return self._pending_text if role == Qt.ItemDataRole.DisplayRole and index.column() == 1 else None
        row = page[offset]
        if role == ID_ROLE:
            return row.id
        if role == ARCHIVED_ROLE:
            return row.archived
        if role == Qt.ItemDataRole.ForegroundRole:
            return _ARCHIVED_INK if row.archived else None
        if role == Qt.ItemDataRole.FontRole:
            return _italic() if row.archived else None
        text = _cell_text(row, index.column())
        if row.archived and index.column() == 1:
            return f"{text} {self._archived_text}"
        return text

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._titles[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGNMENTS[section]
        if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section].sort_key:
            return self._sort_tip
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _FLAGS

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


def _page_reader(db, query: ClientQuery, offset: int, limit: int, total: int | None):
    def read(progress: Progress) -> tuple[list[ClientRow], float]:
        progress.check()
        started = time.perf_counter()
        rows = client_page(db, query, offset, limit, total=total)
        return rows, time.perf_counter() - started

    return read


_ITALIC: list[QFont] = []


def _italic() -> QFont:
    if not _ITALIC:
        font = QFont()
        font.setItalic(True)
        _ITALIC.append(font)
    return _ITALIC[0]


def _alignment(column: Column) -> int:
    horizontal = Qt.AlignmentFlag.AlignRight if column.align_right else Qt.AlignmentFlag.AlignLeft
    return int(horizontal | Qt.AlignmentFlag.AlignVCenter)


_ALIGNMENTS = tuple(_alignment(column) for column in COLUMNS)


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
