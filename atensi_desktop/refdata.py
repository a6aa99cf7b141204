"""Versioned reference lists (PPKS, 12-PAS, services, stages, Dukcapil fields) from resources/refdata."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from types import MappingProxyType
from typing import Any

from atensi_desktop.resources import load_json

ALL_LISTS: tuple[str, ...] = (
    "ppks",
    "pas12",
    "clusters",
    "atensi_services",
    "spm_services",
    "rehab_forms",
    "case_stages",
    "psks",
    "religions",
    "education",
    "marital_status",
    "family_relations",
    "sex",
    "approaches",
    "office_types",
    "worker_types",
    "funding_sources",
    "termination_reasons",
    "document_kinds",
    "intervention_horizons",
    "referral_targets",
)

_SEPARATOR_SPACES = re.compile(r"\s*([/,()&-])\s*")


def _norm(text: str) -> str:
    """Matching key: case- and whitespace-insensitive, old spelling 'terlantar' read as 'telantar'."""
    key = " ".join(text.casefold().split())
    return _SEPARATOR_SPACES.sub(r"\1", key).replace("terlantar", "telantar")


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class RefItem:
    code: str
    label: str
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), compare=False)


@dataclass(frozen=True)
class RefList:
    name: str
    version: str
    title: str
    source: str
    source_note: str
    items: tuple[RefItem, ...]

    @cached_property
    def _by_code(self) -> dict[str, RefItem]:
        return {item.code: item for item in self.items}

    @cached_property
    def _by_key(self) -> dict[str, RefItem]:
        index: dict[str, RefItem] = {}
        for item in self.items:
            keys = [item.code, item.label, item.extra.get("abbr") or "", *item.extra.get("aliases", ())]
            for key in keys:
                if key:
                    index.setdefault(_norm(key), item)
        return index

    def label(self, code: str) -> str:
        item = self._by_code.get(code)
        return item.label if item else code

    def codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    def get(self, code: str) -> RefItem | None:
        return self._by_code.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def match(self, text: str) -> RefItem | None:
        """Item whose code, label, abbreviation or alias equals `text` (for imports of free text)."""
        return self._by_key.get(_norm(text)) if text and text.strip() else None


@cache
def ref_list(name: str) -> RefList:
    if name not in ALL_LISTS:
        raise KeyError(f"unknown reference list {name!r}; known lists: {', '.join(ALL_LISTS)}")
    data = load_json("refdata", f"{name}.json")
    if data.get("list") != name:
        raise ValueError(f"refdata/{name}.json declares list {data.get('list')!r}")
    items = tuple(
        RefItem(
            code=raw["code"],
            label=raw["label"],
            extra=_freeze({k: v for k, v in raw.items() if k not in ("code", "label")}),
        )
        for raw in data["items"]
    )
    if len({item.code for item in items}) != len(items):
        raise ValueError(f"refdata/{name}.json has duplicate codes")
    return RefList(
        name=name,
        version=data["version"],
        title=data["title"],
        source=data["source"],
        source_note=data.get("source_note", ""),
        items=items,
    )


def _legal_basis() -> Mapping[str, Any]:
    return load_json("refdata", "legal_basis.json")


def legal_basis_default() -> str:
    return _legal_basis()["default"]


def legal_basis_options() -> tuple[str, ...]:
    """Default legal-basis text first, then the alternatives an office may choose in settings."""
    data = _legal_basis()
    return (data["default"], *data["alternatives"])
