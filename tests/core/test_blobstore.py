"""The content-addressed blob store: layout, one copy per content, safe writes, checked reads."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from atensi_desktop import blobstore
from atensi_desktop.blobstore import BlobStore
from atensi_desktop.errors import StorageError, UserError


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "berkas")


def _files(store: BlobStore) -> list[Path]:
    return sorted(p for p in store.root.rglob("*") if p.is_file())


def test_bytes_are_stored_under_their_sha256(store):
    data = b"%PDF-1.4 surat persetujuan"
    sha = store.put_bytes(data)
    assert sha == hashlib.sha256(data).hexdigest()
    path = store.root / sha[:2] / sha[2:]
    assert store.path_for(sha) == path
    assert path.read_bytes() == data
    assert store.has(sha) and store.verify(sha)
    assert store.read(sha) == data


def test_the_same_content_is_stored_once(store, tmp_path):
    data = os.urandom(300_000)
    source = tmp_path / "ktp.jpg"
    source.write_bytes(data)
    sha = store.put_bytes(data)
    inode = store.path_for(sha).stat().st_ino
    assert store.put_file(source) == (sha, len(data))
    assert store.put_bytes(data) == sha
    assert _files(store) == [store.path_for(sha)]
    assert store.path_for(sha).stat().st_ino == inode  # not rewritten


def test_a_file_is_streamed_in_chunks_and_hashed_like_bytes(store, tmp_path, monkeypatch):
    monkeypatch.setattr(blobstore, "CHUNK", 4096)
    data = os.urandom(50_000)
    source = tmp_path / "kk.pdf"
    source.write_bytes(data)
    sha, size = store.put_file(source)
    assert (sha, size) == (hashlib.sha256(data).hexdigest(), 50_000)
    assert store.read(sha) == data


def test_too_large_is_refused_with_the_sizes_in_indonesian(tmp_path):
    store = BlobStore(tmp_path / "berkas", max_bytes=2 * 1024 * 1024)
    big = tmp_path / "pindaian.pdf"
    with big.open("wb") as fh:
        fh.truncate(3 * 1024 * 1024 + 300 * 1024)  # sparse: nothing is really written
    with pytest.raises(UserError) as err:
        store.put_file(big)
    assert err.value.message == "Berkas terlalu besar (3,3 MB); batasnya 2 MB."
    assert "resolusi lebih rendah" in err.value.hint
    with pytest.raises(UserError, match="terlalu besar"):
        store.put_bytes(b"x" * (2 * 1024 * 1024 + 1))
    assert _files(store) == []


def test_a_failed_write_leaves_no_blob_and_no_temporary_file(store, monkeypatch):
    def disk_full(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(blobstore.os, "fsync", disk_full)
    with pytest.raises(StorageError) as err:
        store.put_bytes(b"isi yang tidak sempat tersimpan")
    assert "ruang disk" in err.value.hint
    assert _files(store) == []


def test_an_interrupted_write_leaves_no_blob(store, monkeypatch):
    """A crash between writing and renaming (here: KeyboardInterrupt in os.replace) stores nothing."""
    data = b"%PDF-1.7 " + os.urandom(10_000)
    sha = hashlib.sha256(data).hexdigest()

    def killed(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(blobstore.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        store.put_bytes(data)
    assert not store.has(sha)
    assert _files(store) == []
    monkeypatch.undo()
    assert store.put_bytes(data) == sha and store.read(sha) == data


def test_a_partial_file_left_by_a_killed_process_is_ignored_and_swept(store):
    data = os.urandom(20_000)
    sha = hashlib.sha256(data).hexdigest()
    folder = store.root / sha[:2]
    folder.mkdir(parents=True)
    partial = folder / ".sebagian-abc123.tmp"
    partial.write_bytes(data[:5000])  # what a process killed mid-write leaves
    assert not store.has(sha)
    with pytest.raises(StorageError, match="tidak ditemukan"):
        store.read(sha)
    assert store.put_bytes(data) == sha
    old = time.time() - 7200
    os.utime(partial, (old, old))
    os.utime(store.path_for(sha), (old, old))  # an old blob is never swept
    fresh = folder / ".sebagian-def456.tmp"
    fresh.write_bytes(b"still being written")
    assert store.sweep_partial() == 1
    assert not partial.exists() and fresh.exists()
    assert store.read(sha) == data


def test_a_damaged_blob_is_reported_and_repaired_by_storing_it_again(store, tmp_path):
    data = os.urandom(10_000)
    sha = store.put_bytes(data)
    path = store.path_for(sha)
    damaged = bytearray(data)
    damaged[5000] ^= 0xFF
    path.write_bytes(bytes(damaged))
    assert not store.verify(sha)
    with pytest.raises(StorageError, match="rusak"):
        store.read(sha)
    target = tmp_path / "salinan" / "ktp.jpg"
    with pytest.raises(StorageError, match="rusak"):
        store.copy_to(sha, target)
    assert not target.exists() and list(target.parent.iterdir()) == []  # no half copy left
    path.write_bytes(data[:100])  # truncated
    assert store.put_bytes(data) == sha
    assert store.read(sha) == data


def test_copy_to_writes_an_exact_copy(store, tmp_path):
    data = os.urandom(70_000)
    sha = store.put_bytes(data)
    target = store.copy_to(sha, tmp_path / "keluar" / "surat.pdf")
    assert target.read_bytes() == data
    with pytest.raises(StorageError, match="tidak ditemukan"):
        store.copy_to("0" * 64, tmp_path / "x.pdf")


def test_a_file_that_changes_while_it_is_stored_is_refused(store, tmp_path, monkeypatch):
    source = tmp_path / "sedang-dipindai.pdf"
    source.write_bytes(b"%PDF-1.4 halaman 1")
    real_chunks = blobstore._chunks

    def grown(path):
        path.write_bytes(b"%PDF-1.4 halaman 1 dan halaman 2")
        yield from real_chunks(path)

    monkeypatch.setattr(blobstore, "_chunks", grown)
    with pytest.raises(UserError, match="berubah"):
        store.put_file(source)
    assert _files(store) == []


def test_only_hex_digests_name_blobs(store):
    for bad in ("", "../../etc/passwd", "ABC", "g" * 64):
        with pytest.raises(ValueError):
            store.path_for(bad)
