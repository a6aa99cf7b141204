"""Case notes and case-conference records: checked on entry, dated, listed newest first; an edit goes through
the synced update path, so every earlier text stays as a version (note_history)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from atensi_desktop.db.models import Client, ClientCase, Version, Worker
from atensi_desktop.db.models.casework import CaseNote
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.services import casenotes as svc
from atensi_desktop.services.clients import create_client
from atensi_desktop.sync.ids import uuid7

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def setup(db):
    client = create_client(db, {"name": "Siti Aminah", "sex": "P"}).id
    other = create_client(db, {"name": "Budi Santoso", "sex": "L"}).id
    with db.session() as s:
        worker = Worker(name="Rahmawati", worker_type="pekerja_sosial", active=True)
        s.add(worker)
        s.flush()
        case = ClientCase(display_id="K-1", client_id=client, stage="asesmen", worker_id=worker.id,
                          opened_on=dt.date(2026, 1, 5))
        other_case = ClientCase(display_id="K-2", client_id=other, stage="asesmen", opened_on=dt.date(2026, 1, 6))
        s.add_all([case, other_case])
        s.flush()
        return {"client": client, "other": other, "worker": worker.id, "case": case.id, "other_case": other_case.id}


def _note_count(db):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(CaseNote))


def test_a_note_is_saved_with_its_day_worker_and_case(db, setup):
    note = svc.add_note(db, setup["client"], "  Kunjungan rumah pertama:\nibu klien hadir.  ", case_id=setup["case"],
                        written_on="05-03-2026", worker_id=setup["worker"], today=TODAY)
    assert (note.kind, note.kind_label, note.written_on, note.case_id, note.worker_name) == (
        "catatan", "Catatan kasus", dt.date(2026, 3, 5), setup["case"], "Rahmawati")
    assert note.text == "Kunjungan rumah pertama:\nibu klien hadir."  # inner line break kept, ends trimmed
    assert not note.edited and note.recorded_at.tzinfo is not None
    assert svc.add_note(db, setup["client"], "Telepon keluarga", today=TODAY).written_on == TODAY


def test_a_conference_needs_its_summary_participants_and_decisions(db, setup):
    with pytest.raises(ValidationError) as err:
        svc.add_conference(db, setup["client"], text="", participants=" ", decisions="ok", today=TODAY)
    assert set(err.value.problems) == {"text", "participants", "decisions"}
    conf = svc.add_conference(db, setup["client"], text="Membahas hasil asesmen dan pilihan rujukan.",
                              participants="Peksos, psikolog, Kabid Rehsos, keluarga",
                              decisions="Klien dirujuk ke RSJ; keluarga mendampingi.", case_id=setup["case"],
                              written_on=dt.date(2026, 3, 9), today=TODAY)
    assert (conf.kind, conf.kind_label, conf.participants) == (
        "konferensi_kasus", "Konferensi kasus", "Peksos, psikolog, Kabid Rehsos, keluarga")


def test_bad_notes_are_refused_and_nothing_is_written(db, setup):
    with pytest.raises(ValidationError) as err:
        svc.add_note(db, setup["client"], "ok", written_on=dt.date(2026, 3, 11), today=TODAY)
    assert set(err.value.problems) == {"text", "written_on"}
    with pytest.raises(ValidationError) as err:
        svc.add_note(db, setup["client"], "Catatan", written_on="31-02-2026", today=TODAY)
    assert "hari-bulan-tahun" in err.value.problems["written_on"]
    with pytest.raises(ValidationError) as err:
        svc.add_note(db, setup["client"], "Catatan", case_id=setup["other_case"], today=TODAY)
    assert set(err.value.problems) == {"case_id"}
    with pytest.raises(ValidationError) as err:
        svc.add_note(db, setup["client"], "Catatan", worker_id=uuid7(), today=TODAY)
    assert set(err.value.problems) == {"worker_id"}
    with pytest.raises(NotFoundError):
        svc.add_note(db, uuid7(), "Catatan", today=TODAY)
    with db.session() as s:
        s.get(Client, setup["other"]).merged_into = setup["client"]
    with pytest.raises(UserError, match="digabung"):
        svc.add_note(db, setup["other"], "Catatan", today=TODAY)
    assert _note_count(db) == 0


def test_an_edit_keeps_the_earlier_text_as_a_version(db, setup):
    note = svc.add_note(db, setup["client"], "Klien tinggal dengan nenek.", written_on=dt.date(2026, 3, 1),
                        today=TODAY)
    edited = svc.update_note(db, note.id, {"text": "Klien tinggal dengan nenek dan paman."}, today=TODAY)
    assert edited.text == "Klien tinggal dengan nenek dan paman." and edited.edited
    svc.update_note(db, note.id, {"text": "Klien tinggal dengan nenek dan paman."}, today=TODAY)  # no change
    svc.update_note(db, note.id, {"written_on": "02-03-2026"}, today=TODAY)
    history = svc.note_history(db, note.id)
    assert [(h.field, h.value) for h in history] == [
        ("written_on", "2026-03-01"), ("text", "Klien tinggal dengan nenek."),
        ("text", "Klien tinggal dengan nenek dan paman."), ("written_on", "2026-03-02")]
    assert all(h.saved_at.tzinfo is not None for h in history)
    with db.session() as s:
        texts = list(s.scalars(select(Version).where(Version.rid == note.id, Version.col == "text")
                               .order_by(Version.seq)))
    assert json.loads(texts[1].parents) == [[texts[0].hlc, texts[0].site]]  # the edit names what it replaced
    assert svc.get_note(db, note.id).written_on == dt.date(2026, 3, 2)


def test_an_edit_is_checked_like_a_new_note(db, setup):
    note = svc.add_note(db, setup["client"], "Catatan awal", today=TODAY)
    with pytest.raises(ValidationError) as err:
        svc.update_note(db, note.id, {"text": "", "participants": "Peksos"}, today=TODAY)
    assert set(err.value.problems) == {"text", "participants"}
    conf = svc.add_conference(db, setup["client"], text="Pembahasan", participants="Peksos", decisions="Rujuk",
                              today=TODAY)
    with pytest.raises(ValidationError) as err:
        svc.update_note(db, conf.id, {"decisions": None}, today=TODAY)
    assert set(err.value.problems) == {"decisions"}
    with pytest.raises(TypeError):
        svc.update_note(db, note.id, {"kind": "konferensi_kasus"}, today=TODAY)
    assert svc.get_note(db, note.id).text == "Catatan awal"
    assert svc.update_note(db, conf.id, {"decisions": "Rujuk ke RSJ"}, today=TODAY).decisions == "Rujuk ke RSJ"


def test_notes_are_listed_newest_first_by_case_and_kind(db, setup):
    old = svc.add_note(db, setup["client"], "Pertama", case_id=setup["case"], written_on=dt.date(2026, 2, 1),
                       today=TODAY)
    conf = svc.add_conference(db, setup["client"], text="Konferensi", participants="Tim", decisions="Lanjut",
                              case_id=setup["case"], written_on=dt.date(2026, 3, 1), today=TODAY)
    loose = svc.add_note(db, setup["client"], "Tanpa kasus", written_on=dt.date(2026, 2, 15), today=TODAY)
    same_day = svc.add_note(db, setup["client"], "Sore hari", case_id=setup["case"], written_on=dt.date(2026, 3, 1),
                            today=TODAY)
    gone = svc.add_note(db, setup["client"], "Salah klien", written_on=dt.date(2026, 3, 5), today=TODAY)
    svc.add_note(db, setup["other"], "Klien lain", today=TODAY)
    svc.archive_note(db, gone.id)

    assert [n.id for n in svc.list_notes(db, client_id=setup["client"])] == [same_day.id, conf.id, loose.id, old.id]
    assert [n.id for n in svc.list_notes(db, case_id=setup["case"])] == [same_day.id, conf.id, old.id]
    assert [n.id for n in svc.list_notes(db, client_id=setup["client"], kind="konferensi_kasus")] == [conf.id]
    assert svc.list_notes(db, client_id=setup["client"], include_archived=True)[0].id == gone.id
    assert [n.id for n in svc.list_notes(db, client_id=setup["client"], limit=2)] == [same_day.id, conf.id]
    with pytest.raises(NotFoundError):
        svc.update_note(db, gone.id, {"text": "Lagi"}, today=TODAY)
    assert svc.get_note(db, gone.id).archived
