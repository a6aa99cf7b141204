"""Client search, filters and paging (services/clients.py) on SQLite and PostgreSQL, and the trigram index."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from atensi_desktop.db.models import Client, ClientCase, Household, Worker
from atensi_desktop.domain.names import normalize_name
from atensi_desktop.services import clients as svc
from atensi_desktop.services.demo import generate_demo
from atensi_desktop.sync.ids import uuid7
from atensi_desktop.sync.versioning import bulk_insert

TODAY = dt.date(2026, 3, 1)
Q = svc.ClientQuery


def ids(db, **query) -> list[uuid.UUID]:
    return list(svc.client_ids(db, Q(**query), today=TODAY))


def found(db, text: str, **query) -> set[uuid.UUID]:
    """What a search finds, checked to agree across the list (ids), the page and the count."""
    q = Q(text=text, **query)
    listed = list(svc.client_ids(db, q, today=TODAY))
    assert [r.id for r in svc.client_page(db, q, 0, 1000, today=TODAY)] == listed
    assert svc.count_clients(db, q, today=TODAY) == len(listed)
    return set(listed)


def _new(db, name: str, **values) -> uuid.UUID:
    return svc.create_client(db, {"name": name, **values}).id


def _household(db, no_kk: str) -> uuid.UUID:
    with db.session() as s:
        hh = Household(no_kk=no_kk, wilayah_code="63.06.01.2001")
        s.add(hh)
        s.flush()
        return hh.id


def _case(db, client_id: uuid.UUID, stage: str, worker_id: uuid.UUID | None = None, *, deleted=False) -> None:
    with db.session() as s:
        s.add(ClientCase(display_id="K-1", client_id=client_id, stage=stage, worker_id=worker_id,
                         opened_on=dt.date(2026, 1, 5), deleted=deleted))


def _set(db, client_id: uuid.UUID, **values) -> None:
    """Columns the edit form does not change (merged_into, display_id), set through the ORM (versioned)."""
    with db.session() as s:
        client = s.get(Client, client_id)
        for key, value in values.items():
            setattr(client, key, value)


# --- the text: name parts, spelling variants, alias, NIK, No. KK, display id ------------------------------


def test_name_parts_and_spelling_variants(db):
    siti = _new(db, "Siti Noer Djannah", sex="P")
    sitti = _new(db, "Sitti Nurdjanah", sex="P")
    ahmad = _new(db, "Ahmad Tjahjono", sex="L")
    assert found(db, "nur jannah") == {siti, sitti}  # Noer/Nur, Djannah/Jannah, double letters; "nurjanah"
    assert found(db, "jannah") == {siti, sitti}  # inside a word too
    assert found(db, "JANNAH noer siti") == {siti, sitti}  # any case, any order of the parts
    assert found(db, "noer djannah") == {siti, sitti}
    assert found(db, "nur jannah ahmad") == set()
    assert found(db, "Siti") == {siti, sitti}  # Sitti/Siti
    assert found(db, "cahjono") == {ahmad}  # tj -> c
    assert found(db, "TJAHJ") == {ahmad}
    assert found(db, "  ahmad   tjahjono ") == {ahmad}
    assert found(db, "budi") == set()


def test_accents_and_punctuation_are_ignored(db):
    a = _new(db, "Zulaïkha Nur'aini")
    b = _new(db, "Muhammad Ridhö")
    assert found(db, "zulaikha") == {a}
    assert found(db, "nuraini") == {a}
    assert found(db, "RIDHO") == {b}
    assert found(db, "ridhô") == {b}


def test_short_parts_match_the_start_of_a_word(db):
    siti = _new(db, "Siti Aminah")
    amin = _new(db, "Aminuddin")
    budi = _new(db, "Budi Santoso")
    assert found(db, "am") == {siti, amin}  # "am" starts a word in both
    assert found(db, "in") == set()  # inside words only: too short to mean anything there
    assert found(db, "s") == {siti, budi}
    assert found(db, "siti a") == {siti}
    assert found(db, "b santoso") == {budi}
    assert found(db, "min") == {siti, amin}  # three letters: anywhere


def test_alias_is_searched_with_the_same_normalisation(db):
    a = _new(db, "Mardiana", alias="Mak Djamilah")
    b = _new(db, "Jamilah Sari")
    assert found(db, "jamilah") == {a, b}
    assert found(db, "mak") == {a}
    assert found(db, "mardiana mak") == {a}  # one part in the name, one in the alias


def test_nik_prefix_with_spaces_or_dots(db):
    a = _new(db, "Siti", sex="P", nik="6306014509900001", birth_date=dt.date(1990, 9, 5))
    b = _new(db, "Budi", sex="L", nik="6306021203850002", birth_date=dt.date(1985, 3, 12))
    _new(db, "Tanpa NIK")
    assert found(db, "6306") == {a, b}
    assert found(db, "630601") == {a}
    assert found(db, "63.06.01") == {a}
    assert found(db, "6306 0145") == {a}
    assert found(db, "6306014509900001") == {a}
    assert found(db, "63060145099000019") == set()
    assert found(db, "7106") == set()


def test_no_kk_prefix_finds_every_member_of_the_household(db):
    kk = _household(db, "6306010101200001")
    other = _household(db, "6371010101200002")
    head = _new(db, "Kepala Keluarga", household_id=kk, relation_to_head="kepala_keluarga")
    child = _new(db, "Anak Kepala", household_id=kk, relation_to_head="anak")
    _new(db, "Lain", household_id=other)
    assert found(db, "63060101012") == {head, child}
    assert found(db, "6306010101200001") == {head, child}


def test_display_id_prefix_in_any_case(db):
    a = svc.create_client(db, {"name": "Siti"})
    b = svc.create_client(db, {"name": "Budi"})
    assert found(db, a.display_id) == {a.id}
    assert found(db, a.display_id.lower()) == {a.id}
    assert found(db, a.display_id[:-2].lower()) >= {a.id}
    assert found(db, a.display_id.split("-")[0] + "-") == {a.id, b.id}
    assert svc.find_by_display_id(db, a.display_id.lower()) == [a.id]


def test_codes_are_prefixes_even_where_the_collation_ignores_punctuation(db):
    """PostgreSQL in a glibc locale compares '63.06.01.2001' as '6306012001': no ranges on dotted codes."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite compares bytes")
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE COLLATION IF NOT EXISTS test_shifted (provider = icu, locale = 'und-u-ka-shifted')")
        conn.exec_driver_sql("ALTER TABLE client ALTER COLUMN wilayah_code TYPE varchar(13) COLLATE test_shifted")
        conn.exec_driver_sql("ALTER TABLE client ALTER COLUMN display_id TYPE varchar(20) COLLATE test_shifted")
        assert conn.exec_driver_sql("SELECT '63.06.01.2001' COLLATE test_shifted > '63.06.01/'").scalar()
    inside = _new(db, "Siti", wilayah_code="63.06.01.2001")
    _new(db, "Budi", wilayah_code="63.06.02.2001")
    assert ids(db, wilayah="63.06.01") == [inside]
    a, b = _new(db, "Ani"), _new(db, "Ana")
    _set(db, a, display_id="ATS-A1")
    _set(db, b, display_id="ATSA-1")
    assert found(db, "ATS-A") == {a}


