"""The bundle file (`sync/bundle.py`): round trips, every refused fault, and recovery with `age` + `unzip`."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from atensi_desktop.errors import UserError
from atensi_desktop.sync import bundle as bmod
from atensi_desktop.sync.bundle import canonical_json, read_bundle, write_bundle

SENDER = "01890000-0000-7000-8000-0000000000aa"
VERSIONS = [
    {"site": "s1", "seq": i, "tbl": "client", "rid": f"r{i}", "col": "name", "hlc": 1000 + i, "val": f"\"Nama {i}\""}
    for i in range(1, 301)
]


def _raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@pytest.fixture
def keys():
    signing = Ed25519PrivateKey.generate()
    ident = pyrage.x25519.Identity.generate()
    return {"signing": signing, "identity": ident, "recipient": ident.to_public(),
            "trusted": {SENDER: _raw_public(signing)}}


def _lines() -> list[bytes]:
    return [json.dumps(v, sort_keys=True).encode() + b"\n" for v in VERSIONS]


def _write(tmp_path: Path, keys, *, name="out.lkssync", manifest=None, parts=None, blobs=None, **kw) -> Path:
    target = tmp_path / name
    base = {"source_office": SENDER, "source_site": "site-1", "created_hlc": 123456, "kind": "full",
            "recipients": ["Dinas Sosial HSS"]}
    base.update(manifest or {})
    if parts is None:
        parts = {"versions.jsonl": iter(_lines()), "rows.jsonl": b'{"table":"client"}\n'}
    if "passphrase" not in kw:
        kw.setdefault("recipients", [keys["recipient"]])
    write_bundle(target, base, parts, blobs or {}, keys["signing"], **kw)
    return target


def _read(path: Path, keys, **kw):
    if "passphrase" not in kw:
        kw.setdefault("identities", [keys["identity"]])
    kw.setdefault("trusted_signers", keys["trusted"])
    return read_bundle(path, **kw)


def _members(path: Path, keys) -> dict[str, bytes]:
    plain = pyrage.decrypt(path.read_bytes(), [keys["identity"]])
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _rewrap(path: Path, keys, members: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    path.write_bytes(pyrage.encrypt(buf.getvalue(), [keys["recipient"]]))


def _resign(members: dict[str, bytes], keys, **changes) -> None:
    manifest = json.loads(members["manifest.json"])
    manifest.update(changes)
    members["manifest.json"] = canonical_json(manifest)
    sig = json.loads(members["manifest.sig"])
    import base64

    sig["signature"] = base64.b64encode(keys["signing"].sign(members["manifest.json"])).decode()
    members["manifest.sig"] = canonical_json(sig)


def _blob(tmp_path: Path, content: bytes) -> tuple[str, Path]:
    sha = hashlib.sha256(content).hexdigest()
    path = tmp_path / f"blob-{sha[:8]}"
    path.write_bytes(content)
    return sha, path


# --- round trips ----------------------------------------------------------------------------------


def test_round_trip_to_two_recipients_with_parts_and_blobs(tmp_path, keys):
    other = pyrage.x25519.Identity.generate()
    sha, blob_path = _blob(tmp_path, b"%PDF-1.4 scanned KTP" * 100)
    path = _write(tmp_path, keys, blobs={sha: blob_path},
                  recipients=[keys["recipient"], str(other.to_public())])
    assert path.read_bytes().startswith(b"age-encryption.org/v1\n")
    for ident in (keys["identity"], other):
        with _read(path, keys, identities=[ident]) as opened:
            m = opened.manifest
            assert m["format"] == "lks-sync-bundle" and m["format_version"] == 1
            assert m["source_office"] == SENDER and m["recipients"] == ["Dinas Sosial HSS"]
            assert m["schema_version"] == bmod.current_schema_version() and m["bundle_id"]
            assert m["parts"]["versions.jsonl"]["sha256"] == hashlib.sha256(b"".join(_lines())).hexdigest()
            assert list(opened.iter_json("versions.jsonl")) == VERSIONS
            assert opened.blobs == (sha,) and opened.read_blob(sha) == blob_path.read_bytes()
            assert opened.signer == SENDER
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, blob_path.name])  # no temp left


def test_passphrase_round_trip(tmp_path, keys):
    path = _write(tmp_path, keys, passphrase="kuda-lumping-7")
    with _read(path, keys, passphrase="kuda-lumping-7") as opened:
        assert [v["seq"] for v in opened.iter_json("versions.jsonl")] == list(range(1, 301))


def test_temp_file_is_removed_after_reading(tmp_path, keys):
    path = _write(tmp_path, keys)
    work = tmp_path / "work"
    work.mkdir()
    opened = _read(path, keys, work_dir=work)
    assert len(list(work.iterdir())) == 1
    opened.close()
    assert list(work.iterdir()) == []
    with pytest.raises(UserError):
        _read(path, keys, work_dir=work, trusted_signers={})
    assert list(work.iterdir()) == []


def test_a_damaged_blob_in_the_store_writes_nothing(tmp_path, keys):
    sha, blob_path = _blob(tmp_path, b"photo bytes")
    blob_path.write_bytes(b"other bytes")
    with pytest.raises(UserError, match="rusak"):
        _write(tmp_path, keys, blobs={sha: blob_path})
    assert not (tmp_path / "out.lkssync").exists()
    assert [p.name for p in tmp_path.iterdir()] == [blob_path.name]


# --- faults ---------------------------------------------------------------------------------------


def test_not_a_bundle(tmp_path, keys):
    cases = {
        "text.lkssync": b"hello, this is a letter\n",
        "plainzip.lkssync": (lambda b: (zipfile.ZipFile(b, "w").writestr("x", "y"), b.getvalue())[1])(io.BytesIO()),
        "agetext.lkssync": pyrage.encrypt(b"just some text, not a zip", [keys["recipient"]]),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("versions.jsonl", b"{}\n")
    cases["nomanifest.lkssync"] = pyrage.encrypt(buf.getvalue(), [keys["recipient"]])
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(UserError, match="bukan berkas sinkronisasi ATENSI"):
            _read(path, keys)


@pytest.mark.parametrize("cut", ["zero", "ten", "half", "last_byte"])
def test_truncated(tmp_path, keys, cut):
    path = _write(tmp_path, keys)
    data = path.read_bytes()
    keep = {"zero": 0, "ten": 10, "half": len(data) // 2, "last_byte": len(data) - 1}[cut]
    path.write_bytes(data[:keep])
    with pytest.raises(UserError, match="terpotong atau rusak") as err:
        _read(path, keys)
    assert "mengirim ulang" in (err.value.hint or "")


def test_flipped_ciphertext_byte_is_refused(tmp_path, keys):
    path = _write(tmp_path, keys)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(UserError, match="terpotong atau rusak"):
        _read(path, keys)


def test_part_changed_after_signing_is_refused(tmp_path, keys):
    path = _write(tmp_path, keys)
    members = _members(path, keys)
    members["versions.jsonl"] = members["versions.jsonl"].replace(b"Nama 7", b"Nama X")
    _rewrap(path, keys, members)
    with pytest.raises(UserError, match="isi versions.jsonl berbeda"):
        _read(path, keys)


def test_manifest_changed_after_signing_is_refused(tmp_path, keys):
    path = _write(tmp_path, keys)
    members = _members(path, keys)
    manifest = json.loads(members["manifest.json"])
    manifest["recipients"] = ["Kantor lain"]
    members["manifest.json"] = canonical_json(manifest)
    _rewrap(path, keys, members)
    with pytest.raises(UserError, match="tanda tangan tidak sah"):
        _read(path, keys)


def test_extra_or_missing_members_are_refused(tmp_path, keys):
    path = _write(tmp_path, keys)
    members = _members(path, keys)
    _rewrap(path, keys, {**members, "extra.jsonl": b"{}\n"})
    with pytest.raises(UserError, match="tidak tercantum: extra.jsonl"):
        _read(path, keys)
    _rewrap(path, keys, {k: v for k, v in members.items() if k != "rows.jsonl"})
    with pytest.raises(UserError, match="bagian hilang: rows.jsonl"):
        _read(path, keys)
    _rewrap(path, keys, {**members, "../evil": b"x"})
    with pytest.raises(UserError, match="tidak aman"):
        _read(path, keys)


def test_wrong_key(tmp_path, keys):
    path = _write(tmp_path, keys)
    with pytest.raises(UserError, match="tidak ditujukan untuk kantor ini") as err:
        _read(path, keys, identities=[pyrage.x25519.Identity.generate()])
    assert "penerima" in (err.value.hint or "")


def test_wrong_passphrase_and_mixed_modes(tmp_path, keys):
    path = _write(tmp_path, keys, passphrase="benar")
    with pytest.raises(UserError, match="Kata sandi berkas salah"):
        _read(path, keys, passphrase="salah")
    with pytest.raises(UserError, match="dikunci dengan kata sandi"):
        _read(path, keys)
    keyed = _write(tmp_path, keys, name="keyed.lkssync")
    with pytest.raises(UserError, match="untuk kunci kantor penerima"):
        _read(keyed, keys, passphrase="benar")


def test_unsigned(tmp_path, keys):
    path = _write(tmp_path, keys)
    members = _members(path, keys)
    del members["manifest.sig"]
    _rewrap(path, keys, members)
    with pytest.raises(UserError, match="tidak bertanda tangan"):
        _read(path, keys)


def test_unknown_signer(tmp_path, keys):
    path = _write(tmp_path, keys)
    with pytest.raises(UserError, match="belum dikenal") as err:
        _read(path, keys, trusted_signers={"someone-else": keys["trusted"][SENDER]})
    assert "kartu kantor" in (err.value.hint or "")
    # a known office id with another key: the signature does not verify
    stranger = _raw_public(Ed25519PrivateKey.generate())
    with pytest.raises(UserError, match="tanda tangan tidak sah"):
        _read(path, keys, trusted_signers={SENDER: stranger})


def test_signer_must_be_the_sending_office(tmp_path, keys):
    path = _write(tmp_path, keys)
    members = _members(path, keys)
    _resign(members, keys, source_office="01890000-0000-7000-8000-0000000000bb")
    _rewrap(path, keys, members)
    with pytest.raises(UserError, match="penanda tangan bukan kantor pengirim"):
        _read(path, keys, trusted_signers={**keys["trusted"],
                                           "01890000-0000-7000-8000-0000000000bb": keys["trusted"][SENDER]})


def test_newer_schema_is_refused(tmp_path, keys):
    mine = bmod.current_schema_version()
    newer = f"{int(mine) + 1:04d}"
    path = _write(tmp_path, keys, manifest={"schema_version": newer})
    with pytest.raises(UserError, match=f"revisi {newer}; aplikasi ini {mine}") as err:
        _read(path, keys)
    assert "Perbarui ATENSI Desktop" in (err.value.hint or "")
    older = _write(tmp_path, keys, name="older.lkssync", manifest={"schema_version": "0001"})
    _read(older, keys).close()


def test_newer_format_is_refused(tmp_path, keys):
    path = _write(tmp_path, keys)
    members = _members(path, keys)
    _resign(members, keys, min_reader_version=bmod.READER_VERSION + 1, format_version=2)
    _rewrap(path, keys, members)
    with pytest.raises(UserError, match="versi ATENSI Desktop yang lebih baru"):
        _read(path, keys)


# --- recovery without the app ---------------------------------------------------------------------


@pytest.mark.skipif(not (shutil.which("age") and shutil.which("unzip")), reason="needs the age and unzip tools")
def test_recovery_with_age_and_unzip_only(tmp_path, keys):
    sha, blob_path = _blob(tmp_path, b"\xff\xd8\xff\xe0 a JPEG photo")
    path = _write(tmp_path, keys, blobs={sha: blob_path})
    keyfile = tmp_path / "kunci-kantor.txt"
    keyfile.write_text(f"# office age key\n{keys['identity']}\n")
    keyfile.chmod(0o600)
    plain = tmp_path / "x.zip"
    subprocess.run(["age", "-d", "-i", str(keyfile), "-o", str(plain), str(path)], check=True, timeout=60)
    out = tmp_path / "isi"
    subprocess.run(["unzip", "-q", str(plain), "-d", str(out)], check=True, timeout=60)
    got = [json.loads(line) for line in (out / "versions.jsonl").read_text("utf-8").splitlines()]
    assert got == VERSIONS
    manifest = json.loads((out / "manifest.json").read_bytes())
    assert manifest["parts"]["versions.jsonl"]["sha256"] == hashlib.sha256(
        (out / "versions.jsonl").read_bytes()).hexdigest()
    assert (out / "blobs" / sha).read_bytes() == blob_path.read_bytes()
