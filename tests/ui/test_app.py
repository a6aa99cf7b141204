"""run_gui in screenshot mode: a PNG of the requested size; exit status 2 for bad input."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage

from atensi_desktop.app_context import open_app
from atensi_desktop.errors import StorageError
from ui.app import run_gui


@pytest.fixture
def factory(tmp_path, monkeypatch):
    monkeypatch.delenv("ATENSI_DB", raising=False)
    return lambda: open_app(None, str(tmp_path / "data"))


@pytest.mark.parametrize("view", ["beranda", "klien", "pengaturan"])
def test_screenshot_writes_a_png_of_the_requested_size(tmp_path, factory, view):
    target = tmp_path / f"{view}.png"
    assert run_gui(factory, screenshot=str(target), view=view) == 0
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1366, 768)


def test_screenshot_of_another_size(tmp_path, factory):
    target = tmp_path / "kecil.png"
    assert run_gui(factory, screenshot=str(target), view="kasus", size=(1024, 640)) == 0
    assert QImage(str(target)).size().toTuple() == (1024, 640)


def test_unknown_view_returns_2_with_one_line(tmp_path, factory, capsys):
    target = tmp_path / "x.png"
    assert run_gui(factory, screenshot=str(target), view="dasbor") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "dasbor" in err and "beranda" in err
    assert not target.exists()


def test_opening_error_returns_2(tmp_path, capsys):
    def broken():
        raise StorageError("Database tidak bisa ditulis.", hint="Periksa izin folder dan file database.")

    assert run_gui(broken, screenshot=str(tmp_path / "x.png")) == 2
    assert "Database tidak bisa ditulis." in capsys.readouterr().err
