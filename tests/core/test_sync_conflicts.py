"""Conflict review (sync/conflicts.py): concurrent edits listed on both installations with who, where and when;
a resolution on one closes the conflict everywhere after the next exchange; edits after a deletion; same-NIK
clients from two offices in the duplicate review.

Installation A is the `db` fixture (SQLite, and PostgreSQL when ATENSI_TEST_PG_URL is set); B is a SQLite file.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, SyncOpenConflict, User, Version
from atensi_desktop.errors import UserError
from atensi_desktop.paths import AppPaths, resolve_paths
from atensi_desktop.services import clients as svc
from atensi_desktop.services import duplicates
from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation
from atensi_desktop.sync import conflicts as cf
from atensi_desktop.sync.canonical import canonical_dump
from atensi_desktop.sync.exchange import export_bundle, import_bundle
from atensi_desktop.sync.keys import read_card, write_card
from atensi_desktop.sync.peers import add_peer


@dataclass
class Inst:
    name: str
    db: Database
    paths: AppPaths
    code: str
    user: str

    def dump(self) -> str:
        out = io.StringIO()
        canonical_dump(self.db, out)
        return out.getvalue()


def _install(db: Database, paths: AppPaths, name: str, code: str, worker: str) -> Inst:
    result = setup_installation(db, OfficeInput(name=name, office_type="lks", code=code, wilayah_code="63.06"),
                                WorkerInput(name=worker))
    db.office_id, db.user_id = result.office.id, result.user_id
    with db.session() as s:
        user = s.get(User, result.user_id).name
    return Inst(name, db, paths, code, user)


@pytest.fixture
def pair(db: Database, paths: AppPaths, tmp_path: Path):
    p = resolve_paths(tmp_path / "b").ensure()
    other = open_database(p.default_db_url, p)
    a = _install(db, paths, "LKS Harapan Bunda", "LKSHB", "Ayu Lestari")
    b = _install(other, p, "Dinas Sosial Kabupaten Hulu Sungai Selatan", "DINSOS", "Budi Santoso")
    for x, y in ((a, b), (b, a)):
        card = tmp_path / f"kartu-{x.code}.json"
        write_card(x.db, x.paths, card)
        parsed = read_card(card)
        add_peer(y.db, parsed, parsed.fingerprint)
    yield a, b
    other.dispose()


_sent = iter(range(10**6))


def _exchange(src: Inst, dst: Inst, tmp: Path):
    target = tmp / f"{src.code}-{next(_sent)}.lkssync"
    export_bundle(src.db, src.paths, [dst.code], target)
    return import_bundle(dst.db, dst.paths, target)


def _client(inst: Inst, name: str = "Siti Aminah", **extra) -> uuid.UUID:
    return svc.create_client(inst.db, {"name": name, "sex": "P", "birth_date": dt.date(1990, 5, 6), **extra}).id


def _get(inst: Inst, cid: uuid.UUID) -> Client:
    with inst.db.session() as s:
        return s.get(Client, cid)


def _phone_conflict(a: Inst, b: Inst, tmp: Path) -> uuid.UUID:
    cid = _client(a)
    _exchange(a, b, tmp)
    svc.update_client(a.db, cid, {"phone": "081111111111"})
    svc.update_client(b.db, cid, {"phone": "082222222222"})  # later: the winner until reviewed
    _exchange(a, b, tmp)
    _exchange(b, a, tmp)
    return cid


def test_concurrent_edit_is_listed_on_both_with_who_where_when(pair, tmp_path: Path) -> None:
    a, b = pair
    cid = _phone_conflict(a, b, tmp_path)
    for inst in (a, b):
        found = cf.list_conflicts(inst.db)
        assert cf.count_open_conflicts(inst.db) == 1
        assert [(c.table, c.row_id, c.column, c.kind) for c in found] == [("client", cid, "phone", cf.KIND_EDIT)]
        conflict = found[0]
        assert (conflict.subject, conflict.client_id) == ("Siti Aminah", cid)
        assert (conflict.table_label, conflict.field_label) == ("Data klien", "Telepon")
        values = [(leaf.value, leaf.where, leaf.current) for leaf in conflict.leaves]
        assert values == [("082222222222", b.name, True), ("081111111111", a.name, False)]
        assert conflict.current.value == "082222222222" == _get(inst, cid).phone
        assert conflict.leaves[0].when >= conflict.leaves[1].when  # B's edit was made after A's
        assert all(leaf.when_text.count("-") == 2 and ":" in leaf.when_text for leaf in conflict.leaves)
    # who: this installation's own edits carry the user (change sets are local bookkeeping)
    own_a = next(leaf for leaf in cf.list_conflicts(a.db)[0].leaves if leaf.where == a.name)
    own_b = next(leaf for leaf in cf.list_conflicts(b.db)[0].leaves if leaf.where == b.name)
    assert (own_a.who, own_b.who) == (a.user, b.user)


@pytest.mark.parametrize("choice", ["other", "accept"])
def test_resolution_on_one_closes_the_conflict_on_both(pair, tmp_path: Path, choice: str) -> None:
    a, b = pair
    cid = _phone_conflict(a, b, tmp_path)
    conflict = cf.list_conflicts(a.db)[0]
    loser = next(leaf for leaf in conflict.leaves if not leaf.current)
    key = loser.key if choice == "other" else cf.ACCEPT
    expected = "081111111111" if choice == "other" else "082222222222"
    assert cf.resolve_conflict(a.db, "client", cid, "phone", key)
    assert _get(a, cid).phone == expected
    assert cf.list_conflicts(a.db) == []
    # one new version whose parents are both leaves
    with a.db.engine.connect() as conn:
        newest = conn.execute(select(Version.val, Version.parents).where(
            Version.rid == cid, Version.col == "phone").order_by(Version.hlc.desc()).limit(1)).one()
    assert json.loads(newest.val) == expected and len(json.loads(newest.parents)) == 2
    assert cf.list_conflicts(b.db) != []  # B has not heard of it yet
    res = _exchange(a, b, tmp_path)
    assert res.conflicts == ()
    assert cf.list_conflicts(b.db) == [] and cf.count_open_conflicts(b.db) == 0
    assert _get(b, cid).phone == expected
    _exchange(b, a, tmp_path)
    assert a.dump() == b.dump()
    assert cf.list_conflicts(a.db) == []


def test_resolving_twice_or_with_a_stale_choice(pair, tmp_path: Path) -> None:
    a, b = pair
    cid = _phone_conflict(a, b, tmp_path)
    with pytest.raises(UserError, match="sudah tidak termasuk"):
        cf.resolve_conflict(a.db, "client", cid, "phone", "123:not-a-leaf")
    assert cf.count_open_conflicts(a.db) == 1
    assert cf.resolve_conflict(a.db, "client", cid, "phone", cf.ACCEPT)
    before = a.dump()
    assert cf.resolve_conflict(a.db, "client", cid, "phone", cf.ACCEPT) is False  # nothing left to resolve
    assert a.dump() == before


def test_concurrent_resolutions_on_both_sides_converge(pair, tmp_path: Path) -> None:
    a, b = pair
    cid = _phone_conflict(a, b, tmp_path)
    cf.resolve_conflict(a.db, "client", cid, "phone", cf.ACCEPT)
    other = next(leaf for leaf in cf.list_conflicts(b.db)[0].leaves if not leaf.current)
    cf.resolve_conflict(b.db, "client", cid, "phone", other.key)
    _exchange(a, b, tmp_path)
    _exchange(b, a, tmp_path)
    assert a.dump() == b.dump()
    # two resolutions made without seeing each other are a new conflict, the same on both
    assert [c.column for c in cf.list_conflicts(a.db)] == [c.column for c in cf.list_conflicts(b.db)] == ["phone"]


def test_edit_after_deletion_is_listed_and_restoring_keeps_the_edit(pair, tmp_path: Path) -> None:
    a, b = pair
    cid = _client(a)
    _exchange(a, b, tmp_path)
    svc.archive_client(a.db, cid)
    svc.update_client(b.db, cid, {"address": "Jl. Kenanga 7"})  # B has not heard of the deletion
    _exchange(a, b, tmp_path)
    _exchange(b, a, tmp_path)
    for inst in (a, b):
        assert _get(inst, cid).deleted  # the deletion stays in force until reviewed
        found = cf.list_conflicts(inst.db)
        assert [(c.column, c.kind, c.field_label) for c in found] == [
            (cf.DELETED, cf.KIND_DELETED, "Diubah setelah dihapus")]
        leaves = found[0].leaves
        assert [(x.value, x.deletion, x.current, x.where) for x in leaves] == [
            ("dihapus", True, True, a.name), ("Jl. Kenanga 7", False, False, b.name)]
        assert leaves[1].field_label == "Alamat"
    edit = cf.list_conflicts(a.db)[0].leaves[1]
    assert cf.resolve_conflict(a.db, "client", cid, cf.DELETED, edit.key)
    assert not _get(a, cid).deleted and _get(a, cid).address == "Jl. Kenanga 7"
    _exchange(a, b, tmp_path)
    assert cf.list_conflicts(b.db) == [] and not _get(b, cid).deleted
    assert a.dump() == b.dump()


def test_accepting_a_deletion_closes_it_everywhere(pair, tmp_path: Path) -> None:
    a, b = pair
    cid = _client(a)
    _exchange(a, b, tmp_path)
    svc.archive_client(a.db, cid)
    svc.update_client(b.db, cid, {"address": "Jl. Kenanga 7"})
    _exchange(a, b, tmp_path)
    _exchange(b, a, tmp_path)
    assert cf.resolve_conflict(b.db, "client", cid, cf.DELETED, cf.ACCEPT)
    assert _get(b, cid).deleted and cf.list_conflicts(b.db) == []
    _exchange(b, a, tmp_path)
    assert cf.list_conflicts(a.db) == [] and _get(a, cid).deleted
    assert a.dump() == b.dump()


def test_an_edit_after_seeing_the_deletion_by_the_same_office_is_no_conflict(pair, tmp_path: Path) -> None:
    a, b = pair
    cid = _client(a)
    svc.archive_client(a.db, cid)
    svc.update_client(a.db, cid, {"address": "Jl. Mawar 1"})
    _exchange(a, b, tmp_path)
    assert cf.list_conflicts(b.db) == []


def test_refresh_registers_opens_and_closes(pair, tmp_path: Path) -> None:
    a, b = pair
    cid = _phone_conflict(a, b, tmp_path)
    other = _client(a, "Rudi Hartono")
    with a.db.engine.begin() as conn:
        conn.execute(SyncOpenConflict.__table__.delete())
        conn.execute(insert(SyncOpenConflict).values(tbl="client", rid=other, col="name",
                                                     detected_at=dt.datetime.now(dt.UTC)))
        cf.refresh_registers(conn, [("client", cid, "phone"), ("client", other, "name")], bundle_id="x")
        rows = set(conn.execute(select(SyncOpenConflict.rid, SyncOpenConflict.col, SyncOpenConflict.bundle_id)))
    assert rows == {(cid, "phone", "x")}


def test_readable_values(pair) -> None:
    a, _b = pair
    with a.db.engine.connect() as conn:
        names = cf._Names(conn)
        worker = conn.execute(select(User.worker_id)).scalars().first()
        assert cf.readable_value("client", "birth_date", '"1990-05-06"', names) == "06-05-1990"
        assert cf.readable_value("client", "phone", None, names) == "(kosong)"
        assert cf.readable_value("client", "phone", '""', names) == "(kosong)"
        assert cf.readable_value("client", "sex", '"P"', names) == "Perempuan"
        assert cf.readable_value("client", "birth_date_estimated", "true", names) == "ya"
        assert cf.readable_value("client", "deleted", "true", names) == "dihapus"
        assert cf.readable_value("client_case", "worker_id", f'"{worker}"', names) == "Ayu Lestari"
        assert cf.readable_value("client", "wilayah_code", '"63"', names) == "Kalimantan Selatan (63)"
        assert cf.readable_value("client", "ppks_categories", "[]", names) == "(kosong)"


def test_describe_conflicts_for_the_preview(pair, tmp_path: Path) -> None:
    a, b = pair
    cid = _phone_conflict(a, b, tmp_path)
    svc.update_client(a.db, cid, {"birth_date": dt.date(1991, 1, 2)})
    svc.update_client(b.db, cid, {"birth_date": dt.date(1992, 3, 4)})
    target = tmp_path / "preview.lkssync"
    export_bundle(b.db, b.paths, [a.code], target)
    preview = import_bundle(a.db, a.paths, target, dry_run=True)
    lines = cf.describe_conflicts(a.db, preview.conflicts)
    # only the registers this file touches: the phone conflict came with an earlier file
    assert [(x.subject, x.table_label, x.field_label, x.winner, x.others) for x in lines] == [
        ("Siti Aminah", "Data klien", "Tanggal lahir", "04-03-1992", "02-01-1991")]


def test_same_nik_from_two_offices_goes_to_the_duplicate_review(pair, tmp_path: Path) -> None:
    a, b = pair
    nik = "6306014605900001"
    here = _client(a, "Siti Aminah", nik=nik)
    there = svc.create_client(b.db, {"name": "Siti Aminah Lestari", "sex": "P", "nik": nik}).id
    _exchange(a, b, tmp_path)
    _exchange(b, a, tmp_path)
    for inst in (a, b):
        pairs = [{p.a.id, p.b.id} for p in duplicates.review_list(inst.db)]
        assert {here, there} in pairs
    # both records are kept: nothing was merged or overwritten by the import
    assert _get(a, here).name == "Siti Aminah" and _get(a, there).name == "Siti Aminah Lestari"
    assert cf.list_conflicts(a.db) == []


def test_only_who_may_import_bundles_reviews_conflicts(db):
    import uuid as _uuid

    from atensi_desktop.security.roles import KEPALA, PEKSOS, Actor, PermissionDenied
    from atensi_desktop.sync.conflicts import ACCEPT, list_conflicts, resolve_conflict

    db.actor = Actor(user_id=_uuid.uuid4(), username="rina", name="Rina", role=PEKSOS)
    try:
        with pytest.raises(PermissionDenied):
            list_conflicts(db)
        with pytest.raises(PermissionDenied):
            resolve_conflict(db, "client", _uuid.uuid4(), "phone", ACCEPT)
        db.actor = Actor(user_id=_uuid.uuid4(), username="kepala", name="Kepala", role=KEPALA)
        assert list_conflicts(db) == []
    finally:
        db.actor = None
