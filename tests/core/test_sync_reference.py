"""Reference data in bundles (sync/reference.py): the wilayah list loaded at the Dinas reaches an LKS that
never imported it; it is sent again only until the LKS says it holds it; a newer list renames, an older
one only adds; a bad list refuses the whole import.

Installation A (the Dinas) is the `db` fixture (SQLite, and PostgreSQL when ATENSI_TEST_PG_URL is set);
B (the LKS) is SQLite in its own data folder.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.engine import Database, read_meta, write_meta
from atensi_desktop.db.models.wilayah import Wilayah
from atensi_desktop.errors import UserError
from atensi_desktop.paths import AppPaths, resolve_paths
from atensi_desktop.services import clients, wilayah
from atensi_desktop.services.office import OfficeInput, setup_installation
from atensi_desktop.sync import reference as ref
from atensi_desktop.sync.exchange import export_bundle, import_bundle
from atensi_desktop.sync.keys import read_card, write_card
from atensi_desktop.sync.peers import add_peer

KANDANGAN = "63.06.01"  # a kecamatan of the demo list (Kalimantan Selatan)


class FakeBundle:
    """What apply_parts reads of an opened bundle: its parts, manifest and JSON lines."""

    def __init__(self, lines: list[Any], source: str = "01a24f13-0000-7000-8000-000000000001") -> None:
        self.parts = {ref.PART: {}}
        self.manifest = {"source_office": source}
        self._lines = lines

    def iter_json(self, name: str):
        assert name == ref.PART
        yield from self._lines


@pytest.fixture
def pair(db: Database, paths: AppPaths, tmp_path: Path):
    a_setup = setup_installation(db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan",
                                                 office_type="dinas_sosial", code="DINSOS", wilayah_code="63.06"))
    db.office_id = a_setup.office.id
    wilayah.load_demo_region(db)
    p = resolve_paths(tmp_path / "lks").ensure()
    other = open_database(p.default_db_url, p)
    b_setup = setup_installation(other, OfficeInput(name="LKS Harapan Bunda", office_type="lks", code="LKSHB",
                                                    wilayah_code="63.06"))
    other.office_id = b_setup.office.id
    for (x_db, x_paths, code), (y_db, _y_paths, _c) in (((db, paths, "A"), (other, p, "B")),
                                                        ((other, p, "B"), (db, paths, "A"))):
        card = tmp_path / f"kartu-{code}.json"
        write_card(x_db, x_paths, card)
        parsed = read_card(card)
        add_peer(y_db, parsed, parsed.fingerprint)
    try:
        yield (db, paths, a_setup.office.id), (other, p, b_setup.office.id)
    finally:
        other.dispose()


def _sends_list(db: Database, *, full: bool) -> bool:
    with db.engine.connect() as conn:
        lines = b"".join(ref.export_parts(conn, full=full)[ref.PART]).splitlines()
    assert json.loads(lines[0])["kind"] == ref.HAVE
    return len(lines) > 1


def test_the_dinas_list_reaches_an_lks_without_one(pair, tmp_path: Path) -> None:
    (a, a_paths, _a_id), (b, b_paths, _b_id) = pair
    assert wilayah.children(b, KANDANGAN) == []
    assert wilayah.counts(b)[4] == 0
    export_bundle(a, a_paths, ["LKSHB"], tmp_path / "a-ke-b.lkssync")
    import_bundle(b, b_paths, tmp_path / "a-ke-b.lkssync")
    # the LKS can now pick a kelurahan of Kandangan, and record a client there
    desa = wilayah.children(b, KANDANGAN)
    assert desa and desa == wilayah.children(a, KANDANGAN)
    assert wilayah.counts(b) == wilayah.counts(a)
    # the same list has the same hash on both (with PostgreSQL: across engines)
    with a.engine.connect() as ca, b.engine.connect() as cb_:
        assert ref.list_hash(ref._rows(ca)) == ref.list_hash(ref._rows(cb_))
    client = clients.create_client(b, {"name": "Rahmah", "sex": "P", "wilayah_code": desa[0].code})
    named = clients.client_detail(b, client.id).wilayah_full_name
    assert named and named == wilayah.full_name(a, desa[0].code) and desa[0].name in named
    with b.session() as s:
        assert "diterima lewat sinkronisasi" in (read_meta(s, "wilayah_source") or "")


def test_the_list_is_sent_until_the_peer_says_it_holds_it(pair, tmp_path: Path) -> None:
    (a, a_paths, _a_id), (b, b_paths, _b_id) = pair
    assert _sends_list(a, full=True) and _sends_list(a, full=False)  # B has not answered yet
    assert not _sends_list(b, full=True)  # B has only the built-in provinces: nothing to give
    export_bundle(a, a_paths, ["LKSHB"], tmp_path / "1.lkssync")
    import_bundle(b, b_paths, tmp_path / "1.lkssync")
    assert _sends_list(a, full=False)  # A does not know yet that it arrived
    export_bundle(b, b_paths, ["DINSOS"], tmp_path / "2.lkssync")
    import_bundle(a, a_paths, tmp_path / "2.lkssync")
    assert not _sends_list(a, full=False)
    assert _sends_list(a, full=True)
    # a change of the Dinas list is sent again
    with a.engine.begin() as conn:
        conn.execute(insert(Wilayah).values(code="63.06.01.2999", name="Desa Baru", level=4,
                                            parent_code=KANDANGAN, name_norm="desa baru"))
    assert _sends_list(a, full=False)
    export_bundle(a, a_paths, ["LKSHB"], tmp_path / "3.lkssync")
    import_bundle(b, b_paths, tmp_path / "3.lkssync")
    assert wilayah.get(b, "63.06.01.2999").name == "Desa Baru"


def _header(mode: str, as_of: str | None, count: int) -> dict[str, Any]:
    return {"kind": ref.LIST, "mode": mode, "hash": "h-" + (as_of or "none"), "as_of": as_of, "source": "tes",
            "count": count}


def _apply(db: Database, bundle: FakeBundle, *, dry_run: bool = False) -> dict[str, int]:
    with db.engine.begin() as conn:
        return ref.apply_parts(conn, bundle, dry_run=dry_run)


def _names(db: Database, *codes: str) -> dict[str, str]:
    with db.engine.connect() as conn:
        return {c: n for c, n in conn.execute(select(Wilayah.code, Wilayah.name).where(Wilayah.code.in_(codes)))}


def test_a_newer_list_renames_an_older_one_only_adds(db: Database) -> None:
    province = wilayah.get(db, "63").name
    with db.session() as s:
        s.execute(insert(Wilayah).values(code="63.06", name="Kab. Lama", level=2, parent_code="63",
                                         name_norm="kab. lama"))
        write_meta(s, "wilayah_source", "wilayah.csv (2 kode, 2026-01-01)")
    older = FakeBundle([_header(ref.FULL, "2025-06-01", 3), ["63", province],
                        ["63.06", "Kab. Hulu Sungai Selatan"], ["63.06.01", "Padang Batung"]])
    assert _apply(db, older) == {"wilayah_inserted": 1, "wilayah_updated": 0}
    assert _names(db, "63.06", "63.06.01") == {"63.06": "Kab. Lama", "63.06.01": "Padang Batung"}
    newer = FakeBundle([_header(ref.FULL, "2026-06-01", 2), ["63", province],
                        ["63.06", "Kab. Hulu Sungai Selatan"]])
    assert _apply(db, newer, dry_run=True) == {"wilayah_inserted": 0, "wilayah_updated": 1}
    assert _names(db, "63.06")["63.06"] == "Kab. Lama"  # a dry run writes nothing
    assert _apply(db, newer) == {"wilayah_inserted": 0, "wilayah_updated": 1}
    assert _names(db, "63.06")["63.06"] == "Kab. Hulu Sungai Selatan"
    with db.engine.connect() as conn:
        assert ref.as_of(conn) == "2026-06-01"
    # a partial list (from a one-case bundle) never renames, even when newer
    partial = FakeBundle([_header(ref.PARTIAL, "2027-01-01", 2), ["63.06", "Nama Lain"], ["63.06.02", "Angkinang"]])
    assert _apply(db, partial) == {"wilayah_inserted": 1, "wilayah_updated": 0}
    assert _names(db, "63.06")["63.06"] == "Kab. Hulu Sungai Selatan"


@pytest.mark.parametrize("bad", [
    ["63.6", "Salah Kode"],
    ["6306", "Tanpa Titik"],
    ["63.07.01", "Induknya Tidak Ada"],
    ["63.06.05", ""],
    ["63.06.05", 7],
    "bukan baris",
])
def test_a_bad_list_refuses_the_bundle_and_writes_nothing(db: Database, bad: Any) -> None:
    with db.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(Wilayah)).scalar_one()
    bundle = FakeBundle([{"kind": ref.HAVE, "hashes": ["x"]}, _header(ref.FULL, "2026-01-01", 3),
                         ["63.06", "Kab. Hulu Sungai Selatan"], bad])
    with pytest.raises(UserError, match="Daftar wilayah di berkas sinkronisasi ini tidak sah"):
        _apply(db, bundle)
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Wilayah)).scalar_one() == before
        assert conn.execute(select(func.count()).select_from(Wilayah).where(Wilayah.code == "63.06")).scalar_one() == 0


def test_a_bundle_without_reference_data_changes_nothing(db: Database) -> None:
    class Plain:
        parts = {"versions.jsonl": {}}
        manifest = {"source_office": str(uuid.uuid4())}

    with db.engine.begin() as conn:
        assert ref.apply_parts(conn, Plain(), dry_run=False) == {}
