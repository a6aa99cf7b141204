"""Form pieces shared by the office and worker dialogs: reference combos, labelled rows with a red problem
line under each field (filled from the engine's ValidationError), office name → type and code suggestions,
the "throw away what was typed?" question, and FormDialog, the save/cancel frame around them."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.errors import AtensiError, UserError, ValidationError
from atensi_desktop.refdata import ref_list
from atensi_desktop.services.office import guess_office_type, suggest_code
from ui.errors import show_error
from ui.i18n import tr
from ui.widgets.common import make_label, set_invalid


def ref_combo(list_name: str, *, min_chars: int = 16) -> QComboBox:
    """A combo of a reference list (resources/refdata): labels shown, codes as item data."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(min_chars)
    for item in ref_list(list_name).items:
        combo.addItem(item.label, item.code)
    return combo


def select_data(combo: QComboBox, data: object) -> None:
    """Choose the item whose data is `data` (nothing changes when there is none)."""
    index = combo.findData(data)
    if index >= 0:
        combo.setCurrentIndex(index)


def line_text(edit: QLineEdit) -> str | None:
    """The edit's text without surrounding spaces; None when empty."""
    return edit.text().strip() or None


def form_layout(parent: QWidget | None = None) -> QFormLayout:
    """A label-and-field form as the dialogs lay it out (labels never wrap the fields below them)."""
    form = QFormLayout(parent)
    form.setContentsMargins(14, 12, 14, 12)
    form.setHorizontalSpacing(12)
    form.setVerticalSpacing(8)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    return form


class FieldProblems:
    """The fields of a form by key, each with a hidden red line under it for the engine's problem."""

    def __init__(self, general: QLabel) -> None:
        self.general = general  # problems of keys no field shows
        self.errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}

    def add_row(self, form: QFormLayout, label: str | None, key: str, editor: QWidget, *, hint: str | None = None,
                hint_label: QLabel | None = None, focus: QWidget | None = None) -> QWidget:
        """Add `label` and a cell holding `editor`, an optional muted hint and the problem line (the cell spans
        the row when `label` is None); returns the cell. `focus` is the widget to mark and focus when it is
        not `editor` itself."""
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(editor)
        if hint_label is None and hint:
            hint_label = make_label(hint, "muted", wrap=True)
        if hint_label is not None:
            column.addWidget(hint_label)
        error = make_label("", "error", wrap=True)
        error.setObjectName(f"error_{key}")
        error.hide()
        column.addWidget(error)
        if label is None:
            form.addRow(cell)
        else:
            form.addRow(label, cell)
        target = focus or editor
        buddy = form.labelForField(cell)
        if isinstance(buddy, QLabel):
            buddy.setBuddy(target)
        target.setProperty("invalid", False)
        if label and not target.accessibleName():
            target.setAccessibleName(label.replace("*", "").replace("&", "").strip())
        self.errors[key] = error
        self.fields[key] = target
        return cell

    def add_line(self, cell: QWidget, key: str, field: QWidget) -> None:
        """A further problem line in a row's `cell` (made by add_row), for `key`, marking `field`: a row that
        holds two editors, or one editor two rules speak about."""
        error = make_label("", "error", wrap=True)
        error.setObjectName(f"error_{key}")
        error.hide()
        cell.layout().addWidget(error)
        self.errors[key] = error
        self.fields[key] = field
        field.setProperty("invalid", False)

    def show(self, problems: Mapping[str, str], *, only: set[str] | None = None) -> QWidget | None:
        """Show `problems` (all of them, or those of the keys in `only`); returns the first field concerned."""
        first: QWidget | None = None
        for key, label in self.errors.items():
            if only is not None and key not in only:
                continue
            message = problems.get(key, "")
            label.setText(message)
            label.setVisible(bool(message))
            set_invalid(self.fields[key], bool(message))
            if message and first is None:
                first = self.fields[key]
        if only is None:
            general = [message for key, message in problems.items() if key not in self.errors]
            self.general.setText("\n".join(general))
            self.general.setVisible(bool(general))
        return first

    def problem(self, key: str) -> str:
        """The problem now shown for a field ('' when none)."""
        label = self.errors.get(key)
        return label.text() if label is not None and not label.isHidden() else ""

    def clear(self, key: str) -> None:
        label = self.errors[key]
        if not label.isHidden():
            label.hide()
            label.clear()
            set_invalid(self.fields[key], False)


class OfficeSuggestions(QObject):
    """While the user has not chosen them, the office type and code follow the typed name
    ("Dinas Sosial Kabupaten Hulu Sungai Selatan" → Dinas Sosial, DSKHSS); a typed code is upper-cased."""

    def __init__(self, name_edit: QLineEdit, type_combo: QComboBox, code_edit: QLineEdit, *,
                 chosen: bool = False) -> None:
        super().__init__(name_edit)
        self.name_edit, self.type_combo, self.code_edit = name_edit, type_combo, code_edit
        self.code_touched = self.type_touched = chosen
        name_edit.textChanged.connect(self._name_changed)
        code_edit.textEdited.connect(self._code_edited)
        type_combo.activated.connect(self._type_chosen)

    def _name_changed(self, text: str) -> None:
        if not self.code_touched:
            self.code_edit.setText(suggest_code(text) if text.strip() else "")
        if not self.type_touched:
            select_data(self.type_combo, guess_office_type(text))

    def _code_edited(self, text: str) -> None:
        self.code_touched = bool(text)
        upper = text.upper().replace(" ", "")
        if upper != text:
            position = self.code_edit.cursorPosition()
            self.code_edit.setText(upper)
            self.code_edit.setCursorPosition(min(position, len(upper)))

    def _type_chosen(self, _index: int) -> None:
        self.type_touched = True


