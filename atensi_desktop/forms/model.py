"""Form definitions as read from resources/forms/*.yaml (immutable once loaded)."""

from __future__ import annotations

from dataclasses import dataclass, field

from atensi_desktop.forms.expr import Expr

QUESTION_TYPES = (
    "text",  # one line
    "long_text",  # several lines
    "number",  # min / max / unit / integer
    "date",  # ISO date "YYYY-MM-DD"
    "single_choice",  # options or ref
    "multi_choice",  # options or ref; the answer is a list of codes
    "yes_no",  # "ya" / "tidak"
    "scale",  # whole number min..max, optional labels per step
    "table",  # repeat group: {"rows": {row_key: {column: value}}, "order": [row_key, ...]}
)
CHOICE_TYPES = ("single_choice", "multi_choice", "yes_no")


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    points: float | None = None
    # refdata codes this option stands for, e.g. {"atensi_services": ["terapi"], "spm_services": [...]}:
    # lets the intervention plan be drafted from the needs checklist.
    maps_to: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Rule:
    check: Expr
    message: str
    line: int


@dataclass(frozen=True)
class Question:
    id: str
    path: str  # "section.question" (table columns: "section.table.column")
    type: str
    label: str
    line: int
    help: str = ""
    required: bool = False
    show_if: Expr | None = None
    rules: tuple[Rule, ...] = ()
    options: tuple[Option, ...] = ()
    ref: str | None = None
    min: float | None = None
    max: float | None = None
    unit: str = ""
    integer: bool = False
    pattern: str | None = None
    pattern_message: str = ""
    scale_labels: tuple[tuple[int, str], ...] = ()
    columns: tuple[Question, ...] = ()
    min_rows: int = 0
    replaces: str | None = None  # path of this question in the previous version (renamed questions)

    def option(self, code: object) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    def column(self, column_id: str) -> Question | None:
        return next((c for c in self.columns if c.id == column_id), None)


@dataclass(frozen=True)
class Band:
    min: float
    max: float
    label: str


@dataclass(frozen=True)
class Score:
    id: str
    title: str
    section: str
    items: tuple[str, ...]  # question paths whose chosen option's points are summed
    bands: tuple[Band, ...]
    line: int
    help: str = ""

    def band(self, value: float | None) -> str | None:
        if value is None:
            return None
        return next((b.label for b in self.bands if b.min <= value <= b.max), None)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    line: int
    help: str = ""
    filled_by: str = ""
    show_if: Expr | None = None
    questions: tuple[Question, ...] = ()

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class FormDef:
    id: str
    version: int
    title: str
    source_file: str
    description: str = ""
    sections: tuple[Section, ...] = ()
    scores: tuple[Score, ...] = ()
    _paths: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    def question(self, path: str) -> Question | None:
        """Question by "section.question" (or "section.table.column")."""
        return self._paths.get(path)

    def scores_of(self, section_id: str) -> tuple[Score, ...]:
        return tuple(s for s in self.scores if s.section == section_id)
