"""Kasus: the case board as a list that reads at 1366×768 — the stages on the left with their counts (Pendekatan
Awal … Bimbingan Lanjut, from refdata case_stages), the cases of the chosen stage on the right (client, ids,
worker, days in the stage), filtered by worker and by search text. Enter or a double click opens the case
window; "Kasus baru" (Ctrl+N) opens a case for a registered client."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Slot
from PySide6.QtGui import QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.i18n import format_date_short, format_number
from atensi_desktop.services import cases
from atensi_desktop.services.case_board import (
    NO_WORKER,
    PAGE_LIMIT,
    BoardCase,
    BoardPage,
    board_cases,
    board_counts,
)
from atensi_desktop.services.workers import WorkerQuery, list_workers
from ui.change_bus import ChangeBus
from ui.dialogs.case_forms import NewCaseDialog
from ui.errors import show_bug, show_error
from ui.i18n import tr
from ui.icons import icon
from ui.models.rows import ListTableModel
from ui.tasks import Task
from ui.views.base import View
from ui.widgets.common import make_label

SEARCH_DELAY_MS = 250
ALL_STAGES = ""
ALL_WORKERS = ""
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class StageCount:
    code: str  # ALL_STAGES for the "Semua tahap" row
    label: str
    count: int


@dataclass(frozen=True)
class _Loaded:
    """One background read: the counts per stage (None when only the list was read) and the chosen stage's
    cases, with the worker names the filter can offer."""

    counts: Mapping[str, int] | None
    page: BoardPage
    workers: Mapping[uuid.UUID, str]
    generation: int


class StageModel(ListTableModel):
    """Tahap | Kasus: "Semua tahap" first, then every stage in order with its count (zeros too)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__((tr("Tahap"), tr("Kasus")), parent)

    def set_counts(self, counts: Mapping[str, int]) -> None:
        rows = [StageCount(ALL_STAGES, tr("Semua tahap"), sum(counts.values()))]
        rows += [StageCount(code, label, counts.get(code, 0)) for code, label in cases.stages()]
        self.set_rows(rows)

    def row_of(self, code: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.code == code), -1)

    def count_of(self, code: str) -> int:
        row = self.row_of(code)
        return self._rows[row].count if row >= 0 else 0

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row: StageCount = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return row.label if index.column() == 0 else format_number(row.count)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and row.code == ALL_STAGES:
            font = QFont()
            font.setBold(True)
            return font
        if role == ROW_ROLE:
            return row.code
        return None


