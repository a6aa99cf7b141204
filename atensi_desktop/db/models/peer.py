"""Peer offices this installation trusts for sync: local state, never synced.

Why local and not a synced table (sync-design.md §2.7, §4.1): a peer row records that *this* installation
imported another office's kartu kantor and that someone here confirmed its fingerprint over the phone. Trust
is a decision of each installation; syncing it would let any peer's bundle add or replace the keys the
receiver verifies bundles with, which is exactly what the fingerprint check is there to prevent. Like
password hashes and the `meta` table, it is per installation (the district-signed key chain of §2.7 is a
later, separate layer that will travel in bundles as signed statements, not as rows of this table).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, utcnow

PEER_ACTIVE, PEER_REVOKED = "aktif", "dicabut"


class SyncPeer(Base):
    """One peer office: what its kartu kantor said, its public keys, who confirmed them and when."""

    __tablename__ = "sync_peer"
    office_id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    office_type: Mapped[str | None] = mapped_column(String(30))
    code: Mapped[str | None] = mapped_column(String(12))
    wilayah_code: Mapped[str | None] = mapped_column(String(13))
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(120))
    ed25519_public: Mapped[bytes] = mapped_column(LargeBinary(32))
    age_recipient: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(24))
    card_created_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default=PEER_ACTIVE)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    previous_fingerprint: Mapped[str | None] = mapped_column(String(24))
    keys_replaced_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
