"""Encrypted backups of a SQLite installation: create, list, rotate, verify and restore (issue 8).

**What a backup holds.** One file, `atensi-cadangan-<YYYYmmdd-HHMMSS>-<otomatis|manual>.age`: an age-encrypted
gzip-compressed tar with `manifest.json`, `atensi.db` (a consistent snapshot: `VACUUM INTO` for a plain database,
`sqlcipher_export` into a copy under a fresh random key for an encrypted one; that key is in the manifest,
inside the encryption) and `berkas/` (the content-addressed document and photo files). Documents are
included because the database only names them by hash: a restore without them would show clients whose
KTP scans and photos are gone. Files already present are not copied again on restore (same name = same bytes).

**Who can open it.** The backup is encrypted (age, X25519, streamed, so size is no problem) to this
installation's *backup key*. Its secret half lives inside the database (`meta`, local state, never synced),
so it is as protected as the database itself (encrypted when the database is) and travels with every backup.
If the laptop dies, the key dies with it: so the administrator exports a **recovery key** once
(`backup kunci-pemulihan -o FILE`, or the button on the Cadangan screen), protected by a passphrase (age's
scrypt mode, the same as `age -p`), and keeps it off the laptop (USB, printed, a safe). Without the app:
`age -d kunci-pemulihan.age > id.txt; age -d -i id.txt cadangan.age | tar x` gives the database file
(use `sqlcipher` with the key from `manifest.json` when the installation was encrypted).

**Restore** checks everything before touching the installation (decrypts, checks the tar names, the database's
SHA-256 and `PRAGMA integrity_check`, the schema revision, every document's hash), builds the new database
file next to the old one (re-encrypted with this installation's key when it is encrypted), marks it as
restored so it forks to a **new site id** before its first write (sync-design §2.1), moves the current
database to a safety copy (`cadangan/sebelum-pulih-…db`) and renames the new one into place.

**Automatic backups**: at start and on close, when the newest automatic backup is older than 24 hours; they
rotate (the 7 newest are kept, plus the newest of each of 4 older weeks). Manual backups are never deleted.
PostgreSQL is not covered: back the server up with `pg_dump` and encrypt its disk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from atensi_desktop import __version__
from atensi_desktop.db import crypto
from atensi_desktop.db.engine import Database, read_meta, sqlite_file, write_meta
from atensi_desktop.errors import StorageError, UserError
from atensi_desktop.i18n import _
from atensi_desktop.paths import AppPaths
from atensi_desktop.progress import Progress, null_progress

log = logging.getLogger(__name__)
FORMAT, VERSION = "atensi-cadangan", 1
KIND_AUTO, KIND_MANUAL = "otomatis", "manual"
KINDS = (KIND_AUTO, KIND_MANUAL)
AUTO_EVERY = dt.timedelta(hours=24)
KEEP_DAILY, KEEP_WEEKLY = 7, 4
META_IDENTITY = "backup_identity"
META_RECOVERY_EXPORTED = "backup_recovery_exported"
RESTORED_MARK = "dipulihkan"
_NAME_RE = re.compile(r"^atensi-cadangan-(\d{8}-\d{6})(?:-\d+)?-(otomatis|manual)\.age$")
_BLOB_RE = re.compile(r"^berkas/[0-9a-f]{2}/[0-9a-f]{62}$")  # blobstore layout: ab/cdef… (62 more)
MIN_PASSPHRASE = 10


class BackupKeyMissing(UserError):
    """The backup cannot be opened with this installation's backup key: the recovery key is needed."""


@dataclass(frozen=True)
class BackupInfo:
    """A backup file found in the backup folder (from its name and size; nothing is decrypted)."""

    path: Path
    created: dt.datetime
    kind: str
    size: int

    @property
    def automatic(self) -> bool:
        return self.kind == KIND_AUTO


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    blobs: int
    removed: tuple[Path, ...] = ()


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    safety_copy: Path
    created: str
    new_site: uuid.UUID
    blobs_added: int


# --- where backups live ------------------------------------------------------------------------------------


