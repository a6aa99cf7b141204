"""Typed per-installation settings (language, last view, ...) in a JSON file with a schema version."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from atensi_desktop.paths import atomic_write_bytes

SCHEMA_VERSION = 1
LANGUAGES = ("id", "en")
log = logging.getLogger(__name__)


@dataclass
class Settings:
    """Settings that belong to this computer, not to the shared data (those live in the database)."""

    schema_version: int = SCHEMA_VERSION
    language: str = "id"
    last_view: str = "beranda"
    idle_lock_minutes: int = 15
    last_username: str = ""  # the last user who signed in here: the login starts in the password field
    recent_databases: list[str] = field(default_factory=list)
    backup_dir: str = ""  # folder for backups (a USB disk); empty: `cadangan/` in the data folder

    def validate(self) -> Settings:
        if self.language not in LANGUAGES:
            self.language = "id"
        if not isinstance(self.idle_lock_minutes, int) or not 1 <= self.idle_lock_minutes <= 240:
            self.idle_lock_minutes = 15
        self.recent_databases = [str(x) for x in self.recent_databases][:10]
        self.backup_dir = self.backup_dir if isinstance(self.backup_dir, str) else ""
        if not isinstance(self.last_username, str):
            self.last_username = ""
        return self


def _migrate(raw: dict[str, Any]) -> dict[str, Any]:
    """Upgrade an older settings file to SCHEMA_VERSION, one step at a time."""
    version = int(raw.get("schema_version", 1))
    # Future: if version == 1: ...; version = 2
    raw["schema_version"] = max(version, SCHEMA_VERSION)
    return raw


def load_settings(path: Path) -> Settings:
    """Read settings; a missing, unreadable or newer file falls back to defaults (logged, never fatal)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError):
        log.warning("settings file unreadable, using defaults")
        return Settings()
    if not isinstance(raw, dict) or int(raw.get("schema_version", 1)) > SCHEMA_VERSION:
        log.warning("settings file from a newer version, using defaults")
        return Settings()
    raw = _migrate(raw)
    known = {f.name for f in fields(Settings)}
    try:
        return Settings(**{k: v for k, v in raw.items() if k in known}).validate()
    except TypeError:
        return Settings()


def save_settings(path: Path, settings: Settings) -> None:
    atomic_write_bytes(path, json.dumps(asdict(settings.validate()), indent=2).encode("utf-8"))