def confirm_discard(parent: QWidget, title: str | None = None, text: str | None = None) -> bool:
    """Ask before throwing typed data away; True to throw it away (the default answer keeps it)."""
    answer = QMessageBox.question(
        parent, title or tr("Buang perubahan?"), text or tr("Data yang sudah diketik belum disimpan dan akan hilang."),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def focus_field(widget: QWidget | None) -> None:
    if widget is not None:
        widget.setFocus(Qt.FocusReason.OtherFocusReason)


class FormDialog(QDialog):
    """A record form whose rules live in the engine: `validate` checks a field as soon as the user leaves it
    (only the fields visited so far), `store` saves; a ValidationError puts each problem in red under its
    field and keeps what was typed. Closing with unsaved changes asks first. After a save `saved` holds
    what `store` returned."""

    def __init__(self, title: str, intro: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.saved: object | None = None
        self._touched: set[str] = set()
        self._initial: object | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 14)
        outer.setSpacing(10)
        self.intro_label = make_label(intro, "muted", wrap=True)
        outer.addWidget(self.intro_label)
        self.general_error = make_label("", "error", wrap=True)
        self.general_error.setObjectName("generalError")
        self.general_error.hide()
        outer.addWidget(self.general_error)
        self.problems = FieldProblems(self.general_error)
        self.content = QHBoxLayout()
        self.content.setSpacing(14)
        outer.addLayout(self.content, 1)
        outer.addWidget(make_label(tr("Kolom bertanda * wajib diisi."), "muted"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

    # --- what a form defines ---------------------------------------------------------------------------

    def current_input(self) -> object:
        raise NotImplementedError

    def validate(self, data: object) -> None:
        """Raise ValidationError for what is wrong with `data` (the engine's rule, no database)."""
        raise NotImplementedError

    def store(self, data: object) -> object:
        raise NotImplementedError

    # --- wiring ----------------------------------------------------------------------------------------

    def watch(self, key: str, editor: QWidget) -> None:
        """Clear `key`'s problem when the user changes `editor`; check it when they leave it."""
        if isinstance(editor, QLineEdit):
            editor.textEdited.connect(lambda *_args: self.problems.clear(key))
            editor.editingFinished.connect(lambda: self.check_field(key))
        elif isinstance(editor, QComboBox):
            editor.activated.connect(lambda *_args: self.problems.clear(key))
            editor.activated.connect(lambda *_args: self.check_field(key))

    def fit(self, width_chars: int) -> None:
        """Start about `width_chars` wide; an explicit minimum size, so problem lines appearing later do not
        re-constrain the window (the dialog grows with `_grow` instead)."""
        self.ensurePolished()
        self.setMinimumSize(self.minimumSizeHint())
        wanted = self.sizeHint().expandedTo(QSize(self.fontMetrics().horizontalAdvance("M") * width_chars, 0))
        self.resize(wanted.boundedTo(QSize(1366 - 40, 768 - 80)))

    def remember_start(self) -> None:
        """The values the form opened with (call after filling it): what `dirty` compares against."""
        self._initial = self.current_input()

    @property
    def dirty(self) -> bool:
        return self._initial is not None and self.current_input() != self._initial

    def check_field(self, key: str) -> None:
        """The engine's verdict on the fields visited so far (a field passed through untouched is judged
        on save, not before)."""
        self._touched.add(key)
        try:
            self.validate(self.current_input())
        except ValidationError as exc:
            self.problems.show(exc.problems, only=self._touched)
        else:
            self.problems.show({}, only=self._touched)

    def problem(self, key: str) -> str:
        return self.problems.problem(key)

    def show_problems(self, problems: Mapping[str, str]) -> None:
        focus_field(self.problems.show(problems))
        self._grow()

    # --- saving and closing ----------------------------------------------------------------------------

    def save(self) -> None:
        """Validate and store; on problems show them inline and keep the dialog open."""
        self.problems.show({})
        self._touched.update(self.problems.errors)
        try:
            self.saved = self.store(self.current_input())
        except ValidationError as exc:
            self.show_problems(exc.problems)
            return
        except UserError as exc:
            if exc.field and exc.field in self.problems.errors:
                self.show_problems({exc.field: exc.message})
            else:
                show_error(self, exc)
            return
        except AtensiError as exc:
            show_error(self, exc)
            return
        self._initial = None
        self.accept()

    def reject(self) -> None:
        """Esc, Batal or the close button: ask before throwing typed data away."""
        if self.dirty and not self.confirm_discard():
            return
        super().reject()

    def confirm_discard(self) -> bool:
        return confirm_discard(self)

    def _grow(self) -> None:
        """Taller when problem lines appeared (never taller than a 1366×768 laptop allows)."""
        hint = self.sizeHint().boundedTo(QSize(1366 - 40, 768 - 80))
        if hint.height() > self.height() or hint.width() > self.width():
            self.resize(max(hint.width(), self.width()), max(hint.height(), self.height()))
