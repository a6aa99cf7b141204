"""Issue 2 end to end: `init --demo 1000` on a SQLite URL, then the Klien screen lists those clients."""

from __future__ import annotations

import sqlite3

from PySide6.QtGui import QImage

from atensi_desktop.app_context import open_app
from atensi_desktop.cli import main
from atensi_desktop.services.clients import ClientQuery, client_ids
from ui import tasks
from ui.main_window import MainWindow


def test_demo_clients_from_the_command_line_are_listed_on_the_klien_screen(qtbot, tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    home = str(tmp_path / "home")
    assert main(["--data-dir", home, "--db", url, "init", "--demo", "1000"]) == 0
    shot = tmp_path / "klien.png"
    assert main(["--data-dir", home, "--db", url, "--screenshot", str(shot), "--view", "klien"]) == 0
    assert QImage(str(shot)).size().toTuple() == (1366, 768)

    ctx = open_app(url, home)
    try:
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        view = window.show_view("klien")
        qtbot.waitUntil(lambda: view.model.rowCount() == 1000, timeout=10_000)
        con = sqlite3.connect(tmp_path / "x.db")
        first = con.execute("SELECT name FROM client ORDER BY name_norm, id LIMIT 1").fetchone()[0]
        con.close()
        assert view.model.client_row(0).name == first
        assert client_ids(ctx.db, ClientQuery())[0] == view.model.client_id(0)
        assert view.count_label.text() == "1.000 klien"
    finally:
        tasks.wait_for_all()
        ctx.close()