def test_punctuation_alone_finds_nothing_and_never_reaches_the_index_query(db):
    a = _new(db, "Siti")
    assert found(db, "???") == set()
    assert found(db, '"siti"*') == {a}
    assert found(db, 'siti" OR "a') == set()  # "or" and "a" are name parts like any other


# --- archived, merged ---------------------------------------------------------------------------------------


def test_archived_only_when_asked_merged_never(db):
    live = _new(db, "Siti Aminah")
    archived = _new(db, "Siti Rahmah")
    merged = _new(db, "Sitti Aminah")
    svc.archive_client(db, archived)
    _set(db, merged, merged_into=live)
    assert found(db, "siti") == {live}
    assert found(db, "siti", include_archived=True) == {live, archived}
    assert set(ids(db)) == {live}
    assert set(ids(db, include_archived=True)) == {live, archived}
    svc.restore_client(db, archived)
    assert found(db, "siti") == {live, archived}


# --- filters ------------------------------------------------------------------------------------------------


@pytest.fixture
def people(db):
    """Six clients covering every filter; returns (db, {label: id}, worker ids)."""
    with db.session() as s:
        w1, w2 = Worker(name="Pendamping Satu", worker_type="tks"), Worker(name="Pendamping Dua", worker_type="tks")
        s.add_all([w1, w2])
        s.flush()
        workers = (w1.id, w2.id)
    made = {
        "child": _new(db, "Ahmad Kecil", sex="L", birth_date=dt.date(2015, 6, 1), cluster="anak",
                      ppks_categories=["anak_telantar"], wilayah_code="63.06.01.2001"),
        "turns18": _new(db, "Budi Dewasa", sex="L", birth_date=dt.date(2008, 3, 1), cluster="ppks_lainnya",
                        ppks_categories=["fakir_miskin"], wilayah_code="63.06.01.2002"),
        "almost18": _new(db, "Citra Remaja", sex="P", birth_date=dt.date(2008, 3, 2), cluster="anak",
                         ppks_categories=["anak_jalanan", "fakir_miskin"], wilayah_code="63.06.02.2001"),
        "turns60": _new(db, "Dewi Tua", sex="P", birth_date=dt.date(1966, 3, 1), cluster="lanjut_usia",
                        ppks_categories=["lanjut_usia_telantar", "fakir_miskin"], wilayah_code="63.06.01.2001"),
        "adult": _new(db, "Eko Siti", sex="L", birth_date=dt.date(1966, 3, 2), cluster="penyandang_disabilitas",
                      ppks_categories=["penyandang_disabilitas"], wilayah_code="63.06.01.1001"),
        "unknown": _new(db, "Fajar Tanpa Data"),
    }
    _case(db, made["child"], "asesmen", workers[0])
    _case(db, made["turns60"], "asesmen", workers[1])
    _case(db, made["turns60"], "terminasi", workers[0])
    _case(db, made["adult"], "asesmen", workers[0], deleted=True)  # a tombstoned case does not count
    return db, made, workers


