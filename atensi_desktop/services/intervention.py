"""Rencana intervensi: drafted from a finished asesmen's needs, edited goal by goal, then approved.

A plan holds goals (tujuan, sasaran, jangka waktu, target date, success indicators) and each goal holds
activities mapped to the 7 ATENSI service components (refdata `atensi_services`, with an optional subitem)
and/or the SPM basic-need services (refdata `spm_services`), with method, responsible worker, acting team
and target date. Goals and activities are keyed rows (sync-design.md §2.2): each its own UUID and registers.

Drafting reads the need codes from the asesmen (`needs_reader`, default: the answers of the "kebutuhan"
section) and turns each into a goal with activities (`needs_mapper`, default `default_needs_mapper`, keyed
by refdata codes). Both are parameters so the forms engine or an office can supply their own.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import (
    Assessment,
    AssessmentSection,
    ClientCase,
    InterventionActivity,
    InterventionGoal,
    InterventionPlan,
)
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.i18n import N_, _
from atensi_desktop.refdata import ref_list
from atensi_desktop.security import guard
from atensi_desktop.security.roles import CASE_EDIT, CLIENT_VIEW
from atensi_desktop.services.casework_common import check_worker
from atensi_desktop.sync.ids import uuid7

PLAN_DRAFT = "draf"
PLAN_APPROVED = "disetujui"
PLAN_STATUSES = {PLAN_DRAFT: N_("Draf"), PLAN_APPROVED: N_("Disetujui")}
GOAL_STATUSES = {"direncanakan": N_("Direncanakan"), "berjalan": N_("Berjalan"), "tercapai": N_("Tercapai"),
                 "tidak_tercapai": N_("Tidak tercapai"), "dibatalkan": N_("Dibatalkan")}
ACTIVITY_STATUSES = {"direncanakan": N_("Direncanakan"), "berjalan": N_("Berjalan"), "selesai": N_("Selesai"),
                     "dibatalkan": N_("Dibatalkan")}
NEEDS_SECTION = "kebutuhan"
GOAL_FIELDS = ("goal", "objective", "horizon", "target_date", "success_indicators", "status", "need_code")
ACTIVITY_FIELDS = ("description", "atensi_service", "atensi_subitem", "spm_service", "method",
                   "responsible_worker_id", "team", "target_date", "status")


# --- what a need turns into ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ActivityDraft:
    description: str
    atensi_service: str | None = None
    atensi_subitem: str | None = None
    spm_service: str | None = None
    method: str | None = None


@dataclass(frozen=True)
class GoalDraft:
    goal: str
    horizon: str
    activities: tuple[ActivityDraft, ...] = ()
    objective: str | None = None
    success_indicators: str | None = None


NeedsMapper = Callable[[str], GoalDraft | None]
NeedsReader = Callable[[Mapping[str, Mapping[str, Any]]], Sequence[str]]

# SPM basic-need service -> (ATENSI component, subitem) and horizon. The SPM list (seed 004) gives no
# component; assigning each to one of the 7 components is this app's inference (domain.md §1.1, §3.5).
_SPM_TO_ATENSI: dict[str, tuple[str, str | None, str]] = {
    "permakanan": ("kebutuhan_hidup_layak", "permakanan", "segera"),
    "sandang": ("kebutuhan_hidup_layak", "sandang", "segera"),
    "alat_bantu": ("kebutuhan_hidup_layak", "alat_bantu", "pendek"),
    "perbekalan_kesehatan": ("kebutuhan_hidup_layak", None, "segera"),
    "bimbingan_fisik_mental_sosial": ("terapi", None, "menengah"),
    "bimbingan_sosial_keluarga": ("dukungan_keluarga", None, "menengah"),
    "fasilitasi_adminduk": ("dukungan_aksesibilitas", None, "pendek"),
    "akses_pendidikan_kesehatan": ("dukungan_aksesibilitas", None, "pendek"),
    "penelusuran_keluarga": ("dukungan_keluarga", "reunifikasi_keluarga", "pendek"),
    "reunifikasi_reintegrasi": ("dukungan_keluarga", "reunifikasi_keluarga", "menengah"),
    "rujukan": ("dukungan_aksesibilitas", None, "segera"),
}
_COMPONENT_HORIZON = {"kebutuhan_hidup_layak": "segera", "perawatan_pengasuhan": "menengah",
                      "dukungan_keluarga": "menengah", "terapi": "menengah", "vokasional_kewirausahaan": "panjang",
                      "bantuan_asistensi_sosial": "pendek", "dukungan_aksesibilitas": "pendek"}


def _indicator(label: str) -> str:
    return _("{need} diterima klien sesuai hasil asesmen dan tercatat di log layanan.").format(need=label)


def default_needs_mapper(code: str) -> GoalDraft | None:
    """A goal with one activity for a need code of refdata `spm_services` (an SPM basic need), of
    `atensi_services` (one of the 7 components) or of a component's subitem; None for an unknown code."""
    spm = ref_list("spm_services").get(code)
    atensi = ref_list("atensi_services")
    if spm is not None:
        component, subitem, horizon = _SPM_TO_ATENSI.get(code, (None, None, "pendek"))
        return GoalDraft(
            goal=_("Kebutuhan {need} klien terpenuhi.").format(need=spm.label.lower()), horizon=horizon,
            success_indicators=_indicator(spm.label),
            activities=(ActivityDraft(description=spm.label, atensi_service=component, atensi_subitem=subitem,
                                      spm_service=code),))
    item = atensi.get(code)
    if item is not None:
        return GoalDraft(
            goal=_("Klien mendapat {service}.").format(service=item.label.lower()),
            horizon=_COMPONENT_HORIZON.get(code, "pendek"), success_indicators=_indicator(item.label),
            activities=(ActivityDraft(description=item.label, atensi_service=code),))
    for component in atensi.items:
        for sub in component.extra.get("subitems", ()):
            if sub["code"] == code:
                return GoalDraft(
                    goal=_("Klien mendapat {service}.").format(service=sub["label"].lower()),
                    horizon=_COMPONENT_HORIZON.get(component.code, "pendek"),
                    success_indicators=_indicator(sub["label"]),
                    activities=(ActivityDraft(description=sub["label"], atensi_service=component.code,
                                              atensi_subitem=code),))
    return None


