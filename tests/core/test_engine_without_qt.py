"""The engine imports and works with PySide6 absent (test.sh also runs tests/core with ATENSI_BLOCK_QT=1)."""

import importlib
import os
import subprocess
import sys

import pytest

_SCRIPT = """
import pkgutil, importlib, sys
import atensi_desktop
names = [m.name for m in pkgutil.walk_packages(atensi_desktop.__path__, "atensi_desktop.")
         if ".migrations" not in m.name and not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
bad = sorted({n.split(".")[0] for n in sys.modules} & {"PySide6", "shiboken6", "ui"})
print(len(names), bad)
"""


def test_every_engine_module_imports_without_loading_qt():
    out = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True)
    count, bad = out.stdout.split(" ", 1)
    assert int(count) > 10
    assert bad.strip() == "[]"


@pytest.mark.skipif(os.environ.get("ATENSI_BLOCK_QT") != "1", reason="only meaningful with ATENSI_BLOCK_QT=1")
def test_qt_really_is_blocked():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("PySide6")
