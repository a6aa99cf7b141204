"""A human decision about a pair of possibly-duplicate clients ("bukan duplikat"), synced like any data."""

from __future__ import annotations

import uuid

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, Synced

PAIR_NAMESPACE = uuid.UUID("6f1d7c1e-4f0b-4d55-9a51-2f8f3f0b7a10")


def pair_id(a: uuid.UUID, b: uuid.UUID) -> uuid.UUID:
    """Deterministic id for the pair {a, b}: two offices deciding on the same pair land on one row."""
    low, high = sorted((a, b), key=lambda u: u.bytes)
    return uuid.uuid5(PAIR_NAMESPACE, f"{low}|{high}")


class DuplicateDecision(Synced, Base):
    """verdict 'distinct' = the two are different people; the pair leaves the review list."""

    __tablename__ = "duplicate_decision"
    client_a: Mapped[uuid.UUID] = mapped_column(GUID(), index=True)
    client_b: Mapped[uuid.UUID] = mapped_column(GUID(), index=True)
    verdict: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