def backup_folder(paths: AppPaths, settings=None) -> Path:
    """The folder chosen in Pengaturan (`settings.backup_dir`, e.g. a USB disk), else `cadangan/` in the data folder."""
    chosen = str(getattr(settings, "backup_dir", "") or "").strip()
    return Path(chosen).expanduser() if chosen else paths.backups


def list_backups(folder: Path) -> list[BackupInfo]:
    """Backups in `folder`, newest first."""
    found: list[BackupInfo] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        match = _NAME_RE.match(entry.name)
        if not match or not entry.is_file():
            continue
        created = dt.datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")
        found.append(BackupInfo(path=entry, created=created, kind=match.group(2), size=entry.stat().st_size))
    return sorted(found, key=lambda b: (b.created, b.path.name), reverse=True)


def _target_name(folder: Path, kind: str, now: dt.datetime) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    target = folder / f"atensi-cadangan-{stamp}-{kind}.age"
    n = 2
    while target.exists():
        target = folder / f"atensi-cadangan-{stamp}-{n}-{kind}.age"
        n += 1
    return target


def _sqlite_only(db: Database) -> Path:
    db_file = sqlite_file(db.url)
    if db_file is None:
        raise UserError(
            _("Cadangan dari aplikasi hanya untuk database file SQLite."),
            hint=_("Untuk PostgreSQL cadangkan server dengan pg_dump dan enkripsi disk server."),
        )
    return db_file


def _require_backup(db: Database) -> None:
    from atensi_desktop.security.roles import BACKUP, require

    require(db, BACKUP)


# --- the backup key ----------------------------------------------------------------------------------------


def _backup_identity(db: Database, *, create: bool):
    from pyrage import x25519

    with db.session() as s:
        secret = read_meta(s, META_IDENTITY)
        if secret is None and create:
            secret = str(x25519.Identity.generate())
            write_meta(s, META_IDENTITY, secret)
    return x25519.Identity.from_str(secret) if secret else None


def recovery_key_exported(db: Database) -> bool:
    with db.session() as s:
        return bool(read_meta(s, META_RECOVERY_EXPORTED))


def export_recovery_key(db: Database, target: str | os.PathLike[str], passphrase: str) -> Path:
    """Write this installation's backup key, encrypted with `passphrase` (age scrypt, like `age -p`), to `target`."""
    from pyrage import passphrase as age_passphrase

    _require_backup(db)
    _sqlite_only(db)
    if len(passphrase) < MIN_PASSPHRASE:
        raise UserError(_("Frasa sandi kunci pemulihan terlalu pendek (minimal {n} karakter).").format(
            n=MIN_PASSPHRASE), field="passphrase")
    identity = _backup_identity(db, create=True)
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    text = (f"# ATENSI Desktop: kunci pemulihan cadangan\n# created: {created}\n"
            f"# public key: {identity.to_public()}\n{identity}\n")
    sealed = age_passphrase.encrypt(text.encode("ascii"), passphrase)
    path = Path(target).expanduser()
    from atensi_desktop.paths import atomic_write_bytes

    try:
        atomic_write_bytes(path, sealed)
    except OSError as exc:
        raise UserError(_("Kunci pemulihan tidak bisa ditulis ke {path}: {reason}.").format(
            path=path, reason=exc.strerror or exc), hint=_("Pilih folder lain.")) from exc
    with db.session() as s:
        write_meta(s, META_RECOVERY_EXPORTED, created)
    log.info("backup recovery key exported")
    return path


def read_recovery_key(source: str | os.PathLike[str], passphrase: str):
    """The backup identity in an exported recovery key file; a wrong passphrase is a UserError."""
    from pyrage import DecryptError, IdentityError, x25519
    from pyrage import passphrase as age_passphrase

    path = Path(source).expanduser()
    try:
        sealed = path.read_bytes()
    except OSError:
        raise UserError(_("File kunci pemulihan {path} tidak bisa dibaca.").format(path=path)) from None
    try:
        text = age_passphrase.decrypt(sealed, passphrase).decode("ascii")
        line = next(x.strip() for x in text.splitlines() if x.strip().startswith("AGE-SECRET-KEY-"))
        return x25519.Identity.from_str(line)
    except (DecryptError, IdentityError, UnicodeDecodeError, StopIteration, ValueError):
        raise UserError(_("Frasa sandi salah atau file {name} bukan kunci pemulihan.").format(name=path.name),
                        hint=_("Periksa frasa sandi dan file kunci pemulihan.")) from None


