"""The needs checklist of a form: which options an asesmen chose, and what services each option names.

A form's needs section (`kebutuhan`) asks with choice questions whose options carry `maps_to` (ATENSI
components and SPM services). Only those choices are needs: free text such as "yang paling mendesak" is not
a need code. `services.intervention.draft_plan_from_form` drafts a plan from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atensi_desktop.forms.model import FormDef

NEEDS_SECTION = "kebutuhan"

NeedLinks = dict[str, tuple[str, dict[str, list[str]]]]


def _choice_questions(form: FormDef | None, section_id: str) -> list[Any]:
    if form is None:
        return []
    try:
        section = form.section(section_id)
    except KeyError:
        return []
    return [q for q in section.questions if q.type in ("single_choice", "multi_choice")]


def need_options(form: FormDef | None, section_id: str = NEEDS_SECTION) -> NeedLinks:
    """code -> (label, {"atensi_services": [...], "spm_services": [...]}) of every option of the choice
    questions of the form's needs section (the first question naming a code wins)."""
    found: NeedLinks = {}
    for q in _choice_questions(form, section_id):
        for option in q.options:
            found.setdefault(option.code, (option.label, {name: list(codes) for name, codes in option.maps_to}))
    return found


def chosen_needs(form: FormDef | None, sections: Mapping[str, Mapping[str, Any]],
                 section_id: str = NEEDS_SECTION) -> list[str]:
    """The need codes an asesmen chose: the answers of the needs section's choice questions, in question and
    answer order, each once."""
    answers = sections.get(section_id) or {}
    found: list[str] = []
    for q in _choice_questions(form, section_id):
        value = answers.get(q.id)
        for code in value if isinstance(value, list) else [value]:
            if isinstance(code, str) and code and code not in found:
                found.append(code)
    return found
