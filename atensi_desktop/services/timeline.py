"""The case timeline: everything that happened in a case (or to a client) in one list, newest first.

Events come from every record of a case: stage changes, service entries (a corrected or cancelled entry is
marked, the correction itself is its own event), referrals and each of their statuses, case notes and case
conferences, tasks (made and done), asesmen (started and finished) and approved intervention plans. Each
event carries its day (`when`), a time to order events of one day (`at`, when it was recorded), a kind, a
title in Bahasa Indonesia, a detail line, the worker's name and the record it comes from (`ref_table`,
`ref_id`) so the UI can open it.

Reading is one or two indexed queries per kind of record (columns only, no ORM objects, none per row) and
one query for all the worker names, so the number of statements does not grow with the events (a case with
2,000 events: about 30 ms on SQLite). A client's timeline includes the records of clients merged into it.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session, aliased

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import (
    Assessment,
    CaseStageChange,
    Client,
    ClientCase,
    InterventionPlan,
    ServiceEntry,
)
from atensi_desktop.db.models.casework import CaseNote, CaseTask, Referral, ReferralEvent
from atensi_desktop.errors import NotFoundError
from atensi_desktop.i18n import N_, _, format_date_short, format_number
from atensi_desktop.refdata import ref_list
from atensi_desktop.security import guard
from atensi_desktop.security.roles import CLIENT_VIEW
from atensi_desktop.services import assessments as assessment_svc
from atensi_desktop.services import casenotes, referrals, tasks
from atensi_desktop.services.casework_common import worker_names

STAGE = "tahap"
SERVICE = "layanan"
REFERRAL = "rujukan"
NOTE = casenotes.NOTE
CONFERENCE = casenotes.CONFERENCE
TASK = "tugas"
ASSESSMENT = "asesmen"
PLAN = "rencana_intervensi"
KINDS = {
    STAGE: N_("Tahap kasus"),
    SERVICE: N_("Layanan"),
    REFERRAL: N_("Rujukan"),
    NOTE: N_("Catatan kasus"),
    CONFERENCE: N_("Konferensi kasus"),
    TASK: N_("Tugas dan tindak lanjut"),
    ASSESSMENT: N_("Asesmen"),
    PLAN: N_("Rencana intervensi"),
}
# Marks on an event: what later happened to the record it shows.
MARKS = {"dikoreksi": N_("dikoreksi"), "dibatalkan": N_("dibatalkan"), "diubah": N_("diubah")}
DETAIL_MAX = 200
_SERVICE_LISTS = {"atensi": "atensi_services", "spm": "spm_services", "rehab": "rehab_forms"}


@dataclass(frozen=True)
class TimelineEvent:
    when: dt.date
    at: dt.datetime  # when the record was written (UTC): orders the events of one day
    kind: str
    title: str
    detail: str | None
    worker_id: uuid.UUID | None
    worker_name: str | None
    ref_table: str
    ref_id: uuid.UUID
    case_id: uuid.UUID | None
    client_id: uuid.UUID | None
    mark: str | None = None  # a MARKS code

    @property
    def kind_label(self) -> str:
        return _(KINDS.get(self.kind, self.kind))

    @property
    def mark_label(self) -> str:
        return _(MARKS[self.mark]) if self.mark else ""


def case_timeline(db: Database, case_id: uuid.UUID | None = None, client_id: uuid.UUID | None = None,
                  kinds: Collection[str] | None = None, limit: int | None = None) -> list[TimelineEvent]:
    """The events of a case (`case_id`) or of a client and all its cases (`client_id`, with the records of
    clients merged into it), newest first, optionally only of the given `kinds` (KINDS codes) and at most
    `limit` of them."""
    if client_id is not None:
        guard.check(db, CLIENT_VIEW, client_id=client_id)
    if case_id is not None:
        guard.check_row(db, CLIENT_VIEW, ClientCase, case_id)
    if case_id is None and client_id is None:
        raise ValueError("case_timeline needs a case_id or a client_id")
    wanted = set(KINDS) if kinds is None else set(kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"unknown timeline kinds: {sorted(unknown)}")
    with db.session() as s:
        scope = _Scope(s, case_id, client_id)
        raw: list[_Raw] = []
        for kind_set, reader in _READERS:
            if wanted & kind_set:
                reader(s, scope, wanted, limit, raw.append)
        raw.sort(key=_ORDER, reverse=True)
        if limit is not None:
            del raw[limit:]
        names = worker_names(s, (e[6] for e in raw))
    return [TimelineEvent(when=e[0], at=e[1], kind=e[3], title=e[4], detail=e[5], worker_id=e[6],
                          worker_name=names.get(e[6]) if e[6] else None, ref_table=e[7], ref_id=e[2],
                          case_id=e[8], client_id=e[9], mark=e[10]) for e in raw]


def kinds() -> list[tuple[str, str]]:
    """(code, label) of every kind of event, for a filter."""
    return [(code, _(label)) for code, label in KINDS.items()]


# --- scope: which records ---------------------------------------------------------------------------------

class _Scope:
    """Which rows of each table belong to the timeline, and whose they are.

    For a case, the rows are picked by their case id and the case and client are known, so the readers do
    not read (and decode) them per row; for a client, by the client ids (the client and those merged into it)
    and each row brings its own case and client."""

    def __init__(self, s: Session, case_id: uuid.UUID | None, client_id: uuid.UUID | None) -> None:
        self.case_id = case_id
        self.client_ids: list[uuid.UUID] = []
        self.case_client: uuid.UUID | None = None
        if case_id is not None:
            self.case_client = s.scalar(select(ClientCase.client_id).where(ClientCase.id == case_id))
            if self.case_client is None:
                raise NotFoundError(_("Kasus tidak ditemukan."), hint=_("Buka lagi daftar kasus klien."))
        else:
            assert client_id is not None
            if s.scalar(select(Client.id).where(Client.id == client_id)) is None:
                raise NotFoundError(_("Klien tidak ditemukan."), hint=_("Cari lagi di daftar klien."))
            self.client_ids = [client_id, *_merged_into(s, client_id)]

    @property
    def by_case(self) -> bool:
        return self.case_id is not None

    def where(self, case_col: Any, client_col: Any) -> ColumnElement[bool]:
        if self.case_id is not None:
            return case_col == self.case_id
        return client_col == self.client_ids[0] if len(self.client_ids) == 1 else client_col.in_(self.client_ids)

    def owner_columns(self, case_col: Any, client_col: Any) -> tuple[Any, ...]:
        """The columns to read for each row's case and client (none for a case's timeline)."""
        return () if self.case_id is not None else (case_col, client_col)

    def owner(self, row: Any, at: int) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        """(case id, client id) of a row read with owner_columns at position `at`."""
        if self.case_id is not None:
            return self.case_id, self.case_client
        return row[at], row[at + 1]


def _merged_into(s: Session, client_id: uuid.UUID) -> list[uuid.UUID]:
    """Clients redirecting to this one, directly or through others."""
    found: list[uuid.UUID] = []
    seen = {client_id}
    frontier = [client_id]
    while frontier:
        level = [r for r in s.scalars(select(Client.id).where(Client.merged_into.in_(frontier))) if r not in seen]
        seen.update(level)
        found.extend(level)
        frontier = level
    return found


# --- raw events, per kind of record -----------------------------------------------------------------------
# A raw event is a plain tuple (cheap to make for thousands of rows; a TimelineEvent is built only for the
# ones kept): (when, at, ref_id, kind, title, detail, worker_id, ref_table, case_id, client_id, mark).

_Raw = tuple
_Emit = Callable[[_Raw], None]
_ORDER = itemgetter(0, 1, 2)
_UTC = dt.UTC


def _utc(value: dt.datetime | None) -> dt.datetime:
    """Stored times are UTC; SQLite gives them back without a zone (aware ones compare as they are)."""
    if value is None:
        return dt.datetime.min.replace(tzinfo=_UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=_UTC)


def _short(text: str | None) -> str | None:
    if not text:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= DETAIL_MAX else flat[:DETAIL_MAX - 1].rstrip() + "\u2026"


def _limited(query: Any, order: Any, limit: int | None) -> Any:
    return query.order_by(order.desc()).limit(limit) if limit is not None else query


def _stages(s: Session, scope: _Scope, wanted: set[str], limit: int | None, emit: _Emit) -> None:
    stage = ref_list("case_stages").label
    opened, terminated, moved = (_("Kasus dibuka: {stage}"), _("Terminasi kasus (dari tahap {before})"),
                                 _("Tahap kasus: {before} \u2192 {after}"))
    cols = (CaseStageChange.id, CaseStageChange.from_stage, CaseStageChange.to_stage, CaseStageChange.changed_on,
            CaseStageChange.worker_id, CaseStageChange.note, CaseStageChange.created_at)
    if scope.by_case:
        query = select(*cols).where(CaseStageChange.case_id == scope.case_id)
    else:
        kase = aliased(ClientCase)
        query = (select(*cols, CaseStageChange.case_id, kase.client_id).join(kase, kase.id == CaseStageChange.case_id)
                 .where(scope.where(CaseStageChange.case_id, kase.client_id)))
    query = query.where(CaseStageChange.deleted == false())
    for row in s.execute(_limited(query, CaseStageChange.changed_on, limit)):
        rid, before, after, on, worker, note, created = row[:7]
        if before is None:
            title = opened.format(stage=stage(after))
        elif after == "terminasi":
            title = terminated.format(before=stage(before))
        else:
            title = moved.format(before=stage(before), after=stage(after))
        emit((on, _utc(created), rid, STAGE, title, _short(note), worker, "case_stage_change",
              *scope.owner(row, 7), None))


def _service_labels() -> Callable[[str, str, str | None], str]:
    cache: dict[tuple[str, str, str | None], str] = {}

    def label(kind: str, code: str, subitem: str | None) -> str:
        key = (kind, code, subitem)
        found = cache.get(key)
        if found is None:
            found = cache[key] = _service_label(kind, code, subitem)
        return found

    return label


def _service_label(kind: str, code: str, subitem: str | None) -> str:
    name = _SERVICE_LISTS.get(kind)
    if name is None:
        return code
    items = ref_list(name)
    label = items.label(code)
    if subitem:
        item = items.get(code)
        for sub in (item.extra.get("subitems", ()) if item else ()):
            if sub["code"] == subitem:
                return f"{label}: {sub['label']}"
        return f"{label}: {subitem}"
    return label


def _services(s: Session, scope: _Scope, wanted: set[str], limit: int | None, emit: _Emit) -> None:
    in_scope = (scope.where(ServiceEntry.case_id, ServiceEntry.client_id), ServiceEntry.deleted == false())
    # What amended each entry: a correction or cancellation is entered for the same client and case as the
    # entry it replaces, so the amendments are read through the same index (a correlated lookup per entry
    # made SQLite scan the table: its statistics see amends_id as almost always empty).
    amended: dict[uuid.UUID, tuple[dt.datetime, str]] = {}
    for target, entry_type, created in s.execute(select(ServiceEntry.amends_id, ServiceEntry.entry_type,
                                                        ServiceEntry.created_at)
                                                 .where(*in_scope, ServiceEntry.amends_id.is_not(None))):
        stamp = _utc(created)
        if target not in amended or stamp > amended[target][0]:
            amended[target] = (stamp, entry_type)
    titles = {"koreksi": _("Koreksi layanan: {service}"), "batal": _("Pembatalan layanan: {service}")}
    plain, period, why = _("Layanan: {service}"), _("{start} s.d. {end}"), _("alasan: {reason}")
    marks = {"koreksi": "dikoreksi", "batal": "dibatalkan"}
    label = _service_labels()
    number = functools.lru_cache(maxsize=512)(format_number)  # Babel is slow and amounts repeat (bench services)
    query = (select(ServiceEntry.id, ServiceEntry.entry_type, ServiceEntry.service_kind, ServiceEntry.service_code,
                    ServiceEntry.subitem_code, ServiceEntry.date_from, ServiceEntry.date_until, ServiceEntry.quantity,
                    ServiceEntry.unit, ServiceEntry.value_rp, ServiceEntry.provider_worker_id, ServiceEntry.reason,
                    ServiceEntry.created_at, *scope.owner_columns(ServiceEntry.case_id, ServiceEntry.client_id))
             .where(*in_scope))
    for row in s.execute(_limited(query, ServiceEntry.date_from, limit)):
        rid, entry_type, kind, code, subitem, start, until, qty, unit, value, worker, reason, created = row[:13]
        title = titles.get(entry_type, plain).format(service=label(kind, code, subitem))
        parts = []
        if until is not None and until != start:
            parts.append(period.format(start=format_date_short(start), end=format_date_short(until)))
        if qty is not None:
            amount = number(int(qty)) if qty == int(qty) else number(float(qty))
            parts.append(f"{amount} {unit}" if unit else amount)
        if value is not None:
            parts.append(f"Rp{number(value)}")
        if reason and entry_type in titles:
            parts.append(why.format(reason=reason))
        amended_by = amended.get(rid)
        emit((start, _utc(created), rid, SERVICE, title, _short(" \u00b7 ".join(parts)) if parts else None, worker,
              "service_entry", *scope.owner(row, 13), marks.get(amended_by[1]) if amended_by else None))


def _referral_titles() -> dict[tuple[bool, str], str]:
    """(outgoing?, status) -> title template."""
    return {
        (True, referrals.SENT): _("Rujukan dikirim ke {name}"),
        (False, referrals.SENT): _("Rujukan masuk dari {name}"),
        (True, referrals.ACCEPTED): _("Rujukan ke {name} diterima"),
        (False, referrals.ACCEPTED): _("Rujukan dari {name} diterima"),
        (True, referrals.COMPLETED): _("Rujukan ke {name} selesai"),
        (False, referrals.COMPLETED): _("Rujukan dari {name} selesai"),
        (True, referrals.DECLINED): _("Rujukan ke {name} ditolak"),
        (False, referrals.DECLINED): _("Rujukan dari {name} ditolak"),
    }


def _referrals(s: Session, scope: _Scope, wanted: set[str], limit: int | None, emit: _Emit) -> None:
    titles = _referral_titles()
    other = _("Rujukan {name}: {status}")
    query = (select(ReferralEvent.referral_id, ReferralEvent.status, ReferralEvent.changed_on,
                    ReferralEvent.worker_id, ReferralEvent.note, ReferralEvent.created_at, Referral.direction,
                    Referral.counterpart_name, Referral.reason,
                    *scope.owner_columns(Referral.case_id, Referral.client_id))
             .join(Referral, Referral.id == ReferralEvent.referral_id)
             .where(scope.where(Referral.case_id, Referral.client_id), Referral.deleted == false(),
                    ReferralEvent.deleted == false()))
    for row in s.execute(_limited(query, ReferralEvent.changed_on, limit)):
        referral_id, status, on, worker, note, created, direction, name, reason = row[:9]
        template = titles.get((direction == referrals.OUT, status))
        title = template.format(name=name) if template else other.format(name=name, status=status)
        detail = note or (reason if status == referrals.SENT else None)
        emit((on, _utc(created), referral_id, REFERRAL, title, _short(detail), worker, "referral",
              *scope.owner(row, 9), None))


def _notes(s: Session, scope: _Scope, wanted: set[str], limit: int | None, emit: _Emit) -> None:
    kinds = [k for k in (NOTE, CONFERENCE) if k in wanted]
    note_title, conference_title, decided = _("Catatan kasus"), _("Konferensi kasus"), _("Keputusan: {decisions}")
    query = (select(CaseNote.id, CaseNote.kind, CaseNote.written_on, CaseNote.worker_id, CaseNote.text,
                    CaseNote.decisions, CaseNote.created_at, CaseNote.updated_at,
                    *scope.owner_columns(CaseNote.case_id, CaseNote.client_id))
             .where(scope.where(CaseNote.case_id, CaseNote.client_id), CaseNote.deleted == false()))
    if len(kinds) == 1:
        query = query.where(CaseNote.kind == kinds[0])
    for row in s.execute(_limited(query, CaseNote.written_on, limit)):
        rid, kind, on, worker, text, decisions, created, updated = row[:8]
        if kind == CONFERENCE:
            title, detail = conference_title, decided.format(decisions=decisions) if decisions else text
        else:
            title, detail = note_title, text
        created_utc = _utc(created)
        emit((on, created_utc, rid, kind, title, _short(detail), worker, "case_note", *scope.owner(row, 8),
              "diubah" if _utc(updated) > created_utc else None))


_TASK_MADE = {tasks.TASK: N_("Tugas dibuat: {title}"), tasks.FOLLOW_UP: N_("Tindak lanjut dibuat: {title}"),
              tasks.AFTERCARE: N_("Bimbingan lanjut dijadwalkan: {title}")}
_TASK_DONE = {tasks.TASK: N_("Tugas selesai: {title}"), tasks.FOLLOW_UP: N_("Tindak lanjut selesai: {title}"),
              tasks.AFTERCARE: N_("Bimbingan lanjut selesai: {title}")}


def _two_event_rows(s: Session, query: Any, first_order: Any, second_on: Any, limit: int | None) -> list[Any]:
    """Rows of a record that gives two events (made and done, started and finished). With a limit, the
    newest `limit` by each event's own date: a record made long ago may have been done yesterday."""
    if limit is None:
        return list(s.execute(query))
    rows = {row[0]: row for row in s.execute(query.order_by(first_order.desc()).limit(limit))}
    for row in s.execute(query.where(second_on.is_not(None)).order_by(second_on.desc()).limit(limit)):
        rows.setdefault(row[0], row)
    return list(rows.values())


