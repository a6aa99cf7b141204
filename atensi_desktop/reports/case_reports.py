"""Per-case reports (issue 6): Laporan Hasil Asesmen, Rencana Intervensi, Laporan Perkembangan, Laporan Kasus.

Two layers:

1. *Facts*: plain dataclasses assembled from the services (clients, cases, assessments with their form,
   intervention, service_log, referrals, casenotes, tasks, workers). No SQL here, no layout, no redaction.
2. *Stories*: ReportLab flowables built from the facts with `reports.document`, redacted by the report's
   level (`reports.redaction`): `mitra` cuts the NIK after 6 digits and withholds health and criminal
   details unless `ctx.show_sensitive`; `statistik` prints no names at all (the client is "Klien 1", family
   members by their relation, and known names are scrubbed from free text).

Kinds registered: asesmen (needs a client — the latest finished asesmen, of the case when `ctx.case_id` is
given too; the command line turns a case id into its client), rencana, perkembangan and kasus (a case).

Layout rules shared by the four: a heading never ends a page (`RoomFor`), data tables repeat their header,
and the signatures are kept on one page with the last section (`close_with`), never alone on a page.

Services delivered "against the plan" (Laporan Perkembangan) follow the service log's own rule
(`services.service_log`): an entry counts for the activity it is linked to, else for the first activity of
the plan with the same ATENSI component (any or the same sub-item) or the same SPM service; rehab forms only
through the link. Each entry is counted once; what matches no activity is listed as outside the plan.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer, Table

from atensi_desktop.domain.dates import age_on
from atensi_desktop.errors import NotFoundError, UserError
from atensi_desktop.forms import display_value, shipped_forms, table_rows, visible_questions, visible_sections
from atensi_desktop.forms.checker import normalise_context
from atensi_desktop.forms.interpret import check_section
from atensi_desktop.forms.model import FormDef, Question
from atensi_desktop.i18n import _
from atensi_desktop.refdata import ref_list
from atensi_desktop.reports import genogram as geno
from atensi_desktop.reports.document import (
    FONT,
    ReportContext,
    Signer,
    data_table,
    field_table,
    head_signer,
    kop,
    para,
    signature_blocks,
    styles,
    title_block,
)
from atensi_desktop.reports.redaction import allows_sensitive, name_for, nik_for, no_kk_for, text_for
from atensi_desktop.reports.registry import ReportKind, register
from atensi_desktop.reports.text import decimal_id, long_date, rupiah, short_date, thousands
from atensi_desktop.security.roles import SENSITIVE_QUESTIONS, SENSITIVE_SECTIONS
from atensi_desktop.services import assessments as svc_assessments
from atensi_desktop.services import casenotes as svc_notes
from atensi_desktop.services import cases as svc_cases
from atensi_desktop.services import clients as svc_clients
from atensi_desktop.services import intervention as svc_plan
from atensi_desktop.services import referrals as svc_referrals
from atensi_desktop.services import service_log as svc_log
from atensi_desktop.services import tasks as svc_tasks
from atensi_desktop.services import workers as svc_workers
from atensi_desktop.services.service_log import _activity_matches  # the log's own "in the plan" rule

# Parts of the asesmen form that hold health or criminal-record details (UU 27/2022 Pasal 4: data kesehatan,
# catatan kejahatan), SENSITIVE_SECTIONS and SENSITIVE_QUESTIONS ("section.question"), imported above from
# security.roles, the one place that names them (the services blank the same details for users without the
# permission to see them): at `mitra` they are printed only when ticked, at `statistik` never.
# Answers that name or locate other people: not printed at `statistik`.
PERSONAL_QUESTIONS = frozenset({"identitas.perujuk_nama", "identitas.pemberi_informasi"})
GENOGRAM_QUESTION, ECOMAP_QUESTION = "genogram", "ecomap"
# Sections summarised in the Laporan Kasus (the full answers are in the Laporan Hasil Asesmen)
SUMMARY_SECTIONS = ("masalah", "kebutuhan", "risiko", "kesimpulan")


# ============================================================================================ facts

@dataclass(frozen=True)
class WorkerFacts:
    id: uuid.UUID
    name: str
    type_label: str
    position: str | None
    rank: str | None
    nip: str | None


@dataclass(frozen=True)
class ClientFacts:
    id: uuid.UUID
    display_id: str
    name: str
    alias: str | None
    nik: str | None
    no_kk: str | None
    sex: str | None
    birth_place: str | None
    birth_date: dt.date | None
    birth_date_estimated: bool
    religion: str | None
    education: str | None
    marital_status: str | None
    disability: str | None
    phone: str | None
    address: str | None
    wilayah: str | None
    cluster: str | None
    ppks: tuple[str, ...]

    @property
    def sex_label(self) -> str:
        return ref_list("sex").label(self.sex) if self.sex else ""

    @property
    def cluster_label(self) -> str:
        return ref_list("clusters").label(self.cluster) if self.cluster else ""

    @property
    def ppks_labels(self) -> tuple[str, ...]:
        return tuple(ref_list("ppks").label(c) for c in self.ppks)


@dataclass(frozen=True)
class AnswerLine:
    label: str
    value: str
    sensitive: bool = False
    personal: bool = False
    free_text: bool = False


@dataclass(frozen=True)
class TableBlock:
    question_id: str
    label: str
    headers: tuple[str, ...]
    column_ids: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    raw_rows: tuple[Mapping[str, Any], ...]
    sensitive: bool = False


@dataclass(frozen=True)
class ScoreLine:
    title: str
    value: float | None
    maximum: float | None
    band: str | None
    complete: bool
    answered: int
    total: int


@dataclass(frozen=True)
class SectionBlock:
    section_id: str
    title: str
    items: tuple[AnswerLine | TableBlock, ...]
    scores: tuple[ScoreLine, ...] = ()
    sensitive: bool = False
    filled_by: str | None = None

    @property
    def empty(self) -> bool:
        return not self.items and not any(s.value is not None for s in self.scores)


@dataclass(frozen=True)
class AsesmenFacts:
    assessment: svc_assessments.AssessmentDTO
    form_title: str
    assessed_on: dt.date
    sections: tuple[SectionBlock, ...]
    family: tuple[geno.FamilyMember, ...]
    worker: WorkerFacts | None

    def section(self, section_id: str) -> SectionBlock | None:
        return next((s for s in self.sections if s.section_id == section_id), None)

    @property
    def scores(self) -> tuple[ScoreLine, ...]:
        return tuple(sc for s in self.sections for sc in s.scores)


@dataclass(frozen=True)
class ActivityFacts:
    activity: svc_plan.ActivityDTO
    service_label: str
    worker_name: str | None


@dataclass(frozen=True)
class GoalFacts:
    goal: svc_plan.GoalDTO
    activities: tuple[ActivityFacts, ...]


@dataclass(frozen=True)
class PlanFacts:
    plan: svc_plan.PlanDTO
    goals: tuple[GoalFacts, ...]
    approved_by: WorkerFacts | None

    @property
    def draft(self) -> bool:
        return self.plan.status != svc_plan.PLAN_APPROVED


@dataclass(frozen=True)
class ServiceFacts:
    entry: svc_log.ServiceEntryDTO
    label: str
    provider: str | None

    @property
    def value(self) -> int:
        return self.entry.value_rp or 0


@dataclass(frozen=True)
class ActivityProgress:
    activity: ActivityFacts
    services: tuple[ServiceFacts, ...]

    @property
    def count(self) -> int:
        return len(self.services)

    @property
    def value(self) -> int:
        return sum(s.value for s in self.services)


@dataclass(frozen=True)
class GoalProgress:
    goal: GoalFacts
    activities: tuple[ActivityProgress, ...]

    @property
    def count(self) -> int:
        return sum(a.count for a in self.activities)

    @property
    def value(self) -> int:
        return sum(a.value for a in self.activities)


@dataclass(frozen=True)
class ProgressFacts:
    plan: PlanFacts | None
    goals: tuple[GoalProgress, ...]
    outside: tuple[ServiceFacts, ...]
    services: tuple[ServiceFacts, ...]  # every effective entry of the case in the period, oldest first
    period: tuple[dt.date, dt.date] | None

    @property
    def count_in_plan(self) -> int:
        return sum(g.count for g in self.goals)

    @property
    def value_in_plan(self) -> int:
        return sum(g.value for g in self.goals)

    @property
    def count_outside(self) -> int:
        return len(self.outside)

    @property
    def value_outside(self) -> int:
        return sum(s.value for s in self.outside)

    @property
    def count_total(self) -> int:
        return len(self.services)

    @property
    def value_total(self) -> int:
        return sum(s.value for s in self.services)


@dataclass(frozen=True)
class CaseFacts:
    case: svc_cases.CaseDTO
    client: ClientFacts
    worker: WorkerFacts | None
    history: tuple[svc_cases.StageChangeDTO, ...]


@dataclass(frozen=True)
class CaseFile:
    """Everything the Laporan Kasus lengkap prints."""

    case: CaseFacts
    asesmen: AsesmenFacts | None
    progress: ProgressFacts
    referrals: tuple[svc_referrals.ReferralDTO, ...]
    notes: tuple[svc_notes.NoteDTO, ...]
    tasks: tuple[svc_tasks.TaskDTO, ...]


# --- assembly ------------------------------------------------------------------------------------------

def load_worker(db, worker_id: uuid.UUID | None) -> WorkerFacts | None:
    if worker_id is None:
        return None
    try:
        w = svc_workers.get_worker(db, worker_id)
    except NotFoundError:
        return None
    return WorkerFacts(id=w.id, name=w.name, type_label=w.worker_type_label, position=w.position, rank=w.rank,
                       nip=w.nip)


def load_client(db, client_id: uuid.UUID) -> ClientFacts:
    detail = svc_clients.client_detail(db, client_id)
    v = detail.client.values
    return ClientFacts(
        id=detail.client.id, display_id=detail.client.display_id, name=v["name"], alias=v.get("alias"),
        nik=v.get("nik"), no_kk=detail.client.household_no_kk, sex=v.get("sex"), birth_place=v.get("birth_place"),
        birth_date=v.get("birth_date"), birth_date_estimated=bool(v.get("birth_date_estimated")),
        religion=v.get("religion"), education=v.get("education"), marital_status=v.get("marital_status"),
        disability=v.get("disability"), phone=v.get("phone"), address=v.get("address"),
        wilayah=detail.wilayah_full_name or detail.client.wilayah_name, cluster=v.get("cluster"),
        ppks=tuple(v.get("ppks_categories") or ()))


def load_case(db, case_id: uuid.UUID) -> CaseFacts:
    case = svc_cases.get_case(db, case_id)
    if case.archived:
        raise UserError(_("Kasus ini sudah diarsipkan."), hint=_("Pulihkan kasusnya dulu bila laporannya perlu."))
    return CaseFacts(case=case, client=load_client(db, case.client_id), worker=load_worker(db, case.worker_id),
                     history=tuple(svc_cases.stage_history(db, case.id)))


def _form_of(assessment: svc_assessments.AssessmentDTO) -> FormDef:
    try:
        return shipped_forms().get(assessment.form_id, int(assessment.form_version))
    except (NotFoundError, ValueError) as err:
        raise UserError(_("Formulir asesmen {form} versi {version} tidak ada di aplikasi ini.").format(
            form=assessment.form_id, version=assessment.form_version),
            hint=_("Perbarui aplikasi ke versi yang memuat formulir itu.")) from err


def latest_finished_assessment(db, client_id: uuid.UUID, case_id: uuid.UUID | None = None
                               ) -> svc_assessments.AssessmentDTO | None:
    """The latest finished asesmen of the case (when it has one), else of the client."""
    if case_id is not None:
        summaries = [a for a in svc_assessments.list_assessments(db, client_id) if a.status == "selesai"]
        summaries.sort(key=lambda a: (a.finished_on or a.started_on, a.started_on, a.id.bytes), reverse=True)
        for summary in summaries:
            full = svc_assessments.get_assessment(db, summary.id)
            if full.case_id == case_id:
                return full
    return svc_assessments.previous_for(db, client_id)


def _int_points_max(q: Question | None) -> float | None:
    if q is None:
        return None
    points = [o.points for o in q.options if o.points is not None]
    return max(points) if points else None


def load_asesmen(db, assessment: svc_assessments.AssessmentDTO, client: ClientFacts) -> AsesmenFacts:
    """The asesmen's visible answers labelled by its own form version, its scores and its family table."""
    form = _form_of(assessment)
    answers = {sid: dict(sec.answers) for sid, sec in assessment.sections.items()}
    assessed_on = _asesmen_date(answers, assessment)
    ctx = normalise_context({"sex": client.sex, "birth_date": client.birth_date.isoformat() if client.birth_date
                             else None, "cluster": client.cluster, "started_on": assessment.started_on.isoformat(),
                             "today": assessed_on.isoformat()})
    relation_labels: dict[str, str] = {}
    family: list[geno.FamilyMember] = []
    blocks: list[SectionBlock] = []
    for section in visible_sections(form, answers, ctx):
        mine = answers.get(section.id) or {}
        items: list[AnswerLine | TableBlock] = []
        for q in visible_questions(form, section.id, answers, ctx):
            value = mine.get(q.id)
            sensitive = section.id in SENSITIVE_SECTIONS or q.path in SENSITIVE_QUESTIONS
            if q.type == "table":
                rows = [row for _key, row in table_rows(value)]
                if not rows:
                    continue
                items.append(TableBlock(
                    question_id=q.id, label=q.label, headers=tuple(c.label for c in q.columns),
                    column_ids=tuple(c.id for c in q.columns),
                    rows=tuple(tuple(answer_text(c, row.get(c.id)) for c in q.columns) for row in rows),
                    raw_rows=tuple(rows), sensitive=sensitive))
                if q.id == GENOGRAM_QUESTION and not family:
                    relation_q = q.column("hubungan")
                    relation_labels = {o.code: o.label for o in relation_q.options} if relation_q else {}
                    family = geno.members_from_rows(rows, relation_labels)
                continue
            text = answer_text(q, value)
            if not text:
                continue
            items.append(AnswerLine(label=q.label, value=text, sensitive=sensitive,
                                    personal=q.path in PERSONAL_QUESTIONS,
                                    free_text=q.type in ("text", "long_text")))
        scores: list[ScoreLine] = []
        if form.scores_of(section.id):
            checked = check_section(form, section.id, answers, ctx)
            for score in form.scores_of(section.id):
                result = checked.scores[score.id]
                maxima = [_int_points_max(form.question(p)) for p in score.items]
                maximum = sum(m for m in maxima if m is not None) if any(m is not None for m in maxima) else None
                scores.append(ScoreLine(title=score.title, value=result.value, maximum=maximum,
                                        band=result.band_label, complete=result.complete,
                                        answered=result.answered, total=result.total))
        sec_dto = assessment.sections.get(section.id)
        blocks.append(SectionBlock(section_id=section.id, title=section.title, items=tuple(items),
                                   scores=tuple(scores), sensitive=section.id in SENSITIVE_SECTIONS,
                                   filled_by=sec_dto.filled_by_name if sec_dto else None))
    worker = load_worker(db, assessment.finished_by or assessment.started_by)
    return AsesmenFacts(assessment=assessment, form_title=form.title, assessed_on=assessed_on,
                        sections=tuple(blocks), family=tuple(family), worker=worker)


