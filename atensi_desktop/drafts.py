"""Crash-safe drafts of unsaved typing (client form, asesmen wizard): one small JSON file each in the data
folder's `draf/`, written atomically (temp file, fsync, rename), so a power cut leaves the old draft or the
new one, never half of one. A draft is a safety net: failing to write or read it is logged, never raised."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from atensi_desktop.paths import atomic_write_bytes

log = logging.getLogger(__name__)


def write_draft(path: Path, document: dict[str, Any]) -> bool:
    """Store `document` (JSON-able) at `path`; False (and a log line) when the disk refuses."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))
    except OSError as exc:
        log.warning("draft %s not written: %s", path.name, type(exc).__name__)
        return False
    return True


def read_draft(path: Path) -> dict[str, Any] | None:
    """The draft at `path`, or None when there is none or it cannot be read (a damaged file is left alone)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("draft %s unreadable: %s", path.name, type(exc).__name__)
        return None
    return document if isinstance(document, dict) else None


def delete_draft(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("draft %s not removed: %s", path.name, type(exc).__name__)
