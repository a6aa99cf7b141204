"""A small, safe expression language for form skip logic, rules and scores (never Python eval).

    answer("kondisi.disabilitas") == "ya" and age >= 60
    "lanjut_usia" in clusters
    not empty(answer("sosial.genogram")) and count(answer("sosial.genogram")) <= 30
    value >= answer("identitas.tanggal_lahir")

Literals: numbers, "strings" or 'strings', true/false/null, [lists]. Operators: or, and, not, == != < <= > >=,
in, not in, + - * /, parentheses. Names come from the context (age, sex, cluster, clusters, today, birth_date)
plus `value` inside a rule. Functions are listed in FUNCTIONS. Expressions are parsed once, at load time, and
`check_names` reports unknown names, functions and question paths so a typo is a load error.

Missing values are `null` and spread like SQL NULL: a comparison or sum with null is null, `and`/`or` follow
three-valued logic. A rule whose result is null cannot be judged and passes; a show_if that is null hides.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from atensi_desktop.domain.dates import age_on
from atensi_desktop.i18n import _


class ExprError(Exception):
    """Syntax or name error in an expression; `message` is Bahasa Indonesia."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>\d+(?:\.\d+)?)
      | (?P<str>"[^"\\]*"|'[^'\\]*')
      | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}

# name -> (min args, max args or None); checked at load time.
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "answer": (1, 1),  # answer("section.question"): the (typed) answer, null when missing
    "row": (1, 1),  # row("column"): another column of the same table row (column rules only)
    "points": (1, 1),  # points("section.question"): points of the chosen option(s)
    "count": (1, 1),  # rows of a table, chosen options of a multiple choice, 0 when empty
    "sum": (1, None),  # sum of numbers or lists of numbers; null when nothing is known
    "empty": (1, 1),  # true when null, "", [] or a table without rows
    "len": (1, 1),  # length of a text
    "years": (2, 2),  # years(from_date, to_date): full years between two dates
    "date": (1, 1),  # date("2020-01-31")
}
PATH_FUNCTIONS = {"answer", "points"}
BASE_NAMES = frozenset({"age", "sex", "cluster", "clusters", "today", "birth_date"})


def _tokenize(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExprError(_("tanda tidak dikenal di posisi {pos}: '{text}'").format(pos=pos + 1, text=text[pos:pos + 10].strip()))
        pos = m.end()
        if m.group("num") is not None:
            raw = m.group("num")
            tokens.append(("lit", float(raw) if "." in raw else int(raw)))
        elif m.group("str") is not None:
            tokens.append(("lit", m.group("str")[1:-1]))
        elif m.group("op") is not None:
            tokens.append(("op", m.group("op")))
        else:
            name = m.group("name")
            if name in ("true", "false", "null"):
                tokens.append(("lit", {"true": True, "false": False, "null": None}[name]))
            elif name in _KEYWORDS:
                tokens.append(("op", name))
            else:
                tokens.append(("name", name))
    tokens.append(("end", None))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self) -> tuple[str, Any]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, Any]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def accept(self, op: str) -> bool:
        if self.peek() == ("op", op):
            self.i += 1
            return True
        return False

    def expect(self, op: str) -> None:
        if not self.accept(op):
            raise ExprError(_("diharapkan '{op}'").format(op=op))

    def parse(self) -> tuple:
        node = self.or_()
        if self.peek()[0] != "end":
            raise ExprError(_("ada sisa yang tidak dimengerti: '{tok}'").format(tok=self.peek()[1]))
        return node

    def or_(self) -> tuple:
        node = self.and_()
        while self.accept("or"):
            node = ("or", node, self.and_())
        return node

    def and_(self) -> tuple:
        node = self.not_()
        while self.accept("and"):
            node = ("and", node, self.not_())
        return node

    def not_(self) -> tuple:
        if self.accept("not"):
            return ("not", self.not_())
        return self.cmp()

    def cmp(self) -> tuple:
        node = self.add()
        kind, val = self.peek()
        if kind == "op" and val in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            return ("cmp", val, node, self.add())
        if (kind, val) == ("op", "in"):
            self.take()
            return ("in", node, self.add())
        if (kind, val) == ("op", "not") and self.tokens[self.i + 1] == ("op", "in"):
            self.i += 2
            return ("not", ("in", node, self.add()))
        return node

    def add(self) -> tuple:
        node = self.mul()
        while True:
            if self.accept("+"):
                node = ("arith", "+", node, self.mul())
            elif self.accept("-"):
                node = ("arith", "-", node, self.mul())
            else:
                return node

    def mul(self) -> tuple:
        node = self.unary()
        while True:
            if self.accept("*"):
                node = ("arith", "*", node, self.unary())
            elif self.accept("/"):
                node = ("arith", "/", node, self.unary())
            else:
                return node

    def unary(self) -> tuple:
        if self.accept("-"):
            return ("arith", "-", ("lit", 0), self.unary())
        return self.atom()

    def atom(self) -> tuple:
        kind, val = self.take()
        if kind == "lit":
            return ("lit", val)
        if kind == "name":
            if self.accept("("):
                args = []
                if not self.accept(")"):
                    args.append(self.or_())
                    while self.accept(","):
                        args.append(self.or_())
                    self.expect(")")
                return ("call", val, tuple(args))
            return ("name", val)
        if (kind, val) == ("op", "("):
            node = self.or_()
            self.expect(")")
            return node
        if (kind, val) == ("op", "["):
            items = []
            if not self.accept("]"):
                items.append(self.or_())
                while self.accept(","):
                    items.append(self.or_())
                self.expect("]")
            return ("list", tuple(items))
        if kind == "end":
            raise ExprError(_("rumus berhenti di tengah jalan"))
        raise ExprError(_("tidak diharapkan: '{tok}'").format(tok=val))


