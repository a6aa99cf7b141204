"""Reference data that travels inside bundles (issue 7): the wilayah list; the office directory needs nothing here.

The **office directory** already travels: `office` is a synced table (`db.models.SYNCED_MODELS`), so the
offices loaded at the Dinas reach every peer in its first (full) bundle and every change after it in the
deltas, and a one-case bundle carries the offices its rows name. What is *not* sent, on purpose, is the
local list of trusted peers (`sync_peer`: keys and fingerprints confirmed over the phone): a kartu kantor is
never trusted because another office trusted it. So this module carries only the wilayah list.

**The wilayah list** (table `wilayah`, not synced: it is loaded from the Kemendagri file with
`services.wilayah.import_wilayah`, the 38 provinces ship with the app) travels as the bundle part
`reference.jsonl`, JSON lines:

    {"kind": "wilayah-have", "hashes": [h, …]}           the lists this installation holds (always sent)
    {"kind": "wilayah", "mode": "full"|"partial", "hash": h, "as_of": "YYYY-MM-DD"|null,
     "source": text|null, "count": n}                      header of a list, then one line per code:
    ["63.06.01.2001", "Kandangan Kota"]                      code and name, in code order

- **Hash of a list** (its version identity): SHA-256 over `code \\t name \\n` for every row in code order.
  `as_of` (its age) is the later of the date the list was imported here (in meta `wilayah_source`) and the
  `as_of` of a list received from a peer (meta `sync_wilayah_as_of`).
- **When a full list is sent** (`export_parts`): only when this installation has more than the built-in
  provinces, and either the bundle is a full one or some receiving office is not known to hold this
  list. What a peer holds is learnt from the `wilayah-have` line of the bundles it sends (kept in meta
  `sync_wilayah_peer:<office id>`): an office that never answered gets the list with every bundle, one
  that did gets it again only after the list here changed. Without named recipients (the current
  `exchange.export_bundle` call) every active peer counts. This needs no bookkeeping at export time, so
  a bundle that was written but never arrived cannot make the list look delivered.
- **Loading** (`apply_parts`, inside the import transaction, so a refused bundle leaves nothing): codes the
  receiver lacks are inserted (codes are never removed: records may point at them, as in
  `import_wilayah`); the names of codes both have are changed to the sender's only when the sender's list
  is newer (`as_of`) than the receiver's. Every code is checked first (code form, level, name, a parent in
  the list or the database); one bad line refuses the whole bundle. A full list's hash is then recorded
  as held here (meta `sync_wilayah_merged`), so the receiver's next bundle tells the sender.
- **Partial lists** (`case_parts`, one-case bundles): the codes the case's rows name and their parents up to
  the province; insert-only, so a referral to an office without the list still shows the client's desa.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from atensi_desktop.db.models.peer import PEER_ACTIVE, SyncPeer
from atensi_desktop.db.models.sync_meta import Meta
from atensi_desktop.db.models.wilayah import Wilayah
from atensi_desktop.domain.names import fold
from atensi_desktop.domain.wilayah import lineage, normalize_code, parent_of
from atensi_desktop.errors import UserError
from atensi_desktop.i18n import _

PART = "reference.jsonl"
HAVE, LIST = "wilayah-have", "wilayah"
FULL, PARTIAL = "full", "partial"
MERGED = "sync_wilayah_merged"  # meta: JSON list of hashes of lists merged here (newest last)
AS_OF = "sync_wilayah_as_of"  # meta: as_of of the newest list received from a peer
PEER = "sync_wilayah_peer:"  # meta + office id: JSON list of the hashes that office said it holds
_KEEP_HASHES = 20
_NAME_MAX = 120
_CHUNK = 5000
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})\)?\s*$")


# --- meta --------------------------------------------------------------------------------------------

def _meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(Meta.value).where(Meta.key == key)).scalar_one_or_none()


def _set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(Meta).where(Meta.key == key))
    conn.execute(insert(Meta).values(key=key, value=value))


def _json_list(raw: str | None) -> list[str]:
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


# --- this installation's list ------------------------------------------------------------------------

def _rows(conn: Connection) -> list[tuple[str, str]]:
    """Every (code, name), sorted in Python: a PostgreSQL collation may order text otherwise than SQLite,
    and the list's hash must not depend on the engine."""
    rows: list[tuple[str, str]] = [tuple(r) for r in conn.execute(select(Wilayah.code, Wilayah.name))]  # type: ignore[misc]
    rows.sort()
    return rows


