"""A client's asesmen and their rencana intervensi: the list, newest first, and what can be done next.

Each row: started, kind (awal / lanjutan), status (draf with the sections saved / selesai), form and version,
finished when and by whom, and the plan drafted from it. Actions: "Asesmen baru" / "Lanjutkan draf" (the
wizard; a client with a finished asesmen gets a re-asesmen), "Bandingkan dengan sebelumnya", "Susun rencana
intervensi" (drafted from the asesmen's needs, or the existing plan opened), "Buka kembali…" (with a reason).
The list is read again when the wizard, the plan or the reopen dialog closes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, Slot
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError, ValidationError
from atensi_desktop.forms import shipped_forms
from atensi_desktop.i18n import format_date_short
from atensi_desktop.services import assessments as svc
from atensi_desktop.services import intervention as plans
from atensi_desktop.services.clients import get_client
from atensi_desktop.services.office import list_workers
from ui.dialogs import asesmen_compare, asesmen_wizard, intervention_plan
from ui.dialogs.asesmen_compare import fit_to_screen
from ui.errors import error_text, show_error
from ui.i18n import tr
from ui.models.rows import ListTableModel
from ui.style import MUTED
from ui.widgets.common import make_label, set_invalid

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class AsesmenRow:
    """One asesmen as the list shows it."""

    summary: svc.AssessmentSummary
    form_title: str
    finished_by: str | None
    plan: plans.PlanDTO | None

    @property
    def id(self) -> uuid.UUID:
        return self.summary.id

    @property
    def finished(self) -> bool:
        return self.summary.status == svc.STATUS_FINISHED

    @property
    def draft(self) -> bool:
        return self.summary.status == svc.STATUS_DRAFT


def _form_title(form_id: str, version: str) -> str:
    try:
        title = shipped_forms().get(form_id, int(version)).title
    except (AtensiError, ValueError):
        title = form_id
    return tr("{title} v{version}").format(title=title, version=version)


def load_rows(ctx: AppContext, client_id: uuid.UUID) -> list[AsesmenRow]:
    """The client's live asesmen, newest first, with who finished them and their plan."""
    summaries = svc.list_assessments(ctx.db, client_id)
    plan_of = {}
    for plan in plans.plans_for_client(ctx.db, client_id):  # newest first: the newest plan of an asesmen wins
        if plan.assessment_id is not None:
            plan_of.setdefault(plan.assessment_id, plan)
    names: dict[uuid.UUID, str] = {}
    if any(s.status == svc.STATUS_FINISHED for s in summaries):
        try:
            names = {wid: name for wid, name, _kind in list_workers(ctx.db)}
        except AtensiError:
            names = {}
    rows = []
    for s in summaries:
        finished_by = None
        if s.status == svc.STATUS_FINISHED:
            worker = svc.get_assessment(ctx.db, s.id).finished_by
            finished_by = names.get(worker) if worker is not None else None
        rows.append(AsesmenRow(s, _form_title(s.form_id, s.form_version), finished_by, plan_of.get(s.id)))
    return rows


def previous_of(row: AsesmenRow, rows: Sequence[AsesmenRow]) -> AsesmenRow | None:
    """The asesmen `row` is compared with (the engine's rule: services.assessments.earlier_of)."""
    earlier = svc.earlier_of(row.summary, [r.summary for r in rows])
    return next((r for r in rows if earlier is not None and r.id == earlier.id), None)


