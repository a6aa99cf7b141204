"""Migrations: the head constant matches Alembic, models match the migrations, newer databases refused."""

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from atensi_desktop.db import models  # noqa: F401
from atensi_desktop.db.base import Base
from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.schema import HEAD_REVISION, alembic_config, current_revision, include_name
from atensi_desktop.errors import UserError


def test_head_constant_is_alembic_head():
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION


def test_models_and_migrations_agree(db):
    with db.engine.connect() as conn:
        # the same filter as autogenerate (migrations/env.py): hand-made search index objects are not models
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}),
                                Base.metadata)
    assert diff == [], "models changed without a migration: add one in atensi_desktop/db/migrations/versions"
    assert current_revision(db.engine) == HEAD_REVISION


def test_database_from_a_newer_app_is_refused_untouched(paths):
    db = open_database(paths.default_db_url, paths)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    db.dispose()
    with pytest.raises(UserError, match="versi ATENSI Desktop yang lebih baru"):
        open_database(paths.default_db_url, paths)
    con = sqlite3.connect(paths.default_db_file)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("9999",)
    con.close()


def test_sqlite_runs_with_wal_and_foreign_keys(paths):
    db = open_database(paths.default_db_url, paths)
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.dispose()


def test_upgrading_an_older_sqlite_database_backs_it_up_first(paths):
    from alembic import command

    from atensi_desktop.services.clients import count_clients, create_client

    db = open_database(paths.default_db_url, paths)
    create_client(db, {"name": "Siti Aminah", "sex": "P"})
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    db.dispose()
    assert not paths.backups.exists() or not list(paths.backups.iterdir())
    db = open_database(paths.default_db_url, paths)
    try:
        assert current_revision(db.engine) == HEAD_REVISION
        backups = list(paths.backups.glob("*sebelum-migrasi-0001.db"))
        assert len(backups) == 1
        con = sqlite3.connect(backups[0])
        assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert con.execute("SELECT count(*) FROM client").fetchone() == (1,)
        con.close()
        assert count_clients(db) == 1
    finally:
        db.dispose()


def test_migration_0006_gives_old_rows_title_free_name_keys(db):
    """Rows written before 0006 (keys with "hj", degrees, "moch") are found by the new keys after upgrading."""
    from alembic import command
    from sqlalchemy import select

    from atensi_desktop.db.models import Client
    from atensi_desktop.services.clients import ClientQuery, client_page, create_client

    siti = create_client(db, {"name": "Hj. Siti Aminah, S.Pd.", "alias": "Bu Hj. Ami", "sex": "P"}).id
    ali = create_client(db, {"name": "Moch. Ali", "sex": "L"}).id
    plain = create_client(db, {"name": "Budi Santoso", "sex": "L"}).id
    with db.engine.begin() as conn:  # what a 0005 database holds: the old keys
        conn.execute(Client.__table__.update().where(Client.id == siti).values(
            name_norm="hj siti aminah s pd", alias_norm="bu hj ami"))
        conn.execute(Client.__table__.update().where(Client.id == ali).values(name_norm="mokh ali"))
    assert [r.id for r in client_page(db, ClientQuery(text="muhammad ali"), 0, 10)] == []
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
        command.upgrade(cfg, "head")
    with db.session() as s:
        keys = dict(s.execute(select(Client.id, Client.name_norm)).all())
        assert s.scalar(select(Client.alias_norm).where(Client.id == siti)) == "ami"
    assert keys == {siti: "siti aminah", ali: "muhamad ali", plain: "budi santoso"}
    # the search index followed (SQLite: the FTS trigger; PostgreSQL: trigram indexes)
    assert [r.id for r in client_page(db, ClientQuery(text="muhammad ali"), 0, 10)] == [ali]
    assert [r.id for r in client_page(db, ClientQuery(text="siti aminah"), 0, 10)] == [siti]
