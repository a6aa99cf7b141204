"""Tinjau konflik: concurrent edits of one field (or an edit after a deletion) listed per client; for the selected
one the values side by side with who, where and when, "Pakai nilai ini" per value and "Terima yang sekarang"."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.sync.conflicts import (
    ACCEPT,
    KIND_DELETED,
    ConflictDTO,
    LeafDTO,
    list_conflicts,
    resolve_conflict,
)
from ui.errors import error_text
from ui.i18n import tr
from ui.widgets.common import make_card, make_label

TARGET_SCREEN = QSize(1366, 768 - 40)
WANTED_SIZE = QSize(1160, 620)
MAX_SHORTCUTS = 9  # Alt+1 … Alt+9 pick a value
LONG_VALUE = 80  # characters: a conflict with a longer value shows its values in normal size


class ConflictReviewDialog(QDialog):
    """The open conflicts (left) and the selected one's values side by side (right).

    `on_resolved` is called after each resolution (the Sinkronisasi screen updates its count and tells the
    other screens that client data changed)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None,
                 on_resolved: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.on_resolved = ctx, on_resolved
        self.conflicts: list[ConflictDTO] = []
        self.leaf_buttons: list[QPushButton] = []
        self.leaf_cards: list[QFrame] = []
        self.setObjectName("conflictReview")
        self.setWindowTitle(tr("Tinjau konflik"))
        self._build()
        self._fit()
        self.reload()

    # --- building ----------------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 14, 20, 14)
        outer.setSpacing(8)
        outer.addWidget(make_label(tr(
            "Isian yang diubah di dua tempat tanpa saling tahu. Nilai bertanda \"sedang dipakai\" yang tampil "
            "sekarang. Pilih nilai yang benar, atau terima yang sekarang; keputusan ini ikut terkirim ke kantor "
            "mitra pada sinkronisasi berikutnya."), "muted", wrap=True))
        self.error_label = make_label("", "error", wrap=True, selectable=True)
        self.error_label.setObjectName("conflictError")
        self.error_label.hide()
        outer.addWidget(self.error_label)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("conflictList")
        self.table.setAccessibleName(tr("Daftar konflik"))
        self.table.setHorizontalHeaderLabels([tr("Klien"), tr("Bagian"), tr("Isian")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.splitter.addWidget(self.table)

        detail = QWidget()
        self.detail_layout = QVBoxLayout(detail)
        self.detail_layout.setContentsMargins(8, 0, 0, 0)
        self.title_label = make_label("", "subtitle", wrap=True, selectable=True)
        self.title_label.setObjectName("conflictTitle")
        self.detail_layout.addWidget(self.title_label)
        self.explain_label = make_label("", "muted", wrap=True)
        self.explain_label.setObjectName("conflictExplain")
        self.detail_layout.addWidget(self.explain_label)
        self.leaves_area = QScrollArea()
        self.leaves_area.setWidgetResizable(True)
        self.leaves_area.setFrameShape(QFrame.Shape.NoFrame)
        self.leaves_holder = QWidget()
        self.leaves_row = QHBoxLayout(self.leaves_holder)
        self.leaves_row.setContentsMargins(0, 0, 0, 0)
        self.leaves_row.setSpacing(10)
        self.leaves_area.setWidget(self.leaves_holder)
        self.detail_layout.addWidget(self.leaves_area, 1)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        outer.addWidget(self.splitter, 1)

        self.empty_label = make_label(tr("Tidak ada konflik yang perlu ditinjau."), "empty", wrap=True)
        self.empty_label.setObjectName("conflictEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()
        outer.addWidget(self.empty_label, 1)

        self.status_label = make_label("", "strong", wrap=True, selectable=True)
        self.status_label.setObjectName("conflictStatus")
        outer.addWidget(self.status_label)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText(tr("&Tutup"))
        self.accept_button = buttons.addButton(tr("Terima yang &sekarang"), QDialogButtonBox.ButtonRole.ActionRole)
        self.accept_button.setObjectName("acceptCurrent")
        self.accept_button.setToolTip(tr("Biarkan nilai yang sedang dipakai dan tandai konflik ini selesai"))
        self.accept_button.clicked.connect(self.accept_current)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self._shortcuts = []
        for number in range(1, MAX_SHORTCUTS + 1):
            shortcut = QShortcut(QKeySequence(f"Alt+{number}"), self)
            shortcut.activated.connect(lambda n=number: self._pick_by_number(n))
            self._shortcuts.append(shortcut)

    def _fit(self) -> None:
        screen = QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() if screen is not None else TARGET_SCREEN
        room = room.boundedTo(TARGET_SCREEN)
        self.resize(WANTED_SIZE.boundedTo(room))
        self.splitter.setSizes([380, 740])

    # --- loading -----------------------------------------------------------------------------------------

    def reload(self, keep: tuple | None = None) -> None:
        """Read the open conflicts again; select `keep` (a ConflictDTO.key) or the first one."""
        try:
            self.conflicts = list_conflicts(self.ctx.db)
        except AtensiError as exc:
            self._error(exc)
            self.conflicts = []
        self.table.setRowCount(len(self.conflicts))
        for row, conflict in enumerate(self.conflicts):
            for column, text in enumerate((conflict.subject, conflict.table_label, conflict.field_label)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        has = bool(self.conflicts)
        self.splitter.setVisible(has)
        self.empty_label.setVisible(not has)
        self.accept_button.setEnabled(has)
        if has:
            keys = [c.key for c in self.conflicts]
            self.table.selectRow(keys.index(keep) if keep in keys else 0)
            self.table.setFocus()
        else:
            self._clear_leaves()
            self.close_button.setFocus()
        self.setWindowTitle(tr("Tinjau konflik ({n})").format(n=len(self.conflicts)))

    def selected(self) -> ConflictDTO | None:
        rows = self.table.selectionModel().selectedRows()
        return self.conflicts[rows[0].row()] if rows and rows[0].row() < len(self.conflicts) else None

    def _clear_leaves(self) -> None:
        for card in self.leaf_cards:
            self.leaves_row.removeWidget(card)
            card.deleteLater()
        self.leaf_cards, self.leaf_buttons = [], []
        while self.leaves_row.count():
            item = self.leaves_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.title_label.clear()
        self.explain_label.clear()

    @Slot()
    def _show_selected(self) -> None:
        self._clear_leaves()
        conflict = self.selected()
        if conflict is None:
            return
        self.title_label.setText(tr("{subject} — {part}: {field}").format(
            subject=conflict.subject, part=conflict.table_label, field=conflict.field_label))
        if conflict.kind == KIND_DELETED:
            self.explain_label.setText(tr(
                "Data ini dihapus, tetapi sesudah itu diubah di tempat lain. Penghapusan berlaku sampai "
                "ditinjau. \"Pakai nilai ini\" pada perubahan memulihkan data beserta perubahannya; \"Terima yang "
                "sekarang\" tetap menghapusnya."))
        else:
            self.explain_label.setText(tr("{n} nilai berbeda untuk isian yang sama.").format(n=len(conflict.leaves)))
        # short values (a phone, a date) large; when one is long (a note, an assessment section's answers)
        # all of them in normal size, so the values compare alike
        role = "subtitle" if all(len(leaf.value) <= LONG_VALUE for leaf in conflict.leaves) else "strong"
        for number, leaf in enumerate(conflict.leaves, start=1):
            card = self._leaf_card(conflict, leaf, number, role)
            self.leaves_row.addWidget(card, 1)
            self.leaf_cards.append(card)
        self.leaves_row.addStretch(0)
        # Tab order: the list, each value's button, then "Terima yang sekarang" and "Tutup"
        chain = [self.table, *self.leaf_buttons, self.accept_button, self.close_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _leaf_card(self, conflict: ConflictDTO, leaf: LeafDTO, number: int, role: str) -> QFrame:
        card, layout = make_card(margins=12, spacing=6)
        card.setObjectName(f"leaf{number}")
        card.setMinimumWidth(220)
        top = QHBoxLayout()
        heading = tr("Nilai {n}").format(n=number)
        if conflict.kind == KIND_DELETED:
            heading = (tr("{n} · Penghapusan").format(n=number) if leaf.deletion
                       else tr("{n} · Perubahan: {field}").format(n=number, field=leaf.field_label))
        top.addWidget(make_label(heading, "muted"))
        top.addStretch(1)
        if leaf.current:
            badge = make_label(tr("sedang dipakai"), "strong")
            badge.setObjectName("currentBadge")
            badge.setStyleSheet("color: #1f6b3a;")
            top.addWidget(badge)
        layout.addLayout(top)
        value = make_label(leaf.value, role, wrap=True, selectable=True)
        value.setObjectName("leafValue")
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(value)
        where_text = leaf.where if leaf.where == leaf.device else f"{leaf.where} ({leaf.device})"
        for caption, text, name in ((tr("Oleh"), leaf.who or tr("tidak tercatat"), "leafWho"),
                                    (tr("Kantor/perangkat"), where_text, "leafWhere"),
                                    (tr("Kapan"), leaf.when_text, "leafWhen")):
            layout.addSpacing(2)
            layout.addWidget(make_label(caption, "muted"))
            value_label = make_label(text, wrap=True, selectable=True)
            value_label.setObjectName(name)
            layout.addWidget(value_label)
        layout.addStretch(1)
        button = QPushButton(tr("Pakai nilai ini"))
        button.setObjectName(f"useLeaf{number}")
        button.setAccessibleName(tr("Pakai nilai {n}: {value}").format(n=number, value=leaf.value))
        if number <= MAX_SHORTCUTS:
            button.setToolTip(tr("Pakai nilai ini (Alt+{n})").format(n=number))
        button.clicked.connect(lambda _checked=False, key=leaf.key: self.choose(key))
        layout.addWidget(button)
        self.leaf_buttons.append(button)
        return card

    # --- deciding ----------------------------------------------------------------------------------------

    def _pick_by_number(self, number: int) -> None:
        if 0 < number <= len(self.leaf_buttons):
            self.leaf_buttons[number - 1].click()

    @Slot()
    def accept_current(self) -> None:
        self.choose(ACCEPT)

    def choose(self, key: str) -> bool:
        """Resolve the selected conflict with the leaf `key` (or ACCEPT); then show the next one."""
        conflict = self.selected()
        if conflict is None:
            return False
        self.error_label.hide()
        try:
            done = resolve_conflict(self.ctx.db, conflict.table, conflict.row_id, conflict.column, key)
        except AtensiError as exc:
            self._error(exc)
            return False
        if done:
            picked = conflict.current if key == ACCEPT else next(x for x in conflict.leaves if x.key == key)
            if conflict.kind == KIND_DELETED:
                text = (tr("{subject}: tetap dihapus.") if picked.deletion
                        else tr("{subject}: dipulihkan dengan perubahan {field}.")).format(
                    subject=conflict.subject, field=picked.field_label)
            else:
                text = tr("{subject} — {field}: dipakai \"{value}\".").format(
                    subject=conflict.subject, field=conflict.field_label, value=picked.value)
            self.status_label.setText(text)
        else:
            self.status_label.setText(tr("Konflik ini sudah diselesaikan di tempat lain."))
        row = self.table.currentRow()
        following = self.conflicts[row + 1].key if 0 <= row < len(self.conflicts) - 1 else None
        self.reload(keep=following)
        if self.on_resolved is not None:
            self.on_resolved()
        return done

    def _error(self, exc: AtensiError) -> None:
        self.error_label.setText(error_text(exc))
        self.error_label.show()
