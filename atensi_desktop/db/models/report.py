"""Reports issued (issue 6): one row per PDF report this office produced, for verification.

`content_sha256` is the hash of the report's canonical content (printed in its QR code, see
reports/document.py); `file_sha256` the hash of the PDF file's bytes as written; `code` the short
human-typable code printed on every page. The id is derived from the content hash and issue date, so making
the same report again finds the same row. Letters keep their number here: `letter_year` and `letter_seq`
give the per-year sequence of the office's letter numbers.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, Synced


class ReportIssued(Synced, Base):
    __tablename__ = "report_issued"
    __table_args__ = (
        Index("ix_report_issued_letter_year_letter_seq", "letter_year", "letter_seq"),
        Index("ix_report_issued_kind_subject_id", "kind", "subject_id"),
    )
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(12), index=True)
    title: Mapped[str] = mapped_column(String(300))
    content_sha256: Mapped[str] = mapped_column(String(64))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    paper: Mapped[str] = mapped_column(String(4))
    redaction: Mapped[str] = mapped_column(String(12))
    pages: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(GUID())  # the main record: case, client, referral…
    subject_ids: Mapped[list[str] | None] = mapped_column(JSON)
    letter_number: Mapped[str | None] = mapped_column(String(120))
    letter_year: Mapped[int | None] = mapped_column(Integer)
    letter_seq: Mapped[int | None] = mapped_column(Integer)