def _labels(made, got) -> set[str]:
    names = {v: k for k, v in made.items()}
    return {names[i] for i in got}


def test_each_filter_alone(people):
    db, made, (w1, w2) = people

    def labels(**query):
        got = ids(db, **query)
        assert svc.count_clients(db, Q(**query), today=TODAY) == len(got)
        return _labels(made, got)

    assert labels(sex="P") == {"almost18", "turns60"}
    assert labels(cluster="anak") == {"child", "almost18"}
    assert labels(ppks_category="fakir_miskin") == {"turns18", "almost18", "turns60"}
    assert labels(ppks_category="anak_jalanan") == {"almost18"}
    assert labels(ppks_category="korban_napza") == set()
    assert labels(wilayah="63.06.01") == {"child", "turns18", "turns60", "adult"}
    assert labels(wilayah="63.06.01.2001") == {"child", "turns60"}
    assert labels(wilayah="63.06") == {"child", "turns18", "almost18", "turns60", "adult"}
    assert labels(stage="asesmen") == {"child", "turns60"}
    assert labels(stage="terminasi") == {"turns60"}
    assert labels(worker_id=w1) == {"child", "turns60"}
    assert labels(worker_id=w2) == {"turns60"}
    assert labels(age_group="anak") == {"child", "almost18"}  # 18 on the very day is an adult
    assert labels(age_group="dewasa") == {"turns18", "adult"}
    assert labels(age_group="lansia") == {"turns60"}  # 60 on the very day is lansia


