"""Rencana intervensi: a plan drafted from an asesmen, its goals and their activities (keyed rows).

Each goal and activity is its own row with its own UUID (sync-design.md §2.2, repeating groups), so goals
added on two laptops never collide and an edit to one activity never touches another.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, Synced


class InterventionPlan(Synced, Base):
    """`status`: draf | disetujui (approved on `approved_on` by worker `approved_by`)."""

    __tablename__ = "intervention_plan"
    client_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("client.id", deferrable=True, initially="DEFERRED"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID(), ForeignKey("client_case.id", deferrable=True, initially="DEFERRED"), index=True)
    assessment_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID(), ForeignKey("assessment.id", deferrable=True, initially="DEFERRED"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    approved_by: Mapped[uuid.UUID | None] = mapped_column(GUID())
    note: Mapped[str | None] = mapped_column(Text)


class InterventionGoal(Synced, Base):
    """A goal (tujuan) with its objective (sasaran), horizon (refdata `intervention_horizons`), target date,
    success indicators and status. `need_code` names the asesmen need it answers, when drafted from one."""

    __tablename__ = "intervention_goal"
    plan_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("intervention_plan.id", deferrable=True, initially="DEFERRED"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    need_code: Mapped[str | None] = mapped_column(String(60))
    goal: Mapped[str] = mapped_column(Text)
    objective: Mapped[str | None] = mapped_column(Text)
    horizon: Mapped[str] = mapped_column(String(20))
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    success_indicators: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))


class InterventionActivity(Synced, Base):
    """An activity of a goal: the ATENSI service component (refdata `atensi_services`, with an optional
    subitem) and/or SPM basic-need service (refdata `spm_services`) it delivers, method, responsible worker,
    acting team, target date and status."""

    __tablename__ = "intervention_activity"
    plan_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("intervention_plan.id", deferrable=True, initially="DEFERRED"), index=True)
    goal_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("intervention_goal.id", deferrable=True, initially="DEFERRED"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text)
    atensi_service: Mapped[str | None] = mapped_column(String(40))
    atensi_subitem: Mapped[str | None] = mapped_column(String(40))
    spm_service: Mapped[str | None] = mapped_column(String(40))
    method: Mapped[str | None] = mapped_column(Text)
    responsible_worker_id: Mapped[uuid.UUID | None] = mapped_column(GUID(), index=True)
    team: Mapped[str | None] = mapped_column(Text)
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
