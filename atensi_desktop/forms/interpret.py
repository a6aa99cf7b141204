"""Pure functions over a FormDef and answers: what is visible, what is missing or wrong, scores, comparison.

Answers of one asesmen: ``{section_id: {question_id: value}}`` (all sections, so skip logic can look across
sections). Values: text -> str, number/scale -> int|float, date -> "YYYY-MM-DD" (or datetime.date),
single choice / yes_no -> option code, multiple choice -> list of codes, table ->
``{"rows": {row_key: {column_id: value}}, "order": [row_key, ...]}`` with row keys from new_row_key().

Nothing here changes or drops an answer: a value that breaks a rule is reported in `problems`; an answer to a
question that is now hidden stays in the dict and is only ignored for required checks and scores.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from atensi_desktop.domain.dates import age_on
from atensi_desktop.forms.expr import Env, Expr, evaluate
from atensi_desktop.forms.model import FormDef, Question, Section
from atensi_desktop.i18n import _
from atensi_desktop.sync.ids import uuid7

Answers = Mapping[str, Mapping[str, Any]]


def new_row_key() -> str:
    """Stable key of a new table row (UUIDv7 hex): rows added by two workers never collide."""
    return uuid7().hex


def table_rows(value: Any) -> list[tuple[str, Mapping[str, Any]]]:
    """Rows of a table answer in display order (rows missing from `order` come last, by key)."""
    if not isinstance(value, Mapping):
        return []
    rows = value.get("rows") or {}
    order = [k for k in (value.get("order") or []) if k in rows]
    order += sorted(k for k in rows if k not in set(order))
    return [(k, rows[k]) for k in order]


def make_context(*, birth_date: dt.date | None = None, sex: str | None = None, clusters: list[str] | tuple[str, ...] = (),
                 today: dt.date | None = None) -> dict[str, Any]:
    """Context names for expressions: age, sex, cluster (first), clusters, today, birth_date."""
    today = today or dt.date.today()
    age = age_on(birth_date, today)
    return {"age": age, "sex": sex, "cluster": clusters[0] if clusters else None, "clusters": list(clusters),
            "today": today, "birth_date": birth_date}


def parse_number(text: str) -> Any:
    """A number as a worker types it: '12', '12,5', '1.500' (Indonesian thousands) -> a number; text that is no
    number is kept as typed (the number check then flags it)."""
    raw = text.strip().replace(" ", "")
    if not raw:
        return None
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", raw):  # Indonesian thousands separator
        raw = raw.replace(".", "")
    raw = raw.replace(",", ".")
    try:
        number = float(raw)
    except ValueError:
        return text.strip()
    return int(number) if number.is_integer() and "." not in raw else number


def _typed(q: Question | None, value: Any) -> Any:
    if q is not None and q.type == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _points(q: Question | None, value: Any) -> float | None:
    if q is None or value is None:
        return None
    codes = value if isinstance(value, list) else [value]
    pts = [o.points for c in codes if (o := q.option(c)) is not None and o.points is not None]
    return sum(pts) if pts else None


def _env(form: FormDef, answers: Answers, ctx: Mapping[str, Any], *, value: Any = None,
         row: Mapping[str, Any] | None = None, table: Question | None = None) -> Env:
    def answer(path: str) -> Any:
        section, _sep, qid = path.partition(".")
        return _typed(form.question(path), (answers.get(section) or {}).get(qid))

    def points(path: str) -> Any:
        section, _sep, qid = path.partition(".")
        return _points(form.question(path), (answers.get(section) or {}).get(qid))

    def row_value(column: str) -> Any:
        return _typed(table.column(column) if table else None, (row or {}).get(column))

    names = dict(ctx)
    names["value"] = value
    return Env(names=names, answer=answer, points=points, row=row_value if row is not None else None)


def _shown(expr: Expr | None, env: Env) -> bool:
    return expr is None or evaluate(expr, env) is True


def section_visible(form: FormDef, section_id: str, answers: Answers, ctx: Mapping[str, Any]) -> bool:
    return _shown(form.section(section_id).show_if, _env(form, answers, ctx))


def visible_sections(form: FormDef, answers: Answers, ctx: Mapping[str, Any]) -> list[Section]:
    env = _env(form, answers, ctx)
    return [s for s in form.sections if _shown(s.show_if, env)]


def visible_questions(form: FormDef, section_id: str, answers: Answers, ctx: Mapping[str, Any]) -> list[Question]:
    """Questions of the section that are shown now (empty when the whole section is hidden)."""
    env = _env(form, answers, ctx)
    section = form.section(section_id)
    if not _shown(section.show_if, env):
        return []
    return [q for q in section.questions if _shown(q.show_if, env)]


@dataclass(frozen=True)
class ScoreResult:
    value: float | None
    band_label: str | None
    complete: bool  # every item answered
    answered: int
    total: int


@dataclass
class SectionCheck:
    problems: dict[str, str] = field(default_factory=dict)  # path -> message (answer kept as given)
    missing_required: list[str] = field(default_factory=list)
    scores: dict[str, ScoreResult] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.missing_required


def _empty(value: Any) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()) or value == []:
        return True
    return isinstance(value, Mapping) and not (value.get("rows") or {})


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _check_value(q: Question, value: Any) -> str | None:
    """The problem with one non-empty value by its type, or None."""
    t = q.type
    if t in ("number", "scale"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return _("Isi dengan angka.")
        if q.integer and not float(value).is_integer():
            return _("Isi dengan bilangan bulat.")
        if q.min is not None and value < q.min or q.max is not None and value > q.max:
            if q.min is not None and q.max is not None:
                return _("Isi angka antara {lo} dan {hi}.").format(lo=_fmt(q.min), hi=_fmt(q.max))
            if q.min is not None:
                return _("Isi angka paling kecil {lo}.").format(lo=_fmt(q.min))
            return _("Isi angka paling besar {hi}.").format(hi=_fmt(q.max))
    elif t == "date":
        if isinstance(value, dt.date):
            return None
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            return _("Tanggal tidak sah; tulis seperti 2024-01-31.")
    elif t in ("single_choice", "yes_no"):
        if q.option(value) is None:
            return _("Pilihan '{value}' tidak ada di daftar; pilih lagi.").format(value=value)
    elif t == "multi_choice":
        if not isinstance(value, list):
            return _("Jawaban harus berupa daftar pilihan.")
        unknown = [v for v in value if q.option(v) is None]
        if unknown:
            return _("Pilihan '{value}' tidak ada di daftar; pilih lagi.").format(value=", ".join(map(str, unknown)))
    elif t in ("text", "long_text"):
        if not isinstance(value, str):
            return _("Isi dengan teks.")
        if q.pattern and not re.fullmatch(q.pattern, value.strip()):
            return q.pattern_message or _("Isian tidak sesuai bentuk yang diminta.")
    return None


def _check_question(form: FormDef, q: Question, value: Any, path: str, env_args: dict, out: SectionCheck,
                    answers: Answers, ctx: Mapping[str, Any]) -> None:
    if _empty(value):
        if q.required:
            out.missing_required.append(path)
        return
    problem = _check_value(q, value) if q.type != "table" else None
    if problem is None and q.type == "table" and not isinstance(value, Mapping):
        problem = _("Tabel tidak terbaca.")
    if problem:
        out.problems[path] = problem
        return
    if q.type == "table":
        rows = table_rows(value)
        if len(rows) < q.min_rows:
            out.problems[path] = _("Isi paling sedikit {n} baris.").format(n=q.min_rows)
        for key, row in rows:
            row_env = _env(form, answers, ctx, row=row, table=q)
            for col in q.columns:
                if not _shown(col.show_if, row_env):
                    continue
                _check_question(form, col, row.get(col.id), f"{path}[{key}].{col.id}",
                                {"row": row, "table": q}, out, answers, ctx)
        return
    env = _env(form, answers, ctx, value=_typed(q, value), **env_args)
    for rule in q.rules:
        if evaluate(rule.check, env) is False:
            out.problems[path] = rule.message
            return


def _score(form: FormDef, score_id: str, answers: Answers, ctx: Mapping[str, Any]) -> ScoreResult:
    score = next(s for s in form.scores if s.id == score_id)
    visible = {q.path for q in visible_questions(form, score.section, answers, ctx)}
    total, answered, value = 0, 0, 0.0
    for path in score.items:
        if path not in visible:
            continue
        total += 1
        section, _sep, qid = path.partition(".")
        pts = _points(form.question(path), (answers.get(section) or {}).get(qid))
        if pts is not None:
            answered += 1
            value += pts
    result = value if answered else None
    if result is not None and float(result).is_integer():
        result = int(result)
    return ScoreResult(value=result, band_label=score.band(result) if answered == total and answered else None,
                       complete=answered == total and total > 0, answered=answered, total=total)


def check_section(form: FormDef, section_id: str, answers: Answers, ctx: Mapping[str, Any]) -> SectionCheck:
    """Problems, missing required answers and scores of one section (hidden questions are skipped)."""
    out = SectionCheck()
    section_answers = answers.get(section_id) or {}
    for q in visible_questions(form, section_id, answers, ctx):
        _check_question(form, q, section_answers.get(q.id), q.path, {}, out, answers, ctx)
    for score in form.scores_of(section_id):
        out.scores[score.id] = _score(form, score.id, answers, ctx)
    return out


@dataclass(frozen=True)
class ReviewItem:
    section_id: str
    section_title: str
    path: str
    label: str
    message: str


@dataclass
class Review:
    missing: list[ReviewItem]
    problems: list[ReviewItem]
    scores: dict[str, ScoreResult]

    @property
    def complete(self) -> bool:
        return not self.missing


def _label(form: FormDef, path: str) -> str:
    base = re.sub(r"\[[^\]]*\]", "", path)
    q = form.question(base)
    if q is None:
        return path
    if "[" in path:  # a table cell: "Tabel › Kolom (baris n)"
        table = form.question(base.rsplit(".", 1)[0])
        return f"{table.label if table else ''} › {q.label}"
    return q.label


def review(form: FormDef, answers: Answers, ctx: Mapping[str, Any]) -> Review:
    """Missing required answers and flagged answers across all visible sections, in form order."""
    missing: list[ReviewItem] = []
    problems: list[ReviewItem] = []
    scores: dict[str, ScoreResult] = {}
    for section in visible_sections(form, answers, ctx):
        check = check_section(form, section.id, answers, ctx)
        for path in check.missing_required:
            missing.append(ReviewItem(section.id, section.title, path, _label(form, path), _("Belum diisi.")))
        for path, message in check.problems.items():
            problems.append(ReviewItem(section.id, section.title, path, _label(form, path), message))
        scores.update(check.scores)
    return Review(missing=missing, problems=problems, scores=scores)


# --- re-asesmen ----------------------------------------------------------------------------------------------


def display_value(q: Question, value: Any) -> str:
    """A value as a worker reads it (option labels, table row count)."""
    if _empty(value):
        return ""
    if q.type in ("single_choice", "yes_no"):
        o = q.option(value)
        return o.label if o else str(value)
    if q.type == "multi_choice" and isinstance(value, list):
        return ", ".join((o.label if (o := q.option(v)) else str(v)) for v in value)
    if q.type == "table":
        return _("{n} baris").format(n=len(table_rows(value)))
    if q.type in ("number", "scale") and isinstance(value, int | float) and not isinstance(value, bool):
        text = _fmt(value)
        return f"{text} {q.unit}".strip()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class CompareRow:
    section_title: str
    label: str
    old_path: str | None
    new_path: str | None
    old_value: str
    new_value: str

    @property
    def changed(self) -> bool:
        return self.old_value != self.new_value


@dataclass(frozen=True)
class ScoreCompare:
    score_id: str
    title: str
    old: ScoreResult | None
    new: ScoreResult | None

    @property
    def change(self) -> float | None:
        if self.old is None or self.new is None or self.old.value is None or self.new.value is None:
            return None
        return self.new.value - self.old.value


@dataclass
class Comparison:
    rows: list[CompareRow]
    scores: list[ScoreCompare]


def _get(answers: Answers, path: str) -> Any:
    section, _sep, qid = path.partition(".")
    return (answers.get(section) or {}).get(qid)


def compare(form_old: FormDef, answers_old: Answers, form_new: FormDef, answers_new: Answers,
            ctx_old: Mapping[str, Any] | None = None, ctx_new: Mapping[str, Any] | None = None) -> Comparison:
    """Previous and current asesmen side by side, each read with its own form version.

    Questions are matched by path; a new question with `replaces: old_path` is matched to the renamed one.
    Questions only in the old version come last. Scores are matched by id.
    """
    ctx_old = ctx_old or {}
    ctx_new = ctx_new or ctx_old
    rows: list[CompareRow] = []
    used_old: set[str] = set()
    for section in form_new.sections:
        for q in section.questions:
            old_path = q.path if form_old.question(q.path) else None
            if q.replaces and form_old.question(q.replaces) and (old_path is None or _empty(_get(answers_old, q.path))):
                old_path = q.replaces
            old_q = form_old.question(old_path) if old_path else None
            if old_path:
                used_old.add(old_path)
            rows.append(CompareRow(
                section.title, q.label, old_path, q.path,
                display_value(old_q, _get(answers_old, old_path)) if old_q else "",
                display_value(q, _get(answers_new, q.path)),
            ))
    for section in form_old.sections:
        for q in section.questions:
            if q.path not in used_old:
                rows.append(CompareRow(section.title, q.label, q.path, None,
                                       display_value(q, _get(answers_old, q.path)), ""))
    scores: list[ScoreCompare] = []
    old_ids = {s.id for s in form_old.scores}
    for s in form_new.scores:
        scores.append(ScoreCompare(
            s.id, s.title,
            _score(form_old, s.id, answers_old, ctx_old) if s.id in old_ids else None,
            _score(form_new, s.id, answers_new, ctx_new),
        ))
    for s in form_old.scores:
        if s.id not in {x.id for x in form_new.scores}:
            scores.append(ScoreCompare(s.id, s.title, _score(form_old, s.id, answers_old, ctx_old), None))
    return Comparison(rows=rows, scores=scores)


# --- towards the intervention plan ---------------------------------------------------------------------------


def mapped_codes(form: FormDef, answers: Answers, list_name: str) -> dict[str, list[str]]:
    """Codes of reference list `list_name` (e.g. "atensi_services") the answers point at, each with the paths
    of the answers that point there, in form order: chosen options with `maps_to`, and choices made directly
    from that list (`ref: atensi_services`). The intervention plan is drafted from this."""
    out: dict[str, list[str]] = {}
    for section in form.sections:
        for q in section.questions:
            if q.type not in ("single_choice", "multi_choice"):
                continue
            value = (answers.get(section.id) or {}).get(q.id)
            chosen = value if isinstance(value, list) else ([value] if value is not None else [])
            for code in chosen:
                option = q.option(code)
                if option is None:
                    continue
                targets = [code] if q.ref == list_name else []
                targets += [c for name, codes in option.maps_to if name == list_name for c in codes]
                for target in targets:
                    paths = out.setdefault(target, [])
                    if q.path not in paths:
                        paths.append(q.path)
    return out
