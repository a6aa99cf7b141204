"""The service-delivery log: every rule of `check_entry` (the 7-day permakanan edges too), append-only
corrections and cancellations, effective entries, attachments."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from atensi_desktop.blobstore import BlobStore
from atensi_desktop.db.models import (
    InterventionActivity,
    InterventionGoal,
    InterventionPlan,
    ServiceAttachment,
    ServiceEntry,
    Version,
    Worker,
)
from atensi_desktop.errors import NotFoundError, UserError
from atensi_desktop.services import cases
from atensi_desktop.services import service_log as log
from atensi_desktop.services.clients import archive_client, create_client

TODAY = dt.date(2026, 3, 31)
D = dt.date
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _worker(db, name: str):
    with db.session() as s:
        worker = Worker(name=name, worker_type="pekerja_sosial", active=True)
        s.add(worker)
        s.flush()
        return worker.id


def _approved_plan(db, client_id, case_id, *activities):
    """An approved plan whose activities are (atensi_service, atensi_subitem, spm_service) tuples."""
    with db.session() as s:
        plan = InterventionPlan(client_id=client_id, case_id=case_id, status="disetujui", approved_on=D(2026, 1, 20))
        s.add(plan)
        s.flush()
        goal = InterventionGoal(plan_id=plan.id, goal="Kebutuhan dasar terpenuhi", horizon="segera",
                                status="direncanakan")
        s.add(goal)
        s.flush()
        ids = []
        for i, (component, sub, spm) in enumerate(activities):
            act = InterventionActivity(plan_id=plan.id, goal_id=goal.id, position=i, description=f"Kegiatan {i}",
                                       atensi_service=component, atensi_subitem=sub, spm_service=spm,
                                       status="direncanakan")
            s.add(act)
            s.flush()
            ids.append(act.id)
        return ids


@pytest.fixture
def world(db):
    siti = create_client(db, {"name": "Siti Aminah", "sex": "P"}).id
    rina = _worker(db, "Rina Hartati")
    case = cases.open_case(db, siti, approach="keluarga", worker_id=rina, opened_on=D(2026, 1, 5), today=TODAY)
    return {"client": siti, "worker": rina, "case": case.id}


def _food(world, start, until=None, **kw):
    return {"client_id": world["client"], "service_kind": "spm", "service_code": "permakanan",
            "date_from": start, "date_until": until} | kw


def _check(db, values):
    return log.check_entry(db, values, TODAY)


# --- the 7-day permakanan rule ---------------------------------------------------------------------------

@pytest.mark.parametrize(("days", "allowed"), [(1, True), (6, True), (7, True), (8, False), (9, False)])
def test_one_permakanan_entry_covers_at_most_seven_days(db, world, days, allowed):
    start = D(2026, 3, 1)
    errors, _warnings = _check(db, _food(world, start, start + dt.timedelta(days=days - 1)))
    if allowed:
        assert errors == {}
    else:
        assert errors == {"date_until": (
            f"Permakanan paling lama 7 hari (SPM rehabilitasi sosial dasar); yang diisi {days} hari. "
            "Pecah menjadi dua layanan atau perbaiki tanggalnya.")}


def test_a_too_long_permakanan_entry_in_the_future_gets_both_messages(db, world):
    errors, _w = _check(db, _food(world, D(2026, 3, 28), D(2026, 4, 5)))
    assert "masa depan (05-04-2026)" in errors["date_until"] and "yang diisi 9 hari" in errors["date_until"]


def test_a_one_day_permakanan_entry_counts_one_day(db, world):
    entry = log.add_entry(db, _food(world, D(2026, 3, 1)), TODAY)
    assert entry.days == 1 and entry.date_until is None
    # six more days fit in the case, a seventh does not
    log.add_entry(db, _food(world, D(2026, 3, 2), D(2026, 3, 7)), TODAY)
    errors, _w = _check(db, _food(world, D(2026, 3, 8)))
    assert set(errors) == {"permakanan_days"}
    assert "sudah tercatat 7 hari" in errors["permakanan_days"] and "menjadi 8 hari" in errors["permakanan_days"]
    assert "masih boleh dicatat 0 hari" in errors["permakanan_days"]


@pytest.mark.parametrize(("second_days", "allowed"), [(2, True), (3, True), (4, False)])
def test_permakanan_days_add_up_within_a_case(db, world, second_days, allowed):
    log.add_entry(db, _food(world, D(2026, 2, 1), D(2026, 2, 4)), TODAY)  # 4 days
    start = D(2026, 3, 1)
    values = _food(world, start, start + dt.timedelta(days=second_days - 1))
    errors, _w = _check(db, values)
    assert (errors == {}) is allowed
    if not allowed:
        assert "sudah tercatat 4 hari" in errors["permakanan_days"]
        assert "menjadi 8 hari" in errors["permakanan_days"] and "masih boleh dicatat 3 hari" in errors[
            "permakanan_days"]
        with pytest.raises(log.ServiceRuleError) as refused:
            log.add_entry(db, values, TODAY)
        assert refused.value.problems == errors
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(ServiceEntry)) == 1


def test_overlapping_permakanan_days_are_counted_once(db, world):
    log.add_entry(db, _food(world, D(2026, 3, 1), D(2026, 3, 5)), TODAY)
    # 3..7 March overlaps 3..5: the case then covers 1..7 March = 7 distinct days (with a double-entry warning)
    errors, warnings = _check(db, _food(world, D(2026, 3, 3), D(2026, 3, 7)))
    assert errors == {}
    assert any("catatan ganda" in w for w in warnings)
    errors, _w = _check(db, _food(world, D(2026, 3, 3), D(2026, 3, 8)))
    assert "permakanan_days" in errors


def test_a_new_case_is_a_new_episode_for_permakanan(db, world):
    log.add_entry(db, _food(world, D(2026, 1, 10), D(2026, 1, 16)), TODAY)
    cases.terminate(db, world["case"], "tujuan_tercapai", on=D(2026, 1, 31), today=TODAY)
    second = cases.open_case(db, world["client"], opened_on=D(2026, 3, 1), today=TODAY)
    entry = log.add_entry(db, _food(world, D(2026, 3, 2), D(2026, 3, 8)), TODAY)
    assert entry.case_id == second.id and entry.days == 7


def test_without_a_case_a_continuous_stay_counts(db):
    client = create_client(db, {"name": "Gelandangan Tanpa Nama"}).id
    base = {"client_id": client, "service_kind": "spm", "service_code": "permakanan", "case_id": None}
    log.add_entry(db, base | {"date_from": D(2026, 3, 1), "date_until": D(2026, 3, 4)}, TODAY)  # 4 days
    # touching the stay (5..8 March): 8 days in a row, refused; after a gap (10..13 March): a new stay
    errors, _w = _check(db, base | {"date_from": D(2026, 3, 5), "date_until": D(2026, 3, 8)})
    assert "tanpa kasus" in errors["permakanan_days"] and "menjadi 8 hari" in errors["permakanan_days"]
    assert _check(db, base | {"date_from": D(2026, 3, 5), "date_until": D(2026, 3, 7)})[0] == {}
    assert _check(db, base | {"date_from": D(2026, 3, 10), "date_until": D(2026, 3, 13)})[0] == {}


def test_atensi_permakanan_has_no_seven_day_limit(db, world):
    values = {"client_id": world["client"], "service_kind": "atensi", "service_code": "kebutuhan_hidup_layak",
              "subitem_code": "permakanan", "date_from": D(2026, 1, 10), "date_until": D(2026, 3, 10)}
    assert _check(db, values)[0] == {}
    entry = log.add_entry(db, values, TODAY)
    assert entry.days == 60 and entry.service_label.endswith("Permakanan")


# --- the other rules -------------------------------------------------------------------------------------

def test_service_codes_must_exist_in_their_list(db, world):
    base = {"client_id": world["client"], "date_from": D(2026, 3, 1)}
    assert "service_kind" in _check(db, base | {"service_kind": "lain", "service_code": "sandang"})[0]
    assert "service_code" in _check(db, base | {"service_kind": "spm", "service_code": "terapi"})[0]
    assert "service_code" in _check(db, base | {"service_kind": "rehab", "service_code": "permakanan"})[0]
    errors = _check(db, base | {"service_kind": "atensi", "service_code": "terapi", "subitem_code": "sandang"})[0]
    assert "subitem_code" in errors
    assert "subitem_code" in _check(db, base | {"service_kind": "spm", "service_code": "sandang",
                                                "subitem_code": "x"})[0]
    for kind, code, sub in (("atensi", "terapi", "terapi_fisik"), ("atensi", "dukungan_keluarga", None),
                            ("spm", "fasilitasi_adminduk", None), ("rehab", "bimbingan_fisik", None)):
        assert _check(db, base | {"service_kind": kind, "service_code": code, "subitem_code": sub})[0] == {}


def test_dates_quantity_and_value(db, world):
    base = _food(world, D(2026, 3, 1))
    assert "date_until" in _check(db, base | {"date_until": D(2026, 2, 28)})[0]
    assert "date_from" in _check(db, base | {"date_from": None})[0]
    assert "date_from" in _check(db, base | {"date_from": "31-02-2026"})[0]
    assert _check(db, base | {"date_from": "01-03-2026"})[0] == {}
    # the future is refused, today is fine
    assert "masa depan" in _check(db, base | {"date_from": D(2026, 4, 1)})[0]["date_from"]
    assert "masa depan" in _check(db, base | {"date_from": D(2026, 3, 30), "date_until": D(2026, 4, 1)})[0][
        "date_until"]
    assert _check(db, base | {"date_from": TODAY})[0] == {}
    # quantity > 0 with a unit
    assert "quantity" in _check(db, base | {"quantity": 0, "unit": "paket"})[0]
    assert "quantity" in _check(db, base | {"quantity": "-1", "unit": "paket"})[0]
    assert "quantity" in _check(db, base | {"quantity": "dua", "unit": "paket"})[0]
    assert "unit" in _check(db, base | {"quantity": 2})[0]
    assert "quantity" in _check(db, base | {"unit": "paket"})[0]
    assert _check(db, base | {"quantity": "2,5", "unit": "kg"})[0] == {}
    # whole Rupiah, not negative
    assert "value_rp" in _check(db, base | {"value_rp": -1})[0]
    assert "value_rp" in _check(db, base | {"value_rp": 1500.5})[0]
    assert "value_rp" in _check(db, base | {"value_rp": "150.000,50"})[0]
    assert "value_rp" in _check(db, base | {"value_rp": "seratus"})[0]
    assert _check(db, base | {"value_rp": 0})[0] == {}
    entry = log.add_entry(db, base | {"value_rp": "Rp 150.000", "quantity": "2,5", "unit": "kg"}, TODAY)
    assert entry.value_rp == 150_000 and entry.quantity == Decimal("2.5")
    assert log.format_rupiah(entry.value_rp) == "Rp150.000"
    # read back from the database: the same values, the quantity as its exact version
    [again] = log.list_entries(db, world["client"])
    assert (again.value_rp, again.quantity, again.unit) == (150_000, Decimal("2.5"), "kg")
    with db.session() as s:
        assert s.scalar(select(Version.val).where(Version.rid == entry.id, Version.col == "quantity")) == "2.5"


def test_refdata_fields_and_people_must_exist(db, world):
    base = _food(world, D(2026, 3, 1))
    assert "approach" in _check(db, base | {"approach": "online"})[0]
    assert "funding_source" in _check(db, base | {"funding_source": "hibah_x"})[0]
    assert "provider_worker_id" in _check(db, base | {"provider_worker_id": world["client"]})[0]
    assert "provider_office_id" in _check(db, base | {"provider_office_id": world["client"]})[0]
    assert "plan_activity_id" in _check(db, base | {"plan_activity_id": world["client"]})[0]
    other = create_client(db, {"name": "Orang Lain"}).id
    other_case = cases.open_case(db, other, today=TODAY).id
    assert "case_id" in _check(db, base | {"case_id": other_case})[0]
    ok = {"approach": "komunitas", "funding_source": "apbd", "provider_worker_id": world["worker"]}
    assert _check(db, base | ok)[0] == {}


def test_archived_and_merged_clients_are_refused(db, world):
    archive_client(db, world["client"])
    errors, _w = _check(db, _food(world, D(2026, 3, 1)))
    assert "diarsipkan" in errors["client_id"]
    with db.session() as s:
        from atensi_desktop.db.models import Client

        merged = Client(display_id="X-1", name="Dobel", merged_into=world["client"])
        s.add(merged)
        s.flush()
        merged_id = merged.id
    errors, _w = _check(db, _food(world, D(2026, 3, 1)) | {"client_id": merged_id})
    assert "digabung" in errors["client_id"]
    with pytest.raises(log.ServiceRuleError):
        log.add_entry(db, _food(world, D(2026, 3, 1)), TODAY)


def test_a_service_outside_the_approved_plan_is_flagged_not_refused(db, world):
    values = _food(world, D(2026, 3, 1))
    errors, warnings = _check(db, values)
    assert errors == {} and any("belum punya rencana intervensi" in w for w in warnings)
    [act_food, act_therapy] = _approved_plan(db, world["client"], world["case"], (
        "kebutuhan_hidup_layak", "permakanan", "permakanan"), ("terapi", "terapi_fisik", None))
    inside = log.add_entry(db, values, TODAY)
    assert not inside.outside_plan and inside.flags == {}
    therapy = log.add_entry(db, {"client_id": world["client"], "service_kind": "atensi", "service_code": "terapi",
                                 "date_from": D(2026, 3, 2)}, TODAY)
    assert not therapy.outside_plan  # component planned (any subitem)
    outside = log.add_entry(db, {"client_id": world["client"], "service_kind": "spm", "service_code": "sandang",
                                 "date_from": D(2026, 3, 2)}, TODAY)
    assert outside.outside_plan and outside.flags == {"outside_plan": True}
    assert any("tidak ada dalam rencana" in w for w in outside.warnings)
    # a rehab form linked explicitly to a plan activity counts as planned
    linked = log.add_entry(db, {"client_id": world["client"], "service_kind": "rehab",
                                "service_code": "bimbingan_fisik", "date_from": D(2026, 3, 2),
                                "plan_activity_id": act_therapy}, TODAY)
    assert not linked.outside_plan and linked.plan_activity_id == act_therapy
    mismatch = log.add_entry(db, {"client_id": world["client"], "service_kind": "spm", "service_code": "rujukan",
                                  "date_from": D(2026, 3, 3), "plan_activity_id": act_food}, TODAY)
    assert any("berbeda dengan layanan pada kegiatan" in w for w in mismatch.warnings)
    with db.session() as s:
        flags = s.scalar(select(Version.val).where(Version.rid == outside.id, Version.col == "flags"))
    assert json.loads(flags) == {"outside_plan": True}


def test_an_entry_after_terminasi_is_warned_and_flagged(db, world):
    cases.terminate(db, world["case"], "tujuan_tercapai", on=D(2026, 2, 28), today=TODAY)
    values = {"client_id": world["client"], "case_id": world["case"], "service_kind": "atensi",
              "service_code": "dukungan_keluarga", "date_from": D(2026, 3, 10)}
    entry = log.add_entry(db, values, TODAY)
    assert entry.after_termination and any("sesudah terminasi" in w and "28-02-2026" in w for w in entry.warnings)
    on_the_day = log.add_entry(db, values | {"date_from": D(2026, 2, 28)}, TODAY)
    assert not on_the_day.after_termination
    early = log.add_entry(db, values | {"date_from": D(2026, 1, 2)}, TODAY)
    assert any("sebelum kasus dibuka" in w for w in early.warnings)


def test_the_open_case_is_used_when_no_case_is_named(db, world):
    entry = log.add_entry(db, _food(world, D(2026, 3, 1)), TODAY)
    assert entry.case_id == world["case"] and entry.approach == "keluarga"  # the case's approach by default
    none = log.add_entry(db, _food(world, D(2026, 3, 2)) | {"case_id": None, "service_code": "sandang"}, TODAY)
    assert none.case_id is None


def test_all_errors_come_back_together_and_nothing_is_written(db, world):
    values = _food(world, D(2026, 4, 2), D(2026, 4, 1)) | {"value_rp": -5, "approach": "x"}
    with pytest.raises(log.ServiceRuleError) as refused:
        log.add_entry(db, values, TODAY)
    assert set(refused.value.problems) == {"date_until", "value_rp", "approach"}
    assert all(msg in refused.value.message for msg in refused.value.problems.values())
    assert isinstance(refused.value, UserError)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ServiceEntry)) == 0


# --- append-only: corrections and cancellations ----------------------------------------------------------

def test_a_correction_is_a_new_entry_and_the_original_is_kept(db, world):
    original = log.add_entry(db, _food(world, D(2026, 3, 1), D(2026, 3, 3)) | {"value_rp": 90_000}, TODAY)
    fixed = log.amend_entry(db, original.id, {"value_rp": 60_000, "date_until": D(2026, 3, 2)}, "Salah hitung hari",
                            today=TODAY)
    assert fixed.id != original.id and fixed.amends_id == original.id and fixed.entry_type == "koreksi"
    assert (fixed.value_rp, fixed.days, fixed.reason) == (60_000, 2, "Salah hitung hari")
    assert [e.id for e in log.list_entries(db, world["client"])] == [fixed.id]
    everything = log.list_entries(db, world["client"], effective_only=False)
    assert {e.id: e.superseded for e in everything} == {original.id: True, fixed.id: False}
    assert log.get_entry(db, original.id).value_rp == 90_000  # never updated
    with db.session() as s:  # the original's business fields have exactly one version each
        counts = dict(s.execute(select(Version.col, func.count()).where(Version.rid == original.id)
                                .group_by(Version.col)).all())
    assert counts["value_rp"] == 1 and counts["date_until"] == 1
    assert [e.id for e in log.entry_history(db, fixed.id)] == [original.id, fixed.id]
    with pytest.raises(UserError, match="sudah dikoreksi"):
        log.amend_entry(db, original.id, {"value_rp": 1}, "lagi", today=TODAY)


def test_a_correction_replaces_the_originals_permakanan_days(db, world):
    original = log.add_entry(db, _food(world, D(2026, 3, 1), D(2026, 3, 7)), TODAY)  # all 7 days used
    moved = log.amend_entry(db, original.id, {"date_from": D(2026, 3, 2), "date_until": D(2026, 3, 8)},
                            "Tanggal bergeser sehari", today=TODAY)
    assert moved.days == 7
    with pytest.raises(log.ServiceRuleError) as too_long:
        log.amend_entry(db, moved.id, {"date_until": D(2026, 3, 9)}, "Tambah sehari", today=TODAY)
    assert "yang diisi 8 hari" in too_long.value.problems["date_until"]


def test_corrections_are_checked_and_must_change_something(db, world):
    original = log.add_entry(db, _food(world, D(2026, 3, 1)), TODAY)
    with pytest.raises(log.ServiceRuleError) as bad:
        log.amend_entry(db, original.id, {"date_from": D(2026, 5, 1)}, "Tanggal", today=TODAY)
    assert "masa depan" in bad.value.message
    with pytest.raises(log.ServiceRuleError) as no_reason:
        log.amend_entry(db, original.id, {"value_rp": 5}, "  ", today=TODAY)
    assert "reason" in no_reason.value.problems
    with pytest.raises(UserError, match="Tidak ada yang berubah"):
        log.amend_entry(db, original.id, {"date_from": D(2026, 3, 1)}, "sama saja", today=TODAY)
    with pytest.raises(log.ServiceRuleError) as other_client:
        log.amend_entry(db, original.id, {"client_id": world["client"]}, "pindah klien", today=TODAY)
    assert "client_id" in other_client.value.problems
    with pytest.raises(NotFoundError):
        log.amend_entry(db, world["client"], {"value_rp": 5}, "tidak ada", today=TODAY)
    assert len(log.list_entries(db, world["client"], effective_only=False)) == 1


def test_a_cancellation_removes_the_entry_from_what_counts(db, world):
    entry = log.add_entry(db, _food(world, D(2026, 3, 1), D(2026, 3, 7)), TODAY)
    batal = log.cancel_entry(db, entry.id, "Klien tidak hadir")
    assert batal.entry_type == "batal" and batal.amends_id == entry.id and not batal.effective
    assert (batal.service_code, batal.date_from, batal.date_until) == ("permakanan", D(2026, 3, 1), D(2026, 3, 7))
    assert log.list_entries(db, world["client"]) == []
    assert len(log.list_entries(db, world["client"], effective_only=False)) == 2
    # the cancelled days are free again
    assert log.add_entry(db, _food(world, D(2026, 3, 10), D(2026, 3, 16)), TODAY).days == 7
    with pytest.raises(UserError, match="sudah dibatalkan"):
        log.cancel_entry(db, entry.id, "lagi")
    with pytest.raises(UserError, match="catatan pembatalan"):
        log.amend_entry(db, batal.id, {"value_rp": 1}, "koreksi batal", today=TODAY)


def test_list_entries_newest_first_by_client_and_case(db, world):
    first = log.add_entry(db, _food(world, D(2026, 3, 1)), TODAY)
    later = log.add_entry(db, {"client_id": world["client"], "service_kind": "atensi", "service_code": "terapi",
                               "date_from": D(2026, 3, 20)}, TODAY)
    loose = log.add_entry(db, {"client_id": world["client"], "case_id": None, "service_kind": "spm",
                               "service_code": "sandang", "date_from": D(2026, 3, 10)}, TODAY)
    assert [e.id for e in log.list_entries(db, world["client"])] == [later.id, loose.id, first.id]
    assert [e.id for e in log.list_entries(db, case_id=world["case"])] == [later.id, first.id]
    assert [e.id for e in log.list_entries(db, world["client"], limit=1)] == [later.id]
    assert [e.id for e in log.list_entries(db, world["client"], since=D(2026, 3, 5), until=D(2026, 3, 15))] == [
        loose.id]


def test_resolve_service_reads_what_a_user_types():
    assert log.resolve_service("spm:permakanan") == ("spm", "permakanan", None)
    assert log.resolve_service("permakanan") == ("spm", "permakanan", None)  # a component before a subitem
    assert log.resolve_service("atensi:terapi/terapi_fisik") == ("atensi", "terapi", "terapi_fisik")
    assert log.resolve_service("terapi_fisik") == ("atensi", "terapi", "terapi_fisik")
    assert log.resolve_service("REHAB:bimbingan_fisik") == ("rehab", "bimbingan_fisik", None)
    with pytest.raises(UserError, match="beberapa daftar"):
        log.resolve_service("perawatan_pengasuhan")
    with pytest.raises(UserError, match="tidak dikenali"):
        log.resolve_service("makan_siang")
    with pytest.raises(UserError, match="tidak dikenali"):
        log.resolve_service("lain:permakanan")


# --- attachments -----------------------------------------------------------------------------------------

def test_attachments_are_stored_once_and_follow_a_correction(db, world, paths):
    entry = log.add_entry(db, _food(world, D(2026, 3, 1)), TODAY)
    att = log.add_attachment(db, paths.blobs, entry.id, PDF, "tanda_terima", file_name="C:\\scan\\tanda.pdf")
    assert (att.kind_label, att.file_name, att.media_type, att.size) == (
        "Tanda terima", "tanda.pdf", "application/pdf", len(PDF))
    assert BlobStore(paths.blobs).read(att.sha256) == PDF
    assert log.attachment_bytes(db, paths.blobs, att.id) == PDF
    with pytest.raises(UserError, match="tidak diterima"):
        log.add_attachment(db, paths.blobs, entry.id, b"hello", "kuitansi", file_name="a.txt")
    with pytest.raises(UserError, match="jenis bukti"):
        log.add_attachment(db, paths.blobs, entry.id, PDF, "surat_cinta")
    with pytest.raises(NotFoundError):
        log.add_attachment(db, paths.blobs, world["client"], PDF, "kuitansi")
    fixed = log.amend_entry(db, entry.id, {"value_rp": 30_000}, "Nilai lupa diisi", today=TODAY)
    [carried] = log.list_attachments(db, fixed.id)
    assert carried.sha256 == att.sha256 and carried.id != att.id
    assert [a.id for a in log.list_attachments(db, entry.id)] == [att.id]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ServiceAttachment)) == 2


def test_the_log_and_the_stage_history_refuse_updates_in_place(db, world):
    entry = log.add_entry(db, _food(world, D(2026, 3, 1)), TODAY)
    with pytest.raises(RuntimeError, match="append-only"), db.session() as s:
        s.get(ServiceEntry, entry.id).value_rp = 5
    assert log.get_entry(db, entry.id).value_rp is None
    from atensi_desktop.db.models import CaseStageChange

    with pytest.raises(RuntimeError, match="append-only"), db.session() as s:
        s.scalars(select(CaseStageChange)).first().note = "diubah"
    with db.session() as s:  # the tombstone may still be set (sync, archiving)
        s.get(ServiceEntry, entry.id).deleted = True
    assert log.list_entries(db, world["client"]) == []


def test_check_entry_takes_a_session_or_the_database(db, world):
    values = _food(world, D(2026, 3, 1), D(2026, 3, 10))
    with db.session() as s:
        in_session = log.check_entry(s, values, TODAY)
    assert in_session == log.check_entry(db, values, TODAY)
    assert "yang diisi 10 hari" in in_session[0]["date_until"]
