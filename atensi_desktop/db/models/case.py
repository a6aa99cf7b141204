"""Case (kasus): one episode of service for a client, from pendekatan awal to bimbingan lanjut, and the
append-only history of its stage changes."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, Synced


class ClientCase(Synced, Base):
    __tablename__ = "client_case"
    # The case board counts cases per worker and stage in one grouped query that reads this index only.
    __table_args__ = (Index("ix_client_case_worker_id_stage", "worker_id", "stage", "deleted", "closed_on"),)
    display_id: Mapped[str] = mapped_column(String(20), index=True)
    client_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("client.id", deferrable=True, initially="DEFERRED"), index=True
    )
    cluster: Mapped[str | None] = mapped_column(String(30))
    approach: Mapped[str | None] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(30), index=True)
    worker_id: Mapped[uuid.UUID | None] = mapped_column(GUID(), index=True)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    termination_reason: Mapped[str | None] = mapped_column(String(30))
    termination_note: Mapped[str | None] = mapped_column(Text)


class CaseStageChange(Synced, Base):
    """One move of a case from `from_stage` (None at opening) to `to_stage` (refdata `case_stages`) on
    `changed_on` by worker `worker_id`. Append-only: every stage change, the opening too, writes one row."""

    __tablename__ = "case_stage_change"
    __table_args__ = (Index("ix_case_stage_change_case_id_changed_on", "case_id", "changed_on"),)
    case_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("client_case.id", deferrable=True, initially="DEFERRED"))
    from_stage: Mapped[str | None] = mapped_column(String(30))
    to_stage: Mapped[str] = mapped_column(String(30))
    changed_on: Mapped[dt.date] = mapped_column(Date)
    worker_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    note: Mapped[str | None] = mapped_column(Text)
