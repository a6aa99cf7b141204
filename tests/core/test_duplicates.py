"""Duplicate clients (sync-design.md §2.6): check on entry, review queue, "bukan duplikat", merge by redirect."""

import datetime as dt
import json
import random

import pytest
from sqlalchemy import select

from atensi_desktop.db.models import Client, ClientCase, Version
from atensi_desktop.db.models.duplicate import DuplicateDecision, pair_id
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.services import clients as svc
from atensi_desktop.services import duplicates as dup
from atensi_desktop.services.demo import generate_demo
from atensi_desktop.sync.ids import uuid7

DESA = "63.06.01.2001"
DESA_2 = "63.06.01.2002"  # same kecamatan
FAR = "63.06.09.2003"  # another kecamatan
BORN = dt.date(1990, 9, 5)


def _client(db, name, *, sex="P", birth=BORN, desa=DESA, **more):
    return svc.create_client(db, {"name": name, "sex": sex, "birth_date": birth, "wilayah_code": desa, **more})


def _versions(db, rid, col=None):
    with db.session() as s:
        q = select(Version).where(Version.rid == rid)
        if col:
            q = q.where(Version.col == col)
        return list(s.scalars(q.order_by(Version.seq)))


def _entry(name, *, sex="P", birth=BORN, desa=DESA, **more):
    return {"name": name, "sex": sex, "birth_date": birth.isoformat(), "wilayah_code": desa, **more}


# --- check on entry ------------------------------------------------------------------------------------
def test_same_nik_is_found_whatever_the_name(db):
    siti = _client(db, "Siti Noer Djannah", nik="6306014509900001")
    found = dup.candidates_for(db, {"name": "Rahmah", "nik": "6306.0145 0990-0001"})
    assert [c.client.id for c in found] == [siti.id]
    assert found[0].score == 1.0 and found[0].same_nik
    assert found[0].reasons[0] == "NIK sama"
    assert found[0].client.display_id == siti.display_id


def test_spelling_variant_scores_high_and_is_explained(db):
    siti = _client(db, "Siti Noer Djannah")
    _client(db, "Ahmad Fauzi", sex="L")
    found = dup.candidates_for(db, _entry("Sitti Nur Jannah"))
    assert [c.client.id for c in found] == [siti.id]
    assert found[0].score >= 0.95 and not found[0].same_nik
    assert found[0].explanation == "nama sama (beda ejaan), tanggal lahir sama, desa sama"


def test_similar_name_gets_a_percentage(db):
    rizky = _client(db, "Muhammad Rizky", sex="L", desa=DESA_2)
    found = dup.candidates_for(db, _entry("Muhamad Rizki", sex="L"))
    assert [c.client.id for c in found] == [rizky.id]
    assert found[0].explanation == "nama 94% mirip, tanggal lahir sama, kecamatan sama"
    assert 0.75 <= found[0].score < 1


def test_swapped_day_and_month_and_word_order(db):
    budi = _client(db, "Budi Santoso", sex="L", desa=FAR)
    found = dup.candidates_for(db, _entry("Santoso Budi", sex="L", birth=dt.date(1990, 5, 9)))
    assert [c.client.id for c in found] == [budi.id]
    assert found[0].explanation == "nama sama (urutan kata berbeda), tanggal dan bulan lahir tertukar"


def test_single_common_name_needs_more_evidence(db):
    siti = _client(db, "Siti")
    assert dup.candidates_for(db, _entry("Siti", birth=dt.date(1985, 3, 2))) == []
    assert dup.candidates_for(db, _entry("Siti", desa=FAR)) == []  # same day, another kecamatan
    assert dup.candidates_for(db, _entry("Sita")) == []  # another name, however alike
    found = dup.candidates_for(db, _entry("Siti"))
    assert [c.client.id for c in found] == [siti.id]
    assert found[0].explanation == "nama sama, tanggal lahir sama, desa sama"
    hasanah = _client(db, "Hasanah", birth=dt.date(1974, 11, 11))
    found = dup.candidates_for(db, _entry("Haanah", birth=dt.date(1974, 11, 11)))  # a longer one: a typo
    assert [c.client.id for c in found] == [hasanah.id]
    assert found[0].explanation == "nama 87% mirip, tanggal lahir sama, desa sama"
    assert dup.candidates_for(db, _entry("Haanah", birth=dt.date(1974, 11, 11), desa=FAR)) == []


