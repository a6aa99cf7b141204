"""A client's consent to the processing of their data (UU 27/2022 Pasal 20-26): when, for what, given by whom.

`consenter_kind`: klien (the client themself), orang_tua, wali (parent or guardian: required for a child,
Pasal 25), pendamping (a companion or guardian of a person with a disability, Pasal 26). The scanned proof is
a `client_document` (kind "persetujuan"). A withdrawal sets `withdrawn_on`; the row is kept (it is the proof
that consent existed until then).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, Synced


class ClientConsent(Synced, Base):
    __tablename__ = "client_consent"
    client_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("client.id", deferrable=True, initially="DEFERRED"), index=True)
    consent_date: Mapped[dt.date] = mapped_column(Date)
    purpose: Mapped[str] = mapped_column(Text)
    consenter_kind: Mapped[str] = mapped_column(String(20))
    consenter_name: Mapped[str | None] = mapped_column(String(200))
    relationship: Mapped[str | None] = mapped_column(String(100))
    proof_document_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID(), ForeignKey("client_document.id", deferrable=True, initially="DEFERRED"))
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