def answer_text(q: Question, value: Any) -> str:
    """An answer as printed: option labels (the form's display_value), dates spelled out, Rupiah, scales
    with their range."""
    text = display_value(q, value)
    if not text:
        return ""
    if q.type == "date":
        try:
            return long_date(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
        except ValueError:
            return text
    if q.type in ("number", "scale") and isinstance(value, int | float) and not isinstance(value, bool):
        if q.unit.casefold() == "rupiah":
            return rupiah(value)
        if q.type == "scale" and q.max is not None:
            return _("{value} dari {max}").format(value=text, max=thousands(q.max))
        if abs(value) >= 10_000:
            number = thousands(value) if float(value).is_integer() else decimal_id(value, 2)
            return f"{number} {q.unit}".strip()
    return text


def _asesmen_date(answers: Mapping[str, Mapping[str, Any]], assessment: svc_assessments.AssessmentDTO) -> dt.date:
    raw = (answers.get("identitas") or {}).get("tanggal_asesmen")
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    return assessment.finished_on or assessment.started_on


def _service_of_activity(act: svc_plan.ActivityDTO) -> str:
    parts: list[str] = []
    if act.atensi_service:
        parts.append(svc_log.service_label("atensi", act.atensi_service, act.atensi_subitem))
    if act.spm_service:
        parts.append(_("SPM: {service}").format(service=svc_log.service_label("spm", act.spm_service)))
    return "\n".join(parts)


def load_plan_facts(db, plan: svc_plan.PlanDTO) -> PlanFacts:
    names: dict[uuid.UUID, WorkerFacts | None] = {}

    def worker(wid: uuid.UUID | None) -> WorkerFacts | None:
        if wid is None:
            return None
        if wid not in names:
            names[wid] = load_worker(db, wid)
        return names[wid]

    goals = tuple(GoalFacts(goal=g, activities=tuple(
        ActivityFacts(activity=a, service_label=_service_of_activity(a),
                      worker_name=(w.name if (w := worker(a.responsible_worker_id)) else None))
        for a in g.activities)) for g in plan.goals)
    return PlanFacts(plan=plan, goals=goals, approved_by=worker(plan.approved_by))


def plan_of_case(db, client_id: uuid.UUID, case_id: uuid.UUID | None) -> svc_plan.PlanDTO | None:
    """The plan a case is worked by: its newest approved plan, else its newest draft (None: no plan)."""
    plans = [p for p in svc_plan.plans_for_client(db, client_id) if case_id is None or p.case_id == case_id]
    approved = [p for p in plans if p.status == svc_plan.PLAN_APPROVED]
    chosen = approved or plans  # plans_for_client lists the newest first
    return chosen[0] if chosen else None


def _quantity(entry: svc_log.ServiceEntryDTO) -> str:
    if entry.quantity is None:
        return ""
    q = Decimal(entry.quantity)
    number = thousands(q) if q == q.to_integral_value() else decimal_id(q, 2).rstrip("0").rstrip(",")
    return f"{number} {entry.unit or ''}".strip()


def _service_facts(db, entries: Iterable[svc_log.ServiceEntryDTO]) -> list[ServiceFacts]:
    cache: dict[uuid.UUID, str | None] = {}
    out = []
    for e in entries:
        provider = None
        if e.provider_worker_id is not None:
            if e.provider_worker_id not in cache:
                w = load_worker(db, e.provider_worker_id)
                cache[e.provider_worker_id] = w.name if w else None
            provider = cache[e.provider_worker_id]
        out.append(ServiceFacts(entry=e, label=e.service_label, provider=provider))
    return out


def assign_services(plan: PlanFacts | None, services: Sequence[ServiceFacts]
                    ) -> tuple[tuple[GoalProgress, ...], tuple[ServiceFacts, ...]]:
    """Each service to one activity of the plan (its link, else the first matching activity), or outside."""
    activities = [(gi, ai, a) for gi, g in enumerate(plan.goals) for ai, a in enumerate(g.activities)] if plan \
        else []
    by_id = {a.activity.id: (gi, ai) for gi, ai, a in activities}
    served: dict[tuple[int, int], list[ServiceFacts]] = {(gi, ai): [] for gi, ai, _a in activities}
    outside: list[ServiceFacts] = []
    for s in services:
        e = s.entry
        slot = by_id.get(e.plan_activity_id) if e.plan_activity_id is not None else None
        if slot is None and e.service_kind != "rehab":
            slot = next(((gi, ai) for gi, ai, a in activities if _activity_matches(
                e.service_kind, e.service_code, e.subitem_code, a.activity.atensi_service,
                a.activity.atensi_subitem, a.activity.spm_service)), None)
        if slot is None:
            outside.append(s)
        else:
            served[slot].append(s)
    goals = tuple(GoalProgress(goal=g, activities=tuple(
        ActivityProgress(activity=a, services=tuple(served[(gi, ai)])) for ai, a in enumerate(g.activities)))
        for gi, g in enumerate(plan.goals)) if plan else ()
    return goals, tuple(outside)


def load_progress(db, case: svc_cases.CaseDTO, period: tuple[dt.date, dt.date] | None = None) -> ProgressFacts:
    plan_dto = plan_of_case(db, case.client_id, case.id)
    plan = load_plan_facts(db, plan_dto) if plan_dto is not None else None
    since, until = period if period else (None, None)
    entries = svc_log.list_entries(db, case_id=case.id, since=since, until=until, limit=None)
    entries.sort(key=lambda e: (e.date_from, e.created_at or dt.datetime.min, e.id.bytes))
    services = _service_facts(db, entries)
    goals, outside = assign_services(plan, services)
    return ProgressFacts(plan=plan, goals=goals, outside=outside, services=tuple(services), period=period)


def load_case_file(db, case_id: uuid.UUID, period: tuple[dt.date, dt.date] | None = None) -> CaseFile:
    facts = load_case(db, case_id)
    assessment = latest_finished_assessment(db, facts.client.id, case_id)
    asesmen = load_asesmen(db, assessment, facts.client) if assessment is not None else None
    referrals = tuple(svc_referrals.get_referral(db, r.id)
                      for r in reversed(svc_referrals.list_referrals(db, case_id=case_id)))
    notes = tuple(reversed(svc_notes.list_notes(db, case_id=case_id)))
    tasks = tuple(svc_tasks.list_tasks(db, case_id=case_id))
    return CaseFile(case=facts, asesmen=asesmen, progress=load_progress(db, facts.case, period),
                    referrals=referrals, notes=notes, tasks=tasks)


# ============================================================================================ redaction

@dataclass
class Redactor:
    """What this report's level lets through, with the names known to this report (for statistik)."""

    ctx: ReportContext
    client: ClientFacts
    family: Sequence[geno.FamilyMember] = ()
    _pattern: re.Pattern[str] | None = None
    _by_key: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.level != "statistik":
            return
        pairs: list[tuple[str, str]] = [(self.client.name, self.client_name)]
        if self.client.alias:
            pairs.append((self.client.alias, self.client_name))
        pairs += [(m.name, label) for m, label in zip(self.family, self.family_labels(), strict=True)]
        words = [(word, repl) for full, repl in pairs for word in re.findall(r"[^\W\d_]{3,}", full or "")
                 if word.casefold() not in _NOT_NAMES]
        for text, repl in pairs + words:  # whole names first: the first mapping of a text wins
            key = " ".join((text or "").split()).casefold()
            if len(key) >= 3:
                self._by_key.setdefault(key, repl)
        if self._by_key:
            alternatives = sorted(self._by_key, key=len, reverse=True)  # the longest match wins
            self._pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k).replace(r"\ ", r"\s+")
                                                             for k in alternatives) + r")(?!\w)", re.IGNORECASE)

    @property
    def level(self) -> str:
        return self.ctx.redaction

    @property
    def sensitive_ok(self) -> bool:
        return allows_sensitive(self.ctx)

    @property
    def names_ok(self) -> bool:
        return self.level != "statistik"

    @property
    def client_name(self) -> str:
        return name_for(self.client.name, self.level, 1)

    def family_labels(self) -> list[str]:
        """What each family member is called at statistik: the relation, numbered when it repeats."""
        base = [m.relation_label or _("Anggota keluarga") for m in self.family]
        counts: dict[str, int] = {}
        for b in base:
            counts[b] = counts.get(b, 0) + 1
        seen: dict[str, int] = {}
        out = []
        for b in base:
            if counts[b] > 1:
                seen[b] = seen.get(b, 0) + 1
                out.append(f"{b} {seen[b]}")
            else:
                out.append(b)
        return out

    def family_for_drawing(self) -> tuple[list[geno.FamilyMember], geno.FamilyMember]:
        members = list(self.family)
        if not self.names_ok:
            members = [geno.FamilyMember(name=label, sex=m.sex, birth_year=m.birth_year, deceased=m.deceased,
                                         relation=m.relation, relation_label=m.relation_label)
                       for m, label in zip(members, self.family_labels(), strict=True)]
        birth_year = self.client.birth_date.year if self.client.birth_date else None
        me = geno.FamilyMember(name=self.client_name, sex=self.client.sex, birth_year=birth_year,
                               relation=None, relation_label=_("Klien"), is_client=True)
        return members, me

    def text(self, value: str | None) -> str:
        """Free text as it may be printed: at statistik every known name (whole, or any of its words) becomes
        the person's placeholder, once ("Siti Aminah" -> "Klien 1", not "Klien 1 Klien 1")."""
        out = (value or "").strip()
        if self._pattern is None or not out:
            return out
        out = self._pattern.sub(lambda m: self._by_key.get(" ".join(m.group(0).split()).casefold(), m.group(0)),
                                out)
        for repl in set(self._by_key.values()):
            out = re.sub(rf"{re.escape(repl)}(?:\s+{re.escape(repl)})+", repl, out)
        return out