def test_filters_combine_with_each_other_and_the_text(people):
    db, made, (w1, w2) = people
    assert _labels(made, ids(db, sex="L", wilayah="63.06.01.2001")) == {"child"}
    assert _labels(made, ids(db, stage="asesmen", worker_id=w2)) == {"turns60"}
    assert _labels(made, ids(db, stage="terminasi", worker_id=w2)) == set()  # the same case must match both
    assert _labels(made, ids(db, ppks_category="fakir_miskin", age_group="anak")) == {"almost18"}
    assert _labels(made, ids(db, text="siti", age_group="dewasa")) == {"adult"}
    assert _labels(made, ids(db, text="dewi", cluster="anak")) == set()
    assert _labels(made, ids(db, text="a", sex="L", wilayah="63.06.01")) == {"child"}
    svc.archive_client(db, made["turns60"])
    assert _labels(made, ids(db, stage="asesmen")) == {"child"}
    assert _labels(made, ids(db, stage="asesmen", include_archived=True)) == {"child", "turns60"}


def test_unknown_filter_values_are_refused():
    with pytest.raises(ValueError):
        Q(age_group="balita")
    with pytest.raises(ValueError):
        Q(order_by="nik")


# --- order and pages ----------------------------------------------------------------------------------------


def test_pages_read_from_either_end_give_the_same_list(db):
    generate_demo(db, 180, seed=4, today=TODAY)
    for query in (Q(), Q(descending=True), Q(order_by="birth_date"), Q(order_by="display_id", descending=True),
                  Q(order_by="created"), Q(text="a"), Q(cluster="lanjut_usia", order_by="birth_date")):
        every = list(svc.client_ids(db, query, today=TODAY))
        total = svc.count_clients(db, query, today=TODAY)
        assert total == len(every)
        pages = []
        for offset in range(0, total, 7):
            pages.extend(r.id for r in svc.client_page(db, query, offset, 7, total=total, today=TODAY))
        assert pages == every, query
        assert [r.id for r in svc.client_page(db, query, total - 5, 50, total=total)] == every[-5:]
        assert svc.client_page(db, query, total, 50, total=total) == []
    if db.dialect == "sqlite":  # PostgreSQL sorts by its collation
        keys = [normalize_name(r.name) for r in svc.client_page(db, Q(), 0, 500)]
        assert keys == sorted(keys)


def test_rows_of_a_page(db):
    a = _new(db, "Anang", sex="L", nik="6306010101800001", birth_date=dt.date(1980, 1, 1), cluster="lanjut_usia",
             wilayah_code="63")  # only the provinces are loaded here
    row = svc.client_page(db, Q(text="anang"), 0, 10, today=TODAY)[0]
    assert (row.id, row.nik_masked, row.age, row.cluster_label) == (a, "630601**********", 46, "Lanjut Usia")
    assert row.wilayah_name == "Kalimantan Selatan"


def test_id_list_reads_like_a_list(db):
    made = [_new(db, f"Klien {c}") for c in "cab"]
    got = svc.client_ids(db)
    assert len(got) == 3 and got == [made[1], made[2], made[0]]
    assert got[0] == made[1] and got[-1] == made[0] and got[1:] == [made[2], made[0]]
    assert made[2] in got and uuid7() not in got and got.index(made[0]) == 2
    assert list(got) == [made[1], made[2], made[0]] and svc.client_ids(db, Q(text="zzz")) == []


# --- the trigram index follows every write ------------------------------------------------------------------


def test_index_follows_rename_alias_archive_and_restore(db):
    c = _new(db, "Siti Aminah")
    svc.update_client(db, c, {"name": "Rahmawati"})
    assert found(db, "aminah") == set() and found(db, "rahma") == {c}
    svc.update_client(db, c, {"alias": "Ibu Ijah"})
    assert found(db, "ijah") == {c}
    svc.update_client(db, c, {"alias": "Wati"})
    assert found(db, "ijah") == set() and found(db, "wati") == {c}
    svc.update_client(db, c, {"alias": None})
    assert found(db, "wati") == {c}  # still in the name Rahmawati
    assert found(db, "ibu") == set()
    svc.update_client(db, c, {"name": "Rahmawaty"})  # same normalised key: the index is rewritten alike
    assert found(db, "rahmawaty") == {c}
    svc.archive_client(db, c)
    assert found(db, "rahma") == set() and found(db, "rahma", include_archived=True) == {c}
    svc.restore_client(db, c)
    assert found(db, "rahma") == {c}
    _assert_fts_consistent(db)


