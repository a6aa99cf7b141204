"""A client's photo and documents (KTP/KK scans, consent forms, letters), kept by SHA-256 in the blob store.

* `add_document` checks the content's first bytes (PDF, JPEG or PNG, whatever the file name says), stores
  the bytes once in the blob store and adds a `client_document` row; `set_photo` first makes a small
  photo (`downscale_photo`: at most 800 px on the long side, JPEG, EXIF and GPS removed, turned upright)
  and archives the photo it replaces, so a client has one live photo.
* Archiving (`archive_document`) is a tombstone: the row and its blob stay, `restore_document` brings it back.
* The blob is written before the row: if the database refuses, an unused blob remains (harmless, the same
  content is never stored twice), never a row without content.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from atensi_desktop.blobstore import BlobStore, human_size, too_large_error
from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, ClientDocument
from atensi_desktop.errors import NotFoundError, StorageError, UserError
from atensi_desktop.i18n import _
from atensi_desktop.refdata import ref_list
from atensi_desktop.security import guard
from atensi_desktop.security.roles import CLIENT_EDIT, CLIENT_VIEW

PHOTO = "foto"
PHOTO_MAX_SIDE = 800
PHOTO_QUALITY = 85
PHOTO_INPUT_MAX_BYTES = 50 * 1024 * 1024  # a 108-megapixel phone photo is 25-40 MB
NOTE_MAX = 500
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
# Formats a photo may come in (what phones, cameras and scanners save); HEIC needs converting first.
PHOTO_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "BMP", "GIF", "TIFF"})

Source = Path | str | bytes


@dataclass(frozen=True)
class DocumentDTO:
    id: uuid.UUID
    client_id: uuid.UUID
    kind: str
    kind_label: str
    sha256: str
    file_name: str
    media_type: str
    size: int
    note: str | None
    added_at: dt.datetime
    archived: bool

    @property
    def size_text(self) -> str:
        return human_size(self.size)

    @property
    def export_name(self) -> str:
        """The file name with the extension its content needs (a JPEG saved as 'ktp.pdf' opens as 'ktp.jpg')."""
        return export_name(self.file_name, self.media_type)


@dataclass(frozen=True)
class PreparedFile:
    """A checked file not yet stored (a new client's photo or document, kept until the client is saved)."""

    file_name: str
    media_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def size_text(self) -> str:
        return human_size(len(self.data))


def document_kinds(*, photos: bool = False) -> list[tuple[str, str]]:
    """(code, label) of the kinds a user may choose for a document; the photo kind only when asked."""
    return [(item.code, item.label) for item in ref_list("document_kinds").items if photos or item.code != PHOTO]


def sniff_media_type(head: bytes) -> str | None:
    """The media type the first bytes of a file show (PDF, JPEG, PNG), or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if b"%PDF-" in head[:1024]:  # the PDF header may follow a few bytes of junk
        return "application/pdf"
    return None


def export_name(file_name: str, media_type: str) -> str:
    wanted = EXTENSIONS.get(media_type)
    path = PurePath(file_name or "berkas")
    if wanted is None or path.suffix.lower() in (wanted, ".jpeg" if wanted == ".jpg" else wanted):
        return path.name
    return path.stem + wanted


# --- photos ----------------------------------------------------------------------------------------------

def downscale_photo(data: bytes, *, max_side: int = PHOTO_MAX_SIDE, quality: int = PHOTO_QUALITY) -> bytes:
    """A JPEG at most `max_side` px on its long side, turned as the camera's EXIF orientation says, with
    no EXIF left (no GPS position, camera or time). UserError when `data` is not a picture we can read."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise _not_a_picture()
    try:
        with warnings.catch_warnings():
            # 89-178 megapixels: Pillow warns of a "decompression bomb"; phones make such photos. Above that
            # Pillow refuses (DecompressionBombError), and so do we.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format not in PHOTO_FORMATS:
                    raise _not_a_picture()
                if img.format in ("JPEG", "MPO"):
                    # decode at 1/2-1/8 size (fast, little memory), keeping the long side >= max_side
                    w, h = img.size
                    img.draft("RGB", (max_side, -(-max_side * h // w)) if w >= h else (-(-max_side * w // h), max_side))
                img.load()
                upright = ImageOps.exif_transpose(img) or img
                icc = img.info.get("icc_profile")
                picture = _flatten(upright)
    except Image.DecompressionBombError as exc:
        raise UserError(_("Foto ini terlalu besar untuk dibuka (lebih dari 178 megapiksel)."),
                        hint=_("Perkecil foto itu dulu, atau ambil foto dengan resolusi lebih rendah.")) from exc
    except UnidentifiedImageError as exc:
        raise _not_a_picture() from exc
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt image data
        raise UserError(_("Foto ini rusak atau terpotong dan tidak bisa dibaca."),
                        hint=_("Salin ulang foto itu dari kamera atau ponsel, lalu coba lagi.")) from exc
    picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    options = {"quality": quality, "optimize": True}
    if icc:
        options["icc_profile"] = icc  # colours, not personal data
    picture.save(out, "JPEG", **options)
    return out.getvalue()


def _flatten(img):
    """RGB without transparency (a transparent PNG gets a white background)."""
    from PIL import Image

    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return img.convert("RGB") if img.mode != "RGB" else img.copy()


def _not_a_picture() -> UserError:
    return UserError(_("Berkas ini bukan foto yang bisa dibaca."),
                     hint=_("Pilih foto JPEG atau PNG (foto HEIC dari iPhone: simpan sebagai JPEG dulu)."),
                     field="photo")


# --- writing ---------------------------------------------------------------------------------------------

def add_document(db: Database, blobs_dir: Path, client_id: uuid.UUID, source: Source, kind: str,
                 note: str | None = None, *, file_name: str | None = None) -> DocumentDTO:
    """Store a PDF, JPEG or PNG for the client (a "foto" goes through `set_photo`)."""
    guard.check(db, CLIENT_EDIT, client_id=client_id)
    _check_kind(kind)
    if kind == PHOTO:
        return set_photo(db, blobs_dir, client_id, source, file_name=file_name, note=note)
    note = _clean_note(note)
    name = _file_name(source, file_name)
    store = BlobStore(blobs_dir)
    with db.session() as s:
        _writable_client(s, client_id)
        media_type = _document_type(_head(source), kind, name)
        if isinstance(source, bytes):
            sha, size = store.put_bytes(source), len(source)
        else:
            sha, size = store.put_file(Path(source))
        doc = ClientDocument(client_id=client_id, kind=kind, sha256=sha, file_name=name,
                             media_type=media_type, size=size, note=note)
        s.add(doc)
        s.flush()
        return _dto(doc)


def prepare_document(source: Source, kind: str, *, file_name: str | None = None) -> PreparedFile:
    """Read and check a document for a client not saved yet (the same checks as `add_document`)."""
    _check_kind(kind)
    if kind == PHOTO:
        return prepare_photo(source, file_name=file_name)
    name = _file_name(source, file_name)
    media_type = _document_type(_head(source), kind, name)
    data = source if isinstance(source, bytes) else _read_limited(Path(source), BlobStore.default_max())
    if len(data) > BlobStore.default_max():
        raise too_large_error(len(data), BlobStore.default_max())
    return PreparedFile(name, media_type, data)


def prepare_photo(source: Source, *, file_name: str | None = None) -> PreparedFile:
    """The small upright JPEG `set_photo` would store (see `downscale_photo`), not stored yet."""
    name = _file_name(source, file_name)
    data = source if isinstance(source, bytes) else _read_limited(Path(source), PHOTO_INPUT_MAX_BYTES)
    if len(data) > PHOTO_INPUT_MAX_BYTES:
        raise too_large_error(len(data), PHOTO_INPUT_MAX_BYTES)
    return PreparedFile(PurePath(name).stem + ".jpg", "image/jpeg", downscale_photo(data))


def set_photo(db: Database, blobs_dir: Path, client_id: uuid.UUID, source: Source, *,
              file_name: str | None = None, note: str | None = None) -> DocumentDTO:
    """Make the client's photo from a picture (downscaled); the previous photo is archived, not removed."""
    guard.check(db, CLIENT_EDIT, client_id=client_id)
    with db.session() as s:
        _writable_client(s, client_id)  # before the costly resize: a wrong client fails fast
    return store_photo(db, blobs_dir, client_id, prepare_photo(source, file_name=file_name), note=note)


def store_photo(db: Database, blobs_dir: Path, client_id: uuid.UUID, photo: PreparedFile, *,
                note: str | None = None) -> DocumentDTO:
    """Store a photo made by `prepare_photo` as the client's one live photo (the previous is archived)."""
    guard.check(db, CLIENT_EDIT, client_id=client_id)
    if photo.media_type != "image/jpeg" or sniff_media_type(photo.data[:16]) != "image/jpeg":
        raise ValueError("store_photo takes what prepare_photo made")
    note = _clean_note(note)
    sha = BlobStore(blobs_dir).put_bytes(photo.data)
    with db.session() as s:
        _writable_client(s, client_id)
        live = list(s.scalars(_live(client_id, PHOTO)))
        for old in live:
            if old.sha256 == sha:  # the same picture again: nothing changes
                return _dto(old)
        for old in live:
            old.deleted = True
        doc = ClientDocument(client_id=client_id, kind=PHOTO, sha256=sha, file_name=photo.file_name,
                             media_type="image/jpeg", size=photo.size, note=note)
        s.add(doc)
        s.flush()
        return _dto(doc)


def store_prepared(db: Database, blobs_dir: Path, client_id: uuid.UUID, prepared: PreparedFile, kind: str,
                   note: str | None = None) -> DocumentDTO:
    """Store what `prepare_document` or `prepare_photo` checked, once the client exists."""
    guard.check(db, CLIENT_EDIT, client_id=client_id)
    if kind == PHOTO:
        return store_photo(db, blobs_dir, client_id, prepared, note=note)
    return add_document(db, blobs_dir, client_id, prepared.data, kind, note, file_name=prepared.file_name)


def archive_document(db: Database, document_id: uuid.UUID) -> None:
    """Tombstone: the document leaves the client's list; its row, history and content are kept."""
    guard.check_row(db, CLIENT_EDIT, ClientDocument, document_id)
    _set_deleted(db, document_id, True)


def restore_document(db: Database, document_id: uuid.UUID) -> None:
    """Bring an archived document back (a restored photo archives the live one: one photo at a time)."""
    guard.check_row(db, CLIENT_EDIT, ClientDocument, document_id)
    with db.session() as s:
        doc = _get(s, document_id)
        if doc.deleted and doc.kind == PHOTO:
            for other in s.scalars(_live(doc.client_id, PHOTO)):
                other.deleted = True
        if doc.deleted:
            doc.deleted = False


def _set_deleted(db: Database, document_id: uuid.UUID, flag: bool) -> None:
    with db.session() as s:
        doc = _get(s, document_id)
        if doc.deleted != flag:
            doc.deleted = flag


# --- reading ---------------------------------------------------------------------------------------------

def list_documents(db: Database, client_id: uuid.UUID, *, include_archived: bool = False,
                   photos: bool = False) -> list[DocumentDTO]:
    """The client's documents, newest first (photos only with `photos=True`)."""
    guard.check(db, CLIENT_VIEW, client_id=client_id)
    stmt = select(ClientDocument).where(ClientDocument.client_id == client_id)
    if not include_archived:
        stmt = stmt.where(ClientDocument.deleted.is_(False))
    if not photos:
        stmt = stmt.where(ClientDocument.kind != PHOTO)
    with db.session() as s:
        rows = s.scalars(stmt.order_by(ClientDocument.created_at.desc(), ClientDocument.id.desc()))
        return [_dto(doc) for doc in rows]


def get_document(db: Database, document_id: uuid.UUID) -> DocumentDTO:
    guard.check_row(db, CLIENT_VIEW, ClientDocument, document_id)
    with db.session() as s:
        return _dto(_get(s, document_id))


def current_photo(db: Database, client_id: uuid.UUID) -> DocumentDTO | None:
    guard.check(db, CLIENT_VIEW, client_id=client_id)
    with db.session() as s:
        doc = s.scalars(_live(client_id, PHOTO).order_by(ClientDocument.created_at.desc()).limit(1)).first()
        return _dto(doc) if doc is not None else None


def photo_bytes(db: Database, blobs_dir: Path, client_id: uuid.UUID) -> bytes | None:
    """The client's live photo (JPEG bytes, checked against its hash), or None when there is none."""
    guard.check(db, CLIENT_VIEW, client_id=client_id)
    photo = current_photo(db, client_id)
    return BlobStore(blobs_dir).read(photo.sha256) if photo is not None else None


def document_bytes(db: Database, blobs_dir: Path, document_id: uuid.UUID) -> bytes:
    guard.check_row(db, CLIENT_VIEW, ClientDocument, document_id)
    return BlobStore(blobs_dir).read(get_document(db, document_id).sha256)


def export_document(db: Database, blobs_dir: Path, document_id: uuid.UUID, target: Path) -> Path:
    """Copy the document to `target` (checked against its hash; written to a temp file and renamed)."""
    guard.check_row(db, CLIENT_VIEW, ClientDocument, document_id)
    doc = get_document(db, document_id)
    return BlobStore(blobs_dir).copy_to(doc.sha256, Path(target))


# --- helpers ---------------------------------------------------------------------------------------------

def _live(client_id: uuid.UUID, kind: str):
    return select(ClientDocument).where(ClientDocument.client_id == client_id, ClientDocument.kind == kind,
                                        ClientDocument.deleted.is_(False))


def _get(s: Session, document_id: uuid.UUID) -> ClientDocument:
    doc = s.get(ClientDocument, document_id)
    if doc is None:
        raise NotFoundError(_("Berkas tidak ditemukan."), hint=_("Tutup dan buka lagi formulir klien ini."))
    return doc


def _writable_client(s: Session, client_id: uuid.UUID) -> Client:
    client = s.get(Client, client_id)
    if client is None:
        raise NotFoundError(_("Klien tidak ditemukan."), hint=_("Cari lagi di daftar klien."))
    if client.merged_into is not None:
        raise UserError(_("Klien ini sudah digabung dengan klien lain."),
                        hint=_("Tambahkan berkas pada klien hasil penggabungan."))
    if client.deleted:
        raise UserError(_("Klien ini sudah diarsipkan."),
                        hint=_("Pulihkan klien itu dulu bila ingin menambah berkas."))
    return client


def _check_kind(kind: str) -> None:
    if kind not in ref_list("document_kinds"):
        raise UserError(_("Pilih jenis berkas."), field="kind")


def _document_type(head: bytes, kind: str, name: str) -> str:
    """The media type by the first bytes, if this kind accepts it; else UserError."""
    if not head:
        raise _empty(name)
    media_type = sniff_media_type(head)
    if media_type is None or media_type not in ref_list("document_kinds").get(kind).extra.get("accepts", ()):
        raise UserError(_("Jenis berkas ini tidak diterima: {name}.").format(name=name),
                        hint=_("Simpan atau pindai sebagai PDF, JPEG atau PNG, lalu tambahkan lagi."),
                        field="file")
    return media_type


def _file_name(source: Source, file_name: str | None) -> str:
    if file_name:
        name = PurePath(file_name.replace("\\", "/")).name
    elif isinstance(source, bytes):
        name = "berkas"
    else:
        name = Path(source).name
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "berkas"
    if len(name) > 255:
        stem, suffix = PurePath(name).stem, PurePath(name).suffix[:20]
        name = stem[: 255 - len(suffix)] + suffix
    return name


def _head(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source[:2048]
    try:
        with Path(source).open("rb") as fh:
            return fh.read(2048)
    except OSError as exc:
        raise StorageError(_("Berkas tidak bisa dibaca: {name}.").format(name=Path(source).name),
                           hint=_("Periksa apakah berkas masih ada dan boleh dibuka, lalu coba lagi.")) from exc


def _read_limited(path: Path, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise too_large_error(size, limit)
        return path.read_bytes()
    except OSError as exc:
        raise StorageError(_("Berkas tidak bisa dibaca: {name}.").format(name=path.name),
                           hint=_("Periksa apakah berkas masih ada dan boleh dibuka, lalu coba lagi.")) from exc


def _empty(name: str) -> UserError:
    return UserError(_("Berkas {name} kosong.").format(name=name),
                     hint=_("Pilih berkas lain, atau pindai ulang."), field="file")


def _clean_note(note: str | None) -> str | None:
    note = " ".join((note or "").split()) or None
    if note is not None and len(note) > NOTE_MAX:
        raise UserError(_("Keterangan terlalu panjang ({n} huruf); paling banyak {limit}.").format(
            n=len(note), limit=NOTE_MAX), field="note")
    return note


def _dto(doc: ClientDocument) -> DocumentDTO:
    added = doc.created_at if doc.created_at.tzinfo else doc.created_at.replace(tzinfo=dt.UTC)  # SQLite: naive UTC
    return DocumentDTO(
        id=doc.id, client_id=doc.client_id, kind=doc.kind, kind_label=ref_list("document_kinds").label(doc.kind),
        sha256=doc.sha256, file_name=doc.file_name, media_type=doc.media_type, size=doc.size, note=doc.note,
        added_at=added, archived=doc.deleted,
    )

