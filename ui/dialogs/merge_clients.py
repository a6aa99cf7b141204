"""Merge two clients, or fold a new client's typed data into an existing one: field by field, which value
the record keeps.

`MergeClientsDialog` merges two registered clients (`duplicates.merge`); `MergeEntryDialog` takes what was
typed in the new-client form into the client it duplicates (`duplicates.merge_entry`). Both share
`_FieldChoiceDialog`: the refusal line, the table with one pair of radio buttons per differing field, the
Gabungkan/Batal footer, the merge run off the GUI thread, and the size.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QRadioButton,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError, UserError, ValidationError
from atensi_desktop.services import documents
from atensi_desktop.services.clients import EDITABLE, ClientDTO, get_client
from atensi_desktop.services.duplicates import (
    EntryDifference,
    entry_differences,
    field_label,
    field_order,
    field_text,
    merge,
    merge_entry,
)
from ui.change_bus import ChangeBus
from ui.errors import show_error
from ui.i18n import tr
from ui.tasks import Task
from ui.widgets.common import make_label

TARGET_SCREEN = QSize(1366, 768 - 40)
MAX_SIZE = QSize(1100, 680)
VALUE_CHARS = 70  # longer values are cut in the table (the whole value is in the tooltip)


def field_labels() -> dict[str, str]:
    """Labels of the editable client fields, in the order the table shows them (the engine's words)."""
    return {key: field_label(key) for key in field_order()}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def display_value(client: ClientDTO, key: str) -> str:
    """How one field of a client reads in the table: dates dd-mm-yyyy, codes as their labels."""
    return field_text(key, client.values.get(key), wilayah_name=client.wilayah_name, no_kk=client.household_no_kk)


def _short(text: str) -> str:
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS - 1] + "…"


class _FieldRow:
    """One field that differs: two radio buttons (the left value, the right value) in one exclusive group.

    `sides` names the two values as `side()` reports them ("a"/"b" for two clients, "existing"/"entered"
    for a typed entry)."""

    def __init__(self, key: str, a_text: str, b_text: str, parent: QWidget,
                 sides: tuple[str, str] = ("a", "b")) -> None:
        self.key = key
        self.sides = sides
        self.a_button = QRadioButton(_short(a_text), parent)
        self.b_button = QRadioButton(_short(b_text), parent)
        self.a_button.setToolTip(a_text)
        self.b_button.setToolTip(b_text)
        self.group = QButtonGroup(parent)
        self.group.addButton(self.a_button, 0)
        self.group.addButton(self.b_button, 1)
        self.touched = False
        self.a_button.clicked.connect(self._touch)
        self.b_button.clicked.connect(self._touch)
        self.group.buttonToggled.connect(self._fix_focus)
        self._fix_focus()

    def _fix_focus(self, *_args: Any) -> None:
        """Tab stops once per row, on the chosen value (as Qt does for a group it has focused once); the
        arrow keys move between the two values."""
        for button in (self.a_button, self.b_button):
            policy = Qt.FocusPolicy.StrongFocus if button.isChecked() or not self.group.checkedButton() \
                else Qt.FocusPolicy.ClickFocus
            button.setFocusPolicy(policy)

    def _touch(self) -> None:
        self.touched = True

    def side(self) -> str:
        """Whose value the merged record keeps: `sides[0]` or `sides[1]`."""
        return self.sides[1] if self.b_button.isChecked() else self.sides[0]

    def choose(self, side: str) -> None:
        (self.b_button if side == self.sides[1] else self.a_button).setChecked(True)

    def checked_button(self) -> QRadioButton:
        return self.b_button if self.b_button.isChecked() else self.a_button


