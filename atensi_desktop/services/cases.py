"""Cases (kasus): open, move through the case-management stages, terminate; the case board.

The stages are data (refdata `case_stages`, domain.md §1.5): pendekatan awal → asesmen → rencana intervensi
→ pelaksanaan intervensi → monitoring dan evaluasi → (resosialisasi/reintegrasi, optional) → terminasi →
bimbingan lanjut. The rules:

* A client has at most one open case (`closed_on` empty); a second one is refused.
* Every stage change, the opening too, writes one append-only `case_stage_change` row (date, worker, note).
* Moving forward over optional stages is free; moving back, or forward over a stage that is not optional,
  needs a note that says why (the history keeps it).
* Terminasi goes through `terminate` (it needs a reason, refdata `termination_reasons`; "lainnya" needs a
  note) and may happen from any stage; it closes the case (`closed_on`). Bimbingan lanjut comes only after
  terminasi. Moving a terminated case back to an earlier stage reopens it (with a note), unless the client
  already has another open case.
* No date in the future, and no stage change dated before the case's previous one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, false, func, select
from sqlalchemy.orm import Session

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import CaseStageChange, Client, ClientCase, Office, Worker
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.i18n import _, format_date_short
from atensi_desktop.refdata import ref_list
from atensi_desktop.security import guard
from atensi_desktop.security.roles import CASE_EDIT, CLIENT_VIEW
from atensi_desktop.services.casework_common import check_worker
from atensi_desktop.sync.ids import display_id, uuid7

OPENING_STAGE = "pendekatan_awal"
TERMINATION_STAGE = "terminasi"
FOLLOW_UP_STAGE = "bimbingan_lanjut"
NOTE_MAX = 2000
LIST_LIMIT = 1000


# --- what callers get back -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseDTO:
    id: uuid.UUID
    display_id: str
    client_id: uuid.UUID
    client_display_id: str
    client_name: str
    cluster: str | None
    approach: str | None
    stage: str
    worker_id: uuid.UUID | None
    worker_name: str | None
    opened_on: dt.date
    closed_on: dt.date | None
    termination_reason: str | None
    termination_note: str | None
    archived: bool

    @property
    def stage_label(self) -> str:
        return ref_list("case_stages").label(self.stage)

    @property
    def cluster_label(self) -> str:
        return ref_list("clusters").label(self.cluster) if self.cluster else ""

    @property
    def approach_label(self) -> str:
        return ref_list("approaches").label(self.approach) if self.approach else ""

    @property
    def termination_reason_label(self) -> str:
        return ref_list("termination_reasons").label(self.termination_reason) if self.termination_reason else ""

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


@dataclass(frozen=True)
class StageChangeDTO:
    id: uuid.UUID
    case_id: uuid.UUID
    from_stage: str | None
    to_stage: str
    changed_on: dt.date
    worker_id: uuid.UUID | None
    worker_name: str | None
    note: str | None

    @property
    def from_label(self) -> str:
        return ref_list("case_stages").label(self.from_stage) if self.from_stage else ""

    @property
    def to_label(self) -> str:
        return ref_list("case_stages").label(self.to_stage)


@dataclass(frozen=True)
class CaseBoard:
    """Cases per stage (`by_stage`, every stage of refdata in order, zeros included) and per worker and
    stage (`by_worker[worker_id][stage]`; None = no worker), with `open_cases` = not yet closed."""

    by_stage: Mapping[str, int]
    by_worker: Mapping[uuid.UUID | None, Mapping[str, int]]
    worker_names: Mapping[uuid.UUID | None, str] = field(default_factory=dict)
    open_cases: int = 0
    open_by_worker: Mapping[uuid.UUID | None, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())


# --- stage list ------------------------------------------------------------------------------------------

def stages() -> list[tuple[str, str]]:
    """(code, label) of every case stage, in order."""
    return [(item.code, item.label) for item in _stage_items()]


def _stage_items():
    return sorted(ref_list("case_stages").items, key=lambda item: int(item.extra.get("order", 0)))


def _order(stage: str) -> int:
    item = ref_list("case_stages").get(stage)
    return int(item.extra.get("order", 0)) if item is not None else 0


def moves_back(current: str, to_stage: str, *, terminated: bool) -> bool:
    """Whether moving a case from `current` to `to_stage` goes back (an earlier stage, or anything but bimbingan
    lanjut after terminasi, which reopens the case): such a move needs a note saying why."""
    if to_stage == FOLLOW_UP_STAGE:
        return False
    return terminated or _order(to_stage) < _order(current)


def _skipped_required(from_stage: str, to_stage: str) -> list[str]:
    """Labels of the stages that are not optional between `from_stage` and `to_stage` (exclusive)."""
    lo, hi = _order(from_stage), _order(to_stage)
    return [item.label for item in _stage_items()
            if lo < int(item.extra.get("order", 0)) < hi and not item.extra.get("optional", False)
            and item.code != TERMINATION_STAGE]


# --- open, move, terminate -------------------------------------------------------------------------------

def open_case(db: Database, client_id: uuid.UUID, *, cluster: str | None = None, approach: str | None = None,
              worker_id: uuid.UUID | None = None, opened_on: dt.date | None = None, note: str | None = None,
              today: dt.date | None = None) -> CaseDTO:
    """Open a case for a client at the first stage (pendekatan awal). `cluster` defaults to the client's.
    Refused when the client already has an open case, or is archived or merged."""
    guard.check(db, CASE_EDIT, client_id=client_id)
    today = today or dt.date.today()
    opened_on = opened_on or today
    problems: dict[str, str] = {}
    if cluster is not None and cluster not in ref_list("clusters"):
        problems["cluster"] = _("Klaster tidak dikenali; pilih dari daftar.")
    if approach is not None and approach not in ref_list("approaches"):
        problems["approach"] = _("Pendekatan tidak dikenali; pilih keluarga, komunitas atau residensial.")
    if not isinstance(opened_on, dt.date) or isinstance(opened_on, dt.datetime):
        problems["opened_on"] = _("Tanggal kasus dibuka tidak dikenali.")
    elif opened_on > today:
        problems["opened_on"] = _("Tanggal kasus dibuka tidak boleh di masa depan.")
    note = _clean_note(note, problems)
    if problems:
        raise ValidationError(problems)
    with db.session() as s:
        client = _writable_client(s, client_id)
        check_worker(s, worker_id)
        _refuse_second_open_case(s, client.id, None)
        case = ClientCase(id=uuid7(), client_id=client.id, cluster=cluster or client.cluster, approach=approach,
                          stage=OPENING_STAGE, worker_id=worker_id, opened_on=opened_on)
        case.display_id = display_id(_office_code(s, db.office_id), case.id)
        s.add(case)
        s.add(CaseStageChange(case_id=case.id, from_stage=None, to_stage=OPENING_STAGE, changed_on=opened_on,
                              worker_id=worker_id, note=note))
        s.flush()
        return _dto(s, case)


def change_stage(db: Database, case_id: uuid.UUID, to_stage: str, *, on: dt.date | None = None,
                 worker_id: uuid.UUID | None = None, note: str | None = None,
                 today: dt.date | None = None) -> CaseDTO:
    """Move a case to another stage (see the module docstring for what is allowed)."""
    guard.check_row(db, CASE_EDIT, ClientCase, case_id)
    today = today or dt.date.today()
    on = on or today
    problems: dict[str, str] = {}
    note = _clean_note(note, problems)
    if to_stage not in ref_list("case_stages"):
        problems["to_stage"] = _("Tahap kasus tidak dikenali; pilih dari daftar.")
    elif to_stage == TERMINATION_STAGE:
        problems["to_stage"] = _("Terminasi dicatat lewat \u201cTerminasi\u201d, dengan alasannya.")
    if problems:
        raise ValidationError(problems)
    with db.session() as s:
        case = _live_case(s, case_id)
        check_worker(s, worker_id)
        _check_date(s, case, on, today)
        current = case.stage
        if to_stage == current:
            raise ValidationError({"to_stage": _("Kasus ini sudah pada tahap {stage}.").format(
                stage=ref_list("case_stages").label(current))})
        terminated = case.closed_on is not None
        if to_stage == FOLLOW_UP_STAGE:
            if not terminated:
                raise ValidationError({"to_stage": _(
                    "Bimbingan lanjut dimulai sesudah terminasi; catat terminasi kasus ini dulu.")})
        elif moves_back(current, to_stage, terminated=terminated):
            if not note:
                raise ValidationError({"note": _(
                    "Kasus kembali ke tahap sebelumnya; tulis catatan alasannya.")})
            if terminated:  # reopening
                _refuse_second_open_case(s, case.client_id, case.id)
        else:
            skipped = _skipped_required(current, to_stage)
            if skipped and not note:
                raise ValidationError({"note": _(
                    "Tahap {stages} dilewati; tulis catatan alasannya.").format(stages=", ".join(skipped))})
        s.add(CaseStageChange(case_id=case.id, from_stage=current, to_stage=to_stage, changed_on=on,
                              worker_id=worker_id, note=note))
        case.stage = to_stage
        if terminated and to_stage != FOLLOW_UP_STAGE:
            case.closed_on = None
            case.termination_reason = None
            case.termination_note = None
        s.flush()
        return _dto(s, case)


def terminate(db: Database, case_id: uuid.UUID, reason: str, *, on: dt.date | None = None,
              note: str | None = None, worker_id: uuid.UUID | None = None,
              today: dt.date | None = None) -> CaseDTO:
    """Terminasi: the case moves to stage terminasi and is closed on `on`, with its reason and note."""
    guard.check_row(db, CASE_EDIT, ClientCase, case_id)
    today = today or dt.date.today()
    on = on or today
    problems: dict[str, str] = {}
    note = _clean_note(note, problems)
    if reason not in ref_list("termination_reasons"):
        problems["reason"] = _("Pilih alasan terminasi dari daftar.")
    elif reason == "lainnya" and not note:
        problems["note"] = _("Alasan terminasi \u201clainnya\u201d: tulis alasannya di catatan.")
    if problems:
        raise ValidationError(problems)
    with db.session() as s:
        case = _live_case(s, case_id)
        if case.closed_on is not None:
            raise UserError(_("Kasus ini sudah diterminasi pada {date}.").format(
                date=format_date_short(case.closed_on)),
                hint=_("Bila kasus perlu dilanjutkan, kembalikan ke tahap sebelumnya dengan catatan alasannya."))
        check_worker(s, worker_id)
        _check_date(s, case, on, today)
        s.add(CaseStageChange(case_id=case.id, from_stage=case.stage, to_stage=TERMINATION_STAGE, changed_on=on,
                              worker_id=worker_id, note=note))
        case.stage = TERMINATION_STAGE
        case.closed_on = on
        case.termination_reason = reason
        case.termination_note = note
        s.flush()
        return _dto(s, case)


def assign_worker(db: Database, case_id: uuid.UUID, worker_id: uuid.UUID | None) -> CaseDTO:
    """Hand the case to another worker (the change is a version with its author and time)."""
    guard.check_row(db, CASE_EDIT, ClientCase, case_id)
    with db.session() as s:
        case = _live_case(s, case_id)
        check_worker(s, worker_id)
        if case.worker_id != worker_id:
            case.worker_id = worker_id
        s.flush()
        return _dto(s, case)


# --- read ------------------------------------------------------------------------------------------------

def get_case(db: Database, case_id: uuid.UUID) -> CaseDTO:
    guard.check_row(db, CLIENT_VIEW, ClientCase, case_id)
    with db.session() as s:
        case = s.get(ClientCase, case_id)
        if case is None:
            raise _case_not_found()
        return _dto(s, case)


def find_by_display_id(db: Database, text: str) -> list[uuid.UUID]:
    """Cases whose display id is exactly `text` (any case)."""
    guard.check(db, CLIENT_VIEW)
    with db.session() as s:
        return list(s.scalars(select(ClientCase.id).where(ClientCase.display_id == text.strip().upper(),
                                                          *guard.client_terms(db, ClientCase.client_id))
                              .order_by(ClientCase.id)))


def open_case_of(db: Database, client_id: uuid.UUID) -> CaseDTO | None:
    """The client's open case, if any."""
    guard.check(db, CLIENT_VIEW, client_id=client_id)
    with db.session() as s:
        case = _open_case(s, client_id)
        return _dto(s, case) if case is not None else None


