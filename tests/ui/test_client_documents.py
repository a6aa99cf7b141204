"""The client form's photo and documents: choose, paste, open, copy, archive; held for a new client."""

from __future__ import annotations

import io
import sys
import types
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QDesktopServices, QGuiApplication, QImage
from PySide6.QtWidgets import QMessageBox

from atensi_desktop.services import documents
from atensi_desktop.services.clients import count_clients, create_client
from ui.dialogs.client_form import ClientFormDialog
from ui.widgets import documents_panel as panel_module
from ui.widgets.documents_panel import AddDocumentDialog, guess_kind

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _jpeg_file(path: Path, size=(1600, 1200)) -> Path:
    img = Image.new("RGB", size, (40, 90, 160))
    img.save(path, "JPEG", quality=90)
    return path


@pytest.fixture
def client(ctx):
    return create_client(ctx.db, {"name": "Siti Aminah", "sex": "P"})


@pytest.fixture
def form(qtbot, ctx, monkeypatch):
    """form(client_id): the client form shown; dialogs that ask are answered by the test."""
    def make(client_id=None) -> ClientFormDialog:
        dialog = ClientFormDialog(ctx, client_id=client_id)
        monkeypatch.setattr(dialog, "confirm_discard", lambda: True)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def _choose_photo(qtbot, box, monkeypatch, path) -> None:
    monkeypatch.setattr(box, "ask_file", lambda: str(path))
    with qtbot.waitSignal(box.changed, timeout=10000):
        qtbot.mouseClick(box.choose_button, Qt.MouseButton.LeftButton)


def _add_document(qtbot, panel, monkeypatch, path, kind, note=None) -> None:
    monkeypatch.setattr(panel, "ask_file", lambda: str(path))
    monkeypatch.setattr(panel, "ask_kind", lambda name: (kind, note))
    with qtbot.waitSignal(panel.changed, timeout=10000):
        qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)


def _rows(panel) -> list[list[str]]:
    tree = panel.tree
    return [[tree.topLevelItem(i).text(c) for c in range(4)] for i in range(tree.topLevelItemCount())]


def test_a_chosen_photo_is_stored_small_and_shown(qtbot, ctx, client, form, monkeypatch, tmp_path):
    dialog = form(client.id)
    box = dialog.photo_box
    assert box.picture.text() == "Belum ada foto" and not box.remove_button.isEnabled()
    _choose_photo(qtbot, box, monkeypatch, _jpeg_file(tmp_path / "IMG_0001.jpg"))
    assert box.picture.pixmap() is not None and not box.picture.pixmap().isNull()
    assert box.remove_button.isEnabled()
    stored = documents.current_photo(ctx.db, client.id)
    assert stored is not None and stored.file_name == "IMG_0001.jpg"
    data = documents.photo_bytes(ctx.db, ctx.paths.blobs, client.id)
    assert Image.open(io.BytesIO(data)).size == (800, 600)
    assert not dialog.dirty  # stored at once: nothing to ask about when the form closes


def test_removing_the_photo_archives_it(qtbot, ctx, client, form, monkeypatch, tmp_path):
    documents.set_photo(ctx.db, ctx.paths.blobs, client.id, _jpeg_file(tmp_path / "a.jpg"))
    dialog = form(client.id)
    box = dialog.photo_box
    assert not box.picture.pixmap().isNull()  # the stored photo is shown when the form opens
    asked = []
    monkeypatch.setattr(box, "confirm_remove", lambda: asked.append(True) or True)
    with qtbot.waitSignal(box.changed):
        qtbot.mouseClick(box.remove_button, Qt.MouseButton.LeftButton)
    assert asked and box.picture.text() == "Belum ada foto"
    assert documents.current_photo(ctx.db, client.id) is None
    [archived] = documents.list_documents(ctx.db, client.id, include_archived=True, photos=True)
    assert archived.archived


