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
# Honorifics and titles written before a name ("Hj. Siti Aminah", "Ny. Ratna", "Drs. H. Abdul Rahman"); dropped
# from the key only while a name is left, so a person called "Haji" alone keeps a key.
_LEADING_TITLES = frozenset((
    "h", "hj", "haji", "hajah", "hajjah", "kh", "ny", "nyonya", "tn", "tuan", "sdr", "sdri", "sdra", "bpk", "bapak",
    "ibu", "bu", "pak", "dr", "drs", "dra", "ir", "prof", "alm", "almh", "almarhum", "almarhumah", "ust", "ustadz",
    "ustaz", "ustazah", "hc",
))
# Academic degrees written after a name: dotted ("S.Pd.", "S.Tr.Sos", "A.Md.Kep", "M.Si"; a lone initial such as
# the "H." of "Abdul H." is kept) or, after a comma, the usual undotted ones ("Rina Kartika, SE, MM").
_DEGREE = re.compile(r"^(?:[A-Za-z]{1,4}\.)+[A-Za-z]{1,5}\.?$")
_UNDOTTED_DEGREES = frozenset((
    "se", "sh", "st", "sp", "ss", "skm", "sag", "spd", "spdi", "ssos", "skom", "skep", "spsi", "sip", "shi", "sei",
    "sthi", "sked", "sfarm", "sgz", "str", "amd", "amk", "amkep", "mm", "mh", "mt", "msi", "mpd", "map", "mkes",
    "mag", "ma", "msc", "bsc", "ba", "phd", "lc", "ners", "apt", "dr", "drs", "dra", "ir",
))
# Muhammad and its spellings and abbreviations, after the variants above: one key.
_MUHAMMAD = frozenset(("muhamad", "mohamad", "mokhamad", "mukhamad", "muhamat", "mohamat", "mukhamat", "moh",
                       "muh", "mokh", "mukh", "mhd", "muhd", "mohd"))
_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")
_DOUBLE = re.compile(r"([a-z])\1+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _NON_ALNUM.sub(" ", text.replace("'", "").replace("`", ""))
    return _SPACES.sub(" ", text).strip()


def strip_degrees(name: str) -> str:
    """The name without academic degrees after it: 'Rina Kartika, S.Tr.Sos.' -> 'Rina Kartika'."""
    head, comma, tail = name.partition(",")
    if comma and head.strip() and all(_DEGREE.match(w) or w.replace(".", "").lower() in _UNDOTTED_DEGREES
                                      for w in tail.replace(",", " ").split()):
        name = head
    words = name.split()
    while len(words) > 1 and "." in words[-1] and _DEGREE.match(words[-1]):
        words.pop()
    return " ".join(words)


def normalize_name(name: str) -> str:
    """A search and duplicate key: 'Siti Noer Djannah' and 'Sitti Nur Jannah' give the same key, and so do
    'Hj. Siti Aminah, S.Pd.' and 'Siti Aminah', 'Moch. Ali' and 'Muhammad Ali'."""
    text = fold(strip_degrees(name))
    for pattern, repl in _VARIANTS[:7]:
        text = pattern.sub(repl, text)
    text = _DOUBLE.sub(r"\1", text)  # Sitti -> Siti, Jannah -> Janah
    words = text.split()
    while len(words) > 1 and words[0] in _LEADING_TITLES:
        words.pop(0)
    return " ".join("muhamad" if w in _MUHAMMAD else w for w in words)
