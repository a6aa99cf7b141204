"""name keys without titles and degrees

`domain.names.normalize_name` now drops honorifics and titles before a name ("Hj.", "H.", "Drs.", "Ny."),
academic degrees after it ("S.Pd.", ", SE, MM") and folds the spellings of Muhammad ("Moch.", "Muh.",
"Mohammad") into one key, so "Hj. Siti Aminah, S.Pd." is found and matched as "Siti Aminah". The derived
columns `name_norm` and `alias_norm` are recomputed where they change (not versions: derived caches). On
SQLite the `client_fts_au` trigger keeps the search index in step; on PostgreSQL the trigram indexes follow.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from atensi_desktop.domain.names import normalize_name

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BATCH = 20_000


def recompute_name_keys(bind) -> int:
    """Set name_norm/alias_norm to today's normalize_name wherever they differ; returns the rows changed."""
    client = sa.table("client", sa.column("id"), sa.column("name", sa.String), sa.column("alias", sa.String),
                      sa.column("name_norm", sa.String), sa.column("alias_norm", sa.String))
    rows = bind.execute(sa.select(client.c.id, client.c.name, client.c.alias, client.c.name_norm,
                                  client.c.alias_norm)).all()
    changes = []
    for rid, name, alias, name_norm, alias_norm in rows:
        new_name = normalize_name(name or "")
        new_alias = (normalize_name(alias) or None) if alias else None
        if new_name != name_norm or new_alias != alias_norm:
            changes.append({"rid": rid, "name_norm": new_name, "alias_norm": new_alias})
    stmt = client.update().where(client.c.id == sa.bindparam("rid")).values(
        name_norm=sa.bindparam("name_norm"), alias_norm=sa.bindparam("alias_norm"))
    for start in range(0, len(changes), BATCH):
        bind.execute(stmt, changes[start:start + BATCH])
    return len(changes)


def upgrade() -> None:
    recompute_name_keys(op.get_bind())


def downgrade() -> None:
    pass  # the old keys are not kept; the keys of 0006 still find every client
