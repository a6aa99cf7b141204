"""Two installations kept in step through the command line only: init, office card, add-peer both ways,
demo data and a service entry, export, import, and `dump --canonical` equal on both sides (issue 7)."""

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


def dump(home: Path, tmp_path: Path, name: str, capsys) -> bytes:
    out = tmp_path / f"{name}.jsonl"
    assert run(home, "dump", "--canonical", "-o", str(out)) == 0
    capsys.readouterr()
    return out.read_bytes()


def counts(text: str) -> dict[str, int]:
    found = {}
    for label, key in (("Perubahan baru", "new"), ("Sudah ada sebelumnya (tidak berubah)", "unchanged"),
                       ("Baris data baru", "rows"), ("Nilai yang berubah", "changed"),
                       ("Konflik (diedit bersamaan; nilai terbaru dipakai)", "conflicts")):
        found[key] = int(re.search(rf"^{re.escape(label)}: (\d+)$", text, re.M).group(1))
    return found


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
    return homes


def test_two_installations_converge_through_the_command_line(pair: dict, tmp_path: Path, capsys) -> None:
    a, b = pair["a"], pair["b"]
    assert dump(a, tmp_path, "a0", capsys) != dump(b, tmp_path, "b0", capsys)

    # A → B: the first export is a full one
    bundle1 = tmp_path / "a-ke-b.lkssync"
    assert run(a, "export", "--to", "LKSHB", "-o", str(bundle1)) == 0
    out = capsys.readouterr().out
    assert "(lengkap) untuk LKS Harapan Bunda" in out
    sent = int(re.search(r": (\d+) perubahan", out).group(1))
    assert sent > 100

    # a dry run counts but keeps nothing
    assert run(b, "import", str(bundle1), "--dry-run") == 0
    dry = capsys.readouterr().out
    assert dry.startswith("Uji coba (tidak ada yang disimpan)")
    before = dump(b, tmp_path, "b-dry", capsys)
    assert before == dump(b, tmp_path, "b0-again", capsys)
    assert run(b, "import", str(bundle1)) == 0
    real = capsys.readouterr().out
    assert counts(dry) == counts(real)
    got = counts(real)
    assert got["new"] == sent and got["unchanged"] == 0 and got["rows"] > 12 and got["conflicts"] == 0
    assert before != dump(b, tmp_path, "b1", capsys)

    # B edits: a service for one of A's clients, then B → A
    assert run(b, "client", "search", "a", "--json", "--limit", "1") == 0
    client = json.loads(capsys.readouterr().out)[0]["id"]
    assert run(b, "service", "add", "--client", client, "--service", "spm:permakanan", "--date", "01-12-2026",
               "--case", "tanpa") == 0
    capsys.readouterr()
    bundle2 = tmp_path / "b-ke-a.lkssync"
    assert run(b, "export", "--to", "DINSOS", "-o", str(bundle2)) == 0
    out = capsys.readouterr().out
    back = int(re.search(r": (\d+) perubahan", out).group(1))
    assert 0 < back < sent  # B sends only what A is not known to hold: B's office, worker, user and the service
    assert run(a, "import", str(bundle2)) == 0
    assert counts(capsys.readouterr().out)["new"] == back
    assert dump(a, tmp_path, "a2", capsys) == dump(b, tmp_path, "b2", capsys)

    # a re-import changes nothing
    assert run(a, "import", str(bundle2)) == 0
    again = counts(capsys.readouterr().out)
    assert again == {"new": 0, "unchanged": back, "rows": 0, "changed": 0, "conflicts": 0}
    assert dump(a, tmp_path, "a3", capsys) == dump(a, tmp_path, "a2-again", capsys)

    # A has nothing new for B now: an incremental export carries nothing
    bundle3 = tmp_path / "a-ke-b-2.lkssync"
    assert run(a, "export", "--to", "LKSHB", "-o", str(bundle3)) == 0
    assert ": 0 perubahan" in capsys.readouterr().out


def test_unknown_peer_and_foreign_file_exit_2(pair: dict, tmp_path: Path, capsys) -> None:
    a, b = pair["a"], pair["b"]
    target = tmp_path / "x.lkssync"
    assert run(a, "export", "--to", "TIDAKADA", "-o", str(target)) == 2
    err = capsys.readouterr().err
    assert "Kantor mitra 'TIDAKADA' tidak ada di daftar mitra" in err
    assert not target.exists()
    # a bundle A wrote for B cannot be imported back into A (A's own office is no trusted peer of A)
    assert run(a, "export", "--to", "LKSHB", "-o", str(target)) == 0
    capsys.readouterr()
    before = dump(a, tmp_path, "a-before", capsys)
    assert run(a, "import", str(target)) == 2
    assert capsys.readouterr().err.strip()
    assert dump(a, tmp_path, "a-after", capsys) == before
    not_a_bundle = tmp_path / "bukan.lkssync"
    not_a_bundle.write_text("halo")
    assert run(b, "import", str(not_a_bundle)) == 2
    assert "bukan berkas sinkronisasi" in capsys.readouterr().err
