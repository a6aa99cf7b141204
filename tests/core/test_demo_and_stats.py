"""Demo data is plausible and reproducible; the Beranda overview counts what is really there."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from atensi_desktop.db.models import Client, ClientCase, Household, Worker
from atensi_desktop.domain.nik import check_nik
from atensi_desktop.errors import Cancelled
from atensi_desktop.progress import Progress
from atensi_desktop.refdata import ref_list
from atensi_desktop.services import clients as svc
from atensi_desktop.services.demo import generate_demo
from atensi_desktop.services.stats import overview

TODAY = dt.date(2026, 11, 23)


def test_demo_people_are_plausible(db):
    result = generate_demo(db, 400, seed=3, today=TODAY)
    assert result.clients == 400 and result.households > 100 and result.cases > 250
    with db.session() as s:
        rows = s.execute(select(Client.nik, Client.sex, Client.birth_date, Client.cluster, Client.ppks_categories,
                                Client.wilayah_code, Client.household_id)).all()
    ppks = ref_list("ppks")
    for nik, sex, birth, cluster, cats, wilayah, household in rows:
        age = (TODAY - birth).days // 365
        assert household is not None and wilayah.startswith("63.")  # no office: all of Kalimantan Selatan
        assert cats and all(c in ppks for c in cats)
        if cluster == "lanjut_usia":
            assert age >= 60 and cats[0] == "lanjut_usia_telantar"
        if cluster == "anak":
            assert age < 18
        if nik:
            check = check_nik(nik, today=TODAY)
            assert check.valid and check.sex == sex and check.birth_date == birth


def test_demo_families_fit_sex_and_age(db):
    """One head per household; a spouse of the other sex; parents older and children younger than the head."""
    generate_demo(db, 600, seed=5, today=TODAY)
    with db.session() as s:
        rows = s.execute(select(Client.household_id, Client.relation_to_head, Client.sex, Client.birth_date)).all()
    families: dict = {}
    for household, relation, sex, birth in rows:
        families.setdefault(household, []).append((relation, sex, birth))
    assert sum(len(f) > 2 for f in families.values()) > 20
    seen = set()
    for members in families.values():
        heads = [m for m in members if m[0] == "kepala_keluarga"]
        assert len(heads) == 1
        _, head_sex, head_birth = heads[0]
        spouses = [m for m in members if m[0] in ("istri", "suami")]
        assert len(spouses) <= 1
        for relation, sex, birth in members:
            seen.add(relation)
            if relation in ("istri", "suami"):
                assert sex != head_sex and (relation == "istri") == (sex == "P")
            if relation in ("orang_tua", "mertua"):
                assert birth < head_birth
            if relation in ("anak", "cucu", "menantu"):
                assert birth > head_birth
    assert {"istri", "anak"} <= seen


def test_cancelled_demo_writes_nothing(db):
    progress = Progress(on_update=lambda done, total, msg: progress.cancel() if done >= 2000 else None)
    with pytest.raises(Cancelled):
        generate_demo(db, 5000, progress=progress)
    assert svc.count_clients(db) == 0


def test_overview_matches_the_tables(db):
    generate_demo(db, 300, seed=5, today=TODAY)
    svc.archive_client(db, svc.client_ids(db)[0])
    view = overview(db)
    with db.session() as s:
        live = s.scalar(select(func.count()).select_from(Client).where(Client.deleted.is_(False)))
        households = s.scalar(select(func.count()).select_from(Household))
        workers = s.scalar(select(func.count()).select_from(Worker))
        open_cases = s.scalar(select(func.count()).select_from(ClientCase).where(ClientCase.closed_on.is_(None)))
        all_cases = s.scalar(select(func.count()).select_from(ClientCase))
    assert (view.clients, view.households, view.workers, view.open_cases) == (live, households, workers, open_cases)
    assert view.clients == 299
    assert [code for code, _, _ in view.cases_by_stage] == list(ref_list("case_stages").codes())
    assert sum(n for _, _, n in view.cases_by_stage) == all_cases


def _fts_rows(conn) -> list[tuple]:
    """Every (rowid, term, column, offset) the name search index holds, read through fts5vocab."""
    conn.exec_driver_sql("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab USING fts5vocab(main, client_fts, "
                         "'instance')")
    return conn.exec_driver_sql("SELECT doc, term, col, offset FROM temp.fts_vocab ORDER BY 1, 2, 3, 4").all()


def _trigger_sql(db) -> list[tuple]:
    with db.session() as s:
        return s.connection().exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all()


def test_demo_search_index_is_what_the_triggers_make(db):
    """init --demo fills the SQLite search index once at the end: the same index, search and triggers."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("client_fts is SQLite's name index")
    svc.create_client(db, {"name": "Siti Aminah Sebelum Demo", "alias": "Bu Ami"})
    triggers = _trigger_sql(db)
    assert [name for name, _ in triggers] == ["client_fts_ad", "client_fts_ai", "client_fts_au"]
    generate_demo(db, 700, seed=9, today=TODAY)
    assert _trigger_sql(db) == triggers  # re-created exactly
    # the reference: the index made again row by row through the insert trigger (then rolled back)
    with db.engine.connect() as conn:
        made_by_demo = _fts_rows(conn)
        conn.rollback()
        with conn.begin() as trans:
            conn.exec_driver_sql("INSERT INTO client_fts(client_fts) VALUES ('delete-all')")
            conn.exec_driver_sql("DROP TRIGGER client_fts_ad")
            conn.exec_driver_sql("CREATE TEMP TABLE copy AS SELECT rowid AS rid, * FROM client")
            conn.exec_driver_sql("DELETE FROM client")
            assert _fts_rows(conn) == []
            described = conn.exec_driver_sql("SELECT * FROM temp.copy LIMIT 0").cursor.description
            columns = ", ".join(d[0] for d in described if d[0] != "rid")
            conn.exec_driver_sql(f"INSERT INTO client(rowid, {columns}) SELECT rid, {columns} FROM temp.copy "
                                 "ORDER BY rid")
            by_trigger = _fts_rows(conn)
            trans.rollback()
    assert by_trigger == made_by_demo and len(made_by_demo) > 700 * 5
    # search by a name part finds exactly the clients whose normalised name holds it
    with db.session() as s:
        names = dict(s.execute(select(Client.id, Client.name_norm)).all())
    word = next(iter(names.values())).split()[0][:4]
    found = {r.id for r in svc.client_page(db, svc.ClientQuery(text=word), 0, 1000)}
    assert found == {i for i, n in names.items() if word in n} and found
    assert [r.name for r in svc.client_page(db, svc.ClientQuery(text="ami"), 0, 50)
            if r.name == "Siti Aminah Sebelum Demo"]
    # the trigger works again for a client registered after the demo
    new = svc.create_client(db, {"name": "Zulkarnain Setelah Demo"})
    assert [r.id for r in svc.client_page(db, svc.ClientQuery(text="zulkarn"), 0, 50)] == [new.id]


def test_cancelled_demo_keeps_the_search_trigger(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("client_fts is SQLite's name index")
    triggers = _trigger_sql(db)
    progress = Progress(on_update=lambda done, total, msg: progress.cancel() if done >= 2000 else None)
    with pytest.raises(Cancelled):
        generate_demo(db, 5000, progress=progress)
    assert _trigger_sql(db) == triggers
    new = svc.create_client(db, {"name": "Rahmawati Sesudah Batal"})
    assert [r.id for r in svc.client_page(db, svc.ClientQuery(text="rahmaw"), 0, 50)] == [new.id]