_NOT_NAMES = frozenset({"bin", "binti", "alm", "almarhum", "almarhumah", "haji", "hajjah", "tanpa", "nama",
                        "dan", "yang", "ibu", "bapak", "anak", "pak", "bu"})


def _withheld() -> str:
    return _("(dirahasiakan)")


def _withheld_note() -> str:
    return _("Bagian ini memuat data kesehatan atau catatan hukum dan tidak dicetak pada tingkat kerahasiaan "
             "laporan ini.")


# ============================================================================================ story parts

def _p(text: str, style: str = "Body") -> Paragraph:
    return para(text, style)


_HEADING_STYLES: dict[str, ParagraphStyle] = {}


def _heading(number: str | int | None, text: str) -> Paragraph:
    """A numbered heading. Not `keepWithNext` (that would move a long table whole to the next page):
    `_kept` keeps it with the start of its body instead."""
    if "h" not in _HEADING_STYLES:
        _HEADING_STYLES["h"] = ParagraphStyle("CaseHeading", parent=styles()["Heading"], keepWithNext=0)
    return Paragraph(escape(f"{number}. {text}" if number is not None else text), _HEADING_STYLES["h"])


def _age_text(birth: dt.date | None, today: dt.date, estimated: bool = False) -> str:
    age = age_on(birth, today)
    if age is None:
        return ""
    return (_("± {n} tahun") if estimated else _("{n} tahun")).format(n=age)


