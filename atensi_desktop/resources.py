"""Finds files shipped in `resources/`, in the installed wheel or in a source checkout alike."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources as _ir
from pathlib import Path
from typing import Any


def resource_path(*parts: str) -> Path:
    """Absolute path of a shipped resource, e.g. resource_path("refdata", "ppks.json")."""
    base = Path(str(_ir.files("resources")))
    path = base.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"resource missing: {'/'.join(parts)}")
    return path


@cache
def load_json(*parts: str) -> Any:
    """Parsed JSON resource, cached for the life of the process (resources never change at run time)."""
    with resource_path(*parts).open(encoding="utf-8") as fh:
        return json.load(fh)
