"""Case notes (pencatatan ringkas) and case-conference records of a client, optionally within a case.

A note is never overwritten in place: an edit goes through the ordinary synced update (the ORM flush hook),
so each earlier text stays as a field version with its author and time, and `note_history` reads them back.
Notes are dated by the day they record (`written_on`, not in the future).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import ChangeSet, Version
from atensi_desktop.db.models.casework import CaseNote
from atensi_desktop.errors import NotFoundError, ValidationError
from atensi_desktop.i18n import N_, _
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

NOTE = "catatan"
CONFERENCE = "konferensi_kasus"
KINDS = {NOTE: N_("Catatan kasus"), CONFERENCE: N_("Konferensi kasus")}
EDITABLE_FIELDS = ("text", "written_on", "participants", "decisions", "worker_id")
HISTORY_FIELDS = ("text", "participants", "decisions", "written_on")
MAX_TEXT = 20_000


@dataclass(frozen=True)
class NoteDTO:
    id: uuid.UUID
    client_id: uuid.UUID
    case_id: uuid.UUID | None
    kind: str
    written_on: dt.date
    worker_id: uuid.UUID | None
    worker_name: str | None
    text: str
    participants: str | None
    decisions: str | None
    archived: bool
    recorded_at: dt.datetime
    edited_at: dt.datetime

    @property
    def kind_label(self) -> str:
        return _(KINDS.get(self.kind, self.kind))

    @property
    def edited(self) -> bool:
        return self.edited_at > self.recorded_at


@dataclass(frozen=True)
class NoteVersion:
    """One value a field of a note had: `field`, `value` (text, or ISO date for written_on), when it was
    saved (`saved_at`, the saving computer's clock, UTC) and by which user."""

    field: str
    value: str | None
    saved_at: dt.datetime
    user_id: uuid.UUID | None


# --- validation ------------------------------------------------------------------------------------------

def validate_note(kind: str, values: Mapping[str, Any], *, today: dt.date | None = None) -> dict[str, Any]:
    """The one rule for a note: its text (3+ letters); for a case conference also who took part and what
    was decided; a date not in the future. Raises ValidationError naming every problem."""
    reject_unknown(values, EDITABLE_FIELDS, "note")
    today = today or dt.date.today()
    problems: dict[str, str] = {}
    clean: dict[str, Any] = {k: clean_text(values.get(k)) for k in ("text", "participants", "decisions")}
    if kind not in KINDS:
        raise ValueError(f"unknown note kind {kind!r}")
    if kind == CONFERENCE:
        if not clean["text"] or len(clean["text"]) < 3:
            problems["text"] = _("Tulis ringkasan pembahasan konferensi kasus (paling sedikit 3 huruf).")
        if not clean["participants"] or len(clean["participants"]) < 3:
            problems["participants"] = _("Tulis siapa saja peserta konferensi kasus.")
        if not clean["decisions"] or len(clean["decisions"]) < 3:
            problems["decisions"] = _("Tulis keputusan konferensi kasus (paling sedikit 3 huruf).")
    else:
        if not clean["text"] or len(clean["text"]) < 3:
            problems["text"] = _("Tulis isi catatan (paling sedikit 3 huruf).")
        for key in ("participants", "decisions"):
            if clean[key]:
                problems[key] = _("Catatan biasa tidak punya peserta dan keputusan; simpan sebagai konferensi "
                                  "kasus.")
    for key in ("text", "participants", "decisions"):
        if clean[key] and len(clean[key]) > MAX_TEXT and key not in problems:
            problems[key] = _("Tulisan terlalu panjang (paling banyak {n} huruf); bagi menjadi beberapa "
                              "catatan.").format(n=f"{MAX_TEXT:,}".replace(",", "."))
    written_on = coerce_date(values.get("written_on"), "written_on", problems)
    if written_on is None and "written_on" not in problems:
        written_on = today
    not_in_future(written_on, today, "written_on", problems)
    worker = coerce_uuid(values.get("worker_id"), "worker_id", problems,
                         _("Petugas tidak dikenali; pilih dari daftar."))
    if problems:
        raise ValidationError(problems)
    clean.update(written_on=written_on, worker_id=worker)
    return clean


# --- write -----------------------------------------------------------------------------------------------

def add_note(db: Database, client_id: uuid.UUID, text: str, *, case_id: uuid.UUID | None = None,
             written_on: dt.date | str | None = None, worker_id: uuid.UUID | None = None,
             today: dt.date | None = None) -> NoteDTO:
    """A case note of a client (in one of its cases when `case_id` is given), dated `written_on` (default
    today)."""
    guard.check(db, CASE_EDIT, client_id=client_id)
    clean = validate_note(NOTE, {"text": text, "written_on": written_on, "worker_id": worker_id}, today=today)
    return _add(db, client_id, case_id, NOTE, clean)


def add_conference(db: Database, client_id: uuid.UUID, *, text: str, participants: str, decisions: str,
                   case_id: uuid.UUID | None = None, written_on: dt.date | str | None = None,
                   worker_id: uuid.UUID | None = None, today: dt.date | None = None) -> NoteDTO:
    """The record of a case conference: the summary of what was discussed (`text`), who took part and what
    was decided."""
    guard.check(db, CASE_EDIT, client_id=client_id)
    clean = validate_note(CONFERENCE, {"text": text, "participants": participants, "decisions": decisions,
                                       "written_on": written_on, "worker_id": worker_id}, today=today)
    return _add(db, client_id, case_id, CONFERENCE, clean)


def _add(db: Database, client_id: uuid.UUID, case_id: uuid.UUID | None, kind: str,
         clean: dict[str, Any]) -> NoteDTO:
    with db.session() as s:
        writable_client(s, client_id)
        case_of_client(s, client_id, case_id)
        check_worker(s, clean["worker_id"])
        note = CaseNote(client_id=client_id, case_id=case_id, kind=kind, **clean)
        s.add(note)
        s.flush()
        return _dto(note, worker_names(s, [note.worker_id]))


def update_note(db: Database, note_id: uuid.UUID, changes: Mapping[str, Any], *,
                today: dt.date | None = None) -> NoteDTO:
    """Change fields of a note (EDITABLE_FIELDS). Only the changed fields are written, each as a new version
    of its register; the earlier values stay in `note_history`."""
    guard.check_row(db, CASE_EDIT, CaseNote, note_id)
    reject_unknown(changes, EDITABLE_FIELDS, "editable note")
    with db.session() as s:
        note = _live(s, note_id)
        current = {k: getattr(note, k) for k in EDITABLE_FIELDS}
        clean = validate_note(note.kind, current | dict(changes), today=today)
        if "worker_id" in changes:
            check_worker(s, clean["worker_id"])
        for key in changes:
            if getattr(note, key) != clean[key]:
                setattr(note, key, clean[key])
        s.flush()
        return _dto(note, worker_names(s, [note.worker_id]))


def archive_note(db: Database, note_id: uuid.UUID) -> None:
    """Tombstone a note written on the wrong client or case (kept, with its history)."""
    guard.check_row(db, CASE_EDIT, CaseNote, note_id)
    with db.session() as s:
        _live(s, note_id).deleted = True


# --- read ------------------------------------------------------------------------------------------------

def get_note(db: Database, note_id: uuid.UUID) -> NoteDTO:
    guard.check_row(db, CLIENT_VIEW, CaseNote, note_id)
    with db.session() as s:
        note = s.get(CaseNote, note_id)
        if note is None:
            raise _not_found()
        return _dto(note, worker_names(s, [note.worker_id]))


def list_notes(db: Database, *, client_id: uuid.UUID | None = None, case_id: uuid.UUID | None = None,
               kind: str | None = None, include_archived: bool = False,
               limit: int | None = None) -> list[NoteDTO]:
    """Notes and conference records of a client or a case, newest first (by the day they record, then by
    when they were written)."""
    guard.check(db, CLIENT_VIEW, client_id=client_id)
    guard.check_case(db, CLIENT_VIEW, case_id)
    if client_id is None and case_id is None:
        raise ValueError("list_notes needs a client_id or a case_id")
    query = select(CaseNote).order_by(CaseNote.written_on.desc(), CaseNote.created_at.desc(), CaseNote.id.desc())
    if client_id is not None:
        query = query.where(CaseNote.client_id == client_id)
    if case_id is not None:
        query = query.where(CaseNote.case_id == case_id)
    if kind is not None:
        query = query.where(CaseNote.kind == kind)
    if not include_archived:
        query = query.where(CaseNote.deleted == false())
    if limit is not None:
        query = query.limit(limit)
    with db.session() as s:
        notes = list(s.scalars(query))
        names = worker_names(s, (n.worker_id for n in notes))
        return [_dto(n, names) for n in notes]


def note_history(db: Database, note_id: uuid.UUID) -> list[NoteVersion]:
    """Every value the text, participants, decisions and date of a note have had, oldest first."""
    guard.check_row(db, CLIENT_VIEW, CaseNote, note_id)
    with db.session() as s:
        if s.get(CaseNote, note_id) is None:
            raise _not_found()
        rows = s.execute(
            select(Version.col, Version.val, ChangeSet.wall_ms, ChangeSet.user_id)
            .join(ChangeSet, (ChangeSet.site == Version.site) & (ChangeSet.hlc == Version.hlc), isouter=True)
            .where(Version.rid == note_id, Version.tbl == CaseNote.__tablename__,
                   Version.col.in_(HISTORY_FIELDS))
            .order_by(Version.hlc, Version.site, Version.seq)).all()
    return [NoteVersion(field=col, value=json.loads(val) if val is not None else None,
                        saved_at=dt.datetime.fromtimestamp((wall or 0) / 1000, dt.UTC), user_id=user)
            for col, val, wall, user in rows]


# --- helpers ---------------------------------------------------------------------------------------------

def _not_found() -> NotFoundError:
    return NotFoundError(_("Catatan tidak ditemukan (mungkin sudah diarsipkan)."),
                         hint=_("Buka lagi daftar catatan klien."))


def _live(s: Session, note_id: uuid.UUID) -> CaseNote:
    note = s.get(CaseNote, note_id)
    if note is None or note.deleted:
        raise _not_found()
    return note


def _dto(n: CaseNote, names: Mapping[uuid.UUID, str]) -> NoteDTO:
    return NoteDTO(id=n.id, client_id=n.client_id, case_id=n.case_id, kind=n.kind, written_on=n.written_on,
                   worker_id=n.worker_id, worker_name=names.get(n.worker_id) if n.worker_id else None,
                   text=n.text, participants=n.participants, decisions=n.decisions, archived=bool(n.deleted),
                   recorded_at=utc(n.created_at), edited_at=utc(n.updated_at))