def identity_rows(client: ClientFacts, red: Redactor, *, full: bool = True) -> list[tuple[str, str]]:
    ctx = red.ctx
    rows: list[tuple[str, str]] = [(_("Nama"), red.client_name)]
    if red.names_ok:
        rows.append((_("Nomor klien"), client.display_id))
    nik = nik_for(client.nik, red.level)
    if nik:
        rows.append((_("NIK"), nik))
    if full:
        kk = no_kk_for(client.no_kk, red.level)
        if kk:
            rows.append((_("Nomor KK"), kk))
    rows.append((_("Jenis kelamin"), client.sex_label or "-"))
    if red.names_ok and (client.birth_place or client.birth_date):
        born = ", ".join(p for p in (text_for(client.birth_place, red.level), long_date(client.birth_date)) if p)
        if client.birth_date_estimated and client.birth_date:
            born += " " + _("(perkiraan)")
        rows.append((_("Tempat, tanggal lahir"), born))
    age = _age_text(client.birth_date, ctx.today, client.birth_date_estimated)
    if age:
        rows.append((_("Umur"), age))
    if full:
        for label, code, listname in ((_("Agama"), client.religion, "religions"),
                                      (_("Pendidikan"), client.education, "education"),
                                      (_("Status perkawinan"), client.marital_status, "marital_status")):
            if code:
                rows.append((label, ref_list(listname).label(code)))
    address = text_for(client.address, red.level)
    if address:
        rows.append((_("Alamat"), address))
    if client.wilayah:
        rows.append((_("Desa/kelurahan"), client.wilayah))
    if full:
        phone = text_for(client.phone, red.level)
        if phone:
            rows.append((_("Telepon"), phone))
    if client.cluster:
        rows.append((_("Klaster"), client.cluster_label))
    if client.ppks:
        rows.append((_("Jenis PPKS"), ", ".join(client.ppks_labels)))
    if full and client.disability:
        rows.append((_("Disabilitas"), red.text(client.disability) if red.sensitive_ok else _withheld()))
    return rows


def case_rows(facts: CaseFacts, red: Redactor) -> list[tuple[str, str]]:
    case = facts.case
    rows = [(_("Nomor kasus"), case.display_id)] if red.names_ok else []
    rows += [(_("Tanggal dibuka"), long_date(case.opened_on)), (_("Tahap sekarang"), case.stage_label)]
    if case.cluster:
        rows.append((_("Klaster"), case.cluster_label))
    if case.approach:
        rows.append((_("Pendekatan"), case.approach_label))
    rows.append((_("Pendamping"), facts.worker.name if facts.worker else _("(belum ditentukan)")))
    if case.closed_on:
        rows.append((_("Tanggal terminasi"), long_date(case.closed_on)))
        rows.append((_("Alasan terminasi"), case.termination_reason_label))
    return rows


def worker_signer(worker: WorkerFacts | None, role_line: str | None = None) -> Signer:
    """The worker who made the document (right-hand block); a dotted line when nobody is recorded."""
    if worker is None:
        return Signer(role_line=role_line, title=_("Pekerja Sosial"), name=None)
    return Signer(role_line=role_line, title=worker.position or worker.type_label, name=worker.name,
                  rank=worker.rank, nip=worker.nip)


def signatures(ctx: ReportContext, worker: WorkerFacts | None) -> Flowable:
    return signature_blocks(ctx, head_signer(ctx, _("Mengetahui,")), worker_signer(worker, _("Yang membuat,")))


def close_with(story: list[Flowable], mark: int, closing: Flowable) -> list[Flowable]:
    """The story's last part (from `mark`) kept on one page with the signatures: a page of signatures
    alone could be attached to any document, and looks like a mistake."""
    return [*story[:mark], KeepTogether([*story[mark:], closing])]


class RoomFor(CondPageBreak):
    """A page break unless the flowables after it fit, up to the first rows of their first data table (one
    with a repeated header) or of a long label : value table (short ones count whole): a heading never ends
    a page, and a long table still starts where it is and breaks (a data table with its header repeated)."""

    FIRST_ROWS = 2  # of a data table: the header and one row
    SHORT_TABLE = 6  # a label : value table this short stays whole; a longer one may break after 3 rows

    def __init__(self, parts: Sequence[Flowable]) -> None:
        super().__init__(0)
        self.parts = list(parts)

    def wrap(self, avail_width, avail_height):  # noqa: D102 - ReportLab API
        needed = 0.0
        for part in self.parts:
            if isinstance(part, Table):
                part.wrapOn(self.canv, avail_width, 10_000_000)
                heights = list(getattr(part, "_rowHeights", None) or [])
                if part.repeatRows:  # a data table: its header and first row
                    needed += sum(heights[:self.FIRST_ROWS])
                    break
                if len(heights) > self.SHORT_TABLE:
                    needed += sum(heights[:3])
                    break
                needed += sum(heights)
                continue
            _w, h = part.wrapOn(self.canv, avail_width, 10_000_000)
            if h >= 0xFFFFFF:  # a KeepTogether answers "split me": take its content's height
                h = getattr(part, "_H", 0)
            h = getattr(part, "min_height", h)  # a drawing that may shrink to fit
            needed += h + part.getSpaceBefore() + part.getSpaceAfter()
        self.height = needed
        return super().wrap(avail_width, avail_height)


