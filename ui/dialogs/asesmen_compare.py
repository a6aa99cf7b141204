"""Re-asesmen side by side: the previous asesmen and this one, each read with its own form version.

Top: the scores (Indeks Barthel: 12 → 15 (+3)). Below: one row per question, Bagian | Pertanyaan |
Sebelumnya (date) | Sekarang (date), with a mark column (≠ changed, + newly answered, − emptied) so a
change is never shown by colour alone. "Hanya yang berubah" (on when the dialog opens) and a search box
narrow the rows. The comparison itself is `atensi_desktop.forms.compare`; this module only shows it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QSize, Qt, Slot
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError, UserError
from atensi_desktop.forms import CompareRow, Comparison, FormDef, ScoreCompare, compare, shipped_forms
from atensi_desktop.forms.checker import normalise_context
from atensi_desktop.i18n import format_date_short
from atensi_desktop.services import assessments as svc
from atensi_desktop.services.clients import get_client
from ui.errors import show_error
from ui.i18n import tr
from ui.models.rows import ListTableModel
from ui.widgets.common import make_card, make_label

TARGET_SCREEN = QSize(1366, 768 - 40)
CHANGED_BACKGROUND = "#fff4d6"
_Index = QModelIndex | QPersistentModelIndex

MARK_CHANGED = "≠"
MARK_ADDED = "+"
MARK_REMOVED = "−"


def fit_to_screen(dialog: QDialog, wanted: QSize, minimum: QSize) -> None:
    """Open at `wanted` size, never larger than a 1366×768 laptop's (or this screen's) free area."""
    screen = dialog.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry().size() if screen is not None else TARGET_SCREEN
    room = room.boundedTo(TARGET_SCREEN)
    dialog.setMinimumSize(minimum.boundedTo(room))
    dialog.resize(wanted.boundedTo(room))


def assessment_context(ctx: AppContext, client_id: uuid.UUID, started_on: dt.date) -> dict[str, Any]:
    """The names a form's skip logic and scores read (sex, age, clusters...), as the wizard builds them."""
    facts = get_client(ctx.db, client_id).values
    birth = facts.get("birth_date")
    return normalise_context({
        "sex": facts.get("sex"), "birth_date": birth.isoformat() if isinstance(birth, dt.date) else birth,
        "cluster": facts.get("cluster"), "started_on": started_on.isoformat()})


def describe(assessment: svc.AssessmentDTO) -> str:
    """'Asesmen awal, selesai 05-01-2026' / '…, draf sejak 05-04-2026'."""
    if assessment.finished_on is not None:
        when = tr("selesai {date}").format(date=format_date_short(assessment.finished_on))
    else:
        when = tr("draf, dimulai {date}").format(date=format_date_short(assessment.started_on))
    return f"{assessment.kind_label}, {when}"


def _date_of(assessment: svc.AssessmentDTO) -> dt.date:
    return assessment.finished_on or assessment.started_on


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}".replace(".", ",")


def score_text(score: ScoreCompare) -> str:
    """'Indeks Barthel: 12 → 15 (+3)', with the bands when both have one; a missing side says so."""
    old = score.old.value if score.old is not None else None
    new = score.new.value if score.new is not None else None
    if old is None and new is None:
        return tr("{title}: belum dinilai di kedua asesmen").format(title=score.title)
    before = _number(old) if old is not None else tr("belum dinilai")
    after = _number(new) if new is not None else tr("belum dinilai")
    text = tr("{title}: {before} → {after}").format(title=score.title, before=before, after=after)
    change = score.change
    if change is not None:
        text += " (" + (tr("tetap") if change == 0 else ("+" if change > 0 else "−") + _number(abs(change))) + ")"
    bands = [r.band_label if r is not None else None for r in (score.old, score.new)]
    if all(bands) and bands[0] != bands[1]:
        text += " — " + tr("{before} menjadi {after}").format(before=bands[0], after=bands[1])
    elif bands[1]:
        text += f" — {bands[1]}"
    incomplete = [r for r in (score.old, score.new) if r is not None and r.value is not None and not r.complete]
    if incomplete:
        text += " " + tr("(ada butir yang belum dijawab)")
    return text


