"""Everything one running application needs (paths, settings, open database), built in one call."""

from __future__ import annotations

from dataclasses import dataclass

from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.crypto import set_password_prompt as set_unlock_prompt  # noqa: F401 - for the GUI
from atensi_desktop.db.engine import Database, parse_url, resolve_db_url
from atensi_desktop.i18n import set_language
from atensi_desktop.log import setup_logging
from atensi_desktop.paths import AppPaths, resolve_paths
from atensi_desktop.settings import Settings, load_settings


@dataclass
class AppContext:
    db: Database
    paths: AppPaths
    settings: Settings

    @property
    def db_label(self) -> str:
        return self.db.label

    @property
    def actor(self):
        """The signed-in person (security.roles.Actor), None before sign-in or while security is off."""
        from atensi_desktop.security.roles import current_actor

        return current_actor(self.db)

    def close(self) -> None:
        self.db.dispose()


def open_app(db_url: str | None = None, data_dir: str | None = None, *, upgrade: bool = True,
             configure_logging: bool = False, language: str | None = None, encrypt: bool = False,
             key: bytes | None = None) -> AppContext:
    """Resolve folders (--data-dir / ATENSI_HOME), load settings, open (create/upgrade) the database.

    `language` overrides the language chosen in the settings (the command line always speaks Bahasa
    Indonesia). Raises UserError or StorageError with a message when something is wrong.
    """
    paths = resolve_paths(data_dir)
    url = resolve_db_url(db_url, paths.default_db_url)
    parse_url(url)  # a malformed URL is refused before anything is created
    paths.ensure()
    if configure_logging:
        setup_logging(paths.logs)
    settings = load_settings(paths.settings_file)
    set_language(language or settings.language)
    db = open_database(url, paths, upgrade=upgrade, encrypt=encrypt, key=key)  # encrypted: db/crypto.py
    return AppContext(db=db, paths=paths, settings=settings)
