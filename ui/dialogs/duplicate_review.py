"""The "Kemungkinan duplikat" review list: pairs of clients that may be one person, merged or set apart."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Slot,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import UserError
from atensi_desktop.i18n import format_date_short
from atensi_desktop.services import wilayah
from atensi_desktop.services.duplicates import ClientBrief, DuplicatePair, mark_distinct, review_list
from ui.change_bus import ChangeBus
from ui.dialogs.merge_clients import MergeClientsDialog
from ui.errors import show_error
from ui.i18n import tr
from ui.models.rows import ListTableModel
from ui.tasks import Task
from ui.widgets.common import make_label

REVIEW_LIMIT = 500  # pairs one load brings back; the queue is ordered by score, so the likeliest come first
TARGET_SCREEN = QSize(1366, 768 - 40)
WANTED_SIZE = QSize(1180, 640)
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class ReviewRow:
    """One pair as the list shows it, with the names of both clients' regions."""

    pair: DuplicatePair
    a_place: str | None
    b_place: str | None


def load_review(db: Any, *, limit: int = REVIEW_LIMIT) -> list[ReviewRow]:
    """The review queue with region names (runs off the GUI thread: it can take seconds)."""
    pairs = review_list(db, limit=limit)
    codes = {c.wilayah_code for p in pairs for c in (p.a, p.b) if c.wilayah_code}
    names = wilayah.names_for(db, codes) if codes else {}

    def place(code: str | None) -> str | None:
        return names.get(code, code) if code else None  # the code itself when its name is not loaded

    return [ReviewRow(p, place(p.a.wilayah_code), place(p.b.wilayah_code)) for p in pairs]


def _client_text(client: ClientBrief, place: str | None) -> str:
    facts = [client.display_id]
    facts.append(tr("lahir {date}").format(date=format_date_short(client.birth_date)) if client.birth_date
                 else tr("tanggal lahir kosong"))
    if place:
        facts.append(place)
    return f"{client.name or '—'}\n" + "  ·  ".join(facts)


class DuplicatePairModel(ListTableModel):
    """Columns: score, client A, client B, why (two-line cells: name, then id · birth date · desa)."""

    SCORE, CLIENT_A, CLIENT_B, REASONS = range(4)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__((tr("Skor"), tr("Klien A"), tr("Klien B"), tr("Alasan")), parent)

    def row_at(self, row: int) -> ReviewRow:
        return self._rows[row]

    def pairs(self) -> list[DuplicatePair]:
        return [r.pair for r in self._rows]

    def remove_pair(self, a: uuid.UUID, b: uuid.UUID) -> int | None:
        """Drop the pair (either order); returns the row it was in."""
        wanted = {a, b}
        for i, r in enumerate(self._rows):
            if {r.pair.a.id, r.pair.b.id} == wanted:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self._rows[i]
                self.endRemoveRows()
                return i
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == self.SCORE:
                return f"{round(r.pair.score * 100)}%"
            if column == self.CLIENT_A:
                return _client_text(r.pair.a, r.a_place)
            if column == self.CLIENT_B:
                return _client_text(r.pair.b, r.b_place)
            if column == self.REASONS:
                text = r.pair.explanation
                return text[:1].upper() + text[1:]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == self.SCORE:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None


