"""`init --encrypt --key-file F`, the global --key-file, and `backup create|list|restore|kunci-pemulihan` end to end."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from atensi_desktop.cli import main
from atensi_desktop.db import crypto


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    monkeypatch.delenv(crypto.ENV_KEY_FILE, raising=False)
    crypto.forget_keys()
    yield
    crypto.forget_keys()


def _dump(home: Path, *extra: str, capsys) -> str:
    capsys.readouterr()
    assert main(["--data-dir", str(home), *extra, "dump", "--canonical"]) == 0
    return capsys.readouterr().out


def test_init_encrypt_creates_a_private_key_file_and_commands_need_it(tmp_path, capsys):
    home, key = tmp_path / "home", tmp_path / "usb" / "kunci-atensi.txt"
    assert main(["--data-dir", str(home), "init", "--encrypt", "--key-file", str(key), "--office",
                 "Dinas Sosial Kabupaten Hulu Sungai Selatan", "--kode-wilayah", "63.06"]) == 0
    err = capsys.readouterr().err
    assert "File kunci baru dibuat" in err and "simpan salinan" in err.lower()
    assert key.exists() and (os.name != "posix" or key.stat().st_mode & 0o777 == 0o600)
    db_file = home / "atensi.db"
    crypto.forget_keys()
    assert main(["--data-dir", str(home), "--key-file", str(key), "init", "--demo", "3"]) == 0
    con = sqlite3.connect(db_file)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        con.execute("SELECT count(*) FROM client").fetchone()
    con.close()
    if shutil.which("sqlite3"):
        out = subprocess.run(["sqlite3", str(db_file), ".tables"], capture_output=True, text=True, check=False)
        assert out.returncode != 0 and "not a database" in out.stderr
    crypto.forget_keys()
    capsys.readouterr()
    assert main(["--data-dir", str(home), "backup", "list"]) == 2
    err = capsys.readouterr().err
    assert "terenkripsi dan perlu kuncinya" in err and "--key-file" in err
    wrong = tmp_path / "lain.txt"
    crypto.create_key_file(wrong)
    before = db_file.read_bytes()
    assert main(["--data-dir", str(home), "--key-file", str(wrong), "backup", "list"]) == 2
    assert "Kunci database salah" in capsys.readouterr().err
    assert db_file.read_bytes() == before
    assert main(["--data-dir", str(home), "--key-file", str(key), "backup", "list"]) == 0
    assert "Belum ada cadangan." in capsys.readouterr().out
    # a second init with the same key file uses it (no new key)
    assert main(["--data-dir", str(home), "init", "--encrypt", "--key-file", str(key)]) == 0
    assert "File kunci baru dibuat" not in capsys.readouterr().err


def test_backup_create_list_restore_round_trip(tmp_path, capsys, monkeypatch):
    home, key = tmp_path / "home", tmp_path / "kunci.txt"
    monkeypatch.setenv(crypto.ENV_KEY_FILE, str(key))
    assert main(["--data-dir", str(home), "init", "--encrypt", "--key-file", str(key), "--demo", "20"]) == 0
    before = _dump(home, capsys=capsys)
    assert before.count("\n") > 20
    assert main(["--data-dir", str(home), "backup", "create"]) == 0
    out = capsys.readouterr()
    assert "Cadangan dibuat:" in out.out and "kunci pemulihan belum pernah disimpan" in out.err
    made = Path(out.out.split("Cadangan dibuat: ")[1].split(" (")[0])
    assert made.exists() and made.parent == home / "cadangan"
    usb = tmp_path / "usb" / "cadangan.age"
    assert main(["--data-dir", str(home), "backup", "create", "-o", str(usb)]) == 0
    assert usb.exists()
    assert main(["--data-dir", str(home), "backup", "list"]) == 0
    listing = capsys.readouterr().out
    assert made.name in listing and "manual" in listing

    assert main(["--data-dir", str(home), "init", "--demo", "5", "--seed", "9"]) == 0  # data changes
    assert _dump(home, capsys=capsys) != before
    assert main(["--data-dir", str(home), "backup", "restore", str(made)]) == 2  # no --ya, no terminal
    assert "--ya" in capsys.readouterr().err
    assert main(["--data-dir", str(home), "backup", "restore", str(made), "--ya"]) == 0
    out = capsys.readouterr().out
    assert "dipulihkan" in out and "Identitas situs baru" in out and "sebelum-pulih-" in out
    assert _dump(home, capsys=capsys) == before
    assert crypto.is_encrypted_file(home / "atensi.db")


def test_recovery_key_opens_a_backup_on_a_new_laptop(tmp_path, capsys):
    old, new = tmp_path / "lama", tmp_path / "baru"
    phrase = tmp_path / "frasa.txt"
    phrase.write_text("kuda lumping makan nasi kuning\n")
    assert main(["--data-dir", str(old), "init", "--demo", "5"]) == 0
    assert main(["--data-dir", str(old), "backup", "create", "-o", str(tmp_path / "c.age")]) == 0
    assert main(["--data-dir", str(old), "backup", "kunci-pemulihan", "-o", str(tmp_path / "pemulihan.age"),
                 "--passphrase-file", str(phrase)]) == 0
    before = _dump(old, capsys=capsys)
    assert main(["--data-dir", str(new), "init"]) == 0
    assert main(["--data-dir", str(new), "backup", "restore", str(tmp_path / "c.age"), "--ya"]) == 2
    assert "kunci pemulihan" in capsys.readouterr().err
    assert main(["--data-dir", str(new), "backup", "restore", str(tmp_path / "c.age"), "--ya",
                 "--kunci-pemulihan", str(tmp_path / "pemulihan.age"), "--passphrase-file", str(phrase)]) == 0
    assert _dump(new, capsys=capsys) == before


def test_administrator_password_can_unlock_an_encrypted_database(tmp_path, capsys):
    home, key = tmp_path / "home", tmp_path / "kunci.txt"
    secret = tmp_path / "sandi.txt"
    secret.write_text("Sandi-Admin-Kuat-2026\n")
    assert main(["--data-dir", str(home), "kunci-db", "sandi-admin", "--passphrase-file", str(secret)]) == 2
    assert "tidak terenkripsi" in capsys.readouterr().err
    assert main(["--data-dir", str(home), "init", "--encrypt", "--key-file", str(key)]) == 0
    assert main(["--data-dir", str(home), "--key-file", str(key), "kunci-db", "sandi-admin",
                 "--passphrase-file", str(secret)]) == 0
    db_file = home / "atensi.db"
    assert crypto.sidecar_file(db_file).exists()
    assert crypto.unlock_with_password(db_file, "Sandi-Admin-Kuat-2026") == crypto.read_key_file(key)
    crypto.forget_keys()
    crypto.set_password_prompt(lambda _path: "Sandi-Admin-Kuat-2026")  # what the terminal or GUI prompt answers
    try:
        from atensi_desktop.app_context import open_app

        ctx = open_app(None, str(home))
        ctx.close()
    finally:
        crypto.set_password_prompt(None)
