"""One asesmen section as Qt editors, driven by the form definition (atensi_desktop.forms).

`SectionRenderer(form, section_id, context, other_answers)` builds one editor per question of the section
(all of them; the skip logic only hides and shows them, so a hidden answer is kept). `values()` and
`set_values()` speak the storage answer format (atensi_desktop/forms/README.md). Every change re-runs the
engine's `visible_questions` and `check_section`: questions appear and disappear as the worker types, and
each problem is shown in red under its question. The rules themselves live in the engine only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.forms.interpret import (  # parse_number: the engine's reading of a typed number
    check_section,
    new_row_key,
    parse_number,
    table_rows,
    visible_questions,
)
from atensi_desktop.forms.model import FormDef, Question
from ui.i18n import tr

RADIO_MAX = 4  # single choice with at most this many options: radio buttons, else a drop-down list
ROW_KEY = Qt.ItemDataRole.UserRole + 1
PROBLEM_STYLE = "color: #b3261e;"
HELP_STYLE = "color: palette(placeholder-text);"


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, Mapping) and not value.get("rows"))


# --- one editor per question type ------------------------------------------------------------------------

class _Editor:
    """A question's editor: `widget`, `get()`/`set()` in the answer format, `focus_widget` for label buddies."""

    def __init__(self, q: Question, changed: Callable[[], None]) -> None:
        self.q = q
        self.changed = changed
        self.widget: QWidget = QWidget()
        self.focus_widget: QWidget = self.widget

    def get(self) -> Any:
        raise NotImplementedError

    def set(self, value: Any) -> None:
        raise NotImplementedError


class _TextEditor(_Editor):
    def __init__(self, q, changed):
        super().__init__(q, changed)
        self.widget = self.focus_widget = QLineEdit()
        self.widget.textChanged.connect(changed)

    def get(self):
        text = self.widget.text().strip()
        return text or None

    def set(self, value):
        self.widget.setText("" if value is None else str(value))


class _LongTextEditor(_Editor):
    def __init__(self, q, changed):
        super().__init__(q, changed)
        self.widget = self.focus_widget = QPlainTextEdit()
        self.widget.setTabChangesFocus(True)  # Tab moves on; a long text is not a place for tab characters
        self.widget.setFixedHeight(72)
        self.widget.textChanged.connect(changed)

    def get(self):
        return self.widget.toPlainText().strip() or None

    def set(self, value):
        self.widget.setPlainText("" if value is None else str(value))


class _NumberEditor(_Editor):
    def __init__(self, q, changed):
        super().__init__(q, changed)
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = self.focus_widget = QLineEdit()
        self.edit.setMaximumWidth(160)
        self.edit.textChanged.connect(changed)
        row.addWidget(self.edit)
        if q.unit:
            row.addWidget(QLabel(q.unit))
        row.addStretch(1)

    def get(self):
        return parse_number(self.edit.text())

    def set(self, value):
        if isinstance(value, float) and value.is_integer() and self.q.integer:
            value = int(value)
        self.edit.setText("" if value is None else str(value).replace(".", ",") if isinstance(value, float)
                          else "" if value is None else str(value))


class _DateEditor(_Editor):
    """A date, or "Belum diketahui" (no answer): the check box comes first and is on for an empty answer."""

    def __init__(self, q, changed):
        super().__init__(q, changed)
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd-MM-yyyy")
        self.date.setDate(QDate.currentDate())
        self.date.setMinimumWidth(130)
        self.unknown = QCheckBox(tr("Belum diketahui"))
        self.unknown.setChecked(True)
        self.date.setEnabled(False)
        self.focus_widget = self.date
        self.unknown.toggled.connect(self._toggled)
        self.date.dateChanged.connect(changed)
        row.addWidget(self.date)
        row.addWidget(self.unknown)
        row.addStretch(1)
        self._raw: str | None = None  # a stored value that is no date: kept until the worker changes it

    def _toggled(self, on: bool) -> None:
        self.date.setEnabled(not on)
        self._raw = None
        self.changed()

    def get(self):
        if self._raw is not None:
            return self._raw
        if self.unknown.isChecked():
            return None
        return self.date.date().toPython().isoformat()

    def set(self, value):
        self.unknown.blockSignals(True)
        self.date.blockSignals(True)
        self._raw = None
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)) if value else None
        except ValueError:
            day = None
            self._raw = str(value)
        self.unknown.setChecked(day is None)
        self.date.setEnabled(day is not None)
        if day is not None:
            self.date.setDate(QDate(day.year, day.month, day.day))
        self.unknown.blockSignals(False)
        self.date.blockSignals(False)


