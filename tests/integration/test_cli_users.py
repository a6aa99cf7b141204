"""Command-line login and `user …` commands; each role's allowed and refused commands (issue 8), in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atensi_desktop.cli import main

PW = "kopi pagi di balai"


def run(world: dict, *argv: str, user: str | None = None, password: str | None = PW) -> int:
    args = ["--db", f"sqlite:///{world['db']}"]
    if user is not None:
        args += ["--user", user]
    if password is not None:
        world["pwfile"].write_text(password + "\n", encoding="utf-8")
        args += ["--password-file", str(world["pwfile"])]
    return main([*args, *argv])


@pytest.fixture
def fresh(tmp_path, monkeypatch) -> dict:
    """An office database before any password exists: Siti (disability recorded, case of the TKS's worker)
    and Budi (case of another worker)."""
    from atensi_desktop.app_context import open_app
    from atensi_desktop.services import cases
    from atensi_desktop.services.clients import create_client
    from atensi_desktop.services.workers import WorkerInput, create_worker

    monkeypatch.delenv("ATENSI_USER", raising=False)
    monkeypatch.delenv("ATENSI_PASSWORD", raising=False)
    db_file = tmp_path / "aman.db"
    assert main(["--db", f"sqlite:///{db_file}", "init", "--office", "Dinas Sosial Kabupaten Hulu Sungai Selatan",
                 "--kode-wilayah", "63.06"]) == 0
    ctx = open_app(f"sqlite:///{db_file}", str(tmp_path / "home"))
    try:
        w_tks = create_worker(ctx.db, WorkerInput(name="Rina Relawan", worker_type="tks"))
        w_other = create_worker(ctx.db, WorkerInput(name="Rahmat Peksos", worker_type="pekerja_sosial"))
        siti = create_client(ctx.db, {"name": "Siti Aminah", "sex": "P", "disability": "tunanetra"})
        budi = create_client(ctx.db, {"name": "Budi Santoso", "sex": "L"})
        case = cases.open_case(ctx.db, siti.id, worker_id=w_tks.id)
        cases.open_case(ctx.db, budi.id, worker_id=w_other.id)
    finally:
        ctx.close()
    newpw = tmp_path / "baru.txt"
    newpw.write_text(PW + "\n", encoding="utf-8")
    return {"db": db_file, "siti": siti, "budi": budi, "case": case, "w_tks": w_tks.id, "newpw": newpw,
            "pwfile": tmp_path / "sandi.txt", "tmp": tmp_path}


@pytest.fixture
def world(fresh) -> dict:
    """`fresh` with the first administrator and one user of every other role, all added from the CLI."""
    np = ["--new-password-file", str(fresh["newpw"])]
    assert run(fresh, "user", "add", "admin", "--name", "Siti Administrator", "--role", "administrator", *np,
               password=None) == 0
    for name, role, extra in (("kepala", "kepala", []), ("peksos", "pekerja_sosial", []),
                              ("tks", "tks", ["--petugas", str(fresh["w_tks"])]), ("operator", "operator", [])):
        assert run(fresh, "user", "add", name, "--name", name.title(), "--role", role, *extra, *np,
                   user="admin") == 0
    return fresh


def test_before_any_password_commands_run_without_a_user_and_user_add_makes_the_first_admin(fresh, capsys):
    assert run(fresh, "client", "search", "siti", password=None) == 0
    assert "Siti Aminah" in capsys.readouterr().out
    np = ["--new-password-file", str(fresh["newpw"])]
    assert run(fresh, "user", "add", "budi", "--name", "Budi", "--role", "operator", *np, password=None) == 2
    assert "administrator pertama" in capsys.readouterr().err
    assert run(fresh, "user", "add", "admin", "--name", "Siti", "--role", "administrator", *np, password=None) == 0
    assert "Administrator pertama dibuat" in capsys.readouterr().out


def test_after_the_first_admin_every_command_needs_a_valid_user(world, capsys, monkeypatch):
    assert run(world, "client", "search", "siti", password=None) == 2
    assert "perlu nama pengguna" in capsys.readouterr().err
    assert run(world, "client", "search", "siti", user="admin", password="bukan sandinya") == 2
    assert "Nama pengguna atau kata sandi salah." in capsys.readouterr().err
    assert run(world, "client", "search", "siti", user="siapa", password=PW) == 2
    assert "Nama pengguna atau kata sandi salah." in capsys.readouterr().err
    monkeypatch.setenv("ATENSI_USER", "peksos")
    monkeypatch.setenv("ATENSI_PASSWORD", PW)
    assert run(world, "client", "search", "siti", password=None) == 0
    assert "Siti Aminah" in capsys.readouterr().out
    assert run(world, "user", "whoami", password=None) == 0
    assert capsys.readouterr().out.startswith("peksos\t")
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0


# (role, command, expected exit status, text expected on stdout or stderr)
ROLE_COMMANDS = [
    ("operator", ["client", "search", "siti"], 0, "Siti Aminah"),
    ("operator", ["report", "kasus", "{case}", "--redaction", "mitra", "-o", "{tmp}/k.pdf"], 2, "tidak berhak"),
    ("operator", ["client", "export", "{tmp}/k.xlsx"], 2, "tidak berhak mengekspor"),
    ("operator", ["user", "list"], 2, "tidak berhak mengelola pengguna"),
    ("tks", ["client", "search", "budi"], 0, "Tidak ada klien"),
    ("tks", ["client", "show", "{budi}"], 2, "di luar jangkauan"),
    ("tks", ["case", "list"], 0, "Siti Aminah"),
    ("tks", ["report", "kasus", "{case}", "-o", "{tmp}/k.pdf"], 2, "rincian kesehatan"),
    ("tks", ["report", "kasus", "{case}", "--redaction", "mitra", "-o", "{tmp}/k.pdf"], 0, "halaman"),
    ("peksos", ["client", "export", "{tmp}/k.xlsx"], 0, "2 klien diekspor"),
    ("peksos", ["export", "--to", "LKSX", "-o", "{tmp}/x.lkssync"], 2, "tidak berhak membuat berkas sinkronisasi"),
    ("peksos", ["user", "add", "x1", "--name", "X", "--role", "operator"], 2, "tidak berhak mengelola pengguna"),
    ("kepala", ["worker", "list"], 0, "Rina Relawan"),
    ("kepala", ["user", "list"], 2, "tidak berhak"),
    ("kepala", ["dump", "--canonical", "-o", "{tmp}/d.jsonl"], 0, ""),
    ("admin", ["user", "list"], 0, "operator"),
    ("admin", ["init", "--office", "Dinas Sosial HSS"], 0, "Identitas kantor diperbarui"),
]


@pytest.mark.parametrize(("role", "argv", "status", "text"), ROLE_COMMANDS,
                         ids=[f"{r}-{' '.join(a[:2])}-{s}" for r, a, s, _t in ROLE_COMMANDS])
def test_each_role_runs_what_it_may_and_is_refused_the_rest(world, capsys, role, argv, status, text):
    values = {"case": str(world["case"].id), "budi": str(world["budi"].id), "tmp": str(world["tmp"])}
    argv = [a.format(**values) for a in argv]
    assert run(world, *argv, user=role) == status
    out = capsys.readouterr()
    assert text in (out.out if status == 0 else out.err)
    if status == 2:
        assert out.out == ""


def test_tks_sees_the_client_they_accompany_without_health_details(world, capsys):
    assert run(world, "client", "show", str(world["siti"].id), "--json", user="tks") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["name"] == "Siti Aminah"
    assert not shown.get("disability")
    assert run(world, "client", "show", str(world["siti"].id), "--json", user="peksos") == 0
    assert json.loads(capsys.readouterr().out)["disability"] == "tunanetra"


def test_disabled_user_is_refused_and_reset_forces_a_new_password(world, capsys, tmp_path: Path):
    assert run(world, "user", "disable", "operator", user="admin") == 0
    assert run(world, "client", "search", "siti", user="operator") == 2
    assert "dinonaktifkan" in capsys.readouterr().err
    temp = tmp_path / "sementara.txt"
    temp.write_text("sementara saja 1\n", encoding="utf-8")
    assert run(world, "user", "passwd", "--reset", "peksos", "--new-password-file", str(temp), user="admin") == 0
    capsys.readouterr()
    assert run(world, "client", "search", "siti", user="peksos", password="sementara saja 1") == 2
    assert "harus diganti" in capsys.readouterr().err
    mine = tmp_path / "milik.txt"
    mine.write_text("sandi baru milik peksos\n", encoding="utf-8")
    assert run(world, "user", "passwd", "--new-password-file", str(mine), user="peksos",
               password="sementara saja 1") == 0
    assert run(world, "client", "search", "siti", user="peksos", password="sandi baru milik peksos") == 0
    assert run(world, "client", "search", "siti", user="peksos", password="sementara saja 1") == 2


def test_user_list_json_and_role_change(world, capsys):
    assert run(world, "user", "role", "operator", "pekerja_sosial", user="admin") == 0
    assert run(world, "user", "grant", "tks", "sensitive.view", user="admin") == 0
    capsys.readouterr()
    assert run(world, "user", "list", "--json", user="admin") == 0
    listed = {u["username"]: u for u in json.loads(capsys.readouterr().out)}
    assert set(listed) == {"admin", "kepala", "peksos", "tks", "operator"}
    assert listed["operator"]["role"] == "pekerja_sosial"
    assert listed["tks"]["grants"] == ["sensitive.view"]
    assert all(u["has_password"] for u in listed.values())
    assert run(world, "client", "show", str(world["siti"].id), "--json", user="tks") == 0
    assert json.loads(capsys.readouterr().out)["disability"] == "tunanetra"
