"""Asesmen: start, save a section at every wizard step, read, list, finish, reopen, archive (engine only).

Storage follows sync-design.md §2.2: an asesmen row (who, when, which form and version, status) and one
row per section whose `answers` (a JSON object, opaque here) is ONE register. Saving a section therefore
writes one version, and two workers saving different sections never write the same register: a section
save never touches the asesmen row.

The form rules (skip logic, validation, scores, required answers) belong to the forms engine. This module
takes them as an injectable `SectionChecker`; the default `NO_CHECKS` finds no problems and nothing missing.
Answers that break a rule are saved as given and flagged (`problems`), never refused or lost.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from typing import Any, Protocol

from sqlalchemy import false, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Assessment, AssessmentSection, Client, ClientCase, Worker
from atensi_desktop.db.models.assessment import section_row_id
from atensi_desktop.domain.dates import age_on
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.i18n import N_, _, format_date_short
from atensi_desktop.security import guard
from atensi_desktop.security.roles import ASESMEN_EDIT, CLIENT_VIEW

log = logging.getLogger(__name__)

KIND_INITIAL = "awal"
KIND_FOLLOW_UP = "lanjutan"  # re-asesmen: linked to the client's previous finished asesmen
KINDS = {KIND_INITIAL: N_("Asesmen awal"), KIND_FOLLOW_UP: N_("Asesmen lanjutan (re-asesmen)")}
STATUS_DRAFT = "draf"
STATUS_FINISHED = "selesai"
STATUSES = {STATUS_DRAFT: N_("Draf"), STATUS_FINISHED: N_("Selesai")}
MAX_ID = 60  # form_id and section_id column width


# --- the form checker, injected ------------------------------------------------------------------------

@dataclass(frozen=True)
class SectionCheck:
    """What the form rules say about one section's answers. `problems`: answers that break a rule, each a
    dict with at least "message" (and "question" when one question is concerned); `missing_required`: the
    ids of required questions (shown by the skip logic) left empty; `scores`: computed scores by name."""

    problems: tuple[Mapping[str, Any], ...] = ()
    missing_required: tuple[str, ...] = ()
    scores: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MissingAnswer:
    """A required answer not given yet, for the review page and for a refused `finish`."""

    section_id: str
    question_id: str
    label: str = ""


class SectionChecker(Protocol):
    """The form interpreter as this module needs it (the lead wires the real one in `atensi_desktop.forms`).

    `context` carries facts about the client and the asesmen a rule may use (client_id, sex, birth_date, age,
    cluster, kind, started_on; dates as ISO text) and, for `check_section`, "all_answers": the saved answers
    of the asesmen's other sections by section id.
    Results may be this module's `SectionCheck`/`MissingAnswer` or any objects with the same attributes.
    """

    def check_section(self, form_id: str, form_version: str, section_id: str, answers: Mapping[str, Any],
                      context: Mapping[str, Any]) -> Any: ...

    def review(self, form_id: str, form_version: str, sections: Mapping[str, Mapping[str, Any]],
               context: Mapping[str, Any]) -> Sequence[Any]: ...


class NoChecks:
    """The default checker: every answer is fine and nothing is required."""

    def check_section(self, form_id: str, form_version: str, section_id: str, answers: Mapping[str, Any],
                      context: Mapping[str, Any]) -> SectionCheck:
        return SectionCheck()

    def review(self, form_id: str, form_version: str, sections: Mapping[str, Mapping[str, Any]],
               context: Mapping[str, Any]) -> Sequence[MissingAnswer]:
        return ()


NO_CHECKS: SectionChecker = NoChecks()


# --- what callers get back -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SectionDTO:
    section_id: str
    answers: Mapping[str, Any]
    filled_by_worker_id: uuid.UUID | None
    filled_by_name: str | None
    problems: tuple[Mapping[str, Any], ...]
    missing_required: tuple[str, ...]
    scores: Mapping[str, Any]
    completed: bool
    saved_at: dt.datetime | None


@dataclass(frozen=True)
class AssessmentDTO:
    id: uuid.UUID
    client_id: uuid.UUID
    case_id: uuid.UUID | None
    form_id: str
    form_version: str
    kind: str
    status: str
    started_on: dt.date
    started_by: uuid.UUID | None
    finished_on: dt.date | None
    finished_by: uuid.UUID | None
    previous_assessment_id: uuid.UUID | None
    reopened_on: dt.date | None
    reopened_by: uuid.UUID | None
    reopen_reason: str | None
    archived: bool
    sections: Mapping[str, SectionDTO] = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return _(KINDS[self.kind]) if self.kind in KINDS else self.kind

    @property
    def status_label(self) -> str:
        return _(STATUSES[self.status]) if self.status in STATUSES else self.status

    @property
    def finished(self) -> bool:
        return self.status == STATUS_FINISHED


@dataclass(frozen=True)
class AssessmentSummary:
    """One line of a client's asesmen list."""

    id: uuid.UUID
    form_id: str
    form_version: str
    kind: str
    status: str
    started_on: dt.date
    finished_on: dt.date | None
    previous_assessment_id: uuid.UUID | None
    sections_saved: int
    problems: int
    archived: bool

    @property
    def kind_label(self) -> str:
        return _(KINDS[self.kind]) if self.kind in KINDS else self.kind

    @property
    def status_label(self) -> str:
        return _(STATUSES[self.status]) if self.status in STATUSES else self.status


