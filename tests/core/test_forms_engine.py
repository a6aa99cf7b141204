"""Forms as data: loader errors with file and line, skip logic, rules, scores, keyed rows, versions."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from atensi_desktop.forms import (
    FormError,
    check_all_forms,
    check_section,
    compare,
    load_forms,
    make_context,
    new_row_key,
    review,
    table_rows,
    visible_questions,
)
from atensi_desktop.forms.expr import ExprError, parse
from atensi_desktop.refdata import ALL_LISTS, ref_list

TODAY = dt.date(2026, 11, 30)


def _write(tmp_path, name, text):
    (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")


BASE = """\
form: uji
version: 1
title: Uji
sections:
  - id: a
    title: Bagian A
    questions:
      - id: tanggal
        type: date
        label: Tanggal
      - id: agama
        type: single_choice
        label: Agama
        ref: religions
"""


@pytest.mark.parametrize(
    ("replace", "line", "words"),
    [
        ("ref: religions", 14, "merujuk ke daftar 'agamaa' yang tidak ada"),
        ("type: date", 9, "jenis 'tanggl' tidak dikenal"),
        ("label: Tanggal", 10, "kunci 'lable' tidak dikenal"),
    ],
)
def test_broken_file_names_file_and_line(tmp_path, replace, line, words):
    bad = {"ref: religions": "ref: agamaa", "type: date": "type: tanggl", "label: Tanggal": "lable: Tanggal"}[replace]
    _write(tmp_path, "uji.v1.yaml", BASE.replace(replace, bad))
    with pytest.raises(FormError) as err:
        load_forms(tmp_path)
    assert err.value.file_name == "uji.v1.yaml" and err.value.line == line
    assert f"uji.v1.yaml baris {line}:" in str(err.value) and words in str(err.value)


def test_show_if_pointing_at_unknown_question_is_a_load_error(tmp_path):
    _write(tmp_path, "uji.v1.yaml", BASE + '        show_if: answer("a.tanggall") != null\n')
    with pytest.raises(FormError) as err:
        load_forms(tmp_path)
    assert err.value.line == 15 and "'a.tanggall' yang tidak ada" in err.value.problem


def test_expression_typo_and_unknown_name_are_load_errors(tmp_path):
    _write(tmp_path, "uji.v1.yaml", BASE + '        show_if: age >= \n')
    with pytest.raises(FormError, match="baris 15: rumus"):
        load_forms(tmp_path)
    _write(tmp_path, "uji.v1.yaml", BASE + '        show_if: umur >= 60\n')
    with pytest.raises(FormError, match="nama 'umur' tidak dikenal"):
        load_forms(tmp_path)


def test_duplicate_ids_yaml_syntax_and_file_name_are_load_errors(tmp_path):
    dup = BASE + "      - id: agama\n        type: text\n        label: Lagi\n"
    _write(tmp_path, "uji.v1.yaml", dup)
    with pytest.raises(FormError) as err:
        load_forms(tmp_path)
    assert err.value.line == 15 and "ditulis dua kali" in err.value.problem
    _write(tmp_path, "uji.v1.yaml", BASE.replace("title: Bagian A", "title: [Bagian A"))
    with pytest.raises(FormError, match="uji.v1.yaml baris"):
        load_forms(tmp_path)
    (tmp_path / "uji.v1.yaml").unlink()
    _write(tmp_path, "uji.v2.yaml", BASE)
    with pytest.raises(FormError, match="uji.v1.yaml"):  # content says version 1
        load_forms(tmp_path)


def test_expression_language_is_safe_and_three_valued():
    with pytest.raises(ExprError):
        parse("__import__('os').system('x')")  # "." is not part of the language
    expr = parse("__import__('os')")
    with pytest.raises(ExprError, match="fungsi '__import__' tidak dikenal"):
        expr.check_names(frozenset())
    with pytest.raises(ExprError):
        parse("1 +")
    with pytest.raises(ExprError):
        parse("a.b")


# --- the shipped general form -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def form():
    return check_all_forms().get("asesmen_umum")


def test_every_shipped_form_loads_and_refdata_references_exist():
    registry = check_all_forms()
    assert "asesmen_umum" in registry.ids()
    for form in registry:
        for path, q in form._paths.items():
            if q.ref:
                assert q.ref in ALL_LISTS and q.options, path
            for option in q.options:
                for list_name, codes in option.maps_to:
                    assert set(codes) <= set(ref_list(list_name).codes()), (path, option.code)


def test_needs_checklist_covers_all_seven_atensi_services(form):
    q = form.question("kebutuhan.kebutuhan")
    mapped = {c for o in q.options for (name, codes) in o.maps_to if name == "atensi_services" for c in codes}
    assert mapped == set(ref_list("atensi_services").codes())


def test_cluster_sections_follow_the_clients_clusters(form):
    ctx = make_context(birth_date=dt.date(1950, 1, 1), sex="P", clusters=["lanjut_usia"], today=TODAY)
    assert visible_questions(form, "lansia", {}, ctx)
    assert visible_questions(form, "anak", {}, ctx) == []
    assert visible_questions(form, "disabilitas", {}, ctx) == []
    answers = {"fisik": {"disabilitas": "ya"}}
    assert visible_questions(form, "disabilitas", answers, ctx)  # shown by an answer, not the cluster


def test_skip_logic_inside_a_section(form):
    ctx = make_context(clusters=["anak"], birth_date=dt.date(2012, 5, 1), today=TODAY)
    ids = [q.id for q in visible_questions(form, "anak", {"anak": {"abh": "tidak"}}, ctx)]
    assert "abh_status" not in ids
    ids = [q.id for q in visible_questions(form, "anak", {"anak": {"abh": "ya"}}, ctx)]
    assert "abh_status" in ids and "abh_tahap" in ids
    # age-driven: a child gets the KIA question, not the KTP one
    ids = [q.id for q in visible_questions(form, "pendidikan_adminduk", {}, ctx)]
    assert "punya_kia" in ids and "punya_ktp" not in ids


def test_a_question_shown_by_another_answer_waits_for_that_answer(form):
    """`show_if: answer(x) != "datang_sendiri"` hides while x is unanswered (unknown hides)."""
    ctx = make_context(today=TODAY)
    assert "perujuk_nama" not in [q.id for q in visible_questions(form, "identitas", {}, ctx)]
    referred = {"identitas": {"sumber_rujukan": "dinas_sosial"}}
    assert "perujuk_nama" in [q.id for q in visible_questions(form, "identitas", referred, ctx)]
    walked_in = {"identitas": {"sumber_rujukan": "datang_sendiri"}}
    assert "perujuk_nama" not in [q.id for q in visible_questions(form, "identitas", walked_in, ctx)]


def _barthel(points):
    ids = ["makan", "mandi", "perawatan_diri", "berpakaian", "bab", "bak", "toilet", "berpindah", "berjalan",
           "tangga"]
    return {f"barthel_{i}": str(p) for i, p in zip(ids, points, strict=False)}


@pytest.mark.parametrize(
    ("points", "total", "band"),
    [
        ([2, 1, 1, 2, 2, 2, 2, 3, 3, 2], 20, "Mandiri"),
        ([2, 1, 1, 2, 2, 2, 2, 3, 3, 1], 19, "Ketergantungan ringan"),
        ([1, 0, 1, 1, 2, 2, 1, 1, 1, 1], 11, "Ketergantungan sedang"),
        ([1, 0, 0, 1, 1, 1, 1, 1, 1, 1], 8, "Ketergantungan berat"),
        ([0, 0, 0, 0, 1, 1, 0, 1, 1, 0], 4, "Ketergantungan total"),
        ([0] * 10, 0, "Ketergantungan total"),
    ],
)
def test_barthel_index_and_bands(form, points, total, band):
    ctx = make_context(clusters=["lanjut_usia"], today=TODAY)
    result = check_section(form, "lansia", {"lansia": _barthel(points)}, ctx).scores["barthel"]
    assert (result.value, result.band_label, result.complete) == (total, band, True)


def test_partial_barthel_has_no_band_and_missing_items_are_listed(form):
    ctx = make_context(clusters=["lanjut_usia"], today=TODAY)
    check = check_section(form, "lansia", {"lansia": _barthel([2, 1, 1])}, ctx)
    score = check.scores["barthel"]
    assert (score.value, score.band_label, score.complete, score.answered) == (4, None, False, 3)
    assert "lansia.barthel_tangga" in check.missing_required


def test_rules_flag_but_keep_answers(form):
    ctx = make_context(birth_date=dt.date(1980, 3, 1), today=TODAY)
    answers = {"identitas": {"tanggal_asesmen": "1979-12-31", "sumber_rujukan": "keluarga", "ppks": ["fakir_miskin"],
                             "tanggal_rujukan": "2026-11-01"},
               "fisik": {"berat_badan": 400, "kondisi_umum": "sehat_sekali"}}
    check = check_section(form, "identitas", answers, ctx)
    assert check.problems["identitas.tanggal_asesmen"] == "Tanggal asesmen tidak boleh sebelum tanggal lahir klien."
    # the cross-field rule on tanggal_rujukan compares with the (wrong but kept) asesmen date
    assert "identitas.tanggal_rujukan" in check.problems
    fisik = check_section(form, "fisik", answers, ctx)
    assert fisik.problems["fisik.berat_badan"] == "Isi angka antara 1 dan 250."
    assert "sehat_sekali" in fisik.problems["fisik.kondisi_umum"]
    assert answers["fisik"]["berat_badan"] == 400  # never dropped
    ok = check_section(form, "identitas", {"identitas": {**answers["identitas"], "tanggal_asesmen": "2026-11-02"}}, ctx)
    assert ok.problems == {} and ok.missing_required == []


def test_cross_section_rule(form):
    ctx = make_context(today=TODAY)
    answers = {"psikologis": {"pikiran_bunuh_diri": "ya"}, "risiko": {"risiko": ["kekerasan"], "tingkat": "sedang"}}
    assert "risiko.risiko" in check_section(form, "risiko", answers, ctx).problems
    answers["risiko"]["risiko"] = ["kekerasan", "bunuh_diri"]
    assert check_section(form, "risiko", answers, ctx).problems == {}


def test_hidden_answers_are_kept_but_ignored(form):
    ctx = make_context(clusters=["anak"], today=TODAY)
    answers = {"anak": {"pengasuh": "orang_tua", "sekolah": "sekolah", "abh": "tidak", "abh_status": "bukan_kode"}}
    check = check_section(form, "anak", answers, ctx)
    assert check.ok  # the stale, invalid abh_status answer is hidden: not checked, not required
    assert answers["anak"]["abh_status"] == "bukan_kode"
    answers["anak"]["abh"] = "ya"
    check = check_section(form, "anak", answers, ctx)
    assert "anak.abh_status" in check.problems  # shown again: flagged, still there


def test_table_rows_are_keyed_and_checked_per_row(form):
    k1, k2 = new_row_key(), new_row_key()
    assert k1 != k2 and len(k1) == 32 and k1 < k2
    genogram = {"rows": {k2: {"nama": "Siti", "jenis_kelamin": "P", "tahun_lahir": 1890},
                         k1: {"jenis_kelamin": "L"}}, "order": [k2, k1]}
    check = check_section(form, "sosial", {"sosial": {"genogram": genogram}}, make_context(today=TODAY))
    assert f"sosial.genogram[{k1}].nama" in check.missing_required
    assert check.problems[f"sosial.genogram[{k2}].tahun_lahir"] == "Isi angka antara 1900 dan 2100."
    assert [k for k, _row in table_rows(genogram)] == [k2, k1]
    # two workers each add a row: merging by key keeps both
    merged = {**genogram["rows"], new_row_key(): {"nama": "Budi"}}
    assert len(table_rows({"rows": merged, "order": genogram["order"]})) == 3


def test_review_lists_missing_required_with_section_titles(form):
    ctx = make_context(clusters=["lanjut_usia"], birth_date=dt.date(1950, 1, 1), today=TODAY)
    result = review(form, {}, ctx)
    titles = {item.section_title for item in result.missing}
    assert "Identitas dan sumber rujukan" in titles
    assert any(item.section_id == "lansia" for item in result.missing)
    assert not any(item.section_id == "anak" for item in result.missing)
    first = next(i for i in result.missing if i.path == "identitas.tanggal_asesmen")
    assert first.label == "Tanggal asesmen"


V2 = """\
form: uji
version: 2
title: Uji
sections:
  - id: a
    title: Bagian A
    questions:
      - id: tanggal_kunjungan
        type: date
        label: Tanggal kunjungan
        replaces: tanggal
      - id: skor_baru
        type: single_choice
        label: Mandi
        options:
          - {code: "0", label: Dibantu, points: 0}
          - {code: "1", label: Mandiri, points: 1}
