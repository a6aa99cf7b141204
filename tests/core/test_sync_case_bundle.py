"""One-case bundles (sync/case_bundle.py): a referred client with its whole history reaches an installation
that never saw it; the bundle is a patch, not a delta (no version vector moves); the refusals.

Installation A is the `db` fixture (SQLite, and PostgreSQL when ATENSI_TEST_PG_URL is set) with the report
world (an office, a worker, Siti with an open case and a referral, Budi with a closed case) plus, for Siti,
an edit of her record, a note, a task, a document, a service entry with an attachment, an asesmen section
and a referral status change. B is an LKS in its own SQLite data folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from report_world import TODAY, build_world
from sqlalchemy import select

from atensi_desktop.blobstore import BlobStore
from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.engine import Database
from atensi_desktop.db.models.service_log import ServiceEntry
from atensi_desktop.db.models.sync_meta import Site, Version, VersionVector
from atensi_desktop.errors import UserError
from atensi_desktop.paths import AppPaths, resolve_paths
from atensi_desktop.services import (
    assessments,
    casenotes,
    clients,
    distribution,
    documents,
    households,
    service_log,
    tasks,
    wilayah,
)
from atensi_desktop.services import referrals as refs
from atensi_desktop.services.office import OfficeInput, setup_installation
from atensi_desktop.sync import case_bundle as cb
from atensi_desktop.sync.canonical import canonical_dump
from atensi_desktop.sync.exchange import export_bundle, import_bundle
from atensi_desktop.sync.keys import office_keys, read_card, write_card
from atensi_desktop.sync.peers import add_peer

PDF = b"%PDF-1.4\n% ATENSI test\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
RECEIPT = b"%PDF-1.4\n% tanda terima\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class Inst:
    db: Database
    paths: AppPaths
    office_id: uuid.UUID
    code: str

    def dump(self, client_ids: list[uuid.UUID] | None = None) -> str:
        out = io.StringIO()
        canonical_dump(self.db, out, client_ids=client_ids)
        return out.getvalue()

    def versions(self, rows: dict[str, set[uuid.UUID]] | None = None) -> set[tuple]:
        with self.db.engine.connect() as conn:
            sites = {o: str(u) for o, u in conn.execute(select(Site.ordinal, Site.site_uuid))}
            found = {(sites[s], q, t, r, c, h, v) for s, q, t, r, c, h, v in conn.execute(
                select(Version.site, Version.seq, Version.tbl, Version.rid, Version.col, Version.hlc, Version.val))}
        if rows is None:
            return found
        return {v for v in found if v[3] in rows.get(v[2], set())}


@pytest.fixture
def pair(db: Database, paths: AppPaths, tmp_path: Path):
    world = build_world(db)
    wilayah.load_demo_region(db)
    db.office_id = world.office_id
    a = Inst(db, paths, world.office_id, "DSHSS")
    office_keys(db, paths)
    p = resolve_paths(tmp_path / "lks").ensure()
    other = open_database(p.default_db_url, p)
    setup = setup_installation(other, OfficeInput(name="LKS Harapan Bunda", office_type="lks", code="LKSHB",
                                                   wilayah_code="63.06"))
    other.office_id = setup.office.id
    b = Inst(other, p, setup.office.id, "LKSHB")
    for x, y in ((a, b), (b, a)):
        card = tmp_path / f"kartu-{x.code}.json"
        write_card(x.db, x.paths, card)
        parsed = read_card(card)
        add_peer(y.db, parsed, parsed.fingerprint)
    # Siti's history: an edit, a note, a task, a document, a service with a receipt, asesmen, a referral step
    siti = world.siti
    home = households.create_household(db, {"no_kk": "6306011203080001", "address": "RT 03 Desa Hamalau"})
    clients.update_client(db, siti, {"address": "RT 03 Desa Hamalau", "wilayah_code": "63.06.01.2001",
                                     "household_id": home.id, "relation_to_head": "kepala_keluarga"})
    casenotes.add_note(db, siti, "Kunjungan rumah: klien tinggal bersama adiknya.", case_id=world.case,
                       worker_id=world.worker_id, written_on=dt.date(2026, 1, 20), today=TODAY)
    tasks.add_task(db, siti, {"title": "Antar ke RSUD", "due_on": dt.date(2026, 3, 10), "case_id": world.case},
                   today=TODAY)
    documents.add_document(db, paths.blobs, siti, PDF, "kk", file_name="kk.pdf")
    entry = service_log.add_entry(db, {"client_id": siti, "case_id": world.case, "service_kind": "spm",
                                       "service_code": "sandang", "date_from": dt.date(2026, 2, 2),
                                       "value_rp": 150000}, TODAY)
    service_log.add_attachment(db, paths.blobs, entry.id, RECEIPT, "tanda_terima", file_name="terima.pdf")
    asm = assessments.start_assessment(db, siti, form_id="atensi_umum", form_version="1", worker_id=world.worker_id)
    assessments.save_section(db, asm.id, "kesehatan", {"kondisi": "sakit"}, worker_id=world.worker_id)
    aid = distribution.create_distribution(db, {
        "title": "Bantuan ATENSI Tahap 1", "service_kind": "atensi", "service_code": "bantuan_asistensi_sosial",
        "date_from": dt.date(2026, 3, 2), "value_rp": 300_000, "quantity": 1, "unit": "paket",
        "funding_source": "apbn"}, [siti, world.budi], today=TODAY)
    world = SimpleNamespace(**dataclasses.asdict(world), distribution=aid.distribution.id)
    refs.change_status(db, world.referral, "diterima", on=dt.date(2026, 3, 4), worker_id=world.worker_id,
                       today=TODAY)
    try:
        yield a, b, world
    finally:
        other.dispose()


def _rows(inst: Inst, client_id: uuid.UUID) -> dict[str, set[uuid.UUID]]:
    with inst.db.engine.connect() as conn:
        rows, _versions = cb.collect(conn, client_id)
    return rows


def test_a_case_reaches_an_installation_that_never_saw_the_client(pair, tmp_path: Path) -> None:
    a, b, world = pair
    rows = _rows(a, world.siti)
    # the client's own records, and the directory rows they name, and nothing of the other client
    for table in ("client", "household", "client_case", "case_stage_change", "case_note", "case_task",
                  "client_document", "service_entry", "service_attachment", "assessment", "assessment_section",
                  "referral", "referral_event", "worker", "office"):
        assert rows.get(table), table
    assert world.budi not in rows["client"] and world.closed_case not in rows["client_case"]
    assert world.worker_id in rows["worker"] and world.office_id in rows["office"]
    # the distribution Siti received from: that row only, not Budi's entry in it
    assert rows["distribution"] == {world.distribution}
    with a.db.engine.connect() as conn:
        budi_entries = set(conn.execute(select(ServiceEntry.id).where(ServiceEntry.client_id == world.budi)).scalars())
    assert budi_entries and not budi_entries & rows["service_entry"]

    target = tmp_path / "siti.lkssync"
    result = cb.export_case(a.db, a.paths, world.siti_display, target, to_offices=["LKSHB"])
    assert result.client_id == world.siti and result.recipients == ("LKS Harapan Bunda",)
    assert result.versions == len(a.versions(rows)) and result.blobs == 2
    assert result.size == target.stat().st_size

    imported = import_bundle(b.db, b.paths, target)
    assert imported.new_versions == result.versions and imported.rows_waiting == 0
    # every version of every row (full history) and the same canonical records on both sides
    assert b.versions(rows) == a.versions(rows)
    assert b.dump([world.siti]) == a.dump([world.siti])
    assert world.siti_display in b.dump()
    # the region codes the case names came along (B had only the provinces), and only those
    assert wilayah.full_name(b.db, "63.06.01.2001") == wilayah.full_name(a.db, "63.06.01.2001")
    assert wilayah.counts(b.db) == {1: 38, 2: 1, 3: 1, 4: 1}
    with pytest.raises(UserError):
        b.dump([world.budi])
    store = BlobStore(b.paths.blobs)
    for data in (PDF, RECEIPT):
        assert store.has(hashlib.sha256(data).hexdigest())
    # B can work on the case: a note written there refers to rows that now exist
    casenotes.add_note(b.db, world.siti, "Diterima di LKS.", case_id=world.case, today=TODAY)


def test_a_case_is_named_by_client_or_case_id_or_display_id(pair) -> None:
    a, _b, world = pair
    with a.db.engine.connect() as conn:
        for ref in (world.siti_display, world.siti_display.lower(), str(world.siti), str(world.case),
                    world.case_display, f"  {world.siti_display} "):
            assert cb.resolve_client(conn, ref) == (world.siti, world.siti_display), ref
        with pytest.raises(UserError, match="tidak ditemukan"):
            cb.resolve_client(conn, "DSHSS-XXXXXX")
        with pytest.raises(UserError, match="tidak ditemukan"):
            cb.resolve_client(conn, str(uuid.uuid4()))


def test_a_case_bundle_moves_no_version_vector(pair, tmp_path: Path) -> None:
    a, b, world = pair

    def vectors(inst: Inst) -> list[tuple]:
        with inst.db.engine.connect() as conn:
            return sorted(conn.execute(select(VersionVector.scope, VersionVector.site, VersionVector.seq)).all())

    before = vectors(a)
    cb.export_case(a.db, a.paths, world.siti_display, tmp_path / "siti.lkssync", to_offices=["LKSHB"])
    assert vectors(a) == before  # nothing recorded as sent
    b_before = vectors(b)
    import_bundle(b.db, b.paths, tmp_path / "siti.lkssync")
    assert vectors(b) == b_before  # nothing recorded as acknowledged
    # so A's next normal export to B is a full one and B ends with everything A has
    out = export_bundle(a.db, a.paths, ["LKSHB"], tmp_path / "a-ke-b.lkssync")
    assert out.full
    import_bundle(b.db, b.paths, tmp_path / "a-ke-b.lkssync")
    assert a.versions() <= b.versions()
    assert world.budi in _rows(b, world.budi)["client"]


def test_after_a_case_bundle_the_deltas_both_ways_still_carry_everything(pair, tmp_path: Path) -> None:
    """B got one case, then sends A its own changes: what B's bundle says B holds must not make A skip the
    versions of A's that B only partly has."""
    a, b, world = pair
    cb.export_case(a.db, a.paths, world.siti_display, tmp_path / "siti.lkssync", to_offices=["LKSHB"])
    import_bundle(b.db, b.paths, tmp_path / "siti.lkssync")
    casenotes.add_note(b.db, world.siti, "Diterima di LKS.", case_id=world.case, today=TODAY)
    export_bundle(b.db, b.paths, ["DSHSS"], tmp_path / "b-ke-a.lkssync")
    import_bundle(a.db, a.paths, tmp_path / "b-ke-a.lkssync")
    export_bundle(a.db, a.paths, ["LKSHB"], tmp_path / "a-ke-b.lkssync")
    import_bundle(b.db, b.paths, tmp_path / "a-ke-b.lkssync")
    assert a.dump() == b.dump()


