"""Field-level versions, tombstones, site identity and the HLC (sync-design.md §2) on the real models."""

import datetime as dt
import json
import shutil
import uuid

import pytest
from sqlalchemy import func, select

from atensi_desktop.db.bootstrap import current_site, fork_site, open_database
from atensi_desktop.db.models import ChangeSet, Client, Household, SyncState, Version
from atensi_desktop.errors import UserError
from atensi_desktop.paths import resolve_paths
from atensi_desktop.services import clients as svc
from atensi_desktop.sync import hlc
from atensi_desktop.sync.ids import uuid7, uuid7_ms
from atensi_desktop.sync.versioning import bulk_insert, tick


def _versions(db, rid, col=None):
    with db.session() as s:
        q = select(Version).where(Version.rid == rid)
        if col:
            q = q.where(Version.col == col)
        return list(s.scalars(q.order_by(Version.seq)))


def test_two_edits_to_different_fields_make_two_versions(db):
    client = svc.create_client(db, {"name": "Siti Aminah", "sex": "P"})
    created = _versions(db, client.id)
    assert {v.col for v in created} >= {"name", "sex", "display_id"}
    svc.update_client(db, client.id, {"alias": "Ami"})
    svc.update_client(db, client.id, {"phone": "081234567890"})
    after = _versions(db, client.id)
    new = after[len(created):]
    assert [(v.col, json.loads(v.val)) for v in new] == [("alias", "Ami"), ("phone", "081234567890")]
    assert new[0].hlc < new[1].hlc and new[0].seq < new[1].seq
    # the unchanged name was not re-versioned, and an edit that changes nothing writes nothing
    svc.update_client(db, client.id, {"alias": "Ami"})
    assert len(_versions(db, client.id)) == len(after)


def test_a_second_edit_of_one_field_names_its_parent(db):
    client = svc.create_client(db, {"name": "Budi", "sex": "L"})
    svc.update_client(db, client.id, {"name": "Budi Santoso"})
    names = _versions(db, client.id, "name")
    assert len(names) == 2
    assert json.loads(names[1].parents) == [[names[0].hlc, names[0].site]]
    assert names[0].parents is None


def test_archived_client_is_hidden_not_gone(db):
    keep = svc.create_client(db, {"name": "Ahmad Fauzi", "sex": "L"})
    gone = svc.create_client(db, {"name": "Rahmat Hidayat", "sex": "L"})
    svc.archive_client(db, gone.id)
    assert svc.client_ids(db) == [keep.id]
    assert svc.count_clients(db) == 1
    assert set(svc.client_ids(db, svc.ClientQuery(include_archived=True))) == {keep.id, gone.id}
    assert svc.get_client(db, gone.id).archived
    deleted = _versions(db, gone.id, "deleted")
    assert [json.loads(v.val) for v in deleted] == [True]
    svc.restore_client(db, gone.id)
    assert svc.count_clients(db) == 2
    assert [json.loads(v.val) for v in _versions(db, gone.id, "deleted")] == [True, False]


def test_synced_rows_cannot_be_hard_deleted(db):
    client = svc.create_client(db, {"name": "Jamilah", "sex": "P"})
    with pytest.raises(RuntimeError, match="never deleted"), db.session() as s:
        s.delete(s.get(Client, client.id))
    assert svc.count_clients(db) == 1


def test_versions_record_user_and_office(db):
    db.user_id, db.office_id = uuid7(), uuid7()
    client = svc.create_client(db, {"name": "Fatimah", "sex": "P"})
    rows = _versions(db, client.id)
    with db.session() as s:
        users = set(s.scalars(select(ChangeSet.user_id).join(
            Version, (Version.site == ChangeSet.site) & (Version.hlc == ChangeSet.hlc)).where(Version.rid == client.id)))
    assert users == {db.user_id}
    owner = [v for v in rows if v.col == "owner_office_id"]
    assert owner and json.loads(owner[0].val) == str(db.office_id)
    with db.session() as s:
        row = s.get(Client, client.id)
        assert row.created_by == db.user_id and row.owner_office_id == db.office_id


