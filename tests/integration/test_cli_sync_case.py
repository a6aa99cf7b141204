"""One-case files through the command line only (issue 7): `export --case ID` to a peer office or with
`--passphrase-file`, `import FILE --passphrase-file F`; a wrong passphrase is refused in Indonesian and
changes nothing; the flag rules of `export`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from atensi_desktop.cli import main

FP = re.compile(r"Sidik jari \(bacakan lewat telepon kepada kantor mitra\): ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})$",
                re.M)


def run(home: Path, *argv: str) -> int:
    return main(["--data-dir", str(home), *argv])


def dump(home: Path, tmp_path: Path, name: str, capsys, *client: str) -> bytes:
    out = tmp_path / f"{name}.jsonl"
    extra = [a for c in client for a in ("--client", c)]
    assert run(home, "dump", "--canonical", *extra, "-o", str(out)) == 0
    capsys.readouterr()
    return out.read_bytes()


@pytest.fixture
def pair(tmp_path: Path, capsys) -> dict:
    """Two offices that trust each other; A has 12 demo clients, B none."""
    homes = {"a": tmp_path / "dinas", "b": tmp_path / "lks"}
    setup = {"a": ("Dinas Sosial Kabupaten Hulu Sungai Selatan", "DINSOS"), "b": ("LKS Harapan Bunda", "LKSHB")}
    cards: dict = {}
    for key, home in homes.items():
        name, code = setup[key]
        extra = ["--demo", "12", "--seed", "7"] if key == "a" else []
        assert run(home, "init", "--office", name, "--kode-wilayah", "63.06", "--kode-kantor", code, *extra) == 0
        card = tmp_path / f"kartu-{key}.json"
        assert run(home, "office", "card", "-o", str(card)) == 0
        cards[key] = (card, FP.search(capsys.readouterr().out).group(1))
    assert run(homes["a"], "office", "add-peer", str(cards["b"][0]), "--fingerprint", cards["b"][1]) == 0
    assert run(homes["b"], "office", "add-peer", str(cards["a"][0]), "--fingerprint", cards["a"][1]) == 0
    capsys.readouterr()
    assert run(homes["a"], "client", "search", "a", "--json", "--limit", "1") == 0
    client = json.loads(capsys.readouterr().out)[0]
    return {**homes, "client": client["id"], "display": client["display_id"]}


def test_a_case_with_a_passphrase_through_the_command_line(pair: dict, tmp_path: Path, capsys) -> None:
    a, b, client = pair["a"], pair["b"], pair["client"]
    secret = tmp_path / "sandi.txt"
    secret.write_text("  kuda lari ke pasar pagi  \nbaris kedua diabaikan\n", encoding="utf-8")
    target = tmp_path / "kasus.lkssync"
    assert run(a, "export", "--case", pair["display"], "--passphrase-file", str(secret), "-o", str(target)) == 0
    out = capsys.readouterr().out
    assert f"Berkas satu kasus (klien {pair['display']}) dikunci dengan kata sandi ditulis ke {target}" in out
    assert re.search(r": \d+ (byte|KB), \d+ perubahan, \d+ baris data, 0 lampiran\.", out)
    assert "lewat telepon atau SMS" in out
    assert target.read_bytes().startswith(b"age-encryption.org/v1\n-> scrypt ")

    # the wrong passphrase: refused in Indonesian, nothing changes
    before = dump(b, tmp_path, "b0", capsys)
    wrong = tmp_path / "salah.txt"
    wrong.write_text("kuda lari ke pasar siang\n", encoding="utf-8")
    assert run(b, "import", str(target), "--passphrase-file", str(wrong)) == 2
    assert "Kata sandi berkas salah" in capsys.readouterr().err
    assert dump(b, tmp_path, "b1", capsys) == before
    # without a passphrase: told to give one
    assert run(b, "import", str(target)) == 2
    assert "dikunci dengan kata sandi" in capsys.readouterr().err

    assert run(b, "import", str(target), "--passphrase-file", str(secret)) == 0
    capsys.readouterr()
    assert dump(b, tmp_path, "b-client", capsys, client) == dump(a, tmp_path, "a-client", capsys, client)
    assert dump(b, tmp_path, "b2", capsys) != before


def test_a_case_to_a_peer_office(pair: dict, tmp_path: Path, capsys) -> None:
    a, b, client = pair["a"], pair["b"], pair["client"]
    target = tmp_path / "kasus-lks.lkssync"
    assert run(a, "export", "--case", client, "--to", "LKSHB", "-o", str(target)) == 0
    out = capsys.readouterr().out
    assert f"(klien {pair['display']}) untuk LKS Harapan Bunda ditulis ke" in out
    changes = int(re.search(r", (\d+) perubahan", out).group(1))
    assert run(b, "import", str(target), "--dry-run") == 0
    capsys.readouterr()
    assert run(b, "import", str(target)) == 0
    assert re.search(rf"^Perubahan baru: {changes}$", capsys.readouterr().out, re.M)
    assert dump(b, tmp_path, "b", capsys, client) == dump(a, tmp_path, "a", capsys, client)
    # a normal export afterwards still carries everything (the case file moved no vector)
    full = tmp_path / "a-ke-b.lkssync"
    assert run(a, "export", "--to", "LKSHB", "-o", str(full)) == 0
    assert "(lengkap)" in capsys.readouterr().out
    assert run(b, "import", str(full)) == 0
    capsys.readouterr()
    assert dump(b, tmp_path, "b-all", capsys).count(b'"table":"client"') == 12


@pytest.mark.parametrize("argv, message", [
    ([], "Sebut kantor mitra tujuan dengan --to KANTOR, atau satu klien dengan --case ID"),
    (["--to", "LKSHB", "--passphrase-file", "{secret}"], "--passphrase-file hanya untuk berkas satu kasus"),
    (["--case", "{display}"], "Berkas satu kasus belum punya penerima"),
    (["--case", "{display}", "--to", "LKSHB", "--passphrase-file", "{secret}"], "tidak keduanya"),
    (["--case", "{display}", "--lengkap", "--to", "LKSHB"], "--lengkap tidak berlaku"),
    (["--case", "{display}", "--passphrase-file", "{short}"], "terlalu pendek: paling sedikit 12 karakter"),
    (["--case", "{display}", "--passphrase-file", "{empty}"], "kosong"),
    (["--case", "{display}", "--passphrase-file", "{missing}"], "tidak ditemukan"),
    (["--case", "DINSOS-TIDAKADA", "--to", "LKSHB"], "tidak ditemukan"),
])
def test_export_flag_rules(pair: dict, tmp_path: Path, capsys, argv: list[str], message: str) -> None:
    files = {"secret": tmp_path / "sandi.txt", "short": tmp_path / "pendek.txt", "empty": tmp_path / "kosong.txt",
             "missing": tmp_path / "tidak-ada.txt"}
    files["secret"].write_text("kuda lari ke pasar pagi\n")
    files["short"].write_text("pendek\n")
    files["empty"].write_text("\n  \n")
    names = {k: str(v) for k, v in files.items()} | {"display": pair["display"]}
    target = tmp_path / "x.lkssync"
    assert run(pair["a"], "export", *(a.format(**names) for a in argv), "-o", str(target)) == 2
    assert message in capsys.readouterr().err
    assert not target.exists()


def test_import_with_an_empty_passphrase_file_is_refused(pair: dict, tmp_path: Path, capsys) -> None:
    empty = tmp_path / "kosong.txt"
    empty.write_text("")
    assert run(pair["b"], "import", str(tmp_path / "apa.lkssync"), "--passphrase-file", str(empty)) == 2
    assert "Berkas kata sandi" in capsys.readouterr().err
