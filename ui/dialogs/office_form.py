"""The office form: record another office (a panti or LKS clients are referred to) or edit any office, with
the region picker, the letterhead and the head who signs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from atensi_desktop.domain.nip import format_nip
from atensi_desktop.services.office import (
    OfficeDTO,
    OfficeInput,
    create_office,
    office_input_from,
    update_office,
    validate_office,
)
from ui.i18n import tr
from ui.widgets.form_fields import (
    FormDialog,
    OfficeSuggestions,
    form_layout,
    line_text,
    ref_combo,
    select_data,
)
from ui.widgets.wilayah_picker import WilayahPicker


class OfficeFormDialog(FormDialog):
    """New office (`office=None`) or edit `office`; `is_installation` says it is this installation's own
    office (its code starts every client id). After a save `saved` is the stored OfficeDTO."""

    def __init__(self, db: Any, *, office: OfficeDTO | None = None, is_installation: bool = False,
                 parent: QWidget | None = None) -> None:
        if office is None:
            title = tr("Kantor baru")
            intro = tr("Kantor lain yang bekerja sama, mis. panti atau LKS tempat klien dirujuk.")
        elif is_installation:
            title = tr("Ubah identitas kantor ini")
            intro = tr("Kantor tempat aplikasi ini dipakai. Kodenya dipakai di awal ID klien baru, "
                       "kop surat dan penandatangan dipakai pada laporan.")
        else:
            title = tr("Ubah data kantor")
            intro = tr("Kantor lain yang bekerja sama, mis. panti atau LKS tempat klien dirujuk.")
        super().__init__(title, intro, parent)
        self.setObjectName("officeForm")
        self.db = db
        self.original = office
        left = QVBoxLayout()
        left.addWidget(self._office_group())
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self._region_group())
        right.addWidget(self._letterhead_group())
        right.addStretch(1)
        self.content.addLayout(left, 1)
        self.content.addLayout(right, 1)
        self._suggestions = OfficeSuggestions(self.name_edit, self.type_combo, self.code_edit,
                                              chosen=office is not None)
        if office is not None:
            self._fill(office)
        self.remember_start()
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.fit(90)

    # --- building --------------------------------------------------------------------------------------

    def _office_group(self) -> QGroupBox:
        group = QGroupBox(tr("Kantor"))
        form = form_layout(group)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("officeName")
        self.name_edit.setPlaceholderText(tr("mis. Panti Sosial Tresna Werdha Budi Sejahtera"))
        self.name_edit.setMaxLength(200)
        self.type_combo = ref_combo("office_types", min_chars=20)
        self.type_combo.setObjectName("officeType")
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("officeCode")
        self.code_edit.setMaxLength(12)
        self.address_edit = QLineEdit()
        self.address_edit.setPlaceholderText(tr("jalan dan nomor"))
        self.city_edit = QLineEdit()
        self.city_edit.setPlaceholderText(tr("mis. Kandangan"))
        self.postal_edit = QLineEdit()
        self.postal_edit.setMaxLength(10)
        self.phone_edit = QLineEdit()
        self.phone_edit.setObjectName("officePhone")
        self.phone_edit.setPlaceholderText(tr("mis. (0517) 21000"))
        self.email_edit = QLineEdit()
        self.email_edit.setObjectName("officeEmail")
        self._row(form, tr("&Nama kantor *"), "name", self.name_edit)
        self._row(form, tr("&Jenis kantor *"), "office_type", self.type_combo)
        self._row(form, tr("K&ode kantor *"), "code", self.code_edit,
                  hint=tr("Singkatan, diisi otomatis dari nama; tiap kantor punya kode sendiri."))
        self._row(form, tr("&Alamat"), "address", self.address_edit)
        self._row(form, tr("Ko&ta"), "city", self.city_edit)
        self._row(form, tr("Kode &pos"), "postal_code", self.postal_edit)
        self._row(form, tr("&Telepon"), "phone", self.phone_edit)
        self._row(form, tr("&E-mail"), "email", self.email_edit)
        return group

    def _region_group(self) -> QGroupBox:
        group = QGroupBox(tr("Wilayah kerja"))
        form = form_layout(group)
        self.wilayah_picker = WilayahPicker(self.db)
        self.wilayah_picker.setObjectName("officeWilayah")
        self.problems.add_row(form, None, "wilayah_code", self.wilayah_picker, focus=self.wilayah_picker.combos[0])
        self.wilayah_picker.code_changed.connect(lambda _code: self.problems.clear("wilayah_code"))
        return group

    def _letterhead_group(self) -> QGroupBox:
        group = QGroupBox(tr("Kop surat dan penandatangan"))
        form = form_layout(group)
        self.letterhead_edit = QPlainTextEdit()
        self.letterhead_edit.setObjectName("letterhead")
        self.letterhead_edit.setTabChangesFocus(True)
        self.letterhead_edit.setPlaceholderText(tr("satu baris kop per baris, mis.\nPEMERINTAH KABUPATEN …\nDINAS SOSIAL"))
        self.letterhead_edit.setFixedHeight(self.letterhead_edit.fontMetrics().lineSpacing() * 3 + 14)
        self.head_name_edit = QLineEdit()
        self.head_title_edit = QLineEdit()
        self.head_title_edit.setPlaceholderText(tr("mis. Kepala Dinas Sosial"))
        self.head_rank_edit = QLineEdit()
        self.head_rank_edit.setPlaceholderText(tr("mis. Pembina (IV/a)"))
        self.head_nip_edit = QLineEdit()
        self.head_nip_edit.setMaxLength(30)
        self.problems.add_row(form, tr("&Baris kop"), "letterhead_lines", self.letterhead_edit)
        self._row(form, tr("Nama &kepala"), "head_name", self.head_name_edit)
        self._row(form, tr("Jabatan kepa&la"), "head_title", self.head_title_edit)
        self._row(form, tr("Pan&gkat kepala"), "head_rank", self.head_rank_edit)
        self._row(form, tr("N&IP kepala"), "head_nip", self.head_nip_edit)
        return group

    def _row(self, form, label: str, key: str, editor: QWidget, **hints) -> None:
        self.problems.add_row(form, label, key, editor, **hints)
        self.watch(key, editor)

    def _fill(self, office: OfficeDTO) -> None:
        self.name_edit.setText(office.name)
        select_data(self.type_combo, office.office_type)
        self.code_edit.setText(office.code)
        self.wilayah_picker.set_code(office.wilayah_code)
        self.letterhead_edit.setPlainText("\n".join(office.letterhead_lines))
        self.head_nip_edit.setText(format_nip(office.head_nip) if office.head_nip else "")
        for edit, value in ((self.address_edit, office.address), (self.city_edit, office.city),
                            (self.postal_edit, office.postal_code), (self.phone_edit, office.phone),
                            (self.email_edit, office.email), (self.head_name_edit, office.head_name),
                            (self.head_title_edit, office.head_title), (self.head_rank_edit, office.head_rank)):
            edit.setText(value or "")

    # --- the engine ------------------------------------------------------------------------------------

    def current_input(self) -> OfficeInput:
        """The form's values on top of the office being edited (fields not shown here, e.g. the legal
        basis, are kept)."""
        base = office_input_from(self.original) if self.original is not None else OfficeInput(name="")
        lines = tuple(line.strip() for line in self.letterhead_edit.toPlainText().splitlines() if line.strip())
        return replace(
            base,
            name=self.name_edit.text().strip(),
            office_type=self.type_combo.currentData() or "",
            code=line_text(self.code_edit),
            wilayah_code=self.wilayah_picker.code(),
            address=line_text(self.address_edit),
            city=line_text(self.city_edit),
            postal_code=line_text(self.postal_edit),
            phone=line_text(self.phone_edit),
            email=line_text(self.email_edit),
            letterhead_lines=lines,
            head_name=line_text(self.head_name_edit),
            head_title=line_text(self.head_title_edit),
            head_rank=line_text(self.head_rank_edit),
            head_nip=line_text(self.head_nip_edit),
        )

    def validate(self, data: OfficeInput) -> None:
        validate_office(data)

    def store(self, data: OfficeInput) -> OfficeDTO:
        if self.original is None:
            return create_office(self.db, data)
        return update_office(self.db, self.original.id, data)

