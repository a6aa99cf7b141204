"""Encrypted backups: round trip (data back exactly, new site id), keys, checks before restore, rotation."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import sqlite3

import pytest

from atensi_desktop import backup
from atensi_desktop.db import crypto
from atensi_desktop.db.bootstrap import current_site, open_database
from atensi_desktop.errors import UserError
from atensi_desktop.services import documents as docs
from atensi_desktop.services.clients import archive_client, create_client, update_client
from atensi_desktop.sync.canonical import canonical_dump

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
NIK = "6306014509900001"


@pytest.fixture(autouse=True)
def _clean_keyring(monkeypatch):
    monkeypatch.delenv(crypto.ENV_KEY_FILE, raising=False)
    crypto.forget_keys()
    yield
    crypto.forget_keys()


def _dump(db) -> str:
    out = io.StringIO()
    canonical_dump(db, out)
    return out.getvalue()


def _world(db, paths):
    siti = create_client(db, {"name": "Siti Cadangan", "sex": "P", "nik": NIK})
    budi = create_client(db, {"name": "Budi Cadangan", "sex": "L"})
    doc = docs.add_document(db, paths.blobs, siti.id, PDF, "persetujuan", note="asli")
    return siti, budi, doc


def _round_trip(db, paths, tmp_path):
    siti, budi, doc = _world(db, paths)
    before, site = _dump(db), current_site(db)
    made = backup.create_backup(db, paths)
    assert made.path.parent == paths.backups and made.blobs == 1
    raw = made.path.read_bytes()
    assert raw.startswith(b"age-encryption.org/v1") and NIK.encode() not in raw and b"Siti Cadangan" not in raw
    # the data changes after the backup: an edit, a new client, an archived one, a lost document file
    update_client(db, siti.id, {"name": "Siti Diubah"})
    create_client(db, {"name": "Client Baru", "sex": "L"})
    archive_client(db, budi.id)
    blob = paths.blobs / doc.sha256[:2] / doc.sha256[2:]
    if not blob.exists():
        blob = next(p for p in paths.blobs.rglob("*") if p.is_file())
    blob.unlink()
    assert _dump(db) != before
    db_url = db.url.render_as_string(hide_password=False)
    result = backup.restore_backup(db, paths, made.path)
    assert result.safety_copy.exists() and result.blobs_added == 1
    assert result.new_site != site
    restored = open_database(db_url, paths)
    try:
        assert _dump(restored) == before
        assert current_site(restored) == result.new_site  # forked once, before any write; stays forked
        assert docs.get_document(restored, doc.id).sha256 == doc.sha256
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == doc.sha256
    finally:
        restored.dispose()
    return result


def test_backup_and_restore_round_trip_plain(paths, tmp_path):
    db = open_database(paths.default_db_url, paths)
    try:
        result = _round_trip(db, paths, tmp_path)
    finally:
        db.dispose()
    # the safety copy is the database as it was just before the restore
    con = sqlite3.connect(result.safety_copy)
    assert con.execute("SELECT count(*) FROM client WHERE name = 'Siti Diubah'").fetchone() == (1,)
    con.close()


def test_backup_and_restore_round_trip_encrypted(paths, tmp_path):
    key = crypto.create_key_file(tmp_path / "kunci.txt")
    db = open_database(paths.default_db_url, paths, encrypt=True, key=key)
    try:
        _round_trip(db, paths, tmp_path)
    finally:
        db.dispose()
    assert crypto.is_encrypted_file(paths.default_db_file)  # restored in this installation's form
    assert NIK.encode() not in paths.default_db_file.read_bytes()
    con = sqlite3.connect(paths.default_db_file)
    with pytest.raises(sqlite3.DatabaseError):
        con.execute("SELECT count(*) FROM client").fetchall()
    con.close()


def test_another_installation_needs_the_recovery_key(paths, tmp_path):
    from atensi_desktop.paths import resolve_paths

    db = open_database(paths.default_db_url, paths)
    siti = create_client(db, {"name": "Siti Pindah", "sex": "P", "nik": NIK})
    made = backup.create_backup(db, paths)
    with pytest.raises(UserError, match="terlalu pendek"):
        backup.export_recovery_key(db, tmp_path / "pemulihan.age", "pendek")
    assert not backup.recovery_key_exported(db)
    key_file = backup.export_recovery_key(db, tmp_path / "pemulihan.age", "frasa sandi panjang sekali")
    assert backup.recovery_key_exported(db)
    assert key_file.read_bytes().startswith(b"age-encryption.org/v1")
    before = _dump(db)
    db.dispose()

    other_paths = resolve_paths(tmp_path / "laptop-baru").ensure()  # the old laptop is gone
    other = open_database(other_paths.default_db_url, other_paths)
    create_client(other, {"name": "Lain", "sex": "L"})
    other_before = _dump(other)
    with pytest.raises(UserError, match="belum punya kunci cadangan"):
        backup.verify_backup(other, made.path)
    backup.create_backup(other, other_paths)  # now it has a backup key of its own, but not the old one
    with pytest.raises(UserError, match="tidak bisa dibuka dengan kunci cadangan"):
        backup.verify_backup(other, made.path)
    with pytest.raises(UserError, match="Frasa sandi salah"):
        backup.read_recovery_key(key_file, "frasa yang keliru sekali")
    assert _dump(other) == other_before
    recovery = backup.read_recovery_key(key_file, "frasa sandi panjang sekali")
    url = other.url.render_as_string(hide_password=False)
    backup.restore_backup(other, other_paths, made.path, recovery=recovery)
    restored = open_database(url, other_paths)
    try:
        assert _dump(restored) == before and siti.id.hex in before.replace("-", "")
    finally:
        restored.dispose()


def test_damaged_or_foreign_file_is_refused_and_nothing_changes(paths, tmp_path):
    db = open_database(paths.default_db_url, paths)
    try:
        _world(db, paths)
        made = backup.create_backup(db, paths)
        digest = hashlib.sha256(paths.default_db_file.read_bytes()).hexdigest()
        cut = tmp_path / made.path.name
        cut.write_bytes(made.path.read_bytes()[:-100])
        with pytest.raises(UserError):
            backup.restore_backup(db, paths, cut)
        junk = tmp_path / "bukan.age"
        junk.write_bytes(b"bukan cadangan")
        with pytest.raises(UserError):
            backup.restore_backup(db, paths, junk)
        assert hashlib.sha256(paths.default_db_file.read_bytes()).hexdigest() == digest
        assert not list(paths.backups.glob("sebelum-pulih-*"))
        assert backup.verify_backup(db, made.path)["format"] == backup.FORMAT
    finally:
        db.dispose()


def test_automatic_backups_are_daily_and_rotate(paths, tmp_path):
    db = open_database(paths.default_db_url, paths)
    try:
        folder = tmp_path / "usb"
        start = dt.datetime(2026, 10, 1, 8, 0)
        made = []
        for day in range(60):
            now = start + dt.timedelta(days=day)
            result = backup.run_auto_backup(db, paths, _Settings(folder), now=now)
            assert result is not None
            made.append(now)
            # the same day again: not due yet
            assert backup.run_auto_backup(db, paths, _Settings(folder), now=now + dt.timedelta(hours=5)) is None
        manual = backup.create_backup(db, paths, folder=folder, now=start)
        left = backup.list_backups(folder)
        autos = [b for b in left if b.automatic]
        assert manual.path in [b.path for b in left]  # manual backups are never rotated away
        newest = [b.created for b in autos[:7]]
        assert newest == sorted(made, reverse=True)[:7]
        weekly = autos[7:]
        assert len(weekly) == 4
        weeks = {b.created.isocalendar()[:2] for b in weekly}
        assert len(weeks) == 4 and not weeks & {b.created.isocalendar()[:2] for b in autos[:7]}
    finally:
        db.dispose()


def test_backup_needs_the_backup_permission(paths):
    import uuid

    from atensi_desktop.security.roles import ADMIN, OPERATOR, Actor, PermissionDenied

    db = open_database(paths.default_db_url, paths)
    try:
        db.actor = Actor(user_id=uuid.uuid4(), username="operator1", name="Op", role=OPERATOR)
        with pytest.raises(PermissionDenied):
            backup.create_backup(db, paths)
        made = backup.create_backup(db, paths, kind=backup.KIND_AUTO)  # the app's own daily backup still runs
        with pytest.raises(PermissionDenied):
            backup.restore_backup(db, paths, made.path)
        db.actor = Actor(user_id=uuid.uuid4(), username="admin1", name="Adm", role=ADMIN)
        assert backup.create_backup(db, paths).path.exists()
    finally:
        db.dispose()


def test_postgresql_is_not_backed_up_by_the_app(db):
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL only")
    with pytest.raises(UserError, match="pg_dump"):
        backup.create_backup(db, None)
    assert backup.run_auto_backup(db, None) is None


class _Settings:
    def __init__(self, folder):
        self.backup_dir = str(folder)


def test_backup_of_an_encrypted_installation_restores_into_a_plain_one(paths, tmp_path):
    from atensi_desktop.paths import resolve_paths

    key = crypto.create_key_file(tmp_path / "kunci.txt")
    db = open_database(paths.default_db_url, paths, encrypt=True, key=key)
    _world(db, paths)
    made = backup.create_backup(db, paths)
    recovery_file = backup.export_recovery_key(db, tmp_path / "pemulihan.age", "frasa sandi panjang sekali")
    before = _dump(db)
    db.dispose()
    crypto.forget_keys()
    new_paths = resolve_paths(tmp_path / "baru").ensure()
    plain = open_database(new_paths.default_db_url, new_paths)
    url = plain.url.render_as_string(hide_password=False)
    recovery = backup.read_recovery_key(recovery_file, "frasa sandi panjang sekali")
    backup.restore_backup(plain, new_paths, made.path, recovery=recovery)  # no database key file needed
    assert not crypto.is_encrypted_file(new_paths.default_db_file)
    restored = open_database(url, new_paths)
    try:
        assert _dump(restored) == before
    finally:
        restored.dispose()
