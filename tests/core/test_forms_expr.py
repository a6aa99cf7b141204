"""The form expression language: parsing, three-valued evaluation, functions, load-time name checks."""

from __future__ import annotations

import datetime as dt

import pytest

from atensi_desktop.forms.expr import BASE_NAMES, Env, ExprError, evaluate, parse

ANSWERS = {
    "a.umur": 70,
    "a.nama": "Siti",
    "a.kosong": None,
    "a.pilihan": ["x", "y"],
    "a.tabel": {"rows": {"k1": {}, "k2": {}}, "order": ["k1", "k2"]},
    "a.lahir": dt.date(1950, 6, 1),
}


def run(text, **names):
    env = Env(names={"age": 70, "clusters": ["lanjut_usia"], "sex": "P", **names},
              answer=lambda p: ANSWERS.get(p), points=lambda p: {"a.umur": 2}.get(p))
    return evaluate(parse(text), env)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('answer("a.umur") >= 60 and sex == "P"', True),
        ('"lanjut_usia" in clusters', True),
        ('"anak" not in clusters', True),
        ("not (age < 60)", True),
        ("1 + 2 * 3 == 7", True),
        ("(1 + 2) * 3", 9),
        ("-age + 80", 10),
        ("10 / 4", 2.5),
        ("1 / 0", None),
        ('count(answer("a.pilihan"))', 2),
        ('count(answer("a.tabel"))', 2),
        ('count(answer("a.kosong"))', 0),
        ('empty(answer("a.kosong")) and not empty(answer("a.nama"))', True),
        ('empty(answer("a.tabel"))', False),
        ('sum(1, 2, [3, 4])', 10),
        ('sum(answer("a.kosong"))', None),
        ('points("a.umur") + 1', 3),
        ('len(answer("a.nama"))', 4),
        ('years(answer("a.lahir"), date("2026-05-31"))', 75),
        ('years(answer("a.lahir"), date("2026-06-01"))', 76),
        ('answer("a.lahir") < "2000-01-01"', True),  # a date compares with an ISO text
        ("[1, 2, 3]", [1, 2, 3]),
        ("'kutip tunggal' == \"kutip tunggal\"", True),
    ],
)
def test_evaluation(text, expected):
    assert run(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('answer("a.kosong") > 5', None),  # unknown stays unknown
        ('answer("a.kosong") > 5 and false', False),
        ('answer("a.kosong") > 5 or true', True),
        ('answer("a.kosong") > 5 or false', None),
        ('not (answer("a.kosong") > 5)', None),
        ('answer("a.kosong") == null', True),
        ('answer("a.kosong") != "ya"', None),  # like SQL NULL: an unanswered question is not "not ya" yet
        ('answer("a.kosong") == "ya"', None),
        ('answer("a.kosong") != null', False),  # comparing with the literal null asks "is it answered?"
        ('answer("a.nama") != null', True),
        ('null == answer("a.kosong")', True),
        ('answer("a.nama") > 5', None),  # text vs number: cannot be judged, no crash
        ('answer("a.kosong") + 1', None),
        ('"x" in answer("a.kosong")', None),
    ],
)
def test_missing_values_are_three_valued(text, expected):
    assert run(text) == expected


@pytest.mark.parametrize("text", ["", "1 +", "(1", "a.b", "answer(", "1 2", "x ==", "@", "[1, 2"])
def test_syntax_errors(text):
    with pytest.raises(ExprError):
        parse(text)


def test_load_time_name_checks():
    with pytest.raises(ExprError, match="nama 'umur' tidak dikenal"):
        parse("umur > 5").check_names(BASE_NAMES)
    with pytest.raises(ExprError, match="fungsi 'open' tidak dikenal"):
        parse("open('x')").check_names(BASE_NAMES)
    with pytest.raises(ExprError, match="jumlah isian"):
        parse('answer("a.b", "c.d")').check_names(BASE_NAMES)
    with pytest.raises(ExprError, match="tanda kutip"):
        parse("answer(age)").check_names(BASE_NAMES)
    with pytest.raises(ExprError, match="row"):
        parse('row("x") == 1').check_names(BASE_NAMES)
    with pytest.raises(ExprError, match="nama 'value'"):
        parse("value > 1").check_names(BASE_NAMES)  # value exists only in rules
    parse("value > 1").check_names(BASE_NAMES | {"value"})
    expr = parse('answer("a.b") == 1 or points("c.d") > sum(answer("e.f"), 1)')
    assert expr.paths() == ["a.b", "c.d", "e.f"]
    assert parse('row("nama") == "x" and row("umur") > 1').row_columns() == ["nama", "umur"]


def test_pathological_expressions_are_refused_not_crashing():
    with pytest.raises(ExprError):
        parse("(" * 600 + "1" + ")" * 600)
    with pytest.raises(ExprError, match="terlalu panjang"):
        parse(" or ".join(["true"] * 600))
