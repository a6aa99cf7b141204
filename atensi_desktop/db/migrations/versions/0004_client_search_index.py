"""client search index: normalised alias, live-list index, trigram index on names (SQLite FTS5, pg_trgm)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 09:00:00

SQLite: `client_fts`, a contentless FTS5 table with the trigram tokenizer over ' name_norm ' and
' alias_norm ' (padded with spaces so that ' ab' finds a word starting with "ab"), keyed by the rowid of
`client` and kept right by triggers (insert, update of name_norm/alias_norm, delete). The triggers fire on
every insert, so the bulk path (sync.versioning.bulk_insert) is covered too.

WARNING for later migrations: a batch operation that *recreates* `client` on SQLite (alter/drop column
with Alembic's "move and copy") drops these triggers and renumbers rowids. Such a migration must drop
`client_fts` first and re-run `create_sqlite_index()` as written here (copy the DDL, do not import it).

PostgreSQL: pg_trgm GIN indexes on name_norm and alias_norm. When the extension cannot be created
(not installed, no privilege) a warning is logged and search falls back to a plain LIKE scan. And
text_pattern_ops indexes for the prefix LIKEs on display_id and wilayah_code.
"""

import logging

import sqlalchemy as sa
from alembic import op

from atensi_desktop.domain.names import normalize_name

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

log = logging.getLogger("atensi_desktop.db.migrations")

_NEW = "' ' || new.name_norm || ' ', ' ' || new.alias_norm || ' '"
_OLD = "' ' || old.name_norm || ' ', ' ' || old.alias_norm || ' '"
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE client_fts USING fts5(name, alias, content='', tokenize='trigram', detail='full')",
    f"""CREATE TRIGGER client_fts_ai AFTER INSERT ON client BEGIN
        INSERT INTO client_fts(rowid, name, alias) VALUES (new.rowid, {_NEW});
    END""",
    f"""CREATE TRIGGER client_fts_au AFTER UPDATE OF name_norm, alias_norm ON client BEGIN
        INSERT INTO client_fts(client_fts, rowid, name, alias) VALUES ('delete', old.rowid, {_OLD});
        INSERT INTO client_fts(rowid, name, alias) VALUES (new.rowid, {_NEW});
    END""",
    f"""CREATE TRIGGER client_fts_ad AFTER DELETE ON client BEGIN
        INSERT INTO client_fts(client_fts, rowid, name, alias) VALUES ('delete', old.rowid, {_OLD});
    END""",
    "INSERT INTO client_fts(rowid, name, alias) "
    "SELECT rowid, ' ' || name_norm || ' ', ' ' || alias_norm || ' ' FROM client",
)
PG_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_client_name_norm_trgm ON client USING gin (name_norm gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_client_alias_norm_trgm ON client USING gin (alias_norm gin_trgm_ops)",
)
# Prefix LIKEs on codes with '-' and '.', whatever the database's collation (services/clients.py).
PG_PATTERN_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_client_display_id_pattern ON client (display_id text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS ix_client_wilayah_code_pattern ON client (wilayah_code text_pattern_ops)",
)


def create_sqlite_index(bind) -> None:
    for statement in SQLITE_DDL:
        bind.exec_driver_sql(statement)


def create_pg_index(bind) -> None:
    """pg_trgm and its GIN indexes, in a savepoint: a refusal must not abort the whole upgrade."""
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for statement in PG_INDEXES:
                bind.exec_driver_sql(statement)
    except sa.exc.DBAPIError as err:
        log.warning("pg_trgm not available (%s): client name search falls back to a LIKE scan",
                    type(getattr(err, "orig", err)).__name__)


def _backfill_alias_norm(bind) -> None:
    client = sa.table("client", sa.column("id"), sa.column("alias", sa.String),
                      sa.column("alias_norm", sa.String))
    rows = bind.execute(sa.select(client.c.id, client.c.alias).where(client.c.alias.is_not(None))).all()
    updates = [{"rid": rid, "norm": normalize_name(alias) or None} for rid, alias in rows]
    if updates:  # a derived cache, not a register: no versions (like name_norm)
        bind.execute(client.update().where(client.c.id == sa.bindparam("rid")).values(
            alias_norm=sa.bindparam("norm")), updates)


def upgrade() -> None:
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alias_norm', sa.String(length=200), nullable=True))
    bind = op.get_bind()
    _backfill_alias_norm(bind)
    op.create_index('ix_client_live_name', 'client',
                    ['name_norm', 'id', 'alias_norm', 'nik', 'household_id', 'display_id',
                     'wilayah_code', 'cluster', 'sex', 'birth_date'], unique=False,
                    sqlite_where=sa.text('deleted = 0 AND merged_into IS NULL'),
                    postgresql_where=sa.text('NOT deleted AND merged_into IS NULL'))
    if bind.dialect.name == "sqlite":
        create_sqlite_index(bind)
    elif bind.dialect.name == "postgresql":
        for statement in PG_PATTERN_INDEXES:
            bind.exec_driver_sql(statement)
        create_pg_index(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("client_fts_ai", "client_fts_au", "client_fts_ad"):
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        bind.exec_driver_sql("DROP TABLE IF EXISTS client_fts")
    elif bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP INDEX IF EXISTS ix_client_alias_norm_trgm")
        bind.exec_driver_sql("DROP INDEX IF EXISTS ix_client_name_norm_trgm")
        bind.exec_driver_sql("DROP INDEX IF EXISTS ix_client_wilayah_code_pattern")
        bind.exec_driver_sql("DROP INDEX IF EXISTS ix_client_display_id_pattern")
    op.drop_index('ix_client_live_name', table_name='client')
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('alias_norm')
