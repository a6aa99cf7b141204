"""The Qt binding keeps Python's reference counts: a lost reference to None or True aborts the process.

PySide6 6.12.0 on Python 3.11 loses one reference to True on every `Signal.emit()` from Python and one to
None whenever it hands back a null pointer or an empty QVariant (`parent()`, `property()`, `data()`).
Python 3.12 made None/True immortal, which hides this; on 3.11 the application dies sooner or later with
"Fatal Python error: bool_dealloc" (or none_dealloc), often at exit. PySide6 6.11.2 does not have it.
"""

from __future__ import annotations

import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Signal

ADVICE = (f"PySide6 {pyside_version} on Python {sys.version.split()[0]} loses references to True/None; "
          "pin PySide6-Essentials/Addons to 6.11.* or run on Python >= 3.12")


class _Emitter(QObject):
    happened = Signal(object)


def test_emit_keeps_the_reference_to_true(qapp):
    emitter = _Emitter()
    emitter.happened.connect(lambda _value: None)
    before = sys.getrefcount(True)
    for _ in range(50):
        emitter.happened.emit("x")
    assert sys.getrefcount(True) >= before, ADVICE


def test_null_results_keep_the_reference_to_none(qapp):
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(50):
        assert probe.parent() is None
        assert probe.property("missing") is None
    assert sys.getrefcount(None) >= before, ADVICE
