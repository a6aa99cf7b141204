"""Office keys, fingerprints, the kartu kantor and the peer list (atensi_desktop.sync.keys / peers)."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import shutil
import stat
import subprocess
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyrage import encrypt, x25519
from sqlalchemy import func, select

from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.engine import Database, read_meta
from atensi_desktop.db.models import Meta, SyncPeer
from atensi_desktop.errors import NotFoundError, StorageError, UserError
from atensi_desktop.paths import AppPaths, resolve_paths
from atensi_desktop.services.office import OfficeInput, setup_installation
from atensi_desktop.sync import keys as K
from atensi_desktop.sync.peers import (
    ADDED,
    KEYS_REPLACED,
    REACTIVATED,
    UPDATED,
    add_peer,
    find_peer_by_key,
    list_peers,
    revoke_peer,
)

FP_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$")


@pytest.fixture
def office_db(db: Database) -> Database:
    setup_installation(db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan", office_type="dinas_sosial",
                                       wilayah_code="63.06", phone="0517-21234", email="dinsos@hss.go.id",
                                       address="Jl. Aluh Idut No. 1, Kandangan"))
    return db


def _other_office(tmp_path: Path, name: str) -> tuple[Database, AppPaths]:
    """A second installation (always SQLite) in its own data folder."""
    other_paths = resolve_paths(tmp_path / f"other-{uuid.uuid4().hex[:6]}").ensure()
    other = open_database(other_paths.default_db_url, other_paths)
    setup_installation(other, OfficeInput(name=name, office_type="lks", wilayah_code="63.06"))
    return other, other_paths


@pytest.fixture
def peer_card(tmp_path: Path) -> K.OfficeCard:
    other, other_paths = _other_office(tmp_path, "LKS Harapan Bunda")
    try:
        return K.write_card(other, other_paths, tmp_path / "harapan-bunda.json")
    finally:
        other.dispose()


def _peer_count(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(SyncPeer))


# --- keys ---------------------------------------------------------------------------------------------------


def test_keys_are_created_once_and_reused(office_db: Database, paths: AppPaths) -> None:
    first = K.office_keys(office_db, paths)
    files = sorted(p.name for p in (paths.data / "keys").iterdir())
    assert files == [f"{first.office_id}.age.txt", f"{first.office_id}.ed25519.pem"]
    contents = {name: (paths.data / "keys" / name).read_bytes() for name in files}
    second = K.office_keys(office_db, paths)
    assert second.verify_key_bytes == first.verify_key_bytes
    assert second.age_recipient == first.age_recipient
    assert second.fingerprint == first.fingerprint
    assert {n: (paths.data / "keys" / n).read_bytes() for n in files} == contents
    with office_db.session() as s:
        recorded = json.loads(read_meta(s, f"office_keys:{first.office_id}"))
    assert recorded["age"] == first.age_recipient and recorded["fingerprint"] == first.fingerprint
    # the database holds only public halves
    with office_db.session() as s:
        dumped = " ".join(s.scalars(select(Meta.value)))
    assert "AGE-SECRET-KEY" not in dumped and "PRIVATE KEY" not in dumped
    assert "AGE-SECRET-KEY" not in repr(first) and "signing_key" not in repr(first)


def test_keys_made_at_the_same_time_by_several_threads_are_one_key(office_db: Database, paths: AppPaths,
                                                                   monkeypatch) -> None:
    """Every thread passes the "no key yet" check and makes its own key before any is stored: one wins."""
    barrier = threading.Barrier(4, timeout=20)
    make_pem, make_age = K._new_ed25519_pem, K._new_age_identity_file

    def together(make):
        def wrapped() -> bytes:
            content = make()
            barrier.wait()
            return content
        return wrapped

    monkeypatch.setattr(K, "_new_ed25519_pem", together(make_pem))
    monkeypatch.setattr(K, "_new_age_identity_file", together(make_age))
    with ThreadPoolExecutor(4) as pool:
        made = list(pool.map(lambda _: K.office_keys(office_db, paths), range(4)))
    assert len({(k.verify_key_bytes, k.age_recipient) for k in made}) == 1
    assert K.office_keys(office_db, paths).fingerprint == made[0].fingerprint
    assert len(list((paths.data / "keys").iterdir())) == 2


def test_an_existing_key_file_is_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "kunci.pem"
    target.write_bytes(b"yang pertama")
    K._create_private_file(target, b"yang kedua")
    assert target.read_bytes() == b"yang pertama"
    assert [p.name for p in tmp_path.iterdir()] == ["kunci.pem"]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_private_key_files_are_0600_in_a_0700_folder(office_db: Database, paths: AppPaths) -> None:
    keys = K.office_keys(office_db, paths)
    folder = paths.data / "keys"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for suffix in ("age.txt", "ed25519.pem"):
        assert stat.S_IMODE((folder / f"{keys.office_id}.{suffix}").stat().st_mode) == 0o600
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    # a key copied in with loose permissions is closed again when read
    os.chmod(folder / f"{keys.office_id}.age.txt", 0o644)
    K.office_keys(office_db, paths)
    assert stat.S_IMODE((folder / f"{keys.office_id}.age.txt").stat().st_mode) == 0o600


def test_missing_key_files_are_refused_not_silently_replaced(office_db: Database, paths: AppPaths) -> None:
    keys = K.office_keys(office_db, paths)
    shutil.rmtree(paths.data / "keys")
    with pytest.raises(UserError, match="Kunci kantor tidak ditemukan") as err:
        K.office_keys(office_db, paths)
    assert keys.fingerprint in str(err.value) and "cadangan" in str(err.value)
    assert not (paths.data / "keys").exists() or not list((paths.data / "keys").iterdir())


def test_key_files_of_another_installation_are_refused(office_db: Database, paths: AppPaths,
                                                       tmp_path: Path) -> None:
    keys = K.office_keys(office_db, paths)
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(K._new_ed25519_pem())
    shutil.copy(stranger, paths.data / "keys" / f"{keys.office_id}.ed25519.pem")
    with pytest.raises(UserError, match="bukan kunci yang tercatat"):
        K.office_keys(office_db, paths)


def test_damaged_key_file_names_the_file(office_db: Database, paths: AppPaths) -> None:
    keys = K.office_keys(office_db, paths)
    (paths.data / "keys" / f"{keys.office_id}.age.txt").write_text("bukan kunci\n")
    with pytest.raises(StorageError, match="File kunci kantor rusak") as err:
        K.office_keys(office_db, paths)
    assert f"{keys.office_id}.age.txt" in str(err.value)


def test_no_keys_before_the_office_is_set_up(db: Database, paths: AppPaths) -> None:
    with pytest.raises(UserError, match="belum diatur"):
        K.office_keys(db, paths)
    assert not (paths.data / "keys").exists()


def test_signature_verifies_and_tampering_is_caught(office_db: Database, paths: AppPaths) -> None:
    keys = K.office_keys(office_db, paths)
    data = b'{"bundle":"contoh","n":1}'
    sig = K.sign(keys, data)
    assert len(sig) == 64
    assert K.verify(keys.verify_key_bytes, data, sig)
    assert not K.verify(keys.verify_key_bytes, data.replace(b"1", b"2"), sig)
    assert not K.verify(keys.verify_key_bytes, data, bytes([sig[0] ^ 1]) + sig[1:])
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    assert not K.verify(other, data, sig)
    assert not K.verify(b"short", data, sig)
    assert not K.verify(keys.verify_key_bytes, data, b"")


def test_fingerprint_is_stable_readable_and_differs_per_key() -> None:
    ed = bytes(range(32))
    age = str(x25519.Identity.generate().to_public())
    fp = K.fingerprint(ed, age)
    assert FP_SHAPE.match(fp), fp
    assert K.fingerprint(ed, age) == fp
    assert K.fingerprint(bytes(range(1, 33)), age) != fp
    assert K.fingerprint(ed, str(x25519.Identity.generate().to_public())) != fp
    # typed back over the phone: case, spaces, dashes, and O/I/L for 0/1/1 do not matter
    typed = fp.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert K.fingerprints_match(fp, typed)
    assert K.fingerprints_match(fp, fp.replace("-", ""))
    assert not K.fingerprints_match(fp, fp[:-1] + ("X" if fp[-1] != "X" else "Y"))
    assert not K.fingerprints_match(fp, "")


def test_fingerprint_of_known_input_is_fixed() -> None:
    """Pinned so that a change of the algorithm (which would invalidate every confirmation) is noticed."""
    import hashlib

    ed, age = bytes(32), "age1" + "q" * 58
    digest = hashlib.sha256(b"atensi-sidik-jari-kantor-v1\x00" + ed + age.encode()).digest()
    bits = bin(int.from_bytes(digest, "big"))[2:].zfill(256)[:100]
    expected = "".join(K.CROCKFORD[int(bits[i:i + 5], 2)] for i in range(0, 100, 5))
    assert K.fingerprint(ed, age).replace("-", "") == expected


@pytest.mark.skipif(shutil.which("age") is None, reason="the age command-line tool is not installed")
def test_the_age_tool_opens_a_file_encrypted_to_the_office(office_db: Database, paths: AppPaths,
                                                           tmp_path: Path) -> None:
    keys = K.office_keys(office_db, paths)
    sealed = tmp_path / "pesan.age"
    sealed.write_bytes(encrypt(b"isi rahasia", [x25519.Recipient.from_str(keys.age_recipient)]))
    identity_file = paths.data / "keys" / f"{keys.office_id}.age.txt"
    out = subprocess.run(["age", "-d", "-i", str(identity_file), str(sealed)], capture_output=True, check=True)
    assert out.stdout == b"isi rahasia"


# --- kartu kantor ------------------------------------------------------------------------------------------


def test_card_round_trip(office_db: Database, paths: AppPaths, tmp_path: Path) -> None:
    keys = K.office_keys(office_db, paths)
    written = K.write_card(office_db, paths, tmp_path / "kartu.json")
    card = K.read_card(tmp_path / "kartu.json")
    assert card == written
    assert card.office_id == keys.office_id
    assert card.name == "Dinas Sosial Kabupaten Hulu Sungai Selatan"
    assert (card.office_type, card.wilayah_code, card.phone, card.email) == (
        "dinas_sosial", "63.06", "0517-21234", "dinsos@hss.go.id")
    assert card.address == "Jl. Aluh Idut No. 1, Kandangan"
    assert card.ed25519_public == keys.verify_key_bytes and card.age_recipient == keys.age_recipient
    assert card.fingerprint == keys.fingerprint
    raw = json.loads((tmp_path / "kartu.json").read_text("utf-8"))
    assert raw["format"] == "atensi-kartu-kantor" and raw["version"] == 1
    assert "AGE-SECRET-KEY" not in json.dumps(raw)


def _rewrite(path: Path, change) -> None:
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data), "utf-8")


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["office"].__setitem__("name", "Kantor Palsu"), "Tanda tangan kartu kantor .* tidak cocok"),
    (lambda d: d.__setitem__("created", "2030-01-01T00:00:00Z"), "Tanda tangan kartu kantor .* tidak cocok"),
    (lambda d: d.__setitem__("signature", "AAAA"), "Tanda tangan kartu kantor .* tidak cocok"),
    (lambda d: d.pop("signature"), "Tanda tangan kartu kantor .* tidak cocok"),
    (lambda d: d["keys"].__setitem__("age", str(x25519.Identity.generate().to_public())),
     "rusak: sidik jarinya tidak sesuai"),
    (lambda d: d["keys"].__setitem__("ed25519", "bukan-base64"), "rusak: kunci tanda tangan tidak sah"),
    (lambda d: d["keys"].__setitem__("age", "age1salah"), r"rusak: kunci enkripsi \(age\) tidak sah"),
    (lambda d: d["office"].__setitem__("id", "123"), "rusak: ID kantor tidak sah"),
    (lambda d: d.__setitem__("version", 2), "versi ATENSI Desktop yang lebih baru"),
    (lambda d: d.__setitem__("version", "satu"), "rusak: nomor versi format tidak sah"),
    (lambda d: d.__setitem__("format", "lks-sync-bundle"), "bukan kartu kantor ATENSI"),
])
def test_changed_or_foreign_cards_are_refused(office_db: Database, paths: AppPaths, tmp_path: Path,
                                              change, message: str) -> None:
    target = tmp_path / "kartu.json"
    K.write_card(office_db, paths, target)
    _rewrite(target, change)
    with pytest.raises(UserError, match=message):
        K.read_card(target)


def test_card_resigned_with_another_key_fails_the_fingerprint(office_db: Database, paths: AppPaths,
                                                             tmp_path: Path) -> None:
    """A forger who swaps in their own key and re-signs gets a valid card whose fingerprint is theirs."""
    target = tmp_path / "kartu.json"
    real = K.write_card(office_db, paths, target)
    forger = Ed25519PrivateKey.generate()
    pub = forger.public_key().public_bytes_raw()
    data = json.loads(target.read_text("utf-8"))
    data["keys"]["ed25519"] = base64.b64encode(pub).decode()
    data["fingerprint"] = K.fingerprint(pub, data["keys"]["age"])
    body = {k: v for k, v in data.items() if k != "signature"}
    data["signature"] = base64.b64encode(forger.sign(K.canonical_json(body))).decode()
    target.write_text(json.dumps(data), "utf-8")
    forged = K.read_card(target)
    assert forged.fingerprint != real.fingerprint
    with pytest.raises(UserError, match="tidak sama dengan sidik jari"):
        add_peer(office_db, dataclasses.replace(forged, office_id=uuid.uuid4()), real.fingerprint)


def test_files_that_are_not_cards(tmp_path: Path, office_db: Database, paths: AppPaths) -> None:
    (tmp_path / "foto.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(100))
    (tmp_path / "daftar.json").write_text('[1, 2, 3]', "utf-8")
    (tmp_path / "besar.json").write_bytes(b" " * (K.CARD_MAX_BYTES + 1))
    for name in ("foto.jpg", "daftar.json", "besar.json"):
        with pytest.raises(UserError, match="bukan kartu kantor ATENSI"):
            K.read_card(tmp_path / name)
    with pytest.raises(UserError, match="tidak ditemukan"):
        K.read_card(tmp_path / "tidak-ada.json")
    K.write_card(office_db, paths, tmp_path / "kartu.json")
    raw = (tmp_path / "kartu.json").read_bytes()
    (tmp_path / "potong.json").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(UserError, match="rusak: isinya terpotong"):
        K.read_card(tmp_path / "potong.json")


def test_write_card_to_an_unwritable_place_says_so(office_db: Database, paths: AppPaths, tmp_path: Path) -> None:
    blocker = tmp_path / "berkas"
    blocker.write_text("x")
    with pytest.raises(UserError, match="tidak bisa ditulis"):
        K.write_card(office_db, paths, blocker / "kartu.json")


# --- peers --------------------------------------------------------------------------------------------------


def test_add_peer_with_the_read_aloud_fingerprint(office_db: Database, paths: AppPaths,
                                                   peer_card: K.OfficeCard) -> None:
    typed = peer_card.fingerprint.lower().replace("-", " ")
    result = add_peer(office_db, peer_card, typed, confirmed_by="budi")
    assert result.outcome == ADDED
    peer = result.peer
    assert (peer.office_id, peer.name, peer.fingerprint, peer.status) == (
        peer_card.office_id, "LKS Harapan Bunda", peer_card.fingerprint, "aktif")
    assert peer.ed25519_public == peer_card.ed25519_public and peer.age_recipient == peer_card.age_recipient
    assert peer.confirmed_by == "budi" and peer.confirmed_at.tzinfo is not None
    assert [p.office_id for p in list_peers(office_db)] == [peer_card.office_id]
    assert find_peer_by_key(office_db, peer_card.ed25519_public).office_id == peer_card.office_id
    # adding the same card again changes nothing but the details
    again = add_peer(office_db, peer_card, peer_card.fingerprint)
    assert again.outcome == UPDATED and again.peer.confirmed_by == "budi"
    assert _peer_count(office_db) == 1


def test_wrong_fingerprint_is_refused_and_nothing_written(office_db: Database, peer_card: K.OfficeCard) -> None:
    wrong = K.fingerprint(bytes(32), peer_card.age_recipient)
    with pytest.raises(UserError, match="tidak sama dengan sidik jari kartu kantor LKS Harapan Bunda"):
        add_peer(office_db, peer_card, wrong)
    with pytest.raises(UserError, match="tidak sama"):
        add_peer(office_db, peer_card, "")
    assert _peer_count(office_db) == 0


def test_own_card_is_refused(office_db: Database, paths: AppPaths, tmp_path: Path) -> None:
    own = K.write_card(office_db, paths, tmp_path / "sendiri.json")
    with pytest.raises(UserError, match="kartu kantor Anda sendiri"):
        add_peer(office_db, own, own.fingerprint)
    # the same keys under another office id are still our own
    with pytest.raises(UserError, match="kartu kantor Anda sendiri"):
        add_peer(office_db, dataclasses.replace(own, office_id=uuid.uuid4()), own.fingerprint)
    assert _peer_count(office_db) == 0


def test_new_keys_for_a_known_office_need_an_explicit_replacement(office_db: Database, tmp_path: Path,
                                                                   peer_card: K.OfficeCard) -> None:
    add_peer(office_db, peer_card, peer_card.fingerprint)
    reinstalled_db, reinstalled_paths = _other_office(tmp_path, "LKS Harapan Bunda")
    try:
        new = K.write_card(reinstalled_db, reinstalled_paths, tmp_path / "baru.json")
    finally:
        reinstalled_db.dispose()
    rotated = dataclasses.replace(new, office_id=peer_card.office_id)  # same office, keys made afresh
    with pytest.raises(UserError, match="sudah terdaftar sebagai mitra dengan kunci lain") as err:
        add_peer(office_db, rotated, rotated.fingerprint)
    assert "--ganti-kunci" in str(err.value)
    assert list_peers(office_db)[0].fingerprint == peer_card.fingerprint
    result = add_peer(office_db, rotated, rotated.fingerprint, replace=True, confirmed_by="sari")
    assert result.outcome == KEYS_REPLACED
    assert result.peer.fingerprint == new.fingerprint
    assert result.peer.previous_fingerprint == peer_card.fingerprint
    assert result.peer.keys_replaced_at is not None and result.peer.confirmed_by == "sari"
    assert find_peer_by_key(office_db, peer_card.ed25519_public) is None
    # another office id carrying a key a peer already uses is refused
    with pytest.raises(UserError, match="sudah dipakai kantor mitra lain"):
        add_peer(office_db, dataclasses.replace(rotated, office_id=uuid.uuid4(), name="Kantor Lain"),
                 rotated.fingerprint)


def test_revoke_and_reactivate(office_db: Database, peer_card: K.OfficeCard) -> None:
    add_peer(office_db, peer_card, peer_card.fingerprint)
    revoked = revoke_peer(office_db, peer_card.office_id)
    assert revoked.status == "dicabut" and revoked.revoked_at is not None and not revoked.active
    assert revoke_peer(office_db, peer_card.office_id).revoked_at == revoked.revoked_at
    assert list_peers(office_db, include_revoked=False) == []
    assert [p.status for p in list_peers(office_db)] == ["dicabut"]
    with pytest.raises(UserError, match="pernah dicabut"):
        add_peer(office_db, peer_card, peer_card.fingerprint)
    back = add_peer(office_db, peer_card, peer_card.fingerprint, replace=True)
    assert back.outcome == REACTIVATED and back.peer.active and back.peer.revoked_at is None
    with pytest.raises(NotFoundError):
        revoke_peer(office_db, uuid.uuid4())


def test_peers_are_listed_by_name(office_db: Database, tmp_path: Path) -> None:
    for name in ("Sentra Budi Luhur", "LKS Al-Ikhlas", "Panti Wredha Budi Sejahtera"):
        other, other_paths = _other_office(tmp_path, name)
        try:
            card = K.write_card(other, other_paths, tmp_path / f"{uuid.uuid4().hex}.json")
        finally:
            other.dispose()
        add_peer(office_db, card, card.fingerprint)
    assert [p.name for p in list_peers(office_db)] == ["LKS Al-Ikhlas", "Panti Wredha Budi Sejahtera",
                                                       "Sentra Budi Luhur"]
