"""Asesmen: one assessment of a client (optionally within a case) and its sections (sync-design.md §2.2).

A section is one register: its answers are one JSON value, so saving a section writes one version and two
workers filling different sections never touch the same register. A section row has a deterministic id
(`section_row_id`), so two laptops that each start the same section of the same asesmen land on one row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, Synced

SECTION_NAMESPACE = uuid.UUID("0c8f5a52-3d7e-4b8a-9f61-7a2e4c1d9b30")


def section_row_id(assessment_id: uuid.UUID, section_id: str) -> uuid.UUID:
    """The one id of section `section_id` of asesmen `assessment_id`, the same on every installation."""
    return uuid.uuid5(SECTION_NAMESPACE, f"{assessment_id}|{section_id}")


class Assessment(Synced, Base):
    """`kind`: awal | lanjutan (re-asesmen, linked to `previous_assessment_id`); `status`: draf | selesai.

    `form_id`/`form_version` name the form definition the answers were given to. `finished_by`,
    `reopened_by` are worker ids; a reopening keeps its reason (`reopen_reason`), and every change of
    status is a version with its author and time.
    """

    __tablename__ = "assessment"
    __table_args__ = (Index("ix_assessment_client_id_started_on", "client_id", "started_on"),)
    client_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("client.id", deferrable=True, initially="DEFERRED"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID(), ForeignKey("client_case.id", deferrable=True, initially="DEFERRED"), index=True)
    form_id: Mapped[str] = mapped_column(String(60))
    form_version: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    started_on: Mapped[dt.date] = mapped_column(Date)
    started_by: Mapped[uuid.UUID | None] = mapped_column(GUID())
    finished_on: Mapped[dt.date | None] = mapped_column(Date)
    finished_by: Mapped[uuid.UUID | None] = mapped_column(GUID())
    previous_assessment_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID(), ForeignKey("assessment.id", deferrable=True, initially="DEFERRED"))
    reopened_on: Mapped[dt.date | None] = mapped_column(Date)
    reopened_by: Mapped[uuid.UUID | None] = mapped_column(GUID())
    reopen_reason: Mapped[str | None] = mapped_column(Text)


class AssessmentSection(Synced, Base):
    """The answers of one section (`answers`, the register) and who last filled it.

    `check_result`, `problems_count` and `completed` are derived: what the form checker said about these
    answers (problems, missing required answers, scores), recomputed at every save and never versioned.
    Answers with problems are kept as given.
    """

    __tablename__ = "assessment_section"
    __table_args__ = (
        Index("uq_assessment_section_assessment_id_section_id", "assessment_id", "section_id", unique=True),
    )
    assessment_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("assessment.id", deferrable=True, initially="DEFERRED"))
    section_id: Mapped[str] = mapped_column(String(60))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    filled_by_worker_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    check_result: Mapped[dict[str, Any] | None] = mapped_column(JSON, info={"derived": True})
    problems_count: Mapped[int] = mapped_column(Integer, default=0, info={"derived": True})
    completed: Mapped[bool] = mapped_column(default=False, info={"derived": True})