def list_cases(db: Database, client_id: uuid.UUID | None = None, worker_id: uuid.UUID | None = None,
               stage: str | None = None, *, open_only: bool = False, limit: int | None = LIST_LIMIT,
               offset: int = 0) -> list[CaseDTO]:
    """Cases (not archived), newest opened first, filtered by client, worker and/or stage; at most `limit`
    (None: all, only sensible with a filter)."""
    guard.check(db, CLIENT_VIEW)
    query = (select(ClientCase, Client.display_id, Client.name, Worker.name)
             .join(Client, Client.id == ClientCase.client_id)
             .outerjoin(Worker, Worker.id == ClientCase.worker_id)
             .where(ClientCase.deleted == false(), *guard.client_terms(db, ClientCase.client_id)))
    if client_id is not None:
        query = query.where(ClientCase.client_id == client_id)
    if worker_id is not None:
        query = query.where(ClientCase.worker_id == worker_id)
    if stage is not None:
        query = query.where(ClientCase.stage == stage)
    if open_only:
        query = query.where(ClientCase.closed_on.is_(None))
    query = query.order_by(ClientCase.opened_on.desc(), ClientCase.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    with db.session() as s:
        return [_dto_from(case, cd, cn, wn) for case, cd, cn, wn in s.execute(query)]


def stage_history(db: Database, case_id: uuid.UUID) -> list[StageChangeDTO]:
    """Every stage change of the case, oldest first (the opening first)."""
    guard.check_row(db, CLIENT_VIEW, ClientCase, case_id)
    with db.session() as s:
        rows = s.execute(
            select(CaseStageChange, Worker.name)
            .outerjoin(Worker, Worker.id == CaseStageChange.worker_id)
            .where(CaseStageChange.case_id == case_id, CaseStageChange.deleted == false())
            .order_by(CaseStageChange.changed_on, CaseStageChange.id))
        return [StageChangeDTO(id=r.id, case_id=r.case_id, from_stage=r.from_stage, to_stage=r.to_stage,
                               changed_on=r.changed_on, worker_id=r.worker_id, worker_name=name, note=r.note)
                for r, name in rows]


def caseload_board(db: Database, worker_id: uuid.UUID | None = None) -> CaseBoard:
    """Cases per stage and per worker (one grouped query over the (worker, stage) index)."""
    guard.check(db, CLIENT_VIEW)
    query = (select(ClientCase.worker_id, ClientCase.stage, func.count(),
                    func.sum(case((ClientCase.closed_on.is_(None), 1), else_=0)))
             .where(ClientCase.deleted == false())
             .group_by(ClientCase.worker_id, ClientCase.stage))
    if worker_id is not None:
        query = query.where(ClientCase.worker_id == worker_id)
    by_stage = {code: 0 for code, _label in stages()}
    by_worker: dict[uuid.UUID | None, dict[str, int]] = {}
    open_by_worker: dict[uuid.UUID | None, int] = {}
    with db.session() as s:
        for wid, stage, n, n_open in s.execute(query):
            by_stage[stage] = by_stage.get(stage, 0) + n
            by_worker.setdefault(wid, {})[stage] = n
            open_by_worker[wid] = open_by_worker.get(wid, 0) + int(n_open or 0)
        ids = [w for w in by_worker if w is not None]
        names: dict[uuid.UUID | None, str] = {
            wid: name for wid, name in s.execute(select(Worker.id, Worker.name).where(Worker.id.in_(ids)))}
    if None in by_worker:
        names[None] = _("(tanpa petugas)")
    return CaseBoard(by_stage=by_stage, by_worker=by_worker, worker_names=names,
                     open_cases=sum(open_by_worker.values()), open_by_worker=open_by_worker)


# --- helpers ---------------------------------------------------------------------------------------------

def _case_not_found() -> NotFoundError:
    return NotFoundError(_("Kasus tidak ditemukan."), hint=_("Buka lagi daftar kasus klien."))


def _live_case(s: Session, case_id: uuid.UUID) -> ClientCase:
    case = s.get(ClientCase, case_id)
    if case is None or case.deleted:
        raise _case_not_found()
    return case


def _writable_client(s: Session, client_id: uuid.UUID) -> Client:
    client = s.get(Client, client_id)
    if client is None:
        raise NotFoundError(_("Klien tidak ditemukan."), hint=_("Cari lagi di daftar klien."))
    if client.merged_into is not None:
        raise UserError(_("Klien ini sudah digabung ke klien lain."),
                        hint=_("Buka klien hasil penggabungan dan catat di sana."))
    if client.deleted:
        raise UserError(_("Klien ini sudah diarsipkan."),
                        hint=_("Pulihkan klien itu dulu bila ingin mencatat kasus atau layanannya."))
    return client


def _open_case(s: Session, client_id: uuid.UUID, *, other_than: uuid.UUID | None = None) -> ClientCase | None:
    query = select(ClientCase).where(ClientCase.client_id == client_id, ClientCase.deleted == false(),
                                     ClientCase.closed_on.is_(None))
    if other_than is not None:
        query = query.where(ClientCase.id != other_than)
    return s.scalars(query.order_by(ClientCase.opened_on.desc()).limit(1)).first()


def _refuse_second_open_case(s: Session, client_id: uuid.UUID, this_case: uuid.UUID | None) -> None:
    other = _open_case(s, client_id, other_than=this_case)
    if other is not None:
        raise UserError(_("Klien ini masih punya kasus terbuka ({case}, tahap {stage}).").format(
            case=other.display_id, stage=ref_list("case_stages").label(other.stage)),
            hint=_("Lanjutkan kasus itu, atau terminasi dulu sebelum membuka kasus baru."))


def _check_date(s: Session, case: ClientCase, on: Any, today: dt.date) -> None:
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise ValidationError({"on": _("Tanggal tidak dikenali.")})
    if on > today:
        raise ValidationError({"on": _("Tanggal tidak boleh di masa depan.")})
    last = s.scalar(select(func.max(CaseStageChange.changed_on)).where(
        CaseStageChange.case_id == case.id, CaseStageChange.deleted == false()))
    earliest = max(d for d in (last, case.opened_on) if d is not None)
    if on < earliest:
        raise ValidationError({"on": _("Tanggal ini sebelum perubahan tahap terakhir kasus ({date}).").format(
            date=format_date_short(earliest))})


def _clean_note(note: str | None, problems: dict[str, str]) -> str | None:
    text = (note or "").strip() or None
    if text is not None and len(text) > NOTE_MAX:
        problems["note"] = _("Catatan terlalu panjang ({n} huruf); paling banyak {limit}.").format(
            n=len(text), limit=NOTE_MAX)
    return text


def _office_code(s: Session, office_id: uuid.UUID | None) -> str | None:
    return s.scalar(select(Office.code).where(Office.id == office_id)) if office_id else None


def _dto(s: Session, case: ClientCase) -> CaseDTO:
    client = s.execute(select(Client.display_id, Client.name).where(Client.id == case.client_id)).one()
    worker = s.scalar(select(Worker.name).where(Worker.id == case.worker_id)) if case.worker_id else None
    return _dto_from(case, client[0], client[1], worker)


def _dto_from(case: ClientCase, client_display: str, client_name: str, worker_name: str | None) -> CaseDTO:
    return CaseDTO(id=case.id, display_id=case.display_id, client_id=case.client_id,
                   client_display_id=client_display, client_name=client_name, cluster=case.cluster,
                   approach=case.approach, stage=case.stage, worker_id=case.worker_id, worker_name=worker_name,
                   opened_on=case.opened_on, closed_on=case.closed_on, termination_reason=case.termination_reason,
                   termination_note=case.termination_note, archived=bool(case.deleted))