def test_shared_first_word_alone_is_not_enough(db):
    _client(db, "Siti Aminah")
    _client(db, "Muhammad Ramadhan", sex="L")
    assert dup.candidates_for(db, _entry("Siti Rahmah")) == []
    assert dup.candidates_for(db, _entry("Muhammad Rizky", sex="L")) == []


def test_same_name_in_the_desa_without_a_birth_date(db):
    """The desa block finds a namesake when the form has no birth date yet."""
    hasan = _client(db, "Hasan Basri", sex="L", birth=None)
    found = dup.candidates_for(db, {"name": "Hasan Basri", "sex": "L", "wilayah_code": DESA})
    assert [c.client.id for c in found] == [hasan.id]
    assert found[0].explanation == "nama sama, desa sama"


def test_alias_counts_as_a_name(db):
    ijai = _client(db, "Muhammad Zainal", sex="L", alias="Ijai Kurnia")
    found = dup.candidates_for(db, _entry("Ijai Kurnia", sex="L"))
    assert [c.client.id for c in found] == [ijai.id]
    assert found[0].reasons[0] == "nama sama dengan nama alias"


def test_estimated_birth_date_of_an_elder_in_the_same_desa(db):
    abdul = _client(db, "Abdul Rahman", sex="L", birth=dt.date(1950, 7, 1), birth_date_estimated=True)
    found = dup.candidates_for(db, _entry("Abdoel Rachman", sex="L", birth=dt.date(1951, 12, 31)))
    assert [c.client.id for c in found] == [abdul.id]
    assert found[0].explanation == (
        "nama 97% mirip, tahun lahir berdekatan (tanggal lahir perkiraan), desa sama")
    assert dup.candidates_for(db, _entry("Abdul Rahman", sex="L", birth=dt.date(1958, 1, 1))) == []


def test_archived_merged_and_the_client_itself_are_left_out(db):
    a = _client(db, "Siti Noer Djannah")
    b = _client(db, "Siti Nur Jannah")
    c = _client(db, "Sitti Nurjannah")
    svc.archive_client(db, c.id)
    assert {x.client.id for x in dup.candidates_for(db, _entry("Siti Nur Janah"))} == {a.id, b.id}
    assert [x.client.id for x in dup.candidates_for(db, _entry("Siti Nur Janah"), exclude=a.id)] == [b.id]
    dup.merge(db, a.id, b.id)
    assert [x.client.id for x in dup.candidates_for(db, _entry("Siti Nur Janah"))] == [a.id]


def test_nik_of_a_merged_record_points_to_the_survivor(db):
    survivor = _client(db, "Siti Nur Jannah")
    loser = _client(db, "Siti N. Jannah", nik="6306014509900001")
    dup.merge(db, survivor.id, loser.id)
    found = dup.candidates_for(db, {"name": "Siti", "nik": "6306014509900001"})
    assert [c.client.id for c in found] == [survivor.id]
    assert found[0].reasons[0] == "NIK sama dengan data yang sudah digabung ke klien ini"


def test_limit_and_order_are_deterministic(db):
    ids = [_client(db, "Rahmat Hidayat", sex="L").id for _ in range(4)]
    near = _client(db, "Rahmad Hidayat", sex="L", desa=FAR).id
    found = dup.candidates_for(db, _entry("Rahmat Hidayat", sex="L"), limit=3)
    assert [c.client.id for c in found] == sorted(ids, key=lambda u: u.bytes)[:3]
    everything = dup.candidates_for(db, _entry("Rahmat Hidayat", sex="L"))
    assert everything[-1].client.id == near and everything[-1].score < everything[0].score


