"""Rujukan: a referral moves dikirim -> diterima -> selesai (or ditolak), each status an event; every other
move, a date in the future or before the previous status, and bad fields are refused and change nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from atensi_desktop.db.models import Client, ClientCase, Office, Version, Worker
from atensi_desktop.db.models.casework import Referral, ReferralEvent
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.services import referrals as svc
from atensi_desktop.services.clients import archive_client, create_client

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def setup(db):
    client = create_client(db, {"name": "Siti Aminah", "sex": "P"}).id
    other = create_client(db, {"name": "Budi Santoso", "sex": "L"}).id
    with db.session() as s:
        worker = Worker(name="Rahmawati", worker_type="pekerja_sosial", active=True)
        s.add(worker)
        s.flush()
        case = ClientCase(display_id="K-1", client_id=client, stage="pelaksanaan_intervensi", worker_id=worker.id,
                          opened_on=dt.date(2026, 1, 5))
        other_case = ClientCase(display_id="K-2", client_id=other, stage="asesmen", opened_on=dt.date(2026, 1, 6))
        s.add_all([case, other_case])
        s.flush()
        ids = {"client": client, "other": other, "worker": worker.id, "case": case.id, "other_case": other_case.id}
    return ids


def _values(**over):
    values = {"direction": "keluar", "counterpart_kind": "rumah_sakit", "counterpart_name": "RSJ Sambang Lihum",
              "reason": "Pemeriksaan dan perawatan kejiwaan", "sent_on": dt.date(2026, 3, 2)}
    values.update(over)
    return values


def _counts(db):
    with db.session() as s:
        return (s.scalar(select(func.count()).select_from(Referral)),
                s.scalar(select(func.count()).select_from(ReferralEvent)),
                s.scalar(select(func.count()).select_from(Version)))


def test_a_referral_is_sent_accepted_and_completed_with_an_event_for_each_status(db, setup):
    ref = svc.create_referral(db, setup["client"], _values(case_id=setup["case"], worker_id=setup["worker"],
                                                            services_requested="Rawat inap"), today=TODAY)
    assert (ref.status, ref.sent_on, ref.case_id, ref.worker_name) == ("dikirim", dt.date(2026, 3, 2), setup["case"],
                                                                       "Rahmawati")
    assert (ref.client_name, ref.counterpart_kind_label, ref.next_statuses) == (
        "Siti Aminah", "Rumah Sakit", ("diterima", "ditolak"))
    assert [(e.status, e.changed_on) for e in ref.events] == [("dikirim", dt.date(2026, 3, 2))]

    svc.change_status(db, ref.id, "diterima", on=dt.date(2026, 3, 4), worker_id=setup["worker"],
                      note="Diterima di poli jiwa", today=TODAY)
    done = svc.change_status(db, ref.id, "selesai", on="09-03-2026", today=TODAY)
    assert done.status == "selesai" and done.next_statuses == ()
    got = svc.get_referral(db, ref.id)
    assert [(e.status, e.changed_on, e.worker_name, e.note) for e in got.events] == [
        ("dikirim", dt.date(2026, 3, 2), "Rahmawati", None),
        ("diterima", dt.date(2026, 3, 4), "Rahmawati", "Diterima di poli jiwa"),
        ("selesai", dt.date(2026, 3, 9), None, None),
    ]
    # the status register kept every value as a version
    with db.session() as s:
        values = [json.loads(v) for v in s.scalars(select(Version.val).where(
            Version.rid == ref.id, Version.col == "status").order_by(Version.seq))]
    assert values == ["dikirim", "diterima", "selesai"]


@pytest.mark.parametrize(("path", "refused"), [
    ((), "selesai"),                       # dikirim -> selesai skips diterima
    ((), "dikirim"),                       # already dikirim
    (("diterima",), "dikirim"),            # backwards
    (("diterima", "selesai"), "ditolak"),  # a finished referral is final
    (("ditolak",), "diterima"),            # a declined one too
])
def test_moves_outside_the_allowed_ones_are_refused_and_write_nothing(db, setup, path, refused):
    ref = svc.create_referral(db, setup["client"], _values(), today=TODAY)
    for status in path:
        svc.change_status(db, ref.id, status, on=TODAY, note="alasan", today=TODAY)
    before = _counts(db)
    with pytest.raises(UserError, match="(?i)rujukan") as err:
        svc.change_status(db, ref.id, refused, on=TODAY, note="alasan", today=TODAY)
    assert err.value.hint
    assert _counts(db) == before
    assert svc.get_referral(db, ref.id).status == (path[-1] if path else "dikirim")


def test_the_refusal_says_which_moves_are_possible(db, setup):
    ref = svc.create_referral(db, setup["client"], _values(), today=TODAY)
    with pytest.raises(UserError) as err:
        svc.change_status(db, ref.id, "selesai", today=TODAY)
    assert err.value.message == "Status rujukan tidak bisa diubah dari dikirim menjadi selesai."
    assert err.value.hint == "Dari status dikirim, rujukan hanya bisa menjadi diterima atau ditolak."
    svc.change_status(db, ref.id, "ditolak", note="Tempat penuh", today=TODAY)
    with pytest.raises(UserError) as err:
        svc.change_status(db, ref.id, "diterima", today=TODAY)
    assert "tidak bisa diubah lagi" in err.value.hint


def test_declining_needs_a_reason(db, setup):
    ref = svc.create_referral(db, setup["client"], _values(), today=TODAY)
    with pytest.raises(ValidationError) as err:
        svc.change_status(db, ref.id, "ditolak", note="   ", today=TODAY)
    assert set(err.value.problems) == {"note"}
    assert svc.change_status(db, ref.id, "ditolak", note="Kuota penuh", today=TODAY).events[-1].note == "Kuota penuh"


def test_a_status_in_the_future_or_before_the_previous_one_is_refused(db, setup):
    ref = svc.create_referral(db, setup["client"], _values(sent_on=dt.date(2026, 3, 5)), today=TODAY)
    before = _counts(db)
    with pytest.raises(ValidationError) as err:
        svc.change_status(db, ref.id, "diterima", on=dt.date(2026, 3, 11), today=TODAY)
    assert set(err.value.problems) == {"on"}
    with pytest.raises(ValidationError, match="05-03-2026"):
        svc.change_status(db, ref.id, "diterima", on=dt.date(2026, 3, 4), today=TODAY)
    with pytest.raises(ValidationError):
        svc.change_status(db, ref.id, "diterima", on="kemarin", today=TODAY)
    assert _counts(db) == before
    svc.change_status(db, ref.id, "diterima", on=dt.date(2026, 3, 8), today=TODAY)
    with pytest.raises(ValidationError, match="08-03-2026"):
        svc.change_status(db, ref.id, "selesai", on=dt.date(2026, 3, 7), today=TODAY)
    assert svc.change_status(db, ref.id, "selesai", on=dt.date(2026, 3, 8), today=TODAY).status == "selesai"


def test_bad_fields_are_named_and_nothing_is_written(db, setup):
    before = _counts(db)
    with pytest.raises(ValidationError) as err:
        svc.create_referral(db, setup["client"], _values(direction="ke sana", counterpart_kind="bulan",
                                                          counterpart_name="X", reason="", sent_on="2026-03-11"),
                            today=TODAY)
    assert set(err.value.problems) == {"direction", "counterpart_kind", "counterpart_name", "reason", "sent_on"}
    assert "belum terjadi" in err.value.problems["sent_on"]
    assert _counts(db) == before
    with pytest.raises(TypeError):
        svc.create_referral(db, setup["client"], _values(status="selesai"), today=TODAY)


def test_the_counterpart_kind_is_matched_from_its_abbreviation_and_the_date_defaults_to_today(db, setup):
    values = _values(counterpart_kind="Dukcapil", counterpart_name="Disdukcapil HSS", sent_on=None)
    ref = svc.create_referral(db, setup["client"], values, today=TODAY)
    assert (ref.counterpart_kind, ref.sent_on) == ("dukcapil", TODAY)


def test_client_case_worker_and_office_must_exist_and_fit(db, setup):
    with pytest.raises(ValidationError) as err:
        svc.create_referral(db, setup["client"], _values(case_id=setup["other_case"]), today=TODAY)
    assert "klien lain" in err.value.problems["case_id"]
    with pytest.raises(ValidationError) as err:
        svc.create_referral(db, setup["client"], _values(worker_id=setup["case"]), today=TODAY)
    assert set(err.value.problems) == {"worker_id"}
    with pytest.raises(ValidationError) as err:
        svc.create_referral(db, setup["client"], _values(counterpart_office_id=setup["worker"]), today=TODAY)
    assert set(err.value.problems) == {"counterpart_office_id"}
    with pytest.raises(NotFoundError):
        svc.create_referral(db, setup["case"], _values(), today=TODAY)
    archive_client(db, setup["other"])
    with pytest.raises(UserError, match="diarsipkan"):
        svc.create_referral(db, setup["other"], _values(), today=TODAY)
    with db.session() as s:
        s.get(Client, setup["other"]).deleted = False
        s.get(Client, setup["other"]).merged_into = setup["client"]
    with pytest.raises(UserError, match="digabung"):
        svc.create_referral(db, setup["other"], _values(), today=TODAY)
    assert _counts(db)[0] == 0


def test_an_office_of_the_directory_can_be_the_counterpart(db, setup):
    with db.session() as s:
        office = Office(code="PSBS", name="UPTD Panti Sosial Budi Sejahtera", office_type="panti")
        s.add(office)
        s.flush()
        office_id = office.id
    ref = svc.create_referral(db, setup["client"], _values(counterpart_kind="panti", counterpart_office_id=office_id,
                                                            counterpart_name="UPTD Panti Sosial Budi Sejahtera",
                                                            direction="masuk"), today=TODAY)
    assert (ref.counterpart_office_id, ref.direction_label) == (office_id, "Rujukan masuk")


def test_the_sent_date_can_be_corrected_only_while_the_referral_is_still_sent(db, setup):
    ref = svc.create_referral(db, setup["client"], _values(), today=TODAY)
    fixed = svc.update_referral(db, ref.id, {"sent_on": "03-03-2026", "letter_number": "460/123/Dinsos/2026"},
                                today=TODAY)
    assert (fixed.sent_on, fixed.letter_number) == (dt.date(2026, 3, 3), "460/123/Dinsos/2026")
    assert [e.changed_on for e in fixed.events] == [dt.date(2026, 3, 3)]
    svc.change_status(db, ref.id, "diterima", on=dt.date(2026, 3, 5), today=TODAY)
    with pytest.raises(UserError, match="setelah statusnya berubah"):
        svc.update_referral(db, ref.id, {"sent_on": dt.date(2026, 3, 1)}, today=TODAY)
    assert svc.update_referral(db, ref.id, {"note": "Surat dibawa keluarga"}, today=TODAY).note == \
        "Surat dibawa keluarga"
    with pytest.raises(TypeError):
        svc.update_referral(db, ref.id, {"status": "selesai"}, today=TODAY)


def test_lists_filter_by_client_case_status_and_direction_newest_first(db, setup):
    first = svc.create_referral(db, setup["client"], _values(sent_on=dt.date(2026, 2, 1), case_id=setup["case"]),
                                today=TODAY)
    second = svc.create_referral(db, setup["client"], _values(sent_on=dt.date(2026, 3, 1), direction="masuk",
                                                               counterpart_kind="puskesmas",
                                                               counterpart_name="Puskesmas Kandangan"), today=TODAY)
    theirs = svc.create_referral(db, setup["other"], _values(sent_on=dt.date(2026, 2, 15)), today=TODAY)
    gone = svc.create_referral(db, setup["client"], _values(sent_on=dt.date(2026, 3, 3)), today=TODAY)
    svc.archive_referral(db, gone.id)
    svc.change_status(db, first.id, "diterima", on=dt.date(2026, 2, 3), today=TODAY)

    assert [r.id for r in svc.list_referrals(db, client_id=setup["client"])] == [second.id, first.id]
    assert [r.id for r in svc.list_referrals(db, case_id=setup["case"])] == [first.id]
    assert [r.id for r in svc.list_referrals(db, status="dikirim")] == [second.id, theirs.id]
    assert [r.id for r in svc.list_referrals(db, status=("diterima", "selesai"))] == [first.id]
    assert [r.id for r in svc.list_referrals(db, direction="masuk")] == [second.id]
    assert [r.id for r in svc.list_referrals(db, client_id=setup["client"], include_archived=True)] == [
        gone.id, second.id, first.id]
    assert svc.get_referral(db, gone.id).archived
    with pytest.raises(NotFoundError):
        svc.change_status(db, gone.id, "diterima", today=TODAY)