_HORIZON_ORDER = ("segera", "pendek", "menengah", "panjang")


def mapper_from_links(links: Mapping[str, tuple[str, Mapping[str, Sequence[str]]]],
                      fallback: NeedsMapper = default_needs_mapper) -> NeedsMapper:
    """A needs mapper for a form whose need options name their services: `links` maps an option code to
    (its label, {"atensi_services": [component codes], "spm_services": [SPM codes]}) — the `maps_to` of a
    form option. Each linked SPM service becomes an activity (with its ATENSI component), each linked
    component not covered by one of those another; the goal's horizon is the soonest of theirs. Codes not
    in `links` go to `fallback` (refdata codes)."""

    def mapper(code: str) -> GoalDraft | None:
        if code not in links:
            return fallback(code)
        label, maps_to = links[code]
        components = [c for c in maps_to.get("atensi_services", ()) if c in ref_list("atensi_services")]
        activities: list[ActivityDraft] = []
        horizons: list[str] = []
        for spm in maps_to.get("spm_services", ()):
            draft = default_needs_mapper(spm) if spm in ref_list("spm_services") else None
            if draft is None:
                continue
            act = draft.activities[0]
            if components and act.atensi_service not in components:  # the form's own link wins
                act = replace(act, atensi_service=components[0], atensi_subitem=None)
            activities.append(act)
            horizons.append(draft.horizon)
        covered = {a.atensi_service for a in activities}
        for component in components:
            if component not in covered:
                draft = default_needs_mapper(component)
                activities.append(draft.activities[0])
                horizons.append(draft.horizon)
        if not activities:
            return None
        horizon = min(horizons, key=_HORIZON_ORDER.index)
        return GoalDraft(goal=_("Kebutuhan klien terpenuhi: {need}.").format(need=label.lower()), horizon=horizon,
                         success_indicators=_indicator(label), activities=tuple(activities))

    return mapper


