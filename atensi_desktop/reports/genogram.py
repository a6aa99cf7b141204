"""A genogram drawn from the asesmen's family table (ReportLab graphics, no Qt).

The family table of the asesmen form (`sosial.genogram`: name, sex, birth year, deceased, relation to the
client) becomes rows of generations: kakek/nenek → orang tua (and wali) → the client with siblings and
spouse(s) → anak → cucu, and a row "lainnya" for other relatives and unknown relations. Squares are men,
circles women, a diamond an unrecorded sex; a cross marks the deceased; the client has a double outline.
Marriage lines join the client to a spouse and the father to the mother; child lines drop from a couple (or a
lone parent) to a bar over their children.

The table does not say on which side a grandparent stands, nor whose child a grandchild is. Those lines are
drawn dashed (and explained in the legend): grandparents over the father, then the mother, in table order;
grandchildren under the only child, and left unjoined when there are several children.

`layout_genogram` computes positions as plain data (tests read it); `genogram_drawing` draws it. With many
members the slots narrow (names shortened) and, below a minimum slot, the diagram is scaled to the width.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from atensi_desktop.i18n import _

# rows, top to bottom
ROW_GRANDPARENTS, ROW_PARENTS, ROW_CLIENT, ROW_CHILDREN, ROW_GRANDCHILDREN, ROW_OTHER = (
    "kakek_nenek", "orang_tua", "klien", "anak", "cucu", "lainnya")
ROWS = (ROW_GRANDPARENTS, ROW_PARENTS, ROW_CLIENT, ROW_CHILDREN, ROW_GRANDCHILDREN, ROW_OTHER)
# relation code of the form (sosial.genogram.hubungan) -> row
RELATION_ROW = {"kakek_nenek": ROW_GRANDPARENTS, "ayah": ROW_PARENTS, "ibu": ROW_PARENTS, "wali": ROW_PARENTS,
                "saudara": ROW_CLIENT, "suami_istri": ROW_CLIENT, "anak": ROW_CHILDREN, "cucu": ROW_GRANDCHILDREN}
# relations whose row does not already say who the person is: their label is written under the name
_LABELLED = {"wali", "kerabat"}

SYMBOL = 20.0  # symbol side / diameter, points
SLOT_MAX = 66.0  # horizontal room per member
SLOT_MIN = 40.0  # below this the whole diagram is scaled down instead
COUPLE_GAP = 14.0  # extra room between a person and the spouse beside them
ROW_HEIGHT = 68.0
LABEL_COLUMN = 58.0  # row labels on the left
FONT_SIZE = 6.5
MARGIN = 4.0


@dataclass(frozen=True)
class FamilyMember:
    """One person of the genogram; `name` is what may be printed (already redacted by the caller)."""

    name: str
    sex: str | None = None  # "L" / "P" / None
    birth_year: int | None = None
    deceased: bool = False
    relation: str | None = None  # a form code (ayah, ibu, saudara, ...); None when not recorded
    relation_label: str = ""
    is_client: bool = False

    @property
    def row(self) -> str:
        if self.is_client:
            return ROW_CLIENT
        return RELATION_ROW.get(self.relation or "", ROW_OTHER)


@dataclass(frozen=True)
class Node:
    member: FamilyMember
    row: str
    x: float  # centre of the symbol, drawing coordinates (unscaled), y up
    y: float
    lines: tuple[str, ...]  # the texts under the symbol: the name (1–2 lines), then relation and age
    shape: str  # "square" / "circle" / "diamond"
    name_lines: int = 1


@dataclass(frozen=True)
class Connector:
    kind: str  # "marriage" / "child" / "lineage"
    points: tuple[tuple[float, float], ...]
    dashed: bool = False


@dataclass
class GenogramLayout:
    nodes: list[Node]
    connectors: list[Connector]
    rows: list[tuple[str, str, float]]  # (row key, label, y of the symbols' centre)
    width: float  # unscaled size of the diagram (legend not included)
    height: float
    scale: float = 1.0
    slot: float = SLOT_MAX
    uses_dashed: bool = False
    shapes_used: set[str] = field(default_factory=set)

    def node_of(self, name: str) -> Node:
        return next(n for n in self.nodes if n.member.name == name)


def row_labels() -> dict[str, str]:
    return {ROW_GRANDPARENTS: _("Kakek / nenek"), ROW_PARENTS: _("Orang tua"), ROW_CLIENT: _("Klien dan saudara"),
            ROW_CHILDREN: _("Anak"), ROW_GRANDCHILDREN: _("Cucu"), ROW_OTHER: _("Lainnya")}


# --- from the form's table answer ----------------------------------------------------------------------

def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = int(float(value))
    except (TypeError, ValueError):
        return None
    return number if 1800 <= number <= 2200 else None


def members_from_rows(rows: Iterable[Mapping[str, Any]], relation_labels: Mapping[str, str]) -> list[FamilyMember]:
    """FamilyMembers from the rows of the genogram table (columns nama, jenis_kelamin, tahun_lahir,
    meninggal, hubungan). Rows without a name are kept as "(tanpa nama)": the family still has that person."""
    found: list[FamilyMember] = []
    for row in rows:
        name = " ".join(str(row.get("nama") or "").split()) or _("(tanpa nama)")
        sex = row.get("jenis_kelamin")
        relation = row.get("hubungan") or None
        found.append(FamilyMember(
            name=name, sex=sex if sex in ("L", "P") else None, birth_year=_int_or_none(row.get("tahun_lahir")),
            deceased=row.get("meninggal") == "ya", relation=relation,
            relation_label=relation_labels.get(relation, relation or "") if relation else ""))
    return found


# --- layout --------------------------------------------------------------------------------------------

def _shape(member: FamilyMember) -> str:
    return {"L": "square", "P": "circle"}.get(member.sex or "", "diamond")


def _fit(text: str, width: float, font: str, size: float) -> str:
    """`text` cut with an ellipsis to fit `width`."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "\u2026", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "\u2026"