# --- review list and "bukan duplikat" ------------------------------------------------------------------
def test_review_list_pairs_same_nik_and_same_day_names(db):
    a = _client(db, "Siti Noer Djannah", nik="6306014509900001")
    b = _client(db, "Halimah", nik="6306014509900001", desa=FAR)
    c = _client(db, "Ahmad Hidayat", sex="L", desa=FAR)
    d = _client(db, "Ahmad Hidayah", sex="L", desa=FAR)
    _client(db, "Ahmad Hidayat", sex="P", desa=FAR)  # same day, other sex: not paired with c or d
    _client(db, "Ahmad Hidayat", sex="L", birth=dt.date(1991, 9, 5), desa=FAR)  # other day
    _client(db, "Siti Rahmah")  # same day as a, a different name
    pairs = dup.review_list(db)
    assert [{p.a.id, p.b.id} for p in pairs] == [{a.id, b.id}, {c.id, d.id}]
    first, second = pairs
    assert first.same_nik and first.score == 1.0 and first.explanation.startswith("NIK sama, nama ")
    assert first.a.id.bytes < first.b.id.bytes and first.pair_id == pair_id(a.id, b.id)
    assert second.explanation == "nama 95% mirip, tanggal lahir sama, desa sama"
    assert dup.review_list(db) == pairs  # a pure function of the data
    assert dup.review_list(db, limit=1, offset=1) == [second]


def test_review_list_compares_aliases_and_unknown_sex(db):
    zainal = _client(db, "Muhammad Zainal", sex="L", alias="Ijai")
    ijai = svc.create_client(db, {"name": "Ijai", "birth_date": BORN, "wilayah_code": DESA})
    _client(db, "Siti Aminah")  # same day, nothing alike
    pairs = dup.review_list(db)
    assert [{p.a.id, p.b.id} for p in pairs] == [{zainal.id, ijai.id}]
    assert pairs[0].explanation == "nama sama dengan nama alias, tanggal lahir sama, desa sama"


def test_distinct_pairs_leave_the_review_list_and_the_entry_check(db):
    a = _client(db, "Siti Noer Djannah")
    b = _client(db, "Sitti Nur Jannah")
    assert len(dup.review_list(db)) == 1
    decision_id = dup.mark_distinct(db, b.id, a.id, note="kembar")
    assert decision_id == pair_id(a.id, b.id)
    assert dup.review_list(db) == []
    assert dup.candidates_for(db, _entry("Sitti Nur Jannah"), exclude=a.id) == []
    # a new client is still checked against both
    assert len(dup.candidates_for(db, _entry("Sitti Nur Jannah"))) == 2
    with db.session() as s:
        row = s.get(DuplicateDecision, decision_id)
        assert (row.client_a, row.client_b) == tuple(sorted((a.id, b.id), key=lambda u: u.bytes))
        assert (row.verdict, row.note, row.deleted) == ("distinct", "kembar", False)


def test_mark_distinct_twice_changes_nothing_and_revives_a_withdrawn_decision(db):
    a = _client(db, "Siti Noer Djannah")
    b = _client(db, "Sitti Nur Jannah")
    pid = dup.mark_distinct(db, a.id, b.id, note="kembar")
    before = len(_versions(db, pid))
    assert dup.mark_distinct(db, b.id, a.id) == pid
    assert dup.mark_distinct(db, a.id, b.id, note="kembar") == pid
    assert len(_versions(db, pid)) == before
    dup.unmark_distinct(db, a.id, b.id)
    assert len(dup.review_list(db)) == 1
    dup.mark_distinct(db, a.id, b.id)
    assert dup.review_list(db) == []
    assert [(v.col, json.loads(v.val)) for v in _versions(db, pid)[before:]] == [("deleted", True), ("deleted", False)]
    with pytest.raises(UserError):
        dup.mark_distinct(db, a.id, a.id)
    with pytest.raises(NotFoundError):
        dup.mark_distinct(db, a.id, uuid7())


# --- merge, unmerge, redirects -------------------------------------------------------------------------
def _case(db, client_id):
    with db.session() as s:
        case = ClientCase(display_id="K-" + str(client_id)[:6], client_id=client_id, stage="asesmen",
                          opened_on=dt.date(2025, 1, 2))
        s.add(case)
        s.flush()
        return case.id