def list_hash(rows: Iterable[tuple[str, str]]) -> str:
    """The identity of a wilayah list: SHA-256 over 'code\\tname\\n' in code order (rows come sorted)."""
    return hashlib.sha256("".join(f"{code}\t{name}\n" for code, name in rows).encode("utf-8")).hexdigest()


def as_of(conn: Connection) -> str | None:
    """How recent this installation's list is: the later of its own import date and a received list's."""
    dates = []
    source = _meta(conn, "wilayah_source")
    if source and (m := _DATE.search(source)):
        dates.append(m.group(1))
    received = _meta(conn, AS_OF)
    if received:
        dates.append(received)
    return max(dates) if dates else None


def _held(conn: Connection, current: str) -> list[str]:
    merged = _json_list(_meta(conn, MERGED))
    return sorted({current, *merged})


def _line(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _has_full_list(rows: list[tuple[str, str]]) -> bool:
    return any("." in code for code, _name in rows)


def _wanted_by_peers(conn: Connection, current: str, recipients: Iterable[str] | None) -> bool:
    if recipients is None:
        offices = [str(o) for o in conn.execute(select(SyncPeer.office_id).where(SyncPeer.status == PEER_ACTIVE))
                   .scalars()]
    else:
        offices = [str(o) for o in recipients]
    return any(current not in _json_list(_meta(conn, PEER + o)) for o in offices)


def export_parts(conn: Connection, *, full: bool, recipients: Iterable[str] | None = None) -> dict[str, Iterable[bytes]]:
    """Extra parts {name: JSON-lines chunks} for an outgoing bundle: the `wilayah-have` line always, and
    the whole wilayah list when `full` or a receiving office (`recipients`: office ids; None = every
    active peer) is not known to hold it (module docstring)."""
    rows = _rows(conn)
    current = list_hash(rows)
    chunks = [_line({"kind": HAVE, "hashes": _held(conn, current)})]
    if _has_full_list(rows) and (full or _wanted_by_peers(conn, current, recipients)):
        chunks.append(_line({"kind": LIST, "mode": FULL, "hash": current, "as_of": as_of(conn),
                             "source": _meta(conn, "wilayah_source"), "count": len(rows)}))
        chunks.extend(_code_lines(rows))
    return {PART: chunks}


def _code_lines(rows: list[tuple[str, str]]) -> Iterator[bytes]:
    for start in range(0, len(rows), _CHUNK):
        yield b"".join(_line([c, n]) for c, n in rows[start:start + _CHUNK])


def case_parts(conn: Connection, codes: Iterable[str]) -> dict[str, Iterable[bytes]]:
    """The reference part of a one-case bundle: the `wilayah-have` line and the named codes with their
    parents (a partial list), when this installation knows them."""
    wanted: set[str] = set()
    for code in codes:
        try:
            wanted.update(lineage(code))
        except ValueError:
            continue
    found: list[tuple[str, str]] = []
    ordered = sorted(wanted)
    for start in range(0, len(ordered), 500):
        found.extend(conn.execute(select(Wilayah.code, Wilayah.name)
                                  .where(Wilayah.code.in_(ordered[start:start + 500]))))
    found.sort()
    chunks = [_line({"kind": HAVE, "hashes": _held(conn, list_hash(_rows(conn)))})]
    if found:
        chunks.append(_line({"kind": LIST, "mode": PARTIAL, "hash": list_hash(found), "as_of": as_of(conn),
                             "source": _meta(conn, "wilayah_source"), "count": len(found)}))
        chunks.extend(_code_lines(found))
    return {PART: chunks}


# --- import --------------------------------------------------------------------------------------------

def _bad(detail: str) -> UserError:
    return UserError(_("Daftar wilayah di berkas sinkronisasi ini tidak sah ({detail}).").format(detail=detail[:80]),
                     hint=_("Tidak ada yang disimpan. Minta pengirim memeriksa daftar wilayahnya dan mengekspor "
                            "ulang."))


def _read(bundle: Any) -> tuple[list[str] | None, dict[str, Any] | None, list[tuple[str, str]]]:
    have: list[str] | None = None
    header: dict[str, Any] | None = None
    rows: list[tuple[str, str]] = []
    for item in bundle.iter_json(PART):
        if isinstance(item, dict):
            kind = item.get("kind")
            if kind == HAVE:
                hashes = item.get("hashes")
                if not isinstance(hashes, list):
                    raise _bad("wilayah-have")
                have = [str(h) for h in hashes][:_KEEP_HASHES * 2]
            elif kind == LIST:
                if header is not None or item.get("mode") not in (FULL, PARTIAL):
                    raise _bad("header")
                header = item
            # other kinds: written by a newer app; skipped
        elif isinstance(item, list) and len(item) == 2 and header is not None:
            code, name = item
            if not isinstance(code, str) or not isinstance(name, str):
                raise _bad(str(item))
            try:
                dotted = normalize_code(code)
            except ValueError:
                raise _bad(code) from None
            name = name.strip()
            if dotted != code or not name or len(name) > _NAME_MAX:
                raise _bad(code)
            rows.append((code, name))
        else:
            raise _bad(str(item)[:40])
    return have, header, rows


def apply_parts(conn: Connection, bundle: Any, *, dry_run: bool) -> dict[str, int]:
    """Load the reference parts of an opened bundle inside the import transaction (module docstring);
    returns counts {"wilayah_inserted": n, "wilayah_updated": m} (also under dry_run, nothing written)."""
    if PART not in getattr(bundle, "parts", {}):
        return {}
    have, header, rows = _read(bundle)
    source_office = str((bundle.manifest or {}).get("source_office") or "")
    if have is not None and source_office and not dry_run:
        _set_meta(conn, PEER + source_office, json.dumps(sorted(set(have))))
    if header is None:
        return {}
    names = dict(rows)
    if len(names) != len(rows):
        raise _bad(_("kode ganda"))
    existing = {c: n for c, n in conn.execute(select(Wilayah.code, Wilayah.name))}
    theirs, ours = header.get("as_of"), as_of(conn)
    newer = header.get("mode") == FULL and isinstance(theirs, str) and (ours is None or theirs > ours)
    new_rows, changed = [], []
    for code, name in rows:
        parent = parent_of(code)
        if parent is not None and parent not in names and parent not in existing:
            raise _bad(_("induk {code} tidak ada").format(code=parent))
        old = existing.get(code)
        if old is None:
            new_rows.append({"code": code, "name": name, "level": code.count(".") + 1, "parent_code": parent,
                             "name_norm": fold(name)})
        elif old != name and newer:
            changed.append((code, name))
    counts = {"wilayah_inserted": len(new_rows), "wilayah_updated": len(changed)}
    if dry_run:
        return counts
    for start in range(0, len(new_rows), _CHUNK):
        conn.execute(insert(Wilayah), new_rows[start:start + _CHUNK])
    for code, name in changed:
        conn.execute(update(Wilayah).where(Wilayah.code == code).values(name=name, name_norm=fold(name)))
    if header.get("mode") == FULL:
        digest = str(header.get("hash") or "")
        merged = [h for h in _json_list(_meta(conn, MERGED)) if h != digest] + ([digest] if digest else [])
        _set_meta(conn, MERGED, json.dumps(merged[-_KEEP_HASHES:]))
        if isinstance(theirs, str) and (ours is None or theirs > ours):
            _set_meta(conn, AS_OF, theirs)
        if (new_rows or changed) and _meta(conn, "wilayah_source") is None:
            # no date at the end: as_of() must not read the day of receipt as the list's age
            _set_meta(conn, "wilayah_source", f"{header.get('source') or '-'} — diterima lewat sinkronisasi")
    return counts