scores:
  - id: s
    title: Skor
    section: a
    items: [skor_baru]
    bands:
      - {min: 0, max: 0, label: Dibantu}
      - {min: 1, max: 1, label: Mandiri}
"""


def test_versions_old_answers_read_with_their_own_definition_and_compare(tmp_path):
    _write(tmp_path, "uji.v1.yaml", BASE)
    v1_answers = {"a": {"tanggal": "2025-01-02", "agama": "islam"}}
    reg1 = load_forms(tmp_path)
    assert check_section(reg1.get("uji"), "a", v1_answers, {}).ok
    _write(tmp_path, "uji.v2.yaml", V2)
    reg = load_forms(tmp_path)
    assert reg.get("uji").version == 2 and reg.versions("uji") == [1, 2]
    old = reg.get("uji", version=1)
    assert check_section(old, "a", v1_answers, {}).ok  # v1 answers still read with v1
    new_answers = {"a": {"tanggal_kunjungan": "2026-02-03", "skor_baru": "1"}}
    result = compare(old, v1_answers, reg.get("uji"), new_answers)
    row = next(r for r in result.rows if r.new_path == "a.tanggal_kunjungan")
    assert (row.old_path, row.old_value, row.new_value, row.changed) == ("a.tanggal", "2025-01-02", "2026-02-03", True)
    dropped = next(r for r in result.rows if r.old_path == "a.agama")
    assert (dropped.new_path, dropped.old_value) == (None, "Islam")
    score = next(s for s in result.scores if s.score_id == "s")
    assert score.old is None and score.new.band_label == "Mandiri"


def test_compare_scores_between_two_asesmen(form):
    ctx = make_context(clusters=["lanjut_usia"], today=TODAY)
    before = {"lansia": _barthel([1, 0, 0, 1, 1, 1, 1, 1, 1, 1])}
    after = {"lansia": _barthel([2, 1, 1, 2, 2, 2, 2, 2, 2, 1])}
    result = compare(form, before, form, after, ctx, ctx)
    barthel = next(s for s in result.scores if s.score_id == "barthel")
    assert (barthel.old.value, barthel.new.value, barthel.change) == (8, 17, 9)
    assert barthel.new.band_label == "Ketergantungan ringan"
    changed = [r for r in result.rows if r.changed]
    assert any(r.new_path == "lansia.barthel_makan" and r.old_value.startswith("Perlu bantuan") for r in changed)


TABLE_FORM = """\
form: tabel
version: 1
title: Tabel
sections:
  - id: s
    title: Keluarga
    questions:
      - id: nik
        type: text
        label: NIK
        pattern: "[0-9]{16}"
        pattern_message: NIK harus 16 angka.
      - id: anggota
        type: table
        label: Anggota
        required: true
        min_rows: 2
        columns:
          - {id: nama, type: text, label: Nama, required: true}
          - {id: meninggal, type: yes_no, label: Meninggal}
          - id: tahun_meninggal
            type: number
            label: Tahun meninggal
            show_if: row("meninggal") == "ya"
            required: true
            rules:
              - check: row("tahun_lahir") == null or value >= row("tahun_lahir")
                message: Tahun meninggal tidak boleh sebelum tahun lahir.
          - {id: tahun_lahir, type: number, label: Tahun lahir}