class _FieldChoiceDialog(QDialog):
    """The frame both merge dialogs share (see the module docstring).

    Subclasses call `_build_frame`, add rows with `_add_headers`, `_add_choice` and `_add_same`, then
    `_finish_grid` and `_fit`; `do_merge` calls `_run(fn)`, and `_done(result)` receives what `fn` returned.
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None, bus: ChangeBus | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.rows: dict[str, _FieldRow] = {}
        self._task: Task | None = None
        self._next_row = 0
        self._values: list[tuple[QWidget, str]] = []  # value cells and their whole text (elided to fit)
        self.setModal(True)

    # --- building --------------------------------------------------------------------------------------

    def _build_frame(self, intro: str, note: str, top: QWidget | None = None) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 14, 20, 14)
        outer.setSpacing(8)
        self.error_label = make_label("", "error", wrap=True, selectable=True)
        self.error_label.setObjectName("mergeError")
        self.error_label.hide()
        outer.addWidget(self.error_label)
        self.intro_label = make_label(intro, "muted", wrap=True)
        outer.addWidget(self.intro_label)
        if top is not None:
            outer.addWidget(top)
        self.note_label = make_label(note, None, wrap=True)
        outer.addWidget(self.note_label)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("mergeFields")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # values are elided
        self.content = QWidget()
        self.grid = QGridLayout(self.content)
        self.grid.setContentsMargins(0, 0, 8, 0)
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(6)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        self.scroll.setWidget(self.content)
        outer.addWidget(self.scroll, 1)

        footer = QHBoxLayout()
        self.status_label = make_label("", "muted")
        self.status_label.setObjectName("mergeStatus")
        footer.addWidget(self.status_label, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.merge_button = self.buttons.addButton(tr("&Gabungkan"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setObjectName("mergeButton")
        self.merge_button.setDefault(True)
        self.buttons.accepted.connect(self.do_merge)
        self.buttons.rejected.connect(self.reject)
        footer.addWidget(self.buttons)
        outer.addLayout(footer)

    def _add_headers(self, *texts: str) -> None:
        for column, text in enumerate(texts):
            self.grid.addWidget(make_label(text, "strong"), self._next_row, column)
        self._next_row += 1

    def _add_same(self, key: str, label: str, a_text: str, b_text: str) -> None:
        """A field both sides have alike: greyed, no choice."""
        row = self._next_row
        self.grid.addWidget(make_label(label, "muted"), row, 0, Qt.AlignmentFlag.AlignVCenter)
        for column, text in ((1, a_text), (2, b_text)):
            cell = make_label(_short(text), "muted")
            cell.setToolTip(text)
            cell.setObjectName(f"same_{key}")
            self._values.append((cell, text))
            self.grid.addWidget(cell, row, column, Qt.AlignmentFlag.AlignVCenter)
        self._next_row += 1

    def _add_choice(self, key: str, label: str, a_text: str, b_text: str, *, sides: tuple[str, str],
                    names: tuple[str, str]) -> _FieldRow:
        """A field that differs: its label and a radio button for each value. `names` are the buttons'
        accessible names ("{field}: nilai A", ...); the buttons are named `<side>_<key>`."""
        row = self._next_row
        caption = make_label(label, None)
        self.grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignVCenter)
        choice = _FieldRow(key, a_text, b_text, self.content, sides)
        for button, side, name in ((choice.a_button, sides[0], names[0]), (choice.b_button, sides[1], names[1])):
            button.setObjectName(f"{side}_{key}")
            button.setAccessibleName(name.format(field=label))
        caption.setBuddy(choice.a_button)
        self._values += [(choice.a_button, a_text), (choice.b_button, b_text)]
        self.grid.addWidget(choice.a_button, row, 1, Qt.AlignmentFlag.AlignVCenter)
        self.grid.addWidget(choice.b_button, row, 2, Qt.AlignmentFlag.AlignVCenter)
        self.rows[key] = choice
        self._next_row += 1
        return choice

    def _finish_grid(self) -> None:
        self.grid.setRowStretch(self._next_row, 1)

    # --- merging ---------------------------------------------------------------------------------------

    def busy(self) -> bool:
        return self._task is not None

    @Slot()
    def do_merge(self) -> None:
        raise NotImplementedError

    def _run(self, fn: Callable[[], Any]) -> None:
        if self._task is not None:
            return
        self.error_label.hide()
        self._set_busy(True)
        self._task = Task(lambda _progress: fn())
        self._task.finished.connect(self._finished)
        self._task.failed.connect(self._failed)
        self._task.start()

    def _busy_widgets(self) -> list[QWidget]:
        return [self.buttons, self.scroll]

    def _set_busy(self, busy: bool) -> None:
        for widget in self._busy_widgets():
            widget.setEnabled(not busy)
        self.status_label.setText(tr("Menggabungkan…") if busy else "")

    @Slot(object)
    def _finished(self, result: Any) -> None:
        self._task = None
        self._set_busy(False)
        self._done(result)
        if self.bus is not None:
            self.bus.clients_changed.emit()
        self.accept()

    def _done(self, result: Any) -> None:
        raise NotImplementedError

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        self._task = None
        self._set_busy(False)
        if isinstance(exc, ValidationError):
            labels = field_labels()
            lines = [f"{labels.get(key, key)}: {text}" for key, text in exc.problems.items()]
            self.show_refusal(tr("Hasil penggabungan tidak sah:") + "\n" + "\n".join(lines))
        elif isinstance(exc, UserError):
            self.show_refusal(exc.message if not exc.hint else f"{exc.message} {exc.hint}")
        else:
            show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    def show_refusal(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        self.merge_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def reject(self) -> None:
        if self._task is not None:  # the merge is under way: it finishes either way
            return
        super().reject()

    # --- size ------------------------------------------------------------------------------------------

    def _fit(self) -> None:
        self.ensurePolished()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self.layout().activate()
        hint = self.content.sizeHint()
        chrome = self.sizeHint().height() - self.scroll.sizeHint().height()
        margins = self.layout().contentsMargins()
        wanted = QSize(max(720, hint.width() + margins.left() + margins.right() + 24),
                       hint.height() + chrome + 8)
        screen = self.screen() or QGuiApplication.primaryScreen()
        limit = TARGET_SCREEN
        if screen is not None and QGuiApplication.platformName() != "offscreen":
            limit = screen.availableGeometry().size()
        size = wanted.boundedTo(MAX_SIZE).boundedTo(limit)
        self._elide(size.width() - margins.left() - margins.right())
        self.setMinimumSize(QSize(640, 400).boundedTo(size))  # fixed: a refusal line appearing resizes nothing
        self.resize(size)

    def _elide(self, width: int) -> None:
        """Cut the values that do not fit their column of a table `width` wide (the whole value stays in
        the tooltip): no sideways scrolling."""
        grid = self.grid
        grid_margins = grid.contentsMargins()
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        labels = [grid.itemAtPosition(r, 0).widget() for r in range(grid.rowCount())
                  if grid.itemAtPosition(r, 0) is not None]
        label_width = max((w.sizeHint().width() for w in labels if w is not None), default=0)
        column = (width - grid_margins.left() - grid_margins.right() - bar - label_width
                  - 2 * grid.horizontalSpacing()) // 2
        for widget, text in self._values:
            metrics = widget.fontMetrics()
            chrome = widget.sizeHint().width() - metrics.horizontalAdvance(widget.text())
            widget.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(40, column - chrome)))


class MergeClientsDialog(_FieldChoiceDialog):
    """Merge client A and client B (`merge` runs off the GUI thread).

    The survivor defaults to A. A field whose values differ gets a choice (the survivor's value unless it is
    empty and the other record has one); identical fields are shown greyed. Engine refusals appear in red
    at the top. After a merge `merged_client` is the survivor, `loser_id` the record now pointing at it,
    and `bus.clients_changed` (when a bus is given) has been emitted.
    """

    def __init__(self, ctx: AppContext, a_id: uuid.UUID, b_id: uuid.UUID, parent: QWidget | None = None, *,
                 bus: ChangeBus | None = None) -> None:
        super().__init__(ctx, parent, bus)
        self.a = get_client(ctx.db, a_id)
        self.b = get_client(ctx.db, b_id)
        self.merged_client: ClientDTO | None = None
        self.loser_id: uuid.UUID | None = None
        self.setObjectName("mergeClients")
        self.setWindowTitle(tr("Gabungkan klien"))
        self._build()
        self._fit()

    # --- building --------------------------------------------------------------------------------------

    def _build(self) -> None:
        survivor_box = QGroupBox(tr("Catatan yang dipertahankan"))
        line = QVBoxLayout(survivor_box)
        line.setContentsMargins(14, 10, 14, 10)
        line.setSpacing(6)
        self.keep_a = QRadioButton(tr("Pertahankan A: {name} ({display_id})").format(
            name=self.a.values.get("name") or "—", display_id=self.a.display_id))
        self.keep_b = QRadioButton(tr("Pertahankan B: {name} ({display_id})").format(
            name=self.b.values.get("name") or "—", display_id=self.b.display_id))
        self.keep_a.setObjectName("keepA")
        self.keep_b.setObjectName("keepB")
        self.keep_a.setChecked(True)
        self.survivor_group = QButtonGroup(self)
        self.survivor_group.addButton(self.keep_a, 0)
        self.survivor_group.addButton(self.keep_b, 1)
        line.addWidget(self.keep_a)
        line.addWidget(self.keep_b)
        self._build_frame(
            tr("Riwayat kedua catatan tetap tersimpan; catatan yang digabung akan menunjuk ke catatan yang "
               "dipertahankan."),
            tr("Pilih nilai yang dipakai untuk setiap data yang berbeda. Data yang sama ditampilkan abu-abu."),
            top=survivor_box)
        self._fill_grid()
        self.survivor_group.idToggled.connect(self._survivor_toggled)
        self._apply_defaults()
        self.keep_a.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fill_grid(self) -> None:
        self._add_headers(tr("Data"), tr("A: {display_id}").format(display_id=self.a.display_id),
                          tr("B: {display_id}").format(display_id=self.b.display_id))
        labels = field_labels()
        for key in [key for key in labels if key in EDITABLE]:
            a_value, b_value = self.a.values.get(key), self.b.values.get(key)
            if key != "birth_date_estimated" and _empty(a_value) and _empty(b_value):
                continue
            a_text, b_text = display_value(self.a, key), display_value(self.b, key)
            if self._same(a_value, b_value):
                self._add_same(key, labels[key], a_text, b_text)
            else:
                self._add_choice(key, labels[key], a_text, b_text, sides=("a", "b"),
                                 names=(tr("{field}: nilai A"), tr("{field}: nilai B")))
        self._finish_grid()

    @staticmethod
    def _same(a: Any, b: Any) -> bool:
        if isinstance(a, list | tuple) and isinstance(b, list | tuple):
            return sorted(a) == sorted(b)
        if _empty(a) and _empty(b):
            return True
        return a == b

    # --- choices ---------------------------------------------------------------------------------------

    def survivor_side(self) -> str:
        return "b" if self.keep_b.isChecked() else "a"

    def survivor_id(self) -> uuid.UUID:
        return self.b.id if self.survivor_side() == "b" else self.a.id

    def loser(self) -> ClientDTO:
        return self.a if self.survivor_side() == "b" else self.b

    def _apply_defaults(self) -> None:
        """Rows the user has not chosen follow the survivor, except where only the other record has a value."""
        side = self.survivor_side()
        other = "a" if side == "b" else "b"
        survivor = self.b if side == "b" else self.a
        for key, row in self.rows.items():
            if row.touched:
                continue
            fill_blank = _empty(survivor.values.get(key)) and key != "birth_date_estimated"
            row.choose(other if fill_blank else side)

    @Slot(int, bool)
    def _survivor_toggled(self, _id: int, checked: bool) -> None:
        if checked:
            self._apply_defaults()

    def take(self) -> dict[str, str]:
        """The `take` argument of `merge`: fields whose chosen value is the loser's."""
        side = self.survivor_side()
        return {key: "loser" for key, row in self.rows.items() if row.side() != side}

    def choose(self, key: str, side: str) -> None:
        """Keep the value of record `side` ("a" or "b") for `key`, as a click would."""
        row = self.rows[key]
        row.choose(side)
        row.touched = True

    # --- merging ---------------------------------------------------------------------------------------

    @Slot()
    def do_merge(self) -> None:
        db = self.ctx.db
        survivor, loser, take = self.survivor_id(), self.loser().id, self.take()
        self._run(lambda: merge(db, survivor, loser, take=take))

    def _busy_widgets(self) -> list[QWidget]:
        return [*super()._busy_widgets(), self.keep_a, self.keep_b]

    def _done(self, survivor: ClientDTO) -> None:
        self.merged_client = survivor
        self.loser_id = self.loser().id


