"""The office identity dialog: first-run set-up (office and first worker) and later edits of the office."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.errors import AtensiError, ValidationError
from atensi_desktop.i18n import N_, format_date_long
from atensi_desktop.services import wilayah
from atensi_desktop.services.office import (
    OfficeDTO,
    OfficeInput,
    WorkerInput,
    installation_office,
    office_input_from,
    setup_installation,
    update_office,
)
from ui.errors import show_error
from ui.i18n import tr
from ui.widgets.common import make_label
from ui.widgets.form_fields import (
    FieldProblems,
    OfficeSuggestions,
    confirm_discard,
    form_layout,
    line_text,
    ref_combo,
    select_data,
)

WILAYAH_HINT = N_("Kode Kemendagri kabupaten/kota atau kecamatan.")
SaveFn = Callable[[OfficeInput, WorkerInput | None], OfficeDTO]
DescribeFn = Callable[[str], str | None]


class SetupDialog(QDialog):
    """Asks for the office identity (and, on first run, the first worker); `save` stores it.

    `save(office, worker)` may raise ValidationError: its problems appear in red under the fields and
    the typed data stays. The dialog closes only after a successful save; `saved_office` holds the result.
    """

    def __init__(self, save: SaveFn, *, office: OfficeDTO | None = None, ask_worker: bool = True,
                 describe_wilayah: DescribeFn | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._save = save
        self._describe_wilayah = describe_wilayah
        self._ask_worker = ask_worker
        self._editing = office is not None
        self._original = office
        self.saved_office: OfficeDTO | None = None
        self.setWindowTitle(tr("Ubah identitas kantor") if self._editing else tr("Identitas kantor"))
        self.setModal(True)
        self.general_error = make_label("", "error", wrap=True)
        self.general_error.hide()
        self._problems = FieldProblems(self.general_error)
        self._build()
        if office is not None:
            self._fill(office)
        self._dirty = False
        self._connect_dirty()
        self.ensurePolished()
        self.setMinimumSize(self.minimumSizeHint())

    # --- building ----------------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 16)
        outer.setSpacing(12)
        if not self._editing:
            outer.addWidget(make_label(tr("Selamat datang di ATENSI Desktop"), "title"))
        outer.addWidget(make_label(
            tr("Isi identitas kantor Anda. Data ini dipakai pada kop laporan dan ID klien, "
               "dan bisa diubah nanti di Pengaturan."), "muted", wrap=True))
        outer.addWidget(self.general_error)

        columns = QHBoxLayout()
        columns.setSpacing(16)
        columns.addWidget(self._office_group(), 3)
        if self._ask_worker:
            columns.addWidget(self._worker_group(), 2, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(columns)
        outer.addWidget(make_label(tr("Kolom bertanda * wajib diisi."), "muted"))

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

    def _office_group(self) -> QGroupBox:
        group = QGroupBox(tr("Kantor"))
        form = form_layout(group)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(tr("contoh: Dinas Sosial Kabupaten Hulu Sungai Selatan"))
        self.type_combo = ref_combo("office_types")
        self.code_edit = QLineEdit()
        self.code_edit.setMaxLength(12)
        self.wilayah_edit = QLineEdit()
        self.wilayah_edit.setPlaceholderText(tr("contoh: 63.06"))
        self.address_edit = QLineEdit()
        self.city_edit = QLineEdit()
        self.city_edit.setPlaceholderText(tr("contoh: Kandangan"))
        self.phone_edit = QLineEdit()
        self.email_edit = QLineEdit()
        self.city_preview = make_label("", "muted")
        self._add_row(form, tr("Nama kantor *"), "name", self.name_edit)
        self._add_row(form, tr("Jenis kantor *"), "office_type", self.type_combo)
        self._add_row(form, tr("Kode kantor *"), "code", self.code_edit,
                      hint=tr("Singkatan di awal ID klien; diisi otomatis dari nama."))
        self.wilayah_hint = make_label(tr(WILAYAH_HINT), "muted", wrap=True)
        self._add_row(form, tr("Kode wilayah"), "wilayah_code", self.wilayah_edit, hint_label=self.wilayah_hint)
        self._add_row(form, tr("Alamat"), "address", self.address_edit)
        self._add_row(form, tr("Kota"), "city", self.city_edit, hint_label=self.city_preview)
        self._add_row(form, tr("Telepon"), "phone", self.phone_edit)
        self._add_row(form, tr("E-mail"), "email", self.email_edit)
        self._suggestions = OfficeSuggestions(self.name_edit, self.type_combo, self.code_edit)
        self.city_edit.textChanged.connect(self._update_city_preview)
        self.wilayah_edit.textChanged.connect(self._update_wilayah_hint)
        self._update_city_preview()
        return group

    def _worker_group(self) -> QGroupBox:
        group = QGroupBox(tr("Pendamping pertama"))
        form = form_layout(group)
        self.worker_name_edit = QLineEdit()
        self.worker_type_combo = ref_combo("worker_types")
        self.worker_nip_edit = QLineEdit()
        self.worker_nip_edit.setPlaceholderText(tr("boleh dikosongkan"))
        self._add_row(form, tr("Nama *"), "worker_name", self.worker_name_edit)
        self._add_row(form, tr("Jenis pendamping *"), "worker_type", self.worker_type_combo)
        self._add_row(form, tr("NIP"), "worker_nip", self.worker_nip_edit)
        form.addRow(make_label(
            tr("Pekerja sosial, TKS atau TKSK yang mencatat data di komputer ini. "
               "Pendamping lain bisa ditambahkan nanti."), "muted", wrap=True))
        return group

    def _add_row(self, form, label: str, key: str, editor: QWidget, **hints) -> None:
        self._problems.add_row(form, label, key, editor, **hints)

    def _fill(self, office: OfficeDTO) -> None:
        self.name_edit.setText(office.name)
        select_data(self.type_combo, office.office_type)
        self.code_edit.setText(office.code)
        for edit, value in ((self.wilayah_edit, office.wilayah_code), (self.address_edit, office.address),
                            (self.city_edit, office.city), (self.phone_edit, office.phone),
                            (self.email_edit, office.email)):
            edit.setText(value or "")
        self._suggestions.code_touched = self._suggestions.type_touched = True

    def _connect_dirty(self) -> None:
        for editor in self._problems.fields.values():
            if isinstance(editor, QLineEdit):
                editor.textEdited.connect(self._mark_dirty)
            elif isinstance(editor, QComboBox):
                editor.activated.connect(self._mark_dirty)
        for key, editor in self._problems.fields.items():
            signal = editor.textEdited if isinstance(editor, QLineEdit) else editor.activated
            signal.connect(lambda *_, k=key: self._clear_problem(k))

    # --- live helpers --------------------------------------------------------------------------------------

    def _update_city_preview(self) -> None:
        city = self.city_edit.text().strip()
        if city:
            self.city_preview.setText(tr("Tanggal surat: {place_date}").format(
                place_date=f"{city}, {format_date_long(dt.date.today())}"))
        else:
            self.city_preview.setText(tr("Untuk tanggal surat, misalnya: Kandangan, 5 Maret 2026"))

    def _update_wilayah_hint(self, text: str) -> None:
        name = self._describe_wilayah(text.strip()) if self._describe_wilayah and text.strip() else None
        self.wilayah_hint.setText(name or tr(WILAYAH_HINT))

    def _mark_dirty(self, *_args) -> None:
        self._dirty = True

    # --- saving --------------------------------------------------------------------------------------------

    def office_input(self) -> OfficeInput:
        """The form's values on top of the office being edited, so fields not on this form are kept."""
        base = office_input_from(self._original) if self._original else OfficeInput(name="")
        return replace(
            base,
            name=self.name_edit.text().strip(),
            office_type=self.type_combo.currentData() or "",
            code=line_text(self.code_edit),
            wilayah_code=line_text(self.wilayah_edit),
            address=line_text(self.address_edit),
            city=line_text(self.city_edit),
            phone=line_text(self.phone_edit),
            email=line_text(self.email_edit),
        )

    def worker_input(self) -> WorkerInput | None:
        if not self._ask_worker:
            return None
        return WorkerInput(
            name=self.worker_name_edit.text().strip(),
            worker_type=self.worker_type_combo.currentData() or "",
            nip=line_text(self.worker_nip_edit),
        )

    def save(self) -> None:
        """Validate and store; on problems show them inline and keep the dialog open."""
        self.show_problems({})
        try:
            self.saved_office = self._save(self.office_input(), self.worker_input())
        except ValidationError as exc:
            self.show_problems(exc.problems)
            return
        except AtensiError as exc:
            show_error(self, exc)
            return
        self._dirty = False
        self.accept()

    def show_problems(self, problems: dict[str, str]) -> None:
        """Red text under each field concerned (unknown fields at the top); focus the first one."""
        first = self._problems.show(problems)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        self._fit()

    def problem(self, key: str) -> str:
        """The problem now shown for a field ('' when none)."""
        return self._problems.problem(key)

    def _clear_problem(self, key: str) -> None:
        self._problems.clear(key)

    def _fit(self) -> None:
        """Grow to show new error lines (resizing, not re-constraining, the window)."""
        hint = self.sizeHint()
        if hint.height() > self.height() or hint.width() > self.width():
            self.resize(max(hint.width(), self.width()), max(hint.height(), self.height()))

    # --- closing -------------------------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return self._dirty

    def reject(self) -> None:
        """Esc or Batal: ask before throwing typed data away."""
        if self._dirty and not self.confirm_discard():
            return
        super().reject()

    def confirm_discard(self) -> bool:
        return confirm_discard(self, tr("Batalkan pengisian?"))


def open_office_dialog(parent: QWidget | None, db, *, on_saved: Callable[[OfficeDTO], None] | None = None) -> \
        OfficeDTO | None:
    """First run: set up office and first worker; later: edit the office identity. Returns what was saved."""
    def describe(code: str) -> str | None:
        return wilayah.full_name(db, code) if wilayah.exists(db, code) else None

    current = installation_office(db)
    if current is None:
        dialog = SetupDialog(lambda office, worker: setup_installation(db, office, worker).office,
                             describe_wilayah=describe, parent=parent)
    else:
        dialog = SetupDialog(lambda office, _worker: update_office(db, current.id, office), office=current,
                             ask_worker=False, describe_wilayah=describe, parent=parent)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    saved = dialog.saved_office if accepted else None
    dialog.deleteLater()
    if saved is not None and on_saved is not None:
        on_saved(saved)
    return saved