class DraftExistsError(UserError):
    """The client already has a draft asesmen of this form: resume it instead of starting another."""

    def __init__(self, message: str, *, hint: str, assessment_id: uuid.UUID) -> None:
        super().__init__(message, hint=hint)
        self.assessment_id = assessment_id


class IncompleteAssessmentError(UserError):
    """`finish` refused: the required answers in `missing` are still empty."""

    def __init__(self, missing: Sequence[MissingAnswer]) -> None:
        super().__init__(
            _("Asesmen belum bisa diselesaikan: {n} jawaban wajib belum diisi.").format(n=len(missing)),
            hint=_("Isi jawaban yang ditandai di halaman periksa, lalu selesaikan lagi."))
        self.missing = tuple(missing)


# --- start -----------------------------------------------------------------------------------------------

def start_assessment(db: Database, client_id: uuid.UUID, *, form_id: str, form_version: str,
                     case_id: uuid.UUID | None = None, kind: str | None = None,
                     worker_id: uuid.UUID | None = None, started_on: dt.date | None = None) -> AssessmentDTO:
    """Start a draft asesmen of `form_id`/`form_version` for a client (and one of its cases).

    `kind` None: a re-asesmen ("lanjutan") when the client has a finished asesmen, else "awal". A
    re-asesmen is linked to the client's latest finished asesmen (`previous_assessment_id`). A second draft
    of the same form for the same client is refused (`DraftExistsError` names the one to resume).
    """
    guard.check(db, ASESMEN_EDIT, client_id=client_id)
    problems: dict[str, str] = {}
    if not _valid_id(form_id):
        problems["form_id"] = _("Formulir asesmen tidak dikenali.")
    if not form_version or len(str(form_version)) > 20:
        problems["form_version"] = _("Versi formulir asesmen tidak dikenali.")
    if kind is not None and kind not in KINDS:
        problems["kind"] = _("Jenis asesmen harus asesmen awal atau asesmen lanjutan.")
    if problems:
        raise ValidationError(problems)
    with db.session() as s:
        client = _live_client(s, client_id)
        if case_id is not None:
            case = s.get(ClientCase, case_id)
            if case is None or case.deleted or case.client_id != client.id:
                raise ValidationError({"case_id": _("Kasus ini bukan milik klien ini; pilih kasus klien ini.")})
        draft = s.scalars(select(Assessment).where(
            Assessment.client_id == client_id, Assessment.form_id == form_id, Assessment.deleted == false(),
            Assessment.status == STATUS_DRAFT).order_by(Assessment.started_on.desc()).limit(1)).first()
        if draft is not None:
            raise DraftExistsError(
                _("Klien ini masih punya asesmen draf yang dimulai {date}.").format(
                    date=format_date_short(draft.started_on)),
                hint=_("Lanjutkan asesmen draf itu, atau arsipkan dulu bila memang tidak dipakai."),
                assessment_id=draft.id)
        previous = _latest_finished(s, client_id)
        if kind is None:
            kind = KIND_FOLLOW_UP if previous is not None else KIND_INITIAL
        if kind == KIND_FOLLOW_UP and previous is None:
            raise ValidationError({"kind": _("Klien ini belum punya asesmen yang selesai; mulai dengan asesmen "
                                             "awal.")})
        row = Assessment(
            client_id=client_id, case_id=case_id, form_id=form_id, form_version=str(form_version), kind=kind,
            status=STATUS_DRAFT, started_on=started_on or dt.date.today(), started_by=worker_id,
            previous_assessment_id=previous.id if kind == KIND_FOLLOW_UP and previous is not None else None)
        s.add(row)
        s.flush()
        return _dto(row, {})