def test_a_picture_on_the_clipboard_is_pasted(qtbot, ctx, client, form):
    dialog = form(client.id)
    box = dialog.photo_box
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(box.paste_button, Qt.MouseButton.LeftButton)
    assert "Papan klip tidak berisi gambar" in box.status_label.text()
    image = QImage(300, 400, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a7"))
    QGuiApplication.clipboard().setImage(image)
    with qtbot.waitSignal(box.changed, timeout=10000):
        qtbot.mouseClick(box.paste_button, Qt.MouseButton.LeftButton)
    stored = documents.current_photo(ctx.db, client.id)
    assert stored is not None and stored.file_name == "foto-tempel.jpg"
    assert box.status_label.text() == ""


def test_a_file_that_is_not_a_picture_is_refused_in_words(qtbot, ctx, client, form, monkeypatch, tmp_path):
    dialog = form(client.id)
    box = dialog.photo_box
    fake = tmp_path / "foto.jpg"
    fake.write_text("bukan gambar")
    monkeypatch.setattr(box, "ask_file", lambda: str(fake))
    with qtbot.waitSignal(box.failed, timeout=10000):
        qtbot.mouseClick(box.choose_button, Qt.MouseButton.LeftButton)
    assert box.status_label.text().startswith("Berkas ini bukan foto yang bisa dibaca.")
    assert documents.current_photo(ctx.db, client.id) is None
    assert box.choose_button.isEnabled()


def test_documents_are_added_listed_opened_copied_and_archived(qtbot, ctx, client, form, monkeypatch, tmp_path):
    dialog = form(client.id)
    panel = dialog.documents_panel
    assert _rows(panel) == [] and "Belum ada berkas" in panel.status_label.text()
    assert not panel.open_button.isEnabled() and not panel.archive_button.isEnabled()
    pdf = tmp_path / "Surat persetujuan.pdf"
    pdf.write_bytes(PDF)
    _add_document(qtbot, panel, monkeypatch, pdf, "persetujuan", "ditandatangani wali")
    ktp = _jpeg_file(tmp_path / "ktp.jpg", (400, 250))
    _add_document(qtbot, panel, monkeypatch, ktp, "ktp")
    rows = _rows(panel)
    assert [row[:2] for row in rows] == [["KTP-el", "ktp.jpg"], ["Surat persetujuan", "Surat persetujuan.pdf"]]
    assert rows[1][2] == f"{len(PDF)} byte" and rows[1][3].count("-") == 2  # dd-mm-yyyy
    assert [d.file_name for d in documents.list_documents(ctx.db, client.id)] == ["ktp.jpg",
                                                                                    "Surat persetujuan.pdf"]
    panel.tree.setCurrentItem(panel.tree.topLevelItem(1))
    assert panel.open_button.isEnabled()
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    opened_path = Path(opened[0].toLocalFile())
    assert opened_path.name == "Surat persetujuan.pdf" and opened_path.read_bytes() == PDF
    copy = tmp_path / "salinan" / "persetujuan.pdf"
    monkeypatch.setattr(panel, "ask_save_path", lambda suggested: str(copy))
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: copy.exists() and not panel.busy, timeout=5000)
    assert copy.read_bytes() == PDF and "Salinan disimpan" in panel.status_label.text()
    monkeypatch.setattr(panel, "confirm_archive", lambda row: True)
    with qtbot.waitSignal(panel.changed):
        qtbot.mouseClick(panel.archive_button, Qt.MouseButton.LeftButton)
    assert [row[1] for row in _rows(panel)] == ["ktp.jpg"]
    assert len(documents.list_documents(ctx.db, client.id, include_archived=True)) == 2
    assert not dialog.dirty


