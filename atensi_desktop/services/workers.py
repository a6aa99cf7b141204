"""Workers (petugas/pendamping): list, read, record, edit, deactivate and reactivate; never deleted.

A worker named on a case stays in the database for good: "Nonaktifkan" only hides them from the choices for
new work (`active = False`); their cases keep their name. Every form goes through `validate_worker`
(services/office.py), the one rule for a worker, also used by the first-run set-up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import ClientCase, Office, Worker
from atensi_desktop.domain.names import fold
from atensi_desktop.errors import NotFoundError, ValidationError
from atensi_desktop.i18n import _
from atensi_desktop.refdata import ref_list
from atensi_desktop.security import guard
from atensi_desktop.security.roles import WORKER_MANAGE
from atensi_desktop.services.office import WORKER_FIELDS, WorkerInput, validate_worker, worker_columns

Status = Literal["active", "inactive", "all"]


@dataclass(frozen=True)
class WorkerQuery:
    """Which workers to list: `text` matches any part of the name, position or rank (any case, any accents)
    or the start of the NIP or phone number; `office_id` None means every office."""

    text: str = ""
    office_id: uuid.UUID | None = None
    status: Status = "active"


@dataclass(frozen=True)
class WorkerDTO:
    id: uuid.UUID
    office_id: uuid.UUID | None
    office_name: str | None
    name: str
    worker_type: str
    worker_type_label: str
    nip: str | None
    rank: str | None
    position: str | None
    certificate_no: str | None
    str_no: str | None
    sipps_no: str | None
    phone: str | None
    email: str | None
    active: bool
    live_cases: int  # cases not archived and not yet closed that name this worker


def _live_cases() -> object:
    return (select(ClientCase.worker_id, func.count().label("n"))
            .where(ClientCase.deleted.is_(False), ClientCase.closed_on.is_(None), ClientCase.worker_id.is_not(None))
            .group_by(ClientCase.worker_id).subquery())


def _select(cases) -> object:
    return (select(Worker, Office.name, func.coalesce(cases.c.n, 0))
            .outerjoin(Office, Office.id == Worker.office_id)
            .outerjoin(cases, cases.c.worker_id == Worker.id)
            .where(Worker.deleted.is_(False)))


def _dto(worker: Worker, office_name: str | None, live_cases: int) -> WorkerDTO:
    return WorkerDTO(
        id=worker.id, office_id=worker.office_id, office_name=office_name, name=worker.name,
        worker_type=worker.worker_type, worker_type_label=ref_list("worker_types").label(worker.worker_type),
        nip=worker.nip, rank=worker.rank, position=worker.position, certificate_no=worker.certificate_no,
        str_no=worker.str_no, sipps_no=worker.sipps_no, phone=worker.phone, email=worker.email,
        active=bool(worker.active), live_cases=int(live_cases),
    )


def _matches(dto: WorkerDTO, text: str) -> bool:
    """Letters: a part of the name, position, rank or type; digits only: the start of the NIP or phone."""
    if any(ch.isalpha() for ch in text):
        return fold(text) in fold(" ".join(filter(None, (dto.name, dto.position, dto.rank, dto.worker_type_label))))
    digits = "".join(ch for ch in text if ch.isdigit())
    return bool(digits) and any(value and "".join(ch for ch in value if ch.isdigit()).startswith(digits)
                                for value in (dto.nip, dto.phone))


def list_workers(db: Database, query: WorkerQuery = WorkerQuery()) -> list[WorkerDTO]:
    """The workers `query` asks for, by name, each with the number of live cases it handles.

    An office has tens of workers, not millions: office and status are filtered in SQL, the text in Python
    with the same folding as client names (so "ahmad" finds "Áhmad" on SQLite and PostgreSQL alike).
    """
    cases = _live_cases()
    statement = _select(cases)
    if query.office_id is not None:
        statement = statement.where(Worker.office_id == query.office_id)
    if query.status == "active":
        statement = statement.where(Worker.active.is_(True))
    elif query.status == "inactive":
        statement = statement.where(Worker.active.is_(False))
    with db.session() as s:
        found = [_dto(w, office, n) for w, office, n in s.execute(statement)]
    text = " ".join(query.text.split())
    if text:
        found = [dto for dto in found if _matches(dto, text)]
    found.sort(key=lambda dto: (fold(dto.name), dto.id))
    return found


def count_workers(db: Database) -> dict[str, int]:
    """{'active': n, 'inactive': n} over every office."""
    with db.session() as s:
        rows = s.execute(select(Worker.active, func.count()).where(Worker.deleted.is_(False))
                         .group_by(Worker.active)).all()
    counts = {"active": 0, "inactive": 0}
    for active, number in rows:
        counts["active" if active else "inactive"] += int(number)
    return counts


def get_worker(db: Database, worker_id: uuid.UUID) -> WorkerDTO:
    cases = _live_cases()
    with db.session() as s:
        row = s.execute(_select(cases).where(Worker.id == worker_id)).first()
        if row is None:
            raise _not_found()
        return _dto(*row)


def worker_input_from(worker: WorkerDTO) -> WorkerInput:
    """The editable values of a worker, to change with dataclasses.replace and save whole."""
    return WorkerInput(office_id=worker.office_id, **{key: getattr(worker, key) for key in WORKER_FIELDS})


def create_worker(db: Database, data: WorkerInput) -> WorkerDTO:
    """Record a worker (active) for `data.office_id`, or for this installation's office when None."""
    guard.check(db, WORKER_MANAGE)
    clean = validate_worker(data)
    office_id = clean.office_id or db.office_id
    with db.session() as s:
        _check_office_and_nip(s, office_id, clean.nip, None)
        worker = Worker(office_id=office_id, active=True, **worker_columns(clean))
        s.add(worker)
        s.flush()
        worker_id = worker.id
    return get_worker(db, worker_id)


