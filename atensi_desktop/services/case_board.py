"""What the Kasus screen lists: the cases of one stage (or all), with the day each case entered its stage, for
one worker, "no worker" or everybody, narrowed by a search text (what the Klien screen's search finds: a part
of the client's name or alias, a NIK or No. KK prefix, the start of a display id; or the start of the case's
display id); and the matching count per stage.

Read only. `services/cases.py` owns the rules (open, change stage, terminate) and the counts of the whole
board (`caseload_board`); this module adds the two things the screen needs that those do not give: the
search text and the date the current stage began (the latest change into it; for cases from before the stage
history, e.g. demo data, the closing date of a terminated case, else the opening date).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, false, func, or_, select

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import CaseStageChange, Client, ClientCase, Worker
from atensi_desktop.refdata import ref_list
from atensi_desktop.security import guard
from atensi_desktop.security.roles import CLIENT_VIEW
from atensi_desktop.services import clients
from atensi_desktop.services.cases import TERMINATION_STAGE

PAGE_LIMIT = 500
NO_WORKER = "none"  # `worker` value: cases nobody is assigned to


@dataclass(frozen=True)
class BoardCase:
    id: uuid.UUID
    display_id: str
    client_id: uuid.UUID
    client_display_id: str
    client_name: str
    stage: str
    worker_id: uuid.UUID | None
    worker_name: str | None
    opened_on: dt.date
    closed_on: dt.date | None
    stage_since: dt.date  # the day the case entered its current stage

    @property
    def stage_label(self) -> str:
        return ref_list("case_stages").label(self.stage)

    def days_in_stage(self, today: dt.date) -> int:
        return max((today - self.stage_since).days, 0)


@dataclass(frozen=True)
class BoardPage:
    """At most `limit` cases, the longest in their stage first; `total` counts every match."""

    cases: tuple[BoardCase, ...]
    total: int


Worker_ = uuid.UUID | str | None  # a worker id, NO_WORKER, or None for everybody


def _conditions(stage: str | None, worker: Worker_, text: str, *, sqlite: bool) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [ClientCase.deleted == false()]
    if stage is not None:
        conds.append(ClientCase.stage == stage)
    if worker == NO_WORKER:
        conds.append(ClientCase.worker_id.is_(None))
    elif worker is not None:
        conds.append(ClientCase.worker_id == worker)
    condition = _text_condition(text, sqlite=sqlite)
    if condition is not None:
        conds.append(condition)
    return conds


def _text_condition(text: str, *, sqlite: bool) -> ColumnElement[bool] | None:
    """The Klien screen's search (a part of the name or alias, a NIK or No. KK prefix, the start of a display
    id; `services.clients`, with its indexes: FTS on SQLite, pg_trgm on PostgreSQL) finds the clients, then
    their cases; or the text is the start of the case's own display id."""
    parsed = clients._parse_text(text)
    if parsed is None:
        return None
    found = select(Client.id).where(clients._text_condition(parsed, sqlite=sqlite, drive=True))
    condition = ClientCase.client_id.in_(found)
    if parsed.display:
        own = clients._prefix(ClientCase.display_id, parsed.display) if sqlite else \
            ClientCase.display_id.like(f"{parsed.display}%")
        condition = or_(condition, own)
    return condition


def _stage_since():
    return (select(func.max(CaseStageChange.changed_on))
            .where(CaseStageChange.case_id == ClientCase.id, CaseStageChange.to_stage == ClientCase.stage,
                   CaseStageChange.deleted == false())
            .correlate(ClientCase).scalar_subquery())


def board_cases(db: Database, *, stage: str | None = None, worker: Worker_ = None, text: str = "",
                limit: int = PAGE_LIMIT) -> BoardPage:
    """The cases of `stage` (None: every stage) of `worker` matching `text`, the longest in their stage
    first, at most `limit`, with the count of all matches.

    The order is found over the case table alone (its stage and worker indexes, one probe of the stage
    history per case); only the `limit` rows kept are joined to their client and worker."""
    guard.check(db, CLIENT_VIEW)
    conds = _conditions(stage, worker, text, sqlite=_is_sqlite(db)) + guard.client_terms(db, ClientCase.client_id)
    closed = case((ClientCase.stage == TERMINATION_STAGE, ClientCase.closed_on), else_=None)
    since = func.coalesce(_stage_since(), closed, ClientCase.opened_on)
    chosen = (select(ClientCase.id.label("case_id"), since.label("since")).where(*conds)
              .order_by(since, ClientCase.id).limit(limit).subquery())
    query = (select(ClientCase.id, ClientCase.display_id, ClientCase.client_id, Client.display_id, Client.name,
                    ClientCase.stage, ClientCase.worker_id, Worker.name, ClientCase.opened_on, ClientCase.closed_on,
                    chosen.c.since)
             .join(chosen, chosen.c.case_id == ClientCase.id)
             .join(Client, Client.id == ClientCase.client_id)
             .outerjoin(Worker, Worker.id == ClientCase.worker_id)
             .order_by(chosen.c.since, ClientCase.id))
    count = select(func.count()).select_from(ClientCase).where(*conds)
    with db.session() as s:
        rows = s.execute(query).all()
        total = s.scalar(count) or 0
    cases = tuple(BoardCase(id=r[0], display_id=r[1], client_id=r[2], client_display_id=r[3], client_name=r[4],
                            stage=r[5], worker_id=r[6], worker_name=r[7], opened_on=r[8], closed_on=r[9],
                            stage_since=_as_date(r[10]) or r[8]) for r in rows)
    return BoardPage(cases=cases, total=total)


def board_counts(db: Database, *, worker: Worker_ = None, text: str = "") -> Mapping[str, int]:
    """Matching cases per stage: every stage of refdata in order, zeros included (one grouped query)."""
    counts = {item.code: 0 for item in sorted(ref_list("case_stages").items,
                                              key=lambda item: int(item.extra.get("order", 0)))}
    query = (select(ClientCase.stage, func.count()).select_from(ClientCase)
             .where(*_conditions(None, worker, text, sqlite=_is_sqlite(db)),
                    *guard.client_terms(db, ClientCase.client_id)).group_by(ClientCase.stage))
    with db.session() as s:
        for stage, n in s.execute(query):
            counts[stage] = counts.get(stage, 0) + n
    return counts


def _is_sqlite(db: Database) -> bool:
    return db.engine.dialect.name == "sqlite"


def _as_date(value: object) -> dt.date | None:
    """SQLite returns the MAX()/COALESCE() of a date column as text."""
    if value is None or isinstance(value, dt.date):
        return value  # type: ignore[return-value]
    return dt.date.fromisoformat(str(value))
