"""The translation catalogs: English complete and faithful to placeholders, Indonesian covers Qt's buttons."""

from __future__ import annotations

import string

import pytest

from atensi_desktop import i18n
from atensi_desktop.catalog import extract, load, missing_translations
from atensi_desktop.errors import ValidationError
from atensi_desktop.services.clients import validate_client


def _placeholders(text: str) -> list[tuple[str, str | None, str | None]]:
    """The `{name!conv:spec}` fields of a str.format template, sorted (literal text ignored)."""
    return sorted(
        (field, conversion, spec)
        for _literal, field, spec, conversion in string.Formatter().parse(text)
        if field is not None
    )


def test_every_source_string_has_an_english_translation():
    missing = missing_translations("en")
    assert missing == [], (
        f"{len(missing)} source string(s) have no English translation:\n"
        + "\n".join(f"  {m!r}" for m in missing)
        + "\nRun `python -m atensi_desktop.catalog en` and translate them in resources/locale/en/atensi.po."
    )


def test_english_translations_keep_the_placeholders():
    wrong = []
    for message in load("en"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not any("{" in i for i in ids):
            continue
        expected = _placeholders(ids[0])
        for text in strings:
            try:
                found = _placeholders(text)
            except ValueError as err:  # unbalanced braces
                wrong.append(f"{ids[0]!r}: {text!r} ({err})")
                continue
            if found != expected:
                wrong.append(f"{ids[0]!r}: {text!r} has {found}, expected {expected}")
    assert not wrong, "translations with other placeholders than their source string:\n" + "\n".join(wrong)


def test_indonesian_catalog_translates_qt_buttons():
    translations = i18n.catalog("id")
    assert translations.gettext("Cancel") == "Batal"
    assert translations.gettext("&Yes") == "&Ya"
    assert translations.gettext("Save") == "Simpan"


def test_indonesian_catalog_does_not_shadow_our_source_strings():
    """The Qt bridge ignores contexts, so a Qt string in the id catalog must never equal one of ours."""
    ours = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    qt_entries = {m.id for m in load("id") if m.id}
    assert not ours & qt_entries, sorted(ours & qt_entries)


def test_engine_messages_come_out_in_english():
    i18n.set_language("en")
    try:
        with pytest.raises(ValidationError) as caught:
            validate_client({"name": ""})
        assert caught.value.problems["name"] == "Name is required (at least 2 letters)."
    finally:
        i18n.set_language("id")
    with pytest.raises(ValidationError) as caught:
        validate_client({"name": ""})
    assert caught.value.problems["name"] == "Nama wajib diisi (paling sedikit 2 huruf)."
