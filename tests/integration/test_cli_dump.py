"""`atensi-desktop dump --canonical` end to end, in process (atensi_desktop.cli.main)."""

from __future__ import annotations

import json
import shutil

import pytest

from atensi_desktop.cli import main


@pytest.fixture
def world(tmp_path) -> dict:
    """An office database with two clients; Siti has an open case."""
    from atensi_desktop.app_context import open_app
    from atensi_desktop.services import cases
    from atensi_desktop.services.clients import create_client

    db_file = tmp_path / "kantor.db"
    url = f"sqlite:///{db_file}"
    assert main(["--db", url, "init", "--office", "LKS Harapan Bunda", "--kode-wilayah", "63.06"]) == 0
    ctx = open_app(url, str(tmp_path / "home"))
    try:
        siti = create_client(ctx.db, {"name": "Siti Aminah", "sex": "P"})
        budi = create_client(ctx.db, {"name": "Budi Santoso", "sex": "L"})
        case = cases.open_case(ctx.db, siti.id, approach="keluarga")
    finally:
        ctx.close()
    return {"url": url, "file": db_file, "home": str(tmp_path / "home"), "siti": siti, "budi": budi, "case": case}


def _dump(capsys, world, *extra: str, url: str | None = None) -> str:
    capsys.readouterr()
    assert main(["--db", url or world["url"], "--data-dir", world["home"], "dump", "--canonical", *extra]) == 0
    return capsys.readouterr().out


def test_dump_to_stdout_and_to_a_file_are_the_same(world, capsys, tmp_path):
    out = _dump(capsys, world)
    rows = [json.loads(line) for line in out.splitlines()]
    assert {(r["table"], r["id"]) for r in rows} >= {("client", str(world["siti"].id)),
                                                     ("client", str(world["budi"].id)),
                                                     ("client_case", str(world["case"].id))}
    assert any(r["table"] == "office" and r["name"] == "LKS Harapan Bunda" for r in rows)
    target = tmp_path / "dump.jsonl"
    capsys.readouterr()
    assert main(["--db", world["url"], "--data-dir", world["home"], "dump", "--canonical", "-o", str(target)]) == 0
    assert f"{len(rows)} baris ditulis ke {target}" in capsys.readouterr().err
    assert target.read_bytes() == out.encode("utf-8")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".dump")] == []  # no temp file left


def test_a_copied_installation_dumps_the_same_bytes_until_it_changes(world, capsys, tmp_path):
    copy = tmp_path / "salinan.db"
    shutil.copy(world["file"], copy)
    copy_url = f"sqlite:///{copy}"
    assert _dump(capsys, world) == _dump(capsys, world, url=copy_url)
    assert main(["--db", copy_url, "--data-dir", world["home"], "service", "add", "--client", str(world["budi"].id),
                 "--service", "spm:permakanan", "--date", "01-01-2026", "--case", "tanpa"]) == 0
    assert _dump(capsys, world) != _dump(capsys, world, url=copy_url)


def test_one_client_for_a_data_subject_request(world, capsys):
    out = _dump(capsys, world, "--client", world["siti"].display_id)
    got = {(json.loads(line)["table"], json.loads(line)["id"]) for line in out.splitlines()}
    assert ("client", str(world["siti"].id)) in got and ("client_case", str(world["case"].id)) in got
    assert ("client", str(world["budi"].id)) not in got
    assert not {t for t, _ in got} & {"office", "worker"}


def test_unknown_client_and_missing_flag_are_refused(world, capsys, tmp_path):
    target = tmp_path / "x.jsonl"
    capsys.readouterr()
    assert main(["--db", world["url"], "--data-dir", world["home"], "dump", "--canonical", "--client", "ZZZ-999999",
                 "-o", str(target)]) == 2
    assert "tidak ditemukan" in capsys.readouterr().err
    assert not target.exists()
    with pytest.raises(SystemExit) as exc:
        main(["--db", world["url"], "dump"])
    assert exc.value.code == 2
    assert "--canonical" in capsys.readouterr().err