class AsesmenListModel(ListTableModel):
    STARTED, KIND, STATUS, FORM, FINISHED, PLAN = range(6)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__((tr("Dimulai"), tr("Jenis"), tr("Status"), tr("Formulir"), tr("Diselesaikan"),
                          tr("Rencana intervensi")), parent)

    def row_at(self, row: int) -> AsesmenRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, assessment_id: uuid.UUID | None) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.id == assessment_id), None)

    def rows(self) -> list[AsesmenRow]:
        return list(self._rows)

    def _text(self, r: AsesmenRow, column: int) -> str:
        s = r.summary
        if column == self.STARTED:
            return format_date_short(s.started_on)
        if column == self.KIND:
            return s.kind_label
        if column == self.STATUS:
            if r.finished:
                return s.status_label
            return tr("{status} · {n} bagian tersimpan").format(status=s.status_label, n=s.sections_saved)
        if column == self.FORM:
            return r.form_title
        if column == self.FINISHED:
            if s.finished_on is None:
                return "—"
            when = format_date_short(s.finished_on)
            return tr("{date} oleh {name}").format(date=when, name=r.finished_by) if r.finished_by else when
        if not r.finished and r.plan is None:
            return tr("Setelah asesmen selesai")
        return intervention_plan.plan_label(r.plan)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(r, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            text = self._text(r, index.column())
            if index.column() == self.STATUS and r.summary.problems:
                text += "\n" + tr("{n} jawaban ditandai bermasalah").format(n=r.summary.problems)
            return text
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == self.PLAN and r.plan is None:
            return QBrush(QColor(MUTED))
        return None


class ReopenDialog(QDialog):
    """"Buka kembali asesmen": the reason (required by the engine), its problem shown under the field."""

    def __init__(self, ctx: AppContext, row: AsesmenRow, *, worker_id: uuid.UUID | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.row = row
        self.worker_id = worker_id
        self.reopened: svc.AssessmentDTO | None = None
        self.setObjectName("reopenAsesmen")
        self.setWindowTitle(tr("Buka kembali asesmen"))
        layout = QVBoxLayout(self)
        when = format_date_short(row.summary.finished_on or row.summary.started_on)
        layout.addWidget(make_label(tr(
            "{kind} yang selesai {date} akan menjadi draf lagi sehingga bisa diubah. Alasan, waktu dan petugas "
            "dicatat.").format(kind=row.summary.kind_label, date=when), wrap=True))
        if row.plan is not None:
            layout.addWidget(make_label(tr("Rencana intervensi dari asesmen ini tetap ada; periksa lagi setelah "
                                           "asesmen diselesaikan ulang."), "muted", wrap=True))
        label = QLabel(tr("&Alasan membuka kembali *"))
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("reopenReason")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setPlaceholderText(tr("misalnya: tanggal lahir anggota keluarga salah ketik"))
        self.reason_edit.setAccessibleName(tr("Alasan membuka kembali"))
        self.reason_edit.setFixedHeight(80)
        label.setBuddy(self.reason_edit)
        layout.addWidget(label)
        layout.addWidget(self.reason_edit)
        self.error_label = make_label("", "error", wrap=True)
        self.error_label.setObjectName("reopenError")
        self.error_label.hide()
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("Buka &kembali"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("&Batal"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reason_edit.textChanged.connect(self._clear_problem)
        fit_to_screen(self, QSize(560, 280), QSize(460, 240))
        self.reason_edit.setFocus()

    def _clear_problem(self) -> None:
        if not self.error_label.isHidden():
            self.error_label.hide()
            set_invalid(self.reason_edit, False)

    def accept(self) -> None:
        try:
            self.reopened = svc.reopen(self.ctx.db, self.row.id, reason=self.reason_edit.toPlainText(),
                                       worker_id=self.worker_id)
        except ValidationError as exc:
            self.error_label.setText(exc.problems.get("reason", exc.message))
            self.error_label.show()
            set_invalid(self.reason_edit, True)
            self.reason_edit.setFocus()
            return
        except AtensiError as exc:
            self.error_label.setText(error_text(exc))
            self.error_label.show()
            return
        super().accept()


class AsesmenListDialog(QDialog):
    """The asesmen and plans of one client."""

    def __init__(self, ctx: AppContext, client_id: uuid.UUID, parent: QWidget | None = None, *,
                 bus: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.client_id = client_id
        self.bus = bus
        self.worker_id = asesmen_wizard.first_worker(ctx)
        self.child: QDialog | None = None  # the wizard, comparison, plan or reopen dialog opened from here
        client = get_client(ctx.db, client_id)
        self.client_name = client.values.get("name") or ""
        self.setObjectName("asesmenList")
        self.setWindowTitle(tr("Asesmen dan rencana — {name}").format(name=self.client_name))
        self._build(client.display_id or "")
        self.reload()
        fit_to_screen(self, QSize(1180, 560), QSize(900, 420))
        self.table.setFocus()

    # --- layout -----------------------------------------------------------------------------------------

    def _build(self, display_id: str) -> None:
        outer = QVBoxLayout(self)
        outer.setSpacing(8)
        outer.addWidget(make_label(tr("Asesmen dan rencana intervensi"), "title"))
        who = self.client_name + (f" ({display_id})" if display_id else "")
        outer.addWidget(make_label(who, "subtitle"))
        body = QHBoxLayout()
        left = QVBoxLayout()
        self.model = AsesmenListModel(self)
        self.table = QTableView()
        self.table.setObjectName("asesmenTable")
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("Daftar asesmen klien"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(AsesmenListModel.PLAN, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda _i: self.default_action())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_actions())
        left.addWidget(self.table, 1)
        self.empty_label = make_label(tr("Klien ini belum punya asesmen. Pilih Asesmen baru untuk memulai."), "empty",
                                      wrap=True)
        self.empty_label.setObjectName("asesmenEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        left.addWidget(self.empty_label, 1)
        self.hint_label = make_label("", "muted", wrap=True)
        self.hint_label.setObjectName("asesmenHint")
        left.addWidget(self.hint_label)
        body.addLayout(left, 1)

        actions = QVBoxLayout()
        self.new_button = self._action(actions, tr("&Asesmen baru"), "newAsesmen", self.start_or_resume)
        actions.addSpacing(10)
        self.compare_button = self._action(actions, tr("&Bandingkan dengan sebelumnya"), "compareAsesmen",
                                           self.compare_selected)
        self.plan_button = self._action(actions, tr("Susun &rencana intervensi"), "planAsesmen", self.open_plan)
        self.reopen_button = self._action(actions, tr("Buka &kembali…"), "reopenAsesmen", self.reopen_selected)
        actions.addStretch(1)
        body.addLayout(actions)
        outer.addLayout(body, 1)

        footer = QHBoxLayout()
        self.status_label = make_label("", "muted", wrap=True)
        self.status_label.setObjectName("asesmenStatus")
        footer.addWidget(self.status_label, 1)
        self.close_button = self._action(footer, tr("Tutup"), "closeAsesmenList", self.reject)
        outer.addLayout(footer)
        QShortcut(QKeySequence.StandardKey.New, self, self.start_or_resume)

    def _action(self, layout: QVBoxLayout | QHBoxLayout, text: str, name: str,
                slot: Callable[[], Any]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        layout.addWidget(button)
        return button

    # --- loading ----------------------------------------------------------------------------------------

    @Slot()
    def reload(self, *, select: uuid.UUID | None = None) -> None:
        if not isValid(self):
            return
        keep = select or (self.current().id if self.current() else None)
        try:
            rows = load_rows(self.ctx, self.client_id)
        except AtensiError as exc:
            show_error(self, exc)
            rows = []
        self.model.set_rows(rows)
        has_rows = bool(rows)
        self.table.setVisible(has_rows)
        self.empty_label.setVisible(not has_rows)
        row = self.model.row_of(keep) if keep is not None else None
        if row is None and rows:
            row = 0
        if row is not None:
            self.table.selectRow(row)
            self.table.setCurrentIndex(self.model.index(row, 0))
        finished = [r for r in rows if r.finished]
        drafts = [r for r in rows if r.draft]
        if drafts:
            hint = tr("Ada asesmen draf yang dimulai {date}: lanjutkan sampai selesai.").format(
                date=format_date_short(drafts[0].summary.started_on))
        elif finished:
            latest = max(finished, key=lambda r: (r.summary.finished_on or r.summary.started_on))
            hint = tr("Asesmen baru akan menjadi asesmen lanjutan (re-asesmen) dari asesmen yang selesai {date}, "
                      "dan bisa dibandingkan dengannya.").format(
                date=format_date_short(latest.summary.finished_on or latest.summary.started_on))
        else:
            hint = ""
        self.hint_label.setText(hint)
        self.hint_label.setVisible(bool(hint))
        self._update_actions()

    def current(self) -> AsesmenRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _update_actions(self) -> None:
        row = self.current()
        rows = self.model.rows()
        has_draft = any(r.draft for r in rows)
        self.new_button.setText(tr("&Lanjutkan draf") if has_draft else tr("&Asesmen baru"))
        self.new_button.setToolTip(tr("Buka asesmen draf dan lanjutkan mengisinya") if has_draft else
                                   tr("Mulai asesmen baru untuk klien ini (Ctrl+N)"))
        self.compare_button.setEnabled(row is not None and previous_of(row, rows) is not None)
        finished = row is not None and row.finished
        self.plan_button.setEnabled(finished or (row is not None and row.plan is not None))
        self.plan_button.setText(tr("Buka &rencana intervensi") if row is not None and row.plan is not None
                                 else tr("Susun &rencana intervensi"))
        self.reopen_button.setEnabled(finished)
        if row is None:
            self.status_label.setText("")
        elif row.draft:
            self.status_label.setText(tr("Asesmen ini masih draf. Enter: lanjutkan mengisi."))
        elif row.plan is None:
            self.status_label.setText(tr("Asesmen ini selesai. Enter: susun rencana intervensi dari kebutuhannya."))
        else:
            self.status_label.setText(tr("Enter: buka rencana intervensi asesmen ini."))

    # --- actions ----------------------------------------------------------------------------------------

    @Slot()
    def default_action(self) -> None:
        row = self.current()
        if row is None:
            return
        if row.draft:
            self.start_or_resume()
        elif self.plan_button.isEnabled():
            self.open_plan()

    def _child_closed(self, dialog: QDialog, select: uuid.UUID | None = None) -> None:
        if self.child is dialog:
            self.child = None
        self.reload(select=select)
        if isValid(self):
            self.table.setFocus()

    @Slot()
    def start_or_resume(self) -> None:
        """The selected draft, else the client's draft, else a new asesmen (a re-asesmen after a finished one)."""
        row = self.current()
        drafts = [r for r in self.model.rows() if r.draft]
        if row is not None and row.draft and len(drafts) > 1:
            wizard = self._open_wizard(row.id)  # several drafts (one was reopened): the one chosen
        else:
            wizard = asesmen_wizard.open_asesmen(self, self.ctx, self.bus, self.client_id)
        if wizard is None:
            return
        self.child = wizard
        aid = wizard.assessment.id if hasattr(wizard, "assessment") else None
        wizard.finished.connect(lambda _r, w=wizard, a=aid: self._child_closed(w, a))
        if hasattr(wizard, "saved"):
            wizard.saved.connect(lambda _sid, a=aid: self.reload(select=a))

    def _open_wizard(self, assessment_id: uuid.UUID) -> QDialog | None:
        try:
            wizard = asesmen_wizard.AsesmenWizard(self.ctx, self.client_id, self, assessment_id=assessment_id)
        except AtensiError as exc:
            show_error(self, exc)
            return None
        wizard.bus = self.bus
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.open()
        return wizard

    @Slot()
    def compare_selected(self) -> None:
        row = self.current()
        previous = previous_of(row, self.model.rows()) if row is not None else None
        if row is None or previous is None:
            return
        dialog = asesmen_compare.open_compare(self, self.ctx, row.id, previous.id)
        if dialog is not None:
            self.child = dialog
            dialog.finished.connect(lambda _r, d=dialog: self._child_closed(d))

    @Slot()
    def open_plan(self) -> None:
        """The selected asesmen's plan; drafted from its needs the first time."""
        row = self.current()
        if row is None:
            return
        plan_id = row.plan.id if row.plan is not None else None
        if plan_id is None:
            if not row.finished:
                return
            try:
                case = svc.get_assessment(self.ctx.db, row.id).case_id
                # the case's worker is responsible by default; without a case, whoever drafts the plan
                draft = intervention_plan.draft_plan(self.ctx, row.id,
                                                     worker_id=None if case is not None else self.worker_id)
                plan_id = draft.id
            except plans.PlanExistsError as exc:
                plan_id = exc.plan_id
            except AtensiError as exc:
                show_error(self, exc)
                self.reload()
                return
        dialog = intervention_plan.open_plan(self, self.ctx, plan_id, worker_id=self.worker_id)
        if dialog is not None:
            self.child = dialog
            dialog.finished.connect(lambda _r, d=dialog, a=row.id: self._child_closed(d, a))
        self.reload(select=row.id)

    @Slot()
    def reopen_selected(self) -> None:
        row = self.current()
        if row is None or not row.finished:
            return
        dialog = ReopenDialog(self.ctx, row, worker_id=self.worker_id, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.child = dialog
        dialog.finished.connect(lambda result, d=dialog, a=row.id: self._reopen_closed(d, a, result))
        dialog.open()

    def _reopen_closed(self, dialog: QDialog, assessment_id: uuid.UUID, result: int) -> None:
        self._child_closed(dialog, assessment_id)
        if result == QDialog.DialogCode.Accepted and isValid(self):
            self.status_label.setText(tr("Asesmen dibuka kembali sebagai draf. Pilih Lanjutkan draf untuk "
                                         "mengubahnya."))


def open_asesmen_list(parent: QWidget | None, ctx: AppContext, bus: Any,
                      client_id: uuid.UUID) -> AsesmenListDialog | None:
    """The client's asesmen and plans (window-modal, not blocking); None when the client cannot be read."""
    try:
        dialog = AsesmenListDialog(ctx, client_id, parent, bus=bus)
    except AtensiError as exc:
        show_error(parent, exc)
        return None
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