def test_an_archived_document_is_shown_on_request_and_restored(qtbot, ctx, client, form, monkeypatch, tmp_path):
    pdf = tmp_path / "KK.pdf"
    pdf.write_bytes(PDF)
    doc = documents.add_document(ctx.db, ctx.paths.blobs, client.id, pdf, "kk", None)
    documents.archive_document(ctx.db, doc.id)
    dialog = form(client.id)
    panel = dialog.documents_panel
    assert _rows(panel) == [] and panel.archived_check.isVisibleTo(panel)
    panel.archived_check.setChecked(True)
    assert [row[1] for row in _rows(panel)] == ["KK.pdf (diarsipkan)"]
    assert panel.archived_check.text() == "Tampilkan yang diarsipkan (1)"
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    assert panel.archive_button.text() == "Pulihkan"
    with qtbot.waitSignal(panel.changed):
        qtbot.mouseClick(panel.archive_button, Qt.MouseButton.LeftButton)
    assert [row[1] for row in _rows(panel)] == ["KK.pdf"] and "dipulihkan" in panel.status_label.text()
    assert [d.id for d in documents.list_documents(ctx.db, client.id)] == [doc.id]
    panel.archived_check.setChecked(False)
    assert [row[1] for row in _rows(panel)] == ["KK.pdf"]
    assert not panel.archived_check.isVisibleTo(panel)  # nothing archived any more: the box goes away
    assert not dialog.dirty


def test_enter_on_a_document_opens_it_and_does_not_save_the_form(qtbot, ctx, client, form, monkeypatch):
    documents.add_document(ctx.db, ctx.paths.blobs, client.id, PDF, "kk", file_name="kk.pdf")
    dialog = form(client.id)
    panel = dialog.documents_panel
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    panel.tree.setFocus()
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    assert dialog.isVisible() and not dialog.busy


def test_a_refused_document_is_explained_and_not_listed(qtbot, ctx, client, form, monkeypatch, tmp_path):
    dialog = form(client.id)
    panel = dialog.documents_panel
    text = tmp_path / "catatan.pdf"
    text.write_text("catatan kunjungan")
    monkeypatch.setattr(panel, "ask_file", lambda: str(text))
    monkeypatch.setattr(panel, "ask_kind", lambda name: ("surat", None))
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.busy, timeout=5000)
    assert panel.status_label.text().startswith("Jenis berkas ini tidak diterima: catatan.pdf.")
    assert _rows(panel) == [] and documents.list_documents(ctx.db, client.id) == []


def test_a_new_client_keeps_photo_and_documents_until_it_is_saved(qtbot, ctx, form, monkeypatch, tmp_path):
    dialog = form(None)
    assert not dialog.household_button.isEnabled()
    _choose_photo(qtbot, dialog.photo_box, monkeypatch, _jpeg_file(tmp_path / "foto.jpg"))
    assert dialog.photo_box.status_label.text() == "Disimpan bersama data klien."
    pdf = tmp_path / "KK.pdf"
    pdf.write_bytes(PDF)
    _add_document(qtbot, dialog.documents_panel, monkeypatch, pdf, "kk")
    assert _rows(dialog.documents_panel)[0][3] == "belum disimpan"
    assert dialog.dirty  # closing now would lose the files: the form asks first
    assert count_clients(ctx.db) == 0 and not list(ctx.paths.blobs.rglob("*.*"))
    qtbot.keyClicks(dialog.name_edit, "Rina Marlina")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.save()
    saved = dialog.saved_client
    assert saved is not None and saved.values["name"] == "Rina Marlina"
    assert documents.current_photo(ctx.db, saved.id).file_name == "foto.jpg"
    [kk] = documents.list_documents(ctx.db, saved.id)
    assert (kk.kind, kk.file_name) == ("kk", "KK.pdf")


def test_a_held_document_can_be_dropped_before_saving(qtbot, ctx, form, monkeypatch, tmp_path):
    dialog = form(None)
    panel = dialog.documents_panel
    pdf = tmp_path / "surat.pdf"
    pdf.write_bytes(PDF)
    _add_document(qtbot, panel, monkeypatch, pdf, "surat")
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    assert panel.archive_button.text() == "Buang"
    qtbot.mouseClick(panel.archive_button, Qt.MouseButton.LeftButton)  # no question: nothing stored yet
    assert _rows(panel) == [] and not dialog.dirty


