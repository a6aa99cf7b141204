"""The audit trail (services/audit.py): access events, the merged per-client history, who and what, filters,
pages, permissions, and the events written by viewing, printing and exporting."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from report_world import TODAY, build_world
from sqlalchemy import func, select

from atensi_desktop.db.models import AuditEvent
from atensi_desktop.errors import NotFoundError
from atensi_desktop.services import audit, cases
from atensi_desktop.services.clients import (
    ClientQuery,
    archive_client,
    create_client,
    get_client,
    open_client,
    restore_client,
    update_client,
)


def _events(db) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_record_writes_one_event_with_codes_only(db):
    client = create_client(db, {"name": "Siti Aminah", "sex": "P"})
    audit.record(db, audit.PRINT, client_id=client.id, obj=("client", client.id),
                 detail={"kind": "asesmen", "pages": 3, "code": "ABCD-EFGH"})
    [event] = _events(db)
    assert (event.action, event.client_id, event.obj_table, event.obj_id) == ("print", client.id, "client", client.id)
    assert event.detail == {"kind": "asesmen", "pages": 3, "code": "ABCD-EFGH"}
    assert event.at is not None


@pytest.mark.parametrize("detail", [{"kind": "Siti Aminah"}, {"name": "x"}, {"code": "6306015203900001 Siti"},
                                    {"kind": {"nested": 1}}])
def test_record_refuses_free_text_or_unknown_keys(db, detail):
    with pytest.raises(ValueError):
        audit.record(db, audit.VIEW, detail=detail)
    assert _events(db) == []


def test_record_refuses_unknown_action(db):
    with pytest.raises(ValueError):
        audit.record(db, "delete")


def test_history_merges_changes_and_events_newest_first(db):
    siti = create_client(db, {"name": "Siti Aminah", "sex": "P", "nik": "6306015203900001"})
    other = create_client(db, {"name": "Budi Santoso", "sex": "L"})
    update_client(db, siti.id, {"name": "Siti Aminah Rahman", "address": "RT 02 Desa Hamalau"})
    update_client(db, other.id, {"address": "elsewhere"})
    open_client(db, siti.id)
    archive_client(db, siti.id)
    restore_client(db, siti.id)
    page = audit.client_history(db, siti.id)
    actions = [r.action for r in page.rows]
    assert actions == ["restore", "archive", "view", "change", "create"]
    assert page.total == 5
    change = page.rows[3]
    assert change.what == "Data klien"
    assert "Nama" in change.detail and "Alamat" in change.detail and "diubah" in change.detail
    # personal values never appear in the trail: only the names of the fields
    for row in page.rows:
        assert "Rahman" not in row.detail and "Hamalau" not in row.detail and "630601" not in row.detail
    assert all(r.obj_id == siti.id for r in page.rows)
    assert [r.at for r in page.rows] == sorted((r.at for r in page.rows), reverse=True)


def test_history_includes_the_clients_own_records_with_stage_values(db):
    w = build_world(db)
    cases.change_stage(db, w.case, "rencana_intervensi", on=TODAY)
    page = audit.client_history(db, w.siti, limit=None)
    tables = {r.obj_table for r in page.rows}
    assert {"client", "client_case", "case_stage_change", "referral"} <= tables
    assert "service_entry" not in tables  # the services of the world belong to Budi
    stage_changes = [r for r in page.rows if r.obj_table == "client_case" and r.action == "change"]
    newest = stage_changes[0].detail  # stage codes are shown as labels, old → new
    assert "Asesmen → Rencana" in newest and "rencana_intervensi" not in newest
    assert all(r.user_name for r in page.rows)  # the installation's user wrote them
    budi = audit.client_history(db, w.budi, limit=None)
    assert "service_entry" in {r.obj_table for r in budi.rows}
    assert not {r.obj_id for r in budi.rows} & {r.obj_id for r in page.rows}


def test_history_filters_and_pages(db):
    client = create_client(db, {"name": "Siti Aminah", "sex": "P"})
    for i in range(7):
        update_client(db, client.id, {"phone": f"08123456{i:04d}"})
        open_client(db, client.id)
    views = audit.client_history(db, client.id, actions={audit.VIEW})
    assert views.total == 7 and {r.action for r in views.rows} == {"view"}
    changes = audit.client_history(db, client.id, actions=audit.CHANGE_ACTIONS)
    assert changes.total == 8 and {r.action for r in changes.rows} == {"create", "change"}
    everything = audit.client_history(db, client.id, limit=None)
    assert everything.total == 15 and len(everything.rows) == 15
    first = audit.client_history(db, client.id, limit=6)
    second = audit.client_history(db, client.id, limit=6, offset=6)
    third = audit.client_history(db, client.id, limit=6, offset=12)
    assert (len(first.rows), len(second.rows), len(third.rows)) == (6, 6, 3)
    assert list(first.rows + second.rows + third.rows) == list(everything.rows)


def test_history_of_an_unknown_client_is_refused(db):
    with pytest.raises(NotFoundError):
        audit.client_history(db, uuid.uuid4())


def test_open_client_records_a_view_and_get_client_does_not(db):
    client = create_client(db, {"name": "Siti Aminah", "sex": "P"})
    get_client(db, client.id)
    assert _events(db) == []
    assert open_client(db, client.id).id == client.id
    [event] = _events(db)
    assert (event.action, event.client_id) == ("view", client.id)


def test_printing_a_case_report_records_a_print_for_its_client(db, paths):
    from atensi_desktop.reports.document import make_context
    from atensi_desktop.reports.registry import make_report

    w = build_world(db)
    rendered = make_report(db, make_context(db, "kasus", case_id=w.case, today=TODAY))
    [event] = [e for e in _events(db) if e.action == "print"]
    assert event.client_id == w.siti
    assert (event.obj_table, event.obj_id) == ("report_issued", rendered.report_id)
    assert event.detail["kind"] == "kasus" and event.detail["pages"] == rendered.pages
    rows = audit.client_history(db, w.siti, actions={audit.PRINT}).rows
    assert len(rows) == 1 and "kasus" in rows[0].detail


def test_client_list_export_records_an_export_without_names(db, tmp_path):
    from atensi_desktop.services.client_export import export_clients

    create_client(db, {"name": "Siti Aminah", "sex": "P"})
    create_client(db, {"name": "Budi Santoso", "sex": "L"})
    export_clients(db, ClientQuery(), tmp_path / "klien.xlsx")
    [event] = _events(db)
    assert event.action == "export" and event.client_id is None
    assert event.detail == {"kind": "daftar_klien", "format": "xlsx", "count": 2}


def test_history_needs_the_audit_permission(db):
    from atensi_desktop.security.auth import sign_in, sign_out
    from atensi_desktop.security.roles import KEPALA, PEKSOS, Actor, PermissionDenied

    client = create_client(db, {"name": "Siti Aminah", "sex": "P"})
    user_id = uuid.uuid4()
    sign_in(db, Actor(user_id=user_id, username="rina", name="Rina", role=PEKSOS, office_id=db.office_id))
    try:
        with pytest.raises(PermissionDenied):
            audit.client_history(db, client.id)
        sign_in(db, Actor(user_id=user_id, username="kepala", name="Kepala", role=KEPALA, office_id=db.office_id))
        audit.record(db, audit.VIEW, client_id=client.id)
        rows = audit.client_history(db, client.id, actions={audit.VIEW}).rows
        assert [r.user_name for r in rows] == ["kepala"]  # the signed-in user's name, kept with the event
    finally:
        sign_out(db)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_history_of_2000_events_reads_every_row(db):
    client = create_client(db, {"name": "Siti Aminah", "sex": "P"})
    with db.engine.begin() as conn:
        now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        conn.execute(AuditEvent.__table__.insert(), [
            {"at": now + dt.timedelta(minutes=i), "action": "view", "client_id": client.id} for i in range(2000)])
    page = audit.client_history(db, client.id, limit=50)
    assert page.total == 2001 and len(page.rows) == 50
    assert page.rows[0].action == "create"  # made now, after the events dated 2026-01-01/02
    assert [r.at for r in page.rows[1:]] == [now + dt.timedelta(minutes=1999 - i) for i in range(49)]
    last = audit.client_history(db, client.id, limit=50, offset=2000)
    assert [r.at for r in last.rows] == [now]


def test_a_change_received_from_another_office_is_marked(db):
    from atensi_desktop.db.models import Site, Version
    from atensi_desktop.sync import hlc

    client = create_client(db, {"name": "Siti Aminah", "sex": "P"})
    when = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)  # later than the local writes
    with db.session() as s:
        site = Site(site_uuid=uuid.uuid4())
        s.add(site)
        s.flush()
        s.add(Version(site=site.ordinal, seq=1, tbl="client", rid=client.id, col="phone",
                      hlc=hlc.pack(int(when.timestamp() * 1000)), val='"081234567890"', parents=None))
    [received, created] = audit.client_history(db, client.id).rows
    assert (received.action, received.received, received.user_name, received.at) == ("change", True, None, when)
    assert received.who == "(kantor lain)" and received.detail == "Telepon diubah"
    assert (created.action, created.received) == ("create", False)