class BoardModel(ListTableModel):
    """Klien, Kasus (its display id), Tahap, Petugas, Di tahap ini, Dibuka; the client's display id is in the
    name's tooltip (and found by the search)."""

    CLIENT, CASE_ID, STAGE, WORKER, DAYS, OPENED = range(6)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__((tr("Klien"), tr("Kasus"), tr("Tahap"), tr("Petugas"), tr("Di tahap ini"), tr("Dibuka")),
                         parent)
        self.today = dt.date.today()

    def set_cases(self, rows: Sequence[BoardCase], today: dt.date | None = None) -> None:
        self.today = today or dt.date.today()
        self.set_rows(rows)

    def case_at(self, row: int) -> BoardCase | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, case_id: uuid.UUID | None) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == case_id), -1)

    def cells(self, c: BoardCase) -> tuple[str, ...]:
        days = c.days_in_stage(self.today)
        return (c.client_name, c.display_id, c.stage_label, c.worker_name or "—",
                tr("{n} hari").format(n=format_number(days)), format_date_short(c.opened_on))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        c: BoardCase = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.cells(c)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() == self.CLIENT:
                return tr("{name} · ID klien {id}").format(name=c.client_name, id=c.client_display_id)
            if index.column() == self.DAYS:
                return tr("Di tahap {stage} sejak {date}").format(stage=c.stage_label,
                                                                  date=format_date_short(c.stage_since))
            return self.cells(c)[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == self.DAYS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ROW_ROLE:
            return c
        return None


def _table(model: ListTableModel, name: str, accessible: str) -> QTableView:
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
    return table


class KasusView(View):
    """Stages with counts on the left, the chosen stage's cases on the right. Ctrl+F search, Ctrl+N new case,
    Enter opens the case; the lists read in the background and refresh on the ChangeBus."""

    name = "kasus"

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(ctx, bus, tr("Kasus"), parent)
        self.count_label = make_label("", "muted")
        self.count_label.setObjectName("caseCount")
        self.header.insertSpacing(1, 12)
        self.header.insertWidget(2, self.count_label)
        self.new_button = QPushButton(icon("kasus"), tr("Kasus baru"))
        self.new_button.setObjectName("newCase")
        self.new_button.setToolTip(tr("Buka kasus untuk klien yang sudah terdaftar (Ctrl+N)"))
        self.new_button.setAutoDefault(False)
        self.new_button.clicked.connect(self.new_case)
        self.header.addWidget(self.new_button)
        self.form: QDialog | None = None
        self._generation = 0
        self._pending = 0
        self._loaded_once = False
        self._reselect: uuid.UUID | None = None
        self._stale = True

        row = QHBoxLayout()
        row.setSpacing(8)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("caseSearch")
        self.search_edit.setPlaceholderText(tr("Cari nama klien, ID klien atau ID kasus…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.addAction(icon("cari"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_edit.setAccessibleName(tr("Cari kasus"))
        self.search_edit.setMinimumWidth(300)
        self.search_edit.setMaximumWidth(420)
        self.worker_combo = QComboBox()
        self.worker_combo.setObjectName("caseWorkerFilter")
        self.worker_combo.setAccessibleName(tr("Petugas"))
        self.worker_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.worker_combo.setMinimumContentsLength(24)
        self.worker_combo.addItem(tr("Semua petugas"), ALL_WORKERS)
        worker_label = QLabel(tr("&Petugas:"))
        worker_label.setBuddy(self.worker_combo)
        self.open_button = QPushButton(tr("&Buka kasus"))
        self.open_button.setObjectName("openCase")
        self.open_button.setToolTip(tr("Buka kasus yang dipilih (Enter)"))
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(self.open_selected)
        row.addWidget(self.search_edit, 1)
        row.addWidget(worker_label)
        row.addWidget(self.worker_combo)
        row.addStretch(0)
        row.addWidget(self.open_button)
        self.body.addLayout(row)

        self.stage_model = StageModel(self)
        self.stage_table = _table(self.stage_model, "stageTable", tr("Tahap kasus"))
        stage_header = self.stage_table.horizontalHeader()
        stage_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        stage_header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        metrics = self.stage_table.fontMetrics()
        width = metrics.horizontalAdvance("Resosialisasi/Reintegrasi") + metrics.horizontalAdvance("0.000.000") + 56
        self.stage_table.setMinimumWidth(width)
        self.stage_table.setMaximumWidth(width + 60)
        self.board_model = BoardModel(self)
        self.case_table = _table(self.board_model, "caseTable", tr("Daftar kasus"))
        header = self.case_table.horizontalHeader()
        metrics = self.case_table.fontMetrics()
        for column, sample in enumerate(("Muhammad Rahman", "DSHSS-WWWWWW", "Pelaksanaan Intervensi",
                                         "Rina Kartika, S.Tr.Sos", "Di tahap ini", "00-00-0000")):
            title = str(self.board_model.headerData(column, Qt.Orientation.Horizontal) or "")
            header.resizeSection(column, max(metrics.horizontalAdvance(sample) + 20,
                                             header.fontMetrics().horizontalAdvance(title) + 28))
        header.setSectionResizeMode(BoardModel.CLIENT, QHeaderView.ResizeMode.Stretch)
        self.case_table.setColumnHidden(BoardModel.STAGE, True)
        self.empty_label = make_label("", "empty", wrap=True)
        self.empty_label.setObjectName("caseEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.case_table)
        self.pages.addWidget(self.empty_label)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.stage_table)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        self.body.addWidget(splitter, 1)
        self.notice_label = make_label("", "muted", wrap=True)
        self.notice_label.setObjectName("caseNotice")
        self.body.addWidget(self.notice_label)
        self.body.setSpacing(10)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.search_edit.returnPressed.connect(self.reload)
        self.worker_combo.currentIndexChanged.connect(self.reload)
        self.stage_table.selectionModel().currentRowChanged.connect(self._stage_chosen)
        self.case_table.activated.connect(self._case_activated)
        self.stage_table.activated.connect(self._stage_activated)
        self.case_table.selectionModel().selectionChanged.connect(self._update_actions)
        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_search)
        QShortcut(QKeySequence.StandardKey.New, self, self.new_case)
        for first, second in ((self.search_edit, self.worker_combo), (self.worker_combo, self.open_button),
                              (self.open_button, self.stage_table), (self.stage_table, self.case_table),
                              (self.case_table, self.new_button)):
            QWidget.setTabOrder(first, second)
        bus.cases_changed.connect(self._data_changed)
        bus.clients_changed.connect(self._data_changed)
        bus.office_changed.connect(self._data_changed)
        self.stage_model.set_counts({})
        self.stage_table.selectRow(0)
        self._fill_workers({})
        self._update_actions()
        self._stale = True  # read when first shown: nothing runs at start-up for a screen not looked at

    # --- state -----------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def chosen_stage(self) -> str:
        index = self.stage_table.currentIndex()
        code = index.data(ROW_ROLE) if index.isValid() else None
        return code or ALL_STAGES

    def chosen_worker(self) -> uuid.UUID | str | None:
        data = self.worker_combo.currentData()
        if not data:
            return None
        return NO_WORKER if data == NO_WORKER else uuid.UUID(data)

    def search_text(self) -> str:
        return " ".join(self.search_edit.text().split())

    def selected_case(self) -> BoardCase | None:
        index = self.case_table.currentIndex()
        if not index.isValid() or not self.case_table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        return self.board_model.case_at(index.row())

    def choose_stage(self, code: str) -> None:
        row = self.stage_model.row_of(code)
        if row >= 0:
            self.stage_table.selectRow(row)

    def choose_worker(self, worker_id: uuid.UUID | str | None) -> None:
        data = ALL_WORKERS if worker_id is None else str(worker_id)
        index = self.worker_combo.findData(data)
        if index >= 0:
            self.worker_combo.setCurrentIndex(index)

    # --- loading ---------------------------------------------------------------------------------------

    @Slot()
    def reload(self) -> None:
        """Counts and the chosen stage's cases, read again in the background."""
        self._search_timer.stop()
        self._stale = False
        self._load(with_counts=True)

    @Slot()
    def _data_changed(self) -> None:
        """Cases, clients or workers changed somewhere: read again now when shown, else when next shown."""
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    @Slot()
    def _stage_chosen(self, *_args) -> None:
        self.case_table.setColumnHidden(BoardModel.STAGE, self.chosen_stage() != ALL_STAGES)
        if not self._stale:
            self._load(with_counts=False)

    def _load(self, *, with_counts: bool) -> None:
        self._generation += 1
        generation = self._generation
        db, stage, worker, text = self.ctx.db, self.chosen_stage() or None, self.chosen_worker(), self.search_text()

        def read(_progress: Any) -> _Loaded:
            counts: Mapping[str, int] | None = None
            names: dict[uuid.UUID, str] = {}
            if with_counts:
                board = cases.caseload_board(db)
                counts = board.by_stage if not text and worker is None else board_counts(db, worker=worker,
                                                                                          text=text)
                names = {wid: name for wid, name in board.worker_names.items() if wid is not None}
                for w in list_workers(db, WorkerQuery()):
                    names.setdefault(w.id, w.name)
            page = board_cases(db, stage=stage, worker=worker, text=text, limit=PAGE_LIMIT)
            return _Loaded(counts=counts, page=page, workers=names, generation=generation)

        task = Task(read)
        task.finished.connect(self._loaded)
        task.failed.connect(self._failed)
        self._pending += 1
        if not self._loaded_once:
            self.count_label.setText(tr("Memuat…"))
        task.start()

    @Slot(object)
    def _loaded(self, result: _Loaded) -> None:
        self._pending -= 1
        if result.generation != self._generation:
            return  # an older read: a newer one is on its way
        self._loaded_once = True
        if result.counts is not None:
            stage = self.chosen_stage()
            blocker = self.stage_table.selectionModel().blockSignals(True)
            self.stage_model.set_counts(result.counts)
            self.stage_table.selectRow(max(self.stage_model.row_of(stage), 0))
            self.stage_table.selectionModel().blockSignals(blocker)
            self._fill_workers(result.workers)
            total = self.stage_model.count_of(ALL_STAGES)
            closed = sum(result.counts.get(code, 0) for code in (cases.TERMINATION_STAGE, cases.FOLLOW_UP_STAGE))
            narrowed = bool(self.search_text()) or self.chosen_worker() is not None
            text = (tr("{n} kasus cocok") if narrowed else tr("{n} kasus")).format(n=format_number(total))
            if total:
                text += " · " + tr("{n} sudah diterminasi").format(n=format_number(closed))
            self.count_label.setText(text)
        self._show_page(result.page)

    def _show_page(self, page: BoardPage) -> None:
        chosen = self.selected_case()
        keep = self._reselect or (chosen.id if chosen is not None else None)
        self._reselect = None
        self.board_model.set_cases(page.cases)
        row = self.board_model.row_of(keep)
        if row >= 0:
            self.case_table.selectRow(row)
            self.case_table.scrollTo(self.board_model.index(row, 0))
        if len(page.cases) < page.total:
            self.notice(tr("Menampilkan {shown} dari {total} kasus (yang paling lama di tahapnya lebih dulu); "
                           "persempit dengan pencarian atau pilihan petugas.").format(
                shown=format_number(len(page.cases)), total=format_number(page.total)))
        else:
            self.notice("")
        if page.cases:
            self.pages.setCurrentWidget(self.case_table)
        else:
            self.empty_label.setText(self._empty_text())
            self.pages.setCurrentWidget(self.empty_label)
        self._update_actions()

    def _empty_text(self) -> str:
        if self.stage_model.count_of(ALL_STAGES) == 0 and not self.search_text() and self.chosen_worker() is None:
            return tr("Belum ada kasus.\nPilih “Kasus baru” (Ctrl+N) untuk membuka kasus bagi klien yang sudah "
                      "terdaftar.")
        stage = self.chosen_stage()
        label = dict(cases.stages()).get(stage, "")
        if self.search_text():
            return tr("Tidak ada kasus yang cocok dengan “{text}” dengan pilihan ini.").format(text=self.search_text())
        if stage:
            return tr("Tidak ada kasus pada tahap {stage} dengan pilihan ini.").format(stage=label)
        return tr("Tidak ada kasus dengan pilihan ini.")

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        self._pending -= 1
        if isinstance(exc, AtensiError):
            self.count_label.setText("")
            self.empty_label.setText(f"{exc.message}\n{exc.hint or ''}".strip())
            self.pages.setCurrentWidget(self.empty_label)
        else:
            show_bug(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    def _fill_workers(self, names: Mapping[uuid.UUID, str]) -> None:
        """Semua petugas, (tanpa petugas), then every active worker and every worker who has cases, by name."""
        current = self.worker_combo.currentData()
        wanted = [(tr("Semua petugas"), ALL_WORKERS), (tr("(tanpa petugas)"), NO_WORKER)]
        wanted += sorted(((name, str(wid)) for wid, name in names.items()), key=lambda p: p[0].lower())
        existing = [(self.worker_combo.itemText(i), self.worker_combo.itemData(i))
                    for i in range(self.worker_combo.count())]
        if existing == wanted:
            return
        blocker = self.worker_combo.blockSignals(True)
        self.worker_combo.clear()
        for text, data in wanted:
            self.worker_combo.addItem(text, data)
        index = self.worker_combo.findData(current)
        self.worker_combo.setCurrentIndex(max(index, 0))
        self.worker_combo.blockSignals(blocker)
        if index < 0 and current:
            self.reload()  # the chosen worker is gone: show everybody's cases

    # --- actions ---------------------------------------------------------------------------------------

    def notice(self, text: str) -> None:
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    @Slot()
    def _update_actions(self, *_args) -> None:
        self.open_button.setEnabled(self.selected_case() is not None)

    @Slot()
    def _focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    @Slot()
    def _stage_activated(self, *_args) -> None:
        """Enter on a stage moves to its cases (the first one chosen)."""
        self.case_table.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.board_model.rowCount() and self.selected_case() is None:
            self.case_table.selectRow(0)

    @Slot(QModelIndex)
    def _case_activated(self, index: QModelIndex) -> None:
        case = self.board_model.case_at(index.row())
        if case is not None:
            self.open_case(case.id)

    @Slot()
    def open_selected(self) -> QDialog | None:
        case = self.selected_case()
        return self.open_case(case.id) if case is not None else None

    def open_case(self, case_id: uuid.UUID) -> QDialog | None:
        from ui.dialogs.case_window import open_case_window

        self._reselect = case_id
        window = open_case_window(self, self.ctx, self.bus, case_id)
        if window is not None:
            window.finished.connect(lambda _r: self.case_table.setFocus(Qt.FocusReason.OtherFocusReason))
        return window

    @Slot()
    def new_case(self) -> QDialog | None:
        """A new case for a registered client; after the save its case window opens."""
        if self.form is not None:
            self.form.raise_()
            self.form.activateWindow()
            return self.form
        worker = self.chosen_worker()
        try:
            dialog = NewCaseDialog(self.ctx, worker_id=worker if isinstance(worker, uuid.UUID) else None,
                                   parent=self)
        except AtensiError as exc:
            show_error(self, exc)
            return None
        self.form = dialog

        def finished(result: int) -> None:
            self.form = None
            saved = dialog.saved
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted and isinstance(saved, cases.CaseDTO):
                self.notice(tr("Kasus {case} dibuka untuk {client}.").format(case=saved.display_id,
                                                                            client=saved.client_name))
                self._reselect = saved.id
                self.bus.cases_changed.emit()
                self.open_case(saved.id)

        dialog.finished.connect(finished)
        dialog.open()
        return dialog
