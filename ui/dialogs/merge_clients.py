"""Merge two clients: choose the record that stays and, field by field, which value it keeps."""

from __future__ import annotations

import datetime as dt
import uuid
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
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import UserError, ValidationError
from atensi_desktop.i18n import format_date_short
from atensi_desktop.refdata import ref_list
from atensi_desktop.services.clients import EDITABLE, ClientDTO, get_client
from atensi_desktop.services.duplicates import merge
from ui.change_bus import ChangeBus
from ui.errors import show_error
from ui.i18n import tr
from ui.tasks import Task
from ui.widgets.common import make_label

TARGET_SCREEN = QSize(1366, 768 - 40)
MAX_SIZE = QSize(1100, 680)
VALUE_CHARS = 70  # longer values are cut in the table (the whole value is in the tooltip)
# Reference lists behind the coded fields.
REF_FIELDS = {"religion": "religions", "education": "education", "marital_status": "marital_status",
              "relation_to_head": "family_relations", "cluster": "clusters", "sex": "sex"}


def field_labels() -> dict[str, str]:
    """Indonesian labels of the editable client fields, in the order the table shows them."""
    return {
        "name": tr("Nama"),
        "alias": tr("Nama panggilan/alias"),
        "nik": tr("NIK"),
        "sex": tr("Jenis kelamin"),
        "birth_place": tr("Tempat lahir"),
        "birth_date": tr("Tanggal lahir"),
        "birth_date_estimated": tr("Tanggal lahir perkiraan"),
        "religion": tr("Agama"),
        "education": tr("Pendidikan"),
        "marital_status": tr("Status perkawinan"),
        "disability": tr("Disabilitas"),
        "phone": tr("Telepon"),
        "address": tr("Alamat"),
        "wilayah_code": tr("Wilayah"),
        "household_id": tr("Keluarga (No. KK)"),
        "relation_to_head": tr("Hubungan dengan kepala keluarga"),
        "cluster": tr("Klaster ATENSI"),
        "dtsen_desil": tr("Desil DTSEN"),
        "ppks_categories": tr("Kategori PPKS"),
    }


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def display_value(client: ClientDTO, key: str) -> str:
    """How one field of a client reads in the table: dates dd-mm-yyyy, codes as their labels."""
    value = client.values.get(key)
    if key == "birth_date_estimated":
        return tr("ya") if value else tr("tidak")
    if _empty(value):
        return "—"
    if key == "birth_date" and isinstance(value, dt.date):
        return format_date_short(value)
    if key in REF_FIELDS:
        return ref_list(REF_FIELDS[key]).label(str(value))
    if key == "ppks_categories":
        ppks = ref_list("ppks")
        return "; ".join(ppks.label(code) for code in value)
    if key == "wilayah_code":
        return f"{client.wilayah_name} ({value})" if client.wilayah_name else str(value)
    if key == "household_id":
        return client.household_no_kk or tr("terdaftar di satu KK")
    return " ".join(str(value).split())


def _short(text: str) -> str:
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS - 1] + "…"


class _FieldRow:
    """One field that differs: two radio buttons (value of A, value of B) in one exclusive group."""

    def __init__(self, key: str, a_text: str, b_text: str, parent: QWidget) -> None:
        self.key = key
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

    def _touch(self) -> None:
        self.touched = True

    def side(self) -> str:
        """"a" or "b": whose value the merged record keeps."""
        return "b" if self.b_button.isChecked() else "a"

    def choose(self, side: str) -> None:
        (self.b_button if side == "b" else self.a_button).setChecked(True)