class DuplicateReviewDialog(QDialog):
    """The review list. Loads off the GUI thread; per selected pair: "Gabungkan…" opens `merge_dialog`
    (window-modal, not blocking), "Bukan duplikat" asks for an optional note inline and stores the decision.
    Both take the pair off the list and emit `bus.clients_changed`."""

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self._task: Task | None = None
        self._decision_task: Task | None = None
        self.merge_dialog: MergeClientsDialog | None = None
        self.setObjectName("duplicateReview")
        self.setWindowTitle(tr("Kemungkinan duplikat"))
        self._build()
        self._fit()
        self.reload()

    # --- building --------------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 14, 20, 14)
        outer.setSpacing(8)
        outer.addWidget(make_label(tr(
            "Pasangan klien yang mungkin orang yang sama: NIK sama, atau nama mirip dengan tanggal lahir "
            "sama. Gabungkan bila memang orang yang sama; tandai \"bukan duplikat\" bila berbeda."),
            "muted", wrap=True))
        self.error_label = make_label("", "error", wrap=True, selectable=True)
        self.error_label.setObjectName("reviewError")
        self.error_label.hide()
        outer.addWidget(self.error_label)

        self.pages = QStackedWidget()
        self.state_label = make_label("", "empty", wrap=True)
        self.state_label.setObjectName("reviewState")
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addWidget(self.state_label)
        self.model = DuplicatePairModel(self)
        self.table = QTableView()
        self.table.setObjectName("duplicatePairs")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        lines = self.table.fontMetrics().lineSpacing()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(lines * 2 + 14)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(DuplicatePairModel.SCORE, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(DuplicatePairModel.SCORE, 64)
        for column in (DuplicatePairModel.CLIENT_A, DuplicatePairModel.CLIENT_B):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, 330)
        header.setSectionResizeMode(DuplicatePairModel.REASONS, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName(tr("Daftar kemungkinan duplikat"))
        self.pages.addWidget(self.table)
        outer.addWidget(self.pages, 1)

        # "Bukan duplikat": an optional note, asked inline.
        self.note_row = QWidget()
        self.note_row.setObjectName("distinctNoteRow")
        note_line = QHBoxLayout(self.note_row)
        note_line.setContentsMargins(0, 0, 0, 0)
        self.note_caption = make_label(tr("Catatan (boleh kosong):"))
        self.note_edit = QLineEdit()
        self.note_edit.setObjectName("distinctNote")
        self.note_edit.setMaxLength(500)
        self.note_edit.setPlaceholderText(tr("mis. kakak-beradik kembar, NIK salah ketik di KK"))
        self.note_caption.setBuddy(self.note_edit)
        self.note_save = QPushButton(tr("&Simpan keputusan"))
        self.note_save.setObjectName("saveDistinct")
        self.note_cancel = QPushButton(tr("Batal"))
        note_line.addWidget(self.note_caption)
        note_line.addWidget(self.note_edit, 1)
        note_line.addWidget(self.note_save)
        note_line.addWidget(self.note_cancel)
        self.note_row.hide()
        outer.addWidget(self.note_row)

        footer = QHBoxLayout()
        self.status_label = make_label("", "muted", wrap=True)
        self.status_label.setObjectName("reviewStatus")
        footer.addWidget(self.status_label, 1)
        self.merge_button = QPushButton(tr("&Gabungkan…"))
        self.merge_button.setObjectName("mergePair")
        self.distinct_button = QPushButton(tr("&Bukan duplikat"))
        self.distinct_button.setObjectName("markDistinct")
        self.reload_button = QPushButton(tr("&Periksa ulang"))
        self.reload_button.setObjectName("reloadPairs")
        self.close_button = QPushButton(tr("Tutup"))
        for button in (self.merge_button, self.distinct_button, self.reload_button, self.close_button):
            button.setAutoDefault(False)
            footer.addWidget(button)
        outer.addLayout(footer)

        self.merge_button.clicked.connect(self.merge_selected)
        self.distinct_button.clicked.connect(self.ask_distinct_note)
        self.reload_button.clicked.connect(self.reload)
        self.close_button.clicked.connect(self.reject)
        self.note_save.clicked.connect(self.mark_selected_distinct)
        self.note_edit.returnPressed.connect(self.mark_selected_distinct)
        self.note_cancel.clicked.connect(self.hide_note)
        self.table.activated.connect(lambda _index: self.merge_selected())
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_buttons()

    def _fit(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        limit = TARGET_SCREEN
        if screen is not None and QGuiApplication.platformName() != "offscreen":
            limit = screen.availableGeometry().size()
        self.setMinimumSize(QSize(720, 420).boundedTo(limit))
        self.resize(WANTED_SIZE.boundedTo(limit))

    # --- loading ---------------------------------------------------------------------------------------

    def busy(self) -> bool:
        return self._task is not None or self._decision_task is not None

    @Slot()
    def reload(self) -> None:
        """Compute the queue again off the GUI thread ("Memeriksa…" meanwhile)."""
        if self._task is not None:
            return
        self.hide_note()
        self.error_label.hide()
        self.state_label.setText(tr("Memeriksa…"))
        self.pages.setCurrentWidget(self.state_label)
        self.status_label.setText("")
        db = self.ctx.db
        self._task = Task(lambda _progress: load_review(db))
        self._task.finished.connect(self._loaded)
        self._task.failed.connect(self._load_failed)
        self._task.start()
        self._update_buttons()

    @Slot(object)
    def _loaded(self, rows: list[ReviewRow]) -> None:
        self._task = None
        self.model.set_rows(rows)
        self._show_rows()
        if self.model.rowCount() and self.isVisible():
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(object)
    def _load_failed(self, exc: BaseException) -> None:
        self._task = None
        self.state_label.setText(tr("Daftar tidak bisa dimuat."))
        self.pages.setCurrentWidget(self.state_label)
        self._update_buttons()
        if isinstance(exc, UserError):
            self._show_error(exc)
        else:
            show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    def _show_rows(self) -> None:
        count = self.model.rowCount()
        if count == 0:
            self.state_label.setText(tr("Tidak ada kemungkinan duplikat."))
            self.pages.setCurrentWidget(self.state_label)
        else:
            self.pages.setCurrentWidget(self.table)
            if not self.table.selectionModel().hasSelection():
                self.table.selectRow(0)
        self._update_buttons()

    def _update_buttons(self, *_args: Any) -> None:
        has = self.selected_pair() is not None and not self.busy()
        self.merge_button.setEnabled(has)
        self.distinct_button.setEnabled(has)
        self.reload_button.setEnabled(not self.busy())

    def selected_pair(self) -> DuplicatePair | None:
        if self.pages.currentWidget() is not self.table:
            return None
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()).pair if rows else None

    def select_pair(self, a: uuid.UUID, b: uuid.UUID) -> bool:
        for row, pair in enumerate(self.model.pairs()):
            if {pair.a.id, pair.b.id} == {a, b}:
                self.table.selectRow(row)
                return True
        return False

    def _show_error(self, exc: UserError) -> None:
        self.error_label.setText(exc.message if not exc.hint else f"{exc.message} {exc.hint}")
        self.error_label.show()

    # --- "bukan duplikat" ------------------------------------------------------------------------------

    @Slot()
    def ask_distinct_note(self) -> None:
        pair = self.selected_pair()
        if pair is None or self.busy():
            return
        self.note_caption.setText(tr("Catatan untuk {a} dan {b} (boleh kosong):").format(
            a=pair.a.display_id, b=pair.b.display_id))
        self.note_edit.clear()
        self.note_row.show()
        self.note_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def hide_note(self) -> None:
        if self.note_row.isVisible():
            self.note_row.hide()
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def mark_selected_distinct(self) -> None:
        pair = self.selected_pair()
        if pair is None or self._decision_task is not None:
            return
        db, a, b = self.ctx.db, pair.a.id, pair.b.id
        note = self.note_edit.text().strip() or None
        self.error_label.hide()
        self.status_label.setText(tr("Menyimpan…"))
        self.note_row.setEnabled(False)
        self._decision_task = Task(lambda _progress: mark_distinct(db, a, b, note))
        self._decision_task.finished.connect(lambda _result: self._distinct_saved(pair))
        self._decision_task.failed.connect(self._decision_failed)
        self._decision_task.start()
        self._update_buttons()

    def _distinct_saved(self, pair: DuplicatePair) -> None:
        self._decision_task = None
        self.note_row.setEnabled(True)
        self.note_row.hide()
        row = self.model.remove_pair(pair.a.id, pair.b.id)
        self.status_label.setText(tr("{a} dan {b} ditandai bukan duplikat.").format(
            a=pair.a.display_id, b=pair.b.display_id))
        self._select_near(row)
        self.bus.clients_changed.emit()

    @Slot(object)
    def _decision_failed(self, exc: BaseException) -> None:
        self._decision_task = None
        self.note_row.setEnabled(True)
        self.status_label.setText("")
        self._update_buttons()
        if isinstance(exc, UserError):
            self._show_error(exc)
        else:
            show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    def _select_near(self, row: int | None) -> None:
        count = self.model.rowCount()
        if count and row is not None:
            self.table.selectRow(min(row, count - 1))
        self._show_rows()
        if count:
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- merging ---------------------------------------------------------------------------------------

    @Slot()
    def merge_selected(self) -> None:
        """Open the merge dialog for the selected pair (window-modal; the list updates when it closes)."""
        pair = self.selected_pair()
        if pair is None or self.busy() or self.merge_dialog is not None:
            return
        self.hide_note()
        try:
            dialog = MergeClientsDialog(self.ctx, pair.a.id, pair.b.id, self, bus=self.bus)
        except UserError as exc:  # one of them is gone since the list was loaded
            self._show_error(exc)
            return
        self.merge_dialog = dialog
        dialog.finished.connect(lambda _result: self._merge_closed(dialog, pair))
        dialog.open()

    def _merge_closed(self, dialog: MergeClientsDialog, pair: DuplicatePair) -> None:
        self.merge_dialog = None
        dialog.deleteLater()
        if dialog.merged_client is None:
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        survivor = dialog.merged_client
        loser = pair.a if dialog.loser_id == pair.a.id else pair.b
        self.status_label.setText(tr("{loser} digabung ke {survivor} ({name}).").format(
            loser=loser.display_id, survivor=survivor.display_id, name=survivor.values.get("name") or "—"))
        # The loser leaves every pair it was in; the survivor's values may have changed: compute again.
        row = self.model.remove_pair(pair.a.id, pair.b.id)
        self._select_near(row)
        status = self.status_label.text()
        self.reload()
        self.status_label.setText(status)

    # --- closing ---------------------------------------------------------------------------------------

    def reject(self) -> None:
        if self._decision_task is not None or self.merge_dialog is not None:  # let that finish first
            return
        if self.note_row.isVisible():  # Esc first closes the note line
            self.hide_note()
            return
        if self._task is not None:
            self._task.cancel()
        super().reject()


def open_duplicate_review(parent: QWidget | None, ctx: AppContext, bus: ChangeBus) -> None:
    """Show the review list (modal) from the Klien screen."""
    dialog = DuplicateReviewDialog(ctx, bus, parent)
    try:
        dialog.exec()
    finally:
        dialog.deleteLater()
