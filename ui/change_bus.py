"""Tells views that data changed (after a save, an import or a sync) so they refresh what they show."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class ChangeBus(QObject):
    """One per main window; services' results are announced here on the GUI thread."""

    office_changed = Signal()
    clients_changed = Signal()
    cases_changed = Signal()
    services_changed = Signal()  # service entries or distributions saved, corrected or cancelled
    tasks_changed = Signal()  # tasks added, done or reopened (Beranda's "Hari ini")
    settings_changed = Signal()