def _tasks(s: Session, scope: _Scope, wanted: set[str], limit: int | None, emit: _Emit) -> None:
    made_titles = {k: _(v) for k, v in _TASK_MADE.items()}
    done_titles = {k: _(v) for k, v in _TASK_DONE.items()}
    due_text = _("Jatuh tempo {date}")
    query = (select(CaseTask.id, CaseTask.kind, CaseTask.title, CaseTask.due_on, CaseTask.done_on, CaseTask.done_by,
                    CaseTask.worker_id, CaseTask.note, CaseTask.created_at, CaseTask.updated_at,
                    *scope.owner_columns(CaseTask.case_id, CaseTask.client_id))
             .where(scope.where(CaseTask.case_id, CaseTask.client_id), CaseTask.deleted == false()))
    for row in _two_event_rows(s, query, CaseTask.created_at, CaseTask.done_on, limit):
        rid, kind, title, due, done, done_by, worker, note, created, updated = row[:10]
        case_id, client_id = scope.owner(row, 10)
        created_utc = _utc(created)
        made = made_titles.get(kind, made_titles[tasks.TASK]).format(title=title)
        # a task has no date of its own making: the day it was written down on this computer
        emit((created_utc.astimezone().date(), created_utc, rid, TASK, made,
              due_text.format(date=format_date_short(due)), worker, "case_task", case_id, client_id, None))
        if done is not None:
            finished = done_titles.get(kind, done_titles[tasks.TASK]).format(title=title)
            emit((done, _utc(updated), rid, TASK, finished, _short(note), done_by or worker, "case_task", case_id,
                  client_id, None))


