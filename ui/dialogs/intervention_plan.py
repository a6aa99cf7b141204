"""The rencana intervensi editor: goals and their activities on the left, the chosen one's fields on the right.

A goal (tujuan) has a horizon (segera, jangka pendek, menengah, panjang), a target date, success indicators and
the asesmen need it answers; each activity is mapped to one of the 7 ATENSI service components (with a
sub-item) and/or an SPM basic-needs service, with method, responsible worker, team, target date and status.
Every rule is the engine's (`services.intervention.validate_goal` / `validate_activity`): its messages appear
under the field concerned and nothing is saved while one is shown. "Setujui rencana" approves (the engine
names each gap: a goal without activity, an activity without worker or service); an approved plan is read-only
until "Revisi rencana".

Needs of the asesmen that no goal answers yet are listed at the top ("Kebutuhan yang belum ada rencananya")
so the worker plans them by hand. The plan is drafted from the form's needs checklist: each option's
`maps_to` names its ATENSI components and SPM services (`draft_plan`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Slot
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError, ValidationError
from atensi_desktop.forms import FormDef, shipped_forms
from atensi_desktop.forms.needs import chosen_needs, need_options
from atensi_desktop.i18n import _, format_date_short
from atensi_desktop.refdata import ref_list
from atensi_desktop.services import assessments as asm
from atensi_desktop.services import intervention as svc
from atensi_desktop.services.clients import get_client
from atensi_desktop.services.office import list_workers
from ui.dialogs.asesmen_compare import describe, fit_to_screen
from ui.errors import error_text, show_error
from ui.i18n import tr
from ui.widgets.common import make_label
from ui.widgets.form_fields import FieldProblems, form_layout

WARNING_COLOR = "#8a5300"
GAP_COLOR = "#b3261e"
KIND_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1
GOAL, ACTIVITY = "goal", "activity"
DATE_PLACEHOLDER = "hh-bb-tttt"


# --- the form's needs checklist -> the plan ---------------------------------------------------------------

def _form_of(assessment: asm.AssessmentDTO) -> FormDef | None:
    try:
        return shipped_forms().get(assessment.form_id, int(assessment.form_version))
    except (AtensiError, ValueError):
        return None


def draft_plan(ctx: AppContext, assessment_id: uuid.UUID, *, worker_id: uuid.UUID | None = None) -> svc.PlanDTO:
    """Draft the plan of a finished asesmen from its form's needs checklist (raises svc.PlanExistsError when
    it has one)."""
    return svc.draft_plan_from_form(ctx.db, assessment_id, worker_id=worker_id)


def need_label(code: str, options: Mapping[str, tuple[str, Any]]) -> str:
    if code in options:
        return options[code][0]
    for name in ("spm_services", "atensi_services"):
        item = ref_list(name).get(code)
        if item is not None:
            return item.label
    for component in ref_list("atensi_services").items:
        for sub in component.extra.get("subitems", ()):
            if sub["code"] == code:
                return sub["label"]
    return code


def horizon_short(code: str) -> str:
    """'Jangka Pendek' of 'Jangka Pendek (sampai 3 bulan)'."""
    return ref_list("intervention_horizons").label(code).split(" (", 1)[0]


def _date_text(value: Any) -> str:
    return format_date_short(value) if value is not None else ""


def _combo(items: Sequence[tuple[str, Any]], *, name: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(20)
    for label, data in items:
        combo.addItem(label, data)
    return combo


def _index_of(combo: QComboBox, data: Any) -> int:
    """The item holding `data` (compared with ==: QComboBox.findData cannot compare UUIDs), or -1."""
    return next((i for i in range(combo.count()) if combo.itemData(i) == data), -1)


def _select(combo: QComboBox, data: Any, *, unknown_label: str | None = None) -> None:
    """Choose the item holding `data`; an unknown value is added (so saving never loses it)."""
    index = _index_of(combo, data)
    if index < 0 and data is not None:
        combo.addItem(unknown_label or str(data), data)
        index = combo.count() - 1
    combo.setCurrentIndex(max(index, 0))


# --- the two editors -------------------------------------------------------------------------------------

class _Problems(FieldProblems):
    """FieldProblems whose form gives back the room of a problem line once it is hidden (QFormLayout keeps a
    wrapped row's old height until it is invalidated)."""

    form: QFormLayout | None = None

    def show(self, problems: Mapping[str, str], *, only: set[str] | None = None) -> QWidget | None:
        first = super().show(problems, only=only)
        self._relayout()
        return first

    def clear(self, key: str) -> None:
        super().clear(key)
        self._relayout()

    def _relayout(self) -> None:
        if self.form is not None:
            self.form.invalidate()


class _Editor(QWidget):
    """Labelled fields with the engine's problem under each; `values()` as the service takes them."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(6)
        self.setStyleSheet("QLineEdit:read-only, QPlainTextEdit[readOnly=\"true\"] { background: #f1f4f7; }")
        self.title_label = make_label(title, "subtitle", wrap=True)
        outer.addWidget(self.title_label)
        self.general_error = make_label("", "error", wrap=True)
        self.general_error.hide()
        outer.addWidget(self.general_error)
        self.problems = _Problems(self.general_error)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        self.form = form_layout()
        self.problems.form = self.form
        self.form.setContentsMargins(0, 4, 8, 4)
        column.addLayout(self.form)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        self.save_button = QPushButton(tr("Simpa&n"))
        self.save_button.setAutoDefault(False)
        self.revert_button = QPushButton(tr("Batalkan perubahan"))
        self.revert_button.setAutoDefault(False)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self._loaded: dict[str, Any] = {}
        self.read_only = False

    def line(self, key: str, label: str, *, hint: str | None = None, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(key)
        edit.setPlaceholderText(placeholder)
        self.problems.add_row(self.form, label, key, edit, hint=hint)
        edit.textEdited.connect(lambda _t, k=key: self.problems.clear(k))
        return edit

    def combo(self, key: str, label: str, items: Sequence[tuple[str, Any]], *, hint: str | None = None) -> QComboBox:
        box = _combo(items, name=key)
        self.problems.add_row(self.form, label, key, box, hint=hint)
        box.activated.connect(lambda _i, k=key: self.problems.clear(k))
        return box

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def remember(self) -> None:
        self._loaded = self.values()
        self.problems.show({})

    @property
    def dirty(self) -> bool:
        return not self.read_only and self.values() != self._loaded

    def changes(self) -> dict[str, Any]:
        now = self.values()
        return {k: v for k, v in now.items() if v != self._loaded.get(k)}

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        for widget in self.problems.fields.values():
            if isinstance(widget, QLineEdit | QPlainTextEdit):
                widget.setReadOnly(read_only)
                widget.style().unpolish(widget)  # the read-only look of the style sheet
                widget.style().polish(widget)
            else:
                widget.setEnabled(not read_only)
        self.save_button.setVisible(not read_only)
        self.revert_button.setVisible(not read_only)

    def first_field(self) -> QWidget:
        return next(iter(self.problems.fields.values()))


class GoalEditor(_Editor):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Tujuan"), parent)
        self.setObjectName("goalEditor")
        self.save_button.setText(tr("Simpa&n tujuan"))
        self.goal_edit = self.line("goal", tr("Rumusan tu&juan *"),
                                   placeholder=tr("misalnya: Kebutuhan makan klien terpenuhi setiap hari"))
        self.objective_edit = self.line("objective", tr("S&asaran"),
                                        placeholder=tr("siapa atau apa yang disasar (klien, keluarga, …)"))
        self.horizon_combo = self.combo("horizon", tr("Jangka &waktu *"),
                                        [(i.label, i.code) for i in ref_list("intervention_horizons").items])
        self.target_edit = self.line("target_date", tr("Tar&get tanggal"), placeholder=DATE_PLACEHOLDER,
                                     hint=tr("Hari-bulan-tahun, misalnya 30-06-2026."))
        self.indicators_edit = QPlainTextEdit()
        self.indicators_edit.setObjectName("success_indicators")
        self.indicators_edit.setTabChangesFocus(True)
        self.indicators_edit.setFixedHeight(72)
        self.problems.add_row(self.form, tr("&Indikator keberhasilan"), "success_indicators", self.indicators_edit)
        self.need_combo = self.combo("need_code", tr("Ke&butuhan dari asesmen"), [])
        self.status_combo = self.combo("status", tr("Stat&us"),
                                       [(_(label), code) for code, label in svc.GOAL_STATUSES.items()])
        self.need_options: dict[str, tuple[str, Any]] = {}

    def set_needs(self, options: Mapping[str, tuple[str, Any]], chosen: Sequence[str]) -> None:
        """The need combo: none, the asesmen's needs, then the form's other needs."""
        self.need_options = dict(options)
        self.need_combo.clear()
        self.need_combo.addItem(tr("— tidak terkait satu kebutuhan —"), None)
        for code in chosen:
            self.need_combo.addItem(need_label(code, options), code)
        others = [c for c in options if c not in chosen]
        if others:
            self.need_combo.insertSeparator(self.need_combo.count())
            for code in others:
                self.need_combo.addItem(tr("{need} (tidak dipilih di asesmen)").format(need=need_label(code, options)),
                                        code)

    def load(self, goal: svc.GoalDTO | None, number: int | None = None) -> None:
        if goal is None:
            self.title_label.setText(tr("Tujuan baru"))
        else:
            self.title_label.setText(tr("Tujuan {n}").format(n=number) if number else tr("Tujuan"))
        self.goal_edit.setText(goal.goal if goal else "")
        self.objective_edit.setText((goal.objective or "") if goal else "")
        _select(self.horizon_combo, goal.horizon if goal else "pendek")
        self.target_edit.setText(_date_text(goal.target_date) if goal else "")
        self.indicators_edit.setPlainText((goal.success_indicators or "") if goal else "")
        code = goal.need_code if goal else None
        _select(self.need_combo, code, unknown_label=need_label(code, self.need_options) if code else None)
        _select(self.status_combo, goal.status if goal else "direncanakan")
        self.remember()

    def values(self) -> dict[str, Any]:
        return {"goal": self.goal_edit.text().strip() or None,
                "objective": self.objective_edit.text().strip() or None,
                "horizon": self.horizon_combo.currentData(),
                "target_date": self.target_edit.text().strip() or None,
                "success_indicators": self.indicators_edit.toPlainText().strip() or None,
                "need_code": self.need_combo.currentData(),
                "status": self.status_combo.currentData()}


class ActivityEditor(_Editor):
    def __init__(self, workers: Sequence[tuple[uuid.UUID, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(tr("Kegiatan"), parent)
        self.setObjectName("activityEditor")
        self.save_button.setText(tr("Simpa&n kegiatan"))
        self.goal_label = make_label("", "muted", wrap=True)
        self.form.addRow(self.goal_label)
        self.description_edit = self.line("description", tr("Uraian k&egiatan *"),
                                          placeholder=tr("misalnya: Mengantar klien ke puskesmas"))
        atensi = ref_list("atensi_services")
        self.component_combo = self.combo(
            "atensi_service", tr("Komponen &ATENSI"),
            [(tr("— tidak dipetakan —"), None)] + [(f"{i.extra.get('number', '')}. {i.label}".lstrip(". "), i.code)
                                                  for i in atensi.items])
        self.subitem_combo = self.combo("atensi_subitem", tr("Rincian &layanan"), [])
        self.spm_combo = self.combo(
            "spm_service", tr("Layanan S&PM"),
            [(tr("— tidak dipetakan —"), None)] + [(i.label, i.code) for i in ref_list("spm_services").items],
            hint=tr("Petakan ke komponen ATENSI dan/atau layanan SPM (kebutuhan dasar)."))
        self.method_edit = self.line("method", tr("&Metode"),
                                     placeholder=tr("misalnya: kunjungan rumah, konseling, rujukan"))
        self.worker_combo = self.combo(
            "responsible_worker_id", tr("Penanggung &jawab"),
            [(tr("— belum dipilih —"), None)] + [(f"{name} ({kind})" if kind else name, wid)
                                                  for wid, name, kind in workers])
        self.team_edit = self.line("team", tr("T&im"), placeholder=tr("petugas atau lembaga lain yang terlibat"))
        self.target_edit = self.line("target_date", tr("Tar&get tanggal"), placeholder=DATE_PLACEHOLDER,
                                     hint=tr("Hari-bulan-tahun, misalnya 30-06-2026."))
        self.status_combo = self.combo("status", tr("Stat&us"),
                                       [(_(label), code) for code, label in svc.ACTIVITY_STATUSES.items()])
        self.component_combo.currentIndexChanged.connect(lambda _i: self._fill_subitems())
        self._fill_subitems()

    def _fill_subitems(self, keep: str | None = None) -> None:
        keep = keep if keep is not None else self.subitem_combo.currentData()
        self.subitem_combo.clear()
        self.subitem_combo.addItem(tr("— tanpa rincian —"), None)
        item = ref_list("atensi_services").get(self.component_combo.currentData() or "")
        for sub in (item.extra.get("subitems", ()) if item is not None else ()):
            self.subitem_combo.addItem(sub["label"], sub["code"])
        index = _index_of(self.subitem_combo, keep) if keep is not None else 0
        self.subitem_combo.setCurrentIndex(max(index, 0))
        self.subitem_combo.setEnabled(not self.read_only and item is not None)

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        self.subitem_combo.setEnabled(not read_only and self.component_combo.currentData() is not None)

    def load(self, activity: svc.ActivityDTO | None, goal: svc.GoalDTO) -> None:
        self.title_label.setText(tr("Kegiatan baru") if activity is None else tr("Kegiatan"))
        self.goal_label.setText(tr("Untuk tujuan: {goal}").format(goal=goal.goal))
        self.description_edit.setText(activity.description if activity else "")
        _select(self.component_combo, activity.atensi_service if activity else None)
        self._fill_subitems(activity.atensi_subitem if activity else None)
        if activity is not None and activity.atensi_subitem and \
                self.subitem_combo.currentData() != activity.atensi_subitem:
            _select(self.subitem_combo, activity.atensi_subitem)
        _select(self.spm_combo, activity.spm_service if activity else None)
        self.method_edit.setText((activity.method or "") if activity else "")
        _select(self.worker_combo, activity.responsible_worker_id if activity else None,
                unknown_label=tr("(petugas yang tidak terdaftar di sini)"))
        self.team_edit.setText((activity.team or "") if activity else "")
        self.target_edit.setText(_date_text(activity.target_date if activity else goal.target_date))
        _select(self.status_combo, activity.status if activity else "direncanakan")
        self.remember()

    def values(self) -> dict[str, Any]:
        return {"description": self.description_edit.text().strip() or None,
                "atensi_service": self.component_combo.currentData(),
                "atensi_subitem": self.subitem_combo.currentData(),
                "spm_service": self.spm_combo.currentData(),
                "method": self.method_edit.text().strip() or None,
                "responsible_worker_id": self.worker_combo.currentData(),
                "team": self.team_edit.text().strip() or None,
                "target_date": self.target_edit.text().strip() or None,
                "status": self.status_combo.currentData()}


# --- the plan window -------------------------------------------------------------------------------------

class InterventionPlanDialog(QDialog):
    """One plan: the goal → activity tree, the editor of the chosen item, approve / revise."""

    def __init__(self, ctx: AppContext, plan_id: uuid.UUID, parent: QWidget | None = None, *,
                 worker_id: uuid.UUID | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.plan_id = plan_id
        self.worker_id = worker_id
        self.setObjectName("interventionPlan")
        self.plan = svc.get_plan(ctx.db, plan_id)
        name = get_client(ctx.db, self.plan.client_id).values.get("name") or ""
        self.setWindowTitle(tr("Rencana intervensi — {name}").format(name=name))
        self.assessment: asm.AssessmentDTO | None = None
        self.form: FormDef | None = None
        self.needs: list[str] = []
        if self.plan.assessment_id is not None:
            self.assessment = asm.get_assessment(ctx.db, self.plan.assessment_id)
            self.form = _form_of(self.assessment)
            self.needs = chosen_needs(self.form, {sid: s.answers for sid, s in self.assessment.sections.items()})
        self.options = need_options(self.form)
        try:
            self.workers = list_workers(ctx.db)
        except AtensiError:
            self.workers = []
        self.gaps: dict[uuid.UUID | None, list[str]] = {}
        self.editing: tuple[str, uuid.UUID | None, uuid.UUID | None] | None = None  # (kind, id, goal id)
        self._build(name)
        self.goal_editor.set_needs(self.options, self.needs)
        self.reload()
        fit_to_screen(self, QSize(1300, 720), QSize(1000, 600))
        self.tree.setFocus()

    # --- layout -----------------------------------------------------------------------------------------

    def _build(self, name: str) -> None:
        outer = QVBoxLayout(self)
        outer.setSpacing(8)
        outer.addWidget(make_label(tr("Rencana intervensi — {name}").format(name=name), "title"))
        self.source_label = make_label("", "muted", wrap=True)
        self.source_label.setObjectName("planSource")
        outer.addWidget(self.source_label)
        self.state_label = make_label("", "strong", wrap=True)
        self.state_label.setObjectName("planState")
        outer.addWidget(self.state_label)
        self.unmapped_label = make_label("", wrap=True)
        self.unmapped_label.setObjectName("unmappedNeeds")
        self.unmapped_label.setStyleSheet(f"color: {WARNING_COLOR};")
        self.unmapped_label.hide()
        outer.addWidget(self.unmapped_label)

        body = QHBoxLayout()
        body.setSpacing(14)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        tree_label = make_label(tr("Tujuan dan kegiatan"), "subtitle")
        left.addWidget(tree_label)
        self.tree = QTreeWidget()
        self.tree.setObjectName("planTree")
        self.tree.setAccessibleName(tr("Tujuan dan kegiatan"))
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels([tr("Tujuan / kegiatan"), tr("Jangka / layanan"), tr("Target")])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(True)
        self.tree.setStyleSheet("QTreeWidget::item { padding: 4px 0; }")
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.itemActivated.connect(lambda _item, _col: self.focus_editor())
        left.addWidget(self.tree, 1)
        self.empty_label = make_label(tr("Belum ada tujuan. Pilih Tambah tujuan untuk menyusun rencana."), "empty",
                                      wrap=True)
        self.empty_label.setObjectName("planEmpty")
        self.empty_label.hide()
        left.addWidget(self.empty_label)
        actions = QHBoxLayout()
        self.add_goal_button = self._button(actions, tr("&Tambah tujuan"), "addGoal", self.new_goal)
        self.add_activity_button = self._button(actions, tr("Tambah &kegiatan"), "addActivity", self.new_activity)
        self.remove_button = self._button(actions, tr("&Hapus…"), "removeItem", self.remove_current)
        actions.addStretch(1)
        left.addLayout(actions)
        self.gap_title = make_label(tr("Yang masih kurang sebelum rencana bisa disetujui (Enter membuka):"), "strong",
                                    wrap=True)
        self.gap_title.hide()
        left.addWidget(self.gap_title)
        self.gap_list = QListWidget()
        self.gap_list.setObjectName("planGaps")
        self.gap_list.setAccessibleName(tr("Yang masih kurang sebelum rencana bisa disetujui"))
        self.gap_list.setMaximumHeight(110)
        self.gap_list.setWordWrap(True)
        self.gap_list.setStyleSheet(f"color: {GAP_COLOR};")
        self.gap_list.itemActivated.connect(self._gap_activated)
        self.gap_list.hide()
        left.addWidget(self.gap_list)
        left_box = QWidget()
        left_box.setLayout(left)
        body.addWidget(left_box, 1)

        self.stack = QStackedWidget()
        self.none_page = make_label(tr("Pilih tujuan atau kegiatan di sebelah kiri untuk melihat dan mengubahnya."),
                                    "empty", wrap=True)
        self.none_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.goal_editor = GoalEditor()
        self.activity_editor = ActivityEditor(self.workers)
        for page in (self.none_page, self.goal_editor, self.activity_editor):
            self.stack.addWidget(page)
        for editor in (self.goal_editor, self.activity_editor):
            editor.save_button.clicked.connect(self.save_current)
            editor.revert_button.clicked.connect(self.revert_current)
            for key, widget in editor.problems.fields.items():
                if isinstance(widget, QLineEdit):
                    widget.returnPressed.connect(self.save_current)
                    widget.editingFinished.connect(lambda k=key, e=editor: self.check_field(e, k))
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)

        footer = QHBoxLayout()
        self.status_label = make_label("", "muted", wrap=True)
        self.status_label.setObjectName("planStatus")
        footer.addWidget(self.status_label, 1)
        footer.addWidget(make_label(tr("F6: pindah antara daftar dan isian · Ctrl+S: simpan"), "muted"))
        self.approve_button = self._button(footer, tr("&Setujui rencana"), "approvePlan", self.approve)
        self.revise_button = self._button(footer, tr("&Revisi rencana"), "revisePlan", self.revise)
        self.close_button = self._button(footer, tr("Tutup"), "closePlan", self.reject)
        outer.addLayout(footer)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_current)
        QShortcut(QKeySequence(Qt.Key.Key_F6), self, self.toggle_focus)
        remove = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.tree, self.remove_current)
        remove.setContext(Qt.ShortcutContext.WidgetShortcut)

    def _button(self, layout: QHBoxLayout, text: str, name: str, slot: Callable[[], Any]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        layout.addWidget(button)
        return button

    # --- loading ----------------------------------------------------------------------------------------

    @property
    def approved(self) -> bool:
        return self.plan.status == svc.PLAN_APPROVED

    def reload(self, *, select: tuple[str, uuid.UUID] | None = None) -> None:
        """Read the plan again and rebuild the tree, keeping (or moving) the selection."""
        keep = select or self.current_key()
        self.plan = svc.get_plan(self.ctx.db, self.plan_id)
        if self.assessment is not None:
            self.source_label.setText(tr("Disusun dari {asesmen}.").format(asesmen=describe(self.assessment)))
        else:
            self.source_label.setText(tr("Rencana ini tidak terkait asesmen."))
        if self.approved:
            when = _date_text(self.plan.approved_on)
            self.state_label.setText(tr("Disetujui {date}. Rencana yang disetujui hanya bisa dibaca; pilih Revisi "
                                        "rencana untuk mengubahnya.").format(date=when))
        else:
            self.state_label.setText(tr("Draf: ubah tujuan dan kegiatan, lalu Setujui rencana."))
        self._fill_unmapped()
        self.tree.blockSignals(True)
        self.tree.clear()
        target: QTreeWidgetItem | None = None
        for number, goal in enumerate(self.plan.goals, start=1):
            item = QTreeWidgetItem([f"{number}. {goal.goal}", horizon_short(goal.horizon),
                                    _date_text(goal.target_date)])
            item.setData(0, KIND_ROLE, GOAL)
            item.setData(0, ID_ROLE, goal.id)
            item.setToolTip(0, goal.goal)
            item.setToolTip(1, ref_list("intervention_horizons").label(goal.horizon))
            self._mark_gap(item, goal.id)
            self.tree.addTopLevelItem(item)
            if keep == (GOAL, goal.id):
                target = item
            for act in goal.activities:
                child = QTreeWidgetItem([act.description, self._service_short(act), _date_text(act.target_date)])
                child.setData(0, KIND_ROLE, ACTIVITY)
                child.setData(0, ID_ROLE, act.id)
                child.setToolTip(0, act.description)
                child.setToolTip(1, self._service_long(act))
                self._mark_gap(child, act.id)
                item.addChild(child)
                if keep == (ACTIVITY, act.id):
                    target = child
            item.setExpanded(True)
        self.tree.blockSignals(False)
        has_goals = bool(self.plan.goals)
        self.empty_label.setVisible(not has_goals)
        for editor in (self.goal_editor, self.activity_editor):
            editor.set_read_only(self.approved)
        self.approve_button.setVisible(not self.approved)
        self.revise_button.setVisible(self.approved)
        self.add_goal_button.setEnabled(not self.approved)
        if target is None and self.editing is None and self.tree.topLevelItemCount():
            target = self.tree.topLevelItem(0)
        if target is not None:
            self.tree.blockSignals(True)
            self.tree.setCurrentItem(target)
            self.tree.blockSignals(False)
            self._show(target)
        elif self.editing is None or self.editing[1] is not None:
            self._show(None)
        self._update_buttons()

    def _fill_unmapped(self) -> None:
        missing = [need_label(c, self.options) for c in self.unmapped_needs()]
        self.unmapped_label.setText(tr("Kebutuhan yang belum ada rencananya: {needs}. Tambahkan tujuan untuk "
                                       "kebutuhan ini dan pilih kebutuhannya di isian tujuan.").format(
            needs=", ".join(missing)))
        self.unmapped_label.setVisible(bool(missing))

    def unmapped_needs(self) -> list[str]:
        """Codes of the asesmen's needs no goal answers yet (a goal answers the need it names)."""
        planned = {g.need_code for g in self.plan.goals if g.need_code}
        return [c for c in self.needs if c not in planned]

    def _service_short(self, act: svc.ActivityDTO) -> str:
        parts = []
        if act.atensi_service:
            item = ref_list("atensi_services").get(act.atensi_service)
            number = item.extra.get("number") if item is not None else None
            parts.append(tr("ATENSI {n}").format(n=number) if number else act.atensi_service)
        if act.spm_service:
            parts.append(tr("SPM"))
        return " + ".join(parts) if parts else tr("belum dipetakan")

    def _service_long(self, act: svc.ActivityDTO) -> str:
        lines = []
        if act.atensi_service:
            line = ref_list("atensi_services").label(act.atensi_service)
            if act.atensi_subitem:
                line += f" — {need_label(act.atensi_subitem, {})}"
            lines.append(line)
        if act.spm_service:
            lines.append(tr("SPM: {service}").format(service=ref_list("spm_services").label(act.spm_service)))
        worker = next((n for w, n, _k in self.workers if w == act.responsible_worker_id), None)
        if worker:
            lines.append(tr("Penanggung jawab: {name}").format(name=worker))
        return "\n".join(lines) or tr("Belum dipetakan ke layanan")

    def _mark_gap(self, item: QTreeWidgetItem, key: uuid.UUID) -> None:
        messages = self.gaps.get(key)
        if not messages:
            return
        item.setText(0, "! " + item.text(0))
        item.setForeground(0, QBrush(QColor(GAP_COLOR)))
        item.setToolTip(0, "\n".join(messages))

    # --- selection and editors --------------------------------------------------------------------------

    def current_key(self) -> tuple[str, uuid.UUID] | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        return item.data(0, KIND_ROLE), item.data(0, ID_ROLE)

    def _find_goal(self, goal_id: uuid.UUID | None) -> tuple[int, svc.GoalDTO] | None:
        return next(((n, g) for n, g in enumerate(self.plan.goals, start=1) if g.id == goal_id), None)

    def _find_activity(self, activity_id: uuid.UUID) -> tuple[svc.GoalDTO, svc.ActivityDTO] | None:
        for goal in self.plan.goals:
            for act in goal.activities:
                if act.id == activity_id:
                    return goal, act
        return None

    def current_editor(self) -> _Editor | None:
        page = self.stack.currentWidget()
        return page if isinstance(page, _Editor) else None

    def _current_changed(self, current: QTreeWidgetItem | None, previous: QTreeWidgetItem | None) -> None:
        """Leaving an item saves its edits first; when they cannot be saved the selection stays."""
        if not self._leave():
            self.tree.blockSignals(True)
            self.tree.setCurrentItem(previous)  # type: ignore[arg-type]
            self.tree.blockSignals(False)
            return
        self._show(current)

    def _leave(self) -> bool:
        editor = self.current_editor()
        if editor is None or not editor.dirty:
            return True
        return self.save_current(reload=False)

    def _show(self, item: QTreeWidgetItem | None) -> None:
        if item is None:
            self.editing = None
            self.stack.setCurrentWidget(self.none_page)
        elif item.data(0, KIND_ROLE) == GOAL:
            found = self._find_goal(item.data(0, ID_ROLE))
            if found is None:
                return
            number, goal = found
            self.editing = (GOAL, goal.id, goal.id)
            self.goal_editor.load(goal, number)
            self.stack.setCurrentWidget(self.goal_editor)
        else:
            pair = self._find_activity(item.data(0, ID_ROLE))
            if pair is None:
                return
            goal, act = pair
            self.editing = (ACTIVITY, act.id, goal.id)
            self.activity_editor.load(act, goal)
            self.stack.setCurrentWidget(self.activity_editor)
        self._update_buttons()

    def _update_buttons(self) -> None:
        editable = not self.approved
        key = self.current_key()
        self.add_goal_button.setEnabled(editable)
        self.add_activity_button.setEnabled(editable and (key is not None or self.editing is not None)
                                            and self._goal_for_new_activity() is not None)
        self.remove_button.setEnabled(editable and key is not None)

    def _goal_for_new_activity(self) -> uuid.UUID | None:
        if self.editing is not None and self.editing[2] is not None:
            return self.editing[2]
        key = self.current_key()
        if key is None:
            return None
        if key[0] == GOAL:
            return key[1]
        pair = self._find_activity(key[1])
        return pair[0].id if pair else None

    @Slot()
    def new_goal(self) -> None:
        if self.approved or not self._leave():
            return
        self.tree.blockSignals(True)
        self.tree.setCurrentItem(None)  # type: ignore[arg-type]
        self.tree.clearSelection()
        self.tree.blockSignals(False)
        self.editing = (GOAL, None, None)
        self.goal_editor.load(None)
        self.stack.setCurrentWidget(self.goal_editor)
        self.status_label.setText(tr("Isi tujuan baru, lalu Simpan tujuan."))
        self._update_buttons()
        self.goal_editor.goal_edit.setFocus()

    @Slot()
    def new_activity(self) -> None:
        goal_id = self._goal_for_new_activity()
        if self.approved or goal_id is None or not self._leave():
            return
        found = self._find_goal(goal_id)
        if found is None:
            return
        self.editing = (ACTIVITY, None, goal_id)
        self.activity_editor.load(None, found[1])
        self.stack.setCurrentWidget(self.activity_editor)
        self.status_label.setText(tr("Isi kegiatan baru, lalu Simpan kegiatan."))
        self._update_buttons()
        self.activity_editor.description_edit.setFocus()

    def check_field(self, editor: _Editor, key: str) -> None:
        """The engine's verdict on one field as the user leaves it (other fields are judged on save)."""
        if editor.read_only or self.current_editor() is not editor:
            return
        validate = svc.validate_goal if editor is self.goal_editor else svc.validate_activity
        try:
            validate(editor.values())
        except ValidationError as exc:
            editor.problems.show(exc.problems, only={key})
        else:
            editor.problems.show({}, only={key})

    @Slot()
    def save_current(self, *, reload: bool = True) -> bool:
        """Save the editor's changes through the engine; problems go under their fields, nothing is saved."""
        editor = self.current_editor()
        if editor is None or self.editing is None or editor.read_only:
            return True
        kind, row_id, goal_id = self.editing
        editor.problems.show({})
        try:
            if kind == GOAL and row_id is None:
                saved = svc.add_goal(self.ctx.db, self.plan_id, self.goal_editor.values())
                done, select = tr("Tujuan ditambahkan."), (GOAL, saved.id)
            elif kind == GOAL:
                changes = self.goal_editor.changes()
                if not changes:
                    return True
                svc.update_goal(self.ctx.db, row_id, changes)
                done, select = tr("Tujuan disimpan."), (GOAL, row_id)
            elif row_id is None:
                saved_act = svc.add_activity(self.ctx.db, goal_id, self.activity_editor.values())
                done, select = tr("Kegiatan ditambahkan."), (ACTIVITY, saved_act.id)
            else:
                changes = self.activity_editor.changes()
                if not changes:
                    return True
                svc.update_activity(self.ctx.db, row_id, changes)
                done, select = tr("Kegiatan disimpan."), (ACTIVITY, row_id)
        except ValidationError as exc:
            first = editor.problems.show(exc.problems)
            if first is not None:
                first.setFocus()
            self.status_label.setText(tr("Belum disimpan: perbaiki isian yang ditandai merah."))
            return False
        except AtensiError as exc:
            editor.general_error.setText(error_text(exc))
            editor.general_error.show()
            self.status_label.setText(tr("Belum disimpan."))
            return False
        self.gaps.pop(row_id, None)
        if kind == ACTIVITY:
            self.gaps.pop(goal_id, None)
        self._refresh_gap_list()
        editor.remember()
        self.status_label.setText(done)
        if reload:
            self.editing = None
            self.reload(select=select)
        else:  # moving to another item: rebuild the tree once the move is done
            self.plan = svc.get_plan(self.ctx.db, self.plan_id)
            self._fill_unmapped()
            QTimer.singleShot(0, self, self._deferred_reload)
        return True

    def _deferred_reload(self) -> None:
        editor = self.current_editor()
        if editor is None or not editor.dirty:
            self.reload()

    @Slot()
    def revert_current(self) -> None:
        editor = self.current_editor()
        if editor is None or self.editing is None:
            return
        kind, row_id, goal_id = self.editing
        if row_id is None:
            self.editing = None
            self.reload()
            return
        item = self.tree.currentItem()
        editor.problems.show({})
        self._show(item)
        self.status_label.setText(tr("Perubahan dibatalkan."))

    def focus_editor(self) -> None:
        editor = self.current_editor()
        if editor is not None:
            editor.first_field().setFocus()

    @Slot()
    def toggle_focus(self) -> None:
        editor = self.current_editor()
        focus = QApplication.focusWidget()
        if editor is not None and (focus is None or not editor.isAncestorOf(focus)):
            editor.first_field().setFocus()
        else:
            self.tree.setFocus()

    # --- remove, approve, revise ------------------------------------------------------------------------

    @Slot()
    def remove_current(self) -> None:
        key = self.current_key()
        if key is None or self.approved:
            return
        kind, row_id = key
        if kind == GOAL:
            found = self._find_goal(row_id)
            if found is None:
                return
            goal = found[1]
            text = tr("Hapus tujuan \u201c{goal}\u201d beserta {n} kegiatannya dari rencana ini?").format(
                goal=goal.goal, n=len(goal.activities)) if goal.activities else \
                tr("Hapus tujuan \u201c{goal}\u201d dari rencana ini?").format(goal=goal.goal)
            if not self.confirm(tr("Hapus tujuan"), text):
                return
            action, done = (lambda: svc.archive_goal(self.ctx.db, row_id)), tr("Tujuan dihapus dari rencana.")
        else:
            pair = self._find_activity(row_id)
            if pair is None:
                return
            if not self.confirm(tr("Hapus kegiatan"), tr("Hapus kegiatan \u201c{activity}\u201d dari rencana ini?")
                                .format(activity=pair[1].description)):
                return
            action, done = (lambda: svc.archive_activity(self.ctx.db, row_id)), tr("Kegiatan dihapus dari rencana.")
        try:
            action()
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.editing = None
        self.gaps.pop(row_id, None)
        self._refresh_gap_list()
        self.reload(select=None if kind == GOAL else (GOAL, pair[0].id))
        self.status_label.setText(done)
        self.tree.setFocus()

    @Slot()
    def approve(self) -> None:
        if self.approved or not self._leave():
            return
        try:
            svc.approve_plan(self.ctx.db, self.plan_id, worker_id=self.worker_id)
        except ValidationError as exc:
            self.gaps = {}
            for key, message in exc.problems.items():
                parts = key.split(":")
                row = uuid.UUID(parts[1]) if len(parts) > 1 else None
                self.gaps.setdefault(row, []).append(message)
            self._refresh_gap_list()
            self.reload()
            self.status_label.setText(tr("Rencana belum bisa disetujui: lengkapi yang ditandai !, lalu setujui lagi."))
            self.gap_list.setCurrentRow(0)
            return
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.gaps = {}
        self._refresh_gap_list()
        self.editing = None
        self.reload()
        self.status_label.setText(tr("Rencana disetujui."))
        self.tree.setFocus()

    @Slot()
    def revise(self) -> None:
        if not self.approved:
            return
        try:
            svc.revise_plan(self.ctx.db, self.plan_id)
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.editing = None
        self.reload()
        self.status_label.setText(tr("Rencana dikembalikan ke draf dan bisa diubah lagi."))

    def _refresh_gap_list(self) -> None:
        self.gap_list.clear()
        for key, messages in self.gaps.items():
            for message in messages:
                item = QListWidgetItem(message)
                item.setData(ID_ROLE, key)
                self.gap_list.addItem(item)
        self.gap_list.setVisible(self.gap_list.count() > 0)
        self.gap_title.setVisible(self.gap_list.count() > 0)

    def _gap_activated(self, item: QListWidgetItem) -> None:
        key = item.data(ID_ROLE)
        found = self._tree_item(key)
        if found is not None:
            self.tree.setCurrentItem(found)
            self.focus_editor()

    def _tree_item(self, row_id: uuid.UUID | None) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top.data(0, ID_ROLE) == row_id:
                return top
            for j in range(top.childCount()):
                if top.child(j).data(0, ID_ROLE) == row_id:
                    return top.child(j)
        return None

    def gap_messages(self) -> list[str]:
        return [self.gap_list.item(i).text() for i in range(self.gap_list.count())]

    # --- closing ----------------------------------------------------------------------------------------

    def reject(self) -> None:
        """Esc or Tutup: pending edits are saved first; edits that cannot be saved are kept unless the user
        chooses to throw them away."""
        editor = self.current_editor()
        if editor is not None and editor.dirty and not self.save_current(reload=False) and not self.confirm(
                tr("Perubahan belum disimpan"),
                tr("Isian ini belum bisa disimpan (lihat tanda merah). Tutup tanpa menyimpan perubahan ini?")):
            return
        super().reject()

    def confirm(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=self)
        yes = box.addButton(tr("&Ya"), QMessageBox.ButtonRole.YesRole)
        no = box.addButton(tr("&Tidak"), QMessageBox.ButtonRole.NoRole)
        box.setDefaultButton(no)
        box.exec()
        return box.clickedButton() is yes


def open_plan(parent: QWidget | None, ctx: AppContext, plan_id: uuid.UUID, *,
              worker_id: uuid.UUID | None = None) -> InterventionPlanDialog | None:
    """Show a plan (window-modal, not blocking); None when it cannot be read (the error is shown)."""
    try:
        dialog = InterventionPlanDialog(ctx, plan_id, parent, worker_id=worker_id)
    except AtensiError as exc:
        show_error(parent, exc)
        return None
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def plan_label(plan: svc.PlanDTO | None) -> str:
    """'Belum ada' / 'Draf (3 tujuan)' / 'Disetujui 05-04-2026 (3 tujuan)' for the asesmen list."""
    if plan is None:
        return tr("Belum ada")
    goals = tr("{n} tujuan").format(n=len(plan.goals))
    if plan.status == svc.PLAN_APPROVED and plan.approved_on is not None:
        return tr("Disetujui {date} ({goals})").format(date=format_date_short(plan.approved_on), goals=goals)
    return f"{plan.status_label} ({goals})"
