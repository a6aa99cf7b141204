"""The import and export logs, re-import refusal, the missing-earlier-file check, case scope on import and the
`referral.status` merge rule of sync/exchange.py (issue 7; sync-design.md §3.2, §4.3, §4.4).

Installation A is the `db` fixture (SQLite, and PostgreSQL when ATENSI_TEST_PG_URL is set); B is an SQLite
file in its own data folder.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.engine import Database
from atensi_desktop.db.models.casework import Referral
from atensi_desktop.db.models.client import Client
from atensi_desktop.db.models.sync_log import SyncExportLog, SyncImportChange, SyncImportLog
from atensi_desktop.db.models.sync_meta import Site, SyncState, Version, VersionVector
from atensi_desktop.paths import AppPaths, resolve_paths
from atensi_desktop.services import clients as svc
from atensi_desktop.services import referrals as refs
from atensi_desktop.services.office import OfficeInput, setup_installation
from atensi_desktop.sync import hlc as hlc_mod
from atensi_desktop.sync.canonical import canonical_dump
from atensi_desktop.sync.exchange import (
    bundle_history,
    export_bundle,
    import_bundle,
    import_changes,
    missing_files,
)
from atensi_desktop.sync.keys import read_card, write_card
from atensi_desktop.sync.peers import add_peer
from atensi_desktop.sync.winners import pick_winner


@dataclass
class Inst:
    name: str
    db: Database
    paths: AppPaths
    office_id: uuid.UUID
    code: str

    def dump(self) -> str:
        out = io.StringIO()
        canonical_dump(self.db, out)
        return out.getvalue()

    def lines(self) -> set[str]:
        return set(self.dump().splitlines())

    def count(self, model: type) -> int:
        with self.db.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(model)).scalar_one()

    def site(self) -> str:
        with self.db.engine.connect() as conn:
            ordinal = conn.execute(select(SyncState.site)).scalar_one()
            return str(conn.execute(select(Site.site_uuid).where(Site.ordinal == ordinal)).scalar_one())

    def ack(self, other: Inst) -> dict[str, int]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(select(Site.site_uuid, VersionVector.seq).join(Site, Site.ordinal == VersionVector.site)
                                .where(VersionVector.scope == f"ack:{other.office_id}"))
            return {str(s): q for s, q in rows}


def _install(db: Database, paths: AppPaths, name: str, code: str) -> Inst:
    result = setup_installation(db, OfficeInput(name=name, office_type="lks", code=code, wilayah_code="63.06"))
    db.office_id = result.office.id
    return Inst(name, db, paths, result.office.id, code)


@pytest.fixture
def pair(db: Database, paths: AppPaths, tmp_path: Path):
    p = resolve_paths(tmp_path / "b").ensure()
    other = open_database(p.default_db_url, p)
    a = _install(db, paths, "LKS Harapan Bunda", "LKSHB")
    b = _install(other, p, "Dinas Sosial Kabupaten Hulu Sungai Selatan", "DINSOS")
    for x, y in ((a, b), (b, a)):
        card = tmp_path / f"kartu-{x.code}.json"
        write_card(x.db, x.paths, card)
        parsed = read_card(card)
        add_peer(y.db, parsed, parsed.fingerprint)
    yield a, b
    other.dispose()


def _send(src: Inst, dst: Inst, tmp: Path, name: str, **kw) -> Path:
    target = tmp / f"{name}.lkssync"
    export_bundle(src.db, src.paths, [dst.code], target, **kw)
    return target


def _client(inst: Inst, name: str) -> uuid.UUID:
    return svc.create_client(inst.db, {"name": name, "sex": "P", "birth_date": dt.date(1990, 5, 6)}).id


def test_import_and_export_are_logged_with_every_value_set(pair, tmp_path: Path) -> None:
    a, b = pair
    cid = _client(a, "Siti Aminah")
    first = _send(a, b, tmp_path, "a1", exported_by="Ayu")
    dry = import_bundle(b.db, b.paths, first, dry_run=True)
    assert dry.rows_created > 0
    assert b.count(SyncImportLog) == 0 and b.count(SyncImportChange) == 0  # a dry run logs nothing
    res = import_bundle(b.db, b.paths, first, imported_by="Budi")
    with b.db.engine.connect() as conn:
        row = conn.execute(select(SyncImportLog)).one()
    assert (row.bundle_id, row.source_office, row.signer, row.imported_by, row.kind) == (
        res.bundle_id, str(a.office_id), str(a.office_id), "Budi", "full")
    assert row.source_site == a.site() and len(row.file_sha256) == 64
    counts = json.loads(row.counts)
    assert (counts["versions"], counts["new"], counts["rows_created"]) == (
        res.versions_in_bundle, res.new_versions, res.rows_created)
    assert json.loads(row.warnings) == []
    created = import_changes(b.db, res.bundle_id)
    mine = {c.column: c.new_value for c in created if c.row_id == cid}
    assert mine["name"] == '"Siti Aminah"' and mine["birth_date"] == '"1990-05-06"' and mine["sex"] == '"P"'
    assert all(c.old_value is None for c in created)
    assert {c.table for c in created} >= {"office", "client"}

    # a later delta changes one value: logged with before and after
    svc.update_client(a.db, cid, {"name": "Siti Aminah Rahayu"})
    second = _send(a, b, tmp_path, "a2")
    res2 = import_bundle(b.db, b.paths, second)
    changes = import_changes(b.db, res2.bundle_id)
    assert [(c.table, c.row_id, c.column, c.old_value, c.new_value) for c in changes] == [
        ("client", cid, "name", '"Siti Aminah"', '"Siti Aminah Rahayu"')]

    # the history: received at B, sent at A, newest first, with office names and counts
    received = bundle_history(b.db)
    assert [h.bundle_id for h in received] == [res2.bundle_id, res.bundle_id]
    assert {h.direction for h in received} == {"masuk"}
    assert received[1].office_names == (a.name,) and received[1].kind == "full"
    assert received[1].rows_created == res.rows_created and received[0].values_changed == 1
    assert received[1].by == "Budi"
    sent = bundle_history(a.db)
    assert [(h.direction, h.bundle_id, h.office_names, h.kind) for h in sent] == [
        ("keluar", res2.bundle_id, (b.name,), "delta"), ("keluar", res.bundle_id, (b.name,), "full")]
    assert sent[1].by == "Ayu" and sent[1].file_name == "a1.lkssync"
    assert sent[1].size_bytes == first.stat().st_size and sent[1].versions == res.versions_in_bundle
    with a.db.engine.connect() as conn:
        assert json.loads(conn.execute(select(SyncExportLog.recipients).where(
            SyncExportLog.bundle_id == res.bundle_id)).scalar_one()) == [{"name": b.name, "office_id": str(b.office_id)}]

    # the logs are local: never in the canonical dump, never in a bundle
    for inst in (a, b):
        tables = {json.loads(line)["table"] for line in inst.dump().splitlines()}
        assert not tables & {"sync_import_log", "sync_import_change", "sync_export_log"}
    assert a.lines() <= b.lines()


def test_a_second_import_is_recognised_from_the_manifest_and_changes_nothing(pair, tmp_path: Path) -> None:
    a, b = pair
    _client(a, "Siti Aminah")
    bundle = _send(a, b, tmp_path, "a1")
    first = import_bundle(b.db, b.paths, bundle, imported_by="Budi")
    assert first.already_imported_at is None
    before, versions = b.dump(), b.count(Version)
    again = import_bundle(b.db, b.paths, bundle)
    assert again.already_imported_at is not None and again.already_imported_by == "Budi"
    assert (again.new_versions, again.rows_created, again.values_changed, again.conflicts) == (0, 0, 0, ())
    assert again.versions_in_bundle == again.unchanged == first.versions_in_bundle
    assert again.bundle_id == first.bundle_id and again.source_name == a.name
    assert b.dump() == before and b.count(Version) == versions
    # the preview says the same
    assert import_bundle(b.db, b.paths, bundle, dry_run=True).already_imported_at is not None
    # forced: applied again, and still nothing changes; the log keeps one row
    forced = import_bundle(b.db, b.paths, bundle, force=True)
    assert forced.already_imported_at is None
    assert (forced.new_versions, forced.rows_created, forced.values_changed) == (0, 0, 0)
    assert forced.unchanged == forced.versions_in_bundle == first.versions_in_bundle
    assert b.dump() == before and b.count(Version) == versions and b.count(SyncImportLog) == 1


def test_a_skipped_file_is_named_and_the_vector_waits_until_it_arrives(pair, tmp_path: Path) -> None:
    a, b = pair
    _client(a, "Siti Aminah")
    one = _send(a, b, tmp_path, "a1")
    import_bundle(b.db, b.paths, one)
    after_one = b.ack(a)[a.site()]
    # A assumes B holds the first file's changes; B then gets A's second and third files out of order
    _client(a, "Budi Santoso")
    two = _send(a, b, tmp_path, "a2")
    _client(a, "Rahmat Hidayat")
    three = _send(a, b, tmp_path, "a3")
    with a.db.engine.connect() as conn:
        top = conn.execute(select(func.max(Version.seq))).scalar_one()
    res = import_bundle(b.db, b.paths, three)
    assert len(res.warnings) == 1
    warning = res.warnings[0]
    assert warning.startswith(f"Ada berkas sebelumnya dari {a.name} yang belum diimpor (perubahan ke-")
    assert f"ke-{after_one + 1} s.d." in warning and "mengirim semua data" in warning
    [gap] = missing_files(b.db)
    assert (gap.site, gap.office_id, gap.office_name, gap.first) == (a.site(), str(a.office_id), a.name, after_one + 1)
    assert gap.last < top and gap.text == warning
    assert b.ack(a)[a.site()] == after_one  # not advanced for A's site
    with b.db.engine.connect() as conn:
        logged = json.loads(conn.execute(select(SyncImportLog.warnings).where(
            SyncImportLog.bundle_id == res.bundle_id)).scalar_one())
    assert logged == [{"kind": "missing_earlier", "site": a.site(), "office": str(a.office_id),
                       "first": after_one + 1, "last": gap.last}]
    assert bundle_history(b.db)[0].warnings == (warning,)
    # B's own export does not claim A's changes it lacks
    back = _send(b, a, tmp_path, "b1")
    import_bundle(a.db, a.paths, back)
    assert a.ack(b)[a.site()] == after_one

    # the missing file arrives late: everything converges and the warning is gone
    late = import_bundle(b.db, b.paths, two)
    assert late.warnings == ()
    assert missing_files(b.db) == []
    assert a.lines() <= b.lines()
    assert after_one < b.ack(a)[a.site()] <= top  # advanced again (to the late file's vector)
    with b.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Client)) == 3


def test_a_missing_file_is_sent_again_by_the_next_normal_export(pair, tmp_path: Path) -> None:
    a, b = pair
    _client(a, "Siti Aminah")
    import_bundle(b.db, b.paths, _send(a, b, tmp_path, "a1"))
    _client(a, "Budi Santoso")
    _send(a, b, tmp_path, "a2-lost")
    _client(a, "Rahmat Hidayat")
    assert import_bundle(b.db, b.paths, _send(a, b, tmp_path, "a3")).warnings
    # B's next file tells A how far B really got; A's next file then carries the lost changes again
    import_bundle(a.db, a.paths, _send(b, a, tmp_path, "b1"))
    healed = import_bundle(b.db, b.paths, _send(a, b, tmp_path, "a4"))
    assert healed.warnings == () and healed.new_versions > 0
    assert missing_files(b.db) == []
    assert a.lines() <= b.lines()


def test_case_files_never_advance_vectors_and_open_with_a_passphrase(pair, tmp_path: Path) -> None:
    case_bundle = pytest.importorskip("atensi_desktop.sync.case_bundle")
    a, b = pair
    cid = _client(a, "Siti Aminah")
    target = tmp_path / "kasus.lkssync"
    case_bundle.export_case(a.db, a.paths, str(cid), target, passphrase="kata sandi rahasia 2026")
    res = import_bundle(b.db, b.paths, target, passphrase="kata sandi rahasia 2026")
    assert res.kind == "case" and res.rows_created >= 1 and res.warnings == ()
    assert b.ack(a) == {}
    with b.db.session() as s:
        assert s.get(Client, cid).name == "Siti Aminah"
    assert import_bundle(b.db, b.paths, target, passphrase="kata sandi rahasia 2026").already_imported_at
    # the next normal export from A still carries everything B is not known to hold
    res = import_bundle(b.db, b.paths, _send(a, b, tmp_path, "a1"))
    assert res.kind == "full" and res.new_versions > 0 and a.lines() <= b.lines()


def _referral(inst: Inst, cid: uuid.UUID) -> uuid.UUID:
    return refs.create_referral(inst.db, cid, {
        "direction": "keluar", "counterpart_kind": "rumah_sakit", "counterpart_name": "RSJ Sambang Lihum",
        "reason": "Pemeriksaan dan perawatan kejiwaan", "sent_on": dt.date.today() - dt.timedelta(days=3)}).id


def _status(inst: Inst, rid: uuid.UUID) -> str:
    with inst.db.session() as s:
        return s.get(Referral, rid).status


def test_a_closed_referral_stays_closed_against_a_concurrent_later_sent(pair, tmp_path: Path, monkeypatch) -> None:
    a, b = pair
    cid = _client(a, "Siti Aminah")
    rid = _referral(a, cid)
    import_bundle(b.db, b.paths, _send(a, b, tmp_path, "seed"))
    refs.change_status(a.db, rid, refs.ACCEPTED)
    refs.change_status(a.db, rid, refs.COMPLETED)
    # B, without seeing that, writes "dikirim" (via accepted and back) an hour later by its clock
    real = hlc_mod.wall_ms
    monkeypatch.setattr(hlc_mod, "wall_ms", lambda: real() + 3600 * 1000)
    with b.db.session() as s:
        s.get(Referral, rid).status = refs.ACCEPTED
    with b.db.session() as s:
        s.get(Referral, rid).status = refs.SENT
    monkeypatch.setattr(hlc_mod, "wall_ms", real)
    to_b, to_a = _send(a, b, tmp_path, "a"), _send(b, a, tmp_path, "b")
    res_b = import_bundle(b.db, b.paths, to_b)
    res_a = import_bundle(a.db, a.paths, to_a)
    with a.db.engine.connect() as conn:
        stamps = dict(conn.execute(select(Version.val, func.max(Version.hlc)).where(
            Version.tbl == "referral", Version.col == "status").group_by(Version.val)).all())
    assert stamps['"dikirim"'] > stamps['"selesai"']  # plain last-writer-wins would have picked "dikirim"
    assert _status(a, rid) == _status(b, rid) == refs.COMPLETED
    assert a.dump() == b.dump()
    for res in (res_a, res_b):
        [conflict] = [c for c in res.conflicts if c.table == "referral"]
        assert (conflict.column, conflict.winner, conflict.others) == ("status", '"selesai"', ('"dikirim"',))
    # the review screen marks the value actually in use ("selesai"), not the one with the later clock
    from atensi_desktop.sync.conflicts import list_conflicts

    for inst in (a, b):
        [listed] = [c for c in list_conflicts(inst.db) if c.table == "referral"]
        assert listed.leaves[0].current and listed.leaves[0].value.casefold() == "selesai"


def test_the_status_rule_is_a_function_of_the_leaves_only() -> None:
    # items: (hlc, site uuid, value, parents JSON, site ordinal)
    sent = (10, "a", '"dikirim"', None, 1)
    accepted = (20, "a", '"diterima"', "[[10, 1]]", 1)
    declined = (15, "b", '"ditolak"', "[[10, 1]]", 2)
    completed = (30, "a", '"selesai"', "[[20, 1]]", 1)
    resent = (40, "b", '"dikirim"', "[[15, 2]]", 2)  # written after seeing "ditolak": a later choice
    assert pick_winner("referral", "status", [sent, accepted])[2] == '"diterima"'
    assert pick_winner("referral", "status", [sent, accepted, declined])[2] == '"ditolak"'  # same rank as selesai
    assert pick_winner("referral", "status", [accepted, sent, declined, completed])[2] == '"selesai"'  # by hlc
    assert pick_winner("referral", "status", [sent, declined, resent])[2] == '"dikirim"'  # the only leaf
    # every other register stays last-writer-wins
    assert pick_winner("referral", "note", [sent, accepted, declined])[2] == '"diterima"'
    for order in ([sent, accepted, declined, completed], [completed, declined, accepted, sent]):
        assert pick_winner("referral", "status", order) == completed


def test_sync_exports_and_imports_are_in_the_clients_audit_trail(pair, tmp_path: Path) -> None:
    from atensi_desktop.services import audit
    from atensi_desktop.sync.case_bundle import export_case

    a, b = pair
    cid = _client(a, "Siti Aminah")
    import_bundle(b.db, b.paths, _send(a, b, tmp_path, "seed"))
    case_file = tmp_path / "kasus.lkssync"
    export_case(a.db, a.paths, str(cid), case_file, to_offices=[b.code])
    import_bundle(b.db, b.paths, case_file)
    for inst, action in ((a, audit.EXPORT), (b, audit.IMPORT)):
        rows = audit.client_history(inst.db, cid, actions=[action]).rows
        assert len(rows) == 1 and rows[0].obj_table == "client", inst.name
