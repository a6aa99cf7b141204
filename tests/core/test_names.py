"""Name keys: spelling variants, titles, degrees and the spellings of Muhammad give one key."""

import pytest

from atensi_desktop.domain.names import normalize_name, strip_degrees


@pytest.mark.parametrize(("a", "b"), [
    ("Siti Noer Djannah", "Sitti Nur Jannah"),
    ("Soetrisno", "Sutrisno"),
    ("Tjahjono", "Cahjono"),
    ("Hj. Siti Aminah", "Siti Aminah"),
    ("H. Abdul Rahman, S.Pd.", "Abdul Rahman"),
    ("Drs. H. Muh. Yusuf, M.Si", "Muhammad Yusuf"),
    ("Rina Kartika, S.Tr.Sos.", "Rina Kartika"),
    ("Rina Kartika S.Tr.Sos.", "Rina Kartika"),
    ("Budi Santoso, SE, MM", "Budi Santoso"),
    ("Ny. Ratna", "Ratna"),
    ("Mochammad Ali", "Muhammad Ali"),
    ("Moh. Ali", "Mohammad Ali"),
    ("Mohd Ali", "Muhamad Ali"),
])
def test_same_key(a, b):
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(("name", "key"), [
    ("Haji", "haji"),  # a title alone is the name
    ("Ibu", "ibu"),
    ("Abdul H.", "abdul h"),  # a lone initial is not a degree
    ("A. B.", "a b"),
    ("Nur, Siti", "nur siti"),  # after a comma only degrees are dropped
    ("Ketut, Made", "ketut made"),
])
def test_names_are_not_over_stripped(name, key):
    assert normalize_name(name) == key


def test_strip_degrees_keeps_the_written_name():
    assert strip_degrees("Rina Kartika, S.Tr.Sos.") == "Rina Kartika"
    assert strip_degrees("Rina Kartika") == "Rina Kartika"
    assert strip_degrees("S.Pd.") == "S.Pd."  # nothing but a degree: kept
