"""A purge order through the command line travels to a peer office: `client purge` at A, `export`, `import`
at B → the client is gone at B too, and re-importing an older bundle does not bring it back (issue 8)."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli_sync_exchange import dump, pair, run  # noqa: F401  (pair is a fixture)


def _clients(home: Path, capsys, tmp_path: Path) -> list[dict]:
    """The live clients in the installation's canonical dump (id, name), by name."""
    rows = [json.loads(line) for line in dump(home, tmp_path, f"clients-{home.name}", capsys).decode().splitlines()]
    return sorted(({"id": r["id"], "name": r["name"]} for r in rows if r["table"] == "client"),
                  key=lambda c: c["name"])


def test_purge_order_travels_and_a_stale_bundle_cannot_undo_it(pair: dict, tmp_path: Path, capsys) -> None:  # noqa: F811
    a, b = pair["a"], pair["b"]
    first = tmp_path / "a-1.lkssync"
    assert run(a, "export", "--to", "LKSHB", "-o", str(first)) == 0
    assert run(b, "import", str(first)) == 0
    capsys.readouterr()
    victim = _clients(a, capsys, tmp_path)[0]
    assert victim["id"] in {c["id"] for c in _clients(b, capsys, tmp_path)}
    stale = tmp_path / "a-full-before-purge.lkssync"  # made before the order, never imported by B
    assert run(a, "export", "--to", "LKSHB", "--lengkap", "-o", str(stale)) == 0

    refused = run(a, "client", "purge", victim["id"], "--jenis", "hapus", "--alasan", "Permintaan subjek data",
                  "--dasar-hukum", "Surat 12/PDP/2026", "--disetujui", "Kepala Dinas")
    assert refused != 0 and "--ya" in capsys.readouterr().err  # no terminal: the confirmation is required
    assert run(a, "client", "purge", victim["id"], "--jenis", "hapus", "--alasan", "Permintaan subjek data",
               "--dasar-hukum", "Surat 12/PDP/2026", "--disetujui", "Kepala Dinas", "--ya") == 0
    assert "dihapus" in capsys.readouterr().out
    assert victim["id"] not in {c["id"] for c in _clients(a, capsys, tmp_path)}

    second = tmp_path / "a-2.lkssync"
    assert run(a, "export", "--to", "LKSHB", "-o", str(second)) == 0
    assert run(b, "import", str(second)) == 0
    capsys.readouterr()
    assert victim["id"] not in {c["id"] for c in _clients(b, capsys, tmp_path)}
    assert run(b, "client", "purge-orders", "--json") == 0
    orders = json.loads(capsys.readouterr().out)
    assert [(o["client_id"], o["verified"], o["executed"]) for o in orders] == [(victim["id"], True, True)]

    # a bundle made before the order still carries the client's versions: it must not bring them back
    assert run(b, "import", str(stale)) == 0
    capsys.readouterr()
    assert victim["id"] not in {c["id"] for c in _clients(b, capsys, tmp_path)}
    assert victim["name"] not in dump(b, tmp_path, "b-after", capsys).decode()
    held_by_a = set(dump(a, tmp_path, "a-after", capsys).splitlines())
    assert held_by_a <= set(dump(b, tmp_path, "b-after2", capsys).splitlines())  # B holds all of A, and no more of her