class MergeClientsDialog(QDialog):
    """Merge client A and client B (`merge` runs off the GUI thread).

    The survivor defaults to A. A field whose values differ gets a choice (the survivor's value unless it is
    empty and the other record has one); identical fields are shown greyed. Engine refusals appear in red
    at the top. After a merge `merged_client` is the survivor, `loser_id` the record now pointing at it,
    and `bus.clients_changed` (when a bus is given) has been emitted.
    """

    def __init__(self, ctx: AppContext, a_id: uuid.UUID, b_id: uuid.UUID, parent: QWidget | None = None, *,
                 bus: ChangeBus | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.a = get_client(ctx.db, a_id)
        self.b = get_client(ctx.db, b_id)
        self.merged_client: ClientDTO | None = None
        self.loser_id: uuid.UUID | None = None
        self.rows: dict[str, _FieldRow] = {}
        self._task: Task | None = None
        self.setObjectName("mergeClients")
        self.setModal(True)
        self.setWindowTitle(tr("Gabungkan klien"))
        self._build()
        self._fit()

    # --- building --------------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 14, 20, 14)
        outer.setSpacing(8)
        self.error_label = make_label("", "error", wrap=True, selectable=True)
        self.error_label.setObjectName("mergeError")
        self.error_label.hide()
        outer.addWidget(self.error_label)
        outer.addWidget(make_label(tr(
            "Riwayat kedua catatan tetap tersimpan; catatan yang digabung akan menunjuk ke catatan yang "
            "dipertahankan."), "muted", wrap=True))

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
        outer.addWidget(survivor_box)

        outer.addWidget(make_label(tr(
            "Pilih nilai yang dipakai untuk setiap data yang berbeda. Data yang sama ditampilkan abu-abu."),
            None, wrap=True))
        self.scroll = QScrollArea()
        self.scroll.setObjectName("mergeFields")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.content = QWidget()
        self.grid = QGridLayout(self.content)
        self.grid.setContentsMargins(0, 0, 8, 0)
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(6)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        self._fill_grid()
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

        self.survivor_group.idToggled.connect(self._survivor_toggled)
        self._apply_defaults()
        self.keep_a.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fill_grid(self) -> None:
        headers = (tr("Data"), tr("A: {display_id}").format(display_id=self.a.display_id),
                   tr("B: {display_id}").format(display_id=self.b.display_id))
        for column, text in enumerate(headers):
            self.grid.addWidget(make_label(text, "strong"), 0, column)
        row = 1
        labels = field_labels()
        order = [key for key in labels if key in EDITABLE] + [key for key in EDITABLE if key not in labels]
        for key in order:
            a_value, b_value = self.a.values.get(key), self.b.values.get(key)
            if key != "birth_date_estimated" and _empty(a_value) and _empty(b_value):
                continue
            a_text, b_text = display_value(self.a, key), display_value(self.b, key)
            same = self._same(a_value, b_value)
            caption = make_label(labels.get(key, key), "muted" if same else None)
            self.grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignVCenter)
            if same:
                for column, text in ((1, a_text), (2, b_text)):
                    cell = make_label(_short(text), "muted")
                    cell.setToolTip(text)
                    cell.setObjectName(f"same_{key}")
                    self.grid.addWidget(cell, row, column, Qt.AlignmentFlag.AlignVCenter)
            else:
                choice = _FieldRow(key, a_text, b_text, self.content)
                choice.a_button.setObjectName(f"a_{key}")
                choice.b_button.setObjectName(f"b_{key}")
                choice.a_button.setAccessibleName(tr("{field}: nilai A").format(field=labels.get(key, key)))
                choice.b_button.setAccessibleName(tr("{field}: nilai B").format(field=labels.get(key, key)))
                caption.setBuddy(choice.a_button)
                self.grid.addWidget(choice.a_button, row, 1, Qt.AlignmentFlag.AlignVCenter)
                self.grid.addWidget(choice.b_button, row, 2, Qt.AlignmentFlag.AlignVCenter)
                self.rows[key] = choice
            row += 1
        self.grid.setRowStretch(row, 1)

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

    def busy(self) -> bool:
        return self._task is not None

    @Slot()
    def do_merge(self) -> None:
        if self._task is not None:
            return
        db = self.ctx.db
        survivor, loser, take = self.survivor_id(), self.loser().id, self.take()
        self.error_label.hide()
        self._set_busy(True)
        self._task = Task(lambda _progress: merge(db, survivor, loser, take=take))
        self._task.finished.connect(self._merged)
        self._task.failed.connect(self._failed)
        self._task.start()

    def _set_busy(self, busy: bool) -> None:
        self.buttons.setEnabled(not busy)
        self.scroll.setEnabled(not busy)
        self.keep_a.setEnabled(not busy)
        self.keep_b.setEnabled(not busy)
        self.status_label.setText(tr("Menggabungkan…") if busy else "")

    @Slot(object)
    def _merged(self, survivor: ClientDTO) -> None:
        self._task = None
        self._set_busy(False)
        self.merged_client = survivor
        self.loser_id = self.loser().id
        if self.bus is not None:
            self.bus.clients_changed.emit()
        self.accept()

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
        self.setMinimumSize(QSize(640, 400).boundedTo(size))  # fixed: a refusal line appearing resizes nothing
        self.resize(size)