def read_needs(sections: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The need codes of an asesmen: every text answer, or item of a list answer, of the "kebutuhan"
    section, in answer order, each once."""
    found: list[str] = []
    for value in (sections.get(NEEDS_SECTION) or {}).values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and item.strip() and item.strip() not in found:
                found.append(item.strip())
    return found


# --- what callers get back -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ActivityDTO:
    id: uuid.UUID
    goal_id: uuid.UUID
    position: int
    description: str
    atensi_service: str | None
    atensi_subitem: str | None
    spm_service: str | None
    method: str | None
    responsible_worker_id: uuid.UUID | None
    team: str | None
    target_date: dt.date | None
    status: str


@dataclass(frozen=True)
class GoalDTO:
    id: uuid.UUID
    position: int
    need_code: str | None
    goal: str
    objective: str | None
    horizon: str
    target_date: dt.date | None
    success_indicators: str | None
    status: str
    activities: tuple[ActivityDTO, ...] = ()

    @property
    def horizon_label(self) -> str:
        return ref_list("intervention_horizons").label(self.horizon)


@dataclass(frozen=True)
class PlanDTO:
    id: uuid.UUID
    client_id: uuid.UUID
    case_id: uuid.UUID | None
    assessment_id: uuid.UUID | None
    status: str
    approved_on: dt.date | None
    approved_by: uuid.UUID | None
    note: str | None
    archived: bool
    goals: tuple[GoalDTO, ...] = ()
    unmapped_needs: tuple[str, ...] = field(default=(), compare=False)  # only from draft_plan_from_assessment

    @property
    def status_label(self) -> str:
        return _(PLAN_STATUSES.get(self.status, self.status))


class PlanExistsError(UserError):
    def __init__(self, plan_id: uuid.UUID) -> None:
        super().__init__(_("Asesmen ini sudah punya rencana intervensi."),
                         hint=_("Buka rencana itu dan ubah di sana."))
        self.plan_id = plan_id


# --- draft from an asesmen -------------------------------------------------------------------------------

def draft_plan_from_assessment(db: Database, assessment_id: uuid.UUID,
                               needs_mapper: NeedsMapper = default_needs_mapper, *,
                               needs_reader: NeedsReader = read_needs, worker_id: uuid.UUID | None = None,
                               today: dt.date | None = None) -> PlanDTO:
    """A draft plan for a finished asesmen: one goal per need the mapper knows (in the asesmen's order) with
    its activities; the responsible worker is `worker_id`, else the case's worker. Needs the mapper does
    not know come back in `unmapped_needs` for the worker to plan by hand."""
    guard.check_row(db, CASE_EDIT, Assessment, assessment_id)
    today = today or dt.date.today()
    with db.session() as s:
        assessment = s.get(Assessment, assessment_id)
        if assessment is None or assessment.deleted:
            raise NotFoundError(_("Asesmen tidak ditemukan."), hint=_("Buka lagi daftar asesmen klien."))
        if assessment.status != "selesai":
            raise UserError(_("Asesmen ini belum selesai."),
                            hint=_("Selesaikan asesmen dulu, lalu susun rencana intervensi."))
        existing = s.scalar(select(InterventionPlan.id).where(
            InterventionPlan.assessment_id == assessment_id, InterventionPlan.deleted == false()).limit(1))
        if existing is not None:
            raise PlanExistsError(existing)
        sections = {r.section_id: dict(r.answers or {}) for r in s.scalars(select(AssessmentSection).where(
            AssessmentSection.assessment_id == assessment_id, AssessmentSection.deleted == false()))}
        responsible = worker_id
        if responsible is None and assessment.case_id is not None:
            responsible = s.scalar(select(ClientCase.worker_id).where(ClientCase.id == assessment.case_id))
        plan = InterventionPlan(id=uuid7(), client_id=assessment.client_id, case_id=assessment.case_id,
                                assessment_id=assessment.id, status=PLAN_DRAFT)
        s.add(plan)
        unmapped: list[str] = []
        position = 0
        for code in needs_reader(sections):
            draft = needs_mapper(code)
            if draft is None:
                unmapped.append(code)
                continue
            target = horizon_target(draft.horizon, today)
            goal = InterventionGoal(id=uuid7(), plan_id=plan.id, position=position, need_code=code, goal=draft.goal,
                                    objective=draft.objective, horizon=draft.horizon, target_date=target,
                                    success_indicators=draft.success_indicators, status="direncanakan")
            position += 1
            s.add(goal)
            for i, act in enumerate(draft.activities):
                s.add(InterventionActivity(
                    plan_id=plan.id, goal_id=goal.id, position=i, description=act.description,
                    atensi_service=act.atensi_service, atensi_subitem=act.atensi_subitem,
                    spm_service=act.spm_service, method=act.method, responsible_worker_id=responsible,
                    target_date=target, status="direncanakan"))
        s.flush()
        dto = _plan_dto(s, plan)
    return replace(dto, unmapped_needs=tuple(unmapped))


def draft_plan_from_form(db: Database, assessment_id: uuid.UUID, *, worker_id: uuid.UUID | None = None,
                         today: dt.date | None = None) -> PlanDTO:
    """The draft plan of a finished asesmen read with its own form version: the needs are the options chosen
    in the form's needs checklist (never its free text), each mapped through the option's `maps_to`
    (`forms.needs`); codes the form does not link fall back to refdata codes. A form version that is no
    longer shipped falls back to `read_needs` and `default_needs_mapper`."""
    guard.check_row(db, CASE_EDIT, Assessment, assessment_id)
    from atensi_desktop.errors import AtensiError
    from atensi_desktop.forms import shipped_forms
    from atensi_desktop.forms.needs import chosen_needs, need_options

    with db.session() as s:
        row = s.get(Assessment, assessment_id)
        form_ref = (row.form_id, row.form_version) if row is not None and not row.deleted else None
    if form_ref is None:
        raise NotFoundError(_("Asesmen tidak ditemukan."), hint=_("Buka lagi daftar asesmen klien."))
    try:
        form = shipped_forms().get(form_ref[0], int(form_ref[1]))
    except (AtensiError, ValueError):
        form = None
    if form is None:
        return draft_plan_from_assessment(db, assessment_id, worker_id=worker_id, today=today)
    return draft_plan_from_assessment(db, assessment_id, mapper_from_links(need_options(form)), worker_id=worker_id,
                                      today=today, needs_reader=lambda sections: chosen_needs(form, sections))


def horizon_target(horizon: str, start: dt.date) -> dt.date:
    """The default target date of a horizon (refdata `default_months` after `start`)."""
    item = ref_list("intervention_horizons").get(horizon)
    months = int(item.extra.get("default_months", 3)) if item is not None else 3
    return add_months(start, months)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- read ------------------------------------------------------------------------------------------------

def get_plan(db: Database, plan_id: uuid.UUID) -> PlanDTO:
    guard.check_row(db, CLIENT_VIEW, InterventionPlan, plan_id)
    with db.session() as s:
        plan = s.get(InterventionPlan, plan_id)
        if plan is None:
            raise _plan_not_found()
        return _plan_dto(s, plan)


def plans_for_client(db: Database, client_id: uuid.UUID, *, include_archived: bool = False) -> list[PlanDTO]:
    guard.check(db, CLIENT_VIEW, client_id=client_id)
    query = select(InterventionPlan).where(InterventionPlan.client_id == client_id)
    if not include_archived:
        query = query.where(InterventionPlan.deleted == false())
    with db.session() as s:
        plans = sorted(s.scalars(query), key=lambda p: p.created_at, reverse=True)
        return [_plan_dto(s, p) for p in plans]


# --- edit goals and activities ---------------------------------------------------------------------------

def add_goal(db: Database, plan_id: uuid.UUID, values: Mapping[str, Any]) -> GoalDTO:
    """Add a goal (keys of GOAL_FIELDS; `goal` and `horizon` required) at the end of the plan."""
    guard.check_row(db, CASE_EDIT, InterventionPlan, plan_id)
    with db.session() as s:
        plan = _editable_plan(s, plan_id)
        clean = validate_goal({"status": "direncanakan", **values})
        last = s.scalars(select(InterventionGoal.position).where(InterventionGoal.plan_id == plan.id)
                         .order_by(InterventionGoal.position.desc()).limit(1)).first()
        goal = InterventionGoal(plan_id=plan.id, position=(last + 1) if last is not None else 0, **clean)
        s.add(goal)
        s.flush()
        return _goal_dto(goal, [])


def update_goal(db: Database, goal_id: uuid.UUID, changes: Mapping[str, Any]) -> GoalDTO:
    """Change some fields of a goal; on an approved plan only its `status` (progress) may change."""
    guard.check_row(db, CASE_EDIT, InterventionGoal, goal_id)
    with db.session() as s:
        goal = _live(s, InterventionGoal, goal_id)
        _check_change_allowed(s, goal.plan_id, changes)
        current = {k: getattr(goal, k) for k in GOAL_FIELDS}
        clean = validate_goal(current | dict(changes))
        for key in changes:
            if getattr(goal, key) != clean[key]:
                setattr(goal, key, clean[key])
        s.flush()
        return _goal_dto(goal, _activities(s, [goal.id]).get(goal.id, []))


def archive_goal(db: Database, goal_id: uuid.UUID) -> None:
    """Tombstone a goal of a draft plan; its activities are hidden with it (and kept)."""
    guard.check_row(db, CASE_EDIT, InterventionGoal, goal_id)
    with db.session() as s:
        goal = _live(s, InterventionGoal, goal_id)
        _editable_plan(s, goal.plan_id)
        goal.deleted = True


def add_activity(db: Database, goal_id: uuid.UUID, values: Mapping[str, Any]) -> ActivityDTO:
    guard.check_row(db, CASE_EDIT, InterventionGoal, goal_id)
    with db.session() as s:
        goal = _live(s, InterventionGoal, goal_id)
        _editable_plan(s, goal.plan_id)
        clean = validate_activity({"status": "direncanakan", **values})
        check_worker(s, clean.get("responsible_worker_id"), "responsible_worker_id")
        last = s.scalars(select(InterventionActivity.position).where(InterventionActivity.goal_id == goal.id)
                         .order_by(InterventionActivity.position.desc()).limit(1)).first()
        act = InterventionActivity(plan_id=goal.plan_id, goal_id=goal.id,
                                   position=(last + 1) if last is not None else 0, **clean)
        s.add(act)
        s.flush()
        return _activity_dto(act)


def update_activity(db: Database, activity_id: uuid.UUID, changes: Mapping[str, Any]) -> ActivityDTO:
    guard.check_row(db, CASE_EDIT, InterventionActivity, activity_id)
    with db.session() as s:
        act = _live(s, InterventionActivity, activity_id)
        _check_change_allowed(s, act.plan_id, changes)
        current = {k: getattr(act, k) for k in ACTIVITY_FIELDS}
        clean = validate_activity(current | dict(changes))
        if "responsible_worker_id" in changes:
            check_worker(s, clean.get("responsible_worker_id"), "responsible_worker_id")
        for key in changes:
            if getattr(act, key) != clean[key]:
                setattr(act, key, clean[key])
        s.flush()
        return _activity_dto(act)


def archive_activity(db: Database, activity_id: uuid.UUID) -> None:
    guard.check_row(db, CASE_EDIT, InterventionActivity, activity_id)
    with db.session() as s:
        act = _live(s, InterventionActivity, activity_id)
        _editable_plan(s, act.plan_id)
        act.deleted = True


# --- approve, revise, archive ----------------------------------------------------------------------------

def approve_plan(db: Database, plan_id: uuid.UUID, *, worker_id: uuid.UUID | None = None,
                 approved_on: dt.date | None = None) -> PlanDTO:
    """Approve a draft plan. Refused (ValidationError naming each gap) while the plan has no goal, a goal
    has no activity, or an activity has no responsible worker or no ATENSI/SPM service."""
    guard.check_row(db, CASE_EDIT, InterventionPlan, plan_id)
    with db.session() as s:
        plan = _editable_plan(s, plan_id)
        dto = _plan_dto(s, plan)
        problems: dict[str, str] = {}
        if not dto.goals:
            problems["goals"] = _("Rencana ini belum punya tujuan; tambahkan paling sedikit satu tujuan.")
        for goal in dto.goals:
            if not goal.activities:
                problems[f"goal:{goal.id}"] = _("Tujuan \u201c{goal}\u201d belum punya kegiatan.").format(
                    goal=goal.goal)
            for act in goal.activities:
                if act.responsible_worker_id is None:
                    problems[f"activity:{act.id}:responsible_worker_id"] = _(
                        "Kegiatan \u201c{activity}\u201d belum punya petugas penanggung jawab.").format(
                        activity=act.description)
                if act.atensi_service is None and act.spm_service is None:
                    problems[f"activity:{act.id}:service"] = _(
                        "Kegiatan \u201c{activity}\u201d belum dipetakan ke layanan ATENSI atau SPM.").format(
                        activity=act.description)
        if problems:
            raise ValidationError(problems)
        plan.status = PLAN_APPROVED
        plan.approved_on = approved_on or dt.date.today()
        plan.approved_by = worker_id
        s.flush()
        return _plan_dto(s, plan)


def revise_plan(db: Database, plan_id: uuid.UUID) -> PlanDTO:
    """Back to draft, so goals and activities can be changed (the approval stays in the history)."""
    guard.check_row(db, CASE_EDIT, InterventionPlan, plan_id)
    with db.session() as s:
        plan = _live(s, InterventionPlan, plan_id)
        if plan.status != PLAN_DRAFT:
            plan.status = PLAN_DRAFT
            plan.approved_on = None
            plan.approved_by = None
        s.flush()
        return _plan_dto(s, plan)


def archive_plan(db: Database, plan_id: uuid.UUID) -> None:
    """Tombstone the plan (its goals and activities are hidden with it, and kept)."""
    guard.check_row(db, CASE_EDIT, InterventionPlan, plan_id)
    with db.session() as s:
        _live(s, InterventionPlan, plan_id).deleted = True


# --- validation ------------------------------------------------------------------------------------------

def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split()) if "\n" not in str(value) else str(value).strip()
    return text or None


def _date(value: Any, key: str, problems: dict[str, str]) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text) if text[4:5] == "-" else dt.datetime.strptime(text, "%d-%m-%Y").date()
    except ValueError:
        problems[key] = _("Tanggal tidak dikenali; tulis sebagai hari-bulan-tahun, misalnya 05-03-2026.")
        return None


def validate_goal(values: Mapping[str, Any]) -> dict[str, Any]:
    """The one rule for a goal: text of 3+ letters, a known horizon and status, a real date."""
    problems: dict[str, str] = {}
    clean = {k: _text(values.get(k)) for k in ("goal", "objective", "success_indicators", "need_code")}
    if not clean["goal"] or len(clean["goal"]) < 3:
        problems["goal"] = _("Tulis tujuannya (paling sedikit 3 huruf).")
    horizon = values.get("horizon")
    if horizon not in ref_list("intervention_horizons"):
        problems["horizon"] = _("Pilih jangka waktu: segera, jangka pendek, jangka menengah atau jangka panjang.")
    status = values.get("status") or "direncanakan"
    if status not in GOAL_STATUSES:
        problems["status"] = _("Status tujuan tidak dikenali; pilih dari daftar.")
    clean.update(horizon=horizon, status=status, target_date=_date(values.get("target_date"), "target_date",
                                                                   problems))
    unknown = set(values) - set(GOAL_FIELDS)
    if unknown:
        raise TypeError(f"unknown goal fields: {sorted(unknown)}")
    if problems:
        raise ValidationError(problems)
    return clean


def validate_activity(values: Mapping[str, Any]) -> dict[str, Any]:
    """The one rule for an activity: a description, known ATENSI component/subitem and SPM codes."""
    problems: dict[str, str] = {}
    clean = {k: _text(values.get(k)) for k in ("description", "method", "team", "atensi_service",
                                               "atensi_subitem", "spm_service")}
    if not clean["description"] or len(clean["description"]) < 3:
        problems["description"] = _("Tulis kegiatannya (paling sedikit 3 huruf).")
    atensi = ref_list("atensi_services")
    component = clean["atensi_service"]
    if component is not None and component not in atensi:
        problems["atensi_service"] = _("Komponen layanan ATENSI tidak dikenali; pilih dari daftar.")
    sub = clean["atensi_subitem"]
    if sub is not None:
        item = atensi.get(component) if component else None
        if item is None or sub not in {x["code"] for x in item.extra.get("subitems", ())}:
            problems["atensi_subitem"] = _("Rincian layanan ini bukan bagian dari komponen ATENSI yang dipilih.")
    if clean["spm_service"] is not None and clean["spm_service"] not in ref_list("spm_services"):
        problems["spm_service"] = _("Layanan SPM tidak dikenali; pilih dari daftar.")
    status = values.get("status") or "direncanakan"
    if status not in ACTIVITY_STATUSES:
        problems["status"] = _("Status kegiatan tidak dikenali; pilih dari daftar.")
    worker = values.get("responsible_worker_id")
    if worker is not None and not isinstance(worker, uuid.UUID):
        try:
            worker = uuid.UUID(str(worker))
        except ValueError:
            problems["responsible_worker_id"] = _("Petugas penanggung jawab tidak dikenali; pilih dari daftar.")
            worker = None
    clean.update(status=status, responsible_worker_id=worker,
                 target_date=_date(values.get("target_date"), "target_date", problems))
    unknown = set(values) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown activity fields: {sorted(unknown)}")
    if problems:
        raise ValidationError(problems)
    return clean


# --- helpers ---------------------------------------------------------------------------------------------

def _plan_not_found() -> NotFoundError:
    return NotFoundError(_("Rencana intervensi tidak ditemukan."), hint=_("Buka lagi daftar rencana klien."))


def _live(s: Session, model: type, row_id: uuid.UUID) -> Any:
    row = s.get(model, row_id)
    if row is None or row.deleted:
        if model is InterventionPlan:
            raise _plan_not_found()
        raise NotFoundError(_("Bagian rencana ini tidak ditemukan (mungkin sudah diarsipkan)."),
                            hint=_("Buka lagi rencana intervensinya."))
    return row


def _editable_plan(s: Session, plan_id: uuid.UUID) -> InterventionPlan:
    plan = _live(s, InterventionPlan, plan_id)
    if plan.status == PLAN_APPROVED:
        raise UserError(_("Rencana ini sudah disetujui dan tidak bisa diubah."),
                        hint=_("Kembalikan rencana ke draf dulu bila perlu diubah."))
    return plan


def _check_change_allowed(s: Session, plan_id: uuid.UUID, changes: Mapping[str, Any]) -> None:
    plan = _live(s, InterventionPlan, plan_id)
    if plan.status == PLAN_APPROVED and set(changes) - {"status"}:
        _editable_plan(s, plan_id)


def _activities(s: Session, goal_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ActivityDTO]]:
    if not goal_ids:
        return {}
    rows = s.scalars(select(InterventionActivity).where(
        InterventionActivity.goal_id.in_(list(goal_ids)), InterventionActivity.deleted == false())
        .order_by(InterventionActivity.position, InterventionActivity.id))
    found: dict[uuid.UUID, list[ActivityDTO]] = {}
    for row in rows:
        found.setdefault(row.goal_id, []).append(_activity_dto(row))
    return found


def _plan_dto(s: Session, plan: InterventionPlan) -> PlanDTO:
    goals = list(s.scalars(select(InterventionGoal).where(
        InterventionGoal.plan_id == plan.id, InterventionGoal.deleted == false())
        .order_by(InterventionGoal.position, InterventionGoal.id)))
    acts = _activities(s, [g.id for g in goals])
    return PlanDTO(id=plan.id, client_id=plan.client_id, case_id=plan.case_id, assessment_id=plan.assessment_id,
                   status=plan.status, approved_on=plan.approved_on, approved_by=plan.approved_by, note=plan.note,
                   archived=bool(plan.deleted), goals=tuple(_goal_dto(g, acts.get(g.id, [])) for g in goals))


def _goal_dto(goal: InterventionGoal, activities: Sequence[ActivityDTO]) -> GoalDTO:
    return GoalDTO(id=goal.id, position=goal.position, need_code=goal.need_code, goal=goal.goal,
                   objective=goal.objective, horizon=goal.horizon, target_date=goal.target_date,
                   success_indicators=goal.success_indicators, status=goal.status, activities=tuple(activities))


def _activity_dto(act: InterventionActivity) -> ActivityDTO:
    return ActivityDTO(id=act.id, goal_id=act.goal_id, position=act.position, description=act.description,
                       atensi_service=act.atensi_service, atensi_subitem=act.atensi_subitem,
                       spm_service=act.spm_service, method=act.method,
                       responsible_worker_id=act.responsible_worker_id, team=act.team,
                       target_date=act.target_date, status=act.status)
