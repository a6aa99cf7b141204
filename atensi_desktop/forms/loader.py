"""Reads and checks form files (YAML); every error names the file and the line.

The file format is described in atensi_desktop/forms/README.md. A form file is refused as a whole: a form that
loads is consistent (known types, unique ids, show_if/rules/scores that parse and point at existing
questions, reference lists that exist).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from atensi_desktop.errors import UserError
from atensi_desktop.forms.expr import BASE_NAMES, Expr, ExprError, parse
from atensi_desktop.forms.model import (
    QUESTION_TYPES,
    Band,
    FormDef,
    Option,
    Question,
    Rule,
    Score,
    Section,
)
from atensi_desktop.i18n import _
from atensi_desktop.refdata import ALL_LISTS, ref_list

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_FILE_NAME = re.compile(r"^([a-z][a-z0-9_]*)\.v(\d+)\.yaml$")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YES_NO = (Option("ya", "Ya"), Option("tidak", "Tidak"))


class FormError(UserError):
    """A form file that cannot be used; the message names the file and the line."""

    def __init__(self, file_name: str, line: int, problem: str) -> None:
        super().__init__(
            _("{file} baris {line}: {problem}").format(file=file_name, line=line, problem=problem),
            hint=_("Perbaiki berkas formulir itu lalu buka aplikasi lagi."),
        )
        self.file_name = file_name
        self.line = line
        self.problem = problem


class _Fail(Exception):
    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem


class LDict(dict):
    line: int
    key_lines: dict[str, int]

    def at(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LList(list):
    line: int
    item_lines: list[int]


def _plain(node: yaml.Node, scalar: yaml.constructor.SafeConstructor | None = None) -> Any:
    """YAML node -> dict/list/scalar keeping 1-based line numbers on dicts and lists."""
    line = node.start_mark.line + 1
    scalar = scalar or yaml.constructor.SafeConstructor()  # one per file: it caches every node it builds
    if isinstance(node, yaml.MappingNode):
        out = LDict()
        out.line, out.key_lines = line, {}
        for key_node, value_node in node.value:
            key = _plain(key_node, scalar)
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise _Fail(key_node.start_mark.line + 1, _("nama kunci harus berupa teks: {key}").format(key=key))
            if key in out:
                raise _Fail(key_node.start_mark.line + 1, _("kunci '{key}' ditulis dua kali").format(key=key))
            out[key] = _plain(value_node, scalar)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = LList(_plain(n, scalar) for n in node.value)
        seq.line = line
        seq.item_lines = [n.start_mark.line + 1 for n in node.value]
        return seq
    return scalar.construct_object(node)


# --- schema helpers -----------------------------------------------------------------------------------------


def _keys(d: Any, line: int, what: str, required: Iterable[str], optional: Iterable[str]) -> LDict:
    if not isinstance(d, LDict):
        raise _Fail(line, _("{what} harus berupa daftar kunci: nilai").format(what=what))
    allowed = set(required) | set(optional)
    for key in d:
        if key not in allowed:
            raise _Fail(d.at(key), _("kunci '{key}' tidak dikenal di {what}; yang boleh: {allowed}").format(
                key=key, what=what, allowed=", ".join(sorted(allowed))))
    for key in required:
        if key not in d:
            raise _Fail(d.line, _("{what} belum punya kunci '{key}'").format(what=what, key=key))
    return d


def _text(d: LDict, key: str, default: str | None = None) -> str:
    value = d.get(key, default)
    if not isinstance(value, str) or (key in ("id", "title", "label", "message") and not value.strip()):
        raise _Fail(d.at(key), _("'{key}' harus berupa teks").format(key=key))
    return value.strip()


def _ident(d: LDict, key: str = "id") -> str:
    value = d.get(key)
    if not isinstance(value, str) or not _ID.match(value):
        raise _Fail(d.at(key), _("'{key}' harus huruf kecil, angka dan garis bawah, mis. 'tanggal_lahir': {value}").format(
            key=key, value=value))
    return value


def _number(d: LDict, key: str) -> float | None:
    value = d.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Fail(d.at(key), _("'{key}' harus berupa angka").format(key=key))
    return value


def _bool(d: LDict, key: str) -> bool:
    value = d.get(key, False)
    if not isinstance(value, bool):
        raise _Fail(d.at(key), _("'{key}' harus true atau false").format(key=key))
    return value


def _list(d: LDict, key: str, *, required: bool = False) -> LList:
    value = d.get(key)
    if value is None and not required:
        empty = LList()
        empty.line, empty.item_lines = d.line, []
        return empty
    if not isinstance(value, LList) or (required and not value):
        raise _Fail(d.at(key), _("'{key}' harus berupa daftar yang tidak kosong").format(key=key))
    return value


# --- the reader ---------------------------------------------------------------------------------------------

_SECTION_KEYS = ("title", "help", "filled_by", "show_if", "questions")
_QUESTION_KEYS = ("type", "label", "help", "required", "show_if", "rules", "options", "ref", "min", "max", "unit",
                  "integer", "pattern", "pattern_message", "labels", "columns", "min_rows", "replaces")


@dataclass
class _PendingExpr:
    expr: Expr
    line: int
    section: str
    table: str | None = None  # path of the table whose row a column expression sees through row()
    names: frozenset[str] = BASE_NAMES


class _Reader:
    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.exprs: list[_PendingExpr] = []
        self.paths: dict[str, Question] = {}

    def expr(self, d: LDict, key: str, section: str, *, table: str | None = None, rule: bool = False) -> Expr | None:
        text = d.get(key)
        if text is None:
            return None
        line = d.at(key)
        if not isinstance(text, str):
            raise _Fail(line, _("'{key}' harus berupa rumus dalam teks").format(key=key))
        try:
            expr = parse(text)
        except ExprError as exc:
            raise _Fail(line, _("rumus '{src}' salah: {err}").format(src=text, err=exc.message)) from None
        names = BASE_NAMES | {"value"} if rule else BASE_NAMES
        self.exprs.append(_PendingExpr(expr, line, section, table, names))
        return expr

    def form(self, root: Any, stem_id: str, stem_version: int) -> FormDef:
        d = _keys(root, 1, _("formulir"), ("form", "version", "title", "sections"), ("description", "scores"))
        form_id = _ident(d, "form")
        version = d["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise _Fail(d.at("version"), _("'version' harus bilangan bulat 1 atau lebih"))
        if (form_id, version) != (stem_id, stem_version):
            raise _Fail(d.at("form"), _("nama berkas harus {name}.v{version}.yaml sesuai isi 'form' dan 'version'").format(
                name=form_id, version=version))
        sections: list[Section] = []
        seen: set[str] = set()
        items = _list(d, "sections", required=True)
        for raw, line in zip(items, items.item_lines, strict=True):
            section = self.section(raw, line)
            if section.id in seen:
                raise _Fail(section.line, _("bagian '{id}' ditulis dua kali").format(id=section.id))
            seen.add(section.id)
            sections.append(section)
        scores = self.scores(d, seen)
        self.check_exprs()
        return FormDef(id=form_id, version=version, title=_text(d, "title"), source_file=self.file_name,
                       description=_text(d, "description", ""), sections=tuple(sections), scores=scores,
                       _paths=dict(self.paths))

    def section(self, raw: Any, line: int) -> Section:
        d = _keys(raw, line, _("bagian"), ("id", "title", "questions"), _SECTION_KEYS)
        sid = _ident(d)
        questions: list[Question] = []
        items = _list(d, "questions", required=True)
        for q_raw, q_line in zip(items, items.item_lines, strict=True):
            q = self.question(q_raw, q_line, sid, prefix=sid)
            if any(other.id == q.id for other in questions):
                raise _Fail(q.line, _("pertanyaan '{id}' ditulis dua kali di bagian '{section}'").format(id=q.id, section=sid))
            questions.append(q)
        return Section(id=sid, title=_text(d, "title"), line=d.line, help=_text(d, "help", ""),
                       filled_by=_text(d, "filled_by", ""), show_if=self.expr(d, "show_if", sid),
                       questions=tuple(questions))

    def question(self, raw: Any, line: int, section: str, *, prefix: str, in_row: bool = False) -> Question:
        d = _keys(raw, line, _("pertanyaan"), ("id", "type", "label"), _QUESTION_KEYS)
        qid = _ident(d)
        qtype = d["type"]
        if qtype not in QUESTION_TYPES:
            raise _Fail(d.at("type"), _("pertanyaan '{id}': jenis '{type}' tidak dikenal; yang ada: {types}").format(
                id=qid, type=qtype, types=", ".join(QUESTION_TYPES)))
        path = f"{prefix}.{qid}"
        options: tuple[Option, ...] = ()
        ref = d.get("ref")
        if qtype in ("single_choice", "multi_choice"):
            if ("options" in d) == (ref is not None):
                raise _Fail(d.line, _("pertanyaan '{id}' perlu 'options' atau 'ref' (salah satu saja)").format(id=qid))
            if ref is not None:
                if not isinstance(ref, str) or ref not in ALL_LISTS:
                    raise _Fail(d.at("ref"), _("pertanyaan '{id}' merujuk ke daftar '{ref}' yang tidak ada").format(
                        id=qid, ref=ref))
                options = tuple(Option(i.code, i.label) for i in ref_list(ref).items)
            else:
                options = self.options(d, qid)
        elif qtype == "yes_no":
            options = YES_NO
        elif "options" in d or ref is not None:
            raise _Fail(d.line, _("pertanyaan '{id}' berjenis '{type}' tidak memakai pilihan").format(id=qid, type=qtype))
        mn, mx = _number(d, "min"), _number(d, "max")
        if qtype == "scale" and (mn is None or mx is None):
            raise _Fail(d.line, _("skala '{id}' perlu 'min' dan 'max'").format(id=qid))
        if mn is not None and mx is not None and mn > mx:
            raise _Fail(d.at("min"), _("pertanyaan '{id}': 'min' lebih besar dari 'max'").format(id=qid))
        if (mn is not None or mx is not None) and qtype not in ("number", "scale"):
            raise _Fail(d.at("min" if mn is not None else "max"),
                        _("'min'/'max' hanya untuk angka dan skala"))
        pattern = d.get("pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except (re.error, TypeError):
                raise _Fail(d.at("pattern"), _("pola '{p}' tidak sah").format(p=pattern)) from None
        labels: list[tuple[int, str]] = []
        if "labels" in d:
            raw_labels = d["labels"]
            if qtype != "scale" or not isinstance(raw_labels, LDict):
                raise _Fail(d.at("labels"), _("'labels' hanya untuk skala, ditulis angka: label"))
            for k, v in raw_labels.items():
                if not isinstance(k, int) or not isinstance(v, str) or not (mn <= k <= mx):
                    raise _Fail(raw_labels.at(k), _("label skala ditulis angka antara min dan max: teks"))
                labels.append((k, v))
        columns: tuple[Question, ...] = ()
        if qtype == "table":
            if in_row:
                raise _Fail(d.line, _("tabel tidak boleh berada di dalam tabel"))
            cols: list[Question] = []
            items = _list(d, "columns", required=True)
            for c_raw, c_line in zip(items, items.item_lines, strict=True):
                col = self.question(c_raw, c_line, section, prefix=path, in_row=True)
                if any(c.id == col.id for c in cols):
                    raise _Fail(col.line, _("kolom '{id}' ditulis dua kali").format(id=col.id))
                cols.append(col)
            columns = tuple(cols)
        elif "columns" in d:
            raise _Fail(d.at("columns"), _("'columns' hanya untuk jenis table"))
        rules = []
        for r_raw, r_line in zip(_list(d, "rules"), _list(d, "rules").item_lines, strict=True):
            r = _keys(r_raw, r_line, _("aturan"), ("check", "message"), ())
            check = self.expr(r, "check", section, table=prefix if in_row else None, rule=True)
            rules.append(Rule(check=check, message=_text(r, "message"), line=r.line))
        replaces = d.get("replaces")
        if replaces is not None and not isinstance(replaces, str):
            raise _Fail(d.at("replaces"), _("'replaces' harus berupa nama pertanyaan"))
        q = Question(
            id=qid, path=path, type=qtype, label=_text(d, "label"), line=d.line, help=_text(d, "help", ""),
            required=_bool(d, "required"), show_if=self.expr(d, "show_if", section, table=prefix if in_row else None),
            rules=tuple(rules), options=options, ref=ref, min=mn, max=mx, unit=_text(d, "unit", ""),
            integer=_bool(d, "integer") or qtype == "scale", pattern=pattern,
            pattern_message=_text(d, "pattern_message", ""), scale_labels=tuple(labels), columns=columns,
            min_rows=int(_number(d, "min_rows") or 0),
            replaces=(replaces if replaces is None or "." in replaces else f"{prefix}.{replaces}"),
        )
        self.paths[path] = q
        return q

    def options(self, d: LDict, qid: str) -> tuple[Option, ...]:
        items = _list(d, "options", required=True)
        out: list[Option] = []
        for raw, line in zip(items, items.item_lines, strict=True):
            o = _keys(raw, line, _("pilihan"), ("code", "label"), ("points", "maps_to"))
            code = o["code"]
            if not isinstance(code, str) or not code:
                raise _Fail(o.at("code"), _("kode pilihan harus berupa teks (pakai tanda kutip untuk angka)"))
            if any(x.code == code for x in out):
                raise _Fail(o.at("code"), _("kode pilihan '{code}' ditulis dua kali di '{id}'").format(code=code, id=qid))
            maps: list[tuple[str, tuple[str, ...]]] = []
            raw_maps = o.get("maps_to")
            if raw_maps is not None:
                if not isinstance(raw_maps, LDict):
                    raise _Fail(o.at("maps_to"), _("'maps_to' ditulis nama_daftar: [kode, ...]"))
                for list_name, codes in raw_maps.items():
                    if list_name not in ALL_LISTS:
                        raise _Fail(raw_maps.at(list_name), _("pilihan '{code}' merujuk ke daftar '{ref}' yang tidak ada").format(
                            code=code, ref=list_name))
                    codes = [codes] if isinstance(codes, str) else codes
                    for c in codes:
                        if c not in ref_list(list_name):
                            raise _Fail(raw_maps.at(list_name), _("kode '{c}' tidak ada di daftar '{ref}'").format(c=c, ref=list_name))
                    maps.append((list_name, tuple(codes)))
            out.append(Option(code=code, label=_text(o, "label"), points=_number(o, "points"), maps_to=tuple(maps)))
        return tuple(out)

    def scores(self, d: LDict, sections: set[str]) -> tuple[Score, ...]:
        out: list[Score] = []
        items = _list(d, "scores")
        for raw, line in zip(items, items.item_lines, strict=True):
            s = _keys(raw, line, _("skor"), ("id", "title", "section", "items", "bands"), ("help",))
            sid = _ident(s)
            if any(x.id == sid for x in out):
                raise _Fail(s.line, _("skor '{id}' ditulis dua kali").format(id=sid))
            section = s["section"]
            if section not in sections:
                raise _Fail(s.at("section"), _("skor '{id}' merujuk ke bagian '{section}' yang tidak ada").format(
                    id=sid, section=section))
            paths: list[str] = []
            for item in _list(s, "items", required=True):
                path = item if isinstance(item, str) and "." in item else f"{section}.{item}"
                q = self.paths.get(path)
                if q is None:
                    raise _Fail(s.at("items"), _("skor '{id}' merujuk ke pertanyaan '{q}' yang tidak ada").format(id=sid, q=path))
                if not q.options or all(o.points is None for o in q.options):
                    raise _Fail(s.at("items"), _("pertanyaan '{q}' tidak punya nilai (points) untuk skor '{id}'").format(
                        q=path, id=sid))
                paths.append(path)
            bands: list[Band] = []
            band_items = _list(s, "bands", required=True)
            for b_raw, b_line in zip(band_items, band_items.item_lines, strict=True):
                b = _keys(b_raw, b_line, _("rentang skor"), ("min", "max", "label"), ())
                lo, hi = _number(b, "min"), _number(b, "max")
                if lo > hi:
                    raise _Fail(b.line, _("rentang skor: 'min' lebih besar dari 'max'"))
                if any(not (hi < x.min or lo > x.max) for x in bands):
                    raise _Fail(b.line, _("rentang skor {lo}–{hi} bertumpang tindih").format(lo=lo, hi=hi))
                bands.append(Band(lo, hi, _text(b, "label")))
            lo_total = sum(min(o.points for o in self.paths[p].options if o.points is not None) for p in paths)
            hi_total = sum(max(o.points for o in self.paths[p].options if o.points is not None) for p in paths)
            if float(lo_total).is_integer() and float(hi_total).is_integer():
                for total in range(int(lo_total), int(hi_total) + 1):
                    if not any(b.min <= total <= b.max for b in bands):
                        raise _Fail(band_items.line, _("skor '{id}' bisa bernilai {n}, tetapi tidak ada rentang untuk nilai itu").format(
                            id=sid, n=total))
            out.append(Score(id=sid, title=_text(s, "title"), section=section, items=tuple(paths),
                             bands=tuple(bands), line=s.line, help=_text(s, "help", "")))
        return tuple(out)

    def check_exprs(self) -> None:
        for pending in self.exprs:
            try:
                pending.expr.check_names(pending.names, in_row=pending.table is not None)
            except ExprError as exc:
                raise _Fail(pending.line, _("rumus '{src}' salah: {err}").format(src=pending.expr.source, err=exc.message)) from None
            for column in pending.expr.row_columns():
                if f"{pending.table}.{column}" not in self.paths:
                    raise _Fail(pending.line, _("rumus '{src}' merujuk ke kolom '{q}' yang tidak ada").format(
                        src=pending.expr.source, q=column))
            for path in pending.expr.paths():
                if path not in self.paths or path.count(".") != 1:
                    raise _Fail(pending.line, _("rumus '{src}' merujuk ke pertanyaan '{q}' yang tidak ada").format(
                        src=pending.expr.source, q=path))


def load_form_file(path: Path) -> FormDef:
    """One form file, checked; raises FormError naming the file and the line."""
    name = path.name
    m = _FILE_NAME.match(name)
    if not m:
        raise FormError(name, 1, _("nama berkas harus seperti asesmen_umum.v1.yaml"))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormError(name, 1, _("berkas tidak bisa dibaca: {err}").format(err=exc)) from None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise FormError(name, (mark.line + 1) if mark else 1,
                        _("penulisan YAML salah: {err}").format(err=exc.problem or exc)) from None
    if node is None:
        raise FormError(name, 1, _("berkas kosong"))
    reader = _Reader(name)
    try:
        return reader.form(_plain(node), m.group(1), int(m.group(2)))
    except _Fail as exc:
        raise FormError(name, exc.line, exc.problem) from None
