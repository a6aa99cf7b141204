"""Services per month for Beranda: only effective entries, in the month of their first day, zeros kept."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from atensi_desktop.db.models import ServiceEntry
from atensi_desktop.services.clients import create_client
from atensi_desktop.services.service_stats import month_start, services_per_month

TODAY = dt.date(2026, 3, 15)


def _entry(db, client_id: uuid.UUID, day: dt.date, *, kind: str = "atensi", value: int | None = None,
           entry_type: str = "baru", amends: uuid.UUID | None = None, deleted: bool = False) -> uuid.UUID:
    code = {"atensi": "bantuan_asistensi_sosial", "spm": "sandang", "rehab": "bimbingan_fisik"}[kind]
    with db.session() as s:
        row = ServiceEntry(client_id=client_id, entry_type=entry_type, service_kind=kind, service_code=code,
                           date_from=day, value_rp=value, amends_id=amends)
        s.add(row)
        s.flush()
        if deleted:
            row.deleted = True
        return row.id


@pytest.fixture
def client_id(db):
    return create_client(db, {"name": "Budi Santoso", "sex": "L"}).id


def test_month_start_crosses_years():
    assert month_start(dt.date(2026, 3, 31)) == dt.date(2026, 3, 1)
    assert month_start(dt.date(2026, 3, 31), 3) == dt.date(2025, 12, 1)
    assert month_start(dt.date(2026, 1, 5), 13) == dt.date(2024, 12, 1)


def test_counts_per_month_with_zero_months_and_kinds(db, client_id):
    _entry(db, client_id, dt.date(2026, 1, 2), value=150_000)
    _entry(db, client_id, dt.date(2026, 1, 31), kind="spm", value=50_000)
    _entry(db, client_id, dt.date(2026, 3, 15), kind="rehab")  # no value: counts, adds nothing
    _entry(db, client_id, dt.date(2025, 9, 30), value=999)  # before the four months asked for
    months = services_per_month(db, 4, today=TODAY)
    assert [(m.year, m.month) for m in months] == [(2025, 12), (2026, 1), (2026, 2), (2026, 3)]
    assert [m.entries for m in months] == [0, 2, 0, 1]
    assert [m.value_rp for m in months] == [0, 200_000, 0, 0]
    assert dict(months[1].by_kind) == {"atensi": 1, "spm": 1}
    assert dict(months[3].by_kind) == {"rehab": 1}
    assert months[0].first_day == dt.date(2025, 12, 1)


def test_corrections_replace_and_cancellations_remove(db, client_id):
    first = _entry(db, client_id, dt.date(2026, 2, 3), value=100_000)
    _entry(db, client_id, dt.date(2026, 2, 3), value=120_000, entry_type="koreksi", amends=first)
    cancelled = _entry(db, client_id, dt.date(2026, 3, 1), value=70_000)
    _entry(db, client_id, dt.date(2026, 3, 1), value=70_000, entry_type="batal", amends=cancelled)
    twice = _entry(db, client_id, dt.date(2026, 3, 2), value=10)
    again = _entry(db, client_id, dt.date(2026, 3, 2), value=20, entry_type="koreksi", amends=twice)
    _entry(db, client_id, dt.date(2026, 3, 3), value=30, entry_type="koreksi", amends=again)
    february, march = services_per_month(db, 2, today=TODAY)
    assert (february.entries, february.value_rp) == (1, 120_000)
    assert (march.entries, march.value_rp) == (1, 30)


def test_archived_entries_and_archived_amendments(db, client_id):
    _entry(db, client_id, dt.date(2026, 3, 4), value=5, deleted=True)
    original = _entry(db, client_id, dt.date(2026, 3, 5), value=40)
    # a correction archived (tombstoned) no longer replaces its original
    _entry(db, client_id, dt.date(2026, 3, 5), value=41, entry_type="koreksi", amends=original, deleted=True)
    (march,) = services_per_month(db, 1, today=TODAY)
    assert (march.entries, march.value_rp) == (1, 40)


def test_days_after_today_are_not_counted(db, client_id):
    _entry(db, client_id, TODAY, value=1)
    _entry(db, client_id, TODAY + dt.timedelta(days=1), value=2)
    (march,) = services_per_month(db, 1, today=TODAY)
    assert (march.entries, march.value_rp) == (1, 1)


@pytest.mark.parametrize("months", [0, -1, 61])
def test_month_count_is_bounded(db, months):
    with pytest.raises(ValueError):
        services_per_month(db, months, today=TODAY)


def test_month_labels_are_indonesian():
    from atensi_desktop.i18n import current_language, set_language
    from atensi_desktop.services.service_stats import MonthServices

    before = current_language()
    set_language("id")
    try:
        assert MonthServices(2026, 8, 0, 0).label() == "Agu"
        assert MonthServices(2026, 5, 0, 0).label(long=True) == "Mei 2026"
    finally:
        set_language(before)


# --- the Layanan list --------------------------------------------------------------------------------------

def test_pages_by_key_newest_recorded_first(db, client_id):
    from atensi_desktop.services.service_stats import ServiceListQuery, service_page

    made = [_entry(db, client_id, dt.date(2026, 1, 1) + dt.timedelta(days=i % 40), value=i) for i in range(23)]
    seen, before = [], None
    while True:
        page = service_page(db, ServiceListQuery(), before=before, limit=10)
        seen += page
        if len(page) < 10:
            break
        before = page[-1].id
    assert [r.id for r in seen] == list(reversed(made))
    assert [r.value_rp for r in seen[:3]] == [22, 21, 20]
    assert {r.client_name for r in seen} == {"Budi Santoso"}


def test_filters_period_kind_funding_and_client(db, client_id):
    from atensi_desktop.db.models import ServiceEntry as SE
    from atensi_desktop.services.service_stats import ServiceListQuery, service_page

    other = create_client(db, {"name": "Siti Aminah", "sex": "P"}).id
    with db.session() as s:
        s.add_all([
            SE(client_id=client_id, service_kind="spm", service_code="sandang", date_from=dt.date(2026, 2, 27),
               date_until=dt.date(2026, 3, 2), funding_source="apbd"),
            SE(client_id=client_id, service_kind="atensi", service_code="terapi", date_from=dt.date(2026, 3, 5),
               funding_source="apbn"),
            SE(client_id=other, service_kind="spm", service_code="sandang", date_from=dt.date(2026, 1, 10),
               funding_source="apbd"),
        ])

    def codes(**filters):
        return sorted((r.client_name, r.date_from.isoformat()) for r in service_page(db, ServiceListQuery(**filters)))

    march = dict(since=dt.date(2026, 3, 1), until=dt.date(2026, 3, 31))
    # the period that began in February runs into March, so it is listed under March
    assert codes(**march) == [("Budi Santoso", "2026-02-27"), ("Budi Santoso", "2026-03-05")]
    assert codes(**march, service_kind="spm") == [("Budi Santoso", "2026-02-27")]
    assert codes(funding_source="apbd") == [("Budi Santoso", "2026-02-27"), ("Siti Aminah", "2026-01-10")]
    assert codes(client_id=other) == [("Siti Aminah", "2026-01-10")]
    assert codes(until=dt.date(2026, 1, 31)) == [("Siti Aminah", "2026-01-10")]


def test_lists_effective_entries_or_the_whole_history(db, client_id):
    from atensi_desktop.services.service_stats import ServiceListQuery, service_page

    first = _entry(db, client_id, dt.date(2026, 2, 3), value=100)
    fixed = _entry(db, client_id, dt.date(2026, 2, 3), value=120, entry_type="koreksi", amends=first)
    gone = _entry(db, client_id, dt.date(2026, 2, 4), value=5)
    cancel = _entry(db, client_id, dt.date(2026, 2, 4), value=5, entry_type="batal", amends=gone)
    assert [r.id for r in service_page(db)] == [fixed]
    history = service_page(db, ServiceListQuery(effective_only=False))
    assert [(r.id, r.superseded, r.effective) for r in history] == [
        (cancel, False, False), (gone, True, False), (fixed, False, True), (first, True, False)]


def test_page_size_is_bounded(db):
    from atensi_desktop.services.service_stats import service_page

    with pytest.raises(ValueError):
        service_page(db, limit=0)


# --- the rule for a correction -----------------------------------------------------------------------------

def test_a_correction_is_not_judged_against_the_entry_it_replaces(db, client_id):
    from atensi_desktop.services import service_log as log
    from atensi_desktop.services.service_log import check_entry as check_service

    week = log.add_entry(db, {"client_id": client_id, "case_id": None, "service_kind": "spm",
                              "service_code": "permakanan", "date_from": dt.date(2026, 3, 1),
                              "date_until": dt.date(2026, 3, 7)}, today=TODAY)
    corrected = {**{k: getattr(week, k) for k in log.ENTRY_FIELDS if k != "entered_by"},
                 "date_from": dt.date(2026, 3, 4), "date_until": dt.date(2026, 3, 10)}  # the week, 3 days later
    errors, warnings = check_service(db, corrected, today=TODAY)
    # judged as a new entry, the two weeks would make one stay of 10 days
    assert set(errors) & {"date_until", "permakanan_days"}
    errors, warnings = check_service(db, corrected, replacing=week.id, today=TODAY)
    assert errors == {}
    assert not any("catatan ganda" in w for w in warnings)
    with db.session() as s:
        assert s.query(ServiceEntry).count() == 1  # nothing written by the checks


# --- recipients from a pasted list -------------------------------------------------------------------------

def test_resolves_display_ids_and_niks(db):
    from atensi_desktop.services.clients import archive_client
    from atensi_desktop.services.service_stats import resolve_clients, split_tokens

    budi = create_client(db, {"name": "Budi Santoso", "sex": "L", "nik": "6306010101900002"})
    siti = create_client(db, {"name": "Siti Aminah", "sex": "P", "nik": "6306014101900003"})
    gone = create_client(db, {"name": "Rudi Hartono", "sex": "L", "nik": "6306010202900004"})
    archive_client(db, gone.id)
    # a NIK two live clients share (NIK is never unique) is named, not guessed
    twin_a = create_client(db, {"name": "Ahmad Fauzi", "sex": "L", "nik": "6306010303900005"})
    create_client(db, {"name": "Ahmad Fauzy", "sex": "L", "nik": "6306010303900005"})
    text = (f"{budi.display_id.lower()}\n6306014101900003, {gone.display_id}; 6306010303900005 "
            f"6306019999999999 xyz 1234 {budi.display_id}")
    tokens = split_tokens(text)
    assert len(tokens) == 8
    result = resolve_clients(db, tokens)
    assert result.found == ((budi.display_id.lower(), budi.id), ("6306014101900003", siti.id))
    assert result.missing == (gone.display_id, "6306019999999999")
    assert result.ambiguous == (("6306010303900005", 2),)
    assert result.invalid == ("xyz", "1234")
    assert twin_a.id not in {cid for _t, cid in result.found}


def test_a_merged_clients_id_leads_to_the_survivor(db):
    from atensi_desktop.services.duplicates import merge
    from atensi_desktop.services.service_stats import resolve_clients

    keep = create_client(db, {"name": "Siti Noer Djannah", "sex": "P"})
    loser = create_client(db, {"name": "Siti Nur Jannah", "sex": "P"})
    merge(db, keep.id, loser.id)
    result = resolve_clients(db, [loser.display_id, keep.display_id])
    assert result.found == ((loser.display_id, keep.id),)  # the same client once