def _wrap2(text: str, width: float, font: str, size: float) -> tuple[str, ...]:
    """At most two lines of `text` within `width` (the second cut with an ellipsis)."""
    words = text.split()
    if not words:
        return ("",)
    first = words[0]
    i = 1
    while i < len(words) and stringWidth(first + " " + words[i], font, size) <= width:
        first += " " + words[i]
        i += 1
    if stringWidth(first, font, size) > width:  # one long word
        return (_fit(text, width, font, size),)
    rest = " ".join(words[i:])
    return (first, _fit(rest, width, font, size)) if rest else (first,)


def _by_birth(members: Sequence[FamilyMember]) -> list[FamilyMember]:
    """Oldest first; members without a birth year keep their table order after those with one."""
    known = sorted((m for m in members if m.birth_year is not None), key=lambda m: m.birth_year)
    return known + [m for m in members if m.birth_year is None]


def _couples(members: Sequence[FamilyMember]) -> list[tuple[FamilyMember, ...]]:
    """Men and women paired in table order (man left); whoever is left over stands alone."""
    men = [m for m in members if m.sex == "L"]
    women = [m for m in members if m.sex == "P"]
    units: list[tuple[FamilyMember, ...]] = [(a, b) for a, b in zip(men, women, strict=False)]
    pairs = min(len(men), len(women))
    units += [(m,) for m in men[pairs:] + women[pairs:]]
    units += [(m,) for m in members if m.sex not in ("L", "P")]
    return units


