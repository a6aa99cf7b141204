"""The canonical dump (`sync/canonical.py`): deterministic bytes for the same data, whatever the order or engine."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from decimal import Decimal

from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.models import (
    CaseNote,
    CaseStageChange,
    Client,
    ClientCase,
    Distribution,
    Household,
    Office,
    ServiceEntry,
)
from atensi_desktop.paths import resolve_paths
from atensi_desktop.services import clients as svc
from atensi_desktop.sync.canonical import canonical_dump, iter_canonical

OFFICE = uuid.UUID("01890000-0000-7000-8000-00000000000a")
HH = uuid.UUID("01890000-0000-7000-8000-0000000000b1")
C1 = uuid.UUID("01890000-0000-7000-8000-0000000000c1")
C2 = uuid.UUID("01890000-0000-7000-8000-0000000000c2")
C3 = uuid.UUID("01890000-0000-7000-8000-0000000000c3")
CASE1 = uuid.UUID("01890000-0000-7000-8000-0000000000d1")
STAGE1 = uuid.UUID("01890000-0000-7000-8000-0000000000e1")
DIST = uuid.UUID("01890000-0000-7000-8000-0000000000f1")
SVC1 = uuid.UUID("01890000-0000-7000-8000-000000000101")
SVC2 = uuid.UUID("01890000-0000-7000-8000-000000000102")
NOTE1 = uuid.UUID("01890000-0000-7000-8000-000000000201")
NOTE3 = uuid.UUID("01890000-0000-7000-8000-000000000203")


def _world(reverse: bool, flags_order: bool) -> list:
    """The same rows; `reverse` inserts them in the opposite order, `flags_order` writes JSON keys swapped."""
    flags = {"outside_plan": True, "after_termination": False}
    if flags_order:
        flags = dict(reversed(list(flags.items())))
    rows = [
        Office(id=OFFICE, code="LKSHB", name="LKS Harapan Bunda", office_type="lks", owner_office_id=OFFICE),
        Household(id=HH, no_kk="6306010101010001", address="Jl. Melati 3", owner_office_id=OFFICE),
        Client(id=C1, display_id="LKS-AAAAAA", name="Siti Aminah", sex="P", nik="6306015509900001",
               birth_date=dt.date(1990, 9, 15), household_id=HH, relation_to_head="istri",
               ppks_categories=["lansia_terlantar", "disabilitas"], dtsen_desil=2, owner_office_id=OFFICE),
        Client(id=C2, display_id="LKS-BBBBBB", name="Budi Santoso", sex="L", deleted=True, owner_office_id=OFFICE),
        Client(id=C3, display_id="LKS-CCCCCC", name="Rahmat Hidayat", sex="L", owner_office_id=OFFICE,
               address="Jl. Kenanga \"2\" — RT 01"),
        ClientCase(id=CASE1, display_id="K-0001", client_id=C1, stage="asesmen", opened_on=dt.date(2026, 1, 5),
                   owner_office_id=OFFICE),
        CaseStageChange(id=STAGE1, case_id=CASE1, to_stage="asesmen", changed_on=dt.date(2026, 1, 6),
                        owner_office_id=OFFICE),
        Distribution(id=DIST, title="Permakanan Januari", service_kind="spm", service_code="permakanan",
                     date_from=dt.date(2026, 1, 10), quantity=Decimal("3.000"), owner_office_id=OFFICE),
        ServiceEntry(id=SVC1, client_id=C1, case_id=CASE1, service_kind="atensi", service_code="terapi",
                     date_from=dt.date(2026, 1, 12), quantity=Decimal("2.5"), unit="sesi", value_rp=150000,
                     flags=flags, owner_office_id=OFFICE),
        ServiceEntry(id=SVC2, client_id=C3, service_kind="spm", service_code="permakanan",
                     date_from=dt.date(2026, 1, 10), distribution_id=DIST, owner_office_id=OFFICE),
        CaseNote(id=NOTE1, client_id=C1, case_id=CASE1, kind="catatan", written_on=dt.date(2026, 1, 7),
                 text="Klien datang bersama anaknya."),
        CaseNote(id=NOTE3, client_id=C3, kind="catatan", written_on=dt.date(2026, 1, 8), text="Kunjungan rumah."),
    ]
    return list(reversed(rows)) if reverse else rows


def _fill(database, *, reverse: bool, flags_order: bool = False) -> None:
    rows = _world(reverse, flags_order)
    with database.session() as s:  # one flush per row: the insertion order (and version stamps) really differ
        for row in rows:
            s.add(row)
            s.flush()
        s.commit()


def _dump(database, **kw) -> bytes:
    out = io.StringIO()
    canonical_dump(database, out, **kw)
    return out.getvalue().encode("utf-8")


def _other_database(tmp_path, name: str):
    paths = resolve_paths(tmp_path / name).ensure()
    return open_database(paths.default_db_url, paths)


def test_same_data_in_other_order_and_engine_gives_identical_bytes(db, tmp_path):
    """The `db` fixture (SQLite, or PostgreSQL when set up) against a fresh SQLite filled the other way round."""
    _fill(db, reverse=False)
    other = _other_database(tmp_path, "other")
    try:
        _fill(other, reverse=True, flags_order=True)
        first, second = _dump(db), _dump(other)
    finally:
        other.dispose()
    assert first == second
    lines = first.decode("utf-8").splitlines()
    tables = [json.loads(line)["table"] for line in lines]
    assert tables == sorted(tables)
    assert len(lines) == 12


def test_line_layout_and_value_encoding(db):
    _fill(db, reverse=False)
    lines = [json.loads(line) for line in _dump(db).decode("utf-8").splitlines()]
    clients = [r for r in lines if r["table"] == "client"]
    assert [r["id"] for r in clients] == [str(C1), str(C2), str(C3)]  # id order
    siti = clients[0]
    keys = list(siti)
    assert keys[:2] == ["table", "id"] and keys[2:] == sorted(keys[2:])
    # registers only: no local bookkeeping, no derived caches
    assert not {"created_at", "updated_at", "created_by", "updated_by", "name_norm", "alias_norm"} & set(siti)
    assert siti["birth_date"] == "1990-09-15" and siti["household_id"] == str(HH)
    assert siti["ppks_categories"] == ["lansia_terlantar", "disabilitas"]  # list order kept
    assert siti["owner_office_id"] == str(OFFICE) and siti["deleted"] is False
    raw = _dump(db).decode("utf-8")
    assert '"flags":{"after_termination":false,"outside_plan":true}' in raw  # object keys sorted
    assert '"quantity":2.5,' in raw and '"quantity":3,' in raw  # exact numbers without trailing zeros
    assert "Kenanga \\\"2\\\" — RT 01" in raw  # UTF-8 kept, quotes escaped
    assert raw.endswith("}\n")


def test_a_change_changes_the_dump_and_a_revert_restores_it(db):
    c = svc.create_client(db, {"name": "Ahmad Fauzi", "sex": "L"})
    before = _dump(db)
    svc.update_client(db, c.id, {"phone": "081234567890"})
    changed = _dump(db)
    assert changed != before and b'"phone":"081234567890"' in changed
    svc.update_client(db, c.id, {"phone": None})
    assert _dump(db) == before  # updated_at moved, but that is not part of the dump


def test_without_deleted_rows(db):
    _fill(db, reverse=False)
    ids = {json.loads(line)["id"] for line in iter_canonical(db, include_deleted=False)}
    assert str(C2) not in ids and str(C1) in ids and str(C3) in ids


def test_one_clients_records(db):
    _fill(db, reverse=False)
    lines = [json.loads(line) for line in iter_canonical(db, client_ids=[C1])]
    got = {(r["table"], r["id"]) for r in lines}
    assert got == {("client", str(C1)), ("household", str(HH)), ("client_case", str(CASE1)),
                   ("case_stage_change", str(STAGE1)), ("service_entry", str(SVC1)), ("case_note", str(NOTE1))}
    # the same bytes as the whole dump's lines for those rows, in the same order
    whole = [line for line in iter_canonical(db) if (json.loads(line)["table"], json.loads(line)["id"]) in got]
    assert list(iter_canonical(db, client_ids=[C1])) == whole


def test_unknown_client_is_refused(db):
    import pytest

    from atensi_desktop.errors import NotFoundError

    with pytest.raises(NotFoundError, match="tidak ditemukan"):
        list(iter_canonical(db, client_ids=[uuid.UUID(int=5)]))