def test_merge_copies_chosen_fields_and_redirects_with_versions(db):
    survivor = _client(db, "Siti Nur Jannah", phone="081111111111", address="Jl. Lama")
    loser = _client(db, "Siti Noer Djannah", phone="082222222222", address="Jl. Baru No. 3", alias="Ijah",
                    nik="6306014509900001")
    case_id = _case(db, loser.id)
    before = len(_versions(db, survivor.id))
    merged = dup.merge(db, survivor.id, loser.id,
                       take={"phone": "loser", "alias": "loser", "nik": "loser", "address": "survivor"})
    assert merged.id == survivor.id and merged.merged_into is None
    assert (merged.values["phone"], merged.values["alias"], merged.values["nik"]) == (
        "082222222222", "Ijah", "6306014509900001")
    assert merged.values["address"] == "Jl. Lama" and merged.values["name"] == "Siti Nur Jannah"
    assert sorted(v.col for v in _versions(db, survivor.id)[before:]) == ["alias", "nik", "phone"]
    redirect = _versions(db, loser.id, "merged_into")
    assert [json.loads(v.val) for v in redirect] == [str(survivor.id)]
    assert svc.get_client(db, loser.id).merged_into == survivor.id
    with db.session() as s:  # child rows are not rewritten
        assert s.get(ClientCase, case_id).client_id == loser.id
    assert dup.resolve(db, loser.id) == survivor.id and dup.resolve(db, survivor.id) == survivor.id
    assert dup.merged_records(db, survivor.id) == [loser.id]
    assert dup.review_list(db) == []


def test_merge_refuses_an_invalid_result_and_writes_nothing(db):
    survivor = _client(db, "Siti Nur Jannah")
    loser = _client(db, "Siti Noer Djannah", birth=dt.date(1991, 1, 1), nik="6306014101910001")
    with pytest.raises(ValidationError) as err:
        dup.merge(db, survivor.id, loser.id, take={"nik": "loser"})
    assert "Tanggal lahir di NIK (01-01-1991)" in err.value.problems["birth_date"]
    assert svc.get_client(db, loser.id).merged_into is None
    assert svc.get_client(db, survivor.id).values["nik"] is None
    merged = dup.merge(db, survivor.id, loser.id, take={"nik": "loser", "birth_date": "loser"})
    assert merged.values["birth_date"] == dt.date(1991, 1, 1)
    with pytest.raises(ValueError):
        dup.merge(db, survivor.id, loser.id, take={"merged_into": "loser"})


def test_merge_refusals_are_explained(db):
    a = _client(db, "Siti Nur Jannah")
    b = _client(db, "Siti Noer Djannah")
    c = _client(db, "Sitti Nurjanah")
    with pytest.raises(UserError, match="dirinya sendiri"):
        dup.merge(db, a.id, a.id)
    with pytest.raises(NotFoundError):
        dup.merge(db, a.id, uuid7())
    dup.merge(db, a.id, b.id)
    with pytest.raises(UserError, match="lingkaran") as err:
        dup.merge(db, b.id, a.id)
    assert err.value.message == (f"{b.display_id} sudah digabung ke {a.display_id}; menggabungkan "
                                 f"{a.display_id} ke {b.display_id} akan membuat lingkaran.")
    with pytest.raises(UserError, match="sudah digabung ke klien lain") as err:
        dup.merge(db, b.id, c.id)
    assert err.value.hint == f"Gabungkan ke {a.display_id} saja."
    with pytest.raises(UserError, match=f"sudah digabung ke {a.display_id}"):
        dup.merge(db, c.id, b.id)
    svc.archive_client(db, c.id)
    with pytest.raises(UserError, match="sudah diarsipkan"):
        dup.merge(db, c.id, a.id)
    assert svc.get_client(db, a.id).merged_into is None


def test_unmerge_restores_the_record(db):
    a = _client(db, "Siti Nur Jannah")
    b = _client(db, "Siti Noer Djannah")
    dup.merge(db, a.id, b.id)
    assert dup.unmerge(db, b.id).merged_into is None
    assert [v.val for v in _versions(db, b.id, "merged_into")] == [f'"{a.id}"', None]
    assert dup.resolve(db, b.id) == b.id and dup.merged_records(db, a.id) == []
    dup.unmerge(db, b.id)  # nothing to undo: no version
    assert len(_versions(db, b.id, "merged_into")) == 2
    assert len(dup.review_list(db)) == 1


