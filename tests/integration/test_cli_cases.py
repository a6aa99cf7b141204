"""`case list`, `case show`, `service add` and `service list` end to end, in process (atensi_desktop.cli.main)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from pathlib import Path

import pytest

from atensi_desktop.cli import main

TODAY = dt.date.today()


def _d(days_ago: int) -> str:
    return (TODAY - dt.timedelta(days=days_ago)).strftime("%d-%m-%Y")


@pytest.fixture
def world(tmp_path) -> dict:
    """An office database with two clients: Siti has an open case with history, Budi none."""
    from atensi_desktop.app_context import open_app
    from atensi_desktop.db.models import Worker
    from atensi_desktop.services import cases
    from atensi_desktop.services.clients import create_client

    db_file = tmp_path / "kasus.db"
    assert main(["--db", f"sqlite:///{db_file}", "init", "--office", "Dinas Sosial Kabupaten Hulu Sungai Selatan",
                 "--kode-wilayah", "63.06"]) == 0
    ctx = open_app(f"sqlite:///{db_file}", str(tmp_path / "home"))
    try:
        siti = create_client(ctx.db, {"name": "Siti Aminah", "sex": "P", "nik": None})
        budi = create_client(ctx.db, {"name": "Budi Santoso", "sex": "L"})
        with ctx.db.session() as s:
            worker = Worker(name="Rina Hartati", worker_type="pekerja_sosial", active=True)
            s.add(worker)
            s.flush()
            worker_id = worker.id
        case = cases.open_case(ctx.db, siti.id, approach="keluarga", worker_id=worker_id,
                               opened_on=TODAY - dt.timedelta(days=40))
        cases.change_stage(ctx.db, case.id, "asesmen", on=TODAY - dt.timedelta(days=30), worker_id=worker_id,
                           note="Kunjungan rumah")
    finally:
        ctx.close()
    return {"db": db_file, "siti": siti, "budi": budi, "case": case}


def run(db_file: Path, *argv: str) -> int:
    return main(["--db", f"sqlite:///{db_file}", *argv])


def _count_entries(db_file: Path) -> int:
    con = sqlite3.connect(db_file)
    try:
        return con.execute("SELECT count(*) FROM service_entry").fetchone()[0]
    finally:
        con.close()


def test_case_list_and_show_by_display_id_or_uuid(world, capsys):
    capsys.readouterr()
    assert run(world["db"], "case", "list") == 0
    [line] = capsys.readouterr().out.splitlines()
    cid, display, client_display, name, stage, worker, opened, closed = line.split("\t")
    assert uuid.UUID(cid) == world["case"].id and display == world["case"].display_id
    assert (client_display, name, stage, worker, opened, closed) == (
        world["siti"].display_id, "Siti Aminah", "Asesmen", "Rina Hartati", _d(40), "-")
    assert run(world["db"], "case", "list", "--client", world["budi"].display_id.lower()) == 0
    assert capsys.readouterr().out == "Tidak ada kasus yang cocok.\n"
    assert run(world["db"], "case", "show", display.lower()) == 0
    out = capsys.readouterr().out
    assert "Tahap          Asesmen" in out and "Pendekatan     Berbasis Keluarga" in out
    assert f"{_d(40)} Pendekatan Awal, Rina Hartati" in out
    assert f"{_d(30)} Asesmen (dari Pendekatan Awal), Rina Hartati: Kunjungan rumah" in out
    assert run(world["db"], "case", "show", cid, "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["stage"] == "asesmen" and data["client_name"] == "Siti Aminah"
    assert [h["to_stage"] for h in data["history"]] == ["pendekatan_awal", "asesmen"] and data["services"] == []


def test_service_add_then_list_with_the_case_and_the_warnings(world, capsys):
    capsys.readouterr()
    assert run(world["db"], "service", "add", "--client", world["siti"].display_id, "--service", "spm:permakanan",
               "--date", _d(10), "--until", _d(4), "--qty", "14", "--unit", "porsi", "--value", "420.000",
               "--dana", "apbd") == 0
    captured = capsys.readouterr()
    eid, when, label, amount, value, flag = captured.out.strip().split("\t")
    assert (when, label, amount, value, flag) == (f"{_d(10)} s.d. {_d(4)}", "Permakanan", "14 porsi", "Rp420.000",
                                                  "di luar rencana")
    assert captured.err.startswith("Peringatan: Klien ini belum punya rencana intervensi")
    assert run(world["db"], "service", "add", "--client", str(world["siti"].id), "--service", "terapi_fisik",
               "--date", _d(2), "--json") == 0
    added = json.loads(capsys.readouterr().out)
    assert (added["service_kind"], added["service_code"], added["subitem_code"]) == ("atensi", "terapi",
                                                                                     "terapi_fisik")
    assert added["case_id"] == str(world["case"].id) and added["days"] == 1
    assert run(world["db"], "service", "list", "--client", world["siti"].display_id) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split("\t")[0] for ln in lines] == [added["id"], eid]  # newest first
    assert run(world["db"], "service", "list", "--client", world["siti"].display_id, "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[1]["value_rp"] == 420_000 and rows[1]["quantity"] == "14" and rows[1]["funding_source"] == "apbd"
    assert rows[1]["flags"] == {"outside_plan": True} and rows[1]["days"] == 7
    assert run(world["db"], "case", "show", world["case"].display_id) == 0
    assert "Permakanan" in capsys.readouterr().out


def test_a_refused_service_exits_2_with_the_rules_message_and_writes_nothing(world, capsys):
    capsys.readouterr()
    assert run(world["db"], "service", "add", "--client", world["siti"].display_id, "--service", "spm:permakanan",
               "--date", _d(12), "--until", _d(4)) == 2
    err = capsys.readouterr().err
    assert "Permakanan paling lama 7 hari (SPM rehabilitasi sosial dasar); yang diisi 9 hari." in err
    assert "Pecah menjadi dua layanan atau perbaiki tanggalnya." in err
    tomorrow = (TODAY + dt.timedelta(days=1)).strftime("%d-%m-%Y")
    assert run(world["db"], "service", "add", "--client", world["budi"].display_id, "--service", "sandang",
               "--date", tomorrow) == 2
    assert "masa depan" in capsys.readouterr().err
    assert _count_entries(world["db"]) == 0


@pytest.mark.parametrize("argv, message", [
    (("service", "add", "--client", "DSKHSS-ZZZZZZ", "--service", "sandang", "--date", "01-01-2026"),
     "tidak ditemukan"),
    (("service", "add", "--client", "{siti}", "--service", "makan_enak", "--date", "01-01-2026"), "tidak dikenali"),
    (("service", "add", "--client", "{siti}", "--service", "perawatan_pengasuhan", "--date", "01-01-2026"),
     "beberapa daftar"),
    (("service", "add", "--client", "{siti}", "--service", "sandang", "--date", "kemarin"), "Tanggal tidak dikenali"),
    (("service", "add", "--client", "{siti}", "--service", "sandang", "--date", "01-01-2026", "--value", "12,5"),
     "Rupiah utuh"),
    (("service", "add", "--client", "{siti}", "--service", "sandang", "--date", "01-01-2026", "--qty", "2"),
     "satuan"),
    (("service", "add", "--client", "{siti}", "--service", "sandang", "--date", "01-01-2026", "--case", "K-1"),
     "Kasus 'K-1' tidak ditemukan"),
    (("case", "show", "DSKHSS-ZZZZZZ"), "tidak ditemukan"),
    (("case", "list", "--tahap", "selesai"), "Tahap kasus tidak dikenal"),
    (("service", "list"), "Argumen wajib belum diisi"),
])
def test_bad_input_exits_2_with_a_message(world, capsys, argv, message):
    argv = tuple(a.format(siti=world["siti"].display_id) for a in argv)
    capsys.readouterr()
    try:
        code = run(world["db"], *argv)
    except SystemExit as stop:  # argparse refuses before any handler runs
        code = stop.code
    assert code == 2
    assert message in capsys.readouterr().err
    assert _count_entries(world["db"]) == 0