def _assessments(s: Session, scope: _Scope, wanted: set[str], limit: int | None, emit: _Emit) -> None:
    started_title, finished_title, form_text = _("{assessment} dimulai"), _("{assessment} selesai"), _("Formulir {form}")
    query = (select(Assessment.id, Assessment.kind, Assessment.started_on, Assessment.started_by,
                    Assessment.finished_on, Assessment.finished_by, Assessment.form_id, Assessment.created_at,
                    Assessment.updated_at, *scope.owner_columns(Assessment.case_id, Assessment.client_id))
             .where(scope.where(Assessment.case_id, Assessment.client_id), Assessment.deleted == false()))
    for row in _two_event_rows(s, query, Assessment.started_on, Assessment.finished_on, limit):
        rid, kind, started, started_by, finished, finished_by, form, created, updated = row[:9]
        case_id, client_id = scope.owner(row, 9)
        label = _(assessment_svc.KINDS.get(kind, kind))
        detail = form_text.format(form=form)
        emit((started, _utc(created), rid, ASSESSMENT, started_title.format(assessment=label), detail, started_by,
              "assessment", case_id, client_id, None))
        if finished is not None:
            emit((finished, _utc(updated), rid, ASSESSMENT, finished_title.format(assessment=label), detail,
                  finished_by, "assessment", case_id, client_id, None))


