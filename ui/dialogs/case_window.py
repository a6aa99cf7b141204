"""The case window: one case's header (client, ids, cluster, approach, stage, worker, dates, terminasi) and its
work on four tabs — Riwayat (the timeline, newest first, filtered by kind), Tugas (tasks with due dates,
overdue ones said in words; the bimbingan lanjut schedule after terminasi), Catatan (case notes and case
conferences) and Rujukan (referrals and their status) — with the actions "Ubah tahap…", "Terminasi…" and
"Catat layanan…". Every list is a model over the engine's DTOs; the window refreshes on the ChangeBus."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import importlib.util
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, Slot
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.i18n import N_, format_date_short, format_number
from atensi_desktop.services import casenotes, cases, referrals, tasks, timeline
from atensi_desktop.services.casenotes import NoteDTO
from atensi_desktop.services.cases import CaseDTO
from atensi_desktop.services.referrals import ReferralDTO
from atensi_desktop.services.tasks import TaskDTO
from atensi_desktop.services.timeline import TimelineEvent
from ui.change_bus import ChangeBus
from ui.dialogs.case_forms import (
    AftercareDialog,
    NoteDialog,
    ReferralDialog,
    ReferralStatusDialog,
    StageChangeDialog,
    TaskDialog,
    TerminationDialog,
)
from ui.errors import show_error
from ui.i18n import tr
from ui.models.rows import ListTableModel
from ui.style import ERROR, MUTED
from ui.widgets.common import make_label

TARGET_SCREEN = QSize(1366, 768 - 40)
WANTED_SIZE = QSize(1180, 700)
MINIMUM_SIZE = QSize(900, 560)
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
ALL_KINDS = ""
TIMELINE_TAB, TASKS_TAB, NOTES_TAB, REFERRALS_TAB = range(4)
TIMELINE_HINT = N_("Terbaru di atas. Enter pada peristiwa membuka tab catatannya, tugasnya atau rujukannya.")
_Index = QModelIndex | QPersistentModelIndex
_open_windows: dict[uuid.UUID, CaseWindow] = {}


def service_dialog_available() -> bool:
    """The service-entry dialog (another part of the UI) is installed."""
    return importlib.util.find_spec("ui.dialogs.service_entry") is not None


# --- models ----------------------------------------------------------------------------------------------

class _DtoModel(ListTableModel):
    """A table over DTOs: `cells(row)` gives the texts of a row; `ROW_ROLE` the DTO itself."""

    def cells(self, row: Any) -> Sequence[str]:
        raise NotImplementedError

    def row_at(self, number: int) -> Any:
        return self._rows[number] if 0 <= number < len(self._rows) else None

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_of(self, row_id: uuid.UUID | None) -> int:
        return next((i for i, row in enumerate(self._rows) if getattr(row, "id", None) == row_id), -1)

    def style(self, row: Any, column: int, role: int) -> Any:
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.cells(row)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.cells(row)[index.column()] or None
        if role == ROW_ROLE:
            return row
        return self.style(row, index.column(), role)


class TimelineModel(_DtoModel):
    """Tanggal, Jenis, Peristiwa, Rincian, Petugas; events whose record was later corrected, cancelled or
    edited say so in words after the title and are drawn grey."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__((tr("Tanggal"), tr("Jenis"), tr("Peristiwa"), tr("Rincian"), tr("Petugas")), parent)

    def cells(self, e: TimelineEvent) -> Sequence[str]:
        title = e.title + (f" ({e.mark_label})" if e.mark else "")
        return (format_date_short(e.when), e.kind_label, title, e.detail or "", e.worker_name or "")

    def style(self, e: TimelineEvent, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and e.mark in ("dikoreksi", "dibatalkan"):
            return QBrush(QColor(MUTED))
        return None


def short_label(label: str) -> str:
    """'Dinas Kependudukan dan Pencatatan Sipil (Dukcapil)' -> 'Dukcapil'; a label without one stays."""
    if label.endswith(")") and "(" in label:
        return label[label.rindex("(") + 1:-1]
    return label


def task_state(task: TaskDTO, today: dt.date) -> str:
    """What the Status column says: done, overdue by how many days, due today, or open."""
    if task.done_on is not None:
        return tr("Selesai {date}").format(date=format_date_short(task.done_on))
    late = task.days_overdue(today)
    if late > 0:
        return tr("Terlambat {n} hari").format(n=format_number(late))
    if task.due_on == today:
        return tr("Jatuh tempo hari ini")
    return tr("Terbuka")


class TaskModel(_DtoModel):
    """Status (in words: "Terlambat 3 hari", "Jatuh tempo hari ini", "Selesai 05-03-2026"), due date, kind,
    task, worker. Overdue tasks also get a warning icon, bold red text; done ones are grey."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__((tr("Status"), tr("Jatuh tempo"), tr("Jenis"), tr("Tugas"), tr("Petugas")), parent)
        self.today = dt.date.today()
        self._warning = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)

    def set_tasks(self, rows: Sequence[TaskDTO], today: dt.date | None = None) -> None:
        self.today = today or dt.date.today()
        self.set_rows(rows)

    def cells(self, t: TaskDTO) -> Sequence[str]:
        title = t.title + (f" — {t.note}" if t.note else "")
        return (task_state(t, self.today), format_date_short(t.due_on), t.kind_label, title, t.worker_name or "")

    def overdue(self, t: TaskDTO) -> bool:
        return t.done_on is None and t.due_on < self.today

    def style(self, t: TaskDTO, column: int, role: int) -> Any:
        if self.overdue(t):
            if role == Qt.ItemDataRole.ForegroundRole and column in (0, 1):
                return QBrush(QColor(ERROR))
            if role == Qt.ItemDataRole.FontRole and column == 0:
                font = QFont()
                font.setBold(True)
                return font
            if role == Qt.ItemDataRole.DecorationRole and column == 0:
                return self._warning
        if role == Qt.ItemDataRole.ForegroundRole and t.done_on is not None:
            return QBrush(QColor(MUTED))
        return None


class NoteModel(_DtoModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__((tr("Tanggal"), tr("Jenis"), tr("Isi"), tr("Petugas")), parent)

    def cells(self, n: NoteDTO) -> Sequence[str]:
        text = " ".join(n.text.split())
        if n.kind == casenotes.CONFERENCE and n.decisions:
            text = tr("Keputusan: {decisions}").format(decisions=" ".join(n.decisions.split()))
        return (format_date_short(n.written_on), n.kind_label, text, n.worker_name or "")


class ReferralModel(_DtoModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__((tr("Tanggal"), tr("Arah"), tr("Lembaga"), tr("Status"), tr("Alasan")), parent)

    def cells(self, r: ReferralDTO) -> Sequence[str]:
        direction = tr("Keluar") if r.direction == referrals.OUT else tr("Masuk")
        return (format_date_short(r.sent_on), direction, f"{r.counterpart_name} ({short_label(r.counterpart_kind_label)})",
                r.status_label, " ".join(r.reason.split()))

    def style(self, r: ReferralDTO, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and column == 3 and r.next_statuses:
            font = QFont()
            font.setBold(True)
            return font
        return None


def _table(model: ListTableModel, name: str, accessible: str, samples: Sequence[str | None]) -> QTableView:
    """A read-only row table; each column as wide as its sample text (and its title), None: it stretches."""
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
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform rows: fast with thousands
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setHighlightSections(False)
    header.setStretchLastSection(False)
    metrics, bold = table.fontMetrics(), header.fontMetrics()
    for column, sample in enumerate(samples):
        if sample is None:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            continue
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        header.resizeSection(column, max(metrics.horizontalAdvance(sample) + 20, bold.horizontalAdvance(title) + 28))
    return table


def _select_row(table: QTableView, row: int) -> None:
    if 0 <= row < table.model().rowCount():
        table.selectRow(row)
        table.scrollTo(table.model().index(row, 0))


def _selected(table: QTableView) -> Any:
    index = table.currentIndex()
    if not index.isValid() or not table.selectionModel().isRowSelected(index.row(), QModelIndex()):
        return None
    return index.data(ROW_ROLE)


# --- the window ------------------------------------------------------------------------------------------

class CaseWindow(QDialog):
    """One case. `reload()` reads everything again (after a change here, or a bus signal from elsewhere)."""

    def __init__(self, ctx: AppContext, bus: ChangeBus | None, case_id: uuid.UUID,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseWindow")
        self.ctx, self.bus, self.case_id = ctx, bus, case_id
        self.case: CaseDTO = cases.get_case(ctx.db, case_id)  # NotFoundError before anything is built
        self.form: QDialog | None = None
        self.today = dt.date.today()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 14)
        outer.setSpacing(10)
        outer.addLayout(self._header())
        self.tabs = QTabWidget()
        self.tabs.setObjectName("caseTabs")
        self.tabs.addTab(self._timeline_tab(), tr("&Riwayat"))
        self.tabs.addTab(self._tasks_tab(), tr("T&ugas"))
        self.tabs.addTab(self._notes_tab(), tr("Ca&tatan"))
        self.tabs.addTab(self._referrals_tab(), tr("Ru&jukan"))
        self._stale_tabs: set[int] = set()  # Catatan and Rujukan are read when first shown
        self.tabs.currentChanged.connect(self._tab_shown)
        outer.addWidget(self.tabs, 1)
        bottom = QHBoxLayout()
        self.notice_label = make_label("", "muted", wrap=True)
        self.notice_label.setObjectName("caseNotice")
        bottom.addWidget(self.notice_label, 1)
        self.close_button = QPushButton(tr("Tutup"))
        self.close_button.setObjectName("closeCase")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.accept)
        bottom.addWidget(self.close_button)
        outer.addLayout(bottom)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload)
        QShortcut(QKeySequence("Ctrl+T"), self, self.change_stage)
        QShortcut(QKeySequence("Ctrl+L"), self, self.record_service)
        if bus is not None:
            bus.cases_changed.connect(self.reload)
            for name in ("services_changed", "tasks_changed"):
                signal = getattr(bus, name, None)
                if signal is not None:
                    signal.connect(self.reload)
        self._fit()
        self.reload()
        self.timeline_table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fit(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() if screen is not None else TARGET_SCREEN
        room = room.boundedTo(TARGET_SCREEN)
        self.setMinimumSize(MINIMUM_SIZE.boundedTo(room))
        self.resize(WANTED_SIZE.boundedTo(room))

    # --- building --------------------------------------------------------------------------------------

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(16)
        lines = QVBoxLayout()
        lines.setSpacing(4)
        self.name_label = make_label("", "title")
        self.name_label.setObjectName("caseClient")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.ids_label = make_label("", "muted", selectable=True)
        self.ids_label.setObjectName("caseIds")
        self.stage_label = make_label("", wrap=True)
        self.stage_label.setObjectName("caseStage")
        self.stage_label.setTextFormat(Qt.TextFormat.RichText)
        self.termination_label = make_label("", wrap=True, selectable=True)
        self.termination_label.setObjectName("caseTermination")
        lines.addWidget(self.name_label)
        lines.addWidget(self.ids_label)
        lines.addWidget(self.stage_label)
        lines.addWidget(self.termination_label)
        row.addLayout(lines, 1)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        self.stage_button = self._button(tr("Ubah ta&hap…"), "changeStage", tr("Pindahkan kasus ke tahap lain (Ctrl+T)"),
                                         self.change_stage)
        self.terminate_button = self._button(tr("Ter&minasi…"), "terminate",
                                             tr("Tutup kasus dengan alasan terminasinya"), self.terminate)
        self.service_button = self._button(tr("Catat &layanan…"), "recordService",
                                           tr("Catat layanan yang diberikan kepada klien dalam kasus ini (Ctrl+L)"),
                                           self.record_service)
        if not service_dialog_available():
            self.service_button.setEnabled(False)
            self.service_button.setToolTip(tr("Pencatatan layanan belum tersedia di versi ini."))
        self.send_case_button = self._button(tr("Kirim k&asus ini…"), "sendCase",
                                             tr("Kirim klien ini dengan seluruh riwayatnya ke kantor lain (rujukan "
                                                "atau pindahan)"), self.send_case)
        if not _may_send_cases(self.ctx):
            self.send_case_button.setEnabled(False)
            self.send_case_button.setToolTip(tr("Mengirim kasus ke kantor lain perlu hak Kirim data sinkronisasi."))
        for button in (self.stage_button, self.terminate_button, self.service_button, self.send_case_button):
            buttons.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(buttons)
        return row

    def _button(self, text: str, name: str, tip: str, slot: Callable[[], Any]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def _page(self) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        return page, layout

    def _timeline_tab(self) -> QWidget:
        page, layout = self._page()
        row = QHBoxLayout()
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("timelineKind")
        self.kind_combo.setAccessibleName(tr("Jenis peristiwa"))
        self.kind_combo.addItem(tr("Semua jenis"), ALL_KINDS)
        for code, label in timeline.kinds():
            self.kind_combo.addItem(label, code)
        self.kind_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        kind_label = QLabel(tr("Jen&is:"))
        kind_label.setBuddy(self.kind_combo)
        row.addWidget(kind_label)
        row.addWidget(self.kind_combo)
        self.timeline_count = make_label("", "muted")
        self.timeline_count.setObjectName("timelineCount")
        row.addWidget(self.timeline_count)
        row.addStretch(1)
        layout.addLayout(row)
        self.timeline_model = TimelineModel(self)
        self.timeline_table = _table(self.timeline_model, "timelineTable", tr("Riwayat kasus"),
                                     ("00-00-0000", "Tugas dan tindak lanjut", "Layanan: Bantuan Sosial dan Asistensi Sosial",
                                      None, "Rina Kartika, S.Tr.Sos"))
        self.timeline_table.activated.connect(self._event_activated)
        self.timeline_table.selectionModel().currentRowChanged.connect(self._show_event)
        layout.addWidget(self.timeline_table, 1)
        self.event_detail = make_label(tr(TIMELINE_HINT), "muted", wrap=True, selectable=True)
        self.event_detail.setObjectName("eventDetail")
        self.event_detail.setMinimumHeight(self.event_detail.fontMetrics().lineSpacing() * 2 + 4)
        self.event_detail.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.event_detail)
        self.kind_combo.currentIndexChanged.connect(self._filter_timeline)
        self._events: list[TimelineEvent] = []
        return page

    def _tasks_tab(self) -> QWidget:
        page, layout = self._page()
        row = QHBoxLayout()
        self.task_summary = make_label("", "strong")
        self.task_summary.setObjectName("taskSummary")
        row.addWidget(self.task_summary, 1)
        self.show_done_check = QCheckBox(tr("Tampilkan yang su&dah selesai"))
        self.show_done_check.setObjectName("showDoneTasks")
        self.show_done_check.setChecked(True)
        self.show_done_check.toggled.connect(self._reload_tasks)
        row.addWidget(self.show_done_check)
        layout.addLayout(row)
        self.task_model = TaskModel(self)
        self.task_table = _table(self.task_model, "taskTable", tr("Tugas kasus"),
                                 ("Jatuh tempo hari ini  ", "00-00-0000", "Bimbingan lanjut", None,
                                  "Rina Kartika, S.Tr.Sos"))
        self.task_table.activated.connect(lambda _i: self.complete_task())
        self.task_table.selectionModel().selectionChanged.connect(self._update_task_actions)
        layout.addWidget(self.task_table, 1)
        buttons = QHBoxLayout()
        self.new_task_button = self._button(tr("Tugas &baru…"), "newTask", tr("Tambah tugas atau tindak lanjut"),
                                            self.new_task)
        self.done_button = self._button(tr("Tandai &selesai"), "completeTask",
                                        tr("Tugas yang dipilih sudah dikerjakan hari ini (Enter)"), self.complete_task)
        self.reopen_button = self._button(tr("Buka &kembali"), "reopenTask",
                                          tr("Tugas yang dipilih ternyata belum selesai"), self.reopen_task)
        self.aftercare_button = self._button(tr("Jadwalkan bimbingan la&njut…"), "scheduleAftercare",
                                             tr("Kunjungan bimbingan lanjut sesudah terminasi"), self.schedule_aftercare)
        for button in (self.new_task_button, self.done_button, self.reopen_button, self.aftercare_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _notes_tab(self) -> QWidget:
        page, layout = self._page()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.note_model = NoteModel(self)
        self.note_table = _table(self.note_model, "noteTable", tr("Catatan kasus"),
                                 ("00-00-0000", "Konferensi kasus", None, "Rina Kartika, S.Tr"))
        self.note_table.selectionModel().currentRowChanged.connect(self._show_note)
        self.note_view = QTextBrowser()
        self.note_view.setObjectName("noteView")
        self.note_view.setAccessibleName(tr("Isi catatan"))
        self.note_view.setOpenLinks(False)
        splitter.addWidget(self.note_table)
        splitter.addWidget(self.note_view)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        buttons = QHBoxLayout()
        self.new_note_button = self._button(tr("Catatan &baru…"), "newNote", tr("Catatan ringkas tentang kasus"),
                                            self.new_note)
        self.new_conference_button = self._button(tr("&Konferensi kasus…"), "newConference",
                                                  tr("Catat peserta, pembahasan dan keputusan konferensi kasus"),
                                                  self.new_conference)
        buttons.addWidget(self.new_note_button)
        buttons.addWidget(self.new_conference_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _referrals_tab(self) -> QWidget:
        page, layout = self._page()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.referral_model = ReferralModel(self)
        self.referral_table = _table(self.referral_model, "referralTable", tr("Rujukan kasus"),
                                     ("00-00-0000", "Keluar", "Puskesmas Kandangan (Puskesmas)", "Diterima MM", None))
        self.referral_table.selectionModel().currentRowChanged.connect(self._show_referral)
        self.referral_table.activated.connect(lambda _i: self.change_referral_status())
        self.referral_view = QTextBrowser()
        self.referral_view.setObjectName("referralView")
        self.referral_view.setAccessibleName(tr("Rincian rujukan"))
        splitter.addWidget(self.referral_table)
        splitter.addWidget(self.referral_view)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        buttons = QHBoxLayout()
        self.new_referral_button = self._button(tr("Rujukan &baru…"), "newReferral",
                                                tr("Catat rujukan keluar atau masuk"), self.new_referral)
        self.referral_status_button = self._button(tr("Ubah &status…"), "referralStatus",
                                                   tr("Diterima, selesai atau ditolak (Enter)"),
                                                   self.change_referral_status)
        buttons.addWidget(self.new_referral_button)
        buttons.addWidget(self.referral_status_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        return page

    # --- reading ---------------------------------------------------------------------------------------

    @Slot()
    def reload(self) -> None:
        """Read the case and every tab again (the selections are kept)."""
        self.today = dt.date.today()
        try:
            self.case = cases.get_case(self.ctx.db, self.case_id)
            history = cases.stage_history(self.ctx.db, self.case_id)
            self._events = timeline.case_timeline(self.ctx.db, case_id=self.case_id)
        except AtensiError as exc:
            self.notice(exc.message)
            return
        self._show_header(history)
        self._filter_timeline()
        self._reload_tasks()
        self._stale_tabs = {NOTES_TAB, REFERRALS_TAB}
        self._tab_shown(self.tabs.currentIndex())

    @Slot(int)
    def _tab_shown(self, index: int) -> None:
        """Catatan and Rujukan are read when shown (a case with hundreds of notes opens no slower)."""
        if index not in self._stale_tabs:
            return
        self._stale_tabs.discard(index)
        if index == NOTES_TAB:
            self._reload_notes()
        elif index == REFERRALS_TAB:
            self._reload_referrals()

    def _show_header(self, history: Sequence[cases.StageChangeDTO]) -> None:
        c = self.case
        self.setWindowTitle(tr("Kasus {case} — {client}").format(case=c.display_id, client=c.client_name))
        self.name_label.setText(c.client_name)
        parts = [tr("Kasus {id}").format(id=c.display_id), tr("Klien {id}").format(id=c.client_display_id)]
        if c.cluster:
            parts.append(tr("Klaster: {cluster}").format(cluster=c.cluster_label))
        parts.append(tr("Pendekatan: {approach}").format(approach=c.approach_label or "—"))
        self.ids_label.setText(" · ".join(parts))
        since = next((h.changed_on for h in reversed(history) if h.to_stage == c.stage), c.opened_on)
        days = max((self.today - since).days, 0)
        stage = tr("Tahap: <b>{stage}</b> sejak {date} ({days} hari)").format(
            stage=html.escape(c.stage_label), date=format_date_short(since), days=format_number(days))
        worker = tr("Petugas: {name}").format(name=html.escape(c.worker_name or "—"))
        opened = tr("Dibuka {date}").format(date=format_date_short(c.opened_on))
        self.stage_label.setText(" · ".join((stage, worker, opened)))
        if c.closed_on is not None:
            text = tr("Terminasi {date}: {reason}").format(date=format_date_short(c.closed_on),
                                                           reason=c.termination_reason_label or "—")
            if c.termination_note:
                text += " — " + c.termination_note
            self.termination_label.setText(text)
            self.termination_label.show()
        else:
            self.termination_label.hide()
        self.terminate_button.setEnabled(c.is_open and not c.archived)
        self.terminate_button.setToolTip(tr("Tutup kasus dengan alasan terminasinya") if c.is_open else
                                         tr("Kasus ini sudah diterminasi."))
        self.stage_button.setEnabled(not c.archived)
        self.aftercare_button.setEnabled(c.closed_on is not None)
        self.aftercare_button.setToolTip(tr("Kunjungan bimbingan lanjut sesudah terminasi") if c.closed_on else
                                         tr("Bimbingan lanjut dijadwalkan sesudah terminasi."))

    @Slot()
    def _show_event(self, *_args) -> None:
        """The chosen event in full under the list (the Rincian column is cut to its width)."""
        event: TimelineEvent | None = self.timeline_model.row_at(self.timeline_table.currentIndex().row())
        if event is None:
            self.event_detail.setText(tr(TIMELINE_HINT))
            return
        line = f"{format_date_short(event.when)} · {event.kind_label}: {event.title}"
        if event.mark:
            line += f" ({event.mark_label})"
        if event.worker_name:
            line += f" · {event.worker_name}"
        self.event_detail.setText(line + (f"\n{event.detail}" if event.detail else ""))

    @Slot()
    def _filter_timeline(self, *_args) -> None:
        chosen = self.kind_combo.currentData()
        events = self._events if not chosen else [e for e in self._events if e.kind == chosen]
        current = _selected(self.timeline_table)
        self.timeline_model.set_rows(events)
        if current is not None:
            row = next((i for i, e in enumerate(events) if (e.ref_id, e.title) == (current.ref_id, current.title)), -1)
            _select_row(self.timeline_table, row)
        total = len(self._events)
        if chosen:
            self.timeline_count.setText(tr("{shown} dari {total} peristiwa").format(
                shown=format_number(len(events)), total=format_number(total)))
        else:
            self.timeline_count.setText(tr("{total} peristiwa").format(total=format_number(total)))

    @Slot()
    def _reload_tasks(self, *_args) -> None:
        current = _selected(self.task_table)
        try:
            rows = tasks.list_tasks(self.ctx.db, case_id=self.case_id, include_done=self.show_done_check.isChecked())
        except AtensiError as exc:
            self.notice(exc.message)
            return
        self.task_model.set_tasks(rows, self.today)
        if current is not None:
            _select_row(self.task_table, self.task_model.row_of(current.id))
        open_tasks = [t for t in rows if t.done_on is None]
        late = sum(1 for t in open_tasks if t.due_on < self.today)
        text = tr("{n} tugas terbuka").format(n=format_number(len(open_tasks)))
        if late:
            text += " · " + tr("{n} terlambat").format(n=format_number(late))
        self.task_summary.setText(text)
        self.tabs.setTabText(1, tr("T&ugas ({n})").format(n=len(open_tasks)) if open_tasks else tr("T&ugas"))
        self._update_task_actions()

    def _reload_notes(self) -> None:
        current = _selected(self.note_table)
        self.note_model.set_rows(casenotes.list_notes(self.ctx.db, case_id=self.case_id))
        row = self.note_model.row_of(current.id) if current is not None else (0 if self.note_model.rowCount() else -1)
        _select_row(self.note_table, row)
        if row < 0:
            self.note_view.setHtml(f"<p style='color:{MUTED}'>" + html.escape(tr(
                "Belum ada catatan. Pilih “Catatan baru…” atau “Konferensi kasus…”.")) + "</p>")

    def _reload_referrals(self) -> None:
        current = _selected(self.referral_table)
        self.referral_model.set_rows(referrals.list_referrals(self.ctx.db, case_id=self.case_id))
        row = self.referral_model.row_of(current.id) if current is not None else (
            0 if self.referral_model.rowCount() else -1)
        _select_row(self.referral_table, row)
        if row < 0:
            self.referral_view.setHtml(f"<p style='color:{MUTED}'>" + html.escape(tr(
                "Belum ada rujukan. Pilih “Rujukan baru…” untuk mencatat rujukan keluar atau masuk.")) + "</p>")
        self._update_referral_actions()

    # --- showing one note or referral ------------------------------------------------------------------

    @Slot()
    def _show_note(self, *_args) -> None:
        note = _selected(self.note_table) or self.note_model.row_at(self.note_table.currentIndex().row())
        if note is None:
            return
        parts = [f"<h3>{html.escape(note.kind_label)} · {format_date_short(note.written_on)}</h3>"]
        if note.worker_name:
            parts.append(f"<p style='color:{MUTED}'>" + html.escape(tr("Petugas: {name}").format(
                name=note.worker_name)) + "</p>")
        if note.kind == casenotes.CONFERENCE:
            parts.append(f"<p><b>{html.escape(tr('Peserta'))}</b><br>{_paragraphs(note.participants)}</p>")
            parts.append(f"<p><b>{html.escape(tr('Pembahasan'))}</b><br>{_paragraphs(note.text)}</p>")
            parts.append(f"<p><b>{html.escape(tr('Keputusan'))}</b><br>{_paragraphs(note.decisions)}</p>")
        else:
            parts.append(f"<p>{_paragraphs(note.text)}</p>")
        if note.edited:
            parts.append(f"<p style='color:{MUTED}'>" + html.escape(tr("Catatan ini pernah diubah; tulisan "
                                                                     "sebelumnya tersimpan di riwayatnya.")) + "</p>")
        self.note_view.setHtml("".join(parts))

    @Slot()
    def _show_referral(self, *_args) -> None:
        self._update_referral_actions()
        chosen = self.referral_model.row_at(self.referral_table.currentIndex().row())
        if chosen is None:
            return
        try:
            r = referrals.get_referral(self.ctx.db, chosen.id)
        except AtensiError as exc:
            self.referral_view.setPlainText(exc.message)
            return
        rows = [(tr("Arah"), r.direction_label), (tr("Lembaga"), f"{r.counterpart_name} ({r.counterpart_kind_label})"),
                (tr("Alasan"), r.reason), (tr("Layanan yang diminta"), r.services_requested or "—"),
                (tr("Nomor surat"), r.letter_number or "—"), (tr("Petugas"), r.worker_name or "—")]
        if r.note:
            rows.append((tr("Keterangan"), r.note))
        parts = [f"<h3>{html.escape(r.status_label)}</h3><table cellspacing='0' cellpadding='2'>"]
        parts += [f"<tr><td style='color:{MUTED}; padding-right:10px'>{html.escape(k)}</td>"
                  f"<td>{html.escape(v)}</td></tr>" for k, v in rows]
        parts.append(f"</table><p><b>{html.escape(tr('Riwayat status'))}</b></p><ul>")
        for e in r.events:
            line = f"{format_date_short(e.changed_on)} · {e.status_label}"
            if e.worker_name:
                line += f" · {e.worker_name}"
            if e.note:
                line += f" — {e.note}"
            parts.append(f"<li>{html.escape(line)}</li>")
        parts.append("</ul>")
        if not r.next_statuses:
            parts.append(f"<p style='color:{MUTED}'>" + html.escape(tr(
                "Rujukan ini sudah {status}; statusnya tidak berubah lagi.").format(
                status=r.status_label.lower())) + "</p>")
        self.referral_view.setHtml("".join(parts))

    # --- actions ---------------------------------------------------------------------------------------

    def notice(self, text: str) -> None:
        self.notice_label.setText(text)

    @Slot()
    def send_case(self) -> QDialog | None:
        """Kirim kasus ini…: the one-case export wizard for this case's client."""
        from ui.dialogs.case_export import CaseExportDialog

        c = self.case
        dialog = CaseExportDialog(self.ctx, self, client_id=c.client_id, client_display_id=c.client_display_id,
                                  client_name=c.client_name)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()
        return dialog

    def _announce(self, *signals: str) -> None:
        if self.bus is None:
            self.reload()
            return
        emitted = False
        for name in signals:
            signal = getattr(self.bus, name, None)
            if signal is not None:
                signal.emit()
                emitted = True
        if not emitted:
            self.reload()

    def _open_form(self, build: Callable[[], QDialog], done: Callable[[Any], None]) -> QDialog | None:
        """A form of this case, window-modal (not blocking); `done(saved)` after a save."""
        if self.form is not None:
            self.form.raise_()
            self.form.activateWindow()
            return self.form
        try:
            dialog = build()
        except AtensiError as exc:
            show_error(self, exc)
            return None
        self.form = dialog

        def finished(result: int) -> None:
            self.form = None
            saved = getattr(dialog, "saved", None)
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted and saved is not None:
                done(saved)

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    @Slot()
    def change_stage(self) -> QDialog | None:
        if self.case.archived:
            return None

        def done(case: CaseDTO) -> None:
            self.notice(tr("Tahap kasus sekarang {stage}.").format(stage=case.stage_label))
            self._announce("cases_changed")

        return self._open_form(lambda: StageChangeDialog(self.ctx, self.case, parent=self), done)

    @Slot()
    def terminate(self) -> QDialog | None:
        if not self.case.is_open:
            self.notice(tr("Kasus ini sudah diterminasi."))
            return None

        def done(case: CaseDTO) -> None:
            self.notice(tr("Kasus diterminasi: {reason}. Jadwalkan bimbingan lanjut di tab Tugas bila perlu.").format(
                reason=case.termination_reason_label))
            self._announce("cases_changed")

        return self._open_form(lambda: TerminationDialog(self.ctx, self.case, parent=self), done)

    @Slot()
    def record_service(self) -> QDialog | None:
        if not service_dialog_available():
            self.notice(tr("Pencatatan layanan belum tersedia di versi ini."))
            return None
        from ui.dialogs import service_entry  # another part of the UI; loaded when first used

        if self.bus is None:  # that dialog announces its saves on the bus
            return None

        def saved(_entry: Any) -> None:
            self.notice(tr("Layanan dicatat."))
            self.tabs.setCurrentIndex(0)

        return service_entry.open_service_entry(self, self.ctx, self.bus, self.case.client_id, case_id=self.case.id,
                                                on_saved=saved)

    # tasks

    def selected_task(self) -> TaskDTO | None:
        return _selected(self.task_table)

    @Slot()
    def _update_task_actions(self, *_args) -> None:
        task = self.selected_task()
        self.done_button.setEnabled(task is not None and task.done_on is None)
        self.reopen_button.setEnabled(task is not None and task.done_on is not None)

    @Slot()
    def new_task(self) -> QDialog | None:
        def done(task: TaskDTO) -> None:
            self.notice(tr("Tugas “{title}” dicatat, jatuh tempo {date}.").format(
                title=task.title, date=format_date_short(task.due_on)))
            self._announce("tasks_changed")
            _select_row(self.task_table, self.task_model.row_of(task.id))

        return self._open_form(lambda: TaskDialog(self.ctx, self.case, parent=self), done)

    @Slot()
    def complete_task(self) -> None:
        task = self.selected_task()
        if task is None or task.done_on is not None:
            return
        try:
            tasks.complete_task(self.ctx.db, task.id, worker_id=self.case.worker_id)
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.notice(tr("Tugas “{title}” ditandai selesai hari ini.").format(title=task.title))
        self._announce("tasks_changed")

    @Slot()
    def reopen_task(self) -> None:
        task = self.selected_task()
        if task is None or task.done_on is None:
            return
        try:
            tasks.reopen_task(self.ctx.db, task.id)
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.notice(tr("Tugas “{title}” dibuka kembali.").format(title=task.title))
        self._announce("tasks_changed")

    @Slot()
    def schedule_aftercare(self) -> QDialog | None:
        if self.case.closed_on is None:
            self.notice(tr("Bimbingan lanjut dijadwalkan sesudah terminasi."))
            return None

        def done(made: list[TaskDTO]) -> None:
            self.notice(tr("{n} kunjungan bimbingan lanjut dijadwalkan, mulai {date}.").format(
                n=len(made), date=format_date_short(made[0].due_on)) if made else "")
            self._announce("tasks_changed")

        return self._open_form(lambda: AftercareDialog(self.ctx, self.case, parent=self), done)

    # notes

    @Slot()
    def new_note(self) -> QDialog | None:
        return self._open_form(lambda: NoteDialog(self.ctx, self.case, casenotes.NOTE, parent=self), self._note_saved)

    @Slot()
    def new_conference(self) -> QDialog | None:
        return self._open_form(lambda: NoteDialog(self.ctx, self.case, casenotes.CONFERENCE, parent=self),
                               self._note_saved)

    def _note_saved(self, note: NoteDTO) -> None:
        self.notice(tr("{kind} tanggal {date} disimpan.").format(kind=note.kind_label,
                                                                date=format_date_short(note.written_on)))
        self._announce("cases_changed")
        _select_row(self.note_table, self.note_model.row_of(note.id))

    # referrals

    def selected_referral(self) -> ReferralDTO | None:
        return _selected(self.referral_table)

    @Slot()
    def _update_referral_actions(self, *_args) -> None:
        referral = self.selected_referral()
        movable = referral is not None and bool(referral.next_statuses)
        self.referral_status_button.setEnabled(movable)
        if referral is not None and not movable:
            self.referral_status_button.setToolTip(tr("Rujukan yang sudah {status} tidak bisa diubah lagi.").format(
                status=referral.status_label.lower()))
        else:
            self.referral_status_button.setToolTip(tr("Diterima, selesai atau ditolak (Enter)"))

    @Slot()
    def new_referral(self) -> QDialog | None:
        def done(referral: ReferralDTO) -> None:
            self.notice(tr("Rujukan ke {name} dicatat dengan status dikirim.").format(name=referral.counterpart_name)
                        if referral.direction == referrals.OUT else
                        tr("Rujukan dari {name} dicatat.").format(name=referral.counterpart_name))
            self._announce("cases_changed")
            _select_row(self.referral_table, self.referral_model.row_of(referral.id))

        return self._open_form(lambda: ReferralDialog(self.ctx, self.case, parent=self), done)

    @Slot()
    def change_referral_status(self) -> QDialog | None:
        referral = self.selected_referral()
        if referral is None:
            return None
        if not referral.next_statuses:
            self.notice(tr("Rujukan yang sudah {status} tidak bisa diubah lagi; buat rujukan baru bila perlu.").format(
                status=referral.status_label.lower()))
            return None

        def done(changed: ReferralDTO) -> None:
            self.notice(tr("Status rujukan ke {name} sekarang {status}.").format(
                name=changed.counterpart_name, status=changed.status_label.lower()))
            self._announce("cases_changed")
            _select_row(self.referral_table, self.referral_model.row_of(changed.id))

        return self._open_form(lambda: ReferralStatusDialog(self.ctx, referral, worker_id=self.case.worker_id,
                                                            parent=self), done)

    # the timeline leads to the record

    @Slot(QModelIndex)
    def _event_activated(self, index: QModelIndex) -> None:
        event: TimelineEvent | None = index.data(ROW_ROLE)
        if event is None:
            return
        targets = {"case_task": (1, self.task_table, self.task_model),
                   "case_note": (2, self.note_table, self.note_model),
                   "referral": (3, self.referral_table, self.referral_model)}
        target = targets.get(event.ref_table)
        if target is None:
            return
        tab, table, model = target
        if event.ref_table == "case_task" and model.row_of(event.ref_id) < 0:
            self.show_done_check.setChecked(True)
        self.tabs.setCurrentIndex(tab)
        _select_row(table, model.row_of(event.ref_id))
        table.setFocus(Qt.FocusReason.OtherFocusReason)

    def done(self, result: int) -> None:
        _open_windows.pop(self.case_id, None)
        if self.bus is not None:
            for name in ("cases_changed", "services_changed", "tasks_changed"):
                signal = getattr(self.bus, name, None)
                if signal is not None:
                    with contextlib.suppress(RuntimeError, TypeError):
                        signal.disconnect(self.reload)
        super().done(result)


def _may_send_cases(ctx: AppContext) -> bool:
    from atensi_desktop.security.roles import SYNC_EXPORT, can

    return can(ctx.db, SYNC_EXPORT)


def _forget(case_id: uuid.UUID, window: CaseWindow) -> None:
    if _open_windows.get(case_id) is window:
        del _open_windows[case_id]


def _paragraphs(text: str | None) -> str:
    return html.escape(text or "—").replace("\n", "<br>")


def open_case_window(parent: QWidget | None, ctx: AppContext, bus: ChangeBus | None,
                     case_id: uuid.UUID) -> CaseWindow | None:
    """Show a case (window-modal, not blocking; the same case twice raises its window). None when the case
    cannot be read (the error is shown)."""
    existing = _open_windows.get(case_id)
    if existing is not None:
        existing.raise_()
        existing.activateWindow()
        return existing
    try:
        window = CaseWindow(ctx, bus, case_id, parent)
    except AtensiError as exc:
        show_error(parent, exc)
        return None
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _open_windows[case_id] = window
    window.destroyed.connect(lambda *_args: _forget(case_id, window))  # e.g. deleted with its parent
    window.open()
    return window