def admin_password_unlock(db: Database, password: str) -> Path:
    """Let the administrator's password open this encrypted database too (the key wrapped, see db/crypto.py).

    Hook for password changes: `crypto.rewrap_password(db_file, new_password, label=username)`.
    """
    from atensi_desktop.security.roles import current_actor

    _require_backup(db)
    db_file = _sqlite_only(db)
    key = crypto.known_key(db_file)
    if key is None or not crypto.is_encrypted_file(db_file):
        raise UserError(_("Database ini tidak terenkripsi."),
                        hint=_("Enkripsi dulu: atensi-desktop init --encrypt --key-file FILE"))
    actor = current_actor(db)
    return crypto.add_password_unlock(db_file, key, password, label=actor.username if actor else "admin")


# --- create ------------------------------------------------------------------------------------------------


def _snapshot(db: Database, target: Path) -> bytes | None:
    """A consistent copy of the live database into `target`; returns the copy's key (None: a plain copy)."""
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        if crypto.is_encrypted_file(sqlite_file(db.url)):
            key = crypto.new_key()
            conn.execute(f"ATTACH DATABASE ? AS cadangan KEY \"x'{key.hex()}'\"", (str(target),))
            try:
                conn.execute("SELECT sqlcipher_export('cadangan')")
            finally:
                conn.execute("DETACH DATABASE cadangan")
            return key
        conn.execute("VACUUM INTO ?", (str(target),))
        return None
    finally:
        raw.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _blob_files(blobs: Path) -> Iterator[tuple[Path, str]]:
    if not blobs.is_dir():
        return
    for sub in sorted(blobs.iterdir()):
        if sub.is_dir() and re.fullmatch(r"[0-9a-f]{2}", sub.name):
            for f in sorted(sub.iterdir()):
                if f.is_file() and re.fullmatch(r"[0-9a-f]{62}", f.name):
                    yield f, f"berkas/{sub.name}/{f.name}"