def test_bulk_inserted_clients_are_indexed(db):
    with db.session() as s:
        new = bulk_insert(s, Client, [
            {"display_id": f"ATS-B{i}", "name": name, "alias": alias}
            for i, (name, alias) in enumerate([("Noorhayati", None), ("Ahmad", "Djoko"), ("Budi", None)])
        ])
    assert found(db, "nurhayati") == {new[0]}
    assert found(db, "joko") == {new[1]}
    with db.session() as s:
        assert s.scalar(select(Client.alias_norm).where(Client.id == new[1])) == "joko"
    _assert_fts_consistent(db)


def _assert_fts_consistent(db) -> None:
    """SQLite: every client is in client_fts exactly under its current normalised name and alias."""
    if db.dialect != "sqlite":
        return
    with db.engine.connect() as conn:
        conn.exec_driver_sql("INSERT INTO client_fts(client_fts) VALUES ('integrity-check')")
        rows = conn.exec_driver_sql("SELECT rowid, name_norm, alias_norm FROM client").all()
        for rowid, name, alias in rows:
            for word in (name + " " + (alias or "")).split():
                if len(word) >= 3:
                    hits = conn.exec_driver_sql("SELECT rowid FROM client_fts WHERE client_fts MATCH ?",
                                                (f'"{word}"',)).scalars().all()
                    assert rowid in hits
        assert conn.exec_driver_sql("SELECT count(*) FROM client_fts").scalar() == len(rows)


def test_upgrade_indexes_existing_clients(db):
    """Migration 0004 fills the index and alias_norm from the rows already there."""
    from alembic import command

    from atensi_desktop.db.schema import alembic_config

    a = _new(db, "Siti Noer Djannah", alias="Mak Noer")
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert found(db, "jannah") == {a} and found(db, "mak nur") == {a}
    _assert_fts_consistent(db)


# --- both ways of running a query agree with a plain reading of the rule -------------------------------------


def _expected(rows, query: svc.ClientQuery) -> list[uuid.UUID]:
    """The search rule in Python over every client (name order), for comparison with the SQL."""
    text = " ".join(query.text.split())
    digits = text.replace(" ", "").replace(".", "")
    words = normalize_name(text).split()

    def word_ok(word: str, r) -> bool:
        for field in (r.name_norm, r.alias_norm or ""):
            padded = f" {field}"
            if (word in field) if len(word) >= 3 else (f" {word}" in padded):
                return True
        return False

    def ok(r) -> bool:
        if r.merged_into is not None or (r.deleted and not query.include_archived):
            return False
        if query.cluster and r.cluster != query.cluster:
            return False
        if query.sex and r.sex != query.sex:
            return False
        if not text:
            return True
        if digits.isdigit():
            return (r.nik or "").startswith(digits) or (r.no_kk or "").startswith(digits)
        display = "-" in text and r.display_id.startswith(text.upper())
        return display or bool(words) and all(word_ok(w, r) for w in words)

    return [r.id for r in sorted((r for r in rows if ok(r)), key=lambda r: (r.name_norm, r.id.bytes))]