def layout_genogram(members: Sequence[FamilyMember], client: FamilyMember, *, ref_year: int | None,
                    max_width: float, font: str = "Helvetica") -> GenogramLayout:
    """Positions of every symbol, line and row label (see the module docstring)."""
    by_row: dict[str, list[FamilyMember]] = {r: [] for r in ROWS}
    for m in members:
        by_row[m.row].append(m)

    # each row as units: a unit is 1 person or a couple (drawn side by side with a marriage line)
    grand_units = _couples(by_row[ROW_GRANDPARENTS])
    fathers = [m for m in by_row[ROW_PARENTS] if m.relation == "ayah"]
    mothers = [m for m in by_row[ROW_PARENTS] if m.relation == "ibu"]
    others_parents = [m for m in by_row[ROW_PARENTS] if m.relation not in ("ayah", "ibu")]
    parent_units: list[tuple[FamilyMember, ...]] = []
    if fathers and mothers:
        parent_units.append((fathers[0], mothers[0]))
    else:
        parent_units += [(m,) for m in fathers[:1] + mothers[:1]]
    parent_units += [(m,) for m in fathers[1:] + mothers[1:] + others_parents]
    spouses = [m for m in by_row[ROW_CLIENT] if m.relation == "suami_istri"]
    siblings = _by_birth([m for m in by_row[ROW_CLIENT] if m.relation != "suami_istri"] + [client])
    client_row: list[FamilyMember] = []
    for m in siblings:
        client_row.append(m)
        if m is client:
            client_row += spouses
    rows_members: dict[str, list[FamilyMember]] = {
        ROW_GRANDPARENTS: [p for u in grand_units for p in u],
        ROW_PARENTS: [p for u in parent_units for p in u],
        ROW_CLIENT: client_row,
        ROW_CHILDREN: _by_birth(by_row[ROW_CHILDREN]),
        ROW_GRANDCHILDREN: _by_birth(by_row[ROW_GRANDCHILDREN]),
        ROW_OTHER: list(by_row[ROW_OTHER]),
    }
    present = [r for r in ROWS if rows_members[r]]

    # slot width: as wide as the page allows, down to SLOT_MIN; beyond that the diagram is scaled
    couples_in = {ROW_GRANDPARENTS: sum(len(u) == 2 for u in grand_units),
                  ROW_PARENTS: sum(len(u) == 2 for u in parent_units), ROW_CLIENT: len(spouses)}
    def row_width(r: str, slot: float) -> float:
        return len(rows_members[r]) * slot + couples_in.get(r, 0) * COUPLE_GAP
    widest = max(present, key=lambda r: row_width(r, SLOT_MAX))
    room = max_width - LABEL_COLUMN - 2 * MARGIN
    slot = SLOT_MAX
    if row_width(widest, SLOT_MAX) > room:
        n, gaps = len(rows_members[widest]), couples_in.get(widest, 0) * COUPLE_GAP
        slot = max(SLOT_MIN, (room - gaps) / n)
    inner = max(row_width(r, slot) for r in present)
    width = LABEL_COLUMN + inner + 2 * MARGIN
    height = len(present) * ROW_HEIGHT + MARGIN
    scale = min(1.0, max_width / width)

    labels = row_labels()
    nodes: list[Node] = []
    rows: list[tuple[str, str, float]] = []
    pos: dict[int, Node] = {}
    text_width = slot - 4
    for i, r in enumerate(present):
        y = height - MARGIN - SYMBOL / 2 - 6 - i * ROW_HEIGHT
        rows.append((r, labels[r], y))
        x = LABEL_COLUMN + MARGIN + (inner - row_width(r, slot)) / 2 + slot / 2
        previous: FamilyMember | None = None
        for m in rows_members[r]:
            if previous is not None and _is_couple(previous, m, r, grand_units, parent_units, client):
                x += COUPLE_GAP
            lines = list(_wrap2(m.name, text_width, font, FONT_SIZE))
            name_lines = len(lines)
            if m.relation in _LABELLED or (r == ROW_OTHER and m.relation_label):
                lines.append(_fit(m.relation_label or m.relation or "", text_width, font, FONT_SIZE))
            elif r == ROW_OTHER and not m.relation:
                lines.extend(_wrap2(_("hubungan tidak tercatat"), text_width, font, FONT_SIZE))
            details = _detail(m, ref_year)
            if details:  # the longest form that fits (the cross already says "deceased")
                lines.append(next((d for d in details if stringWidth(d, font, FONT_SIZE) <= text_width),
                                  _fit(details[-1], text_width, font, FONT_SIZE)))
            node = Node(member=m, row=r, x=x, y=y, lines=tuple(lines), shape=_shape(m), name_lines=name_lines)
            nodes.append(node)
            pos[id(m)] = node
            previous = m
            x += slot

    connectors: list[Connector] = []

    def marriage(a: Node, b: Node, depth: float = 0.0) -> tuple[float, float]:
        """A line between the two symbols at their centre height (a later spouse a little lower); the
        children's line starts from its middle, which the labels under the two symbols leave free."""
        y = a.y - depth
        left = a.x + SYMBOL / 2 + (3 if a.member.is_client else 0)
        connectors.append(Connector("marriage", ((left, y), (b.x - SYMBOL / 2, y))))
        return ((a.x + b.x) / 2, y)

    def descent(origin: tuple[float, float], children: Sequence[Node], *, kind: str = "child",
                dashed: bool = False) -> None:
        if not children:
            return
        top = children[0].y + SYMBOL / 2
        bar_y = top + 8
        xs = [c.x for c in children]
        connectors.append(Connector(kind, (origin, (origin[0], bar_y)), dashed))
        lo, hi = min(xs + [origin[0]]), max(xs + [origin[0]])
        if hi > lo:
            connectors.append(Connector(kind, ((lo, bar_y), (hi, bar_y)), dashed))
        for c in children:
            connectors.append(Connector(kind, ((c.x, bar_y), (c.x, top)), dashed))

    def label_bottom(n: Node) -> float:
        return n.y - SYMBOL / 2 - 2 - len(n.lines) * (FONT_SIZE + 1.5)

    # grandparents: couples; dashed lineage to the father, then the mother
    grand_origins: list[tuple[float, float]] = []
    for u in grand_units:
        if len(u) == 2:
            grand_origins.append(marriage(pos[id(u[0])], pos[id(u[1])]))
        else:
            n = pos[id(u[0])]
            grand_origins.append((n.x, label_bottom(n)))
    # parents: the couple (or a lone father/mother) has the client and the siblings as children
    parent_origin: tuple[float, float] | None = None
    parent_targets: list[Node] = []
    if parent_units:
        first = parent_units[0]
        if len(first) == 2:
            parent_origin = marriage(pos[id(first[0])], pos[id(first[1])])
            parent_targets = [pos[id(first[0])], pos[id(first[1])]]
        elif first[0].relation in ("ayah", "ibu"):
            n = pos[id(first[0])]
            parent_origin = (n.x, label_bottom(n))
            parent_targets = [n]
    uses_dashed = False
    if grand_origins and parent_targets:
        for k, origin in enumerate(grand_origins):
            target = parent_targets[min(k, len(parent_targets) - 1)]
            descent(origin, [target], kind="lineage", dashed=True)
            uses_dashed = True
    sibling_nodes = [pos[id(m)] for m in siblings]
    if parent_origin is not None:
        descent(parent_origin, sibling_nodes)
    # the client and spouse(s); their children
    client_node = pos[id(client)]
    child_origin: tuple[float, float] = (client_node.x, label_bottom(client_node))
    for k, sp in enumerate(spouses):
        origin = marriage(client_node, pos[id(sp)], depth=k * 4)
        if k == 0:
            child_origin = origin
    child_nodes = [pos[id(m)] for m in rows_members[ROW_CHILDREN]]
    descent(child_origin, child_nodes)
    grandchildren = [pos[id(m)] for m in rows_members[ROW_GRANDCHILDREN]]
    if grandchildren and len(child_nodes) == 1:
        descent((child_nodes[0].x, label_bottom(child_nodes[0])), grandchildren, kind="lineage", dashed=True)
        uses_dashed = True

    return GenogramLayout(nodes=nodes, connectors=connectors, rows=rows, width=width, height=height, scale=scale,
                          slot=slot, uses_dashed=uses_dashed, shapes_used={n.shape for n in nodes})