def create_backup(db: Database, paths: AppPaths, *, kind: str = KIND_MANUAL, folder: Path | None = None,
                  output: str | os.PathLike[str] | None = None, progress: Progress | None = None,
                  now: dt.datetime | None = None) -> BackupResult:
    """Write an encrypted backup of the database and its documents; automatic ones are rotated afterwards.

    A manual backup needs the BACKUP permission; the automatic one is the application's own housekeeping.
    """
    import pyrage

    from atensi_desktop.db import schema

    if kind not in KINDS:
        raise ValueError(kind)
    if kind == KIND_MANUAL:
        _require_backup(db)
    _sqlite_only(db)
    progress = progress or null_progress()
    now = now or dt.datetime.now()
    folder = Path(folder) if folder is not None else paths.backups
    target = Path(output).expanduser() if output else _target_name(folder, kind, now)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(_("Folder cadangan {folder} tidak bisa dibuat.").format(folder=target.parent),
                        hint=_("Pasang flashdisk-nya atau pilih folder cadangan lain di Pengaturan.")) from exc
    identity = _backup_identity(db, create=True)
    blobs = list(_blob_files(paths.blobs))
    progress.start(len(blobs) + 3, _("Membuat cadangan"))
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=".cadangan-"))
    try:
        snap = work / "atensi.db"
        inner_key = _snapshot(db, snap)
        progress.step()
        with db.session() as s:
            site, office = read_meta(s, "site_uuid"), read_meta(s, "office_id")
        manifest = {
            "format": FORMAT, "version": VERSION, "kind": kind, "app_version": __version__,
            "created": now.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "schema": schema.current_revision(db.engine), "site_uuid": site, "office_id": office,
            "database": {"file": "atensi.db", "sha256": _sha256(snap), "size": snap.stat().st_size,
                         "sqlcipher_key": inner_key.hex() if inner_key else None},
            "blobs": len(blobs),
        }
        tar_path = work / "cadangan.tar"
        with tarfile.open(tar_path, "w:gz", compresslevel=1) as tar:
            info = tarfile.TarInfo("manifest.json")
            data = json.dumps(manifest, indent=1).encode("utf-8")
            info.size, info.mtime = len(data), int(time.time())
            tar.addfile(info, io.BytesIO(data))
            tar.add(snap, arcname="atensi.db")
            snap.unlink()
            for path, arcname in blobs:
                progress.step()
                tar.add(path, arcname=arcname)
        sealed = work / "cadangan.age"
        pyrage.encrypt_file(str(tar_path), str(sealed), [identity.to_public()])
        tar_path.unlink()
        with open(sealed, "rb+") as fh:  # on the disk (a USB stick pulled out next) before it gets its name
            os.fsync(fh.fileno())
        progress.step()
        os.replace(sealed, target)
    except OSError as exc:
        raise StorageError(_("Cadangan gagal ditulis ke {folder}: {reason}.").format(
            folder=target.parent, reason=exc.strerror or exc),
            hint=_("Periksa sisa ruang disk dan izin folder cadangan.")) from exc
    except Exception as exc:
        if type(exc).__module__.startswith(("sqlcipher3", "sqlite3")):
            raise StorageError(_("Database tidak bisa disalin untuk cadangan."),
                               hint=_("Coba lagi; bila terus terjadi, periksa disk.")) from exc
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    removed = tuple(rotate(target.parent)) if kind == KIND_AUTO and output is None else ()
    progress.finish()
    log.info("backup written (%s, %d documents, %d bytes)", kind, len(blobs), target.stat().st_size)
    return BackupResult(path=target, size=target.stat().st_size, blobs=len(blobs), removed=removed)


# --- automatic backups and rotation ------------------------------------------------------------------------


def auto_backup_due(folder: Path, *, now: dt.datetime | None = None) -> bool:
    """True when no automatic backup in `folder` is younger than 24 hours."""
    now = now or dt.datetime.now()
    newest = next((b for b in list_backups(folder) if b.automatic), None)
    return newest is None or now - newest.created >= AUTO_EVERY


def run_auto_backup(db: Database, paths: AppPaths, settings=None, *, now: dt.datetime | None = None,
                    progress: Progress | None = None) -> BackupResult | None:
    """Make the daily automatic backup when it is due (SQLite only); None when nothing was needed."""
    if sqlite_file(db.url) is None:
        return None
    folder = backup_folder(paths, settings)
    if not auto_backup_due(folder, now=now):
        return None
    return create_backup(db, paths, kind=KIND_AUTO, folder=folder, now=now, progress=progress)


def rotate(folder: Path, *, keep_daily: int = KEEP_DAILY, keep_weekly: int = KEEP_WEEKLY) -> list[Path]:
    """Delete automatic backups beyond the newest `keep_daily` and the newest of `keep_weekly` older weeks."""
    autos = [b for b in list_backups(folder) if b.automatic]
    keep = autos[:keep_daily]
    seen = {b.created.isocalendar()[:2] for b in keep}
    weekly = 0
    for b in autos[keep_daily:]:
        week = b.created.isocalendar()[:2]
        if week not in seen and weekly < keep_weekly:
            seen.add(week)
            weekly += 1
            keep.append(b)
    removed = []
    for b in autos:
        if b not in keep:
            b.path.unlink(missing_ok=True)
            removed.append(b.path)
    return removed


# --- restore -----------------------------------------------------------------------------------------------


def _not_a_backup(path: Path) -> UserError:
    return UserError(_("File {name} bukan cadangan ATENSI Desktop atau sudah rusak.").format(name=path.name),
                     hint=_("Pilih file cadangan lain (nama berawalan atensi-cadangan-)."))


