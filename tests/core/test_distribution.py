"""Bulk distribution: every recipient checked by the one rule, all written or none, the refused named; the
receipt list follows corrections and cancellations; progress reports and can cancel."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from atensi_desktop.db.models import Client, Distribution, ServiceEntry, Version
from atensi_desktop.errors import Cancelled, ValidationError
from atensi_desktop.progress import Progress
from atensi_desktop.services import cases
from atensi_desktop.services import distribution as dist
from atensi_desktop.services import service_log as log
from atensi_desktop.services.clients import archive_client
from atensi_desktop.sync.ids import display_id, uuid7
from atensi_desktop.sync.versioning import bulk_insert

TODAY = dt.date(2026, 3, 31)
D = dt.date
AID = {"title": "Bantuan ATENSI Lansia Tahap 1", "service_kind": "atensi", "service_code": "bantuan_asistensi_sosial",
       "date_from": D(2026, 3, 20), "value_rp": 300_000, "quantity": 1, "unit": "paket", "funding_source": "apbn",
       "location": "Aula Dinas Sosial Kandangan"}


def _clients(db, n: int, prefix: str = "Penerima") -> list[uuid.UUID]:
    rows = []
    for i in range(n):
        cid = uuid7()
        rows.append({"id": cid, "display_id": display_id("DSHSS", cid), "name": f"{prefix} {i:04d}",
                     "nik": f"6306014{i:09d}"[:16], "address": f"Jl. Melati No. {i}", "wilayah_code": None})
    with db.session() as s:
        return bulk_insert(s, Client, rows)


def _count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_distribution_writes_one_entry_per_recipient_with_versions(db):
    ids = _clients(db, 30)
    ids_with_dupe = [*ids, ids[0]]
    seen: list[tuple[int, int]] = []
    progress = Progress(on_update=lambda done, total, _m: seen.append((done, total)))
    result = dist.create_distribution(db, AID, ids_with_dupe, progress=progress, today=TODAY)
    d = result.distribution
    assert (d.title, d.recipients, d.value_rp, d.service_code) == (AID["title"], 30, 300_000, "bantuan_asistensi_sosial")
    assert len(result.entry_ids) == 30 and _count(db, ServiceEntry) == 30
    assert result.outside_plan == 30  # nobody has an approved plan: allowed, flagged
    entries = log.list_entries(db, distribution_id=d.id, limit=None)
    assert {e.client_id for e in entries} == set(ids)
    assert all(e.value_rp == 300_000 and e.unit == "paket" and e.outside_plan for e in entries)
    assert seen[-1][0] == seen[-1][1] == 60 and seen[0] == (0, 60)
    with db.session() as s:  # bulk-written entries carry their versions like any other write
        versions = s.scalar(select(func.count()).select_from(Version).where(
            Version.tbl == "service_entry", Version.col == "value_rp"))
    assert versions == 30
    assert dist.get_distribution(db, d.id) == d
    assert [x.id for x in dist.list_distributions(db)] == [d.id]


def test_one_bad_recipient_means_nothing_is_written_and_it_is_named(db):
    ids = _clients(db, 10)
    archive_client(db, ids[3])
    stranger = uuid7()
    with pytest.raises(dist.DistributionRefused) as refused:
        dist.create_distribution(db, AID, [*ids, stranger], today=TODAY)
    problems = {p.client_id: p for p in refused.value.problems}
    assert set(problems) == {ids[3], stranger}
    assert problems[ids[3]].name == "Penerima 0003" and "diarsipkan" in problems[ids[3]].message
    assert problems[ids[3]].display_id.startswith("DSHSS-")
    assert "2 dari 11 penerima" in refused.value.message and problems[ids[3]].display_id in refused.value.message
    assert _count(db, ServiceEntry) == 0 and _count(db, Distribution) == 0


def test_the_permakanan_rule_is_checked_per_recipient(db):
    ids = _clients(db, 3)
    for cid in ids:
        cases.open_case(db, cid, opened_on=D(2026, 3, 1), today=TODAY)
    log.add_entry(db, {"client_id": ids[1], "service_kind": "spm", "service_code": "permakanan",
                       "date_from": D(2026, 3, 2), "date_until": D(2026, 3, 6)}, TODAY)  # 5 days used
    food = {"title": "Permakanan razia", "service_kind": "spm", "service_code": "permakanan",
            "date_from": D(2026, 3, 20), "date_until": D(2026, 3, 22)}
    with pytest.raises(dist.DistributionRefused) as refused:
        dist.create_distribution(db, food, ids, today=TODAY)
    [problem] = refused.value.problems
    assert problem.client_id == ids[1] and "sudah tercatat 5 hari" in problem.message
    # the distribution's own values: refused once, not per recipient
    with pytest.raises(log.ServiceRuleError) as too_long:
        dist.create_distribution(db, food | {"date_until": D(2026, 3, 28)}, ids, today=TODAY)
    assert "yang diisi 9 hari" in too_long.value.message
    ok = dist.create_distribution(db, food, [ids[0], ids[2]], today=TODAY)
    assert ok.distribution.recipients == 2
    assert {e.case_id for e in log.list_entries(db, distribution_id=ok.distribution.id)} == {
        cases.open_case_of(db, ids[0]).id, cases.open_case_of(db, ids[2]).id}


def test_distribution_values_are_checked(db):
    ids = _clients(db, 2)
    with pytest.raises(ValidationError) as bad:
        dist.create_distribution(db, AID | {"title": " x "}, [], today=TODAY)
    assert set(bad.value.problems) == {"title", "recipients"}
    with pytest.raises(log.ServiceRuleError) as future:
        dist.create_distribution(db, AID | {"date_from": D(2026, 4, 5), "value_rp": 1.5}, ids, today=TODAY)
    assert set(future.value.problems) == {"date_from", "value_rp"}
    with pytest.raises(TypeError):
        dist.create_distribution(db, AID | {"colour": "red"}, ids, today=TODAY)
    assert _count(db, ServiceEntry) == 0


@pytest.mark.parametrize("cancel_at", [100, 240])  # while checking; after the entries were written
def test_cancelling_the_progress_rolls_everything_back(db, cancel_at):
    ids = _clients(db, 120)
    progress = Progress()

    def cancel_when_half(done, _total, _m):
        if done >= cancel_at:
            progress.cancel()

    progress.on_update = cancel_when_half
    with pytest.raises(Cancelled):
        dist.create_distribution(db, AID, ids, progress=progress, today=TODAY)
    assert _count(db, ServiceEntry) == 0 and _count(db, Distribution) == 0


def test_receipt_rows_follow_corrections_and_cancellations(db):
    ids = _clients(db, 3, prefix="Warga")
    with db.session() as s:
        c = s.get(Client, ids[2])
        c.nik = None
    res = dist.create_distribution(db, AID, list(reversed(ids)), today=TODAY)
    rows = dist.receipt_rows(db, res.distribution.id)
    assert [r.number for r in rows] == [1, 2, 3]
    assert [r.name for r in rows] == ["Warga 0000", "Warga 0001", "Warga 0002"]  # by name
    first = rows[0]
    assert first.nik_masked == "630601**********" and first.address == "Jl. Melati No. 0"
    assert first.value_text == "Rp300.000" and first.signature == "" and rows[2].nik_masked == "-"
    entries = {e.client_id: e for e in log.list_entries(db, distribution_id=res.distribution.id)}
    log.amend_entry(db, entries[ids[0]].id, {"value_rp": 250_000}, "Harga paket turun", today=TODAY)
    log.cancel_entry(db, entries[ids[1]].id, "Tidak hadir saat penyaluran")
    rows = dist.receipt_rows(db, res.distribution.id)
    assert [(r.name, r.value_rp) for r in rows] == [("Warga 0000", 250_000), ("Warga 0002", 300_000)]
    assert dist.get_distribution(db, res.distribution.id).recipients == 2