def update_worker(db: Database, worker_id: uuid.UUID, data: WorkerInput) -> WorkerDTO:
    """Save all of a worker's values (start from `worker_input_from`); only real changes become versions."""
    guard.check(db, WORKER_MANAGE)
    clean = validate_worker(data)
    with db.session() as s:
        worker = _get(s, worker_id)
        office_id = clean.office_id or worker.office_id or db.office_id
        _check_office_and_nip(s, office_id, clean.nip, worker_id)
        for key, value in (worker_columns(clean) | {"office_id": office_id}).items():
            if getattr(worker, key) != value:
                setattr(worker, key, value)
    return get_worker(db, worker_id)


def deactivate_worker(db: Database, worker_id: uuid.UUID) -> WorkerDTO:
    """No longer offered for new cases; the worker and every case naming them stay as they are."""
    guard.check(db, WORKER_MANAGE)
    return _set_active(db, worker_id, False)


def reactivate_worker(db: Database, worker_id: uuid.UUID) -> WorkerDTO:
    guard.check(db, WORKER_MANAGE)
    return _set_active(db, worker_id, True)


def _set_active(db: Database, worker_id: uuid.UUID, active: bool) -> WorkerDTO:
    with db.session() as s:
        worker = _get(s, worker_id)
        if bool(worker.active) != active:
            worker.active = active
    return get_worker(db, worker_id)


def _get(session: Session, worker_id: uuid.UUID) -> Worker:
    worker = session.get(Worker, worker_id)
    if worker is None or worker.deleted:
        raise _not_found()
    return worker


def _not_found() -> NotFoundError:
    return NotFoundError(_("Petugas tidak ditemukan."), hint=_("Buka lagi daftar petugas."))


def _check_office_and_nip(session: Session, office_id: uuid.UUID | None, nip: str | None,
                          worker_id: uuid.UUID | None) -> None:
    problems: dict[str, str] = {}
    if office_id is not None:
        office = session.get(Office, office_id)
        if office is None or office.deleted:
            problems["office_id"] = _("Kantor ini tidak ada lagi; pilih kantor lain.")
    if nip:
        query = select(Worker.name).where(Worker.nip == nip, Worker.deleted.is_(False))
        if worker_id is not None:
            query = query.where(Worker.id != worker_id)
        other = session.scalars(query.limit(1)).first()
        if other is not None:
            problems["nip"] = _("NIP ini sudah tercatat untuk {name}; satu NIP hanya untuk satu orang.").format(
                name=other)
    if problems:
        raise ValidationError(problems)