def _redirect(db, source, target):
    """What sync can produce: merged_into written directly, without merge()'s checks."""
    with db.session() as s:
        s.get(Client, source).merged_into = target


def test_redirect_chains_and_cycles_resolve_the_same_everywhere(db):
    a, b, c, d = (_client(db, n).id for n in ("Siti A", "Siti B", "Siti C", "Siti D"))
    _redirect(db, d, c)
    _redirect(db, c, b)
    assert dup.resolve(db, d) == b
    assert dup.merged_records(db, b) == [c, d]
    _redirect(db, b, a)
    _redirect(db, a, c)  # a -> c -> b -> a, with d leading into the cycle
    smallest = min((a, b, c), key=lambda u: u.bytes)
    assert {dup.resolve(db, x) for x in (a, b, c, d)} == {smallest}
    assert dup.redirect_cycles(db) == [tuple(_rotate([a, c, b], smallest))]
    with pytest.raises(NotFoundError):
        dup.resolve(db, uuid7())


def _rotate(cycle, first):
    i = cycle.index(first)
    return cycle[i:] + cycle[:i]


def test_redirect_to_a_record_not_yet_synced_stops_there(db):
    a = _client(db, "Siti A").id
    _redirect(db, a, uuid7())
    assert dup.resolve(db, a) == a


# --- bulk data -----------------------------------------------------------------------------------------
def test_demo_clients_with_spelling_variants_are_found(db):
    generate_demo(db, 400, seed=5, today=dt.date(2026, 1, 1))
    rng = random.Random(3)
    with db.session() as s:
        rows = s.execute(select(Client.id, Client.name, Client.sex, Client.birth_date, Client.wilayah_code)
                         .order_by(Client.id)).all()
    for cid, name, sex, birth, desa in rng.sample(rows, 20):
        variant = name.replace("u", "oe").replace("j", "dj") + "h"
        found = dup.candidates_for(db, {"name": variant, "sex": sex, "birth_date": birth, "wilayah_code": desa})
        assert cid in [c.client.id for c in found], (name, variant)
    pairs = dup.review_list(db, limit=1000)
    assert pairs == dup.review_list(db, limit=1000)
    assert pairs == sorted(pairs, key=lambda p: (-p.score, p.a.id.bytes, p.b.id.bytes))
    assert all(p.a.birth_date == p.b.birth_date or p.same_nik for p in pairs)


# --- the batch check (imports) gives what the check on entry gives, client by client -------------------
def _batch_entries(db, rng: random.Random) -> list[dict]:
    """New clients resembling a generated registry: spelling variants, near and swapped birth dates,
    the same NIK, aliases, one-word names, missing fields, kecamatan-level wilayah, and strangers."""
    with db.session() as s:
        people = s.execute(select(Client.name, Client.nik, Client.sex, Client.birth_date, Client.wilayah_code)
                           .order_by(Client.display_id)).all()
    variants = (("u", "oe"), ("j", "dj"), ("c", "tj"), ("i", "ie"), ("y", "i"))
    entries: list[dict] = []
    for name, nik, sex, birth, desa in rng.sample(people, 260):
        roll = rng.random()
        for new, old in variants:
            if new in name and rng.random() < 0.5:
                name = name.replace(new, old, 1)
        if roll < 0.15:
            name = name + name[-1]
        elif roll < 0.25:
            name = " ".join(reversed(name.split()))
        elif roll < 0.3:
            name = name.split()[0]
        if rng.random() < 0.3:
            birth = birth + dt.timedelta(days=rng.choice((-1, 1, 30, 400)))
        if rng.random() < 0.1 and birth.day <= 12:
            birth = birth.replace(month=birth.day, day=birth.month)
        entry = {"name": name, "sex": sex if rng.random() < 0.9 else None,
                 "birth_date": birth.isoformat() if rng.random() < 0.93 else None,
                 "wilayah_code": desa if rng.random() < 0.85 else desa[:8],
                 "nik": nik if rng.random() < 0.3 else None}
        if rng.random() < 0.08:
            entry["alias"] = rng.choice(people)[0].split()[0]
        entries.append(entry)
    entries += [{"name": "Zzyzx Qwerty", "sex": "L", "birth_date": "1970-01-01", "wilayah_code": DESA},
                {"name": "", "nik": people[0][1]}, {"name": "A", "wilayah_code": DESA}, {}]
    return entries


