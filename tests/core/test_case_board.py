"""The Kasus screen's list: cases per stage with the day their stage began, worker and text filters, counts."""

from __future__ import annotations

import datetime as dt

import pytest

from atensi_desktop.services import cases
from atensi_desktop.services.case_board import NO_WORKER, board_cases, board_counts
from atensi_desktop.services.clients import create_client
from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation
from atensi_desktop.services.workers import create_worker

TODAY = dt.date(2026, 3, 20)


@pytest.fixture
def board(db):
    setup_installation(db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan", office_type="dinas_sosial",
                                       code="DSHSS"), WorkerInput(name="Siti Rahmah"))
    rina = create_worker(db, WorkerInput(name="Rina Kartika"))
    ahmad = create_worker(db, WorkerInput(name="Ahmad Fauzi"))
    made = {}
    for name, worker, opened in (("Hj. Siti Noer Djannah", rina.id, dt.date(2026, 1, 5)),
                                 ("Budi Santoso", ahmad.id, dt.date(2026, 2, 1)),
                                 ("Moch. Ali Akbar", None, dt.date(2026, 3, 1))):
        client = create_client(db, {"name": name, "sex": "L"})
        made[name] = cases.open_case(db, client.id, worker_id=worker, opened_on=opened, today=TODAY)
    # Siti: asesmen on 10 Jan, back to pendekatan awal on 1 Feb, asesmen again on 15 Mar
    siti = made["Hj. Siti Noer Djannah"].id
    cases.change_stage(db, siti, "asesmen", on=dt.date(2026, 1, 10), today=TODAY)
    cases.change_stage(db, siti, "pendekatan_awal", on=dt.date(2026, 2, 1), note="Klien pindah", today=TODAY)
    cases.change_stage(db, siti, "asesmen", on=dt.date(2026, 3, 15), today=TODAY)
    cases.terminate(db, made["Budi Santoso"].id, "pindah", on=dt.date(2026, 3, 2), today=TODAY)
    return {"rina": rina, "ahmad": ahmad, **made}


def test_stage_since_is_the_latest_entry_into_the_stage_or_the_opening(db, board):
    page = board_cases(db)
    by_name = {c.client_name: c for c in page.cases}
    assert page.total == 3
    assert by_name["Hj. Siti Noer Djannah"].stage == "asesmen"
    assert by_name["Hj. Siti Noer Djannah"].stage_since == dt.date(2026, 3, 15)
    assert by_name["Hj. Siti Noer Djannah"].days_in_stage(TODAY) == 5
    assert by_name["Budi Santoso"].stage_since == dt.date(2026, 3, 2)
    assert by_name["Budi Santoso"].closed_on == dt.date(2026, 3, 2)
    assert by_name["Moch. Ali Akbar"].stage_since == dt.date(2026, 3, 1)
    # the longest in their stage first
    assert [c.client_name for c in page.cases] == ["Moch. Ali Akbar", "Budi Santoso", "Hj. Siti Noer Djannah"]


def test_filters_by_stage_worker_and_nobody(db, board):
    assert [c.client_name for c in board_cases(db, stage="terminasi").cases] == ["Budi Santoso"]
    assert [c.client_name for c in board_cases(db, worker=board["rina"].id).cases] == ["Hj. Siti Noer Djannah"]
    assert [c.client_name for c in board_cases(db, worker=NO_WORKER).cases] == ["Moch. Ali Akbar"]
    assert [c.worker_name for c in board_cases(db, worker=board["ahmad"].id).cases] == ["Ahmad Fauzi"]
    assert board_cases(db, stage="asesmen", worker=board["ahmad"].id).total == 0


def test_text_matches_name_parts_old_spellings_and_display_ids(db, board):
    assert [c.client_name for c in board_cases(db, text="nur jannah").cases] == ["Hj. Siti Noer Djannah"]
    assert [c.client_name for c in board_cases(db, text="muhammad al").cases] == ["Moch. Ali Akbar"]
    budi = board["Budi Santoso"]
    assert [c.client_name for c in board_cases(db, text=budi.display_id.lower()).cases] == ["Budi Santoso"]
    assert [c.client_name for c in board_cases(db, text=budi.client_display_id).cases] == ["Budi Santoso"]
    assert board_cases(db, text="zzzz").total == 0


def test_counts_follow_the_filters_and_list_every_stage(db, board):
    counts = board_counts(db)
    assert list(counts)[0] == "pendekatan_awal" and list(counts)[-1] == "bimbingan_lanjut"
    assert counts["asesmen"] == 1 and counts["pendekatan_awal"] == 1 and counts["terminasi"] == 1
    assert sum(board_counts(db, text="santoso").values()) == 1
    assert board_counts(db, worker=board["rina"].id)["asesmen"] == 1
    assert board_counts(db, worker=board["rina"].id)["pendekatan_awal"] == 0
    # the counts agree with caseload_board when nothing narrows them
    assert dict(counts) == dict(cases.caseload_board(db).by_stage)


def test_limit_cuts_rows_not_the_total(db, board):
    page = board_cases(db, limit=2)
    assert len(page.cases) == 2 and page.total == 3


def test_cases_without_stage_history_use_the_closing_or_opening_day(db, board):
    """Cases written without a stage history (demo data, older databases): a terminated one has been in
    terminasi since it was closed, any other in its stage since it was opened."""
    from atensi_desktop.db.models import ClientCase

    client = create_client(db, {"name": "Wulan Jamilah", "sex": "P"})
    other = create_client(db, {"name": "Kamariah", "sex": "P"})
    with db.session() as s:
        s.add(ClientCase(display_id="K-OLD-1", client_id=client.id, stage="terminasi", opened_on=dt.date(2025, 6, 1),
                         closed_on=dt.date(2026, 2, 1)))
        s.add(ClientCase(display_id="K-OLD-2", client_id=other.id, stage="monitoring_evaluasi",
                         opened_on=dt.date(2025, 9, 1)))
    by_name = {c.client_name: c for c in board_cases(db).cases}
    assert by_name["Wulan Jamilah"].stage_since == dt.date(2026, 2, 1)
    assert by_name["Kamariah"].stage_since == dt.date(2025, 9, 1)
    assert by_name["Kamariah"].days_in_stage(TODAY) == (TODAY - dt.date(2025, 9, 1)).days


def test_text_finds_clients_as_the_klien_search_does_nik_prefix_too(db, board):
    client = create_client(db, {"name": "Rusmini", "sex": "P", "nik": "6306014509900001"})
    made = cases.open_case(db, client.id, opened_on=dt.date(2026, 3, 3), today=TODAY)
    assert [c.id for c in board_cases(db, text="63060145").cases] == [made.id]
    assert board_counts(db, text="6306 0145")["pendekatan_awal"] == 1
    assert board_cases(db, text="63069999").total == 0
