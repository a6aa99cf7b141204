"""The small forms of the case work: a new case, a stage change, terminasi, a task, the bimbingan lanjut
schedule, a case note or case conference, a referral and a referral's status. Each is a FormDialog: the
engine's rules decide, its problems appear in red under the field concerned, and a refusal that names no
field (e.g. "the client still has an open case") appears in red at the top; nothing is written then."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.errors import AtensiError, UserError, ValidationError
from atensi_desktop.i18n import format_date_short
from atensi_desktop.refdata import ref_list
from atensi_desktop.services import casenotes, cases, referrals, tasks
from atensi_desktop.services.cases import CaseDTO
from atensi_desktop.services.clients import ClientQuery, client_page
from atensi_desktop.services.referrals import ReferralDTO
from atensi_desktop.services.workers import WorkerQuery, list_workers
from ui.errors import error_text, show_error
from ui.i18n import tr
from ui.widgets.common import make_label
from ui.widgets.form_fields import FormDialog, form_layout, line_text, select_data

SEARCH_DELAY_MS = 250
SEARCH_LIMIT = 30
NO_WORKER_TEXT = "—"


# --- shared pieces ---------------------------------------------------------------------------------------

def date_edit(name: str, value: dt.date | None = None, *, not_after_today: bool = True) -> QDateEdit:
    """A day-month-year date with a calendar; by default no later than today (the engine refuses those)."""
    edit = QDateEdit()
    edit.setObjectName(name)
    edit.setDisplayFormat("dd-MM-yyyy")
    edit.setCalendarPopup(True)
    edit.setMinimumDate(QDate(2000, 1, 1))
    if not_after_today:
        edit.setMaximumDate(QDate.currentDate())
    edit.setDate(QDate(value) if value is not None else QDate.currentDate())
    edit.setMinimumWidth(130)
    edit.setMaximumWidth(200)
    return edit


def date_of(edit: QDateEdit) -> dt.date:
    return edit.date().toPython()


def note_edit(name: str, *, lines: int = 4) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName(name)
    edit.setTabChangesFocus(True)  # Tab leaves the box: the form stays usable with the keyboard alone
    line = edit.fontMetrics().lineSpacing()
    edit.setMinimumHeight(line * lines + 14)
    edit.setMaximumHeight(line * (lines + 3) + 14)  # longer texts scroll; the form stays on a laptop screen
    return edit


def text_of(edit: QPlainTextEdit) -> str | None:
    return edit.toPlainText().strip() or None


def worker_combo(db: Any, current: uuid.UUID | None = None, current_name: str | None = None) -> QComboBox:
    """Active workers by name plus "—" (nobody); a worker no longer active stays listed when chosen already.
    The item data is the id as text (QComboBox.findData cannot compare uuid objects)."""
    combo = QComboBox()
    combo.setObjectName("workerCombo")
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(22)
    combo.addItem(NO_WORKER_TEXT, "")
    workers = list_workers(db, WorkerQuery())
    for worker in workers:
        combo.addItem(worker.name, str(worker.id))
    if current is not None and combo.findData(str(current)) < 0:
        combo.addItem(current_name or tr("(petugas tidak aktif)"), str(current))
    select_data(combo, str(current) if current is not None else "")
    return combo


def worker_of(combo: QComboBox) -> uuid.UUID | None:
    data = combo.currentData()
    return uuid.UUID(data) if data else None


def combo_of(items: list[tuple[str, str]], *, blank: str | None = None, min_chars: int = 18) -> QComboBox:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(min_chars)
    if blank is not None:
        combo.addItem(blank, "")
    for label, code in items:
        combo.addItem(label, code)
    return combo


def ref_items(list_name: str) -> list[tuple[str, str]]:
    return [(item.label, item.code) for item in ref_list(list_name).items]


class CaseFormDialog(FormDialog):
    """A FormDialog whose refusals never need a message box: a UserError naming no field of the form is
    shown in red above the fields (with its hint), like the problems of fields no row shows."""

    def save(self) -> None:
        self.problems.show({})
        self._touched.update(self.problems.errors)
        try:
            self.saved = self.store(self.current_input())
        except ValidationError as exc:
            self.show_problems(exc.problems)
            return
        except UserError as exc:
            if exc.field and exc.field in self.problems.errors:
                self.show_problems({exc.field: exc.message + (f" {exc.hint}" if exc.hint else "")})
            else:
                self.general_error.setText(error_text(exc))
                self.general_error.show()
                self._grow()
            return
        except AtensiError as exc:
            show_error(self, exc)
            return
        self._initial = None
        self.accept()

    def validate(self, data: object) -> None:
        """Most case rules need the database (dates of earlier changes, open cases): they are checked on save."""

    def general_problem(self) -> str:
        return self.general_error.text() if not self.general_error.isHidden() else ""


def _group(title: str) -> tuple[QGroupBox, QFormLayout]:
    group = QGroupBox(title)
    return group, form_layout(group)


def _case_line(case: CaseDTO) -> str:
    return tr("{client} · {case} · tahap sekarang: {stage}").format(
        client=case.client_name, case=case.display_id, stage=case.stage_label)


# --- a new case ------------------------------------------------------------------------------------------

class NewCaseDialog(CaseFormDialog):
    """Open a case for a registered client: found by name, NIK or display id (or given), with cluster,
    approach, worker and the day it was opened. After a save `saved` is the CaseDTO."""

    def __init__(self, ctx: Any, *, client_id: uuid.UUID | None = None, client_name: str | None = None,
                 worker_id: uuid.UUID | None = None, parent: QWidget | None = None) -> None:
        super().__init__(tr("Kasus baru"), tr(
            "Kasus dibuka pada tahap Pendekatan Awal untuk klien yang sudah terdaftar. Satu klien hanya punya "
            "satu kasus terbuka."), parent)
        self.setObjectName("newCaseDialog")
        self.ctx = ctx
        self.fixed_client = client_id
        group, form = _group(tr("Kasus"))
        if client_id is None:
            self.search_edit = QLineEdit()
            self.search_edit.setObjectName("caseClientSearch")
            self.search_edit.setPlaceholderText(tr("Ketik nama, NIK atau ID klien…"))
            self.search_edit.setClearButtonEnabled(True)
            self.results = QListWidget()
            self.results.setObjectName("caseClientResults")
            self.results.setAccessibleName(tr("Klien yang cocok"))
            self.results.setMinimumHeight(150)
            self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.search_status = make_label(tr("Ketik paling sedikit 2 huruf atau angka."), "muted", wrap=True)
            picker = QWidget()
            column = QVBoxLayout(picker)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(4)
            column.addWidget(self.search_edit)
            column.addWidget(self.results)
            column.addWidget(self.search_status)
            self.problems.add_row(form, tr("&Klien *"), "client_id", picker, focus=self.search_edit)
            self._timer = QTimer(self)
            self._timer.setSingleShot(True)
            self._timer.setInterval(SEARCH_DELAY_MS)
            self._timer.timeout.connect(self.search)
            self.search_edit.textChanged.connect(lambda _t: self._timer.start())
            self.search_edit.textChanged.connect(lambda _t: self.problems.clear("client_id"))
            self.search_edit.installEventFilter(self)
            self.results.currentItemChanged.connect(lambda *_: self.problems.clear("client_id"))
        else:
            label = make_label(client_name or "", "strong")
            label.setObjectName("caseClientName")
            self.problems.add_row(form, tr("Klien"), "client_id", label)
        self.cluster_combo = combo_of(ref_items("clusters"), blank=tr("sesuai data klien"), min_chars=26)
        self.cluster_combo.setObjectName("caseCluster")
        self.problems.add_row(form, tr("K&laster"), "cluster", self.cluster_combo)
        self.approach_combo = combo_of(ref_items("approaches"), blank=NO_WORKER_TEXT)
        self.approach_combo.setObjectName("caseApproach")
        self.problems.add_row(form, tr("&Pendekatan"), "approach", self.approach_combo)
        self.worker_combo = worker_combo(ctx.db, worker_id)
        self.problems.add_row(form, tr("Pe&tugas pendamping"), "worker_id", self.worker_combo)
        self.date_edit = date_edit("caseOpenedOn")
        self.problems.add_row(form, tr("Tanggal &dibuka *"), "opened_on", self.date_edit)
        self.note_edit = note_edit("caseNote", lines=3)
        self.problems.add_row(form, tr("Ca&tatan"), "note", self.note_edit)
        self.content.addWidget(group)
        self.remember_start()
        (self.search_edit if client_id is None else self.cluster_combo).setFocus(Qt.FocusReason.OtherFocusReason)
        self.fit(70)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down arrow in the search box moves into the results; Enter there searches (it never saves a case
        for a client the user has not looked at)."""
        if watched is getattr(self, "search_edit", None) and isinstance(event, QKeyEvent) \
                and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Down and self.results.count():
                self.results.setFocus()
                if self.results.currentRow() < 0:
                    self.results.setCurrentRow(0)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.search()
                return True
        return super().eventFilter(watched, event)

    @Slot()
    def search(self) -> None:
        self._timer.stop()
        text = " ".join(self.search_edit.text().split())
        self.results.clear()
        if len(text) < 2:
            self.search_status.setText(tr("Ketik paling sedikit 2 huruf atau angka."))
            return
        try:
            rows = client_page(self.ctx.db, ClientQuery(text=text), 0, SEARCH_LIMIT)
        except AtensiError as exc:
            self.search_status.setText(error_text(exc))
            return
        for row in rows:
            born = format_date_short(row.birth_date) if row.birth_date else tr("tgl. lahir kosong")
            item = QListWidgetItem(f"{row.name} · {row.display_id} · {born}" + (
                f" · {row.wilayah_name}" if row.wilayah_name else ""))
            item.setData(Qt.ItemDataRole.UserRole, str(row.id))
            self.results.addItem(item)
        if rows:
            self.results.setCurrentRow(0)
            self.search_status.setText(tr("Pilih klien di daftar (panah bawah, lalu Enter untuk menyimpan)."))
        else:
            self.search_status.setText(tr("Tidak ada klien yang cocok dengan “{text}”. Daftarkan dulu di layar "
                                          "Klien.").format(text=text))

    def chosen_client(self) -> uuid.UUID | None:
        if self.fixed_client is not None:
            return self.fixed_client
        item = self.results.currentItem()
        return uuid.UUID(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def current_input(self) -> dict[str, Any]:
        return {"client_id": self.chosen_client(), "cluster": self.cluster_combo.currentData() or None,
                "approach": self.approach_combo.currentData() or None, "worker_id": worker_of(self.worker_combo),
                "opened_on": date_of(self.date_edit), "note": text_of(self.note_edit)}

    def store(self, data: Any) -> CaseDTO:
        values = dict(data)
        client_id = values.pop("client_id")
        if client_id is None:
            raise ValidationError({"client_id": tr("Cari dan pilih klien yang kasusnya dibuka.")})
        try:
            return cases.open_case(self.ctx.db, client_id, **values)
        except ValidationError:
            raise
        except UserError as exc:  # e.g. the client still has an open case: said under the client
            raise ValidationError({"client_id": error_text(exc).replace("\n\n", " ")}) from exc


# --- stage change and terminasi --------------------------------------------------------------------------

class StageChangeDialog(CaseFormDialog):
    """"Ubah tahap": the new stage (the next one chosen), the day, the worker and a note, which is asked for
    when the case moves back (or leaves terminasi)."""

    def __init__(self, ctx: Any, case: CaseDTO, *, parent: QWidget | None = None) -> None:
        super().__init__(tr("Ubah tahap kasus"), _case_line(case), parent)
        self.setObjectName("stageChangeDialog")
        self.ctx, self.case = ctx, case
        group, form = _group(tr("Perubahan tahap"))
        self.stage_combo = QComboBox()
        self.stage_combo.setObjectName("toStage")
        order = {code: n for n, (code, _label) in enumerate(cases.stages())}
        terminated = case.closed_on is not None
        for code, label in cases.stages():
            if code in (case.stage, cases.TERMINATION_STAGE):
                continue
            if code == cases.FOLLOW_UP_STAGE and not terminated:
                continue
            self.stage_combo.addItem(label, code)
        following = [code for code, _label in cases.stages() if order[code] > order.get(case.stage, -1)
                     and self.stage_combo.findData(code) >= 0]
        select_data(self.stage_combo, following[0] if following else None)
        self.problems.add_row(form, tr("Tahap &baru *"), "to_stage", self.stage_combo)
        self.date_edit = date_edit("stageOn")
        self.problems.add_row(form, tr("&Tanggal *"), "on", self.date_edit)
        self.worker_combo = worker_combo(ctx.db, case.worker_id, case.worker_name)
        self.problems.add_row(form, tr("&Petugas"), "worker_id", self.worker_combo)
        self.note_edit = note_edit("stageNote")
        self.note_hint = make_label("", "muted", wrap=True)
        self.note_hint.setObjectName("stageNoteHint")
        cell = self.problems.add_row(form, tr("&Catatan"), "note", self.note_edit, hint_label=self.note_hint)
        self.note_label = form.labelForField(cell)
        self.stage_combo.currentIndexChanged.connect(self._stage_chosen)
        self.stage_combo.currentIndexChanged.connect(lambda _i: self.problems.clear("to_stage"))
        self.content.addWidget(group)
        self._stage_chosen()
        self.remember_start()
        self.stage_combo.setFocus(Qt.FocusReason.OtherFocusReason)
        self.fit(64)

    @property
    def moving_back(self) -> bool:
        code = self.stage_combo.currentData()
        if code is None:
            return False
        return cases.moves_back(self.case.stage, code, terminated=self.case.closed_on is not None)

    @Slot()
    def _stage_chosen(self, *_args) -> None:
        """Moving back needs a note: the label says so, with why."""
        back = self.moving_back
        if isinstance(self.note_label, QLabel):
            self.note_label.setText(tr("&Catatan alasan *") if back else tr("&Catatan"))
        if back and self.case.closed_on is not None:
            hint = tr("Kasus ini sudah diterminasi; kembali ke tahap ini membuka kasus lagi. Tulis alasannya.")
        elif back:
            hint = tr("Kasus kembali ke tahap sebelumnya: tulis alasannya.")
        else:
            hint = tr("Boleh dikosongkan; wajib bila ada tahap yang dilewati.")
        self.note_hint.setText(hint)

    def current_input(self) -> dict[str, Any]:
        return {"to_stage": self.stage_combo.currentData(), "on": date_of(self.date_edit),
                "worker_id": worker_of(self.worker_combo), "note": text_of(self.note_edit)}

    def validate(self, data: Any) -> None:
        if self.moving_back and not data["note"] and "note" in self._touched:
            raise ValidationError({"note": tr("Kasus kembali ke tahap sebelumnya; tulis catatan alasannya.")})

    def store(self, data: Any) -> CaseDTO:
        if data["to_stage"] is None:
            raise ValidationError({"to_stage": tr("Pilih tahap baru.")})
        values = dict(data)
        return cases.change_stage(self.ctx.db, self.case.id, values.pop("to_stage"), **values)


class TerminationDialog(CaseFormDialog):
    """"Terminasi": the reason (refdata termination_reasons), the day, the worker and a note ("lainnya"
    needs one). The case is closed; bimbingan lanjut can be scheduled afterwards."""

    def __init__(self, ctx: Any, case: CaseDTO, *, parent: QWidget | None = None) -> None:
        super().__init__(tr("Terminasi kasus"), _case_line(case) + "\n" + tr(
            "Terminasi menutup kasus. Sesudahnya bimbingan lanjut bisa dijadwalkan di tab Tugas."), parent)
        self.setObjectName("terminationDialog")
        self.ctx, self.case = ctx, case
        group, form = _group(tr("Terminasi"))
        self.reason_combo = combo_of(ref_items("termination_reasons"), blank=tr("— pilih alasan —"), min_chars=26)
        self.reason_combo.setObjectName("terminationReason")
        self.problems.add_row(form, tr("&Alasan *"), "reason", self.reason_combo)
        self.date_edit = date_edit("terminationOn")
        self.problems.add_row(form, tr("&Tanggal *"), "on", self.date_edit)
        self.worker_combo = worker_combo(ctx.db, case.worker_id, case.worker_name)
        self.problems.add_row(form, tr("&Petugas"), "worker_id", self.worker_combo)
        self.note_edit = note_edit("terminationNote")
        self.problems.add_row(form, tr("&Catatan"), "note", self.note_edit,
                              hint=tr("Wajib bila alasannya “Lainnya”."))
        self.watch("reason", self.reason_combo)
        self.content.addWidget(group)
        self.remember_start()
        self.reason_combo.setFocus(Qt.FocusReason.OtherFocusReason)
        self.fit(64)

    def current_input(self) -> dict[str, Any]:
        return {"reason": self.reason_combo.currentData() or "", "on": date_of(self.date_edit),
                "worker_id": worker_of(self.worker_combo), "note": text_of(self.note_edit)}

    def validate(self, data: Any) -> None:
        if not data["reason"]:
            raise ValidationError({"reason": tr("Pilih alasan terminasi dari daftar.")})

    def store(self, data: Any) -> CaseDTO:
        values = dict(data)
        return cases.terminate(self.ctx.db, self.case.id, values.pop("reason"), **values)


# --- tasks -----------------------------------------------------------------------------------------------

class TaskDialog(CaseFormDialog):
    """A new task of the case: kind, what is to be done, due date, the worker responsible, a note."""

    def __init__(self, ctx: Any, case: CaseDTO, *, parent: QWidget | None = None) -> None:
        super().__init__(tr("Tugas baru"), _case_line(case), parent)
        self.setObjectName("taskDialog")
        self.ctx, self.case = ctx, case
        group, form = _group(tr("Tugas"))
        self.kind_combo = combo_of([(tr(label), code) for code, label in tasks.KINDS.items()])
        self.kind_combo.setObjectName("taskKind")
        self.problems.add_row(form, tr("&Jenis"), "kind", self.kind_combo)
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("taskTitle")
        self.title_edit.setMaxLength(200)
        self.title_edit.setPlaceholderText(tr("mis. Kunjungan rumah untuk asesmen lanjutan"))
        self.problems.add_row(form, tr("&Tugas *"), "title", self.title_edit)
        self.due_edit = date_edit("taskDue", dt.date.today() + dt.timedelta(days=7), not_after_today=False)
        self.problems.add_row(form, tr("Jatuh &tempo *"), "due_on", self.due_edit)
        self.worker_combo = worker_combo(ctx.db, case.worker_id, case.worker_name)
        self.problems.add_row(form, tr("&Petugas"), "worker_id", self.worker_combo)
        self.note_edit = note_edit("taskNote", lines=3)
        self.problems.add_row(form, tr("&Keterangan"), "note", self.note_edit)
        self.watch("title", self.title_edit)
        self.content.addWidget(group)
        self.remember_start()
        self.title_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.fit(60)

    def current_input(self) -> dict[str, Any]:
        return {"kind": self.kind_combo.currentData(), "title": line_text(self.title_edit) or "",
                "due_on": date_of(self.due_edit), "worker_id": worker_of(self.worker_combo),
                "note": text_of(self.note_edit), "case_id": self.case.id}

    def validate(self, data: Any) -> None:
        tasks.validate_task(data)

    def store(self, data: Any) -> tasks.TaskDTO:
        return tasks.add_task(self.ctx.db, self.case.client_id, data)


class AftercareDialog(CaseFormDialog):
    """"Jadwalkan bimbingan lanjut": the first visit, every how many months, how many visits, who."""

    def __init__(self, ctx: Any, case: CaseDTO, *, parent: QWidget | None = None) -> None:
        super().__init__(tr("Jadwalkan bimbingan lanjut"), _case_line(case) + "\n" + tr(
            "Setiap kunjungan menjadi tugas dengan tanggal jatuh temponya."), parent)
        self.setObjectName("aftercareDialog")
        self.ctx, self.case = ctx, case
        group, form = _group(tr("Jadwal kunjungan"))
        start = (case.closed_on or dt.date.today()) + dt.timedelta(days=30)
        self.start_edit = date_edit("aftercareStart", start, not_after_today=False)
        self.problems.add_row(form, tr("Kunjungan &pertama *"), "start", self.start_edit)
        self.every_spin = QSpinBox()
        self.every_spin.setObjectName("aftercareEvery")
        self.every_spin.setRange(1, 12)
        self.every_spin.setValue(1)
        self.every_spin.setSuffix(" " + tr("bulan"))
        self.problems.add_row(form, tr("&Setiap"), "every_months", self.every_spin)
        self.count_spin = QSpinBox()
        self.count_spin.setObjectName("aftercareCount")
        self.count_spin.setRange(1, tasks.MAX_AFTERCARE_VISITS)
        self.count_spin.setValue(3)
        self.count_spin.setSuffix(" " + tr("kunjungan"))
        self.problems.add_row(form, tr("&Jumlah"), "count", self.count_spin)
        self.worker_combo = worker_combo(ctx.db, case.worker_id, case.worker_name)
        self.problems.add_row(form, tr("P&etugas"), "worker_id", self.worker_combo)
        self.content.addWidget(group)
        self.remember_start()
        self.start_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.fit(56)

    def current_input(self) -> dict[str, Any]:
        return {"start": date_of(self.start_edit), "every_months": self.every_spin.value(),
                "count": self.count_spin.value(), "worker_id": worker_of(self.worker_combo)}

    def store(self, data: Any) -> list[tasks.TaskDTO]:
        return tasks.schedule_aftercare(self.ctx.db, self.case.id, data["start"], data["every_months"],
                                        data["count"], data["worker_id"])


# --- notes and case conferences --------------------------------------------------------------------------

class NoteDialog(CaseFormDialog):
    """A case note (`kind` catatan) or the record of a case conference (summary, participants, decisions)."""

    def __init__(self, ctx: Any, case: CaseDTO, kind: str = casenotes.NOTE, *,
                 parent: QWidget | None = None) -> None:
        conference = kind == casenotes.CONFERENCE
        super().__init__(tr("Konferensi kasus") if conference else tr("Catatan kasus"), _case_line(case), parent)
        self.setObjectName("noteDialog")
        self.ctx, self.case, self.kind = ctx, case, kind
        group, form = _group(tr("Konferensi kasus") if conference else tr("Catatan"))
        self.date_edit = date_edit("noteOn")
        self.problems.add_row(form, tr("&Tanggal *"), "written_on", self.date_edit)
        self.worker_combo = worker_combo(ctx.db, case.worker_id, case.worker_name)
        self.problems.add_row(form, tr("&Petugas"), "worker_id", self.worker_combo)
        self.text_edit = note_edit("noteText", lines=6 if not conference else 4)
        self.problems.add_row(form, tr("&Ringkasan pembahasan *") if conference else tr("&Isi catatan *"), "text",
                              self.text_edit)
        self.participants_edit = note_edit("noteParticipants", lines=2)
        self.decisions_edit = note_edit("noteDecisions", lines=3)
        if conference:
            self.problems.add_row(form, tr("P&eserta *"), "participants", self.participants_edit,
                                  hint=tr("Nama dan peran, mis. Rina (peksos), Ahmad (TKSK), ibu klien."))
            self.problems.add_row(form, tr("&Keputusan *"), "decisions", self.decisions_edit)
        self.content.addWidget(group)
        self.remember_start()
        self.text_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.fit(72)

    def current_input(self) -> dict[str, Any]:
        values = {"text": text_of(self.text_edit) or "", "written_on": date_of(self.date_edit),
                  "worker_id": worker_of(self.worker_combo)}
        if self.kind == casenotes.CONFERENCE:
            values.update(participants=text_of(self.participants_edit) or "",
                          decisions=text_of(self.decisions_edit) or "")
        return values

    def validate(self, data: Any) -> None:
        casenotes.validate_note(self.kind, data)

    def store(self, data: Any) -> casenotes.NoteDTO:
        if self.kind == casenotes.CONFERENCE:
            return casenotes.add_conference(self.ctx.db, self.case.client_id, case_id=self.case.id, **data)
        return casenotes.add_note(self.ctx.db, self.case.client_id, data["text"], case_id=self.case.id,
                                  written_on=data["written_on"], worker_id=data["worker_id"])


# --- referrals -------------------------------------------------------------------------------------------

class ReferralDialog(CaseFormDialog):
    """A referral out of this office or into it: direction, kind and name of the other institution, reason,
    services asked for, the day, letter number, worker, note."""

    def __init__(self, ctx: Any, case: CaseDTO, *, parent: QWidget | None = None) -> None:
        super().__init__(tr("Rujukan baru"), _case_line(case), parent)
        self.setObjectName("referralDialog")
        self.ctx, self.case = ctx, case
        group, form = _group(tr("Rujukan"))
        self.direction_combo = combo_of([(tr("Keluar: klien dirujuk ke lembaga lain"), referrals.OUT),
                                         (tr("Masuk: klien dirujuk ke sini"), referrals.IN)], min_chars=30)
        self.direction_combo.setObjectName("referralDirection")
        self.problems.add_row(form, tr("&Arah *"), "direction", self.direction_combo)
        self.kind_combo = combo_of(ref_items("referral_targets"), blank=tr("— pilih jenis lembaga —"), min_chars=30)
        self.kind_combo.setObjectName("referralKind")
        self.problems.add_row(form, tr("&Jenis lembaga *"), "counterpart_kind", self.kind_combo)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("referralName")
        self.name_edit.setMaxLength(200)
        self.name_edit.setPlaceholderText(tr("mis. RSUD Brigjend H. Hasan Basry Kandangan"))
        self.problems.add_row(form, tr("&Nama lembaga *"), "counterpart_name", self.name_edit)
        self.reason_edit = note_edit("referralReason", lines=2)
        self.problems.add_row(form, tr("A&lasan rujukan *"), "reason", self.reason_edit)
        self.services_edit = QLineEdit()
        self.services_edit.setObjectName("referralServices")
        self.problems.add_row(form, tr("La&yanan yang diminta"), "services_requested", self.services_edit)
        self.date_edit = date_edit("referralOn")
        self.problems.add_row(form, tr("&Tanggal *"), "sent_on", self.date_edit)
        self.letter_edit = QLineEdit()
        self.letter_edit.setObjectName("referralLetter")
        self.letter_edit.setMaxLength(80)
        self.problems.add_row(form, tr("No&mor surat"), "letter_number", self.letter_edit)
        self.worker_combo = worker_combo(ctx.db, case.worker_id, case.worker_name)
        self.problems.add_row(form, tr("&Petugas"), "worker_id", self.worker_combo)
        self.note_edit = note_edit("referralNote", lines=2)
        self.problems.add_row(form, tr("&Keterangan"), "note", self.note_edit)
        self.watch("counterpart_kind", self.kind_combo)
        self.watch("counterpart_name", self.name_edit)
        self.content.addWidget(group)
        self.remember_start()
        self.direction_combo.setFocus(Qt.FocusReason.OtherFocusReason)
        self.fit(74)

    def current_input(self) -> dict[str, Any]:
        return {"case_id": self.case.id, "direction": self.direction_combo.currentData(),
                "counterpart_kind": self.kind_combo.currentData() or None,
                "counterpart_name": line_text(self.name_edit), "reason": text_of(self.reason_edit),
                "services_requested": line_text(self.services_edit), "sent_on": date_of(self.date_edit),
                "letter_number": line_text(self.letter_edit), "worker_id": worker_of(self.worker_combo),
                "note": text_of(self.note_edit)}

    def validate(self, data: Any) -> None:
        referrals.validate_referral(data)

    def store(self, data: Any) -> ReferralDTO:
        return referrals.create_referral(self.ctx.db, self.case.client_id, data)


class ReferralStatusDialog(CaseFormDialog):
    """Move a referral along the allowed steps (dikirim → diterima | ditolak; diterima → selesai | ditolak)
    on a day, with a note (required for ditolak)."""

    def __init__(self, ctx: Any, referral: ReferralDTO, *, worker_id: uuid.UUID | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(tr("Ubah status rujukan"), tr("{direction} · {name} · status sekarang: {status}").format(
            direction=referral.direction_label, name=referral.counterpart_name,
            status=referral.status_label.lower()), parent)
        self.setObjectName("referralStatusDialog")
        self.ctx, self.referral = ctx, referral
        group, form = _group(tr("Status rujukan"))
        self.status_combo = combo_of([(referrals.status_label(code), code) for code in referral.next_statuses])
        self.status_combo.setObjectName("referralStatus")
        self.problems.add_row(form, tr("Status &baru *"), "status", self.status_combo)
        self.date_edit = date_edit("referralStatusOn")
        self.problems.add_row(form, tr("&Tanggal *"), "on", self.date_edit)
        self.worker_combo = worker_combo(ctx.db, worker_id or referral.worker_id)
        self.problems.add_row(form, tr("&Petugas"), "worker_id", self.worker_combo)
        self.note_edit = note_edit("referralStatusNote", lines=3)
        self.problems.add_row(form, tr("&Catatan"), "note", self.note_edit,
                              hint=tr("Wajib bila rujukan ditolak: tulis alasannya."))
        self.status_combo.currentIndexChanged.connect(lambda _i: self.problems.clear("status"))
        self.content.addWidget(group)
        self.remember_start()
        self.status_combo.setFocus(Qt.FocusReason.OtherFocusReason)
        self.fit(60)

    def choose(self, status: str) -> None:
        """Pick `status` even when it is not one of the allowed next steps (the engine then refuses it)."""
        if self.status_combo.findData(status) < 0:
            self.status_combo.addItem(referrals.status_label(status), status)
        select_data(self.status_combo, status)

    def current_input(self) -> dict[str, Any]:
        return {"status": self.status_combo.currentData(), "on": date_of(self.date_edit),
                "worker_id": worker_of(self.worker_combo), "note": text_of(self.note_edit)}

    def store(self, data: Any) -> ReferralDTO:
        values = dict(data)
        return referrals.change_status(self.ctx.db, self.referral.id, values.pop("status"), **values)