@dataclass(frozen=True)
class Expr:
    """A parsed expression; `source` is the text as written in the form file."""

    source: str
    tree: tuple

    def paths(self) -> list[str]:
        """Question paths named by answer()/points() (string literals, checked at load time)."""
        out: list[str] = []
        for node in _nodes(self.tree):
            if node[0] == "call" and node[1] in PATH_FUNCTIONS and node[2] and node[2][0][0] == "lit":
                out.append(node[2][0][1])
        return out

    def row_columns(self) -> list[str]:
        """Table columns named by row() (checked at load time)."""
        return [n[2][0][1] for n in _nodes(self.tree) if n[0] == "call" and n[1] == "row" and n[2]]

    def check_names(self, names: frozenset[str], *, in_row: bool = False) -> None:
        """Raise ExprError for an unknown name, an unknown function, wrong arity or a non-literal path."""

        for node in _nodes(self.tree):
            if node[0] == "name" and node[1] not in names:
                raise ExprError(_("nama '{name}' tidak dikenal").format(name=node[1]))
            if node[0] != "call":
                continue
            fname, args = node[1], node[2]
            if fname not in FUNCTIONS:
                raise ExprError(_("fungsi '{name}' tidak dikenal").format(name=fname))
            lo, hi = FUNCTIONS[fname]
            if len(args) < lo or (hi is not None and len(args) > hi):
                raise ExprError(_("jumlah isian fungsi '{name}' salah").format(name=fname))
            if fname in PATH_FUNCTIONS | {"row"} and (args[0][0] != "lit" or not isinstance(args[0][1], str)):
                raise ExprError(_("fungsi '{name}' perlu nama pertanyaan dalam tanda kutip").format(name=fname))
            if fname == "row" and not in_row:
                raise ExprError(_("fungsi 'row' hanya dipakai di dalam kolom tabel"))


def _children(node: tuple) -> tuple[tuple, ...]:
    tag = node[0]
    if tag in ("lit", "name"):
        return ()
    if tag in ("call", "list"):
        return node[-1]
    if tag in ("cmp", "arith"):
        return (node[2], node[3])
    return node[1:]  # and, or, not, in


def _nodes(node: tuple):
    yield node
    for child in _children(node):
        yield from _nodes(child)


def parse(text: str) -> Expr:
    if not isinstance(text, str) or not text.strip():
        raise ExprError(_("rumus kosong"))
    if len(text) > 2000:
        raise ExprError(_("rumus terlalu panjang; pecah menjadi beberapa aturan"))
    try:
        return Expr(source=text, tree=_Parser(text).parse())
    except RecursionError:
        raise ExprError(_("rumus terlalu bertingkat")) from None


