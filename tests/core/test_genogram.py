"""The genogram drawn from the asesmen's family table: generations in rows, symbols by sex, crosses for the
deceased, the client double-outlined, marriage and child lines, legend; many members and unknown relations."""

from __future__ import annotations

import pytest
from reportlab.graphics.shapes import Circle, Group, Line, Polygon, Rect, String

from atensi_desktop.reports import genogram as g

F = g.FamilyMember
CLIENT = F("Siti", "P", 1980, relation=None, is_client=True)
FAMILY = [
    F("Kakek Gani", "L", 1920, True, "kakek_nenek", "Kakek / nenek"),
    F("Nenek Saleha", "P", 1925, True, "kakek_nenek", "Kakek / nenek"),
    F("Bahrudin", "L", 1950, True, "ayah", "Ayah"),
    F("Norhayati", "P", 1955, False, "ibu", "Ibu"),
    F("Rusdi", "L", 1984, False, "saudara", "Saudara kandung"),
    F("Ahmad", "L", 1978, False, "saudara", "Saudara kandung"),
    F("Fauzan", "L", 1979, False, "suami_istri", "Suami / istri"),
    F("Nabila", "P", 2005, False, "anak", "Anak"),
    F("Rafi", "L", 2009, False, "anak", "Anak"),
]
WIDTH = 440.0


def shapes(group, out=None):
    """Every primitive shape under `group` (groups opened)."""
    out = [] if out is None else out
    for item in group.contents:
        if isinstance(item, Group):
            shapes(item, out)
        else:
            out.append(item)
    return out


@pytest.fixture
def layout():
    return g.layout_genogram(FAMILY, CLIENT, ref_year=2026, max_width=WIDTH)


def test_three_generations_in_rows_top_to_bottom(layout):
    rows = [r for r, _label, _y in layout.rows]
    assert rows == ["kakek_nenek", "orang_tua", "klien", "anak"]
    ys = [y for _r, _label, y in layout.rows]
    assert ys == sorted(ys, reverse=True)  # y grows upwards: the grandparents on top
    for node in layout.nodes:
        assert node.y == dict((r, y) for r, _l, y in layout.rows)[node.row]
    by = {n.member.name: n for n in layout.nodes}
    assert by["Kakek Gani"].row == "kakek_nenek" and by["Bahrudin"].row == "orang_tua"
    assert by["Nabila"].row == "anak" and by["Siti"].row == "klien"
    # siblings oldest first, the spouse right beside the client, the father left of the mother
    order = [n.member.name for n in sorted((n for n in layout.nodes if n.row == "klien"), key=lambda n: n.x)]
    assert order == ["Ahmad", "Siti", "Fauzan", "Rusdi"]
    assert by["Bahrudin"].x < by["Norhayati"].x
    assert [n.member.name for n in sorted((n for n in layout.nodes if n.row == "anak"), key=lambda n: n.x)] == [
        "Nabila", "Rafi"]
    assert layout.scale == 1.0 and layout.width <= WIDTH


def test_symbols_by_sex_crosses_for_the_deceased_and_the_client_double(layout):
    by = {n.member.name: n for n in layout.nodes}
    assert by["Bahrudin"].shape == "square" and by["Norhayati"].shape == "circle"
    drawing = g.genogram_drawing(FAMILY, CLIENT, ref_year=2026, max_width=WIDTH, layout=layout)
    diagram = drawing.contents[0]  # the diagram group (the legend is contents[1])
    prims = shapes(diagram)
    squares = [r for r in prims if isinstance(r, Rect) and r.width == g.SYMBOL]
    circles = [c for c in prims if isinstance(c, Circle) and c.r == g.SYMBOL / 2]
    assert sorted((r.x + r.width / 2, r.y + r.height / 2) for r in squares) == sorted(
        (n.x, n.y) for n in layout.nodes if n.member.sex == "L")
    assert sorted((c.cx, c.cy) for c in circles) == sorted((n.x, n.y) for n in layout.nodes if n.member.sex == "P")
    # the client: a second, larger circle around the first
    client = by["Siti"]
    outer = [c for c in prims if isinstance(c, Circle) and (c.cx, c.cy) == (client.x, client.y)]
    assert sorted(c.r for c in outer) == [g.SYMBOL / 2, g.SYMBOL / 2 + 3]
    # a cross (two lines through the centre) on each deceased, nowhere else
    crossed = set()
    for line in (p for p in prims if isinstance(p, Line)):
        mid = ((line.x1 + line.x2) / 2, (line.y1 + line.y2) / 2)
        node = next((n for n in layout.nodes if (n.x, n.y) == mid), None)
        if node is not None:
            crossed.add(node.member.name)
    assert crossed == {"Kakek Gani", "Nenek Saleha", "Bahrudin"}
    texts = [s.text for s in prims if isinstance(s, String)]
    assert {"Siti", "Rafi", "17 th", "46 th", "l. 1950, meninggal"} <= set(texts)
    legend = [s.text for s in shapes(drawing.contents[1]) if isinstance(s, String)]
    assert {"Laki-laki", "Perempuan", "Meninggal", "Klien", "Menikah", "Garis anak"} <= set(legend)


