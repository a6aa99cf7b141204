"""Figures for the Beranda (home) screen: counts of clients, households, workers, open cases, cases by stage.

A case after terminasi (closed) still counts in its stage: bimbingan lanjut follows closed cases.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, ClientCase, Household, Worker
from atensi_desktop.refdata import ref_list


@dataclass(frozen=True)
class Overview:
    clients: int
    households: int
    workers: int
    open_cases: int
    cases_by_stage: tuple[tuple[str, str, int], ...]  # (code, label, count) in stage order, all cases


def overview(db: Database) -> Overview:
    stages = ref_list("case_stages")
    with db.session() as s:
        clients = s.scalar(
            select(func.count()).select_from(Client).where(Client.deleted.is_(False), Client.merged_into.is_(None))
        )
        households = s.scalar(select(func.count()).select_from(Household).where(Household.deleted.is_(False)))
        workers = s.scalar(select(func.count()).select_from(Worker).where(Worker.deleted.is_(False)))
        by_stage = dict(
            s.execute(
                select(ClientCase.stage, func.count()).where(ClientCase.deleted.is_(False)).group_by(ClientCase.stage)
            ).all()
        )
        open_cases = s.scalar(
            select(func.count()).select_from(ClientCase)
            .where(ClientCase.deleted.is_(False), ClientCase.closed_on.is_(None))
        )
    rows = tuple((item.code, item.label, int(by_stage.get(item.code, 0))) for item in stages.items)
    return Overview(
        clients=clients or 0,
        households=households or 0,
        workers=workers or 0,
        open_cases=open_cases or 0,
        cases_by_stage=rows,
    )