def test_refusals_leave_no_file(pair, tmp_path: Path) -> None:
    a, _b, world = pair
    target = tmp_path / "x.lkssync"
    cases = [
        ({"ref": "TIDAK-ADA", "to_offices": ["LKSHB"]}, "tidak ditemukan"),
        ({"ref": world.siti_display}, "belum punya penerima"),
        ({"ref": world.siti_display, "passphrase": "pendek sekali"[:11]}, "terlalu pendek"),
        ({"ref": world.siti_display, "passphrase": "  " + " " * 12}, "terlalu pendek"),
        ({"ref": world.siti_display, "passphrase": "kuda lari ke pasar", "to_offices": ["LKSHB"]}, "tidak keduanya"),
        ({"ref": world.siti_display, "to_offices": ["TIDAKADA"]}, "tidak ada di daftar mitra"),
    ]
    for kwargs, message in cases:
        ref = kwargs.pop("ref")
        with pytest.raises(UserError, match=message):
            cb.export_case(a.db, a.paths, ref, target, **kwargs)
        assert not target.exists()
    assert not list(tmp_path.glob(".x.lkssync.*"))


def test_a_passphrase_file_opens_with_that_passphrase_only(pair, tmp_path: Path) -> None:
    a, b, world = pair
    target = tmp_path / "siti-sandi.lkssync"
    result = cb.export_case(a.db, a.paths, world.siti_display, target, passphrase="kuda lari ke pasar pagi")
    assert result.passphrase and result.recipients == ()
    assert target.read_bytes().startswith(b"age-encryption.org/v1\n-> scrypt ")
    before = b.dump()
    with pytest.raises(UserError, match="Kata sandi berkas salah"):
        import_bundle(b.db, b.paths, target, passphrase="kuda lari ke pasar siang")
    assert b.dump() == before
    import_bundle(b.db, b.paths, target, passphrase="kuda lari ke pasar pagi")
    assert b.dump([world.siti]) == a.dump([world.siti])


def test_the_bench_measures_the_median_and_the_largest_case(pair, tmp_path: Path) -> None:
    a, _b, world = pair
    counts = cb.version_counts(a.db)
    assert set(counts) == {world.siti, world.budi} and counts[world.siti] > counts[world.budi]
    sizes = cb.measure_case_bundles(a.db, a.paths, tmp_path, "LKSHB")
    assert sizes["largest"]["client"] == world.siti_display
    assert sizes["median"]["client"] == world.siti_display  # of two, the upper middle one
    largest = sizes["largest"]
    assert largest["blobs"] == 2
    assert largest["bytes"] == (tmp_path / "kasus-largest.lkssync").stat().st_size
    assert largest["bytes_without_attachments"] == largest["bytes"] - len(PDF) - len(RECEIPT)
    assert cb.measure_case_bundles(a.db, a.paths, tmp_path)["largest"]["versions"] == largest["versions"]
