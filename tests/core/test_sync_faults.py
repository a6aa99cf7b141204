"""Faulty sync files at the import level (issue 7; sync-design.md §5.2): each one is refused by
`exchange.import_bundle` on a real database with a UserError in Bahasa Indonesia that says what to do, and
the receiver's canonical dump, version count and import log stay exactly as they were.

The receiver is the `db` fixture (SQLite, and PostgreSQL when ATENSI_TEST_PG_URL is set); the sender and a
third office are SQLite installations in tmp folders. tests/core/test_sync_bundle.py checks the same faults
on the bundle reader alone; tests/core/test_sync_exchange.py the revoked peer and a sender clock stamped
into the database three days ahead; the process killed mid-import is in the import-log tests.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, inspect, select
from sync_world import Installation, new_installation, trust

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models.sync_meta import Version
from atensi_desktop.errors import UserError
from atensi_desktop.paths import AppPaths
from atensi_desktop.services import clients as svc
from atensi_desktop.services.office import OfficeInput, setup_installation
from atensi_desktop.sync import bundle as bundle_mod
from atensi_desktop.sync import hlc as hlc_mod
from atensi_desktop.sync.bundle import canonical_json, write_bundle
from atensi_desktop.sync.exchange import export_bundle, import_bundle
from atensi_desktop.sync.keys import office_keys

DAY_MS = 24 * 3600 * 1000


@pytest.fixture
def offices(db: Database, paths: AppPaths, tmp_path: Path):
    """(receiver on `db`, sender, third office): the receiver and the sender trust each other, the third
    office trusts both but neither of them trusts it. The sender holds two clients, the receiver one."""
    result = setup_installation(db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan",
                                                office_type="dinas_sosial", code="DINSOS", wilayah_code="63.06"))
    db.office_id = result.office.id
    receiver = Installation("Dinas Sosial Kabupaten Hulu Sungai Selatan", "DINSOS", db, paths, result.office.id)
    sender = new_installation(tmp_path / "lkshb", "LKS Harapan Bunda", "LKSHB")
    third = new_installation(tmp_path / "lkski", "LKS Kasih Ibu", "LKSKI")
    trust(receiver, sender, tmp_path)
    trust(third, sender, tmp_path)
    trust(third, receiver, tmp_path)
    from atensi_desktop.sync.peers import revoke_peer

    revoke_peer(receiver.db, third.office_id)  # the receiver no longer trusts the third office
    for name in ("Siti Aminah", "Budi Santoso"):
        svc.create_client(sender.db, {"name": name, "sex": "P", "birth_date": "1990-05-06"})
    svc.create_client(receiver.db, {"name": "Rahmat Hidayat", "sex": "L"})
    yield receiver, sender, third
    sender.db.dispose()
    third.db.dispose()


def _export(src: Installation, to: Installation, path: Path, **kw) -> Path:
    export_bundle(src.db, src.paths, [to.code], path, **kw)
    return path


def _import_log_rows(db: Database) -> int:
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("sync_import_log"):
            return 0
        return conn.exec_driver_sql("SELECT count(*) FROM sync_import_log").scalar_one()


def _state(inst: Installation) -> tuple[str, int, int]:
    with inst.db.engine.connect() as conn:
        versions = conn.execute(select(func.count()).select_from(Version)).scalar_one()
    return inst.dump(), versions, _import_log_rows(inst.db)


def _refused(inst: Installation, path: Path, *, match: str, hint: str, **kw) -> UserError:
    """Import `path` into `inst`: refused with `match` in the message and `hint` in what-to-do; nothing changed."""
    before = _state(inst)
    with pytest.raises(UserError) as caught:
        import_bundle(inst.db, inst.paths, path, **kw)
    err = caught.value
    assert match.casefold() in str(err).casefold(), str(err)
    assert err.hint and hint.casefold() in err.hint.casefold(), err.hint
    assert _state(inst) == before
    return err


def _members(inst: Installation, path: Path) -> dict[str, bytes]:
    plain = pyrage.decrypt(path.read_bytes(), [office_keys(inst.db, inst.paths).age_identity])
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _rewrap(inst: Installation, path: Path, members: dict[str, bytes]) -> None:
    """Zip `members` again and encrypt them to `inst` (anyone can do this with a recipient's public key)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    path.write_bytes(pyrage.encrypt(buf.getvalue(), [pyrage.x25519.Recipient.from_str(
        office_keys(inst.db, inst.paths).age_recipient)]))


