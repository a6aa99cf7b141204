"""Asesmen forms as data: YAML files in resources/forms/, a safe expression language, and an interpreter.

    registry = load_forms(resource_path("forms"))
    form = registry.get("asesmen_umum")            # newest version
    old = registry.get("asesmen_umum", version=1)  # answers are always read with their own version
    check = check_section(form, "fisik", answers, make_context(birth_date=..., clusters=["lanjut_usia"]))

No Qt, no database: storage keeps `{section_id: {question_id: value}}` plus the form id and version.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from atensi_desktop.errors import NotFoundError
from atensi_desktop.forms.checker import FormChecker, normalise_context
from atensi_desktop.forms.interpret import (
    CompareRow,
    Comparison,
    Review,
    ReviewItem,
    ScoreCompare,
    ScoreResult,
    SectionCheck,
    check_section,
    compare,
    display_value,
    make_context,
    mapped_codes,
    new_row_key,
    review,
    section_visible,
    table_rows,
    visible_questions,
    visible_sections,
)
from atensi_desktop.forms.loader import FormError, load_form_file
from atensi_desktop.forms.model import FormDef, Option, Question, Score, Section
from atensi_desktop.i18n import _
from atensi_desktop.resources import resource_path

__all__ = [
    "Comparison", "CompareRow", "FormChecker", "FormDef", "FormError", "FormRegistry", "Option", "Question", "Review",
    "ReviewItem", "Score", "ScoreCompare", "ScoreResult", "Section", "SectionCheck", "check_all_forms",
    "check_section", "compare", "display_value", "load_forms", "make_context", "mapped_codes", "new_row_key", "normalise_context", "review",
    "section_visible", "shipped_forms", "table_rows", "visible_questions", "visible_sections",
]


@dataclass
class FormRegistry:
    forms: dict[tuple[str, int], FormDef] = field(default_factory=dict)

    def get(self, form_id: str, version: int | None = None) -> FormDef:
        """The form in `version`, or its newest version; NotFoundError when there is none."""
        if version is None:
            versions = [v for (fid, v) in self.forms if fid == form_id]
            if not versions:
                raise NotFoundError(_("Formulir '{id}' tidak ada.").format(id=form_id))
            version = max(versions)
        form = self.forms.get((form_id, version))
        if form is None:
            raise NotFoundError(_("Formulir '{id}' versi {version} tidak ada.").format(id=form_id, version=version))
        return form

    def versions(self, form_id: str) -> list[int]:
        return sorted(v for (fid, v) in self.forms if fid == form_id)

    def ids(self) -> list[str]:
        return sorted({fid for (fid, _v) in self.forms})

    def __iter__(self) -> Iterator[FormDef]:
        return iter(self.forms[k] for k in sorted(self.forms))

    def __len__(self) -> int:
        return len(self.forms)


def load_forms(folder: Path | str) -> FormRegistry:
    """Every `<form>.v<N>.yaml` in the folder; the first broken file raises FormError (file and line)."""
    registry = FormRegistry()
    for path in sorted(Path(folder).glob("*.yaml")):
        form = load_form_file(path)
        registry.forms[(form.id, form.version)] = form
    for form in registry:
        earlier = [registry.forms[(form.id, v)] for v in registry.versions(form.id) if v < form.version]
        if not earlier:
            continue
        for section in form.sections:
            for q in section.questions:
                if q.replaces and not any(old.question(q.replaces) for old in earlier):
                    raise FormError(form.source_file, q.line, _(
                        "pertanyaan '{id}' menggantikan '{old}', tetapi versi sebelumnya tidak punya pertanyaan itu"
                    ).format(id=q.id, old=q.replaces))
    return registry


@cache
def shipped_forms() -> FormRegistry:
    """The forms shipped in resources/forms (loaded once per process)."""
    return load_forms(resource_path("forms"))


def check_all_forms() -> FormRegistry:
    """Start-up check: loads every shipped form; raises FormError naming the file and the line."""
    return shipped_forms()