def change_mark(row: CompareRow) -> str:
    if not row.changed:
        return ""
    if not row.old_value:
        return MARK_ADDED
    if not row.new_value:
        return MARK_REMOVED
    return MARK_CHANGED


def mark_words(mark: str) -> str:
    """The mark in words (screen readers, tooltips)."""
    if mark == MARK_CHANGED:
        return tr("berubah")
    if mark == MARK_ADDED:
        return tr("baru diisi")
    if mark == MARK_REMOVED:
        return tr("dikosongkan")
    return tr("sama")


@dataclass(frozen=True)
class Filter:
    changed_only: bool = True
    text: str = ""

    def keeps(self, row: CompareRow) -> bool:
        if not row.old_value and not row.new_value:
            return False  # asked in neither asesmen: nothing to compare
        if self.changed_only and not row.changed:
            return False
        words = self.text.casefold().split()
        if not words:
            return True
        haystack = " ".join((row.section_title, row.label, row.old_value, row.new_value)).casefold()
        return all(w in haystack for w in words)


class CompareModel(ListTableModel):
    """The comparison rows the filter keeps: mark, section, question, previous, current."""

    MARK, SECTION, QUESTION, OLD, NEW = range(5)

    def __init__(self, old_title: str, new_title: str, parent: QWidget | None = None) -> None:
        super().__init__((tr("Beda"), tr("Bagian"), tr("Pertanyaan"), old_title, new_title), parent)
        self.all_rows: list[CompareRow] = []

    def set_comparison(self, rows: Sequence[CompareRow], keep: Filter) -> None:
        self.all_rows = list(rows)
        self.apply(keep)

    def apply(self, keep: Filter) -> None:
        self.set_rows([r for r in self.all_rows if keep.keeps(r)])

    def row_at(self, row: int) -> CompareRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r: CompareRow = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.SECTION and index.row() > 0 and self._rows[index.row() - 1].section_title == \
                    r.section_title:
                return ""  # a section's name once, on its first row shown
            return (change_mark(r), r.section_title, r.label, r.old_value or "—", r.new_value or "—")[column]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if column == self.MARK:
                return mark_words(change_mark(r))
            return (None, r.section_title, r.label, r.old_value or tr("kosong"), r.new_value or tr("kosong"))[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.MARK:
                return mark_words(change_mark(r))
            return (None, r.section_title, r.label, r.old_value, r.new_value)[column] or None
        if role == Qt.ItemDataRole.BackgroundRole and r.changed:
            return QBrush(QColor(CHANGED_BACKGROUND))
        if role == Qt.ItemDataRole.FontRole and r.changed and column in (self.MARK, self.NEW):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == self.MARK:
                return int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        return None


class AsesmenCompareDialog(QDialog):
    """`previous` and `current` asesmen of one client side by side (read-only)."""

    def __init__(self, ctx: AppContext, previous: svc.AssessmentDTO, current: svc.AssessmentDTO,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.previous = previous
        self.current = current
        self.setObjectName("asesmenCompare")
        name = get_client(ctx.db, current.client_id).values.get("name") or ""
        self.setWindowTitle(tr("Bandingkan asesmen — {name}").format(name=name))
        forms = shipped_forms()
        form_old = forms.get(previous.form_id, int(previous.form_version))
        form_new = forms.get(current.form_id, int(current.form_version))
        found = compare(form_old, _answers(previous.sections), form_new, _answers(current.sections),
                        assessment_context(ctx, previous.client_id, previous.started_on),
                        assessment_context(ctx, current.client_id, current.started_on))
        self.comparison = Comparison(rows=[_readable_dates(r, form_old, form_new) for r in found.rows],
                                     scores=found.scores)
        self._build(name)
        self.model.set_comparison(self.comparison.rows, self.current_filter())
        self._after_filter()
        fit_to_screen(self, QSize(1240, 700), QSize(900, 520))
        self.table.setFocus()

    # --- layout -----------------------------------------------------------------------------------------

    def _build(self, name: str) -> None:
        outer = QVBoxLayout(self)
        outer.setSpacing(8)
        outer.addWidget(make_label(tr("Perbandingan asesmen — {name}").format(name=name), "title"))
        self.pair_label = make_label(tr("Sebelumnya: {old}.  Sekarang: {new}.").format(
            old=describe(self.previous), new=describe(self.current)), "muted", wrap=True)
        self.pair_label.setObjectName("comparePair")
        outer.addWidget(self.pair_label)

        card, scores = make_card(margins=12, spacing=4)
        card.setObjectName("scoreStrip")
        scores.addWidget(make_label(tr("Skor"), "subtitle"))
        self.score_labels: list[QLabel] = []
        shown = [s for s in self.comparison.scores
                 if (s.old is not None and s.old.value is not None) or (s.new is not None and s.new.value is not None)]
        for score in shown:
            label = make_label(score_text(score), "strong", wrap=True, selectable=True)
            label.setObjectName(f"score_{score.score_id}")
            self.score_labels.append(label)
            scores.addWidget(label)
        if not shown:
            empty = make_label(tr("Tidak ada skor yang dinilai di kedua asesmen ini."), "muted", wrap=True)
            empty.setObjectName("noScores")
            scores.addWidget(empty)
        outer.addWidget(card)

        bar = QHBoxLayout()
        self.changed_only = QCheckBox(tr("&Hanya yang berubah"))
        self.changed_only.setObjectName("changedOnly")
        self.changed_only.setChecked(True)
        self.changed_only.toggled.connect(lambda _on: self.refilter())
        bar.addWidget(self.changed_only)
        bar.addSpacing(16)
        search_label = QLabel(tr("&Cari:"))
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("compareSearch")
        self.search_edit.setPlaceholderText(tr("Pertanyaan, bagian atau jawaban…"))
        self.search_edit.setAccessibleName(tr("Cari pertanyaan atau jawaban"))
        self.search_edit.setClearButtonEnabled(True)
        search_label.setBuddy(self.search_edit)
        self.search_edit.textChanged.connect(lambda _t: self.refilter())
        self.search_edit.installEventFilter(self)
        bar.addWidget(search_label)
        bar.addWidget(self.search_edit, 1)
        bar.addSpacing(16)
        self.count_label = make_label("", "muted")
        self.count_label.setObjectName("compareCount")
        bar.addWidget(self.count_label)
        outer.addLayout(bar)

        self.model = CompareModel(
            tr("Sebelumnya ({date})").format(date=format_date_short(_date_of(self.previous))),
            tr("Sekarang ({date})").format(date=format_date_short(_date_of(self.current))), self)
        self.table = _WrappingTable()
        self.table.setObjectName("compareTable")
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("Jawaban sebelumnya dan sekarang"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(CompareModel.MARK, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(CompareModel.OLD, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(CompareModel.NEW, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(CompareModel.MARK, 56)
        header.resizeSection(CompareModel.SECTION, 190)
        header.resizeSection(CompareModel.QUESTION, 260)
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        outer.addWidget(self.table, 1)

        self.empty_label = make_label("", "empty", wrap=True)
        self.empty_label.setObjectName("compareEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()
        outer.addWidget(self.empty_label, 1)

        footer = QHBoxLayout()
        legend = make_label(tr("Tanda: {changed} berubah · {added} baru diisi · {removed} dikosongkan").format(
            changed=MARK_CHANGED, added=MARK_ADDED, removed=MARK_REMOVED), "muted")
        legend.setObjectName("compareLegend")
        footer.addWidget(legend, 1)
        self.close_button = QPushButton(tr("Tutup"))
        self.close_button.setObjectName("closeCompare")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        footer.addWidget(self.close_button)
        outer.addLayout(footer)
        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_search)

    # --- filtering ---------------------------------------------------------------------------------------

    def current_filter(self) -> Filter:
        return Filter(changed_only=self.changed_only.isChecked(), text=self.search_edit.text())

    @Slot()
    def refilter(self) -> None:
        self.model.apply(self.current_filter())
        self._after_filter()

    def _after_filter(self) -> None:
        self.table.resizeRowsToContents()
        shown = self.model.rowCount()
        answered = [r for r in self.model.all_rows if r.old_value or r.new_value]
        changed = sum(1 for r in answered if r.changed)
        self.count_label.setText(tr("{changed} dari {total} jawaban berubah · {shown} ditampilkan").format(
            changed=changed, total=len(answered), shown=shown))
        if shown:
            self.empty_label.hide()
            self.table.show()
            if not self.table.currentIndex().isValid():
                self.table.setCurrentIndex(self.model.index(0, CompareModel.QUESTION))
            return
        if self.search_edit.text().strip():
            text = tr("Tidak ada pertanyaan atau jawaban yang cocok dengan pencarian ini.")
        elif self.changed_only.isChecked() and answered:
            text = tr("Tidak ada jawaban yang berubah. Hapus centang Hanya yang berubah untuk melihat semua jawaban.")
        else:
            text = tr("Kedua asesmen belum punya jawaban untuk dibandingkan.")
        self.empty_label.setText(text)
        self.table.hide()
        self.empty_label.show()

    def visible_rows(self) -> list[CompareRow]:
        return [r for i in range(self.model.rowCount()) if (r := self.model.row_at(i)) is not None]

    def _focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def eventFilter(self, watched: Any, event: Any) -> bool:
        """Down arrow in the search box moves into the table."""
        if watched is self.search_edit and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Down and self.model.rowCount():
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.setCurrentIndex(self.model.index(0, CompareModel.QUESTION))
            return True
        return super().eventFilter(watched, event)


class _WrappingTable(QTableView):
    """Rows as tall as their wrapped text at the table's current width."""

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)
        self.resizeRowsToContents()


def _short_date(value: str) -> str:
    try:
        return format_date_short(dt.date.fromisoformat(value))
    except ValueError:
        return value


def _readable_dates(row: CompareRow, form_old: FormDef, form_new: FormDef) -> CompareRow:
    """Date answers as the worker writes them (05-01-2026), not as stored (2026-01-05)."""
    old_q = form_old.question(row.old_path) if row.old_path else None
    new_q = form_new.question(row.new_path) if row.new_path else None
    return replace(row,
                   old_value=_short_date(row.old_value) if old_q is not None and old_q.type == "date" else row.old_value,
                   new_value=_short_date(row.new_value) if new_q is not None and new_q.type == "date" else row.new_value)


def _answers(sections: Mapping[str, svc.SectionDTO]) -> dict[str, dict[str, Any]]:
    return {sid: dict(sec.answers) for sid, sec in sections.items()}


def open_compare(parent: QWidget | None, ctx: AppContext, current_id: uuid.UUID,
                 previous_id: uuid.UUID | None = None) -> AsesmenCompareDialog | None:
    """Show asesmen `current_id` beside `previous_id` (default: the one the engine pairs it with). Window-modal,
    not blocking; None when there is nothing to compare or it cannot be read (the user is told)."""
    try:
        if previous_id is None:
            previous, current = svc.comparison_pair(ctx.db, current_id)
        else:
            previous, current = svc.get_assessment(ctx.db, previous_id), svc.get_assessment(ctx.db, current_id)
        if previous is None:
            raise UserError(tr("Belum ada asesmen sebelumnya yang selesai untuk dibandingkan."),
                              hint=tr("Perbandingan bisa dibuka setelah klien punya dua asesmen."))
        dialog = AsesmenCompareDialog(ctx, previous, current, parent)
    except AtensiError as exc:
        show_error(parent, exc)
        return None
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
