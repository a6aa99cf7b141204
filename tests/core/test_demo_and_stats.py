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
