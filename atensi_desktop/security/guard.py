"""Small helpers the services call at the top of their public functions (see security.roles for the rules).

- `check(db, perm, client_id=...)` is `roles.require`.
- `check_row(db, perm, Model, row_id)`: the permission, and the row's client in reach (only looked up when the
  actor's reach is limited, so internal calls and administrators pay nothing).
- `reach_terms(db)` / `client_terms(db, column)`: WHERE terms limiting a list to the clients in reach.
- `redact_values(db, values)` blanks `SENSITIVE_CLIENT_FIELDS` for an actor without SENSITIVE_VIEW;
  `guard_sensitive_write(db, changes, current)` refuses a change to them and drops a blank that a redacted
  form would send back (so saving a redacted form never wipes the stored value).
- `redact_answers(db, section_id, answers)` / `guard_section_write(db, section_id)`: the same for asesmen.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, select

from atensi_desktop.security.roles import (
    SENSITIVE_CLIENT_FIELDS,
    SENSITIVE_QUESTIONS,
    SENSITIVE_SECTIONS,
    current_actor,
    require,
    require_sensitive,
    sees_sensitive,
)
from atensi_desktop.security.scope import reach_clause

if TYPE_CHECKING:
    from atensi_desktop.db.engine import Database

check = require


def _limited(db: Database) -> bool:
    return reach_clause(current_actor(db)) is not None


def client_of(db: Database, model: type, row_id: uuid.UUID) -> uuid.UUID | None:
    """The client a row belongs to (directly, or through its case, assessment, plan, goal or entry)."""
    from atensi_desktop.db.models import (
        AssessmentSection,
        Client,
        InterventionActivity,
        InterventionGoal,
        ServiceAttachment,
    )

    with db.session() as s:
        if model is Client:
            return row_id
        if model is AssessmentSection:
            from atensi_desktop.db.models import Assessment

            stmt = select(Assessment.client_id).join(AssessmentSection,
                                                      AssessmentSection.assessment_id == Assessment.id)
            return s.scalar(stmt.where(AssessmentSection.id == row_id))
        if model is InterventionActivity:
            goal_id = s.scalar(select(InterventionActivity.goal_id).where(InterventionActivity.id == row_id))
            model, row_id = InterventionGoal, goal_id
        if model is InterventionGoal:
            from atensi_desktop.db.models import InterventionPlan

            plan_id = s.scalar(select(InterventionGoal.plan_id).where(InterventionGoal.id == row_id))
            model, row_id = InterventionPlan, plan_id
        if model is ServiceAttachment:
            from atensi_desktop.db.models import ServiceEntry

            entry_id = s.scalar(select(ServiceAttachment.entry_id).where(ServiceAttachment.id == row_id))
            model, row_id = ServiceEntry, entry_id
        if row_id is None:
            return None
        column = getattr(model, "client_id", None)
        if column is not None:
            return s.scalar(select(column).where(model.id == row_id))
        case_column = getattr(model, "case_id", None)
        if case_column is not None:
            from atensi_desktop.db.models import ClientCase

            return s.scalar(select(ClientCase.client_id).join(model, case_column == ClientCase.id)
                            .where(model.id == row_id))
    return None


def check_row(db: Database, perm: str, model: type, row_id: uuid.UUID) -> None:
    """`perm`, and — when the actor's reach is limited — the row's client must be in reach."""
    if current_actor(db) is None:
        return
    if not _limited(db):
        require(db, perm)
        return
    client_id = client_of(db, model, row_id)
    require(db, perm, client_id=client_id) if client_id is not None else require(db, perm)


def reach_terms(db: Database) -> list[ColumnElement[bool]]:
    """[] or [a condition on Client]: add to the WHERE of a client list."""
    clause = reach_clause(current_actor(db))
    return [] if clause is None else [clause]


def client_terms(db: Database, client_id_col: Any) -> list[ColumnElement[bool]]:
    """[] or [a condition on another table's client id column]: its client is in reach."""
    clause = reach_clause(current_actor(db))
    if clause is None:
        return []
    from atensi_desktop.db.models import Client

    return [client_id_col.in_(select(Client.id).where(clause).correlate(None))]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def redact_values(db: Database, values: Mapping[str, Any]) -> dict[str, Any]:
    """Client values as the actor may see them: sensitive fields None without SENSITIVE_VIEW."""
    out = dict(values)
    if not sees_sensitive(db):
        for key in SENSITIVE_CLIENT_FIELDS:
            if key in out:
                out[key] = None
    return out


def guard_sensitive_write(db: Database, changes: Mapping[str, Any],
                          current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The changes an actor without SENSITIVE_VIEW may make: a blank sensitive field (what a redacted form
    shows) is dropped, anything else in a sensitive field that differs from the stored value is refused."""
    if sees_sensitive(db):
        return dict(changes)
    out = dict(changes)
    for key in SENSITIVE_CLIENT_FIELDS:
        if key not in out:
            continue
        if _blank(out[key]) or (current is not None and out[key] == current.get(key)):
            del out[key]
        else:
            require_sensitive(db)
    return out


def section_is_sensitive(section_id: str) -> bool:
    return section_id in SENSITIVE_SECTIONS


def redact_answers(db: Database, section_id: str, answers: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An asesmen section's answers as the actor may see them: a sensitive section empty, sensitive
    questions removed, for an actor without SENSITIVE_VIEW."""
    if answers is None or sees_sensitive(db):
        return None if answers is None else dict(answers)
    if section_is_sensitive(section_id):
        return {}
    return {k: v for k, v in answers.items() if f"{section_id}.{k}" not in SENSITIVE_QUESTIONS}


def guard_section_write(db: Database, section_id: str, answers: Mapping[str, Any]) -> None:
    """Refuse saving a sensitive section, or a sensitive question's answer, without SENSITIVE_VIEW."""
    if sees_sensitive(db):
        return
    if section_is_sensitive(section_id) or any(
            f"{section_id}.{k}" in SENSITIVE_QUESTIONS and not _blank(v) for k, v in answers.items()):
        require_sensitive(db)


def as_uuid(value: Any) -> uuid.UUID | None:
    """A client id from form values (UUID or text), None when missing or malformed (validation says why)."""
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        return None


def keep_hidden_answers(db: Database, section_id: str, stored: Mapping[str, Any] | None,
                        new: dict[str, Any]) -> dict[str, Any]:
    """Saving a section from a redacted view: the sensitive answers the actor never saw stay as stored."""
    if sees_sensitive(db) or not stored:
        return new
    out = dict(new)
    for key, value in stored.items():
        if f"{section_id}.{key}" in SENSITIVE_QUESTIONS and key not in out:
            out[key] = value
    return out


AGGREGATE_NEEDS = frozenset({"period", "list", "distribution"})


def check_report(db: Database, ctx: Any, needs: str) -> None:
    """May the signed-in actor print this report? Office-wide kinds need REPORT_AGGREGATE, a case's or a
    client's report REPORT_PRINT and the client in reach; health and criminal details (redaction `lengkap`,
    or `mitra` with "show sensitive") need SENSITIVE_VIEW."""
    from atensi_desktop.errors import UserError
    from atensi_desktop.i18n import _
    from atensi_desktop.security.roles import REPORT_AGGREGATE, REPORT_PRINT

    if current_actor(db) is None:
        return
    if needs in AGGREGATE_NEEDS:
        require(db, REPORT_AGGREGATE)
    else:
        client_id = getattr(ctx, "client_id", None)
        if client_id is None and _limited(db):
            from atensi_desktop.db.models import ClientCase, Referral

            if getattr(ctx, "referral_id", None) is not None:
                client_id = client_of(db, Referral, ctx.referral_id)
            elif getattr(ctx, "case_id", None) is not None:
                client_id = client_of(db, ClientCase, ctx.case_id)
        require(db, REPORT_PRINT, client_id=client_id)
    shows_sensitive = ctx.redaction == "lengkap" or (ctx.redaction == "mitra" and ctx.show_sensitive)
    if shows_sensitive and not sees_sensitive(db):
        try:
            require_sensitive(db)
        except UserError as err:
            err.hint = _("Cetak dengan tingkat kerahasiaan 'mitra' tanpa rincian sensitif, atau 'statistik'.")
            raise


def check_case(db: Database, perm: str, case_id: uuid.UUID | None) -> None:
    """`check_row` for a case id that may be None (lists filtered by case)."""
    if case_id is None or current_actor(db) is None:
        return
    from atensi_desktop.db.models import ClientCase

    check_row(db, perm, ClientCase, case_id)
