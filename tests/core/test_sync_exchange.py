"""Export and import of sync bundles (sync/exchange.py): installations converge to the same canonical dump.

Installation A is the `db` fixture (SQLite, and PostgreSQL when ATENSI_TEST_PG_URL is set); B and C are
SQLite files in their own data folders, so with PostgreSQL the exchange also runs across engines.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from atensi_desktop.blobstore import BlobStore
from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.engine import Database
from atensi_desktop.db.models.client import Client
from atensi_desktop.db.models.document import ClientDocument
from atensi_desktop.db.models.sync_meta import SyncState, Version
from atensi_desktop.errors import UserError
from atensi_desktop.paths import AppPaths, resolve_paths
from atensi_desktop.services import clients as svc
from atensi_desktop.services import documents as docs
from atensi_desktop.services.office import OfficeInput, setup_installation
from atensi_desktop.sync import hlc as hlc_mod
from atensi_desktop.sync.canonical import canonical_dump
from atensi_desktop.sync.exchange import export_bundle, import_bundle
from atensi_desktop.sync.keys import read_card, write_card
from atensi_desktop.sync.peers import add_peer, revoke_peer

PDF = b"%PDF-1.4\n% ATENSI test\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class Inst:
    name: str
    db: Database
    paths: AppPaths
    office_id: uuid.UUID
    code: str

    def lines(self) -> set[str]:
        return set(self.dump().splitlines())

    def dump(self) -> str:
        out = io.StringIO()
        canonical_dump(self.db, out)
        return out.getvalue()


def _install(db: Database, paths: AppPaths, name: str, code: str) -> Inst:
    result = setup_installation(db, OfficeInput(name=name, office_type="lks", code=code, wilayah_code="63.06"))
    db.office_id = result.office.id
    return Inst(name, db, paths, result.office.id, code)


def _trust(a: Inst, b: Inst, tmp: Path) -> None:
    for x, y in ((a, b), (b, a)):
        card = tmp / f"kartu-{x.code}.json"
        write_card(x.db, x.paths, card)
        parsed = read_card(card)
        add_peer(y.db, parsed, parsed.fingerprint)


@pytest.fixture
def world(db: Database, paths: AppPaths, tmp_path: Path):
    opened: list[Database] = []

    def other(name: str, code: str) -> Inst:
        p = resolve_paths(tmp_path / code).ensure()
        database = open_database(p.default_db_url, p)
        opened.append(database)
        return _install(database, p, name, code)

    a = _install(db, paths, "LKS Harapan Bunda", "LKSHB")
    b = other("Dinas Sosial Kabupaten Hulu Sungai Selatan", "DINSOS")
    _trust(a, b, tmp_path)
    yield a, b, other
    for database in opened:
        database.dispose()


def _send(src: Inst, dst: Inst, tmp: Path, name: str, **kw):
    target = tmp / f"{name}.lkssync"
    export_bundle(src.db, src.paths, [dst.code], target, **kw)
    return target


def _get(inst: Inst, cid: uuid.UUID) -> Client:
    with inst.db.session() as s:
        return s.get(Client, cid)


def _client(inst: Inst, name: str, **extra) -> uuid.UUID:
    return svc.create_client(inst.db, {"name": name, "sex": "P", "birth_date": dt.date(1990, 5, 6), **extra}).id


def test_round_trip_converges_and_reimport_changes_nothing(world, tmp_path: Path) -> None:
    a, b, _ = world
    c1 = _client(a, "Siti Aminah")
    c2 = _client(a, "Budi Santoso")
    svc.update_client(a.db, c1, {"phone": "081234567890"})
    doc = docs.add_document(a.db, a.paths.blobs, c2, PDF, "persetujuan", note="ditandatangani")
    assert a.dump() != b.dump()

    bundle = _send(a, b, tmp_path, "a1")
    dry = import_bundle(b.db, b.paths, bundle, dry_run=True)
    before = b.dump()
    assert b.dump() == before  # the dry run kept nothing
    res = import_bundle(b.db, b.paths, bundle)
    assert (res.new_versions, res.unchanged, res.rows_created, res.conflicts) == (
        dry.new_versions, 0, dry.rows_created, ())
    assert res.rows_created >= 5  # office, worker, user, two clients, the document
    assert res.blobs_stored == 1
    assert BlobStore(b.paths.blobs).read(doc.sha256) == PDF
    assert set(a.dump().splitlines()) < set(b.dump().splitlines())  # B holds all of A (and its own office)
    with a.db.engine.connect() as ca, b.db.engine.connect() as cb:
        hlc_a = ca.execute(select(func.max(Version.hlc))).scalar_one()
        assert cb.execute(select(SyncState.hlc)).scalar_one() >= hlc_a  # B's clock went past what it saw

    # B edits: a field of A's client, an archive, a new client; then back to A
    svc.update_client(b.db, c1, {"address": "Jl. Melati 3"})
    svc.archive_client(b.db, c2)
    _client(b, "Rahmat Hidayat")
    back = _send(b, a, tmp_path, "b1")
    res = import_bundle(a.db, a.paths, back)
    assert res.values_changed == 2 and res.conflicts == ()
    assert res.rows_created == 3  # B's office, its first user, the new client
    assert a.dump() == b.dump()
    assert _get(a, c2).deleted  # the tombstone travelled

    # importing the same files again changes nothing
    dumped = a.dump()
    again = import_bundle(a.db, a.paths, back)
    assert (again.new_versions, again.rows_created, again.values_changed, again.conflicts) == (0, 0, 0, ())
    assert again.unchanged == again.versions_in_bundle > 0
    assert a.dump() == dumped
    assert import_bundle(b.db, b.paths, bundle).new_versions == 0
    # incremental: A knows what B holds now, so a new export carries only A's later edits
    svc.update_client(a.db, c1, {"alias": "Ami"})
    delta = _send(a, b, tmp_path, "a2")
    res = import_bundle(b.db, b.paths, delta)
    assert res.versions_in_bundle == 1 and res.values_changed == 1
    assert a.dump() == b.dump()


def test_concurrent_edit_resolves_the_same_way_on_both(world, tmp_path: Path) -> None:
    a, b, _ = world
    cid = _client(a, "Siti Aminah")
    import_bundle(b.db, b.paths, _send(a, b, tmp_path, "seed"))
    svc.update_client(a.db, cid, {"phone": "081111111111"})
    svc.update_client(b.db, cid, {"phone": "082222222222", "address": "Jl. Kenanga"})
    to_b, to_a = _send(a, b, tmp_path, "a"), _send(b, a, tmp_path, "b")
    res_b = import_bundle(b.db, b.paths, to_b)
    res_a = import_bundle(a.db, a.paths, to_a)
    assert a.dump() == b.dump()
    for res in (res_a, res_b):
        assert [(c.table, c.row_id, c.column) for c in res.conflicts] == [("client", cid, "phone")]
    # the winner is the later edit (B's), the same value on both sides, the loser listed for review
    assert _get(a, cid).phone == _get(b, cid).phone == "082222222222"
    assert res_a.conflicts[0].winner == res_b.conflicts[0].winner == '"082222222222"'
    assert res_a.conflicts[0].others == ('"081111111111"',)
    assert _get(a, cid).address == "Jl. Kenanga"


def test_import_order_of_two_bundles_does_not_matter(world, tmp_path: Path) -> None:
    a, b, other = world
    c = other("LKS Kasih Ibu", "LKSKI")
    d = other("Panti Sosial Budi Luhur", "PSBL")
    for x in (c, d):
        _trust(a, x, tmp_path)
        _trust(b, x, tmp_path)
    cid = _client(a, "Siti Aminah")
    import_bundle(b.db, b.paths, _send(a, b, tmp_path, "seed"))
    svc.update_client(a.db, cid, {"phone": "081111111111"})
    svc.update_client(b.db, cid, {"phone": "082222222222"})
    svc.archive_client(b.db, cid)
    _client(b, "Budi Santoso")
    from_a_c, from_b_c = _send(a, c, tmp_path, "a-c"), _send(b, c, tmp_path, "b-c")
    from_a_d, from_b_d = _send(a, d, tmp_path, "a-d"), _send(b, d, tmp_path, "b-d")
    import_bundle(c.db, c.paths, from_a_c)
    import_bundle(c.db, c.paths, from_b_c)
    import_bundle(d.db, d.paths, from_b_d)
    import_bundle(d.db, d.paths, from_a_d)
    # the same data from A and B on both (each one's own office and user left aside)
    received_c = {line for line in c.lines() if str(c.office_id) not in line}
    received_d = {line for line in d.lines() if str(d.office_id) not in line}
    assert received_c == received_d
    assert received_c == {line for line in b.lines() if str(c.office_id) not in line and str(d.office_id) not in line}
    assert _get(c, cid).deleted


def test_a_delta_before_the_bundle_it_follows_waits_then_lands(world, tmp_path: Path) -> None:
    a, b, _ = world
    cid = _client(a, "Siti Aminah")
    first = _send(a, b, tmp_path, "first")  # A's office, user and the client
    doc = docs.add_document(a.db, a.paths.blobs, cid, PDF, "persetujuan")
    second = _send(a, b, tmp_path, "second")  # A assumes B holds the first: only the document
    # B gets the second file first: the document's client is not there yet, so its row waits
    res = import_bundle(b.db, b.paths, second)
    assert (res.new_versions, res.rows_created, res.rows_waiting) == (res.versions_in_bundle, 0, 1)
    with b.db.session() as s:
        assert s.get(ClientDocument, doc.id) is None
    res = import_bundle(b.db, b.paths, first)
    assert res.rows_waiting == 0
    with b.db.session() as s:
        assert s.get(ClientDocument, doc.id).client_id == cid
    assert a.lines() < b.lines()


def test_unknown_and_revoked_peers_are_refused(world, tmp_path: Path) -> None:
    a, b, _ = world
    with pytest.raises(UserError, match="tidak ada di daftar mitra"):
        export_bundle(a.db, a.paths, ["TIDAKADA"], tmp_path / "x.lkssync")
    bundle = _send(a, b, tmp_path, "ok")
    revoke_peer(b.db, a.office_id)
    before = b.dump()
    with pytest.raises(UserError):
        import_bundle(b.db, b.paths, bundle)
    assert b.dump() == before
    revoke_peer(a.db, b.office_id)
    with pytest.raises(UserError, match="dicabut"):
        export_bundle(a.db, a.paths, [str(b.office_id)], tmp_path / "y.lkssync")
    assert not (tmp_path / "y.lkssync").exists()


def test_a_sender_clock_far_in_the_future_is_refused(world, tmp_path: Path) -> None:
    a, b, _ = world
    _client(a, "Siti Aminah")
    future = hlc_mod.pack(hlc_mod.wall_ms() + 3 * 24 * 3600 * 1000)
    with a.db.engine.begin() as conn:
        conn.execute(update(Version).where(Version.tbl == "client").values(hlc=future))
    bundle = _send(a, b, tmp_path, "skew")
    before = b.dump()
    with pytest.raises(UserError, match="Tanggal komputer pengirim"):
        import_bundle(b.db, b.paths, bundle)
    assert b.dump() == before


def test_a_service_receipt_travels_with_a_normal_export(world, tmp_path: Path) -> None:
    from atensi_desktop.services import service_log as log

    a, b, _ = world
    cid = _client(a, "Siti Aminah")
    entry = log.add_entry(a.db, {"client_id": cid, "service_kind": "spm", "service_code": "permakanan",
                                 "date_from": dt.date.today()})
    receipt = log.add_attachment(a.db, a.paths.blobs, entry.id, PDF.replace(b"test", b"kuitansi"), "kuitansi")
    res = import_bundle(b.db, b.paths, _send(a, b, tmp_path, "a1"))
    assert res.blobs_stored == 1
    assert log.attachment_bytes(b.db, b.paths.blobs, receipt.id) == PDF.replace(b"test", b"kuitansi")


@pytest.mark.parametrize("bulk", [True, False])
def test_imported_clients_are_found_by_name_search(world, tmp_path: Path, monkeypatch, bulk: bool) -> None:
    """A big first import fills the name search index once at the end (services.clients.SearchIndexPause);
    either way every imported client is found by name, and an edit after the import is too."""
    from atensi_desktop.services.clients import ClientQuery, client_page
    from atensi_desktop.sync import exchange

    a, b, _ = world
    monkeypatch.setattr(exchange, "_BULK_CLIENTS", 0 if bulk else 10**9)
    _client(a, "Siti Noer Djannah")
    _client(a, "Moch. Ali Rahman")
    import_bundle(b.db, b.paths, _send(a, b, tmp_path, "a1"))

    def names(text: str) -> list[str]:
        return [r.name for r in client_page(b.db, ClientQuery(text=text), 0, 10)]

    assert names("nur jannah") == ["Siti Noer Djannah"]
    assert names("muhammad ali") == ["Moch. Ali Rahman"]
    [row] = client_page(b.db, ClientQuery(text="ali rahman"), 0, 10)
    svc.update_client(b.db, row.id, {"name": "Moch. Ali Rahmat"})
    assert names("rahmat") == ["Moch. Ali Rahmat"]
