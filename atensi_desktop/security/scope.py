"""Which clients an actor may reach: office scope and TKS/relawan assignment, as one SQL condition.

- **Office scope.** A client is in an office's scope when the client is owned by that office (or has no owner
  office: data made before offices were set), when a case of the client is owned by that office (a case opened
  here for a client registered elsewhere), or when a referral of the client names that office as its
  counterpart (`referral.counterpart_office_id`: the case was referred, i.e. shared, with that office). An
  actor with `ALL_OFFICES` (administrators) or without an office sees every office's clients.
- **Assignment** (roles in `ASSIGNED_ONLY_ROLES`: TKS/relawan). Additionally the client must have a case (open
  or closed, not archived) whose worker is the actor's worker. An actor of such a role without a worker
  reaches no client.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, exists, or_, select, true

from atensi_desktop.db.models import Client, ClientCase, Referral
from atensi_desktop.security.roles import ALL_OFFICES, ASSIGNED_ONLY_ROLES, Actor, current_actor

if TYPE_CHECKING:
    from atensi_desktop.db.engine import Database


def _office_clause(actor: Actor, client_id_col) -> ColumnElement[bool] | None:
    if actor.office_id is None or actor.has(ALL_OFFICES):
        return None
    office = actor.office_id
    own_case = exists().where(ClientCase.client_id == client_id_col, ClientCase.owner_office_id == office,
                              ClientCase.deleted.is_(False))
    shared = exists().where(Referral.client_id == client_id_col, Referral.counterpart_office_id == office,
                            Referral.deleted.is_(False))
    return or_(Client.owner_office_id == office, Client.owner_office_id.is_(None), own_case, shared)


def _assigned_clause(actor: Actor, client_id_col) -> ColumnElement[bool] | None:
    if actor.role not in ASSIGNED_ONLY_ROLES:
        return None
    if actor.worker_id is None:
        return ~true()
    return exists().where(ClientCase.client_id == client_id_col, ClientCase.worker_id == actor.worker_id,
                          ClientCase.deleted.is_(False))


def reach_clause(actor: Actor | None) -> ColumnElement[bool] | None:
    """A condition on `Client` selecting the clients in the actor's reach; None: every client."""
    if actor is None:
        return None
    parts = [c for c in (_office_clause(actor, Client.id), _assigned_clause(actor, Client.id)) if c is not None]
    if not parts:
        return None
    return and_(*parts) if len(parts) > 1 else parts[0]


def client_reach_clause(db: Database) -> ColumnElement[bool] | None:
    """`reach_clause` for the current actor of `db` (None for internal calls and unrestricted actors)."""
    return reach_clause(current_actor(db))


def client_ids_in_reach(db: Database, client_id_col) -> ColumnElement[bool] | None:
    """A condition on another table's client id column: its client is in reach (None: no limit)."""
    clause = client_reach_clause(db)
    if clause is None:
        return None
    return client_id_col.in_(select(Client.id).where(clause).correlate(None))


def client_in_reach(db: Database, actor: Actor, client_id: uuid.UUID) -> bool:
    clause = reach_clause(actor)
    if clause is None:
        return True
    with db.session() as s:
        return s.scalar(select(Client.id).where(Client.id == client_id, clause)) is not None
