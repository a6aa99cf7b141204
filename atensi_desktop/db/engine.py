"""The only place that reads a database URL: engine set-up, SQLite pragmas, sessions, opening and upgrading."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import platform
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, event, exc, select
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from atensi_desktop.errors import StorageError, UserError
from atensi_desktop.i18n import N_, _
from atensi_desktop.paths import ensure_writable_dir

log = logging.getLogger(__name__)
ENV_DB = "ATENSI_DB"
URL_EXAMPLE = N_("Contoh: sqlite:///C:/data/atensi.db atau postgresql+psycopg://pengguna@server/atensi")


def parse_url(url: str) -> URL:
    """Parse and check a database URL; an unknown or malformed one is a UserError."""
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError) as err:
        raise UserError(
            _("Alamat database tidak dikenali: {url}.").format(url=repr(url)), hint=_(URL_EXAMPLE)
        ) from err
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise UserError(
            _("Jenis database {backend} tidak didukung; gunakan SQLite atau PostgreSQL.").format(
                backend=repr(parsed.get_backend_name())
            ),
            hint=_(URL_EXAMPLE),
        )
    return parsed


def sqlite_file(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for an in-memory database."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser().absolute()


def _on_sqlite_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, *, key: bytes | None = None) -> Engine:
    """Create the engine for a URL (SQLite: WAL, foreign keys on, folder checked for writing).

    With `key` the SQLite file is a SQLCipher database: connections come from the `sqlcipher3` driver and
    the key is given (a PRAGMA, never in the URL) before anything else touches the file.
    """
    parsed = parse_url(url)
    db_file = sqlite_file(parsed)
    if db_file is not None:
        ensure_writable_dir(db_file.parent)
    options: dict = {}
    if key is not None:
        if parsed.get_backend_name() != "sqlite" or db_file is None:
            raise UserError(_("Enkripsi database hanya untuk file SQLite."),
                            hint=_("Untuk PostgreSQL gunakan enkripsi disk di server database."))
        from sqlcipher3 import dbapi2 as sqlcipher

        options["module"] = sqlcipher
    try:
        engine = create_engine(parsed, future=True, pool_pre_ping=parsed.get_backend_name() != "sqlite", **options)
    except (exc.NoSuchModuleError, exc.ArgumentError, ImportError) as err:
        raise UserError(
            _("Alamat database tidak dikenali: {url}.").format(url=repr(url)), hint=_(URL_EXAMPLE)
        ) from err
    if key is not None:
        event.listen(engine, "do_connect", _keyed_connect(options["module"], key, db_file))
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    return engine


def _keyed_connect(module, key: bytes, db_file: Path | None):
    """A `do_connect` hook: open with sqlcipher3, give the key first, check it opens the file."""
    from atensi_desktop.db.crypto import pragma_key, wrong_key

    def connect(_dialect, _record, cargs, cparams):
        conn = module.connect(*cargs, **cparams)
        try:
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(pragma_key(key))
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except module.DatabaseError as err:
            conn.close()
            raise wrong_key(db_file) from err
        return conn

    return connect


def describe_url(url: URL) -> str:
    """A label for the status bar, without the password."""
    db_file = sqlite_file(url)
    if url.get_backend_name() == "sqlite":
        from atensi_desktop.db.crypto import is_encrypted_file

        if db_file is not None and is_encrypted_file(db_file):
            return f"SQLite: {db_file} " + _("(terenkripsi)")
        return f"SQLite: {db_file}" if db_file else "SQLite: " + _("(memori)")
    host = url.host or _("lokal")
    return f"PostgreSQL: {url.username + '@' if url.username else ''}{host}/{url.database}"


def machine_fingerprint(url: URL, engine: Engine) -> str:
    """Identifies *this copy* of the database: another machine or another file path gives another value."""
    db_file = sqlite_file(url)
    if url.get_backend_name() == "sqlite":
        machine = _machine_id()
        where = str(db_file.resolve()) if db_file else "memory"
        return hashlib.sha256(f"{machine}|{where}".encode()).hexdigest()[:32]
    with engine.connect() as conn:
        try:
            ident = conn.exec_driver_sql("SELECT system_identifier FROM pg_control_system()").scalar()
        except exc.DBAPIError:
            conn.rollback()
            ident = "pg"
        dbname = conn.exec_driver_sql("SELECT current_database()").scalar()
    return hashlib.sha256(f"pg|{ident}|{dbname}".encode()).hexdigest()[:32]


def _machine_id() -> str:
    for candidate in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        with contextlib.suppress(OSError):
            value = Path(candidate).read_text().strip()
            if value:
                return value
    return f"{platform.node()}-{uuid.getnode():x}"


@dataclass
class Database:
    """An open database: hands out one Session per user action (unit of work)."""

    engine: Engine
    url: URL
    user_id: uuid.UUID | None = None
    office_id: uuid.UUID | None = None
    _factory: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        from atensi_desktop.sync.versioning import install

        self._factory = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        install(self._factory)

    @property
    def label(self) -> str:
        return describe_url(self.url)

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends normally, rolls back on any error."""
        session = self._factory()
        session.info["user_id"] = self.user_id
        session.info["office_id"] = self.office_id
        try:
            yield session
            session.commit()
        except exc.OperationalError as err:
            session.rollback()
            raise storage_error(err) from err
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def storage_error(err: exc.DBAPIError) -> StorageError:
    text = str(getattr(err, "orig", err)).lower()
    if "locked" in text or "busy" in text:
        return StorageError(
            _("Database sedang dipakai program lain."),
            hint=_("Tutup program lain yang membuka database ini, lalu coba lagi."),
        )
    if "readonly" in text or "read-only" in text or "permission" in text:
        return StorageError(_("Database tidak bisa ditulis."), hint=_("Periksa izin folder dan file database."))
    if "disk" in text and ("full" in text or "i/o" in text):
        return StorageError(_("Disk penuh atau rusak."), hint=_("Kosongkan ruang disk, lalu coba lagi."))
    if "could not connect" in text or "connection" in text:
        return StorageError(_("Server database tidak bisa dihubungi."), hint=_("Periksa alamat server dan jaringan."))
    if "not a database" in text or "malformed" in text:
        return StorageError(
            _("File ini bukan database ATENSI atau sudah rusak."), hint=_("Pilih file lain atau pulihkan cadangan.")
        )
    return StorageError(_("Database menolak perintah."), hint=_("Coba lagi; bila terus terjadi, hubungi admin."))


def resolve_db_url(explicit: str | None, default_url: str) -> str:
    """--db wins, then ATENSI_DB, then the SQLite file in the data folder."""
    return explicit or os.environ.get(ENV_DB) or default_url


def read_meta(session: Session, key: str) -> str | None:
    from atensi_desktop.db.models import Meta

    return session.scalar(select(Meta.value).where(Meta.key == key))


def write_meta(session: Session, key: str, value: str) -> None:
    from atensi_desktop.db.models import Meta

    row = session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value
