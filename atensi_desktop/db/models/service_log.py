"""The service-delivery log (pencatatan layanan), its attachments and bulk distributions (penyaluran).

`service_entry` is append-only (sync-design.md §2.2, "one register per row"): the business fields of an
entry are never updated. A correction or a cancellation ("batal") is a new entry whose `amends_id` points to
the entry it replaces; the "effective" entries are those no later entry amends. A `distribution` is one
penyaluran bantuan given to many clients at once; its recipients are the `service_entry` rows that carry its
`distribution_id`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Numeric, String, Text, event, inspect
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, Synced
from atensi_desktop.db.models.case import CaseStageChange


class Distribution(Synced, Base):
    """One penyaluran bantuan: what was given (service kind/code/subitem), when, how much per recipient
    (`value_rp` whole Rupiah, `quantity`/`unit`), from which fund, where, by which office and worker."""

    __tablename__ = "distribution"
    title: Mapped[str] = mapped_column(String(200))
    service_kind: Mapped[str] = mapped_column(String(20))
    service_code: Mapped[str] = mapped_column(String(40))
    subitem_code: Mapped[str | None] = mapped_column(String(40))
    date_from: Mapped[dt.date] = mapped_column(Date, index=True)
    date_until: Mapped[dt.date | None] = mapped_column(Date)
    value_rp: Mapped[int | None] = mapped_column(BigInteger)
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    unit: Mapped[str | None] = mapped_column(String(30))
    funding_source: Mapped[str | None] = mapped_column(String(30))
    location: Mapped[str | None] = mapped_column(String(200))
    office_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    worker_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    note: Mapped[str | None] = mapped_column(Text)


class ServiceEntry(Synced, Base):
    """One service delivered to one client (append-only; see the module docstring).

    `service_kind`: atensi | spm | rehab, naming the list `service_code` comes from (refdata
    `atensi_services` with `subitem_code`, `spm_services`, `rehab_forms`). `date_until` None means one day.
    `entry_type`: baru (a new entry), koreksi (replaces the entry `amends_id` names) or batal (cancels it;
    it carries the original's service and dates so reports can show what was cancelled); `reason` says why a
    correction or cancellation was made. `flags` holds what
    the rules noticed but allowed: {"outside_plan": true, "after_termination": true}.
    """

    __tablename__ = "service_entry"
    __table_args__ = (
        Index("ix_service_entry_client_id_date_from", "client_id", "date_from"),
        Index("ix_service_entry_case_id_date_from", "case_id", "date_from"),
        Index("ix_service_entry_date_from", "date_from"),  # services per month, the Layanan screen's period
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("client.id", deferrable=True, initially="DEFERRED"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID(), ForeignKey("client_case.id", deferrable=True, initially="DEFERRED"))
    entry_type: Mapped[str] = mapped_column(String(10), default="baru")
    service_kind: Mapped[str] = mapped_column(String(20))
    service_code: Mapped[str] = mapped_column(String(40))
    subitem_code: Mapped[str | None] = mapped_column(String(40))
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_until: Mapped[dt.date | None] = mapped_column(Date)
    approach: Mapped[str | None] = mapped_column(String(20))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    unit: Mapped[str | None] = mapped_column(String(30))
    value_rp: Mapped[int | None] = mapped_column(BigInteger)
    funding_source: Mapped[str | None] = mapped_column(String(30))
    provider_worker_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    provider_office_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    location: Mapped[str | None] = mapped_column(String(200))
    plan_activity_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID(), ForeignKey("intervention_activity.id", deferrable=True, initially="DEFERRED"))
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    amends_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID(), ForeignKey("service_entry.id", deferrable=True, initially="DEFERRED"), index=True)
    distribution_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID(), ForeignKey("distribution.id", deferrable=True, initially="DEFERRED"), index=True)
    flags: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    entered_by: Mapped[uuid.UUID | None] = mapped_column(GUID())


class ServiceAttachment(Synced, Base):
    """A proof attached to a service entry (`kind`: tanda_terima, kuitansi, foto or a refdata
    `document_kinds` code); the bytes live in the content-addressed blob store under `sha256`, as for
    `client_document` (same column names)."""

    __tablename__ = "service_attachment"
    entry_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("service_entry.id", deferrable=True, initially="DEFERRED"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)


# Columns an append-only row may still change: its tombstone and the bookkeeping of who/when/which office.
MUTABLE_COLUMNS = frozenset({"deleted", "updated_at", "updated_by", "owner_office_id"})


def refuse_updates(model: type) -> None:
    """Make `model` append-only for the ORM: flushing a change to any other column raises (a programming
    error; a correction is a new row)."""

    @event.listens_for(model, "before_update")
    def _append_only(_mapper: Any, _conn: Any, target: Any) -> None:
        state = inspect(target)
        changed = [attr.key for attr in state.attrs if attr.key not in MUTABLE_COLUMNS
                   and attr.history.has_changes() and attr.history.deleted != attr.history.added]
        if changed:
            raise RuntimeError(f"{model.__tablename__} is append-only: write a new row instead of changing "
                               f"{', '.join(sorted(changed))}")


refuse_updates(ServiceEntry)
refuse_updates(CaseStageChange)
