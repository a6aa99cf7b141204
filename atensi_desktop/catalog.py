"""Extract the translatable strings of the engine and the UI and keep the .po catalogs in step.

Used by `python -m atensi_desktop.catalog` (developers) and by the test that every string shown to a
user has an English translation. Keywords: _(), N_(), ngettext() in the engine, tr() in the UI.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("atensi_desktop", "ui")
KEYWORDS = {"_": None, "N_": None, "tr": None, "ngettext": (1, 2)}
LOCALE_DIR = ROOT / "resources" / "locale"


def extract() -> Catalog:
    """All source strings, with where they are used."""
    catalog = Catalog(locale=None, project="ATENSI Desktop", charset="utf-8")
    for folder in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS, strip_comment_tags=True
        ):
            if message:
                catalog.add(message, locations=[(f"{folder}/{filename}", lineno)], auto_comments=comments,
                            context=context)
    return catalog


def load(language: str) -> Catalog:
    path = LOCALE_DIR / language / "atensi.po"
    with path.open("rb") as fh:
        return read_po(fh, locale=language)


def missing_translations(language: str = "en") -> list[str]:
    """Source strings that have no translation in `language` (empty list = complete)."""
    source, target = extract(), load(language)
    missing = []
    for message in source:
        if not message.id:
            continue
        found = target.get(message.id, context=message.context)
        text = found.string if found else None
        if not text or (isinstance(text, tuple) and not all(text)) or (found and found.fuzzy):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update(language: str = "en") -> int:
    """Merge new source strings into the catalog (keeping translations); print what is untranslated."""
    path = LOCALE_DIR / language / "atensi.po"
    target = load(language) if path.exists() else Catalog(locale=language)
    target.update(extract(), update_header_comment=False, no_fuzzy_matching=True)
    with path.open("wb") as fh:
        write_po(fh, target, width=110, sort_output=False, ignore_obsolete=True)
    todo = missing_translations(language)
    for message in todo:
        print(f"untranslated: {message}")
    return len(todo)


if __name__ == "__main__":
    sys.exit(1 if update(sys.argv[1] if len(sys.argv) > 1 else "en") else 0)
