"""Open a database for use: create or upgrade the schema, fix the site identity, seed built-in data."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import exc, func, insert, select

from atensi_desktop.db import schema
from atensi_desktop.db.engine import Database, make_engine, read_meta, sqlite_file, storage_error, write_meta
from atensi_desktop.db.engine import machine_fingerprint as _fingerprint
from atensi_desktop.db.models import Site, SyncState, Wilayah
from atensi_desktop.domain.names import fold
from atensi_desktop.i18n import _
from atensi_desktop.paths import AppPaths
from atensi_desktop.resources import load_json

log = logging.getLogger(__name__)


def open_database(url: str, paths: AppPaths, *, upgrade: bool = True) -> Database:
    """Open (creating or upgrading when allowed) the database at `url` and return it ready for work."""
    engine = make_engine(url)
    db = Database(engine=engine, url=engine.url)
    try:
        if upgrade:
            schema.upgrade(engine, backup_dir=paths.backups, db_file=sqlite_file(engine.url))
        elif schema.current_revision(engine) != schema.head_revision():
            from atensi_desktop.errors import UserError

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