def _kept(heading: Flowable, body: Sequence[Flowable]) -> list[Flowable]:
    """A heading kept with the start of its body (see RoomFor)."""
    return [RoomFor([heading, *body[:4]]), heading, *body]


def _score_text(score: ScoreLine) -> str:
    if score.value is None:
        return _("belum dinilai")
    value = thousands(score.value) if float(score.value).is_integer() else decimal_id(score.value, 1)
    text = _("{value} dari {maximum}").format(value=value, maximum=thousands(score.maximum)) \
        if score.maximum is not None else value
    if score.band:
        text += f" \u2014 {score.band}"
    if not score.complete:
        text += " " + _("(baru {answered} dari {total} butir dinilai)").format(answered=score.answered,
                                                                            total=score.total)
    return text


# relative widths of the form's table columns (the genogram and ecomap tables); others get 1.4
_COLUMN_WEIGHTS = {"nama": 2.4, "pihak": 2.8, "jenis_kelamin": 1.75, "tahun_lahir": 1.1, "meninggal": 1.4,
                   "hubungan": 1.6, "tinggal_serumah": 1.2, "kualitas_hubungan": 1.45, "jenis": 1.8,
                   "kekuatan": 1.4, "arah": 1.8}


def _table_story(block: TableBlock, red: Redactor) -> Flowable:
    """A table answer; at statistik names become relations (genogram) or kinds (ecomap)."""
    rows = [list(r) for r in block.rows]
    if not red.names_ok:
        if block.question_id == GENOGRAM_QUESTION and "nama" in block.column_ids:
            i = block.column_ids.index("nama")
            for row, label in zip(rows, red.family_labels(), strict=False):
                row[i] = label
        elif block.question_id == ECOMAP_QUESTION and "pihak" in block.column_ids:
            i = block.column_ids.index("pihak")
            kind = block.column_ids.index("jenis") if "jenis" in block.column_ids else None
            for n, row in enumerate(rows, start=1):
                row[i] = (row[kind] if kind is not None and row[kind] else _("Pihak")) + f" {n}"
        else:
            rows = [[red.text(c) for c in row] for row in rows]
    headers = [_("No."), *block.headers]
    numbered = [[str(n), *row] for n, row in enumerate(rows, start=1)]
    weights = [0.6] + [_COLUMN_WEIGHTS.get(cid, 1.4) for cid in block.column_ids]
    return data_table(headers, numbered, col_widths=weights, align="C" + "L" * len(block.headers))


def _answers_table(lines: Sequence[AnswerLine], red: Redactor) -> Flowable | None:
    rows = []
    for line in lines:
        if line.sensitive and not red.sensitive_ok:
            rows.append((line.label, _withheld()))
        elif line.personal and not red.names_ok:
            continue
        else:
            rows.append((line.label, red.text(line.value) if line.free_text else line.value))
    return field_table(rows, label_width=0.42, style="TableCell") if rows else None


def genogram_flowable(ctx: ReportContext, asesmen: AsesmenFacts, red: Redactor, caption: str) -> Flowable:
    members, me = red.family_for_drawing()
    return GenogramFlowable(members, me, ref_year=asesmen.assessed_on.year, max_width=ctx.frame_width,
                            caption=Paragraph(f"<b>{escape(caption)}</b>", styles()["BodyLeft"]))


class GenogramFlowable(Flowable):
    """The genogram drawing under its caption, as one flowable that gives its text to the report's content
    hash. Where the page has a little less room than the drawing needs (down to MIN_SCALE of its height),
    it is drawn smaller to fit rather than leave the page half empty; with less room it moves on."""

    MIN_SCALE = 0.72

    def __init__(self, members: Sequence[geno.FamilyMember], client: geno.FamilyMember, *, ref_year: int | None,
                 max_width: float, caption: Paragraph | None = None) -> None:
        super().__init__()
        self.members, self.client, self.ref_year, self.max_width = list(members), client, ref_year, max_width
        self.caption = caption
        self.hAlign = "LEFT"
        self.drawing = self._draw(max_width, None)
        self.natural = self.drawing.height
        self.width, self.height = max_width, self.natural

    def _draw(self, width: float, height: float | None) -> Any:
        return geno.genogram_drawing(self.members, self.client, ref_year=self.ref_year, max_width=width,
                                     max_height=height, font=FONT, bold_font=FONT + "-Bold")

    def _caption_height(self, width: float) -> float:
        return self.caption.wrap(width, 10_000_000)[1] + 4 if self.caption is not None else 0.0

    @property
    def min_height(self) -> float:
        """The least height it can be drawn in (RoomFor keeps a heading with it by this)."""
        return self._caption_height(self.max_width) + self.natural * self.MIN_SCALE

    def wrap(self, avail_width, avail_height):  # noqa: D102 - ReportLab API
        cap = self._caption_height(avail_width)
        self.drawing = self._draw(avail_width, None)
        self.natural = self.drawing.height
        if cap + self.natural > avail_height >= cap + self.natural * self.MIN_SCALE:
            self.drawing = self._draw(avail_width, avail_height - cap)
        self.width, self.height = avail_width, cap + self.drawing.height
        return self.width, self.height

    def draw(self) -> None:  # noqa: D102 - ReportLab API
        top = self.height
        if self.caption is not None:
            _w, h = self.caption.wrap(self.width, 10_000_000)
            self.caption.drawOn(self.canv, 0, top - h)
        self.drawing.drawOn(self.canv, (self.width - self.drawing.width) / 2, 0)

    def verification_text(self) -> str:
        people = [self.client, *self.members]
        return "genogram: " + "; ".join(
            f"{m.name}|{m.sex or ''}|{m.birth_year or ''}|{int(m.deceased)}|{m.relation or ''}" for m in people)


def section_story(block: SectionBlock, number: int, asesmen: AsesmenFacts, ctx: ReportContext, red: Redactor
                  ) -> list[Flowable]:
    heading = _heading(number, block.title)
    if block.sensitive and not red.sensitive_ok:
        return _kept(heading, [_p(_withheld_note(), "Small"), Spacer(0, 4)])
    body: list[Flowable] = []
    pending: list[AnswerLine] = []

    def flush() -> None:
        table = _answers_table(pending, red)
        if table is not None:
            body.append(table)
            body.append(Spacer(0, 4))
        pending.clear()

    for item in block.items:
        if isinstance(item, AnswerLine):
            pending.append(item)
            continue
        flush()
        if item.sensitive and not red.sensitive_ok:
            body.append(_p(f"{item.label}: {_withheld()}", "Small"))
            continue
        if item.question_id == GENOGRAM_QUESTION and asesmen.family:
            body.append(genogram_flowable(ctx, asesmen, red, item.label))
            body.append(Spacer(0, 6))
            body.append(_table_story(item, red))
        else:
            body.append(Paragraph(f"<b>{escape(item.label)}</b>", styles()["BodyLeft"]))
            body.append(_table_story(item, red))
        body.append(Spacer(0, 6))
    flush()
    for score in block.scores:
        value = Paragraph(f"<b>{escape(_score_text(score))}</b>", styles()["TableCell"])
        body.append(field_table([(score.title, value)], label_width=0.42, style="TableCell"))
    if not body:
        body.append(_p(_("(tidak ada jawaban)"), "Small"))
    return _kept(heading, body)


def _header(ctx: ReportContext, title: str, subtitle: str | None = None) -> list[Flowable]:
    return [*kop(ctx), *title_block(title, number=ctx.letter_number, subtitle=subtitle)]


def _meta(subject_ids: Iterable[uuid.UUID | None], **extra: Any) -> dict:
    meta = {"subject_ids": [str(i) for i in subject_ids if i is not None]}
    meta.update({k: v for k, v in extra.items() if v is not None})
    return meta