def _is_couple(a: FamilyMember, b: FamilyMember, row: str, grand_units: Sequence[tuple], parent_units: Sequence[tuple],
               client: FamilyMember) -> bool:
    if row == ROW_GRANDPARENTS:
        return any(len(u) == 2 and u[0] is a and u[1] is b for u in grand_units)
    if row == ROW_PARENTS:
        return any(len(u) == 2 and u[0] is a and u[1] is b for u in parent_units)
    if row == ROW_CLIENT:
        return b.relation == "suami_istri" and (a is client or a.relation == "suami_istri")
    return False


def _detail(m: FamilyMember, ref_year: int | None) -> tuple[str, ...]:
    """What is written under the name, longest form first: age, or birth year and death."""
    if m.deceased:
        if m.birth_year is None:
            return (_("meninggal"),)
        return (_("l. {year}, meninggal").format(year=m.birth_year), _("l. {year}").format(year=m.birth_year))
    if m.birth_year is not None and ref_year is not None and ref_year >= m.birth_year:
        return (_("{n} th").format(n=ref_year - m.birth_year),)
    return ()


# --- drawing -------------------------------------------------------------------------------------------

INK = colors.HexColor("#1a1a1a")
GREY = colors.HexColor("#666666")


def _symbol(shape: str, x: float, y: float, size: float, *, width: float = 1.0) -> list[Any]:
    h = size / 2
    if shape == "square":
        return [Rect(x - h, y - h, size, size, strokeColor=INK, fillColor=colors.white, strokeWidth=width)]
    if shape == "circle":
        return [Circle(x, y, h, strokeColor=INK, fillColor=colors.white, strokeWidth=width)]
    return [Polygon([x, y + h, x + h, y, x, y - h, x - h, y], strokeColor=INK, fillColor=colors.white,
                    strokeWidth=width)]