class _ComboEditor(_Editor):
    """Single choice with many options (or a scale): first entry "— pilih —" is no answer."""

    def __init__(self, q, changed, items: list[tuple[Any, str]] | None = None):
        super().__init__(q, changed)
        self.widget = self.focus_widget = QComboBox()
        self.widget.addItem(tr("— pilih —"), None)
        for code, label in items if items is not None else [(o.code, o.label) for o in q.options]:
            self.widget.addItem(label, code)
        self.widget.setMinimumWidth(220)
        self.widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.widget.currentIndexChanged.connect(changed)

    def get(self):
        return self.widget.currentData()

    def set(self, value):
        index = self.widget.findData(value) if value is not None else 0
        if index < 0:  # a code no longer in the list: show it as given, the check flags it
            self.widget.addItem(str(value), value)
            index = self.widget.count() - 1
        self.widget.setCurrentIndex(index)


class _RadioEditor(_Editor):
    def __init__(self, q, changed):
        super().__init__(q, changed)
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        self.group = QButtonGroup(self.widget)
        self.buttons: list[tuple[str, QRadioButton]] = []
        for option in q.options:
            button = QRadioButton(option.label)
            self.group.addButton(button)
            self.buttons.append((option.code, button))
            row.addWidget(button)
        row.addStretch(1)
        self.focus_widget = self.buttons[0][1] if self.buttons else self.widget
        self._raw: Any = None
        self.group.buttonToggled.connect(lambda *_a: self._changed())

    def _changed(self):
        self._raw = None
        self.changed()

    def get(self):
        for code, button in self.buttons:
            if button.isChecked():
                return code
        return self._raw

    def set(self, value):
        self.group.blockSignals(True)
        self.group.setExclusive(False)
        for code, button in self.buttons:
            button.setChecked(code == value)
        self.group.setExclusive(True)
        self.group.blockSignals(False)
        self._raw = value if value is not None and all(code != value for code, _b in self.buttons) else None