def _open_sqlite(path: Path, key: bytes | None):
    if key is None:
        return sqlite3.connect(str(path))
    from sqlcipher3 import dbapi2 as sqlcipher

    conn = sqlcipher.connect(str(path))
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(crypto.pragma_key(key))
    return conn


def _unpack(source: Path, work: Path, identities: list) -> dict:
    """Decrypt and extract a backup into `work`, checking every name, hash and the database itself."""
    import pyrage

    tar_path = work / "cadangan.tar"
    try:
        pyrage.decrypt_file(str(source), str(tar_path), identities)
    except pyrage.DecryptError:
        raise BackupKeyMissing(
            _("Cadangan {name} tidak bisa dibuka dengan kunci cadangan instalasi ini.").format(name=source.name),
            hint=_("Pakai kunci pemulihan yang disimpan administrator (file dan frasa sandinya)."),
        ) from None
    except OSError as exc:
        raise UserError(_("File {path} tidak bisa dibaca: {reason}.").format(
            path=source, reason=exc.strerror or exc)) from exc
    try:
        with tarfile.open(tar_path, "r:gz") as tar:
            members = tar.getmembers()
            names = [m.name for m in members]
            if "manifest.json" not in names or "atensi.db" not in names or any(
                    not m.isfile() or (m.name not in ("manifest.json", "atensi.db") and not _BLOB_RE.match(m.name))
                    for m in members):
                raise _not_a_backup(source)
            manifest = json.loads(tar.extractfile("manifest.json").read().decode("utf-8"))  # type: ignore[union-attr]
            for m in members:
                if m.name == "manifest.json":
                    continue
                dest = work / "isi" / m.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(m) as src, open(dest, "wb") as out:  # type: ignore[union-attr]
                    shutil.copyfileobj(src, out, 1024 * 1024)
    except (tarfile.TarError, ValueError, UnicodeDecodeError) as exc:
        raise _not_a_backup(source) from exc
    finally:
        tar_path.unlink(missing_ok=True)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _not_a_backup(source)
    if not isinstance(manifest.get("version"), int) or manifest["version"] > VERSION:
        raise UserError(_("Cadangan {name} dibuat oleh versi ATENSI Desktop yang lebih baru.").format(
            name=source.name), hint=_("Perbarui aplikasi ini dulu, lalu pulihkan lagi."))
    dbinfo = manifest.get("database") or {}
    db_copy = work / "isi" / "atensi.db"
    if _sha256(db_copy) != dbinfo.get("sha256"):
        raise _not_a_backup(source)
    for blob in (work / "isi" / "berkas").glob("*/*"):
        if _sha256(blob) != blob.parent.name + blob.name:
            raise _not_a_backup(source)
    key = bytes.fromhex(dbinfo["sqlcipher_key"]) if dbinfo.get("sqlcipher_key") else None
    try:
        conn = _open_sqlite(db_copy, key)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        finally:
            conn.close()
    except Exception as exc:  # sqlite3 / sqlcipher3 errors: the copy inside is damaged
        raise _not_a_backup(source) from exc
    if ok != "ok":
        raise _not_a_backup(source)
    _check_revision(revision, source)
    manifest["_inner_key"] = key
    return manifest


