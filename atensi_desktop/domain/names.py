"""Name normalisation for search and duplicate detection (case-, accent- and spelling-variant-insensitive)."""

from __future__ import annotations

import re
import unicodedata

# Old (Van Ophuijsen / Soewandi) spellings still common in names, mapped to current spelling.
_VARIANTS = (
    (re.compile(r"oe"), "u"),
    (re.compile(r"oo"), "u"),  # Noor -> Nur
    (re.compile(r"dj"), "j"),
    (re.compile(r"tj"), "c"),
    (re.compile(r"sj"), "sy"),
    (re.compile(r"nj"), "ny"),
    (re.compile(r"ch"), "kh"),
    (re.compile(r"(?<![aeiou])j(?=[aeiou])"), "y"),  # Djaja -> Jaja -> Yaya is too far: applied after dj
)
_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")
_DOUBLE = re.compile(r"([a-z])\1+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _NON_ALNUM.sub(" ", text.replace("'", "").replace("`", ""))
    return _SPACES.sub(" ", text).strip()


def normalize_name(name: str) -> str:
    """A search key: 'Siti Noer Djannah' and 'Sitti Nur Jannah' give the same key."""
    text = fold(name)
    for pattern, repl in _VARIANTS[:7]:
        text = pattern.sub(repl, text)
    text = _DOUBLE.sub(r"\1", text)  # Sitti -> Siti, Jannah -> Janah
    return text
