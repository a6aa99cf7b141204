"""describe_import_changes: the values an imported file set, in words (labels, dates, names; no JSON)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.engine import Database
from atensi_desktop.paths import AppPaths, resolve_paths
from atensi_desktop.services import clients as svc
from atensi_desktop.services.office import OfficeInput, setup_installation
from atensi_desktop.sync.change_lines import describe_import_changes
from atensi_desktop.sync.exchange import export_bundle, import_bundle
from atensi_desktop.sync.keys import read_card, write_card
from atensi_desktop.sync.peers import add_peer


@pytest.fixture
def pair(db: Database, paths: AppPaths, tmp_path: Path):
    """(receiver on the parametrised database, sender on SQLite), peers of each other."""
    p = resolve_paths(tmp_path / "b").ensure()
    other = open_database(p.default_db_url, p)
    installs = []
    for database, where, name, code in ((db, paths, "Dinas Sosial Kabupaten Hulu Sungai Selatan", "DINSOS"),
                                        (other, p, "LKS Harapan Bunda", "LKSHB")):
        result = setup_installation(database, OfficeInput(name=name, office_type="lks", code=code))
        database.office_id = result.office.id
        installs.append((database, where, code))
    for (x_db, x_paths, x_code), (y_db, _y_paths, _y) in ((installs[0], installs[1]), (installs[1], installs[0])):
        card = tmp_path / f"kartu-{x_code}.json"
        write_card(x_db, x_paths, card)
        parsed = read_card(card)
        add_peer(y_db, parsed, parsed.fingerprint)
    yield installs[0], installs[1]
    other.dispose()


def test_changed_and_created_values_are_described_in_words(pair, tmp_path: Path) -> None:
    (rdb, rpaths, _rcode), (sdb, spaths, _scode) = pair
    client = svc.create_client(sdb, {"name": "Siti Aminah", "sex": "P", "phone": "081111111111",
                                     "birth_date": dt.date(1990, 5, 6)})
    export_bundle(sdb, spaths, ["DINSOS"], tmp_path / "a1.lkssync")
    first = import_bundle(rdb, rpaths, tmp_path / "a1.lkssync")
    created = describe_import_changes(rdb, first.bundle_id)
    by_field = {(c.table_label, c.field_label): c for c in created if c.subject == "Siti Aminah"}
    name = by_field[("Data klien", "Nama")]
    assert name.created and name.old == "" and name.new == "Siti Aminah"
    assert by_field[("Data klien", "Tanggal lahir")].new == "06-05-1990"
    assert by_field[("Data klien", "Jenis kelamin")].new == "Perempuan"
    assert by_field[("Data klien", "Kantor pemilik")].new == "LKS Harapan Bunda"  # an id shown as a name

    svc.update_client(sdb, client.id, {"phone": "082233334444", "birth_date": dt.date(1991, 7, 8)})
    export_bundle(sdb, spaths, ["DINSOS"], tmp_path / "a2.lkssync")
    second = import_bundle(rdb, rpaths, tmp_path / "a2.lkssync")
    lines = describe_import_changes(rdb, second.bundle_id)
    assert len(lines) == second.values_changed == 2
    assert {(c.subject, c.field_label, c.old, c.new, c.created) for c in lines} == {
        ("Siti Aminah", "Telepon", "081111111111", "082233334444", False),
        ("Siti Aminah", "Tanggal lahir", "06-05-1990", "08-07-1991", False)}
    assert not any('"' in c.old + c.new for c in created + lines)
    assert len(describe_import_changes(rdb, first.bundle_id, limit=3)) == 3
