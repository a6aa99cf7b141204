"""Open a database for use: create or upgrade the schema, fix the site identity, seed built-in data."""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

from sqlalchemy import exc, func, insert, select

from atensi_desktop.db import crypto, schema
from atensi_desktop.db.engine import (
    Database,
    make_engine,
    parse_url,
    read_meta,
    sqlite_file,
    storage_error,
    write_meta,
)
from atensi_desktop.db.engine import machine_fingerprint as _fingerprint
from atensi_desktop.db.models import Site, SyncState, Wilayah
from atensi_desktop.domain.names import fold
from atensi_desktop.errors import StorageError, UserError
from atensi_desktop.i18n import _
from atensi_desktop.paths import AppPaths
from atensi_desktop.resources import load_json

log = logging.getLogger(__name__)


def open_database(url: str, paths: AppPaths, *, upgrade: bool = True, encrypt: bool = False,
                  key: bytes | None = None) -> Database:
    """Open (creating or upgrading when allowed) the database at `url` and return it ready for work.

    An encrypted SQLite file is opened with `key`, or the key `crypto.resolve_key` finds (key file, password).
    `encrypt` (with `key`) creates a new database encrypted, or encrypts an existing plain file in place.
    """
    db_file = sqlite_file(parse_url(url))
    if encrypt and db_file is None:
        raise UserError(_("Enkripsi database hanya untuk file SQLite."),
                        hint=_("Untuk PostgreSQL gunakan enkripsi disk di server database."))
    if crypto.encryption_requested():  # `init --encrypt`: for this one open only
        crypto.request_encryption(False)
        encrypt = encrypt or db_file is not None
    if key is None and (crypto.is_encrypted_file(db_file) or (encrypt and db_file is not None)):
        key = crypto.resolve_key(db_file)  # type: ignore[arg-type]
    if encrypt and key is None:
        raise UserError(_("Enkripsi database perlu file kunci."), hint=_("Tambahkan --key-file FILE."))
    if encrypt and db_file is not None and db_file.exists() and not crypto.is_encrypted_file(db_file) \
            and db_file.stat().st_size > 0:
        encrypt_in_place(db_file, key)  # type: ignore[arg-type]
    engine = make_engine(url, key=key)
    db = Database(engine=engine, url=engine.url)
    try:
        if key is not None:
            with engine.connect():  # a wrong key is refused here, before anything is written
                pass
            crypto.remember_key(db_file, key)  # type: ignore[arg-type]
        if upgrade:
            schema.upgrade(engine, backup_dir=paths.backups, db_file=sqlite_file(engine.url))
        elif schema.current_revision(engine) != schema.head_revision():
            raise UserError(
                _("Database belum disiapkan atau perlu diperbarui."),
                hint=_("Jalankan: atensi-desktop init"),
            )
        ensure_site(db)
        seed_builtin_wilayah(db)
        with db.session() as s:
            office = read_meta(s, "office_id")
            user = read_meta(s, "user_id")
        db.office_id = uuid.UUID(office) if office else None
        db.user_id = uuid.UUID(user) if user else None
    except exc.OperationalError as err:
        engine.dispose()
        raise storage_error(err) from err
    except BaseException:
        engine.dispose()
        raise
    return db


def is_encrypted(db: Database) -> bool:
    """True when this database is a SQLCipher file."""
    return crypto.is_encrypted_file(sqlite_file(db.url))


def encrypt_in_place(db_file: Path, key: bytes) -> None:
    """Turn a plain SQLite file into a SQLCipher one with `key` (copy, check, swap); the plain file is removed."""
    from sqlcipher3 import dbapi2 as sqlcipher

    tmp = db_file.with_name(f".{db_file.name}.enkripsi.tmp")
    tmp.unlink(missing_ok=True)
    try:
        conn = sqlcipher.connect(str(db_file))
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute(f"ATTACH DATABASE ? AS enc KEY \"x'{key.hex()}'\"", (str(tmp),))
            conn.execute("SELECT sqlcipher_export('enc')")
            conn.execute("DETACH DATABASE enc")
        finally:
            conn.close()
        check = sqlcipher.connect(str(tmp))
        try:
            check.execute(crypto.pragma_key(key))
            if check.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise StorageError(_("Enkripsi database gagal diperiksa."), hint=_("Database asli tidak diubah."))
        finally:
            check.close()
        os.replace(tmp, db_file)
        for suffix in ("-wal", "-shm"):
            db_file.with_name(db_file.name + suffix).unlink(missing_ok=True)
    except sqlcipher.Error as err:
        raise StorageError(_("Database tidak bisa dienkripsi."),
                           hint=_("Periksa ruang disk dan izin folder; database asli tidak diubah.")) from err
    finally:
        tmp.unlink(missing_ok=True)
    log.info("database encrypted in place")


def ensure_site(db: Database) -> uuid.UUID:
    """Give this database a site id; a copied or restored file (fingerprint changed) forks to a new one."""
    fingerprint = _fingerprint(db.url, db.engine)
    with db.session() as s:
        state = s.get(SyncState, 1)
        known = read_meta(s, "fingerprint")
        if state is not None and known == fingerprint:
            return uuid.UUID(read_meta(s, "site_uuid") or "")
        new_site = uuid.uuid4()
        site = Site(site_uuid=new_site)
        s.add(site)
        s.flush()
        if state is None:
            s.add(SyncState(id=1, site=site.ordinal, hlc=0, seq=0))
            log.info("new database: site %s", new_site)
        else:
            log.warning("database copied or restored: forking to new site %s", new_site)
            state.site, state.seq = site.ordinal, 0
        write_meta(s, "site_uuid", str(new_site))
        write_meta(s, "fingerprint", fingerprint)
        return new_site


def fork_site(db: Database) -> uuid.UUID:
    """Force a new site id (after restoring a backup): forget the stored fingerprint, then ensure."""
    with db.session() as s:
        write_meta(s, "fingerprint", "forked")
    return ensure_site(db)


def current_site(db: Database) -> uuid.UUID:
    with db.session() as s:
        return uuid.UUID(read_meta(s, "site_uuid") or "")


def seed_builtin_wilayah(db: Database) -> None:
    """The 38 provinces ship with the app, so a fresh installation can name them without an import."""
    with db.session() as s:
        if s.scalar(select(func.count()).select_from(Wilayah).where(Wilayah.level == 1)):
            return
        rows = [
            {"code": p["code"], "name": p["name"], "level": 1, "parent_code": None, "name_norm": fold(p["name"])}
            for p in load_json("refdata", "provinces.json")["items"]
        ]
        s.execute(insert(Wilayah), rows)