class _MultiEditor(_Editor):
    def __init__(self, q, changed):
        super().__init__(q, changed)
        self.widget = QWidget()
        grid = QGridLayout(self.widget)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(2)
        longest = max((len(o.label) for o in q.options), default=0)
        columns = 1 if len(q.options) <= 4 else 3 if len(q.options) > 12 and longest <= 32 else 2
        per_column = -(-len(q.options) // columns)
        self.boxes: list[tuple[str, QCheckBox]] = []
        for i, option in enumerate(q.options):  # filled down each column, so Tab reads them in order
            box = QCheckBox(option.label)
            box.toggled.connect(changed)
            grid.addWidget(box, i % per_column, i // per_column)
            self.boxes.append((option.code, box))
        self.focus_widget = self.boxes[0][1] if self.boxes else self.widget
        self._unknown: list[Any] = []

    def get(self):
        chosen = [code for code, box in self.boxes if box.isChecked()] + self._unknown
        return chosen or None

    def set(self, value):
        codes = list(value) if isinstance(value, list) else [] if value is None else [value]
        known = {code for code, _b in self.boxes}
        self._unknown = [c for c in codes if c not in known]
        for code, box in self.boxes:
            box.blockSignals(True)
            box.setChecked(code in codes)
            box.blockSignals(False)


def _scale_items(q: Question) -> list[tuple[Any, str]]:
    labels = dict(q.scale_labels)
    lo, hi = int(q.min or 0), int(q.max or 0)
    return [(n, f"{n} — {labels[n]}" if n in labels else str(n)) for n in range(lo, hi + 1)]


class _TableEditor(_Editor):
    """Rows of a repeat group; each row keeps its key (new_row_key) so two workers' rows never collide."""

    def __init__(self, q, changed):
        super().__init__(q, changed)
        self.widget = QWidget()
        box = QVBoxLayout(self.widget)
        box.setContentsMargins(0, 0, 0, 0)
        self.table = self.focus_widget = QTableWidget(0, len(q.columns))
        self.table.setHorizontalHeaderLabels([c.label for c in q.columns])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move between cells
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.setMinimumHeight(150)
        self.table.setAccessibleName(q.label)
        metrics = self.table.horizontalHeader().fontMetrics()
        for i, col in enumerate(q.columns):  # wide enough for the header, text columns a bit wider
            base = 180 if col.type in ("text", "long_text") else 110
            self.table.setColumnWidth(i, max(base, metrics.horizontalAdvance(col.label) + 36))
        self.table.itemChanged.connect(lambda _item: self.changed())
        buttons = QHBoxLayout()
        self.add_button = QPushButton(tr("Tambah baris"))
        self.add_button.clicked.connect(self.add_row)
        self.remove_button = QPushButton(tr("Hapus baris"))
        self.remove_button.clicked.connect(self.remove_row)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        box.addWidget(self.table)
        box.addLayout(buttons)
        self.keys: list[str] = []
        self._extra: dict[str, dict[str, Any]] = {}  # columns this form version does not show: kept

    def _cell(self, row: int, col: Question, value: Any) -> None:
        c = self.q.columns.index(col)
        if col.type in ("single_choice", "yes_no"):
            combo = QComboBox()
            combo.addItem("", None)
            for o in col.options:
                combo.addItem(o.label, o.code)
            index = combo.findData(value) if value is not None else 0
            if index < 0:
                combo.addItem(str(value), value)
                index = combo.count() - 1
            combo.setCurrentIndex(index)
            combo.setAccessibleName(col.label)
            combo.currentIndexChanged.connect(lambda *_a: self.changed())
            self.table.setCellWidget(row, c, combo)
        else:
            if isinstance(value, list):
                value = ", ".join(map(str, value))
            self.table.setItem(row, c, QTableWidgetItem("" if value is None else str(value)))

    def _value(self, row: int, col: Question) -> Any:
        c = self.q.columns.index(col)
        widget = self.table.cellWidget(row, c)
        if isinstance(widget, QComboBox):
            return widget.currentData()
        item = self.table.item(row, c)
        text = item.text() if item else ""
        if col.type in ("number", "scale"):
            return parse_number(text)
        return text.strip() or None

    def _append(self, key: str, values: Mapping[str, Any]) -> None:
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        self.keys.append(key)
        for col in self.q.columns:
            self._cell(row, col, values.get(col.id))
        self.table.blockSignals(False)

    def add_row(self) -> None:
        self._append(new_row_key(), {})
        row = self.table.rowCount() - 1
        self.table.setCurrentCell(row, 0)
        self.table.setFocus()
        self.changed()

    def remove_row(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.keys):
            self.table.removeRow(row)
            self._extra.pop(self.keys.pop(row), None)
            self.changed()

    def get(self):
        rows: dict[str, dict[str, Any]] = {}
        for r, key in enumerate(self.keys):
            values = dict(self._extra.get(key, {}))
            for col in self.q.columns:
                v = self._value(r, col)
                if v is None:
                    values.pop(col.id, None)
                else:
                    values[col.id] = v
            if values:
                rows[key] = values
        return {"rows": rows, "order": [k for k in self.keys if k in rows]} if rows else None

    def set(self, value):
        self.table.setRowCount(0)
        self.keys = []
        self._extra = {}
        known = {c.id for c in self.q.columns}
        for key, row in table_rows(value):
            self._extra[key] = {k: v for k, v in row.items() if k not in known}
            self._append(key, row)


def make_editor(q: Question, changed: Callable[[], None]) -> _Editor:
    if q.type == "long_text":
        return _LongTextEditor(q, changed)
    if q.type == "number":
        return _NumberEditor(q, changed)
    if q.type == "date":
        return _DateEditor(q, changed)
    if q.type in ("single_choice", "yes_no"):
        return _RadioEditor(q, changed) if len(q.options) <= RADIO_MAX else _ComboEditor(q, changed)
    if q.type == "multi_choice":
        return _MultiEditor(q, changed)
    if q.type == "scale":
        return _ComboEditor(q, changed, _scale_items(q))
    if q.type == "table":
        return _TableEditor(q, changed)
    return _TextEditor(q, changed)


# --- the section ------------------------------------------------------------------------------------------

class _QuestionBlock(QWidget):
    """Label (buddy of the editor), the editor, a muted help line, the problem in red."""

    def __init__(self, q: Question, editor: _Editor) -> None:
        super().__init__()
        self.q = q
        self.editor = editor
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 4, 0, 4)
        box.setSpacing(3)
        self.label = QLabel(q.label + (" *" if q.required else ""))
        self.label.setWordWrap(True)
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        self.label.setBuddy(editor.focus_widget)
        box.addWidget(self.label)
        box.addWidget(editor.widget)
        editor.focus_widget.setAccessibleName(q.label)
        if q.help:
            help_label = QLabel(q.help)
            help_label.setWordWrap(True)
            help_label.setStyleSheet(HELP_STYLE)
            box.addWidget(help_label)
            editor.focus_widget.setAccessibleDescription(q.help)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(PROBLEM_STYLE)
        self.problem.hide()
        box.addWidget(self.problem)

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))


