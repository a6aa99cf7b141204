"""Casework records around a case: referrals (rujukan) and their status events, case notes and case
conferences, tasks and follow-ups (including the bimbingan lanjut visits after terminasi).

All are synced rows (sync-design.md §2.2). A referral's fields are registers; its status moves only along
the allowed transitions and every move is also an append-only `referral_event` row, so the history of a
referral survives a last-writer-wins merge of its `status` register. A note's text is a register whose
earlier values stay in the version table (an edit never loses what was written). Worker columns are plain
ids (workers are never deleted), like `client_case.worker_id`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, Synced


class Referral(Synced, Base):
    """A referral out to (`direction` keluar) or in from (masuk) another service: `counterpart_kind` is a
    code of refdata `referral_targets`, `counterpart_office_id` the office when it is one in the office
    directory. `status`: dikirim | diterima | selesai | ditolak (see services.referrals for the moves).
    `letter_number` is the number of the referral letter, once one is issued."""

    __tablename__ = "referral"
    __table_args__ = (Index("ix_referral_client_id_sent_on", "client_id", "sent_on"),)
    client_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("client.id", deferrable=True, initially="DEFERRED"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID(), ForeignKey("client_case.id", deferrable=True, initially="DEFERRED"), index=True)
    direction: Mapped[str] = mapped_column(String(10))
    counterpart_kind: Mapped[str] = mapped_column(String(30))
    counterpart_name: Mapped[str] = mapped_column(String(200))
    counterpart_office_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    reason: Mapped[str] = mapped_column(Text)
    services_requested: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    sent_on: Mapped[dt.date] = mapped_column(Date)
    worker_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    note: Mapped[str | None] = mapped_column(Text)
    letter_number: Mapped[str | None] = mapped_column(String(80))


class ReferralEvent(Synced, Base):
    """One status of a referral, on the day it happened (`changed_on`), by whom and why. Append-only: the
    first event is the sending (or receiving) itself."""

    __tablename__ = "referral_event"
    referral_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("referral.id", deferrable=True, initially="DEFERRED"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    changed_on: Mapped[dt.date] = mapped_column(Date)
    worker_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    note: Mapped[str | None] = mapped_column(Text)


class CaseNote(Synced, Base):
    """A case note (`kind` catatan: pencatatan ringkas) or the record of a case conference (konferensi_kasus:
    with `participants` and `decisions`)."""

    __tablename__ = "case_note"
    __table_args__ = (Index("ix_case_note_client_id_written_on", "client_id", "written_on"),)
    client_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("client.id", deferrable=True, initially="DEFERRED"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID(), ForeignKey("client_case.id", deferrable=True, initially="DEFERRED"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    written_on: Mapped[dt.date] = mapped_column(Date)
    worker_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    text: Mapped[str] = mapped_column(Text)
    participants: Mapped[str | None] = mapped_column(Text)
    decisions: Mapped[str | None] = mapped_column(Text)


class CaseTask(Synced, Base):
    """A task (`kind` tugas), a follow-up (tindak_lanjut) or a bimbingan lanjut visit, due on `due_on`, for
    the responsible worker `worker_id`; done on `done_on` by `done_by` (None while open).

    (worker_id, done_on, due_on) serves one worker's "Hari ini" list (open = done_on IS NULL, then by due
    date); (done_on, due_on) the whole office's."""

    __tablename__ = "case_task"
    __table_args__ = (
        Index("ix_case_task_worker_id_done_on_due_on", "worker_id", "done_on", "due_on"),
        Index("ix_case_task_done_on_due_on", "done_on", "due_on"),
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("client.id", deferrable=True, initially="DEFERRED"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID(), ForeignKey("client_case.id", deferrable=True, initially="DEFERRED"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    done_by: Mapped[uuid.UUID | None] = mapped_column(GUID())
    worker_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    note: Mapped[str | None] = mapped_column(Text)
