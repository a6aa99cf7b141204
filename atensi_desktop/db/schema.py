"""Create or upgrade a database with Alembic (a backup of a SQLite file is taken before any upgrade).

Start-up only needs to know whether the schema is current: that is one query against
`alembic_version` compared with HEAD_REVISION, so Alembic itself (and Mako, Pygments) is imported
only when a migration really has to run. A test keeps HEAD_REVISION equal to Alembic's head.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from pathlib import Path

from sqlalchemy import exc, text
from sqlalchemy.engine import Engine

from atensi_desktop.errors import StorageError, UserError
from atensi_desktop.i18n import _

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
HEAD_REVISION = "0017"  # the newest file in migrations/versions; bump with every new migration


# Made by hand in migration 0004, not in the models: the SQLite FTS5 table (and its shadow tables) and the
# PostgreSQL trigram and pattern indexes. Autogenerate must neither drop them nor report them as differences.
_UNMODELLED_TABLES = ("client_fts",)
_UNMODELLED_INDEXES = ("ix_client_name_norm_trgm", "ix_client_alias_norm_trgm", "ix_client_display_id_pattern",
                       "ix_client_wilayah_code_pattern")


def include_name(name: str | None, type_: str, _parent_names: dict) -> bool:
    """Alembic `include_name` filter for autogenerate and for comparing models with the migrations."""
    if type_ == "table" and name:
        return not any(name == t or name.startswith(f"{t}_") for t in _UNMODELLED_TABLES)
    if type_ == "index":
        return name not in _UNMODELLED_INDEXES
    return True


def alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    return HEAD_REVISION


def current_revision(engine: Engine) -> str | None:
    """The revision stamped in the database, or None for an empty (new) database."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except exc.ProgrammingError:  # PostgreSQL: no such table
            return None
        except exc.OperationalError as err:
            if "no such table" in str(err).lower():
                return None
            raise


def upgrade(engine: Engine, *, backup_dir: Path | None = None, db_file: Path | None = None) -> bool:
    """Bring the schema to head. Returns True when anything was applied.

    A database written by a newer version of the app is refused, never touched.
    """
    current = current_revision(engine)
    if current == HEAD_REVISION:
        return False
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    if current is not None and current not in {r.revision for r in script.walk_revisions()}:
        raise UserError(
            _("Database ini dibuat oleh versi ATENSI Desktop yang lebih baru."),
            hint=_("Perbarui aplikasi ini dulu, lalu buka database itu lagi."),
        )
    if current is not None and db_file is not None and backup_dir is not None:
        backup_sqlite(db_file, backup_dir, reason=f"sebelum-migrasi-{current}", engine=engine)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("schema upgraded from %s to %s", current, HEAD_REVISION)
    return True


def backup_sqlite(db_file: Path, backup_dir: Path, *, reason: str, engine: Engine | None = None) -> Path:
    """Consistent copy of a live SQLite file (the sqlite3 backup API), named with time and reason.

    With `engine` the copy is made through its connection (`VACUUM INTO`), so an encrypted (SQLCipher)
    database is copied with its key and the copy stays encrypted with the same key.
    """
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = backup_dir / f"{db_file.stem}-{stamp}-{reason}.db"
    if engine is not None:
        try:
            raw = engine.raw_connection()
            try:
                raw.driver_connection.execute("VACUUM INTO ?", (str(target),))
            finally:
                raw.close()
        except Exception as err:  # sqlite3.Error or sqlcipher3's own Error class
            target.unlink(missing_ok=True)
            raise StorageError(_("Cadangan database gagal dibuat."),
                               hint=_("Periksa ruang disk dan izin folder.")) from err
        return target
    try:
        src = sqlite3.connect(str(db_file))
        dst = sqlite3.connect(str(target))
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
    except sqlite3.Error as err:
        raise StorageError(_("Cadangan database gagal dibuat."), hint=_("Periksa ruang disk dan izin folder.")) from err
    return target
