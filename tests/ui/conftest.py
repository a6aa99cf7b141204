"""GUI test set-up: offscreen Qt, Qt warnings fail tests, and a fresh application context per test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    """Every test under tests/ui fails on a Qt warning (pytest-qt ini keys stay out of pyproject.toml)."""
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))


@pytest.fixture(scope="session", autouse=True)
def _styled_app(qapp):
    """The application looks and translates as in production (style, font, palette)."""
    from ui.style import apply_style

    apply_style(qapp)
    return qapp


@pytest.fixture(autouse=True)
def _no_modal_message_boxes(monkeypatch):
    """A message box nobody answers would hang the run: fail the test instead."""
    from PySide6.QtWidgets import QMessageBox

    def refuse(*args, **kwargs):
        pytest.fail(f"unexpected message box: {args[1:3] if len(args) > 2 else args}")

    for name in ("exec", "question", "warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, refuse)


@pytest.fixture
def ctx(tmp_path, monkeypatch):
    """A fresh database and data folder in tmp_path, opened the way the application opens it."""
    from atensi_desktop.app_context import open_app
    from ui import tasks

    monkeypatch.delenv("ATENSI_DB", raising=False)
    context = open_app(None, str(tmp_path))
    yield context
    tasks.wait_for_all()
    context.close()


@pytest.fixture
def add_clients(ctx):
    """Register clients by name: add_clients("Budi Santoso", "Siti Aminah", ...)."""
    from atensi_desktop.services.clients import create_client

    def add(*names: str, sex: str = "L", **values):
        return [create_client(ctx.db, {"name": name, "sex": sex, **values}) for name in names]

    return add


@pytest.fixture
def office(ctx):
    """This installation set up as a Dinas Sosial with one worker."""
    from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation

    return setup_installation(
        ctx.db,
        OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan", office_type="dinas_sosial", code="DSHSS",
                    city="Kandangan"),
        WorkerInput(name="Siti Rahmah"),
    ).office
