"""Shared fixtures for engine tests: a private data folder and a freshly opened database.

`db` runs each test once on SQLite (a new file in tmp_path) and once on PostgreSQL when
ATENSI_TEST_PG_URL is set (the `public` schema of that database is dropped and recreated first, so
only point it at a throwaway database such as the one scripts/pg-throwaway.sh starts).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.engine import Database, parse_url
from atensi_desktop.paths import AppPaths, resolve_paths

PG_URL_ENV = "ATENSI_TEST_PG_URL"


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    """An installation whose data, config and log folders all live in this test's tmp_path."""
    return resolve_paths(tmp_path / "atensi-home").ensure()


def reset_pg_schema(url: str) -> None:
    """Empty a PostgreSQL test database: drop and recreate its `public` schema."""
    engine = create_engine(parse_url(url))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db(request: pytest.FixtureRequest, paths: AppPaths) -> Iterator[Database]:
    """An opened, migrated database with the built-in data seeded (38 provinces); disposed afterwards."""
    if request.param == "sqlite":
        url = paths.default_db_url
    else:
        url = os.environ.get(PG_URL_ENV, "").strip()
        if not url:
            pytest.skip(f"{PG_URL_ENV} is not set: skipping the PostgreSQL variant")
        reset_pg_schema(url)
    database = open_database(url, paths)
    try:
        yield database
    finally:
        database.dispose()
