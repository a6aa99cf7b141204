"""Adapter from the forms interpreter to the storage service's `SectionChecker` protocol.

`atensi_desktop.services.assessments` stores one register per section and asks a checker for a verdict as
plain data. `FormChecker` answers with the real form definitions:

    services.assessments.save_section(..., checker=FormChecker())

Storage passes one section's answers to `check_section`; rules and show_if that look at other sections see
them as unknown there (a rule that cannot be judged passes) unless the context carries every section's
answers under "all_answers". `review` always gets every section.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from atensi_desktop.domain.dates import age_on
from atensi_desktop.forms.interpret import ScoreResult, check_section, review
from atensi_desktop.forms.model import FormDef


def normalise_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """Context from storage -> expression names: dates parsed, `clusters` list, `today` = asesmen date."""
    ctx = dict(context)
    for key in ("birth_date", "today", "started_on"):
        if isinstance(ctx.get(key), str):
            try:
                ctx[key] = dt.date.fromisoformat(ctx[key])
            except ValueError:
                ctx[key] = None
    if "clusters" not in ctx:
        ctx["clusters"] = [ctx["cluster"]] if ctx.get("cluster") else []
    elif ctx.get("cluster") is None and ctx["clusters"]:
        ctx["cluster"] = ctx["clusters"][0]
    if ctx.get("today") is None:
        ctx["today"] = ctx.get("started_on") or dt.date.today()
    if ctx.get("age") is None and isinstance(ctx.get("birth_date"), dt.date):
        ctx["age"] = age_on(ctx["birth_date"], ctx["today"])
    ctx.setdefault("sex", None)
    return ctx


def score_as_data(result: ScoreResult) -> dict[str, Any]:
    return {"value": result.value, "band": result.band_label, "complete": result.complete,
            "answered": result.answered, "total": result.total}


@dataclass(frozen=True)
class SectionVerdict:
    problems: tuple[dict[str, str], ...]
    missing_required: tuple[str, ...]
    scores: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class MissingItem:
    section_id: str
    question_id: str  # path inside the section, e.g. "nama" or "genogram[<row key>].nama"
    label: str
    section_title: str


class FormChecker:
    """Implements services.assessments.SectionChecker over a FormRegistry (the shipped forms by default)."""

    def __init__(self, registry: Any = None) -> None:
        self._registry = registry

    def _form(self, form_id: str, form_version: str | int) -> FormDef:
        if self._registry is None:
            from atensi_desktop.forms import shipped_forms

            self._registry = shipped_forms()
        return self._registry.get(form_id, int(form_version))

    def check_section(self, form_id: str, form_version: str | int, section_id: str, answers: Mapping[str, Any],
                      context: Mapping[str, Any]) -> SectionVerdict:
        form = self._form(form_id, form_version)
        all_answers = dict(context.get("all_answers") or {})
        all_answers[section_id] = answers
        found = check_section(form, section_id, all_answers, normalise_context(context))
        prefix = f"{section_id}."
        return SectionVerdict(
            problems=tuple({"question": path.removeprefix(prefix), "message": msg}
                           for path, msg in found.problems.items()),
            missing_required=tuple(path.removeprefix(prefix) for path in found.missing_required),
            scores={k: score_as_data(v) for k, v in found.scores.items()},
        )

    def review(self, form_id: str, form_version: str | int, sections: Mapping[str, Mapping[str, Any]],
               context: Mapping[str, Any]) -> list[MissingItem]:
        form = self._form(form_id, form_version)
        found = review(form, sections, normalise_context(context))
        return [MissingItem(i.section_id, i.path.removeprefix(f"{i.section_id}."), i.label, i.section_title)
                for i in found.missing]