# --- evaluation -------------------------------------------------------------------------------------------


@dataclass
class Env:
    """What an expression can see while it is evaluated."""

    names: Mapping[str, Any]
    answer: Callable[[str], Any]
    points: Callable[[str], Any]
    row: Callable[[str], Any] | None = None


def _as_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _is_null_literal(node: tuple) -> bool:
    """`x == null` / `x != null` ask whether x is known: the one comparison with null that is not unknown."""
    return node[0] == "lit" and node[1] is None


def _cmp(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None:
        if op == "==":
            return a is None and b is None
        if op == "!=":
            return not (a is None and b is None)
        return None
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        a, b = _as_date(a), _as_date(b)
    try:
        if op == "==":
            return a == b
        if op == "!=":
            return a != b
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        return a >= b
    except TypeError:
        return None


def _truth(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, dict):  # a table
        return bool(value.get("rows"))
    return bool(value)


def _is_empty(value: Any) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return True
    return isinstance(value, dict) and not value.get("rows")


def _numbers(value: Any) -> list[float]:
    if isinstance(value, list | tuple):
        out: list[float] = []
        for v in value:
            out.extend(_numbers(v))
        return out
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [value]
    return []


def evaluate(expr: Expr, env: Env) -> Any:
    return _eval(expr.tree, env)


def _eval(node: tuple, env: Env) -> Any:  # noqa: C901 - one dispatch over node kinds
    tag = node[0]
    if tag == "lit":
        return node[1]
    if tag == "name":
        return env.names.get(node[1])
    if tag == "and":
        a = _truth(_eval(node[1], env))
        if a is False:
            return False
        b = _truth(_eval(node[2], env))
        if b is False:
            return False
        return None if a is None or b is None else True
    if tag == "or":
        a = _truth(_eval(node[1], env))
        if a is True:
            return True
        b = _truth(_eval(node[2], env))
        if b is True:
            return True
        return None if a is None or b is None else False
    if tag == "not":
        a = _truth(_eval(node[1], env))
        return None if a is None else not a
    if tag == "cmp":
        a, b = _eval(node[2], env), _eval(node[3], env)
        if (a is None or b is None) and not (_is_null_literal(node[2]) or _is_null_literal(node[3])):
            return None  # an unanswered value compared with a value: unknown (a show_if hides, a rule passes)
        return _cmp(node[1], a, b)
    if tag == "in":
        item, container = _eval(node[1], env), _eval(node[2], env)
        if item is None or container is None:
            return None
        try:
            return item in container
        except TypeError:
            return None
    if tag == "arith":
        a, b = _eval(node[2], env), _eval(node[3], env)
        if not isinstance(a, int | float) or not isinstance(b, int | float) or isinstance(a, bool) or isinstance(b, bool):
            return None
        op = node[1]
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        return None if b == 0 else a / b
    if tag == "list":
        return [_eval(sub, env) for sub in node[1]]
    if tag == "call":
        return _call(node[1], node[2], env)
    raise AssertionError(f"unknown node {tag}")


def _call(fname: str, args: tuple, env: Env) -> Any:
    if fname == "answer":
        return env.answer(args[0][1])
    if fname == "points":
        return env.points(args[0][1])
    if fname == "row":
        return env.row(args[0][1]) if env.row else None
    values = [_eval(a, env) for a in args]
    if fname == "count":
        v = values[0]
        if isinstance(v, dict):
            return len(v.get("rows") or {})
        if isinstance(v, list | tuple):
            return len(v)
        return 0 if _is_empty(v) else 1
    if fname == "sum":
        nums = _numbers(values)
        return sum(nums) if nums else None
    if fname == "empty":
        return _is_empty(values[0])
    if fname == "len":
        return len(values[0]) if isinstance(values[0], str) else None
    if fname == "date":
        d = _as_date(values[0])
        return d if isinstance(d, dt.date) else None
    if fname == "years":
        a, b = _as_date(values[0]), _as_date(values[1])
        if not isinstance(a, dt.date) or not isinstance(b, dt.date):
            return None
        return age_on(a, b)
    raise AssertionError(f"unknown function {fname}")