# --- asesmen -------------------------------------------------------------------------------------------

def _subject(db, ctx: ReportContext) -> tuple[CaseFacts | None, ClientFacts]:
    if ctx.case_id is not None:
        facts = load_case(db, ctx.case_id)
        if ctx.client_id is not None and ctx.client_id != facts.case.client_id:
            raise UserError(_("Kasus ini bukan milik klien yang dipilih."), hint=_("Pilih kasus klien itu."))
        return facts, facts.client
    if ctx.client_id is None:
        raise UserError(_("Pilih klien atau kasus untuk laporan ini."))
    return None, load_client(db, ctx.client_id)


def asesmen_story(ctx: ReportContext, client: ClientFacts, case: CaseFacts | None, asesmen: AsesmenFacts
                  ) -> list[Flowable]:
    red = Redactor(ctx, client, asesmen.family)
    a = asesmen.assessment
    story = _header(ctx, _("Laporan Hasil Asesmen"), asesmen.form_title)
    story += _kept(_heading("A", _("Identitas klien")), [field_table(identity_rows(client, red))])
    about = [(_("Jenis asesmen"), a.kind_label), (_("Tanggal asesmen"), long_date(asesmen.assessed_on)),
             (_("Tanggal selesai"), long_date(a.finished_on) or "-"),
             (_("Petugas"), asesmen.worker.name if asesmen.worker else "-"),
             (_("Formulir"), _("{title} versi {version}").format(title=asesmen.form_title, version=a.form_version))]
    if case is not None and red.names_ok:
        about.insert(0, (_("Nomor kasus"), case.case.display_id))
    story += _kept(_heading("B", _("Keterangan asesmen")), [field_table(about)])
    story.append(_heading("C", _("Hasil asesmen")))
    shown = [b for b in asesmen.sections if not b.empty]
    mark = len(story)
    for n, block in enumerate(shown, start=1):
        mark = len(story)
        story += section_story(block, n, asesmen, ctx, red)
    empty = [b.title for b in asesmen.sections if b.empty]
    if empty:
        story.append(_p(_("Bagian yang tidak diisi: {sections}.").format(sections="; ".join(empty)), "Small"))
    return close_with(story, mark, signatures(ctx, asesmen.worker or (case.worker if case else None)))


def build_asesmen(db, ctx: ReportContext) -> tuple[list, str, dict]:
    case, client = _subject(db, ctx)
    assessment = latest_finished_assessment(db, client.id, case.case.id if case else None)
    if assessment is None:
        raise UserError(_("Klien ini belum punya asesmen yang selesai."),
                        hint=_("Selesaikan asesmen klien dulu, lalu buat laporannya."))
    asesmen = load_asesmen(db, assessment, client)
    title = _("Laporan Hasil Asesmen")
    return asesmen_story(ctx, client, case, asesmen), title, _meta(
        [case.case.id if case else None, client.id, assessment.id], assessment_id=str(assessment.id))


# --- rencana -------------------------------------------------------------------------------------------

def _goal_fields(goal: svc_plan.GoalDTO, red: Redactor) -> list[tuple[str, str]]:
    rows = []
    if goal.objective:
        rows.append((_("Sasaran"), red.text(goal.objective)))
    rows.append((_("Jangka waktu"), goal.horizon_label))
    rows.append((_("Target tanggal"), long_date(goal.target_date) or "-"))
    rows.append((_("Indikator keberhasilan"), red.text(goal.success_indicators) or "-"))
    rows.append((_("Status"), _(svc_plan.GOAL_STATUSES.get(goal.status, goal.status))))
    return rows


def _activities_table(goal: GoalFacts, red: Redactor) -> Flowable:
    headers = [_("No."), _("Kegiatan"), _("Komponen ATENSI / layanan SPM"), _("Metode"), _("Penanggung jawab"),
               _("Target"), _("Status")]
    rows = []
    for n, a in enumerate(goal.activities, start=1):
        act = a.activity
        method = red.text(act.method) or ""
        if act.team:
            method = (method + "\n" if method else "") + _("Tim: {team}").format(team=red.text(act.team))
        rows.append([str(n), red.text(act.description), a.service_label or "-", method or "-", a.worker_name or "-",
                     short_date(act.target_date) or "-", _(svc_plan.ACTIVITY_STATUSES.get(act.status, act.status))])
    if not rows:
        rows.append(["", _("(belum ada kegiatan)"), "", "", "", "", ""])
    return data_table(headers, rows, col_widths=[0.6, 2.3, 2.6, 1.2, 1.75, 1.4, 1.9], align="CLLLLCL")


def plan_story(ctx: ReportContext, client: ClientFacts, case: CaseFacts, plan: PlanFacts, *,
               header: bool = True, closing: Flowable | None = None) -> list[Flowable]:
    """The plan's goals, each with its activities (and, with `header`, the letterhead, title and identity);
    `closing` (the signatures) is kept with the last goal."""
    red = Redactor(ctx, client)
    story: list[Flowable] = []
    if header:
        subtitle = _("DRAF \u2014 belum disetujui") if plan.draft else \
            _("Disetujui {date}").format(date=long_date(plan.plan.approved_on))
        story += _header(ctx, _("Rencana Intervensi") + (" (" + _("DRAF") + ")" if plan.draft else ""), subtitle)
        ident = identity_rows(client, red, full=False)
        if red.names_ok:
            ident.append((_("Nomor kasus"), case.case.display_id))
        status = _("Draf (belum disetujui)") if plan.draft else _("Disetujui {date}{by}").format(
            date=long_date(plan.plan.approved_on),
            by=(", " + _("oleh {name}").format(name=plan.approved_by.name)) if plan.approved_by else "")
        ident.append((_("Status rencana"), status))
        story += _kept(_heading("A", _("Identitas klien")), [field_table(ident)])
        if plan.plan.note:
            story.append(_p(red.text(plan.plan.note), "BodyLeft"))
        story.append(_heading("B", _("Tujuan dan kegiatan")))
    mark = len(story)
    if not plan.goals:
        story.append(_p(_("Rencana ini belum punya tujuan."), "Small"))
    for n, g in enumerate(plan.goals, start=1):
        mark = len(story)
        title = _("Tujuan {n}: {goal}").format(n=n, goal=red.text(g.goal.goal))
        story += _kept(Paragraph(f"<b>{escape(title)}</b>", styles()["BodyLeft"]),
                       [field_table(_goal_fields(g.goal, red), label_width=0.3, style="TableCell"), Spacer(0, 4),
                        _activities_table(g, red), Spacer(0, 8)])
    return close_with(story, mark, closing) if closing is not None else story


def build_rencana(db, ctx: ReportContext) -> tuple[list, str, dict]:
    case = _case_subject(db, ctx)
    plan_dto = plan_of_case(db, case.client.id, case.case.id)
    if plan_dto is None:
        raise UserError(_("Kasus ini belum punya rencana intervensi."),
                        hint=_("Susun rencana intervensi dari asesmen klien dulu."))
    plan = load_plan_facts(db, plan_dto)
    story = plan_story(ctx, case.client, case, plan, closing=signatures(ctx, case.worker))
    title = _("Rencana Intervensi")
    return story, title, _meta([case.case.id, case.client.id, plan_dto.id], plan_id=str(plan_dto.id),
                               plan_status=plan_dto.status)


def _case_subject(db, ctx: ReportContext) -> CaseFacts:
    if ctx.case_id is None:
        raise UserError(_("Pilih kasus untuk laporan ini."))
    facts = load_case(db, ctx.case_id)
    if ctx.client_id is not None and ctx.client_id != facts.case.client_id:
        raise UserError(_("Kasus ini bukan milik klien yang dipilih."), hint=_("Pilih kasus klien itu."))
    return facts


# --- perkembangan --------------------------------------------------------------------------------------