def _plans(s: Session, scope: _Scope, wanted: set[str], limit: int | None, emit: _Emit) -> None:
    title = _("Rencana intervensi disetujui")
    query = (select(InterventionPlan.id, InterventionPlan.approved_on, InterventionPlan.approved_by,
                    InterventionPlan.note, InterventionPlan.updated_at,
                    *scope.owner_columns(InterventionPlan.case_id, InterventionPlan.client_id))
             .where(scope.where(InterventionPlan.case_id, InterventionPlan.client_id),
                    InterventionPlan.deleted == false(), InterventionPlan.approved_on.is_not(None)))
    for row in s.execute(_limited(query, InterventionPlan.approved_on, limit)):
        rid, approved, approved_by, note, updated = row[:5]
        emit((approved, _utc(updated), rid, PLAN, title, _short(note), approved_by, "intervention_plan",
              *scope.owner(row, 5), None))


_Reader = Callable[[Session, _Scope, set[str], int | None, _Emit], None]
_READERS: tuple[tuple[frozenset[str], _Reader], ...] = (
    (frozenset({STAGE}), _stages),
    (frozenset({SERVICE}), _services),
    (frozenset({REFERRAL}), _referrals),
    (frozenset({NOTE, CONFERENCE}), _notes),
    (frozenset({TASK}), _tasks),
    (frozenset({ASSESSMENT}), _assessments),
    (frozenset({PLAN}), _plans),
)
