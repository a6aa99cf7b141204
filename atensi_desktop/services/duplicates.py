"""Duplicate clients (sync-design.md §2.6): found by computing, merged by redirecting, refuted as data.

* `candidates_for` is the check on entry: same NIK, or a similar name with birth date, sex and wilayah,
  each candidate scored 0..1 and explained ("nama 92% mirip, tanggal lahir sama, desa sama").
* `review_list` is the "Kemungkinan duplikat" queue: a pure function of the data (same data, same list on
  every replica), never stored.
* `mark_distinct` stores a "bukan duplikat" decision under the pair's deterministic id.
* `merge` copies the chosen fields onto the survivor as ordinary edits and points the loser at it
  (`merged_into`); child rows keep pointing at the loser and reads go through `resolve`.

Blocking uses indexed columns only (nik, birth_date, wilayah_code); scoring is rapidfuzz Jaro-Winkler on
normalised names (`domain.names.normalize_name`) plus birth date, sex and wilayah evidence.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
import operator
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler
from sqlalchemy import ColumnElement, String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, Household, Wilayah
from atensi_desktop.db.models.duplicate import DuplicateDecision, pair_id
from atensi_desktop.domain.names import fold, normalize_name
from atensi_desktop.domain.nik import NIK_LENGTH, normalize_nik
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.i18n import N_, _, format_date_short
from atensi_desktop.progress import Progress
from atensi_desktop.refdata import ref_list
from atensi_desktop.security import guard
from atensi_desktop.security.roles import CLIENT_EDIT, CLIENT_MERGE, CLIENT_VIEW
from atensi_desktop.services.clients import EDITABLE, ClientDTO, get_client, validate_client
from atensi_desktop.services.households import check_single_head

# --- thresholds and weights (score = weighted evidence, 0..1) -------------------------------------------
W_NAME = 0.50  # times the name similarity (0..1)
W_DATE_SAME = 0.30
W_DATE_NEAR = 0.20  # one day apart, or day and month swapped (05-09 / 09-05)
W_DATE_YEAR = 0.12  # same year; or within ESTIMATED_YEARS when either date is an estimate
W_DATE_UNKNOWN = 0.10  # either side has no birth date: neither for nor against
W_SEX_SAME = 0.05
W_SEX_DIFFERENT = -0.15
W_DESA = 0.15
W_KECAMATAN = 0.07
ESTIMATED_YEARS = 2

NAME_MIN = 0.85  # check on entry: below this name similarity nothing else makes a candidate
CANDIDATE_MIN = 0.75  # check on entry: minimum combined score
REVIEW_NAME_MIN = 0.90  # review queue (same birth date and sex): stricter, it lists the whole registry
# A one-word name ("Siti", "Ahmad", "Hasanah") says little: it needs the same or a near birth date and the
# same desa or kecamatan; a short one (both up to SHORT_NAME letters: "Siti", "Rina") an almost identical
# name, since Jaro-Winkler is coarse on four letters ("Siti" / "Sita" 0.88, "Rina" / "Rini" 0.88).
SHORT_NAME = 5
SHORT_NAME_MIN = 0.93  # lets through a swapped, doubled or dropped letter ("Wulan" / "Wluan" 0.94), not
# another letter ("Rina" / "Rini"), which is usually another name
NAME_PREFIX = 3  # the desa block matches names sharing the first 3 letters of any word
NIK_SCORE = 1.0
# rapidfuzz's `process.extract(..., score_cutoff=c)` may leave out a pair scoring exactly c (Jaro-Winkler
# 0.85 against a cutoff of 0.85 - 1e-9, rapidfuzz 3.14): sieves ask for c - CUTOFF_MARGIN and the exact
# rule decides.
CUTOFF_MARGIN = 0.02

_DESA_LEVEL_LENGTH = 13  # '63.06.01.2001'
_KECAMATAN_LENGTH = 8  # '63.06.01'
_BLOCK_LIMIT = 2000  # rows one fuzzy block may bring back (a guard, far above what real data gives)
_CUT: list[int] = []  # marks a batch block that the query of candidates_for would have cut at _BLOCK_LIMIT


# --- DTOs ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClientBrief:
    """What a duplicate warning or the review list shows of one client."""

    id: uuid.UUID
    display_id: str
    name: str
    nik: str | None
    sex: str | None
    birth_date: dt.date | None
    wilayah_code: str | None


@dataclass(frozen=True)
class DuplicateCandidate:
    """An existing client that may be the person being entered."""

    client: ClientBrief
    score: float
    reasons: tuple[str, ...]
    same_nik: bool

    @property
    def explanation(self) -> str:
        return ", ".join(self.reasons)


@dataclass(frozen=True)
class DuplicatePair:
    """Two live clients that may be one person; `a` has the smaller id (byte order)."""

    a: ClientBrief
    b: ClientBrief
    score: float
    reasons: tuple[str, ...]
    same_nik: bool

    @property
    def pair_id(self) -> uuid.UUID:
        return pair_id(self.a.id, self.b.id)

    @property
    def explanation(self) -> str:
        return ", ".join(self.reasons)


# --- scoring -------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Person:
    id: uuid.UUID | None
    display_id: str
    name: str
    norm: str
    tokens: tuple[str, ...]
    ordered: str  # the name's words sorted: 'budi santoso' == sorted('santoso budi')
    alias_norm: str | None
    sex: str | None
    birth: dt.date | None
    estimated: bool
    wilayah: str | None
    nik: str | None

    def brief(self) -> ClientBrief:
        assert self.id is not None
        return ClientBrief(id=self.id, display_id=self.display_id, name=self.name, nik=self.nik, sex=self.sex,
                           birth_date=self.birth, wilayah_code=self.wilayah)


def _person(cid: uuid.UUID | None, display: str, name: str | None, norm: str | None, alias: str | None,
            sex: str | None, birth: dt.date | None, estimated: bool | None, wilayah: str | None,
            nik: str | None) -> _Person:
    name = name or ""
    norm = normalize_name(name) if norm is None else norm
    tokens = tuple(norm.split())
    return _Person(
        id=cid, display_id=display, name=name, norm=norm, tokens=tokens, ordered=" ".join(sorted(tokens)),
        alias_norm=(normalize_name(alias) or None) if alias else None, sex=sex, birth=birth,
        estimated=bool(estimated), wilayah=wilayah, nik=nik,
    )


_COLUMNS = (Client.id, Client.display_id, Client.name, Client.name_norm, Client.alias, Client.sex,
            Client.birth_date, Client.birth_date_estimated, Client.wilayah_code, Client.nik)


def _from_row(row: Sequence[Any]) -> _Person:
    return _person(*row[:10])


def _string_similarity(x: str, y: str, x_tokens: Sequence[str], y_tokens: Sequence[str],
                       x_ordered: str, y_ordered: str) -> tuple[float, bool]:
    """(similarity, word order mattered). Words both names share do not carry the score alone.

    Jaro-Winkler rewards a common start, and Indonesian names often start alike ('Siti …', 'Muhammad …'):
    when both names have two or more words and share some, the remaining words are compared too and the
    result is at most the average of both figures ('Siti Aminah' / 'Siti Rahmah': 0.84, not 0.90).
    """
    if x == y:
        return 1.0, False
    direct = JaroWinkler.normalized_similarity(x, y)
    reordered = False
    if x_ordered != x or y_ordered != y:
        by_order = JaroWinkler.normalized_similarity(x_ordered, y_ordered)
        if by_order > direct:
            direct, reordered = by_order, True
    if len(x_tokens) > 1 and len(y_tokens) > 1:
        shared = set(x_tokens) & set(y_tokens)
        if shared:
            rest_x = [t for t in x_tokens if t not in shared]
            rest_y = [t for t in y_tokens if t not in shared]
            if rest_x and rest_y:
                rest = JaroWinkler.normalized_similarity(" ".join(sorted(rest_x)), " ".join(sorted(rest_y)))
                direct = min(direct, (direct + rest) / 2)
    return direct, reordered


def _name_similarity(a: _Person, b: _Person) -> tuple[float, str]:
    """Best similarity of the names (and aliases) and how it was found: 'name', 'order' or 'alias'."""
    best, reordered = _string_similarity(a.norm, b.norm, a.tokens, b.tokens, a.ordered, b.ordered)
    how = "order" if reordered else "name"
    if a.alias_norm or b.alias_norm:
        for x, y in ((a.alias_norm, b.norm), (a.norm, b.alias_norm), (a.alias_norm, b.alias_norm)):
            if x and y:
                xt, yt = x.split(), y.split()
                sim, _unused = _string_similarity(x, y, xt, yt, " ".join(sorted(xt)), " ".join(sorted(yt)))
                if sim > best:
                    best, how = sim, "alias"
    return best, how


def _date_evidence(a: _Person, b: _Person) -> tuple[str, float]:
    """('same' | 'near' | 'swapped' | 'year' | 'estimated' | 'different' | 'unknown', weight)."""
    if a.birth is None or b.birth is None:
        return "unknown", W_DATE_UNKNOWN
    if a.birth == b.birth:
        return "same", W_DATE_SAME
    if abs((a.birth - b.birth).days) == 1:
        return "near", W_DATE_NEAR
    if _swapped(a.birth) == b.birth:
        return "swapped", W_DATE_NEAR
    if a.birth.year == b.birth.year:
        return "year", W_DATE_YEAR
    if (a.estimated or b.estimated) and abs(a.birth.year - b.birth.year) <= ESTIMATED_YEARS:
        return "estimated", W_DATE_YEAR
    return "different", 0.0


def _swapped(day: dt.date) -> dt.date | None:
    """05-09-1990 -> 09-05-1990 (day and month written the other way round), when that is a date."""
    if day.day == day.month or day.day > 12:
        return None
    try:
        return day.replace(month=day.day, day=day.month)
    except ValueError:
        return None


def _wilayah_evidence(a: _Person, b: _Person) -> tuple[str | None, float]:
    if not a.wilayah or not b.wilayah:
        return None, 0.0
    if a.wilayah == b.wilayah and len(a.wilayah) == _DESA_LEVEL_LENGTH:
        return "desa", W_DESA
    if len(a.wilayah) >= _KECAMATAN_LENGTH and a.wilayah[:_KECAMATAN_LENGTH] == b.wilayah[:_KECAMATAN_LENGTH]:
        return "kecamatan", W_KECAMATAN
    return None, 0.0


def _name_reason(a: _Person, b: _Person, similarity: float, how: str) -> str:
    percent = int(similarity * 100)  # floor: never call 99.6% "100%"
    if how == "alias":
        if similarity >= 1.0:
            return _("nama sama dengan nama alias")
        return _("nama {percent}% mirip dengan nama alias").format(percent=percent)
    if a.norm == b.norm:
        return _("nama sama") if fold(a.name) == fold(b.name) else _("nama sama (beda ejaan)")
    if how == "order":
        if similarity >= 1.0:
            return _("nama sama (urutan kata berbeda)")
        return _("nama {percent}% mirip (urutan kata berbeda)").format(percent=percent)
    return _("nama {percent}% mirip").format(percent=percent)


_DATE_REASONS = {
    "same": N_("tanggal lahir sama"),
    "near": N_("tanggal lahir selisih 1 hari"),
    "swapped": N_("tanggal dan bulan lahir tertukar"),
    "year": N_("tahun lahir sama"),
    "estimated": N_("tahun lahir berdekatan (tanggal lahir perkiraan)"),
    "different": N_("tanggal lahir berbeda"),
}


@dataclass(frozen=True)
class _Score:
    score: float
    reasons: tuple[str, ...]
    same_nik: bool


def _score(a: _Person, b: _Person, *, name_min: float, score_min: float) -> _Score | None:
    """Score the pair, or None when the evidence is too weak. A shared NIK always counts (score 1)."""
    same_nik = bool(a.nik) and a.nik == b.nik
    if not a.norm or not b.norm:
        if not same_nik:
            return None
        similarity, how = 0.0, "name"
    else:
        similarity, how = _name_similarity(a, b)
    date_kind, date_weight = _date_evidence(a, b)
    wilayah_kind, wilayah_weight = _wilayah_evidence(a, b)
    sex_weight = 0.0
    if a.sex and b.sex:
        sex_weight = W_SEX_SAME if a.sex == b.sex else W_SEX_DIFFERENT
    score = max(0.0, min(1.0, W_NAME * similarity + date_weight + wilayah_weight + sex_weight))
    if not same_nik:
        if similarity < name_min or score < score_min:
            return None
        single = [t[0] for t in (a.tokens, b.tokens) if len(t) == 1]
        if single and (date_kind not in ("same", "near", "swapped") or wilayah_kind is None
                       or (max(map(len, single)) <= SHORT_NAME and similarity < SHORT_NAME_MIN)):
            return None
    reasons: list[str] = []
    if same_nik:
        reasons.append(_("NIK sama"))
    if a.norm and b.norm:
        reasons.append(_name_reason(a, b, similarity, how))
    if date_kind != "unknown":
        reasons.append(_(_DATE_REASONS[date_kind]))
    if sex_weight < 0:
        reasons.append(_("jenis kelamin berbeda"))
    if wilayah_kind == "desa":
        reasons.append(_("desa sama"))
    elif wilayah_kind == "kecamatan":
        reasons.append(_("kecamatan sama"))
    return _Score(score=NIK_SCORE if same_nik else round(score, 3), reasons=tuple(reasons), same_nik=same_nik)


# --- the check on entry --------------------------------------------------------------------------------
def _live() -> ColumnElement[bool]:
    return and_(Client.deleted.is_(False), Client.merged_into.is_(None))


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _as_text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _entered(values: Mapping[str, Any]) -> _Person:
    """The form's values, read leniently: a half-filled form is checked with what it has."""
    nik = normalize_nik(_as_text(values.get("nik")))
    sex = _as_text(values.get("sex"))
    name = _as_text(values.get("name")) or ""
    return _person(
        None, "", name, None, _as_text(values.get("alias")), sex if sex in ("L", "P") else None,
        _as_date(values.get("birth_date")), bool(values.get("birth_date_estimated")),
        _as_text(values.get("wilayah_code")), nik if len(nik) == NIK_LENGTH else None,
    )