def test_a_good_file_imports(offices, tmp_path: Path) -> None:
    """The control for every test below: the untouched file from the sender is accepted."""
    receiver, sender, _ = offices
    path = _export(sender, receiver, tmp_path / "baik.lkssync")
    before = _state(receiver)
    assert import_bundle(receiver.db, receiver.paths, path).new_versions > 0
    assert _state(receiver) != before


@pytest.mark.parametrize("cut", ["empty", "10 bytes", "half", "last byte"])
def test_truncated_file(offices, tmp_path: Path, cut: str) -> None:
    receiver, sender, _ = offices
    path = _export(sender, receiver, tmp_path / "kiriman.lkssync")
    data = path.read_bytes()
    keep = {"empty": 0, "10 bytes": 10, "half": len(data) // 2, "last byte": len(data) - 1}[cut]
    path.write_bytes(data[:keep])
    _refused(receiver, path, match="terpotong", hint="mengirim ulang")


@pytest.mark.parametrize("where", [0.3, 0.6, 0.95])
def test_a_changed_byte(offices, tmp_path: Path, where: float) -> None:
    receiver, sender, _ = offices
    path = _export(sender, receiver, tmp_path / "kiriman.lkssync")
    data = bytearray(path.read_bytes())
    data[int(len(data) * where)] ^= 0x20
    path.write_bytes(bytes(data))
    _refused(receiver, path, match="rusak", hint="mengirim ulang")


def test_file_for_another_office(offices, tmp_path: Path) -> None:
    receiver, sender, third = offices
    path = _export(sender, third, tmp_path / "untuk-lkski.lkssync")
    _refused(receiver, path, match="tidak ditujukan untuk kantor ini", hint="kantor ini sebagai penerima")


def test_passphrase_file_with_a_wrong_or_missing_passphrase(offices, tmp_path: Path) -> None:
    receiver, sender, _ = offices
    export_case = pytest.importorskip("atensi_desktop.sync.case_bundle").export_case
    with sender.db.session() as s:
        from atensi_desktop.db.models.client import Client

        cid = s.scalars(select(Client.id).order_by(Client.id)).first()
    path = tmp_path / "kasus.lkssync"
    export_case(sender.db, sender.paths, str(cid), path, passphrase="kata sandi kantor 2026")
    _refused(receiver, path, match="kata sandi berkas salah", hint="kata sandi", passphrase="kata sandi salah!!")
    _refused(receiver, path, match="dikunci dengan kata sandi", hint="kata sandi")
    res = import_bundle(receiver.db, receiver.paths, path, passphrase="kata sandi kantor 2026")
    assert res.new_versions > 0  # the right passphrase opens it


def test_unsigned_file(offices, tmp_path: Path) -> None:
    receiver, sender, _ = offices
    path = _export(sender, receiver, tmp_path / "kiriman.lkssync")
    members = _members(receiver, path)
    del members["manifest.sig"]
    _rewrap(receiver, path, members)
    _refused(receiver, path, match="tidak bertanda tangan", hint="minta pengirim mengekspor ulang")


def test_signed_by_an_impostor_key(offices, tmp_path: Path) -> None:
    """The manifest names the sender's office but is signed with another key (changed and re-signed)."""
    receiver, sender, _ = offices
    path = _export(sender, receiver, tmp_path / "kiriman.lkssync")
    members = _members(receiver, path)
    manifest = json.loads(members["manifest.json"])
    manifest["vv"] = {site: seq + 1000 for site, seq in manifest["vv"].items()}
    members["manifest.json"] = canonical_json(manifest)
    sig = json.loads(members["manifest.sig"])
    sig["signature"] = base64.b64encode(Ed25519PrivateKey.generate().sign(members["manifest.json"])).decode()
    members["manifest.sig"] = canonical_json(sig)
    _rewrap(receiver, path, members)
    _refused(receiver, path, match="tanda tangan tidak sah", hint="jangan impor")


def test_data_changed_after_signing(offices, tmp_path: Path) -> None:
    """versions.jsonl edited inside a re-encrypted file: the signed manifest's SHA-256 no longer matches."""
    receiver, sender, _ = offices
    path = _export(sender, receiver, tmp_path / "kiriman.lkssync")
    members = _members(receiver, path)
    members["versions.jsonl"] = members["versions.jsonl"].replace(b"Siti Aminah", b"Siti Aminal")
    _rewrap(receiver, path, members)
    _refused(receiver, path, match="berbeda", hint="jangan impor")


def test_unsafe_member_name(offices, tmp_path: Path) -> None:
    receiver, sender, _ = offices
    path = _export(sender, receiver, tmp_path / "kiriman.lkssync")
    members = _members(receiver, path)
    members["../../keys/pengganti.txt"] = b"x"
    _rewrap(receiver, path, members)
    _refused(receiver, path, match="tidak aman", hint="jangan impor")


@pytest.mark.parametrize("who", ["not a peer", "revoked peer"])
def test_unknown_signer(offices, tmp_path: Path, who: str) -> None:
    receiver, sender, third = offices
    if who == "not a peer":  # an office the receiver never added sends a file it can open
        stranger = new_installation(tmp_path / "asing", "LKS Asing", "ASING")
        try:
            trust(stranger, sender, tmp_path)
            from atensi_desktop.sync.keys import read_card, write_card
            from atensi_desktop.sync.peers import add_peer

            card = write_card(receiver.db, receiver.paths, tmp_path / "kartu-penerima.json")
            add_peer(stranger.db, read_card(tmp_path / "kartu-penerima.json"), card.fingerprint)
            path = _export(stranger, receiver, tmp_path / "asing.lkssync")
        finally:
            stranger.db.dispose()
    else:  # the third office was revoked by the receiver, but still has the receiver's key
        path = _export(third, receiver, tmp_path / "dicabut.lkssync")
    _refused(receiver, path, match="belum dikenal", hint="tambahkan kantor pengirim sebagai mitra")


@pytest.mark.parametrize("what", ["schema_version", "min_reader_version"])
def test_file_from_a_newer_app(offices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str) -> None:
    receiver, sender, _ = offices
    with monkeypatch.context() as m:
        if what == "schema_version":
            m.setattr(bundle_mod, "current_schema_version", lambda: "9999")
        else:
            m.setattr(bundle_mod, "READER_VERSION", bundle_mod.READER_VERSION + 1)
        path = _export(sender, receiver, tmp_path / "baru.lkssync")
    _refused(receiver, path, match="lebih baru", hint="perbarui atensi desktop")


def test_unknown_register_from_a_newer_app(offices, tmp_path: Path) -> None:
    """A correctly signed file whose versions name a column this app does not have."""
    receiver, sender, _ = offices
    keys = office_keys(sender.db, sender.paths)
    with sender.db.engine.connect() as conn:
        from atensi_desktop.db.models.sync_meta import SyncState

        site_uuid = conn.exec_driver_sql("SELECT value FROM meta WHERE key = 'site_uuid'").scalar_one()
        h = conn.execute(select(SyncState.hlc)).scalar_one()
    line = json.dumps([site_uuid, 999, "client", "0190f0f0-0000-7000-8000-000000000001", "kolom_baru", h,
                       '"x"', None])
    path = tmp_path / "kolom-baru.lkssync"
    write_bundle(path, {"source_office": str(sender.office_id), "source_site": site_uuid, "kind": "delta",
                        "since": {}, "vv": {site_uuid: 999}, "counts": {"versions": 1, "blobs": 0}},
                 {"versions.jsonl": (line + "\n").encode()}, {}, keys,
                 recipients=[office_keys(receiver.db, receiver.paths).age_recipient], work_dir=tmp_path)
    _refused(receiver, path, match="tidak bisa dibaca", hint="perbarui aplikasi")


def test_sender_clock_days_ahead(offices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sender's computer clock is three days fast while its worker edits: the file is refused until the
    sender fixes the clock (edits stamped within a day of the receiver's clock are accepted)."""
    receiver, sender, _ = offices
    real = hlc_mod.wall_ms
    with monkeypatch.context() as m:
        m.setattr(hlc_mod, "wall_ms", lambda: real() + 3 * DAY_MS)
        svc.create_client(sender.db, {"name": "Dewi Sartika", "sex": "P"})
    path = _export(sender, receiver, tmp_path / "jam-maju.lkssync")
    _refused(receiver, path, match="masa depan", hint="membetulkan tanggal dan jam")


@pytest.mark.parametrize("hours", [-20, 20])
def test_clock_skew_inside_a_day_is_accepted(offices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             hours: int) -> None:
    """The other side of the guard: a sender clock up to a day off (either way) is not a fault."""
    receiver, sender, _ = offices
    real = hlc_mod.wall_ms
    with monkeypatch.context() as m:
        m.setattr(hlc_mod, "wall_ms", lambda: real() + hours * 3600 * 1000)
        svc.create_client(sender.db, {"name": "Dewi Sartika", "sex": "P"})
    path = _export(sender, receiver, tmp_path / "jam.lkssync")
    assert import_bundle(receiver.db, receiver.paths, path).new_versions > 0

