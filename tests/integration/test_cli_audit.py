"""`atensi-desktop audit show --client ID [--json]` and `audit export`, end to end in process."""

from __future__ import annotations

import json

import pytest

from atensi_desktop.cli import main


@pytest.fixture
def world(tmp_path) -> dict:
    from atensi_desktop.app_context import open_app
    from atensi_desktop.services.clients import create_client, update_client

    url = f"sqlite:///{tmp_path / 'kantor.db'}"
    home = str(tmp_path / "home")
    assert main(["--db", url, "--data-dir", home, "init", "--office", "LKS Harapan Bunda",
                 "--kode-wilayah", "63.06"]) == 0
    ctx = open_app(url, home)
    try:
        siti = create_client(ctx.db, {"name": "Siti Aminah", "sex": "P", "nik": "6306015203900001"})
        update_client(ctx.db, siti.id, {"address": "RT 02 Desa Hamalau"})
    finally:
        ctx.close()
    return {"args": ["--db", url, "--data-dir", home], "siti": siti}


def _run(capsys, world, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*argv, *world["args"]])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_show_lists_changes_and_views_newest_first(world, capsys):
    siti = world["siti"]
    assert _run(capsys, world, "client", "show", siti.display_id)[0] == 0
    code, out, _err = _run(capsys, world, "audit", "show", "--client", siti.display_id)
    assert code == 0
    lines = [line.split("\t") for line in out.splitlines()]
    assert [line[1] for line in lines] == ["Dilihat", "Diubah", "Dibuat"]
    assert lines[0][4] == "lewat cli" and lines[1][4] == "Alamat diubah"
    assert "Hamalau" not in out and "6306015203900001" not in out


def test_show_json_and_filter(world, capsys):
    siti = world["siti"]
    _run(capsys, world, "client", "show", str(siti.id))
    code, out, _err = _run(capsys, world, "audit", "show", "--client", str(siti.id), "--json",
                           "--tindakan", "dilihat")
    assert code == 0
    rows = json.loads(out)
    assert [r["action"] for r in rows] == ["view"]
    assert rows[0]["object_id"] == str(siti.id) and rows[0]["table"] == "client"
    code, out, _err = _run(capsys, world, "audit", "show", "--client", str(siti.id), "--json", "--limit", "1")
    assert code == 0 and len(json.loads(out)) == 1


def test_unknown_client_exits_2(world, capsys):
    code, out, err = _run(capsys, world, "audit", "show", "--client", "XX-1")
    assert code == 2 and out == "" and "tidak ditemukan" in err


def test_export_writes_the_subject_copy(world, capsys, tmp_path):
    siti = world["siti"]
    code, out, _err = _run(capsys, world, "audit", "export", "--client", siti.display_id, "-o", str(tmp_path))
    assert code == 0 and "Salinan data klien ditulis ke" in out
    [folder] = tmp_path.glob(f"data-klien-{siti.display_id}-*")
    assert (folder / f"data-klien-{siti.display_id}.pdf").exists()
    assert (folder / f"data-klien-{siti.display_id}.jsonl").read_text(encoding="utf-8").count("\n") >= 1
    code, out, _err = _run(capsys, world, "audit", "show", "--client", siti.display_id)
    assert out.splitlines()[0].split("\t")[1] == "Salinan data untuk klien"
