"""Purge orders (issue 8; sync-design.md §2.5): legal erasure or anonymisation of one client, replicated.

`purge_order` is synced data: a signed order travels in bundles like any other row, and every installation
that holds it (and trusts its signer) executes it. `purged_register` is local bookkeeping written by the
execution: which registers are gone (`col = "*"`: the whole row) or anonymised, so a stale bundle that still
carries the old versions cannot bring the data back. See atensi_desktop/services/purge.py.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, Synced


class PurgeOrder(Synced, Base):
    __tablename__ = "purge_order"
    client_id: Mapped[uuid.UUID] = mapped_column(GUID(), index=True)  # no foreign key: the client goes
    client_display_id: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(10))  # "hapus" | "anonim"
    reason: Mapped[str] = mapped_column(Text)
    legal_ref: Mapped[str] = mapped_column(String(200))
    authorised_by: Mapped[str] = mapped_column(String(200))
    ordered_on: Mapped[dt.date] = mapped_column(Date)
    signer_office_id: Mapped[uuid.UUID] = mapped_column(GUID())
    signature: Mapped[str] = mapped_column(String(120))


class PurgedRegister(Base):
    """A register (or, with col "*", a whole row) erased or anonymised by an executed purge order."""

    __tablename__ = "purged_register"
    rid: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    col: Mapped[str] = mapped_column(String(40), primary_key=True)
    tbl: Mapped[str] = mapped_column(String(40))
    order_id: Mapped[uuid.UUID] = mapped_column(GUID())