def _cross(x: float, y: float, size: float) -> list[Any]:
    h = size / 2 - 2
    return [Line(x - h, y - h, x + h, y + h, strokeColor=INK, strokeWidth=1.2),
            Line(x - h, y + h, x + h, y - h, strokeColor=INK, strokeWidth=1.2)]


def _person(node: Node, font: str, bold: str) -> list[Any]:
    out = _symbol(node.shape, node.x, node.y, SYMBOL)
    if node.member.is_client:  # a second outline around the first
        out = _symbol(node.shape, node.x, node.y, SYMBOL + 6, width=0.8) + out
    if node.member.deceased:
        out += _cross(node.x, node.y, SYMBOL)
    ty = node.y - SYMBOL / 2 - (5 if node.member.is_client else 2) - FONT_SIZE
    for i, text in enumerate(node.lines):
        out.append(String(node.x, ty - i * (FONT_SIZE + 1.5), text, fontName=bold if node.member.is_client else font,
                          fontSize=FONT_SIZE, textAnchor="middle", fillColor=INK if i < node.name_lines else GREY))
    return out


def _connector(c: Connector) -> Any:
    flat: list[float] = [v for p in c.points for v in p]
    return PolyLine(flat, strokeColor=INK, strokeWidth=0.8, strokeDashArray=[3, 2] if c.dashed else None)