def _marks(s: ServiceFacts, *, outside: bool = False) -> str:
    marks = []
    if outside:
        marks.append(_("di luar rencana"))
    if s.entry.after_termination:
        marks.append(_("sesudah terminasi"))
    if s.entry.entry_type == svc_log.ENTRY_CORRECTION:
        marks.append(_("koreksi"))
    return ", ".join(marks)


def _when(e: svc_log.ServiceEntryDTO) -> str:
    if e.date_until and e.date_until != e.date_from:
        return f"{short_date(e.date_from)} s.d.\n{short_date(e.date_until)}"
    return short_date(e.date_from)


def _goal_progress_table(g: GoalProgress, red: Redactor) -> Flowable:
    headers = [_("Kegiatan"), _("Tanggal"), _("Layanan"), _("Jumlah"), _("Nilai")]
    rows: list[list[str]] = []
    for a in g.activities:
        label = red.text(a.activity.activity.description)
        if not a.services:
            rows.append([label, "-", _("(belum ada layanan tercatat)"), "", ""])
        for i, s in enumerate(a.services):
            rows.append([label if i == 0 else "", _when(s.entry), s.label, _quantity(s.entry),
                         rupiah(s.entry.value_rp)])
    rows.append([_("Jumlah tujuan ini"), "", _("{n} layanan").format(n=g.count), "", rupiah(g.value)])
    return data_table(headers, rows, col_widths=[2.5, 1.45, 3.0, 1.1, 1.45], align="LCLRR", total_row=True)


def _services_table(services: Sequence[ServiceFacts], outside_ids: set[uuid.UUID]) -> Flowable:
    """Services with their marks ("di luar rencana" for the ids in `outside_ids`) and a total row."""
    headers = [_("No."), _("Tanggal"), _("Layanan"), _("Jumlah"), _("Nilai"), _("Pemberi"), _("Tanda")]
    rows = [[str(n), _when(s.entry), s.label, _quantity(s.entry), rupiah(s.entry.value_rp), s.provider or "-",
             _marks(s, outside=s.entry.id in outside_ids)] for n, s in enumerate(services, start=1)]
    rows.append(["", _("Jumlah"), _("{n} layanan").format(n=len(services)), "",
                 rupiah(sum(s.value for s in services)), "", ""])
    return data_table(headers, rows, col_widths=[0.6, 1.45, 3.0, 1.05, 1.45, 1.55, 1.3], align="CCLRRLL",
                      total_row=True)


def totals_table(progress: ProgressFacts) -> Flowable:
    headers = [_("Layanan"), _("Banyaknya"), _("Nilai")]
    rows = [[_("Sesuai rencana intervensi"), thousands(progress.count_in_plan), rupiah(progress.value_in_plan)],
            [_("Di luar rencana intervensi"), thousands(progress.count_outside), rupiah(progress.value_outside)],
            [_("Jumlah"), thousands(progress.count_total), rupiah(progress.value_total)]]
    return data_table(headers, rows, col_widths=[3, 1.2, 1.6], align="LRR", total_row=True)


def history_table(history: Sequence[svc_cases.StageChangeDTO], red: Redactor) -> Flowable:
    headers = [_("No."), _("Tanggal"), _("Tahap"), _("Dari tahap"), _("Petugas"), _("Catatan")]
    rows = [[str(n), short_date(h.changed_on), h.to_label, h.from_label or "-", h.worker_name or "-",
             red.text(h.note) or "-"] for n, h in enumerate(history, start=1)]
    return data_table(headers, rows, col_widths=[0.6, 1.35, 1.9, 1.9, 2.2, 2.4], align="CCLLLL")


def _period_text(progress: ProgressFacts, ctx: ReportContext) -> str:
    if progress.period:
        return _("{start} sampai {end}").format(start=long_date(progress.period[0]), end=long_date(progress.period[1]))
    return _("semua layanan sampai {date}").format(date=long_date(ctx.today))


def progress_story(ctx: ReportContext, case: CaseFacts, progress: ProgressFacts, *, red: Redactor,
                   closing: Flowable) -> list[Flowable]:
    """Services per goal and activity, services outside the plan, totals, stage history (kept with
    `closing`, the signatures)."""
    story: list[Flowable] = []
    plan = progress.plan
    n_goals, n_outside, n_totals, n_history = "C", "D", "E", "F"
    intro: list[Flowable] = []
    if plan is None:
        intro.append(_p(_("Kasus ini belum punya rencana intervensi: semua layanan tercatat di luar rencana."),
                        "Small"))
    elif plan.draft:
        intro.append(_p(_("Rencana intervensi kasus ini masih draf (belum disetujui); layanan dicocokkan dengan "
                          "draf itu."), "Small"))
    story += _kept(_heading(n_goals, _("Layanan menurut rencana intervensi")), intro or [Spacer(0, 0)])
    for gi, g in enumerate(progress.goals, start=1):
        status = _(svc_plan.GOAL_STATUSES.get(g.goal.goal.status, g.goal.goal.status))
        title = _("Tujuan {n}: {goal}").format(n=gi, goal=red.text(g.goal.goal.goal))
        sub = _("Jangka waktu: {horizon}; target {date}; status: {status}").format(
            horizon=g.goal.goal.horizon_label, date=long_date(g.goal.goal.target_date) or "-", status=status)
        story += _kept(Paragraph(f"<b>{escape(title)}</b>", styles()["BodyLeft"]),
                       [_p(sub, "Small"), Spacer(0, 3), _goal_progress_table(g, red), Spacer(0, 8)])
    outside_body: list[Flowable]
    if progress.outside:
        outside_body = [_p(_("Layanan berikut tidak cocok dengan kegiatan mana pun dalam rencana intervensi."),
                           "Small"), Spacer(0, 3), _services_table(progress.outside, {s.entry.id for s in progress.outside})]
    else:
        outside_body = [_p(_("Tidak ada layanan di luar rencana."), "Small")]
    story += _kept(_heading(n_outside, _("Layanan di luar rencana")), outside_body)
    story += _kept(_heading(n_totals, _("Jumlah layanan")), [totals_table(progress)])
    mark = len(story)
    story += _kept(_heading(n_history, _("Riwayat tahap kasus")), [history_table(case.history, red)])
    return close_with(story, mark, closing)


def build_perkembangan(db, ctx: ReportContext) -> tuple[list, str, dict]:
    case = _case_subject(db, ctx)
    progress = load_progress(db, case.case, ctx.period)
    red = Redactor(ctx, case.client)
    title = _("Laporan Perkembangan")
    story = _header(ctx, title, _("Periode: {period}").format(period=_period_text(progress, ctx)))
    story += _kept(_heading("A", _("Identitas klien")), [field_table(identity_rows(case.client, red, full=False))])
    plan_rows = case_rows(case, red)
    if progress.plan is not None:
        p = progress.plan.plan
        plan_rows.append((_("Rencana intervensi"), _("Draf (belum disetujui)") if progress.plan.draft
                          else _("Disetujui {date}").format(date=long_date(p.approved_on))))
    story += _kept(_heading("B", _("Kasus")), [field_table(plan_rows)])
    story += progress_story(ctx, case, progress, red=red, closing=signatures(ctx, case.worker))
    return story, title, _meta([case.case.id, case.client.id], services=progress.count_total,
                               value_rp=progress.value_total, outside=progress.count_outside,
                               plan_id=str(progress.plan.plan.id) if progress.plan else None)


# --- kasus (Laporan Kasus lengkap) --------------------------------------------------------------------