def test_walking_and_driving_give_the_same_results(db, monkeypatch):
    generate_demo(db, 400, seed=11, today=TODAY)
    with db.session() as s:
        some = s.execute(select(Client.id, Client.name, Client.nik).order_by(Client.id).limit(40)).all()
        for cid, _name, _nik in some[:8]:
            s.get(Client, cid).deleted = True
        s.get(Client, some[8][0]).merged_into = some[9][0]
        s.get(Client, some[10][0]).alias = "Mak Ijah"
    with db.session() as s:
        rows = s.execute(select(Client.id, Client.name_norm, Client.alias_norm, Client.nik, Client.display_id,
                                Client.deleted, Client.merged_into, Client.cluster, Client.sex, Household.no_kk)
                         .outerjoin(Household, Household.id == Client.household_id)).all()
    nik = next(n for _, _, n in some[11:] if n)
    kk = next(r.no_kk for r in rows if r.no_kk)
    texts = ["", "siti", "nur", "an", "a", "ijah", "mak", "siti a", nik[:6], nik[:9], nik, kk[:8], kk,
             rows[0].display_id[:-3], rows[5].display_id.lower(), "zzz"]
    queries = [Q(text=t, **extra) for t in texts
               for extra in ({}, {"include_archived": True}, {"cluster": "lanjut_usia", "sex": "P"})]
    # SQLite: always drive from an index; always walk (No. KK looked up row by row); walk with the
    # households of a No. KK prefix collected once. PostgreSQL has no such choice: three equal runs.
    for fetch_us, row_walk_us in ((1e-9, 10.0), (1e9, 10.0), (1e9, 1e12)):
        monkeypatch.setattr(svc, "FETCH_US", fetch_us)
        monkeypatch.setattr(svc, "ROW_WALK_US", row_walk_us)
        for query in queries:
            expected = _expected(rows, query)
            got = list(svc.client_ids(db, query, today=TODAY))
            if db.dialect == "sqlite":
                assert got == expected, query
            else:  # PostgreSQL sorts text by its collation
                assert sorted(got) == sorted(expected), query
            assert svc.count_clients(db, query, today=TODAY) == len(expected), query
            assert [r.id for r in svc.client_page(db, query, 0, 20, today=TODAY)] == got[:20], query


def test_nik_fast_path_returns_what_the_general_path_returns(db, monkeypatch):
    """A NIK / No. KK prefix alone runs written-out SQL on SQLite: the same rows, pages and order as the
    statements `_conditions` builds, whichever index drives; and the engine's listeners see it."""
    from sqlalchemy import event

    generate_demo(db, 600, seed=12, today=TODAY)
    with db.session() as s:
        some = s.execute(select(Client.id, Client.nik).where(Client.nik.is_not(None)).order_by(Client.id)
                         .limit(30)).all()
        for cid, _nik in some[:5]:
            s.get(Client, cid).deleted = True
        s.get(Client, some[5][0]).merged_into = some[6][0]
        kk = s.scalar(select(Household.no_kk).order_by(Household.no_kk).offset(7).limit(1))
    nik = some[10][1]
    texts = ["63", "6306", nik[:6], nik[:10], nik, some[0][1], kk[:8], kk, "630.6 01", "99", "6"]
    seen: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    for fetch_us, row_walk_us in ((2.5, 10.0), (1e-9, 10.0), (1e9, 10.0), (1e9, 1e12)):
        monkeypatch.setattr(svc, "FETCH_US", fetch_us)
        monkeypatch.setattr(svc, "ROW_WALK_US", row_walk_us)
        for text in texts:
            for descending in (False, True):
                query = Q(text=text, descending=descending)
                total = svc.count_clients(db, query, today=TODAY)
                pages = [(0, 20, None), (5, 7, None), (max(total - 20, 0), 20, total), (total // 2, 9, total)]
                for offset, limit, known in pages:
                    seen.clear()
                    fast = svc.client_page(db, query, offset, limit, total=known, today=TODAY)
                    used_fast = any("FROM (SELECT client.id AS id FROM client WHERE" in sql for sql in seen)
                    with monkeypatch.context() as m:
                        m.setattr(svc, "_plain_digits", lambda *_a: None)
                        general = svc.client_page(db, query, offset, limit, total=known, today=TODAY)
                    assert fast == general, (text, descending, offset, limit, fetch_us, row_walk_us)
                    if known is None or offset < known:  # else nothing to read, no statement
                        assert used_fast == (db.dialect == "sqlite"), text
                    if known is None and offset == 0:
                        assert len(fast) == min(20, total)
    # with a filter, another order or the archive the general path runs (it knows those)
    assert svc._plain_digits(db, Q(text=nik[:6], sex="L")) is None
    assert svc._plain_digits(db, Q(text=nik[:6], include_archived=True)) is None
    assert svc._plain_digits(db, Q(text="siti")) is None