def test_bulk_insert_writes_the_same_versions_as_the_flush_hook(db):
    with db.session() as s:
        hh = bulk_insert(s, Household, [{"no_kk": "6306011203150001", "wilayah_code": "63.06.01.2001"}])
        ids = bulk_insert(s, Client, [{"display_id": "T-1", "name": "Noor Jannah", "sex": "P",
                                       "household_id": hh[0]}])
    rows = _versions(db, ids[0])
    assert {v.col: json.loads(v.val) for v in rows} == {
        "display_id": "T-1", "name": "Noor Jannah", "sex": "P", "household_id": str(hh[0])}
    with db.session() as s:
        assert s.get(Client, ids[0]).name_norm == "nur janah"


def test_sequence_numbers_are_dense_and_unique(db):
    for i in range(5):
        svc.create_client(db, {"name": f"Klien {i}", "sex": "L"})
    with db.session() as s:
        seqs = list(s.scalars(select(Version.seq).order_by(Version.seq)))
        state = s.get(SyncState, 1)
    assert seqs == list(range(1, len(seqs) + 1))
    assert state.seq == seqs[-1]


def test_clock_refuses_writes_when_the_computer_date_went_back(db):
    svc.create_client(db, {"name": "Klien Awal", "sex": "L"})
    with db.session() as s:
        last = s.get(SyncState, 1).hlc
    two_days_back = hlc.physical_ms(last) - 2 * 24 * 3600 * 1000
    with pytest.raises(UserError, match="Tanggal"), db.session() as s:
        tick(s.connection(), 1, now_ms=two_days_back)
    with db.session() as s:
        assert s.get(SyncState, 1).hlc == last


def test_hlc_tick_is_monotonic_when_the_wall_clock_stalls():
    last = hlc.pack(1_000)
    assert hlc.next_hlc(last, 1_000) == last + 1
    assert hlc.next_hlc(last, 999) == last + 1
    assert hlc.next_hlc(last, 1_001) == hlc.pack(1_001)


def test_uuid7_is_time_ordered_and_versioned():
    ids = [uuid7() for _ in range(2000)]
    assert ids == sorted(ids, key=lambda u: u.bytes)
    assert len(set(ids)) == 2000
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in ids)
    assert abs(uuid7_ms(ids[0]) - dt.datetime.now().timestamp() * 1000) < 60_000


def test_copied_database_file_gets_a_new_site_before_its_first_write(tmp_path):
    paths = resolve_paths(tmp_path / "a").ensure()
    db = open_database(paths.default_db_url, paths)
    svc.create_client(db, {"name": "Sebelum Salin", "sex": "L"})
    original_site = current_site(db)
    db.dispose()
    copy_dir = tmp_path / "b"
    copy_dir.mkdir()
    shutil.copy(paths.default_db_file, copy_dir / "atensi.db")
    copy_paths = resolve_paths(copy_dir).ensure()
    copy = open_database(copy_paths.default_db_url, copy_paths)
    copied_site = current_site(copy)
    assert copied_site != original_site
    client = svc.create_client(copy, {"name": "Sesudah Salin", "sex": "P"})
    with copy.session() as s:
        new_rows = list(s.scalars(select(Version).where(Version.rid == client.id)))
        state = s.get(SyncState, 1)
        sites = s.scalar(select(func.count()).select_from(Version).where(Version.site == state.site))
    assert {v.site for v in new_rows} == {state.site}
    assert sites == len(new_rows) and min(v.seq for v in new_rows) == 1
    copy.dispose()
    again = open_database(paths.default_db_url, paths)  # the original keeps its identity
    assert current_site(again) == original_site
    assert fork_site(again) != original_site
    again.dispose()