def _legend(layout: GenogramLayout, width: float, font: str) -> tuple[Group, float]:
    """Legend entries laid out in lines within `width`; returns the group and its height."""
    items: list[tuple[str, str]] = [("square", _("Laki-laki")), ("circle", _("Perempuan"))]
    if "diamond" in layout.shapes_used:
        items.append(("diamond", _("Jenis kelamin tidak tercatat")))
    items += [("cross", _("Meninggal")), ("client", _("Klien")), ("marriage", _("Menikah")),
              ("child", _("Garis anak"))]
    if layout.uses_dashed:
        items.append(("dashed", _("Garis keturunan, sisi keluarga tidak tercatat")))
    size, line_h = 9.0, 13.0
    placed: list[tuple[str, str, float, int]] = []
    x, line = 0.0, 0
    symbol_w = {"client": size + 4}
    for key, text in items:
        w = symbol_w.get(key, size) + 4 + stringWidth(text, font, FONT_SIZE + 0.5) + 12
        if x > 0 and x + w > width:
            x, line = 0.0, line + 1
        placed.append((key, text, x, line))
        x += w
    lines = line + 1
    height = lines * line_h
    group = Group()
    for key, text, lx, ln in placed:
        cy = height - line_h / 2 - ln * line_h
        cx = lx + symbol_w.get(key, size) / 2
        if key in ("square", "circle", "diamond"):
            for shape in _symbol(key, cx, cy, size, width=0.8):
                group.add(shape)
        elif key == "cross":
            for shape in _symbol("square", cx, cy, size, width=0.8) + [
                    Line(cx - 3, cy - 3, cx + 3, cy + 3, strokeColor=INK), Line(cx - 3, cy + 3, cx + 3, cy - 3,
                                                                                   strokeColor=INK)]:
                group.add(shape)
        elif key == "client":
            for shape in _symbol("square", cx, cy, size + 4, width=0.6) + _symbol("square", cx, cy, size - 1,
                                                                                   width=0.8):
                group.add(shape)
        elif key == "marriage":  # two small symbols joined at their centre height
            group.add(Rect(lx, cy - 2.5, 5, 5, strokeColor=INK, fillColor=colors.white, strokeWidth=0.6))
            group.add(Line(lx + 5, cy, lx + size - 5, cy, strokeColor=INK, strokeWidth=0.8))
            group.add(Circle(lx + size - 2.5, cy, 2.5, strokeColor=INK, fillColor=colors.white, strokeWidth=0.6))
        elif key == "child":  # a line down to a bar with a tick for each child
            group.add(Line(cx, cy + 5, cx, cy + 1, strokeColor=INK, strokeWidth=0.8))
            group.add(PolyLine([lx, cy - 4, lx, cy + 1, lx + size, cy + 1, lx + size, cy - 4], strokeColor=INK,
                               strokeWidth=0.8))
        elif key == "dashed":
            group.add(Line(lx, cy, lx + size, cy, strokeColor=INK, strokeWidth=0.8, strokeDashArray=[3, 2]))
        group.add(String(lx + symbol_w.get(key, size) + 4, cy - FONT_SIZE / 2 + 1, text, fontName=font, fontSize=FONT_SIZE + 0.5,
                         fillColor=INK))
    return group, height


def genogram_drawing(members: Sequence[FamilyMember], client: FamilyMember, *, ref_year: int | None,
                     max_width: float, max_height: float | None = None, font: str = "Helvetica",
                     bold_font: str | None = None, layout: GenogramLayout | None = None) -> Drawing:
    """The genogram as a ReportLab Drawing (a flowable) no wider than `max_width`, legend under it; with
    `max_height`, the diagram is also scaled down to keep the whole drawing within that height."""
    bold = bold_font or font
    layout = layout or layout_genogram(members, client, ref_year=ref_year, max_width=max_width, font=font)
    diagram = Group()
    for _r, label, y in layout.rows:
        diagram.add(String(MARGIN, y - 2, label, fontName=font, fontSize=FONT_SIZE + 0.5, fillColor=GREY))
    for c in layout.connectors:
        diagram.add(_connector(c))
    for node in layout.nodes:
        for shape in _person(node, font, bold):
            diagram.add(shape)
    width = min(max_width, max(layout.width * layout.scale, 360.0))
    legend, legend_h = _legend(layout, width, font)
    gap = 8.0
    s = layout.scale
    if max_height is not None:
        s = max(0.05, min(s, (max_height - gap - legend_h) / layout.height))
    diagram.transform = (s, 0, 0, s, 0, legend_h + gap)
    legend.transform = (1, 0, 0, 1, MARGIN, 0)
    drawing = Drawing(max(layout.width * s, width), layout.height * s + gap + legend_h)
    drawing.add(diagram)
    drawing.add(legend)
    drawing.hAlign = "CENTER"
    return drawing


def drawing_scale(drawing: Drawing) -> float:
    """The scale the diagram of a genogram drawing was drawn at."""
    return float(drawing.contents[0].transform[0])
