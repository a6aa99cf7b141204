"""Each role's allowed and refused actions through the engine services; office scope, TKS assignment and
sensitive details (issue 8)."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest

from atensi_desktop.errors import UserError
from atensi_desktop.reports import registry
from atensi_desktop.reports.document import make_context
from atensi_desktop.security import auth, users
from atensi_desktop.security.roles import (
    ADMIN,
    KEPALA,
    OPERATOR,
    PEKSOS,
    ROLE_PERMISSIONS,
    ROLES,
    SENSITIVE_VIEW,
    TKS,
    PermissionDenied,
    can,
)
from atensi_desktop.services import assessments, casenotes, duplicates, referrals
from atensi_desktop.services import client_import as ci
from atensi_desktop.services import clients as svc
from atensi_desktop.services import service_log as log
from atensi_desktop.services.cases import get_case, list_cases, open_case
from atensi_desktop.services.client_export import export_clients
from atensi_desktop.services.clients import ClientQuery
from atensi_desktop.services.office import (
    OfficeInput,
    create_office,
    installation_office,
    office_input_from,
    setup_installation,
    update_office,
)
from atensi_desktop.services.workers import WorkerInput, create_worker
from atensi_desktop.sync.canonical import canonical_dump

PW = "kopi pagi di balai"
TODAY = dt.date.today()
FORM = "atensi_umum"


def build_world(db) -> dict:
    """Office A (this installation) with one user per role; clients:
    c1 (case of the TKS's worker, disability recorded), c2 (case of the social worker), c3 (registered by
    office B, nothing shared), c4 (registered by office B, referred to office A)."""
    setup = setup_installation(db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan",
                                               office_type="dinas_sosial", wilayah_code="63.06"))
    office_b = create_office(db, OfficeInput(name="LKS Harapan Bunda", office_type="lks", code="LKSHB"))
    w_tks = create_worker(db, WorkerInput(name="Rina Relawan", worker_type="tks"))
    w_peksos = create_worker(db, WorkerInput(name="Rahmat Peksos", worker_type="pekerja_sosial"))
    c1 = svc.create_client(db, {"name": "Siti Aminah", "sex": "P", "disability": "tunanetra"}).id
    c2 = svc.create_client(db, {"name": "Budi Santoso", "sex": "L"}).id
    case1 = open_case(db, c1, worker_id=w_tks.id).id
    case2 = open_case(db, c2, worker_id=w_peksos.id).id
    db.office_id = office_b.id  # two clients registered at office B (as if they arrived by sync)
    c3 = svc.create_client(db, {"name": "Ahmad Rizki", "sex": "L"}).id
    c4 = svc.create_client(db, {"name": "Dewi Lestari", "sex": "P"}).id
    db.office_id = setup.office.id
    referrals.create_referral(db, c4, {"direction": "masuk", "counterpart_kind": "dinas_sosial",
                                       "counterpart_name": "Dinas Sosial HSS", "counterpart_office_id": setup.office.id,
                                       "reason": "Perlu pendampingan lanjutan", "sent_on": TODAY})
    admin = auth.create_first_admin(db, username="admin", name="Siti Administrator", password=PW)
    auth.sign_in(db, admin)
    users.add_user(db, username="kepala", name="Kepala Dinas", role=KEPALA, password=PW)
    users.add_user(db, username="peksos", name="Rahmat Peksos", role=PEKSOS, password=PW, worker_id=w_peksos.id)
    users.add_user(db, username="tks", name="Rina Relawan", role=TKS, password=PW, worker_id=w_tks.id)
    users.add_user(db, username="operator", name="Oki Operator", role=OPERATOR, password=PW)
    auth.sign_out(db)
    return {"office": setup.office.id, "office_b": office_b.id, "w_tks": w_tks.id, "w_peksos": w_peksos.id,
            "c1": c1, "c2": c2, "c3": c3, "c4": c4, "case1": case1, "case2": case2}


def as_user(db, username: str):
    actor = auth.authenticate(db, username, PW)
    auth.sign_in(db, actor)
    return actor


def _import_preview(db, w, tmp):
    path = tmp / "klien.csv"
    path.write_text("Nama Lengkap;Jenis Kelamin\nAni;P\n", encoding="utf-8")
    table = ci.read_table(path)
    ci.preview(db, table, ci.guess_mapping(table.headers))


def _sync_export(db, w, tmp):
    from atensi_desktop.paths import resolve_paths
    from atensi_desktop.sync.exchange import export_bundle

    export_bundle(db, resolve_paths(tmp / "home").ensure(), ["TIDAKADA"], tmp / "x.lkssync")


ACTIONS = {
    "search": lambda db, w, tmp: svc.client_ids(db, ClientQuery()),
    "view_c1": lambda db, w, tmp: svc.get_client(db, w["c1"]),
    "create_client": lambda db, w, tmp: svc.create_client(db, {"name": "Klien Baru Sekali"}),
    "edit_c1": lambda db, w, tmp: svc.update_client(db, w["c1"], {"phone": "081234567890"}),
    "note_c1": lambda db, w, tmp: casenotes.add_note(db, w["c1"], "Kunjungan rumah, klien sehat."),
    "service_c1": lambda db, w, tmp: log.add_entry(db, {
        "client_id": w["c1"], "service_kind": "spm", "service_code": "permakanan",
        "date_from": TODAY - dt.timedelta(days=1)}, TODAY),
    "asesmen_c1": lambda db, w, tmp: assessments.start_assessment(db, w["c1"], form_id=FORM, form_version="1"),
    "report_case_c1": lambda db, w, tmp: registry.build_report(
        db, make_context(db, "kasus", case_id=w["case1"], redaction="mitra")),
    "report_spm": lambda db, w, tmp: registry.build_report(db, make_context(db, "spm", year=TODAY.year)),
    "export_xlsx": lambda db, w, tmp: export_clients(db, ClientQuery(), tmp / "klien.xlsx"),
    "import_preview": _import_preview,
    "duplicates": lambda db, w, tmp: duplicates.review_list(db),
    "sync_export": _sync_export,
    "worker_add": lambda db, w, tmp: create_worker(db, WorkerInput(name="Petugas Baru")),
    "users": lambda db, w, tmp: users.list_users(db),
    "office_settings": lambda db, w, tmp: update_office(db, w["office"], office_input_from(installation_office(db))),
    "dump": lambda db, w, tmp: canonical_dump(db, io.StringIO()),
}
# What each role may do: the intended matrix, written out (not derived from ROLE_PERMISSIONS).
Y, N = True, False
EXPECTED = {  #              admin kepala peksos tks operator
    "search":               (Y, Y, Y, Y, Y),
    "view_c1":              (Y, Y, Y, Y, Y),
    "create_client":        (Y, Y, Y, N, Y),
    "edit_c1":              (Y, Y, Y, Y, Y),
    "note_c1":              (Y, Y, Y, Y, N),
    "service_c1":           (Y, Y, Y, Y, Y),
    "asesmen_c1":           (Y, Y, Y, Y, N),
    "report_case_c1":       (Y, Y, Y, Y, N),
    "report_spm":           (Y, Y, Y, N, N),
    "export_xlsx":          (Y, Y, Y, N, N),
    "import_preview":       (Y, Y, Y, N, Y),
    "duplicates":           (Y, Y, Y, N, N),
    "sync_export":          (Y, Y, N, N, N),
    "worker_add":           (Y, N, N, N, N),
    "users":                (Y, N, N, N, N),
    "office_settings":      (Y, N, N, N, N),
    "dump":                 (Y, Y, Y, N, N),
}
# allowed actions that then stop for another reason (no such peer office): the check came first
FAILS_AFTER_CHECK = {"sync_export"}
USERNAMES = {ADMIN: "admin", KEPALA: "kepala", PEKSOS: "peksos", TKS: "tks", OPERATOR: "operator"}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_allowed_and_refused_what_the_matrix_says(db, tmp_path, role):
    world = build_world(db)
    as_user(db, USERNAMES[role])
    got = {}
    for name, action in ACTIONS.items():
        try:
            action(db, world, tmp_path)
            got[name] = Y
        except PermissionDenied as err:
            got[name] = N
            assert err.hint and "berhak" in str(err) or "jangkauan" in str(err), str(err)
        except UserError:
            assert name in FAILS_AFTER_CHECK, f"{name} failed for {role} after the permission check"
            got[name] = Y
    want = {name: EXPECTED[name][ROLES.index(role)] for name in ACTIONS}
    assert got == want


def test_a_refusal_names_what_was_refused_and_who_may(db):
    build_world(db)
    as_user(db, "operator")
    with pytest.raises(PermissionDenied) as err:
        users.list_users(db)
    assert "operator" in err.value.message and "mengelola pengguna" in err.value.message
    assert "Administrator" in err.value.hint


def test_no_actor_is_an_internal_call_and_is_allowed(db):
    world = build_world(db)  # signed out at the end
    assert svc.get_client(db, world["c3"]).values["name"] == "Ahmad Rizki"
    assert len(svc.client_ids(db, ClientQuery())) == 4
    assert can(db, SENSITIVE_VIEW, client_id=world["c3"])


def test_office_scope_shows_own_and_referred_clients_only(db):
    w = build_world(db)
    everyone = {w["c1"], w["c2"], w["c3"], w["c4"]}
    as_user(db, "admin")  # administrators see every office
    assert set(svc.client_ids(db, ClientQuery())) == everyone
    for name in ("kepala", "peksos", "operator"):
        as_user(db, name)
        assert set(svc.client_ids(db, ClientQuery())) == {w["c1"], w["c2"], w["c4"]}, name
        assert svc.count_clients(db, ClientQuery()) == 3
        with pytest.raises(PermissionDenied, match="di luar jangkauan"):
            svc.get_client(db, w["c3"])
        assert svc.get_client(db, w["c4"]).values["name"] == "Dewi Lestari"
    as_user(db, "peksos")
    with pytest.raises(PermissionDenied):
        svc.update_client(db, w["c3"], {"phone": "0811111111"})
    assert svc.find_by_display_id(db, svc.get_client(db, w["c1"]).display_id) == [w["c1"]]


def test_tks_reaches_only_the_clients_they_accompany(db):
    w = build_world(db)
    as_user(db, "tks")
    assert list(svc.client_ids(db, ClientQuery())) == [w["c1"]]
    assert [c.client_id for c in list_cases(db)] == [w["c1"]]
    for client in (w["c2"], w["c3"], w["c4"]):
        with pytest.raises(PermissionDenied, match="di luar jangkauan"):
            svc.get_client(db, client)
    with pytest.raises(PermissionDenied):
        get_case(db, w["case2"])
    with pytest.raises(PermissionDenied):
        casenotes.add_note(db, w["c2"], "Catatan untuk klien orang lain.")
    with pytest.raises(PermissionDenied):
        log.add_entry(db, {"client_id": w["c2"], "service_kind": "spm", "service_code": "permakanan",
                           "date_from": TODAY}, TODAY)
    with pytest.raises(PermissionDenied):
        registry.build_report(db, make_context(db, "kasus", case_id=w["case2"], redaction="mitra"))
    assert get_case(db, w["case1"]).client_id == w["c1"]


def test_tks_without_a_grant_sees_no_health_details_and_cannot_change_them(db):
    w = build_world(db)
    as_user(db, "tks")
    assert svc.get_client(db, w["c1"]).values["disability"] is None
    assert svc.client_detail(db, w["c1"]).client.values["disability"] is None
    with pytest.raises(PermissionDenied, match="kesehatan"):
        svc.update_client(db, w["c1"], {"disability": "tunarungu"})
    # saving the redacted form (blank field) changes other fields and keeps the stored detail
    svc.update_client(db, w["c1"], {"disability": None, "phone": "081299998888"})
    with pytest.raises(PermissionDenied):
        svc.create_client(db, {"name": "Klien Baru", "disability": "tunadaksa"})
    with pytest.raises(PermissionDenied, match="kesehatan"):
        registry.build_report(db, make_context(db, "kasus", case_id=w["case1"], redaction="lengkap"))
    with pytest.raises(PermissionDenied):
        registry.build_report(db, make_context(db, "kasus", case_id=w["case1"], redaction="mitra",
                                               show_sensitive=True))
    as_user(db, "peksos")
    values = svc.get_client(db, w["c1"]).values
    assert (values["disability"], values["phone"]) == ("tunanetra", "081299998888")


def test_a_granted_tks_sees_health_details(db):
    w = build_world(db)
    as_user(db, "admin")
    users.set_grants(db, "tks", [SENSITIVE_VIEW])
    as_user(db, "tks")
    assert svc.get_client(db, w["c1"]).values["disability"] == "tunanetra"
    svc.update_client(db, w["c1"], {"disability": "tunanetra, low vision"})


def test_asesmen_sensitive_sections_are_hidden_and_kept_for_tks(db):
    w = build_world(db)
    as_user(db, "peksos")
    a = assessments.start_assessment(db, w["c1"], form_id=FORM, form_version="1")
    assessments.save_section(db, a.id, "fisik", {"kondisi_umum": "sakit gula"})
    assessments.save_section(db, a.id, "anak", {"abh": "ya", "sekolah": "SD"})
    as_user(db, "tks")
    seen = assessments.get_assessment(db, a.id)
    assert seen.sections["fisik"].answers == {}
    assert seen.sections["anak"].answers == {"sekolah": "SD"}
    with pytest.raises(PermissionDenied):
        assessments.save_section(db, a.id, "fisik", {"kondisi_umum": "sehat"})
    with pytest.raises(PermissionDenied):
        assessments.save_section(db, a.id, "anak", {"abh": "tidak", "sekolah": "SD"})
    assessments.save_section(db, a.id, "anak", {"sekolah": "SMP"})  # the hidden answer stays
    as_user(db, "peksos")
    full = assessments.get_assessment(db, a.id)
    assert full.sections["anak"].answers == {"abh": "ya", "sekolah": "SMP"}
    assert full.sections["fisik"].answers == {"kondisi_umum": "sakit gula"}


def test_every_role_has_a_label_and_administrator_has_every_permission():
    from atensi_desktop.security.roles import PERMISSIONS, role_label

    assert set(ROLE_PERMISSIONS) == set(ROLES)
    assert ROLE_PERMISSIONS[ADMIN] == frozenset(PERMISSIONS)
    assert all(role_label(r) != r for r in ROLES if r != ADMIN)


def test_changes_record_the_signed_in_user(db):
    from sqlalchemy import select

    from atensi_desktop.db.models import Client

    w = build_world(db)
    actor = as_user(db, "operator")
    svc.update_client(db, w["c1"], {"phone": "0822"})
    with db.session() as s:
        assert s.scalar(select(Client.updated_by).where(Client.id == w["c1"])) == actor.user_id
    assert isinstance(actor.user_id, uuid.UUID)


def test_lists_by_case_and_the_due_list_keep_to_the_actor_reach(db):
    from atensi_desktop.services import tasks

    w = build_world(db)
    as_user(db, "peksos")
    for client, case in ((w["c1"], w["case1"]), (w["c2"], w["case2"])):
        tasks.add_task(db, client, {"title": "Kunjungan rumah", "due_on": TODAY, "case_id": case})
    assert len(tasks.tasks_due(db, today=TODAY).due_today) == 2
    as_user(db, "tks")
    due = tasks.tasks_due(db, today=TODAY)
    assert [t.client_id for t in due.due_today] == [w["c1"]]
    with pytest.raises(PermissionDenied):
        casenotes.list_notes(db, case_id=w["case2"])
    with pytest.raises(PermissionDenied):
        tasks.list_tasks(db, case_id=w["case2"])
    assert [t.client_id for t in tasks.list_tasks(db, case_id=w["case1"])] == [w["c1"]]
