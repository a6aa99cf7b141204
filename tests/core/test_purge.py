"""Erasure and anonymisation on a legal request (services/purge.py): executed here, signed, and refused when
the signature does not verify or the actor may not order it."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from sqlalchemy import func, select, update

from atensi_desktop.blobstore import BlobStore
from atensi_desktop.db.models import CaseNote, Client, ClientCase, PurgeOrder, ServiceEntry, Version, Worker
from atensi_desktop.errors import UserError
from atensi_desktop.security.roles import ADMIN, PEKSOS, Actor, PermissionDenied
from atensi_desktop.services import casenotes, cases, purge
from atensi_desktop.services import documents as docs
from atensi_desktop.services import service_log as log
from atensi_desktop.services.clients import create_client
from atensi_desktop.services.office import OfficeInput, setup_installation
from atensi_desktop.sync.canonical import canonical_dump

PDF = b"%PDF-1.4\n% surat persetujuan Siti\n%%EOF\n"
TODAY = dt.date(2026, 6, 1)
NAME, NIK = "Siti Purwaningsih", "6306014506900003"


@pytest.fixture
def office(db):
    result = setup_installation(db, OfficeInput(name="LKS Harapan", office_type="lks", code="LKSH",
                                                wilayah_code="63.06"))
    db.office_id = result.office.id
    return result.office


@pytest.fixture
def client_world(db, paths, office):
    with db.session() as s:
        worker = Worker(name="Rina Hartati", worker_type="pekerja_sosial", active=True)
        s.add(worker)
        s.flush()
        worker_id = worker.id
    cid = create_client(db, {"name": NAME, "nik": NIK, "sex": "P", "birth_date": dt.date(1990, 6, 5),
                             "phone": "081234567890", "address": "Jl. Melati 3", "wilayah_code": "63.06.01.2001"}).id
    other = create_client(db, {"name": "Budi Santoso", "sex": "L"}).id
    case = cases.open_case(db, cid, approach="keluarga", worker_id=worker_id, opened_on=dt.date(2026, 1, 5),
                           today=TODAY)
    log.add_entry(db, {"client_id": cid, "service_kind": "spm", "service_code": "permakanan",
                       "date_from": dt.date(2026, 3, 1), "note": "diantar ke rumah Siti"}, TODAY)
    casenotes.add_note(db, cid, "Siti bercerita tentang suaminya.", case_id=case.id, written_on=dt.date(2026, 3, 2),
                       today=TODAY)
    doc = docs.add_document(db, paths.blobs, cid, PDF, "persetujuan", note="ditandatangani")
    return {"client": cid, "other": other, "case": case.id, "doc": doc}


def _dump(db) -> str:
    out = io.StringIO()
    canonical_dump(db, out)
    return out.getvalue()


def _versions_mentioning(db, text: str) -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Version).where(Version.val.contains(text))).scalar_one()


def _order(db, paths, cid, mode):
    return purge.issue_purge_order(db, paths, cid, mode=mode, reason="Permintaan subjek data tanggal 1 Juni 2026",
                                   legal_ref="Surat No. 12/PDP/VI/2026", authorised_by="Drs. Ahmad, Kepala LKS")


def test_erase_removes_every_row_version_and_file_of_the_client(db, paths, client_world):
    cid = client_world["client"]
    assert NAME in _dump(db) and _versions_mentioning(db, NIK) > 0
    order, result = _order(db, paths, cid, purge.ERASE)
    assert result.rows_erased >= 5  # client, case, stage change, service entry, note, document
    assert result.blobs_removed == 1
    assert not BlobStore(paths.blobs).has(client_world["doc"].sha256)
    dump = _dump(db)
    for text in (NAME, NIK, "Jl. Melati", "suaminya", "diantar ke rumah"):
        assert text not in dump
        assert _versions_mentioning(db, text) == 0
    with db.session() as s:
        assert s.get(Client, cid) is None
        assert s.scalar(select(func.count()).select_from(ClientCase).where(ClientCase.client_id == cid)) == 0
        assert s.get(Client, client_world["other"]) is not None  # another client is untouched
        assert s.scalar(select(func.count()).select_from(PurgeOrder)) == 1  # the order stays
    listed = purge.list_orders(db, paths)
    assert [(o.id, o.mode, o.verified, o.executed) for o in listed] == [(order.id, "hapus", True, True)]
    assert NAME not in order.reason + order.legal_ref + order.authorised_by


def test_executing_again_changes_nothing(db, paths, client_world):
    _order(db, paths, client_world["client"], purge.ERASE)
    before = _dump(db)
    with db.engine.begin() as conn:
        again = purge.execute_orders(conn, purge.trusted_signers(db, paths), BlobStore(paths.blobs))
    assert (again.rows_erased, again.versions_removed, again.registers_anonymised) == (0, 0, 0)
    assert _dump(db) == before


def test_anonymise_keeps_services_for_counting_but_no_identity(db, paths, client_world):
    cid = client_world["client"]
    _order(db, paths, cid, purge.ANONYMISE)
    with db.session() as s:
        client = s.get(Client, cid)
        assert client.name == purge.ANON_NAME and client.nik is None and client.phone is None
        assert client.address is None and client.birth_date == dt.date(1990, 7, 1) and client.birth_date_estimated
        assert client.wilayah_code == "63.06.01" and client.sex == "P"
        entries = s.scalars(select(ServiceEntry).where(ServiceEntry.client_id == cid)).all()
        assert len(entries) == 1 and entries[0].service_code == "permakanan" and entries[0].note is None
        assert s.scalar(select(func.count()).select_from(CaseNote).where(CaseNote.client_id == cid)) == 0
        assert s.scalar(select(func.count()).select_from(ClientCase).where(ClientCase.client_id == cid)) == 1
    for text in (NAME, NIK, "Jl. Melati", "suaminya", "diantar ke rumah", "081234567890"):
        assert _versions_mentioning(db, text) == 0
        assert text not in _dump(db)


def test_an_order_whose_signature_does_not_verify_is_kept_but_not_executed(db, paths, client_world):
    cid = client_world["client"]
    order, _result = _order(db, paths, client_world["other"], purge.ERASE)
    # a forged second order: same signature, another client (as if someone edited the row)
    with db.engine.begin() as conn:
        sig = conn.execute(select(PurgeOrder.signature).where(PurgeOrder.id == order.id)).scalar_one()
        conn.execute(update(PurgeOrder).where(PurgeOrder.id == order.id).values(client_id=cid, signature=sig))
        result = purge.execute_orders(conn, purge.trusted_signers(db, paths), BlobStore(paths.blobs))
    assert result.rows_erased == 0
    with db.session() as s:
        assert s.get(Client, cid) is not None
    assert [o.verified for o in purge.list_orders(db, paths)] == [False]


def test_refusals_say_what_to_do(db, paths, client_world):
    cid = client_world["client"]
    before = _dump(db)
    with pytest.raises(UserError, match="tidak dikenal"):
        purge.issue_purge_order(db, paths, cid, mode="buang", reason="x" * 20, legal_ref="a", authorised_by="b")
    with pytest.raises(UserError, match="terlalu singkat"):
        purge.issue_purge_order(db, paths, cid, mode="hapus", reason="minta", legal_ref="a", authorised_by="b")
    with pytest.raises(UserError, match="Dasar hukum"):
        purge.issue_purge_order(db, paths, cid, mode="hapus", reason="x" * 20, legal_ref=" ", authorised_by="b")
    with pytest.raises(UserError, match="tidak ditemukan"):
        _order(db, paths, uuid.uuid4(), purge.ERASE)
    assert _dump(db) == before


def test_only_an_actor_with_the_purge_permission_may_order_it(db, paths, client_world):
    cid = client_world["client"]
    before = _dump(db)
    db.actor = Actor(user_id=uuid.uuid4(), username="rina", name="Rina", role=PEKSOS, office_id=db.office_id)
    try:
        with pytest.raises(PermissionDenied):
            _order(db, paths, cid, purge.ERASE)
        assert _dump(db) == before
        db.actor = Actor(user_id=uuid.uuid4(), username="admin", name="Admin", role=ADMIN, office_id=db.office_id)
        _order(db, paths, cid, purge.ERASE)
    finally:
        db.actor = None
    with db.session() as s:
        assert s.get(Client, cid) is None


def test_incoming_versions_of_purged_registers_are_dropped_or_anonymised(db, paths, client_world):
    cid = client_world["client"]
    _order(db, paths, cid, purge.ANONYMISE)
    with db.engine.connect() as conn:
        purged = purge.purged_registers(conn)
    assert purge.filter_value("client", cid, "name", '"Siti"', purged) == (True, '"(dianonimkan)"')
    assert purge.filter_value("client", cid, "sex", '"P"', purged) == (True, '"P"')
    with db.engine.connect() as conn:
        gone = conn.execute(select(purge.PurgedRegister.rid).where(purge.PurgedRegister.col == "*")).scalars().first()
    assert gone is not None
    assert purge.filter_value("case_note", gone, "text", '"x"', purged) == (False, None)


# --- the order travels -------------------------------------------------------------------------------------

def test_an_anonymisation_reaches_a_peer_and_catches_what_the_peer_wrote_meanwhile(db, paths, office, tmp_path):
    from atensi_desktop.db.bootstrap import open_database
    from atensi_desktop.paths import resolve_paths
    from atensi_desktop.sync.exchange import export_bundle, import_bundle
    from atensi_desktop.sync.keys import read_card, write_card
    from atensi_desktop.sync.peers import add_peer

    bp = resolve_paths(tmp_path / "lks").ensure()
    bdb = open_database(bp.default_db_url, bp)
    try:
        b_office = setup_installation(bdb, OfficeInput(name="LKS Mentari", office_type="lks", code="LKSM",
                                                       wilayah_code="63.06")).office
        bdb.office_id = b_office.id
        for (xdb, xp), (ydb, code) in (((db, paths), (bdb, "b")), ((bdb, bp), (db, "a"))):
            card = tmp_path / f"kartu-{code}.json"
            write_card(xdb, xp, card)
            parsed = read_card(card)
            add_peer(ydb, parsed, parsed.fingerprint)
        cid = create_client(db, {"name": NAME, "nik": NIK, "sex": "P", "birth_date": dt.date(1990, 6, 5),
                                 "address": "Jl. Melati 3"}).id
        casenotes.add_note(db, cid, "Catatan pertama di kantor A.", written_on=dt.date(2026, 3, 2), today=TODAY)
        first = tmp_path / "a1.lkssync"
        export_bundle(db, paths, ["LKSM"], first, full=True)
        import_bundle(bdb, bp, first)
        # B writes a note for her before it hears of the order; the file waits in someone's WhatsApp
        casenotes.add_note(bdb, cid, "Catatan di LKS Mentari tentang suaminya.", written_on=dt.date(2026, 3, 5),
                           today=TODAY)
        late = tmp_path / "b1.lkssync"
        export_bundle(bdb, bp, ["LKSH"], late)

        _order(db, paths, cid, purge.ANONYMISE)
        second = tmp_path / "a2.lkssync"
        export_bundle(db, paths, ["LKSM"], second)
        import_bundle(bdb, bp, second)
        import_bundle(db, paths, late)  # the late file reaches A after the order
        for x in (db, bdb):
            for text in (NAME, NIK, "Jl. Melati", "suaminya", "Catatan pertama"):
                assert _versions_mentioning(x, text) == 0, text
                assert text not in _dump(x)
            with x.session() as s:
                assert s.get(Client, cid).name == purge.ANON_NAME
                assert s.scalar(select(func.count()).select_from(CaseNote).where(CaseNote.client_id == cid)) == 0
        # and the two offices agree on everything about her
        from atensi_desktop.sync.canonical import canonical_dump as dump_of

        a_out, b_out = io.StringIO(), io.StringIO()
        dump_of(db, a_out, client_ids=[cid])
        dump_of(bdb, b_out, client_ids=[cid])
        assert a_out.getvalue() == b_out.getvalue()
    finally:
        bdb.dispose()