# --- save a section (every wizard step) ------------------------------------------------------------------

def save_section(db: Database, assessment_id: uuid.UUID, section_id: str, answers: Mapping[str, Any], *,
                 worker_id: uuid.UUID | None = None, checker: SectionChecker = NO_CHECKS,
                 context: Mapping[str, Any] | None = None) -> SectionDTO:
    """Save one section's answers now (committed before returning: a draft survives a crash or power cut).

    The answers are kept as given even when the checker finds problems; the problems, the missing required
    answers and the scores come back in the result and are stored with the section (derived, not versions).
    Only a real change of the answers (or of the worker who filled them) becomes a version. A finished or
    archived asesmen is refused (`reopen` first).
    """
    guard.check_row(db, ASESMEN_EDIT, Assessment, assessment_id)
    guard.guard_section_write(db, section_id, answers)
    if not _valid_id(section_id):
        raise ValidationError({"section_id": _("Bagian asesmen tidak dikenali.")})
    clean = plain_answers(answers)
    try:
        return _save_section(db, assessment_id, section_id, clean, worker_id, checker, context)
    except IntegrityError:
        # Another session created this section's row between our read and our write: save over it.
        return _save_section(db, assessment_id, section_id, clean, worker_id, checker, context)


def _save_section(db: Database, assessment_id: uuid.UUID, section_id: str, answers: dict[str, Any],
                  worker_id: uuid.UUID | None, checker: SectionChecker,
                  context: Mapping[str, Any] | None) -> SectionDTO:
    with db.session() as s:
        assessment = _get(s, assessment_id)
        _check_editable(assessment)
        ctx = _context(s, assessment)
        if not isinstance(checker, NoChecks):  # rules may look at other sections: give them their answers
            others = s.execute(select(AssessmentSection.section_id, AssessmentSection.answers).where(
                AssessmentSection.assessment_id == assessment.id, AssessmentSection.deleted == false()))
            ctx["all_answers"] = {sid: dict(ans or {}) for sid, ans in others if sid != section_id}
        ctx |= dict(context or {})
        result = _run_check(checker, assessment, section_id, answers, ctx)
        rid = section_row_id(assessment.id, section_id)
        row = s.get(AssessmentSection, rid)
        if row is None:
            row = AssessmentSection(id=rid, assessment_id=assessment.id, section_id=section_id)
            s.add(row)
        elif row.deleted:
            row.deleted = False
        answers = guard.keep_hidden_answers(db, section_id, row.answers, answers)
        if row.answers != answers:
            row.answers = answers
        if worker_id is not None and row.filled_by_worker_id != worker_id:
            row.filled_by_worker_id = worker_id
        row.check_result = result
        row.problems_count = len(result["problems"])
        row.completed = not result["missing_required"]
        s.flush()
        name = s.scalar(select(Worker.name).where(Worker.id == row.filled_by_worker_id)) \
            if row.filled_by_worker_id is not None else None
        return _section_dto(row, name)


