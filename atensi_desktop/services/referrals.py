"""Rujukan: referrals out to (keluar) and in from (masuk) another LKS, panti, hospital, puskesmas, Dukcapil,
school, Sentra, Dinas Sosial or the police, and their status.

A referral starts as `dikirim` (sent, or for an incoming one: received here and not yet decided) and moves
only forward: dikirim -> diterima | ditolak; diterima -> selesai | ditolak. Every status, the first one
included, is also an append-only `referral_event` row with its date, worker and note, so the history of a
referral is kept even when two offices change its `status` register (sync-design.md §4.3). Dates in the
future are refused; a status never dates from before the previous one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, Office
from atensi_desktop.db.models.casework import Referral, ReferralEvent
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.i18n import N_, _
from atensi_desktop.refdata import ref_list
from atensi_desktop.security import guard
from atensi_desktop.security.roles import CASE_EDIT, CLIENT_VIEW
from atensi_desktop.services.casework_common import (
    case_of_client,
    check_worker,
    clean_text,
    coerce_date,
    coerce_uuid,
    not_in_future,
    reject_unknown,
    utc,
    worker_names,
    writable_client,
)

OUT = "keluar"
IN = "masuk"
DIRECTIONS = {OUT: N_("Rujukan keluar"), IN: N_("Rujukan masuk")}
SENT = "dikirim"
ACCEPTED = "diterima"
COMPLETED = "selesai"
DECLINED = "ditolak"
STATUSES = {SENT: N_("Dikirim"), ACCEPTED: N_("Diterima"), COMPLETED: N_("Selesai"), DECLINED: N_("Ditolak")}
ALLOWED_MOVES: dict[str, tuple[str, ...]] = {
    SENT: (ACCEPTED, DECLINED),
    ACCEPTED: (COMPLETED, DECLINED),
    COMPLETED: (),
    DECLINED: (),
}
REFERRAL_FIELDS = ("case_id", "direction", "counterpart_kind", "counterpart_name", "counterpart_office_id",
                   "reason", "services_requested", "sent_on", "worker_id", "note", "letter_number")
# Changed by update_referral; the status only through change_status, the client and case never.
EDITABLE_FIELDS = ("counterpart_kind", "counterpart_name", "counterpart_office_id", "reason",
                   "services_requested", "sent_on", "worker_id", "note", "letter_number")


def status_label(status: str) -> str:
    return _(STATUSES.get(status, status))


@dataclass(frozen=True)
class ReferralEventDTO:
    id: uuid.UUID
    status: str
    changed_on: dt.date
    worker_id: uuid.UUID | None
    worker_name: str | None
    note: str | None
    recorded_at: dt.datetime

    @property
    def status_label(self) -> str:
        return status_label(self.status)


@dataclass(frozen=True)
class ReferralDTO:
    id: uuid.UUID
    client_id: uuid.UUID
    client_name: str
    client_display_id: str | None
    case_id: uuid.UUID | None
    direction: str
    counterpart_kind: str
    counterpart_name: str
    counterpart_office_id: uuid.UUID | None
    reason: str
    services_requested: str | None
    status: str
    sent_on: dt.date
    worker_id: uuid.UUID | None
    worker_name: str | None
    note: str | None
    letter_number: str | None
    archived: bool
    events: tuple[ReferralEventDTO, ...] = ()  # filled by get_referral, oldest first

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def direction_label(self) -> str:
        return _(DIRECTIONS.get(self.direction, self.direction))

    @property
    def counterpart_kind_label(self) -> str:
        return ref_list("referral_targets").label(self.counterpart_kind)

    @property
    def next_statuses(self) -> tuple[str, ...]:
        """The statuses this referral may move to now (empty once it is selesai or ditolak)."""
        return () if self.archived else ALLOWED_MOVES.get(self.status, ())


# --- validation ------------------------------------------------------------------------------------------

def validate_referral(values: Mapping[str, Any], *, today: dt.date | None = None) -> dict[str, Any]:
    """The one rule for a referral's fields (a new one, or the whole referral after an edit): direction
    keluar/masuk, a known counterpart kind, the counterpart's name and the reason (3+ letters), a date
    that is not in the future. Raises ValidationError naming every problem."""
    reject_unknown(values, REFERRAL_FIELDS, "referral")
    today = today or dt.date.today()
    problems: dict[str, str] = {}
    clean: dict[str, Any] = {k: clean_text(values.get(k)) for k in (
        "counterpart_name", "reason", "services_requested", "note", "letter_number")}
    direction = values.get("direction")
    if direction not in DIRECTIONS:
        problems["direction"] = _("Pilih arah rujukan: keluar (klien dirujuk ke lembaga lain) atau masuk "
                                  "(klien dirujuk ke sini).")
    kind = values.get("counterpart_kind")
    targets = ref_list("referral_targets")
    if kind not in targets:
        matched = targets.match(str(kind)) if kind else None
        if matched is None:
            problems["counterpart_kind"] = _("Jenis lembaga tujuan/asal rujukan tidak dikenali; pilih dari daftar.")
        else:
            kind = matched.code
    if not clean["counterpart_name"] or len(clean["counterpart_name"]) < 3:
        problems["counterpart_name"] = _("Tulis nama lembaga tujuan/asal rujukan (paling sedikit 3 huruf).")
    elif len(clean["counterpart_name"]) > 200:
        problems["counterpart_name"] = _("Nama lembaga terlalu panjang (paling banyak 200 huruf).")
    if not clean["reason"] or len(clean["reason"]) < 3:
        problems["reason"] = _("Tulis alasan rujukan (paling sedikit 3 huruf).")
    if clean["letter_number"] and len(clean["letter_number"]) > 80:
        problems["letter_number"] = _("Nomor surat terlalu panjang (paling banyak 80 huruf).")
    sent_on = coerce_date(values.get("sent_on"), "sent_on", problems)
    if sent_on is None and "sent_on" not in problems:
        sent_on = today
    not_in_future(sent_on, today, "sent_on", problems)
    worker = coerce_uuid(values.get("worker_id"), "worker_id", problems,
                         _("Petugas tidak dikenali; pilih dari daftar."))
    office = coerce_uuid(values.get("counterpart_office_id"), "counterpart_office_id", problems,
                         _("Kantor tujuan/asal tidak dikenali; pilih dari daftar kantor."))
    case = coerce_uuid(values.get("case_id"), "case_id", problems, _("Kasus tidak dikenali; pilih dari daftar."))
    if problems:
        raise ValidationError(problems)
    clean.update(direction=direction, counterpart_kind=kind, sent_on=sent_on, worker_id=worker,
                 counterpart_office_id=office, case_id=case)
    return clean


def _check_office(s: Session, office_id: uuid.UUID | None) -> None:
    if office_id is None:
        return
    office = s.get(Office, office_id)
    if office is None or office.deleted:
        raise ValidationError({"counterpart_office_id": _("Kantor ini tidak ada di daftar kantor; pilih kantor "
                                                          "lain atau kosongkan.")})


# --- write -----------------------------------------------------------------------------------------------

def create_referral(db: Database, client_id: uuid.UUID, values: Mapping[str, Any], *,
                    today: dt.date | None = None) -> ReferralDTO:
    """Record a referral of a client (optionally within one of the client's cases, `case_id`) with status
    dikirim and its first event on `sent_on` (default today)."""
    guard.check(db, CASE_EDIT, client_id=client_id)
    clean = validate_referral(values, today=today)
    with db.session() as s:
        writable_client(s, client_id)
        case_of_client(s, client_id, clean["case_id"])
        check_worker(s, clean["worker_id"])
        _check_office(s, clean["counterpart_office_id"])
        referral = Referral(client_id=client_id, status=SENT, **clean)
        s.add(referral)
        s.flush()
        s.add(ReferralEvent(referral_id=referral.id, status=SENT, changed_on=referral.sent_on,
                            worker_id=referral.worker_id, note=None))
        s.flush()
        return _dto(s, referral, with_events=True)


def update_referral(db: Database, referral_id: uuid.UUID, changes: Mapping[str, Any], *,
                    today: dt.date | None = None) -> ReferralDTO:
    """Correct fields of a referral (EDITABLE_FIELDS; the status moves only by change_status). The date it
    was sent can be corrected while it is still dikirim; its first event follows."""
    guard.check_row(db, CASE_EDIT, Referral, referral_id)
    reject_unknown(changes, EDITABLE_FIELDS, "editable referral")
    with db.session() as s:
        referral = _live(s, referral_id)
        current = {k: getattr(referral, k) for k in REFERRAL_FIELDS}
        clean = validate_referral(current | dict(changes), today=today)
        if "sent_on" in changes and clean["sent_on"] != referral.sent_on:
            if referral.status != SENT:
                raise UserError(_("Tanggal rujukan tidak bisa diubah setelah statusnya berubah."),
                                hint=_("Catat perbaikan tanggal di keterangan rujukan."))
            first = s.scalars(select(ReferralEvent).where(
                ReferralEvent.referral_id == referral.id, ReferralEvent.deleted == false())
                .order_by(ReferralEvent.changed_on, ReferralEvent.created_at).limit(1)).first()
            if first is not None and first.status == SENT:
                first.changed_on = clean["sent_on"]
        if "worker_id" in changes:
            check_worker(s, clean["worker_id"])
        if "counterpart_office_id" in changes:
            _check_office(s, clean["counterpart_office_id"])
        for key in changes:
            if getattr(referral, key) != clean[key]:
                setattr(referral, key, clean[key])
        s.flush()
        return _dto(s, referral, with_events=True)


def change_status(db: Database, referral_id: uuid.UUID, status: str, *, on: dt.date | str | None = None,
                  worker_id: uuid.UUID | None = None, note: str | None = None,
                  today: dt.date | None = None) -> ReferralDTO:
    """Move a referral to `status` on day `on` (default today), recording an event.

    Refused (UserError, nothing written): a move other than dikirim -> diterima | ditolak or
    diterima -> selesai | ditolak; a date in the future or before the referral's previous status;
    ditolak without a note saying why."""
    guard.check_row(db, CASE_EDIT, Referral, referral_id)
    today = today or dt.date.today()
    problems: dict[str, str] = {}
    day = coerce_date(on, "on", problems) or (today if "on" not in problems else None)
    not_in_future(day, today, "on", problems)
    if status not in STATUSES:
        problems["status"] = _("Status rujukan tidak dikenali; pilih dikirim, diterima, selesai atau ditolak.")
    text = clean_text(note)
    if status == DECLINED and not text:
        problems["note"] = _("Tulis alasan rujukan ditolak.")
    if problems:
        raise ValidationError(problems)
    assert day is not None
    with db.session() as s:
        referral = _live(s, referral_id)
        current = referral.status
        if status == current:
            raise UserError(_("Rujukan ini sudah berstatus {status}.").format(status=status_label(status).lower()),
                            hint=_("Pilih status berikutnya."))
        allowed = ALLOWED_MOVES.get(current, ())
        if status not in allowed:
            if not allowed:
                hint = _("Rujukan yang sudah {status} tidak bisa diubah lagi; buat rujukan baru bila perlu.").format(
                    status=status_label(current).lower())
            else:
                labels = [status_label(a).lower() for a in allowed]
                choices = labels[0] if len(labels) == 1 else _("{first} atau {last}").format(
                    first=", ".join(labels[:-1]), last=labels[-1])
                hint = _("Dari status {current}, rujukan hanya bisa menjadi {allowed}.").format(
                    current=status_label(current).lower(), allowed=choices)
            raise UserError(_("Status rujukan tidak bisa diubah dari {current} menjadi {new}.").format(
                current=status_label(current).lower(), new=status_label(status).lower()), hint=hint, field="status")
        last = s.scalar(select(ReferralEvent.changed_on).where(
            ReferralEvent.referral_id == referral.id, ReferralEvent.deleted == false())
            .order_by(ReferralEvent.changed_on.desc()).limit(1))
        previous = max(d for d in (last, referral.sent_on) if d is not None)
        if day < previous:
            raise ValidationError({"on": _("Tanggal ini lebih awal dari status rujukan sebelumnya ({date}); isi "
                                           "tanggal {date} atau sesudahnya.").format(
                date=previous.strftime("%d-%m-%Y"))})
        check_worker(s, worker_id)
        referral.status = status
        s.add(ReferralEvent(referral_id=referral.id, status=status, changed_on=day, worker_id=worker_id, note=text))
        s.flush()
        return _dto(s, referral, with_events=True)


def archive_referral(db: Database, referral_id: uuid.UUID) -> None:
    """Tombstone a referral recorded by mistake (its events are hidden with it, and kept)."""
    guard.check_row(db, CASE_EDIT, Referral, referral_id)
    with db.session() as s:
        _live(s, referral_id).deleted = True


# --- read ------------------------------------------------------------------------------------------------

def get_referral(db: Database, referral_id: uuid.UUID) -> ReferralDTO:
    """A referral with its events, oldest first (archived referrals too, marked `archived`)."""
    guard.check_row(db, CLIENT_VIEW, Referral, referral_id)
    with db.session() as s:
        referral = s.get(Referral, referral_id)
        if referral is None:
            raise _not_found()
        return _dto(s, referral, with_events=True)


def list_referrals(db: Database, *, client_id: uuid.UUID | None = None, case_id: uuid.UUID | None = None,
                   status: str | Collection[str] | None = None, direction: str | None = None,
                   include_archived: bool = False, limit: int | None = None) -> list[ReferralDTO]:
    """Referrals, newest sent first, of a client, a case, or the whole office, optionally with the given
    status(es) and direction (without their events: get_referral has them)."""
    guard.check(db, CLIENT_VIEW, client_id=client_id)
    guard.check_case(db, CLIENT_VIEW, case_id)
    query = (select(Referral, Client.name, Client.display_id).join(Client, Client.id == Referral.client_id)
             .order_by(Referral.sent_on.desc(), Referral.created_at.desc(), Referral.id.desc()))
    if client_id is not None:
        query = query.where(Referral.client_id == client_id)
    if case_id is not None:
        query = query.where(Referral.case_id == case_id)
    if status is not None:
        wanted = [status] if isinstance(status, str) else list(status)
        query = query.where(Referral.status.in_(wanted))
    if direction is not None:
        query = query.where(Referral.direction == direction)
    if not include_archived:
        query = query.where(Referral.deleted == false())
    if limit is not None:
        query = query.limit(limit)
    with db.session() as s:
        rows = s.execute(query).all()
        names = worker_names(s, (r.worker_id for r, _n, _d in rows))
        return [_row_dto(r, name, display, names) for r, name, display in rows]


# --- helpers ---------------------------------------------------------------------------------------------

def _not_found() -> NotFoundError:
    return NotFoundError(_("Rujukan tidak ditemukan (mungkin sudah diarsipkan)."),
                         hint=_("Buka lagi daftar rujukan klien."))


def _live(s: Session, referral_id: uuid.UUID) -> Referral:
    referral = s.get(Referral, referral_id)
    if referral is None or referral.deleted:
        raise _not_found()
    return referral


def _row_dto(r: Referral, client_name: str, client_display_id: str | None, names: Mapping[uuid.UUID, str],
             events: tuple[ReferralEventDTO, ...] = ()) -> ReferralDTO:
    return ReferralDTO(
        id=r.id, client_id=r.client_id, client_name=client_name, client_display_id=client_display_id,
        case_id=r.case_id, direction=r.direction, counterpart_kind=r.counterpart_kind,
        counterpart_name=r.counterpart_name, counterpart_office_id=r.counterpart_office_id, reason=r.reason,
        services_requested=r.services_requested, status=r.status, sent_on=r.sent_on, worker_id=r.worker_id,
        worker_name=names.get(r.worker_id) if r.worker_id else None, note=r.note, letter_number=r.letter_number,
        archived=bool(r.deleted), events=events)


def _dto(s: Session, r: Referral, *, with_events: bool) -> ReferralDTO:
    client_name, display = s.execute(select(Client.name, Client.display_id).where(Client.id == r.client_id)).one()
    rows = list(s.scalars(select(ReferralEvent).where(
        ReferralEvent.referral_id == r.id, ReferralEvent.deleted == false())
        .order_by(ReferralEvent.changed_on, ReferralEvent.created_at, ReferralEvent.id))) if with_events else []
    names = worker_names(s, [r.worker_id, *(e.worker_id for e in rows)])
    events = tuple(ReferralEventDTO(id=e.id, status=e.status, changed_on=e.changed_on, worker_id=e.worker_id,
                                    worker_name=names.get(e.worker_id) if e.worker_id else None, note=e.note,
                                    recorded_at=utc(e.created_at)) for e in rows)
    return _row_dto(r, client_name, display, names, events)