"""


def test_table_columns_see_their_own_row(tmp_path):
    _write(tmp_path, "tabel.v1.yaml", TABLE_FORM)
    form = load_forms(tmp_path).get("tabel")
    empty = check_section(form, "s", {"s": {"nik": "12345"}}, {})
    assert empty.missing_required == ["s.anggota"] and empty.problems == {"s.nik": "NIK harus 16 angka."}
    rows = {"a": {"nama": "Ani", "meninggal": "ya", "tahun_lahir": 1950, "tahun_meninggal": 1940},
            "b": {"nama": "Budi", "meninggal": "tidak"},
            "c": {"nama": "Cici", "meninggal": "ya"}}
    check = check_section(form, "s", {"s": {"nik": "6303015005800001", "anggota": {"rows": rows}}}, {})
    assert check.problems == {"s.anggota[a].tahun_meninggal": "Tahun meninggal tidak boleh sebelum tahun lahir."}
    assert check.missing_required == ["s.anggota[c].tahun_meninggal"]  # row b: hidden, not required
    one = check_section(form, "s", {"s": {"anggota": {"rows": {"a": {"nama": "Ani"}}}}}, {})
    assert one.problems == {"s.anggota": "Isi paling sedikit 2 baris."}


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('row("meninggal") == "ya"', 'row("meninggl") == "ya"', "kolom 'meninggl' yang tidak ada"),
        ('pattern: "[0-9]{16}"', 'pattern: "[0-9"', "pola"),
        ("min_rows: 2", "min_rows: dua", "'min_rows' harus berupa angka"),
        ("required: true\n        min_rows", "required: ya\n        min_rows", "'required' harus true atau false"),
    ],
)
def test_more_load_errors(tmp_path, old, new, words):
    _write(tmp_path, "tabel.v1.yaml", TABLE_FORM.replace(old, new))
    with pytest.raises(FormError, match=words):
        load_forms(tmp_path)


def test_score_bands_must_cover_every_possible_total(tmp_path):
    _write(tmp_path, "uji.v2.yaml", V2.replace("{min: 1, max: 1, label: Mandiri}", "{min: 2, max: 2, label: Mandiri}"))
    _write(tmp_path, "uji.v1.yaml", BASE)
    with pytest.raises(FormError) as err:
        load_forms(tmp_path)
    assert err.value.file_name == "uji.v2.yaml" and "bisa bernilai 1" in err.value.problem


def test_replaces_must_name_a_question_of_an_earlier_version(tmp_path):
    _write(tmp_path, "uji.v1.yaml", BASE)
    _write(tmp_path, "uji.v2.yaml", V2.replace("replaces: tanggal", "replaces: tanggl"))
    with pytest.raises(FormError) as err:
        load_forms(tmp_path)
    assert (err.value.file_name, err.value.line) == ("uji.v2.yaml", 8)
    assert "'a.tanggl'" in err.value.problem


def test_registry_get_unknown_form_or_version(tmp_path):
    from atensi_desktop.errors import NotFoundError

    _write(tmp_path, "uji.v1.yaml", BASE)
    registry = load_forms(tmp_path)
    with pytest.raises(NotFoundError):
        registry.get("tidak_ada")
    with pytest.raises(NotFoundError, match="versi 9"):
        registry.get("uji", version=9)


def test_form_checker_speaks_the_storage_protocol():
    from atensi_desktop.forms import FormChecker

    checker = FormChecker()
    storage_ctx = {"sex": "P", "birth_date": "1950-01-01", "age": 76, "cluster": "lanjut_usia",
                   "kind": "awal", "started_on": "2026-11-30"}
    verdict = checker.check_section("asesmen_umum", "1", "lansia", _barthel([2, 1, 1, 2, 2, 2, 2, 3, 3, 1]),
                                    storage_ctx)
    assert verdict.problems == () and verdict.missing_required == ()
    assert verdict.scores["barthel"]["value"] == 19 and verdict.scores["barthel"]["band"] == "Ketergantungan ringan"
    bad = checker.check_section("asesmen_umum", "1", "identitas",
                                {"tanggal_asesmen": "1949-05-05", "sumber_rujukan": "x"}, storage_ctx)
    assert {"question": "tanggal_asesmen",
            "message": "Tanggal asesmen tidak boleh sebelum tanggal lahir klien."} in bad.problems
    assert "ppks" in bad.missing_required
    missing = checker.review("asesmen_umum", "1", {"lansia": _barthel([2] * 10)}, storage_ctx)
    assert any(m.section_id == "identitas" and m.question_id == "tanggal_asesmen" for m in missing)
    assert not any(m.section_id == "lansia" for m in missing)


def test_needs_and_recommendations_map_to_atensi_and_spm_codes(form):
    from atensi_desktop.forms import mapped_codes

    answers = {"kebutuhan": {"kebutuhan": ["makan", "adminduk", "alat_bantu", "kode_lama"]},
               "kesimpulan": {"layanan_atensi": ["terapi"]}}
    atensi = mapped_codes(form, answers, "atensi_services")
    assert list(atensi) == ["kebutuhan_hidup_layak", "bantuan_asistensi_sosial", "dukungan_aksesibilitas", "terapi"]
    assert atensi["terapi"] == ["kesimpulan.layanan_atensi"]
    spm = mapped_codes(form, answers, "spm_services")
    assert set(spm) == {"permakanan", "fasilitasi_adminduk", "alat_bantu"}


@pytest.mark.parametrize("cluster", [c for c in ref_list("clusters").codes()] + [None])
def test_every_section_of_the_general_form_checks_for_every_cluster(form, cluster):
    ctx = make_context(clusters=[cluster] if cluster else [], birth_date=dt.date(1990, 1, 1), sex="L", today=TODAY)
    result = review(form, {}, ctx)
    assert result.missing and not result.problems
    shown = {i.section_id for i in result.missing}
    cluster_sections = {"anak": "anak", "lanjut_usia": "lansia", "penyandang_disabilitas": "disabilitas",
                        "korban_napza": "napza", "tuna_sosial_kpo": "tuna_sosial_kpo"}
    assert shown & set(cluster_sections.values()) == ({cluster_sections[cluster]} if cluster in cluster_sections else set())


def test_scale_and_exclusive_choice(form):
    ctx = make_context(today=TODAY)
    check = check_section(form, "psikologis", {"psikologis": {"kesejahteraan": 11, "pikiran_bunuh_diri": "tidak",
                                                              "suasana_hati": ["tidak_ada", "sedih"]}}, ctx)
    assert check.problems == {"psikologis.kesejahteraan": "Isi angka antara 0 dan 10.",
                              "psikologis.suasana_hati": '"Tidak ada keluhan" tidak bisa dipilih bersama keluhan lain.'}
    check = check_section(form, "psikologis", {"psikologis": {"kesejahteraan": 7.5, "pikiran_bunuh_diri": "tidak",
                                                              "suasana_hati": ["sedih", "cemas"]}}, ctx)
    assert check.problems == {"psikologis.kesejahteraan": "Isi dengan bilangan bulat."}
    assert dict(form.question("psikologis.kesejahteraan").scale_labels)[10] == "Sangat baik"
