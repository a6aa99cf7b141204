"""Encryption at rest: a SQLCipher database that plain sqlite3 cannot read, opened with its key file or password."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from atensi_desktop.db import crypto
from atensi_desktop.db.bootstrap import current_site, fork_site, is_encrypted, open_database
from atensi_desktop.errors import UserError
from atensi_desktop.services.clients import create_client, get_client

NAME, NIK = "Rusmawati Encrypta", "6306014509900001"


@pytest.fixture(autouse=True)
def _clean_keyring(monkeypatch):
    monkeypatch.delenv(crypto.ENV_KEY_FILE, raising=False)
    crypto.forget_keys()
    yield
    crypto.forget_keys()
    crypto.set_password_prompt(None)


def _file_bytes(db_file: Path) -> bytes:
    data = db_file.read_bytes()
    for suffix in ("-wal", "-shm"):
        extra = db_file.with_name(db_file.name + suffix)
        if extra.exists():
            data += extra.read_bytes()
    return data


def _digest(db_file: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(db_file.parent.glob(db_file.name + "*"))}


def _encrypted_db(paths, tmp_path):
    key = crypto.create_key_file(tmp_path / "kunci.txt")
    db = open_database(paths.default_db_url, paths, encrypt=True, key=key)
    client = create_client(db, {"name": NAME, "sex": "P", "nik": NIK})
    return db, key, client


def test_key_file_is_private_random_and_reused(tmp_path):
    path = tmp_path / "kunci.txt"
    key = crypto.create_key_file(path)
    assert len(key) == 32
    assert crypto.read_key_file(path) == key
    assert crypto.create_key_file(path) == key  # an existing key file is used, never overwritten
    assert crypto.create_key_file(tmp_path / "lain.txt") != key
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600
    (tmp_path / "rusak.txt").write_text("bukan kunci\n")
    with pytest.raises(UserError, match="tidak sah"):
        crypto.read_key_file(tmp_path / "rusak.txt")


def test_encrypted_database_is_unreadable_without_the_key(paths, tmp_path):
    db, key, client = _encrypted_db(paths, tmp_path)
    try:
        assert is_encrypted(db)
        with db.engine.connect() as conn:  # WAL and foreign keys still on under SQLCipher
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.dispose()
    db_file = paths.default_db_file
    raw = _file_bytes(db_file)
    assert not raw.startswith(crypto.SQLITE_MAGIC)
    assert NAME.encode() not in raw and NIK.encode() not in raw and b"Rusmawati" not in raw
    plain = sqlite3.connect(db_file)
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        plain.execute("SELECT count(*) FROM client").fetchall()
    plain.close()
    if shutil.which("sqlite3"):
        out = subprocess.run(["sqlite3", str(db_file), "SELECT count(*) FROM client;"],
                             capture_output=True, text=True, check=False)
        assert out.returncode != 0 and "not a database" in out.stderr

    crypto.forget_keys()
    again = open_database(paths.default_db_url, paths, key=key)
    try:
        assert get_client(again, client.id).values["name"] == NAME
    finally:
        again.dispose()


def test_key_file_from_environment_or_option_opens_it(paths, tmp_path, monkeypatch):
    db, _key, client = _encrypted_db(paths, tmp_path)
    db.dispose()
    crypto.forget_keys()
    with pytest.raises(UserError, match="terenkripsi dan perlu kuncinya"):
        open_database(paths.default_db_url, paths)
    monkeypatch.setenv(crypto.ENV_KEY_FILE, str(tmp_path / "kunci.txt"))
    db = open_database(paths.default_db_url, paths)
    assert get_client(db, client.id).values["nik"] == NIK
    db.dispose()
    monkeypatch.delenv(crypto.ENV_KEY_FILE)
    crypto.forget_keys()
    crypto.use_key_file(tmp_path / "kunci.txt")
    db = open_database(paths.default_db_url, paths)
    assert get_client(db, client.id).values["name"] == NAME
    db.dispose()


def test_wrong_key_is_refused_and_nothing_changes(paths, tmp_path):
    db, _key, _client = _encrypted_db(paths, tmp_path)
    db.dispose()
    crypto.forget_keys()
    before = _digest(paths.default_db_file)
    wrong = crypto.create_key_file(tmp_path / "kunci-lain.txt")
    with pytest.raises(UserError) as caught:
        open_database(paths.default_db_url, paths, key=wrong)
    assert "Kunci database salah" in caught.value.message
    assert "--key-file" not in caught.value.message and caught.value.hint
    assert _digest(paths.default_db_file) == before


def test_plain_database_is_encrypted_in_place(paths, tmp_path):
    db = open_database(paths.default_db_url, paths)
    client = create_client(db, {"name": NAME, "sex": "P", "nik": NIK})
    site = current_site(db)
    db.dispose()
    assert NIK.encode() in _file_bytes(paths.default_db_file)
    key = crypto.create_key_file(tmp_path / "kunci.txt")
    db = open_database(paths.default_db_url, paths, encrypt=True, key=key)
    try:
        assert get_client(db, client.id).values["name"] == NAME
        assert current_site(db) == site  # same file, same place: no fork
        assert fork_site(db) != site  # the identity fork still works under SQLCipher
    finally:
        db.dispose()
    raw = _file_bytes(paths.default_db_file)
    assert NIK.encode() not in raw and NAME.encode() not in raw


def test_administrator_password_unlocks_the_key(paths, tmp_path):
    db, key, client = _encrypted_db(paths, tmp_path)
    db_file = paths.default_db_file
    fast = {"time": 1, "lanes": 1, "memory_kib": 1024}  # the real setting (64 MiB) is the default
    crypto.add_password_unlock(db_file, key, "sandi-admin-panjang", **fast)
    db.dispose()
    sidecar = crypto.sidecar_file(db_file).read_bytes()
    assert key.hex().encode() not in sidecar
    assert crypto.unlock_with_password(db_file, "sandi-admin-panjang") == key
    with pytest.raises(UserError, match="Kata sandi administrator salah"):
        crypto.unlock_with_password(db_file, "salah-sandi-1234")
    crypto.forget_keys()
    answers = iter(["salah-sandi-1", "salah-sandi-2", "salah-sandi-3"])
    crypto.set_password_prompt(lambda path: next(answers))
    with pytest.raises(UserError, match="Kata sandi administrator salah"):  # three tries, then refused
        open_database(paths.default_db_url, paths)
    asked: list[Path] = []
    answers = iter(["salah-sandi-1", "sandi-admin-panjang"])
    crypto.set_password_prompt(lambda path: asked.append(path) or next(answers))
    db = open_database(paths.default_db_url, paths)
    try:
        assert asked == [db_file, db_file] and get_client(db, client.id).values["name"] == NAME
        # a password change re-wraps the key held in memory; the old password stops working
        assert crypto.rewrap_password(db_file, "sandi-baru-panjang") is not None
    finally:
        db.dispose()
    assert crypto.unlock_with_password(db_file, "sandi-baru-panjang") == key
    with pytest.raises(UserError):
        crypto.unlock_with_password(db_file, "sandi-admin-panjang")


def test_encryption_is_refused_for_postgresql(paths, tmp_path):
    key = crypto.create_key_file(tmp_path / "kunci.txt")
    with pytest.raises(UserError, match="hanya untuk file SQLite"):
        open_database("postgresql+psycopg://u@localhost/x", paths, encrypt=True, key=key)


def test_backup_before_a_migration_of_an_encrypted_database_stays_encrypted(paths, tmp_path):
    from alembic import command

    from atensi_desktop.db.schema import HEAD_REVISION, alembic_config, current_revision

    db, key, client = _encrypted_db(paths, tmp_path)
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012")
    db.dispose()
    db = open_database(paths.default_db_url, paths, key=key)
    try:
        assert current_revision(db.engine) == HEAD_REVISION
        assert get_client(db, client.id).values["name"] == NAME
    finally:
        db.dispose()
    (copy,) = paths.backups.glob("*sebelum-migrasi-0012.db")
    assert crypto.is_encrypted_file(copy) and NIK.encode() not in copy.read_bytes()
    from sqlcipher3 import dbapi2 as sqlcipher

    con = sqlcipher.connect(str(copy))
    con.execute(crypto.pragma_key(key))
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0012",)
    assert con.execute("SELECT count(*) FROM client").fetchone() == (1,)
    con.close()


def test_changing_the_administrators_password_moves_the_database_unlock_along(paths, tmp_path):
    from atensi_desktop.security import auth, users
    from atensi_desktop.security.roles import PEKSOS

    db, key, _client = _encrypted_db(paths, tmp_path)
    db_file = paths.default_db_file
    try:
        admin = auth.create_first_admin(db, username="siti", name="Siti Rahmah", password="sandi-admin-lama")
        auth.sign_in(db, admin)
        crypto.add_password_unlock(db_file, key, "sandi-admin-lama", label="siti", time=1, lanes=1, memory_kib=1024)
        users.add_user(db, username="rina", name="Rina", role=PEKSOS, password="sandi-rina-awal")
        auth.change_password(db, "sandi-admin-lama", "sandi-admin-baru")
        rina = auth.authenticate(db, "rina", "sandi-rina-awal")
        auth.sign_in(db, rina)
        auth.change_password(db, "sandi-rina-awal", "sandi-rina-baru")
    finally:
        db.dispose()
    assert crypto.unlock_with_password(db_file, "sandi-admin-baru") == key
    for old_or_other in ("sandi-admin-lama", "sandi-rina-baru"):  # a worker's password never opens the file
        with pytest.raises(UserError):
            crypto.unlock_with_password(db_file, old_or_other)
