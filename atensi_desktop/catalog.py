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
    update_quiet(language)
    todo = missing_translations(language)
    for message in todo:
        print(f"untranslated: {message}")
    return len(todo)


def merge(fragment: Path, language: str = "en") -> int:
    """Fill untranslated entries of the catalog from a fragment .po (a helper's or a translator's work).

    Only msgids the sources use are taken; existing translations are kept. Returns how many were filled.
    """
    update_quiet(language)
    path = LOCALE_DIR / language / "atensi.po"
    target = load(language)
    with fragment.open("rb") as fh:
        extra = read_po(fh, locale=language)
    filled = 0
    for message in extra:
        if not message.id or not message.string:
            continue
        found = target.get(message.id, context=message.context)
        if found is not None and (not found.string or found.fuzzy):
            found.string, found.flags = message.string, set()
            filled += 1
    with path.open("wb") as fh:
        write_po(fh, target, width=110, sort_output=False, ignore_obsolete=True)
    return filled


def update_quiet(language: str) -> None:
    path = LOCALE_DIR / language / "atensi.po"
    target = load(language) if path.exists() else Catalog(locale=language)
    target.update(extract(), update_header_comment=False, no_fuzzy_matching=True)
    with path.open("wb") as fh:
        write_po(fh, target, width=110, sort_output=False, ignore_obsolete=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--merge"]:
        for name in args[1:]:
            print(f"{name}: {merge(Path(name))} translations merged")
        args = []
    sys.exit(1 if update(args[0] if args else "en") else 0)