def _check_revision(revision: str, source: Path) -> None:
    from atensi_desktop.db import schema

    known = sorted(p.name[:4] for p in (schema.MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    if revision not in known:
        raise UserError(_("Cadangan {name} dibuat oleh versi ATENSI Desktop yang lebih baru.").format(
            name=source.name), hint=_("Perbarui aplikasi ini dulu, lalu pulihkan lagi."))


def verify_backup(db: Database, source: str | os.PathLike[str], *, recovery=None) -> dict:
    """Decrypt and check a backup without changing anything; returns its manifest (without the inner key)."""
    path = Path(source)
    work = Path(tempfile.mkdtemp(prefix=".periksa-", dir=_sqlite_only(db).parent))
    try:
        manifest = _unpack(path, work, _identities(db, recovery))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    manifest.pop("_inner_key", None)
    manifest.get("database", {}).pop("sqlcipher_key", None)
    return manifest


def _identities(db: Database, recovery) -> list:
    ids = [i for i in (recovery, _backup_identity(db, create=False)) if i is not None]
    if not ids:
        raise BackupKeyMissing(_("Instalasi ini belum punya kunci cadangan."),
                        hint=_("Pakai kunci pemulihan yang disimpan administrator (--kunci-pemulihan FILE)."))
    return ids


def _build_restored(inner: Path, inner_key: bytes | None, target: Path, key: bytes | None) -> None:
    """Copy the backup's database to `target` in this installation's form (encrypted with `key` or plain),
    marked as restored so the next open forks the site id."""
    if inner_key is None and key is None:
        shutil.copyfile(inner, target)
    else:
        conn = _open_sqlite(inner, inner_key) if inner_key is not None else None
        if conn is None:
            from sqlcipher3 import dbapi2 as sqlcipher

            conn = sqlcipher.connect(str(inner))
        try:
            attach_key = f"\"x'{key.hex()}'\"" if key is not None else "''"
            conn.execute(f"ATTACH DATABASE ? AS neu KEY {attach_key}", (str(target),))
            conn.execute("SELECT sqlcipher_export('neu')")
            conn.execute("DETACH DATABASE neu")
        finally:
            conn.close()
    conn = _open_sqlite(target, key)
    try:
        conn.execute("DELETE FROM meta WHERE key = 'fingerprint'")
        conn.execute("INSERT INTO meta (key, value) VALUES ('fingerprint', ?)", (RESTORED_MARK,))
        conn.commit()
    finally:
        conn.close()


def restore_backup(db: Database, paths: AppPaths, source: str | os.PathLike[str], *, recovery=None,
                   progress: Progress | None = None) -> RestoreResult:
    """Replace the installation's database (and add missing documents) with a backup's.

    `db` is checked for the BACKUP permission and supplies the backup key, then **disposed**: the caller
    opens the database again afterwards (the GUI restarts). Nothing is changed when any check fails.
    """
    from atensi_desktop.db.bootstrap import current_site, open_database

    _require_backup(db)
    db_file = _sqlite_only(db)
    path = Path(source).expanduser()
    if not path.is_file():
        raise UserError(_("File {path} tidak ditemukan.").format(path=path))
    progress = progress or null_progress()
    progress.start(4, _("Memeriksa cadangan"))
    key = crypto.known_key(db_file) if crypto.is_encrypted_file(db_file) else None
    work = Path(tempfile.mkdtemp(prefix=".pulih-", dir=db_file.parent))
    try:
        manifest = _unpack(path, work, _identities(db, recovery))
        progress.step(message=_("Menyiapkan database"))
        fresh = work / "baru.db"
        _build_restored(work / "isi" / "atensi.db", manifest["_inner_key"], fresh, key)
        progress.step(message=_("Mengganti database"))
        url = db.url.render_as_string(hide_password=False)
        db.dispose()
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        paths.backups.mkdir(parents=True, exist_ok=True)
        safety = paths.backups / f"sebelum-pulih-{stamp}-{db_file.name}"
        for suffix in ("-wal", "-shm"):
            db_file.with_name(db_file.name + suffix).unlink(missing_ok=True)
        shutil.move(str(db_file), str(safety))
        try:
            os.replace(fresh, db_file)
        except OSError:
            shutil.move(str(safety), str(db_file))
            raise
        added = 0
        for blob in sorted((work / "isi" / "berkas").glob("*/*")):
            dest = paths.blobs / blob.parent.name / blob.name
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(blob, dest)
                added += 1
        progress.step(message=_("Membuka database hasil pemulihan"))
        reopened = open_database(url, paths, key=key)
        try:
            site = current_site(reopened)
        finally:
            reopened.dispose()
    except OSError as exc:
        raise StorageError(_("Pemulihan gagal: {reason}.").format(reason=exc.strerror or exc),
                           hint=_("Periksa sisa ruang disk dan izin folder data.")) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    progress.finish()
    log.info("backup restored; new site %s", site)
    return RestoreResult(source=path, safety_copy=safety, created=str(manifest.get("created")), new_site=site,
                         blobs_added=added)
