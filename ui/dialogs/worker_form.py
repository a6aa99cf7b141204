"""The worker (petugas) form: record a new worker or edit one, with the engine's checks under each field."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGroupBox, QLineEdit, QVBoxLayout, QWidget

from atensi_desktop.domain.nip import check_nip, format_nip
from atensi_desktop.i18n import N_, format_date_long
from atensi_desktop.refdata import ref_list
from atensi_desktop.services.office import WorkerInput, list_offices, validate_worker
from atensi_desktop.services.workers import WorkerDTO, create_worker, update_worker, worker_input_from
from ui.i18n import tr
from ui.style import MUTED
from ui.widgets.common import make_label
from ui.widgets.form_fields import FormDialog, form_layout, line_text, ref_combo, select_data

OK_COLOR = "#2e6b34"
NIP_HINT = N_("Untuk ASN: 18 angka, mis. 19860926 201505 2 001. Boleh dikosongkan.")


class WorkerFormDialog(FormDialog):
    """New worker (`worker=None`) or edit `worker`. The NIP line says what the number encodes as it is typed.

    After a save `saved` is the stored WorkerDTO.
    """

    def __init__(self, db: Any, *, worker: WorkerDTO | None = None, parent: QWidget | None = None) -> None:
        title = tr("Ubah data petugas") if worker else tr("Petugas baru")
        intro = tr("Pekerja sosial, TKS, relawan sosial, penyuluh sosial, TKSK atau PSM yang mendampingi klien.")
        super().__init__(title, intro, parent)
        self.setObjectName("workerForm")
        self.db = db
        self.original = worker
        self._offices = list_offices(db)
        left = QVBoxLayout()
        left.addWidget(self._identity_group())
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self._contact_group())
        right.addWidget(self._certificate_group())
        right.addStretch(1)
        self.content.addLayout(left, 3)
        self.content.addLayout(right, 2)
        if worker is not None:
            self._fill(worker)
        self.office_combo.setEnabled(self.office_combo.count() > 1)
        self._worker_type_changed()
        self.remember_start()
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.fit(86)

    # --- building --------------------------------------------------------------------------------------

    def _identity_group(self) -> QGroupBox:
        group = QGroupBox(tr("Petugas"))
        form = form_layout(group)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("workerName")
        self.name_edit.setPlaceholderText(tr("nama lengkap dengan gelar, mis. Rina Kartika, S.Tr.Sos."))
        self.name_edit.setMaxLength(200)
        self.type_combo = ref_combo("worker_types", min_chars=22)
        self.type_combo.setObjectName("workerType")
        self.office_combo = QComboBox()
        self.office_combo.setObjectName("workerOffice")
        self.office_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.office_combo.setMinimumContentsLength(22)
        for office in self._offices:
            self.office_combo.addItem(office.name, str(office.id))  # text: findData cannot compare uuid objects
            self.office_combo.setItemData(self.office_combo.count() - 1, office.name, Qt.ItemDataRole.ToolTipRole)
        self.nip_edit = QLineEdit()
        self.nip_edit.setObjectName("workerNip")
        self.nip_edit.setMaxLength(30)
        self.nip_line = make_label(tr(NIP_HINT), "muted", wrap=True)
        self.nip_line.setObjectName("nipCheck")
        self.rank_edit = QLineEdit()
        self.rank_edit.setPlaceholderText(tr("mis. Penata Muda (III/a)"))
        self.position_edit = QLineEdit()
        self.position_edit.setPlaceholderText(tr("mis. Pekerja Sosial Ahli Pertama"))
        self._row(form, tr("&Nama *"), "name", self.name_edit)
        self._row(form, tr("&Jenis petugas *"), "type", self.type_combo)
        self._row(form, tr("K&antor"), "office_id", self.office_combo, hint=tr("Kantor tempat petugas bekerja; bawaan: kantor ini."))
        self._row(form, tr("NI&P"), "nip", self.nip_edit, hint_label=self.nip_line)
        self._row(form, tr("Pangkat/&golongan"), "rank", self.rank_edit)
        self._row(form, tr("Ja&batan"), "position", self.position_edit)
        self.nip_edit.textChanged.connect(self._nip_changed)
        self.type_combo.currentIndexChanged.connect(self._worker_type_changed)
        return group

    def _contact_group(self) -> QGroupBox:
        group = QGroupBox(tr("Kontak"))
        form = form_layout(group)
        self.phone_edit = QLineEdit()
        self.phone_edit.setObjectName("workerPhone")
        self.phone_edit.setPlaceholderText(tr("mis. 0812 3456 7890"))
        self.email_edit = QLineEdit()
        self._row(form, tr("No. &HP"), "phone", self.phone_edit)
        self._row(form, tr("&E-mail"), "email", self.email_edit)
        return group

    def _certificate_group(self) -> QGroupBox:
        group = QGroupBox(tr("Sertifikasi pekerja sosial"))
        form = form_layout(group)
        self.certificate_edit = QLineEdit()
        self.str_edit = QLineEdit()
        self.sipps_edit = QLineEdit()
        self.certificate_hint = make_label(tr("Diisi untuk pekerja sosial (UU Nomor 14 Tahun 2019)."), "muted",
                                           wrap=True)
        rows = ((tr("No. sertifikat kompe&tensi"), "certificate_no", self.certificate_edit, self.certificate_hint),
                (tr("No. &STR"), "str_no", self.str_edit, None),
                (tr("No. S&IPPS"), "sipps_no", self.sipps_edit, None))
        for label, key, edit, hint in rows:
            self._row(form, label, key, edit, hint_label=hint)
        self.str_edit.setToolTip(tr("Surat Tanda Registrasi pekerja sosial"))
        self.sipps_edit.setToolTip(tr("Surat Izin Praktik Pekerja Sosial"))
        return group

    def _row(self, form, label: str, key: str, editor: QWidget, **hints) -> None:
        self.problems.add_row(form, label, key, editor, **hints)
        self.watch(key, editor)

    def _fill(self, worker: WorkerDTO) -> None:
        self.name_edit.setText(worker.name)
        select_data(self.type_combo, worker.worker_type)
        if worker.office_id is not None and self.office_combo.findData(str(worker.office_id)) < 0:
            self.office_combo.addItem(worker.office_name or tr("(kantor tidak dikenal)"), str(worker.office_id))
        select_data(self.office_combo, str(worker.office_id) if worker.office_id else None)
        self.nip_edit.setText(format_nip(worker.nip) if worker.nip else "")
        for edit, value in ((self.rank_edit, worker.rank), (self.position_edit, worker.position),
                            (self.phone_edit, worker.phone), (self.email_edit, worker.email),
                            (self.certificate_edit, worker.certificate_no), (self.str_edit, worker.str_no),
                            (self.sipps_edit, worker.sipps_no)):
            edit.setText(value or "")

    # --- live helpers ----------------------------------------------------------------------------------

    def _nip_changed(self, text: str) -> None:
        """What the NIP says (birth date, sex) once it is whole; the engine's first objection otherwise."""
        if not text.strip():
            self._set_nip_line(tr(NIP_HINT), MUTED)
            return
        check = check_nip(text)
        if not check.valid:
            self._set_nip_line(check.errors[0], MUTED)
            return
        parts = [tr("NIP sah")]
        if check.birth_date is not None:
            parts.append(tr("lahir {date}").format(date=format_date_long(check.birth_date)))
        if check.sex:
            parts.append(ref_list("sex").label(check.sex).lower())
        self._set_nip_line(" · ".join(parts), OK_COLOR)

    def _set_nip_line(self, text: str, color: str) -> None:
        self.nip_line.setText(text)
        self.nip_line.setStyleSheet(f"color: {color};")

    def _worker_type_changed(self, *_args) -> None:
        social_worker = self.type_combo.currentData() == "pekerja_sosial"
        self.certificate_hint.setVisible(not social_worker)

    # --- the engine ------------------------------------------------------------------------------------

    def current_input(self) -> WorkerInput:
        base = worker_input_from(self.original) if self.original is not None else WorkerInput(name="")
        return replace(
            base,
            name=self.name_edit.text().strip(),
            worker_type=self.type_combo.currentData() or "",
            office_id=uuid.UUID(self.office_combo.currentData()) if self.office_combo.currentData() else None,
            nip=line_text(self.nip_edit),
            rank=line_text(self.rank_edit),
            position=line_text(self.position_edit),
            phone=line_text(self.phone_edit),
            email=line_text(self.email_edit),
            certificate_no=line_text(self.certificate_edit),
            str_no=line_text(self.str_edit),
            sipps_no=line_text(self.sipps_edit),
        )

    def validate(self, data: WorkerInput) -> None:
        validate_worker(data)

    def store(self, data: WorkerInput) -> WorkerDTO:
        if self.original is None:
            return create_worker(self.db, data)
        return update_worker(self.db, self.original.id, data)