def _prefix_range(prefix: str) -> ColumnElement[bool]:
    """name_norm starts with `prefix` as an index range (LIKE does not use the index on SQLite)."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(Client.name_norm >= prefix, Client.name_norm < upper)


def _block_conditions(entered: _Person) -> list[ColumnElement[bool]]:
    """Fuzzy blocks, each served by one index: birth dates near the entered one; names in the same desa."""
    blocks: list[ColumnElement[bool]] = []
    if entered.birth is not None:
        days = {entered.birth, _swapped(entered.birth)}
        for delta in (-1, 1):
            with contextlib.suppress(OverflowError):
                days.add(entered.birth + dt.timedelta(days=delta))
        blocks.append(Client.birth_date.in_(sorted(d for d in days if d is not None)))
    if entered.wilayah and len(entered.wilayah) == _DESA_LEVEL_LENGTH:
        in_desa: list[ColumnElement[bool]] = [
            _prefix_range(p) for p in sorted({t[:NAME_PREFIX] for t in entered.tokens})
        ]
        if entered.birth is not None:
            year = entered.birth.year
            same_year = Client.birth_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31))
            in_desa.append(and_(same_year, Client.sex == entered.sex) if entered.sex else same_year)
        if in_desa:
            blocks.append(and_(Client.wilayah_code == entered.wilayah, or_(*in_desa)))
    return blocks


def candidates_for(db: Database, values: Mapping[str, Any], *, exclude: uuid.UUID | None = None,
                   limit: int = 10) -> list[DuplicateCandidate]:
    """Existing live clients that may be the person in `values` (a new or edited client's fields).

    `exclude` is the client being edited: it is left out, and so are pairs with it marked "bukan
    duplikat". Best first (score, then id). Values are read leniently (ISO date strings, NIK with dots).
    """
    entered = _entered(values)
    found: dict[uuid.UUID, DuplicateCandidate] = {}
    with db.session() as s:
        refused = _distinct_partners(s, exclude) if exclude is not None else set()
        skip = refused | ({exclude} if exclude is not None else set())
        if entered.nik:
            for person, via_merged in _nik_matches(s, entered.nik):
                if person.id in skip or person.id in found:
                    continue
                scored = _score(entered, dataclasses.replace(person, nik=entered.nik), name_min=1, score_min=1)
                assert scored is not None
                reasons = scored.reasons
                if via_merged:
                    reasons = (_("NIK sama dengan data yang sudah digabung ke klien ini"),) + reasons[1:]
                found[person.id] = DuplicateCandidate(person.brief(), scored.score, reasons, True)
        if len(entered.norm) >= 2:
            blocks = _block_conditions(entered)
            if blocks:
                stmt = select(*_COLUMNS).where(_live(), or_(*blocks)).limit(_BLOCK_LIMIT)
                for row in s.execute(stmt):
                    if row[0] in skip or row[0] in found:
                        continue
                    person = _from_row(row)
                    scored = _score(entered, person, name_min=NAME_MIN, score_min=CANDIDATE_MIN)
                    if scored is not None:
                        found[person.id] = DuplicateCandidate(person.brief(), scored.score, scored.reasons,
                                                              scored.same_nik)
    ranked = sorted(found.values(), key=lambda c: (-c.score, c.client.id.bytes))
    return ranked[:limit]


# --- the check for many new clients at once (an import) -------------------------------------------------
BATCH_SCAN_MIN = 200  # from this many clients on, one pass over the registry beats a query per client


def candidates_for_many(db: Database, values: Sequence[Mapping[str, Any]], *, limit: int = 10,
                        progress: Progress | None = None) -> list[list[DuplicateCandidate]]:
    """`candidates_for(db, v, limit=limit)` for every `v` in `values` (new clients, e.g. the rows of an
    import), the same candidates in the same order, in one pass over the registry instead of a query
    per client.

    The pass reads only the blocking keys of live clients (name, birth date, sex, desa) and keeps the
    clients that fall in a block of some new client: the same birth date (or a day apart, or day and
    month swapped), or the same desa with a name starting like a word of the new name or the same birth
    year and sex. Inside a client's blocks the names are compared in C (rapidfuzz) and only those that
    can reach NAME_MIN are read in full and scored by the very rules of `candidates_for`. `progress` is
    stepped by one per client (the caller starts it) and may cancel (`Cancelled` is raised).
    """
    progress = progress or Progress()
    entered = [_entered(v) for v in values]
    if len(entered) < BATCH_SCAN_MIN:
        out = []
        for v in values:
            out.append(candidates_for(db, v, limit=limit))
            progress.step(1)
        return out
    with db.session() as s:
        by_nik = _nik_matches_many(s, {e.nik for e in entered if e.nik})
        keys = _BlockKeys(entered)
        found = [dict[uuid.UUID, DuplicateCandidate]() for _ in entered]
        for person, found_here in zip(entered, found, strict=True):
            for match, via_merged in by_nik.get(person.nik or "", ()):
                if match.id in found_here:
                    continue
                scored = _score(person, dataclasses.replace(match, nik=person.nik), name_min=1, score_min=1)
                assert scored is not None
                reasons = scored.reasons
                if via_merged:
                    reasons = (_("NIK sama dengan data yang sudah digabung ke klien ini"),) + reasons[1:]
                found_here[match.id] = DuplicateCandidate(match.brief(), scored.score, reasons, True)
        registry = keys.scan(s, progress)
        wanted: list[tuple[int, list[int]]] = []  # (entered index, registry rows worth scoring in full)
        fallback: set[int] = set()
        for i, person in enumerate(entered):
            rows = registry.block_rows(i, person)
            if rows is None:
                continue
            if rows is _CUT:  # as the query of candidates_for would be cut: ask it
                fallback.add(i)
                continue
            if found[i]:
                known = {cid.bytes for cid in found[i]}
                rows = [r for r in rows if registry.ids[r] not in known]
            wanted.append((i, registry.likely(person, rows)))
        people = _people_by_id(s, {registry.ids[r] for _i, rows in wanted for r in rows})
    for i, rows in wanted:
        person, found_here = entered[i], found[i]
        for r in rows:
            other = people.get(registry.ids[r])
            if other is None or other.id in found_here:  # changed since the pass
                continue
            scored = _score(person, other, name_min=NAME_MIN, score_min=CANDIDATE_MIN)
            if scored is not None:
                found_here[other.id] = DuplicateCandidate(other.brief(), scored.score, scored.reasons,
                                                          scored.same_nik)
    out = []
    for i, found_here in enumerate(found):
        if i in fallback:
            out.append(candidates_for(db, values[i], limit=limit))
        else:
            out.append(sorted(found_here.values(), key=lambda c: (-c.score, c.client.id.bytes))[:limit])
        if (i + 1) % 500 == 0:
            progress.step(500)
    progress.step(len(out) % 500)
    return out


def _nik_matches_many(s: Session, niks: set[str]) -> dict[str, list[tuple[_Person, bool]]]:
    """`_nik_matches` for many NIKs: a query per 500 NIKs (merged records resolved one by one, rare)."""
    out: dict[str, list[tuple[_Person, bool]]] = {}
    ordered = sorted(niks)
    for start in range(0, len(ordered), 500):
        stmt = select(*_COLUMNS, Client.merged_into).where(Client.nik.in_(ordered[start:start + 500]),
                                                           Client.deleted.is_(False))
        rows = sorted(s.execute(stmt), key=lambda r: r[0].bytes)
        for row in rows:
            if row[10] is None:
                out.setdefault(row[9], []).append((_from_row(row), False))
                continue
            target = _resolve_in_session(s, row[0])
            survivor = s.execute(select(*_COLUMNS).where(Client.id == target, _live())).one_or_none()
            if survivor is not None:
                out.setdefault(row[9], []).append((_from_row(survivor), True))
    return out


def _people_by_id(s: Session, ids: set[bytes]) -> dict[bytes, _Person]:
    """Live clients read in full (as `candidates_for` reads a block), by the bytes of their id."""
    out: dict[bytes, _Person] = {}
    ordered = [uuid.UUID(bytes=i) for i in sorted(ids)]
    for start in range(0, len(ordered), 500):
        for row in s.execute(select(*_COLUMNS).where(_live(), Client.id.in_(ordered[start:start + 500]))):
            out[row[0].bytes] = _from_row(row)
    return out


def _block_days(birth: dt.date) -> set[str]:
    """The birth dates of `_block_conditions`' first block (ISO text)."""
    days = {birth, _swapped(birth)}
    for delta in (-1, 1):
        with contextlib.suppress(OverflowError):
            days.add(birth + dt.timedelta(days=delta))
    return {d.isoformat() for d in days if d is not None}


def _fuzzy_checked(person: _Person) -> bool:
    return len(person.norm) >= 2


def _in_desa(person: _Person) -> bool:
    return bool(person.wilayah) and len(person.wilayah) == _DESA_LEVEL_LENGTH  # type: ignore[arg-type]


_ANY_YEAR = frozenset({"any"})  # a desa-name block asked by someone without a birth date: every row counts


class _BlockKeys:
    """The blocks of `_block_conditions` of many new clients, as keys a pass over the registry looks up."""

    def __init__(self, entered: Sequence[_Person]) -> None:
        self.entered = entered
        self.day_people: dict[str, list[int]] = {}  # birth date -> the new clients whose date block holds it
        self.prefixes: dict[str, set[str]] = {}  # desa -> name starts (1 to NAME_PREFIX letters)
        self.prefix_years: dict[tuple[str, str], set[str]] = {}  # (desa, start) -> birth years that may score
        self.years: set[tuple[str, str]] = set()  # (desa, 'YYYY')
        sieve_years = W_NAME + W_DESA + W_SEX_SAME < CANDIDATE_MIN - 1e-9  # see _Registry.block_rows
        for i, person in enumerate(entered):
            if not _fuzzy_checked(person):
                continue
            birth = person.birth
            if birth is not None:
                for day in _block_days(birth):
                    self.day_people.setdefault(day, []).append(i)
            if _in_desa(person):
                assert person.wilayah is not None
                starts = {t[:NAME_PREFIX] for t in person.tokens}
                self.prefixes.setdefault(person.wilayah, set()).update(starts)
                if birth is not None:
                    self.years.add((person.wilayah, f"{birth.year:04d}"))
                for start in starts:
                    wanted = self.prefix_years.setdefault((person.wilayah, start), set())
                    if birth is None or not sieve_years:
                        wanted |= _ANY_YEAR
                    else:
                        wanted.update(f"{y:04d}" for y in range(birth.year - ESTIMATED_YEARS,
                                                               birth.year + ESTIMATED_YEARS + 1))

    def scan(self, s: Session, progress: Progress) -> _Registry:
        """One pass over the live registry (hot loop: ~1 us a row). Every block is counted; kept are the
        rows that may score: of a date block those whose name is near a new client's of that block, of a
        desa-name block those born within ESTIMATED_YEARS years of such a new client's birth, and every
        row with an alias or without a birth date, and the same-year block."""
        reg = _Registry(len(self.entered))
        if not self.day_people and not self.prefixes:
            return reg
        stmt = select(_raw(Client.id), Client.name_norm, _raw(Client.alias.is_not(None)), Client.sex,
                      _raw(Client.birth_date), Client.wilayah_code).where(_live())
        if s.get_bind().dialect.name == "sqlite":
            result = s.connection().execute(stmt)
            rows: Iterable[Sequence[Any]] = _driver_rows(result)
        else:  # a server-side cursor
            result = rows = s.connection().execution_options(yield_per=10_000).execute(stmt)
        try:
            self._read(rows, reg, progress)
        finally:
            result.close()  # also when cancelled half-way
        return reg

    def _read(self, rows: Iterable[Sequence[Any]], reg: _Registry, progress: Progress) -> None:
        day_people, prefix_years, years = self.day_people, self.prefix_years, self.years
        prefixes = self.prefixes
        entered = self.entered
        # per desa: the name starts asked, and their lengths (nearly always 3 alone)
        starts_of = {desa: (starts, tuple(sorted({len(p) for p in starts}))) for desa, starts in prefixes.items()}
        by_day, by_prefix, by_year, near = reg.by_day, reg.by_prefix, reg.by_year, reg.near
        day_count, prefix_count = reg.day_count, reg.prefix_count
        ids, norms, aliased_rows, sexes, birth_days = reg.ids, reg.norms, reg.aliased, reg.sexes, reg.days
        jaro_winkler = JaroWinkler.normalized_similarity
        cutoff = NAME_MIN - CUTOFF_MARGIN
        for n, (cid, norm, aliased, sex, birth, wilayah) in enumerate(rows):
            if not n % 20_000:
                progress.check()
            if birth is not None and type(birth) is not str:
                birth = birth.isoformat()
            norm = norm or ""
            keep = bool(aliased) or birth is None
            people = day_people.get(birth) if birth is not None else None
            near_people: list[int] = []
            if people is not None:
                day_count[birth] = day_count.get(birth, 0) + 1
                if not aliased:  # the name sieve of _Registry.likely, for the few new clients of this day
                    ordered = None
                    for i in people:
                        person = entered[i]
                        if jaro_winkler(person.norm, norm) >= cutoff:
                            near_people.append(i)
                            continue
                        if person.ordered == person.norm and " " not in norm:
                            continue  # both single words: the same comparison again
                        if ordered is None:
                            ordered = reg.ordered_name(norm)
                        if jaro_winkler(person.ordered, ordered) >= cutoff:
                            near_people.append(i)
            asked = starts_of.get(wilayah)
            started: list[str] = []
            in_year = False
            if asked is not None:
                starts, lengths = asked
                if norm:
                    for k in lengths:
                        if norm[:k] in starts:
                            started.append(norm[:k])
                in_year = birth is not None and (wilayah, birth[:4]) in years
            year = birth[:4] if birth is not None else None
            prefix_kept: list[str] = []
            for prefix in started:
                key = (wilayah, prefix)
                prefix_count[key] = prefix_count.get(key, 0) + 1
                wanted = prefix_years[key]
                if keep or year in wanted or "any" in wanted:
                    prefix_kept.append(prefix)
            if not (keep and people is not None or near_people or prefix_kept or in_year):
                continue
            row = len(ids)
            ids.append(cid if type(cid) is bytes else _as_uuid(cid).bytes)
            norms.append(norm)
            aliased_rows.append(bool(aliased))
            sexes.append(sex)
            birth_days.append(birth)
            if people is not None and aliased:
                by_day.setdefault(birth, []).append(row)  # type: ignore[arg-type]
            for i in near_people:
                near[i].append(row)
            for prefix in prefix_kept:
                block = by_prefix.get((wilayah, prefix))
                if block is None:
                    block = by_prefix[wilayah, prefix] = {}
                block.setdefault("alias" if aliased else year, []).append(row)
            if in_year:
                by_year.setdefault((wilayah, year), []).append(row)  # type: ignore[arg-type]


class _Registry:
    """The rows one pass kept (blocking keys only), the size of every block, and which kept rows each
    block holds."""

    def __init__(self, entered: int) -> None:
        self.ids: list[bytes] = []
        self.norms: list[str] = []
        self.aliased: list[bool] = []
        self.sexes: list[str | None] = []
        self.days: list[str | None] = []
        self.near: list[list[int]] = [[] for _ in range(entered)]  # per new client: its date blocks' near names
        self.by_day: dict[str, list[int]] = {}  # rows with an alias only (every other one is in `near`)
        self.by_prefix: dict[tuple[str, str], dict[str | None, list[int]]] = {}  # by birth year
        self.by_year: dict[tuple[str, str], list[int]] = {}
        self.day_count: dict[str, int] = {}
        self.prefix_count: dict[tuple[str, str], int] = {}
        self._ordered: dict[str, str] = {}

    def block_rows(self, index: int, person: _Person) -> list[int] | None:
        """The rows of `candidates_for`'s block query for `person` that may pass `_score` (None: it runs
        none; `_CUT`: that query may return more than _BLOCK_LIMIT rows and be cut). Of the desa-name
        block only the rows born within ESTIMATED_YEARS years (or with no birth date, or an alias): a
        birth date further away weighs nothing, and without it no score reaches CANDIDATE_MIN."""
        if not _fuzzy_checked(person):
            return None
        birth = person.birth
        rows: list[int] = []
        queried = False
        size = 0  # at least the rows the query returns
        if birth is not None:
            queried = True
            days = _block_days(birth)
            size += sum(self.day_count.get(day, 0) for day in days)
            rows.extend(self.near[index])
            for day in days:
                rows.extend(self.by_day.get(day, ()))
        if _in_desa(person):
            queried = True  # a name of 2+ letters has a word: the desa block is asked
            keys = [(person.wilayah, p) for p in {t[:NAME_PREFIX] for t in person.tokens}]
            size += sum(self.prefix_count.get(key, 0) for key in keys)  # type: ignore[misc]
            if birth is not None:
                same_year = self.by_year.get((person.wilayah, f"{birth.year:04d}"), ())  # type: ignore[arg-type]
                same_year = [r for r in same_year if not person.sex or self.sexes[r] == person.sex]
                size += len(same_year)
                rows.extend(same_year)
            window = None
            if birth is not None and W_NAME + W_DESA + W_SEX_SAME < CANDIDATE_MIN - 1e-9:
                window = {f"{y:04d}" for y in range(birth.year - ESTIMATED_YEARS, birth.year + ESTIMATED_YEARS + 1)}
                window |= {None, "alias"}
            for key in keys:
                for year, part in self.by_prefix.get(key, {}).items():  # type: ignore[call-overload]
                    if window is None or year in window:
                        rows.extend(part)
        if size > _BLOCK_LIMIT:  # counted with overlaps: maybe cut; candidates_for decides
            return _CUT
        return sorted(set(rows)) if queried else None

    def ordered_name(self, norm: str) -> str:
        ordered = self._ordered.get(norm)
        if ordered is None:
            tokens = norm.split()
            ordered = self._ordered[norm] = " ".join(sorted(tokens)) if len(tokens) > 1 else norm
        return ordered

    def likely(self, person: _Person, rows: list[int]) -> list[int]:
        """The rows that may pass `_score`: every row where an alias is involved (scored in full), and those
        whose name similarity reaches NAME_MIN and whose best possible score (desa and sex the same) with
        their birth date reaches CANDIDATE_MIN. A sieve that never drops a candidate: the distinct names
        in C (Jaro-Winkler as written and with sorted words, an upper bound of the similarity), then
        exactly, by `_string_similarity`."""
        if not rows or person.alias_norm:
            return rows
        aliased, days, norms = self.aliased, self.days, self.norms
        birth = person.birth
        kept: list[int] = []
        by_name: dict[str, list[int]] = {}
        for r in rows:
            if aliased[r]:
                kept.append(r)
            else:
                by_name.setdefault(norms[r], []).append(r)
        names = list(by_name)
        ordered = [self.ordered_name(name) for name in names]
        near: set[int] = set()
        for choices, mine in ((names, person.norm), (ordered, person.ordered)):
            found = process.extract(mine, choices, scorer=JaroWinkler.normalized_similarity,
                                    score_cutoff=NAME_MIN - CUTOFF_MARGIN, limit=None)
            near.update(j for _match, _score, j in found)
        for j in near:
            name = names[j]
            similarity, _how = _string_similarity(person.norm, name, person.tokens, name.split(), person.ordered,
                                                  ordered[j])
            if similarity < NAME_MIN:
                continue
            for r in by_name[name]:
                if W_NAME * similarity + _best_date_weight(birth, days[r]) + W_DESA + W_SEX_SAME \
                        >= CANDIDATE_MIN - 1e-9:
                    kept.append(r)
        return sorted(set(kept))


def _best_date_weight(birth: dt.date | None, day: str | None) -> float:
    """At least `_date_evidence`'s weight for these two birth dates, whichever is an estimate."""
    if birth is None or day is None:
        return W_DATE_UNKNOWN
    other = dt.date.fromisoformat(day)
    if other == birth:
        return W_DATE_SAME
    if abs((other - birth).days) == 1 or _swapped(birth) == other:
        return W_DATE_NEAR
    if abs(other.year - birth.year) <= ESTIMATED_YEARS:
        return W_DATE_YEAR
    return 0.0


def _nik_matches(s: Session, nik: str) -> Iterator[tuple[_Person, bool]]:
    """Live clients with this NIK; a merged record with it stands for the client it resolves to."""
    rows = s.execute(select(*_COLUMNS, Client.merged_into).where(Client.nik == nik, Client.deleted.is_(False)))
    for row in sorted(rows, key=lambda r: r[0].bytes):
        if row[10] is None:
            yield _from_row(row), False
            continue
        target = _resolve_in_session(s, row[0])
        survivor = s.execute(select(*_COLUMNS).where(Client.id == target, _live())).one_or_none()
        if survivor is not None:
            yield _from_row(survivor), True


def _distinct_partners(s: Session, client_id: uuid.UUID) -> set[uuid.UUID]:
    stmt = select(DuplicateDecision.client_a, DuplicateDecision.client_b).where(
        DuplicateDecision.verdict == "distinct", DuplicateDecision.deleted.is_(False),
        or_(DuplicateDecision.client_a == client_id, DuplicateDecision.client_b == client_id),
    )
    return {b if a == client_id else a for a, b in s.execute(stmt)}


# --- the review queue ----------------------------------------------------------------------------------
def _ordered_pair(x: uuid.UUID, y: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (x, y) if x.bytes < y.bytes else (y, x)


def _distinct_pairs(s: Session) -> set[tuple[uuid.UUID, uuid.UUID]]:
    stmt = select(DuplicateDecision.client_a, DuplicateDecision.client_b).where(
        DuplicateDecision.verdict == "distinct", DuplicateDecision.deleted.is_(False))
    return {_ordered_pair(a, b) for a, b in s.execute(stmt)}


def _ordered_people(x: _Person, y: _Person) -> tuple[_Person, _Person]:
    assert x.id is not None and y.id is not None
    return (x, y) if x.id.bytes < y.id.bytes else (y, x)


def _pairs_in(group: list[_Person]) -> Iterator[tuple[_Person, _Person]]:
    for x, y in itertools.combinations(group, 2):
        yield _ordered_people(x, y)


_Pairs = dict[tuple[uuid.UUID, uuid.UUID], DuplicatePair]


def _add_pair(pairs: _Pairs, decided: set[tuple[uuid.UUID, uuid.UUID]], x: _Person, y: _Person, *,
              name_min: float, score_min: float) -> None:
    assert x.id is not None and y.id is not None
    key = (x.id, y.id)
    if key in pairs or key in decided:
        return
    scored = _score(x, y, name_min=name_min, score_min=score_min)
    if scored is not None:
        pairs[key] = DuplicatePair(x.brief(), y.brief(), scored.score, scored.reasons, scored.same_nik)


def _raw(column: Any) -> Any:
    """The column as the driver returns it (no UUID or date objects built for 100,000s of rows)."""
    return type_coerce(column, NullType())


def _as_uuid(raw: Any) -> uuid.UUID:
    return raw if isinstance(raw, uuid.UUID) else uuid.UUID(bytes=bytes(raw))


def _from_raw(row: Sequence[Any]) -> _Person:
    """A person from a row of `_RAW_COLUMNS` (SQLite gives id bytes, ISO date text, 0/1)."""
    cid, display, name, norm, alias, sex, birth, estimated, wilayah, nik = row
    return _person(_as_uuid(cid), display, name, norm, alias, sex, _as_date(birth), bool(estimated), wilayah, nik)


_RAW_COLUMNS = (_raw(Client.id), Client.display_id, Client.name, Client.name_norm, Client.alias, Client.sex,
                _raw(Client.birth_date), _raw(Client.birth_date_estimated), Client.wilayah_code, Client.nik)
_NORM, _ALIAS, _SEX, _BIRTH = 3, 4, 5, 6


def _same_day_likely_pairs(s: Session) -> Iterator[tuple[_Person, _Person]]:
    """Pairs of live clients born the same day, sex not different, whose names may reach REVIEW_NAME_MIN.

    One pass over the table (driver values, no objects built for rows that pair with nobody). Names are
    compared once per day, distinct name against distinct name in C (rapidfuzz `process.extract`),
    as written and with their words sorted; the full name score is never above the better of those two,
    so nothing that would qualify is dropped. A row with an alias is paired with its whole day.
    """
    order: Any = Client.birth_date
    sqlite = s.get_bind().dialect.name == "sqlite"
    if sqlite:
        # An expression, not the column: SQLite then scans the table and sorts, 2x faster than
        # walking the birth_date index with one table lookup per row.
        order = type_coerce(Client.birth_date, String()).concat("")
    stmt = select(*_RAW_COLUMNS).where(_live(), Client.birth_date.is_not(None)).order_by(order)
    if sqlite:  # the driver's own cursor reads in steps
        rows: Iterable[Sequence[Any]] = _driver_rows(s.connection().execute(stmt))
    else:  # a server-side cursor
        rows = s.connection().execution_options(yield_per=10_000).execute(stmt)
    for group in _groups(rows, key=operator.itemgetter(_BIRTH)):
        by_name: dict[str, list[Sequence[Any]]] = {}
        for row in group:
            by_name.setdefault(row[_NORM], []).append(row)
        names = list(by_name)
        ordered = [" ".join(sorted(n.split())) for n in names]
        row_pairs: list[tuple[Sequence[Any], Sequence[Any]]] = []
        for rows in by_name.values():
            row_pairs.extend(itertools.combinations(rows, 2))
        for i in range(len(names) - 1):
            hits = _similar_after(names, i) | _similar_after(ordered, i)
            row_pairs.extend(itertools.product(by_name[names[i]], itertools.chain.from_iterable(
                by_name[names[j]] for j in sorted(hits))))
        aliased = [r for r in group if r[_ALIAS]]
        if aliased:
            seen = {frozenset((id(x), id(y))) for x, y in row_pairs}
            for x in aliased:
                for y in group:
                    key = frozenset((id(x), id(y)))
                    if x is not y and key not in seen:
                        seen.add(key)
                        row_pairs.append((x, y))
        people: dict[int, _Person] = {}
        for x, y in row_pairs:
            if x[_SEX] and y[_SEX] and x[_SEX] != y[_SEX]:
                continue
            px = people.get(id(x)) or people.setdefault(id(x), _from_raw(x))
            py = people.get(id(y)) or people.setdefault(id(y), _from_raw(y))
            yield _ordered_people(px, py)


def _driver_rows(result: Any, size: int = 10_000) -> Iterator[Sequence[Any]]:
    """The rows of `result` as the driver gives them (tuples): no Row object per row, 1M rows 4 s faster.
    Only for statements whose columns need no result processing (`_raw`, plain strings)."""
    cursor = result.cursor
    try:
        while batch := cursor.fetchmany(size):
            yield from batch
    finally:
        result.close()


def _similar_after(names: list[str], i: int) -> set[int]:
    """Indexes j > i of the names at least REVIEW_NAME_MIN alike to names[i] (Jaro-Winkler)."""
    found = process.extract(names[i], names[i + 1:], scorer=JaroWinkler.normalized_similarity,
                            score_cutoff=REVIEW_NAME_MIN - CUTOFF_MARGIN, limit=None)
    return {i + 1 + j for _match, _score, j in found}


def review_list(db: Database, *, limit: int = 200, offset: int = 0) -> list[DuplicatePair]:
    """The "Kemungkinan duplikat" queue, computed from the data (never stored).

    Live, unmerged pairs sharing a NIK (score 1), and pairs born on the same day, of the same sex (or
    sex unknown), whose names are at least REVIEW_NAME_MIN alike. Pairs marked "bukan duplikat" are left
    out. Ordered by score (highest first), then the ids, so every replica shows the same list.
    """
    guard.check(db, CLIENT_MERGE)
    pairs: _Pairs = {}
    with db.session() as s:
        decided = _distinct_pairs(s)
        for group in _groups(_same_nik_rows(s), key=lambda r: r[9]):
            for x, y in _pairs_in([_from_row(r) for r in group]):
                _add_pair(pairs, decided, x, y, name_min=1, score_min=1)
        for x, y in _same_day_likely_pairs(s):
            _add_pair(pairs, decided, x, y, name_min=REVIEW_NAME_MIN, score_min=CANDIDATE_MIN)
    ranked = sorted(pairs.values(), key=lambda p: (-p.score, p.a.id.bytes, p.b.id.bytes))
    return ranked[offset:offset + limit]


def _same_nik_rows(s: Session) -> Iterable[Sequence[Any]]:
    # every record with its NIK (an index-only count), then only the live ones of those NIKs
    shared = select(Client.nik).where(Client.nik.is_not(None)).group_by(Client.nik).having(func.count() > 1)
    return s.execute(select(*_COLUMNS).where(_live(), Client.nik.in_(shared)).order_by(Client.nik))


def _groups(rows: Iterable[Sequence[Any]], *, key: Any) -> Iterator[list[Sequence[Any]]]:
    """Runs of rows with the same key (rows come ordered by it), only runs of two or more."""
    for _k, run in itertools.groupby(rows, key=key):
        group = list(run)
        if len(group) > 1:
            yield group


# --- decisions -----------------------------------------------------------------------------------------
def mark_distinct(db: Database, a: uuid.UUID, b: uuid.UUID, note: str | None = None) -> uuid.UUID:
    """Record "bukan duplikat" for the pair (one row per pair, id `pair_id(a, b)`); returns that id.

    A tombstoned decision is revived; repeating the call changes nothing (and writes no version).
    """
    guard.check(db, CLIENT_MERGE)
    if a == b:
        raise UserError(_("Pilih dua klien yang berbeda."))
    low, high = _ordered_pair(a, b)
    note = _as_text(note) if note is not None else None
    with db.session() as s:
        for cid in (low, high):
            if s.get(Client, cid) is None:
                raise NotFoundError(_("Klien tidak ditemukan."), hint=_("Cari lagi di daftar klien."))
        pid = pair_id(low, high)
        decision = s.get(DuplicateDecision, pid)
        if decision is None:
            s.add(DuplicateDecision(id=pid, client_a=low, client_b=high, verdict="distinct", note=note))
            return pid
        if decision.deleted:
            decision.deleted = False
        if decision.verdict != "distinct":
            decision.verdict = "distinct"
        if note is not None and decision.note != note:
            decision.note = note
        return pid


def unmark_distinct(db: Database, a: uuid.UUID, b: uuid.UUID) -> None:
    """Withdraw a "bukan duplikat" decision (tombstone): the pair may show up for review again."""
    guard.check(db, CLIENT_MERGE)
    with db.session() as s:
        decision = s.get(DuplicateDecision, pair_id(a, b))
        if decision is not None and not decision.deleted:
            decision.deleted = True


# --- merge, unmerge and redirects ----------------------------------------------------------------------
MERGE_SIDES = ("survivor", "loser")


def merge(db: Database, survivor_id: uuid.UUID, loser_id: uuid.UUID, *,
          take: Mapping[str, str] | None = None) -> ClientDTO:
    """Merge `loser` into `survivor`: the fields chosen from the loser become ordinary edits of the
    survivor, and `loser.merged_into = survivor` (a single register; cases, households, documents keep
    pointing at the loser and are found through `resolve`). Returns the survivor.

    `take` maps an editable field to "survivor" (the default) or "loser". The merged record is validated
    like any edit: a merge that would make it invalid is refused with the field named.
    """
    guard.check(db, CLIENT_MERGE, client_id=survivor_id)
    guard.check(db, CLIENT_MERGE, client_id=loser_id)
    take = dict(take or {})
    for key, side in take.items():
        if key not in EDITABLE:
            raise ValueError(f"unknown client field {key!r}")
        if side not in MERGE_SIDES:
            raise ValueError(f"take[{key!r}] must be 'survivor' or 'loser', not {side!r}")
    if survivor_id == loser_id:
        raise UserError(_("Klien tidak bisa digabung dengan dirinya sendiri."),
                        hint=_("Pilih dua klien yang berbeda."))
    with db.session() as s:
        survivor, loser = _get(s, survivor_id), _get(s, loser_id)
        _check_merge(s, survivor, loser)
        values = {k: getattr(survivor, k) for k in EDITABLE}
        chosen = [k for k, side in take.items() if side == "loser"]
        values.update({k: getattr(loser, k) for k in chosen})
        clean, warnings = validate_client(values)
        for key in chosen:
            if getattr(survivor, key) != clean[key]:
                setattr(survivor, key, clean[key])
        loser.merged_into = survivor.id
    return dataclasses.replace(get_client(db, survivor_id), warnings=tuple(warnings))


def _check_merge(s: Session, survivor: Client, loser: Client) -> None:
    if survivor.merged_into is not None:
        chain = _chain(s, survivor.id)
        if loser.id in chain:
            raise UserError(
                _("{survivor} sudah digabung ke {loser}; menggabungkan {loser} ke {survivor} akan membuat "
                  "lingkaran.").format(survivor=survivor.display_id, loser=loser.display_id),
                hint=_("Batalkan dulu penggabungan {survivor}, atau jadikan {loser} data utama.").format(
                    survivor=survivor.display_id, loser=loser.display_id),
            )
        target = s.get(Client, _resolve_in_session(s, survivor.id))
        raise UserError(
            _("Klien tujuan {survivor} sudah digabung ke klien lain.").format(survivor=survivor.display_id),
            hint=_("Gabungkan ke {target} saja.").format(target=target.display_id if target else "?"),
        )
    if survivor.deleted:
        raise UserError(
            _("Klien tujuan {survivor} sudah diarsipkan.").format(survivor=survivor.display_id),
            hint=_("Pulihkan dulu dari arsip, atau pilih klien lain sebagai data utama."),
        )
    if loser.merged_into is not None:
        target = s.get(Client, loser.merged_into)
        raise UserError(
            _("{loser} sudah digabung ke {target}.").format(
                loser=loser.display_id, target=target.display_id if target else "?"),
            hint=_("Batalkan dulu penggabungan itu bila ingin menggabungkannya ke klien lain."),
        )


def unmerge(db: Database, loser_id: uuid.UUID) -> ClientDTO:
    """Undo a merge: `merged_into = None` (one version). Field values copied onto the survivor stay."""
    guard.check(db, CLIENT_MERGE, client_id=loser_id)
    with db.session() as s:
        loser = _get(s, loser_id)
        if loser.merged_into is not None:
            loser.merged_into = None
    return get_client(db, loser_id)


def resolve(db: Database, client_id: uuid.UUID) -> uuid.UUID:
    """The client a record stands for now: follows `merged_into`; on a cycle (two offices merging each
    way before they synced) the smallest id in the cycle, the same on every replica."""
    with db.session() as s:
        if s.scalar(select(Client.id).where(Client.id == client_id)) is None:
            raise NotFoundError(_("Klien tidak ditemukan."), hint=_("Cari lagi di daftar klien."))
        return _resolve_in_session(s, client_id)


def _chain(s: Session, client_id: uuid.UUID) -> list[uuid.UUID]:
    """client_id and the redirects after it, stopping before the first repeat or missing record."""
    chain = [client_id]
    seen = {client_id}
    while True:
        nxt = s.scalar(select(Client.merged_into).where(Client.id == chain[-1]))
        if nxt is None or s.scalar(select(Client.id).where(Client.id == nxt)) is None:
            return chain
        if nxt in seen:
            chain.append(nxt)  # the repeat marks the cycle
            return chain
        chain.append(nxt)
        seen.add(nxt)


def _resolve_in_session(s: Session, client_id: uuid.UUID) -> uuid.UUID:
    chain = _chain(s, client_id)
    last = chain[-1]
    if chain.index(last) != len(chain) - 1:  # a cycle: last repeats an earlier id
        cycle = chain[chain.index(last):-1]
        return min(cycle, key=lambda u: u.bytes)
    return last


def redirect_cycles(db: Database) -> list[tuple[uuid.UUID, ...]]:
    """Redirect cycles (contradictory merges that met through sync), each smallest id first, for review."""
    with db.session() as s:
        rows = s.execute(select(Client.id, Client.merged_into).where(Client.merged_into.is_not(None)))
        redirects = {source: target for source, target in rows}
    cycles: set[tuple[uuid.UUID, ...]] = set()
    for start in redirects:
        path: list[uuid.UUID] = []
        cur: uuid.UUID | None = start
        while cur is not None and cur not in path:
            path.append(cur)
            cur = redirects.get(cur)
        if cur is not None:
            cycle = path[path.index(cur):]
            first = cycle.index(min(cycle, key=lambda u: u.bytes))
            cycles.add(tuple(cycle[first:] + cycle[:first]))
    return sorted(cycles, key=lambda c: c[0].bytes)


def merged_records(db: Database, survivor_id: uuid.UUID) -> list[uuid.UUID]:
    """Records redirecting to this client, directly or through others (nearest first, then by id):
    their cases and notes are shown on its page as "data recorded under merged record X"."""
    found: list[uuid.UUID] = []
    seen = {survivor_id}
    frontier = [survivor_id]
    with db.session() as s:
        while frontier:
            rows = s.scalars(select(Client.id).where(Client.merged_into.in_(frontier)))
            level = sorted((r for r in rows if r not in seen), key=lambda u: u.bytes)
            seen.update(level)
            found.extend(level)
            frontier = level
    return found


def _get(s: Session, client_id: uuid.UUID) -> Client:
    client = s.get(Client, client_id)
    if client is None:
        raise NotFoundError(_("Klien tidak ditemukan."), hint=_("Cari lagi di daftar klien."))
    return client


# --- a new client's entry folded into an existing client -----------------------------------------------
ENTRY_SIDES = ("existing", "entered")

_FIELD_LABELS = {  # the editable client fields in the order forms and merge tables show them
    "name": N_("Nama"),
    "alias": N_("Nama panggilan/alias"),
    "nik": N_("NIK"),
    "sex": N_("Jenis kelamin"),
    "birth_place": N_("Tempat lahir"),
    "birth_date": N_("Tanggal lahir"),
    "birth_date_estimated": N_("Tanggal lahir perkiraan"),
    "religion": N_("Agama"),
    "education": N_("Pendidikan"),
    "marital_status": N_("Status perkawinan"),
    "disability": N_("Disabilitas"),
    "phone": N_("Telepon"),
    "address": N_("Alamat"),
    "wilayah_code": N_("Wilayah"),
    "household_id": N_("Keluarga (No. KK)"),
    "relation_to_head": N_("Hubungan dengan kepala keluarga"),
    "cluster": N_("Klaster ATENSI"),
    "dtsen_desil": N_("Desil DTSEN"),
    "ppks_categories": N_("Kategori PPKS"),
}
_REF_FIELDS = {"religion": "religions", "education": "education", "marital_status": "marital_status",
               "relation_to_head": "family_relations", "cluster": "clusters", "sex": "sex"}


@dataclass(frozen=True)
class EntryDifference:
    """A field where what was typed for a new client differs from the existing client's record."""

    key: str
    label: str
    existing: str  # the existing client's value, as text ("—" when empty)
    entered: str  # the value typed in the form, as text
    default: str  # "existing" or "entered": what `merge_entry` keeps when `take` does not name the field


def field_order() -> list[str]:
    """The editable client fields in the order a table of them is shown."""
    return [k for k in _FIELD_LABELS if k in EDITABLE] + [k for k in EDITABLE if k not in _FIELD_LABELS]


def field_label(key: str) -> str:
    """The Indonesian (or current language) label of an editable client field."""
    return _(_FIELD_LABELS[key]) if key in _FIELD_LABELS else key


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def field_text(key: str, value: Any, *, wilayah_name: str | None = None, no_kk: str | None = None) -> str:
    """How one field value reads in a comparison: dates dd-mm-yyyy, codes as their labels, "—" for empty."""
    if key == "birth_date_estimated":
        return _("ya") if value else _("tidak")
    if _is_empty(value):
        return "—"
    if key == "birth_date" and isinstance(value, dt.date):
        return format_date_short(value)
    if key in _REF_FIELDS:
        return ref_list(_REF_FIELDS[key]).label(str(value))
    if key == "ppks_categories":
        ppks = ref_list("ppks")
        return "; ".join(ppks.label(code) for code in value)
    if key == "wilayah_code":
        return f"{wilayah_name} ({value})" if wilayah_name else str(value)
    if key == "household_id":
        return no_kk or _("terdaftar di satu KK")
    return " ".join(str(value).split())


def _same_value(a: Any, b: Any) -> bool:
    if _is_empty(a) and _is_empty(b):
        return True
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return sorted(a) == sorted(b)
    return bool(a == b)


def _clean_entry(values: Mapping[str, Any]) -> dict[str, Any]:
    """The typed values cleaned field by field as `validate_client` cleans them (whitespace, ISO dates, NIK
    digits); a value it refuses on its own is kept as typed (the merged record's validation names it)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in EDITABLE:
            raise ValueError(f"unknown client field {key!r}")
        try:
            out[key] = validate_client({key: value})[0][key]
        except ValidationError:
            out[key] = value
    return out


def _entry_sides(current: Mapping[str, Any], entered: Mapping[str, Any],
                 take: Mapping[str, str]) -> dict[str, str]:
    """For every typed field that is not empty and differs from the record: "existing" or "entered".

    Default: the existing value, unless it is empty. A field left empty in the form never erases a value.
    `birth_date_estimated` follows `birth_date` unless `take` names it.
    """
    sides: dict[str, str] = {}
    for key in field_order():
        if key not in entered or key == "birth_date_estimated":
            continue
        value = entered[key]
        if _is_empty(value) or _same_value(current.get(key), value):
            continue
        default = "entered" if _is_empty(current.get(key)) else "existing"
        sides[key] = take.get(key, default)
    if "birth_date_estimated" in entered and not _is_empty(entered.get("birth_date")):
        follows = sides.get("birth_date", take.get("birth_date", "existing"))
        if _same_value(current.get("birth_date"), entered.get("birth_date")):
            follows = "existing"
        side = take.get("birth_date_estimated", follows)
        if bool(current.get("birth_date_estimated")) != bool(entered["birth_date_estimated"]):
            sides["birth_date_estimated"] = side
    return sides


def _check_take(take: Mapping[str, str]) -> None:
    for key, side in take.items():
        if key not in EDITABLE:
            raise ValueError(f"unknown client field {key!r}")
        if side not in ENTRY_SIDES:
            raise ValueError(f"take[{key!r}] must be 'existing' or 'entered', not {side!r}")


def _entry_target(s: Session, existing_id: uuid.UUID) -> Client:
    """The live client a typed entry may be folded into: archived or merged records are refused."""
    client = _get(s, existing_id)
    if client.merged_into is not None:
        target = s.get(Client, _resolve_in_session(s, client.id))
        raise UserError(
            _("{client} sudah digabung ke {target}.").format(
                client=client.display_id, target=target.display_id if target else "?"),
            hint=_("Gabungkan ke {target} saja.").format(target=target.display_id if target else "?"),
        )
    if client.deleted:
        raise UserError(
            _("Klien {client} sudah diarsipkan.").format(client=client.display_id),
            hint=_("Pulihkan dulu dari arsip, atau simpan sebagai klien baru."),
        )
    return client


def entry_differences(db: Database, existing_id: uuid.UUID, values: Mapping[str, Any]) -> list[EntryDifference]:
    """The fields where `values` (typed in a new-client form) differ from the existing client, in form
    order, with their texts and what `merge_entry` keeps by default. Fields left empty in the form and
    fields equal to the record are left out."""
    guard.check(db, CLIENT_VIEW, client_id=existing_id)
    entered = _clean_entry(values)
    with db.session() as s:
        client = _get(s, existing_id)
        current = {k: getattr(client, k) for k in EDITABLE}
        sides = _entry_sides(current, entered, {})
        if "birth_date" in sides:  # the estimate flag travels with the date (shown in its text)
            sides.pop("birth_date_estimated", None)
        codes = {v for v in (current.get("wilayah_code"), entered.get("wilayah_code")) if isinstance(v, str)}
        places = {r[0]: r[1] for r in s.execute(select(Wilayah.code, Wilayah.name).where(Wilayah.code.in_(codes)))}
        homes = {v for v in (current.get("household_id"), entered.get("household_id")) if isinstance(v, uuid.UUID)}
        kk = {r[0]: r[1] for r in s.execute(select(Household.id, Household.no_kk).where(Household.id.in_(homes)))}

    def text(key: str, value: Any, estimated: Any) -> str:
        shown = field_text(key, value, wilayah_name=places.get(value) if isinstance(value, str) else None,
                           no_kk=kk.get(value) if isinstance(value, uuid.UUID) else None)
        if key == "birth_date" and estimated and not _is_empty(value):
            shown += " " + _("(perkiraan)")
        return shown

    return [
        EntryDifference(key=key, label=field_label(key),
                        existing=text(key, current.get(key), current.get("birth_date_estimated")),
                        entered=text(key, entered.get(key), entered.get("birth_date_estimated")),
                        default=side)
        for key, side in sides.items()
    ]


def merge_entry(db: Database, existing_id: uuid.UUID, values: Mapping[str, Any], *,
                take: Mapping[str, str] | None = None) -> ClientDTO:
    """Fold the values typed in a new-client form into the existing client instead of registering a
    second record: field by field, `take[field]` = "existing" (the default) or "entered"; a field the
    record has empty takes the typed value unless `take` says "existing"; a field left empty in the form
    never erases a value. The result is validated like an edit (`validate_client`, one head per
    household): a refusal names the field and writes nothing. Every changed field is an ordinary edit
    (a version) of the existing client; no client row is created. Returns the client, with warnings.
    """
    guard.check(db, CLIENT_EDIT, client_id=existing_id)
    take = dict(take or {})
    _check_take(take)
    entered = _clean_entry(values)
    with db.session() as s:
        client = _entry_target(s, existing_id)
        current = {k: getattr(client, k) for k in EDITABLE}
        chosen = [k for k, side in _entry_sides(current, entered, take).items() if side == "entered"]
        clean, warnings = validate_client(current | {k: entered[k] for k in chosen})
        if {"household_id", "relation_to_head"} & set(chosen):
            check_single_head(s, clean.get("household_id"), client.id, clean.get("relation_to_head"))
        for key in chosen:
            if getattr(client, key) != clean[key]:
                setattr(client, key, clean[key])
    return dataclasses.replace(get_client(db, existing_id), warnings=tuple(warnings))
