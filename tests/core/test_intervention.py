"""Rencana intervensi: drafted from a finished asesmen's needs, goals and activities edited as keyed rows,
approval refused while there are gaps, archive keeps history."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from atensi_desktop.db.models import ClientCase, InterventionActivity, Version, Worker
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.refdata import ref_list
from atensi_desktop.services import assessments as asesmen
from atensi_desktop.services import intervention as svc
from atensi_desktop.services.clients import create_client

TODAY = dt.date(2026, 1, 31)


def _worker(db, name: str):
    with db.session() as s:
        worker = Worker(name=name, worker_type="pekerja_sosial", active=True)
        s.add(worker)
        s.flush()
        return worker.id


@pytest.fixture
def finished(db):
    """A finished asesmen of a client with a case handled by a worker; needs in the kebutuhan section."""
    client = create_client(db, {"name": "Siti Aminah", "sex": "P"}).id
    worker = _worker(db, "Rahmawati")
    with db.session() as s:
        case = ClientCase(display_id="K-1", client_id=client, stage="asesmen", worker_id=worker,
                          opened_on=dt.date(2026, 1, 1))
        s.add(case)
        s.flush()
        case_id = case.id
    a = asesmen.start_assessment(db, client, form_id="atensi_umum", form_version="1", case_id=case_id)
    asesmen.save_section(db, a.id, "kebutuhan", {
        "kebutuhan_dasar": ["permakanan", "fasilitasi_adminduk"], "layanan": "terapi_psikososial",
        "lain": "bukan_kode", "catatan_lain": ["permakanan"]})
    asesmen.finish(db, a.id)
    return {"client": client, "worker": worker, "case": case_id, "assessment": a.id}


def test_a_plan_is_drafted_from_the_assessments_needs(db, finished):
    plan = svc.draft_plan_from_assessment(db, finished["assessment"], today=TODAY)
    assert (plan.status, plan.client_id, plan.case_id, plan.assessment_id) == (
        "draf", finished["client"], finished["case"], finished["assessment"])
    assert [g.need_code for g in plan.goals] == ["permakanan", "fasilitasi_adminduk", "terapi_psikososial"]
    assert plan.unmapped_needs == ("bukan_kode",)
    food, papers, therapy = plan.goals
    assert (food.horizon, food.target_date) == ("segera", dt.date(2026, 2, 28))  # 1 month, end of month kept
    assert (papers.horizon, papers.target_date) == ("pendek", dt.date(2026, 4, 30))
    assert therapy.horizon == "menengah" and therapy.target_date == dt.date(2026, 7, 31)
    [act] = food.activities
    assert (act.spm_service, act.atensi_service, act.atensi_subitem) == (
        "permakanan", "kebutuhan_hidup_layak", "permakanan")
    assert therapy.activities[0].atensi_service == "terapi"
    assert therapy.activities[0].atensi_subitem == "terapi_psikososial"
    # the case's worker is responsible for every drafted activity
    assert {a.responsible_worker_id for g in plan.goals for a in g.activities} == {finished["worker"]}
    assert food.horizon_label == ref_list("intervention_horizons").label("segera")
    # the draft is stored: read back the same
    assert svc.get_plan(db, plan.id).goals == plan.goals
    assert [p.id for p in svc.plans_for_client(db, finished["client"])] == [plan.id]
    with pytest.raises(svc.PlanExistsError) as twice:
        svc.draft_plan_from_assessment(db, finished["assessment"], today=TODAY)
    assert twice.value.plan_id == plan.id


def test_the_needs_mapping_and_reader_are_parameters(db, finished):
    def mapper(code):
        if code != "permakanan":
            return None
        return svc.GoalDraft(goal="Makan dua kali sehari", horizon="segera", activities=(
            svc.ActivityDraft("Antar makanan", atensi_service="kebutuhan_hidup_layak", spm_service="permakanan",
                              method="Kunjungan rumah"),
            svc.ActivityDraft("Pantau berat badan", atensi_service="terapi", atensi_subitem="terapi_fisik")))

    plan = svc.draft_plan_from_assessment(db, finished["assessment"], mapper, worker_id=None, today=TODAY,
                                          needs_reader=lambda sections: ["permakanan", "sandang"])
    assert [g.goal for g in plan.goals] == ["Makan dua kali sehari"]
    assert [a.description for a in plan.goals[0].activities] == ["Antar makanan", "Pantau berat badan"]
    assert plan.goals[0].activities[0].method == "Kunjungan rumah"
    assert plan.unmapped_needs == ("sandang",)


def test_every_refdata_need_code_has_a_default_goal():
    codes = list(ref_list("spm_services").codes()) + list(ref_list("atensi_services").codes())
    codes += [sub["code"] for item in ref_list("atensi_services").items for sub in item.extra["subitems"]]
    for code in codes:
        draft = svc.default_needs_mapper(code)
        assert draft is not None, code
        assert draft.horizon in ref_list("intervention_horizons"), code
        for act in draft.activities:
            svc.validate_activity({"description": act.description, "atensi_service": act.atensi_service,
                                   "atensi_subitem": act.atensi_subitem, "spm_service": act.spm_service})
    assert svc.default_needs_mapper("tidak_ada") is None


def test_a_plan_needs_a_finished_assessment(db):
    client = create_client(db, {"name": "Budi Santoso", "sex": "L"}).id
    a = asesmen.start_assessment(db, client, form_id="atensi_umum", form_version="1")
    with pytest.raises(UserError, match="belum selesai"):
        svc.draft_plan_from_assessment(db, a.id)
    assert svc.plans_for_client(db, client) == []


def test_goals_and_activities_are_edited_as_their_own_rows(db, finished):
    plan = svc.draft_plan_from_assessment(db, finished["assessment"], today=TODAY)
    with pytest.raises(ValidationError) as bad:
        svc.add_goal(db, plan.id, {"goal": "Ok", "horizon": "besok", "target_date": "31-02-2026"})
    assert set(bad.value.problems) == {"goal", "horizon", "target_date"}
    goal = svc.add_goal(db, plan.id, {"goal": "Klien kembali ke keluarga", "horizon": "panjang",
                                      "objective": "Keluarga menerima klien", "target_date": "2027-01-31"})
    assert goal.position == 3 and goal.target_date == dt.date(2027, 1, 31) and goal.status == "direncanakan"
    with pytest.raises(ValidationError) as wrong_sub:
        svc.add_activity(db, goal.id, {"description": "Mediasi", "atensi_service": "terapi",
                                       "atensi_subitem": "mediasi_keluarga"})
    assert set(wrong_sub.value.problems) == {"atensi_subitem"}
    act = svc.add_activity(db, goal.id, {"description": "Mediasi keluarga", "atensi_service": "dukungan_keluarga",
                                         "atensi_subitem": "mediasi_keluarga", "method": "Konferensi kasus",
                                         "team": "Peksos dan TKSK", "responsible_worker_id": finished["worker"]})
    with db.session() as s:
        before = s.scalar(select(Version.seq).order_by(Version.seq.desc()).limit(1))
    svc.update_activity(db, act.id, {"method": "Kunjungan rumah"})
    with db.session() as s:
        new = list(s.scalars(select(Version).where(Version.seq > before)))
    assert [(v.rid, v.col, json.loads(v.val)) for v in new] == [(act.id, "method", "Kunjungan rumah")]
    with pytest.raises(ValidationError):
        svc.update_activity(db, act.id, {"responsible_worker_id": _missing_worker()})

    first = plan.goals[0]
    svc.archive_goal(db, first.id)
    shown = svc.get_plan(db, plan.id)
    assert first.id not in {g.id for g in shown.goals}
    with db.session() as s:  # kept, with its activities, only hidden
        kept = list(s.scalars(select(InterventionActivity).where(InterventionActivity.goal_id == first.id)))
    assert len(kept) == 1 and not kept[0].deleted
    with pytest.raises(NotFoundError):
        svc.update_goal(db, first.id, {"goal": "Lagi"})


def _missing_worker():
    import uuid

    return uuid.UUID(int=42)


def test_approval_is_refused_while_the_plan_has_gaps(db, finished):
    plan = svc.draft_plan_from_assessment(db, finished["assessment"], today=TODAY)
    empty = svc.add_goal(db, plan.id, {"goal": "Klien bersekolah lagi", "horizon": "menengah"})
    loose = svc.add_activity(db, plan.goals[0].id, {"description": "Cari donatur"})
    with pytest.raises(ValidationError) as refused:
        svc.approve_plan(db, plan.id, worker_id=finished["worker"])
    assert set(refused.value.problems) == {f"goal:{empty.id}", f"activity:{loose.id}:responsible_worker_id",
                                           f"activity:{loose.id}:service"}
    assert svc.get_plan(db, plan.id).status == "draf"

    svc.archive_goal(db, empty.id)
    svc.archive_activity(db, loose.id)
    ok = svc.approve_plan(db, plan.id, worker_id=finished["worker"], approved_on=dt.date(2026, 2, 2))
    assert (ok.status, ok.approved_on, ok.approved_by) == ("disetujui", dt.date(2026, 2, 2), finished["worker"])
    # approved: progress may be recorded, the content may not change
    goal = ok.goals[0]
    assert svc.update_goal(db, goal.id, {"status": "berjalan"}).status == "berjalan"
    assert svc.update_activity(db, goal.activities[0].id, {"status": "selesai"}).status == "selesai"
    with pytest.raises(UserError, match="sudah disetujui"):
        svc.update_goal(db, goal.id, {"goal": "Tujuan lain"})
    with pytest.raises(UserError, match="sudah disetujui"):
        svc.add_goal(db, plan.id, {"goal": "Tujuan baru", "horizon": "segera"})
    back = svc.revise_plan(db, plan.id)
    assert (back.status, back.approved_on) == ("draf", None)
    assert svc.update_goal(db, goal.id, {"goal": "Tujuan lain"}).goal == "Tujuan lain"


def test_archiving_a_plan_keeps_it_and_frees_the_assessment(db, finished):
    plan = svc.draft_plan_from_assessment(db, finished["assessment"], today=TODAY)
    svc.archive_plan(db, plan.id)
    assert svc.plans_for_client(db, finished["client"]) == []
    kept = svc.get_plan(db, plan.id)
    assert kept.archived and len(kept.goals) == 3
    again = svc.draft_plan_from_assessment(db, finished["assessment"], today=TODAY)
    assert again.id != plan.id
    assert {p.id for p in svc.plans_for_client(db, finished["client"], include_archived=True)} == {plan.id, again.id}


def test_horizon_months_are_added_to_the_end_of_a_month():
    assert svc.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert svc.add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert svc.horizon_target("panjang", dt.date(2026, 2, 1)) == dt.date(2027, 2, 1)


def test_a_forms_need_options_with_their_links_make_the_mapper(db, finished):
    links = {
        "makan": ("Makanan sehari-hari", {"atensi_services": ["kebutuhan_hidup_layak"], "spm_services": ["permakanan"]}),
        "kesehatan": ("Pemeriksaan dan obat", {"atensi_services": ["kebutuhan_hidup_layak"],
                                               "spm_services": ["perbekalan_kesehatan", "akses_pendidikan_kesehatan"]}),
        "keterampilan_usaha": ("Pelatihan keterampilan dan usaha", {"atensi_services": ["vokasional_kewirausahaan"]}),
        "tidak_berlaku": ("Sesuatu", {"spm_services": ["bukan_spm"]}),
    }
    mapper = svc.mapper_from_links(links)
    food = mapper("makan")
    assert food.horizon == "segera" and food.goal == "Kebutuhan klien terpenuhi: makanan sehari-hari."
    assert [(a.atensi_service, a.atensi_subitem, a.spm_service) for a in food.activities] == [
        ("kebutuhan_hidup_layak", "permakanan", "permakanan")]
    health = mapper("kesehatan")  # the form's component link wins over the default one
    assert [(a.atensi_service, a.spm_service) for a in health.activities] == [
        ("kebutuhan_hidup_layak", "perbekalan_kesehatan"), ("kebutuhan_hidup_layak", "akses_pendidikan_kesehatan")]
    skills = mapper("keterampilan_usaha")
    assert skills.horizon == "panjang" and skills.activities[0].atensi_service == "vokasional_kewirausahaan"
    assert mapper("tidak_berlaku") is None
    assert mapper("sandang").activities[0].spm_service == "sandang"  # a refdata code: the default mapping
    plan = svc.draft_plan_from_assessment(db, finished["assessment"], mapper, today=TODAY,
                                          needs_reader=lambda sections: ["makan", "keterampilan_usaha", "x"])
    assert [g.need_code for g in plan.goals] == ["makan", "keterampilan_usaha"]
    assert plan.unmapped_needs == ("x",)


def test_a_plan_drafted_with_the_shipped_form_reads_its_needs_checklist_not_its_free_text(db):
    client = create_client(db, {"name": "Sarinah", "sex": "P"}).id
    a = asesmen.start_assessment(db, client, form_id="asesmen_umum", form_version="1")
    asesmen.save_section(db, a.id, "kebutuhan", {"kebutuhan": ["makan", "adminduk", "cari_keluarga"],
                                                 "paling_mendesak": "permakanan"})
    asesmen.finish(db, a.id)
    plan = svc.draft_plan_from_form(db, a.id, today=TODAY)
    assert [g.need_code for g in plan.goals] == ["makan", "adminduk", "cari_keluarga"]
    assert plan.unmapped_needs == ()
    makan, adminduk, cari = plan.goals
    assert makan.goal == "Kebutuhan klien terpenuhi: makanan sehari-hari."
    # the option's maps_to: permakanan under the component the form names
    assert [(x.atensi_service, x.spm_service) for x in makan.activities] == [("kebutuhan_hidup_layak", "permakanan")]
    assert {x.spm_service for x in adminduk.activities} == {"fasilitasi_adminduk"}
    assert [x.spm_service for x in cari.activities] == ["penelusuran_keluarga"]
    # the generic reader would have taken the free text "permakanan" as a need of its own
    with pytest.raises(svc.PlanExistsError):
        svc.draft_plan_from_form(db, a.id, today=TODAY)


def test_drafting_with_the_form_refuses_an_unknown_asesmen(db):
    import uuid

    with pytest.raises(NotFoundError):
        svc.draft_plan_from_form(db, uuid.uuid4())
