"""`office card` and `office add-peer` end to end: two installations (two data folders) exchange kartu kantor."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from atensi_desktop.cli import main

FP = re.compile(r"Sidik jari \(bacakan lewat telepon kepada kantor mitra\): ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})$",
                re.M)


def run(home: Path, *argv: str) -> int:
    return main(["--data-dir", str(home), *argv])


def _peer_rows(home: Path) -> int:
    con = sqlite3.connect(home / "atensi.db")
    try:
        return con.execute("SELECT count(*) FROM sync_peer").fetchone()[0]
    finally:
        con.close()


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


@pytest.fixture
def offices(tmp_path: Path, capsys) -> dict:
    """Two installations, each with its office set up and its kartu kantor written."""
    homes = {"dinas": tmp_path / "dinas", "lks": tmp_path / "lks"}
    names = {"dinas": "Dinas Sosial Kabupaten Hulu Sungai Selatan", "lks": "LKS Harapan Bunda"}
    result: dict = {}
    for key, home in homes.items():
        assert run(home, "init", "--office", names[key], "--kode-wilayah", "63.06") == 0
        card = tmp_path / f"kartu-{key}.json"
        assert run(home, "office", "card", "-o", str(card)) == 0
        out = capsys.readouterr().out
        assert f"Kartu kantor {names[key]} ditulis ke {card}." in out
        result[key] = {"home": home, "card": card, "fp": FP.search(out).group(1), "name": names[key]}
    return result


def test_two_offices_exchange_cards(offices: dict, capsys) -> None:
    dinas, lks = offices["dinas"], offices["lks"]
    assert dinas["fp"] != lks["fp"]
    # the fingerprint is read over the phone and typed back in lower case with spaces
    typed = lks["fp"].lower().replace("-", " ")
    assert run(dinas["home"], "office", "add-peer", str(lks["card"]), "--fingerprint", typed) == 0
    assert f"Kantor mitra ditambahkan: LKS Harapan Bunda (sidik jari {lks['fp']})." in capsys.readouterr().out
    assert run(lks["home"], "office", "add-peer", str(dinas["card"]), "--fingerprint", dinas["fp"]) == 0
    capsys.readouterr()
    assert run(dinas["home"], "office", "peers", "--json") == 0
    peers = json.loads(capsys.readouterr().out)
    assert [(p["name"], p["fingerprint"], p["status"]) for p in peers] == [("LKS Harapan Bunda", lks["fp"], "aktif")]
    assert run(lks["home"], "office", "peers") == 0
    line = capsys.readouterr().out.strip()
    assert line.split("\t")[1:5] == [dinas["name"], "DSKHSS", dinas["fp"], "aktif"]
    # a second `office card` reuses the same keys
    assert run(dinas["home"], "office", "card", "-o", str(dinas["card"])) == 0
    assert FP.search(capsys.readouterr().out).group(1) == dinas["fp"]
    # adding the same card again only refreshes it
    assert run(dinas["home"], "office", "add-peer", str(lks["card"]), "--fingerprint", lks["fp"]) == 0
    assert "sudah terdaftar" in capsys.readouterr().out
    assert _peer_rows(dinas["home"]) == 1


def test_wrong_fingerprint_own_card_and_damaged_card_exit_2(offices: dict, tmp_path: Path, capsys) -> None:
    dinas, lks = offices["dinas"], offices["lks"]
    assert run(dinas["home"], "office", "add-peer", str(lks["card"]), "--fingerprint", dinas["fp"]) == 2
    assert "tidak sama dengan sidik jari kartu kantor LKS Harapan Bunda" in _one_error_line(capsys)
    assert run(dinas["home"], "office", "add-peer", str(dinas["card"]), "--fingerprint", dinas["fp"]) == 2
    assert "kartu kantor Anda sendiri" in _one_error_line(capsys)
    tampered = tmp_path / "ubah.json"
    tampered.write_text(lks["card"].read_text("utf-8").replace("LKS Harapan Bunda", "LKS Harapan Palsu"), "utf-8")
    assert run(dinas["home"], "office", "add-peer", str(tampered), "--fingerprint", lks["fp"]) == 2
    assert "Tanda tangan kartu kantor ubah.json tidak cocok" in _one_error_line(capsys)
    assert run(dinas["home"], "office", "add-peer", str(tmp_path / "tidak-ada.json"), "--fingerprint", "x") == 2
    assert "tidak ditemukan" in _one_error_line(capsys)
    assert _peer_rows(dinas["home"]) == 0


def test_without_fingerprint_asks_on_a_terminal_and_refuses_otherwise(offices: dict, monkeypatch, capsys) -> None:
    dinas, lks = offices["dinas"], offices["lks"]
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert run(dinas["home"], "office", "add-peer", str(lks["card"])) == 2
    assert "--fingerprint" in _one_error_line(capsys)
    assert _peer_rows(dinas["home"]) == 0

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal(lks["fp"].replace("-", "") + "\n"))
    assert run(dinas["home"], "office", "add-peer", str(lks["card"])) == 0
    out = capsys.readouterr().out
    assert "Kartu kantor: LKS Harapan Bunda" in out and "Ketik sidik jari" in out
    assert "Kantor mitra ditambahkan" in out
    assert _peer_rows(dinas["home"]) == 1


def test_office_card_before_set_up_exits_2(tmp_path: Path, capsys) -> None:
    assert run(tmp_path / "baru", "init") == 0
    capsys.readouterr()
    assert run(tmp_path / "baru", "office", "card", "-o", str(tmp_path / "k.json")) == 2
    assert "belum diatur" in _one_error_line(capsys)
    assert not (tmp_path / "k.json").exists()