def _run_check(checker: SectionChecker, assessment: Assessment, section_id: str, answers: dict[str, Any],
               ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The checker's verdict as plain JSON; a checker that fails still lets the answers be saved."""
    try:
        found = checker.check_section(assessment.form_id, assessment.form_version, section_id, answers, ctx)
        return {
            "problems": [_problem(p) for p in (getattr(found, "problems", None) or ())],
            "missing_required": [str(q) for q in (getattr(found, "missing_required", None) or ())],
            "scores": plain_answers(dict(getattr(found, "scores", None) or {})),
        }
    except Exception:  # a broken form definition must not lose what the worker typed
        log.exception("checking section %s of form %s %s failed", section_id, assessment.form_id,
                      assessment.form_version)
        return {"problems": [{"message": _("Jawaban disimpan, tetapi belum bisa diperiksa karena formulir "
                                           "bermasalah. Laporkan ke admin.")}],
                "missing_required": [], "scores": {}}


def _problem(problem: Any) -> dict[str, Any]:
    if isinstance(problem, Mapping):
        raw = dict(problem)
    elif is_dataclass(problem) and not isinstance(problem, type):
        raw = asdict(problem)
    elif hasattr(problem, "_asdict"):  # a named tuple
        raw = dict(problem._asdict())
    else:
        raw = {"message": str(problem)}
    return plain_answers(raw)


def plain_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as plain JSON (string keys; dates as ISO text; UUIDs as text; Decimals as numbers).

    Anything else that JSON cannot hold is a programming error (TypeError), never silently dropped.
    """
    if not isinstance(answers, Mapping):
        raise TypeError(f"answers must be a mapping, not {type(answers).__name__}")

    def convert(value: Any) -> Any:
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, decimal.Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, set | frozenset):
            return sorted(value, key=str)
        raise TypeError(f"cannot store {type(value).__name__} in an answer")

    return json.loads(json.dumps(dict(answers), default=convert, ensure_ascii=False, allow_nan=False))


# --- read ------------------------------------------------------------------------------------------------

def get_assessment(db: Database, assessment_id: uuid.UUID) -> AssessmentDTO:
    """An asesmen with all its saved sections (an archived one too: `archived` says so)."""
    guard.check_row(db, CLIENT_VIEW, Assessment, assessment_id)
    with db.session() as s:
        row = s.get(Assessment, assessment_id)
        if row is None:
            raise _not_found()
        return _visible(db, _dto(row, _sections(s, row.id)))


def list_assessments(db: Database, client_id: uuid.UUID, *, include_archived: bool = False
                     ) -> list[AssessmentSummary]:
    """A client's asesmen, newest first, with how many sections are saved and how many problems they hold."""
    guard.check(db, CLIENT_VIEW, client_id=client_id)
    mine = select(Assessment.id).where(Assessment.client_id == client_id)  # only this client's sections
    counts = (select(AssessmentSection.assessment_id, func.count().label("n"),
                     func.coalesce(func.sum(AssessmentSection.problems_count), 0).label("p"))
              .where(AssessmentSection.assessment_id.in_(mine), AssessmentSection.deleted == false())
              .group_by(AssessmentSection.assessment_id).subquery())
    query = (select(Assessment, func.coalesce(counts.c.n, 0), func.coalesce(counts.c.p, 0))
             .outerjoin(counts, counts.c.assessment_id == Assessment.id)
             .where(Assessment.client_id == client_id)
             .order_by(Assessment.started_on.desc(), Assessment.id.desc()))
    if not include_archived:
        query = query.where(Assessment.deleted == false())
    with db.session() as s:
        return [AssessmentSummary(
            id=a.id, form_id=a.form_id, form_version=a.form_version, kind=a.kind, status=a.status,
            started_on=a.started_on, finished_on=a.finished_on, previous_assessment_id=a.previous_assessment_id,
            sections_saved=int(n), problems=int(p), archived=bool(a.deleted)) for a, n, p in s.execute(query)]


def previous_for(db: Database, client_id: uuid.UUID, *, before: uuid.UUID | None = None) -> AssessmentDTO | None:
    """The client's latest finished, live asesmen (other than `before`), with its sections; None if none."""
    guard.check(db, CLIENT_VIEW, client_id=client_id)
    with db.session() as s:
        row = _latest_finished(s, client_id, exclude=before)
        return None if row is None else _visible(db, _dto(row, _sections(s, row.id)))


def _visible(db: Database, dto: AssessmentDTO) -> AssessmentDTO:
    """The asesmen as the signed-in actor may see it: without SENSITIVE_VIEW, sensitive sections are empty
    (no answers, no scores) and sensitive questions are left out (security.roles names them)."""
    if guard.sees_sensitive(db):
        return dto
    sections = {sid: replace(sec, answers=guard.redact_answers(db, sid, sec.answers) or {},
                             scores={} if guard.section_is_sensitive(sid) else sec.scores)
                for sid, sec in dto.sections.items()}
    return replace(dto, sections=sections)


def earlier_of(current: AssessmentSummary, summaries: Sequence[AssessmentSummary]) -> AssessmentSummary | None:
    """The asesmen `current` is compared with, among a client's `summaries`: the one it is linked to (when
    listed), else the latest finished one that started before it (never a newer one)."""
    if current.previous_assessment_id is not None:
        linked = next((a for a in summaries if a.id == current.previous_assessment_id), None)
        if linked is not None:
            return linked
    earlier = [a for a in summaries if a.status == STATUS_FINISHED and a.id != current.id and not a.archived
               and (a.started_on, a.id.bytes) < (current.started_on, current.id.bytes)]
    if not earlier:
        return None
    return max(earlier, key=lambda a: (a.finished_on or a.started_on, a.started_on, a.id.bytes))


def comparison_pair(db: Database, assessment_id: uuid.UUID) -> tuple[AssessmentDTO | None, AssessmentDTO]:
    """(previous, this) for the side-by-side re-asesmen view (`earlier_of`)."""
    guard.check_row(db, CLIENT_VIEW, Assessment, assessment_id)
    current = get_assessment(db, assessment_id)
    summaries = list_assessments(db, current.client_id, include_archived=True)
    mine = next((a for a in summaries if a.id == current.id), None)
    earlier = earlier_of(mine, summaries) if mine is not None else None
    return (get_assessment(db, earlier.id) if earlier is not None else None), current


def review(db: Database, assessment_id: uuid.UUID, *, checker: SectionChecker = NO_CHECKS,
           context: Mapping[str, Any] | None = None) -> tuple[MissingAnswer, ...]:
    """The required answers still missing over the whole asesmen (the wizard's review page)."""
    guard.check_row(db, CLIENT_VIEW, Assessment, assessment_id)
    with db.session() as s:
        row = _get(s, assessment_id)
        return _review(s, row, checker, context)


def _review(s: Session, row: Assessment, checker: SectionChecker,
            context: Mapping[str, Any] | None) -> tuple[MissingAnswer, ...]:
    sections = {sec.section_id: dict(sec.answers or {}) for sec in _section_rows(s, row.id)}
    ctx = _context(s, row) | dict(context or {})
    found = checker.review(row.form_id, row.form_version, sections, ctx) or ()
    return tuple(_missing(m) for m in found)


def _missing(item: Any) -> MissingAnswer:
    if isinstance(item, MissingAnswer):
        return item
    if isinstance(item, Mapping):
        return MissingAnswer(str(item.get("section_id", "")), str(item.get("question_id", "")),
                             str(item.get("label", "")))
    if isinstance(item, tuple):
        return MissingAnswer(*(str(v) for v in item[:3]))
    return MissingAnswer(str(getattr(item, "section_id", "")), str(getattr(item, "question_id", "")),
                         str(getattr(item, "label", "") or ""))


# --- finish, reopen, archive -----------------------------------------------------------------------------

def finish(db: Database, assessment_id: uuid.UUID, *, worker_id: uuid.UUID | None = None,
           checker: SectionChecker = NO_CHECKS, finished_on: dt.date | None = None,
           context: Mapping[str, Any] | None = None) -> AssessmentDTO:
    """Mark the asesmen finished (read-only from now on). Refused with `IncompleteAssessmentError`, listing
    every missing required answer, while the checker's review finds any; answers with problems may finish."""
    guard.check_row(db, ASESMEN_EDIT, Assessment, assessment_id)
    with db.session() as s:
        row = _get(s, assessment_id)
        if row.status == STATUS_FINISHED:
            return _dto(row, _sections(s, row.id))
        missing = _review(s, row, checker, context)
        if missing:
            raise IncompleteAssessmentError(missing)
        row.status = STATUS_FINISHED
        row.finished_on = finished_on or dt.date.today()
        row.finished_by = worker_id
        s.flush()
        return _dto(row, _sections(s, row.id))


def reopen(db: Database, assessment_id: uuid.UUID, *, reason: str, worker_id: uuid.UUID | None = None,
           reopened_on: dt.date | None = None) -> AssessmentDTO:
    """Make a finished asesmen editable again (a draft). The reason, who and when are recorded. Refused
    (`DraftExistsError`) while the client has another draft of the same form."""
    guard.check_row(db, ASESMEN_EDIT, Assessment, assessment_id)
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise ValidationError({"reason": _("Tulis alasan membuka kembali asesmen ini (paling sedikit 5 huruf).")})
    with db.session() as s:
        row = _get(s, assessment_id)
        if row.status != STATUS_FINISHED:
            raise UserError(_("Asesmen ini belum selesai, jadi masih bisa diubah."),
                            hint=_("Lanjutkan mengisi asesmen ini."))
        draft = s.scalars(select(Assessment).where(
            Assessment.client_id == row.client_id, Assessment.form_id == row.form_id, Assessment.deleted == false(),
            Assessment.status == STATUS_DRAFT).limit(1)).first()
        if draft is not None:  # one draft per client and form, as start_assessment keeps it
            raise DraftExistsError(
                _("Klien ini masih punya asesmen draf yang dimulai {date}.").format(
                    date=format_date_short(draft.started_on)),
                hint=_("Selesaikan atau arsipkan asesmen draf itu dulu, lalu buka kembali asesmen ini."),
                assessment_id=draft.id)
        row.status = STATUS_DRAFT
        row.finished_on = None
        row.finished_by = None
        row.reopened_on = reopened_on or dt.date.today()
        row.reopened_by = worker_id
        row.reopen_reason = reason
        s.flush()
        return _dto(row, _sections(s, row.id))


def archive(db: Database, assessment_id: uuid.UUID) -> None:
    """Tombstone: hidden from the client's list and from `previous_for`, kept with all its history."""
    guard.check_row(db, ASESMEN_EDIT, Assessment, assessment_id)
    _set_deleted(db, assessment_id, True)


def restore(db: Database, assessment_id: uuid.UUID) -> None:
    guard.check_row(db, ASESMEN_EDIT, Assessment, assessment_id)
    _set_deleted(db, assessment_id, False)


def _set_deleted(db: Database, assessment_id: uuid.UUID, flag: bool) -> None:
    with db.session() as s:
        row = s.get(Assessment, assessment_id)
        if row is None:
            raise _not_found()
        if row.deleted != flag:
            row.deleted = flag


# --- helpers ---------------------------------------------------------------------------------------------

def _valid_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID and value.strip() == value


def _not_found() -> NotFoundError:
    return NotFoundError(_("Asesmen tidak ditemukan."), hint=_("Buka lagi daftar asesmen klien."))


def _get(s: Session, assessment_id: uuid.UUID) -> Assessment:
    row = s.get(Assessment, assessment_id)
    if row is None or row.deleted:
        raise _not_found()
    return row


def _live_client(s: Session, client_id: uuid.UUID) -> Client:
    client = s.get(Client, client_id)
    if client is None or client.deleted:
        raise NotFoundError(_("Klien tidak ditemukan."), hint=_("Cari lagi di daftar klien."))
    if client.merged_into is not None:
        raise UserError(_("Klien ini sudah digabung ke klien lain."),
                        hint=_("Buka klien hasil penggabungan, lalu mulai asesmen di sana."))
    return client


def _check_editable(row: Assessment) -> None:
    if row.status == STATUS_FINISHED:
        raise UserError(_("Asesmen ini sudah selesai dan tidak bisa diubah."),
                        hint=_("Bila perlu diubah, buka kembali asesmen ini dengan menuliskan alasannya."))


def _latest_finished(s: Session, client_id: uuid.UUID, *, exclude: uuid.UUID | None = None) -> Assessment | None:
    query = (select(Assessment).where(Assessment.client_id == client_id, Assessment.deleted == false(),
                                      Assessment.status == STATUS_FINISHED)
             .order_by(Assessment.finished_on.desc(), Assessment.started_on.desc(), Assessment.id.desc()))
    if exclude is not None:
        query = query.where(Assessment.id != exclude)
    return s.scalars(query.limit(1)).first()


def _context(s: Session, row: Assessment) -> dict[str, Any]:
    """Facts a form rule may use: the client's sex, birth date, age, cluster; the asesmen's kind and date."""
    client = s.execute(select(Client.sex, Client.birth_date, Client.cluster).where(Client.id == row.client_id)
                       ).first()
    sex, birth, cluster = client if client is not None else (None, None, None)
    age = age_on(birth, row.started_on)
    return {"client_id": str(row.client_id), "sex": sex, "birth_date": birth.isoformat() if birth else None,
            "age": age, "cluster": cluster, "kind": row.kind, "started_on": row.started_on.isoformat()}


def _section_rows(s: Session, assessment_id: uuid.UUID) -> list[AssessmentSection]:
    return list(s.scalars(select(AssessmentSection).where(
        AssessmentSection.assessment_id == assessment_id, AssessmentSection.deleted == false())
        .order_by(AssessmentSection.created_at, AssessmentSection.section_id)))


def _sections(s: Session, assessment_id: uuid.UUID) -> dict[str, SectionDTO]:
    rows = _section_rows(s, assessment_id)
    workers = {w for w in (r.filled_by_worker_id for r in rows) if w is not None}
    names = dict(s.execute(select(Worker.id, Worker.name).where(Worker.id.in_(workers))).all()) if workers else {}
    return {r.section_id: _section_dto(r, names.get(r.filled_by_worker_id)) for r in rows}


def _section_dto(row: AssessmentSection, worker_name: str | None) -> SectionDTO:
    check = row.check_result or {}
    return SectionDTO(
        section_id=row.section_id, answers=dict(row.answers or {}), filled_by_worker_id=row.filled_by_worker_id,
        filled_by_name=worker_name, problems=tuple(check.get("problems", ())),
        missing_required=tuple(check.get("missing_required", ())), scores=dict(check.get("scores", {})),
        completed=bool(row.completed), saved_at=row.updated_at)


def _dto(row: Assessment, sections: Mapping[str, SectionDTO]) -> AssessmentDTO:
    return AssessmentDTO(
        id=row.id, client_id=row.client_id, case_id=row.case_id, form_id=row.form_id,
        form_version=row.form_version, kind=row.kind, status=row.status, started_on=row.started_on,
        started_by=row.started_by, finished_on=row.finished_on, finished_by=row.finished_by,
        previous_assessment_id=row.previous_assessment_id, reopened_on=row.reopened_on,
        reopened_by=row.reopened_by, reopen_reason=row.reopen_reason, archived=bool(row.deleted),
        sections=dict(sections))