StagedFiles = Sequence[tuple[documents.PreparedFile, str, str | None]]


def merge_entry_with_files(db: Any, blobs_dir: Any, existing_id: uuid.UUID, values: Mapping[str, Any],
                           take: Mapping[str, str], files: StagedFiles = ()) -> tuple[ClientDTO, tuple]:
    """`merge_entry`, then the photo and documents held by the new-client form stored on the existing
    client (the photo only when it has none: a merge never replaces a client's photo). Returns the client
    and the (file name, error) of files the storage refused; the merge stays done."""
    client = merge_entry(db, existing_id, values, take=take)
    failed = []
    has_photo = documents.current_photo(db, existing_id) is not None
    for prepared, kind, note in files:
        if kind == documents.PHOTO and has_photo:
            continue
        try:
            documents.store_prepared(db, blobs_dir, existing_id, prepared, kind, note)
        except AtensiError as exc:
            failed.append((prepared.file_name, exc))
    return client, tuple(failed)


class MergeEntryDialog(_FieldChoiceDialog):
    """Fold what was typed for a new client into the existing client it duplicates (`merge_entry` runs
    off the GUI thread): no new client is made.

    Only the fields where the typed value differs are listed, the registered value and "yang baru diisi"
    side by side; each keeps the registered value unless that is empty (the engine's default). After
    "Gabungkan" `merged_client` is the existing client as saved, `failed_files` the held files the storage
    refused. Batal writes nothing.
    """

    def __init__(self, ctx: AppContext, existing_id: uuid.UUID, values: Mapping[str, Any],
                 parent: QWidget | None = None, *, bus: ChangeBus | None = None, files: StagedFiles = ()) -> None:
        super().__init__(ctx, parent, bus)
        self.existing = get_client(ctx.db, existing_id)
        self.values = dict(values)
        self.files = tuple(files)
        self.differences: list[EntryDifference] = entry_differences(ctx.db, existing_id, self.values)
        self.merged_client: ClientDTO | None = None
        self.failed_files: tuple = ()
        self.setObjectName("mergeEntry")
        self.setWindowTitle(tr("Gabungkan ke klien terdaftar"))
        self._build()
        self._fit()

    def _build(self) -> None:
        name = self.existing.values.get("name") or "—"
        intro = tr("Data yang baru diisi digabungkan ke {name} ({display_id}); tidak ada klien baru yang dibuat. "
                   "Nilai yang dipilih menjadi perubahan data klien ini dan tercatat di riwayatnya.").format(
            name=name, display_id=self.existing.display_id)
        if self.differences:
            note = tr("Hanya data yang berbeda yang ditampilkan. Pilih nilai yang dipakai untuk setiap baris.")
        else:
            note = tr("Semua data yang diisi sudah sama dengan data klien ini; tidak ada yang berubah.")
        self._build_frame(intro, note)
        if self.differences:
            self._add_headers(tr("Data"), tr("Terdaftar: {display_id}").format(display_id=self.existing.display_id),
                              tr("Yang baru diisi"))
        for diff in self.differences:
            row = self._add_choice(diff.key, diff.label, diff.existing, diff.entered, sides=("existing", "entered"),
                                   names=(tr("{field}: data terdaftar"), tr("{field}: yang baru diisi")))
            row.choose(diff.default)
        self._finish_grid()
        first = next(iter(self.rows.values()), None)
        (first.checked_button() if first is not None else self.merge_button).setFocus(
            Qt.FocusReason.OtherFocusReason)

    def take(self) -> dict[str, str]:
        """The `take` argument of `merge_entry`: "existing" or "entered" for every listed field."""
        return {key: row.side() for key, row in self.rows.items()}

    def choose(self, key: str, side: str) -> None:
        """Keep the "existing" or the "entered" value of `key`, as a click would."""
        row = self.rows[key]
        row.choose(side)
        row.touched = True

    @Slot()
    def do_merge(self) -> None:
        db, blobs = self.ctx.db, self.ctx.paths.blobs
        existing, values, take, files = self.existing.id, self.values, self.take(), self.files
        self._run(lambda: merge_entry_with_files(db, blobs, existing, values, take, files))

    def _done(self, result: tuple[ClientDTO, tuple]) -> None:
        self.merged_client, self.failed_files = result
