"""Client documents and photos: content checked by its first bytes, stored once, archived not deleted."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from atensi_desktop.blobstore import BlobStore
from atensi_desktop.db.models import ClientDocument, Version
from atensi_desktop.errors import NotFoundError, StorageError, UserError
from atensi_desktop.services import clients
from atensi_desktop.services import documents as docs

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _jpeg(size=(1200, 600), *, exif: Image.Exif | None = None, halves=((200, 30, 30), (30, 30, 200))) -> bytes:
    """A JPEG whose left half and right half have different colours."""
    img = Image.new("RGB", size, halves[0])
    img.paste(Image.new("RGB", (size[0] // 2, size[1]), halves[1]), (size[0] // 2, 0))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95, exif=exif or Image.Exif())
    return out.getvalue()


def _png(size=(300, 200), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (0, 120, 0, 0) if mode == "RGBA" else (0, 120, 0)).save(out, "PNG")
    return out.getvalue()


def _blob_files(blobs: Path) -> list[Path]:
    return [p for p in blobs.rglob("*") if p.is_file()] if blobs.exists() else []


@pytest.fixture
def client(db):
    return clients.create_client(db, {"name": "Siti Aminah", "sex": "P"})


@pytest.fixture
def blobs(paths):
    return paths.blobs


def test_a_pdf_is_stored_by_content_and_listed(db, blobs, client, tmp_path):
    source = tmp_path / "Persetujuan Siti.pdf"
    source.write_bytes(PDF)
    doc = docs.add_document(db, blobs, client.id, source, "persetujuan", note="  ditandatangani   wali ")
    assert doc.kind == "persetujuan" and doc.kind_label == "Surat persetujuan"
    assert doc.file_name == "Persetujuan Siti.pdf" and doc.media_type == "application/pdf"
    assert doc.size == len(PDF) and doc.size_text == f"{len(PDF)} byte"
    assert doc.note == "ditandatangani wali"
    assert not doc.archived and doc.added_at.tzinfo is not None
    assert BlobStore(blobs).read(doc.sha256) == PDF
    assert docs.list_documents(db, client.id) == [doc]
    target = docs.export_document(db, blobs, doc.id, tmp_path / "keluar" / doc.export_name)
    assert target.read_bytes() == PDF
    assert docs.document_bytes(db, blobs, doc.id) == PDF


def test_the_content_decides_the_type_not_the_file_name(db, blobs, client, tmp_path):
    jpeg = _jpeg((40, 30))
    doc = docs.add_document(db, blobs, client.id, jpeg, "ktp", file_name="C:\\scan\\ktp.pdf")
    assert doc.media_type == "image/jpeg" and doc.file_name == "ktp.pdf" and doc.export_name == "ktp.jpg"
    png = docs.add_document(db, blobs, client.id, _png(), "kk", file_name="kk")
    assert png.media_type == "image/png" and png.export_name == "kk.png"
    fake = tmp_path / "surat.pdf"
    fake.write_text("Ini sebenarnya catatan teks, bukan PDF.")
    with pytest.raises(UserError) as err:
        docs.add_document(db, blobs, client.id, fake, "surat")
    assert err.value.message == "Jenis berkas ini tidak diterima: surat.pdf."
    assert "PDF, JPEG atau PNG" in err.value.hint
    empty = tmp_path / "kosong.pdf"
    empty.write_bytes(b"")
    with pytest.raises(UserError, match="kosong"):
        docs.add_document(db, blobs, client.id, empty, "surat")
    with pytest.raises(UserError, match="Pilih jenis berkas"):
        docs.add_document(db, blobs, client.id, PDF, "rapor")
    assert [d.file_name for d in docs.list_documents(db, client.id)] == ["kk", "ktp.pdf"]


def test_the_same_content_is_stored_once_for_every_row_that_names_it(db, blobs, client):
    other = clients.create_client(db, {"name": "Budi Santoso", "sex": "L"})
    a = docs.add_document(db, blobs, client.id, PDF, "kk", file_name="kk.pdf")
    b = docs.add_document(db, blobs, other.id, PDF, "kk", file_name="kk-budi.pdf")
    c = docs.add_document(db, blobs, client.id, PDF, "lainnya", file_name="salinan.pdf")
    assert a.sha256 == b.sha256 == c.sha256
    assert len({a.id, b.id, c.id}) == 3
    assert _blob_files(blobs) == [BlobStore(blobs).path_for(a.sha256)]


def test_too_large_a_document_is_refused_and_nothing_is_stored(db, blobs, client, tmp_path):
    big = tmp_path / "pindaian-600dpi.pdf"
    with big.open("wb") as fh:
        fh.write(PDF)
        fh.truncate(26 * 1024 * 1024)
    with pytest.raises(UserError, match=r"terlalu besar \(26 MB\); batasnya 25 MB"):
        docs.add_document(db, blobs, client.id, big, "kk")
    assert docs.list_documents(db, client.id) == [] and _blob_files(blobs) == []


def test_archiving_hides_a_document_but_keeps_row_history_and_content(db, blobs, client):
    doc = docs.add_document(db, blobs, client.id, PDF, "surat", file_name="rujukan.pdf")
    docs.archive_document(db, doc.id)
    assert docs.list_documents(db, client.id) == []
    [kept] = docs.list_documents(db, client.id, include_archived=True)
    assert kept.id == doc.id and kept.archived
    assert BlobStore(blobs).read(doc.sha256) == PDF
    with db.session() as s:
        cols = set(s.scalars(select(Version.col).where(Version.tbl == "client_document", Version.rid == doc.id)))
        assert {"client_id", "kind", "sha256", "file_name", "deleted"} <= cols
        assert s.get(ClientDocument, doc.id) is not None
    docs.restore_document(db, doc.id)
    assert [d.id for d in docs.list_documents(db, client.id)] == [doc.id]
    with pytest.raises(NotFoundError):
        docs.archive_document(db, client.id)  # not a document id


def test_an_archived_or_merged_client_takes_no_new_documents(db, blobs, client):
    clients.archive_client(db, client.id)
    with pytest.raises(UserError, match="sudah diarsipkan"):
        docs.add_document(db, blobs, client.id, PDF, "kk")
    with pytest.raises(NotFoundError):
        docs.add_document(db, blobs, clients.uuid7(), PDF, "kk")
    assert _blob_files(blobs) == []


def test_a_photo_is_downscaled_turned_upright_and_stripped_of_exif(db, blobs, client):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "KameraMerek"  # Make
    exif[0x8825] = {1: "S", 2: (3.0, 10.0, 0.0), 3: "E", 4: (114.0, 35.0, 0.0)}  # GPSInfo: Kandangan
    original = _jpeg((2400, 1200), exif=exif)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the fixture really carries GPS
    photo = docs.set_photo(db, blobs, client.id, original, file_name="IMG_2031.JPG")
    assert photo.kind == "foto" and photo.media_type == "image/jpeg" and photo.file_name == "IMG_2031.jpg"
    data = docs.photo_bytes(db, blobs, client.id)
    assert data is not None and len(data) == photo.size < len(original)
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG" and img.size == (400, 800)  # upright: portrait, long side 800
    assert not img.getexif() and "exif" not in img.info
    top, bottom = img.getpixel((200, 100)), img.getpixel((200, 700))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]  # the left (red) half is now on top
    assert docs.list_documents(db, client.id) == []  # photos are not in the document list
    assert docs.current_photo(db, client.id) == photo


def test_one_live_photo_the_previous_one_is_archived(db, blobs, client):
    assert docs.photo_bytes(db, blobs, client.id) is None
    first = docs.set_photo(db, blobs, client.id, _png((640, 480)), file_name="foto.png")
    again = docs.set_photo(db, blobs, client.id, _png((640, 480)), file_name="foto-lagi.png")
    assert again == first  # the same picture: no new row
    second = docs.set_photo(db, blobs, client.id, _png((1600, 900), "RGBA"), file_name="tempel.png")
    assert Image.open(io.BytesIO(docs.photo_bytes(db, blobs, client.id))).size == (800, 450)
    everything = docs.list_documents(db, client.id, include_archived=True, photos=True)
    assert [(d.id, d.archived) for d in everything] == [(second.id, False), (first.id, True)]
    assert BlobStore(blobs).verify(first.sha256)  # the old photo's content is kept
    docs.restore_document(db, first.id)  # bringing the old photo back archives the newer one
    assert docs.current_photo(db, client.id).id == first.id
    docs.archive_document(db, first.id)
    assert docs.photo_bytes(db, blobs, client.id) is None
    # "foto" through add_document goes the same way
    via_add = docs.add_document(db, blobs, client.id, _jpeg((100, 100)), "foto", file_name="x.jpg")
    assert docs.current_photo(db, client.id) == via_add


def test_a_non_picture_is_refused_as_photo(db, blobs, client, tmp_path):
    for data in (PDF, b"", b"GIF89a broken", _jpeg((50, 50))[:200]):
        with pytest.raises(UserError) as err:
            docs.set_photo(db, blobs, client.id, data, file_name="foto.jpg")
        assert err.value.message in ("Berkas ini bukan foto yang bisa dibaca.",
                                     "Foto ini rusak atau terpotong dan tidak bisa dibaca.")
    missing = tmp_path / "tidak-ada.jpg"
    with pytest.raises(StorageError, match="tidak bisa dibaca"):
        docs.set_photo(db, blobs, client.id, missing)
    assert docs.current_photo(db, client.id) is None and _blob_files(blobs) == []


def test_a_damaged_photo_blob_is_reported_not_shown(db, blobs, client):
    photo = docs.set_photo(db, blobs, client.id, _png())
    BlobStore(blobs).path_for(photo.sha256).write_bytes(b"rusak")
    with pytest.raises(StorageError, match="rusak"):
        docs.photo_bytes(db, blobs, client.id)


def test_sniffing_reads_magic_bytes():
    assert docs.sniff_media_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert docs.sniff_media_type(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert docs.sniff_media_type(b"\r\n%PDF-1.7") == "application/pdf"
    assert docs.sniff_media_type(b"PK\x03\x04 word.docx") is None
    assert docs.document_kinds()[0] == ("ktp", "KTP-el")
    assert "foto" not in dict(docs.document_kinds()) and "foto" in dict(docs.document_kinds(photos=True))


def test_a_12_megapixel_photo_is_downscaled_through_the_reduced_jpeg_decode():
    data = _jpeg((4000, 3000))
    out = docs.downscale_photo(data)  # its speed is a benchmark figure (README), not a timed test
    assert Image.open(io.BytesIO(out)).size == (800, 600)


def test_files_prepared_before_the_client_exists_are_stored_after_it(db, blobs, tmp_path):
    source = tmp_path / "KK keluarga.pdf"
    source.write_bytes(PDF)
    kk = docs.prepare_document(source, "kk")
    photo = docs.prepare_photo(_jpeg((1600, 1200)), file_name="foto.png")
    assert (kk.file_name, kk.media_type, kk.size) == ("KK keluarga.pdf", "application/pdf", len(PDF))
    assert (photo.file_name, photo.media_type) == ("foto.jpg", "image/jpeg")
    assert _blob_files(blobs) == []  # checking stores nothing
    with pytest.raises(UserError, match="tidak diterima"):
        docs.prepare_document(b"hello", "ktp", file_name="ktp.pdf")
    client = clients.create_client(db, {"name": "Rina Marlina", "sex": "P"})
    stored_kk = docs.store_prepared(db, blobs, client.id, kk, "kk", "asli")
    stored_photo = docs.store_prepared(db, blobs, client.id, photo, "foto")
    assert docs.list_documents(db, client.id) == [stored_kk] and stored_kk.note == "asli"
    assert docs.photo_bytes(db, blobs, client.id) == photo.data and stored_photo.size == photo.size