def asesmen_summary(asesmen: AsesmenFacts, red: Redactor) -> list[Flowable]:
    a = asesmen.assessment
    rows = [(_("Jenis asesmen"), a.kind_label), (_("Tanggal asesmen"), long_date(asesmen.assessed_on)),
            (_("Petugas"), asesmen.worker.name if asesmen.worker else "-")]
    for score in asesmen.scores:
        rows.append((score.title, _score_text(score) if red.sensitive_ok else _withheld()))
    if asesmen.family:
        living = sum(1 for m in asesmen.family if not m.deceased)
        rows.append((_("Anggota keluarga tercatat"), _("{n} orang ({living} masih hidup)").format(
            n=len(asesmen.family), living=living)))
    for sid in SUMMARY_SECTIONS:
        block = asesmen.section(sid)
        if block is None:
            continue
        if block.sensitive and not red.sensitive_ok:
            rows.append((block.title, _withheld()))
            continue
        for item in block.items:
            if isinstance(item, AnswerLine) and not (item.personal and not red.names_ok):
                shown = _withheld() if item.sensitive and not red.sensitive_ok else (
                    red.text(item.value) if item.free_text else item.value)
                rows.append((item.label, shown))
    return [field_table(rows, label_width=0.38, style="TableCell")]


def referrals_table(referrals: Sequence[svc_referrals.ReferralDTO], red: Redactor) -> Flowable:
    headers = [_("No."), _("Tanggal"), _("Arah"), _("Lembaga"), _("Alasan dan layanan diminta"), _("Status"),
               _("Nomor surat")]
    rows = []
    for n, r in enumerate(referrals, start=1):
        reason = red.text(r.reason)
        if r.services_requested:
            reason += "\n" + _("Diminta: {services}").format(services=red.text(r.services_requested))
        history = "\n".join(f"{e.status_label} {short_date(e.changed_on)}" for e in r.events) or r.status_label
        rows.append([str(n), short_date(r.sent_on), r.direction_label,
                     f"{r.counterpart_name}\n({r.counterpart_kind_label})", reason, history, r.letter_number or "-"])
    return data_table(headers, rows, col_widths=[0.6, 1.4, 1.2, 2.0, 2.5, 1.6, 2.2], align="CCLLLLL")


def notes_story(notes: Sequence[svc_notes.NoteDTO], red: Redactor) -> list[Flowable]:
    out: list[Flowable] = []
    st = styles()
    for n in notes:
        head = f"{short_date(n.written_on)} \u2014 {n.kind_label}" + (f" \u2014 {n.worker_name}" if n.worker_name
                                                                      else "")
        parts: list[Flowable] = [Paragraph(f"<b>{escape(head)}</b>", st["Small"])]
        if red.sensitive_ok:
            parts.append(para(red.text(n.text), "Small"))
            if n.participants:
                parts.append(para(_("Peserta: {who}").format(who=red.text(n.participants)), "Small"))
            if n.decisions:
                parts.append(para(_("Keputusan: {what}").format(what=red.text(n.decisions)), "Small"))
        else:  # free text may hold anything: withheld unless sensitive details are allowed
            parts.append(para(_("(isi catatan dirahasiakan pada tingkat kerahasiaan laporan ini)"), "Small"))
        parts.append(Spacer(0, 5))
        out.append(KeepTogether(parts))
    return out


def tasks_table(tasks: Sequence[svc_tasks.TaskDTO], red: Redactor) -> Flowable:
    headers = [_("No."), _("Jenis"), _("Tugas"), _("Jatuh tempo"), _("Selesai"), _("Petugas")]
    rows = [[str(n), t.kind_label, red.text(t.title), short_date(t.due_on), short_date(t.done_on) or "-",
             t.worker_name or "-"] for n, t in enumerate(tasks, start=1)]
    return data_table(headers, rows, col_widths=[0.6, 1.4, 3.2, 1.4, 1.4, 1.6], align="CLLCCL")


def kasus_story(ctx: ReportContext, file: CaseFile) -> list[Flowable]:
    case = file.case
    red = Redactor(ctx, case.client, file.asesmen.family if file.asesmen else ())
    story = _header(ctx, _("Laporan Kasus"), _("Nomor kasus {case}").format(case=case.case.display_id)
                    if red.names_ok else None)
    story += _kept(_heading(1, _("Identitas klien")), [field_table(identity_rows(case.client, red))])
    story += _kept(_heading(2, _("Ringkasan kasus")), [field_table(case_rows(case, red))])
    if file.asesmen is not None:
        body = asesmen_summary(file.asesmen, red)
    else:
        body = [_p(_("Belum ada asesmen yang selesai."), "Small")]
    story += _kept(_heading(3, _("Ringkasan asesmen")), body)
    plan = file.progress.plan
    if plan is not None:
        state = _("Draf (belum disetujui)") if plan.draft else _("Disetujui {date}").format(
            date=long_date(plan.plan.approved_on))
        story += _kept(_heading(4, _("Rencana intervensi")), [_p(_("Status: {state}").format(state=state), "Small")])
        story += plan_story(ctx, case.client, case, plan, header=False)
    else:
        story += _kept(_heading(4, _("Rencana intervensi")), [_p(_("Belum ada rencana intervensi."), "Small")])
    services = file.progress.services
    outside_ids = {s.entry.id for s in file.progress.outside}
    if services:
        table = _services_table(services, outside_ids)
        body = [_p(_("Periode: {period}").format(period=_period_text(file.progress, ctx)), "Small"), table,
                Spacer(0, 6), totals_table(file.progress)]
    else:
        body = [_p(_("Belum ada layanan tercatat."), "Small")]
    story += _kept(_heading(5, _("Layanan yang diberikan")), body)
    story += _kept(_heading(6, _("Rujukan")), [referrals_table(file.referrals, red)] if file.referrals
                   else [_p(_("Tidak ada rujukan."), "Small")])
    story += _kept(_heading(7, _("Catatan kasus dan konferensi kasus")),
                   notes_story(file.notes, red) if file.notes else [_p(_("Tidak ada catatan."), "Small")])
    if file.tasks:
        story += _kept(_heading(8, _("Tugas dan tindak lanjut")), [tasks_table(file.tasks, red)])
    else:
        story += _kept(_heading(8, _("Tugas dan tindak lanjut")), [_p(_("Tidak ada tugas."), "Small")])
    story += _kept(_heading(9, _("Riwayat tahap kasus")), [history_table(case.history, red)])
    c = case.case
    if c.closed_on:
        term = [(_("Tanggal terminasi"), long_date(c.closed_on)), (_("Alasan"), c.termination_reason_label)]
        if c.termination_note:
            term.append((_("Catatan"), red.text(c.termination_note)))
        body = [field_table(term)]
    else:
        body = [_p(_("Kasus belum diterminasi (tahap sekarang: {stage}).").format(stage=c.stage_label), "Small")]
    mark = len(story)
    story += _kept(_heading(10, _("Terminasi")), body)
    return close_with(story, mark, signatures(ctx, case.worker))


def build_kasus(db, ctx: ReportContext) -> tuple[list, str, dict]:
    case = _case_subject(db, ctx)
    file = load_case_file(db, case.case.id, ctx.period)
    title = _("Laporan Kasus")
    return kasus_story(ctx, file), title, _meta(
        [case.case.id, case.client.id], services=file.progress.count_total, value_rp=file.progress.value_total,
        assessment_id=str(file.asesmen.assessment.id) if file.asesmen else None,
        plan_id=str(file.progress.plan.plan.id) if file.progress.plan else None)


# ============================================================================================ registration

register(ReportKind("asesmen", _("Laporan Hasil Asesmen"), "client", build_asesmen,
                    _("Hasil asesmen terakhir yang selesai: jawaban, skor, genogram, ecomap, kesimpulan.")))
register(ReportKind("rencana", _("Rencana Intervensi"), "case", build_rencana,
                    _("Tujuan dan kegiatan rencana intervensi kasus (yang disetujui, atau draf).")))
register(ReportKind("perkembangan", _("Laporan Perkembangan"), "case", build_perkembangan,
                    _("Layanan yang diberikan menurut rencana intervensi, layanan di luar rencana, riwayat tahap.")))
register(ReportKind("kasus", _("Laporan Kasus"), "case", build_kasus,
                    _("Laporan kasus lengkap: identitas, asesmen, rencana, layanan, rujukan, catatan, terminasi.")))
