"""One gettext catalog for the UI and the PDFs: Bahasa Indonesia source strings, English translation.

Source strings are written in Bahasa Indonesia (the default language). `resources/locale/<lang>/atensi.po`
holds the translations; the Indonesian catalog also translates the English strings of Qt's own buttons.
Never `gettext.install()`: callers import `_` from here.
"""

from __future__ import annotations

import datetime as dt
import gettext
import threading
from functools import cache

from atensi_desktop.resources import resource_path

DEFAULT_LANGUAGE = "id"
DOMAIN = "atensi"
_state = threading.local()
_lock = threading.Lock()
_current = DEFAULT_LANGUAGE


class _DictTranslations(gettext.NullTranslations):
    """gettext translations read from a .po file (no compiled .mo needed in the checkout)."""

    def __init__(self, messages: dict[str, str], plurals: dict[str, tuple[str, ...]], plural_fn) -> None:
        super().__init__()
        self._messages = messages
        self._plurals = plurals
        self._plural_fn = plural_fn

    def gettext(self, message: str) -> str:
        return self._messages.get(message) or message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        forms = self._plurals.get(msgid1)
        if forms:
            idx = min(self._plural_fn(n), len(forms) - 1)
            if forms[idx]:
                return forms[idx]
        return msgid1 if n == 1 else msgid2


@cache
def catalog(language: str) -> gettext.NullTranslations:
    """The translations for `language` (cached); an unknown language falls back to the source strings."""
    try:
        po_file = resource_path("locale", language, f"{DOMAIN}.po")
    except FileNotFoundError:
        return gettext.NullTranslations()
    from babel.messages.pofile import read_po

    with po_file.open("rb") as fh:
        cat = read_po(fh, locale=language)
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for msg in cat:
        if not msg.id or msg.fuzzy:
            continue
        if isinstance(msg.id, tuple):
            plurals[msg.id[0]] = tuple(msg.string)
        elif msg.string:
            messages[msg.id] = msg.string
    nplurals_expr = cat.plural_expr or "(n != 1)"
    plural_fn = gettext.c2py(nplurals_expr)
    return _DictTranslations(messages, plurals, plural_fn)


def set_language(language: str) -> None:
    """Switch the process-wide language ("id" or "en")."""
    global _current
    with _lock:
        _current = language if language in ("id", "en") else DEFAULT_LANGUAGE


def current_language() -> str:
    return _current


def _(message: str) -> str:
    """Translate a Bahasa Indonesia source string into the current language."""
    return catalog(_current).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalog(_current).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - gettext convention
    """Mark a string for extraction without translating it now."""
    return message


def format_date_long(value: dt.date, language: str | None = None) -> str:
    """'5 Maret 2026' (Indonesian naskah dinas style) or '5 March 2026'."""
    from babel.dates import format_date

    return format_date(value, "d MMMM y", locale=language or _current)


def format_date_short(value: dt.date) -> str:
    """'05-03-2026': the day-month-year form Indonesian forms use."""
    return value.strftime("%d-%m-%Y")


def format_number(value: int | float, language: str | None = None) -> str:
    """'1.234.567' in Indonesian."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=language or _current)