def test_marriage_and_child_lines(layout):
    by = {n.member.name: n for n in layout.nodes}
    marriages = [c for c in layout.connectors if c.kind == "marriage"]
    # father–mother and client–spouse, each at the symbols' centre height between them
    spans = sorted((c.points[0][1], round(c.points[0][0]), round(c.points[-1][0])) for c in marriages)
    father, mother, me, spouse = by["Bahrudin"], by["Norhayati"], by["Siti"], by["Fauzan"]
    assert len(marriages) == 3  # and the grandparents
    assert (father.y, round(father.x + g.SYMBOL / 2), round(mother.x - g.SYMBOL / 2)) in spans
    assert (me.y, round(me.x + g.SYMBOL / 2 + 3), round(spouse.x - g.SYMBOL / 2)) in spans
    # a tick drops onto every child of the parents (the client and the siblings), none onto the spouse
    children = [c for c in layout.connectors if c.kind == "child"]
    ticks = {round(c.points[0][0]) for c in children if len(c.points) == 2 and c.points[0][0] == c.points[1][0]}
    for name in ("Ahmad", "Siti", "Rusdi", "Nabila", "Rafi"):
        assert round(by[name].x) in ticks, name
    assert round(spouse.x) not in ticks
    # the grandparents' side is unknown: a dashed line to the father, explained in the legend
    lineage = [c for c in layout.connectors if c.kind == "lineage"]
    assert lineage and all(c.dashed for c in lineage) and layout.uses_dashed
    assert any(round(c.points[-1][0]) == round(father.x) for c in lineage)


def test_unknown_relation_and_sex_go_to_lainnya():
    members = FAMILY[:4] + [F("Paman Udin", "L", 1958, False, "kerabat", "Kerabat lain"),
                            F("Seseorang", None, None, False, None)]
    layout = g.layout_genogram(members, CLIENT, ref_year=2026, max_width=WIDTH)
    by = {n.member.name: n for n in layout.nodes}
    assert by["Paman Udin"].row == "lainnya" and by["Seseorang"].row == "lainnya"
    assert [r for r, _l, _y in layout.rows][-1] == "lainnya"
    assert "Kerabat lain" in by["Paman Udin"].lines
    assert "hubungan tidak tercatat" in " ".join(by["Seseorang"].lines[by["Seseorang"].name_lines:])
    assert by["Seseorang"].shape == "diamond"
    drawing = g.genogram_drawing(members, CLIENT, ref_year=2026, max_width=WIDTH, layout=layout)
    assert any(isinstance(p, Polygon) for p in shapes(drawing.contents[0]))
    assert "Jenis kelamin tidak tercatat" in [s.text for s in shapes(drawing.contents[1]) if isinstance(s, String)]


def test_a_client_without_family_is_one_symbol():
    layout = g.layout_genogram([], CLIENT, ref_year=2026, max_width=WIDTH)
    assert [n.member.name for n in layout.nodes] == ["Siti"] and layout.connectors == []


def test_many_members_narrow_the_slots_then_scale_to_the_width():
    siblings = [F(f"Saudara nomor {i}", "L" if i % 2 else "P", 1960 + i, False, "saudara", "Saudara") for i in range(25)]
    layout = g.layout_genogram(FAMILY[:4] + siblings, CLIENT, ref_year=2026, max_width=WIDTH)
    assert len(layout.nodes) == 4 + 25 + 1
    assert layout.slot == g.SLOT_MIN and layout.scale < 1
    drawing = g.genogram_drawing(FAMILY[:4] + siblings, CLIENT, ref_year=2026, max_width=WIDTH, layout=layout)
    assert drawing.width <= WIDTH
    assert drawing.contents[0].transform[0] == pytest.approx(layout.scale)
    assert layout.width * layout.scale <= WIDTH + 0.01
    # names are cut to the slot, never wider than it
    from reportlab.pdfbase.pdfmetrics import stringWidth
    for node in layout.nodes:
        for line in node.lines:
            assert stringWidth(line, "Helvetica", g.FONT_SIZE) <= layout.slot - 4 + 0.01
    # a moderate family fits without scaling: slots narrow first
    eight = g.layout_genogram(siblings[:7], CLIENT, ref_year=2026, max_width=WIDTH)
    assert eight.scale == 1.0 and g.SLOT_MIN < eight.slot < g.SLOT_MAX


def test_members_from_the_form_table_rows():
    rows = [{"nama": "  Abdul   Gani ", "jenis_kelamin": "L", "tahun_lahir": 1920, "meninggal": "ya",
             "hubungan": "ayah"},
            {"nama": "", "jenis_kelamin": "X", "tahun_lahir": "bukan tahun", "hubungan": "lainnya_tak_dikenal"},
            {"nama": "Zahra", "jenis_kelamin": "P", "tahun_lahir": 2004.0, "meninggal": "tidak"}]
    found = g.members_from_rows(rows, {"ayah": "Ayah"})
    assert found[0] == F("Abdul Gani", "L", 1920, True, "ayah", "Ayah")
    assert (found[1].name, found[1].sex, found[1].birth_year, found[1].row) == ("(tanpa nama)", None, None, "lainnya")
    assert (found[2].birth_year, found[2].relation, found[2].row, found[2].deceased) == (2004, None, "lainnya", False)