class SectionRenderer(QWidget):
    """One section's questions. `changed` fires on every edit (after skip logic and checks are re-run)."""

    changed = Signal()

    def __init__(self, form: FormDef, section_id: str, context: Mapping[str, Any],
                 other_answers: Callable[[], Mapping[str, Mapping[str, Any]]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = form
        self.section = form.section(section_id)
        self.context = dict(context)
        self._others = other_answers or (lambda: {})
        self._stored: dict[str, Any] = {}  # answers as loaded (hidden and unknown ones are kept from here)
        self._loading = False
        self.check = None
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(6)
        if self.section.help or self.section.filled_by:
            text = self.section.help
            if self.section.filled_by:
                text = (text + " " if text else "") + tr("Biasanya diisi oleh: {who}.").format(
                    who=self.section.filled_by)
            intro = QLabel(text)
            intro.setWordWrap(True)
            intro.setStyleSheet(HELP_STYLE)
            box.addWidget(intro)
        self.blocks: dict[str, _QuestionBlock] = {}
        for q in self.section.questions:
            block = _QuestionBlock(q, make_editor(q, self._edited))
            self.blocks[q.id] = block
            box.addWidget(block)
        self.score_label = QLabel()
        self.score_label.setObjectName("score")
        self.score_label.setWordWrap(True)
        font = self.score_label.font()
        font.setBold(True)
        self.score_label.setFont(font)
        self.score_label.setVisible(bool(form.scores_of(self.section.id)))
        box.addWidget(self.score_label)
        box.addStretch(1)
        self.section_problem = QLabel()  # problems not tied to one shown question
        self.section_problem.setStyleSheet(PROBLEM_STYLE)
        self.section_problem.setWordWrap(True)
        self.section_problem.hide()
        box.addWidget(self.section_problem)
        self._set_tab_order()
        self.refresh()

    def _set_tab_order(self) -> None:
        """Top to bottom: each editor's own focusable parts in the order they are shown."""
        chain: list[QWidget] = []
        for block in self.blocks.values():
            widget = block.editor.widget
            if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
                chain.append(widget)
                continue
            chain.extend(w for w in widget.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
                         if w.focusPolicy() & Qt.FocusPolicy.TabFocus)
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)

    # --- answers -------------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """This section's answers in the storage format (hidden and unknown answers kept as loaded)."""
        out = dict(self._stored)
        for qid, block in self.blocks.items():
            value = block.editor.get()
            if _empty(value):
                out.pop(qid, None)
            else:
                out[qid] = value
        return out

    def set_values(self, answers: Mapping[str, Any] | None) -> None:
        self._loading = True
        try:
            self._stored = dict(answers or {})
            for qid, block in self.blocks.items():
                block.editor.set(self._stored.get(qid))
        finally:
            self._loading = False
        self.refresh()

    def all_answers(self) -> dict[str, Mapping[str, Any]]:
        answers = dict(self._others())
        answers[self.section.id] = self.values()
        return answers

    # --- skip logic and checks -----------------------------------------------------------------------

    def _edited(self) -> None:
        if self._loading:
            return
        self.refresh()
        self.changed.emit()

    def refresh(self) -> None:
        answers = self.all_answers()
        shown = {q.id for q in visible_questions(self.form, self.section.id, answers, self.context)}
        for qid, block in self.blocks.items():
            block.setVisible(qid in shown)
        self.check = check_section(self.form, self.section.id, answers, self.context)
        per_question: dict[str, list[str]] = {}
        loose: list[str] = []
        prefix = self.section.id + "."
        for path, message in self.check.problems.items():
            rest = path.removeprefix(prefix)
            qid = re.split(r"[\[.]", rest, maxsplit=1)[0]
            if qid not in self.blocks:
                loose.append(message)
                continue
            if "[" in rest:  # a table cell: name the row and the column
                table = self.blocks[qid].q
                key = rest[rest.index("[") + 1:rest.index("]")]
                col = table.column(rest.rsplit(".", 1)[-1])
                editor = self.blocks[qid].editor
                row_no = editor.keys.index(key) + 1 if isinstance(editor, _TableEditor) and key in editor.keys else "?"
                message = tr("Baris {n}, {column}: {message}").format(
                    n=row_no, column=col.label if col else "", message=message)
            per_question.setdefault(qid, []).append(message)
        for qid, block in self.blocks.items():
            block.show_problem("\n".join(per_question.get(qid, [])))
        self.section_problem.setText("\n".join(loose))
        self.section_problem.setVisible(bool(loose))
        self._show_scores()

    def _show_scores(self) -> None:
        if self.check is None or not self.check.scores:
            return
        lines = []
        for score in self.form.scores_of(self.section.id):
            result = self.check.scores.get(score.id)
            if result is None:
                continue
            if result.value is None:
                lines.append(tr("{title}: belum ada nilai").format(title=score.title))
                continue
            value = int(result.value) if float(result.value).is_integer() else result.value
            text = tr("{title}: {value}").format(title=score.title, value=value)
            if result.band_label:
                text += f" — {result.band_label}"
            if not result.complete:
                text += " " + tr("({answered} dari {total} dijawab)").format(
                    answered=result.answered, total=result.total)
            lines.append(text)
        self.score_label.setText("\n".join(lines))

    def problem_text(self, question_id: str) -> str:
        block = self.blocks[question_id]
        return block.problem.text() if block.problem.isVisibleTo(self) else ""

    def focus_question(self, question_id: str) -> None:
        block = self.blocks.get(question_id.split("[", 1)[0].split(".", 1)[0])
        if block is not None and block.isVisibleTo(self):
            block.editor.focus_widget.setFocus(Qt.FocusReason.OtherFocusReason)