def test_storage_refusing_a_held_file_after_the_client_is_saved_is_reported(qtbot, ctx, form, monkeypatch,
                                                                          tmp_path):
    from atensi_desktop.errors import StorageError

    dialog = form(None)
    pdf = tmp_path / "ktp.pdf"
    pdf.write_bytes(PDF)
    _add_document(qtbot, dialog.documents_panel, monkeypatch, pdf, "ktp")

    def disk_full(*_args, **_kwargs):
        raise StorageError("Berkas tidak bisa disimpan.", hint="Periksa sisa ruang disk.")

    monkeypatch.setattr(documents, "store_prepared", disk_full)
    reported = []
    monkeypatch.setattr(dialog, "report_unsaved_files", lambda failed: reported.extend(failed))
    qtbot.keyClicks(dialog.name_edit, "Budi Santoso")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.save()
    assert dialog.saved_client is not None and count_clients(ctx.db) == 1
    assert [name for name, _exc in reported] == ["ktp.pdf"]


def test_the_kind_is_guessed_from_the_file_name_and_chosen_with_the_keyboard(qtbot):
    assert guess_kind("scan_KTP_siti.pdf") == "ktp" and guess_kind("KK 2024.jpg") == "kk"
    assert guess_kind("surat-persetujuan.pdf") == "persetujuan" and guess_kind("IMG_2031.jpg") is None
    dialog = AddDocumentDialog("Kartu Keluarga.pdf")
    qtbot.addWidget(dialog)
    assert dialog.kind_combo.currentData() == "kk"
    assert [dialog.kind_combo.itemData(i) for i in range(dialog.kind_combo.count())] == [
        "ktp", "kk", "persetujuan", "surat", "lainnya"]  # the photo has its own box
    qtbot.keyClick(dialog.kind_combo, Qt.Key.Key_Down)
    qtbot.keyClicks(dialog.note_edit, "halaman 1")
    assert dialog.choice() == ("persetujuan", "halaman 1")


def test_show_household_opens_the_household_screen_of_this_client(qtbot, ctx, client, form, monkeypatch):
    calls = []
    fake = types.ModuleType("ui.dialogs.household")
    fake.open_household = lambda parent, ctx_, household_id, *, client_id: calls.append(
        (parent, ctx_, household_id, client_id))
    monkeypatch.setitem(sys.modules, "ui.dialogs.household", fake)
    dialog = form(client.id)
    assert dialog.household_button.isEnabled()
    qtbot.mouseClick(dialog.household_button, Qt.MouseButton.LeftButton)
    assert calls == [(dialog, ctx, None, client.id)]


def test_show_household_explains_when_the_screen_is_missing(qtbot, ctx, client, form, monkeypatch):
    monkeypatch.setitem(sys.modules, "ui.dialogs.household", None)  # import fails
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: shown.append(text))
    dialog = form(client.id)
    qtbot.mouseClick(dialog.household_button, Qt.MouseButton.LeftButton)
    assert shown and "belum tersedia" in shown[0]


def test_the_form_with_a_photo_and_documents_fits_a_1366x768_screen(qtbot, ctx, client, form, tmp_path):
    documents.set_photo(ctx.db, ctx.paths.blobs, client.id, _jpeg_file(tmp_path / "a.jpg"))
    for name in ("ktp.pdf", "kk.pdf", "persetujuan.pdf", "rujukan.pdf"):
        documents.add_document(ctx.db, ctx.paths.blobs, client.id, PDF + name.encode(), "lainnya", file_name=name)
    dialog = form(client.id)
    assert dialog.width() <= 1366 and dialog.height() <= 768 - 40
    assert dialog.scroll.verticalScrollBar().maximum() == 0
    assert dialog.scroll.horizontalScrollBar().maximum() == 0
    panel = dialog.documents_panel
    assert panel.tree.topLevelItemCount() == 4
    assert panel.tree.visualItemRect(panel.tree.topLevelItem(2)).bottom() <= panel.tree.viewport().height()


def test_the_panel_module_opens_files_in_a_private_folder():
    folder = panel_module._open_dir()
    assert folder.is_dir() and folder.name.startswith("atensi-buka-")
    assert (folder.stat().st_mode & 0o077) == 0  # only this user may read the copies