@pytest.mark.parametrize("block_limit", [dup._BLOCK_LIMIT, 12])
def test_batch_check_equals_the_check_one_by_one(db, monkeypatch, block_limit):
    rng = random.Random(11)
    generate_demo(db, 1500, seed=4, today=dt.date(2026, 11, 23))
    ids = svc.client_ids(db)
    with db.session() as s:
        first = s.get(Client, ids[0])
        svc.update_client(db, ids[1], {"alias": first.name})  # an alias in the registry
    svc.archive_client(db, ids[2])
    dup.merge(db, ids[3], ids[4])  # the merged record's NIK leads to the survivor
    with db.session() as s:  # the registry's own likely duplicates: some new clients resemble two
        twins = s.execute(select(Client.name, Client.sex, Client.birth_date, Client.wilayah_code)
                          .where(Client.id.in_(list(ids[10:410:10])))).all()
    for name, sex, birth, desa in twins:
        _client(db, name.replace("a", "aa", 1), sex=sex, birth=birth, desa=desa)
    monkeypatch.setattr(dup, "_BLOCK_LIMIT", block_limit)  # 12: some blocks are cut, those asked one by one
    entries = _batch_entries(db, rng)
    with db.session() as s:
        merged_nik, archived_nik = (s.get(Client, i).nik for i in (ids[4], ids[2]))
    entries += [{"name": "Nama Lain Sekali", "nik": merged_nik}, {"name": "Arsip", "nik": archived_nik}]
    name, sex, birth, desa = twins[0]
    entries.append({"name": "Panggilan Berbeda Jauh", "alias": name, "sex": sex, "birth_date": birth.isoformat(),
                    "wilayah_code": desa})
    one_by_one = [dup.candidates_for(db, e) for e in entries]
    monkeypatch.setattr(dup, "BATCH_SCAN_MIN", 0)
    batch = dup.candidates_for_many(db, entries)
    assert batch == one_by_one
    # the comparison is not vacuous: fuzzy and same-NIK candidates, several per client, and merged
    flat = [c for found in batch for c in found]
    assert sum(1 for found in batch if found) > 150
    # (about 30% of the 260 entries carry a NIK, and some generated people have none: 50-70 same-NIK finds)
    assert sum(1 for c in flat if c.same_nik) > 30 and sum(1 for c in flat if not c.same_nik) > 100
    assert any(len(found) > 1 for found in batch)
    assert any("digabung" in c.explanation for c in flat)
    assert any("alias" in c.explanation for c in flat)
    # and below BATCH_SCAN_MIN the check on entry is asked client by client: the same again
    monkeypatch.setattr(dup, "BATCH_SCAN_MIN", 10_000)
    assert dup.candidates_for_many(db, entries[:40]) == one_by_one[:40]


def test_batch_check_can_be_cancelled(db, monkeypatch):
    from atensi_desktop.errors import Cancelled
    from atensi_desktop.progress import Progress

    generate_demo(db, 300, seed=2)
    monkeypatch.setattr(dup, "BATCH_SCAN_MIN", 0)
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        dup.candidates_for_many(db, [_entry("Siti Aminah")] * 5, progress=progress)


def test_batch_check_keeps_a_name_exactly_at_the_threshold(db, monkeypatch):
    """Jaro-Winkler('bamang hakim', 'bambang') is exactly NAME_MIN (0.85): rapidfuzz's cutoff alone would
    drop it (CUTOFF_MARGIN), the check on entry keeps it, and so must the batch check."""
    from rapidfuzz.distance import JaroWinkler

    assert JaroWinkler.normalized_similarity("bamang hakim", "bambang") == pytest.approx(dup.NAME_MIN)
    bambang = _client(db, "Bambang", sex="L")
    entry = _entry("Bamang Hakim", sex="L")
    single = dup.candidates_for(db, entry)
    assert [c.client.id for c in single] == [bambang.id] and "nama 85% mirip" in single[0].explanation
    monkeypatch.setattr(dup, "BATCH_SCAN_MIN", 0)
    assert dup.candidates_for_many(db, [entry, _entry("Orang Lain")]) == [single, []]
